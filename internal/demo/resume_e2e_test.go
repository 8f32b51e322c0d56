package demo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
)

var errStop = errors.New("stopped by the test")

// stopAfter is a runner that stops the replay once n actions of the
// step named ran: the step stops half-run.
type stopAfter struct {
	step string
	n    int
}

func (s *stopAfter) Run(ctx context.Context, a demo.Action) error {
	if a.Step == s.step {
		if s.n == 0 {
			return errStop
		}
		s.n--
	}
	return demo.Patient{}.Run(ctx, a)
}

// TestReplayResumes stops the replay before a middle step, resumes it from
// that step and stops it again halfway through the grants, resumes it
// from the half-run step to the end, then once more from an earlier step:
// each report is the uninterrupted replay's, to the cent.
func TestReplayResumes(t *testing.T) {
	t.Parallel()
	_, stackURL := testenv.Postgres(t)
	_, srv := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	db := "cc_test_resume_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if admin, err := pgxpool.New(context.Background(), testenv.AdminURL()); err == nil {
			_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
			admin.Close()
		}
	})
	var out bytes.Buffer
	w := demo.World{
		Temporal:    config.Temporal{Address: srv.FrontendHostPort(), Namespace: "default"},
		DatabaseURL: stackURL, OutputDir: t.TempDir(), Namespace: "callcycle-demo-resume", Database: db,
		SMTP: mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"},
		Data: "../../examples/2024", Out: &out, By: "demo-test",
	}
	ctx := context.Background()
	report := t.TempDir() + "/annual-report-2024.xlsx"
	run := func(from string) (stopped string) {
		t.Helper()
		out.Reset()
		res, err := w.Run(ctx, from, report)
		t.Logf("--from %q:\n%s", from, out.String())
		var st *demo.StoppedError
		switch {
		case errors.As(err, &st) && errors.Is(err, errStop):
			return st.Step
		case err != nil:
			t.Fatalf("--from %q: %v", from, err)
		}
		checkFigures(t, from, res)
		return ""
	}

	if _, err := w.Run(ctx, "caretaker", report); err == nil || !strings.Contains(err.Error(), "no earlier demo") {
		t.Fatalf("--from in an empty world: want a refusal, got %v", err)
	}
	w.BeforeStep = func(_ context.Context, s demo.Step) error {
		if s.Name == "caretaker" {
			return errStop
		}
		return nil
	}
	if at := run(""); at != "caretaker" {
		t.Fatalf("stopped at %q, want caretaker", at)
	}
	// Resumed from the step where it stopped, and stopped in the middle
	// of the second grant (the list of grants, the first grant's five
	// actions, the second's signature).
	w.BeforeStep, w.Runner = nil, &stopAfter{step: "grants", n: 7}
	if at := run("caretaker"); at != "grants" {
		t.Fatalf("stopped at %q, want grants", at)
	}
	if strings.Contains(out.String(), "sud-launch") {
		t.Errorf("--from caretaker ran the steps before it:\n%s", &out)
	}
	w.Runner = nil
	if at := run("grants"); at != "" {
		t.Fatalf("--from grants stopped at %s", at)
	}
	// From an earlier step of a complete world: every step finds itself
	// done, and nothing is recorded twice.
	if at := run("sud-decision"); at != "" {
		t.Fatalf("--from sud-decision stopped at %s", at)
	}
}

// checkFigures compares the report with the 2024 report's figures.
func checkFigures(t *testing.T, from string, res workflows.AnnualReportResult) {
	t.Helper()
	want := map[string]money.Cents{"Appel à projets Sud": money.Euros(625346), "Appel à projets CMS": money.Euros(200000),
		"Hors appels": money.Euros(32700), "Frais de fonctionnement": money.Euros(23196), "Aide d'urgence": 0}
	if res.Total != money.Euros(881242) {
		t.Errorf("--from %q: total %s, want 881.242 €", from, res.Total)
	}
	if len(res.ByKind) != len(want) {
		t.Errorf("--from %q: kinds %+v", from, res.ByKind)
	}
	for _, l := range res.ByKind {
		if l.Amount != want[l.Label] {
			t.Errorf("--from %q: %s %s, want %s", from, l.Label, l.Amount, want[l.Label])
		}
	}
}
