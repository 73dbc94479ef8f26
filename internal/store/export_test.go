package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/millwright-cmms/millwright/internal/audit"
)

// TamperAuditForTest rewrites an entry's after-image behind the chain's back,
// as someone with database access might.
func (tx *Tx) TamperAuditForTest(ctx context.Context, seq int64, after string) error {
	_, err := tx.exec(ctx, `UPDATE audit_log SET after_json = ? WHERE seq = ?`, after, seq)
	return err
}

// MigrateToForTest upgrades the schema to version only, as an older
// release left it.
func (db *DB) MigrateToForTest(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// ExecForTest runs a statement behind every rule, as someone with database
// access might (? placeholders, as everywhere).
func (tx *Tx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}

// AuditAsBeforeForTest appends a sealed entry the way releases before the
// sealer did: in the writing transaction, at the chain's head.
func (tx *Tx) AuditAsBeforeForTest(ctx context.Context, entityID string) error {
	e := audit.Entry{At: tx.now, Actor: "old", EntityType: "work_order", EntityID: entityID, Action: "update",
		Before: mustJSON(nil), After: mustJSON(map[string]string{"id": entityID})}
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.forUpdate()).Scan(&e.Seq, &e.PrevHash); err != nil {
		return err
	}
	e.Seq++
	e.Hash = e.Sum()
	if _, err := tx.exec(ctx, `
		INSERT INTO audit_log (seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.Actor, e.EntityType, e.EntityID, e.Action, string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash)
	return err
}

// TraceForTest has f see every query tx runs, before it runs.
func (tx *Tx) TraceForTest(f func(q string, args []any)) { tx.trace = f }

// PlanForTest returns the plan of a query as the engine explains it: EXPLAIN
// QUERY PLAN on SQLite, EXPLAIN on PostgreSQL (with sequential scans
// disabled, so that the plan shows whether an index can serve the query
// at all, whatever the size of the test's tables), one line per row.
func (tx *Tx) PlanForTest(ctx context.Context, q string, args ...any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if tx.engine == Postgres {
		prefix = "EXPLAIN "
		if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", err
		}
	}
	rows, err := tx.query(ctx, prefix+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// CachedStmtsForTest is how many statements SQLite's write pool keeps prepared.
func (db *DB) CachedStmtsForTest() int {
	if db.writeStmts == nil {
		return 0
	}
	db.writeStmts.mu.Lock()
	defer db.writeStmts.mu.Unlock()
	return len(db.writeStmts.stmts)
}

// GroupCommitsForTest returns how many commits SQLite's write groups made.
func (db *DB) GroupCommitsForTest() int64 { return db.group.commits.Load() }

// HoldStateForTest holds an integration_state row to be written later
// (insertLater), as a batch's ERP rows are.
func (tx *Tx) HoldStateForTest(key, value string) {
	tx.insertLater("integration_state", []string{"key", "value"}, key, value)
}
