package workorder

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// NewMaterial is a request to add a material line to a work order.
type NewMaterial struct {
	ItemID   string         `json:"item_id"`
	Quantity millwright.Qty `json:"quantity"`
	// Unit is the unit of Quantity; empty means the item's base unit.
	Unit string `json:"unit"`
	// Direct defaults from the item: true for a direct (non-stock) item.
	Direct      *bool  `json:"direct"`
	StoreroomID string `json:"storeroom_id"`
	// AutoRequestMaterial defaults to the work order's flag.
	AutoRequestMaterial *bool `json:"auto_request_material"`
}

// AddMaterial adds a planned material line to a work order that is not yet
// completed.
//
// A stock line (direct false) names a storeroom of the work order's site
// and reserves its quantity there at once; only a planner may add one. A
// direct line is bought for the work order and waits for procurement. Any
// item may be a direct line: a stock item bought for one job is a special
// buy, as SAP's non-stock item category allows. A direct item (stock type
// direct) cannot be a stock line: no storeroom keeps it.
func AddMaterial(ctx context.Context, tx Tx, id string, in NewMaterial) (*Material, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeOpen("materials can be added"); err != nil {
		return nil, err
	}
	if in.ItemID == "" {
		return nil, missing("item_id", "the id of the item to plan")
	}
	if !in.Quantity.IsPositive() {
		return nil, badQuantity(in.Quantity)
	}
	it, err := tx.Item(ctx, in.ItemID)
	if err != nil {
		return nil, related(err, "item_not_found")
	}
	q, err := it.ToBase(in.Quantity, in.Unit)
	if err != nil {
		return nil, err
	}
	m := &Material{
		ItemID:              it.ID,
		Quantity:            q,
		Direct:              it.StockType != inventory.StockItem,
		AutoRequestMaterial: w.AutoRequestMaterial,
	}
	if in.Direct != nil {
		m.Direct = *in.Direct
	}
	if in.AutoRequestMaterial != nil {
		m.AutoRequestMaterial = *in.AutoRequestMaterial
	}
	if m.Direct {
		if in.StoreroomID != "" {
			return nil, millwright.Errorf(millwright.Rule, "storeroom_on_direct_line",
				"part %s is planned as a direct item, bought for the work order, so it takes no storeroom_id; leave storeroom_id out or send direct false", it.PartNumber)
		}
		if err := addLine(ctx, tx, w, it, m); err != nil {
			return nil, err
		}
		return m, requestLate(ctx, tx, w, m)
	}
	if err := auth.Require(ctx, auth.PlanWork); err != nil {
		return nil, millwright.Errorf(millwright.Forbidden, "forbidden",
			"user %s may add only direct items to a work order; reserving stock item %s in a storeroom is a planner's task",
			tx.Actor().Username, it.PartNumber)
	}
	if it.StockType != inventory.StockItem {
		return nil, millwright.Errorf(millwright.Rule, "not_a_stock_item",
			"part %s is a direct item that no storeroom keeps; add it with direct true", it.PartNumber)
	}
	if in.StoreroomID == "" {
		return nil, millwright.Errorf(millwright.Rule, "storeroom_required",
			"part %s is a stock item: send storeroom_id, the storeroom of site %s to reserve it in", it.PartNumber, w.SiteID)
	}
	if _, err := siteStoreroom(ctx, tx, w, in.StoreroomID); err != nil {
		return nil, err
	}
	m.StoreroomID = in.StoreroomID
	return m, addLine(ctx, tx, w, it, m)
}

// siteStoreroom returns the storeroom id, which must be in w's site.
func siteStoreroom(ctx context.Context, tx Tx, w *WorkOrder, id string) (*inventory.Storeroom, error) {
	s, err := tx.Storeroom(ctx, id)
	if err != nil {
		return nil, related(err, "storeroom_not_found")
	}
	if s.SiteID != w.SiteID {
		return nil, millwright.Errorf(millwright.Rule, "storeroom_other_site",
			"storeroom %s belongs to another site than work order %s; use a storeroom of site %s", s.Code, w.Number, w.SiteID)
	}
	return s, nil
}

func badQuantity(q millwright.Qty) error {
	return millwright.Errorf(millwright.Invalid, "invalid_quantity", "quantity must be more than zero, got %s", q)
}

// addLine stores a new material line of w for item it. A stock line with a
// storeroom reserves its quantity there and is estimated at the
// storeroom's average cost (the item's unit cost while none is on hand); a
// direct line is estimated at the item's unit cost.
func addLine(ctx context.Context, tx Tx, w *WorkOrder, it *inventory.Item, m *Material) error {
	m.WorkOrderID, m.PartNumber = w.ID, it.PartNumber
	m.ProcurementStatus = ProcurementNone
	m.UnitCost = it.UnitCost
	if !m.Direct && m.StoreroomID != "" {
		st, err := tx.StockForUpdate(ctx, m.StoreroomID, it.ID)
		if err != nil {
			return err
		}
		if st.OnHand.IsPositive() {
			m.UnitCost = st.AverageCost
		}
		st.Reserve(m.Quantity)
		if err := tx.SaveStock(ctx, st); err != nil {
			return err
		}
		m.Reserved = m.Quantity
	}
	return createLine(ctx, tx, w, m)
}

// createLine stores a new material line of w with its audit entry.
func createLine(ctx context.Context, tx Tx, w *WorkOrder, m *Material) error {
	m.WorkOrderID = w.ID
	if err := tx.CreateMaterial(ctx, m); err != nil {
		return err
	}
	return tx.Audit(ctx, "work_order", w.ID, "add_material", nil, m)
}

// Materials lists a work order's material lines in the order they were added.
func Materials(ctx context.Context, tx Tx, id string) ([]Material, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return tx.Materials(ctx, w.ID)
}

// requestLate runs Auto Request Material for a direct line added to a
// work order already released, as the release would have, and reads back
// the line's procurement status.
func requestLate(ctx context.Context, tx Tx, w *WorkOrder, m *Material) error {
	if !w.Open() || !m.AutoRequestMaterial {
		return nil
	}
	if err := requestMaterial(ctx, tx, w, tx.Actor().Username); err != nil {
		return err
	}
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return err
	}
	for _, x := range mats {
		if x.ID == m.ID {
			m.ProcurementStatus, m.BlockedReason = x.ProcurementStatus, x.BlockedReason
		}
	}
	return nil
}
