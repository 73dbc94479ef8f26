package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
)

// CreateSite stores a new site.
func (tx *Tx) CreateSite(ctx context.Context, s *asset.Site) error {
	s.ID, s.CreatedAt = millwright.NewID("site"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO sites (id, code, name, currency, time_zone, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.Code, s.Name, s.Currency, s.TimeZone, s.CreatedAt)
	return duplicate(err, "a site with code %s already exists; site codes are unique", s.Code)
}

const siteCols = `id, code, name, currency, time_zone, created_at`

func scanSite(r interface{ Scan(...any) error }) (asset.Site, error) {
	var s asset.Site
	err := r.Scan(&s.ID, &s.Code, &s.Name, &s.Currency, &s.TimeZone, (*dbTime)(&s.CreatedAt))
	return s, err
}

// Site returns the site with id.
func (tx *Tx) Site(ctx context.Context, id string) (*asset.Site, error) {
	s, err := scanSite(tx.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "site %s does not exist", id)
	}
	return &s, err
}

// SiteByCode returns the site with code.
func (tx *Tx) SiteByCode(ctx context.Context, code string) (*asset.Site, error) {
	s, err := scanSite(tx.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "site %s does not exist", code)
	}
	return &s, err
}

// Sites lists sites by id; siteID, when set, limits the list to that site.
func (tx *Tx) Sites(ctx context.Context, siteID, cursor string, limit int) (millwright.Page[asset.Site], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+siteCols+` FROM sites
		WHERE id > ? AND (? = '' OR id = ?) ORDER BY id LIMIT ?`, cursor, siteID, siteID, n)
	if err != nil {
		return millwright.Page[asset.Site]{}, err
	}
	defer rows.Close()
	var out []asset.Site
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return millwright.Page[asset.Site]{}, err
		}
		out = append(out, s)
	}
	return millwright.NewPage(out, n, func(s asset.Site) string { return s.ID }), rows.Err()
}

// CreateClass stores a new asset class.
func (tx *Tx) CreateClass(ctx context.Context, c *asset.Class) error {
	c.ID, c.CreatedAt = millwright.NewID("acl"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO asset_classes (id, code, name, auto_request_material, created_at)
		VALUES (?, ?, ?, ?, ?)`, c.ID, c.Code, c.Name, c.AutoRequestMaterial, c.CreatedAt)
	return duplicate(err, "an asset class with code %s already exists", c.Code)
}

// Class returns the asset class with id.
func (tx *Tx) Class(ctx context.Context, id string) (*asset.Class, error) {
	var c asset.Class
	err := tx.queryRow(ctx, `SELECT id, code, name, auto_request_material, created_at FROM asset_classes WHERE id = ?`, id).
		Scan(&c.ID, &c.Code, &c.Name, &c.AutoRequestMaterial, (*dbTime)(&c.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset class %s does not exist", id)
	}
	return &c, err
}

const assetCols = `id, tag, name, site_id, asset_class_id, parent_id, location_id, criticality, cost_center, auto_request_material, created_at, updated_at`

func scanAsset(r interface{ Scan(...any) error }) (asset.Asset, error) {
	var (
		a   asset.Asset
		arm sql.NullBool
	)
	err := r.Scan(&a.ID, &a.Tag, &a.Name, &a.SiteID, (*nullStr)(&a.ClassID), (*nullStr)(&a.ParentID), (*nullStr)(&a.LocationID),
		&a.Criticality, &a.CostCenter, &arm, (*dbTime)(&a.CreatedAt), (*dbTime)(&a.UpdatedAt))
	if arm.Valid {
		a.AutoRequestMaterial = &arm.Bool
	}
	return a, err
}

// CreateAsset stores a new asset.
func (tx *Tx) CreateAsset(ctx context.Context, a *asset.Asset) error {
	a.ID, a.CreatedAt, a.UpdatedAt = millwright.NewID("ast"), tx.now, tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO assets (`+assetCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Tag, a.Name, a.SiteID, null(a.ClassID), null(a.ParentID), null(a.LocationID),
		a.Criticality, a.CostCenter, a.AutoRequestMaterial, a.CreatedAt, a.UpdatedAt)
	return duplicate(err, "an asset tagged %s already exists at this site; asset tags are unique per site", a.Tag)
}

// SaveAsset stores changes to an asset.
func (tx *Tx) SaveAsset(ctx context.Context, a *asset.Asset) error {
	a.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `
		UPDATE assets SET tag = ?, name = ?, asset_class_id = ?, parent_id = ?, location_id = ?,
			criticality = ?, cost_center = ?, auto_request_material = ?, updated_at = ?
		WHERE id = ?`,
		a.Tag, a.Name, null(a.ClassID), null(a.ParentID), null(a.LocationID),
		a.Criticality, a.CostCenter, a.AutoRequestMaterial, a.UpdatedAt, a.ID)
	return duplicate(err, "an asset tagged %s already exists at this site; asset tags are unique per site", a.Tag)
}

// Asset returns the asset with id.
func (tx *Tx) Asset(ctx context.Context, id string) (*asset.Asset, error) {
	a, err := scanAsset(tx.queryRow(ctx, `SELECT `+assetCols+` FROM assets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset %s does not exist", id)
	}
	return &a, err
}

// BOM returns the maintenance BOM of an asset (ownerCol "asset_id") or an
// asset class ("asset_class_id"), in line order.
func (tx *Tx) bom(ctx context.Context, ownerCol, ownerID string) ([]asset.BOMLine, error) {
	rows, err := tx.query(ctx, `
		SELECT id, item_id, quantity, auto_request_material FROM bom_lines
		WHERE `+ownerCol+` = ? ORDER BY position`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []asset.BOMLine{}
	for rows.Next() {
		var l asset.BOMLine
		if err := rows.Scan(&l.ID, &l.ItemID, &l.Quantity, &l.AutoRequestMaterial); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AssetBOM returns the maintenance BOM of an asset.
func (tx *Tx) AssetBOM(ctx context.Context, assetID string) ([]asset.BOMLine, error) {
	return tx.bom(ctx, "asset_id", assetID)
}

// ClassBOM returns the maintenance BOM of an asset class.
func (tx *Tx) ClassBOM(ctx context.Context, classID string) ([]asset.BOMLine, error) {
	return tx.bom(ctx, "asset_class_id", classID)
}

func (tx *Tx) setBOM(ctx context.Context, ownerCol, ownerID string, lines []asset.BOMLine) error {
	if _, err := tx.exec(ctx, `DELETE FROM bom_lines WHERE `+ownerCol+` = ?`, ownerID); err != nil {
		return err
	}
	for i := range lines {
		lines[i].ID = millwright.NewID("bom")
		if _, err := tx.exec(ctx, `
			INSERT INTO bom_lines (id, `+ownerCol+`, item_id, quantity, auto_request_material, position)
			VALUES (?, ?, ?, ?, ?, ?)`,
			lines[i].ID, ownerID, lines[i].ItemID, lines[i].Quantity, lines[i].AutoRequestMaterial, i); err != nil {
			return err
		}
	}
	return nil
}

// SetAssetBOM replaces the maintenance BOM of an asset.
func (tx *Tx) SetAssetBOM(ctx context.Context, assetID string, lines []asset.BOMLine) error {
	return tx.setBOM(ctx, "asset_id", assetID, lines)
}

// SetClassBOM replaces the maintenance BOM of an asset class.
func (tx *Tx) SetClassBOM(ctx context.Context, classID string, lines []asset.BOMLine) error {
	return tx.setBOM(ctx, "asset_class_id", classID, lines)
}
