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
// limit allows. It is for loading many records at once (the bench's
// loader): it writes no audit entry and checks no rule.
func (tx *Tx) InsertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
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
		if _, err := tx.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
