// Package asset is the plant: sites, functional locations, asset classes,
// assets in a hierarchy, and their maintenance bills of materials.
package asset

import (
	"context"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Site is a plant or facility.
type Site struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency"`
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
}

// Location is a functional location: a place in a site where assets are installed.
type Location struct {
	ID        string    `json:"id"`
	SiteID    string    `json:"site_id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	ParentID  string    `json:"parent_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Class is a kind of asset, such as centrifugal pumps.
type Class struct {
	ID                  string    `json:"id"`
	Code                string    `json:"code"`
	Name                string    `json:"name"`
	AutoRequestMaterial bool      `json:"auto_request_material"`
	CreatedAt           time.Time `json:"created_at"`
}

// Asset is a maintained piece of equipment.
type Asset struct {
	ID          string `json:"id"`
	Tag         string `json:"tag"`
	Name        string `json:"name"`
	SiteID      string `json:"site_id"`
	ClassID     string `json:"asset_class_id"`
	ParentID    string `json:"parent_id"`
	LocationID  string `json:"location_id"`
	Criticality int    `json:"criticality"`
	CostCenter  string `json:"cost_center"`
	// AutoRequestMaterial is the asset's own setting; nil inherits the class's.
	AutoRequestMaterial *bool     `json:"auto_request_material"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// BOMLine is a line of a maintenance bill of materials.
type BOMLine struct {
	ID                  string         `json:"id"`
	ItemID              string         `json:"item_id"`
	Quantity            millwright.Qty `json:"quantity"`
	AutoRequestMaterial bool           `json:"auto_request_material"`
}

// Criticality bounds: 1 is the most critical.
const (
	MostCritical    = 1
	LeastCritical   = 5
	DefaultCritical = 3
)

// Validate checks an asset's own fields, trimming them. A criticality of
// 0 (not given) becomes DefaultCritical.
func (a *Asset) Validate() error {
	a.Tag, a.Name, a.SiteID = strings.TrimSpace(a.Tag), strings.TrimSpace(a.Name), strings.TrimSpace(a.SiteID)
	a.ClassID, a.ParentID, a.LocationID = strings.TrimSpace(a.ClassID), strings.TrimSpace(a.ParentID), strings.TrimSpace(a.LocationID)
	a.CostCenter = strings.TrimSpace(a.CostCenter)
	switch {
	case a.Tag == "":
		return missing("tag", "an asset")
	case a.Name == "":
		return missing("name", "an asset")
	case a.SiteID == "":
		return missing("site_id", "an asset")
	}
	if err := checkCode("asset tag", a.Tag); err != nil {
		return err
	}
	if a.Criticality == 0 {
		a.Criticality = DefaultCritical
	}
	if a.Criticality < MostCritical || a.Criticality > LeastCritical {
		return millwright.Errorf(millwright.Invalid, "invalid_criticality",
			"criticality %d is out of range; use 1 (most critical) to 5 (least)", a.Criticality)
	}
	return nil
}

// EffectiveAutoRequestMaterial is the asset's own setting, or its class's
// when it has none. c is the asset's class, nil when it has none.
func (a *Asset) EffectiveAutoRequestMaterial(c *Class) bool {
	if a.AutoRequestMaterial != nil {
		return *a.AutoRequestMaterial
	}
	return c != nil && c.AutoRequestMaterial
}

// Detail is an asset with what it takes from its class.
type Detail struct {
	Asset
	ClassCode                    string `json:"asset_class_code"`
	EffectiveAutoRequestMaterial bool   `json:"effective_auto_request_material"`
}

// Patch is a change to an asset; nil fields stay as they are. An empty
// string clears asset_class_id, parent_id or location_id; a null
// auto_request_material makes the asset inherit its class's.
type Patch struct {
	Tag                 *string  `json:"tag"`
	Name                *string  `json:"name"`
	ClassID             *string  `json:"asset_class_id"`
	ParentID            *string  `json:"parent_id"`
	LocationID          *string  `json:"location_id"`
	Criticality         *int     `json:"criticality"`
	CostCenter          *string  `json:"cost_center"`
	AutoRequestMaterial NullBool `json:"auto_request_material"`
}

// Create creates an asset in a site the caller may change. Its class,
// location and parent must exist, and the last two be of its site.
func Create(ctx context.Context, tx Tx, a *Asset) (*Detail, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	if _, err := tx.Site(ctx, a.SiteID); err != nil {
		return nil, related(err, "unknown_site", "site %s does not exist; use the id of an existing site", a.SiteID)
	}
	if err := checkRefs(ctx, tx, a, nil); err != nil {
		return nil, err
	}
	if err := tx.CreateAsset(ctx, a); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "asset", a.ID, "create", nil, a); err != nil {
		return nil, err
	}
	return detail(ctx, tx, a)
}

// Get returns an asset the caller may see, with what it takes from its class.
func Get(ctx context.Context, tx Tx, id string) (*Detail, error) {
	a, err := get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return detail(ctx, tx, a)
}

func get(ctx context.Context, tx Tx, id string) (*Asset, error) {
	a, err := tx.Asset(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, millwright.CheckSite(ctx, a.SiteID)
}

// getForUpdate is get for a change: the asset stays locked until the
// transaction ends.
func getForUpdate(ctx context.Context, tx Tx, id string) (*Asset, error) {
	a, err := tx.AssetForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, millwright.CheckSite(ctx, a.SiteID)
}

func detail(ctx context.Context, tx Tx, a *Asset) (*Detail, error) {
	d := &Detail{Asset: *a}
	if a.ClassID == "" {
		return d, nil
	}
	c, err := tx.Class(ctx, a.ClassID)
	if err != nil {
		return nil, err
	}
	d.ClassCode, d.EffectiveAutoRequestMaterial = c.Code, a.EffectiveAutoRequestMaterial(c)
	return d, nil
}

// Update changes an asset. It stays in its site; moving it under one of
// its own descendants is refused.
func Update(ctx context.Context, tx Tx, id string, p Patch) (*Detail, error) {
	a, err := getForUpdate(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	before := *a
	set(&a.Tag, p.Tag)
	set(&a.Name, p.Name)
	set(&a.ClassID, p.ClassID)
	set(&a.ParentID, p.ParentID)
	set(&a.LocationID, p.LocationID)
	set(&a.Criticality, p.Criticality)
	set(&a.CostCenter, p.CostCenter)
	if p.AutoRequestMaterial.Set {
		a.AutoRequestMaterial = p.AutoRequestMaterial.Value
	}
	if p.Criticality != nil && *p.Criticality == 0 {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_criticality",
			"criticality 0 is out of range; use 1 (most critical) to 5 (least)")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, tx, a, &before); err != nil {
		return nil, err
	}
	if err := tx.SaveAsset(ctx, a); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "asset", a.ID, "update", before, a); err != nil {
		return nil, err
	}
	return detail(ctx, tx, a)
}

// checkRefs checks the class, location and parent of a, those that
// changed from before (nil for a new asset).
func checkRefs(ctx context.Context, tx Tx, a, before *Asset) error {
	if before == nil {
		before = &Asset{}
	}
	if a.ClassID != "" && a.ClassID != before.ClassID {
		if _, err := tx.Class(ctx, a.ClassID); err != nil {
			return related(err, "unknown_asset_class", "asset class %s does not exist; use the id of an existing class", a.ClassID)
		}
	}
	if a.LocationID != "" && a.LocationID != before.LocationID {
		l, err := tx.Location(ctx, a.LocationID)
		if err != nil {
			return related(err, "unknown_location", "location %s does not exist; use the id of an existing location", a.LocationID)
		}
		if l.SiteID != a.SiteID {
			return millwright.Errorf(millwright.Rule, "location_other_site",
				"location %s belongs to another site; an asset's location must be of its own site", a.LocationID)
		}
	}
	if a.ParentID == before.ParentID {
		return nil
	}
	// Moves within a site queue on the site, so two of them cannot each
	// pass the cycle check and together make a cycle.
	if _, err := tx.SiteForUpdate(ctx, a.SiteID); err != nil {
		return err
	}
	return checkParent("asset", a.ID, a.SiteID, a.ParentID, func(id string) (string, string, error) {
		p, err := tx.Asset(ctx, id)
		if err != nil {
			return "", "", err
		}
		return p.SiteID, p.ParentID, nil
	})
}

// Children lists the direct children of an asset the caller may see.
func Children(ctx context.Context, tx Tx, id, cursor string, limit int) (millwright.Page[Asset], error) {
	a, err := get(ctx, tx, id)
	if err != nil {
		return millwright.Page[Asset]{}, err
	}
	return tx.Assets(ctx, Filter{SiteID: a.SiteID, ParentID: a.ID, Cursor: cursor, Limit: limit})
}

// BOM returns the maintenance BOM of an asset the caller may see.
func BOM(ctx context.Context, tx Tx, assetID string) ([]BOMLine, error) {
	if _, err := get(ctx, tx, assetID); err != nil {
		return nil, err
	}
	return tx.AssetBOM(ctx, assetID)
}

// SetBOM replaces the maintenance BOM of an asset with lines, all at once.
func SetBOM(ctx context.Context, tx Tx, assetID string, lines []BOMLine) ([]BOMLine, error) {
	a, err := getForUpdate(ctx, tx, assetID)
	if err != nil {
		return nil, err
	}
	if err := checkBOM(ctx, tx, lines); err != nil {
		return nil, err
	}
	before, err := tx.AssetBOM(ctx, assetID)
	if err != nil {
		return nil, err
	}
	if err := tx.SetAssetBOM(ctx, assetID, lines); err != nil {
		return nil, err
	}
	return lines, tx.Audit(ctx, "asset", a.ID, "set_bom", before, lines)
}
