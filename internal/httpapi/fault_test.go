package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
)

// faultyERP is the embedded ERP behind a bad network: down for a while
// from the first send, then answering every third send with a 500 before
// applying it and losing the answer of every fourth after applying it (a
// timeout), and polling events back with duplicates and each batch
// shuffled. Every fault is counted.
type faultyERP struct {
	inner *erp.ERP

	mu        sync.Mutex
	rng       *rand.Rand
	downFor   time.Duration
	downUntil time.Time
	pDup      float64 // an event comes twice
	up        int     // sends since the ERP came back

	sends, down, errs500, timeouts, dupEvents, shuffled int
}

func (f *faultyERP) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	f.mu.Lock()
	f.sends++
	if f.downUntil.IsZero() {
		f.downUntil = time.Now().Add(f.downFor)
	}
	if time.Now().Before(f.downUntil) {
		f.down++
		f.mu.Unlock()
		return nil, errors.New("dial tcp 127.0.0.1:8090: connect: connection refused")
	}
	f.up++
	switch {
	case f.up%3 == 0:
		f.errs500++
		f.mu.Unlock()
		return nil, errors.New("ERP answered 500 Internal Server Error")
	case f.up%4 == 1:
		f.timeouts++
		f.mu.Unlock()
		if _, err := f.inner.Send(ctx, m); err != nil {
			return nil, err
		}
		return nil, context.DeadlineExceeded
	}
	f.mu.Unlock()
	return f.inner.Send(ctx, m)
}

func (f *faultyERP) Events(ctx context.Context, after int64, limit int) ([]integration.Event, error) {
	evs, err := f.inner.Events(ctx, after, limit)
	if err != nil || len(evs) == 0 {
		return evs, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []integration.Event
	for _, e := range evs {
		out = append(out, e)
		if f.rng.Float64() < f.pDup {
			out = append(out, e)
			f.dupEvents++
		}
	}
	if len(out) > 1 {
		f.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		f.shuffled++
	}
	return out, nil
}

func (f *faultyERP) Balances(ctx context.Context) (*integration.Balances, error) {
	return f.inner.Balances(ctx)
}

// The whole of flow 1 for many work orders through a bad link: the ERP is
// down at first, then fails sends before and after applying them, and
// polls events back duplicated and out of order. In the end every
// requisition exists once, every line is invoiced at its actual cost, the
// work orders' costs agree with the ledger, and the ledger balances.
func TestFlowThroughFaults(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		w := newARMWorld(t, a, true)
		f := &faultyERP{inner: erp.New(a.db), rng: rand.New(rand.NewPCG(7, 11)),
			downFor: 700 * time.Millisecond, pDup: 0.3}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		d := &outbox.Dispatcher{DB: a.db, Connector: f, Interval: 30 * time.Millisecond, Backoff: 40 * time.Millisecond, MaxAttempts: 6}
		go func() { done <- d.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("dispatcher = %v", err)
			}
		}()

		const n = 12
		wos := make([]string, n)
		for i := range wos {
			wos[i] = mustWorkOrder(t, a, w.plant, map[string]any{"type": "preventive", "asset_id": w.Pump,
				"title": fmt.Sprintf("Overhaul %d", i)}).str("id")
			if r := a.do("POST", "/api/v1/work-orders/"+wos[i]+"/approve", w.planner, nil); r.Status != 200 {
				t.Fatalf("approve = %d %s", r.Status, r.Raw)
			}
			if r := a.do("POST", "/api/v1/work-orders/"+wos[i]+"/release", w.planner, nil); r.Status != 200 {
				t.Fatalf("release = %d %s", r.Status, r.Raw)
			}
		}
		replayed := 0
		// An operator replays what went dead; nothing else is done by hand.
		replayDead := func() {
			for _, m := range a.do("GET", "/api/v1/integration/messages?status=dead", w.integ, nil).items() {
				if r := a.do("POST", "/api/v1/integration/messages/"+str(m["id"])+"/replay", w.integ, nil); r.Status == 200 {
					replayed++
				}
			}
		}
		reqs := map[string]map[string]any{}
		eventually(t, "a requisition per work order", func() string {
			replayDead()
			for _, wo := range wos {
				items := a.must(200, "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil).items()
				if len(items) > 1 {
					t.Fatalf("work order %s has %d requisitions; want never more than 1", wo, len(items))
				}
				if len(items) == 0 {
					return "no requisition yet for " + wo
				}
				reqs[wo] = items[0]
			}
			return ""
		})
		for _, wo := range wos {
			req := reqs[wo]
			if r := a.do("POST", "/api/v1/erp/requisitions/"+str(req["id"])+"/approve", w.approver, map[string]any{}); r.Status != 200 {
				t.Fatalf("approve %s = %d %s", req["number"], r.Status, r.Raw)
			}
			po := a.must(200, "GET", "/api/v1/erp/purchase-orders?requisition_id="+str(req["id"]), nil).items()[0]
			po = a.must(200, "GET", "/api/v1/erp/purchase-orders/"+str(po["id"]), nil).Body
			var rec, inv []map[string]any
			for _, l := range po["lines"].([]any) {
				lm := l.(map[string]any)
				rec = append(rec, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"]})
				inv = append(inv, map[string]any{"line_id": lm["id"], "quantity": lm["quantity"], "unit_price": lm["unit_price"]})
			}
			a.must(201, "POST", "/api/v1/erp/purchase-orders/"+str(po["id"])+"/receipts", map[string]any{"lines": rec})
			if r := a.do("POST", "/api/v1/erp/invoices", w.finance, map[string]any{"purchase_order_id": po["id"], "lines": inv}); r.Status != 201 {
				t.Fatalf("invoice = %d %s", r.Status, r.Raw)
			}
		}
		eventually(t, "every line invoiced on its work order", func() string {
			replayDead()
			for _, wo := range wos {
				for part, l := range directLines(t, a, wo) {
					if l["procurement_status"] != "invoiced" {
						return fmt.Sprintf("%s %s is %v", wo, part, l["procurement_status"])
					}
				}
			}
			if p := a.must(200, "GET", "/api/v1/integration/messages?status=pending", nil).items(); len(p) > 0 {
				return fmt.Sprintf("%d messages pending", len(p))
			}
			return ""
		})
		for _, wo := range wos {
			c := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil).Body
			if got := str(field(c, "actual", "direct")); got != "1432.00" {
				t.Fatalf("%s actual direct = %s; want 1432.00 (2×250 + 4×8 + 900, invoiced at PO price)", wo, got)
			}
		}
		if tb := a.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb.Body["balanced"] != true {
			t.Fatalf("trial balance = %s; want balanced", tb.Raw)
		}
		rep := a.must(200, "POST", "/api/v1/integration/reconciliation", nil)
		for _, d := range rep.Body["differences"].([]any) {
			if d.(map[string]any)["kind"] == "work_order_cost" {
				t.Fatalf("work-order cost differs from the ledger after the faults: %v", d)
			}
		}
		total := len(a.must(200, "GET", "/api/v1/integration/messages?status=delivered&limit=500", nil).items())
		if got := len(a.must(200, "GET", "/api/v1/erp/requisitions?limit=500", nil).items()); got != n {
			t.Fatalf("requisitions in the ERP = %d; want %d, one per work order", got, n)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		t.Logf("faults: %d sends; %d while down, %d answered 500, %d applied but timed out; %d duplicate events, %d shuffled batches; %d dead messages replayed",
			f.sends, f.down, f.errs500, f.timeouts, f.dupEvents, f.shuffled, replayed)
		t.Logf("outcome: %d work orders, %d requisitions, %d messages delivered once in effect, 0 lost, ledger balanced", n, n, total)
		if f.down == 0 || f.errs500 == 0 || f.timeouts == 0 || f.dupEvents == 0 {
			t.Fatalf("the faults did not all happen (down %d, 500 %d, timeout %d, duplicates %d); the test proves nothing", f.down, f.errs500, f.timeouts, f.dupEvents)
		}
	})
}
