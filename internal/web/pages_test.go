package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// siteToday is today's date at the site of a work order.
func (e *env) siteToday(wo *workorder.WorkOrder) string {
	e.t.Helper()
	var day string
	err := e.db.View(e.ctx(), func(tx *store.Tx) error {
		s, err := tx.Site(e.ctx(), wo.SiteID)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(s.TimeZone)
		day = tx.Now().In(loc).Format(workorder.DateLayout)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return day
}

// A planner assigns an active work order nobody has to tom for today on
// its page; on his phone it is then in "Today" on My work.
func TestBrowserAssignedWorkOrderAppearsInToday(t *testing.T) {
	e := newEnv(t)
	wo := e.workOrderByTitle("Boiler 2 FD fan tripped on high vibration")
	if wo.AssignedTo != "" {
		t.Fatalf("demo work order %s is assigned to %q; want nobody", wo.Number, wo.AssignedTo)
	}
	today := e.siteToday(wo)
	link := fmt.Sprintf(`a[href="/ui/work-orders/%s"]`, wo.ID)

	phone := e.browser(375, 812)
	e.login(phone, "tom")
	e.run(phone, "before: the fan is not assigned to anyone", chromedp.WaitVisible(chromedp.CSS("#unassigned "+link)))
	if n, _ := chromedp.Run(phone, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('#my-work %s').length`, link))); n != 0 {
		t.Fatalf("before it is assigned, %s is in tom's today", wo.Number)
	}

	desk := e.browser(1280, 900)
	e.login(desk, "paula")
	e.run(desk, "assign to tom for today",
		chromedp.Navigate(e.srv.URL+"/ui/work-orders/"+wo.ID),
		chromedp.WaitVisible(chromedp.CSS("#assign-form")),
		chromedp.SetValue(chromedp.CSS("#assign-to"), "tom"),
		chromedp.SetValue(chromedp.CSS("#assign-day"), today),
		submit("#assign-submit"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if text, _ := textOf(desk, "#assignment"); !contains(text, "Assigned to tom") || !contains(text, today) {
		t.Errorf("the work order says %q; want assigned to tom for %s", text, today)
	}
	var got *workorder.WorkOrder
	e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		got, err = tx.WorkOrder(e.ctx(), wo.ID)
		return err
	})
	if got == nil || got.AssignedTo != "tom" || got.ScheduledOn != today {
		t.Fatalf("work order after assignment = %+v; want tom on %s", got, today)
	}

	e.run(phone, "after: it is in tom's today",
		chromedp.Navigate(e.srv.URL+"/ui/my-work"),
		chromedp.WaitVisible(chromedp.CSS("#my-work "+link)))
	if w := e.pageWidth(phone); w > 375 {
		t.Errorf("my work is %d px wide on a 375 px screen", w)
	}
	e.shot(phone, "technician-today")
}

// On a 375 px phone a technician records a vibration reading of the
// pump from its work order with the keyboard; it is stored as the API
// stores it, and the asset page draws it below the condition rule's limit.
func TestBrowserTechnicianRecordsReadingOnPhone(t *testing.T) {
	e := newEnv(t)
	wo := e.workOrderByTitle("Boiler feed pump A overhaul")
	// A day of sensor readings before, as MQTT brings them: below the limit.
	rc := &ingest.Recorder{DB: e.db, Hook: ingest.PMHook}
	start := time.Now().Add(-24 * time.Hour)
	for i := range 12 {
		v := millwright.MustQty(fmt.Sprintf("%.1f", 2.5+float64(i%5)*0.8))
		if _, err := rc.Record(e.ctx(), wo.AssetID, reading.SourceMQTT, reading.Input{Meter: "vibration_mm_s", Value: &v,
			At: start.Add(time.Duration(i) * 2 * time.Hour).UTC().Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := e.browser(375, 812)
	e.login(ctx, "tom")
	e.run(ctx, "open the work order",
		chromedp.Navigate(e.srv.URL+"/ui/work-orders/"+wo.ID),
		chromedp.WaitVisible(chromedp.CSS("#reading-form")),
		chromedp.SetValue(chromedp.CSS("#reading-meter"), "vibration_mm_s"),
		chromedp.Focus(chromedp.CSS("#reading-value")),
		chromedp.KeyEvent("4,2"),
	)
	e.run(ctx, "send it with Enter", submitWith(chromedp.KeyEvent("\r")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if n, _ := textOf(ctx, "p.notice"); !contains(n, "reading recorded: vibration_mm_s 4.2") {
		t.Errorf("notice = %q; want the reading recorded", n)
	}
	if v, err := attr(ctx, `#meters tr[data-meter="vibration_mm_s"]`, "data-last"); err != nil || v != "4.2" {
		t.Errorf("last reading on the page = %q, %v; want 4.2", v, err)
	}
	if w := e.pageWidth(ctx); w > 375 {
		t.Errorf("the work order page is %d px wide on a 375 px screen", w)
	}
	e.run(ctx, "scroll to the reading form", chromedp.ScrollIntoView(chromedp.CSS("#reading-form")))
	e.shot(ctx, "technician-reading")

	var rs []reading.Reading
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.Readings(e.ctx(), reading.Filter{AssetID: wo.AssetID, Meter: "vibration_mm_s", Limit: 100})
		rs = p.Items
		return err
	})
	if len(rs) != 13 {
		t.Fatalf("stored %d readings; want the 12 before and tom's", len(rs))
	}
	if last := rs[len(rs)-1]; last.Value.String() != "4.2" || last.RecordedBy != "tom" || last.Source != reading.SourceHTTP {
		t.Fatalf("the last reading = %+v; want 4.2 by tom over http", last)
	}

	e.run(ctx, "a wrong value is explained on the page",
		chromedp.SetValue(chromedp.CSS("#reading-value"), "lots"),
		submit("#reading-submit"),
		chromedp.WaitVisible(chromedp.CSS("p.error")))
	if msg, _ := textOf(ctx, "p.error"); !contains(msg, `Value: "lots" is not a number`) || contains(msg, "invalid_quantity") {
		t.Errorf("error = %q; want it to ask for a number", msg)
	}

	e.run(ctx, "the asset page draws the meter with its limit",
		chromedp.Navigate(e.srv.URL+"/ui/assets/"+wo.AssetID),
		chromedp.WaitVisible(chromedp.CSS(`section.meter[data-meter="vibration_mm_s"]`)))
	if n, _ := attr(ctx, `section.meter[data-meter="vibration_mm_s"]`, "data-count"); n != "13" {
		t.Errorf("the vibration chart has %s readings; want 13", n)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('section.meter[data-meter="vibration_mm_s"] circle').length`)); n != 13 {
		t.Errorf("the vibration chart draws %d points; want 13", n)
	}
	if _, err := attr(ctx, `section.meter[data-meter="vibration_mm_s"] g.limit`, "data-limit"); err != nil {
		t.Errorf("the vibration chart has no condition limit: %v", err)
	}
	if _, err := attr(ctx, `#cost-chart g.month:last-of-type`, "data-total"); err != nil {
		t.Errorf("the asset page has no cost chart: %v", err)
	}
	desk := e.browser(1280, 1000)
	e.login(desk, "paula")
	e.run(desk, "the asset page on a desk", chromedp.Navigate(e.srv.URL+"/ui/assets/"+wo.AssetID),
		chromedp.WaitVisible(chromedp.CSS(`section.meter`)))
	e.shot(desk, "asset-charts")
}

// The planner's calendar of a weekly plan marks exactly the forecast's
// dates of the months it shows, and moves a month with the keyboard.
func TestBrowserPMCalendarShowsForecast(t *testing.T) {
	e := newEnv(t)
	var plan *pm.Plan
	var want []string
	var loc *time.Location
	err := e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.Plans(e.ctx(), pm.Filter{Limit: 100})
		for i := range p.Items {
			if p.Items[i].Name == "B-01 fan weekly round" {
				plan = &p.Items[i]
			}
		}
		if plan == nil {
			return fmt.Errorf("no weekly plan in the demo (%v)", err)
		}
		s, err := tx.Site(e.ctx(), plan.SiteID)
		if err != nil {
			return err
		}
		if loc, err = time.LoadLocation(s.TimeZone); err != nil {
			return err
		}
		now := tx.Now().In(loc)
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		f, err := pm.Forecast(e.ctx(), tx, plan.ID, "", pm.MaxForecast)
		for _, d := range f.Items {
			if at := d.DueAt.In(loc); !at.Before(first) && at.Before(first.AddDate(0, 3, 0)) {
				want = append(want, at.Format("2006-01-02"))
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 8 {
		t.Fatalf("a weekly plan has %d dates in three months; want at least 8", len(want))
	}
	ctx := e.browser(1280, 1000)
	e.login(ctx, "paula")
	e.run(ctx, "the plans list links the plan",
		chromedp.Navigate(e.srv.URL+"/ui/pm-plans"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#plans tr[data-plan="%s"] a`, plan.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#plans tr[data-plan="%s"] a`, plan.ID))),
		chromedp.WaitVisible(chromedp.CSS("#calendar")))
	for _, d := range want {
		if _, err := attr(ctx, fmt.Sprintf(`#calendar td.due[data-date="%s"]`, d), "data-date"); err != nil {
			t.Errorf("forecast date %s is not marked on the calendar: %v", d, err)
		}
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#calendar td.due').length`)); n != len(want) {
		t.Errorf("the calendar marks %d days; want the %d forecast dates", n, len(want))
	}
	e.shot(ctx, "planner-pm-calendar")
	first, _ := attr(ctx, "#calendar td[data-date]", "data-date")
	e.run(ctx, "a later month, by the keyboard",
		chromedp.Focus(chromedp.CSS("#next-month")),
		submitWith(chromedp.KeyEvent("\r")),
		chromedp.WaitVisible(chromedp.CSS("#calendar")))
	if next, _ := attr(ctx, "#calendar td[data-date]", "data-date"); next <= first {
		t.Errorf("after Later month the calendar starts %s; want after %s", next, first)
	}
}

// The integration administrator runs the reconciliation from the page: it
// lists each difference, a work order's cost explained by the labor-cost
// message still on its way shows that message, and the run joins the
// last runs.
func TestBrowserReconciliationRunsAndListsDifferences(t *testing.T) {
	e := newEnv(t)
	wo := e.workOrderByTitle("Admin air handler: bag filters clogged")
	// Make the work order's cost difference exactly explained by a
	// labor-cost message that is not delivered (no dispatcher runs).
	before, err := reconcile.Run(e.ctx(), e.db, erp.New(e.db), "manual")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range before.Differences {
		if d.RecordID != wo.ID || d.Explained {
			continue
		}
		rest := millwright.MustMoney(d.Difference).Sub(millwright.MustMoney(d.Pending))
		if err := e.db.InTx(e.ctx(), func(tx *store.Tx) error {
			site, err := tx.Site(e.ctx(), wo.SiteID)
			if err != nil {
				return err
			}
			m, err := integration.NewMessage("web-test:labor:"+wo.ID, site.ID, site.Code, "tom", tx.Now(), integration.LaborCost{
				WorkOrderID: wo.ID, AssetID: wo.AssetID, CostCenter: "CC-NBLD", Hours: millwright.MustQty("1"), Amount: rest, Technician: "tom"})
			if err != nil {
				return err
			}
			return tx.Enqueue(e.ctx(), m, wo.ID)
		}); err != nil {
			t.Fatal(err)
		}
	}

	ctx := e.browser(1280, 1000)
	e.login(ctx, "ivan")
	e.run(ctx, "open the reconciliation page from the integration page",
		chromedp.Navigate(e.srv.URL+"/ui/integration"),
		chromedp.WaitVisible(chromedp.CSS("#glance")),
		chromedp.Click(chromedp.CSS("#to-reconciliation")),
		chromedp.WaitVisible(chromedp.CSS("#run-reconciliation")),
		submit("#run-reconciliation"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.WaitVisible(chromedp.CSS("#run-summary")))
	runID, _ := attr(ctx, "#run-summary", "data-run")
	var rep reconcile.Report
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.Reconciliations(e.ctx(), "", 1)
		if err == nil && len(p.Items) == 1 {
			err = jsonUnmarshal(p.Items[0].Result, &rep)
		}
		return err
	})
	if rep.ID == "" || rep.ID != runID || rep.Actor != "ivan" {
		t.Fatalf("the page shows run %q; the latest stored run is %q by %q; want the page's run, by ivan", runID, rep.ID, rep.Actor)
	}
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#differences tbody tr').length`))
	if rows != len(rep.Differences) || rows == 0 {
		t.Errorf("the page lists %d differences; the run has %d (want some)", rows, len(rep.Differences))
	}
	if n, _ := textOf(ctx, "#unexplained-count"); n != fmt.Sprint(rep.Unexplained) {
		t.Errorf("not explained on the page = %q; want %d", n, rep.Unexplained)
	}
	row := fmt.Sprintf(`#differences tr[data-record="%s"]`, wo.Number)
	if ex, err := attr(ctx, row, "data-explained"); err != nil || ex != "true" {
		t.Errorf("%s: explained = %q, %v; want true", wo.Number, ex, err)
	}
	text, _ := textOf(ctx, row)
	for _, d := range rep.Differences {
		if d.RecordID != wo.ID {
			continue
		}
		if len(d.Messages) == 0 {
			t.Errorf("the run's difference of %s has no message", wo.Number)
		}
		for _, m := range d.Messages {
			if !contains(text, m.ID) {
				t.Errorf("the row of %s says %q; want its message %s", wo.Number, text, m.ID)
			}
		}
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#runs tbody tr[data-run]').length`)); n != 2 {
		t.Errorf("last runs lists %d; want 2 (the test's and the page's)", n)
	}
	if p, _ := textOf(ctx, "#pending-count"); p == "0" {
		t.Errorf("waiting to go out = %q; want the undelivered messages counted", p)
	}
	e.run(ctx, "only the explained ones",
		chromedp.Click(chromedp.CSS(`#show-tabs a[data-show="explained"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#show-tabs a[data-show="explained"][aria-current="page"]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#differences tbody tr[data-explained="false"]').length`)); n != 0 {
		t.Errorf("the explained tab lists %d differences that are not explained", n)
	}
	e.run(ctx, "all again", chromedp.Navigate(e.srv.URL+"/ui/integration/reconciliation"), chromedp.WaitVisible(chromedp.CSS("#differences")))
	e.shotViewport(ctx, "integration-reconciliation")
}

// The KPI page shows the backlog and PM compliance the reports compute.
func TestBrowserKPIs(t *testing.T) {
	e := newEnv(t)
	ctx := e.browser(1280, 1000)
	e.login(ctx, "fiona")
	e.run(ctx, "open the KPIs", chromedp.Navigate(e.srv.URL+"/ui/kpis"), chromedp.WaitVisible(chromedp.CSS("#backlog")))
	var open int
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.WorkOrders(e.ctx(), workorder.Filter{Limit: 500})
		for _, w := range p.Items {
			if w.Open() {
				open++
			}
		}
		return err
	})
	if n, _ := textOf(ctx, "#backlog-total"); n != fmt.Sprint(open) {
		t.Errorf("backlog total = %q; want the %d open work orders", n, open)
	}
	// The demo's one failure: the admin air handler's corrective order,
	// completed with 1.5 h of downtime, so its MTTR is 1.5 h.
	if row, err := textOf(ctx, `#reliability tr[data-asset="AHU-ADM"]`); err != nil || !contains(row, "1.5 h") {
		t.Errorf("the reliability row of AHU-ADM = %q, %v; want its failure with MTTR 1.5 h", row, err)
	}
	if total, _ := textOf(ctx, "#cost-total"); total == "" || total == "0.00" {
		t.Errorf("cost of all assets = %q; want the demo's labor and parts", total)
	}
	e.shot(ctx, "kpis")
}

// shotViewport is shot of what the window shows, for a page too long to
// show whole.
func (e *env) shotViewport(ctx context.Context, name string) {
	e.t.Helper()
	if os.Getenv("MILLWRIGHT_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		e.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
