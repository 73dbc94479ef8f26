package web

import (
	"slices"
	"testing"
	"time"
)

func TestJobSteps(t *testing.T) {
	desc := "Replace the seal.\n\nJob steps:\n1. Isolate, lock out and drain\n2. Replace bearings, seal and wear rings\n3. Align and test run\n\n\nGenerated from PM plan P-101 quarterly overhaul (pm_1)."
	text, steps := jobSteps(desc)
	if want := []string{"Isolate, lock out and drain", "Replace bearings, seal and wear rings", "Align and test run"}; !slices.Equal(steps, want) {
		t.Errorf("steps = %q; want %q", steps, want)
	}
	if text != "Replace the seal.\n\nGenerated from PM plan P-101 quarterly overhaul (pm_1)." {
		t.Errorf("text = %q; want the description without its steps", text)
	}
	if text, steps := jobSteps("No steps here."); text != "No steps here." || steps != nil {
		t.Errorf("jobSteps without steps = %q, %q", text, steps)
	}
}

func TestSuggestHours(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0.25"}, {14 * time.Minute, "0.25"}, {16 * time.Minute, "0.5"}, {90 * time.Minute, "1.5"}, {30 * time.Hour, "24"}} {
		if got := suggestHours(tc.d); got != tc.want {
			t.Errorf("suggestHours(%v) = %s; want %s", tc.d, got, tc.want)
		}
	}
}
