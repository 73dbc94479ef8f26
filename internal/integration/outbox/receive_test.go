package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// mustRequestedLine makes a released work order with one requested direct
// line and returns the line's id.
func mustRequestedLine(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := t.Context()
	var lineID string
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		s := &asset.Site{Code: "NORTH", Name: "North", Currency: "EUR", TimeZone: "Europe/Berlin"}
		if err := tx.CreateSite(ctx, s); err != nil {
			return err
		}
		a := &asset.Asset{Tag: "P-1", Name: "Pump", SiteID: s.ID, Criticality: 3}
		if err := tx.CreateAsset(ctx, a); err != nil {
			return err
		}
		it := &inventory.Item{PartNumber: "BRG", Description: "Bearing", Unit: "EA", StockType: inventory.DirectItem, UnitCost: millwright.MustMoney("10")}
		if err := tx.CreateItem(ctx, it); err != nil {
			return err
		}
		w := &workorder.WorkOrder{Number: "WO-1", Type: workorder.Corrective, Status: workorder.Released, Priority: 3,
			SiteID: s.ID, AssetID: a.ID, Title: "Fix", CreatedBy: "pat", CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if err := tx.CreateWorkOrder(ctx, w); err != nil {
			return err
		}
		m := &workorder.Material{WorkOrderID: w.ID, ItemID: it.ID, Quantity: millwright.NewQty(2), Direct: true,
			ProcurementStatus: workorder.ProcurementRequested}
		if err := tx.CreateMaterial(ctx, m); err != nil {
			return err
		}
		lineID = m.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return lineID
}

func mustLine(t *testing.T, db *store.DB, id string) *workorder.Material {
	t.Helper()
	var l *workorder.Material
	if err := db.InTx(t.Context(), func(tx *store.Tx) (err error) {
		l, err = tx.MaterialLine(t.Context(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

func lastSeq(t *testing.T, db *store.DB) string {
	t.Helper()
	var v string
	db.View(t.Context(), func(tx *store.Tx) (err error) {
		v, err = tx.IntegrationState(t.Context(), "last_event_seq")
		return err
	})
	return v
}

// Events pushed by webhook are recorded once and applied by the
// dispatcher in order per document; one about a line not known yet waits;
// the polling position follows them while there is no gap.
func TestReceive(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		line := mustRequestedLine(t, db)
		payload := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
		po := func(seq int64, lineID string, received int) integration.Event {
			return integration.Event{Seq: seq, Kind: integration.EventPurchaseOrderChange, DocumentKey: "purchase_order:PO-1",
				Payload: payload(integration.PurchaseOrderChanged{Number: "PO-1", Lines: []integration.PurchaseOrderLine{{
					MaterialLineID: lineID, Quantity: millwright.NewQty(2), ReceivedQuantity: millwright.NewQty(int64(received)),
					UnitPrice: millwright.MustMoney("11.00")}}})}
		}
		approved := integration.Event{Seq: 1, Kind: integration.EventRequisitionApproved, DocumentKey: "requisition:REQ-1",
			Payload: payload(integration.RequisitionDecided{Number: "REQ-1", Lines: []integration.RequisitionLineRef{{MaterialLineID: line}}})}
		d := &outbox.Dispatcher{DB: db, Connector: &fakeERP{}, PollInterval: time.Hour}

		// Out of order within a batch and across batches; a repeat.
		for _, batch := range [][]integration.Event{{po(2, line, 0), approved}, {approved}, {po(5, "wom_later", 1)}} {
			if _, err := d.Receive(ctx, batch); err != nil {
				t.Fatalf("Receive = %v", err)
			}
		}
		n, err := d.Receive(ctx, []integration.Event{approved, po(2, line, 0)})
		if err != nil || n != 0 {
			t.Fatalf("Receive of seen events = %d, %v; want 0 new", n, err)
		}
		if got := lastSeq(t, db); got != "2" {
			t.Fatalf("polling position = %q; want 2 (events 1 and 2 arrived, 3 and 4 not)", got)
		}
		if l := mustLine(t, db, line); l.ProcurementStatus != workorder.ProcurementRequested {
			t.Fatalf("line is %s before the dispatcher ran; want requested: Receive only records", l.ProcurementStatus)
		}
		if err := d.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if l := mustLine(t, db, line); l.ProcurementStatus != workorder.ProcurementOrdered || l.CommittedCost.String() != "22.00" {
			t.Fatalf("line = %s, committed %s; want ordered at 22.00", l.ProcurementStatus, l.CommittedCost)
		}
		var waiting []integration.Event
		db.View(ctx, func(tx *store.Tx) (err error) {
			waiting, err = tx.WaitingEvents(ctx, 10)
			return err
		})
		if len(waiting) != 1 || waiting[0].Seq != 5 {
			t.Fatalf("waiting = %+v; want event 5, about a line not known yet", waiting)
		}

		_, err = d.Receive(ctx, []integration.Event{{Seq: 0, Kind: "x"}})
		if millwright.ErrorKind(err) != millwright.Invalid {
			t.Fatalf("Receive of an event without seq = %v; want Invalid", err)
		}
	})
}

// unavailableERP refuses every send without trying, as a connector whose
// circuit breaker is open does.
type unavailableERP struct{ fakeERP }

func (u *unavailableERP) Send(context.Context, integration.Message) ([]integration.Event, error) {
	return nil, fmt.Errorf("POST /connector/v1/messages: %w: next probe in 1s", integration.ErrUnavailable)
}

// A send the connector did not try (the ERP is known to be down) does not
// count against the message's attempts: an outage does not kill messages.
func TestDispatcherUnavailableIsNotAnAttempt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		d := &outbox.Dispatcher{DB: db, Connector: &unavailableERP{}, MaxAttempts: 2, Backoff: time.Millisecond}
		mustEnqueue(t, db, "k1", "wo_1")
		for range 10 {
			if err := d.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond)
		}
		got := mustMessages(t, db, integration.StatusPending)
		if len(got) != 1 || got[0].Attempts != 0 || got[0].LastError == "" {
			t.Fatalf("pending = %+v; want k1 with 0 attempts and the reason", got)
		}
	})
}

// The webhook and the poller record the same events at the same time (the
// ERP pushes what the poller also reads): each event is recorded once, the
// polling position ends at the last one, and neither waits for the other
// into a deadlock (on PostgreSQL each would cost a second and a retry).
func TestReceiveWhilePolling(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const n = 120
		erp := &fakeERP{}
		for seq := int64(1); seq <= n; seq++ {
			erp.events = append(erp.events, integration.Event{Seq: seq, Kind: integration.EventRequisitionApproved,
				DocumentKey: fmt.Sprintf("requisition:REQ-%d", seq%7), Payload: json.RawMessage(
					fmt.Sprintf(`{"number":"REQ-%d","lines":[{"material_line_id":"wom_unknown_%d"}]}`, seq%7, seq))})
		}
		webhook := &outbox.Dispatcher{DB: db, Connector: erp}
		poller := &outbox.Dispatcher{DB: db, Connector: erp}
		before := db.Retried()
		errs := make(chan error, 2)
		go func() {
			for i := 0; i < n; i += 3 {
				batch := erp.events[i:min(i+3, n)]
				if _, err := webhook.Receive(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			for range 20 {
				if err := poller.Step(ctx); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if err := poller.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if got := lastSeq(t, db); got != fmt.Sprint(n) {
			t.Errorf("polling position = %q; want %d", got, n)
		}
		var waiting []integration.Event
		db.View(ctx, func(tx *store.Tx) (err error) {
			waiting, err = tx.WaitingEvents(ctx, 1000)
			return err
		})
		if len(waiting) != n {
			t.Errorf("%d events recorded (waiting for their lines); want each of the %d once", len(waiting), n)
		}
		if r := db.Retried() - before; r != 0 {
			t.Errorf("%d transactions were retried after a deadlock; the webhook and the poller must take their locks in one order", r)
		}
	})
}
