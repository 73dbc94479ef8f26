package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// Flow 3 from an empty database: a technician adds a specialty bearing
// nobody has put in the catalog, by description, quantity, unit and
// estimated price; it is requested at once under the default purchasing
// item, with no item to create, no ERP item and no mapping first; the
// requester is the technician; the receipt goes to the work order at the
// PO price, the invoice makes the actual what was invoiced; and the line
// is linked to a catalog item later.
func TestSpecialBuyFromAnEmptyDatabase(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		site := mustCreate(t, a, "/api/v1/sites", map[string]any{"code": "PLANT1", "name": "Plant 1"})
		class := mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": "CONV", "name": "Conveyors"})
		conv := mustCreate(t, a, "/api/v1/assets", map[string]any{"tag": "CV-01", "name": "Infeed conveyor", "site_id": site,
			"asset_class_id": class, "criticality": 2, "cost_center": "CC-PACK"})
		planner := a.token("pia", millwright.Planner, site)
		tech := a.token("theo", millwright.Technician, site)
		approver := a.token("abe", millwright.Approver, "")
		finance := a.token("fay", millwright.Finance, "")
		startDispatcher(t, a)

		wo := a.do("POST", "/api/v1/work-orders", planner, map[string]any{"type": "corrective", "priority": 2, "asset_id": conv,
			"title": "Replace drive-end bearing", "auto_request_material": true})
		if wo.Status != http.StatusCreated {
			t.Fatalf("work order = %d %s", wo.Status, wo.Raw)
		}
		id := wo.str("id")
		for _, v := range []string{"approve", "release"} {
			if r := a.do("POST", "/api/v1/work-orders/"+id+"/"+v, planner, nil); r.Status != 200 {
				t.Fatalf("%s = %d %s", v, r.Status, r.Raw)
			}
		}
		if r := a.do("POST", "/api/v1/work-orders/"+id+"/start", tech, nil); r.Status != 200 {
			t.Fatalf("start = %d %s", r.Status, r.Raw)
		}
		// What a technician gets wrong is said plainly.
		wantError(t, a.do("POST", "/api/v1/work-orders/"+id+"/materials", tech, map[string]any{
			"description": "Spherical roller bearing 22320 EJW33", "quantity": 2, "unit_cost": "185.00"}), 400, "missing_field")
		wantError(t, a.do("POST", "/api/v1/work-orders/"+id+"/materials", tech, map[string]any{
			"description": "Spherical roller bearing 22320 EJW33", "quantity": 2, "unit": "EA"}), 400, "missing_field")
		line := a.do("POST", "/api/v1/work-orders/"+id+"/materials", tech, map[string]any{
			"description": "Spherical roller bearing 22320 EJW33", "quantity": 2, "unit": "EA", "unit_cost": "185.00", "vendor": "SKF"})
		if line.Status != http.StatusCreated || line.Body["special_buy"] != true || line.str("procurement_status") != "requested" {
			t.Fatalf("special buy = %d %s; want a special buy requested at once", line.Status, line.Raw)
		}
		var req map[string]any
		eventually(t, "the special buy's requisition", func() string {
			rs := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+id, nil).items()
			if len(rs) != 1 {
				return "requisitions = " + str(len(rs))
			}
			req = rs[0]
			return ""
		})
		l0 := field(req, "lines", 0).(map[string]any)
		if req["requested_by"] != "theo" || l0["description"] != "Spherical roller bearing 22320 EJW33" || l0["erp_item_code"] != "SPECIAL-BUY" ||
			l0["vendor"] != "SKF" || str(l0["quantity"]) != "2" || l0["unit_price"] != "185.00" || l0["material_line_id"] != line.str("id") {
			t.Fatalf("requisition = %v; want theo's request for 2 EA of the bearing at 185.00 from SKF under SPECIAL-BUY", req)
		}
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", tech, nil), 403, "sod_violation")
		if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", approver, map[string]any{"comment": "ok"}); r.Status != 200 {
			t.Fatalf("approve = %d %s", r.Status, r.Raw)
		}
		pos := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()
		if len(pos) != 1 || pos[0]["vendor"] != "SKF" {
			t.Fatalf("purchase orders = %v; want one to SKF", pos)
		}
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(pos[0]["id"]), nil).Body
		pl := field(po, "lines", 0).(map[string]any)
		if pl["description"] != "Spherical roller bearing 22320 EJW33" || pl["unit_price"] != "185.00" || pl["direct"] != true {
			t.Fatalf("PO line = %v; want the bearing's words at 185.00, direct", pl)
		}
		a.must(201, "POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", map[string]any{
			"lines": []map[string]any{{"line_id": pl["id"], "quantity": 2}}})
		eventually(t, "the receipt on the work order", func() string {
			if c := a.must(200, "GET", "/api/v1/work-orders/"+id+"/costs", nil); str(field(c.Body, "actual", "direct")) != "370.00" {
				return "actual direct " + str(field(c.Body, "actual", "direct"))
			}
			return ""
		})
		if r := a.do("POST", "/api/v1/erp/invoices", finance, map[string]any{"purchase_order_id": po["id"],
			"lines": []map[string]any{{"line_id": pl["id"], "quantity": 2, "unit_price": "188.00"}}}); r.Status != http.StatusCreated {
			t.Fatalf("invoice = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the invoiced cost on the work order", func() string {
			if c := a.must(200, "GET", "/api/v1/work-orders/"+id+"/costs", nil); str(field(c.Body, "actual", "direct")) != "376.00" {
				return "actual direct " + str(field(c.Body, "actual", "direct"))
			}
			return ""
		})
		if tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb.Body["balanced"] != true {
			t.Fatalf("trial balance = %s", tb.Raw)
		}
		wantReconciled(t, a, a.admin, "after the special buy")

		// Later the storekeeper catalogs the bearing and the planner links the line.
		brg := mustCreate(t, a, "/api/v1/items", map[string]any{"part_number": "BRG-22320", "description": "Spherical roller bearing 22320 EJW33",
			"unit": "EA", "stock_type": "direct", "unit_cost": "190.00", "vendor": "SKF"})
		wantError(t, a.do("POST", "/api/v1/work-orders/"+id+"/materials/"+line.str("id")+"/link", tech, map[string]any{"item_id": brg}), 403, "forbidden")
		linked := a.do("POST", "/api/v1/work-orders/"+id+"/materials/"+line.str("id")+"/link", planner, map[string]any{"item_id": brg})
		if linked.Status != 200 || linked.str("part_number") != "BRG-22320" || linked.str("procurement_status") != "invoiced" || linked.str("actual_cost") != "376.00" {
			t.Fatalf("link = %d %s; want the line on BRG-22320, still invoiced at 376.00", linked.Status, linked.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/work-orders/"+id+"/materials/"+line.str("id")+"/link", planner, map[string]any{"item_id": brg}), 409, "already_linked")
		if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+id, nil).items()); n != 1 {
			t.Fatalf("requisitions after the link = %d; want still 1", n)
		}
		if !strings.Contains(string(a.must(200, "GET", "/api/v1/work-orders/"+id+"/materials", nil).Raw), "BRG-22320") {
			t.Fatal("materials do not show the linked item")
		}
	})
}
