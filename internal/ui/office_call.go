package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// callData is one call as the office works on it.
type callData struct {
	Status    operations.CallStatus
	ToScreen  []operations.ApplicationSummary
	Done      string   // the action just done, for the notice
	Problems  []string // what the last action's refusal said
	CanScreen bool
	CanDecide bool
	Self      string // the signed-in person, to tell their own proposals
}

// officeCall: a call's stage, its screening, its proposal, its decision
// and the approvals waiting for a second officer.
func (p *Pages) officeCall(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ReadApplications) {
		return
	}
	p.showCall(w, q, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (p *Pages) showCall(w http.ResponseWriter, q *request, status int, done string, problems []string) {
	id := q.PathValue("call")
	st, err := p.cfg.Service.Status(q.Context(), q.actor(auth.ReadApplications), operations.StatusInput{CallID: id})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	d := callData{Status: st, Done: done, Problems: problems, Self: q.who.Name,
		CanScreen: q.who.Can(auth.Screen), CanDecide: q.who.Can(auth.ProposeDecision)}
	if st.Screening.Pending > 0 || st.Stage == "screening" {
		reg, err := p.cfg.Service.Register(q.Context(), q.actor(auth.ReadApplications), operations.RegisterInput{CallID: id, Stage: "received"})
		if err != nil {
			p.fail(w, q, err)
			return
		}
		d.ToScreen = reg.Applications
	}
	p.render(w, q, status, "office_call", id+" · "+st.Title, d)
}

// callAction is a form on the call page: run it, then back to the page
// with a notice, or the page again with the refusal beside the forms.
func (p *Pages) callAction(right auth.Right, name string, run func(q *request, by operations.Actor, call string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := p.request(r)
		if !p.change(w, q, right) {
			return
		}
		call := r.PathValue("call")
		err := run(q, q.actor(right), call)
		if msgs := problems(err); msgs != nil {
			p.showCall(w, q, http.StatusUnprocessableEntity, "", msgs)
			return
		}
		if err != nil {
			p.fail(w, q, err)
			return
		}
		http.Redirect(w, r, "/office/calls/"+url.PathEscape(call)+"?done="+name, http.StatusSeeOther)
	}
}

func (p *Pages) screen(q *request, by operations.Actor, call string) error {
	verdict := q.PostFormValue("verdict")
	if verdict != "eligible" && verdict != "ineligible" {
		return &operations.Error{Kind: operations.Refused, Message: q.loc.T("office.choose_verdict")}
	}
	_, err := p.cfg.Service.Screen(q.Context(), by, operations.ScreenInput{CallID: call, Reference: q.PostFormValue("reference"),
		Eligible: verdict == "eligible", Reason: strings.TrimSpace(q.PostFormValue("reason"))})
	return err
}

func (p *Pages) endScreening(q *request, by operations.Actor, call string) error {
	_, err := p.cfg.Service.EndScreening(q.Context(), by, operations.EndScreeningInput{CallID: call})
	return err
}

// decide records the government's decree on the proposal as it stands;
// with four-eyes it waits for a second officer's approval.
func (p *Pages) decide(q *request, by operations.Actor, call string) error {
	_, err := p.cfg.Service.Decide(q.Context(), by, operations.DecideInput{CallID: call, Decree: strings.TrimSpace(q.PostFormValue("decree")), All: true})
	return err
}

// approval approves or refuses a four-eyes proposal on a call or a
// grant, with the right the action needs, then goes back to the page the
// form was on (back) or shows the refusal there (again).
func (p *Pages) approval(w http.ResponseWriter, q *request, approve bool, target, back string, again func(problems []string)) {
	action := q.PostFormValue("action")
	right, ok := auth.ApproveRights[action]
	if !ok {
		right = auth.ApproveDecision // an unknown action is refused by the operation, after the usual checks
	}
	if !p.change(w, q, right) {
		return
	}
	in := operations.ApprovalInput{Target: target, Action: action}
	var err error
	if approve {
		_, err = p.cfg.Service.Approve(q.Context(), q.actor(right), in)
	} else {
		in.Reason = strings.TrimSpace(q.PostFormValue("reason"))
		_, err = p.cfg.Service.Refuse(q.Context(), q.actor(right), in)
	}
	if msgs := problems(err); msgs != nil {
		again(msgs)
		return
	}
	if err != nil {
		p.fail(w, q, err)
		return
	}
	done := "approved"
	if !approve {
		done = "refused"
	}
	http.Redirect(w, q.Request, back+"?done="+done, http.StatusSeeOther)
}

// callApproval is approval on the call page.
func (p *Pages) callApproval(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := p.request(r)
		call := r.PathValue("call")
		p.approval(w, q, approve, call, "/office/calls/"+url.PathEscape(call), func(msgs []string) {
			p.showCall(w, q, http.StatusUnprocessableEntity, "", msgs)
		})
	}
}
