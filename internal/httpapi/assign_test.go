package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// A planner assigns a work order to a technician of its site and
// schedules it for a day, on create and by PATCH; the list filters by
// assignee; a user who may not do work, a technician of another site, an
// unknown user and a day that is not a date are refused.
func TestAssignAndSchedule(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		a.token("tina", millwright.Technician, p.Site)
		a.token("sven", millwright.Technician, p.OtherSite)
		a.token("pete", millwright.Planner, p.Site)
		w1 := mustWorkOrder(t, a, p, map[string]any{"assigned_to": "tina", "scheduled_on": "2026-12-02"})
		if w1.str("assigned_to") != "tina" || w1.str("scheduled_on") != "2026-12-02" {
			t.Fatalf("created work order = %s; want assigned to tina on 2026-12-02", w1.Raw)
		}
		w2 := mustWorkOrder(t, a, p, nil).str("id")
		if r := a.must(200, "GET", woPath(w2), nil); r.str("assigned_to") != "" || r.str("scheduled_on") != "" {
			t.Errorf("a work order created without them = %s; want assigned_to and scheduled_on empty", r.Raw)
		}
		got := as[workorder.WorkOrder](t, a.must(200, "PATCH", woPath(w2), map[string]any{"assigned_to": " tina ", "scheduled_on": "2026-12-03"}))
		if got.AssignedTo != "tina" || got.ScheduledOn != "2026-12-03" {
			t.Errorf("patched = %q on %q; want tina on 2026-12-03", got.AssignedTo, got.ScheduledOn)
		}
		var ids []string
		for _, it := range a.must(200, "GET", "/api/v1/work-orders?assigned_to=tina", nil).items() {
			ids = append(ids, it["id"].(string))
		}
		if fmt.Sprint(ids) != fmt.Sprint([]string{w1.str("id"), w2}) {
			t.Errorf("GET work-orders?assigned_to=tina = %v; want both", ids)
		}
		wantError(t, a.do("PATCH", woPath(w2), a.admin, map[string]any{"assigned_to": "nobody"}), 422, "unknown_user")
		wantError(t, a.do("PATCH", woPath(w2), a.admin, map[string]any{"assigned_to": "pete"}), 422, "not_a_technician")
		wantError(t, a.do("PATCH", woPath(w2), a.admin, map[string]any{"assigned_to": "sven"}), 422, "wrong_site")
		wantError(t, a.do("PATCH", woPath(w2), a.admin, map[string]any{"scheduled_on": "tomorrow"}), 400, "invalid_date")
		got = as[workorder.WorkOrder](t, a.must(200, "PATCH", woPath(w2), map[string]any{"assigned_to": "", "scheduled_on": ""}))
		if got.AssignedTo != "" || got.ScheduledOn != "" {
			t.Errorf("after unassigning = %q on %q; want both empty", got.AssignedTo, got.ScheduledOn)
		}
		if n := len(a.must(200, "GET", "/api/v1/work-orders?assigned_to=tina", nil).items()); n != 1 {
			t.Errorf("tina has %d work orders after one was unassigned; want 1", n)
		}
	})
}
