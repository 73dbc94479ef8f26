package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// mustItem creates an item with part number pn of stockType and returns its id.
func mustItem(t *testing.T, a *api, pn, stockType string) string {
	t.Helper()
	return mustItemIn(t, a, pn, stockType, "EA")
}

// mustItemIn is mustItem for an item counted in unit.
func mustItemIn(t *testing.T, a *api, pn, stockType, unit string) string {
	t.Helper()
	return mustCreate(t, a, "/api/v1/items", map[string]any{
		"part_number": pn, "description": "Part " + pn, "unit": unit, "stock_type": stockType, "unit_cost": "10.00"})
}

// mustStoreroom creates a storeroom with code in site and returns its id.
func mustStoreroom(t *testing.T, a *api, siteID, code string) string {
	t.Helper()
	return mustCreate(t, a, "/api/v1/storerooms", map[string]any{"code": code, "name": "Store " + code, "site_id": siteID})
}

// mustStock returns the stock of item in storeroom as stored.
// num returns a JSON number of a response as text, as the API wrote it.
func num(m map[string]any, k string) string { return fmt.Sprint(m[k]) }

func TestItems(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		r := a.must(http.StatusCreated, "POST", "/api/v1/items", map[string]any{
			"part_number": "P-1002", "description": "Mechanical seal 40 mm", "unit": "EA", "stock_type": "stock",
			"unit_cost": "12.50", "vendor": "ACME", "item_group": "SEALS", "expense_account": "6100",
			"conversions": []any{map[string]any{"unit": "BOX", "factor": 10}}})
		seal := r.str("id")
		conv, _ := r.Body["conversions"].([]any)
		if r.str("unit_cost") != "12.50" || len(conv) != 1 || num(conv[0].(map[string]any), "factor") != "10" {
			t.Fatalf("created item = %s; want unit_cost \"12.50\" and one conversion BOX=10", r.Raw)
		}
		bearing := mustCreate(t, a, "/api/v1/items", map[string]any{
			"part_number": "B-77", "description": "Specialty bearing", "unit": "EA", "stock_type": "direct"})
		if r := a.must(http.StatusOK, "GET", "/api/v1/items/"+bearing, nil); r.str("unit_cost") != "0.00" || r.Body["conversions"] == nil {
			t.Fatalf("GET item = %s; want unit_cost \"0.00\" and conversions []", r.Raw)
		}
		wantIDs(t, a, a.admin, "/api/v1/items", seal, bearing)
		wantIDs(t, a, a.admin, "/api/v1/items?stock_type=direct", bearing)
		wantIDs(t, a, a.admin, "/api/v1/items?q=seal", seal)
		wantIDs(t, a, a.admin, "/api/v1/items?q=b-7", bearing)
		wantIDs(t, a, a.admin, "/api/v1/items?q=%25")
		list := a.must(http.StatusOK, "GET", "/api/v1/items?q=P-1002", nil)
		if c, _ := list.items()[0]["conversions"].([]any); len(c) != 1 {
			t.Fatalf("listed item = %s; want its conversions", list.Raw)
		}

		r = a.must(http.StatusOK, "PATCH", "/api/v1/items/"+seal, map[string]any{
			"description": "Seal 40 mm", "unit_cost": "13.20",
			"conversions": []any{map[string]any{"unit": "BOX", "factor": 12}, map[string]any{"unit": "PAL", "factor": 480}}})
		if r.str("description") != "Seal 40 mm" || r.str("unit_cost") != "13.20" || r.str("vendor") != "ACME" {
			t.Fatalf("patched item = %s; want new description and cost, vendor kept", r.Raw)
		}
		var stored *inventory.Item
		a.db.View(t.Context(), func(tx *store.Tx) (err error) { stored, err = tx.Item(t.Context(), seal); return err })
		if len(stored.Conversions) != 2 || stored.Conversions[0].Unit != "BOX" || !stored.Conversions[0].Factor.Equal(millwright.MustQty("12").Decimal) {
			t.Fatalf("stored conversions = %+v; want BOX=12, PAL=480", stored.Conversions)
		}
		if got, want := auditActions(t, a, "item", seal), []string{"create", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of item = %v; want %v", got, want)
		}

		item := func(mod func(m map[string]any)) map[string]any {
			m := map[string]any{"part_number": "X-1", "description": "x", "unit": "EA", "stock_type": "stock"}
			mod(m)
			return m
		}
		conversions := func(c ...any) func(m map[string]any) {
			return func(m map[string]any) { m["conversions"] = c }
		}
		runErrors(t, a, a.admin, []errCase{
			{"duplicate part number", "POST", "/api/v1/items", item(func(m map[string]any) { m["part_number"] = "P-1002" }), 409, "duplicate_key"},
			{"renumber onto taken", "PATCH", "/api/v1/items/" + bearing, map[string]any{"part_number": "P-1002"}, 409, "duplicate_key"},
			{"no part number", "POST", "/api/v1/items", item(func(m map[string]any) { delete(m, "part_number") }), 400, "missing_field"},
			{"no description", "POST", "/api/v1/items", item(func(m map[string]any) { delete(m, "description") }), 400, "missing_field"},
			{"no unit", "POST", "/api/v1/items", item(func(m map[string]any) { delete(m, "unit") }), 400, "missing_field"},
			{"no stock type", "POST", "/api/v1/items", item(func(m map[string]any) { delete(m, "stock_type") }), 400, "missing_field"},
			{"bad stock type", "POST", "/api/v1/items", item(func(m map[string]any) { m["stock_type"] = "nonstock" }), 400, "invalid_stock_type"},
			{"negative cost", "POST", "/api/v1/items", item(func(m map[string]any) { m["unit_cost"] = "-1.00" }), 400, "invalid_unit_cost"},
			{"cost not a number", "POST", "/api/v1/items", item(func(m map[string]any) { m["unit_cost"] = "ten" }), 400, "invalid_amount"},
			{"zero factor", "POST", "/api/v1/items", item(conversions(map[string]any{"unit": "BOX", "factor": 0})), 400, "invalid_conversion"},
			{"base unit converted", "POST", "/api/v1/items", item(conversions(map[string]any{"unit": "EA", "factor": 1})), 400, "invalid_conversion"},
			{"unit twice", "POST", "/api/v1/items", item(conversions(map[string]any{"unit": "BOX", "factor": 10}, map[string]any{"unit": "BOX", "factor": 12})), 400, "invalid_conversion"},
			{"patch negative cost", "PATCH", "/api/v1/items/" + seal, map[string]any{"unit_cost": "-0.01"}, 400, "invalid_unit_cost"},
			{"get unknown", "GET", "/api/v1/items/itm_nope", nil, 404, "not_found"},
			{"patch unknown", "PATCH", "/api/v1/items/itm_nope", map[string]any{"vendor": "x"}, 404, "not_found"},
		})

		// Once a storeroom holds the item, its unit and stock type are fixed.
		north := mustSite(t, a, "NORTH")
		room := mustStoreroom(t, a, north, "MAIN")
		a.must(http.StatusCreated, "POST", "/api/v1/stock/adjustments", map[string]any{
			"storeroom_id": room, "item_id": seal, "quantity": 1, "unit_cost": "13.20", "reason": "opening balance"})
		wantError(t, a.do("PATCH", "/api/v1/items/"+seal, a.admin, map[string]any{"stock_type": "direct"}), 422, "item_has_stock")
		wantError(t, a.do("PATCH", "/api/v1/items/"+seal, a.admin, map[string]any{"unit": "PC"}), 422, "item_has_stock")
		a.must(http.StatusOK, "PATCH", "/api/v1/items/"+seal, map[string]any{"vendor": "Seal Co"})
		a.must(http.StatusCreated, "POST", "/api/v1/stock/adjustments", map[string]any{
			"storeroom_id": room, "item_id": seal, "quantity": -1, "reason": "scrapped"})
		if r := a.must(http.StatusOK, "PATCH", "/api/v1/items/"+seal, map[string]any{"unit": "PC"}); r.str("unit") != "PC" {
			t.Fatalf("item with no stock after unit change = %s; want unit PC", r.Raw)
		}
	})
}

func TestStorerooms(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSite(t, a, "NORTH"), mustSite(t, a, "SOUTH")
		r := a.must(http.StatusCreated, "POST", "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "Main store", "site_id": north})
		main := r.str("id")
		if r.str("code") != "MAIN" || r.str("site_id") != north {
			t.Fatalf("created storeroom = %s", r.Raw)
		}
		other := mustStoreroom(t, a, south, "MAIN")
		wantIDs(t, a, a.admin, "/api/v1/storerooms", main, other)
		wantIDs(t, a, a.admin, "/api/v1/storerooms?site_id="+south, other)
		if r := a.must(http.StatusOK, "GET", "/api/v1/storerooms/"+main, nil); r.str("name") != "Main store" {
			t.Fatalf("GET storeroom = %s", r.Raw)
		}
		if got, want := auditActions(t, a, "storeroom", main), []string{"create"}; !slices.Equal(got, want) {
			t.Fatalf("audit of storeroom = %v; want %v", got, want)
		}
		runErrors(t, a, a.admin, []errCase{
			{"duplicate code in site", "POST", "/api/v1/storerooms", map[string]any{"code": "MAIN", "name": "x", "site_id": north}, 409, "duplicate_key"},
			{"no code", "POST", "/api/v1/storerooms", map[string]any{"name": "x", "site_id": north}, 400, "missing_field"},
			{"no name", "POST", "/api/v1/storerooms", map[string]any{"code": "X", "site_id": north}, 400, "missing_field"},
			{"no site", "POST", "/api/v1/storerooms", map[string]any{"code": "X", "name": "x"}, 400, "missing_field"},
			{"unknown site", "POST", "/api/v1/storerooms", map[string]any{"code": "X", "name": "x", "site_id": "site_nope"}, 422, "unknown_site"},
			{"get unknown", "GET", "/api/v1/storerooms/str_nope", nil, 404, "not_found"},
		})
	})
}

func TestStockSettings(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		room := mustStoreroom(t, a, north, "MAIN")
		filter, bearing := mustItem(t, a, "F-10", "stock"), mustItem(t, a, "B-77", "direct")
		path := "/api/v1/storerooms/" + room + "/stock/" + filter

		r := a.must(http.StatusOK, "PUT", path, map[string]any{"reorder_point": 5, "reorder_quantity": 20, "max_quantity": 30})
		if num(r.Body, "reorder_point") != "5" || num(r.Body, "reorder_quantity") != "20" || num(r.Body, "max_quantity") != "30" ||
			num(r.Body, "on_hand") != "0" || r.str("average_cost") != "0.00" {
			t.Fatalf("PUT stock settings = %s; want 5/20/30 with nothing on hand", r.Raw)
		}
		list := a.must(http.StatusOK, "GET", "/api/v1/stock?storeroom_id="+room, nil)
		if items := list.items(); len(items) != 1 || items[0]["item_id"] != filter || num(items[0], "reorder_point") != "5" {
			t.Fatalf("GET stock = %s; want the filter's row with reorder point 5", list.Raw)
		}
		for _, k := range []string{"storeroom_id", "item_id", "on_hand", "reserved", "available", "reorder_point", "reorder_quantity", "max_quantity", "average_cost"} {
			if _, ok := list.items()[0][k]; !ok {
				t.Fatalf("stock row = %s; want field %s", list.Raw, k)
			}
		}
		// No maximum is fine; so is no reorder point at all.
		a.must(http.StatusOK, "PUT", path, map[string]any{"reorder_point": 5, "reorder_quantity": 20})
		a.must(http.StatusOK, "PUT", path, map[string]any{})
		s := mustStock(t, a, room, filter)
		if !s.ReorderPoint.IsZero() || !s.MaxQuantity.IsZero() {
			t.Fatalf("stored settings = %+v; want all zero after an empty PUT", s)
		}
		a.must(http.StatusOK, "PUT", path, map[string]any{"reorder_point": 2, "reorder_quantity": 4, "max_quantity": 2})
		if got, want := auditActions(t, a, "stock", room+"/"+filter), []string{"update", "update", "update", "update"}; !slices.Equal(got, want) {
			t.Fatalf("audit of stock = %v; want %v", got, want)
		}

		runErrors(t, a, a.admin, []errCase{
			{"negative reorder point", "PUT", path, map[string]any{"reorder_point": -1}, 400, "invalid_quantity"},
			{"negative max", "PUT", path, map[string]any{"max_quantity": -1}, 400, "invalid_quantity"},
			{"max below reorder point", "PUT", path, map[string]any{"reorder_point": 10, "reorder_quantity": 5, "max_quantity": 9}, 422, "max_below_reorder_point"},
			{"reorder point with no quantity", "PUT", path, map[string]any{"reorder_point": 10}, 422, "no_reorder_quantity"},
			{"direct item", "PUT", "/api/v1/storerooms/" + room + "/stock/" + bearing, map[string]any{"reorder_point": 1, "reorder_quantity": 1}, 422, "direct_item"},
			{"unknown storeroom", "PUT", "/api/v1/storerooms/str_nope/stock/" + filter, map[string]any{}, 404, "not_found"},
			{"unknown item", "PUT", "/api/v1/storerooms/" + room + "/stock/itm_nope", map[string]any{}, 404, "not_found"},
		})
		if s := mustStock(t, a, room, filter); s.ReorderPoint.String() != "2" || s.MaxQuantity.String() != "2" {
			t.Fatalf("stored settings after refused PUTs = %+v; want 2/4/2 kept", s)
		}
	})
}

func TestStockAdjustments(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		room := mustStoreroom(t, a, north, "MAIN")
		filter, bearing := mustItem(t, a, "F-10", "stock"), mustItem(t, a, "B-77", "direct")
		adjust := func(q any, cost any, reason string) resp {
			body := map[string]any{"storeroom_id": room, "item_id": filter, "quantity": q, "reason": reason}
			if cost != nil {
				body["unit_cost"] = cost
			}
			return a.do("POST", "/api/v1/stock/adjustments", a.admin, body)
		}

		r := adjust(10, "4.00", "opening balance")
		if r.Status != http.StatusCreated {
			t.Fatalf("first adjustment = %d %s; want 201", r.Status, r.Raw)
		}
		mov, _ := r.Body["movement"].(map[string]any)
		if mov["kind"] != "adjustment" || num(mov, "quantity") != "10" || mov["value"] != "40.00" || mov["reason"] != "opening balance" || mov["actor"] != "admin" {
			t.Fatalf("movement = %s; want an adjustment of 10 worth 40.00 by admin", r.Raw)
		}
		r = adjust(10, "5.00", "count")
		st, _ := r.Body["stock"].(map[string]any)
		if num(st, "on_hand") != "20" || st["average_cost"] != "4.50" || st["value"] != "90.00" {
			t.Fatalf("stock after +10@4.00, +10@5.00 = %s; want 20 on hand at 4.50, value 90.00", r.Raw)
		}
		if s := mustStock(t, a, room, filter); !s.AverageCost.Equal(millwright.MustMoney("4.5").Decimal) {
			t.Fatalf("stored average cost = %s; want exactly 4.5000", s.AverageCost.Decimal)
		}

		r = adjust(-5, nil, "damaged in storage")
		mov, st = r.Body["movement"].(map[string]any), r.Body["stock"].(map[string]any)
		if num(mov, "quantity") != "-5" || mov["value"] != "-22.50" || num(st, "on_hand") != "15" || st["value"] != "67.50" || st["average_cost"] != "4.50" {
			t.Fatalf("stock after -5 = %s; want movement -22.50 and 15 on hand worth 67.50 at 4.50", r.Raw)
		}

		// Never below zero: the refused adjustment changes nothing.
		wantError(t, adjust(-16, nil, "count"), 422, "insufficient_stock")
		if s := mustStock(t, a, room, filter); s.OnHand.String() != "15" || !s.Value.Equal(millwright.MustMoney("67.50").Decimal) {
			t.Fatalf("stock after refused adjustment = %s on hand, value %s; want 15 and 67.50", s.OnHand, s.Value)
		}
		// Taking everything empties the value exactly.
		r = adjust(-15, nil, "count")
		if st := r.Body["stock"].(map[string]any); num(st, "on_hand") != "0" || st["value"] != "0.00" || r.Body["movement"].(map[string]any)["value"] != "-67.50" {
			t.Fatalf("stock after removing all = %s; want 0 on hand, value 0.00", r.Raw)
		}

		runErrors(t, a, a.admin, []errCase{
			{"no reason", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 1, "unit_cost": "1"}, 400, "missing_field"},
			{"no unit cost to add", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 1, "reason": "x"}, 400, "missing_field"},
			{"negative unit cost", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 1, "unit_cost": "-1", "reason": "x"}, 400, "invalid_unit_cost"},
			{"zero quantity", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 0, "reason": "x"}, 400, "invalid_quantity"},
			{"no storeroom", "POST", "/api/v1/stock/adjustments", map[string]any{"item_id": filter, "quantity": 1, "unit_cost": "1", "reason": "x"}, 400, "missing_field"},
			{"unknown storeroom", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": "str_nope", "item_id": filter, "quantity": 1, "unit_cost": "1", "reason": "x"}, 422, "unknown_storeroom"},
			{"unknown item", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": "itm_nope", "quantity": 1, "unit_cost": "1", "reason": "x"}, 422, "unknown_item"},
			{"direct item", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": bearing, "quantity": 1, "unit_cost": "1", "reason": "x"}, 422, "direct_item"},
			{"remove from empty", "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": -1, "reason": "x"}, 422, "insufficient_stock"},
		})

		movs := a.must(http.StatusOK, "GET", "/api/v1/stock/movements?storeroom_id="+room+"&item_id="+filter, nil).items()
		var got []string
		for _, m := range movs {
			got = append(got, fmt.Sprint(m["quantity"], " ", m["value"], " ", m["reason"]))
		}
		want := []string{"10 40.00 opening balance", "10 50.00 count", "-5 -22.50 damaged in storage", "-15 -67.50 count"}
		if !slices.Equal(got, want) {
			t.Fatalf("movements = %q; want %q", got, want)
		}
		if got, want := auditActions(t, a, "stock", room+"/"+filter), []string{"adjust", "adjust", "adjust", "adjust"}; !slices.Equal(got, want) {
			t.Fatalf("audit of stock = %v; want %v", got, want)
		}
		var ok bool
		a.db.View(t.Context(), func(tx *store.Tx) error { v, err := tx.VerifyAudit(t.Context()); ok = v.OK; return err })
		if !ok {
			t.Fatal("audit chain does not verify after adjustments")
		}
	})
}

func TestMovementFilters(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		room := mustStoreroom(t, a, north, "MAIN")
		filter, belt := mustItem(t, a, "F-10", "stock"), mustItem(t, a, "V-1", "stock")
		for _, it := range []string{filter, belt} {
			a.must(http.StatusCreated, "POST", "/api/v1/stock/adjustments", map[string]any{
				"storeroom_id": room, "item_id": it, "quantity": 3, "unit_cost": "1.00", "reason": "count"})
		}
		// An issue made by a work order, as the work-order code records it.
		issue := inventory.Movement{StoreroomID: room, ItemID: belt, Kind: inventory.MoveIssue,
			Quantity: millwright.MustQty("-1"), Value: millwright.MustMoney("-1.00"), WorkOrderID: "wo_1"}
		if err := a.db.InTx(t.Context(), func(tx *store.Tx) error { return tx.AddMovement(t.Context(), &issue) }); err != nil {
			t.Fatal(err)
		}
		all := a.must(http.StatusOK, "GET", "/api/v1/stock/movements", nil)
		if len(all.items()) != 3 {
			t.Fatalf("all movements = %s; want 3", all.Raw)
		}
		wantIDs(t, a, a.admin, "/api/v1/stock/movements?work_order_id=wo_1", issue.ID)
		if got := a.must(http.StatusOK, "GET", "/api/v1/stock/movements?item_id="+belt, nil).items(); len(got) != 2 {
			t.Fatalf("movements of the belt = %v; want 2", got)
		}
		if got := a.must(http.StatusOK, "GET", "/api/v1/stock/movements?item_id="+belt, nil).items(); got[1]["work_order_id"] != "wo_1" || got[0]["work_order_id"] != "" {
			t.Fatalf("belt movements = %v; want the issue to carry wo_1 and the adjustment none", got)
		}
	})
}

func TestInventorySiteScope(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north, south := mustSite(t, a, "NORTH"), mustSite(t, a, "SOUTH")
		northRoom, southRoom := mustStoreroom(t, a, north, "MAIN"), mustStoreroom(t, a, south, "MAIN")
		filter := mustItem(t, a, "F-10", "stock")
		for _, room := range []string{northRoom, southRoom} {
			a.must(http.StatusCreated, "POST", "/api/v1/stock/adjustments", map[string]any{
				"storeroom_id": room, "item_id": filter, "quantity": 3, "unit_cost": "1.00", "reason": "count"})
		}
		keeper := a.token("north-keeper", millwright.Storekeeper, north)

		wantIDs(t, a, keeper, "/api/v1/storerooms", northRoom)
		stock := a.do("GET", "/api/v1/stock", keeper, nil)
		if items := stock.items(); len(items) != 1 || items[0]["storeroom_id"] != northRoom {
			t.Fatalf("scoped stock list = %s; want only the north storeroom", stock.Raw)
		}
		if got := a.do("GET", "/api/v1/stock?storeroom_id="+southRoom, keeper, nil).items(); len(got) != 0 {
			t.Fatalf("scoped stock of the south storeroom = %v; want none", got)
		}
		movs := a.do("GET", "/api/v1/stock/movements", keeper, nil)
		if items := movs.items(); len(items) != 1 || items[0]["storeroom_id"] != northRoom {
			t.Fatalf("scoped movements = %s; want only the north storeroom's", movs.Raw)
		}
		if r := a.do("POST", "/api/v1/stock/adjustments", keeper, map[string]any{
			"storeroom_id": northRoom, "item_id": filter, "quantity": -1, "reason": "count"}); r.Status != http.StatusCreated {
			t.Fatalf("scoped adjustment in own site = %d %s; want 201", r.Status, r.Raw)
		}
		runErrors(t, a, keeper, []errCase{
			{"list other site", "GET", "/api/v1/storerooms?site_id=" + south, nil, 403, "site_forbidden"},
			{"stock of other site", "GET", "/api/v1/stock?site_id=" + south, nil, 403, "site_forbidden"},
			{"get other storeroom", "GET", "/api/v1/storerooms/" + southRoom, nil, 403, "site_forbidden"},
			{"create in other site", "POST", "/api/v1/storerooms", map[string]any{"code": "X", "name": "x", "site_id": south}, 403, "site_forbidden"},
			{"settings in other site", "PUT", "/api/v1/storerooms/" + southRoom + "/stock/" + filter, map[string]any{}, 403, "site_forbidden"},
			{"adjust in other site", "POST", "/api/v1/stock/adjustments", map[string]any{
				"storeroom_id": southRoom, "item_id": filter, "quantity": -1, "reason": "count"}, 403, "site_forbidden"},
		})
		if s := mustStock(t, a, southRoom, filter); s.OnHand.String() != "3" {
			t.Fatalf("south stock after refused adjustment = %s; want 3", s.OnHand)
		}
	})
}

func TestInventoryRoles(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		room := mustStoreroom(t, a, north, "MAIN")
		filter := mustItem(t, a, "F-10", "stock")
		tokens := map[millwright.Role]string{}
		for _, role := range []millwright.Role{millwright.Planner, millwright.Technician, millwright.Storekeeper, millwright.Buyer} {
			tokens[role] = a.token(string(role), role, "")
		}
		for _, c := range []struct {
			role   millwright.Role
			method string
			path   string
			body   any
			status int
		}{
			{millwright.Planner, "POST", "/api/v1/items", map[string]any{"part_number": "X", "description": "x", "unit": "EA", "stock_type": "stock"}, 403},
			{millwright.Technician, "PATCH", "/api/v1/items/" + filter, map[string]any{"vendor": "x"}, 403},
			{millwright.Technician, "POST", "/api/v1/storerooms", map[string]any{"code": "X", "name": "x", "site_id": north}, 403},
			{millwright.Planner, "PUT", "/api/v1/storerooms/" + room + "/stock/" + filter, map[string]any{}, 403},
			{millwright.Technician, "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 1, "unit_cost": "1", "reason": "x"}, 403},
			{millwright.Technician, "GET", "/api/v1/stock", nil, 200},
			{millwright.Buyer, "GET", "/api/v1/items/" + filter, nil, 200},
			{millwright.Storekeeper, "POST", "/api/v1/items", map[string]any{"part_number": "Y", "description": "y", "unit": "EA", "stock_type": "stock"}, 201},
			{millwright.Storekeeper, "POST", "/api/v1/stock/adjustments", map[string]any{"storeroom_id": room, "item_id": filter, "quantity": 1, "unit_cost": "1", "reason": "x"}, 201},
		} {
			t.Run(fmt.Sprint(c.role, " ", c.method, " ", c.path), func(t *testing.T) {
				r := a.do(c.method, c.path, tokens[c.role], c.body)
				if c.status == 403 {
					wantError(t, r, 403, "forbidden")
					return
				}
				if r.Status != c.status {
					t.Fatalf("got %d %s; want %d", r.Status, r.Raw, c.status)
				}
			})
		}
	})
}

func TestInventoryPaging(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		north := mustSite(t, a, "NORTH")
		var items, rooms, stock, movements []string
		for i := range 3 {
			items = append(items, mustItem(t, a, fmt.Sprint("P-", i), "stock"))
			rooms = append(rooms, mustStoreroom(t, a, north, fmt.Sprint("S", i)))
		}
		for _, room := range rooms[:2] {
			for _, it := range items {
				r := a.must(http.StatusCreated, "POST", "/api/v1/stock/adjustments", map[string]any{
					"storeroom_id": room, "item_id": it, "quantity": 1, "unit_cost": "1.00", "reason": "count"})
				movements = append(movements, r.Body["movement"].(map[string]any)["id"].(string))
				stock = append(stock, room+" "+it)
			}
		}
		byID := func(m map[string]any) string { return m["id"].(string) }
		byKey := func(m map[string]any) string { return m["storeroom_id"].(string) + " " + m["item_id"].(string) }
		for _, c := range []struct {
			path string
			key  func(map[string]any) string
			want []string
		}{
			{"/api/v1/items?", byID, items},
			{"/api/v1/storerooms?", byID, rooms},
			{"/api/v1/stock?", byKey, stock},
			{"/api/v1/stock/movements?", byID, movements},
		} {
			if got := walk(t, a, c.path, c.key); !slices.Equal(got, c.want) {
				t.Fatalf("walking %s = %v; want %v, each once in order", c.path, got, c.want)
			}
		}
		wantError(t, a.do("GET", "/api/v1/stock?cursor=garbage", a.admin, nil), 400, "bad_cursor")
	})
}
