package httpapi_test

import (
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// A planner requests material by hand where Auto Request Material does
// not: a work-order type whose trigger is never, a line without the flag,
// and a line whose requisition the approver rejected. Master data comes
// only from the CMMS's API; under /api/v1/erp/ only the approver acts.
func TestRequestMaterialByHand(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		startDispatcher(t, a)
		planner := a.token("paula", millwright.Planner, "")
		tech := a.token("tom", millwright.Technician, "")
		approver := a.token("alan", millwright.Approver, "")
		storekeeper := a.token("sam", millwright.Storekeeper, "")
		integ := a.token("ivan", millwright.Integration, "")
		post := a.post
		site := post(a.admin, "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North"}).str("id")
		pump := post(planner, "/api/v1/assets", map[string]any{"tag": "P-1", "name": "Pump", "site_id": site, "cost_center": "CC-1"}).str("id")
		imp := post(storekeeper, "/api/v1/items", map[string]any{"part_number": "IMP-1", "description": "Impeller", "unit": "EA",
			"stock_type": "direct", "unit_cost": "300.00", "vendor": "KSB"}).str("id")
		flt := post(storekeeper, "/api/v1/items", map[string]any{"part_number": "FLT-1", "description": "Filter", "unit": "EA",
			"stock_type": "stock", "unit_cost": "5.00", "vendor": "Mann"}).str("id")
		store := post(storekeeper, "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "Main", "site_id": site}).str("id")
		post(integ, "/api/v1/integration/mappings/items", map[string]any{"item_id": imp, "erp_item_code": "E-IMP-1", "erp_unit": "EA", "factor": 1})
		if r := a.do("PUT", "/api/v1/integration/settings", integ, map[string]any{"auto_request_trigger": map[string]string{"inspection": "never"}}); r.Status != 200 {
			t.Fatalf("settings = %d %s", r.Status, r.Raw)
		}

		wo := post(planner, "/api/v1/work-orders", map[string]any{"type": "inspection", "asset_id": pump, "title": "Inspect"}).str("id")
		path := "/api/v1/work-orders/" + wo + "/materials"
		line := post(planner, path, map[string]any{"item_id": imp, "quantity": 1, "direct": true, "auto_request_material": true}).str("id")
		stock := post(planner, path, map[string]any{"item_id": flt, "quantity": 1, "storeroom_id": store}).str("id")

		wantError(t, a.do("POST", path+"/request", planner, nil), 422, "work_order_not_approved")
		post(planner, "/api/v1/work-orders/"+wo+"/approve", nil)
		post(planner, "/api/v1/work-orders/"+wo+"/release", nil)
		if s := directStatus(t, a, wo, line); s != "none" {
			t.Fatalf("after release with trigger never, the line is %s; want none", s)
		}
		wantError(t, a.do("POST", path+"/request", tech, nil), 403, "forbidden")
		wantError(t, a.do("POST", path+"/request", planner, map[string]any{"line_ids": []string{stock}}), 422, "not_direct")
		wantError(t, a.do("POST", path+"/request", planner, map[string]any{"line_ids": []string{"wom_nope"}}), 422, "material_line_not_found")

		// The planner requests it by hand and becomes the requester.
		r := post(planner, path+"/request", map[string]any{})
		if got := r.items(); len(got) != 1 || got[0]["id"] != line || got[0]["procurement_status"] != "requested" {
			t.Fatalf("request = %s; want the line, requested", r.Raw)
		}
		wantError(t, a.do("POST", path+"/request", planner, map[string]any{"line_ids": []string{line}}), 409, "already_requested")
		wantError(t, a.do("POST", path+"/request", planner, nil), 422, "nothing_to_request")
		req := waitRequisitions(t, a, wo, 1)[0]
		if req["requested_by"] != "paula" {
			t.Fatalf("requested_by = %v; want paula, who requested it", req["requested_by"])
		}

		// A rejection needs its reason: without one it is refused and
		// the requisition still waits.
		for _, body := range []any{nil, map[string]any{"comment": "  "}} {
			wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/reject", approver, body), 400, "reason_required")
		}
		if got := a.must(200, "GET", "/api/v1/erp/requisitions/"+str(req["id"]), nil); got.str("status") != "submitted" {
			t.Fatalf("after refused rejections the requisition is %s; want submitted", got.str("status"))
		}
		// Rejected: the line is blocked, and the planner asks again.
		if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/reject", approver, map[string]any{"comment": "use the spare"}); r.Status != 200 {
			t.Fatalf("reject = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the rejection reaches the line", func() string {
			if s := directStatus(t, a, wo, line); s != "blocked" {
				return "line is " + s
			}
			return ""
		})
		post(planner, path+"/request", map[string]any{"line_ids": []string{line}})
		reqs := waitRequisitions(t, a, wo, 2)
		again := reqs[len(reqs)-1]
		if again["id"] == req["id"] || again["status"] != "submitted" {
			t.Fatalf("second requisition = %v; want a new one, submitted", again)
		}
		if r := a.do("POST", "/api/v1/erp/requisitions/"+str(again["id"])+"/approve", approver, map[string]any{"comment": "ok"}); r.Status != 200 {
			t.Fatalf("approve = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the line ordered", func() string {
			if s := directStatus(t, a, wo, line); s != "ordered" {
				return "line is " + s
			}
			return ""
		})
	})
}

// directStatus is the procurement status of a work order's material line.
func directStatus(t *testing.T, a *api, wo, line string) string {
	t.Helper()
	for _, m := range a.must(200, "GET", "/api/v1/work-orders/"+wo+"/materials", nil).items() {
		if m["id"] == line {
			return str(m["procurement_status"])
		}
	}
	t.Fatalf("work order %s has no line %s", wo, line)
	return ""
}

// waitRequisitions waits until the ERP holds n requisitions for a work
// order and returns them.
func waitRequisitions(t *testing.T, a *api, wo string, n int) []map[string]any {
	t.Helper()
	var got []map[string]any
	eventually(t, "requisitions of the work order", func() string {
		got = a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
		if len(got) != n {
			return strings.Repeat("x", len(got)) + " requisitions"
		}
		return ""
	})
	return got
}
