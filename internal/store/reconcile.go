package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// ERPStockBalances lists the embedded ERP's stock of every item in every
// warehouse, by item code and warehouse.
func (tx *Tx) ERPStockBalances(ctx context.Context) ([]integration.StockBalance, error) {
	rows, err := tx.query(ctx, `SELECT i.code, s.warehouse, s.site_id, s.quantity, s.value FROM erp_stock s
		JOIN erp_items i ON i.id = s.item_id ORDER BY i.code, s.warehouse`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (b integration.StockBalance, err error) {
		err = r.Scan(&b.ERPItemCode, &b.Warehouse, &b.SiteID, &b.Quantity, &b.Value)
		return b, err
	})
}

// ERPWorkOrderCosts is ERPWorkOrderCost for every work order the ledger
// has charged, by work-order id.
func (tx *Tx) ERPWorkOrderCosts(ctx context.Context) ([]integration.WorkOrderCost, error) {
	rows, err := tx.query(ctx, `SELECT l.work_order_id, l.debit, l.credit FROM erp_entry_lines l
		JOIN erp_accounts a ON a.code = l.account
		WHERE a.type = 'expense' AND l.work_order_id IS NOT NULL AND l.work_order_id <> ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[string]millwright.Money{}
	for rows.Next() {
		var id string
		var dr, cr millwright.Money
		if err := rows.Scan(&id, &dr, &cr); err != nil {
			return nil, err
		}
		sums[id] = sums[id].Add(dr).Sub(cr)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return costList(sums), nil
}

func costList(sums map[string]millwright.Money) []integration.WorkOrderCost {
	out := make([]integration.WorkOrderCost, 0, len(sums))
	for id, v := range sums {
		out = append(out, integration.WorkOrderCost{WorkOrderID: id, Amount: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkOrderID < out[j].WorkOrderID })
	return out
}

// StockRow is a CMMS stock row with what reconciliation needs to find it
// in the ERP: the item's part number and the storeroom's code and site.
type StockRow struct {
	ItemID, PartNumber     string
	StoreroomID, Storeroom string
	SiteID, SiteCode       string
	OnHand                 millwright.Qty
	Value                  millwright.Money
}

// StockRows lists every stock row of the CMMS, by storeroom and item.
func (tx *Tx) StockRows(ctx context.Context) ([]StockRow, error) {
	rows, err := tx.query(ctx, `SELECT st.item_id, i.part_number, st.storeroom_id, r.code, r.site_id, s.code, st.on_hand, st.value
		FROM stock st JOIN items i ON i.id = st.item_id JOIN storerooms r ON r.id = st.storeroom_id
		JOIN sites s ON s.id = r.site_id ORDER BY r.code, i.part_number`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (s StockRow, err error) {
		err = r.Scan(&s.ItemID, &s.PartNumber, &s.StoreroomID, &s.Storeroom, &s.SiteID, &s.SiteCode, &s.OnHand, &s.Value)
		return s, err
	})
}

// WorkOrderActualCosts is the actual cost of every work order that has
// one, as the CMMS computes it (workorder.ComputeCosts): labor, plus parts
// issued net of returns, plus the invoiced cost of direct lines.
func (tx *Tx) WorkOrderActualCosts(ctx context.Context) ([]integration.WorkOrderCost, error) {
	sums := map[string]millwright.Money{}
	add := func(q string, sign int, args ...any) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var v millwright.Money
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			if sign < 0 {
				sums[id] = sums[id].Sub(v)
			} else {
				sums[id] = sums[id].Add(v)
			}
		}
		return rows.Err()
	}
	if err := add(`SELECT work_order_id, amount FROM wo_labor`, 1); err != nil {
		return nil, err
	}
	// A movement's value is the signed change to stock: an issue's is negative.
	if err := add(`SELECT work_order_id, value FROM stock_movements WHERE work_order_id IS NOT NULL AND work_order_id <> ''
		AND kind IN (?, ?)`, -1, inventory.MoveIssue, inventory.MoveReturn); err != nil {
		return nil, err
	}
	if err := add(`SELECT work_order_id, actual_cost FROM wo_materials WHERE direct = ?`, 1, true); err != nil {
		return nil, err
	}
	for id, v := range sums {
		if v.IsZero() {
			delete(sums, id)
		}
	}
	return costList(sums), nil
}

// WorkOrderRef is a work order's number and site, for a report.
type WorkOrderRef struct {
	ID, Number, SiteID string
}

// WorkOrderRefs returns the number and site of each work order of ids that
// exists in the CMMS.
func (tx *Tx) WorkOrderRefs(ctx context.Context, ids []string) (map[string]WorkOrderRef, error) {
	out := map[string]WorkOrderRef{}
	for _, id := range ids {
		var r WorkOrderRef
		err := tx.queryRow(ctx, `SELECT id, number, site_id FROM work_orders WHERE id = ?`, id).Scan(&r.ID, &r.Number, &r.SiteID)
		if err == nil {
			out[id] = r
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return out, nil
}

// UndeliveredMessages lists the outbox messages not yet delivered, oldest
// first: those that may explain a difference between the two sides.
func (tx *Tx) UndeliveredMessages(ctx context.Context) ([]integration.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages WHERE status <> ? ORDER BY id`,
		integration.StatusDelivered)
	return tx.scanMessages(ctx, rows, err)
}

// Scope is one site, or one asset class at a site, where integration is live.
type Scope struct {
	SiteID       string `json:"site_id"`
	AssetClassID string `json:"asset_class_id,omitempty"`
}

// IntegrationScopes lists the rollout's scopes; none means everywhere.
func (tx *Tx) IntegrationScopes(ctx context.Context) ([]Scope, error) {
	rows, err := tx.query(ctx, `SELECT site_id, asset_class_id FROM integration_scopes ORDER BY site_id, asset_class_id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (s Scope, err error) {
		err = r.Scan(&s.SiteID, &s.AssetClassID)
		return s, err
	})
}

// SetIntegrationScopes replaces the rollout's scopes.
func (tx *Tx) SetIntegrationScopes(ctx context.Context, scopes []Scope) error {
	if _, err := tx.exec(ctx, `DELETE FROM integration_scopes`); err != nil {
		return err
	}
	for _, s := range scopes {
		if _, err := tx.exec(ctx, `INSERT INTO integration_scopes (site_id, asset_class_id) VALUES (?, ?)`,
			s.SiteID, s.AssetClassID); err != nil {
			return duplicate(err, "site %s asset class %q is listed twice; list each scope once", s.SiteID, s.AssetClassID)
		}
	}
	return nil
}

// IntegrationLive reports whether integration is live for a site and, when
// classID is not empty, an asset class there. When it is not, reason says
// why in words an operator can act on.
func (tx *Tx) IntegrationLive(ctx context.Context, siteID, classID string) (live bool, reason string, err error) {
	if m := tx.posting; m != nil { // read with the site and the asset just before
		return tx.integrationLive(ctx, m.scopes, siteID, classID)
	}
	scopes, err := tx.IntegrationScopes(ctx)
	if err != nil {
		return false, "", err
	}
	return tx.integrationLive(ctx, scopes, siteID, classID)
}

// integrationLive is IntegrationLive over the rollout's scopes.
func (tx *Tx) integrationLive(ctx context.Context, scopes []Scope, siteID, classID string) (live bool, reason string, err error) {
	if len(scopes) == 0 {
		return true, "", nil
	}
	siteListed := false
	for _, s := range scopes {
		if s.SiteID != siteID {
			continue
		}
		siteListed = true
		if s.AssetClassID == "" || s.AssetClassID == classID || classID == "" {
			return true, "", nil
		}
	}
	var code string
	if err := tx.queryRow(ctx, `SELECT code FROM sites WHERE id = ?`, siteID).Scan(&code); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, "", err
	}
	if !siteListed {
		return false, fmt.Sprintf("integration is not live for site %s (phased rollout); add the site with PUT /api/v1/integration/rollout, then replay", code), nil
	}
	var class string
	if err := tx.queryRow(ctx, `SELECT code FROM asset_classes WHERE id = ?`, classID).Scan(&class); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, "", err
	}
	return false, fmt.Sprintf("integration is not live for asset class %s at site %s (phased rollout); add it with PUT /api/v1/integration/rollout, then replay", class, code), nil
}

// scopeStatus is the status a new message about a site (and work order)
// starts in: pending where integration is live, skipped, with the reason,
// where the phased rollout has not reached it yet. A message of no site
// (an item master shared by every site) is never held back.
//
// Every outbox message comes here, so the rollout's scopes and the asset
// class of the work order are read in one statement; with no scopes (the
// rollout done) the class is not needed, and no row comes back.
func (tx *Tx) scopeStatus(ctx context.Context, siteID, workOrderID string) (status, why string, err error) {
	if siteID == "" { // the company's master data, shared by every site
		return integration.StatusPending, "", nil
	}
	if scopes, class, ok := tx.scopesMemo(workOrderID); ok {
		return tx.scopeOf(ctx, scopes, siteID, class)
	}
	rows, err := tx.query(ctx, `
		SELECT site_id, asset_class_id,
			COALESCE((SELECT a.asset_class_id FROM work_orders w JOIN assets a ON a.id = w.asset_id WHERE w.id = ?), '')
		FROM integration_scopes ORDER BY site_id, asset_class_id`, workOrderID)
	if err != nil {
		return "", "", err
	}
	var class string // the work order's asset class; "" when there is no work order, or its asset has none
	scopes, err := scanAll(rows, func(r interface{ Scan(...any) error }) (s Scope, err error) {
		err = r.Scan(&s.SiteID, &s.AssetClassID, &class)
		return s, err
	})
	if err != nil {
		return "", "", err
	}
	return tx.scopeOf(ctx, scopes, siteID, class)
}

// scopeOf is the status a new message starts in, given the rollout's
// scopes and the work order's asset class.
func (tx *Tx) scopeOf(ctx context.Context, scopes []Scope, siteID, class string) (status, why string, err error) {
	live, why, err := tx.integrationLive(ctx, scopes, siteID, class)
	if err != nil || live {
		return integration.StatusPending, "", err
	}
	return integration.StatusSkipped, why, nil
}

// MessageLive reports whether integration is live for what an outbox
// message is about, and if not, why.
func (tx *Tx) MessageLive(ctx context.Context, m *integration.OutboxMessage) (bool, string, error) {
	status, why, err := tx.scopeStatus(ctx, m.SiteID, m.WorkOrderID)
	return status == integration.StatusPending, why, err
}

// SaveReconciliation keeps the result of a reconciliation run.
func (tx *Tx) SaveReconciliation(ctx context.Context, id, actor, trigger string, differences int, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO reconciliation_runs (id, ran_at, actor, cause, differences, result) VALUES (?, ?, ?, ?, ?, ?)`,
		id, tx.now, actor, trigger, differences, string(b))
	return err
}

// Reconciliation is a stored run's result, as JSON.
type Reconciliation struct {
	ID     string
	Result json.RawMessage
}

// MarshalJSON writes the run's result.
func (r Reconciliation) MarshalJSON() ([]byte, error) { return r.Result, nil }

// Reconciliations returns past runs, newest first.
func (tx *Tx) Reconciliations(ctx context.Context, cursor string, limit int) (millwright.Page[Reconciliation], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT id, result FROM reconciliation_runs WHERE (? = '' OR id < ?) ORDER BY id DESC LIMIT ?`,
		cursor, cursor, n)
	if err != nil {
		return millwright.Page[Reconciliation]{}, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (c Reconciliation, err error) {
		var s string
		err = r.Scan(&c.ID, &s)
		c.Result = json.RawMessage(s)
		return c, err
	})
	return millwright.NewPage(out, n, func(c Reconciliation) string { return c.ID }), err
}
