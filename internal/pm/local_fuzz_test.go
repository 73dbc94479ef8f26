package pm

import (
	"errors"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

// FuzzParseLocal checks that a calendar plan's start, which is checked in
// UTC when the plan is saved and read in the site's time zone when it is
// scheduled, reads in every zone alike, lands in that zone, and writes
// back as a wall time that reads the same instant; anything else is
// refused as Invalid.
func FuzzParseLocal(f *testing.F) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			f.Fatalf("time zone %s: %v", name, err)
		}
		zones = append(zones, loc)
	}
	f.Fuzz(func(t *testing.T, s string, zone uint8) {
		loc := zones[int(zone)%len(zones)]
		_, utcErr := ParseLocal(s, time.UTC)
		at, err := ParseLocal(s, loc)
		if (err == nil) != (utcErr == nil) {
			t.Fatalf("ParseLocal(%q) in UTC: %v; in %s: %v; want both to agree", s, utcErr, loc, err)
		}
		if err != nil {
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
				t.Fatalf("ParseLocal(%q) = %#v; want an Invalid *millwright.Error with a code and a message", s, err)
			}
			return
		}
		if at.Location() != loc {
			t.Fatalf("ParseLocal(%q, %s) = %v; want a time in %s", s, loc, at, loc)
		}
		wall := at.Format("2006-01-02T15:04:05.999999999")
		back, err := ParseLocal(wall, loc)
		if err != nil || !back.Equal(at) {
			t.Fatalf("ParseLocal(%q, %s) = %v, which written as %q reads back as %v, %v", s, loc, at, wall, back, err)
		}
	})
}
