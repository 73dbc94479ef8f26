package procurement

import (
	"context"
	"slices"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// order turns an approved requisition into purchase orders, one per
// vendor, and marks it ordered.
func order(ctx context.Context, tx Tx, r *Requisition) error {
	loc, err := tx.ERPSiteTimeZone(ctx, r.SiteID)
	if err != nil {
		return err
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return err
	}
	byVendor := map[string]*PurchaseOrder{}
	var vendors []string
	lead := map[string]int{}
	for i := range r.Lines {
		l := &r.Lines[i]
		it, err := tx.ERPItem(ctx, l.ItemID)
		if err != nil {
			return err
		}
		vendor := it.Vendor
		if l.Vendor != "" { // a text line's own
			vendor = l.Vendor
		}
		po := byVendor[vendor]
		if po == nil {
			po = &PurchaseOrder{SiteID: r.SiteID, Vendor: vendor, Status: Open, Period: ledger.Period(tx.Now(), loc)}
			byVendor[vendor] = po
			vendors = append(vendors, vendor)
		}
		days := it.LeadTimeDays
		if days == 0 {
			days = set.DefaultLeadTimeDays
		}
		lead[vendor] = max(lead[vendor], days)
		price := it.Price
		if price.IsZero() || l.Description != "" { // a text line is ordered at its own price
			price = l.UnitPrice
		}
		po.Lines = append(po.Lines, OrderLine{Position: len(po.Lines) + 1, RequisitionID: r.ID, RequisitionLineID: l.ID,
			ItemID: it.ID, ERPItemCode: it.Code, Direct: it.StockType == DirectItem, Warehouse: l.Warehouse,
			Quantity: l.Quantity, UnitPrice: price, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
			AssetID: l.AssetID, CostCenter: r.CostCenter, ExpenseAccount: r.ExpenseAccount, Description: l.Description})
	}
	slices.Sort(vendors)
	for _, v := range vendors {
		po := byVendor[v]
		n, err := tx.ERPNextNumber(ctx, "purchase_order")
		if err != nil {
			return err
		}
		po.Number = number("PO", n)
		po.PromisedDate = tx.Now().In(loc).AddDate(0, 0, lead[v]).Format(time.DateOnly)
		po.CreatedAt, po.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateERPPurchaseOrder(ctx, po); err != nil {
			return err // already_ordered when a line is on another order
		}
		for _, ol := range po.Lines {
			for i := range r.Lines {
				if r.Lines[i].ID == ol.RequisitionLineID {
					r.Lines[i].PurchaseOrderLineID = ol.ID
				}
			}
		}
		if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "create", nil, po); err != nil {
			return err
		}
		if err := tx.Emit(ctx, integration.EventPurchaseOrderCreate, "purchase_order:"+po.Number, po.event()); err != nil {
			return err
		}
		if err := budget.Check(ctx, tx, r.CostCenter, po.Period); err != nil {
			return err
		}
	}
	r.Status = Ordered
	return tx.SaveERPRequisition(ctx, r)
}

// ReceiptLineIn is one line of a receipt to record.
type ReceiptLineIn struct {
	LineID   string
	Quantity millwright.Qty
}

// Receive records a goods receipt: a stock item raises the warehouse's
// stock at the PO price (Dr inventory / Cr GR-IR); a direct item is charged
// to its work order (Dr maintenance expense / Cr GR-IR). Receiving more
// than was ordered is refused.
func Receive(ctx context.Context, tx Tx, poID string, in []ReceiptLineIn) (*Receipt, *PurchaseOrder, error) {
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, poID)
	if err != nil {
		return nil, nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, nil, err
	}
	if po.Status == Closed || po.Status == Received || po.Status == Invoiced {
		return nil, nil, millwright.Errorf(millwright.Conflict, "illegal_transition",
			"purchase order %s is %s: everything on it was received or it is closed", po.Number, po.Status)
	}
	if len(in) == 0 {
		return nil, nil, millwright.Errorf(millwright.Invalid, "missing_field", "a receipt needs at least one line")
	}
	before := clonePO(po)
	rc := &Receipt{PurchaseOrderID: po.ID, Actor: tx.Actor().Username, At: tx.Now()}
	entry := &ledger.Entry{SiteID: po.SiteID, Source: "receipt"}
	ev := integration.GoodsReceived{PurchaseOrderID: po.ID, PurchaseOrder: po.Number, SiteID: po.SiteID}
	var stocks []*Stock
	charged := map[string]integration.CostPosted{}
	var chargedOrder []string
	for i, rl := range in {
		l := po.line(rl.LineID)
		if l == nil {
			return nil, nil, millwright.Errorf(millwright.Rule, "unknown_line", "receipt line %d: purchase order %s has no line %s", i+1, po.Number, rl.LineID)
		}
		if !rl.Quantity.IsPositive() {
			return nil, nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "receipt line %d (%s): quantity must be more than zero", i+1, l.ERPItemCode)
		}
		if open := l.Quantity.Sub(l.ReceivedQuantity); rl.Quantity.GreaterThan(open.Decimal) {
			return nil, nil, millwright.Errorf(millwright.Rule, "over_receipt",
				"receipt line %d (%s): %s ordered, %s already received, so at most %s can be received, not %s",
				i+1, l.ERPItemCode, l.Quantity, l.ReceivedQuantity, open, rl.Quantity)
		}
		l.ReceivedQuantity = l.ReceivedQuantity.Add(rl.Quantity)
		value := l.UnitPrice.Times(rl.Quantity)
		rc.Lines = append(rc.Lines, ReceiptLine{LineID: l.ID, Quantity: rl.Quantity, Value: value})
		ev.Lines = append(ev.Lines, integration.ReceivedLine{LineID: l.ID, RequisitionLineID: l.RequisitionLineID,
			WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID, ERPItemCode: l.ERPItemCode, Direct: l.Direct,
			Warehouse: l.Warehouse, Quantity: rl.Quantity, Value: value})
		if l.Direct {
			entry.Lines = append(entry.Lines,
				ledger.Dr(l.expense(), value, l.CostCenter, l.WorkOrderID, l.AssetID),
				ledger.Cr(ledger.GRIR, value, l.CostCenter, l.WorkOrderID, l.AssetID))
			if l.WorkOrderID != "" {
				c, ok := charged[l.WorkOrderID]
				if !ok {
					chargedOrder = append(chargedOrder, l.WorkOrderID)
				}
				c.WorkOrderID, c.AssetID, c.CostCenter, c.Source = l.WorkOrderID, l.AssetID, l.CostCenter, "direct_receipt"
				c.Amount = c.Amount.Add(value)
				charged[l.WorkOrderID] = c
			}
			continue
		}
		it, err := tx.ERPItem(ctx, l.ItemID)
		if err != nil {
			return nil, nil, err
		}
		s, err := tx.ERPStockForUpdate(ctx, it, l.Warehouse, po.SiteID)
		if err != nil {
			return nil, nil, err
		}
		s.receive(rl.Quantity, value)
		if err := tx.SaveERPStock(ctx, s); err != nil {
			return nil, nil, err
		}
		stocks = append(stocks, s)
		entry.Lines = append(entry.Lines,
			ledger.Dr(ledger.Inventory, value, "", "", ""),
			ledger.Cr(ledger.GRIR, value, "", "", ""))
	}
	n, err := tx.ERPNextNumber(ctx, "receipt")
	if err != nil {
		return nil, nil, err
	}
	rc.Number = number("GR", n)
	entry.SourceID, entry.Memo = rc.Number, "goods receipt "+rc.Number+" for "+po.Number
	if _, err := ledger.Post(ctx, tx, entry); err != nil {
		return nil, nil, err
	}
	rc.EntryID = entry.ID
	if err := tx.CreateERPReceipt(ctx, rc); err != nil {
		return nil, nil, err
	}
	po.settle()
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "receive", before, po); err != nil {
		return nil, nil, err
	}
	ev.ReceiptID, ev.Number = rc.ID, rc.Number
	if err := tx.Emit(ctx, integration.EventGoodsReceived, "purchase_order:"+po.Number, ev); err != nil {
		return nil, nil, err
	}
	if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
		return nil, nil, err
	}
	for _, s := range stocks {
		if err := emitStock(ctx, tx, s, "receipt"); err != nil {
			return nil, nil, err
		}
	}
	if err := emitCosts(ctx, tx, entry, chargedOrder, charged); err != nil {
		return nil, nil, err
	}
	return rc, po, checkBudgets(ctx, tx, po, entry.Period)
}

func checkBudgets(ctx context.Context, tx Tx, po *PurchaseOrder, period string) error {
	seen := map[string]bool{}
	for _, l := range po.Lines {
		if seen[l.CostCenter] {
			continue
		}
		seen[l.CostCenter] = true
		if err := budget.Check(ctx, tx, l.CostCenter, period); err != nil {
			return err
		}
		if period != po.Period {
			if err := budget.Check(ctx, tx, l.CostCenter, po.Period); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitCosts(ctx context.Context, tx Tx, entry *ledger.Entry, order []string, costs map[string]integration.CostPosted) error {
	for _, wo := range order {
		c := costs[wo]
		if c.Amount.IsZero() {
			continue
		}
		c.EntryID, c.EntryNumber = entry.ID, entry.Number
		if err := tx.Emit(ctx, integration.EventCostPosted, "work_order:"+wo, c); err != nil {
			return err
		}
	}
	return nil
}

func emitStock(ctx context.Context, tx Tx, s *Stock, cause string) error {
	return tx.Emit(ctx, integration.EventStockLevelChanged, "stock:"+s.ERPItemCode+"@"+s.Warehouse, integration.StockLevelChanged{
		ERPItemCode: s.ERPItemCode, Warehouse: s.Warehouse, SiteID: s.SiteID, Quantity: s.Quantity, Value: s.Value, Cause: cause})
}

func clonePO(po *PurchaseOrder) PurchaseOrder {
	c := *po
	c.Lines = slices.Clone(po.Lines)
	return c
}

// InvoiceIn is a vendor invoice to record.
type InvoiceIn struct {
	PurchaseOrderID string
	VendorReference string
	Lines           []InvoiceLineIn
}

// InvoiceLineIn is one line of an invoice to record.
type InvoiceLineIn struct {
	LineID    string
	Quantity  millwright.Qty
	UnitPrice millwright.Money
}

// PostInvoice matches an invoice three ways: each line's quantity against
// what was received and not yet invoiced, and its amount against the PO
// price × quantity within the tolerance. A matched invoice posts Dr GR-IR
// (PO price × quantity) and the difference (to price variance for stock
// items, to the work order for direct items) / Cr accounts payable (the
// invoice amount). A mismatch is held, with the reason, and posts nothing.
func PostInvoice(ctx context.Context, tx Tx, in InvoiceIn) (*Invoice, error) {
	if in.PurchaseOrderID == "" {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "purchase_order_id is required")
	}
	if len(in.Lines) == 0 {
		return nil, millwright.Errorf(millwright.Invalid, "missing_field", "an invoice needs at least one line")
	}
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, in.PurchaseOrderID)
	if millwright.ErrorKind(err) == millwright.NotFound {
		return nil, millwright.Errorf(millwright.Rule, "unknown_purchase_order", "purchase order %s does not exist", in.PurchaseOrderID)
	}
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, err
	}
	if po.Status == Closed {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "purchase order %s is closed and takes no more invoices", po.Number)
	}
	set, err := tx.ERPSettings(ctx)
	if err != nil {
		return nil, err
	}
	before := clonePO(po)
	inv := &Invoice{PurchaseOrderID: po.ID, VendorReference: in.VendorReference, Status: InvoicePosted,
		Actor: tx.Actor().Username, At: tx.Now()}
	var reasons []string
	seen := map[string]bool{}
	for i, il := range in.Lines {
		l := po.line(il.LineID)
		if l == nil {
			return nil, millwright.Errorf(millwright.Rule, "unknown_line", "invoice line %d: purchase order %s has no line %s", i+1, po.Number, il.LineID)
		}
		if seen[l.ID] {
			return nil, millwright.Errorf(millwright.Invalid, "duplicate_line", "invoice line %d: line %s is invoiced twice; put its whole quantity on one line", i+1, il.LineID)
		}
		seen[l.ID] = true
		if !il.Quantity.IsPositive() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_quantity", "invoice line %d (%s): quantity must be more than zero", i+1, l.ERPItemCode)
		}
		if il.UnitPrice.IsNegative() {
			return nil, millwright.Errorf(millwright.Invalid, "bad_amount", "invoice line %d (%s): unit price cannot be negative", i+1, l.ERPItemCode)
		}
		x := InvoiceLine{LineID: l.ID, Quantity: il.Quantity, UnitPrice: il.UnitPrice,
			Amount: il.UnitPrice.Times(il.Quantity), Expected: l.UnitPrice.Times(il.Quantity)}
		x.Variance = x.Amount.Sub(x.Expected)
		inv.Amount = inv.Amount.Add(x.Amount)
		inv.Lines = append(inv.Lines, x)
		if open := l.ReceivedQuantity.Sub(l.InvoicedQuantity); il.Quantity.GreaterThan(open.Decimal) {
			reasons = append(reasons, sprintf("line %d (%s) invoices %s but only %s received and not yet invoiced",
				i+1, l.ERPItemCode, il.Quantity, open))
			continue
		}
		if tol := set.Tolerance(x.Expected); x.Variance.Abs().GreaterThan(tol.Decimal) {
			reasons = append(reasons, sprintf("line %d (%s) costs %s, the order says %s (%s × %s): the difference %s is beyond the tolerance of %s",
				i+1, l.ERPItemCode, x.Amount.String(), x.Expected.String(), il.Quantity, l.UnitPrice.String(), x.Variance.String(), tol.String()))
		}
	}
	n, err := tx.ERPNextNumber(ctx, "invoice")
	if err != nil {
		return nil, err
	}
	inv.Number = number("INV", n)
	ev := integration.InvoicePosted{Number: inv.Number, PurchaseOrderID: po.ID, PurchaseOrder: po.Number}
	if len(reasons) > 0 {
		inv.Status, inv.Reason = InvoiceHeld, "held: "+join(reasons, "; ")
		if err := tx.CreateERPInvoice(ctx, inv); err != nil {
			return nil, err
		}
		if err := tx.Audit(ctx, "erp_invoice", inv.ID, "hold", nil, inv); err != nil {
			return nil, err
		}
		ev.InvoiceID, ev.Status, ev.Reason = inv.ID, inv.Status, inv.Reason
		return inv, tx.Emit(ctx, integration.EventInvoiceHeld, "purchase_order:"+po.Number, ev)
	}
	entry := &ledger.Entry{SiteID: po.SiteID, Source: "invoice", SourceID: inv.Number, Memo: "invoice " + inv.Number + " for " + po.Number}
	charged := map[string]integration.CostPosted{}
	var chargedOrder []string
	for _, x := range inv.Lines {
		l := po.line(x.LineID)
		l.InvoicedQuantity = l.InvoicedQuantity.Add(x.Quantity)
		entry.Lines = append(entry.Lines, ledger.Dr(ledger.GRIR, x.Expected, l.CostCenter, l.WorkOrderID, l.AssetID))
		if l.Direct {
			entry.Lines = append(entry.Lines, ledger.Dr(l.expense(), x.Variance, l.CostCenter, l.WorkOrderID, l.AssetID))
			if l.WorkOrderID != "" && !x.Variance.IsZero() {
				c, ok := charged[l.WorkOrderID]
				if !ok {
					chargedOrder = append(chargedOrder, l.WorkOrderID)
				}
				c.WorkOrderID, c.AssetID, c.CostCenter, c.Source = l.WorkOrderID, l.AssetID, l.CostCenter, "invoice_variance"
				c.Amount = c.Amount.Add(x.Variance)
				charged[l.WorkOrderID] = c
			}
		} else {
			entry.Lines = append(entry.Lines, ledger.Dr(ledger.PriceVariance, x.Variance, l.CostCenter, "", ""))
		}
		entry.Lines = append(entry.Lines, ledger.Cr(ledger.AccountsPayable, x.Amount, l.CostCenter, l.WorkOrderID, l.AssetID))
		ev.Lines = append(ev.Lines, integration.InvoiceLine{LineID: l.ID, WorkOrderID: l.WorkOrderID, MaterialLineID: l.MaterialLineID,
			ERPItemCode: l.ERPItemCode, Quantity: x.Quantity, UnitPrice: x.UnitPrice, ActualCost: x.Amount, Variance: x.Variance})
	}
	if _, err := ledger.Post(ctx, tx, entry); err != nil {
		return nil, err
	}
	inv.EntryID = entry.ID
	if err := tx.CreateERPInvoice(ctx, inv); err != nil {
		return nil, err
	}
	status := po.Status
	po.settle()
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_invoice", inv.ID, "post", nil, inv); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "invoice", before, po); err != nil {
		return nil, err
	}
	ev.InvoiceID, ev.Status = inv.ID, inv.Status
	if err := tx.Emit(ctx, integration.EventInvoicePosted, "purchase_order:"+po.Number, ev); err != nil {
		return nil, err
	}
	if po.Status != status {
		if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
			return nil, err
		}
	}
	if err := emitCosts(ctx, tx, entry, chargedOrder, charged); err != nil {
		return nil, err
	}
	if entry.Period == "" { // nothing posted: every line matched to the cent
		return inv, nil
	}
	return inv, checkBudgets(ctx, tx, po, entry.Period)
}

// Close closes a purchase order: nothing more will be received or invoiced
// on it, and what was not received stops counting as committed.
func Close(ctx context.Context, tx Tx, id string) (*PurchaseOrder, error) {
	po, err := tx.ERPPurchaseOrderForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := millwright.CheckSite(ctx, po.SiteID); err != nil {
		return nil, err
	}
	if po.Status == Closed {
		return nil, millwright.Errorf(millwright.Conflict, "illegal_transition", "purchase order %s is already closed", po.Number)
	}
	before := clonePO(po)
	po.Status = Closed
	if err := tx.SaveERPPurchaseOrder(ctx, po); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, "erp_purchase_order", po.ID, "close", before, po); err != nil {
		return nil, err
	}
	if err := tx.Emit(ctx, integration.EventPurchaseOrderChange, "purchase_order:"+po.Number, po.event()); err != nil {
		return nil, err
	}
	return po, checkBudgets(ctx, tx, po, po.Period)
}
