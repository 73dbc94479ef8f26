package store

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// SiteCode returns the code and time zone of the site with id, as a
// message to the ERP names it.
func (tx *Tx) SiteCode(ctx context.Context, id string) (code, timeZone string, err error) {
	s, err := tx.Site(ctx, id)
	if err != nil {
		return "", "", err
	}
	return s.Code, s.TimeZone, nil
}

// StoreroomByCode returns the storeroom with code at a site (at any site
// when siteID is empty, if only one has it): the ERP's warehouse of the
// same code.
func (tx *Tx) StoreroomByCode(ctx context.Context, siteID, code string) (*inventory.Storeroom, error) {
	rows, err := tx.query(ctx, `SELECT `+storeroomCols+` FROM storerooms WHERE (? = '' OR site_id = ?) AND code = ? ORDER BY id`,
		siteID, siteID, code)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, scanStoreroom)
	switch {
	case err != nil:
		return nil, err
	case len(out) == 0:
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "no storeroom has code %s", code)
	case len(out) > 1:
		return nil, millwright.Errorf(millwright.Conflict, "ambiguous_storeroom",
			"%d sites have a storeroom %s and the ERP did not say which site it means", len(out), code)
	}
	return &out[0], nil
}

// ItemByERPCode returns the mapping, at a site, of the CMMS item whose ERP
// item code is code: the site's own mapping wins over a global one.
func (tx *Tx) ItemByERPCode(ctx context.Context, code, siteID string) (*integration.ItemMapping, error) {
	rows, err := tx.query(ctx, `SELECT item_id FROM item_mappings WHERE erp_item_code = ? AND (site_id = ? OR site_id = '')
		ORDER BY site_id DESC, item_id`, code, siteID)
	if err != nil {
		return nil, err
	}
	ids, err := scanAll(rows, func(r interface{ Scan(...any) error }) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		// The item's own mapping at the site must be this one: a global
		// mapping to code may be overridden by the site's to another.
		m, err := tx.ItemMapping(ctx, id, siteID)
		if err != nil {
			return nil, err
		}
		if m.ERPItemCode == code {
			return m, nil
		}
	}
	return nil, millwright.Errorf(millwright.NotFound, "not_found", "no CMMS item is mapped to ERP item %s at site %s", code, siteID)
}

// Who is master of stock: the CMMS (its counts stand; the ERP's levels
// are reported as differences) or the ERP (its levels overwrite the CMMS's).
const (
	StockMasterCMMS = "cmms"
	StockMasterERP  = "erp"
)

// StockMaster returns which side is master of stock; the CMMS unless set.
func (tx *Tx) StockMaster(ctx context.Context) (string, error) {
	v, err := tx.IntegrationState(ctx, "stock_master")
	if v == "" && err == nil {
		v = StockMasterCMMS
	}
	return v, err
}

// SetStockMaster sets which side is master of stock.
func (tx *Tx) SetStockMaster(ctx context.Context, v string) error {
	return tx.SetIntegrationState(ctx, "stock_master", v)
}

// UndeliveredMovements lists the stock movements of a stock row
// ("<storeroom_id>/<item_id>") not yet delivered to the ERP, oldest first:
// the ERP's level does not count them yet.
func (tx *Tx) UndeliveredMovements(ctx context.Context, stockKey string) ([]integration.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages
		WHERE order_key = ? AND kind = ? AND status <> ? ORDER BY id`,
		"stock:"+stockKey, integration.KindStockMovement, integration.StatusDelivered)
	return tx.scanMessages(ctx, rows, err)
}
