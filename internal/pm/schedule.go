package pm

import (
	"time"
)

// Calendar arithmetic happens in the site's time zone, on the wall clock:
// a plan due at 06:00 stays due at 06:00 across a DST change, and a
// monthly plan that starts on the 31st falls on the last day of shorter
// months and on the 31st again when the month has one.

// step is a calendar trigger's interval in days or months.
func (t Trigger) step() (days, months int) {
	switch {
	case t.EveryMonths > 0:
		return 0, t.EveryMonths
	case t.EveryWeeks > 0:
		return 7 * t.EveryWeeks, 0
	default:
		return t.EveryDays, 0
	}
}

// addMonths returns the wall time n months after t, on t's day of the
// month or the month's last day when it has fewer days.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), 0, t.Location())
}

// after returns the wall time n intervals of t after start.
func (t Trigger) after(start time.Time, n int) time.Time {
	days, months := t.step()
	if months > 0 {
		return addMonths(start, n*months)
	}
	y, m, d := start.Date()
	return time.Date(y, m, d+n*days, start.Hour(), start.Minute(), start.Second(), 0, start.Location())
}

// period is an interval's rough length, to skip ahead on long grids.
func (t Trigger) period() time.Duration {
	days, months := t.step()
	if months > 0 {
		return time.Duration(months) * 28 * 24 * time.Hour
	}
	return time.Duration(days) * 24 * time.Hour
}

// GridAfter returns the first date of a fixed grid from start that is
// strictly after t.
func (tr Trigger) GridAfter(start, t time.Time) time.Time {
	if start.After(t) {
		return start
	}
	n := max(0, int(t.Sub(start)/tr.period())-2)
	for range 1000 {
		if d := tr.after(start, n); d.After(t) {
			return d
		}
		n++
	}
	return tr.after(start, n) // unreachable for sane intervals
}

// Next returns the due date that follows due on the plan's schedule: the
// next grid date for a fixed schedule, one interval later for floating.
func (tr Trigger) Next(start, due time.Time) time.Time {
	if tr.Schedule == Floating {
		return tr.after(due, 1)
	}
	return tr.GridAfter(start, due)
}

// FromCompletion returns the due date of a floating schedule after work
// completed at done: one interval after the local date of done, at the
// start's time of day.
func (tr Trigger) FromCompletion(start, done time.Time) time.Time {
	done = done.In(start.Location())
	y, m, d := done.Date()
	base := time.Date(y, m, d, start.Hour(), start.Minute(), start.Second(), 0, start.Location())
	return tr.after(base, 1)
}

// StartIn returns the anchor of a calendar plan's grid in loc: its start,
// or midnight of the day it was created (so that it is first due one
// interval later).
func (p *Plan) StartIn(loc *time.Location) time.Time {
	if p.Trigger.Start != "" {
		if t, err := ParseLocal(p.Trigger.Start, loc); err == nil {
			return t
		}
	}
	y, m, d := p.CreatedAt.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// NextDue is the next due date of a calendar plan in loc, given its last
// occurrence (ok false when it has none). The first is the first date of
// the grid from start at or after the plan's creation: dates before the
// plan existed are neither due nor missed. For a floating schedule whose
// last work order was completed, it counts from the completion.
func (p *Plan) NextDue(loc *time.Location, last Occurrence, ok bool) time.Time {
	start := p.StartIn(loc)
	if !ok {
		if start.Before(p.CreatedAt) {
			return p.Trigger.GridAfter(start, p.CreatedAt.Add(-time.Nanosecond))
		}
		return start
	}
	if p.Trigger.Schedule == Floating {
		if last.CompletedAt != nil {
			return p.Trigger.FromCompletion(start, *last.CompletedAt)
		}
		return p.Trigger.after(last.DueAt.In(loc), 1)
	}
	return p.Trigger.GridAfter(start, last.DueAt.In(loc))
}

// Due is what a calendar plan owes at now: the occurrence to generate an
// order for (the latest whose lead time has begun) and the dates before it
// that were missed. ok is false when nothing is due yet.
func (p *Plan) Due(loc *time.Location, last Occurrence, hasLast bool, now time.Time) (due time.Time, missed []time.Time, ok bool) {
	start := p.StartIn(loc)
	lead := time.Duration(p.LeadTimeDays) * 24 * time.Hour
	due = p.NextDue(loc, last, hasLast)
	if due.Add(-lead).After(now) {
		return time.Time{}, nil, false
	}
	for range 10000 {
		n := p.Trigger.Next(start, due)
		if n.Add(-lead).After(now) {
			break
		}
		missed = append(missed, due)
		due = n
	}
	return due, missed, true
}

// Forecast returns the next count due dates of a calendar plan in loc,
// assuming each is done on its due date.
func (p *Plan) Forecast(loc *time.Location, last Occurrence, hasLast bool, count int) []time.Time {
	start := p.StartIn(loc)
	d := p.NextDue(loc, last, hasLast)
	out := make([]time.Time, 0, count)
	for range count {
		out = append(out, d)
		d = p.Trigger.Next(start, d)
	}
	return out
}
