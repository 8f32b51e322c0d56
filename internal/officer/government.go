package officer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsureGovernment starts the government entity workflow unless it runs.
// The worker calls it at start, and so does every government command.
func EnsureGovernment(ctx context.Context, c client.Client) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.GovernmentWorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Government status: calls at the approval step subscribe here",
	}, workflows.GovernmentWorkflowName, workflows.GovernmentInput{})
	if err != nil {
		return fmt.Errorf("start the government workflow: %w", err)
	}
	return nil
}

func (e Env) governmentUpdate(ctx context.Context, name string, arg any) (workflows.GovernmentChangeResult, error) {
	var res workflows.GovernmentChangeResult
	if err := EnsureGovernment(ctx, e.Temporal); err != nil {
		return res, err
	}
	for attempt := 0; ; attempt++ {
		h, err := e.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.GovernmentWorkflowID, UpdateName: name, Args: []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &res)
		}
		// A government workflow that just started reads its last status
		// first, and says so; give it a moment.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeStarting && attempt < 20 {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if err != nil && strings.Contains(err.Error(), "unknown update") && attempt < 20 {
			time.Sleep(250 * time.Millisecond) // not yet past its first task
			continue
		}
		return res, e.explain("government", err)
	}
}

// GovernmentCaretaker records that the government is in caretaker mode
// since the given date: calls at the approval step pause.
func (e Env) GovernmentCaretaker(ctx context.Context, since string) error {
	t, err := callspec.ParseTime(since)
	if err != nil {
		return usage("--since: %v", err)
	}
	res, err := e.governmentUpdate(ctx, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: startOfDay(t), By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "government: %s (recorded by %s); %s\n", res.Status.Describe(), e.By, waiting(res.Notified, "is paused", "are paused"))
	return nil
}

// waiting says how many calls waiting for the government a change
// reached: "no call was waiting", "1 waiting call is paused", "3 waiting
// calls are paused".
func waiting(n int, one, many string) string {
	if n == 0 {
		return "no call was waiting"
	}
	return words.Count(n, "waiting call "+one, "waiting calls "+many)
}

// GovernmentInstalled ends caretaker mode: waiting calls resume.
func (e Env) GovernmentInstalled(ctx context.Context, on string) error {
	t, err := callspec.ParseTime(on)
	if err != nil {
		return usage("--on: %v", err)
	}
	res, err := e.governmentUpdate(ctx, workflows.UpdateInstalled, workflows.InstalledInput{On: startOfDay(t), By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "government: %s (recorded by %s); %s\n", res.Status.Describe(), e.By, waiting(res.Notified, "resumes", "resume"))
	return nil
}

// startOfDay: the dates given are days; a bare date parses as its end.
func startOfDay(t time.Time) time.Time {
	b := t.In(callspec.Brussels)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, callspec.Brussels)
}

// GovernmentStatus prints the status and the calls waiting on it.
func (e Env) GovernmentStatus(ctx context.Context) (workflows.GovernmentQueryResult, error) {
	var q workflows.GovernmentQueryResult
	if err := EnsureGovernment(ctx, e.Temporal); err != nil {
		return q, err
	}
	v, err := e.Temporal.QueryWorkflow(ctx, workflows.GovernmentWorkflowID, "", workflows.QueryGovernment, workflows.GovernmentQuery{})
	if err != nil {
		return q, err
	}
	if err := v.Get(&q); err != nil {
		return q, err
	}
	fmt.Fprintf(e.Out, "government: %s\n", q.Description)
	if q.Status.ChangedBy != "" {
		fmt.Fprintf(e.Out, "  last change: by %s at %s\n", q.Status.ChangedBy, fmtTime(q.Status.ChangedAt))
	}
	fmt.Fprintf(e.Out, "  calls waiting for a decision: %s\n", orNone(q.Waiting))
	return q, nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// DecideOptions is what the officer enters from the decree.
type DecideOptions struct {
	Decree   string
	All      bool     // approve the proposal as it stands
	Approve  []string // "REF" (proposed amount) or "REF=amount" (reduced, or with Override any eligible project)
	Override bool
}

// Decide enters the government's decision.
func (e Env) Decide(ctx context.Context, callID string, o DecideOptions) (workflows.DecideResult, error) {
	var res workflows.DecideResult
	st, err := e.requireStage(ctx, callID, workflows.StageProposed)
	if err != nil {
		return res, err
	}
	if o.All == (len(o.Approve) > 0) {
		return res, usage("give either --all (the proposal as it stands) or --approve REF[=amount] for each project")
	}
	picks := map[string]workflows.Pick{}
	for _, p := range st.Proposal.Picks {
		picks[p.Reference] = p
	}
	var grants []workflows.DecisionGrant
	if o.All {
		for _, p := range st.Proposal.Picks {
			grants = append(grants, workflows.DecisionGrant{Reference: p.Reference, Amount: p.Amount})
		}
	}
	for _, a := range o.Approve {
		ref, amount, hasAmount := strings.Cut(a, "=")
		g := workflows.DecisionGrant{Reference: strings.TrimSpace(ref)}
		p, proposed := picks[g.Reference]
		if hasAmount {
			if g.Amount, err = money.Parse(amount); err != nil {
				return res, usage("--approve %s: %v", a, err)
			}
		} else if proposed {
			g.Amount = p.Amount
		}
		if !proposed {
			// Outside the proposal: the region (and, by default, the
			// requested amount) come from the application itself.
			var cents int64
			err := e.DB.QueryRow(ctx, `SELECT region, amount_cents FROM applications WHERE call_id = $1 AND reference = $2`, callID, g.Reference).Scan(&g.Region, &cents)
			if err != nil {
				return res, usage("--approve %s: no application %s in %s", a, g.Reference, callID)
			}
			if !hasAmount {
				g.Amount = money.Cents(cents)
			}
		}
		grants = append(grants, g)
	}
	in := workflows.DecideInput{Decree: o.Decree, By: e.By, Grants: grants, Override: o.Override}
	if err := e.update(ctx, callID, workflows.UpdateDecide, in, &res); err != nil {
		return res, err
	}
	fmt.Fprintf(e.Out, "%s: decision %s recorded: %s, %s; decision mails go to every eligible applicant\n", callID, o.Decree, words.Count(res.Granted, "grant", "grants"), res.Total)
	return res, nil
}

// CarryOver continues a lapsed call under a later budget year.
func (e Env) CarryOver(ctx context.Context, callID string, year int) error {
	var res workflows.CarryOverResult
	if err := e.update(ctx, callID, workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: year, By: e.By}, &res); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: carried over to the %d budget; it lapses again at %s without a decision\n", callID, year, fmtTime(res.LapseAt))
	return nil
}

// Cancel ends a call; every applicant is told the reason.
func (e Env) Cancel(ctx context.Context, callID, reason string) error {
	var res workflows.CancelResult
	if err := e.update(ctx, callID, workflows.UpdateCancel, workflows.CancelInput{Reason: reason, By: e.By}, &res); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: cancelled (%s); every applicant is notified\n", callID, reason)
	return nil
}
