package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// woRow is a work order in a list, with its asset.
type woRow struct {
	workorder.WorkOrder
	AssetTag, AssetName string
}

// listWorkOrders reads the work orders of the caller's site in the given
// statuses, most urgent first.
func listWorkOrders(ctx context.Context, tx *store.Tx, statuses ...workorder.Status) ([]woRow, error) {
	return listWork(ctx, tx, workorder.Filter{SiteID: millwright.PrincipalFrom(ctx).SiteID}, statuses...)
}

// listWork reads the first 200 work orders (by id) of each status that
// match f, with their assets' tags and names (one query for them all),
// most urgent first.
func listWork(ctx context.Context, tx *store.Tx, f workorder.Filter, statuses ...workorder.Status) ([]woRow, error) {
	var out []woRow
	var ids []string
	seen := map[string]bool{}
	for _, st := range statuses {
		f.Status, f.Limit = string(st), 200
		p, err := workorder.List(ctx, tx, f)
		if err != nil {
			return nil, err
		}
		for _, w := range p.Items {
			out = append(out, woRow{WorkOrder: w})
			if !seen[w.AssetID] {
				seen[w.AssetID] = true
				ids = append(ids, w.AssetID)
			}
		}
	}
	labels, err := tx.AssetLabels(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		l, ok := labels[out[i].AssetID]
		if !ok {
			return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset %s does not exist", out[i].AssetID)
		}
		out[i].AssetTag, out[i].AssetName = l.Tag, l.Name
	}
	sortRows(out)
	return out, nil
}

// sortRows puts rows most urgent first, then by number.
func sortRows(rows []woRow) {
	slices.SortStableFunc(rows, func(a, b woRow) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return strings.Compare(a.Number, b.Number)
	})
}

type column struct {
	Status workorder.Status
	Rows   []woRow
}

// workOrders is the planner's backlog and board by status.
func (h *Handler) workOrders(w http.ResponseWriter, r *http.Request, s *session) error {
	var board []column
	var backlog []woRow
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var open []workorder.Status
		for _, st := range workorder.Statuses {
			if st != workorder.Closed && st != workorder.Cancelled {
				open = append(open, st)
			}
		}
		rows, err := listWorkOrders(ctx, tx, open...)
		if err != nil {
			return err
		}
		// The backlog is the board's columns of work not yet under way.
		for _, st := range open {
			col := column{Status: st}
			for _, row := range rows {
				if row.Status == st {
					col.Rows = append(col.Rows, row)
				}
			}
			board = append(board, col)
			switch st {
			case workorder.Requested, workorder.Approved, workorder.Planned, workorder.WaitingForParts:
				backlog = append(backlog, col.Rows...)
			}
		}
		sortRows(backlog)
		return nil
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "workorders.html", "Work orders", map[string]any{"Board": board, "Backlog": backlog,
		"CanCreate": auth.Allowed(s.User.Role, auth.PlanWork)})
	return nil
}

// woPage is everything the work-order page shows.
type woPage struct {
	WO         *workorder.WorkOrder
	Asset      *asset.Asset
	Materials  []materialRow
	Waiting    []materialRow // direct lines not received: completing needs an override
	Labor      []workorder.Labor
	Costs      *workorder.Costs
	Storerooms []inventory.Storeroom
	Verbs      []string // the transitions the user may make now
	Can        map[string]bool
	LastRate   string
	Meters     []meterRow // the asset's meters, for readings
	Techs      []string   // who the work order may be assigned to
}

type materialRow struct {
	workorder.Material
	Description string
	Steps       []procStep
}

// materialRows are a work order's planned lines as its pages show them:
// described by the line (a special buy) or its item, with a direct line's
// procurement steps.
func materialRows(ctx context.Context, tx *store.Tx, woID string) ([]materialRow, error) {
	mats, err := workorder.Materials(ctx, tx, woID)
	if err != nil {
		return nil, err
	}
	rows := make([]materialRow, 0, len(mats))
	for _, m := range mats {
		row := materialRow{Material: m, Description: m.Description}
		if it, err := tx.Item(ctx, m.ItemID); err == nil && !m.SpecialBuy {
			row.Description = it.Description
		}
		if m.Direct {
			row.Steps = steps(m.ProcurementStatus)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// procStep is one stage of a direct line's procurement, done or not.
type procStep struct {
	Label string
	Done  bool
}

var procOrder = []string{workorder.ProcurementRequested, workorder.ProcurementApproved, workorder.ProcurementOrdered,
	workorder.ProcurementReceived, workorder.ProcurementInvoiced}

func steps(status string) []procStep {
	n := slices.Index(procOrder, status)
	var out []procStep
	for i, s := range procOrder {
		out = append(out, procStep{Label: statusLabels[s], Done: i <= n})
	}
	return out
}

var verbOrder = []string{"approve", "plan", "release", "start", "wait", "resume", "close", "cancel"}

var verbAction = map[string]auth.Action{
	"approve": auth.DirectWork, "plan": auth.DirectWork, "release": auth.DirectWork, "close": auth.DirectWork,
	"cancel": auth.DirectWork, "start": auth.DoWork, "wait": auth.DoWork, "resume": auth.DoWork,
}

var verbFrom = map[string]workorder.Status{"start": workorder.Released, "resume": workorder.WaitingForParts}

func (h *Handler) workOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	var p woPage
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		wo, err := workorder.Get(ctx, tx, r.PathValue("id"))
		if err != nil {
			return err
		}
		p.WO = wo
		if p.Asset, err = tx.Asset(ctx, wo.AssetID); err != nil {
			return err
		}
		if p.Materials, err = materialRows(ctx, tx, wo.ID); err != nil {
			return err
		}
		for _, row := range p.Materials {
			if row.Direct && row.Quantity.IsPositive() && row.ProcurementStatus != workorder.ProcurementReceived && row.ProcurementStatus != workorder.ProcurementInvoiced {
				p.Waiting = append(p.Waiting, row)
			}
		}
		if p.Labor, err = workorder.LaborEntries(ctx, tx, wo.ID); err != nil {
			return err
		}
		for _, l := range p.Labor {
			if l.Technician == s.User.Username {
				p.LastRate = l.Rate.String()
			}
		}
		if p.Costs, err = workorder.GetCosts(ctx, tx, wo.ID); err != nil {
			return err
		}
		if p.Meters, err = assetMeters(ctx, tx, wo.AssetID); err != nil {
			return err
		}
		if wo.Open() && canAssign(s.User) {
			if p.Techs, err = technicians(ctx, tx, wo.SiteID); err != nil {
				return err
			}
		}
		srs, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: wo.SiteID, Limit: 100})
		p.Storerooms = srs.Items
		return err
	})
	if err != nil {
		return err
	}
	role := s.User.Role
	for _, v := range verbOrder {
		to := workorder.Verbs[v]
		if from, ok := verbFrom[v]; ok && p.WO.Status != from {
			continue
		}
		if workorder.CanBecome(p.WO.Status, to) && auth.Allowed(role, verbAction[v]) {
			p.Verbs = append(p.Verbs, v)
		}
	}
	p.Can = map[string]bool{
		"labor":    p.WO.Active() && auth.Allowed(role, auth.LogLabor),
		"issue":    p.WO.Active() && auth.Allowed(role, auth.IssueParts),
		"direct":   p.WO.Open() && auth.Allowed(role, auth.AddDirectItem),
		"complete": p.WO.Status == workorder.InProgress && auth.Allowed(role, auth.DoWork),
		"assign":   p.WO.Open() && canAssign(s.User),
		"plan":     p.WO.Open() && auth.Allowed(role, auth.PlanWork),
		"reading":  len(p.Meters) > 0 && auth.Allowed(role, auth.RecordReadings),
	}
	h.render(w, r, s, http.StatusOK, "workorder.html", p.WO.Number+" "+p.WO.Title, p)
	return nil
}

func woURL(r *http.Request) string { return "/ui/work-orders/" + r.PathValue("id") }

// transition applies a lifecycle verb (start, release, …). The verb's
// action is checked here, as the API's route table does per verb.
func (h *Handler) transition(w http.ResponseWriter, r *http.Request, s *session) error {
	verb := r.PathValue("verb")
	a, ok := verbAction[verb]
	if !ok {
		return millwright.Errorf(millwright.NotFound, "not_found", "%q is not a work-order action", verb)
	}
	if err := auth.Require(r.Context(), a); err != nil {
		return err
	}
	return h.change(w, r, woURL(r), woURL(r), "work order: "+label(verb), func(ctx context.Context, tx *store.Tx) error {
		_, err := workorder.Transition(ctx, tx, r.PathValue("id"), verb)
		return err
	})
}

func label(verb string) string {
	return map[string]string{"approve": "approved", "plan": "planned", "release": "released", "start": "started",
		"wait": "waiting for parts", "resume": "resumed", "close": "closed", "cancel": "cancelled"}[verb]
}

func (h *Handler) logLabor(w http.ResponseWriter, r *http.Request, s *session) error {
	hours, err := formQty(r, "hours", "Hours", true)
	if err == nil {
		var rate *millwright.Money // none: the craft's rate
		if strings.TrimSpace(r.PostForm.Get("rate")) != "" {
			var m millwright.Money
			m, err = formMoney(r, "rate", "Rate")
			rate = &m
		}
		if err == nil {
			tech := strings.TrimSpace(r.PostForm.Get("technician"))
			if tech == "" {
				tech = s.User.Username
			}
			in := workorder.NewLabor{Technician: tech, Craft: strings.TrimSpace(r.PostForm.Get("craft")), Hours: hours, Rate: rate}
			return h.change(w, r, woURL(r), woURL(r), "labor logged: "+hours.String()+" h", func(ctx context.Context, tx *store.Tx) error {
				_, err := workorder.LogLabor(ctx, tx, r.PathValue("id"), in)
				return err
			})
		}
	}
	redirect(w, r, woURL(r), "error", errText(err))
	return nil
}

// itemByPart resolves a typed or scanned part number.
func itemByPart(ctx context.Context, tx *store.Tx, pn string) (*inventory.Item, error) {
	pn = strings.ToUpper(strings.TrimSpace(pn))
	if pn == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "type or scan a part number")
	}
	it, err := tx.ItemByPartNumber(ctx, pn)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_part", "no part has the number %s; check the label or ask the storeroom", pn)
	}
	return it, err
}

// moveParts issues (or returns) parts by part number.
func (h *Handler) moveParts(back bool) func(w http.ResponseWriter, r *http.Request, s *session) error {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		qty, err := formQty(r, "quantity", "Quantity", true)
		if err != nil {
			redirect(w, r, woURL(r), "error", errText(err))
			return nil
		}
		pn := strings.TrimSpace(r.PostForm.Get("part"))
		verb := "issued"
		if back {
			verb = "returned"
		}
		return h.change(w, r, woURL(r), woURL(r), verb+": "+qty.String()+" × "+strings.ToUpper(pn), func(ctx context.Context, tx *store.Tx) error {
			it, err := itemByPart(ctx, tx, pn)
			if err != nil {
				return err
			}
			in := workorder.StockMove{ItemID: it.ID, StoreroomID: r.PostForm.Get("storeroom"), Quantity: qty}
			if back {
				_, err = workorder.Return(ctx, tx, r.PathValue("id"), in)
			} else {
				_, err = workorder.Issue(ctx, tx, r.PathValue("id"), in)
			}
			return err
		})
	}
}

func (h *Handler) addDirect(w http.ResponseWriter, r *http.Request, s *session) error {
	qty, err := formQty(r, "quantity", "Quantity", true)
	if err != nil {
		redirect(w, r, woURL(r), "error", errText(err))
		return nil
	}
	pn := r.PostForm.Get("part")
	return h.change(w, r, woURL(r), woURL(r), "direct item added: "+strings.ToUpper(strings.TrimSpace(pn)), func(ctx context.Context, tx *store.Tx) error {
		it, err := itemByPart(ctx, tx, pn)
		if err != nil {
			return err
		}
		yes := true
		_, err = workorder.AddMaterial(ctx, tx, r.PathValue("id"), workorder.NewMaterial{ItemID: it.ID, Quantity: qty, Direct: &yes})
		return err
	})
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request, s *session) error {
	down, err := formQty(r, "downtime", "Downtime", false)
	if err != nil {
		redirect(w, r, woURL(r), "error", errText(err))
		return nil
	}
	in := workorder.Completion{Problem: strings.TrimSpace(r.PostForm.Get("problem")), Cause: strings.TrimSpace(r.PostForm.Get("cause")),
		Remedy: strings.TrimSpace(r.PostForm.Get("remedy")), DowntimeHours: down, Notes: strings.TrimSpace(r.PostForm.Get("notes")),
		OverrideMaterials: strings.TrimSpace(r.PostForm.Get("override_materials"))}
	return h.change(w, r, woURL(r), woURL(r), "work order completed", func(ctx context.Context, tx *store.Tx) error {
		_, err := workorder.Complete(ctx, tx, r.PathValue("id"), in)
		return err
	})
}

// trace is a work order's chain as a timeline with actors.
func (h *Handler) trace(w http.ResponseWriter, r *http.Request, s *session) error {
	var t *workorder.Trace
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		t, err = workorder.GetTrace(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "trace.html", "Trace of "+t.WorkOrder.Number, t)
	return nil
}
