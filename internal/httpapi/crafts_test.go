package httpapi_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// TestCrafts saves crafts by role and site and lists them within the
// caller's site.
func TestCrafts(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		planner := a.token("pat", millwright.Planner, "")
		northPlanner := a.token("nora", millwright.Planner, p.Site)
		tech := a.token("tom", millwright.Technician, "")

		r := a.post(planner, "/api/v1/crafts", map[string]any{"code": "Mechanic", "name": "Mechanic", "rate": "48.00"})
		if r.Status != 200 || r.str("code") != "mechanic" || r.str("site_id") != "" {
			t.Fatalf("save craft = %d %s; want 200, code mechanic of every site", r.Status, r.Raw)
		}
		// Saved again, the same code at the same site changes its rate.
		if r := a.post(planner, "/api/v1/crafts", map[string]any{"code": "mechanic", "name": "Mechanic", "rate": "50.00"}); r.str("rate") != "50.00" {
			t.Errorf("save craft again = %d %s; want rate 50.00", r.Status, r.Raw)
		}
		// A planner of NORTH saves a craft of NORTH, whatever site it names.
		if r := a.post(northPlanner, "/api/v1/crafts", map[string]any{"code": "mechanic", "name": "Mechanic (north)", "rate": "52.00"}); r.Status != 200 || r.str("site_id") != p.Site {
			t.Errorf("north planner saves a craft = %d %s; want 200 at NORTH", r.Status, r.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/crafts", northPlanner, map[string]any{"code": "welder", "name": "Welder", "rate": "52.00", "site_id": p.OtherSite}), 403, "site_forbidden")
		a.must(200, "POST", "/api/v1/crafts", map[string]any{"code": "welder", "name": "Welder", "rate": "60.00", "site_id": p.OtherSite})

		for _, tc := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"no code", planner, map[string]any{"name": "X", "rate": "1"}, 400, "missing_field"},
			{"bad code", planner, map[string]any{"code": "two words", "name": "X", "rate": "1"}, 400, "invalid_code"},
			{"no name", planner, map[string]any{"code": "x", "rate": "1"}, 400, "missing_field"},
			{"zero rate", planner, map[string]any{"code": "x", "name": "X", "rate": "0"}, 400, "invalid_rate"},
			{"rate not a number", planner, map[string]any{"code": "x", "name": "X", "rate": "lots"}, 400, "invalid_amount"},
			{"technician", tech, map[string]any{"code": "x", "name": "X", "rate": "1"}, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, a.do("POST", "/api/v1/crafts", tc.token, tc.body), tc.status, tc.code)
			})
		}

		codes := func(token string) (out []string) {
			for _, c := range a.do("GET", "/api/v1/crafts", token, nil).items() {
				out = append(out, c["code"].(string)+"@"+c["site_id"].(string))
			}
			return out
		}
		if got := codes(northPlanner); len(got) != 2 || got[0] != "mechanic@" || got[1] != "mechanic@"+p.Site {
			t.Errorf("crafts a NORTH planner sees = %v; want the global and NORTH's mechanic, not SOUTH's welder", got)
		}
		if got := codes(planner); len(got) != 3 {
			t.Errorf("crafts a planner of every site sees = %v; want 3", got)
		}
	})
}

// TestLaborTakesCraftRate logs labor without a rate: it takes the rate of
// the craft named, else of the technician's own craft (a site's own craft
// before the global one), and is refused with neither.
func TestLaborTakesCraftRate(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		a.must(200, "POST", "/api/v1/crafts", map[string]any{"code": "mechanic", "name": "Mechanic", "rate": "48.00"})
		a.must(200, "POST", "/api/v1/crafts", map[string]any{"code": "electrician", "name": "Electrician", "rate": "75.00"})
		a.must(200, "POST", "/api/v1/crafts", map[string]any{"code": "electrician", "name": "Electrician", "rate": "80.00", "site_id": p.Site})
		wantError(t, a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": "ed", "role": "technician", "craft": "welder"}), 422, "unknown_craft")
		u := a.must(201, "POST", "/api/v1/users", map[string]any{"username": "tom", "role": "technician", "site_id": p.Site, "craft": "mechanic"})
		if u.str("craft") != "mechanic" {
			t.Fatalf("user = %s; want craft mechanic", u.Raw)
		}
		w := mustWorkOrder(t, a, p, nil).str("id")
		mustDrive(t, a, w, path("in_progress")...)

		l := as[workorder.Labor](t, a.must(201, "POST", woPath(w, "labor"), map[string]any{"technician": "tom", "hours": 2}))
		if l.Craft != "mechanic" || l.Rate.String() != "48.00" || l.Amount.String() != "96.00" {
			t.Errorf("labor of tom without rate = %+v; want mechanic at 48.00, 96.00", l)
		}
		l = as[workorder.Labor](t, a.must(201, "POST", woPath(w, "labor"), map[string]any{"technician": "tom", "craft": "electrician", "hours": 1}))
		if l.Craft != "electrician" || l.Rate.String() != "80.00" {
			t.Errorf("labor as electrician at NORTH = %+v; want NORTH's rate 80.00", l)
		}
		l = as[workorder.Labor](t, a.must(201, "POST", woPath(w, "labor"), map[string]any{"technician": "tom", "hours": 1, "rate": "55.00"}))
		if l.Rate.String() != "55.00" {
			t.Errorf("labor with a rate = %+v; want its own rate 55.00", l)
		}
		wantError(t, a.do("POST", woPath(w, "labor"), a.admin, map[string]any{"technician": "ann", "hours": 1}), 400, "missing_rate")
		wantError(t, a.do("POST", woPath(w, "labor"), a.admin, map[string]any{"technician": "tom", "craft": "welder", "hours": 1}), 400, "unknown_craft")
		if n := len(as[millwright.Page[workorder.Labor]](t, a.must(200, "GET", woPath(w, "labor"), nil)).Items); n != 3 {
			t.Errorf("labor entries = %d; want 3 (the refused ones write nothing)", n)
		}
	})
}
