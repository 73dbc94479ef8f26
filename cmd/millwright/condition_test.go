package main

import (
	"fmt"
	"testing"
	"time"
)

// The seed's closing point, end to end: vibration readings published to
// Mosquitto pass a condition rule's limit for its duration; serve makes
// ONE predictive work order for the pump (not one per reading), releases
// it, and Auto Request Material puts its BOM's direct bearing on a
// requisition in the embedded ERP, requested by the system, before the
// failure.
func TestConditionReadingsOverMQTTRequestParts(t *testing.T) {
	m := newMQTTServe(t, "--pm-interval", "0")
	call := m.call
	site := call("POST", "/sites", map[string]any{"code": m.code, "name": "Condition test", "currency": "EUR", "time_zone": "UTC"}, 201)["id"].(string)
	brg := call("POST", "/items", map[string]any{"part_number": "BRG-" + m.code, "description": "Spherical roller bearing",
		"unit": "EA", "stock_type": "direct", "unit_cost": "310.00", "vendor": "SKF"}, 201)["id"].(string)
	call("POST", "/integration/mappings/items", map[string]any{"item_id": brg, "erp_item_code": "E-BRG-" + m.code}, 200)
	pump := call("POST", "/assets", map[string]any{"tag": "P-9", "name": "Cooling water pump", "site_id": site,
		"criticality": 2, "cost_center": "CC-400"}, 201)["id"].(string)
	call("PUT", "/assets/"+pump+"/bom", map[string]any{"lines": []map[string]any{
		{"item_id": brg, "quantity": 2, "auto_request_material": true}}}, 200)
	plan := call("POST", "/pm-plans", map[string]any{"asset_id": pump, "name": "Bearing vibration",
		"trigger":    map[string]any{"kind": "condition", "meter": "vibration_mm_s", "above": 7.1, "for_minutes": 10},
		"work_order": map[string]any{"title": "Replace bearings before they fail"}}, 201)["id"].(string)

	// Readings every 3 minutes over the last quarter hour, the last five
	// above 7.1 mm/s: the rule holds from the fifth on, and every reading
	// after that still holds — one work order all the same.
	now := time.Now().UTC().Truncate(time.Second)
	values := []float64{4.2, 4.4, 7.4, 7.9, 8.3, 8.8, 9.1}
	for i, v := range values {
		at := now.Add(time.Duration(i-len(values)+1) * 3 * time.Minute)
		m.publish("P-9", "vibration_mm_s", fmt.Sprintf(`{"value":%g,"at":%q}`, v, at.Format(time.RFC3339)))
	}
	deadline := time.Now().Add(30 * time.Second)
	var req map[string]any
	var wo map[string]any
	for {
		readings := call("GET", "/assets/"+pump+"/readings?meter=vibration_mm_s", nil, 200)["items"].([]any)
		wos := call("GET", "/work-orders?asset_id="+pump, nil, 200)["items"].([]any)
		if len(wos) == 1 {
			wo = wos[0].(map[string]any)
			if reqs := call("GET", "/erp/requisitions?work_order_id="+wo["id"].(string), nil, 200)["items"].([]any); len(reqs) == 1 {
				req = reqs[0].(map[string]any)
			}
		}
		if len(readings) == len(values) && req != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d of %d readings stored, work orders %v, requisition %v; want one predictive order and its requisition",
				len(readings), len(values), wos, req)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if wo["type"] != "predictive" || wo["status"] != "released" {
		t.Fatalf("work order = %v; want a released predictive order", wo)
	}
	if p := wo["priority"].(float64); p > 2 {
		t.Fatalf("priority = %v; want 2 or more urgent for a rule on a criticality-2 asset", p)
	}
	lines := req["lines"].([]any)
	if req["requested_by"] != "system" || len(lines) != 1 || lines[0].(map[string]any)["quantity"] != 2.0 {
		t.Fatalf("requisition = %v; want 2 bearings requested by system", req)
	}
	// More readings above the limit make no second order while this one is open.
	m.publish("P-9", "vibration_mm_s", fmt.Sprintf(`{"value":9.6,"at":%q}`, now.Add(time.Minute).Format(time.RFC3339)))
	for len(call("GET", "/assets/"+pump+"/readings?meter=vibration_mm_s", nil, 200)["items"].([]any)) <= len(values) {
		if time.Now().After(deadline) {
			t.Fatal("the eighth reading was not stored within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if wos := call("GET", "/work-orders?asset_id="+pump, nil, 200)["items"].([]any); len(wos) != 1 {
		t.Fatalf("work orders after another reading = %d; want still 1", len(wos))
	}
	if occ := call("GET", "/pm-plans/"+plan, nil, 200); occ["active"] != true {
		t.Fatalf("plan after firing = %v; want still active", occ)
	}
}
