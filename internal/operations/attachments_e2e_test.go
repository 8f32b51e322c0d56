package operations_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// minimalPDF is a small, valid PDF (one empty page).
const minimalPDF = "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" +
	"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"

func budgetXLSX(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Poste", "Montant"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Formation", 12000})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An applicant applies with its statutes and budget: a wrong type, an
// empty file or one over the limit refuses the whole submission and
// changes nothing; the accepted files are kept once (a retry finds
// them), listed and downloaded with their checksum, by its own
// organisation only. The call then goes to a grant: the file shows the
// decision and score, the signed agreement, the payments, the report due
// and the reminder mailed; the applicant sends its final report with a
// file (another organisation cannot), and the file then waits on the
// office's review.
func TestEndToEndApplicantAttachmentsAndOwnReport(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	const call = "AP-CMS-ATT"
	cfg := strings.Replace(strings.Replace(fmt.Sprintf(smallCall, call, call),
		"tranches: [{percent: 100, on: signature}]", "tranches: [{percent: 80, on: signature}, {percent: 20, on: final-report}]", 1),
		"report: {delay_days: 60}", "report: {delay_days: 60, reminder_days: [30]}\ntime_scale: 604800", 1)
	if _, err := s.env.Launch(ctx, writeFile(t, call+".yaml", cfg), launchOpts{}); err != nil {
		t.Fatal(err)
	}
	var org, other int64
	for name, id := range map[string]*int64{"Solsoc ATT": &org, "Oxfam ATT": &other} {
		if err := s.db.QueryRow(ctx, `INSERT INTO applicants (name, name_key) VALUES ($1, $2) RETURNING applicant_id`, name, intake.NameKey(name)).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	userID, err := auth.CreateUser(ctx, s.db, "Sophie Lambert", "sophie@solsoc.example", "", "test", auth.Applicant)
	if err != nil {
		t.Fatal(err)
	}
	sophie := operations.Actor{Name: "Sophie Lambert", ID: userID, Role: string(auth.Applicant)}
	svc := s.env.svc
	form := intake.Application{Association: "Solsoc ATT", Title: "Jeux coopératifs", Region: "Région de Bruxelles-Capitale",
		Amount: 1500000, Summary: "Des jeux.", DurationMonths: 12, ContactName: "Sophie Lambert", Email: "sophie@solsoc.example",
		Language: "fr", IBAN: "BE71 0961 2345 6769"}
	apply := func(svc *operations.Service, files ...operations.AttachmentFile) (operations.ApplyWithAttachmentsResult, error) {
		return svc.ApplyWithAttachments(ctx, sophie, operations.ApplyWithAttachmentsInput{
			ApplyInput: operations.ApplyInput{CallID: call, Source: "the form", Organisation: org, Form: &form}, Files: files})
	}
	pdf, xlsx := []byte(minimalPDF), budgetXLSX(t)
	statutes := operations.AttachmentFile{Field: "statutes", Name: `C:\docs\statuts "2024".pdf`, Data: pdf}
	budget := operations.AttachmentFile{Field: "budget", Name: "budget.xlsx", Data: xlsx}
	nothing := func(what string) {
		t.Helper()
		if n := s.count(t, `SELECT count(*) FROM applications WHERE call_id = $1`, call); n != 0 {
			t.Errorf("%s: %d applications, want none", what, n)
		}
		if n := s.count(t, `SELECT count(*) FROM attachments`); n != 0 {
			t.Errorf("%s: %d attachments, want none", what, n)
		}
	}
	small := *svc
	small.MaxAttachmentBytes = 1024
	for what, c := range map[string]struct {
		svc   *operations.Service
		files []operations.AttachmentFile
		fault operations.FileFault
	}{
		"an HTML page named .pdf": {svc, []operations.AttachmentFile{statutes, {Field: "budget", Name: "budget.pdf", Data: []byte("<html><script>x()</script></html>")}}, operations.FileWrong},
		"an empty budget":         {svc, []operations.AttachmentFile{statutes, {Field: "budget", Name: "budget.xlsx"}}, operations.FileEmpty},
		"a budget over the limit": {&small, []operations.AttachmentFile{statutes, budget}, operations.FileTooBig},
	} {
		_, err := apply(c.svc, c.files...)
		var bad operations.FileProblems
		if operations.KindOf(err) != operations.Refused || !errors.As(err, &bad) || len(bad) != 1 || bad[0].Field != "budget" || bad[0].Fault != c.fault {
			t.Errorf("%s: %v, want the budget refused as %s", what, err, c.fault)
		}
		nothing(what)
	}
	// An application intake refuses keeps no file either.
	bad := form
	bad.Amount = 99_900_000
	_, err = svc.ApplyWithAttachments(ctx, sophie, operations.ApplyWithAttachmentsInput{
		ApplyInput: operations.ApplyInput{CallID: call, Source: "the form", Organisation: org, Form: &bad}, Files: []operations.AttachmentFile{statutes, budget}})
	if operations.KindOf(err) != operations.Refused {
		t.Errorf("an amount over the maximum: %v, want refused", err)
	}
	nothing("a refused application")

	res, err := apply(svc, statutes, budget)
	if err != nil {
		t.Fatal(err)
	}
	ref := res.Reference
	if len(res.Attachments) != 2 || res.Attachments[0].Name != `statuts _2024_.pdf` || res.Attachments[0].MediaType != operations.TypePDF ||
		res.Attachments[1].MediaType != operations.TypeXLSX || res.Attachments[1].Size != int64(len(xlsx)) {
		t.Fatalf("kept %+v", res.Attachments)
	}
	// The same title again, in a region the call does not fund, with a
	// bad budget: every problem named at once, each with its rule.
	twice := form
	twice.Region = "Mars"
	_, err = svc.ApplyWithAttachments(ctx, sophie, operations.ApplyWithAttachmentsInput{
		ApplyInput: operations.ApplyInput{CallID: call, Source: "the form", Organisation: org, Form: &twice},
		Files:      []operations.AttachmentFile{{Field: "budget", Name: "b.xlsx", Data: []byte("nope")}}})
	var fp *operations.FormProblems
	var files operations.FileProblems
	if !errors.As(err, &fp) || len(fp.Fields) != 2 || fp.Fields[0].Rule != operations.RuleRegion || fp.Fields[1].Rule != operations.RuleDuplicate ||
		fp.Fields[1].Reference != ref || !errors.As(err, &files) || len(files) != 1 {
		t.Errorf("a repeated title in a foreign region with a bad budget: %v (%+v)", err, fp)
	}
	if n := s.count(t, `SELECT count(*) FROM applications WHERE call_id = $1`, call); n != 1 {
		t.Errorf("%d applications after refusals, want 1", n)
	}
	again, err := svc.Attach(ctx, sophie, operations.AttachInput{Reference: ref, Files: []operations.AttachmentFile{budget},
		Only: operations.ApplicationFilter{Organisation: org}})
	if err != nil || len(again.Attachments) != 1 || again.Attachments[0].ID != res.Attachments[1].ID {
		t.Errorf("the budget sent again: %+v %v, want the kept one", again, err)
	}
	if n := s.count(t, `SELECT count(*) FROM attachments WHERE reference = $1`, ref); n != 2 {
		t.Errorf("%d attachments after a retry, want 2", n)
	}
	var by string
	_ = s.db.QueryRow(ctx, `SELECT uploaded_by FROM attachments WHERE reference = $1 LIMIT 1`, ref).Scan(&by)
	if by != userID {
		t.Errorf("uploaded by %q, want the user id %s", by, userID)
	}
	got, err := svc.Attachment(ctx, sophie, operations.AttachmentInput{Reference: ref, ID: res.Attachments[1].ID, Only: operations.ApplicationFilter{Organisation: org}})
	sum := sha256.Sum256(xlsx)
	if err != nil || !bytes.Equal(got.Data, xlsx) || got.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("download: %v, checksum %s", err, got.SHA256)
	}
	for what, only := range map[string]operations.ApplicationFilter{"another organisation": {Organisation: other}, "no organisation": {Organisation: -1}} {
		if _, err := svc.Attachment(ctx, sophie, operations.AttachmentInput{Reference: ref, ID: res.Attachments[1].ID, Only: only}); operations.KindOf(err) != operations.NotFound {
			t.Errorf("%s downloads: %v, want not found", what, err)
		}
	}
	if _, err := svc.Attachment(ctx, sophie, operations.AttachmentInput{Reference: ref, ID: res.Attachments[1].ID + 100, Only: operations.ApplicationFilter{Organisation: org}}); operations.KindOf(err) != operations.NotFound {
		t.Errorf("an unknown attachment: %v, want not found", err)
	}
	// The audit log has the actions, never a file name.
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE target = $1 AND action = 'application.attach' AND result = 'ok'`, ref); n != 2 {
		t.Errorf("%d application.attach audit rows, want 2", n)
	}
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE detail LIKE '%statuts%' OR detail LIKE '%budget.%'`); n != 0 {
		t.Errorf("file names in the audit log: %d rows", n)
	}

	// The call goes to a grant.
	file := func() operations.ApplicationFile {
		t.Helper()
		f, err := svc.Application(ctx, sophie, operations.ApplicationInput{Reference: ref, Only: operations.ApplicationFilter{Organisation: org}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := file(); f.WaitingOn != operations.WaitScreening || len(f.Attachments) != 2 || f.Grant != nil || f.Score != nil {
		t.Errorf("a new file: waits on %q, %d files, grant %v, score %v", f.WaitingOn, len(f.Attachments), f.Grant, f.Score)
	}
	if res, err := s.env.Import(ctx, call, writeFile(t, call+".csv", fmt.Sprintf(smallApps, call))); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	driveToGrants(t, s, call)
	// The window is closed: the workflow refuses a late form, answered as
	// WrongStage (a page says the deadline passed), and nothing is kept.
	late := form
	late.Title = "Trop tard"
	if _, err := svc.ApplyWithAttachments(ctx, sophie, operations.ApplyWithAttachmentsInput{
		ApplyInput: operations.ApplyInput{CallID: call, Source: "the form", Organisation: org, Form: &late}, Files: []operations.AttachmentFile{statutes}}); operations.KindOf(err) != operations.WrongStage {
		t.Errorf("an application after the window closed: %v (kind %q), want wrong_stage", err, operations.KindOf(err))
	}
	if n := s.count(t, `SELECT count(*) FROM attachments WHERE reference LIKE $1`, call+"%"); n != 2 {
		t.Errorf("%d attachments after a late application, want 2", n)
	}
	grant := workflows.GrantWorkflowID(ref)
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")
	waitUntil(t, 30*time.Second, func() bool { return file().Grant != nil })
	if f := file(); f.WaitingOn != operations.WaitSignature || f.Score == nil || f.Score.Rank != 1 || f.Score.Ranked != 3 || f.Grant == nil ||
		f.Grant.SignedOn != nil || len(f.Grant.Payments) != 2 || f.Grant.Payments[0].OrderedAt != nil {
		t.Fatalf("a granted file before signature: %+v", f)
	}
	if err := s.env.GrantSign(ctx, grant, today); err != nil {
		t.Fatal(err)
	}
	if err := s.env.GrantPaid(ctx, grant, 1, today); err != nil {
		t.Fatal(err)
	}
	if err := s.env.GrantEndDate(ctx, grant, time.Now().Add(time.Second).Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	// The report reminder (30 compressed days before the due date) is mailed.
	waitUntil(t, 60*time.Second, func() bool {
		return s.count(t, `SELECT count(*) FROM mail_log WHERE reference = $1 AND kind = 'report-reminder' AND status = 'sent'`, ref) == 1
	})
	f := file()
	g := f.Grant
	if f.Decision != "granted" || g == nil || g.SignedOn == nil || g.ReportDue == nil || len(g.Reminders) != 1 || !g.ReportAwaited() ||
		(f.WaitingOn != operations.WaitReport && f.WaitingOn != operations.WaitReportOverdue) {
		t.Fatalf("the running grant's file: %+v grant %+v", f, g)
	}
	if p := g.Payments; p[0].PaidOn == nil || p[0].Amount.Cents != 1200000 || p[1].OrderedAt != nil || p[1].Amount.Cents != 300000 || p[1].On != "final-report" {
		t.Errorf("payments %+v", p)
	}

	// The final report: only the grant's own organisation sends it.
	report := operations.OwnReportInput{Reference: ref, Beneficiaries: 250, Spent: 1450000, Lessons: "Les jeux marchent.",
		Files: []operations.AttachmentFile{{Field: "report", Name: "rapport.pdf", Data: pdf}}}
	for what, c := range map[string]struct {
		only operations.ApplicationFilter
		kind operations.Kind
	}{
		"another organisation": {operations.ApplicationFilter{Organisation: other}, operations.NotFound},
		"no organisation":      {operations.ApplicationFilter{}, operations.Forbidden},
	} {
		in := report
		in.Only = c.only
		if _, err := svc.OwnReport(ctx, sophie, in); operations.KindOf(err) != c.kind {
			t.Errorf("a report from %s: %v, want %s", what, err, c.kind)
		}
	}
	in := report
	in.Only = operations.ApplicationFilter{Organisation: org}
	in.Files = []operations.AttachmentFile{{Field: "report", Name: "rapport.exe", Data: []byte("MZ\x90\x00")}}
	if _, err := svc.OwnReport(ctx, sophie, in); operations.KindOf(err) != operations.Refused {
		t.Errorf("a report with an executable: %v, want refused", err)
	}
	if n := s.count(t, `SELECT count(*) FROM reports WHERE grant_id = $1`, grant); n != 0 {
		t.Fatalf("refused reports left %d rows", n)
	}
	in.Files = report.Files
	out, err := svc.OwnReport(ctx, sophie, in)
	if err != nil || len(out.Attachments) != 1 || out.Attachments[0].Field != "report" {
		t.Fatalf("the own report: %+v %v", out, err)
	}
	waitUntil(t, 30*time.Second, func() bool { return file().WaitingOn == operations.WaitReportReview })
	if f := file(); len(f.Grant.Reports) != 1 || len(f.Attachments) != 3 {
		t.Errorf("after the report: %+v, %d attachments", f.Grant.Reports, len(f.Attachments))
	}
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'grant.report' AND target = $1 AND role = 'applicant' AND result = 'ok'`, grant); n != 1 {
		t.Errorf("%d audit rows of the applicant's report, want 1", n)
	}
}

// driveToGrants closes call, screens everything eligible, scores it
// (fillOne), decides every proposed project and waits for the grants.
func driveToGrants(t *testing.T, s *stack, call string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.env.Close(ctx, call, "enough"); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, call, workflows.StageScreening)
	if err := s.env.EndScreening(ctx, call); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool { return waitStage(t, s.env, call, workflows.StageReview).ScoringPath != "" })
	book := t.TempDir() + "/scoring.xlsx"
	if err := s.env.ReviewExport(ctx, call, book); err != nil {
		t.Fatal(err)
	}
	fillOne(t, book)
	if _, err := s.env.ReviewImport(ctx, call, book); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, call, workflows.StageProposed)
	if _, err := s.env.Decide(ctx, call, decideOpts{Decree: "AGRBC 2030/16", All: true}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool {
		return waitStage(t, s.env, call, workflows.StageDecided).Grants.Started == 3
	})
}
