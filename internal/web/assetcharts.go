package web

import (
	"context"
	"fmt"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/report"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The asset page's charts: the months of cost, the days of readings.
const (
	costMonths  = 12
	readingDays = 90
)

// Chart geometry shared by the asset's charts (pixels of the viewBox).
const (
	chartW, chartH       = 640.0, 240.0
	plotLeft, plotRight  = 64.0, 628.0
	plotTop, plotBottom  = 16.0, 200.0
	xLabelY, xLabelYLow  = 218.0, 234.0
	maxTableReadings     = 10
	defaultReadingsLimit = 500
)

// costMonth is one month of an asset's actual cost.
type costMonth struct {
	Month                string
	Labor, Parts, Direct millwright.Money
	Total                millwright.Money
	X, W, Y, H, LabelX   float64
}

// costChart is the monthly actual cost of an asset's work orders, as the
// maintenance-cost report by month computes it, drawn as bars.
type costChart struct {
	Width, Height int
	Months        []costMonth
	Ticks         []tick
	Total         millwright.Money
}

func assetCostChart(ctx context.Context, tx *store.Tx, a *asset.Asset) (*costChart, error) {
	site, err := tx.Site(ctx, a.SiteID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := tx.Now().In(loc)
	first := time.Date(now.Year(), now.Month()-costMonths+1, 1, 0, 0, 0, 0, loc)
	mine, err := tx.CostEntries(ctx, report.Window{SiteID: a.SiteID, AssetID: a.ID, From: first.UTC(), To: tx.Now()})
	if err != nil {
		return nil, err
	}
	info := []report.AssetInfo{{ID: a.ID, Tag: a.Tag, SiteID: a.SiteID, TimeZone: site.TimeZone}}
	byMonth := map[string]report.CostRow{}
	for _, row := range report.ComputeCost(report.ByMonth, info, mine) {
		byMonth[row.Month] = row
	}
	c := &costChart{Width: int(chartW), Height: int(chartH)}
	maxV := 1.0
	for i := range costMonths {
		m := first.AddDate(0, i, 0).Format("2006-01")
		row := byMonth[m]
		c.Months = append(c.Months, costMonth{Month: m, Labor: row.Labor, Parts: row.Parts, Direct: row.Direct, Total: row.Total})
		c.Total = c.Total.Add(row.Total)
		maxV = max(maxV, row.Total.InexactFloat64())
	}
	maxV *= 1.1
	group := (plotRight - plotLeft) / costMonths
	for i := range c.Months {
		m := &c.Months[i]
		m.W = group * 0.6
		m.X = plotLeft + float64(i)*group + group*0.2
		m.H = max(0, m.Total.InexactFloat64()) / maxV * (plotBottom - plotTop)
		m.Y = plotBottom - m.H
		m.LabelX = m.X + m.W/2
	}
	c.Ticks = ticks(0, maxV)
	return c, nil
}

// ticks are five labelled lines from lo to hi on the plot's value axis.
func ticks(lo, hi float64) []tick {
	var out []tick
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		out = append(out, tick{Y: plotBottom - (v-lo)/(hi-lo)*(plotBottom-plotTop), Label: fmt.Sprintf("%.4g", v)})
	}
	return out
}

// meterChart is the readings of one meter over time, with the limits of
// the condition rules that watch it drawn across.
type meterChart struct {
	reading.Meter
	Width, Height int
	Points        string // the polyline
	Dots          []dot
	Limits        []limit
	Ticks         []tick
	XLabels       []xLabel
	Count         int
	Recent        []reading.Reading // the last few, newest first, as a table
}

type dot struct {
	X, Y  float64
	Label string
}

type limit struct {
	Y            float64
	Label, Value string
	Plan         string
}

type xLabel struct {
	X             float64
	Label, Anchor string
}

// assetMeterCharts draws each meter of an asset over the last readingDays.
func assetMeterCharts(ctx context.Context, tx *store.Tx, a *asset.Asset) ([]meterChart, error) {
	ms, err := tx.Meters(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	from := tx.Now().AddDate(0, 0, -readingDays)
	var out []meterChart
	for _, m := range ms {
		p, err := tx.Readings(ctx, reading.Filter{AssetID: a.ID, Meter: m.Name, From: &from, Limit: defaultReadingsLimit})
		if err != nil {
			return nil, err
		}
		plans, err := tx.PlansForMeter(ctx, a.ID, m.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, newMeterChart(m, p.Items, plans))
	}
	return out, nil
}

func newMeterChart(m reading.Meter, rs []reading.Reading, plans []pm.Plan) meterChart {
	c := meterChart{Meter: m, Width: int(chartW), Height: int(chartH), Count: len(rs)}
	val := func(r reading.Reading) float64 {
		if m.Kind == reading.Counter {
			return r.Total.InexactFloat64()
		}
		return r.Value.InexactFloat64()
	}
	type lim struct {
		v          float64
		label, pln string
	}
	var lims []lim
	for _, p := range plans {
		if p.Trigger.Kind != pm.Condition || !p.Active {
			continue
		}
		if p.Trigger.Above != nil {
			lims = append(lims, lim{*p.Trigger.Above, "above", p.Name})
		}
		if p.Trigger.Below != nil {
			lims = append(lims, lim{*p.Trigger.Below, "below", p.Name})
		}
	}
	if len(rs) == 0 && len(lims) == 0 {
		return c
	}
	lo, hi := 0.0, 1.0
	first := true
	for _, r := range rs {
		v := val(r)
		if first {
			lo, hi, first = v, v, false
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	for _, l := range lims {
		if first {
			lo, hi, first = l.v, l.v, false
		}
		lo, hi = min(lo, l.v), max(hi, l.v)
	}
	pad := (hi - lo) * 0.1
	if pad == 0 {
		pad = max(1, hi*0.1)
	}
	lo, hi = lo-pad, hi+pad
	if lo < 0 && lo+pad >= 0 { // no negative values: the axis starts at zero
		lo = 0
	}
	y := func(v float64) float64 { return plotBottom - (v-lo)/(hi-lo)*(plotBottom-plotTop) }
	c.Ticks = ticks(lo, hi)
	for _, l := range lims {
		c.Limits = append(c.Limits, limit{Y: y(l.v), Label: l.label, Value: fmt.Sprintf("%g", l.v), Plan: l.pln})
	}
	if len(rs) == 0 {
		return c
	}
	t0, t1 := rs[0].At, rs[len(rs)-1].At
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span == 0 {
			return (plotLeft + plotRight) / 2
		}
		return plotLeft + t.Sub(t0).Seconds()/span*(plotRight-plotLeft)
	}
	for i, r := range rs {
		px, py := x(r.At), y(val(r))
		if i > 0 {
			c.Points += " "
		}
		c.Points += fmt.Sprintf("%.1f,%.1f", px, py)
		c.Dots = append(c.Dots, dot{X: px, Y: py, Label: fmt.Sprintf("%s %s at %s", r.Value, m.Unit, r.At.UTC().Format("2006-01-02 15:04"))})
	}
	c.XLabels = append(c.XLabels, xLabel{X: plotLeft, Label: t0.UTC().Format("2006-01-02 15:04"), Anchor: "start"})
	if span > 0 {
		c.XLabels = append(c.XLabels, xLabel{X: plotRight, Label: t1.UTC().Format("2006-01-02 15:04"), Anchor: "end"})
	}
	for i := len(rs) - 1; i >= 0 && len(c.Recent) < maxTableReadings; i-- {
		c.Recent = append(c.Recent, rs[i])
	}
	return c
}
