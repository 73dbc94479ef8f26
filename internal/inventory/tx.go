package inventory

import (
	"context"

	"github.com/millwright-cmms/millwright"
)

// Tx is what inventory use-cases need from a database transaction.
// *store.Tx satisfies it.
type Tx interface {
	Item(ctx context.Context, id string) (*Item, error)
	ItemForUpdate(ctx context.Context, id string) (*Item, error)
	CreateItem(ctx context.Context, it *Item) error
	SaveItem(ctx context.Context, it *Item) error
	ItemHasStock(ctx context.Context, itemID string) (bool, error)
	SiteExists(ctx context.Context, id string) (bool, error)
	Storeroom(ctx context.Context, id string) (*Storeroom, error)
	CreateStoreroom(ctx context.Context, s *Storeroom) error
	StockForUpdate(ctx context.Context, storeroomID, itemID string) (*Stock, error)
	SaveStock(ctx context.Context, s *Stock) error
	AddMovement(ctx context.Context, m *Movement) error
	// StockMoved reports whether any movement (a count, issue, return or
	// receipt) has changed the stock of an item in a storeroom.
	StockMoved(ctx context.Context, storeroomID, itemID string) (bool, error)
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
	OutboxTx
}

// ItemFilter selects items for a list. Empty fields select everything.
type ItemFilter struct {
	Query     string // part of the part number or description, any case
	StockType string
	Cursor    string
	Limit     int
}

// StoreroomFilter selects storerooms for a list.
type StoreroomFilter struct {
	SiteID string
	Cursor string
	Limit  int
}

// StockFilter selects stock rows for a list.
type StockFilter struct {
	SiteID      string // the storeroom's site
	StoreroomID string
	ItemID      string
	Cursor      string
	Limit       int
}

// MovementFilter selects stock movements for a list.
type MovementFilter struct {
	SiteID      string // the storeroom's site
	StoreroomID string
	ItemID      string
	WorkOrderID string
	Cursor      string
	Limit       int
}

// missing is the error for a required field left empty.
func missing(field, what string) error {
	return millwright.Errorf(millwright.Invalid, "missing_field",
		"%s is required for %s; send it in the request body", field, what)
}

// related turns the NotFound error of a record named in the body into a
// Rule error: the request is well formed but points at nothing.
func related(err error, code, format string, args ...any) error {
	if millwright.ErrorKind(err) == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, code, format, args...)
	}
	return err
}

// set copies *v to *dst when v is not nil.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
