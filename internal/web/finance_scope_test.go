package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/store"
)

// mustSiteUser makes a user of the demo plant limited to the site with
// code, signing in with the demo password.
func (s *site) mustSiteUser(name string, role millwright.Role, code string) {
	s.t.Helper()
	err := s.db.InTx(s.ctx(), func(tx *store.Tx) error {
		st, err := tx.SiteByCode(s.ctx(), code)
		if err != nil {
			return err
		}
		return tx.CreateUser(s.ctx(), &store.User{Username: name, Role: role, SiteID: st.ID, PasswordHash: auth.HashPassword(demo.Password)})
	})
	if err != nil {
		s.t.Fatalf("create %s of %s: %v", name, code, err)
	}
}

// The Costs page of a finance user limited to NORTH lists NORTH's cost
// centers only and refuses SOUTH's chart; fiona, of every site, sees both.
func TestCostsPageSiteScoped(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		s.mustSiteUser("nadia", millwright.Finance, "NORTH")
		nadia, _ := s.login("nadia")
		fiona, _ := s.login("fiona")
		code, body, _ := nadia.get("/ui/costs")
		if code != http.StatusOK || !strings.Contains(body, "CC-NPWR") || strings.Contains(body, "CC-SL1") {
			t.Errorf("NORTH finance's costs = %d; want 200 with CC-NPWR and without SOUTH's CC-SL1:\n%.600s", code, body)
		}
		if code, body, _ := fiona.get("/ui/costs"); code != http.StatusOK || !strings.Contains(body, "CC-NPWR") || !strings.Contains(body, "CC-SL1") {
			t.Errorf("finance of every site's costs = %d; want 200 with CC-NPWR and CC-SL1:\n%.600s", code, body)
		}
		if code, body, _ := nadia.get("/ui/costs?cost_center=CC-SL1"); code != http.StatusForbidden || !strings.Contains(body, "CC-SL1 is not one of the cost centers") {
			t.Errorf("NORTH finance's chart of CC-SL1 = %d; want 403 saying why:\n%.600s", code, body)
		}
		if code, _, _ := fiona.get("/ui/costs?cost_center=CC-SL1"); code != http.StatusOK {
			t.Errorf("finance of every site's chart of CC-SL1 = %d; want 200", code)
		}
	})
}

// Reconciliation compares every site: a user limited to one may not open it.
func TestReconciliationPageRefusedToSiteUser(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		s.mustSiteUser("nils", millwright.Integration, "NORTH")
		nils, _ := s.login("nils")
		if code, body, _ := nils.get("/ui/integration/reconciliation"); code != http.StatusForbidden || !strings.Contains(body, "every site") {
			t.Errorf("NORTH integration's reconciliation = %d; want 403 saying it spans every site:\n%.600s", code, body)
		}
		ivan, _ := s.login("ivan")
		if code, _, _ := ivan.get("/ui/integration/reconciliation"); code != http.StatusOK {
			t.Errorf("integration of every site's reconciliation = %d; want 200", code)
		}
	})
}
