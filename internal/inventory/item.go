package inventory

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// Validate checks an item's fields, trimming them. Conversions must name
// a unit other than the base unit, once each, with a factor above zero.
func (it *Item) Validate() error {
	for _, f := range []*string{&it.PartNumber, &it.Description, &it.Unit, &it.StockType, &it.Vendor, &it.ItemGroup, &it.ExpenseAccount} {
		*f = strings.TrimSpace(*f)
	}
	switch {
	case it.PartNumber == "":
		return missing("part_number", "an item")
	case it.Description == "":
		return missing("description", "an item")
	case it.Unit == "":
		return missing("unit", "an item")
	case it.StockType == "":
		return missing("stock_type", "an item")
	}
	if it.StockType != StockItem && it.StockType != DirectItem {
		return millwright.Errorf(millwright.Invalid, "invalid_stock_type",
			"stock_type %q is not one of %s (kept in storerooms) or %s (bought for each work order)", it.StockType, StockItem, DirectItem)
	}
	if it.UnitCost.IsNegative() {
		return millwright.Errorf(millwright.Invalid, "invalid_unit_cost",
			"unit_cost %s is below zero; an estimate is zero or more", it.UnitCost)
	}
	if it.Conversions == nil {
		it.Conversions = []Conversion{}
	}
	seen := map[string]bool{}
	for i := range it.Conversions {
		c := &it.Conversions[i]
		c.Unit = strings.TrimSpace(c.Unit)
		switch {
		case c.Unit == "":
			return missing("unit", "every conversion")
		case c.Unit == it.Unit:
			return millwright.Errorf(millwright.Invalid, "invalid_conversion",
				"unit %s is the base unit of part %s and needs no conversion; remove it", c.Unit, it.PartNumber)
		case seen[c.Unit]:
			return millwright.Errorf(millwright.Invalid, "invalid_conversion",
				"unit %s appears twice in the conversions of part %s; list each unit once", c.Unit, it.PartNumber)
		case !c.Factor.IsPositive():
			return millwright.Errorf(millwright.Invalid, "invalid_conversion",
				"unit %s of part %s has factor %s; a factor (base units per %s) must be more than zero", c.Unit, it.PartNumber, c.Factor, c.Unit)
		}
		seen[c.Unit] = true
	}
	return nil
}

// ItemPatch is a change to an item; nil fields stay as they are.
// Conversions, when sent, replace the item's list.
type ItemPatch struct {
	PartNumber     *string           `json:"part_number"`
	Description    *string           `json:"description"`
	Unit           *string           `json:"unit"`
	StockType      *string           `json:"stock_type"`
	UnitCost       *millwright.Money `json:"unit_cost"`
	Vendor         *string           `json:"vendor"`
	ItemGroup      *string           `json:"item_group"`
	ExpenseAccount *string           `json:"expense_account"`
	Conversions    *[]Conversion     `json:"conversions"`
}

// CreateItem creates an item of the material master, shared by every site.
func CreateItem(ctx context.Context, tx Tx, it *Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	if err := tx.CreateItem(ctx, it); err != nil {
		return err
	}
	return tx.Audit(ctx, "item", it.ID, "create", nil, it)
}

// UpdateItem changes an item. Its unit and stock type are fixed while any
// storeroom holds or reserves it: the stock on hand is counted in that
// unit and valued as a stock item.
func UpdateItem(ctx context.Context, tx Tx, id string, p ItemPatch) (*Item, error) {
	it, err := tx.ItemForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *it
	set(&it.PartNumber, p.PartNumber)
	set(&it.Description, p.Description)
	set(&it.Unit, p.Unit)
	set(&it.StockType, p.StockType)
	set(&it.UnitCost, p.UnitCost)
	set(&it.Vendor, p.Vendor)
	set(&it.ItemGroup, p.ItemGroup)
	set(&it.ExpenseAccount, p.ExpenseAccount)
	set(&it.Conversions, p.Conversions)
	if err := it.Validate(); err != nil {
		return nil, err
	}
	if it.Unit != before.Unit || it.StockType != before.StockType {
		held, err := tx.ItemHasStock(ctx, it.ID)
		if err != nil {
			return nil, err
		}
		if held {
			return nil, millwright.Errorf(millwright.Rule, "item_has_stock",
				"part %s is held or reserved in a storeroom, so its unit and stock type cannot change; adjust its stock to zero first",
				before.PartNumber)
		}
	}
	if err := tx.SaveItem(ctx, it); err != nil {
		return nil, err
	}
	return it, tx.Audit(ctx, "item", it.ID, "update", before, it)
}
