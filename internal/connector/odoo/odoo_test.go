package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
	"github.com/millwright-cmms/millwright/internal/integration"
)

const testKey = "sekrit-KEY-0123456789abcdef"

// clock is a settable time shared by the fake and the connector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type rig struct {
	fake  *odoofake.Server
	srv   *httptest.Server
	clock *clock
	cfg   Config
}

func newRig(t *testing.T, mode string) *rig {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	f := odoofake.New(testKey)
	f.Now = clk.Now
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	r := &rig{fake: f, srv: srv, clock: clk, cfg: Config{URL: srv.URL, RequisitionMode: mode, DefaultVendor: "Flowserve",
		Storerooms: map[string]Storeroom{"MAIN": {Location: "WH/Stock", SiteID: "site_1"}}, CostCenters: map[string]string{"CC-100": "MNT"}}.WithAPIKey(testKey)}
	if _, err := f.Create("res.partner", map[string]any{"name": "Flowserve", "supplier_rank": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Create("res.partner", map[string]any{"name": "SKF", "supplier_rank": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Create("account.analytic.account", map[string]any{"name": "Maintenance", "code": "MNT"}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) connector(t *testing.T) *Connector {
	t.Helper()
	c, err := New(r.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Now, c.Settle = r.clock.Now, 0
	c.c.maxWait = 50 * time.Millisecond
	return c
}

func mustMessage(t *testing.T, key string, p integration.Payload) integration.Message {
	t.Helper()
	m, err := integration.NewMessage(key, "site_1", "NORTH", "planner", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustSend(t *testing.T, c *Connector, m integration.Message) []integration.Event {
	t.Helper()
	evs, err := c.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send(%s %s) = %v", m.Kind, m.IdempotencyKey, err)
	}
	return evs
}

func mustItems(t *testing.T, c *Connector) {
	t.Helper()
	for _, it := range []integration.ItemMaster{
		{ERPItemCode: "BRG-6205", Description: "Bearing 6205", Unit: "EA", StockType: "direct", Price: money(40)},
		{ERPItemCode: "FLT-10", Description: "Filter", Unit: "EA", StockType: "stock", Price: money(12.5)},
	} {
		mustSend(t, c, mustMessage(t, "item:"+it.ERPItemCode, it))
	}
}

func requisition() integration.RequisitionRequest {
	return integration.RequisitionRequest{Priority: 2, CostCenter: "CC-100", WorkOrderID: "wo_1", WorkOrderNumber: "WO-000001", Lines: []integration.RequisitionLine{
		{WorkOrderID: "wo_1", MaterialLineID: "ml_1", ERPItemCode: "BRG-6205", Quantity: qty(2), Unit: "EA", EstimatedUnitPrice: money(40)},
		{ERPItemCode: "FLT-10", Quantity: qty(5), Unit: "EA", EstimatedUnitPrice: money(12.5), Warehouse: "MAIN", Vendor: "SKF"},
	}}
}

func kinds(evs []integration.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind))
	}
	return out
}

func pollAll(t *testing.T, c *Connector, after int64) []integration.Event {
	t.Helper()
	var all []integration.Event
	for i := 0; i < 100; i++ {
		evs, err := c.Events(t.Context(), after, 3)
		if err != nil {
			t.Fatalf("Events(%d) = %v", after, err)
		}
		all = append(all, evs...)
		if len(evs) < 3 {
			return all
		}
		after = evs[len(evs)-1].Seq
	}
	t.Fatal("Events never ran out")
	return nil
}

// TestRequisitionFlow runs flow 1 with a purchase agreement: the
// connector makes it, the buyer confirms it and orders, the storekeeper
// receives, the accountant bills at another price; the events tell the
// CMMS each step, with its material line.
func TestRequisitionFlow(t *testing.T) {
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	mustItems(t, c)
	evs := mustSend(t, c, mustMessage(t, "req:1", requisition()))
	if got := kinds(evs); len(got) != 1 || got[0] != string(integration.EventRequisitionCreated) {
		t.Fatalf("Send answered %v; want requisition_created", got)
	}
	var created integration.RequisitionDecided
	_ = json.Unmarshal(evs[0].Payload, &created)
	if len(created.Lines) != 2 || created.Lines[0].MaterialLineID != "ml_1" || created.Lines[0].WorkOrderID != "wo_1" {
		t.Errorf("requisition lines %+v; want ml_1 of wo_1 first", created.Lines)
	}
	reqs := r.fake.IDs("purchase.requisition", []any{"reference", "=", "MW:req:1"})
	if len(reqs) != 1 {
		t.Fatalf("requisitions %v; want one", reqs)
	}
	r.clock.Add(time.Minute)
	r.fake.MustCall("purchase.requisition", "action_confirm", map[string]any{"ids": reqs}, nil)
	r.clock.Add(time.Minute)
	vendor := r.fake.IDs("res.partner", []any{"name", "=", "Flowserve"})[0]
	po, err := r.fake.OrderFromRequisition(reqs[0], vendor)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.fake.ConfirmOrder(po); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	if err := r.fake.Receive(po, nil); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	bearing := r.fake.IDs("product.product", []any{"default_code", "=", "BRG-6205"})[0]
	if _, err := r.fake.Bill(po, "2026-03-02", map[int]float64{bearing: 42}); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	all := pollAll(t, c, 0)
	// Each record reports its newest state: the order, changed again by
	// its bill, reports that change after the receipt.
	want := []string{"item_changed", "item_changed", "requisition_approved", "purchase_order_created",
		"goods_received", "stock_level_changed", "purchase_order_changed", "invoice_posted"}
	if got := kinds(all); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v;\nwant %v", got, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Errorf("event %d seq %d after %d", i, all[i].Seq, all[i-1].Seq)
		}
	}
	var gr integration.GoodsReceived
	_ = json.Unmarshal(all[4].Payload, &gr)
	if len(gr.Lines) != 2 || !gr.Lines[0].Direct || gr.Lines[0].MaterialLineID != "ml_1" || gr.Lines[1].Warehouse != "MAIN" || gr.SiteID != "site_1" {
		t.Errorf("goods received %+v", gr)
	}
	if gr.Lines[0].Value.String() != "80.00" {
		t.Errorf("direct receipt value %s; want 80.00 (2 at the order's 40)", gr.Lines[0].Value)
	}
	var sl integration.StockLevelChanged
	_ = json.Unmarshal(all[5].Payload, &sl)
	if sl.ERPItemCode != "FLT-10" || sl.Warehouse != "MAIN" || sl.Quantity.String() != "5" {
		t.Errorf("stock level %+v; want FLT-10 at MAIN 5", sl)
	}
	var inv integration.InvoicePosted
	_ = json.Unmarshal(all[7].Payload, &inv)
	if len(inv.Lines) != 2 || inv.Lines[0].MaterialLineID != "ml_1" || inv.Lines[0].ActualCost.String() != "84.00" || inv.Lines[0].Variance.String() != "4.00" {
		t.Errorf("invoice %+v; want ml_1 at 84.00, variance 4.00", inv.Lines)
	}
	// Odoo's cost of the work order is what it billed for its direct line.
	if b, err := c.Balances(t.Context()); err != nil || len(b.WorkOrderCosts) != 1 || b.WorkOrderCosts[0].WorkOrderID != "wo_1" || b.WorkOrderCosts[0].Amount.String() != "84.00" {
		t.Errorf("Balances = %+v, %v; want wo_1 at 84.00, its billed bearings", b, err)
	}
	// A poll from the same position answers the same events.
	if again := pollAll(t, c, 0); len(again) != len(all) || again[7].Seq != all[7].Seq {
		t.Errorf("a second poll answered %d events; want the same %d", len(again), len(all))
	}
}

// TestDraftOrderMode makes one draft order per vendor, and a retry makes
// none again.
func TestDraftOrderMode(t *testing.T) {
	r := newRig(t, ModeDraftOrder)
	c := r.connector(t)
	mustItems(t, c)
	m := mustMessage(t, "req:2", requisition())
	evs := mustSend(t, c, m)
	if got := kinds(evs); len(got) != 2 || got[0] != "requisition_created" {
		t.Fatalf("Send answered %v; want two requisition_created", got)
	}
	again := mustSend(t, c, m)
	if len(again) != 2 || again[0].Seq != evs[0].Seq {
		t.Errorf("a repeat answered %v; want the first answer again", kinds(again))
	}
	pos := r.fake.IDs("purchase.order", []any{"origin", "=", "MW:req:2"})
	if len(pos) != 2 {
		t.Fatalf("orders %v; want two (Flowserve, SKF)", pos)
	}
	r.clock.Add(time.Minute)
	if err := r.fake.ConfirmOrder(pos[0]); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	got := kinds(pollAll(t, c, 0))
	want := "item_changed item_changed requisition_created purchase_order_created purchase_order_changed"
	if strings.Join(got, " ") != want {
		t.Errorf("events %v; want %s", got, want)
	}
}

// TestExactlyOnceLostAnswer cuts the connection after Odoo made the
// document and before the answer arrives; the retry finds the document
// by its key and makes no second one.
func TestExactlyOnceLostAnswer(t *testing.T) {
	for _, mode := range []string{ModeRequisition, ModeDraftOrder} {
		t.Run(mode, func(t *testing.T) {
			r := newRig(t, mode)
			c := r.connector(t)
			mustItems(t, c)
			var dropped sync.Once
			model := map[string]string{ModeRequisition: "purchase.requisition", ModeDraftOrder: "purchase.order"}[mode]
			r.fake.SetIntercept(func(m, method string) odoofake.Fault {
				f := odoofake.Fault{}
				if m == model && method == "create" {
					dropped.Do(func() { f.DropAfterApply = true })
				}
				return f
			})
			msg := mustMessage(t, "req:lost", requisition())
			_, err := c.Send(t.Context(), msg)
			if err == nil {
				t.Fatal("Send after a lost answer = nil; want an error to retry")
			}
			if k := millwright.ErrorKind(err); k != 0 {
				t.Fatalf("lost answer is a %v error (%v); want a retryable one", k, err)
			}
			mustSend(t, c, msg)
			mustSend(t, c, msg)
			domain := []any{"reference", "=", "MW:req:lost"}
			want := 1
			if mode == ModeDraftOrder {
				domain, want = []any{"origin", "=", "MW:req:lost"}, 2
			}
			if got := len(r.fake.IDs(model, domain)); got != want {
				t.Errorf("%d %s after a lost answer and two retries; want %d", got, model, want)
			}
			t.Logf("%s: %d documents in Odoo after 1 lost answer and 2 retries", model, want)
		})
	}
}

// TestWatermarkBoundary: records sharing a write_date are split by a
// poll's limit, the connector restarts between the polls, a record
// committed with an older stamp is waited for, and nothing is lost or
// answered twice.
func TestWatermarkBoundary(t *testing.T) {
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	c.Settle = 2 * time.Second
	for _, code := range []string{"A-1", "A-2", "A-3"} {
		if _, err := r.fake.Create("product.product", map[string]any{"name": code, "default_code": code}); err != nil {
			t.Fatal(err)
		}
	}
	if evs, err := c.Events(t.Context(), 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("Events right after the change = %d, %v; want none until it settles", len(evs), err)
	}
	r.clock.Add(3 * time.Second)
	first, err := c.Events(t.Context(), 0, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("Events(0, 2) = %d, %v; want 2", len(first), err)
	}
	// Restart: a new connector resumes from the dispatcher's position.
	c2 := r.connector(t)
	c2.Settle = 2 * time.Second
	rest, err := c2.Events(t.Context(), first[1].Seq, 10)
	if err != nil || len(rest) != 1 {
		t.Fatalf("Events after the boundary = %d, %v; want the third of the same second", len(rest), err)
	}
	var it integration.ItemChanged
	_ = json.Unmarshal(rest[0].Payload, &it)
	if it.ERPItemCode != "A-3" {
		t.Errorf("after the boundary came %s; want A-3", it.ERPItemCode)
	}
	if none, _ := c2.Events(t.Context(), rest[0].Seq, 10); len(none) != 0 {
		t.Errorf("a poll past the last event answered %d; want 0", len(none))
	}
	// A record changed again comes again, after the watermark.
	r.clock.Add(time.Second)
	a1 := r.fake.IDs("product.product", []any{"default_code", "=", "A-1"})
	r.fake.MustCall("product.product", "write", map[string]any{"ids": a1, "vals": map[string]any{"name": "A-1 renamed"}}, nil)
	r.clock.Add(3 * time.Second)
	changed, _ := c2.Events(t.Context(), rest[0].Seq, 10)
	if len(changed) != 1 || changed[0].Seq <= rest[0].Seq {
		t.Fatalf("after a change: %d events; want A-1 once, after the watermark", len(changed))
	}
	t.Logf("3 records of one second polled 2+1 across a restart, 1 change after: %d events, none twice", len(first)+len(rest)+len(changed))
}

// TestChangeInTheSameSecond: the buyer confirms an agreement in the
// second the connector made it. Send answers no event for a record whose
// second is not over (its Seq would be the confirmed state's too, and the
// CMMS records one event per Seq); the poll reports it confirmed.
func TestChangeInTheSameSecond(t *testing.T) {
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	c.Settle = time.Second
	mustItems(t, c)
	if evs := mustSend(t, c, mustMessage(t, "req:same", requisition())); len(evs) != 0 {
		t.Errorf("Send answered %v for an agreement of this very second; want nothing until it settles", kinds(evs))
	}
	reqs := r.fake.IDs("purchase.requisition", []any{"reference", "=", "MW:req:same"})
	r.fake.MustCall("purchase.requisition", "action_confirm", map[string]any{"ids": reqs}, nil)
	r.clock.Add(2 * time.Second)
	var got []string
	for _, e := range pollAll(t, c, 0) {
		if e.Kind != integration.EventItemChanged {
			got = append(got, string(e.Kind))
		}
	}
	if len(got) != 1 || got[0] != string(integration.EventRequisitionApproved) {
		t.Errorf("events after the second is over: %v; want requisition_approved", got)
	}
}

// TestOtherMessages covers stock movements, labor, work-order status and
// a stock level under its reorder point.
func TestOtherMessages(t *testing.T) {
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	mustItems(t, c)
	issue := integration.StockMovement{Movement: integration.MoveIssue, ERPItemCode: "FLT-10", Warehouse: "MAIN", Quantity: qty(-2), Value: money(25),
		WorkOrderID: "wo_1", CostCenter: "CC-100"}
	m := mustMessage(t, "mv:1", issue)
	mustSend(t, c, m)
	mustSend(t, c, m)
	if n := len(r.fake.IDs("stock.picking", []any{"origin", "=", "MW:mv:1"}, []any{"state", "=", "done"})); n != 1 {
		t.Errorf("%d done transfers for the issue; want 1", n)
	}
	if n := len(r.fake.IDs("stock.quant", []any{"product_id.default_code", "=", "FLT-10"}, []any{"location_id", "=", odoofake.StockLocationID}, []any{"quantity", "=", -2})); n != 1 {
		t.Errorf("quant at WH/Stock is not -2 after issuing 2 from nothing")
	}
	labor := integration.LaborCost{WorkOrderID: "wo_1", CostCenter: "CC-100", Hours: qty(1.5), Amount: money(90), Technician: "ana"}
	mustSend(t, c, mustMessage(t, "lab:1", labor))
	mustSend(t, c, mustMessage(t, "lab:1", labor))
	if n := len(r.fake.IDs("account.analytic.line", []any{"ref", "=like", "MW:%"})); n != 2 {
		t.Errorf("%d analytic lines; want 2 (parts issue, labor)", n)
	}
	for _, st := range []string{"released", "waiting_for_parts", "completed"} {
		mustSend(t, c, mustMessage(t, "wos:"+st, integration.WorkOrderStatus{WorkOrderID: "wo_1", WorkOrderNumber: "WO-000001", Status: st}))
	}
	reqs := r.fake.IDs("maintenance.request", []any{"name", "=", "WO-000001"})
	if len(reqs) != 1 || r.fake.Get("maintenance.request", reqs[0])["kanban_state"] != "done" {
		t.Errorf("maintenance requests %v; want one, done", reqs)
	}
	level := integration.StockLevel{ERPItemCode: "FLT-10", Warehouse: "MAIN", OnHand: qty(1), ReorderPoint: qty(3), ReorderQuantity: qty(10)}
	mustSend(t, c, mustMessage(t, "lvl:1", level))
	mustSend(t, c, mustMessage(t, "lvl:2", level)) // one open already: no second
	if n := len(r.fake.IDs("purchase.requisition", []any{"reference", "=like", "MW:lvl:%"})); n != 1 {
		t.Errorf("%d replenishment requisitions; want 1", n)
	}
	for _, id := range r.fake.IDs("purchase.requisition.line", []any{"requisition_id.reference", "=like", "MW:lvl:%"}) {
		if l := r.fake.Get("purchase.requisition.line", id); l["price_unit"] != 12.5 {
			t.Errorf("replenishment priced at %v; want the product's cost, 12.5, so that its receipt has a value", l["price_unit"])
		}
	}
	r.clock.Add(time.Minute)
	b, err := c.Balances(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.WorkOrderCosts) != 1 || b.WorkOrderCosts[0].Amount.String() != "115.00" {
		t.Errorf("work-order costs %+v; want wo_1 115.00", b.WorkOrderCosts)
	}
	costs := 0
	for _, e := range pollAll(t, c, 0) {
		if e.Kind == integration.EventCostPosted {
			costs++
		}
	}
	if costs != 2 {
		t.Errorf("%d cost_posted events; want 2", costs)
	}
}

// TestErrors turns Odoo's refusals into errors that say what to fix, of
// the kind that decides whether the sender retries.
func TestErrors(t *testing.T) {
	r := newRig(t, ModeRequisition)
	c := r.connector(t)
	ctx := t.Context()
	_, err := c.Send(ctx, mustMessage(t, "req:x", requisition()))
	if millwright.ErrorKind(err) != millwright.Invalid || !strings.Contains(err.Error(), "BRG-6205") {
		t.Errorf("unknown item: %v; want Invalid naming BRG-6205", err)
	}
	bad := integration.ItemMaster{ERPItemCode: "X-1", Description: "X", Unit: "furlong"}
	if _, err := c.Send(ctx, mustMessage(t, "item:x", bad)); millwright.ErrorKind(err) != millwright.Invalid || !strings.Contains(err.Error(), "furlong") {
		t.Errorf("unknown unit: %v; want Invalid naming the unit", err)
	}
	// An Odoo rule: a requisition with no lines cannot be confirmed.
	id, _ := r.fake.Create("purchase.requisition", map[string]any{"requisition_type": "purchase_template"})
	err = c.button(ctx, "purchase.requisition", "action_confirm", id)
	if millwright.ErrorKind(err) != millwright.Rule || !strings.Contains(err.Error(), "product lines") {
		t.Errorf("Odoo UserError: %v; want Rule with Odoo's sentence", err)
	}
	// A field Odoo does not have: Odoo answers 500 ValueError, which is
	// data, not an outage.
	_, err = c.create(ctx, "purchase.order", map[string]any{"x_nope": 1})
	if millwright.ErrorKind(err) != millwright.Invalid {
		t.Errorf("unknown field: %v; want Invalid", err)
	}
	// 429 with Retry-After, then through.
	calls := 0
	r.fake.SetIntercept(func(string, string) odoofake.Fault {
		calls++
		if calls <= 2 {
			return odoofake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}
		}
		return odoofake.Fault{}
	})
	if err := c.Health(ctx); err != nil {
		t.Errorf("after two 429s: %v; want through", err)
	}
	// 503 for ever: a retryable error, the breaker opens.
	r.fake.SetIntercept(func(string, string) odoofake.Fault { return odoofake.Fault{Status: http.StatusServiceUnavailable} })
	err = c.Health(ctx)
	if err == nil || millwright.ErrorKind(err) != 0 {
		t.Errorf("Odoo down: %v; want a retryable error", err)
	}
	if err := c.Health(ctx); !errors.Is(err, integration.ErrUnavailable) {
		t.Errorf("after repeated 503s: %v; want the breaker open", err)
	}
}

// TestSecretNotLeaked: the API key appears in no error, no settings
// printout and no Send outcome, whatever fails.
func TestSecretNotLeaked(t *testing.T) {
	r := newRig(t, ModeRequisition)
	var texts []string
	wrong := r.cfg.WithAPIKey(testKey + "-wrong")
	cw, _ := New(wrong, nil)
	_, err := cw.Send(t.Context(), mustMessage(t, "i", integration.ItemMaster{ERPItemCode: "Z", Unit: "EA"}))
	if millwright.ErrorKind(err) != millwright.Unauthorized {
		t.Errorf("bad key: %v; want Unauthorized", err)
	}
	texts = append(texts, fmt.Sprint(err), fmt.Sprintf("%+v", err))
	down := r.cfg
	down.URL = "http://127.0.0.1:1"
	cd, _ := New(down.WithAPIKey(testKey), nil)
	_, err = cd.Events(t.Context(), 0, 10)
	texts = append(texts, fmt.Sprint(err), fmt.Sprint(r.cfg), fmt.Sprintf("%+v", r.cfg), fmt.Sprint(cd))
	b, _ := json.Marshal(r.cfg)
	texts = append(texts, string(b))
	for _, s := range texts {
		if strings.Contains(s, testKey) {
			t.Errorf("the API key leaked: %s", s)
		}
	}
	// The settings file never holds the key.
	cfg, err := ParseConfig([]byte(`{"url":"http://127.0.0.1:8069","api_key_env":"ODOO_KEY","storerooms":{"MAIN":{"location":"WH/Stock"}}}`),
		func(k string) string { return map[string]string{"ODOO_KEY": testKey}[k] })
	if err != nil || cfg.apiKey != testKey {
		t.Errorf("ParseConfig with api_key_env = %v", err)
	}
	if _, err := ParseConfig([]byte(`{"url":"http://x","api_key":"k","storerooms":{"M":{"location":"L"}}}`), func(string) string { return "" }); err == nil {
		t.Error("a key in the settings file was accepted; want refused")
	}
}

// TestCheck lists the gaps between the settings and Odoo.
func TestCheck(t *testing.T) {
	r := newRig(t, ModeRequisition)
	cfg := r.cfg
	cfg.Storerooms = map[string]Storeroom{"MAIN": {Location: "WH/Stock"}, "EAST": {Location: "EAST/Stock"}}
	cfg.DirectStoreroom = "MAIN"
	cfg.CostCenters = map[string]string{"CC-100": "MNT", "CC-200": "NOPE"}
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	gaps, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 2 {
		t.Fatalf("gaps %+v; want EAST/Stock and NOPE", gaps)
	}
	items, _ := c.CheckItems(t.Context(), []string{"NOPE-1"})
	if len(items) != 1 {
		t.Errorf("item gaps %+v; want NOPE-1", items)
	}
}
