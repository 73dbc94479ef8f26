package store

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/report"
)

// window appends the conditions of a report window on col (a time
// column) and site to q. A zero From or To leaves that side open.
func window(q string, args []any, siteCol, col string, w report.Window) (string, []any) {
	// An asset is of one site: with an asset, the site is no condition
	// (which a planner could take for the way in, over the site's work).
	if w.SiteID != "" && w.AssetID == "" {
		q += ` AND ` + siteCol + ` = ?`
		args = append(args, w.SiteID)
	}
	if w.AssetID != "" {
		// Every window's site column is the work order's; its asset is beside it.
		q += ` AND ` + strings.TrimSuffix(siteCol, "site_id") + `asset_id = ?`
		args = append(args, w.AssetID)
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
	var c conds
	c.eq("a.site_id", siteID)
	rows, err := tx.query(ctx, `
		SELECT a.id, a.tag, a.site_id, COALESCE(a.asset_class_id, ''), COALESCE(c.code, ''), s.time_zone
		FROM assets a JOIN sites s ON s.id = a.site_id LEFT JOIN asset_classes c ON c.id = a.asset_class_id
		WHERE `+c.where()+` ORDER BY a.id`, c.args...)
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
		SELECT w.asset_id, l.amount, l.at FROM `+costJoin(w, "wo_labor l")+`
		WHERE 1 = 1 AND w.id = l.work_order_id`, nil, "w.site_id", "l.at", w)
	if err := scan(report.Labor, false, q, args); err != nil {
		return nil, err
	}
	// A movement's value is the signed change to stock: an issue's is
	// negative, so the cost is its negation.
	q, args = window(`
		SELECT w.asset_id, m.value, m.at FROM `+costJoin(w, "stock_movements m")+`
		WHERE m.kind IN ('issue', 'return') AND w.id = m.work_order_id`, nil, "w.site_id", "m.at", w)
	if err := scan(report.Parts, true, q, args); err != nil {
		return nil, err
	}
	q, args = window(`
		SELECT w.asset_id, mt.actual_cost, COALESCE(w.completed_at, w.created_at)
		FROM `+costJoin(w, "wo_materials mt")+`
		WHERE mt.direct AND w.id = mt.work_order_id`, nil, "w.site_id", "COALESCE(w.completed_at, w.created_at)", w)
	if err := scan(report.Direct, false, q, args); err != nil {
		return nil, err
	}
	return out, nil
}

// costJoin is the FROM of a cost query over a child table of work orders,
// in the order SQLite is to join them (CROSS JOIN keeps SQLite's order;
// PostgreSQL orders them by its statistics): for one asset, its work orders
// first (index work_orders_asset); otherwise the child's rows in the
// window first (its index on time), not every work order of the site.
func costJoin(w report.Window, child string) string {
	if w.AssetID != "" {
		return "work_orders w CROSS JOIN " + child
	}
	return child + " CROSS JOIN work_orders w"
}

// openStatuses is the condition of open work, written as the partial
// index work_orders_open is, so that the index serves the query.
const openStatuses = `status NOT IN ('completed', 'closed', 'cancelled')`

// Backlog counts the open work orders created in the window by priority
// and age at asOf, in the database: report.ComputeBacklog's buckets of
// whole days since creation (0–7, 8–30, 31–90, over 90), read from the
// partial index of open work.
func (tx *Tx) Backlog(ctx context.Context, w report.Window, asOf time.Time) (report.Backlog, error) {
	day := 24 * time.Hour
	t8, t31, t91 := asOf.Add(-8*day), asOf.Add(-31*day), asOf.Add(-91*day)
	q, args := window(`
		SELECT priority, COUNT(*),
			SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN created_at <= ? AND created_at > ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN created_at <= ? AND created_at > ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN created_at <= ? THEN 1 ELSE 0 END)
		FROM work_orders WHERE `+openStatuses, []any{t8, t8, t31, t31, t91, t91}, "site_id", "created_at", w)
	rows, err := tx.query(ctx, q+` GROUP BY priority`, args...)
	if err != nil {
		return report.Backlog{}, err
	}
	counts, err := scanAll(rows, func(r interface{ Scan(...any) error }) (report.BacklogRow, error) {
		var b report.BacklogRow
		err := r.Scan(&b.Priority, &b.Total, &b.Days0to7, &b.Days8to30, &b.Days31to90, &b.DaysOver90)
		return b, err
	})
	if err != nil {
		return report.Backlog{}, err
	}
	return report.BacklogOf(asOf, counts), nil
}

// costSum is the SQL sum of a money column, exact on both engines:
// NUMERIC on PostgreSQL; on SQLite, where money is TEXT, whole cents
// (exact while amounts have at most two decimals and stay below 10^12).
// With it, over2 counts the values with more than two decimals: a sum
// with any is not used.
func (tx *Tx) costSum(col string) (sum, over2 string) {
	if tx.engine == Postgres {
		return `SUM(` + col + `)`, `0`
	}
	return `SUM(CAST(ROUND(CAST(` + col + ` AS REAL) * 100) AS INTEGER))`,
		`SUM(CASE WHEN INSTR(` + col + `, '.') > 0 AND LENGTH(` + col + `) - INSTR(` + col + `, '.') > 2 THEN 1 ELSE 0 END)`
}

// CostByAsset is CostEntries added up per asset and kind in the database:
// one entry per asset and kind with the sum, dated at the window's end.
// report.ComputeCost by asset gives the same rows from them as from every
// entry. When a SQLite amount has more than two decimals, it adds the
// entries up in Go instead.
func (tx *Tx) CostByAsset(ctx context.Context, w report.Window) ([]report.CostEntry, error) {
	var out []report.CostEntry
	exact := true
	scan := func(kind report.CostKind, negate bool, q string, args []any) error {
		rows, err := tx.query(ctx, q+` GROUP BY w.asset_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := report.CostEntry{Kind: kind, At: w.To}
			var (
				raw   string
				over2 int
			)
			if err := rows.Scan(&e.AssetID, &raw, &over2); err != nil {
				return err
			}
			if over2 > 0 {
				exact = false
			}
			amount, err := decimal.NewFromString(raw)
			if err != nil {
				return err
			}
			if tx.engine == SQLite {
				amount = amount.Shift(-2)
			}
			if negate {
				amount = amount.Neg()
			}
			e.Amount = millwright.Money{Decimal: amount}
			out = append(out, e)
		}
		return rows.Err()
	}
	sum, over2 := tx.costSum("l.amount")
	q, args := window(`SELECT w.asset_id, `+sum+`, `+over2+`
		FROM `+costJoin(w, "wo_labor l")+`
		WHERE 1 = 1 AND w.id = l.work_order_id`, nil, "w.site_id", "l.at", w)
	if err := scan(report.Labor, false, q, args); err != nil {
		return nil, err
	}
	sum, over2 = tx.costSum("m.value")
	q, args = window(`SELECT w.asset_id, `+sum+`, `+over2+`
		FROM `+costJoin(w, "stock_movements m")+`
		WHERE m.kind IN ('issue', 'return') AND w.id = m.work_order_id`, nil, "w.site_id", "m.at", w)
	if err := scan(report.Parts, true, q, args); err != nil {
		return nil, err
	}
	sum, over2 = tx.costSum("mt.actual_cost")
	q, args = window(`SELECT w.asset_id, `+sum+`, `+over2+`
		FROM `+costJoin(w, "wo_materials mt")+`
		WHERE mt.direct AND w.id = mt.work_order_id`, nil, "w.site_id", "COALESCE(w.completed_at, w.created_at)", w)
	if err := scan(report.Direct, false, q, args); err != nil {
		return nil, err
	}
	if !exact {
		return tx.CostEntries(ctx, w)
	}
	return out, nil
}
