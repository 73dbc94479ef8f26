package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The forms keep the API's bounds: an amount of 401 digits, hours with
// three decimals, half a part counted in EA and a control character are
// refused with the field's label and the limit, and nothing is written.
func TestFormBounds(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		tom, _ := s.login("tom") // technician at NORTH
		north := s.workOrder("Quarterly service of roll shipping conveyor 1").SiteID
		var w *workorder.WorkOrder
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			p, err := tx.WorkOrders(s.ctx(), workorder.Filter{Limit: 500})
			for i, x := range p.Items {
				if x.SiteID == north && x.Status == workorder.InProgress && w == nil {
					w = &p.Items[i]
				}
			}
			return err
		})
		if w == nil {
			t.Fatal("the demo plant has no work order in progress at NORTH")
		}
		labor := func() int {
			var n int
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				ls, err := tx.LaborEntries(s.ctx(), w.ID)
				n = len(ls)
				return err
			})
			return n
		}
		before := labor()
		page := "/ui/work-orders/" + w.ID
		tom.get(page)
		for _, c := range []struct {
			form url.Values
			says string
		}{
			{url.Values{"hours": {"2"}, "rate": {"1" + strings.Repeat("0", 400)}}, "rate: has 401 characters; it takes at most 200"},
			{url.Values{"hours": {"2"}, "rate": {"1" + strings.Repeat("0", 20)}}, "Rate: 100000000000000000000 is too large; amounts are below 1000000000000 (10^12)"},
			{url.Values{"hours": {"2"}, "rate": {"1e400"}}, `Rate: "1e400" is not an amount`},
			{url.Values{"hours": {"1.125"}, "rate": {"48.00"}}, "Hours: 1.125 has 3 decimals; a number of hours takes at most 2"},
			{url.Values{"hours": {"2"}, "rate": {"48.00"}, "craft": {"fitter\x00"}}, "craft: holds the control character U+0000"},
		} {
			c.form.Set("csrf", tom.csrf)
			code, body, h := tom.post(page+"/labor", c.form)
			if code == http.StatusSeeOther {
				_, body, _ = tom.get(h.Get("Location"))
			}
			if !strings.Contains(html.UnescapeString(body), c.says) {
				t.Errorf("labor form %v = %d; want the page to say %q:\n%.800s", c.form, code, c.says, body)
			}
		}
		if n := labor(); n != before {
			t.Errorf("labor entries after the refused forms = %d; want the %d before", n, before)
		}
	})
}
