package web_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/web"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// chromium finds Debian's chromium (or MILLWRIGHT_CHROMIUM). Without one
// the browser tests skip, unless MILLWRIGHT_REQUIRE_SERVICES=1.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MILLWRIGHT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MILLWRIGHT_REQUIRE_SERVICES") == "1" {
		t.Fatal("no chromium binary found and MILLWRIGHT_REQUIRE_SERVICES=1; install it with: apt-get install -y chromium")
	}
	t.Skip("browser test skipped: no chromium binary found (install it with: apt-get install -y chromium, or set MILLWRIGHT_CHROMIUM)")
	return ""
}

// env is the demo plant served by the same handlers as `millwright serve`.
type env struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	chrome string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	chrome := chromium(t)
	db := storetest.Open(t, store.SQLite)
	if res, err := demo.Load(t.Context(), db); err != nil || !res.Loaded {
		t.Fatalf("demo.Load = %+v, %v", res, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	root := http.NewServeMux()
	root.Handle("/", httpapi.New(db, log))
	root.Handle(web.Prefix, web.New(db, log))
	root.Handle("GET /{$}", http.RedirectHandler(web.Prefix, http.StatusSeeOther))
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, srv: srv, chrome: chrome}
}

// startDispatcher runs the outbox dispatcher against the embedded ERP in
// process until the test ends, as internal/httpapi's integration tests do.
func (e *env) startDispatcher() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	d := &outbox.Dispatcher{DB: e.db, Connector: erp.New(e.db), Interval: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
	go func() { done <- d.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("dispatcher Run = %v; want nil", err)
		}
	})
}

// browser starts a headless chromium with a window of width × height.
func (e *env) browser(width, height int) context.Context {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(e.chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(e.t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 3*time.Minute)
	e.t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		e.t.Fatalf("start chromium %s: %v", e.chrome, err)
	}
	return ctx
}

func (e *env) run(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := textOf(ctx, "main")
		e.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, body)
	}
}

// login signs a demo user in through the form.
func (e *env) login(ctx context.Context, user string) {
	e.t.Helper()
	e.run(ctx, "sign in as "+user,
		chromedp.Navigate(e.srv.URL+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		submit("#signin"),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

// shot saves a screenshot of the whole page to docs/screenshots/name.png
// when MILLWRIGHT_SCREENSHOTS=1, so an ordinary test run leaves the tree alone.
func (e *env) shot(ctx context.Context, name string) {
	e.t.Helper()
	if os.Getenv("MILLWRIGHT_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// workOrderByTitle finds a demo work order.
func (e *env) workOrderByTitle(title string) *workorder.WorkOrder {
	e.t.Helper()
	var found *workorder.WorkOrder
	err := e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.WorkOrders(e.ctx(), workorder.Filter{Limit: 500})
		for i := range p.Items {
			if p.Items[i].Title == title {
				found = &p.Items[i]
			}
		}
		return err
	})
	if err != nil || found == nil {
		e.t.Fatalf("work order %q: %v (not in the demo plant?)", title, err)
	}
	return found
}

func (e *env) ctx() context.Context {
	return millwright.WithPrincipal(e.t.Context(), millwright.Principal{Username: "test", Role: millwright.Admin})
}

// eventually polls f every 50 ms for up to 20 s until it returns "".
func eventually(t *testing.T, what string, f func() string) {
	t.Helper()
	within(t, 20*time.Second, what, f)
}

// within is eventually with its own bound, for waits whose length is the
// machine's speed and not what the test checks.
func within(t *testing.T, bound time.Duration, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after %v: %s", what, bound, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// failing is a connector whose every send fails as a network error would.
type failing struct{ integration.Connector }

func (failing) Send(context.Context, integration.Message) ([]integration.Event, error) {
	return nil, errors.New("dial tcp 10.0.0.1:443: connection refused")
}

func textOf(ctx context.Context, sel string) (string, error) {
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
}

func attr(ctx context.Context, sel, name string) (string, error) {
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err == nil && !v.Exists {
		err = fmt.Errorf("%s has no attribute %s", sel, name)
	}
	return v.Value, err
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// submit clicks a button that submits a form and waits for the page the
// server answers with (a redirect after a POST), so that the next step
// does not act on the page that is going away.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return submitWith(chromedp.Click(chromedp.CSS(sel)))
}

// submitWith runs an action that submits a form (a click, Enter) and
// waits for the next page.
func submitWith(act chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Evaluate[bool](`window.__leaving = true`)(ctx, t); err != nil {
			return err
		}
		if _, err := act(ctx, t); err != nil {
			return err
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			// Errors are expected while the page is replaced.
			done, err := chromedp.Evaluate[bool](`window.__leaving === undefined && document.readyState === "complete"`)(ctx, t)
			if err == nil && done {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(25 * time.Millisecond):
			}
		}
		return errors.New("no new page 30 s after the form was sent")
	})
}

// requisitionOf waits until the ERP holds a requisition for work order w
// (the dispatcher delivered its release) and returns it.
func (e *env) requisitionOf(w *workorder.WorkOrder) procurement.Requisition {
	e.t.Helper()
	var req procurement.Requisition
	eventually(e.t, "the release's requisition reaches the ERP", func() string {
		var msg string
		e.db.View(e.ctx(), func(tx *store.Tx) error {
			p, err := tx.ERPRequisitions(e.ctx(), store.ERPRequisitionFilter{WorkOrderID: w.ID, Limit: 10})
			switch {
			case err != nil:
				msg = err.Error()
			case len(p.Items) == 0:
				msg = "no requisition for " + w.Number + " yet"
			default:
				req = p.Items[0]
			}
			return nil
		})
		return msg
	})
	return req
}

// laborAtCraftRate fails unless work order w holds one labor entry, tom's
// hours at the mechanic craft's rate of its site, and returns it.
func (e *env) laborAtCraftRate(w *workorder.WorkOrder, hours string) workorder.Labor {
	e.t.Helper()
	var craft *workorder.Craft
	var labor []workorder.Labor
	e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		if craft, err = tx.CraftAt(e.ctx(), "mechanic", w.SiteID); err != nil {
			return err
		}
		labor, err = tx.LaborEntries(e.ctx(), w.ID)
		return err
	})
	if craft == nil || len(labor) != 1 || labor[0].Technician != "tom" || labor[0].Rate.String() != craft.Rate.String() || labor[0].Hours.String() != hours {
		e.t.Fatalf("labor = %+v; want tom's %s h at the mechanic craft's rate %+v", labor, hours, craft)
	}
	return labor[0]
}
