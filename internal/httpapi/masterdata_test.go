package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
)

// gaps returns the data-quality gaps of a kind, by record id.
func gaps(t *testing.T, a *api, tok, kind string) map[string]map[string]any {
	t.Helper()
	r := a.do("GET", "/api/v1/integration/data-quality", tok, nil)
	if r.Status != 200 {
		t.Fatalf("data quality = %d %s", r.Status, r.Raw)
	}
	out := map[string]map[string]any{}
	for _, g := range r.items() {
		if g["kind"] == kind {
			out[str(g["record_id"])+"@"+str(g["site_id"])] = g
		}
	}
	return out
}

// onlyRequisition waits for the one requisition of a work order and returns it.
func onlyRequisition(t *testing.T, a *api, wo string) map[string]any {
	t.Helper()
	var req map[string]any
	eventually(t, "one requisition for the work order", func() string {
		items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
		if len(items) != 1 {
			return fmt.Sprintf("requisitions = %d; want 1", len(items))
		}
		req = items[0]
		return ""
	})
	return req
}

// receiveAll approves a requisition and receives its whole purchase order.
func receiveAll(t *testing.T, a *api, w *armWorld, req map[string]any) {
	t.Helper()
	if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.approver, nil); r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Raw)
	}
	for _, po := range a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items() {
		po = a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(po["id"]), nil).Body
		var lines []map[string]any
		for _, l := range po["lines"].([]any) {
			lm := l.(map[string]any)
			lines = append(lines, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"]})
		}
		if r := a.do("POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", w.storekeeper, map[string]any{"lines": lines}); r.Status != 201 {
			t.Fatalf("receipt = %d %s", r.Status, r.Raw)
		}
	}
}

// ledgerOf sums a work order's ledger lines per account (debit − credit)
// and the cost center of each line.
func ledgerOf(t *testing.T, a *api, wo string) (map[string]millwright.Money, map[string]bool) {
	t.Helper()
	sums, centers := map[string]millwright.Money{}, map[string]bool{}
	for _, e := range a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id="+wo, nil).items() {
		for _, l := range e["lines"].([]any) {
			lm := l.(map[string]any)
			if lm["work_order_id"] != wo {
				continue
			}
			acc := str(lm["account"])
			sums[acc] = sums[acc].Add(millwright.MustMoney(str(lm["debit"]))).Sub(millwright.MustMoney(str(lm["credit"])))
			centers[str(lm["cost_center"])] = true
		}
	}
	return sums, centers
}

func wantBalanced(t *testing.T, a *api) {
	t.Helper()
	if tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb.Body["balanced"] != true {
		t.Fatalf("trial balance = %s; want balanced", tb.Raw)
	}
}

// Once a site has a cost-center mapping, a requisition whose cost center
// has none is not sent: its lines say which cost center and how to fix it,
// data quality lists it, and saving the mapping requests the lines once,
// with the ERP's cost center, which the ERP's ledger then carries.
func TestCostCenterMappingGap(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		post := func(tok string, body map[string]any) resp {
			return a.do("POST", "/api/v1/integration/mappings/cost-centers", tok, body)
		}
		for _, tt := range []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"no cost center", map[string]any{"erp_cost_center": "4100"}, 400, "missing_field"},
			{"no ERP cost center", map[string]any{"cost_center": "CC-100"}, 400, "missing_field"},
			{"unknown site", map[string]any{"site_id": "site_nope", "cost_center": "CC-100", "erp_cost_center": "4100"}, 422, "site_not_found"},
		} {
			t.Run(tt.name, func(t *testing.T) { wantError(t, post(w.integ, tt.body), tt.status, tt.code) })
		}
		wantError(t, post(w.planner, map[string]any{"cost_center": "CC-1", "erp_cost_center": "1"}), 403, "forbidden")
		south := a.token("sly", millwright.Integration, w.OtherSite)
		wantError(t, post(south, map[string]any{"cost_center": "CC-1", "erp_cost_center": "1"}), 403, "site_forbidden")

		// No mapping anywhere: nothing is a gap.
		if g := gaps(t, a, w.integ, "unmapped_cost_center"); len(g) != 0 {
			t.Fatalf("unmapped cost centers with no mapping configured = %v; want none (identity)", g)
		}
		if r := post(w.integ, map[string]any{"site_id": w.Site, "cost_center": "CC-900", "erp_cost_center": "4900"}); r.Status != 200 {
			t.Fatalf("map CC-900 at NORTH = %d %s", r.Status, r.Raw)
		}
		g := gaps(t, a, w.integ, "unmapped_cost_center")
		want := "cost center CC-100 (3 assets): no ERP cost center mapped for site NORTH; add one with POST /api/v1/integration/mappings/cost-centers"
		if len(g) != 1 || g["CC-100@"+w.Site]["message"] != want {
			t.Fatalf("unmapped cost centers = %v; want CC-100 at NORTH only: %s", g, want)
		}

		startDispatcher(t, a)
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "title": "Overhaul P-101"}).str("id")
		mustDrive(t, a, wo, "approve", "release")
		for part, l := range directLines(t, a, wo) {
			want := "part " + part + ": cost center CC-100: no ERP cost center mapped for site NORTH; add one with POST /api/v1/integration/mappings/cost-centers"
			if l["procurement_status"] != "blocked" || l["blocked_reason"] != want {
				t.Fatalf("%s line = %v %q; want blocked: %s", part, l["procurement_status"], l["blocked_reason"], want)
			}
		}
		if n := len(a.do("GET", "/api/v1/integration/messages?work_order_id="+wo, w.integ, nil).items()); n != 0 {
			t.Fatalf("messages = %d; want none sent with a gap", n)
		}

		// The fix, for every site: the lines go out once, with the ERP's code.
		r := post(w.integ, map[string]any{"cost_center": "CC-100", "erp_cost_center": "4100"})
		if r.Status != 200 || r.str("erp_cost_center") != "4100" || r.str("site_id") != "" {
			t.Fatalf("map CC-100 = %d %s", r.Status, r.Raw)
		}
		req := onlyRequisition(t, a, wo)
		if req["cost_center"] != "4100" || len(req["lines"].([]any)) != 3 {
			t.Fatalf("requisition = %v; want cost center 4100 with 3 lines", req)
		}
		g = gaps(t, a, w.integ, "unmapped_cost_center")
		if _, ok := g["CC-100@"+w.Site]; ok || g["CC-200@"+w.OtherSite] == nil {
			t.Fatalf("unmapped cost centers after the fix = %v; want CC-100 gone and, a global mapping now existing, SOUTH's CC-200 listed", g)
		}
		list := a.do("GET", "/api/v1/integration/mappings/cost-centers?site_id="+w.Site, w.integ, nil)
		if list.Status != 200 || len(list.items()) != 2 {
			t.Fatalf("cost-center mappings = %d %s; want NORTH's CC-900 and the global CC-100", list.Status, list.Raw)
		}
		if got := a.do("GET", "/api/v1/integration/mappings/cost-centers", south, nil).items(); len(got) != 1 || got[0]["cost_center"] != "CC-100" {
			t.Fatalf("SOUTH sees mappings %v; want the global one only", got)
		}

		receiveAll(t, a, w, req)
		sums, centers := ledgerOf(t, a, wo)
		if sums["6100"].String() != "1432.00" || len(centers) != 1 || !centers["4100"] {
			t.Fatalf("ledger of the work order = %v on cost centers %v; want 1432.00 on 6100, all on 4100", sums, centers)
		}
		wantDirectCostOnce(t, a, wo, "1432.00")
	})
}

// An account mapping decides the expense account the ERP charges; one the
// ERP's chart does not have is listed by data quality and stops the message
// with the account and the fix; saving a good one sends it again, once.
func TestAccountMappingGap(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		post := func(tok string, body map[string]any) resp {
			return a.do("POST", "/api/v1/integration/mappings/accounts", tok, body)
		}
		wantError(t, post(w.integ, map[string]any{"category": "tools", "erp_account": "6100"}), 400, "invalid_category")
		wantError(t, post(w.integ, map[string]any{"category": "labor"}), 400, "missing_field")
		wantError(t, post(w.planner, map[string]any{"category": "labor", "erp_account": "6110"}), 403, "forbidden")
		for _, m := range []map[string]any{
			{"category": "direct_material", "erp_account": "6999"},
			{"category": "services", "site_id": w.Site, "erp_account": "1400"},
		} {
			if r := post(w.integ, m); r.Status != 200 {
				t.Fatalf("map %v = %d %s", m, r.Status, r.Raw)
			}
		}
		g := gaps(t, a, w.integ, "unknown_account")
		if !strings.Contains(str(g["direct_material@"]["message"]), "account 6999, which is not in the ERP's chart of accounts") ||
			!strings.Contains(str(g["services@"+w.Site]["message"]), "account 1400, (Inventory), which takes no maintenance cost") {
			t.Fatalf("unknown accounts = %v; want 6999 for direct_material and 1400 for services at NORTH", g)
		}

		startDispatcher(t, a)
		wo, msg := releaseStopped(t, a, w, "gap")
		if e := str(msg["last_error"]); !strings.Contains(e, "unknown_account: account 6999") || !strings.Contains(e, "POST /api/v1/integration/mappings/accounts") {
			t.Fatalf("last_error = %q; want the account and the fix", e)
		}
		if l := directLines(t, a, wo)["IMP-7"]; l["procurement_status"] != "blocked" ||
			!strings.HasPrefix(str(l["blocked_reason"]), "part IMP-7: the ERP refused the requisition: account 6999 is not in the ERP's chart") {
			t.Fatalf("IMP-7 line = %v %q; want blocked naming the part and the account", l["procurement_status"], l["blocked_reason"])
		}

		// The fix sends it again, rebuilt with the new account.
		if r := post(w.integ, map[string]any{"category": "direct_material", "erp_account": "6120"}); r.Status != 200 {
			t.Fatalf("map direct_material to 6120 = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the message delivered after the fix", func() string {
			m := a.do("GET", "/api/v1/integration/messages/"+str(msg["id"]), w.integ, nil)
			if m.str("status") != "delivered" {
				return "status " + m.str("status") + " " + m.str("last_error")
			}
			return ""
		})
		req := onlyRequisition(t, a, wo)
		if req["expense_account"] != "6120" {
			t.Fatalf("requisition expense_account = %v; want 6120", req["expense_account"])
		}
		if _, ok := gaps(t, a, w.integ, "unknown_account")["direct_material@"]; ok {
			t.Fatal("data quality still lists direct_material after the fix")
		}
		receiveAll(t, a, w, req)
		sums, _ := ledgerOf(t, a, wo)
		if sums["6120"].String() != "1432.00" || !sums["6100"].IsZero() {
			t.Fatalf("ledger of the work order = %v; want 1432.00 on 6120 and nothing on 6100", sums)
		}
		wantDirectCostOnce(t, a, wo, "1432.00")
		list := a.do("GET", "/api/v1/integration/mappings/accounts", w.integ, nil)
		if list.Status != 200 || len(list.items()) != 2 {
			t.Fatalf("account mappings = %d %s; want 2", list.Status, list.Raw)
		}
	})
}

// A mapping whose unit is not the ERP item's is listed by data quality and
// stops the requisition with the unit and the fix; once the mapping is
// fixed, a replay sends the message rebuilt in the ERP's unit, once.
func TestUnitMismatchReplay(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		// The ERP keeps the item master: a mapping does not change its items.
		if r := a.do("PUT", "/api/v1/integration/settings", w.integ, map[string]any{"item_master": "erp"}); r.Status != 200 {
			t.Fatalf("item_master erp = %d %s", r.Status, r.Raw)
		}
		r := a.do("POST", "/api/v1/integration/mappings/items", w.integ,
			map[string]any{"item_id": w.impeller, "erp_item_code": "ERP-IMP", "erp_unit": "SET", "factor": 2})
		if r.Status != 200 {
			t.Fatalf("map IMP-7 in sets = %d %s", r.Status, r.Raw)
		}
		if r := a.do("POST", "/api/v1/integration/mappings/items", w.integ,
			map[string]any{"item_id": w.Filter, "erp_item_code": "ERP-NOPE", "erp_unit": "EA", "factor": 1}); r.Status != 200 {
			t.Fatalf("map FLT-10 = %d %s", r.Status, r.Raw)
		}
		mismatch := gaps(t, a, w.integ, "unit_mismatch")
		want := "part IMP-7 is mapped for every site to ERP item ERP-IMP in SET, but the ERP counts it in EA; set erp_unit EA and the factor (part IMP-7 units in one EA) with POST /api/v1/integration/mappings/items"
		if len(mismatch) != 1 || mismatch[w.impeller+"@"]["message"] != want {
			t.Fatalf("unit mismatches = %v; want IMP-7: %s", mismatch, want)
		}
		if g := gaps(t, a, w.integ, "unknown_erp_item"); g[w.Filter+"@"] == nil || !strings.Contains(str(g[w.Filter+"@"]["message"]), "ERP-NOPE") {
			t.Fatalf("unknown ERP items = %v; want FLT-10's ERP-NOPE", g)
		}

		startDispatcher(t, a)
		wo, msg := releaseStopped(t, a, w, "unit")
		if e := str(msg["last_error"]); !strings.Contains(e, "unit SET") || !strings.Contains(e, "set the item mapping's erp_unit") {
			t.Fatalf("last_error = %q; want the unit and the fix", e)
		}
		if l := directLines(t, a, wo)["IMP-7"]; l["procurement_status"] != "blocked" || !strings.Contains(str(l["blocked_reason"]), "unit SET") {
			t.Fatalf("IMP-7 line = %v %q; want blocked naming the unit", l["procurement_status"], l["blocked_reason"])
		}

		// Fixed behind the API's back (no automatic resend): the replay
		// rebuilds the message from the fixed mapping.
		if err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
			return tx.SaveItemMapping(t.Context(), &integration.ItemMapping{ItemID: w.impeller, ERPItemCode: "ERP-IMP", ERPUnit: "EA", Factor: millwright.NewQty(1)})
		}); err != nil {
			t.Fatal(err)
		}
		if r := a.do("POST", "/api/v1/integration/messages/"+str(msg["id"])+"/replay", w.integ, nil); r.Status != 200 || r.str("status") != "pending" {
			t.Fatalf("replay = %d %s; want 200 pending", r.Status, r.Raw)
		}
		eventually(t, "the replayed message delivered", func() string {
			m := a.do("GET", "/api/v1/integration/messages/"+str(msg["id"]), w.integ, nil)
			if m.str("status") != "delivered" {
				return "status " + m.str("status") + " " + m.str("last_error")
			}
			return ""
		})
		req := onlyRequisition(t, a, wo)
		if req["requested_by"] != "admin" {
			t.Fatalf("replayed requisition requested_by %v; want admin, who released, not link, who replayed", req["requested_by"])
		}
		for _, l := range req["lines"].([]any) {
			lm := l.(map[string]any)
			if lm["erp_item_code"] == "ERP-IMP" && (lm["unit"] != "EA" || str(lm["quantity"]) != "1") {
				t.Fatalf("impeller line = %v; want 1 EA", lm)
			}
		}
		if g := gaps(t, a, w.integ, "unit_mismatch"); len(g) != 0 {
			t.Fatalf("unit mismatches after the fix = %v; want none", g)
		}
		wantError(t, a.do("POST", "/api/v1/integration/messages/"+str(msg["id"])+"/replay", w.integ, nil), 409, "not_replayable")
	})
}

// With the ERP as the master of items, saving an item in the ERP changes
// the mapped CMMS item (price per CMMS unit through the factor); an ERP
// item mapped to nothing waits, listed by data quality, until it is
// mapped. With the CMMS as master the event is kept, not applied.
func TestItemMasterFromERP(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		put := func(body any) resp { return a.do("PUT", "/api/v1/integration/settings", w.integ, body) }
		wantError(t, put(map[string]any{"item_master": "sap"}), 400, "invalid_item_master")
		if s := a.do("GET", "/api/v1/integration/settings", w.integ, nil); s.str("item_master") != "cmms" {
			t.Fatalf("settings = %s; want item_master cmms by default", s.Raw)
		}
		saveERP := func(code, desc, unit, price, vendor string) {
			t.Helper()
			r := a.do("POST", "/api/v1/erp/items", w.buyer, map[string]any{"erp_item_code": code, "description": desc,
				"unit": unit, "stock_type": "direct", "vendor": vendor, "price": price})
			if r.Status != http.StatusCreated && r.Status != http.StatusOK {
				t.Fatalf("save ERP item %s = %d %s", code, r.Status, r.Raw)
			}
		}
		item := func(id string) resp { return a.must(200, "GET", "/api/v1/items/"+id, nil) }

		saveERP("ERP-GSK", "Gasket, ERP text", "EA", "9.00", "Klinger") // the CMMS is master: kept, not applied
		if err := (&outbox.Dispatcher{DB: a.db, Connector: erp.New(a.db)}).Step(millwright.WithPrincipal(t.Context(), millwright.System)); err != nil {
			t.Fatal(err)
		}
		startDispatcher(t, a)
		if r := put(map[string]any{"item_master": "erp"}); r.Status != 200 || r.str("item_master") != "erp" {
			t.Fatalf("PUT item_master erp = %d %s", r.Status, r.Raw)
		}
		saveERP("ERP-IMP", "Impeller, 7 blades", "EA", "950.00", "Sulzer")
		eventually(t, "the impeller changed from the ERP", func() string {
			it := item(w.impeller)
			if it.str("description") != "Impeller, 7 blades" || it.str("unit_cost") != "950.00" || it.str("vendor") != "Sulzer" {
				return string(it.Raw)
			}
			return ""
		})
		if it := item(w.gasket); it.str("description") != "Gasket" || it.str("unit_cost") != "8.00" {
			t.Fatalf("gasket = %s; want unchanged: its change came while the CMMS was master", it.Raw)
		}

		// A box of ten in the ERP: the CMMS's price is per each.
		if r := a.do("POST", "/api/v1/integration/mappings/items", w.integ,
			map[string]any{"item_id": w.Filter, "erp_item_code": "ERP-FLT-BOX", "erp_unit": "BOX"}); r.Status != 200 {
			t.Fatalf("map FLT-10 in boxes = %d %s", r.Status, r.Raw)
		}
		saveERP("ERP-FLT-BOX", "Oil filter, box of 10", "BOX", "100.00", "Mann")
		eventually(t, "the filter's price per each", func() string {
			if it := item(w.Filter); it.str("unit_cost") != "10.00" || it.str("unit") != "EA" {
				return string(it.Raw)
			}
			return ""
		})

		// An ERP item no CMMS item is mapped to waits, and says so.
		saveERP("ERP-VLV", "Ball valve DN50", "EA", "120.00", "KSB")
		eventually(t, "the unmapped ERP item listed", func() string {
			g := gaps(t, a, w.integ, "unmapped_erp_item")["ERP-VLV@"]
			if !strings.Contains(str(g["message"]), "ERP item ERP-VLV changed in the ERP") {
				return fmt.Sprint(g)
			}
			return ""
		})
		vlv := a.must(201, "POST", "/api/v1/items", map[string]any{"part_number": "VLV-50", "description": "Valve",
			"unit": "EA", "stock_type": "direct", "unit_cost": "100.00", "vendor": "X"}).str("id")
		if r := a.do("POST", "/api/v1/integration/mappings/items", w.integ,
			map[string]any{"item_id": vlv, "erp_item_code": "ERP-VLV"}); r.Status != 200 {
			t.Fatalf("map VLV-50 = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the waiting change applied once mapped", func() string {
			if it := item(vlv); it.str("description") != "Ball valve DN50" || it.str("unit_cost") != "120.00" || it.str("vendor") != "KSB" {
				return string(it.Raw)
			}
			if g := gaps(t, a, w.integ, "unmapped_erp_item"); len(g) != 0 {
				return fmt.Sprint("still listed: ", g)
			}
			return ""
		})
	})
}

// Labor and parts issued to a work order whose asset's cost center has no
// ERP mapping, where one is required: the labor entry and the issue are
// recorded (the technician is not refused), their cost messages are kept
// failed naming the cost center and the fix, and saving the mapping sends
// them, posted on the ERP's cost center, once.
func TestCostPostingsWaitForCostCenter(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		w.mustStockedFilter(t, a)
		if r := a.do("POST", "/api/v1/integration/mappings/cost-centers", w.integ,
			map[string]any{"site_id": w.Site, "cost_center": "CC-900", "erp_cost_center": "4900"}); r.Status != 200 {
			t.Fatalf("map CC-900 = %d %s", r.Status, r.Raw)
		}
		startDispatcher(t, a)
		if r := a.do("POST", "/api/v1/stock/adjustments", w.storekeeper, map[string]any{"storeroom_id": w.Store, "item_id": w.Filter,
			"quantity": 10, "unit_cost": "10.00", "reason": "opening balance in the ERP"}); r.Status != 201 {
			t.Fatalf("adjustment = %d %s", r.Status, r.Raw)
		}
		wo := mustWorkOrder(t, a, w.plant, map[string]any{"title": "Noisy pump"}).str("id")
		mustDrive(t, a, wo, "approve", "release", "start")
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/labor", a.admin,
			map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2, "rate": "50.00"}); r.Status != 201 {
			t.Fatalf("labor = %d %s", r.Status, r.Raw)
		}
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", a.admin,
			map[string]any{"item_id": w.Filter, "storeroom_id": w.Store, "quantity": 2}); r.Status != 201 {
			t.Fatalf("issue = %d %s", r.Status, r.Raw)
		}
		byKind := func() map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, m := range a.do("GET", "/api/v1/integration/messages?work_order_id="+wo, w.integ, nil).items() {
				out[str(m["kind"])] = m
			}
			return out
		}
		msgs := byKind()
		for _, kind := range []string{"labor_cost", "stock_movement"} {
			m := msgs[kind]
			want := "unmapped_cost_center: cost center CC-100: no ERP cost center mapped for site NORTH; add one with POST /api/v1/integration/mappings/cost-centers"
			if m == nil || m["status"] != "failed" || m["last_error"] != want {
				t.Fatalf("%s message = %v; want failed: %s", kind, m, want)
			}
		}
		if g := gaps(t, a, w.integ, "unmapped_cost_center"); g["CC-100@"+w.Site] == nil {
			t.Fatalf("data quality = %v; want CC-100 at NORTH listed", g)
		}
		if sums, _ := ledgerOf(t, a, wo); len(sums) != 0 {
			t.Fatalf("ledger of the work order before the fix = %v; want nothing posted", sums)
		}

		if r := a.do("POST", "/api/v1/integration/mappings/cost-centers", w.integ,
			map[string]any{"cost_center": "CC-100", "erp_cost_center": "4100"}); r.Status != 200 {
			t.Fatalf("map CC-100 = %d %s", r.Status, r.Raw)
		}
		eventually(t, "the cost messages delivered", func() string {
			for kind, m := range byKind() {
				if m["status"] != "delivered" {
					return fmt.Sprintf("%s is %v: %v", kind, m["status"], m["last_error"])
				}
			}
			return ""
		})
		sums, centers := ledgerOf(t, a, wo)
		total := sums["6100"] // maintenance expense; the credits are inventory and labor absorption
		if len(centers) != 1 || !centers["4100"] {
			t.Fatalf("ledger of the work order on cost centers %v; want all on 4100", centers)
		}
		c := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
		if got := str(field(c, "actual", "total")); got != total.String() || got != "120.00" {
			t.Fatalf("actual total %s, ledger %s (%v); want both 120.00: 100.00 labor and 2 filters at 10.00", got, total, sums)
		}
		if tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb.Body["balanced"] != true {
			t.Fatalf("trial balance = %s; want balanced", tb.Raw)
		}
	})
}

// releaseStopped releases a preventive overhaul of the pump and returns it
// with the one requisition message the ERP refused (what stopped it names
// the wait).
func releaseStopped(t *testing.T, a *api, w *armWorld, what string) (string, map[string]any) {
	t.Helper()
	wo := mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "title": "Overhaul P-101"}).str("id")
	mustDrive(t, a, wo, "approve", "release")
	var msg map[string]any
	eventually(t, "the message stopped by the "+what, func() string {
		msgs := a.do("GET", "/api/v1/integration/messages?status=failed&work_order_id="+wo, w.integ, nil).items()
		if len(msgs) != 1 {
			return fmt.Sprintf("failed messages = %d", len(msgs))
		}
		msg = msgs[0]
		return ""
	})
	return wo, msg
}

// wantDirectCostOnce checks that a work order's actual direct cost comes to
// want (its ledger lines'), the trial balance is zero, and the ERP made
// exactly one requisition for it.
func wantDirectCostOnce(t *testing.T, a *api, wo, want string) {
	t.Helper()
	eventually(t, "actual cost equals the ledger", func() string {
		c := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
		if got := str(field(c, "actual", "direct")); got != want {
			return "actual direct = " + got
		}
		return ""
	})
	wantBalanced(t, a)
	if n := len(a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()); n != 1 {
		t.Fatalf("requisitions = %d; want exactly 1", n)
	}
}

// mustStockedFilter makes the plant's filter FLT-10 a stock item ERP-FLT
// of the ERP (10.00 EA) and maps it for every site.
func (w *armWorld) mustStockedFilter(t *testing.T, a *api) {
	t.Helper()
	if r := a.do("POST", "/api/v1/erp/items", w.buyer, map[string]any{"erp_item_code": "ERP-FLT", "description": "Oil filter",
		"unit": "EA", "stock_type": "stock", "vendor": "Mann", "price": "10.00"}); r.Status != http.StatusCreated {
		t.Fatalf("create ERP item = %d %s", r.Status, r.Raw)
	}
	w.mustMap(t, a, w.Filter, "ERP-FLT", "")
}
