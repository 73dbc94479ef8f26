package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// boardCards is how many cards a column of the board shows: the board
// reads a page of each status, never the whole table.
const boardCards = 50

// boardDays is how many days, from today, the board offers to drop a
// card on.
const boardDays = 14

// boardStatuses are the board's columns: the work that is not closed or
// cancelled, completed work waiting to be closed last.
var boardStatuses = []workorder.Status{workorder.Requested, workorder.Approved, workorder.Planned, workorder.Released,
	workorder.InProgress, workorder.WaitingForParts, workorder.Completed}

// boardQuery is the board's filters, as GET parameters so that a filtered
// view has a URL.
type boardQuery struct {
	Site, Asset, Q, Type, Assignee, Due string
	Priority                            int
}

func (q boardQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"site": q.Site, "asset": q.Asset, "q": q.Q, "type": q.Type, "assignee": q.Assignee, "due": q.Due} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Priority != 0 {
		v.Set("priority", strconv.Itoa(q.Priority))
	}
	return v
}

// boardColumn is a status's cards; More says the column has more than it shows.
type boardColumn struct {
	Status workorder.Status
	Rows   []woRow
	More   bool
}

// boardDay is a day a card can be dropped on to schedule it.
type boardDay struct {
	Date, Label string
}

// scopeSite is the site a page shows: a user of one site sees only it;
// a user of every site may pick one with ?site= (its code or id).
func scopeSite(ctx context.Context, tx *store.Tx, u *store.User, picked string) (string, []asset.Site, error) {
	if u.SiteID != "" {
		return u.SiteID, nil, nil
	}
	p, err := tx.Sites(ctx, "", "", 100)
	if err != nil {
		return "", nil, err
	}
	for _, s := range p.Items {
		if picked != "" && (s.ID == picked || strings.EqualFold(s.Code, picked)) {
			return s.ID, p.Items, nil
		}
	}
	if picked != "" {
		return "", nil, millwright.Errorf(millwright.Invalid, "unknown_site", "site: there is no site %q; pick one from the list", picked)
	}
	return "", p.Items, nil
}

// siteToday is each site's date in its own time zone: the one site
// picked, or every site in the list when none is.
func siteToday(ctx context.Context, tx *store.Tx, site string, sites []asset.Site) (map[string]time.Time, error) {
	ids := []string{site}
	if site == "" {
		ids = ids[:0]
		for _, s := range sites {
			ids = append(ids, s.ID)
		}
	}
	out := make(map[string]time.Time, len(ids))
	cache := map[string]string{}
	for _, id := range ids {
		d, err := siteDay(ctx, tx, id, cache)
		if err != nil {
			return nil, err
		}
		if out[id], err = time.Parse(workorder.DateLayout, d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dueDays bounds the scheduled day of each site's work for a due filter,
// by that site's own today: a job due today at a site still on
// yesterday's date is not overdue.
func dueDays(due string, today map[string]time.Time) ([]workorder.SiteDays, error) {
	var from, to *int
	switch due {
	case "":
		return nil, nil
	case "overdue":
		to = new(-1)
	case "week":
		from, to = new(0), new(6)
	case "later":
		from = new(7)
	default:
		return nil, errors.New("due: choose overdue, this week or later")
	}
	day := func(t time.Time, n *int) string {
		if n == nil {
			return ""
		}
		return t.AddDate(0, 0, *n).Format(workorder.DateLayout)
	}
	out := make([]workorder.SiteDays, 0, len(today))
	for id, t := range today {
		out = append(out, workorder.SiteDays{SiteID: id, From: day(t, from), To: day(t, to)})
	}
	slices.SortFunc(out, func(a, b workorder.SiteDays) int { return strings.Compare(a.SiteID, b.SiteID) })
	return out, nil
}

// board is the planner's board: the open work in columns by status, with
// search and filters, and on each card a form to assign and schedule it
// (which the board's script also sends when a card is dropped on a
// technician or a day).
func (h *Handler) board(w http.ResponseWriter, r *http.Request, s *session) error {
	qs := r.URL.Query()
	bq := boardQuery{Site: qs.Get("site"), Asset: strings.TrimSpace(qs.Get("asset")), Q: strings.TrimSpace(qs.Get("q")),
		Type: qs.Get("type"), Assignee: qs.Get("assignee"), Due: qs.Get("due")}
	f := form{Values: bq.values(), Errors: map[string]string{}}
	if p := qs.Get("priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 4 {
			f.Errors["priority"] = "priority: choose 1 (emergency) to 4 (low)"
		} else {
			bq.Priority = n
		}
	}
	if bq.Type != "" && !slices.Contains(workorder.Types, workorder.Type(bq.Type)) {
		f.Errors["type"] = "type: choose one of the list"
		bq.Type = ""
	}
	var (
		cols  []boardColumn
		sites []asset.Site
		techs = map[string][]string{} // by site
		all   []string                // every technician the filter and the drop list offer
		days  []boardDay
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		site, ss, err := scopeSite(ctx, tx, s.User, bq.Site)
		if err != nil {
			f.Errors["site"] = errText(err)
			site, ss, _ = scopeSite(ctx, tx, s.User, "")
		}
		sites = ss
		flt := workorder.Filter{SiteID: site, Type: bq.Type, Priority: bq.Priority, Query: bq.Q}
		if bq.Asset != "" {
			id, err := assetByTag(ctx, tx, site, bq.Asset, "")
			if err != nil {
				f.Errors["asset"] = errText(err)
				return nil
			}
			flt.AssetID = id
		}
		switch bq.Assignee {
		case "":
		case "-":
			flt.Unassigned = true
		default:
			flt.AssignedTo = bq.Assignee
		}
		todays, err := siteToday(ctx, tx, site, ss)
		if err != nil {
			return err
		}
		// The days to drop a card on start at the earliest today of the
		// sites shown, so that no site's today is missing.
		var day time.Time
		for _, t := range todays {
			if day.IsZero() || t.Before(day) {
				day = t
			}
		}
		if day.IsZero() {
			t := tx.Now().UTC()
			day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		for i := range boardDays {
			d := day.AddDate(0, 0, i)
			days = append(days, boardDay{Date: d.Format(workorder.DateLayout), Label: d.Format("Mon 2 Jan")})
		}
		if flt.Scheduled, err = dueDays(bq.Due, todays); err != nil {
			f.Errors["due"] = err.Error()
		}
		if len(f.Errors) > 0 {
			return nil
		}
		var ids []string
		seen := map[string]bool{}
		for _, st := range boardStatuses {
			flt.Status, flt.Limit = string(st), boardCards
			p, err := workorder.List(ctx, tx, flt)
			if err != nil {
				return err
			}
			col := boardColumn{Status: st, More: p.NextCursor != ""}
			for _, wo := range p.Items {
				col.Rows = append(col.Rows, woRow{WorkOrder: wo})
				if !seen[wo.AssetID] {
					seen[wo.AssetID] = true
					ids = append(ids, wo.AssetID)
				}
			}
			cols = append(cols, col)
		}
		labels, err := tx.AssetLabels(ctx, ids)
		if err != nil {
			return err
		}
		for i := range cols {
			for j := range cols[i].Rows {
				l := labels[cols[i].Rows[j].AssetID]
				cols[i].Rows[j].AssetTag, cols[i].Rows[j].AssetName = l.Tag, l.Name
			}
			sortRows(cols[i].Rows)
		}
		if all, err = technicians(ctx, tx, site); err != nil {
			return err
		}
		if canAssign(s.User) {
			for _, c := range cols {
				for _, row := range c.Rows {
					if _, ok := techs[row.SiteID]; !ok {
						if techs[row.SiteID], err = technicians(ctx, tx, row.SiteID); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(f.Errors) > 0 {
		status = http.StatusBadRequest
	}
	self := "/ui/board"
	if v := bq.values(); len(v) > 0 && len(f.Errors) == 0 {
		self += "?" + v.Encode()
	}
	h.render(w, r, s, status, "board.html", "Planning board", map[string]any{
		"Form": f, "Columns": cols, "Sites": sites, "Techs": techs, "AllTechs": all, "Days": days, "Types": workorder.Types,
		"Self": self, "CanAssign": canAssign(s.User), "CanCreate": auth.Allowed(s.User.Role, auth.PlanWork)})
	return nil
}

// backTo is the page a form asks to go back to (its next field) when that
// is the board or the backlog, else fallback: a form never sends the
// browser anywhere else.
func backTo(r *http.Request, fallback string) string {
	n := r.PostForm.Get("next")
	for _, p := range []string{"/ui/board", "/ui/backlog"} {
		if n == p || strings.HasPrefix(n, p+"?") {
			return n
		}
	}
	return fallback
}

// backlogCards is how many of a priority's oldest work orders the backlog lists.
const backlogCards = 25

// agedRow is an open work order with its age.
type agedRow struct {
	woRow
	Days   int
	Bucket string
}

// backlogGroup is one priority of the backlog: its counts by age and its
// oldest work orders.
type backlogGroup struct {
	Counts report.BacklogRow
	Oldest []agedRow
}

// bucket names the age bucket of a number of whole days, as report
// counts them.
func bucket(days int) string {
	switch {
	case days <= 7:
		return "0–7 days"
	case days <= 30:
		return "8–30 days"
	case days <= 90:
		return "31–90 days"
	}
	return "over 90 days"
}

// backlog is the open work by priority and age (0–7, 8–30, 31–90, over 90
// days since it was created), counted as GET /api/v1/reports/backlog
// counts, with each priority's oldest work orders first.
func (h *Handler) backlog(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		b      report.Backlog
		groups []backlogGroup
		sites  []asset.Site
		site   string
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if site, sites, err = scopeSite(ctx, tx, s.User, r.URL.Query().Get("site")); err != nil {
			return err
		}
		now := tx.Now().UTC()
		if b, err = tx.Backlog(ctx, report.Window{SiteID: site, To: now}, now); err != nil {
			return err
		}
		var ids []string
		for _, counts := range b.ByPriority {
			g := backlogGroup{Counts: counts}
			if counts.Total > 0 {
				wos, err := tx.OldestOpen(ctx, site, counts.Priority, backlogCards)
				if err != nil {
					return err
				}
				for _, wo := range wos {
					d := max(0, int(now.Sub(wo.CreatedAt)/(24*time.Hour)))
					g.Oldest = append(g.Oldest, agedRow{woRow: woRow{WorkOrder: wo}, Days: d, Bucket: bucket(d)})
					ids = append(ids, wo.AssetID)
				}
			}
			groups = append(groups, g)
		}
		labels, err := tx.AssetLabels(ctx, ids)
		for i := range groups {
			for j := range groups[i].Oldest {
				l := labels[groups[i].Oldest[j].AssetID]
				groups[i].Oldest[j].AssetTag, groups[i].Oldest[j].AssetName = l.Tag, l.Name
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "backlog.html", "Backlog", map[string]any{
		"Backlog": b, "Groups": groups, "Sites": sites, "Site": site, "Chart": backlogChart(b), "Limit": backlogCards})
	return nil
}
