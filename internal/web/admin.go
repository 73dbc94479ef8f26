package web

import (
	"context"
	"github.com/millwright-cmms/millwright/internal/auth"
	"net/http"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

var messageStatuses = []string{integration.StatusDead, integration.StatusFailed, integration.StatusPending, integration.StatusDelivered}

type statusCount struct {
	Status  string
	Count   int
	More    bool
	Current bool
}

// integrationPage lists outbox messages by status, with their errors and
// a replay button, and the data-quality report.
func (h *Handler) integrationPage(w http.ResponseWriter, r *http.Request, s *session) error {
	want := r.URL.Query().Get("status")
	if want == "" {
		want = integration.StatusDead
	}
	var (
		counts []statusCount
		msgs   []integration.OutboxMessage
		gaps   []outbox.Gap
		g      glance
		valid  bool
	)
	for _, st := range messageStatuses {
		valid = valid || st == want
	}
	if !valid {
		return millwright.Errorf(millwright.Invalid, "invalid_status", "status %q is not a message status; use pending, delivered, failed or dead", want)
	}
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		for _, st := range messageStatuses {
			p, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: st, SiteID: s.User.SiteID, Limit: 200, Newest: true})
			if err != nil {
				return err
			}
			counts = append(counts, statusCount{Status: st, Count: len(p.Items), More: p.NextCursor != "", Current: st == want})
			if st == want {
				msgs = p.Items
			}
		}
		var err error
		if g, err = integrationGlance(ctx, tx, s.User.SiteID); err != nil {
			return err
		}
		gaps, err = outbox.DataQuality(ctx, tx, s.User.SiteID, nil, nil) // the API checks against the ERP too
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "integration.html", "Integration", map[string]any{
		"Counts": counts, "Messages": msgs, "Status": want, "Gaps": gaps, "Glance": g})
	return nil
}

func (h *Handler) replay(w http.ResponseWriter, r *http.Request, s *session) error {
	back := "/ui/integration?status=" + r.PostForm.Get("status")
	return h.change(w, r, back, back, "message replayed; it is pending and goes out now", func(ctx context.Context, tx *store.Tx) error {
		_, err := outbox.Replay(ctx, tx, r.PathValue("id"))
		return err
	})
}

// stockRow is one item in one storeroom.
type stockRow struct {
	inventory.Stock
	PartNumber, Description, Unit string
}

type storeStock struct {
	Storeroom inventory.Storeroom
	Rows      []stockRow
}

// stock lists stock by storeroom with its reorder state; a storekeeper
// may adjust it.
func (h *Handler) stock(w http.ResponseWriter, r *http.Request, s *session) error {
	var stores []storeStock
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		srs, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: s.User.SiteID, Limit: 100})
		if err != nil {
			return err
		}
		items := map[string]*inventory.Item{}
		for _, sr := range srs.Items {
			p, err := tx.Stock(ctx, inventory.StockFilter{StoreroomID: sr.ID, Limit: 500})
			if err != nil {
				return err
			}
			ss := storeStock{Storeroom: sr}
			for _, st := range p.Items {
				it, ok := items[st.ItemID]
				if !ok {
					if it, err = tx.Item(ctx, st.ItemID); err != nil {
						return err
					}
					items[st.ItemID] = it
				}
				ss.Rows = append(ss.Rows, stockRow{Stock: st, PartNumber: it.PartNumber, Description: it.Description, Unit: it.Unit})
			}
			stores = append(stores, ss)
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "stock.html", "Stock", map[string]any{"Stores": stores,
		"CanManageItems": auth.Allowed(s.User.Role, auth.ManageItems)})
	return nil
}

func (h *Handler) adjust(w http.ResponseWriter, r *http.Request, s *session) error {
	qty, err := formQty(r, "quantity", "Quantity", true)
	if err != nil {
		redirect(w, r, "/ui/stock", "error", errText(err))
		return nil
	}
	a := inventory.Adjustment{StoreroomID: r.PostForm.Get("storeroom"), Quantity: qty, Reason: r.PostForm.Get("reason")}
	if strings.TrimSpace(r.PostForm.Get("unit_cost")) != "" {
		c, err := formMoney(r, "unit_cost", "Unit cost")
		if err != nil {
			redirect(w, r, "/ui/stock", "error", errText(err))
			return nil
		}
		a.UnitCost = &c
	}
	return h.change(w, r, "/ui/stock", "/ui/stock", "stock adjusted", func(ctx context.Context, tx *store.Tx) error {
		it, err := itemByPart(ctx, tx, r.PostForm.Get("part"))
		if err != nil {
			return err
		}
		a.ItemID = it.ID
		_, err = inventory.Adjust(ctx, tx, a)
		return err
	})
}

// assets lists the assets of the caller's site.
func (h *Handler) assets(w http.ResponseWriter, r *http.Request, s *session) error {
	var as []asset.Asset
	q := r.URL.Query().Get("q")
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.Assets(ctx, asset.Filter{SiteID: s.User.SiteID, Query: q, Limit: 500})
		as = p.Items
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "assets.html", "Assets", map[string]any{"Assets": as, "Query": q,
		"CanEdit": auth.Allowed(s.User.Role, auth.PlanAssets)})
	return nil
}

// assetPage shows an asset's place in the hierarchy, its work history,
// its cost over the last months and its meters' readings with the limits
// of the condition rules that watch them.
func (h *Handler) assetPage(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		a        *asset.Asset
		parents  []asset.Asset
		children []asset.Asset
		history  []workorder.WorkOrder
		cost     *costChart
		meters   []meterChart
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if a, err = tx.Asset(ctx, r.PathValue("id")); err != nil {
			return err
		}
		if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
			return err
		}
		for id, n := a.ParentID, 0; id != "" && n < 20; n++ {
			p, err := tx.Asset(ctx, id)
			if err != nil {
				return err
			}
			parents = append([]asset.Asset{*p}, parents...)
			id = p.ParentID
		}
		c, err := tx.Assets(ctx, asset.Filter{SiteID: a.SiteID, ParentID: a.ID, Limit: 200})
		if err != nil {
			return err
		}
		children = c.Items
		wos, err := workorder.List(ctx, tx, workorder.Filter{SiteID: a.SiteID, AssetID: a.ID, Limit: 200})
		if err != nil {
			return err
		}
		history = wos.Items
		if cost, err = assetCostChart(ctx, tx, a); err != nil {
			return err
		}
		meters, err = assetMeterCharts(ctx, tx, a)
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "asset.html", a.Tag+" "+a.Name, map[string]any{
		"Asset": a, "Parents": parents, "Children": children, "History": history, "Cost": cost, "Meters": meters,
		"CanCreate": auth.Allowed(s.User.Role, auth.PlanWork), "CanEditAsset": auth.Allowed(s.User.Role, auth.PlanAssets)})
	return nil
}
