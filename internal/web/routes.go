package web

import "github.com/millwright-cmms/millwright/internal/auth"

// routes is every signed-in page with the action its role needs, the same
// actions the API's route table names for the same use-cases.
func (h *Handler) routes() []page {
	return []page{
		{"GET /ui/{$}", auth.Read, h.home},
		{"POST /ui/logout", auth.Read, h.logout},

		{"GET /ui/my-work", auth.DoWork, h.myWork},
		{"GET /ui/work-orders", auth.Read, h.workOrders},
		{"GET /ui/board", auth.Read, h.board},
		{"GET /ui/backlog", auth.Read, h.backlog},
		{"GET /ui/work-orders/new", auth.PlanWork, h.newWorkOrder},
		{"POST /ui/work-orders/new", auth.PlanWork, h.createWorkOrder},
		{"GET /ui/work-orders/{id}", auth.Read, h.workOrder},
		{"GET /ui/work-orders/{id}/trace", auth.Read, h.trace},
		{"GET /ui/requests", auth.RequestWork, h.requests},
		{"POST /ui/requests", auth.RequestWork, h.fileRequest},
		{"GET /ui/work-orders/{id}/plan", auth.PlanWork, h.planWorkOrder},
		{"POST /ui/work-orders/{id}/approve-request", auth.DirectWork, h.approveRequest},
		{"POST /ui/work-orders/{id}/reject", auth.DirectWork, h.rejectRequest},
		{"POST /ui/work-orders/{id}/plan/materials", auth.AddDirectItem, h.addPlannedMaterial},
		{"POST /ui/work-orders/{id}/plan/do/{verb}", auth.DirectWork, h.planTransition},
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
		{"GET /ui/pm-plans/new", auth.PlanPM, h.newPlan},
		{"POST /ui/pm-plans/new", auth.PlanPM, h.createPlan},
		{"GET /ui/pm-plans/{id}", auth.Read, h.pmPlan},
		{"GET /ui/pm-plans/{id}/edit", auth.PlanPM, h.editPlan},
		{"POST /ui/pm-plans/{id}/edit", auth.PlanPM, h.updatePlan},
		{"POST /ui/pm-plans/{id}/deactivate", auth.PlanPM, h.deactivatePlan},
		{"GET /ui/kpis", auth.Read, h.kpis},

		// As in the API, approvals check the role against the step the routing names.
		// Approvals and costs are the ERP's: with the ERP in its own process
		// (serve --erp) they are served there, and these pages say so.
		{"GET /ui/approvals", auth.Read, h.inERP(h.approvals)},
		{"POST /ui/approvals/{id}/approve", auth.Read, h.inERP(h.decide(true))},
		{"POST /ui/approvals/{id}/reject", auth.Read, h.inERP(h.decide(false))},

		{"GET /ui/costs", auth.Read, h.inERP(h.costs)},
		{"GET /ui/costs/ledger", auth.Read, h.inERP(h.ledgerEntries)},
		{"GET /ui/costs/budgets", auth.Read, h.inERP(h.budgets)},
		{"POST /ui/costs/budgets", auth.ManageFinance, h.inERP(h.saveBudget)},
		{"GET /ui/approval-rules", auth.Read, h.inERP(h.rules)},
		{"POST /ui/approval-rules", auth.ManageFinance, h.inERP(h.saveRule)},
		{"GET /ui/approval-rules/{id}", auth.ManageFinance, h.inERP(h.editRule)},
		{"POST /ui/approval-rules/{id}", auth.ManageFinance, h.inERP(h.saveRule)},
		{"POST /ui/approval-rules/{id}/delete", auth.ManageFinance, h.inERP(h.deleteRule)},

		{"GET /ui/integration", auth.ManageIntegration, h.integrationPage},
		{"POST /ui/integration/messages/{id}/replay", auth.ManageIntegration, h.replay},
		{"GET /ui/integration/mappings", auth.ManageIntegration, h.mappings},
		{"POST /ui/integration/mappings/items", auth.ManageIntegration, h.saveItemMapping},
		{"POST /ui/integration/mappings/cost-centers", auth.ManageIntegration, h.saveCostCenterMapping},
		{"POST /ui/integration/mappings/accounts", auth.ManageIntegration, h.saveAccountMapping},
		{"GET /ui/integration/reconciliation", auth.ManageIntegration, h.reconciliation},
		{"POST /ui/integration/reconciliation", auth.ManageIntegration, h.runReconciliation},

		{"GET /ui/receipts", auth.ReceiveGoods, h.inERP(h.receipts)},
		{"POST /ui/receipts/{id}", auth.ReceiveGoods, h.inERP(h.receive)},
		{"GET /ui/stock", auth.Read, h.stock},
		{"POST /ui/stock/adjustments", auth.AdjustStock, h.adjust},
		{"GET /ui/assets", auth.Read, h.assets},
		{"GET /ui/assets/{id}", auth.Read, h.assetPage},

		{"GET /ui/admin/users", auth.ManageUsers, h.users},
		{"POST /ui/admin/users", auth.ManageUsers, h.createUser},
		{"GET /ui/admin/users/{id}", auth.ManageUsers, h.editUser},
		{"POST /ui/admin/users/{id}", auth.ManageUsers, h.updateUser},
		{"GET /ui/admin/sites", auth.ManageSites, h.sites},
		{"POST /ui/admin/sites", auth.ManageSites, h.createSite},
		// Master data (masterdata.go): the same use-cases and actions as the API's routes.
		{"GET /ui/assets/new", auth.PlanAssets, h.newAsset},
		{"POST /ui/assets/new", auth.PlanAssets, h.createAsset},
		{"GET /ui/assets/{id}/edit", auth.PlanAssets, h.editAsset},
		{"POST /ui/assets/{id}/edit", auth.PlanAssets, h.updateAsset},
		{"GET /ui/assets/{id}/bom", auth.PlanAssets, h.assetBOM},
		{"POST /ui/assets/{id}/bom", auth.PlanAssets, h.saveBOM},
		{"GET /ui/asset-classes", auth.Read, h.assetClasses},
		{"POST /ui/asset-classes", auth.PlanAssets, h.createClass},
		{"GET /ui/locations", auth.Read, h.locations},
		{"POST /ui/locations", auth.PlanAssets, h.createLocation},
		{"GET /ui/items", auth.Read, h.items},
		{"GET /ui/items/new", auth.ManageItems, h.newItem},
		{"POST /ui/items/new", auth.ManageItems, h.createItem},
		{"GET /ui/items/{id}/edit", auth.ManageItems, h.editItem},
		{"POST /ui/items/{id}/edit", auth.ManageItems, h.updateItem},
		{"POST /ui/items/{id}/stock", auth.ManageItems, h.setStock},
		{"GET /ui/storerooms", auth.Read, h.storerooms},
		{"POST /ui/storerooms", auth.ManageItems, h.createStoreroom},
	}
}
