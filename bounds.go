package millwright

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// The bounds on what a client may send, kept in one place and checked at
// the edge (CheckBody for API bodies, the Check functions for forms)
// before anything is read into the domain. docs/api.md lists them.
const (
	// AmountDigits is how many digits an amount may have before its
	// decimal point: amounts are below one trillion (10^12).
	AmountDigits = 12
	// AmountDecimals is the decimals of an amount: the ledger's cents.
	AmountDecimals = 2
	// PriceDecimals is the decimals of a unit price, unit cost or rate.
	PriceDecimals = 4
	// QuantityDigits bounds a quantity below one billion (10^9).
	QuantityDigits = 9
	// ReadingDigits bounds a meter's reading below 10^15.
	ReadingDigits = 15
	// QuantityDecimals is the most decimals any quantity may have; the
	// unit it is counted in may allow fewer (see UnitDecimals).
	QuantityDecimals = 6
	// HoursDecimals is the decimals of a number of hours (36 seconds).
	HoursDecimals = 2
	// MaxHours bounds one labor entry or one downtime.
	MaxHours = 10000
	// MaxInt bounds whole-number fields (days, minutes, priorities).
	MaxInt = 1_000_000
	// MaxFloat bounds readings and thresholds.
	MaxFloat = 1e15
	// MaxText is the length of a name, code or other one-line field.
	MaxText = 200
	// MaxLongText is the length of a description, note or comment.
	MaxLongText = 4000
	// MaxURL is the length of a URL.
	MaxURL = 2048
)

// The window a timestamp must fall in: from the start of EarliestTime's
// year to the start of LatestTime's, on the timestamp's own clock.
var (
	EarliestTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestTime   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// priceFields are the money fields that are a price per unit and take
// PriceDecimals; every other amount takes AmountDecimals.
var priceFields = map[string]bool{"unit_cost": true, "unit_price": true, "rate": true, "price": true, "average_cost": true}

// longTextFields are the text fields that take MaxLongText characters and
// line breaks and tabs; every other text field is one line of MaxText.
var longTextFields = map[string]bool{
	"description": true, "notes": true, "note": true, "comment": true, "reason": true, "memo": true,
	"problem": true, "cause": true, "remedy": true, "job_steps": true, "message": true,
}

// hoursFields are the quantities that are a number of hours.
var hoursFields = map[string]bool{"hours": true, "downtime_hours": true, "downtime": true}

// fieldName is the last name of a field's path: "lines[2].unit_price"
// gives "unit_price", "job_steps[0]" gives "job_steps".
func fieldName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

func boundError(code, field, format string, args ...any) error {
	return &Error{Kind: Invalid, Code: code, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// CheckAmountText checks the text of an amount sent for field: a plain
// decimal such as "-12.50" (no exponent, no thousands separator), below
// 10^12, with at most PriceDecimals when field is a unit price or rate
// and AmountDecimals otherwise.
func CheckAmountText(field, s string) error {
	decimals := AmountDecimals
	what := "an amount"
	if priceFields[fieldName(field)] {
		decimals, what = PriceDecimals, "a unit price or rate"
	}
	digits, dec, ok := measure(s, false)
	switch {
	case !ok:
		return boundError("invalid_amount", field, "%q is not an amount; send a decimal string such as \"12.50\"", clip(s))
	case digits > AmountDigits:
		return boundError("invalid_amount", field, "%s is too large; amounts are below 1000000000000 (10^12)", clip(s))
	case dec > decimals:
		return boundError("invalid_amount", field, "%s has %d decimals; %s takes at most %d", clip(s), dec, what, decimals)
	}
	return nil
}

// CheckQuantityText checks the text of a quantity or number of hours sent
// for field: a number below 10^9 with at most QuantityDecimals (hours:
// below MaxHours with at most HoursDecimals; a reading's value: below
// 10^15).
func CheckQuantityText(field, s string) error {
	digits, dec, ok := measure(s, true)
	maxDigits, maxDec, what, below := QuantityDigits, QuantityDecimals, "a quantity", "1000000000 (10^9)"
	switch name := fieldName(field); {
	case hoursFields[name]:
		maxDigits, maxDec, what, below = 4, HoursDecimals, "a number of hours", "10000"
	case name == "value": // a meter's reading: counters of cycles or watt-hours run high
		maxDigits, what, below = ReadingDigits, "a reading", "10^15"
	}
	switch {
	case !ok:
		return boundError("invalid_quantity", field, "%q is not a number such as 2.5", clip(s))
	case digits > maxDigits:
		return boundError("invalid_quantity", field, "%s is too large; %s is below %s", clip(s), what, below)
	case dec > maxDec:
		return boundError("invalid_quantity", field, "%s has %d decimals; %s takes at most %d", clip(s), dec, what, maxDec)
	}
	return nil
}

// CheckText checks a text field: at most MaxText characters on one line,
// or MaxLongText with line breaks and tabs for descriptions and notes
// (MaxURL for URLs); valid UTF-8 and no other control characters.
func CheckText(field, s string) error {
	name := fieldName(field)
	long := longTextFields[name]
	limit := MaxText
	switch {
	case long:
		limit = MaxLongText
	case strings.HasSuffix(name, "url"):
		limit = MaxURL
	}
	if !utf8.ValidString(s) {
		return boundError("invalid_text", field, "is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return boundError("invalid_text", field, "has %d characters; it takes at most %d", n, limit)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			if long && (r == '\n' || r == '\r' || r == '\t') {
				continue
			}
			if long {
				return boundError("invalid_text", field, "holds the control character U+%04X; only line breaks and tabs are allowed", r)
			}
			return boundError("invalid_text", field, "holds the control character U+%04X; it takes one line of text without control characters", r)
		}
	}
	return nil
}

// CheckTime checks that t falls in the years 1900 to 2099 of its own
// clock: a PM start of 2099-12-31T23:30 in New York is in 2099 even
// though it is 2100 in UTC, so a time is taken or refused alike in every
// zone it is written in.
func CheckTime(field string, t time.Time) error {
	if y := t.Year(); y < EarliestTime.Year() || y >= LatestTime.Year() {
		return boundError("invalid_time", field, "%s is outside the years 1900 to 2099 that Millwright accepts", t.Format(time.RFC3339))
	}
	return nil
}

// CheckInt checks a whole-number field against ±MaxInt.
func CheckInt(field string, n int64) error {
	if n > MaxInt || n < -MaxInt {
		return boundError("invalid_number", field, "%d is out of range; it takes a whole number from -%d to %d", n, MaxInt, MaxInt)
	}
	return nil
}

// CheckFloat checks a reading or threshold against ±MaxFloat.
func CheckFloat(field string, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > MaxFloat {
		return boundError("invalid_number", field, "%g is out of range; it takes a number between -1e15 and 1e15", f)
	}
	return nil
}

// measure reads a decimal's text (with an exponent when allowExp) and
// returns how many digits it has before the decimal point and how many
// decimals it needs, leading and trailing zeros left out, without
// building the number: "1e999999999" is measured, not allocated.
func measure(s string, allowExp bool) (digits, decimals int, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[start:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
		if frac == "" {
			return 0, 0, false
		}
	}
	if intPart == "" {
		return 0, 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if !allowExp {
			return 0, 0, false
		}
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			exp = min(exp*10+int(s[i]-'0'), 1_000_000) // far beyond any bound
			i++
		}
		if i == es {
			return 0, 0, false
		}
		if exp > 1000 { // no bound needs it, and decimal libraries refuse such exponents
			return 0, 0, false
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, 0, false
	}
	m := intPart + frac
	point := len(intPart) + exp // the decimal point's place in m
	lead := len(m) - len(strings.TrimLeft(m, "0"))
	m, point = m[lead:], point-lead
	m = strings.TrimRight(m, "0")
	if m == "" {
		return 0, 0, true // zero
	}
	return max(0, point), max(0, len(m)-point), true
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
