package officer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// LaunchOptions tune a launch; tests lower MaxUpdatesPerRun.
type LaunchOptions struct {
	MaxUpdatesPerRun int
	Now              func() time.Time
}

// Launch validates a call file, stores its contacts and starts the call
// workflow. Nothing starts if anything is wrong, and a second launch of
// the same call id is refused.
func (e Env) Launch(ctx context.Context, path string, o LaunchOptions) (callspec.Call, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return callspec.Call{}, usage("%v", err)
	}
	call, contacts, err := callspec.Parse(data)
	if err != nil {
		return callspec.Call{}, fmt.Errorf("%w: %s:\n%v", ErrUsage, path, err)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if bad := call.CheckDates(now()); len(bad) > 0 {
		return call, usage("%s:\n%s", path, strings.Join(bad, "\n"))
	}
	id := workflows.CallWorkflowID(call.ID)
	if _, err := e.Temporal.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		return call, usage("call %s was already launched (workflow %s); a call is launched once", call.ID, id)
	} else if !isNotFound(err) {
		return call, err
	}
	if err := e.saveContacts(ctx, call.ID, contacts); err != nil {
		return call, err
	}
	_, err = e.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SACallID.ValueSet(call.ID), workflows.SACallKind.ValueSet(call.Kind),
			workflows.SACallYear.ValueSet(int64(call.Year)), workflows.SACallStage.ValueSet(workflows.StageOpen)),
		StaticSummary: fmt.Sprintf("%s — %s (%s %d)", call.ID, call.Title, call.Kind, call.Year),
		StaticDetails: staticDetails(call),
	}, workflows.CallWorkflowName, workflows.CallInput{Call: call, MaxUpdatesPerRun: o.MaxUpdatesPerRun})
	if err != nil {
		e.forgetContacts(ctx, call.ID)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return call, usage("call %s was already launched (workflow %s); a call is launched once", call.ID, id)
		}
		return call, fmt.Errorf("start call workflow: %w", err)
	}
	fmt.Fprintf(e.Out, "launched %s (%s): workflow %s, deadline %s, launch announcement to %s\n",
		call.ID, call.Title, id, call.Deadline.In(callspec.Brussels).Format("2006-01-02 15:04 MST"), words.Count(len(contacts.AnnounceTo), "address", "addresses"))
	fmt.Fprintf(e.Out, "envelope %s\n", envelopeText(call))
	return call, nil
}

func staticDetails(c callspec.Call) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s  \nKind: %s, year %d  \nTheme: %s  \nEnvelope: %s", c.ID, c.Title, c.Kind, c.Year, c.Theme, envelopeText(c))
	fmt.Fprintf(&b, "  \nGrant per project: %s to %s  \nRegions: %s", c.MinGrant, c.MaxGrant, strings.Join(c.Regions, ", "))
	return b.String()
}

// envelopeText says what the call holds in all and of what it is made, so
// an officer who meant the total sees it at once: "625.346 € in all:
// 200.400 € general + 424.946 € reserved for Territoire palestinien occupé".
func envelopeText(c callspec.Call) string {
	if len(c.Reserved) == 0 {
		return fmt.Sprintf("%s in all (general envelope, no reserved envelope)", c.TotalEnvelope())
	}
	parts := []string{c.Envelope.String() + " general"}
	for _, r := range c.Reserved {
		parts = append(parts, fmt.Sprintf("%s reserved for %s", r.Amount, r.Region))
	}
	return fmt.Sprintf("%s in all: %s", c.TotalEnvelope(), strings.Join(parts, " + "))
}

// saveContacts replaces a not-yet-launched call's contacts. They go to
// PostgreSQL before the workflow starts so no address enters its history.
func (e Env) saveContacts(ctx context.Context, callID string, ct callspec.Contacts) error {
	return pgx.BeginFunc(ctx, e.DB, func(tx pgx.Tx) error {
		var launched bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls WHERE call_id = $1)`, callID).Scan(&launched); err != nil {
			return err
		}
		if launched {
			return usage("call %s was already launched; a call is launched once", callID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM call_contacts WHERE call_id = $1`, callID); err != nil {
			return err
		}
		rows := [][]any{{"officer", ct.Officer.Email, ct.Officer.Language}, {"secretariat", ct.Secretary.Email, ct.Secretary.Language}}
		for _, a := range ct.AnnounceTo {
			rows = append(rows, []any{"announce", a.Email, a.Language})
		}
		for _, r := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO call_contacts (call_id, role, email, language) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, callID, r[0], r[1], r[2]); err != nil {
				return err
			}
		}
		return nil
	})
}

// forgetContacts undoes saveContacts when the workflow did not start.
func (e Env) forgetContacts(ctx context.Context, callID string) {
	_, _ = e.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM call_contacts c WHERE c.call_id = $1
		AND NOT EXISTS (SELECT 1 FROM calls WHERE call_id = $1)`, callID)
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
