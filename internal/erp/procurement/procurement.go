// Package procurement is the embedded ERP's purchasing and stock: the item
// master, requisitions and their approval, purchase orders grouped by
// vendor, goods receipts, vendor invoices matched three ways, stock per item
// and warehouse at moving-average value, and replenishment when stock falls
// below its reorder point. Every change posts to the ledger and emits the
// events the CMMS must see in the same transaction.
package procurement

import (
	"context"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// Stock types of an item.
const (
	StockItem  = "stock"  // kept in a warehouse, valued at moving average
	DirectItem = "direct" // bought for the work order that needs it
)

// Item is a record of the ERP's material master.
type Item struct {
	ID           string           `json:"id"`
	Code         string           `json:"erp_item_code"`
	Description  string           `json:"description"`
	Unit         string           `json:"unit"`
	StockType    string           `json:"stock_type"`
	Vendor       string           `json:"vendor"`
	Price        millwright.Money `json:"price"`
	LeadTimeDays int              `json:"lead_time_days"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
}

// Check says what is wrong with it.
func (it *Item) Check() error {
	switch {
	case it.Code == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "erp_item_code is required")
	case it.Unit == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "item %s: unit is required", it.Code)
	case it.Vendor == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "item %s: vendor is required; purchase orders are grouped by the item's default vendor", it.Code)
	case it.StockType != StockItem && it.StockType != DirectItem:
		return millwright.Errorf(millwright.Invalid, "bad_stock_type", "item %s: stock_type must be stock or direct, not %q", it.Code, it.StockType)
	case it.Price.IsNegative():
		return millwright.Errorf(millwright.Invalid, "bad_amount", "item %s: price cannot be negative", it.Code)
	case it.LeadTimeDays < 0:
		return millwright.Errorf(millwright.Invalid, "bad_lead_time", "item %s: lead_time_days cannot be negative", it.Code)
	}
	return nil
}

// Requisition statuses.
const (
	Draft     = "draft"
	Submitted = "submitted"
	Approved  = "approved"
	Rejected  = "rejected"
	Ordered   = "ordered"
	Cancelled = "cancelled"
)

// Sources of a requisition.
const (
	FromRequest = "request" // a CMMS requisition request
	ByHand      = "manual"  // a buyer
	FromReorder = "reorder" // stock below its reorder point
)

// Requisition is a request to buy. Steps is its approval chain, frozen when
// it is submitted; Step is the step waiting for a decision (1-based).
type Requisition struct {
	ID              string              `json:"id"`
	Number          string              `json:"number"`
	SiteID          string              `json:"site_id"`
	Status          string              `json:"status"`
	Source          string              `json:"source"`
	Priority        int                 `json:"priority"`
	CostCenter      string              `json:"cost_center"`
	RequestedBy     string              `json:"requested_by"`
	WorkOrderID     string              `json:"work_order_id"`
	WorkOrderNumber string              `json:"work_order_number"`
	AssetID         string              `json:"asset_id"`
	Amount          millwright.Money    `json:"amount"`
	RuleID          string              `json:"rule_id"`
	Steps           []millwright.Role   `json:"steps"`
	Step            int                 `json:"step"`
	Comment         string              `json:"comment"`
	Lines           []RequisitionLine   `json:"lines"`
	Decisions       []approval.Decision `json:"decisions"`
	Reviews         []approval.Review   `json:"reviews"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
}

// RequisitionLine is one material of a requisition.
type RequisitionLine struct {
	ID                  string           `json:"id"`
	RequisitionID       string           `json:"requisition_id"`
	Position            int              `json:"position"`
	ItemID              string           `json:"item_id"`
	ERPItemCode         string           `json:"erp_item_code"`
	Quantity            millwright.Qty   `json:"quantity"`
	Unit                string           `json:"unit"`
	NeededBy            string           `json:"needed_by"`
	UnitPrice           millwright.Money `json:"unit_price"` // the estimate
	Amount              millwright.Money `json:"amount"`
	WorkOrderID         string           `json:"work_order_id"`
	MaterialLineID      string           `json:"material_line_id"`
	AssetID             string           `json:"asset_id"`
	Warehouse           string           `json:"warehouse"`
	PurchaseOrderLineID string           `json:"purchase_order_line_id"`
}

// open reports whether r still waits for a decision or an order.
func (r *Requisition) open() bool { return r.Status == Draft || r.Status == Submitted }

func (r *Requisition) refs() []integration.RequisitionLineRef {
	var out []integration.RequisitionLineRef
	for _, l := range r.Lines {
		out = append(out, integration.RequisitionLineRef{RequisitionLineID: l.ID, WorkOrderID: l.WorkOrderID,
			MaterialLineID: l.MaterialLineID, ERPItemCode: l.ERPItemCode, Quantity: l.Quantity})
	}
	return out
}

// Purchase-order statuses.
const (
	Open              = "open"
	PartiallyReceived = "partially_received"
	Received          = "received"
	Invoiced          = "invoiced"
	Closed            = "closed"
)

// PurchaseOrder is an order to one vendor.
type PurchaseOrder struct {
	ID           string      `json:"id"`
	Number       string      `json:"number"`
	SiteID       string      `json:"site_id"`
	Vendor       string      `json:"vendor"`
	Status       string      `json:"status"`
	PromisedDate string      `json:"promised_date"`
	Period       string      `json:"period"` // the month it was placed, in the site's time zone
	Lines        []OrderLine `json:"lines"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// OrderLine is one line of a purchase order, tied to the requisition line
// it fills and, through it, to the work order and material line.
type OrderLine struct {
	ID                string           `json:"id"`
	PurchaseOrderID   string           `json:"purchase_order_id"`
	Position          int              `json:"position"`
	RequisitionID     string           `json:"requisition_id"`
	RequisitionLineID string           `json:"requisition_line_id"`
	ItemID            string           `json:"item_id"`
	ERPItemCode       string           `json:"erp_item_code"`
	Direct            bool             `json:"direct"`
	Warehouse         string           `json:"warehouse"`
	Quantity          millwright.Qty   `json:"quantity"`
	ReceivedQuantity  millwright.Qty   `json:"received_quantity"`
	InvoicedQuantity  millwright.Qty   `json:"invoiced_quantity"`
	UnitPrice         millwright.Money `json:"unit_price"`
	WorkOrderID       string           `json:"work_order_id"`
	MaterialLineID    string           `json:"material_line_id"`
	AssetID           string           `json:"asset_id"`
	CostCenter        string           `json:"cost_center"`
}

func (po *PurchaseOrder) line(id string) *OrderLine {
	for i := range po.Lines {
		if po.Lines[i].ID == id {
			return &po.Lines[i]
		}
	}
	return nil
}

// settle derives the status from the lines' received and invoiced quantities.
func (po *PurchaseOrder) settle() {
	if po.Status == Closed {
		return
	}
	all, some, billed := true, false, true
	for _, l := range po.Lines {
		if l.ReceivedQuantity.LessThan(l.Quantity.Decimal) {
			all = false
		}
		if l.ReceivedQuantity.IsPositive() {
			some = true
		}
		if l.InvoicedQuantity.LessThan(l.Quantity.Decimal) {
			billed = false
		}
	}
	switch {
	case all && billed:
		po.Status = Invoiced
	case all:
		po.Status = Received
	case some:
		po.Status = PartiallyReceived
	default:
		po.Status = Open
	}
}

func (po *PurchaseOrder) event() integration.PurchaseOrderChanged {
	ev := integration.PurchaseOrderChanged{PurchaseOrderID: po.ID, Number: po.Number, Vendor: po.Vendor,
		Status: po.Status, PromisedDate: po.PromisedDate}
	for _, l := range po.Lines {
		ev.Lines = append(ev.Lines, integration.PurchaseOrderLine{LineID: l.ID, RequisitionLineID: l.RequisitionLineID,
			WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID, ERPItemCode: l.ERPItemCode,
			Quantity: l.Quantity, ReceivedQuantity: l.ReceivedQuantity, UnitPrice: l.UnitPrice})
	}
	return ev
}

// Receipt is a goods receipt against a purchase order.
type Receipt struct {
	ID              string        `json:"id"`
	Number          string        `json:"number"`
	PurchaseOrderID string        `json:"purchase_order_id"`
	EntryID         string        `json:"entry_id"`
	Actor           string        `json:"actor"`
	At              time.Time     `json:"at"`
	Lines           []ReceiptLine `json:"lines"`
}

// ReceiptLine is what one line of a receipt brought in, valued at the PO price.
type ReceiptLine struct {
	LineID   string           `json:"line_id"`
	Quantity millwright.Qty   `json:"quantity"`
	Value    millwright.Money `json:"value"`
}

// Invoice statuses.
const (
	InvoicePosted = "posted"
	InvoiceHeld   = "held"
)

// Invoice is a vendor invoice against a purchase order.
type Invoice struct {
	ID              string           `json:"id"`
	Number          string           `json:"number"`
	VendorReference string           `json:"vendor_reference"`
	PurchaseOrderID string           `json:"purchase_order_id"`
	Status          string           `json:"status"`
	Reason          string           `json:"reason"`
	Amount          millwright.Money `json:"amount"`
	EntryID         string           `json:"entry_id"`
	Actor           string           `json:"actor"`
	At              time.Time        `json:"at"`
	Lines           []InvoiceLine    `json:"lines"`
}

// InvoiceLine is one invoiced purchase-order line.
type InvoiceLine struct {
	LineID    string           `json:"line_id"`
	Quantity  millwright.Qty   `json:"quantity"`
	UnitPrice millwright.Money `json:"unit_price"`
	Amount    millwright.Money `json:"amount"`   // quantity × unit price
	Expected  millwright.Money `json:"expected"` // quantity × PO price
	Variance  millwright.Money `json:"variance"` // amount − expected
}

// Stock is an item in a warehouse. Value is the total value; the moving
// average is Value / Quantity, so issuing everything empties the value exactly.
type Stock struct {
	ItemID          string           `json:"item_id"`
	ERPItemCode     string           `json:"erp_item_code"`
	Warehouse       string           `json:"warehouse"`
	SiteID          string           `json:"site_id"`
	Quantity        millwright.Qty   `json:"quantity"`
	Value           millwright.Money `json:"value"`
	AverageCost     millwright.Money `json:"average_cost"`
	ReorderPoint    millwright.Qty   `json:"reorder_point"`
	ReorderQuantity millwright.Qty   `json:"reorder_quantity"`
	MaxQuantity     millwright.Qty   `json:"max_quantity"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// Derive fills AverageCost.
func (s *Stock) Derive() {
	if s.Quantity.IsPositive() {
		s.AverageCost = millwright.Money{Decimal: s.Value.Div(s.Quantity.Decimal).Round(4)}
	} else {
		s.AverageCost = millwright.Money{}
	}
}

// receive adds q worth value.
func (s *Stock) receive(q millwright.Qty, value millwright.Money) {
	s.Quantity, s.Value = s.Quantity.Add(q), s.Value.Add(value)
	s.Derive()
}

// take removes q at the moving average and returns its value.
func (s *Stock) take(q millwright.Qty) (millwright.Money, error) {
	if q.GreaterThan(s.Quantity.Decimal) {
		return millwright.Money{}, millwright.Errorf(millwright.Rule, "insufficient_stock",
			"item %s in warehouse %s: the ERP holds %s, so %s cannot be taken out; receive or adjust the stock first, or reconcile",
			s.ERPItemCode, s.Warehouse, s.Quantity, q)
	}
	value := s.Value
	if !q.Equal(s.Quantity.Decimal) {
		value = millwright.Money{Decimal: s.Value.Mul(q.Decimal).Div(s.Quantity.Decimal).Round(2)}
	}
	s.Quantity, s.Value = s.Quantity.Sub(q), s.Value.Sub(value)
	s.Derive()
	return value, nil
}

// reorder returns how much to buy when on hand is below the reorder point:
// up to the maximum where one is set, else the reorder quantity; zero when
// nothing is to be bought.
func (s *Stock) reorder(onHand millwright.Qty) millwright.Qty {
	if !s.ReorderPoint.IsPositive() || !onHand.LessThan(s.ReorderPoint.Decimal) {
		return millwright.Qty{}
	}
	if s.MaxQuantity.IsPositive() {
		return millwright.Qty{Decimal: s.MaxQuantity.Sub(onHand).Decimal}
	}
	return s.ReorderQuantity
}

// Settings are the ERP's settings.
type Settings struct {
	TolerancePercent    millwright.Qty   `json:"invoice_tolerance_percent"` // default 2
	ToleranceAmount     millwright.Money `json:"invoice_tolerance_amount"`  // default 0
	DefaultLeadTimeDays int              `json:"default_lead_time_days"`    // default 7
	DefaultWarehouse    string           `json:"default_warehouse"`         // default MAIN
}

// Tolerance is the price difference allowed on an invoice line expected to
// cost expected: the larger of the percentage and the amount.
func (s Settings) Tolerance(expected millwright.Money) millwright.Money {
	pct := millwright.Money{Decimal: expected.Abs().Mul(s.TolerancePercent.Decimal).Div(hundred).Round(2)}
	if s.ToleranceAmount.GreaterThan(pct.Decimal) {
		return s.ToleranceAmount
	}
	return pct
}

var hundred = millwright.MustQty("100").Decimal

// Tx is what procurement needs from a database transaction.
type Tx interface {
	ledger.Tx
	budget.Tx
	ERPSettings(ctx context.Context) (Settings, error)
	ERPNextNumber(ctx context.Context, name string) (int64, error)
	ERPItem(ctx context.Context, id string) (*Item, error)
	ERPItemByCode(ctx context.Context, code string) (*Item, error)
	SaveERPItem(ctx context.Context, it *Item) error
	ERPRules(ctx context.Context) ([]approval.Rule, error)
	CreateERPRequisition(ctx context.Context, r *Requisition) error
	ERPRequisitionForUpdate(ctx context.Context, id string) (*Requisition, error)
	SaveERPRequisition(ctx context.Context, r *Requisition) error
	AddERPDecision(ctx context.Context, d *approval.Decision) error
	CreateERPReview(ctx context.Context, v *approval.Review) error
	CreateERPPurchaseOrder(ctx context.Context, po *PurchaseOrder) error
	ERPPurchaseOrderForUpdate(ctx context.Context, id string) (*PurchaseOrder, error)
	SaveERPPurchaseOrder(ctx context.Context, po *PurchaseOrder) error
	CreateERPReceipt(ctx context.Context, rc *Receipt) error
	CreateERPInvoice(ctx context.Context, inv *Invoice) error
	ERPStockForUpdate(ctx context.Context, item *Item, warehouse, siteID string) (*Stock, error)
	SaveERPStock(ctx context.Context, s *Stock) error
	ERPOpenReplenishment(ctx context.Context, itemID, warehouse string) (bool, error)
}

// SaveItem creates or changes an item of the material master, by code,
// and emits item_changed.
func SaveItem(ctx context.Context, tx Tx, in Item) (*Item, error) {
	if in.LeadTimeDays == 0 {
		set, err := tx.ERPSettings(ctx)
		if err != nil {
			return nil, err
		}
		in.LeadTimeDays = set.DefaultLeadTimeDays
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	old, err := tx.ERPItemByCode(ctx, in.Code)
	switch {
	case millwright.ErrorKind(err) == millwright.Rule:
		old = nil
	case err != nil:
		return nil, err
	}
	it := in
	action := "create"
	if old != nil {
		it.ID, it.CreatedAt, action = old.ID, old.CreatedAt, "update"
	}
	if err := tx.SaveERPItem(ctx, &it); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_item", it.ID, action, old, it); err != nil {
		return nil, err
	}
	return &it, tx.Emit(ctx, integration.EventItemChanged, "item:"+it.Code, integration.ItemChanged{
		ERPItemCode: it.Code, Description: it.Description, Unit: it.Unit, StockType: it.StockType, Vendor: it.Vendor, Price: it.Price})
}

// NewLine is a line of a requisition to create.
type NewLine struct {
	ERPItemCode    string
	ItemID         string // by hand, the item may be named by id instead
	Quantity       millwright.Qty
	Unit           string
	NeededBy       string
	UnitPrice      millwright.Money // the estimate; the item's price when zero
	WorkOrderID    string
	MaterialLineID string
	AssetID        string
	Warehouse      string
}

// NewRequisition is a requisition to create.
type NewRequisition struct {
	SiteID          string
	Source          string
	Priority        int
	CostCenter      string
	RequestedBy     string
	WorkOrderID     string
	WorkOrderNumber string
	AssetID         string
	Draft           bool
	Lines           []NewLine
}

// Create creates a requisition, checks every line against the item master,
// and, unless it is a draft, submits it for approval.
func Create(ctx context.Context, tx Tx, in NewRequisition) (*Requisition, error) {
	if in.Priority == 0 {
		in.Priority = 3
	}
	switch {
	case in.Priority < 1 || in.Priority > 4:
		return nil, millwright.Errorf(millwright.Invalid, "bad_priority", "priority must be 1 (emergency) to 4 (low), not %d", in.Priority)
	case len(in.Lines) == 0:
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "a requisition needs at least one line")
	case in.RequestedBy == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field",
			"requested_by is required: the user whose action caused the request (or system for reorders), so that segregation of duties can hold")
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return nil, err
	}
	r := &Requisition{SiteID: in.SiteID, Source: in.Source, Status: Submitted, Priority: in.Priority,
		CostCenter: in.CostCenter, RequestedBy: in.RequestedBy, WorkOrderID: in.WorkOrderID,
		WorkOrderNumber: in.WorkOrderNumber, AssetID: in.AssetID}
	if in.Draft {
		r.Status = Draft
	}
	for i, nl := range in.Lines {
		var it *Item
		if nl.ERPItemCode == "" && nl.ItemID != "" {
			it, err = tx.ERPItem(ctx, nl.ItemID)
			if millwright.ErrorKind(err) == millwright.NotFound {
				err = millwright.Errorf(millwright.Rule, "unknown_item", "line %d: item %s is not in the ERP's item master", i+1, nl.ItemID)
			}
		} else {
			it, err = tx.ERPItemByCode(ctx, nl.ERPItemCode)
		}
		if err != nil {
			return nil, err
		}
		if !nl.Quantity.IsPositive() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "line %d (%s): quantity must be more than zero", i+1, it.Code)
		}
		if nl.Unit == "" {
			nl.Unit = it.Unit
		}
		if nl.Unit != it.Unit {
			return nil, millwright.Errorf(millwright.Rule, "unknown_unit",
				"line %d (%s): unit %s is not the item's ERP unit %s; convert the quantity to %s before sending", i+1, it.Code, nl.Unit, it.Unit, it.Unit)
		}
		if nl.NeededBy != "" {
			if _, err := time.Parse(time.DateOnly, nl.NeededBy); err != nil {
				return nil, millwright.Errorf(millwright.Invalid, "bad_date", "line %d (%s): needed_by %q is not a date such as 2026-03-31", i+1, it.Code, nl.NeededBy)
			}
		}
		if nl.UnitPrice.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "line %d (%s): the estimated unit price cannot be negative", i+1, it.Code)
		}
		if nl.UnitPrice.IsZero() {
			nl.UnitPrice = it.Price
		}
		if nl.WorkOrderID == "" {
			nl.WorkOrderID = in.WorkOrderID
		}
		if nl.AssetID == "" {
			nl.AssetID = in.AssetID
		}
		if it.StockType == StockItem && nl.Warehouse == "" {
			nl.Warehouse = set.DefaultWarehouse
		}
		l := RequisitionLine{Position: i + 1, ItemID: it.ID, ERPItemCode: it.Code, Quantity: nl.Quantity, Unit: nl.Unit,
			NeededBy: nl.NeededBy, UnitPrice: nl.UnitPrice, Amount: nl.UnitPrice.Times(nl.Quantity),
			WorkOrderID: nl.WorkOrderID, MaterialLineID: nl.MaterialLineID, AssetID: nl.AssetID, Warehouse: nl.Warehouse}
		r.Amount = r.Amount.Add(l.Amount)
		r.Lines = append(r.Lines, l)
	}
	n, err := tx.ERPNextNumber(ctx, "requisition")
	if err != nil {
		return nil, err
	}
	r.Number = number("REQ", n)
	r.CreatedAt, r.UpdatedAt = tx.Now(), tx.Now()
	if err := tx.CreateERPRequisition(ctx, r); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "create", nil, r); err != nil {
		return nil, err
	}
	if err := emitRequisition(ctx, tx, integration.EventRequisitionCreated, r, ""); err != nil {
		return nil, err
	}
	if r.Status == Draft {
		return r, nil
	}
	return r, route(ctx, tx, r)
}

func number(prefix string, n int64) string {
	s := "000000" + itoa(n)
	return prefix + "-" + s[len(s)-6:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func emitRequisition(ctx context.Context, tx Tx, kind integration.EventKind, r *Requisition, comment string) error {
	return tx.Emit(ctx, kind, "requisition:"+r.Number, integration.RequisitionDecided{
		RequisitionID: r.ID, Number: r.Number, Status: r.Status, Actor: tx.Actor().Username, Comment: comment, Lines: r.refs()})
}

// Submit submits a draft requisition for approval.
func Submit(ctx context.Context, tx Tx, id string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != Draft {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "requisition %s is %s; only a draft can be submitted", r.Number, r.Status)
	}
	before := *r
	r.Status = Submitted
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "submit", before, r); err != nil {
		return nil, err
	}
	return r, route(ctx, tx, r)
}

// route plans the approval of a submitted requisition and, for an
// automatic or fast-path approval, approves and orders it at once.
func route(ctx context.Context, tx Tx, r *Requisition) error {
	rules, err := tx.ERPRules(ctx)
	if err != nil {
		return err
	}
	plan := approval.Plan(rules, approval.Subject{SiteID: r.SiteID, CostCenter: r.CostCenter, Priority: r.Priority, Amount: r.Amount})
	r.RuleID, r.Steps, r.Step = plan.RuleID, plan.Steps, 1
	if !plan.Auto {
		return tx.SaveERPRequisition(ctx, r)
	}
	d := &approval.Decision{RequisitionID: r.ID, Decision: approval.AutoApproved, Actor: "system", At: tx.Now(),
		Comment: "approved automatically by rule " + plan.RuleID}
	if plan.Review != "" {
		d.Decision, d.Comment = approval.FastPathApproved, "emergency fast path: approved at once by rule "+plan.RuleID+"; "+string(plan.Review)+" reviews after the fact"
		v := &approval.Review{RequisitionID: r.ID, RequisitionNumber: r.Number, SiteID: r.SiteID, Role: plan.Review, Status: "open", CreatedAt: tx.Now()}
		if err := tx.CreateERPReview(ctx, v); err != nil {
			return err
		}
		r.Reviews = append(r.Reviews, *v)
	}
	d.Role = string(plan.Review)
	if err := tx.AddERPDecision(ctx, d); err != nil {
		return err
	}
	r.Decisions = append(r.Decisions, *d)
	return approve(ctx, tx, r, d.Comment)
}

// Decide records p's decision on the waiting step of a requisition: a
// rejection ends it, an approval moves it to the next step, and the last
// approval orders it.
func Decide(ctx context.Context, tx Tx, id string, approve_ bool, comment string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, r.SiteID); err != nil {
		return nil, err
	}
	if r.Status != Submitted {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"requisition %s is %s; only a submitted requisition can be approved or rejected", r.Number, r.Status)
	}
	p := tx.Actor()
	if err := approval.CheckDecider(p, r.RequestedBy, r.Steps, r.Step, r.Decisions); err != nil {
		return nil, err
	}
	before := *r
	d := &approval.Decision{RequisitionID: r.ID, Step: r.Step, Role: string(r.Steps[r.Step-1]), Decision: approval.Approved,
		Actor: p.Username, Comment: comment, At: tx.Now()}
	if !approve_ {
		d.Decision = approval.Rejected
	}
	if err := tx.AddERPDecision(ctx, d); err != nil {
		return nil, err
	}
	r.Decisions = append(r.Decisions, *d)
	switch {
	case !approve_:
		r.Status, r.Comment = Rejected, comment
		if err := tx.SaveERPRequisition(ctx, r); err != nil {
			return nil, err
		}
		if err := emitRequisition(ctx, tx, integration.EventRequisitionRejected, r, comment); err != nil {
			return nil, err
		}
	case r.Step < len(r.Steps):
		r.Step++
		if err := tx.SaveERPRequisition(ctx, r); err != nil {
			return nil, err
		}
	default:
		if err := approve(ctx, tx, r, comment); err != nil {
			return nil, err
		}
	}
	return r, tx.Audit(ctx, "erp_requisition", r.ID, d.Decision, before, r)
}

// approve marks r approved, emits the approval and orders it.
func approve(ctx context.Context, tx Tx, r *Requisition, comment string) error {
	r.Status, r.Comment = Approved, comment
	if err := tx.SaveERPRequisition(ctx, r); err != nil {
		return err
	}
	if err := emitRequisition(ctx, tx, integration.EventRequisitionApproved, r, comment); err != nil {
		return err
	}
	return order(ctx, tx, r)
}

// Cancel cancels a requisition that is not ordered yet.
func Cancel(ctx context.Context, tx Tx, id, comment string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, r.SiteID); err != nil {
		return nil, err
	}
	if !r.open() && r.Status != Approved {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"requisition %s is %s and can no longer be cancelled", r.Number, r.Status)
	}
	before := *r
	r.Status, r.Comment = Cancelled, comment
	if err := tx.SaveERPRequisition(ctx, r); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "cancel", before, r); err != nil {
		return nil, err
	}
	return r, emitRequisition(ctx, tx, integration.EventRequisitionCanceled, r, comment)
}

// order turns an approved requisition into purchase orders, one per
// vendor, and marks it ordered.
func order(ctx context.Context, tx Tx, r *Requisition) error {
	loc, err := tx.ERPSiteTimeZone(ctx, r.SiteID)
	if err != nil {
		return err
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return err
	}
	byVendor := map[string]*PurchaseOrder{}
	var vendors []string
	lead := map[string]int{}
	for i := range r.Lines {
		l := &r.Lines[i]
		it, err := tx.ERPItem(ctx, l.ItemID)
		if err != nil {
			return err
		}
		po := byVendor[it.Vendor]
		if po == nil {
			po = &PurchaseOrder{SiteID: r.SiteID, Vendor: it.Vendor, Status: Open, Period: ledger.Period(tx.Now(), loc)}
			byVendor[it.Vendor] = po
			vendors = append(vendors, it.Vendor)
		}
		days := it.LeadTimeDays
		if days == 0 {
			days = set.DefaultLeadTimeDays
		}
		lead[it.Vendor] = max(lead[it.Vendor], days)
		price := it.Price
		if price.IsZero() {
			price = l.UnitPrice
		}
		po.Lines = append(po.Lines, OrderLine{Position: len(po.Lines) + 1, RequisitionID: r.ID, RequisitionLineID: l.ID,
			ItemID: it.ID, ERPItemCode: it.Code, Direct: it.StockType == DirectItem, Warehouse: l.Warehouse,
			Quantity: l.Quantity, UnitPrice: price, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
			AssetID: l.AssetID, CostCenter: r.CostCenter})
	}
	slices.Sort(vendors)
	for _, v := range vendors {
		po := byVendor[v]
		n, err := tx.ERPNextNumber(ctx, "purchase_order")
		if err != nil {
			return err
		}
		po.Number = number("PO", n)
		po.PromisedDate = tx.Now().In(loc).AddDate(0, 0, lead[v]).Format(time.DateOnly)
		po.CreatedAt, po.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateERPPurchaseOrder(ctx, po); err != nil {
			if millwright.ErrorCode(err) == "already_ordered" {
				return err
			}
			return err
		}
		for _, ol := range po.Lines {
			for i := range r.Lines {
				if r.Lines[i].ID == ol.RequisitionLineID {
					r.Lines[i].PurchaseOrderLineID = ol.ID
				}
			}
		}
		if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "create", nil, po); err != nil {
			return err
		}
		if err := tx.Emit(ctx, integration.EventPurchaseOrderCreate, "purchase_order:"+po.Number, po.event()); err != nil {
			return err
		}
		if err := budget.Check(ctx, tx, r.CostCenter, po.Period); err != nil {
			return err
		}
	}
	r.Status = Ordered
	return tx.SaveERPRequisition(ctx, r)
}

// ReceiptLineIn is one line of a receipt to record.
type ReceiptLineIn struct {
	LineID   string
	Quantity millwright.Qty
}

// Receive records a goods receipt: a stock item raises the warehouse's
// stock at the PO price (Dr inventory / Cr GR-IR); a direct item is charged
// to its work order (Dr maintenance expense / Cr GR-IR). Receiving more
// than was ordered is refused.
func Receive(ctx context.Context, tx Tx, poID string, in []ReceiptLineIn) (*Receipt, *PurchaseOrder, error) {
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, poID)
	if err != nil {
		return nil, nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, nil, err
	}
	if po.Status == Closed || po.Status == Received || po.Status == Invoiced {
		return nil, nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"purchase order %s is %s: everything on it was received or it is closed", po.Number, po.Status)
	}
	if len(in) == 0 {
		return nil, nil, millwright.Errorf(millwright.Invalid, "missing_field", "a receipt needs at least one line")
	}
	before := clonePO(po)
	rc := &Receipt{PurchaseOrderID: po.ID, Actor: tx.Actor().Username, At: tx.Now()}
	entry := &ledger.Entry{SiteID: po.SiteID, Source: "receipt"}
	ev := integration.GoodsReceived{PurchaseOrderID: po.ID, PurchaseOrder: po.Number}
	var stocks []*Stock
	charged := map[string]integration.CostPosted{}
	var chargedOrder []string
	for i, rl := range in {
		l := po.line(rl.LineID)
		if l == nil {
			return nil, nil, millwright.Errorf(millwright.Rule, "unknown_line", "receipt line %d: purchase order %s has no line %s", i+1, po.Number, rl.LineID)
		}
		if !rl.Quantity.IsPositive() {
			return nil, nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "receipt line %d (%s): quantity must be more than zero", i+1, l.ERPItemCode)
		}
		if open := l.Quantity.Sub(l.ReceivedQuantity); rl.Quantity.GreaterThan(open.Decimal) {
			return nil, nil, millwright.Errorf(millwright.Rule, "over_receipt",
				"receipt line %d (%s): %s ordered, %s already received, so at most %s can be received, not %s",
				i+1, l.ERPItemCode, l.Quantity, l.ReceivedQuantity, open, rl.Quantity)
		}
		l.ReceivedQuantity = l.ReceivedQuantity.Add(rl.Quantity)
		value := l.UnitPrice.Times(rl.Quantity)
		rc.Lines = append(rc.Lines, ReceiptLine{LineID: l.ID, Quantity: rl.Quantity, Value: value})
		ev.Lines = append(ev.Lines, integration.ReceivedLine{LineID: l.ID, RequisitionLineID: l.RequisitionLineID,
			WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID, ERPItemCode: l.ERPItemCode, Direct: l.Direct,
			Warehouse: l.Warehouse, Quantity: rl.Quantity, Value: value})
		if l.Direct {
			entry.Lines = append(entry.Lines,
				ledger.Dr(ledger.MaintenanceExpense, value, l.CostCenter, l.WorkOrderID, l.AssetID),
				ledger.Cr(ledger.GRIR, value, l.CostCenter, l.WorkOrderID, l.AssetID))
			if l.WorkOrderID != "" {
				c, ok := charged[l.WorkOrderID]
				if !ok {
					chargedOrder = append(chargedOrder, l.WorkOrderID)
				}
				c.WorkOrderID, c.AssetID, c.CostCenter, c.Source = l.WorkOrderID, l.AssetID, l.CostCenter, "direct_receipt"
				c.Amount = c.Amount.Add(value)
				charged[l.WorkOrderID] = c
			}
			continue
		}
		it, err := tx.ERPItem(ctx, l.ItemID)
		if err != nil {
			return nil, nil, err
		}
		s, err := tx.ERPStockForUpdate(ctx, it, l.Warehouse, po.SiteID)
		if err != nil {
			return nil, nil, err
		}
		s.receive(rl.Quantity, value)
		if err := tx.SaveERPStock(ctx, s); err != nil {
			return nil, nil, err
		}
		stocks = append(stocks, s)
		entry.Lines = append(entry.Lines,
			ledger.Dr(ledger.Inventory, value, "", "", ""),
			ledger.Cr(ledger.GRIR, value, "", "", ""))
	}
	n, err := tx.ERPNextNumber(ctx, "receipt")
	if err != nil {
		return nil, nil, err
	}
	rc.Number = number("GR", n)
	entry.SourceID, entry.Memo = rc.Number, "goods receipt "+rc.Number+" for "+po.Number
	if _, err := ledger.Post(ctx, tx, entry); err != nil {
		return nil, nil, err
	}
	rc.EntryID = entry.ID
	if err := tx.CreateERPReceipt(ctx, rc); err != nil {
		return nil, nil, err
	}
	po.settle()
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "receive", before, po); err != nil {
		return nil, nil, err
	}
	ev.ReceiptID, ev.Number = rc.ID, rc.Number
	if err := tx.Emit(ctx, integration.EventGoodsReceived, "purchase_order:"+po.Number, ev); err != nil {
		return nil, nil, err
	}
	if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
		return nil, nil, err
	}
	for _, s := range stocks {
		if err := emitStock(ctx, tx, s, "receipt"); err != nil {
			return nil, nil, err
		}
	}
	if err := emitCosts(ctx, tx, entry.ID, chargedOrder, charged); err != nil {
		return nil, nil, err
	}
	return rc, po, checkBudgets(ctx, tx, po, entry.Period)
}

func checkBudgets(ctx context.Context, tx Tx, po *PurchaseOrder, period string) error {
	seen := map[string]bool{}
	for _, l := range po.Lines {
		if seen[l.CostCenter] {
			continue
		}
		seen[l.CostCenter] = true
		if err := budget.Check(ctx, tx, l.CostCenter, period); err != nil {
			return err
		}
		if period != po.Period {
			if err := budget.Check(ctx, tx, l.CostCenter, po.Period); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitCosts(ctx context.Context, tx Tx, entryID string, order []string, costs map[string]integration.CostPosted) error {
	for _, wo := range order {
		c := costs[wo]
		if c.Amount.IsZero() {
			continue
		}
		c.EntryID = entryID
		if err := tx.Emit(ctx, integration.EventCostPosted, "work_order:"+wo, c); err != nil {
			return err
		}
	}
	return nil
}

func emitStock(ctx context.Context, tx Tx, s *Stock, cause string) error {
	return tx.Emit(ctx, integration.EventStockLevelChanged, "stock:"+s.ERPItemCode+"@"+s.Warehouse, integration.StockLevelChanged{
		ERPItemCode: s.ERPItemCode, Warehouse: s.Warehouse, Quantity: s.Quantity, Value: s.Value, Cause: cause})
}

func clonePO(po *PurchaseOrder) PurchaseOrder {
	c := *po
	c.Lines = slices.Clone(po.Lines)
	return c
}

// InvoiceIn is a vendor invoice to record.
type InvoiceIn struct {
	PurchaseOrderID string
	VendorReference string
	Lines           []InvoiceLineIn
}

// InvoiceLineIn is one line of an invoice to record.
type InvoiceLineIn struct {
	LineID    string
	Quantity  millwright.Qty
	UnitPrice millwright.Money
}

// PostInvoice matches an invoice three ways: each line's quantity against
// what was received and not yet invoiced, and its amount against the PO
// price × quantity within the tolerance. A matched invoice posts Dr GR-IR
// (PO price × quantity) and the difference (to price variance for stock
// items, to the work order for direct items) / Cr accounts payable (the
// invoice amount). A mismatch is held, with the reason, and posts nothing.
func PostInvoice(ctx context.Context, tx Tx, in InvoiceIn) (*Invoice, error) {
	if in.PurchaseOrderID == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "purchase_order_id is required")
	}
	if len(in.Lines) == 0 {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "an invoice needs at least one line")
	}
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, in.PurchaseOrderID)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_purchase_order", "purchase order %s does not exist", in.PurchaseOrderID)
	}
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, err
	}
	if po.Status == Closed {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "purchase order %s is closed and takes no more invoices", po.Number)
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return nil, err
	}
	before := clonePO(po)
	inv := &Invoice{PurchaseOrderID: po.ID, VendorReference: in.VendorReference, Status: InvoicePosted,
		Actor: tx.Actor().Username, At: tx.Now()}
	var reasons []string
	seen := map[string]bool{}
	for i, il := range in.Lines {
		l := po.line(il.LineID)
		if l == nil {
			return nil, millwright.Errorf(millwright.Rule, "unknown_line", "invoice line %d: purchase order %s has no line %s", i+1, po.Number, il.LineID)
		}
		if seen[l.ID] {
			return nil, millwright.Errorf(millwright.Invalid, "duplicate_line", "invoice line %d: line %s is invoiced twice; put its whole quantity on one line", i+1, il.LineID)
		}
		seen[l.ID] = true
		if !il.Quantity.IsPositive() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "invoice line %d (%s): quantity must be more than zero", i+1, l.ERPItemCode)
		}
		if il.UnitPrice.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "invoice line %d (%s): unit price cannot be negative", i+1, l.ERPItemCode)
		}
		x := InvoiceLine{LineID: l.ID, Quantity: il.Quantity, UnitPrice: il.UnitPrice,
			Amount: il.UnitPrice.Times(il.Quantity), Expected: l.UnitPrice.Times(il.Quantity)}
		x.Variance = x.Amount.Sub(x.Expected)
		inv.Amount = inv.Amount.Add(x.Amount)
		inv.Lines = append(inv.Lines, x)
		if open := l.ReceivedQuantity.Sub(l.InvoicedQuantity); il.Quantity.GreaterThan(open.Decimal) {
			reasons = append(reasons, sprintf("line %d (%s) invoices %s but only %s received and not yet invoiced",
				i+1, l.ERPItemCode, il.Quantity, open))
			continue
		}
		if tol := set.Tolerance(x.Expected); x.Variance.Abs().GreaterThan(tol.Decimal) {
			reasons = append(reasons, sprintf("line %d (%s) costs %s, the order says %s (%s × %s): the difference %s is beyond the tolerance of %s",
				i+1, l.ERPItemCode, x.Amount.String(), x.Expected.String(), il.Quantity, l.UnitPrice.String(), x.Variance.String(), tol.String()))
		}
	}
	n, err := tx.ERPNextNumber(ctx, "invoice")
	if err != nil {
		return nil, err
	}
	inv.Number = number("INV", n)
	ev := integration.InvoicePosted{Number: inv.Number, PurchaseOrderID: po.ID, PurchaseOrder: po.Number}
	if len(reasons) > 0 {
		inv.Status, inv.Reason = InvoiceHeld, "held: "+join(reasons, "; ")
		if err := tx.CreateERPInvoice(ctx, inv); err != nil {
			return nil, err
		}
		if err := tx.Audit(ctx, "erp_invoice", inv.ID, "hold", nil, inv); err != nil {
			return nil, err
		}
		ev.InvoiceID, ev.Status, ev.Reason = inv.ID, inv.Status, inv.Reason
		return inv, tx.Emit(ctx, integration.EventInvoiceHeld, "purchase_order:"+po.Number, ev)
	}
	entry := &ledger.Entry{SiteID: po.SiteID, Source: "invoice", SourceID: inv.Number, Memo: "invoice " + inv.Number + " for " + po.Number}
	charged := map[string]integration.CostPosted{}
	var chargedOrder []string
	for _, x := range inv.Lines {
		l := po.line(x.LineID)
		l.InvoicedQuantity = l.InvoicedQuantity.Add(x.Quantity)
		entry.Lines = append(entry.Lines, ledger.Dr(ledger.GRIR, x.Expected, l.CostCenter, l.WorkOrderID, l.AssetID))
		if l.Direct {
			entry.Lines = append(entry.Lines, ledger.Dr(ledger.MaintenanceExpense, x.Variance, l.CostCenter, l.WorkOrderID, l.AssetID))
			if l.WorkOrderID != "" && !x.Variance.IsZero() {
				c, ok := charged[l.WorkOrderID]
				if !ok {
					chargedOrder = append(chargedOrder, l.WorkOrderID)
				}
				c.WorkOrderID, c.AssetID, c.CostCenter, c.Source = l.WorkOrderID, l.AssetID, l.CostCenter, "invoice_variance"
				c.Amount = c.Amount.Add(x.Variance)
				charged[l.WorkOrderID] = c
			}
		} else {
			entry.Lines = append(entry.Lines, ledger.Dr(ledger.PriceVariance, x.Variance, l.CostCenter, "", ""))
		}
		entry.Lines = append(entry.Lines, ledger.Cr(ledger.AccountsPayable, x.Amount, l.CostCenter, l.WorkOrderID, l.AssetID))
		ev.Lines = append(ev.Lines, integration.InvoiceLine{LineID: l.ID, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
			ERPItemCode: l.ERPItemCode, Quantity: x.Quantity, UnitPrice: x.UnitPrice, ActualCost: x.Amount, Variance: x.Variance})
	}
	if _, err := ledger.Post(ctx, tx, entry); err != nil {
		return nil, err
	}
	inv.EntryID = entry.ID
	if err := tx.CreateERPInvoice(ctx, inv); err != nil {
		return nil, err
	}
	status := po.Status
	po.settle()
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_invoice", inv.ID, "post", nil, inv); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "invoice", before, po); err != nil {
		return nil, err
	}
	ev.InvoiceID, ev.Status = inv.ID, inv.Status
	if err := tx.Emit(ctx, integration.EventInvoicePosted, "purchase_order:"+po.Number, ev); err != nil {
		return nil, err
	}
	if po.Status != status {
		if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
			return nil, err
		}
	}
	if err := emitCosts(ctx, tx, entry.ID, chargedOrder, charged); err != nil {
		return nil, err
	}
	if entry.Period == "" { // nothing posted: every line matched to the cent
		return inv, nil
	}
	return inv, checkBudgets(ctx, tx, po, entry.Period)
}

// Close closes a purchase order: nothing more will be received or invoiced
// on it, and what was not received stops counting as committed.
func Close(ctx context.Context, tx Tx, id string) (*PurchaseOrder, error) {
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, err
	}
	if po.Status == Closed {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "purchase order %s is already closed", po.Number)
	}
	before := clonePO(po)
	po.Status = Closed
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "close", before, po); err != nil {
		return nil, err
	}
	if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
		return nil, err
	}
	return po, checkBudgets(ctx, tx, po, po.Period)
}
