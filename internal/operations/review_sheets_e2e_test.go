package operations_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// Each reviewer returns its own sheet: one import per reviewer,
// validated cell by cell (a bad cell is refused and changes nothing),
// or scores typed file by file; a new upload replaces its own scores
// only; nobody else may write them and a declared conflict hides the
// file; the ranking is made, through the call's own import, only once
// every assigned reviewer has returned, and shown to reviewers then.
func TestReviewersReturnTheirOwnSheets(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	const call = "AP-CMS-RS"
	svc := s.env.svc
	officer := s.env.by
	if _, err := s.env.Launch(ctx, writeFile(t, call+".yaml", strings.Replace(fmt.Sprintf(smallCall, call, call),
		"committee: {reviewers: [AB]}", "committee: {reviewers: [AB, CD]}", 1)), launchOpts{}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.env.Import(ctx, call, writeFile(t, call+".csv", fmt.Sprintf(smallApps, call))); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	first, second := call+"-0001", call+"-0002"

	person := func(name string, roles ...auth.Role) operations.Actor {
		email := strings.ToLower(strings.Fields(name)[0]) + "@office.example"
		id, err := auth.CreateUser(ctx, s.db, name, email, "", "test", roles...)
		if err != nil {
			t.Fatal(err)
		}
		return operations.Actor{Name: name, ID: id, Role: string(roles[0])}
	}
	rita, bart, nina := person("Rita Reviewer", auth.Reviewer), person("Bart Reviewer", auth.Reviewer), person("Nina Outsider", auth.Reviewer)
	olga := person("Olga Officer", auth.Officer)
	for _, email := range []string{"rita@office.example", "bart@office.example"} {
		res, err := svc.AssignReviewer(ctx, officer, operations.AssignReviewerInput{CallID: call, Email: email})
		if err != nil || res.Code == "" {
			t.Fatalf("assign %s: %+v %v", email, res, err)
		}
	}
	_, err := svc.AssignReviewer(ctx, officer, operations.AssignReviewerInput{CallID: call, Email: "nina@office.example"})
	wantKind(t, "a third reviewer for two sheets", err, operations.Refused, "every reviewer code of "+call+" (AB, CD) is already given")
	codes := map[string]string{}
	rows, _ := s.db.Query(ctx, `SELECT u.name, ra.code FROM reviewer_assignments ra JOIN users u USING (user_id) WHERE ra.call_id = $1`, call)
	for rows.Next() {
		var n, c string
		_ = rows.Scan(&n, &c)
		codes[n] = c
	}
	rows.Close()
	if codes[rita.Name] == codes[bart.Name] || len(codes) != 2 {
		t.Fatalf("codes %v: one sheet each", codes)
	}
	ritaSheet := scoring.SheetName(codes[rita.Name])

	// Before the committee stage, and before declaring: nothing opens.
	var book bytes.Buffer
	_, err = svc.ReviewSheetDownload(ctx, rita, operations.ReviewSheetDownloadInput{CallID: call, Out: &book})
	wantKind(t, "sheet before declaring", err, operations.Forbidden, "declare your conflicts of interest")
	if _, err := s.env.Close(ctx, call, "enough"); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, call, workflows.StageScreening)
	if err := s.env.EndScreening(ctx, call); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool { return waitStage(t, s.env, call, workflows.StageReview).ScoringPath != "" })
	if _, err := svc.Declare(ctx, rita, operations.DeclareInput{CallID: call, Conflicts: []string{first}, Language: "nl"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ReviewScore(ctx, bart, operations.ReviewScoreInput{CallID: call, Reference: first, Scores: map[string]string{"pertinence": "7"}})
	wantKind(t, "scores before declaring", err, operations.Forbidden, "declare your conflicts of interest")
	if _, err := svc.Declare(ctx, bart, operations.DeclareInput{CallID: call, Language: "fr"}); err != nil {
		t.Fatal(err)
	}

	// Rita's sheet hides the file she declared a conflict with.
	sheet, err := svc.ReviewSheet(ctx, rita, operations.ReviewSheetInput{CallID: call})
	if err != nil || len(sheet.Files) != 1 || sheet.Files[0].Reference != second || sheet.Conflicts != 1 || sheet.Returned {
		t.Fatalf("Rita's sheet: %+v %v", sheet, err)
	}
	if _, err := svc.Application(ctx, rita, operations.ApplicationInput{Reference: first, Only: operations.ApplicationFilter{Reviewer: rita.ID}}); operations.KindOf(err) != operations.NotFound {
		t.Errorf("Rita reads her conflict: %v", err)
	}
	_, err = svc.ReviewScore(ctx, rita, operations.ReviewScoreInput{CallID: call, Reference: first, Scores: map[string]string{"pertinence": "9"}})
	wantKind(t, "scoring a conflict", err, operations.NotFound, "no application")
	book.Reset()
	dl, err := svc.ReviewSheetDownload(ctx, rita, operations.ReviewSheetDownloadInput{CallID: call, Out: &book})
	if err != nil || dl.Applications != 1 {
		t.Fatalf("download: %+v %v", dl, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(book.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Instructions", ritaSheet}) {
		t.Fatalf("Rita's workbook sheets %v", got)
	}
	fill := func(v any) []byte {
		t.Helper()
		if err := f.SetCellValue(ritaSheet, "F2", v); err != nil {
			t.Fatal(err)
		}
		b, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), b.Bytes()...)
	}
	own := func(who operations.Actor) map[string][]int32 {
		t.Helper()
		out := map[string][]int32{}
		rows, err := s.db.Query(ctx, `SELECT reference, scores FROM review_sheet_scores WHERE user_id = $1::uuid`, who.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var ref string
			var v []int32
			_ = rows.Scan(&ref, &v)
			out[ref] = v
		}
		return out
	}

	// Bart scores one of his two files in the page; a score out of range
	// is refused by its criterion and saves nothing.
	_, err = svc.ReviewScore(ctx, bart, operations.ReviewScoreInput{CallID: call, Reference: first, Scores: map[string]string{"pertinence": "11"}})
	wantField(t, "score 11 of 10", err, "scores.pertinence")
	if len(own(bart)) != 0 {
		t.Fatal("a refused score was saved")
	}
	if res, err := svc.ReviewScore(ctx, bart, operations.ReviewScoreInput{CallID: call, Reference: first, Scores: map[string]string{"pertinence": "7"}}); err != nil || res.Scored != 1 || res.Returned {
		t.Fatalf("Bart's first score: %+v %v", res, err)
	}

	// Rita's workbook: a cell out of range is refused by its address and nothing changes.
	_, err = svc.ReviewSheetUpload(ctx, rita, operations.ReviewSheetUploadInput{CallID: call, Workbook: fill(12), Name: "mine.xlsx"})
	wantKind(t, "cell out of range", err, operations.Refused, ritaSheet+`!F2: 12 is above the maximum 10 for "pertinence"`)
	if len(own(rita)) != 0 || s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.sheet-upload' AND result = 'ok'`) != 0 {
		t.Fatal("a refused workbook changed something or was audited as done")
	}
	res, err := svc.ReviewSheetUpload(ctx, rita, operations.ReviewSheetUploadInput{CallID: call, Workbook: fill(6), Name: "mine.xlsx"})
	if err != nil || !res.Returned || res.Proposal != nil || res.Committee.Returned != 1 || res.Committee.Reviewers != 2 {
		t.Fatalf("Rita's upload: %+v %v", res, err)
	}
	if rk, err := svc.ReviewRanking(ctx, rita, operations.ReviewRankingInput{CallID: call}); err != nil || rk.Ready || len(rk.Files) != 0 {
		t.Fatalf("ranking before Bart returned: %+v %v", rk, err)
	}
	// A new upload replaces her own scores, and nobody else's.
	if _, err := svc.ReviewSheetUpload(ctx, rita, operations.ReviewSheetUploadInput{CallID: call, Workbook: fill(8), Name: "mine-v2.xlsx"}); err != nil {
		t.Fatal(err)
	}
	if r, b := own(rita), own(bart); len(r) != 1 || !slices.Equal(r[second], []int32{8}) || len(b) != 1 || !slices.Equal(b[first], []int32{7}) {
		t.Fatalf("after the new upload: Rita %v, Bart %v", r, b)
	}
	if s.count(t, `SELECT count(*) FROM ranking WHERE call_id = $1`, call) != 0 {
		t.Fatal("ranked before every reviewer returned")
	}

	// Who may not write a sheet: a reviewer of another call, an officer, a program.
	for _, who := range []operations.Actor{nina, olga, {Name: "system:starter"}} {
		_, err := svc.ReviewSheetUpload(ctx, who, operations.ReviewSheetUploadInput{CallID: call, Workbook: fill(1), Name: "x.xlsx"})
		if operations.KindOf(err) != operations.Forbidden {
			t.Errorf("%s uploads a sheet: %v, want forbidden", who.Name, err)
		}
		_, err = svc.ReviewScore(ctx, who, operations.ReviewScoreInput{CallID: call, Reference: second, Scores: map[string]string{"pertinence": "1"}})
		if operations.KindOf(err) != operations.Forbidden {
			t.Errorf("%s scores a file: %v, want forbidden", who.Name, err)
		}
	}

	// Bart's last file returns the committee: the call ranks and proposes.
	res, err = svc.ReviewScore(ctx, bart, operations.ReviewScoreInput{CallID: call, Reference: second, Scores: map[string]string{"pertinence": "9"}, Comment: "solide"})
	if err != nil || !res.Returned || res.Proposal == nil || res.Proposal.Ranked != 2 || res.Pending != "" {
		t.Fatalf("Bart's last score: %+v %v", res, err)
	}
	waitStage(t, s.env, call, workflows.StageProposed)
	if n := s.count(t, `SELECT count(*) FROM scores s JOIN applications a USING (reference) WHERE a.call_id = $1`, call); n != 4 {
		t.Errorf("%d merged score rows, want 2 files × 2 reviewers (one a conflict)", n)
	}
	if n := s.count(t, `SELECT count(*) FROM scores WHERE reference = $1 AND conflict`, first); n != 1 {
		t.Errorf("Rita's declared conflict: %d conflict rows, want 1", n)
	}
	rb, err := svc.ReviewRanking(ctx, bart, operations.ReviewRankingInput{CallID: call})
	if err != nil || !rb.Ready || len(rb.Files) != 2 || rb.Files[0].Reference != second {
		t.Fatalf("Bart's ranking: %+v %v", rb, err)
	}
	rr, err := svc.ReviewRanking(ctx, rita, operations.ReviewRankingInput{CallID: call})
	if err != nil || !rr.Ready || len(rr.Files) != 1 || rr.Files[0].Reference != second {
		t.Fatalf("Rita's ranking (without her conflict): %+v %v", rr, err)
	}
	_, err = svc.ReviewSheetUpload(ctx, rita, operations.ReviewSheetUploadInput{CallID: call, Workbook: fill(3), Name: "late.xlsx"})
	if k := operations.KindOf(err); k != operations.WrongStage {
		t.Errorf("an upload after the ranking: %v (%s), want wrong stage", err, k)
	}
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE action LIKE 'review.%' AND (detail LIKE '%@%' OR target LIKE '%@%' OR actor LIKE '%@%')`); n != 0 {
		t.Errorf("%d audit rows of the review hold an e-mail address", n)
	}
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.rank' AND result = 'ok' AND actor = $1`, bart.Name); n != 1 {
		t.Errorf("the ranking's hand-over: %d audit rows, want 1", n)
	}
}

// The committee's two last sheets saved at the same moment: both saves
// are kept, the call ranks once (one hand-over, one proposal), and the
// ranking holds both reviewers' last scores.
func TestLastTwoSheetsAtOnceRankOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	const call = "AP-CMS-RACE"
	svc := s.env.svc
	if _, err := s.env.Launch(ctx, writeFile(t, call+".yaml", strings.Replace(fmt.Sprintf(smallCall, call, call),
		"committee: {reviewers: [AB]}", "committee: {reviewers: [AB, CD]}", 1)), launchOpts{}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.env.Import(ctx, call, writeFile(t, call+".csv", fmt.Sprintf(smallApps, call))); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := s.env.Close(ctx, call, "enough"); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, call, workflows.StageScreening)
	if err := s.env.EndScreening(ctx, call); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool { return waitStage(t, s.env, call, workflows.StageReview).ScoringPath != "" })
	var who []operations.Actor
	for _, name := range []string{"Ines", "Jan"} {
		email := strings.ToLower(name) + "@office.example"
		id, err := auth.CreateUser(ctx, s.db, name+" Reviewer", email, "", "test", auth.Reviewer)
		if err != nil {
			t.Fatal(err)
		}
		a := operations.Actor{Name: name + " Reviewer", ID: id, Role: "reviewer"}
		if _, err := svc.AssignReviewer(ctx, s.env.by, operations.AssignReviewerInput{CallID: call, Email: email}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Declare(ctx, a, operations.DeclareInput{CallID: call}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ReviewScore(ctx, a, operations.ReviewScoreInput{CallID: call, Reference: call + "-0001", Scores: map[string]string{"pertinence": "5"}}); err != nil {
			t.Fatal(err)
		}
		who = append(who, a)
	}
	results := make([]operations.ReviewSheetSaveResult, 2)
	errs := make([]error, 2)
	done := make(chan int)
	for i, a := range who {
		go func() {
			results[i], errs[i] = svc.ReviewScore(ctx, a, operations.ReviewScoreInput{CallID: call, Reference: call + "-0002", Scores: map[string]string{"pertinence": "9"}})
			done <- i
		}()
	}
	<-done
	<-done
	proposals := 0
	for i := range who {
		if errs[i] != nil || !results[i].Returned {
			t.Fatalf("%s's last score: %+v %v", who[i].Name, results[i], errs[i])
		}
		if results[i].Proposal != nil {
			proposals++
		}
	}
	if proposals != 1 {
		t.Errorf("%d saves answered with the proposal, want exactly one", proposals)
	}
	waitStage(t, s.env, call, workflows.StageProposed)
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.rank' AND result = 'ok'`); n != 1 {
		t.Errorf("%d hand-overs of the merged sheets, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM scores WHERE reference = $1 AND scores = '{9}'`, call+"-0002"); n != 2 {
		t.Errorf("the ranking holds %d of the two last scores", n)
	}
}
