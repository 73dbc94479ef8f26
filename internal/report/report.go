// Package report computes the maintenance KPIs from the records the store
// gathers: MTBF and MTTR per asset or asset class, the backlog of open work
// orders by priority and age, and the actual maintenance cost per asset.
// The formulas are in docs/kpis.md; each function here is one of them.
package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
)

// Window is the period a report covers: From inclusive, To exclusive.
type Window struct {
	SiteID string
	From   time.Time
	To     time.Time
	// AssetID, when set, limits the window to one asset's work orders
	// (the asset page's cost chart).
	AssetID string
}

// DefaultReliabilityDays is the length of the reliability window when no
// from is given.
const DefaultReliabilityDays = 365

// AssetInfo is an asset as the reports name it.
type AssetInfo struct {
	ID        string
	Tag       string
	SiteID    string
	ClassID   string
	ClassCode string
	TimeZone  string // the site's
}

// Failure is a completed corrective or emergency work order: one failure
// of its asset, with the downtime it caused.
type Failure struct {
	AssetID       string
	DowntimeHours millwright.Qty
}

// ReliabilityRow is MTBF and MTTR of one asset or one asset class.
type ReliabilityRow struct {
	AssetID        string         `json:"asset_id,omitempty"`
	AssetTag       string         `json:"asset_tag,omitempty"`
	SiteID         string         `json:"site_id,omitempty"`
	ClassID        string         `json:"asset_class_id"`
	ClassCode      string         `json:"asset_class_code"`
	Assets         int            `json:"assets"`
	Failures       int            `json:"failures"`
	DowntimeHours  millwright.Qty `json:"downtime_hours"`
	OperatingHours millwright.Qty `json:"operating_hours"`
	// MTBFHours and MTTRHours are nil (null) with no failure.
	MTBFHours *millwright.Qty `json:"mtbf_hours"`
	MTTRHours *millwright.Qty `json:"mttr_hours"`
}

// Reliability is the answer of GET reports/reliability.
type Reliability struct {
	By          string           `json:"by"`
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	PeriodHours millwright.Qty   `json:"period_hours"`
	Items       []ReliabilityRow `json:"items"`
}

// Group by for the reliability report.
const (
	ByAsset = "asset"
	ByClass = "asset_class"
	ByMonth = "month"
)

// ComputeReliability works out MTBF and MTTR over w for each asset, or
// each asset class (by ByClass; assets with no class form one group with
// an empty class), from the failures in w:
//
//	period    P = hours from w.From to w.To
//	operating O = n × P − D   (n assets in the group, D their downtime)
//	MTBF      = O / N          (N failures)
//	MTTR      = D / N
//
// Both are rounded to two decimals, and null when N is 0.
func ComputeReliability(w Window, by string, assets []AssetInfo, failures []Failure) Reliability {
	period := hours(w.To.Sub(w.From))
	type acc struct{ row ReliabilityRow }
	groups := map[string]*acc{}
	var keys []string
	keyOf := map[string]string{}
	for _, a := range assets {
		k := a.ID
		if by == ByClass {
			k = a.ClassID
		}
		keyOf[a.ID] = k
		g := groups[k]
		if g == nil {
			g = &acc{row: ReliabilityRow{ClassID: a.ClassID, ClassCode: a.ClassCode}}
			if by != ByClass {
				g.row.AssetID, g.row.AssetTag, g.row.SiteID = a.ID, a.Tag, a.SiteID
			}
			groups[k] = g
			keys = append(keys, k)
		}
		g.row.Assets++
	}
	for _, f := range failures {
		k, ok := keyOf[f.AssetID]
		if !ok {
			continue // an asset outside the report's scope
		}
		g := groups[k]
		g.row.Failures++
		g.row.DowntimeHours = g.row.DowntimeHours.Add(f.DowntimeHours)
	}
	out := Reliability{By: by, From: w.From, To: w.To, PeriodHours: round(millwright.Qty{Decimal: period}), Items: []ReliabilityRow{}}
	for _, k := range keys {
		r := groups[k].row
		r.OperatingHours = round(millwright.Qty{Decimal: period.Mul(decimal.NewFromInt(int64(r.Assets)))}.Sub(r.DowntimeHours))
		if r.Failures > 0 {
			n := decimal.NewFromInt(int64(r.Failures))
			mtbf := round(millwright.Qty{Decimal: r.OperatingHours.Decimal.Div(n)})
			mttr := round(millwright.Qty{Decimal: r.DowntimeHours.Decimal.Div(n)})
			r.MTBFHours, r.MTTRHours = &mtbf, &mttr
		}
		out.Items = append(out.Items, r)
	}
	slices.SortFunc(out.Items, func(a, b ReliabilityRow) int {
		return cmp.Or(cmp.Compare(a.ClassCode, b.ClassCode), cmp.Compare(a.AssetTag, b.AssetTag), cmp.Compare(a.AssetID, b.AssetID))
	})
	return out
}

func hours(d time.Duration) decimal.Decimal {
	return decimal.NewFromInt(int64(d / time.Second)).Div(decimal.NewFromInt(3600))
}

func round(q millwright.Qty) millwright.Qty { return millwright.Qty{Decimal: q.Decimal.Round(2)} }

// OpenWorkOrder is a work order that is not completed, closed or cancelled.
type OpenWorkOrder struct {
	Priority  int
	CreatedAt time.Time
}

// BacklogRow counts open work orders of one priority (0 in the total row)
// by age: days since creation, in whole days.
type BacklogRow struct {
	Priority   int `json:"priority,omitempty"`
	Total      int `json:"total"`
	Days0to7   int `json:"days_0_7"`
	Days8to30  int `json:"days_8_30"`
	Days31to90 int `json:"days_31_90"`
	DaysOver90 int `json:"days_over_90"`
}

func (r *BacklogRow) add(age int) {
	r.Total++
	switch {
	case age <= 7:
		r.Days0to7++
	case age <= 30:
		r.Days8to30++
	case age <= 90:
		r.Days31to90++
	default:
		r.DaysOver90++
	}
}

// Backlog is the answer of GET reports/backlog.
type Backlog struct {
	AsOf       time.Time    `json:"as_of"`
	Total      BacklogRow   `json:"total"`
	ByPriority []BacklogRow `json:"by_priority"`
}

// ComputeBacklog counts open work orders by priority (1 to 4, each listed
// even when empty) and by age at asOf: 0–7, 8–30, 31–90 and over 90 whole
// days since creation.
func ComputeBacklog(asOf time.Time, open []OpenWorkOrder) Backlog {
	b := Backlog{AsOf: asOf, ByPriority: make([]BacklogRow, 4)}
	for i := range b.ByPriority {
		b.ByPriority[i].Priority = i + 1
	}
	for _, w := range open {
		age := max(0, int(asOf.Sub(w.CreatedAt)/(24*time.Hour)))
		b.Total.add(age)
		if w.Priority >= 1 && w.Priority <= 4 {
			b.ByPriority[w.Priority-1].add(age)
		}
	}
	return b
}

// BacklogOf is the backlog at asOf from counts already made per priority
// (as the store counts them in SQL): each row's buckets as ComputeBacklog
// fills them. Priorities 1 to 4 are listed even when empty; the total
// counts every row.
func BacklogOf(asOf time.Time, counts []BacklogRow) Backlog {
	b := Backlog{AsOf: asOf, ByPriority: make([]BacklogRow, 4)}
	for i := range b.ByPriority {
		b.ByPriority[i].Priority = i + 1
	}
	for _, c := range counts {
		b.Total.Total += c.Total
		b.Total.Days0to7 += c.Days0to7
		b.Total.Days8to30 += c.Days8to30
		b.Total.Days31to90 += c.Days31to90
		b.Total.DaysOver90 += c.DaysOver90
		if c.Priority >= 1 && c.Priority <= 4 {
			c.Priority = b.ByPriority[c.Priority-1].Priority
			b.ByPriority[c.Priority-1] = c
		}
	}
	return b
}

// CostKind is what a cost is for.
type CostKind string

// The kinds of actual cost.
const (
	Labor  CostKind = "labor"
	Parts  CostKind = "parts"
	Direct CostKind = "direct"
)

// CostEntry is one actual cost of a work order on an asset, at the time
// it is dated by.
type CostEntry struct {
	AssetID string
	Kind    CostKind
	Amount  millwright.Money
	At      time.Time
}

// CostRow is the actual maintenance cost of one asset (in one month, by month).
type CostRow struct {
	AssetID  string           `json:"asset_id"`
	AssetTag string           `json:"asset_tag"`
	SiteID   string           `json:"site_id"`
	Month    string           `json:"month,omitempty"`
	Labor    millwright.Money `json:"labor"`
	Parts    millwright.Money `json:"parts"`
	Direct   millwright.Money `json:"direct"`
	Total    millwright.Money `json:"total"`
}

// Cost is the answer of GET reports/maintenance-cost.
type Cost struct {
	By    string           `json:"by"`
	From  *time.Time       `json:"from"`
	To    time.Time        `json:"to"`
	Items []CostRow        `json:"items"`
	Total millwright.Money `json:"total"`
}

// ComputeCost adds up entries per asset, or per asset and month (by
// ByMonth; the month of each entry's time in its site's time zone). Rows
// are in tag order, then month.
func ComputeCost(by string, assets []AssetInfo, entries []CostEntry) []CostRow {
	info := map[string]AssetInfo{}
	for _, a := range assets {
		info[a.ID] = a
	}
	rows := map[[2]string]*CostRow{}
	for _, e := range entries {
		a, ok := info[e.AssetID]
		if !ok {
			continue
		}
		var month string
		if by == ByMonth {
			loc, err := time.LoadLocation(a.TimeZone)
			if err != nil {
				loc = time.UTC
			}
			month = e.At.In(loc).Format("2006-01")
		}
		k := [2]string{a.ID, month}
		r := rows[k]
		if r == nil {
			r = &CostRow{AssetID: a.ID, AssetTag: a.Tag, SiteID: a.SiteID, Month: month}
			rows[k] = r
		}
		switch e.Kind {
		case Labor:
			r.Labor = r.Labor.Add(e.Amount)
		case Parts:
			r.Parts = r.Parts.Add(e.Amount)
		case Direct:
			r.Direct = r.Direct.Add(e.Amount)
		}
		r.Total = r.Total.Add(e.Amount)
	}
	out := []CostRow{}
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b CostRow) int {
		return cmp.Or(cmp.Compare(a.AssetTag, b.AssetTag), cmp.Compare(a.SiteID, b.SiteID), cmp.Compare(a.Month, b.Month))
	})
	return out
}
