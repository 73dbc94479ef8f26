package httpapi_test

import (
	"net/http"
	"testing"
)

func TestHealthAndAuth(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		if r := a.do("GET", "/healthz", "", nil); r.Status != 200 || r.str("status") != "ok" {
			t.Fatalf("healthz = %d %s", r.Status, r.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/sites", "", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, a.do("GET", "/api/v1/sites", "mw_bogus", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, a.do("GET", "/api/v1/nothing-here", a.admin, nil), http.StatusNotFound, "not_found")
	})
}
