package erp

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
)

// SaveRule creates an approval rule (id empty) or replaces the rule of
// id, and returns it with the problems the whole rule set has now. A
// user limited to a site saves rules of that site only: a rule of every
// site (no site) or of another routes requisitions that are not its own.
func SaveRule(ctx context.Context, tx *Tx, id string, ru approval.Rule) (*approval.Rule, []approval.Problem, error) {
	if err := ru.Normalize(); err != nil {
		return nil, nil, err
	}
	if err := millwright.CheckSite(ctx, ru.SiteID); err != nil {
		return nil, nil, err
	}
	var before *approval.Rule
	if id != "" {
		old, err := tx.ERPRule(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if err := millwright.CheckSite(ctx, old.SiteID); err != nil {
			return nil, nil, err
		}
		before, ru.ID, ru.CreatedAt = old, old.ID, old.CreatedAt
	}
	if err := tx.SaveERPRule(ctx, &ru); err != nil {
		return nil, nil, err
	}
	action := "create"
	if before != nil {
		action = "update"
	}
	if err := tx.Audit(ctx, "erp_approval_rule", ru.ID, action, before, ru); err != nil {
		return nil, nil, err
	}
	rules, err := tx.ERPRules(ctx)
	if err != nil {
		return nil, nil, err
	}
	return &ru, approval.Validate(rules), nil
}

// DeleteRule deletes the approval rule of id, within the caller's site.
func DeleteRule(ctx context.Context, tx *Tx, id string) error {
	old, err := tx.ERPRule(ctx, id)
	if err != nil {
		return err
	}
	if err := millwright.CheckSite(ctx, old.SiteID); err != nil {
		return err
	}
	if err := tx.DeleteERPRule(ctx, old.ID); err != nil {
		return err
	}
	return tx.Audit(ctx, "erp_approval_rule", old.ID, "delete", old, nil)
}
