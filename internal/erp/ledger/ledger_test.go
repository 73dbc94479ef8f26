package ledger_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
)

func TestValidate(t *testing.T) {
	m := millwright.MustMoney
	tests := []struct {
		name  string
		lines []ledger.Line
		code  string
	}{
		{"balanced", []ledger.Line{ledger.Dr("6100", m("10"), "", "", ""), ledger.Cr("5100", m("10"), "", "", "")}, ""},
		{"unbalanced", []ledger.Line{ledger.Dr("6100", m("10"), "", "", ""), ledger.Cr("5100", m("9.99"), "", "", "")}, "unbalanced"},
		{"one line", []ledger.Line{ledger.Dr("6100", m("10"), "", "", "")}, "unbalanced"},
		{"both sides on a line", []ledger.Line{{Account: "6100", Debit: m("1"), Credit: m("1")}, ledger.Cr("5100", m("0"), "", "", "")}, "bad_line"},
		{"fraction of a cent", []ledger.Line{ledger.Dr("6100", m("0.001"), "", "", ""), ledger.Cr("5100", m("0.001"), "", "", "")}, "bad_amount"},
		{"no account", []ledger.Line{ledger.Dr("", m("1"), "", "", ""), ledger.Cr("5100", m("1"), "", "", "")}, "missing_field"},
	}
	for _, tt := range tests {
		e := ledger.Entry{Lines: tt.lines}
		if got := millwright.ErrorCode(e.Validate()); got != tt.code {
			t.Errorf("%s: Validate code = %q; want %q", tt.name, got, tt.code)
		}
	}
}

func TestDrCrSignsAndReversal(t *testing.T) {
	l := ledger.Dr("6100", millwright.MustMoney("-5"), "", "", "")
	if !l.Debit.IsZero() || l.Credit.String() != "5.00" {
		t.Fatalf("Dr of -5 = %s/%s; want a credit of 5.00", l.Debit, l.Credit)
	}
	e := ledger.Entry{ID: "je_1", Number: "JE-000001", Lines: []ledger.Line{ledger.Dr("6100", millwright.MustMoney("7"), "CC", "wo", "a"), ledger.Cr("5100", millwright.MustMoney("7"), "CC", "wo", "a")}}
	r := e.Reversal("")
	if r.ReversesID != "je_1" || r.Lines[0].Credit.String() != "7.00" || r.Lines[1].Debit.String() != "7.00" || r.Lines[0].WorkOrderID != "wo" {
		t.Fatalf("reversal = %+v; want debits and credits swapped, references kept", r)
	}
}

func TestTrialBalance(t *testing.T) {
	m := millwright.MustMoney
	tb := ledger.NewTrialBalance([]ledger.Balance{{Account: "1400", Debit: m("10"), Credit: m("4")}, {Account: "2100", Credit: m("6")}})
	if !tb.Balanced || tb.Accounts[0].Balance.String() != "6.00" || tb.Accounts[1].Balance.String() != "-6.00" {
		t.Fatalf("trial balance = %+v; want balanced with 6.00 and -6.00", tb)
	}
	if ledger.NewTrialBalance([]ledger.Balance{{Account: "1400", Debit: m("1")}}).Balanced {
		t.Fatal("a one-sided trial balance reads balanced; want not balanced")
	}
}
