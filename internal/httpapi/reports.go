package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
)

// reportWindow reads ?site_id= (the caller's own site when it has one),
// ?from= and ?to= (default now).
func (h *Handler) reportWindow(r *http.Request) (report.Window, error) {
	var w report.Window
	site, err := siteFilter(r)
	if err != nil {
		return w, err
	}
	w.SiteID = site
	from, err := timeParam(r, "from")
	if err != nil {
		return w, err
	}
	to, err := timeParam(r, "to")
	if err != nil {
		return w, err
	}
	w.To = h.db.Clock().UTC().Truncate(time.Microsecond)
	if to != nil {
		w.To = *to
	}
	if from != nil {
		w.From = *from
		if !w.From.Before(w.To) {
			return w, millwright.Errorf(millwright.Invalid, "invalid_window",
				"from %s is not before to %s; give a window that is at least a second long", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
		}
	}
	return w, nil
}

// groupParam reads ?by=, one of allowed, the first by default.
func groupParam(r *http.Request, allowed ...string) (string, error) {
	by := r.URL.Query().Get("by")
	if by == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if by == a {
			return by, nil
		}
	}
	return "", millwright.Errorf(millwright.Invalid, "invalid_group", "by=%q is not one of %v", by, allowed)
}

func (h *Handler) reliabilityReport(w http.ResponseWriter, r *http.Request) error {
	by, err := groupParam(r, report.ByAsset, report.ByClass)
	if err != nil {
		return err
	}
	win, err := h.reportWindow(r)
	if err != nil {
		return err
	}
	if win.From.IsZero() {
		win.From = win.To.AddDate(0, 0, -report.DefaultReliabilityDays)
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		assets, err := tx.ReportAssets(ctx, win.SiteID)
		if err != nil {
			return nil, err
		}
		failures, err := tx.Failures(ctx, win)
		if err != nil {
			return nil, err
		}
		return report.ComputeReliability(win, by, assets, failures), nil
	})
}

func (h *Handler) backlogReport(w http.ResponseWriter, r *http.Request) error {
	win, err := h.reportWindow(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Backlog(ctx, win, win.To)
	})
}

func (h *Handler) maintenanceCostReport(w http.ResponseWriter, r *http.Request) error {
	by, err := groupParam(r, report.ByAsset, report.ByMonth)
	if err != nil {
		return err
	}
	win, err := h.reportWindow(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		assets, err := tx.ReportAssets(ctx, win.SiteID)
		if err != nil {
			return nil, err
		}
		// By asset, the database adds the costs up; by month, the month of
		// each cost is in its site's time zone, so Go adds them up.
		entries, err := tx.CostByAsset(ctx, win)
		if by == report.ByMonth {
			entries, err = tx.CostEntries(ctx, win)
		}
		if err != nil {
			return nil, err
		}
		out := report.Cost{By: by, To: win.To, Items: report.ComputeCost(by, assets, entries)}
		if !win.From.IsZero() {
			out.From = &win.From
		}
		for _, row := range out.Items {
			out.Total = out.Total.Add(row.Total)
		}
		return out, nil
	})
}
