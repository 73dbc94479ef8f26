package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// form is a form shown again after a refusal: what was typed, and the
// refusal beside the field it is about (or above the form when it is
// about none of them).
type form struct {
	Values url.Values
	Errors map[string]string // field → message
	Error  string            // a message about the form as a whole
}

func (f form) Get(field string) string { return f.Values.Get(field) }

// refused places err beside the field its message names ("title: …",
// "title is required: …"), else above the form.
func refused(values url.Values, fields []string, err error) form {
	return placing{fields: fields}.place(values, err)
}

// newWorkOrderFields are the fields of the new work order form, as the
// API names them (asset is the asset's tag, not its id).
var newWorkOrderFields = []string{"asset", "asset_id", "type", "priority", "title", "description", "estimated_labor", "copy_bom"}

// newWorkOrder shows the form that creates a work order, for the asset
// of ?asset_id= when given (the asset page's "Create work order").
func (h *Handler) newWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	v := url.Values{"type": {string(workorder.Corrective)}, "priority": {"3"}}
	if id := r.URL.Query().Get("asset_id"); id != "" {
		err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
			a, err := asset.Get(ctx, tx, id)
			if err == nil {
				v.Set("asset", a.Tag)
				v.Set("asset_id", a.ID)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return h.showNewWorkOrder(w, r, s, http.StatusOK, form{Values: v})
}

func (h *Handler) showNewWorkOrder(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var assets []asset.Asset
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.Assets(ctx, asset.Filter{SiteID: s.User.SiteID, Limit: 500})
		assets = p.Items
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "newworkorder.html", "New work order", map[string]any{
		"Form": f, "Assets": assets, "Types": workorder.Types})
	return nil
}

// createWorkOrder creates a work order from the form, as POST
// /api/v1/work-orders does, and opens it; a refusal shows the form again
// with what was typed and the reason beside its field.
func (h *Handler) createWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	in := workorder.New{Type: workorder.Type(v.Get("type")), Title: strings.TrimSpace(v.Get("title")), Description: strings.TrimSpace(v.Get("description"))}
	var created *workorder.WorkOrder
	err := func() error {
		if p := v.Get("priority"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return millwright.Errorf(millwright.Invalid, "invalid_priority", "priority: choose 1 (emergency) to 4 (low)")
			}
			in.Priority = &n
		}
		if s := strings.TrimSpace(v.Get("estimated_labor")); s != "" {
			m, err := formMoney(r, "estimated_labor", "estimated_labor")
			if err != nil {
				return err
			}
			in.EstimatedLabor = &m
		}
		if v.Has("copy_bom_shown") {
			copyBOM := v.Get("copy_bom") == "on"
			in.CopyBOM = &copyBOM
		}
		return h.db.InTx(r.Context(), func(tx *store.Tx) error {
			tag := strings.TrimSpace(v.Get("asset"))
			if tag == "" {
				return millwright.Errorf(millwright.Invalid, "missing_field", "asset: give the tag of the asset to work on, such as P-101")
			}
			id, err := assetByTag(r.Context(), tx, s.User.SiteID, tag, v.Get("asset_id"))
			if err != nil {
				return err
			}
			in.AssetID = id
			created, err = workorder.Create(r.Context(), tx, in)
			return err
		})
	}()
	var e *millwright.Error
	switch {
	case err == nil:
		redirect(w, r, "/ui/work-orders/"+created.ID, "notice", created.Number+" created: "+created.Title)
		return nil
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		status := http.StatusBadRequest
		if e.Kind == millwright.Rule {
			status = http.StatusUnprocessableEntity
		}
		f := refused(v, newWorkOrderFields, err)
		if msg, ok := f.Errors["asset_id"]; ok { // the asset is chosen by its tag here
			delete(f.Errors, "asset_id")
			f.Errors["asset"] = msg
		}
		return h.showNewWorkOrder(w, r, s, status, f)
	default:
		return err
	}
}

// assetByTag finds the asset with tag, among the sites the user sees:
// the asset of id when it has that tag (the form came from its page).
func assetByTag(ctx context.Context, tx *store.Tx, siteID, tag, id string) (string, error) {
	if id != "" {
		if a, err := tx.Asset(ctx, id); err == nil && strings.EqualFold(a.Tag, tag) {
			return a.ID, nil
		}
	}
	p, err := tx.Assets(ctx, asset.Filter{SiteID: siteID, Query: tag, Limit: 500})
	if err != nil {
		return "", err
	}
	var found []asset.Asset
	for _, a := range p.Items {
		if strings.EqualFold(a.Tag, tag) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return "", millwright.Errorf(millwright.Invalid, "unknown_asset", "asset: no asset has the tag %q; pick one from the list", tag)
	case 1:
		return found[0].ID, nil
	}
	return "", millwright.Errorf(millwright.Invalid, "ambiguous_asset", "asset: %d assets of different sites have the tag %q; open the asset's page and create the work order there", len(found), tag)
}
