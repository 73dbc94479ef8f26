package web

import "github.com/millwright-cmms/millwright/internal/auth"

// routes is every signed-in page with the action its role needs, the same
// actions the API's route table names for the same use-cases.
func (h *Handler) routes() []page {
	return []page{
		{"GET /ui/{$}", auth.Read, h.home},
		{"POST /ui/logout", auth.Read, h.logout},

		{"GET /ui/my-work", auth.DoWork, h.myWork},
		{"GET /ui/my-work/{id}", auth.DoWork, h.phoneWorkOrder},
		{"POST /ui/my-work/{id}/start", auth.DoWork, h.phoneStart},
		{"POST /ui/my-work/{id}/wait", auth.DoWork, h.phoneWait},
		{"POST /ui/my-work/{id}/labor", auth.LogLabor, h.phoneLabor},
		{"POST /ui/my-work/{id}/issue", auth.IssueParts, h.phoneIssue},
		{"POST /ui/my-work/{id}/buy", auth.AddDirectItem, h.phoneBuy},
		{"POST /ui/my-work/{id}/reading", auth.RecordReadings, h.phoneReading},
		{"POST /ui/my-work/{id}/note", auth.DoWork, h.phoneNote},
		{"POST /ui/my-work/{id}/photo", auth.DoWork, h.phonePhoto},
		{"POST /ui/my-work/{id}/complete", auth.DoWork, h.phoneComplete},
		{"GET /ui/work-orders/{id}/attachments/{aid}", auth.Read, h.attachment},
		{"GET /ui/work-orders", auth.Read, h.workOrders},
		{"GET /ui/work-orders/new", auth.PlanWork, h.newWorkOrder},
		{"POST /ui/work-orders/new", auth.PlanWork, h.createWorkOrder},
		{"GET /ui/work-orders/{id}", auth.Read, h.workOrder},
		{"GET /ui/work-orders/{id}/trace", auth.Read, h.trace},
		// The verb's own action is checked in transition (start: do_work, release: direct_work, …).
		{"POST /ui/work-orders/{id}/do/{verb}", auth.Read, h.transition},
		{"POST /ui/work-orders/{id}/labor", auth.LogLabor, h.logLabor},
		{"POST /ui/work-orders/{id}/issues", auth.IssueParts, h.moveParts(false)},
		{"POST /ui/work-orders/{id}/returns", auth.IssueParts, h.moveParts(true)},
		{"POST /ui/work-orders/{id}/materials", auth.AddDirectItem, h.addDirect},
		{"POST /ui/work-orders/{id}/complete", auth.DoWork, h.complete},
		{"POST /ui/work-orders/{id}/assign", auth.PlanWork, h.assign},
		{"POST /ui/work-orders/{id}/readings", auth.RecordReadings, h.recordReading},

		{"GET /ui/pm-plans", auth.Read, h.pmPlans},
		{"GET /ui/pm-plans/{id}", auth.Read, h.pmPlan},
		{"GET /ui/kpis", auth.Read, h.kpis},

		// As in the API, approvals check the role against the step the routing names.
		// Approvals and costs are the ERP's: with the ERP in its own process
		// (serve --erp) they are served there, and these pages say so.
		{"GET /ui/approvals", auth.Read, h.inERP(h.approvals)},
		{"POST /ui/approvals/{id}/approve", auth.Read, h.inERP(h.decide(true))},
		{"POST /ui/approvals/{id}/reject", auth.Read, h.inERP(h.decide(false))},

		{"GET /ui/costs", auth.Read, h.inERP(h.costs)},
		{"GET /ui/costs/ledger", auth.Read, h.inERP(h.ledgerEntries)},

		{"GET /ui/integration", auth.ManageIntegration, h.integrationPage},
		{"POST /ui/integration/messages/{id}/replay", auth.ManageIntegration, h.replay},
		{"GET /ui/integration/reconciliation", auth.ManageIntegration, h.reconciliation},
		{"POST /ui/integration/reconciliation", auth.ManageIntegration, h.runReconciliation},

		{"GET /ui/receipts", auth.ReceiveGoods, h.inERP(h.receipts)},
		{"POST /ui/receipts/{id}", auth.ReceiveGoods, h.inERP(h.receive)},
		{"GET /ui/stock", auth.Read, h.stock},
		{"POST /ui/stock/adjustments", auth.AdjustStock, h.adjust},
		{"GET /ui/assets", auth.Read, h.assets},
		{"GET /ui/assets/{id}", auth.Read, h.assetPage},
	}
}
