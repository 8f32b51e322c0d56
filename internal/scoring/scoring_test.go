package scoring

import (
	"archive/zip"
	"bytes"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// The criteria of examples/call-ap-sud-2024.yaml.
var sudCriteria = []callspec.Criterion{
	{Key: "pertinence", Name: "Pertinence", Weight: 30, Min: 0, Max: 10},
	{Key: "faisabilite", Name: "Faisabilité", Weight: 25, Min: 0, Max: 10},
	{Key: "impact", Name: "Impact et durabilité", Weight: 25, Min: 0, Max: 10},
	{Key: "partenariat", Name: "Partenariat local", Weight: 20, Min: 0, Max: 10},
}

var reviewers = []string{"AB", "CD", "EF"}

const (
	tpo      = "Territoire palestinien occupé"
	rabat    = "Région de Rabat-Salé-Kénitra"
	kinshasa = "Ville-Province de Kinshasa"
)

// sixApps fill rows 2 to 7 of each reviewer sheet.
var sixApps = []Application{
	{Reference: "AP-SUD-2024-001", Association: "Entraide et Fraternité", Title: "Accès libre à la terre pour le développement des collines", Region: tpo, Amount: money.Euros(124_986), Seq: 1},
	{Reference: "AP-SUD-2024-002", Association: "Solsoc", Title: "Développement d'Initiatives d'économie sociale et solidaire", Region: tpo, Amount: money.Euros(125_000), Seq: 2},
	{Reference: "AP-SUD-2024-003", Association: "Handicap International", Title: "UniVers l'Inclusion", Region: rabat, Amount: money.Euros(125_000), Seq: 3},
	{Reference: "AP-SUD-2024-004", Association: "Twende", Title: "Objectif Zéro Plastique", Region: kinshasa, Amount: money.Euros(15_000), Seq: 4},
	{Reference: "AP-SUD-2024-005", Association: "Forum Lisanga", Title: "Women's Green Impact WO-GREEN", Region: kinshasa, Amount: money.Euros(25_000), Seq: 5},
	{Reference: "AP-SUD-2024-006", Association: "Social Ecology Education Fund", Title: "Coopérative de charbon vert", Region: kinshasa, Amount: 1_040_050, Seq: 6}, // 10.400,50 €
}

func writeBook(t testing.TB, apps []Application) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, "Appel à projets Sud 2024", sudCriteria, reviewers, apps); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edit opens a workbook as a reviewer's Excel would, applies change and
// saves it again.
func edit(t testing.TB, data []byte, change func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	change(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setRow writes one row of a reviewer sheet from column F on: the scores,
// then the conflict cell. nil leaves a cell alone.
func setRow(t testing.TB, f *excelize.File, sheet string, row int, values ...any) {
	t.Helper()
	for i, v := range values {
		if v == nil {
			continue
		}
		if err := f.SetCellValue(sheet, xlsx.Cell(colFirstCriterion+i, row), v); err != nil {
			t.Fatal(err)
		}
	}
}

// fillAll gives every application of every sheet a valid score: 8s.
func fillAll(t testing.TB, f *excelize.File, apps []Application) {
	for _, r := range reviewers {
		for i := range apps {
			setRow(t, f, SheetName(r), i+2, 8, 8, 8, 8)
		}
	}
}

func readBook(t testing.TB, data []byte, apps []Application) ([]Score, []Problem) {
	t.Helper()
	scores, problems, err := Read(bytes.NewReader(data), sudCriteria, reviewers, apps)
	if err != nil {
		t.Fatal(err)
	}
	return scores, problems
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	apps := sixApps[:4]
	book := edit(t, writeBook(t, apps), func(f *excelize.File) {
		fillAll(t, f, apps)
		// 002: AB has a conflict, the two others give 9s → 90 %.
		setRow(t, f, "Scores-AB", 3, "", "", "", "", "yes")
		setRow(t, f, "Scores-CD", 3, 9, 9, 9, 9, "no")
		setRow(t, f, "Scores-EF", 3, 9, 9, 9, 9)
		// 003: 8s everywhere like 001 (80 %) but asks 125.000 € > 124.986 €.
		// 004: 10s, 5s, and 7/6/8/9 → (1000+500+740)/3000 = 74,67 %.
		setRow(t, f, "Scores-AB", 5, 10, 10, 10, 10)
		setRow(t, f, "Scores-CD", 5, 5, 5, 5, 5)
		setRow(t, f, "Scores-EF", 5, 7, 6, 8, 9)
		if err := f.SetCellStr("Scores-EF", "K5", "Très bon partenariat local"); err != nil {
			t.Fatal(err)
		}
	})
	scores, problems := readBook(t, book, apps)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(scores) != 12 {
		t.Fatalf("%d scores, want 12", len(scores))
	}
	i := slices.IndexFunc(scores, func(s Score) bool { return s.Reviewer == "AB" && s.Reference == "AP-SUD-2024-002" })
	if s := scores[i]; !s.Conflict || s.Values != nil {
		t.Errorf("AB on 002 = %+v, want a conflict without values", s)
	}
	i = slices.IndexFunc(scores, func(s Score) bool { return s.Reviewer == "EF" && s.Reference == "AP-SUD-2024-004" })
	if s := scores[i]; !slices.Equal(s.Values, []int{7, 6, 8, 9}) || s.Comment != "Très bon partenariat local" {
		t.Errorf("EF on 004 = %+v", s)
	}

	ranked, problems := Rank(sudCriteria, apps, scores)
	if len(problems) > 0 {
		t.Fatalf("rank problems: %v", problems)
	}
	type row struct {
		ref        string
		total, max int64
		reviewers  int
		percent    string
	}
	want := []row{
		{"AP-SUD-2024-002", 1800, 2000, 2, "90,00 %"},
		{"AP-SUD-2024-001", 2400, 3000, 3, "80,00 %"}, // ties with 003, asks less
		{"AP-SUD-2024-003", 2400, 3000, 3, "80,00 %"},
		{"AP-SUD-2024-004", 2240, 3000, 3, "74,67 %"},
	}
	for i, w := range want {
		r := ranked[i]
		if got := (row{r.Reference, r.Total, r.Max, r.Reviewers, r.Percent()}); got != w || r.Rank != i+1 {
			t.Errorf("rank %d = %+v (rank %d), want %+v", i+1, got, r.Rank, w)
		}
	}
}

func TestWorkbookLayout(t *testing.T) {
	t.Parallel()
	f, err := excelize.OpenReader(bytes.NewReader(writeBook(t, sixApps)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Instructions", "Scores-AB", "Scores-CD", "Scores-EF"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	if v, _ := f.GetCellValue("Instructions", "A1"); v != "Appel à projets Sud 2024" {
		t.Errorf("Instructions!A1 = %q", v)
	}
	sheet := "Scores-CD"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	wantHead := []string{"Reference", "Association", "Project", "Region", "Amount requested",
		"Pertinence (×30, 0–10)", "Faisabilité (×25, 0–10)", "Impact et durabilité (×25, 0–10)", "Partenariat local (×20, 0–10)",
		"Conflict of interest", "Comment"}
	if !slices.Equal(rows[0], wantHead) {
		t.Errorf("header = %q", rows[0])
	}
	if len(rows) != 7 || rows[6][0] != "AP-SUD-2024-006" {
		t.Errorf("rows = %q", rows)
	}
	// Amounts are numbers with a € format, cents only when there are some.
	for cell, want := range map[string]string{"E2": "124986", "E7": "10400.5"} {
		raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sheet, cell)
		if raw != want || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("%s = %q (type %v), want the number %s", cell, raw, typ, want)
		}
	}
	for cell, want := range map[string]string{"E2": `#,##0 "€"`, "E7": `#,##0.00 "€"`} {
		id, _ := f.GetCellStyle(sheet, cell)
		st, _ := f.GetStyle(id)
		if st.CustomNumFmt == nil || *st.CustomNumFmt != want {
			t.Errorf("%s number format = %v, want %s", cell, st.CustomNumFmt, want)
		}
	}
	dvs, err := f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, dv := range dvs {
		got = append(got, dv.Sqref+" "+dv.Type+" "+dv.Formula1+" "+dv.Formula2)
	}
	want := []string{"F2:F7 whole 0 10", "G2:G7 whole 0 10", "H2:H7 whole 0 10", "I2:I7 whole 0 10", `J2:J7 list "yes,no" `}
	if !slices.Equal(got, want) {
		t.Errorf("validations = %q, want %q", got, want)
	}
	if msg := *dvs[2].Error; msg != "Impact et durabilité: give a whole number from 0 to 10, or leave it empty and declare a conflict of interest." {
		t.Errorf("error message = %q", msg)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "B2" {
		t.Errorf("panes = %+v, %v", panes, err)
	}
	if w, _ := f.GetColWidth(sheet, "C"); w != 44 {
		t.Errorf("project column width = %v", w)
	}
	if id, _ := f.GetCellStyle(sheet, "F1"); id == 0 {
		t.Error("header has no style")
	} else if st, _ := f.GetStyle(id); st.Font == nil || !st.Font.Bold {
		t.Error("header is not bold")
	}
	xml := sheetXML(t, writeBook(t, sixApps), "xl/worksheets/sheet3.xml")
	if !strings.Contains(xml, `<autoFilter ref="$A$1:$K$7"`) {
		t.Errorf("no autofilter over the header in %.400s", xml)
	}
	// Excel repairs a file whose <col> elements are not in ascending order.
	if a, b := strings.Index(xml, `<col min="1" `), strings.Index(xml, `<col min="11" `); a < 0 || b < a {
		t.Errorf("columns out of order: %d, %d", a, b)
	}
}

// Titles that Excel would run if they were formulas stay the applicant's
// text, in the written file and after a reviewer saves it.
func TestApplicantTextNeverBecomesAFormula(t *testing.T) {
	t.Parallel()
	evil := []string{`=HYPERLINK("http://x","y")`, `+cmd|' /C calc'!A0`, `@SUM(1+1)*cmd|' /C calc'!A0`, `-2+3`, ` =1+1 `}
	var apps []Application
	for i, s := range evil {
		apps = append(apps, Application{Reference: "AP-" + string(rune('A'+i)), Association: s, Title: s, Region: rabat, Amount: money.Euros(10_000), Seq: i})
	}
	book := writeBook(t, apps)
	for _, name := range []string{"xl/worksheets/sheet2.xml", "xl/worksheets/sheet4.xml"} {
		if x := sheetXML(t, book, name); strings.Contains(x, "<f>") || strings.Contains(x, "<f ") {
			t.Errorf("%s has a formula: %.600s", name, x)
		}
	}
	filled := edit(t, book, func(f *excelize.File) { fillAll(t, f, apps) })
	for _, data := range [][]byte{book, filled} {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range evil {
			for _, cell := range []string{xlsx.Cell(colAssociation, i+2), xlsx.Cell(colProject, i+2)} {
				v, _ := f.GetCellValue("Scores-EF", cell)
				formula, _ := f.GetCellFormula("Scores-EF", cell)
				if v != s || formula != "" {
					t.Errorf("%s = %q (formula %q), want the text %q", cell, v, formula, s)
				}
			}
		}
		f.Close()
	}
	if _, problems := readBook(t, filled, apps); len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
}

func TestWriteRefusesBadSetup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		criteria  []callspec.Criterion
		reviewers []string
		apps      []Application
		want      string
	}{
		{"no criterion", nil, reviewers, sixApps, "no scoring criterion"},
		{"bad range", []callspec.Criterion{{Key: "k", Name: "K", Weight: 1, Min: 5, Max: 5}}, reviewers, sixApps, "0 <= min < max"},
		{"reviewer twice", sudCriteria, []string{"AB", "ab"}, sixApps, `reviewer "ab" is listed twice`},
		{"reviewer code not a sheet name", sudCriteria, []string{"A/B"}, sixApps, `reviewer code "A/B"`},
		{"reference twice", sudCriteria, reviewers, append(sixApps[:1:1], sixApps[0]), "AP-SUD-2024-001 is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(io.Discard, "t", tt.criteria, tt.reviewers, tt.apps)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEmptyCallWritesHeaders(t *testing.T) {
	t.Parallel()
	book := writeBook(t, nil)
	scores, problems := readBook(t, book, nil)
	if len(scores) != 0 || len(problems) != 0 {
		t.Errorf("scores %v, problems %v", scores, problems)
	}
}

func sheetXML(t testing.TB, book []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
