package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The windows the KPI page covers, ending now.
const (
	kpiReliabilityDays = report.DefaultReliabilityDays
	kpiComplianceDays  = 30
	kpiCostDays        = 365
)

// kpis is the planner's and controller's page: MTBF and MTTR, PM
// compliance, the backlog by priority and age and the maintenance cost per
// asset, computed as GET /api/v1/reports/... computes them
// (docs/kpis.md), for the caller's site.
func (h *Handler) kpis(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		rel        report.Reliability
		classes    report.Reliability
		backlog    report.Backlog
		compliance *pm.ComplianceReport
		costs      []report.CostRow
		costTotal  millwright.Money
		planNames  map[string]string
		assetTags  = map[string]string{}
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now().UTC()
		site := s.User.SiteID
		assets, err := tx.ReportAssets(ctx, site)
		if err != nil {
			return err
		}
		for _, a := range assets {
			assetTags[a.ID] = a.Tag
		}
		win := report.Window{SiteID: site, From: now.AddDate(0, 0, -kpiReliabilityDays), To: now}
		failures, err := tx.Failures(ctx, win)
		if err != nil {
			return err
		}
		rel = report.ComputeReliability(win, report.ByAsset, assets, failures)
		// Only the assets that failed: the others have no MTBF to show.
		rel.Items = slices.DeleteFunc(rel.Items, func(r report.ReliabilityRow) bool { return r.Failures == 0 })
		classes = report.ComputeReliability(win, report.ByClass, assets, failures)
		if backlog, err = tx.Backlog(ctx, report.Window{SiteID: site, To: now}, now); err != nil {
			return err
		}
		if compliance, err = pm.Compliance(ctx, tx, site, now.AddDate(0, 0, -kpiComplianceDays), now, 0); err != nil {
			return err
		}
		var ids []string
		for _, row := range compliance.Plans {
			ids = append(ids, row.PlanID)
		}
		if planNames, err = tx.PlanNames(ctx, ids); err != nil {
			return err
		}
		entries, err := tx.CostByAsset(ctx, report.Window{SiteID: site, From: now.AddDate(0, 0, -kpiCostDays), To: now})
		if err != nil {
			return err
		}
		costs = report.ComputeCost(report.ByAsset, assets, entries)
		slices.SortStableFunc(costs, func(a, b report.CostRow) int { return b.Total.Cmp(a.Total.Decimal) })
		for _, c := range costs {
			costTotal = costTotal.Add(c.Total)
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "kpis.html", "KPIs", map[string]any{
		"Reliability": rel, "Classes": classes, "Backlog": backlog, "Compliance": compliance, "PlanNames": planNames,
		"AssetTags": assetTags, "Costs": costs, "CostTotal": costTotal,
		"ReliabilityDays": kpiReliabilityDays, "ComplianceDays": kpiComplianceDays, "CostDays": kpiCostDays})
	return nil
}
