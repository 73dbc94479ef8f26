package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// An enqueued message is kept only when its transaction commits, wakes the
// dispatcher after the commit, and is claimed in order per work order.
func TestOutboxEnqueueAndClaim(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		msg := func(key string) integration.Message {
			m, err := integration.NewMessage(key, "site_1", "NORTH", "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: "wo_1"})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// Rolled back: nothing kept, no wake-up.
		db.InTx(ctx, func(tx *store.Tx) error {
			tx.Enqueue(ctx, msg("k0"), "wo_1")
			return millwright.Errorf(millwright.Rule, "x", "roll back")
		})
		select {
		case <-db.Wake():
			t.Fatal("a rolled-back Enqueue woke the dispatcher")
		default:
		}
		for _, k := range []string{"k1", "k2"} {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.Enqueue(ctx, msg(k), "wo_1", "wom_"+k) }); err != nil {
				t.Fatalf("Enqueue(%s) = %v", k, err)
			}
		}
		select {
		case <-db.Wake():
		default:
			t.Fatal("a committed Enqueue did not wake the dispatcher")
		}
		// A key taken: the conflict names it, though on PostgreSQL the
		// row is written only at the transaction's end (insertSoon), and
		// nothing else of the transaction is kept.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Audit(ctx, "work_order", "wo_1", "again", nil, nil); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, msg("k3"), "wo_1"); err != nil {
				return err
			}
			return tx.Enqueue(ctx, msg("k1"), "wo_1")
		})
		if millwright.ErrorKind(err) != millwright.Conflict || millwright.ErrorCode(err) != "duplicate_key" ||
			!strings.Contains(err.Error(), "message k1 is already in the outbox") {
			t.Fatalf("second Enqueue(k1) = %v; want a duplicate_key conflict naming k1", err)
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			ms, err := tx.WorkOrderMessages(ctx, "wo_1")
			if len(ms) != 2 {
				t.Errorf("messages after the refused transaction = %d; want 2 (k3 not kept)", len(ms))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var claimed []integration.OutboxMessage
		db.InTx(ctx, func(tx *store.Tx) (err error) {
			claimed, err = tx.ClaimMessages(ctx, 10, time.Minute)
			return err
		})
		if len(claimed) != 1 || claimed[0].IdempotencyKey != "k1" || claimed[0].Attempts != 1 {
			t.Fatalf("claimed = %+v; want only k1 (k2 waits behind it), attempt 1", claimed)
		}
		if got := claimed[0].MaterialLineIDs; len(got) != 1 || got[0] != "wom_k1" {
			t.Fatalf("material lines = %v; want [wom_k1]", got)
		}
		var again []integration.OutboxMessage
		db.InTx(ctx, func(tx *store.Tx) (err error) {
			again, err = tx.ClaimMessages(ctx, 10, time.Minute)
			return err
		})
		if len(again) != 0 {
			t.Fatalf("claimed again = %d messages; want 0 while k1 is leased", len(again))
		}
	})
}

// Messages list oldest first, or newest first with Newest, and the cursor
// pages on in the same direction.
func TestOutboxMessagesOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, k := range []string{"a", "b", "c"} {
			m, err := integration.NewMessage(k, "site_1", "NORTH", "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: "wo_" + k})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.Enqueue(ctx, m, "wo_"+k) }); err != nil {
				t.Fatal(err)
			}
		}
		keys := func(f integration.MessageFilter) (out []string, next string) {
			db.View(ctx, func(tx *store.Tx) error {
				p, err := tx.OutboxMessages(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range p.Items {
					out = append(out, m.IdempotencyKey)
				}
				next = p.NextCursor
				return nil
			})
			return out, next
		}
		first, next := keys(integration.MessageFilter{Limit: 2, Newest: true})
		rest, _ := keys(integration.MessageFilter{Limit: 2, Newest: true, Cursor: next})
		if fmt.Sprint(first, rest) != "[c b] [a]" {
			t.Errorf("newest first = %v then %v; want [c b] then [a]", first, rest)
		}
		if all, _ := keys(integration.MessageFilter{}); fmt.Sprint(all) != "[a b c]" {
			t.Errorf("oldest first = %v; want [a b c]", all)
		}
	})
}

// ChargeMappings answers in one statement what CostCenterMapping,
// CostCentersMapped and AccountMapping answer apart: a site's own mapping
// before the global one, none, and a site where cost centers need one.
func TestChargeMappingsAgree(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, m := range []integration.CostCenterMapping{
				{SiteID: "site_n", CostCenter: "CC-1", ERPCostCenter: "4001"},
				{SiteID: "", CostCenter: "CC-2", ERPCostCenter: "4900"},
				{SiteID: "site_n", CostCenter: "CC-2", ERPCostCenter: "4002"},
			} {
				if err := tx.SaveCostCenterMapping(ctx, &m); err != nil {
					return err
				}
			}
			for _, m := range []integration.AccountMapping{
				{SiteID: "", Category: integration.AccountLabor, ERPAccount: "6110"},
				{SiteID: "site_s", Category: integration.AccountLabor, ERPAccount: "6111"},
				{SiteID: "site_n", Category: integration.AccountParts, ERPAccount: "6120"},
			} {
				if err := tx.SaveAccountMapping(ctx, &m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, site := range []string{"site_n", "site_s", "site_x"} {
			for _, cc := range []string{"CC-1", "CC-2", "CC-3", ""} {
				for _, cat := range integration.AccountCategories {
					db.View(ctx, func(tx *store.Tx) error {
						got, err := tx.ChargeMappings(ctx, site, cc, cat)
						if err != nil {
							t.Fatalf("ChargeMappings(%s, %s, %s) = %v", site, cc, cat, err)
						}
						var want integration.ChargeMappings
						if m, err := tx.CostCenterMapping(ctx, site, cc); err == nil {
							want.CostCenterMapped, want.ERPCostCenter = true, m.ERPCostCenter
						} else if millwright.ErrorKind(err) != millwright.NotFound {
							t.Fatal(err)
						}
						if want.CostCentersMapped, err = tx.CostCentersMapped(ctx, site); err != nil {
							t.Fatal(err)
						}
						if m, err := tx.AccountMapping(ctx, site, cat); err == nil {
							want.ERPAccount = m.ERPAccount
						} else if millwright.ErrorKind(err) != millwright.NotFound {
							t.Fatal(err)
						}
						if got != want {
							t.Errorf("ChargeMappings(%s, %s, %s) = %+v; want %+v", site, cc, cat, got, want)
						}
						return nil
					})
				}
			}
		}
	})
}

// A claim of runs beside one in flight takes the work orders that one
// left: a backlog held behind a leased message, longer than a claim walks,
// is left out of the walk, not read until the walk gives up; and a run is
// taken in order from its first message.
func TestClaimRunsPastAHeldBacklog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const backlog = 1500
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range backlog + 3 {
				wo, key := "wo_a", fmt.Sprintf("a%04d", i)
				if i >= backlog {
					wo, key = "wo_b", fmt.Sprintf("b%d", i-backlog)
				}
				m, err := integration.NewMessage(key, "site_1", "NORTH", "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: wo})
				if err != nil {
					return err
				}
				if err := tx.Enqueue(ctx, m, wo); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		claim := func() []string {
			t.Helper()
			var keys []string
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				ms, err := tx.ClaimRuns(ctx, 50, 1, time.Minute)
				for _, m := range ms {
					keys = append(keys, m.IdempotencyKey)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return keys
		}
		first := claim()
		if len(first) != 50 || first[0] != "a0000" || first[49] != "a0049" {
			t.Fatalf("first claim = %d messages %v…; want wo_a's first 50 in order", len(first), first[:min(3, len(first))])
		}
		if second := claim(); fmt.Sprint(second) != "[b0 b1 b2]" {
			t.Fatalf("claim beside it = %v; want wo_b's run, b0 b1 b2 (wo_a's backlog waits behind its leased messages)", second)
		}
		if third := claim(); len(third) != 0 {
			t.Fatalf("a third claim = %v; want nothing (wo_a's next waits for its leased ones)", third)
		}
	})
}

// A part mapped makes, in one transaction, its item master message and
// its stock messages pending, the latter older: a claim that read the
// item masters before that transaction committed, and walked the pending
// messages after, must still leave the stock messages behind the item
// master (on PostgreSQL each statement sees what committed before it;
// SQLite's single writer claims alone).
func TestClaimRunsItemMasterCommittedMidClaim(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		if db.Engine != store.Postgres {
			t.Skip("a SQLite claim holds the one writer: nothing commits while it runs")
		}
		ctx := t.Context()
		mapped := func(tx *store.Tx) error {
			stock, err := integration.NewMessage("stock-1", "site_1", "NORTH", "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: "wo_1"})
			if err != nil {
				return err
			}
			if err := tx.EnqueueMessage(ctx, stock, integration.Outgoing{OrderKey: "stock:belt"}); err != nil {
				return err
			}
			im, err := integration.NewMessage("im-1", "", "", "pat", time.Now(), integration.ItemMaster{})
			if err != nil {
				return err
			}
			return tx.EnqueueMessage(ctx, im, integration.Outgoing{OrderKey: "item_master:belt"})
		}
		// The claim's clock a second ahead, so that the messages committed
		// while it runs are due to it.
		base := time.Now()
		db.Clock = func() time.Time { return base.Add(time.Second) }
		var claimed []string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			committed := false
			tx.TraceForTest(func(q string, _ []any) {
				if !committed && strings.Contains(q, "ORDER BY id LIMIT") {
					committed = true
					db.Clock = func() time.Time { return base }
					if err := db.InTx(ctx, mapped); err != nil {
						t.Fatal(err)
					}
				}
			})
			ms, err := tx.ClaimRuns(ctx, 10, 1, time.Minute)
			for _, m := range ms {
				claimed = append(claimed, m.IdempotencyKey)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(claimed) != "[im-1]" {
			t.Fatalf("claimed %v; want the item master alone, the stock message after it", claimed)
		}
	})
}
