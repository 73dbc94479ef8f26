package workorder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// When Auto Request Material sends a work order's request, per work-order
// type: at approval, at release (the default), or never.
const (
	TriggerApproval = "approval"
	TriggerRelease  = "release"
	TriggerNever    = "never"
)

// Triggers lists the trigger points.
var Triggers = []string{TriggerApproval, TriggerRelease, TriggerNever}

// triggerPassed reports whether w has reached the point at which its type
// requests material: approved or later for approval, active for release.
func triggerPassed(ctx context.Context, tx Tx, w *WorkOrder) (bool, error) {
	trigger, err := tx.AutoRequestTrigger(ctx, w.Type)
	if err != nil {
		return false, err
	}
	switch trigger {
	case TriggerApproval:
		return w.Status == Approved || w.Status == Planned || w.Active(), nil
	case TriggerNever:
		return false, nil
	default:
		return w.Active(), nil
	}
}

// NeededByDays is how far after the release a requested material is
// needed when nothing else says.
const NeededByDays = 7

// requestMaterial is Auto Request Material: for each direct line of w
// marked auto_request_material whose procurement has not started, it checks
// the item's ERP mapping and puts the lines that pass into ONE requisition
// request in the outbox, in this transaction, and marks them requested. A
// line with no mapping is blocked with the reason and the fix; the work
// order goes on. A line is requested once: only lines in status none are
// taken, so releasing again, retries and edits ask for nothing twice.
// requester is the user whose action makes the request: the requisition's
// requested_by, against whom segregation of duties is judged.
func requestMaterial(ctx context.Context, tx Tx, w *WorkOrder, requester string) error {
	if ok, err := triggerPassed(ctx, tx, w); err != nil || !ok {
		return err
	}
	return request(ctx, tx, w, requester, "", func(m *Material) bool {
		return m.AutoRequestMaterial && m.ProcurementStatus == ProcurementNone
	})
}

// request puts the direct lines of w that take picks into one requisition
// request, as requestMaterial describes. keySuffix tells a request by hand
// from the automatic one, whose key it must not repeat.
func request(ctx context.Context, tx Tx, w *WorkOrder, requester, keySuffix string, take func(*Material) bool) error {
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return err
	}
	site, a, err := siteAndAsset(ctx, tx, w)
	if err != nil {
		return err
	}
	live, notLive, err := tx.IntegrationLive(ctx, w.SiteID, a.ClassID)
	if err != nil {
		return err
	}
	// The cost center and the expense account go to the ERP through their
	// mappings; a cost center with none, where the site needs one, blocks
	// the lines like an unmapped item.
	cc, account, err := integration.ERPCharge(ctx, tx, w.SiteID, site.Code, a.CostCenter, integration.AccountDirectMaterial)
	if err != nil {
		return err
	}
	ccGap := cc.GapErr
	req := integration.RequisitionRequest{
		Priority: w.Priority, CostCenter: cc.Code, ExpenseAccount: account,
		WorkOrderID: w.ID, WorkOrderNumber: w.Number, AssetID: w.AssetID,
	}
	neededBy := tx.Now().AddDate(0, 0, NeededByDays).Format("2006-01-02")
	var items []string
	for i := range mats {
		if m := &mats[i]; m.Direct && take(m) {
			items = append(items, m.ItemID)
		}
	}
	mappings, err := tx.ItemMappingsAt(ctx, w.SiteID, items) // in one read
	if err != nil {
		return err
	}
	var requested []*Material
	for i := range mats {
		m := &mats[i]
		if !m.Direct || !take(m) {
			continue
		}
		if !live {
			if err := block(ctx, tx, w, m, fmt.Sprintf("part %s: %s", m.PartNumber, notLive)); err != nil {
				return err
			}
			continue
		}
		if ccGap != nil {
			if err := block(ctx, tx, w, m, "part "+m.PartNumber+": "+reason(ccGap)); err != nil {
				return err
			}
			continue
		}
		mp := mappings[m.ItemID]
		if mp == nil {
			if err := block(ctx, tx, w, m, fmt.Sprintf("part %s: %s %s; add one with POST /api/v1/integration/mappings/items",
				m.PartNumber, unmapped, site.Code)); err != nil {
				return err
			}
			continue
		}
		line := integration.RequisitionLine{
			WorkOrderID: w.ID, MaterialLineID: m.ID, ERPItemCode: mp.ERPItemCode,
			Quantity: mp.ToERP(m.Quantity), Unit: mp.ERPUnit, NeededBy: neededBy,
			EstimatedUnitPrice: unitPriceInERP(m.UnitCost, mp),
		}
		if m.SpecialBuy { // in its own words, unit and price, under the default purchasing item
			line.Quantity, line.Unit, line.EstimatedUnitPrice = m.Quantity, m.Unit, m.UnitCost
			line.Description, line.Vendor = m.Description, m.Vendor
		}
		req.Lines = append(req.Lines, line)
		requested = append(requested, m)
	}
	if len(requested) == 0 {
		return nil
	}
	key := "requisition:" + w.ID + ":" + requested[0].ID + keySuffix
	msg, err := integration.NewMessage(key, w.SiteID, site.Code, requester, tx.Now(), req)
	if err != nil {
		return err
	}
	msg.TimeZone = site.TimeZone
	ids := make([]string, len(requested))
	for i, m := range requested {
		ids[i] = m.ID
		m.ProcurementStatus, m.BlockedReason = ProcurementRequested, ""
		if err := tx.SaveMaterial(ctx, m); err != nil {
			return err
		}
	}
	if err := tx.Enqueue(ctx, msg, w.ID, ids...); err != nil {
		return err
	}
	return tx.Audit(ctx, "work_order", w.ID, "request_material", nil, req)
}

// block stops a line from being requested, saying why and how to fix it.
func block(ctx context.Context, tx Tx, w *WorkOrder, m *Material, reason string) error {
	m.ProcurementStatus, m.BlockedReason = ProcurementBlocked, reason
	if err := tx.SaveMaterial(ctx, m); err != nil {
		return err
	}
	return tx.Audit(ctx, "work_order", w.ID, "material_blocked", nil, m)
}

// OutOfRollout is what the reason of a line blocked because integration
// is not live for its site or asset class contains.
const OutOfRollout = "phased rollout"

// unmapped is what the reason of a line blocked by a mapping gap says.
const unmapped = "no ERP item code mapped for site"

// RetryBlocked requests again the lines of an item that were blocked for
// want of an ERP mapping, once one is added: for each work order already
// released and still active, the lines go back to status none and Auto
// Request Material runs for it again, in this transaction. It returns the
// work orders it requested material for.
func RetryBlocked(ctx context.Context, tx Tx, itemID string) ([]string, error) {
	return retryBlocked(ctx, tx, itemID, unmapped)
}

// RetryCostCenters requests again the lines blocked for want of a
// cost-center mapping, once one is added.
func RetryCostCenters(ctx context.Context, tx Tx) ([]string, error) {
	return retryBlocked(ctx, tx, "", integration.UnmappedCostCenter)
}

// RetryRollout requests again the lines blocked because integration was
// not live for their site or asset class, where it now is.
func RetryRollout(ctx context.Context, tx Tx) ([]string, error) {
	return retryBlocked(ctx, tx, "", OutOfRollout)
}

// retryBlocked puts the blocked lines of an item (or of every item) whose
// reason contains cause back to status none and runs Auto Request Material
// again for their work orders.
func retryBlocked(ctx context.Context, tx Tx, itemID, cause string) ([]string, error) {
	lines, err := tx.BlockedMaterials(ctx, itemID)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, l := range lines {
		if !strings.Contains(l.BlockedReason, cause) || slices.Contains(done, l.WorkOrderID) {
			continue
		}
		w, err := tx.WorkOrderForUpdate(ctx, l.WorkOrderID)
		if err != nil {
			return nil, err
		}
		if ok, err := triggerPassed(ctx, tx, w); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		mats, err := tx.Materials(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		for i := range mats {
			m := &mats[i]
			if (itemID == "" || m.ItemID == itemID) && m.ProcurementStatus == ProcurementBlocked && strings.Contains(m.BlockedReason, cause) {
				m.ProcurementStatus, m.BlockedReason = ProcurementNone, ""
				if err := tx.SaveMaterial(ctx, m); err != nil {
					return nil, err
				}
			}
		}
		// The request is the releaser's (or approver's), not that of
		// whoever closed the gap: automation is no way around segregation
		// of duties.
		by, err := requester(ctx, tx, w)
		if err != nil {
			return nil, err
		}
		if err := requestMaterial(ctx, tx, w, by); err != nil {
			return nil, err
		}
		done = append(done, w.ID)
	}
	return done, nil
}

// requester is the user whose transition took w past its type's trigger
// point — the last release, or for the approval trigger the last approval
// — or, where no such transition is recorded, the current user.
func requester(ctx context.Context, tx Tx, w *WorkOrder) (string, error) {
	trigger, err := tx.AutoRequestTrigger(ctx, w.Type)
	if err != nil {
		return "", err
	}
	want := Released
	if trigger == TriggerApproval {
		want = Approved
	}
	ts, err := tx.Transitions(ctx, w.ID)
	if err != nil {
		return "", err
	}
	by := ""
	for _, t := range ts {
		if t.To == want || (by == "" && t.To == Released) {
			by = t.Actor
		}
	}
	if by == "" {
		by = tx.Actor().Username
	}
	return by, nil
}

// unitPriceInERP is a CMMS unit cost as the price of one ERP unit.
func unitPriceInERP(c millwright.Money, mp *integration.ItemMapping) millwright.Money {
	if !mp.Factor.IsPositive() {
		return c
	}
	return c.Times(mp.Factor)
}

// reason is the sentence of a Millwright error, or the error's text.
func reason(err error) string {
	var e *millwright.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// RefusedByERP begins the reason of a line blocked because the ERP
// refused its requisition message: the fix is to correct the data and
// replay that message, not to request the line again.
const RefusedByERP = "the ERP refused the requisition"

// Request requests direct material lines of work order id by hand, now, in
// the caller's name: what a planner does where Auto Request Material does
// not — a line without the flag, a work-order type whose trigger is never,
// or a line whose requisition was rejected or cancelled. lineIDs names
// the lines; none names every direct line not requested yet (procurement
// status none or blocked). The lines go into one requisition request, in
// this transaction, as at release; one that a mapping gap still stops
// turns blocked with the gap and its fix. It returns the lines named.
func Request(ctx context.Context, tx Tx, id string, lineIDs []string) ([]Material, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeOpen("its material can be requested"); err != nil {
		return nil, err
	}
	if w.Status == Requested {
		return nil, millwright.Errorf(millwright.Rule, "work_order_not_approved",
			"work order %s is requested; approve it (POST /api/v1/work-orders/%s/approve) before requesting its material", w.Number, w.ID)
	}
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Material{}
	for i := range mats {
		byID[mats[i].ID] = &mats[i]
	}
	pick := map[string]bool{}
	if len(lineIDs) == 0 {
		for _, m := range mats {
			if m.Direct && (m.ProcurementStatus == ProcurementNone ||
				m.ProcurementStatus == ProcurementBlocked && !strings.HasPrefix(blockCause(m.BlockedReason), RefusedByERP)) {
				pick[m.ID] = true
			}
		}
		if len(pick) == 0 {
			return nil, millwright.Errorf(millwright.Rule, "nothing_to_request",
				"work order %s has no direct material line waiting to be requested (procurement status none or blocked); add one with POST /api/v1/work-orders/%s/materials", w.Number, w.ID)
		}
	}
	for _, lid := range lineIDs {
		m, ok := byID[lid]
		switch {
		case !ok:
			return nil, millwright.Errorf(millwright.Rule, "material_line_not_found", "work order %s has no material line %s", w.Number, lid)
		case !m.Direct:
			return nil, millwright.Errorf(millwright.Rule, "not_direct",
				"material line %s (part %s) is a stock line, reserved in its storeroom; the storeroom's reorder point replenishes stock, only direct lines are requested", m.ID, m.PartNumber)
		case m.ProcurementStatus == ProcurementBlocked && strings.HasPrefix(blockCause(m.BlockedReason), RefusedByERP):
			return nil, millwright.Errorf(millwright.Conflict, "waits_for_replay",
				"material line %s is blocked because %s; fix the data and replay that message instead of requesting the line again", m.ID, m.BlockedReason)
		case m.ProcurementStatus != ProcurementNone && m.ProcurementStatus != ProcurementBlocked:
			return nil, millwright.Errorf(millwright.Conflict, "already_requested",
				"material line %s (part %s) is %s: it has been requested already, and a line is requested once", m.ID, m.PartNumber, m.ProcurementStatus)
		}
		pick[lid] = true
	}
	// A line requested before (then rejected or cancelled) needs a key of
	// its own: the ERP has applied the first one.
	n, err := tx.NextNumber(ctx, "material_request")
	if err != nil {
		return nil, err
	}
	if err := request(ctx, tx, w, tx.Actor().Username, fmt.Sprintf(":%d", n), func(m *Material) bool { return pick[m.ID] }); err != nil {
		return nil, err
	}
	if mats, err = tx.Materials(ctx, w.ID); err != nil {
		return nil, err
	}
	var out []Material
	for _, m := range mats {
		if pick[m.ID] {
			out = append(out, m)
		}
	}
	return out, nil
}

// blockCause is a blocked line's reason without its "part P: " prefix.
func blockCause(reason string) string {
	if _, after, ok := strings.Cut(reason, ": "); ok && strings.HasPrefix(reason, "part ") {
		return after
	}
	return reason
}
