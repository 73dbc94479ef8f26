package httpapi_test

import (
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// plant is the master data of a small plant made by mustPlant.
type plant struct {
	Site, OtherSite string // NORTH and SOUTH
	Class           string // PUMP: auto request material off, BOM of one SEAL
	Pump            string // asset P-101 at NORTH with its own BOM
	BareAsset       string // asset P-102 at NORTH, no BOM of its own: its class's applies
	ARMAsset        string // asset P-103 at NORTH, auto request material set on the asset
	SouthAsset      string // asset P-201 at SOUTH
	Filter          string // stock item FLT-10 (EA; BOX = 10 EA), unit cost 12.50
	Seal            string // stock item SEAL-20 (EA), unit cost 40.00
	Bearing         string // direct item BRG-SPC (EA), unit cost 250.00
	Store           string // storeroom MAIN at NORTH: 20 FLT-10 at 10.00, 5 SEAL-20 at 42.00
	SouthStore      string // storeroom MAIN at SOUTH: 7 FLT-10 at 11.00
	// Adjusted adds up, by storeroom and item, the stock adjustments made
	// outside work orders (quantity and value), for the invariant checks.
	Adjusted map[[2]string]inventory.Movement
}

// mustPlant makes a plant through the store: the endpoints for master data
// are not part of this package's tests.
func mustPlant(t *testing.T, a *api) *plant {
	t.Helper()
	ctx := t.Context()
	p := &plant{Adjusted: map[[2]string]inventory.Movement{}}
	yes := true
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		north := &asset.Site{Code: "NORTH", Name: "North plant", Currency: "EUR", TimeZone: "Europe/Berlin"}
		south := &asset.Site{Code: "SOUTH", Name: "South plant", Currency: "EUR", TimeZone: "Europe/Berlin"}
		class := &asset.Class{Code: "PUMP", Name: "Centrifugal pumps"}
		for _, err := range []error{tx.CreateSite(ctx, north), tx.CreateSite(ctx, south), tx.CreateClass(ctx, class)} {
			if err != nil {
				return err
			}
		}
		p.Site, p.OtherSite, p.Class = north.ID, south.ID, class.ID

		items := []*inventory.Item{
			{PartNumber: "FLT-10", Description: "Oil filter", Unit: "EA", StockType: inventory.StockItem,
				UnitCost: millwright.MustMoney("12.50"), Conversions: []inventory.Conversion{{Unit: "BOX", Factor: millwright.NewQty(10)}}},
			{PartNumber: "SEAL-20", Description: "Mechanical seal", Unit: "EA", StockType: inventory.StockItem,
				UnitCost: millwright.MustMoney("40.00")},
			{PartNumber: "BRG-SPC", Description: "Special bearing", Unit: "EA", StockType: inventory.DirectItem,
				UnitCost: millwright.MustMoney("250.00"), Vendor: "SKF"},
		}
		for _, it := range items {
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
		}
		p.Filter, p.Seal, p.Bearing = items[0].ID, items[1].ID, items[2].ID

		assets := []*asset.Asset{
			{Tag: "P-101", Name: "Feed pump", SiteID: north.ID, ClassID: class.ID, Criticality: 2, CostCenter: "CC-100"},
			{Tag: "P-102", Name: "Spare pump", SiteID: north.ID, ClassID: class.ID, Criticality: 3, CostCenter: "CC-100"},
			{Tag: "P-103", Name: "Dosing pump", SiteID: north.ID, ClassID: class.ID, Criticality: 3, CostCenter: "CC-100", AutoRequestMaterial: &yes},
			{Tag: "P-201", Name: "South pump", SiteID: south.ID, ClassID: class.ID, Criticality: 3, CostCenter: "CC-200"},
		}
		for _, as := range assets {
			if err := tx.CreateAsset(ctx, as); err != nil {
				return err
			}
		}
		p.Pump, p.BareAsset, p.ARMAsset, p.SouthAsset = assets[0].ID, assets[1].ID, assets[2].ID, assets[3].ID
		if err := tx.SetAssetBOM(ctx, p.Pump, []asset.BOMLine{
			{ItemID: p.Filter, Quantity: millwright.NewQty(2)},
			{ItemID: p.Bearing, Quantity: millwright.NewQty(1), AutoRequestMaterial: true},
		}); err != nil {
			return err
		}
		if err := tx.SetClassBOM(ctx, p.Class, []asset.BOMLine{{ItemID: p.Seal, Quantity: millwright.NewQty(1)}}); err != nil {
			return err
		}

		main := &inventory.Storeroom{Code: "MAIN", Name: "Main store", SiteID: north.ID}
		southMain := &inventory.Storeroom{Code: "MAIN", Name: "South store", SiteID: south.ID}
		for _, s := range []*inventory.Storeroom{main, southMain} {
			if err := tx.CreateStoreroom(ctx, s); err != nil {
				return err
			}
		}
		p.Store, p.SouthStore = main.ID, southMain.ID
		for _, o := range []struct {
			storeroom, item, qty, cost string
		}{
			{main.ID, p.Filter, "20", "10.00"},
			{main.ID, p.Seal, "5", "42.00"},
			{southMain.ID, p.Filter, "7", "11.00"},
		} {
			if err := p.adjust(t, tx, o.storeroom, o.item, millwright.MustQty(o.qty), millwright.MustMoney(o.cost)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("mustPlant: %v", err)
	}
	return p
}

// adjust records a stock adjustment of q at unitCost, as POST
// stock/adjustments does, and adds it to p.Adjusted.
func (p *plant) adjust(t *testing.T, tx *store.Tx, storeroomID, itemID string, q millwright.Qty, unitCost millwright.Money) error {
	ctx := t.Context()
	st, err := tx.StockForUpdate(ctx, storeroomID, itemID)
	if err != nil {
		return err
	}
	v, err := st.Adjust(q, unitCost, itemID)
	if err != nil {
		return err
	}
	if err := tx.SaveStock(ctx, st); err != nil {
		return err
	}
	key := [2]string{storeroomID, itemID}
	sum := p.Adjusted[key]
	sum.Quantity, sum.Value = sum.Quantity.Add(q), sum.Value.Add(v)
	p.Adjusted[key] = sum
	return tx.AddMovement(ctx, &inventory.Movement{StoreroomID: storeroomID, ItemID: itemID,
		Kind: inventory.MoveAdjustment, Quantity: q, Value: v, Reason: "count"})
}

// mustAdjust is adjust in a transaction of its own.
func (p *plant) mustAdjust(t *testing.T, a *api, storeroomID, itemID, q, unitCost string) {
	t.Helper()
	err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
		return p.adjust(t, tx, storeroomID, itemID, millwright.MustQty(q), millwright.MustMoney(unitCost))
	})
	if err != nil {
		t.Fatalf("adjust %s in %s by %s: %v", itemID, storeroomID, q, err)
	}
}

// mustStock returns the stock of an item in a storeroom.
func mustStock(t *testing.T, a *api, storeroomID, itemID string) inventory.Stock {
	t.Helper()
	var s *inventory.Stock
	err := a.db.InTx(t.Context(), func(tx *store.Tx) (err error) {
		s, err = tx.StockForUpdate(t.Context(), storeroomID, itemID)
		return err
	})
	if err != nil {
		t.Fatalf("stock of %s in %s: %v", itemID, storeroomID, err)
	}
	return *s
}

// mustWorkOrder creates a work order as admin from body (asset_id,
// type and title default to the plant's pump, corrective, "Fix it") and
// returns its response.
func mustWorkOrder(t *testing.T, a *api, p *plant, body map[string]any) resp {
	t.Helper()
	b := map[string]any{"type": "corrective", "asset_id": p.Pump, "title": "Fix it"}
	for k, v := range body {
		b[k] = v
	}
	return a.must(201, "POST", "/api/v1/work-orders", b)
}

// mustDrive applies verbs to a work order, as admin, in order. It
// completes with a reason to go without the direct materials not
// received, which the tests that drive it are not about.
func mustDrive(t *testing.T, a *api, id string, verbs ...string) resp {
	t.Helper()
	var r resp
	for _, v := range verbs {
		var body any
		if v == "complete" {
			body = map[string]any{"override_materials": "the test is not about its materials"}
		}
		r = a.must(200, "POST", "/api/v1/work-orders/"+id+"/"+v, body)
	}
	return r
}

// path returns the lifecycle verbs that take a new work order to status s.
func path(s string) []string {
	return map[string][]string{
		"requested":         {},
		"approved":          {"approve"},
		"planned":           {"approve", "plan"},
		"released":          {"approve", "release"},
		"in_progress":       {"approve", "release", "start"},
		"waiting_for_parts": {"approve", "release", "start", "wait"},
		"completed":         {"approve", "release", "start", "complete"},
		"closed":            {"approve", "release", "start", "complete", "close"},
		"cancelled":         {"cancel"},
	}[s]
}

// mustReleased creates a corrective work order on the pump, without its
// BOM, and releases it.
func mustReleased(t *testing.T, a *api, p *plant) string {
	t.Helper()
	id := mustWorkOrder(t, a, p, nil).str("id")
	mustDrive(t, a, id, path("released")...)
	return id
}
