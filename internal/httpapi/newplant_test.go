package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

// The four flows of the seed as a new plant meets them: an empty
// database, the product's defaults, and master data made only through the
// CMMS's public API by the role that does it in a plant. Nothing is
// created under /api/v1/erp/ but what an ERP user does there (approval
// rules, a budget, approving, receiving, invoicing), and nothing is
// written into a store: the ERP learns the items from the CMMS's item
// master feed. Each test runs on SQLite and PostgreSQL, with the ERP in
// process, over HTTP and behind the webhook connector (runFlow with
// alsoWebhook), and checks the books after every step.

// newPlant is the master data of a plant made from scratch by mustNewPlant.
type newPlant struct {
	site, class, pump, store string
	// Direct items on the pump's BOM, flagged Auto Request Material:
	// bearing (2 × 45.00), seal (1 × 120.00), impeller (1 × 640.00).
	bearing, seal, impeller string
	// filter is a stock item (8.00, vendor Filtra): 12 on hand in MAIN,
	// reorder point 10, reorder quantity 20, one on the pump's BOM.
	filter string
	// Tokens of the plant's people.
	planner, tech, approver, storekeeper, finance, integ, buyer string
}

// erpCode is the ERP item code each item is mapped to.
var erpCode = map[string]string{"BRG-6310": "10-BRG-6310", "SEAL-45": "10-SEAL-45", "IMP-250": "10-IMP-250", "FLT-10": "20-FLT-10"}

// mustCMMSPlant makes the plant's CMMS side through the CMMS's API, each
// record by the role that keeps it: users, the site, the asset class and
// the pump with its BOM, the items mapped to the ERP (which the item
// master feed puts in the ERP), the storeroom with its opening count and
// reorder point. Whatever the ERP, nothing is made there by hand.
func mustCMMSPlant(t *testing.T, a *api) *newPlant {
	t.Helper()
	p := &newPlant{}
	// Users, as `millwright token create` makes them.
	p.planner = a.token("paula", millwright.Planner, "")
	p.tech = a.token("tom", millwright.Technician, "")
	p.approver = a.token("alan", millwright.Approver, "")
	p.storekeeper = a.token("sam", millwright.Storekeeper, "")
	p.finance = a.token("fiona", millwright.Finance, "")
	p.integ = a.token("ivan", millwright.Integration, "")
	p.buyer = a.token("bea", millwright.Buyer, "")

	as := func(token, path string, body any) string {
		t.Helper()
		r := a.do("POST", path, token, body)
		if r.Status != http.StatusCreated || r.str("id") == "" {
			t.Fatalf("POST %s = %d %s; want 201 with an id", path, r.Status, r.Raw)
		}
		return r.str("id")
	}
	put := func(token, path string, body any) {
		t.Helper()
		if r := a.do("PUT", path, token, body); r.Status != http.StatusOK {
			t.Fatalf("PUT %s = %d %s; want 200", path, r.Status, r.Raw)
		}
	}

	// The site takes its currency and time zone; nothing else is set up.
	p.site = as(a.admin, "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North plant", "currency": "EUR", "time_zone": "Europe/Berlin"})
	p.class = as(p.planner, "/api/v1/asset-classes", map[string]any{"code": "PUMP", "name": "Centrifugal pumps", "auto_request_material": true})
	p.pump = as(p.planner, "/api/v1/assets", map[string]any{"tag": "P-101", "name": "Cooling water pump", "site_id": p.site,
		"asset_class_id": p.class, "criticality": 2, "cost_center": "CC-100"})

	item := func(pn, desc, stockType, cost, vendor string) string {
		return as(p.storekeeper, "/api/v1/items", map[string]any{"part_number": pn, "description": desc, "unit": "EA",
			"stock_type": stockType, "unit_cost": cost, "vendor": vendor})
	}
	p.bearing = item("BRG-6310", "Deep groove ball bearing 6310", "direct", "45.00", "SKF")
	p.seal = item("SEAL-45", "Mechanical seal 45 mm", "direct", "120.00", "EagleBurgmann")
	p.impeller = item("IMP-250", "Impeller 250 mm", "direct", "640.00", "KSB")
	p.filter = item("FLT-10", "Oil filter", "stock", "8.00", "Filtra")
	p.store = as(p.storekeeper, "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "Main store", "site_id": p.site})

	// The integration administrator maps every item: that alone puts
	// them in the ERP's item master.
	for id, pn := range map[string]string{p.bearing: "BRG-6310", p.seal: "SEAL-45", p.impeller: "IMP-250", p.filter: "FLT-10"} {
		if r := a.do("POST", "/api/v1/integration/mappings/items", p.integ,
			map[string]any{"item_id": id, "erp_item_code": erpCode[pn], "erp_unit": "EA", "factor": 1}); r.Status != http.StatusOK {
			t.Fatalf("map %s = %d %s", pn, r.Status, r.Raw)
		}
	}
	put(p.planner, "/api/v1/assets/"+p.pump+"/bom", map[string]any{"lines": []map[string]any{
		{"item_id": p.bearing, "quantity": 2, "auto_request_material": true},
		{"item_id": p.seal, "quantity": 1, "auto_request_material": true},
		{"item_id": p.impeller, "quantity": 1, "auto_request_material": true},
		{"item_id": p.filter, "quantity": 1},
	}})
	// The storekeeper counts the opening stock, then sets the reorder point.
	as2 := a.do("POST", "/api/v1/stock/adjustments", p.storekeeper, map[string]any{"storeroom_id": p.store, "item_id": p.filter,
		"quantity": 12, "unit_cost": "8.00", "reason": "opening balance"})
	if as2.Status != http.StatusCreated {
		t.Fatalf("opening count = %d %s", as2.Status, as2.Raw)
	}
	put(p.storekeeper, "/api/v1/storerooms/"+p.store+"/stock/"+p.filter, map[string]any{"reorder_point": 10, "reorder_quantity": 20})
	return p
}

// mustNewPlant builds the plant through the API, sets the ERP's approval
// routing as its finance user does, and waits until the ERP knows the
// plant's items and its stock.
func mustNewPlant(t *testing.T, a *api) *newPlant {
	t.Helper()
	p := mustCMMSPlant(t, a)

	// Finance sets the approval routing: emergencies under 1,000 pass
	// at once; everything else waits for an approver.
	for _, rule := range []map[string]any{
		{"max_priority": 1, "max_amount": "1000.00", "auto_approve": true},
		{"approver_role": "approver"},
	} {
		if r := a.do("POST", "/api/v1/erp/approval-rules", p.finance, rule); r.Status != http.StatusCreated || field(r.Body, "rule", "id") == nil {
			t.Fatalf("approval rule %v = %d %s", rule, r.Status, r.Raw)
		}
	}

	startDispatcher(t, a)
	eventually(t, "the ERP knows the plant's items and opening stock", func() string {
		for _, code := range erpCode {
			got := a.must(200, "GET", "/api/v1/erp/items?erp_item_code="+code, nil).items()
			if len(got) != 1 {
				return fmt.Sprintf("ERP items %s = %d; want the one the item master feed sends", code, len(got))
			}
		}
		if q := erpStock(t, a, erpCode["FLT-10"])["quantity"]; str(q) != "12" {
			return fmt.Sprintf("ERP holds %v FLT-10; want the 12 counted", q)
		}
		return ""
	})
	// The opening count brings the stock onto the books against opening
	// balance equity: a new plant's first count is no gain.
	balances := map[string]string{}
	for _, acct := range field(a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil).Body, "accounts").([]any) {
		am := acct.(map[string]any)
		balances[str(am["account"])] = str(am["balance"])
	}
	if balances["1400"] != "96.00" || balances["3000"] != "-96.00" || balances["6190"] != "0.00" {
		t.Fatalf("trial balance after the opening count = %v; want inventory 96.00 against opening equity 3000, nothing on 6190", balances)
	}
	if rs := a.must(200, "GET", "/api/v1/erp/requisitions", nil).items(); len(rs) != 0 {
		t.Fatalf("requisitions after setting up = %v; want none (12 on hand is above the reorder point)", rs)
	}
	// The webhook connector cannot show the ERP's master data: the report
	// says so beside the gaps, and it is no gap of the plant's data.
	dq := a.do("GET", "/api/v1/integration/data-quality", p.integ, nil)
	if gaps := dq.items(); len(gaps) != 0 {
		t.Fatalf("data quality of the new plant = %v; want no gap", gaps)
	}
	if checked := a.erp == nil || a.erp.connector != "webhook"; dq.Body["erp_checked"] != checked || (dq.Body["erp_note"] == nil) == !checked {
		t.Fatalf("data quality of the new plant = %s; want erp_checked %v, with a note only when not checked", dq.Raw, checked)
	}
	return p
}

// filterStock is the plant's one stock row, for checkBooks.
func (p *newPlant) filterStock() stockedItem {
	return stockedItem{ID: p.filter, Code: erpCode["FLT-10"], Store: p.store}
}

// startedJob is a corrective work order on the pump that the planner
// approved and released and the technician started.
func (p *newPlant) startedJob(t *testing.T, a *api, priority int, title string) string {
	t.Helper()
	r := a.do("POST", "/api/v1/work-orders", p.planner, map[string]any{"type": "corrective", "priority": priority, "asset_id": p.pump, "title": title})
	if r.Status != 201 {
		t.Fatalf("create work order = %d %s", r.Status, r.Raw)
	}
	wo := r.str("id")
	for _, step := range []struct{ verb, token string }{{"approve", p.planner}, {"release", p.planner}, {"start", p.tech}} {
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/"+step.verb, step.token, nil); r.Status != 200 {
			t.Fatalf("%s = %d %s", step.verb, r.Status, r.Raw)
		}
	}
	return wo
}

// lines returns a work order's material lines by part number.
func lines(t *testing.T, a *api, wo string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, m := range a.must(200, "GET", "/api/v1/work-orders/"+wo+"/materials", nil).items() {
		out[str(m["part_number"])] = m
	}
	return out
}

// oneRequisition waits for the single requisition the filter query finds.
func oneRequisition(t *testing.T, a *api, query string) map[string]any {
	t.Helper()
	var req map[string]any
	eventually(t, "one requisition of "+query, func() string {
		rs := a.must(200, "GET", "/api/v1/erp/requisitions?"+query, nil).items()
		if len(rs) != 1 {
			return fmt.Sprintf("requisitions = %d", len(rs))
		}
		req = rs[0]
		return ""
	})
	return req
}

// approveAndOrder approves req as the plant's approver and returns its
// purchase orders, one per vendor.
func (p *newPlant) approveAndOrder(t *testing.T, a *api, req map[string]any, vendors int) []map[string]any {
	t.Helper()
	if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", p.approver, map[string]any{"comment": "ok"}); r.Status != 200 {
		t.Fatalf("approve %s = %d %s", req["number"], r.Status, r.Raw)
	}
	pos := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()
	if len(pos) != vendors {
		t.Fatalf("orders of %s = %v; want %d, one per vendor", req["number"], pos, vendors)
	}
	return pos
}

// receiveAll receives every line of po in full, as the storekeeper.
func (p *newPlant) receiveAll(t *testing.T, a *api, po map[string]any) {
	t.Helper()
	var recv []map[string]any
	for _, l := range po["lines"].([]any) {
		lm := l.(map[string]any)
		recv = append(recv, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"]})
	}
	if r := a.do("POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", p.storekeeper, map[string]any{"lines": recv}); r.Status != 201 {
		t.Fatalf("receipt of %s = %d %s", po["number"], r.Status, r.Raw)
	}
}

// invoice posts the vendor's invoice of po as finance, at price(code,
// PO price) per line, and wants it posted.
func (p *newPlant) invoice(t *testing.T, a *api, po map[string]any, price func(code, poPrice string) string) {
	t.Helper()
	var inv []map[string]any
	for _, l := range po["lines"].([]any) {
		lm := l.(map[string]any)
		inv = append(inv, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"], "unit_price": price(str(lm["erp_item_code"]), str(lm["unit_price"]))})
	}
	if r := a.do("POST", "/api/v1/erp/invoices", p.finance, map[string]any{"purchase_order_id": po["id"], "lines": inv}); r.Status != 201 || r.str("status") != "posted" {
		t.Fatalf("invoice of %s = %d %s; want 201 posted", po["number"], r.Status, r.Raw)
	}
}

// actual returns a work order's actual cost breakdown.
func actual(t *testing.T, a *api, wo string) map[string]any {
	t.Helper()
	return field(a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body, "actual").(map[string]any)
}

// Flow 1 from an empty database: a PM work order for the pump overhaul
// copies the BOM; releasing it requests the three direct lines in one
// requisition that names the releaser; an approver orders it; the parts
// are received and invoiced, and the invoiced cost is the work order's.
func TestNewPlantFlow1PlannedMaintenance(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		p := mustNewPlant(t, a)
		r := a.do("POST", "/api/v1/work-orders", p.planner, map[string]any{"type": "preventive", "priority": 3, "asset_id": p.pump, "title": "Pump overhaul"})
		if r.Status != 201 || r.str("status") != "requested" {
			t.Fatalf("create work order = %d %s", r.Status, r.Raw)
		}
		wo := r.str("id")
		ls := lines(t, a, wo)
		if len(ls) != 4 || ls["FLT-10"]["direct"] != false || str(ls["FLT-10"]["reserved"]) != "1" {
			t.Fatalf("planned materials = %v; want the BOM's four lines, the filter reserved", ls)
		}
		for _, verb := range []string{"approve", "release"} {
			if r := a.do("POST", "/api/v1/work-orders/"+wo+"/"+verb, p.planner, nil); r.Status != 200 {
				t.Fatalf("%s = %d %s", verb, r.Status, r.Raw)
			}
		}
		req := oneRequisition(t, a, "work_order_id="+wo)
		if req["requested_by"] != "paula" || req["amount"] != "850.00" || len(req["lines"].([]any)) != 3 {
			t.Fatalf("requisition = %v; want 3 lines for 850.00 requested by paula, who released", req)
		}
		for _, l := range req["lines"].([]any) {
			lm := l.(map[string]any)
			var part string
			for pn, m := range ls {
				if m["id"] == lm["material_line_id"] {
					part = pn
				}
			}
			if part == "" || lm["erp_item_code"] != erpCode[part] || lm["work_order_id"] != wo {
				t.Fatalf("requisition line %v; want one linked to a material line of the work order, under its ERP code", lm)
			}
		}
		eventually(t, "the direct lines requested", func() string {
			for _, pn := range []string{"BRG-6310", "SEAL-45", "IMP-250"} {
				if s := lines(t, a, wo)[pn]["procurement_status"]; s != "requested" {
					return fmt.Sprintf("%s is %v", pn, s)
				}
			}
			return ""
		})
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", p.planner, nil), 403, "sod_violation")
		checkBooks(t, a, "released", []string{wo}, p.filterStock())

		pos := p.approveAndOrder(t, a, req, 3) // SKF, EagleBurgmann, KSB
		number := map[string]any{}             // ERP item code → its order's number
		for _, po := range pos {
			number[str(field(po, "lines", 0, "erp_item_code"))] = po["number"]
		}
		eventually(t, "the lines ordered", func() string {
			for _, pn := range []string{"BRG-6310", "SEAL-45", "IMP-250"} {
				if m := lines(t, a, wo)[pn]; m["procurement_status"] != "ordered" || m["purchase_order_number"] != number[erpCode[pn]] {
					return fmt.Sprintf("%s is %v on %v; want ordered on %v", pn, m["procurement_status"], m["purchase_order_number"], number[erpCode[pn]])
				}
			}
			return ""
		})
		for _, po := range pos {
			p.receiveAll(t, a, po)
		}
		eventually(t, "the receipt charged at the PO price", func() string {
			if d := actual(t, a, wo)["direct"]; d != "850.00" {
				return fmt.Sprintf("actual direct %v; want 850.00", d)
			}
			return ""
		})
		checkBooks(t, a, "received", []string{wo}, p.filterStock())
		for _, po := range pos {
			p.invoice(t, a, po, func(code, price string) string {
				if code == erpCode["IMP-250"] {
					return "652.00" // +1.9 %: within the 2 % tolerance
				}
				return price
			})
		}
		eventually(t, "the invoiced cost on the work order", func() string {
			if d := actual(t, a, wo)["direct"]; d != "862.00" {
				return fmt.Sprintf("actual direct %v; want 862.00, what was invoiced", d)
			}
			if m := lines(t, a, wo)["IMP-250"]; m["procurement_status"] != "invoiced" || m["actual_cost"] != "652.00" {
				return fmt.Sprintf("impeller line %v at %v; want invoiced at 652.00", m["procurement_status"], m["actual_cost"])
			}
			return ""
		})
		checkBooks(t, a, "invoiced", []string{wo}, p.filterStock())
		kinds := map[string]bool{}
		for _, e := range a.must(200, "GET", "/api/v1/work-orders/"+wo+"/trace", nil).Body["events"].([]any) {
			kinds[str(e.(map[string]any)["kind"])] = true
		}
		for _, k := range []string{"requisition_created", "requisition_approved", "purchase_order_created", "goods_received", "invoice_posted", "ledger_entry_posted"} {
			if !kinds[k] {
				t.Errorf("trace has no %s; kinds %v", k, kinds)
			}
		}
	}, alsoWebhook)
}

// Flow 2 from an empty database, with each side master of stock levels:
// a technician issues filters below the reorder point; the ERP makes one
// replenishment requisition; its receipt raises the CMMS storeroom to the
// ERP's quantity; reconciliation finds nothing.
func TestNewPlantFlow2Reorder(t *testing.T) {
	for _, master := range []string{"cmms", "erp"} {
		t.Run("stock_master="+master, func(t *testing.T) {
			runFlow(t, func(t *testing.T, a *api) {
				p := mustNewPlant(t, a)
				if master != "cmms" { // cmms is the default
					a.must(200, "PUT", "/api/v1/integration/settings", map[string]any{"stock_master": master})
				}
				wo := p.startedJob(t, a, 3, "Oil change")
				r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 3})
				if r.Status != 201 || str(field(r.Body, "stock", "on_hand")) != "9" {
					t.Fatalf("issue = %d %s; want 201 leaving 9", r.Status, r.Raw)
				}
				req := oneRequisition(t, a, "item_id="+erpCode["FLT-10"])
				if req["requested_by"] != "system" || str(field(req, "lines", 0, "quantity")) != "20" || field(req, "lines", 0, "warehouse") != "MAIN" {
					t.Fatalf("replenishment = %v; want 20 into MAIN by system", req)
				}
				checkBooks(t, a, "issued", []string{wo}, p.filterStock())
				// One at a time: another issue below the point makes no second.
				a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 1})
				checkBooks(t, a, "issued again", []string{wo}, p.filterStock())
				if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?item_id="+erpCode["FLT-10"], nil).items()); n != 1 {
					t.Fatalf("replenishment requisitions = %d; want still 1 while one is open", n)
				}

				po := p.approveAndOrder(t, a, req, 1)[0]
				p.receiveAll(t, a, po)
				eventually(t, "the receipt in the storeroom", func() string {
					s := a.must(200, "GET", "/api/v1/stock?storeroom_id="+p.store+"&item_id="+p.filter, nil).items()
					if len(s) != 1 || str(s[0]["on_hand"]) != "28" {
						return fmt.Sprintf("storeroom stock %v; want 28 (8 + 20 received)", s)
					}
					return ""
				})
				checkBooks(t, a, "received", []string{wo}, p.filterStock())
				p.invoice(t, a, po, func(_, price string) string { return price })
				checkBooks(t, a, "invoiced", []string{wo}, p.filterStock())
			}, alsoWebhook)
		})
	}
}

// Flow 3 from an empty database: a technician on a corrective job adds a
// catalogued direct item and a special buy in words; both are requested
// at once with no storekeeper, buyer or mapping step; their receipt and
// invoice post to the work order.
func TestNewPlantFlow3DirectItems(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		p := mustNewPlant(t, a)
		wo := p.startedJob(t, a, 2, "Bearing noise")
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", p.tech, map[string]any{"item_id": p.bearing, "quantity": 2}); r.Status != 201 {
			t.Fatalf("add bearing = %d %s", r.Status, r.Raw)
		}
		sb := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", p.tech, map[string]any{"description": "Spherical roller bearing 22320 EJW33",
			"quantity": 1, "unit": "EA", "unit_cost": "185.00", "vendor": "SKF"})
		if sb.Status != 201 || sb.Body["special_buy"] != true {
			t.Fatalf("add special buy = %d %s", sb.Status, sb.Raw)
		}
		var reqs []map[string]any
		eventually(t, "both lines requested", func() string {
			reqs = a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			n := 0
			for _, r := range reqs {
				n += len(r["lines"].([]any))
			}
			if n != 2 {
				return fmt.Sprintf("%d requisitions with %d lines; want the two lines", len(reqs), n)
			}
			return ""
		})
		var special map[string]any
		for _, r := range reqs {
			if r["requested_by"] != "tom" {
				t.Fatalf("requisition %v; want requested by tom, who added the line", r)
			}
			for _, l := range r["lines"].([]any) {
				if lm := l.(map[string]any); lm["material_line_id"] == sb.str("id") {
					special = lm
				}
			}
		}
		if special == nil || special["description"] != "Spherical roller bearing 22320 EJW33" || special["unit_price"] != "185.00" {
			t.Fatalf("special buy's requisition line = %v; want its words at 185.00", special)
		}
		wos := []string{wo}
		for _, r := range reqs {
			po := p.approveAndOrder(t, a, r, 1)[0]
			p.receiveAll(t, a, po)
			checkBooks(t, a, "received "+str(po["number"]), wos, p.filterStock())
			p.invoice(t, a, po, func(_, price string) string { return price })
		}
		eventually(t, "the direct cost on the work order", func() string {
			if d := actual(t, a, wo)["direct"]; d != "275.00" { // 2 × 45.00 + 185.00
				return fmt.Sprintf("actual direct %v; want 275.00", d)
			}
			for pn, m := range lines(t, a, wo) {
				if m["direct"] == true && m["procurement_status"] != "invoiced" {
					return fmt.Sprintf("%s is %v", pn, m["procurement_status"])
				}
			}
			return ""
		})
		checkBooks(t, a, "invoiced", wos, p.filterStock())
	}, alsoWebhook)
}

// Flow 4 from an empty database: labor, a parts issue, a direct item's
// order, receipt and invoice each show in the cost center's budget at
// once, and the variance alert fires when the forecast crosses it.
func TestNewPlantFlow4BudgetInRealTime(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		p := mustNewPlant(t, a)
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		period := time.Now().In(loc).Format("2006-01")
		if r := a.do("POST", "/api/v1/erp/budgets", p.finance, map[string]any{"cost_center": "CC-100", "period": period, "amount": "250.00"}); r.Status != 201 {
			t.Fatalf("budget = %d %s", r.Status, r.Raw)
		}
		status := func() map[string]any {
			return a.do("GET", "/api/v1/erp/budgets/status?cost_center=CC-100&period="+url.QueryEscape(period), p.finance, nil).Body
		}
		seen := func(step, actual, committed string) {
			t.Helper()
			start := time.Now()
			eventually(t, step+" in the budget", func() string {
				if s := status(); s["actual"] != actual || s["committed"] != committed {
					return fmt.Sprintf("actual %v, committed %v; want %s, %s", s["actual"], s["committed"], actual, committed)
				}
				return ""
			})
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("%s reached the budget after %v; want well under a second", step, took)
			}
		}
		wo := p.startedJob(t, a, 3, "Seal leak")

		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 1.5, "rate": "40.00"}); r.Status != 201 {
			t.Fatalf("labor = %d %s", r.Status, r.Raw)
		}
		seen("labor", "60.00", "0.00")
		checkBooks(t, a, "labor", []string{wo}, p.filterStock())
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 1}); r.Status != 201 {
			t.Fatalf("issue = %d %s", r.Status, r.Raw)
		}
		seen("parts issue", "68.00", "0.00")
		checkBooks(t, a, "parts issue", []string{wo}, p.filterStock())
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", p.tech, map[string]any{"item_id": p.seal, "quantity": 1}); r.Status != 201 {
			t.Fatalf("add seal = %d %s", r.Status, r.Raw)
		}
		po := p.approveAndOrder(t, a, oneRequisition(t, a, "work_order_id="+wo), 1)[0]
		seen("purchase order", "68.00", "120.00")
		if s := status(); s["alert"] != false {
			t.Fatalf("status at 188.00 of 250.00 = %v; want no alert", s)
		}
		p.receiveAll(t, a, po)
		seen("receipt", "188.00", "0.00")
		p.invoice(t, a, po, func(_, _ string) string { return "122.00" })
		seen("invoice", "190.00", "0.00")
		checkBooks(t, a, "invoice", []string{wo}, p.filterStock())
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2, "rate": "40.00"}); r.Status != 201 {
			t.Fatalf("labor = %d %s", r.Status, r.Raw)
		}
		seen("second labor entry", "270.00", "0.00")
		if s := status(); s["alert"] != true || s["variance"] != "-20.00" {
			t.Fatalf("status over the budget = %v; want the alert and a variance of -20.00", s)
		}
		checkBooks(t, a, "over the budget", []string{wo}, p.filterStock())
		entries := a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id="+wo, nil).items()
		for _, e := range entries {
			for _, l := range e["lines"].([]any) {
				if lm := l.(map[string]any); lm["work_order_id"] == wo && (lm["cost_center"] != "CC-100" || lm["asset_id"] != p.pump) {
					t.Fatalf("ledger line %v of %s; want it on CC-100 and the pump", lm, strings.TrimSpace(str(e["memo"])))
				}
			}
		}
	}, alsoWebhook)
}
