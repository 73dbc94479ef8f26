package store

import (
	"context"
	"time"

	"github.com/millwright-cmms/millwright/internal/workorder"
)

// OldestOpen lists the open work orders (not completed, closed or
// cancelled) of a site ("" for every site) and priority, oldest first, at
// most limit of them: the planner's backlog with aging. It reads the
// partial index of open work (site_id, created_at, priority, id) in
// creation order and stops at the limit.
func (tx *Tx) OldestOpen(ctx context.Context, siteID string, priority, limit int) ([]workorder.WorkOrder, error) {
	var c conds
	c.add(openStatuses)
	c.eq("site_id", siteID)
	c.add("priority = ?", priority)
	rows, err := tx.query(ctx, `SELECT `+workOrderCols+` FROM work_orders WHERE `+c.where()+` ORDER BY created_at, id LIMIT ?`,
		append(c.args, min(max(limit, 1), 500))...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanWorkOrder)
}

// SetNow moves the transaction's clock to t: what it writes from here on
// is dated t. Loading history uses it (the demo's months of closed work);
// no use-case does, and a request's transaction keeps the time it began.
func (tx *Tx) SetNow(t time.Time) { tx.now = t.UTC().Truncate(time.Microsecond) }
