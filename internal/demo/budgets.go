package demo

import (
	"context"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
)

// monthlyBudgets is each cost center's maintenance budget for a month, as
// finance sets it in the embedded ERP.
var monthlyBudgets = []struct {
	site, costCenter, amount string
}{
	{"NORTH", "CC-NPWR", "18000.00"}, {"NORTH", "CC-NPM1", "24000.00"}, {"NORTH", "CC-NWTP", "6000.00"},
	{"NORTH", "CC-NBLD", "3000.00"}, {"NORTH", "CC-NSHP", "2500.00"},
	{"SOUTH", "CC-SL1", "15000.00"}, {"SOUTH", "CC-SUTL", "8000.00"}, {"SOUTH", "CC-SWH", "2000.00"},
}

// budgets sets each cost center's budget for the five months before this
// one, this month and the next two,
// months in its site's time zone, the way POST /api/v1/erp/budgets does.
// They are the embedded ERP's: an ERP run as its own process keeps its own.
func (l *loader) budgets(ctx context.Context) error {
	tx := erp.Wrap(l.tx)
	for _, b := range monthlyBudgets {
		var tz string
		for _, s := range sites {
			if s.code == b.site {
				tz = s.tz
			}
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return err
		}
		first := l.tx.Now().In(loc)
		first = time.Date(first.Year(), first.Month(), 1, 12, 0, 0, 0, loc)
		for m := -5; m < 3; m++ {
			period := first.AddDate(0, m, 0).Format("2006-01")
			if _, err := erp.SaveBudget(ctx, tx, b.costCenter, period, millwright.MustMoney(b.amount)); err != nil {
				return err
			}
			l.count("budgets")
		}
	}
	return nil
}
