// Package workorder is the life of a work order: its status machine, its
// planned materials, labor, parts issued and returned, and its cost.
package workorder

import (
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Status is where a work order is in its life.
type Status string

// The statuses of a work order.
const (
	Requested       Status = "requested"
	Approved        Status = "approved"
	Planned         Status = "planned"
	Released        Status = "released"
	InProgress      Status = "in_progress"
	WaitingForParts Status = "waiting_for_parts"
	Completed       Status = "completed"
	Closed          Status = "closed"
	Cancelled       Status = "cancelled"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Requested, Approved, Planned, Released, InProgress, WaitingForParts, Completed, Closed, Cancelled}

// next is the status machine: the statuses each status may become. A work
// order may be cancelled from any status before it is completed; an
// approved one may be released without planning. Waiting for parts goes
// back to in progress (resume) before it can be completed.
var next = map[Status][]Status{
	Requested:       {Approved, Cancelled},
	Approved:        {Planned, Released, Cancelled},
	Planned:         {Released, Cancelled},
	Released:        {InProgress, Cancelled},
	InProgress:      {WaitingForParts, Completed, Cancelled},
	WaitingForParts: {InProgress, Cancelled},
	Completed:       {Closed},
}

// CanBecome reports whether the status machine allows from to become to.
func CanBecome(from, to Status) bool { return slices.Contains(next[from], to) }

// Verbs maps each action of the API (POST work-orders/{id}/{verb}) to the
// status it leads to. start and resume both lead to in progress: start from
// released, resume from waiting for parts.
var Verbs = map[string]Status{
	"approve":  Approved,
	"plan":     Planned,
	"release":  Released,
	"start":    InProgress,
	"wait":     WaitingForParts,
	"resume":   InProgress,
	"complete": Completed,
	"close":    Closed,
	"cancel":   Cancelled,
}

// Type is the kind of maintenance a work order does.
type Type string

// The types of work order.
const (
	Preventive Type = "preventive" // from a PM plan
	Corrective Type = "corrective"
	Emergency  Type = "emergency"
	Predictive Type = "predictive" // from a condition rule
	Inspection Type = "inspection"
)

// Types lists every type.
var Types = []Type{Preventive, Corrective, Emergency, Predictive, Inspection}

// Priorities: 1 emergency, 2 urgent, 3 normal, 4 low.
const (
	PriorityEmergency = 1
	PriorityNormal    = 3
	PriorityLow       = 4
)

// WorkOrder is a job on an asset.
type WorkOrder struct {
	ID                  string           `json:"id"`
	Number              string           `json:"number"`
	Type                Type             `json:"type"`
	Status              Status           `json:"status"`
	Priority            int              `json:"priority"`
	SiteID              string           `json:"site_id"`
	AssetID             string           `json:"asset_id"`
	Title               string           `json:"title"`
	Description         string           `json:"description"`
	AutoRequestMaterial bool             `json:"auto_request_material"`
	EstimatedLabor      millwright.Money `json:"estimated_labor"`
	Problem             string           `json:"problem"`
	Cause               string           `json:"cause"`
	Remedy              string           `json:"remedy"`
	DowntimeHours       millwright.Qty   `json:"downtime_hours"`
	Notes               string           `json:"notes"`
	// AssignedTo is the user name of the technician who does the work, ""
	// when nobody is assigned.
	AssignedTo string `json:"assigned_to"`
	// ScheduledOn is the day the work is planned for, a date in the site's
	// time zone ("2026-12-02"), "" when it is not scheduled.
	ScheduledOn string     `json:"scheduled_on"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Transition moves w to s, or says why it cannot.
func (w *WorkOrder) Transition(s Status, at time.Time) error {
	if err := w.check(s); err != nil {
		return err
	}
	w.Status, w.UpdatedAt = s, at
	return nil
}

// check says why w cannot become s, or returns nil when it can.
func (w *WorkOrder) check(s Status) error {
	if CanBecome(w.Status, s) {
		return nil
	}
	return millwright.Errorf(millwright.Conflict, "illegal_transition",
		"work order %s is %s and cannot become %s; allowed next: %s",
		w.Number, w.Status, s, allowedNext(w.Status))
}

func allowedNext(s Status) string {
	if len(next[s]) == 0 {
		return "none, it is final"
	}
	names := make([]string, len(next[s]))
	for i, n := range next[s] {
		names[i] = string(n)
	}
	return strings.Join(names, ", ")
}

// Open reports whether w may still be edited and given materials: it is
// neither completed, closed nor cancelled.
func (w *WorkOrder) Open() bool {
	return w.Status != Completed && w.Status != Closed && w.Status != Cancelled
}

// Active reports whether work is under way on w, so that labor may be
// logged and parts issued: released, in progress or waiting for parts.
func (w *WorkOrder) Active() bool {
	return w.Status == Released || w.Status == InProgress || w.Status == WaitingForParts
}

func (w *WorkOrder) mustBeOpen(what string) error {
	if w.Open() {
		return nil
	}
	return millwright.Errorf(millwright.Conflict, "work_order_not_editable",
		"work order %s is %s; %s only before it is completed", w.Number, w.Status, what)
}

func (w *WorkOrder) mustBeActive(what string) error {
	if w.Active() {
		return nil
	}
	return millwright.Errorf(millwright.Conflict, "work_order_not_active",
		"work order %s is %s; %s only while it is released, in_progress or waiting_for_parts", w.Number, w.Status, what)
}

// TransitionRecord is one status change of a work order, kept in its
// history. The creation of a work order is recorded with an empty From.
type TransitionRecord struct {
	ID          string    `json:"id"`
	WorkOrderID string    `json:"work_order_id"`
	From        Status    `json:"from_status"`
	To          Status    `json:"to_status"`
	Actor       string    `json:"actor"`
	At          time.Time `json:"at"`
	// Reason is why the change was made, where one is required: the
	// reason a work request was rejected.
	Reason string `json:"reason,omitempty"`
}

// Procurement statuses of a material line.
const (
	ProcurementNone      = "none"
	ProcurementBlocked   = "blocked"
	ProcurementRequested = "requested"
	ProcurementApproved  = "approved"
	ProcurementOrdered   = "ordered"
	ProcurementReceived  = "received"
	ProcurementInvoiced  = "invoiced"
)

// Material is a material line of a work order. A stock line holds its
// quantity reserved in a storeroom: Reserved is what is still set aside
// there for the line, Issued what has been issued to it net of returns. A
// direct line is bought for the work order and follows its procurement.
type Material struct {
	ID                  string           `json:"id"`
	WorkOrderID         string           `json:"work_order_id"`
	ItemID              string           `json:"item_id"`
	PartNumber          string           `json:"part_number"`
	Quantity            millwright.Qty   `json:"quantity"`
	Direct              bool             `json:"direct"`
	StoreroomID         string           `json:"storeroom_id"`
	AutoRequestMaterial bool             `json:"auto_request_material"`
	Reserved            millwright.Qty   `json:"reserved"`
	Issued              millwright.Qty   `json:"issued"`
	UnitCost            millwright.Money `json:"unit_cost"`
	ProcurementStatus   string           `json:"procurement_status"`
	BlockedReason       string           `json:"blocked_reason"`
	PurchaseOrderNumber string           `json:"purchase_order_number"`
	PromisedDate        string           `json:"promised_date"`
	CommittedCost       millwright.Money `json:"committed_cost"`
	ActualCost          millwright.Money `json:"actual_cost"`
	CreatedAt           time.Time        `json:"created_at"`
	// SpecialBuy marks a line described in words (a text item): its
	// Description, Unit and Vendor are its own, and it is requested under
	// the site's default purchasing item until linked to a catalog item.
	SpecialBuy  bool   `json:"special_buy"`
	Description string `json:"description,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
}

// Labor is time a technician spent on a work order.
type Labor struct {
	ID          string           `json:"id"`
	WorkOrderID string           `json:"work_order_id"`
	Technician  string           `json:"technician"`
	Craft       string           `json:"craft"`
	Hours       millwright.Qty   `json:"hours"`
	Rate        millwright.Money `json:"rate"`
	Amount      millwright.Money `json:"amount"`
	Actor       string           `json:"actor"`
	At          time.Time        `json:"at"`
}

// MaxLaborHours is the most one labor entry may book.
var MaxLaborHours = millwright.NewQty(24)
