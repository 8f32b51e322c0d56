package scoring

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A reviewer's own workbook holds only its sheet and the files it may
// read; filled and read back with that one reviewer, it gives its scores,
// and a cell out of range is refused by its address as in the whole
// workbook.
func TestOwnSheetRoundTrip(t *testing.T) {
	t.Parallel()
	apps := sixApps[1:] // the first one is a conflict of this reviewer's
	var buf bytes.Buffer
	if err := WriteSheet(&buf, "Appel à projets Sud 2024", sudCriteria, "CD", apps); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{instructionsSheet, "Scores-CD"}) {
		t.Fatalf("sheets %v, want only the instructions and Scores-CD", got)
	}
	rows, _ := f.GetRows("Scores-CD")
	if len(rows) != len(apps)+1 || rows[1][colReference] != sixApps[1].Reference {
		t.Fatalf("rows %v", rows)
	}
	f.Close()
	filled := edit(t, buf.Bytes(), func(f *excelize.File) {
		for i := range apps {
			setRow(t, f, "Scores-CD", i+2, 7, 8, 9, 6)
		}
	})
	scores, problems, err := Read(bytes.NewReader(filled), sudCriteria, []string{"CD"}, apps)
	if err != nil || len(problems) != 0 || len(scores) != len(apps) {
		t.Fatalf("read: %d scores, %v, %v", len(scores), problems, err)
	}
	if s := scores[0]; s.Reviewer != "CD" || !slices.Equal(s.Values, []int{7, 8, 9, 6}) {
		t.Errorf("first score %+v", s)
	}
	bad := edit(t, filled, func(f *excelize.File) { setRow(t, f, "Scores-CD", 3, 11) })
	_, problems, _ = Read(bytes.NewReader(bad), sudCriteria, []string{"CD"}, apps)
	if len(problems) != 1 || problems[0].Cell != "Scores-CD!F3" {
		t.Errorf("problems %v, want one at Scores-CD!F3", problems)
	}
}
