package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Master data beyond items: cost centers and GL accounts, the gaps the
// ERP reports when it refuses a message, and failed messages rebuilt from
// the fixed mappings.

// SaveCostCenterMapping creates or replaces the ERP cost center of a CMMS
// cost center, at one site or (SiteID empty) everywhere. The lines that
// waited for it are requested, and the failed messages of the site are
// rebuilt and sent again, in the same transaction.
func SaveCostCenterMapping(ctx context.Context, tx *store.Tx, m integration.CostCenterMapping) (*integration.CostCenterMapping, error) {
	m.CostCenter, m.ERPCostCenter = strings.TrimSpace(m.CostCenter), strings.TrimSpace(m.ERPCostCenter)
	switch {
	case m.CostCenter == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "cost_center is required: the cost center as the CMMS's assets carry it")
	case m.ERPCostCenter == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "erp_cost_center is required: the cost center's code in the ERP")
	}
	if err := checkMappingSite(ctx, tx, m.SiteID); err != nil {
		return nil, err
	}
	if err := tx.SaveCostCenterMapping(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "cost_center_mapping", m.CostCenter+"@"+m.SiteID, "save", nil, m); err != nil {
		return nil, err
	}
	if _, err := workorder.RetryCostCenters(ctx, tx); err != nil {
		return nil, fmt.Errorf("request the lines that waited for cost center %s: %w", m.CostCenter, err)
	}
	return &m, replayGaps(ctx, tx, m.SiteID)
}

// SaveAccountMapping creates or replaces the ERP account of a posting
// category, at one site or (SiteID empty) everywhere, and sends again the
// failed messages of the site rebuilt with it. The account is checked
// against the ERP's chart when a message carries it (and by the
// data-quality report), not here: the ERP may be out of reach.
func SaveAccountMapping(ctx context.Context, tx *store.Tx, m integration.AccountMapping) (*integration.AccountMapping, error) {
	m.Category, m.ERPAccount = strings.TrimSpace(m.Category), strings.TrimSpace(m.ERPAccount)
	switch {
	case !slices.Contains(integration.AccountCategories, m.Category):
		return nil, millwright.Errorf(millwright.Invalid, "invalid_category",
			"category must be labor, parts, direct_material or services, not %q", m.Category)
	case m.ERPAccount == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "erp_account is required: the GL account of the ERP's chart to charge")
	}
	if err := checkMappingSite(ctx, tx, m.SiteID); err != nil {
		return nil, err
	}
	if err := tx.SaveAccountMapping(ctx, &m); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "account_mapping", m.Category+"@"+m.SiteID, "save", nil, m); err != nil {
		return nil, err
	}
	return &m, replayGaps(ctx, tx, m.SiteID)
}

// checkMappingSite checks that a mapping's site exists and that the caller
// may change it: a site's own mapping by its users, a global one only by
// users of every site.
func checkMappingSite(ctx context.Context, tx *store.Tx, siteID string) error {
	if siteID != "" {
		if _, err := tx.Site(ctx, siteID); err != nil {
			return relatedErr(err, "site_not_found")
		}
	}
	return millwright.CheckSite(ctx, siteID)
}

// gapCodes are the error codes with which an ERP refuses a message for a
// master-data gap, and the fix on the CMMS side.
var gapCodes = map[string]string{
	"unmapped_cost_center": "map the cost center with POST /api/v1/integration/mappings/cost-centers",
	"unknown_item":         "map the part to an item code the ERP has with POST /api/v1/integration/mappings/items",
	"unknown_unit":         "set the item mapping's erp_unit to the ERP item's unit, with its factor, with POST /api/v1/integration/mappings/items",
	"unknown_account":      "map the posting category to an expense account of the ERP's chart with POST /api/v1/integration/mappings/accounts",
	"not_expense_account":  "map the posting category to an expense account of the ERP's chart with POST /api/v1/integration/mappings/accounts",
}

// fix is what to do about an ERP's refusal of message id: the mapping to
// fix for a master-data gap, then the replay.
func fix(id string, err error) string {
	again := "POST /api/v1/integration/messages/" + id + "/replay"
	if f, ok := gapCodes[millwright.ErrorCode(err)]; ok {
		return f + "; saving it sends the message again (or " + again + ")"
	}
	return "fix the data, then " + again
}

// isGap reports whether a failed message's last error is a master-data gap.
func isGap(lastError string) bool {
	code, _, _ := strings.Cut(lastError, ":")
	_, ok := gapCodes[code]
	return ok
}

// replayGaps rebuilds the messages of a site (of every site when siteID
// is empty) that the ERP refused for a master-data gap from the current
// mappings, and sends them again.
func replayGaps(ctx context.Context, tx *store.Tx, siteID string) error {
	var gaps []integration.OutboxMessage
	for cursor := ""; ; {
		p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusFailed, SiteID: siteID, Cursor: cursor, Limit: 500})
		if err != nil {
			return err
		}
		for _, m := range p.Items {
			if isGap(m.LastError) {
				gaps = append(gaps, m)
			}
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	for i := range gaps {
		m := &gaps[i]
		if err := remap(ctx, tx, m); err != nil {
			if millwright.ErrorKind(err) == millwright.Rule {
				continue // still a gap: it waits for the next fix
			}
			return err
		}
		before := m.Status
		m.Status, m.Attempts, m.NextAttemptAt = integration.StatusPending, 0, tx.Now()
		if err := tx.SaveOutboxMessage(ctx, m); err != nil {
			return err
		}
		if err := tx.Audit(ctx, "integration_message", m.ID, "replay", before, m.Status); err != nil {
			return err
		}
		tx.WakeDispatcher()
	}
	return nil
}

// remap rebuilds a failed message from the current master data: the item
// codes, units, quantities and prices of a requisition's lines, the cost
// center of its work order's asset, and the expense account of its posting
// category. The ERP refused it, so it never applied its key, and the key
// may carry the new content. A gap still open is a Rule error.
func remap(ctx context.Context, tx *store.Tx, om *integration.OutboxMessage) error {
	switch integration.MessageKind(om.Kind) {
	case integration.KindRequisitionRequest, integration.KindLaborCost, integration.KindStockMovement:
	default:
		return nil // sent as it was made
	}
	msg := om.Message
	site, err := tx.Site(ctx, msg.SiteID)
	if err != nil {
		return err
	}
	// costCenter is the ERP cost center of a work order's asset, or cur
	// when the message names no work order.
	costCenter := func(workOrderID, cur string) (string, error) {
		if workOrderID == "" {
			return cur, nil
		}
		w, err := tx.WorkOrder(ctx, workOrderID)
		if err != nil {
			return "", err
		}
		a, err := tx.Asset(ctx, w.AssetID)
		if err != nil {
			return "", err
		}
		return integration.ERPCostCenter(ctx, tx, msg.SiteID, site.Code, a.CostCenter)
	}
	var p integration.Payload
	switch integration.MessageKind(om.Kind) {
	case integration.KindRequisitionRequest:
		var r integration.RequisitionRequest
		if err := msg.Decode(&r); err != nil {
			return err
		}
		if r.CostCenter, err = costCenter(r.WorkOrderID, r.CostCenter); err != nil {
			return err
		}
		if r.ExpenseAccount, err = integration.ERPAccount(ctx, tx, msg.SiteID, integration.AccountDirectMaterial); err != nil {
			return err
		}
		for i := range r.Lines {
			l := &r.Lines[i]
			if l.MaterialLineID == "" {
				continue
			}
			ml, err := tx.MaterialLine(ctx, l.MaterialLineID)
			if err != nil {
				return err
			}
			mp, err := tx.ItemMapping(ctx, ml.ItemID, msg.SiteID)
			if millwright.ErrorKind(err) == millwright.NotFound {
				return millwright.Errorf(millwright.Rule, "unmapped_item", "part %s: no ERP item code mapped for site %s; add one with POST /api/v1/integration/mappings/items",
					ml.PartNumber, site.Code)
			}
			if err != nil {
				return err
			}
			l.ERPItemCode, l.Quantity, l.Unit = mp.ERPItemCode, mp.ToERP(ml.Quantity), mp.ERPUnit
			l.EstimatedUnitPrice = ml.UnitCost
			if mp.Factor.IsPositive() {
				l.EstimatedUnitPrice = ml.UnitCost.Times(mp.Factor)
			}
			if ml.SpecialBuy {
				l.Quantity, l.Unit, l.EstimatedUnitPrice = ml.Quantity, ml.Unit, ml.UnitCost
				l.Description, l.Vendor = ml.Description, ml.Vendor
			}
		}
		p = r
	case integration.KindLaborCost:
		var r integration.LaborCost
		if err := msg.Decode(&r); err != nil {
			return err
		}
		if r.CostCenter, err = costCenter(r.WorkOrderID, r.CostCenter); err != nil {
			return err
		}
		if r.ExpenseAccount, err = integration.ERPAccount(ctx, tx, msg.SiteID, integration.AccountLabor); err != nil {
			return err
		}
		p = r
	case integration.KindStockMovement:
		var r integration.StockMovement
		if err := msg.Decode(&r); err != nil {
			return err
		}
		if r.Movement == integration.MoveAdjustment {
			return nil
		}
		if r.CostCenter, err = costCenter(r.WorkOrderID, r.CostCenter); err != nil {
			return err
		}
		if r.ExpenseAccount, err = integration.ERPAccount(ctx, tx, msg.SiteID, integration.AccountParts); err != nil {
			return err
		}
		p = r
	default:
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if string(b) == string(msg.Payload) {
		return nil
	}
	before := msg.Payload
	msg.Payload = b
	if err := tx.SetOutboxPayload(ctx, om.ID, msg); err != nil {
		return err
	}
	om.Message = msg
	return tx.Audit(ctx, "integration_message", om.ID, "remap", before, b)
}

// ReadMasterData reads the ERP's item master and chart through conn, for
// DataQuality: an error when conn cannot show them or the ERP does not answer.
func ReadMasterData(ctx context.Context, conn integration.Connector) (*integration.MasterData, error) {
	r, ok := conn.(integration.MasterDataReader)
	if !ok {
		return nil, errors.New("the connector cannot show the ERP's master data")
	}
	return r.MasterData(ctx)
}

// Who is the master of items: the CMMS (the default: item_changed events
// from the ERP are recorded, not applied) or the ERP (they change the CMMS
// items mapped to the ERP item).
const (
	ItemMasterCMMS = "cmms"
	ItemMasterERP  = "erp"
	itemMasterKey  = "item_master"
)

// ItemMaster returns who is the master of items.
func ItemMaster(ctx context.Context, tx *store.Tx) (string, error) {
	v, err := tx.IntegrationState(ctx, itemMasterKey)
	if v == "" {
		v = ItemMasterCMMS
	}
	return v, err
}

// applyItemChanged applies an ERP item's change to the CMMS items mapped
// to it, when the ERP is the master of items: description, vendor, stock
// type, the unit cost (the ERP's price per ERP unit, divided by the
// mapping's factor) and, where the CMMS counts in the ERP's unit (factor
// 1), the unit. It answers the note the event is kept with. An ERP item no
// CMMS item is mapped to is NotFound: the event waits for the mapping, and
// the data-quality report lists it.
func applyItemChanged(ctx context.Context, tx *store.Tx, ev integration.Event) (string, error) {
	var p integration.ItemChanged
	if err := decode(ev, &p); err != nil {
		return "", err
	}
	master, err := ItemMaster(ctx, tx)
	if err != nil {
		return "", err
	}
	if master != ItemMasterERP {
		return "not applied: the CMMS is the master of items (item_master " + master + ")", nil
	}
	maps, err := tx.ItemMappingsByCode(ctx, p.ERPItemCode)
	if err != nil {
		return "", err
	}
	if len(maps) == 0 {
		return "", millwright.Errorf(millwright.NotFound, "unmapped_erp_item",
			"ERP item %s is mapped to no CMMS item; map one with POST /api/v1/integration/mappings/items", p.ERPItemCode)
	}
	var notes, done []string
	for _, mp := range maps {
		if slices.Contains(done, mp.ItemID) {
			continue
		}
		done = append(done, mp.ItemID)
		it, err := tx.Item(ctx, mp.ItemID)
		if err != nil {
			return "", err
		}
		before := *it
		before.Conversions = slices.Clone(it.Conversions)
		if p.Description != "" {
			it.Description = p.Description
		}
		if p.Vendor != "" {
			it.Vendor = p.Vendor
		}
		if p.StockType == inventory.StockItem || p.StockType == inventory.DirectItem {
			it.StockType = p.StockType
		}
		it.UnitCost = p.Price
		if mp.Factor.IsPositive() {
			it.UnitCost = millwright.Money{Decimal: p.Price.Div(mp.Factor.Decimal).Round(4)}
		}
		if p.Unit != "" && p.Unit != mp.ERPUnit {
			if mp.Factor.Equal(millwright.NewQty(1).Decimal) && mp.ERPUnit == it.Unit {
				it.Unit, mp.ERPUnit = p.Unit, p.Unit
				if err := tx.SaveItemMapping(ctx, &mp); err != nil {
					return "", err
				}
			} else {
				notes = append(notes, fmt.Sprintf("part %s: the ERP counts %s in %s, the mapping says %s; fix the mapping's erp_unit and factor",
					it.PartNumber, p.ERPItemCode, p.Unit, mp.ERPUnit))
			}
		}
		if err := tx.SaveItem(ctx, it); err != nil {
			return "", err
		}
		if err := tx.Audit(ctx, "item", it.ID, "erp_item_changed", before, it); err != nil {
			return "", err
		}
	}
	return strings.Join(notes, "; "), nil
}

// DataQuality lists every master-data gap that would stop a message, of
// one site or all: items with no ERP mapping, assets with no cost center,
// cost centers with no ERP mapping where the site needs one, and ERP items
// changed that no CMMS item is mapped to; and, checked against md, the
// ERP's item master and chart (nil with mdErr saying why when the ERP could
// not show them: then one erp_not_checked gap says so; nil with no error:
// not checked): mappings to ERP items it does not have or in a unit
// that is not its item's, and account mappings to accounts its chart does
// not have or that take no maintenance cost.
func DataQuality(ctx context.Context, tx *store.Tx, siteID string, md *integration.MasterData, mdErr error) ([]Gap, error) {
	items, err := tx.UnmappedItems(ctx, siteID)
	if err != nil {
		return nil, err
	}
	out := []Gap{}
	for _, u := range items {
		out = append(out, Gap{Kind: "unmapped_item", RecordType: "item", RecordID: u.ItemID, Record: u.PartNumber, SiteID: u.SiteID,
			Message: fmt.Sprintf("part %s: no ERP item code mapped for site %s; add one with POST /api/v1/integration/mappings/items",
				u.PartNumber, u.SiteCode)})
	}
	assets, err := tx.AssetsWithoutCostCenter(ctx, siteID)
	if err != nil {
		return nil, err
	}
	for _, a := range assets {
		out = append(out, Gap{Kind: "missing_cost_center", RecordType: "asset", RecordID: a.AssetID, Record: a.Tag, SiteID: a.SiteID,
			Message: fmt.Sprintf("asset %s has no cost center, so its costs cannot be posted; set one with PATCH /api/v1/assets/%s", a.Tag, a.AssetID)})
	}
	ccs, err := tx.UnmappedCostCenters(ctx, siteID)
	if err != nil {
		return nil, err
	}
	for _, c := range ccs {
		out = append(out, Gap{Kind: "unmapped_cost_center", RecordType: "cost_center", RecordID: c.CostCenter, Record: c.CostCenter, SiteID: c.SiteID,
			Message: fmt.Sprintf("cost center %s (%d assets): %s %s; add one with POST /api/v1/integration/mappings/cost-centers",
				c.CostCenter, c.Assets, integration.UnmappedCostCenter, c.SiteCode)})
	}
	// An item change waits for a mapping only where the ERP is the master
	// of items; a waiting one whose item is mapped is about to apply.
	master, err := ItemMaster(ctx, tx)
	if err != nil {
		return nil, err
	}
	var waiting []integration.Event
	if master == ItemMasterERP {
		if waiting, err = tx.WaitingEventsOfKind(ctx, integration.EventItemChanged); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, ev := range waiting {
		var p integration.ItemChanged
		if json.Unmarshal(ev.Payload, &p) != nil || seen[p.ERPItemCode] {
			continue
		}
		seen[p.ERPItemCode] = true
		if maps, err := tx.ItemMappingsByCode(ctx, p.ERPItemCode); err != nil {
			return nil, err
		} else if len(maps) > 0 {
			continue
		}
		out = append(out, Gap{Kind: "unmapped_erp_item", RecordType: "erp_item", RecordID: p.ERPItemCode, Record: p.ERPItemCode,
			Message: fmt.Sprintf("ERP item %s changed in the ERP (event %d waits) but no CMMS item is mapped to it; map one with POST /api/v1/integration/mappings/items",
				p.ERPItemCode, ev.Seq)})
	}
	switch {
	case md == nil && mdErr == nil:
		return out, nil // not asked to check against the ERP
	case md == nil:
		return append(out, Gap{Kind: "erp_not_checked", RecordType: "connector",
			Message: "the ERP's item master and chart of accounts could not be read (" + mdErr.Error() + "), so item codes, units and accounts were not checked; run the report again when the ERP answers"}), nil
	}
	units := map[string]string{}
	for _, it := range md.Items {
		units[it.ERPItemCode] = it.Unit
	}
	// An item master message on its way creates the item in the ERP: its
	// code is no gap (if the ERP refuses it, the failed message says why).
	// Delivered ones count too: the ERP's master data was read before this
	// transaction, and a message may have arrived in between.
	pending, err := tx.SentItemMasters(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range pending {
		if _, ok := units[it.ERPItemCode]; !ok {
			units[it.ERPItemCode] = it.Unit
		}
	}
	mapped, err := tx.MappedItems(ctx, siteID)
	if err != nil {
		return nil, err
	}
	for _, m := range mapped {
		where := "every site"
		if m.SiteCode != "" {
			where = "site " + m.SiteCode
		}
		unit, ok := units[m.ERPItemCode]
		switch {
		case !ok:
			out = append(out, Gap{Kind: "unknown_erp_item", RecordType: "item", RecordID: m.ItemID, Record: m.PartNumber, SiteID: m.SiteID,
				Message: fmt.Sprintf("part %s is mapped for %s to ERP item %s, which the ERP's item master does not have; map it to an ERP item code with POST /api/v1/integration/mappings/items, or create the item in the ERP",
					m.PartNumber, where, m.ERPItemCode)})
		case unit != m.ERPUnit:
			out = append(out, Gap{Kind: "unit_mismatch", RecordType: "item", RecordID: m.ItemID, Record: m.PartNumber, SiteID: m.SiteID,
				Message: fmt.Sprintf("part %s is mapped for %s to ERP item %s in %s, but the ERP counts it in %s; set erp_unit %s and the factor (part %s units in one %s) with POST /api/v1/integration/mappings/items",
					m.PartNumber, where, m.ERPItemCode, m.ERPUnit, unit, unit, m.PartNumber, unit)})
		}
	}
	chart := map[string]integration.MasterAccount{}
	for _, a := range md.Accounts {
		chart[a.Code] = a
	}
	accounts, err := tx.AccountMappings(ctx, siteID)
	if err != nil {
		return nil, err
	}
	for _, m := range accounts {
		a, ok := chart[m.ERPAccount]
		var why string
		switch {
		case !ok:
			why = "which is not in the ERP's chart of accounts"
		case !a.Chargeable:
			why = "(" + a.Name + "), which takes no maintenance cost"
		default:
			continue
		}
		out = append(out, Gap{Kind: "unknown_account", RecordType: "account_mapping", RecordID: m.Category, Record: m.Category + " → " + m.ERPAccount, SiteID: m.SiteID,
			Message: fmt.Sprintf("posting category %s is mapped to account %s, %s; map it to an expense account of the ERP's chart (GET /api/v1/erp/ledger/accounts) with POST /api/v1/integration/mappings/accounts",
				m.Category, m.ERPAccount, why)})
	}
	return out, nil
}
