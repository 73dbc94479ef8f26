package auth_test

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
)

// columns is the order of the roles in the grid of TestAllowed.
var columns = []millwright.Role{
	millwright.Admin, millwright.Planner, millwright.Technician, millwright.Storekeeper,
	millwright.Buyer, millwright.Approver, millwright.Finance, millwright.Integration,
}

// grid is what each role may do, written from the role list of API.md
// (not copied from auth.Matrix), one column per role in the order of
// columns: Y allowed, . denied.
//
// API.md names no role for the audit trail; the controller (finance) and
// the integration administrator read it, as they trace costs and messages.
var grid = []struct {
	allow  string
	action auth.Action
}{
	//adm pla tec sto buy app fin int
	{"Y   Y   Y   Y   Y   Y   Y   Y", auth.Read},
	{"Y   .   .   .   .   .   .   .", auth.ManageSites},
	{"Y   .   .   .   .   .   .   .", auth.ManageUsers},
	{"Y   Y   .   .   .   .   .   .", auth.PlanAssets},     // planner: BOMs, assets and locations
	{"Y   .   .   Y   .   .   .   .", auth.ManageItems},    // storekeeper: items, storerooms, stock settings
	{"Y   .   .   Y   .   .   .   .", auth.AdjustStock},    // storekeeper: adjustments
	{"Y   Y   Y   Y   Y   Y   Y   Y", auth.RequestWork},    // everyone: file a work request
	{"Y   Y   .   .   .   .   .   .", auth.PlanWork},       // planner: create and edit work orders, materials
	{"Y   Y   .   .   .   .   .   .", auth.DirectWork},     // planner: approve, release, cancel, close
	{"Y   .   Y   .   .   .   .   .", auth.DoWork},         // technician: start and complete
	{"Y   .   Y   .   .   .   .   .", auth.LogLabor},       // technician: log labor
	{"Y   .   Y   Y   .   .   .   .", auth.IssueParts},     // technician and storekeeper: issues and returns
	{"Y   Y   Y   .   .   .   .   .", auth.AddDirectItem},  // planner: materials; technician: direct items
	{"Y   .   Y   .   .   .   .   .", auth.RecordReadings}, // technician: readings
	{"Y   Y   .   .   .   .   .   .", auth.PlanPM},         // planner: PM plans
	{"Y   Y   .   .   .   .   .   Y", auth.ReviewReadings}, // planner and integration: unmatched MQTT readings
	{"Y   .   .   .   .   .   Y   Y", auth.ReadAudit},
	{"Y   .   .   .   Y   .   .   .", auth.Purchase},          // buyer: requisitions and purchase orders
	{"Y   .   .   .   .   Y   .   .", auth.ApproveRequest},    // approver: approve or reject requisitions
	{"Y   .   .   Y   .   .   .   .", auth.ReceiveGoods},      // storekeeper: goods receipts
	{"Y   .   .   .   Y   .   Y   .", auth.PostInvoices},      // buyer and finance: invoices
	{"Y   .   .   .   .   .   Y   .", auth.ManageFinance},     // finance: ledger, budgets, cost reports
	{"Y   .   .   .   .   .   .   Y", auth.ManageIntegration}, // integration: mappings, messages, replay, ...
}

func TestAllowed(t *testing.T) {
	if !sameSet(columns, millwright.Roles) {
		t.Fatalf("the grid's roles %v differ from millwright.Roles %v; add a column for the new role", columns, millwright.Roles)
	}
	var listed []auth.Action
	for _, row := range grid {
		listed = append(listed, row.action)
		cells := strings.Fields(row.allow)
		if len(cells) != len(columns) {
			t.Fatalf("grid row %s has %d cells; want %d", row.action, len(cells), len(columns))
		}
		for i, role := range columns {
			want := cells[i] == "Y"
			if got := auth.Allowed(role, row.action); got != want {
				t.Errorf("Allowed(%s, %s) = %v; want %v", role, row.action, got, want)
			}
		}
	}
	if !sameSet(listed, slices.Collect(maps.Keys(auth.Matrix))) {
		t.Errorf("grid actions %v; auth.Matrix actions %v; every action needs a row", listed, slices.Sorted(maps.Keys(auth.Matrix)))
	}
}

func TestAllowedUnknown(t *testing.T) {
	if auth.Allowed("wizard", auth.Read) {
		t.Errorf("Allowed(wizard, read) = true; want false for a role that does not exist")
	}
	if auth.Allowed(millwright.Planner, "fly") {
		t.Errorf("Allowed(planner, fly) = true; want false for an action that does not exist")
	}
}

func TestRequire(t *testing.T) {
	as := func(r millwright.Role) context.Context {
		return millwright.WithPrincipal(context.Background(), millwright.Principal{Username: "u", Role: r})
	}
	if err := auth.Require(as(millwright.Technician), auth.LogLabor); err != nil {
		t.Errorf("Require(technician, log_labor) = %v; want nil", err)
	}
	err := auth.Require(as(millwright.Technician), auth.ManageUsers)
	if millwright.ErrorKind(err) != millwright.Forbidden || millwright.ErrorCode(err) != "forbidden" {
		t.Fatalf("Require(technician, manage_users) = %v; want Forbidden with code forbidden", err)
	}
	if !strings.Contains(err.Error(), "admin") {
		t.Errorf("Require's message %q does not say which role may do it", err)
	}
}

// TestMatrixMatchesDocs keeps docs/authorization.md in step with auth.Matrix.
func TestMatrixMatchesDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/authorization.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseMatrix(t, string(b))
	var docActions []auth.Action
	for a := range doc {
		docActions = append(docActions, a)
	}
	if !sameSet(docActions, slices.Collect(maps.Keys(auth.Matrix))) {
		t.Errorf("docs/authorization.md has rows for %v; auth.Matrix has %v",
			slices.Sorted(slices.Values(docActions)), slices.Sorted(maps.Keys(auth.Matrix)))
	}
	for a, roles := range doc {
		for _, r := range millwright.Roles {
			mark, ok := roles[r]
			if !ok {
				t.Fatalf("docs/authorization.md has no column for role %s", r)
			}
			if want := auth.Allowed(r, a); mark != want {
				t.Errorf("docs/authorization.md says %s may %s: %v; auth.Allowed says %v", r, a, mark, want)
			}
		}
	}
}

// parseMatrix reads the table whose header starts with "| action |": one
// row per action (its name in backticks), one column per role, ✓ where allowed.
func parseMatrix(t *testing.T, doc string) map[auth.Action]map[millwright.Role]bool {
	t.Helper()
	var header []string
	out := map[auth.Action]map[millwright.Role]bool{}
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if header != nil && len(out) > 0 {
				break // the end of the table
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == nil && cells[0] == "action":
			header = cells
		case header == nil, strings.HasPrefix(cells[0], "---"):
		default:
			if len(cells) != len(header) {
				t.Fatalf("docs/authorization.md row %q has %d cells; the header has %d", line, len(cells), len(header))
			}
			a := auth.Action(strings.Trim(cells[0], "`"))
			if _, dup := out[a]; dup {
				t.Fatalf("docs/authorization.md lists %s twice", a)
			}
			out[a] = map[millwright.Role]bool{}
			for i, h := range header {
				if millwright.ValidRole(millwright.Role(h)) {
					switch cells[i] {
					case "✓":
						out[a][millwright.Role(h)] = true
					case "":
						out[a][millwright.Role(h)] = false
					default:
						t.Fatalf("docs/authorization.md: cell %q of %s/%s is neither ✓ nor empty", cells[i], a, h)
					}
				}
			}
		}
	}
	if header == nil || len(out) == 0 {
		t.Fatal(`docs/authorization.md has no table with a header "| action | ..."`)
	}
	return out
}

func TestTokens(t *testing.T) {
	tok, hash := auth.NewToken()
	tok2, hash2 := auth.NewToken()
	switch {
	case !strings.HasPrefix(tok, "mw_") || len(tok) < 32:
		t.Errorf("NewToken() = %q; want mw_ and at least 29 random characters", tok)
	case tok == tok2 || hash == hash2:
		t.Errorf("two NewToken() calls gave the same token or hash")
	case hash != auth.HashToken(tok):
		t.Errorf("NewToken's hash %s != HashToken(token) %s", hash, auth.HashToken(tok))
	case len(hash) != 64 || strings.Contains(hash, tok):
		t.Errorf("HashToken(%q) = %q; want 64 hex digits of SHA-256, not the token", tok, hash)
	}
}

func TestPasswords(t *testing.T) {
	h := auth.HashPassword("correct horse")
	if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, "correct horse") {
		t.Fatalf("HashPassword = %q; want an argon2id PHC string without the password", h)
	}
	if h == auth.HashPassword("correct horse") {
		t.Errorf("two hashes of one password are equal; want a fresh salt each time")
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{h, "correct horse", true},
		{h, "correct horsE", false},
		{h, "", false},
		{"", "correct horse", false},
		{"$argon2id$v=19$m=x$a$b", "correct horse", false},
	} {
		if got := auth.CheckPassword(tc.hash, tc.password); got != tc.want {
			t.Errorf("CheckPassword(%q, %q) = %v; want %v", tc.hash, tc.password, got, tc.want)
		}
	}
}

func sameSet[T comparable](a, b []T) bool {
	m := map[T]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func TestThrottleLock(t *testing.T) {
	th := auth.AccountThrottle
	for n, want := range map[int]time.Duration{1: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute, 8: 8 * time.Minute, 9: 15 * time.Minute, 50: 15 * time.Minute} {
		if got := th.Lock(n); got != want {
			t.Errorf("Lock(%d) = %v; want %v", n, got, want)
		}
	}
}
