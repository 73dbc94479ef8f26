package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

const workOrderCols = `id, number, type, status, priority, site_id, asset_id, title, description,
	auto_request_material, estimated_labor, problem, cause, remedy, downtime_hours, notes,
	assigned_to, scheduled_on, created_by, created_at, updated_at, completed_at`

func scanWorkOrder(r interface{ Scan(...any) error }) (workorder.WorkOrder, error) {
	var w workorder.WorkOrder
	err := r.Scan(&w.ID, &w.Number, &w.Type, &w.Status, &w.Priority, &w.SiteID, &w.AssetID, &w.Title, &w.Description,
		&w.AutoRequestMaterial, &w.EstimatedLabor, &w.Problem, &w.Cause, &w.Remedy, &w.DowntimeHours, &w.Notes,
		&w.AssignedTo, &w.ScheduledOn, &w.CreatedBy, (*dbTime)(&w.CreatedAt), (*dbTime)(&w.UpdatedAt), nullTime{&w.CompletedAt})
	return w, err
}

// CreateWorkOrder stores a new work order; it sets its id.
func (tx *Tx) CreateWorkOrder(ctx context.Context, w *workorder.WorkOrder) error {
	w.ID = millwright.NewID("wo")
	_, err := tx.exec(ctx, `INSERT INTO work_orders (`+workOrderCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.Number, w.Type, w.Status, w.Priority, w.SiteID, w.AssetID, w.Title, w.Description,
		w.AutoRequestMaterial, w.EstimatedLabor, w.Problem, w.Cause, w.Remedy, w.DowntimeHours, w.Notes,
		w.AssignedTo, w.ScheduledOn, w.CreatedBy, w.CreatedAt, w.UpdatedAt, w.CompletedAt)
	return duplicate(err, "work order number %s is taken", w.Number)
}

func (tx *Tx) workOrder(ctx context.Context, id, suffix string) (*workorder.WorkOrder, error) {
	w, err := scanWorkOrder(tx.queryRow(ctx, `SELECT `+workOrderCols+` FROM work_orders WHERE id = ?`+suffix, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "work order %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	tx.lastWO = lastWorkOrder{w.ID, w.AssetID}
	return &w, nil
}

// WorkOrder returns the work order with id.
func (tx *Tx) WorkOrder(ctx context.Context, id string) (*workorder.WorkOrder, error) {
	return tx.workOrder(ctx, id, "")
}

// WorkOrderForUpdate returns the work order with id, locked until the
// transaction ends.
func (tx *Tx) WorkOrderForUpdate(ctx context.Context, id string) (*workorder.WorkOrder, error) {
	return tx.workOrder(ctx, id, tx.forUpdate())
}

// SaveWorkOrder stores changes to a work order.
func (tx *Tx) SaveWorkOrder(ctx context.Context, w *workorder.WorkOrder) error {
	_, err := tx.exec(ctx, `
		UPDATE work_orders SET status = ?, type = ?, priority = ?, title = ?, description = ?, auto_request_material = ?,
			estimated_labor = ?, problem = ?, cause = ?, remedy = ?, downtime_hours = ?, notes = ?,
			assigned_to = ?, scheduled_on = ?, updated_at = ?, completed_at = ?
		WHERE id = ?`,
		w.Status, w.Type, w.Priority, w.Title, w.Description, w.AutoRequestMaterial,
		w.EstimatedLabor, w.Problem, w.Cause, w.Remedy, w.DowntimeHours, w.Notes,
		w.AssignedTo, w.ScheduledOn, w.UpdatedAt, w.CompletedAt, w.ID)
	return err
}

// WorkOrders lists work orders by id, filtered. Only the filters given
// are in the statement, so that each combination can use its index
// (work_orders (status, id), (site_id, status, id), (asset_id, id),
// (assigned_to, status, id), ...) and a page after a cursor starts where
// the cursor is, however deep.
func (tx *Tx) WorkOrders(ctx context.Context, f workorder.Filter) (millwright.Page[workorder.WorkOrder], error) {
	n := page(f.Limit)
	var c conds
	c.eq("site_id", f.SiteID)
	c.eq("status", f.Status)
	c.eq("asset_id", f.AssetID)
	c.eq("type", f.Type)
	if f.Priority != 0 {
		c.add("priority = ?", f.Priority)
	}
	c.eq("assigned_to", f.AssignedTo)
	c.eq("created_by", f.CreatedBy)
	if f.Unassigned {
		c.add("assigned_to = ''")
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(strings.TrimSpace(f.Query))) + "%"
		c.add(`(LOWER(number) LIKE ? ESCAPE '\' OR LOWER(title) LIKE ? ESCAPE '\'
			OR asset_id IN (SELECT id FROM assets WHERE LOWER(tag) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\'))`,
			like, like, like, like)
	}
	if len(f.Scheduled) > 0 {
		c.add("scheduled_on <> ''")
		var or conds
		for _, d := range f.Scheduled {
			var s conds
			s.add("site_id = ?", d.SiteID)
			if d.From != "" {
				s.add("scheduled_on >= ?", d.From)
			}
			if d.To != "" {
				s.add("scheduled_on <= ?", d.To)
			}
			or.add("("+s.where()+")", s.args...)
		}
		c.add("("+strings.Join(or.terms, " OR ")+")", or.args...)
	}
	c.add("id > ?", f.Cursor)
	rows, err := tx.query(ctx, `SELECT `+workOrderCols+` FROM work_orders WHERE `+c.where()+` ORDER BY id LIMIT ?`,
		append(c.args, n)...)
	if err != nil {
		return millwright.Page[workorder.WorkOrder]{}, err
	}
	out, err := scanAll(rows, scanWorkOrder)
	return millwright.NewPage(out, n, func(w workorder.WorkOrder) string { return w.ID }), err
}

// AddTransition records a status change of a work order, by the
// transaction's actor at its time.
func (tx *Tx) AddTransition(ctx context.Context, t *workorder.TransitionRecord) error {
	t.ID, t.Actor, t.At = millwright.NewID("wtr"), tx.Actor().Username, tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO wo_transitions (id, work_order_id, from_status, to_status, actor, at, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.WorkOrderID, t.From, t.To, t.Actor, t.At, t.Reason)
	return err
}

// Transitions lists a work order's status changes, oldest first.
func (tx *Tx) Transitions(ctx context.Context, workOrderID string) ([]workorder.TransitionRecord, error) {
	rows, err := tx.query(ctx, `
		SELECT id, work_order_id, from_status, to_status, actor, at, reason
		FROM wo_transitions WHERE work_order_id = ? ORDER BY at, id`, workOrderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []workorder.TransitionRecord{}
	for rows.Next() {
		var t workorder.TransitionRecord
		if err := rows.Scan(&t.ID, &t.WorkOrderID, &t.From, &t.To, &t.Actor, (*dbTime)(&t.At), &t.Reason); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const materialCols = `m.id, m.work_order_id, m.item_id, m.quantity, m.direct, m.storeroom_id, m.auto_request_material,
	m.reserved, m.issued, m.unit_cost, m.procurement_status, m.blocked_reason, m.purchase_order_number,
	m.promised_date, m.committed_cost, m.actual_cost, m.created_at, m.description, m.unit, m.vendor`

// Materials lists a work order's material lines in the order they were added.
func (tx *Tx) Materials(ctx context.Context, workOrderID string) ([]workorder.Material, error) {
	rows, err := tx.query(ctx, `SELECT `+materialCols+`, i.part_number
		FROM wo_materials m JOIN items i ON i.id = m.item_id
		WHERE m.work_order_id = ? ORDER BY m.id`, workOrderID)
	if err != nil {
		return nil, err
	}
	return scanMaterials(rows)
}

// MaterialsPage lists a work order's material lines by id after cursor,
// a page at a time (index wo_materials_wo).
func (tx *Tx) MaterialsPage(ctx context.Context, workOrderID, cursor string, limit int) (millwright.Page[workorder.Material], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+materialCols+`, i.part_number
		FROM wo_materials m JOIN items i ON i.id = m.item_id
		WHERE m.work_order_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`, workOrderID, cursor, n)
	if err != nil {
		return millwright.Page[workorder.Material]{}, err
	}
	out, err := scanMaterials(rows)
	return millwright.NewPage(out, n, func(m workorder.Material) string { return m.ID }), err
}

// CreateMaterial stores a new material line; it sets its id and time.
func (tx *Tx) CreateMaterial(ctx context.Context, m *workorder.Material) error {
	m.ID, m.CreatedAt = millwright.NewID("wom"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO wo_materials (id, work_order_id, item_id, quantity, direct, storeroom_id, auto_request_material,
			reserved, issued, unit_cost, procurement_status, blocked_reason, purchase_order_number,
			promised_date, committed_cost, actual_cost, created_at, description, unit, vendor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.WorkOrderID, m.ItemID, m.Quantity, m.Direct, null(m.StoreroomID), m.AutoRequestMaterial,
		m.Reserved, m.Issued, m.UnitCost, m.ProcurementStatus, m.BlockedReason, m.PurchaseOrderNumber,
		m.PromisedDate, m.CommittedCost, m.ActualCost, m.CreatedAt, m.Description, m.Unit, m.Vendor)
	return err
}

// SaveMaterial stores changes to a material line.
func (tx *Tx) SaveMaterial(ctx context.Context, m *workorder.Material) error {
	_, err := tx.exec(ctx, `
		UPDATE wo_materials SET item_id = ?, quantity = ?, storeroom_id = ?, auto_request_material = ?, reserved = ?, issued = ?,
			unit_cost = ?, procurement_status = ?, blocked_reason = ?, purchase_order_number = ?,
			promised_date = ?, committed_cost = ?, actual_cost = ?, description = ?, unit = ?, vendor = ?
		WHERE id = ?`,
		m.ItemID, m.Quantity, null(m.StoreroomID), m.AutoRequestMaterial, m.Reserved, m.Issued,
		m.UnitCost, m.ProcurementStatus, m.BlockedReason, m.PurchaseOrderNumber,
		m.PromisedDate, m.CommittedCost, m.ActualCost, m.Description, m.Unit, m.Vendor, m.ID)
	return err
}

// AddLabor records a labor entry, by the transaction's actor at its time.
func (tx *Tx) AddLabor(ctx context.Context, l *workorder.Labor) error {
	l.ID, l.Actor, l.At = millwright.NewID("lab"), tx.Actor().Username, tx.now
	return tx.insertSoon(ctx, "wo_labor", laborCols,
		l.ID, l.WorkOrderID, l.Technician, l.Craft, l.Hours, l.Rate, l.Amount, l.Actor, l.At)
}

var laborCols = []string{"id", "work_order_id", "technician", "craft", "hours", "rate", "amount", "actor", "at"}

// LaborPage lists a work order's labor entries by id after cursor, a
// page at a time (index wo_labor_wo on (work_order_id, id)).
func (tx *Tx) LaborPage(ctx context.Context, workOrderID, cursor string, limit int) (millwright.Page[workorder.Labor], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `
		SELECT id, work_order_id, technician, craft, hours, rate, amount, actor, at
		FROM wo_labor WHERE work_order_id = ? AND id > ? ORDER BY id LIMIT ?`, workOrderID, cursor, n)
	if err != nil {
		return millwright.Page[workorder.Labor]{}, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (workorder.Labor, error) {
		var l workorder.Labor
		err := r.Scan(&l.ID, &l.WorkOrderID, &l.Technician, &l.Craft, &l.Hours, &l.Rate, &l.Amount, &l.Actor, (*dbTime)(&l.At))
		return l, err
	})
	return millwright.NewPage(out, n, func(l workorder.Labor) string { return l.ID }), err
}

// LaborEntries lists a work order's labor entries, oldest first.
func (tx *Tx) LaborEntries(ctx context.Context, workOrderID string) ([]workorder.Labor, error) {
	rows, err := tx.query(ctx, `
		SELECT id, work_order_id, technician, craft, hours, rate, amount, actor, at
		FROM wo_labor WHERE work_order_id = ? ORDER BY id`, workOrderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []workorder.Labor{}
	for rows.Next() {
		var l workorder.Labor
		if err := rows.Scan(&l.ID, &l.WorkOrderID, &l.Technician, &l.Craft, &l.Hours, &l.Rate, &l.Amount,
			&l.Actor, (*dbTime)(&l.At)); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

const woMovementCols = `id, storeroom_id, item_id, kind, quantity, value, work_order_id, reason, actor, at`

func scanWorkOrderMovements(rows *sql.Rows) ([]inventory.Movement, error) {
	defer rows.Close()
	out := []inventory.Movement{}
	for rows.Next() {
		var m inventory.Movement
		if err := rows.Scan(&m.ID, &m.StoreroomID, &m.ItemID, &m.Kind, &m.Quantity, &m.Value,
			(*nullStr)(&m.WorkOrderID), &m.Reason, &m.Actor, (*dbTime)(&m.At)); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// WorkOrderMovements lists the stock movements that carry a work order's
// id, oldest first.
func (tx *Tx) WorkOrderMovements(ctx context.Context, workOrderID string) ([]inventory.Movement, error) {
	rows, err := tx.query(ctx, `SELECT `+woMovementCols+` FROM stock_movements
		WHERE work_order_id = ? ORDER BY id`, workOrderID)
	if err != nil {
		return nil, err
	}
	return scanWorkOrderMovements(rows)
}

// ItemStockAtSite lists the stock rows of an item in the storerooms of a site,
// by storeroom code.
func (tx *Tx) ItemStockAtSite(ctx context.Context, siteID, itemID string) ([]inventory.Stock, error) {
	rows, err := tx.query(ctx, `SELECT s.storeroom_id, s.item_id, s.on_hand, s.reserved, s.value, s.reorder_point,
			s.reorder_quantity, s.max_quantity, s.updated_at
		FROM stock s JOIN storerooms r ON r.id = s.storeroom_id
		WHERE r.site_id = ? AND s.item_id = ?
		ORDER BY r.code`, siteID, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []inventory.Stock{}
	for rows.Next() {
		s, err := scanStock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

var _ workorder.Tx = (*Tx)(nil)

// scanMaterial reads a material line selected as materialCols plus the
// item's part number.
func scanMaterial(r interface{ Scan(...any) error }) (*workorder.Material, error) {
	var m workorder.Material
	if err := r.Scan(&m.ID, &m.WorkOrderID, &m.ItemID, &m.Quantity, &m.Direct, (*nullStr)(&m.StoreroomID),
		&m.AutoRequestMaterial, &m.Reserved, &m.Issued, &m.UnitCost, &m.ProcurementStatus, &m.BlockedReason,
		&m.PurchaseOrderNumber, &m.PromisedDate, &m.CommittedCost, &m.ActualCost, (*dbTime)(&m.CreatedAt),
		&m.Description, &m.Unit, &m.Vendor, &m.PartNumber); err != nil {
		return nil, err
	}
	m.SpecialBuy = m.Description != ""
	return &m, nil
}

// scanMaterials reads material lines selected as materialCols plus the
// item's part number.
func scanMaterials(rows *sql.Rows) ([]workorder.Material, error) {
	defer rows.Close()
	out := []workorder.Material{}
	for rows.Next() {
		m, err := scanMaterial(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}
