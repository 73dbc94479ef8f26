package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The embedded ERP's endpoints (/api/v1/erp/...). Each change runs in one
// transaction through an erp.Tx, which records the events it emits.

// inERP runs fn in one write transaction as the embedded ERP.
func (h *Handler) inERP(r *http.Request, fn func(tx *erp.Tx) error) error {
	return h.db.InTx(r.Context(), func(stx *store.Tx) error { return fn(erp.Wrap(stx)) })
}

func (h *Handler) erpApplyMessage(w http.ResponseWriter, r *http.Request) error {
	var m integration.Message
	if err := decode(r, &m); err != nil {
		return err
	}
	events, err := erp.New(h.db).Send(r.Context(), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
	return nil
}

func (h *Handler) erpEvents(w http.ResponseWriter, r *http.Request) error {
	if err := millwright.CheckEverySite(r.Context(), "the ERP's event log holds the documents of every site"); err != nil {
		return err
	}
	q := r.URL.Query()
	after := q.Get("after")
	if after == "" {
		after = q.Get("cursor")
	}
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return millwright.Errorf(millwright.Invalid, "bad_cursor", "after must be an event sequence number, not %q", after)
		}
		seq = n
	}
	_, limit, err := listParams(r)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	events, err := erp.New(h.db).Events(r.Context(), seq, limit)
	if err != nil {
		return err
	}
	p := millwright.Page[integration.Event]{Items: events}
	if len(events) == limit {
		p.NextCursor = strconv.FormatInt(events[len(events)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// Items.

type erpItemBody struct {
	ERPItemCode  string           `json:"erp_item_code"`
	Description  string           `json:"description"`
	Unit         string           `json:"unit"`
	StockType    string           `json:"stock_type"`
	Vendor       string           `json:"vendor"`
	Price        millwright.Money `json:"price"`
	LeadTimeDays int              `json:"lead_time_days"`
}

func (h *Handler) erpSaveItem(w http.ResponseWriter, r *http.Request) error {
	var b erpItemBody
	if err := decode(r, &b); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, stx *store.Tx) (any, error) {
		return procurement.SaveItem(ctx, erp.Wrap(stx), procurement.Item{Code: b.ERPItemCode, Description: b.Description, Unit: b.Unit,
			StockType: b.StockType, Vendor: b.Vendor, Price: b.Price, LeadTimeDays: b.LeadTimeDays})
	})
}

func (h *Handler) erpListItems(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPItems(ctx, r.URL.Query().Get("erp_item_code"), cursor, limit)
	})
}

func (h *Handler) erpGetItem(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPItem(ctx, r.PathValue("id"))
	})
}

// Requisitions.

type erpRequisitionBody struct {
	SiteID          string `json:"site_id"`
	Priority        int    `json:"priority"`
	CostCenter      string `json:"cost_center"`
	WorkOrderID     string `json:"work_order_id"`
	WorkOrderNumber string `json:"work_order_number"`
	AssetID         string `json:"asset_id"`
	Draft           bool   `json:"draft"`
	Lines           []struct {
		ItemID         string           `json:"item_id"`
		ERPItemCode    string           `json:"erp_item_code"`
		Quantity       millwright.Qty   `json:"quantity"`
		Unit           string           `json:"unit"`
		NeededBy       string           `json:"needed_by"`
		UnitPrice      millwright.Money `json:"unit_price"`
		WorkOrderID    string           `json:"work_order_id"`
		MaterialLineID string           `json:"material_line_id"`
		AssetID        string           `json:"asset_id"`
		Warehouse      string           `json:"warehouse"`
	} `json:"lines"`
}

func (h *Handler) erpCreateRequisition(w http.ResponseWriter, r *http.Request) error {
	var b erpRequisitionBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.SiteID == "" {
		b.SiteID = scope(r)
	}
	if err := millwright.CheckSite(r.Context(), b.SiteID); err != nil {
		return err
	}
	in := procurement.NewRequisition{SiteID: b.SiteID, Source: procurement.ByHand, Priority: b.Priority, CostCenter: b.CostCenter,
		RequestedBy: millwright.PrincipalFrom(r.Context()).Username, WorkOrderID: b.WorkOrderID, WorkOrderNumber: b.WorkOrderNumber,
		AssetID: b.AssetID, Draft: b.Draft}
	for i, l := range b.Lines {
		if l.ItemID == "" && l.ERPItemCode == "" {
			return millwright.Errorf(millwright.Invalid, "missing_field", "line %d names no item: give item_id or erp_item_code", i+1)
		}
		in.Lines = append(in.Lines, procurement.NewLine{ItemID: l.ItemID, ERPItemCode: l.ERPItemCode, Quantity: l.Quantity, Unit: l.Unit,
			NeededBy: l.NeededBy, UnitPrice: l.UnitPrice, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
			AssetID: l.AssetID, Warehouse: l.Warehouse})
	}
	var req *procurement.Requisition
	err := h.inERP(r, func(tx *erp.Tx) error {
		x, err := procurement.Create(r.Context(), tx, in)
		if err != nil {
			return err
		}
		req, err = tx.ERPRequisition(r.Context(), x.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, req)
	return nil
}

func (h *Handler) erpListRequisitions(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ERPRequisitionFilter{SiteID: site, WorkOrderID: q.Get("work_order_id"), ItemID: q.Get("item_id"),
		Status: q.Get("status"), Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPRequisitions(ctx, f)
	})
}

func (h *Handler) erpGetRequisition(w http.ResponseWriter, r *http.Request) error {
	var req *procurement.Requisition
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		req, err = tx.ERPRequisition(r.Context(), r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	if err := millwright.CheckSite(r.Context(), req.SiteID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, req)
	return nil
}

type commentBody struct {
	Comment string `json:"comment"`
}

// erpRequisitionAction runs one of the requisition verbs.
func (h *Handler) erpRequisitionAction(verb string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b commentBody
		if r.ContentLength != 0 {
			if err := decode(r, &b); err != nil {
				return err
			}
		}
		var req *procurement.Requisition
		err := h.inERP(r, func(tx *erp.Tx) error {
			ctx, id := r.Context(), r.PathValue("id")
			var err error
			switch verb {
			case "approve", "reject":
				_, err = procurement.Decide(ctx, tx, id, verb == "approve", b.Comment)
			case "cancel":
				_, err = procurement.Cancel(ctx, tx, id, b.Comment)
			case "submit":
				var x *procurement.Requisition
				if x, err = tx.ERPRequisition(ctx, id); err == nil {
					if err = millwright.CheckSite(ctx, x.SiteID); err == nil {
						_, err = procurement.Submit(ctx, tx, id)
					}
				}
			}
			if err != nil {
				return err
			}
			req, err = tx.ERPRequisition(ctx, id)
			return err
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, req)
		return nil
	}
}

// Approval rules and reviews.

func (h *Handler) erpListRules(w http.ResponseWriter, r *http.Request) error {
	var rules []approval.Rule
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		rules, err = tx.ERPRules(r.Context())
		return err
	}); err != nil {
		return err
	}
	site := r.URL.Query().Get("site_id")
	p := millwright.Page[approval.Rule]{Items: []approval.Rule{}}
	for _, ru := range rules {
		if site == "" || ru.SiteID == site || ru.SiteID == "" {
			p.Items = append(p.Items, ru)
		}
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (h *Handler) erpGetRule(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPRule(ctx, r.PathValue("id"))
	})
}

type ruleBody struct {
	SiteID       string            `json:"site_id"`
	CostCenter   string            `json:"cost_center"`
	MaxPriority  *int              `json:"max_priority"`
	MinAmount    *millwright.Money `json:"min_amount"`
	MaxAmount    *millwright.Money `json:"max_amount"`
	ApproverRole millwright.Role   `json:"approver_role"`
	Steps        []millwright.Role `json:"steps"`
	AutoApprove  bool              `json:"auto_approve"`
	FastPath     bool              `json:"fast_path"`
}

// erpSaveRule creates (POST) or replaces (PUT) an approval rule and answers
// it with the problems the whole rule set has now.
func (h *Handler) erpSaveRule(w http.ResponseWriter, r *http.Request) error {
	var b ruleBody
	if err := decode(r, &b); err != nil {
		return err
	}
	ru := approval.Rule{SiteID: b.SiteID, CostCenter: b.CostCenter, MaxPriority: b.MaxPriority, MinAmount: b.MinAmount,
		MaxAmount: b.MaxAmount, ApproverRole: b.ApproverRole, Steps: b.Steps, AutoApprove: b.AutoApprove, FastPath: b.FastPath}
	var (
		saved    *approval.Rule
		problems []approval.Problem
	)
	status := http.StatusCreated
	if r.PathValue("id") != "" {
		status = http.StatusOK
	}
	err := h.inERP(r, func(tx *erp.Tx) (err error) {
		saved, problems, err = erp.SaveRule(r.Context(), tx, r.PathValue("id"), ru)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, status, map[string]any{"rule": saved, "problems": problems})
	return nil
}

func (h *Handler) erpDeleteRule(w http.ResponseWriter, r *http.Request) error {
	err := h.inERP(r, func(tx *erp.Tx) error {
		return erp.DeleteRule(r.Context(), tx, r.PathValue("id"))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) erpValidateRules(w http.ResponseWriter, r *http.Request) error {
	var rules []approval.Rule
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		rules, err = tx.ERPRules(r.Context())
		return err
	}); err != nil {
		return err
	}
	problems := approval.Validate(rules)
	writeJSON(w, http.StatusOK, map[string]any{"ok": len(problems) == 0, "problems": problems})
	return nil
}

func (h *Handler) erpListReviews(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	f := store.ERPReviewFilter{SiteID: site, Status: r.URL.Query().Get("status"), RequisitionID: r.URL.Query().Get("requisition_id"),
		Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPReviews(ctx, f)
	})
}

// erpCompleteReview marks a fast-path approval reviewed. The reviewer
// needs the review's role and may not be the requester.
func (h *Handler) erpCompleteReview(w http.ResponseWriter, r *http.Request) error {
	var b commentBody
	if r.ContentLength != 0 {
		if err := decode(r, &b); err != nil {
			return err
		}
	}
	var v *approval.Review
	err := h.inERP(r, func(tx *erp.Tx) (err error) {
		ctx := r.Context()
		if v, err = tx.ERPReviewForUpdate(ctx, r.PathValue("id")); err != nil {
			return err
		}
		if err := millwright.CheckSite(ctx, v.SiteID); err != nil {
			return err
		}
		if v.Status != "open" {
			return millwright.Errorf(millwright.Conflict, "illegal_transition", "review %s was already done by %s", v.ID, v.ReviewedBy)
		}
		req, err := tx.ERPRequisition(ctx, v.RequisitionID)
		if err != nil {
			return err
		}
		p := tx.Actor()
		if err := approval.CheckDecider(p, req.RequestedBy, []millwright.Role{v.Role}, 1, nil); err != nil {
			return err
		}
		before := *v
		now := tx.Now()
		v.Status, v.ReviewedBy, v.ReviewedAt, v.Comment = "reviewed", p.Username, &now, b.Comment
		if err := tx.SaveERPReview(ctx, v); err != nil {
			return err
		}
		d := &approval.Decision{RequisitionID: req.ID, Role: string(v.Role), Decision: "reviewed", Actor: p.Username, Comment: b.Comment, At: now}
		if err := tx.AddERPDecision(ctx, d); err != nil {
			return err
		}
		return tx.Audit(ctx, "erp_review", v.ID, "review", before, v)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// Purchase orders, receipts, invoices.

func (h *Handler) erpListPurchaseOrders(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ERPPurchaseOrderFilter{SiteID: site, RequisitionID: q.Get("requisition_id"), ItemID: q.Get("item_id"),
		WorkOrderID: q.Get("work_order_id"), Status: q.Get("status"), Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPPurchaseOrders(ctx, f)
	})
}

func (h *Handler) erpGetPurchaseOrder(w http.ResponseWriter, r *http.Request) error {
	var po *procurement.PurchaseOrder
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		po, err = tx.ERPPurchaseOrder(r.Context(), r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	if err := millwright.CheckSite(r.Context(), po.SiteID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, po)
	return nil
}

func (h *Handler) erpReceive(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Lines []struct {
			LineID   string         `json:"line_id"`
			Quantity millwright.Qty `json:"quantity"`
		} `json:"lines"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	var in []procurement.ReceiptLineIn
	for _, l := range b.Lines {
		in = append(in, procurement.ReceiptLineIn{LineID: l.LineID, Quantity: l.Quantity})
	}
	var (
		rc *procurement.Receipt
		po *procurement.PurchaseOrder
	)
	err := h.inERP(r, func(tx *erp.Tx) (err error) {
		rc, po, err = procurement.Receive(r.Context(), tx, r.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"receipt": rc, "purchase_order": po})
	return nil
}

func (h *Handler) erpClosePurchaseOrder(w http.ResponseWriter, r *http.Request) error {
	return h.change(w, r, http.StatusOK, func(ctx context.Context, stx *store.Tx) (any, error) {
		return procurement.Close(ctx, erp.Wrap(stx), r.PathValue("id"))
	})
}

func (h *Handler) erpPostInvoice(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		PurchaseOrderID string `json:"purchase_order_id"`
		VendorReference string `json:"vendor_reference"`
		Lines           []struct {
			LineID    string           `json:"line_id"`
			Quantity  millwright.Qty   `json:"quantity"`
			UnitPrice millwright.Money `json:"unit_price"`
		} `json:"lines"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	in := procurement.InvoiceIn{PurchaseOrderID: b.PurchaseOrderID, VendorReference: b.VendorReference}
	for _, l := range b.Lines {
		in.Lines = append(in.Lines, procurement.InvoiceLineIn{LineID: l.LineID, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, stx *store.Tx) (any, error) {
		return procurement.PostInvoice(ctx, erp.Wrap(stx), in)
	})
}

func (h *Handler) erpListInvoices(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPInvoices(ctx, site, r.URL.Query().Get("purchase_order_id"), r.URL.Query().Get("status"), cursor, limit)
	})
}

func (h *Handler) erpGetInvoice(w http.ResponseWriter, r *http.Request) error {
	var inv *procurement.Invoice
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		if inv, err = tx.ERPInvoice(r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		po, err := tx.ERPPurchaseOrder(r.Context(), inv.PurchaseOrderID)
		if err != nil {
			return err
		}
		return millwright.CheckSite(r.Context(), po.SiteID)
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}

func (h *Handler) erpListStock(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPStock(ctx, site, r.URL.Query().Get("item_id"), r.URL.Query().Get("warehouse"), cursor, limit)
	})
}

// Ledger.

func (h *Handler) erpAccounts(w http.ResponseWriter, r *http.Request) error {
	var as []ledger.Account
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		as, err = tx.ERPAccounts(r.Context())
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, millwright.Page[ledger.Account]{Items: as})
	return nil
}

func (h *Handler) erpListEntries(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	site, err := siteFilter(r)
	if err != nil {
		return err
	}
	f := store.ERPEntryFilter{SiteID: site, WorkOrderID: q.Get("work_order_id"), CostCenter: q.Get("cost_center"), Period: q.Get("period"),
		Cursor: cursor, Limit: limit}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPEntries(ctx, f)
	})
}

func (h *Handler) erpGetEntry(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		e, err := tx.ERPEntry(ctx, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return e, millwright.CheckSite(ctx, e.SiteID)
	})
}

func (h *Handler) erpPostEntry(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Memo   string        `json:"memo"`
		SiteID string        `json:"site_id"`
		Lines  []ledger.Line `json:"lines"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	// A user limited to a site posts for that site only.
	if own := scope(r); own != "" && b.SiteID == "" {
		b.SiteID = own
	}
	if err := millwright.CheckSite(r.Context(), b.SiteID); err != nil {
		return err
	}
	e := &ledger.Entry{Memo: b.Memo, SiteID: b.SiteID, Lines: b.Lines}
	err := h.inERP(r, func(tx *erp.Tx) error { return erp.PostManual(r.Context(), tx, e) })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (h *Handler) erpReverseEntry(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Memo string `json:"memo"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &b); err != nil {
			return err
		}
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, stx *store.Tx) (any, error) {
		e, err := stx.ERPEntry(ctx, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		if err := millwright.CheckSite(ctx, e.SiteID); err != nil { // a site's user reverses its site's entries only
			return nil, err
		}
		return erp.Reverse(ctx, erp.Wrap(stx), r.PathValue("id"), b.Memo)
	})
}

// erpTrialBalance sums the lines of every entry, or of one site's
// (?site_id=, and always the caller's own site when it has one).
func (h *Handler) erpTrialBalance(w http.ResponseWriter, r *http.Request) error {
	site, err := siteFilter(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPSiteTrialBalance(ctx, site)
	})
}

// erpListCostCenters lists the cost centers; a caller limited to a site
// gets its site's only (see erp.CheckCostCenter).
func (h *Handler) erpListCostCenters(w http.ResponseWriter, r *http.Request) error {
	var cs []ledger.CostCenter
	if err := h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		if cs, err = tx.ERPCostCenters(r.Context()); err != nil || scope(r) == "" {
			return err
		}
		own, err := tx.ERPSiteCostCenters(r.Context(), scope(r))
		cs = slices.DeleteFunc(cs, func(c ledger.CostCenter) bool { return !own[c.Code] })
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, millwright.Page[ledger.CostCenter]{Items: cs})
	return nil
}

func (h *Handler) erpSaveCostCenter(w http.ResponseWriter, r *http.Request) error {
	var c ledger.CostCenter
	if err := decode(r, &c); err != nil {
		return err
	}
	if c.Code == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "code is required")
	}
	if c.Name == "" {
		c.Name = c.Code
	}
	err := h.inERP(r, func(tx *erp.Tx) error {
		if err := tx.SaveERPCostCenter(r.Context(), &c); err != nil {
			return err
		}
		return tx.Audit(r.Context(), "erp_cost_center", c.Code, "save", nil, c)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// Budgets.

func (h *Handler) erpSaveBudget(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		CostCenter string           `json:"cost_center"`
		Period     string           `json:"period"`
		Amount     millwright.Money `json:"amount"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	var st budget.Status
	status := http.StatusCreated
	err := h.inERP(r, func(tx *erp.Tx) error {
		before, err := erp.SaveBudget(r.Context(), tx, b.CostCenter, b.Period, b.Amount)
		if err != nil {
			return err
		}
		if before != nil {
			status = http.StatusOK
		}
		st, err = budgetStatus(r, tx.Tx, b.CostCenter, b.Period)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, status, st)
	return nil
}

// budgetStatus is a cost center's budget and its use in period; for a
// caller limited to a site, the cost center must be one of its site's and
// the use counts that site's postings and orders only.
func budgetStatus(r *http.Request, tx *store.Tx, costCenter, period string) (budget.Status, error) {
	if err := erp.CheckCostCenter(r.Context(), tx, costCenter); err != nil {
		return budget.Status{}, err
	}
	var amount millwright.Money
	b, err := tx.ERPBudget(r.Context(), costCenter, period)
	switch {
	case err == nil:
		amount = b.Amount
	case millwright.ErrorKind(err) != millwright.NotFound:
		return budget.Status{}, err
	}
	actual, committed, err := tx.ERPSiteBudgetUse(r.Context(), scope(r), costCenter, period)
	return budget.NewStatus(costCenter, period, amount, actual, committed), err
}

func (h *Handler) erpListBudgets(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	cc := q.Get("cost_center")
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		if cc != "" {
			if err := erp.CheckCostCenter(ctx, tx, cc); err != nil {
				return nil, err
			}
		}
		return tx.ERPBudgets(ctx, scope(r), cc, q.Get("period"), cursor, limit)
	})
}

// erpBudgetStatus is computed on read from the ledger and the open
// purchase orders, so it reflects a posting as soon as it commits.
func (h *Handler) erpBudgetStatus(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	cc, period := q.Get("cost_center"), q.Get("period")
	if cc == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "cost_center is required, as in ?cost_center=CC-100&period=2026-03")
	}
	if err := budget.CheckPeriod(period); err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return budgetStatus(r, tx, cc, period)
	})
}

// Settings.

func (h *Handler) erpGetSettings(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.ERPSettings(ctx)
	})
}

func (h *Handler) erpPutSettings(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		TolerancePercent    *millwright.Qty   `json:"invoice_tolerance_percent"`
		ToleranceAmount     *millwright.Money `json:"invoice_tolerance_amount"`
		DefaultLeadTimeDays *int              `json:"default_lead_time_days"`
		DefaultWarehouse    *string           `json:"default_warehouse"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	var s procurement.Settings
	err := h.inERP(r, func(tx *erp.Tx) (err error) {
		ctx := r.Context()
		before, err := tx.ERPSettings(ctx)
		if err != nil {
			return err
		}
		set := map[string]string{}
		if b.TolerancePercent != nil {
			if b.TolerancePercent.IsNegative() {
				return millwright.Errorf(millwright.Invalid, "bad_amount", "invoice_tolerance_percent cannot be negative")
			}
			set["invoice_tolerance_percent"] = b.TolerancePercent.String()
		}
		if b.ToleranceAmount != nil {
			if b.ToleranceAmount.IsNegative() {
				return millwright.Errorf(millwright.Invalid, "bad_amount", "invoice_tolerance_amount cannot be negative")
			}
			set["invoice_tolerance_amount"] = b.ToleranceAmount.String()
		}
		if b.DefaultLeadTimeDays != nil {
			if *b.DefaultLeadTimeDays < 0 {
				return millwright.Errorf(millwright.Invalid, "bad_lead_time", "default_lead_time_days cannot be negative")
			}
			set["default_lead_time_days"] = strconv.Itoa(*b.DefaultLeadTimeDays)
		}
		if b.DefaultWarehouse != nil {
			if *b.DefaultWarehouse == "" {
				return millwright.Errorf(millwright.Invalid, "missing_field", "default_warehouse cannot be empty")
			}
			set["default_warehouse"] = *b.DefaultWarehouse
		}
		for k, v := range set {
			if err := tx.SetERPSetting(ctx, k, v); err != nil {
				return err
			}
		}
		if s, err = tx.ERPSettings(ctx); err != nil {
			return err
		}
		return tx.Audit(ctx, "erp_settings", "erp", "update", before, s)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}
