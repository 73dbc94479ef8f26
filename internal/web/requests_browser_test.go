package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright/internal/workorder"
)

// From the screen only: a storekeeper on a 375 px phone files a request
// from the portal (first without a title, which is explained beside the
// field with the rest kept); the planner opens it from the portal,
// approves it, adds a stock and a direct part and releases it; the
// approver finds the direct part's requisition in the inbox; the
// storekeeper sees the request released under My requests.
func TestBrowserRequestToReleasedWorkOrder(t *testing.T) {
	e := newEnv(t)
	e.startDispatcher()
	ctx := e.browser(375, 812)
	e.login(ctx, "sam")
	e.run(ctx, "open the portal and send the form without a title",
		chromedp.Navigate(e.srv.URL+"/ui/requests"),
		chromedp.WaitVisible(chromedp.CSS("#request-form")),
		chromedp.SetValue(chromedp.CSS("#req-site-pick"), "NORTH"),
		submit("#req-site-go"),
		chromedp.WaitVisible(chromedp.CSS("#req-asset")),
		chromedp.SendKeys(chromedp.CSS("#req-asset"), "P-102"),
		chromedp.SendKeys(chromedp.CSS("#req-description"), "Loud rattle from the bearing housing"),
		chromedp.Click(chromedp.CSS("#req-priority-2")),
		submit("#req-submit"),
		chromedp.WaitVisible(chromedp.CSS("#req-title-error")),
	)
	desc, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#req-description")))
	tag, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#req-asset")))
	urgent, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#req-priority-2").checked`))
	if desc != "Loud rattle from the bearing housing" || tag != "P-102" || !urgent {
		t.Errorf("after the refusal the form holds %q, %q, urgent %v; want what was there", desc, tag, urgent)
	}
	if w := e.pageWidth(ctx); w > 375 {
		t.Errorf("the portal is %d px wide on a 375 px screen; want no horizontal scrolling", w)
	}
	e.run(ctx, "give a title and file",
		chromedp.SendKeys(chromedp.CSS("#req-title"), "Feed pump B rattles"),
		submit("#req-submit"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	wo := e.workOrderByTitle("Feed pump B rattles")
	if n, _ := textOf(ctx, "p.notice"); !strings.Contains(n, "Request "+wo.Number+" filed") {
		t.Errorf("notice = %q; want the request's number %s", n, wo.Number)
	}
	if wo.Status != workorder.Requested || wo.CreatedBy != "sam" || wo.Priority != 2 {
		t.Fatalf("filed %+v; want sam's P2 request", wo)
	}
	e.shot(ctx, "requester-portal")
	e.run(ctx, "sign out", submit("#logout"))

	e.login(ctx, "paula")
	e.run(ctx, "open the request from the portal and approve it",
		chromedp.Navigate(e.srv.URL+"/ui/requests?site=NORTH"),
		chromedp.WaitVisible(chromedp.CSS(`#open-requests tr[data-number="`+wo.Number+`"] a`)),
		submit(`#open-requests tr[data-number="`+wo.Number+`"] a`),
		chromedp.WaitVisible(chromedp.CSS("#review-form")),
		chromedp.SetValue(chromedp.CSS("#review-type"), "corrective"),
		chromedp.SetValue(chromedp.CSS("#review-priority"), "2"),
		submit("#review-approve"),
		chromedp.WaitVisible(chromedp.CSS(`#plan-status[data-status="approved"]`)),
	)
	e.run(ctx, "add two bearings from stock",
		chromedp.SendKeys(chromedp.CSS("#stock-part"), "BRG-6309-C3"),
		chromedp.SetValue(chromedp.CSS("#stock-quantity"), "2"),
		submit("#stock-submit"),
		chromedp.WaitVisible(chromedp.CSS(`#plan-materials tr[data-part="BRG-6309-C3"]`)),
	)
	if on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#direct-arm").checked`)); err != nil || !on {
		t.Errorf("request at release is %v, %v for the pump; want it on, as the pump's class says", on, err)
	}
	e.run(ctx, "add a cartridge seal to buy, requested at release",
		chromedp.SendKeys(chromedp.CSS("#direct-part"), "SEAL-CART-55"),
		chromedp.SetValue(chromedp.CSS("#direct-quantity"), "1"),
		submit("#direct-submit"),
		chromedp.WaitVisible(chromedp.CSS(`#plan-materials tr[data-part="SEAL-CART-55"]`)),
	)
	e.shot(ctx, "planner-plan-request")
	e.run(ctx, "release",
		submit("#plan-release"),
		chromedp.WaitVisible(chromedp.CSS(`#plan-status[data-status="released"]`)),
	)
	if w := e.workOrderByTitle("Feed pump B rattles"); w.Status != workorder.Released || w.Priority != 2 {
		t.Fatalf("after release %+v", w)
	}
	e.run(ctx, "sign out", submit("#logout"))

	e.login(ctx, "alan")
	eventually(t, "the approver's inbox lists the seal's requisition for "+wo.Number, func() string {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/approvals")); err != nil {
			return err.Error()
		}
		body, err := textOf(ctx, "main")
		if err != nil {
			return err.Error()
		}
		if !strings.Contains(body, wo.Number) || !strings.Contains(body, "SEAL-CART-55") {
			return "not yet"
		}
		return ""
	})
	e.run(ctx, "sign out", submit("#logout"))

	e.login(ctx, "sam")
	e.run(ctx, "my requests shows it released",
		chromedp.Navigate(e.srv.URL+"/ui/requests"),
		chromedp.WaitVisible(chromedp.CSS(`#my-requests li[data-number="`+wo.Number+`"][data-status="released"]`)),
	)
}
