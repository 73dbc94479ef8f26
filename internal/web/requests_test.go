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
