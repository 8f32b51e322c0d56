// Package callspec is a call for projects as the officer writes it (YAML)
// and as the workflow carries it (Call: no personal data, only rules).
package callspec

import (
	"fmt"
	"slices"
	"time"

	"github.com/callcycle/callcycle/internal/money"
)

// Kinds of call, as in the report.
const (
	KindSud       = "sud"        // projects in partner regions
	KindCMS       = "cms"        // global citizenship in Brussels ("Nord")
	KindHorsAppel = "hors-appel" // grants outside a call
)

// Tranche triggers.
const (
	OnSignature   = "signature"
	OnFinalReport = "final-report"
)

// Languages applicants are written to in.
var Languages = []string{"fr", "nl", "en"}

// Call is everything a workflow needs to enforce the call's rules. It holds
// no e-mail address: contacts live in PostgreSQL (see Contacts).
type Call struct {
	ID       string             `json:"id"`
	Kind     string             `json:"kind"`
	Year     int                `json:"year"`
	Title    string             `json:"title"`
	Theme    string             `json:"theme"`
	Envelope money.Cents        `json:"envelope"`
	Reserved []ReservedEnvelope `json:"reserved,omitempty"`
	MinGrant money.Cents        `json:"minGrant"`
	MaxGrant money.Cents        `json:"maxGrant"`
	Regions  []string           `json:"regions"`
	Criteria []Criterion        `json:"criteria"`
	Deadline time.Time          `json:"deadline"`
	Tranches []Tranche          `json:"tranches"`
	Report   ReportRules        `json:"report"`
	// Screening are the automatic eligibility checks run when the window
	// closes, before the officer's verdicts.
	Screening ScreeningRules `json:"screening"`
	// Reviewers are the committee members' short codes (no names or
	// addresses): one sheet each in the scoring workbook.
	Reviewers []string `json:"reviewers"`
	// Committee is when the reviewers return their sheets, and when
	// those who have not are reminded (zero: no committee deadline).
	Committee CommitteeRules `json:"committee,omitzero"`
	// BudgetCloses is the month and day the budget year closes ("12-31"):
	// a call still waiting for the government then lapses.
	BudgetCloses string         `json:"budgetCloses"`
	Agreement    AgreementRules `json:"agreement"`
	// TimeScale compresses every duration of grant execution (agreement
	// chasing, project length, report delays) by this factor, for demos,
	// tests and the 2024 replay: 86400 makes a day last a second. 1 or 0
	// is real time.
	TimeScale int `json:"timeScale,omitempty"`
}

// Days is n days of the call's (possibly compressed) time.
func (c Call) Days(n int) time.Duration {
	d := time.Duration(n) * 24 * time.Hour
	if c.TimeScale > 1 {
		d /= time.Duration(c.TimeScale)
	}
	return d
}

// BudgetClose is the moment budget year y closes: the end of the
// configured day, Brussels time (default 31 December).
func (c Call) BudgetClose(y int) time.Time {
	m, d := 12, 31
	if c.BudgetCloses != "" {
		if t, err := time.Parse("01-02", c.BudgetCloses); err == nil {
			m, d = int(t.Month()), t.Day()
		}
		// A full date fixes when the call's own year closes (the 2024
		// replay moves it to the coming days); later years follow it.
		if t, err := time.Parse("2006-01-02", c.BudgetCloses); err == nil {
			return time.Date(t.Year()+y-c.Year, t.Month(), t.Day()+1, 0, 0, 0, 0, Brussels)
		}
	}
	return time.Date(y, time.Month(m), d+1, 0, 0, 0, 0, Brussels)
}

// TotalEnvelope is the whole call: the general envelope plus the reserved
// ones.
func (c Call) TotalEnvelope() money.Cents {
	t := c.Envelope
	for _, r := range c.Reserved {
		t += r.Amount
	}
	return t
}

// CheckDates refuses a launch at now that could only end badly: a deadline
// already passed, a budget year already closed (its calls lapse at the
// proposal and every applicant is told "decision postponed"), or a
// deadline after the budget year closes.
func (c Call) CheckDates(now time.Time) []string {
	var bad []string
	day := func(t time.Time) string { return t.In(Brussels).Format("02/01/2006") }
	closes := c.BudgetClose(c.Year)
	lastDay := closes.AddDate(0, 0, -1)
	rule := "budget_closes: " + c.BudgetCloses
	if c.BudgetCloses == "" {
		rule = "budget_closes not set: 31 December"
	}
	if !c.Deadline.After(now) {
		bad = append(bad, fmt.Sprintf("deadline: %s has already passed (now %s)",
			c.Deadline.In(Brussels).Format("2006-01-02 15:04"), now.In(Brussels).Format("2006-01-02 15:04")))
	}
	if !now.Before(closes) {
		bad = append(bad, fmt.Sprintf("year: the %d budget year closed on %s (%s); a call charged to it would lapse at its proposal. "+
			"Launch it for the current budget year, or set budget_closes to the full date its budget really closes (such as \"%d-12-31\")",
			c.Year, day(lastDay), rule, now.In(Brussels).Year()))
	} else if !c.Deadline.Before(closes) {
		bad = append(bad, fmt.Sprintf("deadline: %s is after the %d budget year closes on %s (%s); no decision could be committed in time",
			c.Deadline.In(Brussels).Format("2006-01-02 15:04"), c.Year, day(lastDay), rule))
	} else if d := c.Committee.Deadline; !d.IsZero() && !d.Before(closes) {
		bad = append(bad, fmt.Sprintf("committee.deadline: %s is after the %d budget year closes on %s (%s); the ranking would come too late to commit anything",
			d.In(Brussels).Format("2006-01-02 15:04"), c.Year, day(lastDay), rule))
	}
	return bad
}

// ScreeningRules are the automatic checks a call names.
type ScreeningRules struct {
	RequireIBAN       bool `json:"requireIban"`       // a bank account is needed to pay
	MaxDurationMonths int  `json:"maxDurationMonths"` // 0: no limit
}

// ReservedEnvelope is money kept for one region (2024: the Palestinian
// territory), spent before the general envelope.
type ReservedEnvelope struct {
	Region string      `json:"region"`
	Amount money.Cents `json:"amount"`
}

// Criterion is one scoring column of the committee workbook.
type Criterion struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	Min    int    `json:"min"`
	Max    int    `json:"max"`
}

// Tranche is a share of a grant paid when its trigger happens.
type Tranche struct {
	Percent int    `json:"percent"`
	On      string `json:"on"`
}

// ReportRules say when final reports are due and when to remind.
type ReportRules struct {
	DelayDays         int   `json:"delayDays"`         // after the project end
	ReminderDays      []int `json:"reminderDays"`      // days before the due date
	EscalateEveryDays int   `json:"escalateEveryDays"` // officer alerted this often once overdue (default 7)
}

// CommitteeRules say by when the committee returns its sheets and when
// the reviewers who have not are reminded.
type CommitteeRules struct {
	Deadline     time.Time `json:"deadline,omitzero"`
	ReminderDays []int     `json:"reminderDays,omitempty"` // days before the deadline, any order
}

// CommitteeReminder is one reminder to the reviewers who have not
// returned: when, and how many days before the deadline that is.
type CommitteeReminder struct {
	At         time.Time `json:"at"`
	DaysBefore int       `json:"daysBefore"`
}

// CommitteeReminders are the committee's reminders, earliest first:
// ReminderDays before the deadline (in the call's time, see Days),
// without repeats.
func (c Call) CommitteeReminders() []CommitteeReminder {
	if c.Committee.Deadline.IsZero() {
		return nil
	}
	var out []CommitteeReminder
	for _, d := range c.Committee.ReminderDays {
		t := c.Committee.Deadline.Add(-c.Days(d))
		if !slices.ContainsFunc(out, func(r CommitteeReminder) bool { return r.At.Equal(t) }) {
			out = append(out, CommitteeReminder{At: t, DaysBefore: d})
		}
	}
	slices.SortFunc(out, func(a, b CommitteeReminder) int { return a.At.Compare(b.At) })
	return out
}

// AgreementRules say how a grant agreement is chased.
type AgreementRules struct {
	RemindEveryDays int `json:"remindEveryDays"` // reminder to the applicant (default 14)
	DeadlineDays    int `json:"deadlineDays"`    // the officer is alerted after (default 60)
}

// Contact is someone the office writes to about a call.
type Contact struct {
	Email    string
	Language string
}

// Contacts are the call's addresses, stored in PostgreSQL only.
type Contacts struct {
	Officer    Contact
	Secretary  Contact // committee secretariat
	AnnounceTo []Contact
}

// HasRegion reports whether applications may come from region.
func (c Call) HasRegion(region string) bool {
	for _, r := range c.Regions {
		if r == region {
			return true
		}
	}
	return false
}
