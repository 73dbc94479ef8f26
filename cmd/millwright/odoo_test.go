package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
)

const odooAPIKey = "odoo-api-key-of-the-serve-test-93b1"

// serve --connector odoo --connector-config FILE against a fake Odoo on
// loopback, its API key in the environment: a new plant's mapped item
// reaches Odoo as a product.product, a released work order's requisition
// appears there as a purchase agreement (through two 500s), and the key is
// in no output and no database file. Then `connector check` prints the
// missing analytic account with its fix and exits 1, and, once an Odoo
// administrator has made it, passes and exits 0.
func TestServeOdooConnector(t *testing.T) {
	fake := odoofake.New(odooAPIKey)
	var mu sync.Mutex
	failures := 2
	fake.SetIntercept(func(model, method string) odoofake.Fault {
		mu.Lock()
		defer mu.Unlock()
		if model == "purchase.requisition" && method == "create" && failures > 0 {
			failures--
			return odoofake.Fault{Status: http.StatusInternalServerError}
		}
		return odoofake.Fault{}
	})
	odooSrv := httptest.NewServer(fake)
	defer odooSrv.Close()
	settings := writeSettings(t, `{"url":"`+odooSrv.URL+`","api_key_env":"ODOO_API_KEY","storerooms":{"MAIN":{"location":"WH/Stock"}},
		"cost_centers":{"CC-100":"MNT-100"},"poll_interval":"200ms","settle_delay":"1s","timeout":"5s"}`)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "cmms.db")
	getenv := env(map[string]string{"ODOO_API_KEY": odooAPIKey})

	var tok bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "--db", dsn, "--user", "admin", "--role", "admin"}, env(nil), nil, &tok, io.Discard); err != nil {
		t.Fatalf("token create = %v", err)
	}
	token := strings.TrimSpace(tok.String())

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv := serveInProcess(t, ctx, []string{"--addr", "127.0.0.1:0", "--db", dsn, "--connector", "odoo", "--connector-config", settings,
		"--reconcile-every", "0", "--pm-interval", "0"}, getenv)
	base, stdout, stderr, done := srv.base, srv.stdout, srv.stderr, srv.done
	post := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s = %d %s", method, path, res.StatusCode, raw)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	id := func(m map[string]any) string { s, _ := m["id"].(string); return s }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 20 s\n%s", what, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	site := id(post("POST", "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North plant", "currency": "EUR", "time_zone": "Europe/Berlin"}))
	class := id(post("POST", "/api/v1/asset-classes", map[string]any{"code": "PUMP", "name": "Pumps", "auto_request_material": true}))
	pump := id(post("POST", "/api/v1/assets", map[string]any{"tag": "P-101", "name": "Cooling water pump", "site_id": site,
		"asset_class_id": class, "criticality": 2, "cost_center": "CC-100"}))
	post("POST", "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "Main store", "site_id": site})
	seal := id(post("POST", "/api/v1/items", map[string]any{"part_number": "SEAL-45", "description": "Mechanical seal 45 mm", "unit": "EA",
		"stock_type": "direct", "unit_cost": "120.00", "vendor": "EagleBurgmann"}))
	post("POST", "/api/v1/integration/mappings/items", map[string]any{"item_id": seal, "erp_item_code": "10-SEAL-45", "erp_unit": "EA", "factor": 1})
	waitFor("the mapped item as an Odoo product", func() bool {
		return len(fake.IDs("product.product", []any{"default_code", "=", "10-SEAL-45"})) == 1
	})
	post("PUT", "/api/v1/assets/"+pump+"/bom", map[string]any{"lines": []map[string]any{{"item_id": seal, "quantity": 1, "auto_request_material": true}}})
	wo := id(post("POST", "/api/v1/work-orders", map[string]any{"type": "preventive", "priority": 3, "asset_id": pump, "title": "Seal change"}))
	post("POST", "/api/v1/work-orders/"+wo+"/approve", nil)
	post("POST", "/api/v1/work-orders/"+wo+"/release", nil)
	waitFor("the released work order's requisition in Odoo", func() bool {
		return len(fake.IDs("purchase.requisition", []any{"reference", "=like", "MW:%"}, []any{"line_ids.product_description_variants", "like", wo})) == 1
	})
	if n := len(fake.IDs("purchase.requisition")); n != 1 {
		t.Errorf("purchase agreements in Odoo = %d after two 500s; want 1", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v; want nil after shutdown", err)
	}
	if !strings.Contains(stdout.String(), "connector odoo") {
		t.Errorf("serve's output names no odoo connector:\n%s", stdout.String())
	}

	check := func(wantErr bool) string {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), []string{"connector", "check", "--connector", "odoo", "--connector-config", settings, "--db", dsn}, getenv, nil, &out, io.Discard)
		if wantErr && (err == nil || exitCode(err) != 1) || !wantErr && err != nil {
			t.Errorf("connector check = %v (exit %d); want failed: %v\n%s", err, exitCode(err), wantErr, out.String())
		}
		return out.String()
	}
	gaps := check(true)
	if !strings.Contains(gaps, "FAIL settings") || !strings.Contains(gaps, "MNT-100") || !strings.Contains(gaps, "fix:") {
		t.Errorf("connector check printed\n%s\nwant the missing analytic account MNT-100 with its fix", gaps)
	}
	if _, err := fake.Create("account.analytic.account", map[string]any{"name": "Maintenance North", "code": "MNT-100"}); err != nil {
		t.Fatal(err)
	}
	fine := check(false)
	if !strings.Contains(fine, "all") || strings.Contains(fine, "FAIL") {
		t.Errorf("connector check once the account exists printed\n%s\nwant every check passed", fine)
	}
	t.Logf("connector check with a gap:\n%s", gaps)

	for name, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "check": gaps + fine} {
		if strings.Contains(text, odooAPIKey) {
			t.Errorf("%s holds the API key:\n%s", name, text)
		}
	}
	if !strings.Contains(stderr.String(), "not delivered") {
		t.Errorf("want the 500s logged; stderr:\n%s", stderr.String())
	}
	noSecretInFiles(t, filepath.Join(dir, "cmms.db*"), odooAPIKey)
}
