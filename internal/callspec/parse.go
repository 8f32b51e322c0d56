package callspec

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/money"
	"go.yaml.in/yaml/v3"
)

// File is the YAML an officer writes; see examples/call-ap-sud-2024.yaml.
type File struct {
	ID    string `yaml:"id"`
	Kind  string `yaml:"kind"`
	Year  int    `yaml:"year"`
	Title string `yaml:"title"`
	Theme string `yaml:"theme"`
	// GeneralEnvelope is the money any eligible region may get, on top of
	// the reserved envelopes. Envelope is its former name, still read so
	// that existing files keep their meaning. TotalEnvelope is the whole
	// call (general + reserved), for an officer who thinks in totals; the
	// general envelope is then what the reserves leave.
	GeneralEnvelope amountField `yaml:"general_envelope"`
	Envelope        amountField `yaml:"envelope"`
	TotalEnvelope   amountField `yaml:"total_envelope"`
	Reserved        []struct {
		Region   string      `yaml:"region"`
		Envelope amountField `yaml:"envelope"`
	} `yaml:"reserved"`
	MinGrant amountField `yaml:"min_grant"`
	MaxGrant amountField `yaml:"max_grant"`
	Regions  []string    `yaml:"regions"`
	Criteria []struct {
		Key    string `yaml:"key"`
		Name   string `yaml:"name"`
		Weight int    `yaml:"weight"`
		Min    *int   `yaml:"min"`
		Max    *int   `yaml:"max"`
	} `yaml:"criteria"`
	Deadline string `yaml:"deadline"`
	Tranches []struct {
		Percent int    `yaml:"percent"`
		On      string `yaml:"on"`
	} `yaml:"tranches"`
	Report struct {
		DelayDays         int   `yaml:"delay_days"`
		ReminderDays      []int `yaml:"reminder_days"`
		EscalateEveryDays *int  `yaml:"escalate_every_days"`
	} `yaml:"report"`
	Agreement struct {
		RemindEveryDays *int `yaml:"remind_every_days"`
		DeadlineDays    *int `yaml:"deadline_days"`
	} `yaml:"agreement"`
	TimeScale int `yaml:"time_scale"`
	Screening struct {
		RequireIBAN       bool `yaml:"require_iban"`
		MaxDurationMonths int  `yaml:"max_duration_months"`
	} `yaml:"screening"`
	Committee struct {
		Reviewers []string `yaml:"reviewers"`
		// Deadline is the day the reviewers return their sheets by
		// ("2030-05-15": the end of that day, Brussels time); optional.
		Deadline string `yaml:"deadline"`
		// ReminderDays: reviewers who have not returned are mailed this
		// many days before the deadline (as report.reminder_days).
		ReminderDays []int `yaml:"reminder_days"`
	} `yaml:"committee"`
	BudgetCloses string        `yaml:"budget_closes"`
	Officer      *ContactYAML  `yaml:"officer"`
	Secretary    *ContactYAML  `yaml:"committee_secretariat"`
	AnnounceTo   []ContactYAML `yaml:"announce_to"`
}

// ContactYAML is an address with the language to write in.
type ContactYAML struct {
	Email    string `yaml:"email"`
	Language string `yaml:"language"`
}

// Amount reads money written as a YAML integer (whole euros) or a string in
// Belgian style. A YAML float is refused: 125.000 would read as 125.
type Amount struct {
	Cents money.Cents
	Set   bool
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want an amount such as \"125.000 €\"", n.Line)
	}
	switch n.Tag {
	case "!!int":
		c, err := money.Parse(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		a.Cents, a.Set = c, true
		return nil
	case "!!str":
		c, err := money.Parse(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		a.Cents, a.Set = c, true
		return nil
	default:
		return fmt.Errorf("line %d: amount %s is ambiguous; quote it in Belgian style (\"125.000 €\") or write whole euros (125000)", n.Line, n.Value)
	}
}

// amountField is an Amount in the call file. Its format error is kept for
// Validate instead of stopping the decoder, so that the error names the
// field (envelope: line 6: amount 125.000 is ambiguous ...) and the other
// problems of the file are still reported.
type amountField struct {
	Amount
	Err error
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *amountField) UnmarshalYAML(n *yaml.Node) error {
	if err := a.Amount.UnmarshalYAML(n); err != nil {
		a.Amount, a.Err = Amount{}, err
	}
	return nil
}

// MaxConfigBytes bounds a call file; real ones are a few kilobytes.
const MaxConfigBytes = 1 << 20

var idPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{2,39}$`)

// Parse reads and validates a call file. The error lists every problem,
// one per line, so the officer can fix them all at once.
func Parse(data []byte) (Call, Contacts, error) {
	if len(data) > MaxConfigBytes {
		return Call{}, Contacts{}, fmt.Errorf("call config is %d bytes; the limit is %d", len(data), MaxConfigBytes)
	}
	if !utf8.Valid(data) {
		return Call{}, Contacts{}, errors.New("call config is not valid UTF-8")
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return Call{}, Contacts{}, fmt.Errorf("call config is not valid YAML: %w", err)
	}
	return f.Validate()
}

// Validate checks every field of BRIEF step 1 and converts.
func (f File) Validate() (Call, Contacts, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := Call{ID: strings.TrimSpace(f.ID), Kind: f.Kind, Year: f.Year, Title: strings.TrimSpace(f.Title),
		Theme: strings.TrimSpace(f.Theme), MinGrant: f.MinGrant.Cents, MaxGrant: f.MaxGrant.Cents}
	if !idPattern.MatchString(c.ID) {
		bad("id: want upper-case letters, digits and dashes such as AP-SUD-2024, got %q", f.ID)
	}
	if !slices.Contains([]string{KindSud, KindCMS, KindHorsAppel}, c.Kind) {
		bad("kind: want sud, cms or hors-appel, got %q", f.Kind)
	}
	if c.Year < 2000 || c.Year > 2100 {
		bad("year: want a year such as 2024, got %d", f.Year)
	}
	checkText(bad, "title", c.Title, true)
	checkText(bad, "theme", c.Theme, true)
	general, envelopeOK := f.general(bad)
	c.Envelope = general
	if f.MinGrant.Err != nil {
		bad("min_grant: %v", f.MinGrant.Err)
	} else if !f.MinGrant.Set || c.MinGrant <= 0 {
		bad("min_grant: want a positive amount")
	}
	if f.MaxGrant.Err != nil {
		bad("max_grant: %v", f.MaxGrant.Err)
	} else if !f.MaxGrant.Set || c.MaxGrant <= 0 {
		bad("max_grant: want a positive amount")
	} else if c.MaxGrant < c.MinGrant {
		bad("max_grant: %s is below min_grant %s", c.MaxGrant, c.MinGrant)
	} else if envelopeOK && c.MaxGrant > c.Envelope+sumReserved(f) {
		bad("max_grant: %s is above the whole envelope (%s)", c.MaxGrant, c.Envelope+sumReserved(f))
	}
	if len(f.Regions) == 0 {
		bad("regions: list at least one eligible region")
	}
	for i, r := range f.Regions {
		r = strings.TrimSpace(r)
		checkText(bad, fmt.Sprintf("regions[%d]", i), r, true)
		if slices.Contains(c.Regions, r) {
			bad("regions[%d]: %q is listed twice", i, r)
		}
		c.Regions = append(c.Regions, r)
	}
	for i, r := range f.Reserved {
		if !c.HasRegion(r.Region) {
			bad("reserved[%d].region: %q is not one of the call's regions", i, r.Region)
		}
		if r.Envelope.Err != nil {
			bad("reserved[%d].envelope: %v", i, r.Envelope.Err)
		} else if !r.Envelope.Set || r.Envelope.Cents <= 0 {
			bad("reserved[%d].envelope: want a positive amount", i)
		}
		for _, prev := range c.Reserved {
			if prev.Region == r.Region {
				bad("reserved[%d].region: %q has two reserved envelopes", i, r.Region)
			}
		}
		c.Reserved = append(c.Reserved, ReservedEnvelope{Region: r.Region, Amount: r.Envelope.Cents})
	}
	if len(f.Criteria) == 0 {
		bad("criteria: list at least one scoring criterion")
	}
	keyPattern := regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	for i, cr := range f.Criteria {
		if !keyPattern.MatchString(cr.Key) {
			bad("criteria[%d].key: want a short lower-case key such as pertinence, got %q", i, cr.Key)
		}
		checkText(bad, fmt.Sprintf("criteria[%d].name", i), cr.Name, true)
		if cr.Weight <= 0 || cr.Weight > 100 {
			bad("criteria[%d].weight: want 1-100, got %d", i, cr.Weight)
		}
		if cr.Min == nil || cr.Max == nil {
			bad("criteria[%d]: min and max are required", i)
			continue
		}
		if *cr.Min < 0 || *cr.Max <= *cr.Min || *cr.Max > 1000 {
			bad("criteria[%d]: want 0 <= min < max <= 1000, got %d..%d", i, *cr.Min, *cr.Max)
		}
		for _, prev := range c.Criteria {
			if prev.Key == cr.Key {
				bad("criteria[%d].key: %q is used twice", i, cr.Key)
			}
		}
		c.Criteria = append(c.Criteria, Criterion{Key: cr.Key, Name: strings.TrimSpace(cr.Name), Weight: cr.Weight, Min: *cr.Min, Max: *cr.Max})
	}
	if d, err := ParseTime(f.Deadline); err != nil {
		bad("deadline: %v", err)
	} else {
		c.Deadline = d
	}
	total := 0
	for i, t := range f.Tranches {
		if t.Percent <= 0 || t.Percent > 100 {
			bad("tranches[%d].percent: want 1-100, got %d", i, t.Percent)
		}
		if t.On != OnSignature && t.On != OnFinalReport {
			bad("tranches[%d].on: want signature or final-report, got %q", i, t.On)
		}
		total += t.Percent
		c.Tranches = append(c.Tranches, Tranche{Percent: t.Percent, On: t.On})
	}
	if len(f.Tranches) == 0 {
		bad("tranches: list the payment schedule, e.g. 80 %% on signature and 20 %% on final-report")
	} else if total != 100 {
		bad("tranches: percentages add up to %d, want 100", total)
	}
	if f.Report.DelayDays <= 0 || f.Report.DelayDays > 730 {
		bad("report.delay_days: want 1-730 days after the project end, got %d", f.Report.DelayDays)
	}
	for i, d := range f.Report.ReminderDays {
		if d <= 0 || d > 365 {
			bad("report.reminder_days[%d]: want 1-365 days before the due date, got %d", i, d)
		}
	}
	c.Report = ReportRules{DelayDays: f.Report.DelayDays, ReminderDays: f.Report.ReminderDays,
		EscalateEveryDays: orDefault(bad, "report.escalate_every_days", f.Report.EscalateEveryDays, 7, 90)}
	c.Agreement = AgreementRules{
		RemindEveryDays: orDefault(bad, "agreement.remind_every_days", f.Agreement.RemindEveryDays, 14, 90),
		DeadlineDays:    orDefault(bad, "agreement.deadline_days", f.Agreement.DeadlineDays, 60, 365)}
	if f.TimeScale < 0 || f.TimeScale > 86400*7 {
		bad("time_scale: want 1 (real time) up to 604800, got %d", f.TimeScale)
	}
	c.TimeScale = f.TimeScale

	if d := f.Screening.MaxDurationMonths; d < 0 || d > 60 {
		bad("screening.max_duration_months: want 0 (no limit) to 60, got %d", d)
	}
	c.Screening = ScreeningRules{RequireIBAN: f.Screening.RequireIBAN, MaxDurationMonths: f.Screening.MaxDurationMonths}
	reviewerPattern := regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)
	if len(f.Committee.Reviewers) == 0 || len(f.Committee.Reviewers) > 20 {
		bad("committee.reviewers: list 1 to 20 reviewer codes such as AB, got %d", len(f.Committee.Reviewers))
	}
	for i, r := range f.Committee.Reviewers {
		if !reviewerPattern.MatchString(r) {
			bad("committee.reviewers[%d]: want a short upper-case code such as AB (it names a sheet), got %q", i, r)
		} else if slices.Contains(c.Reviewers, r) {
			bad("committee.reviewers[%d]: %q is listed twice", i, r)
		}
		c.Reviewers = append(c.Reviewers, r)
	}

	if f.BudgetCloses != "" {
		_, err1 := time.Parse("01-02", f.BudgetCloses)
		_, err2 := time.Parse("2006-01-02", f.BudgetCloses)
		if err1 != nil && err2 != nil {
			bad("budget_closes: want the month and day the budget year closes, such as \"12-31\" (or a full date), got %q", f.BudgetCloses)
		}
	}
	c.BudgetCloses = f.BudgetCloses
	c.Committee = f.committee(bad, c)

	var ct Contacts
	ct.Officer = checkContact(bad, "officer", f.Officer)
	ct.Secretary = checkContact(bad, "committee_secretariat", f.Secretary)
	if len(f.AnnounceTo) == 0 {
		bad("announce_to: list the addresses the launch announcement goes to")
	}
	for i := range f.AnnounceTo {
		ct.AnnounceTo = append(ct.AnnounceTo, checkContact(bad, fmt.Sprintf("announce_to[%d]", i), &f.AnnounceTo[i]))
	}
	if err := errors.Join(errs...); err != nil {
		return Call{}, Contacts{}, err
	}
	return c, ct, nil
}

// committee reads the committee's deadline and reminders. The deadline
// comes after the submission deadline (CheckDates: before the budget
// year closes); reminders need a deadline.
func (f File) committee(bad func(string, ...any), c Call) CommitteeRules {
	var r CommitteeRules
	for i, d := range f.Committee.ReminderDays {
		if d <= 0 || d > 90 {
			bad("committee.reminder_days[%d]: want 1-90 days before the committee deadline, got %d", i, d)
		}
	}
	if strings.TrimSpace(f.Committee.Deadline) == "" {
		if len(f.Committee.ReminderDays) > 0 {
			bad("committee.reminder_days: reminders are sent before committee.deadline; give the deadline (such as \"2030-05-15\")")
		}
		return r
	}
	d, err := ParseTime(f.Committee.Deadline)
	if err != nil {
		bad("committee.deadline: %v", err)
		return r
	}
	if !c.Deadline.IsZero() && !d.After(c.Deadline) {
		bad("committee.deadline: %s is not after the submission deadline %s; the committee scores the applications received by then",
			d.In(Brussels).Format("2006-01-02 15:04"), c.Deadline.In(Brussels).Format("2006-01-02 15:04"))
	}
	r.Deadline, r.ReminderDays = d, append([]int(nil), f.Committee.ReminderDays...)
	return r
}

// orDefault reads an optional positive number of days.
func orDefault(bad func(string, ...any), field string, v *int, def, max int) int {
	if v == nil {
		return def
	}
	if *v < 1 || *v > max {
		bad("%s: want 1-%d days, got %d", field, max, *v)
	}
	return *v
}

// general reads the general envelope from whichever of its names the file
// uses (see File), and says whether it is usable.
func (f File) general(bad func(string, ...any)) (money.Cents, bool) {
	for _, a := range []struct {
		name string
		f    amountField
	}{{"general_envelope", f.GeneralEnvelope}, {"envelope", f.Envelope}, {"total_envelope", f.TotalEnvelope}} {
		if a.f.Err != nil {
			bad("%s: %v", a.name, a.f.Err)
			return 0, false
		}
		if a.f.Set && a.f.Cents <= 0 {
			bad("%s: want a positive amount such as \"625.346 €\"", a.name)
			return 0, false
		}
	}
	switch {
	case f.GeneralEnvelope.Set && f.Envelope.Set:
		bad("envelope: is the former name of general_envelope; give one of them, not both")
		return 0, false
	case !f.GeneralEnvelope.Set && !f.Envelope.Set && !f.TotalEnvelope.Set:
		bad("general_envelope: want a positive amount such as \"200.400 €\" (what any eligible region may get, on top of the reserved envelopes), or total_envelope for the whole call")
		return 0, false
	}
	general := f.GeneralEnvelope.Cents + f.Envelope.Cents // one of them at most
	reserved := sumReserved(f)
	if !f.TotalEnvelope.Set {
		return general, true
	}
	if f.GeneralEnvelope.Set || f.Envelope.Set {
		if general+reserved != f.TotalEnvelope.Cents {
			bad("total_envelope: %s is not the general envelope %s plus the reserved envelopes %s (%s); give one of them, or make them agree",
				f.TotalEnvelope.Cents, general, reserved, general+reserved)
			return 0, false
		}
		return general, true
	}
	if f.TotalEnvelope.Cents <= reserved {
		bad("total_envelope: %s leaves no general envelope once the reserved envelopes (%s) are taken out", f.TotalEnvelope.Cents, reserved)
		return 0, false
	}
	return f.TotalEnvelope.Cents - reserved, true
}

func sumReserved(f File) money.Cents {
	var s money.Cents
	for _, r := range f.Reserved {
		s += r.Envelope.Cents
	}
	return s
}

func checkContact(bad func(string, ...any), field string, c *ContactYAML) Contact {
	if c == nil {
		bad("%s: required (email and language)", field)
		return Contact{}
	}
	if err := CheckEmail(c.Email); err != nil {
		bad("%s.email: %v", field, err)
	}
	if !slices.Contains(Languages, c.Language) {
		bad("%s.language: want fr, nl or en, got %q", field, c.Language)
	}
	return Contact{Email: strings.TrimSpace(c.Email), Language: c.Language}
}

// CheckEmail accepts a bare address (no display name, no CR/LF).
func CheckEmail(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return errors.New("contains a line break")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != strings.TrimSpace(s) || a.Name != "" {
		return fmt.Errorf("%q is not an e-mail address", s)
	}
	if len(s) > 254 {
		return errors.New("longer than 254 characters")
	}
	return nil
}

// MaxTextLen bounds one-line texts (names, titles).
const MaxTextLen = 300

func checkText(bad func(string, ...any), field, s string, required bool) {
	switch {
	case s == "" && required:
		bad("%s: required", field)
	case strings.ContainsAny(s, "\r\n\x00"):
		bad("%s: must be a single line (contains a line break or NUL)", field)
	case utf8.RuneCountInString(s) > MaxTextLen:
		bad("%s: longer than %d characters", field, MaxTextLen)
	}
}

// Brussels is the office's time zone; dates without a zone are read in it.
var Brussels = mustZone("Europe/Brussels")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("time zone %s: %v (import time/tzdata)", name, err))
	}
	return l
}

// ParseTime reads RFC 3339 or "2006-01-02 15:04" / "2006-01-02" in Brussels
// time (a bare date means the end of that day).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("required, e.g. 2024-03-31 23:59 (Brussels time) or 2024-03-31T23:59:00+02:00")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, Brussels); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, Brussels); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date; want 2024-03-31 23:59 (Brussels time) or RFC 3339", s)
}
