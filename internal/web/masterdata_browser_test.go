package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// In the browser, from the screen only: the planner creates an asset and
// its maintenance BOM (a line added by "Add a line"); the storekeeper, on
// a phone, creates a storeroom, an item and its stock settings, and
// counts its opening stock on the Stock page. The store holds what was
// typed.
func TestBrowserMasterData(t *testing.T) {
	e := newEnv(t)
	var north, pumps string
	err := e.db.View(e.ctx(), func(tx *store.Tx) error {
		st, err := tx.SiteByCode(e.ctx(), "NORTH")
		if err != nil {
			return err
		}
		north = st.ID
		cs, err := tx.Classes(e.ctx(), "", 500)
		for _, c := range cs.Items {
			if c.Code == "PUMP-CENT" {
				pumps = c.ID
			}
		}
		return err
	})
	if err != nil || pumps == "" {
		t.Fatalf("demo NORTH and PUMP-CENT: %v", err)
	}

	// The planner.
	ctx := e.browser(1280, 900)
	e.login(ctx, "paula")
	e.run(ctx, "open the new asset form from the assets page",
		chromedp.Navigate(e.srv.URL+"/ui/assets"),
		chromedp.WaitVisible(chromedp.CSS("#new-asset")),
		submit("#new-asset"),
		chromedp.WaitVisible(chromedp.CSS("#asset-form")),
	)
	e.run(ctx, "create P-105",
		chromedp.SendKeys(chromedp.CSS("#asset-tag"), "P-105"),
		chromedp.SendKeys(chromedp.CSS("#asset-name"), "Condensate return pump"),
		chromedp.SetValue(chromedp.CSS("#asset-site"), north),
		chromedp.SetValue(chromedp.CSS("#asset-class"), pumps),
		chromedp.SetValue(chromedp.CSS("#asset-criticality"), "2"),
		chromedp.SendKeys(chromedp.CSS("#asset-cost-center"), "CC-NPWR"),
		submit("#asset-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if n, _ := textOf(ctx, "p.notice"); !strings.Contains(n, "P-105 created") {
		t.Errorf("notice = %q; want P-105 created", n)
	}
	e.run(ctx, "fill its BOM, one line added with the button",
		submit("#edit-bom"),
		chromedp.WaitVisible(chromedp.CSS("#bom-form")),
		chromedp.SendKeys(chromedp.CSS("#bom-part-0"), "GSK-DN100"),
		chromedp.SendKeys(chromedp.CSS("#bom-quantity-0"), "2"),
		chromedp.Click(chromedp.CSS("#bom-add")),
		chromedp.WaitVisible(chromedp.CSS("#bom-part-2")),
		chromedp.SendKeys(chromedp.CSS("#bom-part-2"), "CMP-VALVE-MIN"),
		chromedp.SendKeys(chromedp.CSS("#bom-quantity-2"), "1"),
		chromedp.Click(chromedp.CSS("#bom-arm-2")),
	)
	e.shot(ctx, "planner-asset-bom")
	e.run(ctx, "save the BOM",
		submit("#bom-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	var p105 *asset.Asset
	var bom []string
	err = e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.Assets(e.ctx(), asset.Filter{SiteID: north, Query: "P-105"})
		if err != nil || len(p.Items) != 1 {
			return err
		}
		p105 = &p.Items[0]
		lines, err := tx.AssetBOM(e.ctx(), p105.ID)
		for _, l := range lines {
			it, err := tx.Item(e.ctx(), l.ItemID)
			if err != nil {
				return err
			}
			s := it.PartNumber + "×" + l.Quantity.String()
			if l.AutoRequestMaterial {
				s += " arm"
			}
			bom = append(bom, s)
		}
		return err
	})
	if err != nil || p105 == nil || p105.Name != "Condensate return pump" || p105.ClassID != pumps || p105.Criticality != 2 || p105.CostCenter != "CC-NPWR" {
		t.Fatalf("P-105 = %+v, %v; want what was typed", p105, err)
	}
	if got := strings.Join(bom, ", "); got != "GSK-DN100×2, CMP-VALVE-MIN×1 arm" {
		t.Fatalf("P-105's BOM = %s; want GSK-DN100×2, CMP-VALVE-MIN×1 arm", got)
	}

	// The storekeeper, on a phone.
	ctx = e.browser(375, 812)
	e.login(ctx, "sam")
	e.run(ctx, "create the storeroom N-EAST",
		chromedp.Navigate(e.srv.URL+"/ui/storerooms"),
		chromedp.WaitVisible(chromedp.CSS("#storeroom-form")),
		chromedp.SendKeys(chromedp.CSS("#storeroom-code"), "N-EAST"),
		chromedp.SendKeys(chromedp.CSS("#storeroom-name"), "Riverside east store"),
		chromedp.SetValue(chromedp.CSS("#storeroom-site"), north),
		submit("#storeroom-create"),
		chromedp.WaitVisible(chromedp.CSS("#storeroom-N-EAST")),
	)
	var east string
	e.db.View(e.ctx(), func(tx *store.Tx) error {
		p, err := tx.Storerooms(e.ctx(), inventory.StoreroomFilter{SiteID: north})
		for _, sr := range p.Items {
			if sr.Code == "N-EAST" && sr.Name == "Riverside east store" {
				east = sr.ID
			}
		}
		return err
	})
	if east == "" {
		t.Fatal("no storeroom N-EAST at NORTH after the form")
	}
	e.run(ctx, "create the item BRG-6206-2RS",
		chromedp.Navigate(e.srv.URL+"/ui/items"),
		chromedp.WaitVisible(chromedp.CSS("#new-item")),
		submit("#new-item"),
		chromedp.WaitVisible(chromedp.CSS("#item-form")),
		chromedp.SendKeys(chromedp.CSS("#item-part_number"), "BRG-6206-2RS"),
		chromedp.SendKeys(chromedp.CSS("#item-description"), "Deep groove ball bearing 6206-2RS"),
		chromedp.SetValue(chromedp.CSS("#item-unit"), "EA"),
		chromedp.SendKeys(chromedp.CSS("#item-unit_cost"), "9.80"),
		chromedp.SendKeys(chromedp.CSS("#item-vendor"), "SKF"),
		chromedp.SendKeys(chromedp.CSS("#item-conversions"), "BOX=10"),
		submit("#item-save"),
		chromedp.WaitVisible(chromedp.CSS("#settings-form")),
	)
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("the item page scrolls sideways at 375 px (%v)", err)
	}
	e.run(ctx, "set its stock settings in N-EAST",
		chromedp.SetValue(chromedp.CSS("#set-storeroom_id"), east),
		chromedp.SetValue(chromedp.CSS("#set-reorder_point"), "4"),
		chromedp.SetValue(chromedp.CSS("#set-reorder_quantity"), "10"),
		chromedp.SetValue(chromedp.CSS("#set-max_quantity"), "20"),
		submit("#settings-save"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	e.shot(ctx, "storekeeper-item")
	e.run(ctx, "count its opening stock on the stock page",
		chromedp.Navigate(e.srv.URL+"/ui/stock"),
		chromedp.WaitVisible(chromedp.CSS("#adj-part-N-EAST")),
		chromedp.SendKeys(chromedp.CSS("#adj-part-N-EAST"), "BRG-6206-2RS"),
		chromedp.SendKeys(chromedp.CSS("#adj-qty-N-EAST"), "12"),
		chromedp.SendKeys(chromedp.CSS("#adj-cost-N-EAST"), "9.80"),
		chromedp.SendKeys(chromedp.CSS("#adj-reason-N-EAST"), "opening stock"),
		submit("form:has(#adj-part-N-EAST) button[type=submit]"),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	var it *inventory.Item
	var st *inventory.Stock
	err = e.db.View(e.ctx(), func(tx *store.Tx) (err error) {
		if it, err = tx.ItemByPartNumber(e.ctx(), "BRG-6206-2RS"); err != nil {
			return err
		}
		p, err := tx.Stock(e.ctx(), inventory.StockFilter{StoreroomID: east, ItemID: it.ID})
		if len(p.Items) == 1 {
			st = &p.Items[0]
		}
		return err
	})
	if err != nil || it.Description != "Deep groove ball bearing 6206-2RS" || it.Unit != "EA" || it.StockType != inventory.StockItem ||
		it.UnitCost.String() != "9.80" || it.Vendor != "SKF" || len(it.Conversions) != 1 {
		t.Fatalf("item = %+v, %v; want what was typed", it, err)
	}
	if st == nil || st.OnHand.String() != "12" || st.ReorderPoint.String() != "4" || st.ReorderQuantity.String() != "10" || st.MaxQuantity.String() != "20" {
		t.Fatalf("stock of BRG-6206-2RS in N-EAST = %+v; want 12 on hand, reorder at 4 for 10, max 20", st)
	}
}
