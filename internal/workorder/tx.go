package workorder

import (
	"context"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// Tx is what work-order use-cases need from a database transaction;
// *store.Tx satisfies it.
type Tx interface {
	Now() time.Time
	Actor() millwright.Principal
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
	NextNumber(ctx context.Context, name string) (int64, error)

	// OutboxTx tells the ERP about stock (inventory.TellERP).
	inventory.OutboxTx

	Site(ctx context.Context, id string) (*asset.Site, error)
	Asset(ctx context.Context, id string) (*asset.Asset, error)
	// SiteAndAsset returns a site and an asset, in one look-up.
	SiteAndAsset(ctx context.Context, siteID, assetID string) (*asset.Site, *asset.Asset, error)
	Class(ctx context.Context, id string) (*asset.Class, error)
	AssetBOM(ctx context.Context, assetID string) ([]asset.BOMLine, error)
	ClassBOM(ctx context.Context, classID string) ([]asset.BOMLine, error)

	Item(ctx context.Context, id string) (*inventory.Item, error)
	Storeroom(ctx context.Context, id string) (*inventory.Storeroom, error)
	// ItemStockAtSite lists the stock of an item in the storerooms of a site.
	ItemStockAtSite(ctx context.Context, siteID, itemID string) ([]inventory.Stock, error)
	StockForUpdate(ctx context.Context, storeroomID, itemID string) (*inventory.Stock, error)
	SaveStock(ctx context.Context, s *inventory.Stock) error
	AddMovement(ctx context.Context, m *inventory.Movement) error

	CreateWorkOrder(ctx context.Context, w *WorkOrder) error
	WorkOrder(ctx context.Context, id string) (*WorkOrder, error)
	// WorkOrderForUpdate is WorkOrder, locked until the transaction ends, so
	// that changes to one work order happen one after the other.
	WorkOrderForUpdate(ctx context.Context, id string) (*WorkOrder, error)
	SaveWorkOrder(ctx context.Context, w *WorkOrder) error
	WorkOrders(ctx context.Context, f Filter) (millwright.Page[WorkOrder], error)
	AddTransition(ctx context.Context, t *TransitionRecord) error
	Transitions(ctx context.Context, workOrderID string) ([]TransitionRecord, error)
	Materials(ctx context.Context, workOrderID string) ([]Material, error)
	// MaterialLine returns a material line, locked until the transaction ends.
	MaterialLine(ctx context.Context, id string) (*Material, error)
	CreateMaterial(ctx context.Context, m *Material) error
	SaveMaterial(ctx context.Context, m *Material) error
	AddLabor(ctx context.Context, l *Labor) error
	LaborEntries(ctx context.Context, workOrderID string) ([]Labor, error)
	// ItemMapping returns an item's ERP cross-reference at a site (the
	// site's own first, then the global one), NotFound when it has none.
	ItemMapping(ctx context.Context, itemID, siteID string) (*integration.ItemMapping, error)
	ItemMappingsAt(ctx context.Context, siteID string, itemIDs []string) (map[string]*integration.ItemMapping, error)
	// The cost-center and account mappings; see integration.ERPCostCenter
	// and integration.ERPAccount.
	integration.MappingReader
	// AutoRequestTrigger returns when work orders of type t request
	// material: TriggerApproval, TriggerRelease or TriggerNever.
	AutoRequestTrigger(ctx context.Context, t Type) (string, error)
	// IntegrationLive reports whether integration is live for a site and
	// asset class (phased rollout), and if not, why in words to act on.
	IntegrationLive(ctx context.Context, siteID, classID string) (bool, string, error)
	// BlockedMaterials lists the blocked material lines of an item, or of
	// every item when itemID is empty.
	BlockedMaterials(ctx context.Context, itemID string) ([]Material, error)
	// WorkOrderMessages lists the outbox messages about a work order, oldest first.
	WorkOrderMessages(ctx context.Context, workOrderID string) ([]integration.OutboxMessage, error)
	// Enqueue writes a message to the outbox in this transaction.
	Enqueue(ctx context.Context, m integration.Message, workOrderID string, materialLineIDs ...string) error
	// WorkOrderEvents lists the ERP events received about a work order, in
	// sequence order.
	WorkOrderEvents(ctx context.Context, workOrderID string) ([]integration.Event, error)
	// WorkOrderMovements lists the stock movements that carry a work order's id.
	WorkOrderMovements(ctx context.Context, workOrderID string) ([]inventory.Movement, error)
	// UserPrincipal returns what the user called username signs in as,
	// NotFound when there is no such user.
	UserPrincipal(ctx context.Context, username string) (millwright.Principal, error)
	// UserCraft returns the code of a user's default craft, "" when it has
	// none; NotFound when there is no such user.
	UserCraft(ctx context.Context, username string) (string, error)
	// CraftAt returns the craft of code that applies at a site (see CraftTx).
	CraftAt(ctx context.Context, code, siteID string) (*Craft, error)
	// The photos and notes of work orders.
	AddAttachment(ctx context.Context, a *Attachment) error
	Attachments(ctx context.Context, workOrderID string) ([]Attachment, error)
	// AttachmentData returns an attachment with its bytes.
	AttachmentData(ctx context.Context, id string) (*Attachment, error)
}

// Filter selects work orders for a list.
type Filter struct {
	SiteID, Status, AssetID, Type string
	AssignedTo                    string // a user name; "" for any
	CreatedBy                     string // the user name of who created (requested) it; "" for any
	Unassigned                    bool   // only the work orders nobody is assigned to
	Priority                      int    // 0: any
	// Query matches part of the number, the title, or the asset's tag or
	// name, in any case (the planning board's search).
	Query string
	// Scheduled bounds the scheduled day site by site, each by its own
	// today (a board over sites in different time zones); with it set,
	// only scheduled work at the sites named matches.
	Scheduled []SiteDays
	Cursor    string
	Limit     int
}

// SiteDays bounds the scheduled day of one site's work (DateLayout,
// inclusive; "" for no bound).
type SiteDays struct{ SiteID, From, To string }

// related turns a not-found error for a resource named in a request body
// into a business-rule error: the path was fine, the body names nothing.
func related(err error, code string) error {
	var e *millwright.Error
	if errors.As(err, &e) && e.Kind == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, code, "%s; check the id in the request body", e.Message)
	}
	return err
}
