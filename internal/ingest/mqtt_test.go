package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// brokerAddr is the Mosquitto of the development and CI machines.
const brokerAddr = "127.0.0.1:1883"

// needBroker skips t when no MQTT broker answers at addr (fails it with
// MILLWRIGHT_REQUIRE_SERVICES=1).
func needBroker(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		storetest.Unavailable(t, "Mosquitto (MQTT)", addr, err, "start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf")
	}
	c.Close()
}

// fixture is a site NORTH with pump P-101 that declares vibration_mm_s
// (gauge) and run_hours (counter), and a site SOUTH with no assets.
type fixture struct {
	db            *store.DB
	north, south  string
	northCode     string
	pump          string
	root          string // the test's own topic root, so parallel runs do not meet
	stored        chan reading.Reading
	subscribedOne chan struct{}
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{db: db, root: strings.ReplaceAll(millwright.NewID("mwt"), "_", "-"), stored: make(chan reading.Reading, 1000),
		subscribedOne: make(chan struct{}, 10)}
	// Site codes are global; make them unique anyway so that the unmatched
	// rows of one run are easy to tell apart in a shared database.
	f.northCode = "NORTH"
	err := db.InTx(ctx, func(tx *store.Tx) error {
		n := &asset.Site{Code: "NORTH", Name: "North", Currency: "EUR", TimeZone: "UTC"}
		s := &asset.Site{Code: "SOUTH", Name: "South", Currency: "EUR", TimeZone: "UTC"}
		if err := tx.CreateSite(ctx, n); err != nil {
			return err
		}
		if err := tx.CreateSite(ctx, s); err != nil {
			return err
		}
		a := &asset.Asset{Tag: "P-101", Name: "Feed pump", SiteID: n.ID, Criticality: 2}
		if err := tx.CreateAsset(ctx, a); err != nil {
			return err
		}
		f.north, f.south, f.pump = n.ID, s.ID, a.ID
		for _, m := range []reading.Meter{{Name: "vibration_mm_s", Kind: reading.Gauge}, {Name: "run_hours", Kind: reading.Counter}} {
			m.AssetID = a.ID
			if err := tx.CreateMeter(ctx, &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

// subscribe runs a Subscriber for f until the test ends, and waits until
// it has subscribed.
func (f *fixture) subscribe(t *testing.T, broker string, hook ingest.Hook) context.CancelFunc {
	t.Helper()
	return f.subscribeWith(t, broker, &ingest.Subscriber{Recorder: &ingest.Recorder{DB: f.db, Hook: hook}})
}

// subscribeWith runs s, completed for f, until the test ends.
func (f *fixture) subscribeWith(t *testing.T, broker string, s *ingest.Subscriber) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.Broker, s.Root = "tcp://"+broker+"?client_id="+f.root, f.root
	s.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s.OnSubscribed = func() { f.subscribedOne <- struct{}{} }
	s.RetryDelay = 200 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Subscriber.Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Subscriber.Run did not return 10 s after its context ended")
		}
		dropSession(broker, f.root)
	})
	f.waitSubscribed(t)
	return cancel
}

func (f *fixture) waitSubscribed(t *testing.T) {
	t.Helper()
	select {
	case <-f.subscribedOne:
	case <-time.After(15 * time.Second):
		t.Fatalf("the subscriber did not subscribe within 15 s")
	}
}

// publisher is a plain MQTT client that publishes with QoS 1.
type publisher struct {
	c *paho.Client
}

func mustPublisher(t *testing.T, broker string) *publisher {
	t.Helper()
	conn, err := net.DialTimeout("tcp", broker, 3*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", broker, err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ca, err := c.Connect(ctx, &paho.Connect{ClientID: millwright.NewID("pub"), KeepAlive: 30, CleanStart: true})
	if err != nil || ca.ReasonCode != 0 {
		t.Fatalf("connect publisher: %v %v", ca, err)
	}
	p := &publisher{c: c}
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return p
}

func (p *publisher) publish(t *testing.T, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := p.c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)}); err != nil {
		t.Fatalf("publish %s: %v", topic, err)
	}
}

// waitFor polls cond every 20 ms for at most 15 s.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) readings(t *testing.T, meter string) []reading.Reading {
	t.Helper()
	var p millwright.Page[reading.Reading]
	err := f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		p, err = tx.Readings(t.Context(), reading.Filter{AssetID: f.pump, Meter: meter, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func (f *fixture) unmatched(t *testing.T, site string) []reading.Unmatched {
	t.Helper()
	var p millwright.Page[reading.Unmatched]
	err := f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		p, err = tx.UnmatchedReadings(t.Context(), reading.UnmatchedFilter{SiteID: site, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func TestMQTTReadingsStored(t *testing.T) {
	needBroker(t, brokerAddr)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var (
			mu     sync.Mutex
			hooked []string
		)
		hook := func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
			// The hook sees the reading inside the transaction that stores it.
			_, found, err := tx.ReadingAt(ctx, r.MeterID, r.At)
			if err != nil || !found {
				return fmt.Errorf("hook: reading not visible in its transaction (found %v, err %v)", found, err)
			}
			mu.Lock()
			hooked = append(hooked, r.Meter+"="+r.Value.String())
			mu.Unlock()
			return nil
		}
		f.subscribe(t, brokerAddr, hook)
		pub := mustPublisher(t, brokerAddr)
		topic := f.root + "/NORTH/P-101/"
		pub.publish(t, topic+"vibration_mm_s", `{"value":4.2,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, topic+"vibration_mm_s", `{"value":7.3,"at":"2026-11-01T10:01:00+01:00"}`)
		pub.publish(t, topic+"run_hours", `{"value":1200,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, topic+"run_hours", `1210.5`) // a bare number, at the time of receipt
		// A redelivered message (same meter and time) is stored once.
		pub.publish(t, topic+"vibration_mm_s", `{"value":4.2,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, topic+"run_hours", `{"value":5,"at":"2099-01-01T00:00:00Z","replacement":true}`)

		waitFor(t, "six readings stored", func() (bool, error) {
			return len(f.readings(t, "vibration_mm_s")) == 2 && len(f.readings(t, "run_hours")) == 3, nil
		})
		vib := f.readings(t, "vibration_mm_s")
		if vib[0].At.Format(time.RFC3339) != "2026-11-01T09:01:00Z" || vib[0].Value.String() != "7.3" ||
			vib[1].Value.String() != "4.2" || vib[0].Source != "mqtt" || vib[0].RecordedBy != "mqtt" {
			t.Fatalf("vibration readings = %+v", vib)
		}
		run := f.readings(t, "run_hours")
		if run[0].Total.String() != "1200" || run[1].Total.String() != "1210.5" || run[2].Total.String() != "1215.5" || !run[2].Replacement {
			t.Fatalf("run_hours totals = %s %s %s; want 1200 1210.5 1215.5", run[0].Total, run[1].Total, run[2].Total)
		}
		mu.Lock()
		if len(hooked) != 5 {
			t.Errorf("hook ran for %v; want the 5 stored readings, not the duplicate", hooked)
		}
		mu.Unlock()
		if u := f.unmatched(t, ""); len(u) != 0 {
			t.Fatalf("unmatched = %+v; want none", u)
		}
	})
}

func TestMQTTUnmatchedReadings(t *testing.T) {
	needBroker(t, brokerAddr)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// A hook that refuses a reading sends it to the unmatched list too.
		hook := func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
			if r.Value.String() == "666" {
				return millwright.Errorf(millwright.Rule, "hook_refused", "the hook refuses 666")
			}
			return nil
		}
		f.subscribe(t, brokerAddr, hook)
		pub := mustPublisher(t, brokerAddr)
		cases := []struct{ topic, payload, code, site string }{
			{"/WEST/P-101/vibration_mm_s", `{"value":1}`, "unknown_site", ""},
			{"/SOUTH/P-101/vibration_mm_s", `{"value":1}`, "unknown_asset", "south"},
			{"/NORTH/P-101/temp_c", `{"value":1}`, "unknown_meter", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"value":"high"}`, "bad_payload", "north"},
			{"/NORTH/P-101/vibration_mm_s", `not json`, "bad_payload", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"at":"2026-11-01T10:00:00Z"}`, "bad_payload", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"value":1,"at":"yesterday"}`, "invalid_time", "north"},
			{"/NORTH/P-101/run_hours", `{"value":100,"at":"2026-11-01T00:00:00Z"}`, "", ""},
			{"/NORTH/P-101/run_hours", `{"value":90,"at":"2026-11-02T00:00:00Z"}`, "counter_backwards", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"value":666}`, "hook_refused", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"value":1e300}`, "invalid_quantity", "north"},
			{"/NORTH/P-101/vibration_mm_s", `{"value":1,"at":"9999-12-31T23:59:59Z"}`, "invalid_time", "north"},
		}
		for _, c := range cases {
			pub.publish(t, f.root+c.topic, c.payload)
		}
		waitFor(t, "ten unmatched readings", func() (bool, error) { return len(f.unmatched(t, "")) >= 10, nil })
		// One more, after which every earlier message has been handled.
		pub.publish(t, f.root+"/NORTH/P-101/vibration_mm_s", `{"value":2,"at":"2026-11-01T00:00:00Z"}`)
		waitFor(t, "the last reading", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 1, nil })

		got := f.unmatched(t, "")
		var want []string
		for _, c := range cases {
			if c.code != "" {
				want = append(want, c.topic+" "+c.code)
			}
		}
		var have []string
		for _, u := range got {
			have = append(have, strings.TrimPrefix(u.Topic, f.root)+" "+u.Code)
			if u.Reason == "" {
				t.Errorf("unmatched %s has no reason", u.Topic)
			}
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Fatalf("unmatched =\n  %s\nwant\n  %s", strings.Join(have, "\n  "), strings.Join(want, "\n  "))
		}
		if got[4].Payload != "not json" {
			t.Errorf("payload kept = %q; want %q", got[4].Payload, "not json")
		}
		if !strings.Contains(got[7].Reason, `"replacement": true`) {
			t.Errorf("reason %q does not say how to mark a replacement", got[7].Reason)
		}
		// Each names the site of its topic when the site is known.
		sites := map[string]string{"": "", "north": f.north, "south": f.south}
		i := 0
		for _, c := range cases {
			if c.code == "" {
				continue
			}
			if got[i].SiteID != sites[c.site] {
				t.Errorf("unmatched %s has site %q; want %q", c.topic, got[i].SiteID, sites[c.site])
			}
			i++
		}
		if n := len(f.unmatched(t, f.north)); n != 9 {
			t.Errorf("%d unmatched at NORTH; want 9", n)
		}
		// Only the first counter reading was stored; the refused 666 was not.
		if n := len(f.readings(t, "run_hours")); n != 1 {
			t.Errorf("%d run_hours readings; want 1", n)
		}
	})
}

// TestMQTTStoreFailure: a message the store keeps failing on (here, a
// hook with an internal error) is retried, then kept as unmatched, and
// the messages after it are stored.
func TestMQTTStoreFailure(t *testing.T) {
	needBroker(t, brokerAddr)
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	var calls atomic.Int32
	hook := func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
		if r.Value.String() == "13" {
			calls.Add(1)
			return errors.New("disk on fire")
		}
		return nil
	}
	f.subscribeWith(t, brokerAddr, &ingest.Subscriber{Recorder: &ingest.Recorder{DB: db, Hook: hook}, Attempts: 3})
	pub := mustPublisher(t, brokerAddr)
	topic := f.root + "/NORTH/P-101/vibration_mm_s"
	pub.publish(t, topic, `{"value":13,"at":"2026-11-01T00:00:00Z"}`)
	pub.publish(t, topic, `{"value":2,"at":"2026-11-01T00:01:00Z"}`)
	waitFor(t, "the next reading", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 1, nil })
	u := f.unmatched(t, "")
	if len(u) != 1 || u[0].Code != "store_failed" || strings.Contains(u[0].Reason, "disk") || u[0].SiteID != f.north {
		t.Fatalf("unmatched = %+v; want one store_failed of NORTH that does not leak the internal error", u)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("the failing reading was tried %d times; want 3", n)
	}
}

// TestMQTTHeldWhileDown: QoS 1 messages published while Millwright is not
// connected are kept by the broker for its persistent session and stored
// once it is back.
func TestMQTTHeldWhileDown(t *testing.T) {
	needBroker(t, brokerAddr)
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	stop := f.subscribe(t, brokerAddr, nil)
	pub := mustPublisher(t, brokerAddr)
	topic := f.root + "/NORTH/P-101/vibration_mm_s"
	pub.publish(t, topic, `{"value":1,"at":"2026-11-01T00:00:00Z"}`)
	waitFor(t, "first reading", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 1, nil })
	stop()
	time.Sleep(300 * time.Millisecond) // let the disconnect reach the broker
	pub.publish(t, topic, `{"value":2,"at":"2026-11-01T00:01:00Z"}`)
	pub.publish(t, topic, `{"value":3,"at":"2026-11-01T00:02:00Z"}`)
	f.subscribe(t, brokerAddr, nil)
	waitFor(t, "readings published while down", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 3, nil })
}

// TestMQTTReconnect restarts a broker of the test's own on another
// loopback port and checks that readings flow again without restarting
// the subscriber.
func TestMQTTReconnect(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		storetest.Unavailable(t, "the mosquitto binary", "PATH", err, "install it with: apt-get install -y mosquitto")
	}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port)), 0o600)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "-c", conf)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start mosquitto: %v", err)
		}
		waitFor(t, "mosquitto on "+addr, func() (bool, error) {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err == nil, nil
		})
		return cmd
	}
	stopBroker := func(cmd *exec.Cmd) {
		cmd.Process.Kill()
		cmd.Wait()
	}
	broker := start()
	t.Cleanup(func() { stopBroker(broker) })

	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	f.subscribe(t, addr, nil)
	topic := f.root + "/NORTH/P-101/vibration_mm_s"
	pub := mustPublisher(t, addr)
	pub.publish(t, topic, `{"value":1,"at":"2026-11-01T00:00:00Z"}`)
	waitFor(t, "reading before the restart", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 1, nil })

	stopBroker(broker)
	broker = start()
	// The broker kept nothing (persistence false): the subscriber must
	// reconnect and subscribe again by itself.
	f.waitSubscribed(t)
	pub = mustPublisher(t, addr)
	pub.publish(t, topic, `{"value":2,"at":"2026-11-01T00:01:00Z"}`)
	waitFor(t, "reading after the restart", func() (bool, error) { return len(f.readings(t, "vibration_mm_s")) == 2, nil })
}

// dropSession ends the persistent session of clientID on the broker, so
// that test runs leave none behind.
func dropSession(broker, clientID string) {
	conn, err := net.DialTimeout("tcp", broker, time.Second)
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

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestSubscriberBadURL(t *testing.T) {
	s := &ingest.Subscriber{Broker: "::nonsense", Recorder: &ingest.Recorder{}}
	err := s.Run(t.Context())
	var e *millwright.Error
	if !errors.As(err, &e) || e.Code != "bad_mqtt_url" {
		t.Fatalf("Run = %v; want bad_mqtt_url", err)
	}
}
