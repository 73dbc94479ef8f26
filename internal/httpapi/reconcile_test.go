package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// Phased rollout: with integration live only at the other site, releasing
// a work order requests nothing and its lines say why; putting the site in
// scope requests them, once. A scope naming another asset class keeps the
// pump's work out.
func TestPhasedRollout(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		if r := a.do("GET", "/api/v1/integration/rollout", w.integ, nil); r.Status != 200 || r.Body["everywhere"] != true {
			t.Fatalf("rollout of a new install = %d %s; want everywhere", r.Status, r.Raw)
		}
		if r := a.do("PUT", "/api/v1/integration/rollout", w.integ, map[string]any{
			"scopes": []map[string]any{{"site_id": w.OtherSite}}}); r.Status != 200 || r.Body["everywhere"] != false {
			t.Fatalf("rollout to SOUTH only = %d %s", r.Status, r.Raw)
		}
		wantError(t, a.do("PUT", "/api/v1/integration/rollout", w.integ, map[string]any{
			"scopes": []map[string]any{{"site_id": "site_nope"}}}), 422, "site_not_found")
		wantError(t, a.do("PUT", "/api/v1/integration/rollout", a.token("tina", millwright.Technician, ""), map[string]any{
			"scopes": []map[string]any{}}), 403, "forbidden")

		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "asset_id": w.Pump, "title": "Overhaul"}).str("id")
		mustDrive(t, a, wo, "approve", "release")
		for part, l := range directLines(t, a, wo) {
			if l["procurement_status"] != "blocked" || !strings.Contains(str(l["blocked_reason"]), "not live for site NORTH") {
				t.Fatalf("%s out of rollout = %s (%s); want blocked, saying the site is not live", part, l["procurement_status"], l["blocked_reason"])
			}
		}
		if msgs := a.must(200, "GET", "/api/v1/integration/messages?work_order_id="+wo, nil).items(); len(msgs) != 0 {
			t.Fatalf("messages out of rollout = %d; want none sent", len(msgs))
		}

		// Live at NORTH, but for another asset class only: still out.
		other := a.must(201, "POST", "/api/v1/asset-classes", map[string]any{"code": "FAN", "name": "Fans"}).str("id")
		a.must(200, "PUT", "/api/v1/integration/rollout", map[string]any{
			"scopes": []map[string]any{{"site_id": w.Site, "asset_class_id": other}}})
		for part, l := range directLines(t, a, wo) {
			if l["procurement_status"] != "blocked" || !strings.Contains(str(l["blocked_reason"]), "asset class PUMP") {
				t.Fatalf("%s with only FAN live = %s (%s); want blocked, naming the class", part, l["procurement_status"], l["blocked_reason"])
			}
		}

		a.must(200, "PUT", "/api/v1/integration/rollout", map[string]any{
			"scopes": []map[string]any{{"site_id": w.Site, "asset_class_id": w.Class}, {"site_id": w.OtherSite}}})
		eventually(t, "one requisition once NORTH pumps are live", func() string {
			reqs := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(reqs) != 1 || len(reqs[0]["lines"].([]any)) != 3 {
				return "requisitions = " + str(len(reqs))
			}
			return ""
		})
		a.must(200, "PUT", "/api/v1/integration/rollout", map[string]any{"scopes": []map[string]any{{"site_id": w.Site}}})
		if reqs := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items(); len(reqs) != 1 {
			t.Fatalf("requisitions after another rollout change = %d; want still 1", len(reqs))
		}
	})
}

// Reconciliation: after flow 3 the work order's cost agrees on both sides;
// an accrual posted in the ERP alone makes a difference that no message
// explains, and the run is kept.
func TestReconciliation(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"asset_id": w.ARMAsset, "title": "Bearing noise"}).str("id")
		mustDrive(t, a, wo, "approve", "release", "start")
		a.must(201, "POST", "/api/v1/work-orders/"+wo+"/materials", map[string]any{"item_id": w.Bearing, "quantity": 1, "direct": true})
		var req map[string]any
		eventually(t, "requisition", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 1 {
				return "requisitions = " + str(len(items))
			}
			req = items[0]
			return ""
		})
		if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.approver, map[string]any{}); r.Status != 200 {
			t.Fatalf("approve = %d %s", r.Status, r.Raw)
		}
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()[0]
		po = a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(po["id"]), nil).Body
		pl := field(po, "lines", 0).(map[string]any)
		a.must(201, "POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts",
			map[string]any{"lines": []map[string]any{{"line_id": pl["id"], "quantity": 1}}})
		eventually(t, "bearing received", func() string {
			if l := directLines(t, a, wo)["BRG-SPC"]; l["actual_cost"] != "250.00" {
				return "actual cost " + str(l["actual_cost"])
			}
			return ""
		})

		wantError(t, a.do("POST", "/api/v1/integration/reconciliation", w.finance, nil), 403, "forbidden")
		r := a.do("POST", "/api/v1/integration/reconciliation", w.integ, nil)
		if r.Status != 200 {
			t.Fatalf("reconciliation = %d %s", r.Status, r.Raw)
		}
		for _, d := range r.Body["differences"].([]any) {
			if d.(map[string]any)["kind"] == "work_order_cost" {
				t.Fatalf("work-order cost difference after flow 3: %v; want none", d)
			}
		}
		if n := field(r.Body, "checked", "work_orders"); n != float64(1) {
			t.Fatalf("work orders checked = %v; want 1", n)
		}

		// An accrual posted in the ERP alone charges the work order 40.00 more.
		if r := a.do("POST", "/api/v1/erp/ledger/entries", w.finance, map[string]any{"memo": "accrual", "site_id": w.Site, "lines": []map[string]any{
			{"account": "6100", "debit": "40.00", "credit": "0", "cost_center": "CC-PUMPS", "work_order_id": wo},
			{"account": "2000", "debit": "0", "credit": "40.00", "cost_center": "CC-PUMPS"},
		}}); r.Status != 201 {
			t.Fatalf("accrual = %d %s", r.Status, r.Raw)
		}
		r = a.must(200, "POST", "/api/v1/integration/reconciliation", nil)
		var got map[string]any
		for _, d := range r.Body["differences"].([]any) {
			if d := d.(map[string]any); d["kind"] == "work_order_cost" && d["record_id"] == wo {
				got = d
			}
		}
		switch {
		case got == nil:
			t.Fatalf("no work-order cost difference after an ERP-only reversal: %s", r.Raw)
		case got["cmms"] != "250.00" || got["erp"] != "290.00" || got["difference"] != "-40.00" || got["explained"] != false:
			t.Fatalf("difference = %v; want cmms 250.00, erp 290.00, -40.00 unexplained", got)
		case !strings.HasPrefix(str(got["record"]), "WO-") || !strings.Contains(str(got["note"]), "no undelivered message"):
			t.Fatalf("difference names %v, note %q; want the work-order number and what to do", got["record"], got["note"])
		}
		if r.Body["balanced"] != false || r.Body["unexplained"].(float64) < 1 {
			t.Fatalf("report balanced %v, unexplained %v; want false, ≥ 1", r.Body["balanced"], r.Body["unexplained"])
		}
		runs := a.must(200, "GET", "/api/v1/integration/reconciliation", nil).items()
		if len(runs) != 2 {
			t.Fatalf("kept runs = %d; want 2", len(runs))
		}
		if r := a.do("GET", "/api/v1/integration/reconciliation?limit=1", w.integ, nil); r.Status != http.StatusOK || r.Body["next_cursor"] == "" {
			t.Fatalf("first page of one = %d %s; want a next cursor", r.Status, r.Raw)
		}
	})
}

// Cancelling a work order tells the ERP, which cancels the requisition the
// release made, and the lines say so; a work order the ERP never heard of
// sends nothing.
func TestCancelledWorkOrderCancelsItsRequisition(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "asset_id": w.Pump, "title": "Overhaul"}).str("id")
		mustDrive(t, a, wo, "approve", "release")
		eventually(t, "requisition", func() string {
			if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 1 {
				return "requisitions = " + str(n)
			}
			return ""
		})
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/cancel", w.planner, nil); r.Status != 200 {
			t.Fatalf("cancel = %d %s", r.Status, r.Raw)
		}
		eventually(t, "requisition cancelled in the ERP and on the lines", func() string {
			req := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()[0]
			if req["status"] != "cancelled" {
				return "requisition is " + str(req["status"])
			}
			for part, l := range directLines(t, a, wo) {
				if l["procurement_status"] != "blocked" || !strings.Contains(str(l["blocked_reason"]), "cancelled") {
					return part + " is " + str(l["procurement_status"]) + ": " + str(l["blocked_reason"])
				}
			}
			return ""
		})
		msgs := a.must(200, "GET", "/api/v1/integration/messages?work_order_id="+wo, nil).items()
		if len(msgs) != 2 || msgs[1]["kind"] != "work_order_status" {
			t.Fatalf("messages = %v; want the requisition, then the status", msgs)
		}

		quiet := mustWorkOrder(t, a, w.plant, map[string]any{"title": "Nothing to buy", "asset_id": w.BareAsset}).str("id")
		mustDrive(t, a, quiet, "cancel")
		if msgs := a.must(200, "GET", "/api/v1/integration/messages?work_order_id="+quiet, nil).items(); len(msgs) != 0 {
			t.Fatalf("messages of a work order the ERP never saw = %v; want none", msgs)
		}
	})
}
