package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/web"
)

// envOn is newEnv over a database of either engine.
func envOn(t *testing.T, db *store.DB) *env {
	t.Helper()
	chrome := chromium(t)
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

// js runs a script in the page as an action.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](script)(ctx, t)
		return err
	})
}

// The planner filters the board by priority, assigns a work order with the
// card's form and schedules it by dropping the card on a day, then reads
// the backlog; finance sees the labor cost of a work order in the budget
// chart on the home page. From the screen only, on both engines.
func TestBrowserBoardBacklogAndBudgetChart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := envOn(t, db)
		e.startDispatcher()
		wo := e.workOrderByTitle("Couch pit pump leaking at the gland")
		ctx := e.browser(1280, 900)
		e.login(ctx, "paula")
		e.run(ctx, "filter the board by priority",
			chromedp.Navigate(e.srv.URL+"/ui/board"),
			chromedp.WaitVisible(chromedp.CSS("#board-filters")),
			chromedp.SetValue(chromedp.CSS("#bf-priority"), "3"),
			submit("#bf-apply"),
			chromedp.WaitVisible(chromedp.CSS("#board")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		board, _ := textOf(ctx, "#board")
		if !contains(loc, "/ui/board?") || !contains(loc, "priority=3") || !contains(board, "Couch pit pump leaking") || contains(board, "Boiler 2 FD fan tripped") {
			t.Fatalf("the board filtered by priority 3 at %s:\n%s", loc, board)
		}
		card := fmt.Sprintf(`li[data-wo="%s"]`, wo.ID)
		e.run(ctx, "assign with the card's form",
			chromedp.Click(chromedp.CSS(card+" summary")),
			chromedp.WaitVisible(chromedp.CSS("#assign-"+wo.ID)),
			chromedp.SetValue(chromedp.CSS("#assign-"+wo.ID), "tom"),
			submit("#assign-save-"+wo.ID),
			chromedp.WaitVisible(chromedp.CSS(card)))
		loc, _ = chromedp.Run(ctx, chromedp.Location())
		notice, _ := textOf(ctx, ".notice")
		text, _ := textOf(ctx, card)
		if !strings.HasSuffix(loc, "/ui/board?priority=3") || !contains(notice, "assigned to tom") || !contains(text, "tom") {
			t.Fatalf("after assigning: at %s, notice %q, card %q", loc, notice, text)
		}
		day, err := attr(ctx, `[data-drop-day]:nth-of-type(3)`, "data-drop-day")
		if err != nil {
			t.Fatal(err)
		}
		e.run(ctx, "drop the card on a day",
			submitWith(js(fmt.Sprintf(`(function () {
				var dt = new DataTransfer();
				var card = document.querySelector('%s');
				card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
				var zone = document.querySelector('[data-drop-day="%s"]');
				zone.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
				zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
				return true;
			})()`, card, day))),
			chromedp.WaitVisible(chromedp.CSS(card)))
		if text, _ = textOf(ctx, card); !contains(text, "tom · "+day) {
			t.Fatalf("after the drop on %s the card says %q", day, text)
		}
		e.shot(ctx, "planner-board-filtered")
		e.run(ctx, "the backlog", chromedp.Navigate(e.srv.URL+"/ui/backlog"), chromedp.WaitVisible(chromedp.CSS("#aging")))
		if total, _ := textOf(ctx, "#backlog-total"); total == "" || total == "0" {
			t.Errorf("the backlog's total is %q", total)
		}
		e.shot(ctx, "planner-backlog")

		// The emergency on B-02-FAN has 4 h at 72.00 and 2 h at 75.00 of
		// labor: once the ERP has posted them, its cost center's actual
		// this month holds them, in the table and on the bar.
		e.drained()
		fctx := e.browser(1280, 1000)
		e.login(fctx, "fiona")
		row := `#budget-table tr[data-cost-center="CC-NPWR"] td.actual`
		e.run(fctx, "the budget chart", chromedp.WaitVisible(chromedp.CSS(row)))
		got, _ := textOf(fctx, row)
		actual, err := decimal.NewFromString(strings.TrimSpace(got))
		if err != nil || actual.LessThan(decimal.RequireFromString("438.00")) {
			t.Errorf("CC-NPWR's actual on the home page = %q; want at least the fan's labor, 438.00", got)
		}
		bar, _ := attr(fctx, `#home-budget-chart g[data-label="CC-NPWR"] rect[data-series="actual"]`, "data-value")
		if bar != strings.TrimSpace(got) {
			t.Errorf("the bar of CC-NPWR says %q; the table %q", bar, got)
		}
		e.shot(fctx, "home-finance")
	})
}
