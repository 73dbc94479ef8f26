package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
)

// The audit trail is written in two steps (docs/security.md, "Audit trail").
//
// A write inserts its entry unsealed, in its own transaction: an id drawn
// without a lock (SQLite's rowid, a PostgreSQL identity sequence), its
// content, and no seq, prev_hash or hash. It touches no row another
// transaction writes, so writes to different records never wait for each
// other on the trail.
//
// The sealer (DB.SealAudit) then takes the chain's head row, gives the
// committed unsealed entries, in id order, the next seq numbers and their
// hashes, and moves the head, in one transaction. Only the sealer takes the
// head, so sealers in several processes on one database take turns and
// never fork the chain. Chain order is seal order: an entry whose
// transaction commits after a later id's was sealed is sealed in a later
// pass, with a higher seq than that entry.

// Audit appends an entry to the audit trail in this transaction. before and
// after are the record as JSON before and after the change (nil for none).
// The entry commits with the change or not at all: it is held, and written
// with the transaction's other entries just before the commit
// (writeAudits). It joins the hash chain when the sealer next runs
// (DB.SealAudit), which this wakes after the commit.
func (tx *Tx) Audit(ctx context.Context, entityType, entityID, action string, before, after any) error {
	tx.audits = append(tx.audits, []any{tx.now, tx.Actor().Username, entityType, entityID, action,
		string(mustJSON(before)), string(mustJSON(after))})
	if !tx.audited && tx.sealWake != nil {
		tx.audited = true
		tx.AfterCommit(func() {
			select {
			case tx.sealWake <- struct{}{}:
			default:
			}
		})
	}
	return nil
}

// auditCols are the columns of an audit row as Audit holds it.
var auditCols = []string{"at", "actor", "entity_type", "entity_id", "action", "before_json", "after_json"}

// auditAfter is the index of after_json in a held audit row: an ERP entry
// not numbered yet is named by a placeholder there until the transaction
// settles (SettleERPNumbers).
const auditAfter = 6

// writeAudits inserts the audit rows the transaction holds, in one
// statement for up to thousands of them: a transaction that writes one
// per record it changes (a batch of deliveries, a labor entry with its
// outbox message) pays one round trip for all. DB.InTx calls it before
// the commit. A savepoint rolled back drops the rows held since it began.
func (tx *Tx) writeAudits(ctx context.Context) error {
	if len(tx.audits) == 0 {
		return nil
	}
	rows := tx.audits
	tx.audits = nil
	if err := tx.InsertRows(ctx, "audit_log", auditCols, rows); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// auditsForRead writes the held audit rows before a read of the trail in
// the same transaction, unless a savepoint is open (undoing it would undo
// rows held before it) or ERP numbers are deferred (the rows may name a
// placeholder): then the read does not see them.
func (tx *Tx) auditsForRead(ctx context.Context) error {
	if tx.savepointDepth > 0 || tx.deferred != nil {
		return nil
	}
	return tx.writeAudits(ctx)
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

// SealWake is signalled after each commit that wrote an audit entry, so the
// sealer (audit.Sealer) can seal it without waiting for its next tick.
func (db *DB) SealWake() <-chan struct{} { return db.sealWake }

// sealBatch is the most entries one sealing transaction takes.
const sealBatch = 1000

// SealAudit seals the committed audit entries not yet in the chain, in
// batches of up to 1000 entries, each batch in a transaction of its own,
// and returns how many it sealed. It is safe to call at any time from any
// number of goroutines and processes: each batch holds the chain's head
// row (FOR UPDATE on PostgreSQL, the write lock on SQLite).
func (db *DB) SealAudit(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := db.sealOnce(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal the audit trail: %w", err)
		}
		if n < sealBatch {
			return total, nil
		}
	}
}

func (db *DB) sealOnce(ctx context.Context) (int, error) {
	// A look from a read connection first: on SQLite the write lock is the
	// one every writer queues for, so an idle sealer does not take it.
	var id int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id FROM audit_log WHERE seq IS NULL LIMIT 1`).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int
	err = db.InTx(ctx, func(tx *Tx) error {
		n = 0
		var head audit.Entry
		if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.forUpdate()).
			Scan(&head.Seq, &head.Hash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		// Read after the head is held: on PostgreSQL this statement's
		// snapshot then includes every batch sealed before.
		rows, err := tx.query(ctx, `
			SELECT id, at, actor, entity_type, entity_id, action, before_json, after_json
			FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT ?`, sealBatch)
		if err != nil {
			return err
		}
		var (
			ids     []int64
			entries []audit.Entry
		)
		for rows.Next() {
			var (
				id            int64
				e             audit.Entry
				before, after string
			)
			if err := rows.Scan(&id, (*dbTime)(&e.At), &e.Actor, &e.EntityType, &e.EntityID, &e.Action, &before, &after); err != nil {
				rows.Close()
				return err
			}
			e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
			ids, entries = append(ids, id), append(entries, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(entries) == 0 {
			return nil
		}
		prev := head
		for i := range entries {
			e := &entries[i]
			e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
			e.Hash = e.Sum()
			prev = *e
		}
		if err := tx.sealEntries(ctx, ids, entries); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, prev.Seq, prev.Hash); err != nil {
			return err
		}
		n = len(entries)
		return nil
	})
	return n, err
}

// sealEntries writes seq, prev_hash and hash of entries, the entries of
// ids, a few hundred rows per statement. The condition seq IS NULL makes a
// row sealed by someone else count as a failure rather than be resealed.
func (tx *Tx) sealEntries(ctx context.Context, ids []int64, entries []audit.Entry) error {
	const perStatement = 250
	for start := 0; start < len(entries); start += perStatement {
		end := min(start+perStatement, len(entries))
		var q strings.Builder
		args := make([]any, 0, 4*(end-start))
		q.WriteString(`UPDATE audit_log SET seq = v.column2, prev_hash = v.column3, hash = v.column4 FROM (VALUES `)
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(`(CAST(? AS BIGINT), CAST(? AS BIGINT), ?, ?)`)
			args = append(args, ids[i], entries[i].Seq, entries[i].PrevHash, entries[i].Hash)
		}
		q.WriteString(`) AS v WHERE audit_log.id = v.column1 AND audit_log.seq IS NULL`)
		res, err := tx.exec(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != int64(end-start) {
			return fmt.Errorf("sealed %d of %d audit entries: another sealer holds no lock on the chain's head", n, end-start)
		}
	}
	return nil
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	EntityType, EntityID string
	Cursor               string // the last seq of the previous page
	Limit                int
}

// AuditEntries lists audit entries in chain (seq) order. The page that
// reaches the end of the chain also lists, after it and in the order they
// were written, the entries not yet sealed (seq 0, no hashes), as many as
// fit; its next cursor is empty. A later read from the last seq lists them
// again, sealed. Readers that show the chain seal first (DB.SealAudit), so
// that only what committed since is unsealed.
func (tx *Tx) AuditEntries(ctx context.Context, f AuditFilter) (millwright.Page[audit.Entry], error) {
	var after int64
	if f.Cursor != "" {
		if _, err := fmt.Sscan(f.Cursor, &after); err != nil {
			return millwright.Page[audit.Entry]{}, millwright.Errorf(millwright.Invalid, "bad_cursor", "cursor %q is not one this API returned; pass next_cursor from the previous page", f.Cursor)
		}
	}
	if err := tx.auditsForRead(ctx); err != nil {
		return millwright.Page[audit.Entry]{}, err
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
	if len(items) == n {
		return millwright.NewPage(items, n, func(e audit.Entry) string { return fmt.Sprint(e.Seq) }), nil
	}
	rows, err = tx.query(ctx, `
		SELECT 0, at, actor, entity_type, entity_id, action, before_json, after_json, '', ''
		FROM audit_log
		WHERE seq IS NULL AND (? = '' OR entity_type = ?) AND (? = '' OR entity_id = ?)
		ORDER BY id
		LIMIT ?`, f.EntityType, f.EntityType, f.EntityID, f.EntityID, n-1-len(items))
	if err != nil {
		return millwright.Page[audit.Entry]{}, err
	}
	unsealed, err := scanAudit(rows)
	if err != nil {
		return millwright.Page[audit.Entry]{}, err
	}
	return millwright.Page[audit.Entry]{Items: append(items, unsealed...)}, nil
}

func scanAudit(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]audit.Entry, error) {
	defer rows.Close()
	out := []audit.Entry{}
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

// VerifyAudit seals what has committed, then walks the whole chain and
// says whether it is intact and, if not, at which entry it breaks, and how
// many entries committed since the seal are not yet in it.
func (db *DB) VerifyAudit(ctx context.Context) (audit.Verification, error) {
	if _, err := db.SealAudit(ctx); err != nil {
		return audit.Verification{}, err
	}
	var v audit.Verification
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		v, err = tx.VerifyAudit(ctx)
		return err
	})
	return v, err
}

// VerifyAudit walks the sealed chain and says whether it is intact and, if
// not, at which entry it breaks; Unsealed counts the entries the sealer has
// not reached, which the chain does not cover yet. Run it in a snapshot
// (DB.VerifyAudit does): in a transaction whose statements each see the
// latest commit, a seal between reading the head and the entries reads as
// a broken chain.
func (tx *Tx) VerifyAudit(ctx context.Context) (audit.Verification, error) {
	if err := tx.auditsForRead(ctx); err != nil {
		return audit.Verification{}, err
	}
	var headSeq int64
	var headHash string
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return audit.Verification{}, err
	}
	var unsealed int64
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL`).Scan(&unsealed); err != nil {
		return audit.Verification{}, err
	}
	result := func(v *audit.Verifier) (audit.Verification, error) {
		r := v.Result(headSeq, headHash)
		r.Unsealed = unsealed
		return r, nil
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
				return result(&v)
			}
		}
		if len(batch) < 1000 {
			return result(&v)
		}
		after = batch[len(batch)-1].Seq
	}
}
