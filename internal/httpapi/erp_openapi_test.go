package httpapi

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestERPOpenAPIFragment keeps erp_openapi.json, the embedded ERP's part of
// the OpenAPI document, in step with the ERP routes of the route table.
func TestERPOpenAPIFragment(t *testing.T) {
	b, err := os.ReadFile("erp_openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("erp_openapi.json: %v", err)
	}
	inDoc := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc[strings.ToUpper(m)+" "+p] = true
		}
	}
	inRoutes := map[string]bool{}
	for _, rt := range (&Handler{}).routes() {
		if strings.Contains(rt.pattern, " /api/v1/erp/") {
			inRoutes[rt.pattern] = true
			if !inDoc[rt.pattern] {
				t.Errorf("route %s is not in erp_openapi.json", rt.pattern)
			}
		}
	}
	for p := range inDoc {
		if !inRoutes[p] {
			t.Errorf("erp_openapi.json has %s, which is no route", p)
		}
	}
}
