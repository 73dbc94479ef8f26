package inventory

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// Validate checks a storeroom's fields, trimming them.
func (s *Storeroom) Validate() error {
	s.Code, s.Name, s.SiteID = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name), strings.TrimSpace(s.SiteID)
	switch {
	case s.Code == "":
		return missing("code", "a storeroom")
	case s.Name == "":
		return missing("name", "a storeroom")
	case s.SiteID == "":
		return missing("site_id", "a storeroom")
	}
	if strings.ContainsAny(s.Code, " \t\r\n/+#") {
		return millwright.Errorf(millwright.Invalid, "invalid_code",
			"storeroom code %q may not hold spaces, slashes, + or #: it names the ERP warehouse", s.Code)
	}
	return nil
}

// CreateStoreroom creates a storeroom in a site the caller may change.
func CreateStoreroom(ctx context.Context, tx Tx, s *Storeroom) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := millwright.CheckSite(ctx, s.SiteID); err != nil {
		return err
	}
	ok, err := tx.SiteExists(ctx, s.SiteID)
	if err != nil {
		return err
	}
	if !ok {
		return millwright.Errorf(millwright.Rule, "unknown_site", "site %s does not exist; use the id of an existing site", s.SiteID)
	}
	if err := tx.CreateStoreroom(ctx, s); err != nil {
		return err
	}
	return tx.Audit(ctx, "storeroom", s.ID, "create", nil, s)
}

// GetStoreroom returns a storeroom the caller may see.
func GetStoreroom(ctx context.Context, tx Tx, id string) (*Storeroom, error) {
	s, err := tx.Storeroom(ctx, id)
	if err != nil {
		return nil, err
	}
	return s, millwright.CheckSite(ctx, s.SiteID)
}
