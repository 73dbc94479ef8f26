package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// scaleFixture is a modest plant written with InsertRows: 2 sites, 300
// assets, 3,000 work orders over the statuses, types, priorities and
// assignees, labor on some, and PM occurrences.
type scaleFixture struct {
	sites, assets, wos []string
	wo                 map[string][]string // id → site, status, asset, type, priority, assigned_to
	asset              map[string][]string // id → site, tag, name
	labor              map[string][]string // work order id → labor ids
}

func loadScaleFixture(t *testing.T, db *store.DB) *scaleFixture {
	t.Helper()
	ctx := t.Context()
	f := &scaleFixture{wo: map[string][]string{}, asset: map[string][]string{}, labor: map[string][]string{}}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	statuses := []string{"requested", "approved", "released", "in_progress", "completed", "closed", "cancelled"}
	types := []string{"corrective", "preventive", "emergency", "inspection"}
	names := []string{"Pump", "Gearbox", "Conveyor belt", "Motor"}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var sites, assets, wos, labor [][]any
		for i := range 2 {
			id := millwright.NewID("site")
			f.sites = append(f.sites, id)
			sites = append(sites, []any{id, fmt.Sprintf("S%d", i), "Site", "USD", "UTC", now})
		}
		for i := range 300 {
			id, site := millwright.NewID("ast"), f.sites[i%2]
			tag, name := fmt.Sprintf("TAG-%04d", i), fmt.Sprintf("%s %d", names[i%4], i)
			f.assets = append(f.assets, id)
			f.asset[id] = []string{site, tag, name}
			assets = append(assets, []any{id, tag, name, site, 3, "", now, now})
		}
		for i := range 3000 {
			id := millwright.NewID("wo")
			a := f.assets[(i*7)%len(f.assets)]
			st, typ := statuses[i%len(statuses)], types[(i/3)%len(types)]
			prio, who := 1+(i/5)%4, []string{"", "tom", "ann"}[(i/2)%3]
			var done any
			if st == "completed" || st == "closed" {
				done = now.Add(-time.Duration(i) * time.Hour)
			}
			f.wos = append(f.wos, id)
			f.wo[id] = []string{f.asset[a][0], st, a, typ, fmt.Sprint(prio), who}
			wos = append(wos, []any{id, fmt.Sprintf("WO-%07d", i), typ, st, prio, f.asset[a][0], a, "t", "2", "1.5", who, "", "x",
				now.Add(-time.Duration(i) * time.Hour), now, done})
			if i%10 == 0 {
				for range 3 {
					lid := millwright.NewID("lab")
					f.labor[id] = append(f.labor[id], lid)
					labor = append(labor, []any{lid, id, "tom", "mech", "1.5", "40.00", "60.00", "x", now})
				}
			}
		}
		for _, r := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"sites", []string{"id", "code", "name", "currency", "time_zone", "created_at"}, sites},
			{"assets", []string{"id", "tag", "name", "site_id", "criticality", "cost_center", "created_at", "updated_at"}, assets},
			{"work_orders", []string{"id", "number", "type", "status", "priority", "site_id", "asset_id", "title",
				"estimated_labor", "downtime_hours", "assigned_to", "scheduled_on", "created_by", "created_at", "updated_at", "completed_at"}, wos},
			{"wo_labor", []string{"id", "work_order_id", "technician", "craft", "hours", "rate", "amount", "actor", "at"}, labor},
		} {
			if err := tx.InsertRows(ctx, r.table, r.cols, r.rows); err != nil {
				return fmt.Errorf("%s: %w", r.table, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pageAll reads every page of a list of limit rows and returns the ids in
// the order read.
func pageAll(t *testing.T, db *store.DB, limit int, list func(tx *store.Tx, cursor string, limit int) ([]string, string, error)) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 10000 {
		var ids []string
		var next string
		err := db.View(t.Context(), func(tx *store.Tx) (err error) {
			ids, next, err = list(tx, cursor, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > limit {
			t.Fatalf("a page of %d rows with limit %d", len(ids), limit)
		}
		out = append(out, ids...)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("paging did not end")
	return nil
}

// TestKeysetPagingReturnsEveryRowOnce pages through the lists that page by
// cursor in SQL, filtered several ways, and checks that the pages hold
// every matching row exactly once, in id order.
func TestKeysetPagingReturnsEveryRowOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := loadScaleFixture(t, db)
		check := func(name string, got []string, match func(id string) bool, all []string) {
			t.Helper()
			var want []string
			for _, id := range all {
				if match(id) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: paged %d rows, want %d (every match once, by id)", name, len(got), len(want))
			}
		}
		filters := []workorder.Filter{
			{}, {Status: "closed"}, {SiteID: f.sites[1], Status: "released"}, {AssetID: f.assets[5]}, {Priority: 2},
			{Type: "emergency", Priority: 1}, {AssignedTo: "tom"}, {AssignedTo: "ann", Status: "in_progress"}, {Unassigned: true, Status: "requested"},
		}
		for _, wf := range filters {
			got := pageAll(t, db, 37, func(tx *store.Tx, cursor string, limit int) ([]string, string, error) {
				wf.Cursor, wf.Limit = cursor, limit
				p, err := tx.WorkOrders(t.Context(), wf)
				var ids []string
				for _, w := range p.Items {
					ids = append(ids, w.ID)
				}
				return ids, p.NextCursor, err
			})
			check(fmt.Sprintf("work orders %+v", wf), got, func(id string) bool {
				w := f.wo[id]
				return (wf.SiteID == "" || w[0] == wf.SiteID) && (wf.Status == "" || w[1] == wf.Status) &&
					(wf.AssetID == "" || w[2] == wf.AssetID) && (wf.Type == "" || w[3] == wf.Type) &&
					(wf.Priority == 0 || w[4] == fmt.Sprint(wf.Priority)) && (wf.AssignedTo == "" || w[5] == wf.AssignedTo) &&
					(!wf.Unassigned || w[5] == "")
			}, f.wos)
		}
		for _, af := range []asset.Filter{{}, {SiteID: f.sites[0]}, {Query: "pump"}, {Query: "TAG-01"}, {Query: "belt 1", SiteID: f.sites[1]}, {Query: "zz"}} {
			got := pageAll(t, db, 23, func(tx *store.Tx, cursor string, limit int) ([]string, string, error) {
				af.Cursor, af.Limit = cursor, limit
				p, err := tx.Assets(t.Context(), af)
				var ids []string
				for _, a := range p.Items {
					ids = append(ids, a.ID)
				}
				return ids, p.NextCursor, err
			})
			q := strings.ToLower(af.Query)
			check(fmt.Sprintf("assets %+v", af), got, func(id string) bool {
				a := f.asset[id]
				return (af.SiteID == "" || a[0] == af.SiteID) &&
					(q == "" || strings.Contains(strings.ToLower(a[1]), q) || strings.Contains(strings.ToLower(a[2]), q))
			}, f.assets)
		}
		wo := f.wos[0]
		got := pageAll(t, db, 2, func(tx *store.Tx, cursor string, limit int) ([]string, string, error) {
			p, err := tx.LaborPage(t.Context(), wo, cursor, limit)
			var ids []string
			for _, l := range p.Items {
				ids = append(ids, l.ID)
			}
			return ids, p.NextCursor, err
		})
		check("labor", got, func(string) bool { return true }, f.labor[wo])
	})
}

// TestHotQueriesUseAnIndex explains the hot list and report queries and
// checks that each reads through an index: no full scan of a table, and no
// sort of a whole table for a page.
func TestHotQueriesUseAnIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := loadScaleFixture(t, db)
		ctx := t.Context()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		year := report.Window{SiteID: f.sites[0], From: now.AddDate(-1, 0, 0), To: now}
		cases := []struct {
			name string
			run  func(tx *store.Tx) error
		}{
			{"work orders", func(tx *store.Tx) error { _, err := tx.WorkOrders(ctx, workorder.Filter{}); return err }},
			{"work orders after a cursor", func(tx *store.Tx) error {
				_, err := tx.WorkOrders(ctx, workorder.Filter{Cursor: f.wos[2000]})
				return err
			}},
			{"work orders by status", func(tx *store.Tx) error { _, err := tx.WorkOrders(ctx, workorder.Filter{Status: "closed"}); return err }},
			{"work orders by site and status", func(tx *store.Tx) error {
				_, err := tx.WorkOrders(ctx, workorder.Filter{SiteID: f.sites[0], Status: "released"})
				return err
			}},
			{"work orders by asset", func(tx *store.Tx) error {
				_, err := tx.WorkOrders(ctx, workorder.Filter{AssetID: f.assets[3]})
				return err
			}},
			{"work orders by assignee", func(tx *store.Tx) error {
				_, err := tx.WorkOrders(ctx, workorder.Filter{AssignedTo: "tom"})
				return err
			}},
			{"work orders by assignee and status", func(tx *store.Tx) error {
				_, err := tx.WorkOrders(ctx, workorder.Filter{AssignedTo: "tom", Status: "released"})
				return err
			}},
			{"assets", func(tx *store.Tx) error { _, err := tx.Assets(ctx, asset.Filter{}); return err }},
			{"assets by site", func(tx *store.Tx) error { _, err := tx.Assets(ctx, asset.Filter{SiteID: f.sites[1]}); return err }},
			{"labor of a work order", func(tx *store.Tx) error { _, err := tx.LaborPage(ctx, f.wos[0], "", 10); return err }},
			{"backlog", func(tx *store.Tx) error {
				_, err := tx.Backlog(ctx, report.Window{SiteID: f.sites[0], To: now}, now)
				return err
			}},
			{"failures", func(tx *store.Tx) error { _, err := tx.Failures(ctx, year); return err }},
			{"cost by asset", func(tx *store.Tx) error { _, err := tx.CostByAsset(ctx, year); return err }},
			{"plans due", func(tx *store.Tx) error { _, err := tx.ActivePlans(ctx, "calendar"); return err }},
		}
		if db.Engine == store.SQLite {
			cases = append(cases, struct {
				name string
				run  func(tx *store.Tx) error
			}{"asset search", func(tx *store.Tx) error { _, err := tx.Assets(ctx, asset.Filter{Query: "pump"}); return err }})
		}
		for _, c := range cases {
			err := db.View(ctx, func(tx *store.Tx) error {
				var queries [][2]any
				tx.TraceForTest(func(q string, args []any) { queries = append(queries, [2]any{q, slices.Clone(args)}) })
				if err := c.run(tx); err != nil {
					return err
				}
				tx.TraceForTest(nil)
				for _, qa := range queries {
					plan, err := tx.PlanForTest(ctx, qa[0].(string), qa[1].([]any)...)
					if err != nil {
						return err
					}
					if testing.Verbose() {
						t.Logf("%s:\n%s", c.name, plan)
					}
					if bad := fullScan(db.Engine, plan); bad != "" {
						t.Errorf("%s: %s in the plan of\n%s\nplan:\n%s", c.name, bad, qa[0], plan)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
	})
}

// fullScan names what in plan reads a whole table, or "".
func fullScan(e store.Engine, plan string) string {
	for _, line := range strings.Split(plan, "\n") {
		line = strings.TrimSpace(line)
		if e == store.Postgres {
			if strings.Contains(line, "Seq Scan") {
				return line
			}
			continue
		}
		// SQLite: "SCAN t" without an index reads all of t; the asset
		// search's FTS5 table is scanned through its own index ("VIRTUAL
		// TABLE INDEX").
		if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "USING") && !strings.Contains(line, "VIRTUAL TABLE") {
			return line
		}
	}
	return ""
}
