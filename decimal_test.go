package millwright_test

import (
	"fmt"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// Money prints with its two decimals however it is formatted, so a
// message or a page never shows 8.4 for 8.40.
func TestMoneyFormat(t *testing.T) {
	m := millwright.MustMoney("8.40")
	for _, c := range []struct{ got, want string }{
		{fmt.Sprint(m), "8.40"},
		{fmt.Sprintf("%s", m), "8.40"},
		{fmt.Sprintf("%v", m), "8.40"},
		{fmt.Sprintf("%6s|", m), "  8.40|"},
		{fmt.Sprintf("%.1f", m), "8.4"},
		{m.String(), "8.40"},
	} {
		if c.got != c.want {
			t.Errorf("formatted %q; want %q", c.got, c.want)
		}
	}
}
