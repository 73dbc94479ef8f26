package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/store"
)

// approvalRow is a requisition waiting for a decision, with the work order
// and asset behind it.
type approvalRow struct {
	procurement.Requisition
	WorkOrderTitle string
	AssetTag       string
	AssetName      string
	WaitingFor     millwright.Role
	YourTurn       bool
	Parts          map[string]string // item id → part number
}

// approvals is the inbox: every requisition waiting for approval at the
// caller's site, most urgent first, then oldest first.
func (h *Handler) approvals(w http.ResponseWriter, r *http.Request, s *session) error {
	var rows []approvalRow
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.ERPRequisitions(ctx, store.ERPRequisitionFilter{SiteID: s.User.SiteID, Status: procurement.Submitted, Limit: 200})
		if err != nil {
			return err
		}
		for _, q := range p.Items {
			full, err := tx.ERPRequisition(ctx, q.ID)
			if err != nil {
				return err
			}
			row := approvalRow{Requisition: *full, Parts: map[string]string{}}
			if full.Step >= 1 && full.Step <= len(full.Steps) {
				row.WaitingFor = full.Steps[full.Step-1]
				row.YourTurn = (row.WaitingFor == s.User.Role || s.User.Role == millwright.Admin) && full.RequestedBy != s.User.Username
			}
			if full.WorkOrderID != "" {
				if wo, err := tx.WorkOrder(ctx, full.WorkOrderID); err == nil {
					row.WorkOrderTitle = wo.Title
				}
			}
			if full.AssetID != "" {
				if a, err := tx.Asset(ctx, full.AssetID); err == nil {
					row.AssetTag, row.AssetName = a.Tag, a.Name
				}
			}
			for _, l := range full.Lines {
				if it, err := tx.Item(ctx, l.ItemID); err == nil {
					row.Parts[l.ItemID] = it.PartNumber
				}
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(rows, func(a, b approvalRow) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	h.render(w, r, s, http.StatusOK, "approvals.html", "Approvals", map[string]any{"Rows": rows})
	return nil
}

// decide approves or rejects with the embedded ERP's approval use-case,
// the one POST /api/v1/erp/requisitions/{id}/approve runs: it checks the
// role against the waiting step and that the decider is not the requester.
func (h *Handler) decide(accept bool) func(w http.ResponseWriter, r *http.Request, s *session) error {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		comment := strings.TrimSpace(r.PostForm.Get("comment"))
		var number string
		what := "approved"
		if !accept {
			what = "rejected"
		}
		err := h.db.InTx(r.Context(), func(stx *store.Tx) error {
			req, err := procurement.Decide(r.Context(), erp.Wrap(stx), r.PathValue("id"), accept, comment)
			if err == nil {
				number = req.Number
			}
			return err
		})
		var e *millwright.Error
		switch {
		case err == nil:
			redirect(w, r, "/ui/approvals", "notice", "requisition "+number+" "+what)
		case errors.As(err, &e) && e.Kind != millwright.Unauthorized:
			redirect(w, r, "/ui/approvals", "error", e.Message)
		default:
			return err
		}
		return nil
	}
}
