package integration

import (
	"context"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
)

// CostCenterMapping is a CMMS cost center's code in the ERP, at one site
// or, with SiteID empty, at every site.
//
// With no mapping that applies to a site (its own or a global one), the
// site's cost centers go to the ERP as they are; once one exists, every
// cost center of the site needs one, and a message naming an unmapped one
// is not sent.
type CostCenterMapping struct {
	SiteID        string    `json:"site_id"`
	CostCenter    string    `json:"cost_center"`
	ERPCostCenter string    `json:"erp_cost_center"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Posting categories: what a CMMS cost is, for the account mapping.
const (
	AccountLabor          = "labor"           // labor logged on work orders (labor_cost)
	AccountParts          = "parts"           // stock items issued to or returned from work orders (stock_movement)
	AccountDirectMaterial = "direct_material" // non-stock material bought for a work order (requisition_request)
	AccountServices       = "services"        // external services; no message carries them yet
)

// AccountCategories lists the posting categories.
var AccountCategories = []string{AccountLabor, AccountParts, AccountDirectMaterial, AccountServices}

// AccountMapping is the ERP's GL account for a posting category, at one
// site or, with SiteID empty, at every site. With none, the ERP posts to
// its own default expense account.
type AccountMapping struct {
	SiteID     string    `json:"site_id"`
	Category   string    `json:"category"`
	ERPAccount string    `json:"erp_account"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// MappingReader is what the mapping look-ups need from a transaction;
// *store.Tx satisfies it.
type MappingReader interface {
	// CostCenterMapping returns the mapping of a cost center at a site (the
	// site's own first, then the global one), NotFound when it has none.
	CostCenterMapping(ctx context.Context, siteID, costCenter string) (*CostCenterMapping, error)
	// CostCentersMapped reports whether any cost-center mapping applies to
	// a site: then every cost center of the site needs one.
	CostCentersMapped(ctx context.Context, siteID string) (bool, error)
	// AccountMapping returns the account of a posting category at a site
	// (the site's own first, then the global one), NotFound when it has none.
	AccountMapping(ctx context.Context, siteID, category string) (*AccountMapping, error)
	// ChargeMappings looks up, at once, the mappings of a cost posting at
	// a site (see ERPCharge, run for every labor entry and stock movement).
	ChargeMappings(ctx context.Context, siteID, costCenter, category string) (ChargeMappings, error)
}

// ChargeMappings are the mappings that apply to a cost posting at a site:
// what CostCenterMapping, CostCentersMapped and AccountMapping say,
// answered together.
type ChargeMappings struct {
	CostCenterMapped  bool   // the cost center has a mapping at the site
	ERPCostCenter     string // and this is its ERP code
	CostCentersMapped bool   // some cost-center mapping applies to the site
	ERPAccount        string // the category's ERP account; "" for none
}

// UnmappedCostCenter is what the reason of a line blocked for want of a
// cost-center mapping contains.
const UnmappedCostCenter = "no ERP cost center mapped for site"

// ERPCostCenter returns the ERP's code for costCenter at a site (siteCode
// names it in the error): its mapping, or costCenter itself while no
// cost-center mapping applies to the site. An empty cost center stays
// empty. A cost center with no mapping where one is required is a Rule
// error (unmapped_cost_center) naming it and the fix.
//
// Every message that carries a cost center builds it with this.
func ERPCostCenter(ctx context.Context, r MappingReader, siteID, siteCode, costCenter string) (string, error) {
	if costCenter == "" {
		return "", nil
	}
	m, err := r.CostCenterMapping(ctx, siteID, costCenter)
	if err == nil {
		return m.ERPCostCenter, nil
	}
	if millwright.ErrorKind(err) != millwright.NotFound {
		return "", err
	}
	required, err := r.CostCentersMapped(ctx, siteID)
	if err != nil || !required {
		return costCenter, err
	}
	return "", unmapped(costCenter, siteCode)
}

// unmapped is the error of a cost center with no mapping at a site where
// one is required.
func unmapped(costCenter, siteCode string) error {
	return millwright.Errorf(millwright.Rule, "unmapped_cost_center",
		"cost center %s: %s %s; add one with POST /api/v1/integration/mappings/cost-centers",
		costCenter, UnmappedCostCenter, siteCode)
}

// ERPCostCenterCode is a cost center as the ERP knows it, or, when no
// mapping names it where one is required, the CMMS's code with the gap
// ("unmapped_cost_center: …") that keeps the message from being sent.
type ERPCostCenterCode struct {
	Code   string
	Gap    string
	GapErr error // the gap as ERPCostCenter returns it; nil when there is none
}

// ERPCharge returns what a cost posting carries: the ERP cost center of
// costCenter at a site and the ERP account of the posting category. A
// cost center with no mapping where one is required is not an error here:
// the message is kept with the gap, failed, and saving the mapping
// rebuilds and sends it — the change that caused it is not refused.
func ERPCharge(ctx context.Context, r MappingReader, siteID, siteCode, costCenter, category string) (ERPCostCenterCode, string, error) {
	cc := ERPCostCenterCode{Code: costCenter}
	if err := checkCategory(category); err != nil {
		return cc, "", err
	}
	m, err := r.ChargeMappings(ctx, siteID, costCenter, category)
	if err != nil {
		return cc, "", err
	}
	switch {
	case costCenter == "":
	case m.CostCenterMapped:
		cc.Code = m.ERPCostCenter
	case m.CostCentersMapped:
		cc.GapErr = unmapped(costCenter, siteCode)
		cc.Gap = cc.GapErr.Error()
	}
	return cc, m.ERPAccount, nil
}

// ERPAccount returns the ERP account a cost of category is charged to at a
// site, or "" when no account mapping applies: the ERP then uses its
// default. Messages carry it as expense_account; the ERP refuses an account
// its chart does not have.
func ERPAccount(ctx context.Context, r MappingReader, siteID, category string) (string, error) {
	if err := checkCategory(category); err != nil {
		return "", err
	}
	m, err := r.AccountMapping(ctx, siteID, category)
	switch {
	case err == nil:
		return m.ERPAccount, nil
	case millwright.ErrorKind(err) == millwright.NotFound:
		return "", nil
	}
	return "", err
}

func checkCategory(category string) error {
	if !slices.Contains(AccountCategories, category) {
		return millwright.Errorf(millwright.Invalid, "invalid_category",
			"%q is not a posting category; use labor, parts, direct_material or services", category)
	}
	return nil
}

// MasterDataReader is a Connector that can show its item master and chart
// of accounts, so the CMMS can check its mappings against them before a
// message fails on a gap. An ERP that cannot is checked by nothing: data
// quality says so.
type MasterDataReader interface {
	MasterData(ctx context.Context) (*MasterData, error)
}

// MasterData is the ERP's item master (code and unit) and chart of accounts.
type MasterData struct {
	Items    []MasterItem    `json:"items"`
	Accounts []MasterAccount `json:"accounts"`
}

// MasterItem is an item of the ERP's item master.
type MasterItem struct {
	ERPItemCode string `json:"erp_item_code"`
	Unit        string `json:"unit"`
}

// MasterAccount is an account of the ERP's chart; Chargeable says that
// maintenance costs may be posted to it (an expense_account may name it).
type MasterAccount struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Chargeable bool   `json:"chargeable"`
}
