package outbox_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// A goods receipt waits behind an earlier event of its purchase order
// that a webhook recorded but the dispatcher has not applied yet; the
// ERP's stock level after the receipt, a different document, arrives in
// the same poll. The level waits for the receipt, so the storeroom books
// the receipt at the order's price, not an adjustment to the level.
func TestStockLevelWaitsForItsReceipt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		var site, room, item string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			s := &asset.Site{Code: "NORTH", Name: "North", Currency: "EUR", TimeZone: "Europe/Berlin"}
			if err := tx.CreateSite(ctx, s); err != nil {
				return err
			}
			sr := &inventory.Storeroom{Code: "MAIN", Name: "Main store", SiteID: s.ID}
			if err := tx.CreateStoreroom(ctx, sr); err != nil {
				return err
			}
			it := &inventory.Item{PartNumber: "FLT-AHU", Description: "Filter", Unit: "EA", StockType: inventory.StockItem, UnitCost: millwright.MustMoney("8")}
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
			if err := tx.SaveItemMapping(ctx, &integration.ItemMapping{ItemID: it.ID, ERPItemCode: "FLT", ERPUnit: "EA", Factor: millwright.NewQty(1)}); err != nil {
				return err
			}
			if err := tx.SetStockMaster(ctx, store.StockMasterERP); err != nil {
				return err
			}
			site, room, item = s.ID, sr.ID, it.ID
			_, err := inventory.ReceiveFromERP(ctx, tx, sr.ID, it.ID, millwright.NewQty(10), millwright.MustMoney("80.00"), "opening stock")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		event := func(seq int64, kind integration.EventKind, doc, payload string) integration.Event {
			return integration.Event{Seq: seq, Kind: kind, DocumentKey: doc, Payload: json.RawMessage(payload)}
		}
		erp := &fakeERP{events: []integration.Event{
			event(1, integration.EventPurchaseOrderCreate, "purchase_order:PO-1", `{"number":"PO-1","lines":[]}`),
			event(2, integration.EventGoodsReceived, "purchase_order:PO-1", fmt.Sprintf(
				`{"number":"GR-1","purchase_order_number":"PO-1","site_id":%q,"lines":[{"erp_item_code":"FLT","warehouse":"MAIN","quantity":"24","value":"192.00"}]}`, site)),
			event(3, integration.EventStockLevelChanged, "stock:FLT@MAIN", fmt.Sprintf(
				`{"erp_item_code":"FLT","warehouse":"MAIN","site_id":%q,"quantity":"34","value":"272.00","cause":"receipt"}`, site)),
		}}
		d := &outbox.Dispatcher{DB: db, Connector: erp}
		// The webhook brings the order's event; the poll, before the
		// dispatcher applied it, brings the receipt and the level.
		if _, err := d.Receive(ctx, erp.events[:1]); err != nil {
			t.Fatal(err)
		}
		if err := d.Step(ctx); err != nil {
			t.Fatal(err)
		}
		var moves []inventory.Movement
		var st *inventory.Stock
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			p, err := tx.Movements(ctx, inventory.MovementFilter{StoreroomID: room, ItemID: item})
			moves = p.Items
			if err != nil {
				return err
			}
			st, err = tx.StockForUpdate(ctx, room, item)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if st.OnHand.String() != "34" || st.Value.String() != "272.00" {
			t.Errorf("stock = %s worth %s; want 34 worth 272.00", st.OnHand, st.Value)
		}
		last := moves[len(moves)-1]
		if len(moves) != 2 || last.Kind != inventory.MoveReceipt || last.Quantity.String() != "24" || last.Value.String() != "192.00" {
			t.Errorf("movements = %d, last %s of %s worth %s (%s); want 2, the last the receipt GR-1 of 24 worth 192.00",
				len(moves), last.Kind, last.Quantity, last.Value, last.Reason)
		}
		var waiting []integration.Event
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			waiting, err = tx.WaitingEvents(ctx, 10)
			return err
		}); err != nil || len(waiting) != 0 {
			t.Errorf("waiting events = %v (%v); want none", waiting, err)
		}
	})
}
