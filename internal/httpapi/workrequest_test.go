package httpapi_test

import (
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Anyone files a work request: a corrective work order in status
// requested, created by the requester, without the asset's BOM; a
// storekeeper of another site may not file one for this site's asset.
// The planner sets its type while it is requested and rejects one with a
// reason, which the trace shows; a rejection without a reason, or of a
// work order no longer requested, is refused.
func TestWorkRequests(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		sam := a.token("sam", millwright.Storekeeper, p.Site)
		fin := a.token("fin", millwright.Finance, "")
		sven := a.token("sven", millwright.Storekeeper, p.OtherSite)
		pete := a.token("pete", millwright.Planner, p.Site)

		r := a.post(sam, "/api/v1/work-requests", map[string]any{"asset_id": p.Pump, "title": " Pump leaks ", "description": "Puddle under the seal", "priority": 2})
		w := as[workorder.WorkOrder](t, r)
		if w.Status != workorder.Requested || w.Type != workorder.Corrective || w.Priority != 2 || w.CreatedBy != "sam" || w.Title != "Pump leaks" {
			t.Errorf("filed request = %s; want a corrective P2 requested work order created by sam", r.Raw)
		}
		if mats := a.must(200, "GET", woPath(w.ID, "materials"), nil).items(); len(mats) != 0 {
			t.Errorf("request has %d materials; want none (no BOM copied)", len(mats))
		}
		if r := a.post(fin, "/api/v1/work-requests", map[string]any{"asset_id": p.SouthAsset, "title": "Noise"}); r.str("status") != "requested" {
			t.Errorf("finance files a request = %s; want it requested", r.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/work-requests", sven, map[string]any{"asset_id": p.Pump, "title": "Leak"}), 403, "site_forbidden")
		wantError(t, a.do("POST", "/api/v1/work-requests", sam, map[string]any{"asset_id": p.Pump, "title": "  "}), 400, "missing_field")
		wantError(t, a.do("POST", "/api/v1/work-requests", sam, map[string]any{"asset_id": p.Pump, "title": "Leak", "priority": 7}), 400, "invalid_priority")
		wantError(t, a.do("POST", "/api/v1/work-requests", sam, map[string]any{"asset_id": "ast_none", "title": "Leak"}), 422, "asset_not_found")
		wantError(t, a.do("POST", "/api/v1/work-orders", sam, map[string]any{"type": "corrective", "asset_id": p.Pump, "title": "Leak"}), 403, "forbidden")

		// The planner says what kind of work it is while it is requested.
		if r := a.do("PATCH", woPath(w.ID), pete, map[string]any{"type": "inspection", "priority": 3}); r.Status != 200 || r.str("type") != "inspection" {
			t.Errorf("PATCH type of a request = %d %s; want inspection", r.Status, r.Raw)
		}
		a.post(pete, woPath(w.ID, "approve"), nil)
		wantError(t, a.do("PATCH", woPath(w.ID), pete, map[string]any{"type": "corrective"}), 409, "type_fixed")
		wantError(t, a.do("POST", woPath(w.ID, "reject"), pete, map[string]any{"reason": "dup"}), 409, "illegal_transition")

		r = a.post(sam, "/api/v1/work-requests", map[string]any{"asset_id": p.Pump, "title": "Pump leaks again"})
		id := r.str("id")
		wantError(t, a.do("POST", woPath(id, "reject"), sam, map[string]any{"reason": "dup"}), 403, "forbidden")
		wantError(t, a.do("POST", woPath(id, "reject"), pete, map[string]any{"reason": " "}), 400, "missing_field")
		if r := a.post(pete, woPath(id, "reject"), map[string]any{"reason": "Same leak as the first request"}); r.str("status") != "cancelled" {
			t.Fatalf("reject = %s; want cancelled", r.Raw)
		}
		var found bool
		for _, ev := range a.must(200, "GET", woPath(id, "trace"), nil).Body["events"].([]any) {
			d, _ := ev.(map[string]any)["detail"].(string)
			found = found || strings.Contains(d, "Same leak as the first request")
		}
		if !found {
			t.Errorf("the trace does not show the rejection's reason")
		}
		if n := len(a.must(200, "GET", "/api/v1/work-orders?created_by=sam", nil).items()); n != 2 {
			t.Errorf("GET work-orders?created_by=sam = %d; want sam's 2 requests", n)
		}
		err := a.db.View(t.Context(), func(tx *store.Tx) error {
			ctx := millwright.WithPrincipal(t.Context(), millwright.Principal{Username: "admin", Role: millwright.Admin})
			why, err := workorder.Rejection(ctx, tx, id)
			if err == nil && why != "Same leak as the first request" {
				t.Errorf("Rejection = %q; want the reason", why)
			}
			page, err2 := tx.WorkOrders(ctx, workorder.Filter{CreatedBy: "sam", Limit: 10})
			if err2 == nil && len(page.Items) != 2 {
				t.Errorf("work orders created by sam = %d; want 2", len(page.Items))
			}
			return errorsJoin(err, err2)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
