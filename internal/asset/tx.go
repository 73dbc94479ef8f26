package asset

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// Tx is what the plant's use-cases need from a database transaction.
// *store.Tx satisfies it. The ForUpdate reads lock the record until the
// transaction ends; a change reads what it changes that way, so that
// concurrent changes queue instead of overwriting each other.
type Tx interface {
	Site(ctx context.Context, id string) (*Site, error)
	SiteForUpdate(ctx context.Context, id string) (*Site, error)
	Sites(ctx context.Context, siteID, cursor string, limit int) (millwright.Page[Site], error)
	CreateSite(ctx context.Context, s *Site) error
	SaveSite(ctx context.Context, s *Site) error
	Location(ctx context.Context, id string) (*Location, error)
	LocationForUpdate(ctx context.Context, id string) (*Location, error)
	CreateLocation(ctx context.Context, l *Location) error
	SaveLocation(ctx context.Context, l *Location) error
	Class(ctx context.Context, id string) (*Class, error)
	ClassForUpdate(ctx context.Context, id string) (*Class, error)
	CreateClass(ctx context.Context, c *Class) error
	SaveClass(ctx context.Context, c *Class) error
	ClassBOM(ctx context.Context, classID string) ([]BOMLine, error)
	SetClassBOM(ctx context.Context, classID string, lines []BOMLine) error
	Asset(ctx context.Context, id string) (*Asset, error)
	AssetForUpdate(ctx context.Context, id string) (*Asset, error)
	Assets(ctx context.Context, f Filter) (millwright.Page[Asset], error)
	CreateAsset(ctx context.Context, a *Asset) error
	SaveAsset(ctx context.Context, a *Asset) error
	AssetBOM(ctx context.Context, assetID string) ([]BOMLine, error)
	SetAssetBOM(ctx context.Context, assetID string, lines []BOMLine) error
	Item(ctx context.Context, id string) (*inventory.Item, error)
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
}

// Filter selects assets for a list. Empty fields select everything.
type Filter struct {
	SiteID     string
	ClassID    string
	ParentID   string
	LocationID string
	Query      string // part of the tag or name, any case
	Cursor     string
	Limit      int
}

// LocationFilter selects locations for a list. Empty fields select everything.
type LocationFilter struct {
	SiteID   string
	ParentID string
	Cursor   string
	Limit    int
}

// NullBool is a PATCH field whose null has a meaning of its own: it tells
// a field left out (keep the value) from null (clear it) and from a value.
type NullBool struct {
	Set   bool  // the body named the field
	Value *bool // nil for null
}

// UnmarshalJSON records that the field was sent, null included.
func (n *NullBool) UnmarshalJSON(b []byte) error {
	n.Set = true
	return json.Unmarshal(b, &n.Value)
}

// missing is the error for a required field left empty.
func missing(field, what string) error {
	return millwright.Errorf(millwright.Invalid, "missing_field",
		"%s is required for %s; send it in the request body", field, what)
}

// checkCode refuses codes that cannot name a record in MQTT topics and
// URLs: no spaces, slashes or MQTT wildcards.
func checkCode(field, code string) error {
	if strings.ContainsAny(code, " \t\r\n/+#") {
		return millwright.Errorf(millwright.Invalid, "invalid_code",
			"%s %q may not hold spaces, slashes, + or #: it names the record in MQTT topics and URLs", field, code)
	}
	return nil
}

// related turns the NotFound error of a record named in the body into a
// Rule error: the request is well formed but points at nothing.
func related(err error, code, format string, args ...any) error {
	if millwright.ErrorKind(err) == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, code, format, args...)
	}
	return err
}

// maxDepth bounds a walk up a hierarchy, so damaged data cannot loop forever.
const maxDepth = 1000

// checkParent checks that parentID may be the parent of the record id of
// site siteID: the parent exists, is of the same site, and is not the
// record itself or one of its descendants. up returns the site and parent
// of a record. what names the kind of record in messages.
func checkParent(what, id, siteID, parentID string, up func(id string) (site, parent string, err error)) error {
	if parentID == "" {
		return nil
	}
	for cur, depth := parentID, 0; cur != ""; depth++ {
		if cur == id {
			return millwright.Errorf(millwright.Rule, what+"_cycle",
				"%s %s cannot be placed under %s: that is the %s itself or one of its descendants; pick a parent outside its branch",
				what, id, parentID, what)
		}
		if depth > maxDepth {
			return fmt.Errorf("%s hierarchy above %s is deeper than %d levels", what, parentID, maxDepth)
		}
		site, parent, err := up(cur)
		if depth == 0 {
			if err != nil {
				return related(err, "unknown_parent", "parent %s %s does not exist; use the id of an existing %s", what, parentID, what)
			}
			if site != siteID {
				return millwright.Errorf(millwright.Rule, "parent_other_site",
					"parent %s %s belongs to another site; a %s's parent must be of its own site", what, parentID, what)
			}
		}
		if err != nil {
			return err
		}
		cur = parent
	}
	return nil
}
