package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// On both engines, without a browser: a planner assigns and schedules
// through the work-order form and the technician's today follows it (a
// day in the future moves it to later); the technician records a reading
// through the form; each form is refused to the roles that may not use it;
// the administrator runs the reconciliation from its page.
func TestAssignScheduleAndReadingForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		wo := s.workOrder("Boiler 2 FD fan tripped on high vibration")
		pump := s.workOrder("Boiler feed pump A overhaul")
		var today, tomorrow string
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			site, err := tx.Site(s.ctx(), wo.SiteID)
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(site.TimeZone)
			now := tx.Now().In(loc)
			today, tomorrow = now.Format(workorder.DateLayout), now.AddDate(0, 0, 1).Format(workorder.DateLayout)
			return err
		})
		link := `href="/ui/work-orders/` + wo.ID + `"`
		tom, _ := s.login("tom")
		section := func(body, id string) string {
			i := strings.Index(body, `id="`+id+`"`)
			if i < 0 {
				return ""
			}
			j := strings.Index(body[i:], "</ul>")
			return body[i : i+j]
		}
		_, body, _ := tom.get("/ui/my-work")
		if !strings.Contains(section(body, "unassigned"), link) || strings.Contains(section(body, "my-work"), link) {
			t.Fatalf("before assignment %s should be under not assigned, not today", wo.Number)
		}
		if !strings.Contains(section(body, "my-work"), `href="/ui/work-orders/`+pump.ID+`"`) {
			t.Errorf("the demo's pump overhaul, assigned to tom for today, is not in his today")
		}

		paula, _ := s.login("paula")
		paula.get("/ui/work-orders/" + wo.ID)
		post := func(u *user, path string, form url.Values) (int, string) {
			form.Set("csrf", u.csrf)
			code, _, h := u.post(path, form)
			return code, flashOf(h)
		}
		if code, kind := post(paula, "/ui/work-orders/"+wo.ID+"/assign", url.Values{"assigned_to": {"tom"}, "scheduled_on": {tomorrow}}); code != http.StatusSeeOther || kind != "notice" {
			t.Fatalf("assign for tomorrow: %d %s; want 303 with a notice", code, kind)
		}
		_, body, _ = tom.get("/ui/my-work")
		if strings.Contains(section(body, "my-work"), link) || !strings.Contains(section(body, "later"), link) {
			t.Errorf("scheduled for tomorrow, %s should be under later, not today", wo.Number)
		}
		post(paula, "/ui/work-orders/"+wo.ID+"/assign", url.Values{"assigned_to": {"tom"}, "scheduled_on": {today}})
		_, body, _ = tom.get("/ui/my-work")
		if !strings.Contains(section(body, "my-work"), link) {
			t.Errorf("scheduled for today, %s is not in tom's today", wo.Number)
		}
		if code, kind := post(paula, "/ui/work-orders/"+wo.ID+"/assign", url.Values{"assigned_to": {"alan"}}); code != http.StatusSeeOther || kind != "error" {
			t.Errorf("assign to an approver: %d %s; want 303 back with an error", code, kind)
		}
		if code, _ := post(tom, "/ui/work-orders/"+wo.ID+"/assign", url.Values{"assigned_to": {"tom"}}); code != http.StatusForbidden {
			t.Errorf("a technician assigns: %d; want 403", code)
		}

		tom.get("/ui/work-orders/" + pump.ID)
		if code, kind := post(tom, "/ui/work-orders/"+pump.ID+"/readings", url.Values{"meter": {"vibration_mm_s"}, "value": {"3.3"}}); code != http.StatusSeeOther || kind != "notice" {
			t.Fatalf("record a reading: %d %s; want 303 with a notice", code, kind)
		}
		if code, kind := post(tom, "/ui/work-orders/"+pump.ID+"/readings", url.Values{"meter": {"no_such_meter"}, "value": {"1"}}); code != http.StatusSeeOther || kind != "error" {
			t.Errorf("a reading of an unknown meter: %d %s; want 303 back with an error", code, kind)
		}
		if code, _ := post(paula, "/ui/work-orders/"+pump.ID+"/readings", url.Values{"meter": {"vibration_mm_s"}, "value": {"1"}}); code != http.StatusForbidden {
			t.Errorf("a planner records a reading: %d; want 403", code)
		}
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			p, err := tx.Readings(s.ctx(), reading.Filter{AssetID: pump.AssetID, Limit: 10})
			if len(p.Items) != 1 || p.Items[0].Value.String() != "3.3" || p.Items[0].RecordedBy != "tom" {
				t.Errorf("readings = %+v, %v; want tom's 3.3 only", p.Items, err)
			}
			return nil
		})

		if code, _, _ := tom.get("/ui/integration/reconciliation"); code != http.StatusForbidden {
			t.Errorf("a technician opens the reconciliation: %d; want 403", code)
		}
		ivan, _ := s.login("ivan")
		ivan.get("/ui/integration/reconciliation")
		code, _, h := ivan.post("/ui/integration/reconciliation", url.Values{"csrf": {ivan.csrf}})
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/ui/integration/reconciliation?run=rec_") {
			t.Fatalf("run the reconciliation: %d to %q; want 303 to the run", code, h.Get("Location"))
		}
		if code, body, _ := ivan.get(h.Get("Location")); code != http.StatusOK || !strings.Contains(body, `id="differences"`) {
			t.Errorf("the run's page: %d", code)
		}
		if code, _, _ := ivan.get("/ui/integration/reconciliation?show=maybe"); code != http.StatusBadRequest {
			t.Errorf("?show=maybe: %d; want 400", code)
		}
	})
}
