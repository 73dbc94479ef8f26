package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/millwright-cmms/millwright/internal/store"
)

// client calls one Millwright API (the CMMS's, or the ERP process's).
type client struct {
	base   string
	tokens map[string]string
}

// call sends body as user and decodes the answer into out (when not nil);
// an answer other than want is an error.
func (c client) call(user, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.tokens[user])
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != want {
		return fmt.Errorf("%s %s = %d %s", method, path, r.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type object = map[string]any

type list struct {
	Items []object `json:"items"`
}

// flowBench drives DOMAIN.md flow 1 through the API: a preventive work
// order on P-101, whose BOM has three direct lines with Auto Request
// Material, from release to the invoiced cost back on the work order. The
// CMMS side goes through its API; the ERP side is erp.
type flowBench struct {
	cmms    client
	erp     erpSide
	assetID string
	// wait bounds how long a flow's invoices may take to show on the work
	// order once the ERP's users are done.
	wait time.Duration
	// where names the ERP in the output.
	where string
}

// erpSide is the ERP as its users see it: where a requisition shows, and
// how they take it through to the invoice.
type erpSide interface {
	// requisition waits until the ERP shows the requisition of work
	// order wo and returns it.
	requisition(wo string, timeout time.Duration) (any, error)
	// buy approves req, orders it, receives the order and invoices it.
	buy(req any) error
}

func newFlowBench(cmms client, erp erpSide) (*flowBench, error) {
	var assets list
	if err := cmms.call("ada", "GET", "/api/v1/assets?q=P-101&limit=50", nil, 200, &assets); err != nil {
		return nil, err
	}
	for _, a := range assets.Items {
		if a["tag"] == "P-101" {
			return &flowBench{cmms: cmms, erp: erp, assetID: a["id"].(string), wait: 30 * time.Second, where: "ERP"}, nil
		}
	}
	return nil, fmt.Errorf("the demo has no asset P-101")
}

// approved creates a work order and approves it, ready for release.
func (f *flowBench) approved(i int) (string, error) {
	var wo object
	if err := f.cmms.call("paula", "POST", "/api/v1/work-orders", object{"type": "preventive", "priority": 2,
		"asset_id": f.assetID, "title": fmt.Sprintf("bench overhaul %d", i)}, 201, &wo); err != nil {
		return "", err
	}
	id := wo["id"].(string)
	return id, f.cmms.call("paula", "POST", "/api/v1/work-orders/"+id+"/approve", nil, 200, nil)
}

// releaseToRequisition releases an approved work order and returns how
// long the ERP took to show its requisition.
func (f *flowBench) releaseToRequisition(wo string) (time.Duration, any, error) {
	start := time.Now()
	if err := f.cmms.call("paula", "POST", "/api/v1/work-orders/"+wo+"/release", nil, 200, nil); err != nil {
		return 0, nil, err
	}
	req, err := f.erp.requisition(wo, 30*time.Second)
	return time.Since(start), req, err
}

// finish has the ERP's users take a requisition through approval,
// receipt and invoice, and waits for the invoiced cost on the work order.
func (f *flowBench) finish(wo string, req any) error {
	if err := f.erp.buy(req); err != nil {
		return err
	}
	deadline := time.Now().Add(f.wait)
	for {
		var mats list
		if err := f.cmms.call("paula", "GET", "/api/v1/work-orders/"+wo+"/materials", nil, 200, &mats); err != nil {
			return err
		}
		done := true
		for _, m := range mats.Items {
			if m["direct"] == true && m["procurement_status"] != "invoiced" {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("work order %s not invoiced after %s", wo, f.wait)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// embeddedERP is Millwright's own ERP, worked through its API
// (/api/v1/erp/), in the CMMS's process or in its own.
type embeddedERP struct{ client }

func (e embeddedERP) requisition(wo string, timeout time.Duration) (any, error) {
	deadline := time.Now().Add(timeout)
	for {
		var reqs list
		if err := e.call("alan", "GET", "/api/v1/erp/requisitions?work_order_id="+wo, nil, 200, &reqs); err != nil {
			return nil, err
		}
		if len(reqs.Items) > 0 {
			return reqs.Items[0], nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no requisition for %s after %s", wo, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func (e embeddedERP) buy(r any) error {
	req := r.(object)
	if err := e.call("alan", "POST", "/api/v1/erp/requisitions/"+req["id"].(string)+"/approve", object{}, 200, nil); err != nil {
		return err
	}
	var pos list
	if err := e.call("bea", "GET", "/api/v1/erp/purchase-orders?requisition_id="+req["id"].(string), nil, 200, &pos); err != nil {
		return err
	}
	if len(pos.Items) == 0 {
		return fmt.Errorf("requisition %v has no purchase order after approval", req["number"])
	}
	for _, p := range pos.Items { // one per vendor
		var po object
		if err := e.call("bea", "GET", "/api/v1/erp/purchase-orders/"+p["id"].(string), nil, 200, &po); err != nil {
			return err
		}
		var rec, inv []object
		for _, l := range po["lines"].([]any) {
			lm := l.(object)
			rec = append(rec, object{"line_id": lm["id"], "quantity": lm["quantity"]})
			inv = append(inv, object{"line_id": lm["id"], "quantity": lm["quantity"], "unit_price": lm["unit_price"]})
		}
		if err := e.call("sam", "POST", "/api/v1/erp/purchase-orders/"+po["id"].(string)+"/receipts", object{"lines": rec}, 201, nil); err != nil {
			return err
		}
		if err := e.call("fiona", "POST", "/api/v1/erp/invoices", object{"purchase_order_id": po["id"], "lines": inv}, 201, nil); err != nil {
			return err
		}
	}
	return nil
}

// background logs labor on a work order under way from n clients until
// stop is closed, at most rate entries per second in all, and counts them.
func background(c client, wo string, n int, rate int, stop <-chan struct{}) (*atomic.Int64, *sync.WaitGroup) {
	var count atomic.Int64
	var wg sync.WaitGroup
	if rate <= 0 {
		return &count, &wg
	}
	interval := time.Duration(n) * time.Second / time.Duration(rate)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if err := c.call("ada", "POST", "/api/v1/work-orders/"+wo+"/labor",
					object{"technician": "bench", "craft": "mechanic", "hours": 0.25, "rate": "40.00"}, 201, nil); err != nil {
					fmt.Fprintln(os.Stderr, "bench: background load:", err)
					os.Exit(1)
				}
				count.Add(1)
			}
		}()
	}
	return &count, &wg
}

// measureFlows prints the release-to-requisition latency under a steady
// background load, and the full flow's throughput with k flows at a time.
func measureFlows(ctx context.Context, label string, cmms client, erp erpSide, busyWO string, d time.Duration, k, loadRate int) error {
	f, err := newFlowBench(cmms, erp)
	if err != nil {
		return err
	}
	return f.measure(label, busyWO, d, k, loadRate)
}

// measure is measureFlows with the bench made.
func (f *flowBench) measure(label string, busyWO string, d time.Duration, k, loadRate int) error {
	stop := make(chan struct{})
	count, wg := background(f.cmms, busyWO, 4, loadRate, stop)
	var lats []time.Duration
	start := time.Now()
	for i := 0; time.Since(start) < d || len(lats) < 20; i++ {
		wo, err := f.approved(i)
		if err != nil {
			close(stop)
			return err
		}
		lat, _, err := f.releaseToRequisition(wo)
		if err != nil {
			close(stop)
			return err
		}
		lats = append(lats, lat)
	}
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	slices.Sort(lats)
	pct := func(p float64) time.Duration { return lats[int(float64(len(lats)-1)*p)] }
	result{rate: float64(len(lats)) / elapsed.Seconds(), p50: pct(0.5), p95: pct(0.95), p99: pct(0.99)}.
		printAs(label, "release → requisition in "+f.where)
	fmt.Printf("%-17s %-28s %10.0f   (labor entries/s beside it, each with its outbox message)\n", label, "  background load",
		float64(count.Load())/elapsed.Seconds())

	// Full flows, k at a time.
	var (
		mu    sync.Mutex
		flows []time.Duration
		ferr  error
		group sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start = time.Now()
	for g := range k {
		group.Add(1)
		go func() {
			defer group.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				t := time.Now()
				wo, err := f.approved(1_000_000 + g*10_000 + i)
				var req any
				if err == nil {
					_, req, err = f.releaseToRequisition(wo)
				}
				if err == nil {
					err = f.finish(wo, req)
				}
				mu.Lock()
				if err != nil {
					ferr = err
					mu.Unlock()
					return
				}
				flows = append(flows, time.Since(t))
				mu.Unlock()
			}
		}()
	}
	group.Wait()
	if ferr != nil {
		return ferr
	}
	elapsed = time.Since(start)
	slices.Sort(flows)
	pf := func(p float64) time.Duration { return flows[int(float64(len(flows)-1)*p)] }
	result{rate: float64(len(flows)) / elapsed.Seconds(), p50: pf(0.5), p95: pf(0.95), p99: pf(0.99)}.
		printAs(label, fmt.Sprintf("full flow 1 (%d at a time)", k))
	return nil
}

// drain waits until the outbox of db holds no message waiting to go out,
// and prints how many there were and how fast the dispatcher sent them:
// the flows are measured from an empty outbox, not behind the backlog of
// the labor-entry measurement (each entry posts its labor cost).
func drain(ctx context.Context, label string, db *store.DB, timeout time.Duration) error {
	waiting := func() (int, error) {
		var s store.IntegrationStats
		err := db.View(ctx, func(tx *store.Tx) (err error) {
			s, err = tx.IntegrationStats(ctx, "", time.Now())
			return err
		})
		return s.Pending, err
	}
	start := time.Now()
	first, err := waiting()
	if err != nil {
		return err
	}
	for n := first; n > 0; {
		if time.Since(start) > timeout {
			return fmt.Errorf("%d of %d outbox messages still waiting after %s", n, first, timeout)
		}
		time.Sleep(50 * time.Millisecond)
		if n, err = waiting(); err != nil {
			return err
		}
	}
	if first > 0 {
		el := time.Since(start)
		fmt.Printf("%-17s %-28s %10.1f   (%d messages, the labor entries' postings, sent in %s)\n", label, "outbox drain (msg/s)",
			float64(first)/el.Seconds(), first, el.Round(time.Millisecond))
	}
	return nil
}
