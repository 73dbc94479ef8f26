package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/web"
)

// Every GET page of the route table, as the admin with NORTH's records in
// its wildcards, on a 375 × 812 phone: none scrolls sideways (a wide table
// scrolls in its own box). The admin first adds, from the screen, a NORTH
// approval rule and a photo, so that their pages exist. Layout does not
// depend on the engine: SQLite only.
func TestBrowserEveryPageFitsAPhone(t *testing.T) {
	e := newEnv(t)
	pump := e.workOrderByTitle("Boiler feed pump A overhaul")
	pic := filepath.Join(t.TempDir(), "pump.png")
	if err := os.WriteFile(pic, pngBytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := e.browser(375, 812)
	e.login(ctx, "ada")
	e.run(ctx, "a NORTH approval rule",
		chromedp.Navigate(e.srv.URL+"/ui/approval-rules"),
		chromedp.WaitVisible(chromedp.CSS("#rule-form")),
		chromedp.SetValue(chromedp.CSS("#rule-site"), pump.SiteID),
		chromedp.SendKeys(chromedp.CSS("#rule-min-amount"), "40000"),
		submit("#rule-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")))
	e.run(ctx, "a photo of the pump's work order",
		chromedp.Navigate(e.srv.URL+"/ui/my-work/"+pump.ID),
		chromedp.WaitVisible(chromedp.CSS("#photo > summary")),
		chromedp.Click(chromedp.CSS("#photo > summary")),
		chromedp.WaitVisible(chromedp.CSS("#photo-photo")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo-photo"), []string{pic}),
		submit("#photo-submit"),
		chromedp.WaitVisible(chromedp.CSS("#photo-list img")))

	recs := records{"work-orders": pump.ID, "my-work": pump.ID, "assets": pump.AssetID}
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		ctx := e.ctx()
		if p, err := tx.Plans(ctx, pm.Filter{SiteID: pump.SiteID, Limit: 1}); err == nil && len(p.Items) > 0 {
			recs["pm-plans"] = p.Items[0].ID
		}
		if u, err := tx.UserByName(ctx, "tom"); err == nil {
			recs["users"] = u.ID
		}
		if it, err := tx.ItemByPartNumber(ctx, "GSK-DN100"); err == nil {
			recs["items"] = it.ID
		}
		recs["sites"] = pump.SiteID
		if ls, err := tx.Locations(ctx, asset.LocationFilter{SiteID: pump.SiteID, Limit: 1}); err == nil && len(ls.Items) > 0 {
			recs["locations"] = ls.Items[0].ID
		}
		if cs, err := tx.Classes(ctx, "", 1); err == nil && len(cs.Items) > 0 {
			recs["asset-classes"] = cs.Items[0].ID
		}
		if atts, err := tx.Attachments(ctx, pump.ID); err == nil && len(atts) > 0 {
			recs["attachments"] = atts[0].ID
		}
		rules, err := tx.ERPRules(ctx)
		for _, r := range rules {
			if r.SiteID == pump.SiteID {
				recs["approval-rules"] = r.ID
			}
		}
		return err
	})
	var wide []string
	var seen int
	for _, p := range web.GETPages() {
		path, _, err := fillPattern(p.Pattern, recs)
		if err != nil {
			t.Error(err)
			continue
		}
		if strings.Contains(p.Pattern, "/attachments/") {
			continue // a picture, not a page
		}
		seen++
		e.run(ctx, "open "+path, chromedp.Navigate(e.srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
		if w := e.pageWidth(ctx); w > 375 {
			culprits, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('main *'))
				.filter(el => el.getBoundingClientRect().right > 376 && !el.closest('.table-wrap'))
				.slice(0, 5).map(el => el.tagName + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className : '') + ' ' + Math.round(el.getBoundingClientRect().right))`))
			wide = append(wide, fmt.Sprintf("%s is %d px wide: %v", path, w, culprits))
		}
	}
	if seen < 30 {
		t.Errorf("opened %d pages; want every GET page of the route table", seen)
	}
	for _, w := range wide {
		t.Errorf("on a 375 px screen %s; want no sideways scrolling", w)
	}
}
