// Package inventory is the material master and the maintenance storerooms:
// items, their units, stock on hand and reserved, reorder settings, and the
// moving-average value of each stock.
package inventory

import (
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/shopspring/decimal"
)

// Stock types of an item.
const (
	StockItem  = "stock"  // kept in storerooms, issued at moving-average cost
	DirectItem = "direct" // not stocked: bought for the work order that needs it
)

// Item is a material master record.
type Item struct {
	ID             string           `json:"id"`
	PartNumber     string           `json:"part_number"`
	Description    string           `json:"description"`
	Unit           string           `json:"unit"`
	StockType      string           `json:"stock_type"`
	UnitCost       millwright.Money `json:"unit_cost"`
	Vendor         string           `json:"vendor"`
	ItemGroup      string           `json:"item_group"`
	ExpenseAccount string           `json:"expense_account"`
	Conversions    []Conversion     `json:"conversions"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

// Conversion says that one Unit is Factor base units: a BOX is 10 EA.
type Conversion struct {
	Unit   string         `json:"unit"`
	Factor millwright.Qty `json:"factor"`
}

// ToBase converts q in unit u to the item's base unit. The quantity must
// be one unit u can count (no half EA, see millwright.UnitDecimals), and
// so must its conversion to the base unit.
func (it *Item) ToBase(q millwright.Qty, u string) (millwright.Qty, error) {
	if u == "" || u == it.Unit {
		return q, it.CheckQuantity("quantity", q)
	}
	for _, c := range it.Conversions {
		if c.Unit == u {
			if err := millwright.CheckUnitQuantity("quantity", q, u); err != nil {
				return q, err
			}
			base := millwright.Qty{Decimal: q.Mul(c.Factor.Decimal)}
			return base, it.CheckQuantity("quantity in "+it.Unit, base)
		}
	}
	return q, millwright.Errorf(millwright.Rule, "unknown_unit",
		"part %s has no conversion from %s to its unit %s; add one to the item's conversions or use %s",
		it.PartNumber, u, it.Unit, it.Unit)
}

// CheckQuantity checks that q can be counted in the item's base unit.
func (it *Item) CheckQuantity(field string, q millwright.Qty) error {
	return millwright.CheckUnitQuantity(field, q, it.Unit)
}

// Storeroom is a maintenance storeroom of a site.
type Storeroom struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	SiteID    string    `json:"site_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Stock is one item in one storeroom. Value is the total value on hand; the
// moving-average cost is Value / OnHand, so issuing everything empties the
// value exactly.
type Stock struct {
	StoreroomID     string           `json:"storeroom_id"`
	ItemID          string           `json:"item_id"`
	OnHand          millwright.Qty   `json:"on_hand"`
	Reserved        millwright.Qty   `json:"reserved"`
	Available       millwright.Qty   `json:"available"`
	ReorderPoint    millwright.Qty   `json:"reorder_point"`
	ReorderQuantity millwright.Qty   `json:"reorder_quantity"`
	MaxQuantity     millwright.Qty   `json:"max_quantity"`
	AverageCost     millwright.Money `json:"average_cost"`
	Value           millwright.Money `json:"value"`
	BelowReorder    bool             `json:"below_reorder_point"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// Derive fills the derived fields: Available, AverageCost, BelowReorder.
func (s *Stock) Derive() {
	s.Available = s.OnHand.Sub(s.Reserved)
	if s.Available.IsNegative() {
		s.Available = millwright.Qty{}
	}
	if s.OnHand.IsPositive() {
		s.AverageCost = millwright.Money{Decimal: s.Value.Div(s.OnHand.Decimal).Round(4)}
	} else {
		s.AverageCost = millwright.Money{}
	}
	s.BelowReorder = s.ReorderPoint.IsPositive() && s.OnHand.LessThan(s.ReorderPoint.Decimal)
}

// Receive adds q units at unitCost each and recomputes the moving average.
func (s *Stock) Receive(q millwright.Qty, unitCost millwright.Money) {
	s.OnHand = s.OnHand.Add(q)
	s.Value = s.Value.Add(unitCost.Times(q))
	s.Derive()
}

// Issue removes q units and returns their value at the moving-average
// cost. It refuses to take stock below zero or to take stock reserved for
// others; fromReservation is how much of q was reserved for this use.
func (s *Stock) Issue(q, fromReservation millwright.Qty, partNumber string) (millwright.Money, error) {
	if !q.IsPositive() {
		return millwright.Money{}, millwright.Errorf(millwright.Invalid, "invalid_quantity", "quantity must be more than zero")
	}
	free := s.OnHand.Sub(s.Reserved).Add(fromReservation)
	if q.GreaterThan(s.OnHand.Decimal) || q.GreaterThan(free.Decimal) {
		return millwright.Money{}, millwright.Errorf(millwright.Conflict, "insufficient_stock",
			"part %s: only %s available in the storeroom (on hand %s, reserved %s); %s requested. Issue less, or receive or adjust stock first",
			partNumber, maxZero(free), s.OnHand, s.Reserved, q)
	}
	var cost millwright.Money
	if q.Equal(s.OnHand.Decimal) {
		cost = s.Value
	} else {
		cost = millwright.Money{Decimal: s.Value.Mul(q.Decimal).Div(s.OnHand.Decimal).Round(2)}
	}
	s.OnHand = s.OnHand.Sub(q)
	s.Value = s.Value.Sub(cost)
	s.Reserved = millwright.Qty{Decimal: decimal.Max(s.Reserved.Sub(fromReservation).Decimal, decimal.Zero)}
	s.Derive()
	return cost, nil
}

// Return puts q units back at value (what they cost when issued).
func (s *Stock) Return(q millwright.Qty, value millwright.Money) {
	s.OnHand = s.OnHand.Add(q)
	s.Value = s.Value.Add(value)
	s.Derive()
}

// Adjust changes the count by q (signed). A positive count adds stock at
// unitCost; a negative one removes it at the moving-average cost. It
// returns the change in value.
func (s *Stock) Adjust(q millwright.Qty, unitCost millwright.Money, partNumber string) (millwright.Money, error) {
	switch {
	case q.IsPositive():
		before := s.Value
		s.Receive(q, unitCost)
		return s.Value.Sub(before), nil
	case q.IsNegative():
		neg := millwright.Qty{Decimal: q.Neg()}
		if neg.GreaterThan(s.OnHand.Decimal) {
			return millwright.Money{}, millwright.Errorf(millwright.Rule, "insufficient_stock",
				"part %s: cannot remove %s, only %s on hand; stock never goes below zero", partNumber, neg, s.OnHand)
		}
		cost, err := s.Issue(neg, neg, partNumber)
		return millwright.Money{Decimal: cost.Neg()}, err
	default:
		return millwright.Money{}, millwright.Errorf(millwright.Invalid, "invalid_quantity", "an adjustment quantity cannot be zero")
	}
}

// Reserve sets aside q units for a work order. Reservations may exceed
// what is on hand: the shortage shows as zero available.
func (s *Stock) Reserve(q millwright.Qty) {
	s.Reserved = s.Reserved.Add(q)
	s.Derive()
}

// Unreserve releases up to q reserved units.
func (s *Stock) Unreserve(q millwright.Qty) {
	s.Reserved = millwright.Qty{Decimal: decimal.Max(s.Reserved.Sub(q).Decimal, decimal.Zero)}
	s.Derive()
}

func maxZero(q millwright.Qty) millwright.Qty {
	if q.IsNegative() {
		return millwright.Qty{}
	}
	return q
}

// Movement is a change of stock: an adjustment, issue, return or receipt.
type Movement struct {
	ID          string           `json:"id"`
	StoreroomID string           `json:"storeroom_id"`
	ItemID      string           `json:"item_id"`
	Kind        string           `json:"kind"`
	Quantity    millwright.Qty   `json:"quantity"`
	Value       millwright.Money `json:"value"`
	WorkOrderID string           `json:"work_order_id"`
	Reason      string           `json:"reason"`
	Actor       string           `json:"actor"`
	At          time.Time        `json:"at"`
}

// Kinds of Movement.
const (
	MoveAdjustment = "adjustment"
	MoveIssue      = "issue"
	MoveReturn     = "return"
	MoveReceipt    = "receipt"
)
