package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// What a posting reads, read once (PostgreSQL).
//
// A cost posting (a labor entry, a part issued) reads, after locking its
// work order, the site and the asset, the mappings of the asset's cost
// center and of the cost's category, and the phased rollout's scopes to
// know whether its outbox message goes or is skipped: four round trips on
// PostgreSQL, where a round trip costs more than the read. SiteAndAsset
// reads the mappings and the scopes with the site and the asset in one
// statement and keeps them (postingMemo); ChargeMappings and the outbox's
// scope check answer from it. The transaction forgets it at its next write
// (Tx.exec), so a mapping or a scope it changes is read again. SQLite's
// reads cost no round trip and do not keep it.

// postingMemo is what SiteAndAsset read for the postings that follow it.
type postingMemo struct {
	siteID, assetID, costCenter, classID string
	ccMapped                             bool   // the asset's cost center has a mapping at the site
	erpCostCenter                        string // its ERP code
	ccsMapped                            bool   // some cost-center mapping applies to the site
	accounts                             map[string]string
	scopes                               []Scope
}

// siteAndAssetPostgres is SiteAndAsset's statement on PostgreSQL: the
// site, the asset, and what postingMemo keeps. Account mappings come in
// site order, the company's (”) first, so the site's own is kept last.
const siteAndAssetPostgres = `
	SELECT s.id, s.code, s.name, s.currency, s.time_zone, s.created_at,
		a.id, a.tag, a.name, a.site_id, a.asset_class_id, a.parent_id, a.location_id, a.criticality,
		a.cost_center, a.auto_request_material, a.created_at, a.updated_at,
		(SELECT m.erp_cost_center FROM cost_center_mappings m
			WHERE m.cost_center = a.cost_center AND (m.site_id = s.id OR m.site_id = '') ORDER BY m.site_id DESC LIMIT 1),
		EXISTS (SELECT 1 FROM cost_center_mappings m WHERE m.site_id = s.id OR m.site_id = ''),
		COALESCE((SELECT json_agg(json_build_array(m.category, m.erp_account) ORDER BY m.site_id) FROM account_mappings m
			WHERE m.site_id = s.id OR m.site_id = '')::text, '[]'),
		COALESCE((SELECT json_agg(json_build_object('site_id', c.site_id, 'asset_class_id', c.asset_class_id)) FROM integration_scopes c)::text, '[]')
	FROM sites s, assets a
	WHERE s.id = ? AND a.id = ?`

// siteAndAssetMemo reads the site and the asset into s and a with what a
// posting needs next, and keeps the latter.
func (tx *Tx) siteAndAssetMemo(ctx context.Context, s *asset.Site, a *asset.Asset, siteID, assetID string) error {
	var (
		erpCC            *string
		ccs              bool
		accounts, scopes string
	)
	dest := append(siteDest(s), assetDest(a)...)
	if err := tx.queryRow(ctx, siteAndAssetPostgres, siteID, assetID).Scan(append(dest, &erpCC, &ccs, &accounts, &scopes)...); err != nil {
		return err
	}
	m := &postingMemo{siteID: siteID, assetID: assetID, costCenter: a.CostCenter, classID: a.ClassID, ccsMapped: ccs,
		accounts: map[string]string{}}
	if erpCC != nil {
		m.ccMapped, m.erpCostCenter = true, *erpCC
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(accounts), &pairs); err != nil {
		return err
	}
	for _, p := range pairs {
		m.accounts[p[0]] = p[1]
	}
	if err := json.Unmarshal([]byte(scopes), &m.scopes); err != nil {
		return err
	}
	tx.posting = m
	return nil
}

// chargeMemo answers ChargeMappings from the memo when it holds them.
func (tx *Tx) chargeMemo(siteID, costCenter, category string) (integration.ChargeMappings, bool) {
	m := tx.posting
	if m == nil || m.siteID != siteID || m.costCenter != costCenter {
		return integration.ChargeMappings{}, false
	}
	return integration.ChargeMappings{CostCenterMapped: m.ccMapped, ERPCostCenter: m.erpCostCenter,
		CostCentersMapped: m.ccsMapped, ERPAccount: m.accounts[category]}, true
}

// scopesMemo is the rollout's scopes and the asset class of a work order,
// from the memo: ok when it holds the scopes and, if any applies, the
// class (the work order read last is on the memo's asset).
func (tx *Tx) scopesMemo(workOrderID string) (scopes []Scope, class string, ok bool) {
	m := tx.posting
	if m == nil {
		return nil, "", false
	}
	if len(m.scopes) == 0 {
		return nil, "", true
	}
	if workOrderID == "" {
		return m.scopes, "", true
	}
	if tx.lastWO.id != workOrderID || tx.lastWO.assetID != m.assetID {
		return nil, "", false
	}
	return m.scopes, m.classID, true
}

// forget drops what the transaction keeps of its reads for the postings
// (postingMemo) before a statement that may write: any but a SELECT.
func (tx *Tx) forget(q string) {
	if tx.posting == nil && tx.lastWO.id == "" {
		return
	}
	if t := strings.TrimSpace(q); len(t) >= 6 && strings.EqualFold(t[:6], "SELECT") {
		return
	}
	tx.posting, tx.lastWO = nil, lastWorkOrder{}
}

// lastWorkOrder is the work order the transaction read last, with its
// asset (for the outbox's scope check).
type lastWorkOrder struct{ id, assetID string }
