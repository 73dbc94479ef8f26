package workorder

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Craft is a trade labor is booked in (mechanic, electrician), with the
// hourly rate labor of the craft costs. A craft of SiteID "" applies at
// every site; a site's own craft of the same code takes precedence there.
type Craft struct {
	ID        string           `json:"id"`
	Code      string           `json:"code"`
	SiteID    string           `json:"site_id"`
	Name      string           `json:"name"`
	Rate      millwright.Money `json:"rate"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// CraftTx is what the craft use-cases need from a transaction; *store.Tx
// satisfies it.
type CraftTx interface {
	Now() time.Time
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
	// CraftAt returns the craft of code that applies at a site: the
	// site's own, else the one of every site; NotFound when neither exists.
	CraftAt(ctx context.Context, code, siteID string) (*Craft, error)
	// CraftOf returns the craft of code saved for exactly siteID ("" for
	// every site); NotFound when there is none.
	CraftOf(ctx context.Context, code, siteID string) (*Craft, error)
	SaveCraft(ctx context.Context, c *Craft) error
	// Crafts lists the crafts of a site and of every site ("" lists all).
	Crafts(ctx context.Context, siteID string) ([]Craft, error)
}

var craftCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

// SaveCraft creates a craft, or changes the name and rate of the craft of
// the same code at the same site. A user limited to a site saves crafts
// of that site only.
func SaveCraft(ctx context.Context, tx CraftTx, in Craft) (*Craft, error) {
	in.Code, in.Name, in.SiteID = strings.ToLower(strings.TrimSpace(in.Code)), strings.TrimSpace(in.Name), strings.TrimSpace(in.SiteID)
	if own := millwright.PrincipalFrom(ctx).SiteID; own != "" && in.SiteID == "" {
		in.SiteID = own
	}
	switch {
	case in.Code == "":
		return nil, missing("code", "a short name for the craft, such as mechanic")
	case !craftCode.MatchString(in.Code):
		return nil, millwright.Errorf(millwright.Invalid, "invalid_code",
			"code %q: use up to 40 lower-case letters, digits, '-', '_' or '.', such as mechanic or electrician-hv", in.Code)
	case in.Name == "":
		return nil, missing("name", "what the craft is called, such as Mechanic")
	case !in.Rate.IsPositive():
		return nil, millwright.Errorf(millwright.Invalid, "invalid_rate",
			"rate must be more than 0 per hour, got %s; it is what an hour of this craft costs, such as \"48.00\"", in.Rate)
	}
	if err := millwright.CheckSite(ctx, in.SiteID); err != nil {
		return nil, err
	}
	now := tx.Now()
	old, err := tx.CraftOf(ctx, in.Code, in.SiteID)
	switch {
	case err == nil:
		before := *old
		old.Name, old.Rate, old.UpdatedAt = in.Name, in.Rate, now
		if err := tx.SaveCraft(ctx, old); err != nil {
			return nil, err
		}
		return old, tx.Audit(ctx, "craft", old.ID, "update", before, old)
	case millwright.ErrorKind(err) != millwright.NotFound:
		return nil, err
	}
	c := &Craft{ID: millwright.NewID("crf"), Code: in.Code, SiteID: in.SiteID, Name: in.Name, Rate: in.Rate, CreatedAt: now, UpdatedAt: now}
	if err := tx.SaveCraft(ctx, c); err != nil {
		return nil, err
	}
	return c, tx.Audit(ctx, "craft", c.ID, "create", nil, c)
}

// Crafts lists the crafts the caller sees: those of its site and those of
// every site; for a user of every site, all of them.
func Crafts(ctx context.Context, tx CraftTx) ([]Craft, error) {
	return tx.Crafts(ctx, millwright.PrincipalFrom(ctx).SiteID)
}

// CheckUserCraft checks the craft a user is given and returns its code as
// stored: "" for none, else the code of a craft that applies at the
// user's site (the site's own or one of every site), so that labor the
// user logs without a rate takes the craft's.
func CheckUserCraft(ctx context.Context, tx CraftTx, code, siteID string) (string, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		return "", nil
	}
	_, err := tx.CraftAt(ctx, code, siteID)
	if millwright.ErrorKind(err) == millwright.NotFound {
		where := "at every site"
		if siteID != "" {
			where = "at the user's site or at every site"
		}
		return "", millwright.Errorf(millwright.Rule, "unknown_craft",
			"craft %s does not exist %s; add the craft with its hourly rate first, or leave craft out", code, where)
	}
	return code, err
}

// laborRate settles the craft and rate of a labor entry on w. A rate
// given is kept. Without one, the rate is the craft's: the craft named,
// else the technician's own craft. Labor with neither a rate nor a craft
// with a rate is refused, saying how to fix it.
func laborRate(ctx context.Context, tx Tx, w *WorkOrder, in *NewLabor) error {
	in.Craft = strings.TrimSpace(in.Craft)
	if in.Rate != nil {
		return nil
	}
	code := in.Craft
	if code == "" {
		u, err := tx.UserCraft(ctx, strings.TrimSpace(in.Technician))
		if err != nil && millwright.ErrorKind(err) != millwright.NotFound {
			return err
		}
		code = u
	}
	if code == "" {
		return millwright.Errorf(millwright.Invalid, "missing_rate",
			"rate is required: %s has no craft and none was given; send rate (such as \"48.00\") or the code of a craft with a rate (GET /api/v1/crafts), or ask an administrator to give the user a craft",
			strings.TrimSpace(in.Technician))
	}
	c, err := tx.CraftAt(ctx, strings.ToLower(code), w.SiteID)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return millwright.Errorf(millwright.Invalid, "unknown_craft",
			"craft %q has no rate at this site; send rate (such as \"48.00\"), or ask a planner to add the craft with its hourly rate (POST /api/v1/crafts)", code)
	}
	if err != nil {
		return err
	}
	in.Craft, in.Rate = c.Code, &c.Rate
	return nil
}
