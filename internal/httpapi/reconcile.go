package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/store"
)

// WithConnector sets the ERP connector that reconciliation reads the ERP's
// balances from; without one it is the embedded ERP over the same database.
func (h *Handler) WithConnector(c integration.Connector) *Handler {
	h.conn = c
	return h
}

func (h *Handler) connector() integration.Connector {
	if h.conn == nil {
		return erp.New(h.db)
	}
	return h.conn
}

func (h *Handler) runReconciliation(w http.ResponseWriter, r *http.Request) error {
	if err := millwright.CheckEverySite(r.Context(), "a reconciliation compares the stock and work-order costs of every site"); err != nil {
		return err
	}
	rep, err := reconcile.Run(r.Context(), h.db, h.connector(), "manual")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (h *Handler) resolveStock(w http.ResponseWriter, r *http.Request) error {
	var in reconcile.StockResolution
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := reconcile.ResolveStock(r.Context(), h.db, h.connector(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (h *Handler) listReconciliations(w http.ResponseWriter, r *http.Request) error {
	if err := millwright.CheckEverySite(r.Context(), "a reconciliation compares the stock and work-order costs of every site"); err != nil {
		return err
	}
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.Reconciliations(ctx, cursor, limit)
	})
}

func (h *Handler) getRollout(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) { return outbox.GetRollout(ctx, tx) })
}

func (h *Handler) saveRollout(w http.ResponseWriter, r *http.Request) error {
	var in outbox.Rollout
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.SaveRollout(ctx, tx, in)
	})
}
