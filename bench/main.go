// Command bench measures Millwright on this machine: the store's raw
// commit rate, and the API's write and read paths under concurrent
// clients, on SQLite and PostgreSQL; the integration flows with the
// embedded ERP (in process and over HTTP), the webhook connector and the
// Odoo connector (against the fake Odoo); the PM scheduler; and MQTT
// reading ingestion. It prints throughput, latency percentiles and the
// ratio of API writes to raw commits.
//
//	go run ./bench [-duration 5s] [-clients 8] [-engines sqlite,postgres] [-mqtt tcp://127.0.0.1:1883] [-connectors=false] [-odoo 10s/5s,1s/200ms]
//	go run ./bench -mqtt-only [-mqtt-batch 256] [-mqtt-linger 5ms]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

var (
	flows       bool
	connectors  bool
	odooTimings []odooTiming
	flowClients int
	loadRate    int
	pmPlans     int
	mqttOnly    bool
	// laborProfile is where the CPU profile of the API labor measurement
	// alone goes, one file per engine ("": none).
	laborProfile string
	// drainProfile is the same for the in-process outbox drain.
	drainProfile string
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long each measurement runs")
	clients := flag.Int("clients", 8, "concurrent API clients")
	engines := flag.String("engines", "sqlite,postgres", "engines to measure")
	flag.BoolVar(&flows, "flows", true, "also measure the integration flows (release to requisition, full flow 1)")
	flag.BoolVar(&connectors, "connectors", true, "also measure the flows through the webhook and Odoo connectors (with -flows)")
	odooFlag := flag.String("odoo", "10s/5s,1s/200ms", "the Odoo connector's settle_delay/poll_interval, one run of its flows per pair")
	flag.IntVar(&flowClients, "flow-clients", 4, "full flows run at a time")
	flag.IntVar(&pmPlans, "pm-plans", 100_000, "PM plans the scheduler pass is timed over (0: skip)")
	flag.IntVar(&loadRate, "load", 50, "background labor entries per second while release-to-requisition is measured")
	pg := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server for the postgres runs")
	mqtt := flag.String("mqtt", "tcp://127.0.0.1:1883", "MQTT broker for the reading-ingestion measurement (\"\" skips it)")
	publishers := flag.Int("publishers", 4, "concurrent MQTT publishers")
	mqttBatch := flag.Int("mqtt-batch", 0, "readings per MQTT batch transaction (0: the subscriber's default, 256; 1: one transaction per reading)")
	mqttLinger := flag.Duration("mqtt-linger", 0, "how long an MQTT batch waits to fill (0: the subscriber's default, 5ms)")
	flag.BoolVar(&mqttOnly, "mqtt-only", false, "measure the store commit and the MQTT rows only")
	series := flag.String("series", "", "C-MAPSS file whose sensor values are published (default: ../shared/data/cmapss/train_FD001.txt)")
	scale := flag.Bool("scale", false, "instead of the rest: load a plant of -scale-factor × (100,000 assets, 1,000,000 work orders) and measure the read paths, the reports and the scheduler on it")
	scaleFactor := flag.Float64("scale-factor", 0.1, "size of the -scale plant (1: 100,000 assets and 1,000,000 work orders)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	flag.StringVar(&drainProfile, "drain-cpuprofile", "", "write a CPU profile of the in-process outbox drain alone to this file, suffixed .ENGINE (not with -cpuprofile)")
	flag.StringVar(&laborProfile, "labor-cpuprofile", "", "write a CPU profile of the API labor measurement alone to this file, suffixed .ENGINE (not with -cpuprofile)")
	processes := flag.Int("processes", 3000, "labor postings drained by one dispatcher process, then by two, on PostgreSQL (0: skip)")
	worker := flag.String("drain-worker", "", "(internal) run as a worker process of -processes over this database")
	lanes := flag.Int("drain-lanes", 0, "(internal) the worker process's delivery lanes (0: the dispatcher's default)")
	flag.Parse()
	if *worker != "" {
		if err := drainWorker(*worker, *lanes); err != nil {
			fmt.Fprintln(os.Stderr, "bench drain worker:", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if odooTimings, err = parseOdooTimings(*odooFlag); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if *scale {
		for _, e := range strings.Split(*engines, ",") {
			if err := measureScale(store.Engine(e), *pg, *scaleFactor, *duration, *clients); err != nil {
				fmt.Fprintf(os.Stderr, "bench %s: %v\n", e, err)
				pprof.StopCPUProfile()
				os.Exit(1)
			}
		}
		return
	}
	fmt.Printf("%-17s %-28s %10s %9s %9s %9s\n", "engine", "measurement", "per sec", "p50", "p95", "p99")
	for _, e := range strings.Split(*engines, ",") {
		if err := measure(store.Engine(e), *pg, *duration, *clients, mqttOptions{*mqtt, *series, *publishers, *mqttBatch, *mqttLinger}); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", e, err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
	if *processes > 0 && !mqttOnly && slices.Contains(strings.Split(*engines, ","), string(store.Postgres)) {
		if err := measureProcesses(context.Background(), *pg, *processes); err != nil {
			fmt.Fprintln(os.Stderr, "bench postgres, two processes:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}

// mqttOptions configure the reading-ingestion measurement.
type mqttOptions struct {
	broker, series string
	publishers     int
	batch          int
	linger         time.Duration
}

func measure(e store.Engine, pg string, d time.Duration, clients int, mq mqttOptions) error {
	ctx := context.Background()
	db, closeDB, err := freshStore(ctx, e, pg) // with the sealer, as serve runs it: its cost is in every figure
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := loadDemo(ctx, db)
	if err != nil {
		return err
	}

	// Raw commit rate: one transaction writing a counter and an audit
	// entry, back to back on one goroutine.
	raw := run(d, 1, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.NextNumber(ctx, "bench"); err != nil {
				return err
			}
			return tx.Audit(ctx, "bench", "b", "commit", nil, nil)
		})
	})
	raw.print(e, "store commit (1 writer)")
	// The floor it is held to: a transaction of the same shape (a counter
	// and a row of the audit trail's columns) with database/sql alone.
	if err := db.CreateBaseline(ctx); err != nil {
		return err
	}
	minimal := run(d, 1, func() error { return db.BaselineCommit(ctx, "baseline") })
	minimal.print(e, "minimal same-shape tx (1 w.)")
	if mqttOnly {
		if mq.broker == "" {
			return nil
		}
		return measureMQTT(ctx, e, db, mq, d)
	}

	// The same from many writers at once, each on a counter of its own:
	// only what every write shares (the audit trail) can serialise them.
	counters := make(chan string, clients)
	for i := range clients {
		counters <- fmt.Sprintf("bench-%d", i)
	}
	par := run(d, clients, func() error {
		name := <-counters
		defer func() { counters <- name }()
		return db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.NextNumber(ctx, name); err != nil {
				return err
			}
			return tx.Audit(ctx, "bench", name, "commit", nil, nil)
		})
	})
	par.print(e, fmt.Sprintf("store commit (%d writers)", clients))
	minPar := run(d, clients, func() error {
		name := <-counters
		defer func() { counters <- name }()
		return db.BaselineCommit(ctx, "baseline-"+name)
	})
	minPar.print(e, fmt.Sprintf("minimal same-shape tx (%d w.)", clients))
	fmt.Printf("%-17s %-28s %9.2fx   (1 writer; %.2fx with %d)\n", e, "store commit / minimal tx", raw.rate/minimal.rate, par.rate/minPar.rate, clients)

	// The API: a work order under way, labor logged by many clients.
	// Reads go to a completed work order, so they do not grow with the
	// labor the write measurement adds.
	woID, err := firstWorkOrder(ctx, db, workorder.InProgress)
	if err != nil {
		return err
	}
	doneID, err := firstWorkOrder(ctx, db, workorder.Completed)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	token := res.Tokens["ada"]
	body, _ := json.Marshal(map[string]any{"technician": "bench", "craft": "mechanic", "hours": 0.25, "rate": "40.00"})
	call := func(method, path string, body []byte, want int) func() error {
		return func() error {
			req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode != want {
				return fmt.Errorf("%s %s = %d", method, path, r.StatusCode)
			}
			return nil
		}
	}
	// Each client logs on a work order of its own, as technicians do: one
	// work order's labor queues on its row lock on PostgreSQL.
	wos, err := underWay(ctx, db, clients)
	if err != nil {
		return err
	}
	posts := make(chan func() error, len(wos))
	for _, id := range wos {
		posts <- call("POST", "/api/v1/work-orders/"+id+"/labor", body, 201)
	}
	stopProfile, err := startProfile(laborProfile, e)
	if err != nil {
		return err
	}
	w := run(d, clients, func() error {
		post := <-posts
		defer func() { posts <- post }()
		return post()
	})
	stopProfile()
	w.print(e, fmt.Sprintf("API labor entry (%d clients)", clients))
	r := run(d, clients, call("GET", "/api/v1/work-orders/"+doneID+"/costs", nil, 200))
	r.print(e, fmt.Sprintf("API work-order costs (%d cl.)", clients))
	fmt.Printf("%-17s %-28s %9.2fx   (the minimal tx with %d writers)\n", e, "API labor / minimal tx", w.rate/minPar.rate, clients)

	// The integration flows, with the embedded ERP in process.
	if flows {
		dctx, stop := context.WithCancel(ctx)
		defer stop()
		d2 := &outbox.Dispatcher{DB: db, Connector: erp.New(db), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		stopProfile, err := startProfile(drainProfile, e)
		if err != nil {
			return err
		}
		go d2.Run(dctx)
		if err := drain(ctx, string(e)+"/in-proc", db, 3*time.Minute); err != nil {
			return err
		}
		stopProfile()
		c := client{base: srv.URL, tokens: res.Tokens}
		if err := measureFlows(ctx, string(e)+"/in-proc", c, embeddedERP{c}, woID, d, flowClients, loadRate); err != nil {
			return err
		}
		if err := measureRemote(ctx, e, pg, d); err != nil {
			return fmt.Errorf("flows over HTTP: %w", err)
		}
		if connectors {
			if err := measureWebhook(ctx, e, pg, d); err != nil {
				return fmt.Errorf("flows through the webhook connector: %w", err)
			}
			for _, t := range odooTimings {
				if err := measureOdoo(ctx, e, pg, d, t); err != nil {
					return fmt.Errorf("flows through the Odoo connector (settle %s): %w", t.settle, err)
				}
			}
		}
	}
	if pmPlans > 0 {
		if err := measureScheduler(ctx, string(e), db, pmPlans); err != nil {
			return err
		}
	}
	if mq.broker != "" {
		return measureMQTT(ctx, e, db, mq, d)
	}
	return nil
}

// startProfile starts a CPU profile to path.ENGINE, and returns what
// stops it; with path "" it does nothing.
func startProfile(path string, e store.Engine) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path + "." + string(e))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

type result struct {
	rate          float64
	p50, p95, p99 time.Duration
}

func (r result) print(e store.Engine, what string) { r.printAs(string(e), what) }

func (r result) printAs(label, what string) {
	fmt.Printf("%-17s %-28s %10.1f %9s %9s %9s\n", label, what, r.rate, r.p50.Round(time.Microsecond), r.p95.Round(time.Microsecond), r.p99.Round(time.Microsecond))
}

// run calls f from n goroutines for d and reports the rate and latencies.
func run(d time.Duration, n int, f func() error) result {
	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := f(); err != nil {
					fmt.Fprintln(os.Stderr, "bench:", err)
					os.Exit(1)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lats)
	pct := func(p float64) time.Duration { return lats[int(float64(len(lats)-1)*p)] }
	return result{rate: float64(len(lats)) / elapsed.Seconds(), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99)}
}

func freshDB(e store.Engine, pg string) (string, func(), error) {
	if e == store.SQLite {
		dir, err := os.MkdirTemp("", "millwright-bench")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	}
	admin, err := store.Open(context.Background(), pg)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w (start it, or run with -engines sqlite)", pg, err)
	}
	schema := strings.ReplaceAll(millwright.NewID("bench"), "_", "")
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	sep := "?"
	if strings.Contains(pg, "?") {
		sep = "&"
	}
	return pg + sep + "search_path=" + schema, func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}, nil
}

func firstWorkOrder(ctx context.Context, db *store.DB, s workorder.Status) (string, error) {
	var id string
	err := db.View(ctx, func(tx *store.Tx) error {
		p, err := workorder.List(ctx, tx, workorder.Filter{Status: string(s), Limit: 1})
		if err == nil && len(p.Items) > 0 {
			id = p.Items[0].ID
		}
		return err
	})
	if err == nil && id == "" {
		err = fmt.Errorf("no work order is %s in the demo", s)
	}
	return id, err
}

// loadDemo loads the demo plant into db and replays the one message its
// history leaves dead (an "ERP outage" for the integration page to show),
// as its integration administrator would, so the measurements start from
// an outbox with nothing failed.
func loadDemo(ctx context.Context, db *store.DB) (demo.Result, error) {
	res, err := demo.Load(ctx, db)
	if err != nil {
		return res, err
	}
	return res, db.InTx(ctx, func(tx *store.Tx) error {
		dead, err := tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusDead, Limit: 500})
		if err != nil {
			return err
		}
		for _, m := range dead.Items {
			if _, err := outbox.Replay(ctx, tx, m.ID); err != nil {
				return err
			}
		}
		return nil
	})
}
