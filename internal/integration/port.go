// Package integration is the port between the CMMS and an ERP: the messages
// the CMMS sends (requisition requests, stock movements and levels, labor
// costs, work-order status, item master), the events the ERP sends back
// (requisition decided, purchase order created or changed, goods received,
// invoice posted, stock level changed, cost posted, item changed), and the
// Connector every ERP — the embedded one, SAP, Dynamics 365, Odoo,
// ERPNext — is reached through.
//
// A Message carries an idempotency key: an ERP applies each key once, and a
// second Send with the same key has no second effect and answers what the
// first one did. An Event carries the ERP's sequence number and the key of
// the document it is about, so the CMMS can apply events per document in
// order and ignore one it has seen.
package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Connector is an ERP as the CMMS sees it.
//
// Send applies m in the ERP once per m.IdempotencyKey and returns the
// events that applying it emitted; a repeat of the key returns the events of
// the first application again, and the same key with another payload is a
// Conflict (idempotency_key_reused). An error of kind Invalid or Rule means
// the message cannot be applied as it is (an unknown item code, a bad
// quantity): retrying it unchanged will fail again, so the sender parks it
// until the data is fixed. Any other error may be retried.
//
// Events returns the ERP's events with a sequence number above after, at
// most limit of them, in sequence order: every change the CMMS must see,
// including those made by ERP users (approvals, receipts, invoices).
type Connector interface {
	Send(ctx context.Context, m Message) ([]Event, error)
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
}

// BatchSender is a Connector that takes several messages in one call, as
// the embedded ERP does: it applies a dispatcher's claim in one
// transaction, in order, one commit for all. It answers, for each message,
// what Send would have: its events, or its error. Before message i it asks
// skip(i, errs), errs holding the answers so far; when skip says so, i is
// not tried and answers ErrNotTried (the messages of a work order stop at
// the first one refused).
type BatchSender interface {
	SendBatch(ctx context.Context, ms []Message, skip func(i int, errs []error) bool) ([][]Event, []error)
}

// MessageKind names what a Message asks of the ERP.
type MessageKind string

// The messages the CMMS sends.
const (
	KindRequisitionRequest MessageKind = "requisition_request"
	KindStockMovement      MessageKind = "stock_movement"
	KindStockLevel         MessageKind = "stock_level"
	KindLaborCost          MessageKind = "labor_cost"
	KindWorkOrderStatus    MessageKind = "work_order_status"
	KindItemMaster         MessageKind = "item_master"
)

// Message is one change the ERP must see, as it leaves the CMMS outbox.
type Message struct {
	IdempotencyKey string          `json:"idempotency_key"`
	Kind           MessageKind     `json:"kind"`
	SiteID         string          `json:"site_id"`             // the CMMS site: approval rules and lists are scoped by it
	SiteCode       string          `json:"site_code"`           // the plant's code, as the ERP knows it
	TimeZone       string          `json:"time_zone,omitempty"` // the site's IANA time zone; budget periods follow it
	Actor          string          `json:"actor"`               // the user whose action caused the message, or "system"
	At             time.Time       `json:"at"`                  // when the change happened in the CMMS
	Payload        json.RawMessage `json:"payload"`
}

// Payload is the body of a Message of one kind.
type Payload interface{ Kind() MessageKind }

// NewMessage returns a message of p's kind with p as its payload.
func NewMessage(key, siteID, siteCode, actor string, at time.Time, p Payload) (Message, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return Message{}, fmt.Errorf("encode %s payload: %w", p.Kind(), err)
	}
	return Message{IdempotencyKey: key, Kind: p.Kind(), SiteID: siteID, SiteCode: siteCode,
		Actor: actor, At: at.UTC(), Payload: b}, nil
}

// Decode reads m's payload into p, saying what is wrong when it does not fit.
func (m Message) Decode(p Payload) error {
	if p.Kind() != m.Kind {
		return millwright.Errorf(millwright.Invalid, "bad_message", "message %s is a %s, not a %s", m.IdempotencyKey, m.Kind, p.Kind())
	}
	if err := json.Unmarshal(m.Payload, p); err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_message", "message %s: the %s payload cannot be read: %v", m.IdempotencyKey, m.Kind, err)
	}
	return nil
}

// RequisitionRequest asks the ERP to buy material for work orders (or, with
// no work order, for a storeroom).
type RequisitionRequest struct {
	Priority        int               `json:"priority"`                  // 1 emergency … 4 low, the work order's
	CostCenter      string            `json:"cost_center"`               // the ERP's, through the cost-center mapping
	ExpenseAccount  string            `json:"expense_account,omitempty"` // where direct lines are charged (account mapping direct_material); "": the ERP's default
	WorkOrderID     string            `json:"work_order_id,omitempty"`
	WorkOrderNumber string            `json:"work_order_number,omitempty"`
	AssetID         string            `json:"asset_id,omitempty"`
	Lines           []RequisitionLine `json:"lines"`
}

// RequisitionLine is one material to buy.
type RequisitionLine struct {
	WorkOrderID        string           `json:"work_order_id,omitempty"`
	MaterialLineID     string           `json:"material_line_id,omitempty"`
	ERPItemCode        string           `json:"erp_item_code"`
	Quantity           millwright.Qty   `json:"quantity"`
	Unit               string           `json:"unit"`
	NeededBy           string           `json:"needed_by,omitempty"` // YYYY-MM-DD
	EstimatedUnitPrice millwright.Money `json:"estimated_unit_price"`
	Warehouse          string           `json:"warehouse,omitempty"` // where a stock item is received
	// Description and Vendor are a special buy's (a text item's), asked
	// for under the site's default purchasing item: the words say what to
	// buy, and the vendor, when given, who from.
	Description string `json:"description,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
}

// Kind implements Payload.
func (RequisitionRequest) Kind() MessageKind { return KindRequisitionRequest }

// Stock movement kinds.
const (
	MoveIssue      = "issue"
	MoveReturn     = "return"
	MoveAdjustment = "adjustment"
)

// StockMovement is a change of stock in a storeroom. Quantity is the signed
// change: an issue is negative, a return positive, an adjustment either.
type StockMovement struct {
	Movement    string           `json:"movement"` // issue, return, adjustment
	ERPItemCode string           `json:"erp_item_code"`
	Warehouse   string           `json:"warehouse"`
	Quantity    millwright.Qty   `json:"quantity"`
	Value       millwright.Money `json:"value"` // the CMMS's value of the movement; returns and gains are valued with it
	WorkOrderID string           `json:"work_order_id,omitempty"`
	AssetID     string           `json:"asset_id,omitempty"`
	CostCenter  string           `json:"cost_center,omitempty"`
	// ExpenseAccount is where an issue or a return is charged (account
	// mapping parts); "": the ERP's default.
	ExpenseAccount string `json:"expense_account,omitempty"`
	// Opening marks an adjustment that is the storeroom row's opening
	// balance (its first count): its value is booked against opening
	// balance equity, not as an inventory gain.
	Opening bool `json:"opening,omitempty"`
}

// Kind implements Payload.
func (StockMovement) Kind() MessageKind { return KindStockMovement }

// StockLevel is a storeroom's stock of an item and its reorder settings.
type StockLevel struct {
	ERPItemCode     string         `json:"erp_item_code"`
	Warehouse       string         `json:"warehouse"`
	OnHand          millwright.Qty `json:"on_hand"`
	ReorderPoint    millwright.Qty `json:"reorder_point"`
	ReorderQuantity millwright.Qty `json:"reorder_quantity"`
	MaxQuantity     millwright.Qty `json:"max_quantity"`
	CostCenter      string         `json:"cost_center,omitempty"`
}

// Kind implements Payload.
func (StockLevel) Kind() MessageKind { return KindStockLevel }

// LaborCost is labor logged on a work order.
type LaborCost struct {
	WorkOrderID string           `json:"work_order_id"`
	AssetID     string           `json:"asset_id,omitempty"`
	CostCenter  string           `json:"cost_center"`
	Hours       millwright.Qty   `json:"hours"`
	Amount      millwright.Money `json:"amount"`
	Technician  string           `json:"technician,omitempty"`
	// ExpenseAccount is where the labor is charged (account mapping
	// labor); "": the ERP's default.
	ExpenseAccount string `json:"expense_account,omitempty"`
}

// Kind implements Payload.
func (LaborCost) Kind() MessageKind { return KindLaborCost }

// WorkOrderStatus tells the ERP a work order changed status.
type WorkOrderStatus struct {
	WorkOrderID     string `json:"work_order_id"`
	WorkOrderNumber string `json:"work_order_number"`
	Status          string `json:"status"`
	AssetID         string `json:"asset_id,omitempty"`
	CostCenter      string `json:"cost_center,omitempty"`
}

// Kind implements Payload.
func (WorkOrderStatus) Kind() MessageKind { return KindWorkOrderStatus }

// ItemMaster creates or changes an item in the ERP's material master.
type ItemMaster struct {
	ERPItemCode  string           `json:"erp_item_code"`
	Description  string           `json:"description"`
	Unit         string           `json:"unit"`
	StockType    string           `json:"stock_type"` // stock or direct
	Vendor       string           `json:"vendor"`
	Price        millwright.Money `json:"price"`
	LeadTimeDays int              `json:"lead_time_days,omitempty"`
}

// Kind implements Payload.
func (ItemMaster) Kind() MessageKind { return KindItemMaster }

// EventKind names what an Event reports.
type EventKind string

// The events the ERP sends back.
const (
	EventRequisitionCreated  EventKind = "requisition_created"
	EventRequisitionApproved EventKind = "requisition_approved"
	EventRequisitionRejected EventKind = "requisition_rejected"
	EventRequisitionCanceled EventKind = "requisition_cancelled"
	EventPurchaseOrderCreate EventKind = "purchase_order_created"
	EventPurchaseOrderChange EventKind = "purchase_order_changed"
	EventGoodsReceived       EventKind = "goods_received"
	EventInvoicePosted       EventKind = "invoice_posted"
	EventInvoiceHeld         EventKind = "invoice_held"
	EventStockLevelChanged   EventKind = "stock_level_changed"
	EventCostPosted          EventKind = "cost_posted"
	EventItemChanged         EventKind = "item_changed"
	EventBudgetAlert         EventKind = "budget_alert"
)

// Event is one change in the ERP the CMMS must see. Seq orders every event
// of one ERP; DocumentKey ("requisition:REQ-000001", "purchase_order:PO-000001",
// "work_order:wo_…", "stock:BRG-6205@MAIN", "item:BRG-6205",
// "budget:CC-100:2026-03") groups the events of one document.
type Event struct {
	Seq         int64           `json:"seq"`
	Kind        EventKind       `json:"kind"`
	DocumentKey string          `json:"document_key"`
	At          time.Time       `json:"at"`
	Actor       string          `json:"actor,omitempty"` // the ERP user whose action it reports, or the CMMS user whose message caused it
	Payload     json.RawMessage `json:"payload"`
}

// RequisitionDecided is the payload of requisition_created, _approved,
// _rejected and _cancelled.
type RequisitionDecided struct {
	RequisitionID string               `json:"requisition_id"`
	Number        string               `json:"number"`
	Status        string               `json:"status"`
	Actor         string               `json:"actor"`
	Comment       string               `json:"comment"`
	Lines         []RequisitionLineRef `json:"lines"`
}

// RequisitionLineRef ties a requisition line to the CMMS lines it serves.
type RequisitionLineRef struct {
	RequisitionLineID string         `json:"requisition_line_id"`
	WorkOrderID       string         `json:"work_order_id,omitempty"`
	MaterialLineID    string         `json:"material_line_id,omitempty"`
	ERPItemCode       string         `json:"erp_item_code"`
	Quantity          millwright.Qty `json:"quantity"`
}

// PurchaseOrderChanged is the payload of purchase_order_created and _changed.
type PurchaseOrderChanged struct {
	PurchaseOrderID string              `json:"purchase_order_id"`
	Number          string              `json:"number"`
	Vendor          string              `json:"vendor"`
	Status          string              `json:"status"`
	PromisedDate    string              `json:"promised_date"` // YYYY-MM-DD
	Lines           []PurchaseOrderLine `json:"lines"`
}

// PurchaseOrderLine is a purchase-order line as the CMMS sees it.
type PurchaseOrderLine struct {
	LineID            string           `json:"line_id"`
	RequisitionLineID string           `json:"requisition_line_id"`
	WorkOrderID       string           `json:"work_order_id,omitempty"`
	MaterialLineID    string           `json:"material_line_id,omitempty"`
	ERPItemCode       string           `json:"erp_item_code"`
	Quantity          millwright.Qty   `json:"quantity"`
	ReceivedQuantity  millwright.Qty   `json:"received_quantity"`
	UnitPrice         millwright.Money `json:"unit_price"`
}

// GoodsReceived is the payload of goods_received.
type GoodsReceived struct {
	ReceiptID       string         `json:"receipt_id"`
	Number          string         `json:"number"`
	PurchaseOrderID string         `json:"purchase_order_id"`
	PurchaseOrder   string         `json:"purchase_order_number"`
	SiteID          string         `json:"site_id,omitempty"` // the CMMS site of the purchase order: its warehouses are that site's storerooms
	Lines           []ReceivedLine `json:"lines"`
}

// ReceivedLine is what one receipt line brought in. A direct item's line
// names the work order it was charged to; a stock item's, the warehouse.
type ReceivedLine struct {
	LineID            string           `json:"line_id"`
	RequisitionLineID string           `json:"requisition_line_id"`
	WorkOrderID       string           `json:"work_order_id,omitempty"`
	MaterialLineID    string           `json:"material_line_id,omitempty"`
	ERPItemCode       string           `json:"erp_item_code"`
	Direct            bool             `json:"direct"`
	Warehouse         string           `json:"warehouse,omitempty"`
	Quantity          millwright.Qty   `json:"quantity"`
	Value             millwright.Money `json:"value"`
}

// InvoicePosted is the payload of invoice_posted and invoice_held.
type InvoicePosted struct {
	InvoiceID       string        `json:"invoice_id"`
	Number          string        `json:"number"`
	PurchaseOrderID string        `json:"purchase_order_id"`
	PurchaseOrder   string        `json:"purchase_order_number"`
	Status          string        `json:"status"`
	Reason          string        `json:"reason,omitempty"`
	Lines           []InvoiceLine `json:"lines"`
}

// InvoiceLine is the actual cost of one purchase-order line.
type InvoiceLine struct {
	LineID         string           `json:"line_id"`
	WorkOrderID    string           `json:"work_order_id,omitempty"`
	MaterialLineID string           `json:"material_line_id,omitempty"`
	ERPItemCode    string           `json:"erp_item_code"`
	Quantity       millwright.Qty   `json:"quantity"`
	UnitPrice      millwright.Money `json:"unit_price"`
	ActualCost     millwright.Money `json:"actual_cost"`
	Variance       millwright.Money `json:"variance"`
}

// StockLevelChanged is the payload of stock_level_changed.
type StockLevelChanged struct {
	ERPItemCode string           `json:"erp_item_code"`
	Warehouse   string           `json:"warehouse"`
	SiteID      string           `json:"site_id,omitempty"` // the CMMS site the warehouse belongs to
	Quantity    millwright.Qty   `json:"quantity"`
	Value       millwright.Money `json:"value"`
	Cause       string           `json:"cause"` // receipt, issue, return, adjustment
}

// CostPosted is the payload of cost_posted: an amount the ERP charged to a
// work order (negative for a credit such as a return).
type CostPosted struct {
	EntryID     string           `json:"entry_id"`
	EntryNumber string           `json:"entry_number,omitempty"`
	WorkOrderID string           `json:"work_order_id"`
	AssetID     string           `json:"asset_id,omitempty"`
	CostCenter  string           `json:"cost_center"`
	Source      string           `json:"source"` // labor, issue, return, direct_receipt, invoice_variance
	Amount      millwright.Money `json:"amount"`
}

// ItemChanged is the payload of item_changed.
type ItemChanged struct {
	ERPItemCode string           `json:"erp_item_code"`
	Description string           `json:"description"`
	Unit        string           `json:"unit"`
	StockType   string           `json:"stock_type"`
	Vendor      string           `json:"vendor"`
	Price       millwright.Money `json:"price"`
}

// BudgetAlert is the payload of budget_alert: a cost center's forecast for
// a period passed its budget.
type BudgetAlert struct {
	CostCenter string           `json:"cost_center"`
	Period     string           `json:"period"`
	Budget     millwright.Money `json:"budget"`
	Forecast   millwright.Money `json:"forecast"`
}

// Reconciler is a Connector that can show its side of the books, so the
// CMMS can compare stock and work-order costs with it. An ERP that cannot
// is reconciled by nothing: the CMMS says so rather than guess.
type Reconciler interface {
	Balances(ctx context.Context) (*Balances, error)
}

// Balances is the ERP's stock per item and warehouse and its cost per work
// order, as of one moment.
type Balances struct {
	At             time.Time       `json:"at"`
	Stock          []StockBalance  `json:"stock"`
	WorkOrderCosts []WorkOrderCost `json:"work_order_costs"`
}

// StockBalance is the ERP's stock of one item in one warehouse, in ERP units.
type StockBalance struct {
	ERPItemCode string           `json:"erp_item_code"`
	Warehouse   string           `json:"warehouse"`
	SiteID      string           `json:"site_id"` // the CMMS site the warehouse belongs to
	Quantity    millwright.Qty   `json:"quantity"`
	Value       millwright.Money `json:"value"`
}

// WorkOrderCost is what the ERP's ledger charged to one work order.
type WorkOrderCost struct {
	WorkOrderID string           `json:"work_order_id"`
	Amount      millwright.Money `json:"amount"`
}
