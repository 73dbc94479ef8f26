package erp_test

import (
	"context"
	"slices"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// TestListFilters checks the ERP's lists filtered by work order,
// requisition, item and status: a requisition is a work order's by its
// header or by any of its lines, and a purchase order by any of its lines.
func TestListFilters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		mustItem(t, e, "OIL-5L", procurement.DirectItem, "Shell", "30.00")
		line := func(wo, mat, code string) integration.RequisitionLine {
			return integration.RequisitionLine{WorkOrderID: wo, MaterialLineID: mat, ERPItemCode: code, Quantity: millwright.NewQty(1), Unit: "EA"}
		}
		send := func(key, wo string, lines ...integration.RequisitionLine) {
			mustSend(t, e, message(t, key, "planner1", integration.RequisitionRequest{Priority: 3, CostCenter: "CC-PUMPS",
				WorkOrderID: wo, WorkOrderNumber: "WO-" + wo, AssetID: "ast_1", Lines: lines}))
		}
		send("wo_1/release/1", "wo_1", line("wo_1", "mat_1", "BRG-6205"))
		send("wo_2/release/1", "wo_2", line("wo_2", "mat_2", "OIL-5L"), line("wo_3", "mat_3", "BRG-6205"))
		send("wo_4/release/1", "wo_4", line("wo_4", "mat_4", "OIL-5L"))

		numbers := func(f store.ERPRequisitionFilter) []string {
			var out []string
			for _, r := range mustRequisitions(t, db, f) {
				out = append(out, r.WorkOrderID)
			}
			return out
		}
		for _, c := range []struct {
			f    store.ERPRequisitionFilter
			want []string
		}{
			{store.ERPRequisitionFilter{WorkOrderID: "wo_1"}, []string{"wo_1"}},
			{store.ERPRequisitionFilter{WorkOrderID: "wo_3"}, []string{"wo_2"}}, // by a line only
			{store.ERPRequisitionFilter{WorkOrderID: "wo_9"}, nil},
			{store.ERPRequisitionFilter{ItemID: "BRG-6205"}, []string{"wo_1", "wo_2"}},
			{store.ERPRequisitionFilter{WorkOrderID: "wo_2", ItemID: "OIL-5L"}, []string{"wo_2"}},
			{store.ERPRequisitionFilter{WorkOrderID: "wo_4", ItemID: "BRG-6205"}, nil},
			{store.ERPRequisitionFilter{Status: procurement.Submitted}, []string{"wo_1", "wo_2", "wo_4"}},
		} {
			got := numbers(c.f)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("requisitions of %+v = %v; want %v", c.f, got, c.want)
			}
		}

		r := mustRequisitions(t, db, store.ERPRequisitionFilter{WorkOrderID: "wo_2"})[0]
		actx := as(ctx, "anna", millwright.Approver)
		if err := inERP(actx, db, func(tx *erp.Tx) error {
			_, err := procurement.Decide(actx, tx, r.ID, true, "")
			return err
		}); err != nil {
			t.Fatalf("approve = %v", err)
		}
		vendors := func(f store.ERPPurchaseOrderFilter) []string {
			var out []string
			for _, po := range mustPurchaseOrders(t, db, f) {
				out = append(out, po.Vendor)
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			f    store.ERPPurchaseOrderFilter
			want []string
		}{
			{store.ERPPurchaseOrderFilter{RequisitionID: r.ID}, []string{"SKF", "Shell"}},
			{store.ERPPurchaseOrderFilter{WorkOrderID: "wo_3"}, []string{"SKF"}},
			{store.ERPPurchaseOrderFilter{WorkOrderID: "wo_2"}, []string{"Shell"}},
			{store.ERPPurchaseOrderFilter{WorkOrderID: "wo_1"}, nil},
			{store.ERPPurchaseOrderFilter{RequisitionID: r.ID, ItemID: "OIL-5L"}, []string{"Shell"}},
		} {
			if got := vendors(c.f); !slices.Equal(got, c.want) {
				t.Errorf("purchase orders of %+v = %v; want %v", c.f, got, c.want)
			}
		}
	})
}
