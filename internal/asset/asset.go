// Package asset is the plant: sites, functional locations, asset classes,
// assets in a hierarchy, and their maintenance bills of materials.
package asset

import (
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
