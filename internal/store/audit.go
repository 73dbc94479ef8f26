package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
)

// Audit appends an entry to the audit trail in this transaction. before and
// after are the record as JSON before and after the change (nil for none).
func (tx *Tx) Audit(ctx context.Context, entityType, entityID, action string, before, after any) error {
	e := audit.Entry{
		At:         tx.now,
		Actor:      tx.Actor().Username,
		EntityType: entityType,
		EntityID:   entityID,
		Action:     action,
		Before:     mustJSON(before),
		After:      mustJSON(after),
	}
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.forUpdate()).
		Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Seq++
	e.Hash = e.Sum()
	if _, err := tx.exec(ctx, `
		INSERT INTO audit_log (seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.Actor, e.EntityType, e.EntityID, e.Action, string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	_, err := tx.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash)
	return err
}

// lockAuditHead takes the audit chain's head row until the transaction
// ends (a no-op on SQLite, whose single writer holds every lock at once).
func (tx *Tx) lockAuditHead(ctx context.Context) error {
	if tx.engine != Postgres {
		return nil
	}
	var one int
	if err := tx.queryRow(ctx, `SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&one); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("audit: cannot encode %T: %v", v, err))
	}
	return b
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	EntityType, EntityID string
	Cursor               string // the last seq of the previous page
	Limit                int
}

// AuditEntries lists audit entries in sequence order.
func (tx *Tx) AuditEntries(ctx context.Context, f AuditFilter) (millwright.Page[audit.Entry], error) {
	var after int64
	if f.Cursor != "" {
		if _, err := fmt.Sscan(f.Cursor, &after); err != nil {
			return millwright.Page[audit.Entry]{}, millwright.Errorf(millwright.Invalid, "bad_cursor", "cursor %q is not one this API returned; pass next_cursor from the previous page", f.Cursor)
		}
	}
	n := page(f.Limit)
	rows, err := tx.query(ctx, `
		SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash
		FROM audit_log
		WHERE seq > ? AND (? = '' OR entity_type = ?) AND (? = '' OR entity_id = ?)
		ORDER BY seq
		LIMIT ?`, after, f.EntityType, f.EntityType, f.EntityID, f.EntityID, n)
	if err != nil {
		return millwright.Page[audit.Entry]{}, err
	}
	items, err := scanAudit(rows)
	if err != nil {
		return millwright.Page[audit.Entry]{}, err
	}
	return millwright.NewPage(items, n, func(e audit.Entry) string { return fmt.Sprint(e.Seq) }), nil
}

func scanAudit(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]audit.Entry, error) {
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var (
			e             audit.Entry
			before, after string
		)
		if err := rows.Scan(&e.Seq, (*dbTime)(&e.At), &e.Actor, &e.EntityType, &e.EntityID, &e.Action,
			&before, &after, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the whole chain and says whether it is intact and, if
// not, at which entry it breaks.
func (tx *Tx) VerifyAudit(ctx context.Context) (audit.Verification, error) {
	var headSeq int64
	var headHash string
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return audit.Verification{}, err
	}
	var v audit.Verifier
	var after int64
	for {
		rows, err := tx.query(ctx, `
			SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash
			FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000`, after)
		if err != nil {
			return audit.Verification{}, err
		}
		batch, err := scanAudit(rows)
		if err != nil {
			return audit.Verification{}, err
		}
		for i := range batch {
			if !v.Check(&batch[i]) {
				return v.Result(headSeq, headHash), nil
			}
		}
		if len(batch) < 1000 {
			return v.Result(headSeq, headHash), nil
		}
		after = batch[len(batch)-1].Seq
	}
}
