package reconcile

import (
	"context"
	"fmt"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Which side's figure stands when a stock difference is resolved.
const (
	KeepCMMS = "cmms" // the storeroom's count stands: the ERP is corrected by an adjustment message
	KeepERP  = "erp"  // the ERP's level stands: the storeroom takes it, and nothing goes back
)

// StockResolution asks to close the stock difference of an item in a
// storeroom, keeping one side's figure.
type StockResolution struct {
	StoreroomID string `json:"storeroom_id"`
	ItemID      string `json:"item_id"`
	Keep        string `json:"keep"`
}

// StockResolved is what a resolution did.
type StockResolved struct {
	Record     string              `json:"record"`
	Keep       string              `json:"keep"`
	CMMS       string              `json:"cmms"` // before, in ERP units
	ERP        string              `json:"erp"`
	Difference string              `json:"difference"`
	Movement   *inventory.Movement `json:"movement,omitempty"`    // the storeroom's adjustment (keep erp)
	MessageKey string              `json:"message_key,omitempty"` // the ERP's adjustment, through the outbox (keep cmms)
}

// ResolveStock closes the difference between a storeroom's on hand and the
// ERP warehouse's quantity of one item, as the reconciliation report
// advises: with keep cmms, the ERP receives an adjustment of the
// difference (the CMMS's stock does not move); with keep erp, the
// storeroom takes the ERP's level (nothing goes to the ERP). Either way
// the two sides are equal once it is done, where an adjustment in the
// CMMS would move both and leave the difference. A difference that
// messages still on their way concern is refused: it may close by itself.
func ResolveStock(ctx context.Context, db *store.DB, conn integration.Connector, in StockResolution) (*StockResolved, error) {
	if in.Keep != KeepCMMS && in.Keep != KeepERP {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_keep",
			"keep must be cmms (the storeroom's count stands and the ERP is corrected) or erp (the storeroom takes the ERP's level), not %q", in.Keep)
	}
	if in.StoreroomID == "" || in.ItemID == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field",
			"storeroom_id and item_id are required: the record_id of the difference is storeroom_id/item_id")
	}
	rec, ok := conn.(integration.Reconciler)
	if !ok {
		return nil, millwright.Errorf(millwright.Rule, "not_reconcilable",
			"the configured ERP connector cannot report its balances; correct the stock in the ERP's own screens")
	}
	bal, err := rec.Balances(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the ERP's balances: %w", err)
	}
	var out *StockResolved
	err = db.InTx(ctx, func(tx *store.Tx) error {
		sr, err := tx.Storeroom(ctx, in.StoreroomID)
		if err != nil {
			return err
		}
		if err := millwright.CheckSite(ctx, sr.SiteID); err != nil {
			return err
		}
		it, err := tx.Item(ctx, in.ItemID)
		if err != nil {
			return err
		}
		mp, err := tx.ItemMapping(ctx, it.ID, sr.SiteID)
		if millwright.ErrorKind(err) == millwright.NotFound {
			return millwright.Errorf(millwright.Rule, "unmapped_item",
				"part %s has no ERP item code at the storeroom's site, so there is nothing to compare; map it with POST /api/v1/integration/mappings/items", it.PartNumber)
		} else if err != nil {
			return err
		}
		var theirs integration.StockBalance
		for _, b := range bal.Stock {
			if b.SiteID == sr.SiteID && b.ERPItemCode == mp.ERPItemCode && b.Warehouse == sr.Code {
				theirs = b
			}
		}
		s, err := tx.StockForUpdate(ctx, sr.ID, it.ID)
		if err != nil {
			return err
		}
		record := fmt.Sprintf("%s at %s", it.PartNumber, sr.Code)
		if pending, err := tx.UndeliveredMovements(ctx, s.Key()); err != nil {
			return err
		} else if len(pending) > 0 {
			return millwright.Errorf(millwright.Conflict, "messages_pending",
				"%d stock message(s) of %s are not delivered yet (the first %s, %s); let them go or replay them, then reconcile again",
				len(pending), record, pending[0].ID, pending[0].Status)
		}
		ours := mp.ToERP(s.OnHand)
		diff := ours.Sub(theirs.Quantity)
		if diff.IsZero() {
			return millwright.Errorf(millwright.Conflict, "no_difference",
				"%s: the storeroom and the ERP both hold %s %s; there is nothing to resolve", record, ours, mp.ERPUnit)
		}
		out = &StockResolved{Record: record, Keep: in.Keep, CMMS: ours.String(), ERP: theirs.Quantity.String(), Difference: diff.String()}
		if in.Keep == KeepERP {
			level := mp.FromERP(theirs.Quantity)
			var added millwright.Money
			if q := level.Sub(s.OnHand); q.IsPositive() && theirs.Quantity.IsPositive() {
				added = millwright.Money{Decimal: theirs.Value.Mul(mp.ToERP(q).Decimal).Div(theirs.Quantity.Decimal).Round(2)}
			}
			adj, err := inventory.Sync(ctx, tx, sr.ID, it.ID, level, added,
				fmt.Sprintf("reconciliation: the ERP's level %s %s of %s at %s stands", theirs.Quantity, mp.ERPUnit, mp.ERPItemCode, sr.Code))
			if err != nil {
				return err
			}
			out.Movement = &adj.Movement
		} else {
			code, tz, err := tx.SiteCode(ctx, sr.SiteID)
			if err != nil {
				return err
			}
			q := diff // what the ERP must add (ours − theirs), in ERP units
			value := s.AverageCost.Times(mp.FromERP(millwright.Qty{Decimal: q.Abs()}))
			key := "resolve:" + millwright.NewID("rsv")
			msg, err := integration.NewMessage(key, sr.SiteID, code, tx.Actor().Username, tx.Now(), integration.StockMovement{
				Movement: integration.MoveAdjustment, ERPItemCode: mp.ERPItemCode, Warehouse: sr.Code, Quantity: q, Value: value.Round()})
			if err != nil {
				return err
			}
			msg.TimeZone = tz
			if err := tx.EnqueueMessage(ctx, msg, integration.Outgoing{OrderKey: "stock:" + s.Key()}); err != nil {
				return err
			}
			out.MessageKey = key
		}
		return tx.Audit(ctx, "stock", s.Key(), "resolve_difference", nil, out)
	})
	return out, err
}
