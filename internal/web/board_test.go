package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The board filters by GET parameters (so a filtered view has a URL), a
// bad filter is shown beside its field with what was typed, and a user
// of one site sees only that site's work.
func TestBoardFilters(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		paula, _ := s.login("paula")
		code, body, _ := paula.get("/ui/board")
		if code != http.StatusOK || !strings.Contains(body, "<title>Planning board · Millwright</title>") {
			t.Fatalf("board = %d; want 200 with its title", code)
		}
		for _, title := range []string{"Boiler 2 FD fan tripped on high vibration", "Couch pit pump leaking at the gland", "Line 1 infeed conveyor belt tracking off"} {
			if !strings.Contains(body, title) {
				t.Errorf("the unfiltered board lacks %q", title)
			}
		}
		_, body, _ = paula.get("/ui/board?priority=1")
		if !strings.Contains(body, "Boiler 2 FD fan tripped") || strings.Contains(body, "Couch pit pump leaking") {
			t.Errorf("priority=1 does not show only the emergency work")
		}
		_, body, _ = paula.get("/ui/board?q=couch+pit")
		if !strings.Contains(body, "Couch pit pump leaking") || strings.Contains(body, "Boiler 2 FD fan tripped") {
			t.Errorf("q=couch pit does not find by title only")
		}
		_, body, _ = paula.get("/ui/board?q=B-02-FAN")
		if !strings.Contains(body, "Boiler 2 FD fan tripped") || strings.Contains(body, "Couch pit pump leaking") {
			t.Errorf("q=B-02-FAN does not find by asset tag")
		}
		_, body, _ = paula.get("/ui/board?asset=P-101")
		if !strings.Contains(body, "Boiler feed pump A overhaul") || strings.Contains(body, "Couch pit pump leaking") {
			t.Errorf("asset=P-101 does not show the pump's work only")
		}
		_, body, _ = paula.get("/ui/board?due=week")
		if !strings.Contains(body, "Boiler feed pump A overhaul") || strings.Contains(body, "minimum pressure valve failed") {
			t.Errorf("due=week: want today's job, not yesterday's")
		}
		_, body, _ = paula.get("/ui/board?due=overdue")
		if !strings.Contains(body, "minimum pressure valve failed") || strings.Contains(body, "Boiler feed pump A overhaul") {
			t.Errorf("due=overdue: want yesterday's job only")
		}
		_, body, _ = paula.get("/ui/board?assignee=tom&site=SOUTH")
		if strings.Contains(body, "Boiler feed pump A overhaul") || strings.Contains(body, "Line 1 infeed conveyor belt") {
			t.Errorf("assignee=tom at SOUTH shows work that is not tom's at SOUTH")
		}
		code, body, _ = paula.get("/ui/board?asset=NOPE-9&priority=9")
		if code != http.StatusBadRequest || !strings.Contains(body, `id="bf-priority-error"`) || !strings.Contains(body, `value="NOPE-9"`) {
			t.Errorf("bad filters = %d; want 400 with the error beside priority and the asset typed kept", code)
		}
		// tom is of NORTH: SOUTH's work is not on his board, whatever he asks.
		tom, _ := s.login("tom")
		_, body, _ = tom.get("/ui/board?site=SOUTH")
		if strings.Contains(body, "Line 1 infeed conveyor belt tracking off") || !strings.Contains(body, "Couch pit pump leaking") {
			t.Errorf("a NORTH user's board shows SOUTH's work or not NORTH's")
		}
		if strings.Contains(body, `id="assign-form-`) {
			t.Errorf("a technician's board offers the assign form")
		}
	})
}

// The due filters of a board over every site take each site's today in
// its own time zone: at 02:00 UTC the demo's plants (Chicago, New York)
// are still on the day before, and their job of today is due this week,
// not overdue. (The board took UTC's date, so this failed every night
// from midnight UTC until the plants' midnight.)
func TestBoardDueBySiteDay(t *testing.T) {
	now := time.Now().UTC()
	at := time.Date(now.Year(), now.Month(), now.Day()+1, 2, 0, 0, 0, time.UTC) // ahead, so sessions stay valid
	runSiteAt(t, at, func(t *testing.T, s *site) {
		paula, _ := s.login("paula")
		_, body, _ := paula.get("/ui/board?due=week")
		if !strings.Contains(body, "Boiler feed pump A overhaul") || strings.Contains(body, "minimum pressure valve failed") {
			t.Errorf("due=week at 02:00 UTC: want the plant's job of today, not yesterday's")
		}
		_, body, _ = paula.get("/ui/board?due=overdue")
		if !strings.Contains(body, "minimum pressure valve failed") || strings.Contains(body, "Boiler feed pump A overhaul") {
			t.Errorf("due=overdue at 02:00 UTC: want the plant's job of yesterday only")
		}
		// The days to drop a card on start at the plants' today.
		plant := at.Add(-6 * time.Hour).Format(workorder.DateLayout)
		_, body, _ = paula.get("/ui/board")
		if _, after, _ := strings.Cut(body, `data-drop-day="`); !strings.HasPrefix(after, plant) {
			t.Errorf("the board's first day is not the plants' today %s", plant)
		}
	})
}

// The card's form assigns and schedules through the assign route and
// comes back to the board as it was filtered; a bad assignee is refused
// and changes nothing; a technician may not assign.
func TestBoardAssign(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		wo := s.workOrder("Couch pit pump leaking at the gland")
		paula, _ := s.login("paula")
		paula.get("/ui/board?priority=3")
		back := "/ui/board?priority=3"
		code, _, h := paula.post("/ui/work-orders/"+wo.ID+"/assign", url.Values{"csrf": {paula.csrf}, "next": {back},
			"assigned_to": {"tom"}, "scheduled_on": {"2031-03-04"}})
		if code != http.StatusSeeOther || h.Get("Location") != back {
			t.Fatalf("assign = %d to %q; want 303 to %s", code, h.Get("Location"), back)
		}
		if got := s.reload(wo.ID); got.AssignedTo != "tom" || got.ScheduledOn != "2031-03-04" {
			t.Errorf("after assign: %q on %q; want tom on 2031-03-04", got.AssignedTo, got.ScheduledOn)
		}
		_, body, _ := paula.get(back)
		if !strings.Contains(body, "assigned to tom") {
			t.Errorf("the board does not say the card was assigned")
		}
		code, _, h = paula.post("/ui/work-orders/"+wo.ID+"/assign", url.Values{"csrf": {paula.csrf}, "next": {back},
			"assigned_to": {"nobody-such"}, "scheduled_on": {""}})
		if code != http.StatusSeeOther || h.Get("Location") != back {
			t.Fatalf("bad assign = %d to %q; want 303 back to the board", code, h.Get("Location"))
		}
		if _, body, _ = paula.get(back); !strings.Contains(body, "is not a user") {
			t.Errorf("the board does not say why the assignee was refused")
		}
		if got := s.reload(wo.ID); got.AssignedTo != "tom" {
			t.Errorf("a refused assign changed the assignee to %q", got.AssignedTo)
		}
		// A next elsewhere is ignored: the work order's page instead.
		_, _, h = paula.post("/ui/work-orders/"+wo.ID+"/assign", url.Values{"csrf": {paula.csrf}, "next": {"https://evil.example/"},
			"assigned_to": {"tom"}})
		if h.Get("Location") != "/ui/work-orders/"+wo.ID {
			t.Errorf("next=https://evil.example/ sent the browser to %q", h.Get("Location"))
		}
		tom, _ := s.login("tom")
		if code, _, _ := tom.post("/ui/work-orders/"+wo.ID+"/assign", url.Values{"csrf": {tom.csrf}, "next": {back}, "assigned_to": {""}}); code != http.StatusForbidden {
			t.Errorf("a technician's assign = %d; want 403", code)
		}
	})
}

// The backlog counts open work by priority and age as the report does and
// lists the oldest first; a NORTH user sees NORTH's only.
func TestBacklogAging(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		paula, _ := s.login("paula")
		code, body, _ := paula.get("/ui/backlog")
		if code != http.StatusOK || !strings.Contains(body, "<title>Backlog · Millwright</title>") || !strings.Contains(body, `id="backlog-chart"`) {
			t.Fatalf("backlog = %d; want 200 with its title and chart", code)
		}
		// The demo's request of 120 days ago is over 90 days old, and the
		// oldest of its priority.
		i := strings.Index(body, `id="oldest-p3"`)
		if i < 0 {
			t.Fatal("no list of priority 3")
		}
		p3 := body[i:]
		if j := strings.Index(p3, "</table>"); j > 0 {
			p3 = p3[:j]
		}
		if !strings.Contains(p3, "Admin air handler access door hinge broken") || !strings.Contains(p3, "over 90 days") {
			t.Errorf("priority 3 lacks the request of 120 days ago in the over-90 bucket")
		}
		if strings.Index(p3, "access door hinge") > strings.Index(p3, "Couch pit pump leaking") {
			t.Errorf("priority 3 is not oldest first")
		}
		tom, _ := s.login("tom")
		_, body, _ = tom.get("/ui/backlog?site=SOUTH")
		if strings.Contains(body, "Warehouse air handler belt squeal") || !strings.Contains(body, "Couch pit pump leaking") {
			t.Errorf("a NORTH user's backlog shows SOUTH's work or not NORTH's")
		}
	})
}

// Each role's home shows what it watches, for its site.
func TestDashboards(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		paula, _ := s.login("paula")
		_, body, _ := paula.get("/ui/")
		for _, id := range []string{`id="dash-backlog"`, `id="backlog-chart"`, `id="pm-compliance"`, `id="mtbf-chart"`, `id="mttr-chart"`, `id="trend-table"`} {
			if !strings.Contains(body, id) {
				t.Errorf("the planner's home lacks %s", id)
			}
		}
		if strings.Contains(body, `id="dash-budget"`) || strings.Contains(body, `id="dash-integration"`) {
			t.Errorf("the planner's home shows finance or integration")
		}
		// The demo's history: a month with failures has an MTTR.
		if !strings.Contains(body, `data-series="MTTR hours"`) {
			t.Errorf("the MTTR chart has no bars")
		}
		fiona, _ := s.login("fiona")
		_, body, _ = fiona.get("/ui/")
		if !strings.Contains(body, `id="home-budget-chart"`) || !strings.Contains(body, `data-cost-center="CC-NPWR"`) {
			t.Errorf("finance's home lacks the budget chart by cost center")
		}
		ivan, _ := s.login("ivan")
		_, body, _ = ivan.get("/ui/")
		if !strings.Contains(body, `id="dash-integration"`) || !strings.Contains(body, "503 Service Unavailable") || !strings.Contains(body, `id="replay-`) {
			t.Errorf("integration's home lacks the demo's dead message with its replay button")
		}
		tom, _ := s.login("tom")
		if code, _, h := tom.get("/ui/"); code != http.StatusSeeOther || h.Get("Location") != "/ui/my-work" {
			t.Errorf("the technician's home = %d to %q; want My work, his work of today", code, h.Get("Location"))
		}
		sam, _ := s.login("sam")
		if code, _, h := sam.get("/ui/"); code != http.StatusSeeOther || h.Get("Location") != "/ui/stock" {
			t.Errorf("the storekeeper's home = %d to %q; want his stock page", code, h.Get("Location"))
		}
	})
}

func (s *site) reload(id string) *workorder.WorkOrder {
	s.t.Helper()
	var w *workorder.WorkOrder
	if err := s.db.View(s.ctx(), func(tx *store.Tx) (err error) {
		w, err = tx.WorkOrder(s.ctx(), id)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return w
}
