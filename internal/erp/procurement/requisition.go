package procurement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// SaveItem creates or changes an item of the material master, by code,
// and emits item_changed. A change that names no vendor or lead time keeps
// the item's own: the CMMS, feeding the item master, may not keep them.
func SaveItem(ctx context.Context, tx Tx, in Item) (*Item, error) {
	old, err := tx.ERPItemByCode(ctx, in.Code)
	switch {
	case millwright.ErrorKind(err) == millwright.Rule:
		old = nil
	case err != nil:
		return nil, err
	}
	if old != nil && in.Vendor == "" {
		in.Vendor = old.Vendor
	}
	if old != nil && in.LeadTimeDays == 0 {
		in.LeadTimeDays = old.LeadTimeDays
	}
	if in.LeadTimeDays == 0 {
		set, err := tx.ERPSettings(ctx)
		if err != nil {
			return nil, err
		}
		in.LeadTimeDays = set.DefaultLeadTimeDays
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	it := in
	action := "create"
	if old != nil {
		it.ID, it.CreatedAt, action = old.ID, old.CreatedAt, "update"
	}
	if err := tx.SaveERPItem(ctx, &it); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_item", it.ID, action, old, it); err != nil {
		return nil, err
	}
	return &it, tx.Emit(ctx, integration.EventItemChanged, "item:"+it.Code, integration.ItemChanged{
		ERPItemCode: it.Code, Description: it.Description, Unit: it.Unit, StockType: it.StockType, Vendor: it.Vendor, Price: it.Price})
}

// NewLine is a line of a requisition to create.
type NewLine struct {
	ERPItemCode    string
	ItemID         string // by hand, the item may be named by id instead
	Quantity       millwright.Qty
	Unit           string
	NeededBy       string
	UnitPrice      millwright.Money // the estimate; the item's price when zero
	WorkOrderID    string
	MaterialLineID string
	AssetID        string
	Warehouse      string
	// Description makes a text line (a special buy under a default
	// purchasing item): its unit and price are its own. Vendor, when set,
	// is who it is ordered from.
	Description string
	Vendor      string
}

// NewRequisition is a requisition to create.
type NewRequisition struct {
	SiteID          string
	Source          string
	Priority        int
	CostCenter      string
	ExpenseAccount  string // where direct lines are charged; checked against the chart
	RequestedBy     string
	WorkOrderID     string
	WorkOrderNumber string
	AssetID         string
	Draft           bool
	Lines           []NewLine
}

// Create creates a requisition, checks every line against the item master,
// and, unless it is a draft, submits it for approval.
func Create(ctx context.Context, tx Tx, in NewRequisition) (*Requisition, error) {
	if in.Priority == 0 {
		in.Priority = 3
	}
	switch {
	case in.Priority < 1 || in.Priority > 4:
		return nil, millwright.Errorf(millwright.Invalid, "bad_priority", "priority must be 1 (emergency) to 4 (low), not %d", in.Priority)
	case len(in.Lines) == 0:
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "a requisition needs at least one line")
	case in.RequestedBy == "":
		return nil, millwright.Errorf(millwright.Invalid, "missing_field",
			"requested_by is required: the user whose action caused the request (or system for reorders), so that segregation of duties can hold")
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := ledger.ExpenseAccount(ctx, tx, in.ExpenseAccount, ""); err != nil {
		return nil, err
	}
	r := &Requisition{SiteID: in.SiteID, Source: in.Source, Status: Submitted, Priority: in.Priority,
		CostCenter: in.CostCenter, ExpenseAccount: in.ExpenseAccount, RequestedBy: in.RequestedBy, WorkOrderID: in.WorkOrderID,
		WorkOrderNumber: in.WorkOrderNumber, AssetID: in.AssetID}
	if in.Draft {
		r.Status = Draft
	}
	// The lines' items in one read; a code not found is looked up alone
	// for the error that names it.
	var codes []string
	for _, nl := range in.Lines {
		if nl.ERPItemCode != "" {
			codes = append(codes, nl.ERPItemCode)
		}
	}
	items, err := tx.ERPItemsByCode(ctx, codes)
	if err != nil {
		return nil, err
	}
	for i, nl := range in.Lines {
		it := items[nl.ERPItemCode]
		switch {
		case it != nil:
		case nl.ERPItemCode == "" && nl.ItemID != "":
			it, err = tx.ERPItem(ctx, nl.ItemID)
			if millwright.ErrorKind(err) == millwright.NotFound {
				err = millwright.Errorf(millwright.Rule, "unknown_item", "line %d: item %s is not in the ERP's item master", i+1, nl.ItemID)
			}
		default:
			it, err = tx.ERPItemByCode(ctx, nl.ERPItemCode)
		}
		if err != nil {
			return nil, err
		}
		if !nl.Quantity.IsPositive() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "line %d (%s): quantity must be more than zero", i+1, it.Code)
		}
		if nl.Unit == "" {
			nl.Unit = it.Unit
		}
		if nl.Unit != it.Unit && nl.Description == "" {
			return nil, millwright.Errorf(millwright.Rule, "unknown_unit",
				"line %d (%s): unit %s is not the item's ERP unit %s; convert the quantity to %s before sending", i+1, it.Code, nl.Unit, it.Unit, it.Unit)
		}
		if nl.NeededBy != "" {
			t, err := time.Parse(time.DateOnly, nl.NeededBy)
			if err != nil {
				return nil, millwright.Errorf(millwright.Invalid, "bad_date", "line %d (%s): needed_by %q is not a date such as 2026-03-31", i+1, it.Code, nl.NeededBy)
			}
			if err := millwright.CheckTime(fmt.Sprintf("lines[%d].needed_by", i), t); err != nil {
				return nil, err
			}
		}
		if nl.UnitPrice.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "line %d (%s): the estimated unit price cannot be negative", i+1, it.Code)
		}
		if nl.UnitPrice.IsZero() {
			nl.UnitPrice = it.Price
		}
		if nl.WorkOrderID == "" {
			nl.WorkOrderID = in.WorkOrderID
		}
		if nl.AssetID == "" {
			nl.AssetID = in.AssetID
		}
		if it.StockType == StockItem && nl.Warehouse == "" {
			if nl.Warehouse, err = receivingWarehouse(ctx, tx, in.SiteID, it, set, i+1); err != nil {
				return nil, err
			}
		}
		l := RequisitionLine{Position: i + 1, ItemID: it.ID, ERPItemCode: it.Code, Quantity: nl.Quantity, Unit: nl.Unit,
			NeededBy: nl.NeededBy, UnitPrice: nl.UnitPrice, Amount: nl.UnitPrice.Times(nl.Quantity),
			WorkOrderID: nl.WorkOrderID, MaterialLineID: nl.MaterialLineID, AssetID: nl.AssetID, Warehouse: nl.Warehouse,
			Description: nl.Description, Vendor: nl.Vendor}
		r.Amount = r.Amount.Add(l.Amount)
		r.Lines = append(r.Lines, l)
	}
	n, err := tx.ERPNextNumber(ctx, "requisition")
	if err != nil {
		return nil, err
	}
	r.Number = number("REQ", n)
	r.CreatedAt, r.UpdatedAt = tx.Now(), tx.Now()
	if err := tx.CreateERPRequisition(ctx, r); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "create", nil, r); err != nil {
		return nil, err
	}
	if err := emitRequisition(ctx, tx, integration.EventRequisitionCreated, r, ""); err != nil {
		return nil, err
	}
	if r.Status == Draft {
		return r, nil
	}
	return r, route(ctx, tx, r)
}

func number(prefix string, n int64) string { return sprintf("%s-%06d", prefix, n) }

func emitRequisition(ctx context.Context, tx Tx, kind integration.EventKind, r *Requisition, comment string) error {
	actor := tx.Actor().Username
	if kind == integration.EventRequisitionCreated {
		actor = r.RequestedBy // for an automatic request, the user whose action caused it
	}
	return tx.Emit(ctx, kind, "requisition:"+r.Number, integration.RequisitionDecided{
		RequisitionID: r.ID, Number: r.Number, Status: r.Status, Actor: actor, Comment: comment, Lines: r.refs()})
}

// Submit submits a draft requisition for approval.
func Submit(ctx context.Context, tx Tx, id string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != Draft {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "requisition %s is %s; only a draft can be submitted", r.Number, r.Status)
	}
	before := *r
	r.Status = Submitted
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "submit", before, r); err != nil {
		return nil, err
	}
	return r, route(ctx, tx, r)
}

// route plans the approval of a submitted requisition and, for an
// automatic or fast-path approval, approves and orders it at once.
func route(ctx context.Context, tx Tx, r *Requisition) error {
	rules, err := tx.ERPRules(ctx)
	if err != nil {
		return err
	}
	plan := approval.Plan(rules, approval.Subject{SiteID: r.SiteID, CostCenter: r.CostCenter, Priority: r.Priority, Amount: r.Amount})
	r.RuleID, r.Steps, r.Step = plan.RuleID, plan.Steps, 1
	if !plan.Auto {
		return tx.SaveERPRequisition(ctx, r)
	}
	d := &approval.Decision{RequisitionID: r.ID, Decision: approval.AutoApproved, Actor: "system", At: tx.Now(),
		Comment: "approved automatically by rule " + plan.RuleID}
	if plan.Review != "" {
		d.Decision, d.Comment = approval.FastPathApproved, "emergency fast path: approved at once by rule "+plan.RuleID+"; "+string(plan.Review)+" reviews after the fact"
		v := &approval.Review{RequisitionID: r.ID, RequisitionNumber: r.Number, SiteID: r.SiteID, Role: plan.Review, Status: "open", CreatedAt: tx.Now()}
		if err := tx.CreateERPReview(ctx, v); err != nil {
			return err
		}
		r.Reviews = append(r.Reviews, *v)
	}
	d.Role = string(plan.Review)
	if err := tx.AddERPDecision(ctx, d); err != nil {
		return err
	}
	r.Decisions = append(r.Decisions, *d)
	return approve(ctx, tx, r, d.Comment)
}

// Decide records p's decision on the waiting step of a requisition: a
// rejection ends it, an approval moves it to the next step, and the last
// approval orders it.
func Decide(ctx context.Context, tx Tx, id string, accept bool, comment string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, r.SiteID); err != nil {
		return nil, err
	}
	if r.Status != Submitted {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"requisition %s is %s; only a submitted requisition can be approved or rejected", r.Number, r.Status)
	}
	p := tx.Actor()
	if err := approval.CheckDecider(p, r.RequestedBy, r.Steps, r.Step, r.Decisions); err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	if !accept && comment == "" {
		return nil, millwright.Errorf(millwright.Invalid, "reason_required",
			"comment: say why requisition %s is rejected; the requester sees it on the work order's material lines", r.Number)
	}
	before := *r
	d := &approval.Decision{RequisitionID: r.ID, Step: r.Step, Role: string(r.Steps[r.Step-1]), Decision: approval.Approved,
		Actor: p.Username, Comment: comment, At: tx.Now()}
	if !accept {
		d.Decision = approval.Rejected
	}
	if err := tx.AddERPDecision(ctx, d); err != nil {
		return nil, err
	}
	r.Decisions = append(r.Decisions, *d)
	switch {
	case !accept:
		r.Status, r.Comment = Rejected, comment
		if err := tx.SaveERPRequisition(ctx, r); err != nil {
			return nil, err
		}
		if err := emitRequisition(ctx, tx, integration.EventRequisitionRejected, r, comment); err != nil {
			return nil, err
		}
	case r.Step < len(r.Steps):
		r.Step++
		if err := tx.SaveERPRequisition(ctx, r); err != nil {
			return nil, err
		}
	default:
		if err := approve(ctx, tx, r, comment); err != nil {
			return nil, err
		}
	}
	return r, tx.Audit(ctx, "erp_requisition", r.ID, d.Decision, before, r)
}

// approve marks r approved, emits the approval and orders it.
func approve(ctx context.Context, tx Tx, r *Requisition, comment string) error {
	r.Status, r.Comment = Approved, comment
	if err := tx.SaveERPRequisition(ctx, r); err != nil {
		return err
	}
	if err := emitRequisition(ctx, tx, integration.EventRequisitionApproved, r, comment); err != nil {
		return err
	}
	return order(ctx, tx, r)
}

// Cancel cancels a requisition that is not ordered yet.
func Cancel(ctx context.Context, tx Tx, id, comment string) (*Requisition, error) {
	r, err := tx.ERPRequisitionForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, r.SiteID); err != nil {
		return nil, err
	}
	if !r.open() && r.Status != Approved {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"requisition %s is %s and can no longer be cancelled", r.Number, r.Status)
	}
	before := *r
	r.Status, r.Comment = Cancelled, comment
	if err := tx.SaveERPRequisition(ctx, r); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_requisition", r.ID, "cancel", before, r); err != nil {
		return nil, err
	}
	return r, emitRequisition(ctx, tx, integration.EventRequisitionCanceled, r, comment)
}

// receivingWarehouse is the warehouse a stock line that names none is
// received into: the one warehouse that keeps the item at the site (a
// storeroom's code, as the CMMS's stock levels made it), so that the
// receipt raises that storeroom's stock; the default warehouse where no
// warehouse keeps it yet. Where several do, the line must say which.
func receivingWarehouse(ctx context.Context, tx Tx, siteID string, it *Item, set Settings, line int) (string, error) {
	ws, err := tx.ERPWarehouses(ctx, siteID, it.ID)
	if err != nil {
		return "", err
	}
	switch len(ws) {
	case 0:
		return set.DefaultWarehouse, nil
	case 1:
		return ws[0], nil
	}
	return "", millwright.Errorf(millwright.Invalid, "missing_warehouse",
		"line %d (%s): the item is kept in warehouses %s at this site; give the line's warehouse (the code of the storeroom that receives it)",
		line, it.Code, strings.Join(ws, ", "))
}
