package asset

import (
	"context"
	"fmt"
	"strings"

	"github.com/millwright-cmms/millwright"
)

// ValidateBOM checks the lines of a maintenance BOM on their own: each
// names an item, once, with a quantity above zero. Nil lines are refused,
// so that a body without "lines" cannot empty a BOM by mistake.
func ValidateBOM(lines []BOMLine) error {
	if lines == nil {
		return millwright.Errorf(millwright.Invalid, "missing_field",
			`lines is required; send {"lines":[]} to empty the BOM`)
	}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		l.ItemID = strings.TrimSpace(l.ItemID)
		if l.ItemID == "" {
			return missing("item_id", "every BOM line")
		}
		if !l.Quantity.IsPositive() {
			return millwright.Errorf(millwright.Invalid, "invalid_quantity",
				"BOM line %d (item %s) has quantity %s; a quantity must be more than zero", i+1, l.ItemID, l.Quantity)
		}
		if seen[l.ItemID] {
			return millwright.Errorf(millwright.Invalid, "duplicate_line",
				"item %s appears twice in the BOM; list each item once with its total quantity", l.ItemID)
		}
		seen[l.ItemID] = true
	}
	return nil
}

// checkBOM validates lines and checks that every item exists.
func checkBOM(ctx context.Context, tx Tx, lines []BOMLine) error {
	if err := ValidateBOM(lines); err != nil {
		return err
	}
	for i, l := range lines {
		it, err := tx.Item(ctx, l.ItemID)
		if err != nil {
			return related(err, "unknown_item", "BOM item %s does not exist; create the item first or use an existing item's id", l.ItemID)
		}
		if err := it.CheckQuantity(fmt.Sprintf("lines[%d].quantity", i), l.Quantity); err != nil {
			return err
		}
	}
	return nil
}
