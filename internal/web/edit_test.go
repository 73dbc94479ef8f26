package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// openWorkOrderAt returns an open work order of the site with code.
func (s *site) openWorkOrderAt(code string) *workorder.WorkOrder {
	s.t.Helper()
	var found *workorder.WorkOrder
	s.view(func(tx *store.Tx) error {
		p, err := tx.WorkOrders(s.ctx(), workorder.Filter{SiteID: s.siteID(code), Limit: 500})
		for i := range p.Items {
			if p.Items[i].Open() {
				found = &p.Items[i]
			}
		}
		return err
	})
	if found == nil {
		s.t.Fatalf("%s has no open work order", code)
	}
	return found
}

// locationsAt returns the locations of the site with code.
func (s *site) locationsAt(code string) []asset.Location {
	s.t.Helper()
	var ls []asset.Location
	s.view(func(tx *store.Tx) error {
		p, err := tx.Locations(s.ctx(), asset.LocationFilter{SiteID: s.siteID(code), Limit: 500})
		ls = p.Items
		return err
	})
	if len(ls) < 2 {
		s.t.Fatalf("%s has %d locations; want two or more", code, len(ls))
	}
	return ls
}

// A planner edits a work order from its page, as PATCH does: a refusal
// keeps what was typed with the reason beside its field and changes
// nothing; a technician, and a planner of another site, are refused.
func TestEditWorkOrderForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		wo := s.openWorkOrderAt("NORTH")
		edit := "/ui/work-orders/" + wo.ID + "/edit"
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/work-orders/" + wo.ID); !strings.Contains(body, `id="edit-wo" href="`+edit+`"`) {
			t.Fatalf("the work order's page has no link to edit it")
		}
		code, body, _ := paula.get(edit)
		if code != http.StatusOK || !strings.Contains(body, "<title>Edit "+wo.Number+" · Millwright</title>") || !strings.Contains(html.UnescapeString(body), `value="`+wo.Title+`"`) {
			t.Fatalf("edit form = %d; want it filled with the work order:\n%.600s", code, body)
		}
		form := url.Values{"csrf": {paula.csrf}, "title": {" "}, "description": {"Noise at the drive end\nafter the night shift"},
			"priority": {"1"}, "estimated_labor": {"450.50"}, "assigned_to": {""}, "scheduled_on": {""}}
		code, body, _ = paula.post(edit, form)
		body = html.UnescapeString(body)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="wo-title-error">title is required`) ||
			!strings.Contains(body, `aria-describedby="wo-title-error"`) ||
			!strings.Contains(body, "Noise at the drive end\nafter the night shift</textarea>") || !strings.Contains(body, `<option value="1" selected>`) {
			t.Fatalf("edit without a title = %d; want 400, the reason beside the title and what was typed kept:\n%s", code, body)
		}
		form.Set("title", "Drive end noise")
		form.Set("priority", "9")
		code, body, _ = paula.post(edit, form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="wo-priority-error">priority must be 1 (emergency)`) ||
			!strings.Contains(body, `value="Drive end noise"`) {
			t.Fatalf("edit with priority 9 = %d; want 400 with the reason beside the priority:\n%s", code, body)
		}
		form.Set("priority", "1")
		form.Set("estimated_labor", "-5")
		if code, body, _ = paula.post(edit, form); code != http.StatusBadRequest || !strings.Contains(body, `id="wo-estimated-labor-error"`) {
			t.Fatalf("edit with a negative estimate = %d; want 400 with the reason beside it:\n%s", code, body)
		}
		if got := s.reload(wo.ID); got.Title != wo.Title || got.Priority != wo.Priority || got.Description != wo.Description {
			t.Fatalf("refused edits changed the work order: %+v", got)
		}

		form.Set("estimated_labor", "450.50")
		form.Set("assigned_to", "tom")
		form.Set("scheduled_on", "2026-12-09")
		code, _, h := paula.post(edit, form)
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/work-orders/"+wo.ID {
			t.Fatalf("edit = %d to %q; want 303 to the work order", code, h.Get("Location"))
		}
		if _, page, _ := paula.get(h.Get("Location")); !strings.Contains(page, wo.Number+" saved: Drive end noise") {
			t.Errorf("the work order's page has no notice of the change")
		}
		got := s.reload(wo.ID)
		if got.Title != "Drive end noise" || got.Priority != 1 || got.Description != "Noise at the drive end\nafter the night shift" ||
			got.EstimatedLabor.String() != "450.50" || got.AssignedTo != "tom" || got.ScheduledOn != "2026-12-09" {
			t.Errorf("saved %+v; want the title, priority, description, estimate and assignment typed", got)
		}

		tom, _ := s.login("tom")
		if code, _, _ := tom.get(edit); code != http.StatusForbidden {
			t.Errorf("technician opens the edit form: %d; want 403", code)
		}
		if code, _, _ := tom.post(edit, url.Values{"csrf": {tom.csrf}, "title": {"Mine now"}}); code != http.StatusForbidden {
			t.Errorf("technician edits: %d; want 403", code)
		}
		south := s.openWorkOrderAt("SOUTH")
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		if code, _, _ := nora.get("/ui/work-orders/" + south.ID + "/edit"); code != http.StatusForbidden {
			t.Errorf("NORTH planner opens SOUTH's work order to edit: %d; want 403", code)
		}
		if code, _, _ := nora.post("/ui/work-orders/"+south.ID+"/edit", url.Values{"csrf": {nora.csrf}, "title": {"Taken over"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner edits SOUTH's work order: %d; want 403", code)
		}
		if got := s.reload(south.ID); got.Title != south.Title {
			t.Errorf("SOUTH's work order became %q", got.Title)
		}
	})
}

// An administrator edits a site's name, currency and time zone from the
// list of sites, as PATCH does; others are refused.
func TestEditSiteForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, southID := s.siteID("NORTH"), s.siteID("SOUTH")
		siteOf := func(id string) *asset.Site {
			var st *asset.Site
			s.view(func(tx *store.Tx) (err error) { st, err = tx.Site(s.ctx(), id); return err })
			return st
		}
		before := siteOf(north)
		edit := "/ui/admin/sites/" + north
		ada, _ := s.login("ada")
		if _, body, _ := ada.get("/ui/admin/sites"); !strings.Contains(body, `href="`+edit+`"`) {
			t.Fatalf("the list of sites has no link to edit NORTH")
		}
		code, body, _ := ada.get(edit)
		if code != http.StatusOK || !strings.Contains(body, "<title>Site NORTH · Millwright</title>") || !strings.Contains(body, `value="`+before.TimeZone+`"`) {
			t.Fatalf("edit form = %d; want it filled with the site:\n%.600s", code, body)
		}
		form := url.Values{"csrf": {ada.csrf}, "name": {"North works"}, "currency": {"EURO"}, "time_zone": {"Europe/Berlin"}}
		code, body, _ = ada.post(edit, form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="site-currency-error">currency "EURO" is not an ISO 4217 code`) ||
			!strings.Contains(body, `value="North works"`) || !strings.Contains(body, `value="EURO"`) {
			t.Fatalf("edit with currency EURO = %d; want 400, the reason beside the currency and what was typed kept:\n%s", code, body)
		}
		if got := siteOf(north); *got != *before {
			t.Fatalf("a refused edit changed the site: %+v", got)
		}
		form.Set("currency", before.Currency)
		if code, _, h := ada.post(edit, form); code != http.StatusSeeOther || h.Get("Location") != "/ui/admin/sites" {
			t.Fatalf("edit = %d to %q; want 303 to the sites", code, h.Get("Location"))
		}
		if got := siteOf(north); got.Name != "North works" || got.TimeZone != "Europe/Berlin" || got.Code != "NORTH" || got.Currency != before.Currency {
			t.Errorf("saved %+v; want the name and time zone typed, the code kept", got)
		}

		paula, _ := s.login("paula")
		if code, _, _ := paula.get(edit); code != http.StatusForbidden {
			t.Errorf("planner opens a site to edit: %d; want 403", code)
		}
		s.mustSiteUser("nadmin", millwright.Admin, "NORTH")
		nadmin, _ := s.login("nadmin")
		if code, _, _ := nadmin.get("/ui/admin/sites/" + southID); code != http.StatusForbidden {
			t.Errorf("NORTH admin opens SOUTH to edit: %d; want 403", code)
		}
		southBefore := siteOf(southID)
		if code, _, _ := nadmin.post("/ui/admin/sites/"+southID, url.Values{"csrf": {nadmin.csrf}, "name": {"Taken"},
			"currency": {southBefore.Currency}, "time_zone": {"UTC"}}); code != http.StatusForbidden {
			t.Errorf("NORTH admin edits SOUTH: %d; want 403", code)
		}
		if got := siteOf(southID); *got != *southBefore {
			t.Errorf("SOUTH changed: %+v", got)
		}
	})
}

// A planner edits a location's code, name and parent from the list of
// locations, as PATCH does; others are refused.
func TestEditLocationForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		ls := s.locationsAt("NORTH")
		loc, parent := ls[0], ls[1]
		locOf := func(id string) *asset.Location {
			var l *asset.Location
			s.view(func(tx *store.Tx) (err error) { l, err = tx.Location(s.ctx(), id); return err })
			return l
		}
		edit := "/ui/locations/" + loc.ID
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/locations"); !strings.Contains(body, `href="`+edit+`"`) {
			t.Fatalf("the list of locations has no link to edit %s", loc.Code)
		}
		if code, body, _ := paula.get(edit); code != http.StatusOK || !strings.Contains(body, "<title>Location "+loc.Code+" · Millwright</title>") {
			t.Fatalf("edit form = %d:\n%.600s", code, body)
		}
		form := url.Values{"csrf": {paula.csrf}, "code": {""}, "name": {"Boiler house, east bay"}, "parent_id": {parent.ID}}
		code, body, _ := paula.post(edit, form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="location-code-error">code is required`) ||
			!strings.Contains(body, `value="Boiler house, east bay"`) || !strings.Contains(body, `<option value="`+parent.ID+`" selected>`) {
			t.Fatalf("edit without a code = %d; want 400, the reason beside the code and what was typed kept:\n%s", code, body)
		}
		if got := locOf(loc.ID); *got != loc {
			t.Fatalf("a refused edit changed the location: %+v", got)
		}
		form.Set("code", loc.Code+"-E")
		if code, _, h := paula.post(edit, form); code != http.StatusSeeOther || h.Get("Location") != "/ui/locations" {
			t.Fatalf("edit = %d to %q; want 303 to the locations", code, h.Get("Location"))
		}
		if got := locOf(loc.ID); got.Code != loc.Code+"-E" || got.Name != "Boiler house, east bay" || got.ParentID != parent.ID {
			t.Errorf("saved %+v; want the code, name and parent typed", got)
		}

		tom, _ := s.login("tom")
		if code, _, _ := tom.get(edit); code != http.StatusForbidden {
			t.Errorf("technician opens a location to edit: %d; want 403", code)
		}
		south := s.locationsAt("SOUTH")[0]
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		if code, _, _ := nora.get("/ui/locations/" + south.ID); code != http.StatusForbidden {
			t.Errorf("NORTH planner opens SOUTH's location: %d; want 403", code)
		}
		if code, _, _ := nora.post("/ui/locations/"+south.ID, url.Values{"csrf": {nora.csrf}, "code": {"X"}, "name": {"Taken"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner edits SOUTH's location: %d; want 403", code)
		}
		if got := locOf(south.ID); *got != south {
			t.Errorf("SOUTH's location changed: %+v", got)
		}
	})
}

// A planner edits an asset class from the list of classes, as PATCH
// does; a technician is refused. Classes are shared by every site, so a
// planner limited to one site edits them too, as in the API.
func TestEditAssetClassForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		var cls asset.Class
		classOf := func(id string) *asset.Class {
			var c *asset.Class
			s.view(func(tx *store.Tx) (err error) { c, err = tx.Class(s.ctx(), id); return err })
			return c
		}
		s.view(func(tx *store.Tx) error {
			p, err := tx.Classes(s.ctx(), "", 1)
			if len(p.Items) > 0 {
				cls = p.Items[0]
			}
			return err
		})
		if cls.ID == "" {
			t.Fatal("the demo has no asset class")
		}
		edit := "/ui/asset-classes/" + cls.ID
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/asset-classes"); !strings.Contains(body, `href="`+edit+`"`) {
			t.Fatalf("the list of asset classes has no link to edit %s", cls.Code)
		}
		if code, body, _ := paula.get(edit); code != http.StatusOK || !strings.Contains(body, "<title>Asset class "+cls.Code+" · Millwright</title>") {
			t.Fatalf("edit form = %d:\n%.600s", code, body)
		}
		arm := map[bool]string{true: "", false: "on"}[cls.AutoRequestMaterial] // the box turned over
		form := url.Values{"csrf": {paula.csrf}, "code": {cls.Code + "-X"}, "name": {""}, "auto_request_material": {arm}}
		code, body, _ := paula.post(edit, form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="class-name-error">name is required`) ||
			!strings.Contains(body, `value="`+cls.Code+`-X"`) {
			t.Fatalf("edit without a name = %d; want 400, the reason beside the name and what was typed kept:\n%s", code, body)
		}
		if got := classOf(cls.ID); *got != cls {
			t.Fatalf("a refused edit changed the class: %+v", got)
		}
		form.Set("name", "Renamed class")
		if code, _, h := paula.post(edit, form); code != http.StatusSeeOther || h.Get("Location") != "/ui/asset-classes" {
			t.Fatalf("edit = %d to %q; want 303 to the classes", code, h.Get("Location"))
		}
		if got := classOf(cls.ID); got.Code != cls.Code+"-X" || got.Name != "Renamed class" || got.AutoRequestMaterial == cls.AutoRequestMaterial {
			t.Errorf("saved %+v; want the code, name and Auto Request Material given", got)
		}

		tom, _ := s.login("tom")
		if code, _, _ := tom.get(edit); code != http.StatusForbidden {
			t.Errorf("technician opens a class to edit: %d; want 403", code)
		}
		if code, _, _ := tom.post(edit, url.Values{"csrf": {tom.csrf}, "code": {"X"}, "name": {"Taken"}}); code != http.StatusForbidden {
			t.Errorf("technician edits a class: %d; want 403", code)
		}
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		if code, _, _ := nora.get(edit); code != http.StatusOK {
			t.Errorf("NORTH planner opens a shared class: %d; want 200, as the API lets her", code)
		}
	})
}

// In the browser: the planner opens a work order, edits it, is told the
// title is missing without losing the description typed, and saves it;
// then renames a location from the list of locations.
func TestBrowserPlannerEditsWorkOrderAndLocation(t *testing.T) {
	e := newEnv(t)
	wo := e.workOrderByTitle("Boiler feed pump A overhaul")
	ctx := e.browser(1280, 900)
	e.login(ctx, "paula")
	e.run(ctx, "open the work order and its edit form, clear the title",
		chromedp.Navigate(e.srv.URL+"/ui/work-orders/"+wo.ID),
		chromedp.WaitVisible(chromedp.CSS("#edit-wo")),
		chromedp.Click(chromedp.CSS("#edit-wo")),
		chromedp.WaitVisible(chromedp.CSS("#edit-wo-form")),
		chromedp.Clear(chromedp.CSS("#wo-title")),
		chromedp.Clear(chromedp.CSS("#wo-description")),
		chromedp.SendKeys(chromedp.CSS("#wo-description"), "Replace both seals"),
		chromedp.SetValue(chromedp.CSS("#wo-priority"), "2"),
		submit("#wo-save"),
		chromedp.WaitVisible(chromedp.CSS("#wo-title-error")),
	)
	if msg, _ := textOf(ctx, "#wo-title-error"); !strings.Contains(msg, "title is required") {
		t.Errorf("title error = %q; want it to say the title is required", msg)
	}
	if desc, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#wo-description"))); desc != "Replace both seals" {
		t.Errorf("after the refusal the description is %q; want what was typed", desc)
	}
	e.run(ctx, "give a title and save",
		chromedp.SendKeys(chromedp.CSS("#wo-title"), "Pump A overhaul, new seals"),
		submit("#wo-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if n, _ := textOf(ctx, "p.notice"); !strings.Contains(n, "saved: Pump A overhaul, new seals") {
		t.Errorf("notice = %q; want the work order saved", n)
	}
	if got := e.workOrderByTitle("Pump A overhaul, new seals"); got.ID != wo.ID || got.Priority != 2 || got.Description != "Replace both seals" {
		t.Errorf("saved %+v; want the title, priority and description typed", got)
	}

	e.run(ctx, "open a location from the list and rename it",
		chromedp.Navigate(e.srv.URL+"/ui/locations"),
		chromedp.WaitVisible(chromedp.CSS("#locations-table a")),
		chromedp.Click(chromedp.CSS("#locations-table a")),
		chromedp.WaitVisible(chromedp.CSS("#edit-location-form")),
		chromedp.SetValue(chromedp.CSS("#location-name"), "Renamed from the screen"),
		submit("#location-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if n, _ := textOf(ctx, "#locations-table"); !strings.Contains(n, "Renamed from the screen") {
		t.Errorf("the list of locations does not show the new name:\n%s", n)
	}
}
