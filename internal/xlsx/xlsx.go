// Package xlsx holds the few excelize helpers every workbook callcycle
// writes shares (scoring, payment orders, annual report): cell names from
// the layout's own coordinates and a table of styles.
package xlsx

import "github.com/xuri/excelize/v2"

// Cell names a cell by 0-based column and 1-based row ("A1" is 0, 1).
// Coordinates come from the workbook's own layout, never from input, so
// they are always valid.
func Cell(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col+1, row)
	return s
}

// Col is a 0-based column's letters ("A", "AB").
func Col(col int) string {
	s, _ := excelize.ColumnNumberToName(col + 1)
	return s
}

// Style is one style to create and where to keep its id.
type Style struct {
	ID    *int
	Style excelize.Style
}

// NewStyles creates each style in f and stores its id.
func NewStyles(f *excelize.File, styles []Style) error {
	for _, s := range styles {
		id, err := f.NewStyle(&s.Style)
		if err != nil {
			return err
		}
		*s.ID = id
	}
	return nil
}
