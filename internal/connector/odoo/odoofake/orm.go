package odoofake

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// inverse names the many2one field on the comodel that a one2many reads.
var inverse = map[string]string{
	"purchase.order/order_line":                   "order_id",
	"purchase.requisition/line_ids":               "requisition_id",
	"purchase.requisition/purchase_ids":           "requisition_id",
	"stock.picking/move_ids":                      "picking_id",
	"account.move/line_ids":                       "move_id",
	"account.move/invoice_line_ids":               "move_id",
	"purchase.order.line/move_ids":                "purchase_line_id",
	"account.analytic.account/line_ids":           "account_id",
	"stock.picking/backorder_ids":                 "backorder_id",
	"maintenance.equipment/maintenance_ids":       "equipment_id",
	"maintenance.team/request_ids":                "maintenance_team_id",
	"product.template/product_variant_ids":        "product_tmpl_id",
	"purchase.order.line/invoice_lines":           "purchase_line_id",
	"account.move.line/analytic_line_ids":         "move_line_id",
	"stock.location/child_ids":                    "location_id",
	"res.partner/child_ids":                       "parent_id",
	"purchase.requisition.line/supplier_info_ids": "",
}

// computed are the fields the fake works out at read time rather than
// store: Odoo's computed fields a connector reads.
var computed map[string]func(s *Server, id int) any

func init() { computed = computedFields() }

func computedFields() map[string]func(s *Server, id int) any {
	return map[string]func(s *Server, id int) any{
		"purchase.order/amount_untaxed": func(s *Server, id int) any { u, _ := s.poAmounts(id); return u },
		"purchase.order/amount_tax":     func(s *Server, id int) any { u, t := s.poAmounts(id); return round2(t - u) },
		"purchase.order/amount_total":   func(s *Server, id int) any { _, t := s.poAmounts(id); return t },
		"purchase.order/picking_ids": func(s *Server, id int) any {
			return s.where("stock.picking", func(r Record) bool { return r["purchase_id"] == id })
		},
		"purchase.order/invoice_status": func(s *Server, id int) any { return s.invoiceStatus(id) },
		"purchase.order/receipt_status": func(s *Server, id int) any { return s.receiptStatus(id) },
		"purchase.order/requisition_type": func(s *Server, id int) any {
			if r := s.recs["purchase.requisition"][asInt(s.recs["purchase.order"][id]["requisition_id"])]; r != nil {
				return r["requisition_type"]
			}
			return false
		},
		"purchase.order.line/price_subtotal": func(s *Server, id int) any {
			l := s.recs["purchase.order.line"][id]
			return round2(asFloat(l["product_qty"]) * asFloat(l["price_unit"]))
		},
		"purchase.order.line/qty_invoiced": func(s *Server, id int) any {
			var q float64
			for _, lid := range s.where("account.move.line", func(r Record) bool { return r["purchase_line_id"] == id }) {
				l := s.recs["account.move.line"][lid]
				if m := s.recs["account.move"][asInt(l["move_id"])]; m != nil && m["state"] != "cancel" {
					q += asFloat(l["quantity"])
				}
			}
			return q
		},
		"purchase.order.line/state": func(s *Server, id int) any {
			return s.recs["purchase.order"][asInt(s.recs["purchase.order.line"][id]["order_id"])]["state"]
		},
		"purchase.order.line/partner_id": func(s *Server, id int) any {
			return s.recs["purchase.order"][asInt(s.recs["purchase.order.line"][id]["order_id"])]["partner_id"]
		},
		"stock.picking/picking_type_code": func(s *Server, id int) any {
			return s.recs["stock.picking.type"][asInt(s.recs["stock.picking"][id]["picking_type_id"])]["code"]
		},
		"stock.quant/available_quantity": func(s *Server, id int) any {
			q := s.recs["stock.quant"][id]
			return asFloat(q["quantity"]) - asFloat(q["reserved_quantity"])
		},
		"stock.quant/warehouse_id": func(s *Server, id int) any {
			loc := asInt(s.recs["stock.quant"][id]["location_id"])
			for _, wid := range sortedIDs(s.recs["stock.warehouse"]) {
				if asInt(s.recs["stock.warehouse"][wid]["lot_stock_id"]) == loc {
					return wid
				}
			}
			return 0
		},
		"account.move/amount_untaxed": func(s *Server, id int) any { u, _ := s.moveAmounts(id); return u },
		"account.move/amount_tax":     func(s *Server, id int) any { u, t := s.moveAmounts(id); return round2(t - u) },
		"account.move/amount_total":   func(s *Server, id int) any { _, t := s.moveAmounts(id); return t },
		"account.move.line/balance": func(s *Server, id int) any {
			l := s.recs["account.move.line"][id]
			return round2(asFloat(l["debit"]) - asFloat(l["credit"]))
		},
		"account.move.line/price_subtotal": func(s *Server, id int) any {
			l := s.recs["account.move.line"][id]
			return round2(asFloat(l["quantity"]) * asFloat(l["price_unit"]))
		},
		"account.move.line/parent_state": func(s *Server, id int) any {
			return s.recs["account.move"][asInt(s.recs["account.move.line"][id]["move_id"])]["state"]
		},
		"account.move.line/purchase_order_id": func(s *Server, id int) any {
			return s.recs["purchase.order.line"][asInt(s.recs["account.move.line"][id]["purchase_line_id"])]["order_id"]
		},
		"product.product/qty_available": func(s *Server, id int) any {
			var q float64
			for _, qid := range s.where("stock.quant", func(r Record) bool { return r["product_id"] == id }) {
				qr := s.recs["stock.quant"][qid]
				if s.recs["stock.location"][asInt(qr["location_id"])]["usage"] == "internal" {
					q += asFloat(qr["quantity"])
				}
			}
			return q
		},
		"product.product/code":         func(s *Server, id int) any { return s.recs["product.product"][id]["default_code"] },
		"stock.location/complete_name": func(s *Server, id int) any { return s.locationName(id) },
		"maintenance.request/done":     func(s *Server, id int) any { return s.recs["maintenance.request"][id]["kanban_state"] == "done" },
	}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func (s *Server) where(model string, ok func(Record) bool) []int {
	out := []int{}
	for _, id := range sortedIDs(s.recs[model]) {
		if ok(s.recs[model][id]) {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) locationName(id int) string {
	l := s.recs["stock.location"][id]
	if l == nil {
		return ""
	}
	if p := asInt(l["location_id"]); p != 0 {
		if pn := s.locationName(p); pn != "" {
			return pn + "/" + asString(l["name"])
		}
	}
	return asString(l["name"])
}

// displayName is what Odoo shows for a record in a many2one.
func (s *Server) displayName(model string, id int) string {
	r := s.recs[model][id]
	if r == nil {
		return ""
	}
	switch model {
	case "product.product", "product.template":
		if c := asString(r["default_code"]); c != "" {
			return "[" + c + "] " + asString(r["name"])
		}
	case "stock.location":
		return s.locationName(id)
		// account.account: the recording shows accounts by name alone.
	}
	if n := asString(r["name"]); n != "" {
		return n
	}
	return fmt.Sprintf("%s,%d", model, id)
}

func asInt(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}

func asFloat(v any) float64 {
	switch v := v.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return 0
}

func asString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// coerce checks v against f and returns it in the stored form.
func (s *Server) coerce(model, name string, f Field, v any) (any, *odooError) {
	bad := func(want string) *odooError {
		return valueError(fmt.Sprintf("Wrong value for %s.%s: %s (expected %s)", model, name, jsonText(v), want))
	}
	if v == nil || v == false {
		switch f.Type {
		case "boolean":
			return false, nil
		case "many2one":
			return 0, nil
		case "one2many", "many2many":
			return []int{}, nil
		case "integer", "float", "monetary":
			return 0, nil
		}
		return nil, nil
	}
	switch f.Type {
	case "char", "text", "html":
		if str, ok := v.(string); ok {
			return str, nil
		}
		return nil, bad("a string")
	case "selection":
		str, ok := v.(string)
		if !ok || !f.allows(str) {
			return nil, valueError(fmt.Sprintf("Wrong value for %s.%s: %s", model, name, jsonText(v)))
		}
		return str, nil
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, bad("true or false")
	case "integer":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return int(i), nil
			}
		}
		if i, ok := v.(int); ok {
			return i, nil
		}
		return nil, bad("an integer")
	case "float", "monetary":
		switch n := v.(type) {
		case json.Number:
			if x, err := n.Float64(); err == nil {
				return x, nil
			}
		case float64:
			return n, nil
		case int:
			return float64(n), nil
		}
		return nil, bad("a number")
	case "date":
		str, ok := v.(string)
		if _, err := time.Parse(time.DateOnly, str); !ok || err != nil {
			return nil, valueError(fmt.Sprintf("time data %s does not match format '%%Y-%%m-%%d'", jsonText(v)))
		}
		return str, nil
	case "datetime":
		str, ok := v.(string)
		if _, err := time.Parse(DateTime, str); !ok || err != nil {
			return nil, valueError(fmt.Sprintf("time data %s does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", jsonText(v)))
		}
		return str, nil
	case "many2one":
		id := asInt(v)
		if _, isNum := v.(json.Number); !isNum {
			if _, isInt := v.(int); !isInt {
				return nil, bad("a record id")
			}
		}
		if s.recs[f.Relation][id] == nil {
			return nil, missingError(f.Relation, id)
		}
		return id, nil
	case "json", "properties":
		return v, nil
	case "binary":
		if str, ok := v.(string); ok {
			return str, nil
		}
		return nil, bad("base64 text")
	}
	return v, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// create makes one record from vals: checked, defaulted, x2many commands
// applied.
func (s *Server) create(model string, vals map[string]any) (int, *odooError) {
	fs := s.fields[model]
	rec := Record{}
	var subs []func(id int) *odooError
	for _, name := range sortedKeys(vals) {
		v := vals[name]
		f, ok := fs[name]
		if !ok {
			return 0, valueError(fmt.Sprintf("Invalid field '%s' in '%s'", name, model))
		}
		if f.Readonly || name == "id" {
			return 0, validationError(fmt.Sprintf("Field '%s' (%s) of %s is read-only and cannot be written.", f.String, name, model))
		}
		if f.Type == "one2many" || f.Type == "many2many" {
			cmds := v
			subs = append(subs, func(id int) *odooError { return s.x2many(model, id, name, f, cmds) })
			continue
		}
		cv, err := s.coerce(model, name, f, v)
		if err != nil {
			return 0, err
		}
		rec[name] = cv
	}
	if d := defaults[model]; d != nil {
		d(s, rec)
	}
	for _, name := range sortedKeys(fs) {
		f := fs[name]
		if !f.Required || f.Type == "one2many" || f.Type == "many2many" || name == "id" {
			continue
		}
		if v, ok := rec[name]; !ok || v == nil || v == 0 || v == "" {
			if f.Type == "integer" || f.Type == "float" || f.Type == "monetary" || f.Type == "boolean" {
				if _, ok := rec[name]; ok {
					continue
				}
			}
			if computed[model+"/"+name] != nil {
				continue
			}
			return 0, validationError(fmt.Sprintf("The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: %s (%s)\nField: %s (%s)", modelTitle(model), model, f.String, name))
		}
	}
	id := s.next[model]
	if id == 0 {
		id = 1
	}
	for s.recs[model][id] != nil {
		id++
	}
	s.next[model] = id + 1
	now := s.stamp()
	rec["id"], rec["create_date"], rec["write_date"] = id, now, now
	if fs["create_uid"].Type != "" {
		rec["create_uid"], rec["write_uid"] = 2, 2
	}
	if s.recs[model] == nil {
		s.recs[model] = map[int]Record{}
	}
	s.recs[model][id] = rec
	for _, sub := range subs {
		if err := sub(id); err != nil {
			return 0, err
		}
	}
	if after := afterCreate[model]; after != nil {
		if err := after(s, id); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func modelTitle(model string) string {
	parts := strings.Split(model, ".")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// x2many applies Odoo's commands to a one2many or many2many field:
// [0,0,vals] create, [1,id,vals] update, [2,id] delete, [4,id] link,
// [6,0,ids] replace.
func (s *Server) x2many(model string, id int, name string, f Field, v any) *odooError {
	cmds, ok := v.([]any)
	if !ok {
		return valueError(fmt.Sprintf("Wrong value for %s.%s: %s (expected a list of commands)", model, name, jsonText(v)))
	}
	inv := inverse[model+"/"+name]
	for _, c := range cmds {
		cmd, ok := c.([]any)
		if !ok || len(cmd) < 2 {
			return valueError(fmt.Sprintf("Wrong value for %s.%s: %s is not a command", model, name, jsonText(c)))
		}
		switch asInt(cmd[0]) {
		case 0:
			vals, _ := cmd[len(cmd)-1].(map[string]any)
			if vals == nil {
				return valueError(fmt.Sprintf("Wrong value for %s.%s: command 0 needs a dict", model, name))
			}
			if f.Type == "one2many" && inv != "" {
				vals = maps(vals)
				vals[inv] = json.Number(strconv.Itoa(id))
			}
			cid, err := s.create(f.Relation, vals)
			if err != nil {
				return err
			}
			if f.Type == "many2many" {
				s.recs[model][id][name] = append(ids(s.recs[model][id][name]), cid)
			}
		case 1:
			vals, _ := cmd[len(cmd)-1].(map[string]any)
			if err := s.write(f.Relation, asInt(cmd[1]), vals); err != nil {
				return err
			}
		case 2:
			delete(s.recs[f.Relation], asInt(cmd[1]))
		case 4:
			cid := asInt(cmd[1])
			if s.recs[f.Relation][cid] == nil {
				return missingError(f.Relation, cid)
			}
			if f.Type == "one2many" && inv != "" {
				s.recs[f.Relation][cid][inv] = id
			} else {
				s.recs[model][id][name] = append(ids(s.recs[model][id][name]), cid)
			}
		case 6:
			var list []int
			if l, ok := cmd[len(cmd)-1].([]any); ok {
				for _, x := range l {
					cid := asInt(x)
					if s.recs[f.Relation][cid] == nil {
						return missingError(f.Relation, cid)
					}
					list = append(list, cid)
				}
			}
			s.recs[model][id][name] = list
		default:
			return valueError(fmt.Sprintf("Wrong value for %s.%s: unknown command %s", model, name, jsonText(cmd[0])))
		}
	}
	return nil
}

func maps(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func ids(v any) []int {
	l, _ := v.([]int)
	return append([]int(nil), l...)
}

// write changes one record.
func (s *Server) write(model string, id int, vals map[string]any) *odooError {
	rec := s.recs[model][id]
	if rec == nil {
		return missingError(model, id)
	}
	fs := s.fields[model]
	if guard := writeGuard[model]; guard != nil {
		if err := guard(s, id, vals); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(vals) {
		v := vals[name]
		f, ok := fs[name]
		if !ok {
			return valueError(fmt.Sprintf("Invalid field '%s' in '%s'", name, model))
		}
		if f.Readonly || name == "id" {
			return validationError(fmt.Sprintf("Field '%s' (%s) of %s is read-only and cannot be written.", f.String, name, model))
		}
		if f.Type == "one2many" || f.Type == "many2many" {
			if err := s.x2many(model, id, name, f, v); err != nil {
				return err
			}
			continue
		}
		cv, err := s.coerce(model, name, f, v)
		if err != nil {
			return err
		}
		if f.Required && (cv == nil || cv == 0 || cv == "") && f.Type != "boolean" && f.Type != "float" && f.Type != "integer" && f.Type != "monetary" {
			return validationError(fmt.Sprintf("The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n\nModel: %s (%s)\nField: %s (%s)", modelTitle(model), model, f.String, name))
		}
		rec[name] = cv
	}
	s.touch(model, id)
	s.afterWrite(model, id)
	return nil
}

// touch sets a record's write_date to now, as every write does in Odoo.
func (s *Server) touch(model string, id int) {
	if r := s.recs[model][id]; r != nil {
		r["write_date"] = s.stamp()
	}
}

// value is a field's value as stored or computed.
func (s *Server) value(model string, id int, name string) any {
	if fn := computed[model+"/"+name]; fn != nil {
		return fn(s, id)
	}
	f := s.fields[model][name]
	if inv, ok := inverse[model+"/"+name]; ok && f.Type == "one2many" && inv != "" {
		return s.where(f.Relation, func(r Record) bool { return asInt(r[inv]) == id })
	}
	if name == "display_name" {
		return s.displayName(model, id)
	}
	return s.recs[model][id][name]
}

// out is a value as JSON-2 answers it.
func (s *Server) out(f Field, v any) any {
	switch f.Type {
	case "many2one":
		id := asInt(v)
		if id == 0 || s.recs[f.Relation][id] == nil {
			return false
		}
		return []any{id, s.displayName(f.Relation, id)}
	case "one2many", "many2many":
		l := ids(v)
		if l == nil {
			l = []int{}
		}
		return l
	case "float", "monetary":
		return asFloat(v)
	case "integer":
		return asInt(v)
	case "boolean":
		b, _ := v.(bool)
		return b
	}
	if v == nil || v == "" {
		return false
	}
	return v
}

func (s *Server) read(model string, id int, fields []string) (map[string]any, *odooError) {
	fs := s.fields[model]
	if len(fields) == 0 {
		fields = sortedKeys(fs)
	}
	r := map[string]any{"id": id}
	for _, name := range fields {
		f, ok := fs[name]
		if !ok {
			return nil, valueError(fmt.Sprintf("Invalid field '%s' on model '%s'", name, model))
		}
		if name == "id" {
			continue
		}
		r[name] = s.out(f, s.value(model, id, name))
	}
	return r, nil
}

// search returns the ids of model's records matching domain, ordered.
func (s *Server) search(model string, domain []any, order string) ([]int, *odooError) {
	var match func(id int) (bool, *odooError)
	var err *odooError
	match, err = s.compile(model, domain)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, id := range sortedIDs(s.recs[model]) {
		ok, err := match(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	if order == "" {
		return out, nil
	}
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for _, part := range strings.Split(order, ",") {
		fs := strings.Fields(part)
		if len(fs) == 0 {
			continue
		}
		if _, ok := s.fields[model][fs[0]]; !ok {
			return nil, valueError(fmt.Sprintf("Invalid field '%s' on model '%s'", fs[0], model))
		}
		keys = append(keys, key{fs[0], len(fs) > 1 && strings.EqualFold(fs[1], "desc")})
	}
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range keys {
			c := compare(s.value(model, out[i], k.field), s.value(model, out[j], k.field))
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	return out, nil
}

// compare orders two stored values; an empty value sorts first.
func compare(a, b any) int {
	switch {
	case isEmpty(a) && isEmpty(b):
		return 0
	case isEmpty(a):
		return -1
	case isEmpty(b):
		return 1
	}
	if as, ok := a.(string); ok {
		return strings.Compare(as, asString(b))
	}
	fa, fb := asFloat(a), asFloat(b)
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

func isEmpty(v any) bool { return v == nil || v == "" || v == false || v == 0 }

// compile turns a domain in Odoo's prefix notation into a predicate.
func (s *Server) compile(model string, domain []any) (func(int) (bool, *odooError), *odooError) {
	pos := 0
	var parse func() (func(int) (bool, *odooError), *odooError)
	parse = func() (func(int) (bool, *odooError), *odooError) {
		if pos >= len(domain) {
			return nil, valueError(fmt.Sprintf("Invalid domain: %s", jsonText(domain)))
		}
		t := domain[pos]
		pos++
		if op, ok := t.(string); ok {
			switch op {
			case "!":
				a, err := parse()
				if err != nil {
					return nil, err
				}
				return func(id int) (bool, *odooError) { ok, err := a(id); return !ok, err }, nil
			case "&", "|":
				a, err := parse()
				if err != nil {
					return nil, err
				}
				b, err := parse()
				if err != nil {
					return nil, err
				}
				return func(id int) (bool, *odooError) {
					x, err := a(id)
					if err != nil {
						return false, err
					}
					if x == (op == "|") {
						return x, nil
					}
					return b(id)
				}, nil
			}
			return nil, valueError(fmt.Sprintf("Invalid domain term %s", jsonText(t)))
		}
		return s.term(model, t)
	}
	var terms []func(int) (bool, *odooError)
	for pos < len(domain) {
		p, err := parse()
		if err != nil {
			return nil, err
		}
		terms = append(terms, p)
	}
	return func(id int) (bool, *odooError) {
		for _, p := range terms {
			ok, err := p(id)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}, nil
}

// term compiles one [path, operator, value]; the path may follow
// many2one and x2many fields with dots (location_id.usage).
func (s *Server) term(model string, t any) (func(int) (bool, *odooError), *odooError) {
	l, ok := t.([]any)
	if !ok || len(l) != 3 {
		return nil, valueError(fmt.Sprintf("Invalid domain term %s", jsonText(t)))
	}
	path, _ := l[0].(string)
	op, _ := l[1].(string)
	want := l[2]
	ops := []string{"=", "!=", "<>", "in", "not in", ">", ">=", "<", "<=", "like", "ilike", "not like", "not ilike", "=like", "=ilike"}
	if !slices.Contains(ops, op) {
		return nil, valueError(fmt.Sprintf("Invalid operator %q in domain term %s", op, jsonText(t)))
	}
	steps := strings.Split(path, ".")
	m := model
	for i, st := range steps {
		f, ok := s.fields[m][st]
		if !ok && st != "id" {
			return nil, valueError(fmt.Sprintf("Invalid field %s.%s in condition %s", m, st, jsonText(t)))
		}
		if i < len(steps)-1 {
			if f.Relation == "" {
				return nil, valueError(fmt.Sprintf("Invalid path %s in condition %s: %s is not relational", path, jsonText(t), st))
			}
			m = f.Relation
		}
	}
	var values func(m string, id int, steps []string) []any
	values = func(m string, id int, steps []string) []any {
		name := steps[0]
		if name == "id" {
			return []any{id}
		}
		f := s.fields[m][name]
		v := s.value(m, id, name)
		if len(steps) == 1 {
			if f.Type == "one2many" || f.Type == "many2many" {
				out := []any{}
				for _, x := range ids(v) {
					out = append(out, x)
				}
				return out
			}
			return []any{v}
		}
		var next []int
		if f.Type == "many2one" {
			if x := asInt(v); x != 0 {
				next = []int{x}
			}
		} else {
			next = ids(v)
		}
		var out []any
		for _, x := range next {
			out = append(out, values(f.Relation, x, steps[1:])...)
		}
		return out
	}
	negative := op == "!=" || op == "<>" || op == "not in" || op == "not like" || op == "not ilike"
	return func(id int) (bool, *odooError) {
		vs := values(model, id, steps)
		if len(vs) == 0 {
			vs = []any{nil}
		}
		if negative {
			for _, v := range vs {
				if !matches(v, positive(op), want) {
					continue
				}
				return false, nil
			}
			return true, nil
		}
		for _, v := range vs {
			if matches(v, op, want) {
				return true, nil
			}
		}
		return false, nil
	}, nil
}

func positive(op string) string {
	switch op {
	case "!=", "<>":
		return "="
	case "not in":
		return "in"
	case "not like":
		return "like"
	case "not ilike":
		return "ilike"
	}
	return op
}

func matches(v any, op string, want any) bool {
	switch op {
	case "=":
		if want == false || want == nil {
			return v == nil || v == "" || v == false || v == 0
		}
		if v == nil || v == "" || v == false {
			return false
		}
		return compare(v, norm(want)) == 0
	case "in":
		l, _ := want.([]any)
		for _, w := range l {
			if matches(v, "=", w) {
				return true
			}
		}
		return false
	case ">", ">=", "<", "<=":
		if v == nil || v == "" || v == false {
			return false
		}
		c := compare(v, norm(want))
		return op == ">" && c > 0 || op == ">=" && c >= 0 || op == "<" && c < 0 || op == "<=" && c <= 0
	case "like", "ilike", "=like", "=ilike":
		str, ok := v.(string)
		if !ok {
			return false
		}
		pat := asString(want)
		if op == "ilike" || op == "=ilike" {
			str, pat = strings.ToLower(str), strings.ToLower(pat)
		}
		if op == "like" || op == "ilike" {
			return strings.Contains(str, pat)
		}
		return likeMatch(str, pat)
	}
	return false
}

func norm(v any) any {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return v
}

// likeMatch is SQL LIKE: % any run, _ one character.
func likeMatch(s, pat string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeMatch(s[i:], pat[1:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && likeMatch(s[1:], pat[1:])
	}
	return s != "" && s[0] == pat[0] && likeMatch(s[1:], pat[1:])
}
