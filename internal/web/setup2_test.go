package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Finance sets a budget and adds, changes and deletes an approval rule
// from the screen; a refusal keeps what was typed; a NORTH finance user
// neither budgets SOUTH's cost centers nor writes rules for SOUTH or every
// site; a planner may not.
func TestBudgetAndRuleForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		budget := func(cc, period string) string {
			var amount string
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				b, err := tx.ERPBudget(s.ctx(), cc, period)
				if err == nil {
					amount = b.Amount.String()
				}
				return nil
			})
			return amount
		}
		fiona, _ := s.login("fiona")
		code, body, _ := fiona.get("/ui/costs/budgets")
		if code != http.StatusOK || !strings.Contains(body, "<title>Budgets · Millwright</title>") || !strings.Contains(body, `<option value="CC-NPWR">`) {
			t.Fatalf("budgets page = %d:\n%.800s", code, body)
		}
		if _, body, _ := fiona.get("/ui/costs"); !strings.Contains(body, `href="/ui/costs/budgets"`) {
			t.Errorf("the Costs page has no link to the budgets")
		}
		form := url.Values{"csrf": {fiona.csrf}, "cost_center": {"CC-NPWR"}, "period": {"2031-13"}, "amount": {"1500"}}
		code, body, _ = fiona.post("/ui/costs/budgets", form)
		wantRefused(t, "a bad month", code, body, http.StatusBadRequest, "budget-period-error", `period "2031-13" is not a month`, `value="1500"`)
		form.Set("period", "2031-01")
		form.Set("amount", "12.345")
		code, body, _ = fiona.post("/ui/costs/budgets", form)
		wantRefused(t, "three decimals", code, body, http.StatusBadRequest, "budget-amount-error", "amount", `value="12.345"`)
		if b := budget("CC-NPWR", "2031-01"); b != "" {
			t.Fatalf("refused forms wrote a budget of %s", b)
		}
		form.Set("amount", "15000.50")
		if code, _, _ := fiona.post("/ui/costs/budgets", form); code != http.StatusSeeOther || budget("CC-NPWR", "2031-01") != "15000.50" {
			t.Fatalf("save budget = %d, budget %q; want 303 and 15000.50", code, budget("CC-NPWR", "2031-01"))
		}

		s.mustSiteUser("nadia", millwright.Finance, "NORTH")
		nadia, _ := s.login("nadia")
		_, body, _ = nadia.get("/ui/costs/budgets")
		if strings.Contains(body, "CC-SL1") {
			t.Errorf("NORTH finance's budgets page shows SOUTH's CC-SL1")
		}
		if code, _, _ := nadia.post("/ui/costs/budgets", url.Values{"csrf": {nadia.csrf}, "cost_center": {"CC-SL1"}, "period": {"2031-01"}, "amount": {"1"}}); code != http.StatusForbidden || budget("CC-SL1", "2031-01") != "" {
			t.Errorf("NORTH finance budgets SOUTH's CC-SL1: %d; want 403 and nothing written", code)
		}

		// Approval rules.
		rules := func() []approval.Rule {
			var rs []approval.Rule
			s.db.View(s.ctx(), func(tx *store.Tx) (err error) {
				rs, err = tx.ERPRules(s.ctx())
				return err
			})
			return rs
		}
		before := len(rules())
		fiona.get("/ui/approval-rules")
		rf := url.Values{"csrf": {fiona.csrf}, "site_id": {""}, "max_priority": {"2"}, "min_amount": {"5000"}, "max_amount": {"1000"}, "approver_role": {"finance"}}
		code, body, _ = fiona.post("/ui/approval-rules", rf)
		wantRefused(t, "min above max", code, body, http.StatusBadRequest, "rule-min-amount-error", "min_amount 5000.00 must be less than max_amount", `value="5000"`, `value="finance" selected`)
		if n := len(rules()); n != before {
			t.Fatalf("a refused rule was written")
		}
		rf.Set("min_amount", "1000")
		rf.Set("max_amount", "")
		if code, _, _ := fiona.post("/ui/approval-rules", rf); code != http.StatusSeeOther || len(rules()) != before+1 {
			t.Fatalf("add rule = %d; want 303 and one more rule", code)
		}
		var added approval.Rule
		for _, ru := range rules() {
			if ru.MinAmount != nil && ru.MinAmount.String() == "1000.00" && ru.ApproverRole == millwright.Finance {
				added = ru
			}
		}
		if added.ID == "" || added.MaxPriority == nil || *added.MaxPriority != 2 || added.MaxAmount != nil {
			t.Fatalf("added %+v; want P2 and above from 1000.00 to finance", added)
		}
		rf.Set("approver_role", "approver")
		if code, _, _ := fiona.post("/ui/approval-rules/"+added.ID, rf); code != http.StatusSeeOther {
			t.Errorf("change rule = %d; want 303", code)
		}
		for _, ru := range rules() {
			if ru.ID == added.ID && ru.ApproverRole != millwright.Approver {
				t.Errorf("after the change the rule goes to %s; want approver", ru.ApproverRole)
			}
		}
		nadia.get("/ui/approval-rules")
		for _, site := range []string{"", s.siteID("SOUTH")} {
			if code, _, _ := nadia.post("/ui/approval-rules", url.Values{"csrf": {nadia.csrf}, "site_id": {site}, "approver_role": {"finance"}}); code != http.StatusForbidden {
				t.Errorf("NORTH finance writes a rule for site %q: %d; want 403", site, code)
			}
		}
		if code, _, _ := nadia.post("/ui/approval-rules/"+added.ID+"/delete", url.Values{"csrf": {nadia.csrf}}); code != http.StatusForbidden {
			t.Errorf("NORTH finance deletes a rule of every site: %d; want 403", code)
		}
		if code, _, _ := fiona.post("/ui/approval-rules/"+added.ID+"/delete", url.Values{"csrf": {fiona.csrf}}); code != http.StatusSeeOther || len(rules()) != before {
			t.Errorf("delete rule = %d; want 303 and the rule gone", code)
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.post("/ui/costs/budgets", url.Values{"csrf": {paula.csrf}, "cost_center": {"CC-NPWR"}, "period": {"2031-02"}, "amount": {"1"}}); code != http.StatusForbidden {
			t.Errorf("planner sets a budget: %d; want 403", code)
		}
	})
}

// The integration administrator maps an item, a cost center and an
// account from the screen; a refusal keeps what was typed; a NORTH
// integration user maps for NORTH only; a planner may not.
func TestMappingForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		ivan, _ := s.login("ivan")
		code, body, _ := ivan.get("/ui/integration/mappings")
		if code != http.StatusOK || !strings.Contains(body, "<title>Mappings · Millwright</title>") {
			t.Fatalf("mappings page = %d", code)
		}
		if _, body, _ := ivan.get("/ui/integration"); !strings.Contains(body, `href="/ui/integration/mappings"`) {
			t.Errorf("the integration page has no link to the mappings")
		}
		mapping := func(pn, site string) *integration.ItemMapping {
			var found *integration.ItemMapping
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				it, err := tx.ItemByPartNumber(s.ctx(), pn)
				if err != nil {
					return err
				}
				ms, err := tx.ItemMappings(s.ctx(), it.ID)
				for i := range ms {
					if ms[i].SiteID == site {
						found = &ms[i]
					}
				}
				return err
			})
			return found
		}
		form := url.Values{"csrf": {ivan.csrf}, "part": {"GSK-DN100"}, "site_id": {north}, "erp_item_code": {"ERP-GSK-100"}, "erp_unit": {"BOX"}, "factor": {""}}
		code, body, _ = ivan.post("/ui/integration/mappings/items", form)
		wantRefused(t, "a unit with no factor", code, body, http.StatusUnprocessableEntity, "imap-erp-unit-error", "part GSK-DN100 is counted in EA", `value="ERP-GSK-100"`, `value="`+north+`" selected`)
		form.Set("factor", "-2")
		code, body, _ = ivan.post("/ui/integration/mappings/items", form)
		wantRefused(t, "a negative factor", code, body, http.StatusBadRequest, "imap-factor-error", "factor", `value="-2"`)
		if m := mapping("GSK-DN100", north); m != nil {
			t.Fatalf("refused forms wrote %+v", m)
		}
		form.Set("factor", "10")
		if code, _, _ := ivan.post("/ui/integration/mappings/items", form); code != http.StatusSeeOther {
			t.Fatalf("map item = %d; want 303", code)
		}
		if m := mapping("GSK-DN100", north); m == nil || m.ERPItemCode != "ERP-GSK-100" || m.ERPUnit != "BOX" || m.Factor.String() != "10" {
			t.Errorf("mapped %+v; want ERP-GSK-100 in BOX of 10 at NORTH", m)
		}
		cc := url.Values{"csrf": {ivan.csrf}, "site_id": {south}, "cost_center": {"CC-SL1"}, "erp_cost_center": {""}}
		code, body, _ = ivan.post("/ui/integration/mappings/cost-centers", cc)
		wantRefused(t, "no ERP cost center", code, body, http.StatusBadRequest, "ccmap-erp-cost-center-error", "erp_cost_center is required", `value="CC-SL1"`)
		cc.Set("erp_cost_center", "4100-SOUTH")
		if code, _, _ := ivan.post("/ui/integration/mappings/cost-centers", cc); code != http.StatusSeeOther {
			t.Errorf("map cost center = %d; want 303", code)
		}
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			m, err := tx.CostCenterMapping(s.ctx(), south, "CC-SL1")
			if err != nil || m.ERPCostCenter != "4100-SOUTH" {
				t.Errorf("cost center mapping = %+v, %v; want 4100-SOUTH", m, err)
			}
			return nil
		})
		ac := url.Values{"csrf": {ivan.csrf}, "site_id": {""}, "category": {"labor"}, "erp_account": {"6100"}}
		if code, _, _ := ivan.post("/ui/integration/mappings/accounts", ac); code != http.StatusSeeOther {
			t.Errorf("map account = %d; want 303", code)
		}
		if _, body, _ := ivan.get("/ui/integration/mappings"); !strings.Contains(body, "ERP-GSK-100") || !strings.Contains(body, "4100-SOUTH") || !strings.Contains(body, "6100") {
			t.Errorf("the mappings page does not list the three mappings")
		}

		s.mustSiteUser("nils", millwright.Integration, "NORTH")
		nils, _ := s.login("nils")
		_, body, _ = nils.get("/ui/integration/mappings")
		if strings.Contains(body, "4100-SOUTH") {
			t.Errorf("NORTH integration user sees SOUTH's cost-center mapping")
		}
		form.Set("csrf", nils.csrf)
		form.Set("site_id", south)
		if code, _, _ := nils.post("/ui/integration/mappings/items", form); code != http.StatusForbidden || mapping("GSK-DN100", south) != nil {
			t.Errorf("NORTH integration user maps for SOUTH: %d; want 403 and nothing written", code)
		}
		if code, _, _ := nils.post("/ui/integration/mappings/cost-centers", url.Values{"csrf": {nils.csrf}, "site_id": {""}, "cost_center": {"CC-X"}, "erp_cost_center": {"X"}}); code != http.StatusForbidden {
			t.Errorf("NORTH integration user maps for every site: %d; want 403", code)
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.get("/ui/integration/mappings"); code != http.StatusForbidden {
			t.Errorf("planner opens the mappings: %d; want 403", code)
		}
	})
}
