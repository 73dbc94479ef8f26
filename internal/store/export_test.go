package store

import "context"

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
