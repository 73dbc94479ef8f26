package workorder

import (
	"context"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
)

// DateLayout is how a scheduled day is written.
const DateLayout = "2006-01-02"

// assign sets who does w and on which day, from the fields given (nil:
// unchanged). The assignee must be a user who may do work and who may see
// w's site; the day must be a date.
func assign(ctx context.Context, tx Tx, w *WorkOrder, assignee, day *string) error {
	if assignee != nil {
		name := strings.TrimSpace(*assignee)
		if name != "" {
			p, err := tx.UserPrincipal(ctx, name)
			if millwright.ErrorKind(err) == millwright.NotFound {
				return millwright.Errorf(millwright.Rule, "unknown_user",
					"assigned_to %q is not a user; give the user name of a technician (millwright user list shows them)", name)
			}
			if err != nil {
				return err
			}
			if !auth.Allowed(p.Role, auth.DoWork) {
				return millwright.Errorf(millwright.Rule, "not_a_technician",
					"%s is a %s and may not do work; assign the work order to a technician", name, p.Role)
			}
			if p.SiteID != "" && p.SiteID != w.SiteID {
				return millwright.Errorf(millwright.Rule, "wrong_site",
					"%s works at another site than work order %s; assign a technician of its site", name, w.Number)
			}
		}
		w.AssignedTo = name
	}
	if day != nil {
		d := strings.TrimSpace(*day)
		if d != "" {
			t, err := time.Parse(DateLayout, d)
			if err != nil {
				return millwright.Errorf(millwright.Invalid, "invalid_date",
					"scheduled_on must be a date such as 2026-12-02, not %q; send \"\" to unschedule", d)
			}
			if err := millwright.CheckTime("scheduled_on", t); err != nil {
				return err
			}
			d = t.Format(DateLayout)
		}
		w.ScheduledOn = d
	}
	return nil
}

// DueBy reports whether w is for day (a date in its site's time zone) or
// earlier, or not scheduled at all: what a technician has to do that day.
func (w *WorkOrder) DueBy(day string) bool {
	return w.ScheduledOn == "" || w.ScheduledOn <= day
}
