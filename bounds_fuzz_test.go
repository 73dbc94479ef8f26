package millwright_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
)

// FuzzBounds checks the bounds against the decimal library on any text:
// an amount, unit price or quantity the bounds take parses, is below its
// magnitude and has no more decimals than its kind takes; one they refuse
// is refused with a field and a code. The bounds never build the number,
// so "1e999999999" costs no more than "1".
func FuzzBounds(f *testing.F) {
	for _, s := range []string{"12.50", "-0.01", "1e400", "0.0125", "999999999999.99", "1e-999999999", "00.100", "2.5e3", ".5", "1.", "-", ""} {
		f.Add(s)
	}
	ten := decimal.New(1, 0)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			field    string
			check    func(string, string) error
			digits   int32
			decimals int32
		}{
			{"amount", millwright.CheckAmountText, millwright.AmountDigits, millwright.AmountDecimals},
			{"unit_price", millwright.CheckAmountText, millwright.AmountDigits, millwright.PriceDecimals},
			{"quantity", millwright.CheckQuantityText, millwright.QuantityDigits, millwright.QuantityDecimals},
			{"hours", millwright.CheckQuantityText, 4, millwright.HoursDecimals},
		} {
			err := c.check(c.field, s)
			if err != nil {
				if millwright.ErrorKind(err) != millwright.Invalid || millwright.ErrorCode(err) == "" {
					t.Fatalf("check %s %q = %v; want an Invalid error with a code", c.field, s, err)
				}
				continue
			}
			d, perr := decimal.NewFromString(s)
			if perr != nil {
				t.Fatalf("check %s %q accepted text the decimal library cannot read: %v", c.field, s, perr)
			}
			if !d.Abs().LessThan(ten.Shift(c.digits)) {
				t.Fatalf("check %s %q accepted %s, not below 10^%d", c.field, s, d, c.digits)
			}
			if !d.Equal(d.Truncate(c.decimals)) {
				t.Fatalf("check %s %q accepted %s, with more than %d decimals", c.field, s, d, c.decimals)
			}
		}
	})
}
