package mailtemplates

import (
	"strings"
	"testing"
)

var tranches = []map[string]any{{"Percent": 80, "On": "signature", "Amount": "1 €"}, {"Percent": 20, "On": "final-report", "Amount": "1 €"}}

func TestEveryKindInEveryLanguage(t *testing.T) {
	data := map[string]any{"CallID": "AP-SUD-2024", "CallTitle": "Appel Sud", "Theme": "t", "Envelope": "1 €",
		"MinGrant": "1 €", "MaxGrant": "2 €", "Regions": "r", "Deadline": "d", "Reference": "AP-SUD-2024-0001",
		"ContactName": "Zoë <b>\r\nBcc: x@y", "Association": "A&B", "Title": "<script>", "Region": "r", "Amount": "1 €", "SubmittedAt": "s",
		"Reason": "r", "Count": 3, "Reviewers": "AB", "BudgetYear": 2024, "NextYear": 2025, "ClosedAt": "c", "Why": "w",
		"Decree": "d", "Reduced": true, "Requested": "2 €", "Rank": 4, "Ranked": 9, "Score": "50,00 %",
		"GrantID": "AP-SUD-2024-0001-G", "SignBy": "s", "Days": 30,
		"Tranche": 1, "TrancheCount": 2, "Percent": 80, "PaidTotal": "1 €", "Granted": "2 €", "DueDate": "d", "DaysLeft": 30, "TranchesList": tranches,
		"DaysLate": 7, "Note": "n <i>", "Paid": "1 €", "Spent": "1 €", "Final": "0 €", "Recovery": "1 €", "HasRecovery": true}
	for _, kind := range []string{KindLaunch, KindReceipt, KindIneligible, KindScoring, KindLapsed, KindPostponed, KindGranted, KindRejected, KindCancelled,
		KindAgreement, KindAgreementReminder, KindSignatureOverdue, KindPayment, KindReportReminder, KindReportOverdue, KindReportRevision, KindClosure} {
		for _, lang := range []string{"fr", "nl", "en"} {
			r, err := Render(kind, lang, data)
			if err != nil {
				t.Fatalf("%s.%s: %v", kind, lang, err)
			}
			if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s.%s subject %q", kind, lang, r.Subject)
			}
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>") {
				t.Errorf("%s.%s: applicant text reached the HTML unescaped", kind, lang)
			}
		}
	}
	if _, err := Render(KindReceipt, "de", data); err == nil {
		t.Error("want an error for an unknown language")
	}
}

func grantData() map[string]any {
	return map[string]any{"CallID": "AP-SUD-2024", "CallTitle": "Appel Sud", "Reference": "AP-SUD-2024-0001",
		"GrantID": "G-1", "Title": "Ceramics for Peace", "ContactName": "Zoë", "Association": "A&B",
		"Amount": "124.986 €", "SignBy": "15/03/2025",
		"TranchesList": []map[string]any{
			{"Percent": 80, "On": "signature", "Amount": "99.988,80 €"},
			{"Percent": 20, "On": "final-report", "Amount": "24.997,20 €"},
		}}
}

func TestAgreementListsEveryTrancheOnItsOwnLine(t *testing.T) {
	want := map[string][]string{
		"fr": {"- 80 % (99.988,80 €) à la signature\n- 20 % (24.997,20 €) après approbation du rapport final\n\n"},
		"nl": {"- 80 % (99.988,80 €) na de ondertekening\n- 20 % (24.997,20 €) na goedkeuring van het eindverslag\n\n"},
		"en": {"- 80% (99.988,80 €) on signature\n- 20% (24.997,20 €) after approval of the final report\n\n"},
	}
	for lang, parts := range want {
		r, err := Render(KindAgreement, lang, grantData())
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
		d := grantData()
		for k, v := range map[string]any{"Granted": "124.986 €", "Paid": "99.988,80 €", "Spent": "123.736 €",
			"Final": c.final, "Recovery": c.recovery, "HasRecovery": c.hasRecovery} {
			d[k] = v
		}
		r, err := Render(KindClosure, "en", d)
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
