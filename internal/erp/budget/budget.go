// Package budget is the embedded ERP's budgets per cost center and month:
// what was spent (actual), what is on order (committed), the forecast, and
// the alert when the forecast passes the budget.
package budget

import (
	"context"
	"regexp"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// Budget is the amount a cost center may spend in a month.
type Budget struct {
	CostCenter string           `json:"cost_center"`
	Period     string           `json:"period"` // YYYY-MM in the site's time zone
	Amount     millwright.Money `json:"amount"`
	Alerted    bool             `json:"alerted"` // the forecast is over budget and the alert was sent
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

var periodRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// CheckPeriod says whether p is a YYYY-MM month.
func CheckPeriod(p string) error {
	if !periodRE.MatchString(p) {
		return millwright.Errorf(millwright.Invalid, "bad_period", "period %q is not a month such as 2026-03 (YYYY-MM)", p)
	}
	return nil
}

// Status is a cost center's budget use in a period.
type Status struct {
	CostCenter string           `json:"cost_center"`
	Period     string           `json:"period"`
	Budget     millwright.Money `json:"budget"`
	Actual     millwright.Money `json:"actual"`    // expense postings in the period
	Committed  millwright.Money `json:"committed"` // open purchase-order value not yet received
	Forecast   millwright.Money `json:"forecast"`  // actual + committed
	Variance   millwright.Money `json:"variance"`  // budget − forecast
	Alert      bool             `json:"alert"`     // forecast > budget
}

// NewStatus derives forecast, variance and alert.
func NewStatus(costCenter, period string, budget, actual, committed millwright.Money) Status {
	s := Status{CostCenter: costCenter, Period: period, Budget: budget, Actual: actual, Committed: committed}
	s.Forecast = actual.Add(committed)
	s.Variance = budget.Sub(s.Forecast)
	s.Alert = s.Forecast.GreaterThan(budget.Decimal)
	return s
}

// Tx is what budget checks need from a database transaction.
type Tx interface {
	ERPBudgetForUpdate(ctx context.Context, costCenter, period string) (*Budget, error)
	SaveERPBudget(ctx context.Context, b *Budget) error
	ERPBudgetUse(ctx context.Context, costCenter, period string) (actual, committed millwright.Money, err error)
	Emit(ctx context.Context, kind integration.EventKind, documentKey string, payload any) error
	// CheckAtEnd reports whether the transaction checks this budget once,
	// at its end, instead of now: a batch of postings whose budget use
	// is added when it settles (store.Tx.DeferERPNumbering).
	CheckAtEnd(costCenter, period string) bool
}

// Check recomputes a cost center's status for a period after a posting or
// an order and, when the forecast has just passed the budget, emits a
// budget alert (once, until the forecast falls back within the budget).
// A cost center with no budget for the period is not checked.
func Check(ctx context.Context, tx Tx, costCenter, period string) error {
	if costCenter == "" || tx.CheckAtEnd(costCenter, period) {
		return nil
	}
	b, err := tx.ERPBudgetForUpdate(ctx, costCenter, period)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	actual, committed, err := tx.ERPBudgetUse(ctx, costCenter, period)
	if err != nil {
		return err
	}
	s := NewStatus(costCenter, period, b.Amount, actual, committed)
	if s.Alert == b.Alerted {
		return nil
	}
	b.Alerted = s.Alert
	if err := tx.SaveERPBudget(ctx, b); err != nil {
		return err
	}
	if !s.Alert {
		return nil
	}
	return tx.Emit(ctx, integration.EventBudgetAlert, "budget:"+costCenter+":"+period,
		integration.BudgetAlert{CostCenter: costCenter, Period: period, Budget: s.Budget, Forecast: s.Forecast})
}
