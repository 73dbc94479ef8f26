package store

import (
	"context"
	"strings"
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
