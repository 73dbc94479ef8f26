package workorder

import (
	"context"
	"strings"

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
	// AutoRequestMaterial defaults to the work order's flag (to true for a
	// special buy).
	AutoRequestMaterial *bool `json:"auto_request_material"`
	// A special buy (a text item) is described instead of naming an item:
	// Description, Quantity, Unit and UnitCost (the estimated price of one
	// unit) are required, Vendor is optional. Its ItemID is the site's
	// default purchasing item, which the caller sets.
	Description string            `json:"description"`
	Vendor      string            `json:"vendor"`
	UnitCost    *millwright.Money `json:"unit_cost"`
}

// SpecialBuyPart is the part number of the catalog item every special buy
// is planned and requested under until it is linked to a catalog item;
// its ERP mapping at a site (or everywhere) is the site's default
// purchasing item.
const SpecialBuyPart = "SPECIAL-BUY"

// specialBuy checks and completes a special buy's line.
func specialBuy(in NewMaterial, it *inventory.Item, m *Material) error {
	in.Unit, in.Vendor = strings.TrimSpace(in.Unit), strings.TrimSpace(in.Vendor)
	switch {
	case it.PartNumber != SpecialBuyPart:
		return millwright.Errorf(millwright.Invalid, "description_with_item",
			"send either item_id (a catalog item) or description (a special buy, with quantity, unit and unit_cost), not both")
	case len(in.Description) > 200:
		return millwright.Errorf(millwright.Invalid, "invalid_description", "description is %d characters; keep it to 200", len(in.Description))
	case in.Unit == "":
		return missing("unit", "the unit the special buy is bought in, such as EA or M")
	case in.UnitCost == nil:
		return missing("unit_cost", "the estimated price of one unit, such as \"185.00\"")
	case in.UnitCost.IsNegative():
		return millwright.Errorf(millwright.Invalid, "invalid_unit_cost", "unit_cost %s is below zero; an estimate is zero or more", *in.UnitCost)
	case in.StoreroomID != "" || (in.Direct != nil && !*in.Direct):
		return millwright.Errorf(millwright.Rule, "special_buy_is_direct",
			"a special buy is bought for the work order and kept in no storeroom; leave storeroom_id and direct out")
	}
	if err := millwright.CheckUnitQuantity("quantity", in.Quantity, in.Unit); err != nil {
		return err
	}
	m.ItemID, m.SpecialBuy, m.Description, m.Unit, m.Vendor = it.ID, true, in.Description, in.Unit, in.Vendor
	m.Quantity, m.Direct, m.UnitCost = in.Quantity, true, *in.UnitCost
	m.AutoRequestMaterial = in.AutoRequestMaterial == nil || *in.AutoRequestMaterial
	return nil
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
	in.Description = strings.TrimSpace(in.Description)
	if in.ItemID == "" {
		return nil, missing("item_id", "the id of the item to plan (or a description, quantity, unit and unit_cost for a special buy)")
	}
	if !in.Quantity.IsPositive() {
		return nil, badQuantity(in.Quantity)
	}
	it, err := tx.Item(ctx, in.ItemID)
	if err != nil {
		return nil, related(err, "item_not_found")
	}
	if in.Description != "" {
		m := &Material{}
		if err := specialBuy(in, it, m); err != nil {
			return nil, err
		}
		if err := addLine(ctx, tx, w, it, m); err != nil {
			return nil, err
		}
		return m, requestLate(ctx, tx, w, m)
	}
	if it.PartNumber == SpecialBuyPart {
		return nil, missing("description", "a special buy: what to buy, in words")
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
	if !m.SpecialBuy {
		m.UnitCost = it.UnitCost
	}
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

// LinkMaterial links a special buy to the catalog item it turned out to
// be. Before it is requested the line becomes that item's line (its
// quantity converted from the special buy's unit, which must be one of
// the item's units); once requested, the ERP's documents stay as they
// are, under the default purchasing item, and the line keeps its words
// and names the catalog item for history and cost reports.
func LinkMaterial(ctx context.Context, tx Tx, id, lineID, itemID string) (*Material, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	m, err := tx.MaterialLine(ctx, lineID)
	if err != nil || m.WorkOrderID != w.ID {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "work order %s has no material line %s", w.Number, lineID)
	}
	if !m.SpecialBuy {
		return nil, millwright.Errorf(millwright.Rule, "not_a_special_buy",
			"material line %s is part %s from the catalog; only a special buy is linked to a catalog item", m.ID, m.PartNumber)
	}
	if m.PartNumber != SpecialBuyPart {
		return nil, millwright.Errorf(millwright.Conflict, "already_linked", "material line %s is already linked to part %s", m.ID, m.PartNumber)
	}
	if itemID == "" {
		return nil, missing("item_id", "the id of the catalog item the special buy is")
	}
	it, err := tx.Item(ctx, itemID)
	if err != nil {
		return nil, related(err, "item_not_found")
	}
	if it.PartNumber == SpecialBuyPart {
		return nil, millwright.Errorf(millwright.Rule, "not_a_catalog_item", "link the special buy to a catalog item, not to %s", SpecialBuyPart)
	}
	before := *m
	if m.ProcurementStatus == ProcurementNone || m.ProcurementStatus == ProcurementBlocked {
		q, err := it.ToBase(m.Quantity, m.Unit)
		if err != nil {
			return nil, err
		}
		m.Quantity, m.UnitCost = q, it.UnitCost
		m.SpecialBuy, m.Description, m.Unit, m.Vendor = false, "", "", ""
		m.ProcurementStatus, m.BlockedReason = ProcurementNone, ""
	}
	m.ItemID, m.PartNumber = it.ID, it.PartNumber
	if err := tx.SaveMaterial(ctx, m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "work_order", w.ID, "link_material", before, m); err != nil {
		return nil, err
	}
	return m, requestLate(ctx, tx, w, m)
}
