package procurement

import (
	"context"
	"fmt"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func join(s []string, sep string) string { return strings.Join(s, sep) }

// stockItem returns the stock item with code, refusing a direct item.
func stockItem(ctx context.Context, tx Tx, code string) (*Item, error) {
	it, err := tx.ERPItemByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if it.StockType != StockItem {
		return nil, millwright.Errorf(millwright.Rule, "not_stock_item",
			"item %s is a direct item: the ERP keeps no stock of it; make it a stock item in the item master first", code)
	}
	return it, nil
}

// Move applies a stock movement from the CMMS: an issue takes stock out at
// the ERP's moving average and charges the work order (Dr maintenance
// expense / Cr inventory); a return puts it back at the value it came with
// (Dr inventory / Cr maintenance expense); an adjustment adds stock at its
// value or removes it at the moving average against inventory adjustments.
// Stock left below its reorder point starts a replenishment requisition.
func Move(ctx context.Context, tx Tx, siteID string, m integration.StockMovement) (*Stock, error) {
	it, err := stockItem(ctx, tx, m.ERPItemCode)
	if err != nil {
		return nil, err
	}
	if m.Warehouse == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "stock movement of %s names no warehouse", m.ERPItemCode)
	}
	if m.Value.IsNegative() {
		return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "stock movement of %s: value cannot be negative; the quantity carries the sign", m.ERPItemCode)
	}
	s, err := tx.ERPStockForUpdate(ctx, it, m.Warehouse, siteID)
	if err != nil {
		return nil, err
	}
	before := *s
	q := m.Quantity
	wantSign := map[string]int{integration.MoveIssue: -1, integration.MoveReturn: 1, integration.MoveAdjustment: 0}
	sign, ok := wantSign[m.Movement]
	switch {
	case !ok:
		return nil, millwright.Errorf(millwright.Invalid, "bad_movement", "movement must be issue, return or adjustment, not %q", m.Movement)
	case q.IsZero():
		return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "stock movement of %s: quantity cannot be zero", m.ERPItemCode)
	case sign != 0 && q.Sign() != sign:
		return nil, millwright.Errorf(millwright.Invalid, "bad_quantity",
			"stock movement of %s: the quantity is the signed change of stock, so an issue is negative and a return positive; got %s for a %s",
			m.ERPItemCode, q, m.Movement)
	}
	entry := &ledger.Entry{SiteID: siteID, Source: m.Movement, SourceID: m.WorkOrderID,
		Memo: sprintf("%s of %s %s from %s", m.Movement, q.Abs(), m.ERPItemCode, m.Warehouse)}
	account := ledger.InventoryAdjustment
	if m.Opening && m.Movement == integration.MoveAdjustment && q.IsPositive() {
		account = ledger.OpeningEquity // a first count brings stock onto the books; it earns nothing
	}
	if m.Movement != integration.MoveAdjustment {
		if account, err = ledger.ExpenseAccount(ctx, tx, m.ExpenseAccount, ledger.MaintenanceExpense); err != nil {
			return nil, err
		}
	}
	var value millwright.Money // the change in stock value
	if q.IsNegative() {
		out, err := s.take(millwright.Qty{Decimal: q.Neg()})
		if err != nil {
			return nil, err
		}
		value = millwright.Money{Decimal: out.Neg()}
	} else {
		value = m.Value
		if value.IsZero() && m.Movement == integration.MoveReturn {
			value = s.AverageCost.Times(q)
		}
		s.receive(q, value)
	}
	if err := tx.SaveERPStock(ctx, s); err != nil {
		return nil, err
	}
	entry.Lines = []ledger.Line{
		ledger.Dr(ledger.Inventory, value, m.CostCenter, m.WorkOrderID, m.AssetID),
		ledger.Cr(account, value, m.CostCenter, m.WorkOrderID, m.AssetID),
	}
	posted, err := ledger.Post(ctx, tx, entry)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_stock", s.ItemID+"@"+s.Warehouse, m.Movement, before, s); err != nil {
		return nil, err
	}
	if err := emitStock(ctx, tx, s, m.Movement); err != nil {
		return nil, err
	}
	if posted && m.Movement != integration.MoveAdjustment && m.WorkOrderID != "" {
		if err := tx.Emit(ctx, integration.EventCostPosted, "work_order:"+m.WorkOrderID, integration.CostPosted{
			EntryID: entry.ID, EntryNumber: entry.Number, WorkOrderID: m.WorkOrderID, AssetID: m.AssetID, CostCenter: m.CostCenter,
			Source: m.Movement, Amount: millwright.Money{Decimal: value.Neg()}}); err != nil {
			return nil, err
		}
	}
	if posted {
		if err := budget.Check(ctx, tx, m.CostCenter, entry.Period); err != nil {
			return nil, err
		}
	}
	return s, replenish(ctx, tx, siteID, it, s, s.Quantity, m.CostCenter)
}

// Level applies a storeroom's stock level and reorder settings from the
// CMMS. The ERP's own quantity is not changed (reconciliation reports a
// difference); an on-hand below the reorder point starts replenishment.
func Level(ctx context.Context, tx Tx, siteID string, m integration.StockLevel) (*Stock, error) {
	it, err := stockItem(ctx, tx, m.ERPItemCode)
	if err != nil {
		return nil, err
	}
	if m.Warehouse == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "stock level of %s names no warehouse", m.ERPItemCode)
	}
	for _, q := range []millwright.Qty{m.OnHand, m.ReorderPoint, m.ReorderQuantity, m.MaxQuantity} {
		if q.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "stock level of %s: quantities cannot be negative", m.ERPItemCode)
		}
	}
	s, err := tx.ERPStockForUpdate(ctx, it, m.Warehouse, siteID)
	if err != nil {
		return nil, err
	}
	before := *s
	s.ReorderPoint, s.ReorderQuantity, s.MaxQuantity = m.ReorderPoint, m.ReorderQuantity, m.MaxQuantity
	if err := tx.SaveERPStock(ctx, s); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_stock", s.ItemID+"@"+s.Warehouse, "level", before, s); err != nil {
		return nil, err
	}
	return s, replenish(ctx, tx, siteID, it, s, m.OnHand, m.CostCenter)
}

// replenish creates a replenishment requisition when onHand is below the
// reorder point, unless one is already open for the item and warehouse.
func replenish(ctx context.Context, tx Tx, siteID string, it *Item, s *Stock, onHand millwright.Qty, costCenter string) error {
	q := s.reorder(onHand)
	if !q.IsPositive() {
		return nil
	}
	open, err := tx.ERPOpenReplenishment(ctx, siteID, it.ID, s.Warehouse)
	if err != nil || open {
		return err
	}
	_, err = Create(ctx, tx, NewRequisition{SiteID: siteID, Source: FromReorder, Priority: 3, CostCenter: costCenter,
		RequestedBy: "system", Lines: []NewLine{{ERPItemCode: it.Code, Quantity: q, Unit: it.Unit, Warehouse: s.Warehouse}}})
	return err
}

// PostLabor posts labor logged on a work order: Dr maintenance expense /
// Cr labor absorption, and emits cost_posted.
func PostLabor(ctx context.Context, tx Tx, siteID string, m integration.LaborCost) (*ledger.Entry, error) {
	switch {
	case m.WorkOrderID == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "labor cost names no work order")
	case m.Amount.IsNegative() || m.Hours.IsNegative():
		return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "labor cost of work order %s: hours and amount cannot be negative; correct with a reversal", m.WorkOrderID)
	}
	account, err := ledger.ExpenseAccount(ctx, tx, m.ExpenseAccount, ledger.MaintenanceExpense)
	if err != nil {
		return nil, err
	}
	amount := m.Amount.Round()
	e := &ledger.Entry{SiteID: siteID, Source: "labor", SourceID: m.WorkOrderID,
		Memo: sprintf("labor %s h on work order %s %s", m.Hours, m.WorkOrderID, m.Technician),
		Lines: []ledger.Line{
			ledger.Dr(account, amount, m.CostCenter, m.WorkOrderID, m.AssetID),
			ledger.Cr(ledger.LaborAbsorption, amount, m.CostCenter, m.WorkOrderID, m.AssetID),
		}}
	posted, err := ledger.Post(ctx, tx, e)
	if err != nil || !posted {
		return e, err
	}
	if err := tx.Emit(ctx, integration.EventCostPosted, "work_order:"+m.WorkOrderID, integration.CostPosted{
		EntryID: e.ID, EntryNumber: e.Number, WorkOrderID: m.WorkOrderID, AssetID: m.AssetID, CostCenter: m.CostCenter, Source: "labor", Amount: amount}); err != nil {
		return nil, err
	}
	return e, budget.Check(ctx, tx, m.CostCenter, e.Period)
}
