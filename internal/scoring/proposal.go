package scoring

import (
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// ProposalRow is one project of the selection proposal.
type ProposalRow struct {
	Association, Title, Region string
	Amount                     money.Cents
}

const proposalSheet = "Proposition"

// WriteProposal writes the proposal sent to the government, laid out like
// the "Liste des projets financés" tables of the annual report: a title,
// the header, one row per project and a TOTAL row. The total is written as
// a number computed in cents, not as a SUM formula, so the file carries the
// exact figure even when read without recalculation.
func WriteProposal(w io.Writer, title string, rows []ProposalRow) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", proposalSheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	// A list of tens of projects: the plain cell API is simple and fast
	// enough. SetCellStr keeps applicant text as text, never a formula.
	var errs errList
	str := func(cell, v string) { errs.add(f.SetCellStr(proposalSheet, cell, v)) }
	amount := func(cell string, c money.Cents) {
		a := st.amountCell(c)
		errs.add(f.SetCellFloat(proposalSheet, cell, a.Value.(float64), -1, 64))
		errs.add(f.SetCellStyle(proposalSheet, cell, cell, a.StyleID))
	}
	str("A1", title)
	errs.add(f.SetCellStyle(proposalSheet, "A1", "A1", st.title))
	for i, h := range []string{"Nom de l'association", "Dénomination du projet", "Région", "Montant de la subvention"} {
		str(xlsx.Cell(i, 2), h)
	}
	errs.add(f.SetCellStyle(proposalSheet, "A2", "D2", st.header))
	var total money.Cents
	for i, r := range rows {
		n := i + 3
		str(xlsx.Cell(0, n), r.Association)
		str(xlsx.Cell(1, n), r.Title)
		str(xlsx.Cell(2, n), r.Region)
		amount(xlsx.Cell(3, n), r.Amount)
		total += r.Amount
	}
	n := len(rows) + 3
	str(xlsx.Cell(0, n), "TOTAL")
	amount(xlsx.Cell(3, n), total)
	errs.add(f.SetCellStyle(proposalSheet, xlsx.Cell(0, n), xlsx.Cell(0, n), st.header))
	errs.add(f.SetColWidth(proposalSheet, "A", "A", 36))
	errs.add(f.SetColWidth(proposalSheet, "B", "B", 48))
	errs.add(f.SetColWidth(proposalSheet, "C", "C", 30))
	errs.add(f.SetColWidth(proposalSheet, "D", "D", 18))
	if errs.err != nil {
		return errs.err
	}
	_, err = f.WriteTo(w)
	return err
}

// errList keeps the first error of a run of cell writes, so the layout
// reads as a list of cells rather than a ladder of if err != nil.
type errList struct{ err error }

func (e *errList) add(err error) {
	if e.err == nil {
		e.err = err
	}
}
