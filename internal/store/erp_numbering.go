package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright/internal/integration"
)

// Numbering at the end of a transaction (PostgreSQL).
//
// The ERP numbers its journal entries and its events without gaps and in
// commit order (a poller reading the event log after seq n must never see
// n+2 before n+1), so a transaction that takes a number holds the
// numbering lock until it commits (lockERPNumbering). A batch of labor
// postings that took its first entry number at once would hold that lock
// for the whole batch, and with it the running budget totals of its cost
// centers: every other ERP transaction (a second dispatcher, a release's
// requisition) would wait behind the batch.
//
// A transaction that calls DeferERPNumbering instead writes its entries
// and events with placeholders and keeps its budget use in memory; at its
// end SettleERPBudgets takes the lock and adds the budget use, the caller
// checks the budgets it touched, and SettleERPNumbers numbers every entry
// and event in a few statements, just before the commit. The lock is held
// for that last step only, and the numbers stay gapless and in commit
// order. SQLite's single writer gains nothing from it and never defers.

// deferred is what a deferring transaction has left to number and add.
type deferred struct {
	base     int64               // placeholder sequence numbers are -(base+1), -(base+2), …
	entries  []deferredEntry     // entries written with a placeholder number
	events   []integration.Event // events written with a placeholder seq, as emitted
	messages []deferredMessage   // applied messages whose stored events hold placeholders
	budget   []budgetUse         // budget use not yet added, in the order first met
}

type deferredEntry struct{ id, placeholder string }

type deferredMessage struct {
	key    string
	events []integration.Event
}

// budgetUse is an amount to add to a cost center's running use.
type budgetUse struct {
	costCenter, period, siteID, account string
	cents                               int64
}

// mark is how much a deferring transaction had pending when a savepoint
// began, so that a message undone takes its pending work with it.
type mark struct{ entries, events, messages, budget int }

func (d *deferred) mark() mark {
	if d == nil {
		return mark{}
	}
	return mark{len(d.entries), len(d.events), len(d.messages), len(d.budget)}
}

func (d *deferred) undo(m mark) {
	if d == nil {
		return
	}
	d.entries, d.events, d.messages = d.entries[:m.entries], d.events[:m.events], d.messages[:m.messages]
	d.budget = d.budget[:m.budget]
}

// DeferERPNumbering makes tx write the ERP's entries and events with
// placeholder numbers and keep its budget use in memory, until
// SettleERPBudgets and SettleERPNumbers. It does nothing on SQLite.
func (tx *Tx) DeferERPNumbering(ctx context.Context) error {
	if tx.engine != Postgres || tx.deferred != nil {
		return nil
	}
	// The transaction's own id makes its placeholders unique among all
	// transactions writing at the same time (seq is the key of erp_events).
	var xid int64
	if err := tx.queryRow(ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
		return fmt.Errorf("deferred numbering: %w", err)
	}
	tx.deferred = &deferred{base: xid * placeholdersPerTx}
	return nil
}

// placeholdersPerTx bounds the events one deferring transaction may emit.
const placeholdersPerTx = 1_000_000

// entryPlaceholder is the number an entry carries until it is numbered:
// unique, since it holds the entry's id, and easy to find in a payload.
func entryPlaceholder(id string) string { return entryPlaceholderPrefix + id }

const entryPlaceholderPrefix = "JE-?"

func (d *deferred) nextSeq() (int64, error) {
	k := int64(len(d.events)) + 1
	if k >= placeholdersPerTx {
		return 0, fmt.Errorf("deferred numbering: more than %d events in one transaction", placeholdersPerTx-1)
	}
	return -(d.base + k), nil
}

// SettleERPBudgets takes the numbering lock and adds the budget use the
// transaction kept in memory to the running totals, so that the budgets
// it touched can be checked. Call it last, before SettleERPNumbers.
func (tx *Tx) SettleERPBudgets(ctx context.Context) error {
	d := tx.deferred
	if d == nil || len(d.entries) == 0 && len(d.events) == 0 && len(d.budget) == 0 {
		return nil
	}
	// The batch's held rows are written before the lock is taken, not
	// under it by the first statement that names their tables.
	if err := tx.writeHeld(ctx); err != nil {
		return err
	}
	if err := tx.lockERPNumbering(ctx); err != nil {
		return err
	}
	use := d.budget
	d.budget = nil
	// One statement per cost center, period, site and account, in one
	// order, so that two settling transactions take the rows alike.
	sum := map[budgetUse]int64{}
	for _, u := range use {
		k := u
		k.cents = 0
		sum[k] += u.cents
	}
	keys := make([]budgetUse, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b budgetUse) int {
		return strings.Compare(a.costCenter+"\x00"+a.period+"\x00"+a.siteID+"\x00"+a.account,
			b.costCenter+"\x00"+b.period+"\x00"+b.siteID+"\x00"+b.account)
	})
	for _, k := range keys {
		k.cents = sum[k]
		if err := tx.upsertBudgetUse(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Renumbering turns an event that left a deferring transaction with
// placeholders into the event as committed.
type Renumbering struct {
	seqs    map[int64]int64
	numbers *strings.Replacer
}

// Event returns ev with its final sequence number and entry numbers.
func (r Renumbering) Event(ev integration.Event) integration.Event {
	if s, ok := r.seqs[ev.Seq]; ok {
		ev.Seq = s
	}
	if r.numbers != nil && len(ev.Payload) > 0 {
		ev.Payload = json.RawMessage(r.numbers.Replace(string(ev.Payload)))
	}
	return ev
}

// SettleERPNumbers gives the transaction's entries and events their
// numbers, in the order they were written, under the numbering lock
// (SettleERPBudgets took it), and rewrites the placeholders wherever
// they were stored: the entries, the events and their payloads, the
// applied messages' answers, and the entries' audit records, which the
// transaction holds until its commit. The caller
// turns the events it holds with the Renumbering. The transaction must
// commit next; it writes no more entries or events.
func (tx *Tx) SettleERPNumbers(ctx context.Context) (Renumbering, error) {
	d := tx.deferred
	if d == nil || len(d.entries) == 0 && len(d.events) == 0 {
		return Renumbering{}, nil
	}
	if err := tx.SettleERPBudgets(ctx); err != nil { // takes the lock; a no-op when settled
		return Renumbering{}, err
	}
	tx.deferred = nil
	entryEnd, eventEnd, err := tx.reserveNumbers(ctx, len(d.entries), len(d.events))
	if err != nil {
		return Renumbering{}, err
	}
	r := Renumbering{seqs: make(map[int64]int64, len(d.events))}
	var ids, numbers, pairs []string
	for i, e := range d.entries {
		n := fmt.Sprintf("JE-%06d", entryEnd-int64(len(d.entries))+int64(i)+1)
		ids, numbers = append(ids, e.id), append(numbers, n)
		pairs = append(pairs, e.placeholder, n)
	}
	if len(pairs) > 0 {
		r.numbers = strings.NewReplacer(pairs...)
	}
	var olds, news []int64
	var payloads []string
	for i, ev := range d.events {
		seq := eventEnd - int64(len(d.events)) + int64(i) + 1
		r.seqs[ev.Seq] = seq
		olds, news = append(olds, ev.Seq), append(news, seq)
		payloads = append(payloads, string(r.Event(ev).Payload))
	}
	if len(ids) > 0 {
		if _, err := tx.exec(ctx, `UPDATE erp_entries e SET number = v.number
			FROM unnest(?::text[], ?::text[]) AS v(id, number) WHERE e.id = v.id`, ids, numbers); err != nil {
			return Renumbering{}, fmt.Errorf("number entries: %w", err)
		}
	}
	// The entries' audit records are still held (Tx.Audit): they get the
	// numbers before they are written.
	for _, row := range tx.audits {
		if after := row[auditAfter].(string); r.numbers != nil && strings.Contains(after, entryPlaceholderPrefix) {
			row[auditAfter] = r.numbers.Replace(after)
		}
	}
	if len(olds) > 0 {
		if _, err := tx.exec(ctx, `UPDATE erp_events e SET seq = v.seq, payload = v.payload
			FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS v(old, seq, payload) WHERE e.seq = v.old`, olds, news, payloads); err != nil {
			return Renumbering{}, fmt.Errorf("number events: %w", err)
		}
	}
	var keys, answers []string
	for _, m := range d.messages {
		evs := make([]integration.Event, len(m.events))
		for i, ev := range m.events {
			evs[i] = r.Event(ev)
		}
		b, err := json.Marshal(evs)
		if err != nil {
			return Renumbering{}, err
		}
		keys, answers = append(keys, m.key), append(answers, string(b))
	}
	if len(keys) > 0 {
		if _, err := tx.exec(ctx, `UPDATE erp_messages m SET events_json = v.events
			FROM unnest(?::text[], ?::text[]) AS v(key, events) WHERE m.idempotency_key = v.key`, keys, answers); err != nil {
			return Renumbering{}, fmt.Errorf("number applied messages' answers: %w", err)
		}
	}
	return r, nil
}

// reserveNumbers moves the entry and event counters on by the numbers the
// transaction needs and returns each counter's new value, the last number
// reserved.
func (tx *Tx) reserveNumbers(ctx context.Context, entries, events int) (entryEnd, eventEnd int64, err error) {
	rows, err := tx.query(ctx, `
		INSERT INTO erp_counters (name, value) VALUES ('entry', ?), ('event', ?)
		ON CONFLICT (name) DO UPDATE SET value = erp_counters.value + excluded.value
		RETURNING name, value`, entries, events)
	if err != nil {
		return 0, 0, fmt.Errorf("reserve numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return 0, 0, err
		}
		if name == "entry" {
			entryEnd = v
		} else {
			eventEnd = v
		}
	}
	return entryEnd, eventEnd, rows.Err()
}

// AddERPMessageEvents adds events to the answer of a message applied in
// this deferring transaction (a budget alert its posting caused, found
// when the budgets are settled).
func (tx *Tx) AddERPMessageEvents(key string, events []integration.Event) {
	if tx.deferred == nil {
		return
	}
	for i := range tx.deferred.messages {
		if m := &tx.deferred.messages[i]; m.key == key {
			m.events = append(m.events, events...)
			return
		}
	}
}
