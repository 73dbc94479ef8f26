package inventory

import (
	"context"

	"github.com/millwright-cmms/millwright"
)

// ReceiveFromERP books a goods receipt the ERP made into a storeroom's
// warehouse: q units worth value (at the purchase order's price) come in,
// the moving average is recomputed, and a receipt movement is recorded
// with reason and audited. Nothing goes back to the ERP: the receipt is
// its own, and its stock already holds it.
func ReceiveFromERP(ctx context.Context, tx Tx, storeroomID, itemID string, q millwright.Qty, value millwright.Money, reason string) (*Adjusted, error) {
	it, err := tx.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if err := stocked(it); err != nil {
		return nil, err
	}
	if !q.IsPositive() || value.IsNegative() {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_quantity",
			"part %s: a receipt brings in more than zero at a value of zero or more, not %s worth %s", it.PartNumber, q, value)
	}
	s, err := tx.StockForUpdate(ctx, storeroomID, itemID)
	if err != nil {
		return nil, err
	}
	before := *s
	s.OnHand, s.Value = s.OnHand.Add(q), s.Value.Add(value)
	s.Derive()
	if err := tx.SaveStock(ctx, s); err != nil {
		return nil, err
	}
	m := Movement{StoreroomID: storeroomID, ItemID: it.ID, Kind: MoveReceipt, Quantity: q, Value: value, Reason: reason}
	if err := tx.AddMovement(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "stock", s.Key(), "receive", before, s); err != nil {
		return nil, err
	}
	return &Adjusted{Movement: m, Stock: *s}, nil
}
