package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// syncStock applies the ERP's stock level of an item in a warehouse to the
// storeroom of the same code, as the stock_master setting says.
//
// The CMMS's figure to compare is the ERP's level plus the stock movements
// the CMMS has sent but the ERP has not applied yet (they are delivered in
// order per stock row, so the ERP's level counts every delivered one):
// when that equals the storeroom's on hand, the two sides agree and
// nothing is done. Otherwise, with the ERP master of stock, the storeroom
// takes the ERP's level, recorded as an adjustment with the reason (a
// receipt in the ERP raises the storeroom's stock at the ERP's value);
// with the CMMS master, the difference is kept as a reconciliation report
// and the storeroom is left alone.
//
// Levels are absolute, so only the newest per stock row counts: an older
// event arriving after a newer one changes nothing.
func syncStock(ctx context.Context, tx *store.Tx, ev integration.Event, p integration.StockLevelChanged) error {
	sr, err := tx.StoreroomByCode(ctx, p.SiteID, p.Warehouse)
	if err != nil {
		return unknownStock(ev, p, err)
	}
	mp, err := tx.ItemByERPCode(ctx, p.ERPItemCode, sr.SiteID)
	if err != nil {
		return unknownStock(ev, p, err)
	}
	seqKey := "stock_seq:" + sr.ID + "/" + mp.ItemID
	if v, err := tx.IntegrationState(ctx, seqKey); err != nil {
		return err
	} else if last, _ := strconv.ParseInt(v, 10, 64); last >= ev.Seq {
		return nil
	}
	if r, err := receiptWaiting(ctx, tx, ev.Seq, p); err != nil {
		return err
	} else if r != "" {
		// The level counts the receipt: applied first, the receipt would
		// come in as an adjustment, not a receipt at the order's price.
		return millwright.Errorf(millwright.NotFound, "receipt_waiting",
			"ERP stock of %s at %s (event %d) waits for goods receipt %s, an earlier event not applied yet", p.ERPItemCode, p.Warehouse, ev.Seq, r)
	}
	if err := tx.SetIntegrationState(ctx, seqKey, strconv.FormatInt(ev.Seq, 10)); err != nil {
		return err
	}
	it, err := tx.Item(ctx, mp.ItemID)
	if err != nil {
		return err
	}
	if it.StockType != inventory.StockItem {
		return millwright.Errorf(millwright.Invalid, "not_a_stock_item",
			"ERP stock of %s at %s not applied: it is mapped to part %s, a direct item the CMMS keeps no stock of", p.ERPItemCode, p.Warehouse, it.PartNumber)
	}
	st, err := tx.StockForUpdate(ctx, sr.ID, it.ID)
	if err != nil {
		return err
	}
	pending, err := tx.UndeliveredMovements(ctx, st.Key())
	if err != nil {
		return err
	}
	var inFlight millwright.Qty // in the CMMS unit
	for _, m := range pending {
		var mv integration.StockMovement
		if err := m.Message.Decode(&mv); err != nil {
			return err
		}
		if m.WaitsForItem != "" {
			inFlight = inFlight.Add(mv.Quantity) // still in the CMMS unit
		} else {
			inFlight = inFlight.Add(mp.FromERP(mv.Quantity))
		}
	}
	level := mp.FromERP(p.Quantity)
	target := level.Add(inFlight)
	if target.Equal(st.OnHand.Decimal) {
		return nil
	}
	master, err := tx.StockMaster(ctx)
	if err != nil {
		return err
	}
	if master == store.StockMasterERP && !target.IsNegative() {
		var added millwright.Money
		if q := target.Sub(st.OnHand); q.IsPositive() {
			// With nothing in flight the storeroom ends at the ERP's value;
			// else what is added is valued at the ERP's average cost.
			added = p.Value.Sub(st.Value)
			if !inFlight.IsZero() || added.IsNegative() || !level.IsPositive() {
				added = millwright.Money{}
				if level.IsPositive() {
					added = millwright.Money{Decimal: p.Value.Mul(q.Decimal).Div(level.Decimal).Round(2)}
				}
			}
		}
		reason := fmt.Sprintf("ERP stock level after %s (event %d): %s %s of %s at %s; the ERP is master of stock",
			p.Cause, ev.Seq, p.Quantity, mp.ERPUnit, p.ERPItemCode, p.Warehouse)
		_, err := inventory.Sync(ctx, tx, sr.ID, it.ID, target, added, reason)
		return err
	}
	ours := mp.ToERP(st.OnHand)
	_, err = reconcile.Note(ctx, tx, string(integration.EventStockLevelChanged), reconcile.Difference{
		Kind: reconcile.StockQuantity, Record: fmt.Sprintf("%s at %s", it.PartNumber, sr.Code), RecordID: st.Key(), SiteID: sr.SiteID,
		CMMS: ours.String(), ERP: p.Quantity.String(), Difference: ours.Sub(p.Quantity).String(), Pending: mp.ToERP(inFlight).String(),
		Messages: refs(pending),
		Note: fmt.Sprintf("the ERP's level after %s (event %d) differs from the storeroom's and the CMMS is master of stock (stock_master cmms), so it was not applied; %s",
			p.Cause, ev.Seq, reconcile.StockFix(st.Key())),
	})
	return err
}

// receiptWaiting is the number of a goods receipt into the stock row of
// p that an event before seq brought and that still waits (an earlier
// event of its purchase order waits, say), or "". Events of different
// documents are applied as they arrive, a poll's page and a webhook's
// push crossing; a level must not pass a receipt it counts.
func receiptWaiting(ctx context.Context, tx *store.Tx, seq int64, p integration.StockLevelChanged) (string, error) {
	waiting, err := tx.WaitingEventsOfKind(ctx, integration.EventGoodsReceived)
	if err != nil {
		return "", err
	}
	for _, ev := range waiting {
		var r integration.GoodsReceived
		if ev.Seq > seq || json.Unmarshal(ev.Payload, &r) != nil || r.SiteID != p.SiteID {
			continue
		}
		for _, rl := range r.Lines {
			if !rl.Direct && rl.ERPItemCode == p.ERPItemCode && rl.Warehouse == p.Warehouse {
				return r.Number, nil
			}
		}
	}
	return "", nil
}

// receiveStock books a stock line of a goods receipt the ERP made into
// the storeroom whose code is the line's warehouse, at the site of the
// purchase order: the storeroom's on hand rises by the quantity received,
// valued at the purchase order's price, whichever side is master of stock
// (stock_master decides how a level that differs is resolved, not whether
// a receipt counts). The ERP's level that follows then agrees. Where the
// ERP is master and a newer level of the row was already applied, that
// level counted the receipt. A line no storeroom or item mapping takes is
// left out, audited: reconciliation shows the difference.
func receiveStock(ctx context.Context, tx *store.Tx, ev integration.Event, p integration.GoodsReceived, rl integration.ReceivedLine) error {
	skip := func(cause error) error {
		return tx.Audit(ctx, "integration_event", strconv.FormatInt(ev.Seq, 10), "receipt_not_booked", nil, map[string]string{
			"erp_item_code": rl.ERPItemCode, "warehouse": rl.Warehouse, "receipt": p.Number, "reason": message(cause)})
	}
	sr, err := tx.StoreroomByCode(ctx, p.SiteID, rl.Warehouse)
	if err != nil {
		if millwright.ErrorKind(err) == millwright.NotFound {
			return skip(err)
		}
		return err
	}
	mp, err := tx.ItemByERPCode(ctx, rl.ERPItemCode, sr.SiteID)
	if err != nil {
		if millwright.ErrorKind(err) == millwright.NotFound {
			return skip(err)
		}
		return err
	}
	master, err := tx.StockMaster(ctx)
	if err != nil {
		return err
	}
	if master == store.StockMasterERP {
		v, err := tx.IntegrationState(ctx, "stock_seq:"+sr.ID+"/"+mp.ItemID)
		if err != nil {
			return err
		}
		if last, _ := strconv.ParseInt(v, 10, 64); last >= ev.Seq {
			return nil
		}
	}
	reason := fmt.Sprintf("goods receipt %s for %s in the ERP: %s %s of %s", p.Number, p.PurchaseOrder, rl.Quantity, mp.ERPUnit, rl.ERPItemCode)
	_, err = inventory.ReceiveFromERP(ctx, tx, sr.ID, mp.ItemID, mp.FromERP(rl.Quantity), rl.Value, reason)
	if code := millwright.ErrorCode(err); code == "direct_item" || code == "invalid_quantity" {
		return skip(err)
	}
	return err
}

// unknownStock is the note of a stock level the CMMS keeps no stock row
// for: the event is kept as applied with it, rather than wait for ever.
func unknownStock(ev integration.Event, p integration.StockLevelChanged, cause error) error {
	return millwright.Errorf(millwright.Invalid, "unknown_stock",
		"ERP stock of %s at %s (event %d) not applied: %s; map the item (POST /api/v1/integration/mappings/items) or give the storeroom the warehouse's code",
		p.ERPItemCode, p.Warehouse, ev.Seq, message(cause))
}

func refs(ms []integration.OutboxMessage) []reconcile.MessageRef {
	out := []reconcile.MessageRef{}
	for _, m := range ms {
		out = append(out, reconcile.MessageRef{ID: m.ID, Kind: m.Kind, Status: m.Status, LastError: m.LastError})
	}
	return out
}
