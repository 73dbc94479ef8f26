package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

func (h *Handler) listItems(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := inventory.ItemFilter{Query: q.Get("q"), StockType: q.Get("stock_type"), Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Items(ctx, f)
	})
}

func (h *Handler) createItem(w http.ResponseWriter, r *http.Request) error {
	var it inventory.Item
	if err := decode(r, &it); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &it, inventory.CreateItem(ctx, tx, &it)
	})
}

func (h *Handler) getItem(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Item(ctx, r.PathValue("id"))
	})
}

func (h *Handler) updateItem(w http.ResponseWriter, r *http.Request) error {
	var p inventory.ItemPatch
	if err := decode(r, &p); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.UpdateItem(ctx, tx, r.PathValue("id"), p)
	})
}

func (h *Handler) listStorerooms(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	f := inventory.StoreroomFilter{SiteID: site, Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Storerooms(ctx, f)
	})
}

func (h *Handler) createStoreroom(w http.ResponseWriter, r *http.Request) error {
	var s inventory.Storeroom
	if err := decode(r, &s); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &s, inventory.CreateStoreroom(ctx, tx, &s)
	})
}

func (h *Handler) getStoreroom(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return inventory.GetStoreroom(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) putStockSettings(w http.ResponseWriter, r *http.Request) error {
	var set inventory.Settings
	if err := decode(r, &set); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return inventory.SetSettings(ctx, tx, r.PathValue("id"), r.PathValue("item_id"), set)
	})
}

func (h *Handler) listStock(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := inventory.StockFilter{SiteID: site, StoreroomID: q.Get("storeroom_id"), ItemID: q.Get("item_id"), Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Stock(ctx, f)
	})
}

func (h *Handler) adjustStock(w http.ResponseWriter, r *http.Request) error {
	var a inventory.Adjustment
	if err := decode(r, &a); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return inventory.Adjust(ctx, tx, a)
	})
}

func (h *Handler) listMovements(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := inventory.MovementFilter{
		SiteID:      site,
		StoreroomID: q.Get("storeroom_id"),
		ItemID:      q.Get("item_id"),
		WorkOrderID: q.Get("work_order_id"),
		Cursor:      cursor,
		Limit:       limit,
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Movements(ctx, f)
	})
}
