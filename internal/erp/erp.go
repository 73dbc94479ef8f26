// Package erp is Millwright's embedded ERP as the CMMS reaches it: it
// applies port messages exactly once per idempotency key and records every
// event the CMMS must see in its event log, in the same transaction as the
// change. Its records live in its own erp_* tables; the rules live in
// erp/procurement, erp/approval, erp/ledger and erp/budget.
package erp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Tx is a store transaction that also keeps the events emitted in it, so
// the caller can answer with them.
type Tx struct {
	*store.Tx
	Events []integration.Event
	actor  string // whose message is being applied; empty: the transaction's principal

	atEnd  bool          // budgets are checked when the batch settles (SendBatch on PostgreSQL)
	checks []budgetCheck // the budgets to check then
}

// budgetCheck is a budget a message of a batch touched, checked when the
// batch settles; an alert it raises is part of that message's answer.
type budgetCheck struct {
	costCenter, period, actor string
	message                   int // index in the transaction's part of the batch
}

// CheckAtEnd notes a budget to check when the batch settles, in a
// transaction that settles at its end; see budget.Tx.
func (tx *Tx) CheckAtEnd(costCenter, period string) bool {
	if tx.atEnd {
		tx.checks = append(tx.checks, budgetCheck{costCenter: costCenter, period: period, actor: tx.actor})
	}
	return tx.atEnd
}

// Wrap returns stx as an ERP transaction.
func Wrap(stx *store.Tx) *Tx { return &Tx{Tx: stx} }

// Emit appends an event to the ERP's event log in this transaction.
func (tx *Tx) Emit(ctx context.Context, kind integration.EventKind, documentKey string, payload any) error {
	actor := tx.actor
	if actor == "" {
		actor = tx.Actor().Username
	}
	ev, err := tx.EmitERPEvent(ctx, kind, documentKey, actor, payload)
	if err != nil {
		return err
	}
	tx.Events = append(tx.Events, ev)
	return nil
}

var _ procurement.Tx = (*Tx)(nil)

// ERP is the embedded ERP over a database; it is an integration.Connector.
type ERP struct {
	db *store.DB
}

// New returns the embedded ERP over db.
func New(db *store.DB) *ERP { return &ERP{db: db} }

var _ integration.Connector = (*ERP)(nil)

// Send applies m once per idempotency key; see integration.Connector.
func (e *ERP) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	for attempt := 0; ; attempt++ {
		var events []integration.Event
		err := e.db.InTx(ctx, func(stx *store.Tx) (err error) {
			events, err = Apply(ctx, Wrap(stx), m)
			return err
		})
		// Two deliveries of one key at once: the loser retries and finds
		// the winner's result.
		if store.IsDuplicate(err) && attempt < 3 {
			continue
		}
		return events, err
	}
}

var _ integration.BatchSender = (*ERP)(nil)

// batchTx is the most messages SendBatch applies in one transaction with
// a savepoint each. PostgreSQL caches 64 subtransactions per transaction;
// past that, every visibility check of a row reads pg_subtrans. 32 stays
// well inside the cache. batchWhole is the most it applies in one
// transaction without savepoints, which is how it tries first.
const (
	batchTx    = 32
	batchWhole = 200
)

// errRefused ends a transaction of SendBatch tried without savepoints when
// one of its messages is refused: it is tried again with a savepoint per
// message.
var errRefused = errors.New("erp: a message of the batch was refused")

// SendBatch applies ms in order and answers what Send would have, message
// by message. It first applies up to batchWhole messages in one
// transaction; when the ERP refuses one of them, that transaction is
// undone and its messages are applied again batchTx at a time, each within
// a savepoint: the refused message is undone alone and answered with its
// error, the others commit together; one skip says to pass over is
// answered integration.ErrNotTried. When a transaction itself fails, each
// of its messages gets that error and is sent again. (Two statements per
// message, the savepoint and its release, are saved in the usual case
// where the ERP refuses none.)
//
// On PostgreSQL a batch numbers its entries and events, adds its budget
// use and checks its budgets at its end (store.Tx.DeferERPNumbering):
// the ERP's numbering lock is held for that last step only, so that
// batches of several dispatchers, and a release's requisition beside
// them, do not wait for one another.
func (e *ERP) SendBatch(ctx context.Context, ms []integration.Message, skip func(i int, errs []error) bool) ([][]integration.Event, []error) {
	b := batch{ms: ms, skip: skip, events: make([][]integration.Event, len(ms)), errs: make([]error, len(ms))}
	for lo := 0; lo < len(ms); lo += batchWhole {
		hi := min(lo+batchWhole, len(ms))
		if !errors.Is(e.applyBatch(ctx, &b, lo, hi, false), errRefused) {
			continue
		}
		for l := lo; l < hi; l += batchTx {
			e.applyBatch(ctx, &b, l, min(l+batchTx, hi), true)
		}
	}
	return b.events, b.errs
}

// batch is what SendBatch applies and what it answers.
type batch struct {
	ms     []integration.Message
	skip   func(i int, errs []error) bool
	events [][]integration.Event
	errs   []error
}

// applyBatch applies b.ms[lo:hi] in one transaction, each message within a
// savepoint when savepoints is true; without, it returns errRefused when
// the ERP refuses one, having answered none.
func (e *ERP) applyBatch(ctx context.Context, b *batch, lo, hi int, savepoints bool) error {
	atEnd := e.db.Engine == store.Postgres
	err := e.db.InTx(ctx, func(stx *store.Tx) error {
		clear(b.events[lo:hi])
		clear(b.errs[lo:hi]) // a retried transaction starts over
		if atEnd {
			if err := stx.DeferERPNumbering(ctx); err != nil {
				return err
			}
		}
		keys := make([]string, 0, hi-lo)
		for _, m := range b.ms[lo:hi] {
			keys = append(keys, m.IdempotencyKey)
		}
		if err := stx.PrefetchERPMessages(ctx, keys); err != nil {
			return err
		}
		var checks []budgetCheck
		for i := lo; i < hi; i++ {
			if b.skip != nil && b.skip(i, b.errs[:i]) {
				b.errs[i] = integration.ErrNotTried
				continue
			}
			tx := Wrap(stx)
			tx.atEnd = atEnd
			apply := func() (err error) {
				b.events[i], err = Apply(ctx, tx, b.ms[i])
				return err
			}
			if savepoints {
				b.errs[i] = stx.Savepoint(ctx, apply)
			} else {
				b.errs[i] = apply()
			}
			switch err := b.errs[i]; {
			case err != nil && millwright.ErrorKind(err) == 0 && !store.IsDuplicate(err):
				return err // not the message's fault: the database's
			case err != nil && !savepoints:
				return errRefused
			case err == nil:
				for _, c := range tx.checks {
					c.message = i - lo
					checks = append(checks, c)
				}
			}
		}
		if !atEnd {
			return nil
		}
		return settle(ctx, stx, b.ms[lo:hi], b.events[lo:hi], checks)
	})
	if errors.Is(err, errRefused) {
		clear(b.events[lo:hi])
		clear(b.errs[lo:hi])
		return err
	}
	if err != nil {
		for i := lo; i < hi; i++ {
			b.events[i], b.errs[i] = nil, err
		}
	}
	return err
}

// settle ends a batch that deferred its numbering: it adds the batch's
// budget use, checks each budget it touched once (an alert is answered
// with the last message that touched the budget), and numbers the
// batch's entries and events, turning the answers' placeholders into the
// numbers committed.
func settle(ctx context.Context, stx *store.Tx, ms []integration.Message, events [][]integration.Event, checks []budgetCheck) error {
	if err := stx.SettleERPBudgets(ctx); err != nil {
		return err
	}
	last := map[[2]string]int{}
	for i, c := range checks {
		last[[2]string{c.costCenter, c.period}] = i
	}
	for i, c := range checks {
		if last[[2]string{c.costCenter, c.period}] != i {
			continue
		}
		tx := Wrap(stx)
		tx.actor = c.actor
		if err := budget.Check(ctx, tx, c.costCenter, c.period); err != nil {
			return err
		}
		if len(tx.Events) > 0 {
			events[c.message] = append(events[c.message], tx.Events...)
			stx.AddERPMessageEvents(ms[c.message].IdempotencyKey, tx.Events)
		}
	}
	r, err := stx.SettleERPNumbers(ctx)
	if err != nil {
		return err
	}
	for _, evs := range events {
		for j := range evs {
			evs[j] = r.Event(evs[j])
		}
	}
	return nil
}

// Events returns the events after seq; see integration.Connector.
func (e *ERP) Events(ctx context.Context, after int64, limit int) (events []integration.Event, err error) {
	err = e.db.View(ctx, func(tx *store.Tx) error {
		events, err = tx.ERPEvents(ctx, after, limit)
		return err
	})
	return events, err
}

// hash identifies a message's content, so that a key reused for another
// message is caught.
func hash(m integration.Message) string {
	h := sha256.New()
	h.Write([]byte(string(m.Kind) + "\n" + m.SiteID + "\n" + m.Actor + "\n"))
	var v any
	if json.Unmarshal(m.Payload, &v) == nil {
		b, _ := json.Marshal(v) // canonical: keys sorted, no spaces
		h.Write(b)
	} else {
		h.Write(m.Payload)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Apply applies m in tx, once: a key already applied answers the events of
// its first application and changes nothing; the same key with another
// message is a Conflict.
func Apply(ctx context.Context, tx *Tx, m integration.Message) ([]integration.Event, error) {
	if m.IdempotencyKey == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "a message needs an idempotency_key, so that a retry has no second effect")
	}
	sum := hash(m)
	prior, events, found, err := tx.ERPMessage(ctx, m.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	if found {
		if prior != sum {
			return nil, millwright.Errorf(millwright.Conflict, "idempotency_key_reused",
				"idempotency key %s was already used for another message; use a new key for a new message", m.IdempotencyKey)
		}
		return events, nil
	}
	if m.TimeZone != "" {
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			return nil, millwright.Errorf(millwright.Invalid, "bad_time_zone", "time_zone %q is not an IANA time zone such as Europe/Berlin", m.TimeZone)
		}
		if err := tx.SaveERPSite(ctx, m.SiteID, m.SiteCode, m.TimeZone); err != nil {
			return nil, err
		}
	}
	tx.actor = m.Actor
	defer func() { tx.actor = "" }()
	if err := apply(ctx, tx, m); err != nil {
		return nil, err
	}
	if err := tx.SaveERPMessage(ctx, m.IdempotencyKey, m.Kind, sum, tx.Events); err != nil {
		return nil, err
	}
	if tx.Events == nil {
		return []integration.Event{}, nil
	}
	return tx.Events, nil
}

func apply(ctx context.Context, tx *Tx, m integration.Message) error {
	switch m.Kind {
	case integration.KindRequisitionRequest:
		var p integration.RequisitionRequest
		if err := m.Decode(&p); err != nil {
			return err
		}
		in := procurement.NewRequisition{SiteID: m.SiteID, Source: procurement.FromRequest, Priority: p.Priority,
			CostCenter: p.CostCenter, ExpenseAccount: p.ExpenseAccount, RequestedBy: m.Actor, WorkOrderID: p.WorkOrderID, WorkOrderNumber: p.WorkOrderNumber, AssetID: p.AssetID}
		for _, l := range p.Lines {
			if l.ERPItemCode == "" {
				return millwright.Errorf(millwright.Invalid, "missing_field", "message %s: a requisition line names no erp_item_code", m.IdempotencyKey)
			}
			in.Lines = append(in.Lines, procurement.NewLine{ERPItemCode: l.ERPItemCode, Quantity: l.Quantity, Unit: l.Unit,
				NeededBy: l.NeededBy, UnitPrice: l.EstimatedUnitPrice, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
				Warehouse: l.Warehouse, Description: l.Description, Vendor: l.Vendor})
		}
		_, err := procurement.Create(ctx, tx, in)
		return err
	case integration.KindStockMovement:
		var p integration.StockMovement
		if err := m.Decode(&p); err != nil {
			return err
		}
		_, err := procurement.Move(ctx, tx, m.SiteID, p)
		return err
	case integration.KindStockLevel:
		var p integration.StockLevel
		if err := m.Decode(&p); err != nil {
			return err
		}
		_, err := procurement.Level(ctx, tx, m.SiteID, p)
		return err
	case integration.KindLaborCost:
		var p integration.LaborCost
		if err := m.Decode(&p); err != nil {
			return err
		}
		_, err := procurement.PostLabor(ctx, tx, m.SiteID, p)
		return err
	case integration.KindItemMaster:
		var p integration.ItemMaster
		if err := m.Decode(&p); err != nil {
			return err
		}
		_, err := procurement.SaveItem(ctx, tx, procurement.Item{Code: p.ERPItemCode, Description: p.Description, Unit: p.Unit,
			StockType: p.StockType, Vendor: p.Vendor, Price: p.Price, LeadTimeDays: p.LeadTimeDays})
		return err
	case integration.KindWorkOrderStatus:
		var p integration.WorkOrderStatus
		if err := m.Decode(&p); err != nil {
			return err
		}
		return workOrderStatus(ctx, tx, p)
	}
	return millwright.Errorf(millwright.Invalid, "bad_message", "message %s has kind %q, which the embedded ERP does not know", m.IdempotencyKey, m.Kind)
}

// workOrderStatus records a work order's new status; a cancelled work
// order's requisitions that are not ordered yet are cancelled with it.
func workOrderStatus(ctx context.Context, tx *Tx, p integration.WorkOrderStatus) error {
	if p.WorkOrderID == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "work-order status names no work_order_id")
	}
	if err := tx.Audit(ctx, "erp_work_order", p.WorkOrderID, "status", nil, p); err != nil {
		return err
	}
	if p.Status != "cancelled" {
		return nil
	}
	for _, status := range []string{procurement.Draft, procurement.Submitted, procurement.Approved} {
		reqs, err := tx.ERPRequisitions(ctx, store.ERPRequisitionFilter{WorkOrderID: p.WorkOrderID, Status: status, Limit: 500})
		if err != nil {
			return err
		}
		for _, r := range reqs.Items {
			if _, err := procurement.Cancel(ctx, tx, r.ID, "work order "+p.WorkOrderNumber+" was cancelled"); err != nil {
				return err
			}
		}
	}
	return nil
}

// PostManual posts a journal entry made by hand. Inventory is kept by the
// stock, so a manual entry may not touch it.
func PostManual(ctx context.Context, tx *Tx, e *ledger.Entry) error {
	e.Source, e.SourceID = "manual", ""
	for _, l := range e.Lines {
		if l.Account == ledger.Inventory {
			return millwright.Errorf(millwright.Rule, "control_account",
				"account %s (inventory) is kept by the stock and takes no manual entries; correct stock with an adjustment movement", l.Account)
		}
	}
	if len(e.Lines) < 2 {
		return e.Validate()
	}
	posted, err := ledger.Post(ctx, tx, e)
	if err != nil {
		return err
	}
	if !posted {
		return millwright.Errorf(millwright.Rule, "unbalanced", "every line of the entry is zero; an entry needs a debit and a credit")
	}
	return emitCosts(ctx, tx, e)
}

// checkBudgets checks the budget of each cost center an entry names.
func checkBudgets(ctx context.Context, tx *Tx, e *ledger.Entry) error {
	seen := map[string]bool{}
	for _, l := range e.Lines {
		if l.CostCenter == "" || seen[l.CostCenter] {
			continue
		}
		seen[l.CostCenter] = true
		if err := budget.Check(ctx, tx, l.CostCenter, e.Period); err != nil {
			return err
		}
	}
	return nil
}

// Reverse posts the reversal of a manual or labor entry. The entry of a
// document (receipt, invoice, stock movement) is corrected through the
// document, so that stock, GR/IR and the documents stay equal to the ledger.
func Reverse(ctx context.Context, tx *Tx, id, memo string) (*ledger.Entry, error) {
	orig, err := tx.ERPEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if orig.ReversesID != "" {
		return nil, millwright.Errorf(millwright.Conflict, "already_reversed", "entry %s is itself a reversal; post a new entry instead", orig.Number)
	}
	if orig.ReversedBy != "" {
		return nil, millwright.Errorf(millwright.Conflict, "already_reversed", "entry %s is already reversed", orig.Number)
	}
	if orig.Source != "manual" && orig.Source != "labor" {
		return nil, millwright.Errorf(millwright.Rule, "document_entry",
			"entry %s posts %s %s; correct that document (a return, an adjustment, a credit note) rather than its entry, so documents and ledger agree",
			orig.Number, orig.Source, orig.SourceID)
	}
	for _, l := range orig.Lines {
		if l.Account == ledger.Inventory {
			return nil, millwright.Errorf(millwright.Rule, "control_account",
				"entry %s moved inventory (account %s): correct it through the stock (an adjustment movement) so that stock and ledger stay equal", orig.Number, l.Account)
		}
	}
	r := orig.Reversal(memo)
	if _, err := ledger.Post(ctx, tx, r); err != nil {
		return nil, err
	}
	return r, emitCosts(ctx, tx, r)
}

// emitCosts emits cost_posted for each work order an entry charges on
// expense accounts.
func emitCosts(ctx context.Context, tx *Tx, e *ledger.Entry) error {
	sums := map[string]integration.CostPosted{}
	var order []string
	for _, l := range e.Lines {
		if l.WorkOrderID == "" {
			continue
		}
		a, err := tx.ERPAccount(ctx, l.Account)
		if err != nil {
			return err
		}
		if a.Type != ledger.Expense {
			continue
		}
		c, ok := sums[l.WorkOrderID]
		if !ok {
			order = append(order, l.WorkOrderID)
		}
		c.EntryID, c.EntryNumber, c.WorkOrderID, c.AssetID, c.CostCenter, c.Source = e.ID, e.Number, l.WorkOrderID, l.AssetID, l.CostCenter, e.Source
		c.Amount = c.Amount.Add(l.Debit).Sub(l.Credit)
		sums[l.WorkOrderID] = c
	}
	for _, wo := range order {
		if err := tx.Emit(ctx, integration.EventCostPosted, "work_order:"+wo, sums[wo]); err != nil {
			return err
		}
	}
	return checkBudgets(ctx, tx, e)
}
