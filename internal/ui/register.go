package ui

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// registerData is the register page: the filters as set, and the rows.
type registerData struct {
	Filter operations.RegisterInput
	Stages []string
	operations.RegisterResult
	Problems []string
	CSV      string // this register as CSV, the same filters
}

// register: a call's applications, filtered, and the same as CSV.
func (p *Pages) register(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ReadApplications) {
		return
	}
	v := r.URL.Query()
	in := operations.RegisterInput{CallID: r.PathValue("call"), Stage: v.Get("stage"), Region: v.Get("region"), Text: v.Get("q")}
	res, err := p.cfg.Service.Register(r.Context(), q.actor(auth.ReadApplications), in)
	d := registerData{Filter: in, Stages: operations.RegisterStages, Problems: problems(err)}
	if d.Problems != nil {
		p.render(w, q, http.StatusUnprocessableEntity, "register", q.loc.T("register.title", "Call", in.CallID), d)
		return
	}
	if err != nil {
		p.fail(w, q, err)
		return
	}
	if v.Get("format") == "csv" {
		p.registerCSV(w, q, res)
		return
	}
	d.RegisterResult = res
	v.Set("format", "csv")
	d.CSV = r.URL.Path + "?" + v.Encode()
	p.render(w, q, http.StatusOK, "register", q.loc.T("register.title", "Call", in.CallID), d)
}

// registerCSV writes the register for a spreadsheet: amounts Belgian
// style, times in Brussels, headers in the reader's language, and no
// cell a spreadsheet would run as a formula.
func (p *Pages) registerCSV(w http.ResponseWriter, q *request, res operations.RegisterResult) {
	headers(w)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+res.CallID+`-applications.csv"`)
	out := csv.NewWriter(w)
	out.Comma = ';' // what a Belgian spreadsheet opens as columns
	l := q.loc
	_ = out.Write([]string{l.T("files.reference"), l.T("field.organisation"), l.T("field.title"), l.T("field.region"),
		l.T("files.amount"), l.T("file.submitted"), l.T("files.stage"), l.T("office.granted")})
	for _, a := range res.Applications {
		granted := ""
		if a.Granted != nil {
			granted = a.Granted.Text
		}
		_ = out.Write(cells(a.Reference, a.Organisation, a.Title, a.Region, a.Amount.Text, l.Time(a.SubmittedAt), stageOf(l, a), granted))
	}
	out.Flush()
}

// cells guards text for a spreadsheet: a cell that begins like a formula
// (=, +, -, @, tab, return) is written as text.
func cells(values ...string) []string {
	for i, v := range values {
		if v != "" && strings.ContainsAny(v[:1], "=+-@\t\r") {
			values[i] = "'" + v
		}
	}
	return values
}
