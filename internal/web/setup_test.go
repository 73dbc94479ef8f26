package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
)

func (s *site) userNamed(name string) *store.User {
	s.t.Helper()
	var u *store.User
	s.db.View(s.ctx(), func(tx *store.Tx) (err error) {
		u, err = tx.UserByName(s.ctx(), name)
		return err
	})
	return u
}

// wantRefused checks a form shown again: status, the reason beside the
// field (its id), and what was typed kept.
func wantRefused(t *testing.T, what string, code int, body string, status int, errID, reason string, kept ...string) {
	t.Helper()
	body = html.UnescapeString(body)
	if code != status || !strings.Contains(body, `id="`+errID+`">`+reason) || !strings.Contains(body, `aria-describedby="`+errID+`"`) {
		t.Errorf("%s = %d; want %d with %q beside the field (%s):\n%.3000s", what, code, status, reason, errID, body)
		return
	}
	for _, k := range kept {
		if !strings.Contains(body, k) {
			t.Errorf("%s: the form lost %q", what, k)
		}
	}
}

// An administrator makes a user with a role and a site from the screen and
// changes them; a refusal keeps what was typed; a user limited to a site
// cannot make users of another; other roles may not open the page.
func TestUserForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		ada, _ := s.login("ada")
		code, body, _ := ada.get("/ui/admin/users")
		if code != http.StatusOK || !strings.Contains(body, "<title>Users · Millwright</title>") || !strings.Contains(body, `data-user="tom"`) {
			t.Fatalf("users page = %d:\n%.600s", code, body)
		}
		form := url.Values{"csrf": {ada.csrf}, "username": {"nina"}, "password": {"short"}, "role": {"planner"}, "site_id": {north}}
		code, body, _ = ada.post("/ui/admin/users", form)
		wantRefused(t, "short password", code, body, http.StatusBadRequest, "user-password-error", "the password must have at least 8", `value="nina"`, `value="`+north+`" selected`, `value="planner" selected`)
		form.Set("username", "tom")
		form.Set("password", "long-enough-1")
		code, body, _ = ada.post("/ui/admin/users", form)
		wantRefused(t, "a taken user name", code, body, http.StatusConflict, "user-username-error", "user tom already exists")
		if u := s.userNamed("nina"); u != nil {
			t.Fatalf("refused forms wrote user %+v", u)
		}
		form.Set("username", "nina")
		code, _, h := ada.post("/ui/admin/users", form)
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/admin/users" {
			t.Fatalf("create user = %d to %q; want 303 to the users page", code, h.Get("Location"))
		}
		u := s.userNamed("nina")
		if u == nil || u.Role != millwright.Planner || u.SiteID != north || !auth.CheckPassword(u.PasswordHash, "long-enough-1") {
			t.Fatalf("created %+v; want a NORTH planner with the password typed", u)
		}
		if _, body, _ := ada.get("/ui/admin/users"); !strings.Contains(body, "user nina created") {
			t.Errorf("no notice after creating nina")
		}
		// Change her role and site.
		ada.get("/ui/admin/users/" + u.ID)
		code, _, _ = ada.post("/ui/admin/users/"+u.ID, url.Values{"csrf": {ada.csrf}, "role": {"storekeeper"}, "site_id": {south}})
		if u = s.userNamed("nina"); code != http.StatusSeeOther || u.Role != millwright.Storekeeper || u.SiteID != south || !auth.CheckPassword(u.PasswordHash, "long-enough-1") {
			t.Errorf("edit = %d, user %+v; want a SOUTH storekeeper who keeps her password", code, u)
		}
		code, body, _ = ada.post("/ui/admin/users/"+u.ID, url.Values{"csrf": {ada.csrf}, "role": {"wizard"}, "site_id": {south}})
		wantRefused(t, "an unknown role", code, body, http.StatusBadRequest, "user-role-error", `role "wizard" is not a role`)
		// The administrator does not lock themselves out.
		me := s.userNamed("ada")
		code, body, _ = ada.post("/ui/admin/users/"+me.ID, url.Values{"csrf": {ada.csrf}, "role": {"technician"}, "site_id": {""}})
		wantRefused(t, "own role", code, body, http.StatusUnprocessableEntity, "user-role-error", "you cannot change your own role")

		// An administrator of NORTH makes NORTH users only and sees no SOUTH user.
		s.mustSiteUser("nadmin", millwright.Admin, "NORTH")
		na, _ := s.login("nadmin")
		_, body, _ = na.get("/ui/admin/users")
		if strings.Contains(body, `data-user="nina"`) || strings.Contains(body, `value="`+south+`"`) || strings.Contains(body, "Every site</option>") {
			t.Errorf("NORTH admin's users page shows SOUTH or every site")
		}
		if code, _, _ := na.post("/ui/admin/users", url.Values{"csrf": {na.csrf}, "username": {"sneak"}, "role": {"planner"}, "site_id": {south}}); code != http.StatusForbidden {
			t.Errorf("NORTH admin makes a SOUTH user: %d; want 403", code)
		}
		if code, _, _ := na.get("/ui/admin/users/" + u.ID); code != http.StatusForbidden {
			t.Errorf("NORTH admin opens a SOUTH user: %d; want 403", code)
		}
		if code, _, _ := na.post("/ui/admin/users", url.Values{"csrf": {na.csrf}, "username": {"norbert"}, "role": {"technician"}, "site_id": {""}}); code != http.StatusSeeOther {
			t.Errorf("NORTH admin makes a user: %d; want 303", code)
		} else if n := s.userNamed("norbert"); n.SiteID != north {
			t.Errorf("NORTH admin's new user has site %q; want NORTH", n.SiteID)
		}
		if s.userNamed("sneak") != nil {
			t.Errorf("the refused SOUTH user was written")
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.get("/ui/admin/users"); code != http.StatusForbidden {
			t.Errorf("planner opens users: %d; want 403", code)
		}
		if _, body, _ := paula.get("/ui/work-orders"); strings.Contains(body, `href="/ui/admin/users"`) {
			t.Errorf("the planner's menu offers Users")
		}

		// Sites: the administrator of every site creates one.
		ada.get("/ui/admin/sites")
		code, body, _ = ada.post("/ui/admin/sites", url.Values{"csrf": {ada.csrf}, "code": {"EAST"}, "name": {"East plant"}, "time_zone": {"Mars/Olympus"}})
		wantRefused(t, "a bad time zone", code, body, http.StatusBadRequest, "site-time-zone-error", `time_zone "Mars/Olympus" is not an IANA zone`, `value="East plant"`)
		code, _, _ = ada.post("/ui/admin/sites", url.Values{"csrf": {ada.csrf}, "code": {"EAST"}, "name": {"East plant"}, "time_zone": {"Europe/Berlin"}})
		if code != http.StatusSeeOther || s.siteID("EAST") == "" {
			t.Errorf("create site = %d; want 303 and site EAST", code)
		}
		na.get("/ui/admin/users")
		if code, _, _ := na.post("/ui/admin/sites", url.Values{"csrf": {na.csrf}, "code": {"WEST"}, "name": {"West"}}); code != http.StatusForbidden {
			t.Errorf("NORTH admin creates a site: %d; want 403", code)
		}
	})
}

// A planner creates a PM plan from the screen, changes and deactivates
// it; a refusal keeps what was typed; a NORTH planner cannot plan on a
// SOUTH asset; a technician may not open the form.
func TestPlanForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/pm-plans"); !strings.Contains(body, `href="/ui/pm-plans/new"`) || strings.Contains(body, "POST /api/v1") {
			t.Errorf("PM plans page has no New PM plan link, or sends people to the API")
		}
		code, body, _ := paula.get("/ui/pm-plans/new")
		if code != http.StatusOK || !strings.Contains(body, "<title>New PM plan · Millwright</title>") {
			t.Fatalf("new plan form = %d", code)
		}
		form := url.Values{"csrf": {paula.csrf}, "asset": {"P-101"}, "name": {"Pump lube"}, "kind": {"calendar"}, "cal_every": {"0"}, "cal_unit": {"weeks"},
			"schedule": {"fixed"}, "start": {"2026-01-05T06:00"}, "lead_time_days": {"2"}, "type": {"preventive"}, "priority": {"3"},
			"title": {"Lubricate pump bearings"}, "job_steps": {"Isolate\nGrease both bearings\nRun and listen"}, "copy_bom": {"on"}}
		code, body, _ = paula.post("/ui/pm-plans/new", form)
		wantRefused(t, "an interval of 0", code, body, http.StatusBadRequest, "plan-kind-error", "a calendar trigger", `value="Pump lube"`, "Grease both bearings\nRun and listen</textarea>", `value="weeks" selected`)
		form.Set("cal_every", "2")
		form.Set("asset", "NOPE")
		code, body, _ = paula.post("/ui/pm-plans/new", form)
		wantRefused(t, "an unknown asset", code, body, http.StatusBadRequest, "plan-asset-error", `asset: no asset has the tag "NOPE"`)
		plans := func() []pm.Plan {
			var out []pm.Plan
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				p, err := pm.List(s.ctx(), tx, pm.Filter{Limit: 500})
				for _, pl := range p.Items {
					if pl.Name == "Pump lube" {
						out = append(out, pl)
					}
				}
				return err
			})
			return out
		}
		if n := len(plans()); n != 0 {
			t.Fatalf("refused forms wrote %d plans", n)
		}
		form.Set("asset", "P-101")
		code, _, h := paula.post("/ui/pm-plans/new", form)
		ps := plans()
		if code != http.StatusSeeOther || len(ps) != 1 {
			t.Fatalf("create plan = %d to %q, %d plans; want 303 and one plan", code, h.Get("Location"), len(ps))
		}
		p := ps[0]
		if p.Trigger.EveryWeeks != 2 || p.Trigger.Start != "2026-01-05T06:00" || p.LeadTimeDays != 2 || len(p.WorkOrder.JobSteps) != 3 || !p.Active ||
			p.WorkOrder.Title != "Lubricate pump bearings" || h.Get("Location") != "/ui/pm-plans/"+p.ID {
			t.Errorf("created %+v; want every 2 weeks from the start, lead 2 days, 3 steps", p)
		}
		// Edit: a meter trigger, inactive.
		_, body, _ = paula.get("/ui/pm-plans/" + p.ID + "/edit")
		if !strings.Contains(body, `value="2026-01-05T06:00"`) || !strings.Contains(body, "Run and listen</textarea>") {
			t.Errorf("edit form does not show the plan:\n%.2000s", body)
		}
		edit := url.Values{"csrf": {paula.csrf}, "name": {"Pump lube"}, "kind": {"meter"}, "meter": {"run_hours"}, "meter_every": {"500"},
			"lead_time_days": {"0"}, "type": {"preventive"}, "priority": {"2"}, "title": {"Lubricate pump bearings"}, "active": {"on"}}
		if code, _, _ := paula.post("/ui/pm-plans/"+p.ID+"/edit", edit); code != http.StatusSeeOther {
			t.Errorf("edit plan = %d; want 303", code)
		}
		if p = plans()[0]; p.Trigger.Kind != pm.Meter || p.Trigger.Every != 500 || p.WorkOrder.Priority != 2 {
			t.Errorf("after the edit %+v; want a meter plan every 500 run_hours, P2", p)
		}
		if code, _, _ := paula.post("/ui/pm-plans/"+p.ID+"/deactivate", url.Values{"csrf": {paula.csrf}}); code != http.StatusSeeOther || plans()[0].Active {
			t.Errorf("deactivate = %d, active %v; want 303 and inactive", code, plans()[0].Active)
		}

		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		nora.get("/ui/pm-plans/new")
		form.Set("csrf", nora.csrf)
		form.Set("asset", "L1")
		code, body, _ = nora.post("/ui/pm-plans/new", form)
		wantRefused(t, "NORTH planner on SOUTH's L1", code, body, http.StatusBadRequest, "plan-asset-error", `asset: no asset has the tag "L1"`)
		tom, _ := s.login("tom")
		if code, _, _ := tom.get("/ui/pm-plans/new"); code != http.StatusForbidden {
			t.Errorf("technician opens the plan form: %d; want 403", code)
		}
	})
}
