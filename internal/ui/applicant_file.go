package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
)

// fileData is the file page: the application as the operations layer
// reads it, and what the page shows of it in the reader's words.
type fileData struct {
	File        operations.ApplicationFile
	Received    bool // just applied
	Reported    bool // just sent its final report
	Waiting     string
	Score       string // once decided: "75,00 % (rank 2 of 5)"
	Grant       *grantView
	Attachments []attachmentView
	Report      reportForm
	Missing     []string   // statutes, budget: not sent yet, offered in the form that adds them
	Attach      reportForm // that form
	Attached    bool       // files were just added
}

type grantView struct {
	ID, Stage, Amount     string
	Signed                bool
	Agreement             string // signed on…, or sent on… and not signed yet
	ProjectEnd, ReportDue string
	Reminders             string // the days reminders were mailed, "" for none
	Payments              []paymentView
	Reports               []string
	Awaited               bool // the final report's form is shown
}

type paymentView struct {
	Label, Due, Amount, Status string
	Paid                       bool
}

type attachmentView struct {
	Href, Name, Field, Type, Size, Uploaded string
}

// reportForm is the final report's form: what was typed, the problems
// by field ("" for the form as a whole).
type reportForm struct {
	Form       map[string]string
	Problems   map[string][]string
	General    []string
	LimitMiB   int64
	FilesAgain bool
}

func fileView(l *locale.Loc, f operations.ApplicationFile) fileData {
	d := fileData{File: f, Waiting: waitingText(l, f)}
	if s := f.Score; s != nil {
		d.Score = l.T("file.score_value", "Score", percentText(s.Total, s.Max), "Rank", s.Rank, "Ranked", s.Ranked)
	}
	for _, a := range f.Attachments {
		d.Attachments = append(d.Attachments, attachmentView{
			Href: fmt.Sprintf("/files/%s/attachments/%d", url.PathEscape(f.Reference), a.ID),
			Name: a.Name, Field: l.T("field." + a.Field), Type: typeName(a.MediaType), Size: sizeText(l, a.Size), Uploaded: l.Time(a.UploadedAt)})
	}
	for _, field := range applyFiles {
		if !slices.ContainsFunc(f.Attachments, func(a operations.Attachment) bool { return a.Field == field }) {
			d.Missing = append(d.Missing, field)
		}
	}
	if g := f.Grant; g != nil {
		v := &grantView{ID: g.GrantID, Stage: l.T("grant_stage." + g.Stage), Amount: g.Amount.Text, Signed: g.SignedOn != nil,
			ProjectEnd: dateOf(l, g.ProjectEnd), ReportDue: dateOf(l, g.ReportDue), Reminders: joinDates(l, g.Reminders),
			Awaited: g.ReportAwaited()}
		switch {
		case g.SignedOn != nil:
			v.Agreement = l.T("file.agreement_signed", "On", dateOf(l, g.SignedOn))
		case g.AgreementSent != nil:
			v.Agreement = l.T("file.agreement_unsigned", "On", dateOf(l, g.AgreementSent))
		}
		for _, p := range g.Payments {
			pv := paymentView{Amount: p.Amount.Text, Paid: p.PaidOn != nil}
			if p.Kind == "recovery" {
				pv.Label, pv.Due = l.T("payment.recovery"), ""
			} else {
				due := "payment.on_" + strings.ReplaceAll(p.On, "-", "_") // payment.on_signature, _final_report
				pv.Label, pv.Due = l.T("payment.tranche", "Number", p.Tranche, "Percent", p.Percent), l.T(due)
			}
			switch {
			case p.PaidOn != nil:
				pv.Status = l.T("payment.paid", "On", dateOf(l, p.PaidOn))
			case p.OrderedAt != nil:
				pv.Status = l.T("payment.ordered", "On", dateOf(l, p.OrderedAt))
			default:
				pv.Status = l.T("payment.later")
			}
			v.Payments = append(v.Payments, pv)
		}
		for _, r := range g.Reports {
			s := l.T("report.received_on", "On", l.Date(r.ReceivedOn))
			if r.Review != "" {
				review := "report.review." + r.Review // report.review.approved, .revise
				s += " · " + l.T(review)
			}
			if r.Note != "" {
				s += " · " + r.Note
			}
			v.Reports = append(v.Reports, s)
		}
		d.Grant = v
	}
	return d
}

// waitingText is what the file waits on, in the reader's words
// ("waiting.<code>"; every code is in every catalog, see the test).
func waitingText(l *locale.Loc, f operations.ApplicationFile) string {
	due := ""
	if f.Grant != nil {
		due = dateOf(l, f.Grant.ReportDue)
	}
	return l.T("waiting."+string(f.WaitingOn), "Due", due)
}
