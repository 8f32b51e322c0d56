// Package payorder writes the payment-order workbook sent to the finance
// department: one row per tranche ordered or amount to recover, with the
// totals, amounts as numbers, dates as real dates and applicant text as
// text.
package payorder

import (
	"errors"
	"fmt"
	"github.com/callcycle/callcycle/internal/xlsx"
	"io"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/xuri/excelize/v2"
)

// Kinds of order.
const (
	KindPayment  = "payment"  // a tranche paid to the association
	KindRecovery = "recovery" // unspent money the association must pay back
)

// Order is one payment order, or one recovery order.
type Order struct {
	GrantID, Reference, Association, Title, IBAN string

	Tranche   int         // 1-based; 0 for a recovery
	Kind      string      // KindPayment or KindRecovery
	Amount    money.Cents // positive; for a recovery, the amount to recover
	OrderedAt time.Time
	PaidOn    time.Time // zero if not executed yet
}

// Sheet is the name of the workbook's only sheet.
const Sheet = "Ordres de paiement"

// Header is the table header, row 2 of the sheet.
var Header = []string{"Grant", "Reference", "Association", "Project", "IBAN", "Tranche", "Kind", "Amount", "Ordered on", "Executed on"}

// Columns of the table, 0-based.
const (
	colGrant = iota
	colReference
	colAssociation
	colProject
	colIBAN
	colTranche
	colKind
	colAmount
	colOrdered
	colExecuted
)

// Formats. The € format uses the reader's locale separators, so Belgian
// Excel shows 6.200,50 €, as money.Cents prints it.
const (
	amountFormat = `#,##0.00 "€"`
	dateFormat   = "dd/mm/yyyy"
)

// Write produces the workbook: a title row, the header (bold, frozen, with
// an autofilter), one row per order in the given order, then a TOTAL row
// for the payments and one for the recoveries. Totals are numbers summed
// in cents, not SUM formulas, so the file carries the exact figures even
// when read without recalculation. Dates are Brussels calendar days.
func Write(w io.Writer, title string, orders []Order) error {
	for i, o := range orders {
		if err := check(o); err != nil {
			return fmt.Errorf("payment order %d (%s): %w", i+1, o.GrantID, err)
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	var errs errList
	// SetCellStr, never SetCellValue: applicant text such as "=HYPERLINK(...)"
	// must stay text, never become a formula.
	str := func(col, row int, v string) { errs.add(f.SetCellStr(Sheet, xlsx.Cell(col, row), v)) }
	style := func(col, row, id int) {
		c := xlsx.Cell(col, row)
		errs.add(f.SetCellStyle(Sheet, c, c, id))
	}
	amount := func(col, row int, c money.Cents) {
		// A cent amount below 2^53 converts to the double nearest its
		// decimal value and is written back as that exact decimal.
		errs.add(f.SetCellFloat(Sheet, xlsx.Cell(col, row), float64(c)/100, -1, 64))
		style(col, row, st.amount)
	}
	date := func(col, row int, t time.Time) {
		if t.IsZero() {
			return
		}
		errs.add(f.SetCellInt(Sheet, xlsx.Cell(col, row), excelDay(t)))
		style(col, row, st.date)
	}

	str(0, 1, title)
	style(0, 1, st.title)
	for i, h := range Header {
		str(i, 2, h)
	}
	errs.add(f.SetCellStyle(Sheet, xlsx.Cell(0, 2), xlsx.Cell(len(Header)-1, 2), st.header))

	var paid, recovered money.Cents
	for i, o := range orders {
		n := i + 3
		str(colGrant, n, o.GrantID)
		str(colReference, n, o.Reference)
		str(colAssociation, n, o.Association)
		str(colProject, n, o.Title)
		str(colIBAN, n, FormatIBAN(o.IBAN))
		if o.Kind == KindPayment {
			errs.add(f.SetCellInt(Sheet, xlsx.Cell(colTranche, n), int64(o.Tranche)))
			paid += o.Amount
		} else {
			recovered += o.Amount
		}
		str(colKind, n, o.Kind)
		amount(colAmount, n, o.Amount)
		date(colOrdered, n, o.OrderedAt)
		date(colExecuted, n, o.PaidOn)
	}
	last := len(orders) + 2 // the header when there is no order
	for i, t := range []struct {
		kind  string
		total money.Cents
	}{{KindPayment, paid}, {KindRecovery, recovered}} {
		n := last + 2 + i // one empty row between the orders and the totals
		str(colGrant, n, "TOTAL")
		str(colKind, n, t.kind)
		amount(colAmount, n, t.total)
		style(colGrant, n, st.bold)
		style(colKind, n, st.bold)
		style(colAmount, n, st.boldAmount)
	}

	// The filter covers the header and the orders, not the totals, so
	// sorting never moves a TOTAL among the orders.
	errs.add(f.AutoFilter(Sheet, xlsx.Cell(0, 2)+":"+xlsx.Cell(len(Header)-1, last), nil))
	errs.add(f.SetPanes(Sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}))
	for i, width := range []float64{22, 20, 36, 48, 27, 9, 11, 16, 12, 12} {
		c := xlsx.Col(i)
		errs.add(f.SetColWidth(Sheet, c, c, width))
	}
	if errs.err != nil {
		return errs.err
	}
	_, err = f.WriteTo(w)
	return err
}

func check(o Order) error {
	switch {
	case o.Amount <= 0:
		return fmt.Errorf("amount %s: must be positive", o.Amount)
	case o.Kind == KindPayment && o.Tranche < 1:
		return fmt.Errorf("tranche %d: a payment is tranche 1 or later", o.Tranche)
	case o.Kind == KindRecovery && o.Tranche != 0:
		return fmt.Errorf("tranche %d: a recovery has no tranche (0)", o.Tranche)
	case o.Kind != KindPayment && o.Kind != KindRecovery:
		return fmt.Errorf("kind %q: want %q or %q", o.Kind, KindPayment, KindRecovery)
	case o.OrderedAt.IsZero():
		return errors.New("no order date")
	}
	return nil
}

// FormatIBAN writes an account number the way it is printed: upper case,
// in groups of four ("BE71 0961 2345 6769"). It does not validate it.
func FormatIBAN(s string) string {
	compact := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	var b strings.Builder
	for i, r := range []rune(compact) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// excelDay is the Excel serial number (1900 date system) of t's calendar
// day in Brussels: finance reads dates, not instants, and an order given
// at 00:30 in Brussels belongs to that day even though it is the day
// before in UTC.
func excelDay(t time.Time) int64 {
	y, m, d := t.In(callspec.Brussels).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// 30 December 1899 is day 0 once Excel's phantom 29 February 1900 is
	// counted; every date after February 1900 is right from that epoch.
	return int64(day.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

type styles struct{ title, header, bold, amount, boldAmount, date int }

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	amountFmt, dateFmt := amountFormat, dateFormat
	bold := &excelize.Font{Bold: true}
	if err := xlsx.NewStyles(f, []xlsx.Style{
		{ID: &st.title, Style: excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{ID: &st.header, Style: excelize.Style{Font: bold,
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{ID: &st.bold, Style: excelize.Style{Font: bold}},
		{ID: &st.amount, Style: excelize.Style{CustomNumFmt: &amountFmt}},
		{ID: &st.boldAmount, Style: excelize.Style{Font: bold, CustomNumFmt: &amountFmt}},
		{ID: &st.date, Style: excelize.Style{CustomNumFmt: &dateFmt}},
	}); err != nil {
		return st, err
	}
	return st, nil
}

// errList keeps the first error of a run of cell writes.
type errList struct{ err error }

func (e *errList) add(err error) {
	if e.err == nil {
		e.err = err
	}
}
