package httpapi_test

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

func TestHealthAndAuth(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		if r := a.do("GET", "/healthz", "", nil); r.Status != 200 || r.str("status") != "ok" {
			t.Fatalf("healthz = %d %s", r.Status, r.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/sites", "", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, a.do("GET", "/api/v1/sites", "mw_bogus", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, a.do("GET", "/api/v1/sites", a.admin, nil, "Authorization", "Basic YWRtaW46eA=="), http.StatusUnauthorized, "unauthorized")
		wantError(t, a.do("GET", "/api/v1/nothing-here", a.admin, nil), http.StatusNotFound, "not_found")
	})
}

// TestTokenReadEachRequest: a token is looked up on every request, so a
// change to its user's role or site, or the token's removal, holds from
// the very next request. Whoever adds a cache of tokens keeps this true.
func TestTokenReadEachRequest(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		tok := a.token("rosa", millwright.Admin, "")
		if r := a.do("GET", "/api/v1/users", tok, nil); r.Status != http.StatusOK {
			t.Fatalf("GET /api/v1/users as admin = %d %s; want 200", r.Status, r.Raw)
		}
		setUser := func(role millwright.Role, siteID string) {
			t.Helper()
			if err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
				u, err := tx.UserByName(t.Context(), "rosa")
				if err != nil {
					return err
				}
				u.Role, u.SiteID = role, siteID
				return tx.SaveUser(t.Context(), u)
			}); err != nil {
				t.Fatalf("save user rosa: %v", err)
			}
		}
		setUser(millwright.Technician, "")
		wantError(t, a.do("GET", "/api/v1/users", tok, nil), http.StatusForbidden, "forbidden")
		south := mustSiteInStore(t, a, "SOUTH")
		north := mustSiteInStore(t, a, "NORTH")
		setUser(millwright.Technician, south)
		if r := a.do("GET", "/api/v1/sites/"+north, tok, nil); r.Status == http.StatusOK {
			t.Fatalf("GET another site's record after the user was limited to SOUTH = 200; want it refused")
		}
		if err := a.db.Exec(t.Context(), `DELETE FROM tokens`); err != nil {
			t.Fatal(err)
		}
		wantError(t, a.do("GET", "/api/v1/sites", tok, nil), http.StatusUnauthorized, "unauthorized")
	})
}

// mustSiteInStore creates a site directly in the store (the sites API is
// another part's) and returns its id.
func mustSiteInStore(t *testing.T, a *api, code string) string {
	t.Helper()
	s := &asset.Site{Code: code, Name: code + " plant", Currency: "EUR", TimeZone: "Europe/Berlin"}
	if err := a.db.InTx(t.Context(), func(tx *store.Tx) error { return tx.CreateSite(t.Context(), s) }); err != nil {
		t.Fatalf("create site %s: %v", code, err)
	}
	return s.ID
}

// mustPostUser creates a user through the API as token and returns it.
func mustPostUser(t *testing.T, a *api, token string, body map[string]any) resp {
	t.Helper()
	r := a.do("POST", "/api/v1/users", token, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/users %v = %d %s; want 201", body, r.Status, r.Raw)
	}
	return r
}

// fillPattern turns a route pattern into a request: its method and a path
// with each {param} replaced by a made-up id.
func fillPattern(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "nope_0")
}

// TestEveryRouteEnforcesItsAction sends every route of the table as every
// role. wrap checks the role before the handler runs, so a forbidden role
// gets 403 forbidden whatever the handler is, and an allowed one gets past
// the check: whatever it gets then (a 404 for a made-up id, a 400 for a
// missing body), it is neither 401 nor the 403 of the role check.
func TestEveryRouteEnforcesItsAction(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		tokens := map[millwright.Role]string{millwright.Admin: a.admin}
		for _, role := range millwright.Roles {
			if role != millwright.Admin {
				tokens[role] = a.token("as-"+string(role), role, "")
			}
		}
		routes := httpapi.RoutesForTest(httpapi.New(a.db, slog.New(slog.NewTextHandler(io.Discard, nil))))
		if len(routes) < 50 {
			t.Fatalf("the route table has %d routes; want the whole table", len(routes))
		}
		for _, rt := range routes {
			if rt.Action == auth.Signed {
				continue // no token: the signature decides (TestWebhook*)
			}
			method, path := fillPattern(rt.Pattern)
			wantError(t, a.do(method, path, "", nil), http.StatusUnauthorized, "unauthorized")
			for _, role := range millwright.Roles {
				r := a.do(method, path, tokens[role], nil)
				roleRefused := r.Status == http.StatusForbidden && r.code() == "forbidden"
				switch allowed := auth.Allowed(role, rt.Action); {
				case allowed && (r.Status == http.StatusUnauthorized || roleRefused):
					t.Errorf("%s as %s (%s allowed) = %d %s; want past the role check", rt.Pattern, role, rt.Action, r.Status, r.Raw)
				case !allowed && !roleRefused:
					t.Errorf("%s as %s (%s not allowed) = %d %s; want 403 forbidden", rt.Pattern, role, rt.Action, r.Status, r.Raw)
				}
			}
		}
	})
}

// TestRouteActions pins the action of a few routes, so that a route moved
// to a laxer action is caught even though the matrix is right.
func TestRouteActions(t *testing.T) {
	want := map[string]auth.Action{
		"GET /api/v1/me":                          auth.Read,
		"GET /api/v1/users":                       auth.ManageUsers,
		"POST /api/v1/users":                      auth.ManageUsers,
		"GET /api/v1/audit":                       auth.ReadAudit,
		"GET /api/v1/audit/verify":                auth.ReadAudit,
		"POST /api/v1/sites":                      auth.ManageSites,
		"POST /api/v1/assets":                     auth.PlanAssets,
		"POST /api/v1/items":                      auth.ManageItems,
		"POST /api/v1/stock/adjustments":          auth.AdjustStock,
		"POST /api/v1/work-orders":                auth.PlanWork,
		"POST /api/v1/work-orders/{id}/release":   auth.DirectWork,
		"POST /api/v1/work-orders/{id}/start":     auth.DoWork,
		"POST /api/v1/work-orders/{id}/labor":     auth.LogLabor,
		"POST /api/v1/work-orders/{id}/issues":    auth.IssueParts,
		"POST /api/v1/work-orders/{id}/materials": auth.AddDirectItem,
	}
	got := map[string]auth.Action{}
	for _, rt := range httpapi.RoutesForTest(httpapi.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))) {
		got[rt.Pattern] = rt.Action
	}
	for pattern, action := range want {
		if got[pattern] != action {
			t.Errorf("route %s needs %q; want %q", pattern, got[pattern], action)
		}
	}
}

func TestMe(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSiteInStore(t, a, "NORTH")
		tok := a.token("tina", millwright.Technician, north)
		r := a.do("GET", "/api/v1/me", tok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET /me = %d %s; want 200", r.Status, r.Raw)
		}
		if r.str("username") != "tina" || r.str("role") != "technician" || r.str("site_id") != north || !strings.HasPrefix(r.str("id"), "usr_") {
			t.Errorf("GET /me = %s; want tina, technician, site %s and her id", r.Raw, north)
		}
		var actions []string
		for _, x := range r.Body["actions"].([]any) {
			actions = append(actions, x.(string))
		}
		want := []string{"add_direct_item", "do_work", "issue_parts", "log_labor", "read", "record_readings", "request_work"}
		if !slices.Equal(actions, want) {
			t.Errorf("GET /me actions = %v; want %v", actions, want)
		}
		r = a.do("GET", "/api/v1/me", a.admin, nil)
		if n := len(r.Body["actions"].([]any)); n != len(auth.Matrix) || r.str("site_id") != "" {
			t.Errorf("GET /me as admin = %s; want all %d actions and no site", r.Raw, len(auth.Matrix))
		}
	})
}

func TestCreateUser(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSiteInStore(t, a, "NORTH")
		mustPostUser(t, a, a.admin, map[string]any{"username": "pat", "role": "planner"})
		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"malformed json", `{"username":`, 400, "bad_json"},
			{"empty body", "", 400, "bad_json"},
			{"unknown field", map[string]any{"username": "x", "role": "planner", "email": "x@example.com"}, 400, "unknown_field"},
			{"no username", map[string]any{"role": "planner"}, 400, "missing_field"},
			{"blank username", map[string]any{"username": "  ", "role": "planner"}, 400, "missing_field"},
			{"username with a space", map[string]any{"username": "pat smith", "role": "planner"}, 400, "invalid_username"},
			{"no role", map[string]any{"username": "x"}, 400, "missing_field"},
			{"unknown role", map[string]any{"username": "x", "role": "wizard"}, 400, "invalid_role"},
			{"role of the wrong type", map[string]any{"username": "x", "role": 3}, 400, "bad_json"},
			{"short password", map[string]any{"username": "x", "role": "planner", "password": "1234567"}, 400, "password_too_short"},
			{"unknown site", map[string]any{"username": "x", "role": "planner", "site_id": "site_nope"}, 422, "unknown_site"},
			{"duplicate", map[string]any{"username": "pat", "role": "buyer"}, 409, "duplicate_key"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, a.do("POST", "/api/v1/users", a.admin, tc.body), tc.status, tc.code)
			})
		}
		// Nothing of the failed requests was written: one user besides the
		// harness's admin, and one audit entry.
		if users := a.must(200, "GET", "/api/v1/users", nil).items(); len(users) != 2 {
			t.Errorf("users after failed creates = %d; want 2 (admin, pat)", len(users))
		}
		if entries := a.must(200, "GET", "/api/v1/audit", nil).items(); len(entries) != 1 {
			t.Errorf("audit entries after failed creates = %d; want 1", len(entries))
		}

		r := mustPostUser(t, a, a.admin, map[string]any{"username": "sam", "role": "storekeeper", "site_id": north, "password": "long enough"})
		id := r.str("id")
		if !strings.HasPrefix(id, "usr_") || r.str("username") != "sam" || r.str("role") != "storekeeper" || r.str("site_id") != north || r.str("created_at") == "" {
			t.Errorf("created user = %s; want sam, storekeeper at %s with an id and created_at", r.Raw, north)
		}
		if strings.Contains(string(r.Raw), "password") || strings.Contains(string(r.Raw), "argon2") {
			t.Errorf("created user = %s; want no password or hash in the response", r.Raw)
		}
		var stored *store.User
		a.db.View(t.Context(), func(tx *store.Tx) (err error) { stored, err = tx.UserByName(t.Context(), "sam"); return err })
		if stored == nil || stored.ID != id || !auth.CheckPassword(stored.PasswordHash, "long enough") {
			t.Errorf("stored user sam = %+v; want id %s and a hash of the password", stored, id)
		}
		e := a.must(200, "GET", "/api/v1/audit?entity_type=user&entity_id="+id, nil).items()
		if len(e) != 1 || e[0]["action"] != "create" || e[0]["actor"] != "admin" {
			t.Fatalf("audit of user %s = %v; want one create by admin", id, e)
		}
		if after := fmt.Sprint(e[0]["after"]); !strings.Contains(after, "sam") || strings.Contains(after, "argon2") {
			t.Errorf("audit after-image = %s; want the user without its password hash", after)
		}
	})
}

func TestUserSiteScoping(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSiteInStore(t, a, "NORTH"), mustSiteInStore(t, a, "SOUTH")
		northAdmin := a.token("north-admin", millwright.Admin, north)
		mustPostUser(t, a, a.admin, map[string]any{"username": "s1", "role": "planner", "site_id": south})

		r := mustPostUser(t, a, northAdmin, map[string]any{"username": "n1", "role": "technician"})
		if r.str("site_id") != north {
			t.Errorf("user made by the NORTH admin without site_id has site %q; want %s", r.str("site_id"), north)
		}
		mustPostUser(t, a, northAdmin, map[string]any{"username": "n2", "role": "technician", "site_id": north})
		wantError(t, a.do("POST", "/api/v1/users", northAdmin, map[string]any{"username": "s2", "role": "planner", "site_id": south}),
			http.StatusForbidden, "site_forbidden")

		var names []string
		for _, u := range a.do("GET", "/api/v1/users", northAdmin, nil).items() {
			names = append(names, u["username"].(string))
		}
		slices.Sort(names)
		if want := []string{"n1", "n2", "north-admin"}; !slices.Equal(names, want) {
			t.Errorf("users the NORTH admin sees = %v; want %v", names, want)
		}
		wantError(t, a.do("GET", "/api/v1/users?site_id="+south, northAdmin, nil), http.StatusForbidden, "site_forbidden")
		if got := a.must(200, "GET", "/api/v1/users?site_id="+south, nil).items(); len(got) != 1 || got[0]["username"] != "s1" {
			t.Errorf("GET /users?site_id=SOUTH as admin = %v; want s1 only", got)
		}
		if got := a.must(200, "GET", "/api/v1/users?role=technician", nil).items(); len(got) != 2 {
			t.Errorf("GET /users?role=technician = %v; want n1 and n2", got)
		}
		wantError(t, a.do("GET", "/api/v1/users?role=wizard", a.admin, nil), http.StatusBadRequest, "invalid_role")

		// The audit trail spans every site: a finance user of one site may
		// verify it but not read it.
		fin := a.token("north-finance", millwright.Finance, north)
		wantError(t, a.do("GET", "/api/v1/audit", fin, nil), http.StatusForbidden, "site_forbidden")
		if r := a.do("GET", "/api/v1/audit/verify", fin, nil); r.Status != 200 || r.Body["ok"] != true {
			t.Errorf("GET /audit/verify as NORTH finance = %d %s; want 200 ok", r.Status, r.Raw)
		}
	})
}

// TestUsersPaging walks the users list two at a time.
func TestUsersPaging(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		want := map[string]bool{}
		for _, u := range a.must(200, "GET", "/api/v1/users", nil).items() {
			want[u["id"].(string)] = true // the harness's admin
		}
		for i := range 5 {
			r := mustPostUser(t, a, a.admin, map[string]any{"username": fmt.Sprintf("u%d", i), "role": "technician"})
			want[r.str("id")] = true
		}
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			r := a.must(200, "GET", "/api/v1/users?limit=2&cursor="+url.QueryEscape(cursor), nil)
			pages++
			items := r.items()
			if len(items) > 2 {
				t.Fatalf("page %d has %d users; want at most 2", pages, len(items))
			}
			for _, u := range items {
				id := u["id"].(string)
				if seen[id] {
					t.Fatalf("user %s came twice", id)
				}
				seen[id] = true
			}
			if cursor = r.str("next_cursor"); cursor == "" {
				break
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != len(want) || pages != 3 {
			t.Errorf("paging saw %d users in %d pages; want %d in 3", len(seen), pages, len(want))
		}
		for id := range want {
			if !seen[id] {
				t.Errorf("paging missed user %s", id)
			}
		}
		if r := a.must(200, "GET", "/api/v1/users?cursor=usr_zzzzzzzzzzzzzzzzzzzzzzzzzz", nil); len(r.items()) != 0 || r.str("next_cursor") != "" {
			t.Errorf("a cursor past the end = %s; want an empty last page", r.Raw)
		}
		for _, q := range []string{"limit=0", "limit=-1", "limit=501", "limit=abc", "limit=2.5"} {
			wantError(t, a.do("GET", "/api/v1/users?"+q, a.admin, nil), http.StatusBadRequest, "bad_limit")
			wantError(t, a.do("GET", "/api/v1/audit?"+q, a.admin, nil), http.StatusBadRequest, "bad_limit")
		}
		for _, c := range []string{"garbage", "1"} {
			wantError(t, a.do("GET", "/api/v1/users?cursor="+c, a.admin, nil), http.StatusBadRequest, "bad_cursor")
		}
		for _, c := range []string{"garbage", "-1", "1.5"} {
			wantError(t, a.do("GET", "/api/v1/audit?cursor="+c, a.admin, nil), http.StatusBadRequest, "bad_cursor")
		}
	})
}

// runAPIWithDSN is runAPI that also gives the DSN of the database, so a
// test can reach behind the API as someone with database access might.
func runAPIWithDSN(t *testing.T, fn func(t *testing.T, a *api, dsn string)) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			dsn := storetest.DSN(t, e)
			db, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			a := &api{t: t, db: db}
			a.srv = httptest.NewServer(httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(a.srv.Close)
			a.admin = a.token("admin", millwright.Admin, "")
			fn(t, a, dsn)
		})
	}
}

// rawDB opens the database of dsn with database/sql, bypassing the store.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, source := "pgx", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, source = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAuditListAndVerify(t *testing.T) {
	runAPIWithDSN(t, func(t *testing.T, a *api, dsn string) {
		var ids []string
		for _, name := range []string{"ann", "bob", "cid"} {
			ids = append(ids, mustPostUser(t, a, a.admin, map[string]any{"username": name, "role": "buyer"}).str("id"))
		}
		all := a.must(200, "GET", "/api/v1/audit", nil).items()
		if len(all) != 3 {
			t.Fatalf("audit entries = %d; want 3", len(all))
		}
		for i, e := range all {
			if e["seq"] != float64(i+1) || e["entity_type"] != "user" || e["entity_id"] != ids[i] || e["action"] != "create" ||
				e["actor"] != "admin" || e["hash"] == "" || e["at"] == "" {
				t.Errorf("audit entry %d = %v; want seq %d, create user %s by admin", i, e, i+1, ids[i])
			}
		}
		if one := a.must(200, "GET", "/api/v1/audit?entity_id="+ids[1], nil).items(); len(one) != 1 || one[0]["entity_id"] != ids[1] {
			t.Errorf("audit of %s = %v; want its one entry", ids[1], one)
		}
		if none := a.must(200, "GET", "/api/v1/audit?entity_type=work_order", nil).items(); len(none) != 0 {
			t.Errorf("audit of work orders = %v; want none", none)
		}
		p1 := a.must(200, "GET", "/api/v1/audit?limit=2", nil)
		p2 := a.must(200, "GET", "/api/v1/audit?limit=2&cursor="+p1.str("next_cursor"), nil)
		if len(p1.items()) != 2 || len(p2.items()) != 1 || p2.items()[0]["seq"] != float64(3) || p2.str("next_cursor") != "" {
			t.Errorf("audit pages of 2 = %s then %s; want seq 1-2, then 3 and no cursor", p1.Raw, p2.Raw)
		}

		r := a.must(200, "GET", "/api/v1/audit/verify", nil)
		if strings.TrimSpace(string(r.Raw)) != `{"ok":true,"entries":3}` {
			t.Fatalf("verify = %s; want {\"ok\":true,\"entries\":3}", r.Raw)
		}

		// Someone with database access rewrites entry 2.
		res, err := rawDB(t, dsn).ExecContext(t.Context(),
			`UPDATE audit_log SET after_json = '{"username":"mallory","role":"admin"}' WHERE seq = 2`)
		if n, _ := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("tamper with entry 2: %v (%d rows)", err, n)
		}
		r = a.must(200, "GET", "/api/v1/audit/verify", nil)
		if r.Body["ok"] != false || r.Body["entries"] != float64(1) || r.Body["bad_seq"] != float64(2) ||
			!strings.Contains(r.str("reason"), "entry 2") || !strings.Contains(r.str("reason"), ids[1]) {
			t.Errorf("verify after editing entry 2 = %s; want ok false, 1 good entry, bad_seq 2, a reason naming entry 2 and %s", r.Raw, ids[1])
		}

		wantError(t, a.do("GET", "/api/v1/audit", a.token("pete", millwright.Planner, ""), nil), http.StatusForbidden, "forbidden")
		if r := a.do("GET", "/api/v1/audit/verify", a.token("ina", millwright.Integration, ""), nil); r.Status != 200 || r.Body["ok"] != false {
			t.Errorf("verify as integration = %d %s; want 200 and ok false", r.Status, r.Raw)
		}
	})
}
