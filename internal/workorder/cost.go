package workorder

import (
	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

// Cost is one view of a work order's cost, split by what it is for.
type Cost struct {
	Labor    millwright.Money `json:"labor"`
	Parts    millwright.Money `json:"parts"`    // stock items from storerooms
	Direct   millwright.Money `json:"direct"`   // direct items bought for the work order
	Services millwright.Money `json:"services"` // outside services
	Total    millwright.Money `json:"total"`
}

func (c *Cost) sum() {
	c.Total = c.Labor.Add(c.Parts).Add(c.Direct).Add(c.Services)
}

// Costs is a work order's cost: what the plan expects, what open purchase
// orders commit, and what has been spent.
type Costs struct {
	WorkOrderID string `json:"work_order_id"`
	Number      string `json:"number"`
	Estimated   Cost   `json:"estimated"`
	Committed   Cost   `json:"committed"`
	Actual      Cost   `json:"actual"`
}

// ComputeCosts adds up a work order's cost from its records, exactly:
//   - estimated: the work order's estimated labor; each material line's
//     quantity × estimated unit cost, stock lines as parts, direct lines as
//     direct;
//   - committed: the committed cost of the material lines (open purchase
//     orders, set by procurement);
//   - actual: the labor entries; parts as the net value of the stock that
//     left the storerooms for the work order (issues less returns); direct
//     lines' actual cost (set when they are received and invoiced).
func ComputeCosts(w *WorkOrder, materials []Material, labor []Labor, moves []inventory.Movement) Costs {
	c := Costs{WorkOrderID: w.ID, Number: w.Number}
	c.Estimated.Labor = w.EstimatedLabor
	for _, m := range materials {
		est := m.UnitCost.Times(m.Quantity)
		if m.Direct {
			c.Estimated.Direct = c.Estimated.Direct.Add(est)
			c.Committed.Direct = c.Committed.Direct.Add(m.CommittedCost)
			c.Actual.Direct = c.Actual.Direct.Add(m.ActualCost)
		} else {
			c.Estimated.Parts = c.Estimated.Parts.Add(est)
			c.Committed.Parts = c.Committed.Parts.Add(m.CommittedCost)
		}
	}
	for _, l := range labor {
		c.Actual.Labor = c.Actual.Labor.Add(l.Amount)
	}
	c.Actual.Parts = PartsCost(moves)
	c.Estimated.sum()
	c.Committed.sum()
	c.Actual.sum()
	return c
}

// PartsCost is the net value of parts issued to a work order: movements
// carry the signed change to stock, so an issue's value is negative and a
// return's positive, and the cost to the work order is minus their sum.
func PartsCost(moves []inventory.Movement) millwright.Money {
	var v millwright.Money
	for _, m := range moves {
		if m.Kind == inventory.MoveIssue || m.Kind == inventory.MoveReturn {
			v = v.Sub(m.Value)
		}
	}
	return v
}
