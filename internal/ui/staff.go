package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
)

// staff lets through a signed-in person with right; anyone else is sent
// to sign in (signed out) or told it is not theirs (signed in).
func (p *Pages) staff(w http.ResponseWriter, q *request, right auth.Right) bool {
	if !q.in {
		http.Redirect(w, q.Request, "/?signin=1", http.StatusSeeOther)
		return false
	}
	if !q.who.Can(right) {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.forbidden"))
		return false
	}
	return true
}

// change is a staff form's POST: the right, then the session's token.
func (p *Pages) change(w http.ResponseWriter, q *request, right auth.Right) bool {
	if !p.staff(w, q, right) {
		return false
	}
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return false
	}
	return true
}

// problems are an operation's refusal as lines to show beside the form
// (the operations layer's words), or nil when err is not a refusal.
func problems(err error) []string {
	var e *operations.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Kind {
	case operations.Refused, operations.WrongStage, operations.Ended, operations.AlreadyDone, operations.Forbidden, operations.Busy:
	default:
		return nil
	}
	var out []string
	for _, pr := range e.Problems {
		out = append(out, pr.Reason)
	}
	if len(out) == 0 {
		out = append(out, e.Message)
	}
	return out
}

// workflowLink is the workflow in the Temporal Web UI ("" without one).
func (p *Pages) workflowLink(workflowID string) string {
	if p.cfg.TemporalUI == "" || workflowID == "" {
		return ""
	}
	q := url.Values{"query": {`WorkflowId="` + workflowID + `"`}}
	return p.cfg.TemporalUI + "/namespaces/" + url.PathEscape(p.cfg.Namespace) + "/workflows?" + q.Encode()
}

// staffFuncs name the office's states in the reader's words.
var staffFuncs = template.FuncMap{
	"callStage":  func(l *locale.Loc, stage string) string { return l.T("call_stage." + stage) },
	"grantState": func(l *locale.Loc, state string) string { return l.T("grant_state." + state) },
	"add":        func(a, b int) int { return a + b },
}
