package outbox

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// SaveMapping creates or replaces an item's ERP cross-reference, at one
// site or (SiteID empty) everywhere, sends the item to the ERP's item
// master (while the CMMS is its master), and requests the lines that
// waited for it, in the same transaction.
func SaveMapping(ctx context.Context, tx *store.Tx, m integration.ItemMapping) (*integration.ItemMapping, error) {
	m.ERPItemCode, m.ERPUnit = strings.TrimSpace(m.ERPItemCode), strings.TrimSpace(m.ERPUnit)
	switch {
	case m.ItemID == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "item_id is required: the id of the CMMS item to map")
	case m.ERPItemCode == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "erp_item_code is required: the item's code in the ERP")
	case m.Factor.IsNegative():
		return nil, millwright.Errorf(millwright.Invalid, "invalid_factor", "factor must be more than zero (the CMMS units in one ERP unit), got %s", m.Factor)
	}
	it, err := tx.Item(ctx, m.ItemID)
	if err != nil {
		return nil, relatedErr(err, "item_not_found")
	}
	if m.ERPUnit == "" {
		m.ERPUnit = it.Unit
	}
	if m.Factor.IsZero() { // absent: from the item's units
		f, ok := unitFactor(it, m.ERPUnit)
		if !ok {
			return nil, millwright.Errorf(millwright.Rule, "unit_not_convertible",
				"part %s is counted in %s and %s is not one of its units; send factor, the %s in one %s",
				it.PartNumber, it.Unit, m.ERPUnit, it.Unit, m.ERPUnit)
		}
		m.Factor = f
	}
	if m.SiteID != "" {
		if _, err := tx.Site(ctx, m.SiteID); err != nil {
			return nil, relatedErr(err, "site_not_found")
		}
	}
	if err := tx.SaveItemMapping(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "item_mapping", m.ItemID+"@"+m.SiteID, "save", nil, m); err != nil {
		return nil, err
	}
	if err := sendItemMaster(ctx, tx, it, m); err != nil {
		return nil, err
	}
	if _, err := workorder.RetryBlocked(ctx, tx, m.ItemID); err != nil {
		return nil, fmt.Errorf("request the lines of part %s that waited for its mapping: %w", it.PartNumber, err)
	}
	if err := sendWaiting(ctx, tx, m.ItemID); err != nil {
		return nil, fmt.Errorf("send the stock messages of part %s that waited for its mapping: %w", it.PartNumber, err)
	}
	return &m, replayGaps(ctx, tx, m.SiteID)
}

// sendWaiting completes the stock messages of an item that waited for its
// ERP mapping — where the item now has one at the message's site — and
// sends them, in the order they were made: nothing done while the mapping
// was missing is lost. One the phased rollout has not reached stays
// skipped, completed, until it is replayed.
func sendWaiting(ctx context.Context, tx *store.Tx, itemID string) error {
	waiting, err := tx.MessagesWaitingForItem(ctx, itemID)
	if err != nil {
		return err
	}
	for i := range waiting {
		m := &waiting[i]
		mp, err := tx.ItemMapping(ctx, itemID, m.SiteID)
		if millwright.ErrorKind(err) == millwright.NotFound {
			continue // mapped at another site only
		} else if err != nil {
			return err
		}
		if err := inventory.Complete(&m.Message, mp); err != nil {
			return err
		}
		m.WaitsForItem = ""
		if m.Status == integration.StatusFailed {
			m.Status, m.Attempts, m.LastError, m.NextAttemptAt = integration.StatusPending, 0, "", tx.Now()
			if live, why, err := tx.MessageLive(ctx, m); err != nil {
				return err
			} else if !live {
				m.Status, m.LastError = integration.StatusSkipped, why
			}
		}
		if err := tx.RewriteOutboxMessage(ctx, m); err != nil {
			return err
		}
		if err := tx.Audit(ctx, "integration_message", m.ID, "mapped", nil, map[string]any{"status": m.Status, "erp_item_code": mp.ERPItemCode}); err != nil {
			return err
		}
	}
	if len(waiting) > 0 {
		tx.WakeDispatcher()
	}
	return nil
}

// unitFactor is how many of the item's base units make one unit u.
func unitFactor(it *inventory.Item, u string) (millwright.Qty, bool) {
	if u == it.Unit {
		return millwright.NewQty(1), true
	}
	for _, c := range it.Conversions {
		if c.Unit == u {
			return c.Factor, true
		}
	}
	return millwright.Qty{}, false
}

func relatedErr(err error, code string) error {
	if e, ok := err.(*millwright.Error); ok && e.Kind == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, code, "%s; check the id in the request body", e.Message)
	}
	return err
}

// Message returns an outbox message the caller's site may see.
func Message(ctx context.Context, tx *store.Tx, id string) (*integration.OutboxMessage, error) {
	m, err := tx.OutboxMessage(ctx, id)
	if err != nil {
		return nil, err
	}
	return m, millwright.CheckSite(ctx, m.SiteID)
}

// Replay sends a failed or dead message again: it is pending at once, its
// attempts start over, and the dispatcher wakes when this commits. It
// keeps its idempotency key, so the ERP applies it once whatever happened
// before.
func Replay(ctx context.Context, tx *store.Tx, id string) (*integration.OutboxMessage, error) {
	m, err := Message(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != integration.StatusFailed && m.Status != integration.StatusDead && m.Status != integration.StatusSkipped {
		return nil, millwright.Errorf(millwright.Conflict, "not_replayable",
			"message %s is %s; only a failed, dead or skipped message can be replayed", m.ID, m.Status)
	}
	if m.WaitsForItem != "" {
		return nil, millwright.Errorf(millwright.Rule, "waits_for_mapping",
			"message %s cannot be sent yet: %s; it goes by itself once the mapping is saved", m.ID, m.LastError)
	}
	if live, why, err := tx.MessageLive(ctx, m); err != nil {
		return nil, err
	} else if !live {
		return nil, millwright.Errorf(millwright.Rule, "not_in_rollout", "message %s cannot be sent: %s", m.ID, strings.Replace(why, ", then replay", "", 1))
	}
	if m.Status == integration.StatusFailed {
		if err := remap(ctx, tx, m); err != nil {
			return nil, err
		}
	}
	before := *m
	m.Status, m.Attempts, m.NextAttemptAt = integration.StatusPending, 0, tx.Now()
	if err := tx.SaveOutboxMessage(ctx, m); err != nil {
		return nil, err
	}
	tx.WakeDispatcher()
	return m, tx.Audit(ctx, "integration_message", m.ID, "replay", before.Status, m.Status)
}

// Gap is one master-data gap that would stop a message.
type Gap struct {
	Kind       string `json:"kind"`        // unmapped_item, missing_cost_center, unmapped_cost_center, unknown_erp_item, unit_mismatch, unknown_account, unmapped_erp_item, erp_not_checked
	RecordType string `json:"record_type"` // item, asset, cost_center, account_mapping, erp_item, connector
	RecordID   string `json:"record_id"`
	Record     string `json:"record"` // the part number, asset tag, cost center, category → account or ERP item code
	SiteID     string `json:"site_id"`
	Message    string `json:"message"` // what is missing and how to fix it
}

// Settings are the integration engine's settings.
type Settings struct {
	// AutoRequestTrigger says, per work-order type, when Auto Request
	// Material sends the request: approval, release (the default) or never.
	AutoRequestTrigger map[workorder.Type]string `json:"auto_request_trigger"`
	// ItemMaster says who is the master of items: cmms (the default) or
	// erp, whose item_changed events then change the mapped CMMS items.
	ItemMaster string `json:"item_master,omitempty"`
	// StockMaster says which side is master of stock: cmms (the default:
	// an ERP level that differs is reported as a reconciliation
	// difference) or erp (the ERP's levels overwrite the storerooms').
	StockMaster string `json:"stock_master,omitempty"`
}

// GetSettings returns the settings, every work-order type listed.
func GetSettings(ctx context.Context, tx *store.Tx) (*Settings, error) {
	s := &Settings{AutoRequestTrigger: map[workorder.Type]string{}}
	for _, t := range workorder.Types {
		v, err := tx.AutoRequestTrigger(ctx, t)
		if err != nil {
			return nil, err
		}
		s.AutoRequestTrigger[t] = v
	}
	var err error
	s.ItemMaster, err = ItemMaster(ctx, tx)
	if err != nil {
		return s, err
	}
	s.StockMaster, err = tx.StockMaster(ctx)
	return s, err
}

// SaveSettings changes the settings named in in and returns them all.
// They apply at every site, so a user limited to one site may not change
// them.
func SaveSettings(ctx context.Context, tx *store.Tx, in Settings) (*Settings, error) {
	if p := millwright.PrincipalFrom(ctx); p.SiteID != "" {
		return nil, millwright.Errorf(millwright.Forbidden, "site_forbidden",
			"user %s is limited to one site, and the integration settings apply at every site; ask an integration user of every site to change them", p.Username)
	}
	before, err := GetSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	for t, v := range in.AutoRequestTrigger {
		if !slices.Contains(workorder.Types, t) {
			return nil, millwright.Errorf(millwright.Invalid, "invalid_type",
				"%q is not a work-order type; use preventive, corrective, emergency, predictive or inspection", t)
		}
		if !slices.Contains(workorder.Triggers, v) {
			return nil, millwright.Errorf(millwright.Invalid, "invalid_trigger",
				"auto_request_trigger of %s must be approval, release or never, not %q", t, v)
		}
		if err := tx.SetAutoRequestTrigger(ctx, t, v); err != nil {
			return nil, err
		}
	}
	switch in.ItemMaster {
	case "":
	case ItemMasterCMMS, ItemMasterERP:
		if err := tx.SetIntegrationState(ctx, itemMasterKey, in.ItemMaster); err != nil {
			return nil, err
		}
	default:
		return nil, millwright.Errorf(millwright.Invalid, "invalid_item_master",
			"item_master must be cmms (the CMMS keeps the item master) or erp (the ERP's item changes update the CMMS), not %q", in.ItemMaster)
	}
	switch in.StockMaster {
	case "": // unchanged
	case store.StockMasterCMMS, store.StockMasterERP:
		if err := tx.SetStockMaster(ctx, in.StockMaster); err != nil {
			return nil, err
		}
	default:
		return nil, millwright.Errorf(millwright.Invalid, "invalid_stock_master",
			"stock_master must be cmms (the CMMS's counts stand) or erp (the ERP's levels overwrite the storerooms'), not %q", in.StockMaster)
	}
	after, err := GetSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	return after, tx.Audit(ctx, "integration_settings", "settings", "update", before, after)
}
