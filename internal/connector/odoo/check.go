package odoo

import (
	"context"
	"fmt"
	"sort"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// Gap is one thing the connector needs from Odoo that is missing, with
// its fix.
type Gap struct {
	What string `json:"what"`
	Fix  string `json:"fix"`
}

// Check verifies the connection and the settings against Odoo: reachable,
// the key accepted, the models the connector uses present, every storeroom
// location, analytic account, unit and the default vendor found. It
// answers the gaps; an error means Odoo could not be asked at all (down,
// or the key refused).
func (c *Connector) Check(ctx context.Context) ([]Gap, error) {
	if err := c.Health(ctx); err != nil {
		return nil, err
	}
	var gaps []Gap
	models := []string{"product.product", "uom.uom", "purchase.order", "purchase.order.line", "stock.picking", "stock.move", "stock.quant",
		"stock.location", "account.move", "account.move.line", "account.analytic.account", "account.analytic.line", "res.partner"}
	if c.cfg.mode() == ModeRequisition {
		models = append(models, "purchase.requisition", "purchase.requisition.line")
	}
	if c.cfg.maintenance() {
		models = append(models, "maintenance.request")
	}
	for _, m := range models {
		var n int
		err := c.c.call(ctx, m, "search_count", map[string]any{"domain": []any{}}, &n)
		if millwright.ErrorKind(err) == millwright.NotFound {
			gaps = append(gaps, Gap{What: "Odoo has no model " + m, Fix: "install the Odoo app that has it (Purchase, Purchase Agreements, Inventory, Invoicing, Maintenance)" +
				" or, for maintenance.request, set \"maintenance_requests\": false"})
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	add := func(err error) error {
		if millwright.ErrorCode(err) == "odoo_mapping" {
			e := err.(*millwright.Error)
			gaps = append(gaps, Gap{What: e.Message, Fix: "see the sentence; docs/connectors/odoo.md lists the settings"})
			return nil
		}
		return err
	}
	for _, code := range sortedKeys(c.cfg.Storerooms) {
		if err := add(ignore(c.location(ctx, code))); err != nil {
			return nil, err
		}
	}
	for _, cc := range sortedKeys(c.cfg.CostCenters) {
		if err := add(ignore(c.analytic(ctx, cc))); err != nil {
			return nil, err
		}
	}
	for _, u := range sortedKeys(c.cfg.Units) {
		if err := add(ignore(c.uom(ctx, u))); err != nil {
			return nil, err
		}
	}
	if c.cfg.mode() == ModeDraftOrder || c.cfg.DefaultVendor != "" {
		if err := add(ignore(c.vendor(ctx, c.cfg.DefaultVendor))); err != nil {
			return nil, err
		}
	}
	if err := add(ignore(c.virtualLocation(ctx, c.cfg.ConsumptionLocation, "Virtual Locations/Production", "consumption_location"))); err != nil {
		return nil, err
	}
	if err := add(ignore(c.virtualLocation(ctx, c.cfg.AdjustmentLocation, "Virtual Locations/Inventory adjustment", "adjustment_location"))); err != nil {
		return nil, err
	}
	return gaps, nil
}

// CheckItems lists the ERP item codes Odoo has no product for.
func (c *Connector) CheckItems(ctx context.Context, codes []string) ([]Gap, error) {
	var gaps []Gap
	for _, code := range codes {
		if _, err := c.product(ctx, code); millwright.ErrorCode(err) == "odoo_mapping" {
			gaps = append(gaps, Gap{What: "item " + code + ": no Odoo product has it as Internal Reference",
				Fix: "create the product in Odoo with Internal Reference " + code + ", or send the item master from the CMMS"})
		} else if err != nil {
			return nil, err
		}
	}
	return gaps, nil
}

func ignore(_ int, err error) error { return err }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Balances answers Odoo's stock at each storeroom's location and the cost
// booked on analytic lines per work order; see integration.Reconciler.
func (c *Connector) Balances(ctx context.Context) (*integration.Balances, error) {
	b := &integration.Balances{At: c.now(), Stock: []integration.StockBalance{}, WorkOrderCosts: []integration.WorkOrderCost{}}
	locs, err := c.storeLocations(ctx)
	if err != nil {
		return nil, err
	}
	var ids []any
	for id := range locs {
		ids = append(ids, id)
	}
	var quants []record
	if err := c.c.call(ctx, "stock.quant", "search_read", map[string]any{"domain": []any{[]any{"location_id", "in", ids}},
		"fields": []string{"product_id", "location_id", "quantity"}, "order": "id asc"}, &quants); err != nil {
		return nil, err
	}
	type key struct {
		product int
		wh      string
	}
	sums := map[key]float64{}
	var order []key
	var pids []int
	for _, q := range quants {
		k := key{m2oID(q["product_id"]), locs[m2oID(q["location_id"])]}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
			pids = append(pids, k.product)
		}
		sums[k] += q.num("quantity")
	}
	var prods []record
	if len(pids) > 0 {
		if err := c.c.call(ctx, "product.product", "read", map[string]any{"ids": pids, "fields": []string{"default_code", "standard_price"}}, &prods); err != nil {
			return nil, err
		}
	}
	code, cost := map[int]string{}, map[int]float64{}
	for _, p := range prods {
		code[p.id()], cost[p.id()] = p.str("default_code"), p.num("standard_price")
	}
	for _, k := range order {
		if code[k.product] == "" {
			continue
		}
		b.Stock = append(b.Stock, integration.StockBalance{ERPItemCode: code[k.product], Warehouse: k.wh, SiteID: c.cfg.Storerooms[k.wh].SiteID,
			Quantity: qty(sums[k]), Value: money(sums[k] * cost[k.product])})
	}
	var lines []record
	if err := c.c.call(ctx, "account.analytic.line", "search_read", map[string]any{"domain": []any{[]any{"ref", "=like", markerPrefix + "%"}},
		"fields": []string{"code", "amount"}, "order": "id asc"}, &lines); err != nil {
		return nil, err
	}
	wo := map[string]float64{}
	var wos []string
	for _, l := range lines {
		if _, ok := wo[l.str("code")]; !ok {
			wos = append(wos, l.str("code"))
		}
		wo[l.str("code")] -= l.num("amount")
	}
	direct, err := c.directCosts(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range direct {
		if _, ok := wo[d.wo]; !ok {
			wos = append(wos, d.wo)
		}
		wo[d.wo] += d.amount
	}
	for _, w := range wos {
		b.WorkOrderCosts = append(b.WorkOrderCosts, integration.WorkOrderCost{WorkOrderID: w, Amount: money(wo[w])})
	}
	return b, nil
}

type directCost struct {
	wo     string
	amount float64
}

// directCosts is what Odoo charged each work order for the direct items
// bought for it: a line of one of the connector's confirmed orders that
// serves a work order's direct line costs what its posted bills say, or,
// not billed yet, what it received at the order's price — as the CMMS
// books the receipt and then the invoice. Odoo keeps no analytic line of
// these (the connector sets no analytic distribution on orders), so
// without them every work order with a bought part would differ.
func (c *Connector) directCosts(ctx context.Context) ([]directCost, error) {
	var orders []record
	if err := c.c.call(ctx, "purchase.order", "search_read", map[string]any{"domain": []any{c.ours(""), []any{"state", "in", []any{"purchase", "done"}}},
		"fields": orderFields, "order": "id asc"}, &orders); err != nil {
		return nil, err
	}
	var out []directCost
	for _, o := range orders {
		lines, err := c.orderLines(ctx, o)
		if err != nil {
			return nil, err
		}
		var ids []any
		for _, l := range lines {
			if l.marker.Direct && l.marker.WorkOrder != "" {
				ids = append(ids, l.id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		var billed []record
		if err := c.c.call(ctx, "account.move.line", "search_read", map[string]any{"domain": []any{[]any{"purchase_line_id", "in", ids},
			[]any{"display_type", "=", "product"}, []any{"move_id.move_type", "=", "in_invoice"}, []any{"move_id.state", "=", "posted"}},
			"fields": []string{"purchase_line_id", "quantity", "price_unit"}, "order": "id asc"}, &billed); err != nil {
			return nil, err
		}
		bill := map[int]float64{}
		for _, b := range billed {
			bill[m2oID(b["purchase_line_id"])] += money(b.num("quantity") * b.num("price_unit")).InexactFloat64()
		}
		for _, l := range lines {
			if !l.marker.Direct || l.marker.WorkOrder == "" {
				continue
			}
			amount, ok := bill[l.id]
			if !ok {
				amount = money(l.rec.num("qty_received") * l.rec.num("price_unit")).InexactFloat64()
			}
			if amount != 0 {
				out = append(out, directCost{wo: l.marker.WorkOrder, amount: amount})
			}
		}
	}
	return out, nil
}

// MasterData answers Odoo's products with an Internal Reference and their
// units, and its expense accounts; see integration.MasterDataReader.
func (c *Connector) MasterData(ctx context.Context) (*integration.MasterData, error) {
	md := &integration.MasterData{Items: []integration.MasterItem{}, Accounts: []integration.MasterAccount{}}
	var prods []record
	if err := c.c.call(ctx, "product.product", "search_read", map[string]any{"domain": []any{[]any{"default_code", "!=", false}},
		"fields": []string{"default_code", "uom_id"}, "order": "id asc"}, &prods); err != nil {
		return nil, err
	}
	for _, p := range prods {
		md.Items = append(md.Items, integration.MasterItem{ERPItemCode: p.str("default_code"), Unit: c.cmmsUnit(m2oName(p["uom_id"]))})
	}
	var accs []record
	if err := c.c.call(ctx, "account.account", "search_read", map[string]any{"domain": []any{},
		"fields": []string{"code", "name", "account_type"}, "order": "id asc"}, &accs); err != nil {
		return nil, err
	}
	for _, a := range accs {
		t := a.str("account_type")
		md.Accounts = append(md.Accounts, integration.MasterAccount{Code: a.str("code"), Name: a.str("name"),
			Chargeable: t == "expense" || t == "expense_direct_cost" || t == "expense_depreciation"})
	}
	return md, nil
}

// String names the connector without its key.
func (c *Connector) String() string { return fmt.Sprint(c.cfg) }
