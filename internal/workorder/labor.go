package workorder

import (
	"context"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// NewLabor is a request to book a technician's time on a work order.
type NewLabor struct {
	Technician string         `json:"technician"`
	Craft      string         `json:"craft"`
	Hours      millwright.Qty `json:"hours"`
	// Rate is the hourly rate; nil takes the rate of the craft named, or
	// of the technician's own craft (see Craft).
	Rate *millwright.Money `json:"rate"`
}

// LogLabor books time on a work order under way: hours × rate, rounded to
// cents, is its labor cost. One entry books more than zero and at most 24
// hours. Without a rate it takes the craft's (laborRate); with neither it
// is refused.
func LogLabor(ctx context.Context, tx Tx, id string, in NewLabor) (*Labor, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(in.Technician) == "":
		return nil, missing("technician", "who did the work")
	case !in.Hours.IsPositive() || in.Hours.GreaterThan(MaxLaborHours.Decimal):
		return nil, millwright.Errorf(millwright.Invalid, "invalid_hours",
			"hours must be more than 0 and at most %s per entry, got %s; book a longer job as several entries", MaxLaborHours, in.Hours)
	case in.Rate != nil && in.Rate.IsNegative():
		return nil, millwright.Errorf(millwright.Invalid, "invalid_rate", "rate cannot be negative, got %s", *in.Rate)
	}
	if err := w.mustBeActive("labor can be logged"); err != nil {
		return nil, err
	}
	if err := laborRate(ctx, tx, w, &in); err != nil {
		return nil, err
	}
	l := &Labor{
		WorkOrderID: w.ID,
		Technician:  strings.TrimSpace(in.Technician),
		Craft:       in.Craft,
		Hours:       in.Hours,
		Rate:        *in.Rate,
		Amount:      in.Rate.Times(in.Hours),
	}
	if err := tx.AddLabor(ctx, l); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "work_order", w.ID, "log_labor", nil, l); err != nil {
		return nil, err
	}
	return l, postLabor(ctx, tx, w, l)
}

// postLabor puts the labor cost of l in the outbox, in this transaction,
// keyed labor:<id>: the ERP posts it to the ledger against the asset's
// cost center. Where the phased rollout has not reached the work order's
// site or asset class, the message is kept, skipped, with the reason.
func postLabor(ctx context.Context, tx Tx, w *WorkOrder, l *Labor) error {
	site, a, err := siteAndAsset(ctx, tx, w)
	if err != nil {
		return err
	}
	cc, account, err := integration.ERPCharge(ctx, tx, w.SiteID, site.Code, a.CostCenter, integration.AccountLabor)
	if err != nil {
		return err
	}
	out := integration.Outgoing{WorkOrderID: w.ID, Reason: cc.Gap}
	msg, err := integration.NewMessage("labor:"+l.ID, w.SiteID, site.Code, tx.Actor().Username, tx.Now(), integration.LaborCost{
		WorkOrderID: w.ID, AssetID: w.AssetID, CostCenter: cc.Code, Hours: l.Hours, Amount: l.Amount, Technician: l.Technician,
		ExpenseAccount: account})
	if err != nil {
		return err
	}
	msg.TimeZone = site.TimeZone
	return tx.EnqueueMessage(ctx, msg, out)
}

// LaborEntries lists the labor booked on a work order, oldest first.
func LaborEntries(ctx context.Context, tx Tx, id string) ([]Labor, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return tx.LaborEntries(ctx, w.ID)
}
