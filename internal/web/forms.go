package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
)

// formQty reads a decimal form field; empty is zero when optional.
func formQty(r *http.Request, field, label string, required bool) (millwright.Qty, error) {
	s := strings.TrimSpace(r.PostForm.Get(field))
	if s == "" && !required {
		return millwright.Qty{}, nil
	}
	d, err := decimal.NewFromString(strings.ReplaceAll(s, ",", "."))
	if err != nil {
		return millwright.Qty{}, millwright.Errorf(millwright.Invalid, "bad_number", "%s must be a number such as 1.5, not %q", label, s)
	}
	return millwright.Qty{Decimal: d}, nil
}

// formMoney reads an amount form field.
func formMoney(r *http.Request, field, label string) (millwright.Money, error) {
	s := strings.TrimSpace(r.PostForm.Get(field))
	m, err := millwright.ParseMoney(strings.ReplaceAll(s, ",", "."))
	if err != nil {
		return millwright.Money{}, millwright.Errorf(millwright.Invalid, "bad_amount", "%s must be an amount such as 48.00, not %q", label, s)
	}
	return m, nil
}

var statusLabels = map[string]string{
	"requested": "Requested", "approved": "Approved", "planned": "Planned", "released": "Released",
	"in_progress": "In progress", "waiting_for_parts": "Waiting for parts", "completed": "Completed",
	"closed": "Closed", "cancelled": "Cancelled",
	"none": "Not requested", "blocked": "Blocked", "ordered": "Ordered", "received": "Received", "invoiced": "Invoiced",
	"pending": "Pending", "delivered": "Delivered", "failed": "Failed", "dead": "Dead",
	"submitted": "Waiting for approval", "rejected": "Rejected", "draft": "Draft",
}

var funcs = template.FuncMap{
	"label": func(s any) string {
		k := strings.TrimSpace(toString(s))
		if l, ok := statusLabels[k]; ok {
			return l
		}
		return strings.ReplaceAll(k, "_", " ")
	},
	"priority": func(p int) string {
		return map[int]string{1: "1 Emergency", 2: "2 Urgent", 3: "3 Normal", 4: "4 Low"}[p]
	},
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04")
		}
		return ""
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"verb": func(v string) string {
		return map[string]string{"approve": "Approve", "plan": "Plan", "release": "Release", "start": "Start work",
			"wait": "Wait for parts", "resume": "Resume", "close": "Close", "cancel": "Cancel"}[v]
	},
	// pct writes a percentage that may be unknown (nil).
	"pct": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f %%", *p)
	},
	// hours writes a number of hours that may be unknown (nil).
	"hours": func(q *millwright.Qty) string {
		if q == nil {
			return "—"
		}
		return q.String() + " h"
	},
	"even": func(i int) bool { return i%2 == 0 },
	"dash": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
}

func toString(v any) string { return fmt.Sprint(v) }
