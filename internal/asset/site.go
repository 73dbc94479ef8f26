package asset

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // time zones are checked the same on every machine, with or without a zoneinfo database

	"github.com/millwright-cmms/millwright"
)

// DefaultCurrency is the currency of the first site when its creator names
// none. The embedded ERP keeps one ledger whose amounts carry no currency, so
// every later site without one takes the first site's (see CreateSite).
const DefaultCurrency = "USD"

// DefaultTimeZone is the time zone of a site whose creator names none.
const DefaultTimeZone = "UTC"

// Validate checks a site's fields, trimming them and upper-casing its currency.
func (s *Site) Validate() error {
	s.Code, s.Name = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name)
	s.Currency, s.TimeZone = strings.ToUpper(strings.TrimSpace(s.Currency)), strings.TrimSpace(s.TimeZone)
	switch {
	case s.Code == "":
		return missing("code", "a site")
	case s.Name == "":
		return missing("name", "a site")
	case s.Currency == "":
		return missing("currency", "a site")
	case s.TimeZone == "":
		return missing("time_zone", "a site")
	}
	if err := checkCode("site code", s.Code); err != nil {
		return err
	}
	if !isCurrency(s.Currency) {
		return millwright.Errorf(millwright.Invalid, "invalid_currency",
			"currency %q is not an ISO 4217 code; use three letters such as EUR or USD, or leave currency out for the first site's", s.Currency)
	}
	// "Local" is whatever the server runs in; a site's zone must not move with the server.
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		return millwright.Errorf(millwright.Invalid, "invalid_time_zone",
			"time_zone %q is not an IANA zone; use a name such as Europe/Berlin, America/Chicago or UTC, or leave time_zone out for UTC", s.TimeZone)
	}
	return nil
}

func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// SitePatch is a change to a site; nil fields stay as they are. The code
// cannot change: it names the site in tokens, MQTT topics and ERP mappings.
type SitePatch struct {
	Code     *string `json:"code"`
	Name     *string `json:"name"`
	Currency *string `json:"currency"`
	TimeZone *string `json:"time_zone"`
}

// CreateSite creates a site. A user limited to one site may not create another.
// A site given no currency takes the first site's, or DefaultCurrency when it
// is the first: the embedded ERP's ledger adds the amounts of every site
// together, so they had better be in one currency. A site given no time zone
// is in DefaultTimeZone.
func CreateSite(ctx context.Context, tx Tx, s *Site) error {
	if p := millwright.PrincipalFrom(ctx); p.SiteID != "" {
		return millwright.Errorf(millwright.Forbidden, "site_forbidden",
			"user %s is limited to one site and cannot create sites; ask an administrator for every site", p.Username)
	}
	if strings.TrimSpace(s.Currency) == "" {
		first, err := tx.Sites(ctx, "", "", 1)
		if err != nil {
			return err
		}
		s.Currency = DefaultCurrency
		if len(first.Items) > 0 {
			s.Currency = first.Items[0].Currency
		}
	}
	if strings.TrimSpace(s.TimeZone) == "" {
		s.TimeZone = DefaultTimeZone
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := tx.CreateSite(ctx, s); err != nil {
		return err
	}
	return tx.Audit(ctx, "site", s.ID, "create", nil, s)
}

// GetSite returns a site the caller may see.
func GetSite(ctx context.Context, tx Tx, id string) (*Site, error) {
	s, err := tx.Site(ctx, id)
	if err != nil {
		return nil, err
	}
	return s, millwright.CheckSite(ctx, s.ID)
}

// UpdateSite changes a site's name, currency or time zone.
func UpdateSite(ctx context.Context, tx Tx, id string, p SitePatch) (*Site, error) {
	s, err := tx.SiteForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, s.ID); err != nil {
		return nil, err
	}
	before := *s
	if p.Code != nil && strings.TrimSpace(*p.Code) != s.Code {
		return nil, millwright.Errorf(millwright.Invalid, "immutable_field",
			"site %s keeps its code: it names the site in tokens, MQTT topics and ERP mappings; create a new site instead", s.Code)
	}
	set(&s.Name, p.Name)
	set(&s.Currency, p.Currency)
	set(&s.TimeZone, p.TimeZone)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := tx.SaveSite(ctx, s); err != nil {
		return nil, err
	}
	return s, tx.Audit(ctx, "site", s.ID, "update", before, s)
}

// set copies *v to *dst when v is not nil.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
