package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
)

// clock sets the database's clock to t for the requests that follow.
type clock struct{ now atomic.Int64 }

func newClock(a *api) *clock {
	c := &clock{}
	a.db.Clock = func() time.Time { return time.Unix(0, c.now.Load()).UTC() }
	return c
}

func (c *clock) set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.now.Store(t.UnixNano())
}

// rows renders the items of a report as "key=value ..." lines, with the
// fields named, in order.
func rows(t *testing.T, r resp, fields ...string) string {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("report = %d %s", r.Status, r.Raw)
	}
	var lines []string
	for _, it := range r.Body["items"].([]any) {
		m := it.(map[string]any)
		var parts []string
		for _, f := range fields {
			parts = append(parts, fmt.Sprintf("%s=%v", f, m[f]))
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return strings.Join(lines, "\n")
}

// failure makes a work order of type typ on assetID, created at created,
// and completes it at completed with downtime hours.
func failure(t *testing.T, a *api, c *clock, p *plant, assetID, typ, created, completed string, downtime float64) string {
	t.Helper()
	c.set(created)
	id := mustWorkOrder(t, a, p, map[string]any{"type": typ, "asset_id": assetID, "copy_bom": false}).str("id")
	mustDrive(t, a, id, path("in_progress")...)
	if completed != "" {
		c.set(completed)
		a.must(200, "POST", "/api/v1/work-orders/"+id+"/complete", map[string]any{"problem": "leak", "cause": "wear", "remedy": "replaced", "downtime_hours": downtime})
	}
	return id
}

func TestReliabilityReport(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		c := newClock(a)
		failure(t, a, c, p, p.Pump, "corrective", "2026-01-02T08:00:00Z", "2026-01-03T08:00:00Z", 6)
		failure(t, a, c, p, p.Pump, "emergency", "2026-01-05T08:00:00Z", "2026-01-05T12:00:00Z", 4.5)
		failure(t, a, c, p, p.BareAsset, "corrective", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z", 2)
		failure(t, a, c, p, p.ARMAsset, "preventive", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z", 3) // not a failure
		failure(t, a, c, p, p.Pump, "corrective", "2026-01-11T08:00:00Z", "2026-01-12T08:00:00Z", 1)     // after the window
		failure(t, a, c, p, p.Pump, "corrective", "2026-01-04T08:00:00Z", "", 0)                         // not completed
		failure(t, a, c, p, p.SouthAsset, "corrective", "2026-01-04T08:00:00Z", "2026-01-04T09:00:00Z", 1)
		c.set("2026-03-01T00:00:00Z")

		win := "from=2026-01-01T00:00:00Z&to=2026-01-11T00:00:00Z" // 240 hours
		r := a.must(200, "GET", "/api/v1/reports/reliability?"+win, nil)
		if r.Body["period_hours"] != 240.0 || r.str("by") != "asset" {
			t.Fatalf("report = %s", r.Raw)
		}
		fields := []string{"asset_tag", "failures", "downtime_hours", "operating_hours", "mtbf_hours", "mttr_hours"}
		want := strings.Join([]string{
			"asset_tag=P-101 failures=2 downtime_hours=10.5 operating_hours=229.5 mtbf_hours=114.75 mttr_hours=5.25",
			"asset_tag=P-102 failures=1 downtime_hours=2 operating_hours=238 mtbf_hours=238 mttr_hours=2",
			"asset_tag=P-103 failures=0 downtime_hours=0 operating_hours=240 mtbf_hours=<nil> mttr_hours=<nil>",
			"asset_tag=P-201 failures=1 downtime_hours=1 operating_hours=239 mtbf_hours=239 mttr_hours=1",
		}, "\n")
		if got := rows(t, r, fields...); got != want {
			t.Fatalf("by asset:\n%s\nwant\n%s", got, want)
		}
		// By class: 4 pumps, 4 failures, 13.5 h down: (4 × 240 − 13.5) / 4 = 236.625.
		classFields := []string{"asset_class_code", "assets", "failures", "downtime_hours", "operating_hours", "mtbf_hours", "mttr_hours"}
		if got := rows(t, a.must(200, "GET", "/api/v1/reports/reliability?by=asset_class&"+win, nil), classFields...); got !=
			"asset_class_code=PUMP assets=4 failures=4 downtime_hours=13.5 operating_hours=946.5 mtbf_hours=236.63 mttr_hours=3.38" {
			t.Fatalf("by class: %s", got)
		}
		// A user of NORTH sees NORTH's three pumps: (720 − 12.5) / 3.
		north := a.token("nora", millwright.Technician, p.Site)
		if got := rows(t, a.do("GET", "/api/v1/reports/reliability?by=asset_class&"+win, north, nil), classFields...); got !=
			"asset_class_code=PUMP assets=3 failures=3 downtime_hours=12.5 operating_hours=707.5 mtbf_hours=235.83 mttr_hours=4.17" {
			t.Fatalf("NORTH by class: %s", got)
		}
		wantError(t, a.do("GET", "/api/v1/reports/reliability?site_id="+p.OtherSite, north, nil), 403, "site_forbidden")
		wantError(t, a.do("GET", "/api/v1/reports/reliability?by=site", north, nil), 400, "invalid_group")
		wantError(t, a.do("GET", "/api/v1/reports/reliability?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", north, nil), 400, "invalid_window")
		// With no from, the window is the 365 days before to: the failure of
		// 2026-01-12 counts too.
		r = a.must(200, "GET", "/api/v1/reports/reliability?to=2026-03-01T00:00:00Z&site_id="+p.Site, nil)
		if r.str("from") != "2025-03-01T00:00:00Z" || !strings.HasPrefix(rows(t, r, "asset_tag", "failures"), "asset_tag=P-101 failures=3") {
			t.Fatalf("default window = %s", r.Raw)
		}
	})
}

func TestBacklogReport(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		c := newClock(a)
		open := func(priority int, created, assetID string) string {
			c.set(created)
			return mustWorkOrder(t, a, p, map[string]any{"priority": priority, "asset_id": assetID}).str("id")
		}
		open(1, "2026-02-27T00:00:00Z", p.Pump)      // 2 days
		open(1, "2025-11-01T00:00:00Z", p.Pump)      // 120 days
		open(3, "2026-02-01T00:00:00Z", p.BareAsset) // 28 days
		open(3, "2026-01-01T00:00:00Z", p.BareAsset) // 59 days
		open(4, "2026-02-22T00:00:00Z", p.Pump)      // 7 days exactly
		open(4, "2026-02-28T00:00:00Z", p.SouthAsset)
		mustDrive(t, a, open(2, "2026-02-01T00:00:00Z", p.Pump), path("completed")...)
		mustDrive(t, a, open(2, "2026-02-01T00:00:00Z", p.Pump), "cancel")
		c.set("2026-03-05T00:00:00Z")

		r := a.must(200, "GET", "/api/v1/reports/backlog?to=2026-03-01T00:00:00Z&site_id="+p.Site, nil)
		var b struct {
			AsOf       string           `json:"as_of"`
			Total      map[string]int   `json:"total"`
			ByPriority []map[string]int `json:"by_priority"`
		}
		json.Unmarshal(r.Raw, &b)
		row := func(m map[string]int) string {
			return fmt.Sprintf("p%d %d: %d %d %d %d", m["priority"], m["total"], m["days_0_7"], m["days_8_30"], m["days_31_90"], m["days_over_90"])
		}
		var got []string
		for _, m := range append([]map[string]int{b.Total}, b.ByPriority...) {
			got = append(got, row(m))
		}
		want := "[p0 5: 2 1 1 1 p1 2: 1 0 0 1 p2 0: 0 0 0 0 p3 2: 0 1 1 0 p4 1: 1 0 0 0]"
		if b.AsOf != "2026-03-01T00:00:00Z" || fmt.Sprint(got) != want {
			t.Fatalf("backlog of NORTH = %s %v; want %s", b.AsOf, got, want)
		}
		// Every site, aged at now; from limits by creation.
		r = a.must(200, "GET", "/api/v1/reports/backlog?from=2026-01-01T00:00:00Z", nil)
		json.Unmarshal(r.Raw, &b)
		if b.AsOf != "2026-03-05T00:00:00Z" || row(b.Total) != "p0 5: 2 1 2 0" { // 6, 5 | 11 | 32, 63 days
			t.Fatalf("backlog since 2026-01-01 = %s %s; want p0 5: 2 1 2 0", b.AsOf, row(b.Total))
		}
	})
}

func TestMaintenanceCostReport(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		c := newClock(a)
		// P-101: labor 2.5 h × 48.00, 2 filters issued at 10.00 and one
		// returned, and a direct bearing whose actual cost is 255.50,
		// completed on 2026-01-31 23:30 UTC: February in Berlin.
		c.set("2026-01-02T10:00:00Z")
		wo := mustWorkOrder(t, a, p, map[string]any{"asset_id": p.Pump}).str("id")
		a.must(201, "POST", "/api/v1/work-orders/"+wo+"/materials", map[string]any{"item_id": p.Bearing, "quantity": 1, "direct": true})
		mustDrive(t, a, wo, path("in_progress")...)
		a.must(201, "POST", "/api/v1/work-orders/"+wo+"/labor", map[string]any{"technician": "tom", "craft": "mechanic", "hours": 2.5, "rate": "48.00"})
		a.must(201, "POST", "/api/v1/work-orders/"+wo+"/issues", map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 2})
		c.set("2026-01-03T10:00:00Z")
		a.must(201, "POST", "/api/v1/work-orders/"+wo+"/returns", map[string]any{"item_id": p.Filter, "storeroom_id": p.Store, "quantity": 1})
		err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
			ms, err := tx.Materials(t.Context(), wo)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Direct {
					m.ActualCost = millwright.MustMoney("255.50")
					if err := tx.SaveMaterial(t.Context(), &m); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c.set("2026-01-31T23:30:00Z")
		a.must(200, "POST", "/api/v1/work-orders/"+wo+"/complete", map[string]any{"downtime_hours": 1, "override_materials": "the bearing was not needed"})
		// P-102: 1 h × 40.00 in February; P-201 at SOUTH: 3 h × 50.00 in January.
		for _, l := range []struct{ asset, at, rate string }{{p.BareAsset, "2026-02-10T08:00:00Z", "40.00"}, {p.SouthAsset, "2026-01-15T08:00:00Z", "50.00"}} {
			c.set(l.at)
			id := mustWorkOrder(t, a, p, map[string]any{"asset_id": l.asset}).str("id")
			mustDrive(t, a, id, path("in_progress")...)
			hours := 1.0
			if l.asset == p.SouthAsset {
				hours = 3
			}
			a.must(201, "POST", "/api/v1/work-orders/"+id+"/labor", map[string]any{"technician": "tom", "hours": hours, "rate": l.rate})
		}
		c.set("2026-03-01T00:00:00Z")

		fields := []string{"asset_tag", "month", "labor", "parts", "direct", "total"}
		r := a.must(200, "GET", "/api/v1/reports/maintenance-cost", nil)
		want := strings.Join([]string{
			"asset_tag=P-101 month=<nil> labor=120.00 parts=10.00 direct=255.50 total=385.50",
			"asset_tag=P-102 month=<nil> labor=40.00 parts=0.00 direct=0.00 total=40.00",
			"asset_tag=P-201 month=<nil> labor=150.00 parts=0.00 direct=0.00 total=150.00",
		}, "\n")
		if got := rows(t, r, fields...); got != want || r.str("total") != "575.50" {
			t.Fatalf("cost by asset:\n%s\ntotal %s\nwant\n%s\ntotal 575.50", got, r.str("total"), want)
		}
		// The per-asset cost agrees with the work order's own actual cost.
		if costs := a.must(200, "GET", "/api/v1/work-orders/"+wo+"/costs", nil); costs.Body["actual"].(map[string]any)["total"] != "385.50" {
			t.Fatalf("work-order actual cost = %s; want 385.50", costs.Raw)
		}
		r = a.must(200, "GET", "/api/v1/reports/maintenance-cost?by=month", nil)
		want = strings.Join([]string{
			"asset_tag=P-101 month=2026-01 labor=120.00 parts=10.00 direct=0.00 total=130.00",
			"asset_tag=P-101 month=2026-02 labor=0.00 parts=0.00 direct=255.50 total=255.50",
			"asset_tag=P-102 month=2026-02 labor=40.00 parts=0.00 direct=0.00 total=40.00",
			"asset_tag=P-201 month=2026-01 labor=150.00 parts=0.00 direct=0.00 total=150.00",
		}, "\n")
		if got := rows(t, r, fields...); got != want {
			t.Fatalf("cost by month:\n%s\nwant\n%s", got, want)
		}
		// A planner of NORTH, from 2026-01-31 23:00 UTC: the bearing and P-102.
		planner := a.token("pia", millwright.Planner, p.Site)
		r = a.do("GET", "/api/v1/reports/maintenance-cost?from=2026-01-31T23:00:00Z", planner, nil)
		want = strings.Join([]string{
			"asset_tag=P-101 month=<nil> labor=0.00 parts=0.00 direct=255.50 total=255.50",
			"asset_tag=P-102 month=<nil> labor=40.00 parts=0.00 direct=0.00 total=40.00",
		}, "\n")
		if got := rows(t, r, fields...); got != want || r.str("total") != "295.50" {
			t.Fatalf("NORTH since 2026-01-31 23:00:\n%s\ntotal %s\nwant\n%s", got, r.str("total"), want)
		}
		wantError(t, a.do("GET", "/api/v1/reports/maintenance-cost?by=week", planner, nil), 400, "invalid_group")
	})
}
