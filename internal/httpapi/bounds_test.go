package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/httpapi"
)

// noBody lists the write routes that read no bounded field from a body,
// and why; every other write route has a case in TestInputBounds.
var noBody = map[string]string{
	"POST /api/v1/readings/unmatched/{id}/replay":            "takes no body",
	"POST /api/v1/work-orders/{id}/approve":                  "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/plan":                     "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/release":                  "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/start":                    "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/wait":                     "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/resume":                   "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/close":                    "a transition: takes no body",
	"POST /api/v1/work-orders/{id}/cancel":                   "a transition: takes no body",
	"DELETE /api/v1/pm-plans/{id}":                           "takes no body",
	"DELETE /api/v1/erp/approval-rules/{id}":                 "takes no body",
	"POST /api/v1/erp/requisitions/{id}/submit":              "takes no body",
	"POST /api/v1/erp/purchase-orders/{id}/close":            "takes no body",
	"POST /api/v1/integration/messages/{id}/replay":          "takes no body",
	"POST /api/v1/integration/reconciliation":                "takes no body",
	"POST /api/v1/integration/webhooks/{connector}":          "refused unsigned before it is read; its body goes through the same decode (webhook_test.go)",
	"POST /api/v1/erp/requisitions/{id}/approve":             "", // filled below: comment
	"POST /api/v1/erp/requisitions/{id}/reject":              "",
	"POST /api/v1/erp/requisitions/{id}/cancel":              "",
	"POST /api/v1/erp/ledger/entries/{id}/reverse":           "",
	"POST /api/v1/erp/reviews/{id}/complete":                 "",
	"POST /api/v1/work-orders/{id}/materials/{line_id}/link": "",
}

// TestInputBounds sends each write route a body with one field out of
// bounds, on a plant made through the API, and wants a 400 naming the
// field and its limit, with nothing written: the audit trail and the
// record are as they were. Records the route does not need are named by
// ids that do not exist: the body is checked before anything is looked
// up. The domain's own bounds (a part counted in EA, a date in the year
// 9999) are checked on real records.
func TestInputBounds(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustCMMSPlant(t, a)
		loc := a.post(p.planner, "/api/v1/locations", map[string]any{"code": "HALL-1", "name": "Hall 1", "site_id": p.site}).str("id")
		a.post(p.planner, "/api/v1/assets/"+p.pump+"/meters", map[string]any{"name": "runtime", "kind": "counter", "unit": "h"})
		wo := a.post(p.planner, "/api/v1/work-orders", map[string]any{"type": "corrective", "asset_id": p.pump, "title": "Seal leaks", "copy_bom": false}).str("id")
		for _, verb := range []string{"approve", "plan", "release"} {
			a.post(p.planner, "/api/v1/work-orders/"+wo+"/"+verb, nil)
		}
		a.post(p.tech, "/api/v1/work-orders/"+wo+"/start", nil)
		plan := map[string]any{"asset_id": p.pump, "name": "Monthly check", "work_order": map[string]any{"title": "Check the pump"},
			"trigger": map[string]any{"kind": "calendar", "every_months": 1, "start": "2026-01-31T06:00"}}
		pm := a.post(p.planner, "/api/v1/pm-plans", plan).str("id")
		rule := field(a.post(p.finance, "/api/v1/erp/approval-rules", map[string]any{"approver_role": "approver"}).Body, "rule", "id")

		long := func(n int) string { return strings.Repeat("x", n) }
		with := func(base map[string]any, k string, v any) map[string]any {
			m := map[string]any{}
			for bk, bv := range base {
				m[bk] = bv
			}
			m[k] = v
			return m
		}
		badPlan := func(k string, v any) map[string]any {
			tr := with(plan["trigger"].(map[string]any), k, v)
			return with(plan, "trigger", tr)
		}
		woPath := "/api/v1/work-orders/" + wo
		type bound struct {
			route, path, token string
			body               any // JSON-encoded unless a string
			code, says         string
		}
		cases := []bound{
			{"POST /api/v1/users", "/api/v1/users", a.admin, map[string]any{"username": "eve\a", "role": "planner"}, "invalid_text", "username: holds the control character U+0007"},
			{"POST /api/v1/sites", "/api/v1/sites", a.admin, map[string]any{"code": "SOUTH", "name": long(201)}, "invalid_text", "name: has 201 characters; it takes at most 200"},
			{"PATCH /api/v1/sites/{id}", "/api/v1/sites/" + p.site, a.admin, map[string]any{"name": "North\nplant"}, "invalid_text", "name: holds the control character U+000A"},
			{"POST /api/v1/locations", "/api/v1/locations", p.planner, map[string]any{"code": "HALL-2", "name": "Hall\x002", "site_id": p.site}, "invalid_text", "name: holds the control character U+0000"},
			{"PATCH /api/v1/locations/{id}", "/api/v1/locations/" + loc, p.planner, map[string]any{"name": long(500)}, "invalid_text", "name: has 500 characters"},
			{"POST /api/v1/asset-classes", "/api/v1/asset-classes", p.planner, map[string]any{"code": "FAN\x1b", "name": "Fans"}, "invalid_text", "code: holds the control character U+001B"},
			{"PATCH /api/v1/asset-classes/{id}", "/api/v1/asset-classes/" + p.class, p.planner, map[string]any{"name": long(201)}, "invalid_text", "name: has 201 characters"},
			{"PUT /api/v1/asset-classes/{id}/bom", "/api/v1/asset-classes/" + p.class + "/bom", p.planner, map[string]any{"lines": []map[string]any{{"item_id": p.filter, "quantity": "1"}}}, "invalid_quantity", `lines[0].quantity: send quantities and hours as JSON numbers such as 2.5, not the string "1"`},
			{"POST /api/v1/assets", "/api/v1/assets", p.planner, map[string]any{"tag": "P-102", "name": "Pump", "site_id": p.site, "criticality": 1e12}, "invalid_number", "criticality: 1000000000000 is out of range; it takes a whole number from -1000000 to 1000000"},
			{"PATCH /api/v1/assets/{id}", "/api/v1/assets/" + p.pump, p.planner, map[string]any{"name": "Pump\u0085"}, "invalid_text", "name: holds the control character U+0085"},
			{"PUT /api/v1/assets/{id}/bom", "/api/v1/assets/" + p.pump + "/bom", p.planner, `{"lines":[{"item_id":"` + p.filter + `","quantity":1e300}]}`, "invalid_quantity", "lines[0].quantity: 1e300 is too large; a quantity is below 1000000000 (10^9)"},
			{"PUT /api/v1/assets/{id}/bom", "/api/v1/assets/" + p.pump + "/bom", p.planner, map[string]any{"lines": []map[string]any{{"item_id": p.filter, "quantity": 1.5}}}, "invalid_quantity", "lines[0].quantity: 1.5 EA is not a whole number; EA is counted in whole units"},
			{"POST /api/v1/assets/{id}/meters", "/api/v1/assets/" + p.pump + "/meters", p.planner, map[string]any{"name": "temp", "kind": "gauge", "unit": long(201)}, "invalid_text", "unit: has 201 characters"},
			{"POST /api/v1/assets/{id}/readings", "/api/v1/assets/" + p.pump + "/readings", p.tech, map[string]any{"meter": "runtime", "value": "12"}, "invalid_quantity", `value: send quantities and hours as JSON numbers`},
			{"POST /api/v1/assets/{id}/readings", "/api/v1/assets/" + p.pump + "/readings", p.tech, map[string]any{"meter": "runtime", "value": 12, "at": "9999-12-31T23:00:00Z"}, "invalid_time", "at: 9999-12-31T23:00:00Z is outside the years 1900 to 2099"},
			{"POST /api/v1/items", "/api/v1/items", p.storekeeper, map[string]any{"part_number": "V-1", "description": "Valve", "unit": "EA", "stock_type": "stock", "unit_cost": 12.5}, "invalid_amount", `unit_cost: send amounts as decimal strings such as "12.50", not the JSON number 12.5`},
			{"PATCH /api/v1/items/{id}", "/api/v1/items/" + p.filter, p.storekeeper, map[string]any{"unit_cost": "1e400"}, "invalid_amount", `unit_cost: "1e400" is not an amount`},
			{"POST /api/v1/storerooms", "/api/v1/storerooms", p.storekeeper, map[string]any{"code": "B", "name": "Back\tstore", "site_id": p.site}, "invalid_text", "name: holds the control character U+0009"},
			{"PUT /api/v1/storerooms/{id}/stock/{item_id}", "/api/v1/storerooms/" + p.store + "/stock/" + p.filter, p.storekeeper, map[string]any{"reorder_point": "5", "reorder_quantity": 20}, "invalid_quantity", "reorder_point: send quantities and hours as JSON numbers"},
			{"PUT /api/v1/storerooms/{id}/stock/{item_id}", "/api/v1/storerooms/" + p.store + "/stock/" + p.filter, p.storekeeper, map[string]any{"reorder_point": 5.5, "reorder_quantity": 20}, "invalid_quantity", "reorder_point: 5.5 EA is not a whole number"},
			{"POST /api/v1/stock/adjustments", "/api/v1/stock/adjustments", p.storekeeper, `{"storeroom_id":"` + p.store + `","item_id":"` + p.filter + `","quantity":1e300,"unit_cost":"8.00","reason":"count"}`, "invalid_quantity", "quantity: 1e300 is too large"},
			{"POST /api/v1/stock/adjustments", "/api/v1/stock/adjustments", p.storekeeper, map[string]any{"storeroom_id": p.store, "item_id": p.filter, "quantity": 1, "unit_cost": "1e400", "reason": "count"}, "invalid_amount", `unit_cost: "1e400" is not an amount`},
			{"POST /api/v1/stock/adjustments", "/api/v1/stock/adjustments", p.storekeeper, map[string]any{"storeroom_id": p.store, "item_id": p.filter, "quantity": 0.3333333333333, "unit_cost": "8.00", "reason": "count"}, "invalid_quantity", "quantity: 0.3333333333333 has 13 decimals; a quantity takes at most 6"},
			{"POST /api/v1/stock/adjustments", "/api/v1/stock/adjustments", p.storekeeper, map[string]any{"storeroom_id": p.store, "item_id": p.filter, "quantity": 0.5, "unit_cost": "8.00", "reason": "count"}, "invalid_quantity", "quantity: 0.5 EA is not a whole number"},
			{"POST /api/v1/work-orders", "/api/v1/work-orders", p.planner, map[string]any{"type": "corrective", "asset_id": p.pump, "title": "Leak", "description": "a\x00b"}, "invalid_text", "description: holds the control character U+0000; only line breaks and tabs are allowed"},
			{"POST /api/v1/work-orders", "/api/v1/work-orders", p.planner, map[string]any{"type": "corrective", "asset_id": p.pump, "title": "Leak", "description": long(100_000)}, "invalid_text", "description: has 100000 characters; it takes at most 4000"},
			{"POST /api/v1/work-orders", "/api/v1/work-orders", p.planner, map[string]any{"type": "corrective", "asset_id": p.pump, "title": "Leak", "estimated_labor": "100.001"}, "invalid_amount", "estimated_labor: 100.001 has 3 decimals; an amount takes at most 2"},
			{"PATCH /api/v1/work-orders/{id}", woPath, p.planner, map[string]any{"title": long(201)}, "invalid_text", "title: has 201 characters"},
			{"POST /api/v1/work-requests", "/api/v1/work-requests", p.tech, map[string]any{"asset_id": p.pump, "title": long(201)}, "invalid_text", "title: has 201 characters"},
			{"POST /api/v1/work-orders/{id}/reject", woPath + "/reject", p.planner, map[string]any{"reason": long(100_000)}, "invalid_text", "reason: has 100000 characters; it takes at most 4000"},
			{"PATCH /api/v1/work-orders/{id}", woPath, p.planner, map[string]any{"scheduled_on": "9999-12-31"}, "invalid_time", "scheduled_on: 9999-12-31T00:00:00Z is outside the years 1900 to 2099"},
			{"POST /api/v1/work-orders/{id}/materials", woPath + "/materials", p.planner, map[string]any{"item_id": p.bearing, "quantity": 0.5}, "invalid_quantity", "quantity: 0.5 EA is not a whole number"},
			{"POST /api/v1/work-orders/{id}/materials", woPath + "/materials", p.planner, map[string]any{"description": "Gasket set", "quantity": 1, "unit": "SET", "unit_cost": 18}, "invalid_amount", "unit_cost: send amounts as decimal strings"},
			{"POST /api/v1/work-orders/{id}/materials/{line_id}/link", woPath + "/materials/none/link", p.planner, map[string]any{"item_id": long(300)}, "invalid_text", "item_id: has 300 characters"},
			{"POST /api/v1/work-orders/{id}/materials/request", woPath + "/materials/request", p.planner, map[string]any{"line_ids": []string{"a", "b\x7f"}}, "invalid_text", "line_ids[1]: holds the control character U+007F"},
			{"POST /api/v1/work-orders/{id}/complete", woPath + "/complete", p.tech, map[string]any{"downtime_hours": "2"}, "invalid_quantity", "downtime_hours: send quantities and hours as JSON numbers"},
			{"POST /api/v1/work-orders/{id}/complete", woPath + "/complete", p.tech, map[string]any{"problem": long(4001)}, "invalid_text", "problem: has 4001 characters; it takes at most 4000"},
			{"POST /api/v1/work-orders/{id}/labor", woPath + "/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2, "rate": "1e400"}, "invalid_amount", `rate: "1e400" is not an amount`},
			{"POST /api/v1/work-orders/{id}/labor", woPath + "/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2, "rate": "1" + long(0) + strings.Repeat("0", 400)}, "invalid_amount", "rate: 1000000000000000000000000000000000000000… is too large"},
			{"POST /api/v1/work-orders/{id}/labor", woPath + "/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": "2", "rate": "48.00"}, "invalid_quantity", `hours: send quantities and hours as JSON numbers such as 2.5, not the string "2"`},
			{"POST /api/v1/work-orders/{id}/labor", woPath + "/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2, "rate": "48.0000000001"}, "invalid_amount", "rate: 48.0000000001 has 10 decimals; a unit price or rate takes at most 4"},
			{"POST /api/v1/crafts", "/api/v1/crafts", p.planner, map[string]any{"code": "mechanic", "name": "Mechanic", "rate": "1e400"}, "invalid_amount", `rate: "1e400" is not an amount`},
			{"POST /api/v1/crafts", "/api/v1/crafts", p.planner, map[string]any{"code": "mechanic", "name": long(201), "rate": "48.00"}, "invalid_text", "name: has 201 characters; it takes at most 200"},
			{"POST /api/v1/work-orders/{id}/issues", woPath + "/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 0.3333333333333}, "invalid_quantity", "has 13 decimals; a quantity takes at most 6"},
			{"POST /api/v1/work-orders/{id}/issues", woPath + "/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 0.333333}, "invalid_quantity", "quantity: 0.333333 EA is not a whole number; EA is counted in whole units"},
			{"POST /api/v1/work-orders/{id}/returns", woPath + "/returns", p.tech, `{"item_id":"` + p.filter + `","storeroom_id":"` + p.store + `","quantity":1e300}`, "invalid_quantity", "quantity: 1e300 is too large"},
			{"POST /api/v1/pm-plans", "/api/v1/pm-plans", p.planner, badPlan("start", "9999-12-31T06:00"), "invalid_time", "start: 9999-12-31T06:00:00"},
			{"POST /api/v1/pm-plans", "/api/v1/pm-plans", p.planner, badPlan("every_months", 1e9), "invalid_number", "trigger.every_months: 1000000000 is out of range"},
			{"PUT /api/v1/pm-plans/{id}", "/api/v1/pm-plans/" + pm, p.planner, with(plan, "name", long(201)), "invalid_text", "name: has 201 characters"},
			{"POST /api/v1/erp/messages", "/api/v1/erp/messages", p.integ, map[string]any{"kind": "labor_cost\n"}, "invalid_text", "kind: holds the control character U+000A"},
			{"PUT /api/v1/erp/settings", "/api/v1/erp/settings", p.finance, map[string]any{"invoice_tolerance_amount": 10}, "invalid_amount", "invoice_tolerance_amount: send amounts as decimal strings"},
			{"POST /api/v1/erp/items", "/api/v1/erp/items", p.buyer, map[string]any{"erp_item_code": "X-1", "description": "X", "unit": "EA", "stock_type": "direct", "price": "0.00001"}, "invalid_amount", "price: 0.00001 has 5 decimals; a unit price or rate takes at most 4"},
			{"POST /api/v1/erp/requisitions", "/api/v1/erp/requisitions", p.buyer, map[string]any{"site_id": p.site, "lines": []map[string]any{{"erp_item_code": "10-SEAL-45", "quantity": "2"}}}, "invalid_quantity", "lines[0].quantity: send quantities and hours as JSON numbers"},
			{"POST /api/v1/erp/requisitions/{id}/approve", "/api/v1/erp/requisitions/none/approve", p.approver, map[string]any{"comment": long(4001)}, "invalid_text", "comment: has 4001 characters"},
			{"POST /api/v1/erp/requisitions/{id}/reject", "/api/v1/erp/requisitions/none/reject", p.approver, map[string]any{"comment": "no\x00"}, "invalid_text", "comment: holds the control character U+0000"},
			{"POST /api/v1/erp/requisitions/{id}/cancel", "/api/v1/erp/requisitions/none/cancel", p.buyer, map[string]any{"comment": "no\x01"}, "invalid_text", "comment: holds the control character U+0001"},
			{"POST /api/v1/erp/approval-rules", "/api/v1/erp/approval-rules", p.finance, map[string]any{"approver_role": "approver", "max_amount": "1.001"}, "invalid_amount", "max_amount: 1.001 has 3 decimals"},
			{"PUT /api/v1/erp/approval-rules/{id}", "/api/v1/erp/approval-rules/" + str(rule), p.finance, map[string]any{"approver_role": "approver", "min_amount": 1000}, "invalid_amount", "min_amount: send amounts as decimal strings"},
			{"POST /api/v1/erp/reviews/{id}/complete", "/api/v1/erp/reviews/none/complete", p.finance, map[string]any{"comment": "ok\x02"}, "invalid_text", "comment: holds the control character U+0002"},
			{"POST /api/v1/erp/purchase-orders/{id}/receipts", "/api/v1/erp/purchase-orders/none/receipts", p.storekeeper, `{"lines":[{"line_id":"l","quantity":1e300}]}`, "invalid_quantity", "lines[0].quantity: 1e300 is too large"},
			{"POST /api/v1/erp/invoices", "/api/v1/erp/invoices", p.finance, map[string]any{"purchase_order_id": "none", "vendor_reference": "INV-1", "lines": []map[string]any{{"line_id": "l", "quantity": 1, "unit_price": "1.00001"}}}, "invalid_amount", "lines[0].unit_price: 1.00001 has 5 decimals"},
			{"POST /api/v1/erp/ledger/entries", "/api/v1/erp/ledger/entries", p.finance, map[string]any{"memo": "m", "lines": []map[string]any{{"account": "6100", "debit": 100}}}, "invalid_amount", "lines[0].debit: send amounts as decimal strings"},
			{"POST /api/v1/erp/ledger/entries/{id}/reverse", "/api/v1/erp/ledger/entries/none/reverse", p.finance, map[string]any{"memo": "undo\x03"}, "invalid_text", "memo: holds the control character U+0003"},
			{"POST /api/v1/erp/cost-centers", "/api/v1/erp/cost-centers", p.finance, map[string]any{"code": "CC-9", "name": long(201)}, "invalid_text", "name: has 201 characters"},
			{"POST /api/v1/erp/budgets", "/api/v1/erp/budgets", p.finance, map[string]any{"cost_center": "CC-100", "period": "2026-12", "amount": "1e400"}, "invalid_amount", `amount: "1e400" is not an amount`},
			{"POST /api/v1/erp/budgets", "/api/v1/erp/budgets", p.finance, map[string]any{"cost_center": "CC-100", "period": "2026-12", "amount": "1000000000000.00"}, "invalid_amount", "amount: 1000000000000.00 is too large; amounts are below 1000000000000 (10^12)"},
			{"POST /api/v1/integration/mappings/items", "/api/v1/integration/mappings/items", p.integ, map[string]any{"item_id": p.filter, "erp_item_code": "20-FLT-10", "erp_unit": "EA", "factor": "1"}, "invalid_quantity", "factor: send quantities and hours as JSON numbers"},
			{"POST /api/v1/integration/mappings/cost-centers", "/api/v1/integration/mappings/cost-centers", p.integ, map[string]any{"cost_center": "CC-100", "erp_cost_center": "CC\x00"}, "invalid_text", "erp_cost_center: holds the control character U+0000"},
			{"POST /api/v1/integration/mappings/accounts", "/api/v1/integration/mappings/accounts", p.integ, map[string]any{"category": "labor", "erp_account": long(201)}, "invalid_text", "erp_account: has 201 characters"},
			{"PUT /api/v1/integration/settings", "/api/v1/integration/settings", p.integ, map[string]any{"auto_request_trigger": map[string]any{"corrective": "on_release\x00"}}, "invalid_text", "auto_request_trigger.corrective: holds the control character U+0000"},
			{"PUT /api/v1/integration/rollout", "/api/v1/integration/rollout", p.integ, map[string]any{"everywhere": false, "scopes": []map[string]any{{"site_id": p.site + "\x00"}}}, "invalid_text", "scopes[0].site_id: holds the control character U+0000"},
			{"POST /api/v1/integration/reconciliation/stock", "/api/v1/integration/reconciliation/stock", p.integ, map[string]any{"storeroom_id": p.store, "item_id": p.filter, "keep": long(201)}, "invalid_text", "keep: has 201 characters"},
		}

		covered := map[string]bool{}
		for _, c := range cases {
			covered[c.route] = true
		}
		for _, rt := range httpapi.RoutesForTest(httpapi.New(a.db, nil)) {
			method, _, _ := strings.Cut(rt.Pattern, " ")
			if method == "GET" || covered[rt.Pattern] {
				continue
			}
			if why, ok := noBody[rt.Pattern]; !ok || why == "" {
				t.Errorf("write route %s has no case in TestInputBounds; add one, or say in noBody why it reads no bounded field", rt.Pattern)
			}
		}

		auditLen := func() float64 {
			v := a.must(200, "GET", "/api/v1/audit/verify", nil).Body
			if v["ok"] != true {
				t.Fatalf("audit/verify = %v", v)
			}
			return v["entries"].(float64)
		}
		before := auditLen()
		stock := mustStock(t, a, p.store, p.filter)
		for _, c := range cases {
			method, _, _ := strings.Cut(c.route, " ")
			r := a.do(method, c.path, c.token, c.body)
			msg := fmt.Sprint(field(r.Body, "error", "message"))
			if r.Status != http.StatusBadRequest || r.code() != c.code || !strings.Contains(msg, c.says) {
				t.Errorf("%s with %.120v = %d %.300s; want 400 %s saying %q", c.route, c.body, r.Status, r.Raw, c.code, c.says)
			}
		}
		if after := auditLen(); after != before {
			t.Errorf("audit trail %v entries after the refused requests; want the %v before: something was written", after, before)
		}
		if got := mustStock(t, a, p.store, p.filter); !got.OnHand.Equal(stock.OnHand.Decimal) || !got.Value.Equal(stock.Value.Decimal) || !got.ReorderPoint.Equal(stock.ReorderPoint.Decimal) {
			t.Errorf("stock after the refused requests = %+v; want %+v", got, stock)
		}
		if ls := a.must(200, "GET", woPath+"/labor", nil).items(); len(ls) != 0 {
			t.Errorf("labor after the refused entries = %v; want none", ls)
		}
	})
}
