package procurement_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
)

func TestTolerance(t *testing.T) {
	tests := []struct {
		pct, amount, expected, want string
	}{
		{"2", "0", "100.00", "2.00"},
		{"2", "5", "100.00", "5.00"},   // the amount is larger
		{"2", "1", "1000.00", "20.00"}, // the percentage is larger
		{"0", "0", "100.00", "0.00"},
		{"2", "0", "0.10", "0.00"},
	}
	for _, tt := range tests {
		s := procurement.Settings{TolerancePercent: millwright.MustQty(tt.pct), ToleranceAmount: millwright.MustMoney(tt.amount)}
		if got := s.Tolerance(millwright.MustMoney(tt.expected)).String(); got != tt.want {
			t.Errorf("Tolerance(%s%%, %s) of %s = %s; want %s", tt.pct, tt.amount, tt.expected, got, tt.want)
		}
	}
}

func TestItemCheck(t *testing.T) {
	ok := procurement.Item{Code: "BRG", Unit: "EA", Vendor: "SKF", StockType: procurement.DirectItem}
	tests := []struct {
		name string
		edit func(*procurement.Item)
		code string
	}{
		{"valid", func(*procurement.Item) {}, ""},
		{"no code", func(i *procurement.Item) { i.Code = "" }, "missing_field"},
		{"direct item with no vendor", func(i *procurement.Item) { i.Vendor = "" }, ""},
		{"stock item with no vendor", func(i *procurement.Item) { i.Vendor, i.StockType = "", procurement.StockItem }, "missing_field"},
		{"bad stock type", func(i *procurement.Item) { i.StockType = "bulk" }, "bad_stock_type"},
		{"negative price", func(i *procurement.Item) { i.Price = millwright.MustMoney("-1") }, "bad_amount"},
	}
	for _, tt := range tests {
		it := ok
		tt.edit(&it)
		if got := millwright.ErrorCode(it.Check()); got != tt.code {
			t.Errorf("%s: Check = %q; want %q", tt.name, got, tt.code)
		}
	}
}
