package workorder

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// Kinds of trace Event.
const (
	EventStatusChanged = "status_changed"
	EventLaborLogged   = "labor_logged"
	EventPartsIssued   = "parts_issued"   // issues and returns; a return has a negative quantity
	EventMessageQueued = "message_queued" // a message to the ERP written to the outbox
	EventMessageSent   = "message_delivered"
)

// Event is one step in the history of a work order.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Kind   string    `json:"kind"`
	Ref    string    `json:"ref"` // the number or id of the document the event is about
	Detail string    `json:"detail"`
}

// Trace is a work order with its history in time order.
type Trace struct {
	WorkOrder *WorkOrder `json:"work_order"`
	Events    []Event    `json:"events"`
}

// GetCosts returns a work order's estimated, committed and actual cost.
func GetCosts(ctx context.Context, tx Tx, id string) (*Costs, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	labor, err := tx.LaborEntries(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	moves, err := tx.WorkOrderMovements(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	c := ComputeCosts(w, mats, labor, moves)
	return &c, nil
}

// GetTrace returns a work order with its status changes, labor and parts
// movements in time order.
func GetTrace(ctx context.Context, tx Tx, id string) (*Trace, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	t := &Trace{WorkOrder: w, Events: []Event{}}
	transitions, err := tx.Transitions(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range transitions {
		detail := fmt.Sprintf("%s → %s", r.From, r.To)
		if r.From == "" {
			detail = "created as " + string(r.To)
		}
		if r.Reason != "" {
			detail += ": " + r.Reason
		}
		t.Events = append(t.Events, Event{At: r.At, Actor: r.Actor, Kind: EventStatusChanged, Ref: w.Number, Detail: detail})
	}
	labor, err := tx.LaborEntries(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range labor {
		craft := ""
		if l.Craft != "" {
			craft = " (" + l.Craft + ")"
		}
		t.Events = append(t.Events, Event{At: l.At, Actor: l.Actor, Kind: EventLaborLogged, Ref: l.ID,
			Detail: fmt.Sprintf("%s h by %s%s at %s = %s", l.Hours, l.Technician, craft, l.Rate, l.Amount)})
	}
	moves, err := tx.WorkOrderMovements(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(id string, get func() (string, error)) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		n, err := get()
		names[id] = n
		return n, err
	}
	for _, m := range moves {
		part, err := name(m.ItemID, func() (string, error) {
			it, err := tx.Item(ctx, m.ItemID)
			if err != nil {
				return "", err
			}
			return it.PartNumber, nil
		})
		if err != nil {
			return nil, err
		}
		store, err := name(m.StoreroomID, func() (string, error) {
			s, err := tx.Storeroom(ctx, m.StoreroomID)
			if err != nil {
				return "", err
			}
			return s.Code, nil
		})
		if err != nil {
			return nil, err
		}
		t.Events = append(t.Events, Event{At: m.At, Actor: m.Actor, Kind: EventPartsIssued, Ref: m.ID,
			Detail: moveDetail(m, part, store)})
	}
	msgs, err := tx.WorkOrderMessages(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		detail := fmt.Sprintf("%s, %s", m.Kind, m.Status)
		if n := len(m.MaterialLineIDs); n > 0 {
			detail = fmt.Sprintf("%s for %s, %s", m.Kind, plural(n, "material line"), m.Status)
		}
		if m.LastError != "" {
			detail += ": " + m.LastError
		}
		t.Events = append(t.Events, Event{At: m.CreatedAt, Actor: m.Message.Actor, Kind: EventMessageQueued, Ref: m.ID, Detail: detail})
		if m.DeliveredAt != nil {
			t.Events = append(t.Events, Event{At: *m.DeliveredAt, Actor: "system", Kind: EventMessageSent, Ref: m.ID,
				Detail: fmt.Sprintf("%s delivered to the ERP after %s", m.Kind, plural(m.Attempts, "attempt"))})
		}
	}
	evs, err := tx.WorkOrderEvents(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if e, ok := erpStep(ev, w.ID); ok {
			t.Events = append(t.Events, e)
		}
	}
	slices.SortStableFunc(t.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	return t, nil
}

// EventLedgerPosted is the trace kind of a ledger entry charging the work order.
const EventLedgerPosted = "ledger_entry_posted"

// erpStep turns an ERP event about work order wo into a trace event: the
// requisition's decisions, the purchase order, receipts, the invoice and
// the ledger entries, each with its document number and actor.
func erpStep(ev integration.Event, wo string) (Event, bool) {
	e := Event{At: ev.At, Actor: ev.Actor, Kind: string(ev.Kind)}
	switch ev.Kind {
	case integration.EventRequisitionCreated, integration.EventRequisitionApproved,
		integration.EventRequisitionRejected, integration.EventRequisitionCanceled:
		var p integration.RequisitionDecided
		if json.Unmarshal(ev.Payload, &p) != nil {
			return e, false
		}
		if p.Actor != "" {
			e.Actor = p.Actor
		}
		n := 0
		for _, l := range p.Lines {
			if l.WorkOrderID == wo {
				n++
			}
		}
		e.Ref, e.Detail = p.Number, fmt.Sprintf("requisition %s, %d lines for this work order: %s", p.Number, n, p.Status)
		if p.Comment != "" {
			e.Detail += " (" + p.Comment + ")"
		}
	case integration.EventPurchaseOrderCreate, integration.EventPurchaseOrderChange:
		var p integration.PurchaseOrderChanged
		if json.Unmarshal(ev.Payload, &p) != nil {
			return e, false
		}
		e.Ref, e.Detail = p.Number, fmt.Sprintf("purchase order %s to %s, %s", p.Number, p.Vendor, p.Status)
		if p.PromisedDate != "" {
			e.Detail += ", promised " + p.PromisedDate
		}
	case integration.EventGoodsReceived:
		var p integration.GoodsReceived
		if json.Unmarshal(ev.Payload, &p) != nil {
			return e, false
		}
		var v millwright.Money
		for _, l := range p.Lines {
			if l.WorkOrderID == wo {
				v = v.Add(l.Value)
			}
		}
		e.Ref, e.Detail = p.Number, fmt.Sprintf("receipt %s against %s, value %s", p.Number, p.PurchaseOrder, v)
	case integration.EventInvoicePosted, integration.EventInvoiceHeld:
		var p integration.InvoicePosted
		if json.Unmarshal(ev.Payload, &p) != nil {
			return e, false
		}
		var v millwright.Money
		for _, l := range p.Lines {
			if l.WorkOrderID == wo {
				v = v.Add(l.ActualCost)
			}
		}
		e.Ref, e.Detail = p.Number, fmt.Sprintf("invoice %s for %s, %s, actual cost %s", p.Number, p.PurchaseOrder, p.Status, v)
		if p.Reason != "" {
			e.Detail += ": " + p.Reason
		}
	case integration.EventCostPosted:
		var p integration.CostPosted
		if json.Unmarshal(ev.Payload, &p) != nil || p.WorkOrderID != wo {
			return e, false
		}
		e.Kind, e.Ref = EventLedgerPosted, p.EntryNumber
		if e.Ref == "" {
			e.Ref = p.EntryID
		}
		e.Detail = fmt.Sprintf("%s %s to cost center %s", p.Source, p.Amount, p.CostCenter)
	default:
		return e, false
	}
	return e, true
}

func moveDetail(m inventory.Movement, part, store string) string {
	q := millwright.Qty{Decimal: m.Quantity.Abs()}
	v := millwright.Money{Decimal: m.Value.Abs()}
	if m.Kind == inventory.MoveReturn {
		return fmt.Sprintf("returned %s × %s to %s, value %s", q, part, store, v)
	}
	return fmt.Sprintf("issued %s × %s from %s, cost %s", q, part, store, v)
}

// plural says n things: "1 attempt", "3 attempts".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
