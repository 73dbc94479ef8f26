package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// OutboxTx is what telling the ERP about stock needs from a transaction;
// *store.Tx satisfies it.
type OutboxTx interface {
	Now() time.Time
	Actor() millwright.Principal
	NextNumber(ctx context.Context, name string) (int64, error)
	// SiteCode returns the code and time zone of a site.
	SiteCode(ctx context.Context, id string) (code, timeZone string, err error)
	// ItemMapping returns an item's ERP cross-reference at a site,
	// NotFound when it has none.
	ItemMapping(ctx context.Context, itemID, siteID string) (*integration.ItemMapping, error)
	// EnqueueMessage writes a message to the outbox in this transaction.
	EnqueueMessage(ctx context.Context, m integration.Message, o integration.Outgoing) error
	integration.MappingReader
}

// Charge is the work order a movement is charged to, with its asset and
// the asset's cost center; zero for a movement of no work order.
type Charge struct {
	WorkOrderID, AssetID, CostCenter string
	// Opening marks a stock row's opening balance, its first count: the
	// ERP books it against opening balance equity, not as a gain.
	Opening bool
}

// UnmappedFix is what the error of a message held for want of an item
// mapping says to do.
const UnmappedFix = "add one with POST /api/v1/integration/mappings/items"

// TellERP puts in the outbox, in this transaction, what the ERP must see of
// a change to the stock s of part it in storeroom sr (the ERP's warehouse
// of the same code): the movement mv, when there is one, keyed
// movement:<id>, and the stock's new level with its reorder settings, so
// the ERP can replenish, keyed per change and sent in order per stock row.
// Quantities go in the ERP's unit; values are the CMMS's moving-average
// values. A part with no ERP mapping at the site: the messages are kept,
// failed, saying what to map, and saving the mapping completes and sends
// them (see Complete).
func TellERP(ctx context.Context, tx OutboxTx, it *Item, sr *Storeroom, s *Stock, mv *Movement, c Charge) error {
	code, tz, err := tx.SiteCode(ctx, sr.SiteID)
	if err != nil {
		return err
	}
	out := integration.Outgoing{WorkOrderID: c.WorkOrderID, OrderKey: "stock:" + s.Key()}
	mp, err := tx.ItemMapping(ctx, it.ID, sr.SiteID)
	switch {
	case millwright.ErrorKind(err) == millwright.NotFound:
		// Quantities stay in the CMMS unit until the mapping says the ERP's.
		mp = &integration.ItemMapping{Factor: millwright.NewQty(1)}
		out.WaitsForItem = it.ID
		out.Reason = fmt.Sprintf("part %s: no ERP item code mapped for site %s; %s", it.PartNumber, code, UnmappedFix)
	case err != nil:
		return err
	}
	send := func(key string, p integration.Payload, out integration.Outgoing) error {
		m, err := integration.NewMessage(key, sr.SiteID, code, tx.Actor().Username, tx.Now(), p)
		if err != nil {
			return err
		}
		m.TimeZone = tz
		return tx.EnqueueMessage(ctx, m, out)
	}
	if mv != nil {
		p := integration.StockMovement{
			Movement: mv.Kind, ERPItemCode: mp.ERPItemCode, Warehouse: sr.Code,
			Quantity: mp.ToERP(mv.Quantity), Value: millwright.Money{Decimal: mv.Value.Abs()},
			WorkOrderID: c.WorkOrderID, AssetID: c.AssetID, CostCenter: c.CostCenter,
			Opening: c.Opening,
		}
		mvOut := out
		if c.WorkOrderID != "" {
			// Parts charged to a work order post to its asset's cost center.
			cc, account, err := integration.ERPCharge(ctx, tx, sr.SiteID, code, c.CostCenter, integration.AccountParts)
			if err != nil {
				return err
			}
			p.CostCenter, p.ExpenseAccount = cc.Code, account
			if cc.Gap != "" && mvOut.Reason == "" {
				mvOut.Reason = cc.Gap
			}
		}
		if err := send("movement:"+mv.ID, p, mvOut); err != nil {
			return err
		}
	}
	n, err := tx.NextNumber(ctx, "stock_level")
	if err != nil {
		return err
	}
	// The level is about the stock row, not the work order: it is ordered
	// by the row alone.
	out.WorkOrderID = ""
	return send("level:"+s.Key()+":"+strconv.FormatInt(n, 10), integration.StockLevel{
		ERPItemCode: mp.ERPItemCode, Warehouse: sr.Code, OnHand: mp.ToERP(s.OnHand),
		ReorderPoint: mp.ToERP(s.ReorderPoint), ReorderQuantity: mp.ToERP(s.ReorderQuantity), MaxQuantity: mp.ToERP(s.MaxQuantity),
	}, out)
}

// Complete fills in a stock message queued before its item was mapped:
// the ERP item code, and its quantities, kept in the CMMS unit, converted
// to the ERP's.
func Complete(m *integration.Message, mp *integration.ItemMapping) error {
	var p integration.Payload
	switch m.Kind {
	case integration.KindStockMovement:
		var v integration.StockMovement
		if err := m.Decode(&v); err != nil {
			return err
		}
		v.ERPItemCode, v.Quantity = mp.ERPItemCode, mp.ToERP(v.Quantity)
		p = v
	case integration.KindStockLevel:
		var v integration.StockLevel
		if err := m.Decode(&v); err != nil {
			return err
		}
		v.ERPItemCode = mp.ERPItemCode
		v.OnHand, v.ReorderPoint = mp.ToERP(v.OnHand), mp.ToERP(v.ReorderPoint)
		v.ReorderQuantity, v.MaxQuantity = mp.ToERP(v.ReorderQuantity), mp.ToERP(v.MaxQuantity)
		p = v
	default:
		return millwright.Errorf(millwright.Invalid, "bad_message", "message %s is a %s; only stock messages wait for an item mapping", m.IdempotencyKey, m.Kind)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	m.Payload = b
	return nil
}
