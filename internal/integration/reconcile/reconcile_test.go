package reconcile_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// The scheduled job runs by itself, keeps each run, and stops with its
// context.
func TestScheduleRunsAndKeepsReports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- reconcile.Schedule(ctx, db, erp.New(db), 10*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
		deadline := time.Now().Add(10 * time.Second)
		var runs []store.Reconciliation
		for len(runs) < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			if err := db.View(t.Context(), func(tx *store.Tx) error {
				p, err := tx.Reconciliations(t.Context(), "", 10)
				runs = p.Items
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Schedule = %v; want nil when its context ends", err)
		}
		if len(runs) < 2 {
			t.Fatalf("scheduled runs after 10 s = %d; want at least 2", len(runs))
		}
		var r reconcile.Report
		if err := json.Unmarshal(runs[0].Result, &r); err != nil {
			t.Fatal(err)
		}
		if r.Trigger != "schedule" || r.Actor != "system" || !r.Balanced {
			t.Fatalf("scheduled run = %+v; want trigger schedule, actor system, balanced on an empty plant", r)
		}
	})
}

// A connector that cannot report balances is refused with a reason, not
// reconciled against nothing.
func TestRunNeedsAReconciler(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		_, err := reconcile.Run(t.Context(), db, sendOnly{}, "manual")
		if err == nil {
			t.Fatal("Run with a send-only connector = nil error; want not_reconcilable")
		}
	})
}

type sendOnly struct{}

func (sendOnly) Send(context.Context, integration.Message) ([]integration.Event, error) {
	return nil, nil
}
func (sendOnly) Events(context.Context, int64, int) ([]integration.Event, error) { return nil, nil }
