package operations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// LaunchInput is a call configuration (YAML, as in examples/).
type LaunchInput struct {
	Call   []byte `json:"call"`   // the YAML text
	Source string `json:"source"` // where it came from (a file name), for messages
}

// LaunchResult is the call as started.
type LaunchResult struct {
	CallID       string     `json:"call_id"`
	Title        string     `json:"title"`
	Kind         string     `json:"kind"`
	Year         int        `json:"year"`
	WorkflowID   string     `json:"workflow_id"`
	Deadline     time.Time  `json:"deadline"`
	AnnounceTo   int        `json:"announce_to"` // addresses the launch announcement goes to
	Envelope     Money      `json:"envelope"`    // in all, reserved envelopes included
	General      Money      `json:"general"`
	Reserved     []Envelope `json:"reserved"`
	EnvelopeText string     `json:"envelope_text"` // "625.346 € in all: 200.400 € general + ..."
}

// Envelope is an amount reserved for a region.
type Envelope struct {
	Region string `json:"region"`
	Amount Money  `json:"amount"`
}

// Launch validates a call configuration, stores its contacts and starts
// the call workflow. Nothing starts if anything is wrong, and a second
// launch of the same call id is refused.
func (s *Service) Launch(ctx context.Context, by Actor, in LaunchInput) (res LaunchResult, err error) {
	defer s.audited(ctx, by, "call.launch", in, &err, func() string { return res.CallID })
	call, contacts, err := callspec.Parse(in.Call)
	if err != nil {
		return res, refusedAll(in.Source+":", lines("call", err))
	}
	if bad := call.CheckDates(s.now()); len(bad) > 0 {
		p := make([]Problem, len(bad))
		for i, b := range bad {
			p[i] = Problem{Field: "call", Reason: b}
		}
		return res, refusedAll(in.Source+":", p)
	}
	id := workflows.CallWorkflowID(call.ID)
	already := &Error{Kind: Refused, Message: fmt.Sprintf("call %s was already launched (workflow %s); a call is launched once", call.ID, id),
		Problems: []Problem{{Field: "call", Reason: "already launched"}}}
	if _, err := s.Temporal.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		return res, already
	} else if !isNotFound(err) {
		return res, classify("", err)
	}
	if err := s.saveContacts(ctx, call.ID, contacts); err != nil {
		return res, err
	}
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SACallID.ValueSet(call.ID), workflows.SACallKind.ValueSet(call.Kind),
			workflows.SACallYear.ValueSet(int64(call.Year)), workflows.SACallStage.ValueSet(workflows.StageOpen)),
		StaticSummary: fmt.Sprintf("%s — %s (%s %d)", call.ID, call.Title, call.Kind, call.Year),
		StaticDetails: staticDetails(call),
	}, workflows.CallWorkflowName, workflows.CallInput{Call: call, MaxUpdatesPerRun: s.MaxUpdatesPerRun})
	if err != nil {
		s.forgetContacts(ctx, call.ID)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return res, already
		}
		return res, classify("", fmt.Errorf("start call workflow: %w", err))
	}
	res = LaunchResult{CallID: call.ID, Title: call.Title, Kind: call.Kind, Year: call.Year, WorkflowID: id,
		Deadline: call.Deadline, AnnounceTo: len(contacts.AnnounceTo), Envelope: M(call.TotalEnvelope()),
		General: M(call.Envelope), Reserved: []Envelope{}, EnvelopeText: envelopeText(call)}
	for _, r := range call.Reserved {
		res.Reserved = append(res.Reserved, Envelope{Region: r.Region, Amount: M(r.Amount)})
	}
	return res, nil
}

// lines makes one problem of field per line of a joined error.
func lines(field string, err error) []Problem {
	var out []Problem
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, Problem{Field: field, Reason: l})
		}
	}
	return out
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
func (s *Service) saveContacts(ctx context.Context, callID string, ct callspec.Contacts) error {
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var launched bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls WHERE call_id = $1)`, callID).Scan(&launched); err != nil {
			return err
		}
		if launched {
			return refused("call", "call %s was already launched; a call is launched once", callID)
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
	return classify("", err)
}

// forgetContacts undoes saveContacts when the workflow did not start.
func (s *Service) forgetContacts(ctx context.Context, callID string) {
	_, _ = s.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM call_contacts c WHERE c.call_id = $1
		AND NOT EXISTS (SELECT 1 FROM calls WHERE call_id = $1)`, callID)
}
