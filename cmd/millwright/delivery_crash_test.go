package main

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// TestServeKilledMidBatchedDelivery runs the real binary with its
// embedded ERP over a backlog of labor postings and kills it with SIGKILL
// twice while its dispatcher delivers them in batches (several messages
// per ERP transaction, several claims at once). In the end the outbox is
// empty, nothing failed, and the ledger holds every posting exactly once:
// each work order's cost in the ERP equals its actual cost in the CMMS.
// A batch that had not committed was delivered again after the restart;
// one that had was not (the delivery record commits with the ERP's
// transaction).
func TestServeKilledMidBatchedDelivery(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := t.Context()
			db, dsn := storetest.OpenDSN(t, e)
			if _, err := demo.Load(ctx, db); err != nil {
				t.Fatal(err)
			}
			const postings = 600
			wos := backlogOfLabor(t, db, postings)

			pending := func() int {
				t.Helper()
				n := 0
				err := db.View(ctx, func(tx *store.Tx) error {
					cursor := ""
					for {
						p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusPending, Limit: 500, Cursor: cursor})
						if err != nil {
							return err
						}
						n += len(p.Items)
						if cursor = p.NextCursor; cursor == "" {
							return nil
						}
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			total := pending()
			if total < postings {
				t.Fatalf("%d messages pending before serve; want at least the %d labor postings", total, postings)
			}
			serve := startProc(t, "serve", "serve", "--addr", freeAddr(t), "--db", dsn, "--pm-interval", "0")
			// killAfter waits until n more messages went out, then kills serve.
			killAfter := func(n int, what string) {
				t.Helper()
				from := pending()
				within(t, 60*time.Second, what, func() string {
					if left := pending(); left > from-n && left > 0 {
						return fmt.Sprintf("still pending: %d", left)
					}
					return ""
				})
				serve.stop(syscall.SIGKILL)
				t.Logf("%s: serve killed with %d of %d messages pending", what, pending(), total)
			}
			killAfter(total/4, "first batches delivered")
			serve.start()
			killAfter(total/4, "delivery resumed")
			serve.start()
			within(t, 120*time.Second, "the backlog delivered", func() string {
				if left := pending(); left > 0 {
					return fmt.Sprintf("still pending: %d", left)
				}
				return ""
			})
			serve.stop(syscall.SIGTERM)

			err := db.View(ctx, func(tx *store.Tx) error {
				for _, status := range []string{integration.StatusFailed, integration.StatusDead} {
					p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: status, Limit: 500})
					if err != nil {
						return err
					}
					if len(p.Items) > 0 {
						t.Errorf("%d messages %s; want none: the first, %s: %s", len(p.Items), status, p.Items[0].Kind, p.Items[0].LastError)
					}
				}
				cmms, err := tx.WorkOrderActualCosts(ctx)
				if err != nil {
					return err
				}
				ledger, err := tx.ERPWorkOrderCosts(ctx)
				if err != nil {
					return err
				}
				inERP := map[string]millwright.Money{}
				for _, c := range ledger {
					inERP[c.WorkOrderID] = c.Amount
				}
				for _, c := range cmms {
					if !c.Amount.Equal(inERP[c.WorkOrderID].Decimal) {
						t.Errorf("work order %s: the CMMS's actual cost %s; the ERP's ledger %s; want equal, each posting once", c.WorkOrderID, c.Amount, inERP[c.WorkOrderID])
					}
				}
				for _, id := range wos {
					if inERP[id].IsZero() {
						t.Errorf("work order %s has no cost in the ERP; its labor was posted", id)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// backlogOfLabor replays the demo's dead message, then logs n labor
// entries as tom on the demo's work orders under way, with no serve
// running: n labor postings wait in the outbox. It returns the work orders.
func backlogOfLabor(t *testing.T, db *store.DB, n int) []string {
	t.Helper()
	ctx := t.Context()
	var wos []string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		dead, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusDead, Limit: 500})
		if err != nil {
			return err
		}
		for _, m := range dead.Items {
			if _, err := outbox.Replay(ctx, tx, m.ID); err != nil {
				return err
			}
		}
		p, err := workorder.List(ctx, tx, workorder.Filter{Status: string(workorder.InProgress), Limit: 500})
		for _, w := range p.Items {
			wos = append(wos, w.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wos) == 0 {
		t.Fatal("the demo has no work order in progress to log labor on")
	}
	tom := millwright.WithPrincipal(context.WithoutCancel(ctx), millwright.Principal{Username: "tom", Role: millwright.Technician})
	rate := millwright.MustMoney("48.00")
	for i := range n {
		err := db.InTx(tom, func(tx *store.Tx) error {
			_, err := workorder.LogLabor(tom, tx, wos[i%len(wos)], workorder.NewLabor{Technician: "tom", Craft: "mechanic",
				Hours: millwright.MustQty("0.25"), Rate: &rate})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return wos
}
