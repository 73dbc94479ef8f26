package odoofake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

const key = "test-key-0123456789"

func post(t *testing.T, url, key, path string, body any) (int, any, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var out any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: answer: %v", path, err)
	}
	return res.StatusCode, out, res.Header
}

// TestReplayTranscript replays the 23 calls recorded against a real Odoo
// 19 and compares each answer's status and body with the recorded one.
//
// Normalised: nothing in the answers. The fake is set up as the recorded
// database stood: its clock reads the recording's time (2026-11-28
// 17:41:00 UTC, the date_done recorded) and each model's next id is the
// id the recording shows (equipment 2, request 200, partner 7, product 2,
// requisition 1, order 2, picking 2, move 2, quant 4, bill 2, bill lines
// 4). Document names follow from ids (P00002, WH/IN/00002,
// BILL/2026/11/0002), where Odoo takes them from sequences that the
// recorded database had at the same numbers.
func TestReplayTranscript(t *testing.T) {
	b, err := Transcript()
	if err != nil {
		t.Fatal(err)
	}
	var calls []struct {
		Request struct {
			Path string `json:"path"`
			Body any    `json:"body"`
		} `json:"request"`
		Response struct {
			Status int `json:"status"`
			Body   any `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(b, &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 23 {
		t.Fatalf("transcript has %d calls; want 23", len(calls))
	}
	f := New(key)
	f.Now = func() time.Time { return time.Date(2026, 11, 28, 17, 41, 0, 0, time.UTC) }
	for m, id := range map[string]int{"maintenance.equipment": 2, "maintenance.request": 200, "res.partner": 7, "product.product": 2,
		"purchase.requisition": 1, "purchase.order": 2, "stock.picking": 2, "stock.move": 2, "stock.quant": 4, "account.move": 2,
		"account.move.line": 4} {
		f.SetNextID(m, id)
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	for i, c := range calls {
		status, body, _ := post(t, srv.URL, key, c.Request.Path, c.Request.Body)
		if status != c.Response.Status {
			t.Errorf("call %d %s: status %d; want %d (body %v)", i+1, c.Request.Path, status, c.Response.Status, body)
			continue
		}
		if !reflect.DeepEqual(body, c.Response.Body) {
			got, _ := json.Marshal(body)
			want, _ := json.Marshal(c.Response.Body)
			t.Errorf("call %d %s:\n got %s\nwant %s", i+1, c.Request.Path, got, want)
		}
	}
}

// TestRefusals shows the fake refusing what a real Odoo 19 refuses, in
// Odoo's error shape.
func TestRefusals(t *testing.T) {
	f := New(key)
	srv := httptest.NewServer(f)
	defer srv.Close()
	vendor := 0
	{
		_, body, _ := post(t, srv.URL, key, "/json/2/res.partner/create", map[string]any{"vals_list": []any{map[string]any{"name": "V"}}})
		vendor = int(body.([]any)[0].(float64))
	}
	for _, tc := range []struct {
		name, key, path string
		body            any
		status          int
		errName         string
	}{
		{"bad key", "wrong", "/json/2/res.partner/search_read", map[string]any{"domain": []any{}}, 401, "werkzeug.exceptions.Unauthorized"},
		{"no key", "", "/json/2/res.partner/search_read", map[string]any{"domain": []any{}}, 401, "werkzeug.exceptions.Unauthorized"},
		{"unknown model", key, "/json/2/no.such.model/search_read", map[string]any{"domain": []any{}}, 404, "werkzeug.exceptions.NotFound"},
		{"unknown method", key, "/json/2/purchase.order/no_such_method", map[string]any{"ids": []int{}}, 404, "werkzeug.exceptions.NotFound"},
		{"unknown field", key, "/json/2/purchase.order/create", map[string]any{"vals_list": []any{map[string]any{"partner_id": vendor, "x_mw_key": "k"}}}, 500, "builtins.ValueError"},
		{"missing required field", key, "/json/2/purchase.order/create", map[string]any{"vals_list": []any{map[string]any{"origin": "MW:x"}}}, 422, "odoo.exceptions.ValidationError"},
		{"read-only field", key, "/json/2/purchase.order/create", map[string]any{"vals_list": []any{map[string]any{"partner_id": vendor, "state": "purchase"}}}, 422, "odoo.exceptions.ValidationError"},
		{"wrong selection", key, "/json/2/product.product/create", map[string]any{"vals_list": []any{map[string]any{"name": "P", "type": "stockable"}}}, 500, "builtins.ValueError"},
		{"wrong type", key, "/json/2/product.product/create", map[string]any{"vals_list": []any{map[string]any{"name": "P", "standard_price": "ten"}}}, 500, "builtins.ValueError"},
		{"missing many2one", key, "/json/2/purchase.order/create", map[string]any{"vals_list": []any{map[string]any{"partner_id": 999999}}}, 404, "odoo.exceptions.MissingError"},
		{"missing id", key, "/json/2/purchase.order/read", map[string]any{"ids": []int{424242}, "fields": []string{"name"}}, 404, "odoo.exceptions.MissingError"},
		{"bad domain field", key, "/json/2/purchase.order/search_read", map[string]any{"domain": []any{[]any{"nope", "=", 1}}}, 500, "builtins.ValueError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := post(t, srv.URL, tc.key, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d; want %d (%v)", status, tc.status, body)
			}
			m, _ := body.(map[string]any)
			if m["name"] != tc.errName {
				t.Errorf("name %v; want %s", m["name"], tc.errName)
			}
			for _, k := range []string{"message", "arguments", "context"} {
				if _, ok := m[k]; !ok {
					t.Errorf("answer has no %q: %v", k, m)
				}
			}
		})
	}
	// A refused create leaves nothing behind.
	if n := len(f.IDs("purchase.order")); n != 0 {
		t.Errorf("%d purchase orders after refused creates; want 0", n)
	}
}

// TestFlow plays the buyer, the storekeeper and the accountant: a
// requisition becomes an order, is received and billed at another price.
func TestFlow(t *testing.T) {
	f := New(key)
	vendor, err := f.Create("res.partner", map[string]any{"name": "Flowserve", "supplier_rank": 1})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := f.Create("product.product", map[string]any{"name": "Seal", "default_code": "SEAL-1", "is_storable": true, "standard_price": 10})
	if err != nil {
		t.Fatal(err)
	}
	req, err := f.Create("purchase.requisition", map[string]any{"requisition_type": "purchase_template", "reference": "MW:k1",
		"line_ids": []any{[]any{0, 0, map[string]any{"product_id": prod, "product_qty": 3, "price_unit": 10, "product_description_variants": "mw:ml_1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.MustCall("purchase.requisition", "action_confirm", map[string]any{"ids": []int{req}}, nil)
	po, err := f.OrderFromRequisition(req, vendor)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ConfirmOrder(po); err != nil {
		t.Fatal(err)
	}
	if err := f.Receive(po, map[int]float64{prod: 2}); err != nil {
		t.Fatal(err)
	}
	if got := f.IDs("stock.picking", []any{"purchase_id", "=", po}, []any{"state", "=", "assigned"}); len(got) != 1 {
		t.Errorf("open backorders %v; want one", got)
	}
	if got := f.IDs("stock.quant", []any{"product_id", "=", prod}, []any{"location_id.usage", "=", "internal"}, []any{"quantity", ">=", 2}); len(got) != 1 {
		t.Errorf("quants %v; want one of 2", got)
	}
	bill, err := f.Bill(po, "2026-03-02", map[int]float64{prod: 12})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Get("account.move", bill)
	if m["state"] != "posted" || m["move_type"] != "in_invoice" {
		t.Errorf("bill %v; want a posted in_invoice", m)
	}
	var lines []struct {
		Quantity  float64 `json:"quantity"`
		PriceUnit float64 `json:"price_unit"`
		Debit     float64 `json:"debit"`
	}
	f.MustCall("account.move.line", "search_read", map[string]any{"domain": []any{[]any{"move_id", "=", bill}, []any{"display_type", "=", "product"}},
		"fields": []string{"quantity", "price_unit", "debit"}}, &lines)
	if len(lines) != 1 || lines[0].Quantity != 2 || lines[0].PriceUnit != 12 || lines[0].Debit != 24 {
		t.Errorf("bill lines %+v; want 2 at 12", lines)
	}
	// Domains: or, not, in, ilike, dotted paths.
	if got := f.IDs("purchase.order", "|", []any{"origin", "ilike", "pt0"}, []any{"name", "=", "nope"}); len(got) != 1 {
		t.Errorf("ilike/or found %v", got)
	}
	if got := f.IDs("purchase.order", "!", []any{"requisition_id.reference", "in", []any{"MW:k1"}}); len(got) != 0 {
		t.Errorf("not/in/dotted found %v", got)
	}
}
