package erp_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// TestLedgerInvariants drives long random sequences of requisition
// requests, approvals and rejections, partial and full receipts, invoices
// within and beyond tolerance, stock levels and movements, and labor, and
// after every step checks that the trial balance sums to zero, that stock
// value equals the inventory account, that each work order's charged cost
// equals its ledger lines on expense accounts, and that no requisition line
// is ordered twice. SQLite runs more and longer sequences than PostgreSQL,
// to keep the package fast; -rapid.checks overrides both.
func TestLedgerInvariants(t *testing.T) {
	explicit := flagSet("rapid.checks")
	for _, eng := range []struct {
		engine   store.Engine
		checks   int
		maxSteps int
	}{{store.SQLite, 10, 150}, {store.Postgres, 4, 60}} {
		if raceDetector {
			eng.checks, eng.maxSteps = max(eng.checks/4, 2), eng.maxSteps*2/3
		}
		t.Run(string(eng.engine), func(t *testing.T) {
			if !explicit {
				old := flag.Lookup("rapid.checks").Value.String()
				flag.Set("rapid.checks", fmt.Sprint(eng.checks))
				defer flag.Set("rapid.checks", old)
			}
			fresh := freshDBs(t, eng.engine)
			rapid.Check(t, func(rt *rapid.T) {
				db, done := fresh(rt)
				defer done()
				m := newModel(rt, db)
				steps := rapid.IntRange(eng.maxSteps/2, eng.maxSteps).Draw(rt, "steps")
				for i := range steps {
					action := rapid.SampledFrom(m.actionNames()).Draw(rt, fmt.Sprintf("action%d", i))
					m.actions[action](rt)
					m.check(rt, action)
				}
			})
		})
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// freshDBs returns a function that opens a new, migrated, empty database
// for each check and a function that drops it. On PostgreSQL one
// administrative connection serves every check, so a long run does not
// use up the server's connections.
func freshDBs(t *testing.T, e store.Engine) func(rt *rapid.T) (*store.DB, func()) {
	ctx := context.Background()
	open := func(rt *rapid.T, dsn string) *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			rt.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			rt.Fatal(err)
		}
		return db
	}
	if e == store.SQLite {
		dir := t.TempDir()
		n := 0
		return func(rt *rapid.T) (*store.DB, func()) {
			n++
			path := filepath.Join(dir, fmt.Sprintf("erp%d.db", n))
			db := open(rt, "sqlite:"+path)
			return db, func() {
				db.Close()
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(path + suffix)
				}
			}
		}
	}
	dsn := storetest.DSN(t, store.Postgres) // skips, saying how to start it, when PostgreSQL is down
	base, _, _ := strings.Cut(dsn, "&search_path=")
	base, _, _ = strings.Cut(base, "?search_path=")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	admin.SetMaxOpenConns(1)
	t.Cleanup(func() { admin.Close() })
	return func(rt *rapid.T) (*store.DB, func()) {
		schema := strings.ToLower(strings.ReplaceAll(millwright.NewID("prop"), "_", ""))
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			rt.Fatal(err)
		}
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		db := open(rt, base+sep+"search_path="+schema)
		return db, func() {
			db.Close()
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		}
	}
}

// model is what the test knows independently of the ledger.
type model struct {
	db      *store.DB
	e       *erp.ERP
	ctx     context.Context
	seq     int
	sent    []integration.Message
	charged map[string]millwright.Money // work order → cost the ERP charged it
	posted  map[string]millwright.Money // work order → sum of its cost_posted events
	lastSeq int64                       // the last event summed into posted
	actions map[string]func(*rapid.T)
}

var (
	stockItems  = []string{"FLT-10", "BELT-A40"}
	directItems = []string{"BRG-6205", "SEAL-12", "PMP-IMP"}
	workOrders  = []struct{ id, cc, asset string }{{"wo_1", "CC-PUMPS", "ast_p1"}, {"wo_2", "CC-PUMPS", "ast_p2"}, {"wo_3", "CC-FANS", "ast_f1"}}
	prices      = map[string]string{"FLT-10": "8.40", "BELT-A40": "23.15", "BRG-6205": "40.00", "SEAL-12": "12.35", "PMP-IMP": "317.90"}
	vendors     = map[string]string{"FLT-10": "Filtra", "BELT-A40": "Gates", "BRG-6205": "SKF", "SEAL-12": "SKF", "PMP-IMP": "Grundfos"}
)

func newModel(t *rapid.T, db *store.DB) *model {
	m := &model{db: db, e: erp.New(db), ctx: context.Background(), charged: map[string]millwright.Money{}, posted: map[string]millwright.Money{}}
	for code, price := range prices {
		st := procurement.DirectItem
		for _, s := range stockItems {
			if s == code {
				st = procurement.StockItem
			}
		}
		m.send(t, integration.ItemMaster{ERPItemCode: code, Description: code, Unit: "EA", StockType: st, Vendor: vendors[code], Price: millwright.MustMoney(price)}, "system")
	}
	// Emergencies take the fast path; small amounts are approved
	// automatically; the rest go through approver then finance.
	p1 := 1
	small := millwright.MustMoney("150")
	rules := []approval.Rule{
		{MaxPriority: &p1, FastPath: true},
		{MaxAmount: &small, AutoApprove: true},
		{MinAmount: &small, Steps: []millwright.Role{millwright.Approver, millwright.Finance}},
	}
	if err := db.InTx(m.ctx, func(tx *store.Tx) error {
		for i := range rules {
			if err := rules[i].Normalize(); err != nil {
				return err
			}
			if err := tx.SaveERPRule(m.ctx, &rules[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m.actions = map[string]func(*rapid.T){
		"request":   m.request,
		"repeat":    m.repeat,
		"approve":   m.approve,
		"reject":    m.reject,
		"receive":   m.receive,
		"invoice":   m.invoice,
		"level":     m.level,
		"issue":     m.issue,
		"return":    m.giveBack,
		"labor":     m.labor,
		"sod":       m.sod,
		"overship":  m.overship,
		"reversal":  m.reverse,
		"adjust_up": m.adjustUp,
	}
	return m
}

func (m *model) actionNames() []string {
	return []string{"request", "request", "repeat", "approve", "approve", "reject", "receive", "receive", "invoice", "invoice",
		"level", "issue", "return", "labor", "sod", "overship", "reversal", "adjust_up"}
}

func (m *model) send(t *rapid.T, p integration.Payload, actor string) ([]integration.Event, error) {
	m.seq++
	msg, err := integration.NewMessage(fmt.Sprintf("msg-%d", m.seq), "site_north", "NORTH", actor, m.db.Clock(), p)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := m.e.Send(m.ctx, msg)
	if err == nil {
		m.sent = append(m.sent, msg)
	}
	return evs, err
}

func (m *model) in(name string, role millwright.Role, fn func(ctx context.Context, tx *erp.Tx) error) error {
	ctx := as(m.ctx, name, role)
	return m.db.InTx(ctx, func(stx *store.Tx) error { return fn(ctx, erp.Wrap(stx)) })
}

func (m *model) request(t *rapid.T) {
	wo := rapid.SampledFrom(workOrders).Draw(t, "wo")
	n := rapid.IntRange(1, 3).Draw(t, "lines")
	p := integration.RequisitionRequest{Priority: rapid.IntRange(1, 4).Draw(t, "priority"), CostCenter: wo.cc,
		WorkOrderID: wo.id, AssetID: wo.asset}
	for i := range n {
		code := rapid.SampledFrom(append(append([]string{}, stockItems...), directItems...)).Draw(t, "item")
		p.Lines = append(p.Lines, integration.RequisitionLine{WorkOrderID: wo.id, MaterialLineID: fmt.Sprintf("mat_%d_%d", m.seq, i),
			ERPItemCode: code, Quantity: millwright.NewQty(int64(rapid.IntRange(1, 6).Draw(t, "qty"))), Unit: "EA"})
	}
	if _, err := m.send(t, p, "planner1"); err != nil {
		t.Fatalf("request: %v", err)
	}
}

// repeat sends an earlier message again: nothing may change.
func (m *model) repeat(t *rapid.T) {
	if len(m.sent) == 0 {
		return
	}
	msg := rapid.SampledFrom(m.sent).Draw(t, "message")
	before := m.eventCount(t)
	if _, err := m.e.Send(m.ctx, msg); err != nil {
		t.Fatalf("repeat of %s: %v", msg.IdempotencyKey, err)
	}
	if after := m.eventCount(t); after != before {
		t.Fatalf("repeat of %s emitted %d events; want none", msg.IdempotencyKey, after-before)
	}
}

func (m *model) eventCount(t *rapid.T) int { return len(m.events(t)) }

// events reads the whole event log, a page at a time.
func (m *model) events(t *rapid.T) []integration.Event {
	var all []integration.Event
	for {
		var after int64
		if len(all) > 0 {
			after = all[len(all)-1].Seq
		}
		evs, err := m.e.Events(m.ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs...)
		if len(evs) < 1000 {
			return all
		}
	}
}

func (m *model) requisitions(t *rapid.T, status string) []procurement.Requisition {
	var p millwright.Page[procurement.Requisition]
	if err := m.db.View(m.ctx, func(tx *store.Tx) (err error) {
		p, err = tx.ERPRequisitions(m.ctx, store.ERPRequisitionFilter{Status: status, Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func (m *model) approve(t *rapid.T) {
	reqs := m.requisitions(t, procurement.Submitted)
	if len(reqs) == 0 {
		return
	}
	r := rapid.SampledFrom(reqs).Draw(t, "requisition")
	role := r.Steps[r.Step-1]
	if err := m.in(fmt.Sprintf("%s-%d", role, r.Step), role, func(ctx context.Context, tx *erp.Tx) error {
		_, err := procurement.Decide(ctx, tx, r.ID, true, "ok")
		return err
	}); err != nil {
		t.Fatalf("approve %s: %v", r.Number, err)
	}
}

func (m *model) reject(t *rapid.T) {
	reqs := m.requisitions(t, procurement.Submitted)
	if len(reqs) == 0 {
		return
	}
	r := rapid.SampledFrom(reqs).Draw(t, "requisition")
	if err := m.in("rita", millwright.Admin, func(ctx context.Context, tx *erp.Tx) error {
		_, err := procurement.Decide(ctx, tx, r.ID, false, "not now")
		return err
	}); err != nil {
		t.Fatalf("reject %s: %v", r.Number, err)
	}
}

// sod has the requester try to approve: always refused.
func (m *model) sod(t *rapid.T) {
	reqs := m.requisitions(t, procurement.Submitted)
	if len(reqs) == 0 {
		return
	}
	r := rapid.SampledFrom(reqs).Draw(t, "requisition")
	err := m.in(r.RequestedBy, millwright.Admin, func(ctx context.Context, tx *erp.Tx) error {
		_, err := procurement.Decide(ctx, tx, r.ID, true, "")
		return err
	})
	if millwright.ErrorCode(err) != "sod_violation" {
		t.Fatalf("requester approving %s = %v; want sod_violation", r.Number, err)
	}
}

type openLine struct {
	po   procurement.PurchaseOrder
	line procurement.OrderLine
}

func (m *model) orderLines(t *rapid.T, keep func(procurement.OrderLine) bool) []openLine {
	var p millwright.Page[procurement.PurchaseOrder]
	if err := m.db.View(m.ctx, func(tx *store.Tx) (err error) {
		p, err = tx.ERPPurchaseOrders(m.ctx, store.ERPPurchaseOrderFilter{Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var out []openLine
	for _, po := range p.Items {
		for _, l := range po.Lines {
			if keep(l) {
				out = append(out, openLine{po, l})
			}
		}
	}
	return out
}

func (m *model) receive(t *rapid.T) {
	lines := m.orderLines(t, func(l procurement.OrderLine) bool { return l.ReceivedQuantity.LessThan(l.Quantity.Decimal) })
	if len(lines) == 0 {
		return
	}
	ol := rapid.SampledFrom(lines).Draw(t, "line")
	open := ol.line.Quantity.Sub(ol.line.ReceivedQuantity).IntPart()
	q := millwright.NewQty(int64(rapid.IntRange(1, int(open)).Draw(t, "qty")))
	if err := m.in("sam", millwright.Storekeeper, func(ctx context.Context, tx *erp.Tx) error {
		_, _, err := procurement.Receive(ctx, tx, ol.po.ID, []procurement.ReceiptLineIn{{LineID: ol.line.ID, Quantity: q}})
		return err
	}); err != nil {
		t.Fatalf("receive %s of %s: %v", q, ol.line.ERPItemCode, err)
	}
	if ol.line.Direct {
		m.charge(ol.line.WorkOrderID, ol.line.UnitPrice.Times(q))
	}
}

// overship tries to receive more than is open: always refused, nothing changes.
func (m *model) overship(t *rapid.T) {
	lines := m.orderLines(t, func(l procurement.OrderLine) bool { return l.ReceivedQuantity.LessThan(l.Quantity.Decimal) })
	if len(lines) == 0 {
		return
	}
	ol := rapid.SampledFrom(lines).Draw(t, "line")
	q := ol.line.Quantity.Sub(ol.line.ReceivedQuantity).Add(millwright.NewQty(1))
	err := m.in("sam", millwright.Storekeeper, func(ctx context.Context, tx *erp.Tx) error {
		_, _, err := procurement.Receive(ctx, tx, ol.po.ID, []procurement.ReceiptLineIn{{LineID: ol.line.ID, Quantity: q}})
		return err
	})
	if millwright.ErrorCode(err) != "over_receipt" {
		t.Fatalf("receiving %s of %s open = %v; want over_receipt", q, ol.line.Quantity.Sub(ol.line.ReceivedQuantity), err)
	}
}

func (m *model) invoice(t *rapid.T) {
	lines := m.orderLines(t, func(l procurement.OrderLine) bool { return l.InvoicedQuantity.LessThan(l.ReceivedQuantity.Decimal) })
	if len(lines) == 0 {
		return
	}
	ol := rapid.SampledFrom(lines).Draw(t, "line")
	open := ol.line.ReceivedQuantity.Sub(ol.line.InvoicedQuantity).IntPart()
	q := millwright.NewQty(int64(rapid.IntRange(1, int(open)+1).Draw(t, "qty"))) // one more than received: held
	// Price off by -3% to +3% in steps of 0.5%: beyond 2% is held.
	pct := rapid.IntRange(-6, 6).Draw(t, "half_percent")
	price := millwright.Money{Decimal: ol.line.UnitPrice.Mul(millwright.MustQty(fmt.Sprint(200 + pct)).Decimal).Div(millwright.MustQty("200").Decimal).Round(2)}
	var inv *procurement.Invoice
	if err := m.in("fiona", millwright.Finance, func(ctx context.Context, tx *erp.Tx) (err error) {
		inv, err = procurement.PostInvoice(ctx, tx, procurement.InvoiceIn{PurchaseOrderID: ol.po.ID,
			Lines: []procurement.InvoiceLineIn{{LineID: ol.line.ID, Quantity: q, UnitPrice: price}}})
		return err
	}); err != nil {
		t.Fatalf("invoice: %v", err)
	}
	amount, expected := price.Times(q), ol.line.UnitPrice.Times(q)
	diff := amount.Sub(expected).Abs()
	tol := millwright.Money{Decimal: expected.Mul(millwright.MustQty("0.02").Decimal).Round(2)}
	wantHeld := q.IntPart() > open || diff.GreaterThan(tol.Decimal)
	if got := inv.Status == procurement.InvoiceHeld; got != wantHeld {
		t.Fatalf("invoice of %s × %s against %s × %s (%s received open) = %s %q; want held %v",
			q, price, q, ol.line.UnitPrice, millwright.NewQty(open), inv.Status, inv.Reason, wantHeld)
	}
	if !wantHeld && ol.line.Direct {
		m.charge(ol.line.WorkOrderID, amount.Sub(expected))
	}
}

func (m *model) level(t *rapid.T) {
	code := rapid.SampledFrom(stockItems).Draw(t, "item")
	p := integration.StockLevel{ERPItemCode: code, Warehouse: "MAIN",
		OnHand:          millwright.NewQty(int64(rapid.IntRange(0, 20).Draw(t, "on_hand"))),
		ReorderPoint:    millwright.NewQty(int64(rapid.IntRange(0, 10).Draw(t, "reorder_point"))),
		ReorderQuantity: millwright.NewQty(int64(rapid.IntRange(1, 10).Draw(t, "reorder_quantity"))),
		MaxQuantity:     millwright.NewQty(int64(rapid.SampledFrom([]int{0, 25}).Draw(t, "max"))),
	}
	before := m.openReplenishments(t, code)
	if _, err := m.send(t, p, "system"); err != nil {
		t.Fatalf("level: %v", err)
	}
	if after := m.openReplenishments(t, code); after > 1 || (before == 1 && after > before) {
		t.Fatalf("open replenishments of %s = %d after a level message (was %d); want at most one", code, after, before)
	}
}

// openReplenishments counts replenishment requisitions for code still
// waiting for a decision.
func (m *model) openReplenishments(t *rapid.T, code string) int {
	n := 0
	for _, r := range m.requisitions(t, procurement.Submitted) {
		if r.Source == procurement.FromReorder && r.Lines[0].ERPItemCode == code {
			n++
		}
	}
	return n
}

func (m *model) stock(t *rapid.T, code string) procurement.Stock {
	var p millwright.Page[procurement.Stock]
	if err := m.db.View(m.ctx, func(tx *store.Tx) (err error) {
		p, err = tx.ERPStock(m.ctx, "", code, "MAIN", "", 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(p.Items) == 0 {
		return procurement.Stock{ERPItemCode: code, Warehouse: "MAIN"}
	}
	return p.Items[0]
}

func (m *model) issue(t *rapid.T) {
	code := rapid.SampledFrom(stockItems).Draw(t, "item")
	s := m.stock(t, code)
	if !s.Quantity.IsPositive() {
		return
	}
	wo := rapid.SampledFrom(workOrders).Draw(t, "wo")
	q := int64(rapid.IntRange(1, int(s.Quantity.IntPart())).Draw(t, "qty"))
	if _, err := m.send(t, integration.StockMovement{Movement: integration.MoveIssue, ERPItemCode: code, Warehouse: "MAIN",
		Quantity: millwright.NewQty(-q), WorkOrderID: wo.id, AssetID: wo.asset, CostCenter: wo.cc}, "tech1"); err != nil {
		t.Fatalf("issue: %v", err)
	}
	m.charge(wo.id, s.Value.Sub(m.stock(t, code).Value))
}

func (m *model) giveBack(t *rapid.T) {
	code := rapid.SampledFrom(stockItems).Draw(t, "item")
	wo := rapid.SampledFrom(workOrders).Draw(t, "wo")
	q := int64(rapid.IntRange(1, 3).Draw(t, "qty"))
	value := millwright.MustMoney(prices[code]).Times(millwright.NewQty(q))
	if _, err := m.send(t, integration.StockMovement{Movement: integration.MoveReturn, ERPItemCode: code, Warehouse: "MAIN",
		Quantity: millwright.NewQty(q), Value: value, WorkOrderID: wo.id, AssetID: wo.asset, CostCenter: wo.cc}, "tech1"); err != nil {
		t.Fatalf("return: %v", err)
	}
	m.charge(wo.id, millwright.Money{Decimal: value.Neg()})
}

func (m *model) adjustUp(t *rapid.T) {
	code := rapid.SampledFrom(stockItems).Draw(t, "item")
	q := int64(rapid.IntRange(1, 5).Draw(t, "qty"))
	cents := rapid.IntRange(100, 5000).Draw(t, "cents")
	if _, err := m.send(t, integration.StockMovement{Movement: integration.MoveAdjustment, ERPItemCode: code, Warehouse: "MAIN",
		Quantity: millwright.NewQty(q), Value: millwright.MustMoney(fmt.Sprintf("%d.%02d", cents/100, cents%100))}, "sam"); err != nil {
		t.Fatalf("adjust: %v", err)
	}
}

func (m *model) labor(t *rapid.T) {
	wo := rapid.SampledFrom(workOrders).Draw(t, "wo")
	cents := rapid.IntRange(0, 50000).Draw(t, "cents")
	amount := millwright.MustMoney(fmt.Sprintf("%d.%02d", cents/100, cents%100))
	if _, err := m.send(t, integration.LaborCost{WorkOrderID: wo.id, AssetID: wo.asset, CostCenter: wo.cc,
		Hours: millwright.MustQty("1.5"), Amount: amount}, "tech1"); err != nil {
		t.Fatalf("labor: %v", err)
	}
	m.charge(wo.id, amount)
}

// reverse reverses a random labor entry; the reversal credits the work order.
func (m *model) reverse(t *rapid.T) {
	var p millwright.Page[ledger.Entry]
	if err := m.db.View(m.ctx, func(tx *store.Tx) (err error) {
		p, err = tx.ERPEntries(m.ctx, store.ERPEntryFilter{Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var labor []ledger.Entry
	for _, e := range p.Items {
		if e.Source == "labor" && e.ReversedBy == "" {
			labor = append(labor, e)
		}
	}
	if len(labor) == 0 {
		return
	}
	e := rapid.SampledFrom(labor).Draw(t, "entry")
	if err := m.in("fiona", millwright.Finance, func(ctx context.Context, tx *erp.Tx) error {
		_, err := erp.Reverse(ctx, tx, e.ID, "wrong hours")
		return err
	}); err != nil {
		t.Fatalf("reverse %s: %v", e.Number, err)
	}
	m.charge(e.Lines[0].WorkOrderID, millwright.Money{Decimal: e.Lines[0].Debit.Neg()})
	err := m.in("fiona", millwright.Finance, func(ctx context.Context, tx *erp.Tx) error {
		_, err := erp.Reverse(ctx, tx, e.ID, "again")
		return err
	})
	if millwright.ErrorCode(err) != "already_reversed" {
		t.Fatalf("second reversal of %s = %v; want already_reversed", e.Number, err)
	}
}

func (m *model) charge(wo string, amount millwright.Money) {
	if wo != "" {
		m.charged[wo] = m.charged[wo].Add(amount)
	}
}

// check holds the invariants.
func (m *model) check(t *rapid.T, after string) {
	err := m.db.View(m.ctx, func(tx *store.Tx) error {
		tb, err := tx.ERPTrialBalance(m.ctx)
		if err != nil {
			return err
		}
		if !tb.Balanced {
			t.Fatalf("after %s: trial balance %+v does not sum to zero", after, tb.Accounts)
		}
		var inventory millwright.Money
		for _, a := range tb.Accounts {
			if a.Account == ledger.Inventory {
				inventory = a.Balance
			}
		}
		stock, err := tx.ERPStock(m.ctx, "", "", "", "", 500)
		if err != nil {
			return err
		}
		var value millwright.Money
		for _, s := range stock.Items {
			if s.Quantity.IsNegative() || s.Value.IsNegative() {
				t.Fatalf("after %s: stock of %s is %s worth %s; want neither negative", after, s.ERPItemCode, s.Quantity, s.Value)
			}
			value = value.Add(s.Value)
		}
		if !value.Equal(inventory.Decimal) {
			t.Fatalf("after %s: stock value %s; inventory account %s; want equal", after, value, inventory)
		}
		drift, err := tx.ERPBudgetUseDrift(m.ctx)
		if err != nil {
			return err
		}
		if len(drift) > 0 {
			t.Fatalf("after %s: the running budget use differs from the journal: %v", after, drift)
		}
		for _, wo := range workOrders {
			cost, err := tx.ERPWorkOrderCost(m.ctx, wo.id)
			if err != nil {
				return err
			}
			if !cost.Equal(m.charged[wo.id].Decimal) {
				t.Fatalf("after %s: work order %s charged %s; its expense ledger lines sum to %s; want equal", after, wo.id, m.charged[wo.id], cost)
			}
		}
		for {
			evs, err := tx.ERPEvents(m.ctx, m.lastSeq, 1000)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				m.lastSeq = ev.Seq
				if ev.Kind == integration.EventCostPosted {
					var c integration.CostPosted
					if err := json.Unmarshal(ev.Payload, &c); err != nil {
						return err
					}
					m.posted[c.WorkOrderID] = m.posted[c.WorkOrderID].Add(c.Amount)
				}
			}
			if len(evs) < 1000 {
				break
			}
		}
		for _, wo := range workOrders {
			if !m.posted[wo.id].Equal(m.charged[wo.id].Decimal) {
				t.Fatalf("after %s: cost_posted events for %s sum to %s; charged %s; want equal", after, wo.id, m.posted[wo.id], m.charged[wo.id])
			}
		}
		pos, err := tx.ERPPurchaseOrders(m.ctx, store.ERPPurchaseOrderFilter{Limit: 500})
		if err != nil {
			return err
		}
		ordered := map[string]string{}
		for _, po := range pos.Items {
			for _, l := range po.Lines {
				if prev, ok := ordered[l.RequisitionLineID]; ok {
					t.Fatalf("after %s: requisition line %s is on %s and %s; want ordered once", after, l.RequisitionLineID, prev, po.Number)
				}
				ordered[l.RequisitionLineID] = po.Number
			}
		}
		reqs, err := tx.ERPRequisitions(m.ctx, store.ERPRequisitionFilter{Limit: 500})
		if err != nil {
			return err
		}
		for _, r := range reqs.Items {
			for _, l := range r.Lines {
				if _, ok := ordered[l.ID]; ok != (r.Status == procurement.Ordered) {
					t.Fatalf("after %s: requisition %s is %s but line %d on an order is %v", after, r.Number, r.Status, l.Position, ok)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
