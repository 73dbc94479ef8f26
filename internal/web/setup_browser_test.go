package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
)

// In the browser, from the screen only: the admin creates a NORTH planner
// who then signs in; the planner creates a PM plan; finance sets a budget
// and adds an approval rule; integration maps an item and a cost center.
// The admin also makes a NORTH technician whose craft is electrician, the
// planner adds a craft with its rate, and integration makes the ERP the
// master of stock.
func TestBrowserSetupFromScreen(t *testing.T) {
	e := newEnv(t)
	ctx := e.browser(1280, 900)
	e.login(ctx, "ada")
	e.run(ctx, "create a user",
		chromedp.Click(chromedp.CSS(`a[href="/ui/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-user-form")),
		chromedp.SendKeys(chromedp.CSS("#user-username"), "nina"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "short"),
		chromedp.SetValue(chromedp.CSS("#user-role"), "planner"),
		submit("#user-create"),
		chromedp.WaitVisible(chromedp.CSS("#user-password-error")),
	)
	if name, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#user-username"))); name != "nina" {
		t.Errorf("after the refusal the user name is %q; want nina kept", name)
	}
	var north string
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		st, err := tx.SiteByCode(e.ctx(), "NORTH")
		if err == nil {
			north = st.ID
		}
		return err
	})
	e.run(ctx, "a longer password, at NORTH",
		chromedp.SendKeys(chromedp.CSS("#user-password"), "nina-password-1"),
		chromedp.SetValue(chromedp.CSS("#user-site"), north),
		submit("#user-create"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "admin-users")
	var nina *store.User
	e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		nina, err = tx.UserByName(e.ctx(), "nina")
		return err
	})
	if nina == nil || nina.Role != millwright.Planner || nina.SiteID != north {
		t.Fatalf("created %+v; want a NORTH planner", nina)
	}
	e.run(ctx, "a NORTH technician who is an electrician",
		chromedp.SendKeys(chromedp.CSS("#user-username"), "walt"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "walt-password-1"),
		chromedp.SetValue(chromedp.CSS("#user-role"), "technician"),
		chromedp.SetValue(chromedp.CSS("#user-site"), north),
		chromedp.SetValue(chromedp.CSS("#user-craft"), "electrician"),
		submit("#user-create"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-user="walt"]`)),
	)
	if n, _ := textOf(ctx, "p.notice"); !strings.Contains(n, "craft electrician") {
		t.Errorf("notice = %q; want walt created with craft electrician", n)
	}
	var walt *store.User
	e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		walt, err = tx.UserByName(e.ctx(), "walt")
		return err
	})
	if walt == nil || walt.Role != millwright.Technician || walt.SiteID != north || walt.Craft != "electrician" {
		t.Fatalf("created %+v; want a NORTH technician whose craft is electrician", walt)
	}
	e.run(ctx, "sign out and in as nina",
		submit("#logout"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "nina"),
		chromedp.SendKeys(chromedp.CSS("#password"), "nina-password-1"),
		submit("#signin"),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
	if who, _ := textOf(ctx, ".who"); !strings.Contains(who, "nina") {
		t.Errorf("signed in as %q; want nina", who)
	}

	e.run(ctx, "as the planner, create a PM plan",
		submit("#logout"),
	)
	e.login(ctx, "paula")
	e.run(ctx, "the plan form",
		chromedp.Navigate(e.srv.URL+"/ui/pm-plans"),
		chromedp.WaitVisible(chromedp.CSS("#new-plan")),
		chromedp.Click(chromedp.CSS("#new-plan")),
		chromedp.WaitVisible(chromedp.CSS("#plan-form")),
		chromedp.SendKeys(chromedp.CSS("#plan-asset"), "P-101"),
		chromedp.SendKeys(chromedp.CSS("#plan-name"), "Browser lube round"),
		chromedp.SetValue(chromedp.CSS("#plan-cal-every"), "14"),
		chromedp.SendKeys(chromedp.CSS("#plan-start"), "2026-01-05T06:00"),
		chromedp.SendKeys(chromedp.CSS("#plan-steps"), "Isolate\nGrease"),
		submit("#plan-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "planner-new-pm-plan")
	var plan *pm.Plan
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := pm.List(e.ctx(), tx, pm.Filter{Limit: 500})
		for i := range p.Items {
			if p.Items[i].Name == "Browser lube round" {
				plan = &p.Items[i]
			}
		}
		return err
	})
	if plan == nil || plan.Trigger.EveryDays != 14 || len(plan.WorkOrder.JobSteps) != 2 {
		t.Errorf("plan = %+v; want every 14 days with 2 steps", plan)
	}
	e.run(ctx, "as the planner, add a craft from the menu",
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/crafts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#craft-form")),
		chromedp.SendKeys(chromedp.CSS("#craft-code"), "welder"),
		chromedp.SendKeys(chromedp.CSS("#craft-name"), "Welder"),
		chromedp.SendKeys(chromedp.CSS("#craft-rate"), "61.50"),
		submit("#craft-save"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-craft="welder"]`)),
	)
	e.shot(ctx, "planner-crafts")
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		c, err := tx.CraftOf(e.ctx(), "welder", "")
		if err != nil || c.Rate.String() != "61.50" || c.Name != "Welder" {
			t.Errorf("craft welder = %+v, %v; want Welder at 61.50 for every site", c, err)
		}
		return nil
	})
	e.run(ctx, "sign out", submit("#logout"))

	e.login(ctx, "fiona")
	e.run(ctx, "as finance, a budget and a rule",
		chromedp.Navigate(e.srv.URL+"/ui/costs"),
		chromedp.WaitVisible(chromedp.CSS("#to-budgets")),
		chromedp.Click(chromedp.CSS("#to-budgets")),
		chromedp.WaitVisible(chromedp.CSS("#budget-form")),
		chromedp.SendKeys(chromedp.CSS("#budget-cost-center"), "CC-NPWR"),
		chromedp.SetValue(chromedp.CSS("#budget-period"), "2031-03"),
		chromedp.SendKeys(chromedp.CSS("#budget-amount"), "9000"),
		submit("#budget-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.Navigate(e.srv.URL+"/ui/approval-rules"),
		chromedp.WaitVisible(chromedp.CSS("#rule-form")),
		chromedp.SetValue(chromedp.CSS("#rule-approver-role"), "finance"),
		chromedp.SendKeys(chromedp.CSS("#rule-min-amount"), "25000"),
		submit("#rule-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "finance-approval-rules")
	var rules []approval.Rule
	e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		b, err := tx.ERPBudget(e.ctx(), "CC-NPWR", "2031-03")
		if err != nil || b.Amount.String() != "9000.00" {
			t.Errorf("budget = %+v, %v; want 9000.00", b, err)
		}
		rules, err = tx.ERPRules(e.ctx())
		return err
	})
	found := false
	for _, ru := range rules {
		found = found || ru.MinAmount != nil && ru.MinAmount.String() == "25000.00" && ru.ApproverRole == millwright.Finance
	}
	if !found {
		t.Errorf("no rule from 25000.00 to finance among %+v", rules)
	}
	e.run(ctx, "sign out", submit("#logout"))

	e.login(ctx, "ivan")
	e.run(ctx, "as integration, map an item and a cost center",
		chromedp.Navigate(e.srv.URL+"/ui/integration"), // home is the integration dashboard
		chromedp.Click(chromedp.CSS("#to-mappings")),
		chromedp.WaitVisible(chromedp.CSS("#item-map-form")),
		chromedp.SendKeys(chromedp.CSS("#imap-part"), "GSK-DN100"),
		chromedp.SendKeys(chromedp.CSS("#imap-erp-item-code"), "ERP-GSK-100"),
		submit("#imap-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.SendKeys(chromedp.CSS("#ccmap-cost-center"), "CC-NPWR"),
		chromedp.SendKeys(chromedp.CSS("#ccmap-erp-cost-center"), "4100-NORTH"),
		submit("#ccmap-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "integration-mappings")
	e.run(ctx, "as integration, make the ERP master of stock",
		chromedp.Navigate(e.srv.URL+"/ui/integration"),
		chromedp.WaitVisible(chromedp.CSS("#to-settings")),
		chromedp.Click(chromedp.CSS("#to-settings")),
		chromedp.WaitVisible(chromedp.CSS("#settings-form")),
		chromedp.SetValue(chromedp.CSS("#settings-stock-master"), "erp"),
		submit("#settings-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "integration-settings")
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		st, err := outbox.GetSettings(e.ctx(), tx)
		if err != nil || st.StockMaster != "erp" {
			t.Errorf("settings = %+v, %v; want the ERP master of stock", st, err)
		}
		return nil
	})
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		it, err := tx.ItemByPartNumber(e.ctx(), "GSK-DN100")
		if err != nil {
			return err
		}
		ms, _ := tx.ItemMappings(e.ctx(), it.ID)
		var codes []string
		for _, m := range ms {
			codes = append(codes, m.ERPItemCode)
		}
		if !strings.Contains(strings.Join(codes, ","), "ERP-GSK-100") {
			t.Errorf("item mappings of GSK-DN100 = %v; want ERP-GSK-100", codes)
		}
		var m *integration.CostCenterMapping
		m, err = tx.CostCenterMapping(e.ctx(), "", "CC-NPWR")
		if err != nil || m.ERPCostCenter != "4100-NORTH" {
			t.Errorf("cost center mapping = %+v, %v; want 4100-NORTH", m, err)
		}
		return nil
	})

	// At 375 px the new pages do not scroll sideways.
	phone := e.browser(375, 812)
	e.login(phone, "paula")
	pump := e.workOrderByTitle("Boiler feed pump A overhaul")
	for _, path := range []string{"/ui/crafts", "/ui/work-orders/" + pump.ID + "/plan"} {
		e.run(phone, "open "+path, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		if w := e.pageWidth(phone); w > 375 {
			wide, _ := chromedp.Run(phone, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(el => !el.closest('.table-wrap') && el.getBoundingClientRect().right > 376).slice(0, 8).map(el => el.tagName + '#' + el.id + '.' + el.className + ':' + Math.round(el.getBoundingClientRect().right)).join(' ')`))
			t.Errorf("%s at 375 px is %d px wide: %s", path, w, wide)
		}
	}
}
