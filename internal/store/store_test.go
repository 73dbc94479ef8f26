package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

func TestMigrateTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate = %v; want nil", err)
		}
	})
}

func TestOpenBadDSN(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://x")
	if got := millwright.ErrorCode(err); got != "bad_dsn" {
		t.Fatalf("Open(mysql://x) code = %q; want bad_dsn", got)
	}
}

func TestCountersAndRollback(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		var a, b int64
		db.InTx(ctx, func(tx *store.Tx) error { a, _ = tx.NextNumber(ctx, "wo"); return nil })
		db.InTx(ctx, func(tx *store.Tx) error {
			tx.NextNumber(ctx, "wo")
			return millwright.Errorf(millwright.Rule, "x", "roll back")
		})
		db.InTx(ctx, func(tx *store.Tx) error { b, _ = tx.NextNumber(ctx, "wo"); return nil })
		if a != 1 || b != 2 {
			t.Fatalf("counters = %d, %d; want 1, 2 (a rolled-back transaction must not use a number)", a, b)
		}
	})
}

func TestAuditChainDetectsTampering(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		db.Clock = func() time.Time { return time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) }
		for i := range 5 {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.Audit(ctx, "work_order", "wo_1", "update", map[string]int{"n": i}, map[string]int{"n": i + 1})
			}); err != nil {
				t.Fatal(err)
			}
		}
		verify := func() (ok bool, n, bad int64, reason string) {
			v, err := db.VerifyAudit(ctx) // seals the five entries, then walks the chain
			if err != nil {
				t.Fatal(err)
			}
			return v.OK, v.Entries, v.BadSeq, v.Reason
		}
		if ok, n, _, reason := verify(); !ok || n != 5 {
			t.Fatalf("verify = %v, %d entries (%s); want ok, 5", ok, n, reason)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.TamperAuditForTest(ctx, 3, `{"n":99}`)
		}); err != nil {
			t.Fatal(err)
		}
		ok, _, bad, reason := verify()
		if ok || bad != 3 || !strings.Contains(reason, "entry 3") {
			t.Fatalf("verify after editing entry 3 = ok %v, bad %d, %q; want not ok at entry 3", ok, bad, reason)
		}
	})
}

// A statement a transaction runs is prepared after it on SQLite, and the
// next transactions run the prepared statement with the same results,
// counters and rollbacks included.
func TestPreparedStatements(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		if db.Engine != store.SQLite {
			t.Skip("the PostgreSQL driver keeps its own statement cache")
		}
		ctx := t.Context()
		next := func() int64 {
			var n int64
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) { n, err = tx.NextNumber(ctx, "prep"); return err }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := db.CachedStmtsForTest()
		if n := next(); n != 1 {
			t.Fatalf("first number = %d; want 1", n)
		}
		deadline := time.Now().Add(5 * time.Second)
		for db.CachedStmtsForTest() == before {
			if time.Now().After(deadline) {
				t.Fatalf("no statement prepared after the transaction (%d kept)", before)
			}
			time.Sleep(5 * time.Millisecond)
		}
		db.InTx(ctx, func(tx *store.Tx) error {
			tx.NextNumber(ctx, "prep")
			return millwright.Errorf(millwright.Rule, "x", "roll back")
		})
		for want := int64(2); want <= 4; want++ {
			if n := next(); n != want {
				t.Fatalf("number with the prepared statement = %d; want %d", n, want)
			}
		}
	})
}

// The ERP's counters give gapless numbers: a savepoint undone gives back
// the numbers taken in it, a transaction rolled back all of its own, and
// the next transaction goes on from the last committed.
func TestERPNumbersGapless(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		next := func(tx *store.Tx, want int64) error {
			n, err := tx.ERPNextNumber(ctx, "bench")
			if err == nil && n != want {
				t.Errorf("ERPNextNumber = %d; want %d", n, want)
			}
			return err
		}
		refused := millwright.Errorf(millwright.Invalid, "refused", "refused")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := next(tx, 1); err != nil {
				return err
			}
			if err := tx.Savepoint(ctx, func() error {
				if err := next(tx, 2); err != nil {
					return err
				}
				return refused
			}); err != refused {
				return err
			}
			return next(tx, 2)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := next(tx, 3); err != nil {
				return err
			}
			return refused
		}); err != refused {
			t.Fatalf("InTx = %v; want refused", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return next(tx, 3) }); err != nil {
			t.Fatal(err)
		}

		// A transaction counts its numbers in memory under the numbering
		// lock. On PostgreSQL a savepoint undone that took the lock gives
		// the lock back: another transaction may number meanwhile, and the
		// first must read the counter again, not go on from what it read.
		if db.Engine != store.Postgres {
			return // SQLite's one writer: nobody numbers meanwhile
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Savepoint(ctx, func() error {
				if err := next(tx, 4); err != nil {
					return err
				}
				return refused
			}); err != refused {
				return err
			}
			if err := db.InTx(ctx, func(other *store.Tx) error { return next(other, 4) }); err != nil {
				return err
			}
			return next(tx, 5)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return next(tx, 6) }); err != nil {
			t.Fatal(err)
		}
	})
}
