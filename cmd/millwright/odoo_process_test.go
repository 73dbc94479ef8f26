package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// odooFaults is what the fake Odoo does to the calls it is given: answer
// 500s, run a create and cut the connection before the answer, or be down
// (503 to everything).
type odooFaults struct {
	mu                          sync.Mutex
	fail500, dropAfterApply     int // how many requisition creates still to fail so
	down                        bool
	failed, dropped, downAnswer int // what it did
}

func (f *odooFaults) intercept(model, method string) odoofake.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.down:
		f.downAnswer++
		return odoofake.Fault{Status: http.StatusServiceUnavailable}
	case model != "purchase.requisition" || method != "create":
	case f.fail500 > 0:
		f.fail500--
		f.failed++
		return odoofake.Fault{Status: http.StatusInternalServerError}
	case f.dropAfterApply > 0:
		f.dropAfterApply--
		f.dropped++
		return odoofake.Fault{DropAfterApply: true}
	}
	return odoofake.Fault{}
}

func (f *odooFaults) set(fn func(f *odooFaults)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// The Odoo connector at the process level: `serve --connector odoo`
// requests released work orders' parts in a fake Odoo that answers 500s,
// applies creates and loses the answers, and is down for a while; the
// CMMS is killed with SIGKILL mid-delivery, twice, and restarted on the
// same database. Odoo keeps no idempotency keys, so only the connector's
// look-up of the key it stores in the agreement's reference stands
// between a retry and a second agreement. In the end every work order has
// exactly one purchase agreement in Odoo, nothing is lost or failed, and
// every line shows requested on the CMMS.
func TestOdooProcessFaults(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			faults := &odooFaults{}
			fake := odoofake.New(odooAPIKey)
			fake.SetIntercept(faults.intercept)
			odooSrv := httptest.NewServer(fake)
			t.Cleanup(odooSrv.Close)
			settings := writeSettings(t, `{"url":"`+odooSrv.URL+`","api_key_env":"ODOO_API_KEY","storerooms":{"MAIN":{"location":"WH/Stock"}},
				"poll_interval":"200ms","settle_delay":"1s","timeout":"2s"}`)
			addr := freeAddr(t)
			base := "http://" + addr
			dsn := storetest.DSN(t, e)
			cmms := &proc{t: t, name: "cmms", log: filepath.Join(t.TempDir(), "cmms.log"), env: []string{"ODOO_API_KEY=" + odooAPIKey},
				args: []string{"serve", "--addr", addr, "--db", dsn, "--connector", "odoo", "--connector-config", settings,
					"--outbox-lease", "3s", "--reconcile-every", "0", "--pm-interval", "0"}}
			cmms.start()
			t.Cleanup(func() { cmms.stop(syscall.SIGKILL) })
			admin := caller{t, base, mustToken(t, dsn, "root", "admin")}
			planner := caller{t, base, mustToken(t, dsn, "rita", "planner")}

			// A new plant, through the API: one pump whose BOM holds one
			// direct part, mapped, which the CMMS puts in Odoo.
			site := s(admin.must(201, "POST", "/api/v1/sites", map[string]any{"code": "NORTH", "name": "North plant"})["id"])
			pump := s(admin.must(201, "POST", "/api/v1/assets", map[string]any{"tag": "P-101", "name": "Cooling water pump", "site_id": site,
				"criticality": 2, "cost_center": "CC-100", "auto_request_material": true})["id"])
			admin.must(201, "POST", "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "Main store", "site_id": site})
			seal := s(admin.must(201, "POST", "/api/v1/items", map[string]any{"part_number": "SEAL-45", "description": "Mechanical seal 45 mm",
				"unit": "EA", "stock_type": "direct", "unit_cost": "120.00", "vendor": "EagleBurgmann"})["id"])
			admin.must(200, "POST", "/api/v1/integration/mappings/items", map[string]any{"item_id": seal, "erp_item_code": "10-SEAL-45", "erp_unit": "EA", "factor": 1})
			admin.must(200, "PUT", "/api/v1/assets/"+pump+"/bom", map[string]any{"lines": []map[string]any{{"item_id": seal, "quantity": 1, "auto_request_material": true}}})
			within(t, 20*time.Second, "the mapped part in Odoo", func() string {
				if n := len(fake.IDs("product.product", []any{"default_code", "=", "10-SEAL-45"})); n != 1 {
					return fmt.Sprintf("%d products", n)
				}
				return ""
			})
			const n = 12
			var wos []string
			for i := range n {
				wo := s(planner.must(201, "POST", "/api/v1/work-orders", map[string]any{"type": "preventive", "priority": 3, "asset_id": pump,
					"title": fmt.Sprintf("Seal change %d", i)})["id"])
				planner.must(200, "POST", "/api/v1/work-orders/"+wo+"/approve", nil)
				wos = append(wos, wo)
			}
			// agreements counts Odoo's purchase agreements per work order,
			// by the work order its lines carry.
			agreements := func() (int, map[string]int) {
				per := map[string]int{}
				total := 0
				for _, wo := range wos {
					k := len(fake.IDs("purchase.requisition", []any{"line_ids.product_description_variants", "like", wo}))
					per[wo], total = k, total+k
				}
				return total, per
			}
			release := func(ids []string) {
				for _, id := range ids {
					planner.must(200, "POST", "/api/v1/work-orders/"+id+"/release", nil)
				}
			}

			// 1. 500s, then creates applied whose answers are lost; the CMMS
			// is killed once the first agreement exists.
			faults.set(func(f *odooFaults) { f.fail500, f.dropAfterApply = 3, 3 })
			release(wos[:5])
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if got, _ := agreements(); got > 0 {
					break
				}
			}
			cmms.stop(syscall.SIGKILL)
			atKill, _ := agreements()
			t.Logf("CMMS killed with 5 released: Odoo held %d of their agreements", atKill)
			cmms.start()

			// 2. Odoo is down; releases go on, into the outbox.
			faults.set(func(f *odooFaults) { f.down = true })
			release(wos[5:9])
			time.Sleep(2 * time.Second)
			t.Logf("Odoo down: %d messages pending in the CMMS", len(admin.all("/api/v1/integration/messages?status=pending")))
			faults.set(func(f *odooFaults) { f.down = false; f.dropAfterApply = 2 })

			// 3. The rest, with answers lost again, and the CMMS killed as
			// the backlog drains.
			release(wos[9:])
			time.Sleep(300 * time.Millisecond)
			cmms.stop(syscall.SIGKILL)
			mid, _ := agreements()
			t.Logf("CMMS killed again while draining: Odoo held %d of %d", mid, n)
			cmms.start()

			got, attempts, retried := deliveredOnce(t, admin, planner, wos, "purchase agreements", agreements)
			if all := len(fake.IDs("purchase.requisition")); all != n {
				t.Errorf("purchase agreements in Odoo = %d; want %d, one per work order", all, n)
			}
			faults.set(func(f *odooFaults) {
				t.Logf("%s: released %d, Odoo purchase agreements %d (one per work order); %d delivery attempts on the CMMS, %d messages sent more than once; Odoo answered %d 500s, cut %d answers after applying the create, refused %d calls while down",
					e, n, got, attempts, retried, f.failed, f.dropped, f.downAnswer)
				if f.failed == 0 || f.dropped == 0 || f.downAnswer == 0 {
					t.Errorf("faults done: %d 500s, %d answers cut, %d refused while down; want each: the faults did not happen", f.failed, f.dropped, f.downAnswer)
				}
			})
		})
	}
}
