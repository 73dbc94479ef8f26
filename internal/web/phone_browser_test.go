package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/web"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// newEnvOn is newEnv on engine e.
func newEnvOn(t *testing.T, e store.Engine) *env {
	t.Helper()
	chrome := chromium(t)
	db := storetest.Open(t, e)
	if res, err := demo.Load(t.Context(), db); err != nil || !res.Loaded {
		t.Fatalf("demo.Load = %+v, %v", res, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	root := http.NewServeMux()
	root.Handle("/", httpapi.New(db, log))
	root.Handle(web.Prefix, web.New(db, log))
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, srv: srv, chrome: chrome}
}

// fits fails the test when the page scrolls sideways on a 375 px screen
// or a button or field of the phone page is less than 48 px high.
func (e *env) fits(ctx context.Context, where string) {
	e.t.Helper()
	if w := e.pageWidth(ctx); w > 375 {
		e.t.Errorf("%s: the page is %d px wide on a 375 px screen; want no horizontal scrolling", where, w)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		'.phone button, .phone .button, .phone input:not([type=checkbox]):not([type=hidden]), .phone select, .phone summary'))
		.filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 48)
		.map(el => (el.id || el.tagName) + ' ' + Math.round(el.getBoundingClientRect().height))`))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(small) > 0 {
		e.t.Errorf("%s: touch targets under 48 px: %v", where, small)
	}
}

// jsValue sets a field as typing does (an input event), replacing what
// the page put there.
func jsValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
			el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, sel, v))(ctx, t)
		return err
	})
}

// On a 375×812 phone, on both engines, the technician opens the job from
// My work, starts it, logs time at his craft's rate, issues a part by
// scanning its code (the scanner types it and presses Enter), adds a
// special buy, records a reading, adds a photo and completes with
// failure codes, all from the screen; every step comes back to where he
// was.
func TestBrowserTechnicianPhoneWorkOrder(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			e := newEnvOn(t, engine)
			wo := e.workOrderByTitle("Boiler feed pump A overhaul")
			pic := filepath.Join(t.TempDir(), "seal.png")
			if err := os.WriteFile(pic, pngBytes(t), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx := e.browser(375, 812)
			e.login(ctx, "tom")
			page := "/ui/my-work/" + wo.ID
			e.run(ctx, "open the job from my work",
				chromedp.Navigate(e.srv.URL+"/ui/my-work"),
				chromedp.WaitVisible(chromedp.CSS(`#my-work a[href="`+page+`"]`)),
				submit(`#my-work a[href="`+page+`"]`),
				chromedp.WaitVisible(chromedp.CSS("#start")),
			)
			e.fits(ctx, "the job before it starts")
			e.run(ctx, "start", submit("#start"), chromedp.WaitVisible(chromedp.CSS("#go-complete")), chromedp.WaitVisible(chromedp.CSS("#elapsed")))
			if n, _ := textOf(ctx, "p.notice"); !contains(n, "started") {
				t.Errorf("after Start the notice is %q; want it to say the work started", n)
			}
			e.shot(ctx, "technician-phone-work-order")

			e.run(ctx, "log time",
				chromedp.Click(chromedp.CSS("#labor > summary")),
				chromedp.WaitVisible(chromedp.CSS("#labor-hours")),
				jsValue("#labor-hours", "1.5"),
				submit("#labor-submit"),
				chromedp.WaitVisible(chromedp.CSS("#labor-list")),
			)
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, page+"#labor") {
				t.Errorf("after logging time the page is %s; want it back at #labor", loc)
			}
			if n, _ := textOf(ctx, "p.notice"); !contains(n, "time logged: 1.5 h at 48.00") {
				t.Errorf("notice = %q; want the time logged at the craft's rate", n)
			}
			e.laborAtCraftRate(wo, "1.5")

			e.run(ctx, "issue a part by scanning its code",
				chromedp.Click(chromedp.CSS("#issue > summary")),
				chromedp.WaitVisible(chromedp.CSS("#issue-part")),
				chromedp.Focus(chromedp.CSS("#issue-part")),
				submitWith(chromedp.KeyEvent("GSK-DN100"+kb.Enter)),
				chromedp.WaitVisible(chromedp.CSS(`#issued-list li[data-part="GSK-DN100"]`)),
			)
			if n, _ := textOf(ctx, "p.notice"); !contains(n, "issued: 1 × GSK-DN100") {
				t.Errorf("notice = %q; want 1 × GSK-DN100 issued", n)
			}
			e.fits(ctx, "the issue sheet")

			e.run(ctx, "add a special buy",
				chromedp.Click(chromedp.CSS("#buy > summary")),
				chromedp.WaitVisible(chromedp.CSS("#buy-description")),
				chromedp.SendKeys(chromedp.CSS("#buy-description"), "V-belt SPA 1250"),
				chromedp.SendKeys(chromedp.CSS("#buy-unit_cost"), "18.50"),
				submit("#buy-submit"),
				chromedp.WaitVisible(chromedp.CSS("#buy-list")),
			)
			if n, _ := textOf(ctx, "p.notice"); !contains(n, "special buy added: 1 EA V-belt SPA 1250") {
				t.Errorf("notice = %q; want the special buy added", n)
			}

			e.run(ctx, "record a reading",
				chromedp.Click(chromedp.CSS("#reading > summary")),
				chromedp.WaitVisible(chromedp.CSS("#reading-value")),
				chromedp.SendKeys(chromedp.CSS("#reading-value"), "3.4"),
				submit("#reading-submit"),
				chromedp.WaitVisible(chromedp.CSS(`#meter-list li[data-last="3.4"]`)),
			)

			e.run(ctx, "add a photo",
				chromedp.Click(chromedp.CSS("#photo > summary")),
				chromedp.WaitVisible(chromedp.CSS("#photo-photo")),
				chromedp.SetUploadFiles(chromedp.CSS("#photo-photo"), []string{pic}),
				submit("#photo-submit"),
				chromedp.WaitVisible(chromedp.CSS("#photo-list img")),
			)
			within(t, 10*time.Second, "the photo is shown back on the page", func() string {
				if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('#photo-list img'); return i.complete && i.naturalWidth === 8 })()`)); !ok {
					return "the image has not loaded"
				}
				return ""
			})
			e.fits(ctx, "the photo sheet")

			e.run(ctx, "complete with failure codes",
				chromedp.Click(chromedp.CSS("#go-complete")),
				chromedp.WaitVisible(chromedp.CSS("#complete-problem")),
			)
			e.fits(ctx, "the completion sheet")
			e.shot(ctx, "technician-phone-complete")
			e.run(ctx, "send the completion",
				chromedp.SendKeys(chromedp.CSS("#complete-problem"), "Leak"),
				chromedp.SendKeys(chromedp.CSS("#complete-cause"), "Seal failure"),
				chromedp.SendKeys(chromedp.CSS("#complete-remedy"), "Replaced"),
				jsValue("#complete-downtime", "2.5"),
				chromedp.SendKeys(chromedp.CSS("#complete-override_materials"), "old impeller refitted; the new one goes on the shelf"),
				submit("#complete-submit"),
				chromedp.WaitVisible(chromedp.CSS(`#wo-status[data-status="completed"]`)),
			)

			var got *workorder.WorkOrder
			var mats []workorder.Material
			var atts []workorder.Attachment
			e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
				if got, err = tx.WorkOrder(e.ctx(), wo.ID); err != nil {
					return err
				}
				if mats, err = tx.Materials(e.ctx(), wo.ID); err != nil {
					return err
				}
				atts, err = tx.Attachments(e.ctx(), wo.ID)
				return err
			})
			if got.Status != workorder.Completed || got.Problem != "Leak" || got.Cause != "Seal failure" || got.Remedy != "Replaced" || got.DowntimeHours.String() != "2.5" {
				t.Errorf("work order = %+v; want completed with the failure codes and 2.5 h downtime", got)
			}
			var gaskets, belt string
			for _, m := range mats {
				if m.PartNumber == "GSK-DN100" {
					gaskets = m.Issued.String()
				}
				if m.SpecialBuy && m.Description == "V-belt SPA 1250" {
					belt = m.UnitCost.String()
				}
			}
			if gaskets != "1" || belt != "18.50" {
				t.Errorf("gaskets issued %q, special buy at %q; want 1 and 18.50", gaskets, belt)
			}
			if len(atts) != 1 || atts[0].ContentType != "image/png" || atts[0].CreatedBy != "tom" {
				t.Errorf("attachments = %+v; want tom's PNG", atts)
			}
			var last string
			e.db.View(e.ctx(), func(tx *store.Tx) error {
				ms, err := assetMeterValues(e.ctx(), tx, wo.AssetID)
				last = ms["vibration_mm_s"]
				return err
			})
			if last != "3.4" {
				t.Errorf("last vibration reading = %q; want 3.4", last)
			}
		})
	}
}

// assetMeterValues maps an asset's meters to their last values.
func assetMeterValues(ctx context.Context, tx *store.Tx, assetID string) (map[string]string, error) {
	ms, err := tx.Meters(ctx, assetID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range ms {
		r, ok, err := tx.ReadingBefore(ctx, m.ID, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return nil, err
		}
		if ok {
			out[m.Name] = r.Value.String()
		}
	}
	return out, nil
}
