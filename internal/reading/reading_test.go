package reading_test

import (
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
)

func TestMeterValidate(t *testing.T) {
	for _, tt := range []struct {
		m    reading.Meter
		code string
	}{
		{reading.Meter{Name: " vibration_mm_s ", Kind: reading.Gauge}, ""},
		{reading.Meter{Name: "run-hours.total:1", Kind: reading.Counter}, ""},
		{reading.Meter{Name: "", Kind: reading.Gauge}, "missing_field"},
		{reading.Meter{Name: "a/b", Kind: reading.Gauge}, "invalid_meter_name"},
		{reading.Meter{Name: "a+", Kind: reading.Gauge}, "invalid_meter_name"},
		{reading.Meter{Name: "temp c", Kind: reading.Gauge}, "invalid_meter_name"},
		{reading.Meter{Name: "t", Kind: ""}, "missing_field"},
		{reading.Meter{Name: "t", Kind: "dial"}, "invalid_meter_kind"},
	} {
		if got := millwright.ErrorCode(tt.m.Validate()); got != tt.code {
			t.Errorf("Validate(%+v) code = %q; want %q", tt.m, got, tt.code)
		}
	}
}

func TestParseAt(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 123456789, time.FixedZone("x", 3600))
	for _, tt := range []struct{ in, want, code string }{
		{"", "2026-11-29T07:00:00.123456Z", ""},
		{"2026-11-01T10:00:00+01:00", "2026-11-01T09:00:00Z", ""},
		{"2026-11-01T10:00:00.1234567Z", "2026-11-01T10:00:00.123456Z", ""},
		{"2026-11-01 10:00", "", "invalid_time"},
		{"1730455200", "", "invalid_time"},
	} {
		got, err := reading.ParseAt(tt.in, now)
		if code := millwright.ErrorCode(err); code != tt.code {
			t.Errorf("ParseAt(%q) error %v; want code %q", tt.in, err, tt.code)
			continue
		}
		if tt.code == "" && got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("ParseAt(%q) = %s; want %s", tt.in, got.Format(time.RFC3339Nano), tt.want)
		}
	}
}
