package pm

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

func f(v float64) *float64 { return &v }

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// series makes readings one per minute(s) from t0: values[i] at t0+i*step.
func series(step time.Duration, values ...float64) []Point {
	out := make([]Point, len(values))
	for i, v := range values {
		out[i] = Point{Value: v, At: t0.Add(time.Duration(i) * step)}
	}
	return out
}

// TestHolds: threshold rules sustained for a duration, and rate of rise.
func TestHolds(t *testing.T) {
	min := time.Minute
	tests := []struct {
		name    string
		trigger Trigger
		pts     []Point
		at      time.Time
		want    bool
	}{
		{"above, one reading, no duration", Trigger{Above: f(7.1)}, series(min, 7.2), t0, true},
		{"equal is not above", Trigger{Above: f(7.1)}, series(min, 7.1), t0, false},
		{"above for 10 minutes", Trigger{Above: f(7.1), ForMinutes: 10}, series(min, 7.5, 7.6, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7, 7.8, 7.9, 8.0), t0.Add(10 * min), true},
		{"above for 9 minutes only", Trigger{Above: f(7.1), ForMinutes: 10}, series(min, 7.5, 7.6, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7, 7.8, 7.9), t0.Add(9 * min), false},
		{"a dip resets the run", Trigger{Above: f(7.1), ForMinutes: 10}, series(min, 7.5, 7.6, 7.2, 7.3, 7.0, 7.5, 7.6, 7.7, 7.8, 7.9, 8.0), t0.Add(10 * min), false},
		{"sparse readings: the one before the window counts", Trigger{Above: f(7.1), ForMinutes: 10}, series(8*min, 7.5, 7.6, 7.7), t0.Add(16 * min), true},
		{"last reading back in range", Trigger{Above: f(7.1), ForMinutes: 0}, series(min, 8, 9, 7), t0.Add(2 * min), false},
		{"below for 5 minutes", Trigger{Below: f(1.5), ForMinutes: 5}, series(min, 1.2, 1.1, 1.0, 1.3, 1.4, 1.4), t0.Add(5 * min), true},
		{"below but not long enough", Trigger{Below: f(1.5), ForMinutes: 5}, series(min, 1.6, 1.1, 1.0, 1.3, 1.4, 1.4), t0.Add(5 * min), false},
		{"no readings", Trigger{Above: f(1)}, nil, t0, false},
		{"rising 2/h over an hour: 3 in 60 min", Trigger{RisingPerHour: f(2)}, series(30*min, 60, 61, 63), t0.Add(60 * min), true},
		{"rising 2/h: 1.5 in 60 min is slower", Trigger{RisingPerHour: f(2)}, series(30*min, 60, 61, 61.5), t0.Add(60 * min), false},
		{"rate over for_minutes 20", Trigger{RisingPerHour: f(6), ForMinutes: 20}, series(10*min, 50, 50, 51, 53), t0.Add(30 * min), true},
		{"rate needs a reading as old as the window", Trigger{RisingPerHour: f(1)}, series(10*min, 50, 60), t0.Add(10 * min), false},
		{"falling is no rise", Trigger{RisingPerHour: f(1)}, series(30*min, 63, 61, 60), t0.Add(60 * min), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.trigger.Holds(tt.pts, tt.at); got != tt.want {
				t.Errorf("Holds = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestRateNaN(t *testing.T) {
	if r := Rate(series(time.Minute, 1), time.Hour, t0); !math.IsNaN(r) {
		t.Errorf("Rate of one reading = %v; want NaN", r)
	}
}

// TestConditionPriority: the rule's priority, moved by the asset's criticality.
func TestConditionPriority(t *testing.T) {
	tests := []struct{ rule, crit, want int }{
		{0, 3, 2}, {0, 1, 1}, {0, 2, 1}, {0, 4, 3}, {0, 5, 3},
		{1, 1, 1}, {3, 3, 3}, {4, 5, 4}, {3, 1, 2},
	}
	for _, tt := range tests {
		if got := ConditionPriority(tt.rule, tt.crit); got != tt.want {
			t.Errorf("ConditionPriority(%d, %d) = %d; want %d", tt.rule, tt.crit, got, tt.want)
		}
	}
}

func TestProjectMeter(t *testing.T) {
	pts := series(time.Hour, 100, 110, 120) // 10 per hour
	got, ok := ProjectMeter(pts, 170)
	if want := t0.Add(7 * time.Hour); !ok || !got.Equal(want) {
		t.Errorf("ProjectMeter = %v, %v; want %v", got, ok, want)
	}
	if _, ok := ProjectMeter(series(time.Hour, 5, 5), 10); ok {
		t.Error("a meter that does not move has no projection")
	}
}

// TestValidate: bad triggers and templates are refused with a code and a
// message that says how to fix them.
func TestValidate(t *testing.T) {
	ok := Input{AssetID: "a", WorkOrder: Template{Title: "Overhaul"}}
	tests := []struct {
		name    string
		trigger Trigger
		mod     func(*Input)
		code    string
	}{
		{"no kind", Trigger{}, nil, "missing_field"},
		{"unknown kind", Trigger{Kind: "weekly"}, nil, "invalid_trigger"},
		{"calendar without interval", Trigger{Kind: Calendar}, nil, "invalid_trigger"},
		{"calendar with two intervals", Trigger{Kind: Calendar, EveryDays: 3, EveryWeeks: 1}, nil, "invalid_trigger"},
		{"calendar negative", Trigger{Kind: Calendar, EveryDays: -3}, nil, "invalid_trigger"},
		{"calendar unknown schedule", Trigger{Kind: Calendar, EveryDays: 3, Schedule: "sliding"}, nil, "invalid_trigger"},
		{"calendar bad start", Trigger{Kind: Calendar, EveryDays: 3, Start: "31/01/2026"}, nil, "invalid_start"},
		{"calendar with meter fields", Trigger{Kind: Calendar, EveryDays: 3, Meter: "run_hours"}, nil, "invalid_trigger"},
		{"meter without meter", Trigger{Kind: Meter, Every: 500}, nil, "invalid_trigger"},
		{"meter without every", Trigger{Kind: Meter, Meter: "run_hours"}, nil, "invalid_trigger"},
		{"condition without limit", Trigger{Kind: Condition, Meter: "vib"}, nil, "invalid_trigger"},
		{"condition with two limits", Trigger{Kind: Condition, Meter: "vib", Above: f(1), Below: f(0)}, nil, "invalid_trigger"},
		{"condition negative rate", Trigger{Kind: Condition, Meter: "t", RisingPerHour: f(-1)}, nil, "invalid_trigger"},
		{"condition bad priority", Trigger{Kind: Condition, Meter: "t", Above: f(1), Priority: 7}, nil, "invalid_priority"},
		{"lead time negative", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.LeadTimeDays = -1 }, "invalid_lead_time"},
		{"no title", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.WorkOrder.Title = "" }, "missing_field"},
		{"bad type", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.WorkOrder.Type = "repair" }, "invalid_type"},
		{"bad priority", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.WorkOrder.Priority = 9 }, "invalid_priority"},
		{"no asset", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.AssetID = "" }, "missing_field"},
		{"blank job step", Trigger{Kind: Calendar, EveryDays: 3}, func(in *Input) { in.WorkOrder.JobSteps = []string{"Drain", " "} }, "invalid_job_step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			in.Trigger = tt.trigger
			if tt.mod != nil {
				tt.mod(&in)
			}
			err := in.validate()
			var e *millwright.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Message == "" {
				t.Fatalf("validate = %v; want code %s", err, tt.code)
			}
		})
	}
	good := ok
	good.Trigger = Trigger{Kind: Condition, Meter: "vibration_mm_s", Above: f(7.1), ForMinutes: 10}
	if err := good.validate(); err != nil {
		t.Fatalf("validate(good) = %v", err)
	}
	if good.WorkOrder.Type != "predictive" || good.WorkOrder.Priority != 3 || good.Name != "Overhaul" {
		t.Errorf("defaults = %+v; want predictive, priority 3, name from title", good.WorkOrder)
	}
}
