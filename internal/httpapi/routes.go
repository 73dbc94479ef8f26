package httpapi

import "github.com/millwright-cmms/millwright/internal/auth"

// routes is every route of /api/v1 but the public ones (healthz and the
// OpenAPI document), with the action each needs. The OpenAPI test checks
// this table against openapi.json.
func (h *Handler) routes() []route {
	return []route{
		{"GET /api/v1/me", auth.Read, h.me},
		{"GET /api/v1/users", auth.ManageUsers, h.listUsers},
		{"POST /api/v1/users", auth.ManageUsers, h.createUser},
		{"GET /api/v1/audit", auth.ReadAudit, h.listAudit},
		{"GET /api/v1/audit/verify", auth.ReadAudit, h.verifyAudit},

		{"GET /api/v1/sites", auth.Read, h.listSites},
		{"POST /api/v1/sites", auth.ManageSites, h.createSite},
		{"GET /api/v1/sites/{id}", auth.Read, h.getSite},
		{"PATCH /api/v1/sites/{id}", auth.ManageSites, h.updateSite},
		{"GET /api/v1/locations", auth.Read, h.listLocations},
		{"POST /api/v1/locations", auth.PlanAssets, h.createLocation},
		{"GET /api/v1/locations/{id}", auth.Read, h.getLocation},
		{"PATCH /api/v1/locations/{id}", auth.PlanAssets, h.updateLocation},
		{"GET /api/v1/asset-classes", auth.Read, h.listClasses},
		{"POST /api/v1/asset-classes", auth.PlanAssets, h.createClass},
		{"GET /api/v1/asset-classes/{id}", auth.Read, h.getClass},
		{"PATCH /api/v1/asset-classes/{id}", auth.PlanAssets, h.updateClass},
		{"GET /api/v1/asset-classes/{id}/bom", auth.Read, h.getClassBOM},
		{"PUT /api/v1/asset-classes/{id}/bom", auth.PlanAssets, h.putClassBOM},
		{"GET /api/v1/assets", auth.Read, h.listAssets},
		{"POST /api/v1/assets", auth.PlanAssets, h.createAsset},
		{"GET /api/v1/assets/{id}", auth.Read, h.getAsset},
		{"PATCH /api/v1/assets/{id}", auth.PlanAssets, h.updateAsset},
		{"GET /api/v1/assets/{id}/children", auth.Read, h.listAssetChildren},
		{"GET /api/v1/assets/{id}/bom", auth.Read, h.getAssetBOM},
		{"PUT /api/v1/assets/{id}/bom", auth.PlanAssets, h.putAssetBOM},

		{"GET /api/v1/items", auth.Read, h.listItems},
		{"POST /api/v1/items", auth.ManageItems, h.createItem},
		{"GET /api/v1/items/{id}", auth.Read, h.getItem},
		{"PATCH /api/v1/items/{id}", auth.ManageItems, h.updateItem},
		{"GET /api/v1/storerooms", auth.Read, h.listStorerooms},
		{"POST /api/v1/storerooms", auth.ManageItems, h.createStoreroom},
		{"GET /api/v1/storerooms/{id}", auth.Read, h.getStoreroom},
		{"PUT /api/v1/storerooms/{id}/stock/{item_id}", auth.ManageItems, h.putStockSettings},
		{"GET /api/v1/stock", auth.Read, h.listStock},
		{"POST /api/v1/stock/adjustments", auth.AdjustStock, h.adjustStock},
		{"GET /api/v1/stock/movements", auth.Read, h.listMovements},

		{"GET /api/v1/work-orders", auth.Read, h.listWorkOrders},
		{"POST /api/v1/work-orders", auth.PlanWork, h.createWorkOrder},
		{"GET /api/v1/work-orders/{id}", auth.Read, h.getWorkOrder},
		{"PATCH /api/v1/work-orders/{id}", auth.PlanWork, h.updateWorkOrder},
		{"GET /api/v1/work-orders/{id}/materials", auth.Read, h.listMaterials},
		{"POST /api/v1/work-orders/{id}/materials", auth.AddDirectItem, h.addMaterial},
		{"POST /api/v1/work-orders/{id}/approve", auth.DirectWork, h.transition("approve")},
		{"POST /api/v1/work-orders/{id}/plan", auth.DirectWork, h.transition("plan")},
		{"POST /api/v1/work-orders/{id}/release", auth.DirectWork, h.transition("release")},
		{"POST /api/v1/work-orders/{id}/start", auth.DoWork, h.transition("start")},
		{"POST /api/v1/work-orders/{id}/wait", auth.DoWork, h.transition("wait")},
		{"POST /api/v1/work-orders/{id}/resume", auth.DoWork, h.transition("resume")},
		{"POST /api/v1/work-orders/{id}/complete", auth.DoWork, h.completeWorkOrder},
		{"POST /api/v1/work-orders/{id}/close", auth.DirectWork, h.transition("close")},
		{"POST /api/v1/work-orders/{id}/cancel", auth.DirectWork, h.transition("cancel")},
		{"GET /api/v1/work-orders/{id}/labor", auth.Read, h.listLabor},
		{"POST /api/v1/work-orders/{id}/labor", auth.LogLabor, h.logLabor},
		{"POST /api/v1/work-orders/{id}/issues", auth.IssueParts, h.issueParts},
		{"POST /api/v1/work-orders/{id}/returns", auth.IssueParts, h.returnParts},
		{"GET /api/v1/work-orders/{id}/costs", auth.Read, h.workOrderCosts},
		{"GET /api/v1/work-orders/{id}/trace", auth.Read, h.workOrderTrace},
	}
}
