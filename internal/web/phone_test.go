package web_test

import (
	"bytes"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// pngBytes is a small PNG picture.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart form with one file.
func (u *user) upload(path string, fields url.Values, field, name string, data []byte) (int, string, http.Header) {
	u.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.s.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := u.c.Do(req)
	if err != nil {
		u.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// view reads from the store as an administrator.
func (s *site) view(fn func(tx *store.Tx) error) {
	s.t.Helper()
	if err := s.db.View(s.ctx(), fn); err != nil {
		s.t.Fatal(err)
	}
}

// The technician's phone work order, without JavaScript: each action
// comes back to its sheet with a notice; a refusal shows the sheet open
// with what was typed and the reason beside the field, and writes
// nothing; labor takes the rate of the technician's craft.
func TestPhoneWorkOrder(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		w := s.workOrder("Boiler feed pump A overhaul")
		page := "/ui/my-work/" + w.ID
		tom, _ := s.login("tom")
		if _, body, _ := tom.get("/ui/my-work"); !strings.Contains(body, `href="`+page+`"`) {
			t.Fatalf("my work does not open the phone page %s", page)
		}
		code, body, _ := tom.get(page)
		if code != http.StatusOK || !strings.Contains(body, `id="start"`) || !strings.Contains(body, "<title>"+w.Number+" Boiler feed pump A overhaul · Millwright</title>") ||
			!strings.Contains(body, "P-101") {
			t.Fatalf("phone page = %d; want the job with Start first:\n%.1500s", code, body)
		}
		at := func(code int, h http.Header, sheet string) {
			t.Helper()
			if code != http.StatusSeeOther || h.Get("Location") != page+"#"+sheet {
				t.Fatalf("action = %d to %q; want 303 back to %s#%s", code, h.Get("Location"), page, sheet)
			}
		}
		form := func(kv ...string) url.Values {
			v := url.Values{"csrf": {tom.csrf}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		refused := func(code int, body string, status int, id, msg, kept string) {
			t.Helper()
			body = html.UnescapeString(body)
			if code != status || !strings.Contains(body, `id="`+id+`">`+msg) || !strings.Contains(body, kept) ||
				!strings.Contains(body, `aria-describedby="`+id+`"`) {
				t.Fatalf("refused = %d; want %d with %q beside the field (#%s) and %q kept:\n%s", code, status, msg, id, kept, body)
			}
		}

		code, _, h := tom.post(page+"/start", form())
		at(code, h, "job")
		if got := s.workOrder(w.Title); got.Status != workorder.InProgress {
			t.Fatalf("after Start the work order is %s; want in_progress", got.Status)
		}
		if _, body, _ := tom.get(page); !strings.Contains(body, `id="elapsed"`) || !strings.Contains(body, `id="go-complete"`) || !strings.Contains(body, "48.00</strong> per hour") {
			t.Fatalf("started phone page: want the timer, Complete next and the craft's rate:\n%.3000s", body)
		}

		_, body, _ = tom.get(page)
		for _, f := range fieldRE.FindAllString(body, -1) {
			if strings.Contains(f, `type="hidden"`) {
				continue
			}
			if id := idRE.FindStringSubmatch(f); id == nil || !strings.Contains(body, `for="`+id[1]+`"`) {
				t.Errorf("phone page: field %s has no <label>", f)
			}
		}
		for _, sheet := range []string{"labor", "issue", "buy", "reading", "photo", "note", "wait", "complete"} {
			if !strings.Contains(body, `<details class="sheet" id="`+sheet+`">`) {
				t.Errorf("the started phone page has no closed sheet %s", sheet)
			}
		}

		// Log time: hours only, the rate is the craft's.
		code, body, _ = tom.post(page+"/labor", form("hours", "lots"))
		refused(code, body, http.StatusBadRequest, "labor-hours-error", "hours: ", `value="lots"`)
		code, _, h = tom.post(page+"/labor", form("hours", "1.5", "rate", "1.00", "technician", "ada"))
		at(code, h, "labor")
		var labor []workorder.Labor
		s.view(func(tx *store.Tx) (err error) { labor, err = tx.LaborEntries(s.ctx(), w.ID); return err })
		if len(labor) != 1 || labor[0].Technician != "tom" || labor[0].Craft != "mechanic" || labor[0].Rate.String() != "48.00" || labor[0].Amount.String() != "72.00" {
			t.Fatalf("labor = %+v; want one entry of tom, mechanic at 48.00 (the craft's rate, not one typed), 72.00", labor)
		}

		// Issue a part by its code, from where it is reserved.
		code, body, _ = tom.post(page+"/issue", form("part", "NO-SUCH-PART", "quantity", "1"))
		refused(code, body, http.StatusUnprocessableEntity, "issue-part-error", "part: no part has the number NO-SUCH-PART", `value="NO-SUCH-PART"`)
		code, _, h = tom.post(page+"/issue", form("part", "brg-6309-c3", "quantity", "2"))
		at(code, h, "issue")
		var mats []workorder.Material
		s.view(func(tx *store.Tx) (err error) { mats, err = tx.Materials(s.ctx(), w.ID); return err })
		issued := ""
		for _, m := range mats {
			if m.PartNumber == "BRG-6309-C3" {
				issued = m.Issued.String()
			}
		}
		if issued != "2" {
			t.Fatalf("BRG-6309-C3 issued = %q; want 2", issued)
		}

		// A special buy by description.
		code, body, _ = tom.post(page+"/buy", form("description", "V-belt SPA 1250", "quantity", "2", "unit", "EA", "unit_cost", ""))
		refused(code, body, http.StatusBadRequest, "buy-unit_cost-error", "unit_cost", `value="V-belt SPA 1250"`)
		code, _, h = tom.post(page+"/buy", form("description", "V-belt SPA 1250", "quantity", "2", "unit", "ea", "unit_cost", "18.50"))
		at(code, h, "buy")
		s.view(func(tx *store.Tx) (err error) { mats, err = tx.Materials(s.ctx(), w.ID); return err })
		var buy *workorder.Material
		for i := range mats {
			if mats[i].SpecialBuy && mats[i].Description == "V-belt SPA 1250" {
				buy = &mats[i]
			}
		}
		if buy == nil || buy.Unit != "EA" || buy.Quantity.String() != "2" || buy.UnitCost.String() != "18.50" {
			t.Fatalf("special buy = %+v; want 2 EA V-belt SPA 1250 at 18.50", buy)
		}

		// A reading of the asset's meter.
		code, body, _ = tom.post(page+"/reading", form("meter", "vibration_mm_s", "value", "x"))
		refused(code, body, http.StatusBadRequest, "reading-value-error", "value", `value="x"`)
		code, _, h = tom.post(page+"/reading", form("meter", "vibration_mm_s", "value", "3.2"))
		at(code, h, "reading")
		if _, body, _ := tom.get(page); !strings.Contains(body, `data-meter="vibration_mm_s" data-last="3.2"`) {
			t.Errorf("after the reading the page does not show it as the meter's last")
		}

		// A note and a photo.
		code, body, _ = tom.post(page+"/note", form("note", "  "))
		refused(code, body, http.StatusBadRequest, "note-note-error", "note is required", `id="note"`)
		code, _, h = tom.post(page+"/note", form("note", "Coupling guard bolt missing; fitted a new one."))
		at(code, h, "note")
		code, body, _ = tom.upload(page+"/photo", form(), "photo", "notes.txt", []byte("not a picture"))
		refused(code, body, http.StatusBadRequest, "photo-photo-error", "photo: the file is not a JPEG, PNG or WebP picture", `id="photo"`)
		pic := pngBytes(t)
		code, _, h = tom.upload(page+"/photo", form(), "photo", "seal.png", pic)
		at(code, h, "photo")
		var atts []workorder.Attachment
		s.view(func(tx *store.Tx) (err error) { atts, err = tx.Attachments(s.ctx(), w.ID); return err })
		if len(atts) != 2 || atts[0].Note != "Coupling guard bolt missing; fitted a new one." || atts[1].ContentType != "image/png" || atts[1].Size != int64(len(pic)) {
			t.Fatalf("attachments = %+v; want the note and the PNG", atts)
		}
		photoURL := "/ui/work-orders/" + w.ID + "/attachments/" + atts[1].ID
		if _, body, _ := tom.get(page); !strings.Contains(body, `src="`+photoURL+`"`) || !strings.Contains(body, "Coupling guard bolt missing") {
			t.Errorf("the phone page does not show the photo and the note")
		}
		if code, body, h := tom.get(photoURL); code != http.StatusOK || h.Get("Content-Type") != "image/png" || body != string(pic) {
			t.Errorf("photo = %d %s (%d bytes); want the PNG back", code, h.Get("Content-Type"), len(body))
		}

		// Complete: failure codes required; the direct items not received need a reason.
		code, body, _ = tom.post(page+"/complete", form("problem", "Leak", "cause", "", "remedy", "Replaced", "downtime", "3"))
		refused(code, body, http.StatusBadRequest, "complete-cause-error", "cause: pick one from the list", `value="Leak"`)
		code, body, _ = tom.post(page+"/complete", form("problem", "Leak", "cause", "Seal failure", "remedy", "Replaced", "downtime", "3"))
		refused(code, body, http.StatusUnprocessableEntity, "complete-override_materials-error", "work order "+w.Number+" still waits for", `value="Seal failure"`)
		if got := s.workOrder(w.Title); got.Status != workorder.InProgress {
			t.Fatalf("after refused completions the work order is %s; want in_progress", got.Status)
		}
		code, _, h = tom.post(page+"/complete", form("problem", "Leak", "cause", "Seal failure at the drive end", "remedy", "Replaced",
			"downtime", "3", "override_materials", "old impeller refitted; the new one goes on the shelf"))
		at(code, h, "complete")
		if got := s.workOrder(w.Title); got.Status != workorder.Completed || got.Problem != "Leak" || got.Cause != "Seal failure at the drive end" || got.DowntimeHours.String() != "3" {
			t.Fatalf("completed = %+v; want completed with the codes and 3 h downtime", got)
		}

		// Another site's technician, a planner and an anonymous browser are refused.
		s.mustSiteUser("sid", millwright.Technician, "SOUTH")
		sid, _ := s.login("sid")
		for _, path := range []string{page, photoURL} {
			if code, _, _ := sid.get(path); code != http.StatusForbidden {
				t.Errorf("SOUTH technician GET %s = %d; want 403", path, code)
			}
		}
		if code, _, _ := sid.post(page+"/note", url.Values{"csrf": {sid.csrf}, "note": {"hello"}}); code != http.StatusForbidden {
			t.Errorf("SOUTH technician adds a note to a NORTH work order: %d; want 403", code)
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.get(page); code != http.StatusForbidden {
			t.Errorf("planner opens the phone page: %d; want 403", code)
		}
		s.view(func(tx *store.Tx) (err error) { atts, err = tx.Attachments(s.ctx(), w.ID); return err })
		if len(atts) != 2 {
			t.Errorf("attachments after refusals = %d; want 2", len(atts))
		}
	})
}
