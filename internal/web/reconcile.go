package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

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
	var (
		runs []runSummary
		cur  *reconcile.Report
		g    glance
		want = r.URL.Query().Get("run")
	)
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
	h.render(w, r, s, http.StatusOK, "reconciliation.html", "Reconciliation", map[string]any{
		"Runs": runs, "Run": cur, "Glance": g})
	return nil
}

// runReconciliation compares the CMMS's books with the ERP's now
// (reconcile.Run, as POST /api/v1/integration/reconciliation).
func (h *Handler) runReconciliation(w http.ResponseWriter, r *http.Request, s *session) error {
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
