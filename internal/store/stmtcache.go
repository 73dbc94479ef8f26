package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds a pool's prepared statements: the store's queries
// are a few hundred fixed texts; a text built per call beyond the bound
// (a list of n placeholders) is parsed each time, as without the cache.
const maxCachedStmts = 2048

// stmtCache keeps the prepared statements of one SQLite pool by their
// text. SQLite parses a statement on every call otherwise, a third of the
// outbox dispatcher's time; the PostgreSQL driver keeps its own cache.
//
// A statement is prepared after the transaction that first ran it, in the
// background: SQLite's write pool has one connection, which that
// transaction holds. database/sql then keeps the statement prepared on
// each connection that runs it.
type stmtCache struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	seen  map[string]bool // being prepared, or failed to prepare
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, seen: map[string]bool{}}
}

// get returns the prepared statement of q, or nil when it is not prepared
// yet; then it reports whether the caller should prepare it (prepare,
// after its transaction).
func (c *stmtCache) get(q string) (st *sql.Stmt, prepare bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[q]; st != nil {
		return st, false
	}
	if c.seen[q] || len(c.seen) >= maxCachedStmts {
		return nil, false
	}
	c.seen[q] = true
	return nil, true
}

// prepare prepares qs and keeps them; one that fails stays unprepared.
func (c *stmtCache) prepare(qs []string) {
	for _, q := range qs {
		st, err := c.db.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.stmts[q] = st
		c.mu.Unlock()
	}
}

// stmt is q prepared in tx when the pool's cache holds it; otherwise nil,
// and q is prepared after the transaction ends.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.cache == nil {
		return nil
	}
	st, prepare := tx.cache.get(q)
	if st != nil && tx.tx == nil { // DB.Lookup: the pool's statement itself
		return st
	}
	if st != nil {
		return tx.tx.StmtContext(ctx, st)
	}
	if prepare {
		tx.unprepared = append(tx.unprepared, q)
	}
	return nil
}
