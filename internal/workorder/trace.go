package workorder

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
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
		detail := fmt.Sprintf("%s for %d material lines, %s", m.Kind, len(m.MaterialLineIDs), m.Status)
		if m.LastError != "" {
			detail += ": " + m.LastError
		}
		t.Events = append(t.Events, Event{At: m.CreatedAt, Actor: m.Message.Actor, Kind: EventMessageQueued, Ref: m.ID, Detail: detail})
		if m.DeliveredAt != nil {
			t.Events = append(t.Events, Event{At: *m.DeliveredAt, Actor: "system", Kind: EventMessageSent, Ref: m.ID,
				Detail: fmt.Sprintf("%s delivered to the ERP after %d attempts", m.Kind, m.Attempts)})
		}
	}
	slices.SortStableFunc(t.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	return t, nil
}

func moveDetail(m inventory.Movement, part, store string) string {
	q := millwright.Qty{Decimal: m.Quantity.Abs()}
	v := millwright.Money{Decimal: m.Value.Abs()}
	if m.Kind == inventory.MoveReturn {
		return fmt.Sprintf("returned %s × %s to %s, value %s", q, part, store, v)
	}
	return fmt.Sprintf("issued %s × %s from %s, cost %s", q, part, store, v)
}
