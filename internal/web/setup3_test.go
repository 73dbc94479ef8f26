package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// crafts lists every craft of code, at every site and at each site.
func (s *site) crafts(code string) []workorder.Craft {
	s.t.Helper()
	var out []workorder.Craft
	s.db.View(s.ctx(), func(tx *store.Tx) error {
		cs, err := tx.Crafts(s.ctx(), "")
		for _, c := range cs {
			if c.Code == code {
				out = append(out, c)
			}
		}
		return err
	})
	return out
}

// A planner adds a craft with its rate from the screen and changes the
// rate from the list; a refusal keeps what was typed with the reason
// beside its field and writes nothing; a NORTH planner adds NORTH's own
// craft only; a technician sees the rates but may not change them.
func TestCraftForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north := s.siteID("NORTH")
		paula, _ := s.login("paula")
		code, body, _ := paula.get("/ui/crafts")
		if code != http.StatusOK || !strings.Contains(body, "<title>Crafts · Millwright</title>") || !strings.Contains(body, `data-craft="mechanic"`) ||
			!strings.Contains(body, `id="craft-form"`) || !strings.Contains(body, `href="/ui/crafts"`) {
			t.Fatalf("crafts page = %d; want the demo's crafts, the form and a menu link:\n%.1500s", code, body)
		}
		form := url.Values{"csrf": {paula.csrf}, "code": {"Welder"}, "name": {"Welder"}, "rate": {"forty"}, "site_id": {""}}
		code, body, _ = paula.post("/ui/crafts", form)
		wantRefused(t, "a rate in words", code, body, http.StatusBadRequest, "craft-rate-error", `rate: "forty" is not an amount`, `value="Welder"`, `value="forty"`)
		form.Set("rate", "0")
		code, body, _ = paula.post("/ui/crafts", form)
		wantRefused(t, "a rate of 0", code, body, http.StatusBadRequest, "craft-rate-error", "rate must be more than 0", `value="Welder"`)
		form.Set("rate", "61.50")
		form.Set("code", "welder!")
		code, body, _ = paula.post("/ui/crafts", form)
		wantRefused(t, "a bad code", code, body, http.StatusBadRequest, "craft-code-error", `code "welder!"`, `value="61.50"`)
		if cs := s.crafts("welder"); len(cs) != 0 {
			t.Fatalf("refused forms wrote %+v", cs)
		}
		form.Set("code", "Welder")
		code, _, h := paula.post("/ui/crafts", form)
		cs := s.crafts("welder")
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/crafts" || len(cs) != 1 || cs[0].Rate.String() != "61.50" || cs[0].SiteID != "" || cs[0].Name != "Welder" {
			t.Fatalf("create craft = %d to %q, crafts %+v; want 303 and welder at 61.50 for every site", code, h.Get("Location"), cs)
		}
		_, body, _ = paula.get("/ui/crafts")
		if !strings.Contains(body, "craft welder (Welder) of every site costs 61.50 an hour") || !strings.Contains(body, `id="rate-`+cs[0].ID+`"`) {
			t.Errorf("after saving: no notice or no rate form for the new craft:\n%.3000s", body)
		}
		// Change the rate from the list row.
		code, _, _ = paula.post("/ui/crafts", url.Values{"csrf": {paula.csrf}, "code": {"welder"}, "name": {"Welder"}, "site_id": {""}, "rate": {"64.00"}})
		if cs = s.crafts("welder"); code != http.StatusSeeOther || len(cs) != 1 || cs[0].Rate.String() != "64.00" {
			t.Errorf("change rate = %d, crafts %+v; want one welder at 64.00", code, cs)
		}

		// A NORTH planner's craft is NORTH's; SOUTH is refused.
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		_, body, _ = nora.get("/ui/crafts")
		if strings.Contains(body, "Every site</option>") || !strings.Contains(body, `value="`+north+`"`) {
			t.Errorf("NORTH planner's craft form offers every site, or not NORTH")
		}
		code, _, _ = nora.post("/ui/crafts", url.Values{"csrf": {nora.csrf}, "code": {"welder"}, "name": {"Welder (north)"}, "site_id": {north}, "rate": {"70.00"}})
		cs = s.crafts("welder")
		if code != http.StatusSeeOther || len(cs) != 2 {
			t.Fatalf("NORTH planner's welder = %d, crafts %+v; want 303 and a NORTH welder beside every site's", code, cs)
		}
		if code, _, _ := nora.post("/ui/crafts", url.Values{"csrf": {nora.csrf}, "code": {"rigger"}, "name": {"Rigger"}, "site_id": {s.siteID("SOUTH")}, "rate": {"50"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner saves a SOUTH craft: %d; want 403", code)
		}
		if cs := s.crafts("rigger"); len(cs) != 0 {
			t.Errorf("the refused SOUTH craft was written: %+v", cs)
		}

		tom, _ := s.login("tom")
		code, body, _ = tom.get("/ui/crafts")
		if code != http.StatusOK || strings.Contains(body, `id="craft-form"`) || !strings.Contains(body, `data-craft="mechanic"`) {
			t.Errorf("technician's crafts page = %d; want the list without the form", code)
		}
		if code, _, _ := tom.post("/ui/crafts", url.Values{"csrf": {tom.csrf}, "code": {"mechanic"}, "name": {"Mechanic"}, "rate": {"1.00"}}); code != http.StatusForbidden {
			t.Errorf("technician changes a rate: %d; want 403", code)
		}
		if cs := s.crafts("mechanic"); len(cs) != 1 || cs[0].Rate.String() != "48.00" {
			t.Errorf("mechanic after the refusal = %+v; want 48.00", cs)
		}
	})
}

// An administrator gives a user a craft from the user forms, on create
// and on edit; an unknown craft, or one of another site, is refused
// beside the field with what was typed kept; the technician's labor then
// takes the craft's rate.
func TestUserCraftForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		ada, _ := s.login("ada")
		_, body, _ := ada.get("/ui/admin/users")
		if !strings.Contains(body, `<select id="user-craft" name="craft"`) || !strings.Contains(body, `<option value="electrician">`) || !strings.Contains(body, `href="/ui/crafts"`) {
			t.Fatalf("the new user form offers no craft:\n%.3000s", body)
		}
		// A craft of NORTH only, then a SOUTH user with it.
		if err := s.db.InTx(s.ctx(), func(tx *store.Tx) error {
			_, err := workorder.SaveCraft(s.ctx(), tx, workorder.Craft{Code: "millwright", Name: "Millwright", SiteID: north, Rate: millwright.MustMoney("66.00")})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ada.get("/ui/admin/users")
		form := url.Values{"csrf": {ada.csrf}, "username": {"walt"}, "password": {"walt-password-1"}, "role": {"technician"}, "site_id": {south}, "craft": {"millwright"}}
		code, body, _ := ada.post("/ui/admin/users", form)
		wantRefused(t, "a NORTH craft for a SOUTH user", code, body, http.StatusUnprocessableEntity, "user-craft-error", "craft millwright does not exist at the user's site", `value="walt"`, `value="`+south+`" selected`)
		form.Set("craft", "astronaut")
		code, body, _ = ada.post("/ui/admin/users", form)
		wantRefused(t, "an unknown craft", code, body, http.StatusUnprocessableEntity, "user-craft-error", "craft astronaut does not exist", `value="walt"`)
		if u := s.userNamed("walt"); u != nil {
			t.Fatalf("refused forms wrote %+v", u)
		}
		form.Set("site_id", north)
		form.Set("craft", "millwright")
		code, _, _ = ada.post("/ui/admin/users", form)
		u := s.userNamed("walt")
		if code != http.StatusSeeOther || u == nil || u.Craft != "millwright" || u.SiteID != north {
			t.Fatalf("create = %d, user %+v; want a NORTH millwright", code, u)
		}
		// Edit: the form shows the craft; change it to electrician.
		_, body, _ = ada.get("/ui/admin/users/" + u.ID)
		if !strings.Contains(body, `<option value="millwright" selected>`) {
			t.Errorf("the edit form does not show walt's craft:\n%.3000s", body)
		}
		code, body, _ = ada.post("/ui/admin/users/"+u.ID, url.Values{"csrf": {ada.csrf}, "role": {"technician"}, "site_id": {north}, "craft": {"astronaut"}})
		wantRefused(t, "edit to an unknown craft", code, body, http.StatusUnprocessableEntity, "user-craft-error", "craft astronaut does not exist")
		if u = s.userNamed("walt"); u.Craft != "millwright" {
			t.Errorf("the refused edit changed the craft to %q", u.Craft)
		}
		code, _, _ = ada.post("/ui/admin/users/"+u.ID, url.Values{"csrf": {ada.csrf}, "role": {"technician"}, "site_id": {north}, "craft": {"electrician"}})
		if u = s.userNamed("walt"); code != http.StatusSeeOther || u.Craft != "electrician" {
			t.Errorf("edit = %d, craft %q; want 303 and electrician", code, u.Craft)
		}
		// Labor walt logs without a rate takes the electrician's at NORTH.
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			c, err := tx.CraftAt(s.ctx(), u.Craft, north)
			if err != nil || c.Rate.String() != "75.00" {
				t.Errorf("walt's craft at NORTH = %+v, %v; want the electrician's 75.00", c, err)
			}
			return nil
		})

		// A NORTH administrator offers NORTH's and every site's crafts;
		// a planner may not open the users page.
		s.mustSiteUser("nadmin", millwright.Admin, "NORTH")
		na, _ := s.login("nadmin")
		_, body, _ = na.get("/ui/admin/users")
		if !strings.Contains(body, `<option value="millwright">`) || !strings.Contains(body, `<option value="mechanic">`) {
			t.Errorf("NORTH admin's craft select lacks NORTH's or every site's crafts")
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.post("/ui/admin/users/"+u.ID, url.Values{"csrf": {paula.csrf}, "role": {"technician"}, "site_id": {north}, "craft": {"mechanic"}}); code != http.StatusForbidden {
			t.Errorf("planner gives a craft: %d; want 403", code)
		}
	})
}

// The integration user changes the settings from the screen (who is
// master of stock and items, when material is requested per type); a
// bad value is refused beside its field and writes nothing; an
// integration user limited to a site may look but not change them; a
// planner may not open the page.
func TestIntegrationSettingsForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		settings := func() *outbox.Settings {
			var st *outbox.Settings
			s.db.View(s.ctx(), func(tx *store.Tx) (err error) {
				st, err = outbox.GetSettings(s.ctx(), tx)
				return err
			})
			return st
		}
		ivan, _ := s.login("ivan")
		if _, body, _ := ivan.get("/ui/integration"); !strings.Contains(body, `href="/ui/integration/settings"`) {
			t.Errorf("the integration page has no link to the settings")
		}
		code, body, _ := ivan.get("/ui/integration/settings")
		if code != http.StatusOK || !strings.Contains(body, "<title>Integration settings · Millwright</title>") ||
			!strings.Contains(body, `<option value="cmms" selected>`) || !strings.Contains(body, `id="settings-trigger_corrective"`) {
			t.Fatalf("settings page = %d:\n%.2500s", code, body)
		}
		form := url.Values{"csrf": {ivan.csrf}, "stock_master": {"both"}, "item_master": {"erp"}, "trigger_inspection": {"never"}}
		code, body, _ = ivan.post("/ui/integration/settings", form)
		wantRefused(t, "stock master both", code, body, http.StatusBadRequest, "settings-stock-master-error", "stock_master must be cmms", `<option value="erp" selected>`)
		if st := settings(); st.ItemMaster != "cmms" || st.AutoRequestTrigger[workorder.Inspection] == "never" {
			t.Fatalf("the refused form wrote %+v", st)
		}
		form.Set("stock_master", "erp")
		code, _, h := ivan.post("/ui/integration/settings", form)
		st := settings()
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/integration/settings" || st.StockMaster != "erp" || st.ItemMaster != "erp" ||
			st.AutoRequestTrigger[workorder.Inspection] != "never" || st.AutoRequestTrigger[workorder.Corrective] != "release" {
			t.Fatalf("save = %d to %q, settings %+v; want 303, both masters erp, inspection never, corrective unchanged", code, h.Get("Location"), st)
		}
		if _, body, _ := ivan.get("/ui/integration/settings"); !strings.Contains(body, "settings saved: stock master erp") {
			t.Errorf("no notice after saving")
		}

		s.mustSiteUser("nils", millwright.Integration, "NORTH")
		nils, _ := s.login("nils")
		code, body, _ = nils.get("/ui/integration/settings")
		if code != http.StatusOK || !strings.Contains(body, `id="settings-site-note"`) || strings.Contains(body, `id="settings-save"`) {
			t.Errorf("NORTH integration user's settings page = %d; want it read-only with a note", code)
		}
		if code, _, _ := nils.post("/ui/integration/settings", url.Values{"csrf": {nils.csrf}, "stock_master": {"cmms"}}); code != http.StatusForbidden {
			t.Errorf("NORTH integration user changes plant-wide settings: %d; want 403", code)
		}
		if st := settings(); st.StockMaster != "erp" {
			t.Errorf("the refused change wrote stock master %q", st.StockMaster)
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.get("/ui/integration/settings"); code != http.StatusForbidden {
			t.Errorf("planner opens the integration settings: %d; want 403", code)
		}
	})
}

// A planner adds a special buy (a part described in words) from the
// planning page, as the phone's buy sheet does; a refusal keeps what was
// typed with the reason beside its field and writes nothing; a NORTH
// planner cannot add one to a SOUTH work order; a storekeeper may not.
func TestPlanSpecialBuyForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		w := s.workOrder("Boiler feed pump A overhaul")
		buys := func(id string) []workorder.Material {
			var out []workorder.Material
			for _, m := range s.materials(id) {
				if m.SpecialBuy {
					out = append(out, m)
				}
			}
			return out
		}
		before := len(buys(w.ID))
		paula, _ := s.login("paula")
		code, body, _ := paula.get("/ui/work-orders/" + w.ID + "/plan")
		if code != http.StatusOK || !strings.Contains(body, `id="buy-form"`) || !strings.Contains(body, `<label for="buy-description">`) {
			t.Fatalf("planning page = %d; want the special buy form:\n%.2000s", code, body)
		}
		path := "/ui/work-orders/" + w.ID + "/plan/buy"
		form := url.Values{"csrf": {paula.csrf}, "description": {""}, "quantity": {"2"}, "unit": {"EA"}, "unit_cost": {"38.50"}, "vendor": {"Belt & Co"}}
		code, body, _ = paula.post(path, form)
		wantRefused(t, "no description", code, body, http.StatusBadRequest, "buy-description-error", "description: say what to buy", `value="38.50"`, `value="Belt & Co"`)
		form.Set("description", "V-belt SPA 1250")
		form.Set("quantity", "-1")
		code, body, _ = paula.post(path, form)
		wantRefused(t, "a negative quantity", code, body, http.StatusBadRequest, "buy-quantity-error", "quantity", `value="V-belt SPA 1250"`)
		if n := len(buys(w.ID)); n != before {
			t.Fatalf("refused forms wrote %d special buys", n-before)
		}
		form.Set("quantity", "2")
		code, _, h := paula.post(path, form)
		bs := buys(w.ID)
		if code != http.StatusSeeOther || h.Get("Location") != "/ui/work-orders/"+w.ID+"/plan" || len(bs) != before+1 {
			t.Fatalf("add special buy = %d to %q, %d buys; want 303 back to the plan and one more", code, h.Get("Location"), len(bs)-before)
		}
		m := bs[len(bs)-1]
		if m.Description != "V-belt SPA 1250" || m.Quantity.String() != "2" || m.Unit != "EA" || m.Vendor != "Belt & Co" || m.UnitCost.String() != "38.50" || !m.Direct {
			t.Errorf("special buy = %+v; want 2 EA V-belt SPA 1250 from Belt & Co at 38.50, direct", m)
		}
		if _, body, _ := paula.get("/ui/work-orders/" + w.ID + "/plan"); !strings.Contains(body, "special buy added: 2 EA V-belt SPA 1250") || !strings.Contains(body, "from Belt &amp; Co") {
			t.Errorf("the planning page shows no notice or no special buy line")
		}

		// A NORTH planner does not reach a SOUTH work order.
		south := s.workOrder("Line 1 infeed conveyor belt tracking off")
		if south == nil {
			t.Fatal("no SOUTH work order in the demo")
		}
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		southPath := "/ui/work-orders/" + south.ID + "/plan/buy"
		n := len(buys(south.ID))
		if code, _, _ := nora.post(southPath, url.Values{"csrf": {nora.csrf}, "description": {"Belt"}, "quantity": {"1"}, "unit": {"EA"}, "unit_cost": {"1"}}); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("NORTH planner buys for SOUTH: %d; want 403 or 404", code)
		}
		if len(buys(south.ID)) != n {
			t.Errorf("the refused SOUTH special buy was written")
		}
		sam, _ := s.login("sam")
		if code, _, _ := sam.post(path, url.Values{"csrf": {sam.csrf}, "description": {"Belt"}, "quantity": {"1"}, "unit": {"EA"}, "unit_cost": {"1"}}); code != http.StatusForbidden {
			t.Errorf("storekeeper adds a special buy: %d; want 403", code)
		}
	})
}
