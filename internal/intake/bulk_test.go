package intake

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

const (
	csvHeader = "association,title,region,amount,summary,duration_months,contact_name,email,language,iban\n"
	csvGood   = `Viva Salud,Autonomisation par l'agroécologie,Territoire palestinien occupé,"125.000 €",Een zin.,24,Pieter Claes,info@vivasalud.example,nl,BE68 5390 0754 7034` + "\n"
)

// rowWant is what one row must look like: its number, and either no
// error or an error containing every fragment.
type rowWant struct {
	number int
	errs   []string
	amount money.Cents // checked when non-zero
}

func checkRows(t *testing.T, rows []Row, want []rowWant) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Number != w.number {
			t.Errorf("row %d: Number = %d, want %d", i, r.Number, w.number)
		}
		if len(w.errs) == 0 && r.Err != nil {
			t.Errorf("row %d: unexpected error: %v", r.Number, r.Err)
		}
		if len(w.errs) > 0 && r.Err == nil {
			t.Errorf("row %d: no error, want %q", r.Number, w.errs)
		}
		for _, frag := range w.errs {
			if r.Err != nil && !strings.Contains(r.Err.Error(), frag) {
				t.Errorf("row %d: error %q does not contain %q", r.Number, r.Err, frag)
			}
		}
		if w.amount != 0 && r.App.Amount != w.amount {
			t.Errorf("row %d: amount = %s, want %s", r.Number, r.App.Amount, w.amount)
		}
	}
}

func TestReadCSV(t *testing.T) {
	t.Parallel()
	semi := strings.NewReplacer(",", ";")
	tests := []struct {
		name    string
		in      string
		fileErr string // non-empty: the whole file is refused with this
		rows    []rowWant
	}{
		{name: "comma", in: csvHeader + csvGood,
			rows: []rowWant{{number: 2, amount: money.Euros(125000)}}},
		{name: "semicolon with Belgian decimals",
			in:   semi.Replace(csvHeader) + "Twende;Objectif Zéro Plastique;Ville-Province de Kinshasa;6.200,50 €;Une phrase, avec virgule.;18;Anna Verbeke;twende@twende.example;en;\n",
			rows: []rowWant{{number: 2, amount: 620050}}},
		{name: "BOM, columns in another order and case, no iban column, blank line",
			in: "\uFEFF Email ,LANGUAGE,association,title,region,amount,summary,duration_months,contact_name\n\n" +
				"a@b.example,FR,Solsoc,Titre,Territoire palestinien occupé,125000,Résumé.,24,Sophie Lambert\n",
			rows: []rowWant{{number: 3, amount: money.Euros(125000)}}},
		{name: "missing column", in: "association,title,region,amount,summary,duration_months,contact_name,language\nx\n",
			fileErr: `missing column(s) "email"`},
		{name: "unknown and duplicate column", in: strings.TrimSuffix(csvHeader, "\n") + ",budget,Title\n" + csvGood,
			fileErr: `unknown column(s) "budget"`},
		{name: "bad amount and duration",
			in:   csvHeader + strings.Replace(strings.Replace(csvGood, `"125.000 €"`, "125.00", 1), ",24,", ",deux ans,", 1),
			rows: []rowWant{{number: 2, errs: []string{`amount: "125.00": '.' separates thousands`, `duration_months: want a whole number of months, got "deux ans"`}}}},
		{name: "bad email among good rows",
			in:   csvHeader + csvGood + strings.Replace(csvGood, "info@vivasalud.example", "info(at)vivasalud", 1) + csvGood,
			rows: []rowWant{{number: 2}, {number: 3, errs: []string{"email:", "not an e-mail address"}}, {number: 4}}},
		{name: "line break inside a quoted name shifts later line numbers",
			in:   csvHeader + `"Viva` + "\r\n" + `Salud",T,R,125000,S,24,N,a@b.example,nl,` + "\n" + csvGood,
			rows: []rowWant{{number: 2, errs: []string{"association: must be a single line"}}, {number: 4}}},
		{name: "empty required cells",
			in:   csvHeader + ",,,,,,,,,\nSolsoc,,,,,,,,,\n",
			rows: []rowWant{{number: 3, errs: []string{"title: required", "amount: required", "duration_months: want 1-36", "email: required"}}}},
		{name: "cell too long, value without header",
			in:   csvHeader + strings.TrimSuffix(strings.Replace(csvGood, "Een zin.", strings.Repeat("x", MaxCellLen+1), 1), "\n") + ",extra\n",
			rows: []rowWant{{number: 2, errs: []string{"summary: longer than 10000", "column 11: a value in a column without header"}}}},
		{name: "not UTF-8", in: csvHeader + "Entraide et Fraternit\xe9,T,R,1,S,1,N,a@b.example,fr,\n",
			fileErr: "line 2 is not UTF-8"},
		{name: "empty file", in: "", fileErr: "the file is empty"},
		{name: "only blank lines", in: "\uFEFF\n;;;\n", fileErr: "the file is empty"},
		{name: "header only", in: csvHeader, fileErr: "no applications"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadCSV(strings.NewReader(tt.in))
			if tt.fileErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fileErr) {
					t.Fatalf("err = %v, want %q", err, tt.fileErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tt.rows)
		})
	}
}

func TestHeaderNamesEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ReadCSV(strings.NewReader("association,Association,title,region,amount,summary,duration_months,contact_name,mail,language\n"))
	for _, frag := range []string{`missing column(s) "email"`, `unknown column(s) "mail"`, `duplicate column(s) "association"`} {
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("err = %v, want %q", err, frag)
		}
	}
}

func TestReadCSVRowCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(csvHeader)
	for range MaxBulkRows {
		b.WriteString(csvGood)
	}
	rows, err := ReadCSV(strings.NewReader(b.String()))
	if err != nil || len(rows) != MaxBulkRows {
		t.Fatalf("%d rows: got %d rows, err %v", MaxBulkRows, len(rows), err)
	}
	b.WriteString(csvGood)
	if _, err := ReadCSV(strings.NewReader(b.String())); err == nil || !strings.Contains(err.Error(), "more than 20000") {
		t.Fatalf("%d rows: err = %v, want the limit named", MaxBulkRows+1, err)
	}
}

// TestReadXLSX builds a workbook the way an officer's Excel would hold it:
// a numeric amount, a Belgian-style text amount, a text that looks like a
// formula, a real formula, an empty row, and a decoy first sheet.
func TestReadXLSX(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellStr("Sheet1", "A1", "Notes for the committee"))
	_, err := f.NewSheet("Applications")
	must(err)
	const s = "Applications"
	set := func(row int, vals ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		must(f.SetSheetRow(s, cell, &vals))
	}
	hyperlink := `=HYPERLINK("http://x","y")`
	set(1, "Association", "Title", "Region", "Amount", "Summary", "Duration_Months", "Contact_Name", "Email", "Language", "IBAN")
	set(2, "Solsoc", "Économie sociale", "Territoire palestinien occupé", 125000, "Résumé.", 24, "Sophie Lambert", "projets@solsoc.example", "fr", "BE68 5390 0754 7034")
	set(3, "Twende", "Zéro plastique", "Ville-Province de Kinshasa", "6.200,50 €", "Summary.", 18, "Anna Verbeke", "twende@twende.example", "en")
	// row 4 left empty on purpose
	set(5, "ADCB", "placeholder", "Territoire palestinien occupé", 6200.5, "Summary.", 18, "Yasmine Haddad", "hello@adcb.example", "en")
	must(f.SetCellStr(s, "B5", hyperlink)) // text, not a formula
	set(6, "Forum Lisanga", "WO-GREEN", "Ville-Province de Kinshasa", 100.125, nil, 18, "Marie Lukusa", "wo-green@lisanga.example", "nl")
	must(f.SetCellFormula(s, "E6", `"a"&"b"`)) // no cached value: read as empty, never evaluated to "ab"
	set(7, "Viva Salud", "T", "Territoire palestinien occupé", "125.000", "Samenvatting.", "24", "Pieter Claes", "info@vivasalud.example", "nl")
	set(8, "Twende", "T", "Ville-Province de Kinshasa", 25000, "S.", 18, "Anna Verbeke", "twende@twende.example", "en")
	must(f.SetCellFormula(s, "D8", "=20000+5000")) // keeps 25000 as the cached value
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	must(err)

	rows, err := ReadXLSX(&buf)
	must(err)
	checkRows(t, rows, []rowWant{
		{number: 2, amount: money.Euros(125000)},
		{number: 3, amount: 620050},
		{number: 5, amount: 620050},
		{number: 6, errs: []string{"amount: 100.125 is not an amount in euros and cents", "summary: required"}},
		{number: 7, amount: money.Euros(125000)}, // text "125.000" is Belgian style
		{number: 8, amount: money.Euros(25000)},  // the formula's cached value
	})
	if got := rows[2].App.Title; got != hyperlink {
		t.Errorf("title = %q, want the text %q", got, hyperlink)
	}
	if got := rows[0].App.IBAN; got != "BE68 5390 0754 7034" {
		t.Errorf("iban = %q", got)
	}
}

func TestReadXLSXNotAWorkbook(t *testing.T) {
	t.Parallel()
	if _, err := ReadXLSX(strings.NewReader(csvHeader + csvGood)); err == nil || !strings.Contains(err.Error(), "not an .xlsx workbook") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadBulkExtension(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "APPLICATIONS.CSV")
	if err := os.WriteFile(path, []byte(csvHeader+csvGood), 0o600); err != nil {
		t.Fatal(err)
	}
	if rows, err := ReadBulk(path); err != nil || len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("ReadBulk(%s) = %+v, %v", path, rows, err)
	}
	if _, err := ReadBulk(filepath.Join(dir, "applications.xls")); err == nil || !strings.Contains(err.Error(), `".xls"`) {
		t.Fatalf("err = %v, want the extension named", err)
	}
}

// TestExampleFiles keeps the files in examples/ working: the single
// application, and the 2024 bulk file with its three deliberate mistakes.
func TestExampleFiles(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../examples/application.yaml")
	if err != nil {
		t.Fatal(err)
	}
	app, err := ParseYAML(data)
	if err != nil {
		t.Fatalf("application.yaml: %v", err)
	}
	if app.Amount != money.Euros(125000) || app.Association != "Solsoc" {
		t.Errorf("application.yaml: got %s for %q", app.Amount, app.Association)
	}

	callData, err := os.ReadFile("../../examples/call-ap-sud-2030.yaml")
	if err != nil {
		t.Fatal(err)
	}
	call, _, err := callspec.Parse(callData)
	if err != nil {
		t.Fatal(err)
	}
	before := call.Deadline.Add(-time.Hour)
	const token = "00000000-0000-0000-0000-000000000000"
	if err := CheckSubmission(call, app.Submission(token), before); err != nil {
		t.Errorf("application.yaml against %s: %v", call.ID, err)
	}

	rows, err := ReadBulk("../../examples/applications-2024.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 12 {
		t.Fatalf("got %d rows, want 9 valid + 3 invalid", len(rows))
	}
	for _, r := range rows[:9] {
		if r.Err != nil {
			t.Errorf("line %d (%s): %v", r.Number, r.App.Association, r.Err)
		} else if err := CheckSubmission(call, r.App.Submission(token), before); err != nil {
			t.Errorf("line %d (%s) against %s: %v", r.Number, r.App.Association, call.ID, err)
		}
	}
	bad := rows[9:]
	for i, want := range []string{"region:", "amount:", ""} {
		r := bad[i]
		if r.Number != 11+i {
			t.Errorf("row %d: Number = %d, want %d", i+9, r.Number, 11+i)
		}
		if want == "" { // the bad e-mail is refused by Check itself
			if r.Err == nil || !strings.Contains(r.Err.Error(), "email:") {
				t.Errorf("line %d: err = %v, want an e-mail error", r.Number, r.Err)
			}
			continue
		}
		// The other two pass Check and are refused only against the call.
		if r.Err != nil {
			t.Errorf("line %d: %v", r.Number, r.Err)
		}
		err := CheckSubmission(call, r.App.Submission(token), before)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("line %d against %s: err = %v, want %q", r.Number, call.ID, err, want)
		}
	}
	var valid int
	for _, r := range rows {
		if r.Err == nil {
			valid++
		}
	}
	if valid != 11 {
		t.Errorf("%d rows pass Check, want 9 + the 2 refused only by the call", valid)
	}
}
