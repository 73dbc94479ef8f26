package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/web"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// records are the ids a page pattern's wildcards are filled with, by the
// path segment before the wildcard: {id} after "work-orders" is a work
// order, {aid} after "attachments" an attachment, and so on.
type records map[string]string

// recordKinds names what each wildcard's segment holds and whether the
// record belongs to a site (a site-limited user of another site may not
// open it) or to every site (the material master). A new page whose
// wildcard follows a segment missing here fails the tests that cover
// every page until it is added.
var recordKinds = map[string]struct {
	kind    string
	perSite bool
}{
	"work-orders":    {"work order", true},
	"my-work":        {"work order", true},
	"attachments":    {"attachment", true},
	"pm-plans":       {"PM plan", true},
	"assets":         {"asset", true},
	"approval-rules": {"approval rule", true},
	"users":          {"user", true},
	"items":          {"item", false},
	"approvals":      {"requisition", true},
	"receipts":       {"purchase order", true},
	"messages":       {"outbox message", true},
	"do":             {"verb", false}, // the verb of a status change: start, release, …
	"sites":          {"site", true},
	"locations":      {"location", true},
	"asset-classes":  {"asset class", false}, // shared by every site
}

var backlogTotalRE = regexp.MustCompile(`id="(?:dash-)?backlog-total">(\d+)<`)

var wildcardRE = regexp.MustCompile(`\{[^}]*\}`)

// fillPattern turns a page's pattern into a path with the ids of recs; perSite
// says whether a wildcard names a record of a site.
func fillPattern(pattern string, recs records) (path string, perSite bool, err error) {
	segs := strings.Split(strings.TrimSuffix(pattern, "{$}"), "/")
	for i, seg := range segs {
		if !wildcardRE.MatchString(seg) {
			continue
		}
		if i == 0 {
			return "", false, fmt.Errorf("%s: a wildcard with no segment before it", pattern)
		}
		k, ok := recordKinds[segs[i-1]]
		id := recs[segs[i-1]]
		if !ok || id == "" {
			return "", false, fmt.Errorf("%s: no record to fill %s after %q with; add its kind to recordKinds and a record to the test", pattern, seg, segs[i-1])
		}
		segs[i] = url.PathEscape(id)
		perSite = perSite || k.perSite
	}
	return strings.Join(segs, "/"), perSite, nil
}

// refusedToSiteUsers are the pages that span every site and so are
// refused outright to a user limited to one, with why.
var refusedToSiteUsers = map[string]string{
	"/ui/integration/reconciliation": "reconciliation compares every site's books",
}

// southData creates, from the screen as users of every site, what the demo
// does not give SOUTH (a PM plan, an approval rule, a user, a photo), and
// returns the ids of SOUTH's records by wildcard segment and the strings
// that would give SOUTH's data away on a page.
func southData(t *testing.T, s *site) (records, []string) {
	t.Helper()
	ctx := s.ctx()
	var south *asset.Site
	var assets []asset.Asset
	var wos []workorder.WorkOrder
	s.db.View(ctx, func(tx *store.Tx) (err error) {
		if south, err = tx.SiteByCode(ctx, "SOUTH"); err != nil {
			return err
		}
		a, err := tx.Assets(ctx, asset.Filter{SiteID: south.ID, Limit: 500})
		assets = a.Items
		w, err2 := tx.WorkOrders(ctx, workorder.Filter{SiteID: south.ID, Limit: 500})
		wos = w.Items
		return cmpErr(err, err2)
	})
	if south == nil || len(assets) == 0 || len(wos) == 0 {
		t.Fatalf("the demo's SOUTH has %d assets and %d work orders; want some of each", len(assets), len(wos))
	}
	var open *workorder.WorkOrder
	for i := range wos {
		if wos[i].Open() && wos[i].Status != workorder.Requested {
			open = &wos[i]
		}
	}
	if open == nil {
		t.Fatal("SOUTH has no open work order to add a photo to")
	}

	paula, _ := s.login("paula")
	paula.get("/ui/pm-plans/new")
	if code, body, _ := paula.post("/ui/pm-plans/new", url.Values{"csrf": {paula.csrf}, "asset": {"L1-P-01"}, "name": {"Bayside CIP pump lube"},
		"kind": {"calendar"}, "cal_every": {"4"}, "cal_unit": {"weeks"}, "schedule": {"fixed"}, "start": {"2026-01-05T06:00"},
		"lead_time_days": {"2"}, "type": {"preventive"}, "priority": {"3"}, "title": {"Lubricate the CIP pump"}}); code != http.StatusSeeOther {
		t.Fatalf("SOUTH's PM plan from the screen: %d\n%.600s", code, body)
	}
	fiona, _ := s.login("fiona")
	fiona.get("/ui/approval-rules")
	if code, body, _ := fiona.post("/ui/approval-rules", url.Values{"csrf": {fiona.csrf}, "site_id": {south.ID}, "cost_center": {"CC-SL1"},
		"min_amount": {"7000"}, "approver_role": {"approver"}}); code != http.StatusSeeOther {
		t.Fatalf("SOUTH's approval rule from the screen: %d\n%.600s", code, body)
	}
	ada, _ := s.login("ada")
	ada.get("/ui/admin/users")
	if code, body, _ := ada.post("/ui/admin/users", url.Values{"csrf": {ada.csrf}, "username": {"stanley-south"}, "password": {"stanley-password-1"},
		"role": {"technician"}, "site_id": {south.ID}}); code != http.StatusSeeOther {
		t.Fatalf("SOUTH's technician from the screen: %d\n%.600s", code, body)
	}
	stan := s.anon()
	stan.get("/ui/login")
	if code, _, _ := stan.post("/ui/login", url.Values{"csrf": {stan.csrf}, "username": {"stanley-south"}, "password": {"stanley-password-1"}, "next": {"/ui/"}}); code != http.StatusSeeOther {
		t.Fatalf("SOUTH's technician signs in: %d", code)
	}
	stan.photo(open.ID)

	recs := records{"work-orders": open.ID, "my-work": open.ID, "assets": open.AssetID}
	secrets := []string{"SOUTH", south.Name}
	for _, a := range assets {
		secrets = append(secrets, a.Tag, a.Name, a.CostCenter)
	}
	for _, w := range wos {
		secrets = append(secrets, w.Number, w.Title)
	}
	s.db.View(ctx, func(tx *store.Tx) error {
		atts, err := tx.Attachments(ctx, open.ID)
		for _, a := range atts {
			recs["attachments"] = a.ID
			secrets = append(secrets, a.FileName)
		}
		p, err2 := tx.Plans(ctx, pm.Filter{SiteID: south.ID, Limit: 100})
		for _, pl := range p.Items {
			recs["pm-plans"] = pl.ID
			secrets = append(secrets, pl.Name)
		}
		rules, err3 := tx.ERPRules(ctx)
		for _, r := range rules {
			if r.SiteID == south.ID {
				recs["approval-rules"] = r.ID
			}
		}
		us, err4 := tx.Users(ctx, store.UserFilter{SiteID: south.ID, Limit: 100})
		for _, u := range us.Items {
			recs["users"] = u.ID
			secrets = append(secrets, u.Username)
		}
		rooms, err5 := tx.Storerooms(ctx, inventory.StoreroomFilter{SiteID: south.ID, Limit: 100})
		for _, r := range rooms.Items {
			secrets = append(secrets, r.Code, r.Name)
		}
		ccs, err6 := tx.ERPSiteCostCenters(ctx, south.ID)
		for cc := range ccs {
			secrets = append(secrets, cc)
		}
		items, err7 := tx.Items(ctx, inventory.ItemFilter{Limit: 1})
		for _, it := range items.Items {
			recs["items"] = it.ID
		}
		recs["sites"] = south.ID
		locs, err8 := tx.Locations(ctx, asset.LocationFilter{SiteID: south.ID, Limit: 100})
		for _, l := range locs.Items {
			recs["locations"] = l.ID
			secrets = append(secrets, l.Code, l.Name)
		}
		classes, err9 := tx.Classes(ctx, "", 1)
		for _, c := range classes.Items {
			recs["asset-classes"] = c.ID
		}
		if len(rooms.Items) == 0 || len(ccs) == 0 {
			t.Fatalf("SOUTH has %d storerooms and %d cost centers; want some of each", len(rooms.Items), len(ccs))
		}
		return cmpErr(err, err2, err3, err4, err5, err6, err7, err8, err9)
	})
	slices.Sort(secrets)
	return recs, slices.Compact(secrets)
}

// photo adds a PNG to a work order from the phone page's form.
func (u *user) photo(woID string) {
	t := u.s.t
	t.Helper()
	u.get("/ui/my-work/" + woID)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", u.csrf)
	fw, _ := mw.CreateFormFile("photo", "belt.png")
	fw.Write(pngBytes(t))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.s.srv.URL+"/ui/my-work/"+woID+"/photo", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := u.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a photo on %s from the screen: %d", woID, resp.StatusCode)
	}
}

// everyRole is every role a site's user may have.
var everyRole = []millwright.Role{millwright.Admin, millwright.Planner, millwright.Technician, millwright.Storekeeper,
	millwright.Buyer, millwright.Approver, millwright.Finance, millwright.Integration}

// northUsers makes a user limited to NORTH of each role, north-<role>,
// and signs each in.
func northUsers(s *site) map[millwright.Role]*user {
	users := map[millwright.Role]*user{}
	for _, role := range everyRole {
		s.mustSiteUser("north-"+string(role), role, "NORTH")
		users[role], _ = s.login("north-" + string(role))
	}
	return users
}

func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// leaks lists the strings of secrets that body shows as words (not as a
// part of a longer tag or code).
func leaks(body string, secrets []string) []string {
	text := html.UnescapeString(body)
	word := func(b byte) bool {
		return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
	}
	var found []string
	for _, sec := range secrets {
		for from := 0; sec != "" && from < len(text); {
			i := strings.Index(text[from:], sec)
			if i < 0 {
				break
			}
			lo, hi := from+i, from+i+len(sec)
			if (lo == 0 || !word(text[lo-1])) && (hi == len(text) || !word(text[hi])) {
				found = append(found, fmt.Sprintf("%q in …%s…", sec, strings.ReplaceAll(text[max(lo-60, 0):min(hi+60, len(text))], "\n", " ")))
				break
			}
			from = lo + 1
		}
	}
	return found
}

// Every GET page of the route table, as a user limited to NORTH of each
// role that may open it: a page of one of SOUTH's records answers 403 or
// 404; a list or a dashboard answers 200 and shows nothing of SOUTH's
// (its site, asset tags and names, work orders, cost centers, storerooms,
// PM plans, users), also when its query names SOUTH's site, asset, work
// order or cost center. Then every form on SOUTH's records (the forms
// subtest, formsSiteScoped) is refused and changes nothing.
func TestEveryPageSiteScoped(t *testing.T) {
	runSite(t, func(t *testing.T, s *site) {
		recs, secrets := southData(t, s)
		var southID string
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			st, err := tx.SiteByCode(s.ctx(), "SOUTH")
			southID = st.ID
			return err
		})
		query := url.Values{"site": {"SOUTH"}, "site_id": {southID}, "cost_center": {"CC-SL1"}, "asset_id": {recs["assets"]},
			"work_order_id": {recs["work-orders"]}}.Encode()
		// What the query names may be said back (a filter's field, a
		// refusal that names it); the rest of SOUTH's data may not.
		echoed := slices.DeleteFunc(slices.Clone(secrets), func(sec string) bool { return sec == "SOUTH" || sec == "CC-SL1" })
		// The check finds SOUTH on the pages of a user of every site.
		ada, _ := s.login("ada")
		for _, p := range []string{"/ui/assets", "/ui/work-orders", "/ui/costs", "/ui/stock"} {
			if _, body, _ := ada.get(p); len(leaks(body, secrets)) == 0 {
				t.Errorf("ada, of every site, GET %s: none of SOUTH's strings found; the check would find no leak", p)
			}
		}
		pages := web.GETPages()
		var checked, records int
		users := northUsers(s)
		for _, role := range everyRole {
			name := "north-" + string(role)
			u := users[role]
			for _, p := range pages {
				if !auth.Allowed(role, p.Action) {
					continue
				}
				path, perSite, err := fillPattern(p.Pattern, recs)
				if err != nil {
					t.Error(err)
					continue
				}
				checked++
				if perSite {
					records++
					if code, body, _ := u.get(path); code != http.StatusForbidden && code != http.StatusNotFound {
						t.Errorf("%s GET %s (SOUTH's): %d; want 403 or 404\n%.300s", name, path, code, body)
					}
					continue
				}
				for _, q := range []string{"", "?" + query} {
					code, body, h := u.get(path + q)
					switch {
					case code == http.StatusSeeOther && path == "/ui/" && strings.HasPrefix(h.Get("Location"), "/ui/"):
						continue // the role's start page, a page of its own
					case refusedToSiteUsers[path] != "" && code == http.StatusForbidden:
						continue
					case q != "" && (code == http.StatusForbidden || code == http.StatusNotFound || code == http.StatusBadRequest):
					case code != http.StatusOK:
						t.Errorf("%s GET %s%s: %d; want 200\n%.300s", name, path, q, code, body)
					}
					if l := leaks(body, map[bool][]string{true: secrets, false: echoed}[q == ""]); len(l) > 0 {
						t.Errorf("%s GET %s%s shows SOUTH's data:\n  %s", name, path, q, strings.Join(l, "\n  "))
					}
				}
			}
		}
		t.Logf("%d pages of %d patterns checked, %d of them SOUTH's records", checked, len(pages), records)

		// Figures name nothing: the backlog counted on the dashboards is
		// NORTH's for the NORTH planner, every site's for paula.
		open := map[string]int{}
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			p, err := tx.WorkOrders(s.ctx(), workorder.Filter{Limit: 1000})
			for _, w := range p.Items {
				if w.Open() {
					open[w.SiteID]++
					open[""]++
				}
			}
			return err
		})
		var northID string
		s.db.View(s.ctx(), func(tx *store.Tx) error {
			st, err := tx.SiteByCode(s.ctx(), "NORTH")
			northID = st.ID
			return err
		})
		for name, want := range map[string]int{"north-planner": open[northID], "paula": open[""]} {
			u, _ := s.login(name)
			for _, p := range []string{"/ui/", "/ui/backlog", "/ui/kpis"} {
				_, body, _ := u.get(p)
				if m := backlogTotalRE.FindStringSubmatch(body); m == nil || m[1] != fmt.Sprint(want) {
					t.Errorf("%s GET %s: backlog total %v; want the %d open work orders of the user's sites", name, p, m, want)
				}
			}
		}
		t.Run("forms", func(t *testing.T) { formsSiteScoped(t, s, recs, users) })
	})
}

// leaks finds a secret as a word, not inside a longer code.
func TestLeaksFindsWords(t *testing.T) {
	for body, want := range map[string]int{`<td>CC-SL1</td>`: 1, `value="L1-CV-01"`: 1, `CC-SL10 BL1 L1-X`: 0, `a &amp; L1.`: 1} {
		if got := leaks(body, []string{"CC-SL1", "L1", "L1-CV-01"}); len(got) != want {
			t.Errorf("leaks(%q) = %q; want %d", body, got, want)
		}
	}
}

// Every form of the route table that changes one of SOUTH's records (its
// pattern's wildcards filled with SOUTH's ids), sent by a user limited to
// NORTH of each role that may send it, with every field a form could ask
// for filled in, is refused (403, 404, or back to the page with an
// error) and changes nothing of SOUTH's: its records, their audit trail,
// the work order's labor, materials and attachments are as before.
func formsSiteScoped(t *testing.T, s *site, recs records, users map[millwright.Role]*user) {
	ctx := s.ctx()
	// The demo's messages reach the ERP: SOUTH's requisition, which
	// alan approves from the inbox into a purchase order.
	if err := (&outbox.Dispatcher{DB: s.db, Connector: erp.New(s.db)}).Step(ctx); err != nil {
		t.Fatal(err)
	}
	var south, north string
	var req procurement.Requisition
	s.db.View(ctx, func(tx *store.Tx) error {
		st, err := tx.SiteByCode(ctx, "SOUTH")
		if err != nil {
			return err
		}
		nt, err := tx.SiteByCode(ctx, "NORTH")
		if err != nil {
			return err
		}
		south, north = st.ID, nt.ID
		p, err := tx.ERPRequisitions(ctx, store.ERPRequisitionFilter{SiteID: south, Status: procurement.Submitted, Limit: 10})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("SOUTH's requisitions waiting = %v, %v; want one", p.Items, err)
		}
		req = p.Items[0]
		m, err := tx.OutboxMessages(ctx, integration.MessageFilter{SiteID: south, Limit: 1})
		if err != nil || len(m.Items) == 0 {
			t.Fatalf("SOUTH's outbox messages = %v, %v; want one", m.Items, err)
		}
		recs["messages"] = m.Items[0].ID
		return nil
	})
	recs["approvals"], recs["do"] = req.ID, "cancel" // cancel: allowed from in progress

	form := url.Values{"part": {"GSK-DN100"}, "quantity": {"1"}, "hours": {"1"}, "rate": {"48"}, "craft": {"mechanic"},
		"note": {"scope"}, "reason": {"scope"}, "comment": {"scope"}, "title": {"Scope"}, "description": {"scope"},
		"type": {"corrective"}, "priority": {"3"}, "assigned_to": {"tom"}, "scheduled_on": {"2026-12-07"},
		"meter": {"vibration_mm_s"}, "value": {"1"}, "problem": {"x"}, "cause": {"x"}, "remedy": {"x"}, "downtime": {"0"},
		"override_materials": {"scope"}, "unit_cost": {"1"}, "unit": {"EA"}, "name": {"Scope"}, "role": {"technician"},
		"site_id": {north}, "password": {"scope-password-1"}, "kind": {"calendar"}, "cal_every": {"2"}, "cal_unit": {"weeks"},
		"schedule": {"fixed"}, "start": {"2026-01-05T06:00"}, "lead_time_days": {"1"}, "approver_role": {"approver"},
		"min_amount": {"1"}, "cost_center": {"CC-NPWR"}, "auto_request_material": {"on"}}

	var po procurement.PurchaseOrder
	snapshot := func() string {
		var b strings.Builder
		s.db.View(ctx, func(tx *store.Tx) error {
			add := func(v any, err error) {
				j, _ := json.Marshal(v)
				fmt.Fprintf(&b, "%s %v\n", j, err)
			}
			add(tx.WorkOrder(ctx, recs["work-orders"]))
			add(tx.LaborEntries(ctx, recs["work-orders"]))
			add(tx.Materials(ctx, recs["work-orders"]))
			add(tx.Attachments(ctx, recs["work-orders"]))
			add(tx.Asset(ctx, recs["assets"]))
			add(tx.Plan(ctx, recs["pm-plans"]))
			add(tx.ERPRule(ctx, recs["approval-rules"]))
			add(tx.User(ctx, recs["users"]))
			add(tx.ERPRequisition(ctx, req.ID))
			if po.ID != "" {
				add(tx.ERPPurchaseOrder(ctx, po.ID))
			}
			add(tx.OutboxMessage(ctx, recs["messages"]))
			for _, kind := range slices.Sorted(maps.Keys(recs)) {
				if recordKinds[kind].perSite {
					p, err := tx.AuditEntries(ctx, store.AuditFilter{EntityID: recs[kind], Limit: 500})
					fmt.Fprintf(&b, "audit %s %d %v\n", kind, len(p.Items), err)
				}
			}
			return nil
		})
		return b.String()
	}
	var sent int
	// sendAll sends every form whose pattern which says, as each role
	// that may, and checks that SOUTH's records did not change.
	sendAll := func(which func(pattern string) bool) {
		before := snapshot()
		for _, role := range everyRole {
			u := users[role]
			for _, p := range web.Pages() {
				if p.Method != http.MethodPost || !strings.Contains(p.Pattern, "{") || !auth.Allowed(role, p.Action) || !which(p.Pattern) {
					continue
				}
				path, perSite, err := fillPattern(p.Pattern, recs)
				if err != nil {
					t.Error(err)
					continue
				}
				if !perSite {
					continue
				}
				f := url.Values{"csrf": {u.csrf}}
				for k, v := range form {
					f[k] = v
				}
				sent++
				code, body, h := u.post(path, f)
				if code != http.StatusForbidden && code != http.StatusNotFound && (code != http.StatusSeeOther || flashOf(h) != "error") {
					t.Errorf("north-%s POST %s (SOUTH's): %d to %q with %q; want 403, 404 or back with an error\n%.300s", role, path, code, h.Get("Location"), flashOf(h), body)
				}
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("NORTH users' forms changed SOUTH's records:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}
	// First the inbox, while SOUTH's requisition waits for a decision;
	// then alan (of every site) approves it into a purchase order, and
	// every other form is sent, receipts of that order included.
	approvals := func(p string) bool { return strings.HasPrefix(p, "/ui/approvals/") }
	sendAll(approvals)
	alan, _ := s.login("alan")
	alan.get("/ui/approvals")
	if code, _, h := alan.post("/ui/approvals/"+req.ID+"/approve", url.Values{"csrf": {alan.csrf}}); code != http.StatusSeeOther || flashOf(h) != "notice" {
		t.Fatalf("alan approves SOUTH's %s: %d %q", req.Number, code, flashOf(h))
	}
	s.db.View(ctx, func(tx *store.Tx) error {
		p, err := tx.ERPPurchaseOrders(ctx, store.ERPPurchaseOrderFilter{RequisitionID: req.ID, Limit: 10})
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("purchase orders of %s = %v, %v; want one", req.Number, p.Items, err)
		}
		po = p.Items[0]
		return nil
	})
	recs["receipts"] = po.ID
	for _, l := range po.Lines {
		form.Set("qty-"+l.ID, "1")
	}
	sendAll(func(p string) bool { return !approvals(p) })
	// The check sees a change: the same form by the admin of every site.
	before := snapshot()
	ada, _ := s.login("ada")
	ada.get("/ui/work-orders/" + recs["work-orders"])
	if code, _, h := ada.post("/ui/work-orders/"+recs["work-orders"]+"/assign", url.Values{"csrf": {ada.csrf}, "assigned_to": {""},
		"scheduled_on": {"2026-12-08"}}); code != http.StatusSeeOther || flashOf(h) != "notice" || snapshot() == before {
		t.Errorf("ada schedules SOUTH's work order: %d %q, changed %v; want it done and seen", code, flashOf(h), snapshot() != before)
	}
	t.Logf("%d forms sent", sent)
}
