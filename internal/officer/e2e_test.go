package officer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// stack is the whole system on real services: a Temporal dev server, a
// fresh PostgreSQL database, Mailpit, and a worker configured as in main.
type stack struct {
	env  officer.Env
	out  *bytes.Buffer
	db   *pgxpool.Pool
	tc   client.Client
	sink *testenv.Mailpit
}

func newStack(t *testing.T) *stack {
	t.Helper()
	db, _ := testenv.Postgres(t)
	tc, _ := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{DB: db, Mailer: m, OutputDir: t.TempDir()})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	out := &bytes.Buffer{}
	return &stack{env: officer.Env{Temporal: tc, DB: db, Out: out, By: "e2e-officer"}, out: out, db: db, tc: tc, sink: sink}
}

func (s *stack) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantUsage(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if !errors.Is(err, officer.ErrUsage) || !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: want an input error containing %q, got %v", what, contains, err)
	}
}

// tables are the rows every refusal must leave untouched.
var tables = []string{"calls", "applicants", "applications", "intake_inbox", "mail_log"}

func (s *stack) snapshot(t *testing.T) map[string]int {
	m := map[string]int{}
	for _, tb := range tables {
		m[tb] = s.count(t, "SELECT count(*) FROM "+tb)
	}
	return m
}

func TestEndToEndSubmissionWindow(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()

	// Launch: a bad config starts nothing; the example starts; twice is refused.
	_, err := s.env.Launch(ctx, writeFile(t, "bad.yaml", "id: AP-SUD-2024\nkind: sud\nenvelope: 125.000\n"), officer.LaunchOptions{})
	wantUsage(t, "malformed call", err, "ambiguous")
	_, err = s.env.Launch(ctx, writeFile(t, "bad.yaml", "id: [unclosed\n"), officer.LaunchOptions{})
	wantUsage(t, "invalid YAML", err, "not valid YAML")
	if n := s.count(t, "SELECT count(*) FROM call_contacts"); n != 0 {
		t.Fatalf("a refused launch stored %d contacts", n)
	}
	// A low threshold makes the call continue-as-new several times below.
	if _, err := s.env.Launch(ctx, example("call-ap-sud-2024.yaml"), officer.LaunchOptions{MaxUpdatesPerRun: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = s.env.Launch(ctx, example("call-ap-sud-2024.yaml"), officer.LaunchOptions{})
	wantUsage(t, "second launch", err, "already launched")

	// One application, then the bulk file with its bad rows.
	ref, err := s.env.Apply(ctx, "AP-SUD-2024", example("application.yaml"))
	if err != nil || ref != "AP-SUD-2024-0001" {
		t.Fatalf("apply: %q %v", ref, err)
	}
	res, err := s.env.Import(ctx, "AP-SUD-2024", example("applications-2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 9 || len(res.Rejected) != 3 {
		t.Fatalf("import: %d accepted, %d rejected\n%s", len(res.Accepted), len(res.Rejected), s.out)
	}
	reasons := map[int]string{}
	for _, r := range res.Rejected {
		reasons[r.Row] = r.Reason
	}
	for row, want := range map[int]string{11: "region", 12: "above the call's maximum", 13: "email"} {
		if !strings.Contains(reasons[row], want) {
			t.Errorf("row %d: want a reason about %q, got %q", row, want, reasons[row])
		}
	}

	// Refusals change nothing.
	before := s.snapshot(t)
	_, err = s.env.Apply(ctx, "AP-SUD-2024", example("application.yaml"))
	wantUsage(t, "duplicate", err, "duplicate")
	_, err = s.env.Apply(ctx, "AP-NOPE-2024", example("application.yaml"))
	wantUsage(t, "unknown call", err, "no call")
	crlf := strings.Replace(mustRead(t, example("application.yaml")), "name: Sophie Lambert", "name: \"Sophie\\r\\nBcc: victim@evil.example\"", 1)
	_, err = s.env.Apply(ctx, "AP-SUD-2024", writeFile(t, "crlf.yaml", crlf))
	wantUsage(t, "CR/LF in a name", err, "single line")
	_, err = s.env.Apply(ctx, "AP-SUD-2024", writeFile(t, "bad.yaml", "association: [x\n"))
	wantUsage(t, "malformed application", err, "not valid YAML")
	for _, mod := range [][2]string{
		{"region: Territoire palestinien occupé", "region: Dakar"},
		{`amount: "125.000 €"`, `amount: "125.001 €"`},
		{`amount: "125.000 €"`, `amount: "9.999 €"`},
		{"email: projets@solsoc.example", "email: not-an-address"},
		{"association: Solsoc", "association: \"\""},
	} {
		bad := strings.Replace(mustRead(t, example("application.yaml")), mod[0], mod[1], 1)
		bad = strings.Replace(bad, "title: Développement", "title: Autre développement", 1)
		if _, err := s.env.Apply(ctx, "AP-SUD-2024", writeFile(t, "bad.yaml", bad)); !errors.Is(err, officer.ErrUsage) {
			t.Errorf("%s: want refusal, got %v", mod[1], err)
		}
	}
	if after := s.snapshot(t); !equal(before, after) {
		t.Fatalf("refusals changed rows: before %v after %v", before, after)
	}

	// Status from the query; the call continued as new along the way.
	var out bytes.Buffer
	env := s.env
	env.Out = &out
	st, err := env.Status(ctx, "AP-SUD-2024", true)
	if err != nil || st.Submitted != 10 || st.Stage != workflows.StageOpen || st.Runs < 3 {
		t.Fatalf("status: %+v %v", st, err)
	}

	// The deadline passes on its durable timer: moved to a few seconds away.
	soon := time.Now().Add(3 * time.Second).In(time.UTC).Format(time.RFC3339)
	if _, err := s.env.Extend(ctx, "AP-SUD-2024", soon); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool {
		st, err := env.Status(ctx, "AP-SUD-2024", true)
		return err == nil && st.Stage == workflows.StageClosed && st.CloseReason == "deadline"
	})
	late := strings.Replace(mustRead(t, example("application.yaml")), "title: Développement", "title: Projet tardif", 1)
	_, err = s.env.Apply(ctx, "AP-SUD-2024", writeFile(t, "late.yaml", late))
	wantUsage(t, "after the deadline", err, "closed")
	if n := s.count(t, "SELECT count(*) FROM intake_inbox"); n != 0 {
		t.Fatalf("refused applications left %d inbox rows", n)
	}

	// Mails: 3 launch announcements + 10 receipts, each exactly once, in
	// the applicant's language, HTML and text.
	if n := s.count(t, "SELECT count(*) FROM applications WHERE call_id = 'AP-SUD-2024'"); n != 10 {
		t.Fatalf("applications stored: %d", n)
	}
	msgs := s.sink.WaitFor(t, 13, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	msgs = s.sink.Messages(t)
	if len(msgs) != 13 {
		t.Fatalf("delivered %d mails, want 13", len(msgs))
	}
	seen := map[string]bool{}
	byTo := map[string]testenv.Message{}
	for _, m := range msgs {
		if seen[m.MessageID] {
			t.Errorf("mail %s delivered twice", m.MessageID)
		}
		seen[m.MessageID] = true
		byTo[m.Recipient()] = m
	}
	for to, prefix := range map[string]string{
		"projets@solsoc.example": "Accusé de réception AP-SUD-2024-0001", "info@vivasalud.example": "Ontvangstbevestiging",
		"hello@adcb.example": "Receipt", "info@ngo-federatie.be": "Lancering", "contact@acodev.be": "Lancement",
	} {
		if m, ok := byTo[to]; !ok || !strings.HasPrefix(m.Subject, prefix) {
			t.Errorf("%s: want subject %q..., got %q", to, prefix, m.Subject)
		}
	}
	full := s.sink.Get(t, byTo["projets@solsoc.example"].ID)
	if !strings.Contains(full.Text, "125.000 €") || !strings.Contains(full.HTML, "AP-SUD-2024-0001") {
		t.Errorf("receipt body lacks the amount or reference:\n%s", full.Text)
	}
	if n := s.count(t, "SELECT count(*) FROM mail_log WHERE status <> 'sent'"); n != 0 {
		t.Errorf("%d mails not marked sent", n)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equal(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func waitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in time")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
