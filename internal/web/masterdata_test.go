package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// siteID returns the id of the demo site with code.
func (s *site) siteID(code string) string {
	s.t.Helper()
	var id string
	if err := s.db.View(s.ctx(), func(tx *store.Tx) error {
		st, err := tx.SiteByCode(s.ctx(), code)
		if err == nil {
			id = st.ID
		}
		return err
	}); err != nil {
		s.t.Fatalf("site %s: %v", code, err)
	}
	return id
}

// assetByTag returns the asset with tag at site (nil when there is none).
func (s *site) assetByTag(siteID, tag string) *asset.Asset {
	s.t.Helper()
	var found *asset.Asset
	s.db.View(s.ctx(), func(tx *store.Tx) error {
		p, err := tx.Assets(s.ctx(), asset.Filter{SiteID: siteID, Query: tag, Limit: 500})
		for i := range p.Items {
			if p.Items[i].Tag == tag {
				found = &p.Items[i]
			}
		}
		return err
	})
	return found
}

func (s *site) countAssets() int {
	var n int
	s.db.View(s.ctx(), func(tx *store.Tx) error {
		p, err := tx.Assets(s.ctx(), asset.Filter{Limit: 1000})
		n = len(p.Items)
		return err
	})
	return n
}

// bomOf returns an asset's BOM as "PART×QTY[ arm]" lines.
func (s *site) bomOf(assetID string) []string {
	s.t.Helper()
	var out []string
	if err := s.db.View(s.ctx(), func(tx *store.Tx) error {
		lines, err := tx.AssetBOM(s.ctx(), assetID)
		for _, l := range lines {
			it, err := tx.Item(s.ctx(), l.ItemID)
			if err != nil {
				return err
			}
			line := it.PartNumber + "×" + l.Quantity.String()
			if l.AutoRequestMaterial {
				line += " arm"
			}
			out = append(out, line)
		}
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return out
}

// item returns the item with part number pn (nil when there is none).
func (s *site) item(pn string) *inventory.Item {
	var it *inventory.Item
	s.db.View(s.ctx(), func(tx *store.Tx) error {
		it, _ = tx.ItemByPartNumber(s.ctx(), pn)
		return nil
	})
	return it
}

// storeroom returns the storeroom with code at site (nil when there is none).
func (s *site) storeroom(siteID, code string) *inventory.Storeroom {
	var found *inventory.Storeroom
	s.db.View(s.ctx(), func(tx *store.Tx) error {
		p, err := tx.Storerooms(s.ctx(), inventory.StoreroomFilter{SiteID: siteID, Limit: 200})
		for i := range p.Items {
			if p.Items[i].Code == code {
				found = &p.Items[i]
			}
		}
		return err
	})
	return found
}

// labelled checks that a page has a title and a label for every field.
func labelled(t *testing.T, who, path, body string) {
	t.Helper()
	if !titleRE.MatchString(body) {
		t.Errorf("%s GET %s: no <title>", who, path)
	}
	for _, f := range fieldRE.FindAllString(body, -1) {
		if strings.Contains(f, `type="hidden"`) || strings.Contains(f, "aria-label=") {
			continue
		}
		id := idRE.FindStringSubmatch(f)
		if id == nil || !strings.Contains(body, `for="`+id[1]+`"`) {
			t.Errorf("%s GET %s: field %s has no <label>", who, path, f)
		}
	}
}

// A planner creates an asset from the screen and edits it: a refusal
// shows the form again with what was typed and the reason beside its
// field, and writes nothing. A technician or storekeeper may not, and a
// planner limited to NORTH can neither create nor edit SOUTH's assets.
func TestAssetForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		pump := s.assetByTag(north, "P-101")
		paula, _ := s.login("paula")
		if _, body, _ := paula.get("/ui/assets"); !strings.Contains(body, `href="/ui/assets/new"`) {
			t.Fatalf("the assets page does not link to the new asset form")
		}
		if _, body, _ := paula.get("/ui/assets/" + pump.ID); !strings.Contains(body, `href="/ui/assets/`+pump.ID+`/edit"`) ||
			!strings.Contains(body, `href="/ui/assets/`+pump.ID+`/bom"`) {
			t.Fatalf("the asset page does not link to its edit and BOM forms")
		}
		code, body, _ := paula.get("/ui/assets/new?parent_id=" + pump.ID)
		if code != http.StatusOK || !strings.Contains(body, "<title>New asset · Millwright</title>") || !strings.Contains(body, `value="P-101"`) {
			t.Fatalf("new asset form under P-101 = %d; want the form with the parent's tag:\n%.800s", code, body)
		}
		labelled(t, "paula", "/ui/assets/new", body)
		before := s.countAssets()
		form := url.Values{"csrf": {paula.csrf}, "tag": {""}, "name": {"Boiler feed pump A coupling"}, "site_id": {north},
			"parent": {"P-101"}, "criticality": {"2"}, "cost_center": {"CC-NPWR"}, "auto_request_material": {"yes"}}
		code, body, _ = paula.post("/ui/assets/new", form)
		body = html.UnescapeString(body)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="asset-tag-error">tag is required for an asset</p>`) ||
			!strings.Contains(body, `aria-describedby="asset-tag-error"`) || !strings.Contains(body, `value="Boiler feed pump A coupling"`) ||
			!strings.Contains(body, `<option value="2" selected>`) || !strings.Contains(body, `<option value="yes" selected>`) {
			t.Fatalf("asset without a tag = %d; want 400 with the reason beside the tag and what was typed kept:\n%s", code, body)
		}
		form.Set("tag", "P-101-CPL")
		form.Set("parent", "NO-SUCH")
		code, body, _ = paula.post("/ui/assets/new", form)
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="asset-parent-error">no asset of this site has the tag "NO-SUCH"`) {
			t.Fatalf("asset under an unknown parent = %d; want the reason beside the parent:\n%.3000s", code, body)
		}
		form.Set("parent", "L1") // SOUTH's
		if code, body, _ = paula.post("/ui/assets/new", form); code != http.StatusBadRequest || !strings.Contains(body, `id="asset-parent-error"`) {
			t.Errorf("asset of NORTH under SOUTH's L1 = %d; want the parent refused", code)
		}
		form.Set("parent", "P-101")
		form.Set("tag", "P-101-M") // taken
		code, body, _ = paula.post("/ui/assets/new", form)
		if code != http.StatusConflict || !strings.Contains(body, `id="asset-tag-error"`) {
			t.Errorf("asset with a tag in use = %d; want 409 beside the tag:\n%.3000s", code, body)
		}
		if n := s.countAssets(); n != before {
			t.Fatalf("assets after refused forms = %d; want the %d before", n, before)
		}
		form.Set("tag", "P-101-CPL")
		code, _, h := paula.post("/ui/assets/new", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/ui/assets/") {
			t.Fatalf("new asset = %d to %q; want 303 to its page", code, h.Get("Location"))
		}
		a := s.assetByTag(north, "P-101-CPL")
		if a == nil || a.Name != "Boiler feed pump A coupling" || a.ParentID != pump.ID || a.Criticality != 2 || a.CostCenter != "CC-NPWR" ||
			a.AutoRequestMaterial == nil || !*a.AutoRequestMaterial || h.Get("Location") != "/ui/assets/"+a.ID {
			t.Fatalf("created %+v; want P-101-CPL under P-101, criticality 2, CC-NPWR, Auto Request Material set", a)
		}
		if _, page, _ := paula.get(h.Get("Location")); !strings.Contains(page, "P-101-CPL created: Boiler feed pump A coupling") {
			t.Errorf("the new asset's page does not say it was created")
		}

		// Edit: the form holds the asset; a bad criticality is refused beside it.
		code, body, _ = paula.get("/ui/assets/" + a.ID + "/edit")
		if code != http.StatusOK || !strings.Contains(body, `value="P-101-CPL"`) || !strings.Contains(body, `value="P-101"`) {
			t.Fatalf("edit form = %d; want the asset's tag and parent:\n%.800s", code, body)
		}
		labelled(t, "paula", "/ui/assets/{id}/edit", body)
		edit := url.Values{"csrf": {paula.csrf}, "tag": {"P-101-CPL"}, "name": {"Pump A jaw coupling"}, "parent": {"P-101"},
			"criticality": {"9"}, "cost_center": {"CC-NPWR"}, "auto_request_material": {""}}
		code, body, _ = paula.post("/ui/assets/"+a.ID+"/edit", edit)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="asset-criticality-error">criticality 9 is out of range`) ||
			!strings.Contains(body, `value="Pump A jaw coupling"`) {
			t.Fatalf("criticality 9 = %d; want 400 beside the criticality with the name kept:\n%.3000s", code, body)
		}
		if got := s.assetByTag(north, "P-101-CPL"); got.Name != "Boiler feed pump A coupling" {
			t.Fatalf("a refused edit changed the asset: %+v", got)
		}
		edit.Set("criticality", "4")
		if code, _, h := paula.post("/ui/assets/"+a.ID+"/edit", edit); code != http.StatusSeeOther || h.Get("Location") != "/ui/assets/"+a.ID {
			t.Fatalf("edit = %d to %q; want 303 to the asset", code, h.Get("Location"))
		}
		if got := s.assetByTag(north, "P-101-CPL"); got.Name != "Pump A jaw coupling" || got.Criticality != 4 || got.AutoRequestMaterial != nil {
			t.Errorf("edited %+v; want the new name, criticality 4 and Auto Request Material from the class", got)
		}

		// Roles and sites.
		for _, name := range []string{"tom", "sam"} {
			u, _ := s.login(name)
			if code, _, _ := u.get("/ui/assets/new"); code != http.StatusForbidden {
				t.Errorf("%s opens the new asset form: %d; want 403", name, code)
			}
			if code, _, _ := u.post("/ui/assets/new", url.Values{"csrf": {u.csrf}, "tag": {"X-1"}, "name": {"x"}, "site_id": {north}}); code != http.StatusForbidden {
				t.Errorf("%s creates an asset: %d; want 403", name, code)
			}
			if _, body, _ := u.get("/ui/assets"); strings.Contains(body, `id="new-asset"`) {
				t.Errorf("the assets page offers %s to create one", name)
			}
		}
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		code, body, _ = nora.get("/ui/assets/new")
		if code != http.StatusOK || strings.Contains(body, south) || strings.Contains(body, `value="L1"`) {
			t.Errorf("NORTH planner's new asset form = %d; want NORTH only, not SOUTH or its assets", code)
		}
		if code, _, _ := nora.post("/ui/assets/new", url.Values{"csrf": {nora.csrf}, "tag": {"S-NEW"}, "name": {"x"}, "site_id": {south}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner creates an asset at SOUTH: %d; want 403", code)
		}
		l1 := s.assetByTag(south, "L1")
		if code, _, _ := nora.get("/ui/assets/" + l1.ID + "/edit"); code != http.StatusForbidden {
			t.Errorf("NORTH planner opens SOUTH's L1 to edit: %d; want 403", code)
		}
		if code, _, _ := nora.post("/ui/assets/"+l1.ID+"/edit", url.Values{"csrf": {nora.csrf}, "tag": {"L1"}, "name": {"renamed"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner edits SOUTH's L1: %d; want 403", code)
		}
		if s.assetByTag(south, "S-NEW") != nil || s.assetByTag(south, "L1").Name != "Bottling line 1" {
			t.Errorf("refused forms of another site wrote to it")
		}
	})
}

// A planner edits an asset's maintenance BOM: lines added with their
// quantity and Auto Request Material, a line removed; an unknown part or
// a bad quantity is refused beside its line with every line kept, and
// the BOM stays as it was.
func TestAssetBOMForm(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		paula, _ := s.login("paula")
		paula.get("/ui/assets")
		code, _, h := paula.post("/ui/assets/new", url.Values{"csrf": {paula.csrf}, "tag": {"AC-9"}, "name": {"Spare compressor"}, "site_id": {north}})
		if code != http.StatusSeeOther {
			t.Fatalf("new asset = %d", code)
		}
		a := s.assetByTag(north, "AC-9")
		path := "/ui/assets/" + a.ID + "/bom"
		code, body, _ := paula.get(path)
		if code != http.StatusOK || !strings.Contains(body, "<title>BOM of AC-9 · Millwright</title>") || !strings.Contains(body, `id="bom-part-0"`) {
			t.Fatalf("BOM form = %d; want empty lines to fill:\n%.800s", code, body)
		}
		labelled(t, "paula", path, body)
		form := url.Values{"csrf": {paula.csrf}, "rows": {"3"}, "part_0": {"gsk-dn100"}, "quantity_0": {"2"},
			"part_1": {"NO-SUCH-PART"}, "quantity_1": {"1"}, "arm_1": {"on"}}
		code, body, _ = paula.post(path, form)
		if body = html.UnescapeString(body); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="bom-part-1-error">no part has the number NO-SUCH-PART`) ||
			!strings.Contains(body, `value="gsk-dn100"`) || !strings.Contains(body, `aria-describedby="bom-part-1-error"`) {
			t.Fatalf("BOM with an unknown part = %d; want 422 beside line 2 with the lines kept:\n%s", code, body)
		}
		form.Set("part_1", "CMP-VALVE-MIN")
		form.Set("quantity_1", "0.5") // counted in EA
		code, body, _ = paula.post(path, form)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="bom-quantity-1-error"`) || !strings.Contains(body, "whole number") {
			t.Fatalf("BOM with 0.5 EA = %d; want 400 beside line 2's quantity:\n%.4000s", code, body)
		}
		form.Set("part_1", "GSK-DN100")
		form.Set("quantity_1", "1")
		if code, body, _ = paula.post(path, form); code != http.StatusBadRequest || !strings.Contains(body, `id="bom-part-1-error"`) || !strings.Contains(body, "twice") {
			t.Fatalf("BOM with a part twice = %d; want 400 beside the second line:\n%.4000s", code, body)
		}
		if got := s.bomOf(a.ID); len(got) != 0 {
			t.Fatalf("BOM after refused forms = %v; want it empty", got)
		}
		form.Set("part_1", "CMP-VALVE-MIN")
		code, _, h = paula.post(path, form)
		if code != http.StatusSeeOther || h.Get("Location") != path || flashOf(h) != "notice" {
			t.Fatalf("save BOM = %d to %q; want 303 back to the BOM with a notice", code, h.Get("Location"))
		}
		if got := strings.Join(s.bomOf(a.ID), ", "); got != "GSK-DN100×2, CMP-VALVE-MIN×1 arm" {
			t.Fatalf("BOM = %s; want GSK-DN100×2, CMP-VALVE-MIN×1 arm", got)
		}
		_, body, _ = paula.get(path)
		if !strings.Contains(body, `name="remove_0"`) || !strings.Contains(body, `id="bom-part-3"`) || !strings.Contains(body, `value="GSK-DN100"`) {
			t.Fatalf("BOM form after saving: want its lines with a remove box and two empty lines:\n%.3000s", body)
		}
		code, _, _ = paula.post(path, url.Values{"csrf": {paula.csrf}, "rows": {"4"}, "part_0": {"GSK-DN100"}, "quantity_0": {"2"}, "remove_0": {"on"},
			"part_1": {"CMP-VALVE-MIN"}, "quantity_1": {"3"}, "arm_1": {"on"}, "part_2": {""}, "quantity_2": {""}})
		if got := strings.Join(s.bomOf(a.ID), ", "); code != http.StatusSeeOther || got != "CMP-VALVE-MIN×3 arm" {
			t.Fatalf("remove a line = %d, BOM %s; want CMP-VALVE-MIN×3 arm", code, got)
		}

		tom, _ := s.login("tom")
		if code, _, _ := tom.get(path); code != http.StatusForbidden {
			t.Errorf("technician opens the BOM form: %d; want 403", code)
		}
		if code, _, _ := tom.post(path, url.Values{"csrf": {tom.csrf}, "rows": {"0"}}); code != http.StatusForbidden {
			t.Errorf("technician empties the BOM: %d; want 403", code)
		}
		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		l1 := s.assetByTag(south, "L1-CV-01")
		before := s.bomOf(l1.ID)
		if code, _, _ := nora.post("/ui/assets/"+l1.ID+"/bom", url.Values{"csrf": {nora.csrf}, "rows": {"0"}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner empties SOUTH's BOM: %d; want 403", code)
		}
		if got := s.bomOf(l1.ID); strings.Join(got, ",") != strings.Join(before, ",") {
			t.Errorf("SOUTH's BOM after a refused form = %v; want %v", got, before)
		}
		if got := strings.Join(s.bomOf(a.ID), ", "); got != "CMP-VALVE-MIN×3 arm" {
			t.Errorf("BOM after refused forms = %s", got)
		}
	})
}

// A planner adds an asset class and a location from the screen; a
// refusal is shown beside its field; a NORTH planner cannot add one at
// SOUTH, and a storekeeper cannot add either.
func TestClassAndLocationForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		paula, _ := s.login("paula")
		for _, p := range []string{"/ui/asset-classes", "/ui/locations"} {
			code, body, _ := paula.get(p)
			if code != http.StatusOK {
				t.Fatalf("GET %s = %d", p, code)
			}
			labelled(t, "paula", p, body)
		}
		code, body, _ := paula.post("/ui/asset-classes", url.Values{"csrf": {paula.csrf}, "code": {"PUMP-CENT"}, "name": {"Pumps again"}})
		if code != http.StatusConflict || !strings.Contains(body, `id="class-code-error"`) || !strings.Contains(body, `value="Pumps again"`) {
			t.Errorf("a class code in use = %d; want 409 beside the code with the name kept:\n%.3000s", code, body)
		}
		code, _, _ = paula.post("/ui/asset-classes", url.Values{"csrf": {paula.csrf}, "code": {"FAN-AX"}, "name": {"Axial fan"}, "auto_request_material": {"on"}})
		var classes []asset.Class
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			p, err := tx.Classes(s.ctx(), "", 500)
			classes = p.Items
			return err
		})
		var fan *asset.Class
		for i := range classes {
			if classes[i].Code == "FAN-AX" {
				fan = &classes[i]
			}
		}
		if code != http.StatusSeeOther || fan == nil || fan.Name != "Axial fan" || !fan.AutoRequestMaterial {
			t.Fatalf("new class = %d, %+v; want FAN-AX with Auto Request Material", code, fan)
		}

		code, body, _ = paula.post("/ui/locations", url.Values{"csrf": {paula.csrf}, "code": {""}, "name": {"Boiler house 2"}, "site_id": {north}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="location-code-error">code is required for a location</p>`) {
			t.Errorf("a location without a code = %d; want 400 beside the code:\n%.3000s", code, body)
		}
		code, _, _ = paula.post("/ui/locations", url.Values{"csrf": {paula.csrf}, "code": {"N-BH2"}, "name": {"Boiler house 2"}, "site_id": {north}})
		var found *asset.Location
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			p, err := tx.Locations(s.ctx(), asset.LocationFilter{SiteID: north, Limit: 500})
			for i := range p.Items {
				if p.Items[i].Code == "N-BH2" {
					found = &p.Items[i]
				}
			}
			return err
		})
		if code != http.StatusSeeOther || found == nil || found.Name != "Boiler house 2" {
			t.Fatalf("new location = %d, %+v; want N-BH2 at NORTH", code, found)
		}

		s.mustSiteUser("nora", millwright.Planner, "NORTH")
		nora, _ := s.login("nora")
		if code, _, _ := nora.post("/ui/locations", url.Values{"csrf": {nora.csrf}, "code": {"S-X"}, "name": {"x"}, "site_id": {south}}); code != http.StatusForbidden {
			t.Errorf("NORTH planner adds a location at SOUTH: %d; want 403", code)
		}
		if _, body, _ := nora.get("/ui/locations"); strings.Contains(body, "S-L1") {
			t.Errorf("NORTH planner's locations list SOUTH's")
		}
		sam, _ := s.login("sam")
		if code, _, _ := sam.post("/ui/asset-classes", url.Values{"csrf": {sam.csrf}, "code": {"X"}, "name": {"x"}}); code != http.StatusForbidden {
			t.Errorf("storekeeper adds an asset class: %d; want 403", code)
		}
		if _, body, _ := sam.get("/ui/locations"); strings.Contains(body, `id="location-form"`) {
			t.Errorf("the storekeeper is offered the location form")
		}
	})
}

// A storekeeper creates a storeroom and an item from the screen, edits
// the item and sets its stock settings; refusals are shown beside their
// field and write nothing; other roles and sites are refused.
func TestItemAndStoreroomForms(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		north, south := s.siteID("NORTH"), s.siteID("SOUTH")
		sam, _ := s.login("sam")
		code, body, _ := sam.get("/ui/items?q=gsk")
		if code != http.StatusOK || !strings.Contains(body, "GSK-DN100") || strings.Contains(body, "GRS-EP2") || !strings.Contains(body, `href="/ui/items/new"`) {
			t.Fatalf("items searched for gsk = %d; want GSK-DN100 only and a link to create one", code)
		}
		labelled(t, "sam", "/ui/items", body)
		if _, body, _ := sam.get("/ui/items?q=zzz-none"); !strings.Contains(body, `No item matches`) || !strings.Contains(body, `<a href="/ui/items/new">Create an item</a>`) {
			t.Errorf("an empty search does not say how to create an item")
		}

		// Storerooms.
		code, body, _ = sam.get("/ui/storerooms")
		if code != http.StatusOK || !strings.Contains(body, "N-MAIN") || !strings.Contains(body, `id="storeroom-form"`) {
			t.Fatalf("storerooms = %d; want the list and the form", code)
		}
		labelled(t, "sam", "/ui/storerooms", body)
		code, body, _ = sam.post("/ui/storerooms", url.Values{"csrf": {sam.csrf}, "code": {"N EAST"}, "name": {"East store"}, "site_id": {north}})
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, `id="storeroom-code-error">storeroom code "N EAST" may not hold spaces`) ||
			!strings.Contains(body, `value="East store"`) {
			t.Fatalf("storeroom code with a space = %d; want 400 beside the code:\n%.3000s", code, body)
		}
		if code, body, _ = sam.post("/ui/storerooms", url.Values{"csrf": {sam.csrf}, "code": {"N-MAIN"}, "name": {"Again"}, "site_id": {north}}); code != http.StatusConflict ||
			!strings.Contains(body, `id="storeroom-code-error"`) {
			t.Errorf("storeroom code in use = %d; want 409 beside the code", code)
		}
		if s.storeroom(north, "N EAST") != nil {
			t.Fatal("a refused storeroom was written")
		}
		if code, _, _ = sam.post("/ui/storerooms", url.Values{"csrf": {sam.csrf}, "code": {"N-EAST"}, "name": {"East store"}, "site_id": {north}}); code != http.StatusSeeOther {
			t.Fatalf("new storeroom = %d; want 303", code)
		}
		east := s.storeroom(north, "N-EAST")
		if east == nil || east.Name != "East store" {
			t.Fatalf("storeroom N-EAST = %+v; want it at NORTH", east)
		}

		// Items.
		code, body, _ = sam.get("/ui/items/new")
		if code != http.StatusOK || !strings.Contains(body, "<title>New item · Millwright</title>") || !strings.Contains(body, `<option value="KG">`) {
			t.Fatalf("new item form = %d; want the form with the units catalog", code)
		}
		labelled(t, "sam", "/ui/items/new", body)
		form := url.Values{"csrf": {sam.csrf}, "part_number": {""}, "description": {"Deep groove ball bearing 6206-2RS"}, "unit": {"ea"},
			"stock_type": {"stock"}, "unit_cost": {"9.80"}, "vendor": {"SKF"}, "item_group": {"BEARINGS"}, "conversions": {"BOX=10"}}
		code, body, _ = sam.post("/ui/items/new", form)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="item-part_number-error">part_number is required for an item</p>`) ||
			!strings.Contains(body, `value="Deep groove ball bearing 6206-2RS"`) || !strings.Contains(body, `value="BOX=10"`) {
			t.Fatalf("item without a part number = %d; want 400 beside it with what was typed kept:\n%.4000s", code, body)
		}
		form.Set("part_number", "BRG-6206-2RS")
		form.Set("unit_cost", "nine")
		if code, body, _ = sam.post("/ui/items/new", form); code != http.StatusBadRequest || !strings.Contains(body, `id="item-unit_cost-error"`) {
			t.Errorf("item with a cost of nine = %d; want 400 beside the cost:\n%.3000s", code, body)
		}
		form.Set("unit_cost", "9.80")
		form.Set("conversions", "BOX")
		if code, body, _ = sam.post("/ui/items/new", form); code != http.StatusBadRequest || !strings.Contains(body, `id="item-conversions-error"`) {
			t.Errorf("item with conversion BOX = %d; want 400 beside the conversions", code)
		}
		form.Set("conversions", "BOX=10")
		form.Set("part_number", "GSK-DN100")
		if code, body, _ = sam.post("/ui/items/new", form); code != http.StatusConflict || !strings.Contains(body, `id="item-part_number-error"`) {
			t.Errorf("item with a part number in use = %d; want 409 beside it", code)
		}
		if s.item("BRG-6206-2RS") != nil {
			t.Fatal("a refused item was written")
		}
		form.Set("part_number", "BRG-6206-2RS")
		code, _, h := sam.post("/ui/items/new", form)
		it := s.item("BRG-6206-2RS")
		if code != http.StatusSeeOther || it == nil || h.Get("Location") != "/ui/items/"+it.ID+"/edit" {
			t.Fatalf("new item = %d to %q; want 303 to its page", code, h.Get("Location"))
		}
		if it.Description != "Deep groove ball bearing 6206-2RS" || it.Unit != "EA" || it.StockType != "stock" || it.UnitCost.String() != "9.80" ||
			it.Vendor != "SKF" || it.ItemGroup != "BEARINGS" || len(it.Conversions) != 1 || it.Conversions[0].Unit != "BOX" || it.Conversions[0].Factor.String() != "10" {
			t.Fatalf("created %+v; want what was typed", it)
		}
		page := "/ui/items/" + it.ID + "/edit"
		code, body, _ = sam.get(page)
		if code != http.StatusOK || !strings.Contains(body, `value="BRG-6206-2RS"`) || !strings.Contains(body, `id="settings-form"`) || !strings.Contains(body, "N-EAST") {
			t.Fatalf("item page = %d; want its form and stock settings for N-EAST:\n%.800s", code, body)
		}
		labelled(t, "sam", page, body)
		form.Set("description", "Ball bearing 6206-2RS C3")
		form.Set("unit_cost", "10.15")
		if code, _, _ := sam.post(page, form); code != http.StatusSeeOther {
			t.Fatalf("edit item = %d; want 303", code)
		}
		if it = s.item("BRG-6206-2RS"); it.Description != "Ball bearing 6206-2RS C3" || it.UnitCost.String() != "10.15" {
			t.Errorf("edited %+v; want the new description and cost", it)
		}

		// Stock settings.
		settings := url.Values{"csrf": {sam.csrf}, "storeroom_id": {east.ID}, "reorder_point": {"4"}, "reorder_quantity": {""}, "max_quantity": {"2"}}
		code, body, _ = sam.post("/ui/items/"+it.ID+"/stock", settings)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="set-max_quantity-error">max_quantity 2 is below reorder_point 4`) ||
			!strings.Contains(body, `name="reorder_point" value="4"`) {
			t.Fatalf("maximum below the reorder point = %d; want 422 beside the maximum with the values kept:\n%.6000s", code, body)
		}
		settings.Set("reorder_point", "four")
		if code, body, _ = sam.post("/ui/items/"+it.ID+"/stock", settings); code != http.StatusBadRequest || !strings.Contains(body, `id="set-reorder_point-error"`) {
			t.Errorf("reorder point four = %d; want 400 beside it", code)
		}
		stockOf := func(roomID, itemID string) *inventory.Stock {
			var st *inventory.Stock
			s.db.View(s.ctx(), func(tx *store.Tx) error {
				p, err := tx.Stock(s.ctx(), inventory.StockFilter{StoreroomID: roomID, ItemID: itemID})
				if len(p.Items) == 1 {
					st = &p.Items[0]
				}
				return err
			})
			return st
		}
		if st := stockOf(east.ID, it.ID); st != nil && st.ReorderPoint.IsPositive() {
			t.Fatalf("refused settings were written: %+v", st)
		}
		settings.Set("reorder_point", "4")
		settings.Set("reorder_quantity", "10")
		settings.Set("max_quantity", "20")
		code, _, h = sam.post("/ui/items/"+it.ID+"/stock", settings)
		if st := stockOf(east.ID, it.ID); code != http.StatusSeeOther || st == nil || st.ReorderPoint.String() != "4" || st.ReorderQuantity.String() != "10" || st.MaxQuantity.String() != "20" {
			t.Fatalf("stock settings = %d, %+v; want 4, 10, 20 in N-EAST", code, st)
		}
		if _, body, _ := sam.get(h.Get("Location")); !strings.Contains(body, `name="max_quantity" value="20"`) {
			t.Errorf("the item page after saving does not show the settings")
		}
		direct := s.item("CMP-VALVE-MIN")
		if code, body, _ := sam.post("/ui/items/"+direct.ID+"/stock", settings); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="settings-error">part CMP-VALVE-MIN is a direct item`) {
			t.Errorf("stock settings of a direct item = %d; want 422 saying it is a direct item", code)
		}

		// Roles and sites.
		tom, _ := s.login("tom")
		for _, p := range []string{"/ui/items/new", page} {
			if code, _, _ := tom.get(p); code != http.StatusForbidden {
				t.Errorf("technician GET %s = %d; want 403", p, code)
			}
		}
		if code, _, _ := tom.post("/ui/storerooms", url.Values{"csrf": {tom.csrf}, "code": {"T-1"}, "name": {"x"}, "site_id": {north}}); code != http.StatusForbidden {
			t.Errorf("technician creates a storeroom: %d; want 403", code)
		}
		paula, _ := s.login("paula")
		if code, _, _ := paula.post("/ui/items/new", url.Values{"csrf": {paula.csrf}, "part_number": {"X-1"}, "description": {"x"}, "unit": {"EA"}, "stock_type": {"stock"}}); code != http.StatusForbidden {
			t.Errorf("planner creates an item: %d; want 403", code)
		}
		s.mustSiteUser("nick", millwright.Storekeeper, "NORTH")
		nick, _ := s.login("nick")
		if _, body, _ := nick.get("/ui/storerooms"); !strings.Contains(body, "N-MAIN") || strings.Contains(body, "S-MAIN") || strings.Contains(body, south) {
			t.Errorf("NORTH storekeeper's storerooms: want NORTH's only")
		}
		if _, body, _ := nick.get(page); strings.Contains(body, "S-MAIN") {
			t.Errorf("NORTH storekeeper's item page offers SOUTH's storeroom")
		}
		if code, _, _ := nick.post("/ui/storerooms", url.Values{"csrf": {nick.csrf}, "code": {"S-X"}, "name": {"x"}, "site_id": {south}}); code != http.StatusForbidden {
			t.Errorf("NORTH storekeeper creates a storeroom at SOUTH: %d; want 403", code)
		}
		smain := s.storeroom(south, "S-MAIN")
		settings.Set("storeroom_id", smain.ID)
		if code, _, _ := nick.post("/ui/items/"+it.ID+"/stock", settings); code != http.StatusForbidden {
			t.Errorf("NORTH storekeeper sets stock at SOUTH: %d; want 403", code)
		}
		if s.storeroom(south, "S-X") != nil || stockOf(smain.ID, it.ID) != nil {
			t.Errorf("refused forms of another site wrote to it")
		}
	})
}

// The stock and assets pages say how to start from the screen, never
// with an API route.
func TestMasterDataEmptyStates(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		sam, _ := s.login("sam")
		_, body, _ := sam.get("/ui/stock")
		if !strings.Contains(body, `href="/ui/storerooms"`) || !strings.Contains(body, `href="/ui/items"`) || strings.Contains(body, "/api/v1") {
			t.Errorf("the storekeeper's stock page does not link to storerooms and items")
		}
		sam.get("/ui/storerooms")
		sam.post("/ui/storerooms", url.Values{"csrf": {sam.csrf}, "code": {"N-EMPTY"}, "name": {"Empty store"}, "site_id": {s.siteID("NORTH")}})
		if _, body, _ = sam.get("/ui/stock"); !strings.Contains(body, "Nothing in N-EMPTY yet.") || strings.Contains(body, "/api/v1") {
			t.Errorf("an empty storeroom on the stock page does not say how to fill it:\n%s", body)
		}
		paula, _ := s.login("paula")
		if _, body, _ = paula.get("/ui/assets?q=no-such-asset"); !strings.Contains(body, `<a href="/ui/assets/new">Create an asset</a>`) || strings.Contains(body, "/api/v1") {
			t.Errorf("no asset found does not link to the new asset form")
		}
		for i, want := range []string{"/ui/items", "/ui/storerooms"} {
			if _, body, _ = sam.get("/ui/stock"); !strings.Contains(body, `<a href="`+want+`"`) {
				t.Errorf("nav/link %d: the storekeeper has no link to %s", i, want)
			}
		}
	})
}
