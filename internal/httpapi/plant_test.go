package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
)

// mustCreate posts body to path as admin, wants 201, and returns the new id.
func mustCreate(t *testing.T, a *api, path string, body any) string {
	t.Helper()
	r := a.must(http.StatusCreated, "POST", path, body)
	id := r.str("id")
	if id == "" {
		t.Fatalf("POST %s = %s; want a record with an id", path, r.Raw)
	}
	return id
}

// mustSite creates a site with code and returns its id.
func mustSite(t *testing.T, a *api, code string) string {
	t.Helper()
	return mustCreate(t, a, "/api/v1/sites", map[string]any{
		"code": code, "name": "Plant " + code, "currency": "EUR", "time_zone": "Europe/Berlin"})
}

// mustAsset creates an asset tagged tag in site and returns its id.
func mustAsset(t *testing.T, a *api, siteID, tag string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"tag": tag, "name": "Asset " + tag, "site_id": siteID}
	for k, v := range extra {
		body[k] = v
	}
	return mustCreate(t, a, "/api/v1/assets", body)
}

// ids returns the ids of a list response's items.
func ids(r resp) []string {
	var out []string
	for _, it := range r.items() {
		out = append(out, it["id"].(string))
	}
	return out
}

// wantIDs fails unless the list at path (as token) holds exactly want, in any order.
func wantIDs(t *testing.T, a *api, token, path string, want ...string) {
	t.Helper()
	r := a.do("GET", path, token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s = %d %s; want 200", path, r.Status, r.Raw)
	}
	got := ids(r)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("GET %s ids = %v; want %v", path, got, want)
	}
}

// auditActions returns the actions audited for an entity, in order.
func auditActions(t *testing.T, a *api, entityType, id string) []string {
	t.Helper()
	var out []string
	err := a.db.View(t.Context(), func(tx *store.Tx) error {
		p, err := tx.AuditEntries(t.Context(), store.AuditFilter{EntityType: entityType, EntityID: id})
		for _, e := range p.Items {
			out = append(out, e.Action)
		}
		return err
	})
	if err != nil {
		t.Fatalf("AuditEntries(%s %s) = %v", entityType, id, err)
	}
	return out
}

// errCase is a request that must fail with status and code.
type errCase struct {
	name   string
	method string
	path   string
	body   any
	status int
	code   string
}

func runErrors(t *testing.T, a *api, token string, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, a.do(c.method, c.path, token, c.body), c.status, c.code)
		})
	}
}

func TestSites(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		r := a.must(http.StatusCreated, "POST", "/api/v1/sites", map[string]any{
			"code": "NORTH", "name": "North plant", "currency": "eur", "time_zone": "America/Chicago"})
		id := r.str("id")
		if r.str("currency") != "EUR" || r.str("time_zone") != "America/Chicago" || r.str("code") != "NORTH" {
			t.Fatalf("created site = %s; want code NORTH, currency EUR, zone America/Chicago", r.Raw)
		}
		if got := a.must(http.StatusOK, "GET", "/api/v1/sites/"+id, nil); got.str("name") != "North plant" {
			t.Fatalf("GET site = %s; want name North plant", got.Raw)
		}
		south := mustSite(t, a, "SOUTH")
		wantIDs(t, a, a.admin, "/api/v1/sites", id, south)

		r = a.must(http.StatusOK, "PATCH", "/api/v1/sites/"+id, map[string]any{"name": "North works", "time_zone": "UTC", "code": "NORTH"})
		if r.str("name") != "North works" || r.str("time_zone") != "UTC" || r.str("currency") != "EUR" {
			t.Fatalf("patched site = %s; want name North works, zone UTC, currency kept", r.Raw)
		}
		if got := a.must(http.StatusOK, "GET", "/api/v1/sites/"+id, nil); got.str("name") != "North works" {
			t.Fatalf("GET after PATCH = %s; want the new name stored", got.Raw)
		}
		if got, want := auditActions(t, a, "site", id), []string{"create", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of site = %v; want %v", got, want)
		}

		site := func(mod func(m map[string]any)) map[string]any {
			m := map[string]any{"code": "EAST", "name": "East", "currency": "USD", "time_zone": "UTC"}
			mod(m)
			return m
		}
		runErrors(t, a, a.admin, []errCase{
			{"duplicate code", "POST", "/api/v1/sites", site(func(m map[string]any) { m["code"] = "NORTH" }), 409, "duplicate_key"},
			{"no code", "POST", "/api/v1/sites", site(func(m map[string]any) { delete(m, "code") }), 400, "missing_field"},
			{"no name", "POST", "/api/v1/sites", site(func(m map[string]any) { m["name"] = " " }), 400, "missing_field"},
			{"bad currency", "POST", "/api/v1/sites", site(func(m map[string]any) { m["currency"] = "EURO" }), 400, "invalid_currency"},
			{"bad time zone", "POST", "/api/v1/sites", site(func(m map[string]any) { m["time_zone"] = "Mars/Olympus" }), 400, "invalid_time_zone"},
			{"local time zone", "POST", "/api/v1/sites", site(func(m map[string]any) { m["time_zone"] = "Local" }), 400, "invalid_time_zone"},
			{"code with slash", "POST", "/api/v1/sites", site(func(m map[string]any) { m["code"] = "A/B" }), 400, "invalid_code"},
			{"unknown field", "POST", "/api/v1/sites", site(func(m map[string]any) { m["colour"] = "red" }), 400, "unknown_field"},
			{"malformed JSON", "POST", "/api/v1/sites", "{", 400, "bad_json"},
			{"code change", "PATCH", "/api/v1/sites/" + id, map[string]any{"code": "NORD"}, 400, "immutable_field"},
			{"patch bad zone", "PATCH", "/api/v1/sites/" + id, map[string]any{"time_zone": "Nowhere"}, 400, "invalid_time_zone"},
			{"patch blank currency", "PATCH", "/api/v1/sites/" + id, map[string]any{"currency": " "}, 400, "missing_field"},
			{"get unknown", "GET", "/api/v1/sites/site_nope", nil, 404, "not_found"},
			{"patch unknown", "PATCH", "/api/v1/sites/site_nope", map[string]any{"name": "x"}, 404, "not_found"},
		})
		if got := a.must(http.StatusOK, "GET", "/api/v1/sites/"+id, nil); got.str("time_zone") != "UTC" || got.str("code") != "NORTH" {
			t.Fatalf("site after refused patches = %s; want it unchanged", got.Raw)
		}
	})
}

// A site created without currency or time zone takes the first site's
// currency (the embedded ERP keeps one ledger), USD for the first site, and
// UTC; a bad value is still refused, naming the field.
func TestSiteDefaults(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		r := a.must(http.StatusCreated, "POST", "/api/v1/sites", map[string]any{"code": "FIRST", "name": "First plant"})
		if r.str("currency") != "USD" || r.str("time_zone") != "UTC" {
			t.Fatalf("first site without currency and time zone = %s; want USD and UTC", r.Raw)
		}
		a.must(http.StatusOK, "PATCH", "/api/v1/sites/"+r.str("id"), map[string]any{"currency": "EUR"})
		r = a.must(http.StatusCreated, "POST", "/api/v1/sites", map[string]any{"code": "SECOND", "name": "Second plant", "currency": "", "time_zone": ""})
		if r.str("currency") != "EUR" || r.str("time_zone") != "UTC" {
			t.Fatalf("second site without currency and time zone = %s; want the first site's EUR and UTC", r.Raw)
		}
		r = a.must(http.StatusCreated, "POST", "/api/v1/sites", map[string]any{"code": "THIRD", "name": "Third plant", "currency": "chf", "time_zone": "Europe/Zurich"})
		if r.str("currency") != "CHF" || r.str("time_zone") != "Europe/Zurich" {
			t.Fatalf("site with currency chf and zone Europe/Zurich = %s; want them kept (CHF)", r.Raw)
		}
		for _, c := range []struct {
			field, value, code string
		}{{"currency", "EURO", "invalid_currency"}, {"time_zone", "Mars/Olympus", "invalid_time_zone"}} {
			r := a.do("POST", "/api/v1/sites", a.admin, map[string]any{"code": "BAD", "name": "Bad", c.field: c.value})
			wantError(t, r, http.StatusBadRequest, c.code)
			e, _ := r.Body["error"].(map[string]any)
			if msg, _ := e["message"].(string); !strings.Contains(msg, c.field) || !strings.Contains(msg, "leave "+c.field+" out") {
				t.Errorf("POST a site with %s %q: message %q; want it to name %s and say it may be left out", c.field, c.value, msg, c.field)
			}
		}
	})
}

func TestLocations(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSite(t, a, "NORTH"), mustSite(t, a, "SOUTH")
		area := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "AREA-1", "name": "Pump house", "site_id": north})
		r := a.must(http.StatusCreated, "POST", "/api/v1/locations", map[string]any{
			"code": "AREA-1-BAY-2", "name": "Bay 2", "site_id": north, "parent_id": area})
		bay := r.str("id")
		if r.str("parent_id") != area || r.str("site_id") != north {
			t.Fatalf("created location = %s; want parent %s in site %s", r.Raw, area, north)
		}
		// Codes are unique per site, not across sites.
		other := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "AREA-1", "name": "South area", "site_id": south})

		wantIDs(t, a, a.admin, "/api/v1/locations", area, bay, other)
		wantIDs(t, a, a.admin, "/api/v1/locations?site_id="+north, area, bay)
		wantIDs(t, a, a.admin, "/api/v1/locations?parent_id="+area, bay)
		if got := a.must(http.StatusOK, "GET", "/api/v1/locations/"+bay, nil); got.str("code") != "AREA-1-BAY-2" {
			t.Fatalf("GET location = %s", got.Raw)
		}

		r = a.must(http.StatusOK, "PATCH", "/api/v1/locations/"+bay, map[string]any{"name": "Bay two", "parent_id": ""})
		if r.str("name") != "Bay two" || r.str("parent_id") != "" {
			t.Fatalf("patched location = %s; want name Bay two at the top", r.Raw)
		}
		a.must(http.StatusOK, "PATCH", "/api/v1/locations/"+bay, map[string]any{"parent_id": area})
		if got, want := auditActions(t, a, "location", bay), []string{"create", "update", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of location = %v; want %v", got, want)
		}

		runErrors(t, a, a.admin, []errCase{
			{"duplicate code in site", "POST", "/api/v1/locations", map[string]any{"code": "AREA-1", "name": "x", "site_id": north}, 409, "duplicate_key"},
			{"rename onto taken code", "PATCH", "/api/v1/locations/" + bay, map[string]any{"code": "AREA-1"}, 409, "duplicate_key"},
			{"no code", "POST", "/api/v1/locations", map[string]any{"name": "x", "site_id": north}, 400, "missing_field"},
			{"no name", "POST", "/api/v1/locations", map[string]any{"code": "X", "site_id": north}, 400, "missing_field"},
			{"no site", "POST", "/api/v1/locations", map[string]any{"code": "X", "name": "x"}, 400, "missing_field"},
			{"unknown site", "POST", "/api/v1/locations", map[string]any{"code": "X", "name": "x", "site_id": "site_nope"}, 422, "unknown_site"},
			{"unknown parent", "POST", "/api/v1/locations", map[string]any{"code": "X", "name": "x", "site_id": north, "parent_id": "loc_nope"}, 422, "unknown_parent"},
			{"parent in other site", "POST", "/api/v1/locations", map[string]any{"code": "X", "name": "x", "site_id": north, "parent_id": other}, 422, "parent_other_site"},
			{"under own child", "PATCH", "/api/v1/locations/" + area, map[string]any{"parent_id": bay}, 422, "location_cycle"},
			{"under itself", "PATCH", "/api/v1/locations/" + area, map[string]any{"parent_id": area}, 422, "location_cycle"},
			{"site cannot move", "PATCH", "/api/v1/locations/" + area, map[string]any{"site_id": south}, 400, "unknown_field"},
			{"get unknown", "GET", "/api/v1/locations/loc_nope", nil, 404, "not_found"},
		})
		if got := a.must(http.StatusOK, "GET", "/api/v1/locations/"+area, nil); got.str("parent_id") != "" {
			t.Fatalf("location after refused moves = %s; want it still at the top", got.Raw)
		}
	})
}

func TestAssetClasses(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		r := a.must(http.StatusCreated, "POST", "/api/v1/asset-classes", map[string]any{"code": "PUMP-C", "name": "Centrifugal pumps"})
		pump := r.str("id")
		if r.Body["auto_request_material"] != false {
			t.Fatalf("created class = %s; want auto_request_material false by default", r.Raw)
		}
		fan := mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": "FAN", "name": "Fans", "auto_request_material": true})
		wantIDs(t, a, a.admin, "/api/v1/asset-classes", pump, fan)

		r = a.must(http.StatusOK, "PATCH", "/api/v1/asset-classes/"+pump, map[string]any{"auto_request_material": true, "name": "Pumps"})
		if r.Body["auto_request_material"] != true || r.str("name") != "Pumps" || r.str("code") != "PUMP-C" {
			t.Fatalf("patched class = %s; want auto_request_material true, name Pumps, code kept", r.Raw)
		}
		if got := a.must(http.StatusOK, "GET", "/api/v1/asset-classes/"+pump, nil); got.Body["auto_request_material"] != true {
			t.Fatalf("GET class = %s; want the change stored", got.Raw)
		}
		if got, want := auditActions(t, a, "asset_class", pump), []string{"create", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of class = %v; want %v", got, want)
		}

		seal := mustItem(t, a, "P-100", "stock")
		gasket := mustItemIn(t, a, "P-200", "direct", "M") // cut to length
		r = a.must(http.StatusOK, "PUT", "/api/v1/asset-classes/"+pump+"/bom", map[string]any{"lines": []any{
			map[string]any{"item_id": seal, "quantity": 2},
			map[string]any{"item_id": gasket, "quantity": 1.5, "auto_request_material": true},
		}})
		wantBOM(t, r, seal+" 2 false", gasket+" 1.5 true")
		wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/asset-classes/"+pump+"/bom", nil), seal+" 2 false", gasket+" 1.5 true")
		wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/asset-classes/"+fan+"/bom", nil))

		runErrors(t, a, a.admin, []errCase{
			{"duplicate code", "POST", "/api/v1/asset-classes", map[string]any{"code": "FAN", "name": "x"}, 409, "duplicate_key"},
			{"rename onto taken code", "PATCH", "/api/v1/asset-classes/" + pump, map[string]any{"code": "FAN"}, 409, "duplicate_key"},
			{"no code", "POST", "/api/v1/asset-classes", map[string]any{"name": "x"}, 400, "missing_field"},
			{"no name", "POST", "/api/v1/asset-classes", map[string]any{"code": "X"}, 400, "missing_field"},
			{"get unknown", "GET", "/api/v1/asset-classes/acl_nope", nil, 404, "not_found"},
			{"bom of unknown", "GET", "/api/v1/asset-classes/acl_nope/bom", nil, 404, "not_found"},
			{"bom unknown item", "PUT", "/api/v1/asset-classes/" + pump + "/bom", map[string]any{"lines": []any{
				map[string]any{"item_id": seal, "quantity": 1}, map[string]any{"item_id": "itm_nope", "quantity": 1}}}, 422, "unknown_item"},
			{"bom zero quantity", "PUT", "/api/v1/asset-classes/" + pump + "/bom", map[string]any{"lines": []any{
				map[string]any{"item_id": seal, "quantity": 0}}}, 400, "invalid_quantity"},
			{"bom no lines", "PUT", "/api/v1/asset-classes/" + pump + "/bom", map[string]any{}, 400, "missing_field"},
		})
		wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/asset-classes/"+pump+"/bom", nil), seal+" 2 false", gasket+" 1.5 true")
	})
}

// wantBOM fails unless r holds BOM lines "item_id quantity auto_request_material", in order.
func wantBOM(t *testing.T, r resp, want ...string) {
	t.Helper()
	lines, ok := r.Body["lines"].([]any)
	if !ok {
		t.Fatalf("BOM = %s; want {\"lines\":[...]}", r.Raw)
	}
	got := []string{}
	for _, l := range lines {
		m := l.(map[string]any)
		got = append(got, fmt.Sprint(m["item_id"], " ", m["quantity"], " ", m["auto_request_material"]))
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("BOM lines = %q; want %q", got, want)
	}
}

func TestAssets(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSite(t, a, "NORTH"), mustSite(t, a, "SOUTH")
		pumps := mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": "PUMP", "name": "Pumps", "auto_request_material": true})
		fans := mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": "FAN", "name": "Fans"})
		house := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "PH", "name": "Pump house", "site_id": north})
		southLoc := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "PH", "name": "Pump house", "site_id": south})

		r := a.must(http.StatusCreated, "POST", "/api/v1/assets", map[string]any{
			"tag": "P-101", "name": "Feed pump", "site_id": north, "asset_class_id": pumps,
			"location_id": house, "cost_center": "CC-4100"})
		pump := r.str("id")
		if r.Body["criticality"] != 3.0 || r.Body["auto_request_material"] != nil ||
			r.Body["effective_auto_request_material"] != true || r.str("asset_class_code") != "PUMP" {
			t.Fatalf("created asset = %s; want criticality 3, own flag null, effective true from class PUMP", r.Raw)
		}
		motor := mustAsset(t, a, north, "P-101-M", map[string]any{"parent_id": pump, "criticality": 1, "asset_class_id": fans})
		coupling := mustAsset(t, a, north, "P-101-M-C", map[string]any{"parent_id": motor})
		other := mustAsset(t, a, south, "P-101", nil) // tags are unique per site only

		wantIDs(t, a, a.admin, "/api/v1/assets", pump, motor, coupling, other)
		wantIDs(t, a, a.admin, "/api/v1/assets?site_id="+north, pump, motor, coupling)
		wantIDs(t, a, a.admin, "/api/v1/assets?asset_class_id="+pumps, pump)
		wantIDs(t, a, a.admin, "/api/v1/assets?parent_id="+pump, motor)
		wantIDs(t, a, a.admin, "/api/v1/assets?location_id="+house, pump)
		wantIDs(t, a, a.admin, "/api/v1/assets?q=p-101-m", motor, coupling)
		wantIDs(t, a, a.admin, "/api/v1/assets?q=FEED", pump)
		wantIDs(t, a, a.admin, "/api/v1/assets?q=_")
		wantIDs(t, a, a.admin, "/api/v1/assets/"+pump+"/children", motor)
		wantIDs(t, a, a.admin, "/api/v1/assets/"+coupling+"/children")

		// The asset's own flag wins over its class's; null inherits again.
		get := func() resp { return a.must(http.StatusOK, "GET", "/api/v1/assets/"+pump, nil) }
		a.must(http.StatusOK, "PATCH", "/api/v1/assets/"+pump, map[string]any{"auto_request_material": false})
		if r := get(); r.Body["auto_request_material"] != false || r.Body["effective_auto_request_material"] != false {
			t.Fatalf("asset with own flag false = %s; want effective false", r.Raw)
		}
		a.must(http.StatusOK, "PATCH", "/api/v1/assets/"+pump, map[string]any{"name": "Main feed pump"})
		if r := get(); r.Body["auto_request_material"] != false || r.str("name") != "Main feed pump" {
			t.Fatalf("asset after patching only its name = %s; want its flag kept", r.Raw)
		}
		a.must(http.StatusOK, "PATCH", "/api/v1/assets/"+pump, map[string]any{"auto_request_material": nil, "criticality": 2})
		if r := get(); r.Body["auto_request_material"] != nil || r.Body["effective_auto_request_material"] != true || r.Body["criticality"] != 2.0 {
			t.Fatalf("asset with flag null = %s; want it inherited (true) and criticality 2", r.Raw)
		}
		if r := a.must(http.StatusOK, "GET", "/api/v1/assets/"+motor, nil); r.Body["effective_auto_request_material"] != false {
			t.Fatalf("asset of class FAN = %s; want effective false", r.Raw)
		}

		// Moving the coupling to the top and back.
		a.must(http.StatusOK, "PATCH", "/api/v1/assets/"+coupling, map[string]any{"parent_id": ""})
		wantIDs(t, a, a.admin, "/api/v1/assets/"+motor+"/children")
		a.must(http.StatusOK, "PATCH", "/api/v1/assets/"+coupling, map[string]any{"parent_id": motor})
		if got, want := auditActions(t, a, "asset", coupling), []string{"create", "update", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of asset = %v; want %v", got, want)
		}

		asset := func(mod func(m map[string]any)) map[string]any {
			m := map[string]any{"tag": "X-1", "name": "x", "site_id": north}
			mod(m)
			return m
		}
		runErrors(t, a, a.admin, []errCase{
			{"duplicate tag in site", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["tag"] = "P-101" }), 409, "duplicate_key"},
			{"retag onto taken tag", "PATCH", "/api/v1/assets/" + motor, map[string]any{"tag": "P-101"}, 409, "duplicate_key"},
			{"no tag", "POST", "/api/v1/assets", asset(func(m map[string]any) { delete(m, "tag") }), 400, "missing_field"},
			{"no name", "POST", "/api/v1/assets", asset(func(m map[string]any) { delete(m, "name") }), 400, "missing_field"},
			{"no site", "POST", "/api/v1/assets", asset(func(m map[string]any) { delete(m, "site_id") }), 400, "missing_field"},
			{"criticality 6", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["criticality"] = 6 }), 400, "invalid_criticality"},
			{"criticality -1", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["criticality"] = -1 }), 400, "invalid_criticality"},
			{"patch criticality 0", "PATCH", "/api/v1/assets/" + pump, map[string]any{"criticality": 0}, 400, "invalid_criticality"},
			{"unknown site", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["site_id"] = "site_nope" }), 422, "unknown_site"},
			{"unknown class", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["asset_class_id"] = "acl_nope" }), 422, "unknown_asset_class"},
			{"unknown parent", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["parent_id"] = "ast_nope" }), 422, "unknown_parent"},
			{"unknown location", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["location_id"] = "loc_nope" }), 422, "unknown_location"},
			{"parent in other site", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["parent_id"] = other }), 422, "parent_other_site"},
			{"location in other site", "POST", "/api/v1/assets", asset(func(m map[string]any) { m["location_id"] = southLoc }), 422, "location_other_site"},
			{"patch unknown class", "PATCH", "/api/v1/assets/" + pump, map[string]any{"asset_class_id": "acl_nope"}, 422, "unknown_asset_class"},
			{"under own grandchild", "PATCH", "/api/v1/assets/" + pump, map[string]any{"parent_id": coupling}, 422, "asset_cycle"},
			{"under own child", "PATCH", "/api/v1/assets/" + pump, map[string]any{"parent_id": motor}, 422, "asset_cycle"},
			{"under itself", "PATCH", "/api/v1/assets/" + pump, map[string]any{"parent_id": pump}, 422, "asset_cycle"},
			{"bad JSON type", "PATCH", "/api/v1/assets/" + pump, map[string]any{"criticality": "high"}, 400, "bad_json"},
			{"get unknown", "GET", "/api/v1/assets/ast_nope", nil, 404, "not_found"},
			{"children of unknown", "GET", "/api/v1/assets/ast_nope/children", nil, 404, "not_found"},
			{"patch unknown", "PATCH", "/api/v1/assets/ast_nope", map[string]any{"name": "x"}, 404, "not_found"},
		})
		if r := get(); r.str("parent_id") != "" || r.str("asset_class_id") != pumps {
			t.Fatalf("asset after refused patches = %s; want it unchanged", r.Raw)
		}
	})
}

func TestAssetBOM(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		pump := mustAsset(t, a, north, "P-101", nil)
		seal, bearing, gasket := mustItem(t, a, "P-1", "stock"), mustItem(t, a, "P-2", "direct"), mustItemIn(t, a, "P-3", "direct", "M")
		wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/assets/"+pump+"/bom", nil))

		put := func(lines ...any) resp {
			if lines == nil {
				lines = []any{}
			}
			return a.do("PUT", "/api/v1/assets/"+pump+"/bom", a.admin, map[string]any{"lines": lines})
		}
		line := func(item string, q any, arm bool) map[string]any {
			return map[string]any{"item_id": item, "quantity": q, "auto_request_material": arm}
		}
		r := put(line(seal, 2, false), line(bearing, 1, true), line(gasket, 0.25, true))
		if r.Status != http.StatusOK {
			t.Fatalf("PUT bom = %d %s; want 200", r.Status, r.Raw)
		}
		wantBOM(t, r, seal+" 2 false", bearing+" 1 true", gasket+" 0.25 true")

		// A refused BOM leaves the stored one whole.
		for _, c := range []struct {
			name   string
			lines  []any
			status int
			code   string
		}{
			{"unknown item", []any{line(seal, 1, false), line("itm_nope", 1, false)}, 422, "unknown_item"},
			{"zero quantity", []any{line(seal, 0, false)}, 400, "invalid_quantity"},
			{"negative quantity", []any{line(seal, -1, false)}, 400, "invalid_quantity"},
			{"no item", []any{map[string]any{"quantity": 1}}, 400, "missing_field"},
			{"item twice", []any{line(seal, 1, false), line(seal, 2, false)}, 400, "duplicate_line"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, put(c.lines...), c.status, c.code)
				wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/assets/"+pump+"/bom", nil), seal+" 2 false", bearing+" 1 true", gasket+" 0.25 true")
			})
		}

		// The whole BOM is replaced.
		wantBOM(t, put(line(gasket, 4, false)), gasket+" 4 false")
		wantBOM(t, a.must(http.StatusOK, "GET", "/api/v1/assets/"+pump+"/bom", nil), gasket+" 4 false")
		wantBOM(t, put())
		if got, want := auditActions(t, a, "asset", pump), []string{"create", "set_bom", "set_bom", "set_bom"}; !slices.Equal(got, want) {
			t.Fatalf("audit of asset = %v; want %v", got, want)
		}
		wantError(t, a.do("GET", "/api/v1/assets/ast_nope/bom", a.admin, nil), 404, "not_found")
		wantError(t, a.do("PUT", "/api/v1/assets/ast_nope/bom", a.admin, map[string]any{"lines": []any{}}), 404, "not_found")
	})
}

func TestPlantSiteScope(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSite(t, a, "NORTH"), mustSite(t, a, "SOUTH")
		northLoc := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "L", "name": "l", "site_id": north})
		southLoc := mustCreate(t, a, "/api/v1/locations", map[string]any{"code": "L", "name": "l", "site_id": south})
		northPump := mustAsset(t, a, north, "P-1", nil)
		southPump := mustAsset(t, a, south, "P-1", nil)
		planner := a.token("north-planner", millwright.Planner, north)

		wantIDs(t, a, planner, "/api/v1/sites", north)
		wantIDs(t, a, planner, "/api/v1/locations", northLoc)
		wantIDs(t, a, planner, "/api/v1/assets", northPump)
		wantIDs(t, a, planner, "/api/v1/assets?site_id="+north, northPump)
		a.must(http.StatusOK, "GET", "/api/v1/assets/"+southPump, nil) // an unscoped admin sees both

		if r := a.do("PATCH", "/api/v1/assets/"+northPump, planner, map[string]any{"name": "Renamed"}); r.Status != http.StatusOK {
			t.Fatalf("scoped planner patching own asset = %d %s; want 200", r.Status, r.Raw)
		}
		if r := a.do("POST", "/api/v1/assets", planner, map[string]any{"tag": "P-2", "name": "x", "site_id": north}); r.Status != http.StatusCreated {
			t.Fatalf("scoped planner creating in own site = %d %s; want 201", r.Status, r.Raw)
		}
		runErrors(t, a, planner, []errCase{
			{"list other site", "GET", "/api/v1/assets?site_id=" + south, nil, 403, "site_forbidden"},
			{"list other site locations", "GET", "/api/v1/locations?site_id=" + south, nil, 403, "site_forbidden"},
			{"get other site", "GET", "/api/v1/sites/" + south, nil, 403, "site_forbidden"},
			{"get other asset", "GET", "/api/v1/assets/" + southPump, nil, 403, "site_forbidden"},
			{"other asset children", "GET", "/api/v1/assets/" + southPump + "/children", nil, 403, "site_forbidden"},
			{"other asset bom", "GET", "/api/v1/assets/" + southPump + "/bom", nil, 403, "site_forbidden"},
			{"put other asset bom", "PUT", "/api/v1/assets/" + southPump + "/bom", map[string]any{"lines": []any{}}, 403, "site_forbidden"},
			{"patch other asset", "PATCH", "/api/v1/assets/" + southPump, map[string]any{"name": "x"}, 403, "site_forbidden"},
			{"get other location", "GET", "/api/v1/locations/" + southLoc, nil, 403, "site_forbidden"},
			{"patch other location", "PATCH", "/api/v1/locations/" + southLoc, map[string]any{"name": "x"}, 403, "site_forbidden"},
			{"create asset in other site", "POST", "/api/v1/assets", map[string]any{"tag": "P-9", "name": "x", "site_id": south}, 403, "site_forbidden"},
			{"create location in other site", "POST", "/api/v1/locations", map[string]any{"code": "L9", "name": "x", "site_id": south}, 403, "site_forbidden"},
		})
		if r := a.must(http.StatusOK, "GET", "/api/v1/assets/"+southPump, nil); r.str("name") != "Asset P-1" {
			t.Fatalf("other site's asset after refused patch = %s; want it unchanged", r.Raw)
		}
		scopedAdmin := a.token("north-admin", millwright.Admin, north)
		wantError(t, a.do("POST", "/api/v1/sites", scopedAdmin, map[string]any{
			"code": "WEST", "name": "West", "currency": "EUR", "time_zone": "UTC"}), 403, "site_forbidden")
		wantError(t, a.do("PATCH", "/api/v1/sites/"+south, scopedAdmin, map[string]any{"name": "x"}), 403, "site_forbidden")
	})
}

func TestPlantRoles(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		class := mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": "PUMP", "name": "Pumps"})
		pump := mustAsset(t, a, north, "P-1", nil)
		tokens := map[millwright.Role]string{}
		for _, role := range []millwright.Role{millwright.Planner, millwright.Technician, millwright.Storekeeper, millwright.Finance} {
			tokens[role] = a.token(string(role), role, "")
		}
		for _, c := range []struct {
			role   millwright.Role
			method string
			path   string
			body   any
			status int
		}{
			{millwright.Technician, "POST", "/api/v1/assets", map[string]any{"tag": "T-1", "name": "x", "site_id": north}, 403},
			{millwright.Technician, "PATCH", "/api/v1/assets/" + pump, map[string]any{"name": "x"}, 403},
			{millwright.Technician, "PUT", "/api/v1/assets/" + pump + "/bom", map[string]any{"lines": []any{}}, 403},
			{millwright.Storekeeper, "POST", "/api/v1/asset-classes", map[string]any{"code": "X", "name": "x"}, 403},
			{millwright.Finance, "POST", "/api/v1/locations", map[string]any{"code": "X", "name": "x", "site_id": north}, 403},
			{millwright.Planner, "POST", "/api/v1/sites", map[string]any{"code": "S", "name": "x", "currency": "EUR", "time_zone": "UTC"}, 403},
			{millwright.Planner, "PATCH", "/api/v1/sites/" + north, map[string]any{"name": "x"}, 403},
			{millwright.Technician, "GET", "/api/v1/assets/" + pump, nil, 200},
			{millwright.Finance, "GET", "/api/v1/asset-classes/" + class, nil, 200},
			{millwright.Planner, "POST", "/api/v1/assets", map[string]any{"tag": "T-2", "name": "x", "site_id": north}, 201},
			{millwright.Planner, "PATCH", "/api/v1/asset-classes/" + class, map[string]any{"name": "Pumps"}, 200},
		} {
			t.Run(fmt.Sprint(c.role, " ", c.method, " ", c.path), func(t *testing.T) {
				r := a.do(c.method, c.path, tokens[c.role], c.body)
				if c.status == 403 {
					wantError(t, r, 403, "forbidden")
					return
				}
				if r.Status != c.status {
					t.Fatalf("got %d %s; want %d", r.Status, r.Raw, c.status)
				}
			})
		}
		wantIDs(t, a, a.admin, "/api/v1/assets?q=T-", mustFindTag(t, a, "T-2"))
	})
}

// mustFindTag returns the id of the only asset tagged tag.
func mustFindTag(t *testing.T, a *api, tag string) string {
	t.Helper()
	r := a.must(http.StatusOK, "GET", "/api/v1/assets?q="+tag, nil)
	if len(r.items()) != 1 {
		t.Fatalf("assets tagged %s = %s; want one", tag, r.Raw)
	}
	return r.items()[0]["id"].(string)
}

// walk follows next_cursor through path with limit=2 and returns the ids
// in the order seen, failing if a page holds more than two.
func walk(t *testing.T, a *api, path string, id func(map[string]any) string) []string {
	t.Helper()
	var got []string
	cursor := ""
	for range 100 {
		r := a.must(http.StatusOK, "GET", path+"limit=2&cursor="+url.QueryEscape(cursor), nil)
		items := r.items()
		if len(items) > 2 {
			t.Fatalf("page of %s holds %d items; want at most 2", path, len(items))
		}
		for _, it := range items {
			got = append(got, id(it))
		}
		cursor = r.str("next_cursor")
		if cursor == "" {
			return got
		}
	}
	t.Fatalf("paging %s did not end", path)
	return nil
}

func TestPlantPaging(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		byID := func(m map[string]any) string { return m["id"].(string) }
		var sites, assets, locations, classes []string
		for i := range 5 {
			sites = append(sites, mustSite(t, a, fmt.Sprint("S", i)))
			assets = append(assets, mustAsset(t, a, sites[0], fmt.Sprint("A-", i), nil))
			locations = append(locations, mustCreate(t, a, "/api/v1/locations", map[string]any{"code": fmt.Sprint("L", i), "name": "l", "site_id": sites[0]}))
			classes = append(classes, mustCreate(t, a, "/api/v1/asset-classes", map[string]any{"code": fmt.Sprint("C", i), "name": "c"}))
		}
		for _, c := range []struct {
			path string
			want []string
		}{
			{"/api/v1/sites?", sites},
			{"/api/v1/assets?site_id=" + sites[0] + "&", assets},
			{"/api/v1/locations?", locations},
			{"/api/v1/asset-classes?", classes},
		} {
			if got := walk(t, a, c.path, byID); !slices.Equal(got, c.want) {
				t.Fatalf("walking %s = %v; want %v, each once in order", c.path, got, c.want)
			}
		}
		wantError(t, a.do("GET", "/api/v1/assets?limit=0", a.admin, nil), 400, "bad_limit")
	})
}

// TestConcurrentPlantChanges races changes that each pass their checks
// alone but must not both take effect.
func TestConcurrentPlantChanges(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		seal, belt := mustItem(t, a, "P-1", "stock"), mustItem(t, a, "P-2", "stock")
		for i := range 5 {
			// A under B and B under A: one move wins, the other is a cycle.
			x := mustAsset(t, a, north, fmt.Sprint("X-", i), nil)
			y := mustAsset(t, a, north, fmt.Sprint("Y-", i), nil)
			statuses := race(
				func() resp { return a.do("PATCH", "/api/v1/assets/"+x, a.admin, map[string]any{"parent_id": y}) },
				func() resp { return a.do("PATCH", "/api/v1/assets/"+y, a.admin, map[string]any{"parent_id": x}) },
			)
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{200, 422}) {
				t.Fatalf("concurrent opposite moves = %v; want one 200 and one 422", statuses)
			}

			// Two whole BOMs at once: the stored BOM is one of them, not a mix.
			race(
				func() resp {
					return a.do("PUT", "/api/v1/assets/"+x+"/bom", a.admin, map[string]any{"lines": []any{map[string]any{"item_id": seal, "quantity": 1}}})
				},
				func() resp {
					return a.do("PUT", "/api/v1/assets/"+x+"/bom", a.admin, map[string]any{"lines": []any{map[string]any{"item_id": belt, "quantity": 2}}})
				},
			)
			if lines := a.must(http.StatusOK, "GET", "/api/v1/assets/"+x+"/bom", nil).Body["lines"].([]any); len(lines) != 1 {
				t.Fatalf("BOM after two concurrent PUTs = %v; want one of them whole", lines)
			}

			// Two patches of different fields: both are kept.
			race(
				func() resp { return a.do("PATCH", "/api/v1/assets/"+x, a.admin, map[string]any{"name": "Renamed"}) },
				func() resp { return a.do("PATCH", "/api/v1/assets/"+x, a.admin, map[string]any{"cost_center": "CC-9"}) },
			)
			if r := a.must(http.StatusOK, "GET", "/api/v1/assets/"+x, nil); r.str("name") != "Renamed" || r.str("cost_center") != "CC-9" {
				t.Fatalf("asset after concurrent patches = %s; want both changes kept", r.Raw)
			}
		}
	})
}

// race runs the requests at once and returns their statuses in order.
func race(reqs ...func() resp) []int {
	statuses := make([]int, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { statuses[i] = req().Status })
	}
	wg.Wait()
	return statuses
}
