package erp_test

import (
	"context"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// A message's expense_account decides the account labor and issues are
// charged to; one the chart does not have, or one that takes no
// maintenance cost, is refused with the account named, and nothing posts.
func TestExpenseAccountOfMessages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := erp.New(db)
		mustItem(t, e, "FLT-10", procurement.StockItem, "Mann", "10.00")
		mustSend(t, e, message(t, "stock-in", "sam", integration.StockMovement{Movement: integration.MoveAdjustment,
			ERPItemCode: "FLT-10", Warehouse: "MAIN", Quantity: millwright.NewQty(10), Value: millwright.MustMoney("100.00")}))
		labor := func(key, account string) integration.Message {
			return message(t, key, "tom", integration.LaborCost{WorkOrderID: "wo_1", CostCenter: "4100", Hours: millwright.NewQty(2),
				Amount: millwright.MustMoney("90.00"), ExpenseAccount: account})
		}
		issue := func(key, account string) integration.Message {
			return message(t, key, "sam", integration.StockMovement{Movement: integration.MoveIssue, ERPItemCode: "FLT-10",
				Warehouse: "MAIN", Quantity: millwright.NewQty(-2), WorkOrderID: "wo_1", CostCenter: "4100", ExpenseAccount: account})
		}
		tests := []struct {
			name    string
			m       integration.Message
			code    string // "" : posted
			account string // where the work order is charged
			amount  string
		}{
			{"labor, no account: the default", labor("l1", ""), "", "6100", "90.00"},
			{"labor to maintenance labor", labor("l2", "6110"), "", "6110", "90.00"},
			{"issue to maintenance material", issue("i1", "6120"), "", "6120", "20.00"},
			{"labor to an account the chart lacks", labor("l3", "6999"), "unknown_account", "", ""},
			{"issue to the inventory account", issue("i2", "1400"), "not_expense_account", "", ""},
			{"labor to the price variance account", labor("l4", "6150"), "not_expense_account", "", ""},
		}
		charged := map[string]millwright.Money{}
		for _, tt := range tests {
			_, err := e.Send(context.Background(), tt.m)
			if millwright.ErrorCode(err) != tt.code {
				t.Fatalf("%s: Send = %v; want code %q", tt.name, err, tt.code)
			}
			if tt.code != "" {
				if millwright.ErrorKind(err) != millwright.Rule || !contains(err.Error(), "account") {
					t.Fatalf("%s: error %v; want a Rule error naming the account", tt.name, err)
				}
				continue
			}
			charged[tt.account] = charged[tt.account].Add(millwright.MustMoney(tt.amount))
		}
		got := map[string]millwright.Money{}
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			p, err := tx.ERPEntries(context.Background(), store.ERPEntryFilter{WorkOrderID: "wo_1", Limit: 100})
			for _, en := range p.Items {
				for _, l := range en.Lines {
					if l.WorkOrderID == "wo_1" && l.Account != "1400" && l.Account != "5100" {
						got[l.Account] = got[l.Account].Add(l.Debit).Sub(l.Credit)
					}
				}
			}
			if err != nil {
				return err
			}
			tb, err := tx.ERPTrialBalance(context.Background())
			if err == nil && !tb.Balanced {
				t.Errorf("trial balance = %+v; want balanced", tb)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for acc, want := range charged {
			if !got[acc].Equal(want.Decimal) {
				t.Errorf("work order charged on %s = %s; want %s (all: %v)", acc, got[acc], want, got)
			}
		}
		if len(got) != len(charged) {
			t.Errorf("work order charged on %v; want only %v", got, charged)
		}
	})
}
