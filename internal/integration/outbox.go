package integration

import (
	"time"

	"github.com/millwright-cmms/millwright"
)

// Outbox message statuses.
const (
	StatusPending   = "pending"   // waiting to be sent, or retrying
	StatusDelivered = "delivered" // the ERP applied it
	StatusFailed    = "failed"    // stopped by a fixable error (a mapping gap); replay after the fix
	StatusDead      = "dead"      // retries exhausted
	StatusSkipped   = "skipped"   // not sent: integration is not live for its site or asset class (phased rollout)
)

// OutboxMessage is a Message as the outbox keeps it.
type OutboxMessage struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	SiteID          string     `json:"site_id"`
	WorkOrderID     string     `json:"work_order_id"`
	MaterialLineIDs []string   `json:"material_line_ids"`
	OrderKey        string     `json:"order_key,omitempty"`      // the record whose messages go out in order, besides the work order
	WaitsForItem    string     `json:"waits_for_item,omitempty"` // the item whose ERP mapping is missing; the message goes once it is mapped
	IdempotencyKey  string     `json:"idempotency_key"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	LastError       string     `json:"last_error"`
	NextAttemptAt   time.Time  `json:"next_attempt_at"`
	CreatedAt       time.Time  `json:"created_at"`
	DeliveredAt     *time.Time `json:"delivered_at"`
	Message         Message    `json:"message"`
}

// Outgoing says how a message joins the outbox.
type Outgoing struct {
	// WorkOrderID is the work order the message is about: its messages go
	// out one after the other, and its trace lists them.
	WorkOrderID string
	// OrderKey names another record whose messages go out one after the
	// other ("stock:<storeroom_id>/<item_id>").
	OrderKey string
	// Lines are the material lines the message asks for.
	Lines []string
	// WaitsForItem, when set, is the CMMS item with no ERP mapping at the
	// message's site: the message is kept failed with Reason until the
	// mapping is saved, which completes it and sends it.
	WaitsForItem string
	// Reason, when set, is the master-data gap that stops the message
	// ("unmapped_cost_center: …"): it is kept failed, not sent, until the
	// mapping that closes the gap is saved.
	Reason string
}

// MessageFilter selects outbox messages for a list.
type MessageFilter struct {
	Status, WorkOrderID, SiteID, Cursor string
	Limit                               int
	Newest                              bool // newest first (the cursor then pages back in time)
}

// ItemMapping is an item's cross-reference in the ERP: its code and unit,
// at one site or, with SiteID empty, at every site. Factor is how many CMMS
// units make one ERP unit.
type ItemMapping struct {
	ItemID      string         `json:"item_id"`
	SiteID      string         `json:"site_id"`
	ERPItemCode string         `json:"erp_item_code"`
	ERPUnit     string         `json:"erp_unit"`
	Factor      millwright.Qty `json:"factor"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// ToERP converts a quantity in the CMMS item's base unit to the ERP unit.
func (m ItemMapping) ToERP(q millwright.Qty) millwright.Qty {
	if !m.Factor.IsPositive() {
		return q
	}
	return millwright.Qty{Decimal: q.Decimal.Div(m.Factor.Decimal)}
}

// FromERP converts a quantity in the ERP unit to the CMMS item's base unit.
func (m ItemMapping) FromERP(q millwright.Qty) millwright.Qty {
	if !m.Factor.IsPositive() {
		return q
	}
	return millwright.Qty{Decimal: q.Decimal.Mul(m.Factor.Decimal)}
}
