// Package reconcile compares the CMMS's books with the ERP's: the stock of
// every item in every storeroom, and the actual cost of every work order
// against the ledger. Each difference is listed with the outbox messages
// not yet delivered that concern it, and is marked explained when those
// messages, once applied, would close it exactly.
package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Difference kinds.
const (
	StockQuantity = "stock_quantity"  // a storeroom's on hand differs from the ERP warehouse's quantity
	WorkOrderCost = "work_order_cost" // a work order's actual cost differs from its ledger lines
)

// Difference is one thing on which the two sides disagree.
type Difference struct {
	Kind       string       `json:"kind"`
	Record     string       `json:"record"`    // "FLT-AHU-24 at N-MAIN", "WO-000012"
	RecordID   string       `json:"record_id"` // storeroom_id/item_id, or the work order's id
	SiteID     string       `json:"site_id"`
	CMMS       string       `json:"cmms"` // the CMMS's figure (in ERP units for stock)
	ERP        string       `json:"erp"`
	Difference string       `json:"difference"` // cmms − erp
	Pending    string       `json:"pending"`    // what the undelivered messages would still change in the ERP
	Explained  bool         `json:"explained"`  // the pending messages close the difference exactly
	Messages   []MessageRef `json:"messages"`
	Note       string       `json:"note"`
}

// MessageRef is an undelivered outbox message that concerns a difference.
type MessageRef struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	LastError string `json:"last_error,omitempty"`
}

// Report is one reconciliation run.
type Report struct {
	ID          string       `json:"id"`
	At          time.Time    `json:"at"`
	ERPAt       time.Time    `json:"erp_at"`
	Actor       string       `json:"actor"`
	Trigger     string       `json:"trigger"` // manual or schedule
	Checked     Checked      `json:"checked"`
	Balanced    bool         `json:"balanced"` // no difference at all
	Unexplained int          `json:"unexplained"`
	Differences []Difference `json:"differences"`
}

// Checked counts what was compared.
type Checked struct {
	StockRows  int `json:"stock_rows"`
	Unmapped   int `json:"unmapped_stock_rows"` // stock rows skipped for want of an item mapping (see data-quality)
	WorkOrders int `json:"work_orders"`
}

// Run asks the ERP for its balances, compares them with the CMMS's, keeps
// the report and returns it. trigger says who asked: "manual" or "schedule".
func Run(ctx context.Context, db *store.DB, conn integration.Connector, trigger string) (*Report, error) {
	rec, ok := conn.(integration.Reconciler)
	if !ok {
		return nil, millwright.Errorf(millwright.Rule, "not_reconcilable",
			"the configured ERP connector cannot report its balances, so there is nothing to compare with; reconcile in the ERP's own reports")
	}
	erp, err := rec.Balances(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the ERP's balances: %w", err)
	}
	var r *Report
	err = db.InTx(ctx, func(tx *store.Tx) error {
		r = &Report{ID: millwright.NewID("rec"), At: tx.Now(), ERPAt: erp.At, Actor: tx.Actor().Username, Trigger: trigger,
			Differences: []Difference{}}
		pending, err := tx.UndeliveredMessages(ctx)
		if err != nil {
			return err
		}
		if err := compareStock(ctx, tx, r, erp.Stock, pending); err != nil {
			return err
		}
		if err := compareCosts(ctx, tx, r, erp.WorkOrderCosts, pending); err != nil {
			return err
		}
		for _, d := range r.Differences {
			if !d.Explained {
				r.Unexplained++
			}
		}
		r.Balanced = len(r.Differences) == 0
		if err := tx.SaveReconciliation(ctx, r.ID, r.Actor, trigger, len(r.Differences), r); err != nil {
			return err
		}
		return tx.Audit(ctx, "reconciliation", r.ID, "run", nil, map[string]any{
			"trigger": trigger, "differences": len(r.Differences), "unexplained": r.Unexplained})
	})
	return r, err
}

// Note keeps a difference found outside a run — an ERP stock level the
// CMMS, master of stock, did not apply — as a report of its own, so it is
// listed with the runs (GET /api/v1/integration/reconciliation). trigger
// says what found it ("stock_level_changed").
func Note(ctx context.Context, tx *store.Tx, trigger string, d Difference) (*Report, error) {
	if d.Messages == nil {
		d.Messages = []MessageRef{}
	}
	r := &Report{ID: millwright.NewID("rec"), At: tx.Now(), ERPAt: tx.Now(), Actor: tx.Actor().Username, Trigger: trigger,
		Checked: Checked{StockRows: 1}, Differences: []Difference{d}}
	if !d.Explained {
		r.Unexplained = 1
	}
	if err := tx.SaveReconciliation(ctx, r.ID, r.Actor, trigger, 1, r); err != nil {
		return nil, err
	}
	return r, tx.Audit(ctx, "reconciliation", r.ID, "difference", nil, d)
}

type stockKey struct{ site, code, warehouse string }

func compareStock(ctx context.Context, tx *store.Tx, r *Report, erpStock []integration.StockBalance, pending []integration.OutboxMessage) error {
	rows, err := tx.StockRows(ctx)
	if err != nil {
		return err
	}
	theirs := map[stockKey]integration.StockBalance{}
	for _, s := range erpStock {
		if s.SiteID == "" {
			// An ERP that keeps no CMMS site (Odoo with storerooms mapped
			// without site_id) means the storeroom of that code, as the
			// stock events it sends are applied: one site's, or none.
			sr, err := tx.StoreroomByCode(ctx, "", s.Warehouse)
			switch k := millwright.ErrorKind(err); {
			case err == nil:
				s.SiteID = sr.SiteID
			case k != millwright.NotFound && k != millwright.Conflict:
				return err
			}
		}
		theirs[stockKey{s.SiteID, s.ERPItemCode, s.Warehouse}] = s
	}
	seen := map[stockKey]bool{}
	for _, row := range rows {
		mp, err := tx.ItemMapping(ctx, row.ItemID, row.SiteID)
		if millwright.ErrorKind(err) == millwright.NotFound {
			r.Checked.Unmapped++
			continue
		} else if err != nil {
			return err
		}
		r.Checked.StockRows++
		k := stockKey{row.SiteID, mp.ERPItemCode, row.Storeroom}
		seen[k] = true
		ours := mp.ToERP(row.OnHand)
		d := Difference{Kind: StockQuantity, Record: fmt.Sprintf("%s at %s", row.PartNumber, row.Storeroom),
			RecordID: row.StoreroomID + "/" + row.ItemID, SiteID: row.SiteID, Messages: []MessageRef{}}
		stockDifference(&d, k, ours.Decimal, theirs[k].Quantity.Decimal, pending)
		if d.Difference != "0" {
			r.Differences = append(r.Differences, d)
		}
	}
	var rest []stockKey
	for k, s := range theirs {
		if !seen[k] && !s.Quantity.IsZero() {
			rest = append(rest, k)
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		return rest[i].code+"@"+rest[i].warehouse < rest[j].code+"@"+rest[j].warehouse
	})
	for _, k := range rest {
		d := Difference{Kind: StockQuantity, Record: fmt.Sprintf("ERP item %s at %s", k.code, k.warehouse),
			RecordID: k.code + "@" + k.warehouse, SiteID: k.site, Messages: []MessageRef{}}
		stockDifference(&d, k, decimal.Zero, theirs[k].Quantity.Decimal, pending)
		if !d.Explained {
			d.Note = "the ERP holds stock the CMMS has no storeroom row (or no item mapping) for; map the item (POST /api/v1/integration/mappings/items) and give the storeroom the warehouse's code, or correct the stock in the ERP"
		}
		r.Differences = append(r.Differences, d)
	}
	return nil
}

func compareCosts(ctx context.Context, tx *store.Tx, r *Report, erpCosts []integration.WorkOrderCost, pending []integration.OutboxMessage) error {
	ours, err := tx.WorkOrderActualCosts(ctx)
	if err != nil {
		return err
	}
	all := map[string][2]millwright.Money{}
	for _, c := range ours {
		v := all[c.WorkOrderID]
		v[0] = c.Amount
		all[c.WorkOrderID] = v
	}
	for _, c := range erpCosts {
		v := all[c.WorkOrderID]
		v[1] = c.Amount
		all[c.WorkOrderID] = v
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	refs, err := tx.WorkOrderRefs(ctx, ids)
	if err != nil {
		return err
	}
	r.Checked.WorkOrders = len(ids)
	for _, id := range ids {
		v := all[id]
		diff := v[0].Sub(v[1])
		if diff.IsZero() {
			continue
		}
		wo, known := refs[id]
		d := Difference{Kind: WorkOrderCost, Record: wo.Number, RecordID: id, SiteID: wo.SiteID,
			CMMS: v[0].String(), ERP: v[1].String(), Difference: diff.String(), Messages: []MessageRef{}}
		if !known {
			d.Record = id
		}
		var effect millwright.Money
		for _, m := range pending {
			if m.WorkOrderID != id {
				continue
			}
			d.Messages = append(d.Messages, ref(m))
			effect = effect.Add(costEffect(m))
		}
		d.Pending = effect.String()
		d.Explained = effect.Equal(diff.Decimal)
		d.Note = note(d, "cost")
		r.Differences = append(r.Differences, d)
	}
	return nil
}

// stockDifference fills d for the stock of k: ours and theirs in ERP units.
func stockDifference(d *Difference, k stockKey, ours, theirs decimal.Decimal, pending []integration.OutboxMessage) {
	diff := ours.Sub(theirs)
	d.CMMS, d.ERP, d.Difference = ours.String(), theirs.String(), diff.String()
	effect := decimal.Zero
	for _, m := range pending {
		code, warehouse, q, ok := stockEffect(m)
		if !ok || m.SiteID != k.site || code != k.code || warehouse != k.warehouse {
			continue
		}
		d.Messages = append(d.Messages, ref(m))
		effect = effect.Add(q)
	}
	d.Pending = effect.String()
	d.Explained = effect.Equal(diff)
	d.Note = note(*d, "stock")
}

func ref(m integration.OutboxMessage) MessageRef {
	return MessageRef{ID: m.ID, Kind: m.Kind, Status: m.Status, LastError: m.LastError}
}

// note says in words what a difference means and what to do about it —
// a fix that leaves both sides equal: an adjustment in the CMMS would
// reach the ERP too and leave a stock difference as it was.
func note(d Difference, what string) string {
	switch {
	case d.Explained:
		return fmt.Sprintf("explained by %d message(s) not yet delivered; it closes when they are (fix what stops a failed one, or replay it: POST /api/v1/integration/messages/{id}/replay)", len(d.Messages))
	case len(d.Messages) > 0:
		return fmt.Sprintf("%d undelivered message(s) concern it but do not close it; let them go or replay them, reconcile again, then resolve what is left as this note will say", len(d.Messages))
	case what == "stock":
		return StockFix(d.RecordID)
	default:
		return "no undelivered message explains this cost difference: a ledger entry carries the work order on one side only; " +
			"list the work order's entries (GET /api/v1/erp/ledger/entries?work_order_id=" + d.RecordID + ") and reverse the one the CMMS did not make (POST /api/v1/erp/ledger/entries/{id}/reverse); " +
			"labor or parts booked in the CMMS post to both sides and do not close it"
	}
}

// StockFix is the advice on a stock difference no message explains.
func StockFix(recordID string) string {
	storeroom, item, ok := strings.Cut(recordID, "/")
	if !ok {
		return "no undelivered message explains this stock difference and the CMMS has no storeroom row for it: map the item and give the storeroom the warehouse's code, or correct the stock in the ERP"
	}
	body := fmt.Sprintf(`{"storeroom_id":%q,"item_id":%q,"keep":"cmms"}`, storeroom, item)
	return "no undelivered message explains this stock difference; count the stock, then resolve it with POST /api/v1/integration/reconciliation/stock " + body +
		` (the count in the CMMS stands and the ERP is adjusted) or "keep":"erp" (the storeroom takes the ERP's level); ` +
		"an adjustment in the CMMS reaches the ERP too and does not close it"
}

// costEffect is what delivering m would still add to its work order's cost
// in the ERP's ledger.
func costEffect(m integration.OutboxMessage) millwright.Money {
	switch integration.MessageKind(m.Kind) {
	case integration.KindLaborCost:
		var p integration.LaborCost
		if m.Message.Decode(&p) == nil {
			return p.Amount.Round()
		}
	case integration.KindStockMovement:
		var p integration.StockMovement
		if m.Message.Decode(&p) == nil && p.Movement != integration.MoveAdjustment {
			// Stock taken out (a negative quantity) is charged to the work order; stock put back is credited.
			v := millwright.Money{Decimal: p.Value.Abs()}
			if p.Quantity.IsNegative() {
				return v
			}
			return millwright.Money{Decimal: v.Neg()}
		}
	}
	return millwright.Money{}
}

// stockEffect is the change delivering m would still make to the ERP's
// stock of one item in one warehouse, in ERP units.
func stockEffect(m integration.OutboxMessage) (code, warehouse string, q decimal.Decimal, ok bool) {
	if integration.MessageKind(m.Kind) != integration.KindStockMovement {
		return "", "", q, false
	}
	var p integration.StockMovement
	if m.Message.Decode(&p) != nil {
		return "", "", q, false
	}
	return p.ERPItemCode, p.Warehouse, p.Quantity.Decimal, true
}

// Schedule runs a reconciliation every interval until ctx ends, logging
// what each run found. A run that fails is logged and the next one comes
// at its time.
func Schedule(ctx context.Context, db *store.DB, conn integration.Connector, every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		r, err := Run(ctx, db, conn, "schedule")
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("reconciliation failed", "err", err)
		case r.Unexplained > 0:
			log.Warn("reconciliation found differences no message explains", "id", r.ID,
				"differences", len(r.Differences), "unexplained", r.Unexplained)
		default:
			log.Info("reconciliation", "id", r.ID, "differences", len(r.Differences), "stock_rows", r.Checked.StockRows,
				"work_orders", r.Checked.WorkOrders)
		}
	}
}
