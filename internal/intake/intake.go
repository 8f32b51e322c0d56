// Package intake holds the rules an application must pass (BRIEF step 2).
// The same functions run in the officer CLI, before anything is stored,
// and in the call workflow's update validator, so that a rejected
// application never reaches PostgreSQL or the workflow history.
package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

// Application is a complete application as an applicant sends it,
// personal data included. It lives in the CLI and in PostgreSQL only.
type Application struct {
	Association    string      `yaml:"association"`
	Title          string      `yaml:"title"`
	Region         string      `yaml:"region"`
	Amount         money.Cents `yaml:"-"`
	Summary        string      `yaml:"summary"`
	DurationMonths int         `yaml:"duration_months"`
	ContactName    string      `yaml:"contact_name"`
	Email          string      `yaml:"email"`
	Language       string      `yaml:"language"`
	IBAN           string      `yaml:"iban"`
}

// Submission is what the call workflow receives for one application: the
// fields its rules need, and a token naming the inbox row in PostgreSQL
// that holds the rest (contact, e-mail, summary, bank account).
type Submission struct {
	Token       string      `json:"token"`
	Association string      `json:"association"`
	Title       string      `json:"title"`
	Region      string      `json:"region"`
	Amount      money.Cents `json:"amount"`
}

// Submission strips the personal data.
func (a Application) Submission(token string) Submission {
	return Submission{Token: token, Association: a.Association, Title: a.Title, Region: a.Region, Amount: a.Amount}
}

// Limits on free text; longer input is refused, not truncated.
const (
	MaxNameLen    = 200
	MaxTitleLen   = 300
	MaxSummaryLen = 5000
)

// Check applies the rules that need no call and no state: required fields,
// e-mail, language, single-line names, sizes, bank account. All problems
// are returned, one per field.
func (a Application) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	line(bad, "association", a.Association, MaxNameLen)
	line(bad, "title", a.Title, MaxTitleLen)
	line(bad, "region", a.Region, MaxNameLen)
	line(bad, "contact_name", a.ContactName, MaxNameLen)
	if a.Amount <= 0 {
		bad("amount: required, a positive amount such as \"25.000 €\"")
	}
	if strings.TrimSpace(a.Summary) == "" {
		bad("summary: required")
	} else if utf8.RuneCountInString(a.Summary) > MaxSummaryLen || !utf8.ValidString(a.Summary) || strings.ContainsRune(a.Summary, 0) {
		bad("summary: must be valid text of at most %d characters", MaxSummaryLen)
	}
	if a.DurationMonths < 1 || a.DurationMonths > 36 {
		bad("duration_months: want 1-36, got %d", a.DurationMonths)
	}
	if a.Email == "" {
		bad("email: required")
	} else if err := callspec.CheckEmail(a.Email); err != nil {
		bad("email: %v", err)
	}
	if !slices.Contains(callspec.Languages, a.Language) {
		bad("language: want fr, nl or en, got %q", a.Language)
	}
	if a.IBAN != "" {
		if err := CheckIBAN(a.IBAN); err != nil {
			bad("iban: %v", err)
		}
	}
	return errors.Join(errs...)
}

func line(bad func(string, ...any), field, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		bad("%s: required", field)
	case !utf8.ValidString(s):
		bad("%s: not valid UTF-8 text", field)
	case strings.ContainsAny(s, "\r\n\x00"):
		bad("%s: must be a single line (contains a line break)", field)
	case utf8.RuneCountInString(s) > max:
		bad("%s: longer than %d characters", field, max)
	}
}

// Reasons a submission is refused against a call; the validator's error
// starts with the row it concerns so a bulk import can report it.
var (
	ErrClosed    = errors.New("the submission window is closed")
	ErrDuplicate = errors.New("duplicate")
)

// CheckSubmission applies the call's rules to one submission: required
// fields (again: the workflow cannot trust its caller), eligible region,
// amount within the call's bounds, deadline not passed.
func CheckSubmission(call callspec.Call, s Submission, now time.Time) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(s.Token) != 36 {
		bad("token: missing")
	}
	line(bad, "association", s.Association, MaxNameLen)
	line(bad, "title", s.Title, MaxTitleLen)
	if !call.HasRegion(s.Region) {
		bad("region: %q is not eligible for %s (eligible: %s)", s.Region, call.ID, strings.Join(call.Regions, ", "))
	}
	switch {
	case s.Amount < call.MinGrant:
		bad("amount: %s is below the call's minimum %s", s.Amount, call.MinGrant)
	case s.Amount > call.MaxGrant:
		bad("amount: %s is above the call's maximum %s", s.Amount, call.MaxGrant)
	}
	if !now.Before(call.Deadline) {
		bad("%w: the deadline %s has passed", ErrClosed, call.Deadline.In(callspec.Brussels).Format("2006-01-02 15:04 MST"))
	}
	return errors.Join(errs...)
}

// DuplicateKey identifies "the same applicant and title": case, accents
// aside, spacing and punctuation do not make a new application. It is a
// hash so the workflow state carries no text.
func DuplicateKey(association, title string) string {
	h := sha256.Sum256([]byte(normalize(association) + "\x00" + normalize(title)))
	return hex.EncodeToString(h[:12])
}

func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent (decomposed text, as macOS writes it):
			// dropped like the accents fold removes, not a word break.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(fold(r))
		default:
			space = true
		}
	}
	return b.String()
}

// fold drops the accents French and Dutch names carry, so "Société" and
// "Societe" are the same applicant.
func fold(r rune) rune {
	const from, to = "àáâäãåçèéêëìíîïñòóôöõùúûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy"
	if i := strings.IndexRune(from, r); i >= 0 {
		return []rune(to)[utf8.RuneCountInString(from[:i])]
	}
	return r
}

// NameKey identifies an organisation across calls: the same normalisation
// as DuplicateKey, so "ULB-Coopération" and "ULB Coopération" are one.
func NameKey(association string) string { return normalize(association) }
