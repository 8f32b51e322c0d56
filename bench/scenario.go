package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
	"golang.org/x/sync/errgroup"
)

const callID = "AP-BENCH"

// stallAfter is how long a stage may go without progress before the run
// is declared stuck (a healthy run shows progress every few seconds).
const stallAfter = 3 * time.Minute

// grantAmount is what every application asks: with equal amounts and an
// envelope of exactly grants × grantAmount, the selection takes exactly
// the best-ranked `grants` applications whatever the scores.
var grantAmount = money.Euros(5000)

// The call: one reviewer, one criterion, tranches 80/20, compressed time
// (-time-scale). Reminder and deadline periods are the longest the config
// allows, so that grants waiting their turn to be signed are chased as
// little as the compressed clock permits: at 604800 (a week per second) an
// open grant is reminded every 13 s, and with hundreds of grants waiting
// those reminders swamp the server (see BENCHMARKS.md).
const callYAML = `id: %[1]s
kind: cms
year: %[2]d
title: Appel de charge %[1]s
theme: Banc d'essai
envelope: "%[3]s"
min_grant: "1.000 €"
max_grant: "%[4]s"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 1, min: 0, max: 10}
deadline: "%[2]d-03-31 23:59"
tranches: [{percent: 80, on: signature}, {percent: 20, on: final-report}]
time_scale: %[5]d
report: {delay_days: 60, escalate_every_days: 90}
agreement: {remind_every_days: 90, deadline_days: 365}
committee: {reviewers: [AB]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@bench.example, language: fr}]
`

// The stages the summary names.
const (
	openStage        = "start and open grant workflows"
	grantStagePrefix = "grants:"
)

// stage is one row of the result table.
type stage struct {
	name      string
	wall      time.Duration
	items     int
	unit      string
	own       bool          // the bench's own work (the committee filling scores), not callcycle's
	workerCPU time.Duration // CPU used during the stage
	serverCPU time.Duration
	workerHWM float64 // worker VmHWM at the stage's end, MB
}

// scenario drives the call through the operations the CLI runs.
type scenario struct {
	s       *stack
	svc     *operations.Service
	by      operations.Actor
	o       options
	stages  []stage
	updates atomic.Int64 // updates sent by the officer functions
	grants  []operations.DecisionGrant
	latency latencies // of each grant step
	prof    *profiler // nil: no profiles
}

// grantSteps names the officer's six updates on each grant.
var grantSteps = []string{"sign", "paid 1", "end-date", "report", "review", "paid 2"}

// latencies keeps the mean and maximum duration of each grant step.
type latencies struct {
	mu       sync.Mutex
	sum, max [6]time.Duration
	n        [6]int
}

func (l *latencies) add(i int, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sum[i] += d
	l.max[i] = max(l.max[i], d)
	l.n[i]++
}

func (l *latencies) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var parts []string
	for i, name := range grantSteps {
		if l.n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%s %s / %s", name, secs(l.sum[i]/time.Duration(l.n[i])), secs(l.max[i])))
		}
	}
	return strings.Join(parts, ", ")
}

// measure runs one stage and records its time and the processes' CPU.
func (sc *scenario) measure(name string, items int, unit string, own bool, fn func() error) error {
	w0, s0 := sc.s.worker.cpu(), sc.s.temporal.cpu()
	start := time.Now()
	err := fn()
	st := stage{name: name, wall: time.Since(start), items: items, unit: unit, own: own,
		workerCPU: sc.s.worker.cpu() - w0, serverCPU: sc.s.temporal.cpu() - s0, workerHWM: sc.s.worker.peakRSS()}
	sc.stages = append(sc.stages, st)
	fmt.Fprintf(os.Stderr, "  %-34s %8s\n", name, st.wall.Round(10*time.Millisecond))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (sc *scenario) run(ctx context.Context) error {
	sc.svc, sc.by = &operations.Service{Temporal: sc.s.tc, DB: sc.s.db}, operations.Actor{Name: "system:bench", Role: "system"}
	o := sc.o
	dir := sc.s.dir
	year := time.Now().Year() + 1
	cfg := fmt.Sprintf(callYAML, callID, year, (grantAmount * money.Cents(o.grants)).String(), grantAmount.String(), o.timeScale)
	cfgPath, csvPath, book := filepath.Join(dir, "call.yaml"), filepath.Join(dir, "applications.csv"), filepath.Join(dir, "scoring.xlsx")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	if err := writeApplications(csvPath, o.apps); err != nil {
		return err
	}

	steps := []struct {
		name  string
		items int
		unit  string
		own   bool
		fn    func() error
	}{
		{"launch", 1, "call", false, func() error {
			_, err := sc.svc.Launch(ctx, sc.by, operations.LaunchInput{Call: []byte(cfg), Source: cfgPath})
			return err
		}},
		{"import (batches of 100, 4 in flight)", o.apps, "applications", false, func() error {
			sc.updates.Add(int64((o.apps + operations.ImportBatch - 1) / operations.ImportBatch))
			data, err := os.ReadFile(csvPath)
			if err != nil {
				return err
			}
			res, err := sc.svc.Import(ctx, sc.by, operations.ImportInput{CallID: callID, File: data, Name: csvPath})
			if err == nil && (len(res.Accepted) != o.apps || len(res.Rejected) != 0) {
				err = fmt.Errorf("%d accepted, %d rejected (first: %+v)", len(res.Accepted), len(res.Rejected), first(res.Rejected))
			}
			return err
		}},
		{"close, end screening, scoring book", o.apps, "applications", false, func() error {
			sc.updates.Add(2)
			if _, err := sc.svc.Close(ctx, sc.by, operations.CloseInput{CallID: callID, Reason: "bench"}); err != nil {
				return err
			}
			if _, err := sc.svc.EndScreening(ctx, sc.by, operations.EndScreeningInput{CallID: callID}); err != nil {
				return err
			}
			_, err := sc.waitCall(ctx, func(st operations.CallStatus) bool {
				return st.Stage == workflows.StageReview && st.ScoringPath != ""
			})
			return err
		}},
		{"review export (officer's copy)", o.apps, "rows", false, func() error {
			var b bytes.Buffer
			if _, err := sc.svc.ReviewExport(ctx, sc.by, operations.ReviewExportInput{CallID: callID, Out: &b}); err != nil {
				return err
			}
			return os.WriteFile(book, b.Bytes(), 0o600)
		}},
		{"fill scores (the committee)", o.apps, "rows", true, func() error {
			return fillScores(book, o.apps)
		}},
		{"review import, rank, propose", o.apps, "applications", false, func() error {
			sc.updates.Add(1)
			data, err := os.ReadFile(book)
			if err != nil {
				return err
			}
			r, err := sc.svc.ReviewImport(ctx, sc.by, operations.ReviewImportInput{CallID: callID, Workbook: data, Name: book})
			if err == nil && r.Proposal.Selected != o.grants {
				err = fmt.Errorf("the proposal selects %d projects, want %d", r.Proposal.Selected, o.grants)
			}
			return err
		}},
		{"decide --all", o.grants, "grants", false, func() error {
			sc.updates.Add(1)
			_, err := sc.svc.Decide(ctx, sc.by, operations.DecideInput{CallID: callID, Decree: "AGRBC bench", All: true})
			return err
		}},
		{openStage, o.grants, "grants", false, func() error {
			st, err := sc.waitCall(ctx, func(st operations.CallStatus) bool { return st.Grants.Started >= o.grants })
			if err != nil {
				return err
			}
			sc.grants = st.Decision.Grants
			// Started is not enough: a grant takes updates before its first
			// workflow task has opened it (the OpenGrant activity writes its
			// row), and a signature that overtakes the opening fails with
			// "no grant" in OrderPayment. Wait until every grant is open.
			opened, last, lastChange := 0, -1, time.Now()
			err = waitUntil(ctx, 60*time.Minute, func() bool {
				if err := sc.s.db.QueryRow(ctx, `SELECT count(*) FROM grants WHERE call_id = $1`, callID).Scan(&opened); err != nil {
					return false
				}
				if opened != last {
					last, lastChange = opened, time.Now()
				}
				return opened >= o.grants || time.Since(lastChange) > stallAfter
			})
			if err == nil && opened < o.grants {
				err = fmt.Errorf("stalled: %d of %d grants open, none opened in the last %s", opened, o.grants, stallAfter)
			}
			return err
		}},
		{fmt.Sprintf("%s 6 updates each, %d at once", grantStagePrefix, o.workers), 6 * o.grants, "updates", false, func() error {
			return sc.runGrants(ctx)
		}},
		{"last closures, call completed", o.grants, "grants", false, func() error {
			if _, err := sc.waitCall(ctx, func(st operations.CallStatus) bool { return st.Stage == workflows.StageCompleted }); err != nil {
				return err
			}
			// The call ends once its last mails are out; Get follows
			// continue-as-new to the last run.
			return sc.s.tc.GetWorkflow(ctx, workflows.CallWorkflowID(callID), "").Get(ctx, nil)
		}},
	}
	for _, st := range steps {
		profiled := sc.prof != nil && strings.HasPrefix(st.name, grantStagePrefix)
		if profiled {
			sc.prof.start(ctx)
		}
		err := sc.measure(st.name, st.items, st.unit, st.own, st.fn)
		if profiled {
			sc.prof.stageEnd(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// runGrants takes every grant to closure the way an officer would: sign,
// first tranche paid, project ended now, final report, approval, last
// tranche paid. Grants are separate workflows, so the per-workflow
// in-flight update limit does not apply across them.
func (sc *scenario) runGrants(ctx context.Context) error {
	today := func() time.Time { return time.Now().In(callspec.Brussels) }
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sc.o.workers)
	svc, by := sc.svc, sc.by
	for _, gr := range sc.grants {
		id := workflows.GrantWorkflowID(gr.Reference)
		g.Go(func() error {
			steps := []func(context.Context) error{
				func(ctx context.Context) error {
					_, err := svc.GrantSign(ctx, by, operations.GrantSignInput{GrantID: id, On: today()})
					return err
				},
				func(ctx context.Context) error {
					_, err := svc.GrantPaid(ctx, by, operations.GrantPaidInput{GrantID: id, Tranche: 1, On: today()})
					return err
				},
				func(ctx context.Context) error {
					_, err := svc.GrantEndDate(ctx, by, operations.GrantEndDateInput{GrantID: id, End: time.Now().Add(time.Second)})
					return err
				},
				func(ctx context.Context) error {
					_, err := svc.GrantReport(ctx, by, operations.GrantReportInput{GrantID: id, Beneficiaries: 100, Spent: money.Cents(gr.Amount.Cents), Lessons: "Banc d'essai."})
					return err
				},
				func(ctx context.Context) error {
					_, err := svc.GrantReview(ctx, by, operations.GrantReviewInput{GrantID: id, Approve: true})
					return err
				},
				func(ctx context.Context) error {
					_, err := svc.GrantPaid(ctx, by, operations.GrantPaidInput{GrantID: id, Tranche: 2, On: today()})
					return err
				},
			}
			for i, step := range steps {
				sc.updates.Add(1)
				start := time.Now()
				// An update that takes minutes is stuck, not slow: fail the
				// run rather than wait for -timeout.
				sctx, cancel := context.WithTimeout(gctx, stallAfter)
				err := step(sctx)
				cancel()
				if err != nil {
					return fmt.Errorf("%s: %s (after %s): %w", id, grantSteps[i], time.Since(start).Round(time.Millisecond), err)
				}
				sc.latency.add(i, time.Since(start))
			}
			return nil
		})
	}
	return g.Wait()
}

// waitCall polls the call's status query until cond holds.
func (sc *scenario) waitCall(ctx context.Context, cond func(operations.CallStatus) bool) (operations.CallStatus, error) {
	var st operations.CallStatus
	var last error
	err := waitUntil(ctx, 60*time.Minute, func() bool {
		st, last = sc.svc.Status(ctx, sc.by, operations.StatusInput{CallID: callID})
		return last == nil && cond(st)
	})
	if err != nil {
		return st, fmt.Errorf("%w (stage %q, waiting for %q, last error %v)", err, st.Stage, st.WaitingFor, last)
	}
	return st, nil
}

// writeApplications generates n valid, distinct applications.
func writeApplications(path string, n int) error {
	var b strings.Builder
	b.WriteString("association;title;region;amount;summary;duration_months;contact_name;email;language\n")
	langs := []string{"fr", "nl", "en"}
	for i := range n {
		fmt.Fprintf(&b, "Association %d;Projet %d;Région de Bruxelles-Capitale;%d;Résumé.;12;Contact %d;a%d@example.org;%s\n",
			i, i, grantAmount/100, i, i, langs[i%3])
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// fillScores plays the committee: every row gets a score, so every
// application is ranked.
func fillScores(path string, n int) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sheet := scoring.SheetName("AB")
	for row := 2; row < n+2; row++ {
		// Column F is the first criterion (after reference, association,
		// project, region, amount).
		if err := f.SetCellInt(sheet, fmt.Sprintf("F%d", row), int64(row*7%11)); err != nil {
			return err
		}
	}
	return f.Save()
}

func first[T any](xs []T) any {
	if len(xs) == 0 {
		return nil
	}
	return xs[0]
}
