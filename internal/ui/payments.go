package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/operations"
)

// paymentsData is finance's page: the orders to confirm (and those a
// colleague confirmed, waiting for a second person), those paid, and the
// calls whose payment-order workbook can be downloaded.
type paymentsData struct {
	operations.PaymentsResult
	Calls    []string
	Self     string
	Today    string
	Done     string
	Problems []string
}

func (p *Pages) payments(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ConfirmPayment) {
		return
	}
	p.showPayments(w, q, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (p *Pages) showPayments(w http.ResponseWriter, q *request, status int, done string, problems []string) {
	res, err := p.cfg.Service.Payments(q.Context(), q.actor(auth.ConfirmPayment), operations.PaymentsInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	d := paymentsData{PaymentsResult: res, Self: q.who.Name, Done: done, Problems: problems,
		Today: p.cfg.Now().In(callspec.Brussels).Format(time.DateOnly)}
	for _, o := range append(slices.Clone(res.ToConfirm), res.Paid...) {
		if !slices.Contains(d.Calls, o.CallID) {
			d.Calls = append(d.Calls, o.CallID)
		}
	}
	slices.Sort(d.Calls)
	p.render(w, q, status, "payments", q.loc.T("payments.title"), d)
}

// confirmPayment: a finance person says a tranche was executed on a day;
// a second one approves it (four-eyes, always for a payment).
func (p *Pages) confirmPayment(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.change(w, q, auth.ConfirmPayment) {
		return
	}
	tranche, terr := strconv.Atoi(q.PostFormValue("tranche"))
	on, derr := time.ParseInLocation(time.DateOnly, q.PostFormValue("on"), callspec.Brussels)
	var err error
	switch {
	case terr != nil:
		err = &operations.Error{Kind: operations.Refused, Message: q.loc.T("payments.bad_tranche")}
	case derr != nil:
		err = &operations.Error{Kind: operations.Refused, Message: q.loc.T("payments.bad_day")}
	default:
		_, err = p.cfg.Service.GrantPaid(r.Context(), q.actor(auth.ConfirmPayment),
			operations.GrantPaidInput{GrantID: q.PostFormValue("grant"), Tranche: tranche, On: on})
	}
	if msgs := problems(err); msgs != nil {
		p.showPayments(w, q, http.StatusUnprocessableEntity, "", msgs)
		return
	}
	if err != nil {
		p.fail(w, q, err)
		return
	}
	http.Redirect(w, r, "/payments?done=proposed", http.StatusSeeOther)
}

// paymentApproval approves or refuses a colleague's confirmation.
func (p *Pages) paymentApproval(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := p.request(r)
		p.approval(w, q, approve, q.PostFormValue("grant"), "/payments", func(msgs []string) {
			p.showPayments(w, q, http.StatusUnprocessableEntity, "", msgs)
		})
	}
}

// paymentOrders is a call's payment-order workbook, for the bank.
func (p *Pages) paymentOrders(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ExportPaymentData) {
		return
	}
	call := r.PathValue("call")
	var b bytes.Buffer
	if _, err := p.cfg.Service.PaymentsExport(r.Context(), q.actor(auth.ExportPaymentData), operations.PaymentsExportInput{CallID: call, Out: &b}); err != nil {
		p.fail(w, q, err)
		return
	}
	headers(w)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(call)+`-payment-orders.xlsx"`)
	_, _ = w.Write(b.Bytes())
}
