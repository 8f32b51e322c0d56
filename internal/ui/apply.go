package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
)

// applyData is the form: the call, what was typed, and the problems by
// field ("" for the application as a whole).
type applyData struct {
	Call         operations.OpenCall
	Organisation string
	Form         map[string]string
	Problems     map[string][]string
	General      []string
	LimitMiB     int64 // the size limit of one file
	FilesAgain   bool  // files were sent: a browser does not keep them for the corrected form
}

// applyFiles are the form's file inputs.
var applyFiles = []string{"statutes", "budget"}

// applyFields are the form's fields, as intake names them.
var applyFields = []string{"title", "region", "amount", "summary", "duration_months", "contact_name", "email", "language", "iban"}

// applicant is the signed-in applicant and its organisation, or false
// (then the person was sent to sign in).
func (p *Pages) applicant(w http.ResponseWriter, q *request) (string, bool) {
	if !q.in || !q.who.Can(auth.ApplyOwn) {
		http.Redirect(w, q.Request, "/?signin=1", http.StatusSeeOther)
		return "", false
	}
	name, err := p.cfg.Service.OrganisationName(q.Context(), q.who.Organisation)
	if err != nil {
		p.fail(w, q, err)
		return "", false
	}
	return name, true
}

func (p *Pages) applyForm(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	org, ok := p.applicant(w, q)
	if !ok {
		return
	}
	call, err := p.openCall(q, r.PathValue("call"))
	if err != nil {
		p.fail(w, q, err)
		return
	}
	form := map[string]string{"language": q.loc.Lang, "duration_months": "24"}
	p.render(w, q, http.StatusOK, "apply", q.loc.T("apply.title", "Call", call.Title), applyData{Call: call, Organisation: org, Form: form,
		LimitMiB: p.cfg.Service.AttachmentLimit() >> 20})
}

func (p *Pages) apply(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	org, ok := p.applicant(w, q)
	if !ok {
		return
	}
	limit := p.cfg.Service.AttachmentLimit()
	files, tooBig, err := readForm(w, r, limit, applyFiles...)
	if err != nil {
		p.render(w, q, http.StatusBadRequest, "error", q.loc.T("error.title"), q.loc.T("attachment.unreadable"))
		return
	}
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	// The call's rules whether or not it is still open: a form sent after
	// the deadline is answered beside them, with the reason.
	call, err := p.cfg.Service.CallRules(r.Context(), q.actor(auth.ApplyOwn), operations.CallRulesInput{CallID: r.PathValue("call")})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	d := applyData{Call: call, Organisation: org, Form: map[string]string{}, Problems: map[string][]string{},
		LimitMiB: limit >> 20, FilesAgain: len(files)+len(tooBig) > 0}
	for _, f := range tooBig {
		d.Problems[f] = append(d.Problems[f], q.loc.T("attachment.too_big", "Name", q.loc.T("field."+f), "Limit", limit>>20))
	}
	for _, f := range applyFields {
		d.Form[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	d.Form["summary"] = r.PostFormValue("summary") // its lines are the applicant's
	app := intake.Application{Association: org, Title: d.Form["title"], Region: d.Form["region"], Summary: d.Form["summary"],
		ContactName: d.Form["contact_name"], Email: d.Form["email"], Language: d.Form["language"], IBAN: d.Form["iban"]}
	if d.Form["amount"] != "" {
		cents, err := money.Parse(d.Form["amount"])
		if err != nil {
			d.Problems["amount"] = append(d.Problems["amount"], q.loc.T("apply.bad_amount"))
		}
		app.Amount = cents
	}
	if d.Form["duration_months"] != "" {
		n, err := strconv.Atoi(d.Form["duration_months"])
		if err != nil {
			d.Problems["duration_months"] = append(d.Problems["duration_months"], q.loc.T("apply.bad_months"))
		}
		app.DurationMonths = n
	}
	if len(d.Problems) > 0 {
		p.render(w, q, http.StatusUnprocessableEntity, "apply", q.loc.T("apply.title", "Call", call.Title), d)
		return
	}
	res, err := p.cfg.Service.ApplyWithAttachments(r.Context(), q.actor(auth.ApplyOwn), operations.ApplyWithAttachmentsInput{
		ApplyInput: operations.ApplyInput{CallID: call.CallID, Source: "the form", Organisation: q.who.Organisation, Form: &app},
		Files:      files})
	var refused *operations.Error
	var form *operations.FormProblems
	switch {
	case errors.As(err, &form):
		formProblems(q, call, form, d.Problems)
		p.render(w, q, http.StatusUnprocessableEntity, "apply", q.loc.T("apply.title", "Call", call.Title), d)
		return
	case operations.KindOf(err) == operations.WrongStage:
		// The workflow's validator: the deadline passed (or the office
		// closed the window) between the form and its sending.
		d.General, d.FilesAgain = append(d.General, q.loc.T("apply.closed", "Deadline", q.loc.Time(call.Deadline))), false
		p.render(w, q, http.StatusConflict, "apply", q.loc.T("apply.title", "Call", call.Title), d)
		return
	}
	if errors.As(err, &refused) && refused.Kind == operations.Refused {
		for _, pr := range refused.Problems {
			if pr.Field != "" && pr.Field != "application" && pr.Field != "association" {
				d.Problems[pr.Field] = append(d.Problems[pr.Field], pr.Reason)
			} else {
				d.General = append(d.General, pr.Reason)
			}
		}
		if len(refused.Problems) == 0 {
			d.General = append(d.General, refused.Message)
		}
		p.render(w, q, http.StatusUnprocessableEntity, "apply", q.loc.T("apply.title", "Call", call.Title), d)
		return
	}
	if err != nil && res.Reference == "" {
		p.fail(w, q, err)
		return
	}
	// With an error and a reference, the application is in but its files
	// could not be kept: its page offers to send them again.
	http.Redirect(w, r, "/files/"+url.PathEscape(res.Reference)+"?received=1", http.StatusSeeOther)
}
