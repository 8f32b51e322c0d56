package callspec

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Brussels must not depend on the host's zoneinfo

	"github.com/callcycle/callcycle/internal/money"
)

// validCall is a correct call file, close to the example but owned by the
// tests so that editing the example does not change what they check.
const validCall = `id: AP-SUD-2024
kind: sud
year: 2024
title: Appel à projets Sud 2024
theme: Développement économique durable et inclusif
envelope: "200.400 €"
reserved:
  - region: Territoire palestinien occupé
    envelope: "424.946 €"
min_grant: "10.000 €"
max_grant: "125.000 €"
regions:
  - Territoire palestinien occupé
  - Région de Rabat-Salé-Kénitra
  - Ville-Province de Kinshasa
criteria:
  - {key: pertinence, name: Pertinence, weight: 30, min: 0, max: 10}
  - {key: faisabilite, name: Faisabilité, weight: 25, min: 0, max: 10}
  - {key: impact, name: Impact et durabilité, weight: 25, min: 0, max: 10}
  - {key: partenariat, name: Partenariat local, weight: 20, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches:
  - {percent: 80, on: signature}
  - {percent: 20, on: final-report}
report:
  delay_days: 90
  reminder_days: [30, 7]
screening:
  require_iban: true
  max_duration_months: 24
committee:
  reviewers: [AB, CD, EF]
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: fr}
announce_to:
  - {email: info@ngo-federatie.be, language: nl}
  - {email: contact@acodev.be, language: fr}
  - {email: partners@brussels-international.example, language: en}
`

// edit replaces old, which must occur exactly once in validCall, by new:
// a typo in a test case must not silently test the valid file.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := validCall
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times, want 1", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	call, contacts, err := Parse([]byte(validCall))
	if err != nil {
		t.Fatalf("valid call refused:\n%v", err)
	}
	if call.ID != "AP-SUD-2024" || call.Kind != KindSud || call.Year != 2024 {
		t.Errorf("id/kind/year = %q/%q/%d", call.ID, call.Kind, call.Year)
	}
	if len(call.Regions) != 3 || len(call.Criteria) != 4 || len(contacts.AnnounceTo) != 3 {
		t.Errorf("regions %d, criteria %d, announce_to %d", len(call.Regions), len(call.Criteria), len(contacts.AnnounceTo))
	}
}

func TestParseExampleFile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../examples/call-ap-sud-2030.yaml")
	if err != nil {
		t.Fatal(err)
	}
	call, contacts, err := Parse(data)
	if err != nil {
		t.Fatalf("examples/call-ap-sud-2030.yaml refused:\n%v", err)
	}
	const opt = "Territoire palestinien occupé"
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", call.ID, "AP-SUD-2030"},
		{"kind", call.Kind, KindSud},
		{"year", call.Year, 2030},
		{"envelope", call.Envelope, money.Euros(200400)},
		{"envelope printed", call.Envelope.String(), "200.400 €"},
		{"reserved count", len(call.Reserved), 1},
		{"min_grant", call.MinGrant, money.Euros(10000)},
		{"max_grant", call.MaxGrant, money.Euros(125000)},
		{"regions", len(call.Regions), 3},
		{"has reserved region", call.HasRegion(opt), true},
		{"criteria", len(call.Criteria), 4},
		{"tranches", len(call.Tranches), 2},
		{"report delay", call.Report.DelayDays, 90},
		{"screening", call.Screening, ScreeningRules{RequireIBAN: true, MaxDurationMonths: 36}},
		{"reviewers", strings.Join(call.Reviewers, ","), "AB,CD,EF"},
		{"officer", contacts.Officer, Contact{Email: "officer@cooperation.brussels", Language: "fr"}},
		{"secretariat", contacts.Secretary, Contact{Email: "comite@cooperation.brussels", Language: "fr"}},
		{"announce_to", len(contacts.AnnounceTo), 3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(call.Reserved) == 1 {
		if r := call.Reserved[0]; r.Region != opt || r.Amount != money.Euros(424946) {
			t.Errorf("reserved = %+v, want %s for %q", r, money.Euros(424946), opt)
		}
	}
	wantTranches := []Tranche{{80, OnSignature}, {20, OnFinalReport}}
	if !slices.Equal(call.Tranches, wantTranches) {
		t.Errorf("tranches = %+v, want %+v", call.Tranches, wantTranches)
	}
	var weights int
	for _, c := range call.Criteria {
		weights += c.Weight
		if c.Min != 0 || c.Max != 10 {
			t.Errorf("criterion %s: %d..%d, want 0..10", c.Key, c.Min, c.Max)
		}
	}
	if weights != 100 {
		t.Errorf("criteria weights add up to %d, want 100", weights)
	}
	wantAnnounce := []Contact{
		{"info@ngo-federatie.be", "nl"},
		{"contact@acodev.be", "fr"},
		{"partners@brussels-international.example", "en"},
	}
	if !slices.Equal(contacts.AnnounceTo, wantAnnounce) {
		t.Errorf("announce_to = %+v, want %+v", contacts.AnnounceTo, wantAnnounce)
	}
	if want := time.Date(2030, 3, 31, 23, 59, 0, 0, Brussels); !call.Deadline.Equal(want) {
		t.Errorf("deadline = %s, want %s", call.Deadline, want)
	}
	if !slices.Equal(call.Report.ReminderDays, []int{30, 7}) {
		t.Errorf("reminder days = %v", call.Report.ReminderDays)
	}
}

// TestParseProblems makes one thing wrong at a time. Every line of the
// error must begin with one of the fields named in want, and each of them
// must appear: the officer is told which field to fix, and nothing else
// is reported.
func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edits []string
		want  []string // line prefixes
	}{
		{"id lower case", []string{"id: AP-SUD-2024", "id: ap-sud-2024"}, []string{"id: "}},
		{"id too short", []string{"id: AP-SUD-2024", "id: AP"}, []string{"id: "}},
		{"id with space", []string{"id: AP-SUD-2024", "id: AP SUD 2024"}, []string{"id: "}},
		{"id missing", []string{"id: AP-SUD-2024\n", ""}, []string{"id: "}},
		{"unknown kind", []string{"kind: sud", "kind: nord"}, []string{"kind: "}},
		{"kind upper case", []string{"kind: sud", "kind: SUD"}, []string{"kind: "}},
		{"year too early", []string{"year: 2024", "year: 1999"}, []string{"year: "}},
		{"year too late", []string{"year: 2024", "year: 2101"}, []string{"year: "}},
		{"year missing", []string{"year: 2024\n", ""}, []string{"year: "}},
		{"title missing", []string{"title: Appel à projets Sud 2024\n", ""}, []string{"title: required"}},
		{"title blank", []string{"title: Appel à projets Sud 2024", `title: "   "`}, []string{"title: required"}},
		{"title with CR/LF", []string{"title: Appel à projets Sud 2024", `title: "Appel\r\nBcc: x@example.org"`}, []string{"title: must be a single line"}},
		{"title with LF", []string{"title: Appel à projets Sud 2024", `title: "Appel\nSud"`}, []string{"title: must be a single line"}},
		{"title too long", []string{"title: Appel à projets Sud 2024", "title: " + strings.Repeat("é", MaxTextLen+1)}, []string{"title: longer than"}},
		{"theme missing", []string{"theme: Développement économique durable et inclusif\n", ""}, []string{"theme: required"}},
		{"envelope negative", []string{`envelope: "200.400 €"`, "envelope: -5"}, []string{"envelope: "}},
		// A YAML float such as 125.000 is refused, never read as 125.
		{"envelope as a YAML float", []string{`envelope: "200.400 €"`, "envelope: 125.000"}, []string{"envelope: line 6: amount 125.000 is ambiguous"}},
		{"max_grant as a YAML float", []string{`max_grant: "125.000 €"`, "max_grant: 125.000"}, []string{"max_grant: line 11: amount 125.000 is ambiguous"}},
		{"min_grant as a YAML float", []string{`min_grant: "10.000 €"`, "min_grant: 10.5"}, []string{"min_grant: line 10: amount 10.5 is ambiguous"}},
		{"reserved envelope as a YAML float", []string{`envelope: "424.946 €"`, "envelope: 424.946"}, []string{"reserved[0].envelope: line 9: amount 424.946 is ambiguous"}},
		{"amount with a decimal point in a string", []string{`min_grant: "10.000 €"`, `min_grant: "10000.00 €"`}, []string{"min_grant: line 10: "}},
		{"amount as a list", []string{`min_grant: "10.000 €"`, `min_grant: [10000]`}, []string{"min_grant: line 10: "}},
		{"amount null", []string{`envelope: "200.400 €"`, `envelope: ~`}, []string{"general_envelope: "}},
		{"envelope zero", []string{`envelope: "200.400 €"`, `envelope: "0 €"`}, []string{"envelope: "}},
		{"envelope missing", []string{"envelope: \"200.400 €\"\n", ""}, []string{"general_envelope: "}},
		{"envelope under both names", []string{`envelope: "200.400 €"`, "envelope: \"200.400 €\"\ngeneral_envelope: \"200.400 €\""}, []string{"envelope: is the former name"}},
		{"total disagrees with general + reserved", []string{`envelope: "200.400 €"`, "envelope: \"200.400 €\"\ntotal_envelope: \"500.000 €\""},
			[]string{"total_envelope: 500.000 € is not the general envelope 200.400 € plus the reserved envelopes 424.946 € (625.346 €)"}},
		{"total leaves nothing general", []string{`envelope: "200.400 €"`, `total_envelope: "424.946 €"`},
			[]string{"total_envelope: 424.946 € leaves no general envelope once the reserved envelopes (424.946 €) are taken out"}},
		{"min_grant missing", []string{"min_grant: \"10.000 €\"\n", ""}, []string{"min_grant: "}},
		{"max_grant missing", []string{"max_grant: \"125.000 €\"\n", ""}, []string{"max_grant: "}},
		{"min_grant above max_grant", []string{`min_grant: "10.000 €"`, `min_grant: "150.000 €"`}, []string{"max_grant: "}},
		{"max_grant above whole envelope", []string{`max_grant: "125.000 €"`, `max_grant: "625.347 €"`}, []string{"max_grant: "}},
		{"no regions", []string{"regions:\n  - Territoire palestinien occupé\n  - Région de Rabat-Salé-Kénitra\n  - Ville-Province de Kinshasa\n", "regions: []\n"},
			[]string{"regions: ", "reserved[0].region: "}},
		{"regions missing", []string{"regions:\n  - Territoire palestinien occupé\n  - Région de Rabat-Salé-Kénitra\n  - Ville-Province de Kinshasa\n", ""},
			[]string{"regions: ", "reserved[0].region: "}},
		{"duplicate region", []string{"  - Ville-Province de Kinshasa\n", "  - Ville-Province de Kinshasa\n  - Région de Rabat-Salé-Kénitra\n"}, []string{"regions[3]: "}},
		{"blank region", []string{"  - Ville-Province de Kinshasa\n", "  - Ville-Province de Kinshasa\n  - \"\"\n"}, []string{"regions[3]: "}},
		{"reserved region not in regions", []string{"  - region: Territoire palestinien occupé", "  - region: Gaza"}, []string{"reserved[0].region: "}},
		{"reserved envelope zero", []string{`envelope: "424.946 €"`, `envelope: "0 €"`}, []string{"reserved[0].envelope: "}},
		{"no criteria", []string{"criteria:\n  - {key: pertinence, name: Pertinence, weight: 30, min: 0, max: 10}\n  - {key: faisabilite, name: Faisabilité, weight: 25, min: 0, max: 10}\n  - {key: impact, name: Impact et durabilité, weight: 25, min: 0, max: 10}\n  - {key: partenariat, name: Partenariat local, weight: 20, min: 0, max: 10}\n", "criteria: []\n"}, []string{"criteria: "}},
		{"criterion without min", []string{"weight: 30, min: 0, max: 10}", "weight: 30, max: 10}"}, []string{"criteria[0]: "}},
		{"criterion without max", []string{"weight: 30, min: 0, max: 10}", "weight: 30, min: 0}"}, []string{"criteria[0]: "}},
		{"criterion min equals max", []string{"weight: 30, min: 0, max: 10}", "weight: 30, min: 10, max: 10}"}, []string{"criteria[0]: "}},
		{"criterion min above max", []string{"weight: 30, min: 0, max: 10}", "weight: 30, min: 11, max: 10}"}, []string{"criteria[0]: "}},
		{"criterion min negative", []string{"weight: 30, min: 0, max: 10}", "weight: 30, min: -1, max: 10}"}, []string{"criteria[0]: "}},
		{"duplicate criterion key", []string{"{key: faisabilite,", "{key: pertinence,"}, []string{"criteria[1].key: "}},
		{"criterion key upper case", []string{"{key: impact,", "{key: Impact,"}, []string{"criteria[2].key: "}},
		{"criterion key with space", []string{"{key: impact,", `{key: "im pact",`}, []string{"criteria[2].key: "}},
		{"criterion key missing", []string{"{key: impact, ", "{"}, []string{"criteria[2].key: "}},
		{"criterion name missing", []string{"name: Impact et durabilité, ", ""}, []string{"criteria[2].name: "}},
		{"criterion weight 0", []string{"weight: 25, min: 0, max: 10}\n  - {key: impact", "weight: 0, min: 0, max: 10}\n  - {key: impact"}, []string{"criteria[1].weight: "}},
		{"criterion weight 101", []string{"weight: 20,", "weight: 101,"}, []string{"criteria[3].weight: "}},
		{"deadline missing", []string{"deadline: \"2030-03-31 23:59\"\n", ""}, []string{"deadline: required"}},
		{"deadline unparseable", []string{`deadline: "2030-03-31 23:59"`, `deadline: "31/03/2030"`}, []string{"deadline: "}},
		{"deadline impossible date", []string{`deadline: "2030-03-31 23:59"`, `deadline: "2030-02-30"`}, []string{"deadline: "}},
		{"tranches above 100", []string{"{percent: 20, on: final-report}", "{percent: 30, on: final-report}"}, []string{"tranches: percentages add up to 110"}},
		{"tranches below 100", []string{"{percent: 80, on: signature}", "{percent: 70, on: signature}"}, []string{"tranches: percentages add up to 90"}},
		{"tranches missing", []string{"tranches:\n  - {percent: 80, on: signature}\n  - {percent: 20, on: final-report}\n", ""}, []string{"tranches: "}},
		{"tranche percent 0", []string{"tranches:\n  - {percent: 80, on: signature}\n", "tranches:\n  - {percent: 0, on: signature}\n  - {percent: 80, on: signature}\n"}, []string{"tranches[0].percent: "}},
		{"unknown tranche trigger", []string{"{percent: 20, on: final-report}", "{percent: 20, on: approval}"}, []string{"tranches[1].on: "}},
		{"report delay 0", []string{"delay_days: 90", "delay_days: 0"}, []string{"report.delay_days: "}},
		{"report delay missing", []string{"  delay_days: 90\n", ""}, []string{"report.delay_days: "}},
		{"report delay 731", []string{"delay_days: 90", "delay_days: 731"}, []string{"report.delay_days: "}},
		{"reminder day 0", []string{"reminder_days: [30, 7]", "reminder_days: [30, 0]"}, []string{"report.reminder_days[1]: "}},
		{"reminder day negative", []string{"reminder_days: [30, 7]", "reminder_days: [-1, 7]"}, []string{"report.reminder_days[0]: "}},
		{"screening duration negative", []string{"max_duration_months: 24", "max_duration_months: -1"}, []string{"screening.max_duration_months: "}},
		{"screening duration 61", []string{"max_duration_months: 24", "max_duration_months: 61"}, []string{"screening.max_duration_months: "}},
		{"no reviewers", []string{"reviewers: [AB, CD, EF]", "reviewers: []"}, []string{"committee.reviewers: "}},
		{"committee missing", []string{"committee:\n  reviewers: [AB, CD, EF]\n", ""}, []string{"committee.reviewers: "}},
		{"reviewer code lower case", []string{"reviewers: [AB, CD, EF]", "reviewers: [AB, cd, EF]"}, []string{"committee.reviewers[1]: "}},
		{"reviewer code one letter", []string{"reviewers: [AB, CD, EF]", "reviewers: [AB, C, EF]"}, []string{"committee.reviewers[1]: "}},
		{"duplicate reviewer", []string{"reviewers: [AB, CD, EF]", "reviewers: [AB, CD, AB]"}, []string{"committee.reviewers[2]: "}},
		{"missing officer", []string{"officer: {email: officer@cooperation.brussels, language: fr}\n", ""}, []string{"officer: required"}},
		{"missing secretariat", []string{"committee_secretariat: {email: comite@cooperation.brussels, language: fr}\n", ""}, []string{"committee_secretariat: required"}},
		{"officer without language", []string{"officer@cooperation.brussels, language: fr}", "officer@cooperation.brussels}"}, []string{"officer.language: "}},
		{"officer language de", []string{"officer@cooperation.brussels, language: fr}", "officer@cooperation.brussels, language: de}"}, []string{"officer.language: "}},
		{"announce_to language de", []string{"info@ngo-federatie.be, language: nl}", "info@ngo-federatie.be, language: de}"}, []string{"announce_to[0].language: "}},
		{"bad e-mail in announce_to", []string{"contact@acodev.be", "contact(at)acodev.be"}, []string{"announce_to[1].email: "}},
		{"e-mail with display name", []string{"{email: contact@acodev.be,", `{email: "ACODEV <contact@acodev.be>",`}, []string{"announce_to[1].email: "}},
		{"e-mail without domain", []string{"contact@acodev.be", "contact@"}, []string{"announce_to[1].email: "}},
		{"officer e-mail with CR/LF", []string{"{email: officer@cooperation.brussels,", `{email: "officer@cooperation.brussels\r\nBcc: evil@example.org",`}, []string{"officer.email: contains a line break"}},
		{"secretariat e-mail with LF", []string{"{email: comite@cooperation.brussels,", `{email: "comite@cooperation.brussels\n",`}, []string{"committee_secretariat.email: "}},
		{"officer e-mail missing", []string{"{email: officer@cooperation.brussels, ", "{"}, []string{"officer.email: "}},
		{"announce_to empty", []string{"announce_to:\n  - {email: info@ngo-federatie.be, language: nl}\n  - {email: contact@acodev.be, language: fr}\n  - {email: partners@brussels-international.example, language: en}\n", "announce_to: []\n"}, []string{"announce_to: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(edit(t, tt.edits...)))
			if err == nil {
				t.Fatalf("accepted; want an error on %q", tt.want)
			}
			lines := errLines(err)
			for _, l := range lines {
				if !slices.ContainsFunc(tt.want, func(p string) bool { return strings.HasPrefix(l, p) }) {
					t.Errorf("unexpected problem %q; want only %q", l, tt.want)
				}
			}
			for _, p := range tt.want {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, p) }) {
					t.Errorf("no line starts with %q in:\n%v", p, err)
				}
			}
		})
	}
}

// TestEnvelopeNames: general_envelope is what any region may get on top of
// the reserved envelopes; envelope is its former name; total_envelope is
// the whole call. The three spellings of one call give the same call.
func TestEnvelopeNames(t *testing.T) {
	t.Parallel()
	for _, edit := range []string{
		`envelope: "200.400 €"`,
		`general_envelope: "200.400 €"`,
		`total_envelope: "625.346 €"`,
		"general_envelope: \"200.400 €\"\ntotal_envelope: \"625.346 €\"",
	} {
		call, _, err := Parse([]byte(strings.Replace(validCall, `envelope: "200.400 €"`, edit, 1)))
		if err != nil {
			t.Fatalf("%s: %v", edit, err)
		}
		if call.Envelope != money.Euros(200400) || call.TotalEnvelope() != money.Euros(625346) {
			t.Errorf("%s: general %s, total %s; want 200.400 € and 625.346 €", edit, call.Envelope, call.TotalEnvelope())
		}
	}
}

// TestCheckDates: a launch whose budget year has closed, or whose deadline
// falls after it closes, is refused with the dates.
func TestCheckDates(t *testing.T) {
	t.Parallel()
	call, _, err := Parse([]byte(validCall))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	call.Year = 2030
	if bad := call.CheckDates(at("2030-01-10 09:00")); len(bad) != 0 {
		t.Errorf("a 2030 call launched in January 2030: %v", bad)
	}
	late := call
	late.Year, late.Deadline = 2025, at("2027-01-31 23:59")
	want := `year: the 2025 budget year closed on 31/12/2025 (budget_closes not set: 31 December); a call charged to it would lapse at its proposal. Launch it for the current budget year, or set budget_closes to the full date its budget really closes (such as "2026-12-31")`
	if bad := late.CheckDates(at("2026-12-01 10:00")); !slices.Equal(bad, []string{want}) {
		t.Errorf("a 2025 call launched in December 2026:\n%v\nwant\n%v", bad, want)
	}
	after := call
	after.Year = 2029 // deadline 2030-03-31
	want = "deadline: 2030-03-31 23:59 is after the 2029 budget year closes on 31/12/2029 (budget_closes not set: 31 December); no decision could be committed in time"
	if bad := after.CheckDates(at("2029-06-01 10:00")); !slices.Equal(bad, []string{want}) {
		t.Errorf("deadline after the close:\n%v\nwant\n%v", bad, want)
	}
	full := after
	full.BudgetCloses = "2030-06-30" // the 2029 budget's real close, a full date
	if bad := full.CheckDates(at("2029-06-01 10:00")); len(bad) != 0 {
		t.Errorf("budget_closes as a full date: %v", bad)
	}
	if bad := call.CheckDates(at("2030-04-01 00:00")); len(bad) != 1 || !strings.HasPrefix(bad[0], "deadline: 2030-03-31 23:59 has already passed") {
		t.Errorf("deadline passed: %v", bad)
	}
}

// TestParseBoundaries are values at the edge of a rule that must pass.
func TestParseBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edits []string
	}{
		{"max_grant equal to the whole envelope", []string{`max_grant: "125.000 €"`, `max_grant: "625.346 €"`}},
		{"min_grant equal to max_grant", []string{`min_grant: "10.000 €"`, `min_grant: "125.000 €"`}},
		{"amounts in whole euros", []string{`envelope: "200.400 €"`, "envelope: 200400", `min_grant: "10.000 €"`, "min_grant: 10000"}},
		{"amount with cents", []string{`min_grant: "10.000 €"`, `min_grant: "10.000,50 €"`}},
		{"no reserved envelope", []string{"reserved:\n  - region: Territoire palestinien occupé\n    envelope: \"424.946 €\"\n", "", `max_grant: "125.000 €"`, `max_grant: "200.400 €"`}},
		{"year 2000", []string{"year: 2024", "year: 2000"}},
		{"year 2100", []string{"year: 2024", "year: 2100"}},
		{"single tranche of 100", []string{"  - {percent: 80, on: signature}\n  - {percent: 20, on: final-report}\n", "  - {percent: 100, on: signature}\n"}},
		{"no reminders", []string{"reminder_days: [30, 7]", "reminder_days: []"}},
		{"kind cms", []string{"kind: sud", "kind: cms"}},
		{"kind hors-appel", []string{"kind: sud", "kind: hors-appel"}},
		{"deadline RFC 3339", []string{`deadline: "2030-03-31 23:59"`, "deadline: 2030-03-31T23:59:00+02:00"}},
		{"deadline bare date", []string{`deadline: "2030-03-31 23:59"`, "deadline: 2030-03-31"}},
		{"no screening rules", []string{"screening:\n  require_iban: true\n  max_duration_months: 24\n", ""}},
		{"twenty reviewers", []string{"reviewers: [AB, CD, EF]", "reviewers: [R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13, R14, R15, R16, R17, R18, R19, R20]"}},
		{"criterion min 999 max 1000", []string{"weight: 20, min: 0, max: 10}", "weight: 20, min: 999, max: 1000}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validCall
			for i := 0; i+1 < len(tt.edits); i += 2 {
				if n := strings.Count(s, tt.edits[i]); n != 1 {
					t.Fatalf("edit: %q occurs %d times, want 1", tt.edits[i], n)
				}
				s = strings.Replace(s, tt.edits[i], tt.edits[i+1], 1)
			}
			if _, _, err := Parse([]byte(s)); err != nil {
				t.Errorf("refused:\n%v", err)
			}
		})
	}
}

// TestParseRefusedWhole covers problems found before the fields are
// checked: size, encoding, YAML syntax, unknown fields and ambiguous
// amounts. The error must say what is wrong and where.
func TestParseRefusedWhole(t *testing.T) {
	t.Parallel()
	big := validCall + "# " + strings.Repeat("x", MaxConfigBytes) + "\n"
	tests := []struct {
		name string
		data string
		want []string // substrings
	}{
		{"unknown field", edit(t, "year: 2024\n", "year: 2024\nbudget_line: 42\n"), []string{"budget_line", "not found"}},
		{"misspelt field", edit(t, "min_grant:", "min_grants:"), []string{"min_grants", "not found"}},
		{"unknown field in a criterion", edit(t, "{key: impact,", "{key: impact, note: x,"), []string{"note", "not found"}},
		{"not YAML", "id: [unclosed\n", []string{"not valid YAML"}},
		{"non-UTF-8 bytes", edit(t, "Appel à projets", "Appel \xe0 projets"), []string{"UTF-8"}},
		{"file over 1 MiB", big, []string{"bytes", "limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, _, err := Parse([]byte(tt.data))
			if err == nil {
				t.Fatalf("accepted (envelope %s, max_grant %s); want an error", call.Envelope, call.MaxGrant)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestParseSizeLimit: exactly MaxConfigBytes is still read.
func TestParseSizeLimit(t *testing.T) {
	t.Parallel()
	pad := MaxConfigBytes - len(validCall) - len("# \n")
	data := validCall + "# " + strings.Repeat("x", pad) + "\n"
	if len(data) != MaxConfigBytes {
		t.Fatalf("test data is %d bytes", len(data))
	}
	if _, _, err := Parse([]byte(data)); err != nil {
		t.Errorf("file of exactly %d bytes refused: %v", MaxConfigBytes, err)
	}
}

// TestParseReportsEveryProblem: one run tells the officer everything.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	data := edit(t,
		"id: AP-SUD-2024", "id: ap",
		`max_grant: "125.000 €"`, "max_grant: 125.000",
		"kind: sud", "kind: nord",
		"year: 2024", "year: 1850",
		"title: Appel à projets Sud 2024\n", "",
		`envelope: "200.400 €"`, `envelope: "0 €"`,
		"  - region: Territoire palestinien occupé", "  - region: Gaza",
		"{key: faisabilite, name: Faisabilité, weight: 25,", "{key: pertinence, name: Faisabilité, weight: 0,",
		`deadline: "2030-03-31 23:59"`, `deadline: "tomorrow"`,
		"{percent: 20, on: final-report}", "{percent: 10, on: approval}",
		"delay_days: 90", "delay_days: 0",
		"reminder_days: [30, 7]", "reminder_days: [0, 7]",
		"officer: {email: officer@cooperation.brussels, language: fr}\n", "",
		"{email: contact@acodev.be, language: fr}", `{email: "contact@acodev.be\r\nBcc: x@y.z", language: de}`,
	)
	want := []string{
		"id: ", "kind: ", "year: ", "title: ", "envelope: ", "max_grant: line 10: amount 125.000 is ambiguous", "reserved[0].region: ",
		"criteria[1].key: ", "criteria[1].weight: ", "deadline: ", "tranches[1].on: ",
		"tranches: percentages add up to 90", "report.delay_days: ", "report.reminder_days[0]: ",
		"officer: ", "announce_to[1].email: ", "announce_to[1].language: ",
	}
	_, _, err := Parse([]byte(data))
	if err == nil {
		t.Fatal("accepted")
	}
	lines := errLines(err)
	if len(lines) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(lines), len(want), err)
	}
	for _, p := range want {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, p) }) {
			t.Errorf("no line starts with %q", p)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	cest := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2024-03-31T23:59:00+02:00", want: time.Date(2024, 3, 31, 23, 59, 0, 0, cest)},
		{in: "2024-03-31T21:59:00Z", want: time.Date(2024, 3, 31, 21, 59, 0, 0, time.UTC)},
		{in: "  2024-03-31T23:59:00+02:00 ", want: time.Date(2024, 3, 31, 23, 59, 0, 0, cest)},
		// 31 March 2024 is the day summer time starts: 23:59 is CEST.
		{in: "2024-03-31 23:59", want: time.Date(2024, 3, 31, 23, 59, 0, 0, cest)},
		{in: "2024-01-15 12:00", want: time.Date(2024, 1, 15, 12, 0, 0, 0, time.FixedZone("CET", 3600))},
		// A bare date is the last second of that day in Brussels.
		{in: "2024-03-31", want: time.Date(2024, 3, 31, 23, 59, 59, 0, cest)},
		// The day summer time ends (25 hours long) still ends at 23:59:59 CET.
		{in: "2024-10-27", want: time.Date(2024, 10, 27, 23, 59, 59, 0, time.FixedZone("CET", 3600))},
		{in: "2024-12-31", want: time.Date(2024, 12, 31, 23, 59, 59, 0, time.FixedZone("CET", 3600))},
		{in: "", wantErr: true},
		{in: "   ", wantErr: true},
		{in: "garbage", wantErr: true},
		{in: "31/03/2024", wantErr: true},
		{in: "2024-02-30", wantErr: true},
		{in: "2024-03-31 25:00", wantErr: true},
		{in: "2024-03-31T23:59:00", wantErr: true}, // RFC 3339 needs a zone
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %s, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got, tt.want)
			}
			_, off := got.Zone()
			if _, wantOff := tt.want.Zone(); off != wantOff {
				t.Errorf("ParseTime(%q) offset %d, want %d", tt.in, off, wantOff)
			}
		})
	}
}

func TestCheckEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		ok bool
	}{
		{"officer@cooperation.brussels", true},
		{"a.b+c@example.org", true},
		{"", false},
		{"officer", false},
		{"officer@", false},
		{"Officer <officer@cooperation.brussels>", false},
		{"<officer@cooperation.brussels>", false},
		{"officer@cooperation.brussels\r\n", false},
		{"officer@cooperation.brussels\nBcc: x@y.z", false},
		{"a@b.c, d@e.f", false},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".be", false}, // 258 chars
	}
	for _, tt := range tests {
		if err := CheckEmail(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}
