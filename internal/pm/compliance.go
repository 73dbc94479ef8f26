package pm

import (
	"context"
	"time"

	"github.com/millwright-cmms/millwright"
)

// PM compliance is the share of preventive occurrences due in a period
// that were done on time:
//
//	compliance % = on time / due × 100
//
// due: occurrences of calendar and meter plans whose due date is in
// [from, to) and not after now — each generated work order and each missed
// occurrence counts once. on time: its work order was completed (completed
// or closed) no later than its due date plus grace_days. A missed
// occurrence, a cancelled order, an order completed late and an order not
// completed by now all count as due and not on time. Condition plans make
// predictive work on demand, not on a schedule, and are not counted.

// ComplianceRow is the compliance of one plan, or of all of them.
type ComplianceRow struct {
	PlanID  string   `json:"plan_id,omitempty"`
	AssetID string   `json:"asset_id,omitempty"`
	Due     int      `json:"due"`
	OnTime  int      `json:"on_time"`
	Late    int      `json:"late"`               // completed after the due date (plus grace)
	Missed  int      `json:"missed"`             // no work order: noted as missed
	Open    int      `json:"open"`               // not completed by now
	Skipped int      `json:"skipped"`            // cancelled
	Percent *float64 `json:"compliance_percent"` // null when nothing was due
}

// ComplianceReport is PM compliance over a period, in total and per plan.
type ComplianceReport struct {
	SiteID    string          `json:"site_id,omitempty"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	GraceDays int             `json:"grace_days"`
	Total     ComplianceRow   `json:"total"`
	Plans     []ComplianceRow `json:"plans"`
}

// Compliance computes PM compliance for a site (all sites when siteID is
// empty) over [from, to).
func Compliance(ctx context.Context, tx Tx, siteID string, from, to time.Time, graceDays int) (*ComplianceReport, error) {
	if !to.After(from) {
		return nil, invalid("bad_period", "to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if graceDays < 0 || graceDays > 365 {
		return nil, invalid("bad_grace_days", "grace_days must be from 0 to 365, not %d", graceDays)
	}
	if siteID != "" {
		if err := millwright.CheckSite(ctx, siteID); err != nil {
			return nil, err
		}
	}
	occs, err := tx.Occurrences(ctx, siteID, from, to)
	if err != nil {
		return nil, err
	}
	rep := &ComplianceReport{SiteID: siteID, From: from, To: to, GraceDays: graceDays, Plans: []ComplianceRow{}}
	byPlan := map[string]int{}
	now := tx.Now()
	grace := time.Duration(graceDays) * 24 * time.Hour
	for _, o := range occs {
		if o.DueAt.After(now) {
			continue
		}
		i, ok := byPlan[o.PlanID]
		if !ok {
			i = len(rep.Plans)
			byPlan[o.PlanID] = i
			rep.Plans = append(rep.Plans, ComplianceRow{PlanID: o.PlanID, AssetID: o.AssetID})
		}
		for _, r := range []*ComplianceRow{&rep.Total, &rep.Plans[i]} {
			r.Due++
			switch {
			case o.Missed || o.WorkOrderID == "":
				r.Missed++
			case o.Status == "cancelled":
				r.Skipped++
			case o.CompletedAt == nil:
				r.Open++
			case !o.CompletedAt.After(o.DueAt.Add(grace)):
				r.OnTime++
			default:
				r.Late++
			}
		}
	}
	for _, r := range append([]*ComplianceRow{&rep.Total}, rowPtrs(rep.Plans)...) {
		if r.Due > 0 {
			pc := float64(r.OnTime*10000/r.Due) / 100
			r.Percent = &pc
		}
	}
	return rep, nil
}

func rowPtrs(rows []ComplianceRow) []*ComplianceRow {
	out := make([]*ComplianceRow, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out
}
