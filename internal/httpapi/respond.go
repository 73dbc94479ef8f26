package httpapi

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright/internal/store"
)

// view runs fn in a read-only transaction and answers 200 with its result.
func (h *Handler) view(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, tx *store.Tx) (any, error)) error {
	var out any
	err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		out, err = fn(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// change runs fn in one write transaction and answers status with its
// result. Nothing of the change is kept when fn fails.
func (h *Handler) change(w http.ResponseWriter, r *http.Request, status int, fn func(ctx context.Context, tx *store.Tx) (any, error)) error {
	var out any
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		out, err = fn(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, status, out)
	return nil
}
