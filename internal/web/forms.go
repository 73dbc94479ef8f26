package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
)

// formQty reads a decimal form field within the bounds of a quantity
// (millwright.CheckQuantityText); empty is zero when optional.
func formQty(r *http.Request, field, label string, required bool) (millwright.Qty, error) {
	s := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get(field)), ",", ".")
	if s == "" && !required {
		return millwright.Qty{}, nil
	}
	if err := millwright.CheckQuantityText(field, s); err != nil {
		return millwright.Qty{}, relabel(err, field, label)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return millwright.Qty{}, millwright.Errorf(millwright.Invalid, "bad_number", "%s must be a number such as 1.5, not %q", label, s)
	}
	return millwright.Qty{Decimal: d}, nil
}

// formMoney reads an amount form field within the bounds of an amount
// (millwright.CheckAmountText).
func formMoney(r *http.Request, field, label string) (millwright.Money, error) {
	s := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get(field)), ",", ".")
	if err := millwright.CheckAmountText(field, s); err != nil {
		return millwright.Money{}, relabel(err, field, label)
	}
	return millwright.ParseMoney(s)
}

// checkForm checks every posted field against the bounds of text
// (millwright.CheckText): its length, and no control characters but the
// line breaks of a text area.
func checkForm(r *http.Request) error {
	for field, values := range r.PostForm {
		for _, v := range values {
			if err := millwright.CheckText(field, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// relabel names a field in an error by its label on the form.
func relabel(err error, field, label string) error {
	var e *millwright.Error
	if errors.As(err, &e) {
		return &millwright.Error{Kind: e.Kind, Code: e.Code, Message: label + strings.TrimPrefix(e.Message, field)}
	}
	return err
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
	"list": func(xs ...int) []int { return xs },
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

// errText is what a form's refusal says to a person: an error's message
// without its code.
func errText(err error) string {
	var e *millwright.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
