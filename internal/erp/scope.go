package erp

import (
	"context"

	"github.com/millwright-cmms/millwright"
)

// SiteCostCenters is what CheckCostCenter needs from a transaction;
// *store.Tx satisfies it.
type SiteCostCenters interface {
	ERPSiteCostCenters(ctx context.Context, siteID string) (map[string]bool, error)
}

// CheckCostCenter refuses a user limited to a site a cost center that is
// not one of its site's: one named by the site's assets, or by the lines of
// its journal entries or purchase orders. A cost center's budget and its
// use are the site's figures; another site's are not its to read.
func CheckCostCenter(ctx context.Context, tx SiteCostCenters, costCenter string) error {
	p := millwright.PrincipalFrom(ctx)
	if p.SiteID == "" {
		return nil
	}
	ccs, err := tx.ERPSiteCostCenters(ctx, p.SiteID)
	if err != nil {
		return err
	}
	if !ccs[costCenter] {
		return millwright.Errorf(millwright.Forbidden, "site_forbidden",
			"cost center %s is not one of the cost centers of user %s's site (those its assets name or its postings use); "+
				"ask a finance user of every site, or name one of your site's cost centers", costCenter, p.Username)
	}
	return nil
}
