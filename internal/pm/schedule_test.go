package pm

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func fmtLocal(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01-02 15:04 MST")
	}
	return out
}

// TestForecastCalendar: due dates of calendar plans on the wall clock of
// the site's time zone, across month ends, leap years and DST changes.
func TestForecastCalendar(t *testing.T) {
	tests := []struct {
		name    string
		zone    string
		trigger Trigger
		want    []string
	}{
		{"monthly from the 31st keeps the 31st when it can", "UTC",
			Trigger{Kind: Calendar, EveryMonths: 1, Start: "2026-01-31T06:00"},
			[]string{"2026-01-31 06:00 UTC", "2026-02-28 06:00 UTC", "2026-03-31 06:00 UTC", "2026-04-30 06:00 UTC", "2026-05-31 06:00 UTC"}},
		{"leap year February", "UTC",
			Trigger{Kind: Calendar, EveryMonths: 1, Start: "2028-01-31"},
			[]string{"2028-01-31 00:00 UTC", "2028-02-29 00:00 UTC", "2028-03-31 00:00 UTC"}},
		{"quarterly from 30 November", "UTC",
			Trigger{Kind: Calendar, EveryMonths: 3, Start: "2026-11-30T08:00"},
			[]string{"2026-11-30 08:00 UTC", "2027-02-28 08:00 UTC", "2027-05-30 08:00 UTC", "2027-08-30 08:00 UTC"}},
		{"yearly on 29 February", "UTC",
			Trigger{Kind: Calendar, EveryMonths: 12, Start: "2028-02-29"},
			[]string{"2028-02-29 00:00 UTC", "2029-02-28 00:00 UTC", "2030-02-28 00:00 UTC", "2031-02-28 00:00 UTC", "2032-02-29 00:00 UTC"}},
		{"daily at 06:00 Berlin across spring-forward", "Europe/Berlin",
			Trigger{Kind: Calendar, EveryDays: 1, Start: "2026-03-28T06:00"},
			[]string{"2026-03-28 06:00 CET", "2026-03-29 06:00 CEST", "2026-03-30 06:00 CEST"}},
		{"weekly at 06:00 Chicago across fall-back", "America/Chicago",
			Trigger{Kind: Calendar, EveryWeeks: 1, Start: "2026-10-25T06:00"},
			[]string{"2026-10-25 06:00 CDT", "2026-11-01 06:00 CST", "2026-11-08 06:00 CST"}},
		{"every 30 days in Sydney across DST end (April)", "Australia/Sydney",
			Trigger{Kind: Calendar, EveryDays: 30, Start: "2026-03-20T06:00"},
			[]string{"2026-03-20 06:00 AEDT", "2026-04-19 06:00 AEST", "2026-05-19 06:00 AEST"}},
		{"monthly at 02:30 Berlin: the day DST starts has no 02:30", "Europe/Berlin",
			Trigger{Kind: Calendar, EveryMonths: 1, Start: "2026-01-29T02:30"},
			[]string{"2026-01-29 02:30 CET", "2026-02-28 02:30 CET", "2026-03-29 03:30 CEST", "2026-04-29 02:30 CEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.trigger.Validate(); err != nil {
				t.Fatal(err)
			}
			p := &Plan{Trigger: tt.trigger}
			got := fmtLocal(p.Forecast(mustLoc(t, tt.zone), Occurrence{}, false, len(tt.want)))
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("forecast = %v; want %v", got, tt.want)
				}
			}
		})
	}
}

// TestSiteTimeZone: the same plan is due at 06:00 of each site's own clock.
func TestSiteTimeZone(t *testing.T) {
	p := &Plan{Trigger: Trigger{Kind: Calendar, EveryDays: 1, Start: "2026-07-01T06:00"}}
	for zone, want := range map[string]string{
		"UTC":              "2026-07-01T06:00:00Z",
		"Europe/Berlin":    "2026-07-01T04:00:00Z",
		"America/Chicago":  "2026-07-01T11:00:00Z",
		"Asia/Kolkata":     "2026-07-01T00:30:00Z",
		"Pacific/Auckland": "2026-06-30T18:00:00Z",
	} {
		got := p.NextDue(mustLoc(t, zone), Occurrence{}, false).UTC().Format(time.RFC3339)
		if got != want {
			t.Errorf("%s: first due %s; want %s", zone, got, want)
		}
	}
}

// TestNextDue: the due date after an occurrence, fixed and floating.
func TestNextDue(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(s string) time.Time {
		v, err := ParseLocal(s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(v time.Time) *time.Time { return &v }
	tests := []struct {
		name    string
		trigger Trigger
		last    Occurrence
		want    string
	}{
		{"fixed ignores a late completion", Trigger{Kind: Calendar, EveryMonths: 1, Start: "2026-01-31T06:00"},
			Occurrence{DueAt: at("2026-02-28T06:00"), CompletedAt: ptr(at("2026-03-10T15:00"))}, "2026-03-31 06:00 CEST"},
		{"floating counts from the completion", Trigger{Kind: Calendar, EveryDays: 30, Schedule: Floating, Start: "2026-01-01T06:00"},
			Occurrence{DueAt: at("2026-02-01T06:00"), CompletedAt: ptr(at("2026-02-10T15:00"))}, "2026-03-12 06:00 CET"},
		{"floating monthly from a completion on the 31st", Trigger{Kind: Calendar, EveryMonths: 1, Schedule: Floating, Start: "2026-01-01T07:00"},
			Occurrence{DueAt: at("2026-01-01T07:00"), CompletedAt: ptr(at("2026-01-31T22:00"))}, "2026-02-28 07:00 CET"},
		{"floating without a completion counts from the due date", Trigger{Kind: Calendar, EveryWeeks: 2, Schedule: Floating, Start: "2026-01-01T06:00"},
			Occurrence{DueAt: at("2026-03-20T06:00")}, "2026-04-03 06:00 CEST"},
		{"fixed weekly", Trigger{Kind: Calendar, EveryWeeks: 1, Start: "2026-01-05T06:00"},
			Occurrence{DueAt: at("2026-03-23T06:00")}, "2026-03-30 06:00 CEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Trigger: tt.trigger}
			if got := p.NextDue(berlin, tt.last, true).Format("2006-01-02 15:04 MST"); got != tt.want {
				t.Errorf("NextDue = %s; want %s", got, tt.want)
			}
		})
	}
}

// TestDue: what a calendar plan owes at a moment, with its lead time and
// after downtime (one occurrence to generate, the earlier ones missed).
func TestDue(t *testing.T) {
	utc := time.UTC
	at := func(s string) time.Time { v, _ := ParseLocal(s, utc); return v }
	monthly := Trigger{Kind: Calendar, EveryMonths: 1, Start: "2026-01-01T06:00", Schedule: Fixed}
	tests := []struct {
		name   string
		lead   int
		last   *Occurrence
		now    string
		ok     bool
		due    string
		missed int
	}{
		{"not yet", 7, nil, "2025-12-20T00:00", false, "", 0},
		{"lead time begun", 7, nil, "2025-12-25T06:00", true, "2026-01-01 06:00", 0},
		{"due today without lead", 0, nil, "2026-01-01T06:00", true, "2026-01-01 06:00", 0},
		{"after three months down: one order, earlier ones missed", 7, nil, "2026-03-28T00:00", true, "2026-04-01 06:00", 3},
		{"after the last occurrence, next not begun", 7, &Occurrence{DueAt: at("2026-01-01T06:00")}, "2026-01-20T00:00", false, "", 0},
		{"after the last occurrence, overdue", 7, &Occurrence{DueAt: at("2026-01-01T06:00")}, "2026-02-10T00:00", true, "2026-02-01 06:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Trigger: monthly, LeadTimeDays: tt.lead}
			var last Occurrence
			if tt.last != nil {
				last = *tt.last
			}
			due, missed, ok := p.Due(utc, last, tt.last != nil, at(tt.now))
			if ok != tt.ok {
				t.Fatalf("Due ok = %v; want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if got := due.Format("2006-01-02 15:04"); got != tt.due || len(missed) != tt.missed {
				t.Errorf("Due = %s with %d missed (%v); want %s with %d", got, len(missed), missed, tt.due, tt.missed)
			}
		})
	}
}

// TestStartBeforeCreation: a plan whose start lies before its creation is
// first due on the first grid date after it was created; the dates before
// are neither due nor missed.
func TestStartBeforeCreation(t *testing.T) {
	utc := time.UTC
	p := &Plan{Trigger: Trigger{Kind: Calendar, EveryMonths: 1, Start: "2025-01-31T06:00"},
		CreatedAt: time.Date(2026, 4, 10, 9, 0, 0, 0, utc)}
	if got := p.NextDue(utc, Occurrence{}, false).Format("2006-01-02 15:04"); got != "2026-04-30 06:00" {
		t.Errorf("first due %s; want 2026-04-30 06:00", got)
	}
	due, missed, ok := p.Due(utc, Occurrence{}, false, time.Date(2026, 4, 10, 9, 0, 0, 0, utc))
	if ok {
		t.Errorf("Due at creation = %v, %v; want nothing due yet", due, missed)
	}
}
