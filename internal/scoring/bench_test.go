package scoring

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// The benchmarks compare callcycle's workbook code with the least excelize
// can do for the same rows, so the cost of the layout (validation, styles,
// panes, instructions) and of the cell-by-cell checks shows as a ratio.
// 3 reviewers × 10,000 applications × 4 criteria, far above a real call.

const benchApps = 10_000

var (
	benchOnce   sync.Once
	benchList   []Application
	benchFilled []byte // the callcycle workbook with every score filled
)

func benchData(b *testing.B) ([]Application, []byte) {
	benchOnce.Do(func() {
		regions := []string{tpo, rabat, kinshasa}
		for i := range benchApps {
			benchList = append(benchList, Application{
				Reference:   fmt.Sprintf("AP-SUD-2024-%05d", i+1),
				Association: fmt.Sprintf("Association de solidarité numéro %d asbl", i+1),
				Title:       fmt.Sprintf("Développement économique durable et inclusif, projet %d", i+1),
				Region:      regions[i%3],
				Amount:      money.Cents(1_000_000 + int64(i)*1_234 + int64(i%2)*50),
				Seq:         i + 1,
			})
		}
		// Filled by streaming the whole sheet again: the cell API would be
		// minutes for 120,000 cells.
		benchFilled = bareWrite(b, benchList, true)
		// Check that the filled copy is a valid callcycle workbook.
		scores, problems, err := Read(bytes.NewReader(benchFilled), sudCriteria, reviewers, benchList)
		if err != nil || len(problems) > 0 || len(scores) != 3*benchApps {
			b.Fatalf("filled bench workbook: %d scores, %d problems (%v), %v", len(scores), len(problems), problems[:min(3, len(problems))], err)
		}
	})
	return benchList, benchFilled
}

func BenchmarkScoringWorkbook10k(b *testing.B) {
	apps, filled := benchData(b)
	b.Run("Write", func(b *testing.B) {
		var size int
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := Write(&buf, "Appel à projets Sud 2024", sudCriteria, reviewers, apps); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
		}
		b.ReportMetric(float64(size), "file-bytes")
	})
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(filled)))
		for b.Loop() {
			scores, problems, err := Read(bytes.NewReader(filled), sudCriteria, reviewers, apps)
			if err != nil || len(problems) > 0 || len(scores) != 3*benchApps {
				b.Fatal(len(scores), len(problems), err)
			}
		}
		b.ReportMetric(float64(len(filled)), "file-bytes")
	})
}

func BenchmarkBareExcelize10k(b *testing.B) {
	apps, filled := benchData(b)
	b.Run("Write", func(b *testing.B) {
		var size int
		b.ReportAllocs()
		for b.Loop() {
			size = len(bareWrite(b, apps, false))
		}
		b.ReportMetric(float64(size), "file-bytes")
	})
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(filled)))
		for b.Loop() {
			if n := bareRead(b, filled); n != 3*(benchApps+1) {
				b.Fatal(n)
			}
		}
		b.ReportMetric(float64(len(filled)), "file-bytes")
	})
}

// bareWrite is the same sheets and rows through a plain StreamWriter loop:
// no instructions, styles, validation, panes, filter or checks. With
// scores it also writes 8s and a comment, to build the filled workbook.
func bareWrite(b *testing.B, apps []Application, scores bool) []byte {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", instructionsSheet); err != nil {
		b.Fatal(err)
	}
	head := headers(sudCriteria)
	for _, r := range reviewers {
		sheet := SheetName(r)
		if _, err := f.NewSheet(sheet); err != nil {
			b.Fatal(err)
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			b.Fatal(err)
		}
		row := make([]any, len(head))
		for i, h := range head {
			row[i] = h
		}
		if err := sw.SetRow("A1", row); err != nil {
			b.Fatal(err)
		}
		clear(row)
		for i, a := range apps {
			row[0], row[1], row[2], row[3], row[4] = a.Reference, a.Association, a.Title, a.Region, float64(a.Amount)/100
			if scores {
				row[5], row[6], row[7], row[8], row[10] = 8, 8, 8, 8, "ok"
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, row); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// bareRead streams every reviewer sheet's rows and counts them.
func bareRead(b *testing.B, data []byte) int {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 16 * MaxWorkbookBytes})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	for _, r := range reviewers {
		rows, err := f.Rows(SheetName(r))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return n
}
