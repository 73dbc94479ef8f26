package approval_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/approval"
)

func money(s string) *millwright.Money { m := millwright.MustMoney(s); return &m }
func prio(p int) *int                  { return &p }

func mustRule(t *testing.T, r approval.Rule) approval.Rule {
	t.Helper()
	if err := r.Normalize(); err != nil {
		t.Fatalf("Normalize(%+v) = %v", r, err)
	}
	return r
}

func TestPlan(t *testing.T) {
	rules := []approval.Rule{
		mustRule(t, approval.Rule{ID: "fast", MaxPriority: prio(1), FastPath: true, ApproverRole: millwright.Approver}),
		mustRule(t, approval.Rule{ID: "auto", MaxAmount: money("100"), AutoApprove: true}),
		mustRule(t, approval.Rule{ID: "chain", MinAmount: money("100"), MaxAmount: money("5000"), Steps: []millwright.Role{millwright.Approver, millwright.Finance}}),
		mustRule(t, approval.Rule{ID: "north", SiteID: "north", MinAmount: money("100"), ApproverRole: millwright.Finance}),
	}
	tests := []struct {
		name string
		s    approval.Subject
		want string
	}{
		{"emergency takes the fast path", approval.Subject{SiteID: "south", Priority: 1, Amount: millwright.MustMoney("9000")}, "fast fast [] review approver"},
		{"small is automatic", approval.Subject{SiteID: "south", Priority: 3, Amount: millwright.MustMoney("99.99")}, "auto auto [] review "},
		{"lower bound is inclusive", approval.Subject{SiteID: "south", Priority: 3, Amount: millwright.MustMoney("100")}, "chain manual [approver finance] review "},
		{"site rule beats any-site rule", approval.Subject{SiteID: "north", Priority: 3, Amount: millwright.MustMoney("200")}, "north manual [finance] review "},
		{"no rule: one approver", approval.Subject{SiteID: "south", Priority: 3, Amount: millwright.MustMoney("5000")}, " manual [approver] review "},
	}
	for _, tt := range tests {
		r := approval.Plan(rules, tt.s)
		mode := "manual"
		if r.Auto {
			mode = r.RuleID
		}
		got := fmt.Sprintf("%s %s %v review %s", r.RuleID, mode, r.Steps, r.Review)
		if got != tt.want {
			t.Errorf("%s: Plan = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckDecider(t *testing.T) {
	steps := []millwright.Role{millwright.Approver, millwright.Finance}
	prior := []approval.Decision{{Step: 1, Actor: "anna"}}
	tests := []struct {
		name string
		p    millwright.Principal
		step int
		dec  []approval.Decision
		code string
	}{
		{"requester", millwright.Principal{Username: "pat", Role: millwright.Approver}, 1, nil, "sod_violation"},
		{"requester as admin", millwright.Principal{Username: "pat", Role: millwright.Admin}, 1, nil, "sod_violation"},
		{"wrong role", millwright.Principal{Username: "fiona", Role: millwright.Finance}, 1, nil, "wrong_approver_role"},
		{"right role", millwright.Principal{Username: "anna", Role: millwright.Approver}, 1, nil, ""},
		{"second step by the first approver", millwright.Principal{Username: "anna", Role: millwright.Admin}, 2, prior, "sod_violation"},
		{"second step by finance", millwright.Principal{Username: "fiona", Role: millwright.Finance}, 2, prior, ""},
		{"admin stands in", millwright.Principal{Username: "root", Role: millwright.Admin}, 2, prior, ""},
	}
	for _, tt := range tests {
		err := approval.CheckDecider(tt.p, "pat", steps, tt.step, tt.dec)
		if got := millwright.ErrorCode(err); got != tt.code {
			t.Errorf("%s: CheckDecider = %v; want code %q", tt.name, err, tt.code)
		}
		if tt.code != "" && millwright.ErrorKind(err) != millwright.Forbidden {
			t.Errorf("%s: kind = %d; want Forbidden", tt.name, millwright.ErrorKind(err))
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		rules []approval.Rule
		want  []string // kind: message fragment
	}{
		{"clean bands", []approval.Rule{
			{ID: "a", MaxAmount: money("100"), AutoApprove: true},
			{ID: "b", MinAmount: money("100")},
		}, nil},
		{"overlap", []approval.Rule{
			{ID: "a", MaxAmount: money("500")},
			{ID: "b", MinAmount: money("300")},
		}, []string{"overlap: from 300.00 up to (not including) 500.00"}},
		{"gap in the middle and at the top", []approval.Rule{
			{ID: "a", MaxAmount: money("100")},
			{ID: "b", MinAmount: money("200"), MaxAmount: money("300")},
		}, []string{"gap: from 100.00 up to (not including) 200.00", "gap: from 300.00 up"}},
	}
	for _, tt := range tests {
		probs := approval.Validate(tt.rules)
		var got []string
		for _, p := range probs {
			if p.Priority != 3 { // every priority band reports the same; look at one
				continue
			}
			got = append(got, p.Kind)
			ok := false
			for _, w := range tt.want {
				kind, frag, _ := strings.Cut(w, ": ")
				ok = ok || (kind == p.Kind && strings.Contains(p.Message, frag))
			}
			if !ok {
				t.Errorf("%s: unexpected problem %s: %s", tt.name, p.Kind, p.Message)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: problems %v; want %v", tt.name, got, tt.want)
		}
	}
}
