package store

import (
	"context"
	"strings"
)

// maxParams is the most placeholders one bulk statement carries: under
// SQLite's limit (32766) and PostgreSQL's (65535).
const maxParams = 30000

// InsertRows inserts rows, each the values of cols in order, into table
// with multi-row INSERT statements of as many rows as the placeholder
// limit allows, one round trip for up to that many rows (the bench's
// loader, a journal entry's lines). It writes no audit entry and checks
// no rule: its callers do.
func (tx *Tx) InsertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.insertRows(ctx, table, cols, rows, "")
}

// insertRows is InsertRows with a clause after the values, such as
// " ON CONFLICT DO NOTHING".
func (tx *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any, suffix string) error {
	per := max(1, maxParams/len(cols))
	one := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.Grow(len(head) + n*(len(one)+2))
		b.WriteString(head)
		args := make([]any, 0, n*len(cols))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := tx.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// inList is the placeholder list of an IN of n values: "(?, ?, ?)".
func inList(n int) string {
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

// conds gathers the conditions of a list's WHERE clause. A list puts
// only the filters it was given into its statement: a condition such as
// (? = ” OR status = ?) keeps a planner from using the index on status.
type conds struct {
	terms []string
	args  []any
}

// add appends a condition with its arguments.
func (c *conds) add(term string, args ...any) {
	c.terms = append(c.terms, term)
	c.args = append(c.args, args...)
}

// eq appends col = v when v is not "".
func (c *conds) eq(col, v string) {
	if v != "" {
		c.add(col+" = ?", v)
	}
}

// where is the conditions joined by AND (TRUE with none).
func (c *conds) where() string {
	if len(c.terms) == 0 {
		return "1 = 1"
	}
	return strings.Join(c.terms, " AND ")
}
