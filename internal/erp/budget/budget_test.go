package budget_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
)

func TestNewStatus(t *testing.T) {
	m := millwright.MustMoney
	tests := []struct {
		budget, actual, committed string
		forecast, variance        string
		alert                     bool
	}{
		{"500", "150", "200", "350.00", "150.00", false},
		{"500", "300", "200", "500.00", "0.00", false},
		{"500", "300", "200.01", "500.01", "-0.01", true},
		{"0", "0", "0", "0.00", "0.00", false},
	}
	for _, tt := range tests {
		s := budget.NewStatus("CC", "2026-03", m(tt.budget), m(tt.actual), m(tt.committed))
		if s.Forecast.String() != tt.forecast || s.Variance.String() != tt.variance || s.Alert != tt.alert {
			t.Errorf("NewStatus(%s, %s, %s) = forecast %s variance %s alert %v; want %s %s %v",
				tt.budget, tt.actual, tt.committed, s.Forecast, s.Variance, s.Alert, tt.forecast, tt.variance, tt.alert)
		}
	}
}

func TestCheckPeriod(t *testing.T) {
	for p, ok := range map[string]bool{"2026-03": true, "2026-12": true, "2026-13": false, "2026-3": false, "March": false, "": false} {
		if got := budget.CheckPeriod(p) == nil; got != ok {
			t.Errorf("CheckPeriod(%q) ok = %v; want %v", p, got, ok)
		}
	}
}
