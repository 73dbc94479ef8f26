package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The master data a new plant is set up with, from the screen: assets
// with their maintenance BOMs, asset classes and locations (plan_assets),
// items, storerooms and stock settings (manage_items). Each form calls
// the use-case its API route calls, in one transaction, and a refusal
// shows the form again with what was typed and the reason beside its
// field.

func init() {
	// invalid marks a field a refusal is about: aria-invalid, and
	// aria-describedby naming its message, whose id is id + "-error".
	funcs["invalid"] = invalidAttr
	// fielderror is the refusal beside a field, or nothing.
	funcs["fielderror"] = fieldErrorHTML
}

func invalidAttr(f form, field, id string) template.HTMLAttr {
	if _, ok := f.Errors[field]; !ok {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(id) + `-error"`)
}

func fieldErrorHTML(f form, field, id string) template.HTML {
	msg, ok := f.Errors[field]
	if !ok {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + template.HTMLEscapeString(id) + `-error">` +
		template.HTMLEscapeString(msg) + `</p>`)
}

// save is submit for the master-data forms, whose fields are placed by
// their names and codes.
func (h *Handler) save(w http.ResponseWriter, r *http.Request, fields []string, codes map[string]string,
	fn func(ctx context.Context, tx *store.Tx) (to, notice string, err error),
	show func(status int, f form) error) error {
	return h.submit(w, r, placing{fields: fields, codes: codes}, show, fn)
}

// sitesOf lists the sites a user may pick: their own, or every site.
func sitesOf(ctx context.Context, tx *store.Tx, u *store.User) ([]asset.Site, error) {
	p, err := tx.Sites(ctx, u.SiteID, "", 200)
	return p.Items, err
}

// oneSite fills an empty site_id with the only site a user may pick.
func oneSite(v url.Values, sites []asset.Site) {
	if v.Get("site_id") == "" && len(sites) == 1 {
		v.Set("site_id", sites[0].ID)
	}
}

// itemByNumber finds an item by its part number as typed, then in capitals.
func itemByNumber(ctx context.Context, tx *store.Tx, pn string) (*inventory.Item, error) {
	pn = strings.TrimSpace(pn)
	if it, err := tx.ItemByPartNumber(ctx, pn); err == nil || millwright.ErrorKind(err) != millwright.NotFound {
		return it, err
	}
	return itemByPart(ctx, tx, pn)
}

// ---- assets ----

var assetFields = []string{"tag", "name", "site_id", "asset_class_id", "parent", "location_id", "criticality", "cost_center", "auto_request_material"}

var assetCodes = map[string]string{
	"duplicate_key": "tag", "invalid_code": "tag", "unknown_site": "site_id",
	"unknown_asset_class": "asset_class_id", "unknown_location": "location_id", "location_other_site": "location_id",
	"asset_cycle": "parent", "parent_other_site": "parent", "invalid_criticality": "criticality",
}

// assetChoices is what the asset form offers to pick from, within the
// user's sites.
type assetChoices struct {
	Sites     []asset.Site
	Classes   []asset.Class
	Locations []asset.Location
	Assets    []asset.Asset
	SiteCode  map[string]string // for a user of several sites, to tell their locations apart
}

func (h *Handler) assetChoices(r *http.Request, u *store.User) (c assetChoices, err error) {
	err = h.view(r, func(ctx context.Context, tx *store.Tx) error {
		if c.Sites, err = sitesOf(ctx, tx, u); err != nil {
			return err
		}
		cl, err := tx.Classes(ctx, "", 500)
		if err != nil {
			return err
		}
		lo, err := tx.Locations(ctx, asset.LocationFilter{SiteID: u.SiteID, Limit: 500})
		if err != nil {
			return err
		}
		as, err := tx.Assets(ctx, asset.Filter{SiteID: u.SiteID, Limit: 500})
		c.Classes, c.Locations, c.Assets = cl.Items, lo.Items, as.Items
		if len(c.Sites) > 1 {
			c.SiteCode = siteCodes(c.Sites)
		}
		return err
	})
	return c, err
}

func (h *Handler) showAssetForm(w http.ResponseWriter, r *http.Request, s *session, status int, f form, a *asset.Detail) error {
	c, err := h.assetChoices(r, s.User)
	if err != nil {
		return err
	}
	title := "New asset"
	if a != nil {
		title = "Edit " + a.Tag
	} else {
		oneSite(f.Values, c.Sites)
	}
	h.render(w, r, s, status, "assetform.html", title, map[string]any{"Form": f, "Asset": a, "Choices": c,
		"Criticalities": []int{1, 2, 3, 4, 5}})
	return nil
}

// newAsset shows the form that creates an asset, under the asset of
// ?parent_id= when given.
func (h *Handler) newAsset(w http.ResponseWriter, r *http.Request, s *session) error {
	v := url.Values{"criticality": {strconv.Itoa(asset.DefaultCritical)}}
	if id := r.URL.Query().Get("parent_id"); id != "" {
		err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
			p, err := asset.Get(ctx, tx, id)
			if err == nil {
				v.Set("parent", p.Tag)
				v.Set("site_id", p.SiteID)
				v.Set("location_id", p.LocationID)
				v.Set("cost_center", p.CostCenter)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return h.showAssetForm(w, r, s, http.StatusOK, form{Values: v}, nil)
}

// parentByTag finds the parent an asset form names by tag, in the asset's site.
func parentByTag(ctx context.Context, tx *store.Tx, siteID, tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" || siteID == "" {
		return "", nil
	}
	id, err := assetByTag(ctx, tx, siteID, tag, "")
	if err != nil {
		return "", atField("parent", millwright.Errorf(millwright.Invalid, "unknown_parent",
			"no asset of this site has the tag %q; leave the parent empty for an asset at the top", tag))
	}
	return id, nil
}

// assetForm reads the fields an asset form shares with the API's body.
func assetForm(v url.Values) (criticality int, arm *bool, err error) {
	if c := strings.TrimSpace(v.Get("criticality")); c != "" {
		if criticality, err = strconv.Atoi(c); err != nil {
			return 0, nil, atField("criticality", millwright.Errorf(millwright.Invalid, "invalid_criticality",
				"criticality: choose 1 (most critical) to 5 (least)"))
		}
	}
	switch v.Get("auto_request_material") {
	case "yes":
		arm = new(bool)
		*arm = true
	case "no":
		arm = new(bool)
	}
	return criticality, arm, nil
}

// createAsset creates an asset, as POST /api/v1/assets does, and opens it.
func (h *Handler) createAsset(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	return h.save(w, r, assetFields, assetCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		a := asset.Asset{Tag: v.Get("tag"), Name: v.Get("name"), SiteID: strings.TrimSpace(v.Get("site_id")),
			ClassID: v.Get("asset_class_id"), LocationID: v.Get("location_id"), CostCenter: v.Get("cost_center")}
		var err error
		if a.Criticality, a.AutoRequestMaterial, err = assetForm(v); err != nil {
			return "", "", err
		}
		if a.SiteID != "" {
			if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
				return "", "", err
			}
		}
		if a.ParentID, err = parentByTag(ctx, tx, a.SiteID, v.Get("parent")); err != nil {
			return "", "", err
		}
		d, err := asset.Create(ctx, tx, &a)
		if err != nil {
			return "", "", err
		}
		return "/ui/assets/" + d.ID, d.Tag + " created: " + d.Name, nil
	}, func(status int, f form) error { return h.showAssetForm(w, r, s, status, f, nil) })
}

// editAsset shows the form that changes an asset.
func (h *Handler) editAsset(w http.ResponseWriter, r *http.Request, s *session) error {
	var a *asset.Detail
	v := url.Values{}
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if a, err = asset.Get(ctx, tx, r.PathValue("id")); err != nil {
			return err
		}
		if a.ParentID != "" {
			p, err := tx.Asset(ctx, a.ParentID)
			if err != nil {
				return err
			}
			v.Set("parent", p.Tag)
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.Set("tag", a.Tag)
	v.Set("name", a.Name)
	v.Set("site_id", a.SiteID)
	v.Set("asset_class_id", a.ClassID)
	v.Set("location_id", a.LocationID)
	v.Set("criticality", strconv.Itoa(a.Criticality))
	v.Set("cost_center", a.CostCenter)
	if a.AutoRequestMaterial != nil {
		v.Set("auto_request_material", map[bool]string{true: "yes", false: "no"}[*a.AutoRequestMaterial])
	}
	return h.showAssetForm(w, r, s, http.StatusOK, form{Values: v}, a)
}

// updateAsset changes an asset, as PATCH /api/v1/assets/{id} does with
// every field of the form.
func (h *Handler) updateAsset(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	var a *asset.Detail
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		a, err = asset.Get(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return h.save(w, r, assetFields, assetCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		crit, arm, err := assetForm(v)
		if err != nil {
			return "", "", err
		}
		parent, err := parentByTag(ctx, tx, a.SiteID, v.Get("parent"))
		if err != nil {
			return "", "", err
		}
		field := func(name string) *string { s := v.Get(name); return &s }
		p := asset.Patch{Tag: field("tag"), Name: field("name"), ClassID: field("asset_class_id"), ParentID: &parent,
			LocationID: field("location_id"), CostCenter: field("cost_center"), Criticality: &crit,
			AutoRequestMaterial: asset.NullBool{Set: true, Value: arm}}
		if crit == 0 {
			p.Criticality = nil
		}
		d, err := asset.Update(ctx, tx, a.ID, p)
		if err != nil {
			return "", "", err
		}
		return "/ui/assets/" + d.ID, d.Tag + " saved", nil
	}, func(status int, f form) error { return h.showAssetForm(w, r, s, status, f, a) })
}

// ---- an asset's maintenance BOM ----

// bomRow is a line of the BOM form as typed.
type bomRow struct {
	I                       int
	Part, Quantity          string
	AutoRequest, Remove     bool
	PartError, QtyError     string
	Description, Unit, Type string
}

// bomBlank is how many empty lines the BOM form offers for adding.
const bomBlank = 2

// assetBOM shows an asset's maintenance BOM as a form: each line's part,
// quantity and Auto Request Material, a box to remove it, and empty
// lines to add.
func (h *Handler) assetBOM(w http.ResponseWriter, r *http.Request, s *session) error {
	var (
		a    *asset.Detail
		rows []bomRow
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if a, err = asset.Get(ctx, tx, r.PathValue("id")); err != nil {
			return err
		}
		lines, err := asset.BOM(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		for i, l := range lines {
			it, err := tx.Item(ctx, l.ItemID)
			if err != nil {
				return err
			}
			rows = append(rows, bomRow{I: i, Part: it.PartNumber, Quantity: l.Quantity.String(), AutoRequest: l.AutoRequestMaterial,
				Description: it.Description, Unit: it.Unit, Type: it.StockType})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.showBOM(w, r, s, http.StatusOK, a, rows, "")
}

func (h *Handler) showBOM(w http.ResponseWriter, r *http.Request, s *session, status int, a *asset.Detail, rows []bomRow, msg string) error {
	for range bomBlank {
		rows = append(rows, bomRow{I: len(rows)})
	}
	var items []inventory.Item
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.Items(ctx, inventory.ItemFilter{Limit: 500})
		items = p.Items
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "assetbom.html", "BOM of "+a.Tag, map[string]any{"Asset": a, "Rows": rows, "Error": msg, "Items": items})
	return nil
}

var bomLineRE = regexp.MustCompile(`(?:BOM line |lines\[)(\d+)`)

// saveBOM replaces the asset's maintenance BOM with the lines of the
// form, as PUT /api/v1/assets/{id}/bom does: lines marked to remove and
// empty lines are left out. A refusal shows every line as typed with the
// reason beside the line it is about.
func (h *Handler) saveBOM(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	var a *asset.Detail
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		a, err = asset.Get(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(v.Get("rows"))
	n = min(max(n, 0), 500)
	var rows []bomRow
	for i := range n {
		k := strconv.Itoa(i)
		rows = append(rows, bomRow{I: i, Part: strings.TrimSpace(v.Get("part_" + k)), Quantity: strings.TrimSpace(v.Get("quantity_" + k)),
			AutoRequest: v.Get("arm_"+k) == "on", Remove: v.Get("remove_"+k) == "on"})
	}
	var (
		rowOf []int // line index → row index
		items []*inventory.Item
	)
	refuse := func(row int, part bool, err error) error {
		if part {
			rows[row].PartError = errText(err)
		} else {
			rows[row].QtyError = errText(err)
		}
		return err
	}
	err = h.db.InTx(r.Context(), func(tx *store.Tx) error {
		ctx := r.Context()
		lines := []asset.BOMLine{}
		for i, row := range rows {
			if row.Remove || (row.Part == "" && row.Quantity == "") {
				continue
			}
			it, err := itemByNumber(ctx, tx, row.Part)
			if err != nil {
				return refuse(i, true, err)
			}
			q, err := formQty(r, "quantity_"+strconv.Itoa(i), "Quantity", true)
			if err != nil {
				return refuse(i, false, err)
			}
			rowOf, items = append(rowOf, i), append(items, it)
			lines = append(lines, asset.BOMLine{ItemID: it.ID, Quantity: q, AutoRequestMaterial: row.AutoRequest})
		}
		_, err := asset.SetBOM(ctx, tx, a.ID, lines)
		if err == nil {
			return nil
		}
		// Place the domain's refusal beside its line.
		if m := bomLineRE.FindStringSubmatch(errText(err)); m != nil {
			k, _ := strconv.Atoi(m[1])
			if strings.HasPrefix(m[0], "BOM line ") {
				k-- // counted from 1
			}
			if k >= 0 && k < len(rowOf) {
				return refuse(rowOf[k], false, err)
			}
		}
		if millwright.ErrorKind(err) == millwright.Invalid {
			for k := len(items) - 1; k >= 0; k-- { // a part twice: the later line
				if strings.Contains(errText(err), items[k].ID) {
					return refuse(rowOf[k], true, millwright.Errorf(millwright.Invalid, "duplicate_line",
						"part %s is on the BOM twice; list it once with its total quantity", items[k].PartNumber))
				}
			}
		}
		return err
	})
	var e *millwright.Error
	switch {
	case err == nil:
		redirect(w, r, "/ui/assets/"+a.ID+"/bom", "notice", "BOM of "+a.Tag+" saved")
		return nil
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		status := statusOf[e.Kind]
		if e.Kind == millwright.NotFound {
			status = http.StatusUnprocessableEntity
		}
		msg := ""
		placed := false
		for _, row := range rows {
			placed = placed || row.PartError != "" || row.QtyError != ""
		}
		if !placed {
			msg = errText(err)
		}
		return h.showBOM(w, r, s, status, a, rows, msg)
	default:
		return err
	}
}

// ---- asset classes and locations ----

var classFields = []string{"code", "name"}

var codeCodes = map[string]string{"duplicate_key": "code", "invalid_code": "code", "unknown_site": "site_id",
	"location_cycle": "parent_id", "parent_other_site": "parent_id"}

// assetClasses lists the asset classes, with a form to add one for
// those who may.
func (h *Handler) assetClasses(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showClasses(w, r, s, http.StatusOK, form{Values: url.Values{}})
}

func (h *Handler) showClasses(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var cs []asset.Class
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		p, err := tx.Classes(ctx, "", 500)
		cs = p.Items
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "assetclasses.html", "Asset classes", map[string]any{"Form": f, "Classes": cs,
		"CanEdit": auth.Allowed(s.User.Role, auth.PlanAssets)})
	return nil
}

// createClass creates an asset class, as POST /api/v1/asset-classes does.
func (h *Handler) createClass(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	return h.save(w, r, classFields, codeCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		c := asset.Class{Code: v.Get("code"), Name: v.Get("name"), AutoRequestMaterial: v.Get("auto_request_material") == "on"}
		if err := asset.CreateClass(ctx, tx, &c); err != nil {
			return "", "", err
		}
		return "/ui/asset-classes", "asset class " + c.Code + " created", nil
	}, func(status int, f form) error { return h.showClasses(w, r, s, status, f) })
}

var locationFields = []string{"code", "name", "site_id", "parent_id"}

// locations lists the functional locations of the user's sites, with a
// form to add one for those who may.
func (h *Handler) locations(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showLocations(w, r, s, http.StatusOK, form{Values: url.Values{}})
}

func (h *Handler) showLocations(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		sites []asset.Site
		ls    []asset.Location
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		p, err := tx.Locations(ctx, asset.LocationFilter{SiteID: s.User.SiteID, Limit: 500})
		ls = p.Items
		return err
	})
	if err != nil {
		return err
	}
	oneSite(f.Values, sites)
	h.render(w, r, s, status, "locations.html", "Locations", map[string]any{"Form": f, "Sites": sites, "Locations": ls,
		"SiteCode": siteCodes(sites), "CanEdit": auth.Allowed(s.User.Role, auth.PlanAssets)})
	return nil
}

func siteCodes(sites []asset.Site) map[string]string {
	m := map[string]string{}
	for _, st := range sites {
		m[st.ID] = st.Code
	}
	return m
}

// createLocation creates a functional location, as POST /api/v1/locations does.
func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	return h.save(w, r, locationFields, codeCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		l := asset.Location{Code: v.Get("code"), Name: v.Get("name"), SiteID: v.Get("site_id"), ParentID: v.Get("parent_id")}
		if err := asset.CreateLocation(ctx, tx, &l); err != nil {
			return "", "", err
		}
		return "/ui/locations", "location " + l.Code + " created", nil
	}, func(status int, f form) error { return h.showLocations(w, r, s, status, f) })
}

// ---- items ----

var itemFields = []string{"part_number", "description", "unit", "stock_type", "unit_cost", "vendor", "item_group", "expense_account", "conversions"}

var itemCodes = map[string]string{"duplicate_key": "part_number", "invalid_stock_type": "stock_type",
	"invalid_unit_cost": "unit_cost", "invalid_conversion": "conversions", "item_has_stock": "unit"}

// items lists the material master, searched by part number or description.
func (h *Handler) items(w http.ResponseWriter, r *http.Request, s *session) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var p millwright.Page[inventory.Item]
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		p, err = tx.Items(ctx, inventory.ItemFilter{Query: q, Limit: 200})
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, http.StatusOK, "items.html", "Items", map[string]any{"Items": p.Items, "More": p.NextCursor != "",
		"Query": q, "CanEdit": auth.Allowed(s.User.Role, auth.ManageItems)})
	return nil
}

// itemPage is the data of the item form, and for an existing item its
// stock settings in the user's storerooms.
type itemPage struct {
	Form       form
	Item       *inventory.Item
	Units      []string
	StockTypes []string
	Stock      []itemStock
	Storerooms []inventory.Storeroom
	SetForm    form
}

type itemStock struct {
	Storeroom inventory.Storeroom
	Stock     *inventory.Stock
}

func (h *Handler) showItem(w http.ResponseWriter, r *http.Request, s *session, status int, d itemPage) error {
	d.Units, d.StockTypes = millwright.Units(), []string{inventory.StockItem, inventory.DirectItem}
	title := "New item"
	if d.Item != nil {
		title = "Item " + d.Item.PartNumber
		err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
			p, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: s.User.SiteID, Limit: 200})
			if err != nil {
				return err
			}
			d.Storerooms = p.Items
			for _, sr := range p.Items {
				st, err := tx.Stock(ctx, inventory.StockFilter{StoreroomID: sr.ID, ItemID: d.Item.ID, Limit: 1})
				if err != nil {
					return err
				}
				row := itemStock{Storeroom: sr}
				if len(st.Items) == 1 {
					row.Stock = &st.Items[0]
				}
				d.Stock = append(d.Stock, row)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if d.SetForm.Values == nil {
			d.SetForm.Values = url.Values{}
		}
		if d.SetForm.Get("storeroom_id") == "" && len(d.Stock) > 0 {
			first := d.Stock[0]
			d.SetForm.Values.Set("storeroom_id", first.Storeroom.ID)
			if first.Stock != nil {
				d.SetForm.Values.Set("reorder_point", first.Stock.ReorderPoint.String())
				d.SetForm.Values.Set("reorder_quantity", first.Stock.ReorderQuantity.String())
				d.SetForm.Values.Set("max_quantity", first.Stock.MaxQuantity.String())
			}
		}
	}
	h.render(w, r, s, status, "itemform.html", title, d)
	return nil
}

// newItem shows the form that creates an item.
func (h *Handler) newItem(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showItem(w, r, s, http.StatusOK, itemPage{Form: form{Values: url.Values{"unit": {"EA"}, "stock_type": {inventory.StockItem}}}})
}

// itemForm reads an item form into the API's item fields.
func itemForm(r *http.Request) (inventory.Item, error) {
	v := r.PostForm
	it := inventory.Item{PartNumber: v.Get("part_number"), Description: v.Get("description"), Unit: strings.ToUpper(strings.TrimSpace(v.Get("unit"))),
		StockType: v.Get("stock_type"), Vendor: v.Get("vendor"), ItemGroup: v.Get("item_group"), ExpenseAccount: v.Get("expense_account")}
	if strings.TrimSpace(v.Get("unit_cost")) != "" {
		c, err := formMoney(r, "unit_cost", "unit_cost")
		if err != nil {
			return it, atField("unit_cost", err)
		}
		it.UnitCost = c
	}
	cs, err := conversions(v.Get("conversions"))
	it.Conversions = cs
	return it, err
}

// conversions reads "BOX=10, CS=24": each unit with how many base units it holds.
func conversions(s string) ([]inventory.Conversion, error) {
	out := []inventory.Conversion{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		unit, factor, ok := strings.Cut(part, "=")
		factor = strings.ReplaceAll(strings.TrimSpace(factor), ",", ".")
		if !ok || strings.TrimSpace(unit) == "" || millwright.CheckQuantityText("factor", factor) != nil {
			return nil, atField("conversions", millwright.Errorf(millwright.Invalid, "invalid_conversion",
				"conversions: write each unit as UNIT=FACTOR (base units in one), such as BOX=10, not %q", part))
		}
		d, err := decimal.NewFromString(factor)
		if err != nil {
			return nil, atField("conversions", millwright.Errorf(millwright.Invalid, "invalid_conversion",
				"conversions: %q is not a number such as 10", factor))
		}
		out = append(out, inventory.Conversion{Unit: strings.ToUpper(strings.TrimSpace(unit)), Factor: millwright.Qty{Decimal: d}})
	}
	return out, nil
}

// conversionText writes an item's conversions as the form takes them.
func conversionText(cs []inventory.Conversion) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Unit+"="+c.Factor.String())
	}
	return strings.Join(parts, ", ")
}

// createItem creates an item, as POST /api/v1/items does, and opens it
// for its stock settings.
func (h *Handler) createItem(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.save(w, r, itemFields, itemCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		it, err := itemForm(r)
		if err != nil {
			return "", "", err
		}
		if err := inventory.CreateItem(ctx, tx, &it); err != nil {
			return "", "", err
		}
		return "/ui/items/" + it.ID + "/edit", "item " + it.PartNumber + " created", nil
	}, func(status int, f form) error { return h.showItem(w, r, s, status, itemPage{Form: f}) })
}

func (h *Handler) item(r *http.Request) (*inventory.Item, error) {
	var it *inventory.Item
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		it, err = tx.Item(ctx, r.PathValue("id"))
		return err
	})
	return it, err
}

// editItem shows an item's form and its stock settings.
func (h *Handler) editItem(w http.ResponseWriter, r *http.Request, s *session) error {
	it, err := h.item(r)
	if err != nil {
		return err
	}
	v := url.Values{"part_number": {it.PartNumber}, "description": {it.Description}, "unit": {it.Unit}, "stock_type": {it.StockType},
		"unit_cost": {it.UnitCost.String()}, "vendor": {it.Vendor}, "item_group": {it.ItemGroup}, "expense_account": {it.ExpenseAccount},
		"conversions": {conversionText(it.Conversions)}}
	set := url.Values{}
	if id := r.URL.Query().Get("storeroom_id"); id != "" {
		set.Set("storeroom_id", id)
	}
	d := itemPage{Form: form{Values: v}, Item: it, SetForm: form{Values: set}}
	if id := set.Get("storeroom_id"); id != "" {
		err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
			st, err := tx.Stock(ctx, inventory.StockFilter{SiteID: s.User.SiteID, StoreroomID: id, ItemID: it.ID, Limit: 1})
			if err == nil && len(st.Items) == 1 {
				set.Set("reorder_point", st.Items[0].ReorderPoint.String())
				set.Set("reorder_quantity", st.Items[0].ReorderQuantity.String())
				set.Set("max_quantity", st.Items[0].MaxQuantity.String())
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return h.showItem(w, r, s, http.StatusOK, d)
}

// updateItem changes an item, as PATCH /api/v1/items/{id} does (the
// ERP's item master follows through outbox.UpdateItem).
func (h *Handler) updateItem(w http.ResponseWriter, r *http.Request, s *session) error {
	cur, err := h.item(r)
	if err != nil {
		return err
	}
	return h.save(w, r, itemFields, itemCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		it, err := itemForm(r)
		if err != nil {
			return "", "", err
		}
		p := inventory.ItemPatch{PartNumber: &it.PartNumber, Description: &it.Description, Unit: &it.Unit, StockType: &it.StockType,
			UnitCost: &it.UnitCost, Vendor: &it.Vendor, ItemGroup: &it.ItemGroup, ExpenseAccount: &it.ExpenseAccount, Conversions: &it.Conversions}
		saved, err := outbox.UpdateItem(ctx, tx, cur.ID, p)
		if err != nil {
			return "", "", err
		}
		return "/ui/items/" + saved.ID + "/edit", "item " + saved.PartNumber + " saved", nil
	}, func(status int, f form) error { return h.showItem(w, r, s, status, itemPage{Form: f, Item: cur}) })
}

var settingsFields = []string{"storeroom_id", "reorder_point", "reorder_quantity", "max_quantity"}

// setStock sets the reorder settings of the item in a storeroom, as PUT
// /api/v1/storerooms/{id}/stock/{item_id} does.
func (h *Handler) setStock(w http.ResponseWriter, r *http.Request, s *session) error {
	cur, err := h.item(r)
	if err != nil {
		return err
	}
	v := r.PostForm
	back := url.Values{"part_number": {cur.PartNumber}, "description": {cur.Description}, "unit": {cur.Unit}, "stock_type": {cur.StockType},
		"unit_cost": {cur.UnitCost.String()}, "vendor": {cur.Vendor}, "item_group": {cur.ItemGroup}, "expense_account": {cur.ExpenseAccount},
		"conversions": {conversionText(cur.Conversions)}}
	return h.save(w, r, settingsFields, nil, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		var set inventory.Settings
		for _, f := range []struct {
			name string
			q    *millwright.Qty
		}{{"reorder_point", &set.ReorderPoint}, {"reorder_quantity", &set.ReorderQuantity}, {"max_quantity", &set.MaxQuantity}} {
			q, err := formQty(r, f.name, f.name, false)
			if err != nil {
				return "", "", atField(f.name, err)
			}
			*f.q = q
		}
		sr := strings.TrimSpace(v.Get("storeroom_id"))
		if sr == "" {
			return "", "", atField("storeroom_id", millwright.Errorf(millwright.Invalid, "missing_field", "storeroom_id: pick the storeroom"))
		}
		st, err := inventory.SetSettings(ctx, tx, sr, cur.ID, set)
		if err != nil {
			return "", "", err
		}
		room, err := tx.Storeroom(ctx, sr)
		if err != nil {
			return "", "", err
		}
		return "/ui/items/" + cur.ID + "/edit?storeroom_id=" + url.QueryEscape(sr), "stock settings of " + cur.PartNumber + " in " + room.Code +
			" saved: reorder at " + st.ReorderPoint.String(), nil
	}, func(status int, f form) error {
		return h.showItem(w, r, s, status, itemPage{Form: form{Values: back}, Item: cur, SetForm: f})
	})
}

// ---- storerooms ----

var storeroomFields = []string{"code", "name", "site_id"}

// storerooms lists the storerooms of the user's sites, with a form to
// add one for those who may.
func (h *Handler) storerooms(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showStorerooms(w, r, s, http.StatusOK, form{Values: url.Values{}})
}

func (h *Handler) showStorerooms(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		sites []asset.Site
		srs   []inventory.Storeroom
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		p, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: s.User.SiteID, Limit: 200})
		srs = p.Items
		return err
	})
	if err != nil {
		return err
	}
	oneSite(f.Values, sites)
	h.render(w, r, s, status, "storerooms.html", "Storerooms", map[string]any{"Form": f, "Sites": sites, "Storerooms": srs,
		"SiteCode": siteCodes(sites), "CanEdit": auth.Allowed(s.User.Role, auth.ManageItems)})
	return nil
}

// createStoreroom creates a storeroom, as POST /api/v1/storerooms does.
func (h *Handler) createStoreroom(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	return h.save(w, r, storeroomFields, codeCodes, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		sr := inventory.Storeroom{Code: v.Get("code"), Name: v.Get("name"), SiteID: v.Get("site_id")}
		if err := inventory.CreateStoreroom(ctx, tx, &sr); err != nil {
			return "", "", err
		}
		return "/ui/storerooms", "storeroom " + sr.Code + " created", nil
	}, func(status int, f form) error { return h.showStorerooms(w, r, s, status, f) })
}
