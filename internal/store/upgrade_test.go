package store_test

import (
	"context"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// A database of a release before the CMMS fed the ERP's item master
// (schema 15) holds mapped items the ERP never received. Upgrading marks
// them due; the first start sends each mapping's item master once, and
// the next start sends nothing. A new database has nothing due.
func TestUpgradeSendsExistingItemMastersOnce(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := millwright.WithPrincipal(context.Background(), millwright.System)
			db, err := store.Open(ctx, storetest.DSN(t, e))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.MigrateToForTest(ctx, 15); err != nil {
				t.Fatalf("migrate to 15 = %v", err)
			}
			// What the older release wrote: two items, mapped.
			var ids []string
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				for _, it := range []*inventory.Item{
					{PartNumber: "BRG-6310", Description: "Bearing 6310", Unit: "EA", StockType: inventory.DirectItem, UnitCost: millwright.MustMoney("45.00"), Vendor: "SKF"},
					{PartNumber: "FLT-10", Description: "Oil filter", Unit: "EA", StockType: inventory.StockItem, UnitCost: millwright.MustMoney("8.00"), Vendor: "Filtra",
						Conversions: []inventory.Conversion{{Unit: "BOX", Factor: millwright.NewQty(10)}}},
				} {
					if err := tx.CreateItem(ctx, it); err != nil {
						return err
					}
					ids = append(ids, it.ID)
				}
				for _, m := range []*integration.ItemMapping{
					{ItemID: ids[0], ERPItemCode: "10-BRG-6310", ERPUnit: "EA", Factor: millwright.NewQty(1)},
					{ItemID: ids[1], ERPItemCode: "20-FLT-10", ERPUnit: "BOX", Factor: millwright.NewQty(10)},
				} {
					if err := tx.SaveItemMapping(ctx, m); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("upgrade = %v", err)
			}
			itemMasters := func() map[string]integration.ItemMaster {
				t.Helper()
				out := map[string]integration.ItemMaster{}
				if err := db.View(ctx, func(tx *store.Tx) error {
					p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Limit: 100})
					for _, m := range p.Items {
						if m.Kind != string(integration.KindItemMaster) {
							continue
						}
						var im integration.ItemMaster
						if err := m.Message.Decode(&im); err != nil {
							return err
						}
						out[im.ERPItemCode] = im
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return out
			}
			for start := 1; start <= 2; start++ {
				n, err := outbox.SendExistingItemMasters(ctx, db)
				if want := map[int]int{1: 2, 2: 0}[start]; err != nil || n != want {
					t.Fatalf("start %d: SendExistingItemMasters = %d, %v; want %d", start, n, err, want)
				}
				got := itemMasters()
				if len(got) != 2 {
					t.Fatalf("start %d: item_master messages = %v; want one per mapping", start, got)
				}
				if f := got["20-FLT-10"]; f.Unit != "BOX" || f.Price.String() != "80.00" || f.StockType != "stock" || f.Vendor != "Filtra" {
					t.Fatalf("FLT-10's item master = %+v; want BOX at 80.00 (10 × 8.00), stock, from Filtra", f)
				}
			}

			// A new database: nothing due, nothing sent.
			fresh := storetest.Open(t, e)
			if n, err := outbox.SendExistingItemMasters(ctx, fresh); err != nil || n != 0 {
				t.Fatalf("on a new database SendExistingItemMasters = %d, %v; want 0", n, err)
			}
		})
	}
}
