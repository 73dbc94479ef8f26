package demo

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
)

// integrationSetup maps every demo item to an ERP item of the same code
// and unit, as an integration user does: saving each mapping puts the
// item in the ERP's item master (an item_master message, delivered ahead
// of the work orders' messages).
func (l *loader) integrationSetup(ctx context.Context) error {
	for _, d := range items {
		it := l.items[d.pn]
		m := integration.ItemMapping{ItemID: it.ID, ERPItemCode: it.PartNumber, ERPUnit: it.Unit, Factor: millwright.NewQty(1)}
		if _, err := outbox.SaveMapping(ctx, l.tx, m); err != nil {
			return err
		}
		l.count("item_mappings")
	}
	return nil
}
