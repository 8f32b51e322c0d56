package mailtemplates

import "fmt"

// The data of each kind of mail: one struct per kind, holding exactly the
// fields its templates use (templates_test.go checks every template
// against its struct, in every language). Values are already formatted
// (amounts in Belgian text, dates dd/mm/yyyy): a template only places them.
//
// The json tags are the field names, as the templates spell them: the
// grant workflow's mail data (a map keyed by those names before these
// structs) is in workflow histories, and the other kinds follow suit.

// Data is the data of one kind of mail.
type Data interface{ Kind() string }

// Launch announces a call to its list.
type Launch struct {
	CallID    string `json:"CallID"`
	CallTitle string `json:"CallTitle"`
	Theme     string `json:"Theme"`
	Envelope  string `json:"Envelope"`
	MinGrant  string `json:"MinGrant"`
	MaxGrant  string `json:"MaxGrant"`
	Regions   string `json:"Regions"`
	Deadline  string `json:"Deadline"`
}

// Receipt acknowledges an application.
type Receipt struct {
	CallID      string `json:"CallID"`
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Association string `json:"Association"`
	Title       string `json:"Title"`
	Region      string `json:"Region"`
	Amount      string `json:"Amount"`
	SubmittedAt string `json:"SubmittedAt"`
}

// Ineligible tells an applicant the screening refused the application.
type Ineligible struct {
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Title       string `json:"Title"`
	Reason      string `json:"Reason"`
}

// Scoring sends the scoring workbook to the call's secretariat.
type Scoring struct {
	CallID    string `json:"CallID"`
	CallTitle string `json:"CallTitle"`
	Count     int    `json:"Count"`
	Reviewers string `json:"Reviewers"`
}

// CommitteeReminder reminds a reviewer that its sheet is due.
type CommitteeReminder struct {
	CallID       string `json:"CallID"`
	CallTitle    string `json:"CallTitle"`
	ReviewerName string `json:"ReviewerName"`
	Deadline     string `json:"Deadline"`
	DaysLeft     int    `json:"DaysLeft"`
	Left         int    `json:"Left"` // files still to score
}

// Kind of a committee reminder.
func (CommitteeReminder) Kind() string { return KindCommitteeReminder }

// Lapsed tells the officers a call lapsed with its budget year.
type Lapsed struct {
	CallID     string `json:"CallID"`
	CallTitle  string `json:"CallTitle"`
	BudgetYear int    `json:"BudgetYear"`
	NextYear   int    `json:"NextYear"`
	ClosedAt   string `json:"ClosedAt"`
	Why        string `json:"Why"`
}

// Postponed tells an applicant the decision waits for the next budget.
type Postponed struct {
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Title       string `json:"Title"`
	BudgetYear  int    `json:"BudgetYear"`
}

// Granted announces a grant.
type Granted struct {
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Title       string `json:"Title"`
	Decree      string `json:"Decree"`
	Amount      string `json:"Amount"`
	Requested   string `json:"Requested"`
	Reduced     bool   `json:"Reduced"`
}

// Rejected announces an application was not selected.
type Rejected struct {
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Title       string `json:"Title"`
	Decree      string `json:"Decree"`
	Rank        int    `json:"Rank"`
	Ranked      int    `json:"Ranked"`
	Score       string `json:"Score"`
	Reason      string `json:"Reason"`
}

// Cancelled tells an applicant the call was cancelled.
type Cancelled struct {
	CallID      string `json:"CallID"`
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	ContactName string `json:"ContactName"`
	Title       string `json:"Title"`
	Reason      string `json:"Reason"`
}

func (Launch) Kind() string     { return KindLaunch }
func (Receipt) Kind() string    { return KindReceipt }
func (Ineligible) Kind() string { return KindIneligible }
func (Scoring) Kind() string    { return KindScoring }
func (Lapsed) Kind() string     { return KindLapsed }
func (Postponed) Kind() string  { return KindPostponed }
func (Granted) Kind() string    { return KindGranted }
func (Rejected) Kind() string   { return KindRejected }
func (Cancelled) Kind() string  { return KindCancelled }

// Grant is what every mail about a grant says of it. The GrantMail
// activity fills it from PostgreSQL (contact names stay out of workflow
// histories), so it is never part of a mail's JSON.
type Grant struct {
	CallTitle   string `json:"CallTitle"`
	Reference   string `json:"Reference"`
	GrantID     string `json:"GrantID"`
	Title       string `json:"Title"`
	ContactName string `json:"ContactName"`
	Association string `json:"Association"`
}

// SetGrant fills the grant part of a grant mail's data.
func (g *Grant) SetGrant(v Grant) { *g = v }

// GrantData is the data of a mail about a grant: its own fields and, once
// the activity has set it, the grant part.
type GrantData interface {
	Data
	SetGrant(Grant)
}

// The grant mails sent by the grant workflow (AgreementReminder,
// SignatureOverdue, ReportReminder, ReportOverdue) are activity inputs,
// so their JSON is in workflow histories: the keys keep the names and the
// alphabetical order the map they replaced was encoded with, and any
// change to them must still decode the kept histories (activities'
// TestGrantMailDataOfKeptHistories).

// AgreementReminder reminds an applicant to sign the agreement.
type AgreementReminder struct {
	Grant  `json:"-"`
	Count  int    `json:"Count"`
	SignBy string `json:"SignBy"`
}

// SignatureOverdue tells the officers an agreement was not signed in time.
type SignatureOverdue struct {
	Grant  `json:"-"`
	Days   int    `json:"Days"`
	SignBy string `json:"SignBy"`
}

// ReportReminder tells an applicant the final report is due soon.
type ReportReminder struct {
	Grant    `json:"-"`
	DaysLeft int    `json:"DaysLeft"`
	DueDate  string `json:"DueDate"`
}

// ReportOverdue is the officers' weekly alert of a late final report.
type ReportOverdue struct {
	Grant    `json:"-"`
	Count    int    `json:"Count"`
	DaysLate int    `json:"DaysLate"`
	DueDate  string `json:"DueDate"`
}

// Agreement sends the agreement to sign, with the payment schedule.
type Agreement struct {
	Grant        `json:"-"`
	Amount       string    `json:"Amount"`
	SignBy       string    `json:"SignBy"`
	TranchesList []Tranche `json:"TranchesList"`
}

// Tranche is one line of an agreement's payment schedule.
type Tranche struct {
	Percent int    `json:"Percent"`
	On      string `json:"On"` // "signature", "final-report", or an event named as is
	Amount  string `json:"Amount"`
}

// Payment tells an applicant a payment order went to finance.
type Payment struct {
	Grant        `json:"-"`
	Tranche      int    `json:"Tranche"`
	TrancheCount int    `json:"TrancheCount"`
	Percent      int    `json:"Percent"`
	Amount       string `json:"Amount"`
	PaidTotal    string `json:"PaidTotal"`
	Granted      string `json:"Granted"`
}

// ReportRevision asks an applicant to revise the final report.
type ReportRevision struct {
	Grant   `json:"-"`
	Note    string `json:"Note"`
	DueDate string `json:"DueDate"`
}

// Closure announces a grant's closure and its final account.
type Closure struct {
	Grant       `json:"-"`
	Granted     string `json:"Granted"`
	Paid        string `json:"Paid"`
	Spent       string `json:"Spent"`
	Final       string `json:"Final"`
	Recovery    string `json:"Recovery"`
	HasRecovery bool   `json:"HasRecovery"`
}

func (AgreementReminder) Kind() string { return KindAgreementReminder }
func (SignatureOverdue) Kind() string  { return KindSignatureOverdue }
func (ReportReminder) Kind() string    { return KindReportReminder }
func (ReportOverdue) Kind() string     { return KindReportOverdue }
func (Agreement) Kind() string         { return KindAgreement }
func (Payment) Kind() string           { return KindPayment }
func (ReportRevision) Kind() string    { return KindReportRevision }
func (Closure) Kind() string           { return KindClosure }

// NewGrantData returns empty data of a grant mail kind, to decode into.
func NewGrantData(kind string) (GrantData, error) {
	switch kind {
	case KindAgreementReminder:
		return &AgreementReminder{}, nil
	case KindSignatureOverdue:
		return &SignatureOverdue{}, nil
	case KindReportReminder:
		return &ReportReminder{}, nil
	case KindReportOverdue:
		return &ReportOverdue{}, nil
	case KindAgreement:
		return &Agreement{}, nil
	case KindPayment:
		return &Payment{}, nil
	case KindReportRevision:
		return &ReportRevision{}, nil
	case KindClosure:
		return &Closure{}, nil
	}
	return nil, fmt.Errorf("%q is not a kind of grant mail", kind)
}
