package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
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
