package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/shopspring/decimal"
)

// An event's Seq is the position of its record in the polling order:
//
//	bits 62..33  the record's date, in seconds since 2020-01-01 UTC (until 2054)
//	bits 32..29  the source (the kind of record and its date field), below
//	bits 28..27  the event's index among its record's (a bill of several orders)
//	bits 26..0   the record's id (below 134 217 728)
//
// Events(after) reads each source from after's date on — the records of
// that very second again, so none of the same write_date is lost at the
// boundary — and keeps what sorts after after: a poll from one position
// always answers the same events, and a restart resumes from the
// dispatcher's last_event_seq with nothing lost or repeated. A record
// changed again moves on to a new position and is reported again with its
// new state; the CMMS applies each state it has not seen yet. A date only
// counts once it is SettleDelay old, because Odoo stamps write_date at the
// start of a transaction, which may commit later.
const (
	epochUnix = 1577836800 // 2020-01-01T00:00:00Z
	idBits    = 27
	subBits   = 2
	srcBits   = 4
)

func seqOf(at time.Time, src, sub, id int) (int64, error) {
	if id >= 1<<idBits || sub >= 1<<subBits {
		return 0, fmt.Errorf("odoo record id %d (or event %d of it) is past what an event sequence holds", id, sub)
	}
	t := max(at.Unix()-epochUnix, 0)
	return t<<(idBits+subBits+srcBits) | int64(src)<<(idBits+subBits) | int64(sub)<<idBits | int64(id), nil
}

func splitSeq(seq int64) (at time.Time, src, id int) {
	at = time.Unix(seq>>(idBits+subBits+srcBits)+epochUnix, 0).UTC()
	return at, int(seq>>(idBits+subBits)) & (1<<srcBits - 1), int(seq & (1<<idBits - 1))
}

// The sources, in their order within one second: a receipt sorts before
// the stock level it raised, an order before its receipt.
const (
	srcItem = iota
	srcRequisition
	srcOrderApproved
	srcOrder
	srcReceipt
	srcStock
	srcBill
	srcCost
)

type source struct {
	model, field string
	fields       []string
	domain       func(c *Connector) ([]any, error)
	events       func(c *Connector, ctx context.Context, r record) ([]integration.Event, error)
}

type record map[string]any

func (r record) id() int             { f, _ := r["id"].(float64); return int(f) }
func (r record) str(k string) string { s, _ := r[k].(string); return s }
func (r record) num(k string) float64 {
	f, _ := r[k].(float64)
	return f
}
func (r record) ids(k string) []int {
	var out []int
	l, _ := r[k].([]any)
	for _, x := range l {
		f, _ := x.(float64)
		out = append(out, int(f))
	}
	return out
}

func (c *Connector) ours(prefix string) []any {
	if c.cfg.mode() == ModeRequisition {
		return []any{prefix + "requisition_id.reference", "=like", markerPrefix + "%"}
	}
	return []any{prefix + "origin", "=like", markerPrefix + "%"}
}

func (c *Connector) sources() []source {
	return []source{
		srcItem: {model: "product.product", field: "write_date", fields: []string{"default_code", "name", "uom_id", "is_storable", "standard_price", "write_date"},
			domain: func(*Connector) ([]any, error) { return []any{[]any{"default_code", "!=", false}}, nil },
			events: (*Connector).itemEvents},
		srcRequisition: {model: "purchase.requisition", field: "write_date", fields: []string{"name", "state", "reference", "write_date"},
			domain: func(*Connector) ([]any, error) { return []any{[]any{"reference", "=like", markerPrefix + "%"}}, nil },
			events: (*Connector).requisitionEvents},
		srcOrder: {model: "purchase.order", field: "write_date", fields: orderFields,
			domain: func(c *Connector) ([]any, error) {
				if c.cfg.mode() == ModeRequisition {
					return []any{c.ours(""), []any{"state", "in", []any{"purchase", "cancel"}}}, nil
				}
				return []any{c.ours("")}, nil
			},
			events: func(c *Connector, ctx context.Context, r record) ([]integration.Event, error) {
				return c.orderEvents(ctx, r, false)
			}},
		srcOrderApproved: {model: "purchase.order", field: "date_approve", fields: orderFields,
			domain: func(c *Connector) ([]any, error) { return []any{c.ours(""), []any{"state", "=", "purchase"}}, nil },
			events: func(c *Connector, ctx context.Context, r record) ([]integration.Event, error) {
				return c.orderEvents(ctx, r, true)
			}},
		srcReceipt: {model: "stock.picking", field: "date_done", fields: []string{"name", "purchase_id", "date_done"},
			domain: func(c *Connector) ([]any, error) {
				return []any{[]any{"state", "=", "done"}, []any{"picking_type_code", "=", "incoming"}, c.ours("purchase_id.")}, nil
			},
			events: (*Connector).receiptEvents},
		srcStock: {model: "stock.quant", field: "write_date", fields: []string{"product_id", "location_id", "write_date"},
			domain: func(c *Connector) ([]any, error) {
				locs, err := c.storeLocations(context.Background())
				if err != nil {
					return nil, err
				}
				var ids []any
				for id := range locs {
					ids = append(ids, id)
				}
				return []any{[]any{"location_id", "in", ids}, []any{"product_id.default_code", "!=", false}}, nil
			},
			events: (*Connector).stockEvents},
		srcBill: {model: "account.move", field: "write_date", fields: []string{"name", "state", "write_date"},
			domain: func(*Connector) ([]any, error) {
				return []any{[]any{"move_type", "=", "in_invoice"}, []any{"state", "=", "posted"}}, nil
			},
			events: (*Connector).billEvents},
		srcCost: {model: "account.analytic.line", field: "write_date", fields: []string{"ref", "code", "amount", "account_id", "write_date"},
			domain: func(*Connector) ([]any, error) { return []any{[]any{"ref", "=like", markerPrefix + "%"}}, nil },
			events: (*Connector).costEvents},
	}
}

var orderFields = []string{"name", "state", "partner_id", "date_planned", "date_approve", "origin", "requisition_id", "write_date"}

// Events returns Odoo's changes after seq as events, at most limit, in
// Seq order; see the Seq layout above.
func (c *Connector) Events(ctx context.Context, after int64, limit int) ([]integration.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	at, srcAfter, idAfter := splitSeq(after)
	from := at.Format(odooTime)
	upTo := c.now().Add(-c.settle()).Format(odooTime)
	var all []integration.Event
	for i, s := range c.sources() {
		dom, err := s.domain(c)
		if err != nil {
			return nil, err
		}
		dom = append(slices.Clone(dom), []any{s.field, "<=", upTo})
		switch {
		case i < srcAfter:
			dom = append(dom, []any{s.field, ">", from})
		case i > srcAfter:
			dom = append(dom, []any{s.field, ">=", from})
		default:
			dom = append(dom, "|", []any{s.field, ">", from}, "&", []any{s.field, "=", from}, []any{"id", ">=", idAfter})
		}
		got := 0
		for offset := 0; got < limit; offset += limit {
			var page []record
			if err := c.c.call(ctx, s.model, "search_read", map[string]any{"domain": dom, "fields": s.fields,
				"order": s.field + " asc, id asc", "limit": limit, "offset": offset}, &page); err != nil {
				return nil, err
			}
			for _, r := range page {
				evs, err := s.events(c, ctx, r)
				if err != nil {
					return nil, err
				}
				for sub, ev := range evs {
					t, err := time.Parse(odooTime, r.str(s.field))
					if err != nil {
						return nil, fmt.Errorf("odoo %s %d: %s %q is not a date", s.model, r.id(), s.field, r.str(s.field))
					}
					if ev.Seq, err = seqOf(t, i, sub, r.id()); err != nil {
						return nil, err
					}
					ev.At = t
					if ev.Seq > after {
						all = append(all, ev)
						got++
					}
				}
			}
			if len(page) < limit {
				break
			}
		}
	}
	slices.SortFunc(all, func(a, b integration.Event) int { return int(sign(a.Seq - b.Seq)) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

func sign(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

const odooTime = "2006-01-02 15:04:05"

// eventsOf reads records of one source by id and answers their events,
// with the Seq a poll gives them: what Send answers. A record whose date
// is not settled yet is left to the poll: a change later in the same
// second would get the same Seq, and the CMMS, which records an event
// once per Seq, would never see it.
func (c *Connector) eventsOf(ctx context.Context, src int, ids []int) ([]integration.Event, error) {
	s := c.sources()[src]
	settled := c.now().Add(-c.settle()).Format(odooTime)
	var recs []record
	if err := c.c.call(ctx, s.model, "read", map[string]any{"ids": ids, "fields": s.fields}, &recs); err != nil {
		return nil, err
	}
	var out []integration.Event
	for _, r := range recs {
		evs, err := s.events(c, ctx, r)
		if err != nil {
			return nil, err
		}
		t, err := time.Parse(odooTime, r.str(s.field))
		if err != nil || r.str(s.field) > settled {
			continue // no date yet, or not settled: a poll reports it once it is
		}
		for sub, ev := range evs {
			if ev.Seq, err = seqOf(t, src, sub, r.id()); err != nil {
				return nil, err
			}
			ev.At = t
			out = append(out, ev)
		}
	}
	return out, nil
}

func event(kind integration.EventKind, doc string, payload any) (integration.Event, error) {
	b, err := json.Marshal(payload)
	return integration.Event{Kind: kind, DocumentKey: doc, Actor: "odoo", Payload: b}, err
}

func qty(f float64) millwright.Qty { return millwright.Qty{Decimal: decimal.NewFromFloat(f)} }
func money(f float64) millwright.Money {
	return millwright.Money{Decimal: decimal.NewFromFloat(f).Round(2)}
}

func (c *Connector) itemEvents(_ context.Context, r record) ([]integration.Event, error) {
	st := "direct"
	if b, _ := r["is_storable"].(bool); b {
		st = "stock"
	}
	code := r.str("default_code")
	ev, err := event(integration.EventItemChanged, "item:"+code, integration.ItemChanged{ERPItemCode: code, Description: r.str("name"),
		Unit: c.cmmsUnit(m2oName(r["uom_id"])), StockType: st, Price: money(r.num("standard_price"))})
	return []integration.Event{ev}, err
}

// codes answers the default_code of products by id.
func (c *Connector) codes(ctx context.Context, ids []int) (map[int]string, error) {
	out := map[int]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var recs []record
	if err := c.c.call(ctx, "product.product", "read", map[string]any{"ids": ids, "fields": []string{"default_code"}}, &recs); err != nil {
		return nil, err
	}
	for _, r := range recs {
		out[r.id()] = r.str("default_code")
	}
	return out, nil
}

// lineInfo is what the connector knows of an Odoo line: the CMMS lines
// it serves and its item.
type lineInfo struct {
	id      int
	marker  lineMarker
	product int
	code    string
	qty     float64
	rec     record
}

func (c *Connector) readLines(ctx context.Context, model, parent string, parentID int, fields []string) ([]lineInfo, error) {
	var recs []record
	if err := c.c.call(ctx, model, "search_read", map[string]any{"domain": []any{[]any{parent, "=", parentID}},
		"fields": append([]string{"product_id", "product_qty", "product_description_variants"}, fields...), "order": "id asc"}, &recs); err != nil {
		return nil, err
	}
	var pids []int
	for _, r := range recs {
		pids = append(pids, m2oID(r["product_id"]))
	}
	codes, err := c.codes(ctx, pids)
	if err != nil {
		return nil, err
	}
	var out []lineInfo
	for _, r := range recs {
		mk, _ := parseMarker(r.str("product_description_variants"))
		p := m2oID(r["product_id"])
		out = append(out, lineInfo{id: r.id(), marker: mk, product: p, code: codes[p], qty: r.num("product_qty"), rec: r})
	}
	return out, nil
}

func (c *Connector) requisitionEvents(ctx context.Context, r record) ([]integration.Event, error) {
	kind := map[string]integration.EventKind{"draft": integration.EventRequisitionCreated, "confirmed": integration.EventRequisitionApproved,
		"done": integration.EventRequisitionApproved, "cancel": integration.EventRequisitionCanceled}[r.str("state")]
	if kind == "" {
		return nil, nil
	}
	lines, err := c.readLines(ctx, "purchase.requisition.line", "requisition_id", r.id(), nil)
	if err != nil {
		return nil, err
	}
	p := integration.RequisitionDecided{RequisitionID: strconv.Itoa(r.id()), Number: r.str("name"), Status: r.str("state"), Actor: "odoo",
		Lines: []integration.RequisitionLineRef{}}
	for _, l := range lines {
		p.Lines = append(p.Lines, integration.RequisitionLineRef{RequisitionLineID: "prl:" + strconv.Itoa(l.id), WorkOrderID: l.marker.WorkOrder,
			MaterialLineID: l.marker.Material, ERPItemCode: l.code, Quantity: qty(l.qty)})
	}
	ev, err := event(kind, "requisition:"+r.str("name"), p)
	return []integration.Event{ev}, err
}

// orderLines reads an order's lines and, in purchase_requisition mode,
// takes the CMMS lines of a line the buyer made without the marker from
// the agreement's line of the same product.
func (c *Connector) orderLines(ctx context.Context, r record) ([]lineInfo, error) {
	lines, err := c.readLines(ctx, "purchase.order.line", "order_id", r.id(), []string{"qty_received", "price_unit"})
	if err != nil {
		return nil, err
	}
	if req := m2oID(r["requisition_id"]); req != 0 {
		reqLines, err := c.readLines(ctx, "purchase.requisition.line", "requisition_id", req, nil)
		if err != nil {
			return nil, err
		}
		used := map[int]bool{}
		for i := range lines {
			if lines[i].marker.Site != "" || lines[i].marker.Material != "" {
				continue
			}
			for _, rl := range reqLines {
				if rl.product == lines[i].product && !used[rl.id] {
					lines[i].marker, used[rl.id] = rl.marker, true
					break
				}
			}
		}
	}
	return lines, nil
}

func (c *Connector) orderEvents(ctx context.Context, r record, approved bool) ([]integration.Event, error) {
	lines, err := c.orderLines(ctx, r)
	if err != nil {
		return nil, err
	}
	state := r.str("state")
	draft := state == "draft" || state == "sent" || state == "to approve"
	if c.cfg.mode() == ModeDraftOrder && !approved && (draft || state == "cancel" && r.str("date_approve") == "") {
		// The draft order is the requisition.
		p := integration.RequisitionDecided{RequisitionID: "po:" + strconv.Itoa(r.id()), Number: r.str("name"), Status: state, Actor: "odoo",
			Lines: []integration.RequisitionLineRef{}}
		for _, l := range lines {
			p.Lines = append(p.Lines, integration.RequisitionLineRef{RequisitionLineID: "pol:" + strconv.Itoa(l.id), WorkOrderID: l.marker.WorkOrder,
				MaterialLineID: l.marker.Material, ERPItemCode: l.code, Quantity: qty(l.qty)})
		}
		kind := integration.EventRequisitionCreated
		if state == "cancel" {
			kind = integration.EventRequisitionRejected
			p.Comment = "the draft purchase order was cancelled in Odoo"
		}
		ev, err := event(kind, "requisition:"+r.str("name"), p)
		return []integration.Event{ev}, err
	}
	if draft {
		return nil, nil
	}
	promised := r.str("date_planned")
	if len(promised) >= 10 {
		promised = promised[:10]
	}
	p := integration.PurchaseOrderChanged{PurchaseOrderID: strconv.Itoa(r.id()), Number: r.str("name"), Vendor: m2oName(r["partner_id"]),
		Status: state, PromisedDate: promised, Lines: []integration.PurchaseOrderLine{}}
	for _, l := range lines {
		p.Lines = append(p.Lines, integration.PurchaseOrderLine{LineID: "pol:" + strconv.Itoa(l.id), RequisitionLineID: "pol:" + strconv.Itoa(l.id),
			WorkOrderID: l.marker.WorkOrder, MaterialLineID: l.marker.Material, ERPItemCode: l.code, Quantity: qty(l.qty),
			ReceivedQuantity: qty(l.rec.num("qty_received")), UnitPrice: money(l.rec.num("price_unit"))})
	}
	kind := integration.EventPurchaseOrderChange
	if approved {
		kind = integration.EventPurchaseOrderCreate
	}
	ev, err := event(kind, "purchase_order:"+r.str("name"), p)
	return []integration.Event{ev}, err
}

func (c *Connector) receiptEvents(ctx context.Context, r record) ([]integration.Event, error) {
	po := m2oID(r["purchase_id"])
	var orders []record
	if err := c.c.call(ctx, "purchase.order", "read", map[string]any{"ids": []int{po}, "fields": orderFields}, &orders); err != nil || len(orders) != 1 {
		return nil, err
	}
	lines, err := c.orderLines(ctx, orders[0])
	if err != nil {
		return nil, err
	}
	byID := map[int]lineInfo{}
	for _, l := range lines {
		byID[l.id] = l
	}
	var moves []record
	if err := c.c.call(ctx, "stock.move", "search_read", map[string]any{"domain": []any{[]any{"picking_id", "=", r.id()}, []any{"state", "=", "done"}},
		"fields": []string{"product_id", "quantity", "purchase_line_id", "location_dest_id"}, "order": "id asc"}, &moves); err != nil {
		return nil, err
	}
	locs, err := c.storeLocations(ctx)
	if err != nil {
		return nil, err
	}
	p := integration.GoodsReceived{ReceiptID: "picking:" + strconv.Itoa(r.id()), Number: r.str("name"), PurchaseOrderID: strconv.Itoa(po),
		PurchaseOrder: orders[0].str("name"), Lines: []integration.ReceivedLine{}}
	for _, mv := range moves {
		l := byID[m2oID(mv["purchase_line_id"])]
		wh := l.marker.Warehouse
		if !l.marker.Direct {
			if code, ok := locs[m2oID(mv["location_dest_id"])]; ok {
				wh = code
			}
		}
		if p.SiteID == "" {
			p.SiteID = l.marker.Site
		}
		q := mv.num("quantity")
		rl := integration.ReceivedLine{LineID: "pol:" + strconv.Itoa(l.id), RequisitionLineID: "pol:" + strconv.Itoa(l.id), WorkOrderID: l.marker.WorkOrder,
			MaterialLineID: l.marker.Material, ERPItemCode: l.code, Direct: l.marker.Direct, Quantity: qty(q), Value: money(q * l.rec.num("price_unit"))}
		if !rl.Direct {
			rl.Warehouse = wh
		}
		p.Lines = append(p.Lines, rl)
	}
	ev, err := event(integration.EventGoodsReceived, "purchase_order:"+orders[0].str("name"), p)
	return []integration.Event{ev}, err
}

// storeLocations maps the Odoo location id of each storeroom to its code.
func (c *Connector) storeLocations(ctx context.Context) (map[int]string, error) {
	out := map[int]string{}
	for code := range c.cfg.Storerooms {
		id, err := c.location(ctx, code)
		if err != nil {
			return nil, err
		}
		out[id] = code
	}
	return out, nil
}

func (c *Connector) stockEvents(ctx context.Context, r record) ([]integration.Event, error) {
	locs, err := c.storeLocations(ctx)
	if err != nil {
		return nil, err
	}
	code, loc := "", m2oID(r["location_id"])
	wh, ok := locs[loc]
	if !ok {
		return nil, nil
	}
	pid := m2oID(r["product_id"])
	var quants []record
	if err := c.c.call(ctx, "stock.quant", "search_read", map[string]any{"domain": []any{[]any{"product_id", "=", pid}, []any{"location_id", "=", loc}},
		"fields": []string{"quantity"}}, &quants); err != nil {
		return nil, err
	}
	var total float64
	for _, q := range quants {
		total += q.num("quantity")
	}
	var prods []record
	if err := c.c.call(ctx, "product.product", "read", map[string]any{"ids": []int{pid}, "fields": []string{"default_code", "standard_price"}}, &prods); err != nil {
		return nil, err
	}
	var cost float64
	if len(prods) == 1 {
		code, cost = prods[0].str("default_code"), prods[0].num("standard_price")
	}
	ev, err := event(integration.EventStockLevelChanged, "stock:"+code+"@"+wh, integration.StockLevelChanged{ERPItemCode: code, Warehouse: wh,
		SiteID: c.cfg.Storerooms[wh].SiteID, Quantity: qty(total), Value: money(total * cost), Cause: "odoo"})
	return []integration.Event{ev}, err
}

func (c *Connector) billEvents(ctx context.Context, r record) ([]integration.Event, error) {
	var lines []record
	if err := c.c.call(ctx, "account.move.line", "search_read", map[string]any{"domain": []any{[]any{"move_id", "=", r.id()},
		[]any{"display_type", "=", "product"}, []any{"purchase_line_id", "!=", false}},
		"fields": []string{"purchase_line_id", "product_id", "quantity", "price_unit"}, "order": "id asc"}, &lines); err != nil {
		return nil, err
	}
	var polIDs []int
	for _, l := range lines {
		polIDs = append(polIDs, m2oID(l["purchase_line_id"]))
	}
	var pols []record
	if err := c.c.call(ctx, "purchase.order.line", "read", map[string]any{"ids": polIDs, "fields": []string{"order_id"}}, &pols); err != nil {
		return nil, err
	}
	orderOf := map[int]int{}
	var orderIDs []int
	for _, pl := range pols {
		o := m2oID(pl["order_id"])
		orderOf[pl.id()] = o
		if !slices.Contains(orderIDs, o) {
			orderIDs = append(orderIDs, o)
		}
	}
	slices.Sort(orderIDs)
	var orders []record
	if len(orderIDs) > 0 {
		if err := c.c.call(ctx, "purchase.order", "search_read", map[string]any{"domain": []any{[]any{"id", "in", orderIDs}, c.ours("")},
			"fields": orderFields, "order": "id asc"}, &orders); err != nil {
			return nil, err
		}
	}
	var out []integration.Event
	for _, o := range orders {
		ol, err := c.orderLines(ctx, o)
		if err != nil {
			return nil, err
		}
		byID := map[int]lineInfo{}
		for _, l := range ol {
			byID[l.id] = l
		}
		p := integration.InvoicePosted{InvoiceID: strconv.Itoa(r.id()), Number: r.str("name"), PurchaseOrderID: strconv.Itoa(o.id()),
			PurchaseOrder: o.str("name"), Status: "posted", Lines: []integration.InvoiceLine{}}
		for _, l := range lines {
			pol := m2oID(l["purchase_line_id"])
			if orderOf[pol] != o.id() {
				continue
			}
			li := byID[pol]
			q, price := l.num("quantity"), l.num("price_unit")
			actual := money(q * price)
			p.Lines = append(p.Lines, integration.InvoiceLine{LineID: "pol:" + strconv.Itoa(pol), WorkOrderID: li.marker.WorkOrder,
				MaterialLineID: li.marker.Material, ERPItemCode: li.code, Quantity: qty(q), UnitPrice: money(price), ActualCost: actual,
				Variance: actual.Sub(money(q * li.rec.num("price_unit")))})
		}
		ev, err := event(integration.EventInvoicePosted, "purchase_order:"+o.str("name"), p)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if len(out) > 1<<subBits {
		out = out[:1<<subBits] // a bill of more orders than an event index holds: the rest are reported by reconciliation
	}
	return out, nil
}

func (c *Connector) costEvents(_ context.Context, r record) ([]integration.Event, error) {
	cc := ""
	acc := m2oName(r["account_id"])
	for k, v := range c.cfg.CostCenters {
		if v == acc || strings.HasSuffix(acc, v) || strings.HasPrefix(acc, "["+v+"]") {
			cc = k
		}
	}
	source := "labor"
	if strings.HasSuffix(r.str("ref"), "#parts") {
		source = "issue"
		if r.num("amount") > 0 {
			source = "return"
		}
	}
	wo := r.str("code")
	ev, err := event(integration.EventCostPosted, "work_order:"+wo, integration.CostPosted{EntryID: "aal:" + strconv.Itoa(r.id()),
		WorkOrderID: wo, CostCenter: cc, Source: source, Amount: money(-r.num("amount"))})
	return []integration.Event{ev}, err
}
