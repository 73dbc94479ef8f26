package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// burstGauges are the gauges of the burst, besides the counter run_hours.
var burstGauges = []string{"vibration_mm_s", "bearing_temp_c", "motor_amps", "seal_leak_ml"}

// burstMessage is one reading of the burst: its meter and payload.
type burstMessage struct{ meter, payload string }

// burst is 2,000 readings over five meters of pump P-101 (500 under the
// race detector), interleaved as sensors behind one gateway publish them,
// each meter's in time order: burstSteps per gauge, a minute apart, whose
// values cross the condition rules' limits now and then, and up to 200 of
// run_hours, 7 h apart; some are sent twice.
func burst() []burstMessage {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var out []burstMessage
	for k := range burstSteps {
		at := start.Add(time.Duration(k) * time.Minute).Format(time.RFC3339)
		for i, g := range burstGauges {
			v := 4 + float64((k*7+i*13)%10)/4
			if (k/20+i)%4 == 0 { // stretches of 20 minutes above 7.1
				v = 7.5 + float64(k%5)/10
			}
			out = append(out, burstMessage{g, fmt.Sprintf(`{"value":%g,"at":%q}`, v, at)})
		}
		if k < 200 {
			out = append(out, burstMessage{"run_hours", fmt.Sprintf(`{"value":%d,"at":%q}`, 1000+7*k, start.Add(time.Duration(k)*7*time.Hour).Format(time.RFC3339))})
		}
	}
	// Sent again, as a broker redelivers: every 97th right after itself
	// (in the same batch, mostly), every 401st at the end (in another).
	var dup []burstMessage
	for i, m := range out {
		dup = append(dup, m)
		if i%97 == 0 {
			dup = append(dup, m)
		}
	}
	for i := 0; i < len(out); i += 401 {
		dup = append(dup, out[i])
	}
	return dup
}

// outcome is what the hook made of one committed reading.
type outcome struct {
	meter, at string
	holds     bool   // the first condition rule of the meter, evaluated on the readings committed before it and itself
	made      string // the numbers of the work orders it made
}

// burstRun stores the burst through a Subscriber of batchSize (1: each
// message on its own, as before batching) on a database with the plant
// and PM plans, and returns each committed reading's outcome by meter,
// the work orders made and the number of batch audit entries.
func burstRun(t *testing.T, e store.Engine, batchSize int, msgs []burstMessage) (map[string][]outcome, []string, int) {
	t.Helper()
	db := storetest.Open(t, e)
	f := newFixture(t, db)
	ctx := millwright.WithPrincipal(t.Context(), ingest.Principal)
	above, rising := 7.1, 30.0
	var plans []*pm.Plan
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, g := range burstGauges[1:] {
			if err := tx.CreateMeter(ctx, &reading.Meter{AssetID: f.pump, Name: g, Kind: reading.Gauge}); err != nil {
				return err
			}
		}
		no := false
		tmpl := pm.Template{Title: "Inspect", CopyBOM: &no, AutoRequestMaterial: &no}
		triggers := []pm.Trigger{{Kind: pm.Meter, Meter: "run_hours", Every: 500}}
		for _, g := range burstGauges[:2] { // the other two have no plans
			triggers = append(triggers, pm.Trigger{Kind: pm.Condition, Meter: g, Above: &above, ForMinutes: 10})
		}
		triggers = append(triggers, pm.Trigger{Kind: pm.Condition, Meter: burstGauges[0], RisingPerHour: &rising, ForMinutes: 15})
		for i, tr := range triggers {
			tmpl.Title = fmt.Sprintf("Inspect (rule %d)", i)
			p, err := pm.Create(ctx, tx, pm.Input{AssetID: f.pump, Name: fmt.Sprintf("rule %d", i), Trigger: tr, WorkOrder: tmpl})
			if err != nil {
				return err
			}
			plans = append(plans, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("plans: %v", err)
	}
	var (
		mu        sync.Mutex
		outcomes  = map[string][]outcome{}
		committed int
	)
	hook := func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
		rd := store.PMReadings{Tx: tx}
		made, err := pm.OnReading(ctx, tx, rd, pm.Reading{AssetID: r.AssetID, Meter: r.Meter, Value: r.Total.InexactFloat64(), At: r.At})
		if err != nil {
			return err
		}
		o := outcome{meter: r.Meter, at: r.At.Format(time.RFC3339)}
		for _, w := range made {
			o.made += w.Title + "; "
		}
		for _, p := range plans {
			if p.Trigger.Kind == pm.Condition && p.Trigger.Meter == r.Meter {
				pts, err := rd.Since(ctx, r.AssetID, r.Meter, r.At.Add(-time.Hour))
				if err != nil {
					return err
				}
				o.holds = p.Trigger.Holds(pts, r.At)
				break
			}
		}
		tx.AfterCommit(func() { // a batch that fails is rolled back: only what commits counts
			mu.Lock()
			outcomes[r.Meter] = append(outcomes[r.Meter], o)
			committed++
			mu.Unlock()
		})
		return nil
	}
	f.subscribeWith(t, brokerAddr, &ingest.Subscriber{Recorder: &ingest.Recorder{DB: db, Hook: hook}, BatchSize: batchSize})
	// One publisher per meter, each in time order, at once.
	var wg sync.WaitGroup
	for _, m := range append([]string{"run_hours"}, burstGauges...) {
		pub := mustPublisher(t, brokerAddr)
		wg.Go(func() {
			for _, msg := range msgs {
				if msg.meter == m {
					pub.publish(t, f.root+"/NORTH/P-101/"+m, msg.payload)
				}
			}
		})
	}
	t0 := time.Now()
	wg.Wait()
	t1 := time.Now()
	want := len(distinct(msgs))
	waitProgress(t, fmt.Sprintf("%d readings stored", want), want, func() int {
		mu.Lock()
		defer mu.Unlock()
		return committed
	})
	t.Logf("batch size %d: published in %s, stored %s later", batchSize, t1.Sub(t0), time.Since(t1))
	if n := f.countReadings(t); n != want {
		t.Fatalf("%d readings stored; want %d", n, want)
	}
	if u := f.unmatched(t, ""); len(u) != 0 {
		t.Fatalf("unmatched = %+v; want none", u)
	}
	var wos []string
	err = db.View(ctx, func(tx *store.Tx) error {
		p, err := tx.WorkOrders(ctx, workorder.Filter{AssetID: f.pump, Limit: 500})
		for _, w := range p.Items {
			wos = append(wos, w.Title+" "+string(w.Status)) // numbers follow the meters' interleaving
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(wos)
	mu.Lock()
	defer mu.Unlock()
	return outcomes, wos, f.batchAudits(t)
}

// waitProgress waits until count reaches want, for as long as it grows
// (the one-by-one run under the race detector is slow): it fails when
// count stays the same for 10 s, or after 2 minutes.
func waitProgress(t *testing.T, what string, want int, count func() int) {
	t.Helper()
	last, since, deadline := -1, time.Now(), time.Now().Add(2*time.Minute)
	for {
		n := count()
		if n >= want {
			return
		}
		if n != last {
			last, since = n, time.Now()
		}
		if time.Since(since) > 10*time.Second || time.Now().After(deadline) {
			t.Fatalf("%s: %d after %s", what, n, time.Since(deadline.Add(-2*time.Minute)).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// distinct is msgs without repeats of a meter and time.
func distinct(msgs []burstMessage) map[string]bool {
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.meter+" "+m.payload] = true
	}
	return seen
}

// countReadings counts the readings of every meter of the pump.
func (f *fixture) countReadings(t *testing.T) int {
	t.Helper()
	n := 0
	err := f.db.View(t.Context(), func(tx *store.Tx) error {
		cursor := ""
		for {
			p, err := tx.Readings(t.Context(), reading.Filter{AssetID: f.pump, Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			n += len(p.Items)
			if p.NextCursor == "" {
				return nil
			}
			cursor = p.NextCursor
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// batchAudits counts the audit entries of batches of readings, and checks
// that, with the readings audited one by one, they name every reading once.
func (f *fixture) batchAudits(t *testing.T) int {
	t.Helper()
	batches := 0
	if _, err := f.db.SealAudit(t.Context()); err != nil { // every entry in the chain, in order
		t.Fatal(err)
	}
	err := f.db.View(t.Context(), func(tx *store.Tx) error {
		audited := map[string]int{}
		for _, typ := range []string{"reading_batch", "reading"} {
			cursor := ""
			for {
				p, err := tx.AuditEntries(t.Context(), store.AuditFilter{EntityType: typ, Limit: 500, Cursor: cursor})
				if err != nil {
					return err
				}
				for _, e := range p.Items {
					if typ == "reading" {
						audited[e.EntityID]++
						continue
					}
					batches++
					var b ingest.BatchAudit
					if err := json.Unmarshal(e.After, &b); err != nil {
						return err
					}
					if b.Count != len(b.Readings) || b.Count == 0 || b.Source != "mqtt" || b.RecordedBy != "mqtt" {
						return fmt.Errorf("batch audit entry %s: %+v", e.EntityID, b)
					}
					for _, r := range b.Readings {
						audited[r.ID]++
					}
				}
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
		}
		cursor := ""
		for {
			p, err := tx.Readings(t.Context(), reading.Filter{AssetID: f.pump, Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, r := range p.Items {
				if audited[r.ID] != 1 {
					return fmt.Errorf("reading %s (%s at %s) is in %d audit entries; want 1", r.ID, r.Meter, r.At, audited[r.ID])
				}
				delete(audited, r.ID)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(audited) != 0 {
			return fmt.Errorf("audit entries name %d readings that are not stored", len(audited))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return batches
}

// TestMQTTBurstBatched: a burst of 2,000 readings over five meters, some
// published twice, is stored exactly once each, in batches, and the PM
// plans (meter and condition rules) see each reading as they would one by
// one: the same rule holds at the same readings and the same work orders
// are made, at the same readings.
func TestMQTTBurstBatched(t *testing.T) {
	needBroker(t, brokerAddr)
	msgs := burst()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		oneByOne, wantWOs, _ := burstRun(t, db.Engine, 1, msgs)
		batched, gotWOs, batches := burstRun(t, db.Engine, 0, msgs)
		if batches == 0 || batches > len(msgs)/20 {
			t.Errorf("%d batches for %d readings; want them stored in batches", batches, len(msgs))
		}
		t.Logf("%d messages, %d readings, in %d batches; work orders %q", len(msgs), len(distinct(msgs)), batches, gotWOs)
		if len(wantWOs) == 0 {
			t.Fatal("no rule made a work order one by one: the burst tests nothing")
		}
		if !slices.Equal(gotWOs, wantWOs) {
			t.Errorf("work orders batched = %q; one by one = %q", gotWOs, wantWOs)
		}
		for _, m := range append([]string{"run_hours"}, burstGauges...) {
			if got, want := batched[m], oneByOne[m]; !slices.Equal(got, want) {
				t.Errorf("%s: outcomes batched differ from one by one:\n%s", m, diffOutcomes(got, want))
			}
		}
	})
}

func diffOutcomes(got, want []outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d outcomes; want %d\n", len(got), len(want))
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			fmt.Fprintf(&b, "  #%d: %+v; want %+v\n", i, got[i], want[i])
			if b.Len() > 2000 {
				break
			}
		}
	}
	return b.String()
}

// subscribeBatch runs a Subscriber for f whose batches wait up to a second
// to fill, so that messages published together are stored together.
func (f *fixture) subscribeBatch(t *testing.T, hook ingest.Hook, attempts int) {
	t.Helper()
	f.subscribeWith(t, brokerAddr, &ingest.Subscriber{Recorder: &ingest.Recorder{DB: f.db, Hook: hook},
		BatchSize: 100, Linger: time.Second, Attempts: attempts})
}

// TestMQTTBatchDuplicates: the same reading twice (same meter and time)
// is stored once, whether the two are in one batch or in two; the same
// time with another value is a conflict, kept as unmatched; two readings
// without a time, received together, are two readings.
func TestMQTTBatchDuplicates(t *testing.T) {
	needBroker(t, brokerAddr)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var hooked atomic.Int32
		f.subscribeBatch(t, func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
			tx.AfterCommit(func() { hooked.Add(1) })
			return nil
		}, 0)
		pub := mustPublisher(t, brokerAddr)
		vib, run := f.root+"/NORTH/P-101/vibration_mm_s", f.root+"/NORTH/P-101/run_hours"
		// One batch.
		pub.publish(t, vib, `{"value":4.2,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, vib, `{"value":4.2,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, run, `{"value":100,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, vib, `{"value":4.20,"at":"2026-11-01T11:00:00+01:00"}`) // the same time and value, written otherwise
		pub.publish(t, run, `{"value":100,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, vib, `{"value":5,"at":"2026-11-01T10:00:00Z"}`) // the same time, another value
		pub.publish(t, vib, `6.1`)                                     // no time: received now
		pub.publish(t, vib, `6.1`)
		waitFor(t, "the first batch", func() (bool, error) { return hooked.Load() >= 4, nil })
		waitFor(t, "the conflict kept", func() (bool, error) { return len(f.unmatched(t, "")) == 1, nil })
		// Another batch: the broker sends the first messages again.
		pub.publish(t, vib, `{"value":4.2,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, run, `{"value":100,"at":"2026-11-01T10:00:00Z"}`)
		pub.publish(t, vib, `{"value":7,"at":"2026-11-01T12:00:00Z"}`)
		waitFor(t, "the second batch", func() (bool, error) { return hooked.Load() >= 5, nil })

		if n := len(f.readings(t, "vibration_mm_s")); n != 4 {
			t.Errorf("%d vibration readings; want 4 (10:00, two without a time, 12:00)", n)
		}
		if n := len(f.readings(t, "run_hours")); n != 1 {
			t.Errorf("%d run_hours readings; want 1", n)
		}
		if n := hooked.Load(); n != 5 {
			t.Errorf("the hook ran for %d readings; want 5: duplicates do not run it", n)
		}
		if u := f.unmatched(t, ""); len(u) != 1 || u[0].Code != "reading_conflict" {
			t.Errorf("unmatched = %+v; want one reading_conflict", u)
		}
		if n := f.batchAudits(t); n != 2 {
			t.Errorf("%d batch audit entries; want 2, one per batch", n)
		}
	})
}

// TestMQTTBatchBadMessages: messages that cannot be readings do not cost
// the others of their batch. Those refused before anything is written
// (payload, unknown meter) are kept as unmatched in the batch; one whose
// hook refuses it after its insert fails the batch's transaction, which
// is then stored in parts: the messages before it as a batch, it alone,
// the rest as a batch. A hook's internal error is retried as on its own.
func TestMQTTBatchBadMessages(t *testing.T) {
	needBroker(t, brokerAddr)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var failing atomic.Int32
		hook := func(ctx context.Context, tx *store.Tx, r reading.Reading) error {
			switch r.Value.String() {
			case "666":
				return millwright.Errorf(millwright.Rule, "hook_refused", "the hook refuses 666")
			case "13":
				failing.Add(1)
				return errors.New("disk on fire")
			}
			return nil
		}
		f.subscribeBatch(t, hook, 2)
		pub := mustPublisher(t, brokerAddr)
		topic := f.root + "/NORTH/P-101/"
		at := func(m int) string { return fmt.Sprintf(`"at":"2026-11-01T10:%02d:00Z"`, m) }
		msgs := []struct{ meter, payload, code string }{
			{"vibration_mm_s", `{"value":1,` + at(1) + `}`, ""},
			{"vibration_mm_s", `not json`, "bad_payload"},
			{"vibration_mm_s", `{"value":2,` + at(2) + `}`, ""},
			{"temp_c", `{"value":3,` + at(3) + `}`, "unknown_meter"},
			{"run_hours", `{"value":100,` + at(4) + `}`, ""},
			{"vibration_mm_s", `{"value":666,` + at(5) + `}`, "hook_refused"},
			{"run_hours", `{"value":90,` + at(6) + `}`, "counter_backwards"},
			{"vibration_mm_s", `{"value":3,` + at(7) + `}`, ""},
			{"vibration_mm_s", `{"value":13,` + at(8) + `}`, "store_failed"},
			{"vibration_mm_s", `{"value":4,` + at(9) + `}`, ""},
		}
		var want []string
		for _, m := range msgs {
			pub.publish(t, topic+m.meter, m.payload)
			if m.code != "" {
				want = append(want, m.meter+" "+m.code)
			}
		}
		waitFor(t, "every message stored", func() (bool, error) {
			return len(f.readings(t, "vibration_mm_s")) == 4 && len(f.unmatched(t, "")) == len(want), nil
		})
		var got []string
		for _, u := range f.unmatched(t, "") {
			got = append(got, strings.TrimPrefix(u.Topic, topic)+" "+u.Code)
		}
		if !slices.Equal(got, want) {
			t.Errorf("unmatched =\n  %s\nwant, in the order published,\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if n := len(f.readings(t, "run_hours")); n != 1 {
			t.Errorf("%d run_hours readings; want 1", n)
		}
		if n := failing.Load(); n != 2 {
			t.Errorf("the reading whose hook fails was tried %d times; want 2 (Attempts), its batch's try included", n)
		}
		f.batchAudits(t) // every reading audited once, in a batch's entry or its own
	})
}
