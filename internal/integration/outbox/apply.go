package outbox

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// apply records each polled event once and applies it, or leaves it
// waiting, and moves the polling position past it: a page of events in
// one transaction (most of them, answers to deliveries, are recorded
// already and only move the position). (The events a Send returns are
// applied with the delivery, in deliver.)
func (d *Dispatcher) apply(ctx context.Context, events []integration.Event) error {
	if len(events) == 0 {
		return nil
	}
	return d.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := advance(ctx, tx, lastSeq(events)); err != nil {
			return err
		}
		for _, ev := range events {
			if err := recordAndApply(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// inert are the kinds of event the CMMS keeps but takes no action on
// (applyEvent has no case for them), each about a document of its own
// kind (a work order's costs, a budget): they are kept as applied at once,
// without the look for an earlier waiting event of their document and the
// second write that marks them applied. A labor posting's answer is one.
var inert = map[integration.EventKind]bool{integration.EventCostPosted: true, integration.EventBudgetAlert: true}

// recordAndApply keeps ev once and applies it unless it was kept before.
func recordAndApply(ctx context.Context, tx *store.Tx, ev integration.Event) error {
	if inert[ev.Kind] {
		tx.RecordAppliedEvent(ev)
		return nil
	}
	fresh, err := tx.RecordEvent(ctx, ev)
	if err != nil || !fresh {
		return err
	}
	return applyOne(ctx, tx, ev)
}

// lastSeq is the highest sequence number of events.
func lastSeq(events []integration.Event) int64 {
	return slices.MaxFunc(events, func(a, b integration.Event) int { return cmp.Compare(a.Seq, b.Seq) }).Seq
}

// applyWaiting applies the events that wait, in sequence order, where
// they now can be.
func (d *Dispatcher) applyWaiting(ctx context.Context) error {
	var waiting []integration.Event
	if err := d.DB.View(ctx, func(tx *store.Tx) (err error) {
		waiting, err = tx.WaitingEvents(ctx, 500)
		return err
	}); err != nil || len(waiting) == 0 {
		return err
	}
	d.polling.Lock() // see Dispatcher.polling
	defer d.polling.Unlock()
	for _, ev := range waiting {
		if err := d.DB.InTx(ctx, func(tx *store.Tx) error {
			// Listed before this transaction: it may have been applied
			// since, with a delivery's answer or by another process.
			if waits, err := tx.StillWaiting(ctx, ev.Seq); err != nil || !waits {
				return err
			}
			return applyOne(ctx, tx, ev)
		}); err != nil {
			return err
		}
	}
	return nil
}

// advance moves the polling position past seq.
func advance(ctx context.Context, tx *store.Tx, seq int64) error {
	v, err := tx.LockIntegrationState(ctx, lastSeqKey)
	if err != nil {
		return err
	}
	if cur, _ := strconv.ParseInt(v, 10, 64); v != "" && cur >= seq {
		return nil
	}
	return tx.SetIntegrationState(ctx, lastSeqKey, strconv.FormatInt(seq, 10))
}

// applyOne applies a recorded event unless an earlier event of its
// document still waits or it names a line not known yet: then it waits.
func applyOne(ctx context.Context, tx *store.Tx, ev integration.Event) error {
	earlier, err := tx.EarlierWaiting(ctx, ev.DocumentKey, ev.Seq)
	if err != nil || earlier {
		return err
	}
	var note string
	if ev.Kind == integration.EventItemChanged {
		note, err = applyItemChanged(ctx, tx, ev)
	} else {
		err = applyEvent(ctx, tx, ev)
	}
	switch millwright.ErrorKind(err) {
	case millwright.NotFound:
		return nil // waits for the line
	case millwright.Invalid:
		// An event that cannot be read will never apply: it is kept, with
		// the reason, rather than stop every event after it.
		return tx.MarkEventApplied(ctx, ev.Seq, err.Error())
	}
	if err != nil {
		return err
	}
	return tx.MarkEventApplied(ctx, ev.Seq, note)
}

// rank orders procurement statuses, so a late or repeated event never
// moves a line back.
var rank = map[string]int{
	workorder.ProcurementNone: 0, workorder.ProcurementBlocked: 1, workorder.ProcurementRequested: 2,
	workorder.ProcurementApproved: 3, workorder.ProcurementOrdered: 4, workorder.ProcurementReceived: 5,
	workorder.ProcurementInvoiced: 6,
}

func forward(l *workorder.Material, s string) {
	if rank[s] > rank[l.ProcurementStatus] || l.ProcurementStatus == workorder.ProcurementBlocked {
		l.ProcurementStatus = s
		if s != workorder.ProcurementBlocked {
			l.BlockedReason = ""
		}
	}
}

// applyEvent updates the material lines an event is about. A NotFound
// error means a line is not known yet.
func applyEvent(ctx context.Context, tx *store.Tx, ev integration.Event) error {
	switch ev.Kind {
	case integration.EventRequisitionCreated, integration.EventRequisitionApproved,
		integration.EventRequisitionRejected, integration.EventRequisitionCanceled:
		var p integration.RequisitionDecided
		if err := decode(ev, &p); err != nil {
			return err
		}
		for _, rl := range p.Lines {
			if err := setLine(ctx, tx, rl.MaterialLineID, string(ev.Kind), func(l *workorder.Material) {
				switch ev.Kind {
				case integration.EventRequisitionCreated:
					forward(l, workorder.ProcurementRequested)
				case integration.EventRequisitionApproved:
					forward(l, workorder.ProcurementApproved)
				case integration.EventRequisitionRejected:
					l.ProcurementStatus = workorder.ProcurementBlocked
					l.BlockedReason = "requisition " + p.Number + " was rejected by " + p.Actor + ": " + p.Comment
				default:
					l.ProcurementStatus = workorder.ProcurementBlocked
					l.BlockedReason = "requisition " + p.Number + " was cancelled by " + p.Actor
				}
			}); err != nil {
				return err
			}
		}
	case integration.EventPurchaseOrderCreate, integration.EventPurchaseOrderChange:
		var p integration.PurchaseOrderChanged
		if err := decode(ev, &p); err != nil {
			return err
		}
		for _, pl := range p.Lines {
			if err := setLine(ctx, tx, pl.MaterialLineID, string(ev.Kind), func(l *workorder.Material) {
				forward(l, workorder.ProcurementOrdered)
				l.PurchaseOrderNumber, l.PromisedDate = p.Number, p.PromisedDate
				if l.ProcurementStatus != workorder.ProcurementInvoiced {
					l.CommittedCost = pl.UnitPrice.Times(pl.Quantity.Sub(pl.ReceivedQuantity))
				}
			}); err != nil {
				return err
			}
		}
	case integration.EventGoodsReceived:
		var p integration.GoodsReceived
		if err := decode(ev, &p); err != nil {
			return err
		}
		for _, rl := range p.Lines {
			if !rl.Direct {
				continue
			}
			if err := setLine(ctx, tx, rl.MaterialLineID, string(ev.Kind), func(l *workorder.Material) {
				if l.ProcurementStatus == workorder.ProcurementInvoiced {
					// The invoice came first (events of two documents may
					// cross): its actual cost already counts this receipt.
					return
				}
				forward(l, workorder.ProcurementReceived)
				l.ActualCost = l.ActualCost.Add(rl.Value)
				l.CommittedCost = l.CommittedCost.Sub(rl.Value)
				if l.CommittedCost.IsNegative() {
					l.CommittedCost = millwright.Money{}
				}
			}); err != nil {
				return err
			}
		}
		// Stock lines last: a direct line not known yet makes the event
		// wait before anything of it is booked.
		for _, rl := range p.Lines {
			if !rl.Direct {
				if err := receiveStock(ctx, tx, ev, p, rl); err != nil {
					return err
				}
			}
		}
	case integration.EventStockLevelChanged:
		var p integration.StockLevelChanged
		if err := decode(ev, &p); err != nil {
			return err
		}
		return syncStock(ctx, tx, ev, p)
	case integration.EventInvoicePosted:
		var p integration.InvoicePosted
		if err := decode(ev, &p); err != nil {
			return err
		}
		for _, il := range p.Lines {
			if err := setLine(ctx, tx, il.MaterialLineID, string(ev.Kind), func(l *workorder.Material) {
				forward(l, workorder.ProcurementInvoiced)
				l.ActualCost, l.CommittedCost = il.ActualCost, millwright.Money{}
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

func decode(ev integration.Event, p any) error {
	if err := json.Unmarshal(ev.Payload, p); err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_event", "ERP event %d (%s) cannot be read: %v", ev.Seq, ev.Kind, err)
	}
	return nil
}

// setLine changes the material line with id (none: a line of no work
// order, such as a reorder) and writes the audit entry.
func setLine(ctx context.Context, tx *store.Tx, id, action string, change func(*workorder.Material)) error {
	if id == "" {
		return nil
	}
	l, err := tx.MaterialLine(ctx, id)
	if err != nil {
		return err
	}
	before := *l
	change(l)
	if *l == before {
		return nil
	}
	if err := tx.SaveMaterial(ctx, l); err != nil {
		return err
	}
	return tx.Audit(ctx, "work_order", l.WorkOrderID, action, before, l)
}
