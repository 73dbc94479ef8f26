package erp

import (
	"context"

	"github.com/millwright-cmms/millwright/internal/erp/ledger"
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

var _ integration.MasterDataReader = (*ERP)(nil)

// MasterData reports the ERP's item master and chart of accounts, read in
// one snapshot.
func (e *ERP) MasterData(ctx context.Context) (md *integration.MasterData, err error) {
	err = e.db.View(ctx, func(tx *store.Tx) error {
		md = &integration.MasterData{Items: []integration.MasterItem{}, Accounts: []integration.MasterAccount{}}
		if md.Items, err = tx.ERPItemUnits(ctx); err != nil {
			return err
		}
		accounts, err := tx.ERPAccounts(ctx)
		for _, a := range accounts {
			_, bad := ledger.ExpenseAccount(ctx, tx, a.Code, "")
			md.Accounts = append(md.Accounts, integration.MasterAccount{Code: a.Code, Name: a.Name, Chargeable: bad == nil})
		}
		return err
	})
	return md, err
}
