package demo

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// integrationSetup maps every demo item to an ERP item of the same code
// and unit, and puts an item_master message for each in the outbox, so the
// ERP's material master knows them before the first requisition: the
// dispatcher delivers them in order, ahead of the work orders' messages.
func (l *loader) integrationSetup(ctx context.Context) error {
	site := l.sites[sites[0].code]
	for _, d := range items {
		it := l.items[d.pn]
		m := &integration.ItemMapping{ItemID: it.ID, ERPItemCode: it.PartNumber, ERPUnit: it.Unit, Factor: millwright.NewQty(1)}
		if err := l.tx.SaveItemMapping(ctx, m); err != nil {
			return err
		}
		msg, err := integration.NewMessage("demo:item_master:"+it.PartNumber, site, sites[0].code, "demo", l.tx.Now(),
			integration.ItemMaster{ERPItemCode: it.PartNumber, Description: it.Description, Unit: it.Unit,
				StockType: it.StockType, Vendor: it.Vendor, Price: it.UnitCost})
		if err != nil {
			return err
		}
		if err := l.tx.Enqueue(ctx, msg, ""); err != nil {
			return err
		}
		l.count("item_mappings")
	}
	return nil
}
