package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The three mapping forms share a page; each posts its own fields, and a
// refusal shows its own form again.
var (
	itemMapPlacing = placing{
		alias: [][2]string{{"item_id", "part"}, {"erp_item_code", "erp_item_code"}, {"erp_unit", "erp_unit"}, {"factor", "factor"}, {"part", "erp_unit"}, {"type or scan", "part"}},
		codes: map[string]string{"invalid_factor": "factor", "unit_not_convertible": "erp_unit", "unknown_part": "part", "site_not_found": "site_id", "item_not_found": "part"},
	}
	ccMapPlacing = placing{
		alias: [][2]string{{"cost_center", "cost_center"}, {"erp_cost_center", "erp_cost_center"}},
		codes: map[string]string{"site_not_found": "site_id"},
	}
	acctMapPlacing = placing{
		alias: [][2]string{{"category", "category"}, {"erp_account", "erp_account"}},
		codes: map[string]string{"invalid_category": "category", "site_not_found": "site_id"},
	}
)

type itemMapRow struct {
	integration.ItemMapping
	PartNumber, Description, Unit, SiteCode string
}

type mapForms struct{ Item, CostCenter, Account form }

// mappings shows the item, cost-center and account mappings the user
// sees (their site's and the global ones) with a form for each; a row's
// Change fills its form through the query (?form=item&part=…).
func (h *Handler) mappings(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	blank := func() form { return form{Values: url.Values{"site_id": {s.User.SiteID}}} }
	fs := mapForms{Item: blank(), CostCenter: blank(), Account: blank()}
	fs.Account.Values.Set("category", integration.AccountLabor)
	prefill := form{Values: q}
	switch q.Get("form") {
	case "item":
		fs.Item = prefill
	case "cost-center":
		fs.CostCenter = prefill
	case "account":
		fs.Account = prefill
	}
	return h.showMappings(w, r, s, http.StatusOK, fs)
}

func (h *Handler) showMappings(w http.ResponseWriter, r *http.Request, s *session, status int, fs mapForms) error {
	var (
		items    []itemMapRow
		ccs      []integration.CostCenterMapping
		accounts []integration.AccountMapping
		sites    []asset.Site
		parts    []inventory.Item
		codes    map[string]string
	)
	mine := func(siteID string) bool { return s.User.SiteID == "" || siteID == "" || siteID == s.User.SiteID }
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		codes = siteCodes(sites)
		ms, err := tx.ItemMappings(ctx, "")
		if err != nil {
			return err
		}
		byID := map[string]*inventory.Item{}
		for _, m := range ms {
			if !mine(m.SiteID) {
				continue
			}
			it, ok := byID[m.ItemID]
			if !ok {
				if it, err = tx.Item(ctx, m.ItemID); err != nil {
					return err
				}
				byID[m.ItemID] = it
			}
			items = append(items, itemMapRow{ItemMapping: m, PartNumber: it.PartNumber, Description: it.Description, Unit: it.Unit, SiteCode: codes[m.SiteID]})
		}
		all, err := tx.CostCenterMappings(ctx, s.User.SiteID)
		if err != nil {
			return err
		}
		for _, m := range all {
			if mine(m.SiteID) {
				ccs = append(ccs, m)
			}
		}
		acc, err := tx.AccountMappings(ctx, s.User.SiteID)
		if err != nil {
			return err
		}
		for _, m := range acc {
			if mine(m.SiteID) {
				accounts = append(accounts, m)
			}
		}
		p, err := tx.Items(ctx, inventory.ItemFilter{Limit: 500})
		parts = p.Items
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "mappings.html", "Mappings", map[string]any{
		"Items": items, "CostCenters": ccs, "Accounts": accounts, "Sites": sites, "SiteCodes": codes, "Parts": parts,
		"Categories": integration.AccountCategories, "Forms": fs, "EverySite": s.User.SiteID == ""})
	return nil
}

// mappingSite is the site a mapping form names, checked against the
// user's: one limited to a site maps for its site only.
func mappingSite(ctx context.Context, v url.Values) (string, error) {
	site := strings.TrimSpace(v.Get("site_id"))
	return site, millwright.CheckSite(ctx, site)
}

// saveItemMapping maps a CMMS item to the ERP's with outbox.SaveMapping,
// as POST /api/v1/integration/mappings/items.
func (h *Handler) saveItemMapping(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error {
		return h.showMappings(w, r, s, status, mapForms{Item: f, CostCenter: form{Values: url.Values{}}, Account: form{Values: url.Values{}}})
	}
	return h.submit(w, r, itemMapPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		v := r.PostForm
		m := integration.ItemMapping{ERPItemCode: v.Get("erp_item_code"), ERPUnit: v.Get("erp_unit")}
		var err error
		if m.SiteID, err = mappingSite(ctx, v); err != nil {
			return "", "", err
		}
		if m.Factor, err = formQty(r, "factor", "factor", false); err != nil {
			return "", "", err
		}
		it, err := itemByPart(ctx, tx, v.Get("part"))
		if err != nil {
			return "", "", err
		}
		m.ItemID = it.ID
		saved, err := outbox.SaveMapping(ctx, tx, m)
		if err != nil {
			return "", "", err
		}
		return "/ui/integration/mappings", "part " + it.PartNumber + " mapped to ERP item " + saved.ERPItemCode + " (" + saved.ERPUnit + ")", nil
	})
}

// saveCostCenterMapping maps a cost center with outbox.SaveCostCenterMapping,
// as POST /api/v1/integration/mappings/cost-centers.
func (h *Handler) saveCostCenterMapping(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error {
		return h.showMappings(w, r, s, status, mapForms{Item: form{Values: url.Values{}}, CostCenter: f, Account: form{Values: url.Values{}}})
	}
	return h.submit(w, r, ccMapPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		v := r.PostForm
		m := integration.CostCenterMapping{SiteID: strings.TrimSpace(v.Get("site_id")), CostCenter: v.Get("cost_center"), ERPCostCenter: v.Get("erp_cost_center")}
		saved, err := outbox.SaveCostCenterMapping(ctx, tx, m)
		if err != nil {
			return "", "", err
		}
		return "/ui/integration/mappings", "cost center " + saved.CostCenter + " mapped to " + saved.ERPCostCenter + " in the ERP", nil
	})
}

// saveAccountMapping maps a posting category to a GL account with
// outbox.SaveAccountMapping, as POST /api/v1/integration/mappings/accounts.
func (h *Handler) saveAccountMapping(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error {
		return h.showMappings(w, r, s, status, mapForms{Item: form{Values: url.Values{}}, CostCenter: form{Values: url.Values{}}, Account: f})
	}
	return h.submit(w, r, acctMapPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		v := r.PostForm
		m := integration.AccountMapping{SiteID: strings.TrimSpace(v.Get("site_id")), Category: v.Get("category"), ERPAccount: v.Get("erp_account")}
		saved, err := outbox.SaveAccountMapping(ctx, tx, m)
		if err != nil {
			return "", "", err
		}
		return "/ui/integration/mappings", saved.Category + " posts to ERP account " + saved.ERPAccount, nil
	})
}
