package millwright_test

import (
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Each bound refuses what is beyond it, names the field and gives the
// limit, and takes what is within it.
func TestBounds(t *testing.T) {
	for _, c := range []struct {
		name     string
		err      error
		wantCode string // "" when accepted
		wantText string
	}{
		{"cents", millwright.CheckAmountText("amount", "1234.50"), "", ""},
		{"negative amount", millwright.CheckAmountText("debit", "-0.01"), "", ""},
		{"trailing zeros", millwright.CheckAmountText("amount", "12.5000"), "", ""},
		{"unit price 4 decimals", millwright.CheckAmountText("lines[0].unit_price", "0.0125"), "", ""},
		{"largest amount", millwright.CheckAmountText("amount", "999999999999.99"), "", ""},
		{"rate 1e400", millwright.CheckAmountText("rate", "1e400"), "invalid_amount", `rate: "1e400" is not an amount; send a decimal string such as "12.50"`},
		{"401 digits", millwright.CheckAmountText("rate", "1"+strings.Repeat("0", 400)), "invalid_amount", "rate: 1000000000000000000000000000000000000000… is too large; amounts are below 1000000000000 (10^12)"},
		{"10^12", millwright.CheckAmountText("amount", "1000000000000"), "invalid_amount", "below 1000000000000"},
		{"10 decimals", millwright.CheckAmountText("amount", "1.0000000001"), "invalid_amount", "amount: 1.0000000001 has 10 decimals; an amount takes at most 2"},
		{"price 5 decimals", millwright.CheckAmountText("unit_cost", "0.00125"), "invalid_amount", "unit_cost: 0.00125 has 5 decimals; a unit price or rate takes at most 4"},
		{"thousands separator", millwright.CheckAmountText("amount", "1,000.00"), "invalid_amount", "not an amount"},
		{"empty amount", millwright.CheckAmountText("amount", ""), "invalid_amount", "not an amount"},
		{"quantity", millwright.CheckQuantityText("quantity", "2.5"), "", ""},
		{"quantity exponent", millwright.CheckQuantityText("quantity", "25e-1"), "", ""},
		{"quantity 1e300", millwright.CheckQuantityText("quantity", "1e300"), "invalid_quantity", "quantity: 1e300 is too large; a quantity is below 1000000000 (10^9)"},
		{"quantity 1e-999999999", millwright.CheckQuantityText("quantity", "1e-999999999"), "invalid_quantity", `quantity: "1e-999999999" is not a number such as 2.5`},
		{"quantity 1e-1000", millwright.CheckQuantityText("quantity", "1e-1000"), "invalid_quantity", "has 1000 decimals; a quantity takes at most 6"},
		{"quantity 7 decimals", millwright.CheckQuantityText("quantity", "0.3333333"), "invalid_quantity", "quantity: 0.3333333 has 7 decimals; a quantity takes at most 6"},
		{"hours", millwright.CheckQuantityText("hours", "7.25"), "", ""},
		{"hours 3 decimals", millwright.CheckQuantityText("hours", "1.125"), "invalid_quantity", "hours: 1.125 has 3 decimals; a number of hours takes at most 2"},
		{"hours 10000", millwright.CheckQuantityText("hours", "10000"), "invalid_quantity", "hours: 10000 is too large; a number of hours is below 10000"},
		{"name", millwright.CheckText("name", "Pump P-101 ünd Söhne"), "", ""},
		{"name 201", millwright.CheckText("name", strings.Repeat("x", 201)), "invalid_text", "name: has 201 characters; it takes at most 200"},
		{"name newline", millwright.CheckText("name", "a\nb"), "invalid_text", "name: holds the control character U+000A; it takes one line of text without control characters"},
		{"name bell", millwright.CheckText("tag", "P\a101"), "invalid_text", "U+0007"},
		{"name C1", millwright.CheckText("tag", "P\u0085101"), "invalid_text", "U+0085"},
		{"notes lines", millwright.CheckText("notes", "line one\r\n\tline two"), "", ""},
		{"notes 4001", millwright.CheckText("notes", strings.Repeat("é", 4001)), "invalid_text", "notes: has 4001 characters; it takes at most 4000"},
		{"notes NUL", millwright.CheckText("notes", "a\x00b"), "invalid_text", "notes: holds the control character U+0000; only line breaks and tabs are allowed"},
		{"bad UTF-8", millwright.CheckText("name", "a\xffb"), "invalid_text", "name: is not valid UTF-8 text"},
		{"url 2048", millwright.CheckText("url", "https://erp.example.com/"+strings.Repeat("a", 2000)), "", ""},
		{"time", millwright.CheckTime("at", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)), "", ""},
		{"time 9999", millwright.CheckTime("start", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), "invalid_time", "start: 9999-12-31T00:00:00Z is outside the years 1900 to 2099 that Millwright accepts"},
		{"time 1899", millwright.CheckTime("at", time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC)), "invalid_time", "outside the years 1900 to 2099"},
		{"int", millwright.CheckInt("every_days", 1_000_000), "", ""},
		{"int too large", millwright.CheckInt("every_days", 1_000_001), "invalid_number", "every_days: 1000001 is out of range; it takes a whole number from -1000000 to 1000000"},
		{"float", millwright.CheckFloat("above", 1e15), "", ""},
		{"float too large", millwright.CheckFloat("above", 1.5e15), "invalid_number", "above: 1.5e+15 is out of range"},
		{"whole EA", millwright.CheckUnitQuantity("quantity", millwright.MustQty("3"), "EA"), "", ""},
		{"third of an EA", millwright.CheckUnitQuantity("quantity", millwright.MustQty("0.3333333333333"), "EA"), "invalid_quantity", "quantity: 0.3333333333333 EA is not a whole number; EA is counted in whole units"},
		{"lower-case pcs", millwright.CheckUnitQuantity("quantity", millwright.MustQty("1.5"), "pcs"), "invalid_quantity", "pcs is counted in whole units"},
		{"grams of a KG", millwright.CheckUnitQuantity("quantity", millwright.MustQty("0.125"), "KG"), "", ""},
		{"KG 4 decimals", millwright.CheckUnitQuantity("quantity", millwright.MustQty("0.1255"), "KG"), "invalid_quantity", "quantity: 0.1255 KG has too many decimals; KG takes at most 3"},
		{"unknown unit", millwright.CheckUnitQuantity("quantity", millwright.MustQty("0.125"), "BARREL"), "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code := millwright.ErrorCode(c.err)
			switch {
			case c.wantCode == "" && c.err != nil:
				t.Errorf("got %v; want it accepted", c.err)
			case c.wantCode != "" && (code != c.wantCode || millwright.ErrorKind(c.err) != millwright.Invalid || !strings.Contains(c.err.Error(), c.wantText)):
				t.Errorf("got %v; want an Invalid %s saying %q", c.err, c.wantCode, c.wantText)
			}
		})
	}
}

type boundsBody struct {
	Name   string            `json:"name"`
	Notes  string            `json:"notes"`
	Rate   millwright.Money  `json:"rate"`
	Amount *millwright.Money `json:"amount"`
	Hours  millwright.Qty    `json:"hours"`
	At     time.Time         `json:"at"`
	Every  int               `json:"every_days"`
	Above  *float64          `json:"above"`
	Tags   map[string]string `json:"tags"`
	Lines  []boundsLine      `json:"lines"`
	boundsEmbedded
}

type boundsLine struct {
	Quantity  millwright.Qty   `json:"quantity"`
	UnitPrice millwright.Money `json:"unit_price"`
}

type boundsEmbedded struct {
	Memo string `json:"memo"`
}

// CheckJSON walks a body with the type it will be read into and names
// the first field out of bounds by its path.
func TestCheckJSON(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"name":"P-101","notes":"a\nb","rate":"48.5000","amount":null,"hours":1.5,"at":"2026-12-07T08:00:00Z","every_days":30,"above":7.5,"tags":{"a":"b"},"lines":[{"quantity":2,"unit_price":"0.0125"}],"memo":"x"}`, ""},
		{`{"rate":48}`, `invalid_amount: rate: send amounts as decimal strings such as "12.50", not the JSON number 48`},
		{`{"rate":"1e400"}`, `invalid_amount: rate: "1e400" is not an amount`},
		{`{"amount":"10.001"}`, "invalid_amount: amount: 10.001 has 3 decimals; an amount takes at most 2"},
		{`{"hours":"2"}`, `invalid_quantity: hours: send quantities and hours as JSON numbers such as 2.5, not the string "2"`},
		{`{"lines":[{"quantity":1},{"quantity":1e300}]}`, "invalid_quantity: lines[1].quantity: 1e300 is too large"},
		{`{"lines":[{"unit_price":"1.00001"}]}`, "invalid_amount: lines[0].unit_price: 1.00001 has 5 decimals"},
		{`{"Name":"a\u0000b"}`, "invalid_text: Name: holds the control character U+0000"},
		{`{"memo":"` + strings.Repeat("m", 4001) + `"}`, "invalid_text: memo: has 4001 characters"},
		{`{"tags":{"k":"` + strings.Repeat("v", 201) + `"}}`, "invalid_text: tags.k: has 201 characters"},
		{`{"at":"9999-01-01T00:00:00Z"}`, "invalid_time: at: 9999-01-01T00:00:00Z is outside the years 1900 to 2099"},
		{`{"every_days":1e12}`, "invalid_number: every_days: 1e12 is out of range"},
		{`{"every_days":99999999999999999999}`, "invalid_number: every_days: 99999999999999999999 is out of range"},
		{`{"above":1e400}`, "invalid_number: above: 1e400 is out of range"},
		{`{"unknown":"` + strings.Repeat("u", 300) + `"}`, ""}, // the decoder refuses the field
		{`{"name":`, ""}, // the decoder says what is wrong
	} {
		err := millwright.CheckJSON([]byte(c.body), new(boundsBody))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckJSON(%.80s) = %v; want nil", c.body, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || millwright.ErrorKind(err) != millwright.Invalid):
			t.Errorf("CheckJSON(%.80s) = %v; want an Invalid error with %q", c.body, err, c.want)
		}
	}
}
