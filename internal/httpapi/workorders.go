package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

func (h *Handler) listWorkOrders(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	site, err := siteFilter(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := workorder.Filter{SiteID: site, Status: q.Get("status"), AssetID: q.Get("asset_id"),
		Type: q.Get("type"), Cursor: cursor, Limit: limit}
	if s := q.Get("priority"); s != "" {
		if f.Priority, err = strconv.Atoi(s); err != nil || f.Priority == 0 {
			return millwright.Errorf(millwright.Invalid, "invalid_priority", "priority must be a whole number from 1 to 4, not %q", s)
		}
	}
	var page millwright.Page[workorder.WorkOrder]
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		page, err = workorder.List(r.Context(), tx, f)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) createWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.New
	if err := decode(r, &in); err != nil {
		return err
	}
	var wo *workorder.WorkOrder
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		wo, err = workorder.Create(r.Context(), tx, in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, wo)
	return nil
}

func (h *Handler) getWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var wo *workorder.WorkOrder
	err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		wo, err = workorder.Get(r.Context(), tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wo)
	return nil
}

func (h *Handler) updateWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.Changes
	if err := decode(r, &in); err != nil {
		return err
	}
	var wo *workorder.WorkOrder
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		wo, err = workorder.Update(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wo)
	return nil
}

func (h *Handler) listMaterials(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	var mats []workorder.Material
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		mats, err = workorder.Materials(r.Context(), tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(mats, cursor, limit, func(m workorder.Material) string { return m.ID }))
	return nil
}

func (h *Handler) addMaterial(w http.ResponseWriter, r *http.Request) error {
	var in workorder.NewMaterial
	if err := decode(r, &in); err != nil {
		return err
	}
	var m *workorder.Material
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		m, err = workorder.AddMaterial(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// transition serves POST work-orders/{id}/{verb} for the verbs that take
// no body.
func (h *Handler) transition(verb string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var wo *workorder.WorkOrder
		err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
			wo, err = workorder.Transition(r.Context(), tx, r.PathValue("id"), verb)
			return err
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wo)
		return nil
	}
}

func (h *Handler) completeWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.Completion
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	var wo *workorder.WorkOrder
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		wo, err = workorder.Complete(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wo)
	return nil
}

func (h *Handler) listLabor(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	var labor []workorder.Labor
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		labor, err = workorder.LaborEntries(r.Context(), tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(labor, cursor, limit, func(l workorder.Labor) string { return l.ID }))
	return nil
}

func (h *Handler) logLabor(w http.ResponseWriter, r *http.Request) error {
	var in workorder.NewLabor
	if err := decode(r, &in); err != nil {
		return err
	}
	var l *workorder.Labor
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		l, err = workorder.LogLabor(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (h *Handler) issueParts(w http.ResponseWriter, r *http.Request) error {
	return h.moveParts(w, r, workorder.Issue)
}

func (h *Handler) returnParts(w http.ResponseWriter, r *http.Request) error {
	return h.moveParts(w, r, workorder.Return)
}

func (h *Handler) moveParts(w http.ResponseWriter, r *http.Request,
	move func(ctx context.Context, tx workorder.Tx, id string, in workorder.StockMove) (*workorder.Moved, error)) error {
	var in workorder.StockMove
	if err := decode(r, &in); err != nil {
		return err
	}
	var res *workorder.Moved
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		res, err = move(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (h *Handler) workOrderCosts(w http.ResponseWriter, r *http.Request) error {
	var c *workorder.Costs
	err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		c, err = workorder.GetCosts(r.Context(), tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) workOrderTrace(w http.ResponseWriter, r *http.Request) error {
	var t *workorder.Trace
	err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		t, err = workorder.GetTrace(r.Context(), tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// pageOf pages a short list that is read whole, such as the lines of one
// work order: items with an id after cursor, at most limit of them.
func pageOf[T any](all []T, cursor string, limit int, id func(T) string) millwright.Page[T] {
	var rows []T
	n := pageSize(limit)
	for _, x := range all {
		if id(x) > cursor && len(rows) < n {
			rows = append(rows, x)
		}
	}
	return millwright.NewPage(rows, n, id)
}

// pageSize is store's page(): one more than the page size.
func pageSize(limit int) int {
	if limit <= 0 || limit > 500 {
		return 101
	}
	return limit + 1
}
