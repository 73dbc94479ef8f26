// Package approval routes requisitions for approval: rules by site,
// urgency, amount and cost center decide a chain of steps by role, an
// automatic approval below a limit, or an emergency fast path that approves
// at once and leaves a review to be done after the fact. It also enforces
// segregation of duties: nobody decides a requisition they requested.
package approval

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Rule decides how requisitions it matches are approved. A rule matches a
// requisition of its site (any site when SiteID is empty) and cost center
// (any when empty) whose priority ≤ MaxPriority and MinAmount ≤ amount <
// MaxAmount; an absent bound is open.
type Rule struct {
	ID           string            `json:"id"`
	SiteID       string            `json:"site_id"`
	CostCenter   string            `json:"cost_center"`
	MaxPriority  *int              `json:"max_priority"`
	MinAmount    *millwright.Money `json:"min_amount"`
	MaxAmount    *millwright.Money `json:"max_amount"`
	ApproverRole millwright.Role   `json:"approver_role"`
	Steps        []millwright.Role `json:"steps"`        // the chain, in order; [ApproverRole] when empty
	AutoApprove  bool              `json:"auto_approve"` // approve at once, no review
	FastPath     bool              `json:"fast_path"`    // approve at once, ApproverRole reviews after the fact
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Normalize fills the defaults and checks the rule on its own.
func (r *Rule) Normalize() error {
	if r.MaxPriority != nil && (*r.MaxPriority < 1 || *r.MaxPriority > 4) {
		return millwright.Errorf(millwright.Invalid, "bad_priority", "max_priority must be 1 (emergency) to 4 (low), not %d", *r.MaxPriority)
	}
	if r.MinAmount != nil && r.MinAmount.IsNegative() || r.MaxAmount != nil && r.MaxAmount.IsNegative() {
		return millwright.Errorf(millwright.Invalid, "bad_amount", "min_amount and max_amount cannot be negative")
	}
	if r.MinAmount != nil && r.MaxAmount != nil && !r.MinAmount.LessThan(r.MaxAmount.Decimal) {
		return millwright.Errorf(millwright.Invalid, "bad_amount", "min_amount %s must be less than max_amount %s", r.MinAmount.String(), r.MaxAmount.String())
	}
	if r.AutoApprove && r.FastPath {
		return millwright.Errorf(millwright.Invalid, "bad_rule", "a rule is either auto_approve (no review) or fast_path (reviewed after the fact), not both")
	}
	if r.ApproverRole == "" && len(r.Steps) > 0 {
		r.ApproverRole = r.Steps[0]
	}
	if r.ApproverRole == "" {
		r.ApproverRole = millwright.Approver
	}
	if len(r.Steps) == 0 {
		r.Steps = []millwright.Role{r.ApproverRole}
	}
	for _, s := range append([]millwright.Role{r.ApproverRole}, r.Steps...) {
		if !millwright.ValidRole(s) {
			return millwright.Errorf(millwright.Invalid, "bad_role", "%q is not a role; use one of %s", s, roleList())
		}
	}
	return nil
}

func roleList() string {
	var s []string
	for _, r := range millwright.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

// Subject is what routing looks at in a requisition.
type Subject struct {
	SiteID     string
	CostCenter string
	Priority   int
	Amount     millwright.Money
}

// Matches reports whether r applies to s.
func (r *Rule) Matches(s Subject) bool {
	return (r.SiteID == "" || r.SiteID == s.SiteID) &&
		(r.CostCenter == "" || r.CostCenter == s.CostCenter) &&
		(r.MaxPriority == nil || s.Priority <= *r.MaxPriority) &&
		(r.MinAmount == nil || !s.Amount.LessThan(r.MinAmount.Decimal)) &&
		(r.MaxAmount == nil || s.Amount.LessThan(r.MaxAmount.Decimal))
}

// specificity orders matching rules: a rule for the site beats one for any
// site, one for the cost center beats one for any, the most urgent
// priority band beats wider ones, and then the earliest rule wins.
func specificity(a, b Rule) int {
	if c := cmp.Compare(boolInt(a.SiteID == ""), boolInt(b.SiteID == "")); c != 0 {
		return c
	}
	if c := cmp.Compare(boolInt(a.CostCenter == ""), boolInt(b.CostCenter == "")); c != 0 {
		return c
	}
	if c := cmp.Compare(prio(a), prio(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func prio(r Rule) int {
	if r.MaxPriority == nil {
		return 5
	}
	return *r.MaxPriority
}

// Route is how a requisition will be approved.
type Route struct {
	RuleID string            `json:"rule_id"` // "" when no rule matched
	Steps  []millwright.Role `json:"steps"`   // roles that must approve, in order
	Auto   bool              `json:"auto"`    // approved at once
	Review millwright.Role   `json:"review"`  // fast path: the role that reviews after the fact
}

// Plan picks the rule for s among rules and returns its route. With no
// matching rule a requisition waits for one approver.
func Plan(rules []Rule, s Subject) Route {
	var match []Rule
	for _, r := range rules {
		if r.Matches(s) {
			match = append(match, r)
		}
	}
	if len(match) == 0 {
		return Route{Steps: []millwright.Role{millwright.Approver}}
	}
	r := slices.MinFunc(match, specificity)
	switch {
	case r.AutoApprove:
		return Route{RuleID: r.ID, Auto: true}
	case r.FastPath:
		return Route{RuleID: r.ID, Auto: true, Review: r.ApproverRole}
	}
	return Route{RuleID: r.ID, Steps: slices.Clone(r.Steps)}
}

// Decision is one recorded approval decision.
type Decision struct {
	ID            string    `json:"id"`
	RequisitionID string    `json:"requisition_id"`
	Step          int       `json:"step"` // 1-based; 0 for an automatic decision
	Role          string    `json:"role"`
	Decision      string    `json:"decision"` // approved, rejected, auto_approved, fast_path_approved, reviewed
	Actor         string    `json:"actor"`
	Comment       string    `json:"comment"`
	At            time.Time `json:"at"`
}

// Decisions.
const (
	Approved         = "approved"
	Rejected         = "rejected"
	AutoApproved     = "auto_approved"
	FastPathApproved = "fast_path_approved"
)

// CheckDecider says whether p may decide step (1-based) of a requisition
// requested by requester, whose earlier decisions are prior: the requester
// may not (segregation of duties), nor may one person decide two steps, nor
// a role the step does not name (admin may stand in for any role).
func CheckDecider(p millwright.Principal, requester string, steps []millwright.Role, step int, prior []Decision) error {
	if p.Username == requester {
		return millwright.Errorf(millwright.Forbidden, "sod_violation",
			"segregation of duties: %s requested this requisition and so cannot approve or reject it; another user with role %s must decide",
			p.Username, stepRole(steps, step))
	}
	for _, d := range prior {
		if d.Actor == p.Username && d.Step > 0 {
			return millwright.Errorf(millwright.Forbidden, "sod_violation",
				"segregation of duties: %s already decided step %d of this requisition; step %d needs another person", p.Username, d.Step, step)
		}
	}
	want := stepRole(steps, step)
	if p.Role != millwright.Admin && p.Role != want {
		return millwright.Errorf(millwright.Forbidden, "wrong_approver_role",
			"step %d of %d of this requisition's approval is for role %s; role %s cannot decide it", step, len(steps), want, p.Role)
	}
	return nil
}

func stepRole(steps []millwright.Role, step int) millwright.Role {
	if step < 1 || step > len(steps) {
		return millwright.Approver
	}
	return steps[step-1]
}

// Review is an after-the-fact review of a fast-path approval.
type Review struct {
	ID                string          `json:"id"`
	RequisitionID     string          `json:"requisition_id"`
	RequisitionNumber string          `json:"requisition_number"`
	SiteID            string          `json:"site_id"`
	Role              millwright.Role `json:"role"`
	Status            string          `json:"status"` // open, reviewed
	ReviewedBy        string          `json:"reviewed_by"`
	ReviewedAt        *time.Time      `json:"reviewed_at"`
	Comment           string          `json:"comment"`
	CreatedAt         time.Time       `json:"created_at"`
}

// Problem is an overlap or a gap among the rules of a site and priority.
type Problem struct {
	Kind     string   `json:"kind"` // overlap, gap
	SiteID   string   `json:"site_id"`
	Priority int      `json:"priority"`
	RuleIDs  []string `json:"rule_ids"`
	Message  string   `json:"message"`
}

// Validate reports, for each site that has rules (and any site) and each
// priority 1 to 4, the amount ranges where two equally specific rules
// overlap, and the ranges from zero up that no rule covers (a gap: such a
// requisition falls back to one approver, which is rarely what was meant).
func Validate(rules []Rule) []Problem {
	sites := []string{""}
	for _, r := range rules {
		if r.SiteID != "" && !slices.Contains(sites, r.SiteID) {
			sites = append(sites, r.SiteID)
		}
	}
	problems := []Problem{}
	for _, site := range sites {
		for p := 1; p <= 4; p++ {
			var band []Rule
			for _, r := range rules {
				if (r.SiteID == site || r.SiteID == "") && (r.MaxPriority == nil || p <= *r.MaxPriority) && r.CostCenter == "" {
					band = append(band, r)
				}
			}
			if len(band) == 0 {
				continue
			}
			problems = append(problems, check(site, p, band)...)
		}
	}
	return problems
}

// check finds overlaps among equally specific rules (which one applies
// would be arbitrary) and gaps in
// the amounts [0, ∞) that the band covers.
func check(site string, p int, band []Rule) []Problem {
	var out []Problem
	label := "any site"
	if site != "" {
		label = "site " + site
	}
	for i := range band {
		for j := i + 1; j < len(band); j++ {
			a, b := band[i], band[j]
			if sameLevel(a, b) {
				if lo, hi, ok := intersect(a, b); ok {
					out = append(out, Problem{Kind: "overlap", SiteID: site, Priority: p, RuleIDs: []string{a.ID, b.ID},
						Message: fmt.Sprintf("rules %s and %s both match priority %d requisitions of %s for amounts %s; narrow one so that each amount has one rule",
							a.ID, b.ID, p, label, span(lo, hi))})
				}
			}
		}
	}
	type iv struct{ lo, hi *millwright.Money }
	var ivs []iv
	for _, r := range band {
		ivs = append(ivs, iv{r.MinAmount, r.MaxAmount})
	}
	slices.SortFunc(ivs, func(a, b iv) int { return cmpLo(a.lo, b.lo) })
	reach := millwright.Money{} // everything below reach is covered
	open := false               // some rule covers up to infinity
	for _, v := range ivs {
		lo := millwright.Money{}
		if v.lo != nil {
			lo = *v.lo
		}
		if lo.GreaterThan(reach.Decimal) {
			out = append(out, Problem{Kind: "gap", SiteID: site, Priority: p, RuleIDs: []string{},
				Message: fmt.Sprintf("no rule matches priority %d requisitions of %s for amounts %s; they wait for one approver. Add a rule or widen one",
					p, label, span(&reach, &lo))})
		}
		if v.hi == nil {
			open = true
			break
		}
		if v.hi.GreaterThan(reach.Decimal) {
			reach = *v.hi
		}
	}
	if !open {
		out = append(out, Problem{Kind: "gap", SiteID: site, Priority: p, RuleIDs: []string{},
			Message: fmt.Sprintf("no rule matches priority %d requisitions of %s for amounts %s; they wait for one approver. Add a rule with no max_amount",
				p, label, span(&reach, nil))})
	}
	return out
}

func sameLevel(a, b Rule) bool {
	return (a.SiteID == "") == (b.SiteID == "") && prio(a) == prio(b)
}

func cmpLo(a, b *millwright.Money) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Cmp(b.Decimal)
}

// intersect returns the amounts both rules match, if any.
func intersect(a, b Rule) (lo, hi *millwright.Money, ok bool) {
	lo = a.MinAmount
	if cmpLo(b.MinAmount, lo) > 0 {
		lo = b.MinAmount
	}
	hi = a.MaxAmount
	if hi == nil || (b.MaxAmount != nil && b.MaxAmount.LessThan(hi.Decimal)) {
		hi = b.MaxAmount
	}
	if hi == nil {
		return lo, hi, true
	}
	l := millwright.Money{}
	if lo != nil {
		l = *lo
	}
	return lo, hi, l.LessThan(hi.Decimal)
}

func span(lo, hi *millwright.Money) string {
	l := "0.00"
	if lo != nil {
		l = lo.String()
	}
	if hi == nil {
		return "from " + l + " up"
	}
	return "from " + l + " up to (not including) " + hi.String()
}
