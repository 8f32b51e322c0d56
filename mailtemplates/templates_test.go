package mailtemplates

import (
	"strings"
	"testing"
)

func TestEveryKindInEveryLanguage(t *testing.T) {
	data := map[string]any{"CallID": "AP-SUD-2024", "CallTitle": "Appel Sud", "Theme": "t", "Envelope": "1 €",
		"MinGrant": "1 €", "MaxGrant": "2 €", "Regions": "r", "Deadline": "d", "Reference": "AP-SUD-2024-0001",
		"ContactName": "Zoë <b>\r\nBcc: x@y", "Association": "A&B", "Title": "<script>", "Region": "r", "Amount": "1 €", "SubmittedAt": "s",
		"Reason": "r", "Count": 3, "Reviewers": "AB", "BudgetYear": 2024, "NextYear": 2025, "ClosedAt": "c", "Why": "w",
		"Decree": "d", "Reduced": true, "Requested": "2 €", "Rank": 4, "Ranked": 9, "Score": "50,00 %"}
	for _, kind := range []string{KindLaunch, KindReceipt, KindIneligible, KindScoring, KindLapsed, KindPostponed, KindGranted, KindRejected, KindCancelled} {
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
