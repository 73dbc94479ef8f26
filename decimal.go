package millwright

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// Money is an exact decimal amount. It reads and writes JSON as a string
// with two decimals ("1234.50"); it also reads a JSON number, for what
// Millwright reads from itself and from ERPs. A client's body is checked
// first (CheckJSON), which takes amounts only as strings within bounds.
type Money struct{ decimal.Decimal }

// Qty is an exact decimal quantity or number of hours. It reads and writes
// JSON as a number.
type Qty struct{ decimal.Decimal }

// ParseMoney parses s as Money.
func ParseMoney(s string) (Money, error) {
	d, err := decimal.NewFromString(s)
	return Money{d}, err
}

// MustMoney parses s as Money and panics on error; for constants and tests.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MustQty parses s as a Qty and panics on error; for constants and tests.
func MustQty(s string) Qty { return Qty{decimal.RequireFromString(s)} }

// NewQty returns n as a Qty.
func NewQty(n int64) Qty { return Qty{decimal.NewFromInt(n)} }

// Round returns m rounded half away from zero to cents.
func (m Money) Round() Money { return Money{m.Decimal.Round(2)} }

// String returns m with two decimals.
func (m Money) String() string { return m.StringFixed(2) }

// Format prints m with its two decimals for %v and %s, as String does
// (the embedded decimal's own Format would print 8.4 for 8.40); other
// verbs format the decimal.
func (m Money) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's':
		fmt.Fprintf(f, fmt.FormatString(f, verb), m.String())
	default:
		m.Decimal.Format(f, verb)
	}
}

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.Decimal.Add(o.Decimal)} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.Decimal.Sub(o.Decimal)} }

// Times returns q × m rounded to cents.
func (m Money) Times(q Qty) Money { return Money{m.Decimal.Mul(q.Decimal).Round(2)} }

// MarshalJSON writes m as a string with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON reads a decimal string or number.
func (m *Money) UnmarshalJSON(b []byte) error {
	d, err := parseJSONDecimal(b)
	if err != nil {
		return fmt.Errorf("amount %s is not a decimal such as \"12.50\"", b)
	}
	m.Decimal = d
	return nil
}

// Add returns q + o.
func (q Qty) Add(o Qty) Qty { return Qty{q.Decimal.Add(o.Decimal)} }

// Sub returns q - o.
func (q Qty) Sub(o Qty) Qty { return Qty{q.Decimal.Sub(o.Decimal)} }

// String returns q without trailing zeros.
func (q Qty) String() string { return q.Decimal.String() }

// MarshalJSON writes q as a JSON number.
func (q Qty) MarshalJSON() ([]byte, error) { return []byte(q.Decimal.String()), nil }

// UnmarshalJSON reads a JSON number (or a decimal string).
func (q *Qty) UnmarshalJSON(b []byte) error {
	d, err := parseJSONDecimal(b)
	if err != nil {
		return fmt.Errorf("quantity %s is not a number", b)
	}
	q.Decimal = d
	return nil
}

func parseJSONDecimal(b []byte) (decimal.Decimal, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 1 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return decimal.Decimal{}, err
		}
		return decimal.NewFromString(s)
	}
	if bytes.Equal(b, []byte("null")) {
		return decimal.Decimal{}, nil
	}
	return decimal.NewFromString(string(b))
}
