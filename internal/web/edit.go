package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The edit screens: what PATCH changes in the API (a work order, a site,
// a location, an asset class), each a form over the same use-case.

// ---- a work order ----

var editWorkOrderPlacing = placing{
	fields: []string{"title", "description", "type", "priority", "estimated_labor", "assigned_to", "scheduled_on"},
	codes: map[string]string{"type_fixed": "type", "invalid_type": "type", "invalid_priority": "priority",
		"invalid_amount": "estimated_labor", "unknown_user": "assigned_to", "not_a_technician": "assigned_to",
		"wrong_site": "assigned_to", "invalid_date": "scheduled_on"},
}

// editWorkOrder shows the form that changes a work order's title,
// description, priority, estimate, assignment and (while it is
// requested) type, filled with what it has now.
func (h *Handler) editWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	var wo *workorder.WorkOrder
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		wo, err = workorder.Get(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	v := url.Values{"title": {wo.Title}, "description": {wo.Description}, "type": {string(wo.Type)},
		"priority": {strconv.Itoa(wo.Priority)}, "assigned_to": {wo.AssignedTo}, "scheduled_on": {wo.ScheduledOn}}
	if !wo.EstimatedLabor.IsZero() {
		v.Set("estimated_labor", wo.EstimatedLabor.String())
	}
	return h.showEditWorkOrder(w, r, s, http.StatusOK, form{Values: v})
}

func (h *Handler) showEditWorkOrder(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		wo    *workorder.WorkOrder
		a     *asset.Asset
		techs []string
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if wo, err = workorder.Get(ctx, tx, r.PathValue("id")); err != nil {
			return err
		}
		if a, err = tx.Asset(ctx, wo.AssetID); err != nil {
			return err
		}
		techs, err = technicians(ctx, tx, wo.SiteID)
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "editworkorder.html", "Edit "+wo.Number, map[string]any{
		"Form": f, "WO": wo, "Asset": a, "Techs": techs, "Types": workorder.Types,
		"TypeOpen": wo.Status == workorder.Requested})
	return nil
}

// updateWorkOrder changes a work order as PATCH /api/v1/work-orders/{id}
// does, with workorder.Update: every field of the form, the type only
// when the form offers it (while the work order is requested).
func (h *Handler) updateWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showEditWorkOrder(w, r, s, status, f) }
	return h.submit(w, r, editWorkOrderPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		field := func(name string) *string {
			if !v.Has(name) {
				return nil
			}
			s := strings.TrimSpace(v.Get(name))
			return &s
		}
		c := workorder.Changes{Title: field("title"), Description: field("description"),
			AssignedTo: field("assigned_to"), ScheduledOn: field("scheduled_on")}
		if t := field("type"); t != nil {
			typ := workorder.Type(*t)
			c.Type = &typ
		}
		if p := field("priority"); p != nil {
			n, err := strconv.Atoi(*p)
			if err != nil {
				return "", "", millwright.Errorf(millwright.Invalid, "invalid_priority", "priority: choose 1 (emergency) to 4 (low), not %q", *p)
			}
			c.Priority = &n
		}
		if e := field("estimated_labor"); e != nil {
			var m millwright.Money
			if *e != "" {
				var err error
				if m, err = formMoney(r, "estimated_labor", "estimated_labor"); err != nil {
					return "", "", err
				}
			}
			c.EstimatedLabor = &m
		}
		wo, err := workorder.Update(ctx, tx, r.PathValue("id"), c)
		if err != nil {
			return "", "", err
		}
		return "/ui/work-orders/" + wo.ID, wo.Number + " saved: " + wo.Title, nil
	})
}

// ---- a site ----

// editSite shows a site's name, currency and time zone to change; its
// code stays (it names the site in tokens, topics and mappings).
func (h *Handler) editSite(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	return h.showSite(w, r, s, http.StatusOK, form{Values: url.Values{"name": {site.Name}, "currency": {site.Currency}, "time_zone": {site.TimeZone}}})
}

// siteOf is the site of the path, if the user's scope holds it.
func (h *Handler) siteOf(r *http.Request) (*asset.Site, error) {
	var site *asset.Site
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if site, err = tx.Site(ctx, r.PathValue("id")); err != nil {
			return err
		}
		return millwright.CheckSite(ctx, site.ID)
	})
	return site, err
}

func (h *Handler) showSite(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "site.html", "Site "+site.Code, map[string]any{"Site": site, "Form": f, "Default": asset.DefaultTimeZone})
	return nil
}

// updateSite changes a site with asset.UpdateSite, as PATCH /api/v1/sites/{id}.
func (h *Handler) updateSite(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showSite(w, r, s, status, f) }
	return h.submit(w, r, sitePlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		name, currency, zone := v.Get("name"), v.Get("currency"), v.Get("time_zone")
		site, err := asset.UpdateSite(ctx, tx, r.PathValue("id"), asset.SitePatch{Name: &name, Currency: &currency, TimeZone: &zone})
		if err != nil {
			return "", "", err
		}
		return "/ui/admin/sites", "site " + site.Code + " saved (" + site.Currency + ", " + site.TimeZone + ")", nil
	})
}

// ---- a location ----

var locationPlacing = placing{fields: locationFields, codes: codeCodes}

// locationOf is the location of the path, if the user's scope holds its site.
func (h *Handler) locationOf(r *http.Request) (*asset.Location, []asset.Location, string, error) {
	var (
		l        *asset.Location
		siblings []asset.Location
		code     string
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if l, err = tx.Location(ctx, r.PathValue("id")); err != nil {
			return err
		}
		if err = millwright.CheckSite(ctx, l.SiteID); err != nil {
			return err
		}
		p, err := tx.Locations(ctx, asset.LocationFilter{SiteID: l.SiteID, Limit: 500})
		for _, o := range p.Items {
			if o.ID != l.ID {
				siblings = append(siblings, o)
			}
		}
		code = siteName(ctx, tx, l.SiteID)
		return err
	})
	return l, siblings, code, err
}

// editLocation shows a location's code, name and the location it is
// inside (one of its site's) to change.
func (h *Handler) editLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	l, _, _, err := h.locationOf(r)
	if err != nil {
		return err
	}
	return h.showLocation(w, r, s, http.StatusOK, form{Values: url.Values{"code": {l.Code}, "name": {l.Name}, "parent_id": {l.ParentID}}})
}

func (h *Handler) showLocation(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	l, others, site, err := h.locationOf(r)
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "location.html", "Location "+l.Code, map[string]any{"Location": l, "Others": others, "Site": site, "Form": f})
	return nil
}

// updateLocation changes a location with asset.UpdateLocation, as PATCH
// /api/v1/locations/{id}.
func (h *Handler) updateLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showLocation(w, r, s, status, f) }
	return h.submit(w, r, locationPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		code, name, parent := v.Get("code"), v.Get("name"), v.Get("parent_id")
		l, err := asset.UpdateLocation(ctx, tx, r.PathValue("id"), asset.LocationPatch{Code: &code, Name: &name, ParentID: &parent})
		if err != nil {
			return "", "", err
		}
		return "/ui/locations", "location " + l.Code + " saved", nil
	})
}

// ---- an asset class ----

var classPlacing = placing{fields: classFields, codes: codeCodes}

// editClass shows an asset class's code, name and Auto Request Material
// to change. Classes are shared by every site, as in the API.
func (h *Handler) editClass(w http.ResponseWriter, r *http.Request, s *session) error {
	var c *asset.Class
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		c, err = tx.Class(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	v := url.Values{"code": {c.Code}, "name": {c.Name}}
	if c.AutoRequestMaterial {
		v.Set("auto_request_material", "on")
	}
	return h.showClass(w, r, s, http.StatusOK, form{Values: v})
}

func (h *Handler) showClass(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var c *asset.Class
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		c, err = tx.Class(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "assetclass.html", "Asset class "+c.Code, map[string]any{"Class": c, "Form": f})
	return nil
}

// updateClass changes an asset class with asset.UpdateClass, as PATCH
// /api/v1/asset-classes/{id}; an unticked box turns Auto Request
// Material off.
func (h *Handler) updateClass(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showClass(w, r, s, status, f) }
	return h.submit(w, r, classPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		code, name, arm := v.Get("code"), v.Get("name"), v.Get("auto_request_material") == "on"
		c, err := asset.UpdateClass(ctx, tx, r.PathValue("id"), asset.ClassPatch{Code: &code, Name: &name, AutoRequestMaterial: &arm})
		if err != nil {
			return "", "", err
		}
		return "/ui/asset-classes", "asset class " + c.Code + " saved", nil
	})
}
