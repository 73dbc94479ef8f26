package workorder_test

import (
	"errors"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// TestStatusMachine checks every pair of statuses: allowed, or refused
// with a Conflict that leaves the work order as it was.
func TestStatusMachine(t *testing.T) {
	allowed := map[workorder.Status][]workorder.Status{
		workorder.Requested:       {workorder.Approved, workorder.Cancelled},
		workorder.Approved:        {workorder.Planned, workorder.Released, workorder.Cancelled},
		workorder.Planned:         {workorder.Released, workorder.Cancelled},
		workorder.Released:        {workorder.InProgress, workorder.Cancelled},
		workorder.InProgress:      {workorder.WaitingForParts, workorder.Completed, workorder.Cancelled},
		workorder.WaitingForParts: {workorder.InProgress, workorder.Cancelled},
		workorder.Completed:       {workorder.Closed},
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, from := range workorder.Statuses {
		for _, to := range workorder.Statuses {
			want := false
			for _, s := range allowed[from] {
				want = want || s == to
			}
			w := &workorder.WorkOrder{Number: "WO-000007", Status: from}
			err := w.Transition(to, at)
			if want {
				if err != nil || w.Status != to || !w.UpdatedAt.Equal(at) {
					t.Errorf("%s → %s = %v, status %s; want nil, %s", from, to, err, w.Status, to)
				}
				continue
			}
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Conflict || e.Code != "illegal_transition" {
				t.Errorf("%s → %s = %v; want a Conflict illegal_transition", from, to, err)
				continue
			}
			if w.Status != from || !w.UpdatedAt.IsZero() {
				t.Errorf("%s → %s refused but the work order changed to %s", from, to, w.Status)
			}
		}
	}
}

func TestVerbsLeadToStatuses(t *testing.T) {
	for verb, want := range map[string]workorder.Status{
		"approve": workorder.Approved, "plan": workorder.Planned, "release": workorder.Released,
		"start": workorder.InProgress, "wait": workorder.WaitingForParts, "resume": workorder.InProgress,
		"complete": workorder.Completed, "close": workorder.Closed, "cancel": workorder.Cancelled,
	} {
		if got := workorder.Verbs[verb]; got != want {
			t.Errorf("Verbs[%s] = %s; want %s", verb, got, want)
		}
	}
	if len(workorder.Verbs) != 9 {
		t.Errorf("len(Verbs) = %d; want 9", len(workorder.Verbs))
	}
}

func TestComputeCosts(t *testing.T) {
	m := millwright.MustMoney
	q := millwright.MustQty
	w := &workorder.WorkOrder{ID: "wo_1", Number: "WO-000001", EstimatedLabor: m("480")}
	mats := []workorder.Material{
		{Quantity: q("3"), UnitCost: m("12.3333")},                                                        // parts 37.00
		{Quantity: q("1.5"), UnitCost: m("40")},                                                           // parts 60.00
		{Direct: true, Quantity: q("2"), UnitCost: m("250"), CommittedCost: m("490"), ActualCost: m("0")}, // direct 500.00
		{Direct: true, Quantity: q("1"), UnitCost: m("99.99"), ActualCost: m("101.15")},                   // direct 99.99
	}
	labor := []workorder.Labor{{Amount: m("153.43")}, {Amount: m("20.00")}}
	moves := []inventory.Movement{
		{Kind: inventory.MoveIssue, Quantity: q("-3"), Value: m("-36.99")},
		{Kind: inventory.MoveReturn, Quantity: q("1"), Value: m("12.33")},
		{Kind: inventory.MoveAdjustment, Quantity: q("5"), Value: m("50")}, // not the work order's cost
	}
	c := workorder.ComputeCosts(w, mats, labor, moves)
	for _, tc := range []struct {
		what string
		got  millwright.Money
		want string
	}{
		{"estimated labor", c.Estimated.Labor, "480"},
		{"estimated parts", c.Estimated.Parts, "97.00"},
		{"estimated direct", c.Estimated.Direct, "599.99"},
		{"estimated total", c.Estimated.Total, "1176.99"},
		{"committed direct", c.Committed.Direct, "490"},
		{"committed total", c.Committed.Total, "490"},
		{"actual labor", c.Actual.Labor, "173.43"},
		{"actual parts", c.Actual.Parts, "24.66"},
		{"actual direct", c.Actual.Direct, "101.15"},
		{"actual services", c.Actual.Services, "0"},
		{"actual total", c.Actual.Total, "299.24"},
	} {
		if !tc.got.Equal(m(tc.want).Decimal) {
			t.Errorf("%s = %s; want %s", tc.what, tc.got, tc.want)
		}
	}
}
