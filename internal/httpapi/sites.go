package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/store"
)

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Sites(ctx, site, cursor, limit)
	})
}

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request) error {
	var s asset.Site
	if err := decode(r, &s); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &s, asset.CreateSite(ctx, tx, &s)
	})
}

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.GetSite(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) updateSite(w http.ResponseWriter, r *http.Request) error {
	var p asset.SitePatch
	if err := decode(r, &p); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.UpdateSite(ctx, tx, r.PathValue("id"), p)
	})
}

func (h *Handler) listLocations(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	f := asset.LocationFilter{SiteID: site, ParentID: r.URL.Query().Get("parent_id"), Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Locations(ctx, f)
	})
}

func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request) error {
	var l asset.Location
	if err := decode(r, &l); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &l, asset.CreateLocation(ctx, tx, &l)
	})
}

func (h *Handler) getLocation(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.GetLocation(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) updateLocation(w http.ResponseWriter, r *http.Request) error {
	var p asset.LocationPatch
	if err := decode(r, &p); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.UpdateLocation(ctx, tx, r.PathValue("id"), p)
	})
}
