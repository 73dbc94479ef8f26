package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// erpWorld is an API with two sites, a user per role and an item master.
type erpWorld struct {
	*api
	north, south                   string // site ids
	buyer, buyer2, approver, appr2 string
	finance, storekeeper, tech     string
	integ, southBuyer              string
	seq                            int
}

func newERPWorld(t *testing.T, a *api) *erpWorld {
	t.Helper()
	w := newERPSites(t, a)
	for _, it := range []map[string]any{
		{"erp_item_code": "BRG-6205", "description": "Bearing 6205", "unit": "EA", "stock_type": "direct", "vendor": "SKF", "price": "40.00", "lead_time_days": 5},
		{"erp_item_code": "SEAL-12", "description": "Seal 12 mm", "unit": "EA", "stock_type": "direct", "vendor": "SKF", "price": "12.50"},
		{"erp_item_code": "FLT-10", "description": "Filter", "unit": "EA", "stock_type": "stock", "vendor": "Filtra", "price": "8.00"},
	} {
		if r := a.do("POST", "/api/v1/erp/items", w.buyer, it); r.Status != http.StatusCreated {
			t.Fatalf("create item %v = %d %s", it["erp_item_code"], r.Status, r.Raw)
		}
	}
	return w
}

// newERPSites is an erpWorld with an empty item master.
func newERPSites(t *testing.T, a *api) *erpWorld {
	t.Helper()
	w := &erpWorld{api: a}
	if err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
		for _, s := range []*asset.Site{{Code: "NORTH", Name: "North plant", Currency: "EUR", TimeZone: "Europe/Berlin"},
			{Code: "SOUTH", Name: "South plant", Currency: "EUR", TimeZone: "Europe/Rome"}} {
			if err := tx.CreateSite(t.Context(), s); err != nil {
				return err
			}
			if s.Code == "NORTH" {
				w.north = s.ID
			} else {
				w.south = s.ID
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.buyer = a.token("bob", millwright.Buyer, "")
	w.buyer2 = a.token("bea", millwright.Buyer, "")
	w.approver = a.token("anna", millwright.Approver, "")
	w.appr2 = a.token("arno", millwright.Approver, "")
	w.finance = a.token("fiona", millwright.Finance, "")
	w.storekeeper = a.token("sam", millwright.Storekeeper, "")
	w.tech = a.token("tom", millwright.Technician, "")
	w.integ = a.token("link", millwright.Integration, "")
	w.southBuyer = a.token("sid", millwright.Buyer, w.south)
	return w
}

// send posts a port message as the integration user and returns the response.
func (w *erpWorld) send(actor string, p integration.Payload) resp {
	w.t.Helper()
	w.seq++
	m, err := integration.NewMessage(fmt.Sprintf("msg-%d", w.seq), w.north, "NORTH", actor, time.Now(), p)
	if err != nil {
		w.t.Fatal(err)
	}
	m.TimeZone = "Europe/Berlin"
	return w.do("POST", "/api/v1/erp/messages", w.integ, m)
}

func (w *erpWorld) mustSend(actor string, p integration.Payload) resp {
	w.t.Helper()
	r := w.send(actor, p)
	if r.Status != http.StatusOK {
		w.t.Fatalf("send %s = %d %s", p.Kind(), r.Status, r.Raw)
	}
	return r
}

// request sends a requisition request for work order wo and returns the requisition.
func (w *erpWorld) request(wo string, priority int, lines ...integration.RequisitionLine) map[string]any {
	w.t.Helper()
	w.mustSend("pat", integration.RequisitionRequest{Priority: priority, CostCenter: "CC-PUMPS", WorkOrderID: wo, WorkOrderNumber: "WO-" + wo,
		AssetID: "ast_" + wo, Lines: lines})
	r := w.must(http.StatusOK, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil)
	items := r.items()
	if len(items) == 0 {
		w.t.Fatalf("no requisition for %s", wo)
	}
	return items[len(items)-1]
}

func line(code string, q int64, material string) integration.RequisitionLine {
	return integration.RequisitionLine{ERPItemCode: code, Quantity: millwright.NewQty(q), Unit: "EA", MaterialLineID: material}
}

func field(m map[string]any, path ...any) any {
	var v any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func str(v any) string { return fmt.Sprint(v) }

func TestERPRequisitionsAndApprovals(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPWorld(t, a)
		// By hand: a buyer's requisition, routed to one approver (no rule).
		r := a.do("POST", "/api/v1/erp/requisitions", w.buyer, map[string]any{"site_id": w.north, "priority": 3, "cost_center": "CC-PUMPS",
			"lines": []map[string]any{{"erp_item_code": "BRG-6205", "quantity": 3, "work_order_id": "wo_9", "material_line_id": "mat_9"}}})
		if r.Status != http.StatusCreated || r.str("status") != "submitted" || r.str("amount") != "120.00" || r.str("requested_by") != "bob" {
			t.Fatalf("create requisition = %d %s; want 201 submitted for 120.00 by bob", r.Status, r.Raw)
		}
		id := r.str("id")
		if got := str(field(r.Body, "lines", 0, "material_line_id")); got != "mat_9" {
			t.Fatalf("line material_line_id = %s; want mat_9", got)
		}
		errs := []struct {
			name, method, path, token string
			body                      any
			status                    int
			code                      string
		}{
			{"unknown item", "POST", "/api/v1/erp/requisitions", w.buyer, map[string]any{"site_id": w.north, "lines": []map[string]any{{"erp_item_code": "NOPE", "quantity": 1}}}, 422, "unknown_item"},
			{"no lines", "POST", "/api/v1/erp/requisitions", w.buyer, map[string]any{"site_id": w.north}, 400, "missing_field"},
			{"negative quantity", "POST", "/api/v1/erp/requisitions", w.buyer, map[string]any{"site_id": w.north, "lines": []map[string]any{{"erp_item_code": "BRG-6205", "quantity": -1}}}, 400, "bad_quantity"},
			{"technician may not buy", "POST", "/api/v1/erp/requisitions", w.tech, map[string]any{"site_id": w.north}, 403, "forbidden"},
			{"other site", "POST", "/api/v1/erp/requisitions", w.southBuyer, map[string]any{"site_id": w.north, "lines": []map[string]any{{"erp_item_code": "BRG-6205", "quantity": 1}}}, 403, "site_forbidden"},
			{"requester approves", "POST", "/api/v1/erp/requisitions/" + id + "/approve", w.buyer, map[string]any{"comment": "mine"}, 403, "sod_violation"},
			{"buyer is not the step's role", "POST", "/api/v1/erp/requisitions/" + id + "/approve", w.buyer2, nil, 403, "wrong_approver_role"},
			{"technician approves", "POST", "/api/v1/erp/requisitions/" + id + "/approve", w.tech, nil, 403, "wrong_approver_role"},
			{"other site reads", "GET", "/api/v1/erp/requisitions/" + id, w.southBuyer, nil, 403, "site_forbidden"},
			{"no such requisition", "GET", "/api/v1/erp/requisitions/req_nope", w.buyer, nil, 404, "not_found"},
			{"unknown field", "POST", "/api/v1/erp/requisitions/" + id + "/reject", w.approver, map[string]any{"why": "x"}, 400, "unknown_field"},
		}
		for _, e := range errs {
			t.Run(e.name, func(t *testing.T) { wantError(t, a.do(e.method, e.path, e.token, e.body), e.status, e.code) })
		}
		if msg := str(field(a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.buyer, nil).Body, "error", "message")); !strings.Contains(msg, "segregation of duties") {
			t.Fatalf("sod message = %q; want it to say why (segregation of duties)", msg)
		}
		if got := a.do("GET", "/api/v1/erp/requisitions?status=submitted", w.southBuyer, nil).items(); len(got) != 0 {
			t.Fatalf("a SOUTH buyer sees %d NORTH requisitions; want 0", len(got))
		}

		r = a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.approver, map[string]any{"comment": "go ahead"})
		if r.Status != http.StatusOK || r.str("status") != "ordered" {
			t.Fatalf("approve = %d %s; want 200 ordered", r.Status, r.Raw)
		}
		if d := field(r.Body, "decisions", 0).(map[string]any); d["actor"] != "anna" || d["comment"] != "go ahead" || d["decision"] != "approved" || d["at"] == "" {
			t.Fatalf("decision = %v; want anna's approval with her comment and time", d)
		}
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.appr2, nil), 409, "illegal_transition")
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+id+"/cancel", w.buyer, nil), 409, "illegal_transition")

		pos := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+id, nil).items()
		if len(pos) != 1 || pos[0]["vendor"] != "SKF" || pos[0]["status"] != "open" {
			t.Fatalf("purchase orders = %v; want one open SKF order", pos)
		}
		promised := time.Now().In(mustLoc(t, "Europe/Berlin")).AddDate(0, 0, 5).Format(time.DateOnly)
		if pos[0]["promised_date"] != promised || str(field(pos[0], "lines", 0, "work_order_id")) != "wo_9" ||
			str(field(pos[0], "lines", 0, "requisition_line_id")) != str(field(r.Body, "lines", 0, "id")) {
			t.Fatalf("order = %v; want promised %s (today + 5 days lead time), line tied to the requisition line and wo_9", pos[0], promised)
		}
		if got := a.must(200, "GET", "/api/v1/erp/purchase-orders?item_id=SEAL-12", nil).items(); len(got) != 0 {
			t.Fatalf("orders of SEAL-12 = %d; want 0", len(got))
		}

		// Reject and cancel.
		rej := w.request("wo_2", 3, line("SEAL-12", 2, "m2"))
		r = a.do("POST", "/api/v1/erp/requisitions/"+str(rej["id"])+"/reject", w.approver, map[string]any{"comment": "use stock seals"})
		if r.Status != 200 || r.str("status") != "rejected" || str(field(r.Body, "decisions", 0, "comment")) != "use stock seals" {
			t.Fatalf("reject = %d %s; want rejected with the comment", r.Status, r.Raw)
		}
		can := w.request("wo_3", 3, line("SEAL-12", 1, "m3"))
		if r := a.do("POST", "/api/v1/erp/requisitions/"+str(can["id"])+"/cancel", w.buyer, map[string]any{"comment": "not needed"}); r.Status != 200 || r.str("status") != "cancelled" {
			t.Fatalf("cancel = %d %s; want cancelled", r.Status, r.Raw)
		}
		for q, want := range map[string]int{"status=rejected": 1, "status=cancelled": 1, "work_order_id=wo_9": 1, "item_id=SEAL-12": 2, "status=ordered": 1} {
			if got := len(a.must(200, "GET", "/api/v1/erp/requisitions?"+q, nil).items()); got != want {
				t.Errorf("requisitions?%s = %d; want %d", q, got, want)
			}
		}
		// A draft waits until submitted.
		r = a.do("POST", "/api/v1/erp/requisitions", w.buyer, map[string]any{"site_id": w.north, "draft": true,
			"lines": []map[string]any{{"erp_item_code": "SEAL-12", "quantity": 1}}})
		if r.str("status") != "draft" {
			t.Fatalf("draft = %s; want draft", r.Raw)
		}
		if s := a.do("POST", "/api/v1/erp/requisitions/"+r.str("id")+"/submit", w.buyer, nil); s.str("status") != "submitted" {
			t.Fatalf("submit = %s; want submitted", s.Raw)
		}
	})
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestERPApprovalRules(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPWorld(t, a)
		post := func(tok string, body map[string]any) resp {
			return a.do("POST", "/api/v1/erp/approval-rules", tok, body)
		}
		wantError(t, post(w.buyer, map[string]any{"approver_role": "approver"}), 403, "forbidden")
		wantError(t, post(w.finance, map[string]any{"max_priority": 9}), 400, "bad_priority")
		wantError(t, post(w.finance, map[string]any{"min_amount": "500", "max_amount": "100"}), 400, "bad_amount")
		wantError(t, post(w.finance, map[string]any{"approver_role": "wizard"}), 400, "bad_role")
		wantError(t, post(w.finance, map[string]any{"auto_approve": true, "fast_path": true}), 400, "bad_rule")

		fast := post(w.finance, map[string]any{"site_id": w.north, "max_priority": 1, "fast_path": true, "approver_role": "approver"})
		if fast.Status != 201 {
			t.Fatalf("create fast-path rule = %d %s", fast.Status, fast.Raw)
		}
		auto := post(w.finance, map[string]any{"site_id": w.north, "max_amount": "100", "auto_approve": true})
		chain := post(w.finance, map[string]any{"site_id": w.north, "min_amount": "100", "max_amount": "1000", "steps": []string{"approver", "finance"}})
		overlap := post(w.finance, map[string]any{"site_id": w.north, "min_amount": "900", "approver_role": "finance"})
		if overlap.Status != 201 {
			t.Fatalf("create overlapping rule = %d %s", overlap.Status, overlap.Raw)
		}
		problems := field(overlap.Body, "problems").([]any)
		if len(problems) == 0 {
			t.Fatalf("saving an overlapping rule reported no problems; want the overlap")
		}
		v := a.must(200, "GET", "/api/v1/erp/approval-rules/validate", nil)
		var overlaps, gaps int
		for _, p := range field(v.Body, "problems").([]any) {
			pm := p.(map[string]any)
			switch pm["kind"] {
			case "overlap":
				overlaps++
				if !strings.Contains(str(pm["message"]), "from 900.00 up to (not including) 1000.00") {
					t.Errorf("overlap message = %q; want the overlapping range 900.00–1000.00", pm["message"])
				}
			case "gap":
				gaps++
			}
		}
		if overlaps == 0 || v.Body["ok"] != false {
			t.Fatalf("validate = %s; want the 900–1000 overlap reported", v.Raw)
		}
		// Narrow the overlapping rule: the set is clean for the site.
		ovID := str(field(overlap.Body, "rule", "id"))
		if r := a.do("PUT", "/api/v1/erp/approval-rules/"+ovID, w.finance, map[string]any{"site_id": w.north, "min_amount": "1000", "approver_role": "finance"}); r.Status != 200 {
			t.Fatalf("update rule = %d %s", r.Status, r.Raw)
		}
		v = a.must(200, "GET", "/api/v1/erp/approval-rules/validate", nil)
		for _, p := range field(v.Body, "problems").([]any) {
			if pm := p.(map[string]any); pm["site_id"] == w.north {
				t.Fatalf("problem left after fixing the overlap: %v", pm)
			}
		}
		_ = gaps

		// Auto-approve below 100: ordered at once, no review.
		r := w.request("wo_a", 3, line("SEAL-12", 2, "m1"))
		if r["status"] != "ordered" || str(field(r, "decisions", 0, "decision")) != "auto_approved" || r["rule_id"] != str(field(auto.Body, "rule", "id")) {
			t.Fatalf("small requisition = %v; want ordered, auto_approved by the auto rule", r)
		}
		// Chain of two roles.
		r = w.request("wo_c", 3, line("BRG-6205", 5, "m2"))
		if r["status"] != "submitted" || str(r["steps"]) != "[approver finance]" || r["rule_id"] != str(field(chain.Body, "rule", "id")) {
			t.Fatalf("200.00 requisition = %v; want submitted with steps approver, finance", r)
		}
		id := str(r["id"])
		wantError(t, a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.finance, nil), 403, "wrong_approver_role")
		if x := a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.approver, nil); x.str("status") != "submitted" || str(x.Body["step"]) != "2" {
			t.Fatalf("first approval = %s; want submitted, waiting at step 2", x.Raw)
		}
		if x := a.do("POST", "/api/v1/erp/requisitions/"+id+"/approve", w.finance, map[string]any{"comment": "budget ok"}); x.str("status") != "ordered" {
			t.Fatalf("second approval = %s; want ordered", x.Raw)
		}
		// Emergency fast path: ordered at once, review to do.
		r = w.request("wo_e", 1, line("BRG-6205", 30, "m3"))
		if r["status"] != "ordered" || str(field(r, "decisions", 0, "decision")) != "fast_path_approved" {
			t.Fatalf("emergency requisition = %v; want ordered on the fast path", r)
		}
		reviews := a.must(200, "GET", "/api/v1/erp/reviews?status=open", nil).items()
		if len(reviews) != 1 || reviews[0]["requisition_id"] != r["id"] || reviews[0]["role"] != "approver" {
			t.Fatalf("open reviews = %v; want one for the emergency requisition, for approver", reviews)
		}
		rid := str(reviews[0]["id"])
		wantError(t, a.do("POST", "/api/v1/erp/reviews/"+rid+"/complete", w.buyer, nil), 403, "wrong_approver_role")
		done := a.do("POST", "/api/v1/erp/reviews/"+rid+"/complete", w.approver, map[string]any{"comment": "justified: pump down"})
		if done.Status != 200 || done.str("status") != "reviewed" || done.str("reviewed_by") != "anna" {
			t.Fatalf("complete review = %d %s; want reviewed by anna", done.Status, done.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/erp/reviews/"+rid+"/complete", w.appr2, nil), 409, "illegal_transition")
		if got := a.must(200, "GET", "/api/v1/erp/reviews?status=open", nil).items(); len(got) != 0 {
			t.Fatalf("open reviews after review = %d; want 0", len(got))
		}
		// Rules list, get, delete.
		if got := len(a.must(200, "GET", "/api/v1/erp/approval-rules", nil).items()); got != 4 {
			t.Fatalf("rules = %d; want 4", got)
		}
		if r := a.do("DELETE", "/api/v1/erp/approval-rules/"+ovID, w.finance, nil); r.Status != 204 {
			t.Fatalf("delete rule = %d %s", r.Status, r.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/erp/approval-rules/"+ovID, w.finance, nil), 404, "not_found")
		wantError(t, a.do("DELETE", "/api/v1/erp/approval-rules/"+ovID, w.finance, nil), 404, "not_found")
	})
}

func TestERPReceiptsInvoicesAndLedger(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPWorld(t, a)
		r := w.request("wo_1", 3, line("BRG-6205", 4, "m1"), line("FLT-10", 10, "m2"))
		a.must(200, "POST", "/api/v1/erp/requisitions/"+str(r["id"])+"/approve", nil)
		pos := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(r["id"]), nil).items()
		if len(pos) != 2 {
			t.Fatalf("orders = %d; want 2 (SKF, Filtra)", len(pos))
		}
		var skf, filtra map[string]any
		for _, po := range pos {
			if po["vendor"] == "SKF" {
				skf = po
			} else {
				filtra = po
			}
		}
		brg, flt := str(field(skf, "lines", 0, "id")), str(field(filtra, "lines", 0, "id"))
		receipt := func(po map[string]any, tok, lineID string, q any) resp {
			return a.do("POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", tok, map[string]any{"lines": []map[string]any{{"line_id": lineID, "quantity": q}}})
		}
		wantError(t, receipt(skf, w.buyer, brg, 1), 403, "forbidden")
		wantError(t, receipt(skf, w.storekeeper, brg, 5), 422, "over_receipt")
		wantError(t, receipt(skf, w.storekeeper, "pol_nope", 1), 422, "unknown_line")
		wantError(t, receipt(skf, w.storekeeper, brg, 0), 400, "bad_quantity")
		wantError(t, a.do("POST", "/api/v1/erp/purchase-orders/po_nope/receipts", w.storekeeper, map[string]any{"lines": []map[string]any{{"line_id": brg, "quantity": 1}}}), 404, "not_found")
		if x := receipt(skf, w.storekeeper, brg, 3); x.Status != 201 || str(field(x.Body, "purchase_order", "status")) != "partially_received" {
			t.Fatalf("partial receipt = %d %s; want 201, partially_received", x.Status, x.Raw)
		}
		if x := receipt(skf, w.storekeeper, brg, 1); str(field(x.Body, "purchase_order", "status")) != "received" {
			t.Fatalf("full receipt = %s; want received", x.Raw)
		}
		wantError(t, receipt(skf, w.storekeeper, brg, 1), 409, "illegal_transition")
		receipt(filtra, w.storekeeper, flt, 10)

		// Stock at the PO price; direct items charged to the work order.
		stock := a.must(200, "GET", "/api/v1/erp/stock?item_id=FLT-10", nil).items()
		if len(stock) != 1 || str(stock[0]["quantity"]) != "10" || stock[0]["value"] != "80.00" || stock[0]["warehouse"] != "MAIN" || stock[0]["erp_item_code"] != "FLT-10" {
			t.Fatalf("stock = %v; want 10 FLT-10 in MAIN worth 80.00", stock)
		}
		entries := a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id=wo_1", nil).items()
		if len(entries) != 2 {
			t.Fatalf("entries of wo_1 = %d; want 2 (two receipts of bearings)", len(entries))
		}
		l0 := field(entries[0], "lines", 0).(map[string]any)
		if l0["account"] != "6100" || l0["debit"] != "120.00" || l0["work_order_id"] != "wo_1" || l0["cost_center"] != "CC-PUMPS" || l0["asset_id"] != "ast_wo_1" {
			t.Fatalf("first receipt line = %v; want Dr 6100 120.00 for wo_1, CC-PUMPS, ast_wo_1", l0)
		}

		// Invoices: within tolerance posts, beyond is held, more than received is held.
		invoice := func(tok string, po map[string]any, lineID string, q int, price string) resp {
			return a.do("POST", "/api/v1/erp/invoices", tok, map[string]any{"purchase_order_id": po["id"],
				"lines": []map[string]any{{"line_id": lineID, "quantity": q, "unit_price": price}}})
		}
		wantError(t, invoice(w.tech, skf, brg, 4, "40"), 403, "forbidden")
		wantError(t, a.do("POST", "/api/v1/erp/invoices", w.finance, map[string]any{"purchase_order_id": "po_nope", "lines": []map[string]any{{"line_id": brg, "quantity": 1, "unit_price": "1"}}}), 422, "unknown_purchase_order")
		held := invoice(w.finance, skf, brg, 4, "42.00") // +5 %
		if held.Status != 201 || held.str("status") != "held" || !strings.Contains(held.str("reason"), "the difference 8.00 is beyond the tolerance of 3.20") {
			t.Fatalf("invoice 5%% over = %d %s; want held, beyond the tolerance", held.Status, held.Raw)
		}
		over := invoice(w.finance, filtra, flt, 11, "8.00")
		if over.str("status") != "held" || !strings.Contains(over.str("reason"), "only 10 received") {
			t.Fatalf("invoice of 11 received 10 = %s; want held saying only 10 received", over.Raw)
		}
		ok := invoice(w.buyer, skf, brg, 4, "40.60") // +1.5 %
		if ok.str("status") != "posted" || ok.str("amount") != "162.40" {
			t.Fatalf("invoice 1.5%% over = %s; want posted 162.40", ok.Raw)
		}
		if x := invoice(w.finance, skf, brg, 1, "40"); x.str("status") != "held" { // nothing left to invoice
			t.Fatalf("invoice of a fully invoiced line = %s; want held", x.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/erp/invoices/"+ok.str("id"), w.southBuyer, nil), 403, "site_forbidden")
		if got := a.do("GET", "/api/v1/erp/invoices", w.southBuyer, nil).items(); len(got) != 0 {
			t.Fatalf("a SOUTH buyer sees %d NORTH invoices; want 0", len(got))
		}
		if got := a.do("GET", "/api/v1/erp/ledger/entries", w.southBuyer, nil).items(); len(got) != 0 {
			t.Fatalf("a SOUTH buyer sees %d NORTH entries; want 0", len(got))
		}
		stockInv := invoice(w.finance, filtra, flt, 10, "8.10")
		if stockInv.str("status") != "posted" {
			t.Fatalf("stock invoice = %s; want posted", stockInv.Raw)
		}
		tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil)
		bal := map[string]string{}
		for _, acct := range field(tb.Body, "accounts").([]any) {
			am := acct.(map[string]any)
			bal[str(am["account"])] = str(am["balance"])
		}
		if tb.Body["balanced"] != true || bal["6100"] != "162.40" || bal["6150"] != "1.00" || bal["1400"] != "80.00" || bal["2100"] != "0.00" || bal["2000"] != "-243.40" {
			t.Fatalf("trial balance = %v; want balanced, 6100 162.40 (invoiced bearings), 6150 1.00, 1400 80.00, GR/IR 0, AP -243.40", bal)
		}
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(skf["id"]), nil)
		if po.str("status") != "invoiced" {
			t.Fatalf("SKF order = %s; want invoiced", po.str("status"))
		}
		if got := len(a.must(200, "GET", "/api/v1/erp/invoices?status=held", nil).items()); got != 3 {
			t.Fatalf("held invoices = %d; want 3", got)
		}
		if r := a.do("POST", "/api/v1/erp/purchase-orders/"+str(skf["id"])+"/close", w.buyer, nil); r.str("status") != "closed" {
			t.Fatalf("close = %s; want closed", r.Raw)
		}

		// Manual entries and reversals.
		entry := func(lines ...map[string]any) resp {
			return a.do("POST", "/api/v1/erp/ledger/entries", w.finance, map[string]any{"memo": "accrual", "lines": lines})
		}
		dr := func(acct, amt string) map[string]any {
			return map[string]any{"account": acct, "debit": amt, "credit": "0", "cost_center": "CC-PUMPS", "work_order_id": "wo_1"}
		}
		cr := func(acct, amt string) map[string]any {
			return map[string]any{"account": acct, "debit": "0", "credit": amt, "cost_center": "CC-PUMPS"}
		}
		wantError(t, entry(dr("6100", "10.00"), cr("2000", "9.99")), 422, "unbalanced")
		wantError(t, entry(dr("6100", "10.00")), 422, "unbalanced")
		wantError(t, entry(dr("9999", "10.00"), cr("2000", "10.00")), 422, "unknown_account")
		wantError(t, entry(dr("1400", "10.00"), cr("2000", "10.00")), 422, "control_account")
		wantError(t, entry(dr("6100", "10.005"), cr("2000", "10.005")), 400, "invalid_amount")
		je := entry(dr("6100", "25.00"), cr("2000", "25.00"))
		if je.Status != 201 || je.str("number") == "" {
			t.Fatalf("manual entry = %d %s; want 201 with a number", je.Status, je.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries/"+je.str("id")+"/reverse", w.buyer, nil), 403, "forbidden")
		rev := a.do("POST", "/api/v1/erp/ledger/entries/"+je.str("id")+"/reverse", w.finance, map[string]any{"memo": "booked twice"})
		if rev.Status != 201 || rev.str("reverses_id") != je.str("id") || str(field(rev.Body, "lines", 0, "credit")) != "25.00" {
			t.Fatalf("reversal = %d %s; want 201 crediting 6100 25.00", rev.Status, rev.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries/"+je.str("id")+"/reverse", w.finance, nil), 409, "already_reversed")
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries/je_nope/reverse", w.finance, nil), 404, "not_found")
		receiptEntry := str(entries[0]["id"])
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries/"+receiptEntry+"/reverse", w.finance, nil), 422, "document_entry")
		if got := a.must(200, "GET", "/api/v1/erp/ledger/entries/"+je.str("id"), nil).str("reversed_by"); got != rev.str("id") {
			t.Fatalf("reversed_by = %q; want %s", got, rev.str("id"))
		}
		if got := len(a.must(200, "GET", "/api/v1/erp/ledger/entries?cost_center=CC-PUMPS", nil).items()); got < 4 {
			t.Fatalf("entries of CC-PUMPS = %d; want at least 4", got)
		}
		if tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb.Body["balanced"] != true {
			t.Fatalf("trial balance after manual entries = %s; want balanced", tb.Raw)
		}
	})
}

func TestERPStockMessagesAndBudgets(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPWorld(t, a)
		period := time.Now().In(mustLoc(t, "Europe/Berlin")).Format("2006-01")
		wantError(t, a.do("POST", "/api/v1/erp/budgets", w.buyer, map[string]any{"cost_center": "CC-PUMPS", "period": period, "amount": "500"}), 403, "forbidden")
		wantError(t, a.do("POST", "/api/v1/erp/budgets", w.finance, map[string]any{"cost_center": "CC-PUMPS", "period": "2026-13", "amount": "500"}), 400, "bad_period")
		wantError(t, a.do("GET", "/api/v1/erp/budgets/status?cost_center=CC-PUMPS&period=March", w.finance, nil), 400, "bad_period")
		if r := a.do("POST", "/api/v1/erp/budgets", w.finance, map[string]any{"cost_center": "CC-PUMPS", "period": period, "amount": "500"}); r.Status != 201 || r.str("budget") != "500.00" {
			t.Fatalf("create budget = %d %s", r.Status, r.Raw)
		}
		status := func() resp {
			return a.must(200, "GET", "/api/v1/erp/budgets/status?cost_center=CC-PUMPS&period="+period, nil)
		}

		// Labor posts as it arrives and shows in the budget at once.
		r := w.mustSend("tom", integration.LaborCost{WorkOrderID: "wo_1", AssetID: "ast_1", CostCenter: "CC-PUMPS", Hours: millwright.MustQty("2.5"), Amount: millwright.MustMoney("150.00")})
		evs := field(r.Body, "events").([]any)
		if len(evs) != 1 || field(evs[0].(map[string]any), "kind") != "cost_posted" || field(evs[0].(map[string]any), "document_key") != "work_order:wo_1" {
			t.Fatalf("labor events = %v; want one cost_posted for work_order:wo_1", evs)
		}
		if s := status(); s.str("actual") != "150.00" || s.str("forecast") != "150.00" || s.str("variance") != "350.00" || s.Body["alert"] != false {
			t.Fatalf("status after labor = %s; want actual 150.00, variance 350.00, no alert", s.Raw)
		}
		// A direct item on order is committed.
		req := w.request("wo_1", 3, line("BRG-6205", 5, "m1"))
		a.must(200, "POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", nil)
		if s := status(); s.str("committed") != "200.00" || s.str("forecast") != "350.00" {
			t.Fatalf("status with 5 bearings on order = %s; want committed 200.00, forecast 350.00", s.Raw)
		}
		// Another labor entry takes the forecast over budget: alert and event.
		w.mustSend("tom", integration.LaborCost{WorkOrderID: "wo_1", CostCenter: "CC-PUMPS", Amount: millwright.MustMoney("200.00")})
		if s := status(); s.Body["alert"] != true || s.str("variance") != "-50.00" {
			t.Fatalf("status over budget = %s; want alert, variance -50.00", s.Raw)
		}
		events := a.do("GET", "/api/v1/erp/events?after=0&limit=500", w.integ, nil).items()
		var alerts int
		for _, e := range events {
			if e["kind"] == "budget_alert" && e["document_key"] == "budget:CC-PUMPS:"+period {
				alerts++
			}
		}
		if alerts != 1 {
			t.Fatalf("budget alerts = %d; want 1", alerts)
		}
		wantError(t, a.do("GET", "/api/v1/erp/events", w.buyer, nil), 403, "forbidden")
		page := a.do("GET", "/api/v1/erp/events?limit=2", w.integ, nil)
		if len(page.items()) != 2 || page.str("next_cursor") == "" {
			t.Fatalf("events page = %s; want 2 events and a cursor", page.Raw)
		}
		next := a.do("GET", "/api/v1/erp/events?after="+page.str("next_cursor")+"&limit=2", w.integ, nil).items()
		if str(next[0]["seq"]) == str(page.items()[1]["seq"]) {
			t.Fatalf("next page starts at %v; want after %v", next[0]["seq"], page.items()[1]["seq"])
		}

		// Stock: a level below the reorder point starts one replenishment.
		w.mustSend("system", integration.StockLevel{ERPItemCode: "FLT-10", Warehouse: "MAIN", OnHand: millwright.NewQty(2),
			ReorderPoint: millwright.NewQty(5), ReorderQuantity: millwright.NewQty(20)})
		w.mustSend("system", integration.StockLevel{ERPItemCode: "FLT-10", Warehouse: "MAIN", OnHand: millwright.NewQty(1),
			ReorderPoint: millwright.NewQty(5), ReorderQuantity: millwright.NewQty(20)})
		reord := a.must(200, "GET", "/api/v1/erp/requisitions?item_id=FLT-10", nil).items()
		if len(reord) != 1 || reord[0]["requested_by"] != "system" || str(field(reord[0], "lines", 0, "quantity")) != "20" {
			t.Fatalf("replenishments = %v; want one by system for 20", reord)
		}
		// Receive it, then issue: Dr maintenance expense / Cr inventory at the moving average.
		a.must(200, "POST", "/api/v1/erp/requisitions/"+str(reord[0]["id"])+"/approve", nil)
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders?item_id=FLT-10", nil).items()[0]
		a.must(201, "POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", map[string]any{"lines": []map[string]any{{"line_id": field(po, "lines", 0, "id"), "quantity": 20}}})
		issue := integration.StockMovement{Movement: "issue", ERPItemCode: "FLT-10", Warehouse: "MAIN", Quantity: millwright.NewQty(-3),
			WorkOrderID: "wo_2", CostCenter: "CC-PUMPS"}
		w.mustSend("tom", issue)
		stock := a.must(200, "GET", "/api/v1/erp/stock?item_id=FLT-10", nil).items()[0]
		if str(stock["quantity"]) != "17" || stock["value"] != "136.00" {
			t.Fatalf("stock after issuing 3 = %v; want 17 worth 136.00", stock)
		}
		wo2 := a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id=wo_2", nil).items()
		if len(wo2) != 1 || str(field(wo2[0], "lines", 1, "debit")) != "24.00" || str(field(wo2[0], "lines", 1, "account")) != "6100" {
			t.Fatalf("issue entry = %v; want Dr 6100 24.00", wo2)
		}
		wantError(t, w.send("tom", integration.StockMovement{Movement: "issue", ERPItemCode: "FLT-10", Warehouse: "MAIN", Quantity: millwright.NewQty(-50)}), 422, "insufficient_stock")
		wantError(t, w.send("tom", integration.StockMovement{Movement: "issue", ERPItemCode: "FLT-10", Warehouse: "MAIN", Quantity: millwright.NewQty(3)}), 400, "bad_quantity")
		wantError(t, w.send("tom", integration.StockMovement{Movement: "issue", ERPItemCode: "NOPE-9", Warehouse: "MAIN", Quantity: millwright.NewQty(-1)}), 422, "unknown_item")
		wantError(t, w.send("pat", integration.RequisitionRequest{Priority: 2, Lines: []integration.RequisitionLine{line("NOPE-9", 1, "")}}), 422, "unknown_item")

		// Idempotency of messages: the same key answers the same, another body is refused.
		m, _ := integration.NewMessage("fixed-key", w.north, "NORTH", "tom", time.Now(), integration.LaborCost{WorkOrderID: "wo_3", CostCenter: "CC-FANS", Amount: millwright.MustMoney("10")})
		first := a.do("POST", "/api/v1/erp/messages", w.integ, m)
		again := a.do("POST", "/api/v1/erp/messages", w.integ, m)
		if first.Status != 200 || string(first.Raw) != string(again.Raw) {
			t.Fatalf("repeat = %s; want the first answer %s", again.Raw, first.Raw)
		}
		if got := len(a.must(200, "GET", "/api/v1/erp/ledger/entries?work_order_id=wo_3", nil).items()); got != 1 {
			t.Fatalf("entries of wo_3 after a repeated message = %d; want 1", got)
		}
		m.Payload = json.RawMessage(`{"work_order_id":"wo_3","cost_center":"CC-FANS","amount":"99"}`)
		wantError(t, a.do("POST", "/api/v1/erp/messages", w.integ, m), 409, "idempotency_key_reused")
		wantError(t, a.do("POST", "/api/v1/erp/messages", w.buyer, m), 403, "forbidden")
	})
}

func TestERPSettingsTolerance(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPWorld(t, a)
		if s := a.must(200, "GET", "/api/v1/erp/settings", nil); str(s.Body["invoice_tolerance_percent"]) != "2" || str(s.Body["default_lead_time_days"]) != "7" {
			t.Fatalf("default settings = %s; want 2%% tolerance, 7 days lead time", s.Raw)
		}
		wantError(t, a.do("PUT", "/api/v1/erp/settings", w.buyer, map[string]any{"invoice_tolerance_percent": 5}), 403, "forbidden")
		wantError(t, a.do("PUT", "/api/v1/erp/settings", w.finance, map[string]any{"invoice_tolerance_percent": -1}), 400, "bad_amount")
		if s := a.do("PUT", "/api/v1/erp/settings", w.finance, map[string]any{"invoice_tolerance_percent": 0, "invoice_tolerance_amount": "5.00"}); s.Status != 200 {
			t.Fatalf("put settings = %d %s", s.Status, s.Raw)
		}
		r := w.request("wo_1", 3, line("BRG-6205", 10, "m1"))
		a.must(200, "POST", "/api/v1/erp/requisitions/"+str(r["id"])+"/approve", nil)
		po := a.must(200, "GET", "/api/v1/erp/purchase-orders?work_order_id=wo_1", nil).items()[0]
		lineID := field(po, "lines", 0, "id")
		a.must(201, "POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", map[string]any{"lines": []map[string]any{{"line_id": lineID, "quantity": 10}}})
		inv := func(price string) resp {
			return a.must(201, "POST", "/api/v1/erp/invoices", map[string]any{"purchase_order_id": po["id"], "lines": []map[string]any{{"line_id": lineID, "quantity": 10, "unit_price": price}}})
		}
		if got := inv("40.60").str("status"); got != "held" { // 6.00 over, tolerance 5.00
			t.Fatalf("invoice 6.00 over a 5.00 tolerance = %s; want held", got)
		}
		if got := inv("40.50").str("status"); got != "posted" {
			t.Fatalf("invoice 5.00 over a 5.00 tolerance = %s; want posted", got)
		}
	})
}

// TestERPLinesNameTheItem: requisition and purchase-order lines, listed and
// read alone, carry the ERP item's erp_item_code beside its item_id; the
// lists' ?item_id= and the stock's take either. The item master comes from
// item_master messages, as the CMMS fills it.
func TestERPLinesNameTheItem(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newERPSites(t, a)
		ids := map[string]string{} // erp_item_code → the ERP item's id
		for _, it := range []integration.ItemMaster{
			{ERPItemCode: "BRG-6205", Description: "Bearing 6205", Unit: "EA", StockType: "direct", Vendor: "SKF", Price: millwright.MustMoney("40.00")},
			{ERPItemCode: "SEAL-12", Description: "Seal 12 mm", Unit: "EA", StockType: "direct", Vendor: "SKF", Price: millwright.MustMoney("12.50")},
			{ERPItemCode: "FLT-10", Description: "Filter", Unit: "EA", StockType: "stock", Vendor: "Filtra", Price: millwright.MustMoney("8.00")},
			{ERPItemCode: "FLT-20", Description: "Filter, large", Unit: "EA", StockType: "stock", Vendor: "Filtra", Price: millwright.MustMoney("11.00")},
		} {
			w.mustSend("pat", it)
			got := a.must(http.StatusOK, "GET", "/api/v1/erp/items?erp_item_code="+it.ERPItemCode, nil).items()
			if len(got) != 1 || got[0]["id"] == "" {
				t.Fatalf("ERP items %s = %v; want the one the item_master message made", it.ERPItemCode, got)
			}
			ids[it.ERPItemCode] = str(got[0]["id"])
		}
		wantLine := func(what string, l any, code string) {
			t.Helper()
			m, _ := l.(map[string]any)
			if m["item_id"] != ids[code] || m["erp_item_code"] != code {
				t.Errorf("%s: line item_id %v, erp_item_code %v; want %s, %s", what, m["item_id"], m["erp_item_code"], ids[code], code)
			}
		}
		// byItem lists path?item_id=key for the ERP item's id and its code,
		// and wants both to be exactly the record with id want.
		byItem := func(path, code, want string) {
			t.Helper()
			for _, key := range []string{ids[code], code} {
				got := a.must(http.StatusOK, "GET", path+"?item_id="+url.QueryEscape(key), nil).items()
				if len(got) != 1 || got[0]["id"] != want {
					t.Errorf("%s?item_id=%s = %d records; want only %s", path, key, len(got), want)
				}
			}
			if got := a.must(http.StatusOK, "GET", path+"?item_id=NOPE-1", nil).items(); len(got) != 0 {
				t.Errorf("%s?item_id=NOPE-1 = %d records; want none", path, len(got))
			}
		}

		brg := w.request("wo_1", 3, line("BRG-6205", 2, "m1"))
		seal := w.request("wo_2", 3, line("SEAL-12", 1, "m2"))
		wantLine("listed requisition", field(brg, "lines", 0), "BRG-6205")
		one := a.must(http.StatusOK, "GET", "/api/v1/erp/requisitions/"+str(brg["id"]), nil)
		wantLine("GET requisitions/{id}", field(one.Body, "lines", 0), "BRG-6205")
		byItem("/api/v1/erp/requisitions", "BRG-6205", str(brg["id"]))
		byItem("/api/v1/erp/requisitions", "SEAL-12", str(seal["id"]))

		for _, r := range []map[string]any{brg, seal} {
			a.must(http.StatusOK, "POST", "/api/v1/erp/requisitions/"+str(r["id"])+"/approve", nil)
		}
		pos := a.must(http.StatusOK, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(brg["id"]), nil).items()
		if len(pos) != 1 {
			t.Fatalf("orders of %s = %v; want one", brg["number"], pos)
		}
		wantLine("listed purchase order", field(pos[0], "lines", 0), "BRG-6205")
		po := a.must(http.StatusOK, "GET", "/api/v1/erp/purchase-orders/"+str(pos[0]["id"]), nil)
		wantLine("GET purchase-orders/{id}", field(po.Body, "lines", 0), "BRG-6205")
		byItem("/api/v1/erp/purchase-orders", "BRG-6205", str(pos[0]["id"]))

		for code, q := range map[string]int64{"FLT-10": 4, "FLT-20": 2} {
			w.mustSend("sam", integration.StockMovement{Movement: "adjustment", ERPItemCode: code, Warehouse: "MAIN",
				Quantity: millwright.NewQty(q), Value: millwright.MustMoney("8.00").Times(millwright.NewQty(q))})
		}
		for _, key := range []string{ids["FLT-10"], "FLT-10"} {
			got := a.must(http.StatusOK, "GET", "/api/v1/erp/stock?item_id="+url.QueryEscape(key), nil).items()
			if len(got) != 1 || got[0]["item_id"] != ids["FLT-10"] || got[0]["erp_item_code"] != "FLT-10" || str(got[0]["quantity"]) != "4" {
				t.Errorf("erp/stock?item_id=%s = %v; want only FLT-10's 4 in MAIN", key, got)
			}
		}
	})
}
