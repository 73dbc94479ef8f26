package webhook

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// MessageKinds are the messages the connector posts, each with its payload.
var MessageKinds = []integration.MessageKind{
	integration.KindRequisitionRequest, integration.KindStockMovement, integration.KindStockLevel,
	integration.KindLaborCost, integration.KindWorkOrderStatus, integration.KindItemMaster,
}

// messagePayloads are the payload types of MessageKinds.
var messagePayloads = map[integration.MessageKind]any{
	integration.KindRequisitionRequest: integration.RequisitionRequest{},
	integration.KindStockMovement:      integration.StockMovement{},
	integration.KindStockLevel:         integration.StockLevel{},
	integration.KindLaborCost:          integration.LaborCost{},
	integration.KindWorkOrderStatus:    integration.WorkOrderStatus{},
	integration.KindItemMaster:         integration.ItemMaster{},
}

// EventPayloads are the payload types of the events the CMMS takes back.
var EventPayloads = map[integration.EventKind]any{
	integration.EventRequisitionCreated:  integration.RequisitionDecided{},
	integration.EventRequisitionApproved: integration.RequisitionDecided{},
	integration.EventRequisitionRejected: integration.RequisitionDecided{},
	integration.EventRequisitionCanceled: integration.RequisitionDecided{},
	integration.EventPurchaseOrderCreate: integration.PurchaseOrderChanged{},
	integration.EventPurchaseOrderChange: integration.PurchaseOrderChanged{},
	integration.EventGoodsReceived:       integration.GoodsReceived{},
	integration.EventInvoicePosted:       integration.InvoicePosted{},
	integration.EventInvoiceHeld:         integration.InvoicePosted{},
	integration.EventStockLevelChanged:   integration.StockLevelChanged{},
	integration.EventCostPosted:          integration.CostPosted{},
	integration.EventItemChanged:         integration.ItemChanged{},
	integration.EventBudgetAlert:         integration.BudgetAlert{},
}

// Docs are the doc comments of the port's types and fields, keyed
// "Type" and "Type.Field", that schemas carry as descriptions.
type Docs map[string]string

// Schemas returns the JSON Schemas of the messages and events, keyed by
// their path below docs/schemas: message.json and messages/KIND.json,
// event.json and events/KIND.json, and events.json (the body of a webhook
// post and of a 2xx answer). They are generated from the port's Go types;
// TestSchemas keeps the committed files equal to them.
func Schemas(docs Docs) map[string][]byte {
	g := generator{docs: docs}
	out := map[string]any{}
	var kinds []string
	for _, k := range MessageKinds {
		kinds = append(kinds, string(k))
	}
	out["message.json"] = g.envelope("Message", reflect.TypeFor[integration.Message](), "A message the CMMS sends: POSTed, signed, to the endpoint's url. Its payload is the schema of its kind, in messages/KIND.json.", kinds, nil)
	for k, p := range messagePayloads {
		out["messages/"+string(k)+".json"] = g.envelope("Message", reflect.TypeFor[integration.Message](),
			"A "+string(k)+" message: "+docs[reflect.TypeOf(p).Name()], []string{string(k)}, reflect.TypeOf(p))
	}
	var events []string
	for k := range EventPayloads {
		events = append(events, string(k))
	}
	slices.Sort(events)
	out["event.json"] = g.envelope("Event", reflect.TypeFor[integration.Event](), "An event the endpoint sends the CMMS. Its payload is the schema of its kind, in events/KIND.json.", events, nil)
	for k, p := range EventPayloads {
		out["events/"+string(k)+".json"] = g.envelope("Event", reflect.TypeFor[integration.Event](),
			"A "+string(k)+" event: "+docs[reflect.TypeOf(p).Name()], []string{string(k)}, reflect.TypeOf(p))
	}
	out["events.json"] = map[string]any{
		"$schema":     draft,
		"title":       "Events",
		"description": "The body of POST /api/v1/integration/webhooks/webhook, and of the endpoint's 2xx answer to a message (which may also be empty). Each event is in event.json.",
		"type":        "object",
		"properties":  map[string]any{"events": map[string]any{"type": "array", "items": map[string]any{"$ref": "event.json"}}},
		"required":    []string{"events"},
	}
	files := map[string][]byte{}
	for name, s := range out {
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			panic(err) // maps of strings and slices always encode
		}
		files[name] = append(b, '\n')
	}
	return files
}

const draft = "https://json-schema.org/draft/2020-12/schema"

type generator struct{ docs Docs }

// envelope is the schema of a Message or an Event of kinds, with payload
// as its payload (any object when nil).
func (g generator) envelope(title string, t reflect.Type, desc string, kinds []string, payload reflect.Type) map[string]any {
	s := g.schema(t, "")
	s["$schema"] = draft
	s["title"] = title
	if payload != nil {
		s["title"] = title + " " + kinds[0]
	}
	s["description"] = strings.TrimSpace(desc)
	props := s["properties"].(map[string]any)
	kind := props["kind"].(map[string]any)
	if len(kinds) == 1 {
		kind["const"] = kinds[0]
	} else {
		kind["enum"] = kinds
	}
	if payload != nil {
		p := g.schema(payload, "")
		p["description"] = g.docs[payload.Name()]
		props["payload"] = p
	} else {
		props["payload"] = map[string]any{"type": "object", "description": "the payload of the message's or event's kind"}
	}
	return s
}

// schema is the JSON Schema of t; field names the struct field it is, for
// its description.
func (g generator) schema(t reflect.Type, field string) map[string]any {
	s := map[string]any{}
	if d := g.docs[field]; d != "" {
		s["description"] = d
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		s["type"], s["format"] = "string", "date-time"
		return s
	case reflect.TypeFor[millwright.Money]():
		s["type"], s["pattern"] = "string", `^-?[0-9]+(\.[0-9]+)?$`
		if _, ok := s["description"]; !ok {
			s["description"] = "an exact decimal amount, as a string such as \"12.50\""
		}
		return s
	case reflect.TypeFor[millwright.Qty]():
		s["type"] = "number"
		return s
	case reflect.TypeFor[json.RawMessage]():
		s["type"] = "object"
		return s
	}
	switch t.Kind() {
	case reflect.String:
		s["type"] = "string"
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		s["type"] = "integer"
	case reflect.Float32, reflect.Float64:
		s["type"] = "number"
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = g.schema(t.Elem(), "")
	case reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = g.schema(t.Elem(), "")
	case reflect.Struct:
		s["type"] = "object"
		props := map[string]any{}
		required := []string{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.schema(f.Type, t.Name()+"."+f.Name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		s["properties"], s["required"] = props, required
	default:
		panic("webhook: no JSON Schema for " + t.String())
	}
	return s
}
