package scheduler_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/pm/scheduler"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// clock is a settable time for a database.
type clock struct{ ns atomic.Int64 }

func (c *clock) set(t time.Time)      { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time       { return time.Unix(0, c.ns.Load()).UTC() }
func useClock(db *store.DB, c *clock) { db.Clock = c.now }

// fixture is a site in Berlin with a pump whose BOM has a stock filter and
// a direct bearing marked Auto Request Material, mapped in the ERP.
type fixture struct {
	Site, Pump, Critical, Filter, Bearing string
}

func mustFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := t.Context()
	var fx fixture
	err := db.InTx(ctx, func(tx *store.Tx) error {
		site := &asset.Site{Code: "NORTH", Name: "North plant", Currency: "EUR", TimeZone: "Europe/Berlin"}
		if err := tx.CreateSite(ctx, site); err != nil {
			return err
		}
		filter := &inventory.Item{PartNumber: "FLT-10", Description: "Oil filter", Unit: "EA", StockType: inventory.StockItem, UnitCost: millwright.MustMoney("12.50")}
		bearing := &inventory.Item{PartNumber: "BRG-SPC", Description: "Special bearing", Unit: "EA", StockType: inventory.DirectItem, UnitCost: millwright.MustMoney("250.00")}
		for _, it := range []*inventory.Item{filter, bearing} {
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
		}
		pump := &asset.Asset{Tag: "P-101", Name: "Feed pump", SiteID: site.ID, Criticality: 3, CostCenter: "CC-100"}
		crit := &asset.Asset{Tag: "K-1", Name: "Main compressor", SiteID: site.ID, Criticality: 1, CostCenter: "CC-100"}
		for _, a := range []*asset.Asset{pump, crit} {
			if err := tx.CreateAsset(ctx, a); err != nil {
				return err
			}
			if err := tx.SetAssetBOM(ctx, a.ID, []asset.BOMLine{
				{ItemID: filter.ID, Quantity: millwright.NewQty(2)},
				{ItemID: bearing.ID, Quantity: millwright.NewQty(1), AutoRequestMaterial: true},
			}); err != nil {
				return err
			}
		}
		if err := tx.SaveItemMapping(ctx, &integration.ItemMapping{ItemID: bearing.ID, ERPItemCode: "ERP-BRG", ERPUnit: "EA", Factor: millwright.NewQty(1)}); err != nil {
			return err
		}
		fx = fixture{Site: site.ID, Pump: pump.ID, Critical: crit.ID, Filter: filter.ID, Bearing: bearing.ID}
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return fx
}

var planner = millwright.Principal{UserID: "u1", Username: "paula", Role: millwright.Planner}

func mustPlan(t *testing.T, db *store.DB, in pm.Input) *pm.Plan {
	t.Helper()
	ctx := millwright.WithPrincipal(t.Context(), planner)
	var p *pm.Plan
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		p, err = pm.Create(ctx, tx, in)
		return err
	})
	if err != nil {
		t.Fatalf("pm.Create: %v", err)
	}
	return p
}

func berlin(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := pm.ParseLocal(s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func step(t *testing.T, s *scheduler.Scheduler) []*workorder.WorkOrder {
	t.Helper()
	made, err := s.Step(t.Context())
	if err != nil {
		t.Fatalf("Step: %v", err)
	}
	return made
}

func planWorkOrders(t *testing.T, db *store.DB, assetID string) []workorder.WorkOrder {
	t.Helper()
	var page millwright.Page[workorder.WorkOrder]
	err := db.View(t.Context(), func(tx *store.Tx) (err error) {
		page, err = tx.WorkOrders(t.Context(), workorder.Filter{AssetID: assetID, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func finish(t *testing.T, db *store.DB, id string) {
	t.Helper()
	ctx := t.Context()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := workorder.Transition(ctx, tx, id, "start"); err != nil {
			return err
		}
		_, err := workorder.Complete(ctx, tx, id, workorder.Completion{Notes: "done", OverrideMaterials: "the test is not about its materials"})
		return err
	})
	if err != nil {
		t.Fatalf("finish %s: %v", id, err)
	}
}

// TestSchedulerLeadTime: a monthly plan's work order is generated once,
// lead_time_days before it is due, released by the system so that Auto
// Request Material asks for its direct items (requested by system); no
// second order while it is open; the next one after it is completed.
func TestSchedulerLeadTime(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		c := &clock{}
		useClock(db, c)
		c.set(berlin(t, "2026-01-01T00:00"))
		fx := mustFixture(t, db)
		p := mustPlan(t, db, pm.Input{
			AssetID: fx.Pump, LeadTimeDays: 7,
			Trigger:   pm.Trigger{Kind: pm.Calendar, EveryMonths: 1, Start: "2026-01-31T06:00"},
			WorkOrder: pm.Template{Title: "Pump overhaul", Description: "Yearly-style overhaul.", JobSteps: []string{"Isolate the pump", "Replace the bearing"}},
		})
		s := &scheduler.Scheduler{DB: db}

		c.set(berlin(t, "2026-01-24T05:59"))
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("before the lead time: made %d work orders; want 0", len(made))
		}
		c.set(berlin(t, "2026-01-24T06:00"))
		made := step(t, s)
		if len(made) != 1 {
			t.Fatalf("at the lead time: made %d work orders; want 1", len(made))
		}
		w := made[0]
		if w.Type != workorder.Preventive || w.Status != workorder.Released || w.CreatedBy != "system" || w.Priority != 3 {
			t.Errorf("generated %+v; want a preventive order released by system, priority 3", w)
		}
		if !strings.Contains(w.Description, "2. Replace the bearing") || !strings.Contains(w.Description, "Due 2026-01-31 06:00 CET") {
			t.Errorf("description %q; want the job steps and the due date", w.Description)
		}
		if w.ScheduledOn != "2026-01-31" {
			t.Errorf("scheduled on %q; want the due day, 2026-01-31", w.ScheduledOn)
		}
		err := db.View(ctx, func(tx *store.Tx) error {
			mats, err := tx.Materials(ctx, w.ID)
			if err != nil {
				return err
			}
			if len(mats) != 2 {
				t.Errorf("materials = %d; want the BOM's 2", len(mats))
			}
			msgs, err := tx.WorkOrderMessages(ctx, w.ID)
			if err != nil {
				return err
			}
			if len(msgs) != 1 || msgs[0].Message.Actor != "system" {
				t.Errorf("outbox = %+v; want one requisition requested by system", msgs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c.set(berlin(t, "2026-02-25T06:00")) // the next lead time has begun, but the order is open
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("with an open order: made %d; want 0", len(made))
		}
		finish(t, db, w.ID)
		made = step(t, s)
		if len(made) != 1 || !strings.Contains(made[0].Description, "Due 2026-02-28 06:00 CET") {
			t.Fatalf("after completion: made %v; want the order due 2026-02-28 06:00", made)
		}
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("a second step made %d; want 0", len(made))
		}
		var f millwright.Page[pm.Due]
		err = db.View(ctx, func(tx *store.Tx) (err error) {
			f, err = pm.Forecast(ctx, tx, p.ID, "", 3)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{f.Items[0].Local, f.Items[1].Local, f.Items[2].Local}; got[0] != "2026-03-31 06:00 CEST" || got[1] != "2026-04-30 06:00 CEST" || got[2] != "2026-05-31 06:00 CEST" {
			t.Errorf("forecast = %v; want the last days of March, April, May at 06:00 local", got)
		}
	})
}

// TestSchedulerCatchUp: after three months without a scheduler, a plan
// gets ONE work order, and its description and the audit name the missed
// dates; compliance counts them as due and not done.
func TestSchedulerCatchUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		c := &clock{}
		useClock(db, c)
		c.set(berlin(t, "2025-12-01T00:00"))
		fx := mustFixture(t, db)
		p := mustPlan(t, db, pm.Input{
			AssetID: fx.Pump, LeadTimeDays: 2,
			Trigger:   pm.Trigger{Kind: pm.Calendar, EveryWeeks: 2, Start: "2026-01-05T06:00"},
			WorkOrder: pm.Template{Title: "Inspect the seal", Type: workorder.Inspection, AutoRelease: new(bool)},
		})
		s := &scheduler.Scheduler{DB: db}
		c.set(berlin(t, "2026-02-15T12:00")) // due 5 Jan, 19 Jan, 2 Feb, (16 Feb within lead)
		made := step(t, s)
		if len(made) != 1 {
			t.Fatalf("made %d; want 1", len(made))
		}
		w := made[0]
		if w.Status != workorder.Requested || w.Type != workorder.Inspection {
			t.Errorf("status %s type %s; want requested inspection (auto_release false)", w.Status, w.Type)
		}
		for _, d := range []string{"2026-01-05 06:00 CET", "2026-01-19 06:00 CET", "2026-02-02 06:00 CET"} {
			if !strings.Contains(w.Description, d) {
				t.Errorf("description %q does not name missed date %s", w.Description, d)
			}
		}
		if !strings.Contains(w.Description, "Due 2026-02-16 06:00 CET") {
			t.Errorf("description %q; want due 2026-02-16", w.Description)
		}
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("second step made %d; want 0", len(made))
		}
		err := db.View(ctx, func(tx *store.Tx) error {
			page, err := tx.AuditEntries(ctx, store.AuditFilter{EntityType: "pm_plan", EntityID: p.ID})
			if err != nil {
				return err
			}
			var found bool
			for _, e := range page.Items {
				if e.Action == "generate" && e.Actor == "system" && strings.Contains(string(e.After), "2026-01-19 06:00 CET") {
					found = true
				}
			}
			if !found {
				t.Errorf("no generate audit entry by system naming the missed dates in %d entries", len(page.Items))
			}
			rep, err := pm.Compliance(ctx, tx, fx.Site, berlin(t, "2026-01-01T00:00"), berlin(t, "2026-03-01T00:00"), 0)
			if err != nil {
				return err
			}
			if rep.Total.Due != 3 || rep.Total.Missed != 3 || rep.Total.OnTime != 0 || *rep.Total.Percent != 0 {
				t.Errorf("compliance = %+v; want 3 due (16 Feb not yet), 3 missed, 0 on time", rep.Total)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestTwoSchedulers: two schedulers over one database (as two serve
// processes on one PostgreSQL), stepping at once, make exactly one work
// order per plan occurrence.
func TestTwoSchedulers(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := t.Context()
			dsn := storetest.DSN(t, engine)
			open := func() *store.DB {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			db1, db2 := open(), open()
			if err := db1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			c := &clock{}
			useClock(db1, c)
			useClock(db2, c)
			c.set(berlin(t, "2026-01-01T00:00"))
			fx := mustFixture(t, db1)
			const plans = 8
			for i := range plans {
				mustPlan(t, db1, pm.Input{AssetID: fx.Pump, LeadTimeDays: i % 3,
					Trigger:   pm.Trigger{Kind: pm.Calendar, EveryDays: 1 + i, Start: "2026-01-02T06:00"},
					WorkOrder: pm.Template{Title: "Check", CopyBOM: new(bool)}})
			}
			c.set(berlin(t, "2026-01-03T07:00"))
			scheds := []*scheduler.Scheduler{{DB: db1}, {DB: db2}}
			var (
				wg    sync.WaitGroup
				total atomic.Int64
			)
			for round := range 3 {
				for _, s := range scheds {
					wg.Add(1)
					go func() {
						defer wg.Done()
						made, err := s.Step(ctx)
						if err != nil { // the plan's row lock makes the second wait, then find the order open
							t.Errorf("round %d: Step: %v", round, err)
						}
						total.Add(int64(len(made)))
					}()
				}
				wg.Wait()
			}
			ws := planWorkOrders(t, db1, fx.Pump)
			if len(ws) != plans || total.Load() != plans {
				t.Fatalf("work orders = %d (reported %d); want one per plan, %d", len(ws), total.Load(), plans)
			}
		})
	}
}

// fakeReadings is the readings store, in memory.
type fakeReadings struct{ pts []pm.Point }

func (f *fakeReadings) add(v float64, at time.Time) pm.Reading {
	f.pts = append(f.pts, pm.Point{Value: v, At: at})
	return pm.Reading{Value: v, At: at}
}

func (f *fakeReadings) Since(_ context.Context, _, _ string, since time.Time) ([]pm.Point, error) {
	var out []pm.Point
	for _, p := range f.pts {
		if !p.At.Before(since) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeReadings) Latest(_ context.Context, _, _ string, at time.Time) (pm.Point, bool, error) {
	var (
		last pm.Point
		ok   bool
	)
	for _, p := range f.pts {
		if !p.At.After(at) {
			last, ok = p, true
		}
	}
	return last, ok, nil
}

var technician = millwright.Principal{UserID: "u2", Username: "tom", Role: millwright.Technician}

func onReading(t *testing.T, db *store.DB, rd pm.Readings, r pm.Reading) []*workorder.WorkOrder {
	t.Helper()
	ctx := millwright.WithPrincipal(t.Context(), technician)
	var made []*workorder.WorkOrder
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		made, err = pm.OnReading(ctx, tx, rd, r)
		return err
	})
	if err != nil {
		t.Fatalf("OnReading(%v): %v", r, err)
	}
	return made
}

// TestConditionPlan: vibration above 7.1 for 10 minutes makes ONE
// predictive work order, by system, with its priority raised for a
// critical asset, released so that its parts are requested by system; no
// second while it is open; a new one once it is completed and the rule
// holds again.
func TestConditionPlan(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		c := &clock{}
		useClock(db, c)
		t0 := berlin(t, "2026-05-04T10:00")
		c.set(t0)
		fx := mustFixture(t, db)
		above := 7.1
		mustPlan(t, db, pm.Input{AssetID: fx.Critical, Name: "Compressor vibration",
			Trigger:   pm.Trigger{Kind: pm.Condition, Meter: "vibration_mm_s", Above: &above, ForMinutes: 10},
			WorkOrder: pm.Template{Title: "Replace the compressor bearing"}})
		rd := &fakeReadings{}
		var made []*workorder.WorkOrder
		values := []float64{6.0, 7.5, 7.8, 8.0, 8.1, 8.4, 8.6, 8.5, 8.9, 9.0, 9.2, 9.3, 9.4, 9.6}
		fired := -1
		for i, v := range values {
			at := t0.Add(time.Duration(i) * 2 * time.Minute)
			c.set(at)
			r := rd.add(v, at)
			r.AssetID, r.Meter = fx.Critical, "vibration_mm_s"
			got := onReading(t, db, rd, r)
			if len(got) > 0 && fired < 0 {
				fired = i
			}
			made = append(made, got...)
			// another meter of the asset changes nothing
			onReading(t, db, rd, pm.Reading{AssetID: fx.Critical, Meter: "temperature_c", Value: 99, At: at})
		}
		if len(made) != 1 {
			t.Fatalf("made %d work orders; want 1", len(made))
		}
		if fired != 6 { // above from reading 1 (t0+2m); 10 minutes later is reading 6 (t0+12m)
			t.Errorf("fired at reading %d; want 6", fired)
		}
		w := made[0]
		if w.Type != workorder.Predictive || w.Priority != 1 || w.CreatedBy != "system" || w.Status != workorder.Released {
			t.Errorf("generated %+v; want a released predictive order by system, priority 1 (rule 2, criticality 1)", w)
		}
		err := db.View(ctx, func(tx *store.Tx) error {
			msgs, err := tx.WorkOrderMessages(ctx, w.ID)
			if len(msgs) != 1 || msgs[0].Message.Actor != "system" {
				t.Errorf("outbox = %+v; want one requisition requested by system", msgs)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		finish(t, db, w.ID)
		at := t0.Add(40 * time.Minute)
		r := rd.add(9.9, at)
		r.AssetID, r.Meter = fx.Critical, "vibration_mm_s"
		if got := onReading(t, db, rd, r); len(got) != 1 {
			t.Errorf("after completion, the rule still holding: made %d; want 1", len(got))
		}
	})
}

// TestMeterPlan: a run-hours plan every 500 is due when the meter passes
// 500, then 1000; a jump past several intervals makes one order noting the
// missed values; with a lead time the order comes when the meter's rate
// says it will pass within the lead time.
func TestMeterPlan(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		useClock(db, c)
		t0 := berlin(t, "2026-05-04T10:00")
		c.set(t0)
		fx := mustFixture(t, db)
		mustPlan(t, db, pm.Input{AssetID: fx.Pump,
			Trigger:   pm.Trigger{Kind: pm.Meter, Meter: "run_hours", Every: 500},
			WorkOrder: pm.Template{Title: "500-hour service", CopyBOM: new(bool)}})
		rd := &fakeReadings{}
		read := func(v float64, h int) []*workorder.WorkOrder {
			at := t0.Add(time.Duration(h) * time.Hour)
			c.set(at)
			r := rd.add(v, at)
			r.AssetID, r.Meter = fx.Pump, "run_hours"
			return onReading(t, db, rd, r)
		}
		if got := read(450, 0); len(got) != 0 {
			t.Fatalf("at 450: made %d; want 0", len(got))
		}
		got := read(501, 51)
		if len(got) != 1 || !strings.Contains(got[0].Description, "Due at run_hours 500") {
			t.Fatalf("at 501: made %v; want one order due at 500", got)
		}
		if again := read(520, 70); len(again) != 0 {
			t.Fatalf("while open: made %d; want 0", len(again))
		}
		finish(t, db, got[0].ID)
		got = read(1720, 100)
		if len(got) != 1 || !strings.Contains(got[0].Description, "Due at run_hours 1500") || !strings.Contains(got[0].Description, "meter value 1000") {
			t.Fatalf("after a jump to 1720: made %v; want one order due at 1500 noting 1000 missed", got)
		}
	})
}

// TestMeterLeadTime: with a 2-day lead time, a meter rising 10 an hour is
// projected to pass its due value and gets its order ahead.
func TestMeterLeadTime(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		useClock(db, c)
		t0 := berlin(t, "2026-05-04T10:00")
		c.set(t0)
		fx := mustFixture(t, db)
		mustPlan(t, db, pm.Input{AssetID: fx.Pump, LeadTimeDays: 2,
			Trigger:   pm.Trigger{Kind: pm.Meter, Meter: "run_hours", Every: 1000},
			WorkOrder: pm.Template{Title: "1000-hour service", CopyBOM: new(bool)}})
		rd := &fakeReadings{}
		var made []*workorder.WorkOrder
		first := -1
		for h := 0; h <= 60; h += 6 { // 10 per hour from 300: reaches 1000 at hour 70
			at := t0.Add(time.Duration(h) * time.Hour)
			c.set(at)
			r := rd.add(300+10*float64(h), at)
			r.AssetID, r.Meter = fx.Pump, "run_hours"
			got := onReading(t, db, rd, r)
			if len(got) > 0 && first < 0 {
				first = h
			}
			made = append(made, got...)
		}
		if len(made) != 1 || first != 24 { // hour 24: 70 - 24 = 46 h ≤ 48 h
			t.Fatalf("made %d, first at hour %d; want 1 at hour 24", len(made), first)
		}
	})
}

// TestOccurrenceOnce: the database keeps one occurrence per plan and key;
// a second is a duplicate-key conflict.
func TestOccurrenceOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		fx := mustFixture(t, db)
		p := mustPlan(t, db, pm.Input{AssetID: fx.Pump, Trigger: pm.Trigger{Kind: pm.Calendar, EveryDays: 7}, WorkOrder: pm.Template{Title: "Round"}})
		o := pm.Occurrence{PlanID: p.ID, Key: "2026-01-01T05:00:00Z", DueAt: time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC), Missed: true, CreatedAt: time.Now()}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.AddOccurrence(ctx, &o) }); err != nil {
			t.Fatal(err)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.AddOccurrence(ctx, &o) })
		if millwright.ErrorKind(err) != millwright.Conflict {
			t.Fatalf("second AddOccurrence = %v; want a conflict", err)
		}
	})
}

// TestFloatingAndInactive: a floating plan's next order counts from the
// completion of the last; an inactive plan makes nothing.
func TestFloatingAndInactive(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		c := &clock{}
		useClock(db, c)
		c.set(berlin(t, "2026-01-01T00:00"))
		fx := mustFixture(t, db)
		no := false
		p := mustPlan(t, db, pm.Input{AssetID: fx.Pump,
			Trigger:   pm.Trigger{Kind: pm.Calendar, EveryDays: 10, Schedule: pm.Floating, Start: "2026-01-02T07:00"},
			WorkOrder: pm.Template{Title: "Clean the strainer", CopyBOM: &no}})
		mustPlan(t, db, pm.Input{AssetID: fx.Pump, Active: &no,
			Trigger:   pm.Trigger{Kind: pm.Calendar, EveryDays: 1, Start: "2026-01-02T07:00"},
			WorkOrder: pm.Template{Title: "Inactive", CopyBOM: &no}})
		s := &scheduler.Scheduler{DB: db}
		c.set(berlin(t, "2026-01-02T07:00"))
		made := step(t, s)
		if len(made) != 1 || made[0].Title != "Clean the strainer" {
			t.Fatalf("made %v; want only the active plan's order", made)
		}
		c.set(berlin(t, "2026-01-15T16:00")) // completed 13 days after due: next due 25 Jan 07:00
		finish(t, db, made[0].ID)
		c.set(berlin(t, "2026-01-25T06:59"))
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("before the floating due date: made %d", len(made))
		}
		c.set(berlin(t, "2026-01-25T07:00"))
		made = step(t, s)
		if len(made) != 1 || !strings.Contains(made[0].Description, "Due 2026-01-25 07:00 CET") {
			t.Fatalf("made %v; want the order due 25 Jan 07:00", made)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := pm.Deactivate(ctx, tx, p.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		finish(t, db, made[0].ID)
		c.set(berlin(t, "2026-03-01T00:00"))
		if made := step(t, s); len(made) != 0 {
			t.Fatalf("deactivated: made %d; want 0", len(made))
		}
	})
}
