package demo

import (
	"context"

	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

func f64(v float64) *float64 { return &v }

// pmPlans gives the plant its PM plans: a calendar overhaul and a weekly
// round, a run-hours service and a vibration rule. Each calendar plan is
// first due one interval after the demo is loaded, so the scheduler makes
// their orders as their lead time begins, not at once.
func (l *loader) pmPlans(ctx context.Context) error {
	no := false
	plans := []struct {
		tag string
		in  pm.Input
	}{
		{"P-101", pm.Input{Name: "P-101 quarterly overhaul", LeadTimeDays: 14,
			Trigger: pm.Trigger{Kind: pm.Calendar, EveryMonths: 3},
			WorkOrder: pm.Template{Title: "Boiler feed pump A overhaul", Priority: 2,
				JobSteps: []string{"Isolate, lock out and drain", "Replace bearings, seal and wear rings", "Align and test run"}}}},
		{"B-01-FAN", pm.Input{Name: "B-01 fan weekly round", LeadTimeDays: 1,
			Trigger:   pm.Trigger{Kind: pm.Calendar, EveryWeeks: 1},
			WorkOrder: pm.Template{Title: "Forced-draft fan inspection", Type: workorder.Inspection, Priority: 4, CopyBOM: &no}}},
		{"C-201", pm.Input{Name: "C-201 2000-hour service", LeadTimeDays: 7,
			Trigger:   pm.Trigger{Kind: pm.Meter, Meter: "run_hours", Every: 2000},
			WorkOrder: pm.Template{Title: "Compressor 2000-hour service"}}},
		{"P-101", pm.Input{Name: "P-101 vibration",
			Trigger:   pm.Trigger{Kind: pm.Condition, Meter: "vibration_mm_s", Above: f64(7.1), ForMinutes: 10},
			WorkOrder: pm.Template{Title: "Boiler feed pump A: high vibration, replace the bearings"}}},
	}
	for _, p := range plans {
		a, ok := l.assets[p.tag]
		if !ok {
			continue
		}
		p.in.AssetID = a.ID
		if _, err := pm.Create(ctx, l.tx, p.in); err != nil {
			return err
		}
		l.count("pm_plans")
	}
	return nil
}
