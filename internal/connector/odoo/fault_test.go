package odoo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// dupPoller polls Odoo two events at a time and answers the page before
// again with each new one: records sharing a write_date are split across
// polls, and every event at the boundary comes twice.
type dupPoller struct {
	*Connector
	mu    sync.Mutex
	last  []integration.Event
	polls int
}

func (d *dupPoller) Events(ctx context.Context, after int64, _ int) ([]integration.Event, error) {
	evs, err := d.Connector.Events(ctx, after, 2)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.polls++
	out := append(append([]integration.Event(nil), d.last...), evs...)
	d.last = evs
	return out, nil
}

// TestFaults delivers requisitions to Odoo through the dispatcher while
// Odoo is down for a while, answers 500s, loses the answer to creates it
// applied, and the dispatcher dies in the middle of a delivery (its
// successor takes the message over when the lease runs out); then the
// buyer confirms every agreement in one second and the events are polled
// two at a time, each page answered twice. Every agreement is once in
// Odoo, every message delivered, every event recorded once.
func TestFaults(t *testing.T) {
	const n = 6
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	c.Settle = time.Second
	db := storetest.Open(t, store.SQLite)
	ctx := millwright.WithPrincipal(t.Context(), millwright.System)
	enqueue := func(key string, p integration.Payload) {
		t.Helper()
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.Enqueue(ctx, mustMessage(t, key, p), "") }); err != nil {
			t.Fatal(err)
		}
	}
	poller := &dupPoller{Connector: c}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func(lease time.Duration) (stop func()) {
		d := &outbox.Dispatcher{DB: db, Connector: poller, Log: quiet, Interval: 20 * time.Millisecond, Backoff: 20 * time.Millisecond, Lease: lease, MaxAttempts: 100}
		runCtx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(runCtx) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("dispatcher Run = %v", err)
			}
		}
	}
	delivered := func(what string, want int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var page millwright.Page[integration.OutboxMessage]
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				page, err = tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusDelivered, Limit: 100})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == want {
				return
			}
			if time.Now().After(deadline) {
				var all millwright.Page[integration.OutboxMessage]
				_ = db.View(ctx, func(tx *store.Tx) (err error) {
					all, err = tx.OutboxMessages(ctx, integration.MessageFilter{Limit: 100})
					return err
				})
				for _, m := range all.Items {
					if m.Status != integration.StatusDelivered {
						t.Logf("%s %s: %s after %d attempts: %s", m.Kind, m.IdempotencyKey, m.Status, m.Attempts, m.LastError)
					}
				}
				t.Fatalf("%s: %d messages delivered; want %d", what, len(page.Items), want)
			}
		}
	}
	for i := range n {
		code := fmt.Sprintf("P-%d", i)
		enqueue("item:"+code, integration.ItemMaster{ERPItemCode: code, Description: "Part " + code, Unit: "EA", StockType: "direct", Price: money(10)})
	}
	// A claim is the dispatcher's for a second: a successor takes over
	// the message a dead one held after that.
	stop := run(time.Second)
	delivered("item masters", n)

	// The faults, in the order they strike.
	var mu sync.Mutex
	down := true
	creates, failed, lost, killed := 0, 0, 0, false
	var kill func()
	var killOnce sync.Once
	r.fake.SetIntercept(func(model, method string) odoofake.Fault {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return odoofake.Fault{Status: http.StatusServiceUnavailable}
		}
		if model != "purchase.requisition" || method != "create" {
			return odoofake.Fault{}
		}
		creates++
		switch {
		case creates == 2:
			killed = true
			killOnce.Do(func() { go kill() }) // the CMMS dies while Odoo applies the create
			return odoofake.Fault{DropAfterApply: true}
		case creates%3 == 0:
			failed++
			return odoofake.Fault{Status: http.StatusInternalServerError}
		case creates%4 == 0:
			lost++
			return odoofake.Fault{DropAfterApply: true}
		}
		return odoofake.Fault{}
	})
	kill = stop
	for i := range n {
		enqueue(fmt.Sprintf("req:%d", i), integration.RequisitionRequest{Priority: 3, CostCenter: "CC-100", WorkOrderID: fmt.Sprintf("wo_%d", i),
			Lines: []integration.RequisitionLine{{WorkOrderID: fmt.Sprintf("wo_%d", i), MaterialLineID: fmt.Sprintf("ml_%d", i),
				ERPItemCode: fmt.Sprintf("P-%d", i), Quantity: qty(1), Unit: "EA", EstimatedUnitPrice: money(10)}}})
	}
	time.Sleep(300 * time.Millisecond) // Odoo down: the breaker opens
	mu.Lock()
	down = false
	mu.Unlock()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		k := killed
		mu.Unlock()
		if k {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no requisition was created within 20 s of Odoo coming back")
		}
	}
	// A new CMMS process: the dead one's claim runs out after its lease.
	time.Sleep(100 * time.Millisecond)
	stop = run(time.Second)
	defer func() { stop() }()
	delivered("requisitions", 2*n)

	// The buyer confirms every agreement within one second.
	for _, id := range r.fake.IDs("purchase.requisition") {
		r.fake.MustCall("purchase.requisition", "action_confirm", map[string]any{"ids": []int{id}}, nil)
	}
	r.clock.Add(2 * time.Second)
	counts := map[string]int{}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		clear(counts)
		if err := db.View(ctx, func(tx *store.Tx) error {
			for i := range n {
				evs, err := tx.WorkOrderEvents(ctx, fmt.Sprintf("wo_%d", i))
				if err != nil {
					return err
				}
				for _, ev := range evs {
					counts[string(ev.Kind)]++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if counts[string(integration.EventRequisitionApproved)] >= n || time.Now().After(deadline) {
			break
		}
	}
	for i := range n {
		if got := len(r.fake.IDs("purchase.requisition", []any{"reference", "=", fmt.Sprintf("MW:req:%d", i)})); got != 1 {
			t.Errorf("agreements of req:%d in Odoo = %d; want 1", i, got)
		}
	}
	// Each agreement was made and confirmed in one second: its one
	// settled state, approved, is recorded once.
	if counts[string(integration.EventRequisitionCreated)] != 0 || counts[string(integration.EventRequisitionApproved)] != n {
		t.Errorf("events recorded %v; want %d requisition_approved, each once", counts, n)
	}
	poller.mu.Lock()
	polls := poller.polls
	poller.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("Odoo down 300 ms; %d creates asked, %d answered 500, %d answers lost after the create, 1 dispatcher killed mid-delivery; "+
		"%d polls, each page answered twice: %d agreements in Odoo, %d messages delivered, events %v",
		creates, failed, lost+1, polls, len(r.fake.IDs("purchase.requisition")), 2*n, counts)
}
