package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// SQLite has one writer, and a commit costs the WAL's fsync whatever the
// transaction wrote: write transactions that arrive while one runs are run
// next as one SQLite transaction, each in a savepoint of its own, and share
// one commit. A transaction whose fn fails is rolled back to its savepoint
// and fails alone; the others of its group commit. Each caller returns
// after the group's commit, with its own result, and runs its own
// after-commit work: what InTx promises holds for every member.
//
// The first caller to find no group running leads: it runs the waiting
// transactions, commits, and hands the lead to a caller still waiting, so
// no caller runs others' work after its own is done.

// maxGroup bounds the transactions of one group: a large group makes its
// first member wait for the others.
const maxGroup = 64

// writeGroup is the queue of write transactions waiting for the writer.
type writeGroup struct {
	mu      sync.Mutex
	waiting []*member
	leading bool
	commits atomic.Int64 // groups committed, for tests
}

// member is one write transaction of a group.
type member struct {
	ctx      context.Context
	fn       func(tx *Tx) error
	tx       *Tx
	err      error
	panicked any           // fn's panic, raised again in the caller
	lead     chan struct{} // closed when this member is to lead the next group
	done     chan struct{} // closed when the group ended: err holds the result
}

// groupTx runs fn as one member of a group commit (SQLite's writer).
func (db *DB) groupTx(ctx context.Context, fn func(tx *Tx) error) error {
	m := &member{ctx: ctx, fn: fn, lead: make(chan struct{}), done: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.waiting = append(g.waiting, m)
	if !g.leading {
		g.leading = true
		close(m.lead)
	}
	g.mu.Unlock()
	select {
	case <-m.done:
	case <-m.lead:
		db.leadGroup()
		<-m.done
	}
	if m.panicked != nil {
		panic(m.panicked)
	}
	if m.err != nil {
		return m.err
	}
	m.tx.committed()
	return nil
}

// leadGroup takes the waiting transactions (the leader's among them),
// runs and commits them, and passes the lead on.
func (db *DB) leadGroup() {
	g := &db.group
	g.mu.Lock()
	batch := g.waiting
	if len(batch) > maxGroup {
		batch = batch[:maxGroup:maxGroup]
	}
	g.waiting = g.waiting[len(batch):]
	g.mu.Unlock()

	db.commitGroup(batch)

	g.mu.Lock()
	if len(g.waiting) > 0 {
		close(g.waiting[0].lead)
	} else {
		g.leading = false
		g.waiting = nil
	}
	g.mu.Unlock()
	for _, m := range batch {
		close(m.done)
	}
}

// commitGroup runs batch's transactions in one SQLite transaction and
// commits it, leaving each member's result in its err.
func (db *DB) commitGroup(batch []*member) {
	// The group's transaction outlives any one member's context; each
	// member's statements run under its own, cancellation aside
	// (Tx.stmtCtx).
	stx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, m := range batch {
			m.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	alone := len(batch) == 1
	var kept []*member
	for _, m := range batch {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		m.tx = db.newTx(m.ctx, stx, db.write)
		m.tx.shared = !alone
		if alone {
			m.err = m.run()
		} else if m.err = db.runSaved(m); errors.Is(m.err, errGroupBroken) {
			// The savepoint could not be undone: the transaction may
			// hold part of m. Nothing of the group commits: the members
			// that would have, and those not run yet, fail with m's error.
			stx.Rollback()
			for _, o := range batch {
				if o != m && (o.err == nil || o.tx == nil) {
					o.err = fmt.Errorf("commit: %w", m.err)
				}
			}
			return
		}
		m.tx.prepareLater()
		if m.err == nil {
			kept = append(kept, m)
		}
	}
	if len(kept) == 0 {
		stx.Rollback()
		return
	}
	if err := stx.Commit(); err != nil {
		for _, k := range kept {
			k.err = fmt.Errorf("commit: %w", err)
		}
		return
	}
	db.group.commits.Add(1)
}

// errGroupBroken says a member's savepoint could not be undone.
var errGroupBroken = errors.New("the group's transaction could not undo a failed member")

// runSaved runs m in a savepoint of the group's transaction, undone if m
// fails.
func (db *DB) runSaved(m *member) error {
	exec := func(q string) error {
		if _, err := m.tx.tx.ExecContext(context.Background(), q); err != nil {
			return fmt.Errorf("%w: %w", errGroupBroken, err)
		}
		return nil
	}
	if err := exec("SAVEPOINT grp"); err != nil {
		return err
	}
	if err := m.run(); err != nil {
		if uerr := exec("ROLLBACK TO SAVEPOINT grp"); uerr != nil {
			return fmt.Errorf("%w (after %w)", uerr, err)
		}
		if uerr := exec("RELEASE SAVEPOINT grp"); uerr != nil {
			return fmt.Errorf("%w (after %w)", uerr, err)
		}
		return err
	}
	return exec("RELEASE SAVEPOINT grp")
}

// run runs the member's fn on its Tx; a panic is kept for the caller and
// fails the member.
func (m *member) run() (err error) {
	defer func() {
		if p := recover(); p != nil {
			m.panicked = p
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return m.tx.run(m.fn)
}
