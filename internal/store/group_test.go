package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// Write transactions that wait for SQLite's writer together share a
// commit; each stays all or nothing: a failing or panicking one leaves
// nothing, the others of its group commit, and each caller's after-commit
// work runs once its own transaction committed.
func TestGroupCommitMembersAloneAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const n = 48
		first := make(chan struct{})
		var (
			wg        sync.WaitGroup
			committed atomic.Int64
			results   = make([]error, n)
			panics    = make([]any, n)
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panics[i] = recover() }()
				if i > 0 {
					<-first // queue behind the first, which holds the writer
				}
				results[i] = db.InTx(ctx, func(tx *store.Tx) error {
					if i == 0 {
						close(first)
						time.Sleep(50 * time.Millisecond)
					}
					if _, err := tx.NextNumber(ctx, "grp"); err != nil {
						return err
					}
					if err := tx.Audit(ctx, "group_test", fmt.Sprint(i), "write", nil, i); err != nil {
						return err
					}
					tx.AfterCommit(func() { committed.Add(1) })
					switch {
					case i%7 == 3:
						panic(fmt.Sprintf("member %d panics", i))
					case i%3 == 1:
						return errors.New("refused")
					}
					return nil
				})
			}()
		}
		wg.Wait()

		var ok int64
		for i := range n {
			wantPanic, wantErr := i%7 == 3, i%7 != 3 && i%3 == 1
			switch {
			case wantPanic && panics[i] != fmt.Sprintf("member %d panics", i):
				t.Errorf("member %d: panic = %v; want its own panic raised in its caller", i, panics[i])
			case wantErr && (results[i] == nil || results[i].Error() != "refused"):
				t.Errorf("member %d: err = %v; want its own error, refused", i, results[i])
			case !wantPanic && !wantErr && results[i] != nil:
				t.Errorf("member %d: err = %v; want nil", i, results[i])
			case !wantPanic && !wantErr:
				ok++
			}
		}
		if got := committed.Load(); got != ok {
			t.Errorf("after-commit work ran %d times; want %d, once per committed member", got, ok)
		}
		var number int64
		var written []string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if number, err = tx.NextNumber(ctx, "grp"); err != nil {
				return err
			}
			page, err := tx.AuditEntries(ctx, store.AuditFilter{EntityType: "group_test", Limit: 500})
			for _, e := range page.Items {
				written = append(written, e.EntityID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if number != ok+1 {
			t.Errorf("next number = %d; want %d: only the %d committed members may have taken one", number, ok+1, ok)
		}
		if int64(len(written)) != ok {
			t.Errorf("audit entries of the members = %d; want %d", len(written), ok)
		}
		for _, id := range written {
			var i int
			fmt.Sscan(id, &i)
			if i%7 == 3 || i%3 == 1 {
				t.Errorf("member %d failed, yet its audit entry was written", i)
			}
		}
		if db.Engine == store.SQLite {
			if got := db.GroupCommitsForTest(); got >= ok {
				t.Errorf("SQLite made %d commits for %d transactions that waited together; want fewer (they share commits)", got, ok)
			}
		}
	})
}

// A caller that gives up while its transaction runs in a group does not
// interrupt the group's transaction (SQLite rolls a whole transaction back
// when a write in it is interrupted): the others commit.
func TestGroupCommitCallerGivingUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const perMember = 50
		first := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i > 0 {
					<-first
				}
				mctx, cancel := context.WithCancel(ctx)
				defer cancel()
				errs[i] = db.InTx(mctx, func(tx *store.Tx) error {
					if i == 0 {
						close(first)
						time.Sleep(50 * time.Millisecond)
					}
					if i == 2 {
						// The caller gives up while a long write runs.
						time.AfterFunc(5*time.Millisecond, cancel)
						if err := tx.ExecForTest(mctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 300000)
							UPDATE counters SET value = value + 0 WHERE name IN (SELECT 'none-' || x FROM c)`); err != nil {
							return err
						}
					}
					for range perMember {
						if _, err := tx.NextNumber(mctx, "giving-up"); err != nil {
							return err
						}
					}
					return nil
				})
			}()
		}
		wg.Wait()
		var committed int64
		for i, err := range errs {
			switch {
			case err == nil:
				committed++
			case i != 2:
				t.Errorf("member %d: err = %v; want nil: another caller giving up must not fail it", i, err)
			}
		}
		var next int64
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { next, err = tx.NextNumber(ctx, "giving-up"); return err }); err != nil {
			t.Fatal(err)
		}
		if want := committed*perMember + 1; next != want {
			t.Errorf("next number = %d; want %d (%d for each of the %d committed)", next, want, perMember, committed)
		}
	})
}
