package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/pm/scheduler"
)

// TestPMPlans: a planner creates, reads, lists, changes and deactivates a
// PM plan; the forecast follows the site's clock and month ends; bad
// triggers are refused with how to fix them; other roles and sites may not.
func TestPMPlans(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		a.db.Clock = func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) }
		planner := a.token("paula", millwright.Planner, "")
		tech := a.token("tom", millwright.Technician, "")
		south := a.token("sam", millwright.Planner, p.OtherSite)
		body := map[string]any{
			"asset_id": p.Pump, "lead_time_days": 7,
			"trigger":    map[string]any{"kind": "calendar", "every_months": 1, "start": "2026-01-31T06:00"},
			"work_order": map[string]any{"title": "Pump overhaul", "job_steps": []string{"Isolate", "Replace the bearing"}},
		}
		r := a.do("POST", "/api/v1/pm-plans", planner, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("create = %d %s", r.Status, r.Raw)
		}
		id := r.str("id")
		if r.str("site_id") != p.Site || r.Body["active"] != true || r.Body["trigger"].(map[string]any)["schedule"] != "fixed" {
			t.Errorf("created %s; want site NORTH, active, schedule fixed by default", r.Raw)
		}
		if wo := r.Body["work_order"].(map[string]any); wo["type"] != "preventive" || wo["priority"] != 3.0 {
			t.Errorf("template %v; want preventive, priority 3 by default", wo)
		}

		wantError(t, a.do("POST", "/api/v1/pm-plans", tech, body), http.StatusForbidden, "forbidden")
		wantError(t, a.do("POST", "/api/v1/pm-plans", south, body), http.StatusForbidden, "site_forbidden")
		wantError(t, a.do("GET", "/api/v1/pm-plans/"+id, south, nil), http.StatusForbidden, "site_forbidden")
		if items := a.do("GET", "/api/v1/pm-plans", south, nil).items(); len(items) != 0 {
			t.Errorf("a SOUTH planner lists %d NORTH plans; want 0", len(items))
		}
		wantError(t, a.do("GET", "/api/v1/pm-plans?site_id="+p.Site, south, nil), http.StatusForbidden, "site_forbidden")
		if items := a.do("GET", "/api/v1/pm-plans?kind=calendar&asset_id="+p.Pump, tech, nil).items(); len(items) != 1 {
			t.Errorf("list = %d plans; want 1", len(items))
		}

		for name, bad := range map[string]map[string]any{
			"invalid_trigger": {"kind": "calendar", "every_days": 3, "every_weeks": 1},
			"invalid_start":   {"kind": "calendar", "every_days": 3, "start": "31.01.2026"},
			"missing_field":   {"every": 500},
		} {
			b := map[string]any{"asset_id": p.Pump, "trigger": bad, "work_order": map[string]any{"title": "x"}}
			wantError(t, a.do("POST", "/api/v1/pm-plans", planner, b), http.StatusBadRequest, name)
		}
		wantError(t, a.do("POST", "/api/v1/pm-plans", planner, map[string]any{"asset_id": "nope",
			"trigger": map[string]any{"kind": "meter", "meter": "run_hours", "every": 500}, "work_order": map[string]any{"title": "x"}}),
			http.StatusUnprocessableEntity, "asset_not_found")
		wantError(t, a.do("POST", "/api/v1/pm-plans", planner, map[string]any{"asset_id": p.Pump, "triger": map[string]any{}}),
			http.StatusBadRequest, "unknown_field")

		f := a.do("GET", "/api/v1/pm-plans/"+id+"/forecast?count=3", tech, nil)
		if f.Status != http.StatusOK {
			t.Fatalf("forecast = %d %s", f.Status, f.Raw)
		}
		var got []string
		for _, it := range f.items() {
			got = append(got, it["local"].(string))
		}
		want := []string{"2026-01-31 06:00 CET", "2026-02-28 06:00 CET", "2026-03-31 06:00 CEST"}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("forecast = %v; want %v", got, want)
		}
		if at := f.items()[2]["due_at"]; at != "2026-03-31T04:00:00Z" {
			t.Errorf("third due_at = %v; want 2026-03-31T04:00:00Z (06:00 CEST)", at)
		}
		wantError(t, a.do("GET", "/api/v1/pm-plans/"+id+"/forecast?count=0", tech, nil), http.StatusBadRequest, "bad_count")

		body["trigger"] = map[string]any{"kind": "calendar", "every_weeks": 2, "schedule": "floating", "start": "2026-01-05T06:00"}
		u := a.do("PUT", "/api/v1/pm-plans/"+id, planner, body)
		if u.Status != http.StatusOK || u.Body["trigger"].(map[string]any)["every_weeks"] != 2.0 {
			t.Fatalf("update = %d %s", u.Status, u.Raw)
		}
		body["asset_id"] = p.BareAsset
		wantError(t, a.do("PUT", "/api/v1/pm-plans/"+id, planner, body), http.StatusUnprocessableEntity, "asset_fixed")

		d := a.do("DELETE", "/api/v1/pm-plans/"+id, planner, nil)
		if d.Status != http.StatusOK || d.Body["active"] != false {
			t.Fatalf("deactivate = %d %s", d.Status, d.Raw)
		}
		wantError(t, a.do("DELETE", "/api/v1/pm-plans/"+id, planner, nil), http.StatusConflict, "already_inactive")
		if items := a.do("GET", "/api/v1/pm-plans?active=true", tech, nil).items(); len(items) != 0 {
			t.Errorf("active plans = %d; want 0", len(items))
		}
		wantError(t, a.do("GET", "/api/v1/pm-plans/nope", tech, nil), http.StatusNotFound, "not_found")

		m := a.do("POST", "/api/v1/pm-plans", planner, map[string]any{"asset_id": p.Pump,
			"trigger": map[string]any{"kind": "condition", "meter": "vibration_mm_s", "above": 7.1, "for_minutes": 10}, "work_order": map[string]any{"title": "Bearing"}})
		if m.Status != http.StatusCreated {
			t.Fatalf("create condition plan = %d %s", m.Status, m.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/pm-plans/"+m.str("id")+"/forecast", tech, nil), http.StatusUnprocessableEntity, "no_forecast")
		au := a.must(http.StatusOK, "GET", "/api/v1/audit?entity_type=pm_plan&entity_id="+id, nil)
		if n := len(au.items()); n != 3 {
			t.Errorf("audit of the plan has %d entries; want create, update, deactivate", n)
		}
	})
}

// TestPMCompliance: a plan's order completed before its due date is on
// time, one completed after is late; the report says so per plan and in
// total.
func TestPMCompliance(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		a.db.Clock = func() time.Time { return now }
		r := a.must(http.StatusCreated, "POST", "/api/v1/pm-plans", map[string]any{
			"asset_id": p.BareAsset, "lead_time_days": 3,
			"trigger":    map[string]any{"kind": "calendar", "every_days": 10, "start": "2026-01-10T06:00"},
			"work_order": map[string]any{"title": "Lubricate", "copy_bom": false},
		})
		plan := r.str("id")
		s := &scheduler.Scheduler{DB: a.db}
		run := func(at string) string {
			t.Helper()
			now, _ = time.Parse(time.RFC3339, at)
			made, err := s.Step(t.Context())
			if err != nil || len(made) != 1 {
				t.Fatalf("Step at %s = %d, %v; want one order", at, len(made), err)
			}
			return made[0].ID
		}
		finish := func(id, at string) {
			t.Helper()
			now, _ = time.Parse(time.RFC3339, at)
			a.must(http.StatusOK, "POST", "/api/v1/work-orders/"+id+"/start", nil)
			a.must(http.StatusOK, "POST", "/api/v1/work-orders/"+id+"/complete", map[string]any{"notes": "done"})
		}
		finish(run("2026-01-07T06:00:00Z"), "2026-01-09T12:00:00Z") // due 10 Jan: on time
		finish(run("2026-01-17T06:00:00Z"), "2026-01-22T12:00:00Z") // due 20 Jan: late
		now = time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC)
		rep := a.do("GET", "/api/v1/reports/pm-compliance?site_id="+p.Site+"&from=2026-01-01&to=2026-02-01", a.admin, nil)
		if rep.Status != http.StatusOK {
			t.Fatalf("report = %d %s", rep.Status, rep.Raw)
		}
		total := rep.Body["total"].(map[string]any)
		if total["due"] != 2.0 || total["on_time"] != 1.0 || total["late"] != 1.0 || total["compliance_percent"] != 50.0 {
			t.Errorf("total = %v; want 2 due, 1 on time, 1 late, 50%%", total)
		}
		plans := rep.Body["plans"].([]any)
		if len(plans) != 1 || plans[0].(map[string]any)["plan_id"] != plan {
			t.Errorf("plans = %v; want one row for %s", plans, plan)
		}
		grace := a.do("GET", "/api/v1/reports/pm-compliance?from=2026-01-01&to=2026-02-01&grace_days=3", a.admin, nil)
		if g := grace.Body["total"].(map[string]any); g["on_time"] != 2.0 {
			t.Errorf("with 3 grace days: %v; want both on time", g)
		}
		wantError(t, a.do("GET", "/api/v1/reports/pm-compliance?from=2026-02-01&to=2026-01-01", a.admin, nil), http.StatusBadRequest, "bad_period")
		wantError(t, a.do("GET", "/api/v1/reports/pm-compliance?from=yesterday", a.admin, nil), http.StatusBadRequest, "bad_from")
	})
}

// TestPMForecastIsAPage: a forecast answers like every list, {"items",
// "next_cursor"}, pages with ?limit=&cursor= through the plan's next
// pm.MaxForecast due dates and then ends; count is limit's old name. A meter
// plan pages its due values the same way.
func TestPMForecastIsAPage(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		a.db.Clock = func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) }
		planner := a.token("paula", millwright.Planner, "")
		cal := a.do("POST", "/api/v1/pm-plans", planner, map[string]any{"asset_id": p.Pump,
			"trigger":    map[string]any{"kind": "calendar", "every_days": 7, "start": "2026-01-05T06:00"},
			"work_order": map[string]any{"title": "Weekly round"}})
		if cal.Status != http.StatusCreated {
			t.Fatalf("create = %d %s", cal.Status, cal.Raw)
		}
		forecast := "/api/v1/pm-plans/" + cal.str("id") + "/forecast"

		first := a.must(http.StatusOK, "GET", forecast+"?limit=2", nil)
		if len(first.Body) != 2 || first.Body["next_cursor"] == nil {
			t.Fatalf("forecast = %s; want exactly items and next_cursor", first.Raw)
		}
		if got := first.items(); len(got) != 2 || got[0]["due_at"] != "2026-01-05T05:00:00Z" || got[1]["due_at"] != "2026-01-12T05:00:00Z" ||
			got[0]["local"] != "2026-01-05 06:00 CET" || got[0]["time_zone"] != "Europe/Berlin" {
			t.Fatalf("first page = %v; want 5 and 12 January at 06:00 Berlin", got)
		}
		if first.str("next_cursor") == "" {
			t.Fatalf("first page of 2 has no next_cursor: %s", first.Raw)
		}
		second := a.must(http.StatusOK, "GET", forecast+"?limit=2&cursor="+url.QueryEscape(first.str("next_cursor")), nil)
		if got := second.items(); len(got) != 2 || got[0]["due_at"] != "2026-01-19T05:00:00Z" || got[1]["due_at"] != "2026-01-26T05:00:00Z" {
			t.Fatalf("second page = %v; want 19 and 26 January, after the first page", got)
		}
		if old := a.must(http.StatusOK, "GET", forecast+"?count=3", nil); len(old.items()) != 3 {
			t.Errorf("?count=3 = %d items; want 3 (count is limit's old name)", len(old.items()))
		}
		if def := a.must(http.StatusOK, "GET", forecast, nil); len(def.items()) != 5 || def.str("next_cursor") == "" {
			t.Errorf("default page = %d items, cursor %q; want 5 and a cursor", len(def.items()), def.str("next_cursor"))
		}

		// Every page, read to the end, is the next MaxForecast due dates once each.
		var all []string
		cursor := ""
		for range pm.MaxForecast {
			r := a.must(http.StatusOK, "GET", forecast+"?limit=30&cursor="+url.QueryEscape(cursor), nil)
			for _, it := range r.items() {
				all = append(all, it["due_at"].(string))
			}
			if cursor = r.str("next_cursor"); cursor == "" {
				break
			}
		}
		if len(all) != pm.MaxForecast || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
			t.Errorf("paged forecast = %d dates (sorted %v); want %d distinct, in order", len(all), slices.IsSorted(all), pm.MaxForecast)
		}
		if whole := a.must(http.StatusOK, "GET", forecast+"?limit=100", nil); whole.str("next_cursor") != "" || len(whole.items()) != pm.MaxForecast {
			t.Errorf("limit=100 = %d items, cursor %q; want all %d and no cursor", len(whole.items()), whole.str("next_cursor"), pm.MaxForecast)
		}

		wantError(t, a.do("GET", forecast+"?limit=0", planner, nil), http.StatusBadRequest, "bad_limit")
		wantError(t, a.do("GET", forecast+"?limit=101", planner, nil), http.StatusBadRequest, "bad_limit")
		wantError(t, a.do("GET", forecast+"?count=0", planner, nil), http.StatusBadRequest, "bad_count")
		wantError(t, a.do("GET", forecast+"?count=2&limit=3", planner, nil), http.StatusBadRequest, "bad_limit")
		wantError(t, a.do("GET", forecast+"?cursor=yesterday", planner, nil), http.StatusBadRequest, "bad_cursor")

		m := a.do("POST", "/api/v1/pm-plans", planner, map[string]any{"asset_id": p.Pump,
			"trigger":    map[string]any{"kind": "meter", "meter": "run_hours", "every": 500},
			"work_order": map[string]any{"title": "500 h service"}})
		if m.Status != http.StatusCreated {
			t.Fatalf("create meter plan = %d %s", m.Status, m.Raw)
		}
		mf := "/api/v1/pm-plans/" + m.str("id") + "/forecast"
		r := a.must(http.StatusOK, "GET", mf+"?limit=2", nil)
		if got := r.items(); len(got) != 2 || got[0]["due_value"] != 500.0 || got[1]["due_value"] != 1000.0 || got[0]["meter"] != "run_hours" {
			t.Fatalf("meter forecast = %s; want 500 and 1000 run_hours", r.Raw)
		}
		r = a.must(http.StatusOK, "GET", mf+"?limit=2&cursor="+url.QueryEscape(r.str("next_cursor")), nil)
		if got := r.items(); len(got) != 2 || got[0]["due_value"] != 1500.0 || got[1]["due_value"] != 2000.0 {
			t.Fatalf("meter forecast, second page = %s; want 1500 and 2000", r.Raw)
		}
		wantError(t, a.do("GET", mf+"?cursor="+url.QueryEscape(first.str("next_cursor")), planner, nil), http.StatusBadRequest, "bad_cursor")
	})
}
