// Package pm is preventive and condition-based maintenance: PM plans with
// their triggers (calendar, meter, condition), the due dates they make in
// the site's time zone, the rules over sensor readings, and the use-cases
// that turn a due occurrence into ONE work order through the workorder
// package, so that BOM copy and Auto Request Material apply.
package pm

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The kinds of trigger.
const (
	Calendar  = "calendar"
	Meter     = "meter"
	Condition = "condition"
)

// The schedules of a calendar trigger.
const (
	Fixed    = "fixed"    // due dates stay on the grid from the start
	Floating = "floating" // the next due date counts from the last completion
)

// Trigger says when a plan is due. Calendar: exactly one of EveryDays,
// EveryWeeks, EveryMonths, a Schedule and a Start (local wall time of the
// site). Meter: Meter and Every, from StartValue. Condition: Meter and one
// of Above, Below or RisingPerHour, sustained for ForMinutes.
type Trigger struct {
	Kind string `json:"kind"`

	EveryDays   int    `json:"every_days,omitempty"`
	EveryWeeks  int    `json:"every_weeks,omitempty"`
	EveryMonths int    `json:"every_months,omitempty"`
	Schedule    string `json:"schedule,omitempty"`
	// Start is the first due date and time, in the site's time zone:
	// "2026-01-31T06:00" or "2026-01-31" (midnight).
	Start string `json:"start,omitempty"`

	Meter      string   `json:"meter,omitempty"`
	Every      float64  `json:"every,omitempty"`
	StartValue *float64 `json:"start_value,omitempty"`

	Above         *float64 `json:"above,omitempty"`
	Below         *float64 `json:"below,omitempty"`
	RisingPerHour *float64 `json:"rising_per_hour,omitempty"`
	ForMinutes    int      `json:"for_minutes,omitempty"`
	// Priority is the rule's base priority (default 2, urgent); the
	// asset's criticality moves it (see ConditionPriority).
	Priority int `json:"priority,omitempty"`
}

// Template is the work order a plan generates.
type Template struct {
	Type        workorder.Type `json:"type"`     // default preventive; predictive for a condition
	Priority    int            `json:"priority"` // default 3 (normal)
	Title       string         `json:"title"`
	Description string         `json:"description"`
	JobSteps    []string       `json:"job_steps"`
	// CopyBOM copies the asset's maintenance BOM as planned materials (default true).
	CopyBOM             *bool `json:"copy_bom"`
	AutoRequestMaterial *bool `json:"auto_request_material"`
	// AutoRelease approves and releases the generated order at once, as
	// the system, so Auto Request Material asks for its parts lead time
	// ahead (default true). False leaves it requested for a planner.
	AutoRelease *bool `json:"auto_release"`
}

// Plan is a PM plan: what to do on an asset, and when.
type Plan struct {
	ID           string    `json:"id"`
	SiteID       string    `json:"site_id"`
	AssetID      string    `json:"asset_id"`
	Name         string    `json:"name"`
	Trigger      Trigger   `json:"trigger"`
	LeadTimeDays int       `json:"lead_time_days"`
	WorkOrder    Template  `json:"work_order"`
	Active       bool      `json:"active"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Input is a plan as a planner sends it, to create or replace one.
type Input struct {
	AssetID      string   `json:"asset_id"`
	Name         string   `json:"name"`
	Trigger      Trigger  `json:"trigger"`
	LeadTimeDays int      `json:"lead_time_days"`
	WorkOrder    Template `json:"work_order"`
	Active       *bool    `json:"active"` // default true
}

func invalid(code, format string, args ...any) error {
	return millwright.Errorf(millwright.Invalid, code, format, args...)
}

// MaxLeadTimeDays is the furthest ahead a plan may generate its work.
const MaxLeadTimeDays = 365

// Validate checks a trigger and fills its defaults. Every message says
// how to fix the trigger.
func (t *Trigger) Validate() error {
	t.Kind = strings.TrimSpace(t.Kind)
	t.Meter = strings.TrimSpace(t.Meter)
	switch t.Kind {
	case Calendar:
		n := 0
		for _, v := range []int{t.EveryDays, t.EveryWeeks, t.EveryMonths} {
			if v < 0 {
				return invalid("invalid_trigger", "a calendar trigger's interval must be positive; send e.g. {\"kind\":\"calendar\",\"every_days\":30}")
			}
			if v > 0 {
				n++
			}
		}
		if n != 1 {
			return invalid("invalid_trigger", "a calendar trigger needs exactly one of every_days, every_weeks or every_months, a whole number above 0; send e.g. {\"kind\":\"calendar\",\"every_months\":1}")
		}
		if t.EveryDays > 3660 || t.EveryWeeks > 520 || t.EveryMonths > 120 {
			return invalid("invalid_trigger", "a calendar interval longer than ten years is not a maintenance plan; send a shorter every_days, every_weeks or every_months")
		}
		if t.Schedule == "" {
			t.Schedule = Fixed
		}
		if t.Schedule != Fixed && t.Schedule != Floating {
			return invalid("invalid_trigger", "schedule %q is unknown; use \"fixed\" (due dates stay on the grid from start) or \"floating\" (next due counts from the last completion)", t.Schedule)
		}
		if t.Start != "" {
			if _, err := ParseLocal(t.Start, time.UTC); err != nil {
				return err
			}
		}
		if t.Meter != "" || t.Every != 0 || t.Above != nil || t.Below != nil || t.RisingPerHour != nil || t.ForMinutes != 0 {
			return invalid("invalid_trigger", "a calendar trigger takes no meter, every, above, below, rising_per_hour or for_minutes; use kind meter or condition for those")
		}
	case Meter:
		if t.Meter == "" {
			return invalid("invalid_trigger", "a meter trigger needs meter, the name readings use, e.g. {\"kind\":\"meter\",\"meter\":\"run_hours\",\"every\":500}")
		}
		if !(t.Every > 0) || math.IsInf(t.Every, 0) {
			return invalid("invalid_trigger", "a meter trigger needs every, a number above 0: the meter units between two services, e.g. \"every\":500")
		}
		if t.EveryDays != 0 || t.EveryWeeks != 0 || t.EveryMonths != 0 || t.Above != nil || t.Below != nil || t.RisingPerHour != nil {
			return invalid("invalid_trigger", "a meter trigger takes meter, every and start_value only; use kind calendar or condition for the other fields")
		}
	case Condition:
		if t.Meter == "" {
			return invalid("invalid_trigger", "a condition trigger needs meter, the reading it watches, e.g. {\"kind\":\"condition\",\"meter\":\"vibration_mm_s\",\"above\":7.1,\"for_minutes\":10}")
		}
		n := 0
		for _, v := range []*float64{t.Above, t.Below, t.RisingPerHour} {
			if v != nil {
				n++
				if math.IsNaN(*v) || math.IsInf(*v, 0) {
					return invalid("invalid_trigger", "a condition's limit must be a finite number")
				}
			}
		}
		if n != 1 {
			return invalid("invalid_trigger", "a condition trigger needs exactly one of above, below or rising_per_hour, e.g. \"above\":7.1")
		}
		if t.RisingPerHour != nil && *t.RisingPerHour <= 0 {
			return invalid("invalid_trigger", "rising_per_hour must be above 0: the rise per hour that means trouble")
		}
		if t.ForMinutes < 0 || t.ForMinutes > 7*24*60 {
			return invalid("invalid_trigger", "for_minutes must be from 0 (one reading is enough) to 10080 (a week), not %d", t.ForMinutes)
		}
		if t.Priority != 0 && (t.Priority < 1 || t.Priority > 4) {
			return invalid("invalid_priority", "a condition's priority must be 1 (emergency) to 4 (low), not %d; leave it out for 2 (urgent)", t.Priority)
		}
		if t.EveryDays != 0 || t.EveryWeeks != 0 || t.EveryMonths != 0 || t.Every != 0 || t.StartValue != nil {
			return invalid("invalid_trigger", "a condition trigger takes meter, above, below or rising_per_hour, for_minutes and priority only")
		}
	case "":
		return invalid("missing_field", "trigger.kind is required: calendar, meter or condition")
	default:
		return invalid("invalid_trigger", "trigger kind %q is unknown; use calendar, meter or condition", t.Kind)
	}
	return nil
}

// validate checks an input and fills its defaults.
func (in *Input) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.WorkOrder.Title = strings.TrimSpace(in.WorkOrder.Title)
	if in.AssetID == "" {
		return invalid("missing_field", "asset_id is required: the id of the asset the plan maintains")
	}
	if err := in.Trigger.Validate(); err != nil {
		return err
	}
	if in.LeadTimeDays < 0 || in.LeadTimeDays > MaxLeadTimeDays {
		return invalid("invalid_lead_time", "lead_time_days must be from 0 to %d, not %d: how many days before the due date the work order is made", MaxLeadTimeDays, in.LeadTimeDays)
	}
	tpl := &in.WorkOrder
	if tpl.Title == "" {
		if in.Name == "" {
			return invalid("missing_field", "work_order.title is required: say in a few words what is to be done, e.g. \"Pump overhaul\"")
		}
		tpl.Title = in.Name
	}
	if in.Name == "" {
		in.Name = tpl.Title
	}
	if tpl.Type == "" {
		tpl.Type = workorder.Preventive
		if in.Trigger.Kind == Condition {
			tpl.Type = workorder.Predictive
		}
	}
	if !slices.Contains(workorder.Types, tpl.Type) {
		return invalid("invalid_type", "work_order.type %q is not a work-order type; use preventive, predictive or inspection", tpl.Type)
	}
	if tpl.Priority == 0 {
		tpl.Priority = workorder.PriorityNormal
	}
	if tpl.Priority < 1 || tpl.Priority > 4 {
		return invalid("invalid_priority", "work_order.priority must be 1 (emergency), 2 (urgent), 3 (normal) or 4 (low), not %d", tpl.Priority)
	}
	for i, s := range tpl.JobSteps {
		if strings.TrimSpace(s) == "" {
			return invalid("invalid_job_step", "work_order.job_steps[%d] is blank; remove it or say what the step is", i)
		}
	}
	return nil
}

// ParseLocal reads a local wall time "2006-01-02T15:04", "2006-01-02T15:04:05"
// or "2006-01-02" in loc.
func ParseLocal(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, millwright.CheckTime("start", t)
		}
	}
	return time.Time{}, invalid("invalid_start", "start %q is not a local date or date and time; send e.g. \"2026-01-31T06:00\" or \"2026-01-31\", in the site's time zone", s)
}

// releases reports whether the template approves and releases generated orders.
func (t Template) releases() bool { return t.AutoRelease == nil || *t.AutoRelease }

// Tx is what PM use-cases need from a database transaction; *store.Tx
// satisfies it.
type Tx interface {
	workorder.Tx
	reading.Tx

	CreatePlan(ctx context.Context, p *Plan) error
	Plan(ctx context.Context, id string) (*Plan, error)
	// PlanForUpdate is Plan, locked until the transaction ends, so that one
	// plan's occurrences are decided one transaction at a time.
	PlanForUpdate(ctx context.Context, id string) (*Plan, error)
	SavePlan(ctx context.Context, p *Plan) error
	Plans(ctx context.Context, f Filter) (millwright.Page[Plan], error)
	// PlansForMeter lists the active meter and condition plans of an asset's meter.
	PlansForMeter(ctx context.Context, assetID, meter string) ([]Plan, error)
	// ActivePlanIDs lists the ids of the active plans of a trigger kind.
	ActivePlanIDs(ctx context.Context, kind string) ([]string, error)
	// ActivePlans lists the active plans of a trigger kind with, for each,
	// its latest occurrence (if any) and whether it has an open work
	// order: what deciding which are due needs, read at once.
	ActivePlans(ctx context.Context, kind string) ([]PlanState, error)
	// LastOccurrence returns a plan's latest occurrence (by due date),
	// false when it has none.
	LastOccurrence(ctx context.Context, planID string) (Occurrence, bool, error)
	// OpenWorkOrder returns the id of a plan's work order that is not
	// completed, closed or cancelled, false when there is none.
	OpenWorkOrder(ctx context.Context, planID string) (string, bool, error)
	// AddOccurrence stores an occurrence; a second one with the same plan
	// and key is a duplicate-key error.
	AddOccurrence(ctx context.Context, o *Occurrence) error
	// Occurrences lists the occurrences of calendar and meter plans due in
	// [from, to), of a site when siteID is set, with their work orders.
	Occurrences(ctx context.Context, siteID string, from, to time.Time) ([]Occurrence, error)
}

// Filter selects plans for a list.
type Filter struct {
	SiteID, AssetID, Kind string
	Active                *bool
	Cursor                string
	Limit                 int
}

// Occurrence is one due date (or meter value, or firing) of a plan, kept
// once per plan and key: the database refuses a second, so two schedulers
// never make two work orders of one occurrence. A missed occurrence has
// no work order: it fell due while the scheduler was down or an earlier
// order was open, and the next generated order names it.
type Occurrence struct {
	PlanID      string    `json:"plan_id"`
	Key         string    `json:"key"`
	DueAt       time.Time `json:"due_at"`
	DueValue    *float64  `json:"due_value,omitempty"`
	WorkOrderID string    `json:"work_order_id,omitempty"`
	Missed      bool      `json:"missed"`
	CreatedAt   time.Time `json:"created_at"`
	// From the work order and plan, when read back.
	AssetID     string     `json:"asset_id,omitempty"`
	Kind        string     `json:"kind,omitempty"`
	Status      string     `json:"work_order_status,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}
