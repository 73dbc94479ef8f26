package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// as decodes a response body into a T.
func as[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Raw, &v); err != nil {
		t.Fatalf("decode %s as %T: %v", r.Raw, v, err)
	}
	return v
}

func wantQty(t *testing.T, what string, got millwright.Qty, want string) {
	t.Helper()
	if !got.Equal(millwright.MustQty(want).Decimal) {
		t.Errorf("%s = %s; want %s", what, got, want)
	}
}

func wantMoney(t *testing.T, what string, got millwright.Money, want string) {
	t.Helper()
	if !got.Equal(millwright.MustMoney(want).Decimal) {
		t.Errorf("%s = %s; want %s", what, got, want)
	}
}

func woPath(id string, rest ...string) string {
	return "/api/v1/work-orders/" + id + strings.Join(append([]string{""}, rest...), "/")
}

func materials(t *testing.T, a *api, id string) []workorder.Material {
	t.Helper()
	return as[millwright.Page[workorder.Material]](t, a.must(200, "GET", woPath(id, "materials"), nil)).Items
}

func TestCreateWorkOrder(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)

		w := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"description": "leaks at the seal"}))
		if w.Number != "WO-000001" || w.Status != workorder.Requested || w.Priority != 3 || w.SiteID != p.Site ||
			w.AutoRequestMaterial || w.Description != "leaks at the seal" || w.CreatedBy != "admin" {
			t.Errorf("corrective work order = %+v; want WO-000001, requested, priority 3, site NORTH, no auto request", w)
		}
		if m := materials(t, a, w.ID); len(m) != 0 {
			t.Errorf("corrective work order has %d material lines; want 0 (copy_bom defaults to false)", len(m))
		}
		if got := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"type": "emergency"})); got.Priority != 1 || got.Number != "WO-000002" {
			t.Errorf("emergency work order = priority %d, %s; want priority 1, WO-000002", got.Priority, got.Number)
		}
		if got := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"type": "emergency", "priority": 2})); got.Priority != 2 {
			t.Errorf("emergency work order with priority 2 = priority %d; want 2", got.Priority)
		}
		if got := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"asset_id": p.ARMAsset})); !got.AutoRequestMaterial {
			t.Errorf("work order on an asset with auto request material: flag false; want true (the asset's setting)")
		}
		if got := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"asset_id": p.ARMAsset, "auto_request_material": false})); got.AutoRequestMaterial {
			t.Errorf("auto_request_material false on the request: flag true; want false")
		}
		var audits int
		a.db.View(t.Context(), func(tx *store.Tx) error {
			pg, err := tx.AuditEntries(t.Context(), store.AuditFilter{EntityType: "work_order", EntityID: w.ID})
			audits = len(pg.Items)
			return err
		})
		if audits != 1 {
			t.Errorf("audit entries of a new work order = %d; want 1", audits)
		}
	})
}

func TestCreateWorkOrderCopiesBOM(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)

		// The pump's own BOM: 2 FLT-10 (stock) and 1 BRG-SPC (direct, auto request).
		w := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, map[string]any{"type": "preventive", "title": "Overhaul"}))
		m := materials(t, a, w.ID)
		if len(m) != 2 {
			t.Fatalf("preventive work order has %d material lines; want 2 from the pump's BOM", len(m))
		}
		filter, bearing := m[0], m[1]
		if filter.ItemID != p.Filter || filter.Direct || filter.StoreroomID != p.Store || filter.AutoRequestMaterial {
			t.Errorf("filter line = %+v; want a stock line in MAIN without auto request", filter)
		}
		wantQty(t, "filter line reserved", filter.Reserved, "2")
		wantMoney(t, "filter line unit cost (average cost in MAIN)", filter.UnitCost, "10.00")
		if bearing.ItemID != p.Bearing || !bearing.Direct || bearing.StoreroomID != "" || !bearing.AutoRequestMaterial ||
			bearing.ProcurementStatus != "none" || bearing.PartNumber != "BRG-SPC" {
			t.Errorf("bearing line = %+v; want a direct line, auto request from the BOM line, procurement none", bearing)
		}
		wantMoney(t, "bearing line unit cost", bearing.UnitCost, "250.00")
		wantQty(t, "bearing line reserved", bearing.Reserved, "0")
		st := mustStock(t, a, p.Store, p.Filter)
		wantQty(t, "FLT-10 reserved in MAIN", st.Reserved, "2")
		wantQty(t, "FLT-10 available in MAIN", st.Available, "18")

		// No BOM on the asset: its class's (1 SEAL-20).
		m = materials(t, a, mustWorkOrder(t, a, p, map[string]any{"type": "predictive", "asset_id": p.BareAsset}).str("id"))
		if len(m) != 1 || m[0].ItemID != p.Seal || m[0].StoreroomID != p.Store {
			t.Fatalf("predictive work order on P-102 lines = %+v; want one SEAL-20 line in MAIN from the class BOM", m)
		}
		wantMoney(t, "seal line unit cost", m[0].UnitCost, "42.00")

		// Auto request material on the order reaches every copied line.
		m = materials(t, a, mustWorkOrder(t, a, p, map[string]any{"type": "preventive", "auto_request_material": true}).str("id"))
		if !m[0].AutoRequestMaterial || !m[1].AutoRequestMaterial {
			t.Errorf("lines of a work order with auto request material = %v, %v; want true, true", m[0].AutoRequestMaterial, m[1].AutoRequestMaterial)
		}

		if m := materials(t, a, mustWorkOrder(t, a, p, map[string]any{"type": "preventive", "copy_bom": false}).str("id")); len(m) != 0 {
			t.Errorf("copy_bom false: %d lines; want 0", len(m))
		}
		if m := materials(t, a, mustWorkOrder(t, a, p, map[string]any{"type": "corrective", "copy_bom": true}).str("id")); len(m) != 2 {
			t.Errorf("corrective with copy_bom true: %d lines; want 2", len(m))
		}
		wantQty(t, "FLT-10 reserved in MAIN after three copies", mustStock(t, a, p.Store, p.Filter).Reserved, "6")
	})
}

func TestCreateWorkOrderErrors(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		southPlanner := a.token("south-planner", millwright.Planner, p.OtherSite)
		tech := a.token("tech", millwright.Technician, "")
		valid := func(k string, v any) map[string]any {
			b := map[string]any{"type": "corrective", "asset_id": p.Pump, "title": "Fix it"}
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
			return b
		}
		for _, tc := range []struct {
			name   string
			token  string
			body   any
			status int
			code   string
		}{
			{"no title", a.admin, valid("title", nil), 400, "missing_field"},
			{"blank title", a.admin, valid("title", "  "), 400, "missing_field"},
			{"no type", a.admin, valid("type", nil), 400, "missing_field"},
			{"unknown type", a.admin, valid("type", "urgent"), 400, "invalid_type"},
			{"no asset", a.admin, valid("asset_id", nil), 400, "missing_field"},
			{"priority 0", a.admin, valid("priority", 0), 400, "invalid_priority"},
			{"priority 5", a.admin, valid("priority", 5), 400, "invalid_priority"},
			{"negative estimate", a.admin, valid("estimated_labor", "-1.00"), 400, "invalid_amount"},
			{"unknown field", a.admin, valid("colour", "red"), 400, "unknown_field"},
			{"malformed JSON", a.admin, `{"type":`, 400, "bad_json"},
			{"asset that does not exist", a.admin, valid("asset_id", "ast_nope"), 422, "asset_not_found"},
			{"asset of another site", southPlanner, valid("asset_id", p.Pump), 403, "site_forbidden"},
			{"technician", tech, valid("type", "corrective"), 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, a.do("POST", "/api/v1/work-orders", tc.token, tc.body), tc.status, tc.code)
			})
		}
		// Nothing was half-written: no work order, no number used.
		if got := len(a.must(200, "GET", "/api/v1/work-orders", nil).items()); got != 0 {
			t.Errorf("work orders after failed creates = %d; want 0", got)
		}
		r := a.do("POST", "/api/v1/work-orders", southPlanner, valid("asset_id", p.SouthAsset))
		if r.Status != 201 || r.str("number") != "WO-000001" || r.str("site_id") != p.OtherSite {
			t.Errorf("south planner on a south asset = %d %s; want 201 WO-000001 at SOUTH", r.Status, r.Raw)
		}
	})
}

func TestListGetUpdateWorkOrders(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		w1 := mustWorkOrder(t, a, p, nil).str("id")
		w2 := mustWorkOrder(t, a, p, map[string]any{"type": "inspection", "priority": 4, "asset_id": p.BareAsset}).str("id")
		w3 := mustWorkOrder(t, a, p, map[string]any{"asset_id": p.SouthAsset}).str("id")
		mustDrive(t, a, w1, "approve")
		south := a.token("south", millwright.Technician, p.OtherSite)

		for _, tc := range []struct {
			query string
			token string
			want  []string
		}{
			{"", a.admin, []string{w1, w2, w3}},
			{"?status=approved", a.admin, []string{w1}},
			{"?status=requested", a.admin, []string{w2, w3}},
			{"?asset_id=" + p.BareAsset, a.admin, []string{w2}},
			{"?type=inspection", a.admin, []string{w2}},
			{"?priority=3", a.admin, []string{w1, w3}},
			{"?site_id=" + p.OtherSite, a.admin, []string{w3}},
			{"", south, []string{w3}},
			{"?status=requested", south, []string{w3}},
		} {
			r := a.do("GET", "/api/v1/work-orders"+tc.query, tc.token, nil)
			var got []string
			for _, it := range r.items() {
				got = append(got, it["id"].(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("GET work-orders%s = %v; want %v", tc.query, got, tc.want)
			}
		}
		pg := a.must(200, "GET", "/api/v1/work-orders?limit=2", nil)
		if len(pg.items()) != 2 || pg.str("next_cursor") == "" {
			t.Fatalf("first page of 2 = %s; want 2 items and a cursor", pg.Raw)
		}
		if rest := a.must(200, "GET", "/api/v1/work-orders?limit=2&cursor="+pg.str("next_cursor"), nil); len(rest.items()) != 1 || rest.str("next_cursor") != "" {
			t.Errorf("second page = %s; want 1 item and no cursor", rest.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/work-orders?site_id="+p.Site, south, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", "/api/v1/work-orders?priority=x", a.admin, nil), 400, "invalid_priority")
		wantError(t, a.do("GET", "/api/v1/work-orders?priority=7", a.admin, nil), 400, "invalid_priority")

		if r := a.must(200, "GET", woPath(w2), nil); r.str("number") != "WO-000002" || r.str("type") != "inspection" {
			t.Errorf("GET work order = %s; want WO-000002, inspection", r.Raw)
		}
		wantError(t, a.do("GET", woPath(w1), south, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", woPath("wo_nope"), a.admin, nil), 404, "not_found")

		r := a.must(200, "PATCH", woPath(w1), map[string]any{"title": "Replace seal", "priority": 2,
			"auto_request_material": true, "description": "seal worn", "estimated_labor": "120.50"})
		got := as[workorder.WorkOrder](t, r)
		if got.Title != "Replace seal" || got.Priority != 2 || !got.AutoRequestMaterial || got.Description != "seal worn" || got.Status != workorder.Approved {
			t.Errorf("patched work order = %+v", got)
		}
		wantMoney(t, "estimated labor", got.EstimatedLabor, "120.50")
		if again := as[workorder.WorkOrder](t, a.must(200, "GET", woPath(w1), nil)); again.Title != "Replace seal" {
			t.Errorf("title after PATCH, read back = %q; want Replace seal", again.Title)
		}
		wantError(t, a.do("PATCH", woPath(w1), a.admin, map[string]any{"title": ""}), 400, "missing_field")
		wantError(t, a.do("PATCH", woPath(w1), a.admin, map[string]any{"priority": 9}), 400, "invalid_priority")
		wantError(t, a.do("PATCH", woPath(w1), a.admin, map[string]any{"status": "closed"}), 400, "unknown_field")
		wantError(t, a.do("PATCH", woPath("wo_nope"), a.admin, map[string]any{"title": "x"}), 404, "not_found")
		wantError(t, a.do("PATCH", woPath(w1), south, map[string]any{"title": "x"}), 403, "forbidden")
		southPlanner := a.token("south-planner", millwright.Planner, p.OtherSite)
		wantError(t, a.do("PATCH", woPath(w1), southPlanner, map[string]any{"title": "x"}), 403, "site_forbidden")

		mustDrive(t, a, w1, "release", "start", "complete")
		wantError(t, a.do("PATCH", woPath(w1), a.admin, map[string]any{"title": "Too late"}), 409, "work_order_not_editable")
		mustDrive(t, a, w2, "cancel")
		wantError(t, a.do("PATCH", woPath(w2), a.admin, map[string]any{"priority": 1}), 409, "work_order_not_editable")
	})
}

// TestStatusMachine tries every action on a work order in every status.
func TestStatusMachine(t *testing.T) {
	statuses := []string{"requested", "approved", "planned", "released", "in_progress", "waiting_for_parts", "completed", "closed", "cancelled"}
	// allowed[status] lists the actions that work there; every other is 409.
	allowed := map[string][]string{
		"requested":         {"approve", "cancel"},
		"approved":          {"plan", "release", "cancel"},
		"planned":           {"release", "cancel"},
		"released":          {"start", "cancel"},
		"in_progress":       {"wait", "complete", "cancel"},
		"waiting_for_parts": {"resume", "cancel"},
		"completed":         {"close"},
	}
	target := map[string]string{"approve": "approved", "plan": "planned", "release": "released", "start": "in_progress",
		"wait": "waiting_for_parts", "resume": "in_progress", "complete": "completed", "close": "closed", "cancel": "cancelled"}
	verbs := []string{"approve", "plan", "release", "start", "wait", "resume", "complete", "close", "cancel"}
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		for _, from := range statuses {
			for _, verb := range verbs {
				w := as[workorder.WorkOrder](t, mustWorkOrder(t, a, p, nil))
				mustDrive(t, a, w.ID, path(from)...)
				r := a.do("POST", woPath(w.ID, verb), a.admin, nil)
				if !contains(allowed[from], verb) {
					if r.Status != 409 || r.code() != "illegal_transition" {
						t.Errorf("%s on a %s work order = %d %s; want 409 illegal_transition", verb, from, r.Status, r.Raw)
						continue
					}
					msg := r.Body["error"].(map[string]any)["message"].(string)
					if !strings.Contains(msg, w.Number) || !strings.Contains(msg, from) || !strings.Contains(msg, target[verb]) {
						t.Errorf("%s on %s: message %q does not name %s, %s and %s", verb, from, msg, w.Number, from, target[verb])
					}
					if got := a.must(200, "GET", woPath(w.ID), nil).str("status"); got != from {
						t.Errorf("status after a refused %s = %s; want %s", verb, got, from)
					}
					continue
				}
				if r.Status != 200 || r.str("status") != target[verb] {
					t.Errorf("%s on a %s work order = %d %s; want 200 %s", verb, from, r.Status, r.Raw, target[verb])
				}
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestTransitionsAreRecorded(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		planner := a.token("pat", millwright.Planner, "")
		tech := a.token("tom", millwright.Technician, "")
		w := mustWorkOrder(t, a, p, nil).str("id")
		for _, step := range []struct{ token, verb string }{
			{planner, "approve"}, {planner, "plan"}, {planner, "release"}, {tech, "start"}, {tech, "wait"},
			{tech, "resume"}, {tech, "complete"}, {planner, "close"},
		} {
			if r := a.do("POST", woPath(w, step.verb), step.token, nil); r.Status != 200 {
				t.Fatalf("%s = %d %s; want 200", step.verb, r.Status, r.Raw)
			}
		}
		wantError(t, a.do("POST", woPath(w, "close"), planner, nil), 409, "illegal_transition")
		wantError(t, a.do("POST", woPath("wo_nope", "approve"), planner, nil), 404, "not_found")
		// Role checks come from the matrix: a technician may not approve, a planner may not start.
		w2 := mustWorkOrder(t, a, p, nil).str("id")
		wantError(t, a.do("POST", woPath(w2, "approve"), tech, nil), 403, "forbidden")
		mustDrive(t, a, w2, "approve", "release")
		wantError(t, a.do("POST", woPath(w2, "start"), planner, nil), 403, "forbidden")
		wantError(t, a.do("POST", woPath(w2, "resume"), tech, nil), 409, "illegal_transition")
		south := a.token("south", millwright.Planner, p.OtherSite)
		wantError(t, a.do("POST", woPath(w2, "cancel"), south, nil), 403, "site_forbidden")

		var (
			trs    []workorder.TransitionRecord
			audits []string
		)
		a.db.View(t.Context(), func(tx *store.Tx) error {
			var err error
			if trs, err = tx.Transitions(t.Context(), w); err != nil {
				return err
			}
			pg, err := tx.AuditEntries(t.Context(), store.AuditFilter{EntityType: "work_order", EntityID: w})
			for _, e := range pg.Items {
				audits = append(audits, e.Actor+":"+e.Action)
			}
			return err
		})
		var got []string
		for _, tr := range trs {
			got = append(got, fmt.Sprintf("%s:%s>%s", tr.Actor, tr.From, tr.To))
		}
		want := "[admin:>requested pat:requested>approved pat:approved>planned pat:planned>released tom:released>in_progress " +
			"tom:in_progress>waiting_for_parts tom:waiting_for_parts>in_progress tom:in_progress>completed pat:completed>closed]"
		if fmt.Sprint(got) != want {
			t.Errorf("transitions = %v;\nwant %s", got, want)
		}
		wantAudit := "[admin:create pat:approve pat:plan pat:release tom:start tom:wait tom:resume tom:complete pat:close]"
		if fmt.Sprint(audits) != wantAudit {
			t.Errorf("audit = %v;\nwant %s", audits, wantAudit)
		}
	})
}

func TestCompleteWorkOrder(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		w := mustReleased(t, a, p)
		body := map[string]any{"problem": "LEAK", "cause": "WEAR", "remedy": "REPLACE", "downtime_hours": 3.5, "notes": "seal replaced"}
		wantError(t, a.do("POST", woPath(w, "complete"), tech, body), 409, "illegal_transition")
		mustDrive(t, a, w, "start")
		wantError(t, a.do("POST", woPath(w, "complete"), tech, map[string]any{"downtime_hours": -1}), 400, "invalid_downtime")
		wantError(t, a.do("POST", woPath(w, "complete"), tech, map[string]any{"root_cause": "x"}), 400, "unknown_field")
		if got := a.must(200, "GET", woPath(w), nil).str("status"); got != "in_progress" {
			t.Fatalf("status after refused completes = %s; want in_progress", got)
		}
		r := a.do("POST", woPath(w, "complete"), tech, body)
		if r.Status != 200 {
			t.Fatalf("complete = %d %s; want 200", r.Status, r.Raw)
		}
		got := as[workorder.WorkOrder](t, a.must(200, "GET", woPath(w), nil))
		if got.Status != workorder.Completed || got.Problem != "LEAK" || got.Cause != "WEAR" || got.Remedy != "REPLACE" ||
			got.Notes != "seal replaced" || got.CompletedAt == nil {
			t.Errorf("completed work order = %+v", got)
		}
		wantQty(t, "downtime", got.DowntimeHours, "3.5")
		wantError(t, a.do("POST", woPath(w, "complete"), tech, body), 409, "illegal_transition")

		// complete takes an empty body too.
		w2 := mustReleased(t, a, p)
		mustDrive(t, a, w2, "start", "complete")
	})
}

func TestAddMaterials(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		keeper := a.token("kim", millwright.Storekeeper, "")
		w := mustWorkOrder(t, a, p, map[string]any{"auto_request_material": true}).str("id")
		add := func(token string, body map[string]any) resp { return a.do("POST", woPath(w, "materials"), token, body) }

		r := add(a.admin, map[string]any{"item_id": p.Filter, "quantity": 1, "unit": "BOX", "storeroom_id": p.Store, "auto_request_material": false})
		if r.Status != 201 {
			t.Fatalf("add a stock line = %d %s", r.Status, r.Raw)
		}
		m := as[workorder.Material](t, r)
		if m.Direct || m.StoreroomID != p.Store || m.AutoRequestMaterial || m.ProcurementStatus != "none" || m.PartNumber != "FLT-10" {
			t.Errorf("stock line = %+v", m)
		}
		wantQty(t, "quantity of 1 BOX", m.Quantity, "10")
		wantQty(t, "reserved", m.Reserved, "10")
		wantQty(t, "issued", m.Issued, "0")
		wantMoney(t, "unit cost", m.UnitCost, "10.00")
		st := mustStock(t, a, p.Store, p.Filter)
		wantQty(t, "FLT-10 reserved", st.Reserved, "10")
		wantQty(t, "FLT-10 on hand", st.OnHand, "20")

		r = add(tech, map[string]any{"item_id": p.Bearing, "quantity": 2})
		if r.Status != 201 {
			t.Fatalf("technician adds a direct item = %d %s; want 201", r.Status, r.Raw)
		}
		m = as[workorder.Material](t, r)
		if !m.Direct || m.StoreroomID != "" || !m.AutoRequestMaterial || m.ProcurementStatus != "none" || m.BlockedReason != "" || m.PurchaseOrderNumber != "" {
			t.Errorf("direct line = %+v; want direct, no storeroom, auto request from the order, procurement none", m)
		}
		wantMoney(t, "direct unit cost", m.UnitCost, "250.00")

		// A stock item may be bought for the job as a direct line (a special buy): nothing is reserved.
		r = add(a.admin, map[string]any{"item_id": p.Seal, "quantity": 1, "direct": true})
		if r.Status != 201 || !as[workorder.Material](t, r).Direct {
			t.Fatalf("stock item as a direct line = %d %s; want 201 direct", r.Status, r.Raw)
		}
		wantQty(t, "SEAL-20 reserved after a special buy", mustStock(t, a, p.Store, p.Seal).Reserved, "0")

		for _, tc := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"no item", a.admin, map[string]any{"quantity": 1}, 400, "missing_field"},
			{"zero quantity", a.admin, map[string]any{"item_id": p.Bearing, "quantity": 0}, 400, "invalid_quantity"},
			{"negative quantity", a.admin, map[string]any{"item_id": p.Bearing, "quantity": -2}, 400, "invalid_quantity"},
			{"unknown item", a.admin, map[string]any{"item_id": "itm_nope", "quantity": 1}, 422, "item_not_found"},
			{"unknown unit", a.admin, map[string]any{"item_id": p.Filter, "quantity": 1, "unit": "PALLET", "storeroom_id": p.Store}, 422, "unknown_unit"},
			{"stock line without storeroom", a.admin, map[string]any{"item_id": p.Filter, "quantity": 1}, 422, "storeroom_required"},
			{"unknown storeroom", a.admin, map[string]any{"item_id": p.Filter, "quantity": 1, "storeroom_id": "str_nope"}, 422, "storeroom_not_found"},
			{"storeroom of another site", a.admin, map[string]any{"item_id": p.Filter, "quantity": 1, "storeroom_id": p.SouthStore}, 422, "storeroom_other_site"},
			{"direct item as stock line", a.admin, map[string]any{"item_id": p.Bearing, "quantity": 1, "direct": false, "storeroom_id": p.Store}, 422, "not_a_stock_item"},
			{"direct line with storeroom", a.admin, map[string]any{"item_id": p.Bearing, "quantity": 1, "storeroom_id": p.Store}, 422, "storeroom_on_direct_line"},
			{"technician reserving stock", tech, map[string]any{"item_id": p.Filter, "quantity": 1, "storeroom_id": p.Store}, 403, "forbidden"},
			{"storekeeper", keeper, map[string]any{"item_id": p.Bearing, "quantity": 1}, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantError(t, add(tc.token, tc.body), tc.status, tc.code) })
		}
		wantError(t, a.do("POST", woPath("wo_nope", "materials"), a.admin, map[string]any{"item_id": p.Bearing, "quantity": 1}), 404, "not_found")
		south := a.token("south", millwright.Planner, p.OtherSite)
		wantError(t, add(south, map[string]any{"item_id": p.Bearing, "quantity": 1}), 403, "site_forbidden")
		wantError(t, a.do("GET", woPath(w, "materials"), south, nil), 403, "site_forbidden")

		if got := materials(t, a, w); len(got) != 3 {
			t.Fatalf("lines after refused adds = %d; want 3", len(got))
		}
		wantQty(t, "FLT-10 reserved after refused adds", mustStock(t, a, p.Store, p.Filter).Reserved, "10")
		pg := a.must(200, "GET", woPath(w, "materials")+"?limit=2", nil)
		if len(pg.items()) != 2 || pg.str("next_cursor") == "" {
			t.Errorf("materials page of 2 = %s; want 2 and a cursor", pg.Raw)
		}

		// Materials can be added while work goes on, not once it is completed.
		mustDrive(t, a, w, "approve", "release", "start")
		if r := add(a.admin, map[string]any{"item_id": p.Bearing, "quantity": 1}); r.Status != 201 {
			t.Errorf("add to a work order in progress = %d %s; want 201", r.Status, r.Raw)
		}
		mustDrive(t, a, w, "complete")
		wantError(t, add(a.admin, map[string]any{"item_id": p.Bearing, "quantity": 1}), 409, "work_order_not_editable")
	})
}

func TestLogLabor(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		w := mustWorkOrder(t, a, p, nil).str("id")
		entry := map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2.5, "rate": "61.37"}
		wantError(t, a.do("POST", woPath(w, "labor"), tech, entry), 409, "work_order_not_active")
		mustDrive(t, a, w, path("released")...)

		r := a.do("POST", woPath(w, "labor"), tech, entry)
		if r.Status != 201 {
			t.Fatalf("log labor = %d %s; want 201", r.Status, r.Raw)
		}
		l := as[workorder.Labor](t, r)
		wantMoney(t, "amount of 2.5 h at 61.37", l.Amount, "153.43") // 153.425 rounds half away from zero
		if l.Technician != "tom" || l.Craft != "mechanic" || l.Actor != "tom" {
			t.Errorf("labor = %+v", l)
		}
		for _, tc := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"no technician", tech, map[string]any{"hours": 1, "rate": "50"}, 400, "missing_field"},
			{"zero hours", tech, map[string]any{"technician": "tom", "hours": 0, "rate": "50"}, 400, "invalid_hours"},
			{"negative hours", tech, map[string]any{"technician": "tom", "hours": -1, "rate": "50"}, 400, "invalid_hours"},
			{"more than 24 hours", tech, map[string]any{"technician": "tom", "hours": 24.5, "rate": "50"}, 400, "invalid_hours"},
			{"negative rate", tech, map[string]any{"technician": "tom", "hours": 1, "rate": "-5"}, 400, "invalid_rate"},
			{"rate not a number", tech, map[string]any{"technician": "tom", "hours": 1, "rate": "lots"}, 400, "invalid_amount"},
			{"rate as a JSON number", tech, map[string]any{"technician": "tom", "hours": 1, "rate": 50}, 400, "invalid_amount"},
			{"rate of 401 digits", tech, map[string]any{"technician": "tom", "hours": 1, "rate": "1e400"}, 400, "invalid_amount"},
			{"hours as a string", tech, map[string]any{"technician": "tom", "hours": "1", "rate": "50"}, 400, "invalid_quantity"},
			{"planner", a.token("pat", millwright.Planner, ""), entry, 403, "forbidden"},
			{"technician of another site", a.token("sam", millwright.Technician, p.OtherSite), entry, 403, "site_forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, a.do("POST", woPath(w, "labor"), tc.token, tc.body), tc.status, tc.code)
			})
		}
		a.must(201, "POST", woPath(w, "labor"), map[string]any{"technician": "ann", "hours": 24, "rate": "0"})
		mustDrive(t, a, w, "start", "wait")
		a.must(201, "POST", woPath(w, "labor"), map[string]any{"technician": "ann", "hours": 0.25, "rate": "80"})
		mustDrive(t, a, w, "resume", "complete")
		wantError(t, a.do("POST", woPath(w, "labor"), tech, entry), 409, "work_order_not_active")

		got := as[millwright.Page[workorder.Labor]](t, a.must(200, "GET", woPath(w, "labor"), nil)).Items
		if len(got) != 3 || got[0].Technician != "tom" || got[2].Technician != "ann" {
			t.Fatalf("labor entries = %+v; want tom, ann, ann", got)
		}
		wantMoney(t, "third entry", got[2].Amount, "20.00")
		wantMoney(t, "actual labor", as[workorder.Costs](t, a.must(200, "GET", woPath(w, "costs"), nil)).Actual.Labor, "173.43")
		wantError(t, a.do("GET", woPath("wo_nope", "labor"), a.admin, nil), 404, "not_found")
	})
}

func TestIssueAndReturnParts(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		w := mustWorkOrder(t, a, p, nil).str("id")
		a.must(201, "POST", woPath(w, "materials"), map[string]any{"item_id": p.Filter, "quantity": 4, "storeroom_id": p.Store})
		issue := func(token, item, storeroom string, q any) resp {
			return a.do("POST", woPath(w, "issues"), token, map[string]any{"item_id": item, "storeroom_id": storeroom, "quantity": q})
		}
		ret := func(token, item, storeroom string, q any) resp {
			return a.do("POST", woPath(w, "returns"), token, map[string]any{"item_id": item, "storeroom_id": storeroom, "quantity": q})
		}
		wantError(t, issue(tech, p.Filter, p.Store, 1), 409, "work_order_not_active")
		mustDrive(t, a, w, path("released")...)

		// 3 of the 4 reserved.
		r := issue(tech, p.Filter, p.Store, 3)
		if r.Status != 201 {
			t.Fatalf("issue 3 = %d %s; want 201", r.Status, r.Raw)
		}
		mv := as[workorder.Moved](t, r)
		if mv.Movement.Kind != "issue" || mv.Movement.WorkOrderID != w || mv.Movement.Actor != "tom" {
			t.Errorf("movement = %+v", mv.Movement)
		}
		wantQty(t, "movement quantity", mv.Movement.Quantity, "-3")
		wantMoney(t, "movement value", mv.Movement.Value, "-30.00")
		wantQty(t, "line reserved", mv.Material.Reserved, "1")
		wantQty(t, "line issued", mv.Material.Issued, "3")
		st := mustStock(t, a, p.Store, p.Filter)
		wantQty(t, "on hand", st.OnHand, "17")
		wantQty(t, "reserved", st.Reserved, "1")
		wantMoney(t, "value", st.Value, "170.00")

		// 3 more: the last reserved one, then 2 free.
		mv = as[workorder.Moved](t, a.must(201, "POST", woPath(w, "issues"), map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 3}))
		wantQty(t, "line reserved", mv.Material.Reserved, "0")
		wantQty(t, "line issued", mv.Material.Issued, "6")
		wantQty(t, "stock reserved", mv.Stock.Reserved, "0")
		wantQty(t, "stock on hand", mv.Stock.OnHand, "14")

		// Another work order reserves 10 of the 14: only 4 are free for this one.
		other := mustWorkOrder(t, a, p, nil).str("id")
		a.must(201, "POST", woPath(other, "materials"), map[string]any{"item_id": p.Filter, "quantity": 10, "storeroom_id": p.Store})
		wantError(t, issue(tech, p.Filter, p.Store, 5), 409, "insufficient_stock")
		st = mustStock(t, a, p.Store, p.Filter)
		wantQty(t, "on hand after a refused issue", st.OnHand, "14")
		wantQty(t, "reserved after a refused issue", st.Reserved, "10")
		a.must(201, "POST", woPath(w, "issues"), map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 4})
		wantError(t, issue(tech, p.Filter, p.Store, 1), 409, "insufficient_stock")

		// An unplanned part gets a line of its own.
		mv = as[workorder.Moved](t, issue(tech, p.Seal, p.Store, 2))
		if mv.Material == nil || mv.Material.ItemID != p.Seal || mv.Material.StoreroomID != p.Store {
			t.Fatalf("unplanned issue line = %+v", mv.Material)
		}
		wantQty(t, "unplanned line quantity", mv.Material.Quantity, "2")
		wantQty(t, "unplanned line issued", mv.Material.Issued, "2")
		wantMoney(t, "unplanned line unit cost", mv.Material.UnitCost, "42.00")
		if got := len(materials(t, a, w)); got != 2 {
			t.Errorf("lines after an unplanned issue = %d; want 2", got)
		}

		for _, tc := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"no item", tech, map[string]any{"storeroom_id": p.Store, "quantity": 1}, 400, "missing_field"},
			{"no storeroom", tech, map[string]any{"item_id": p.Seal, "quantity": 1}, 400, "missing_field"},
			{"zero quantity", tech, map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 0}, 400, "invalid_quantity"},
			{"unknown item", tech, map[string]any{"item_id": "itm_nope", "storeroom_id": p.Store, "quantity": 1}, 422, "item_not_found"},
			{"direct item", tech, map[string]any{"item_id": p.Bearing, "storeroom_id": p.Store, "quantity": 1}, 422, "not_a_stock_item"},
			{"unknown storeroom", tech, map[string]any{"item_id": p.Seal, "storeroom_id": "str_nope", "quantity": 1}, 422, "storeroom_not_found"},
			{"storeroom of another site", tech, map[string]any{"item_id": p.Filter, "storeroom_id": p.SouthStore, "quantity": 1}, 422, "storeroom_other_site"},
			{"unknown unit", tech, map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 1, "unit": "BOX"}, 422, "unknown_unit"},
			{"more than free stock, in boxes", tech, map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 1, "unit": "BOX"}, 409, "insufficient_stock"},
			{"planner", a.token("pat", millwright.Planner, ""), map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 1}, 403, "forbidden"},
			{"technician of another site", a.token("sam", millwright.Technician, p.OtherSite), map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 1}, 403, "site_forbidden"},
		} {
			t.Run("issue "+tc.name, func(t *testing.T) {
				wantError(t, a.do("POST", woPath(w, "issues"), tc.token, tc.body), tc.status, tc.code)
			})
		}
		wantError(t, a.do("POST", woPath("wo_nope", "issues"), tech, map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 1}), 404, "not_found")

		// The average cost moves on (10 more at 16.00: 260.00 for 20); a
		// return still comes back at what the work order paid (10.00).
		p.mustAdjust(t, a, p.Store, p.Filter, "10", "16.00")
		wantError(t, ret(tech, p.Filter, p.Store, 11), 422, "return_exceeds_issued")
		wantError(t, a.do("POST", woPath(w, "returns"), tech, map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 2, "unit": "BOX"}), 422, "return_exceeds_issued")
		wantError(t, ret(tech, p.Filter, p.Store, 0), 400, "invalid_quantity")
		wantError(t, ret(tech, p.Filter, p.SouthStore, 1), 422, "storeroom_other_site")
		mv = as[workorder.Moved](t, ret(tech, p.Filter, p.Store, 4))
		if mv.Movement.Kind != "return" {
			t.Errorf("return movement kind = %s", mv.Movement.Kind)
		}
		wantQty(t, "return quantity", mv.Movement.Quantity, "4")
		wantMoney(t, "return value", mv.Movement.Value, "40.00")
		wantQty(t, "line issued after return", mv.Material.Issued, "6")
		wantQty(t, "on hand after return", mv.Stock.OnHand, "24")
		wantMoney(t, "value after return", mv.Stock.Value, "300.00")

		// Issued again at the new average, 12.50; returning all 9 gives back exactly what they cost.
		mv = as[workorder.Moved](t, issue(tech, p.Filter, p.Store, 3))
		wantMoney(t, "issue at the new average", mv.Movement.Value, "-37.50")
		mv = as[workorder.Moved](t, ret(tech, p.Filter, p.Store, 9))
		wantMoney(t, "return of everything", mv.Movement.Value, "97.50")
		wantError(t, ret(tech, p.Filter, p.Store, 1), 422, "return_exceeds_issued")

		c := as[workorder.Costs](t, a.must(200, "GET", woPath(w, "costs"), nil))
		wantMoney(t, "actual parts (2 SEAL-20 at 42.00)", c.Actual.Parts, "84.00")

		// Returns are taken after completion, not after closing.
		mustDrive(t, a, w, "start", "complete")
		wantError(t, issue(tech, p.Seal, p.Store, 1), 409, "work_order_not_active")
		a.must(201, "POST", woPath(w, "returns"), map[string]any{"item_id": p.Seal, "storeroom_id": p.Store, "quantity": 1})
		mustDrive(t, a, w, "close")
		wantError(t, ret(tech, p.Seal, p.Store, 1), 409, "work_order_not_active")

		checkInvariants(t, a, p, w, other)
	})
}

func TestCloseAndCancelReleaseReservations(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		// Preventive: 2 FLT-10 reserved from the BOM, plus 3 SEAL-20 by hand.
		cancelled := mustWorkOrder(t, a, p, map[string]any{"type": "preventive"}).str("id")
		a.must(201, "POST", woPath(cancelled, "materials"), map[string]any{"item_id": p.Seal, "quantity": 3, "storeroom_id": p.Store})
		closed := mustWorkOrder(t, a, p, map[string]any{"type": "preventive"}).str("id")
		wantQty(t, "FLT-10 reserved", mustStock(t, a, p.Store, p.Filter).Reserved, "4")
		wantQty(t, "SEAL-20 reserved", mustStock(t, a, p.Store, p.Seal).Reserved, "3")

		mustDrive(t, a, cancelled, "approve", "cancel")
		wantQty(t, "FLT-10 reserved after cancel", mustStock(t, a, p.Store, p.Filter).Reserved, "2")
		wantQty(t, "SEAL-20 reserved after cancel", mustStock(t, a, p.Store, p.Seal).Reserved, "0")
		for _, m := range materials(t, a, cancelled) {
			wantQty(t, "cancelled line reserved", m.Reserved, "0")
		}

		mustDrive(t, a, closed, path("in_progress")...)
		a.must(201, "POST", woPath(closed, "issues"), map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 1})
		mustDrive(t, a, closed, "complete")
		wantQty(t, "FLT-10 reserved after completion", mustStock(t, a, p.Store, p.Filter).Reserved, "1")
		mustDrive(t, a, closed, "close")
		st := mustStock(t, a, p.Store, p.Filter)
		wantQty(t, "FLT-10 reserved after close", st.Reserved, "0")
		wantQty(t, "FLT-10 on hand after close", st.OnHand, "19")
		m := materials(t, a, closed)[0]
		wantQty(t, "closed line reserved", m.Reserved, "0")
		wantQty(t, "closed line issued", m.Issued, "1")
		checkInvariants(t, a, p, cancelled, closed)
	})
}

func TestCostsAndTrace(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		// BOM: 2 FLT-10 at 10.00 (parts 20.00), 1 BRG-SPC at 250.00 (direct 250.00).
		w := mustWorkOrder(t, a, p, map[string]any{"type": "preventive", "estimated_labor": "300"}).str("id")
		a.must(201, "POST", woPath(w, "materials"), map[string]any{"item_id": p.Seal, "quantity": 2, "storeroom_id": p.Store})
		c := as[workorder.Costs](t, a.must(200, "GET", woPath(w, "costs"), nil))
		for _, tc := range []struct {
			what string
			got  millwright.Money
			want string
		}{
			{"estimated labor", c.Estimated.Labor, "300.00"},
			{"estimated parts", c.Estimated.Parts, "104.00"}, // 2 × 10.00 + 2 × 42.00
			{"estimated direct", c.Estimated.Direct, "250.00"},
			{"estimated services", c.Estimated.Services, "0"},
			{"estimated total", c.Estimated.Total, "654.00"},
			{"committed total", c.Committed.Total, "0"},
			{"actual total", c.Actual.Total, "0"},
		} {
			wantMoney(t, tc.what, tc.got, tc.want)
		}
		if !strings.Contains(string(a.must(200, "GET", woPath(w, "costs"), nil).Raw), `"total":"654.00"`) {
			t.Errorf("costs do not show money as decimal strings")
		}

		mustDrive(t, a, w, path("in_progress")...)
		a.do("POST", woPath(w, "labor"), tech, map[string]any{"technician": "tom", "craft": "fitter", "hours": 1.5, "rate": "40"})
		a.do("POST", woPath(w, "issues"), tech, map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 2})
		a.do("POST", woPath(w, "returns"), tech, map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 1})
		// The direct bearing is not received: completing needs a reason,
		// which the audit trail keeps.
		r := a.do("POST", woPath(w, "complete"), tech, map[string]any{"problem": "noise"})
		wantError(t, r, 422, "materials_not_received")
		if msg := fmt.Sprint(field(r.Body, "error", "message")); !strings.Contains(msg, "1 BRG-SPC (") {
			t.Errorf("refused completion says %q; want it to name the bearing not received", msg)
		}
		if got := a.must(200, "GET", woPath(w), nil); got.str("status") != "in_progress" {
			t.Fatalf("after the refused completion the work order is %s; want in_progress", got.str("status"))
		}
		a.must(200, "POST", woPath(w, "complete"), map[string]any{"problem": "noise", "override_materials": "fitted the spare pump's bearing"})
		if got := auditActions(t, a, "work_order", w); !slices.Contains(got, "complete_without_materials") {
			t.Errorf("audit of the work order = %v; want the override recorded", got)
		}
		c = as[workorder.Costs](t, a.must(200, "GET", woPath(w, "costs"), nil))
		wantMoney(t, "actual labor", c.Actual.Labor, "60.00")
		wantMoney(t, "actual parts", c.Actual.Parts, "10.00")
		wantMoney(t, "actual direct (not received yet)", c.Actual.Direct, "0")
		wantMoney(t, "actual total", c.Actual.Total, "70.00")

		tr := a.must(200, "GET", woPath(w, "trace"), nil)
		trace := as[workorder.Trace](t, tr)
		if trace.WorkOrder == nil || trace.WorkOrder.ID != w || trace.WorkOrder.Status != workorder.Completed {
			t.Fatalf("trace work order = %+v", trace.WorkOrder)
		}
		var kinds []string
		for i, e := range trace.Events {
			kinds = append(kinds, e.Kind)
			if e.Ref == "" || e.Actor == "" || e.Detail == "" || e.At.IsZero() {
				t.Errorf("event %d = %+v; want at, actor, ref and detail", i, e)
			}
			if i > 0 && e.At.Before(trace.Events[i-1].At) {
				t.Errorf("event %d is before event %d", i, i-1)
			}
		}
		// Each labor entry, issue, return and the completion also queue a
		// message to the ERP (the filter is not mapped: its movements wait).
		want := "[status_changed status_changed status_changed status_changed labor_logged message_queued parts_issued message_queued parts_issued message_queued status_changed message_queued]"
		if fmt.Sprint(kinds) != want {
			t.Errorf("trace kinds = %v;\nwant %s", kinds, want)
		}
		if e := trace.Events[0]; e.Ref != trace.WorkOrder.Number || e.Actor != "admin" {
			t.Errorf("first event = %+v; want the creation of %s by admin", e, trace.WorkOrder.Number)
		}
		if e := trace.Events[4]; e.Actor != "tom" || !strings.Contains(e.Detail, "fitter") {
			t.Errorf("labor event = %+v", e)
		}
		if e := trace.Events[5]; !strings.Contains(e.Detail, "labor_cost, pending") {
			t.Errorf("labor message event = %+v; want labor_cost, pending", e)
		}
		if e := trace.Events[7]; !strings.Contains(e.Detail, "stock_movement, failed: part FLT-10: no ERP item code mapped for site NORTH") {
			t.Errorf("issue message event = %+v; want stock_movement failed for want of a mapping", e)
		}
		if e := trace.Events[8]; !strings.Contains(e.Detail, "returned 1 × FLT-10 to MAIN") {
			t.Errorf("return event = %+v", e)
		}

		south := a.token("south", millwright.Finance, p.OtherSite)
		wantError(t, a.do("GET", woPath(w, "costs"), south, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", woPath(w, "trace"), south, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", woPath(w, "labor"), south, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", woPath("wo_nope", "costs"), a.admin, nil), 404, "not_found")
		wantError(t, a.do("GET", woPath("wo_nope", "trace"), a.admin, nil), 404, "not_found")
		checkInvariants(t, a, p, w)
	})
}

// checkInvariants checks that the cost numbers agree with the stored
// movements: each work order's actual parts cost is minus the sum of its
// movements' values, and each stock row's quantity and value are its
// adjustments plus the movements of the work orders.
func checkInvariants(t *testing.T, a *api, p *plant, workOrders ...string) {
	t.Helper()
	ctx := t.Context()
	type sum struct{ q, v millwright.Qty }
	rows := map[[2]string]*sum{}
	for key, adj := range p.Adjusted {
		rows[key] = &sum{q: adj.Quantity, v: millwright.Qty{Decimal: adj.Value.Decimal}}
	}
	for _, id := range workOrders {
		var moves []inventory.Movement
		if err := a.db.View(ctx, func(tx *store.Tx) (err error) {
			moves, err = tx.WorkOrderMovements(ctx, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var total millwright.Money
		for _, m := range moves {
			total = total.Add(m.Value)
			key := [2]string{m.StoreroomID, m.ItemID}
			if rows[key] == nil {
				rows[key] = &sum{}
			}
			rows[key].q = rows[key].q.Add(m.Quantity)
			rows[key].v = rows[key].v.Add(millwright.Qty{Decimal: m.Value.Decimal})
		}
		c := as[workorder.Costs](t, a.must(200, "GET", woPath(id, "costs"), nil))
		if !c.Actual.Parts.Equal(total.Neg()) {
			t.Errorf("%s: actual parts %s; want %s, minus the sum of its movements", c.Number, c.Actual.Parts, total.Neg())
		}
	}
	for key, s := range rows {
		st := mustStock(t, a, key[0], key[1])
		if st.OnHand.IsNegative() || st.Value.IsNegative() {
			t.Errorf("stock %v: on hand %s, value %s; never negative", key, st.OnHand, st.Value)
		}
		if !st.OnHand.Equal(s.q.Decimal) || !st.Value.Equal(s.v.Decimal) {
			t.Errorf("stock %v: on hand %s, value %s; want %s, %s from its movements", key, st.OnHand, st.Value, s.q, s.v)
		}
	}
}

// TestWorkOrderRoutesUnknown checks an unknown work order on every
// sub-resource is 404.
func TestWorkOrderRoutesUnknown(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		for _, r := range []struct{ method, path string }{
			{"GET", woPath("wo_nope", "materials")},
			{"POST", woPath("wo_nope", "complete")},
			{"POST", woPath("wo_nope", "returns")},
		} {
			var body any = map[string]any{}
			if strings.HasSuffix(r.path, "returns") {
				body = map[string]any{"item_id": "itm_x", "storeroom_id": "str_x", "quantity": 1}
			}
			wantError(t, a.do(r.method, r.path, a.admin, body), http.StatusNotFound, "not_found")
		}
	})
}
