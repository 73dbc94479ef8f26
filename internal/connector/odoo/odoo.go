// Package odoo is the connector to Odoo 19 over its JSON-2 API
// (POST /json/2/<model>/<method>, bearer API key): an
// integration.Connector.
//
// Odoo keeps no idempotency keys, so every document the connector creates
// carries the message's key in a field Odoo keeps, and the connector looks
// for it before creating (see Markers): a retry after a lost answer, or
// after a failure half-way through a message of several calls, finds what
// the first attempt made and goes on from there.
//
// Odoo has no event log either. Events are read by polling each kind of
// record Odoo changes by a date it keeps (write_date, date_approve,
// date_done) and id; an event's Seq encodes that date, the kind of record
// and the id, so the dispatcher's one persisted position (last_event_seq)
// is the polling watermark, and a poll from the same position answers the
// same events. See Events.
package odoo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// Connector is Odoo 19 as the CMMS sees it. Use New.
type Connector struct {
	cfg Config
	c   *client
	// Now is the CMMS's clock, for the settle delay of polling.
	Now func() time.Time
	// Settle overrides the settings' settle_delay when not negative.
	Settle time.Duration

	mu    sync.Mutex
	cache map[string]int // model/name → id of records that do not move: units, locations, partners, analytic accounts
}

var (
	_ integration.Connector        = (*Connector)(nil)
	_ integration.Reconciler       = (*Connector)(nil)
	_ integration.MasterDataReader = (*Connector)(nil)
)

// New returns a connector to the Odoo cfg names. httpClient may be nil
// (a client with cfg's timeout is used). New makes no call to Odoo: Check
// does.
func New(cfg Config, httpClient *http.Client) (*Connector, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: cfg.timeout()}
	}
	return &Connector{cfg: cfg, Settle: -1, cache: map[string]int{},
		c: &client{url: strings.TrimRight(cfg.URL, "/"), database: cfg.Database, key: cfg.apiKey, http: httpClient,
			breaker: &remote.Breaker{}, retries: 4, maxWait: 30 * time.Second}}, nil
}

func (c *Connector) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c *Connector) settle() time.Duration {
	if c.Settle >= 0 {
		return c.Settle
	}
	return or(c.cfg.SettleDelay.Duration, 10*time.Second)
}

// Markers: where the connector writes a message's idempotency key, per
// Odoo document, so that it finds the document again before creating one.
const (
	// markerPrefix starts every key the connector writes into Odoo:
	//   purchase.requisition.reference          MW:<key>
	//   purchase.order.origin                   MW:<key> (draft_purchase_order mode, one order per vendor)
	//   stock.picking.origin                    MW:<key> (a stock movement)
	//   account.analytic.line.ref               MW:<key> (labor), MW:<key>#parts (the cost of an issue)
	//   maintenance.request.name                the work order number (one per work order)
	//   product.product.default_code            the ERP item code (the item's own key)
	markerPrefix = "MW:"
)

func ref(key string) string { return markerPrefix + key }

// Send applies m in Odoo once per idempotency key; see
// integration.Connector. It answers the events Odoo's records show right
// after, with the Seq a poll gives them, so the two are one event.
func (c *Connector) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	if m.IdempotencyKey == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "a message needs an idempotency_key, so that a retry has no second effect")
	}
	var events []integration.Event
	var err error
	switch m.Kind {
	case integration.KindRequisitionRequest:
		var p integration.RequisitionRequest
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		events, err = c.requisition(ctx, m, p)
	case integration.KindStockMovement:
		var p integration.StockMovement
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		err = c.stockMovement(ctx, m, p)
	case integration.KindStockLevel:
		var p integration.StockLevel
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		events, err = c.stockLevel(ctx, m, p)
	case integration.KindLaborCost:
		var p integration.LaborCost
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		err = c.laborCost(ctx, m, p)
	case integration.KindWorkOrderStatus:
		var p integration.WorkOrderStatus
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		err = c.workOrderStatus(ctx, p)
	case integration.KindItemMaster:
		var p integration.ItemMaster
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		err = c.itemMaster(ctx, p)
	default:
		return nil, millwright.Errorf(millwright.Invalid, "bad_message", "message %s has kind %q, which the Odoo connector does not know", m.IdempotencyKey, m.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("odoo: %s %s: %w", m.Kind, m.IdempotencyKey, err)
	}
	if events == nil {
		events = []integration.Event{}
	}
	return events, nil
}

// Health makes one cheap authenticated call: Odoo answers, and takes the key.
func (c *Connector) Health(ctx context.Context) error {
	var n int
	return c.c.call(ctx, "res.partner", "search_count", map[string]any{"domain": []any{[]any{"id", "=", 0}}}, &n)
}
