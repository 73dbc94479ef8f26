package pm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Generated work orders are made by the system (created_by "system"), as
// the template says, through workorder.Create, so the asset's BOM is
// copied and Auto Request Material applies. Unless the template sets
// auto_release false they are approved and released at once, by the
// system: material is then requested (requested_by "system") the plan's
// lead time before the work is due, with no planner in the loop — the
// point of the lead time. A plan has at most one open work order: while
// one is open the plan makes no other, and the dates that fall due
// meanwhile are noted as missed on the next one.

// Actor is the part of a transaction that says who acts: generated work is
// done by the system, whoever's reading or request caused it.
type Actor interface {
	// ActAs makes p the transaction's actor until the returned func runs.
	ActAs(p millwright.Principal) (restore func())
}

// generation is one work order to make for a plan.
type generation struct {
	occ      Occurrence
	missed   []Occurrence
	priority int
	reason   string // why it is due, for the description
}

// ScheduleCalendar makes the work order a calendar plan owes at the
// transaction's time, if any: the latest occurrence whose lead time has
// begun, noting the earlier ones as missed. It does nothing for an
// inactive plan, a plan with an open work order, or one not due yet; it
// returns the work order made, or nil.
func ScheduleCalendar(ctx context.Context, tx Tx, planID string) (*workorder.WorkOrder, error) {
	p, err := tx.PlanForUpdate(ctx, planID)
	if err != nil {
		return nil, err
	}
	due, missed, loc, ok, err := calendarDue(ctx, tx, p)
	if err != nil || !ok {
		return nil, err
	}
	g := generation{
		occ:      Occurrence{Key: timeKey(due), DueAt: due.UTC()},
		priority: p.WorkOrder.Priority,
		reason:   fmt.Sprintf("Due %s (every %s).", localTime(due), p.Trigger.interval()),
	}
	for _, m := range missed {
		g.missed = append(g.missed, Occurrence{Key: timeKey(m), DueAt: m.UTC(), Missed: true})
	}
	return generate(ctx, tx, p, g, loc)
}

// PlanState is a plan with what decides whether it is due.
type PlanState struct {
	Plan
	Last    Occurrence
	HasLast bool
	Open    bool // a work order of the plan is open
}

// DueCalendarPlans returns the ids of the active calendar plans due at the
// transaction's time, deciding for all of them from one read, so that a
// scheduler's pass over many plans costs a few queries, not a few per
// plan. ScheduleCalendar decides again under each plan's lock.
func DueCalendarPlans(ctx context.Context, tx Tx) ([]string, error) {
	plans, err := tx.ActivePlans(ctx, Calendar)
	if err != nil {
		return nil, err
	}
	zones := map[string]*time.Location{}
	var due []string
	for i := range plans {
		ps := &plans[i]
		if ps.Open {
			continue
		}
		loc, ok := zones[ps.SiteID]
		if !ok {
			if loc, err = location(ctx, tx, ps.SiteID); err != nil {
				return nil, err
			}
			zones[ps.SiteID] = loc
		}
		if _, _, ok := ps.Due(loc, ps.Last, ps.HasLast, tx.Now()); ok {
			due = append(due, ps.ID)
		}
	}
	return due, nil
}

func calendarDue(ctx context.Context, tx Tx, p *Plan) (due time.Time, missed []time.Time, loc *time.Location, ok bool, err error) {
	if !p.Active || p.Trigger.Kind != Calendar {
		return
	}
	var open bool
	if _, open, err = tx.OpenWorkOrder(ctx, p.ID); err != nil || open {
		return
	}
	if loc, err = location(ctx, tx, p.SiteID); err != nil {
		return
	}
	last, hasLast, err := tx.LastOccurrence(ctx, p.ID)
	if err != nil {
		return
	}
	due, missed, ok = p.Due(loc, last, hasLast, tx.Now())
	return
}

func timeKey(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func localTime(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

func (t Trigger) interval() string {
	switch {
	case t.EveryMonths > 0:
		return plural(t.EveryMonths, "month")
	case t.EveryWeeks > 0:
		return plural(t.EveryWeeks, "week")
	default:
		return plural(t.EveryDays, "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// OnReading is called by the readings ingestion after it stored a reading,
// in the same transaction. It checks the active meter and condition plans
// of that asset's meter and makes the work orders they now owe: a meter
// plan when the meter passes its next due value (or is projected, from the
// last week's readings, to pass it within the lead time); a condition plan
// when its rule holds — ONE predictive work order, none while one from the
// plan is open. It returns the work orders made.
func OnReading(ctx context.Context, tx Tx, rd Readings, r Reading) ([]*workorder.WorkOrder, error) {
	plans, err := tx.PlansForMeter(ctx, r.AssetID, r.Meter)
	if err != nil {
		return nil, err
	}
	var made []*workorder.WorkOrder
	for _, p := range plans {
		w, err := onReading(ctx, tx, rd, p.ID, r)
		if err != nil {
			return made, fmt.Errorf("plan %s: %w", p.ID, err)
		}
		if w != nil {
			made = append(made, w)
		}
	}
	return made, nil
}

func onReading(ctx context.Context, tx Tx, rd Readings, planID string, r Reading) (*workorder.WorkOrder, error) {
	p, err := tx.PlanForUpdate(ctx, planID)
	if err != nil || !p.Active || p.Trigger.Meter != r.Meter {
		return nil, err
	}
	if _, open, err := tx.OpenWorkOrder(ctx, p.ID); err != nil || open {
		return nil, err
	}
	loc, err := location(ctx, tx, p.SiteID)
	if err != nil {
		return nil, err
	}
	var g generation
	switch p.Trigger.Kind {
	case Meter:
		last, ok, err := tx.LastOccurrence(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		due := p.nextMeterDue(last, ok)
		dueAt := r.At
		if r.Value < due {
			if p.LeadTimeDays == 0 {
				return nil, nil
			}
			pts, err := rd.Since(ctx, r.AssetID, r.Meter, r.At.Add(-7*24*time.Hour))
			if err != nil {
				return nil, err
			}
			when, ok := ProjectMeter(withReading(pts, r), due)
			if !ok || when.Add(-time.Duration(p.LeadTimeDays)*24*time.Hour).After(r.At) {
				return nil, nil
			}
			dueAt = when
		}
		for i := 0; i < 10000 && r.Value >= due+p.Trigger.Every; i++ {
			v := due
			g.missed = append(g.missed, Occurrence{Key: meterKey(v), DueAt: r.At.UTC(), DueValue: &v, Missed: true})
			due += p.Trigger.Every
		}
		v := due
		g.occ = Occurrence{Key: meterKey(v), DueAt: dueAt.UTC(), DueValue: &v}
		g.priority = p.WorkOrder.Priority
		g.reason = fmt.Sprintf("Due at %s %s (every %s); the meter read %s at %s.",
			p.Trigger.Meter, num(v), num(p.Trigger.Every), num(r.Value), localTime(r.At.In(loc)))
		if dueAt.After(r.At) {
			g.reason += fmt.Sprintf(" At its current rate it reaches %s about %s.", num(v), localTime(dueAt.In(loc)))
		}
	case Condition:
		window := p.Trigger.window()
		since := r.At.Add(-window)
		var pts []Point
		if first, ok, err := rd.Latest(ctx, r.AssetID, r.Meter, since); err != nil {
			return nil, err
		} else if ok {
			pts = append(pts, first)
		}
		rest, err := rd.Since(ctx, r.AssetID, r.Meter, since)
		if err != nil {
			return nil, err
		}
		for _, q := range rest {
			if len(pts) > 0 && !q.At.After(pts[len(pts)-1].At) {
				continue
			}
			pts = append(pts, q)
		}
		pts = withReading(pts, r)
		if !p.Trigger.Holds(pts, r.At) {
			return nil, nil
		}
		a, err := tx.Asset(ctx, p.AssetID)
		if err != nil {
			return nil, err
		}
		rule := p.Trigger.Priority
		if rule == 0 {
			rule = 2
		}
		g.occ = Occurrence{Key: "condition:" + r.At.UTC().Format(time.RFC3339Nano), DueAt: r.At.UTC()}
		g.priority = ConditionPriority(rule, a.Criticality)
		g.reason = fmt.Sprintf("Condition: %s; the reading was %s at %s. Priority %d: the rule's %d, moved by the asset's criticality %d.",
			p.Trigger.describe(), num(r.Value), localTime(r.At.In(loc)), g.priority, rule, a.Criticality)
	default:
		return nil, nil
	}
	return generate(ctx, tx, p, g, loc)
}

func meterKey(v float64) string { return "meter:" + num(v) }

// withReading adds r to pts (oldest first) unless the store already gave it.
func withReading(pts []Point, r Reading) []Point {
	if n := len(pts); n > 0 && !r.At.After(pts[n-1].At) {
		return pts
	}
	return append(pts, Point{Value: r.Value, At: r.At})
}

func (t Trigger) describe() string {
	var s string
	switch {
	case t.Above != nil:
		s = fmt.Sprintf("%s above %s", t.Meter, num(*t.Above))
	case t.Below != nil:
		s = fmt.Sprintf("%s below %s", t.Meter, num(*t.Below))
	case t.RisingPerHour != nil:
		return fmt.Sprintf("%s rising %s or more per hour over %s", t.Meter, num(*t.RisingPerHour), t.window())
	}
	if t.ForMinutes > 0 {
		s += fmt.Sprintf(" for %d minutes", t.ForMinutes)
	}
	return s
}

// generate makes g's work order for p as the system, records its
// occurrence and the missed ones, releases it unless the template says
// not to, and writes the audit.
func generate(ctx context.Context, tx Tx, p *Plan, g generation, loc *time.Location) (*workorder.WorkOrder, error) {
	if a, ok := tx.(Actor); ok {
		defer a.ActAs(millwright.System)()
	}
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	tpl := p.WorkOrder
	var desc strings.Builder
	desc.WriteString(strings.TrimSpace(tpl.Description))
	if len(tpl.JobSteps) > 0 {
		desc.WriteString("\n\nJob steps:\n")
		for i, s := range tpl.JobSteps {
			fmt.Fprintf(&desc, "%d. %s\n", i+1, strings.TrimSpace(s))
		}
	}
	fmt.Fprintf(&desc, "\n\nGenerated from PM plan %s (%s). %s", p.Name, p.ID, g.reason)
	if len(g.missed) > 0 {
		desc.WriteString("\nMissed occurrences (the scheduler was not running or an earlier work order was open; this one order catches up):")
		for _, m := range g.missed {
			desc.WriteString("\n- " + m.describe(loc))
		}
	}
	priority := g.priority
	// A calendar plan's order is scheduled for its due day, so that it is in
	// the assigned technician's today when the day comes.
	var day string
	if p.Trigger.Kind == Calendar && !g.occ.DueAt.IsZero() {
		day = g.occ.DueAt.In(loc).Format(workorder.DateLayout)
	}
	w, err := workorder.Create(ctx, tx, workorder.New{
		Type: tpl.Type, Priority: &priority, AssetID: p.AssetID, Title: tpl.Title,
		Description: strings.TrimSpace(desc.String()), AutoRequestMaterial: tpl.AutoRequestMaterial, CopyBOM: tpl.CopyBOM,
		ScheduledOn: day,
	})
	if err != nil {
		return nil, fmt.Errorf("generate a work order of plan %s: %w", p.ID, err)
	}
	now := tx.Now()
	for _, m := range g.missed {
		m.PlanID, m.CreatedAt = p.ID, now
		if err := tx.AddOccurrence(ctx, &m); err != nil {
			return nil, err
		}
	}
	g.occ.PlanID, g.occ.WorkOrderID, g.occ.CreatedAt = p.ID, w.ID, now
	if err := tx.AddOccurrence(ctx, &g.occ); err != nil {
		return nil, err
	}
	if tpl.releases() {
		for _, verb := range []string{"approve", "release"} {
			if w, err = workorder.Transition(ctx, tx, w.ID, verb); err != nil {
				return nil, fmt.Errorf("%s generated work order: %w", verb, err)
			}
		}
	}
	missed := make([]string, len(g.missed))
	for i, m := range g.missed {
		missed[i] = m.describe(loc)
	}
	return w, tx.Audit(ctx, "pm_plan", p.ID, "generate", nil, map[string]any{
		"work_order_id": w.ID, "work_order_number": w.Number, "occurrence": g.occ.Key,
		"due_at": g.occ.DueAt, "missed": missed, "reason": g.reason,
	})
}

func (o Occurrence) describe(loc *time.Location) string {
	if o.DueValue != nil {
		return "meter value " + num(*o.DueValue)
	}
	return localTime(o.DueAt.In(loc))
}
