package web

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
)

// dashboards are the parts of the home page each role watches; a role
// without any starts on its work list instead (session.go, home): the
// technician's is My work, which is their work of today.
var dashboards = map[millwright.Role][]string{
	millwright.Admin:       {"planning", "reliability", "finance", "integration"},
	millwright.Planner:     {"planning", "reliability"},
	millwright.Finance:     {"finance"},
	millwright.Integration: {"integration"},
}

// trendMonths is how many months the MTBF and MTTR trend shows, ending
// with the current one.
const trendMonths = 6

// monthRel is MTBF and MTTR over one calendar month (UTC) for every asset
// of the scope together.
type monthRel struct {
	Month         string
	Failures      int
	DowntimeHours millwright.Qty
	MTBF, MTTR    *millwright.Qty
}

// homeData is what the home page shows; a part is nil when the role does
// not watch it.
type homeData struct {
	Parts        map[string]bool
	Backlog      report.Backlog
	BacklogBars  *barChart
	Compliance   *pm.ComplianceReport
	Trend        []monthRel
	MTBFBars     *barChart
	MTTRBars     *barChart
	Centers      []budgetRow
	BudgetBars   *barChart
	Period       string
	Glance       glance
	Stuck        []integration.OutboxMessage
	Today        []woRow
	ERPElsewhere bool
}

// budgetRow is a cost center's budget status this month.
type budgetRow struct {
	CostCenter, Period                  string
	Budget, Actual, Committed, Forecast millwright.Money
	Alert                               bool
}

// dashboard is the home page of a role: the few figures and charts it
// watches, each computed as the page it links to computes it (the
// backlog, KPIs, costs and integration pages), for the user's site.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	d := homeData{Parts: map[string]bool{}, ERPElsewhere: h.erpURL != ""}
	for _, p := range dashboards[s.User.Role] {
		d.Parts[p] = true
	}
	if d.ERPElsewhere {
		delete(d.Parts, "finance")
	}
	site := s.User.SiteID
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now().UTC()
		var err error
		if d.Parts["planning"] {
			if d.Backlog, err = tx.Backlog(ctx, report.Window{SiteID: site, To: now}, now); err != nil {
				return err
			}
			d.BacklogBars = backlogChart(d.Backlog)
			if d.Compliance, err = pm.Compliance(ctx, tx, site, now.AddDate(0, 0, -kpiComplianceDays), now, 0); err != nil {
				return err
			}
		}
		if d.Parts["reliability"] {
			if err := d.reliability(ctx, tx, site, now); err != nil {
				return err
			}
		}
		if d.Parts["finance"] {
			if err := d.budgets(ctx, tx, site, now); err != nil {
				return err
			}
		}
		if d.Parts["integration"] {
			if d.Glance, err = integrationGlance(ctx, tx, site); err != nil {
				return err
			}
			for _, st := range []string{integration.StatusDead, integration.StatusFailed} {
				p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: st, SiteID: site, Limit: 5, Newest: true})
				if err != nil {
					return err
				}
				d.Stuck = append(d.Stuck, p.Items...)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "home.html", "Home", d)
	return nil
}

// reliability is MTBF and MTTR per calendar month for the scope's assets
// together, from the failures report.ComputeReliability counts.
func (d *homeData) reliability(ctx context.Context, tx *store.Tx, site string, now time.Time) error {
	assets, err := tx.ReportAssets(ctx, site)
	if err != nil {
		return err
	}
	first := time.Date(now.Year(), now.Month()-trendMonths+1, 1, 0, 0, 0, 0, time.UTC)
	d.MTBFBars = &barChart{ID: "mtbf-chart", Title: "Mean time between failures per month, hours", Series: []chartSeries{{"MTBF hours", "#0b5cad"}}}
	d.MTTRBars = &barChart{ID: "mttr-chart", Title: "Mean time to repair per month, hours", Series: []chartSeries{{"MTTR hours", "#d4a72c"}}}
	for i := range trendMonths {
		from := first.AddDate(0, i, 0)
		to := from.AddDate(0, 1, 0)
		if to.After(now) {
			to = now
		}
		win := report.Window{SiteID: site, From: from, To: to}
		failures, err := tx.Failures(ctx, win)
		if err != nil {
			return err
		}
		rel := report.ComputeReliability(win, report.ByClass, assets, failures)
		m := monthRel{Month: from.Format("2006-01")}
		var operating millwright.Qty
		for _, row := range rel.Items {
			m.Failures += row.Failures
			m.DowntimeHours = m.DowntimeHours.Add(row.DowntimeHours)
			operating = operating.Add(row.OperatingHours)
		}
		mtbf, mttr := chartBar{Label: m.Month, Marker: math.NaN(), Texts: []string{"—"}, Values: []float64{0}},
			chartBar{Label: m.Month, Marker: math.NaN(), Texts: []string{"—"}, Values: []float64{0}}
		if m.Failures > 0 {
			n := decimal.NewFromInt(int64(m.Failures))
			b := millwright.Qty{Decimal: operating.Decimal.Div(n).Round(1)}
			r := millwright.Qty{Decimal: m.DowntimeHours.Decimal.Div(n).Round(2)}
			m.MTBF, m.MTTR = &b, &r
			mtbf.Values, mtbf.Texts = []float64{b.InexactFloat64()}, []string{b.String()}
			mttr.Values, mttr.Texts = []float64{r.InexactFloat64()}, []string{r.String()}
		}
		d.Trend = append(d.Trend, m)
		d.MTBFBars.Bars = append(d.MTBFBars.Bars, mtbf)
		d.MTTRBars.Bars = append(d.MTTRBars.Bars, mttr)
	}
	return nil
}

// budgets is each cost center's budget against actual and committed this
// month; a user of one site sees its cost centers with its postings only,
// as on the costs page.
func (d *homeData) budgets(ctx context.Context, tx *store.Tx, site string, now time.Time) error {
	ccs, err := tx.ERPCostCenters(ctx)
	if err != nil {
		return err
	}
	var own map[string]bool
	t := now
	if site != "" {
		if own, err = tx.ERPSiteCostCenters(ctx, site); err != nil {
			return err
		}
		loc, err := tx.ERPSiteTimeZone(ctx, site)
		if err != nil {
			return err
		}
		t = now.In(loc)
	}
	d.Period = t.Format("2006-01")
	d.BudgetBars = &barChart{ID: "home-budget-chart", Title: "Budget against actual and committed per cost center, " + d.Period,
		Series: []chartSeries{{"actual", "#0b5cad"}, {"committed", "#9ec5f0"}}}
	for _, c := range ccs {
		if own != nil && !own[c.Code] {
			continue
		}
		st, err := status(ctx, tx, c.Code, d.Period)
		if err != nil {
			return err
		}
		if !st.Budget.IsPositive() && !st.Actual.IsPositive() && !st.Committed.IsPositive() {
			continue
		}
		d.Centers = append(d.Centers, budgetRow{CostCenter: c.Code, Period: st.Period, Budget: st.Budget, Actual: st.Actual,
			Committed: st.Committed, Forecast: st.Forecast, Alert: st.Alert})
		bar := chartBar{Label: c.Code, Values: []float64{st.Actual.InexactFloat64(), st.Committed.InexactFloat64()},
			Texts: []string{st.Actual.String(), st.Committed.String()}, Marker: math.NaN()}
		if st.Budget.IsPositive() {
			bar.Marker, bar.MarkerText = st.Budget.InexactFloat64(), "budget "+st.Budget.String()
		}
		d.BudgetBars.Bars = append(d.BudgetBars.Bars, bar)
	}
	return nil
}
