package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
)

func (h *Handler) listPlans(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := pm.Filter{SiteID: site, AssetID: q.Get("asset_id"), Kind: q.Get("kind"), Cursor: cursor, Limit: limit}
	if s := q.Get("active"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return millwright.Errorf(millwright.Invalid, "bad_active", "active must be true or false, not %q", s)
		}
		f.Active = &b
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.List(ctx, tx, f)
	})
}

func (h *Handler) createPlan(w http.ResponseWriter, r *http.Request) error {
	var in pm.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Create(ctx, tx, in)
	})
}

func (h *Handler) getPlan(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Get(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) updatePlan(w http.ResponseWriter, r *http.Request) error {
	var in pm.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Update(ctx, tx, r.PathValue("id"), in)
	})
}

func (h *Handler) deactivatePlan(w http.ResponseWriter, r *http.Request) error {
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Deactivate(ctx, tx, r.PathValue("id"))
	})
}

// forecastPlan serves GET pm-plans/{id}/forecast?limit=&cursor=, a page of
// the plan's next due dates or values; count is limit's old name.
func (h *Handler) forecastPlan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 5
	name, s := "limit", q.Get("limit")
	if c := q.Get("count"); c != "" {
		if s != "" {
			return millwright.Errorf(millwright.Invalid, "bad_limit", "give limit or count (its old name), not both")
		}
		name, s = "count", c
	}
	if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > pm.MaxForecast {
			return millwright.Errorf(millwright.Invalid, "bad_"+name, "%s must be a whole number from 1 to %d, not %q", name, pm.MaxForecast, s)
		}
		limit = n
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Forecast(ctx, tx, r.PathValue("id"), q.Get("cursor"), limit)
	})
}

// pmCompliance serves GET reports/pm-compliance?site_id=&from=&to=&grace_days=.
// from and to are RFC 3339 times or dates (midnight UTC); the default
// period is the last 30 days.
func (h *Handler) pmCompliance(w http.ResponseWriter, r *http.Request) error {
	site, err := siteFilter(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := h.db.Clock().UTC().Truncate(time.Second)
	to, err := reportTime(q.Get("to"), "to", now)
	if err != nil {
		return err
	}
	from, err := reportTime(q.Get("from"), "from", to.AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	grace := 0
	if s := q.Get("grace_days"); s != "" {
		if grace, err = strconv.Atoi(s); err != nil {
			return millwright.Errorf(millwright.Invalid, "bad_grace_days", "grace_days must be a whole number of days, not %q", s)
		}
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return pm.Compliance(ctx, tx, site, from, to, grace)
	})
}

func reportTime(s, name string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, millwright.Errorf(millwright.Invalid, "bad_"+name,
		"%s must be an RFC 3339 time such as 2026-01-01T00:00:00Z or a date such as 2026-01-01, not %q", name, s)
}
