package odoofake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// support are models the specs do not describe but their many2one fields
// point at (company, currency, operation types, journals, analytic plans,
// users): the fake keeps a few records of each, with the handful of
// fields a connector reads, so that references to them can be checked.
var support = map[string]map[string]Field{
	"res.company":           basic(nil),
	"res.currency":          basic(nil),
	"res.users":             basic(nil),
	"account.journal":       basic(map[string]Field{"code": {Type: "char", String: "Short Code"}, "type": {Type: "char", String: "Type"}}),
	"account.analytic.plan": basic(nil),
	"stock.picking.type": basic(map[string]Field{
		"code":                     {Type: "selection", String: "Type of Operation", Selection: [][]any{{"incoming"}, {"outgoing"}, {"internal"}}},
		"sequence_code":            {Type: "char", String: "Sequence Prefix"},
		"warehouse_id":             {Type: "many2one", Relation: "stock.warehouse", String: "Warehouse"},
		"default_location_src_id":  {Type: "many2one", Relation: "stock.location", String: "Default Source Location"},
		"default_location_dest_id": {Type: "many2one", Relation: "stock.location", String: "Default Destination Location"},
	}),
}

func basic(extra map[string]Field) map[string]Field {
	fs := map[string]Field{
		"id":           {Type: "integer", Readonly: true, String: "ID"},
		"display_name": {Type: "char", Readonly: true, String: "Display Name"},
		"name":         {Type: "char", Required: true, String: "Name"},
		"create_date":  {Type: "datetime", Readonly: true, String: "Created on"},
		"write_date":   {Type: "datetime", Readonly: true, String: "Last Updated on"},
	}
	for k, v := range extra {
		fs[k] = v
	}
	return fs
}

// Ids of the records every fake starts with.
const (
	CompanyID         = 1
	WarehouseID       = 1
	VendorsLocationID = 2 // Partners/Vendors
	AdjustLocationID  = 4 // Virtual Locations/Inventory adjustment
	StockLocationID   = 5 // WH/Stock
	CustomerLocID     = 7 // Partners/Customers
	ProductionLocID   = 8 // Virtual Locations/Production
	ReceiptTypeID     = 1 // WH: Receipts
	DeliveryTypeID    = 2 // WH: Delivery Orders
	InternalTypeID    = 3 // WH: Internal Transfers
	UnitsUoMID        = 1 // Units
	HoursUoMID        = 4 // Hours
	ExpenseAccountID  = 32
	TaxAccountID      = 9
	PayableAccountID  = 15
	AnalyticPlanID    = 1
	MaintenanceTeamID = 1
)

func (s *Server) put(model string, id int, r Record) {
	if s.recs[model] == nil {
		s.recs[model] = map[int]Record{}
	}
	now := s.stamp()
	r["id"], r["create_date"], r["write_date"] = id, now, now
	s.recs[model][id] = r
	if s.next[model] <= id {
		s.next[model] = id + 1
	}
}

func (s *Server) seed() {
	s.put("res.company", CompanyID, Record{"name": "YourCompany"})
	s.put("res.currency", 1, Record{"name": "USD"})
	s.put("res.users", 2, Record{"name": "Mitchell Admin"})
	s.put("res.partner", 1, Record{"name": "YourCompany", "autopost_bills": "ask", "group_rfq": "default", "group_on": "default"})
	s.put("res.partner", 3, Record{"name": "Mitchell Admin", "autopost_bills": "ask", "group_rfq": "default", "group_on": "default"})
	for _, l := range []struct {
		id     int
		name   string
		parent int
		usage  string
	}{
		{1, "Partners", 0, "view"}, {2, "Vendors", 1, "supplier"}, {3, "Virtual Locations", 0, "view"},
		{4, "Inventory adjustment", 3, "inventory"}, {6, "WH", 0, "view"}, {5, "Stock", 6, "internal"},
		{7, "Customers", 1, "customer"}, {8, "Production", 3, "production"},
	} {
		s.put("stock.location", l.id, Record{"name": l.name, "location_id": l.parent, "usage": l.usage, "active": true})
	}
	s.put("stock.warehouse", WarehouseID, Record{"name": "YourCompany", "code": "WH", "company_id": CompanyID,
		"view_location_id": 6, "lot_stock_id": StockLocationID, "reception_steps": "one_step", "delivery_steps": "ship_only", "active": true})
	s.put("stock.picking.type", ReceiptTypeID, Record{"name": "Receipts", "code": "incoming", "sequence_code": "IN",
		"warehouse_id": WarehouseID, "default_location_src_id": VendorsLocationID, "default_location_dest_id": StockLocationID})
	s.put("stock.picking.type", DeliveryTypeID, Record{"name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT",
		"warehouse_id": WarehouseID, "default_location_src_id": StockLocationID, "default_location_dest_id": CustomerLocID})
	s.put("stock.picking.type", InternalTypeID, Record{"name": "Internal Transfers", "code": "internal", "sequence_code": "INT",
		"warehouse_id": WarehouseID, "default_location_src_id": StockLocationID, "default_location_dest_id": StockLocationID})
	s.put("uom.uom", UnitsUoMID, Record{"name": "Units", "relative_factor": 1.0, "active": true})
	s.put("uom.uom", 2, Record{"name": "Dozens", "relative_factor": 12.0, "relative_uom_id": UnitsUoMID, "active": true})
	s.put("uom.uom", 3, Record{"name": "kg", "relative_factor": 1.0, "active": true})
	s.put("uom.uom", HoursUoMID, Record{"name": "Hours", "relative_factor": 1.0, "active": true})
	s.put("account.account", TaxAccountID, Record{"name": "Tax Paid", "code": "131000", "account_type": "asset_current", "company_ids": []int{CompanyID}})
	s.put("account.account", PayableAccountID, Record{"name": "Account Payable", "code": "211000", "account_type": "liability_payable", "company_ids": []int{CompanyID}})
	s.put("account.account", ExpenseAccountID, Record{"name": "Expenses", "code": "600000", "account_type": "expense", "company_ids": []int{CompanyID}})
	s.put("account.journal", 1, Record{"name": "Vendor Bills", "code": "BILL", "type": "purchase"})
	s.put("account.analytic.plan", AnalyticPlanID, Record{"name": "Projects"})
	s.put("maintenance.team", MaintenanceTeamID, Record{"name": "Internal Maintenance", "alias_contact": "everyone"})
	// New records start after what a fresh database holds.
	for _, m := range []string{"res.partner", "stock.location", "uom.uom", "account.account"} {
		s.next[m] = max(s.next[m], 10)
	}
	s.next["account.account"] = 40
}

// defaults fills what Odoo fills when a create leaves a field out.
var defaults = map[string]func(s *Server, r Record){
	"product.product": func(s *Server, r Record) {
		setDefault(r, "type", "consu")
		setDefault(r, "uom_id", UnitsUoMID)
		setDefault(r, "tracking", "none")
		setDefault(r, "service_tracking", "no")
		setDefault(r, "active", true)
		if asInt(r["product_tmpl_id"]) == 0 && asString(r["name"]) != "" {
			tid := s.next["product.template"]
			tid = max(tid, 1)
			s.put("product.template", tid, Record{"name": r["name"], "default_code": r["default_code"], "type": r["type"],
				"uom_id": r["uom_id"], "tracking": "none", "service_tracking": "no", "is_storable": r["is_storable"]})
			r["product_tmpl_id"] = tid
		}
	},
	"res.partner": func(s *Server, r Record) {
		setDefault(r, "autopost_bills", "ask")
		setDefault(r, "group_rfq", "default")
		setDefault(r, "group_on", "default")
		setDefault(r, "active", true)
	},
	"uom.uom": func(s *Server, r Record) { setDefault(r, "relative_factor", 1.0) },
	"stock.location": func(s *Server, r Record) {
		setDefault(r, "usage", "internal")
		setDefault(r, "active", true)
	},
	"purchase.requisition": func(s *Server, r Record) {
		setDefault(r, "name", "New")
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "currency_id", 1)
		setDefault(r, "picking_type_id", ReceiptTypeID)
		setDefault(r, "state", "draft")
		setDefault(r, "active", true)
	},
	"purchase.requisition.line": func(s *Server, r Record) {
		if p := s.recs["product.product"][asInt(r["product_id"])]; p != nil {
			setDefault(r, "product_uom_id", p["uom_id"])
		}
	},
	"purchase.order": func(s *Server, r Record) {
		setDefault(r, "name", "New")
		setDefault(r, "date_order", s.stamp())
		setDefault(r, "currency_id", 1)
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "picking_type_id", ReceiptTypeID)
		setDefault(r, "state", "draft")
		setDefault(r, "user_id", 2)
	},
	"purchase.order.line": func(s *Server, r Record) {
		p := s.recs["product.product"][asInt(r["product_id"])]
		if p != nil {
			setDefault(r, "name", s.displayName("product.product", asInt(r["product_id"])))
			setDefault(r, "product_uom_id", p["uom_id"])
			if _, ok := r["price_unit"]; !ok {
				r["price_unit"] = asFloat(p["standard_price"])
			}
		}
		if _, ok := r["product_qty"]; !ok {
			r["product_qty"] = 1.0
		}
		setDefault(r, "date_planned", s.stamp())
	},
	"stock.picking": func(s *Server, r Record) {
		setDefault(r, "move_type", "direct")
		setDefault(r, "state", "draft")
		if t := s.recs["stock.picking.type"][asInt(r["picking_type_id"])]; t != nil {
			setDefault(r, "location_id", t["default_location_src_id"])
			setDefault(r, "location_dest_id", t["default_location_dest_id"])
		}
		setDefault(r, "scheduled_date", s.stamp())
	},
	"stock.move": func(s *Server, r Record) {
		setDefault(r, "date", s.stamp())
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "procure_method", "make_to_stock")
		setDefault(r, "state", "draft")
		if p := s.recs["product.product"][asInt(r["product_id"])]; p != nil {
			setDefault(r, "product_uom", p["uom_id"])
		}
		if pk := s.recs["stock.picking"][asInt(r["picking_id"])]; pk != nil {
			setDefault(r, "location_id", pk["location_id"])
			setDefault(r, "location_dest_id", pk["location_dest_id"])
			setDefault(r, "picking_type_id", pk["picking_type_id"])
		}
	},
	"account.move": func(s *Server, r Record) {
		setDefault(r, "date", s.now().Format("2006-01-02"))
		setDefault(r, "state", "draft")
		setDefault(r, "move_type", "entry")
		setDefault(r, "journal_id", 1)
		setDefault(r, "currency_id", 1)
		setDefault(r, "auto_post", "no")
		setDefault(r, "company_id", CompanyID)
	},
	"account.move.line": func(s *Server, r Record) {
		setDefault(r, "currency_id", 1)
		setDefault(r, "display_type", "product")
	},
	"account.analytic.account": func(s *Server, r Record) {
		setDefault(r, "plan_id", AnalyticPlanID)
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "active", true)
	},
	"account.analytic.line": func(s *Server, r Record) {
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "date", s.now().Format("2006-01-02"))
		if _, ok := r["amount"]; !ok {
			r["amount"] = 0.0
		}
	},
	"maintenance.request": func(s *Server, r Record) {
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "maintenance_team_id", MaintenanceTeamID)
		setDefault(r, "kanban_state", "normal")
		setDefault(r, "request_date", s.now().Format("2006-01-02"))
	},
	"maintenance.equipment": func(s *Server, r Record) {
		setDefault(r, "effective_date", s.now().Format("2006-01-02"))
		setDefault(r, "equipment_assign_to", "employee")
		setDefault(r, "company_id", CompanyID)
		setDefault(r, "maintenance_team_id", MaintenanceTeamID)
	},
}

func setDefault(r Record, k string, v any) {
	if cur, ok := r[k]; !ok || cur == nil || cur == 0 || cur == "" {
		r[k] = v
	}
}

// afterCreate numbers documents as Odoo's sequences would: the fake takes
// the record's id as the sequence number.
var afterCreate = map[string]func(s *Server, id int) *odooError{
	"purchase.order": func(s *Server, id int) *odooError {
		if r := s.recs["purchase.order"][id]; r["name"] == "New" {
			r["name"] = fmt.Sprintf("P%05d", id)
		}
		return nil
	},
	"purchase.requisition": func(s *Server, id int) *odooError {
		r := s.recs["purchase.requisition"][id]
		if r["name"] == "New" {
			prefix := "PT"
			if r["requisition_type"] == "blanket_order" {
				prefix = "BO"
			}
			r["name"] = fmt.Sprintf("%s%05d", prefix, id)
		}
		return nil
	},
	"stock.picking": func(s *Server, id int) *odooError {
		r := s.recs["stock.picking"][id]
		if asString(r["name"]) == "" {
			t := s.recs["stock.picking.type"][asInt(r["picking_type_id"])]
			r["name"] = fmt.Sprintf("WH/%s/%05d", asString(t["sequence_code"]), id)
		}
		return nil
	},
}

// writeGuard refuses what Odoo refuses on a write.
var writeGuard = map[string]func(s *Server, id int, vals map[string]any) *odooError{
	"account.move": func(s *Server, id int, vals map[string]any) *odooError {
		m := s.recs["account.move"][id]
		if m["state"] == "posted" {
			for k := range vals {
				if k != "ref" && k != "narration" && k != "payment_reference" {
					return userError(fmt.Sprintf("You cannot modify a posted entry of this journal.\nField: %s", k))
				}
			}
		}
		return nil
	},
	"stock.move": func(s *Server, id int, vals map[string]any) *odooError {
		if s.recs["stock.move"][id]["state"] == "done" {
			if _, ok := vals["product_uom_qty"]; ok {
				return userError("You cannot change the demand of a done stock move.")
			}
		}
		return nil
	},
}

// buttons are the workflow methods the fake plays.
var buttons = map[string]func(s *Server, ids []int) (any, *odooError){
	"purchase.requisition/action_confirm": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			r := s.recs["purchase.requisition"][id]
			if len(s.value("purchase.requisition", id, "line_ids").([]int)) == 0 {
				return nil, userError(fmt.Sprintf("You cannot confirm agreement '%s' because it does not contain any product lines.", asString(r["name"])))
			}
			if r["state"] != "draft" {
				continue
			}
			r["state"] = "confirmed"
			s.touch("purchase.requisition", id)
		}
		return nil, nil
	},
	"purchase.requisition/action_cancel": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			s.recs["purchase.requisition"][id]["state"] = "cancel"
			s.touch("purchase.requisition", id)
		}
		return nil, nil
	},
	"purchase.order/button_confirm": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			if err := s.confirmOrder(id); err != nil {
				return nil, err
			}
		}
		return true, nil
	},
	"purchase.order/button_cancel": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			for _, pid := range s.value("purchase.order", id, "picking_ids").([]int) {
				if s.recs["stock.picking"][pid]["state"] == "done" {
					return nil, userError(fmt.Sprintf("Unable to cancel purchase order %s as some receptions have already been done.", asString(s.recs["purchase.order"][id]["name"])))
				}
			}
			for _, pid := range s.value("purchase.order", id, "picking_ids").([]int) {
				s.recs["stock.picking"][pid]["state"] = "cancel"
				s.touch("stock.picking", pid)
			}
			s.recs["purchase.order"][id]["state"] = "cancel"
			s.touch("purchase.order", id)
		}
		return nil, nil
	},
	"stock.picking/action_confirm": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			s.assign(id)
		}
		return true, nil
	},
	"stock.picking/action_assign": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			s.assign(id)
		}
		return true, nil
	},
	"stock.picking/button_validate": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			if err := s.validate(id); err != nil {
				return nil, err
			}
		}
		return true, nil
	},
	"purchase.order/action_create_invoice": func(s *Server, ids []int) (any, *odooError) {
		var last int
		for _, id := range ids {
			mid, err := s.createBill(id)
			if err != nil {
				return nil, err
			}
			last = mid
		}
		var action map[string]any
		_ = json.Unmarshal(s.action, &action)
		action["res_id"] = last
		if ctx, ok := action["context"].(map[string]any); ok && len(ids) > 0 {
			ctx["default_partner_id"] = asInt(s.recs["purchase.order"][ids[0]]["partner_id"])
		}
		return action, nil
	},
	"account.move/action_post": func(s *Server, ids []int) (any, *odooError) {
		for _, id := range ids {
			m := s.recs["account.move"][id]
			if m["state"] != "draft" {
				return nil, userError("The entry " + s.displayName("account.move", id) + " is already posted.")
			}
			isBill := m["move_type"] == "in_invoice" || m["move_type"] == "in_refund"
			if isBill && asString(m["invoice_date"]) == "" {
				return nil, userError("The Bill/Refund date is required to validate this document.")
			}
			if isBill {
				m["date"] = m["invoice_date"]
				d := asString(m["invoice_date"])
				m["name"] = fmt.Sprintf("BILL/%s/%s/%04d", d[:4], d[5:7], id)
			} else if asString(m["name"]) == "" || m["name"] == "/" {
				m["name"] = fmt.Sprintf("MISC/%s/%04d", asString(m["date"])[:4], id)
			}
			m["state"] = "posted"
			m["payment_state"] = "not_paid"
			s.touch("account.move", id)
		}
		return false, nil
	},
}

func (s *Server) poLines(po int) []int {
	return s.where("purchase.order.line", func(r Record) bool { return asInt(r["order_id"]) == po })
}

func (s *Server) poAmounts(po int) (untaxed, total float64) {
	for _, lid := range s.poLines(po) {
		l := s.recs["purchase.order.line"][lid]
		untaxed += asFloat(l["product_qty"]) * asFloat(l["price_unit"])
	}
	untaxed = round2(untaxed)
	return untaxed, round2(untaxed + round2(untaxed*s.TaxRate))
}

func (s *Server) moveAmounts(m int) (untaxed, total float64) {
	for _, lid := range s.where("account.move.line", func(r Record) bool { return asInt(r["move_id"]) == m }) {
		l := s.recs["account.move.line"][lid]
		switch l["display_type"] {
		case "product":
			untaxed += asFloat(l["debit"]) - asFloat(l["credit"])
		case "payment_term":
			total += asFloat(l["credit"]) - asFloat(l["debit"])
		}
	}
	return round2(untaxed), round2(total)
}

func (s *Server) invoiceStatus(po int) string {
	if s.recs["purchase.order"][po]["state"] != "purchase" {
		return "no"
	}
	all, some := true, false
	for _, lid := range s.poLines(po) {
		l := s.recs["purchase.order.line"][lid]
		inv := asFloat(s.value("purchase.order.line", lid, "qty_invoiced"))
		if inv < asFloat(l["product_qty"]) {
			all = false
		}
		if asFloat(l["qty_received"]) > inv {
			some = true
		}
	}
	switch {
	case all:
		return "invoiced"
	case some:
		return "to invoice"
	}
	return "no"
}

func (s *Server) receiptStatus(po int) any {
	pickings := s.value("purchase.order", po, "picking_ids").([]int)
	if s.recs["purchase.order"][po]["state"] != "purchase" || len(pickings) == 0 {
		return false
	}
	done, open := 0, 0
	for _, p := range pickings {
		switch s.recs["stock.picking"][p]["state"] {
		case "done":
			done++
		case "cancel":
		default:
			open++
		}
	}
	switch {
	case open == 0 && done > 0:
		return "full"
	case done > 0:
		return "partial"
	}
	return "pending"
}

// confirmOrder is button_confirm: the order becomes a purchase order and
// its receipt is made, ready to receive.
func (s *Server) confirmOrder(id int) *odooError {
	po := s.recs["purchase.order"][id]
	if po["state"] != "draft" && po["state"] != "sent" && po["state"] != "to approve" {
		return nil
	}
	lines := s.poLines(id)
	if len(lines) == 0 {
		return userError("There is no line to confirm on purchase order " + asString(po["name"]) + ".")
	}
	po["state"] = "purchase"
	po["date_approve"] = s.stamp()
	s.touch("purchase.order", id)
	t := s.recs["stock.picking.type"][asInt(po["picking_type_id"])]
	pid := s.next["stock.picking"]
	pid = max(pid, 1)
	for s.recs["stock.picking"][pid] != nil {
		pid++
	}
	s.put("stock.picking", pid, Record{"name": fmt.Sprintf("WH/%s/%05d", asString(t["sequence_code"]), pid), "origin": po["name"],
		"move_type": "direct", "state": "assigned", "location_id": t["default_location_src_id"], "location_dest_id": t["default_location_dest_id"],
		"picking_type_id": po["picking_type_id"], "partner_id": po["partner_id"], "purchase_id": id, "scheduled_date": po["date_planned"],
		"company_id": CompanyID})
	for _, lid := range lines {
		l := s.recs["purchase.order.line"][lid]
		p := s.recs["product.product"][asInt(l["product_id"])]
		if p == nil || p["type"] != "consu" {
			continue
		}
		mid := max(s.next["stock.move"], 1)
		for s.recs["stock.move"][mid] != nil {
			mid++
		}
		s.put("stock.move", mid, Record{"picking_id": pid, "product_id": l["product_id"], "product_uom_qty": l["product_qty"],
			"product_qty": l["product_qty"], "quantity": l["product_qty"], "product_uom": l["product_uom_id"], "location_id": t["default_location_src_id"],
			"location_dest_id": t["default_location_dest_id"], "state": "assigned", "purchase_line_id": lid, "price_unit": l["price_unit"],
			"origin": po["name"], "date": s.stamp(), "company_id": CompanyID, "procure_method": "make_to_stock", "picking_type_id": po["picking_type_id"],
			"partner_id": po["partner_id"]})
	}
	return nil
}

func (s *Server) pickingMoves(id int) []int {
	return s.where("stock.move", func(r Record) bool { return asInt(r["picking_id"]) == id })
}

func (s *Server) assign(id int) {
	p := s.recs["stock.picking"][id]
	if p["state"] == "draft" || p["state"] == "confirmed" || p["state"] == "waiting" {
		p["state"] = "assigned"
		for _, mid := range s.pickingMoves(id) {
			m := s.recs["stock.move"][mid]
			m["state"] = "assigned"
			if asFloat(m["quantity"]) == 0 {
				m["quantity"] = m["product_uom_qty"]
			}
			s.touch("stock.move", mid)
		}
		s.touch("stock.picking", id)
	}
}

// validate is button_validate: each move is done with its quantity, the
// stock at the locations moves with it, a purchase line counts what it
// received, and what is left of a partial receipt goes to a backorder.
func (s *Server) validate(id int) *odooError {
	p := s.recs["stock.picking"][id]
	switch p["state"] {
	case "done":
		return nil
	case "cancel":
		return userError("You cannot validate a cancelled transfer.")
	case "draft":
		s.assign(id)
	}
	moves := s.pickingMoves(id)
	anyQty := false
	for _, mid := range moves {
		if asFloat(s.recs["stock.move"][mid]["quantity"]) > 0 {
			anyQty = true
		}
	}
	if !anyQty {
		return userError("You cannot validate a transfer if no quantities are reserved nor done. You can use the info chatter to see the reason of that.")
	}
	now := s.stamp()
	var rest []Record
	for _, mid := range moves {
		m := s.recs["stock.move"][mid]
		qty := asFloat(m["quantity"])
		if demand := asFloat(m["product_uom_qty"]); qty < demand {
			b := Record{}
			for k, v := range m {
				b[k] = v
			}
			b["product_uom_qty"], b["product_qty"], b["quantity"], b["picked"] = demand-qty, demand-qty, demand-qty, false
			rest = append(rest, b)
			m["product_uom_qty"], m["product_qty"] = qty, qty
		}
		if qty == 0 {
			m["state"] = "cancel"
			s.touch("stock.move", mid)
			continue
		}
		m["state"], m["picked"], m["date"] = "done", true, now
		s.touch("stock.move", mid)
		product := asInt(m["product_id"])
		s.addQuant(product, asInt(m["location_dest_id"]), qty)
		s.addQuant(product, asInt(m["location_id"]), -qty)
		if lid := asInt(m["purchase_line_id"]); lid != 0 {
			l := s.recs["purchase.order.line"][lid]
			l["qty_received"] = asFloat(l["qty_received"]) + qty
			s.touch("purchase.order.line", lid)
			s.touch("purchase.order", asInt(l["order_id"]))
		}
	}
	p["state"], p["date_done"] = "done", now
	s.touch("stock.picking", id)
	if len(rest) > 0 {
		bid := max(s.next["stock.picking"], 1)
		for s.recs["stock.picking"][bid] != nil {
			bid++
		}
		b := Record{}
		for k, v := range p {
			b[k] = v
		}
		t := s.recs["stock.picking.type"][asInt(p["picking_type_id"])]
		b["name"], b["state"], b["date_done"], b["backorder_id"] = fmt.Sprintf("WH/%s/%05d", asString(t["sequence_code"]), bid), "assigned", nil, id
		s.put("stock.picking", bid, b)
		for _, m := range rest {
			mid := max(s.next["stock.move"], 1)
			for s.recs["stock.move"][mid] != nil {
				mid++
			}
			m["picking_id"], m["state"] = bid, "assigned"
			s.put("stock.move", mid, m)
		}
	}
	return nil
}

// addQuant moves the stock of a product at an internal location. Only a
// storable product has quants, as in Odoo 18 and later.
func (s *Server) addQuant(product, loc int, qty float64) {
	if s.recs["stock.location"][loc]["usage"] != "internal" || s.recs["product.product"][product]["is_storable"] != true {
		return
	}
	for _, qid := range sortedIDs(s.recs["stock.quant"]) {
		q := s.recs["stock.quant"][qid]
		if asInt(q["product_id"]) == product && asInt(q["location_id"]) == loc {
			q["quantity"] = asFloat(q["quantity"]) + qty
			s.touch("stock.quant", qid)
			return
		}
	}
	qid := max(s.next["stock.quant"], 1)
	for s.recs["stock.quant"][qid] != nil {
		qid++
	}
	s.put("stock.quant", qid, Record{"product_id": product, "location_id": loc, "quantity": qty, "reserved_quantity": 0.0,
		"in_date": s.stamp(), "company_id": CompanyID})
}

// createBill is action_create_invoice for one order: a draft vendor bill
// of what was received and not billed yet, at the order's prices.
func (s *Server) createBill(po int) (int, *odooError) {
	o := s.recs["purchase.order"][po]
	if o["state"] != "purchase" {
		return 0, userError("There is no invoiceable line. If a product has a control policy based on received quantity, please make sure that a quantity has been received.")
	}
	type line struct {
		lid       int
		qty, unit float64
	}
	var lines []line
	for _, lid := range s.poLines(po) {
		l := s.recs["purchase.order.line"][lid]
		q := asFloat(l["qty_received"]) - asFloat(s.value("purchase.order.line", lid, "qty_invoiced"))
		if q > 0 {
			lines = append(lines, line{lid, q, asFloat(l["price_unit"])})
		}
	}
	if len(lines) == 0 {
		return 0, userError("There is no invoiceable line. If a product has a control policy based on received quantity, please make sure that a quantity has been received.")
	}
	mid := max(s.next["account.move"], 1)
	for s.recs["account.move"][mid] != nil {
		mid++
	}
	s.put("account.move", mid, Record{"move_type": "in_invoice", "state": "draft", "partner_id": o["partner_id"], "invoice_origin": o["name"],
		"date": s.now().Format("2006-01-02"), "journal_id": 1, "currency_id": 1, "auto_post": "no", "company_id": CompanyID,
		"name": false, "ref": o["partner_ref"]})
	for _, l := range lines {
		pl := s.recs["purchase.order.line"][l.lid]
		s.addMoveLine(mid, Record{"display_type": "product", "product_id": pl["product_id"], "quantity": l.qty, "price_unit": l.unit,
			"purchase_line_id": l.lid, "account_id": ExpenseAccountID, "name": fmt.Sprintf("%s: %s", asString(o["name"]), asString(pl["name"])),
			"product_uom_id": pl["product_uom_id"], "partner_id": o["partner_id"]})
	}
	s.addMoveLine(mid, Record{"display_type": "tax", "account_id": TaxAccountID, "name": fmt.Sprintf("%g%%", s.TaxRate*100), "partner_id": o["partner_id"]})
	s.addMoveLine(mid, Record{"display_type": "payment_term", "account_id": PayableAccountID, "name": "", "partner_id": o["partner_id"]})
	s.rebalance(mid)
	o["invoice_ids"] = append(ids(o["invoice_ids"]), mid)
	s.touch("purchase.order", po)
	return mid, nil
}

func (s *Server) addMoveLine(move int, r Record) {
	id := max(s.next["account.move.line"], 1)
	for s.recs["account.move.line"][id] != nil {
		id++
	}
	r["move_id"], r["currency_id"] = move, 1
	s.put("account.move.line", id, r)
}

// rebalance works out a bill's debits and credits from its product lines:
// the tax line carries TaxRate of them, the payable line the total.
func (s *Server) rebalance(move int) {
	var untaxed float64
	var tax, pay Record
	for _, lid := range s.where("account.move.line", func(r Record) bool { return asInt(r["move_id"]) == move }) {
		l := s.recs["account.move.line"][lid]
		switch l["display_type"] {
		case "product":
			amt := round2(asFloat(l["quantity"]) * asFloat(l["price_unit"]))
			l["debit"], l["credit"] = amt, 0.0
			untaxed += amt
		case "tax":
			tax = l
		case "payment_term":
			pay = l
		}
	}
	t := round2(untaxed * s.TaxRate)
	if tax != nil {
		tax["debit"], tax["credit"] = t, 0.0
	}
	if pay != nil {
		pay["debit"], pay["credit"] = 0.0, round2(untaxed+t)
	}
}

func init() {
	// A bill's line written (its price or quantity) moves its tax and
	// total, as in Odoo's form.
	writeGuard["account.move.line"] = func(s *Server, id int, vals map[string]any) *odooError {
		l := s.recs["account.move.line"][id]
		m := s.recs["account.move"][asInt(l["move_id"])]
		if m["state"] == "posted" {
			return userError("You cannot modify a posted entry of this journal.")
		}
		return nil
	}
}

// afterWrite runs after a write of model's record id.
func (s *Server) afterWrite(model string, id int) {
	if model == "account.move.line" {
		s.rebalance(asInt(s.recs["account.move.line"][id]["move_id"]))
	}
}

// billsAction is the window action action_create_invoice answers, as the
// recorded server answered it.
func billsAction() json.RawMessage {
	b, err := Transcript()
	if err != nil {
		panic(err)
	}
	var calls []struct {
		Request struct {
			Path string `json:"path"`
		} `json:"request"`
		Response struct {
			Body json.RawMessage `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(b, &calls); err != nil {
		panic(err)
	}
	for _, c := range calls {
		if strings.HasSuffix(c.Request.Path, "/action_create_invoice") {
			return c.Response.Body
		}
	}
	panic("odoofake: the transcript has no action_create_invoice answer")
}

// The helpers below act as an Odoo user would in the web client, through
// the same methods the JSON-2 API runs.

// MustCall runs a JSON-2 call in process and decodes its answer into out
// (nil: ignored); it panics on an error, for test set-up.
func (s *Server) MustCall(model, method string, params map[string]any, out any) {
	raw, err := s.Call(model, method, params)
	if err != nil {
		panic(fmt.Sprintf("odoofake: %s/%s: %v", model, method, err))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			panic(fmt.Sprintf("odoofake: %s/%s answer: %v", model, method, err))
		}
	}
}

// Create makes one record as a user would, checked like a JSON-2 create.
func (s *Server) Create(model string, vals map[string]any) (int, error) {
	raw, err := s.Call(model, "create", map[string]any{"vals_list": []any{vals}})
	if err != nil {
		return 0, err
	}
	var out []int
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, err
	}
	return out[0], nil
}

// OrderFromRequisition is the buyer's "New Quotation" on a confirmed
// purchase agreement: a draft purchase order for vendor with the
// agreement's lines. It returns the order's id.
func (s *Server) OrderFromRequisition(req, vendor int) (int, error) {
	s.mu.Lock()
	r := s.recs["purchase.requisition"][req]
	if r == nil {
		s.mu.Unlock()
		return 0, missingError("purchase.requisition", req)
	}
	var lines []any
	for _, lid := range s.where("purchase.requisition.line", func(x Record) bool { return asInt(x["requisition_id"]) == req }) {
		l := s.recs["purchase.requisition.line"][lid]
		v := map[string]any{"product_id": asInt(l["product_id"]), "product_qty": asFloat(l["product_qty"]), "price_unit": asFloat(l["price_unit"])}
		if d := asString(l["product_description_variants"]); d != "" {
			v["product_description_variants"] = d
		}
		lines = append(lines, []any{0, 0, v})
	}
	origin := asString(r["name"])
	s.mu.Unlock()
	return s.Create("purchase.order", map[string]any{"partner_id": vendor, "requisition_id": req, "origin": origin, "order_line": lines})
}

// ConfirmOrder is the buyer's "Confirm Order".
func (s *Server) ConfirmOrder(po int) error {
	_, err := s.Call("purchase.order", "button_confirm", map[string]any{"ids": []int{po}})
	return err
}

// Receive validates the open receipts of a purchase order. qty, by
// product id, receives less than ordered (the rest goes to a backorder);
// nil receives everything.
func (s *Server) Receive(po int, qty map[int]float64) error {
	s.mu.Lock()
	pickings := s.value("purchase.order", po, "picking_ids").([]int)
	var open []int
	for _, p := range pickings {
		if st := s.recs["stock.picking"][p]["state"]; st != "done" && st != "cancel" {
			open = append(open, p)
		}
	}
	s.mu.Unlock()
	for _, p := range open {
		s.mu.Lock()
		moves := s.pickingMoves(p)
		s.mu.Unlock()
		for _, mid := range moves {
			s.mu.Lock()
			m := s.recs["stock.move"][mid]
			q := asFloat(m["product_uom_qty"])
			if want, ok := qty[asInt(m["product_id"])]; ok {
				q = want
			}
			s.mu.Unlock()
			if _, err := s.Call("stock.move", "write", map[string]any{"ids": []int{mid}, "vals": map[string]any{"quantity": q, "picked": true}}); err != nil {
				return err
			}
		}
		if _, err := s.Call("stock.picking", "button_validate", map[string]any{"ids": []int{p}}); err != nil {
			return err
		}
	}
	return nil
}

// Bill makes the vendor bill of what a purchase order received and posts
// it, dated date (YYYY-MM-DD). price, by product id, is the vendor's
// price where it differs from the order's. It returns the bill's id.
func (s *Server) Bill(po int, date string, price map[int]float64) (int, error) {
	raw, err := s.Call("purchase.order", "action_create_invoice", map[string]any{"ids": []int{po}})
	if err != nil {
		return 0, err
	}
	var action struct {
		ResID int `json:"res_id"`
	}
	if err := json.Unmarshal(raw, &action); err != nil {
		return 0, err
	}
	s.mu.Lock()
	lines := s.where("account.move.line", func(r Record) bool { return asInt(r["move_id"]) == action.ResID && r["display_type"] == "product" })
	s.mu.Unlock()
	for _, lid := range lines {
		s.mu.Lock()
		p, ok := price[asInt(s.recs["account.move.line"][lid]["product_id"])]
		s.mu.Unlock()
		if ok {
			if _, err := s.Call("account.move.line", "write", map[string]any{"ids": []int{lid}, "vals": map[string]any{"price_unit": p}}); err != nil {
				return 0, err
			}
		}
	}
	if _, err := s.Call("account.move", "write", map[string]any{"ids": []int{action.ResID},
		"vals": map[string]any{"invoice_date": date, "ref": "INV-" + strconv.Itoa(action.ResID)}}); err != nil {
		return 0, err
	}
	if _, err := s.Call("account.move", "action_post", map[string]any{"ids": []int{action.ResID}}); err != nil {
		return 0, err
	}
	return action.ResID, nil
}
