package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Budgets.

var budgetPlacing = placing{
	alias: [][2]string{{"cost_center", "cost_center"}, {"period", "period"}, {"amount", "amount"}, {"a budget", "amount"}, {"Amount", "amount"}},
	codes: map[string]string{"bad_period": "period", "bad_amount": "amount", "invalid_amount": "amount"},
}

// siteCostCenters lists the cost centers the user may budget: their
// site's, or every one the ERP and the assets know.
func siteCostCenters(ctx context.Context, tx *store.Tx, siteID string) ([]string, error) {
	codes := map[string]bool{}
	if siteID != "" {
		own, err := tx.ERPSiteCostCenters(ctx, siteID)
		if err != nil {
			return nil, err
		}
		codes = own
	} else {
		ccs, err := tx.ERPCostCenters(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range ccs {
			codes[c.Code] = true
		}
		as, err := tx.Assets(ctx, asset.Filter{Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, a := range as.Items {
			if a.CostCenter != "" {
				codes[a.CostCenter] = true
			}
		}
	}
	var out []string
	for c, ok := range codes {
		if ok {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out, nil
}

// budgets lists the budgets of the user's cost centers, with the form
// that sets one (?cost_center=&period= fill it in, to change one).
func (h *Handler) budgets(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	v := url.Values{"cost_center": {q.Get("cost_center")}, "period": {q.Get("period")}, "amount": {q.Get("amount")}}
	if v.Get("period") == "" {
		v.Set("period", h.db.Clock().UTC().Format("2006-01"))
	}
	return h.showBudgets(w, r, s, http.StatusOK, form{Values: v})
}

func (h *Handler) showBudgets(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		list    []budget.Budget
		centers []string
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.ERPBudgets(ctx, s.User.SiteID, "", "", "", 500)
		if err != nil {
			return err
		}
		list = p.Items
		centers, err = siteCostCenters(ctx, tx, s.User.SiteID)
		return err
	})
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b budget.Budget) int {
		if c := strings.Compare(b.Period, a.Period); c != 0 {
			return c
		}
		return strings.Compare(a.CostCenter, b.CostCenter)
	})
	h.render(w, r, s, status, "budgets.html", "Budgets", map[string]any{
		"Budgets": list, "CostCenters": centers, "Form": f, "CanEdit": auth.Allowed(s.User.Role, auth.ManageFinance)})
	return nil
}

// saveBudget sets a cost center's budget for a month with erp.SaveBudget,
// as POST /api/v1/erp/budgets does; a user limited to a site sets only
// its cost centers' (erp.CheckCostCenter, as the API's answer checks).
func (h *Handler) saveBudget(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error { return h.showBudgets(w, r, s, status, f) }
	return h.submit(w, r, budgetPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		cc, period := strings.TrimSpace(r.PostForm.Get("cost_center")), strings.TrimSpace(r.PostForm.Get("period"))
		amount, err := formMoney(r, "amount", "amount")
		if err != nil {
			return "", "", err
		}
		if err := erp.CheckCostCenter(ctx, tx, cc); err != nil {
			return "", "", err
		}
		if _, err := erp.SaveBudget(ctx, erp.Wrap(tx), cc, period, amount); err != nil {
			return "", "", err
		}
		return "/ui/costs/budgets", "budget of " + cc + " for " + period + " set to " + amount.String(), nil
	})
}

// Approval rules.

var rulePlacing = placing{
	alias: [][2]string{{"max_priority", "max_priority"}, {"min_amount", "min_amount"}, {"max_amount", "max_amount"},
		{"a rule is either", "auto_approve"}},
	codes: map[string]string{"bad_priority": "max_priority", "bad_role": "steps", "bad_rule": "auto_approve"},
}

type ruleRow struct {
	approval.Rule
	SiteCode string
}

// rules lists the approval rules the user sees (their site's and those of
// every site) and the problems of the rule set, with the form that adds one.
func (h *Handler) rules(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showRules(w, r, s, http.StatusOK, nil, form{Values: url.Values{"approver_role": {string(millwright.Approver)}, "site_id": {s.User.SiteID}}})
}

// editRule shows an approval rule in the form.
func (h *Handler) editRule(w http.ResponseWriter, r *http.Request, s *session) error {
	var ru *approval.Rule
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if ru, err = tx.ERPRule(ctx, r.PathValue("id")); err != nil {
			return err
		}
		return millwright.CheckSite(ctx, ru.SiteID)
	})
	if err != nil {
		return err
	}
	v := url.Values{"site_id": {ru.SiteID}, "cost_center": {ru.CostCenter}, "approver_role": {string(ru.ApproverRole)}}
	if ru.MaxPriority != nil {
		v.Set("max_priority", strconv.Itoa(*ru.MaxPriority))
	}
	if ru.MinAmount != nil {
		v.Set("min_amount", ru.MinAmount.String())
	}
	if ru.MaxAmount != nil {
		v.Set("max_amount", ru.MaxAmount.String())
	}
	if ru.AutoApprove {
		v.Set("auto_approve", "on")
	}
	if ru.FastPath {
		v.Set("fast_path", "on")
	}
	var steps []string
	for _, st := range ru.Steps {
		steps = append(steps, string(st))
	}
	v.Set("steps", strings.Join(steps, ", "))
	return h.showRules(w, r, s, http.StatusOK, ru, form{Values: v})
}

func (h *Handler) showRules(w http.ResponseWriter, r *http.Request, s *session, status int, editing *approval.Rule, f form) error {
	var (
		rows     []ruleRow
		problems []approval.Problem
		sites    []asset.Site
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		codes := siteCodes(sites)
		all, err := tx.ERPRules(ctx)
		if err != nil {
			return err
		}
		var seen []approval.Rule
		for _, ru := range all {
			if s.User.SiteID == "" || ru.SiteID == "" || ru.SiteID == s.User.SiteID {
				rows = append(rows, ruleRow{Rule: ru, SiteCode: codes[ru.SiteID]})
				seen = append(seen, ru)
			}
		}
		for _, p := range approval.Validate(seen) {
			if s.User.SiteID == "" || p.SiteID == "" || p.SiteID == s.User.SiteID {
				problems = append(problems, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	title := "Approval rules"
	if editing != nil {
		title = "Edit approval rule"
	}
	h.render(w, r, s, status, "rules.html", title, map[string]any{
		"Rules": rows, "Problems": problems, "Sites": sites, "Roles": millwright.Roles, "Form": f, "Editing": editing,
		"EverySite": s.User.SiteID == "", "CanEdit": auth.Allowed(s.User.Role, auth.ManageFinance)})
	return nil
}

// ruleInput reads the rule form into an approval rule as the API's body.
func ruleInput(r *http.Request) (approval.Rule, error) {
	v := r.PostForm
	ru := approval.Rule{SiteID: strings.TrimSpace(v.Get("site_id")), CostCenter: strings.TrimSpace(v.Get("cost_center")),
		ApproverRole: millwright.Role(v.Get("approver_role")), AutoApprove: v.Get("auto_approve") == "on", FastPath: v.Get("fast_path") == "on"}
	if p := strings.TrimSpace(v.Get("max_priority")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return ru, millwright.Errorf(millwright.Invalid, "bad_priority", "max_priority must be 1 (emergency) to 4 (low), not %q", p)
		}
		ru.MaxPriority = &n
	}
	for _, f := range []struct {
		field string
		to    **millwright.Money
	}{{"min_amount", &ru.MinAmount}, {"max_amount", &ru.MaxAmount}} {
		if strings.TrimSpace(v.Get(f.field)) == "" {
			continue
		}
		m, err := formMoney(r, f.field, f.field)
		if err != nil {
			return ru, err
		}
		*f.to = &m
	}
	for _, st := range strings.Split(v.Get("steps"), ",") {
		if st = strings.TrimSpace(st); st != "" {
			ru.Steps = append(ru.Steps, millwright.Role(st))
		}
	}
	return ru, nil
}

// saveRule creates (no id) or replaces an approval rule with erp.SaveRule,
// as POST and PUT /api/v1/erp/approval-rules do.
func (h *Handler) saveRule(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	var editing *approval.Rule
	if id != "" {
		editing = &approval.Rule{ID: id}
	}
	show := func(status int, f form) error { return h.showRules(w, r, s, status, editing, f) }
	return h.submit(w, r, rulePlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		ru, err := ruleInput(r)
		if err != nil {
			return "", "", err
		}
		saved, problems, err := erp.SaveRule(ctx, erp.Wrap(tx), id, ru)
		if err != nil {
			return "", "", err
		}
		notice := "approval rule saved: requisitions it matches go to " + string(saved.ApproverRole)
		if saved.AutoApprove {
			notice = "approval rule saved: requisitions it matches are approved at once"
		}
		if len(problems) > 0 {
			notice += "; the rule set has " + strconv.Itoa(len(problems)) + " problem(s), listed below"
		}
		return "/ui/approval-rules", notice, nil
	})
}

// deleteRule deletes an approval rule with erp.DeleteRule.
func (h *Handler) deleteRule(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.change(w, r, "/ui/approval-rules", "/ui/approval-rules", "approval rule deleted", func(ctx context.Context, tx *store.Tx) error {
		return erp.DeleteRule(ctx, erp.Wrap(tx), r.PathValue("id"))
	})
}
