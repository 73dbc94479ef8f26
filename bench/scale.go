package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// plant is what the scale loader made, for the measurements to pick from.
type plant struct {
	sites      []string       // site ids
	assets     []string       // asset ids
	assetSite  map[string]int // asset id → index in sites
	techs      [][]string     // technician user names, by site index
	items      []string       // item ids
	storerooms []string       // storeroom ids
	laborWOs   []string       // work orders with labor entries
	workOrders int            // how many were loaded
	counts     map[string]int // rows loaded, by table
	plans      int            // calendar plans
	dueAtLoad  int            // plans left owing an occurrence
}

// Shapes of the loaded plant at scale factor 1.
const (
	scaleAssets     = 100_000
	scaleWorkOrders = 1_000_000
	scaleItems      = 10_000
	scalePlans      = 20_000
	scaleYears      = 5
	scaleTechs      = 40 // per site
)

var (
	assetKinds = []string{"Centrifugal pump", "Gearbox", "Conveyor", "Electric motor", "Air compressor", "Boiler feed pump",
		"Heat exchanger", "Fan", "Valve actuator", "Filler head", "Capper", "Labeller", "Cooling tower", "Transformer", "Hydraulic press"}
	woTitles = []string{"Replace bearing", "Check alignment", "Leak at seal", "Noise at drive end", "Lubricate", "Inspect belts",
		"Motor trips", "Vibration high", "Replace filter", "Calibrate sensor", "Tighten couplings", "Clean strainer"}
	crafts = []string{"mechanic", "electrician", "instrument", "millwright"}
)

// pick returns a value of vs with the given weights.
func pick[T any](r *rand.Rand, vs []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return vs[i]
		}
		n -= w
	}
	return vs[len(vs)-1]
}

// loader writes rows in large transactions, flushing every batch rows.
type loader struct {
	db      *store.DB
	pending map[string]*pendingRows
	order   []string
	counts  map[string]int
}

type pendingRows struct {
	cols []string
	rows [][]any
}

func (l *loader) add(table string, cols []string, row ...any) {
	p := l.pending[table]
	if p == nil {
		p = &pendingRows{cols: cols}
		l.pending[table] = p
		l.order = append(l.order, table)
	}
	p.rows = append(p.rows, row)
	l.counts[table]++
}

// flush writes everything pending in one transaction, parents first
// (tables in the order they were first added to).
func (l *loader) flush(ctx context.Context) error {
	err := l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, t := range l.order {
			p := l.pending[t]
			if err := tx.InsertRows(ctx, t, p.cols, p.rows); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			p.rows = p.rows[:0]
		}
		return nil
	})
	return err
}

func (l *loader) size() int {
	n := 0
	for _, p := range l.pending {
		n += len(p.rows)
	}
	return n
}

var (
	locationCols  = []string{"id", "site_id", "code", "name", "parent_id", "created_at"}
	classCols     = []string{"id", "code", "name", "auto_request_material", "created_at"}
	assetCols     = []string{"id", "tag", "name", "site_id", "asset_class_id", "parent_id", "location_id", "criticality", "cost_center", "auto_request_material", "created_at", "updated_at"}
	userCols      = []string{"id", "username", "role", "site_id", "password_hash", "created_at"}
	itemCols      = []string{"id", "part_number", "description", "unit", "stock_type", "unit_cost", "vendor", "created_at", "updated_at"}
	stockCols     = []string{"storeroom_id", "item_id", "on_hand", "reserved", "value", "reorder_point", "reorder_quantity", "max_quantity", "updated_at"}
	workOrderCols = []string{"id", "number", "type", "status", "priority", "site_id", "asset_id", "title", "description",
		"auto_request_material", "estimated_labor", "problem", "cause", "remedy", "downtime_hours", "notes",
		"assigned_to", "scheduled_on", "created_by", "created_at", "updated_at", "completed_at"}
	laborCols    = []string{"id", "work_order_id", "technician", "craft", "hours", "rate", "amount", "actor", "at"}
	materialCols = []string{"id", "work_order_id", "item_id", "quantity", "direct", "storeroom_id", "auto_request_material",
		"reserved", "issued", "unit_cost", "procurement_status", "committed_cost", "actual_cost", "created_at"}
	movementCols   = []string{"id", "storeroom_id", "item_id", "kind", "quantity", "value", "work_order_id", "reason", "actor", "at"}
	occurrenceCols = []string{"plan_id", "occ_key", "due_at", "work_order_id", "missed", "created_at"}
)

// cents formats c hundredths as a decimal string.
func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// loadScale fills a database that holds the demo plant with a plant of
// f × (100,000 assets, 1,000,000 work orders): locations, classes,
// assets, technicians, items and stock, work orders over five years with
// their labor, materials and issues, and calendar PM plans whose
// occurrences are the preventive work orders. It writes straight through
// the store in multi-row INSERTs, without audit entries.
func loadScale(ctx context.Context, db *store.DB, f float64) (*plant, error) {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	r := rand.New(rand.NewPCG(1, 2))
	l := &loader{db: db, pending: map[string]*pendingRows{}, counts: map[string]int{}}
	p := &plant{assetSite: map[string]int{}, counts: l.counts}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var sites []asset.Site
	var rooms []inventory.Storeroom
	if err := db.View(ctx, func(tx *store.Tx) error {
		s, err := tx.Sites(ctx, "", "", 10)
		if err != nil {
			return err
		}
		sites = s.Items
		st, err := tx.Storerooms(ctx, inventory.StoreroomFilter{Limit: 100})
		rooms = st.Items
		return err
	}); err != nil {
		return nil, err
	}
	roomsBySite := make([][]string, len(sites))
	for i, s := range sites {
		p.sites = append(p.sites, s.ID)
		for _, rm := range rooms {
			if rm.SiteID == s.ID {
				roomsBySite[i] = append(roomsBySite[i], rm.ID)
				p.storerooms = append(p.storerooms, rm.ID)
			}
		}
	}

	// Locations: per site 6 areas × 8 lines × 6 units.
	locsBySite := make([][]string, len(sites))
	for si, s := range sites {
		for a := range 6 {
			aid := millwright.NewID("loc")
			l.add("locations", locationCols, aid, s.ID, fmt.Sprintf("%s-A%d", s.Code, a), fmt.Sprintf("Area %d", a), nil, now)
			for b := range 8 {
				bid := millwright.NewID("loc")
				l.add("locations", locationCols, bid, s.ID, fmt.Sprintf("%s-A%d-L%d", s.Code, a, b), fmt.Sprintf("Line %d.%d", a, b), aid, now)
				for c := range 6 {
					cid := millwright.NewID("loc")
					l.add("locations", locationCols, cid, s.ID, fmt.Sprintf("%s-A%d-L%d-U%d", s.Code, a, b, c), fmt.Sprintf("Unit %d.%d.%d", a, b, c), bid, now)
					locsBySite[si] = append(locsBySite[si], cid)
				}
			}
		}
	}
	var classes []string
	for i, k := range assetKinds {
		id := millwright.NewID("acl")
		classes = append(classes, id)
		l.add("asset_classes", classCols, id, fmt.Sprintf("SC-%02d", i), k, i%3 == 0, now)
	}
	// Technicians of each site.
	p.techs = make([][]string, len(sites))
	for si, s := range sites {
		for t := range scaleTechs {
			name := fmt.Sprintf("tech-%s-%02d", strings.ToLower(s.Code), t)
			p.techs[si] = append(p.techs[si], name)
			l.add("users", userCols, millwright.NewID("usr"), name, string(millwright.Technician), s.ID, "", now)
		}
	}
	// Items and their stock in every storeroom.
	nItems := max(100, int(scaleItems*f))
	for i := range nItems {
		id := millwright.NewID("itm")
		p.items = append(p.items, id)
		cost := int64(100 + r.IntN(50000))
		l.add("items", itemCols, id, fmt.Sprintf("SP-%06d", i), fmt.Sprintf("%s spare %d", assetKinds[i%len(assetKinds)], i),
			"EA", "stock", cents(cost), fmt.Sprintf("Vendor %d", i%50), now, now)
		for _, rm := range p.storerooms {
			q := int64(r.IntN(40))
			l.add("stock", stockCols, rm, id, fmt.Sprint(q), "0", cents(q*cost), "5", "10", "50", now)
		}
	}
	if err := l.flush(ctx); err != nil {
		return nil, err
	}
	// Assets: spread over the sites; one in four is a component of an
	// earlier asset of its site.
	nAssets := max(200, int(scaleAssets*f))
	bySite := make([][]string, len(sites))
	for i := range nAssets {
		si := i % len(sites)
		id := millwright.NewID("ast")
		var parent any
		if len(bySite[si]) > 10 && r.IntN(4) == 0 {
			parent = bySite[si][r.IntN(len(bySite[si]))]
		}
		k := r.IntN(len(assetKinds))
		l.add("assets", assetCols, id, fmt.Sprintf("%s-%06d", sites[si].Code[:1], i), fmt.Sprintf("%s %d", assetKinds[k], i),
			sites[si].ID, classes[k], parent, locsBySite[si][r.IntN(len(locsBySite[si]))], 1+r.IntN(5),
			fmt.Sprintf("CC-%s-%d", sites[si].Code, r.IntN(6)), nil, now, now)
		bySite[si] = append(bySite[si], id)
		p.assets = append(p.assets, id)
		p.assetSite[id] = si
		if l.size() >= 20000 {
			if err := l.flush(ctx); err != nil {
				return nil, err
			}
		}
	}
	if err := l.flush(ctx); err != nil {
		return nil, err
	}

	nWO := max(2000, int(scaleWorkOrders*f))
	start := now.AddDate(-scaleYears, 0, 0)
	span := now.Sub(start)
	seq := 0
	f0 := false
	// workOrder queues one work order created at created on asset a, with
	// its labor, materials and issues, and returns its id.
	workOrder := func(a string, created time.Time, typ workorder.Type, title string) string {
		seq++
		si := p.assetSite[a]
		age := now.Sub(created)
		var st workorder.Status
		if age > 120*24*time.Hour {
			st = pick(r, []workorder.Status{workorder.Closed, workorder.Cancelled, workorder.Completed}, []int{88, 7, 5})
		} else {
			st = pick(r, workorder.Statuses[:8], []int{15, 10, 10, 15, 15, 5, 20, 10})
		}
		prio := pick(r, []int{1, 2, 3, 4}, []int{5, 25, 45, 25})
		if typ == workorder.Emergency {
			prio = 1
		}
		var assigned, scheduled string
		if st != workorder.Requested && st != workorder.Approved && r.IntN(10) < 8 {
			assigned = p.techs[si][r.IntN(len(p.techs[si]))]
			scheduled = created.Add(time.Duration(r.IntN(30*24)) * time.Hour).Format(workorder.DateLayout)
		}
		down := "0"
		var completed any
		var done time.Time
		id := millwright.NewID("wo")
		if st == workorder.Completed || st == workorder.Closed {
			done = created.Add(time.Duration(1+r.IntN(14*24)) * time.Hour)
			if done.After(now) {
				done = now
			}
			completed = done
			if typ == workorder.Corrective || typ == workorder.Emergency {
				down = fmt.Sprintf("%d.%d", r.IntN(24), r.IntN(10))
			}
		}
		upd := created
		if completed != nil {
			upd = done
		}
		l.add("work_orders", workOrderCols, id, fmt.Sprintf("WO-%07d", seq), string(typ), string(st), prio, p.sites[si], a,
			title, "", false, "2", "", "", "", down, "", assigned, scheduled, "bench", created, upd, completed)
		// Labor on a third of the work done.
		if completed != nil && r.IntN(3) == 0 {
			p.laborWOs = append(p.laborWOs, id)
			for range 1 + r.IntN(3) {
				qh := int64(1 + r.IntN(32)) // quarter hours
				rate := int64(35 + r.IntN(40))
				l.add("wo_labor", laborCols, millwright.NewID("lab"), id, assigned, crafts[r.IntN(len(crafts))],
					fmt.Sprintf("%.2f", float64(qh)/4), cents(rate*100), cents(qh*rate*25), "bench", done)
			}
		}
		// Materials on one in eight: a stock line, issued when the work
		// is done, or a direct line with its actual cost.
		if r.IntN(8) == 0 && len(roomsBySite[si]) > 0 {
			it := p.items[r.IntN(len(p.items))]
			rm := roomsBySite[si][r.IntN(len(roomsBySite[si]))]
			q := int64(1 + r.IntN(4))
			unit := int64(100 + r.IntN(20000))
			issued, actual := "0", "0.00"
			if completed != nil {
				issued, actual = fmt.Sprint(q), cents(q*unit)
			}
			direct := r.IntN(5) == 0
			var room any = rm
			if direct {
				room = nil
			}
			l.add("wo_materials", materialCols, millwright.NewID("wom"), id, it, fmt.Sprint(q), direct, room, false,
				"0", issued, cents(unit), "none", "0.00", actual, created)
			if completed != nil && !direct {
				l.add("stock_movements", movementCols, millwright.NewID("mov"), rm, it, inventory.MoveIssue, fmt.Sprint(-q),
					cents(-q*unit), id, "", "bench", completed)
			}
		}
		return id
	}

	// Calendar plans, each on an asset, every 30 to 365 days from five
	// years ago; each occurrence so far is a preventive work order. One
	// plan in 200 is left owing its latest occurrence, for the scheduler.
	nPlans := max(100, int(scalePlans*f))
	every := []int{30, 60, 90, 180, 365}
	type planOcc struct {
		plan, asset string
		due         time.Time
		owe         bool
	}
	var occs []planOcc
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range nPlans {
			a := p.assets[r.IntN(len(p.assets))]
			si := p.assetSite[a]
			loc, err := time.LoadLocation(sites[si].TimeZone)
			if err != nil {
				loc = time.UTC
			}
			ev := every[r.IntN(len(every))]
			first := start.In(loc).AddDate(0, 0, r.IntN(ev))
			first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
			pl := &pm.Plan{SiteID: sites[si].ID, AssetID: a, Name: fmt.Sprintf("PM %d every %d days", i, ev),
				Trigger:   pm.Trigger{Kind: pm.Calendar, EveryDays: ev, Schedule: "fixed", Start: first.Format("2006-01-02")},
				WorkOrder: pm.Template{Type: workorder.Preventive, Priority: 3, Title: "PM service", CopyBOM: &f0, AutoRelease: &f0},
				Active:    true, CreatedBy: "bench", CreatedAt: start, UpdatedAt: start}
			if err := tx.CreatePlan(ctx, pl); err != nil {
				return err
			}
			owe := i%200 == 0
			var dues []time.Time
			for d := first; !d.After(now); d = d.AddDate(0, 0, ev) {
				dues = append(dues, d)
			}
			if owe && len(dues) > 0 {
				dues = dues[:len(dues)-1]
				p.dueAtLoad++
			}
			for _, d := range dues {
				occs = append(occs, planOcc{pl.ID, a, d, owe})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.plans = nPlans
	// Merge the PM work orders into the others in time order, so that
	// ids and numbers follow creation as they do in a real plant.
	nOther := max(0, nWO-len(occs))
	times := make([]time.Time, nOther)
	for i := range times {
		times[i] = start.Add(time.Duration(r.Int64N(int64(span))))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	slices.SortFunc(occs, func(a, b planOcc) int { return a.due.Compare(b.due) })
	oi, ti := 0, 0
	for oi < len(occs) || ti < len(times) {
		if oi < len(occs) && (ti >= len(times) || occs[oi].due.Before(times[ti])) {
			o := occs[oi]
			oi++
			id := workOrder(o.asset, o.due.UTC(), workorder.Preventive, "PM service")
			l.add("pm_occurrences", occurrenceCols, o.plan, o.due.UTC().Format(time.RFC3339), o.due.UTC(), id, false, o.due.UTC())
		} else {
			t := times[ti]
			ti++
			typ := pick(r, []workorder.Type{workorder.Corrective, workorder.Emergency, workorder.Inspection, workorder.Predictive, workorder.Preventive},
				[]int{55, 8, 20, 12, 5})
			workOrder(p.assets[r.IntN(len(p.assets))], t, typ, woTitles[r.IntN(len(woTitles))])
		}
		if l.size() >= 50000 {
			if err := l.flush(ctx); err != nil {
				return nil, err
			}
		}
	}
	if err := l.flush(ctx); err != nil {
		return nil, err
	}
	p.workOrders = seq
	// The demo's work orders are numbered WO-000001 on (six digits), so
	// new ones never take a loaded number (seven digits).
	return p, nil
}
