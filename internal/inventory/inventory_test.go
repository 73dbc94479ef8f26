package inventory

import (
	"errors"
	"testing"

	"github.com/millwright-cmms/millwright"
)

var (
	q = millwright.MustQty
	m = millwright.MustMoney
)

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("%s = %v; want nil", what, err)
		}
		return
	}
	var e *millwright.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s = %v; want code %s", what, err, code)
	}
}

func TestItemValidate(t *testing.T) {
	item := func(mod func(it *Item)) Item {
		it := Item{PartNumber: "P-1", Description: "Seal", Unit: "EA", StockType: StockItem, UnitCost: m("1.00")}
		mod(&it)
		return it
	}
	conv := func(cs ...Conversion) func(it *Item) { return func(it *Item) { it.Conversions = cs } }
	for _, c := range []struct {
		name string
		item Item
		code string
	}{
		{"ok", item(func(*Item) {}), ""},
		{"direct", item(func(it *Item) { it.StockType = DirectItem }), ""},
		{"free", item(func(it *Item) { it.UnitCost = m("0") }), ""},
		{"conversions", item(conv(Conversion{"BOX", q("10")}, Conversion{"PAL", q("400")})), ""},
		{"no part number", item(func(it *Item) { it.PartNumber = " " }), "missing_field"},
		{"no description", item(func(it *Item) { it.Description = "" }), "missing_field"},
		{"no unit", item(func(it *Item) { it.Unit = "" }), "missing_field"},
		{"no stock type", item(func(it *Item) { it.StockType = "" }), "missing_field"},
		{"bad stock type", item(func(it *Item) { it.StockType = "consignment" }), "invalid_stock_type"},
		{"negative cost", item(func(it *Item) { it.UnitCost = m("-0.01") }), "invalid_unit_cost"},
		{"conversion without unit", item(conv(Conversion{"", q("10")})), "missing_field"},
		{"conversion of base unit", item(conv(Conversion{"EA", q("1")})), "invalid_conversion"},
		{"conversion twice", item(conv(Conversion{"BOX", q("10")}, Conversion{"BOX ", q("12")})), "invalid_conversion"},
		{"zero factor", item(conv(Conversion{"BOX", q("0")})), "invalid_conversion"},
		{"negative factor", item(conv(Conversion{"BOX", q("-10")})), "invalid_conversion"},
	} {
		t.Run(c.name, func(t *testing.T) {
			it := c.item
			wantCode(t, "Validate", it.Validate(), c.code)
			if c.code == "" && it.Conversions == nil {
				t.Fatal("Conversions = nil; want an empty list so JSON shows []")
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	for _, c := range []struct {
		name        string
		rp, rq, max string
		code        string
	}{
		{"none", "0", "0", "0", ""},
		{"reorder quantity", "5", "20", "0", ""},
		{"up to max", "5", "0", "30", ""},
		{"max equals point", "5", "1", "5", ""},
		{"negative point", "-1", "0", "0", "invalid_quantity"},
		{"negative quantity", "0", "-1", "0", "invalid_quantity"},
		{"negative max", "0", "0", "-1", "invalid_quantity"},
		{"max below point", "10", "5", "9", "max_below_reorder_point"},
		{"nothing to order", "10", "0", "0", "no_reorder_quantity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Settings{ReorderPoint: q(c.rp), ReorderQuantity: q(c.rq), MaxQuantity: q(c.max)}
			wantCode(t, "Validate", s.Validate(), c.code)
		})
	}
}

func TestAdjustmentValidate(t *testing.T) {
	cost := m("4.00")
	neg := m("-1")
	adj := func(mod func(a *Adjustment)) Adjustment {
		a := Adjustment{StoreroomID: "str_1", ItemID: "itm_1", Quantity: q("10"), UnitCost: &cost, Reason: "count"}
		mod(&a)
		return a
	}
	for _, c := range []struct {
		name string
		adj  Adjustment
		code string
	}{
		{"add", adj(func(*Adjustment) {}), ""},
		{"remove without cost", adj(func(a *Adjustment) { a.Quantity, a.UnitCost = q("-3"), nil }), ""},
		{"no storeroom", adj(func(a *Adjustment) { a.StoreroomID = "" }), "missing_field"},
		{"no item", adj(func(a *Adjustment) { a.ItemID = "" }), "missing_field"},
		{"no reason", adj(func(a *Adjustment) { a.Reason = "  " }), "missing_field"},
		{"zero", adj(func(a *Adjustment) { a.Quantity = q("0") }), "invalid_quantity"},
		{"add without cost", adj(func(a *Adjustment) { a.UnitCost = nil }), "missing_field"},
		{"negative cost", adj(func(a *Adjustment) { a.UnitCost = &neg }), "invalid_unit_cost"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.adj
			wantCode(t, "Validate", a.Validate(), c.code)
		})
	}
}

// TestMovingAverage walks a stock through adjustments and checks the
// count, value and average cost after each, exactly.
func TestMovingAverage(t *testing.T) {
	var s Stock
	for _, step := range []struct {
		qty, cost                  string
		change, onHand, value, avg string
		code                       string
	}{
		{"10", "4.00", "40.00", "10", "40.00", "4", ""},
		{"10", "5.00", "50.00", "20", "90.00", "4.5", ""},
		{"-5", "0", "-22.50", "15", "67.50", "4.5", ""},
		{"-16", "0", "", "15", "67.50", "4.5", "insufficient_stock"},
		{"3", "1.00", "3.00", "18", "70.50", "3.9167", ""},
		{"-7", "0", "-27.42", "11", "43.08", "3.9164", ""},
		{"-11", "0", "-43.08", "0", "0", "0", ""},
		{"0", "0", "", "0", "0", "0", "invalid_quantity"},
	} {
		change, err := s.Adjust(q(step.qty), m(step.cost), "F-10")
		wantCode(t, "Adjust("+step.qty+")", err, step.code)
		if err == nil && !change.Equal(m(step.change).Decimal) {
			t.Fatalf("Adjust(%s @ %s) change = %s; want %s", step.qty, step.cost, change.Decimal, step.change)
		}
		if !s.OnHand.Equal(q(step.onHand).Decimal) || !s.Value.Equal(m(step.value).Decimal) || !s.AverageCost.Equal(m(step.avg).Decimal) {
			t.Fatalf("after Adjust(%s @ %s): on hand %s, value %s, average %s; want %s, %s, %s",
				step.qty, step.cost, s.OnHand, s.Value.Decimal, s.AverageCost.Decimal, step.onHand, step.value, step.avg)
		}
	}
}
