// Package store keeps Millwright's records in SQLite (the embedded default)
// or PostgreSQL (the scale-out store) with one schema and one set of queries.
// Statements are written with ? placeholders; the dialect rewrites them for
// PostgreSQL. Only statements that truly differ are per engine.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store/postgres"
	sqlitemig "github.com/millwright-cmms/millwright/internal/store/sqlite"
)

// Engine names a database engine.
type Engine string

// The engines Millwright runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open Millwright database.
type DB struct {
	Engine Engine
	write  *sql.DB // SQLite: one connection, so writers queue instead of failing busy
	read   *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: same as write
	// SQLite: the prepared statements of write and of read.
	writeStmts, readStmts *stmtCache
	// PostgreSQL: the $n text of each statement (Tx.rebind).
	rebound *reboundTexts
	dsn     string

	// Clock returns the current time; tests replace it.
	Clock func() time.Time

	// wake is signalled after a commit that wrote an outbox message.
	wake chan struct{}
	// sealWake is signalled after a commit that wrote an audit entry.
	sealWake chan struct{}

	retried atomic.Int64 // transactions run again after a deadlock or serialization failure
	group   writeGroup   // SQLite: write transactions sharing a commit (groupTx)
}

// Retried returns how many write transactions were run again after a
// deadlock or a serialization failure (PostgreSQL). Transactions that take
// their locks in one order are never retried; a count that grows means
// lock contention, and each deadlock costs a second (deadlock_timeout).
func (db *DB) Retried() int64 { return db.retried.Load() }

// DefaultDSN is the embedded default database.
const DefaultDSN = "sqlite:./millwright.db"

// Open opens the database named by dsn: "sqlite:PATH" or "postgres://...".
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: dsn, Clock: time.Now, wake: make(chan struct{}, 1), sealWake: make(chan struct{}, 1)}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, millwright.Errorf(millwright.Invalid, "bad_dsn", "the sqlite DSN %q names no file; use sqlite:./millwright.db", dsn)
		}
		db.Engine = SQLite
		// WAL lets readers run beside the one writer. synchronous=FULL makes a
		// commit durable on power loss: the outbox and the ledger depend on it.
		// _txlock=immediate takes the write lock at BEGIN, so a read-then-write
		// transaction never fails with SQLITE_BUSY half way. temp_store
		// keeps the writer's statement journals (a savepoint per message
		// of an ERP batch) in memory, not in temporary files written
		// through the kernel: a batch's pwrite calls fell by two thirds.
		pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
		w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, err
		}
		r.SetMaxOpenConns(4)
		db.write, db.read = w, r
		db.writeStmts, db.readStmts = newStmtCache(w), newStmtCache(r)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.Engine = Postgres
		db.rebound = &reboundTexts{m: map[string]string{}}
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, millwright.Errorf(millwright.Invalid, "bad_dsn", "cannot read the PostgreSQL DSN: %v", err)
		}
		// Connections are kept while they are used at all: a new one
		// costs a PostgreSQL backend's start, milliseconds, where the
		// dispatcher's lanes and the API's requests each hold one.
		p.SetMaxOpenConns(16)
		p.SetMaxIdleConns(16)
		p.SetConnMaxIdleTime(30 * time.Second)
		db.write, db.read = p, p
	default:
		return nil, millwright.Errorf(millwright.Invalid, "bad_dsn",
			"unknown database %q: use sqlite:PATH or postgres://user@host:port/db", dsn)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s database: %w", db.Engine, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Migrate creates or upgrades the schema with the migrations embedded in the binary.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrations is the migration provider of the database's engine.
func (db *DB) migrations() (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		fsys    fs.FS
	)
	switch db.Engine {
	case SQLite:
		dialect, fsys = goose.DialectSQLite3, sqlitemig.Migrations
	default:
		dialect, fsys = goose.DialectPostgres, postgres.Migrations
	}
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	// Migrations are numbered by feature, and features land in any order:
	// a database that has a later one applies an earlier one it lacks.
	// Every migration only adds, so the order between features does not matter.
	p, err := goose.NewProvider(dialect, db.write, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return p, nil
}

// InTx runs fn in a write transaction and commits it when fn returns nil.
// The change, its audit entries and its outbox messages commit together or
// not at all. On PostgreSQL a serialization failure or deadlock is retried.
// On SQLite transactions that wait for the writer together share one
// commit, each still all or nothing (groupTx).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.Engine == SQLite {
		return db.groupTx(ctx, fn)
	}
	for attempt := 0; ; attempt++ {
		err := db.inTx(ctx, db.write, &sql.TxOptions{}, fn)
		if attempt < 5 && retryable(err) {
			db.retried.Add(1)
			continue
		}
		return err
	}
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTx(ctx, db.read, &sql.TxOptions{ReadOnly: db.Engine == Postgres}, fn)
}

// Lookup runs fn, a read of one statement, on the read pool outside any
// transaction. One statement sees one committed state by itself; a read
// transaction around it would cost PostgreSQL two round trips more (BEGIN,
// COMMIT) and SQLite two statements more. fn must run one statement only:
// two would each see a state of their own. Authentication, on every
// request, reads this way.
func (db *DB) Lookup(ctx context.Context, fn func(tx *Tx) error) error {
	tx := &Tx{conn: db.read, engine: db.Engine, now: db.Clock().UTC().Truncate(time.Microsecond), ctx: ctx, cache: db.readStmts, rebound: db.rebound}
	err := fn(tx)
	if len(tx.unprepared) > 0 {
		go tx.cache.prepare(tx.unprepared)
	}
	return err
}

// snapshot runs fn in a read-only transaction whose every statement sees
// the same committed state: REPEATABLE READ on PostgreSQL, where View's
// READ COMMITTED gives each statement a snapshot of its own. A SQLite read
// transaction is a snapshot already (WAL).
func (db *DB) snapshot(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{}
	if db.Engine == Postgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return db.inTx(ctx, db.read, opts, fn)
}

func (db *DB) inTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := db.newTx(ctx, stx, pool)
	defer tx.prepareLater()
	defer func() {
		// A panic in fn must not leave the transaction, its locks and
		// its connection, open.
		if p := recover(); p != nil {
			stx.Rollback()
			panic(p)
		}
	}()
	if err := tx.run(fn); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.committed()
	return nil
}

// newTx is a Tx on stx, a transaction of pool.
func (db *DB) newTx(ctx context.Context, stx *sql.Tx, pool *sql.DB) *Tx {
	tx := &Tx{tx: stx, conn: stx, engine: db.Engine, now: db.Clock().UTC().Truncate(time.Microsecond), ctx: ctx, wake: db.wake, sealWake: db.sealWake, rebound: db.rebound}
	tx.cache = db.readStmts
	if pool == db.write {
		tx.cache = db.writeStmts
	}
	return tx
}

// run runs fn and then writes what the transaction held for its end:
// the ERP counters, the events' work-order links and the audit rows.
func (tx *Tx) run(fn func(tx *Tx) error) error {
	if err := fn(tx); err != nil {
		return err
	}
	if tx.engine == Postgres {
		if tx.heldErr != nil {
			return tx.heldErr
		}
		return tx.writeEnd(tx.ctx)
	}
	if err := tx.writeHeld(tx.ctx); err != nil {
		return err
	}
	if tx.heldErr != nil {
		return tx.heldErr
	}
	if err := tx.writeCounters(tx.ctx); err != nil {
		return err
	}
	if err := tx.writeEventLinks(tx.ctx); err != nil {
		return err
	}
	return tx.writeAudits(tx.ctx)
}

// committed runs what waited for the commit.
func (tx *Tx) committed() {
	for _, f := range tx.afterCommit {
		f()
	}
}

// prepareLater prepares, in the background, the statements the
// transaction ran that the pool's cache did not hold yet.
func (tx *Tx) prepareLater() {
	if len(tx.unprepared) > 0 {
		go tx.cache.prepare(tx.unprepared)
	}
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Tx is a database transaction. Its methods, one file per domain, are the
// only SQL in Millwright.
type Tx struct {
	tx             *sql.Tx // nil in DB.Lookup, which runs outside a transaction
	conn           sqlConn // tx, or in DB.Lookup the read pool
	engine         Engine
	now            time.Time
	ctx            context.Context
	afterCommit    []func()
	wake           chan struct{}
	savepoints     int // savepoints taken, for their names
	sealWake       chan struct{}
	audited        bool                       // an audit entry was written: wake the sealer after the commit
	stmts          map[string]*sql.Stmt       // execPrepared's, closed with the transaction
	rebound        *reboundTexts              // PostgreSQL: rebind's texts
	cache          *stmtCache                 // SQLite: the pool's prepared statements
	unprepared     []string                   // queries to add to cache after the transaction
	meterPlans     map[[2]string][]pm.Plan    // PlansForMeter's, by asset and meter
	trace          func(q string, args []any) // tests: sees each query (TraceForTest)
	deferred       *deferred                  // PostgreSQL: ERP numbers left to the end (DeferERPNumbering)
	numbering      bool                       // the ERP's numbering lock is held (lockERPNumbering)
	erpReads       *erpReads                  // the ERP's master data read in this transaction
	audits         [][]any                    // audit rows written at the commit, in one statement (Audit)
	eventLinks     [][]any                    // the recorded events' work-order links, written at the commit (RecordEvent)
	savepointDepth int                        // savepoints open (Savepoint)
	posting        *postingMemo               // PostgreSQL: what SiteAndAsset read for the postings after it
	lastWO         lastWorkOrder              // the work order read last
	counters       map[string]*heldCounter    // the ERP counters taken from (ERPNextNumber)
	shared         bool                       // SQLite: a member of a group sharing one transaction (groupTx)
	held           []heldRows                 // rows written later (insertLater)
	heldErr        error                      // writing them before a QueryRow failed: the transaction fails
}

// sqlConn is what a Tx runs its statements on: a *sql.Tx, or the read
// pool's *sql.DB in DB.Lookup.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Now is the time of the transaction, fixed when it began.
func (tx *Tx) Now() time.Time { return tx.now }

// Actor is the principal the transaction acts for.
func (tx *Tx) Actor() millwright.Principal { return millwright.PrincipalFrom(tx.ctx) }

// AfterCommit runs f once the transaction has committed.
func (tx *Tx) AfterCommit(f func()) { tx.afterCommit = append(tx.afterCommit, f) }

// Engine is the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.engine }

// Savepoint runs fn within a savepoint of tx: when fn fails, what it wrote
// is undone and the rest of the transaction goes on.
func (tx *Tx) Savepoint(ctx context.Context, fn func() error) error {
	tx.savepoints++
	tx.savepointDepth++
	defer func() { tx.savepointDepth-- }()
	name := fmt.Sprintf("sp%d", tx.savepoints)
	// Rows held before the savepoint are written before it: undoing it
	// must not undo them.
	if err := tx.writeHeld(ctx); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	// What fn leaves pending goes with it when it is undone, and so does
	// a lock it took (PostgreSQL releases those at the rollback).
	pending, numbering, audits, links, counters := tx.deferred.mark(), tx.numbering, len(tx.audits), len(tx.eventLinks), tx.counterMark()
	if err := fn(); err != nil {
		tx.held = nil // held inside the savepoint: undone with it
		tx.deferred.undo(pending)
		tx.undoCounters(counters)
		if !numbering && tx.engine == Postgres {
			// The numbering lock was taken inside and is released with
			// it: what the counters read under it may be stale by the
			// next number (none was taken before the savepoint).
			tx.counters = nil
		}
		tx.numbering, tx.erpReads, tx.audits, tx.eventLinks = numbering, nil, tx.audits[:audits], tx.eventLinks[:links]
		if _, rerr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := tx.exec(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.exec(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

// stmtCtx is the context a statement runs under. A member of a SQLite
// group (groupTx) shares its transaction with others, and SQLite rolls a
// whole transaction back when a write in it is interrupted: a member's
// statements are not interrupted when its caller gives up, they run to
// their end (a member whose context is done before it starts is not run).
func (tx *Tx) stmtCtx(ctx context.Context) context.Context {
	if tx.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.forget(q)
	ctx = tx.stmtCtx(ctx)
	if err := tx.writeHeldFor(ctx, q); err != nil {
		return nil, err
	}
	if st := tx.stmt(ctx, q); st != nil {
		res, err := st.ExecContext(ctx, tx.args(args)...)
		return res, tx.translate(err)
	}
	res, err := tx.conn.ExecContext(ctx, tx.rebind(q), tx.args(args)...)
	return res, tx.translate(err)
}

// execPrepared is exec for a statement run many times in one transaction,
// such as the insert of a batch of readings: SQLite parses it once per
// transaction instead of once per call. (The PostgreSQL driver caches
// the statements of each connection already.)
func (tx *Tx) execPrepared(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx.engine != SQLite {
		return tx.exec(ctx, q, args...)
	}
	ctx = tx.stmtCtx(ctx)
	if err := tx.writeHeldFor(ctx, q); err != nil {
		return nil, err
	}
	st, ok := tx.stmts[q]
	if !ok {
		var err error
		if st, err = tx.tx.PrepareContext(ctx, q); err != nil {
			return nil, tx.translate(err)
		}
		if tx.stmts == nil {
			tx.stmts = map[string]*sql.Stmt{}
		}
		tx.stmts[q] = st
	}
	res, err := st.ExecContext(ctx, tx.args(args)...)
	return res, tx.translate(err)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.forget(q)
	ctx = tx.stmtCtx(ctx)
	if err := tx.writeHeldFor(ctx, q); err != nil {
		return nil, err
	}
	if tx.trace != nil {
		tx.trace(q, args)
	}
	if st := tx.stmt(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, tx.args(args)...)
		return rows, tx.translate(err)
	}
	rows, err := tx.conn.QueryContext(ctx, tx.rebind(q), tx.args(args)...)
	return rows, tx.translate(err)
}

// indexedBy names the index a SQLite query must use (" INDEXED BY
// name"), and is empty on PostgreSQL, whose planner keeps statistics.
// SQLite's planner has none (no ANALYZE is run) and, for the outbox's
// claims, chose the index of every due message and a sort: 10 ms a claim
// over a backlog of 3,000 where the pending messages' own index, walked in
// id order to the limit, takes 0.2 ms.
func (tx *Tx) indexedBy(name string) string {
	if tx.engine == SQLite {
		return " INDEXED BY " + name
	}
	return ""
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	tx.forget(q)
	ctx = tx.stmtCtx(ctx)
	if err := tx.writeHeldFor(ctx, q); err != nil && tx.heldErr == nil {
		tx.heldErr = err // the row may miss them: the transaction fails at its end
	}
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, tx.args(args)...)
	}
	return tx.conn.QueryRowContext(ctx, tx.rebind(q), tx.args(args)...)
}

// forUpdate is the row-lock suffix of a SELECT that is followed by an
// UPDATE of the same row. SQLite needs none: a write transaction holds the
// database lock from BEGIN IMMEDIATE.
func (tx *Tx) forUpdate() string {
	if tx.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// rebind rewrites ? placeholders to $1, $2, ... for PostgreSQL. The store's
// statements are a few hundred fixed texts run over and over, so each is
// rewritten once and kept (DB.rebound).
func (tx *Tx) rebind(q string) string {
	if tx.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	if pq, ok := tx.rebound.get(q); ok {
		return pq
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	pq := b.String()
	tx.rebound.put(q, pq)
	return pq
}

// reboundTexts keeps the PostgreSQL text of each statement rebind has
// rewritten, up to maxCachedStmts of them: beyond that (texts built per
// call, such as a list of n placeholders) a text is rewritten each time.
// A nil *reboundTexts keeps nothing.
type reboundTexts struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *reboundTexts) get(q string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	pq, ok := c.m[q]
	return pq, ok
}

func (c *reboundTexts) put(q, pq string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) < maxCachedStmts {
		c.m[q] = pq
	}
}

// args converts times to the engine's form: UTC timestamps on PostgreSQL,
// fixed-width sortable UTC text on SQLite.
func (tx *Tx) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = encodeTime(tx.engine, v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = encodeTime(tx.engine, *v)
			}
		}
	}
	return args
}

const sqliteTime = "2006-01-02T15:04:05.000000Z"

func encodeTime(e Engine, t time.Time) any {
	if e == SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

// translate turns a unique-key violation into a Conflict error; other
// errors pass unchanged.
func (tx *Tx) translate(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &uniqueError{constraint: pe.ConstraintName, err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == 2067 || se.Code() == 1555) { // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
		return &uniqueError{constraint: se.Error(), err: err}
	}
	return err
}

// uniqueError is a unique-key violation; callers turn it into a Conflict
// that names the business key.
type uniqueError struct {
	constraint string
	err        error
}

func (e *uniqueError) Error() string { return "duplicate key: " + e.err.Error() }
func (e *uniqueError) Unwrap() error { return e.err }

// IsDuplicate reports whether err is a unique-key violation.
func IsDuplicate(err error) bool {
	var u *uniqueError
	return errors.As(err, &u)
}

// duplicate returns a Conflict error saying what is taken when err is a
// unique-key violation, and err otherwise.
func duplicate(err error, format string, args ...any) error {
	if IsDuplicate(err) {
		return millwright.Errorf(millwright.Conflict, "duplicate_key", format, args...)
	}
	return err
}

// dbTime scans a UTC time from either engine.
type dbTime time.Time

func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*t = dbTime(v.UTC())
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	case nil:
		*t = dbTime(time.Time{})
	default:
		return fmt.Errorf("cannot scan %T as a time", src)
	}
	return nil
}

func (t *dbTime) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = dbTime(p.UTC())
	return nil
}

// nullTime scans a nullable time into a *time.Time that stays nil for NULL.
type nullTime struct{ p **time.Time }

func (n nullTime) Scan(src any) error {
	if src == nil {
		*n.p = nil
		return nil
	}
	var t dbTime
	if err := t.Scan(src); err != nil {
		return err
	}
	tt := time.Time(t)
	*n.p = &tt
	return nil
}

// nullStr scans a nullable text into a string that is "" for NULL.
type nullStr string

func (n *nullStr) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = ""
	case string:
		*n = nullStr(v)
	case []byte:
		*n = nullStr(v)
	default:
		*n = nullStr(fmt.Sprint(v))
	}
	return nil
}

// null returns nil for "", so that an empty reference is stored as NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NextNumber returns the next value of the named counter, such as the
// number of the next work order.
func (tx *Tx) NextNumber(ctx context.Context, name string) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `
		INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		RETURNING value`, name).Scan(&n)
	return n, err
}

// page applies cursor paging: rows with id greater than cursor, at most
// limit+1 of them, so the caller can tell whether there is a next page.
func page(limit int) int {
	if limit <= 0 || limit > 500 {
		return 101
	}
	return limit + 1
}

// Empty reports whether the database holds no plant yet (no site).
func (tx *Tx) Empty(ctx context.Context) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites`).Scan(&n)
	return n == 0, err
}

// Exec runs one administrative statement outside any transaction, such as
// creating a schema for a benchmark.
func (db *DB) Exec(ctx context.Context, stmt string) error {
	_, err := db.write.ExecContext(ctx, stmt)
	return err
}

// baselineTable is the table BaselineCommit writes: the audit trail's
// columns and its entity index; the bench creates it with CreateBaseline.
const baselineTable = `CREATE TABLE IF NOT EXISTS bench_baseline (
	seq         INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	actor       TEXT NOT NULL,
	entity_type TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	action      TEXT NOT NULL,
	before_json TEXT NOT NULL,
	after_json  TEXT NOT NULL)`

// CreateBaseline creates the table of BaselineCommit.
func (db *DB) CreateBaseline(ctx context.Context) error {
	q := baselineTable
	if db.Engine == Postgres {
		q = strings.Replace(q, "INTEGER PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", 1)
	}
	if err := db.Exec(ctx, q); err != nil {
		return err
	}
	return db.Exec(ctx, `CREATE INDEX IF NOT EXISTS bench_baseline_entity ON bench_baseline (entity_type, entity_id)`)
}

// BaselineCommit is the minimal transaction of the shape of a store
// commit: a counter and a row of the audit trail's columns, written with
// database/sql alone on the same connections and durability, none of the
// store's layers (audit sealing, statement cache, outbox wake-ups). The
// bench measures store commits against it.
func (db *DB) BaselineCommit(ctx context.Context, counter string) error {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer stx.Rollback()
	insertCounter := `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`
	insertRow := `INSERT INTO bench_baseline (at, actor, entity_type, entity_id, action, before_json, after_json)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	if db.Engine == Postgres {
		insertCounter = strings.Replace(insertCounter, "?", "$1", 1)
		insertRow = strings.NewReplacer("(?, ?, ?, ?, ?, ?, ?)", "($1, $2, $3, $4, $5, $6, $7)").Replace(insertRow)
	}
	var n int64
	if err := stx.QueryRowContext(ctx, insertCounter, counter).Scan(&n); err != nil {
		return err
	}
	at := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := stx.ExecContext(ctx, insertRow, at, "bench", "bench", counter, "commit", "null", "null"); err != nil {
		return err
	}
	return stx.Commit()
}
