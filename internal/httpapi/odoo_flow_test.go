package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/odoo"
	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// The seed's four flows from an empty database with Odoo 19 in place of
// the embedded ERP: the CMMS side is made only through the CMMS's API, as
// in newplant_test.go; the Odoo side is worked as its users work it — the
// vendors, the storeroom's location and the cost center's analytic
// account exist in Odoo, a buyer confirms the agreement and the order, the
// warehouse validates the receipt, accounting posts the bill — through the
// fake's helpers, which run the same methods JSON-2 does. The dispatcher
// delivers to the Odoo connector and polls it for its events.

const odooKey = "odoo-flow-key-5f2c9a"

// odooFlow is the running pair: the CMMS's API and the fake Odoo.
type odooFlow struct {
	*api
	odoo *odoofake.Server
	conn *odoo.Connector
}

// runOdooFlow runs fn on SQLite and on PostgreSQL against a fresh fake
// Odoo where an Odoo administrator has made the vendors and the
// maintenance analytic account; the connector's settings map storeroom
// MAIN to WH/Stock and cost center CC-100 to analytic account MNT-100.
func runOdooFlow(t *testing.T, fn func(t *testing.T, f *odooFlow)) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		fake := odoofake.New(odooKey)
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		for _, v := range []string{"SKF", "EagleBurgmann", "KSB", "Filtra"} {
			if _, err := fake.Create("res.partner", map[string]any{"name": v, "supplier_rank": 1}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := fake.Create("account.analytic.account", map[string]any{"name": "Maintenance North", "code": "MNT-100"}); err != nil {
			t.Fatal(err)
		}
		cfg, err := odoo.ParseConfig([]byte(`{"url":"`+srv.URL+`","api_key_env":"ODOO_API_KEY","requisition_mode":"purchase_requisition",
			"storerooms":{"MAIN":{"location":"WH/Stock"}},"cost_centers":{"CC-100":"MNT-100"},"timeout":"5s"}`),
			func(k string) string { return map[string]string{"ODOO_API_KEY": odooKey}[k] })
		if err != nil {
			t.Fatal(err)
		}
		conn, err := odoo.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The fake stamps write_date from the wall clock to the second: a
		// second's settle delay polls only seconds that are over.
		conn.Settle = time.Second
		f := &odooFlow{api: &api{t: t, db: db}, odoo: fake, conn: conn}
		f.srv = httptest.NewServer(httpapi.New(db, quiet, httpapi.WithoutERP("odoo", srv.URL)).WithConnector(conn))
		t.Cleanup(f.srv.Close)
		f.admin = f.token("admin", millwright.Admin, "")

		d := &outbox.Dispatcher{DB: db, Connector: conn, Log: quiet, Interval: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("dispatcher Run = %v; want nil", err)
			}
		})
		fn(t, f)
	})
}

// mustOdooPlant makes the plant of mustNewPlant through the CMMS's API
// (no approval rules: approving is the buyer's in Odoo) and waits until
// Odoo has the four products and the counted stock at WH/Stock.
func mustOdooPlant(t *testing.T, f *odooFlow) *newPlant {
	t.Helper()
	p := mustCMMSPlant(t, f.api)

	eventually(t, "Odoo knows the plant's items and opening stock", func() string {
		for _, code := range erpCode {
			if ids := f.odoo.IDs("product.product", []any{"default_code", "=", code}); len(ids) != 1 {
				return fmt.Sprintf("Odoo products %s = %d; want the one the item master feed sends", code, len(ids))
			}
		}
		if q := f.quant(erpCode["FLT-10"]); q != 12 {
			return fmt.Sprintf("Odoo holds %v FLT-10 at WH/Stock; want the 12 counted", q)
		}
		return ""
	})
	if n := len(f.odoo.IDs("purchase.requisition")); n != 0 {
		t.Fatalf("purchase agreements after setting up = %d; want none (12 on hand is above the reorder point)", n)
	}
	return p
}

// quant is Odoo's quantity of an item code at WH/Stock.
func (f *odooFlow) quant(code string) float64 {
	var q float64
	for _, id := range f.odoo.IDs("stock.quant", []any{"product_id.default_code", "=", code}, []any{"location_id", "=", odoofake.StockLocationID}) {
		v, _ := f.odoo.Get("stock.quant", id)["quantity"].(float64)
		q += v
	}
	return q
}

// agreement waits for the one purchase agreement the domain finds.
func (f *odooFlow) agreement(t *testing.T, domain ...any) int {
	t.Helper()
	var id int
	eventually(t, "one purchase agreement in Odoo", func() string {
		ids := f.odoo.IDs("purchase.requisition", domain...)
		if len(ids) != 1 {
			return fmt.Sprintf("agreements %v", ids)
		}
		id = ids[0]
		return ""
	})
	return id
}

// buy is the buyer confirming agreement req and ordering all of it from
// vendor, then confirming the order; it returns the order's id and name.
func (f *odooFlow) buy(t *testing.T, req int, vendor string) (int, string) {
	t.Helper()
	f.odoo.MustCall("purchase.requisition", "action_confirm", map[string]any{"ids": []int{req}}, nil)
	v := f.odoo.IDs("res.partner", []any{"name", "=", vendor})
	po, err := f.odoo.OrderFromRequisition(req, v[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := f.odoo.ConfirmOrder(po); err != nil {
		t.Fatal(err)
	}
	name, _ := f.odoo.Get("purchase.order", po)["name"].(string)
	return po, name
}

func (f *odooFlow) product(code string) int {
	return f.odoo.IDs("product.product", []any{"default_code", "=", code})[0]
}

// reconciled runs reconciliation against Odoo's balances and wants no
// difference.
func (f *odooFlow) reconciled(t *testing.T, p *newPlant, step string) {
	t.Helper()
	drained(t, f.api)
	eventually(t, step+": reconciliation against Odoo", func() string {
		r := f.do("POST", "/api/v1/integration/reconciliation", p.integ, nil)
		if r.Status != 200 {
			t.Fatalf("reconciliation = %d %s", r.Status, r.Raw)
		}
		if r.Body["balanced"] != true {
			return fmt.Sprintf("not balanced: %s", r.Raw)
		}
		return ""
	})
}

// Flow 1 with Odoo: releasing the overhaul requests its three direct BOM
// lines as one purchase agreement carrying the message's key; the buyer
// confirms and orders it, the warehouse receives, accounting bills the
// impeller at 652.00; the lines go requested → ordered → received →
// invoiced and the work order's direct cost is what was billed.
func TestOdooFlow1PlannedMaintenance(t *testing.T) {
	runOdooFlow(t, func(t *testing.T, f *odooFlow) {
		p := mustOdooPlant(t, f)
		a := f.api
		r := a.do("POST", "/api/v1/work-orders", p.planner, map[string]any{"type": "preventive", "priority": 3, "asset_id": p.pump, "title": "Pump overhaul"})
		if r.Status != 201 {
			t.Fatalf("create work order = %d %s", r.Status, r.Raw)
		}
		wo := r.str("id")
		for _, verb := range []string{"approve", "release"} {
			if r := a.do("POST", "/api/v1/work-orders/"+wo+"/"+verb, p.planner, nil); r.Status != 200 {
				t.Fatalf("%s = %d %s", verb, r.Status, r.Raw)
			}
		}
		var keys []string
		for _, m := range a.must(200, "GET", "/api/v1/integration/messages?work_order_id="+wo, nil).items() {
			if m["kind"] == "requisition_request" {
				keys = append(keys, str(m["idempotency_key"]))
			}
		}
		if len(keys) != 1 {
			t.Fatalf("requisition messages = %v; want 1", keys)
		}
		req := f.agreement(t, []any{"reference", "=", "MW:" + keys[0]})
		if n := len(f.odoo.IDs("purchase.requisition.line", []any{"requisition_id", "=", req})); n != 3 {
			t.Fatalf("agreement lines = %d; want the three direct BOM lines", n)
		}
		step := func(what, want string, extra func(m map[string]any) string) {
			t.Helper()
			eventually(t, "the direct lines "+what, func() string {
				ls := lines(t, a, wo)
				for _, pn := range []string{"BRG-6310", "SEAL-45", "IMP-250"} {
					if s := ls[pn]["procurement_status"]; s != want {
						return fmt.Sprintf("%s is %v; want %s", pn, s, want)
					}
					if extra != nil {
						if msg := extra(ls[pn]); msg != "" {
							return pn + ": " + msg
						}
					}
				}
				return ""
			})
		}
		step("requested", "requested", nil)
		po, name := f.buy(t, req, "SKF")
		step("ordered", "ordered", func(m map[string]any) string {
			if m["purchase_order_number"] != name {
				return fmt.Sprintf("on order %v; want %s", m["purchase_order_number"], name)
			}
			return ""
		})
		if err := f.odoo.Receive(po, nil); err != nil {
			t.Fatal(err)
		}
		step("received", "received", nil)
		if d := actual(t, a, wo)["direct"]; d != "850.00" {
			t.Errorf("actual direct after the receipt = %v; want 850.00 at the order's prices", d)
		}
		if _, err := f.odoo.Bill(po, time.Now().Format("2006-01-02"), map[int]float64{f.product(erpCode["IMP-250"]): 652}); err != nil {
			t.Fatal(err)
		}
		step("invoiced", "invoiced", nil)
		if d := actual(t, a, wo)["direct"]; d != "862.00" {
			t.Errorf("actual direct after the bill = %v; want 862.00, what was billed", d)
		}
		if m := lines(t, a, wo)["IMP-250"]; m["actual_cost"] != "652.00" {
			t.Errorf("impeller actual %v; want 652.00", m["actual_cost"])
		}
		if n := len(f.odoo.IDs("purchase.requisition")); n != 1 {
			t.Errorf("agreements in Odoo = %d; want 1", n)
		}
		f.reconciled(t, p, "invoiced")
	})
}

// Flow 2 with Odoo: a technician's issue takes WH/Stock down with the
// storeroom and below the reorder point; the connector asks Odoo to
// replenish with one purchase agreement for the reorder quantity; its
// receipt raises the storeroom and Odoo's quant alike.
func TestOdooFlow2Reorder(t *testing.T) {
	runOdooFlow(t, func(t *testing.T, f *odooFlow) {
		p := mustOdooPlant(t, f)
		a := f.api
		wo := p.startedJob(t, a, 3, "Oil change")
		r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 3})
		if r.Status != 201 || str(field(r.Body, "stock", "on_hand")) != "9" {
			t.Fatalf("issue = %d %s; want 201 leaving 9", r.Status, r.Raw)
		}
		req := f.agreement(t, []any{"reference", "=like", "MW:%"})
		ls := f.odoo.IDs("purchase.requisition.line", []any{"requisition_id", "=", req})
		if len(ls) != 1 {
			t.Fatalf("replenishment lines = %d; want 1", len(ls))
		}
		if l := f.odoo.Get("purchase.requisition.line", ls[0]); l["product_qty"] != 20.0 || l["price_unit"] != 8.0 {
			t.Errorf("replenishment line %v of %v at %v; want 20 at the item's 8.00", l["product_id"], l["product_qty"], l["price_unit"])
		}
		eventually(t, "the issue in Odoo", func() string {
			if q := f.quant(erpCode["FLT-10"]); q != 9 {
				return fmt.Sprintf("Odoo holds %v; want 9", q)
			}
			return ""
		})
		// One at a time: another issue below the point asks for no second.
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 1}); r.Status != 201 {
			t.Fatalf("second issue = %d %s", r.Status, r.Raw)
		}
		drained(t, a)
		if n := len(f.odoo.IDs("purchase.requisition")); n != 1 {
			t.Fatalf("agreements = %d; want still 1 while one is open", n)
		}
		f.reconciled(t, p, "issued")
		po, _ := f.buy(t, req, "Filtra")
		if err := f.odoo.Receive(po, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the receipt in the storeroom and in Odoo", func() string {
			s := a.must(200, "GET", "/api/v1/stock?storeroom_id="+p.store+"&item_id="+p.filter, nil).items()
			if len(s) != 1 || str(s[0]["on_hand"]) != "28" || str(s[0]["value"]) != "224.00" {
				return fmt.Sprintf("storeroom stock %v; want 28 (8 + 20 received) worth 224.00", s)
			}
			if q := f.quant(erpCode["FLT-10"]); q != 28 {
				return fmt.Sprintf("Odoo holds %v; want 28", q)
			}
			return ""
		})
		f.reconciled(t, p, "received")
	})
}

// Flow 3 with Odoo: a technician's special buy in words is requested in
// Odoo at once, under the default purchasing item, with its words, price
// and vendor; received, it is charged to the work order.
func TestOdooFlow3SpecialBuy(t *testing.T) {
	runOdooFlow(t, func(t *testing.T, f *odooFlow) {
		p := mustOdooPlant(t, f)
		a := f.api
		wo := p.startedJob(t, a, 2, "Bearing noise")
		sb := a.do("POST", "/api/v1/work-orders/"+wo+"/materials", p.tech, map[string]any{"description": "Spherical roller bearing 22320 EJW33",
			"quantity": 1, "unit": "EA", "unit_cost": "185.00", "vendor": "SKF"})
		if sb.Status != 201 || sb.Body["special_buy"] != true {
			t.Fatalf("add special buy = %d %s", sb.Status, sb.Raw)
		}
		req := f.agreement(t, []any{"line_ids.product_description_variants", "like", sb.str("id")})
		ag := f.odoo.Get("purchase.requisition", req)
		if v := f.odoo.IDs("res.partner", []any{"name", "=", "SKF"}); len(v) != 1 || ag["vendor_id"] != v[0] {
			t.Errorf("agreement vendor %v; want SKF", ag["vendor_id"])
		}
		rl := f.odoo.Get("purchase.requisition.line", f.odoo.IDs("purchase.requisition.line", []any{"requisition_id", "=", req})[0])
		if d, _ := rl["product_description_variants"].(string); rl["price_unit"] != 185.0 || len(d) < 10 || d[:36] != "Spherical roller bearing 22320 EJW33" {
			t.Errorf("agreement line %q at %v; want the words at 185.00", rl["product_description_variants"], rl["price_unit"])
		}
		eventually(t, "the special buy requested", func() string {
			if s := lines(t, a, wo)["SPECIAL-BUY"]["procurement_status"]; s != "requested" {
				return fmt.Sprintf("special buy is %v", s)
			}
			return ""
		})
		po, _ := f.buy(t, req, "SKF")
		if err := f.odoo.Receive(po, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the special buy received to the work order", func() string {
			if m := lines(t, a, wo)["SPECIAL-BUY"]; m["procurement_status"] != "received" || actual(t, a, wo)["direct"] != "185.00" {
				return fmt.Sprintf("special buy %v, actual direct %v; want received, 185.00", m["procurement_status"], actual(t, a, wo)["direct"])
			}
			return ""
		})
		if _, err := f.odoo.Bill(po, time.Now().Format("2006-01-02"), nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the special buy invoiced", func() string {
			if m := lines(t, a, wo)["SPECIAL-BUY"]; m["procurement_status"] != "invoiced" {
				return fmt.Sprintf("special buy %v", m["procurement_status"])
			}
			return ""
		})
		f.reconciled(t, p, "invoiced")
	})
}

// Flow 4 with Odoo: labor and a parts issue post as analytic lines on the
// cost center's analytic account as they happen. Budgets have no Odoo
// counterpart in this connector (it reads and writes no budget), so the
// flow checks the analytic lines, and reconciliation against them.
func TestOdooFlow4CostsAsAnalyticLines(t *testing.T) {
	runOdooFlow(t, func(t *testing.T, f *odooFlow) {
		p := mustOdooPlant(t, f)
		a := f.api
		account := f.odoo.IDs("account.analytic.account", []any{"code", "=", "MNT-100"})[0]
		booked := func(step string, want float64, n int) {
			t.Helper()
			start := time.Now()
			eventually(t, step+" on the analytic account", func() string {
				ids := f.odoo.IDs("account.analytic.line", []any{"account_id", "=", account})
				var sum float64
				for _, id := range ids {
					v, _ := f.odoo.Get("account.analytic.line", id)["amount"].(float64)
					sum += v
				}
				if len(ids) != n || sum != -want {
					return fmt.Sprintf("%d lines for %.2f; want %d for %.2f", len(ids), sum, n, -want)
				}
				return ""
			})
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("%s reached Odoo after %v; want well under a second", step, took)
			}
		}
		wo := p.startedJob(t, a, 3, "Seal leak")
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/labor", p.tech, map[string]any{"technician": "tom", "craft": "mechanic", "hours": 1.5, "rate": "40.00"}); r.Status != 201 {
			t.Fatalf("labor = %d %s", r.Status, r.Raw)
		}
		booked("labor", 60, 1)
		if r := a.do("POST", "/api/v1/work-orders/"+wo+"/issues", p.tech, map[string]any{"item_id": p.filter, "storeroom_id": p.store, "quantity": 1}); r.Status != 201 {
			t.Fatalf("issue = %d %s", r.Status, r.Raw)
		}
		booked("parts issue", 68, 2)
		for _, id := range f.odoo.IDs("account.analytic.line", []any{"account_id", "=", account}) {
			if l := f.odoo.Get("account.analytic.line", id); l["code"] != wo {
				t.Errorf("analytic line %v carries %v; want the work order %s", l["name"], l["code"], wo)
			}
		}
		f.reconciled(t, p, "labor and parts")
	})
}
