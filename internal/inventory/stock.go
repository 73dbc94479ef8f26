package inventory

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// Key names a stock row in the audit trail: "storeroom_id/item_id".
func (s *Stock) Key() string { return s.StoreroomID + "/" + s.ItemID }

// Settings are the reorder settings of a stock. A zero reorder point
// means the stock is never reordered; a zero maximum means it has none.
type Settings struct {
	ReorderPoint    millwright.Qty `json:"reorder_point"`
	ReorderQuantity millwright.Qty `json:"reorder_quantity"`
	MaxQuantity     millwright.Qty `json:"max_quantity"`
}

// Validate checks that the settings can drive a reorder: none is below
// zero, a maximum is not below the reorder point, and a stock with a
// reorder point says how much to order.
func (s Settings) Validate() error {
	for _, f := range []struct {
		name string
		q    millwright.Qty
	}{{"reorder_point", s.ReorderPoint}, {"reorder_quantity", s.ReorderQuantity}, {"max_quantity", s.MaxQuantity}} {
		if f.q.IsNegative() {
			return millwright.Errorf(millwright.Invalid, "invalid_quantity", "%s is %s; it must be zero or more", f.name, f.q)
		}
	}
	if s.MaxQuantity.IsPositive() && s.MaxQuantity.LessThan(s.ReorderPoint.Decimal) {
		return millwright.Errorf(millwright.Rule, "max_below_reorder_point",
			"max_quantity %s is below reorder_point %s; raise the maximum, or send 0 for no maximum", s.MaxQuantity, s.ReorderPoint)
	}
	if s.ReorderPoint.IsPositive() && s.ReorderQuantity.IsZero() && s.MaxQuantity.IsZero() {
		return millwright.Errorf(millwright.Rule, "no_reorder_quantity",
			"reorder_point %s is set but neither reorder_quantity nor max_quantity says how much to order; set one of them", s.ReorderPoint)
	}
	return nil
}

// SetSettings sets the reorder settings of an item in a storeroom. Only
// stock items are kept in storerooms. The ERP sees them with the stock's
// level, and replenishes when on hand is below the reorder point; a stock
// never counted (no movement yet) has no level to send: its on hand of 0
// is no count, and the settings go to the ERP with the first movement,
// which replenishes then if it leaves the stock below the reorder point.
func SetSettings(ctx context.Context, tx Tx, storeroomID, itemID string, set Settings) (*Stock, error) {
	sr, err := GetStoreroom(ctx, tx, storeroomID)
	if err != nil {
		return nil, err
	}
	it, err := tx.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if err := stocked(it); err != nil {
		return nil, err
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		q    millwright.Qty
	}{{"reorder_point", set.ReorderPoint}, {"reorder_quantity", set.ReorderQuantity}, {"max_quantity", set.MaxQuantity}} {
		if err := it.CheckQuantity(f.name, f.q); err != nil {
			return nil, err
		}
	}
	s, err := tx.StockForUpdate(ctx, storeroomID, itemID)
	if err != nil {
		return nil, err
	}
	before := *s
	s.ReorderPoint, s.ReorderQuantity, s.MaxQuantity = set.ReorderPoint, set.ReorderQuantity, set.MaxQuantity
	s.Derive()
	if err := tx.SaveStock(ctx, s); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "stock", s.Key(), "update", before, s); err != nil {
		return nil, err
	}
	if before.ReorderPoint.Equal(s.ReorderPoint.Decimal) && before.ReorderQuantity.Equal(s.ReorderQuantity.Decimal) &&
		before.MaxQuantity.Equal(s.MaxQuantity.Decimal) {
		return s, nil // nothing the ERP must see changed
	}
	if s.OnHand.IsZero() {
		moved, err := tx.StockMoved(ctx, storeroomID, itemID)
		if err != nil {
			return nil, err
		}
		if !moved {
			return s, nil // settings saved before the opening count
		}
	}
	return s, TellERP(ctx, tx, it, sr, s, nil, Charge{})
}

func stocked(it *Item) error {
	if it.StockType != StockItem {
		return millwright.Errorf(millwright.Rule, "direct_item",
			"part %s is a direct item, bought for each work order and never kept in a storeroom; make it a stock item first", it.PartNumber)
	}
	return nil
}

// Adjustment is a stock count or opening balance: a signed change of the
// quantity on hand. UnitCost is required to add stock and ignored when
// removing it, which is done at the moving-average cost.
type Adjustment struct {
	StoreroomID string            `json:"storeroom_id"`
	ItemID      string            `json:"item_id"`
	Quantity    millwright.Qty    `json:"quantity"`
	UnitCost    *millwright.Money `json:"unit_cost"`
	Reason      string            `json:"reason"`
}

// Validate checks an adjustment on its own, trimming its fields.
func (a *Adjustment) Validate() error {
	a.StoreroomID, a.ItemID, a.Reason = strings.TrimSpace(a.StoreroomID), strings.TrimSpace(a.ItemID), strings.TrimSpace(a.Reason)
	switch {
	case a.StoreroomID == "":
		return missing("storeroom_id", "a stock adjustment")
	case a.ItemID == "":
		return missing("item_id", "a stock adjustment")
	case a.Reason == "":
		return missing("reason", "a stock adjustment (say why the count changed)")
	case a.Quantity.IsZero():
		return millwright.Errorf(millwright.Invalid, "invalid_quantity",
			"quantity is zero; send a positive quantity to add stock or a negative one to remove it")
	case a.Quantity.IsPositive() && a.UnitCost == nil:
		return missing("unit_cost", "an adjustment that adds stock")
	case a.UnitCost != nil && a.UnitCost.IsNegative():
		return millwright.Errorf(millwright.Invalid, "invalid_unit_cost", "unit_cost %s is below zero", a.UnitCost)
	}
	return nil
}

// Adjusted is the outcome of an adjustment: the movement it recorded and
// the stock after it.
type Adjusted struct {
	Movement Movement `json:"movement"`
	Stock    Stock    `json:"stock"`
}

// Adjust applies a stock adjustment: the stock's count and moving-average
// value change, a movement is recorded, and the change is audited. Stock
// never goes below zero.
func Adjust(ctx context.Context, tx Tx, a Adjustment) (*Adjusted, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	st, err := tx.Storeroom(ctx, a.StoreroomID)
	if err != nil {
		return nil, related(err, "unknown_storeroom", "storeroom %s does not exist; use the id of an existing storeroom", a.StoreroomID)
	}
	if err := millwright.CheckSite(ctx, st.SiteID); err != nil {
		return nil, err
	}
	it, err := tx.Item(ctx, a.ItemID)
	if err != nil {
		return nil, related(err, "unknown_item", "item %s does not exist; use the id of an existing item", a.ItemID)
	}
	if err := stocked(it); err != nil {
		return nil, err
	}
	if err := it.CheckQuantity("quantity", a.Quantity); err != nil {
		return nil, err
	}
	s, err := tx.StockForUpdate(ctx, st.ID, it.ID)
	if err != nil {
		return nil, err
	}
	// The first count of a row that never moved is its opening balance.
	moved, err := tx.StockMoved(ctx, st.ID, it.ID)
	if err != nil {
		return nil, err
	}
	opening := !moved && a.Quantity.IsPositive()
	before := *s
	var cost millwright.Money
	if a.UnitCost != nil && a.Quantity.IsPositive() {
		cost = *a.UnitCost
	}
	value, err := s.Adjust(a.Quantity, cost, it.PartNumber)
	if err != nil {
		return nil, err
	}
	if err := tx.SaveStock(ctx, s); err != nil {
		return nil, err
	}
	m := Movement{StoreroomID: st.ID, ItemID: it.ID, Kind: MoveAdjustment, Quantity: a.Quantity, Value: value, Reason: a.Reason}
	if err := tx.AddMovement(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "stock", s.Key(), "adjust", before, s); err != nil {
		return nil, err
	}
	if err := TellERP(ctx, tx, it, st, s, &m, Charge{Opening: opening}); err != nil {
		return nil, err
	}
	return &Adjusted{Movement: m, Stock: *s}, nil
}

// Sync sets the stock of an item in a storeroom to onHand, the ERP's
// level when the ERP is master of stock. The difference is recorded as an
// adjustment movement with reason, and nothing goes back to the ERP, which
// has it already. Stock added is valued at added (its value in the ERP);
// stock removed, at the moving-average cost. It returns nil when the stock
// already holds onHand.
func Sync(ctx context.Context, tx Tx, storeroomID, itemID string, onHand millwright.Qty, added millwright.Money, reason string) (*Adjusted, error) {
	it, err := tx.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if err := stocked(it); err != nil {
		return nil, err
	}
	if onHand.IsNegative() {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_quantity", "part %s: the ERP's level %s is below zero", it.PartNumber, onHand)
	}
	s, err := tx.StockForUpdate(ctx, storeroomID, itemID)
	if err != nil {
		return nil, err
	}
	q := onHand.Sub(s.OnHand)
	if q.IsZero() {
		return nil, nil
	}
	before := *s
	var value millwright.Money
	if q.IsPositive() {
		s.OnHand, s.Value = onHand, s.Value.Add(added)
		s.Derive()
		value = added
	} else if value, err = s.Adjust(q, millwright.Money{}, it.PartNumber); err != nil {
		return nil, err
	}
	if err := tx.SaveStock(ctx, s); err != nil {
		return nil, err
	}
	m := Movement{StoreroomID: storeroomID, ItemID: it.ID, Kind: MoveAdjustment, Quantity: q, Value: value, Reason: reason}
	if err := tx.AddMovement(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "stock", s.Key(), "sync", before, s); err != nil {
		return nil, err
	}
	return &Adjusted{Movement: m, Stock: *s}, nil
}
