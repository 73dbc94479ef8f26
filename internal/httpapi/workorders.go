package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

func (h *Handler) listWorkOrders(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := workorder.Filter{SiteID: site, Status: q.Get("status"), AssetID: q.Get("asset_id"),
		Type: q.Get("type"), AssignedTo: q.Get("assigned_to"), CreatedBy: q.Get("created_by"), Cursor: cursor, Limit: limit}
	if s := q.Get("priority"); s != "" {
		if f.Priority, err = strconv.Atoi(s); err != nil || f.Priority == 0 {
			return millwright.Errorf(millwright.Invalid, "invalid_priority", "priority must be a whole number from 1 to 4, not %q", s)
		}
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.List(ctx, tx, f)
	})
}

func (h *Handler) createWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.New
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.Create(ctx, tx, in)
	})
}

// fileWorkRequest files a work request: a work order in status requested,
// for any role (request_work).
func (h *Handler) fileWorkRequest(w http.ResponseWriter, r *http.Request) error {
	var in workorder.WorkRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.FileRequest(ctx, tx, in)
	})
}

// rejectWorkRequest turns down a requested work order with a reason.
func (h *Handler) rejectWorkRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.Reject(ctx, tx, r.PathValue("id"), in.Reason)
	})
}

func (h *Handler) getWorkOrder(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.Get(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) updateWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.Changes
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.Update(ctx, tx, r.PathValue("id"), in)
	})
}

func (h *Handler) listMaterials(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		wo, err := workorder.Get(ctx, tx, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return tx.MaterialsPage(ctx, wo.ID, cursor, limit)
	})
}

func (h *Handler) addMaterial(w http.ResponseWriter, r *http.Request) error {
	var in workorder.NewMaterial
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.AddMaterial(ctx, tx, r.PathValue("id"), in)
	})
}

func (h *Handler) linkMaterial(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ItemID string `json:"item_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.LinkMaterial(ctx, tx, r.PathValue("id"), r.PathValue("line_id"), in.ItemID)
	})
}

func (h *Handler) requestMaterial(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		LineIDs []string `json:"line_ids"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		lines, err := workorder.Request(ctx, tx, r.PathValue("id"), in.LineIDs)
		return millwright.Page[workorder.Material]{Items: lines}, err
	})
}

// transition serves POST work-orders/{id}/{verb} for the verbs that take
// no body.
func (h *Handler) transition(verb string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
			return workorder.Transition(ctx, tx, r.PathValue("id"), verb)
		})
	}
}

func (h *Handler) completeWorkOrder(w http.ResponseWriter, r *http.Request) error {
	var in workorder.Completion
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.Complete(ctx, tx, r.PathValue("id"), in)
	})
}

func (h *Handler) listLabor(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		wo, err := workorder.Get(ctx, tx, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return tx.LaborPage(ctx, wo.ID, cursor, limit)
	})
}

func (h *Handler) logLabor(w http.ResponseWriter, r *http.Request) error {
	var in workorder.NewLabor
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.LogLabor(ctx, tx, r.PathValue("id"), in)
	})
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
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return move(ctx, tx, r.PathValue("id"), in)
	})
}

func (h *Handler) workOrderCosts(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.GetCosts(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) workOrderTrace(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return workorder.GetTrace(ctx, tx, r.PathValue("id"))
	})
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
