package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// failure is a breakdown of the past months, repaired and closed: the
// history the reliability trend (MTBF, MTTR) and the dashboards show.
type failure struct {
	asset, title string
	daysAgo      int    // when it was reported
	downtime     string // hours
	typ          workorder.Type
}

var failures = []failure{
	{"P-101", "Boiler feed pump A: seal weeping", 172, "6", workorder.Corrective},
	{"B-02-FAN", "Boiler 2 FD fan: bearing noise", 160, "12", workorder.Emergency},
	{"PM1-P-303", "Couch pit pump: impeller blocked", 150, "3", workorder.Corrective},
	{"C-202", "Instrument air compressor 2: dryer fault", 138, "4.5", workorder.Corrective},
	{"L1-CV-01", "Line 1 infeed conveyor: belt torn", 131, "8", workorder.Emergency},
	{"WT-P-403", "Sludge pump: motor tripped", 117, "2", workorder.Corrective},
	{"U-B-01", "Hot water boiler: burner lockout", 103, "5", workorder.Corrective},
	{"AHU-ADM", "Admin air handler: fan belt broken", 95, "1.5", workorder.Corrective},
	{"P-101", "Boiler feed pump A: coupling worn", 84, "4", workorder.Corrective},
	{"CV-SHP-01", "Roll shipping conveyor 1: drive chain slack", 70, "2.5", workorder.Corrective},
	{"B-02-FAN", "Boiler 2 FD fan: damper actuator stuck", 61, "3", workorder.Corrective},
	{"L1-CV-01", "Line 1 infeed conveyor: idler seized", 47, "2", workorder.Corrective},
	{"C-202", "Instrument air compressor 2: oil carry-over", 33, "3.5", workorder.Corrective},
	{"U-AHU-02", "Warehouse air handler: frozen coil", 20, "6", workorder.Corrective},
	{"PM1-P-303", "Couch pit pump: gland packing blown", 9, "1", workorder.Emergency},
}

// aged are requests that have waited: the backlog's older age buckets.
var aged = []struct {
	asset, title string
	daysAgo      int
	priority     int
}{
	{"WT-P-403", "Sludge pump guard rattles", 12, 4},
	{"CV-SHP-01", "Shipping conveyor emergency pull-cord sticks", 45, 2},
	{"AHU-ADM", "Admin air handler access door hinge broken", 120, 3},
}

// history dates the transaction back to load months of closed work and
// requests that have aged, each through the same use-cases as new work,
// then brings the clock back to now. The last repair, the one with labor
// (so the ERP knows it), has its final message to the ERP (closed) left
// dead, as an ERP outage leaves one, for the integration dashboard to
// replay; nothing waits behind it.
func (l *loader) history(ctx context.Context) error {
	now := l.tx.Now()
	defer l.tx.SetNow(now)
	var last *workorder.WorkOrder
	for _, f := range failures {
		at := now.AddDate(0, 0, -f.daysAgo).Truncate(time.Hour)
		l.tx.SetNow(at)
		p := 2
		w, err := workorder.Create(ctx, l.tx, workorder.New{Type: f.typ, Priority: &p, AssetID: l.assets[f.asset].ID, Title: f.title})
		if err != nil {
			return fmt.Errorf("work order %q: %w", f.title, err)
		}
		for i, v := range []string{"approve", "release", "start"} {
			l.tx.SetNow(at.Add(time.Duration(i+1) * 20 * time.Minute))
			if _, err := workorder.Transition(ctx, l.tx, w.ID, v); err != nil {
				return fmt.Errorf("work order %s: %s: %w", w.Number, v, err)
			}
		}
		if f.daysAgo < 10 { // the latest repair's labor: the ERP knows the work order
			if _, err := workorder.LogLabor(ctx, l.tx, w.ID, workorder.NewLabor{Technician: "tom", Craft: "mechanic",
				Hours: millwright.MustQty("1.5")}); err != nil { // at the mechanic craft's 48.00
				return fmt.Errorf("work order %s: labor: %w", w.Number, err)
			}
		}
		down := millwright.MustQty(f.downtime)
		l.tx.SetNow(at.Add(time.Hour + time.Duration(down.InexactFloat64()*float64(time.Hour))))
		if _, err := workorder.Complete(ctx, l.tx, w.ID, workorder.Completion{Problem: "failed in service", Cause: "wear and tear",
			Remedy: "repaired", DowntimeHours: down, Notes: "back in service"}); err != nil {
			return fmt.Errorf("work order %s: complete: %w", w.Number, err)
		}
		l.tx.SetNow(at.Add(26 * time.Hour))
		if _, err := workorder.Transition(ctx, l.tx, w.ID, "close"); err != nil {
			return fmt.Errorf("work order %s: close: %w", w.Number, err)
		}
		last = w
		l.count("work_orders")
	}
	for _, a := range aged {
		l.tx.SetNow(now.AddDate(0, 0, -a.daysAgo))
		p := a.priority
		if _, err := workorder.Create(ctx, l.tx, workorder.New{Type: workorder.Corrective, Priority: &p,
			AssetID: l.assets[a.asset].ID, Title: a.title}); err != nil {
			return fmt.Errorf("work order %q: %w", a.title, err)
		}
		l.count("work_orders")
	}
	if last == nil {
		return nil
	}
	ms, err := l.tx.WorkOrderMessages(ctx, last.ID)
	if err != nil || len(ms) == 0 {
		return err
	}
	m := ms[len(ms)-1]
	m.Status, m.Attempts = integration.StatusDead, 8
	m.LastError = "ERP unavailable: 503 Service Unavailable (the demo's outage; replay the message now that the ERP is back)"
	return l.tx.SaveOutboxMessage(ctx, &m)
}
