package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/store"
)

// receiptOrder is a purchase order with something still to receive, its
// lines named by part and by where they go: a warehouse, or the work
// order a direct item was bought for.
type receiptOrder struct {
	procurement.PurchaseOrder
	Lines []receiptLine
}

type receiptLine struct {
	procurement.OrderLine
	PartNumber      string
	WorkOrderNumber string
	Open            millwright.Qty // ordered − received
}

// receipts lists the purchase orders of the storekeeper's site that are
// open or partly received, oldest first, each with a form to receive
// them.
func (h *Handler) receipts(w http.ResponseWriter, r *http.Request, s *session) error {
	var orders []receiptOrder
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		for _, status := range []string{procurement.Open, procurement.PartiallyReceived} {
			p, err := tx.ERPPurchaseOrders(ctx, store.ERPPurchaseOrderFilter{SiteID: s.User.SiteID, Status: status, Limit: 200})
			if err != nil {
				return err
			}
			for _, po := range p.Items {
				o := receiptOrder{PurchaseOrder: po}
				for _, l := range po.Lines {
					rl := receiptLine{OrderLine: l, PartNumber: l.ERPItemCode, Open: l.Quantity.Sub(l.ReceivedQuantity)}
					if it, err := tx.Item(ctx, l.ItemID); err == nil {
						rl.PartNumber = it.PartNumber
					}
					if l.WorkOrderID != "" {
						if wo, err := tx.WorkOrder(ctx, l.WorkOrderID); err == nil {
							rl.WorkOrderNumber = wo.Number
						}
					}
					o.Lines = append(o.Lines, rl)
				}
				orders = append(orders, o)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "receipts.html", "Receipts", map[string]any{"Orders": orders})
	return nil
}

// receive records a goods receipt with the embedded ERP's use-case, the
// one POST /api/v1/erp/purchase-orders/{id}/receipts runs: a stock item
// raises the warehouse's stock, a direct item is charged to its work
// order. Lines left empty or at 0 are not received.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.changeSaying(w, r, "/ui/receipts", "/ui/receipts", func(ctx context.Context, tx *store.Tx) (string, error) {
		lines, err := receiptLines(r)
		if err != nil {
			return "", err
		}
		rc, po, err := procurement.Receive(ctx, erp.Wrap(tx), r.PathValue("id"), lines)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("receipt %s on %s: %d line(s) received; the order is %s",
			rc.Number, po.Number, len(lines), strings.ReplaceAll(po.Status, "_", " ")), nil
	})
}

// receiptLines reads the quantities of a receipt form, qty-<line id> each,
// in line order.
func receiptLines(r *http.Request) ([]procurement.ReceiptLineIn, error) {
	var lines []procurement.ReceiptLineIn
	for key := range r.PostForm {
		id, ok := strings.CutPrefix(key, "qty-")
		if !ok {
			continue
		}
		q, err := formQty(r, key, "the quantity received", false)
		if err != nil {
			return nil, err
		}
		if q.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_number",
				"the quantity received cannot be negative, got %s; leave the line empty to receive none", q)
		}
		if q.IsPositive() {
			lines = append(lines, procurement.ReceiptLineIn{LineID: id, Quantity: q})
		}
	}
	if len(lines) == 0 {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "type the quantity received on at least one line")
	}
	slices.SortFunc(lines, func(a, b procurement.ReceiptLineIn) int { return strings.Compare(a.LineID, b.LineID) })
	return lines, nil
}
