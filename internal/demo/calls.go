package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// replayCall is one of the report's two calls; the funded projects come
// first in each applications file.
type replayCall struct {
	step, id, file, apps string
	funded               int
}

var calls = []replayCall{
	{"sud", "AP-SUD-2024", "call-sud-2024.yaml", "applications-sud-2024.csv", 10},
	{"cms", "AP-CMS-2024", "call-cms-2024.yaml", "applications-cms-2024.csv", 11},
}

// steps are the call's steps from launch to the government's decision.
func (c replayCall) steps() []Step {
	return []Step{
		{c.step + "-launch", c.id + ": launched, its deadline an hour from now and its 2024 budget closing in 30 days", c.launch},
		{c.step + "-applications", c.id + ": the applications submitted", c.applications},
		{c.step + "-close", c.id + ": submissions closed", c.close},
		{c.step + "-screening", c.id + ": automatic screening done, screening ended", c.screening},
		{c.step + "-review", c.id + ": the committee's scores imported (the funded projects first)", c.review},
		{c.step + "-decision", c.id + ": the government's decree approves the proposal", c.decision},
	}
}

// The stages after the one named, in order.
var callStages = []string{workflows.StageOpen, workflows.StageScreening, workflows.StageReview, workflows.StageProposed,
	workflows.StageDecided, workflows.StageCompleted}

func after(stage string) []string { return callStages[slices.Index(callStages, stage)+1:] }

// query asks a workflow for its state; found is false while it does not
// exist (a call not launched, a grant its call has not started yet).
func query[T any](ctx context.Context, tc client.Client, id, name string, arg any) (v T, found bool, err error) {
	res, err := tc.QueryWorkflow(ctx, id, "", name, arg)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return v, false, nil
	}
	if err == nil {
		err = res.Get(&v)
	}
	return v, err == nil, err
}

func (r *Replay) callStatus(ctx context.Context, id string) (workflows.StatusResult, bool, error) {
	return query[workflows.StatusResult](ctx, r.tc, workflows.CallWorkflowID(id), workflows.QueryStatus, workflows.StatusQuery{})
}

// stageIn is a Done that says whether the call is at one of stages.
func (r *Replay) stageIn(id string, stages ...string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		s, found, err := r.callStatus(ctx, id)
		return found && slices.Contains(stages, s.Stage), err
	}
}

var (
	deadlineLine = regexp.MustCompile(`(?m)^deadline:.*$`)
	closesLine   = regexp.MustCompile(`(?m)^budget_closes:.*$`)
)

// The calendar is shifted: the call is launched with its deadline an hour
// from now and closed at once, and its 2024 budget year closes in 30
// days, so that a replay run today behaves as the call did in 2024.
func (c replayCall) launch(r *Replay, ctx context.Context) error {
	launched := func(ctx context.Context) (bool, error) {
		_, found, err := r.callStatus(ctx, c.id)
		return found, err
	}
	return r.do(ctx, c.id+": launch", launched, func(ctx context.Context) error {
		data, err := os.ReadFile(filepath.Join(r.Data, c.file))
		if err != nil {
			return err
		}
		now := time.Now()
		cfg := deadlineLine.ReplaceAllString(string(data), fmt.Sprintf("deadline: %q", now.Add(time.Hour).Format(time.RFC3339)))
		cfg = closesLine.ReplaceAllString(cfg, "") + fmt.Sprintf("budget_closes: %q\n", now.AddDate(0, 0, 30).Format("2006-01-02"))
		return r.act.launch(ctx, filepath.Join(r.Data, c.file)+" (dates shifted)", []byte(cfg))
	})
}

// Applications are imported again until all are recorded: a row that
// already went in is refused as a duplicate, and the rows keep their
// order, so the references are those of a run that did not stop.
func (c replayCall) applications(r *Replay, ctx context.Context) error {
	path := filepath.Join(r.Data, c.apps)
	rows, err := intake.ReadBulk(path)
	if err != nil {
		return err
	}
	count := func(ctx context.Context) (int, error) {
		var n int
		err := r.db.QueryRow(ctx, `SELECT count(*) FROM applications WHERE call_id = $1`, c.id).Scan(&n)
		return n, err
	}
	all := func(ctx context.Context) (bool, error) {
		n, err := count(ctx)
		return n == len(rows), err
	}
	return r.do(ctx, c.id+": applications", all, func(ctx context.Context) error {
		s, _, err := r.callStatus(ctx, c.id)
		if err != nil {
			return err
		}
		if s.Stage != workflows.StageOpen {
			return usage("%s is at stage %q but lacks applications: replay it from the start", c.id, s.Stage)
		}
		refused, err := r.act.importApplications(ctx, c.id, path)
		if err != nil || len(refused) == 0 {
			return err
		}
		// Refusals are duplicates of an earlier import when every row is
		// recorded; anything else is the data's fault.
		if n, err := count(ctx); err != nil || n == len(rows) {
			return err
		}
		return fmt.Errorf("%d of %d applications recorded; refused: %v", len(rows)-len(refused), len(rows), refused)
	})
}

func (c replayCall) close(r *Replay, ctx context.Context) error {
	return r.do(ctx, c.id+": close", r.stageIn(c.id, after(workflows.StageOpen)...), func(ctx context.Context) error {
		return r.act.close(ctx, c.id, "2024 replay")
	})
}

func (c replayCall) screening(r *Replay, ctx context.Context) error {
	return r.do(ctx, c.id+": end screening", r.stageIn(c.id, after(workflows.StageScreening)...), func(ctx context.Context) error {
		s, _, err := r.callStatus(ctx, c.id)
		if err != nil {
			return err
		}
		if s.Stage != workflows.StageScreening || s.Screening.Pending+s.Screening.Screened != s.Submitted {
			return ErrNotYet // the automatic checks are still running
		}
		return r.act.endScreening(ctx, c.id)
	})
}

func (c replayCall) review(r *Replay, ctx context.Context) error {
	return r.do(ctx, c.id+": committee scores", r.stageIn(c.id, after(workflows.StageReview)...), func(ctx context.Context) error {
		s, _, err := r.callStatus(ctx, c.id)
		if err != nil {
			return err
		}
		if s.Stage != workflows.StageReview || s.ScoringPath == "" {
			return ErrNotYet // the scoring workbook is being written
		}
		book := filepath.Join(r.Work, c.id+"-scoring.xlsx")
		if err := r.act.exportScores(ctx, c.id, book); err != nil {
			return err
		}
		if err := fillScores(book, c.funded); err != nil {
			return err
		}
		selected, total, err := r.act.importScores(ctx, c.id, book)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.Out, "   %d applications, %d proposed: %s\n", s.Submitted, selected, total)
		return nil
	})
}

func (c replayCall) decision(r *Replay, ctx context.Context) error {
	return r.do(ctx, c.id+": decision", r.stageIn(c.id, after(workflows.StageProposed)...), func(ctx context.Context) error {
		return r.act.decide(ctx, c.id, "AGRBC 2024/"+c.id)
	})
}
