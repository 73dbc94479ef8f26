package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRunsPMScheduler: serve runs the PM scheduler at --pm-interval;
// a calendar plan whose lead time has begun gets its work order without a
// request asking for it.
func TestServeRunsPMScheduler(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "pm.db")
	base := start(t, "--db", dsn, "--pm-interval", "50ms")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "--db", dsn, "--user", "alice", "--role", "admin"},
		env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("token create = %v", err)
	}
	token := strings.TrimSpace(out.String())
	call := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s = %d %v", method, path, res.StatusCode, v)
		}
		return v
	}
	site := call("POST", "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North", "currency": "EUR", "time_zone": "UTC"})
	as := call("POST", "/api/v1/assets", map[string]any{"tag": "P-1", "name": "Pump", "site_id": site["id"]})
	call("POST", "/api/v1/pm-plans", map[string]any{"asset_id": as["id"], "lead_time_days": 2,
		"trigger":    map[string]any{"kind": "calendar", "every_days": 1, "start": time.Now().UTC().Format("2006-01-02")},
		"work_order": map[string]any{"title": "Daily round"}})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if items := call("GET", "/api/v1/work-orders?asset_id="+as["id"].(string), nil)["items"].([]any); len(items) > 0 {
			w := items[0].(map[string]any)
			if w["type"] != "preventive" || w["created_by"] != "system" {
				t.Fatalf("generated %v; want a preventive order by system", w)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no work order generated within 10 s")
}
