package workorder

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// New is a request for a new work order. Nil fields take their defaults.
type New struct {
	Type        Type   `json:"type"`
	Priority    *int   `json:"priority"` // default 3, or 1 for emergency work
	AssetID     string `json:"asset_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// AutoRequestMaterial defaults to the asset's own setting, else its class's.
	AutoRequestMaterial *bool `json:"auto_request_material"`
	// CopyBOM defaults to true for preventive and predictive work.
	CopyBOM        *bool             `json:"copy_bom"`
	EstimatedLabor *millwright.Money `json:"estimated_labor"`
	// AssignedTo and ScheduledOn are as in Changes.
	AssignedTo  string `json:"assigned_to"`
	ScheduledOn string `json:"scheduled_on"`
}

// Changes is an edit of a work order. Nil fields stay as they are.
type Changes struct {
	// Type may change only while the work order is requested: the planner
	// reviewing a work request says what kind of work it is.
	Type                *Type             `json:"type"`
	Title               *string           `json:"title"`
	Description         *string           `json:"description"`
	Priority            *int              `json:"priority"`
	AutoRequestMaterial *bool             `json:"auto_request_material"`
	EstimatedLabor      *millwright.Money `json:"estimated_labor"`
	// AssignedTo is the user name of a user who may do work at the work
	// order's site; "" unassigns it.
	AssignedTo *string `json:"assigned_to"`
	// ScheduledOn is a date such as "2026-12-02" in the site's time zone;
	// "" unschedules it.
	ScheduledOn *string `json:"scheduled_on"`
}

// Completion is what a technician records when the work is done.
type Completion struct {
	Problem       string         `json:"problem"`
	Cause         string         `json:"cause"`
	Remedy        string         `json:"remedy"`
	DowntimeHours millwright.Qty `json:"downtime_hours"`
	Notes         string         `json:"notes"`
	// OverrideMaterials is why the work order is completed although some
	// of its direct materials were not received; without it, such a
	// completion is refused. It is recorded in the audit trail.
	OverrideMaterials string `json:"override_materials,omitempty"`
}

func checkPriority(p int) error {
	if p < PriorityEmergency || p > PriorityLow {
		return millwright.Errorf(millwright.Invalid, "invalid_priority",
			"priority must be 1 (emergency), 2 (urgent), 3 (normal) or 4 (low), not %d", p)
	}
	return nil
}

func checkEstimate(m *millwright.Money) error {
	if m != nil && m.IsNegative() {
		return millwright.Errorf(millwright.Invalid, "invalid_amount", "estimated_labor cannot be negative, got %s", m)
	}
	return nil
}

func missing(field, what string) error {
	return millwright.Errorf(millwright.Invalid, "missing_field", "%s is required: %s", field, what)
}

// Create creates a work order for an asset, in the asset's site, as
// requested. With CopyBOM its asset's maintenance BOM (or, when the asset
// has none, its class's) becomes its planned materials, stock lines
// reserved at once.
func Create(ctx context.Context, tx Tx, in New) (*WorkOrder, error) {
	switch {
	case in.Type == "":
		return nil, missing("type", "one of preventive, corrective, emergency, predictive, inspection")
	case !slices.Contains(Types, in.Type):
		return nil, millwright.Errorf(millwright.Invalid, "invalid_type",
			"type %q is not a work-order type; use preventive, corrective, emergency, predictive or inspection", in.Type)
	case strings.TrimSpace(in.Title) == "":
		return nil, missing("title", "say in a few words what is to be done")
	case in.AssetID == "":
		return nil, missing("asset_id", "the id of the asset to work on")
	}
	priority := PriorityNormal
	if in.Type == Emergency {
		priority = PriorityEmergency
	}
	if in.Priority != nil {
		priority = *in.Priority
	}
	if err := checkPriority(priority); err != nil {
		return nil, err
	}
	if err := checkEstimate(in.EstimatedLabor); err != nil {
		return nil, err
	}
	a, err := tx.Asset(ctx, in.AssetID)
	if err != nil {
		return nil, related(err, "asset_not_found")
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	var class *asset.Class
	if a.ClassID != "" {
		if class, err = tx.Class(ctx, a.ClassID); err != nil {
			return nil, err
		}
	}
	arm := false
	switch {
	case in.AutoRequestMaterial != nil:
		arm = *in.AutoRequestMaterial
	case a.AutoRequestMaterial != nil:
		arm = *a.AutoRequestMaterial
	case class != nil:
		arm = class.AutoRequestMaterial
	}
	n, err := tx.NextNumber(ctx, "work_order")
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	w := &WorkOrder{
		Number:              fmt.Sprintf("WO-%06d", n),
		Type:                in.Type,
		Status:              Requested,
		Priority:            priority,
		SiteID:              a.SiteID,
		AssetID:             a.ID,
		Title:               strings.TrimSpace(in.Title),
		Description:         in.Description,
		AutoRequestMaterial: arm,
		CreatedBy:           tx.Actor().Username,
		CreatedAt:           now,
		UpdatedAt:           now,
	}
	if in.EstimatedLabor != nil {
		w.EstimatedLabor = *in.EstimatedLabor
	}
	if err := assign(ctx, tx, w, &in.AssignedTo, &in.ScheduledOn); err != nil {
		return nil, err
	}
	if err := tx.CreateWorkOrder(ctx, w); err != nil {
		return nil, err
	}
	if err := tx.AddTransition(ctx, &TransitionRecord{WorkOrderID: w.ID, To: Requested}); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "work_order", w.ID, "create", nil, w); err != nil {
		return nil, err
	}
	copyBOM := in.Type == Preventive || in.Type == Predictive
	if in.CopyBOM != nil {
		copyBOM = *in.CopyBOM
	}
	if copyBOM {
		if err := copyAssetBOM(ctx, tx, w, a); err != nil {
			return nil, fmt.Errorf("copy the BOM of asset %s to %s: %w", a.Tag, w.Number, err)
		}
	}
	return w, nil
}

// copyAssetBOM adds the asset's BOM, or its class's when it has none, to w
// as planned materials. A stock item is reserved in the site's storeroom
// that has most of it available; where no storeroom of the site keeps it,
// the line waits without a storeroom and is matched by the first issue.
func copyAssetBOM(ctx context.Context, tx Tx, w *WorkOrder, a *asset.Asset) error {
	lines, err := tx.AssetBOM(ctx, a.ID)
	if err != nil {
		return err
	}
	if len(lines) == 0 && a.ClassID != "" {
		if lines, err = tx.ClassBOM(ctx, a.ClassID); err != nil {
			return err
		}
	}
	for _, l := range lines {
		it, err := tx.Item(ctx, l.ItemID)
		if err != nil {
			return err
		}
		m := &Material{
			ItemID:              it.ID,
			Quantity:            l.Quantity,
			Direct:              it.StockType != inventory.StockItem,
			AutoRequestMaterial: l.AutoRequestMaterial || w.AutoRequestMaterial,
		}
		if !m.Direct {
			stock, err := tx.ItemStockAtSite(ctx, w.SiteID, it.ID)
			if err != nil {
				return err
			}
			if len(stock) > 0 {
				best := slices.MaxFunc(stock, func(x, y inventory.Stock) int {
					return x.Available.Cmp(y.Available.Decimal)
				})
				m.StoreroomID = best.StoreroomID
			}
		}
		if err := addLine(ctx, tx, w, it, m); err != nil {
			return err
		}
	}
	return nil
}

// Get returns a work order the caller's site may see.
func Get(ctx context.Context, tx Tx, id string) (*WorkOrder, error) {
	w, err := tx.WorkOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	return w, millwright.CheckSite(ctx, w.SiteID)
}

// lock returns a work order the caller's site may change, locked for the
// rest of the transaction.
func lock(ctx context.Context, tx Tx, id string) (*WorkOrder, error) {
	w, err := tx.WorkOrderForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	return w, millwright.CheckSite(ctx, w.SiteID)
}

// List lists work orders by id.
func List(ctx context.Context, tx Tx, f Filter) (millwright.Page[WorkOrder], error) {
	if f.Priority != 0 {
		if err := checkPriority(f.Priority); err != nil {
			return millwright.Page[WorkOrder]{}, err
		}
	}
	return tx.WorkOrders(ctx, f)
}

// Update edits a work order's title, description, priority, Auto Request
// Material flag, labor estimate, assignee and scheduled day, until it is
// completed.
func Update(ctx context.Context, tx Tx, id string, c Changes) (*WorkOrder, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeOpen("it can be edited"); err != nil {
		return nil, err
	}
	before := *w
	if c.Type != nil && *c.Type != w.Type {
		if !slices.Contains(Types, *c.Type) {
			return nil, millwright.Errorf(millwright.Invalid, "invalid_type",
				"type %q is not a work-order type; use preventive, corrective, emergency, predictive or inspection", *c.Type)
		}
		if w.Status != Requested {
			return nil, millwright.Errorf(millwright.Conflict, "type_fixed",
				"work order %s is %s; its type can change only while it is requested", w.Number, w.Status)
		}
		w.Type = *c.Type
	}
	if c.Title != nil {
		if strings.TrimSpace(*c.Title) == "" {
			return nil, missing("title", "a work order's title cannot be blank")
		}
		w.Title = strings.TrimSpace(*c.Title)
	}
	if c.Description != nil {
		w.Description = *c.Description
	}
	if c.Priority != nil {
		if err := checkPriority(*c.Priority); err != nil {
			return nil, err
		}
		w.Priority = *c.Priority
	}
	if c.AutoRequestMaterial != nil {
		w.AutoRequestMaterial = *c.AutoRequestMaterial
	}
	if c.EstimatedLabor != nil {
		if err := checkEstimate(c.EstimatedLabor); err != nil {
			return nil, err
		}
		w.EstimatedLabor = *c.EstimatedLabor
	}
	if err := assign(ctx, tx, w, c.AssignedTo, c.ScheduledOn); err != nil {
		return nil, err
	}
	w.UpdatedAt = tx.Now()
	if err := tx.SaveWorkOrder(ctx, w); err != nil {
		return nil, err
	}
	return w, tx.Audit(ctx, "work_order", w.ID, "update", before, w)
}

// verbFrom is the one status a verb applies to where the target status
// alone does not say it: start begins released work, resume continues
// work that waited for parts.
var verbFrom = map[string]Status{"start": Released, "resume": WaitingForParts}

// Transition applies a verb of Verbs (approve, plan, release, start, wait,
// resume, complete, close, cancel) to a work order. Closing or cancelling
// releases the stock its lines still hold reserved.
func Transition(ctx context.Context, tx Tx, id, verb string) (*WorkOrder, error) {
	to, ok := Verbs[verb]
	if !ok {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "%q is not a work-order action", verb)
	}
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if from, ok := verbFrom[verb]; ok && w.Status != from && CanBecome(w.Status, to) {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"work order %s is %s and cannot become %s by %s; %s applies only to %s work orders",
			w.Number, w.Status, to, verb, verb, from)
	}
	return w, move(ctx, tx, w, to, verb)
}

// Complete completes a work order in progress, recording the failure
// codes, downtime and notes.
func Complete(ctx context.Context, tx Tx, id string, c Completion) (*WorkOrder, error) {
	if c.DowntimeHours.IsNegative() {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_downtime",
			"downtime_hours cannot be negative, got %s; send 0 when the asset was not down", c.DowntimeHours)
	}
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.check(Completed); err != nil {
		return nil, err
	}
	if err := checkReceived(ctx, tx, w, strings.TrimSpace(c.OverrideMaterials)); err != nil {
		return nil, err
	}
	w.Problem, w.Cause, w.Remedy, w.Notes = c.Problem, c.Cause, c.Remedy, c.Notes
	w.DowntimeHours = c.DowntimeHours
	return w, move(ctx, tx, w, Completed, "complete")
}

// move makes the transition of w to status to, with its side effects, its
// history record and its audit entry.
func move(ctx context.Context, tx Tx, w *WorkOrder, to Status, verb string) error {
	before := *w
	from := w.Status
	now := tx.Now()
	if err := w.Transition(to, now); err != nil {
		return err
	}
	switch to {
	case Approved, Released: // requestMaterial asks only once the type's trigger point is passed
		if err := requestMaterial(ctx, tx, w, tx.Actor().Username); err != nil {
			return err
		}
	case Completed:
		w.CompletedAt = &now
	case Closed, Cancelled:
		if err := releaseReservations(ctx, tx, w); err != nil {
			return err
		}
	}
	if err := tx.SaveWorkOrder(ctx, w); err != nil {
		return err
	}
	if err := tx.AddTransition(ctx, &TransitionRecord{WorkOrderID: w.ID, From: from, To: to}); err != nil {
		return err
	}
	if err := tellERP(ctx, tx, w); err != nil {
		return err
	}
	return tx.Audit(ctx, "work_order", w.ID, verb, before, w)
}

// tellERP puts the work order's new status in the outbox when the ERP
// must see it: completed, closed (its costs are final) and cancelled (its
// requisitions not yet ordered are cancelled with it) — and only for a
// work order the ERP knows, one that has sent it a message before.
func tellERP(ctx context.Context, tx Tx, w *WorkOrder) error {
	if w.Status != Completed && w.Status != Closed && w.Status != Cancelled {
		return nil
	}
	sent, err := tx.WorkOrderMessages(ctx, w.ID)
	if err != nil || len(sent) == 0 {
		return err
	}
	site, a, err := siteAndAsset(ctx, tx, w)
	if err != nil {
		return err
	}
	// The status is information, not a posting: a cost center the
	// mappings do not cover goes as the CMMS names it.
	cc, err := integration.ERPCostCenter(ctx, tx, w.SiteID, site.Code, a.CostCenter)
	if millwright.ErrorKind(err) == millwright.Rule {
		cc, err = a.CostCenter, nil
	}
	if err != nil {
		return err
	}
	msg, err := integration.NewMessage("status:"+w.ID+":"+string(w.Status), w.SiteID, site.Code, tx.Actor().Username, tx.Now(),
		integration.WorkOrderStatus{WorkOrderID: w.ID, WorkOrderNumber: w.Number, Status: string(w.Status),
			AssetID: w.AssetID, CostCenter: cc})
	if err != nil {
		return err
	}
	msg.TimeZone = site.TimeZone
	return tx.Enqueue(ctx, msg, w.ID)
}

// releaseReservations gives back to the storerooms what w's lines still
// hold reserved. Stock rows are locked in one order everywhere, so two
// closing work orders cannot deadlock.
func releaseReservations(ctx context.Context, tx Tx, w *WorkOrder) error {
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return err
	}
	slices.SortStableFunc(mats, func(a, b Material) int {
		return cmp.Or(cmp.Compare(a.StoreroomID, b.StoreroomID), cmp.Compare(a.ItemID, b.ItemID))
	})
	for i := range mats {
		m := &mats[i]
		if m.Direct || m.StoreroomID == "" || !m.Reserved.IsPositive() {
			continue
		}
		st, err := tx.StockForUpdate(ctx, m.StoreroomID, m.ItemID)
		if err != nil {
			return err
		}
		st.Unreserve(m.Reserved)
		if err := tx.SaveStock(ctx, st); err != nil {
			return err
		}
		m.Reserved = millwright.Qty{}
		if err := tx.SaveMaterial(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// siteAndAsset returns the site and the asset of a work order, which every
// message to the ERP about it names.
func siteAndAsset(ctx context.Context, tx Tx, w *WorkOrder) (*asset.Site, *asset.Asset, error) {
	return tx.SiteAndAsset(ctx, w.SiteID, w.AssetID)
}

// checkReceived refuses to complete a work order whose direct materials
// are not all received, unless override says why; an override is recorded
// in the audit trail with the lines it passed over.
func checkReceived(ctx context.Context, tx Tx, w *WorkOrder, override string) error {
	mats, err := tx.Materials(ctx, w.ID)
	if err != nil {
		return err
	}
	var open []string
	for _, m := range mats {
		if m.Direct && m.Quantity.IsPositive() && m.ProcurementStatus != ProcurementReceived && m.ProcurementStatus != ProcurementInvoiced {
			name := m.PartNumber
			if m.SpecialBuy {
				name = m.Description
			}
			open = append(open, fmt.Sprintf("%s %s (%s)", m.Quantity, name, m.ProcurementStatus))
		}
	}
	switch {
	case len(open) == 0:
		return nil
	case override == "":
		return millwright.Errorf(millwright.Rule, "materials_not_received",
			"work order %s still waits for %s; receive them first, or give the reason it is completed without them (override_materials)",
			w.Number, strings.Join(open, ", "))
	}
	return tx.Audit(ctx, "work_order", w.ID, "complete_without_materials", nil,
		map[string]any{"reason": override, "not_received": open})
}
