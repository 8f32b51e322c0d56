package operations_test

import (
	"context"
	"fmt"
	"github.com/callcycle/callcycle/internal/callspec"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/workflowservice/v1"
)

// TestBadInputsChangeNothing: every kind of human input, wrong in every
// way we could think of, is answered with a clear error naming what is
// wrong, and leaves PostgreSQL and every workflow's history exactly as
// they were (a refused Update never enters history).
func TestBadInputsChangeNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	// A call still open, a call waiting for the government, and a grant
	// waiting for its signature (real time: nothing moves by itself).
	launched, err := s.env.Launch(ctx, example("call-ap-sud-2030.yaml"), launchOpts{})
	if err != nil {
		t.Fatal(err)
	}
	// The officer sees the whole call, so a general envelope meant as the
	// total is noticed at once.
	if want := "625.346 € in all: 200.400 € general + 424.946 € reserved for Territoire palestinien occupé"; launched.EnvelopeText != want ||
		launched.Envelope != (operations.Money{Cents: 62534600, Text: "625.346 €"}) || len(launched.Reserved) != 1 {
		t.Errorf("launch: %+v\nwant the envelope %q", launched, want)
	}
	if _, err := s.env.Apply(ctx, "AP-SUD-2030", example("application.yaml")); err != nil {
		t.Fatal(err)
	}
	s.toProposal(t, "AP-CMS-P")
	s.toProposal(t, "AP-CMS-G", "tranches: [{percent: 100, on: signature}]", "tranches: [{percent: 80, on: signature}, {percent: 20, on: final-report}]")
	if _, err := s.env.Decide(ctx, "AP-CMS-G", decideOpts{Decree: "AGRBC 2030/1", All: true}); err != nil {
		t.Fatal(err)
	}
	grant := workflows.GrantWorkflowID("AP-CMS-G-0001")
	waitUntil(t, 30*time.Second, func() bool {
		_, err := s.env.GrantStatus(ctx, grant)
		return err == nil
	})

	app := mustRead(t, example("application.yaml"))
	appWith := func(from, to string) string {
		a := strings.Replace(app, from, to, 1)
		return writeFile(t, "app.yaml", strings.Replace(a, "title: Développement", "title: Autre développement", 1))
	}
	cfg := mustRead(t, example("call-ap-sud-2030.yaml"))
	cfgWith := func(from, to string) string {
		c := strings.Replace(cfg, "id: AP-SUD-2030", "id: AP-NEW-2030", 1)
		return writeFile(t, "call.yaml", strings.Replace(c, from, to, 1))
	}
	big := writeFile(t, "big.yaml", "id: X\n# "+strings.Repeat("x", 1<<20)+"\n")
	latin1 := filepath.Join(t.TempDir(), "latin1.yaml")
	_ = os.WriteFile(latin1, []byte("association: Soci\xe9t\xe9\n"), 0o600)
	csvWith := func(content string) string { return writeFile(t, "bulk.csv", content) }
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")
	future := time.Now().In(callspec.Brussels).AddDate(1, 0, 0).Format("2006-01-02")
	e := s.env
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		// Call configs.
		{"launch: not YAML", func() error {
			_, err := e.Launch(ctx, writeFile(t, "c.yaml", "id: [x"), launchOpts{})
			return err
		}, "not valid YAML"},
		{"launch: unquoted 125.000", func() error {
			_, err := e.Launch(ctx, cfgWith(`max_grant: "125.000 €"`, "max_grant: 125.000"), launchOpts{})
			return err
		}, "ambiguous"},
		{"launch: unknown kind", func() error {
			_, err := e.Launch(ctx, cfgWith("kind: sud", "kind: nord"), launchOpts{})
			return err
		}, "kind"},
		{"launch: negative envelope", func() error {
			_, err := e.Launch(ctx, cfgWith(`envelope: "200.400 €"`, `envelope: "-5"`), launchOpts{})
			return err
		}, "envelope"},
		{"launch: tranches 90 %", func() error {
			_, err := e.Launch(ctx, cfgWith("percent: 20", "percent: 10"), launchOpts{})
			return err
		}, "add up to 90"},
		{"launch: bad announce address", func() error {
			_, err := e.Launch(ctx, cfgWith("contact@acodev.be", "contact(at)acodev.be"), launchOpts{})
			return err
		}, "announce_to[1].email"},
		{"launch: CR/LF in title", func() error {
			_, err := e.Launch(ctx, cfgWith("title: Appel à projets Sud 2030", `title: "Appel\r\nBcc: x@evil.example"`), launchOpts{})
			return err
		}, "single line"},
		{"launch: SQL in id", func() error {
			_, err := e.Launch(ctx, cfgWith("id: AP-NEW-2030", `id: "AP'); DROP TABLE calls;--"`), launchOpts{})
			return err
		}, "id: want"},
		// A call whose budget year has closed would lapse at its proposal
		// and mail every applicant "decision postponed" (issue 11).
		{"launch: budget year already closed", func() error {
			dec2026 := func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
			_, err := e.Launch(ctx, cfgWith("year: 2030", "year: 2025"), launchOpts{Now: dec2026})
			return err
		}, "year: the 2025 budget year closed on 31/12/2025"},
		{"launch: deadline after the budget year closes", func() error {
			_, err := e.Launch(ctx, cfgWith("year: 2030", "year: 2029"), launchOpts{})
			return err
		}, "deadline: 2030-03-31 23:59 is after the 2029 budget year closes on 31/12/2029"},
		{"launch: general and total envelopes disagree", func() error {
			_, err := e.Launch(ctx, cfgWith(`general_envelope: "200.400 €"`, "general_envelope: \"200.400 €\"\ntotal_envelope: \"500.000 €\""), launchOpts{})
			return err
		}, "total_envelope: 500.000 € is not the general envelope 200.400 €"},
		{"launch: non-UTF-8", func() error { _, err := e.Launch(ctx, latin1, launchOpts{}); return err }, "UTF-8"},
		{"launch: oversized", func() error { _, err := e.Launch(ctx, big, launchOpts{}); return err }, "limit"},
		{"launch: deadline passed", func() error {
			_, err := e.Launch(ctx, cfgWith(`deadline: "2030-03-31 23:59"`, `deadline: "2020-03-31 23:59"`), launchOpts{})
			return err
		}, "passed"},
		{"launch: twice", func() error {
			_, err := e.Launch(ctx, example("call-ap-sud-2030.yaml"), launchOpts{})
			return err
		}, "already launched"},
		{"launch: no file", func() error { _, err := e.Launch(ctx, "/nonexistent.yaml", launchOpts{}); return err }, "no such file"},
		// Applications.
		{"apply: unknown call", func() error { _, err := e.Apply(ctx, "AP-NOPE-2030", example("application.yaml")); return err }, "no call"},
		{"apply: region", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("region: Territoire palestinien occupé", "region: Dakar"))
			return err
		}, "not eligible"},
		{"apply: SQL in region", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("region: Territoire palestinien occupé", `region: "x'; DROP TABLE applications;--"`))
			return err
		}, "not eligible"},
		{"apply: above maximum", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith(`amount: "125.000 €"`, `amount: "125.000,01 €"`))
			return err
		}, "above the call's maximum"},
		{"apply: below minimum", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith(`amount: "125.000 €"`, `amount: "9.999 €"`))
			return err
		}, "below the call's minimum"},
		{"apply: no title", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", writeFile(t, "a.yaml", strings.Replace(app, "title: Développement d'Initiatives d'économie sociale et solidaire", `title: ""`, 1)))
			return err
		}, "title: required"},
		{"apply: CR/LF in contact", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("name: Sophie Lambert", `name: "S\r\nBcc: x@evil.example"`))
			return err
		}, "single line"},
		{"apply: bad e-mail", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("email: projets@solsoc.example", "email: projets@@solsoc"))
			return err
		}, "email"},
		{"apply: e-mail with header", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("email: projets@solsoc.example", `email: "a@b.example\nBcc: c@d.example"`))
			return err
		}, "email"},
		{"apply: bad IBAN", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("iban: BE68 5390 0754 7034", "iban: BE68 5390 0754 7035"))
			return err
		}, "iban"},
		{"apply: language", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("language: fr", "language: de"))
			return err
		}, "language"},
		{"apply: duplicate", func() error { _, err := e.Apply(ctx, "AP-SUD-2030", example("application.yaml")); return err }, "duplicate"},
		{"apply: oversized summary", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", appWith("summary: >-", "summary: "+strings.Repeat("a", 6000)+"\nx_summary: >-"))
			return err
		}, "summary"},
		{"apply: non-UTF-8", func() error { _, err := e.Apply(ctx, "AP-SUD-2030", latin1); return err }, "UTF-8"},
		{"apply: not YAML", func() error {
			_, err := e.Apply(ctx, "AP-SUD-2030", writeFile(t, "a.yaml", "association: [x"))
			return err
		}, "not valid YAML"},
		{"import: missing column", func() error { _, err := e.Import(ctx, "AP-SUD-2030", csvWith("association;title\nA;B\n")); return err }, "missing column"},
		{"import: .xls", func() error { _, err := e.Import(ctx, "AP-SUD-2030", writeFile(t, "x.xls", "x")); return err }, "unsupported"},
		{"import: empty", func() error { _, err := e.Import(ctx, "AP-SUD-2030", csvWith("")); return err }, "empty"},
		// Deadline.
		{"extend: into the past", func() error { _, err := e.Extend(ctx, "AP-SUD-2030", "2020-01-01 10:00"); return err }, "not in the future"},
		{"extend: not a date", func() error { _, err := e.Extend(ctx, "AP-SUD-2030", "next tuesday"); return err }, "not a date"},
		{"extend: unknown call", func() error { _, err := e.Extend(ctx, "AP-NOPE-2030", future); return err }, "no call"},
		// Screening and review.
		{"screen: window still open", func() error { return e.Screen(ctx, "AP-SUD-2030", "AP-SUD-2030-0001", true, "") }, "screening"},
		{"screen end: window still open", func() error { return e.EndScreening(ctx, "AP-SUD-2030") }, "submissions are still open"},
		{"screen import: unknown call", func() error {
			_, err := e.ScreenImport(ctx, "AP-NOPE", csvWith("reference;verdict\nX;eligible\n"))
			return err
		}, "no call"},
		{"review import: wrong stage", func() error { _, err := e.ReviewImport(ctx, "AP-SUD-2030", example("application.yaml")); return err }, "stage"},
		{"review export: wrong stage", func() error { return e.ReviewExport(ctx, "AP-SUD-2030", filepath.Join(t.TempDir(), "s.xlsx")) }, "stage"},
		// Decisions.
		{"decide: no decree", func() error { _, err := e.Decide(ctx, "AP-CMS-P", decideOpts{All: true}); return err }, "decree"},
		{"decide: unknown reference", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d", Approve: []string{"AP-CMS-P-0099"}})
			return err
		}, "no application"},
		{"decide: more than proposed", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d", Approve: []string{"AP-CMS-P-0001=19.000 €"}})
			return err
		}, "only be reduced"},
		{"decide: below minimum", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d", Approve: []string{"AP-CMS-P-0001=4.999 €"}})
			return err
		}, "minimum"},
		{"decide: --all and --approve", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d", All: true, Approve: []string{"AP-CMS-P-0001"}})
			return err
		}, "either all"},
		{"decide: bad amount", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d", Approve: []string{"AP-CMS-P-0001=lots"}})
			return err
		}, "amount"},
		{"decide: wrong stage", func() error {
			_, err := e.Decide(ctx, "AP-SUD-2030", decideOpts{Decree: "d", All: true})
			return err
		}, "stage"},
		{"decide: decree with CR/LF", func() error {
			_, err := e.Decide(ctx, "AP-CMS-P", decideOpts{Decree: "d\r\nx", All: true})
			return err
		}, "decree"},
		{"carry-over: not lapsed", func() error { return e.CarryOver(ctx, "AP-CMS-P", 2031) }, "only a lapsed call"},
		{"cancel: no reason", func() error { return e.Cancel(ctx, "AP-CMS-P", "") }, "reason: "},
		{"cancel: CR/LF reason", func() error { return e.Cancel(ctx, "AP-CMS-P", "a\nb") }, "reason: "},
		{"cancel: decided call", func() error { return e.Cancel(ctx, "AP-CMS-G", "x") }, "can no longer be cancelled"},
		// Government.
		{"government: installed while in office", func() error { return e.GovernmentInstalled(ctx, today) }, "not in caretaker mode"},
		{"government: caretaker in the future", func() error { return e.GovernmentCaretaker(ctx, future) }, "not in the future"},
		{"government: caretaker not a date", func() error { return e.GovernmentCaretaker(ctx, "juin") }, "not a date"},
		// Grants and payments.
		{"grant: unknown", func() error { return e.GrantSign(ctx, "GRANT-NOPE-0001", today) }, "no grant"},
		{"grant: signed in the future", func() error { return e.GrantSign(ctx, grant, future) }, "future"},
		{"grant: paid before ordered", func() error { return e.GrantPaid(ctx, grant, 1, today) }, "not been ordered"},
		{"grant: tranche 7", func() error { return e.GrantPaid(ctx, grant, 7, today) }, "want 1 to 2"},
		{"grant: recovery never ordered", func() error { return e.GrantPaid(ctx, grant, 0, today) }, "no recovery"},
		{"grant: report before signature", func() error {
			return e.GrantReport(ctx, grant, reportOpts{Beneficiaries: 1, Spent: "1 €", Lessons: "x"})
		}, "stage"},
		{"grant: report spent not an amount", func() error {
			return e.GrantReport(ctx, grant, reportOpts{Beneficiaries: 1, Spent: "lots", Lessons: "x"})
		}, "spent: "},
		{"grant: review without report", func() error { return e.GrantReview(ctx, grant, true, "", "") }, "no report"},
		{"grant: end date before signature", func() error { return e.GrantEndDate(ctx, grant, future) }, "stage"},
		// Money outside calls.
		{"expense: zero", func() error {
			return e.Expense(ctx, expenseOpts{Year: 2024, Invoice: "F1", Supplier: "s", Description: "d", Zone: "z", Amount: "0", Date: "2024-02-02"})
		}, "amount: "},
		{"expense: other year", func() error {
			return e.Expense(ctx, expenseOpts{Year: 2024, Invoice: "F1", Supplier: "s", Description: "d", Zone: "z", Amount: "10", Date: "2023-02-02"})
		}, "date in 2024"},
		{"expense: CR/LF supplier", func() error {
			return e.Expense(ctx, expenseOpts{Year: 2024, Invoice: "F1", Supplier: "s\r\nx", Description: "d", Zone: "z", Amount: "10", Date: "2024-02-02"})
		}, "one line"},
		{"direct grant: unknown support", func() error {
			return e.DirectGrant(ctx, directOpts{Year: 2024, Support: "don", Programme: "sud", Operator: "o", Project: "p", Zone: "z", Amount: "10", DecidedOn: "2024-02-02"})
		}, "support: "},
		{"budget history: this year", func() error { return e.BudgetHistory(ctx, time.Now().Year(), "10", "s") }, "not a past year"},
		{"budget history: year 1999", func() error { return e.BudgetHistory(ctx, 1999, "10", "s") }, "year: "},
		{"annual report: year 1999", func() error { _, err := e.AnnualReport(ctx, 1999, ""); return err }, "year"},
	}
	if len(cases) < 50 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	for _, c := range cases {
		before := s.settled(t)
		err := c.run()
		if !isRefusal(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an input error containing %q, got %v (kind %q)", c.name, c.want, err, operations.KindOf(err))
		}
		if after := s.settled(t); after != before {
			t.Errorf("%s changed state:\nbefore %s\nafter  %s", c.name, before, after)
		}
	}
	t.Logf("%d bad inputs refused, none changed a row or a history", len(cases))

	// Ending what has already ended is not a mistake (the CLI succeeds):
	// it answers AlreadyDone, says so, and changes nothing either.
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"close: already closed", func() error { _, err := e.Close(ctx, "AP-CMS-P", ""); return err },
			"AP-CMS-P: submissions are already closed (closed early (enough) by e2e-officer); the call is at stage \"proposed\""},
		{"screen end: already ended", func() error { return e.EndScreening(ctx, "AP-CMS-P") },
			"AP-CMS-P: screening has already ended; the call is at stage \"proposed\""},
	} {
		before := s.settled(t)
		err := c.run()
		wantKind(t, c.name, err, operations.AlreadyDone, c.want)
		if after := s.settled(t); after != before {
			t.Errorf("%s changed state:\nbefore %s\nafter  %s", c.name, before, after)
		}
	}
}

// settled is a fingerprint of every table's row count and every
// workflow's history length, taken once the system is idle.
func (s *stack) settled(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	// Every table the migrations created, so a new one is never forgotten.
	rows, err := s.db.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'goose%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 18 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	prev := ""
	for range 100 {
		var b strings.Builder
		pending := 0
		for _, tb := range tables {
			q := "SELECT count(*) FROM " + tb
			if tb == "audit_log" { // a refusal is recorded, by design: only an accepted action may add an "ok" row
				q += " WHERE result = 'ok'"
			}
			fmt.Fprintf(&b, "%s=%d ", tb, s.count(t, q))
		}
		fmt.Fprintf(&b, "unsent=%d ", s.count(t, "SELECT count(*) FROM mail_log WHERE status <> 'sent'"))
		resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Executions {
			d, err := s.tc.DescribeWorkflowExecution(ctx, e.Execution.WorkflowId, e.Execution.RunId)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s=%d ", e.Execution.WorkflowId, d.WorkflowExecutionInfo.HistoryLength)
			// An activity waiting for its retry (a delivery that found
			// mails held by another, now finished) moves the history later.
			pending += len(d.GetPendingActivities())
		}
		// Idle: nothing left to send, no activity pending, and nothing
		// moved since the last look.
		cur := b.String()
		if cur == prev && pending == 0 && strings.Contains(cur, "unsent=0 ") {
			return cur
		}
		prev = cur
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the system never settled: %s", prev)
	return ""
}
