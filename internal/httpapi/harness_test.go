package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// api is a running API over a fresh database, for end-to-end tests.
type api struct {
	t     *testing.T
	db    *store.DB
	srv   *httptest.Server
	admin string     // an admin token
	erp   *remoteERP // the ERP in its own process, or nil when it runs in this one (runFlow)
}

// runAPI runs fn against a fresh API on SQLite, then on PostgreSQL.
func runAPI(t *testing.T, fn func(t *testing.T, a *api)) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		a := &api{t: t, db: db}
		a.srv = httptest.NewServer(httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil))))
		t.Cleanup(a.srv.Close)
		a.admin = a.token("admin", millwright.Admin, "")
		fn(t, a)
	})
}

// token creates a user with role, limited to siteID when set, and returns a token.
func (a *api) token(name string, role millwright.Role, siteID string) string {
	a.t.Helper()
	tok, hash := auth.NewToken()
	err := a.db.InTx(a.t.Context(), func(tx *store.Tx) error {
		u := &store.User{Username: name, Role: role, SiteID: siteID}
		if err := tx.CreateUser(a.t.Context(), u); err != nil {
			return err
		}
		_, err := tx.CreateToken(a.t.Context(), u.ID, hash)
		return err
	})
	if err != nil {
		a.t.Fatalf("create token for %s: %v", name, err)
	}
	a.erpToken(name, role, hash)
	return tok
}

// resp is a decoded response.
type resp struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

// code is the error code of an error response.
func (r resp) code() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// str returns a top-level string field.
func (r resp) str(k string) string { s, _ := r.Body[k].(string); return s }

// items returns the items of a list response.
func (r resp) items() []map[string]any {
	var out []map[string]any
	for _, it := range r.Body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// do sends a request with token (none when "") and body (JSON-encoded
// unless it is a string or []byte, sent as is), with extra headers as
// name, value pairs.
func (a *api) do(method, path, token string, body any, headers ...string) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	base := a.srv.URL
	if a.erp != nil && strings.HasPrefix(path, "/api/v1/erp/") {
		base = a.erp.srv.URL
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	json.Unmarshal(raw, &r.Body)
	return r
}

// post sends a POST as token's user and fails the test unless it answers
// 200 or 201.
func (a *api) post(token, path string, body any) resp {
	a.t.Helper()
	r := a.do("POST", path, token, body)
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		a.t.Fatalf("POST %s = %d %s", path, r.Status, r.Raw)
	}
	return r
}

// must sends a request as admin and fails the test unless the status is want.
func (a *api) must(want int, method, path string, body any) resp {
	a.t.Helper()
	r := a.do(method, path, a.admin, body)
	if r.Status != want {
		a.t.Fatalf("%s %s = %d %s; want %d", method, path, r.Status, r.Raw, want)
	}
	return r
}

// wantError fails the test unless r is an error with status and code.
func wantError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.Status != status || r.code() != code {
		t.Fatalf("got %d %s; want %d with code %s", r.Status, r.Raw, status, code)
	}
	if msg, _ := r.Body["error"].(map[string]any)["message"].(string); msg == "" {
		t.Fatalf("error %s has no message", code)
	}
}
