package scoring

import (
	"fmt"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// Write produces the committee workbook: an Instructions sheet, then one
// sheet per reviewer listing apps in the given order.
//
// Rows go through excelize's StreamWriter, which writes the sheet XML as it
// goes instead of building a cell tree, so 10,000 applications stay fast
// and small. Everything the StreamWriter cannot add itself (data
// validation, autofilter) is set on the empty sheet before streaming; the
// StreamWriter copies those parts of the sheet when it flushes.
func Write(w io.Writer, callTitle string, criteria []callspec.Criterion, reviewers []string, apps []Application) error {
	if err := checkSetup(criteria, reviewers, apps); err != nil {
		return fmt.Errorf("scoring workbook: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := writeInstructions(f, st, callTitle, criteria, reviewers, false); err != nil {
		return err
	}
	for _, r := range reviewers {
		if err := writeReviewerSheet(f, st, SheetName(r), criteria, apps); err != nil {
			return fmt.Errorf("sheet %s: %w", SheetName(r), err)
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// WriteSheet produces one reviewer's own workbook: the Instructions
// sheet and that reviewer's sheet only, listing apps (the caller leaves
// out the applications the reviewer declared a conflict with: their
// titles are not theirs to read). Read with []string{reviewer} takes it
// back, cell by cell as the whole workbook.
func WriteSheet(w io.Writer, callTitle string, criteria []callspec.Criterion, reviewer string, apps []Application) error {
	if err := checkSetup(criteria, []string{reviewer}, apps); err != nil {
		return fmt.Errorf("scoring sheet: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := writeInstructions(f, st, callTitle, criteria, []string{reviewer}, true); err != nil {
		return err
	}
	if err := writeReviewerSheet(f, st, SheetName(reviewer), criteria, apps); err != nil {
		return fmt.Errorf("sheet %s: %w", SheetName(reviewer), err)
	}
	_, err = f.WriteTo(w)
	return err
}

// styles are the workbook's cell styles, created once.
type styles struct {
	header, title, wholeEuros, centEuros int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	// The € formats use the reader's locale separators, so Belgian Excel
	// shows 125.000 € and 6.200,50 €, as money.Cents prints them. Cents
	// are shown only when there are some, as money.Cents does.
	whole, cents := `#,##0 "€"`, `#,##0.00 "€"`
	if err := xlsx.NewStyles(f, []xlsx.Style{
		{ID: &st.header, Style: excelize.Style{Font: &excelize.Font{Bold: true},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{ID: &st.title, Style: excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{ID: &st.wholeEuros, Style: excelize.Style{CustomNumFmt: &whole}},
		{ID: &st.centEuros, Style: excelize.Style{CustomNumFmt: &cents}},
	}); err != nil {
		return st, err
	}
	return st, nil
}

// amountCell is an amount as a number Excel can sum. Excel stores numbers
// as binary doubles; a cent amount below 2^53 converts to the double
// nearest its decimal value and is written back as that exact decimal
// (6200.5), so no cent is lost.
func (st styles) amountCell(c money.Cents) excelize.Cell {
	style := st.wholeEuros
	if c%100 != 0 {
		style = st.centEuros
	}
	return excelize.Cell{StyleID: style, Value: float64(c) / 100}
}

func writeInstructions(f *excelize.File, st styles, callTitle string, criteria []callspec.Criterion, reviewers []string, own bool) error {
	if err := f.SetSheetName("Sheet1", instructionsSheet); err != nil {
		return err
	}
	sheets := ""
	for i, r := range reviewers {
		if i > 0 {
			sheets += ", "
		}
		sheets += SheetName(r)
	}
	// SetCellStr, never SetCellValue with a guessed type: the title is text
	// the officer wrote, and must stay text.
	lines := []string{
		"Committee scoring workbook",
		"",
		"Each reviewer fills only their own sheet (" + sheets + ") and returns the workbook.",
		"Do not add, delete, move or rename rows, columns or sheets: the workbook is read back cell by cell.",
		"Give every criterion a whole number within its range. An application's score is the sum of weight × score.",
		`Conflict of interest: write "yes" in the "Conflict of interest" column and leave that row's scores empty.`,
		`Otherwise leave it empty (or write "no") and give every score. The comment is optional.`,
		"",
	}
	if own {
		// A reviewer's own copy: it goes back through the portal, by them.
		lines[0] = "Your own scoring sheet"
		lines[2] = "Fill the sheet " + sheets + " and upload this workbook on your reviews page; a new upload replaces your scores."
		lines[5] = `The applications you declared a conflict of interest with are not listed. Leave the "Conflict of interest" column empty.`
		lines[6] = "Give every score. The comment is optional."
	}
	rows := [][]any{{callTitle}}
	for _, l := range lines {
		rows = append(rows, []any{l})
	}
	tableHeader := len(rows) + 1
	rows = append(rows, []any{"Criterion", "Key", "Weight", "Minimum", "Maximum"})
	for _, c := range criteria {
		rows = append(rows, []any{c.Name, c.Key, c.Weight, c.Min, c.Max})
	}
	for i, row := range rows {
		for j, v := range row {
			var err error
			switch v := v.(type) {
			case string:
				err = f.SetCellStr(instructionsSheet, xlsx.Cell(j, i+1), v)
			case int:
				err = f.SetCellInt(instructionsSheet, xlsx.Cell(j, i+1), int64(v))
			}
			if err != nil {
				return err
			}
		}
	}
	_ = f.SetCellStyle(instructionsSheet, "A1", "A1", st.title)
	_ = f.SetCellStyle(instructionsSheet, xlsx.Cell(0, tableHeader), xlsx.Cell(4, tableHeader), st.header)
	return f.SetColWidth(instructionsSheet, "A", "A", 40)
}

func writeReviewerSheet(f *excelize.File, st styles, sheet string, criteria []callspec.Criterion, apps []Application) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	head := headers(criteria)
	last := len(apps) + 1 // last data row
	if len(apps) > 0 {
		for i, c := range criteria {
			if err := addScoreValidation(f, sheet, colFirstCriterion+i, last, c); err != nil {
				return err
			}
		}
		col := conflictCol(criteria)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = xlsx.Cell(col, 2) + ":" + xlsx.Cell(col, last)
		if err := dv.SetDropList([]string{conflictYes, conflictNo}); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Conflict of interest", `Write "yes" if you have a conflict of interest with this application, otherwise leave it empty or write "no".`)
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if err := f.AutoFilter(sheet, "A1:"+xlsx.Cell(len(head)-1, last), nil); err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Last column first: the StreamWriter writes <col> elements in the
	// reverse order of the calls, and Excel wants them in ascending order
	// (it "repairs" the file otherwise).
	for i := len(head) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(i, head[i], criteria)); err != nil {
			return err
		}
	}
	// Freeze the header and the reference column: the reviewer always sees
	// which application and which criterion a cell belongs to.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{Height: 45}); err != nil {
		return err
	}
	clear(row) // score, conflict and comment cells stay nil: nothing written
	for i, a := range apps {
		// Plain strings become inline text cells: the StreamWriter only
		// writes a formula from Cell.Formula, so a title such as
		// =HYPERLINK(...) stays the applicant's text.
		row[colReference] = a.Reference
		row[colAssociation] = a.Association
		row[colProject] = a.Title
		row[colRegion] = a.Region
		row[colAmount] = st.amountCell(a.Amount)
		if err := sw.SetRow(xlsx.Cell(0, i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// addScoreValidation makes Excel refuse anything but a whole number in the
// criterion's range, over the whole column at once (one rule, not one per
// cell, keeps the file small). Read checks again: validation is skipped by
// paste and by other spreadsheet programs.
func addScoreValidation(f *excelize.File, sheet string, col, last int, c callspec.Criterion) error {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = xlsx.Cell(col, 2) + ":" + xlsx.Cell(col, last)
	if err := dv.SetRange(c.Min, c.Max, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	// Excel caps titles at 32 characters and messages at 255.
	rng := fmt.Sprintf("a whole number from %d to %d", c.Min, c.Max)
	dv.SetError(excelize.DataValidationErrorStyleStop, truncate(c.Name, 32),
		truncate(fmt.Sprintf("%s: give %s, or leave it empty and declare a conflict of interest.", c.Name, rng), 255))
	dv.SetInput(truncate(c.Name, 32), truncate(fmt.Sprintf("Weight %d: %s.", c.Weight, rng), 255))
	return f.AddDataValidation(sheet, dv)
}

// columnWidth in Excel character units: wide enough to read the text
// columns, headers wrapped above the narrow score columns.
func columnWidth(col int, header string, criteria []callspec.Criterion) float64 {
	switch {
	case col == colReference:
		return 20
	case col == colAssociation:
		return 32
	case col == colProject:
		return 44
	case col == colRegion:
		return 28
	case col == colAmount:
		return 16
	case col == conflictCol(criteria):
		return 14
	case col == commentCol(criteria):
		return 48
	}
	// Score columns: the header wraps onto at most three lines.
	return float64(min(max(utf8.RuneCountInString(header)/2+2, 12), 24))
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
