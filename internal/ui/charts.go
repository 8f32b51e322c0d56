package ui

import (
	"github.com/callcycle/callcycle/internal/operations"
)

// chart is a horizontal bar chart drawn on the server as SVG: money
// committed and paid for each key (a year, a kind, a zone). No script:
// the page's CSP allows none, and a reader without the picture gets the
// same figures in the table that follows it.
type chart struct {
	ID, Title    string
	KeyTitle     string // what the keys are, for the table of figures
	Rows         []chartRow
	Width        int
	Height       int
	LabelWidth   int
	CommittedKey string // legend
	PaidKey      string
}

type chartRow struct {
	Label           string
	Y, TextY        int
	Committed, Paid chartBar
	CommittedText   string
	PaidText        string
}

type chartBar struct{ X, Y, W, H, TextX, TextY int }

const (
	chartWidth = 720
	chartLabel = 220
	chartBars  = 400 // the longest bar
	chartRowH  = 44
	chartBarH  = 16
	chartTop   = 28 // room for the legend
)

// moneyChart draws amounts; label names each key for the reader.
func moneyChart(id, title, committed, paid string, rows []operations.Amounts, label func(string) string) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, LabelWidth: chartLabel, CommittedKey: committed, PaidKey: paid,
		Height: chartTop + chartRowH*len(rows) + 8}
	var top int64 = 1
	for _, r := range rows {
		top = max(top, r.Committed.Cents, r.Paid.Cents)
	}
	width := func(cents int64) int {
		if cents <= 0 {
			return 0
		}
		return max(1, int(cents*chartBars/top))
	}
	for i, r := range rows {
		y := chartTop + i*chartRowH
		cw, pw := width(r.Committed.Cents), width(r.Paid.Cents)
		c.Rows = append(c.Rows, chartRow{Label: label(r.Key), Y: y, TextY: y + chartBarH + 4,
			Committed:     chartBar{X: chartLabel, Y: y, W: cw, H: chartBarH, TextX: chartLabel + cw + 6, TextY: y + chartBarH - 3},
			Paid:          chartBar{X: chartLabel, Y: y + chartBarH + 2, W: pw, H: chartBarH, TextX: chartLabel + pw + 6, TextY: y + 2*chartBarH - 1},
			CommittedText: r.Committed.Text, PaidText: r.Paid.Text})
	}
	return c
}
