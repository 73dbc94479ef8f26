package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Integration settings (/ui/integration/settings): who is master of
// stock and of items, and when Auto Request Material sends a work
// order's request, per type. The form calls outbox.SaveSettings, as PUT
// /api/v1/integration/settings does; they apply at every site.

var settingsPlacing = placing{
	codes: map[string]string{"invalid_item_master": "item_master", "invalid_stock_master": "stock_master"},
}

// triggerField is the form field of a work-order type's trigger.
func triggerField(t workorder.Type) string { return "trigger_" + string(t) }

// settingsForm is the form filled with the settings saved.
func settingsForm(s *outbox.Settings) form {
	v := url.Values{"item_master": {s.ItemMaster}, "stock_master": {s.StockMaster}}
	for t, trig := range s.AutoRequestTrigger {
		v.Set(triggerField(t), trig)
	}
	return form{Values: v}
}

type triggerRow struct {
	Label string // Preventive, Corrective, …
	Field string
}

func (h *Handler) integrationSettings(w http.ResponseWriter, r *http.Request, s *session) error {
	var saved *outbox.Settings
	if err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		saved, err = outbox.GetSettings(ctx, tx)
		return err
	}); err != nil {
		return err
	}
	return h.showSettings(w, r, s, http.StatusOK, settingsForm(saved))
}

func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	rows := make([]triggerRow, len(workorder.Types))
	for i, t := range workorder.Types {
		rows[i] = triggerRow{Label: strings.ToUpper(string(t[:1])) + string(t[1:]), Field: triggerField(t)}
	}
	h.render(w, r, s, status, "settings.html", "Integration settings", map[string]any{
		"Form": f, "Types": rows, "Triggers": workorder.Triggers, "CanChange": s.User.SiteID == ""})
	return nil
}

// saveIntegrationSettings saves the form's settings with
// outbox.SaveSettings; a user limited to a site is refused there.
func (h *Handler) saveIntegrationSettings(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showSettings(w, r, s, status, f) }
	return h.submit(w, r, settingsPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		in := outbox.Settings{ItemMaster: v.Get("item_master"), StockMaster: v.Get("stock_master"),
			AutoRequestTrigger: map[workorder.Type]string{}}
		for _, t := range workorder.Types {
			if trig := v.Get(triggerField(t)); trig != "" {
				in.AutoRequestTrigger[t] = trig
			}
		}
		saved, err := outbox.SaveSettings(ctx, tx, in)
		if err != nil {
			return "", "", err
		}
		return "/ui/integration/settings", "settings saved: stock master " + saved.StockMaster + ", item master " + saved.ItemMaster, nil
	})
}
