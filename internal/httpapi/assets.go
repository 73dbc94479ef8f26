package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/store"
)

// bom is the body of a maintenance BOM, read and written whole.
type bom struct {
	Lines []asset.BOMLine `json:"lines"`
}

func (h *Handler) listClasses(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Classes(ctx, cursor, limit)
	})
}

func (h *Handler) createClass(w http.ResponseWriter, r *http.Request) error {
	var c asset.Class
	if err := decode(r, &c); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &c, asset.CreateClass(ctx, tx, &c)
	})
}

func (h *Handler) getClass(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Class(ctx, r.PathValue("id"))
	})
}

func (h *Handler) updateClass(w http.ResponseWriter, r *http.Request) error {
	var p asset.ClassPatch
	if err := decode(r, &p); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.UpdateClass(ctx, tx, r.PathValue("id"), p)
	})
}

func (h *Handler) getClassBOM(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		lines, err := asset.ClassBOM(ctx, tx, r.PathValue("id"))
		return bom{lines}, err
	})
}

func (h *Handler) putClassBOM(w http.ResponseWriter, r *http.Request) error {
	var b bom
	if err := decode(r, &b); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		lines, err := asset.SetClassBOM(ctx, tx, r.PathValue("id"), b.Lines)
		return bom{lines}, err
	})
}

func (h *Handler) listAssets(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := asset.Filter{
		SiteID:     site,
		ClassID:    q.Get("asset_class_id"),
		ParentID:   q.Get("parent_id"),
		LocationID: q.Get("location_id"),
		Query:      q.Get("q"),
		Cursor:     cursor,
		Limit:      limit,
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Assets(ctx, f)
	})
}

func (h *Handler) createAsset(w http.ResponseWriter, r *http.Request) error {
	var a asset.Asset
	if err := decode(r, &a); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.Create(ctx, tx, &a)
	})
}

func (h *Handler) getAsset(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.Get(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) updateAsset(w http.ResponseWriter, r *http.Request) error {
	var p asset.Patch
	if err := decode(r, &p); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.Update(ctx, tx, r.PathValue("id"), p)
	})
}

func (h *Handler) listAssetChildren(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return asset.Children(ctx, tx, r.PathValue("id"), cursor, limit)
	})
}

func (h *Handler) getAssetBOM(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		lines, err := asset.BOM(ctx, tx, r.PathValue("id"))
		return bom{lines}, err
	})
}

func (h *Handler) putAssetBOM(w http.ResponseWriter, r *http.Request) error {
	var b bom
	if err := decode(r, &b); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		lines, err := asset.SetBOM(ctx, tx, r.PathValue("id"), b.Lines)
		return bom{lines}, err
	})
}
