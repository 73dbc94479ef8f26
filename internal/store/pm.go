package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
)

const planCols = `id, site_id, asset_id, name, trigger_json, lead_time_days, template_json, active,
	created_by, created_at, updated_at`

func scanPlan(r interface{ Scan(...any) error }) (pm.Plan, error) {
	var (
		p         pm.Plan
		trig, tpl string
	)
	err := r.Scan(&p.ID, &p.SiteID, &p.AssetID, &p.Name, &trig, &p.LeadTimeDays, &tpl, &p.Active,
		&p.CreatedBy, (*dbTime)(&p.CreatedAt), (*dbTime)(&p.UpdatedAt))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(trig), &p.Trigger); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(tpl), &p.WorkOrder)
}

func planJSON(p *pm.Plan) (trig, tpl string, err error) {
	a, err := json.Marshal(p.Trigger)
	if err != nil {
		return "", "", err
	}
	b, err := json.Marshal(p.WorkOrder)
	return string(a), string(b), err
}

// CreatePlan stores a new PM plan; it sets its id.
func (tx *Tx) CreatePlan(ctx context.Context, p *pm.Plan) error {
	tx.meterPlans = nil
	p.ID = millwright.NewID("pm")
	trig, tpl, err := planJSON(p)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO pm_plans (`+planCols+`, kind, meter)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.SiteID, p.AssetID, p.Name, trig, p.LeadTimeDays, tpl, p.Active,
		p.CreatedBy, p.CreatedAt, p.UpdatedAt, p.Trigger.Kind, p.Trigger.Meter)
	return err
}

func (tx *Tx) plan(ctx context.Context, id, suffix string) (*pm.Plan, error) {
	p, err := scanPlan(tx.queryRow(ctx, `SELECT `+planCols+` FROM pm_plans WHERE id = ?`+suffix, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "PM plan %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Plan returns the PM plan with id.
func (tx *Tx) Plan(ctx context.Context, id string) (*pm.Plan, error) { return tx.plan(ctx, id, "") }

// PlanForUpdate returns the PM plan with id, locked until the transaction ends.
func (tx *Tx) PlanForUpdate(ctx context.Context, id string) (*pm.Plan, error) {
	return tx.plan(ctx, id, tx.forUpdate())
}

// SavePlan stores changes to a PM plan.
func (tx *Tx) SavePlan(ctx context.Context, p *pm.Plan) error {
	tx.meterPlans = nil
	trig, tpl, err := planJSON(p)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `
		UPDATE pm_plans SET name = ?, kind = ?, meter = ?, trigger_json = ?, lead_time_days = ?,
			template_json = ?, active = ?, updated_at = ?
		WHERE id = ?`,
		p.Name, p.Trigger.Kind, p.Trigger.Meter, trig, p.LeadTimeDays, tpl, p.Active, p.UpdatedAt, p.ID)
	return err
}

// Plans lists PM plans by id, filtered.
func (tx *Tx) Plans(ctx context.Context, f pm.Filter) (millwright.Page[pm.Plan], error) {
	n := page(f.Limit)
	var c conds
	c.eq("site_id", f.SiteID)
	c.eq("asset_id", f.AssetID) // index pm_plans_meter (asset_id, meter)
	c.eq("kind", f.Kind)
	if f.Active != nil {
		c.add("active = ?", *f.Active)
	}
	c.add("id > ?", f.Cursor)
	rows, err := tx.query(ctx, `SELECT `+planCols+` FROM pm_plans WHERE `+c.where()+` ORDER BY id LIMIT ?`,
		append(c.args, n)...)
	if err != nil {
		return millwright.Page[pm.Plan]{}, err
	}
	out, err := scanPlans(rows)
	return millwright.NewPage(out, n, func(p pm.Plan) string { return p.ID }), err
}

func scanPlans(rows *sql.Rows) ([]pm.Plan, error) {
	defer rows.Close()
	var out []pm.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlansForMeter lists the active meter and condition plans of an asset's
// meter. The list is kept for the rest of the transaction, until it
// writes a plan: a batch of readings asks for it at every reading, and
// most meters have no plan. (Whoever acts on a plan reads it again,
// locked: PlanForUpdate.)
func (tx *Tx) PlansForMeter(ctx context.Context, assetID, meter string) ([]pm.Plan, error) {
	k := [2]string{assetID, meter}
	if ps, ok := tx.meterPlans[k]; ok {
		return slices.Clone(ps), nil
	}
	rows, err := tx.query(ctx, `SELECT `+planCols+` FROM pm_plans
		WHERE asset_id = ? AND meter = ? AND active = ? AND kind IN ('meter', 'condition')
		ORDER BY id`, assetID, meter, true)
	if err != nil {
		return nil, err
	}
	ps, err := scanPlans(rows)
	if err != nil {
		return nil, err
	}
	if tx.meterPlans == nil {
		tx.meterPlans = map[[2]string][]pm.Plan{}
	}
	tx.meterPlans[k] = ps
	return slices.Clone(ps), nil
}

// ActivePlans lists the active plans of a trigger kind with their latest
// occurrence and whether a work order of theirs is open, in three queries.
func (tx *Tx) ActivePlans(ctx context.Context, kind string) ([]pm.PlanState, error) {
	rows, err := tx.query(ctx, `SELECT `+planCols+` FROM pm_plans WHERE kind = ? AND active = ? ORDER BY id`, kind, true)
	if err != nil {
		return nil, err
	}
	plans, err := scanPlans(rows)
	if err != nil {
		return nil, err
	}
	// The latest occurrence of each plan: for each plan, one seek into the
	// index on (plan_id, due_at, due_value), not a read of its history.
	// Descending on each engine is the reverse of its ascending order, so
	// this is the occurrence an ascending read of the plan's would end on.
	rows, err = tx.query(ctx, `SELECT `+occurrenceCols+` FROM pm_plans p
		JOIN pm_occurrences o ON o.plan_id = p.id AND o.occ_key = (SELECT o2.occ_key FROM pm_occurrences o2
			WHERE o2.plan_id = p.id ORDER BY o2.due_at DESC, o2.due_value DESC LIMIT 1)
		LEFT JOIN work_orders w ON w.id = o.work_order_id
		WHERE p.kind = ? AND p.active = ?`, kind, true)
	if err != nil {
		return nil, err
	}
	occs, err := scanAll(rows, scanOccurrence)
	if err != nil {
		return nil, err
	}
	last := make(map[string]pm.Occurrence, len(occs))
	for _, o := range occs {
		last[o.PlanID] = o
	}
	// The plans with an open work order, from the open work orders (the
	// partial index work_orders_open), not from every occurrence.
	// (CROSS JOIN keeps SQLite to that order; PostgreSQL orders by its statistics.)
	rows, err = tx.query(ctx, `SELECT DISTINCT o.plan_id FROM work_orders w
		CROSS JOIN pm_occurrences o CROSS JOIN pm_plans p
		WHERE o.work_order_id = w.id AND p.id = o.plan_id AND p.kind = ? AND w.`+openStatuses, kind)
	if err != nil {
		return nil, err
	}
	openIDs, err := scanAll(rows, func(r interface{ Scan(...any) error }) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, err
	}
	open := make(map[string]bool, len(openIDs))
	for _, id := range openIDs {
		open[id] = true
	}
	out := make([]pm.PlanState, len(plans))
	for i, p := range plans {
		o, has := last[p.ID]
		out[i] = pm.PlanState{Plan: p, Last: o, HasLast: has, Open: open[p.ID]}
	}
	return out, nil
}

// ActivePlanIDs lists the ids of the active plans of a trigger kind.
func (tx *Tx) ActivePlanIDs(ctx context.Context, kind string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT id FROM pm_plans WHERE kind = ? AND active = ? ORDER BY id`, kind, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const occurrenceCols = `o.plan_id, o.occ_key, o.due_at, o.due_value, COALESCE(o.work_order_id, ''), o.missed, o.created_at,
	p.asset_id, p.kind, COALESCE(w.status, ''), w.completed_at`

const occurrenceFrom = ` FROM pm_occurrences o JOIN pm_plans p ON p.id = o.plan_id
	LEFT JOIN work_orders w ON w.id = o.work_order_id`

func scanOccurrence(r interface{ Scan(...any) error }) (pm.Occurrence, error) {
	var (
		o pm.Occurrence
		v sql.NullFloat64
	)
	err := r.Scan(&o.PlanID, &o.Key, (*dbTime)(&o.DueAt), &v, &o.WorkOrderID, &o.Missed, (*dbTime)(&o.CreatedAt),
		&o.AssetID, &o.Kind, &o.Status, nullTime{&o.CompletedAt})
	if v.Valid {
		o.DueValue = &v.Float64
	}
	return o, err
}

// LastOccurrence returns a plan's latest occurrence by due date (then by
// meter value), with its work order's status and completion.
func (tx *Tx) LastOccurrence(ctx context.Context, planID string) (pm.Occurrence, bool, error) {
	o, err := scanOccurrence(tx.queryRow(ctx, `SELECT `+occurrenceCols+occurrenceFrom+`
		WHERE o.plan_id = ? ORDER BY o.due_at DESC, o.due_value DESC LIMIT 1`, planID))
	if errors.Is(err, sql.ErrNoRows) {
		return pm.Occurrence{}, false, nil
	}
	return o, err == nil, err
}

// OpenWorkOrder returns the id of a plan's work order that is neither
// completed, closed nor cancelled.
func (tx *Tx) OpenWorkOrder(ctx context.Context, planID string) (string, bool, error) {
	var id string
	err := tx.queryRow(ctx, `SELECT w.id FROM pm_occurrences o JOIN work_orders w ON w.id = o.work_order_id
		WHERE o.plan_id = ? AND w.status NOT IN ('completed', 'closed', 'cancelled') LIMIT 1`, planID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return id, err == nil, err
}

// AddOccurrence stores an occurrence of a plan. A second one with the same
// plan and key is refused as a duplicate.
func (tx *Tx) AddOccurrence(ctx context.Context, o *pm.Occurrence) error {
	var v any
	if o.DueValue != nil {
		v = *o.DueValue
	}
	_, err := tx.exec(ctx, `INSERT INTO pm_occurrences (plan_id, occ_key, due_at, due_value, work_order_id, missed, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, o.PlanID, o.Key, o.DueAt, v, null(o.WorkOrderID), o.Missed, o.CreatedAt)
	return duplicate(err, "plan %s already has occurrence %s", o.PlanID, o.Key)
}

// Occurrences lists the occurrences of calendar and meter plans due in
// [from, to), of a site when siteID is set, oldest first.
func (tx *Tx) Occurrences(ctx context.Context, siteID string, from, to time.Time) ([]pm.Occurrence, error) {
	site, args := "", []any{from, to}
	if siteID != "" {
		site, args = " AND p.site_id = ?", append(args, siteID)
	}
	rows, err := tx.query(ctx, `SELECT `+occurrenceCols+occurrenceFrom+`
		WHERE o.due_at >= ? AND o.due_at < ?`+site+` AND p.kind IN ('calendar', 'meter')
		ORDER BY o.due_at, o.plan_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pm.Occurrence
	for rows.Next() {
		o, err := scanOccurrence(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ActAs makes p the transaction's actor (for its audit entries, records
// and outbox messages) until the returned func runs: work the system
// generates is the system's, whoever's request caused it.
func (tx *Tx) ActAs(p millwright.Principal) (restore func()) {
	prev := tx.ctx
	tx.ctx = millwright.WithPrincipal(tx.ctx, p)
	return func() { tx.ctx = prev }
}

// PlanNames returns the name of each plan of ids that exists, by id, in
// one query a few hundred ids at a time.
func (tx *Tx) PlanNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := tx.query(ctx, `SELECT id, name FROM pm_plans WHERE id IN `+inList(n), args...)
		if err != nil {
			return nil, err
		}
		names, err := scanAll(rows, func(r interface{ Scan(...any) error }) ([2]string, error) {
			var v [2]string
			err := r.Scan(&v[0], &v[1])
			return v, err
		})
		if err != nil {
			return nil, err
		}
		for _, v := range names {
			out[v[0]] = v[1]
		}
		ids = ids[n:]
	}
	return out, nil
}
