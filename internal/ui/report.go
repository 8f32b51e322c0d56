package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
)

// reportFields are the final report's figures, as GrantReport names them.
var reportFields = []string{"beneficiaries", "spent", "lessons"}

// report: the applicant sends its grant's final report from the file's
// page, with its files. Only its own organisation's grant: another's
// reads as no file at all.
func (p *Pages) report(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	if !q.who.Can(auth.SubmitOwnReport) {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.forbidden"))
		return
	}
	limit := p.cfg.Service.AttachmentLimit()
	files, tooBig, err := readForm(w, r, limit, "report")
	if err != nil {
		p.render(w, q, http.StatusBadRequest, "error", q.loc.T("error.title"), q.loc.T("attachment.unreadable"))
		return
	}
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	form := newForm()
	form.FilesAgain = len(files)+len(tooBig) > 0
	for _, f := range reportFields {
		form.Form[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	form.Form["lessons"] = r.PostFormValue("lessons") // its lines are the applicant's
	for range tooBig {
		form.Problems["report"] = append(form.Problems["report"], q.loc.T("attachment.too_big", "Name", q.loc.T("field.report"), "Limit", limit>>20))
	}
	in := operations.OwnReportInput{Reference: r.PathValue("reference"), Lessons: form.Form["lessons"], Files: files,
		Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}}
	// Belgian figures: "1.200" people, "18.963,50 €".
	if n, err := strconv.Atoi(strings.NewReplacer(".", "", " ", "", "\u00a0", "").Replace(form.Form["beneficiaries"])); err != nil || n < 0 {
		form.Problems["beneficiaries"] = append(form.Problems["beneficiaries"], q.loc.T("report.bad_beneficiaries"))
	} else {
		in.Beneficiaries = n
	}
	if c, err := money.Parse(form.Form["spent"]); err != nil {
		form.Problems["spent"] = append(form.Problems["spent"], q.loc.T("apply.bad_amount"))
	} else {
		in.Spent = c
	}
	if strings.TrimSpace(in.Lessons) == "" {
		form.Problems["lessons"] = append(form.Problems["lessons"], q.loc.T("report.bad_lessons"))
	}
	if len(form.Problems) > 0 {
		p.showFile(w, q, http.StatusUnprocessableEntity, form, newForm())
		return
	}
	_, err = p.cfg.Service.OwnReport(r.Context(), q.actor(auth.SubmitOwnReport), in)
	var bad operations.FileProblems
	var refused *operations.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/files/"+url.PathEscape(in.Reference)+"?reported=1", http.StatusSeeOther)
		return
	case errors.As(err, &bad):
		fileProblems(q, bad, form.Problems)
	case operations.KindOf(err) == operations.WrongStage:
		form.General = append(form.General, q.loc.T("report.not_awaited"))
	case errors.As(err, &refused) && refused.Kind == operations.Refused:
		for _, pr := range refused.Problems {
			switch pr.Field {
			case "beneficiaries", "spent", "lessons":
				id := "report.bad_" + pr.Field // report.bad_beneficiaries, _spent, _lessons
				form.Problems[pr.Field] = append(form.Problems[pr.Field], q.loc.T(id))
			default:
				form.General = append(form.General, pr.Reason)
			}
		}
	default:
		p.fail(w, q, err)
		return
	}
	p.showFile(w, q, http.StatusUnprocessableEntity, form, newForm())
}
