package erp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// as returns ctx acting as a user with role.
func as(ctx context.Context, name string, role millwright.Role) context.Context {
	return millwright.WithPrincipal(ctx, millwright.Principal{UserID: name, Username: name, Role: role})
}

// message builds a port message for site NORTH.
func message(t testing.TB, key, actor string, p integration.Payload) integration.Message {
	t.Helper()
	m, err := integration.NewMessage(key, "site_north", "NORTH", actor, time.Now(), p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// inERP runs fn in one ERP transaction as the principal in ctx.
func inERP(ctx context.Context, db *store.DB, fn func(tx *erp.Tx) error) error {
	return db.InTx(ctx, func(stx *store.Tx) error { return fn(erp.Wrap(stx)) })
}

func mustSend(t testing.TB, e *erp.ERP, m integration.Message) []integration.Event {
	t.Helper()
	evs, err := e.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send(%s %s) = %v; want nil", m.Kind, m.IdempotencyKey, err)
	}
	return evs
}

func mustItem(t testing.TB, e *erp.ERP, code, stockType, vendor, price string) {
	t.Helper()
	mustSend(t, e, message(t, "item-"+code, "system", integration.ItemMaster{ERPItemCode: code, Description: code, Unit: "EA",
		StockType: stockType, Vendor: vendor, Price: millwright.MustMoney(price)}))
}

func mustRequisitions(t testing.TB, db *store.DB, f store.ERPRequisitionFilter) []procurement.Requisition {
	t.Helper()
	var p millwright.Page[procurement.Requisition]
	if err := db.View(context.Background(), func(tx *store.Tx) (err error) {
		f.Limit = 500
		p, err = tx.ERPRequisitions(context.Background(), f)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func mustPurchaseOrders(t testing.TB, db *store.DB, f store.ERPPurchaseOrderFilter) []procurement.PurchaseOrder {
	t.Helper()
	var p millwright.Page[procurement.PurchaseOrder]
	if err := db.View(context.Background(), func(tx *store.Tx) (err error) {
		f.Limit = 500
		p, err = tx.ERPPurchaseOrders(context.Background(), f)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func kinds(evs []integration.Event) []integration.EventKind {
	var out []integration.EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func TestRequestToInvoiceFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		mustItem(t, e, "SEAL-12", procurement.DirectItem, "SKF", "12.50")
		mustItem(t, e, "OIL-5L", procurement.DirectItem, "Shell", "30.00")

		req := integration.RequisitionRequest{Priority: 3, CostCenter: "CC-PUMPS", WorkOrderID: "wo_1", WorkOrderNumber: "WO-000001", AssetID: "ast_1",
			Lines: []integration.RequisitionLine{
				{WorkOrderID: "wo_1", MaterialLineID: "mat_1", ERPItemCode: "BRG-6205", Quantity: millwright.NewQty(2), Unit: "EA", NeededBy: "2026-04-01", EstimatedUnitPrice: millwright.MustMoney("38.00")},
				{WorkOrderID: "wo_1", MaterialLineID: "mat_2", ERPItemCode: "SEAL-12", Quantity: millwright.NewQty(4), Unit: "EA"},
				{WorkOrderID: "wo_1", MaterialLineID: "mat_3", ERPItemCode: "OIL-5L", Quantity: millwright.NewQty(1), Unit: "EA"},
			}}
		m := message(t, "wo_1/release/1", "planner1", req)
		evs := mustSend(t, e, m)
		if got := kinds(evs); len(got) != 1 || got[0] != integration.EventRequisitionCreated {
			t.Fatalf("events of the request = %v; want [requisition_created]", got)
		}
		again := mustSend(t, e, m)
		if len(again) != 1 || again[0].Seq != evs[0].Seq {
			t.Fatalf("repeat of the request = %v; want the first answer %v", kinds(again), kinds(evs))
		}
		reqs := mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_1"})
		if len(reqs) != 1 {
			t.Fatalf("requisitions of wo_1 = %d; want 1 (a repeated message must have no second effect)", len(reqs))
		}
		r := reqs[0]
		if r.Status != procurement.Submitted || r.RequestedBy != "planner1" || r.Amount.String() != "156.00" {
			t.Fatalf("requisition = %s by %s for %s; want submitted by planner1 for 156.00 (2×38 + 4×12.50 + 1×30)", r.Status, r.RequestedBy, r.Amount)
		}
		if r.Lines[0].MaterialLineID != "mat_1" || r.Lines[0].NeededBy != "2026-04-01" {
			t.Fatalf("line 1 = %+v; want material line mat_1 needed by 2026-04-01", r.Lines[0])
		}

		// The requester cannot approve; an approver can.
		err := inERP(as(ctx, "planner1", millwright.Admin), db, func(tx *erp.Tx) error {
			_, err := procurement.Decide(as(ctx, "planner1", millwright.Admin), tx, r.ID, true, "")
			return err
		})
		if got := millwright.ErrorCode(err); got != "sod_violation" {
			t.Fatalf("approve by the requester = %v; want sod_violation", err)
		}
		actx := as(ctx, "anna", millwright.Approver)
		var emitted []integration.Event
		if err := inERP(actx, db, func(tx *erp.Tx) error {
			_, err := procurement.Decide(actx, tx, r.ID, true, "ok for overhaul")
			emitted = tx.Events
			return err
		}); err != nil {
			t.Fatalf("approve = %v", err)
		}
		want := []integration.EventKind{integration.EventRequisitionApproved, integration.EventPurchaseOrderCreate, integration.EventPurchaseOrderCreate}
		if got := kinds(emitted); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events of the approval = %v; want %v", got, want)
		}
		pos := mustPurchaseOrders(t, db, store.ERPPurchaseOrderFilter{RequisitionID: r.ID})
		if len(pos) != 2 {
			t.Fatalf("purchase orders = %d; want 2 (one per vendor: SKF, Shell)", len(pos))
		}
		var skf procurement.PurchaseOrder
		for _, po := range pos {
			if po.Vendor == "SKF" {
				skf = po
			}
		}
		if len(skf.Lines) != 2 || skf.Lines[0].UnitPrice.String() != "40.00" || skf.Lines[0].WorkOrderID != "wo_1" {
			t.Fatalf("SKF order = %+v; want 2 lines, the bearing at the item price 40.00 for wo_1", skf)
		}

		// Receive the bearings in two goes, then invoice them 1% dearer (within tolerance).
		sctx := as(ctx, "sam", millwright.Storekeeper)
		receive := func(q int64) error {
			return inERP(sctx, db, func(tx *erp.Tx) error {
				_, _, err := procurement.Receive(sctx, tx, skf.ID, []procurement.ReceiptLineIn{{LineID: skf.Lines[0].ID, Quantity: millwright.NewQty(q)}})
				return err
			})
		}
		if err := receive(1); err != nil {
			t.Fatal(err)
		}
		if err := receive(2); millwright.ErrorCode(err) != "over_receipt" {
			t.Fatalf("receiving 2 more of 2 ordered, 1 received = %v; want over_receipt", err)
		}
		if err := receive(1); err != nil {
			t.Fatal(err)
		}
		fctx := as(ctx, "fiona", millwright.Finance)
		var inv *procurement.Invoice
		if err := inERP(fctx, db, func(tx *erp.Tx) (err error) {
			inv, err = procurement.PostInvoice(fctx, tx, procurement.InvoiceIn{PurchaseOrderID: skf.ID,
				Lines: []procurement.InvoiceLineIn{{LineID: skf.Lines[0].ID, Quantity: millwright.NewQty(2), UnitPrice: millwright.MustMoney("40.40")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if inv.Status != procurement.InvoicePosted || inv.Amount.String() != "80.80" {
			t.Fatalf("invoice = %s %s (%s); want posted 80.80", inv.Status, inv.Amount, inv.Reason)
		}
		var cost millwright.Money
		var tb ledger.TrialBalance
		db.View(ctx, func(tx *store.Tx) (err error) {
			cost, _ = tx.ERPWorkOrderCost(ctx, "wo_1")
			tb, err = tx.ERPTrialBalance(ctx)
			return err
		})
		if cost.String() != "80.80" {
			t.Fatalf("cost of wo_1 = %s; want 80.80, the invoiced cost of the bearings", cost)
		}
		if !tb.Balanced {
			t.Fatalf("trial balance = %+v; want balanced", tb)
		}
		for _, a := range tb.Accounts {
			if a.Account == ledger.GRIR && !a.Balance.IsZero() {
				t.Fatalf("GR/IR balance = %s; want 0 once the received bearings are invoiced", a.Balance)
			}
		}
	})
}

func TestMessageErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		line := func(code string, q int64) []integration.RequisitionLine {
			return []integration.RequisitionLine{{ERPItemCode: code, Quantity: millwright.NewQty(q), Unit: "EA"}}
		}
		tests := []struct {
			name string
			m    integration.Message
			kind millwright.Kind
			code string
		}{
			{"unknown item", message(t, "k1", "pat", integration.RequisitionRequest{Priority: 2, Lines: line("NOPE-1", 1)}), millwright.Rule, "unknown_item"},
			{"zero quantity", message(t, "k2", "pat", integration.RequisitionRequest{Priority: 2, Lines: line("BRG-6205", 0)}), millwright.Invalid, "bad_quantity"},
			{"no actor", message(t, "k3", "", integration.RequisitionRequest{Priority: 2, Lines: line("BRG-6205", 1)}), millwright.Invalid, "missing_field"},
			{"bad priority", message(t, "k4", "pat", integration.RequisitionRequest{Priority: 7, Lines: line("BRG-6205", 1)}), millwright.Invalid, "bad_priority"},
			{"no key", message(t, "", "pat", integration.RequisitionRequest{Priority: 2, Lines: line("BRG-6205", 1)}), millwright.Invalid, "missing_field"},
			{"unknown kind", integration.Message{IdempotencyKey: "k5", Kind: "teleport", Payload: json.RawMessage(`{}`)}, millwright.Invalid, "bad_message"},
			{"issue of a direct item", message(t, "k6", "pat", integration.StockMovement{Movement: "issue", ERPItemCode: "BRG-6205", Warehouse: "MAIN", Quantity: millwright.NewQty(-1)}), millwright.Rule, "not_stock_item"},
			{"unbalanced-free labor without work order", message(t, "k7", "pat", integration.LaborCost{Amount: millwright.MustMoney("10")}), millwright.Invalid, "missing_field"},
			{"bad time zone", func() integration.Message {
				m := message(t, "k8", "pat", integration.LaborCost{WorkOrderID: "wo", Amount: millwright.MustMoney("10")})
				m.TimeZone = "Mars/Olympus"
				return m
			}(), millwright.Invalid, "bad_time_zone"},
		}
		for _, tt := range tests {
			_, err := e.Send(context.Background(), tt.m)
			if millwright.ErrorKind(err) != tt.kind || millwright.ErrorCode(err) != tt.code {
				t.Errorf("%s: Send = %v; want kind %d code %s", tt.name, err, tt.kind, tt.code)
			}
		}
		// The unknown item is named in the message; after the item is created the same message goes through.
		_, err := e.Send(context.Background(), tests[0].m)
		if err == nil || !contains(err.Error(), "NOPE-1") {
			t.Fatalf("unknown item error = %v; want it to name NOPE-1", err)
		}
		mustItem(t, e, "NOPE-1", procurement.DirectItem, "SKF", "1.00")
		mustSend(t, e, tests[0].m)
		// The same key with another payload is refused.
		other := message(t, "k1", "pat", integration.RequisitionRequest{Priority: 1, Lines: line("NOPE-1", 5)})
		if _, err := e.Send(context.Background(), other); millwright.ErrorCode(err) != "idempotency_key_reused" {
			t.Fatalf("reused key = %v; want idempotency_key_reused", err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestReplenishment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "FLT-10", procurement.StockItem, "Filtra", "8.00")
		level := func(key string, onHand, rp, rq, max int64) {
			mustSend(t, e, message(t, key, "system", integration.StockLevel{ERPItemCode: "FLT-10", Warehouse: "MAIN",
				OnHand: millwright.NewQty(onHand), ReorderPoint: millwright.NewQty(rp), ReorderQuantity: millwright.NewQty(rq), MaxQuantity: millwright.NewQty(max)}))
		}
		level("l1", 5, 4, 10, 0) // above the reorder point: nothing
		if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{})); got != 0 {
			t.Fatalf("requisitions at on hand 5, reorder point 4 = %d; want 0", got)
		}
		level("l2", 3, 4, 10, 0) // below: reorder quantity
		reqs := mustRequisitions(t, db, store.ERPRequisitionFilter{})
		if len(reqs) != 1 || reqs[0].RequestedBy != "system" || reqs[0].Source != procurement.FromReorder || reqs[0].Lines[0].Quantity.String() != "10" {
			t.Fatalf("replenishment = %+v; want one requisition by system for 10", reqs)
		}
		level("l3", 2, 4, 10, 0) // still below, one is open: no second
		if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{})); got != 1 {
			t.Fatalf("requisitions while one is open = %d; want 1", got)
		}
		ctx := as(context.Background(), "bob", millwright.Buyer)
		if err := inERP(ctx, db, func(tx *erp.Tx) error {
			_, err := procurement.Cancel(ctx, tx, reqs[0].ID, "wrong count")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		level("l4", 1, 4, 10, 12) // open one cancelled; max set: up to max
		reqs = mustRequisitions(t, db, store.ERPRequisitionFilter{Status: procurement.Submitted})
		if len(reqs) != 1 || reqs[0].Lines[0].Quantity.String() != "11" {
			t.Fatalf("replenishment with max 12 at on hand 1 = %+v; want one for 11", reqs)
		}
	})
}

func TestApprovalChainAndFastPath(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := erp.New(db)
		mustItem(t, e, "PMP-1", procurement.DirectItem, "Grundfos", "1000.00")
		p1, p4 := 1, 4
		rules := []approval.Rule{
			{MaxPriority: &p1, FastPath: true, ApproverRole: millwright.Approver},
			{MaxPriority: &p4, Steps: []millwright.Role{millwright.Approver, millwright.Finance}},
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range rules {
				if err := rules[i].Normalize(); err != nil {
					return err
				}
				if err := tx.SaveERPRule(ctx, &rules[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		send := func(key string, prio int) procurement.Requisition {
			mustSend(t, e, message(t, key, "pat", integration.RequisitionRequest{Priority: prio, WorkOrderID: key,
				Lines: []integration.RequisitionLine{{ERPItemCode: "PMP-1", Quantity: millwright.NewQty(1)}}}))
			return mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: key})[0]
		}
		emergency := send("wo_em", 1)
		if emergency.Status != procurement.Ordered || len(emergency.Reviews) != 1 || emergency.Reviews[0].Status != "open" {
			t.Fatalf("emergency requisition = %s with reviews %+v; want ordered at once with one open review", emergency.Status, emergency.Reviews)
		}
		routine := send("wo_rt", 3)
		if fmt.Sprint(routine.Steps) != "[approver finance]" || routine.Step != 1 {
			t.Fatalf("routine requisition steps = %v at %d; want [approver finance] at 1", routine.Steps, routine.Step)
		}
		decide := func(name string, role millwright.Role) error {
			c := as(ctx, name, role)
			return inERP(c, db, func(tx *erp.Tx) error {
				_, err := procurement.Decide(c, tx, routine.ID, true, "fine")
				return err
			})
		}
		if err := decide("fiona", millwright.Finance); millwright.ErrorCode(err) != "wrong_approver_role" {
			t.Fatalf("finance deciding step 1 = %v; want wrong_approver_role", err)
		}
		if err := decide("anna", millwright.Approver); err != nil {
			t.Fatal(err)
		}
		if err := decide("anna", millwright.Admin); millwright.ErrorCode(err) != "sod_violation" {
			t.Fatalf("the same person deciding step 2 = %v; want sod_violation", err)
		}
		if err := decide("fiona", millwright.Finance); err != nil {
			t.Fatal(err)
		}
		r := mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_rt"})[0]
		if r.Status != procurement.Ordered || len(r.Decisions) != 2 || r.Decisions[1].Actor != "fiona" || r.Decisions[1].Comment != "fine" {
			t.Fatalf("after both steps = %s, decisions %+v; want ordered with anna's and fiona's decisions", r.Status, r.Decisions)
		}
	})
}

func TestWorkOrderCancelledAndItemChanged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		evs := mustSend(t, e, message(t, "item-1", "system", integration.ItemMaster{ERPItemCode: "BRG-6205", Unit: "EA",
			StockType: procurement.DirectItem, Vendor: "SKF", Price: millwright.MustMoney("40")}))
		if len(evs) != 1 || evs[0].Kind != integration.EventItemChanged || evs[0].DocumentKey != "item:BRG-6205" {
			t.Fatalf("item master events = %v; want one item_changed for item:BRG-6205", kinds(evs))
		}
		mustSend(t, e, message(t, "req-1", "pat", integration.RequisitionRequest{Priority: 3, WorkOrderID: "wo_7",
			Lines: []integration.RequisitionLine{{ERPItemCode: "BRG-6205", Quantity: millwright.NewQty(1)}}}))
		evs = mustSend(t, e, message(t, "st-1", "pat", integration.WorkOrderStatus{WorkOrderID: "wo_7", WorkOrderNumber: "WO-7", Status: "cancelled"}))
		if got := kinds(evs); len(got) != 1 || got[0] != integration.EventRequisitionCanceled {
			t.Fatalf("events of cancelling wo_7 = %v; want [requisition_cancelled]", got)
		}
		if r := mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_7"}); r[0].Status != procurement.Cancelled {
			t.Fatalf("requisition of a cancelled work order = %s; want cancelled", r[0].Status)
		}
		if got := mustSend(t, e, message(t, "st-2", "pat", integration.WorkOrderStatus{WorkOrderID: "wo_7", Status: "completed"})); len(got) != 0 {
			t.Fatalf("events of a status with no ERP effect = %v; want none", kinds(got))
		}
	})
}

func TestPostingPeriodFollowsSiteTimeZone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		// 22:30 UTC on 31 March is 00:30 on 1 April in Berlin.
		db.Clock = func() time.Time { return time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC) }
		e := erp.New(db)
		for _, tt := range []struct{ site, tz, want string }{{"site_berlin", "Europe/Berlin", "2026-04"}, {"site_utc", "", "2026-03"}} {
			m, err := integration.NewMessage("labor-"+tt.site, tt.site, tt.site, "tom", db.Clock(),
				integration.LaborCost{WorkOrderID: "wo_" + tt.site, CostCenter: "CC-" + tt.site, Amount: millwright.MustMoney("10")})
			if err != nil {
				t.Fatal(err)
			}
			m.TimeZone = tt.tz
			mustSend(t, e, m)
			var p millwright.Page[ledger.Entry]
			db.View(context.Background(), func(tx *store.Tx) (err error) {
				p, err = tx.ERPEntries(context.Background(), store.ERPEntryFilter{WorkOrderID: "wo_" + tt.site})
				return err
			})
			if len(p.Items) != 1 || p.Items[0].Period != tt.want {
				t.Fatalf("period of a posting at %s for %s = %+v; want %s", db.Clock(), tt.site, p.Items, tt.want)
			}
			var actual millwright.Money
			db.View(context.Background(), func(tx *store.Tx) (err error) {
				actual, _, err = tx.ERPBudgetUse(context.Background(), "CC-"+tt.site, tt.want)
				return err
			})
			if actual.String() != "10.00" {
				t.Fatalf("actual of CC-%s in %s = %s; want 10.00", tt.site, tt.want, actual)
			}
		}
	})
}

func TestConcurrentDeliveriesApplyOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		m := message(t, "wo_5/release/1", "pat", integration.RequisitionRequest{Priority: 3, WorkOrderID: "wo_5",
			Lines: []integration.RequisitionLine{{ERPItemCode: "BRG-6205", Quantity: millwright.NewQty(1)}}})
		const n = 8
		errs := make(chan error, n)
		seqs := make(chan int64, n)
		for range n {
			go func() {
				evs, err := e.Send(context.Background(), m)
				if err == nil && len(evs) > 0 {
					seqs <- evs[0].Seq
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent Send = %v; want nil", err)
			}
		}
		close(seqs)
		first := int64(-1)
		for s := range seqs {
			if first != -1 && s != first {
				t.Fatalf("deliveries answered events %d and %d; want the same first answer", first, s)
			}
			first = s
		}
		if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_5"})); got != 1 {
			t.Fatalf("requisitions after %d concurrent deliveries = %d; want 1", n, got)
		}
	})
}

// A batch answers what Send would, message by message: a refused message
// is undone alone (its requisition and its key are not kept), the others
// commit together, and sending the batch again changes nothing.
func TestSendBatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		req := func(key, wo, code string) integration.Message {
			return message(t, key, "pat", integration.RequisitionRequest{Priority: 3, WorkOrderID: wo,
				Lines: []integration.RequisitionLine{{ERPItemCode: code, Quantity: millwright.NewQty(1), Unit: "EA"}}})
		}
		batch := []integration.Message{req("b1", "wo_1", "BRG-6205"), req("b2", "wo_2", "NOPE-1"), req("b3", "wo_3", "BRG-6205")}
		events, errs := e.SendBatch(context.Background(), batch, nil)
		if errs[0] != nil || errs[2] != nil || millwright.ErrorCode(errs[1]) != "unknown_item" {
			t.Fatalf("SendBatch errors = %v; want nil, unknown_item, nil", errs)
		}
		if len(events[0]) == 0 || len(events[2]) == 0 || len(events[1]) != 0 {
			t.Fatalf("SendBatch events = %d, %d, %d; want the accepted messages' events only", len(events[0]), len(events[1]), len(events[2]))
		}
		for wo, want := range map[string]int{"wo_1": 1, "wo_2": 0, "wo_3": 1} {
			if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: wo})); got != want {
				t.Errorf("requisitions of %s = %d; want %d", wo, got, want)
			}
		}
		mustItem(t, e, "NOPE-1", procurement.DirectItem, "SKF", "1.00")
		again, errs := e.SendBatch(context.Background(), batch, nil)
		if errs[0] != nil || errs[1] != nil || errs[2] != nil {
			t.Fatalf("SendBatch again = %v; want no error (the refused one goes through now)", errs)
		}
		if again[0][0].Seq != events[0][0].Seq || again[2][0].Seq != events[2][0].Seq {
			t.Errorf("the batch sent again answered new events; want the first answers")
		}
		for _, wo := range []string{"wo_1", "wo_2", "wo_3"} {
			if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: wo})); got != 1 {
				t.Errorf("requisitions of %s after the batch again = %d; want 1", wo, got)
			}
		}
	})
}

// A batch longer than a transaction of savepoints holds (batchTx) with one
// refused message near its end: tried whole first, it is applied again a
// savepoint per message, and answers each message as Send would, with
// every accepted one applied once.
func TestSendBatchRefusedLate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		const n, refused = 45, 40
		var batch []integration.Message
		for i := range n {
			code := "BRG-6205"
			if i == refused {
				code = "NOPE-1"
			}
			wo := fmt.Sprintf("wo_%d", i)
			batch = append(batch, message(t, "late-"+wo, "pat", integration.RequisitionRequest{Priority: 3, WorkOrderID: wo,
				Lines: []integration.RequisitionLine{{ERPItemCode: code, Quantity: millwright.NewQty(1), Unit: "EA"}}}))
		}
		events, errs := e.SendBatch(context.Background(), batch, nil)
		seqs := map[int64]bool{}
		for i := range n {
			switch {
			case i == refused && (millwright.ErrorCode(errs[i]) != "unknown_item" || len(events[i]) != 0):
				t.Errorf("message %d = %v with %d events; want unknown_item and none", i, errs[i], len(events[i]))
			case i != refused && (errs[i] != nil || len(events[i]) != 1):
				t.Errorf("message %d = %v with %d events; want nil and one", i, errs[i], len(events[i]))
			case i != refused:
				seqs[events[i][0].Seq] = true
			}
		}
		if len(seqs) != n-1 {
			t.Errorf("answers carry %d distinct events; want %d", len(seqs), n-1)
		}
		var lo, hi int64 = 1 << 62, 0
		for s := range seqs {
			lo, hi = min(lo, s), max(hi, s)
		}
		if hi-lo != int64(n-2) {
			t.Errorf("event numbers run from %d to %d; want %d numbers without a gap (the refused message's undone)", lo, hi, n-1)
		}
		var numbers []string
		for _, r := range mustRequisitions(t, db, store.ERPRequisitionFilter{}) {
			numbers = append(numbers, r.Number)
		}
		slices.Sort(numbers)
		for i := 1; i < len(numbers); i++ {
			var a, b int
			fmt.Sscanf(numbers[i-1][strings.LastIndex(numbers[i-1], "-")+1:], "%d", &a)
			fmt.Sscanf(numbers[i][strings.LastIndex(numbers[i], "-")+1:], "%d", &b)
			if b != a+1 {
				t.Errorf("requisition numbers %s then %s; want no gap", numbers[i-1], numbers[i])
			}
		}
		if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{})); got != n-1 {
			t.Errorf("requisitions = %d; want %d (each accepted message once, the refused one not)", got, n-1)
		}
	})
}

// A message twice in one batch is applied once: the second is answered
// with the first's events, as a retry would be.
func TestSendBatchSameKeyTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		m := message(t, "twice", "pat", integration.RequisitionRequest{Priority: 3, WorkOrderID: "wo_1",
			Lines: []integration.RequisitionLine{{ERPItemCode: "BRG-6205", Quantity: millwright.NewQty(1), Unit: "EA"}}})
		events, errs := e.SendBatch(context.Background(), []integration.Message{m, m}, nil)
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("SendBatch errors = %v; want none", errs)
		}
		if len(events[0]) != 1 || len(events[1]) != 1 || events[0][0].Seq != events[1][0].Seq {
			t.Errorf("answers = %v and %v; want the same one event", events[0], events[1])
		}
		if got := len(mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_1"})); got != 1 {
			t.Errorf("requisitions = %d; want 1", got)
		}
	})
}
