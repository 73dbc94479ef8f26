package odoo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// lineMarker ties an Odoo requisition or order line to the CMMS lines it
// serves; it is written in the line's product_description_variants, which
// Odoo copies from a purchase agreement's line to the order's.
type lineMarker struct {
	Site, WorkOrder, Material, Warehouse string
	Direct                               bool
}

func (l lineMarker) String() string {
	d := "s"
	if l.Direct {
		d = "d"
	}
	return strings.Join([]string{"mw", l.Site, l.WorkOrder, l.Material, d, l.Warehouse}, "|")
}

func parseMarker(s string) (lineMarker, bool) {
	i := strings.Index(s, "mw|")
	if i < 0 {
		return lineMarker{}, false
	}
	f := strings.Split(strings.Fields(s[i:])[0], "|")
	if len(f) != 6 {
		return lineMarker{}, false
	}
	return lineMarker{Site: f[1], WorkOrder: f[2], Material: f[3], Direct: f[4] == "d", Warehouse: f[5]}, true
}

// search answers the ids of model's records matching domain.
func (c *Connector) search(ctx context.Context, model string, domain []any, limit int) ([]int, error) {
	var ids []int
	p := map[string]any{"domain": domain, "order": "id asc"}
	if limit > 0 {
		p["limit"] = limit
	}
	return ids, c.c.call(ctx, model, "search", p, &ids)
}

func (c *Connector) create(ctx context.Context, model string, vals map[string]any) (int, error) {
	var ids []int
	if err := c.c.call(ctx, model, "create", map[string]any{"vals_list": []any{vals}}, &ids); err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, fmt.Errorf("odoo %s/create answered %d ids for one record", model, len(ids))
	}
	return ids[0], nil
}

func (c *Connector) button(ctx context.Context, model, method string, id int) error {
	return c.c.call(ctx, model, method, map[string]any{"ids": []int{id}}, nil)
}

// lookup finds the one record of model whose field is value, caching
// records that do not move. what names it for the error.
func (c *Connector) lookup(ctx context.Context, model, field, value, what, fix string) (int, error) {
	k := model + "/" + field + "/" + value
	c.mu.Lock()
	id, ok := c.cache[k]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	ids, err := c.search(ctx, model, []any{[]any{field, "=", value}}, 2)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, millwright.Errorf(millwright.Invalid, "odoo_mapping", "%s: Odoo has no %s whose %s is %q; %s", what, model, field, value, fix)
	}
	if model != "product.product" {
		c.mu.Lock()
		c.cache[k] = ids[0]
		c.mu.Unlock()
	}
	return ids[0], nil
}

func (c *Connector) product(ctx context.Context, code string) (int, error) {
	if code == "" {
		return 0, millwright.Errorf(millwright.Invalid, "missing_field", "a line names no erp_item_code")
	}
	return c.lookup(ctx, "product.product", "default_code", code, "item "+code,
		"create the product in Odoo (Inventory → Products) with Internal Reference "+code+", or send its item master, then replay the message")
}

func (c *Connector) uomName(unit string) string {
	if n, ok := c.cfg.Units[unit]; ok {
		return n
	}
	if strings.EqualFold(unit, "EA") || unit == "" {
		return "Units"
	}
	return unit
}

func (c *Connector) uom(ctx context.Context, unit string) (int, error) {
	return c.lookup(ctx, "uom.uom", "name", c.uomName(unit), "unit "+unit,
		"map the unit in the settings' units (e.g. \"units\": {\""+unit+"\": \"Units\"}) or create it in Odoo (Inventory → Configuration → Units of Measure)")
}

func (c *Connector) location(ctx context.Context, storeroom string) (int, error) {
	s, ok := c.cfg.Storerooms[storeroom]
	if !ok {
		return 0, millwright.Errorf(millwright.Invalid, "odoo_mapping",
			"storeroom %s has no Odoo location in the settings; add it to storerooms (e.g. \"%s\": {\"location\": \"WH/Stock\"})", storeroom, storeroom)
	}
	return c.lookup(ctx, "stock.location", "complete_name", s.Location, "storeroom "+storeroom,
		"correct its location in the settings' storerooms (the full name Odoo shows, e.g. WH/Stock)")
}

func (c *Connector) virtualLocation(ctx context.Context, name, def, setting string) (int, error) {
	if name == "" {
		name = def
	}
	return c.lookup(ctx, "stock.location", "complete_name", name, setting, "set "+setting+" in the settings to a location Odoo has")
}

func (c *Connector) analytic(ctx context.Context, costCenter string) (int, error) {
	a, ok := c.cfg.CostCenters[costCenter]
	if !ok {
		return 0, millwright.Errorf(millwright.Invalid, "odoo_mapping",
			"cost center %q has no Odoo analytic account in the settings; add it to cost_centers (e.g. \"%s\": \"<analytic account code>\")", costCenter, costCenter)
	}
	fix := "create it in Odoo (Accounting → Configuration → Analytic Accounts) or correct cost_centers"
	id, err := c.lookup(ctx, "account.analytic.account", "code", a, "cost center "+costCenter, fix)
	if millwright.ErrorCode(err) == "odoo_mapping" {
		id, err = c.lookup(ctx, "account.analytic.account", "name", a, "cost center "+costCenter, fix)
	}
	if millwright.ErrorCode(err) == "odoo_mapping" {
		return 0, millwright.Errorf(millwright.Invalid, "odoo_mapping",
			"cost center %s: Odoo has no analytic account whose reference or name is %q; %s", costCenter, a, fix)
	}
	return id, err
}

func (c *Connector) vendor(ctx context.Context, name string) (int, error) {
	if name == "" {
		name = c.cfg.DefaultVendor
	}
	if name == "" {
		return 0, millwright.Errorf(millwright.Invalid, "odoo_mapping",
			"a line names no vendor and the settings no default_vendor; set default_vendor to an Odoo vendor's name")
	}
	return c.lookup(ctx, "res.partner", "name", name, "vendor "+name, "create the vendor in Odoo (Purchase → Orders → Vendors) or correct the name")
}

// orderLine is one line of a requisition or draft order, ready for Odoo.
type orderLine struct {
	vendor string
	vals   map[string]any
}

func (c *Connector) lines(ctx context.Context, m integration.Message, ls []integration.RequisitionLine) ([]orderLine, error) {
	var out []orderLine
	for i, l := range ls {
		pid, err := c.product(ctx, l.ERPItemCode)
		if err != nil {
			return nil, err
		}
		uom, err := c.uom(ctx, l.Unit)
		if err != nil {
			return nil, err
		}
		if l.Quantity.Sign() <= 0 {
			return nil, millwright.Errorf(millwright.Invalid, "invalid_quantity", "line %d (%s): quantity %s must be positive", i+1, l.ERPItemCode, l.Quantity)
		}
		mk := lineMarker{Site: m.SiteID, WorkOrder: l.WorkOrderID, Material: l.MaterialLineID, Warehouse: l.Warehouse, Direct: l.Warehouse == ""}
		if mk.Direct {
			mk.Warehouse = c.cfg.directStoreroom()
		} else if _, err := c.location(ctx, l.Warehouse); err != nil {
			return nil, err
		}
		desc := mk.String()
		if l.Description != "" {
			desc = l.Description + " " + desc
		}
		q, _ := l.Quantity.Float64()
		price, _ := l.EstimatedUnitPrice.Float64()
		out = append(out, orderLine{vendor: l.Vendor, vals: map[string]any{"product_id": pid, "product_qty": q, "price_unit": price,
			"product_uom_id": uom, "product_description_variants": desc}})
	}
	if len(out) == 0 {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "message %s: a requisition needs at least one line", m.IdempotencyKey)
	}
	return out, nil
}

func description(m integration.Message, p integration.RequisitionRequest) string {
	s := fmt.Sprintf("<p>Millwright requisition for site %s, priority %d, cost center %s", m.SiteCode, p.Priority, p.CostCenter)
	if p.WorkOrderNumber != "" {
		s += ", work order " + p.WorkOrderNumber
	}
	return s + ", requested by " + m.Actor + ".</p>"
}

// requisition makes the request's purchase agreement, or its draft
// orders, unless a first attempt did.
func (c *Connector) requisition(ctx context.Context, m integration.Message, p integration.RequisitionRequest) ([]integration.Event, error) {
	lines, err := c.lines(ctx, m, p.Lines)
	if err != nil {
		return nil, err
	}
	key := ref(m.IdempotencyKey)
	if c.cfg.mode() == ModeRequisition {
		ids, err := c.search(ctx, "purchase.requisition", []any{[]any{"reference", "=", key}}, 1)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			var cmds []any
			vendors := map[string]bool{}
			for _, l := range lines {
				cmds = append(cmds, []any{0, 0, l.vals})
				vendors[l.vendor] = true
			}
			vals := map[string]any{"requisition_type": "purchase_template", "reference": key, "description": description(m, p), "line_ids": cmds}
			if len(vendors) == 1 && lines[0].vendor != "" {
				v, err := c.vendor(ctx, lines[0].vendor)
				if err != nil {
					return nil, err
				}
				vals["vendor_id"] = v
			}
			id, err := c.create(ctx, "purchase.requisition", vals)
			if err != nil {
				return nil, err
			}
			ids = []int{id}
		}
		return c.eventsOf(ctx, srcRequisition, ids)
	}
	// Draft purchase orders, one per vendor: each carries the key in
	// origin, so a retry makes only the vendors' orders still missing.
	groups := map[int][]any{}
	var order []int
	for _, l := range lines {
		v, err := c.vendor(ctx, l.vendor)
		if err != nil {
			return nil, err
		}
		if _, ok := groups[v]; !ok {
			order = append(order, v)
		}
		groups[v] = append(groups[v], []any{0, 0, l.vals})
	}
	var existing []struct {
		ID      int `json:"id"`
		Partner any `json:"partner_id"`
	}
	if err := c.c.call(ctx, "purchase.order", "search_read", map[string]any{"domain": []any{[]any{"origin", "=", key}},
		"fields": []string{"partner_id"}, "order": "id asc"}, &existing); err != nil {
		return nil, err
	}
	var ids []int
	have := map[int]bool{}
	for _, e := range existing {
		have[m2oID(e.Partner)] = true
		ids = append(ids, e.ID)
	}
	for _, v := range order {
		if have[v] {
			continue
		}
		id, err := c.create(ctx, "purchase.order", map[string]any{"partner_id": v, "origin": key, "order_line": groups[v], "note": description(m, p)})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return c.eventsOf(ctx, srcOrder, ids)
}

func m2oID(v any) int {
	if l, ok := v.([]any); ok && len(l) > 0 {
		if f, ok := l[0].(float64); ok {
			return int(f)
		}
	}
	return 0
}

func m2oName(v any) string {
	if l, ok := v.([]any); ok && len(l) > 1 {
		s, _ := l[1].(string)
		return s
	}
	return ""
}

// stockMovement moves stock out of (an issue), into (a return) or at (an
// adjustment) the storeroom's location with a validated transfer, and
// charges an issue's or return's value to the cost center's analytic
// account. Each step looks for what an earlier attempt did first.
func (c *Connector) stockMovement(ctx context.Context, m integration.Message, p integration.StockMovement) error {
	if p.Quantity.IsZero() {
		return millwright.Errorf(millwright.Invalid, "invalid_quantity", "a stock movement of %s moves nothing", p.ERPItemCode)
	}
	pid, err := c.product(ctx, p.ERPItemCode)
	if err != nil {
		return err
	}
	store, err := c.location(ctx, p.Warehouse)
	if err != nil {
		return err
	}
	other, err := c.virtualLocation(ctx, c.cfg.ConsumptionLocation, "Virtual Locations/Production", "consumption_location")
	if p.Movement == integration.MoveAdjustment {
		other, err = c.virtualLocation(ctx, c.cfg.AdjustmentLocation, "Virtual Locations/Inventory adjustment", "adjustment_location")
	}
	if err != nil {
		return err
	}
	from, to := store, other
	if p.Quantity.IsPositive() {
		from, to = other, store
	}
	q, _ := p.Quantity.Abs().Float64()
	key := ref(m.IdempotencyKey)
	var found []struct {
		ID    int    `json:"id"`
		State string `json:"state"`
	}
	if err := c.c.call(ctx, "stock.picking", "search_read", map[string]any{"domain": []any{[]any{"origin", "=", key}},
		"fields": []string{"state"}, "limit": 1}, &found); err != nil {
		return err
	}
	var id int
	state := "draft"
	if len(found) == 1 {
		id, state = found[0].ID, found[0].State
	} else {
		types, err := c.search(ctx, "stock.picking.type", []any{[]any{"code", "=", "internal"}}, 1)
		if err != nil {
			return err
		}
		if len(types) == 0 {
			return millwright.Errorf(millwright.Rule, "odoo_mapping", "Odoo has no internal transfer operation type; enable Storage Locations in Inventory settings")
		}
		id, err = c.create(ctx, "stock.picking", map[string]any{"picking_type_id": types[0], "location_id": from, "location_dest_id": to, "origin": key,
			"move_ids": []any{[]any{0, 0, map[string]any{"product_id": pid, "product_uom_qty": q, "quantity": q, "picked": true,
				"location_id": from, "location_dest_id": to, "origin": key}}}})
		if err != nil {
			return err
		}
	}
	if state != "done" {
		if err := c.button(ctx, "stock.picking", "button_validate", id); err != nil {
			return err
		}
	}
	if p.Movement == integration.MoveAdjustment || p.WorkOrderID == "" || p.CostCenter == "" || p.Value.IsZero() {
		return nil
	}
	amount := p.Value.Abs()
	if p.Quantity.IsNegative() {
		amount = amount.Neg()
	}
	return c.analyticLine(ctx, key+"#parts", p.CostCenter, p.WorkOrderID, fmt.Sprintf("Millwright parts %s %s %s", p.Movement, p.Quantity.Abs(), p.ERPItemCode),
		amount.InexactFloat64(), 0, m)
}

// analyticLine books amount (negative: a cost) on the cost center's
// analytic account once per ref; code carries the work order.
func (c *Connector) analyticLine(ctx context.Context, key, costCenter, workOrder, name string, amount, hours float64, m integration.Message) error {
	acc, err := c.analytic(ctx, costCenter)
	if err != nil {
		return err
	}
	ids, err := c.search(ctx, "account.analytic.line", []any{[]any{"ref", "=", key}}, 1)
	if err != nil || len(ids) > 0 {
		return err
	}
	vals := map[string]any{"name": name, "account_id": acc, "amount": amount, "ref": key, "code": workOrder,
		"date": m.At.UTC().Format("2006-01-02")}
	if hours != 0 {
		vals["unit_amount"] = hours
	}
	_, err = c.create(ctx, "account.analytic.line", vals)
	return err
}

func (c *Connector) laborCost(ctx context.Context, m integration.Message, p integration.LaborCost) error {
	if p.WorkOrderID == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "labor cost names no work_order_id")
	}
	h, _ := p.Hours.Float64()
	name := "Millwright labor on work order " + p.WorkOrderID
	if p.Technician != "" {
		name += " by " + p.Technician
	}
	return c.analyticLine(ctx, ref(m.IdempotencyKey), p.CostCenter, p.WorkOrderID, name, -p.Amount.InexactFloat64(), h, m)
}

// kanban is the maintenance.request kanban state of a work-order status.
var kanban = map[string]string{"waiting_for_parts": "blocked", "completed": "done", "closed": "done", "cancelled": "done"}

// workOrderStatus shows the work order as a maintenance.request named
// after its number: made once, then kept in step.
func (c *Connector) workOrderStatus(ctx context.Context, p integration.WorkOrderStatus) error {
	if !c.cfg.maintenance() {
		return nil // the settings say Odoo has no Maintenance app: nothing to show
	}
	if p.WorkOrderNumber == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "work-order status names no work_order_number")
	}
	state := kanban[p.Status]
	if state == "" {
		state = "normal"
	}
	vals := map[string]any{"kanban_state": state,
		"description": fmt.Sprintf("<p>Millwright work order %s (%s) is %s.</p>", p.WorkOrderNumber, p.WorkOrderID, p.Status),
		"archive":     p.Status == "closed" || p.Status == "cancelled"}
	ids, err := c.search(ctx, "maintenance.request", []any{[]any{"name", "=", p.WorkOrderNumber}}, 1)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		vals["name"] = p.WorkOrderNumber
		vals["maintenance_type"] = "corrective"
		_, err = c.create(ctx, "maintenance.request", vals)
		return err
	}
	return c.c.call(ctx, "maintenance.request", "write", map[string]any{"ids": ids, "vals": vals}, nil)
}

// itemMaster creates the product with the item code as its Internal
// Reference, or brings its name and cost up to date.
func (c *Connector) itemMaster(ctx context.Context, p integration.ItemMaster) error {
	if p.ERPItemCode == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "an item master names no erp_item_code")
	}
	uom, err := c.uom(ctx, p.Unit)
	if err != nil {
		return err
	}
	ids, err := c.search(ctx, "product.product", []any{[]any{"default_code", "=", p.ERPItemCode}}, 1)
	if err != nil {
		return err
	}
	name := p.Description
	if name == "" {
		name = p.ERPItemCode
	}
	vals := map[string]any{"name": name, "standard_price": p.Price.InexactFloat64()}
	if len(ids) > 0 {
		return c.c.call(ctx, "product.product", "write", map[string]any{"ids": ids, "vals": vals}, nil)
	}
	vals["default_code"], vals["type"], vals["uom_id"], vals["is_storable"] = p.ERPItemCode, "consu", uom, p.StockType != "direct"
	_, err = c.create(ctx, "product.product", vals)
	return err
}

// stockLevel asks Odoo to replenish a storeroom whose on hand fell below
// its reorder point: a requisition (or draft order) for the reorder
// quantity, or up to the maximum, unless one is still open for the item
// and storeroom.
func (c *Connector) stockLevel(ctx context.Context, m integration.Message, p integration.StockLevel) ([]integration.Event, error) {
	if !p.OnHand.LessThan(p.ReorderPoint.Decimal) {
		return nil, nil
	}
	qty := p.ReorderQuantity
	if p.MaxQuantity.IsPositive() {
		qty = p.MaxQuantity.Sub(p.OnHand)
	}
	if !qty.IsPositive() {
		return nil, nil
	}
	pid, err := c.product(ctx, p.ERPItemCode)
	if err != nil {
		return nil, err
	}
	mark := "|s|" + p.Warehouse
	key := ref(m.IdempotencyKey)
	if c.cfg.mode() == ModeRequisition {
		open, err := c.search(ctx, "purchase.requisition.line", []any{[]any{"product_id", "=", pid},
			[]any{"product_description_variants", "like", mark}, []any{"requisition_id.state", "in", []any{"draft", "confirmed"}},
			[]any{"requisition_id.reference", "!=", key}}, 1)
		if err != nil || len(open) > 0 {
			return nil, err
		}
	} else {
		open, err := c.search(ctx, "purchase.order.line", []any{[]any{"product_id", "=", pid},
			[]any{"product_description_variants", "like", mark}, []any{"order_id.state", "in", []any{"draft", "sent", "to approve"}},
			[]any{"order_id.origin", "!=", key}}, 1)
		if err != nil || len(open) > 0 {
			return nil, err
		}
	}
	var price integration.RequisitionLine
	price.ERPItemCode, price.Quantity, price.Warehouse, price.Unit = p.ERPItemCode, qty, p.Warehouse, ""
	// The line is priced at the product's cost, so that the order made
	// from it, and its receipt into the storeroom, carry a value.
	var prod []struct {
		UoM  any     `json:"uom_id"`
		Cost float64 `json:"standard_price"`
	}
	if err := c.c.call(ctx, "product.product", "read", map[string]any{"ids": []int{pid}, "fields": []string{"uom_id", "standard_price"}}, &prod); err != nil {
		return nil, err
	} else if len(prod) == 1 {
		price.Unit, price.EstimatedUnitPrice = c.cmmsUnit(m2oName(prod[0].UoM)), money(prod[0].Cost)
	}
	return c.requisition(ctx, m, integration.RequisitionRequest{Priority: 3, CostCenter: p.CostCenter, Lines: []integration.RequisitionLine{price}})
}

// cmmsUnit is the CMMS unit of an Odoo unit name.
func (c *Connector) cmmsUnit(name string) string {
	for k, v := range c.cfg.Units {
		if v == name {
			return k
		}
	}
	if name == "Units" {
		return "EA"
	}
	return name
}
