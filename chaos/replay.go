package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/callcycle/callcycle/internal/callspec"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// driver performs the steps of officer.Demo2024 (same files, same officer
// functions, same real workflows) so that each step can be run again after
// a fault: every step first reads the state from Temporal or PostgreSQL
// and acts only if it is not done yet. Demo2024 itself cannot be resumed:
// run again it sees AP-SUD-2024 and only rewrites the report.
type driver struct {
	env     officer.Env
	dir     string // examples/2024
	work    string // scratch files
	log     *eventLog
	retries int
	failed  []string // steps that could not be completed (the replay went on)
}

// The replay's calls; the funded projects come first in each file.
var replayCalls = []struct {
	id, file, apps string
	funded         int
}{
	{"AP-SUD-2024", "call-sud-2024.yaml", "applications-sud-2024.csv", 10},
	{"AP-CMS-2024", "call-cms-2024.yaml", "applications-cms-2024.csv", 11},
}

// errNotYet: the step waits for the workflows; poll again soon.
var errNotYet = errors.New("not yet")

// transient says whether an error may go away by itself. Refusals
// (officer.ErrUsage) and non-retryable activity failures are final,
// except the few refusals that mean "a moment too early"; anything else
// (connection refused, unavailable, deadline exceeded, PostgreSQL
// shutting down...) is a fault and retried.
func transient(err error) bool {
	var appErr *temporal.ApplicationError
	switch {
	case errors.Is(err, errNotYet):
		return true
	case errors.As(err, &appErr) && appErr.NonRetryable():
		return false
	case !errors.Is(err, officer.ErrUsage):
		return true
	}
	for _, s := range []string{"no grant", "has not been ordered", "still being written", "is at stage"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// step drives one step to completion. done reads whether it is done; act
// does it. After act succeeds only done is polled (no second act while
// the workflows catch up). A final error is accepted when done then says
// the step was done after all (an earlier attempt whose answer was lost).
// Each call of done or act gets its own context, bounded by attemptLimit,
// so that a stuck worker fails the step instead of hanging the driver.
func (d *driver) step(ctx context.Context, what string, done func(context.Context) (bool, error), act func(context.Context) error) error {
	began := time.Now()
	deadline := began.Add(stepLimit)
	delay, acted := 500*time.Millisecond, time.Time{}
	noted := began
	defer func() {
		if took := time.Since(began); took > 5*time.Second {
			d.log.add("driver: %s took %s", what, took.Round(100*time.Millisecond))
		}
	}()
	bounded := func(f func(context.Context) error) error {
		actx, cancel := context.WithTimeout(ctx, attemptLimit)
		defer cancel()
		return f(actx)
	}
	isDone := func() (ok bool, err error) {
		if done == nil {
			return !acted.IsZero(), nil
		}
		err = bounded(func(c context.Context) (err error) { ok, err = done(c); return err })
		return ok, err
	}
	for attempt := 1; ; attempt++ {
		ok, err := isDone()
		if err == nil && ok {
			return nil
		}
		if err == nil && time.Since(acted) < 2*time.Minute {
			err = errNotYet // acted: wait for the state to show it
		} else if err == nil {
			if err = bounded(act); err == nil {
				acted = time.Now()
				continue
			}
		}
		if !transient(err) {
			if ok, derr := isDone(); derr == nil && ok && done != nil {
				d.log.add("driver: %s: %s; but the state shows the step done", what, oneLine(err))
				return nil
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		wait := 250 * time.Millisecond
		if errors.Is(err, errNotYet) && time.Since(noted) > 30*time.Second {
			// A step that waits long says on what, so a stuck run is
			// diagnosable from its log.
			noted = time.Now()
			why := oneLine(err)
			if !acted.IsZero() {
				why = "acted " + time.Since(acted).Round(time.Second).String() + " ago; " + why
			}
			d.log.add("driver: %s: still waiting after %s (%s)", what, time.Since(began).Round(time.Second), why)
		}
		if !errors.Is(err, errNotYet) {
			d.retries++
			d.log.add("driver: %s: %s; retrying in %s", what, oneLine(err), delay)
			wait, delay = delay, min(delay*2, 8*time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Bounds of the driver: one call to Temporal or PostgreSQL, one step.
const (
	attemptLimit = 3 * time.Minute
	stepLimit    = 10 * time.Minute
)

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " | ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// ignore turns the refusals that mean "already done" into success.
func ignore(err error, already ...string) error {
	for _, a := range already {
		if err != nil && strings.Contains(err.Error(), a) {
			return nil
		}
	}
	return err
}

func (d *driver) status(ctx context.Context, callID string) (workflows.StatusResult, error) {
	var s workflows.StatusResult
	v, err := d.env.Temporal.QueryWorkflow(ctx, workflows.CallWorkflowID(callID), "", workflows.QueryStatus, workflows.StatusQuery{})
	if err == nil {
		err = v.Get(&s)
	}
	return s, err
}

// stageIs reports whether the call has reached one of stages.
func (d *driver) stageIn(ctx context.Context, callID string, stages ...string) (bool, error) {
	s, err := d.status(ctx, callID)
	if err != nil {
		return false, err
	}
	for _, st := range stages {
		if s.Stage == st {
			return true, nil
		}
	}
	return false, nil
}

func (d *driver) count(ctx context.Context, sql string, args ...any) (int, error) {
	var n int
	err := d.env.DB.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// replay runs the 2024 replay to the annual report, written to out.
func (d *driver) replay(ctx context.Context, out string) (workflows.AnnualReportResult, error) {
	var res workflows.AnnualReportResult
	for _, c := range replayCalls {
		d.log.add("driver: %s: launch, applications, screening, committee, decision", c.id)
		if err := d.call(ctx, c.id, c.file, c.apps, c.funded); err != nil {
			return res, err
		}
	}
	d.log.add("driver: June 2024 elections: caretaker mode")
	if err := d.step(ctx, "caretaker", nil, func(ctx context.Context) error {
		return ignore(d.env.GovernmentCaretaker(ctx, "2024-06-10"), "already in caretaker")
	}); err != nil {
		return res, err
	}
	d.log.add("driver: grants: signed, paid, reported and closed")
	if err := d.grants(ctx); err != nil {
		return res, err
	}
	d.log.add("driver: grants outside calls, operating costs, budgets of 2022 and 2023")
	if err := d.budget(ctx); err != nil {
		return res, err
	}
	d.log.add("driver: annual report 2024")
	err := d.step(ctx, "annual report", nil, func(ctx context.Context) (err error) {
		res, err = d.env.AnnualReport(ctx, 2024, out)
		return err
	})
	return res, err
}

var (
	deadlineLine = regexp.MustCompile(`(?m)^deadline:.*$`)
	closesLine   = regexp.MustCompile(`(?m)^budget_closes:.*$`)
)

// call is Demo2024's replayCall, step by step.
func (d *driver) call(ctx context.Context, id, file, appsFile string, funded int) error {
	launched := func(ctx context.Context) (bool, error) {
		_, err := d.env.Temporal.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(id), "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return false, nil
		}
		return err == nil, err
	}
	if err := d.step(ctx, id+": launch", launched, func(ctx context.Context) error {
		// As Demo2024: the deadline an hour from now, the budget year
		// closing in 30 days.
		data, err := os.ReadFile(filepath.Join(d.dir, file))
		if err != nil {
			return err
		}
		now := time.Now()
		cfg := deadlineLine.ReplaceAllString(string(data), fmt.Sprintf("deadline: %q", now.Add(time.Hour).Format(time.RFC3339)))
		cfg = closesLine.ReplaceAllString(cfg, "") + fmt.Sprintf("budget_closes: %q\n", now.AddDate(0, 0, 30).Format("2006-01-02"))
		path := filepath.Join(d.work, id+".yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			return err
		}
		_, err = d.env.Launch(ctx, path, officer.LaunchOptions{})
		return ignore(err, "already launched")
	}); err != nil {
		return err
	}

	// Applications: imported again until all are recorded. A resent
	// row that already went in is refused as a duplicate, and the rows
	// keep their order, so the references are the fault-free run's.
	appsPath := filepath.Join(d.dir, appsFile)
	rows, err := intake.ReadBulk(appsPath)
	if err != nil {
		return err
	}
	if err := d.step(ctx, id+": applications", func(ctx context.Context) (bool, error) {
		n, err := d.count(ctx, `SELECT count(*) FROM applications WHERE call_id = $1`, id)
		return n == len(rows), err
	}, func(ctx context.Context) error {
		if open, err := d.stageIn(ctx, id, workflows.StageOpen); err != nil {
			return err
		} else if !open {
			return fmt.Errorf("%w: %s is no longer open but lacks applications", officer.ErrUsage, id)
		}
		imp, err := d.env.Import(ctx, id, appsPath)
		if err != nil {
			return err
		}
		for _, r := range imp.Rejected {
			if !strings.Contains(r.Reason, "duplicate") {
				return fmt.Errorf("%w: row %d refused: %s", officer.ErrUsage, r.Row, r.Reason)
			}
		}
		return nil
	}); err != nil {
		return err
	}

	past := func(stages ...string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) { return d.stageIn(ctx, id, stages...) }
	}
	afterOpen := []string{workflows.StageScreening, workflows.StageReview, workflows.StageProposed, workflows.StageDecided}
	if err := d.step(ctx, id+": close", past(afterOpen...), func(ctx context.Context) error {
		_, err := d.env.Close(ctx, id, "2024 replay")
		return err // already closed: reported, not an error
	}); err != nil {
		return err
	}
	if err := d.step(ctx, id+": end screening", past(afterOpen[1:]...), func(ctx context.Context) error {
		s, err := d.status(ctx, id)
		if err != nil {
			return err
		}
		if s.Stage != workflows.StageScreening || s.Screening.Pending+s.Screening.Screened != s.Submitted {
			return errNotYet // automatic checks still running
		}
		return d.env.EndScreening(ctx, id)
	}); err != nil {
		return err
	}
	if err := d.step(ctx, id+": committee scores", past(afterOpen[2:]...), func(ctx context.Context) error {
		s, err := d.status(ctx, id)
		if err != nil {
			return err
		}
		if s.Stage != workflows.StageReview || s.ScoringPath == "" {
			return errNotYet
		}
		book := filepath.Join(d.work, id+"-scoring.xlsx")
		if err := d.env.ReviewExport(ctx, id, book); err != nil {
			return err
		}
		if err := fillReplayScores(book, funded); err != nil {
			return err
		}
		_, err = d.env.ReviewImport(ctx, id, book)
		return err
	}); err != nil {
		return err
	}
	return d.step(ctx, id+": decision", past(workflows.StageDecided), func(ctx context.Context) error {
		_, err := d.env.Decide(ctx, id, officer.DecideOptions{Decree: "AGRBC 2024/" + id, All: true})
		return err
	})
}

// fillReplayScores is officer's (unexported) helper of the same name: the
// first `funded` applications get the top scores.
func fillReplayScores(path string, funded int) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		if !strings.HasPrefix(sheet, "Scores-") {
			continue
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			return err
		}
		header := rows[0]
		for i := 1; i < len(rows); i++ {
			ref := rows[i][0]
			seq, _ := strconv.Atoi(ref[strings.LastIndex(ref, "-")+1:])
			score := 9
			if seq > funded {
				score = 3
			}
			for c := 5; c < len(header) && strings.Contains(header[c], "×"); c++ {
				cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
				if err := f.SetCellInt(sheet, cell, int64(score)); err != nil {
					return err
				}
			}
		}
	}
	return f.Save()
}

// grants takes every granted project to its closure as Demo2024's
// replayGrants: agreement signed today, first tranche confirmed, project
// ended, final report (the whole grant spent), report approved, final
// tranche confirmed; then both calls complete.
func (d *driver) grants(ctx context.Context) error {
	var refs []string
	granted := map[string]money.Cents{}
	want := 0
	for _, c := range replayCalls {
		want += c.funded
	}
	if err := d.step(ctx, "granted applications", nil, func(ctx context.Context) error {
		rows, err := d.env.DB.Query(ctx, `SELECT reference, granted_cents FROM applications WHERE decision = 'granted'
			AND call_id IN ('AP-SUD-2024', 'AP-CMS-2024') ORDER BY reference`)
		if err != nil {
			return err
		}
		defer rows.Close()
		refs = refs[:0]
		for rows.Next() {
			var r string
			var c int64
			if err := rows.Scan(&r, &c); err != nil {
				return err
			}
			refs, granted[r] = append(refs, r), money.Cents(c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(refs) != want {
			return errNotYet
		}
		return nil
	}); err != nil {
		return err
	}
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")
	for _, ref := range refs {
		if err := d.grant(ctx, ref, granted[ref], today); err != nil {
			// A grant that cannot go on is recorded and the replay
			// continues, so that the checks show what it cost.
			if ctx.Err() != nil {
				return err
			}
			d.log.add("driver: FAILED %s", oneLine(err))
			d.failed = append(d.failed, oneLine(err))
		}
	}
	for _, c := range replayCalls {
		if err := d.step(ctx, c.id+": completed", func(ctx context.Context) (bool, error) { return d.stageIn(ctx, c.id, workflows.StageCompleted) },
			func(ctx context.Context) error { return errNotYet }); err != nil {
			return err
		}
	}
	d.log.add("driver: %d grants signed, paid, reported and closed; both calls completed", len(refs))
	return nil
}

// grant is one grant's steps, each done once whatever the faults.
func (d *driver) grant(ctx context.Context, ref string, amount money.Cents, today string) error {
	id := workflows.GrantWorkflowID(ref)
	status := func(ctx context.Context) (workflows.GrantStatus, error) {
		var s workflows.GrantStatus
		v, err := d.env.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryGrant, workflows.GrantQuery{})
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			// The call starts its grants in batches.
			return s, fmt.Errorf("%w: query: %v", errNotYet, err)
		}
		if err == nil {
			err = v.Get(&s)
		}
		return s, err
	}
	when := func(ok func(workflows.GrantStatus) bool) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			s, err := status(ctx)
			return err == nil && ok(s), err
		}
	}
	stageIn := func(stages ...string) func(ctx context.Context) (bool, error) {
		return when(func(s workflows.GrantStatus) bool { return slices.Contains(stages, s.Stage) })
	}
	paid := func(n int) func(workflows.GrantStatus) bool {
		return func(s workflows.GrantStatus) bool {
			return s.Stage == workflows.GrantClosed || len(s.Tranches) >= n && !s.Tranches[n-1].PaidOn.IsZero()
		}
	}
	if err := d.step(ctx, id+": sign", when(func(s workflows.GrantStatus) bool { return !s.SignedOn.IsZero() }), func(ctx context.Context) error {
		return ignore(d.env.GrantSign(ctx, id, today), "already signed")
	}); err != nil {
		return err
	}
	if err := d.step(ctx, id+": tranche 1 paid", when(paid(1)), func(ctx context.Context) error {
		return ignore(d.env.GrantPaid(ctx, id, 1, today), "already paid")
	}); err != nil {
		return err
	}
	// The project ends a second from now (unless an earlier attempt moved
	// the end already), then reports having spent its whole grant.
	if err := d.step(ctx, id+": end and final report", stageIn(workflows.GrantReview, workflows.GrantClosing, workflows.GrantClosed), func(ctx context.Context) error {
		s, err := status(ctx)
		if err != nil {
			return err
		}
		if s.ProjectEnd.After(time.Now().Add(5 * time.Second)) {
			if err := d.env.GrantEndDate(ctx, id, time.Now().Add(time.Second).Format(time.RFC3339)); err != nil {
				return err
			}
		}
		return d.env.GrantReport(ctx, id, officer.GrantReportOptions{Beneficiaries: 100, Spent: amount.String(), Lessons: "Rapport final du rejeu 2024."})
	}); err != nil {
		return err
	}
	if err := d.step(ctx, id+": report approved", stageIn(workflows.GrantClosing, workflows.GrantClosed), func(ctx context.Context) error {
		return d.env.GrantReview(ctx, id, true, "", "")
	}); err != nil {
		return err
	}
	return d.step(ctx, id+": tranche 2 paid", when(paid(2)), func(ctx context.Context) error {
		return ignore(d.env.GrantPaid(ctx, id, 2, today), "already paid")
	})
}

// budget records the grants outside calls, the operating costs and the
// earlier budgets; the budget entity refuses a second copy of each.
func (d *driver) budget(ctx context.Context) error {
	grants, err := readSemicolon(filepath.Join(d.dir, "direct-grants-2024.csv"))
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := d.step(ctx, "grant outside calls "+g[2], nil, func(ctx context.Context) error {
			return ignore(d.env.DirectGrant(ctx, officer.DirectGrantOptions{Year: 2024, Support: g[0], Programme: g[1], Operator: g[2],
				Project: g[3], Zone: g[4], Amount: g[5], DecidedOn: g[6]}), "already recorded")
		}); err != nil {
			return err
		}
	}
	expenses, err := readSemicolon(filepath.Join(d.dir, "expenses-2024.csv"))
	if err != nil {
		return err
	}
	for _, x := range expenses {
		if err := d.step(ctx, "invoice "+x[0], nil, func(ctx context.Context) error {
			return ignore(d.env.Expense(ctx, officer.ExpenseOptions{Year: 2024, Invoice: x[0], Supplier: x[1], Description: x[2],
				Zone: x[3], Amount: x[4], Date: x[5]}), "already recorded")
		}); err != nil {
			return err
		}
	}
	budgets, err := readSemicolon(filepath.Join(d.dir, "budgets.csv"))
	if err != nil {
		return err
	}
	for _, b := range budgets {
		y, _ := strconv.Atoi(b[0])
		if err := d.step(ctx, "budget "+b[0], nil, func(ctx context.Context) error {
			return ignore(d.env.BudgetHistory(ctx, y, b[1], b[2]), "already recorded")
		}); err != nil {
			return err
		}
	}
	return nil
}

func readSemicolon(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs[1:], nil
}
