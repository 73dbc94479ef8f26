package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// mustRun runs the command line args and returns what it printed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), args, env(nil), strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("millwright %s = %v; want nil", strings.Join(args, " "), err)
	}
	return out.String()
}

// userAndAudit reads back the user called name and the whole audit trail.
func userAndAudit(t *testing.T, dsn, name string) (*store.User, []audit.Entry) {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		u       *store.User
		entries []audit.Entry
	)
	if err := db.View(t.Context(), func(tx *store.Tx) error {
		if u, err = tx.UserByName(t.Context(), name); err != nil {
			return err
		}
		p, err := tx.AuditEntries(t.Context(), store.AuditFilter{Limit: 500})
		entries = p.Items
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u, entries
}

// token create on an existing user makes a token for the role it has: it
// refuses to change the role or site, saying how to change them on
// purpose; user role does that, audited. Creating the user and the token
// is audited without the token.
func TestTokenCreateKeepsRole(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			dsn := storetest.DSN(t, e)
			token := strings.TrimSpace(mustRun(t, "token", "create", "--db", dsn, "--user", "bob", "--role", "planner"))
			mustRun(t, "token", "create", "--db", dsn, "--user", "bob", "--role", "planner") // same role: a second token

			err := run(t.Context(), []string{"token", "create", "--db", dsn, "--user", "bob", "--role", "admin"},
				env(nil), nil, io.Discard, io.Discard)
			if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") ||
				!strings.Contains(err.Error(), "millwright user role") || !strings.Contains(err.Error(), "planner") {
				t.Fatalf("token create for planner bob with --role admin = %v (exit %d); want a one-line error, exit 2, naming planner and 'millwright user role'",
					err, exitCode(err))
			}
			if u, _ := userAndAudit(t, dsn, "bob"); u.Role != millwright.Planner {
				t.Fatalf("after a refused token create, bob is %s; want planner", u.Role)
			}

			// A site limit is as much a permission as a role.
			mustSite(t, dsn, "NORTH")
			err = run(t.Context(), []string{"token", "create", "--db", dsn, "--user", "bob", "--role", "planner", "--site", "NORTH"},
				env(nil), nil, io.Discard, io.Discard)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "millwright user role") {
				t.Fatalf("token create moving bob to site NORTH = %v (exit %d); want exit 2 naming 'millwright user role'", err, exitCode(err))
			}

			if out := mustRun(t, "user", "role", "--db", dsn, "--user", "bob", "--role", "admin", "--site", "NORTH"); !strings.Contains(out, "bob") {
				t.Errorf("user role printed %q; want it to name bob", out)
			}
			mustRun(t, "token", "create", "--db", dsn, "--user", "bob", "--role", "admin")
			u, entries := userAndAudit(t, dsn, "bob")
			if u.Role != millwright.Admin || u.SiteID == "" {
				t.Fatalf("after user role, bob is %s of site %q; want admin of NORTH", u.Role, u.SiteID)
			}

			var actions []string
			for _, en := range entries {
				if en.EntityType != "user" && en.EntityType != "token" {
					continue
				}
				actions = append(actions, en.EntityType+" "+en.Action)
				if en.Actor != "cli" {
					t.Errorf("audit %s %s by %q; want cli", en.EntityType, en.Action, en.Actor)
				}
				all := string(en.Before) + string(en.After)
				if strings.Contains(all, token) || strings.Contains(all, strings.TrimPrefix(token, "mw_")) || strings.Contains(all, "hash") {
					t.Errorf("audit %s %s holds %s; want no token and no hash", en.EntityType, en.Action, all)
				}
				if en.EntityType == "user" && en.Action == "change_role" {
					var before, after struct {
						Role   string `json:"role"`
						SiteID string `json:"site_id"`
					}
					json.Unmarshal(en.Before, &before)
					json.Unmarshal(en.After, &after)
					if before.Role != "planner" || after.Role != "admin" || before.SiteID != "" || after.SiteID != u.SiteID {
						t.Errorf("audit user change_role %s -> %s; want planner of every site -> admin of NORTH", en.Before, en.After)
					}
				}
			}
			want := []string{"user create", "token create", "token create", "user change_role", "token create"}
			if strings.Join(actions, ", ") != strings.Join(want, ", ") {
				t.Errorf("audit trail of bob: %q; want %q", actions, want)
			}
		})
	}
}

func mustSite(t *testing.T, dsn, code string) {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.InTx(t.Context(), func(tx *store.Tx) error {
		return tx.CreateSite(t.Context(), &asset.Site{Code: code, Name: code, Currency: "EUR", TimeZone: "UTC"})
	}); err != nil {
		t.Fatal(err)
	}
}
