package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

// financeSites is a plant (CC-100 at NORTH, CC-200 at SOUTH, see
// mustPlant) with a posting and a budget on each cost center, labor on a
// work order of each site, and finance users: one of every site, one of
// NORTH. NORTH's figures are 100.00, SOUTH's 30.00.
type financeSites struct {
	*plant
	all, north           string // finance tokens
	integ, northInteg    string // integration tokens
	period               string
	northEntry, southEnt string // journal entry ids
}

func newFinanceSites(t *testing.T, a *api) *financeSites {
	t.Helper()
	f := &financeSites{plant: mustPlant(t, a)}
	f.all = a.token("fiona", millwright.Finance, "")
	f.north = a.token("nora", millwright.Finance, f.Site)
	f.integ = a.token("link", millwright.Integration, "")
	f.northInteg = a.token("nils", millwright.Integration, f.Site)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	f.period = time.Now().In(berlin).Format("2006-01")
	post := func(site, cc, amount string) string {
		r := a.do("POST", "/api/v1/erp/ledger/entries", f.all, map[string]any{"memo": "accrual", "site_id": site, "lines": []map[string]any{
			{"account": "6100", "debit": amount, "credit": "0", "cost_center": cc},
			{"account": "2000", "debit": "0", "credit": amount, "cost_center": cc},
		}})
		if r.Status != http.StatusCreated {
			t.Fatalf("post %s on %s = %d %s", amount, cc, r.Status, r.Raw)
		}
		return r.str("id")
	}
	f.northEntry, f.southEnt = post(f.Site, "CC-100", "100.00"), post(f.OtherSite, "CC-200", "30.00")
	for cc, amount := range map[string]string{"CC-100": "500.00", "CC-200": "200.00"} {
		if r := a.do("POST", "/api/v1/erp/budgets", f.all, map[string]any{"cost_center": cc, "period": f.period, "amount": amount}); r.Status != http.StatusCreated {
			t.Fatalf("budget %s = %d %s", cc, r.Status, r.Raw)
		}
	}
	for asset, rate := range map[string]string{f.Pump: "50", f.SouthAsset: "30"} {
		wo := mustWorkOrder(t, a, f.plant, map[string]any{"asset_id": asset}).str("id")
		mustDrive(t, a, wo, path("in_progress")...)
		a.must(http.StatusCreated, "POST", "/api/v1/work-orders/"+wo+"/labor", map[string]any{"technician": "tom", "hours": 2, "rate": rate})
	}
	return f
}

// balance returns an account's debit and credit in a trial balance.
func balance(t *testing.T, r resp, account string) (debit, credit string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("trial balance = %d %s", r.Status, r.Raw)
	}
	if r.Body["balanced"] != true {
		t.Fatalf("trial balance %s is not balanced", r.Raw)
	}
	for _, a := range r.Body["accounts"].([]any) {
		if a := a.(map[string]any); a["account"] == account {
			return str(a["debit"]), str(a["credit"])
		}
	}
	t.Fatalf("trial balance %s has no account %s", r.Raw, account)
	return "", ""
}

func TestFinanceScopeTrialBalance(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		f := newFinanceSites(t, a)
		const tb = "/api/v1/erp/ledger/trial-balance"
		for _, tt := range []struct {
			name, token, query string
			debit, credit      string // of 6100 and 2000
		}{
			{"NORTH finance", f.north, "", "100.00", "100.00"},
			{"NORTH finance asking for NORTH", f.north, "?site_id=" + f.Site, "100.00", "100.00"},
			{"finance of every site", f.all, "", "130.00", "130.00"},
			{"finance of every site asking for SOUTH", f.all, "?site_id=" + f.OtherSite, "30.00", "30.00"},
		} {
			r := a.do("GET", tb+tt.query, tt.token, nil)
			if d, _ := balance(t, r, "6100"); d != tt.debit {
				t.Errorf("%s: 6100 debit = %s; want %s", tt.name, d, tt.debit)
			}
			if _, c := balance(t, r, "2000"); c != tt.credit {
				t.Errorf("%s: 2000 credit = %s; want %s", tt.name, c, tt.credit)
			}
		}
		wantError(t, a.do("GET", tb+"?site_id="+f.OtherSite, f.north, nil), http.StatusForbidden, "site_forbidden")
	})
}

func TestFinanceScopeLedgerEntries(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		f := newFinanceSites(t, a)
		ids := func(token string) []string {
			var out []string
			for _, e := range a.do("GET", "/api/v1/erp/ledger/entries", token, nil).items() {
				out = append(out, str(e["id"]))
			}
			return out
		}
		if got := ids(f.north); !slices.Equal(got, []string{f.northEntry}) {
			t.Errorf("NORTH finance lists entries %v; want only NORTH's %s", got, f.northEntry)
		}
		if got := ids(f.all); !slices.Contains(got, f.northEntry) || !slices.Contains(got, f.southEnt) {
			t.Errorf("finance of every site lists entries %v; want both %s and %s", got, f.northEntry, f.southEnt)
		}
		a.must(http.StatusOK, "GET", "/api/v1/erp/ledger/entries/"+f.southEnt, nil)
		if r := a.do("GET", "/api/v1/erp/ledger/entries/"+f.northEntry, f.north, nil); r.Status != http.StatusOK {
			t.Errorf("NORTH finance reads NORTH's entry = %d %s; want 200", r.Status, r.Raw)
		}
		wantError(t, a.do("GET", "/api/v1/erp/ledger/entries/"+f.southEnt, f.north, nil), http.StatusForbidden, "site_forbidden")
		wantError(t, a.do("GET", "/api/v1/erp/ledger/entries?site_id="+f.OtherSite, f.north, nil), http.StatusForbidden, "site_forbidden")

		// Writes follow the same line: a NORTH user posts for NORTH (its
		// site by default) and reverses NORTH's entries only.
		entry := func(site string) map[string]any {
			b := map[string]any{"memo": "accrual", "lines": []map[string]any{
				{"account": "6100", "debit": "10.00", "credit": "0", "cost_center": "CC-100"},
				{"account": "2000", "debit": "0", "credit": "10.00", "cost_center": "CC-100"},
			}}
			if site != "" {
				b["site_id"] = site
			}
			return b
		}
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries", f.north, entry(f.OtherSite)), http.StatusForbidden, "site_forbidden")
		r := a.do("POST", "/api/v1/erp/ledger/entries", f.north, entry(""))
		if r.Status != http.StatusCreated || r.str("site_id") != f.Site {
			t.Fatalf("NORTH finance posts with no site = %d %s; want 201 for NORTH", r.Status, r.Raw)
		}
		wantError(t, a.do("POST", "/api/v1/erp/ledger/entries/"+f.southEnt+"/reverse", f.north, nil), http.StatusForbidden, "site_forbidden")
		if rev := a.do("POST", "/api/v1/erp/ledger/entries/"+r.str("id")+"/reverse", f.north, nil); rev.Status != http.StatusCreated {
			t.Fatalf("NORTH finance reverses its own entry = %d %s; want 201", rev.Status, rev.Raw)
		}
	})
}

func TestFinanceScopeCostCentersAndBudgets(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		f := newFinanceSites(t, a)
		codes := func(token, path, field string) []string {
			r := a.do("GET", path, token, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s = %d %s", path, r.Status, r.Raw)
			}
			var out []string
			for _, it := range r.items() {
				out = append(out, str(it[field]))
			}
			return out
		}
		for _, tt := range []struct {
			name, token, path, field string
			want                     []string
		}{
			{"NORTH cost centers", f.north, "/api/v1/erp/cost-centers", "code", []string{"CC-100"}},
			{"all cost centers", f.all, "/api/v1/erp/cost-centers", "code", []string{"CC-100", "CC-200"}},
			{"NORTH budgets", f.north, "/api/v1/erp/budgets", "cost_center", []string{"CC-100"}},
			{"NORTH budgets of CC-100", f.north, "/api/v1/erp/budgets?cost_center=CC-100", "cost_center", []string{"CC-100"}},
			{"all budgets", f.all, "/api/v1/erp/budgets", "cost_center", []string{"CC-100", "CC-200"}},
		} {
			if got := codes(tt.token, tt.path, tt.field); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
			}
		}
		wantError(t, a.do("GET", "/api/v1/erp/budgets?cost_center=CC-200", f.north, nil), http.StatusForbidden, "site_forbidden")

		status := "/api/v1/erp/budgets/status?period=" + f.period + "&cost_center="
		for _, tt := range []struct {
			name, token, cc, budget, actual string
		}{
			{"NORTH finance, CC-100", f.north, "CC-100", "500.00", "100.00"},
			{"finance of every site, CC-100", f.all, "CC-100", "500.00", "100.00"},
			{"finance of every site, CC-200", f.all, "CC-200", "200.00", "30.00"},
		} {
			r := a.do("GET", status+tt.cc, tt.token, nil)
			if r.Status != http.StatusOK || r.str("budget") != tt.budget || r.str("actual") != tt.actual {
				t.Errorf("%s: %d %s; want budget %s, actual %s", tt.name, r.Status, r.Raw, tt.budget, tt.actual)
			}
		}
		wantError(t, a.do("GET", status+"CC-200", f.north, nil), http.StatusForbidden, "site_forbidden")
		// Nor may a NORTH user set SOUTH's budget: the answer would show it.
		wantError(t, a.do("POST", "/api/v1/erp/budgets", f.north, map[string]any{"cost_center": "CC-200", "period": f.period, "amount": "1.00"}),
			http.StatusForbidden, "site_forbidden")
		if r := a.do("GET", status+"CC-200", f.all, nil); r.str("budget") != "200.00" {
			t.Errorf("CC-200 budget after the refused change = %s; want 200.00", r.Raw)
		}
		// The chart of accounts holds no figures: every user reads all of it.
		if n, all := len(a.do("GET", "/api/v1/erp/ledger/accounts", f.north, nil).items()), len(a.do("GET", "/api/v1/erp/ledger/accounts", f.all, nil).items()); n == 0 || n != all {
			t.Errorf("NORTH finance reads %d accounts, finance of every site %d; want the same chart", n, all)
		}
	})
}

func TestFinanceScopeMaintenanceCost(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		f := newFinanceSites(t, a)
		const report = "/api/v1/reports/maintenance-cost"
		for _, tt := range []struct {
			name, token, total string
		}{
			{"NORTH finance", f.north, "100.00"},
			{"finance of every site", f.all, "160.00"},
		} {
			if r := a.do("GET", report, tt.token, nil); r.Status != http.StatusOK || r.str("total") != tt.total {
				t.Errorf("%s: maintenance cost = %d %s; want total %s", tt.name, r.Status, r.Raw, tt.total)
			}
		}
		wantError(t, a.do("GET", report+"?site_id="+f.OtherSite, f.north, nil), http.StatusForbidden, "site_forbidden")
	})
}

// TestFinanceScopeEverySite: the ERP's event log and reconciliation span
// every site and are refused to a user limited to one.
func TestFinanceScopeEverySite(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		f := newFinanceSites(t, a)
		for _, tt := range []struct{ method, path string }{
			{"GET", "/api/v1/erp/events"},
			{"GET", "/api/v1/integration/reconciliation"},
			{"POST", "/api/v1/integration/reconciliation"},
		} {
			wantError(t, a.do(tt.method, tt.path, f.northInteg, nil), http.StatusForbidden, "site_forbidden")
			if r := a.do(tt.method, tt.path, f.integ, nil); r.Status != http.StatusOK {
				t.Errorf("%s %s by integration of every site = %d %s; want 200", tt.method, tt.path, r.Status, r.Raw)
			}
		}
	})
}
