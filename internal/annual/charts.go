package annual

import (
	"github.com/callcycle/callcycle/internal/xlsx"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Charts are placed to the right of their table, from row 2, so they never
// cover a cell of it. Sizes are in pixels: large enough for the labels of
// five slices and a legend beside the pie.
const (
	pieWidth, pieHeight       = 660, 460
	columnWidth, columnHeight = 560, 360
)

// sliceColours give every slice its own colour whatever the reader's
// theme (the default would be the theme's accents): mid tones, distinct
// from their neighbours, on which the dark label text stays readable.
var sliceColours = []string{"5B9BD5", "F4B183", "A9D18E", "FFD966", "BFBFBF", "9DC3E6", "F8CBAD", "C5E0B4", "D9D9D9", "B4A7D6"}

// barColour is the history chart's column colour.
const barColour = "2E75B6"

// chartCell is the anchor of a chart: row 2 of the given 0-based column.
func chartCell(col int) string { return xlsx.Cell(col, 2) }

// ref is an absolute range of one column of sheet, rows first to last, as
// a chart formula: 'Par type d”appui'!$B$3:$B$7. The sheet name is always
// quoted (it has spaces, an apostrophe, an accent), its quotes doubled.
func ref(sheet string, col, first, last int) string {
	c := xlsx.Col(col)
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!$" + c + "$" + strconv.Itoa(first) + ":$" + c + "$" + strconv.Itoa(last)
}

func chartTitle(title string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{
		Text: title, Font: &excelize.Font{Bold: true, Size: 13, Color: "262626"},
	}}}
}

// pieChart is the pie of a breakdown table's amounts (column B, rows first
// to last). Its categories are the "Libellé du graphique" column (label
// and the table's largest-remainder percentage), which the data labels
// show next to each slice and the legend on the right; the chart's own
// percentages are not shown, as they may differ from the table's by one.
func pieChart(sheet, title string, first, last int) *excelize.Chart {
	points := make([]excelize.ChartDataPoint, last-first+1)
	for i := range points {
		points[i] = excelize.ChartDataPoint{Index: i, Fill: excelize.Fill{
			Type: "pattern", Pattern: 1, Color: []string{sliceColours[i%len(sliceColours)]}}}
	}
	return &excelize.Chart{
		Type: excelize.Pie,
		Series: []excelize.ChartSeries{{
			Name:              ref(sheet, 1, 2, 2), // "Montant"
			Categories:        ref(sheet, 4, first, last),
			Values:            ref(sheet, 1, first, last),
			DataPoint:         points,
			DataLabelPosition: excelize.ChartDataLabelsPositionBestFit,
			DataLabel:         excelize.ChartDataLabel{Font: excelize.Font{Size: 10, Color: "262626"}},
		}},
		Title:     chartTitle(title),
		Legend:    excelize.ChartLegend{Position: "right", Font: &excelize.Font{Size: 10, Color: "262626"}},
		PlotArea:  excelize.ChartPlotArea{ShowCatName: true, ShowLeaderLines: true},
		Dimension: excelize.ChartDimension{Width: pieWidth, Height: pieHeight},
		Format:    excelize.GraphicOptions{OffsetX: 10, AltText: title},
	}
}

// columnChart is the clustered column chart of the history table (years
// in column A, amounts in column B, rows first to last), each column
// labelled with its amount.
func columnChart(sheet string, first, last int) *excelize.Chart {
	noVary := false
	euros := excelize.ChartNumFmt{CustomNumFmt: wholeEurosFormat}
	return &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:              ref(sheet, 1, 2, 2), // "Budget engagé"
			Categories:        ref(sheet, 0, first, last),
			Values:            ref(sheet, 1, first, last),
			Fill:              excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{barColour}},
			DataLabelPosition: excelize.ChartDataLabelsPositionOutsideEnd,
			DataLabel:         excelize.ChartDataLabel{Font: excelize.Font{Size: 9, Color: "262626"}},
		}},
		VaryColors: &noVary,
		Title:      chartTitle(historyTitle),
		Legend:     excelize.ChartLegend{Position: "none"},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true, NumFmt: euros},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: euros, Font: excelize.Font{Size: 9, Color: "404040"}},
		XAxis:      excelize.ChartAxis{Font: excelize.Font{Size: 10, Color: "262626"}},
		Dimension:  excelize.ChartDimension{Width: columnWidth, Height: columnHeight},
		Format:     excelize.GraphicOptions{OffsetX: 10, AltText: historyTitle},
	}
}
