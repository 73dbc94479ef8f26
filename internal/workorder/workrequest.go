package workorder

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// WorkRequest is a work request: what anyone who finds something wrong files
// for the planner. The asset is required, as for every work order.
type WorkRequest struct {
	AssetID     string `json:"asset_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Priority is how urgent the requester says it is: 1 (emergency) to 4
	// (low), default 3. The planner may change it when approving.
	Priority *int `json:"priority"`
}

// FileRequest files a work request: a corrective work order in status
// requested, created by the requester (its CreatedBy), without the
// asset's BOM. The planner approves it, setting its type and priority
// (Update, then the approve transition), or rejects it with a reason
// (Reject).
func FileRequest(ctx context.Context, tx Tx, in WorkRequest) (*WorkOrder, error) {
	no := false
	return Create(ctx, tx, New{Type: Corrective, Priority: in.Priority, AssetID: in.AssetID,
		Title: in.Title, Description: strings.TrimSpace(in.Description), CopyBOM: &no})
}

// Reject turns down a work request, a work order still requested: it is
// cancelled, and reason, which is required, is kept with the change of
// status (and in the audit trail) so that the requester sees why.
func Reject(ctx context.Context, tx Tx, id, reason string) (*WorkOrder, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, missing("reason", "say why the request is rejected, so that the requester knows")
	}
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != Requested {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"work order %s is %s; only a requested work order can be rejected (cancel it instead)", w.Number, w.Status)
	}
	before := *w
	if err := w.Transition(Cancelled, tx.Now()); err != nil {
		return nil, err
	}
	if err := releaseReservations(ctx, tx, w); err != nil {
		return nil, err
	}
	if err := tx.SaveWorkOrder(ctx, w); err != nil {
		return nil, err
	}
	if err := tx.AddTransition(ctx, &TransitionRecord{WorkOrderID: w.ID, From: Requested, To: Cancelled, Reason: reason}); err != nil {
		return nil, err
	}
	if err := tellERP(ctx, tx, w); err != nil {
		return nil, err
	}
	return w, tx.Audit(ctx, "work_order", w.ID, "reject", before, map[string]any{"work_order": w, "reason": reason})
}

// Rejection returns why a rejected work request was rejected, "" when it
// was not rejected.
func Rejection(ctx context.Context, tx Tx, id string) (string, error) {
	w, err := Get(ctx, tx, id)
	if err != nil || w.Status != Cancelled {
		return "", err
	}
	ts, err := tx.Transitions(ctx, w.ID)
	if err != nil {
		return "", err
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].To == Cancelled {
			return ts[i].Reason, nil
		}
	}
	return "", nil
}
