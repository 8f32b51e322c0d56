package scoring

import (
	"bytes"
	"fmt"
	"github.com/callcycle/callcycle/internal/xlsx"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Each case starts from a workbook where every reviewer gave every
// application 8s, breaks it in one way, and lists the exact problems.
// Reviewer sheet columns: A reference, F–I the four criteria, J conflict,
// K comment; applications on rows 2–7.
func TestReadProblems(t *testing.T) {
	t.Parallel()
	const ab = "Scores-AB"
	set := func(sheet, cell string, v any) func(t *testing.T, f *excelize.File) {
		return func(t *testing.T, f *excelize.File) {
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	missingRef := func(ref string) string {
		return "Scores-AB: " + ref + " is missing from the sheet (row deleted or reference changed?); score it or declare a conflict of interest"
	}
	tests := []struct {
		name   string
		change []func(t *testing.T, f *excelize.File)
		want   []string
		scores int // valid scores returned (18 when nothing is wrong)
	}{
		{
			name:   "nothing wrong",
			scores: 18,
		},
		{
			name: "sheet renamed in another case is still found",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				if err := f.SetSheetName(ab, "scores-ab"); err != nil {
					t.Fatal(err)
				}
			}},
			scores: 18,
		},
		{
			name:   "conflict declared in any case, scores empty",
			change: fns(set(ab, "J3", "YES"), set(ab, "F3", nil), set(ab, "G3", nil), set(ab, "H3", nil), set(ab, "I3", nil), set(ab, "J4", "No")),
			scores: 18,
		},
		{
			name: "missing reviewer sheet",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				if err := f.DeleteSheet("Scores-CD"); err != nil {
					t.Fatal(err)
				}
			}},
			want:   []string{"Scores-CD: the sheet is missing; each reviewer fills the sheet named after them without renaming it"},
			scores: 12,
		},
		{
			name:   "renamed column",
			change: fns(set(ab, "F1", "Relevance")),
			want:   []string{`Scores-AB!F1: column "Pertinence (×30, 0–10)" is missing: found "Relevance" instead (renamed?)`},
			scores: 12, // no AB row is complete without its first criterion
		},
		{
			name: "deleted column",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				if err := f.RemoveCol(ab, "K"); err != nil {
					t.Fatal(err)
				}
			}},
			want:   []string{`Scores-AB!K1: column "Comment" is missing (deleted or renamed?)`},
			scores: 12,
		},
		{
			name: "moved columns are still read where they are",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				for row := 1; row <= 7; row++ { // swap F and G
					fv, _ := f.GetCellValue(ab, xlsx.Cell(5, row))
					gv, _ := f.GetCellValue(ab, xlsx.Cell(6, row))
					_ = f.SetCellStr(ab, xlsx.Cell(5, row), gv)
					_ = f.SetCellStr(ab, xlsx.Cell(6, row), fv)
				}
				_ = f.SetCellInt(ab, "G3", 12) // now pertinence
			}},
			want: []string{
				`Scores-AB!G1: column "Pertinence (×30, 0–10)" was moved from F to G; put it back`,
				`Scores-AB!F1: column "Faisabilité (×25, 0–10)" was moved from G to F; put it back`,
				`Scores-AB!G3: 12 is above the maximum 10 for "pertinence"`,
			},
			scores: 17,
		},
		{
			name:   "unknown reference",
			change: fns(set(ab, "A3", "AP-SUD-2024-999")),
			want: []string{
				`Scores-AB!A3: unknown reference "AP-SUD-2024-999"; only the applications listed in the workbook can be scored`,
				missingRef("AP-SUD-2024-002"),
			},
			scores: 17,
		},
		{
			name:   "reference twice",
			change: fns(set(ab, "A4", "AP-SUD-2024-002")),
			want: []string{
				"Scores-AB!A4: AP-SUD-2024-002 appears twice (also in row 3); keep one row per application",
				missingRef("AP-SUD-2024-003"),
			},
			scores: 17,
		},
		{
			name: "row deleted",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				if err := f.RemoveRow(ab, 5); err != nil {
					t.Fatal(err)
				}
			}},
			want:   []string{missingRef("AP-SUD-2024-004")},
			scores: 17,
		},
		{
			name:   "reference erased",
			change: fns(set(ab, "A4", nil)),
			want: []string{
				"Scores-AB!A4: a filled row without a reference; only the applications listed in the workbook can be scored",
				missingRef("AP-SUD-2024-003"),
			},
			scores: 17,
		},
		{
			// Excel caches a formula's last result; a hand-edited file may
			// cache anything (here 8 for =5+4), so the cell is refused.
			name: "score is a formula",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				if err := f.SetCellFormula(ab, "F2", "5+4"); err != nil {
					t.Fatal(err)
				}
			}},
			want:   []string{`Scores-AB!F2: the score is a formula (=5+4); type the score itself, a whole number from 0 to 10 for "pertinence"`},
			scores: 17,
		},
		{
			name: "workbook of another call",
			change: []func(*testing.T, *excelize.File){func(t *testing.T, f *excelize.File) {
				for _, sh := range []string{ab, "Scores-CD", "Scores-EF"} {
					for i := range sixApps {
						set(sh, xlsx.Cell(0, i+2), fmt.Sprintf("AP-CMS-2024-%03d", i+1))(t, f)
					}
				}
			}},
			want:   []string{`this is a scoring workbook of call AP-CMS-2024 (its 18 references start with AP-CMS-2024-001), not of AP-SUD-2024; import it into AP-CMS-2024, or use AP-SUD-2024's own workbook`},
			scores: 0,
		},
		{
			name:   "score in words",
			change: fns(set(ab, "F2", "seven")),
			want:   []string{`Scores-AB!F2: "seven" is not a number; give a whole number from 0 to 10 for "pertinence"`},
			scores: 17,
		},
		{
			name:   "score not whole",
			change: fns(set(ab, "G3", 7.5)),
			want:   []string{`Scores-AB!G3: 7.5 is not a whole number; give a whole number from 0 to 10 for "faisabilite"`},
			scores: 17,
		},
		{
			name:   "score above the maximum",
			change: fns(set(ab, "F7", 12)),
			want:   []string{`Scores-AB!F7: 12 is above the maximum 10 for "pertinence"`},
			scores: 17,
		},
		{
			name:   "score below the minimum",
			change: fns(set(ab, "I2", -1)),
			want:   []string{`Scores-AB!I2: -1 is below the minimum 0 for "partenariat"`},
			scores: 17,
		},
		{
			name:   "missing score without a conflict",
			change: fns(set(ab, "H4", nil)),
			want:   []string{`Scores-AB!H4: no score for "impact"; give a whole number from 0 to 10, or declare a conflict of interest`},
			scores: 17,
		},
		{
			name:   "conflict declared with scores filled",
			change: fns(set(ab, "J5", "yes"), set(ab, "H5", nil), set(ab, "I5", nil)),
			want: []string{
				`Scores-AB!F5: score 8 for "pertinence" although a conflict of interest is declared in Scores-AB!J5; clear the score or the conflict`,
				`Scores-AB!G5: score 8 for "faisabilite" although a conflict of interest is declared in Scores-AB!J5; clear the score or the conflict`,
			},
			scores: 17,
		},
		{
			name:   "conflict neither yes nor no",
			change: fns(set(ab, "J6", "maybe")),
			want:   []string{`Scores-AB!J6: conflict of interest must be "yes", "no" or empty, not "maybe"`},
			scores: 17,
		},
		{
			name: "every problem is reported, sheet by sheet, row by row",
			change: fns(set(ab, "F7", 12), set(ab, "F2", "seven"), set(ab, "G2", 11),
				set("Scores-EF", "J3", "oui"), set("Scores-EF", "A9", "AP-NEW"), set("Scores-EF", "K9", "late addition")),
			want: []string{
				`Scores-AB!F2: "seven" is not a number; give a whole number from 0 to 10 for "pertinence"`,
				`Scores-AB!G2: 11 is above the maximum 10 for "faisabilite"`,
				`Scores-AB!F7: 12 is above the maximum 10 for "pertinence"`,
				`Scores-EF!J3: conflict of interest must be "yes", "no" or empty, not "oui"`,
				`Scores-EF!A9: unknown reference "AP-NEW"; only the applications listed in the workbook can be scored`,
			},
			scores: 15,
		},
	}
	base := writeBook(t, sixApps)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			book := edit(t, base, func(f *excelize.File) {
				fillAll(t, f, sixApps)
				for _, c := range tt.change {
					c(t, f)
				}
			})
			scores, problems := readBook(t, book, sixApps)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if len(scores) != tt.scores {
				t.Errorf("%d valid scores, want %d", len(scores), tt.scores)
			}
		})
	}
}

func fns(f ...func(*testing.T, *excelize.File)) []func(*testing.T, *excelize.File) { return f }

func TestReadOnlyTheReturnedSheet(t *testing.T) {
	t.Parallel()
	// A reviewer returns their own copy: only their sheet is checked.
	book := edit(t, writeBook(t, sixApps), func(f *excelize.File) {
		for i := range sixApps {
			setRow(t, f, "Scores-CD", i+2, 5, 6, 7, 8)
		}
	})
	scores, problems, err := Read(bytes.NewReader(book), sudCriteria, []string{"CD"}, sixApps)
	if err != nil || len(problems) > 0 || len(scores) != 6 || scores[0].Reviewer != "CD" {
		t.Errorf("scores %v, problems %v, err %v", scores, problems, err)
	}
}

func TestReadUnreadableFile(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{
		"empty":   nil,
		"csv":     []byte("reference;pertinence\nAP-1;7\n"),
		"not zip": bytes.Repeat([]byte{0xff}, 100),
	} {
		if _, _, err := Read(bytes.NewReader(data), sudCriteria, reviewers, sixApps); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestHasFormulaTag(t *testing.T) {
	t.Parallel()
	for xml, want := range map[string]bool{
		`<c r="F2"><f>5+4</f><v>7</v></c>`:             true,
		`<c r="F2"><f t="shared" ref="F2:F9" si="0"/>`: true,
		`<x:c r="F2"><x:f>5+4</x:f></x:c>`:             true,
		`<c r="F2" t="s"><v>3</v></c><font/><fill>`:    false,
		`<c r="A1" t="inlineStr"><is><t>&lt;f&gt;</t>`: false,
		``: false,
	} {
		if got := hasFormulaTag([]byte(xml)); got != want {
			t.Errorf("hasFormulaTag(%q) = %v, want %v", xml, got, want)
		}
	}
}
