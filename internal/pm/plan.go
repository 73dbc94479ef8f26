package pm

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
)

// related turns a not-found error for a resource named in a request body
// into a business-rule error: the path was fine, the body names nothing.
func related(err error, code string) error {
	var e *millwright.Error
	if errors.As(err, &e) && e.Kind == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, code, "%s; check the id in the request body", e.Message)
	}
	return err
}

// location returns a site's time zone.
func location(ctx context.Context, tx Tx, siteID string) (*time.Location, error) {
	s, err := tx.Site(ctx, siteID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, millwright.Errorf(millwright.Rule, "invalid_time_zone",
			"site %s has time zone %q, which is not an IANA zone; correct the site's time_zone", s.Code, s.TimeZone)
	}
	return loc, nil
}

// Create creates a PM plan on an asset, in the asset's site.
func Create(ctx context.Context, tx Tx, in Input) (*Plan, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	a, err := tx.Asset(ctx, in.AssetID)
	if err != nil {
		return nil, related(err, "asset_not_found")
	}
	if err := millwright.CheckSite(ctx, a.SiteID); err != nil {
		return nil, err
	}
	now := tx.Now()
	p := &Plan{
		SiteID: a.SiteID, AssetID: a.ID, Name: in.Name, Trigger: in.Trigger,
		LeadTimeDays: in.LeadTimeDays, WorkOrder: in.WorkOrder, Active: in.Active == nil || *in.Active,
		CreatedBy: tx.Actor().Username, CreatedAt: now, UpdatedAt: now,
	}
	if err := declareMeter(ctx, tx, p); err != nil {
		return nil, err
	}
	if err := tx.CreatePlan(ctx, p); err != nil {
		return nil, err
	}
	return p, tx.Audit(ctx, "pm_plan", p.ID, "create", nil, p)
}

// Get returns a plan the caller's site may see.
func Get(ctx context.Context, tx Tx, id string) (*Plan, error) {
	p, err := tx.Plan(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, millwright.CheckSite(ctx, p.SiteID)
}

// List lists plans by id.
func List(ctx context.Context, tx Tx, f Filter) (millwright.Page[Plan], error) {
	if f.Kind != "" && f.Kind != Calendar && f.Kind != Meter && f.Kind != Condition {
		return millwright.Page[Plan]{}, invalid("invalid_kind", "kind %q is unknown; filter by calendar, meter or condition", f.Kind)
	}
	return tx.Plans(ctx, f)
}

func lock(ctx context.Context, tx Tx, id string) (*Plan, error) {
	p, err := tx.PlanForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, millwright.CheckSite(ctx, p.SiteID)
}

// Update replaces a plan's name, trigger, lead time, template and active
// flag. Its asset stays: a plan's history belongs to its asset.
func Update(ctx context.Context, tx Tx, id string, in Input) (*Plan, error) {
	p, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if in.AssetID == "" {
		in.AssetID = p.AssetID
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.AssetID != p.AssetID {
		return nil, millwright.Errorf(millwright.Rule, "asset_fixed",
			"plan %s maintains asset %s and cannot move to another; deactivate it and create a plan on the other asset", p.ID, p.AssetID)
	}
	before := *p
	p.Name, p.Trigger, p.LeadTimeDays, p.WorkOrder = in.Name, in.Trigger, in.LeadTimeDays, in.WorkOrder
	if in.Active != nil {
		p.Active = *in.Active
	}
	p.UpdatedAt = tx.Now()
	if err := declareMeter(ctx, tx, p); err != nil {
		return nil, err
	}
	if err := tx.SavePlan(ctx, p); err != nil {
		return nil, err
	}
	return p, tx.Audit(ctx, "pm_plan", p.ID, "update", before, p)
}

// Deactivate stops a plan making work orders; its history stays. Send
// active true with PUT to start it again.
func Deactivate(ctx context.Context, tx Tx, id string) (*Plan, error) {
	p, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, millwright.Errorf(millwright.Conflict, "already_inactive",
			"plan %s is already inactive; send PUT with \"active\":true to start it again", p.ID)
	}
	before := *p
	p.Active, p.UpdatedAt = false, tx.Now()
	if err := tx.SavePlan(ctx, p); err != nil {
		return nil, err
	}
	return p, tx.Audit(ctx, "pm_plan", p.ID, "deactivate", before, p)
}

// Due is one forecast date (calendar) or meter value (meter).
type Due struct {
	DueAt    *time.Time `json:"due_at,omitempty"`
	Local    string     `json:"local,omitempty"`     // the wall time in the site's time zone
	TimeZone string     `json:"time_zone,omitempty"` // the site's IANA zone, of a calendar plan
	DueValue *float64   `json:"due_value,omitempty"`
	Meter    string     `json:"meter,omitempty"` // the meter of a meter plan
}

// MaxForecast is how far a forecast reaches: a plan's next MaxForecast due
// dates or values, the most a page can hold. Paging past them ends the
// list, so a client reading every page stops.
const MaxForecast = 100

// Forecast returns a page of a plan's forecast: limit of its next due
// dates (calendar) or meter values (meter), counted from its last
// occurrence, after cursor (the next_cursor of the page before, or "").
// The cursor names the last due date or value of its page, so the next
// page still follows on when an occurrence is made in between.
func Forecast(ctx context.Context, tx Tx, id, cursor string, limit int) (millwright.Page[Due], error) {
	if limit < 1 || limit > MaxForecast {
		return millwright.Page[Due]{}, invalid("bad_limit", "limit must be from 1 to %d, not %d", MaxForecast, limit)
	}
	p, err := Get(ctx, tx, id)
	if err != nil {
		return millwright.Page[Due]{}, err
	}
	s, err := tx.Site(ctx, p.SiteID)
	if err != nil {
		return millwright.Page[Due]{}, err
	}
	loc, err := location(ctx, tx, p.SiteID)
	if err != nil {
		return millwright.Page[Due]{}, err
	}
	last, ok, err := tx.LastOccurrence(ctx, p.ID)
	if err != nil {
		return millwright.Page[Due]{}, err
	}
	badCursor := invalid("bad_cursor",
		"cursor %q is not one this forecast returned; pass next_cursor from the previous page unchanged, or leave it out for the first page", cursor)
	n := limit + 1
	var rows []Due
	switch p.Trigger.Kind {
	case Calendar:
		var after time.Time
		if cursor != "" {
			if after, err = time.Parse(time.RFC3339Nano, cursor); err != nil {
				return millwright.Page[Due]{}, badCursor
			}
		}
		for _, d := range p.Forecast(loc, last, ok, MaxForecast) {
			if at := d.UTC(); (cursor == "" || at.After(after)) && len(rows) < n {
				rows = append(rows, Due{DueAt: &at, Local: d.Format("2006-01-02 15:04 MST"), TimeZone: s.TimeZone})
			}
		}
		return millwright.NewPage(rows, n, func(d Due) string { return d.DueAt.Format(time.RFC3339Nano) }), nil
	case Meter:
		var after float64
		if cursor != "" {
			if after, err = strconv.ParseFloat(cursor, 64); err != nil {
				return millwright.Page[Due]{}, badCursor
			}
		}
		v := p.nextMeterDue(last, ok)
		for range MaxForecast {
			if x := v; (cursor == "" || x > after) && len(rows) < n {
				rows = append(rows, Due{DueValue: &x, Meter: p.Trigger.Meter})
			}
			v += p.Trigger.Every
		}
		return millwright.NewPage(rows, n, func(d Due) string { return strconv.FormatFloat(*d.DueValue, 'g', -1, 64) }), nil
	default:
		return millwright.Page[Due]{}, millwright.Errorf(millwright.Rule, "no_forecast",
			"plan %s is a condition plan: it is due when its rule holds over the readings, so it has no due dates to forecast", p.ID)
	}
}

// nextMeterDue is the meter value at which a meter plan is next due: one
// interval after its last occurrence's value, or after its start value.
func (p *Plan) nextMeterDue(last Occurrence, ok bool) float64 {
	base := 0.0
	if p.Trigger.StartValue != nil {
		base = *p.Trigger.StartValue
	}
	if ok && last.DueValue != nil {
		base = *last.DueValue
	}
	return base + p.Trigger.Every
}

// declareMeter declares on the asset the meter a meter or condition plan
// watches, when the asset has none of that name, so that the readings the
// plan waits for are accepted: a meter plan counts (run hours, cycles), a
// condition plan reads a gauge (vibration, temperature).
func declareMeter(ctx context.Context, tx Tx, p *Plan) error {
	kind := reading.Counter
	switch p.Trigger.Kind {
	case Meter:
	case Condition:
		kind = reading.Gauge
	default:
		return nil
	}
	_, err := reading.EnsureMeter(ctx, tx, p.AssetID, p.Trigger.Meter, kind)
	return err
}
