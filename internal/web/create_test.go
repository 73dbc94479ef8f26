package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// A planner creates a work order from the screen: a refusal shows the
// form again with what was typed and the reason beside its field, and
// writes nothing; a technician may not open the form.
func TestNewWorkOrderForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		pump := s.workOrder("Boiler feed pump A overhaul").AssetID
		paula, _ := s.login("paula")
		count := func() int {
			var n int
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				p, err := tx.WorkOrders(s.ctx(), workorder.Filter{Limit: 500})
				n = len(p.Items)
				return err
			})
			return n
		}
		if code, body, _ := paula.get("/ui/assets/" + pump); code != http.StatusOK || !strings.Contains(body, `href="/ui/work-orders/new?asset_id=`+pump+`"`) {
			t.Fatalf("asset page = %d; want a link to create a work order for it", code)
		}
		code, body, _ := paula.get("/ui/work-orders/new?asset_id=" + pump)
		if code != http.StatusOK || !strings.Contains(body, `value="P-101"`) || !strings.Contains(body, "<title>New work order · Millwright</title>") {
			t.Fatalf("new work order form = %d; want the form with the asset's tag:\n%.600s", code, body)
		}
		before := count()
		form := url.Values{"csrf": {paula.csrf}, "asset": {"P-101"}, "asset_id": {pump}, "type": {"corrective"}, "priority": {"2"},
			"title": {""}, "description": {"Drips at the drive end\nsince the night shift"}, "copy_bom_shown": {"1"}}
		code, body, _ = paula.post("/ui/work-orders/new", form)
		body = html.UnescapeString(body)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="wo-title-error">title is required`) ||
			!strings.Contains(body, "Drips at the drive end\nsince the night shift</textarea>") || !strings.Contains(body, `<option value="2" selected>`) {
			t.Fatalf("form without a title = %d; want 400, the reason beside the title and what was typed kept:\n%s", code, body)
		}
		form.Set("asset", "NO-SUCH-TAG")
		form.Set("title", "Seal leaks")
		code, body, _ = paula.post("/ui/work-orders/new", form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="wo-asset-error">asset: no asset has the tag "NO-SUCH-TAG"`) {
			t.Fatalf("form with an unknown tag = %d; want the reason beside the asset:\n%.2000s", code, body)
		}
		if n := count(); n != before {
			t.Fatalf("work orders after refused forms = %d; want the %d before", n, before)
		}
		form.Set("asset", "p-101") // any case
		code, _, h := paula.post("/ui/work-orders/new", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/ui/work-orders/wo_") {
			t.Fatalf("form = %d to %q; want 303 to the new work order", code, h.Get("Location"))
		}
		_, page, _ := paula.get(h.Get("Location"))
		if !strings.Contains(page, "Seal leaks") || !strings.Contains(page, "created: Seal leaks") {
			t.Errorf("the new work order's page does not show it with a notice:\n%.800s", page)
		}
		w := s.workOrder("Seal leaks")
		if w.AssetID != pump || w.Priority != 2 || w.Type != workorder.Corrective || w.Status != workorder.Requested || w.Description != "Drips at the drive end\nsince the night shift" {
			t.Errorf("created %+v; want the pump's corrective P2 request with the description typed", w)
		}

		// A planner limited to NORTH cannot reach SOUTH's line 1 by its tag.
		s.mustSiteUser("nora", "planner", "NORTH")
		nora, _ := s.login("nora")
		nora.get("/ui/work-orders/new")
		code, body, _ = nora.post("/ui/work-orders/new", url.Values{"csrf": {nora.csrf}, "asset": {"L1"}, "type": {"corrective"}, "title": {"Jam"}})
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `asset: no asset has the tag "L1"`) {
			t.Errorf("NORTH planner's work order for SOUTH's L1 = %d; want the tag not found at her site:\n%.600s", code, body)
		}

		tom, _ := s.login("tom")
		if code, _, _ := tom.get("/ui/work-orders/new"); code != http.StatusForbidden {
			t.Errorf("technician opens the form: %d; want 403", code)
		}
		if _, body, _ := tom.get("/ui/work-orders"); strings.Contains(body, `id="new-wo"`) {
			t.Errorf("the technician's work orders page offers to create one")
		}
	})
}

// In the browser: the planner opens the pump's page, creates a work order
// for it, is told the title is missing without losing the description,
// and lands on the new work order.
func TestBrowserPlannerCreatesWorkOrderFromAsset(t *testing.T) {
	e := newEnv(t)
	pump := e.workOrderByTitle("Boiler feed pump A overhaul").AssetID
	ctx := e.browser(1280, 900)
	e.login(ctx, "paula")
	e.run(ctx, "open the pump and its new work order form",
		chromedp.Navigate(e.srv.URL+"/ui/assets/"+pump),
		chromedp.WaitVisible(chromedp.CSS("#new-wo")),
		chromedp.Click(chromedp.CSS("#new-wo")),
		chromedp.WaitVisible(chromedp.CSS("#new-wo-form")),
		chromedp.SendKeys(chromedp.CSS("#wo-description"), "Bearing noise on the drive end"),
		submit("#wo-create"),
		chromedp.WaitVisible(chromedp.CSS("#wo-title-error")),
	)
	if msg, _ := textOf(ctx, "#wo-title-error"); !strings.Contains(msg, "title is required") {
		t.Errorf("title error = %q; want it to say the title is required", msg)
	}
	desc, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#wo-description")))
	tag, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#wo-asset")))
	if desc != "Bearing noise on the drive end" || tag != "P-101" {
		t.Errorf("after the refusal the form holds description %q and asset %q; want what was there", desc, tag)
	}
	e.shot(ctx, "planner-new-work-order-error")
	e.run(ctx, "give a title and create",
		chromedp.SendKeys(chromedp.CSS("#wo-title"), "Bearing noise"),
		submit("#wo-create"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if n, _ := textOf(ctx, "p.notice"); !strings.Contains(n, "created: Bearing noise") {
		t.Errorf("notice = %q; want the new work order's number and title", n)
	}
	if w := e.workOrderByTitle("Bearing noise"); w.AssetID != pump || w.Description != "Bearing noise on the drive end" {
		t.Errorf("created %+v; want it for the pump with the description", w)
	}
}
