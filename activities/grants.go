package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/grantspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
)

// StartGrantsInput is one batch of approved projects of a call.
type StartGrantsInput struct {
	CallID string  `json:"callId"`
	Grants []Grant `json:"grants"`
}

// StartGrantsResult counts the grant workflows running after the batch.
type StartGrantsResult struct {
	Started int `json:"started"`
}

// startConcurrency bounds concurrent starts. ENGINE-NOTES: the file store
// accepts 100-200 starts/s and thousands at once time out (10 s client
// call timeout), so bound them at about 100. 50 is half that ceiling: a
// batch of 100 goes in two waves, each start waits about 0.25-0.5 s in
// the server's queue (far from the 10 s timeout) while the grants already
// started keep the same 2-core server busy with their own first tasks;
// 10 in flight left the engine idle between round trips (≈10 starts/s).
const startConcurrency = 50

// StartGrants starts one workflow per grant, with an explicit id, so the
// call's own history stays small however many grants it has. A grant
// already started (a retry) is left as it is.
func (a *Activities) StartGrants(ctx context.Context, in StartGrantsInput) (StartGrantsResult, error) {
	if a.Temporal == nil {
		return StartGrantsResult{}, temporal.NewNonRetryableApplicationError("this worker has no Temporal client to start grants with", ErrTypeInvalid, nil)
	}
	defer keepAlive(ctx)()
	call, err := loadCall(ctx, a.DB, in.CallID)
	if err != nil {
		return StartGrantsResult{}, err
	}
	refs := make([]string, len(in.Grants))
	for i, g := range in.Grants {
		refs[i] = g.Reference
	}
	type app struct {
		months             int
		association, title string
	}
	apps := map[string]app{}
	rows, err := a.DB.Query(ctx, `SELECT a.reference, a.duration_months, p.name, a.title FROM applications a
		JOIN applicants p USING (applicant_id) WHERE a.reference = ANY($1)`, refs)
	if err != nil {
		return StartGrantsResult{}, err
	}
	for rows.Next() {
		var ref string
		var x app
		if err := rows.Scan(&ref, &x.months, &x.association, &x.title); err != nil {
			return StartGrantsResult{}, err
		}
		apps[ref] = x
	}
	if err := rows.Err(); err != nil {
		return StartGrantsResult{}, err
	}
	rules := grantspec.Rules{Tranches: call.Tranches, Report: call.Report, Agreement: call.Agreement, TimeScale: call.TimeScale}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(startConcurrency)
	for _, gr := range in.Grants {
		x, ok := apps[gr.Reference]
		if !ok {
			return StartGrantsResult{}, temporal.NewNonRetryableApplicationError("no application "+gr.Reference, ErrTypeNotFound, nil)
		}
		g.Go(func() error {
			id := grantspec.WorkflowID(gr.Reference)
			_, err := a.Temporal.ExecuteWorkflow(gctx, client.StartWorkflowOptions{
				ID: id, TaskQueue: TaskQueue,
				WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
				WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
				TypedSearchAttributes: temporal.NewSearchAttributes(
					temporal.NewSearchAttributeKeyKeyword("CallId").ValueSet(in.CallID),
					temporal.NewSearchAttributeKeyKeyword("GrantId").ValueSet(id),
					temporal.NewSearchAttributeKeyKeyword("GrantStage").ValueSet("agreement")),
				StaticSummary: fmt.Sprintf("%s — %s: %s (%s)", id, x.association, x.title, gr.Amount),
			}, grantspec.WorkflowName, grantspec.Input{CallID: in.CallID, Reference: gr.Reference, Amount: gr.Amount,
				DurationMonths: x.months, Rules: rules})
			if err != nil && !isAlreadyStarted(err) {
				return fmt.Errorf("start %s: %w", id, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return StartGrantsResult{}, err
	}
	return StartGrantsResult{Started: len(in.Grants)}, nil
}

// TaskQueue is the worker's queue (the same constant as workflows.TaskQueue,
// which activities cannot import).
const TaskQueue = "callcycle"

// OpenGrantInput creates the grant's row and sends the agreement.
type OpenGrantInput struct {
	GrantID   string                   `json:"grantId"`
	CallID    string                   `json:"callId"`
	Reference string                   `json:"reference"`
	Amount    money.Cents              `json:"amount"`
	Tranches  []grantspec.TrancheState `json:"tranches"`
	SignBy    time.Time                `json:"signBy"`
	At        time.Time                `json:"at"`
}

// OpenGrantResult is empty.
type OpenGrantResult struct{}

// OpenGrant records the grant and queues the agreement mail, once.
func (a *Activities) OpenGrant(ctx context.Context, in OpenGrantInput) (OpenGrantResult, error) {
	return OpenGrantResult{}, pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO grants (grant_id, call_id, reference, granted_cents, agreement_sent)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (grant_id) DO NOTHING`, in.GrantID, in.CallID, in.Reference, int64(in.Amount), in.At); err != nil {
			return err
		}
		var list []mailtemplates.Tranche
		for _, t := range in.Tranches {
			list = append(list, mailtemplates.Tranche{Percent: t.Percent, On: t.On, Amount: t.Amount.String()})
		}
		return grantMail(ctx, tx, in.GrantID, "", false, &mailtemplates.Agreement{
			Amount: in.Amount.String(), TranchesList: list, SignBy: dateFR(in.SignBy)})
	})
}

// GrantMailResult is empty.
type GrantMailResult struct{}

// GrantMail queues one mail about a grant, to the applicant or to the
// call's officer, once per business key.
func (a *Activities) GrantMail(ctx context.Context, in GrantMailInput) (GrantMailResult, error) {
	if in.Data == nil || in.Data.Kind() != in.Kind {
		return GrantMailResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("grant mail %q carries data of kind %q", in.Kind, kindOf(in.Data)), ErrTypeInvalid, nil)
	}
	return GrantMailResult{}, pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		return grantMail(ctx, tx, in.GrantID, in.Key, in.ToOfficer, in.Data)
	})
}

// grantMail fills data's grant part from PostgreSQL and queues the mail.
func grantMail(ctx context.Context, tx pgx.Tx, grantID, key string, toOfficer bool, data mailtemplates.GrantData) error {
	kind := data.Kind()
	var callID, ref, name, email, lang, title, assoc string
	var callTitle string
	err := tx.QueryRow(ctx, `SELECT g.call_id, g.reference, a.contact_name, a.email, a.language, a.title, p.name, c.title
		FROM grants g JOIN applications a USING (reference) JOIN applicants p USING (applicant_id) JOIN calls c ON c.call_id = g.call_id
		WHERE g.grant_id = $1`, grantID).Scan(&callID, &ref, &name, &email, &lang, &title, &assoc, &callTitle)
	if err == pgx.ErrNoRows {
		return temporal.NewNonRetryableApplicationError("no grant "+grantID, ErrTypeNotFound, nil)
	}
	if err != nil {
		return err
	}
	data.SetGrant(mailtemplates.Grant{CallTitle: callTitle, Reference: ref, GrantID: grantID,
		Title: title, ContactName: name, Association: assoc})
	var mails []outgoing
	to := []callspec.Contact{{Email: email, Language: lang}}
	if toOfficer {
		rows, err := tx.Query(ctx, `SELECT email, language FROM call_contacts WHERE call_id = $1 AND role = 'officer'`, callID)
		if err != nil {
			return err
		}
		if to, err = pgx.CollectRows(rows, pgx.RowToStructByPos[callspec.Contact]); err != nil {
			return err
		}
	}
	for _, c := range to {
		bk := grantID + "/" + kind
		if key != "" {
			bk += "/" + key
		}
		if toOfficer {
			bk += "/" + c.Email
		}
		m, err := render(bk, c.Language, c.Email, callID, ref, data)
		if err != nil {
			return err
		}
		mails = append(mails, m)
	}
	_, err = enqueue(ctx, tx, mails)
	return err
}

// GrantDatesInput records a grant's dates and stage.
type GrantDatesInput struct {
	GrantID    string    `json:"grantId"`
	Status     string    `json:"status"`
	SignedOn   time.Time `json:"signedOn"`
	ProjectEnd time.Time `json:"projectEnd"`
	Due        time.Time `json:"due"`
}

// GrantDatesResult is empty.
type GrantDatesResult struct{}

// RecordGrantDates keeps the grants row in step with the workflow.
func (a *Activities) RecordGrantDates(ctx context.Context, in GrantDatesInput) (GrantDatesResult, error) {
	_, err := a.DB.Exec(ctx, `UPDATE grants SET status = $2, signed_on = $3, project_end = $4, report_due = $5 WHERE grant_id = $1`,
		in.GrantID, in.Status, nullDate(in.SignedOn), nullTime(in.ProjectEnd), nullTime(in.Due))
	return GrantDatesResult{}, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(callspec.Brussels).Format("2006-01-02")
}

func dateFR(t time.Time) string { return t.In(callspec.Brussels).Format("02/01/2006") }

// isAlreadyStarted: a grant that already ran to its end keeps its id.
func isAlreadyStarted(err error) bool {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &started)
}
