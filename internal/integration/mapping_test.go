package integration_test

import (
	"context"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// mappings is a MappingReader over maps keyed "site|code" ("|code": global).
type mappings struct{ cc, acc map[string]string }

func (m mappings) CostCenterMapping(_ context.Context, site, cc string) (*integration.CostCenterMapping, error) {
	for _, k := range []string{site + "|" + cc, "|" + cc} {
		if v, ok := m.cc[k]; ok {
			return &integration.CostCenterMapping{CostCenter: cc, ERPCostCenter: v}, nil
		}
	}
	return nil, millwright.Errorf(millwright.NotFound, "not_found", "none")
}

func (m mappings) CostCentersMapped(_ context.Context, site string) (bool, error) {
	for k := range m.cc {
		if s, _, _ := strings.Cut(k, "|"); s == site || s == "" {
			return true, nil
		}
	}
	return false, nil
}

func (m mappings) AccountMapping(_ context.Context, site, cat string) (*integration.AccountMapping, error) {
	for _, k := range []string{site + "|" + cat, "|" + cat} {
		if v, ok := m.acc[k]; ok {
			return &integration.AccountMapping{Category: cat, ERPAccount: v}, nil
		}
	}
	return nil, millwright.Errorf(millwright.NotFound, "not_found", "none")
}

func (m mappings) ChargeMappings(ctx context.Context, site, cc, cat string) (integration.ChargeMappings, error) {
	var c integration.ChargeMappings
	if mapped, err := m.CostCenterMapping(ctx, site, cc); err == nil {
		c.CostCenterMapped, c.ERPCostCenter = true, mapped.ERPCostCenter
	}
	c.CostCentersMapped, _ = m.CostCentersMapped(ctx, site)
	if a, err := m.AccountMapping(ctx, site, cat); err == nil {
		c.ERPAccount = a.ERPAccount
	}
	return c, nil
}

func TestERPCostCenter(t *testing.T) {
	none := mappings{cc: map[string]string{}}
	north := mappings{cc: map[string]string{"N|CC-1": "4001"}}
	global := mappings{cc: map[string]string{"|CC-1": "4000", "S|CC-1": "5001"}}
	tests := []struct {
		name      string
		r         mappings
		site, cc  string
		want      string
		errorCode string
	}{
		{"no mapping anywhere: as it is", none, "N", "CC-1", "CC-1", ""},
		{"the site's own", north, "N", "CC-1", "4001", ""},
		{"another site with none: as it is", north, "S", "CC-1", "CC-1", ""},
		{"the site maps others but not this one", north, "N", "CC-2", "", "unmapped_cost_center"},
		{"the site's own before the global one", global, "S", "CC-1", "5001", ""},
		{"the global one", global, "N", "CC-1", "4000", ""},
		{"a global mapping makes every site need one", global, "N", "CC-9", "", "unmapped_cost_center"},
		{"no cost center stays empty", global, "N", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := integration.ERPCostCenter(context.Background(), tt.r, tt.site, "NORTH", tt.cc)
			if got != tt.want || millwright.ErrorCode(err) != tt.errorCode {
				t.Fatalf("ERPCostCenter(%s, %s) = %q, %v; want %q, code %q", tt.site, tt.cc, got, err, tt.want, tt.errorCode)
			}
			if err != nil {
				want := "unmapped_cost_center: cost center " + tt.cc + ": no ERP cost center mapped for site NORTH; add one with POST /api/v1/integration/mappings/cost-centers"
				if err.Error() != want || millwright.ErrorKind(err) != millwright.Rule {
					t.Fatalf("error = %v; want Rule %s", err, want)
				}
			}
		})
	}
}

func TestERPAccount(t *testing.T) {
	r := mappings{acc: map[string]string{"|labor": "6110", "N|labor": "6111", "|parts": "6120"}}
	tests := []struct {
		site, cat, want, errorCode string
	}{
		{"N", integration.AccountLabor, "6111", ""},
		{"S", integration.AccountLabor, "6110", ""},
		{"S", integration.AccountParts, "6120", ""},
		{"S", integration.AccountDirectMaterial, "", ""}, // none: the ERP's default
		{"S", "tools", "", "invalid_category"},
	}
	for _, tt := range tests {
		got, err := integration.ERPAccount(context.Background(), r, tt.site, tt.cat)
		if got != tt.want || millwright.ErrorCode(err) != tt.errorCode {
			t.Errorf("ERPAccount(%s, %s) = %q, %v; want %q, code %q", tt.site, tt.cat, got, err, tt.want, tt.errorCode)
		}
	}
}
