package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/httpapi"
)

// openAPIDoc is the parts of an OpenAPI document the tests look at.
type openAPIDoc struct {
	OpenAPI  string                                 `json:"openapi"`
	Security []map[string][]string                  `json:"security"`
	Paths    map[string]map[string]openAPIOperation `json:"paths"`
}

type openAPIOperation struct {
	OperationID string                 `json:"operationId"`
	Action      string                 `json:"x-action"`
	Security    *[]map[string][]string `json:"security"`
	Parameters  []map[string]any       `json:"parameters"`
	Responses   map[string]any         `json:"responses"`
}

var httpMethods = []string{"get", "put", "post", "patch", "delete", "head", "options", "trace"}

// mustOpenAPI parses the document the handler serves, both as a tree (to
// resolve references) and as openAPIDoc.
func mustOpenAPI(t *testing.T) (map[string]any, openAPIDoc) {
	t.Helper()
	var tree map[string]any
	if err := json.Unmarshal(httpapi.OpenAPIForTest, &tree); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(httpapi.OpenAPIForTest, &doc); err != nil {
		t.Fatalf("openapi.json does not have the shape of an OpenAPI document: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q; want 3.x", doc.OpenAPI)
	}
	return tree, doc
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// TestOpenAPIMatchesRoutes checks that openapi.json documents exactly the
// routes of the route table, each completely.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	tree, doc := mustOpenAPI(t)

	// The route table, with path parameters compared by position.
	actions := map[string]string{"GET /api/v1/openapi.json": ""}
	for _, rt := range httpapi.RoutesForTest(httpapi.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))) {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		actions[method+" "+pathParam.ReplaceAllString(path, "{}")] = string(rt.Action)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			if slices.Contains(httpMethods, method) {
				documented[strings.ToUpper(method)+" "+pathParam.ReplaceAllString(path, "{}")] = true
			}
		}
	}
	var missing, extra []string
	for k := range actions {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := actions[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.json that no route serves:\n  %s", strings.Join(extra, "\n  "))
	}

	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("top-level security = %v; want bearerAuth", doc.Security)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			name := strings.ToUpper(method) + " " + path
			key := strings.ToUpper(method) + " " + pathParam.ReplaceAllString(path, "{}")
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %s", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			var ok2xx bool
			for code := range op.Responses {
				ok2xx = ok2xx || strings.HasPrefix(code, "2")
			}
			if !ok2xx {
				t.Errorf("%s has no 2xx response", name)
			}
			if action, routed := actions[key]; routed && action != op.Action {
				t.Errorf("%s has x-action %q; the route table says %q", name, op.Action, action)
			}
			public := key == "GET /api/v1/openapi.json"
			signed := actions[key] == string(auth.Signed) // no token: a signature, so still 401
			switch {
			case (public || signed) && (op.Security == nil || len(*op.Security) != 0):
				t.Errorf("%s needs no token; want security: []", name)
			case signed && op.Responses["401"] == nil:
				t.Errorf("%s is authenticated by signature and does not document 401", name)
			case signed:
			case !public && op.Security != nil:
				t.Errorf("%s overrides security; want the document's bearerAuth", name)
			case !public && op.Responses["401"] == nil:
				t.Errorf("%s does not document 401", name)
			}

			params := map[string]bool{}
			for _, p := range op.Parameters {
				p = resolveParam(t, tree, p)
				params[p["in"].(string)+":"+p["name"].(string)] = true
			}
			for _, m := range pathParam.FindAllString(path, -1) {
				if !params["path:"+strings.Trim(m, "{}")] {
					t.Errorf("%s does not declare path parameter %s", name, m)
				}
			}
			if method == "post" && !params["header:Idempotency-Key"] {
				t.Errorf("%s does not declare the Idempotency-Key header", name)
			}
		}
	}
}

func resolveParam(t *testing.T, tree map[string]any, p map[string]any) map[string]any {
	t.Helper()
	if ref, ok := p["$ref"].(string); ok {
		v, ok := resolve(tree, ref)
		if !ok {
			t.Fatalf("parameter $ref %s does not resolve", ref)
		}
		return v.(map[string]any)
	}
	return p
}

// resolve follows a local JSON pointer such as #/components/schemas/Site.
func resolve(tree map[string]any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var v any = tree
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

func TestOpenAPIRefsResolve(t *testing.T) {
	tree, _ := mustOpenAPI(t)
	var refs int
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				refs++
				if _, ok := resolve(tree, ref); !ok {
					t.Errorf("%s: $ref %s does not resolve", where, ref)
				}
			}
			for k, e := range x {
				walk(where+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(where, e)
			}
		}
	}
	walk("#", tree)
	if refs < 100 {
		t.Errorf("openapi.json has %d $refs; want the schemas shared through components", refs)
	}
	schemas := tree["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Site", "Location", "AssetClass", "Asset", "BOM", "Item", "Storeroom", "Stock",
		"StockAdjustment", "Movement", "WorkOrder", "MaterialLine", "Labor", "Issue", "Costs", "Trace", "User",
		"AuditEntry", "Verification", "Error", "Page"} {
		if schemas[name] == nil {
			t.Errorf("components/schemas has no %s", name)
		}
	}
}

// TestOpenAPIServed checks that the document is served, without a token,
// byte for byte.
func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer(httpapi.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/openapi.json = %d %s; want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, file) {
		t.Fatalf("GET /api/v1/openapi.json served %d bytes that differ from openapi.json (%d bytes)", len(body), len(file))
	}
}

// schemaProps resolves a schema and returns its properties, merged across
// allOf, and whether one of its parts is the shared Page.
func schemaProps(t *testing.T, tree map[string]any, s any) (props map[string]any, page bool) {
	t.Helper()
	m, _ := s.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		v, ok := resolve(tree, ref)
		if !ok {
			t.Fatalf("$ref %s does not resolve", ref)
		}
		props, _ = schemaProps(t, tree, v)
		return props, ref == "#/components/schemas/Page"
	}
	props = map[string]any{}
	for _, part := range asSlice(m["allOf"]) {
		p, isPage := schemaProps(t, tree, part)
		page = page || isPage
		for k, v := range p {
			if old, ok := props[k].(map[string]any); ok && k == "items" {
				// Page's items is {}; a list narrows it: keep the narrower.
				if _, narrowed := v.(map[string]any)["items"].(map[string]any)["$ref"]; !narrowed {
					v = old
				}
			}
			props[k] = v
		}
	}
	p, _ := m["properties"].(map[string]any)
	for k, v := range p {
		props[k] = v
	}
	return props, page
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// okSchema is the JSON schema of an operation's 200 response.
func okSchema(t *testing.T, tree map[string]any, method, path string) any {
	t.Helper()
	op, _ := field(tree, "paths", path, method).(map[string]any)
	if op == nil {
		t.Fatalf("openapi.json has no %s %s", method, path)
	}
	return field(op, "responses", "200", "content", "application/json", "schema")
}

// TestOpenAPIContractShapes: every list, the PM forecast too, answers a
// Page; the ERP's requisition and purchase-order lines and stock name the
// item by erp_item_code beside its item_id, and their lists filter on
// item_id.
func TestOpenAPIContractShapes(t *testing.T) {
	tree, doc := mustOpenAPI(t)
	for path, item := range doc.Paths {
		for method, op := range item {
			params := map[string]bool{}
			for _, p := range op.Parameters {
				p = resolveParam(t, tree, p)
				params[p["in"].(string)+":"+p["name"].(string)] = true
			}
			if method != "get" || !params["query:cursor"] {
				continue
			}
			if _, page := schemaProps(t, tree, okSchema(t, tree, method, path)); !page {
				t.Errorf("GET %s takes ?cursor= but does not answer a Page", path)
			}
		}
	}

	forecast := "/api/v1/pm-plans/{id}/forecast"
	props, page := schemaProps(t, tree, okSchema(t, tree, "get", forecast))
	if !page || props["next_cursor"] == nil {
		t.Errorf("GET %s answers %v; want a Page of due dates", forecast, props)
	}
	for _, want := range []string{"query:limit", "query:cursor"} {
		if !slices.ContainsFunc(doc.Paths[forecast]["get"].Parameters, func(p map[string]any) bool {
			p = resolveParam(t, tree, p)
			return p["in"].(string)+":"+p["name"].(string) == want
		}) {
			t.Errorf("GET %s does not declare %s", forecast, want)
		}
	}

	// lineProps returns the properties of a record's lines.
	lineProps := func(record map[string]any) map[string]any {
		lines, _ := record["lines"].(map[string]any)
		p, _ := schemaProps(t, tree, lines["items"])
		return p
	}
	for _, tc := range []struct {
		path  string
		list  bool
		lines bool // item_id and erp_item_code are on the record's lines, not the record
	}{
		{"/api/v1/erp/requisitions", true, true},
		{"/api/v1/erp/requisitions/{id}", false, true},
		{"/api/v1/erp/purchase-orders", true, true},
		{"/api/v1/erp/purchase-orders/{id}", false, true},
		{"/api/v1/erp/stock", true, false},
	} {
		record, page := schemaProps(t, tree, okSchema(t, tree, "get", tc.path))
		if tc.list {
			if !page {
				t.Errorf("GET %s does not answer a Page", tc.path)
				continue
			}
			record, _ = schemaProps(t, tree, record["items"].(map[string]any)["items"])
			if !slices.ContainsFunc(doc.Paths[tc.path]["get"].Parameters, func(p map[string]any) bool {
				p = resolveParam(t, tree, p)
				return p["in"] == "query" && p["name"] == "item_id" && strings.Contains(fmt.Sprint(p["description"]), "erp_item_code")
			}) {
				t.Errorf("GET %s does not declare ?item_id= as the ERP item's id or erp_item_code", tc.path)
			}
		}
		if tc.lines {
			record = lineProps(record)
		}
		for _, f := range []string{"item_id", "erp_item_code"} {
			if record[f] == nil {
				t.Errorf("GET %s: %s is not documented (have %v)", tc.path, f, slices.Sorted(maps.Keys(record)))
			}
		}
	}
}
