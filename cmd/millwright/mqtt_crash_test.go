package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
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

// TestServeMQTTKilledMidBurst runs the real binary with --mqtt and kills
// it with SIGKILL twice while readings arrive in bursts: right after a
// burst is published, and while it catches up with the messages the
// broker kept for it. In the end every reading published is stored
// exactly once, with one audit record, and none is unmatched: what a
// batch had not committed was not acknowledged, so the broker sent it
// again; what it had committed and the broker sent again was a
// duplicate, ignored.
func TestServeMQTTKilledMidBurst(t *testing.T) {
	const broker = "127.0.0.1:1883"
	if c, err := net.DialTimeout("tcp", broker, 2*time.Second); err != nil {
		storetest.Unavailable(t, "Mosquitto (MQTT)", broker, err, "start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf")
	} else {
		c.Close()
	}
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ctx := t.Context()
			db, dsn := storetest.OpenDSN(t, e)
			clientID := strings.ReplaceAll(millwright.NewID("mwkill"), "_", "-")
			code := strings.ToUpper(clientID[len(clientID)-8:])
			meters := []string{"vibration_mm_s", "bearing_temp_c", "motor_amps"}
			var pump string
			err := db.InTx(ctx, func(tx *store.Tx) error {
				s := &asset.Site{Code: code, Name: "Kill test", Currency: "EUR", TimeZone: "UTC"}
				if err := tx.CreateSite(ctx, s); err != nil {
					return err
				}
				a := &asset.Asset{Tag: "P-1", Name: "Pump", SiteID: s.ID, Criticality: 3}
				if err := tx.CreateAsset(ctx, a); err != nil {
					return err
				}
				pump = a.ID
				for _, m := range meters {
					if err := tx.CreateMeter(ctx, &reading.Meter{AssetID: a.ID, Name: m, Kind: reading.Gauge}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dropMQTTSession(broker, clientID) }) // after serve has stopped
			serve := startProc(t, "serve", "serve", "--addr", freeAddr(t), "--db", dsn, "--pm-interval", "0",
				"--mqtt", "tcp://"+broker+"?client_id="+clientID)

			pubs := make([]*paho.Client, len(meters))
			for i := range pubs {
				conn, err := net.DialTimeout("tcp", broker, 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				pubs[i] = paho.NewClient(paho.ClientConfig{Conn: conn})
				if _, err := pubs[i].Connect(ctx, &paho.Connect{ClientID: fmt.Sprintf("%s-pub%d", clientID, i), CleanStart: true, KeepAlive: 30}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { pubs[i].Disconnect(&paho.Disconnect{}) })
			}
			start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			next := 0 // readings published so far, per meter
			// burst publishes n readings of each meter, the meters at once,
			// each in time order.
			burst := func(n int) {
				t.Helper()
				var wg sync.WaitGroup
				errs := make(chan error, len(meters))
				for i, m := range meters {
					wg.Go(func() {
						for k := next; k < next+n; k++ {
							body := fmt.Sprintf(`{"value":%d.%d,"at":%q}`, 4+k%5, k%10, start.Add(time.Duration(k)*time.Second).Format(time.RFC3339))
							if _, err := pubs[i].Publish(ctx, &paho.Publish{Topic: "millwright/" + code + "/P-1/" + m, QoS: 1, Payload: []byte(body)}); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
				next += n
			}
			// stored counts the burst's readings (not the probes below).
			stored := func() int {
				t.Helper()
				n := 0
				err := db.View(ctx, func(tx *store.Tx) error {
					for _, m := range meters {
						cursor := ""
						for {
							p, err := tx.Readings(ctx, reading.Filter{AssetID: pump, Meter: m, From: &start, Limit: 500, Cursor: cursor})
							if err != nil {
								return err
							}
							n += len(p.Items)
							if cursor = p.NextCursor; cursor == "" {
								break
							}
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}

			// serve's session begins when it first subscribes: until then
			// the broker keeps nothing for it. Publish probes (a year
			// before the burst) until one is stored.
			probe := start.AddDate(-1, 0, 0)
			within(t, 30*time.Second, "serve subscribed", func() string {
				probe = probe.Add(time.Second)
				body := fmt.Sprintf(`{"value":1,"at":%q}`, probe.Format(time.RFC3339))
				if _, err := pubs[0].Publish(ctx, &paho.Publish{Topic: "millwright/" + code + "/P-1/" + meters[0], QoS: 1, Payload: []byte(body)}); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Millisecond)
				var n int
				if err := db.View(ctx, func(tx *store.Tx) error {
					p, err := tx.Readings(ctx, reading.Filter{AssetID: pump, Meter: meters[0], Limit: 1})
					n = len(p.Items)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return "no probe stored"
				}
				return ""
			})

			// The broker keeps at most max_queued_messages (1000 by
			// default) for a session that is away and drops the rest, so
			// no more than 750 readings are ever waiting.
			//
			// 1. A burst, and SIGKILL as soon as the broker has it: serve
			// is still storing it.
			burst(100)
			serve.stop(syscall.SIGKILL)
			atKill := stored()
			// 2. While serve is down, the broker keeps the readings.
			burst(50)
			// 3. Back, it catches up; once it has stored some, another
			// burst, and SIGKILL again while it works through them.
			serve.start()
			within(t, 30*time.Second, "serve catching up", func() string {
				if stored() == atKill {
					return "nothing more stored"
				}
				return ""
			})
			burst(100)
			serve.stop(syscall.SIGKILL)
			atKill2 := stored()
			serve.start()
			// 4. The last burst.
			burst(50)
			want := len(meters) * next
			t.Logf("%s: %d readings published; %d stored at the first SIGKILL (after %d), %d at the second (after %d)",
				e, want, atKill, 3*100, atKill2, 3*250)

			last, since := -1, time.Now()
			for n := stored(); n < want; n = stored() {
				if n != last {
					last, since = n, time.Now()
				}
				if time.Since(since) > 15*time.Second {
					t.Fatalf("%d of %d readings stored, none more for 15 s; serve's log:\n%s", n, want, serve.tail())
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // anything sent again arrives, and must change nothing
			if n := stored(); n != want {
				t.Fatalf("%d readings stored; want %d, each once", n, want)
			}

			// None unmatched (a redelivered reading is a duplicate, not a
			// conflict), and every reading audited exactly once.
			err = db.View(ctx, func(tx *store.Tx) error {
				u, err := tx.UnmatchedReadings(ctx, reading.UnmatchedFilter{Status: "all", Limit: 10})
				if err != nil {
					return err
				}
				if len(u.Items) != 0 {
					return fmt.Errorf("unmatched = %+v; want none", u.Items)
				}
				audited := map[string]int{}
				for _, typ := range []string{"reading_batch", "reading"} {
					cursor := ""
					for {
						p, err := tx.AuditEntries(ctx, store.AuditFilter{EntityType: typ, Limit: 500, Cursor: cursor})
						if err != nil {
							return err
						}
						for _, a := range p.Items {
							if typ == "reading" {
								audited[a.EntityID]++
								continue
							}
							var b ingest.BatchAudit
							if err := json.Unmarshal(a.After, &b); err != nil {
								return err
							}
							for _, r := range b.Readings {
								audited[r.ID]++
							}
						}
						if cursor = p.NextCursor; cursor == "" {
							break
						}
					}
				}
				for _, m := range meters {
					cursor := ""
					for {
						p, err := tx.Readings(ctx, reading.Filter{AssetID: pump, Meter: m, Limit: 500, Cursor: cursor})
						if err != nil {
							return err
						}
						for _, r := range p.Items {
							if audited[r.ID] != 1 {
								return fmt.Errorf("reading %s (%s at %s) has %d audit records; want 1", r.ID, m, r.At, audited[r.ID])
							}
						}
						if cursor = p.NextCursor; cursor == "" {
							break
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// dropMQTTSession ends the persistent session clientID left on broker.
func dropMQTTSession(broker, clientID string) {
	c, err := net.DialTimeout("tcp", broker, time.Second)
	if err != nil {
		return
	}
	p := paho.NewClient(paho.ClientConfig{Conn: c})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := p.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: true}); err == nil {
		p.Disconnect(&paho.Disconnect{})
	}
}
