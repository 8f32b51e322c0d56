// Package mailtemplates renders every mail applicants and officers receive,
// in fr, nl or en. Each <kind>.<lang>.tmpl defines "subject" and "body"
// (plain text); the HTML part is the same paragraphs, escaped, in a layout,
// so the two versions cannot drift apart and applicant text cannot inject
// markup.
package mailtemplates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

//go:embed *.tmpl layout.html
var files embed.FS

// Kinds of mail.
const (
	KindLaunch     = "launch"
	KindReceipt    = "receipt"
	KindIneligible = "ineligible"
	KindScoring    = "scoring"
	KindLapsed     = "lapsed"
	KindPostponed  = "postponed"
	KindGranted    = "granted"
	KindRejected   = "rejected"
	KindCancelled  = "cancelled"

	// KindCommitteeReminder: to a reviewer who has not returned its
	// scoring sheet, before the committee deadline.
	KindCommitteeReminder = "committee-reminder"

	// Grant execution.
	KindAgreement         = "agreement"          // to the applicant: the agreement is ready to sign
	KindAgreementReminder = "agreement-reminder" // to the applicant: still not signed
	KindSignatureOverdue  = "signature-overdue"  // to the officer: not signed by the deadline
	KindPayment           = "payment"            // to the applicant: a payment order went to finance
	KindReportReminder    = "report-reminder"    // to the applicant: the final report is due soon
	KindReportOverdue     = "report-overdue"     // to the officer: weekly escalation of a late report
	KindReportRevision    = "report-revision"    // to the applicant: the report needs a revision
	KindClosure           = "closure"            // to the applicant: the grant is closed
)

// Rendered is a mail ready for the outbox.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

var (
	texts  = map[string]*template.Template{}
	layout = htmltemplate.Must(htmltemplate.ParseFS(files, "layout.html"))
)

func init() {
	names, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	for _, e := range names {
		if !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		t := template.Must(template.New(e.Name()).Option("missingkey=error").ParseFS(files, e.Name()))
		texts[strings.TrimSuffix(e.Name(), ".tmpl")] = t
	}
}

// Render fills the template of data's kind in lang with data.
func Render(lang string, data Data) (Rendered, error) {
	kind := data.Kind()
	t, ok := texts[kind+"."+lang]
	if !ok {
		return Rendered{}, fmt.Errorf("no %s mail template in %q", kind, lang)
	}
	var subj, body bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("%s.%s subject: %w", kind, lang, err)
	}
	if err := t.ExecuteTemplate(&body, "body", data); err != nil {
		return Rendered{}, fmt.Errorf("%s.%s body: %w", kind, lang, err)
	}
	// A subject is one header line: whatever the data held, fold it flat.
	subject := strings.Join(strings.Fields(subj.String()), " ")
	text := strings.TrimSpace(body.String()) + "\n"
	var html bytes.Buffer
	err := layout.Execute(&html, struct {
		Lang, Subject string
		Paragraphs    [][]string
	}{lang, subject, paragraphs(text)})
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: subject, Text: text, HTML: html.String()}, nil
}

func paragraphs(text string) [][]string {
	var out [][]string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}
