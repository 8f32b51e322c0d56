package workflows_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/workflows"
)

// noIBAN clears the bank account of a staged application, so that the
// automatic check (require_iban) declares it ineligible.
func (h *harness) noIBAN(s intake.Submission) intake.Submission {
	if _, err := h.db.Exec(context.Background(), `UPDATE intake_inbox SET iban = NULL WHERE token = $1`, s.Token); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// stageScores writes a validated import as `starter review import` does.
func (h *harness) stageScores(importID string, rows map[string][]int, conflicts ...string) {
	for ref, vals := range rows {
		_, err := h.db.Exec(context.Background(), `INSERT INTO score_staging (import_id, call_id, reference, reviewer, conflict, scores)
			VALUES ($1, $2, $3, 'AB', false, $4)`, importID, h.call.ID, ref, vals)
		if err != nil {
			h.t.Fatal(err)
		}
	}
	for _, ref := range conflicts {
		_, err := h.db.Exec(context.Background(), `INSERT INTO score_staging (import_id, call_id, reference, reviewer, conflict)
			VALUES ($1, $2, $3, 'AB', true)`, importID, h.call.ID, ref)
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) mails(kind string) int {
	var n int
	_ = h.db.QueryRow(context.Background(), `SELECT count(*) FROM mail_log WHERE kind = $1`, kind).Scan(&n)
	return n
}

func verdicts(vs ...workflows.Verdict) workflows.ScreenInput {
	return workflows.ScreenInput{Verdicts: vs, By: "officer"}
}

func TestScreeningToReview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call.Screening.RequireIBAN = true
	kin := "Ville-Province de Kinshasa"
	subs := submit(h.app("Twende", "Zéro plastique", kin, 15000), h.app("Forum Lisanga", "WO-GREEN", kin, 25000),
		h.noIBAN(h.app("Sans Banque", "Projet", kin, 20000)))
	var sub, okA, badB, again, unknown, noReason, early outcome
	var screening, review workflows.StatusResult
	h.update(day, workflows.UpdateSubmit, subs, &sub)
	h.update(2*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0001", Eligible: true}), &early)
	h.status(31*day, &screening)
	h.update(31*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0003", Eligible: true}), &again)
	h.update(31*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0099", Eligible: true}), &unknown)
	h.update(31*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0002"}), &noReason)
	h.update(31*day+time.Hour, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0001", Eligible: true}), &okA)
	h.update(32*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0002", Reason: "hors du thème de l'appel"}), &badB)
	h.status(33*day, &review)
	h.run(34*day, workflowsInput())

	if sub.err != nil || early.rejected == nil || !strings.Contains(early.rejected.Error(), "screening") {
		t.Fatalf("submit %v; a verdict while the window is open must be refused: %v", sub.err, early.rejected)
	}
	if screening.Stage != workflows.StageScreening || screening.Screening.Ineligible != 1 || screening.Screening.Pending != 2 {
		t.Fatalf("after the deadline the automatic check must screen out the application without IBAN: %+v", screening.Screening)
	}
	for name, o := range map[string]outcome{"already screened": again, "unknown reference": unknown, "no reason": noReason} {
		if o.rejected == nil {
			t.Errorf("%s: want a refusal", name)
		}
	}
	if okA.err != nil || okA.rejected != nil || badB.err != nil || badB.rejected != nil {
		t.Fatalf("verdicts: %+v %+v", okA, badB)
	}
	if review.Stage != workflows.StageReview || review.Screening.Eligible != 1 || review.Screening.Ineligible != 2 || review.ScoringPath == "" {
		t.Fatalf("every application screened must move to review with a scoring workbook: %+v", review)
	}
	if _, err := os.Stat(review.ScoringPath); err != nil {
		t.Fatalf("scoring workbook: %v", err)
	}
	if n := h.mails("ineligible"); n != 2 {
		t.Fatalf("ineligibility notices queued: %d, want 2", n)
	}
	var reason string
	_ = h.db.QueryRow(context.Background(), `SELECT screening_reason FROM applications WHERE reference = 'AP-SUD-2024-0003'`).Scan(&reason)
	if !strings.Contains(reason, "IBAN") {
		t.Fatalf("automatic reason %q", reason)
	}
}

func TestScreeningEndedEarly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	kin := "Ville-Province de Kinshasa"
	var sub, bad, end, endAgain outcome
	var s workflows.StatusResult
	h.update(day, workflows.UpdateSubmit, submit(h.app("A", "a", kin, 15000), h.app("B", "b", kin, 15000), h.app("C", "c", kin, 15000)), &sub)
	h.update(31*day, workflows.UpdateScreen, verdicts(workflows.Verdict{Reference: "AP-SUD-2024-0002", Reason: "statuts manquants"}), &bad)
	h.update(32*day, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "officer"}, &end)
	h.update(33*day, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "officer"}, &endAgain)
	h.status(33*day, &s)
	h.run(34*day, workflowsInput())
	if sub.err != nil || bad.err != nil || end.err != nil || end.rejected != nil {
		t.Fatalf("%+v %+v %+v", sub, bad, end)
	}
	// Ending what has ended is refused (nothing enters history) as
	// already done, which front ends report as success.
	if !isType(endAgain.rejected, workflows.ErrTypeAlreadyDone) {
		t.Errorf("ending screening twice: %v, want an %s refusal", endAgain.rejected, workflows.ErrTypeAlreadyDone)
	}
	if s.Stage != workflows.StageReview || s.Screening.Eligible != 2 || s.Screening.Ineligible != 1 || s.Screening.Pending != 0 {
		t.Fatalf("after ending screening: %+v %+v", s.Stage, s.Screening)
	}
	var n int
	_ = h.db.QueryRow(context.Background(), `SELECT count(*) FROM applications WHERE eligible AND screened_by LIKE '%screening ended%'`).Scan(&n)
	if n != 2 {
		t.Fatalf("applications declared eligible at the end of screening: %d", n)
	}
}

func TestScoresImportRejectedThenAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	kin, tpo := "Ville-Province de Kinshasa", "Territoire palestinien occupé"
	var sub, end, badImport, goodImport, twice outcome
	var s workflows.StatusResult
	h.update(day, workflows.UpdateSubmit, submit(h.app("A", "a", kin, 120000), h.app("B", "b", tpo, 125000), h.app("C", "c", kin, 100000)), &sub)
	h.update(31*day, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "officer"}, &end)
	h.env.RegisterDelayedCallback(func() {
		// The only reviewer declared a conflict for B: nobody scored it.
		h.stageScores("aaaaaaaa-0000-4000-8000-000000000001", map[string][]int{"AP-SUD-2024-0001": {7}, "AP-SUD-2024-0003": {9}}, "AP-SUD-2024-0002")
		h.stageScores("aaaaaaaa-0000-4000-8000-000000000002", map[string][]int{"AP-SUD-2024-0001": {7}, "AP-SUD-2024-0002": {8}, "AP-SUD-2024-0003": {9}})
	}, 32*day-time.Hour)
	h.update(32*day, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: "aaaaaaaa-0000-4000-8000-000000000001", By: "officer"}, &badImport)
	h.update(33*day, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: "aaaaaaaa-0000-4000-8000-000000000002", By: "officer"}, &goodImport)
	h.update(34*day, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: "aaaaaaaa-0000-4000-8000-000000000002", By: "officer"}, &twice)
	h.status(34*day, &s)
	h.run(35*day, workflowsInput())
	if sub.err != nil || end.err != nil {
		t.Fatal(sub.err, end.err)
	}
	if badImport.err == nil || !strings.Contains(badImport.err.Error(), "conflict") {
		t.Fatalf("an import leaving an application unscored must fail with the reason: %+v", badImport)
	}
	if goodImport.err != nil || goodImport.rejected != nil {
		t.Fatalf("valid import: %+v", goodImport)
	}
	if twice.rejected == nil {
		t.Error("a second import after the proposal must be refused")
	}
	// Envelopes: general 200.400 €, reserve 424.946 € for the Tpo. C (9)
	// and A (7) compete for the general envelope: only C fits; B takes the reserve.
	if s.Stage != workflows.StageProposed || s.Proposal == nil || s.Proposal.Selected != 2 || s.Proposal.SelectedTotal != 22500000 {
		t.Fatalf("proposal: %+v %+v", s.Stage, s.Proposal)
	}
	var ranks []string
	rows, _ := h.db.Query(context.Background(), `SELECT reference || ':' || rank || ':' || selected FROM ranking ORDER BY rank`)
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		ranks = append(ranks, r)
	}
	if strings.Join(ranks, " ") != "AP-SUD-2024-0003:1:true AP-SUD-2024-0002:2:true AP-SUD-2024-0001:3:false" {
		t.Fatalf("ranking %v", ranks)
	}
	if _, err := os.Stat(s.Proposal.Path); err != nil {
		t.Fatalf("proposal workbook: %v", err)
	}
}

func workflowsInput() workflows.CallInput { return workflows.CallInput{} }
