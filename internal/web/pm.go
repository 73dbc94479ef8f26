package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
)

// planRow is a PM plan in a list, with its asset and its next due date.
type planRow struct {
	pm.Plan
	AssetTag, AssetName string
	When, Next          string
}

// describeTrigger says in words when a plan is due.
func describeTrigger(t pm.Trigger) string {
	num := func(v float64) string { return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".") }
	switch t.Kind {
	case pm.Calendar:
		every := ""
		switch {
		case t.EveryDays > 0:
			every = fmt.Sprintf("every %d day(s)", t.EveryDays)
		case t.EveryWeeks > 0:
			every = fmt.Sprintf("every %d week(s)", t.EveryWeeks)
		case t.EveryMonths > 0:
			every = fmt.Sprintf("every %d month(s)", t.EveryMonths)
		}
		return fmt.Sprintf("%s from %s (%s)", every, t.Start, t.Schedule)
	case pm.Meter:
		return fmt.Sprintf("every %s of %s", num(t.Every), t.Meter)
	case pm.Condition:
		var rule []string
		if t.Above != nil {
			rule = append(rule, "above "+num(*t.Above))
		}
		if t.Below != nil {
			rule = append(rule, "below "+num(*t.Below))
		}
		if t.RisingPerHour != nil {
			rule = append(rule, "rising "+num(*t.RisingPerHour)+" per hour")
		}
		return fmt.Sprintf("when %s is %s for %d min", t.Meter, strings.Join(rule, " or "), t.ForMinutes)
	}
	return t.Kind
}

// pmPlans lists the PM plans of the caller's site with their next due date.
func (h *Handler) pmPlans(w http.ResponseWriter, r *http.Request, s *session) error {
	var rows []planRow
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := pm.List(ctx, tx, pm.Filter{SiteID: s.User.SiteID, Limit: 500})
		if err != nil {
			return err
		}
		assets := map[string]*asset.Asset{}
		for _, pl := range p.Items {
			row := planRow{Plan: pl, When: describeTrigger(pl.Trigger)}
			a, ok := assets[pl.AssetID]
			if !ok {
				if a, err = tx.Asset(ctx, pl.AssetID); err != nil {
					return err
				}
				assets[pl.AssetID] = a
			}
			row.AssetTag, row.AssetName = a.Tag, a.Name
			if pl.Active && pl.Trigger.Kind != pm.Condition {
				f, err := pm.Forecast(ctx, tx, pl.ID, "", 1)
				if err != nil {
					return err
				}
				if len(f.Items) > 0 {
					if d := f.Items[0]; d.DueAt != nil {
						row.Next = d.Local
					} else if d.DueValue != nil {
						row.Next = fmt.Sprintf("at %g %s", *d.DueValue, pl.Trigger.Meter)
					}
				}
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "pmplans.html", "PM plans", map[string]any{"Plans": rows,
		"CanPlan": auth.Allowed(s.User.Role, auth.PlanPM)})
	return nil
}

// calMonth is one month of the forecast calendar, in weeks from Monday.
type calMonth struct {
	Title string
	Weeks [][]calDay
}

type calDay struct {
	Day         int
	Date        string
	In, Today   bool
	Due         []string // the local times the plan is due that day
	Description string
}

// calendarMonths is how many months the forecast calendar shows.
const calendarMonths = 3

// newCalendar lays out months from first, marking the due dates.
func newCalendar(first time.Time, today string, due map[string][]string) []calMonth {
	var out []calMonth
	for i := range calendarMonths {
		m := first.AddDate(0, i, 0)
		cm := calMonth{Title: m.Format("January 2006")}
		// Back to the Monday on or before the 1st.
		d := m.AddDate(0, 0, -((int(m.Weekday()) + 6) % 7))
		for d.Month() == m.Month() || d.Before(m) {
			var week []calDay
			for range 7 {
				key := d.Format("2006-01-02")
				cd := calDay{Day: d.Day(), Date: key, In: d.Month() == m.Month(), Today: key == today}
				if cd.In {
					cd.Due = due[key]
					cd.Description = d.Format("Monday 2 January 2006")
					if len(cd.Due) > 0 {
						cd.Description += ": due at " + strings.Join(cd.Due, ", ")
					}
				}
				week = append(week, cd)
				d = d.AddDate(0, 0, 1)
			}
			cm.Weeks = append(cm.Weeks, week)
		}
		out = append(out, cm)
	}
	return out
}

// pmPlan shows a plan and its forecast: calendar plans on a month
// calendar (?month=YYYY-MM, three months from it), meter plans as the
// meter values at which they fall due.
func (h *Handler) pmPlan(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		p        *pm.Plan
		a        *asset.Asset
		forecast millwright.Page[pm.Due]
		zone     string
		months   []calMonth
		prev     string
		next     string
		shown    []pm.Due
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p, err = pm.Get(ctx, tx, r.PathValue("id")); err != nil {
			return err
		}
		if a, err = tx.Asset(ctx, p.AssetID); err != nil {
			return err
		}
		site, err := tx.Site(ctx, p.SiteID)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(site.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		now := tx.Now().In(loc)
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		if m := r.URL.Query().Get("month"); m != "" {
			t, err := time.ParseInLocation("2006-01", m, loc)
			if err != nil {
				return millwright.Errorf(millwright.Invalid, "bad_month", "month must be a month such as 2026-12, not %q", m)
			}
			first = t
		}
		prev, next, zone = first.AddDate(0, -1, 0).Format("2006-01"), first.AddDate(0, 1, 0).Format("2006-01"), site.TimeZone
		if p.Trigger.Kind == pm.Condition {
			return nil
		}
		if forecast, err = pm.Forecast(ctx, tx, p.ID, "", pm.MaxForecast); err != nil {
			return err
		}
		if p.Trigger.Kind != pm.Calendar {
			shown = forecast.Items[:min(len(forecast.Items), 10)]
			return nil
		}
		end := first.AddDate(0, calendarMonths, 0)
		due := map[string][]string{}
		for _, d := range forecast.Items {
			at := d.DueAt.In(loc)
			if at.Before(first) || !at.Before(end) {
				continue
			}
			key := at.Format("2006-01-02")
			due[key] = append(due[key], at.Format("15:04"))
			shown = append(shown, d)
		}
		months = newCalendar(first, now.Format("2006-01-02"), due)
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "pmplan.html", "PM plan "+p.Name, map[string]any{
		"Plan": p, "Asset": a, "When": describeTrigger(p.Trigger), "TimeZone": zone, "Months": months,
		"Shown": shown, "Prev": prev, "Next": next, "CanPlan": auth.Allowed(s.User.Role, auth.PlanPM)})
	return nil
}
