package outbox

import (
	"context"
	"fmt"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Rollout says where integration is live: everywhere when Scopes is empty,
// otherwise only at the sites listed and, for a scope that names an asset
// class, only for work on assets of that class there. Messages about
// anything else are kept with status skipped and the reason, and material
// lines wait, blocked, until the rollout reaches them.
type Rollout struct {
	Everywhere bool          `json:"everywhere"`
	Scopes     []store.Scope `json:"scopes"`
}

// GetRollout returns the phased rollout.
func GetRollout(ctx context.Context, tx *store.Tx) (*Rollout, error) {
	scopes, err := tx.IntegrationScopes(ctx)
	if err != nil {
		return nil, err
	}
	if scopes == nil {
		scopes = []store.Scope{}
	}
	return &Rollout{Everywhere: len(scopes) == 0, Scopes: scopes}, nil
}

// SaveRollout replaces the phased rollout's scopes and requests the
// material that waited for it, in the same transaction.
func SaveRollout(ctx context.Context, tx *store.Tx, in Rollout) (*Rollout, error) {
	before, err := GetRollout(ctx, tx)
	if err != nil {
		return nil, err
	}
	for i, s := range in.Scopes {
		if s.SiteID == "" {
			return nil, millwright.Errorf(millwright.Invalid, "missing_field",
				"scopes[%d].site_id is required: the site where integration goes live", i)
		}
		if _, err := tx.Site(ctx, s.SiteID); err != nil {
			return nil, relatedErr(err, "site_not_found")
		}
		if s.AssetClassID != "" {
			if _, err := tx.Class(ctx, s.AssetClassID); err != nil {
				return nil, relatedErr(err, "asset_class_not_found")
			}
		}
	}
	if in.Everywhere && len(in.Scopes) > 0 {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_rollout",
			"send either everywhere: true or a list of scopes, not both")
	}
	if err := tx.SetIntegrationScopes(ctx, in.Scopes); err != nil {
		return nil, err
	}
	after, err := GetRollout(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "integration_settings", "rollout", "update", before, after); err != nil {
		return nil, err
	}
	if _, err := workorder.RetryRollout(ctx, tx); err != nil {
		return nil, fmt.Errorf("request the material that waited for the rollout: %w", err)
	}
	return after, nil
}
