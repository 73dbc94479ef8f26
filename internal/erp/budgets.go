package erp

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
)

// SaveBudget sets the budget of a cost center for a month (YYYY-MM),
// creating the cost center when the ERP does not know it yet, and raises
// the variance alert at once if the forecast is already over it. It
// returns the budget as it was, nil when it is new.
func SaveBudget(ctx context.Context, tx *Tx, costCenter, period string, amount millwright.Money) (*budget.Budget, error) {
	if costCenter == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "cost_center is required")
	}
	if err := budget.CheckPeriod(period); err != nil {
		return nil, err
	}
	if amount.IsNegative() {
		return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "a budget cannot be negative")
	}
	bud, err := tx.ERPBudgetForUpdate(ctx, costCenter, period)
	var before *budget.Budget
	switch {
	case err == nil:
		c := *bud
		before = &c
	case millwright.ErrorKind(err) == millwright.NotFound:
		bud = &budget.Budget{CostCenter: costCenter, Period: period}
	default:
		return nil, err
	}
	bud.Amount = amount
	if err := tx.EnsureERPCostCenter(ctx, costCenter); err != nil {
		return nil, err
	}
	if err := tx.SaveERPBudget(ctx, bud); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_budget", costCenter+":"+period, "save", before, bud); err != nil {
		return nil, err
	}
	return before, budget.Check(ctx, tx, costCenter, period)
}
