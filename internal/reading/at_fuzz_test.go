package reading_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
)

// FuzzParseAt checks that a reading's time is read as a UTC time to the
// microsecond that writes back, as RFC 3339 and as JSON, to the same
// time; and that anything else is refused as Invalid.
func FuzzParseAt(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, now int64) {
		at, err := reading.ParseAt(s, time.Unix(0, now))
		if err != nil {
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
				t.Fatalf("ParseAt(%q) = %#v; want an Invalid *millwright.Error with a code and a message", s, err)
			}
			return
		}
		if at.Location() != time.UTC || at.Nanosecond()%1000 != 0 {
			t.Fatalf("ParseAt(%q) = %v; want UTC to the microsecond", s, at)
		}
		back, err := reading.ParseAt(at.Format(time.RFC3339Nano), time.Time{})
		if err != nil || !back.Equal(at) {
			t.Fatalf("ParseAt(%q) = %v, which written as RFC 3339 reads back as %v, %v", s, at, back, err)
		}
		b, err := json.Marshal(at)
		if err != nil {
			t.Fatalf("ParseAt(%q) = %v, which cannot be written as JSON: %v", s, at, err)
		}
		var j time.Time
		if err := json.Unmarshal(b, &j); err != nil || !j.Equal(at) {
			t.Fatalf("ParseAt(%q) = %v, which as JSON %s reads back as %v, %v", s, at, b, j, err)
		}
	})
}
