package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// planPlacing puts pm.Create's and pm.Update's refusals beside the form's
// fields: every trigger problem beside the trigger.
var planPlacing = placing{
	alias: [][2]string{{"asset_id", "asset"}, {"asset", "asset"}, {"work_order.title", "title"}, {"work_order.type", "type"},
		{"work_order.priority", "priority"}, {"work_order.job_steps", "job_steps"}, {"lead_time_days", "lead_time_days"},
		{"trigger.kind", "kind"}, {"start", "start"}, {"name", "name"}},
	codes: map[string]string{"invalid_trigger": "kind", "invalid_start": "start", "invalid_lead_time": "lead_time_days",
		"invalid_job_step": "job_steps", "asset_not_found": "asset", "unknown_asset": "asset", "ambiguous_asset": "asset"},
}

// newPlan shows the form that creates a PM plan, for ?asset_id= when given.
func (h *Handler) newPlan(w http.ResponseWriter, r *http.Request, s *session) error {
	v := url.Values{"kind": {pm.Calendar}, "cal_every": {"30"}, "cal_unit": {"days"}, "schedule": {pm.Fixed},
		"type": {string(workorder.Preventive)}, "priority": {"3"}, "lead_time_days": {"0"}, "copy_bom": {"on"}, "auto_release": {"on"}}
	if id := r.URL.Query().Get("asset_id"); id != "" {
		err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
			a, err := asset.Get(ctx, tx, id)
			if err == nil {
				v.Set("asset", a.Tag)
				v.Set("asset_id", a.ID)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return h.showPlanForm(w, r, s, http.StatusOK, nil, form{Values: v})
}

// editPlan shows a plan in the form, to change it.
func (h *Handler) editPlan(w http.ResponseWriter, r *http.Request, s *session) error {
	var p *pm.Plan
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		p, err = pm.Get(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return h.showPlanForm(w, r, s, http.StatusOK, p, form{Values: planValues(p)})
}

// planValues is a plan as its form shows it.
func planValues(p *pm.Plan) url.Values {
	t := p.Trigger
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	v := url.Values{"name": {p.Name}, "kind": {t.Kind}, "schedule": {t.Schedule}, "start": {t.Start},
		"meter": {t.Meter}, "lead_time_days": {strconv.Itoa(p.LeadTimeDays)},
		"type": {string(p.WorkOrder.Type)}, "priority": {strconv.Itoa(p.WorkOrder.Priority)}, "title": {p.WorkOrder.Title},
		"description": {p.WorkOrder.Description}, "job_steps": {strings.Join(p.WorkOrder.JobSteps, "\n")}}
	switch {
	case t.EveryDays > 0:
		v.Set("cal_every", strconv.Itoa(t.EveryDays))
		v.Set("cal_unit", "days")
	case t.EveryWeeks > 0:
		v.Set("cal_every", strconv.Itoa(t.EveryWeeks))
		v.Set("cal_unit", "weeks")
	case t.EveryMonths > 0:
		v.Set("cal_every", strconv.Itoa(t.EveryMonths))
		v.Set("cal_unit", "months")
	}
	if t.Kind == pm.Meter {
		v.Set("meter_every", strconv.FormatFloat(t.Every, 'f', -1, 64))
		v.Set("start_value", num(t.StartValue))
	}
	v.Set("above", num(t.Above))
	v.Set("below", num(t.Below))
	v.Set("rising_per_hour", num(t.RisingPerHour))
	if t.Kind == pm.Condition {
		v.Set("for_minutes", strconv.Itoa(t.ForMinutes))
	}
	for name, b := range map[string]*bool{"copy_bom": p.WorkOrder.CopyBOM, "auto_release": p.WorkOrder.AutoRelease} {
		if b == nil || *b {
			v.Set(name, "on")
		}
	}
	if p.Active {
		v.Set("active", "on")
	}
	return v
}

func (h *Handler) showPlanForm(w http.ResponseWriter, r *http.Request, s *session, status int, p *pm.Plan, f form) error {
	var (
		assets []asset.Asset
		a      *asset.Asset
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		if p != nil {
			var err error
			a, err = tx.Asset(ctx, p.AssetID)
			return err
		}
		pg, err := tx.Assets(ctx, asset.Filter{SiteID: s.User.SiteID, Limit: 500})
		assets = pg.Items
		return err
	})
	if err != nil {
		return err
	}
	title := "New PM plan"
	if p != nil {
		title = "Edit PM plan " + p.Name
	}
	h.render(w, r, s, status, "pmplanform.html", title, map[string]any{
		"Form": f, "Plan": p, "Asset": a, "Assets": assets, "Types": workorder.Types, "Title": title})
	return nil
}

// planInput reads the form into what POST /api/v1/pm-plans takes: the
// fields of the chosen trigger kind only, numbers as the API reads them.
func planInput(v url.Values) (pm.Input, error) {
	in := pm.Input{Name: strings.TrimSpace(v.Get("name")), Trigger: pm.Trigger{Kind: v.Get("kind")},
		WorkOrder: pm.Template{Type: workorder.Type(v.Get("type")), Title: strings.TrimSpace(v.Get("title")),
			Description: strings.TrimSpace(v.Get("description"))}}
	whole := func(field, label string) (int, error) {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, millwright.Errorf(millwright.Invalid, "bad_number", "%s: %s must be a whole number, not %q", field, label, s)
		}
		return n, nil
	}
	number := func(field, label string) (*float64, error) {
		s := strings.ReplaceAll(strings.TrimSpace(v.Get(field)), ",", ".")
		if s == "" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, millwright.Errorf(millwright.Invalid, "bad_number", "%s: %s must be a number such as 7.1, not %q", field, label, s)
		}
		return &f, nil
	}
	var err error
	if in.LeadTimeDays, err = whole("lead_time_days", "the lead time"); err != nil {
		return in, err
	}
	if in.WorkOrder.Priority, err = whole("priority", "the priority"); err != nil {
		return in, err
	}
	for _, line := range strings.Split(v.Get("job_steps"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.WorkOrder.JobSteps = append(in.WorkOrder.JobSteps, line)
		}
	}
	yes := func(field string) *bool { b := v.Get(field) == "on"; return &b }
	in.WorkOrder.CopyBOM, in.WorkOrder.AutoRelease = yes("copy_bom"), yes("auto_release")
	t := &in.Trigger
	switch t.Kind {
	case pm.Calendar:
		n, err := whole("cal_every", "the interval")
		if err != nil {
			return in, renamed(err, "cal_every", "kind")
		}
		switch v.Get("cal_unit") {
		case "weeks":
			t.EveryWeeks = n
		case "months":
			t.EveryMonths = n
		default:
			t.EveryDays = n
		}
		t.Schedule, t.Start = v.Get("schedule"), strings.TrimSpace(v.Get("start"))
	case pm.Meter:
		t.Meter = strings.TrimSpace(v.Get("meter"))
		every, err := number("meter_every", "every")
		if err != nil {
			return in, renamed(err, "meter_every", "kind")
		}
		if every != nil {
			t.Every = *every
		}
		if t.StartValue, err = number("start_value", "the start value"); err != nil {
			return in, renamed(err, "start_value", "kind")
		}
	case pm.Condition:
		t.Meter = strings.TrimSpace(v.Get("meter"))
		for _, f := range []struct {
			field string
			to    **float64
		}{{"above", &t.Above}, {"below", &t.Below}, {"rising_per_hour", &t.RisingPerHour}} {
			if *f.to, err = number(f.field, f.field); err != nil {
				return in, renamed(err, f.field, "kind")
			}
		}
		if t.ForMinutes, err = whole("for_minutes", "for minutes"); err != nil {
			return in, renamed(err, "for_minutes", "kind")
		}
	}
	return in, nil
}

// renamed makes a refusal of a trigger's field one about the trigger,
// which the form shows beside the trigger's kind.
func renamed(err error, field, _ string) error {
	var e *millwright.Error
	if errors.As(err, &e) {
		return &millwright.Error{Kind: e.Kind, Code: "invalid_trigger", Message: strings.TrimPrefix(e.Message, field+": ")}
	}
	return err
}

// createPlan creates a PM plan with pm.Create, as POST /api/v1/pm-plans.
func (h *Handler) createPlan(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error { return h.showPlanForm(w, r, s, status, nil, f) }
	return h.submit(w, r, planPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		in, err := planInput(r.PostForm)
		if err != nil {
			return "", "", err
		}
		tag := strings.TrimSpace(r.PostForm.Get("asset"))
		if tag == "" {
			return "", "", millwright.Errorf(millwright.Invalid, "missing_field", "asset: give the tag of the asset the plan maintains, such as P-101")
		}
		if in.AssetID, err = assetByTag(ctx, tx, s.User.SiteID, tag, r.PostForm.Get("asset_id")); err != nil {
			return "", "", err
		}
		p, err := pm.Create(ctx, tx, in)
		if err != nil {
			return "", "", err
		}
		return "/ui/pm-plans/" + p.ID, "PM plan " + p.Name + " created: " + describeTrigger(p.Trigger), nil
	})
}

// updatePlan replaces a plan with pm.Update, as PUT /api/v1/pm-plans/{id}.
func (h *Handler) updatePlan(w http.ResponseWriter, r *http.Request, s *session) error {
	var p *pm.Plan
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		p, err = pm.Get(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	show := func(status int, f form) error { return h.showPlanForm(w, r, s, status, p, f) }
	return h.submit(w, r, planPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		in, err := planInput(r.PostForm)
		if err != nil {
			return "", "", err
		}
		in.AssetID = p.AssetID
		active := r.PostForm.Get("active") == "on"
		in.Active = &active
		saved, err := pm.Update(ctx, tx, p.ID, in)
		if err != nil {
			return "", "", err
		}
		return "/ui/pm-plans/" + saved.ID, "PM plan " + saved.Name + " saved: " + describeTrigger(saved.Trigger), nil
	})
}

// deactivatePlan stops a plan with pm.Deactivate, as DELETE /api/v1/pm-plans/{id}.
func (h *Handler) deactivatePlan(w http.ResponseWriter, r *http.Request, s *session) error {
	back := "/ui/pm-plans/" + r.PathValue("id")
	return h.change(w, r, back, back, "PM plan deactivated: it makes no more work orders; edit it and tick Active to start it again",
		func(ctx context.Context, tx *store.Tx) error {
			_, err := pm.Deactivate(ctx, tx, r.PathValue("id"))
			return err
		})
}
