package scoring

import (
	"bytes"
	"slices"
	"testing"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// The "Liste des projets financés" of the 2024 Sud call, from the report.
var sud2024 = []ProposalRow{
	{"Entraide et Fraternité", "Accès libre à la terre pour le développement des collines", tpo, money.Euros(124_986)},
	{"Solsoc", "Développement d'Initiatives d'économie sociale et solidaire", tpo, money.Euros(125_000)},
	{"Viva Salud", "Autonomisation par l'agroécologie", tpo, money.Euros(125_000)},
	{"Présence et Action culturelles", "Arts du cirque au service du développement socio-économique", tpo, money.Euros(24_960)},
	{"Association pour la Diversité Culturelle en Belgique", "Ceramics for Peace", tpo, money.Euros(25_000)},
	{"Handicap International", "UniVers l'Inclusion", rabat, money.Euros(125_000)},
	{"Adventist Development and Relief Agency -Belgium", "Amélioration des conditions de vie des rizicultrices en RDC", kinshasa, money.Euros(25_000)},
	{"Forum Lisanga", "Women's Green Impact WO-GREEN", kinshasa, money.Euros(25_000)},
	{"Social Ecology Education Fund", "Coopérative de charbon vert", kinshasa, money.Euros(10_400)},
	{"Twende", "Objectif Zéro Plastique", kinshasa, money.Euros(15_000)},
}

func TestWriteProposalSud2024(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteProposal(&buf, "Liste des projets financés dans le cadre de l'appel à projets Sud 2024", sud2024); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 13 {
		t.Fatalf("%d rows, want title + header + 10 + total", len(rows))
	}
	if want := []string{"Nom de l'association", "Dénomination du projet", "Région", "Montant de la subvention"}; !slices.Equal(rows[1], want) {
		t.Errorf("header = %q", rows[1])
	}
	if r := rows[2]; r[0] != "Entraide et Fraternité" || r[2] != tpo || r[3] != "124986" {
		t.Errorf("first row = %q", r)
	}
	var sum money.Cents
	for _, r := range rows[2:12] {
		c, err := money.Parse(r[3])
		if err != nil {
			t.Fatal(err)
		}
		sum += c
	}
	total := rows[12]
	if total[0] != "TOTAL" || total[3] != "625346" || sum != money.Euros(625_346) {
		t.Errorf("total row = %q, rows sum to %s; want 625.346 €", total, sum)
	}
	if formula, _ := f.GetCellFormula(sheet, "D13"); formula != "" {
		t.Errorf("total is the formula %q, want a number", formula)
	}
	// The cell shows Belgian-style euros whatever the locale's separators.
	id, _ := f.GetCellStyle(sheet, "D13")
	if st, _ := f.GetStyle(id); st.CustomNumFmt == nil || *st.CustomNumFmt != `#,##0 "€"` {
		t.Errorf("total format = %v", st.CustomNumFmt)
	}
}

func TestWriteProposalKeepsTextAsText(t *testing.T) {
	t.Parallel()
	rows := []ProposalRow{{`=HYPERLINK("http://x","y")`, `+cmd|' /C calc'!A0`, "Maroc", 620_050}}
	var buf bytes.Buffer
	if err := WriteProposal(&buf, "=1+1", rows); err != nil {
		t.Fatal(err)
	}
	book := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"A1": "=1+1", "A3": rows[0].Association, "B3": rows[0].Title} {
		v, _ := f.GetCellValue(proposalSheet, cell)
		formula, _ := f.GetCellFormula(proposalSheet, cell)
		if v != want || formula != "" {
			t.Errorf("%s = %q (formula %q), want the text %q", cell, v, formula, want)
		}
	}
	if v, _ := f.GetCellValue(proposalSheet, "D4", excelize.Options{RawCellValue: true}); v != "6200.5" {
		t.Errorf("total = %q, want 6200.5", v)
	}
	if x := sheetXML(t, book, "xl/worksheets/sheet1.xml"); bytes.Contains([]byte(x), []byte("<f>")) {
		t.Errorf("formula in %s", x)
	}
}
