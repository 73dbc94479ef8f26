package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/store"
)

// glance is the integration's throughput and lag, for the top of its pages.
type glance struct {
	store.IntegrationStats
	OldestAge string // how long the oldest waiting message has waited
}

func integrationGlance(ctx context.Context, tx *store.Tx, siteID string) (glance, error) {
	st, err := tx.IntegrationStats(ctx, siteID, tx.Now())
	g := glance{IntegrationStats: st}
	if st.OldestPending != nil {
		g.OldestAge = age(tx.Now().Sub(*st.OldestPending))
	}
	return g, err
}

// age writes a duration the way a person reads a lag: 45 s, 12 min, 3 h 5 min, 2 d 4 h.
func age(d time.Duration) string {
	d = max(0, d)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// runSummary is a stored reconciliation run in the list of last runs.
type runSummary struct {
	ID, Trigger, Actor       string
	At                       time.Time
	Differences, Unexplained int
	Balanced                 bool
}

// reconciliation shows the last reconciliation runs and one run's
// differences (?run=, the latest by default), each with the undelivered
// messages that explain it.
func (h *Handler) reconciliation(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := millwright.CheckEverySite(r.Context(), "a reconciliation compares the stock and work-order costs of every site"); err != nil {
		return err
	}
	var (
		runs []runSummary
		cur  *reconcile.Report
		g    glance
		want = r.URL.Query().Get("run")
		show = r.URL.Query().Get("show")
		tabs []showTab
	)
	switch show {
	case "", "unexplained", "explained":
	default:
		return millwright.Errorf(millwright.Invalid, "bad_show", "show must be unexplained or explained (or absent for all), not %q", show)
	}
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.Reconciliations(ctx, "", 20)
		if err != nil {
			return err
		}
		for i, rec := range p.Items {
			var rep reconcile.Report
			if err := json.Unmarshal(rec.Result, &rep); err != nil {
				return err
			}
			runs = append(runs, runSummary{ID: rep.ID, Trigger: rep.Trigger, Actor: rep.Actor, At: rep.At,
				Differences: len(rep.Differences), Unexplained: rep.Unexplained, Balanced: rep.Balanced})
			if (want == "" && i == 0) || rep.ID == want {
				cur = &rep
			}
		}
		g, err = integrationGlance(ctx, tx, s.User.SiteID)
		return err
	})
	if err != nil {
		return err
	}
	if cur != nil {
		tabs = showTabs(cur, show)
		// Work-order costs first, then stock; those explained by messages on
		// their way before the others.
		cur.Differences = slices.DeleteFunc(cur.Differences, func(d reconcile.Difference) bool {
			return (show == "explained" && !d.Explained) || (show == "unexplained" && d.Explained)
		})
		slices.SortStableFunc(cur.Differences, func(a, b reconcile.Difference) int {
			return cmp.Or(-cmp.Compare(a.Kind, b.Kind), -cmp.Compare(len(a.Messages), len(b.Messages)))
		})
	}
	h.render(w, r, s, http.StatusOK, "reconciliation.html", "Reconciliation", map[string]any{
		"Runs": runs, "Run": cur, "Glance": g, "Tabs": tabs})
	return nil
}

// showTab is a filter of a run's differences, with how many it shows.
type showTab struct {
	Show, Label, Href string
	Count             int
	Current           bool
}

func showTabs(rep *reconcile.Report, show string) []showTab {
	base := "/ui/integration/reconciliation?run=" + rep.ID
	n := len(rep.Differences)
	return []showTab{
		{Show: "", Label: "All", Href: base, Count: n, Current: show == ""},
		{Show: "unexplained", Label: "Not explained", Href: base + "&show=unexplained", Count: rep.Unexplained, Current: show == "unexplained"},
		{Show: "explained", Label: "Explained", Href: base + "&show=explained", Count: n - rep.Unexplained, Current: show == "explained"},
	}
}

// runReconciliation compares the CMMS's books with the ERP's now
// (reconcile.Run, as POST /api/v1/integration/reconciliation).
func (h *Handler) runReconciliation(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := millwright.CheckEverySite(r.Context(), "a reconciliation compares the stock and work-order costs of every site"); err != nil {
		return err
	}
	back := "/ui/integration/reconciliation"
	rep, err := reconcile.Run(r.Context(), h.db, h.connector(), "manual")
	if err != nil {
		return err
	}
	msg := "reconciled: the books agree"
	if !rep.Balanced {
		msg = "reconciled: " + strconv.Itoa(len(rep.Differences)) + " difference(s), " + strconv.Itoa(rep.Unexplained) + " not explained by messages on their way"
	}
	redirect(w, r, back+"?run="+rep.ID, "notice", msg)
	return nil
}
