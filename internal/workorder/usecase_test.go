package workorder_test

import (
	"errors"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// shop is a site with one asset and a storeroom holding onHand of one part.
type shop struct {
	asset, item, storeroom string
}

func mustShop(t *testing.T, db *store.DB, onHand string) shop {
	t.Helper()
	ctx := t.Context()
	var s shop
	err := db.InTx(ctx, func(tx *store.Tx) error {
		site := &asset.Site{Code: "S1", Name: "Site", Currency: "EUR", TimeZone: "UTC"}
		if err := tx.CreateSite(ctx, site); err != nil {
			return err
		}
		a := &asset.Asset{Tag: "P-1", Name: "Pump", SiteID: site.ID, Criticality: 3}
		it := &inventory.Item{PartNumber: "FLT", Description: "Filter", Unit: "EA", StockType: inventory.StockItem, UnitCost: millwright.MustMoney("9")}
		sr := &inventory.Storeroom{Code: "MAIN", Name: "Main", SiteID: site.ID}
		for _, err := range []error{tx.CreateAsset(ctx, a), tx.CreateItem(ctx, it), tx.CreateStoreroom(ctx, sr)} {
			if err != nil {
				return err
			}
		}
		st, err := tx.StockForUpdate(ctx, sr.ID, it.ID)
		if err != nil {
			return err
		}
		if _, err := st.Adjust(millwright.MustQty(onHand), millwright.MustMoney("10"), it.PartNumber); err != nil {
			return err
		}
		s = shop{a.ID, it.ID, sr.ID}
		return tx.SaveStock(ctx, st)
	})
	if err != nil {
		t.Fatalf("mustShop: %v", err)
	}
	return s
}

// mustReleasedWith creates a work order on the shop's asset with a stock
// line of q reserved, and releases it.
func mustReleasedWith(t *testing.T, db *store.DB, s shop, q string) *workorder.WorkOrder {
	t.Helper()
	ctx := t.Context()
	var w *workorder.WorkOrder
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if w, err = workorder.Create(ctx, tx, workorder.New{Type: workorder.Corrective, AssetID: s.asset, Title: "Fix"}); err != nil {
			return err
		}
		if _, err = workorder.AddMaterial(ctx, tx, w.ID, workorder.NewMaterial{ItemID: s.item, Quantity: millwright.MustQty(q), StoreroomID: s.storeroom}); err != nil {
			return err
		}
		for _, verb := range []string{"approve", "release"} {
			if w, err = workorder.Transition(ctx, tx, w.ID, verb); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("mustReleasedWith: %v", err)
	}
	return w
}

func stockOf(t *testing.T, db *store.DB, s shop) inventory.Stock {
	t.Helper()
	var st *inventory.Stock
	if err := db.InTx(t.Context(), func(tx *store.Tx) (err error) {
		st, err = tx.StockForUpdate(t.Context(), s.storeroom, s.item)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return *st
}

// TestIssueWhenReservedBeyondOnHand: a work order that reserved 5 of a
// part with only 3 on hand may issue all 3; the 2 short stay reserved.
func TestIssueWhenReservedBeyondOnHand(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := mustShop(t, db, "3")
		w := mustReleasedWith(t, db, s, "5")
		var moved *workorder.Moved
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			moved, err = workorder.Issue(ctx, tx, w.ID, workorder.StockMove{ItemID: s.item, StoreroomID: s.storeroom, Quantity: millwright.NewQty(3)})
			return err
		})
		if err != nil {
			t.Fatalf("Issue(3 of 3 on hand, 5 reserved for %s) = %v; want nil", w.Number, err)
		}
		if !moved.Material.Reserved.Equal(millwright.NewQty(2).Decimal) || !moved.Material.Issued.Equal(millwright.NewQty(3).Decimal) {
			t.Errorf("line reserved %s, issued %s; want 2, 3", moved.Material.Reserved, moved.Material.Issued)
		}
		st := stockOf(t, db, s)
		if !st.OnHand.IsZero() || !st.Value.IsZero() || !st.Reserved.Equal(millwright.NewQty(2).Decimal) {
			t.Errorf("stock on hand %s, value %s, reserved %s; want 0, 0, 2", st.OnHand, st.Value, st.Reserved)
		}
	})
}

// TestRefusedIssueWritesNothing: an issue refused for want of stock
// leaves stock, reservations, lines and movements as they were.
func TestRefusedIssueWritesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := mustShop(t, db, "4")
		mine := mustReleasedWith(t, db, s, "1")
		mustReleasedWith(t, db, s, "2") // another work order holds 2
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := workorder.Issue(ctx, tx, mine.ID, workorder.StockMove{ItemID: s.item, StoreroomID: s.storeroom, Quantity: millwright.NewQty(3)})
			return err
		})
		var e *millwright.Error
		if !errors.As(err, &e) || e.Kind != millwright.Conflict || e.Code != "insufficient_stock" {
			t.Fatalf("Issue(3 with 2 free) = %v; want Conflict insufficient_stock", err)
		}
		st := stockOf(t, db, s)
		if !st.OnHand.Equal(millwright.NewQty(4).Decimal) || !st.Reserved.Equal(millwright.NewQty(3).Decimal) {
			t.Errorf("stock on hand %s, reserved %s; want 4, 3", st.OnHand, st.Reserved)
		}
		db.View(ctx, func(tx *store.Tx) error {
			moves, _ := tx.WorkOrderMovements(ctx, mine.ID)
			mats, _ := tx.Materials(ctx, mine.ID)
			if len(moves) != 0 || len(mats) != 1 || !mats[0].Issued.IsZero() {
				t.Errorf("after a refused issue: %d movements, lines %+v; want none and one line with nothing issued", len(moves), mats)
			}
			return nil
		})
	})
}

func TestUnknownWorkOrderIsNotFound(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := workorder.Transition(ctx, tx, "wo_missing", "approve")
			return err
		})
		if millwright.ErrorKind(err) != millwright.NotFound {
			t.Fatalf("Transition(wo_missing) = %v; want NotFound", err)
		}
	})
}
