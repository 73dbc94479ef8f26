package outbox

import (
	"context"
	"fmt"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// While the CMMS is the master of items (the default), the ERP's item
// master is fed from it: each mapped item reaches the ERP as an
// item_master message, written in the transaction that saves the mapping
// or changes the item, so it is in the outbox before any requisition that
// names the item and is claimed ahead of it (store.ClaimMessages).

// upgradeKey, when set in the integration state, says the mappings that
// existed before the CMMS fed the ERP's item master have not been sent
// yet; a migration sets it where there were mappings, and
// SendExistingItemMasters clears it.
const upgradeKey = "item_master_upgrade"

// UpdateItem changes a CMMS item and, while the CMMS is the item master,
// sends the ERP the new master data of each of its mappings that changed.
func UpdateItem(ctx context.Context, tx *store.Tx, id string, p inventory.ItemPatch) (*inventory.Item, error) {
	before, err := tx.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	it, err := inventory.UpdateItem(ctx, tx, id, p)
	if err != nil {
		return nil, err
	}
	maps, err := tx.ItemMappings(ctx, id)
	if err != nil {
		return nil, err
	}
	sent := false
	for _, m := range maps {
		if sameItem(erpItem(before, m), erpItem(it, m)) {
			continue
		}
		if err := sendItemMaster(ctx, tx, it, m); err != nil {
			return nil, err
		}
		sent = true
	}
	if !sent {
		return it, nil
	}
	// The messages the ERP refused for want of the item go again, after it.
	return it, replayGaps(ctx, tx, "")
}

// SendExistingItemMasters sends, once, the item master of every mapping
// saved before the CMMS fed the ERP's item master, when an upgrade left
// them unsent. serve runs it at start; it does nothing after the first
// time, on a new database, or while the ERP is the item master.
func SendExistingItemMasters(ctx context.Context, db *store.DB) (sent int, err error) {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		sent = 0
		due, err := tx.LockIntegrationState(ctx, upgradeKey) // two processes starting at once send them once
		if err != nil || due == "" {
			return err
		}
		if master, err := ItemMaster(ctx, tx); err != nil {
			return err
		} else if master == ItemMasterCMMS {
			maps, err := tx.ItemMappings(ctx, "")
			if err != nil {
				return err
			}
			for _, m := range maps {
				it, err := tx.Item(ctx, m.ItemID)
				if err != nil {
					return err
				}
				if err := sendItemMaster(ctx, tx, it, m); err != nil {
					return err
				}
				sent++
			}
		}
		if err := tx.SetIntegrationState(ctx, upgradeKey, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, "integration_settings", upgradeKey, "send_existing_item_masters", nil, map[string]int{"mappings": sent})
	})
	return sent, err
}

// erpItem is the ERP's view of item it under mapping m: its code, the
// ERP unit, and the price of one ERP unit.
func erpItem(it *inventory.Item, m integration.ItemMapping) integration.ItemMaster {
	return integration.ItemMaster{ERPItemCode: m.ERPItemCode, Description: it.Description, Unit: m.ERPUnit,
		StockType: it.StockType, Vendor: it.Vendor, Price: unitPrice(it.UnitCost, m)}
}

// sameItem reports whether the ERP would see no change from a to b.
func sameItem(a, b integration.ItemMaster) bool {
	return a.ERPItemCode == b.ERPItemCode && a.Description == b.Description && a.Unit == b.Unit &&
		a.StockType == b.StockType && a.Vendor == b.Vendor && a.Price.Equal(b.Price.Decimal) && a.LeadTimeDays == b.LeadTimeDays
}

// unitPrice is a CMMS unit cost as the price of one ERP unit.
func unitPrice(c millwright.Money, m integration.ItemMapping) millwright.Money {
	if !m.Factor.IsPositive() {
		return c
	}
	return c.Times(m.Factor)
}

// sendItemMaster puts the item master of item it under mapping m in the
// outbox, while the CMMS is the master of items. A site's own mapping
// goes as that site's message; a global one as the company's, which the
// phased rollout does not hold back: the ERP's item master is shared.
func sendItemMaster(ctx context.Context, tx *store.Tx, it *inventory.Item, m integration.ItemMapping) error {
	if master, err := ItemMaster(ctx, tx); err != nil || master != ItemMasterCMMS {
		return err
	}
	code := ""
	if m.SiteID != "" {
		s, err := tx.Site(ctx, m.SiteID)
		if err != nil {
			return err
		}
		code = s.Code
	}
	msg, err := integration.NewMessage(millwright.NewID("item_master"), m.SiteID, code, tx.Actor().Username, tx.Now(), erpItem(it, m))
	if err != nil {
		return err
	}
	if err := tx.EnqueueMessage(ctx, msg, integration.Outgoing{OrderKey: "item_master:" + m.ERPItemCode}); err != nil {
		return fmt.Errorf("send part %s to the ERP's item master: %w", it.PartNumber, err)
	}
	return nil
}
