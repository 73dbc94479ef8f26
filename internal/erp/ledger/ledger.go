// Package ledger is the embedded ERP's general ledger: a chart of accounts,
// cost centers, and an immutable double-entry journal whose entries are
// balanced or refused and are corrected only by reversal.
package ledger

import (
	"context"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/shopspring/decimal"
)

// Account types. Expense accounts are the ones a work order's cost and a
// cost center's budget are read from.
const (
	Asset     = "asset"
	Liability = "liability"
	Equity    = "equity"
	Income    = "income"
	Expense   = "expense"
)

// The accounts the postings use; the chart is seeded with them.
const (
	Inventory           = "1400"
	AccountsPayable     = "2000"
	GRIR                = "2100"
	OpeningEquity       = "3000"
	LaborAbsorption     = "5100"
	MaintenanceExpense  = "6100"
	MaintenanceLabor    = "6110"
	MaintenanceMaterial = "6120"
	ExternalServices    = "6130"
	PriceVariance       = "6150"
	InventoryAdjustment = "6190"
)

// Account is an account of the chart.
type Account struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Chart is the seeded chart of accounts.
var Chart = []Account{
	{Inventory, "Inventory", Asset},
	{AccountsPayable, "Accounts payable", Liability},
	{GRIR, "Goods received / invoice received clearing", Liability},
	{OpeningEquity, "Opening balance equity", Equity},
	{LaborAbsorption, "Labor absorption", Income},
	{MaintenanceExpense, "Maintenance expense", Expense},
	{MaintenanceLabor, "Maintenance labor", Expense},
	{MaintenanceMaterial, "Maintenance material", Expense},
	{ExternalServices, "External services", Expense},
	{PriceVariance, "Purchase price variance", Expense},
	{InventoryAdjustment, "Inventory adjustments", Expense},
}

// CostCenter is a cost center; one is created the first time a posting or
// a budget names it.
type CostCenter struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Entry is a journal entry. Once posted it never changes.
type Entry struct {
	ID         string    `json:"id"`
	Number     string    `json:"number"`
	At         time.Time `json:"at"`
	Period     string    `json:"period"` // YYYY-MM of At in the site's time zone
	SiteID     string    `json:"site_id,omitempty"`
	Memo       string    `json:"memo"`
	Source     string    `json:"source"`    // labor, issue, receipt, invoice, manual, reversal, …
	SourceID   string    `json:"source_id"` // the document that caused it
	ReversesID string    `json:"reverses_id,omitempty"`
	ReversedBy string    `json:"reversed_by,omitempty"`
	CreatedBy  string    `json:"created_by"`
	Lines      []Line    `json:"lines"`
}

// Line is one debit or credit of an entry.
type Line struct {
	Account     string           `json:"account"`
	Debit       millwright.Money `json:"debit"`
	Credit      millwright.Money `json:"credit"`
	CostCenter  string           `json:"cost_center"`
	WorkOrderID string           `json:"work_order_id"`
	AssetID     string           `json:"asset_id"`
}

// Dr returns a debit line of amount on account; a negative amount becomes a credit.
func Dr(account string, amount millwright.Money, costCenter, workOrderID, assetID string) Line {
	l := Line{Account: account, CostCenter: costCenter, WorkOrderID: workOrderID, AssetID: assetID}
	if amount.IsNegative() {
		l.Credit = millwright.Money{Decimal: amount.Neg()}
	} else {
		l.Debit = amount
	}
	return l
}

// Cr returns a credit line of amount on account; a negative amount becomes a debit.
func Cr(account string, amount millwright.Money, costCenter, workOrderID, assetID string) Line {
	return Dr(account, millwright.Money{Decimal: amount.Neg()}, costCenter, workOrderID, assetID)
}

// Totals returns the sum of debits and of credits.
func (e *Entry) Totals() (debit, credit millwright.Money) {
	for _, l := range e.Lines {
		debit, credit = debit.Add(l.Debit), credit.Add(l.Credit)
	}
	return debit, credit
}

// Validate says why e cannot be posted: lines that are neither a debit nor
// a credit, amounts with fractions of a cent, or debits that differ from credits.
func (e *Entry) Validate() error {
	if len(e.Lines) < 2 {
		return millwright.Errorf(millwright.Rule, "unbalanced", "a journal entry needs at least two lines, a debit and a credit")
	}
	for i, l := range e.Lines {
		if l.Account == "" {
			return millwright.Errorf(millwright.Invalid, "missing_field", "line %d names no account", i+1)
		}
		if l.Debit.IsNegative() || l.Credit.IsNegative() || l.Debit.IsPositive() == l.Credit.IsPositive() {
			return millwright.Errorf(millwright.Rule, "bad_line",
				"line %d (account %s) must have either a positive debit or a positive credit, not both or neither", i+1, l.Account)
		}
		if !l.Debit.Equal(l.Debit.Round().Decimal) || !l.Credit.Equal(l.Credit.Round().Decimal) {
			return millwright.Errorf(millwright.Rule, "bad_amount", "line %d (account %s) has fractions of a cent; round amounts to cents", i+1, l.Account)
		}
	}
	if d, c := e.Totals(); !d.Equal(c.Decimal) {
		return millwright.Errorf(millwright.Rule, "unbalanced",
			"the entry is not balanced: debits %s, credits %s; every entry's debits must equal its credits", d.String(), c.String())
	}
	return nil
}

// Reversal returns the entry that undoes e: the same lines, debits and
// credits swapped.
func (e *Entry) Reversal(memo string) *Entry {
	r := &Entry{SiteID: e.SiteID, Memo: memo, Source: "reversal", SourceID: e.ID, ReversesID: e.ID}
	if r.Memo == "" {
		r.Memo = "reversal of " + e.Number
	}
	for _, l := range e.Lines {
		l.Debit, l.Credit = l.Credit, l.Debit
		r.Lines = append(r.Lines, l)
	}
	return r
}

// compact drops zero lines, so a posting with nothing to say (a variance of
// nothing) leaves no trace; it reports whether anything is left.
func (e *Entry) compact() bool {
	var out []Line
	for _, l := range e.Lines {
		if !l.Debit.IsZero() || !l.Credit.IsZero() {
			out = append(out, l)
		}
	}
	e.Lines = out
	return len(out) > 0
}

// Tx is what posting needs from a database transaction.
type Tx interface {
	ERPAccount(ctx context.Context, code string) (*Account, error)
	EnsureERPCostCenter(ctx context.Context, code string) error
	ERPSiteTimeZone(ctx context.Context, siteID string) (*time.Location, error)
	InsertERPEntry(ctx context.Context, e *Entry) error
	Audit(ctx context.Context, entityType, entityID, action string, before, after any) error
	Now() time.Time
	Actor() millwright.Principal
}

// ExpenseAccount returns the account a CMMS message asks to charge: code,
// which must be an expense account of the chart other than the variance
// and adjustment accounts the ERP keeps itself, or def when code is empty.
func ExpenseAccount(ctx context.Context, tx Tx, code, def string) (string, error) {
	if code == "" {
		return def, nil
	}
	a, err := tx.ERPAccount(ctx, code)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return "", millwright.Errorf(millwright.Rule, "unknown_account",
			"account %s is not in the ERP's chart of accounts; charge an expense account of the chart (GET /api/v1/erp/ledger/accounts)", code)
	}
	if err != nil {
		return "", err
	}
	if a.Type != Expense || a.Code == PriceVariance || a.Code == InventoryAdjustment {
		return "", millwright.Errorf(millwright.Rule, "not_expense_account",
			"account %s (%s) is not an account maintenance costs are charged to; charge an expense account such as %s", a.Code, a.Name, MaintenanceExpense)
	}
	return a.Code, nil
}

// Post posts e: it drops zero lines, checks that e is balanced and that its
// accounts exist, creates cost centers on first use, and stores e with its
// number, time and period. An entry with no amount left is not posted and
// Post returns false.
func Post(ctx context.Context, tx Tx, e *Entry) (bool, error) {
	if !e.compact() {
		return false, nil
	}
	if err := e.Validate(); err != nil {
		return false, err
	}
	seen := map[string]bool{}
	for _, l := range e.Lines {
		if !seen[l.Account] {
			if _, err := tx.ERPAccount(ctx, l.Account); err != nil {
				return false, millwright.Errorf(millwright.Rule, "unknown_account",
					"account %s is not in the chart of accounts; see GET /api/v1/erp/ledger/accounts", l.Account)
			}
			seen[l.Account] = true
		}
		if l.CostCenter != "" && !seen["cc:"+l.CostCenter] {
			if err := tx.EnsureERPCostCenter(ctx, l.CostCenter); err != nil {
				return false, err
			}
			seen["cc:"+l.CostCenter] = true
		}
	}
	loc, err := tx.ERPSiteTimeZone(ctx, e.SiteID)
	if err != nil {
		return false, err
	}
	e.At, e.CreatedBy = tx.Now(), tx.Actor().Username
	e.Period = Period(e.At, loc)
	if err := tx.InsertERPEntry(ctx, e); err != nil {
		return false, err
	}
	return true, tx.Audit(ctx, "erp_entry", e.ID, "post", nil, e)
}

// Period is the YYYY-MM of t in loc.
func Period(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01") }

// Balance is one account's total in the trial balance.
type Balance struct {
	Account string           `json:"account"`
	Name    string           `json:"name"`
	Type    string           `json:"type"`
	Debit   millwright.Money `json:"debit"`
	Credit  millwright.Money `json:"credit"`
	Balance millwright.Money `json:"balance"` // debit − credit
}

// TrialBalance is every account's debits and credits; Balanced says the
// balances sum to zero.
type TrialBalance struct {
	Accounts []Balance `json:"accounts"`
	Balanced bool      `json:"balanced"`
}

// NewTrialBalance fills the balances and says whether they sum to zero.
func NewTrialBalance(accounts []Balance) TrialBalance {
	sum := decimal.Zero
	for i := range accounts {
		a := &accounts[i]
		a.Balance = a.Debit.Sub(a.Credit)
		sum = sum.Add(a.Balance.Decimal)
	}
	if accounts == nil {
		accounts = []Balance{}
	}
	return TrialBalance{Accounts: accounts, Balanced: sum.IsZero()}
}
