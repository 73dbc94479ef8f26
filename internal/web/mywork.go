package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// active are the statuses in which a technician works on a work order.
var active = []workorder.Status{workorder.InProgress, workorder.Released, workorder.WaitingForParts}

// siteDay returns today's date in the time zone of a site, as a
// scheduled day is written.
func siteDay(ctx context.Context, tx *store.Tx, siteID string, cache map[string]string) (string, error) {
	if d, ok := cache[siteID]; ok {
		return d, nil
	}
	s, err := tx.Site(ctx, siteID)
	if err != nil {
		return "", err
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	d := tx.Now().In(loc).Format(workorder.DateLayout)
	cache[siteID] = d
	return d, nil
}

// myWork is the technician's home: the work orders assigned to them that
// are released, in progress or waiting for parts and scheduled for today
// or earlier (or not scheduled), then what is assigned to them for later
// and the active work of their site that nobody is assigned to.
func (h *Handler) myWork(w http.ResponseWriter, r *http.Request, s *session) error {
	var today, later, open []woRow
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		// The technician's own work (index (assigned_to, status, id)), and
		// the site's work that nobody is assigned to.
		site := millwright.PrincipalFrom(ctx).SiteID
		mine, err := listWork(ctx, tx, workorder.Filter{SiteID: site, AssignedTo: s.User.Username}, active...)
		if err != nil {
			return err
		}
		if open, err = listWork(ctx, tx, workorder.Filter{SiteID: site, Unassigned: true}, active...); err != nil {
			return err
		}
		days := map[string]string{}
		for _, row := range mine {
			day, err := siteDay(ctx, tx, row.SiteID, days)
			if err != nil {
				return err
			}
			if row.DueBy(day) {
				today = append(today, row)
			} else {
				later = append(later, row)
			}
		}
		slices.SortStableFunc(later, func(a, b woRow) int { return strings.Compare(a.ScheduledOn, b.ScheduledOn) })
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "mywork.html", "My work", map[string]any{"Today": today, "Later": later, "Open": open})
	return nil
}

// assign sets who does a work order and on which day (workorder.Update,
// as PATCH /api/v1/work-orders/{id}).
func (h *Handler) assign(w http.ResponseWriter, r *http.Request, s *session) error {
	who, day := strings.TrimSpace(r.PostForm.Get("assigned_to")), strings.TrimSpace(r.PostForm.Get("scheduled_on"))
	notice := "unassigned"
	if who != "" {
		notice = "assigned to " + who
		if day != "" {
			notice += " for " + day
		}
	}
	return h.change(w, r, backTo(r, woURL(r)), backTo(r, woURL(r)), notice, func(ctx context.Context, tx *store.Tx) error {
		_, err := workorder.Update(ctx, tx, r.PathValue("id"), workorder.Changes{AssignedTo: &who, ScheduledOn: &day})
		return err
	})
}

// technicians lists the users who may do work at a site, by name.
func technicians(ctx context.Context, tx *store.Tx, siteID string) ([]string, error) {
	p, err := tx.Users(ctx, store.UserFilter{Role: millwright.Technician, Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range p.Items {
		if u.SiteID == "" || u.SiteID == siteID {
			out = append(out, u.Username)
		}
	}
	slices.Sort(out)
	return out, nil
}

// endOfTime is after every reading.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// meterRow is a meter of the work order's asset with its last reading.
type meterRow struct {
	reading.Meter
	Last *reading.Reading
}

// assetMeters lists an asset's meters with the last reading of each.
func assetMeters(ctx context.Context, tx *store.Tx, assetID string) ([]meterRow, error) {
	ms, err := tx.Meters(ctx, assetID)
	if err != nil {
		return nil, err
	}
	var out []meterRow
	for _, m := range ms {
		row := meterRow{Meter: m}
		last, ok, err := tx.ReadingBefore(ctx, m.ID, endOfTime)
		if err != nil {
			return nil, err
		}
		if ok {
			row.Last = &last
		}
		out = append(out, row)
	}
	return out, nil
}

// recordReading records a reading of the work order's asset through the
// recorder the API uses (its hook runs the meter and condition plans).
func (h *Handler) recordReading(w http.ResponseWriter, r *http.Request, s *session) error {
	value, err := formQty(r, "value", "Value", true)
	if err != nil {
		redirect(w, r, woURL(r), "error", errText(err))
		return nil
	}
	var wo *workorder.WorkOrder
	if err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		wo, err = workorder.Get(ctx, tx, r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	in := reading.Input{Meter: r.PostForm.Get("meter"), Value: &value, Replacement: r.PostForm.Get("replacement") == "on"}
	res, err := h.readings.Record(r.Context(), wo.AssetID, reading.SourceHTTP, in)
	var e *millwright.Error
	switch {
	case err == nil && res.Duplicate:
		redirect(w, r, woURL(r), "notice", "that reading was stored before")
	case err == nil:
		redirect(w, r, woURL(r), "notice", "reading recorded: "+res.Meter+" "+res.Value.String())
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		redirect(w, r, woURL(r), "error", e.Message)
	default:
		return err
	}
	return nil
}

// canAssign reports whether the role may assign and schedule work.
func canAssign(u *store.User) bool { return auth.Allowed(u.Role, auth.PlanWork) }
