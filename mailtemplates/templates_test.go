package mailtemplates

import (
	"reflect"
	"strings"
	"testing"
)

var langs = []string{"fr", "nl", "en"}

var grant = Grant{CallTitle: "Appel Sud", Reference: "AP-SUD-2024-0001", GrantID: "G-1",
	Title: "<script>", ContactName: "Zoë <b>\r\nBcc: x@y", Association: "A&B"}

var tranches = []Tranche{{Percent: 80, On: "signature", Amount: "99.988,80 €"}, {Percent: 20, On: "final-report", Amount: "24.997,20 €"}}

// examples holds one value of every kind, every field set, as its caller
// sends it.
var examples = []Data{
	Launch{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", Theme: "t", Envelope: "1 €", MinGrant: "1 €", MaxGrant: "2 €", Regions: "r", Deadline: "d"},
	Receipt{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", Reference: "AP-SUD-2024-0001", ContactName: "Zoë <b>\r\nBcc: x@y",
		Association: "A&B", Title: "<script>", Region: "r", Amount: "1 €", SubmittedAt: "s"},
	Ineligible{CallTitle: "Appel Sud", Reference: "R", ContactName: "Zoë <b>", Title: "<script>", Reason: "r"},
	Scoring{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", Count: 3, Reviewers: "AB"},
	CommitteeReminder{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", ReviewerName: "Zoë <b>\r\nBcc: x@y", Deadline: "15/05/2024", DaysLeft: 7, Left: 2},
	Lapsed{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", BudgetYear: 2024, NextYear: 2025, ClosedAt: "c", Why: "w"},
	Postponed{CallTitle: "Appel Sud", Reference: "R", ContactName: "Zoë <b>", Title: "<script>", BudgetYear: 2024},
	Granted{CallTitle: "Appel Sud", Reference: "R", ContactName: "Zoë <b>", Title: "<script>", Decree: "d", Amount: "1 €", Requested: "2 €", Reduced: true},
	Rejected{CallTitle: "Appel Sud", Reference: "R", ContactName: "Zoë <b>", Title: "<script>", Decree: "d", Rank: 4, Ranked: 9, Score: "50,00 %", Reason: "r"},
	Cancelled{CallID: "AP-SUD-2024", CallTitle: "Appel Sud", Reference: "R", ContactName: "Zoë <b>", Title: "<script>", Reason: "r"},
	&AgreementReminder{Grant: grant, Count: 2, SignBy: "s"},
	&SignatureOverdue{Grant: grant, Days: 30, SignBy: "s"},
	&ReportReminder{Grant: grant, DaysLeft: 30, DueDate: "d"},
	&ReportOverdue{Grant: grant, Count: 1, DaysLate: 7, DueDate: "d"},
	&Agreement{Grant: grant, Amount: "124.986 €", SignBy: "15/03/2025", TranchesList: tranches},
	&Payment{Grant: grant, Tranche: 1, TrancheCount: 2, Percent: 80, Amount: "1 €", PaidTotal: "1 €", Granted: "2 €"},
	&ReportRevision{Grant: grant, Note: "n <i>", DueDate: "d"},
	&Closure{Grant: grant, Granted: "2 €", Paid: "1 €", Spent: "1 €", Final: "0 €", Recovery: "1 €", HasRecovery: true},
}

func TestEveryKindInEveryLanguage(t *testing.T) {
	for _, d := range examples {
		for _, lang := range langs {
			r, err := Render(lang, d)
			if err != nil {
				t.Fatalf("%s.%s: %v", d.Kind(), lang, err)
			}
			if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s.%s subject %q", d.Kind(), lang, r.Subject)
			}
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>") {
				t.Errorf("%s.%s: applicant text reached the HTML unescaped", d.Kind(), lang)
			}
		}
	}
	if _, err := Render("de", examples[1]); err == nil {
		t.Error("want an error for an unknown language")
	}
}

// TestTemplatesUseExactlyTheirKindsFields checks every template, branch by
// branch, against its kind's struct: a field a template names that the
// struct lacks fails (so a caller cannot omit one), and so does a field of
// the struct that some language's template leaves out (a field no
// template shows is not sent). The grant part shared by all grant mails
// need only be used by one of them.
func TestTemplatesUseExactlyTheirKindsFields(t *testing.T) {
	byKind := map[string]Data{}
	for _, d := range examples {
		byKind[d.Kind()] = d
	}
	for name := range texts {
		if kind, _, _ := strings.Cut(name, "."); byKind[kind] == nil {
			t.Errorf("template %s has no data struct in examples", name)
		}
	}
	grantUsed := map[string]bool{}
	for _, d := range examples {
		typ := reflect.TypeOf(d)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if _, ok := d.(GrantData); ok {
			// The GrantMail activity decodes a grant mail by its kind.
			if n, err := NewGrantData(d.Kind()); err != nil || reflect.TypeOf(n) != reflect.TypeOf(d) {
				t.Errorf("NewGrantData(%s) = %T, %v; want %T", d.Kind(), n, err, d)
			}
		}
		for _, lang := range langs {
			tmpl, ok := texts[d.Kind()+"."+lang]
			if !ok {
				t.Errorf("no %s template in %s", d.Kind(), lang)
				continue
			}
			used := map[string]bool{}
			for _, part := range []string{"subject", "body"} {
				tt := tmpl.Lookup(part)
				if tt == nil {
					t.Errorf("%s.%s defines no %q", d.Kind(), lang, part)
					continue
				}
				c := &fieldCheck{t: t, where: d.Kind() + "." + lang + " " + part, used: used}
				c.node(tt.Root, typ, "")
			}
			for _, f := range fieldPaths(typ, "") {
				switch {
				case strings.HasPrefix(f, "Grant."):
					grantUsed[f] = grantUsed[f] || used[strings.TrimPrefix(f, "Grant.")]
				case !used[f]:
					t.Errorf("%s.%s never uses %s: a field no template shows should not be sent", d.Kind(), lang, f)
				}
			}
		}
	}
	for _, f := range fieldPaths(reflect.TypeOf(Grant{}), "Grant.") {
		if !grantUsed[f] {
			t.Errorf("no grant mail uses %s", f)
		}
	}
}

// fieldPaths lists the fields of a data struct: "X", "List.Y" for the
// fields of a list's elements, "Grant.Z" for the embedded grant part.
func fieldPaths(typ reflect.Type, prefix string) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch {
		case f.Anonymous:
			out = append(out, fieldPaths(f.Type, prefix+f.Name+".")...)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			out = append(out, prefix+f.Name)
			out = append(out, fieldPaths(f.Type.Elem(), prefix+f.Name+".")...)
		default:
			out = append(out, prefix+f.Name)
		}
	}
	return out
}

func TestAgreementListsEveryTrancheOnItsOwnLine(t *testing.T) {
	want := map[string][]string{
		"fr": {"- 80 % (99.988,80 €) à la signature\n- 20 % (24.997,20 €) après approbation du rapport final\n\n"},
		"nl": {"- 80 % (99.988,80 €) na de ondertekening\n- 20 % (24.997,20 €) na goedkeuring van het eindverslag\n\n"},
		"en": {"- 80% (99.988,80 €) on signature\n- 20% (24.997,20 €) after approval of the final report\n\n"},
	}
	for lang, parts := range want {
		r, err := Render(lang, &Agreement{Grant: grant, Amount: "124.986 €", SignBy: "15/03/2025", TranchesList: tranches})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if !strings.Contains(r.Text, p) {
				t.Errorf("%s text lacks %q:\n%s", lang, p, r.Text)
			}
		}
		if !strings.Contains(r.Text, "15/03/2025") || !strings.Contains(r.HTML, "99.988,80 €) ") {
			t.Errorf("%s: sign-by date or tranche missing:\n%s", lang, r.Text)
		}
	}
}

func TestClosureSaysRecoveryOrFinalPayment(t *testing.T) {
	for _, c := range []struct {
		final, recovery string
		hasRecovery     bool
		want, notWant   string
	}{
		{"0 €", "1.250 €", true, "recovery order of 1.250 €", "final payment of"},
		{"24.997,20 €", "0 €", false, "final payment of 24.997,20 € has been ordered", "recovery"},
		{"0 €", "0 €", false, "No further payment or reimbursement is due", "recovery"},
	} {
		d := &Closure{Grant: grant, Granted: "124.986 €", Paid: "99.988,80 €", Spent: "123.736 €",
			Final: c.final, Recovery: c.recovery, HasRecovery: c.hasRecovery}
		r, err := Render("en", d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, c.want) || strings.Contains(strings.ToLower(r.Text), c.notWant) {
			t.Errorf("final %s, recovery %s: want %q and no %q in\n%s", c.final, c.recovery, c.want, c.notWant, r.Text)
		}
		if strings.Contains(r.Text, "\n\n\n") {
			t.Errorf("blank lines left by a condition:\n%s", r.Text)
		}
	}
}
