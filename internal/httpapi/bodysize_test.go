package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// A body over the 1 MiB limit is refused as body_too_large, whatever the
// JSON decoder makes of the cut (an unexpected end, a string cut short),
// with or without an Idempotency-Key, and nothing is written.
func TestBodyTooLarge(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		huge := `{"code":"BIG","name":"` + strings.Repeat("x", 2<<20) + `"}`
		for _, headers := range [][]string{nil, {"Idempotency-Key", "big-1"}} {
			r := a.do("POST", "/api/v1/sites", a.admin, huge, headers...)
			wantError(t, r, http.StatusBadRequest, "body_too_large")
			if !strings.Contains(string(r.Raw), "1048576 bytes") {
				t.Errorf("answer %s; want the limit named", r.Raw)
			}
		}
		if sites := a.must(200, "GET", "/api/v1/sites", nil).items(); len(sites) != 0 {
			t.Fatalf("sites after refused bodies = %v; want none", sites)
		}
	})
}
