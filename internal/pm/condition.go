package pm

import (
	"context"
	"math"
	"time"
)

// Point is one sensor or meter reading. Readings are measurements, not
// money: a float64 holds them.
type Point struct {
	Value float64   `json:"value"`
	At    time.Time `json:"at"`
}

// Reading is a stored reading of an asset's meter, as the ingestion hands
// it to OnReading.
type Reading struct {
	AssetID string
	Meter   string
	Value   float64
	At      time.Time
}

// Readings is what PM needs to read the stored readings of an asset's
// meter. The readings store implements it; PM does not store readings.
type Readings interface {
	// Since returns the readings at or after since, oldest first.
	Since(ctx context.Context, assetID, meter string, since time.Time) ([]Point, error)
	// Latest returns the last reading at or before at; ok is false when
	// there is none.
	Latest(ctx context.Context, assetID, meter string, at time.Time) (p Point, ok bool, err error)
}

// Holds reports whether a condition trigger holds at time at, given the
// readings of its meter from the last one at or before at−for_minutes up
// to at, oldest first.
//
// Threshold (above or below): the readings from the one at or before the
// window's start to the last are all beyond the limit; so the value has
// been beyond it for at least for_minutes (with 0, the last reading alone
// decides). Rate (rising_per_hour): the rise from the first of those
// readings to the last, per hour of the time between them, is at least the
// rate; the window is for_minutes, or 60 when it is 0.
func (t Trigger) Holds(pts []Point, at time.Time) bool {
	if len(pts) == 0 {
		return false
	}
	if t.RisingPerHour != nil {
		return Rate(pts, t.window(), at) >= *t.RisingPerHour
	}
	beyond := func(v float64) bool {
		if t.Above != nil {
			return v > *t.Above
		}
		return t.Below != nil && v < *t.Below
	}
	start := at.Add(-time.Duration(t.ForMinutes) * time.Minute)
	covered := false
	for i := len(pts) - 1; i >= 0; i-- {
		p := pts[i]
		if p.At.After(at) {
			continue
		}
		if !beyond(p.Value) {
			return false
		}
		if !p.At.After(start) {
			covered = true
			break
		}
	}
	return covered
}

// window is how far back a rule looks.
func (t Trigger) window() time.Duration {
	if t.RisingPerHour != nil && t.ForMinutes == 0 {
		return time.Hour
	}
	return time.Duration(t.ForMinutes) * time.Minute
}

// Rate is the rise per hour of a meter over the window ending at: from the
// last reading at or before at−window to the last at or before at. With
// fewer than two readings, or none that old, it is NaN, which no rule
// reaches.
func Rate(pts []Point, window time.Duration, at time.Time) float64 {
	start := at.Add(-window)
	var first, last *Point
	for i := range pts {
		p := &pts[i]
		if p.At.After(at) {
			break
		}
		if !p.At.After(start) {
			first = p
		}
		last = p
	}
	if first == nil || last == nil || !last.At.After(first.At) {
		return math.NaN()
	}
	return (last.Value - first.Value) / last.At.Sub(first.At).Hours()
}

// ConditionPriority is the priority of a predictive work order from a
// rule: the rule's priority (default 2, urgent) made one step more urgent
// for an asset of criticality 1 or 2, one step less for 4 or 5, and kept
// within 1 (emergency) to 4 (low).
func ConditionPriority(rule, criticality int) int {
	p := rule
	if p == 0 {
		p = 2
	}
	switch {
	case criticality >= 1 && criticality <= 2:
		p--
	case criticality >= 4:
		p++
	}
	return min(max(p, 1), 4)
}

// ProjectMeter returns when a meter is expected to reach value, from the
// rate between the first and last of pts (oldest first); ok is false when
// the meter does not rise.
func ProjectMeter(pts []Point, value float64) (time.Time, bool) {
	if len(pts) < 2 {
		return time.Time{}, false
	}
	first, last := pts[0], pts[len(pts)-1]
	h := last.At.Sub(first.At).Hours()
	if h <= 0 || last.Value <= first.Value {
		return time.Time{}, false
	}
	rate := (last.Value - first.Value) / h
	left := value - last.Value
	if left <= 0 {
		return last.At, true
	}
	return last.At.Add(time.Duration(left / rate * float64(time.Hour))), true
}
