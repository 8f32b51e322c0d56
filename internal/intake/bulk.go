package intake

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// Row is one data line of a bulk file; Number is the 1-based line/row
// number as the officer sees it in the file (header = 1).
type Row struct {
	Number int
	App    Application
	Err    error
}

// Limits on a bulk file. A call receives tens of applications; the caps
// only stop a wrong or hostile file from eating the officer's machine.
const (
	MaxBulkRows  = 20000    // data rows, header excluded
	MaxCellLen   = 10000    // characters in one cell
	MaxBulkBytes = 64 << 20 // bytes of the file itself
)

// bulkColumns are the header names, in the order they are suggested.
var bulkColumns = []string{"association", "title", "region", "amount", "summary",
	"duration_months", "contact_name", "email", "language", "iban"}

// optionalColumns may be left out of the header.
var optionalColumns = []string{"iban"}

// ReadBulk reads path by extension (.csv or .xlsx, case-insensitive).
func ReadBulk(path string) ([]Row, error) {
	read := ReadCSV
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
	case ".xlsx":
		read = ReadXLSX
	default:
		// .xls (Excel 97) and .ods are common; say what to save as.
		return nil, fmt.Errorf("%s: unsupported file type %q; save it as .csv (UTF-8) or .xlsx", path, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// ReadCSV reads a UTF-8 CSV file separated by ',' or ';'.
func ReadCSV(r io.Reader) ([]Row, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // Excel's "CSV UTF-8" starts with a BOM
	if i := invalidUTF8(data); i >= 0 {
		// Excel's plain "CSV" export is Windows-1252; guessing the encoding
		// would garble names, so the officer re-saves instead.
		return nil, fmt.Errorf("line %d is not UTF-8 text; in Excel use \"Save as\" > \"CSV UTF-8\"", bytes.Count(data[:i], []byte("\n"))+1)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1 // a short or long line is that row's problem, not the file's
	cr.LazyQuotes = true    // Les "Amis" asbl, unquoted, is a name, not a syntax error
	var c collector
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0) // the record's first line, even if a field spans several
		if err := c.add(line, rec, money.Parse); err != nil {
			return nil, err
		}
	}
	return c.done()
}

// separator picks ';' (Belgian and French Excel) or ',' from the first
// non-blank line, the header: whichever occurs more often there.
func separator(data []byte) rune {
	for line := range bytes.Lines(data) {
		semi, comma := bytes.Count(line, []byte(";")), bytes.Count(line, []byte(","))
		if semi > comma {
			return ';'
		}
		if comma > 0 || len(bytes.TrimSpace(line)) > 0 {
			return ','
		}
	}
	return ','
}

// invalidUTF8 returns the offset of the first byte that is not UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// ReadXLSX reads the sheet named "Applications", or else the first sheet.
// Values are read raw and as text: number formats are not applied and
// formulas are never evaluated (a formula cell gives its cached value).
func ReadXLSX(r io.Reader) ([]Row, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	// UnzipSizeLimit bounds what a small zip may expand to.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 16 * MaxBulkBytes})
	if err != nil {
		return nil, fmt.Errorf("not an .xlsx workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("the workbook has no sheet")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if strings.EqualFold(strings.TrimSpace(s), "Applications") {
			sheet = s
			break
		}
	}
	rows, err := f.Rows(sheet) // streams the sheet's XML
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var c collector
	for n := 1; rows.Next(); n++ { // Next visits every row number, empty ones too
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %q row %d: %w", sheet, n, err)
		}
		amount := func(s string) (money.Cents, error) {
			cell, _ := excelize.CoordinatesToCellName(slices.Index(c.cols, "amount")+1, n)
			return xlsxAmount(f, sheet, cell, s)
		}
		if err := c.add(n, cells, amount); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	return c.done()
}

// excelNumber is how a numeric cell's value is stored in the file.
var excelNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// xlsxAmount reads an amount cell. Text goes through money.Parse like any
// typed amount. A numeric cell holds a plain number such as 125000 or
// 6200.5, which money.Parse would read Belgian style ("100.125" = 100.125 €),
// so when the text could be either, the cell's type decides.
func xlsxAmount(f *excelize.File, sheet, cell, s string) (money.Cents, error) {
	if !excelNumber.MatchString(s) || !strings.ContainsAny(s, ".eE") {
		return money.Parse(s) // unambiguous: "125000", "125.000 €", "6.200,50"
	}
	// Only reached for decimals, so most sheets are never loaded whole.
	if t, err := f.GetCellType(sheet, cell); err != nil || t != excelize.CellTypeUnset && t != excelize.CellTypeNumber {
		return money.Parse(s)
	}
	// Excel stores numbers as binary doubles: round to the cent, and refuse
	// what is not a whole number of cents rather than drop the rest.
	v, err := strconv.ParseFloat(s, 64)
	c := math.Round(v * 100)
	if err != nil || math.Abs(c) > 1e15 || math.Abs(v*100-c) > 1e-6 {
		return 0, fmt.Errorf("%s is not an amount in euros and cents", s)
	}
	return money.Cents(c), nil
}

// readAll reads the whole file, up to MaxBulkBytes.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBulkBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBulkBytes {
		return nil, fmt.Errorf("the file is larger than %d MiB", MaxBulkBytes>>20)
	}
	return data, nil
}

// collector turns the lines of a file, CSV or XLSX alike, into rows.
type collector struct {
	cols []string // column name per position; "" where the header cell is blank
	rows []Row
}

// add takes one line; the first non-blank one is the header.
func (c *collector) add(number int, cells []string, amount func(string) (money.Cents, error)) error {
	if !slices.ContainsFunc(cells, func(s string) bool { return strings.TrimSpace(s) != "" }) {
		return nil // blank lines between applications are harmless
	}
	if c.cols == nil {
		cols, err := header(cells)
		c.cols = cols
		return err
	}
	if len(c.rows) == MaxBulkRows {
		return fmt.Errorf("more than %d applications; split the file", MaxBulkRows)
	}
	c.rows = append(c.rows, c.row(number, cells, amount))
	return nil
}

func (c *collector) done() ([]Row, error) {
	switch {
	case c.cols == nil:
		return nil, fmt.Errorf("the file is empty; its first line must name the columns: %s", strings.Join(bulkColumns, ", "))
	case len(c.rows) == 0:
		return nil, errors.New("the file has a header but no applications")
	}
	return c.rows, nil
}

// header checks the column names; every problem is reported at once.
func header(cells []string) ([]string, error) {
	cols := make([]string, len(cells))
	var unknown, dup, missing []string
	for i, s := range cells {
		name := strings.ToLower(strings.TrimSpace(s))
		switch {
		case name == "": // trailing separators in Excel exports
		case !slices.Contains(bulkColumns, name):
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(s)))
		case slices.Contains(cols, name):
			dup = append(dup, strconv.Quote(name))
		}
		cols[i] = name
	}
	for _, name := range bulkColumns {
		if !slices.Contains(cols, name) && !slices.Contains(optionalColumns, name) {
			missing = append(missing, strconv.Quote(name))
		}
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("header: missing column(s) %s", strings.Join(missing, ", ")))
	}
	if len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("header: unknown column(s) %s (known: %s)", strings.Join(unknown, ", "), strings.Join(bulkColumns, ", ")))
	}
	if len(dup) > 0 {
		errs = append(errs, fmt.Errorf("header: duplicate column(s) %s", strings.Join(dup, ", ")))
	}
	return cols, errors.Join(errs...)
}

// row builds one application and collects all its problems.
func (c *collector) row(number int, cells []string, amount func(string) (money.Cents, error)) Row {
	var errs []error
	reported := map[string]bool{} // fields whose problem is already said
	v := map[string]string{}
	for i, s := range cells {
		s = strings.TrimSpace(s)
		name := ""
		if i < len(c.cols) {
			name = c.cols[i]
		}
		switch {
		case s == "":
		case name == "":
			errs = append(errs, fmt.Errorf("column %d: a value in a column without header", i+1))
		case utf8.RuneCountInString(s) > MaxCellLen:
			errs = append(errs, fmt.Errorf("%s: longer than %d characters", name, MaxCellLen))
			reported[name] = true
		default:
			v[name] = s
		}
	}
	a := Application{Association: v["association"], Title: v["title"], Region: v["region"],
		Summary: v["summary"], ContactName: v["contact_name"], Email: v["email"],
		Language: strings.ToLower(v["language"]), IBAN: v["iban"]}
	if s := v["amount"]; s != "" { // empty: Check says it is required
		var err error
		if a.Amount, err = amount(s); err != nil {
			// money's errors start with "amount"; say it once.
			errs = append(errs, fmt.Errorf("amount: %s", strings.TrimPrefix(err.Error(), money.ErrFormat.Error()+" ")))
			reported["amount"] = true
		}
	}
	if s := v["duration_months"]; s != "" { // empty: Check says 1-36
		var err error
		if a.DurationMonths, err = strconv.Atoi(s); err != nil {
			errs = append(errs, fmt.Errorf("duration_months: want a whole number of months, got %q", s))
			reported["duration_months"] = true
		}
	}
	// Check reports one "field: ..." error per field; skip the fields
	// already reported above so the officer reads each problem once.
	if err := a.Check(); err != nil {
		list := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			list = j.Unwrap()
		}
		for _, e := range list {
			field, _, _ := strings.Cut(e.Error(), ":")
			if !reported[field] {
				errs = append(errs, e)
			}
		}
	}
	return Row{Number: number, App: a, Err: errors.Join(errs...)}
}
