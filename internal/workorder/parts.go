package workorder

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// StockMove is a request to issue parts to a work order or return them.
type StockMove struct {
	ItemID      string         `json:"item_id"`
	StoreroomID string         `json:"storeroom_id"`
	Quantity    millwright.Qty `json:"quantity"`
	// Unit is the unit of Quantity; empty means the item's base unit.
	Unit string `json:"unit"`
}

// Moved is the result of an issue or a return: the movement recorded, the
// material line it counted against, and the stock after it.
type Moved struct {
	Movement inventory.Movement `json:"movement"`
	Material *Material          `json:"material"`
	Stock    *inventory.Stock   `json:"stock"`
}

// resolve returns the item, storeroom and base quantity of a move, or
// says what is wrong with them.
func (in StockMove) resolve(ctx context.Context, tx Tx, w *WorkOrder) (*inventory.Item, *inventory.Storeroom, millwright.Qty, error) {
	var q millwright.Qty
	switch {
	case in.ItemID == "":
		return nil, nil, q, missing("item_id", "the id of the part")
	case in.StoreroomID == "":
		return nil, nil, q, missing("storeroom_id", "the storeroom the parts come from or go back to")
	case !in.Quantity.IsPositive():
		return nil, nil, q, badQuantity(in.Quantity)
	}
	it, err := tx.Item(ctx, in.ItemID)
	if err != nil {
		return nil, nil, q, related(err, "item_not_found")
	}
	if it.StockType != inventory.StockItem {
		return nil, nil, q, millwright.Errorf(millwright.Rule, "not_a_stock_item",
			"part %s is a direct item: it is received for the work order, never issued from a storeroom", it.PartNumber)
	}
	sr, err := siteStoreroom(ctx, tx, w, in.StoreroomID)
	if err != nil {
		return nil, nil, q, err
	}
	q, err = it.ToBase(in.Quantity, in.Unit)
	return it, sr, q, err
}

// Issue issues parts from a storeroom to a work order under way, at the
// storeroom's moving-average cost. What the work order holds reserved for
// the item in that storeroom is used first; the rest must be free stock,
// not reserved for other work. The issue counts against the work order's
// material lines for the item, or, when none was planned, against a new
// unplanned line. Stock never goes below zero.
func Issue(ctx context.Context, tx Tx, id string, in StockMove) (*Moved, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	it, sr, q, err := in.resolve(ctx, tx, w)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeActive("parts can be issued"); err != nil {
		return nil, err
	}
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	lines := stockLines(mats, it.ID, sr.ID)
	if len(lines) == 0 {
		// A line copied from a BOM where no storeroom kept the item takes
		// the storeroom of its first issue.
		for i := range mats {
			if m := &mats[i]; !m.Direct && m.ItemID == it.ID && m.StoreroomID == "" {
				m.StoreroomID = sr.ID
				lines = append(lines, m)
			}
		}
	}
	var held millwright.Qty
	for _, l := range lines {
		held = held.Add(l.Reserved)
	}
	fromReservation := minQty(q, held)

	st, err := tx.StockForUpdate(ctx, sr.ID, it.ID)
	if err != nil {
		return nil, err
	}
	// The work order's own reservation is released before the issue, so
	// that only other work's reservations limit it, and what it does not
	// use is reserved again after.
	st.Unreserve(held)
	cost, err := st.Issue(q, millwright.Qty{}, it.PartNumber)
	if err != nil {
		return nil, err
	}
	st.Reserve(held.Sub(fromReservation))
	if err := tx.SaveStock(ctx, st); err != nil {
		return nil, err
	}

	var line *Material
	left := fromReservation
	for _, l := range lines {
		take := minQty(left, l.Reserved)
		if take.IsPositive() && line == nil {
			line = l
		}
		l.Reserved, l.Issued, left = l.Reserved.Sub(take), l.Issued.Add(take), left.Sub(take)
	}
	switch extra := q.Sub(fromReservation); {
	case len(lines) == 0:
		line = &Material{
			WorkOrderID:       w.ID,
			ItemID:            it.ID,
			PartNumber:        it.PartNumber,
			Quantity:          q,
			StoreroomID:       sr.ID,
			Issued:            q,
			UnitCost:          millwright.Money{Decimal: cost.Div(q.Decimal).Round(4)},
			ProcurementStatus: ProcurementNone,
		}
		if err := createLine(ctx, tx, w, line); err != nil {
			return nil, err
		}
	case extra.IsPositive():
		// Beyond the reservation: count it on the first line not yet
		// fully issued, else on the first line.
		line = lines[0]
		for _, l := range lines {
			if l.Issued.LessThan(l.Quantity.Decimal) {
				line = l
				break
			}
		}
		line.Issued = line.Issued.Add(extra)
	}
	for _, l := range lines {
		if err := tx.SaveMaterial(ctx, l); err != nil {
			return nil, err
		}
	}
	line.PartNumber = it.PartNumber

	mv := &inventory.Movement{
		StoreroomID: sr.ID,
		ItemID:      it.ID,
		Kind:        inventory.MoveIssue,
		Quantity:    millwright.Qty{Decimal: q.Neg()},
		Value:       millwright.Money{Decimal: cost.Neg()},
		WorkOrderID: w.ID,
		Reason:      "issue to " + w.Number,
	}
	if err := tx.AddMovement(ctx, mv); err != nil {
		return nil, err
	}
	if err := tellStock(ctx, tx, w, it, sr, st, mv); err != nil {
		return nil, err
	}
	res := &Moved{Movement: *mv, Material: line, Stock: st}
	return res, tx.Audit(ctx, "work_order", w.ID, "issue", nil, res)
}

// Return puts parts issued to a work order back in their storeroom, at
// the average cost at which they were issued, so that issuing and
// returning the same parts leaves the work order's cost where it was.
// Returns are taken while the work is under way and after it is completed
// (left-over parts come back when the job is done), never more than was
// issued to the work order from that storeroom, net of earlier returns.
func Return(ctx context.Context, tx Tx, id string, in StockMove) (*Moved, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	it, sr, q, err := in.resolve(ctx, tx, w)
	if err != nil {
		return nil, err
	}
	if !w.Active() && w.Status != Completed {
		return nil, millwright.Errorf(millwright.Conflict, "work_order_not_active",
			"work order %s is %s; parts can be returned only while it is released, in_progress, waiting_for_parts or completed", w.Number, w.Status)
	}
	moves, err := tx.WorkOrderMovements(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	var netQty millwright.Qty
	var netValue millwright.Money
	for _, m := range moves {
		if m.ItemID == it.ID && m.StoreroomID == sr.ID && (m.Kind == inventory.MoveIssue || m.Kind == inventory.MoveReturn) {
			netQty, netValue = netQty.Sub(m.Quantity), netValue.Sub(m.Value)
		}
	}
	if q.GreaterThan(netQty.Decimal) {
		return nil, millwright.Errorf(millwright.Rule, "return_exceeds_issued",
			"work order %s has %s of part %s issued from storeroom %s, net of returns; return at most that, not %s",
			w.Number, netQty, it.PartNumber, sr.Code, q)
	}
	value := netValue
	if !q.Equal(netQty.Decimal) {
		value = millwright.Money{Decimal: netValue.Mul(q.Decimal).Div(netQty.Decimal).Round(2)}
	}
	st, err := tx.StockForUpdate(ctx, sr.ID, it.ID)
	if err != nil {
		return nil, err
	}
	st.Return(q, value)
	if err := tx.SaveStock(ctx, st); err != nil {
		return nil, err
	}

	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	lines := stockLines(mats, it.ID, sr.ID)
	var line *Material
	left := q
	for i := len(lines) - 1; i >= 0 && left.IsPositive(); i-- {
		l := lines[i]
		take := minQty(left, l.Issued)
		if !take.IsPositive() {
			continue
		}
		l.Issued, left, line = l.Issued.Sub(take), left.Sub(take), l
		if err := tx.SaveMaterial(ctx, l); err != nil {
			return nil, err
		}
	}
	if line != nil {
		line.PartNumber = it.PartNumber
	}

	mv := &inventory.Movement{
		StoreroomID: sr.ID,
		ItemID:      it.ID,
		Kind:        inventory.MoveReturn,
		Quantity:    q,
		Value:       value,
		WorkOrderID: w.ID,
		Reason:      "return from " + w.Number,
	}
	if err := tx.AddMovement(ctx, mv); err != nil {
		return nil, err
	}
	if err := tellStock(ctx, tx, w, it, sr, st, mv); err != nil {
		return nil, err
	}
	res := &Moved{Movement: *mv, Material: line, Stock: st}
	return res, tx.Audit(ctx, "work_order", w.ID, "return", nil, res)
}

// tellStock puts the movement and the stock's new level in the outbox,
// charged to w's asset and its cost center.
func tellStock(ctx context.Context, tx Tx, w *WorkOrder, it *inventory.Item, sr *inventory.Storeroom, st *inventory.Stock, mv *inventory.Movement) error {
	a, err := tx.Asset(ctx, w.AssetID)
	if err != nil {
		return err
	}
	return inventory.TellERP(ctx, tx, it, sr, st, mv, inventory.Charge{WorkOrderID: w.ID, AssetID: w.AssetID, CostCenter: a.CostCenter})
}

// stockLines returns pointers to the stock lines of mats for an item in a
// storeroom, in the order they were added.
func stockLines(mats []Material, itemID, storeroomID string) []*Material {
	var out []*Material
	for i := range mats {
		if m := &mats[i]; !m.Direct && m.ItemID == itemID && m.StoreroomID == storeroomID {
			out = append(out, m)
		}
	}
	return out
}

func minQty(a, b millwright.Qty) millwright.Qty {
	return millwright.Qty{Decimal: decimal.Min(a.Decimal, b.Decimal)}
}
