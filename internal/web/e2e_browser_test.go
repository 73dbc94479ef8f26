package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The proof, from the screen only, on both engines: a requester
// files a request; the planner approves it into a work order, adds a stock
// and a direct part, releases it and assigns it to tom for today; the
// approver approves the direct part's requisition with a comment; the
// storekeeper receives it; the technician, on a 375×812 phone, starts,
// logs time at his craft's rate, issues the planned part by scanning it,
// adds a special buy, records a reading and a photo and completes with
// failure codes (the special buy not received, with the reason recorded);
// the controller sees the work order's labor in the budget figure of its
// cost center; the admin creates a user who then signs in. Every step is
// checked in the database, not only on the page.
func TestBrowserEveryRoleEndToEnd(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := envOn(t, db)
		e.startDispatcher()
		pic := filepath.Join(t.TempDir(), "gland.png")
		if err := os.WriteFile(pic, pngBytes(t), 0o644); err != nil {
			t.Fatal(err)
		}
		desk := e.browser(1280, 900)

		// The requester: sam files a request for the NORTH feed pump.
		e.login(desk, "sam")
		e.run(desk, "file a request on the portal",
			chromedp.Navigate(e.srv.URL+"/ui/requests"),
			chromedp.WaitVisible(chromedp.CSS("#request-form")),
			chromedp.SetValue(chromedp.CSS("#req-site-pick"), "NORTH"),
			submit("#req-site-go"),
			chromedp.WaitVisible(chromedp.CSS("#req-asset")),
			chromedp.SendKeys(chromedp.CSS("#req-asset"), "P-101"),
			chromedp.SendKeys(chromedp.CSS("#req-title"), "Pump A gland weeps"),
			chromedp.SendKeys(chromedp.CSS("#req-description"), "A steady drip under the gland since Monday"),
			chromedp.Click(chromedp.CSS("#req-priority-2")),
			submit("#req-submit"),
			chromedp.WaitVisible(chromedp.CSS("p.notice")))
		wo := e.workOrderByTitle("Pump A gland weeps")
		if wo.Status != workorder.Requested || wo.CreatedBy != "sam" || wo.Priority != 2 || wo.Description != "A steady drip under the gland since Monday" {
			t.Fatalf("filed %+v; want sam's P2 request with its description", wo)
		}
		e.shot(desk, "e2e-1-request")
		e.run(desk, "sign out", submit("#logout"))

		// The planner: approve, plan, release, assign to tom for today.
		e.login(desk, "paula")
		e.run(desk, "open the request and approve it",
			chromedp.Navigate(e.srv.URL+"/ui/requests?site=NORTH"),
			chromedp.WaitVisible(chromedp.CSS(`#open-requests tr[data-number="`+wo.Number+`"] a`)),
			submit(`#open-requests tr[data-number="`+wo.Number+`"] a`),
			chromedp.WaitVisible(chromedp.CSS("#review-form")),
			chromedp.SetValue(chromedp.CSS("#review-type"), "corrective"),
			submit("#review-approve"),
			chromedp.WaitVisible(chromedp.CSS(`#plan-status[data-status="approved"]`)))
		e.run(desk, "add a bearing from stock",
			chromedp.SendKeys(chromedp.CSS("#stock-part"), "BRG-6309-C3"),
			chromedp.SetValue(chromedp.CSS("#stock-quantity"), "1"),
			submit("#stock-submit"),
			chromedp.WaitVisible(chromedp.CSS(`#plan-materials tr[data-part="BRG-6309-C3"]`)))
		e.run(desk, "add a cartridge seal to buy at release",
			chromedp.SendKeys(chromedp.CSS("#direct-part"), "SEAL-CART-55"),
			chromedp.SetValue(chromedp.CSS("#direct-quantity"), "1"),
			js(`(() => { document.querySelector("#direct-arm").checked = true; return true })()`),
			submit("#direct-submit"),
			chromedp.WaitVisible(chromedp.CSS(`#plan-materials tr[data-part="SEAL-CART-55"]`)))
		e.shot(desk, "e2e-2-plan")
		e.run(desk, "release", submit("#plan-release"), chromedp.WaitVisible(chromedp.CSS(`#plan-status[data-status="released"]`)))
		today := e.siteToday(wo)
		e.run(desk, "assign to tom for today",
			chromedp.Navigate(e.srv.URL+"/ui/work-orders/"+wo.ID),
			chromedp.WaitVisible(chromedp.CSS("#assign-form")),
			chromedp.SetValue(chromedp.CSS("#assign-to"), "tom"),
			chromedp.SetValue(chromedp.CSS("#assign-day"), today),
			submit("#assign-submit"),
			chromedp.WaitVisible(chromedp.CSS("p.notice")))
		got := e.workOrder(wo.ID)
		mats := e.materials(wo.ID)
		if got.Status != workorder.Released || got.Type != workorder.Corrective || got.AssignedTo != "tom" || got.ScheduledOn != today ||
			mats["BRG-6309-C3"] == nil || mats["BRG-6309-C3"].Direct || mats["SEAL-CART-55"] == nil || !mats["SEAL-CART-55"].Direct {
			t.Fatalf("after planning: %+v with materials %v; want released, for tom today, a stock bearing and a direct seal", got, mats)
		}
		e.run(desk, "sign out", submit("#logout"))

		// The approver: the seal's requisition, approved with a comment.
		req := e.requisitionOf(wo)
		e.login(desk, "alan")
		e.run(desk, "approve with a comment in the inbox",
			chromedp.Navigate(e.srv.URL+"/ui/approvals"),
			chromedp.WaitVisible(chromedp.CSS("#req-"+req.Number)),
			chromedp.SendKeys(chromedp.CSS("#comment-"+req.ID), "seal needed for the gland job"),
			submit("#approve-"+req.Number),
			chromedp.WaitVisible(chromedp.CSS("p.notice")))
		e.shot(desk, "e2e-3-approved")
		var decided *procurement.Requisition
		e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
			decided, err = tx.ERPRequisition(e.ctx(), req.ID)
			return err
		})
		if decided == nil || len(decided.Decisions) == 0 {
			t.Fatalf("requisition %s after approval = %+v; want a decision", req.Number, decided)
		}
		if d := decided.Decisions[len(decided.Decisions)-1]; d.Actor != "alan" || d.Decision != "approved" || d.Comment != "seal needed for the gland job" {
			t.Fatalf("decision = %+v; want alan's approval with the comment typed", d)
		}
		e.run(desk, "sign out", submit("#logout"))

		// The storekeeper receives the seal for the work order.
		var po procurement.PurchaseOrder
		eventually(t, "a purchase order for "+req.Number, func() string {
			var msg string
			e.db.View(e.ctx(), func(tx *store.Tx) error {
				p, err := tx.ERPPurchaseOrders(e.ctx(), store.ERPPurchaseOrderFilter{RequisitionID: req.ID, Limit: 10})
				switch {
				case err != nil:
					msg = err.Error()
				case len(p.Items) == 0:
					msg = "no purchase order yet"
				default:
					po = p.Items[0]
				}
				return nil
			})
			return msg
		})
		e.login(desk, "sam")
		line := po.Lines[0]
		e.run(desk, "receive the seal",
			chromedp.Navigate(e.srv.URL+"/ui/receipts"),
			chromedp.WaitVisible(chromedp.CSS("#qty-"+line.ID)),
			chromedp.SendKeys(chromedp.CSS("#qty-"+line.ID), "1"),
			submit("#receive-submit-"+po.Number),
			chromedp.WaitVisible(chromedp.CSS("p.notice")))
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			got, err := tx.ERPPurchaseOrder(e.ctx(), po.ID)
			if err != nil || got.Status != procurement.Received {
				t.Fatalf("%s after the receipt = %+v, %v; want received", po.Number, got, err)
			}
			return nil
		})
		eventually(t, "the work order's seal line is received", func() string {
			if m := e.materials(wo.ID)["SEAL-CART-55"]; m == nil || m.ProcurementStatus != workorder.ProcurementReceived {
				return fmt.Sprintf("seal line = %+v", m)
			}
			return ""
		})
		e.run(desk, "sign out", submit("#logout"))

		// The technician, on a phone.
		phone := e.browser(375, 812)
		e.login(phone, "tom")
		page := "/ui/my-work/" + wo.ID
		e.run(phone, "open the job from my work",
			chromedp.Navigate(e.srv.URL+"/ui/my-work"),
			chromedp.WaitVisible(chromedp.CSS(`#my-work a[href="`+page+`"]`)),
			submit(`#my-work a[href="`+page+`"]`),
			chromedp.WaitVisible(chromedp.CSS("#start")))
		e.fits(phone, "the job before it starts")
		e.run(phone, "start", submit("#start"), chromedp.WaitVisible(chromedp.CSS("#go-complete")), chromedp.WaitVisible(chromedp.CSS("#elapsed")))
		if s := e.workOrder(wo.ID).Status; s != workorder.InProgress {
			t.Fatalf("after Start the work order is %s; want in progress", s)
		}
		e.run(phone, "log time",
			chromedp.Click(chromedp.CSS("#labor > summary")),
			chromedp.WaitVisible(chromedp.CSS("#labor-hours")),
			jsValue("#labor-hours", "1.5"),
			submit("#labor-submit"),
			chromedp.WaitVisible(chromedp.CSS("#labor-list")))
		laborAmount := e.laborAtCraftRate(wo, "1.5").Amount
		e.run(phone, "issue the planned bearing by scanning its code",
			chromedp.Click(chromedp.CSS("#issue > summary")),
			chromedp.WaitVisible(chromedp.CSS("#issue-part")),
			chromedp.Focus(chromedp.CSS("#issue-part")),
			submitWith(chromedp.KeyEvent("BRG-6309-C3"+kb.Enter)),
			chromedp.WaitVisible(chromedp.CSS(`#issued-list li[data-part="BRG-6309-C3"]`)))
		if m := e.materials(wo.ID)["BRG-6309-C3"]; m == nil || m.Issued.String() != "1" {
			t.Fatalf("bearing line after the scan = %+v; want 1 issued", m)
		}
		e.run(phone, "add a special buy",
			chromedp.Click(chromedp.CSS("#buy > summary")),
			chromedp.WaitVisible(chromedp.CSS("#buy-description")),
			chromedp.SendKeys(chromedp.CSS("#buy-description"), "Gland packing 10 mm PTFE"),
			chromedp.SendKeys(chromedp.CSS("#buy-unit_cost"), "12.40"),
			submit("#buy-submit"),
			chromedp.WaitVisible(chromedp.CSS("#buy-list")))
		var buy *workorder.Material
		for _, m := range e.materialList(wo.ID) {
			if m.SpecialBuy && m.Description == "Gland packing 10 mm PTFE" {
				buy = &m
			}
		}
		if buy == nil || buy.UnitCost.String() != "12.40" {
			t.Fatalf("special buy = %+v; want the packing at 12.40", buy)
		}
		e.run(phone, "record a reading",
			chromedp.Click(chromedp.CSS("#reading > summary")),
			chromedp.WaitVisible(chromedp.CSS("#reading-value")),
			chromedp.SetValue(chromedp.CSS("#reading-meter"), "vibration_mm_s"),
			chromedp.SendKeys(chromedp.CSS("#reading-value"), "2.9"),
			submit("#reading-submit"),
			chromedp.WaitVisible(chromedp.CSS(`#meter-list li[data-last="2.9"]`)))
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			ms, err := assetMeterValues(e.ctx(), tx, wo.AssetID)
			if err != nil || ms["vibration_mm_s"] != "2.9" {
				t.Fatalf("last vibration reading = %v, %v; want 2.9", ms, err)
			}
			return nil
		})
		e.run(phone, "add a photo",
			chromedp.Click(chromedp.CSS("#photo > summary")),
			chromedp.WaitVisible(chromedp.CSS("#photo-photo")),
			chromedp.SetUploadFiles(chromedp.CSS("#photo-photo"), []string{pic}),
			submit("#photo-submit"),
			chromedp.WaitVisible(chromedp.CSS("#photo-list img")))
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			atts, err := tx.Attachments(e.ctx(), wo.ID)
			if err != nil || len(atts) != 1 || atts[0].ContentType != "image/png" || atts[0].CreatedBy != "tom" {
				t.Fatalf("attachments = %+v, %v; want tom's PNG", atts, err)
			}
			return nil
		})
		e.fits(phone, "the job in progress")
		e.run(phone, "complete with failure codes",
			chromedp.Click(chromedp.CSS("#go-complete")),
			chromedp.WaitVisible(chromedp.CSS("#complete-problem")))
		if w, _ := textOf(phone, "#complete-waiting"); !contains(w, "Gland packing 10 mm PTFE") || contains(w, "SEAL-CART-55") {
			t.Errorf("the completion sheet says %q; want the special buy not received, and not the received seal", w)
		}
		e.run(phone, "send the completion",
			chromedp.SendKeys(chromedp.CSS("#complete-problem"), "Leak"),
			chromedp.SendKeys(chromedp.CSS("#complete-cause"), "Packing worn"),
			chromedp.SendKeys(chromedp.CSS("#complete-remedy"), "Repacked"),
			jsValue("#complete-downtime", "0.5"),
			chromedp.SendKeys(chromedp.CSS("#complete-override_materials"), "packing taken from the spares cabinet"),
			submit("#complete-submit"),
			chromedp.WaitVisible(chromedp.CSS(`#wo-status[data-status="completed"]`)))
		e.fits(phone, "the completed job")
		e.shot(phone, "e2e-4-technician-done")
		done := e.workOrder(wo.ID)
		if done.Status != workorder.Completed || done.Problem != "Leak" || done.Cause != "Packing worn" || done.Remedy != "Repacked" || done.DowntimeHours.String() != "0.5" {
			t.Fatalf("work order = %+v; want completed with the failure codes and 0.5 h downtime", done)
		}
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			p, err := tx.AuditEntries(e.ctx(), store.AuditFilter{EntityType: "work_order", EntityID: wo.ID, Limit: 200})
			var found bool
			for _, a := range p.Items {
				found = found || a.Action == "complete_without_materials" && a.Actor == "tom" && strings.Contains(string(a.After), "packing taken from the spares cabinet")
			}
			if err != nil || !found {
				t.Errorf("the audit of %s has no override by tom with his reason (%v)", wo.Number, err)
			}
			return nil
		})

		// The controller: the labor is in the ledger under the pump's
		// cost center, and the home page's figure for it is the ledger's.
		e.drained()
		var cc string
		var actual, woCost millwright.Money
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			a, err := tx.Asset(e.ctx(), wo.AssetID)
			if err != nil {
				t.Fatal(err)
			}
			cc = a.CostCenter
			entries, err := tx.ERPEntries(e.ctx(), store.ERPEntryFilter{WorkOrderID: wo.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var period string
			for _, en := range entries.Items {
				if en.Source == "labor" && debits(en, cc).Equal(laborAmount.Decimal) {
					period = en.Period
				}
			}
			for _, en := range entries.Items {
				if en.Period == period {
					woCost = woCost.Add(debits(en, cc))
				}
			}
			if period == "" {
				t.Fatalf("the ledger has no labor entry of %s for %s on %s: %+v", laborAmount, wo.Number, cc, entries.Items)
			}
			actual, _, err = tx.ERPBudgetUse(e.ctx(), cc, period)
			return err
		})
		e.login(desk, "fiona")
		row := `#budget-table tr[data-cost-center="` + cc + `"] td.actual`
		e.run(desk, "the budget figures on the home page", chromedp.WaitVisible(chromedp.CSS(row)))
		shown, _ := textOf(desk, row)
		if strings.TrimSpace(shown) != actual.String() || actual.LessThan(woCost.Decimal) || woCost.LessThan(laborAmount.Decimal) {
			t.Errorf("%s's actual on the home page = %q; want the ledger's %s, which holds %s's %s (labor %s, parts)", cc, shown, actual, wo.Number, woCost, laborAmount)
		}
		if bar, _ := attr(desk, `#home-budget-chart g[data-label="`+cc+`"] rect[data-series="actual"]`, "data-value"); bar != actual.String() {
			t.Errorf("the bar of %s says %q; want %s", cc, bar, actual)
		}
		e.shot(desk, "e2e-5-controller")
		e.run(desk, "sign out", submit("#logout"))

		// The admin creates a user, who signs in.
		e.login(desk, "ada")
		e.run(desk, "create a user",
			chromedp.Navigate(e.srv.URL+"/ui/admin/users"),
			chromedp.WaitVisible(chromedp.CSS("#new-user-form")),
			chromedp.SendKeys(chromedp.CSS("#user-username"), "tess"),
			chromedp.SendKeys(chromedp.CSS("#user-password"), "tess-password-1"),
			chromedp.SetValue(chromedp.CSS("#user-role"), "technician"),
			chromedp.SetValue(chromedp.CSS("#user-site"), wo.SiteID),
			submit("#user-create"),
			chromedp.WaitVisible(chromedp.CSS("p.notice")))
		var tess *store.User
		e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
			tess, err = tx.UserByName(e.ctx(), "tess")
			return err
		})
		if tess == nil || tess.Role != millwright.Technician || tess.SiteID != wo.SiteID {
			t.Fatalf("created %+v; want a technician of the pump's site", tess)
		}
		e.run(desk, "tess signs in",
			submit("#logout"),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), "tess"),
			chromedp.SendKeys(chromedp.CSS("#password"), "tess-password-1"),
			submit("#signin"),
			chromedp.WaitVisible(chromedp.CSS("#logout")))
		if who, _ := textOf(desk, ".who"); !contains(who, "tess") {
			t.Errorf("signed in as %q; want tess", who)
		}
	})
}

// debits is what an entry debits to a cost center.
func debits(en ledger.Entry, cc string) millwright.Money {
	var sum millwright.Money
	for _, l := range en.Lines {
		if l.CostCenter == cc {
			sum = sum.Add(l.Debit)
		}
	}
	return sum
}

func (e *env) workOrder(id string) *workorder.WorkOrder {
	e.t.Helper()
	var w *workorder.WorkOrder
	if err := e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		w, err = tx.WorkOrder(e.ctx(), id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return w
}

func (e *env) materialList(woID string) []workorder.Material {
	e.t.Helper()
	var ms []workorder.Material
	if err := e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		ms, err = tx.Materials(e.ctx(), woID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// materials maps a work order's catalog lines by part number.
func (e *env) materials(woID string) map[string]*workorder.Material {
	out := map[string]*workorder.Material{}
	for _, m := range e.materialList(woID) {
		if !m.SpecialBuy {
			out[m.PartNumber] = &m
		}
	}
	return out
}
