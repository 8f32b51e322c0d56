package payorder

import (
	"archive/zip"
	"bytes"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Brussels must not depend on the host's zoneinfo

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

var orders = []Order{
	{GrantID: "AP-SUD-2024-0005-G", Reference: "AP-SUD-2024-0005", Association: "Association pour la Diversité Culturelle en Belgique",
		Title: `=HYPERLINK("x")`, IBAN: "be71096123456769", Tranche: 1, Kind: KindPayment, Amount: 9998880,
		// 23:30 UTC on 31 December is already 1 January in Brussels.
		OrderedAt: time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC),
		PaidOn:    time.Date(2025, 1, 7, 10, 0, 0, 0, callspec.Brussels)},
	{GrantID: "AP-SUD-2024-0005-G", Reference: "AP-SUD-2024-0005", Association: "Association pour la Diversité Culturelle en Belgique",
		Title: `=HYPERLINK("x")`, IBAN: "BE71 0961 2345 6769", Tranche: 2, Kind: KindPayment, Amount: 2499720,
		OrderedAt: time.Date(2026, 9, 15, 9, 0, 0, 0, callspec.Brussels)},
	{GrantID: "AP-SUD-2024-0008-G", Reference: "AP-SUD-2024-0008", Association: "+cmd|' /C calc'!A0", Title: "Women's Green Impact",
		IBAN: "BE68 5390 0754 7034", Kind: KindRecovery, Amount: 125050,
		OrderedAt: time.Date(2026, 10, 1, 12, 0, 0, 0, callspec.Brussels)},
}

func write(t *testing.T, title string, orders []Order) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, title, orders); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return buf.Bytes(), f
}

func TestWrite(t *testing.T) {
	t.Parallel()
	book, f := write(t, "Ordres de paiement — octobre 2026", orders)
	if got := f.GetSheetList(); !slices.Equal(got, []string{Sheet}) {
		t.Fatalf("sheets = %q", got)
	}
	raw, err := f.GetRows(Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 8 {
		t.Fatalf("%d rows, want title + header + 3 orders + blank + 2 totals: %q", len(raw), raw)
	}
	if raw[0][0] != "Ordres de paiement — octobre 2026" {
		t.Errorf("title = %q", raw[0])
	}
	if !slices.Equal(raw[1], Header) {
		t.Errorf("header = %q", raw[1])
	}
	wantRaw := [][]string{
		{"AP-SUD-2024-0005-G", "AP-SUD-2024-0005", orders[0].Association, `=HYPERLINK("x")`, "BE71 0961 2345 6769", "1", "payment", "99988.8", "45658", "45664"},
		{"AP-SUD-2024-0005-G", "AP-SUD-2024-0005", orders[1].Association, `=HYPERLINK("x")`, "BE71 0961 2345 6769", "2", "payment", "24997.2", "46280"},
		{"AP-SUD-2024-0008-G", "AP-SUD-2024-0008", "+cmd|' /C calc'!A0", "Women's Green Impact", "BE68 5390 0754 7034", "", "recovery", "1250.5", "46296"},
	}
	for i, want := range wantRaw {
		if got := raw[i+2]; !slices.Equal(got, want) {
			t.Errorf("row %d = %q\nwant %q", i+3, got, want)
		}
	}
	// Totals are numbers summed in cents: 99.988,80 € + 24.997,20 € = 124.986 €.
	for row, want := range map[int][]string{7: {"TOTAL", "payment", "124986"}, 8: {"TOTAL", "recovery", "1250.5"}} {
		r := raw[row-1]
		if got := []string{r[colGrant], r[colKind], r[colAmount]}; !slices.Equal(got, want) {
			t.Errorf("row %d = %q, want %q", row, r, want)
		}
	}
	paid, err := money.Parse(strings.ReplaceAll(raw[6][colAmount], ".", ","))
	if err != nil || paid != orders[0].Amount+orders[1].Amount {
		t.Errorf("payment total %q = %s (%v), want the sum of the payments", raw[6][colAmount], paid, err)
	}

	// What finance sees: Belgian dates and euro amounts.
	for cell, want := range map[string]string{"I3": "01/01/2025", "J3": "07/01/2025", "I4": "15/09/2026", "I5": "01/10/2026", "J4": ""} {
		if got, _ := f.GetCellValue(Sheet, cell); got != want {
			t.Errorf("%s shows %q, want %q", cell, got, want)
		}
	}
	for cell, want := range map[string]string{"I3": dateFormat, "J3": dateFormat, "H3": amountFormat, "H7": amountFormat, "H8": amountFormat} {
		id, _ := f.GetCellStyle(Sheet, cell)
		if st, _ := f.GetStyle(id); st.CustomNumFmt == nil || *st.CustomNumFmt != want {
			t.Errorf("%s format = %v, want %q", cell, st.CustomNumFmt, want)
		}
	}
	// A number cell has no type attribute (or "n"); text is a shared string.
	for cell, want := range map[string]excelize.CellType{"H3": excelize.CellTypeUnset, "I3": excelize.CellTypeUnset,
		"H7": excelize.CellTypeUnset, "E3": excelize.CellTypeSharedString, "D3": excelize.CellTypeSharedString} {
		got, _ := f.GetCellType(Sheet, cell)
		if got == excelize.CellTypeNumber {
			got = excelize.CellTypeUnset
		}
		if got != want {
			t.Errorf("%s type = %v, want %v", cell, got, want)
		}
	}

	// Header bold, frozen under row 2, with an autofilter over the orders.
	id, _ := f.GetCellStyle(Sheet, "A2")
	if st, _ := f.GetStyle(id); st.Font == nil || !st.Font.Bold {
		t.Error("header is not bold")
	}
	if p, _ := f.GetPanes(Sheet); !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
		t.Errorf("panes = %+v, want frozen under the header", p)
	}
	x := sheetXML(t, book, "xl/worksheets/sheet1.xml")
	if !strings.Contains(x, `<autoFilter ref="$A$2:$J$5"`) {
		t.Error("no autofilter over A2:J5")
	}
	if w, _ := f.GetColWidth(Sheet, "D"); w < 30 {
		t.Errorf("project column width %v", w)
	}
	// No cell anywhere is a formula: applicant text stays text.
	if strings.Contains(x, "<f>") || strings.Contains(x, "<f ") {
		t.Errorf("formula in the sheet: %s", x)
	}
	cols, _ := f.GetCols(Sheet)
	for c := range cols {
		for r := range cols[c] {
			cell := xlsx.Cell(c, r+1)
			if formula, _ := f.GetCellFormula(Sheet, cell); formula != "" {
				t.Errorf("%s is the formula %q", cell, formula)
			}
		}
	}
	if v, _ := f.GetCellValue(Sheet, "D3"); v != `=HYPERLINK("x")` {
		t.Errorf("D3 = %q, want the title as text", v)
	}
}

func TestWriteNoOrders(t *testing.T) {
	t.Parallel()
	_, f := write(t, "=1+1", nil)
	raw, _ := f.GetRows(Sheet, excelize.Options{RawCellValue: true})
	if len(raw) != 5 || raw[0][0] != "=1+1" || raw[3][0] != "TOTAL" || raw[3][colAmount] != "0" || raw[4][colAmount] != "0" {
		t.Errorf("rows = %q", raw)
	}
	if formula, _ := f.GetCellFormula(Sheet, "A1"); formula != "" {
		t.Errorf("title became the formula %q", formula)
	}
}

func TestWriteRefusesBadOrders(t *testing.T) {
	t.Parallel()
	ok := orders[0]
	for name, change := range map[string]func(*Order){
		"zero amount":             func(o *Order) { o.Amount = 0 },
		"negative amount":         func(o *Order) { o.Amount = -1 },
		"payment without tranche": func(o *Order) { o.Tranche = 0 },
		"recovery with tranche":   func(o *Order) { o.Kind = KindRecovery },
		"unknown kind":            func(o *Order) { o.Kind = "refund" },
		"no order date":           func(o *Order) { o.OrderedAt = time.Time{} },
	} {
		o := ok
		change(&o)
		if err := Write(io.Discard, "t", []Order{o}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFormatIBAN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"BE71096123456769":            "BE71 0961 2345 6769",
		" be71 0961 2345 6769 ":       "BE71 0961 2345 6769",
		"FR7630006000011234567890189": "FR76 3000 6000 0112 3456 7890 189",
		"":                            "",
	} {
		if got := FormatIBAN(in); got != want {
			t.Errorf("FormatIBAN(%q) = %q, want %q", in, got, want)
		}
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
