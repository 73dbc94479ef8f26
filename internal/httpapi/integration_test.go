package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// startDispatcher runs the outbox dispatcher against the embedded ERP in
// process until the test ends.
// eventually polls f every 20 ms for up to 5 s until it returns "", and
// fails the test with its last answer otherwise.
func eventually(t *testing.T, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 5 s: %s", what, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// armWorld is a plant whose pump's BOM has three direct lines with Auto
// Request Material, with the ERP's item master and the users of flow 1.
type armWorld struct {
	*plant
	gasket, impeller     string // direct items GSK-50 (unit cost 8.00) and IMP-7 (unit cost 900.00)
	planner, approver    string
	storekeeper, finance string
	integ, buyer         string
}

func newARMWorld(t *testing.T, a *api, mapAll bool) *armWorld {
	t.Helper()
	ctx := t.Context()
	w := &armWorld{plant: mustPlant(t, a)}
	if err := a.db.InTx(ctx, func(tx *store.Tx) error {
		gsk := &inventory.Item{PartNumber: "GSK-50", Description: "Gasket", Unit: "EA", StockType: inventory.DirectItem,
			UnitCost: millwright.MustMoney("8.00"), Vendor: "SKF"}
		imp := &inventory.Item{PartNumber: "IMP-7", Description: "Impeller", Unit: "EA", StockType: inventory.DirectItem,
			UnitCost: millwright.MustMoney("900.00"), Vendor: "SKF"}
		for _, it := range []*inventory.Item{gsk, imp} {
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
		}
		w.gasket, w.impeller = gsk.ID, imp.ID
		return tx.SetAssetBOM(ctx, w.Pump, []asset.BOMLine{
			{ItemID: w.Filter, Quantity: millwright.NewQty(2)},
			{ItemID: w.Bearing, Quantity: millwright.NewQty(2), AutoRequestMaterial: true},
			{ItemID: gsk.ID, Quantity: millwright.NewQty(4), AutoRequestMaterial: true},
			{ItemID: imp.ID, Quantity: millwright.NewQty(1), AutoRequestMaterial: true},
		})
	}); err != nil {
		t.Fatal(err)
	}
	w.planner = a.token("pat", millwright.Planner, "")
	w.approver = a.token("anna", millwright.Approver, "")
	w.storekeeper = a.token("sam", millwright.Storekeeper, "")
	w.finance = a.token("fiona", millwright.Finance, "")
	w.integ = a.token("link", millwright.Integration, "")
	w.buyer = a.token("bob", millwright.Buyer, "")
	// The CMMS is the item master: mapping an item puts it in the ERP.
	w.mustMap(t, a, w.Bearing, "ERP-BRG", "")
	w.mustMap(t, a, w.gasket, "ERP-GSK", w.Site) // a site's own mapping
	if mapAll {
		w.mustMap(t, a, w.impeller, "ERP-IMP", "")
	}
	return w
}

func (w *armWorld) mustMap(t *testing.T, a *api, item, code, site string) {
	t.Helper()
	r := a.do("POST", "/api/v1/integration/mappings/items", w.integ,
		map[string]any{"item_id": item, "site_id": site, "erp_item_code": code, "erp_unit": "EA", "factor": 1})
	if r.Status != http.StatusOK {
		t.Fatalf("map %s to %s = %d %s", item, code, r.Status, r.Raw)
	}
}

// directLines returns a work order's direct material lines by part number.
func directLines(t *testing.T, a *api, wo string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, m := range a.must(200, "GET", "/api/v1/work-orders/"+wo+"/materials", nil).items() {
		if m["direct"] == true {
			out[str(m["part_number"])] = m
		}
	}
	return out
}

// Flow 1 and 3: releasing a preventive work order requests its three
// direct lines in one requisition made by the releasing user; approval by
// another user orders them; the receipt and the invoice come back to the
// lines, and the invoiced amount is the work order's actual direct cost.
func TestAutoRequestMaterialEndToEnd(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "title": "Overhaul P-101"}).str("id")
		a.must(200, "POST", "/api/v1/work-orders/"+wo+"/approve", nil)
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/release", w.planner, nil); r.Status != 200 {
			t.Fatalf("release as planner = %d %s", r.Status, r.Raw)
		}
		var req map[string]any
		eventually(t, "requisition for the work order", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 1 {
				return "requisitions = " + str(len(items)) + "; want 1"
			}
			req = items[0]
			return ""
		})
		lines := directLines(t, a, wo)
		if req["requested_by"] != "pat" || len(req["lines"].([]any)) != 3 {
			t.Fatalf("requisition = %v; want requested_by pat with 3 lines", req)
		}
		for _, l := range req["lines"].([]any) {
			lm := l.(map[string]any)
			found := false
			for _, m := range lines {
				found = found || (m["id"] == lm["material_line_id"] && lm["work_order_id"] == wo)
			}
			if !found {
				t.Fatalf("requisition line %v is linked to no material line of %s", lm, wo)
			}
		}
		// The ERP has the requisition once it commits; the outbox marks the
		// message delivered just after.
		var msgs []map[string]any
		eventually(t, "the requisition message delivered", func() string {
			msgs = a.do("GET", "/api/v1/integration/messages?work_order_id="+wo, w.integ, nil).items()
			if len(msgs) != 1 || msgs[0]["status"] != "delivered" || msgs[0]["kind"] != "requisition_request" {
				return fmt.Sprintf("messages of the work order = %v; want one delivered requisition_request", msgs)
			}
			return ""
		})
		kinds := map[string]string{}
		for _, e := range a.must(200, "GET", "/api/v1/work-orders/"+wo+"/trace", nil).Body["events"].([]any) {
			em := e.(map[string]any)
			kinds[str(em["kind"])] = str(em["actor"])
		}
		if kinds["message_queued"] != "pat" || kinds["message_delivered"] != "system" {
			t.Fatalf("trace kinds = %v; want message_queued by pat and message_delivered", kinds)
		}
		eventually(t, "lines requested", func() string {
			for part, m := range directLines(t, a, wo) {
				if m["procurement_status"] != "requested" {
					return part + " is " + str(m["procurement_status"])
				}
			}
			return ""
		})

		// Segregation of duties: the releaser cannot approve what the release asked for.
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.planner, nil), 403, "sod_violation")
		a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.approver, map[string]any{"comment": "ok"})
		var po map[string]any
		eventually(t, "lines ordered", func() string {
			pos := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()
			if len(pos) != 1 {
				return "orders = " + str(len(pos))
			}
			po = a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(pos[0]["id"]), nil).Body
			for part, m := range directLines(t, a, wo) {
				if m["procurement_status"] != "ordered" || m["purchase_order_number"] != po["number"] {
					return part + " is " + str(m["procurement_status"]) + " on " + str(m["purchase_order_number"])
				}
			}
			return ""
		})
		costs := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
		if got := str(field(costs, "committed", "direct")); got != "1432.00" { // 2×250 + 4×8 + 900
			t.Fatalf("committed direct = %s; want 1432.00", got)
		}

		var recv, inv []map[string]any
		for _, l := range po["lines"].([]any) {
			lm := l.(map[string]any)
			recv = append(recv, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"]})
			price := str(lm["unit_price"])
			if price == "900.00" {
				price = "910.00" // +1.1 %, within the 2 % tolerance
			}
			inv = append(inv, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"], "unit_price": price})
		}
		if r := a.do("POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", w.storekeeper, map[string]any{"lines": recv}); r.Status != 201 {
			t.Fatalf("receipt = %d %s", r.Status, r.Raw)
		}
		eventually(t, "lines received", func() string {
			c := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
			if got := str(field(c, "actual", "direct")); got != "1432.00" {
				return "actual direct = " + got + "; want 1432.00 at the PO price"
			}
			if got := str(field(c, "committed", "direct")); got != "0.00" {
				return "committed direct = " + got + "; want 0.00"
			}
			return ""
		})
		if r := a.do("POST", "/api/v1/erp/invoices", w.finance, map[string]any{"purchase_order_id": po["id"], "lines": inv}); r.Status != 201 || r.str("status") != "posted" {
			t.Fatalf("invoice = %d %s; want 201 posted", r.Status, r.Raw)
		}
		eventually(t, "lines invoiced", func() string {
			for part, m := range directLines(t, a, wo) {
				want := map[string]string{"BRG-SPC": "500.00", "GSK-50": "32.00", "IMP-7": "910.00"}[part]
				if m["procurement_status"] != "invoiced" || m["actual_cost"] != want {
					return part + " is " + str(m["procurement_status"]) + " at " + str(m["actual_cost"]) + "; want invoiced at " + want
				}
			}
			return ""
		})
		costs = a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
		if got := str(field(costs, "actual", "direct")); got != "1442.00" {
			t.Fatalf("actual direct = %s; want 1442.00, the invoiced total", got)
		}
		// The trace shows the whole chain, in time order, with its actors.
		trace := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/trace", nil).Body["events"].([]any)
		first := map[string]map[string]any{}
		var order []string
		for _, e := range trace {
			em := e.(map[string]any)
			k := str(em["kind"])
			if _, ok := first[k]; !ok {
				first[k] = em
				order = append(order, k)
			}
		}
		for _, want := range []struct{ kind, actor string }{
			{"status_changed", "admin"}, {"requisition_created", "pat"}, {"requisition_approved", "anna"},
			{"purchase_order_created", "anna"}, {"goods_received", "sam"}, {"invoice_posted", "fiona"},
			{"ledger_entry_posted", "sam"},
		} {
			e := first[want.kind]
			if e == nil || e["actor"] != want.actor || str(e["ref"]) == "" {
				t.Fatalf("trace %s = %v; want one by %s with its document number (trace kinds in order: %v)", want.kind, e, want.actor, order)
			}
		}
		if !strings.HasPrefix(str(first["requisition_created"]["ref"]), "REQ-") || !strings.HasPrefix(str(first["purchase_order_created"]["ref"]), "PO-") ||
			!strings.HasPrefix(str(first["ledger_entry_posted"]["ref"]), "JE-") {
			t.Fatalf("trace refs = %v, %v, %v; want the requisition, purchase-order and journal-entry numbers",
				first["requisition_created"]["ref"], first["purchase_order_created"]["ref"], first["ledger_entry_posted"]["ref"])
		}
		pos := func(k string) int { return slices.Index(order, k) }
		if !(pos("requisition_created") < pos("requisition_approved") && pos("requisition_approved") < pos("goods_received") &&
			pos("goods_received") < pos("invoice_posted")) {
			t.Fatalf("trace order = %v; want requisition, approval, receipt, invoice in that order", order)
		}
		var ledger millwright.Money
		for _, e := range a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id="+wo, nil).items() {
			for _, l := range e["lines"].([]any) {
				lm := l.(map[string]any)
				if lm["work_order_id"] == wo && lm["account"] == "6100" {
					ledger = ledger.Add(millwright.MustMoney(str(lm["debit"]))).Sub(millwright.MustMoney(str(lm["credit"])))
				}
			}
		}
		if ledger.String() != "1442.00" {
			t.Fatalf("ledger expense of the work order = %s; want 1442.00", ledger)
		}

		// Never twice: another release is illegal, a redelivery has no second effect.
		wantError(t, a.do("POST", "/api/v1/work-orders/"+wo+"/release", w.planner, nil), 409, "illegal_transition")
		wantError(t, a.do("POST", "/api/v1/integration/messages/"+str(msgs[0]["id"])+"/replay", w.integ, nil), 409, "not_replayable")
		if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 1 {
			t.Fatalf("requisitions = %d; want still 1", n)
		}
	})
}

// A direct line whose item has no ERP mapping is blocked with the reason
// and the fix, the work order is released anyway, data quality lists the
// gap; adding the mapping requests the line.
func TestAutoRequestMaterialMappingGap(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, false)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "title": "Overhaul P-101"}).str("id")
		a.must(200, "POST", "/api/v1/work-orders/"+wo+"/approve", nil)
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/release", w.planner, nil); r.Status != 200 || r.str("status") != "released" {
			t.Fatalf("release = %d %s; want 200 released", r.Status, r.Raw)
		}
		imp := directLines(t, a, wo)["IMP-7"]
		want := "part IMP-7: no ERP item code mapped for site NORTH; add one with POST /api/v1/integration/mappings/items"
		if imp["procurement_status"] != "blocked" || imp["blocked_reason"] != want {
			t.Fatalf("IMP-7 line = %v %q; want blocked: %s", imp["procurement_status"], imp["blocked_reason"], want)
		}
		eventually(t, "the mapped lines requested", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 1 || len(items[0]["lines"].([]any)) != 2 {
				return "requisitions = " + str(items) + "; want one of 2 lines"
			}
			return ""
		})
		dq := a.do("GET", "/api/v1/integration/data-quality", w.integ, nil)
		found := false
		for _, g := range dq.items() {
			found = found || (g["record_id"] == w.impeller && g["site_id"] == w.Site && strings.Contains(str(g["message"]), "part IMP-7"))
		}
		if dq.Status != 200 || !found {
			t.Fatalf("data quality = %d %s; want IMP-7 unmapped at NORTH", dq.Status, dq.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/integration/data-quality", w.planner, nil), 403, "forbidden")

		w.mustMap(t, a, w.impeller, "ERP-IMP", "")
		eventually(t, "the blocked line requested after the fix", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 2 {
				return "requisitions = " + str(len(items)) + "; want 2"
			}
			if l := directLines(t, a, wo)["IMP-7"]; l["procurement_status"] != "requested" || l["blocked_reason"] != "" {
				return "IMP-7 is " + str(l["procurement_status"]) + " " + str(l["blocked_reason"])
			}
			return ""
		})
		// The line is still the releaser's request, not the mapping saver's:
		// segregation of duties is judged against pat.
		for _, req := range a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items() {
			if req["requested_by"] != "pat" {
				t.Fatalf("requisition %v requested_by %v; want pat, who released (link only saved the mapping)", req["number"], req["requested_by"])
			}
			wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.planner, nil), 403, "sod_violation")
		}
		for _, g := range a.do("GET", "/api/v1/integration/data-quality", w.integ, nil).items() {
			if g["record_id"] == w.impeller {
				t.Fatalf("data quality still lists IMP-7 after the fix: %v", g)
			}
		}
		w.mustMap(t, a, w.impeller, "ERP-IMP", "") // again: nothing left to request
		time.Sleep(100 * time.Millisecond)
		if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 2 {
			t.Fatalf("requisitions after mapping again = %d; want still 2", n)
		}

		// A direct line added after the release is requested as the release would have.
		yes := true
		r := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", w.planner,
			map[string]any{"item_id": w.gasket, "quantity": 6, "auto_request_material": yes})
		if r.Status != 201 || r.str("procurement_status") != "requested" {
			t.Fatalf("add a direct line to the released work order = %d %s; want 201 requested", r.Status, r.Raw)
		}
		eventually(t, "the late line requested", func() string {
			if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 3 {
				return "requisitions = " + str(n) + "; want 3"
			}
			return ""
		})
	})
}

// A requisition the ERP refuses (an ERP item code it does not know) is
// failed, not retried, and its lines say why; once the ERP has the item,
// a replay delivers it with the same key, exactly once.
func TestOutboxFailedMessageReplay(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, false)
		// With the ERP master of items, a mapping may name an item the
		// buyer has not created yet.
		if r := a.do("PUT", "/api/v1/integration/settings", w.integ, map[string]any{"item_master": "erp"}); r.Status != 200 {
			t.Fatalf("item_master erp = %d %s", r.Status, r.Raw)
		}
		w.mustMap(t, a, w.impeller, "ERP-IMP-NEW", "")
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "title": "Overhaul P-101"}).str("id")
		mustDrive(t, a, wo, "approve", "release")
		var msg map[string]any
		eventually(t, "message failed", func() string {
			msgs := a.do("GET", "/api/v1/integration/messages?status=failed&work_order_id="+wo, w.integ, nil).items()
			if len(msgs) != 1 {
				return "failed messages = " + str(len(msgs))
			}
			msg = msgs[0]
			return ""
		})
		if !strings.Contains(str(msg["last_error"]), "ERP-IMP-NEW") || msg["attempts"] != float64(1) {
			t.Fatalf("failed message = %v; want last_error naming ERP-IMP-NEW after 1 attempt", msg)
		}
		for part, l := range directLines(t, a, wo) {
			if l["procurement_status"] != "blocked" || !strings.Contains(str(l["blocked_reason"]), "/replay") {
				t.Fatalf("%s line = %v %q; want blocked, saying to replay", part, l["procurement_status"], l["blocked_reason"])
			}
		}
		wantError(t, a.do("POST", "/api/v1/integration/messages/msg_nope/replay", w.integ, nil), 404, "not_found")
		wantError(t, a.do("GET", "/api/v1/integration/messages", "", nil), 401, "unauthorized")
		south := a.token("sly", millwright.Integration, w.OtherSite)
		if got := a.do("GET", "/api/v1/integration/messages", south, nil).items(); len(got) != 0 {
			t.Fatalf("a SOUTH integration user sees %d NORTH messages; want 0", len(got))
		}
		wantError(t, a.do("GET", "/api/v1/integration/messages/"+str(msg["id"]), south, nil), 403, "site_forbidden")
		wantError(t, a.do("POST", "/api/v1/integration/messages/"+str(msg["id"])+"/replay", south, nil), 403, "site_forbidden")
		if got := a.do("GET", "/api/v1/integration/messages?status=delivered&work_order_id="+wo, w.integ, nil).items(); len(got) != 0 {
			t.Fatalf("delivered messages of the work order = %d; want 0 before the replay", len(got))
		}
		wantError(t, a.do("GET", "/api/v1/integration/messages?status=lost", w.integ, nil), 400, "invalid_status")
		if r := a.do("POST", "/api/v1/erp/items", w.buyer, map[string]any{"erp_item_code": "ERP-IMP-NEW", "description": "Impeller",
			"unit": "EA", "stock_type": "direct", "vendor": "KSB", "price": "900.00"}); r.Status != http.StatusCreated {
			t.Fatalf("create ERP item = %d %s", r.Status, r.Raw)
		}
		if r := a.do("POST", "/api/v1/integration/messages/"+str(msg["id"])+"/replay", w.integ, nil); r.Status != 200 || r.str("status") != "pending" {
			t.Fatalf("replay = %d %s; want 200 pending", r.Status, r.Raw)
		}
		eventually(t, "replayed message delivered", func() string {
			m := a.do("GET", "/api/v1/integration/messages/"+str(msg["id"]), w.integ, nil)
			if m.str("status") != "delivered" {
				return "status " + m.str("status") + " " + m.str("last_error")
			}
			for part, l := range directLines(t, a, wo) {
				if l["procurement_status"] != "requested" {
					return part + " is " + str(l["procurement_status"])
				}
			}
			return ""
		})
		if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 1 {
			t.Fatalf("requisitions = %d; want 1", n)
		}
	})
}

// Flow 3: a technician adds a non-stock bearing to a corrective work order
// under way; with Auto Request Material the requisition goes out in the
// technician's name, and the receipt charges the work order at once.
func TestAutoRequestMaterialDirectItemFlow3(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		tech := a.token("tom", millwright.Technician, w.Site)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"asset_id": w.ARMAsset, "title": "Bearing noise"}).str("id")
		mustDrive(t, a, wo, "approve", "release", "start")
		r := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", tech, map[string]any{"item_id": w.Bearing, "quantity": 1})
		if r.Status != 201 || r.Body["direct"] != true || r.str("procurement_status") != "requested" {
			t.Fatalf("technician adds the bearing = %d %s; want 201, direct, requested", r.Status, r.Raw)
		}
		var req map[string]any
		eventually(t, "requisition by the technician", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 1 {
				return "requisitions = " + str(len(items))
			}
			req = items[0]
			return ""
		})
		if req["requested_by"] != "tom" {
			t.Fatalf("requested_by = %v; want tom, whose action caused it", req["requested_by"])
		}
		if x := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.approver, nil); x.Status != 200 {
			t.Fatalf("approve = %d %s", x.Status, x.Raw)
		}
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()[0]
		po = a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(po["id"]), nil).Body
		pl := field(po, "lines", 0).(map[string]any)
		if x := a.do("POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", w.storekeeper,
			map[string]any{"lines": []map[string]any{{"line_id": pl["id"], "quantity": 1}}}); x.Status != 201 {
			t.Fatalf("receipt = %d %s", x.Status, x.Raw)
		}
		eventually(t, "bearing received on the work order", func() string {
			l := directLines(t, a, wo)["BRG-SPC"]
			c := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
			if l["procurement_status"] != "received" || l["actual_cost"] != "250.00" || str(field(c, "actual", "direct")) != "250.00" {
				return "line " + str(l["procurement_status"]) + " " + str(l["actual_cost"]) + ", actual direct " + str(field(c, "actual", "direct"))
			}
			return ""
		})
	})
}

// The trigger point per work-order type: at approval, at release (the
// default), or never.
func TestAutoRequestTriggerPerType(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		put := func(tok string, body any) resp { return a.do("PUT", "/api/v1/integration/settings", tok, body) }
		wantError(t, put(w.integ, map[string]any{"auto_request_trigger": map[string]string{"emergency": "soon"}}), 400, "invalid_trigger")
		wantError(t, put(w.integ, map[string]any{"auto_request_trigger": map[string]string{"urgent": "never"}}), 400, "invalid_type")
		wantError(t, put(w.planner, map[string]any{"auto_request_trigger": map[string]string{"emergency": "never"}}), 403, "forbidden")
		r := put(w.integ, map[string]any{"auto_request_trigger": map[string]string{"emergency": "approval", "corrective": "never"}})
		if r.Status != 200 || field(r.Body, "auto_request_trigger", "emergency") != "approval" ||
			field(r.Body, "auto_request_trigger", "corrective") != "never" || field(r.Body, "auto_request_trigger", "preventive") != "release" {
			t.Fatalf("PUT settings = %d %s; want emergency approval, corrective never, preventive release", r.Status, r.Raw)
		}
		newWO := func(typ string) string {
			id := mustWorkOrder(t, a, w.plant, map[string]any{"type": typ, "asset_id": w.ARMAsset}).str("id")
			if x := a.do("POST", "/api/v1/work-orders/"+id+"/materials", w.planner, map[string]any{"item_id": w.Bearing, "quantity": 1}); x.Status != 201 || x.str("procurement_status") != "none" {
				t.Fatalf("add bearing to a new %s work order = %d %s; want 201, none", typ, x.Status, x.Raw)
			}
			return id
		}
		em := newWO("emergency")
		mustDrive(t, a, em, "approve")
		if s := directLines(t, a, em)["BRG-SPC"]["procurement_status"]; s != "requested" {
			t.Fatalf("emergency line after approval = %v; want requested", s)
		}
		co := newWO("corrective")
		mustDrive(t, a, co, "approve", "release")
		if s := directLines(t, a, co)["BRG-SPC"]["procurement_status"]; s != "none" {
			t.Fatalf("corrective line after release = %v; want none (trigger never)", s)
		}
		if n := len(a.do("GET", "/api/v1/integration/messages?work_order_id="+co, w.integ, nil).items()); n != 0 {
			t.Fatalf("messages of the corrective work order = %d; want 0", n)
		}
		eventually(t, "emergency requisition", func() string {
			if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+em, nil).items()); n != 1 {
				return "requisitions = " + str(n)
			}
			return ""
		})
		mustDrive(t, a, em, "release") // already requested: nothing more
		if n := len(a.do("GET", "/api/v1/integration/messages?work_order_id="+em, w.integ, nil).items()); n != 1 {
			t.Fatalf("messages of the emergency work order after release = %d; want still 1", n)
		}
	})
}

// A rejected requisition blocks its lines with who rejected it and why.
func TestAutoRequestMaterialRejected(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive"}).str("id")
		mustDrive(t, a, wo, "approve", "release")
		var req map[string]any
		eventually(t, "requisition", func() string {
			items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
			if len(items) != 1 {
				return "requisitions = " + str(len(items))
			}
			req = items[0]
			return ""
		})
		if x := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/reject", w.approver, map[string]any{"comment": "use the spare pump's parts"}); x.Status != 200 {
			t.Fatalf("reject = %d %s", x.Status, x.Raw)
		}
		eventually(t, "lines blocked by the rejection", func() string {
			for part, l := range directLines(t, a, wo) {
				want := "requisition " + str(req["number"]) + " was rejected by anna: use the spare pump's parts"
				if l["procurement_status"] != "blocked" || l["blocked_reason"] != want {
					return part + " is " + str(l["procurement_status"]) + " " + str(l["blocked_reason"]) + "; want blocked: " + want
				}
			}
			return ""
		})
	})
}

func TestItemMappings(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		integ := a.token("link", millwright.Integration, "")
		planner := a.token("pat", millwright.Planner, "")
		post := func(tok string, body map[string]any) resp {
			return a.do("POST", "/api/v1/integration/mappings/items", tok, body)
		}
		tests := []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"no item", map[string]any{"erp_item_code": "X"}, 400, "missing_field"},
			{"no code", map[string]any{"item_id": p.Filter}, 400, "missing_field"},
			{"unknown item", map[string]any{"item_id": "itm_nope", "erp_item_code": "X"}, 422, "item_not_found"},
			{"unknown site", map[string]any{"item_id": p.Filter, "site_id": "site_nope", "erp_item_code": "X"}, 422, "site_not_found"},
			{"negative factor", map[string]any{"item_id": p.Filter, "erp_item_code": "X", "factor": -2}, 400, "invalid_factor"},
			{"unit not convertible", map[string]any{"item_id": p.Filter, "erp_item_code": "X", "erp_unit": "PALLET"}, 422, "unit_not_convertible"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantError(t, post(integ, tt.body), tt.status, tt.code) })
		}
		wantError(t, post(planner, map[string]any{"item_id": p.Filter, "erp_item_code": "X"}), 403, "forbidden")

		box := post(integ, map[string]any{"item_id": p.Filter, "erp_item_code": "FLT-10-BOX", "erp_unit": "BOX"})
		if box.Status != 200 || str(box.Body["factor"]) != "10" || box.str("site_id") != "" {
			t.Fatalf("map FLT-10 in boxes = %d %s; want factor 10 from the item's BOX unit, every site", box.Status, box.Raw)
		}
		site := post(integ, map[string]any{"item_id": p.Filter, "site_id": p.Site, "erp_item_code": "FLT-10-N", "factor": 1})
		if site.Status != 200 {
			t.Fatalf("map FLT-10 at NORTH = %d %s", site.Status, site.Raw)
		}
		again := post(integ, map[string]any{"item_id": p.Filter, "site_id": p.Site, "erp_item_code": "FLT-10-N2"})
		if again.str("erp_item_code") != "FLT-10-N2" || str(again.Body["factor"]) != "1" {
			t.Fatalf("replace the NORTH mapping = %s; want FLT-10-N2, factor 1", again.Raw)
		}
		list := a.do("GET", "/api/v1/integration/mappings/items?item_id="+p.Filter, integ, nil).items()
		if len(list) != 2 || list[0]["erp_item_code"] != "FLT-10-BOX" || list[1]["erp_item_code"] != "FLT-10-N2" {
			t.Fatalf("mappings of FLT-10 = %v; want the global one, then NORTH's", list)
		}
	})
}
