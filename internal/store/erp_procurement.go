package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
)

// ERPSettings returns the ERP's settings with their defaults.
func (tx *Tx) ERPSettings(ctx context.Context) (procurement.Settings, error) {
	m, err := tx.ERPSettingsMap(ctx)
	if err != nil {
		return procurement.Settings{}, err
	}
	s := procurement.Settings{DefaultLeadTimeDays: atoiOr(m["default_lead_time_days"], 7), DefaultWarehouse: m["default_warehouse"]}
	if err := s.TolerancePercent.Decimal.Scan(or(m["invoice_tolerance_percent"], "2")); err != nil {
		return s, err
	}
	if err := s.ToleranceAmount.Decimal.Scan(or(m["invoice_tolerance_amount"], "0")); err != nil {
		return s, err
	}
	if s.DefaultWarehouse == "" {
		s.DefaultWarehouse = "MAIN"
	}
	return s, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

const erpItemCols = `id, code, description, unit, stock_type, vendor, price, lead_time_days, created_at, updated_at`

func scanERPItem(r interface{ Scan(...any) error }) (procurement.Item, error) {
	var it procurement.Item
	err := r.Scan(&it.ID, &it.Code, &it.Description, &it.Unit, &it.StockType, &it.Vendor, &it.Price, &it.LeadTimeDays,
		(*dbTime)(&it.CreatedAt), (*dbTime)(&it.UpdatedAt))
	return it, err
}

// ERPItem returns an item of the ERP's item master.
func (tx *Tx) ERPItem(ctx context.Context, id string) (*procurement.Item, error) {
	it, err := scanERPItem(tx.queryRow(ctx, `SELECT `+erpItemCols+` FROM erp_items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "ERP item %s does not exist", id)
	}
	return &it, err
}

// ERPItemByCode returns the item with an ERP item code. An unknown code is
// a Rule error naming it: it comes in a message or a body, not a path.
func (tx *Tx) ERPItemByCode(ctx context.Context, code string) (*procurement.Item, error) {
	it, err := scanERPItem(tx.queryRow(ctx, `SELECT `+erpItemCols+` FROM erp_items WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.Rule, "unknown_item",
			"ERP item code %q is not in the ERP's item master; create the item (POST /api/v1/erp/items or an item_master message) or fix the CMMS mapping, then send again", code)
	}
	return &it, err
}

// ERPItemsByCode returns the items of the given ERP item codes that
// exist, by code, in one statement (a requisition's lines).
func (tx *Tx) ERPItemsByCode(ctx context.Context, codes []string) (map[string]*procurement.Item, error) {
	out := make(map[string]*procurement.Item, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	rows, err := tx.query(ctx, `SELECT `+erpItemCols+` FROM erp_items WHERE code IN `+inList(len(codes)), args...)
	items, err := scanAll(rows, scanERPItem)
	if err != nil {
		return nil, err
	}
	for i := range items {
		out[items[i].Code] = &items[i]
	}
	return out, nil
}

// SaveERPItem creates an item (when it has no id) or changes it.
func (tx *Tx) SaveERPItem(ctx context.Context, it *procurement.Item) error {
	it.UpdatedAt = tx.now
	if it.ID == "" {
		it.ID, it.CreatedAt = millwright.NewID("eit"), tx.now
		_, err := tx.exec(ctx, `INSERT INTO erp_items (`+erpItemCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, it.Code, it.Description, it.Unit, it.StockType, it.Vendor, it.Price, it.LeadTimeDays, it.CreatedAt, it.UpdatedAt)
		return duplicate(err, "ERP item %s already exists", it.Code)
	}
	_, err := tx.exec(ctx, `UPDATE erp_items SET code = ?, description = ?, unit = ?, stock_type = ?, vendor = ?, price = ?,
		lead_time_days = ?, updated_at = ? WHERE id = ?`,
		it.Code, it.Description, it.Unit, it.StockType, it.Vendor, it.Price, it.LeadTimeDays, it.UpdatedAt, it.ID)
	return duplicate(err, "ERP item %s already exists", it.Code)
}

// ERPItems lists the item master by id.
func (tx *Tx) ERPItems(ctx context.Context, code, cursor string, limit int) (millwright.Page[procurement.Item], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+erpItemCols+` FROM erp_items WHERE id > ? AND (? = '' OR code = ?) ORDER BY id LIMIT ?`,
		cursor, code, code, n)
	if err != nil {
		return millwright.Page[procurement.Item]{}, err
	}
	defer rows.Close()
	var out []procurement.Item
	for rows.Next() {
		it, err := scanERPItem(rows)
		if err != nil {
			return millwright.Page[procurement.Item]{}, err
		}
		out = append(out, it)
	}
	return millwright.NewPage(out, n, func(it procurement.Item) string { return it.ID }), rows.Err()
}

// Approval rules.

const ruleCols = `id, site_id, cost_center, max_priority, min_amount, max_amount, approver_role, steps, auto_approve, fast_path, created_at, updated_at`

func scanRule(r interface{ Scan(...any) error }) (approval.Rule, error) {
	var (
		ru         approval.Rule
		maxp       sql.NullInt64
		minA, maxA sql.NullString
		steps      string
	)
	err := r.Scan(&ru.ID, &ru.SiteID, &ru.CostCenter, &maxp, &minA, &maxA, &ru.ApproverRole, &steps, &ru.AutoApprove, &ru.FastPath,
		(*dbTime)(&ru.CreatedAt), (*dbTime)(&ru.UpdatedAt))
	if err != nil {
		return ru, err
	}
	if maxp.Valid {
		p := int(maxp.Int64)
		ru.MaxPriority = &p
	}
	if ru.MinAmount, err = nullMoney(minA); err != nil {
		return ru, err
	}
	if ru.MaxAmount, err = nullMoney(maxA); err != nil {
		return ru, err
	}
	return ru, json.Unmarshal([]byte(steps), &ru.Steps)
}

func nullMoney(s sql.NullString) (*millwright.Money, error) {
	if !s.Valid {
		return nil, nil
	}
	m, err := millwright.ParseMoney(s.String)
	return &m, err
}

// ERPRules lists every approval rule, oldest first.
func (tx *Tx) ERPRules(ctx context.Context) ([]approval.Rule, error) {
	rows, err := tx.query(ctx, `SELECT `+ruleCols+` FROM erp_approval_rules ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []approval.Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ERPRule returns an approval rule.
func (tx *Tx) ERPRule(ctx context.Context, id string) (*approval.Rule, error) {
	r, err := scanRule(tx.queryRow(ctx, `SELECT `+ruleCols+` FROM erp_approval_rules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "approval rule %s does not exist", id)
	}
	return &r, err
}

// SaveERPRule creates (no id) or replaces an approval rule.
func (tx *Tx) SaveERPRule(ctx context.Context, r *approval.Rule) error {
	steps, _ := json.Marshal(r.Steps)
	var maxp any
	if r.MaxPriority != nil {
		maxp = *r.MaxPriority
	}
	r.UpdatedAt = tx.now
	if r.ID == "" {
		r.ID, r.CreatedAt = millwright.NewID("apr"), tx.now
		_, err := tx.exec(ctx, `INSERT INTO erp_approval_rules (`+ruleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.SiteID, r.CostCenter, maxp, r.MinAmount, r.MaxAmount, r.ApproverRole, string(steps), r.AutoApprove, r.FastPath, r.CreatedAt, r.UpdatedAt)
		return err
	}
	_, err := tx.exec(ctx, `UPDATE erp_approval_rules SET site_id = ?, cost_center = ?, max_priority = ?, min_amount = ?, max_amount = ?,
		approver_role = ?, steps = ?, auto_approve = ?, fast_path = ?, updated_at = ? WHERE id = ?`,
		r.SiteID, r.CostCenter, maxp, r.MinAmount, r.MaxAmount, r.ApproverRole, string(steps), r.AutoApprove, r.FastPath, r.UpdatedAt, r.ID)
	return err
}

// DeleteERPRule deletes an approval rule. Requisitions keep the chain they
// were routed with.
func (tx *Tx) DeleteERPRule(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `DELETE FROM erp_approval_rules WHERE id = ?`, id)
	return err
}

// Requisitions.

const reqCols = `id, number, site_id, status, source, priority, cost_center, requested_by, work_order_id, work_order_number,
	asset_id, amount, rule_id, steps, step, comment, created_at, updated_at, expense_account`

func scanReq(r interface{ Scan(...any) error }) (procurement.Requisition, error) {
	var (
		q     procurement.Requisition
		steps string
	)
	err := r.Scan(&q.ID, &q.Number, &q.SiteID, &q.Status, &q.Source, &q.Priority, &q.CostCenter, &q.RequestedBy, &q.WorkOrderID,
		&q.WorkOrderNumber, &q.AssetID, &q.Amount, &q.RuleID, &steps, &q.Step, &q.Comment, (*dbTime)(&q.CreatedAt), (*dbTime)(&q.UpdatedAt),
		&q.ExpenseAccount)
	if err != nil {
		return q, err
	}
	return q, json.Unmarshal([]byte(steps), &q.Steps)
}

var reqLineInsertCols = []string{"id", "requisition_id", "position", "item_id", "item_code", "quantity", "unit",
	"needed_by", "unit_price", "amount", "work_order_id", "material_line_id", "asset_id", "warehouse", "purchase_order_line_id",
	"description", "vendor"}

// CreateERPRequisition stores a new requisition and its lines.
func (tx *Tx) CreateERPRequisition(ctx context.Context, r *procurement.Requisition) error {
	r.ID = millwright.NewID("req")
	if r.Steps == nil {
		r.Steps = []millwright.Role{}
	}
	steps, _ := json.Marshal(r.Steps)
	if _, err := tx.exec(ctx, `INSERT INTO erp_requisitions (`+reqCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Number, r.SiteID, r.Status, r.Source, r.Priority, r.CostCenter, r.RequestedBy, r.WorkOrderID, r.WorkOrderNumber,
		r.AssetID, r.Amount, r.RuleID, string(steps), r.Step, r.Comment, r.CreatedAt, r.UpdatedAt, r.ExpenseAccount); err != nil {
		return err
	}
	rows := make([][]any, len(r.Lines))
	for i := range r.Lines {
		l := &r.Lines[i]
		l.ID, l.RequisitionID = millwright.NewID("rql"), r.ID
		rows[i] = []any{l.ID, r.ID, l.Position, l.ItemID, l.ERPItemCode, l.Quantity, l.Unit, l.NeededBy, l.UnitPrice, l.Amount,
			l.WorkOrderID, l.MaterialLineID, l.AssetID, l.Warehouse, "", l.Description, l.Vendor}
	}
	// The lines in one statement, not one round trip each.
	if err := tx.insertRows(ctx, "erp_requisition_lines", reqLineInsertCols, rows, ""); err != nil {
		return err
	}
	r.Decisions, r.Reviews = []approval.Decision{}, []approval.Review{}
	return nil
}

func (tx *Tx) erpRequisition(ctx context.Context, id string, lock bool) (*procurement.Requisition, error) {
	q := `SELECT ` + reqCols + ` FROM erp_requisitions WHERE id = ?`
	if lock {
		q += tx.forUpdate()
	}
	r, err := scanReq(tx.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "requisition %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	return &r, tx.erpRequisitionDetail(ctx, &r)
}

// ERPRequisition returns a requisition with its lines, decisions and reviews.
func (tx *Tx) ERPRequisition(ctx context.Context, id string) (*procurement.Requisition, error) {
	return tx.erpRequisition(ctx, id, false)
}

// ERPRequisitionForUpdate is ERPRequisition, locked until the transaction ends.
func (tx *Tx) ERPRequisitionForUpdate(ctx context.Context, id string) (*procurement.Requisition, error) {
	return tx.erpRequisition(ctx, id, true)
}

func (tx *Tx) erpRequisitionDetail(ctx context.Context, r *procurement.Requisition) error {
	rows, err := tx.query(ctx, `SELECT id, position, item_id, item_code, quantity, unit, needed_by, unit_price, amount,
		work_order_id, material_line_id, asset_id, warehouse, purchase_order_line_id, description, vendor
		FROM erp_requisition_lines WHERE requisition_id = ? ORDER BY position`, r.ID)
	if err != nil {
		return err
	}
	r.Lines = []procurement.RequisitionLine{}
	for rows.Next() {
		l := procurement.RequisitionLine{RequisitionID: r.ID}
		if err := rows.Scan(&l.ID, &l.Position, &l.ItemID, &l.ERPItemCode, &l.Quantity, &l.Unit, &l.NeededBy, &l.UnitPrice, &l.Amount,
			&l.WorkOrderID, &l.MaterialLineID, &l.AssetID, &l.Warehouse, &l.PurchaseOrderLineID, &l.Description, &l.Vendor); err != nil {
			rows.Close()
			return err
		}
		r.Lines = append(r.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if r.Decisions, err = tx.erpDecisions(ctx, r.ID); err != nil {
		return err
	}
	p, err := tx.ERPReviews(ctx, ERPReviewFilter{RequisitionID: r.ID, Limit: 500})
	r.Reviews = p.Items
	return err
}

func (tx *Tx) erpDecisions(ctx context.Context, reqID string) ([]approval.Decision, error) {
	rows, err := tx.query(ctx, `SELECT id, requisition_id, step, role, decision, actor, comment, at FROM erp_decisions
		WHERE requisition_id = ? ORDER BY id`, reqID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []approval.Decision{}
	for rows.Next() {
		var d approval.Decision
		if err := rows.Scan(&d.ID, &d.RequisitionID, &d.Step, &d.Role, &d.Decision, &d.Actor, &d.Comment, (*dbTime)(&d.At)); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveERPRequisition stores a requisition's status, routing and the
// purchase-order line each of its lines was ordered on.
func (tx *Tx) SaveERPRequisition(ctx context.Context, r *procurement.Requisition) error {
	r.UpdatedAt = tx.now
	steps, _ := json.Marshal(r.Steps)
	if _, err := tx.exec(ctx, `UPDATE erp_requisitions SET status = ?, rule_id = ?, steps = ?, step = ?, comment = ?, updated_at = ?
		WHERE id = ?`, r.Status, r.RuleID, string(steps), r.Step, r.Comment, r.UpdatedAt, r.ID); err != nil {
		return err
	}
	// The lines ordered, in one statement (a line's order line, once set,
	// is never taken back: the lines not ordered are left as they are).
	var set strings.Builder
	var args, ids []any
	for _, l := range r.Lines {
		if l.PurchaseOrderLineID != "" {
			set.WriteString(" WHEN ? THEN ?")
			args = append(args, l.ID, l.PurchaseOrderLineID)
			ids = append(ids, l.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE erp_requisition_lines SET purchase_order_line_id = CASE id`+set.String()+` END
		WHERE id IN `+inList(len(ids)), append(args, ids...)...)
	return err
}

// AddERPDecision records an approval decision.
func (tx *Tx) AddERPDecision(ctx context.Context, d *approval.Decision) error {
	d.ID = millwright.NewID("dec")
	_, err := tx.exec(ctx, `INSERT INTO erp_decisions (id, requisition_id, step, role, decision, actor, comment, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.RequisitionID, d.Step, d.Role, d.Decision, d.Actor, d.Comment, d.At)
	return err
}

// ERPRequisitionFilter selects requisitions.
type ERPRequisitionFilter struct {
	SiteID, WorkOrderID, ItemID, Status string
	Cursor                              string
	Limit                               int
}

// ERPRequisitions lists requisitions with their lines.
func (tx *Tx) ERPRequisitions(ctx context.Context, f ERPRequisitionFilter) (millwright.Page[procurement.Requisition], error) {
	n := page(f.Limit)
	var c conds
	c.add("r.id > ?", f.Cursor)
	c.eq("r.site_id", f.SiteID)
	c.eq("r.status", f.Status)
	if f.WorkOrderID != "" {
		c.add(`r.id IN (SELECT id FROM erp_requisitions WHERE work_order_id = ?
			UNION SELECT requisition_id FROM erp_requisition_lines WHERE work_order_id = ?)`, f.WorkOrderID, f.WorkOrderID)
	}
	if f.ItemID != "" {
		c.add(`EXISTS (SELECT 1 FROM erp_requisition_lines l WHERE l.requisition_id = r.id AND (l.item_id = ? OR l.item_code = ?))`, f.ItemID, f.ItemID)
	}
	rows, err := tx.query(ctx, `SELECT `+reqCols+` FROM erp_requisitions r WHERE `+c.where()+` ORDER BY r.id LIMIT ?`, append(c.args, n)...)
	if err != nil {
		return millwright.Page[procurement.Requisition]{}, err
	}
	var out []procurement.Requisition
	for rows.Next() {
		r, err := scanReq(rows)
		if err != nil {
			rows.Close()
			return millwright.Page[procurement.Requisition]{}, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return millwright.Page[procurement.Requisition]{}, err
	}
	for i := range out {
		if err := tx.erpRequisitionDetail(ctx, &out[i]); err != nil {
			return millwright.Page[procurement.Requisition]{}, err
		}
	}
	return millwright.NewPage(out, n, func(r procurement.Requisition) string { return r.ID }), nil
}

// ERPOpenReplenishment reports whether a replenishment requisition for an
// item and warehouse is still open: waiting for approval, or ordered and
// not fully received.
func (tx *Tx) ERPOpenReplenishment(ctx context.Context, siteID, itemID, warehouse string) (bool, error) {
	rows, err := tx.query(ctx, `SELECT r.status, COALESCE(p.quantity, l.quantity), COALESCE(p.received_quantity, '0'), COALESCE(o.status, '')
		FROM erp_requisition_lines l JOIN erp_requisitions r ON r.id = l.requisition_id
		LEFT JOIN erp_po_lines p ON p.requisition_line_id = l.id
		LEFT JOIN erp_purchase_orders o ON o.id = p.purchase_order_id
		WHERE r.site_id = ? AND l.item_id = ? AND l.warehouse = ? AND r.source = ? AND r.status IN ('draft', 'submitted', 'approved', 'ordered')`,
		siteID, itemID, warehouse, procurement.FromReorder)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status, poStatus string
			q, rcv           millwright.Qty
		)
		if err := rows.Scan(&status, &q, &rcv, &poStatus); err != nil {
			return false, err
		}
		if status != procurement.Ordered || (poStatus != procurement.Closed && rcv.LessThan(q.Decimal)) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// Reviews.

// CreateERPReview stores a review to be done after a fast-path approval.
func (tx *Tx) CreateERPReview(ctx context.Context, v *approval.Review) error {
	v.ID = millwright.NewID("rev")
	_, err := tx.exec(ctx, `INSERT INTO erp_reviews (id, requisition_id, site_id, role, status, reviewed_by, reviewed_at, comment, created_at)
		VALUES (?, ?, ?, ?, ?, '', NULL, '', ?)`, v.ID, v.RequisitionID, v.SiteID, v.Role, v.Status, v.CreatedAt)
	return err
}

const reviewCols = `v.id, v.requisition_id, r.number, v.site_id, v.role, v.status, v.reviewed_by, v.reviewed_at, v.comment, v.created_at`

func scanReview(r interface{ Scan(...any) error }) (approval.Review, error) {
	var v approval.Review
	err := r.Scan(&v.ID, &v.RequisitionID, &v.RequisitionNumber, &v.SiteID, &v.Role, &v.Status, &v.ReviewedBy,
		nullTime{&v.ReviewedAt}, &v.Comment, (*dbTime)(&v.CreatedAt))
	return v, err
}

// ERPReviewForUpdate returns a review, locked until the transaction ends.
func (tx *Tx) ERPReviewForUpdate(ctx context.Context, id string) (*approval.Review, error) {
	v, err := scanReview(tx.queryRow(ctx, `SELECT `+reviewCols+` FROM erp_reviews v JOIN erp_requisitions r ON r.id = v.requisition_id
		WHERE v.id = ?`+tx.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "review %s does not exist", id)
	}
	return &v, err
}

// SaveERPReview stores a review's outcome.
func (tx *Tx) SaveERPReview(ctx context.Context, v *approval.Review) error {
	_, err := tx.exec(ctx, `UPDATE erp_reviews SET status = ?, reviewed_by = ?, reviewed_at = ?, comment = ? WHERE id = ?`,
		v.Status, v.ReviewedBy, v.ReviewedAt, v.Comment, v.ID)
	return err
}

// ERPReviewFilter selects reviews.
type ERPReviewFilter struct {
	SiteID, Status, RequisitionID string
	Cursor                        string
	Limit                         int
}

// ERPReviews lists reviews.
func (tx *Tx) ERPReviews(ctx context.Context, f ERPReviewFilter) (millwright.Page[approval.Review], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `SELECT `+reviewCols+` FROM erp_reviews v JOIN erp_requisitions r ON r.id = v.requisition_id
		WHERE v.id > ? AND (? = '' OR v.site_id = ?) AND (? = '' OR v.status = ?) AND (? = '' OR v.requisition_id = ?)
		ORDER BY v.id LIMIT ?`, f.Cursor, f.SiteID, f.SiteID, f.Status, f.Status, f.RequisitionID, f.RequisitionID, n)
	if err != nil {
		return millwright.Page[approval.Review]{}, err
	}
	defer rows.Close()
	var out []approval.Review
	for rows.Next() {
		v, err := scanReview(rows)
		if err != nil {
			return millwright.Page[approval.Review]{}, err
		}
		out = append(out, v)
	}
	return millwright.NewPage(out, n, func(v approval.Review) string { return v.ID }), rows.Err()
}

// Purchase orders.

const poCols = `id, number, site_id, vendor, status, promised_date, period, created_at, updated_at`

const poLineCols = `id, purchase_order_id, position, requisition_id, requisition_line_id, item_id, item_code, direct, warehouse,
	quantity, received_quantity, invoiced_quantity, unit_price, work_order_id, material_line_id, asset_id, cost_center, expense_account,
	description`

// CreateERPPurchaseOrder stores a new purchase order and its lines. A
// requisition line already on an order is refused: none is ordered twice.
func (tx *Tx) CreateERPPurchaseOrder(ctx context.Context, po *procurement.PurchaseOrder) error {
	po.ID = millwright.NewID("po")
	if _, err := tx.exec(ctx, `INSERT INTO erp_purchase_orders (`+poCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		po.ID, po.Number, po.SiteID, po.Vendor, po.Status, po.PromisedDate, po.Period, po.CreatedAt, po.UpdatedAt); err != nil {
		return err
	}
	for i := range po.Lines {
		l := &po.Lines[i]
		l.ID, l.PurchaseOrderID = millwright.NewID("pol"), po.ID
		if _, err := tx.exec(ctx, `INSERT INTO erp_po_lines (`+poLineCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.ID, po.ID, l.Position, l.RequisitionID, l.RequisitionLineID, l.ItemID, l.ERPItemCode, l.Direct, l.Warehouse,
			l.Quantity, l.ReceivedQuantity, l.InvoicedQuantity, l.UnitPrice, l.WorkOrderID, l.MaterialLineID, l.AssetID, l.CostCenter,
			l.ExpenseAccount, l.Description); err != nil {
			if IsDuplicate(err) {
				return millwright.Errorf(millwright.Conflict, "already_ordered", "requisition line %s is already on a purchase order", l.RequisitionLineID)
			}
			return err
		}
	}
	return nil
}

func (tx *Tx) erpPurchaseOrder(ctx context.Context, id string, lock bool) (*procurement.PurchaseOrder, error) {
	q := `SELECT ` + poCols + ` FROM erp_purchase_orders WHERE id = ?`
	if lock {
		q += tx.forUpdate()
	}
	var po procurement.PurchaseOrder
	err := tx.queryRow(ctx, q, id).Scan(&po.ID, &po.Number, &po.SiteID, &po.Vendor, &po.Status, &po.PromisedDate, &po.Period,
		(*dbTime)(&po.CreatedAt), (*dbTime)(&po.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "purchase order %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	return &po, tx.erpPOLines(ctx, &po)
}

func (tx *Tx) erpPOLines(ctx context.Context, po *procurement.PurchaseOrder) error {
	rows, err := tx.query(ctx, `SELECT `+poLineCols+` FROM erp_po_lines WHERE purchase_order_id = ? ORDER BY position`, po.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	po.Lines = []procurement.OrderLine{}
	for rows.Next() {
		var l procurement.OrderLine
		if err := rows.Scan(&l.ID, &l.PurchaseOrderID, &l.Position, &l.RequisitionID, &l.RequisitionLineID, &l.ItemID, &l.ERPItemCode,
			&l.Direct, &l.Warehouse, &l.Quantity, &l.ReceivedQuantity, &l.InvoicedQuantity, &l.UnitPrice, &l.WorkOrderID,
			&l.MaterialLineID, &l.AssetID, &l.CostCenter, &l.ExpenseAccount, &l.Description); err != nil {
			return err
		}
		po.Lines = append(po.Lines, l)
	}
	return rows.Err()
}

// ERPPurchaseOrder returns a purchase order with its lines.
func (tx *Tx) ERPPurchaseOrder(ctx context.Context, id string) (*procurement.PurchaseOrder, error) {
	return tx.erpPurchaseOrder(ctx, id, false)
}

// ERPPurchaseOrderForUpdate is ERPPurchaseOrder, locked until the transaction ends.
func (tx *Tx) ERPPurchaseOrderForUpdate(ctx context.Context, id string) (*procurement.PurchaseOrder, error) {
	return tx.erpPurchaseOrder(ctx, id, true)
}

// SaveERPPurchaseOrder stores a purchase order's status and its lines'
// received and invoiced quantities.
func (tx *Tx) SaveERPPurchaseOrder(ctx context.Context, po *procurement.PurchaseOrder) error {
	po.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE erp_purchase_orders SET status = ?, updated_at = ? WHERE id = ?`, po.Status, po.UpdatedAt, po.ID); err != nil {
		return err
	}
	for _, l := range po.Lines {
		if _, err := tx.exec(ctx, `UPDATE erp_po_lines SET received_quantity = ?, invoiced_quantity = ? WHERE id = ?`,
			l.ReceivedQuantity, l.InvoicedQuantity, l.ID); err != nil {
			return err
		}
	}
	return nil
}

// ERPPurchaseOrderFilter selects purchase orders.
type ERPPurchaseOrderFilter struct {
	SiteID, RequisitionID, ItemID, WorkOrderID, Status string
	Cursor                                             string
	Limit                                              int
}

// ERPPurchaseOrders lists purchase orders with their lines.
func (tx *Tx) ERPPurchaseOrders(ctx context.Context, f ERPPurchaseOrderFilter) (millwright.Page[procurement.PurchaseOrder], error) {
	n := page(f.Limit)
	var c conds
	c.add("o.id > ?", f.Cursor)
	c.eq("o.site_id", f.SiteID)
	c.eq("o.status", f.Status)
	if f.RequisitionID != "" {
		c.add("o.id IN (SELECT purchase_order_id FROM erp_po_lines WHERE requisition_id = ?)", f.RequisitionID)
	}
	if f.WorkOrderID != "" {
		c.add("o.id IN (SELECT purchase_order_id FROM erp_po_lines WHERE work_order_id = ?)", f.WorkOrderID)
	}
	if f.ItemID != "" {
		c.add(`EXISTS (SELECT 1 FROM erp_po_lines l WHERE l.purchase_order_id = o.id AND (l.item_id = ? OR l.item_code = ?))`, f.ItemID, f.ItemID)
	}
	rows, err := tx.query(ctx, `SELECT `+poCols+` FROM erp_purchase_orders o WHERE `+c.where()+` ORDER BY o.id LIMIT ?`, append(c.args, n)...)
	if err != nil {
		return millwright.Page[procurement.PurchaseOrder]{}, err
	}
	var out []procurement.PurchaseOrder
	for rows.Next() {
		var po procurement.PurchaseOrder
		if err := rows.Scan(&po.ID, &po.Number, &po.SiteID, &po.Vendor, &po.Status, &po.PromisedDate, &po.Period,
			(*dbTime)(&po.CreatedAt), (*dbTime)(&po.UpdatedAt)); err != nil {
			rows.Close()
			return millwright.Page[procurement.PurchaseOrder]{}, err
		}
		out = append(out, po)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return millwright.Page[procurement.PurchaseOrder]{}, err
	}
	for i := range out {
		if err := tx.erpPOLines(ctx, &out[i]); err != nil {
			return millwright.Page[procurement.PurchaseOrder]{}, err
		}
	}
	return millwright.NewPage(out, n, func(po procurement.PurchaseOrder) string { return po.ID }), nil
}

// CreateERPReceipt stores a goods receipt.
func (tx *Tx) CreateERPReceipt(ctx context.Context, rc *procurement.Receipt) error {
	rc.ID = millwright.NewID("grc")
	if _, err := tx.exec(ctx, `INSERT INTO erp_receipts (id, number, purchase_order_id, entry_id, actor, at) VALUES (?, ?, ?, ?, ?, ?)`,
		rc.ID, rc.Number, rc.PurchaseOrderID, rc.EntryID, rc.Actor, rc.At); err != nil {
		return err
	}
	for i, l := range rc.Lines {
		if _, err := tx.exec(ctx, `INSERT INTO erp_receipt_lines (receipt_id, position, po_line_id, quantity, value) VALUES (?, ?, ?, ?, ?)`,
			rc.ID, i+1, l.LineID, l.Quantity, l.Value); err != nil {
			return err
		}
	}
	return nil
}

// CreateERPInvoice stores an invoice, posted or held.
func (tx *Tx) CreateERPInvoice(ctx context.Context, inv *procurement.Invoice) error {
	inv.ID = millwright.NewID("inv")
	if _, err := tx.exec(ctx, `INSERT INTO erp_invoices (id, number, vendor_reference, purchase_order_id, status, reason, amount, entry_id, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.Number, inv.VendorReference, inv.PurchaseOrderID, inv.Status, inv.Reason, inv.Amount, inv.EntryID, inv.Actor, inv.At); err != nil {
		return err
	}
	for i, l := range inv.Lines {
		if _, err := tx.exec(ctx, `INSERT INTO erp_invoice_lines (invoice_id, position, po_line_id, quantity, unit_price, amount, expected, variance)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, i+1, l.LineID, l.Quantity, l.UnitPrice, l.Amount, l.Expected, l.Variance); err != nil {
			return err
		}
	}
	return nil
}

const invCols = `id, number, vendor_reference, purchase_order_id, status, reason, amount, entry_id, actor, at`

func (tx *Tx) scanInvoices(ctx context.Context, rows *sql.Rows) ([]procurement.Invoice, error) {
	var out []procurement.Invoice
	for rows.Next() {
		var inv procurement.Invoice
		if err := rows.Scan(&inv.ID, &inv.Number, &inv.VendorReference, &inv.PurchaseOrderID, &inv.Status, &inv.Reason, &inv.Amount,
			&inv.EntryID, &inv.Actor, (*dbTime)(&inv.At)); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, inv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		lr, err := tx.query(ctx, `SELECT po_line_id, quantity, unit_price, amount, expected, variance FROM erp_invoice_lines
			WHERE invoice_id = ? ORDER BY position`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Lines = []procurement.InvoiceLine{}
		for lr.Next() {
			var l procurement.InvoiceLine
			if err := lr.Scan(&l.LineID, &l.Quantity, &l.UnitPrice, &l.Amount, &l.Expected, &l.Variance); err != nil {
				lr.Close()
				return nil, err
			}
			out[i].Lines = append(out[i].Lines, l)
		}
		lr.Close()
		if err := lr.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ERPInvoice returns an invoice with its lines.
func (tx *Tx) ERPInvoice(ctx context.Context, id string) (*procurement.Invoice, error) {
	rows, err := tx.query(ctx, `SELECT `+invCols+` FROM erp_invoices WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	out, err := tx.scanInvoices(ctx, rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "invoice %s does not exist", id)
	}
	return &out[0], nil
}

// ERPInvoices lists invoices, of one site's purchase orders when siteID is set.
func (tx *Tx) ERPInvoices(ctx context.Context, siteID, poID, status, cursor string, limit int) (millwright.Page[procurement.Invoice], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+invCols+` FROM erp_invoices WHERE id > ? AND (? = '' OR purchase_order_id = ?)
		AND (? = '' OR status = ?)
		AND (? = '' OR purchase_order_id IN (SELECT id FROM erp_purchase_orders WHERE site_id = ?))
		ORDER BY id LIMIT ?`, cursor, poID, poID, status, status, siteID, siteID, n)
	if err != nil {
		return millwright.Page[procurement.Invoice]{}, err
	}
	out, err := tx.scanInvoices(ctx, rows)
	return millwright.NewPage(out, n, func(i procurement.Invoice) string { return i.ID }), err
}

// Stock.

const erpStockCols = `s.item_id, i.code, s.warehouse, s.site_id, s.quantity, s.value, s.reorder_point, s.reorder_quantity, s.max_quantity, s.updated_at`

func scanERPStock(r interface{ Scan(...any) error }) (procurement.Stock, error) {
	var s procurement.Stock
	err := r.Scan(&s.ItemID, &s.ERPItemCode, &s.Warehouse, &s.SiteID, &s.Quantity, &s.Value, &s.ReorderPoint, &s.ReorderQuantity,
		&s.MaxQuantity, (*dbTime)(&s.UpdatedAt))
	s.Derive()
	return s, err
}

// ERPStockForUpdate returns the stock of an item in a warehouse of a site
// (warehouse codes are the storerooms', unique within a site only), locked
// until the transaction ends; a stock not held yet is created empty.
func (tx *Tx) ERPStockForUpdate(ctx context.Context, it *procurement.Item, warehouse, siteID string) (*procurement.Stock, error) {
	s, err := scanERPStock(tx.queryRow(ctx, `SELECT `+erpStockCols+` FROM erp_stock s JOIN erp_items i ON i.id = s.item_id
		WHERE s.item_id = ? AND s.site_id = ? AND s.warehouse = ?`+tx.forUpdate(), it.ID, siteID, warehouse))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.exec(ctx, `INSERT INTO erp_stock (item_id, warehouse, site_id, quantity, value, reorder_point, reorder_quantity,
			max_quantity, updated_at) VALUES (?, ?, ?, '0', '0', '0', '0', '0', ?) ON CONFLICT (item_id, site_id, warehouse) DO NOTHING`,
			it.ID, warehouse, siteID, tx.now); err != nil {
			return nil, err
		}
		return tx.ERPStockForUpdate(ctx, it, warehouse, siteID)
	}
	return &s, err
}

// SaveERPStock stores a stock read with ERPStockForUpdate.
func (tx *Tx) SaveERPStock(ctx context.Context, s *procurement.Stock) error {
	s.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `UPDATE erp_stock SET quantity = ?, value = ?, reorder_point = ?, reorder_quantity = ?, max_quantity = ?,
		updated_at = ? WHERE item_id = ? AND site_id = ? AND warehouse = ?`,
		s.Quantity, s.Value, s.ReorderPoint, s.ReorderQuantity, s.MaxQuantity, s.UpdatedAt, s.ItemID, s.SiteID, s.Warehouse)
	return err
}

// ERPWarehouses lists the warehouses that hold a stock row of an item at a
// site, in order.
func (tx *Tx) ERPWarehouses(ctx context.Context, siteID, itemID string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT warehouse FROM erp_stock WHERE site_id = ? AND item_id = ? ORDER BY warehouse`, siteID, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// ERPStock lists stock by item and warehouse.
func (tx *Tx) ERPStock(ctx context.Context, siteID, itemID, warehouse, cursor string, limit int) (millwright.Page[procurement.Stock], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+erpStockCols+` FROM erp_stock s JOIN erp_items i ON i.id = s.item_id
		WHERE (s.item_id || '@' || s.warehouse || '@' || s.site_id) > ? AND (? = '' OR s.site_id = ?) AND (? = '' OR s.item_id = ? OR i.code = ?)
		  AND (? = '' OR s.warehouse = ?)
		ORDER BY s.item_id || '@' || s.warehouse || '@' || s.site_id LIMIT ?`, cursor, siteID, siteID, itemID, itemID, itemID, warehouse, warehouse, n)
	if err != nil {
		return millwright.Page[procurement.Stock]{}, err
	}
	defer rows.Close()
	var out []procurement.Stock
	for rows.Next() {
		s, err := scanERPStock(rows)
		if err != nil {
			return millwright.Page[procurement.Stock]{}, err
		}
		out = append(out, s)
	}
	return millwright.NewPage(out, n, func(s procurement.Stock) string { return s.ItemID + "@" + s.Warehouse + "@" + s.SiteID }), rows.Err()
}
