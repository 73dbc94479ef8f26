package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The request portal (/ui/requests): anyone signed in files a work
// request for an asset of a site and follows what became of it. The
// planner reviews a request on its planning page
// (/ui/work-orders/{id}/plan): approves it with its type and priority or
// rejects it with a reason, adds stock and direct materials, then plans
// and releases it.

// requestFields are the fields of the request form, as the API names
// them but for the asset, which is given by its tag.
var requestFields = []string{"asset", "title", "description", "priority"}

// urgencies are the choices of "how urgent", each a priority.
var urgencies = []struct {
	Priority int
	Label    string
}{
	{1, "Emergency: stopped, unsafe or leaking badly"},
	{2, "Urgent: needs doing this week"},
	{3, "Normal: when it can be planned"},
	{4, "Low: whenever convenient"},
}

// requestRow is a request in a list, with why it was rejected.
type requestRow struct {
	woRow
	Rejection string
}

// portal is what the request portal shows.
type portal struct {
	Form    form
	Site    *asset.Site
	Sites   []asset.Site // the sites a user of every site may pick; nil for a user of one site
	Assets  []asset.Asset
	Open    []woRow      // the site's requests waiting for the planner
	Mine    []requestRow // the user's own latest requests, newest first
	Urgency any
	CanPlan bool
}

// portalSite is the site the portal is for: the user's own, else the one
// of code, else the first.
func portalSite(ctx context.Context, tx *store.Tx, u *store.User, code string) (*asset.Site, []asset.Site, error) {
	if u.SiteID != "" {
		s, err := tx.Site(ctx, u.SiteID)
		return s, nil, err
	}
	p, err := tx.Sites(ctx, "", "", 200)
	if err != nil {
		return nil, nil, err
	}
	if len(p.Items) == 0 {
		return nil, nil, millwright.Errorf(millwright.NotFound, "no_sites", "there is no site yet; an administrator creates one first")
	}
	for i := range p.Items {
		if strings.EqualFold(p.Items[i].Code, code) {
			return &p.Items[i], p.Items, nil
		}
	}
	return &p.Items[0], p.Items, nil
}

// requests shows the request portal.
func (h *Handler) requests(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showRequests(w, r, s, http.StatusOK, r.URL.Query().Get("site"), form{Values: url.Values{"priority": {"3"}}})
}

func (h *Handler) showRequests(w http.ResponseWriter, r *http.Request, s *session, status int, code string, f form) error {
	p := portal{Form: f, Urgency: urgencies, CanPlan: auth.Allowed(s.User.Role, auth.DirectWork)}
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p.Site, p.Sites, err = portalSite(ctx, tx, s.User, code); err != nil {
			return err
		}
		as, err := tx.Assets(ctx, asset.Filter{SiteID: p.Site.ID, Limit: 500})
		if err != nil {
			return err
		}
		p.Assets = as.Items
		if p.Open, err = listWork(ctx, tx, workorder.Filter{SiteID: p.Site.ID}, workorder.Requested); err != nil {
			return err
		}
		p.Mine, err = myRequests(ctx, tx, s.User)
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "requests.html", "Work requests", p)
	return nil
}

// myRequests reads the latest 20 work orders the user created, of the
// sites they see, newest first, with why those rejected were rejected.
func myRequests(ctx context.Context, tx *store.Tx, u *store.User) ([]requestRow, error) {
	rows, err := listWork(ctx, tx, workorder.Filter{SiteID: u.SiteID, CreatedBy: u.Username}, "")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b woRow) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID)) })
	var out []requestRow
	for _, row := range rows[:min(len(rows), 20)] {
		rr := requestRow{woRow: row}
		if row.Status == workorder.Cancelled {
			if rr.Rejection, err = workorder.Rejection(ctx, tx, row.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, rr)
	}
	return out, nil
}

// fileRequest files a work request from the portal's form, as POST
// /api/v1/work-requests does; a refusal shows the form again with what was
// typed and the reason beside its field.
func (h *Handler) fileRequest(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	code := v.Get("site")
	in := workorder.WorkRequest{Title: strings.TrimSpace(v.Get("title")), Description: strings.TrimSpace(v.Get("description"))}
	var filed *workorder.WorkOrder
	err := func() error {
		if p := v.Get("priority"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return millwright.Errorf(millwright.Invalid, "invalid_priority", "priority: choose how urgent it is, from emergency to low")
			}
			in.Priority = &n
		}
		return h.db.InTx(r.Context(), func(tx *store.Tx) error {
			site, _, err := portalSite(r.Context(), tx, s.User, code)
			if err != nil {
				return err
			}
			tag := strings.TrimSpace(v.Get("asset"))
			if tag == "" {
				return millwright.Errorf(millwright.Invalid, "missing_field", "asset: give the tag of the equipment (on its plate), or pick it from the list")
			}
			if in.AssetID, err = assetByTag(r.Context(), tx, site.ID, tag, ""); err != nil {
				return err
			}
			filed, err = workorder.FileRequest(r.Context(), tx, in)
			return err
		})
	}()
	var e *millwright.Error
	switch {
	case err == nil:
		to := "/ui/requests"
		if code != "" && s.User.SiteID == "" {
			to += "?site=" + url.QueryEscape(code)
		}
		redirect(w, r, to, "notice", "Request "+filed.Number+" filed: "+filed.Title+". The planner reviews it; its status shows under My requests.")
		return nil
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		f := refused(v, append(requestFields, "asset_id"), err)
		if msg, ok := f.Errors["asset_id"]; ok {
			delete(f.Errors, "asset_id")
			f.Errors["asset"] = msg
		}
		return h.showRequests(w, r, s, formStatus(e), code, f)
	default:
		return err
	}
}

// formStatus is the status of a form shown again after a refusal: 422 for
// a broken business rule, else 400.
func formStatus(e *millwright.Error) int {
	if e.Kind == millwright.Rule {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

// planPage is what the planning page of a work order shows.
type planPage struct {
	WO         *workorder.WorkOrder
	Asset      *asset.Asset
	Materials  []materialRow
	Storerooms []inventory.Storeroom
	StockItems []inventory.Item
	Direct     []inventory.Item
	Types      []workorder.Type
	Review     form // approve with type and priority
	Reject     form
	Stock      form
	DirectForm form
	Buy        form     // a special buy, described in words
	Verbs      []string // plan, release: what the status allows now
	Can        map[string]bool
}

// planWorkOrder shows a work order's planning page.
func (h *Handler) planWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showPlan(w, r, s, http.StatusOK, nil)
}

// showPlan renders the planning page, with the refused form in place of
// its blank one.
func (h *Handler) showPlan(w http.ResponseWriter, r *http.Request, s *session, status int, set func(p *planPage)) error {
	var p planPage
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
		srs, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: wo.SiteID, Limit: 100})
		if err != nil {
			return err
		}
		p.Storerooms = srs.Items
		items, err := tx.Items(ctx, inventory.ItemFilter{StockType: string(inventory.StockItem), Limit: 500})
		if err != nil {
			return err
		}
		p.StockItems = items.Items
		items, err = tx.Items(ctx, inventory.ItemFilter{StockType: string(inventory.DirectItem), Limit: 500})
		p.Direct = items.Items
		return err
	})
	if err != nil {
		return err
	}
	p.Types = workorder.Types
	p.Review = form{Values: url.Values{"type": {string(p.WO.Type)}, "priority": {strconv.Itoa(p.WO.Priority)}}}
	p.Reject = form{Values: url.Values{}}
	p.Stock = form{Values: url.Values{"quantity": {"1"}}}
	arm := ""
	if p.WO.AutoRequestMaterial {
		arm = "on"
	}
	p.DirectForm = form{Values: url.Values{"quantity": {"1"}, "auto_request_material": {arm}}}
	p.Buy = form{Values: url.Values{"quantity": {"1"}, "unit": {"EA"}}}
	if len(p.Storerooms) > 0 {
		p.Stock.Values.Set("storeroom", p.Storerooms[0].ID)
	}
	if set != nil {
		set(&p)
	}
	role := s.User.Role
	for _, v := range []string{"plan", "release"} {
		if workorder.CanBecome(p.WO.Status, workorder.Verbs[v]) && auth.Allowed(role, auth.DirectWork) {
			p.Verbs = append(p.Verbs, v)
		}
	}
	p.Can = map[string]bool{
		"review":    p.WO.Status == workorder.Requested && auth.Allowed(role, auth.DirectWork),
		"materials": p.WO.Open() && auth.Allowed(role, auth.PlanWork),
	}
	h.render(w, r, s, status, "planwo.html", "Plan "+p.WO.Number+" "+p.WO.Title, p)
	return nil
}

func planURL(r *http.Request) string { return woURL(r) + "/plan" }

// refusedOn shows the planning page again after a refusal of one of its
// forms, or returns err when it is not the user's to fix.
func (h *Handler) refusedOn(w http.ResponseWriter, r *http.Request, s *session, err error, set func(p *planPage, e *millwright.Error)) error {
	var e *millwright.Error
	if !errors.As(err, &e) || e.Kind == millwright.Forbidden || e.Kind == millwright.Unauthorized || e.Kind == millwright.NotFound {
		return err
	}
	return h.showPlan(w, r, s, formStatus(e), func(p *planPage) { set(p, e) })
}

// approveRequest approves a requested work order with the type and
// priority the planner gives it: PATCH then approve, as in the API, in one
// transaction.
func (h *Handler) approveRequest(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	var done *workorder.WorkOrder
	err := func() error {
		n, err := strconv.Atoi(v.Get("priority"))
		if err != nil {
			return millwright.Errorf(millwright.Invalid, "invalid_priority", "priority: choose 1 (emergency) to 4 (low)")
		}
		t := workorder.Type(v.Get("type"))
		return h.db.InTx(r.Context(), func(tx *store.Tx) error {
			if _, err := workorder.Update(r.Context(), tx, r.PathValue("id"), workorder.Changes{Type: &t, Priority: &n}); err != nil {
				return err
			}
			done, err = workorder.Transition(r.Context(), tx, r.PathValue("id"), "approve")
			return err
		})
	}()
	if err != nil {
		return h.refusedOn(w, r, s, err, func(p *planPage, e *millwright.Error) { p.Review = refused(v, []string{"type", "priority"}, e) })
	}
	redirect(w, r, planURL(r), "notice", done.Number+" approved as "+string(done.Type)+", priority "+strconv.Itoa(done.Priority)+": add its materials, then plan or release it")
	return nil
}

// rejectRequest turns a work request down with the reason the planner
// gives, as POST /api/v1/work-orders/{id}/reject does.
func (h *Handler) rejectRequest(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	var done *workorder.WorkOrder
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		done, err = workorder.Reject(r.Context(), tx, r.PathValue("id"), v.Get("reason"))
		return err
	})
	if err != nil {
		return h.refusedOn(w, r, s, err, func(p *planPage, e *millwright.Error) { p.Reject = refused(v, []string{"reason"}, e) })
	}
	redirect(w, r, woURL(r), "notice", done.Number+" rejected; the requester sees why")
	return nil
}

// storeroomCodes are the refusals of AddMaterial that are about the
// storeroom field.
var storeroomCodes = []string{"storeroom_required", "storeroom_other_site", "storeroom_not_found", "storeroom_on_direct_line"}

// addPlannedMaterial adds a stock line (reserved in a storeroom) or a
// direct line (bought for the work order) from the planning page, as POST
// /api/v1/work-orders/{id}/materials does with direct false or true.
func (h *Handler) addPlannedMaterial(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	direct := v.Get("kind") == "direct"
	var added *workorder.Material
	field := ""
	err := func() error {
		qty, err := formQty(r, "quantity", "quantity", true)
		if err != nil {
			field = "quantity"
			return err
		}
		return h.db.InTx(r.Context(), func(tx *store.Tx) error {
			it, err := itemByPart(r.Context(), tx, v.Get("part"))
			if err != nil {
				field = "part"
				return err
			}
			in := workorder.NewMaterial{ItemID: it.ID, Quantity: qty, Direct: &direct}
			if direct {
				arm := v.Get("auto_request_material") == "on"
				in.AutoRequestMaterial = &arm
			} else {
				in.StoreroomID = v.Get("storeroom")
			}
			added, err = workorder.AddMaterial(r.Context(), tx, r.PathValue("id"), in)
			var e *millwright.Error
			if errors.As(err, &e) {
				switch {
				case slices.Contains(storeroomCodes, e.Code) && !direct:
					field = "storeroom"
				case e.Code == "not_a_stock_item" || e.Code == "item_not_found":
					field = "part"
				}
			}
			return err
		})
	}()
	if err != nil {
		return h.refusedOn(w, r, s, err, func(p *planPage, e *millwright.Error) {
			f := refused(v, []string{"part", "quantity", "storeroom"}, e)
			if field != "" && len(f.Errors) == 0 {
				f = form{Values: v, Errors: map[string]string{field: e.Message}}
			}
			if direct {
				p.DirectForm = f
			} else {
				p.Stock = f
			}
		})
	}
	kind := "stock"
	if direct {
		kind = "direct"
	}
	redirect(w, r, planURL(r), "notice", kind+" material added: "+added.Quantity.String()+" × "+added.PartNumber)
	return nil
}

// planTransition plans or releases a work order from its planning page
// and comes back to it.
func (h *Handler) planTransition(w http.ResponseWriter, r *http.Request, s *session) error {
	verb := r.PathValue("verb")
	if verb != "plan" && verb != "release" {
		return millwright.Errorf(millwright.NotFound, "not_found", "%q is not an action of the planning page", verb)
	}
	return h.change(w, r, planURL(r), planURL(r), "work order: "+label(verb), func(ctx context.Context, tx *store.Tx) error {
		_, err := workorder.Transition(ctx, tx, r.PathValue("id"), verb)
		return err
	})
}
