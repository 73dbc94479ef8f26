package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
)

// A storekeeper receives a purchase order from the Receipts page: the
// order lists each line with where it goes and what is still open; a bad
// quantity is explained and receives nothing; a part receipt leaves the
// order partly received, the rest closes it; the stock rises in the ERP.
// A technician may not receive.
func TestStorekeeperReceives(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		ctx := s.ctx()
		if err := (&outbox.Dispatcher{DB: s.db, Connector: erp.New(s.db)}).Step(ctx); err != nil { // the item master reaches the ERP
			t.Fatal(err)
		}
		var req *procurement.Requisition
		err := s.db.InTx(ctx, func(stx *store.Tx) (err error) {
			st, err := stx.SiteByCode(ctx, "NORTH")
			if err != nil {
				return err
			}
			req, err = procurement.Create(ctx, erp.Wrap(stx), procurement.NewRequisition{SiteID: st.ID, Source: procurement.ByHand,
				Priority: 3, CostCenter: "CC-NPWR", RequestedBy: "bea",
				Lines: []procurement.NewLine{{ERPItemCode: "GRS-EP2", Quantity: millwright.NewQty(10), Warehouse: "N-MAIN"}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		alan, _ := s.login("alan")
		if code, _, h := alan.post("/ui/approvals/"+req.ID+"/approve", url.Values{"csrf": {alan.csrf}}); code != http.StatusSeeOther || flashOf(h) != "notice" {
			t.Fatalf("approve %s: %d %q", req.Number, code, flashOf(h))
		}
		var po procurement.PurchaseOrder
		s.db.View(ctx, func(tx *store.Tx) error {
			p, err := tx.ERPPurchaseOrders(ctx, store.ERPPurchaseOrderFilter{RequisitionID: req.ID})
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("purchase orders of %s = %+v, %v; want one", req.Number, p.Items, err)
			}
			po = p.Items[0]
			return nil
		})
		line := po.Lines[0]

		sam, _ := s.login("sam")
		code, body, _ := sam.get("/ui/receipts")
		if code != http.StatusOK || !strings.Contains(body, `id="po-`+po.Number+`"`) || !strings.Contains(body, "storeroom N-MAIN") ||
			!strings.Contains(body, `id="qty-`+line.ID+`"`) || !strings.Contains(body, `href="/ui/receipts"`) {
			t.Fatalf("sam's receipts page = %d; want %s with a quantity field for its line, in the menu:\n%.600s", code, po.Number, body)
		}
		receive := func(qty string) (int, string) {
			code, _, h := sam.post("/ui/receipts/"+po.ID, url.Values{"csrf": {sam.csrf}, "qty-" + line.ID: {qty}})
			return code, flashOf(h)
		}
		for _, bad := range []string{"two", "-1", "11", ""} {
			if code, flash := receive(bad); code != http.StatusSeeOther || flash != "error" {
				t.Errorf("receive %q: %d %q; want back to the page with an error", bad, code, flash)
			}
			sam.get("/ui/receipts") // the error is shown once
		}
		if code, flash := receive("4"); code != http.StatusSeeOther || flash != "notice" {
			t.Fatalf("receive 4: %d %q", code, flash)
		}
		if _, body, _ := sam.get("/ui/receipts"); !strings.Contains(body, "partly received") && !strings.Contains(body, "partially_received") {
			t.Errorf("after receiving 4 of 10 the page does not say the order is partly received:\n%.600s", body)
		}
		if code, flash := receive("6"); code != http.StatusSeeOther || flash != "notice" {
			t.Fatalf("receive 6: %d %q", code, flash)
		}
		s.db.View(ctx, func(tx *store.Tx) error {
			got, err := tx.ERPPurchaseOrder(ctx, po.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != procurement.Received || !got.Lines[0].ReceivedQuantity.Equal(millwright.NewQty(10).Decimal) {
				t.Errorf("%s is %s with %s received; want received, 10", got.Number, got.Status, got.Lines[0].ReceivedQuantity)
			}
			return nil
		})
		if _, body, _ := sam.get("/ui/receipts"); strings.Contains(body, `id="po-`+po.Number+`"`) {
			t.Errorf("the received order %s is still listed", po.Number)
		}
		tom, _ := s.login("tom")
		if code, _, _ := tom.get("/ui/receipts"); code != http.StatusForbidden {
			t.Errorf("a technician's receipts page = %d; want 403", code)
		}
	})
}
