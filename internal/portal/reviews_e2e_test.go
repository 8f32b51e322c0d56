package portal_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

const reviewCallYAML = `id: AP-CMS-REV
kind: cms
year: 2030
title: Appel CMS revue
theme: Citoyenneté mondiale
envelope: "50.000 €"
min_grant: "5.000 €"
max_grant: "25.000 €"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 1, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches: [{percent: 100, on: signature}]
report: {delay_days: 60}
committee: {reviewers: [AB, CD]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@cms.example, language: fr}]
`

const reviewApps = `association;title;region;amount;summary;duration_months;contact_name;email;language;iban
ULB Coopération;Cooperation Games;Région de Bruxelles-Capitale;18.963 €;Un jeu.;12;Ana;ulb@example.org;fr;BE71 0961 2345 6769
Oxfam;Inleefateliers;Région de Bruxelles-Capitale;10.837 €;Ateliers.;12;Bram;oxfam@example.org;nl;BE68 5390 0754 7034
`

// reviewStage launches AP-CMS-REV with two applications and takes it to
// the committee review, the scoring workbook written.
func reviewStage(t *testing.T, svc *operations.Service) {
	t.Helper()
	ctx := context.Background()
	by := operations.Actor{Name: "officer"}
	if _, err := svc.Launch(ctx, by, operations.LaunchInput{Call: []byte(reviewCallYAML), Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Import(ctx, by, operations.ImportInput{CallID: "AP-CMS-REV", File: []byte(reviewApps), Name: "apps.csv"}); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := svc.Close(ctx, by, operations.CloseInput{CallID: "AP-CMS-REV", Reason: "enough"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := svc.EndScreening(ctx, by, operations.EndScreeningInput{CallID: "AP-CMS-REV"})
		if err == nil || operations.KindOf(err) == operations.AlreadyDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("end screening: %v", err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st, err := svc.Status(ctx, by, operations.StatusInput{CallID: "AP-CMS-REV"})
		if err == nil && st.Stage == workflows.StageReview && st.ScoringPath != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not in review: %+v %v", st, err)
		}
	}
}

// A reviewer's own routes refuse, with 403 and a reason, whoever may not
// write that sheet: a reviewer not assigned to the call, one that has not
// declared, an officer (who scores through the merged workbook), an
// applicant; the assigned and declared reviewer gets its sheet, uploads
// it and scores in its own name.
func TestReviewerRoutesRefuseOthers(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	web := apiOn(t, sys)
	do := caller(t, web.URL)
	reviewStage(t, svc)
	officer, _ := personWithToken(t, sys, "Olga Officer", "olga@office.example", "sub-olga", auth.Officer)
	rita, _ := personWithToken(t, sys, "Rita Reviewer", "rita@office.example", "", auth.Reviewer)
	bart, _ := personWithToken(t, sys, "Bart Reviewer", "bart@office.example", "", auth.Reviewer)
	nina, _ := personWithToken(t, sys, "Nina Outsider", "nina@office.example", "", auth.Reviewer)
	applicant, _ := personWithToken(t, sys, "Ana Applicant", "ana@ulb.example", "", auth.Applicant)
	for _, email := range []string{"rita@office.example", "bart@office.example"} {
		if code, body := do(officer, "POST", "/api/v1/calls/AP-CMS-REV/reviewers", `{"email": "`+email+`"}`); code != 200 {
			t.Fatalf("assign %s: %d %s", email, code, body)
		}
	}
	if code, body := do(rita, "POST", "/api/v1/calls/AP-CMS-REV/declaration", `{"conflicts": [], "language": "nl"}`); code != 200 {
		t.Fatalf("declare: %d %s", code, body)
	}
	code, body := do(rita, "GET", "/api/v1/calls/AP-CMS-REV/my/sheet.xlsx", "")
	if code != 200 {
		t.Fatalf("Rita's workbook: %d %.300s", code, body)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[1]
	_ = f.SetCellInt(sheet, "F2", 7)
	_ = f.SetCellInt(sheet, "F3", 5)
	var filled bytes.Buffer
	if _, err := f.WriteTo(&filled); err != nil {
		t.Fatal(err)
	}
	upload := `{"workbook": "` + base64.StdEncoding.EncodeToString(filled.Bytes()) + `", "name": "mine.xlsx"}`
	score := `{"reference": "AP-CMS-REV-0001", "scores": {"pertinence": "4"}}`

	for _, c := range []struct {
		who, token, method, path, body, why string
	}{
		{"a reviewer not assigned", nina, "POST", "/api/v1/calls/AP-CMS-REV/my/sheet", upload, "not a reviewer of"},
		{"a reviewer not assigned", nina, "GET", "/api/v1/calls/AP-CMS-REV/my/sheet.xlsx", "", "not a reviewer of"},
		{"a reviewer who has not declared", bart, "POST", "/api/v1/calls/AP-CMS-REV/my/sheet", upload, "declare your conflicts"},
		{"a reviewer who has not declared", bart, "POST", "/api/v1/calls/AP-CMS-REV/my/scores", score, "declare your conflicts"},
		{"a reviewer who has not declared", bart, "GET", "/api/v1/calls/AP-CMS-REV/my/ranking", "", "declare your conflicts"},
		{"an officer uploading as a reviewer", officer, "POST", "/api/v1/calls/AP-CMS-REV/my/sheet", upload, "review.own-sheet"},
		{"an officer scoring as a reviewer", officer, "POST", "/api/v1/calls/AP-CMS-REV/my/scores", score, "review.own-sheet"},
		{"an applicant", applicant, "GET", "/api/v1/calls/AP-CMS-REV/my/sheet", "", "review.own-sheet"},
		{"an applicant", applicant, "POST", "/api/v1/calls/AP-CMS-REV/my/sheet", upload, "review.own-sheet"},
		{"an applicant", applicant, "GET", "/api/v1/my/reviews", "", "review.own-sheet"},
	} {
		code, body := do(c.token, c.method, c.path, c.body)
		if code != http.StatusForbidden || !strings.Contains(body, `"kind":"forbidden"`) || !strings.Contains(body, c.why) {
			t.Errorf("%s: %s %s: %d %s, want 403 saying %q", c.who, c.method, c.path, code, body, c.why)
		}
	}
	var saved int
	if err := sys.DB.QueryRow(context.Background(), `SELECT count(*) FROM review_sheet_scores`).Scan(&saved); err != nil || saved != 0 {
		t.Fatalf("refused requests saved %d scores (%v)", saved, err)
	}

	// The assigned, declared reviewer: its upload is its own.
	code, body = do(rita, "POST", "/api/v1/calls/AP-CMS-REV/my/sheet", upload)
	var res operations.ReviewSheetSaveResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || !res.Returned || res.Committee.Returned != 1 || res.Committee.Reviewers != 2 {
		t.Fatalf("Rita's upload: %d %s", code, body)
	}
	code, body = do(rita, "GET", "/api/v1/my/reviews", "")
	if code != 200 || !strings.Contains(body, `"call_id":"AP-CMS-REV"`) || !strings.Contains(body, `"returned":true`) {
		t.Errorf("Rita's calls: %d %s", code, body)
	}
	if code, body := do(rita, "GET", "/api/v1/calls/AP-CMS-REV/my/ranking", ""); code != 200 || !strings.Contains(body, `"ready":false`) {
		t.Errorf("the ranking before Bart returned: %d %s", code, body)
	}
	if code, body := do(rita, "POST", "/api/v1/calls/AP-CMS-REV/my/scores", `{"reference": "AP-CMS-REV-0001", "scores": {"pertinence": "ten"}}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, "scores.pertinence") {
		t.Errorf("a word for a score: %d %s, want 422 naming scores.pertinence", code, body)
	}
	// The officer sees on whom the ranking waits: Bart, who has not declared.
	code, body = do(officer, "GET", "/api/v1/calls/AP-CMS-REV/committee", "")
	var com operations.CommitteeResult
	if code != 200 || json.Unmarshal([]byte(body), &com) != nil || len(com.Members) != 2 || com.Ranked {
		t.Fatalf("the committee: %d %s", code, body)
	}
	if m := com.Members[0]; m.Name != "Rita Reviewer" || m.Code != "AB" || !m.Returned || m.Scored != 2 {
		t.Errorf("Rita in the committee: %+v", m)
	}
	if m := com.Members[1]; m.Name != "Bart Reviewer" || m.Declared || m.Returned {
		t.Errorf("Bart in the committee: %+v", m)
	}
	if code, _ := do(rita, "GET", "/api/v1/calls/AP-CMS-REV/committee", ""); code != http.StatusForbidden {
		t.Errorf("a reviewer reads the committee: %d, want 403", code)
	}
}
