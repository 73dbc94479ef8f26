package asset

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// Validate checks a location's own fields, trimming them.
func (l *Location) Validate() error {
	l.Code, l.Name = strings.TrimSpace(l.Code), strings.TrimSpace(l.Name)
	l.SiteID, l.ParentID = strings.TrimSpace(l.SiteID), strings.TrimSpace(l.ParentID)
	switch {
	case l.Code == "":
		return missing("code", "a location")
	case l.Name == "":
		return missing("name", "a location")
	case l.SiteID == "":
		return missing("site_id", "a location")
	}
	return checkCode("location code", l.Code)
}

// LocationPatch is a change to a location; nil fields stay as they are.
// A parent_id of "" moves the location to the top of its site.
type LocationPatch struct {
	Code     *string `json:"code"`
	Name     *string `json:"name"`
	ParentID *string `json:"parent_id"`
}

// CreateLocation creates a functional location in a site the caller may change.
func CreateLocation(ctx context.Context, tx Tx, l *Location) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if err := millwright.CheckSite(ctx, l.SiteID); err != nil {
		return err
	}
	if _, err := tx.Site(ctx, l.SiteID); err != nil {
		return related(err, "unknown_site", "site %s does not exist; use the id of an existing site", l.SiteID)
	}
	if err := checkLocationParent(ctx, tx, l); err != nil {
		return err
	}
	if err := tx.CreateLocation(ctx, l); err != nil {
		return err
	}
	return tx.Audit(ctx, "location", l.ID, "create", nil, l)
}

// GetLocation returns a location the caller may see.
func GetLocation(ctx context.Context, tx Tx, id string) (*Location, error) {
	l, err := tx.Location(ctx, id)
	if err != nil {
		return nil, err
	}
	return l, millwright.CheckSite(ctx, l.SiteID)
}

// UpdateLocation changes a location's code, name or parent. It stays in its site.
func UpdateLocation(ctx context.Context, tx Tx, id string, p LocationPatch) (*Location, error) {
	l, err := tx.LocationForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, l.SiteID); err != nil {
		return nil, err
	}
	before := *l
	set(&l.Code, p.Code)
	set(&l.Name, p.Name)
	set(&l.ParentID, p.ParentID)
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if l.ParentID != before.ParentID {
		// Moves within a site queue on the site, so two of them cannot
		// each pass the cycle check and together make a cycle.
		if _, err := tx.SiteForUpdate(ctx, l.SiteID); err != nil {
			return nil, err
		}
		if err := checkLocationParent(ctx, tx, l); err != nil {
			return nil, err
		}
	}
	if err := tx.SaveLocation(ctx, l); err != nil {
		return nil, err
	}
	return l, tx.Audit(ctx, "location", l.ID, "update", before, l)
}

func checkLocationParent(ctx context.Context, tx Tx, l *Location) error {
	return checkParent("location", l.ID, l.SiteID, l.ParentID, func(id string) (string, string, error) {
		p, err := tx.Location(ctx, id)
		if err != nil {
			return "", "", err
		}
		return p.SiteID, p.ParentID, nil
	})
}
