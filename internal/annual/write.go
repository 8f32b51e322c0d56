package annual

import (
	"fmt"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"strconv"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// Sheet names, in French as in the report.
const (
	SheetProjects = "Projets financés"
	SheetKinds    = "Par type d'appui"
	SheetZones    = "Par zone"
	SheetHistory  = "Évolution"
)

// ProjectHeader is the header of every table of funded projects.
var ProjectHeader = []string{"Nom de l'association", "Dénomination du projet", "Région", "Montant de la subvention"}

// Headers of the breakdown sheets (after the first column) and of the
// history sheet.
//
// "Montant (affiché)" repeats the amount as text written by
// money.Cents.String ("625.346 €"): the numeric Montant column is shown with
// the reader's locale separators (625,346 € in an English Excel), and this
// column keeps the Belgian style of the report visible whatever the
// locale. "Libellé du graphique" is the pie's category text, the label and
// its largest-remainder percentage: the chart's own percentages round each
// slice on its own (23.196 € of 881.242 € would show 3 %, the report says
// 2 %), so the pie shows the table's percentages instead.
var (
	BreakdownHeader = []string{"Montant", "%", "Montant (affiché)", "Libellé du graphique"}
	HistoryHeader   = []string{"Année", "Budget engagé"}
)

// Titles of the breakdown and history sheets, as the report's charts.
func kindsTitle(year int) string {
	return "Budget alloué par type d'appui financier " + strconv.Itoa(year)
}
func zonesTitle(year int) string {
	return "Montant alloué par zone géographique " + strconv.Itoa(year)
}

const historyTitle = "Évolution annuelle du budget engagé, en euro"

// Write produces the annual report workbook for d: the funded projects,
// the breakdowns by kind of support and by zone with their percentages
// and pie charts, and the yearly committed budget with a column chart.
// Totals are numbers summed in cents and percentages are computed here
// (largest remainder), never formulas, so the file states the exact
// figures even when read without recalculation. Applicant text is always
// written as text.
func Write(w io.Writer, d Data) error {
	if err := check(d); err != nil {
		return fmt.Errorf("annual report %d: %w", d.Year, err)
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetProjects); err != nil {
		return err
	}
	for _, s := range []string{SheetKinds, SheetZones, SheetHistory} {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sum := Summarise(d)
	for _, step := range []struct {
		sheet string
		write func() error
	}{
		{SheetProjects, func() error { return writeProjects(f, st, d.Tables) }},
		{SheetKinds, func() error {
			return writeBreakdown(f, st, SheetKinds, kindsTitle(d.Year), "Type d'appui", d.ByKind, sum.KindPercent)
		}},
		{SheetZones, func() error {
			return writeBreakdown(f, st, SheetZones, zonesTitle(d.Year), "Zone géographique", d.ByZone, sum.ZonePercent)
		}},
		{SheetHistory, func() error { return writeHistory(f, st, d.History) }},
	} {
		if err := step.write(); err != nil {
			return fmt.Errorf("annual report %d, sheet %s: %w", d.Year, step.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// writeProjects lays out each table as the report does: a title, the
// header, one row per project and a TOTAL row, then an empty row. A list
// of tens of projects: the plain cell API is simple and fast enough.
func writeProjects(f *excelize.File, st styles, tables []Table) error {
	s := sheetWriter{f: f, st: st, sheet: SheetProjects}
	s.widths(34, 50, 30, 16)
	n := 1
	for _, t := range tables {
		s.str(0, n, t.Title, st.title)
		n++
		s.header(n, ProjectHeader)
		n++
		var total money.Cents
		for _, r := range t.Rows {
			s.str(0, n, r.Association, st.wrap)
			s.str(1, n, r.Project, st.wrap)
			s.str(2, n, r.Region, st.wrap)
			s.amount(3, n, r.Amount, false)
			total += r.Amount
			n++
		}
		s.str(0, n, t.TotalLabel, st.bold)
		s.amount(3, n, total, true)
		n += 2 // the TOTAL row, then an empty row
	}
	s.fitRows()
	s.pageSetup(false)
	return s.err
}

// writeBreakdown writes a title, the header, one row per line, a TOTAL
// row, and a pie chart of the amounts to the right of the table.
func writeBreakdown(f *excelize.File, st styles, sheet, title, first string, lines []Line, pct []int) error {
	s := sheetWriter{f: f, st: st, sheet: sheet}
	s.widths(30, 13, 7, 17, 30, 2) // F: a narrow gap before the chart
	s.str(0, 1, title, st.title)
	s.header(2, append([]string{first}, BreakdownHeader...))
	var total money.Cents
	pctTotal := 0
	for i, l := range lines {
		n := i + 3
		s.str(0, n, l.Label, st.wrap)
		s.amount(1, n, l.Amount, false)
		s.percent(2, n, pct[i], false)
		s.str(3, n, l.Amount.String(), st.right)
		s.str(4, n, chartLabel(l.Label, pct[i]), st.note)
		total += l.Amount
		pctTotal += pct[i]
	}
	n := len(lines) + 3
	s.str(0, n, "TOTAL", st.bold)
	s.amount(1, n, total, true)
	s.percent(2, n, pctTotal, true)
	s.str(3, n, total.String(), st.boldRight)
	s.fitRows()
	s.pageSetup(true)
	if s.err != nil || len(lines) == 0 {
		return s.err
	}
	return f.AddChart(sheet, chartCell(6), pieChart(sheet, title, 3, n-1))
}

// writeHistory writes the committed budget year by year and a column
// chart of it.
func writeHistory(f *excelize.File, st styles, history []YearTotal) error {
	s := sheetWriter{f: f, st: st, sheet: SheetHistory}
	s.widths(10, 18, 2) // C: a narrow gap before the chart
	s.str(0, 1, historyTitle, st.title)
	s.header(2, HistoryHeader)
	for i, h := range history {
		n := i + 3
		s.setErr(f.SetCellInt(SheetHistory, xlsx.Cell(0, n), int64(h.Year)))
		s.style(0, n, st.year)
		s.amount(1, n, h.Amount, false)
	}
	s.fitRows()
	s.pageSetup(true)
	if s.err != nil || len(history) == 0 {
		return s.err
	}
	return f.AddChart(SheetHistory, chartCell(3), columnChart(SheetHistory, 3, len(history)+2))
}

// chartLabel is a pie slice's category: "Appel à projets Sud (71 %)".
func chartLabel(label string, pct int) string {
	return label + " (" + strconv.Itoa(pct) + " %)"
}

// sheetWriter writes cells of one sheet and keeps the first error, so the
// layout reads as a list of cells rather than a ladder of if err != nil.
type sheetWriter struct {
	f     *excelize.File
	st    styles
	sheet string
	err   error
	cols  []float64   // column widths, set first: wrapped text is measured against them
	lines map[int]int // the most lines a wrapped cell of each row takes
}

func (s *sheetWriter) setErr(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (s *sheetWriter) style(col, row, id int) {
	c := xlsx.Cell(col, row)
	s.setErr(s.f.SetCellStyle(s.sheet, c, c, id))
}

// str writes text. SetCellStr, never SetCellValue: applicant text such as
// "=HYPERLINK(...)" must stay text, never become a formula.
func (s *sheetWriter) str(col, row int, v string, style int) {
	s.setErr(s.f.SetCellStr(s.sheet, xlsx.Cell(col, row), v))
	s.style(col, row, style)
	if s.st.wraps(style) && col < len(s.cols) {
		if s.lines == nil {
			s.lines = map[int]int{}
		}
		s.lines[row] = max(s.lines[row], textLines(v, s.cols[col], style == s.st.header))
	}
}

// fitRows sets the height of every row whose wrapped text takes more
// than one line (see rows.go).
func (s *sheetWriter) fitRows() {
	for row, n := range s.lines {
		if n > 1 {
			s.setErr(s.f.SetRowHeight(s.sheet, row, float64(n*lineHeight)))
		}
	}
}

func (s *sheetWriter) header(row int, names []string) {
	for i, h := range names {
		s.str(i, row, h, s.st.header)
	}
}

// amount writes euros as a number Excel can sum. A cent amount below 2^53
// converts to the double nearest its decimal value and is written back as
// that exact decimal (6200.5), so no cent is lost. Cents are shown only
// when there are some, as money.Cents prints.
func (s *sheetWriter) amount(col, row int, c money.Cents, bold bool) {
	s.setErr(s.f.SetCellFloat(s.sheet, xlsx.Cell(col, row), float64(c)/100, -1, 64))
	s.style(col, row, s.st.amountStyle(c, bold))
}

// percent writes a whole percentage as the number itself (71, shown
// "71 %"), so the file holds exactly the figure the report prints.
func (s *sheetWriter) percent(col, row, pct int, bold bool) {
	s.setErr(s.f.SetCellInt(s.sheet, xlsx.Cell(col, row), int64(pct)))
	id := s.st.percent
	if bold {
		id = s.st.boldPercent
	}
	s.style(col, row, id)
}

func (s *sheetWriter) widths(w ...float64) {
	s.cols = w
	for i, width := range w {
		c := xlsx.Col(i)
		s.setErr(s.f.SetColWidth(s.sheet, c, c, width))
	}
}

// pageSetup prints the sheet on A4 landscape, one page wide; a sheet with
// a chart also fits on one page high, so the chart prints beside its table.
func (s *sheetWriter) pageSetup(onePage bool) {
	landscape, a4, wide, high := "landscape", 9, 1, 0
	if onePage {
		high = 1
	}
	fit := true
	s.setErr(s.f.SetSheetProps(s.sheet, &excelize.SheetPropsOptions{FitToPage: &fit}))
	s.setErr(s.f.SetPageLayout(s.sheet, &excelize.PageLayoutOptions{
		Size: &a4, Orientation: &landscape, FitToWidth: &wide, FitToHeight: &high,
	}))
}

// Formats. The € formats use the reader's locale separators, so Belgian
// Excel shows 125.000 € and 6.200,50 €, as money.Cents prints them.
const (
	wholeEurosFormat = `#,##0 "€"`
	centEurosFormat  = `#,##0.00 "€"`
	percentFormat    = `0" %"`
	yearFormat       = `0`
)

// styles are the workbook's cell styles, created once.
type styles struct {
	title, header, bold, wrap, right, boldRight, note int
	whole, cents, boldWhole, boldCents                int
	percent, boldPercent, year                        int
}

// wraps tells the styles that wrap their text.
func (st styles) wraps(id int) bool { return id == st.wrap || id == st.header || id == st.note }

func (st styles) amountStyle(c money.Cents, bold bool) int {
	switch {
	case c%100 != 0 && bold:
		return st.boldCents
	case c%100 != 0:
		return st.cents
	case bold:
		return st.boldWhole
	default:
		return st.whole
	}
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	whole, cents, pct, year := wholeEurosFormat, centEurosFormat, percentFormat, yearFormat
	// Every font names its family and size: a font without them is shown
	// in the reader's default font (a serif one in LibreOffice), not the
	// workbook's Calibri.
	font := func(bold bool, size float64, colour string) *excelize.Font {
		return &excelize.Font{Family: "Calibri", Size: size, Bold: bold, Color: colour}
	}
	bold := font(true, 11, "")
	top := &excelize.Alignment{Vertical: "top"}
	if err := xlsx.NewStyles(f, []xlsx.Style{
		// The title is not wrapped: it runs over the empty cells to its right.
		{ID: &st.title, Style: excelize.Style{Font: font(true, 13, "")}},
		{ID: &st.header, Style: excelize.Style{Font: bold,
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "7F9DB9", Style: 1}}}},
		{ID: &st.bold, Style: excelize.Style{Font: bold, Alignment: top}},
		{ID: &st.wrap, Style: excelize.Style{Font: font(false, 11, ""), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{ID: &st.right, Style: excelize.Style{Font: font(false, 11, ""), Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
		{ID: &st.boldRight, Style: excelize.Style{Font: bold, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
		{ID: &st.note, Style: excelize.Style{Font: font(false, 11, "595959"), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{ID: &st.whole, Style: excelize.Style{Font: font(false, 11, ""), CustomNumFmt: &whole, Alignment: top}},
		{ID: &st.cents, Style: excelize.Style{Font: font(false, 11, ""), CustomNumFmt: &cents, Alignment: top}},
		{ID: &st.boldWhole, Style: excelize.Style{Font: bold, CustomNumFmt: &whole, Alignment: top}},
		{ID: &st.boldCents, Style: excelize.Style{Font: bold, CustomNumFmt: &cents, Alignment: top}},
		{ID: &st.percent, Style: excelize.Style{Font: font(false, 11, ""), CustomNumFmt: &pct, Alignment: top}},
		{ID: &st.boldPercent, Style: excelize.Style{Font: bold, CustomNumFmt: &pct, Alignment: top}},
		{ID: &st.year, Style: excelize.Style{Font: font(false, 11, ""), CustomNumFmt: &year, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top"}}},
	}); err != nil {
		return st, err
	}
	return st, nil
}
