package httpapi_test

import (
	"net/http"
	"testing"
)

// Reorder settings saved on a stock row that was never counted raise no
// requisition: its on hand of 0 is no count. The first count sends the
// settings with the level, and replenishes when it is below the reorder
// point.
func TestSettingsBeforeTheOpeningCount(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		startDispatcher(t, a)
		newPart := func(pn string) (id, code string) {
			code = "ERP-" + pn
			id = mustCreate(t, a, "/api/v1/items", map[string]any{
				"part_number": pn, "description": "Part " + pn, "unit": "EA", "stock_type": "stock", "unit_cost": "5.00", "vendor": "Filtra"})
			w.mustMap(t, a, id, code, "") // the item master feed puts it in the ERP
			if r := a.do("PUT", "/api/v1/storerooms/"+w.Store+"/stock/"+id, w.storekeeper,
				map[string]any{"reorder_point": 12, "reorder_quantity": 24}); r.Status != http.StatusOK {
				t.Fatalf("reorder settings of %s before its opening count = %d %s; want 200", pn, r.Status, r.Raw)
			}
			return id, code
		}
		count := func(id string, q int) {
			if r := a.do("POST", "/api/v1/stock/adjustments", w.storekeeper, map[string]any{"storeroom_id": w.Store, "item_id": id,
				"quantity": q, "unit_cost": "5.00", "reason": "opening balance"}); r.Status != http.StatusCreated {
				t.Fatalf("opening balance of %s = %d %s", id, r.Status, r.Raw)
			}
		}
		above, aboveCode := newPart("FLT-30")
		below, belowCode := newPart("FLT-5")
		drained(t, a)
		for _, code := range []string{aboveCode, belowCode} {
			if got := reorders(t, a, code); len(got) != 0 {
				t.Fatalf("requisitions of %s after its reorder settings, before any count = %v; want none", code, got)
			}
		}

		count(above, 30)
		count(below, 5)
		drained(t, a)
		if got := reorders(t, a, aboveCode); len(got) != 0 {
			t.Errorf("requisitions of %s after an opening count of 30 (reorder point 12) = %v; want none", aboveCode, got)
		}
		if s := erpStock(t, a, aboveCode); str(s["reorder_point"]) != "12" || str(s["reorder_quantity"]) != "24" {
			t.Errorf("ERP stock of %s after its opening count = %v; want the reorder settings 12 and 24", aboveCode, s)
		}
		got := reorders(t, a, belowCode)
		if len(got) != 1 || got[0]["source"] != "reorder" {
			t.Fatalf("requisitions of %s after an opening count of 5 (reorder point 12) = %v; want one reorder", belowCode, got)
		}
		if lines := got[0]["lines"].([]any); len(lines) != 1 || str(lines[0].(map[string]any)["quantity"]) != "24" {
			t.Errorf("reorder of %s = %v; want one line for the reorder quantity 24", belowCode, got[0]["lines"])
		}

		// Counted now: a settings change is a real level, and acts at once.
		count(above, -20) // 10 < 12
		drained(t, a)
		if got := reorders(t, a, aboveCode); len(got) != 1 {
			t.Errorf("requisitions of %s after counting down to 10 = %d; want one", aboveCode, len(got))
		}
	})
}
