package scoring

import (
	"archive/zip"
	"bytes"
	"fmt"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/xuri/excelize/v2"
)

// Limits on a returned workbook, as for bulk intake files: a committee
// scores tens of applications, so the caps only stop a wrong or hostile
// file from eating the worker's memory.
const (
	MaxWorkbookBytes = 64 << 20 // the .xlsx file itself
	MaxSheetRows     = 20000    // non-blank data rows per reviewer sheet
	MaxCommentLen    = 10000    // characters in a comment
)

// Score is one reviewer's verdict on one application.
type Score struct {
	Reference, Reviewer string
	Conflict            bool
	Values              []int // by criterion index; nil if Conflict
	Comment             string
}

// Read checks a returned workbook cell by cell and returns the scores of
// the rows that are entirely valid, plus every problem found: it never
// stops at the first, so the officer can send each reviewer one complete
// list of corrections. reviewers are the sheets this file must hold (all of
// them for a merged workbook, or one when a reviewer returns their own
// copy). The error is only for a file that cannot be read at all, or for
// arguments Write would refuse.
//
// Cells are read raw (RawCellValue): a number is its stored value, never
// its display. A score cell holding a formula is refused: its cached value
// is whatever Excel last computed (or anything a hand-edited file says),
// and nothing here evaluates formulas.
func Read(r io.Reader, criteria []callspec.Criterion, reviewers []string, apps []Application) ([]Score, []Problem, error) {
	if err := checkSetup(criteria, reviewers, apps); err != nil {
		return nil, nil, fmt.Errorf("scoring workbook: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxWorkbookBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxWorkbookBytes {
		return nil, nil, fmt.Errorf("the workbook is larger than %d MiB", MaxWorkbookBytes>>20)
	}
	// UnzipSizeLimit bounds what a small zip may expand to.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 16 * MaxWorkbookBytes})
	if err != nil {
		return nil, nil, fmt.Errorf("not an .xlsx workbook: %w", err)
	}
	defer f.Close()

	rd := reader{criteria: criteria, head: headers(criteria), apps: map[string]int{}}
	if hasFormulas(data) {
		rd.f = f // looking cells up is slow (the sheet is parsed whole): only when needed
	}
	for i, a := range apps {
		rd.apps[a.Reference] = i
	}
	sheets := f.GetSheetList()
	var scores []Score
	for _, rev := range reviewers {
		want := SheetName(rev)
		// Excel treats sheet names case-insensitively, so does this.
		i := slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), want) })
		if i < 0 {
			rd.add(want, "the sheet is missing; each reviewer fills the sheet named after them without renaming it")
			continue
		}
		s, err := rd.sheet(f, sheets[i], rev, apps)
		if err != nil {
			return nil, nil, fmt.Errorf("sheet %s: %w", sheets[i], err)
		}
		scores = append(scores, s...)
	}
	if p, ok := rd.otherCall(apps); ok {
		// Every row names another call's applications: one line saying
		// so helps more than one "unknown reference" per row.
		return nil, []Problem{p}, nil
	}
	return scores, rd.problems, nil
}

// hasFormulaTag finds a cell formula element (<f>, <f t="shared" …/>,
// or with a namespace prefix such as <x:f>) in a worksheet part.
func hasFormulaTag(b []byte) bool {
	for i := bytes.IndexByte(b, '<'); i >= 0 && i+2 < len(b); {
		j := i + 1
		if k := bytes.IndexAny(b[j:min(j+16, len(b))], ":> /"); k >= 0 && b[j+k] == ':' {
			j += k + 1 // a prefix
		}
		if j+1 < len(b) && b[j] == 'f' && (b[j+1] == '>' || b[j+1] == ' ' || b[j+1] == '/') {
			return true
		}
		n := bytes.IndexByte(b[i+1:], '<')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// hasFormulas tells whether any worksheet of the file holds a formula, by
// scanning the parts as text: the rows are streamed, and the streaming
// reader does not say which cells are formulas.
func hasFormulas(data []byte) bool {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return true // excelize opened it; let the slow path decide
	}
	for _, part := range z.File {
		if !strings.HasPrefix(part.Name, "xl/worksheets/") || !strings.HasSuffix(part.Name, ".xml") {
			continue
		}
		r, err := part.Open()
		if err != nil {
			return true
		}
		b, err := io.ReadAll(io.LimitReader(r, 16*MaxWorkbookBytes))
		r.Close()
		if err != nil || hasFormulaTag(b) {
			return true
		}
	}
	return false
}

// formula is the cell's formula, or "" (always "" when the file has none).
func (rd *reader) formula(sheet, cell string) string {
	if rd.f == nil {
		return ""
	}
	fm, err := rd.f.GetCellFormula(sheet, cell)
	if err != nil {
		return ""
	}
	return fm
}

// callOf is the call id in a reference such as AP-SUD-2024-0007.
var callOf = regexp.MustCompile(`^(.+)-[0-9]+$`)

// otherCall reports a workbook whose references all belong to one other
// call (the officer picked the wrong file).
func (rd *reader) otherCall(apps []Application) (Problem, bool) {
	if rd.known > 0 || len(rd.unknown) == 0 || len(apps) == 0 {
		return Problem{}, false
	}
	m := callOf.FindStringSubmatch(rd.unknown[0])
	ours := callOf.FindStringSubmatch(apps[0].Reference)
	if m == nil || ours == nil || m[1] == ours[1] {
		return Problem{}, false
	}
	for _, ref := range rd.unknown {
		if x := callOf.FindStringSubmatch(ref); x == nil || x[1] != m[1] {
			return Problem{}, false
		}
	}
	return Problem{Message: fmt.Sprintf("this is a scoring workbook of call %s (its %s start with %s), not of %s; import it into %s, or use %s's own workbook",
		m[1], words.Count(len(rd.unknown), "reference", "references"), rd.unknown[0], ours[1], m[1], ours[1])}, true
}

// reader holds what is shared by the sheets of one workbook.
type reader struct {
	criteria []callspec.Criterion
	head     []string
	f        *excelize.File
	apps     map[string]int // reference → index in apps
	problems []Problem
	known    int      // rows whose reference is one of apps
	unknown  []string // references of rows that are not
}

func (rd *reader) add(cell, format string, args ...any) {
	rd.problems = append(rd.problems, Problem{Cell: cell, Message: fmt.Sprintf(format, args...)})
}

// sheet reads one reviewer's sheet, streaming its rows.
func (rd *reader) sheet(f *excelize.File, sheet, reviewer string, apps []Application) ([]Score, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		pos    []int                             // column of each expected header; -1 when missing
		seen   = make(map[string]int, len(apps)) // reference → row where it was first seen
		scores = make([]Score, 0, len(apps))
		data   int
	)
	for n := 1; rows.Next(); n++ { // Next visits every row number, empty ones too
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", n, err)
		}
		if n == 1 {
			pos = rd.header(sheet, cells)
			if pos[colReference] < 0 {
				// Without references no row can be matched; the header
				// problem says why, the rows would only repeat it.
				return nil, nil
			}
			continue
		}
		if !slices.ContainsFunc(cells, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue // a blank row, harmless
		}
		if data++; data > MaxSheetRows {
			rd.add(sheet, "more than %d filled rows; the rest of the sheet was not read", MaxSheetRows)
			break
		}
		if s, ok := rd.row(sheet, reviewer, n, cells, pos, seen); ok {
			scores = append(scores, s)
		}
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	if pos == nil {
		rd.add(sheet, "the sheet is empty; it must keep the header and one row per application")
		return nil, nil
	}
	for _, a := range apps {
		if _, ok := seen[a.Reference]; !ok {
			rd.add(sheet, "%s is missing from the sheet (row deleted or reference changed?); score it or declare a conflict of interest", a.Reference)
		}
	}
	// The order of the rows is the reviewer's; the order of the scores is
	// the applications', so the result does not depend on sorting in Excel.
	slices.SortFunc(scores, func(a, b Score) int { return rd.apps[a.Reference] - rd.apps[b.Reference] })
	return scores, nil
}

// header checks row 1 and says where each expected column is. A column
// found elsewhere (moved, or shifted by an inserted column) is still read
// from where it is, so its cells' problems are reported too; a column not
// found at all (renamed or deleted) is skipped.
func (rd *reader) header(sheet string, cells []string) []int {
	at := map[string]int{}
	for i, c := range cells {
		k := normHeader(c)
		if _, dup := at[k]; !dup && k != "" {
			at[k] = i
		}
	}
	pos := make([]int, len(rd.head))
	for i, h := range rd.head {
		found := ""
		if i < len(cells) {
			found = cells[i]
		}
		j, ok := at[normHeader(h)]
		switch {
		case normHeader(found) == normHeader(h):
			pos[i] = i
		case ok:
			pos[i] = j
			rd.add(sheet+"!"+xlsx.Cell(j, 1), "column %q was moved from %s to %s; put it back", h, xlsx.Col(i), xlsx.Col(j))
		case strings.TrimSpace(found) == "":
			pos[i] = -1
			rd.add(sheet+"!"+xlsx.Cell(i, 1), "column %q is missing (deleted or renamed?)", h)
		default:
			pos[i] = -1
			rd.add(sheet+"!"+xlsx.Cell(i, 1), "column %q is missing: found %q instead (renamed?)", h, strings.TrimSpace(found))
		}
	}
	return pos
}

// normHeader compares headers the way a person reads them.
func normHeader(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// row checks one data row; the score is returned only if the row is
// entirely valid.
func (rd *reader) row(sheet, reviewer string, n int, cells []string, pos []int, seen map[string]int) (Score, bool) {
	get := func(col int) string {
		if pos[col] < 0 || pos[col] >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[pos[col]])
	}
	at := func(col int) string { return sheet + "!" + xlsx.Cell(pos[col], n) }
	before := len(rd.problems)

	ref := get(colReference)
	switch first, dup := seen[ref]; {
	case ref == "":
		rd.add(at(colReference), "a filled row without a reference; only the applications listed in the workbook can be scored")
		return Score{}, false
	case dup:
		rd.add(at(colReference), "%s appears twice (also in row %d); keep one row per application", ref, first)
		return Score{}, false
	}
	seen[ref] = n
	if _, ok := rd.apps[ref]; !ok {
		rd.unknown = append(rd.unknown, ref)
		rd.add(at(colReference), "unknown reference %q; only the applications listed in the workbook can be scored", ref)
		return Score{}, false
	}
	rd.known++

	cc := conflictCol(rd.criteria)
	conflict, conflictKnown := false, true
	if pos[cc] >= 0 {
		switch v := get(cc); strings.ToLower(v) {
		case conflictYes:
			conflict = true
		case conflictNo, "":
		default:
			conflictKnown = false
			rd.add(at(cc), "conflict of interest must be %q, %q or empty, not %q", conflictYes, conflictNo, v)
		}
	}
	s := Score{Reference: ref, Reviewer: reviewer, Conflict: conflict}
	if !conflict {
		s.Values = make([]int, len(rd.criteria))
	}
	for i, c := range rd.criteria {
		col := colFirstCriterion + i
		if pos[col] < 0 {
			continue // the header problem covers the whole column
		}
		v := get(col)
		if fm := rd.formula(sheet, xlsx.Cell(pos[col], n)); fm != "" {
			rd.add(at(col), "the score is a formula (=%s); type the score itself, a whole number from %d to %d for %q", fm, c.Min, c.Max, c.Key)
			continue
		}
		switch {
		case conflict && v != "":
			rd.add(at(col), "score %s for %q although a conflict of interest is declared in %s; clear the score or the conflict", v, c.Key, at(cc))
		case v == "" && conflictKnown && !conflict:
			rd.add(at(col), "no score for %q; give a whole number from %d to %d, or declare a conflict of interest", c.Key, c.Min, c.Max)
		case v != "" && !conflict:
			if x, msg := scoreValue(v, c); msg != "" {
				rd.add(at(col), "%s", msg)
			} else {
				s.Values[i] = x
			}
		}
	}
	if pos[commentCol(rd.criteria)] >= 0 {
		s.Comment = get(commentCol(rd.criteria))
		if utf8.RuneCountInString(s.Comment) > MaxCommentLen {
			rd.add(at(commentCol(rd.criteria)), "the comment is longer than %d characters", MaxCommentLen)
		}
	}
	if len(rd.problems) > before || slices.Contains(pos, -1) {
		return Score{}, false // a missing column leaves the row incomplete
	}
	return s, true
}

// number is how a number is stored in a cell; anything else (words,
// "Inf", hexadecimal, a comma decimal typed as text) is not a score.
var number = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// Value reads one score typed in a form, as Read reads a cell: the
// score, or the problem with it ("" when none).
func Value(v string, c callspec.Criterion) (int, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, fmt.Sprintf("no score for %q; give a whole number from %d to %d", c.Key, c.Min, c.Max)
	}
	return scoreValue(v, c)
}

// scoreValue reads one score: a whole number within the criterion's
// range, or the problem with it. Excel stores numbers as doubles, so "7"
// and "7.0" are both 7; text such as "7" typed with a leading apostrophe is
// accepted too, since it can only mean 7.
func scoreValue(v string, c callspec.Criterion) (int, string) {
	if !number.MatchString(v) {
		return 0, fmt.Sprintf("%q is not a number; give a whole number from %d to %d for %q", v, c.Min, c.Max, c.Key)
	}
	x, _ := strconv.ParseFloat(v, 64) // the pattern leaves only overflow, which gives ±Inf
	switch {
	case x != math.Trunc(x):
		return 0, fmt.Sprintf("%s is not a whole number; give a whole number from %d to %d for %q", v, c.Min, c.Max, c.Key)
	case x > float64(c.Max):
		return 0, fmt.Sprintf("%s is above the maximum %d for %q", v, c.Max, c.Key)
	case x < float64(c.Min):
		return 0, fmt.Sprintf("%s is below the minimum %d for %q", v, c.Min, c.Key)
	}
	return int(x), ""
}
