package millwright

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	moneyType     = reflect.TypeFor[Money]()
	qtyType       = reflect.TypeFor[Qty]()
	timeType      = reflect.TypeFor[time.Time]()
	unmarshalType = reflect.TypeFor[json.Unmarshaler]()
)

// CheckJSON checks a JSON body against the bounds of the fields of the
// type v points to, before it is read into v: amounts are decimal
// strings within CheckAmountText's bounds, quantities JSON numbers within
// CheckQuantityText's, text within CheckText's, timestamps within
// CheckTime's, whole numbers and readings within CheckInt's and
// CheckFloat's. The first field out of bounds is named in the error.
// Malformed JSON and fields v does not have are left to the decoder.
func CheckJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil // the decoder says what is wrong
	}
	return checkValue("", reflect.TypeOf(v), raw)
}

func checkValue(path string, t reflect.Type, raw any) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if raw == nil {
		return nil
	}
	field := path
	if field == "" {
		field = "the body"
	}
	switch t {
	case moneyType:
		switch r := raw.(type) {
		case string:
			return CheckAmountText(field, r)
		case json.Number:
			return boundError("invalid_amount", field, "send amounts as decimal strings such as \"12.50\", not the JSON number %s", clip(r.String()))
		}
		return nil // the decoder refuses other JSON types
	case qtyType:
		switch r := raw.(type) {
		case json.Number:
			return CheckQuantityText(field, r.String())
		case string:
			return boundError("invalid_quantity", field, "send quantities and hours as JSON numbers such as 2.5, not the string %q", clip(r))
		}
		return nil
	case timeType:
		if s, ok := raw.(string); ok {
			// The zero time is Go's "not set" (of created_at, which the
			// server sets), written back as 0001-01-01.
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil && !at.IsZero() {
				return CheckTime(field, at)
			}
		}
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalType) || t.Implements(unmarshalType) {
		return nil // a type that reads itself checks itself
	}
	switch t.Kind() {
	case reflect.String:
		if s, ok := raw.(string); ok {
			return CheckText(field, s)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n, ok := raw.(json.Number); ok {
			i, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil {
				if _, _, ok := measure(n.String(), true); ok {
					return boundError("invalid_number", field, "%s is out of range; it takes a whole number from -%d to %d", clip(n.String()), MaxInt, MaxInt)
				}
				return nil
			}
			return CheckInt(field, i)
		}
	case reflect.Float32, reflect.Float64:
		if n, ok := raw.(json.Number); ok {
			f, err := strconv.ParseFloat(n.String(), 64)
			if err != nil {
				return boundError("invalid_number", field, "%s is out of range; it takes a number between -1e15 and 1e15", clip(n.String()))
			}
			return CheckFloat(field, f)
		}
	case reflect.Slice, reflect.Array:
		if items, ok := raw.([]any); ok {
			for i, item := range items {
				if err := checkValue(path+"["+strconv.Itoa(i)+"]", t.Elem(), item); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if m, ok := raw.(map[string]any); ok {
			for k, item := range m {
				if err := CheckText(join(path, "key "+strconv.Quote(k)), k); err != nil {
					return err
				}
				if err := checkValue(join(path, k), t.Elem(), item); err != nil {
					return err
				}
			}
		}
	case reflect.Struct:
		if m, ok := raw.(map[string]any); ok {
			fields := jsonFields(t)
			for k, item := range m {
				ft, ok := fields[k]
				if !ok {
					ft, ok = fields[strings.ToLower(k)] // encoding/json matches names without case
				}
				if !ok {
					continue // an unknown field: the decoder refuses it
				}
				if err := checkValue(join(path, k), ft, item); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names of t's fields, embedded structs'
// included, to their types; each name also under its lower case.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		var embedded []reflect.Type // added after t's own fields, which win
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "-" {
				continue
			}
			if f.Anonymous && tag == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					embedded = append(embedded, ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			name := tag
			if name == "" {
				name = f.Name
			}
			if _, taken := m[name]; !taken {
				m[name] = f.Type
			}
			if _, taken := m[strings.ToLower(name)]; !taken {
				m[strings.ToLower(name)] = f.Type
			}
		}
		for _, e := range embedded {
			add(e)
		}
	}
	add(t)
	fieldCache.Store(t, m)
	return m
}
