// Package procurement is the embedded ERP's purchasing and stock: the item
// master, requisitions and their approval, purchase orders grouped by
// vendor, goods receipts, vendor invoices matched three ways, stock per item
// and warehouse at moving-average value, and replenishment when stock falls
// below its reorder point. Every change posts to the ledger and emits the
// events the CMMS must see in the same transaction.
package procurement

import (
	"context"
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
	case it.Vendor == "" && it.StockType == StockItem:
		return millwright.Errorf(millwright.Invalid, "missing_field", "item %s: vendor is required for a stock item; its replenishment orders go to its default vendor", it.Code)
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
	ExpenseAccount  string              `json:"expense_account"` // where direct lines are charged; "": maintenance expense
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
	// Description and Vendor are a text line's: a special buy under the
	// default purchasing item says what to buy, and from whom if known.
	Description string `json:"description,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
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
	ExpenseAccount    string           `json:"expense_account"`       // a direct line's; "": maintenance expense
	Description       string           `json:"description,omitempty"` // a text line's words
}

// expense is the account a direct line is charged to.
func (l *OrderLine) expense() string {
	if l.ExpenseAccount == "" {
		return ledger.MaintenanceExpense
	}
	return l.ExpenseAccount
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
	ERPItemsByCode(ctx context.Context, codes []string) (map[string]*Item, error)
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
	// ERPWarehouses lists the warehouses that hold a stock row of an item
	// at a site.
	ERPWarehouses(ctx context.Context, siteID, itemID string) ([]string, error)
	SaveERPStock(ctx context.Context, s *Stock) error
	ERPOpenReplenishment(ctx context.Context, siteID, itemID, warehouse string) (bool, error)
}
