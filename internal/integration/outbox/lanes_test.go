package outbox_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// Two running dispatchers with several lanes each, as two `serve`
// processes on one database, share a backlog of many work orders: every
// message is delivered once, none by two lanes at once, and each work
// order's in the order they were written.
func TestRunningLanesShareTheWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const n = 90 // one page of the message list
		for i := range n {
			mustEnqueue(t, db, "k"+strconv.Itoa(i), "wo_"+strconv.Itoa(i%11))
		}
		erp := &slowBatchERP{slowERP: &slowERP{inFlight: map[string]bool{}, sends: map[string]int{}}, order: map[string][]int{}}
		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 2 {
			d := &outbox.Dispatcher{DB: db, Connector: erp, Workers: 3, Interval: 20 * time.Millisecond}
			wg.Go(func() { d.Run(ctx) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(mustMessages(t, db, integration.StatusDelivered)) < n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		wg.Wait()
		sharedOnce(t, db, n, erp.slowERP, erp.order)
	})
}

// heldERP holds every batch without a requisition until released, as a
// slow claim of labor postings in flight.
type heldERP struct {
	batchERP
	release chan struct{}
	held    chan struct{} // closed when the first held batch arrives
	once    sync.Once
}

func (h *heldERP) SendBatch(ctx context.Context, ms []integration.Message, skip func(int, []error) bool) ([][]integration.Event, []error) {
	if ms[0].Kind != integration.KindRequisitionRequest {
		h.once.Do(func() { close(h.held) })
		select {
		case <-h.release:
		case <-ctx.Done():
		}
	}
	return h.batchERP.SendBatch(ctx, ms, skip)
}

// A release's requisition does not wait for a claim of labor postings in
// flight: its lane delivers it while the claim is still being sent.
func TestRequisitionPassesAClaimInFlight(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for i := range 20 {
			mustEnqueue(t, db, "labor"+strconv.Itoa(i), "wo_busy")
		}
		erp := &heldERP{release: make(chan struct{}), held: make(chan struct{})}
		ctx, stop := context.WithCancel(t.Context())
		defer stop()
		d := &outbox.Dispatcher{DB: db, Connector: erp}
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		defer func() { stop(); close(erp.release); <-done }()
		select {
		case <-erp.held:
		case <-time.After(10 * time.Second):
			t.Fatal("the labor postings were not claimed within 10 s")
		}
		m, err := integration.NewMessage("req-1", "site_1", "NORTH", "pat", time.Now(), integration.RequisitionRequest{Priority: 1, WorkOrderID: "wo_new"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.Enqueue(ctx, m, "wo_new") }); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			delivered := mustMessages(t, db, integration.StatusDelivered)
			if len(delivered) > 0 {
				if len(delivered) != 1 || delivered[0].IdempotencyKey != "req-1" {
					t.Fatalf("delivered while the labor claim is held: %v; want only req-1", keys(delivered))
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the requisition waited more than 10 s behind a claim of labor postings in flight")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func keys(ms []integration.OutboxMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.IdempotencyKey
	}
	return out
}
