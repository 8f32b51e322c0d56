package xlsx

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		col, row int
		cell     string
		letters  string
	}{{0, 1, "A1", "A"}, {5, 7, "F7", "F"}, {27, 2, "AB2", "AB"}} {
		if got := Cell(c.col, c.row); got != c.cell {
			t.Errorf("Cell(%d, %d) = %s, want %s", c.col, c.row, got, c.cell)
		}
		if got := Col(c.col); got != c.letters {
			t.Errorf("Col(%d) = %s, want %s", c.col, got, c.letters)
		}
	}
}

func TestNewStyles(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	var bold, money int
	fm := `#,##0 "€"`
	if err := NewStyles(f, []Style{{ID: &bold, Style: excelize.Style{Font: &excelize.Font{Bold: true}}}, {ID: &money, Style: excelize.Style{CustomNumFmt: &fm}}}); err != nil {
		t.Fatal(err)
	}
	if bold == 0 || money == 0 || bold == money {
		t.Fatalf("style ids %d, %d", bold, money)
	}
	if s, err := f.GetStyle(money); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != fm {
		t.Errorf("style %d: %+v %v", money, s, err)
	}
}
