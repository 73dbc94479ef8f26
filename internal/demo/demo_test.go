package demo_test

import (
	"fmt"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"

	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

func TestLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		res, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatalf("Load = %v", err)
		}
		for kind, min := range map[string]int{"sites": 2, "assets": 40, "items": 60, "storerooms": 2, "users": 8, "work_orders": 10, "pm_plans": 4} {
			if got := res.Counts[kind]; got < min {
				t.Errorf("loaded %d %s; want at least %d", got, kind, min)
			}
		}
		if len(res.Tokens) != 8 {
			t.Errorf("got %d tokens; want one per role (8)", len(res.Tokens))
		}
		seen := map[workorder.Status]bool{}
		err = db.View(ctx, func(tx *store.Tx) error {
			page, err := workorder.List(ctx, tx, workorder.Filter{Limit: 500})
			for _, w := range page.Items {
				seen[w.Status] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []workorder.Status{workorder.Requested, workorder.Approved, workorder.Planned, workorder.Released,
			workorder.InProgress, workorder.WaitingForParts, workorder.Completed, workorder.Closed, workorder.Cancelled} {
			if !seen[s] {
				t.Errorf("no demo work order is %s; want one in every state", s)
			}
		}
		again, err := demo.Load(ctx, db)
		if err != nil || again.Loaded {
			t.Fatalf("second Load = %+v, %v; want nothing loaded into a database that holds a plant", again.Loaded, err)
		}
	})
}

// The demo's stock reaches the ERP as it is loaded: every item is mapped,
// so once the outbox drains no message has failed, and reconciliation
// finds the two sides' stock and work-order costs equal.
func TestLoadReconciles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := millwright.WithPrincipal(t.Context(), millwright.System)
		if _, err := demo.Load(ctx, db); err != nil {
			t.Fatalf("Load = %v", err)
		}
		conn := erp.New(db)
		d := &outbox.Dispatcher{DB: db, Connector: conn}
		// The one message the demo's outage left dead goes out when replayed.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusDead, Limit: 10})
			if err != nil {
				return err
			}
			if len(p.Items) != 1 {
				return fmt.Errorf("dead messages = %d; want the demo's one", len(p.Items))
			}
			_, err = outbox.Replay(ctx, tx, p.Items[0].ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if err := d.Step(ctx); err != nil {
				t.Fatalf("dispatch: %v", err)
			}
			var pending, stuck []integration.OutboxMessage
			if err := db.View(ctx, func(tx *store.Tx) error {
				for _, s := range []string{integration.StatusPending, integration.StatusFailed, integration.StatusDead} {
					p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: s, Limit: 10})
					if err != nil {
						return err
					}
					if s == integration.StatusPending {
						pending = p.Items
					} else {
						stuck = append(stuck, p.Items...)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(stuck) > 0 {
				t.Fatalf("%d demo messages failed or dead, the first %s %s: %s", len(stuck), stuck[0].Kind, stuck[0].IdempotencyKey, stuck[0].LastError)
			}
			if len(pending) == 0 {
				break
			}
			if i > 100 {
				t.Fatalf("the outbox does not drain: %d pending", len(pending))
			}
		}
		r, err := reconcile.Run(ctx, db, conn, "manual")
		if err != nil {
			t.Fatal(err)
		}
		if r.Checked.Unmapped != 0 || r.Checked.StockRows == 0 {
			t.Errorf("checked %+v; want every stock row mapped", r.Checked)
		}
		for _, d := range r.Differences {
			t.Errorf("difference: %+v", d)
		}
	})
}
