package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/connector/odoo"
	"github.com/millwright-cmms/millwright/internal/connector/odoo/odoofake"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// odooTiming is the Odoo connector's polling: settle_delay (changes
// younger than it are left to a later poll) and poll_interval.
type odooTiming struct{ settle, poll time.Duration }

func (t odooTiming) String() string { return fmt.Sprintf("%s/%s", t.settle, t.poll) }

// parseOdooTimings reads -odoo: "settle/poll" pairs, comma-separated.
func parseOdooTimings(s string) ([]odooTiming, error) {
	var out []odooTiming
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		a, b, ok := strings.Cut(p, "/")
		settle, err1 := time.ParseDuration(a)
		poll, err2 := time.ParseDuration(b)
		if !ok || err1 != nil || err2 != nil || settle < 0 || poll <= 0 {
			return nil, fmt.Errorf("-odoo %q: want settle/poll pairs such as 10s/5s,1s/200ms", p)
		}
		out = append(out, odooTiming{settle, poll})
	}
	return out, nil
}

const odooKey = "bench-odoo-api-key"

// measureOdoo runs the flow measurements with the Odoo 19 connector against
// the fake Odoo (odoofake) on loopback, as `serve --connector odoo` runs
// it: the CMMS on a fresh demo plant; Odoo with what its administrator
// made to match the plant (a vendor per item vendor, a unit per item unit,
// an analytic account per cost center, a location per storeroom). The
// connector creates a purchase agreement per released work order; the
// bench then works it as Odoo's users do, through the fake's helpers
// (confirm the agreement, order it, confirm the order, validate the
// receipt, post the bill), and the CMMS learns of each by polling, every
// t.poll, the changes older than t.settle.
func measureOdoo(ctx context.Context, e store.Engine, pg string, d time.Duration, t odooTiming) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	label := fmt.Sprintf("%s/odoo-%s", e, t.settle)
	cmmsDB, closeCMMS, err := freshStore(ctx, e, pg)
	if err != nil {
		return err
	}
	defer closeCMMS()
	res, err := loadDemo(ctx, cmmsDB)
	if err != nil {
		return err
	}

	fake := odoofake.New(odooKey)
	odooSrv := httptest.NewServer(fake)
	defer odooSrv.Close()
	side, settings, err := setUpOdoo(ctx, cmmsDB, fake)
	if err != nil {
		return err
	}
	settings["url"] = odooSrv.URL
	settings["api_key_env"] = "ODOO_API_KEY"
	settings["requisition_mode"] = odoo.ModeRequisition
	settings["settle_delay"] = t.settle.String()
	settings["poll_interval"] = t.poll.String()
	b, _ := json.Marshal(settings)
	cfg, err := odoo.ParseConfig(b, func(k string) string { return map[string]string{"ODOO_API_KEY": odooKey}[k] })
	if err != nil {
		return err
	}
	conn, err := odoo.New(cfg, nil)
	if err != nil {
		return err
	}
	dispatcher := &outbox.Dispatcher{DB: cmmsDB, Connector: conn, Log: quiet, PollInterval: conn.PollInterval()}
	cmmsSrv := httptest.NewServer(httpapi.New(cmmsDB, quiet, httpapi.WithoutERP("odoo", odooSrv.URL)).WithConnector(conn))
	defer cmmsSrv.Close()

	rctx, stop := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer running.Wait()
	defer stop()
	running.Go(func() { dispatcher.Run(rctx) })

	if err := delivered(ctx, cmmsDB, "Odoo", 2*time.Minute); err != nil {
		return err
	}
	busy, err := firstWorkOrder(ctx, cmmsDB, workorder.InProgress)
	if err != nil {
		return err
	}
	f, err := newFlowBench(client{base: cmmsSrv.URL, tokens: res.Tokens}, side)
	if err != nil {
		return err
	}
	// The last event of a flow (the bill) reaches the CMMS at the first
	// poll after it settles.
	f.wait = 30*time.Second + t.settle + t.poll
	f.where = "Odoo"
	fmt.Printf("%-17s %-28s   (settle_delay %s, poll_interval %s)\n", label, "  Odoo connector polling", t.settle, t.poll)
	return f.measure(label, busy, d, flowClients, loadRate)
}

// setUpOdoo makes in Odoo what an Odoo administrator makes before the
// plant is connected: the vendors of the CMMS's items, their units (EA is
// Odoo's Units), an analytic account per cost center (coded as the cost
// center), and a location per storeroom (the first, by code, is WH/Stock
// and receives direct items; each other is WH/<code>). It returns Odoo's
// side for the bench and the connector settings that map them.
func setUpOdoo(ctx context.Context, db *store.DB, fake *odoofake.Server) (*odooERP, map[string]any, error) {
	var (
		items      []inventory.Item
		assets     []asset.Asset
		storerooms []inventory.Storeroom
	)
	err := db.View(ctx, func(tx *store.Tx) error {
		ip, err := tx.Items(ctx, inventory.ItemFilter{Limit: 500})
		if err != nil {
			return err
		}
		ap, err := tx.Assets(ctx, asset.Filter{Limit: 500})
		if err != nil {
			return err
		}
		sp, err := tx.Storerooms(ctx, inventory.StoreroomFilter{Limit: 500})
		if err != nil {
			return err
		}
		if ip.NextCursor != "" || ap.NextCursor != "" || sp.NextCursor != "" {
			return fmt.Errorf("the demo plant has more than 500 items, assets or storerooms; the bench maps only the first 500")
		}
		items, assets, storerooms = ip.Items, ap.Items, sp.Items
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	side := &odooERP{fake: fake}
	vendors, units := map[string]bool{}, map[string]bool{"EA": true}
	for _, it := range items {
		if it.Vendor != "" && !vendors[it.Vendor] {
			vendors[it.Vendor] = true
			id, err := fake.Create("res.partner", map[string]any{"name": it.Vendor, "supplier_rank": 1})
			if err != nil {
				return nil, nil, fmt.Errorf("odoo vendor %s: %w", it.Vendor, err)
			}
			if side.vendor == 0 {
				side.vendor = id
			}
		}
		if !units[it.Unit] {
			units[it.Unit] = true
			if _, err := fake.Create("uom.uom", map[string]any{"name": it.Unit, "relative_factor": 1.0}); err != nil {
				return nil, nil, fmt.Errorf("odoo unit %s: %w", it.Unit, err)
			}
		}
	}
	if side.vendor == 0 {
		return nil, nil, fmt.Errorf("the demo's items name no vendor")
	}
	costCenters := map[string]string{}
	for _, a := range assets {
		if cc := a.CostCenter; cc != "" && costCenters[cc] == "" {
			costCenters[cc] = cc
			if _, err := fake.Create("account.analytic.account", map[string]any{"name": "Maintenance " + cc, "code": cc}); err != nil {
				return nil, nil, fmt.Errorf("odoo analytic account %s: %w", cc, err)
			}
		}
	}
	if len(storerooms) == 0 {
		return nil, nil, fmt.Errorf("the demo has no storeroom")
	}
	slices.SortFunc(storerooms, func(a, b inventory.Storeroom) int { return strings.Compare(a.Code, b.Code) })
	wh := fake.IDs("stock.location", []any{"name", "=", "WH"})
	if len(wh) != 1 {
		return nil, nil, fmt.Errorf("the fake Odoo has %d locations WH; want its warehouse's one", len(wh))
	}
	rooms := map[string]any{}
	for i, s := range storerooms {
		loc := "WH/Stock"
		if i > 0 {
			if _, err := fake.Create("stock.location", map[string]any{"name": s.Code, "location_id": wh[0], "usage": "internal"}); err != nil {
				return nil, nil, fmt.Errorf("odoo location for %s: %w", s.Code, err)
			}
			loc = "WH/" + s.Code
		}
		rooms[s.Code] = map[string]any{"location": loc}
	}
	return side, map[string]any{"storerooms": rooms, "direct_storeroom": storerooms[0].Code, "cost_centers": costCenters}, nil
}

// odooERP is Odoo as its users work it, through the fake's helpers (the
// same methods its JSON-2 API runs).
type odooERP struct {
	fake   *odoofake.Server
	vendor int // whom an agreement naming no vendor is ordered from
}

// requisition waits for the purchase agreement whose lines carry work
// order wo: what a buyer sees in Purchase → Agreements.
func (o *odooERP) requisition(wo string, timeout time.Duration) (any, error) {
	deadline := time.Now().Add(timeout)
	for {
		if ids := o.fake.IDs("purchase.requisition", []any{"line_ids.product_description_variants", "like", wo}); len(ids) > 0 {
			return ids[0], nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no purchase agreement in Odoo for %s after %s", wo, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// buy is the buyer confirming the agreement and ordering all of it from
// its vendor, the warehouse validating the receipt, and accounting posting
// the bill at the order's prices.
func (o *odooERP) buy(r any) error {
	req := r.(int)
	if _, err := o.fake.Call("purchase.requisition", "action_confirm", map[string]any{"ids": []int{req}}); err != nil {
		return fmt.Errorf("confirm agreement %d: %w", req, err)
	}
	vendor := o.vendor
	if v, ok := o.fake.Get("purchase.requisition", req)["vendor_id"].(int); ok && v != 0 {
		vendor = v
	}
	po, err := o.fake.OrderFromRequisition(req, vendor)
	if err != nil {
		return fmt.Errorf("order agreement %d: %w", req, err)
	}
	if err := o.fake.ConfirmOrder(po); err != nil {
		return fmt.Errorf("confirm order %d: %w", po, err)
	}
	if err := o.fake.Receive(po, nil); err != nil {
		return fmt.Errorf("receive order %d: %w", po, err)
	}
	if _, err := o.fake.Bill(po, time.Now().Format("2006-01-02"), nil); err != nil {
		return fmt.Errorf("bill order %d: %w", po, err)
	}
	return nil
}
