package httpapi_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
)

// A buyer's requisition for a stock item that names no warehouse is
// received where the plant keeps the item — its storeroom — not in a
// default warehouse no storeroom has, so the receipt raises the CMMS's
// stock and reconciliation finds nothing. Where two storerooms keep it,
// the line must say which.
func TestHandRequisitionReceivedIntoTheStoreroom(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		startDispatcher(t, a)
		storekeeper := a.token("sam", millwright.Storekeeper, "")
		integ := a.token("ivan", millwright.Integration, "")
		buyer := a.token("bea", millwright.Buyer, "")
		approver := a.token("alan", millwright.Approver, "")
		post := a.post
		site := post(a.admin, "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North"}).str("id")
		flt := post(storekeeper, "/api/v1/items", map[string]any{"part_number": "FLT-1", "description": "Filter", "unit": "EA",
			"stock_type": "stock", "unit_cost": "5.00", "vendor": "Mann"}).str("id")
		store := post(storekeeper, "/api/v1/storerooms", map[string]any{"code": "N-STORE", "name": "Store", "site_id": site}).str("id")
		post(integ, "/api/v1/integration/mappings/items", map[string]any{"item_id": flt, "erp_item_code": "E-FLT-1", "erp_unit": "EA", "factor": 1})
		post(storekeeper, "/api/v1/stock/adjustments", map[string]any{"storeroom_id": store, "item_id": flt, "quantity": 4, "unit_cost": "5.00", "reason": "opening count"})
		eventually(t, "the opening count in the ERP", func() string {
			if n := len(a.must(200, "GET", "/api/v1/erp/stock?item_id=E-FLT-1", nil).items()); n != 1 {
				return "no ERP stock row yet"
			}
			return ""
		})

		req := post(buyer, "/api/v1/erp/requisitions", map[string]any{"site_id": site, "lines": []map[string]any{{"erp_item_code": "E-FLT-1", "quantity": 6}}})
		lines, _ := req.Body["lines"].([]any)
		if l, _ := lines[0].(map[string]any); len(lines) != 1 || l["warehouse"] != "N-STORE" {
			t.Fatalf("requisition lines = %v; want one, warehouse N-STORE (the storeroom that keeps the item)", lines)
		}
		post(approver, "/api/v1/erp/requisitions/"+req.str("id")+"/approve", map[string]any{"comment": "ok"})
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+req.str("id"), nil).items()[0]
		pl := po["lines"].([]any)[0].(map[string]any)
		post(storekeeper, "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", map[string]any{"lines": []map[string]any{{"line_id": pl["id"], "quantity": 6}}})
		eventually(t, "the receipt in the storeroom", func() string {
			s := a.must(200, "GET", "/api/v1/stock?storeroom_id="+store+"&item_id="+flt, nil).items()
			if len(s) != 1 || str(s[0]["on_hand"]) != "10" {
				return "stock = " + str(s)
			}
			return ""
		})
		if r := post(integ, "/api/v1/integration/reconciliation", nil); r.Body["balanced"] != true {
			t.Fatalf("reconciliation = %s; want balanced", r.Raw)
		}

		// A second storeroom keeps the item too: the line must say which.
		other := post(storekeeper, "/api/v1/storerooms", map[string]any{"code": "N-SPARE", "name": "Spares", "site_id": site}).str("id")
		post(storekeeper, "/api/v1/stock/adjustments", map[string]any{"storeroom_id": other, "item_id": flt, "quantity": 1, "unit_cost": "5.00", "reason": "opening count"})
		eventually(t, "the second row in the ERP", func() string {
			if n := len(a.must(200, "GET", "/api/v1/erp/stock?item_id=E-FLT-1", nil).items()); n != 2 {
				return "ERP stock rows: " + str(n)
			}
			return ""
		})
		wantError(t, a.do("POST", "/api/v1/erp/requisitions", buyer, map[string]any{"site_id": site,
			"lines": []map[string]any{{"erp_item_code": "E-FLT-1", "quantity": 6}}}), 400, "missing_warehouse")
		post(buyer, "/api/v1/erp/requisitions", map[string]any{"site_id": site,
			"lines": []map[string]any{{"erp_item_code": "E-FLT-1", "quantity": 6, "warehouse": "N-SPARE"}}})
	})
}
