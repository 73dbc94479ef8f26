package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// mustAudit writes one audit entry about entityID in a transaction of its own.
func mustAudit(t testing.TB, db *store.DB, entityID string) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, "work_order", entityID, "update", nil, map[string]string{"id": entityID})
	}); err != nil {
		t.Fatalf("audit %s: %v", entityID, err)
	}
}

// mustVerify seals and verifies the chain.
func mustVerify(t *testing.T, db *store.DB) audit.Verification {
	t.Helper()
	v, err := db.VerifyAudit(t.Context())
	if err != nil {
		t.Fatalf("VerifyAudit = %v", err)
	}
	return v
}

// allAudit pages through the whole audit trail, limit entries a page.
func allAudit(t *testing.T, db *store.DB, limit int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	cursor := ""
	for {
		var p millwright.Page[audit.Entry]
		if err := db.View(t.Context(), func(tx *store.Tx) (err error) {
			p, err = tx.AuditEntries(t.Context(), store.AuditFilter{Cursor: cursor, Limit: limit})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
}

// checkSealedOnce checks that entries are the chain 1..n with every one of
// want in it exactly once, and that each writer's entries (entity ids
// "w<writer>-<i>") are in the order it wrote them: an entry whose
// transaction committed before another's began is earlier in the chain.
func checkSealedOnce(t *testing.T, entries []audit.Entry, want int) {
	t.Helper()
	if len(entries) != want {
		t.Fatalf("listed %d entries; want %d", len(entries), want)
	}
	seen := map[string]int64{}
	last := map[string]int{}
	for i, e := range entries {
		if e.Seq != int64(i+1) || e.Hash == "" {
			t.Fatalf("entry %d has seq %d, hash %q; want seq %d, sealed", i, e.Seq, e.Hash, i+1)
		}
		if s, ok := seen[e.EntityID]; ok {
			t.Fatalf("%s is in the chain twice, at %d and %d", e.EntityID, s, e.Seq)
		}
		seen[e.EntityID] = e.Seq
		var w, n int
		if _, err := fmt.Sscanf(e.EntityID, "w%d-%d", &w, &n); err != nil {
			t.Fatalf("entity id %q: %v", e.EntityID, err)
		}
		if l, ok := last[fmt.Sprint(w)]; ok && n != l+1 {
			t.Errorf("writer %d's entry %d follows its entry %d in the chain; want them in the order they committed", w, n, l)
		}
		last[fmt.Sprint(w)] = n
	}
}

// Several goroutines write while a sealer runs beside them: the chain
// verifies and holds every entry once.
func TestAuditSealsConcurrentWrites(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const writers, each = 6, 30
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					mustAudit(t, db, fmt.Sprintf("w%d-%d", w, i))
				}
			}()
		}
		done := make(chan struct{})
		sealed := make(chan int)
		go func() {
			total := 0
			for {
				select {
				case <-done:
					sealed <- total
					return
				default:
				}
				n, err := db.SealAudit(ctx)
				if err != nil {
					t.Errorf("SealAudit = %v", err)
				}
				total += n
			}
		}()
		wg.Wait()
		close(done)
		total := <-sealed
		v := mustVerify(t, db)
		if !v.OK || v.Entries != writers*each || v.Unsealed != 0 {
			t.Fatalf("verify = %+v; want ok, %d entries, none unsealed", v, writers*each)
		}
		if total > writers*each {
			t.Errorf("the sealer sealed %d entries while %d were written", total, writers*each)
		}
		checkSealedOnce(t, allAudit(t, db, 37), writers*each)
	})
}

// Two sealers on one database, as two serve processes have, take turns at
// the chain's head: every entry is sealed once and the chain does not fork.
func TestTwoSealersNeverFork(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := t.Context()
			dsn := storetest.DSN(t, e)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				dbs[i] = db
			}
			const writers, each = 4, 40
			var writing sync.WaitGroup
			for w := range writers {
				writing.Add(1)
				go func() {
					defer writing.Done()
					for i := range each {
						mustAudit(t, dbs[(w+i)%2], fmt.Sprintf("w%d-%d", w, i))
					}
				}()
			}
			var (
				sealed  atomic.Int64
				stop    atomic.Bool
				sealing sync.WaitGroup
			)
			for _, db := range dbs {
				for range 2 {
					sealing.Add(1)
					go func() {
						defer sealing.Done()
						for !stop.Load() {
							n, err := db.SealAudit(ctx)
							if err != nil {
								t.Errorf("SealAudit = %v", err)
								return
							}
							sealed.Add(int64(n))
						}
					}()
				}
			}
			writing.Wait()
			stop.Store(true)
			sealing.Wait()
			n, err := dbs[1].SealAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := sealed.Load() + int64(n); got != writers*each {
				t.Errorf("the sealers sealed %d entries in all; want %d, each once", got, writers*each)
			}
			v := mustVerify(t, dbs[0])
			if !v.OK || v.Entries != writers*each {
				t.Fatalf("verify = %+v; want ok, %d entries", v, writers*each)
			}
			checkSealedOnce(t, allAudit(t, dbs[1], 100), writers*each)
		})
	}
}

// On PostgreSQL a write that has audited and is still open holds up
// neither a write to another work order nor the sealer. (While every
// write took the chain's head, the second write waited for the first.)
func TestAuditWritesDoNotWaitForEachOther(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	ctx := t.Context()
	var wos [2]workorder.WorkOrder
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		s := asset.Site{Code: "P1", Name: "Plant 1", Currency: "EUR", TimeZone: "UTC"}
		if err := tx.CreateSite(ctx, &s); err != nil {
			return err
		}
		a := asset.Asset{Tag: "P-1", Name: "Pump", SiteID: s.ID}
		if err := tx.CreateAsset(ctx, &a); err != nil {
			return err
		}
		for i := range wos {
			wos[i] = workorder.WorkOrder{Number: fmt.Sprintf("WO-%d", i+1), Type: workorder.Corrective, Status: workorder.Requested,
				Priority: 3, SiteID: s.ID, AssetID: a.ID, Title: "Leak", CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
			if err := tx.CreateWorkOrder(ctx, &wos[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	retitle := func(ctx context.Context, tx *store.Tx, id, title string) error {
		w, err := tx.WorkOrderForUpdate(ctx, id)
		if err != nil {
			return err
		}
		before := *w
		w.Title, w.UpdatedAt = title, tx.Now()
		if err := tx.SaveWorkOrder(ctx, w); err != nil {
			return err
		}
		return tx.Audit(ctx, "work_order", w.ID, "update", before, w)
	}

	held, release, first := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		first <- db.InTx(ctx, func(tx *store.Tx) error {
			if err := retitle(ctx, tx, wos[0].ID, "Leak at the seal"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-first:
		t.Fatalf("first write = %v", err)
	}
	// The first write is open, its audit entry written. The second must
	// commit meanwhile; before, it queued on audit_head until this timeout.
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := db.InTx(wait, func(tx *store.Tx) error {
		return retitle(wait, tx, wos[1].ID, "Leak at the flange")
	}); err != nil {
		close(release)
		t.Fatalf("a write to %s while a write to %s is open = %v (after %s); want it committed without waiting",
			wos[1].Number, wos[0].Number, err, time.Since(start).Round(time.Millisecond))
	}
	// The sealer does not wait for the open write either: it seals what
	// has committed.
	if n, err := db.SealAudit(wait); err != nil || n != 1 {
		close(release)
		t.Fatalf("SealAudit while a write is open = %d, %v; want 1 entry sealed", n, err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first write = %v", err)
	}
	v := mustVerify(t, db)
	if !v.OK || v.Entries != 2 {
		t.Fatalf("verify = %+v; want ok, 2 entries", v)
	}
	entries := allAudit(t, db, 10)
	if entries[0].EntityID != wos[1].ID || entries[1].EntityID != wos[0].ID {
		t.Errorf("chain holds %s then %s; want the second write (committed first) first: chain order is seal order",
			entries[0].EntityID, entries[1].EntityID)
	}
}

// Verification finds an entry edited, removed or moved after it was sealed.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper []string
		bad    int64
		reason string
		quiet  bool // nothing is written after the tampering
	}{
		{"edit", []string{`UPDATE audit_log SET after_json = '{"id":"forged"}' WHERE seq = 3`}, 3, "was altered", false},
		{"actor", []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 5`}, 5, "was altered", false},
		{"remove", []string{`DELETE FROM audit_log WHERE seq = 3`}, 4, "entry 3 is missing", false},
		{"remove last", []string{`DELETE FROM audit_log WHERE seq = 6`}, 7, "entry 6 is missing", false},
		{"remove last, nothing after", []string{`DELETE FROM audit_log WHERE seq = 6`}, 6, "removed from the end", true},
		{"reorder", []string{
			`UPDATE audit_log SET seq = -1 WHERE seq = 3`,
			`UPDATE audit_log SET seq = 3 WHERE seq = 4`,
			`UPDATE audit_log SET seq = 4 WHERE seq = -1`,
		}, 3, "does not chain", false},
		{"rehash last", []string{`UPDATE audit_log SET hash = 'x', after_json = '{}' WHERE seq = 6`}, 6, "altered", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				for i := range 6 {
					mustAudit(t, db, fmt.Sprintf("w0-%d", i))
				}
				if v := mustVerify(t, db); !v.OK || v.Entries != 6 {
					t.Fatalf("verify before = %+v; want ok, 6 entries", v)
				}
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					for _, q := range tc.tamper {
						if err := tx.ExecForTest(ctx, q); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				// An entry written after the tampering is sealed on top and
				// does not hide it.
				if !tc.quiet {
					mustAudit(t, db, "w1-0")
				}
				v := mustVerify(t, db)
				if v.OK || v.BadSeq != tc.bad || !strings.Contains(v.Reason, tc.reason) {
					t.Fatalf("verify after %s = %+v; want not ok at entry %d, %q", tc.name, v, tc.bad, tc.reason)
				}
			})
		})
	}
}

// Until the sealer reaches them, entries are outside the chain:
// verification counts them, and the list shows them after the chain, on
// its last page, unsealed; a later page from the last seq lists them sealed.
func TestAuditUnsealedEntries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for i := range 5 {
			mustAudit(t, db, fmt.Sprintf("w0-%d", i))
		}
		if n, err := db.SealAudit(ctx); err != nil || n != 5 {
			t.Fatalf("SealAudit = %d, %v; want 5", n, err)
		}
		if n, err := db.SealAudit(ctx); err != nil || n != 0 {
			t.Fatalf("SealAudit again = %d, %v; want 0", n, err)
		}
		mustAudit(t, db, "w0-5")
		mustAudit(t, db, "w0-6")
		var v audit.Verification
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			v, err = tx.VerifyAudit(ctx) // no sealing here
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !v.OK || v.Entries != 5 || v.Unsealed != 2 {
			t.Fatalf("verify before sealing = %+v; want ok, 5 entries, 2 unsealed", v)
		}
		list := func(cursor string) millwright.Page[audit.Entry] {
			var p millwright.Page[audit.Entry]
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				p, err = tx.AuditEntries(ctx, store.AuditFilter{Cursor: cursor, Limit: 3})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := list("")
		if len(p.Items) != 3 || p.Items[2].Seq != 3 || p.NextCursor != "3" {
			t.Fatalf("first page = %d items, next %q; want seq 1-3, next 3", len(p.Items), p.NextCursor)
		}
		p = list("3")
		if len(p.Items) != 3 || p.Items[1].Seq != 5 || p.Items[2].Seq != 0 || p.Items[2].Hash != "" ||
			p.Items[2].EntityID != "w0-5" || p.NextCursor != "" {
			t.Fatalf("last page = %+v, next %q; want seq 4, 5, then w0-5 unsealed, no next cursor", p.Items, p.NextCursor)
		}
		if n, err := db.SealAudit(ctx); err != nil || n != 2 {
			t.Fatalf("SealAudit = %d, %v; want 2", n, err)
		}
		p = list("5")
		if len(p.Items) != 2 || p.Items[0].Seq != 6 || p.Items[0].EntityID != "w0-5" || p.Items[1].Seq != 7 {
			t.Fatalf("page after 5, sealed = %+v; want w0-5 and w0-6 as 6 and 7", p.Items)
		}
		checkSealedOnce(t, allAudit(t, db, 2), 7)
	})
}

// The sealer that serve runs seals an entry soon after its commit wakes it.
func TestSealerRun(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(t.Context())
		s := &audit.Sealer{Store: db, Interval: time.Hour, Wake: db.SealWake()}
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		for i := range 3 {
			mustAudit(t, db, fmt.Sprintf("w0-%d", i))
			deadline := time.Now().Add(5 * time.Second)
			for {
				var p millwright.Page[audit.Entry]
				if err := db.View(ctx, func(tx *store.Tx) (err error) {
					p, err = tx.AuditEntries(ctx, store.AuditFilter{})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if len(p.Items) == i+1 && p.Items[i].Seq == int64(i+1) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("entry %d not sealed 5 s after its commit: %+v", i, p.Items)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v; want nil when ctx ends", err)
		}
	})
}

// A database written before the sealer keeps its chain: its entries are
// sealed, and new entries are sealed after them.
func TestAuditUpgradeKeepsChain(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := t.Context()
			db, err := store.Open(ctx, storetest.DSN(t, e))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.MigrateToForTest(ctx, 18); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					return tx.AuditAsBeforeForTest(ctx, fmt.Sprintf("w0-%d", i))
				}); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("upgrade = %v", err)
			}
			if v := mustVerify(t, db); !v.OK || v.Entries != 3 {
				t.Fatalf("verify after the upgrade = %+v; want ok, 3 entries", v)
			}
			mustAudit(t, db, "w0-3")
			mustAudit(t, db, "w0-4")
			if v := mustVerify(t, db); !v.OK || v.Entries != 5 {
				t.Fatalf("verify after new writes = %+v; want ok, 5 entries", v)
			}
			checkSealedOnce(t, allAudit(t, db, 100), 5)
		})
	}
}

// A transaction's audit entries are written together before it commits:
// in the order they were made, none when it rolls back, and none of what
// a rolled-back savepoint made while the others around it stay. A read of
// the trail in the transaction sees them.
func TestAuditHeldUntilCommit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write := func(tx *store.Tx, id string) error {
			return tx.Audit(ctx, "work_order", id, "update", nil, map[string]string{"id": id})
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := write(tx, "a1"); err != nil {
				return err
			}
			if err := tx.Savepoint(ctx, func() error {
				if err := write(tx, "undone"); err != nil {
					return err
				}
				return millwright.Errorf(millwright.Invalid, "refused", "refused")
			}); millwright.ErrorCode(err) != "refused" {
				return fmt.Errorf("savepoint = %v; want refused", err)
			}
			if err := tx.Savepoint(ctx, func() error { return write(tx, "a2") }); err != nil {
				return err
			}
			if err := write(tx, "a3"); err != nil {
				return err
			}
			p, err := tx.AuditEntries(ctx, store.AuditFilter{Limit: 10})
			if err != nil {
				return err
			}
			if len(p.Items) != 3 {
				return fmt.Errorf("entries read in the transaction = %d; want 3", len(p.Items))
			}
			return write(tx, "a4")
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := write(tx, "rolled-back"); err != nil {
				return err
			}
			return millwright.Errorf(millwright.Invalid, "refused", "refused")
		}); millwright.ErrorCode(err) != "refused" {
			t.Fatalf("InTx = %v; want refused", err)
		}
		var got []string
		for _, e := range allAudit(t, db, 100) {
			if e.EntityType == "work_order" {
				got = append(got, e.EntityID)
			}
		}
		if strings.Join(got, ",") != "a1,a2,a3,a4" {
			t.Errorf("audit trail = %v; want a1,a2,a3,a4 (nothing undone, nothing rolled back)", got)
		}
		if v := mustVerify(t, db); !v.OK {
			t.Errorf("VerifyAudit = %+v; want the chain whole", v)
		}
	})
}
