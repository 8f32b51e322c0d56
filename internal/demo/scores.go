package demo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// fillScores gives the first `funded` applications of the scoring
// workbook (the projects the report lists) the top scores; the others
// rank below them.
func fillScores(path string, funded int) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		if !strings.HasPrefix(sheet, "Scores-") {
			continue
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return fmt.Errorf("%s: sheet %s is empty", path, sheet)
		}
		header := rows[0]
		for i := 1; i < len(rows); i++ {
			ref := rows[i][0]
			seq, err := strconv.Atoi(ref[strings.LastIndex(ref, "-")+1:])
			if err != nil {
				return fmt.Errorf("%s: %s row %d: reference %q", path, sheet, i+1, ref)
			}
			score := 9
			if seq > funded {
				score = 3
			}
			for c := 5; c < len(header) && strings.Contains(header[c], "×"); c++ {
				cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
				if err := f.SetCellInt(sheet, cell, int64(score)); err != nil {
					return err
				}
			}
		}
	}
	return f.Save()
}
