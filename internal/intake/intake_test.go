package intake

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

func validApp() Application {
	return Application{
		Association:    "Solsoc",
		Title:          "Économie sociale et solidaire à Kinshasa",
		Region:         "Ville-Province de Kinshasa",
		Amount:         money.Euros(25000),
		Summary:        "Un projet de coopératives.\nSur deux lignes.",
		DurationMonths: 24,
		ContactName:    "Sophie Lambert",
		Email:          "projets@solsoc.example",
		Language:       "fr",
		IBAN:           "BE68 5390 0754 7034",
	}
}

// wantLines checks that err has one line per problem, that every line
// starts with one of prefixes and that each prefix is used.
func wantLines(t *testing.T, err error, prefixes ...string) {
	t.Helper()
	if len(prefixes) == 0 {
		if err != nil {
			t.Errorf("unexpected error:\n%v", err)
		}
		return
	}
	if err == nil {
		t.Errorf("no error; want %q", prefixes)
		return
	}
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(l, p) }) {
			t.Errorf("unexpected problem %q; want only %q", l, prefixes)
		}
	}
	for _, p := range prefixes {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, p) }) {
			t.Errorf("no line starts with %q in:\n%v", p, err)
		}
	}
}

func TestApplicationCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*Application)
		want   []string // line prefixes; none: valid
	}{
		{"valid", func(a *Application) {}, nil},
		{"valid without IBAN", func(a *Application) { a.IBAN = "" }, nil},
		{"valid IBAN without spaces, lower case", func(a *Application) { a.IBAN = "be68539007547034" }, nil},
		{"duration 1", func(a *Application) { a.DurationMonths = 1 }, nil},
		{"duration 36", func(a *Application) { a.DurationMonths = 36 }, nil},
		{"title of 300 characters", func(a *Application) { a.Title = strings.Repeat("é", MaxTitleLen) }, nil},
		{"association of 200 characters", func(a *Application) { a.Association = strings.Repeat("ß", MaxNameLen) }, nil},
		{"summary of 5000 characters", func(a *Application) { a.Summary = strings.Repeat("ü", MaxSummaryLen) }, nil},
		{"languages nl and en", func(a *Application) { a.Language = "nl" }, nil},
		{"amount of one cent", func(a *Application) { a.Amount = 1 }, nil},

		{"association missing", func(a *Application) { a.Association = "" }, []string{"association: required"}},
		{"association blank", func(a *Application) { a.Association = " \t " }, []string{"association: required"}},
		{"title missing", func(a *Application) { a.Title = "" }, []string{"title: required"}},
		{"region missing", func(a *Application) { a.Region = "" }, []string{"region: required"}},
		{"contact_name missing", func(a *Application) { a.ContactName = "" }, []string{"contact_name: required"}},
		{"summary missing", func(a *Application) { a.Summary = "" }, []string{"summary: required"}},
		{"summary blank", func(a *Application) { a.Summary = "\n \n" }, []string{"summary: required"}},
		{"email missing", func(a *Application) { a.Email = "" }, []string{"email: required"}},
		{"language missing", func(a *Application) { a.Language = "" }, []string{"language: "}},
		{"amount 0", func(a *Application) { a.Amount = 0 }, []string{"amount: "}},
		{"amount negative", func(a *Application) { a.Amount = -money.Euros(5) }, []string{"amount: "}},
		{"duration 0", func(a *Application) { a.DurationMonths = 0 }, []string{"duration_months: "}},
		{"duration 37", func(a *Application) { a.DurationMonths = 37 }, []string{"duration_months: "}},
		{"duration negative", func(a *Application) { a.DurationMonths = -1 }, []string{"duration_months: "}},
		{"email malformed", func(a *Application) { a.Email = "projets(at)solsoc.example" }, []string{"email: "}},
		{"email without domain", func(a *Application) { a.Email = "projets@" }, []string{"email: "}},
		{"email with display name", func(a *Application) { a.Email = "Sophie Lambert <projets@solsoc.example>" }, []string{"email: "}},
		{"email in angle brackets", func(a *Application) { a.Email = "<projets@solsoc.example>" }, []string{"email: "}},
		{"two emails", func(a *Application) { a.Email = "a@solsoc.example, b@solsoc.example" }, []string{"email: "}},
		{"email with CR/LF", func(a *Application) { a.Email = "projets@solsoc.example\r\nBcc: victim@evil.example" }, []string{"email: contains a line break"}},
		{"association with CR/LF", func(a *Application) { a.Association = "Solsoc\r\nBcc: victim@evil.example" }, []string{"association: must be a single line"}},
		{"association with LF", func(a *Application) { a.Association = "Solsoc\nBcc: victim@evil.example" }, []string{"association: must be a single line"}},
		{"title with CR/LF", func(a *Application) { a.Title = "Projet\r\nSubject: gagné" }, []string{"title: must be a single line"}},
		{"title with CR", func(a *Application) { a.Title = "Projet\rX" }, []string{"title: must be a single line"}},
		{"contact_name with LF", func(a *Application) { a.ContactName = "Sophie\nBcc: x@y.z" }, []string{"contact_name: must be a single line"}},
		{"region with LF", func(a *Application) { a.Region = "Ville-Province\nde Kinshasa" }, []string{"region: must be a single line"}},
		{"association with NUL", func(a *Application) { a.Association = "Sol\x00soc" }, []string{"association: "}},
		{"title with NUL", func(a *Application) { a.Title = "Projet\x00" }, []string{"title: "}},
		{"summary with NUL", func(a *Application) { a.Summary = "Résumé\x00" }, []string{"summary: "}},
		{"title of 301 characters", func(a *Application) { a.Title = strings.Repeat("é", MaxTitleLen+1) }, []string{"title: longer than 300"}},
		{"association of 201 characters", func(a *Application) { a.Association = strings.Repeat("a", MaxNameLen+1) }, []string{"association: longer than 200"}},
		{"contact_name of 201 characters", func(a *Application) { a.ContactName = strings.Repeat("a", MaxNameLen+1) }, []string{"contact_name: longer than 200"}},
		{"summary of 5001 characters", func(a *Application) { a.Summary = strings.Repeat("ü", MaxSummaryLen+1) }, []string{"summary: "}},
		{"title not UTF-8", func(a *Application) { a.Title = "Appel \xe0 projets" }, []string{"title: not valid UTF-8"}},
		{"association not UTF-8", func(a *Application) { a.Association = "Soci\xe9t\xe9" }, []string{"association: not valid UTF-8"}},
		{"summary not UTF-8", func(a *Application) { a.Summary = "R\xe9sum\xe9" }, []string{"summary: "}},
		{"language de", func(a *Application) { a.Language = "de" }, []string{"language: "}},
		{"language upper case", func(a *Application) { a.Language = "FR" }, []string{"language: "}},
		{"IBAN bad check digits", func(a *Application) { a.IBAN = "BE68 5390 0754 7035" }, []string{"iban: check digits"}},
		{"IBAN swapped check digits", func(a *Application) { a.IBAN = "BE86 5390 0754 7034" }, []string{"iban: "}},
		{"IBAN too short", func(a *Application) { a.IBAN = "BE68 5390" }, []string{"iban: "}},
		{"IBAN with dashes", func(a *Application) { a.IBAN = "BE68-5390-0754-7034" }, []string{"iban: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validApp()
			tt.modify(&a)
			wantLines(t, a.Check(), tt.want...)
		})
	}
}

// TestApplicationCheckAll: an empty application names every required field.
func TestApplicationCheckAll(t *testing.T) {
	t.Parallel()
	err := Application{IBAN: "BE00"}.Check()
	want := []string{"association: ", "title: ", "region: ", "contact_name: ", "amount: ",
		"summary: ", "duration_months: ", "email: ", "language: ", "iban: "}
	wantLines(t, err, want...)
	if err != nil {
		if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
			t.Errorf("%d problems, want %d:\n%v", n, len(want), err)
		}
	}
}

func TestCheckIBAN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // error fragment; empty: valid
	}{
		{"BE68539007547034", ""},
		{"BE68 5390 0754 7034", ""},
		{"be68 5390 0754 7034", ""},
		{"  BE68 5390 0754 7034  ", ""},
		{"FR14 2004 1010 0505 0001 3M02 606", ""},
		{"DE89 3704 0044 0532 0130 00", ""},
		{"NL91 ABNA 0417 1643 00", ""},
		{"GB82 WEST 1234 5698 7654 32", ""},
		{"NO93 8601 1117 947", ""}, // 15 characters, the shortest
		{"", "15 to 34"},
		{"BE68 5390 07", "15 to 34"},
		{"BE68 5390 0754 703", "check digits"}, // 15 characters: length is not checked per country
		{"BE68 5390 0754 7034 " + strings.Repeat("0", 20), "15 to 34"},
		{"BE68 5390 0754 7035", "check digits"},
		{"BE86 5390 0754 7034", "check digits"},
		{"BE68 5390 0745 7034", "check digits"},
		{"1E68 5390 0754 7034", "not an IBAN"},
		{"BEX8 5390 0754 7034", "not an IBAN"},
		{"BE68-5390-0754-7034", "not an IBAN"},
		{"BE68\t5390\t0754\t7034", "not an IBAN"},
		{"BÉ68 5390 0754 7034", "not an IBAN"},
	}
	for _, tt := range tests {
		err := CheckIBAN(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckIBAN(%q) = %v, want valid", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckIBAN(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
	if got := NormalizeIBAN("be68 5390 0754 7034"); got != "BE68539007547034" {
		t.Errorf("NormalizeIBAN = %q", got)
	}
}

func testCall() callspec.Call {
	return callspec.Call{
		ID:       "AP-SUD-2024",
		Kind:     callspec.KindSud,
		MinGrant: money.Euros(10000),
		MaxGrant: money.Euros(125000),
		Regions:  []string{"Territoire palestinien occupé", "Région de Rabat-Salé-Kénitra", "Ville-Province de Kinshasa"},
		Deadline: time.Date(2030, 3, 31, 23, 59, 0, 0, callspec.Brussels),
	}
}

const testToken = "0b3c6a1e-6f0d-4a57-9a8e-2f1c3d4e5f60"

func TestCheckSubmission(t *testing.T) {
	t.Parallel()
	call := testCall()
	before := call.Deadline.Add(-time.Hour)
	tests := []struct {
		name   string
		modify func(*Submission)
		now    time.Time
		want   []string // line prefixes; none: accepted
		also   []string // fragments the error must contain
	}{
		{name: "valid", now: before},
		{name: "exactly the minimum", modify: func(s *Submission) { s.Amount = money.Euros(10000) }, now: before},
		{name: "exactly the maximum", modify: func(s *Submission) { s.Amount = money.Euros(125000) }, now: before},
		{name: "one nanosecond before the deadline", now: call.Deadline.Add(-time.Nanosecond)},
		{name: "region not eligible", modify: func(s *Submission) { s.Region = "Dakar" }, now: before,
			want: []string{"region: "},
			also: []string{`"Dakar"`, "AP-SUD-2024", "Territoire palestinien occupé, Région de Rabat-Salé-Kénitra, Ville-Province de Kinshasa"}},
		{name: "region differs in case", modify: func(s *Submission) { s.Region = "ville-province de kinshasa" }, now: before,
			want: []string{"region: "}},
		{name: "region missing", modify: func(s *Submission) { s.Region = "" }, now: before, want: []string{"region: "}},
		{name: "amount below the minimum", modify: func(s *Submission) { s.Amount = money.Euros(9999) }, now: before,
			want: []string{"amount: 9.999 € is below the call's minimum 10.000 €"}},
		{name: "amount one cent below the minimum", modify: func(s *Submission) { s.Amount = money.Euros(10000) - 1 }, now: before,
			want: []string{"amount: 9.999,99 € is below the call's minimum 10.000 €"}},
		{name: "amount above the maximum", modify: func(s *Submission) { s.Amount = money.Euros(125001) }, now: before,
			want: []string{"amount: 125.001 € is above the call's maximum 125.000 €"}},
		{name: "amount one cent above the maximum", modify: func(s *Submission) { s.Amount = money.Euros(125000) + 1 }, now: before,
			want: []string{"amount: 125.000,01 € is above the call's maximum 125.000 €"}},
		{name: "amount 0", modify: func(s *Submission) { s.Amount = 0 }, now: before, want: []string{"amount: "}},
		{name: "deadline reached", now: call.Deadline,
			want: []string{ErrClosed.Error()}, also: []string{"2030-03-31 23:59 CEST"}},
		{name: "deadline passed", now: call.Deadline.Add(time.Second), want: []string{ErrClosed.Error()}},
		{name: "deadline reached, other zone", now: call.Deadline.UTC(), want: []string{ErrClosed.Error()}},
		{name: "missing token", modify: func(s *Submission) { s.Token = "" }, now: before, want: []string{"token: missing"}},
		{name: "short token", modify: func(s *Submission) { s.Token = "abc" }, now: before, want: []string{"token: missing"}},
		{name: "association missing", modify: func(s *Submission) { s.Association = "" }, now: before, want: []string{"association: required"}},
		{name: "title with CR/LF", modify: func(s *Submission) { s.Title = "a\r\nBcc: x@y.z" }, now: before, want: []string{"title: must be a single line"}},
		{name: "title of 301 characters", modify: func(s *Submission) { s.Title = strings.Repeat("é", 301) }, now: before, want: []string{"title: longer than 300"}},
		{name: "everything wrong", modify: func(s *Submission) { *s = Submission{Region: "Dakar", Amount: money.Euros(200000)} }, now: call.Deadline,
			want: []string{"token: ", "association: ", "title: ", "region: ", "amount: ", ErrClosed.Error()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validApp().Submission(testToken)
			if tt.modify != nil {
				tt.modify(&s)
			}
			err := CheckSubmission(call, s, tt.now)
			wantLines(t, err, tt.want...)
			for _, f := range tt.also {
				if err == nil || !strings.Contains(err.Error(), f) {
					t.Errorf("error does not contain %q:\n%v", f, err)
				}
			}
			closed := slices.Contains(tt.want, ErrClosed.Error())
			if got := errors.Is(err, ErrClosed); got != closed {
				t.Errorf("errors.Is(err, ErrClosed) = %v, want %v", got, closed)
			}
		})
	}
}

func TestSubmissionCarriesNoPersonalData(t *testing.T) {
	t.Parallel()
	a := validApp()
	s := a.Submission(testToken)
	want := Submission{Token: testToken, Association: a.Association, Title: a.Title, Region: a.Region, Amount: a.Amount}
	if s != want {
		t.Errorf("Submission = %+v, want %+v", s, want)
	}
}

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	base := DuplicateKey("Solsoc", "Économie sociale")
	tests := []struct {
		association, title string
		same               bool
	}{
		{"Solsoc", "Économie sociale", true},
		{"SOLSOC", "economie   sociale!", true},
		{"  solsoc ", "« Économie sociale »", true},
		{"Solsoc", "ÉCONOMIE-SOCIALE", true},
		{"Solsoc", "E\u0301conomie sociale", true}, // decomposed accent (NFD), as macOS writes it
		{"Solsoc", "Économie sociale 2", false},
		{"Solsoc", "Économie solidaire", false},
		{"Solsoc", "Économiesociale", false},
		{"Solsoc asbl", "Économie sociale", false},
		{"Solsoc Économie", "sociale", false}, // the split between the two fields counts
		{"Oxfam", "Économie sociale", false},
	}
	for _, tt := range tests {
		got := DuplicateKey(tt.association, tt.title)
		if !hex24.MatchString(got) {
			t.Errorf("DuplicateKey(%q, %q) = %q, want 24 lower-case hex characters", tt.association, tt.title, got)
		}
		if (got == base) != tt.same {
			t.Errorf("DuplicateKey(%q, %q) == DuplicateKey(Solsoc, Économie sociale): %v, want %v", tt.association, tt.title, got == base, tt.same)
		}
	}
}

func TestNameKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ULB-Coopération", "ulb cooperation"},
		{"ULB Coopération", "ulb cooperation"},
		{"  ulb   coopération!", "ulb cooperation"},
		{"Société Générale", "societe generale"},
		{"Soci\u0065\u0301te\u0301", "societe"}, // decomposed accents
		{"Ça va, Ñandú", "ca va nandu"},
		{"Broederlijk Delen", "broederlijk delen"},
		{"11.11.11", "11 11 11"},
		{"", ""},
		{"!!!", ""},
	}
	for _, tt := range tests {
		if got := NameKey(tt.in); got != tt.want {
			t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
