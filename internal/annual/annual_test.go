package annual

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

const (
	tpo      = "Territoire palestinien occupé"
	rrsk     = "Région de Rabat-Salé-Kénitra"
	kinshasa = "Ville-Province de Kinshasa"
	brussels = "Région de Bruxelles-Capitale"
)

func eur(e int64) money.Cents { return money.Euros(e) }

// report2024 is the 2024 annual report's data, from its tables and charts
// (BRIEF.md, "The 2024 acceptance data").
func report2024() Data {
	return Data{
		Year: 2024,
		Tables: []Table{
			{
				Title:      "Liste des projets financés dans le cadre de l'appel à projets Sud 2024",
				TotalLabel: "TOTAL AP SUD",
				Rows: []Row{
					{"Entraide et Fraternité", "Accès libre à la terre pour le développement des collines", tpo, eur(124986)},
					{"Solsoc", "Développement d'Initiatives d'économie sociale et solidaire", tpo, eur(125000)},
					{"Viva Salud", "Autonomisation par l'agroécologie", tpo, eur(125000)},
					{"Présence et Action culturelles", "Arts du cirque au service du développement socio-économique", tpo, eur(24960)},
					{"Association pour la Diversité Culturelle en Belgique", "Ceramics for Peace", tpo, eur(25000)},
					{"Handicap International", "UniVers l'Inclusion", rrsk, eur(125000)},
					{"Adventist Development and Relief Agency - Belgium", "Amélioration des conditions de vie des rizicultrices en RDC", kinshasa, eur(25000)},
					{"Forum Lisanga", "Women's Green Impact WO-GREEN", kinshasa, eur(25000)},
					{"Social Ecology Education Fund", "Coopérative de charbon vert", kinshasa, eur(10400)},
					{"Twende", "Objectif Zéro Plastique", kinshasa, eur(15000)},
				},
			},
			{
				Title:      "Liste des projets financés dans le cadre de l'appel à projets Nord 2024",
				TotalLabel: "TOTAL AP NORD",
				Rows: []Row{
					{"Croix-Rouge de Belgique - Communauté francophone", "Osons l'humanitaire : découvrir l'action humanitaire et agir en faveur de la dignité humaine", brussels, eur(12300)},
					{"ULB Coopération", "Cooperation Games", brussels, eur(18963)},
					{"Oxfam Solidarité - Solidariteit", "Oxfam interculturele innleefateliers", brussels, eur(10837)},
					{"RCN Justice et Démocratie", "Reflect, Resist, Act: Jeunesse engagée et consciente, voor een intercultureel Brussel !", brussels, eur(24526)},
					{"Edukado", "Ghana 2025", brussels, eur(12315)},
					{"ULB Engagée", "Migration, au-delà des préjugés", brussels, eur(23950)},
					{"VIA Don Bosco", "Interculturalité : mon / ton / notre histoire", brussels, eur(25000)},
					{"Coopération Éducation Culture", "Dialogue interculturel : écologie décoloniale", brussels, eur(20030)},
					{"Mouvement d'Actions à Travers Monde", "Les Voix Climatiques : Jeunesse Bruxelloise pour une justice migratoire", brussels, eur(23779)},
					{"Géopolis", "D'ici à ailleurs - Série de 12 capsules radio réalisées avec des élèves bruxellois sur de grands défis planétaires", brussels, eur(12000)},
					{"11.11.11, Koepel van Internationale Solidariteit", "Les jeunes et l'accès au droit à la nature dans les espaces publics", brussels, eur(16300)},
				},
			},
			{
				Title:      "Liste des projets financés en-dehors de l'appel à projets Sud 2024 et contribuant à une meilleure résilience des partenaires du Sud",
				TotalLabel: "TOTAL HORS AP",
				Rows: []Row{
					{"GC Pianofabriek", "Femimain: heropbouw na de aardbeving", "Maroc", eur(6200)},
				},
			},
			{
				Title:      "Liste des projets financés en-dehors de l'appel à projets Nord 2024 et contribuant à une citoyenneté mondiale et solidaire en RBC",
				TotalLabel: "TOTAL HORS AP",
				Rows: []Row{
					{"CNCD-11.11.11", "Coordination du volet associatif de la plateforme soliris.brussels", brussels, eur(15000)},
					{"Echos Communication", "Coordination du volet communes de la plateforme soliris.brussels", brussels, eur(11500)},
				},
			},
		},
		ByKind: []Line{
			{KindSud, eur(625346)},
			{KindCMS, eur(200000)},
			{KindOutside, eur(32700)},
			{KindOperating, eur(23196)},
			{KindEmergency, 0},
		},
		ByZone: []Line{
			{"Maroc (hors RRSK)", eur(6200)},
			{"Maroc - Région de Rabat-Salé-Kénitra (RRSK)", eur(126238)},
			{"Territoire palestinien occupé (Tpo)", eur(424946)},
			{"Ville-Province de Kinshasa", eur(80786)},
			{"Région de Bruxelles-Capitale", eur(243072)},
		},
		History: []YearTotal{{2022, eur(1437344)}, {2023, eur(1385783)}, {2024, eur(881242)}},
	}
}

// workbook writes d and opens the result, keeping the bytes for the zip checks.
func workbook(t *testing.T, d Data) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatalf("Write: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

// cell reads a cell's stored value (not its formatted text).
func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

func wantText(t *testing.T, f *excelize.File, sheet, ref, want string) {
	t.Helper()
	if got := cell(t, f, sheet, ref); got != want {
		t.Errorf("%s!%s = %q, want %q", sheet, ref, got, want)
	}
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	if want != "" && typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("%s!%s: type %v, want a string cell", sheet, ref, typ)
	}
}

// numFmt is the custom number format of a cell.
func numFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// wantAmount checks an amount cell: a number of euros, exactly c, with the
// whole-euro or cent format.
func wantAmount(t *testing.T, f *excelize.File, sheet, ref string, c money.Cents) {
	t.Helper()
	want := strconv.FormatFloat(float64(c)/100, 'f', -1, 64)
	if got := cell(t, f, sheet, ref); got != want {
		t.Errorf("%s!%s = %q, want %q (%s)", sheet, ref, got, want, c)
	}
	if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s: type %v, want a number", sheet, ref, typ)
	}
	format := `#,##0 "€"`
	if c%100 != 0 {
		format = `#,##0.00 "€"`
	}
	if got := numFmt(t, f, sheet, ref); got != format {
		t.Errorf("%s!%s: number format %q, want %q", sheet, ref, got, format)
	}
}

func at(col, row int) string { return xlsx.Cell(col, row) }

func TestWrite2024(t *testing.T) {
	t.Parallel()
	d := report2024()
	f, raw := workbook(t, d)

	if got, want := f.GetSheetList(), []string{"Projets financés", "Par type d'appui", "Par zone", "Évolution"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}

	t.Run("funded projects", func(t *testing.T) {
		s := SheetProjects
		wantTotals := []struct {
			label string
			total money.Cents
		}{
			{"TOTAL AP SUD", eur(625346)},
			{"TOTAL AP NORD", eur(200000)},
			{"TOTAL HORS AP", eur(6200)},
			{"TOTAL HORS AP", eur(26500)},
		}
		n := 1
		for i, tb := range d.Tables {
			wantText(t, f, s, at(0, n), tb.Title)
			n++
			for c, h := range []string{"Nom de l'association", "Dénomination du projet", "Région", "Montant de la subvention"} {
				wantText(t, f, s, at(c, n), h)
			}
			n++
			for _, r := range tb.Rows {
				wantText(t, f, s, at(0, n), r.Association)
				wantText(t, f, s, at(1, n), r.Project)
				wantText(t, f, s, at(2, n), r.Region)
				wantAmount(t, f, s, at(3, n), r.Amount)
				n++
			}
			wantText(t, f, s, at(0, n), wantTotals[i].label)
			wantAmount(t, f, s, at(3, n), wantTotals[i].total)
			n++
			for c := range 4 {
				if v := cell(t, f, s, at(c, n)); v != "" {
					t.Errorf("%s: row %d after %s should be empty, has %q", s, n, tb.TotalLabel, v)
				}
			}
			n++
		}
		if rows, _ := f.GetRows(s); len(rows) != n-2 {
			t.Errorf("%s: %d rows, want %d", s, len(rows), n-2)
		}
		if got := cell(t, f, s, "A2"); got != "Nom de l'association" {
			t.Errorf("first header %q", got)
		}
		// Rows with wrapped text are as tall as their text: the header
		// ("Montant de la subvention" takes two lines), a two-line project
		// (row 6, "Arts du cirque au service du développement
		// socio-économique"); a one-line row keeps the default height.
		for row, want := range map[int]float64{2: 30, 4: 15, 6: 30} {
			if h, err := f.GetRowHeight(s, row); err != nil || h != want {
				t.Errorf("%s: row %d height %v (%v), want %v", s, row, h, err, want)
			}
		}
		if n := len(d.Tables[0].Rows); n != 10 {
			t.Errorf("Sud: %d projects, want 10", n)
		}
		if n := len(d.Tables[1].Rows); n != 11 {
			t.Errorf("Nord: %d projects, want 11", n)
		}
	})

	t.Run("by kind", func(t *testing.T) {
		s := SheetKinds
		wantText(t, f, s, "A1", "Budget alloué par type d'appui financier 2024")
		for c, h := range []string{"Type d'appui", "Montant", "%", "Montant (affiché)", "Libellé du graphique"} {
			wantText(t, f, s, at(c, 2), h)
		}
		wantLines := []struct {
			label string
			c     money.Cents
			pct   int
			shown string
		}{
			{"Appel à projets Sud", eur(625346), 71, "625.346 €"},
			{"Appel à projets CMS", eur(200000), 23, "200.000 €"},
			{"Hors appels", eur(32700), 4, "32.700 €"},
			{"Frais de fonctionnement", eur(23196), 2, "23.196 €"},
			{"Aide d'urgence", 0, 0, "0 €"},
			{"TOTAL", eur(881242), 100, "881.242 €"},
		}
		for i, w := range wantLines {
			n := i + 3
			wantText(t, f, s, at(0, n), w.label)
			wantAmount(t, f, s, at(1, n), w.c)
			if got := cell(t, f, s, at(2, n)); got != strconv.Itoa(w.pct) {
				t.Errorf("%s %%: %q, want %d", w.label, got, w.pct)
			}
			if got := numFmt(t, f, s, at(2, n)); got != `0" %"` {
				t.Errorf("%s %%: format %q", w.label, got)
			}
			// The formatted value, as a reader sees it.
			if got, _ := f.GetCellValue(s, at(2, n)); got != strconv.Itoa(w.pct)+" %" {
				t.Errorf("%s %%: shown %q, want %q", w.label, got, strconv.Itoa(w.pct)+" %")
			}
			wantText(t, f, s, at(3, n), w.shown)
			if w.label != "TOTAL" {
				wantText(t, f, s, at(4, n), w.label+" ("+strconv.Itoa(w.pct)+" %)")
			}
		}
	})

	t.Run("by zone", func(t *testing.T) {
		s := SheetZones
		wantText(t, f, s, "A1", "Montant alloué par zone géographique 2024")
		pcts := []int{1, 14, 48, 9, 28}
		for i, z := range d.ByZone {
			n := i + 3
			wantText(t, f, s, at(0, n), z.Label)
			wantAmount(t, f, s, at(1, n), z.Amount)
			if got := cell(t, f, s, at(2, n)); got != strconv.Itoa(pcts[i]) {
				t.Errorf("%s %%: %q, want %d", z.Label, got, pcts[i])
			}
			wantText(t, f, s, at(3, n), z.Amount.String())
		}
		wantText(t, f, s, "D4", "126.238 €")
		wantText(t, f, s, "A8", "TOTAL")
		wantAmount(t, f, s, "B8", eur(881242))
		if got := cell(t, f, s, "C8"); got != "100" {
			t.Errorf("zone %% total %q", got)
		}
	})

	t.Run("history", func(t *testing.T) {
		s := SheetHistory
		wantText(t, f, s, "A1", "Évolution annuelle du budget engagé, en euro")
		wantText(t, f, s, "A2", "Année")
		wantText(t, f, s, "B2", "Budget engagé")
		for i, h := range []struct {
			year int
			c    money.Cents
		}{{2022, eur(1437344)}, {2023, eur(1385783)}, {2024, eur(881242)}} {
			n := i + 3
			if got := cell(t, f, s, at(0, n)); got != strconv.Itoa(h.year) {
				t.Errorf("history row %d: year %q, want %d", n, got, h.year)
			}
			wantAmount(t, f, s, at(1, n), h.c)
		}
		if rows, _ := f.GetRows(s); len(rows) != 5 {
			t.Errorf("history: %d rows, want 5", len(rows))
		}
	})

	t.Run("no formula", func(t *testing.T) {
		noFormulas(t, f, raw)
	})

	t.Run("charts", func(t *testing.T) {
		parts := zipParts(t, raw)
		for i, want := range []struct {
			kind, values, cats, title string
		}{
			{"pieChart", "'Par type d''appui'!$B$3:$B$7", "'Par type d''appui'!$E$3:$E$7", "Budget alloué par type d'appui financier 2024"},
			{"pieChart", "'Par zone'!$B$3:$B$7", "'Par zone'!$E$3:$E$7", "Montant alloué par zone géographique 2024"},
			{"barChart", "'Évolution'!$B$3:$B$5", "'Évolution'!$A$3:$A$5", "Évolution annuelle du budget engagé, en euro"},
		} {
			name := "xl/charts/chart" + strconv.Itoa(i+1) + ".xml"
			x, ok := parts[name]
			if !ok {
				t.Errorf("no %s", name)
				continue
			}
			c := readChart(t, x)
			if !c.elems[want.kind] {
				t.Errorf("%s: no %s", name, want.kind)
			}
			for _, other := range []string{"pieChart", "barChart", "pie3DChart", "doughnutChart", "lineChart"} {
				if other != want.kind && c.elems[other] {
					t.Errorf("%s: also a %s", name, other)
				}
			}
			for _, r := range []string{want.values, want.cats} {
				if !slices.Contains(c.refs, r) {
					t.Errorf("%s: no reference %s in %q", name, r, c.refs)
				}
			}
			if want.kind == "pieChart" {
				for k, v := range map[string]string{"showCatName": "1", "showPercent": "0", "legendPos": "r"} {
					if c.vals[k] != v {
						t.Errorf("%s: %s = %q, want %q", name, k, c.vals[k], v)
					}
				}
			} else if c.vals["barDir"] != "col" || c.vals["grouping"] != "clustered" || c.vals["showVal"] != "1" {
				t.Errorf("%s: not a clustered column chart with values shown: %v", name, c.vals)
			}
			if !strings.Contains(c.title, want.title) {
				t.Errorf("%s: title %q, want %q", name, c.title, want.title)
			}
		}
		if _, ok := parts["xl/charts/chart4.xml"]; ok {
			t.Error("a fourth chart")
		}
		// Each chart is anchored to the right of its table: from column G
		// (index 6) beside the five-column breakdowns, from D (3) beside
		// the history, and on the sheet it belongs to.
		anchor := regexp.MustCompile(`<xdr:from><xdr:col>(\d+)</xdr:col>`)
		for sheet, want := range map[int]string{2: "6", 3: "6", 4: "3"} {
			rels := parts["xl/worksheets/_rels/sheet"+strconv.Itoa(sheet)+".xml.rels"]
			m := regexp.MustCompile(`Target="\.\./drawings/(drawing\d+\.xml)"`).FindStringSubmatch(rels)
			if m == nil {
				t.Errorf("sheet%d: no drawing", sheet)
				continue
			}
			if a := anchor.FindStringSubmatch(parts["xl/drawings/"+m[1]]); a == nil || a[1] != want {
				t.Errorf("sheet%d (%s): chart anchored at %v, want column %s", sheet, m[1], a, want)
			}
		}
		if strings.Contains(parts["xl/worksheets/_rels/sheet1.xml.rels"], "drawing") {
			t.Error("the projects sheet has a drawing")
		}
	})
}

// noFormulas checks that no cell of any sheet holds a formula, through
// excelize and in the sheet XML itself.
func noFormulas(t *testing.T, f *excelize.File, raw []byte) {
	t.Helper()
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c := range row {
				if fo, _ := f.GetCellFormula(s, at(c, r+1)); fo != "" {
					t.Errorf("%s!%s: formula %q", s, at(c, r+1), fo)
				}
			}
		}
	}
	for name, x := range zipParts(t, raw) {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && (strings.Contains(x, "<f>") || strings.Contains(x, "<f ")) {
			t.Errorf("%s holds a formula", name)
		}
	}
}

// chartXML is what the tests look at in a chart part: the element names
// (c:pieChart, c:barChart: local names, whatever the prefix), the range
// formulas, the val attributes of the last element of each name, and the
// title text.
type chartXML struct {
	elems map[string]bool
	refs  []string
	vals  map[string]string
	title string
}

func readChart(t *testing.T, x string) chartXML {
	t.Helper()
	c := chartXML{elems: map[string]bool{}, vals: map[string]string{}}
	dec := xml.NewDecoder(strings.NewReader(x))
	var path []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			path = append(path, tok.Name.Local)
			c.elems[tok.Name.Local] = true
			for _, a := range tok.Attr {
				if a.Name.Local == "val" {
					c.vals[tok.Name.Local] = a.Value
				}
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			switch {
			case len(path) == 0: // around the root element
			case path[len(path)-1] == "f":
				c.refs = append(c.refs, string(tok))
			case slices.Contains(path, "title") && path[len(path)-1] == "t" && !slices.Contains(path, "valAx") && !slices.Contains(path, "catAx"):
				c.title += string(tok)
			}
		}
	}
	return c
}

func zipParts(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range z.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = string(b)
	}
	return parts
}

func TestWriteKeepsApplicantTextAsText(t *testing.T) {
	t.Parallel()
	d := report2024()
	evil := []string{`=HYPERLINK("x")`, "+1+2", "-2+3", "@SUM(A1)", "=1+1"}
	d.Tables[0].Rows[0].Association = evil[0]
	d.Tables[0].Rows[0].Project = evil[1]
	d.Tables[0].Rows[0].Region = evil[2]
	d.Tables[0].Title = evil[3]
	d.ByZone[0].Label = evil[4]
	f, raw := workbook(t, d)
	wantText(t, f, SheetProjects, "A1", evil[3])
	wantText(t, f, SheetProjects, "A3", evil[0])
	wantText(t, f, SheetProjects, "B3", evil[1])
	wantText(t, f, SheetProjects, "C3", evil[2])
	wantText(t, f, SheetZones, "A3", evil[4])
	wantText(t, f, SheetZones, "E3", evil[4]+" (1 %)")
	noFormulas(t, f, raw)
}

func TestWriteCents(t *testing.T) {
	t.Parallel()
	d := Data{
		Year: 2025,
		Tables: []Table{{Title: "Hors appel 2025", TotalLabel: "TOTAL HORS AP", Rows: []Row{
			{"A", "P1", brussels, 620050},
			{"B", "P2", brussels, 100},
		}}},
		ByKind:  []Line{{KindSud, 0}, {KindCMS, 0}, {KindOutside, 620150}, {KindOperating, 0}, {KindEmergency, 0}},
		ByZone:  []Line{{brussels, 620150}},
		History: []YearTotal{{2025, 620150}},
	}
	f, _ := workbook(t, d)
	wantAmount(t, f, SheetProjects, "D3", 620050)
	wantAmount(t, f, SheetProjects, "D4", 100)
	wantAmount(t, f, SheetProjects, "D5", 620150)
	wantText(t, f, SheetKinds, "D5", "6.201,50 €")
	wantAmount(t, f, SheetKinds, "B5", 620150)
	wantAmount(t, f, SheetKinds, "B3", 0)
	if got := cell(t, f, SheetKinds, "C5"); got != "100" {
		t.Errorf("outside calls %%: %q", got)
	}
}

func TestWriteEmpty(t *testing.T) {
	t.Parallel()
	// A year with nothing funded yet: all-zero breakdowns, no zone, no
	// table. The workbook still has its four sheets; the zone pie is left
	// out, having nothing to show.
	d := Data{
		Year:    2026,
		ByKind:  []Line{{KindSud, 0}, {KindCMS, 0}, {KindOutside, 0}, {KindOperating, 0}, {KindEmergency, 0}},
		History: []YearTotal{{2025, eur(1000)}, {2026, 0}},
	}
	f, raw := workbook(t, d)
	if n := len(f.GetSheetList()); n != 4 {
		t.Errorf("%d sheets", n)
	}
	if got := cell(t, f, SheetKinds, "C8"); got != "0" {
		t.Errorf("kind %% total %q, want 0", got)
	}
	wantText(t, f, SheetZones, "A3", "TOTAL")
	parts := zipParts(t, raw)
	if _, ok := parts["xl/charts/chart3.xml"]; ok {
		t.Error("a chart for the empty zone table")
	}
}

func TestWriteRefusesInconsistentData(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*Data){
		"kinds out of order":    func(d *Data) { d.ByKind[0], d.ByKind[1] = d.ByKind[1], d.ByKind[0] },
		"kind missing":          func(d *Data) { d.ByKind = d.ByKind[:4] },
		"negative kind":         func(d *Data) { d.ByKind[4].Amount = -1; d.ByKind[0].Amount++ },
		"negative row":          func(d *Data) { d.Tables[0].Rows[0].Amount = -eur(1) },
		"zones off by a cent":   func(d *Data) { d.ByZone[0].Amount++ },
		"year not in history":   func(d *Data) { d.History = d.History[:2] },
		"history not ascending": func(d *Data) { d.History[0].Year = 2023 },
		"history total differs": func(d *Data) { d.History[2].Amount-- },
		"table without title":   func(d *Data) { d.Tables[2].Title = "" },
		"table without total":   func(d *Data) { d.Tables[2].TotalLabel = "" },
	} {
		t.Run(name, func(t *testing.T) {
			d := report2024()
			change(&d)
			var buf bytes.Buffer
			err := Write(&buf, d)
			if err == nil {
				t.Fatal("Write accepted it")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", buf.Len())
			}
			t.Log(err)
		})
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	s := Summarise(report2024())
	if s.Total != eur(881242) {
		t.Errorf("total %s, want 881.242 €", s.Total)
	}
	if s.Total.String() != "881.242 €" {
		t.Errorf("total prints %q", s.Total.String())
	}
	if want := []int{71, 23, 4, 2, 0}; !slices.Equal(s.KindPercent, want) {
		t.Errorf("by kind %v, want %v", s.KindPercent, want)
	}
	if want := []int{1, 14, 48, 9, 28}; !slices.Equal(s.ZonePercent, want) {
		t.Errorf("by zone %v, want %v", s.ZonePercent, want)
	}

	empty := Summarise(Data{ByKind: []Line{{KindSud, 0}, {KindCMS, 0}}})
	if empty.Total != 0 || !slices.Equal(empty.KindPercent, []int{0, 0}) || len(empty.ZonePercent) != 0 {
		t.Errorf("empty: %+v", empty)
	}
}

func TestTextLines(t *testing.T) {
	t.Parallel()
	// Checked against LibreOffice's rendering with Carlito (Calibri's
	// metrics) of the 2024 workbook.
	for _, c := range []struct {
		text  string
		width float64
		bold  bool
		want  int
	}{
		{"Développement d'Initiatives d'économie sociale et solidaire", 50, false, 1},
		{"Arts du cirque au service du développement socio-économique", 50, false, 2},
		{"Osons l'humanitaire : découvrir l'action humanitaire et agir en faveur de la dignité humaine", 50, false, 2},
		{"D'ici à ailleurs - Série de 12 capsules radio réalisées avec des élèves bruxellois sur de grands défis planétaires", 50, false, 2},
		{"Mouvement d'Actions à Travers Monde", 34, false, 1},
		{"Association pour la Diversité Culturelle en Belgique", 34, false, 2},
		{"Montant de la subvention", 16, true, 2},
		{"Montant (affiché)", 17, true, 1},
		{"", 10, false, 1},
		{"line one\nline two", 50, false, 2},
		{strings.Repeat("x", 100), 10, false, 10}, // one long word, broken
	} {
		if got := textLines(c.text, c.width, c.bold); got != c.want {
			t.Errorf("textLines(%q, %v) = %d, want %d", c.text, c.width, got, c.want)
		}
	}
}
