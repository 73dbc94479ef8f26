// Package demo loads a realistic demonstration plant into an empty
// database: two sites, about forty assets in a hierarchy, sixty items,
// two storerooms with stock and reorder points, maintenance BOMs with
// Auto Request Material lines, one user per role, work orders in every
// state, and six months of history (closed repairs, aged requests, one
// message an ERP outage left dead) for the dashboards.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Password is the web password of every demo user.
const Password = "millwright-demo"

// Result is what Load made that a new user needs to start.
type Result struct {
	Loaded bool              // false when the database already held data
	Tokens map[string]string // API token by demo user name
	Counts map[string]int    // what was loaded, by kind
}

// Load fills an empty database with the demonstration plant, in one
// transaction, with the embedded ERP's budgets. A database that already
// holds a site is left alone.
func Load(ctx context.Context, db *store.DB) (Result, error) { return LoadFor(ctx, db, true) }

// LoadFor is Load for a CMMS whose ERP is embedded or not: an ERP reached
// through a connector keeps its own budgets, so none are loaded for it.
func LoadFor(ctx context.Context, db *store.DB, embeddedERP bool) (Result, error) {
	res := Result{Tokens: map[string]string{}, Counts: map[string]int{}}
	ctx = millwright.WithPrincipal(ctx, millwright.Principal{Username: "demo", Role: millwright.Admin})
	err := db.InTx(ctx, func(tx *store.Tx) error {
		empty, err := tx.Empty(ctx)
		if err != nil || !empty {
			return err
		}
		res.Loaded = true
		l := &loader{tx: tx, res: &res, sites: map[string]string{}, locs: map[string]string{},
			classes: map[string]string{}, assets: map[string]*asset.Asset{}, items: map[string]*inventory.Item{},
			stores: map[string]string{}, users: map[string]millwright.Principal{}}
		steps := []func(context.Context) error{l.plant, l.materials, l.people, l.integrationSetup, l.stock, l.work, l.history, l.pmPlans}
		if embeddedERP {
			steps = append(steps, l.budgets)
		}
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

type loader struct {
	tx      *store.Tx
	res     *Result
	sites   map[string]string // code → id
	locs    map[string]string
	classes map[string]string
	assets  map[string]*asset.Asset // tag → asset
	items   map[string]*inventory.Item
	stores  map[string]string
	users   map[string]millwright.Principal
}

func (l *loader) count(kind string) { l.res.Counts[kind]++ }

func (l *loader) plant(ctx context.Context) error {
	for _, s := range sites {
		site := &asset.Site{Code: s.code, Name: s.name, Currency: s.currency, TimeZone: s.tz}
		if err := asset.CreateSite(ctx, l.tx, site); err != nil {
			return err
		}
		l.sites[s.code] = site.ID
		l.count("sites")
		for _, loc := range s.locations {
			lo := &asset.Location{SiteID: site.ID, Code: loc[0], Name: loc[1]}
			if err := asset.CreateLocation(ctx, l.tx, lo); err != nil {
				return err
			}
			l.locs[loc[0]] = lo.ID
			l.count("locations")
		}
	}
	for _, c := range classes {
		cl := &asset.Class{Code: c.code, Name: c.name, AutoRequestMaterial: c.arm}
		if err := asset.CreateClass(ctx, l.tx, cl); err != nil {
			return err
		}
		l.classes[c.code] = cl.ID
		l.count("asset_classes")
	}
	for _, a := range assets {
		as := &asset.Asset{Tag: a.tag, Name: a.name, SiteID: l.sites[a.site], ClassID: l.classes[a.class],
			LocationID: l.locs[a.location], Criticality: a.criticality, CostCenter: a.costCenter}
		if a.parent != "" {
			as.ParentID = l.assets[a.parent].ID
		}
		if _, err := asset.Create(ctx, l.tx, as); err != nil {
			return fmt.Errorf("asset %s: %w", a.tag, err)
		}
		l.assets[a.tag] = as
		l.count("assets")
	}
	return nil
}

func (l *loader) materials(ctx context.Context) error {
	for _, d := range items {
		it := &inventory.Item{PartNumber: d.pn, Description: d.desc, Unit: d.unit, StockType: d.stockType,
			UnitCost: millwright.MustMoney(d.unitCost), Vendor: d.vendor, ItemGroup: d.group,
			ExpenseAccount: "6100", Conversions: []inventory.Conversion{}}
		for _, c := range d.conv {
			it.Conversions = append(it.Conversions, inventory.Conversion{Unit: c[0], Factor: millwright.MustQty(c[1])})
		}
		if err := inventory.CreateItem(ctx, l.tx, it); err != nil {
			return fmt.Errorf("item %s: %w", d.pn, err)
		}
		l.items[d.pn] = it
		l.count("items")
	}
	toLines := func(ls []bomLine) []asset.BOMLine {
		var out []asset.BOMLine
		for _, b := range ls {
			out = append(out, asset.BOMLine{ItemID: l.items[b.pn].ID, Quantity: millwright.MustQty(b.qty), AutoRequestMaterial: b.arm})
		}
		return out
	}
	for code, ls := range classBOMs {
		if _, err := asset.SetClassBOM(ctx, l.tx, l.classes[code], toLines(ls)); err != nil {
			return err
		}
		l.count("boms")
	}
	for tag, ls := range assetBOMs {
		if _, err := asset.SetBOM(ctx, l.tx, l.assets[tag].ID, toLines(ls)); err != nil {
			return err
		}
		l.count("boms")
	}
	return nil
}

// stock opens the storerooms with their balances and reorder settings.
// It runs after integrationSetup, so the items are mapped and each opening
// balance goes to the ERP as an adjustment, with the stock's level.
func (l *loader) stock(ctx context.Context) error {
	for _, s := range storerooms {
		st := &inventory.Storeroom{Code: s[0], Name: s[1], SiteID: l.sites[s[2]]}
		if err := inventory.CreateStoreroom(ctx, l.tx, st); err != nil {
			return err
		}
		l.stores[s[0]] = st.ID
		l.count("storerooms")
		for i, d := range items {
			if d.stockType != inventory.StockItem {
				continue
			}
			// Opening balances vary by part; reorder points sit a little
			// below them, and the air-handler filter at Riverside sits just
			// above its reorder point, so one issue triggers a reorder.
			onHand := int64(6 + (i*7)%19)
			rp, rq := onHand/3+1, onHand
			if d.pn == "FLT-AHU-24" && s[0] == "N-MAIN" {
				onHand, rp, rq = 13, 12, 24
			}
			cost := millwright.MustMoney(d.unitCost)
			if _, err := inventory.Adjust(ctx, l.tx, inventory.Adjustment{StoreroomID: st.ID, ItemID: l.items[d.pn].ID,
				Quantity: millwright.NewQty(onHand), UnitCost: &cost, Reason: "opening balance"}); err != nil {
				return fmt.Errorf("stock %s: %w", d.pn, err)
			}
			if _, err := inventory.SetSettings(ctx, l.tx, st.ID, l.items[d.pn].ID, inventory.Settings{
				ReorderPoint: millwright.NewQty(rp), ReorderQuantity: millwright.NewQty(rq),
				MaxQuantity: millwright.NewQty(rp + 2*rq)}); err != nil {
				return fmt.Errorf("stock %s: %w", d.pn, err)
			}
			l.count("stock_rows")
		}
	}
	return nil
}

func (l *loader) people(ctx context.Context) error {
	if err := l.crafts(ctx); err != nil {
		return err
	}
	hash := auth.HashPassword(Password)
	for _, u := range users {
		user := &store.User{Username: u.name, Role: millwright.Role(u.role), SiteID: l.sites[u.site], PasswordHash: hash, Craft: userCraft[u.name]}
		if err := l.tx.CreateUser(ctx, user); err != nil {
			return err
		}
		token, th := auth.NewToken()
		if _, err := l.tx.CreateToken(ctx, user.ID, th); err != nil {
			return err
		}
		l.res.Tokens[u.name] = token
		l.users[u.role] = user.Principal()
		l.count("users")
	}
	return l.tx.Audit(ctx, "demo", "demo", "load", nil, l.res.Counts)
}

// PrintWelcome tells a new user how to log in and what to try first.
func PrintWelcome(w io.Writer, r Result, baseURL, dsn string) {
	if !r.Loaded {
		fmt.Fprintf(w, "demo: %s already holds a plant; nothing loaded. Use a new database (--db sqlite:./demo.db) for a fresh demo.\n", dsn)
		return
	}
	var counts []string
	for _, k := range []string{"sites", "assets", "asset_classes", "items", "storerooms", "stock_rows", "boms", "users", "work_orders", "pm_plans", "budgets"} {
		counts = append(counts, fmt.Sprintf("%d %s", r.Counts[k], strings.ReplaceAll(k, "_", " ")))
	}
	fmt.Fprintf(w, "demo: loaded %s\n\n", strings.Join(counts, ", "))
	fmt.Fprintf(w, "Demo users (web password %q), one per role, with API tokens:\n", Password)
	for _, u := range users {
		site := "all sites"
		if u.site != "" {
			site = "site " + u.site
		}
		fmt.Fprintf(w, "  %-6s %-12s %-10s %s\n", u.name, u.role, site, r.Tokens[u.name])
	}
	fmt.Fprintf(w, "\nWeb: open %s/ and sign in as one of them (docs/web.md).\n", baseURL)
	fmt.Fprintf(w, "\nTry:\n  export TOKEN=%s\n  curl -s -H \"Authorization: Bearer $TOKEN\" %s/api/v1/work-orders\n\n", r.Tokens["ada"], baseURL)
}
