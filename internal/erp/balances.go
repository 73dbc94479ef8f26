package erp

import (
	"context"

	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

var _ integration.Reconciler = (*ERP)(nil)

// Balances reports the ERP's stock and its ledger cost per work order, read
// in one snapshot.
func (e *ERP) Balances(ctx context.Context) (b *integration.Balances, err error) {
	err = e.db.View(ctx, func(tx *store.Tx) error {
		b = &integration.Balances{At: tx.Now()}
		if b.Stock, err = tx.ERPStockBalances(ctx); err != nil {
			return err
		}
		b.WorkOrderCosts, err = tx.ERPWorkOrderCosts(ctx)
		return err
	})
	return b, err
}
