package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The technician's phone work order (/ui/my-work/{id}): the job, its
// steps and the next action first, and every other action as a focused
// sheet (a <details> that opens in place; no JavaScript needed). After an
// action the page comes back at the sheet's anchor with what was done; a
// refusal shows the page again with the sheet open, what was typed kept
// and the reason beside its field.

// phonePage is everything the phone page shows.
type phonePage struct {
	WO          *workorder.WorkOrder
	Asset       *asset.Asset
	Description string   // the description without its job steps
	Steps       []string // the job steps, as a checklist
	Next        string   // the next action: start, resume, complete or ""
	StartedAt   *time.Time
	Since       time.Time // when the time not yet logged began
	Suggest     string    // hours since then, to log
	Craft       *workorder.Craft
	CraftErr    string // why labor cannot take a rate, when it cannot
	Labor       []workorder.Labor
	Materials   []materialRow
	Waiting     []materialRow
	Meters      []meterRow
	Parts       []partOption
	Storerooms  []inventory.Storeroom
	Photos      []workorder.Attachment
	Notes       []workorder.Attachment
	Codes       workorder.FailureCatalog
	Can         map[string]bool
	Open        string          // the sheet shown open (after a refusal)
	Forms       map[string]form // sheet → what was typed and why it was refused
	MaxPhotoMB  int
}

// partOption is a part the site's storerooms hold, for the search list.
type partOption struct {
	PartNumber, Description string
}

// phoneSheets are the sheets of the page and the fields of each, the
// first being the one a refusal about none of them is shown beside.
var phoneSheets = map[string][]string{
	"labor":    {"hours"},
	"issue":    {"part", "quantity", "storeroom"},
	"buy":      {"description", "quantity", "unit", "unit_cost", "vendor"},
	"reading":  {"value", "meter"},
	"note":     {"note"},
	"photo":    {"photo"},
	"complete": {"problem", "cause", "remedy", "downtime", "notes", "override_materials"},
}

// codeField places refusals whose message names no field beside the
// field that fixes them.
var codeField = map[string]string{"materials_not_received": "override_materials"}

func phoneURL(r *http.Request) string { return "/ui/my-work/" + r.PathValue("id") }

// phoneWorkOrder shows a work order as the technician's phone page.
func (h *Handler) phoneWorkOrder(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showPhone(w, r, s, http.StatusOK, "", form{})
}

func (h *Handler) showPhone(w http.ResponseWriter, r *http.Request, s *session, status int, open string, f form) error {
	p := phonePage{Open: open, Forms: map[string]form{}, Codes: workorder.FailureCodes, MaxPhotoMB: workorder.MaxPhotoBytes >> 20}
	if open != "" {
		p.Forms[open] = f
	}
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		wo, err := workorder.Get(ctx, tx, r.PathValue("id"))
		if err != nil {
			return err
		}
		p.WO = wo
		if p.Asset, err = tx.Asset(ctx, wo.AssetID); err != nil {
			return err
		}
		p.Description, p.Steps = jobSteps(wo.Description)
		trs, err := tx.Transitions(ctx, wo.ID)
		if err != nil {
			return err
		}
		for _, t := range trs {
			if t.To == workorder.InProgress {
				at := t.At
				p.StartedAt = &at
			}
		}
		if p.Labor, err = workorder.LaborEntries(ctx, tx, wo.ID); err != nil {
			return err
		}
		if p.StartedAt != nil {
			p.Since = *p.StartedAt
			for _, l := range p.Labor {
				if l.Technician == s.User.Username && l.At.After(p.Since) {
					p.Since = l.At
				}
			}
			p.Suggest = suggestHours(tx.Now().Sub(p.Since))
		}
		if s.User.Craft == "" {
			p.CraftErr = "You have no craft, so time you log has no rate. Ask an administrator to give your user a craft."
		} else if c, err := tx.CraftAt(ctx, s.User.Craft, wo.SiteID); err == nil {
			p.Craft = c
		} else if millwright.ErrorKind(err) == millwright.NotFound {
			p.CraftErr = "Your craft " + s.User.Craft + " has no rate at this site. Ask a planner to add it."
		} else {
			return err
		}
		mats, err := workorder.Materials(ctx, tx, wo.ID)
		if err != nil {
			return err
		}
		for _, m := range mats {
			row := materialRow{Material: m}
			if it, err := tx.Item(ctx, m.ItemID); err == nil {
				row.Description = it.Description
			}
			if m.Direct && m.Quantity.IsPositive() && m.ProcurementStatus != workorder.ProcurementReceived && m.ProcurementStatus != workorder.ProcurementInvoiced {
				p.Waiting = append(p.Waiting, row)
			}
			p.Materials = append(p.Materials, row)
		}
		if p.Meters, err = assetMeters(ctx, tx, wo.AssetID); err != nil {
			return err
		}
		srs, err := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: wo.SiteID, Limit: 100})
		if err != nil {
			return err
		}
		p.Storerooms = srs.Items
		if p.Parts, err = siteParts(ctx, tx, wo.SiteID); err != nil {
			return err
		}
		atts, err := workorder.Attachments(ctx, tx, wo.ID)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.Kind == workorder.PhotoAttachment {
				p.Photos = append(p.Photos, a)
			} else {
				p.Notes = append(p.Notes, a)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	role := s.User.Role
	switch p.WO.Status {
	case workorder.Released:
		p.Next = "start"
	case workorder.WaitingForParts:
		p.Next = "resume"
	case workorder.InProgress:
		p.Next = "complete"
	}
	if !auth.Allowed(role, auth.DoWork) {
		p.Next = ""
	}
	attachable := p.WO.Status != workorder.Closed && p.WO.Status != workorder.Cancelled
	p.Can = map[string]bool{
		"labor":   p.WO.Active() && auth.Allowed(role, auth.LogLabor),
		"issue":   p.WO.Active() && auth.Allowed(role, auth.IssueParts),
		"buy":     p.WO.Open() && auth.Allowed(role, auth.AddDirectItem),
		"reading": len(p.Meters) > 0 && auth.Allowed(role, auth.RecordReadings),
		"note":    attachable && auth.Allowed(role, auth.DoWork),
		"photo":   attachable && auth.Allowed(role, auth.DoWork),
		"wait":    p.WO.Status == workorder.InProgress && auth.Allowed(role, auth.DoWork),
	}
	h.render(w, r, s, status, "phone.html", p.WO.Number+" "+p.WO.Title, p)
	return nil
}

// jobSteps splits a description into its text and the numbered job steps
// a PM plan writes under "Job steps:".
func jobSteps(desc string) (string, []string) {
	before, after, ok := strings.Cut(desc, "Job steps:\n")
	if !ok {
		return desc, nil
	}
	var steps []string
	lines := strings.Split(after, "\n")
	i := 0
	for ; i < len(lines); i++ {
		n, text, ok := strings.Cut(strings.TrimSpace(lines[i]), ". ")
		if _, err := strconv.Atoi(n); !ok || err != nil {
			break
		}
		steps = append(steps, text)
	}
	rest := strings.TrimSpace(strings.Join(lines[i:], "\n"))
	return strings.TrimSpace(strings.TrimSpace(before) + "\n\n" + rest), steps
}

// suggestHours is d in hours, rounded up to a quarter, within what one
// labor entry may book.
func suggestHours(d time.Duration) string {
	q := int((d + 15*time.Minute - 1) / (15 * time.Minute))
	q = min(max(q, 1), 24*4)
	return strconv.FormatFloat(float64(q)/4, 'f', -1, 64)
}

// siteParts lists the stock items a site's storerooms hold, for the
// part search.
func siteParts(ctx context.Context, tx *store.Tx, siteID string) ([]partOption, error) {
	st, err := tx.Stock(ctx, inventory.StockFilter{SiteID: siteID, Limit: 200})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []partOption
	for _, row := range st.Items {
		if seen[row.ItemID] || !row.OnHand.IsPositive() {
			continue
		}
		seen[row.ItemID] = true
		it, err := tx.Item(ctx, row.ItemID)
		if err != nil {
			return nil, err
		}
		out = append(out, partOption{PartNumber: it.PartNumber, Description: it.Description})
	}
	slices.SortFunc(out, func(a, b partOption) int { return strings.Compare(a.PartNumber, b.PartNumber) })
	return out, nil
}

// phoneAct runs one action of the phone page in one transaction. Done, it
// goes back to the page at the sheet's anchor with a notice; refused, it
// shows the page again with the sheet open, what was typed and the reason
// beside its field.
func (h *Handler) phoneAct(w http.ResponseWriter, r *http.Request, s *session, sheet string,
	fn func(ctx context.Context, tx *store.Tx) (string, error)) error {
	var notice string
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		notice, err = fn(r.Context(), tx)
		return err
	})
	return h.phoneDone(w, r, s, sheet, notice, err)
}

func (h *Handler) phoneDone(w http.ResponseWriter, r *http.Request, s *session, sheet, notice string, err error) error {
	var e *millwright.Error
	switch {
	case err == nil:
		redirect(w, r, phoneURL(r)+"#"+sheet, "notice", notice)
		return nil
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized && e.Kind != millwright.NotFound:
		fields := phoneSheets[sheet]
		f := refused(r.PostForm, fields, err)
		if field, ok := codeField[e.Code]; ok && f.Error != "" {
			f.Errors[field], f.Error = f.Error, ""
		}
		if f.Error != "" && len(fields) > 0 && (e.Kind == millwright.Invalid || e.Kind == millwright.Rule) {
			f.Errors[fields[0]], f.Error = f.Error, ""
		}
		return h.showPhone(w, r, s, statusOf[e.Kind], sheet, f)
	default:
		return err
	}
}

// phoneStart starts (or resumes) the work: the timer runs from now.
func (h *Handler) phoneStart(w http.ResponseWriter, r *http.Request, s *session) error {
	verb := "start"
	if r.PostForm.Get("verb") == "resume" {
		verb = "resume"
	}
	return h.phoneAct(w, r, s, "job", func(ctx context.Context, tx *store.Tx) (string, error) {
		_, err := workorder.Transition(ctx, tx, r.PathValue("id"), verb)
		return "work " + label(verb) + "; the timer runs", err
	})
}

// phoneWait puts the work on hold for parts.
func (h *Handler) phoneWait(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "job", func(ctx context.Context, tx *store.Tx) (string, error) {
		_, err := workorder.Transition(ctx, tx, r.PathValue("id"), "wait")
		return "waiting for parts", err
	})
}

// phoneLabor logs the signed-in technician's time at their craft's rate:
// no name and no rate are typed.
func (h *Handler) phoneLabor(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "labor", func(ctx context.Context, tx *store.Tx) (string, error) {
		hours, err := formQty(r, "hours", "hours", true)
		if err != nil {
			return "", err
		}
		l, err := workorder.LogLabor(ctx, tx, r.PathValue("id"), workorder.NewLabor{Technician: s.User.Username, Hours: hours})
		if err != nil {
			return "", err
		}
		return "time logged: " + l.Hours.String() + " h at " + l.Rate.String() + " (" + l.Craft + ")", nil
	})
}

// phoneIssue issues a part typed, scanned or picked from the search list,
// from the storeroom chosen or else the one of the site that holds it.
func (h *Handler) phoneIssue(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "issue", func(ctx context.Context, tx *store.Tx) (string, error) {
		qty, err := formQty(r, "quantity", "quantity", true)
		if err != nil {
			return "", err
		}
		pn, _, _ := strings.Cut(r.PostForm.Get("part"), " ") // a search pick is "PN description"
		it, err := itemByPart(ctx, tx, pn)
		if k := millwright.ErrorKind(err); k == millwright.Invalid || k == millwright.Rule {
			return "", millwright.Errorf(k, "unknown_part", "part: %s", errText(err))
		} else if err != nil {
			return "", err
		}
		wo, err := workorder.Get(ctx, tx, r.PathValue("id"))
		if err != nil {
			return "", err
		}
		sr := r.PostForm.Get("storeroom")
		if sr == "" {
			if sr, err = holdingStoreroom(ctx, tx, wo, it.ID, qty); err != nil {
				return "", err
			}
		}
		if _, err := workorder.Issue(ctx, tx, wo.ID, workorder.StockMove{ItemID: it.ID, StoreroomID: sr, Quantity: qty}); err != nil {
			return "", err
		}
		return "issued: " + qty.String() + " × " + it.PartNumber + " " + it.Description, nil
	})
}

// holdingStoreroom is the storeroom a part is issued from when none is
// chosen: the one the work order reserved it in, else the first of the
// site that has the quantity available.
func holdingStoreroom(ctx context.Context, tx *store.Tx, wo *workorder.WorkOrder, itemID string, qty millwright.Qty) (string, error) {
	mats, err := tx.Materials(ctx, wo.ID)
	if err != nil {
		return "", err
	}
	for _, m := range mats {
		if !m.Direct && m.ItemID == itemID && m.StoreroomID != "" && m.Reserved.IsPositive() {
			return m.StoreroomID, nil
		}
	}
	st, err := tx.ItemStockAtSite(ctx, wo.SiteID, itemID)
	if err != nil {
		return "", err
	}
	for _, row := range st {
		if row.Available.GreaterThanOrEqual(qty.Decimal) {
			return row.StoreroomID, nil
		}
	}
	return "", millwright.Errorf(millwright.Rule, "no_stock", "quantity: no storeroom of this site has %s available; ask the storeroom, or add a special buy", qty)
}

// phoneBuy adds a special buy described in words, bought for the job.
func (h *Handler) phoneBuy(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "buy", func(ctx context.Context, tx *store.Tx) (string, error) {
		m, err := specialBuy(ctx, tx, r)
		if err != nil {
			return "", err
		}
		return "special buy added: " + m.Quantity.String() + " " + m.Unit + " " + m.Description, nil
	})
}

// specialBuy adds the special buy of a form (a part described in words,
// bought for the work order) with outbox.AddMaterial, as POST
// /api/v1/work-orders/{id}/materials with a description does; the phone's
// buy sheet and the planning page share it.
func specialBuy(ctx context.Context, tx *store.Tx, r *http.Request) (*workorder.Material, error) {
	desc := strings.TrimSpace(r.PostForm.Get("description"))
	if desc == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "description: say what to buy, such as \"V-belt SPA 1250\"")
	}
	qty, err := formQty(r, "quantity", "quantity", true)
	if err != nil {
		return nil, err
	}
	cost, err := formMoney(r, "unit_cost", "unit_cost")
	if err != nil {
		return nil, err
	}
	return outbox.AddMaterial(ctx, tx, r.PathValue("id"), workorder.NewMaterial{Description: desc, Quantity: qty,
		Unit: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("unit"))), UnitCost: &cost, Vendor: strings.TrimSpace(r.PostForm.Get("vendor"))})
}

// phoneReading records a reading of the asset through the recorder the
// API uses (its hook runs the meter and condition plans).
func (h *Handler) phoneReading(w http.ResponseWriter, r *http.Request, s *session) error {
	value, err := formQty(r, "value", "value", true)
	if err != nil {
		return h.phoneDone(w, r, s, "reading", "", err)
	}
	var wo *workorder.WorkOrder
	if err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		wo, err = workorder.Get(ctx, tx, r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	res, err := h.readings.Record(r.Context(), wo.AssetID, reading.SourceHTTP,
		reading.Input{Meter: r.PostForm.Get("meter"), Value: &value, Replacement: r.PostForm.Get("replacement") == "on"})
	notice := ""
	if err == nil {
		notice = "reading recorded: " + res.Meter + " " + res.Value.String()
		if res.Duplicate {
			notice = "that reading was stored before"
		}
	}
	return h.phoneDone(w, r, s, "reading", notice, err)
}

// phoneNote adds a note to the work order.
func (h *Handler) phoneNote(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "note", func(ctx context.Context, tx *store.Tx) (string, error) {
		_, err := workorder.AddNote(ctx, tx, r.PathValue("id"), r.PostForm.Get("note"))
		return "note added", err
	})
}

// phonePhoto keeps a photo of the work (multipart form, field photo).
func (h *Handler) phonePhoto(w http.ResponseWriter, r *http.Request, s *session) error {
	var in workorder.NewPhoto
	file, hdr, err := r.FormFile("photo")
	switch {
	case errors.Is(err, http.ErrMissingFile):
	case err != nil:
		return h.phoneDone(w, r, s, "photo", "", millwright.Errorf(millwright.Invalid, "bad_photo", "photo: cannot read the picture: %v", err))
	default:
		defer file.Close()
		in.FileName = hdr.Filename
		if in.Data, err = io.ReadAll(io.LimitReader(file, workorder.MaxPhotoBytes+1)); err != nil {
			return err
		}
	}
	return h.phoneAct(w, r, s, "photo", func(ctx context.Context, tx *store.Tx) (string, error) {
		a, err := workorder.AddPhoto(ctx, tx, r.PathValue("id"), in)
		if err != nil {
			return "", err
		}
		return "photo added: " + a.FileName, nil
	})
}

// phoneComplete completes the work with its failure codes and downtime;
// direct materials not received need a reason, which is recorded.
func (h *Handler) phoneComplete(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.phoneAct(w, r, s, "complete", func(ctx context.Context, tx *store.Tx) (string, error) {
		down, err := formQty(r, "downtime", "downtime", false)
		if err != nil {
			return "", err
		}
		in := workorder.Completion{Problem: strings.TrimSpace(r.PostForm.Get("problem")), Cause: strings.TrimSpace(r.PostForm.Get("cause")),
			Remedy: strings.TrimSpace(r.PostForm.Get("remedy")), DowntimeHours: down, Notes: strings.TrimSpace(r.PostForm.Get("notes")),
			OverrideMaterials: strings.TrimSpace(r.PostForm.Get("override_materials"))}
		for _, f := range []struct{ name, v string }{{"problem", in.Problem}, {"cause", in.Cause}, {"remedy", in.Remedy}} {
			if f.v == "" {
				return "", millwright.Errorf(millwright.Invalid, "missing_field", "%s: pick one from the list or say it in your words", f.name)
			}
		}
		wo, err := workorder.Complete(ctx, tx, r.PathValue("id"), in)
		if err != nil {
			return "", err
		}
		return wo.Number + " completed", nil
	})
}

// attachment serves a photo of a work order the user's site may see.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request, s *session) error {
	var a *workorder.Attachment
	if err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		a, err = workorder.AttachmentOf(ctx, tx, r.PathValue("id"), r.PathValue("aid"))
		return err
	}); err != nil {
		return err
	}
	if a.Kind != workorder.PhotoAttachment {
		return millwright.Errorf(millwright.NotFound, "not_found", "attachment %s is a note, not a photo", a.ID)
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "inline; filename="+strconv.Quote(url.PathEscape(a.FileName)))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(a.Data)
	return nil
}

func init() {
	// args makes a map of its key, value pairs: the arguments of a
	// template called with more than one value (the phone page's fields).
	funcs["args"] = func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[toString(kv[i])] = kv[i+1]
		}
		return m
	}
}
