package reconcile_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/inventory"
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

// balances is a connector that reports fixed balances.
type balances struct {
	sendOnly
	b integration.Balances
}

func (c balances) Balances(context.Context) (*integration.Balances, error) { return &c.b, nil }

// An ERP that keeps no CMMS site (Odoo's storerooms mapped without
// site_id) reports stock under the storeroom's code only: it is compared
// with the one storeroom of that code, as its stock events are applied,
// and agrees.
func TestStockOfAnERPWithoutSites(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := millwright.WithPrincipal(t.Context(), millwright.System)
		var storeID, itemID string
		err := db.InTx(ctx, func(tx *store.Tx) error {
			site := &asset.Site{Code: "NORTH", Name: "North", Currency: "EUR", TimeZone: "UTC"}
			if err := tx.CreateSite(ctx, site); err != nil {
				return err
			}
			it := &inventory.Item{PartNumber: "FLT-10", Description: "Oil filter", Unit: "EA", StockType: inventory.StockItem}
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
			sr := &inventory.Storeroom{Code: "MAIN", Name: "Main", SiteID: site.ID}
			if err := tx.CreateStoreroom(ctx, sr); err != nil {
				return err
			}
			storeID, itemID = sr.ID, it.ID
			if err := tx.SaveItemMapping(ctx, &integration.ItemMapping{ItemID: it.ID, ERPItemCode: "20-FLT-10", ERPUnit: "EA", Factor: millwright.NewQty(1)}); err != nil {
				return err
			}
			_, err := inventory.Sync(ctx, tx, sr.ID, it.ID, millwright.NewQty(12), millwright.MustMoney("96.00"), "count")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		conn := balances{b: integration.Balances{Stock: []integration.StockBalance{
			{ERPItemCode: "20-FLT-10", Warehouse: "MAIN", Quantity: millwright.NewQty(12), Value: millwright.MustMoney("96.00")}}}}
		r, err := reconcile.Run(ctx, db, conn, "manual")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Balanced || r.Checked.StockRows != 1 {
			t.Errorf("reconciliation of %s/%s against a siteless ERP = %+v; want balanced, one row checked", storeID, itemID, r)
		}
	})
}
