package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/pm/scheduler"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/web"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// measureScale loads a plant of f × (100,000 assets, 1,000,000 work
// orders) into a fresh database and measures the read paths over loopback
// HTTP through the real handlers (API and web interface, mounted as serve
// mounts them), the KPI reports, one scheduler pass and the RSS of this
// process, which hosts the handlers.
func measureScale(e store.Engine, pg string, f float64, d time.Duration, clients int) error {
	ctx := context.Background()
	db, closeDB, err := freshStore(ctx, e, pg)
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := loadDemo(ctx, db)
	if err != nil {
		return err
	}
	t0 := time.Now()
	p, err := loadScale(ctx, db, f)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loadTime := time.Since(t0)
	var rows []string
	total := 0
	for t, n := range p.counts {
		rows = append(rows, fmt.Sprintf("%s %d", t, n))
		total += n
	}
	fmt.Printf("%-17s loaded %d rows in %s (%.0f rows/s): %s\n", e, total, loadTime.Round(time.Second),
		float64(total)/loadTime.Seconds(), strings.Join(rows, ", "))
	if e == store.Postgres {
		// What autovacuum does after a bulk load: the planner's statistics.
		t := time.Now()
		if err := db.Exec(ctx, "ANALYZE"); err != nil {
			return err
		}
		fmt.Printf("%-17s ANALYZE in %s\n", e, time.Since(t).Round(time.Millisecond))
	}
	runtime.GC()
	debug.FreeOSMemory()

	// Sessions for the web interface: a planner (every site) and a
	// technician of the first site.
	sessions := map[string]string{}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, name := range []string{"paula", p.techs[0][1]} {
			u, err := tx.UserByName(ctx, name)
			if err != nil {
				return err
			}
			tok := millwright.NewID("bench")
			if err := tx.CreateWebSession(ctx, &store.WebSession{UserID: u.ID, CSRF: "x", ExpiresAt: tx.Now().Add(time.Hour)}, auth.HashToken(tok)); err != nil {
				return err
			}
			sessions[name] = tok
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The deep cursors: the last id of page 1000 (100 a page) of all work
	// orders, of the closed ones, and of all assets.
	deep := map[string]string{}
	err = db.View(ctx, func(tx *store.Tx) error {
		for _, st := range []string{"", string(workorder.Closed)} {
			cur := ""
			for range 200 {
				pg, err := tx.WorkOrders(ctx, workorder.Filter{Status: st, Cursor: cur, Limit: 500})
				if err != nil {
					return err
				}
				cur = pg.NextCursor
			}
			deep["wo"+st] = cur
		}
		cur := ""
		for range 200 {
			pg, err := tx.Assets(ctx, asset.Filter{Cursor: cur, Limit: 500})
			if err != nil {
				return err
			}
			cur = pg.NextCursor
		}
		deep["asset"] = cur
		return nil
	})
	if err != nil {
		return err
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	root := http.NewServeMux()
	root.Handle("/", httpapi.New(db, log))
	root.Handle(web.Prefix, web.New(db, log))
	srv := httptest.NewServer(root)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	// The RSS of this process, sampled while the handlers work.
	var peak atomic.Int64
	stopRSS := make(chan struct{})
	var rssDone sync.WaitGroup
	rssDone.Add(1)
	go func() {
		defer rssDone.Done()
		for {
			if kb := rssKB(); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-stopRSS:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	baseRSS := rssKB()

	var n atomic.Int64
	next := func(vs []string) string { return vs[int(n.Add(1))%len(vs)] }
	sample := func(vs []string, k int) []string {
		out := make([]string, 0, k)
		for i := range k {
			out = append(out, vs[(i*7919)%len(vs)])
		}
		return out
	}
	assets := sample(p.assets, 1000)
	labor := sample(p.laborWOs, 1000)
	var techs []string
	for _, ts := range p.techs {
		techs = append(techs, ts...)
	}
	type endpoint struct {
		name string
		who  string // "token" (ada, admin) or a web user
		path func() string
	}
	fixed := func(s string) func() string { return func() string { return s } }
	eps := []endpoint{
		{"wo list", "", fixed("/api/v1/work-orders")},
		{"wo list, page 1000", "", fixed("/api/v1/work-orders?cursor=" + deep["wo"])},
		{"wo status=in_progress", "", fixed("/api/v1/work-orders?status=in_progress")},
		{"wo status=waiting_for_parts", "", fixed("/api/v1/work-orders?status=waiting_for_parts")},
		{"wo status=closed, page 1000", "", fixed("/api/v1/work-orders?status=closed&cursor=" + deep["wo"+string(workorder.Closed)])},
		{"wo site+status=released", "", fixed("/api/v1/work-orders?site_id=" + p.sites[1] + "&status=released")},
		{"wo asset_id", "", func() string { return "/api/v1/work-orders?asset_id=" + next(assets) }},
		{"wo priority=1", "", fixed("/api/v1/work-orders?priority=1")},
		{"wo type=emergency&priority=1", "", fixed("/api/v1/work-orders?type=emergency&priority=1")},
		{"wo assigned_to", "", func() string { return "/api/v1/work-orders?assigned_to=" + next(techs) }},
		{"wo assigned_to+status=released", "", func() string { return "/api/v1/work-orders?status=released&assigned_to=" + next(techs) }},
		{"wo labor", "", func() string { return "/api/v1/work-orders/" + next(labor) + "/labor" }},
		{"wo materials", "", func() string { return "/api/v1/work-orders/" + next(labor) + "/materials" }},
		{"assets list", "", fixed("/api/v1/assets")},
		{"assets list, page 1000", "", fixed("/api/v1/assets?cursor=" + deep["asset"])},
		{"assets site", "", fixed("/api/v1/assets?site_id=" + p.sites[1])},
		{"assets q=pump (common)", "", fixed("/api/v1/assets?q=pump")},
		{"assets q=tag (one)", "", func() string { return "/api/v1/assets?q=" + strconv.Itoa(10000+int(n.Add(1))%80000) }},
		{"assets q=nothing", "", fixed("/api/v1/assets?q=zzqx")},
		{"items list", "", fixed("/api/v1/items")},
		{"items q=gearbox", "", fixed("/api/v1/items?q=gearbox")},
		{"stock by storeroom", "", func() string { return "/api/v1/stock?storeroom_id=" + next(p.storerooms) }},
		{"pm-plans by asset", "", func() string { return "/api/v1/pm-plans?asset_id=" + next(assets) }},
		{"UI board+backlog", "paula", fixed("/ui/work-orders")},
		{"UI my work", p.techs[0][1], fixed("/ui/my-work")},
		{"UI assets q=pump", "paula", fixed("/ui/assets?q=pump")},
		{"UI asset page", "paula", func() string { return "/ui/assets/" + next(assets) }},
	}
	get := func(who, path string) (int, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if who == "" {
			req.Header.Set("Authorization", "Bearer "+res.Tokens["ada"])
		} else {
			req.AddCookie(&http.Cookie{Name: "mw_session", Value: sessions[who]})
		}
		r, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		nb, _ := io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != 200 {
			return 0, fmt.Errorf("GET %s = %d", path, r.StatusCode)
		}
		return int(nb), nil
	}
	fmt.Printf("%-17s %-34s %10s %9s %9s %9s\n", e, "read (clients: "+strconv.Itoa(clients)+")", "per sec", "p50", "p95", "p99")
	for _, ep := range eps {
		r := run(d, clients, func() error { _, err := get(ep.who, ep.path()); return err })
		fmt.Printf("%-17s %-34s %10.1f %9s %9s %9s\n", e, ep.name, r.rate, r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
	}
	// The reports, one at a time: each timed five times.
	reports := []endpoint{
		{"report reliability by asset", "", fixed("/api/v1/reports/reliability")},
		{"report reliability by class", "", fixed("/api/v1/reports/reliability?by=asset_class")},
		{"report backlog", "", fixed("/api/v1/reports/backlog")},
		{"report maintenance-cost (all)", "", fixed("/api/v1/reports/maintenance-cost")},
		{"report maintenance-cost by month", "", fixed("/api/v1/reports/maintenance-cost?by=month&from=" + time.Now().AddDate(-1, 0, 0).UTC().Format(time.RFC3339))},
		{"report pm-compliance", "", fixed("/api/v1/reports/pm-compliance")},
		{"UI KPIs (every site)", "paula", fixed("/ui/kpis")},
		{"UI KPIs (one site)", p.techs[0][1], fixed("/ui/kpis")},
	}
	for _, ep := range reports {
		var ts []time.Duration
		size := 0
		for range 5 {
			t := time.Now()
			nb, err := get(ep.who, ep.path())
			if err != nil {
				return err
			}
			ts = append(ts, time.Since(t))
			size = nb
		}
		slicesSort(ts)
		fmt.Printf("%-17s %-34s   min %8s  median %8s  max %8s  (%d kB)\n", e, ep.name, ts[0].Round(time.Millisecond), ts[2].Round(time.Millisecond), ts[4].Round(time.Millisecond), size/1024)
	}
	close(stopRSS)
	rssDone.Wait()
	fmt.Printf("%-17s %-34s %d MB after the load (GC'd), peak %d MB while serving\n", e, "RSS of the process (VmRSS)", baseRSS/1024, peak.Load()/1024)

	s := &scheduler.Scheduler{DB: db, Log: log}
	for _, pass := range []string{"first pass", "steady pass"} {
		t := time.Now()
		made, err := s.Step(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%-17s scheduler %-24s %8s over %d plans (%d owed at load), %d work orders made\n", e, pass,
			time.Since(t).Round(time.Millisecond), p.plans, p.dueAtLoad, len(made))
	}
	return nil
}

// rssKB returns this process's resident set size in kB (VmRSS).
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func slicesSort(ts []time.Duration) { slices.Sort(ts) }
