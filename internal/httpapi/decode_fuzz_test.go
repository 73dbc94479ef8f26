package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// writeBodies makes a new value of each type the write routes decode
// their bodies into. The handlers that declare their body inline are
// matched by a struct of the same shape.
var writeBodies = []func() any{
	func() any { return new(asset.Class) },
	func() any { return new(asset.ClassPatch) },
	func() any { return new(bom) },
	func() any { return new(asset.Asset) },
	func() any { return new(asset.Patch) },
	func() any { return new(asset.Site) },
	func() any { return new(asset.SitePatch) },
	func() any { return new(asset.Location) },
	func() any { return new(asset.LocationPatch) },
	func() any { return new(integration.Message) },
	func() any { return new(erpItemBody) },
	func() any { return new(erpRequisitionBody) },
	func() any { return new(commentBody) },
	func() any { return new(ruleBody) },
	func() any { return new(ledger.CostCenter) },
	func() any { return new(integration.ItemMapping) },
	func() any { return new(integration.CostCenterMapping) },
	func() any { return new(integration.AccountMapping) },
	func() any { return new(outbox.Settings) },
	func() any { return new(outbox.Rollout) },
	func() any { return new(reconcile.StockResolution) },
	func() any { return new(inventory.Item) },
	func() any { return new(inventory.ItemPatch) },
	func() any { return new(inventory.Storeroom) },
	func() any { return new(inventory.Settings) },
	func() any { return new(inventory.Adjustment) },
	func() any { return new(newUser) },
	func() any { return new(pm.Input) },
	func() any { return new(reading.Meter) },
	func() any { return new(reading.Input) },
	func() any { return new(workorder.New) },
	func() any { return new(workorder.Changes) },
	func() any { return new(workorder.NewMaterial) },
	func() any { return new(workorder.Completion) },
	func() any { return new(workorder.NewLabor) },
	func() any { return new(workorder.StockMove) },
	func() any { // erpReceive
		return new(struct {
			Lines []struct {
				LineID   string         `json:"line_id"`
				Quantity millwright.Qty `json:"quantity"`
			} `json:"lines"`
		})
	},
	func() any { // erpPostInvoice
		return new(struct {
			PurchaseOrderID string `json:"purchase_order_id"`
			VendorReference string `json:"vendor_reference"`
			Lines           []struct {
				LineID    string           `json:"line_id"`
				Quantity  millwright.Qty   `json:"quantity"`
				UnitPrice millwright.Money `json:"unit_price"`
			} `json:"lines"`
		})
	},
	func() any { // erpPostEntry
		return new(struct {
			Memo   string        `json:"memo"`
			SiteID string        `json:"site_id"`
			Lines  []ledger.Line `json:"lines"`
		})
	},
	func() any { // erpSaveBudget
		return new(struct {
			CostCenter string           `json:"cost_center"`
			Period     string           `json:"period"`
			Amount     millwright.Money `json:"amount"`
		})
	},
	func() any { // erpPutSettings
		return new(struct {
			TolerancePercent    *millwright.Qty   `json:"invoice_tolerance_percent"`
			ToleranceAmount     *millwright.Money `json:"invoice_tolerance_amount"`
			DefaultLeadTimeDays *int              `json:"default_lead_time_days"`
			DefaultWarehouse    *string           `json:"default_warehouse"`
		})
	},
	func() any { // requestMaterial
		return new(struct {
			LineIDs []string `json:"line_ids"`
		})
	},
}

// FuzzDecode sends any body to decode, as a write route does, into the
// type of the route the fuzzer picks. The body is read, or refused with
// an Invalid error with a code and a message (a 400, never a panic or a
// 500); a body that is read writes back as JSON that reads the same.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		v := writeBodies[int(route)%len(writeBodies)]()
		err := decode(httptest.NewRequest("POST", "/api/v1/fuzz", bytes.NewReader(body)), v)
		if err != nil {
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
				t.Fatalf("decode(%q) into %T = %#v; want an Invalid *millwright.Error with a code and a message", body, v, err)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decode(%q) into %T = %+v, which does not marshal: %v", body, v, v, err)
		}
		if _, ok := v.(*asset.Patch); ok {
			return // its NullBool tells left out from null on input only, and is never written
		}
		again := writeBodies[int(route)%len(writeBodies)]()
		if err := decode(httptest.NewRequest("POST", "/api/v1/fuzz", bytes.NewReader(out)), again); err != nil {
			t.Fatalf("decode(%q) into %T written as %s does not read back: %v", body, v, out, err)
		}
		if out2, _ := json.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("decode(%q) into %T written as %s reads back as %s", body, v, out, out2)
		}
	})
}
