package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// costRow is the cost of one work order or the sum over an asset.
type costRow struct {
	ID, Label, Detail, CostCenter string
	Estimated, Committed, Actual  millwright.Money
}

// chartMonths is how many months the budget chart shows, ending with the current one.
const chartMonths = 6

// costs is the controller's page: cost by work order, asset and cost
// center, and budget against actual and committed per month.
func (h *Handler) costs(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		byWO, byAsset []costRow
		centers       []budget.Status
		chart         *chart
		selected      = r.URL.Query().Get("cost_center")
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		rows, err := listWorkOrders(ctx, tx, workorder.Statuses...)
		if err != nil {
			return err
		}
		assets := map[string]*costRow{}
		codes := map[string]bool{}
		ccSite := map[string]string{} // the site whose month a cost center's periods follow
		for _, wo := range rows {
			if wo.Status == workorder.Cancelled {
				continue
			}
			c, err := workorder.GetCosts(ctx, tx, wo.ID)
			if err != nil {
				return err
			}
			a, err := tx.Asset(ctx, wo.AssetID)
			if err != nil {
				return err
			}
			byWO = append(byWO, costRow{ID: wo.ID, Label: wo.Number, Detail: wo.Title, CostCenter: a.CostCenter,
				Estimated: c.Estimated.Total, Committed: c.Committed.Total, Actual: c.Actual.Total})
			ar, ok := assets[a.ID]
			if !ok {
				ar = &costRow{ID: a.ID, Label: a.Tag, Detail: a.Name, CostCenter: a.CostCenter}
				assets[a.ID] = ar
			}
			ar.Estimated = ar.Estimated.Add(c.Estimated.Total)
			ar.Committed = ar.Committed.Add(c.Committed.Total)
			ar.Actual = ar.Actual.Add(c.Actual.Total)
			if a.CostCenter != "" {
				codes[a.CostCenter] = true
				if _, ok := ccSite[a.CostCenter]; !ok {
					ccSite[a.CostCenter] = a.SiteID
				}
			}
		}
		for _, ar := range assets {
			byAsset = append(byAsset, *ar)
		}
		slices.SortFunc(byAsset, func(a, b costRow) int { return b.Actual.Cmp(a.Actual.Decimal) })
		ccs, err := tx.ERPCostCenters(ctx)
		if err != nil {
			return err
		}
		for _, c := range ccs {
			codes[c.Code] = true
		}
		// A user limited to a site sees its site's cost centers only, each
		// with its site's postings and orders (docs/authorization.md).
		if s.User.SiteID != "" {
			own, err := tx.ERPSiteCostCenters(ctx, s.User.SiteID)
			if err != nil {
				return err
			}
			maps.DeleteFunc(codes, func(c string, _ bool) bool { return !own[c] })
			if selected != "" {
				if err := erp.CheckCostCenter(ctx, tx, selected); err != nil {
					return err
				}
			}
		}
		var sorted []string
		for c := range codes {
			sorted = append(sorted, c)
		}
		slices.Sort(sorted)
		// Periods are months in the site's time zone, as the ledger posts them.
		now := func(cc string) (time.Time, error) {
			site := ccSite[cc]
			if site == "" {
				site = s.User.SiteID
			}
			if site == "" {
				return tx.Now().UTC(), nil
			}
			loc, err := tx.ERPSiteTimeZone(ctx, site)
			return tx.Now().In(loc), err
		}
		for _, c := range sorted {
			t, err := now(c)
			if err != nil {
				return err
			}
			st, err := status(ctx, tx, c, t.Format("2006-01"))
			if err != nil {
				return err
			}
			centers = append(centers, st)
		}
		if selected == "" && len(sorted) > 0 {
			selected = sorted[0]
			for _, st := range centers {
				if st.Budget.IsPositive() || st.Actual.IsPositive() {
					selected = st.CostCenter
					break
				}
			}
		}
		if selected != "" {
			var months []budget.Status
			t, err := now(selected)
			if err != nil {
				return err
			}
			first := time.Date(t.Year(), t.Month()-chartMonths+1, 1, 0, 0, 0, 0, t.Location())
			for i := range chartMonths {
				st, err := status(ctx, tx, selected, first.AddDate(0, i, 0).Format("2006-01"))
				if err != nil {
					return err
				}
				months = append(months, st)
			}
			chart = newChart(selected, months)
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "costs.html", "Costs", map[string]any{
		"ByWorkOrder": byWO, "ByAsset": byAsset, "Centers": centers, "Chart": chart, "Selected": selected})
	return nil
}

func status(ctx context.Context, tx *store.Tx, cc, period string) (budget.Status, error) {
	var amount millwright.Money
	b, err := tx.ERPBudget(ctx, cc, period)
	switch {
	case err == nil:
		amount = b.Amount
	case millwright.ErrorKind(err) != millwright.NotFound:
		return budget.Status{}, err
	}
	actual, committed, err := tx.ERPSiteBudgetUse(ctx, millwright.PrincipalFrom(ctx).SiteID, cc, period)
	return budget.NewStatus(cc, period, amount, actual, committed), err
}

// chart is a bar chart of budget, actual and committed per month, drawn
// as inline SVG on the server. Floats are used only for pixel geometry;
// the amounts shown are the exact decimals.
type chart struct {
	CostCenter     string
	Width, Height  int
	Bars           []bar
	Ticks          []tick
	BaseY, PlotTop float64
}

type bar struct {
	Status                 budget.Status
	X, W                   float64
	ActualY, ActualH       float64
	CommittedY, CommittedH float64
	BudgetY                float64
	HasBudget              bool
	LabelX                 float64
	Summary                string
}

type tick struct {
	Y     float64
	Label string
}

func newChart(cc string, months []budget.Status) *chart {
	c := &chart{CostCenter: cc, Width: 640, Height: 260, PlotTop: 20, BaseY: 220}
	maxV := 1.0
	for _, m := range months {
		maxV = max(maxV, m.Budget.InexactFloat64(), m.Forecast.InexactFloat64())
	}
	maxV *= 1.1
	plotH := c.BaseY - c.PlotTop
	scale := func(v float64) float64 { return v / maxV * plotH }
	left, group := 70.0, (float64(c.Width)-80)/float64(len(months))
	for i, m := range months {
		x := left + float64(i)*group + group*0.2
		bw := group * 0.6
		ah := scale(m.Actual.InexactFloat64())
		ch := scale(m.Committed.InexactFloat64())
		b := bar{Status: m, X: x, W: bw, ActualH: ah, ActualY: c.BaseY - ah, CommittedH: ch, CommittedY: c.BaseY - ah - ch,
			HasBudget: m.Budget.IsPositive(), BudgetY: c.BaseY - scale(m.Budget.InexactFloat64()), LabelX: x + bw/2,
			Summary: fmt.Sprintf("%s: budget %s, actual %s, committed %s", m.Period, m.Budget.String(), m.Actual.String(), m.Committed.String())}
		c.Bars = append(c.Bars, b)
	}
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		c.Ticks = append(c.Ticks, tick{Y: c.BaseY - scale(v), Label: fmt.Sprintf("%.0f", v)})
	}
	return c
}

// ledgerEntries drills down from a cost to the journal entries behind it.
func (h *Handler) ledgerEntries(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := store.ERPEntryFilter{SiteID: s.User.SiteID, WorkOrderID: q.Get("work_order_id"), CostCenter: q.Get("cost_center"),
		Period: q.Get("period"), Cursor: q.Get("cursor"), Limit: 100}
	if f.Period != "" {
		if err := budget.CheckPeriod(f.Period); err != nil {
			return err
		}
	}
	var p millwright.Page[ledger.Entry]
	var number string
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if f.WorkOrderID != "" {
			wo, err := workorder.Get(ctx, tx, f.WorkOrderID)
			if err != nil {
				return err
			}
			number = wo.Number
		}
		p, err = tx.ERPEntries(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	title := "Ledger entries"
	switch {
	case number != "":
		title += " of " + number
	case f.CostCenter != "":
		title += " of " + f.CostCenter
	}
	if f.Period != "" {
		title += " in " + f.Period
	}
	h.render(w, r, s, http.StatusOK, "ledger.html", title, map[string]any{"Page": p, "Filter": f, "Heading": title})
	return nil
}
