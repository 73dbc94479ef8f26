package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// Master data: cost-center and account mappings, and the look-ups the
// data-quality report makes. Who is the master of items is an integration
// setting (IntegrationState "item_master"), beside stock_master.

var _ integration.MappingReader = (*Tx)(nil)

// CostCenterMapping returns the ERP cost center of a CMMS cost center at a
// site: the site's own mapping first, then the global one.
func (tx *Tx) CostCenterMapping(ctx context.Context, siteID, costCenter string) (*integration.CostCenterMapping, error) {
	var m integration.CostCenterMapping
	err := tx.queryRow(ctx, `SELECT site_id, cost_center, erp_cost_center, updated_at FROM cost_center_mappings
		WHERE cost_center = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1`, costCenter, siteID).
		Scan(&m.SiteID, &m.CostCenter, &m.ERPCostCenter, (*dbTime)(&m.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "cost center %s has no ERP mapping for site %s", costCenter, siteID)
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// CostCentersMapped reports whether any cost-center mapping applies to a
// site: one of its own or a global one.
func (tx *Tx) CostCentersMapped(ctx context.Context, siteID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM cost_center_mappings WHERE site_id = ? OR site_id = ''`, siteID).Scan(&n)
	return n > 0, err
}

// ChargeMappings looks up the mappings of a cost posting at a site in one
// statement: the cost center's ERP code (the site's own mapping first,
// then the global one), whether any cost-center mapping applies to the
// site, and the category's ERP account (the same way round).
func (tx *Tx) ChargeMappings(ctx context.Context, siteID, costCenter, category string) (integration.ChargeMappings, error) {
	if m, ok := tx.chargeMemo(siteID, costCenter, category); ok {
		return m, nil
	}
	var (
		m  integration.ChargeMappings
		cc sql.NullString
	)
	err := tx.queryRow(ctx, `
		SELECT
			(SELECT erp_cost_center FROM cost_center_mappings
				WHERE cost_center = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1),
			EXISTS (SELECT 1 FROM cost_center_mappings WHERE site_id = ? OR site_id = ''),
			COALESCE((SELECT erp_account FROM account_mappings
				WHERE category = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1), '')`,
		costCenter, siteID, siteID, category, siteID,
	).Scan(&cc, &m.CostCentersMapped, &m.ERPAccount)
	m.CostCenterMapped, m.ERPCostCenter = cc.Valid, cc.String
	return m, err
}

// SaveCostCenterMapping creates or replaces the mapping of a cost center at a site.
func (tx *Tx) SaveCostCenterMapping(ctx context.Context, m *integration.CostCenterMapping) error {
	m.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO cost_center_mappings (site_id, cost_center, erp_cost_center, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (site_id, cost_center) DO UPDATE SET erp_cost_center = excluded.erp_cost_center, updated_at = excluded.updated_at`,
		m.SiteID, m.CostCenter, m.ERPCostCenter, m.UpdatedAt)
	return err
}

// CostCenterMappings lists the cost-center mappings of a site and the
// global ones (every mapping when siteID is empty), by cost center and site.
func (tx *Tx) CostCenterMappings(ctx context.Context, siteID string) ([]integration.CostCenterMapping, error) {
	rows, err := tx.query(ctx, `SELECT site_id, cost_center, erp_cost_center, updated_at FROM cost_center_mappings
		WHERE ? = '' OR site_id = ? OR site_id = '' ORDER BY cost_center, site_id`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (m integration.CostCenterMapping, err error) {
		err = r.Scan(&m.SiteID, &m.CostCenter, &m.ERPCostCenter, (*dbTime)(&m.UpdatedAt))
		return m, err
	})
	if out == nil {
		out = []integration.CostCenterMapping{}
	}
	return out, err
}

// AccountMapping returns the ERP account of a posting category at a site:
// the site's own mapping first, then the global one.
func (tx *Tx) AccountMapping(ctx context.Context, siteID, category string) (*integration.AccountMapping, error) {
	var m integration.AccountMapping
	err := tx.queryRow(ctx, `SELECT site_id, category, erp_account, updated_at FROM account_mappings
		WHERE category = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1`, category, siteID).
		Scan(&m.SiteID, &m.Category, &m.ERPAccount, (*dbTime)(&m.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "posting category %s has no ERP account mapped for site %s", category, siteID)
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// SaveAccountMapping creates or replaces the account of a posting category at a site.
func (tx *Tx) SaveAccountMapping(ctx context.Context, m *integration.AccountMapping) error {
	m.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO account_mappings (site_id, category, erp_account, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (site_id, category) DO UPDATE SET erp_account = excluded.erp_account, updated_at = excluded.updated_at`,
		m.SiteID, m.Category, m.ERPAccount, m.UpdatedAt)
	return err
}

// AccountMappings lists the account mappings of a site and the global ones
// (every mapping when siteID is empty), by category and site.
func (tx *Tx) AccountMappings(ctx context.Context, siteID string) ([]integration.AccountMapping, error) {
	rows, err := tx.query(ctx, `SELECT site_id, category, erp_account, updated_at FROM account_mappings
		WHERE ? = '' OR site_id = ? OR site_id = '' ORDER BY category, site_id`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (m integration.AccountMapping, err error) {
		err = r.Scan(&m.SiteID, &m.Category, &m.ERPAccount, (*dbTime)(&m.UpdatedAt))
		return m, err
	})
	if out == nil {
		out = []integration.AccountMapping{}
	}
	return out, err
}

// ItemMappingsByCode lists the mappings that name an ERP item code, by item and site.
func (tx *Tx) ItemMappingsByCode(ctx context.Context, code string) ([]integration.ItemMapping, error) {
	rows, err := tx.query(ctx, `SELECT item_id, site_id, erp_item_code, erp_unit, factor, updated_at FROM item_mappings
		WHERE erp_item_code = ? ORDER BY item_id, site_id`, code)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (m integration.ItemMapping, err error) {
		err = r.Scan(&m.ItemID, &m.SiteID, &m.ERPItemCode, &m.ERPUnit, &m.Factor, (*dbTime)(&m.UpdatedAt))
		return m, err
	})
}

// MappedItem is an item mapping with the item's part number and the code
// of its site (” for a global mapping).
type MappedItem struct {
	integration.ItemMapping
	PartNumber, SiteCode string
}

// MappedItems lists the item mappings that apply to a site (its own and
// the global ones; every mapping when siteID is empty), by part and site.
func (tx *Tx) MappedItems(ctx context.Context, siteID string) ([]MappedItem, error) {
	rows, err := tx.query(ctx, `SELECT m.item_id, m.site_id, m.erp_item_code, m.erp_unit, m.factor, m.updated_at,
			i.part_number, COALESCE(s.code, '')
		FROM item_mappings m JOIN items i ON i.id = m.item_id LEFT JOIN sites s ON s.id = m.site_id
		WHERE ? = '' OR m.site_id = ? OR m.site_id = '' ORDER BY i.part_number, m.site_id`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (m MappedItem, err error) {
		err = r.Scan(&m.ItemID, &m.SiteID, &m.ERPItemCode, &m.ERPUnit, &m.Factor, (*dbTime)(&m.UpdatedAt), &m.PartNumber, &m.SiteCode)
		return m, err
	})
}

// UnmappedCostCenter is a cost center of a site's assets with no ERP
// mapping where the site needs one.
type UnmappedCostCenter struct {
	CostCenter, SiteID, SiteCode string
	Assets                       int
}

// UnmappedCostCenters lists, for every site (or one) that some cost-center
// mapping applies to, the cost centers its assets carry that have none, by
// site and cost center.
func (tx *Tx) UnmappedCostCenters(ctx context.Context, siteID string) ([]UnmappedCostCenter, error) {
	rows, err := tx.query(ctx, `SELECT a.cost_center, s.id, s.code, COUNT(*) FROM assets a JOIN sites s ON s.id = a.site_id
		WHERE a.cost_center <> '' AND (? = '' OR s.id = ?)
			AND EXISTS (SELECT 1 FROM cost_center_mappings m WHERE m.site_id = s.id OR m.site_id = '')
			AND NOT EXISTS (SELECT 1 FROM cost_center_mappings m
				WHERE m.cost_center = a.cost_center AND (m.site_id = s.id OR m.site_id = ''))
		GROUP BY a.cost_center, s.id, s.code ORDER BY s.code, a.cost_center`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (u UnmappedCostCenter, err error) {
		err = r.Scan(&u.CostCenter, &u.SiteID, &u.SiteCode, &u.Assets)
		return u, err
	})
}

// WaitingEventsOfKind lists the events of a kind not yet applied, in
// sequence order.
func (tx *Tx) WaitingEventsOfKind(ctx context.Context, kind integration.EventKind) ([]integration.Event, error) {
	rows, err := tx.query(ctx, `SELECT seq, kind, document_key, payload, received_at FROM inbound_events
		WHERE status = 'waiting' AND kind = ? ORDER BY seq`, kind)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (ev integration.Event, err error) {
		var payload string
		err = r.Scan(&ev.Seq, &ev.Kind, &ev.DocumentKey, &payload, (*dbTime)(&ev.At))
		ev.Payload = json.RawMessage(payload)
		return ev, err
	})
}

// SetOutboxPayload replaces the message an outbox row will send, keeping
// its idempotency key: a failed message rebuilt from fixed master data.
// The ERP never applied it, so the key is free for the new content.
func (tx *Tx) SetOutboxPayload(ctx context.Context, id string, m integration.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE integration_messages SET message = ? WHERE id = ?`, string(b), id)
	return err
}

// ERPItemUnits lists the code and unit of every item of the ERP's item
// master, by code.
func (tx *Tx) ERPItemUnits(ctx context.Context) ([]integration.MasterItem, error) {
	rows, err := tx.query(ctx, `SELECT code, unit FROM erp_items ORDER BY code`)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (it integration.MasterItem, err error) {
		err = r.Scan(&it.ERPItemCode, &it.Unit)
		return it, err
	})
	if out == nil {
		out = []integration.MasterItem{}
	}
	return out, err
}
