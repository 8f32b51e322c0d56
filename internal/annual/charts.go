package annual

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Charts are placed to the right of their table, from row 2, so they never
// cover a cell of it. Sizes are in pixels: large enough for the labels of
// five slices and a legend beside the pie.
const (
	pieWidth, pieHeight       = 720, 420
	columnWidth, columnHeight = 560, 360
)

// sliceColours give every slice its own colour whatever the reader's
// theme (the default would be the theme's accents).
var sliceColours = []string{"1F4E79", "ED7D31", "70AD47", "FFC000", "7F7F7F", "5B9BD5", "A5A5A5", "C00000", "7030A0", "264478"}

// chartCell is the anchor of a chart: row 2 of the given 0-based column.
func chartCell(col int) string { return cellName(col, 2) }

// ref is an absolute range of one column of sheet, rows first to last, as
// a chart formula: 'Par type d”appui'!$B$3:$B$7. The sheet name is always
// quoted (it has spaces, an apostrophe, an accent), its quotes doubled.
func ref(sheet string, col, first, last int) string {
	c := colName(col)
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
			DataLabel:         excelize.ChartDataLabel{Font: excelize.Font{Size: 9, Color: "262626"}},
		}},
		Title:     chartTitle(title),
		Legend:    excelize.ChartLegend{Position: "right", Font: &excelize.Font{Size: 9}},
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
			Fill:              excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{sliceColours[0]}},
			DataLabelPosition: excelize.ChartDataLabelsPositionOutsideEnd,
			DataLabel:         excelize.ChartDataLabel{Font: excelize.Font{Size: 9, Color: "262626"}},
		}},
		VaryColors: &noVary,
		Title:      chartTitle(historyTitle),
		Legend:     excelize.ChartLegend{Position: "none"},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true, NumFmt: euros},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: euros, Font: excelize.Font{Size: 9}},
		XAxis:      excelize.ChartAxis{Font: excelize.Font{Size: 10}},
		Dimension:  excelize.ChartDimension{Width: columnWidth, Height: columnHeight},
		Format:     excelize.GraphicOptions{OffsetX: 10, AltText: historyTitle},
	}
}
