package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// cmapssPaths are where the C-MAPSS run-to-failure series is looked for,
// from the repository's root or a worktree beside it.
var cmapssPaths = []string{"../shared/data/cmapss/train_FD001.txt", "../../shared/data/cmapss/train_FD001.txt"}

// loadSeries reads sensor 4 (T50, LPT outlet temperature, °R) of every
// row of C-MAPSS FD001, or makes a synthetic series when the file is not
// there.
func loadSeries(path string) ([]string, string) {
	paths := cmapssPaths
	if path != "" {
		paths = []string{path}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
		var out []string
		s := bufio.NewScanner(f)
		for s.Scan() {
			if fields := strings.Fields(s.Text()); len(fields) > 8 {
				out = append(out, fields[8])
			}
		}
		if len(out) > 0 {
			return out, "C-MAPSS FD001 sensor 4 (" + p + ")"
		}
	}
	out := make([]string, 1000)
	for i := range out {
		out[i] = fmt.Sprintf("%d.%02d", 1400+i%17, i%100)
	}
	return out, "a synthetic series (C-MAPSS not found)"
}

// mqttWindow is how far the publishers may run ahead of the store: below
// the Subscriber's receive maximum (4096), so the broker holds nothing in
// its queue for the session (1000 messages by default), which it would
// drop messages from when full.
const mqttWindow = 1000

// measureMQTT measures readings end to end: published with QoS 1 to the
// broker, received by the Subscriber, stored in batches with their audit
// entry and committed. It reports the sustained rate with publishers kept
// at most mqttWindow readings ahead of the store, then the latency
// (publish to commit) at half that rate.
func measureMQTT(ctx context.Context, e store.Engine, db *store.DB, mq mqttOptions, d time.Duration) error {
	broker, publishers := mq.broker, mq.publishers
	values, source := loadSeries(mq.series)
	u, _, err := ingest.ParseBroker(broker)
	if err != nil {
		return err
	}
	if c, err := net.DialTimeout("tcp", u.Host, 2*time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "bench: no MQTT broker at %s (%v); skipping the MQTT measurement (start one with: mosquitto -d -c /etc/mosquitto/mosquitto.conf)\n", u.Host, err)
		return nil
	} else {
		c.Close()
	}
	root := strings.ReplaceAll(millwright.NewID("mwbench"), "_", "-")
	var siteCode, tag, assetID string
	err = db.View(ctx, func(tx *store.Tx) error {
		p, err := tx.Assets(ctx, asset.Filter{Limit: 1})
		if err != nil || len(p.Items) == 0 {
			return fmt.Errorf("no asset to take readings for (%v)", err)
		}
		s, err := tx.Site(ctx, p.Items[0].SiteID)
		if err != nil {
			return err
		}
		siteCode, tag, assetID = s.Code, p.Items[0].Tag, p.Items[0].ID
		return nil
	})
	if err != nil {
		return err
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range publishers {
			if err := reading.DeclareMeter(ctx, tx, assetID, &reading.Meter{Name: fmt.Sprintf("t50_p%d", i), Kind: reading.Gauge, Unit: "°R"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	var (
		mu       sync.Mutex
		lats     []time.Duration
		stored   atomic.Int64
		measure  atomic.Bool
		withPM   atomic.Bool
		subReady = make(chan struct{}, 4)
	)
	rec := &ingest.Recorder{DB: db, Hook: func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
		if withPM.Load() {
			// What serve's hook does for a meter no PM plan watches: look
			// for the plans.
			if err := ingest.PMHook(ctx, tx, r); err != nil {
				return err
			}
		}
		at := r.At
		tx.AfterCommit(func() {
			stored.Add(1)
			if measure.Load() {
				l := time.Since(at)
				mu.Lock()
				lats = append(lats, l)
				mu.Unlock()
			}
		})
		return nil
	}}
	sctx, stop := context.WithCancel(ctx)
	sub := &ingest.Subscriber{
		Broker: broker + "?client_id=" + root, Root: root, Recorder: rec,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), OnSubscribed: func() { subReady <- struct{}{} },
		BatchSize: mq.batch, Linger: mq.linger,
	}
	done := make(chan error, 1)
	go func() { done <- sub.Run(sctx) }()
	defer func() {
		stop()
		<-done
		dropSession(u.Host, root)
	}()
	select {
	case <-subReady:
	case <-time.After(15 * time.Second):
		return fmt.Errorf("the subscriber did not subscribe to %s within 15 s", broker)
	}

	clients := make([]*paho.Client, publishers)
	for i := range clients {
		conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err != nil {
			return err
		}
		c := paho.NewClient(paho.ClientConfig{Conn: conn})
		if _, err := c.Connect(ctx, &paho.Connect{ClientID: fmt.Sprintf("%s-pub%d", root, i), CleanStart: true, KeepAlive: 30}); err != nil {
			return err
		}
		defer c.Disconnect(&paho.Disconnect{})
		clients[i] = c
	}
	topic := func(i int) string { return fmt.Sprintf("%s/%s/%s/t50_p%d", root, siteCode, tag, i) }
	var published atomic.Int64
	// publish sends readings from every publisher until deadline; pace,
	// when set, is the gap between one publisher's readings; window bounds
	// how far publishing may run ahead of the store.
	publish := func(deadline time.Time, pace time.Duration, window int64) error {
		var wg sync.WaitGroup
		errs := make(chan error, len(clients))
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := time.Now()
				for n := i; time.Now().Before(deadline); n += len(clients) {
					for published.Load()-stored.Load() >= window && time.Now().Before(deadline) {
						time.Sleep(100 * time.Microsecond)
					}
					if pace > 0 {
						next = next.Add(pace)
						time.Sleep(time.Until(next))
					}
					body := fmt.Sprintf(`{"value":%s,"at":%q}`, values[n%len(values)], time.Now().UTC().Format(time.RFC3339Nano))
					if _, err := c.Publish(ctx, &paho.Publish{Topic: topic(i), QoS: 1, Payload: []byte(body)}); err != nil {
						errs <- err
						return
					}
					published.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	drain := func() error {
		for deadline := time.Now().Add(30 * time.Second); stored.Load() < published.Load(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				return fmt.Errorf("%d of %d published readings stored 30 s after publishing stopped", stored.Load(), published.Load())
			}
		}
		return nil
	}

	// Sustained rate: publishers at most mqttWindow readings ahead of the store.
	start, before := time.Now(), stored.Load()
	if err := publish(start.Add(d), 0, mqttWindow); err != nil {
		return err
	}
	if err := drain(); err != nil {
		return err
	}
	rate := float64(stored.Load()-before) / time.Since(start).Seconds()
	batch := cmp.Or(mq.batch, ingest.DefaultBatchSize)
	fmt.Printf("%-17s %-28s %10.0f   (batches of up to %d)\n", e, fmt.Sprintf("MQTT readings (%d publishers)", publishers), rate, batch)

	// Latency at half that rate.
	measure.Store(true)
	pace := time.Duration(float64(time.Second) * float64(len(clients)) / (rate / 2))
	if err := publish(time.Now().Add(d), pace, mqttWindow); err != nil {
		return err
	}
	if err := drain(); err != nil {
		return err
	}
	measure.Store(false)
	mu.Lock()
	got := slices.Clone(lats)
	mu.Unlock()
	slices.Sort(got)
	if len(got) == 0 {
		return fmt.Errorf("no latency measured")
	}
	pct := func(p float64) time.Duration { return got[int(float64(len(got)-1)*p)] }
	result{rate: float64(len(got)) / d.Seconds(), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99)}.print(e, "MQTT publish→commit (½ rate)")

	// Sustained again, with serve's hook (ingest.PMHook) on meters no
	// PM plan watches: what every reading of such a meter costs more.
	withPM.Store(true)
	start, before = time.Now(), stored.Load()
	if err := publish(start.Add(d), 0, mqttWindow); err != nil {
		return err
	}
	if err := drain(); err != nil {
		return err
	}
	fmt.Printf("%-17s %-28s %10.0f\n", e, "MQTT readings + PM hook", float64(stored.Load()-before)/time.Since(start).Seconds())
	fmt.Fprintf(os.Stderr, "bench: MQTT values from %s\n", source)
	return nil
}

// dropSession ends the persistent session clientID left on the broker.
func dropSession(host, clientID string) {
	conn, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		return
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: true}); err == nil {
		c.Disconnect(&paho.Disconnect{})
	}
}
