package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
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

// fakeERP answers Send with err and Events with events.
type fakeERP struct {
	mu     sync.Mutex
	err    error
	sent   []string
	events []integration.Event
}

func (f *fakeERP) Send(_ context.Context, m integration.Message) ([]integration.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m.IdempotencyKey)
	return nil, f.err
}

func (f *fakeERP) Events(_ context.Context, after int64, limit int) ([]integration.Event, error) {
	var out []integration.Event
	for _, e := range f.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func mustEnqueue(t *testing.T, db *store.DB, key, wo string) {
	t.Helper()
	m, err := integration.NewMessage(key, "site_1", "NORTH", "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: wo})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.Enqueue(t.Context(), m, wo) }); err != nil {
		t.Fatal(err)
	}
}

func mustMessages(t *testing.T, db *store.DB, status string) []integration.OutboxMessage {
	t.Helper()
	var p millwright.Page[integration.OutboxMessage]
	if err := db.View(t.Context(), func(tx *store.Tx) (err error) {
		p, err = tx.OutboxMessages(t.Context(), integration.MessageFilter{Status: status})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// A message the ERP cannot take now is retried with a growing delay and is
// dead after MaxAttempts; one it refuses as it is fails at once.
func TestDispatcherRetriesThenDead(t *testing.T) {
	tests := []struct {
		name         string
		err          error
		wantStatus   string
		wantAttempts int
	}{
		{"unreachable", errors.New("connection refused"), integration.StatusDead, 3},
		{"refused", millwright.Errorf(millwright.Rule, "unknown_item", "item X is unknown"), integration.StatusFailed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				erp := &fakeERP{err: tt.err}
				d := &outbox.Dispatcher{DB: db, Connector: erp, MaxAttempts: 3, Backoff: time.Millisecond}
				mustEnqueue(t, db, "k1", "wo_1")
				for range 20 {
					if err := d.Step(t.Context()); err != nil {
						t.Fatal(err)
					}
					time.Sleep(5 * time.Millisecond)
				}
				got := mustMessages(t, db, tt.wantStatus)
				if len(got) != 1 || got[0].Attempts != tt.wantAttempts || got[0].LastError == "" {
					t.Fatalf("%s messages = %+v; want k1 after %d attempts with its last error", tt.wantStatus, got, tt.wantAttempts)
				}
				if len(erp.sent) != tt.wantAttempts {
					t.Fatalf("sent %d times; want %d", len(erp.sent), tt.wantAttempts)
				}
			})
		})
	}
}

// Messages of one work order go out in order: the second waits while the
// first is being retried.
func TestDispatcherOrderPerWorkOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		erp := &fakeERP{err: errors.New("timeout")}
		d := &outbox.Dispatcher{DB: db, Connector: erp, Backoff: time.Hour}
		mustEnqueue(t, db, "a1", "wo_a")
		mustEnqueue(t, db, "a2", "wo_a")
		mustEnqueue(t, db, "b1", "wo_b")
		if err := d.Step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(slices.Values(erp.sent)); !slices.Equal(got, []string{"a1", "b1"}) {
			t.Fatalf("sent = %v; want a1 and b1: a2 waits behind a1", got)
		}
		erp.err = nil
		if err := d.Step(t.Context()); err != nil { // a1 is not due for an hour
			t.Fatal(err)
		}
		if len(erp.sent) != 2 {
			t.Fatalf("sent = %v; want nothing more while a1 backs off", erp.sent)
		}
	})
}

// Events are recorded once; one about a line not known yet waits, and so
// does every later event of its document; others apply, an unreadable one
// with its reason.
func TestDispatcherEventsOnceAndWaiting(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		payload := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
		erp := &fakeERP{events: []integration.Event{
			{Seq: 1, Kind: integration.EventRequisitionApproved, DocumentKey: "requisition:REQ-1",
				Payload: payload(integration.RequisitionDecided{Number: "REQ-1", Lines: []integration.RequisitionLineRef{{MaterialLineID: "wom_unknown"}}})},
			{Seq: 2, Kind: integration.EventRequisitionCanceled, DocumentKey: "requisition:REQ-1",
				Payload: payload(integration.RequisitionDecided{Number: "REQ-1"})},
			{Seq: 3, Kind: integration.EventItemChanged, DocumentKey: "item:X", Payload: payload(integration.ItemChanged{ERPItemCode: "X"})},
			// Unreadable: kept with its reason, it holds nothing up.
			{Seq: 4, Kind: integration.EventGoodsReceived, DocumentKey: "purchase_order:PO-9", Payload: json.RawMessage(`"x"`)},
			// Kept as applied at once: the CMMS takes no action on them.
			{Seq: 5, Kind: integration.EventCostPosted, DocumentKey: "work_order:wo_1", Payload: payload(integration.CostPosted{WorkOrderID: "wo_1"})},
			{Seq: 6, Kind: integration.EventBudgetAlert, DocumentKey: "budget:CC:2026-03", Payload: json.RawMessage(`{}`)},
		}}
		d := &outbox.Dispatcher{DB: db, Connector: erp}
		for range 2 { // the second step polls again and sees nothing new
			if err := d.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		var waiting []integration.Event
		db.View(t.Context(), func(tx *store.Tx) (err error) {
			waiting, err = tx.WaitingEvents(t.Context(), 10)
			return err
		})
		if len(waiting) != 2 || waiting[0].Seq != 1 || waiting[1].Seq != 2 {
			t.Fatalf("waiting = %+v; want events 1 (unknown line) and 2 (behind it)", waiting)
		}
		for _, ev := range erp.events[2:] {
			var fresh bool
			db.InTx(t.Context(), func(tx *store.Tx) (err error) {
				fresh, err = tx.RecordEvent(t.Context(), ev)
				return err
			})
			if fresh {
				t.Fatalf("RecordEvent of seen event %d = fresh; want a duplicate ignored", ev.Seq)
			}
		}
		// An answer recorded again (a delivery's, polled before) is left
		// as it was, its work order's link too.
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			tx.RecordAppliedEvent(erp.events[4])
			return nil
		}); err != nil {
			t.Fatalf("recording event 5 again = %v; want it ignored", err)
		}
		var about []integration.Event
		db.View(t.Context(), func(tx *store.Tx) (err error) {
			about, err = tx.WorkOrderEvents(t.Context(), "wo_1")
			return err
		})
		if len(about) != 1 || about[0].Seq != 5 {
			t.Fatalf("events about wo_1 = %+v; want event 5 once", about)
		}
	})
}

// slowERP counts deliveries per key and notes any key sent twice at once.
type slowERP struct {
	mu       sync.Mutex
	inFlight map[string]bool
	sends    map[string]int
	overlap  []string
}

func (s *slowERP) Send(_ context.Context, m integration.Message) ([]integration.Event, error) {
	s.mu.Lock()
	if s.inFlight[m.IdempotencyKey] {
		s.overlap = append(s.overlap, m.IdempotencyKey)
	}
	s.inFlight[m.IdempotencyKey] = true
	s.sends[m.IdempotencyKey]++
	s.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	s.mu.Lock()
	delete(s.inFlight, m.IdempotencyKey)
	s.mu.Unlock()
	return nil, nil
}

func (s *slowERP) Events(context.Context, int64, int) ([]integration.Event, error) { return nil, nil }

// slowBatchERP is slowERP taking a claim in one call, in order, and
// noting the order each work order's messages were applied in.
type slowBatchERP struct {
	*slowERP
	order map[string][]int
}

func (s *slowBatchERP) SendBatch(ctx context.Context, ms []integration.Message, skip func(int, []error) bool) ([][]integration.Event, []error) {
	errs := make([]error, len(ms))
	for i, m := range ms {
		if skip(i, errs[:i]) {
			errs[i] = integration.ErrNotTried
			continue
		}
		s.Send(ctx, m)
		var p integration.WorkOrderStatus
		m.Decode(&p)
		n, _ := strconv.Atoi(m.IdempotencyKey[1:])
		s.mu.Lock()
		s.order[p.WorkOrderID] = append(s.order[p.WorkOrderID], n)
		s.mu.Unlock()
	}
	return make([][]integration.Event, len(ms)), errs
}

// Two dispatchers over one database share the work: every message is
// delivered, none is sent twice, and none by both at once; with a sender
// that takes runs of a work order, each work order's go in order.
func TestDispatchersShareTheWork(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(map[bool]string{false: "one by one", true: "in batches"}[batch], func(t *testing.T) { shareTheWork(t, batch) })
	}
}

func shareTheWork(t *testing.T, batch bool) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const n = 40
		for i := range n {
			mustEnqueue(t, db, "k"+strconv.Itoa(i), "wo_"+strconv.Itoa(i%7))
		}
		erp := &slowERP{inFlight: map[string]bool{}, sends: map[string]int{}}
		var conn integration.Connector = erp
		batched := &slowBatchERP{slowERP: erp, order: map[string][]int{}}
		if batch {
			conn = batched
		}
		var wg sync.WaitGroup
		for range 2 {
			d := &outbox.Dispatcher{DB: db, Connector: conn}
			wg.Go(func() {
				for range 30 {
					if err := d.Step(t.Context()); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		sharedOnce(t, db, n, erp, batched.order)
	})
}

// sharedOnce checks what dispatchers that shared n messages leave: every
// message delivered, sent once and never by two at once, and each work
// order's applied in the order they were written in.
func sharedOnce(t *testing.T, db *store.DB, n int, erp *slowERP, order map[string][]int) {
	t.Helper()
	if got := len(mustMessages(t, db, integration.StatusDelivered)); got != n {
		t.Fatalf("delivered = %d; want %d", got, n)
	}
	for k, c := range erp.sends {
		if c != 1 {
			t.Errorf("%s sent %d times; want 1", k, c)
		}
	}
	if len(erp.overlap) > 0 {
		t.Fatalf("sent twice at once: %v", erp.overlap)
	}
	for wo, got := range order {
		if !slices.IsSorted(got) {
			t.Errorf("%s's messages applied in the order %v; want the order they were written in", wo, got)
		}
	}
}

// An event about a line the CMMS does not know yet waits and is applied
// on a later step, once the line exists.
func TestDispatcherWaitingEventAppliedLater(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
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
		b, _ := json.Marshal(integration.PurchaseOrderChanged{Number: "PO-1", PromisedDate: "2026-12-01",
			Lines: []integration.PurchaseOrderLine{{MaterialLineID: "wom_later", Quantity: millwright.NewQty(2), UnitPrice: millwright.MustMoney("11.00")}}})
		erp := &fakeERP{events: []integration.Event{{Seq: 1, Kind: integration.EventPurchaseOrderCreate, DocumentKey: "purchase_order:PO-1", Payload: b}}}
		d := &outbox.Dispatcher{DB: db, Connector: erp}
		if err := d.Step(ctx); err != nil {
			t.Fatal(err)
		}
		// The line becomes known under the id the event names.
		if err := db.Exec(ctx, "UPDATE wo_materials SET id = 'wom_later' WHERE id = '"+lineID+"'"); err != nil {
			t.Fatal(err)
		}
		if err := d.Step(ctx); err != nil {
			t.Fatal(err)
		}
		var l *workorder.Material
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			l, err = tx.MaterialLine(ctx, "wom_later")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if l == nil || l.ProcurementStatus != workorder.ProcurementOrdered || l.PurchaseOrderNumber != "PO-1" ||
			l.CommittedCost.String() != "22.00" || l.PromisedDate != "2026-12-01" {
			t.Fatalf("line = %+v; want ordered on PO-1, promised 2026-12-01, committed 22.00", l)
		}
	})
}

// The dispatcher wakes when a message commits: with an hour between
// ticks, a new message is still delivered at once.
func TestDispatcherWakesOnCommit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		erp := &fakeERP{}
		d := &outbox.Dispatcher{DB: db, Connector: erp, Interval: time.Hour}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v; want nil", err)
			}
		}()
		time.Sleep(50 * time.Millisecond) // past the first step
		start := time.Now()
		mustEnqueue(t, db, "k1", "wo_1")
		for len(mustMessages(t, db, integration.StatusDelivered)) == 0 {
			if time.Since(start) > 10*time.Second {
				t.Fatal("message not delivered 10 s after its commit (the ticker is hourly); want at once")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// gateERP holds every Send until want are in flight at once (or a second
// has passed), and notes the most in flight and any work order with two.
type gateERP struct {
	want    int
	mu      sync.Mutex
	cond    *sync.Cond
	now     int
	most    int
	byWO    map[string]int
	overlap []string
	order   []string
}

func newGateERP(want int) *gateERP {
	g := &gateERP{want: want, byWO: map[string]int{}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gateERP) Send(_ context.Context, m integration.Message) ([]integration.Event, error) {
	var p integration.WorkOrderStatus
	m.Decode(&p)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now++
	g.most = max(g.most, g.now)
	g.order = append(g.order, m.IdempotencyKey)
	if g.byWO[p.WorkOrderID]++; g.byWO[p.WorkOrderID] > 1 {
		g.overlap = append(g.overlap, p.WorkOrderID)
	}
	g.cond.Broadcast()
	deadline := time.Now().Add(time.Second)
	for g.now < g.want && time.Now().Before(deadline) {
		go func() { time.Sleep(10 * time.Millisecond); g.cond.Broadcast() }()
		g.cond.Wait()
	}
	g.now--
	g.byWO[p.WorkOrderID]--
	return nil, nil
}

func (g *gateERP) Events(context.Context, int64, int) ([]integration.Event, error) { return nil, nil }

// The messages of different work orders are sent at the same time, up to
// Concurrency and no more; two of one work order never, and in order.
func TestDispatcherSendsAtOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for i := range 24 {
			mustEnqueue(t, db, fmt.Sprintf("k%02d", i), "wo_"+strconv.Itoa(i%12)) // two per work order
		}
		erp := newGateERP(6)
		d := &outbox.Dispatcher{DB: db, Connector: erp, Concurrency: 6}
		for range 4 {
			if err := d.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(mustMessages(t, db, integration.StatusDelivered)); got != 24 {
			t.Fatalf("delivered = %d; want 24", got)
		}
		if erp.most != 6 {
			t.Errorf("at most %d messages in flight; want 6, the Concurrency", erp.most)
		}
		if len(erp.overlap) > 0 {
			t.Errorf("two messages of one work order in flight at once: %v", erp.overlap)
		}
		for i := range 12 { // k(i) before k(i+12), its work order's second
			a, b := slices.Index(erp.order, fmt.Sprintf("k%02d", i)), slices.Index(erp.order, fmt.Sprintf("k%02d", i+12))
			if a < 0 || b < 0 || a > b {
				t.Errorf("wo_%d's messages sent in the order %d, %d; want the first first", i, a, b)
			}
		}
	})
}

// A requisition has its own lane: queued behind 200 labor postings of
// other work orders, it goes out in the first claim.
func TestDispatcherRequisitionLane(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for i := range 200 {
			mustEnqueue(t, db, "labor"+strconv.Itoa(i), "wo_busy"+strconv.Itoa(i))
		}
		m, err := integration.NewMessage("req-1", "site_1", "NORTH", "pat", time.Now(), integration.RequisitionRequest{Priority: 2, WorkOrderID: "wo_new"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.Enqueue(t.Context(), m, "wo_new") }); err != nil {
			t.Fatal(err)
		}
		var claimed []integration.OutboxMessage
		if err := db.InTx(t.Context(), func(tx *store.Tx) (err error) {
			claimed, err = tx.ClaimMessages(t.Context(), 50, time.Minute)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 50 || claimed[0].IdempotencyKey != "req-1" {
			first := ""
			if len(claimed) > 0 {
				first = claimed[0].IdempotencyKey
			}
			t.Fatalf("first claim = %d messages starting with %q; want 50 starting with the requisition req-1", len(claimed), first)
		}
	})
}

// batchERP applies a claim in one call, in order, asking skip before each
// message as the embedded ERP does; it refuses the keys in refuse with a
// passing fault.
type batchERP struct {
	fakeERP
	calls   int
	refuse  map[string]bool
	applied []string
}

func (b *batchERP) SendBatch(_ context.Context, ms []integration.Message, skip func(int, []error) bool) ([][]integration.Event, []error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	events, errs := make([][]integration.Event, len(ms)), make([]error, len(ms))
	for i, m := range ms {
		switch {
		case skip(i, errs[:i]):
			errs[i] = integration.ErrNotTried
		case b.refuse[m.IdempotencyKey]:
			errs[i] = errors.New("connection reset")
		default:
			b.applied = append(b.applied, m.IdempotencyKey)
		}
	}
	return events, errs
}

// A sender that takes a claim in one call gets several messages of a work
// order at once, in order; when one of them fails, the later ones are not
// tried (and their attempt does not count), and the other work orders'
// go through. The failed one and its followers go later, in order.
func TestDispatcherBatchRuns(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for _, k := range []string{"a1", "b1", "a2", "b2", "a3"} {
			mustEnqueue(t, db, k, "wo_"+k[:1])
		}
		erp := &batchERP{refuse: map[string]bool{"a2": true}}
		d := &outbox.Dispatcher{DB: db, Connector: erp, Backoff: 200 * time.Millisecond}
		if err := d.Step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if erp.calls != 1 || !slices.Equal(erp.applied, []string{"a1", "b1", "b2"}) {
			t.Fatalf("after one step: %d calls applying %v; want one call applying a1, b1, b2", erp.calls, erp.applied)
		}
		pending := map[string]int{}
		for _, m := range mustMessages(t, db, integration.StatusPending) {
			pending[m.IdempotencyKey] = m.Attempts
		}
		if len(pending) != 2 || pending["a2"] != 1 || pending["a3"] != 0 {
			t.Fatalf("pending after the step = %v; want a2 after 1 attempt and a3 not tried", pending)
		}
		erp.mu.Lock()
		erp.refuse = nil
		erp.mu.Unlock()
		time.Sleep(400 * time.Millisecond) // a2's backoff, with its jitter
		if err := d.Step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(erp.applied, []string{"a1", "b1", "b2", "a2", "a3"}) {
			t.Fatalf("applied = %v; want a2 then a3 after the others", erp.applied)
		}
		if got := len(mustMessages(t, db, integration.StatusDelivered)); got != 5 {
			t.Fatalf("delivered = %d; want 5", got)
		}
	})
}

// stallERP takes a while over each message: longer than the lease.
type stallERP struct {
	fakeERP
	stall time.Duration
}

func (s *stallERP) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	time.Sleep(s.stall)
	return s.fakeERP.Send(ctx, m)
}

// A send that takes longer than the lease keeps its claim, renewed while
// it runs, so a second dispatcher does not send the message again; the
// claim of a dispatcher that stopped answering runs out within one lease
// and the message goes again.
func TestLeaseRenewedWhileSending(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const lease = 300 * time.Millisecond
		mustEnqueue(t, db, "slow", "wo_1")
		slow := &stallERP{stall: 4 * lease}
		first := &outbox.Dispatcher{DB: db, Connector: slow, Lease: lease}
		other := &fakeERP{}
		second := &outbox.Dispatcher{DB: db, Connector: other, Lease: lease}
		done := make(chan error, 1)
		go func() { done <- first.Step(t.Context()) }()
		for ms := mustMessages(t, db, integration.StatusPending); len(ms) == 1 && ms[0].Attempts == 0; ms = mustMessages(t, db, integration.StatusPending) {
			time.Sleep(time.Millisecond) // until the first has claimed it
		}
		deadline := time.Now().Add(3 * lease)
		for time.Now().Before(deadline) {
			if err := second.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(lease / 6)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(other.sent) != 0 || len(slow.sent) != 1 {
			t.Fatalf("sent by the second dispatcher %v, by the slow one %v; want only the slow one, once", other.sent, slow.sent)
		}
		if got := len(mustMessages(t, db, integration.StatusDelivered)); got != 1 {
			t.Fatalf("delivered = %d; want 1", got)
		}

		// A dispatcher that claims and dies: its claim runs out.
		mustEnqueue(t, db, "orphan", "wo_2")
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.ClaimMessages(t.Context(), 10, lease)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := second.Step(t.Context()); err != nil || len(other.sent) != 0 {
			t.Fatalf("within the lease: sent %v (%v); want nothing yet", other.sent, err)
		}
		time.Sleep(lease + 50*time.Millisecond)
		if err := second.Step(t.Context()); err != nil || !slices.Equal(other.sent, []string{"orphan"}) {
			t.Fatalf("after the lease: sent %v (%v); want the orphan", other.sent, err)
		}
	})
}
