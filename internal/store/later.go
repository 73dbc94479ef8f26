package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Rows written later.
//
// A batch of the ERP's postings inserts, per message, a journal entry, its
// lines, an event and the message's record: four round trips each, two
// hundred for a batch of fifty on PostgreSQL, where a round trip costs the
// client and the server more than the insert itself. Those inserts are
// held instead (insertLater) and written with one multi-row INSERT per
// table: before any statement of the transaction that names one of their
// tables, so that the transaction reads its own writes as before; before a
// savepoint, so that undoing it undoes only what was written inside; and
// at the end, before the commit. Only inserts that cannot conflict are
// held (a unique key of the row's own making, or a conflict that is
// ignored): a held row that failed would fail the statement that wrote it
// out, not its own message. The answers a delivery records (a labor
// posting's cost_posted event) are held the same way.

// heldRows are rows of one table waiting to be written.
type heldRows struct {
	table  string
	cols   []string
	rows   [][]any
	suffix string // after the values: " ON CONFLICT (seq) DO NOTHING"
}

// insertLater holds a row of table, the values of cols, to be written
// with the transaction's other held rows of that table.
func (tx *Tx) insertLater(table string, cols []string, row ...any) {
	tx.hold(table, "", cols, row)
}

// hold holds row as insertLater does, written with suffix after the
// values (the same for every row of table).
func (tx *Tx) hold(table, suffix string, cols []string, row []any) {
	for i := range tx.held {
		if h := &tx.held[i]; h.table == table {
			h.rows = append(h.rows, row)
			return
		}
	}
	tx.held = append(tx.held, heldRows{table: table, cols: cols, rows: [][]any{row}, suffix: suffix})
}

// writeHeld writes the held rows, one table after another in the order
// each was first held (a journal entry before its lines).
func (tx *Tx) writeHeld(ctx context.Context) error {
	held := tx.held
	tx.held = nil
	for _, h := range held {
		if err := tx.insertRows(ctx, h.table, h.cols, h.rows, h.suffix); err != nil {
			return err
		}
	}
	return nil
}

// writeHeldFor writes the held rows before statement q when q names one of
// their tables.
func (tx *Tx) writeHeldFor(ctx context.Context, q string) error {
	for _, h := range tx.held {
		if strings.Contains(q, h.table) {
			return tx.writeHeld(ctx)
		}
	}
	return nil
}

// insertSoon inserts a row of table: on PostgreSQL, outside a savepoint,
// it is held (insertLater) and written with the transaction's end;
// otherwise at once. For rows of a key of their own making: a conflict of
// a held row fails the whole transaction at its end, which outside a
// savepoint is what the insert's own failure would have done.
func (tx *Tx) insertSoon(ctx context.Context, table string, cols []string, row ...any) error {
	if tx.holding() {
		tx.insertLater(table, cols, row...)
		return nil
	}
	return tx.insertRows(ctx, table, cols, [][]any{row}, "")
}

// holding reports whether the transaction holds the rows insertSoon is
// given: on PostgreSQL, in a write transaction, outside a savepoint.
func (tx *Tx) holding() bool {
	return tx.engine == Postgres && tx.savepointDepth == 0 && tx.tx != nil
}

// writeEnd writes what a PostgreSQL transaction held for its end (its
// held rows, the ERP counters it took numbers from, the ERP events'
// work-order links and its audit rows) in one statement, each table's rows in an INSERT of its own joined by WITH:
// one round trip where there was one per table. PostgreSQL checks foreign
// keys at the end of the statement, so the order of the parts does not
// matter. Rows beyond one statement's parameters go table by table.
func (tx *Tx) writeEnd(ctx context.Context) error {
	parts := tx.held
	tx.held = nil
	var counters []*heldCounter
	if rows := tx.counterRows(&counters); len(rows) > 0 {
		parts = append(parts, heldRows{table: "erp_counters", cols: []string{"name", "value"}, rows: rows,
			suffix: " ON CONFLICT (name) DO UPDATE SET value = excluded.value"})
	}
	if len(tx.eventLinks) > 0 {
		parts = append(parts, heldRows{table: "inbound_event_work_orders", cols: eventLinkCols,
			rows: tx.eventLinks, suffix: " ON CONFLICT DO NOTHING"})
		tx.eventLinks = nil
	}
	if len(tx.audits) > 0 {
		parts = append(parts, heldRows{table: "audit_log", cols: auditCols, rows: tx.audits})
		tx.audits = nil
	}
	params := 0
	for _, p := range parts {
		params += len(p.cols) * len(p.rows)
	}
	defer func() {
		for _, c := range counters {
			c.read = c.value
		}
	}()
	if len(parts) < 2 || params > maxParams {
		for _, p := range parts {
			if err := tx.insertRows(ctx, p.table, p.cols, p.rows, p.suffix); err != nil {
				return tx.heldConflict(err)
			}
		}
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, params)
	for i, p := range parts {
		switch {
		case i == 0:
			b.WriteString("WITH ")
		case i < len(parts)-1:
			b.WriteString(", ")
		}
		if i < len(parts)-1 {
			fmt.Fprintf(&b, "w%d AS (", i)
		}
		b.WriteString("INSERT INTO " + p.table + " (" + strings.Join(p.cols, ", ") + ") VALUES ")
		one := "(" + strings.Repeat("?, ", len(p.cols)-1) + "?)"
		for j, r := range p.rows {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		b.WriteString(p.suffix)
		if i < len(parts)-1 {
			b.WriteString(")")
		}
		b.WriteString("\n")
	}
	_, err := tx.exec(ctx, b.String(), args...)
	return tx.heldConflict(err)
}

// heldConflict names the message whose idempotency key a held outbox row
// found taken, as EnqueueMessage does for one written at once.
func (tx *Tx) heldConflict(err error) error {
	var pe *pgconn.PgError
	if !IsDuplicate(err) || !errors.As(err, &pe) || pe.TableName != "integration_messages" {
		return err
	}
	key := pe.Detail
	if _, v, ok := strings.Cut(pe.Detail, ")=("); ok {
		key = strings.TrimSuffix(v, ") already exists.")
	}
	return duplicate(err, "message %s is already in the outbox", key)
}
