package outbox

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// AddMaterial adds a material line to a work order. A line described in
// words (a special buy) is planned under the default purchasing item,
// made on first use with its ERP mapping (see SpecialBuyItem), so a
// technician's non-stock part is requested at once, with no item to
// create and no mapping to save first.
func AddMaterial(ctx context.Context, tx *store.Tx, workOrderID string, in workorder.NewMaterial) (*workorder.Material, error) {
	if in.ItemID == "" && in.Description != "" {
		it, err := SpecialBuyItem(ctx, tx)
		if err != nil {
			return nil, err
		}
		in.ItemID = it.ID
	}
	return workorder.AddMaterial(ctx, tx, workOrderID, in)
}

// SpecialBuyItem returns the default purchasing item that special buys
// are planned and requested under: CMMS part SPECIAL-BUY, a direct item
// mapped everywhere to ERP item SPECIAL-BUY, both made the first time
// (the mapping feeds the ERP's item master like any other). A site buys
// special items under another ERP item with a mapping of its own for the
// part (POST /api/v1/integration/mappings/items with site_id).
func SpecialBuyItem(ctx context.Context, tx *store.Tx) (*inventory.Item, error) {
	it, err := tx.ItemByPartNumber(ctx, workorder.SpecialBuyPart)
	if err == nil {
		return it, nil
	}
	if millwright.ErrorKind(err) != millwright.NotFound {
		return nil, err
	}
	it = &inventory.Item{PartNumber: workorder.SpecialBuyPart, Description: "Special buy (text item: each line says what to buy)",
		Unit: "EA", StockType: inventory.DirectItem}
	if err := inventory.CreateItem(ctx, tx, it); err != nil {
		return nil, err
	}
	_, err = SaveMapping(ctx, tx, integration.ItemMapping{ItemID: it.ID, ERPItemCode: workorder.SpecialBuyPart, ERPUnit: "EA", Factor: millwright.NewQty(1)})
	return it, err
}
