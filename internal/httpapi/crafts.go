package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// craftBody is the body of POST /api/v1/crafts.
type craftBody struct {
	Code   string           `json:"code"`
	Name   string           `json:"name"`
	SiteID string           `json:"site_id"` // empty: every site (a user of one site: that site)
	Rate   millwright.Money `json:"rate"`
}

// listCrafts lists the crafts of the caller's site and of every site.
func (h *Handler) listCrafts(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		cs, err := workorder.Crafts(ctx, tx)
		if err != nil {
			return nil, err
		}
		return pageOf(cs, cursor, limit, func(c workorder.Craft) string { return c.Code + "@" + c.SiteID }), nil
	})
}

// saveCraft creates a craft, or changes the name and rate of the craft of
// that code at that site.
func (h *Handler) saveCraft(w http.ResponseWriter, r *http.Request) error {
	var in craftBody
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.SaveCraft(ctx, tx, workorder.Craft{Code: in.Code, Name: in.Name, SiteID: in.SiteID, Rate: in.Rate})
	})
}
