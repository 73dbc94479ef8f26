package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// job is a demo work order and how far it has gone.
type job struct {
	asset, title, description string
	typ                       workorder.Type
	priority                  int
	verbs                     []string // transitions in order; "complete" completes with failure codes
	labor                     []workorder.NewLabor
	issues                    [][2]string // part number, quantity (from the site's storeroom)
	direct                    [][2]string // direct items added by hand: part number, quantity
	assignee                  string      // the technician it is assigned to
	inDays                    *int        // scheduled for today plus this many days (nil: unscheduled)
}

func days(n int) *int { return &n }

var jobs = []job{
	{asset: "PM1-P-303", title: "Couch pit pump leaking at the gland", typ: workorder.Corrective, priority: 3},
	{asset: "WT-P-403", title: "Sludge pump motor running hot", typ: workorder.Corrective, priority: 2},
	{asset: "U-AHU-02", title: "Warehouse air handler belt squeal", typ: workorder.Corrective, priority: 4},
	{asset: "U-B-01", title: "Annual boiler inspection preparation", typ: workorder.Inspection, priority: 3,
		verbs: []string{"approve"}},
	{asset: "CV-SHP-01", title: "Quarterly service of roll shipping conveyor 1", typ: workorder.Preventive, priority: 3,
		verbs: []string{"approve", "plan"}},
	{asset: "P-101", title: "Boiler feed pump A overhaul", typ: workorder.Preventive, priority: 2,
		description: "Replace impeller, wear rings and cartridge seal; new bearings and gaskets.",
		verbs:       []string{"approve", "plan", "release"}, assignee: "tom", inDays: days(0)},
	{asset: "L1-CV-01", title: "Line 1 infeed conveyor belt tracking off", typ: workorder.Corrective, priority: 2,
		verbs:  []string{"approve", "release", "start"},
		labor:  []workorder.NewLabor{{Technician: "tom", Craft: "mechanic", Hours: millwright.MustQty("2.5")}},
		issues: [][2]string{{"IDL-CONV-650", "2"}}},
	{asset: "C-202", title: "Instrument air compressor 2 minimum pressure valve failed", typ: workorder.Corrective, priority: 2,
		verbs:  []string{"approve", "release", "start", "wait"},
		labor:  []workorder.NewLabor{{Technician: "tom", Craft: "mechanic", Hours: millwright.MustQty("1.5")}},
		direct: [][2]string{{"CMP-VALVE-MIN", "1"}}, assignee: "tom", inDays: days(-1)},
	{asset: "B-02-FAN", title: "Boiler 2 FD fan tripped on high vibration", typ: workorder.Emergency, priority: 1,
		verbs: []string{"approve", "release", "start"},
		labor: []workorder.NewLabor{
			{Technician: "tom", Craft: "mechanic", Hours: millwright.MustQty("4"), Rate: rate("72.00")},
			{Technician: "raj", Craft: "electrician", Hours: millwright.MustQty("2")},
		},
		issues: [][2]string{{"BRG-22220-E", "2"}, {"GRS-EP2", "2"}},
		direct: [][2]string{{"SVC-VIB-ANALYSIS", "1"}}},
	{asset: "AHU-ADM", title: "Admin air handler: bag filters clogged", typ: workorder.Corrective, priority: 3,
		verbs:  []string{"approve", "release", "start", "complete"},
		labor:  []workorder.NewLabor{{Technician: "tom", Craft: "hvac", Hours: millwright.MustQty("1.25")}},
		issues: [][2]string{{"FLT-AHU-BAG", "4"}}},
	{asset: "U-C-01", title: "Process air compressor 1: 4000-hour service", typ: workorder.Preventive, priority: 3,
		verbs:  []string{"approve", "plan", "release", "start", "complete", "close"},
		labor:  []workorder.NewLabor{{Technician: "lena", Craft: "mechanic", Hours: millwright.MustQty("3"), Rate: rate("50.00")}},
		issues: [][2]string{{"FLT-COMP-AIR", "1"}, {"FLT-COMP-OIL", "1"}, {"FLT-COMP-SEP", "1"}, {"OIL-COMP-RS", "8"}}},
	{asset: "WT-P-402", title: "Intake pump 2 noise reported (duplicate of inspection)", typ: workorder.Corrective, priority: 4,
		verbs: []string{"cancel"}},
}

// work creates work orders in every state, each taken through its
// transitions by the same use-cases the API runs.
func (l *loader) work(ctx context.Context) error {
	for _, j := range jobs {
		a := l.assets[j.asset]
		p := j.priority
		w, err := workorder.Create(ctx, l.tx, workorder.New{Type: j.typ, Priority: &p, AssetID: a.ID,
			Title: j.title, Description: j.description})
		if err != nil {
			return fmt.Errorf("work order %q: %w", j.title, err)
		}
		if j.assignee != "" {
			if err := l.assign(ctx, w, j); err != nil {
				return fmt.Errorf("work order %s: assign to %s: %w", w.Number, j.assignee, err)
			}
		}
		store := l.stores["N-MAIN"]
		if a.SiteID == l.sites["SOUTH"] {
			store = l.stores["S-MAIN"]
		}
		for _, d := range j.direct {
			yes := true
			if _, err := workorder.AddMaterial(ctx, l.tx, w.ID, workorder.NewMaterial{
				ItemID: l.items[d[0]].ID, Quantity: millwright.MustQty(d[1]), Direct: &yes}); err != nil {
				return fmt.Errorf("work order %s: direct item %s: %w", w.Number, d[0], err)
			}
		}
		for _, v := range j.verbs {
			var err error
			if v == "complete" {
				for _, lb := range j.labor {
					if _, err := workorder.LogLabor(ctx, l.tx, w.ID, lb); err != nil {
						return err
					}
				}
				for _, is := range j.issues {
					if _, err := workorder.Issue(ctx, l.tx, w.ID, workorder.StockMove{ItemID: l.items[is[0]].ID,
						StoreroomID: store, Quantity: millwright.MustQty(is[1])}); err != nil {
						return fmt.Errorf("work order %s: issue %s: %w", w.Number, is[0], err)
					}
				}
				j.labor, j.issues = nil, nil
				_, err = workorder.Complete(ctx, l.tx, w.ID, workorder.Completion{Problem: "worn", Cause: "wear and tear",
					Remedy: "replaced", DowntimeHours: millwright.MustQty("1.5"), Notes: "done per job plan"})
			} else {
				_, err = workorder.Transition(ctx, l.tx, w.ID, v)
			}
			if err != nil {
				return fmt.Errorf("work order %s: %s: %w", w.Number, v, err)
			}
		}
		for _, lb := range j.labor {
			if _, err := workorder.LogLabor(ctx, l.tx, w.ID, lb); err != nil {
				return err
			}
		}
		for _, is := range j.issues {
			if _, err := workorder.Issue(ctx, l.tx, w.ID, workorder.StockMove{ItemID: l.items[is[0]].ID,
				StoreroomID: store, Quantity: millwright.MustQty(is[1])}); err != nil {
				return fmt.Errorf("work order %s: issue %s: %w", w.Number, is[0], err)
			}
		}
		l.count("work_orders")
	}
	return nil
}

// assign gives a job to its technician, scheduled in days from today in
// the site's time zone, as a planner does with PATCH work-orders/{id}.
func (l *loader) assign(ctx context.Context, w *workorder.WorkOrder, j job) error {
	ch := workorder.Changes{AssignedTo: &j.assignee}
	if j.inDays != nil {
		site, err := l.tx.Site(ctx, w.SiteID)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(site.TimeZone)
		if err != nil {
			return err
		}
		day := l.tx.Now().In(loc).AddDate(0, 0, *j.inDays).Format(workorder.DateLayout)
		ch.ScheduledOn = &day
	}
	_, err := workorder.Update(ctx, l.tx, w.ID, ch)
	return err
}
