package operations_test

import (
	"context"
	"fmt"
	"github.com/callcycle/callcycle/internal/callspec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/workflowservice/v1"
)

const smallCall = `id: %s
kind: cms
year: 2030
title: Appel CMS %s
theme: Citoyenneté mondiale et solidaire
envelope: "50.000 €"
min_grant: "5.000 €"
max_grant: "25.000 €"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 1, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches: [{percent: 100, on: signature}]
report: {delay_days: 60}
committee: {reviewers: [AB]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@cms.example, language: fr}]
`

const smallApps = `association;title;region;amount;summary;duration_months;contact_name;email;language;iban
ULB Coopération %[1]s;Cooperation Games;Région de Bruxelles-Capitale;18.963 €;Un jeu.;12;Ana;ulb-%[1]s@example.org;fr;BE71 0961 2345 6769
Oxfam %[1]s;Inleefateliers;Région de Bruxelles-Capitale;10.837 €;Ateliers.;12;Bram;oxfam-%[1]s@example.org;nl;BE68 5390 0754 7034
`

// toProposal drives a small call from launch to the government step.
func (s *stack) toProposal(t *testing.T, callID string, edits ...string) {
	t.Helper()
	ctx := context.Background()
	cfg := fmt.Sprintf(smallCall, callID, callID)
	for i := 0; i+1 < len(edits); i += 2 {
		cfg = strings.Replace(cfg, edits[i], edits[i+1], 1)
	}
	if _, err := s.env.Launch(ctx, writeFile(t, callID+".yaml", cfg), launchOpts{}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.env.Import(ctx, callID, writeFile(t, callID+".csv", fmt.Sprintf(smallApps, callID))); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := s.env.Close(ctx, callID, "enough"); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, callID, workflows.StageScreening)
	if err := s.env.EndScreening(ctx, callID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool { return waitStage(t, s.env, callID, workflows.StageReview).ScoringPath != "" })
	book := filepath.Join(t.TempDir(), "scoring.xlsx")
	if err := s.env.ReviewExport(ctx, callID, book); err != nil {
		t.Fatal(err)
	}
	fillOne(t, book)
	if _, err := s.env.ReviewImport(ctx, callID, book); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, callID, workflows.StageProposed)
}

func waitStage(t *testing.T, env *desk, callID, stage string) operations.CallStatus {
	t.Helper()
	var st operations.CallStatus
	waitUntil(t, 30*time.Second, func() bool {
		var err error
		st, err = env.Status(context.Background(), callID, true)
		return err == nil && st.Stage == stage
	})
	return st
}

func TestEndToEndCaretakerPausesAndInstallationResumes(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	if err := s.env.GovernmentCaretaker(ctx, "2026-06-10"); err != nil {
		t.Fatal(err)
	}
	err := s.env.GovernmentCaretaker(ctx, "2026-06-11")
	wantUsage(t, "caretaker twice", err, "already in caretaker mode")
	s.toProposal(t, "AP-CMS-A")
	s.toProposal(t, "AP-CMS-B")

	for _, id := range []string{"AP-CMS-A", "AP-CMS-B"} {
		st := waitStage(t, s.env, id, workflows.StageProposed)
		waitUntil(t, 30*time.Second, func() bool {
			st = waitStage(t, s.env, id, workflows.StageProposed)
			return st.Paused
		})
		if !strings.Contains(st.WaitingFor, "paused: caretaker mode since 2026-06-10") {
			t.Fatalf("%s: %q", id, st.WaitingFor)
		}
		_, err := s.env.Decide(ctx, id, decideOpts{Decree: "AGRBC 2026/1", All: true})
		wantUsage(t, "decision in caretaker mode", err, "paused: caretaker mode since 2026-06-10")
	}
	if n := s.countPaused(t); n != 2 {
		t.Fatalf("CallPaused = true on %d workflows, want 2", n)
	}

	// One command resumes both calls, within seconds.
	installedAt := time.Now()
	if err := s.env.GovernmentInstalled(ctx, time.Now().In(callspec.Brussels).Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"AP-CMS-A", "AP-CMS-B"} {
		waitUntil(t, 10*time.Second, func() bool { return !waitStage(t, s.env, id, workflows.StageProposed).Paused })
	}
	t.Logf("both calls resumed %s after the installation", time.Since(installedAt).Round(time.Millisecond))
	waitUntil(t, 10*time.Second, func() bool { return s.countPaused(t) == 0 })

	for _, id := range []string{"AP-CMS-A", "AP-CMS-B"} {
		if _, err := s.env.Decide(ctx, id, decideOpts{Decree: "AGRBC 2026/7", All: true}); err != nil {
			t.Fatal(err)
		}
		_, err := s.env.Decide(ctx, id, decideOpts{Decree: "AGRBC 2026/7", All: true})
		wantUsage(t, "second decision", err, "stage")
		waitStage(t, s.env, id, workflows.StageDecided)
	}
	// Decision mails: one per application, once each.
	waitUntil(t, 30*time.Second, func() bool {
		return s.count(t, "SELECT count(*) FROM mail_log WHERE status = 'sent'") == s.count(t, "SELECT count(*) FROM mail_log")
	})
	msgs := s.sink.Messages(t)
	granted := map[string]int{}
	ids := map[string]bool{}
	for _, m := range msgs {
		if ids[m.MessageID] {
			t.Errorf("mail %s delivered twice", m.MessageID)
		}
		ids[m.MessageID] = true
		if strings.HasPrefix(m.Subject, "Subvention accordée") || strings.HasPrefix(m.Subject, "Subsidie toegekend") {
			granted[m.Recipient()]++
		}
	}
	for _, to := range []string{"ulb-AP-CMS-A@example.org", "oxfam-AP-CMS-A@example.org", "ulb-AP-CMS-B@example.org", "oxfam-AP-CMS-B@example.org"} {
		if granted[to] != 1 {
			t.Errorf("%s received %d decision mails, want 1", to, granted[to])
		}
	}
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID("AP-CMS-A"), "call-caretaker-to-decision")
	testenv.SaveHistory(t, s.tc, workflows.GovernmentWorkflowID, "government")
	if len(msgs) != s.count(t, "SELECT count(*) FROM mail_log") {
		t.Errorf("sink holds %d mails, outbox %d", len(msgs), s.count(t, "SELECT count(*) FROM mail_log"))
	}
}

func (s *stack) countPaused(t *testing.T) int {
	t.Helper()
	resp, err := s.tc.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Query: "CallPaused = true AND ExecutionStatus = 'Running'"})
	if err != nil {
		t.Fatal(err)
	}
	return int(resp.Count)
}
