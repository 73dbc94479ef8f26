package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// countWorkOrders counts the work orders of the demo plant and those made since.
func (s *site) countWorkOrders() int {
	s.t.Helper()
	var n int
	if err := s.db.View(s.ctx(), func(tx *store.Tx) error {
		p, err := tx.WorkOrders(s.ctx(), workorder.Filter{Limit: 1000})
		n = len(p.Items)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *site) materials(id string) []workorder.Material {
	s.t.Helper()
	var mats []workorder.Material
	if err := s.db.View(s.ctx(), func(tx *store.Tx) (err error) {
		mats, err = workorder.Materials(s.ctx(), tx, id)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return mats
}

// The request portal: a technician of NORTH files a request for an asset
// of his site; a refusal shows the form again with what was typed and the
// reason beside its field, and files nothing; an asset of another site is
// not found; a storekeeper of every site picks the site; both see their
// requests under My requests and the site's under Waiting.
func TestRequestPortal(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		tom, _ := s.login("tom")
		code, body, _ := tom.get("/ui/requests")
		if code != http.StatusOK || !strings.Contains(body, "<title>Work requests · Millwright</title>") ||
			!strings.Contains(body, `<option value="P-101">`) || strings.Contains(body, `<option value="L1">`) || strings.Contains(body, `id="site-pick"`) {
			t.Fatalf("tom's portal = %d; want NORTH's assets only and no site to pick:\n%.1500s", code, body)
		}
		if !strings.Contains(body, `href="/ui/requests"`) || !strings.Contains(body, `id="my-requests-empty"`) {
			t.Errorf("the portal has no nav link or no empty My requests")
		}
		before := s.countWorkOrders()
		form := url.Values{"csrf": {tom.csrf}, "asset": {"P-101"}, "title": {" "}, "description": {"Puddle under the pump\nsince Monday"}, "priority": {"2"}}
		code, body, _ = tom.post("/ui/requests", form)
		body = html.UnescapeString(body)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="req-title-error">title is required`) ||
			!strings.Contains(body, `aria-describedby="req-title-error"`) ||
			!strings.Contains(body, "Puddle under the pump\nsince Monday</textarea>") || !strings.Contains(body, `value="2" checked`) {
			t.Fatalf("request without a title = %d; want 400 with the reason beside the title and what was typed kept:\n%s", code, body)
		}
		form.Set("title", "Pump leaks")
		for _, tag := range []string{"NO-SUCH", "L1"} { // L1 is SOUTH's
			form.Set("asset", tag)
			code, body, _ = tom.post("/ui/requests", form)
			if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="req-asset-error">asset: no asset has the tag "`+tag+`"`) ||
				!strings.Contains(body, `value="Pump leaks"`) {
				t.Errorf("request for %s = %d; want the tag refused beside the asset, the title kept:\n%.3000s", tag, code, body)
			}
		}
		form.Set("priority", "9")
		form.Set("asset", "P-101")
		if code, body, _ = tom.post("/ui/requests", form); code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), `id="req-priority-error">priority must be 1`) {
			t.Errorf("request with priority 9 = %d; want it refused beside the urgency", code)
		}
		if n := s.countWorkOrders(); n != before {
			t.Fatalf("work orders after refused requests = %d; want the %d before", n, before)
		}
		if code, _, _ := tom.post("/ui/requests", url.Values{"asset": {"P-101"}, "title": {"x"}}); code != http.StatusForbidden {
			t.Errorf("request without the form token = %d; want 403", code)
		}

		form.Set("priority", "2")
		code, _, h := tom.post("/ui/requests", form)
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/requests" {
			t.Fatalf("request = %d to %q; want 303 back to the portal", code, h.Get("Location"))
		}
		w := s.workOrder("Pump leaks")
		if w.Status != workorder.Requested || w.CreatedBy != "tom" || w.Type != workorder.Corrective || w.Priority != 2 ||
			w.Description != "Puddle under the pump\nsince Monday" || len(s.materials(w.ID)) != 0 {
			t.Errorf("filed %+v; want tom's corrective P2 request, with no materials", w)
		}
		_, body, _ = tom.get("/ui/requests")
		if !strings.Contains(body, "Request "+w.Number+" filed: Pump leaks") {
			t.Errorf("portal after filing has no notice with the number %s", w.Number)
		}
		if !strings.Contains(body, `<li class="card" data-number="`+w.Number+`" data-status="requested">`) || !strings.Contains(body, `<tr data-number="`+w.Number+`">`) {
			t.Errorf("the portal does not list %s under My requests and Waiting:\n%s", w.Number, body)
		}

		// A storekeeper of every site picks SOUTH and files there.
		sam, _ := s.login("sam")
		code, body, _ = sam.get("/ui/requests?site=SOUTH")
		if code != http.StatusOK || !strings.Contains(body, `id="site-pick"`) || !strings.Contains(body, `<option value="L1">`) || strings.Contains(body, `<tr data-number="`+w.Number+`">`) {
			t.Fatalf("sam's portal of SOUTH = %d; want SOUTH's assets and not NORTH's requests", code)
		}
		code, _, h = sam.post("/ui/requests", url.Values{"csrf": {sam.csrf}, "site": {"SOUTH"}, "asset": {"l1-cv-01"}, "title": {"Belt squeals"}, "priority": {"3"}})
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/requests?site=SOUTH" {
			t.Fatalf("sam's request = %d to %q; want 303 to SOUTH's portal", code, h.Get("Location"))
		}
		if w := s.workOrder("Belt squeals"); w.CreatedBy != "sam" || w.Status != workorder.Requested {
			t.Errorf("sam's request = %+v", w)
		}
		// tom, of NORTH, sees neither SOUTH's request nor SOUTH by asking for it.
		if _, body, _ := tom.get("/ui/requests?site=SOUTH"); strings.Contains(body, "Belt squeals") || strings.Contains(body, `<option value="L1">`) {
			t.Errorf("NORTH's technician sees SOUTH in the portal")
		}
	})
}

// The planner turns a request into a released work order from its
// planning page: a rejection needs a reason; approval sets type and
// priority; a stock part is reserved in a storeroom and a direct part is
// requested at release; refusals show the form again with what was typed
// and write nothing. A technician may not open the page, a planner of
// NORTH not SOUTH's; a rejected request tells its requester why.
func TestPlanRequest(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		tom, _ := s.login("tom")
		for _, title := range []string{"Feed pump rattles", "Lights out in the pump house"} {
			if code, _, _ := tom.post("/ui/requests", url.Values{"csrf": {tom.csrf}, "asset": {"P-101"}, "title": {title}, "priority": {"3"}}); code != http.StatusSeeOther {
				t.Fatalf("file %q = %d", title, code)
			}
		}
		w := s.workOrder("Feed pump rattles")
		plan := "/ui/work-orders/" + w.ID + "/plan"
		if code, _, _ := tom.get(plan); code != http.StatusForbidden {
			t.Errorf("technician opens the planning page: %d; want 403", code)
		}
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/work-orders/" + w.ID); !strings.Contains(body, `href="`+plan+`"`) {
			t.Errorf("the work order's page has no link to plan it")
		}
		code, body, _ := paula.get(plan)
		if code != http.StatusOK || !strings.Contains(body, "<title>Plan "+w.Number+" Feed pump rattles · Millwright</title>") ||
			!strings.Contains(body, `id="review-form"`) || !strings.Contains(body, `id="reject-form"`) || !strings.Contains(body, "requested by <strong>tom</strong>") {
			t.Fatalf("planning page = %d; want the review and reject forms:\n%.2000s", code, body)
		}

		// Rejecting without a reason is refused beside the reason.
		code, body, _ = paula.post("/ui/work-orders/"+w.ID+"/reject", url.Values{"csrf": {paula.csrf}, "reason": {"  "}})
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="reject-reason-error">reason is required`) {
			t.Fatalf("reject without a reason = %d; want 400 beside the reason:\n%.3000s", code, body)
		}
		code, body, _ = paula.post("/ui/work-orders/"+w.ID+"/approve-request", url.Values{"csrf": {paula.csrf}, "type": {"repair"}, "priority": {"2"}})
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="review-type-error">type "repair" is not`) || !strings.Contains(body, `<option value="2" selected>`) {
			t.Fatalf("approve as type repair = %d; want 400 beside the type, priority kept:\n%.3000s", code, body)
		}
		if w := s.workOrder("Feed pump rattles"); w.Status != workorder.Requested || w.Priority != 3 {
			t.Fatalf("after refusals the request is %s P%d; want it untouched", w.Status, w.Priority)
		}
		code, _, h := paula.post("/ui/work-orders/"+w.ID+"/approve-request", url.Values{"csrf": {paula.csrf}, "type": {"inspection"}, "priority": {"2"}})
		if code != http.StatusSeeOther || h.Get("Location") != plan {
			t.Fatalf("approve = %d to %q; want 303 back to the planning page", code, h.Get("Location"))
		}
		if w := s.workOrder("Feed pump rattles"); w.Status != workorder.Approved || w.Priority != 2 || w.Type != workorder.Inspection {
			t.Fatalf("approved = %s %s P%d; want approved inspection P2", w.Status, w.Type, w.Priority)
		}

		// Materials: refusals beside their field, nothing written.
		add := func(v url.Values) (int, string) {
			v.Set("csrf", paula.csrf)
			code, body, _ := paula.post("/ui/work-orders/"+w.ID+"/plan/materials", v)
			return code, html.UnescapeString(body)
		}
		code, body = add(url.Values{"kind": {"stock"}, "part": {"BRG-6309-C3"}, "quantity": {"0"}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="stock-quantity-error">quantity must be more than zero`) || !strings.Contains(body, `value="BRG-6309-C3"`) {
			t.Errorf("stock part of quantity 0 = %d; want 400 beside the quantity, the part kept:\n%.3000s", code, body)
		}
		code, body = add(url.Values{"kind": {"stock"}, "part": {"NO-SUCH"}, "quantity": {"2"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="stock-part-error">no part has the number NO-SUCH`) {
			t.Errorf("unknown stock part = %d; want 422 beside the part:\n%.3000s", code, body)
		}
		code, body = add(url.Values{"kind": {"stock"}, "part": {"SEAL-CART-55"}, "quantity": {"1"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="stock-part-error">part SEAL-CART-55 is a direct item`) {
			t.Errorf("direct item as a stock part = %d; want 422 beside the part:\n%.3000s", code, body)
		}
		code, body = add(url.Values{"kind": {"direct"}, "part": {"SEAL-CART-55"}, "quantity": {"-1"}, "auto_request_material": {"on"}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="direct-quantity-error"`) || !strings.Contains(body, `id="direct-arm" name="auto_request_material" checked`) {
			t.Errorf("direct part of quantity -1 = %d; want 400 beside the quantity, the box kept:\n%.3000s", code, body)
		}
		if n := len(s.materials(w.ID)); n != 0 {
			t.Fatalf("materials after refusals = %d; want none", n)
		}
		var store string
		if m := regexpFind(body, `<option value="([a-z0-9_]+)" selected>N-MAIN`); m != "" {
			store = m
		} else {
			t.Fatalf("the stock form offers no N-MAIN storeroom")
		}
		if code, _ = add(url.Values{"kind": {"stock"}, "part": {"brg-6309-c3"}, "quantity": {"2"}, "storeroom": {store}}); code != http.StatusSeeOther {
			t.Fatalf("add stock part = %d; want 303", code)
		}
		if code, _ = add(url.Values{"kind": {"direct"}, "part": {"SEAL-CART-55"}, "quantity": {"1"}, "auto_request_material": {"on"}}); code != http.StatusSeeOther {
			t.Fatalf("add direct part = %d; want 303", code)
		}
		mats := s.materials(w.ID)
		if len(mats) != 2 || mats[0].PartNumber != "BRG-6309-C3" || mats[0].Direct || mats[0].StoreroomID != store || mats[0].Reserved.String() != "2" ||
			mats[1].PartNumber != "SEAL-CART-55" || !mats[1].Direct || !mats[1].AutoRequestMaterial {
			t.Fatalf("materials = %+v; want 2 BRG-6309-C3 reserved in N-MAIN and a direct SEAL-CART-55 to request", mats)
		}

		// A planner of NORTH may not plan SOUTH's requests.
		sam, _ := s.login("sam")
		sam.post("/ui/requests", url.Values{"csrf": {sam.csrf}, "site": {"SOUTH"}, "asset": {"L1"}, "title": {"Filler drips"}})
		south := s.workOrder("Filler drips")
		s.mustSiteUser("nora", "planner", "NORTH")
		nora, _ := s.login("nora")
		if code, _, _ := nora.get("/ui/work-orders/" + south.ID + "/plan"); code != http.StatusForbidden {
			t.Errorf("NORTH planner opens SOUTH's request: %d; want 403", code)
		}
		nora.get("/ui/requests")
		if code, _, _ := nora.post("/ui/work-orders/"+south.ID+"/reject", url.Values{"csrf": {nora.csrf}, "reason": {"no"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner rejects SOUTH's request: %d; want 403", code)
		}
		if code, _, _ := tom.post("/ui/work-orders/"+south.ID+"/approve-request", url.Values{"csrf": {tom.csrf}, "type": {"corrective"}, "priority": {"3"}}); code != http.StatusForbidden {
			t.Errorf("technician approves a request: %d; want 403", code)
		}
		if s.workOrder("Filler drips").Status != workorder.Requested {
			t.Errorf("SOUTH's request changed by refused users")
		}

		// Plan, then release: the direct part is requested.
		paula.get(plan)
		for _, verb := range []string{"plan", "release"} {
			if code, _, h := paula.post(plan+"/do/"+verb, url.Values{"csrf": {paula.csrf}}); code != http.StatusSeeOther || h.Get("Location") != plan {
				t.Fatalf("%s = %d to %q; want 303 back", verb, code, h.Get("Location"))
			}
		}
		if w := s.workOrder("Feed pump rattles"); w.Status != workorder.Released {
			t.Fatalf("after release the work order is %s", w.Status)
		}
		if m := s.materials(w.ID)[1]; m.ProcurementStatus != workorder.ProcurementRequested {
			t.Errorf("direct part after release is %s (%s); want requested", m.ProcurementStatus, m.BlockedReason)
		}

		// The second request is rejected; tom sees why.
		other := s.workOrder("Lights out in the pump house")
		paula.get("/ui/work-orders/" + other.ID + "/plan")
		if code, _, _ := paula.post("/ui/work-orders/"+other.ID+"/reject", url.Values{"csrf": {paula.csrf}, "reason": {"Electricians fixed it this morning"}}); code != http.StatusSeeOther {
			t.Fatalf("reject = %d", code)
		}
		if s.workOrder("Lights out in the pump house").Status != workorder.Cancelled {
			t.Errorf("the rejected request is not cancelled")
		}
		_, body, _ = tom.get("/ui/requests")
		if !strings.Contains(body, `data-number="`+other.Number+`" data-status="cancelled"`) || !strings.Contains(body, "Why: Electricians fixed it this morning") {
			t.Errorf("tom's portal does not say why %s was rejected:\n%s", other.Number, body)
		}
	})
}

func regexpFind(s, expr string) string {
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
