package web_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// tabTo presses Tab until the element with id has the focus, as a person
// with a keyboard only does, and fails after max presses.
func (e *env) tabTo(ctx context.Context, id string, max int) {
	e.t.Helper()
	for range max {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			e.t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if err != nil {
			e.t.Fatal(err)
		}
		if got == id {
			return
		}
	}
	e.t.Fatalf("#%s not reached with %d presses of Tab", id, max)
}

// keys types into the focused element.
func (e *env) keys(ctx context.Context, s string) {
	e.t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(s)); err != nil {
		e.t.Fatal(err)
	}
}

// By keyboard only: a technician signs in and files a work request,
// moving with Tab, choosing the urgency with the arrow keys and sending
// with Enter; the request is filed as typed.
func TestBrowserKeyboardOnly(t *testing.T) {
	e := newEnv(t)
	ctx := e.browser(1024, 800)
	e.run(ctx, "open the sign-in page", chromedp.Navigate(e.srv.URL+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#username")))
	e.tabTo(ctx, "username", 10)
	e.keys(ctx, "tom")
	e.tabTo(ctx, "password", 3)
	e.keys(ctx, demo.Password+kb.Enter)
	e.run(ctx, "signed in", chromedp.WaitVisible(chromedp.CSS("#logout")))

	e.run(ctx, "open the request portal", chromedp.Navigate(e.srv.URL+"/ui/requests"), chromedp.WaitVisible(chromedp.CSS("#request-form")))
	e.tabTo(ctx, "req-asset", 40)
	e.keys(ctx, "P-101")
	e.tabTo(ctx, "req-title", 3)
	e.keys(ctx, "Seal drips by keyboard")
	e.tabTo(ctx, "req-description", 3)
	e.keys(ctx, "Found on the night round")
	e.keys(ctx, kb.Tab) // into the urgency choices
	e.keys(ctx, kb.ArrowDown)
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input[name=priority]:checked') ? document.querySelector('input[name=priority]:checked').value : ""`))
	if err != nil || picked == "" {
		t.Fatalf("urgency after the arrow key = %q (%v); want one chosen", picked, err)
	}
	e.tabTo(ctx, "req-submit", 6)
	e.keys(ctx, kb.Enter)
	e.run(ctx, "filed", chromedp.WaitVisible(chromedp.CSS("p.notice")))
	w := e.workOrderByTitle("Seal drips by keyboard")
	if w.Status != workorder.Requested || w.CreatedBy != "tom" || w.Description != "Found on the night round" || picked != strconv.Itoa(w.Priority) {
		t.Fatalf("filed %+v (urgency %s); want tom's request as typed", w, picked)
	}
}
