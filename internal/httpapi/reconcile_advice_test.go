package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// difference runs a reconciliation and returns its one difference of kind
// on record (a storeroom_id/item_id or a work order id), failing when there
// is none.
func difference(t *testing.T, a *api, token, kind, record string) map[string]any {
	t.Helper()
	r := a.do("POST", "/api/v1/integration/reconciliation", token, nil)
	for _, d := range r.Body["differences"].([]any) {
		if d := d.(map[string]any); d["kind"] == kind && d["record_id"] == record {
			return d
		}
	}
	t.Fatalf("reconciliation = %s; want a %s difference on %s", r.Raw, kind, record)
	return nil
}

// Every kind of advice the reconciliation report gives, followed as
// written, leaves both sides equal: a difference that a failed message
// explains closes once what stops the message is fixed; a stock
// difference closes by keeping either side's figure; a cost booked in the
// ERP alone closes by reversing it there. The plant is a new one, made
// through the public API.
func TestReconciliationAdviceFollowed(t *testing.T) {
	runFlow(t, func(t *testing.T, a *api) {
		p := mustNewPlant(t, a)
		wo := p.startedJob(t, a, 3, "Leak")

		// 1. A part nobody mapped: counted and issued in the CMMS, its
		// messages fail; the difference is explained by them, and mapping
		// the part (the fix their error names) closes it.
		belt := mustCreate(t, a, "/api/v1/items", map[string]any{"part_number": "BELT-9", "description": "V-belt", "unit": "EA",
			"stock_type": "stock", "unit_cost": "6.00", "vendor": "Gates"})
		a.must(201, "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": p.store, "item_id": belt, "quantity": 10, "unit_cost": "6.00", "reason": "opening balance"})
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": belt, "storeroom_id": p.store, "quantity": 2}); r.Status != 201 {
			t.Fatalf("issue = %d %s", r.Status, r.Raw)
		}
		d := difference(t, a, p.integ, "work_order_cost", wo)
		if d["explained"] != true || !strings.Contains(str(d["note"]), "explained by") || len(d["messages"].([]any)) == 0 {
			t.Fatalf("difference = %v; want explained by the failed messages", d)
		}
		msg := field(d, "messages", 0).(map[string]any)
		if msg["status"] != "failed" || !strings.Contains(str(msg["last_error"]), "POST /api/v1/integration/mappings/items") {
			t.Fatalf("explaining message = %v; want failed, naming the mapping to add", msg)
		}
		if r := a.do("POST", "/api/v1/integration/mappings/items", p.integ, map[string]any{"item_id": belt, "erp_item_code": "30-BELT-9", "erp_unit": "EA", "factor": 1}); r.Status != 200 {
			t.Fatalf("map = %d %s", r.Status, r.Raw)
		}
		beltStock := stockedItem{ID: belt, Code: "30-BELT-9", Store: p.store}
		checkBooks(t, a, "the mapping added", []string{wo}, p.filterStock(), beltStock)

		// 2. A count in the ERP finds 2 belts fewer; the advice: keep the
		// CMMS's count (the ERP is adjusted).
		erpCount := func(key string, q int) {
			t.Helper()
			if r := a.do("POST", "/api/v1/erp/messages", p.integ, map[string]any{"idempotency_key": key, "kind": "stock_movement",
				"site_id": p.site, "site_code": "NORTH", "actor": "erp-clerk", "at": time.Now().UTC().Format(time.RFC3339),
				"payload": map[string]any{"movement": "adjustment", "erp_item_code": "30-BELT-9", "warehouse": "MAIN", "quantity": q, "value": "0"}}); r.Status/100 != 2 {
				t.Fatalf("ERP count = %d %s", r.Status, r.Raw)
			}
			drained(t, a)
		}
		follow := func(d map[string]any) {
			t.Helper()
			note := str(d["note"])
			_, body, ok := strings.Cut(note, "POST /api/v1/integration/reconciliation/stock ")
			if !ok {
				t.Fatalf("note %q; want the call that resolves it", note)
			}
			body, _, _ = strings.Cut(body, " ")
			r := a.do("POST", "/api/v1/integration/reconciliation/stock", p.integ, []byte(body))
			if r.Status != http.StatusOK {
				t.Fatalf("following the advice %s = %d %s", body, r.Status, r.Raw)
			}
		}
		erpCount("erp-count-1", -2)
		var stockDiff map[string]any
		eventually(t, "the ERP's count reported", func() string {
			r := a.do("POST", "/api/v1/integration/reconciliation", p.integ, nil)
			for _, d := range r.Body["differences"].([]any) {
				if d := d.(map[string]any); d["kind"] == "stock_quantity" && d["record_id"] == p.store+"/"+belt {
					stockDiff = d
					return ""
				}
			}
			return "no stock difference yet: " + string(r.Raw)
		})
		if stockDiff["cmms"] != "8" || stockDiff["erp"] != "6" || stockDiff["explained"] != false {
			t.Fatalf("stock difference = %v; want CMMS 8, ERP 6, unexplained", stockDiff)
		}
		follow(stockDiff) // as written: "keep":"cmms"
		checkBooks(t, a, "kept the CMMS's count", []string{wo}, p.filterStock(), beltStock)

		// 3. Another ERP count, and the other advice: the ERP's level stands.
		erpCount("erp-count-2", -3)
		stockDiff = difference(t, a, p.integ, "stock_quantity", p.store+"/"+belt)
		stockDiff["note"] = strings.Replace(str(stockDiff["note"]), `"keep":"cmms"`, `"keep":"erp"`, 1)
		follow(stockDiff)
		checkBooks(t, a, "kept the ERP's level", []string{wo}, p.filterStock(), beltStock)
		if s := a.must(200, "GET", "/api/v1/stock?storeroom_id="+p.store+"&item_id="+belt, nil).items(); str(s[0]["on_hand"]) != "5" {
			t.Fatalf("storeroom after keeping the ERP's level = %v; want 5", s)
		}

		// 4. An accrual booked in the ERP alone charges the work order 40.00
		// more; the advice: reverse the entry the CMMS did not make.
		if r := a.do("POST", "/api/v1/erp/ledger/entries", p.finance, map[string]any{"memo": "accrual", "site_id": p.site, "lines": []map[string]any{
			{"account": "6100", "debit": "40.00", "credit": "0", "cost_center": "CC-100", "work_order_id": wo},
			{"account": "2000", "debit": "0", "credit": "40.00", "cost_center": "CC-100"},
		}}); r.Status != 201 {
			t.Fatalf("accrual = %d %s", r.Status, r.Raw)
		}
		d = difference(t, a, p.integ, "work_order_cost", wo)
		if d["difference"] != "-40.00" || !strings.Contains(str(d["note"]), "GET /api/v1/erp/ledger/entries?work_order_id="+wo) {
			t.Fatalf("cost difference = %v; want -40.00 and where to find the entry", d)
		}
		var accrual string
		for _, e := range a.do("GET", "/api/v1/erp/ledger/entries?work_order_id="+wo, p.finance, nil).items() {
			if e["memo"] == "accrual" {
				accrual = str(e["id"])
			}
		}
		if r := a.do("POST", "/api/v1/erp/ledger/entries/"+accrual+"/reverse", p.finance, map[string]any{"memo": "not maintenance"}); r.Status != 201 {
			t.Fatalf("reverse = %d %s", r.Status, r.Raw)
		}
		checkBooks(t, a, "reversed the accrual", []string{wo}, p.filterStock(), beltStock)
		if c := fmt.Sprint(actual(t, a, wo)["parts"]); c != "12.00" {
			t.Fatalf("actual parts = %s; want 12.00, the two belts", c)
		}
	}, alsoWebhook)
}
