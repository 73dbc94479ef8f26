package asset

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/millwright-cmms/millwright"
)

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("%s = %v; want nil", what, err)
		}
		return
	}
	var e *millwright.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s = %v; want code %s", what, err, code)
	}
}

func TestSiteValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		site Site
		code string
	}{
		{"ok", Site{Code: "NORTH", Name: "North", Currency: "eur", TimeZone: "Europe/Berlin"}, ""},
		{"utc", Site{Code: "N", Name: "North", Currency: "USD", TimeZone: "UTC"}, ""},
		{"no code", Site{Name: "North", Currency: "EUR", TimeZone: "UTC"}, "missing_field"},
		{"blank name", Site{Code: "N", Name: "  ", Currency: "EUR", TimeZone: "UTC"}, "missing_field"},
		{"space in code", Site{Code: "NO RTH", Name: "North", Currency: "EUR", TimeZone: "UTC"}, "invalid_code"},
		{"mqtt wildcard in code", Site{Code: "N#", Name: "North", Currency: "EUR", TimeZone: "UTC"}, "invalid_code"},
		{"two-letter currency", Site{Code: "N", Name: "North", Currency: "EU", TimeZone: "UTC"}, "invalid_currency"},
		{"digits in currency", Site{Code: "N", Name: "North", Currency: "E1R", TimeZone: "UTC"}, "invalid_currency"},
		{"unknown zone", Site{Code: "N", Name: "North", Currency: "EUR", TimeZone: "Europe/Atlantis"}, "invalid_time_zone"},
		{"local zone", Site{Code: "N", Name: "North", Currency: "EUR", TimeZone: "Local"}, "invalid_time_zone"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.site
			wantCode(t, "Validate", s.Validate(), c.code)
			if c.code == "" && s.Currency != "EUR" && s.Currency != "USD" {
				t.Fatalf("currency = %q; want it upper-cased", s.Currency)
			}
		})
	}
}

func TestAssetValidate(t *testing.T) {
	for _, c := range []struct {
		name        string
		criticality int
		want        int
		code        string
	}{
		{"default", 0, DefaultCritical, ""},
		{"most critical", 1, 1, ""},
		{"least critical", 5, 5, ""},
		{"too high", 6, 0, "invalid_criticality"},
		{"negative", -2, 0, "invalid_criticality"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := Asset{Tag: " P-101 ", Name: "Feed pump", SiteID: "site_1", Criticality: c.criticality}
			wantCode(t, "Validate", a.Validate(), c.code)
			if c.code == "" && (a.Criticality != c.want || a.Tag != "P-101") {
				t.Fatalf("asset = criticality %d, tag %q; want %d, P-101", a.Criticality, a.Tag, c.want)
			}
		})
	}
	for _, a := range []Asset{{Name: "x", SiteID: "s"}, {Tag: "x", SiteID: "s"}, {Tag: "x", Name: "x"}} {
		wantCode(t, "Validate(missing field)", a.Validate(), "missing_field")
	}
}

func TestEffectiveAutoRequestMaterial(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name  string
		own   *bool
		class *Class
		want  bool
	}{
		{"no class, no flag", nil, nil, false},
		{"inherits true", nil, &Class{AutoRequestMaterial: true}, true},
		{"inherits false", nil, &Class{}, false},
		{"own false beats class", &no, &Class{AutoRequestMaterial: true}, false},
		{"own true beats class", &yes, &Class{}, true},
		{"own true, no class", &yes, nil, true},
	} {
		a := Asset{AutoRequestMaterial: c.own}
		if got := a.EffectiveAutoRequestMaterial(c.class); got != c.want {
			t.Errorf("%s: EffectiveAutoRequestMaterial = %v; want %v", c.name, got, c.want)
		}
	}
}

func TestNullBool(t *testing.T) {
	for _, c := range []struct {
		body  string
		set   bool
		value string
	}{
		{`{}`, false, "nil"},
		{`{"auto_request_material":null}`, true, "nil"},
		{`{"auto_request_material":true}`, true, "true"},
		{`{"auto_request_material":false}`, true, "false"},
	} {
		var p Patch
		if err := json.Unmarshal([]byte(c.body), &p); err != nil {
			t.Fatalf("Unmarshal(%s) = %v", c.body, err)
		}
		value := "nil"
		if v := p.AutoRequestMaterial.Value; v != nil {
			value = map[bool]string{true: "true", false: "false"}[*v]
		}
		if p.AutoRequestMaterial.Set != c.set || value != c.value {
			t.Errorf("Unmarshal(%s) = set %v, value %s; want set %v, value %s", c.body, p.AutoRequestMaterial.Set, value, c.set, c.value)
		}
	}
}

func TestValidateBOM(t *testing.T) {
	q := millwright.MustQty
	for _, c := range []struct {
		name  string
		lines []BOMLine
		code  string
	}{
		{"empty", []BOMLine{}, ""},
		{"ok", []BOMLine{{ItemID: "itm_1", Quantity: q("2")}, {ItemID: "itm_2", Quantity: q("0.5")}}, ""},
		{"nil", nil, "missing_field"},
		{"no item", []BOMLine{{Quantity: q("1")}}, "missing_field"},
		{"zero", []BOMLine{{ItemID: "itm_1", Quantity: q("0")}}, "invalid_quantity"},
		{"negative", []BOMLine{{ItemID: "itm_1", Quantity: q("-1")}}, "invalid_quantity"},
		{"twice", []BOMLine{{ItemID: "itm_1", Quantity: q("1")}, {ItemID: " itm_1", Quantity: q("1")}}, "duplicate_line"},
	} {
		t.Run(c.name, func(t *testing.T) { wantCode(t, "ValidateBOM", ValidateBOM(c.lines), c.code) })
	}
}

func TestCheckParent(t *testing.T) {
	// a ← b ← c in site s1; x in site s2.
	tree := map[string][2]string{"a": {"s1", ""}, "b": {"s1", "a"}, "c": {"s1", "b"}, "x": {"s2", ""}}
	up := func(id string) (string, string, error) {
		n, ok := tree[id]
		if !ok {
			return "", "", millwright.Errorf(millwright.NotFound, "not_found", "%s does not exist", id)
		}
		return n[0], n[1], nil
	}
	for _, c := range []struct {
		name, id, parent, code string
	}{
		{"no parent", "a", "", ""},
		{"new record", "", "c", ""},
		{"sideways", "x2", "b", ""},
		{"itself", "a", "a", "asset_cycle"},
		{"own child", "a", "b", "asset_cycle"},
		{"own grandchild", "a", "c", "asset_cycle"},
		{"unknown", "a", "zz", "unknown_parent"},
		{"other site", "a", "x", "parent_other_site"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, "checkParent", checkParent("asset", c.id, "s1", c.parent, up), c.code)
		})
	}
}
