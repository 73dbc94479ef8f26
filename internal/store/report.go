package store

import (
	"context"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/report"
)

// window appends the conditions of a report window on col (a time
// column) and site to q. A zero From or To leaves that side open.
func window(q string, args []any, siteCol, col string, w report.Window) (string, []any) {
	if w.SiteID != "" {
		q += ` AND ` + siteCol + ` = ?`
		args = append(args, w.SiteID)
	}
	if !w.From.IsZero() {
		q += ` AND ` + col + ` >= ?`
		args = append(args, w.From)
	}
	if !w.To.IsZero() {
		q += ` AND ` + col + ` < ?`
		args = append(args, w.To)
	}
	return q, args
}

// ReportAssets lists the assets of a site (every site for ""), with their
// class and their site's time zone, for the reports.
func (tx *Tx) ReportAssets(ctx context.Context, siteID string) ([]report.AssetInfo, error) {
	rows, err := tx.query(ctx, `
		SELECT a.id, a.tag, a.site_id, COALESCE(a.asset_class_id, ''), COALESCE(c.code, ''), s.time_zone
		FROM assets a JOIN sites s ON s.id = a.site_id LEFT JOIN asset_classes c ON c.id = a.asset_class_id
		WHERE (? = '' OR a.site_id = ?) ORDER BY a.id`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (report.AssetInfo, error) {
		var a report.AssetInfo
		err := r.Scan(&a.ID, &a.Tag, &a.SiteID, &a.ClassID, &a.ClassCode, &a.TimeZone)
		return a, err
	})
}

// Failures lists the corrective and emergency work orders completed in
// the window (completed or closed since), by their completion time.
func (tx *Tx) Failures(ctx context.Context, w report.Window) ([]report.Failure, error) {
	q, args := window(`
		SELECT asset_id, downtime_hours FROM work_orders
		WHERE type IN ('corrective', 'emergency') AND status IN ('completed', 'closed')
			AND completed_at IS NOT NULL`, nil, "site_id", "completed_at", w)
	rows, err := tx.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (report.Failure, error) {
		var f report.Failure
		err := r.Scan(&f.AssetID, &f.DowntimeHours)
		return f, err
	})
}

// OpenWorkOrders lists the work orders not completed, closed or
// cancelled, created in the window.
func (tx *Tx) OpenWorkOrders(ctx context.Context, w report.Window) ([]report.OpenWorkOrder, error) {
	q, args := window(`
		SELECT priority, created_at FROM work_orders
		WHERE status NOT IN ('completed', 'closed', 'cancelled')`, nil, "site_id", "created_at", w)
	rows, err := tx.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (report.OpenWorkOrder, error) {
		var o report.OpenWorkOrder
		err := r.Scan(&o.Priority, (*dbTime)(&o.CreatedAt))
		return o, err
	})
}

// CostEntries lists the actual costs of work orders dated in the window:
// labor entries at their time; parts issued (positive) and returned
// (negative) at the movement's time, valued as they left or re-entered
// stock; direct items' actual cost at the work order's completion, or its
// creation while it is not completed.
func (tx *Tx) CostEntries(ctx context.Context, w report.Window) ([]report.CostEntry, error) {
	var out []report.CostEntry
	scan := func(kind report.CostKind, negate bool, q string, args []any) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := report.CostEntry{Kind: kind}
			var amount millwright.Money
			var at time.Time
			if err := rows.Scan(&e.AssetID, &amount, (*dbTime)(&at)); err != nil {
				return err
			}
			if negate {
				amount = millwright.Money{}.Sub(amount)
			}
			e.Amount, e.At = amount, at
			out = append(out, e)
		}
		return rows.Err()
	}
	q, args := window(`
		SELECT w.asset_id, l.amount, l.at FROM wo_labor l JOIN work_orders w ON w.id = l.work_order_id
		WHERE 1 = 1`, nil, "w.site_id", "l.at", w)
	if err := scan(report.Labor, false, q, args); err != nil {
		return nil, err
	}
	// A movement's value is the signed change to stock: an issue's is
	// negative, so the cost is its negation.
	q, args = window(`
		SELECT w.asset_id, m.value, m.at FROM stock_movements m JOIN work_orders w ON w.id = m.work_order_id
		WHERE m.kind IN ('issue', 'return')`, nil, "w.site_id", "m.at", w)
	if err := scan(report.Parts, true, q, args); err != nil {
		return nil, err
	}
	q, args = window(`
		SELECT w.asset_id, mt.actual_cost, COALESCE(w.completed_at, w.created_at)
		FROM wo_materials mt JOIN work_orders w ON w.id = mt.work_order_id
		WHERE mt.direct = ?`, []any{true}, "w.site_id", "COALESCE(w.completed_at, w.created_at)", w)
	if err := scan(report.Direct, false, q, args); err != nil {
		return nil, err
	}
	return out, nil
}
