package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright/internal/report"
)

// barChart is a bar chart drawn as inline SVG on the server: one bar per
// label, stacked from its series, with an optional marker line per bar (a
// budget, say). Floats are only the pixel geometry; each bar's figures
// are also in the page as text (its title and the table beside the chart).
type barChart struct {
	ID, Title string
	Series    []chartSeries
	Bars      []chartBar
}

// chartSeries is one stacked part of every bar.
type chartSeries struct {
	Name, Fill string
}

// chartBar is one bar: its label, its value per series (the amount as
// text, and as a float for drawing), and a marker (NaN: none).
type chartBar struct {
	Label  string
	Values []float64
	Texts  []string
	Marker float64
	// MarkerText is the marker's figure, with its name ("budget 18000.00").
	MarkerText string
}

// SVG draws the chart.
func (c *barChart) SVG() template.HTML {
	const width, height, left, top, base = 640.0, 260.0, 70.0, 20.0, 215.0
	maxV := 0.0
	for _, b := range c.Bars {
		sum := 0.0
		for _, v := range b.Values {
			sum += max(v, 0)
		}
		maxV = max(maxV, sum)
		if !math.IsNaN(b.Marker) {
			maxV = max(maxV, b.Marker)
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	maxV *= 1.1
	scale := func(v float64) float64 { return max(v, 0) / maxV * (base - top) }
	esc := template.HTMLEscapeString
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title" xmlns="http://www.w3.org/2000/svg">`,
		esc(c.ID), int(width), int(height), esc(c.ID))
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title>`, esc(c.ID), esc(c.Title))
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		y := base - scale(v)
		label := strconv.FormatFloat(v, 'f', 0, 64)
		if maxV < 10 {
			label = strconv.FormatFloat(v, 'f', 1, 64)
		}
		fmt.Fprintf(&sb, `<line x1="64" x2="%d" y1="%s" y2="%s" stroke="#e1e4e8"/><text x="60" y="%s" text-anchor="end" font-size="11" dominant-baseline="middle" fill="#57606a">%s</text>`,
			int(width), num(y), num(y), num(y), label)
	}
	n := max(len(c.Bars), 1)
	group := (width - left - 10) / float64(n)
	for i, b := range c.Bars {
		x := left + float64(i)*group + group*0.2
		w := group * 0.6
		var parts []string
		for j, t := range b.Texts {
			parts = append(parts, c.Series[j].Name+" "+t)
		}
		if b.MarkerText != "" {
			parts = append(parts, b.MarkerText)
		}
		fmt.Fprintf(&sb, `<g class="bar" data-label="%s"><title>%s: %s</title>`, esc(b.Label), esc(b.Label), esc(strings.Join(parts, ", ")))
		y := base
		for j, v := range b.Values {
			h := scale(v)
			y -= h
			fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-series="%s" data-value="%s"/>`,
				num(x), num(y), num(w), num(h), esc(c.Series[j].Fill), esc(c.Series[j].Name), esc(b.Texts[j]))
		}
		if !math.IsNaN(b.Marker) {
			fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="3" fill="#b42318"/>`, num(x-2), num(base-scale(b.Marker)), num(w+4))
		}
		label := b.Label
		if len([]rune(label)) > 12 {
			label = string([]rune(label)[:11]) + "…"
		}
		fmt.Fprintf(&sb, `<text x="%s" y="235" text-anchor="middle" font-size="12" fill="#1b1f24">%s</text></g>`, num(x+w/2), esc(label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// backlogChart is the open work by priority, each bar stacked by age.
func backlogChart(b report.Backlog) *barChart {
	c := &barChart{ID: "backlog-chart", Title: "Open work orders by priority, stacked by age in days",
		Series: []chartSeries{{"0–7 days", "#9ec5f0"}, {"8–30 days", "#4a90d9"}, {"31–90 days", "#0b5cad"}, {"over 90 days", "#b42318"}}}
	for _, r := range b.ByPriority {
		vals := []int{r.Days0to7, r.Days8to30, r.Days31to90, r.DaysOver90}
		bar := chartBar{Label: "P" + strconv.Itoa(r.Priority), Marker: math.NaN()}
		for _, v := range vals {
			bar.Values = append(bar.Values, float64(v))
			bar.Texts = append(bar.Texts, strconv.Itoa(v))
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}
