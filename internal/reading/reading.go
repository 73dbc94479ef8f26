// Package reading is what an asset's meters say: meters declared per asset
// (gauges such as vibration or temperature, counters such as run hours or
// cycles) and the readings recorded for them, over HTTP or MQTT.
//
// A meter is known once it is declared on its asset (DeclareMeter); a
// reading for a meter the asset does not declare is refused, so a typo in
// a sensor's topic is caught instead of creating a meter nobody watches.
// Counter readings never go backwards: a smaller value is refused unless
// it is marked as a meter replacement, and the running total (Total)
// continues across the replacement.
package reading

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
)

// Kind is what sort of quantity a meter measures.
type Kind string

// The kinds of meter.
const (
	// Gauge is a level that goes up and down: vibration, temperature, pressure.
	Gauge Kind = "gauge"
	// Counter only grows until the meter is replaced: run hours, cycles, starts.
	Counter Kind = "counter"
)

// Meter is something an asset measures, under a name unique per asset.
type Meter struct {
	ID        string    `json:"id"`
	AssetID   string    `json:"asset_id"`
	Name      string    `json:"name"`
	Kind      Kind      `json:"kind"`
	Unit      string    `json:"unit"`
	CreatedAt time.Time `json:"created_at"`
}

// Reading is one value of a meter at one time.
type Reading struct {
	ID      string         `json:"id"`
	AssetID string         `json:"asset_id"`
	MeterID string         `json:"meter_id"`
	Meter   string         `json:"meter"`
	Kind    Kind           `json:"kind"`
	Value   millwright.Qty `json:"value"`
	// Total is, for a counter, the running total since the first reading
	// of the meter, continued across replacements; for a gauge, the value.
	Total       millwright.Qty `json:"total"`
	Replacement bool           `json:"replacement"`
	At          time.Time      `json:"at"`
	Source      string         `json:"source"` // "http" or "mqtt"
	RecordedBy  string         `json:"recorded_by"`
	ReceivedAt  time.Time      `json:"received_at"`
}

// Sources of readings.
const (
	SourceHTTP = "http"
	SourceMQTT = "mqtt"
)

// Input is a reading as a client sends it.
type Input struct {
	Meter string          `json:"meter"`
	Value *millwright.Qty `json:"value"`
	// At is an RFC 3339 time; empty means the time the reading is received.
	At          string `json:"at"`
	Replacement bool   `json:"replacement"`
}

// Result is the answer to a recorded reading: the stored reading and
// whether it was stored before (a duplicate, ignored).
type Result struct {
	Reading
	Duplicate bool `json:"duplicate"`
}

// Filter selects readings for a list. Empty fields select everything.
type Filter struct {
	AssetID string
	Meter   string
	From    *time.Time // at >= From
	To      *time.Time // at < To
	Cursor  string
	Limit   int
}

// Unmatched is an MQTT message that could not become a stored reading,
// with the reason, so that nothing is dropped silently.
type Unmatched struct {
	ID         string    `json:"id"`
	SiteID     string    `json:"site_id"` // "" when the topic names no known site
	Topic      string    `json:"topic"`
	Payload    string    `json:"payload"`
	Code       string    `json:"code"`
	Reason     string    `json:"reason"`
	ReceivedAt time.Time `json:"received_at"`
	// Status is open until the message is replayed into a reading.
	Status     string     `json:"status"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ResolvedBy string     `json:"resolved_by"`
	ReadingID  string     `json:"reading_id"`
}

// Statuses of an unmatched reading.
const (
	UnmatchedOpen     = "open"
	UnmatchedResolved = "resolved"
)

// UnmatchedFilter selects unmatched readings; SiteID limits them to a site
// (and hides those of no known site). Status is open (the default),
// resolved or all.
type UnmatchedFilter struct {
	SiteID string
	Status string
	Cursor string
	Limit  int
}

// Tx is what the reading use-cases need from a database transaction.
// *store.Tx satisfies it.
type Tx interface {
	Asset(ctx context.Context, id string) (*asset.Asset, error)
	SiteByCode(ctx context.Context, code string) (*asset.Site, error)
	AssetByTag(ctx context.Context, siteID, tag string) (*asset.Asset, error)
	CreateMeter(ctx context.Context, m *Meter) error
	Meters(ctx context.Context, assetID string) ([]Meter, error)
	// MeterForUpdate returns the asset's meter named name, locked until the
	// transaction ends, so that readings of one meter queue.
	MeterForUpdate(ctx context.Context, assetID, name string) (*Meter, error)
	// MeterByTopic returns the asset and its meter that a site code, an
	// asset tag and a meter name name, the meter locked as by MeterForUpdate.
	MeterByTopic(ctx context.Context, siteCode, tag, name string) (*asset.Asset, *Meter, error)
	// ReadingAt returns the reading of meterID at exactly at, if any.
	ReadingAt(ctx context.Context, meterID string, at time.Time) (Reading, bool, error)
	// ReadingBefore and ReadingAfter return the nearest reading of meterID
	// strictly before or after at, if any.
	ReadingBefore(ctx context.Context, meterID string, at time.Time) (Reading, bool, error)
	ReadingAfter(ctx context.Context, meterID string, at time.Time) (Reading, bool, error)
	InsertReading(ctx context.Context, r *Reading) error
	Readings(ctx context.Context, f Filter) (millwright.Page[Reading], error)
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
	Now() time.Time
	Actor() millwright.Principal
}

// meterName is what a meter may be called: it is the last level of an
// MQTT topic, so no slashes, spaces or wildcards.
var meterName = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// Validate checks a meter's fields, trimming them.
func (m *Meter) Validate() error {
	m.Name, m.Unit = strings.TrimSpace(m.Name), strings.TrimSpace(m.Unit)
	switch {
	case m.Name == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "name is required for a meter, such as vibration_mm_s or run_hours")
	case !meterName.MatchString(m.Name):
		return millwright.Errorf(millwright.Invalid, "invalid_meter_name",
			"meter name %q must be 1 to 64 letters, digits, _ . : or -: it is the last level of the MQTT topic", m.Name)
	case m.Kind == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "kind is required for a meter: gauge (goes up and down) or counter (only grows)")
	case m.Kind != Gauge && m.Kind != Counter:
		return millwright.Errorf(millwright.Invalid, "invalid_meter_kind",
			"meter kind %q is not one of gauge (vibration, temperature) or counter (run hours, cycles)", m.Kind)
	}
	return nil
}

// DeclareMeter declares a meter on an asset the caller may change.
func DeclareMeter(ctx context.Context, tx Tx, assetID string, m *Meter) error {
	a, err := tx.Asset(ctx, assetID)
	if err != nil {
		return err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return err
	}
	m.AssetID = a.ID
	if err := m.Validate(); err != nil {
		return err
	}
	if err := tx.CreateMeter(ctx, m); err != nil {
		return err
	}
	return tx.Audit(ctx, "asset", a.ID, "declare_meter", nil, m)
}

// EnsureMeter returns the asset's meter named name, declaring it with kind
// when the asset has none: for use-cases that name a meter, such as a PM
// plan triggered by run hours or a condition rule over vibration, so that
// the readings they wait for are accepted. A meter of another kind is a
// Rule error.
func EnsureMeter(ctx context.Context, tx Tx, assetID, name string, kind Kind) (*Meter, error) {
	m, err := tx.MeterForUpdate(ctx, assetID, strings.TrimSpace(name))
	if millwright.ErrorKind(err) == millwright.NotFound {
		m = &Meter{Name: name, Kind: kind}
		return m, DeclareMeter(ctx, tx, assetID, m)
	}
	if err != nil {
		return nil, err
	}
	if m.Kind != kind {
		return nil, millwright.Errorf(millwright.Rule, "meter_kind_mismatch",
			"meter %s of asset %s is a %s, not a %s; use another meter or name", m.Name, assetID, m.Kind, kind)
	}
	return m, nil
}

// Meters lists the meters of an asset the caller may see.
func Meters(ctx context.Context, tx Tx, assetID string) ([]Meter, error) {
	a, err := tx.Asset(ctx, assetID)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	return tx.Meters(ctx, a.ID)
}

// List lists the readings of an asset the caller may see.
func List(ctx context.Context, tx Tx, f Filter) (millwright.Page[Reading], error) {
	a, err := tx.Asset(ctx, f.AssetID)
	if err != nil {
		return millwright.Page[Reading]{}, err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return millwright.Page[Reading]{}, err
	}
	return tx.Readings(ctx, f)
}

// Record stores a reading of an asset the caller may change, from source.
// A reading of the same meter at the same time with the same value is a
// duplicate: it is not stored again, and the first is returned with
// Duplicate set. The same time with another value is a conflict.
func Record(ctx context.Context, tx Tx, assetID, source string, in Input) (*Result, error) {
	a, err := tx.Asset(ctx, assetID)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	return record(ctx, tx, a, source, in)
}

// RecordByTag is Record for an asset named by its site's code and its tag,
// as an MQTT topic names it.
func RecordByTag(ctx context.Context, tx Tx, siteCode, tag, source string, in Input) (*Result, error) {
	// The common case in one round trip; the lookups one by one only to
	// say which of site, asset or meter is unknown.
	if a, m, err := tx.MeterByTopic(ctx, siteCode, tag, strings.TrimSpace(in.Meter)); err == nil {
		if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
			return nil, err
		}
		return recordMeter(ctx, tx, a, m, source, in)
	} else if millwright.ErrorKind(err) != millwright.NotFound {
		return nil, err
	}
	s, err := tx.SiteByCode(ctx, siteCode)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_site",
			"no site has code %q; the topic must be millwright/{site_code}/{asset_tag}/{meter}", siteCode)
	}
	if err != nil {
		return nil, err
	}
	a, err := tx.AssetByTag(ctx, s.ID, tag)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_asset",
			"site %s has no asset tagged %q; create the asset or fix the sensor's topic", siteCode, tag)
	}
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	return record(ctx, tx, a, source, in)
}

func record(ctx context.Context, tx Tx, a *asset.Asset, source string, in Input) (*Result, error) {
	in.Meter = strings.TrimSpace(in.Meter)
	if in.Meter == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "meter is required: the name of one of the asset's meters, such as run_hours")
	}
	if in.Value == nil {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "value is required: the meter's reading as a number")
	}
	m, err := tx.MeterForUpdate(ctx, a.ID, in.Meter)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_meter",
			"asset %s has no meter %q; declare it first with POST /api/v1/assets/%s/meters {\"name\":%q,\"kind\":\"gauge\"} (or \"counter\")",
			a.Tag, in.Meter, a.ID, in.Meter)
	}
	if err != nil {
		return nil, err
	}
	return recordMeter(ctx, tx, a, m, source, in)
}

// recordMeter stores a reading of meter m of asset a, locked.
func recordMeter(ctx context.Context, tx Tx, a *asset.Asset, m *Meter, source string, in Input) (*Result, error) {
	if in.Value == nil {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "value is required: the meter's reading as a number")
	}
	at, err := ParseAt(in.At, tx.Now())
	if err != nil {
		return nil, err
	}
	if prior, found, err := tx.ReadingAt(ctx, m.ID, at); err != nil {
		return nil, err
	} else if found {
		if !prior.Value.Equal(in.Value.Decimal) || prior.Replacement != in.Replacement {
			return nil, millwright.Errorf(millwright.Conflict, "reading_conflict",
				"meter %s of asset %s already has the reading %s at %s; a reading at the same time with another value is refused: correct the time",
				m.Name, a.Tag, prior.Value, at.Format(time.RFC3339Nano))
		}
		return &Result{Reading: prior, Duplicate: true}, nil
	}
	r := Reading{
		AssetID: a.ID, MeterID: m.ID, Meter: m.Name, Kind: m.Kind,
		Value: *in.Value, Total: *in.Value, Replacement: in.Replacement, At: at,
		Source: source, RecordedBy: tx.Actor().Username, ReceivedAt: tx.Now(),
	}
	if m.Kind == Counter {
		if err := counterTotal(ctx, tx, a, m, &r); err != nil {
			return nil, err
		}
	} else if r.Replacement {
		return nil, millwright.Errorf(millwright.Invalid, "replacement_on_gauge",
			"meter %s of asset %s is a gauge; replacement applies to counters only: leave it out", m.Name, a.Tag)
	}
	if err := tx.InsertReading(ctx, &r); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "reading", r.ID, "record", nil, r); err != nil {
		return nil, err
	}
	return &Result{Reading: r}, nil
}

// counterTotal checks a counter reading against its neighbours and sets
// its running total. A counter never goes backwards between two readings
// unless the later one marks a replacement, which starts the new meter's
// count on top of the total so far. A reading older than the latest may
// fill a gap only where it fits between its neighbours; a replacement must
// be the latest reading.
func counterTotal(ctx context.Context, tx Tx, a *asset.Asset, m *Meter, r *Reading) error {
	if r.Value.IsNegative() {
		return millwright.Errorf(millwright.Rule, "counter_negative",
			"meter %s of asset %s is a counter and cannot read %s; send the meter's reading, zero or more", m.Name, a.Tag, r.Value)
	}
	prev, hasPrev, err := tx.ReadingBefore(ctx, m.ID, r.At)
	if err != nil {
		return err
	}
	next, hasNext, err := tx.ReadingAfter(ctx, m.ID, r.At)
	if err != nil {
		return err
	}
	if hasNext {
		switch {
		case r.Replacement:
			return millwright.Errorf(millwright.Rule, "replacement_not_latest",
				"meter %s of asset %s has a reading at %s, after this replacement at %s; a replacement must be the meter's latest reading",
				m.Name, a.Tag, next.At.Format(time.RFC3339), r.At.Format(time.RFC3339))
		case next.Replacement:
			return millwright.Errorf(millwright.Rule, "counter_out_of_order",
				"meter %s of asset %s was replaced at %s; a reading of the old meter before that can no longer be added",
				m.Name, a.Tag, next.At.Format(time.RFC3339))
		case r.Value.GreaterThan(next.Value.Decimal):
			return millwright.Errorf(millwright.Rule, "counter_out_of_order",
				"counter %s of asset %s read %s at %s, less than this %s at the earlier %s; counters only grow: correct the value or the time",
				m.Name, a.Tag, next.Value, next.At.Format(time.RFC3339), r.Value, r.At.Format(time.RFC3339))
		}
	}
	switch {
	case !hasPrev:
		// The first reading starts the total at the meter's value.
		r.Total = r.Value
	case r.Replacement:
		r.Total = prev.Total.Add(r.Value)
	case r.Value.LessThan(prev.Value.Decimal):
		return millwright.Errorf(millwright.Rule, "counter_backwards",
			"counter %s of asset %s read %s at %s and cannot go back to %s; if the meter was replaced or reset, send the reading again with \"replacement\": true",
			m.Name, a.Tag, prev.Value, prev.At.Format(time.RFC3339), r.Value)
	default:
		r.Total = prev.Total.Add(r.Value.Sub(prev.Value))
	}
	return nil
}

// ParseAt reads an RFC 3339 time, or returns now when s is empty. Times
// are kept in UTC to the microsecond.
func ParseAt(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return now.UTC().Truncate(time.Microsecond), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	// In UTC the time must still have a four-digit year, or it could not
	// be written back as RFC 3339 (nor as JSON): 9999-12-31T23:59:59-01:00
	// is in the year 10000.
	if y := t.UTC().Year(); err != nil || y < 1 || y > 9999 {
		return time.Time{}, millwright.Errorf(millwright.Invalid, "invalid_time",
			"at %q is not an RFC 3339 time such as 2026-11-29T08:15:00Z; leave it out for the time of receipt", s)
	}
	if err := millwright.CheckTime("at", t); err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Microsecond), nil
}
