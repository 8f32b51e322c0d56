package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/callcycle/callcycle/internal/foureyes"
	"go.temporal.io/sdk/workflow"
)

// Four-eyes (issue 15): an action that needs a second person is sent as
// a proposal carrying the action's own input; it waits in the
// workflow's state (so it survives restarts and continue-as-new) until
// another person approves it, which applies the action as its own
// update would, or refuses it, which is kept. Which actions need it is
// the operations layer's setting; the workflow only refuses that the
// proposer approves, and checks the action against the state at each
// step.

// approvable is an update that can wait for a second person: its own
// validator and handler, over its input as JSON.
type approvable struct {
	validate func(workflow.Context, json.RawMessage) error
	apply    func(workflow.Context, json.RawMessage) (any, error)
}

func approvableOf[I, R any](validate func(workflow.Context, I) error, apply func(workflow.Context, I) (R, error)) approvable {
	// encoding/json is deterministic here: the same bytes decode to the
	// same value and a value encodes to the same bytes (struct fields in
	// order, map keys sorted), on every replay. workflowcheck flags it
	// only for the reflection and allocation inside.
	decode := func(raw json.RawMessage) (I, error) {
		var in I
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err := dec.Decode(&in) //workflowcheck:ignore
		if err != nil {
			return in, refuse("args", "the proposal's input is not this action's: "+err.Error())
		}
		return in, nil
	}
	return approvable{
		validate: func(ctx workflow.Context, raw json.RawMessage) error {
			in, err := decode(raw)
			if err != nil {
				return err
			}
			return validate(ctx, in)
		},
		apply: func(ctx workflow.Context, raw json.RawMessage) (any, error) {
			in, err := decode(raw)
			if err != nil {
				return nil, err
			}
			return apply(ctx, in)
		},
	}
}

// fourEyes registers the propose, approve and refuse updates of a
// workflow whose approvable updates are table (looked up, never ranged
// over), keeping proposals in st; changed is called after each change
// (to publish the state).
func fourEyes(ctx workflow.Context, st *foureyes.State, table map[string]approvable, changed func(workflow.Context)) error {
	lookup := func(action string) (approvable, error) {
		a, ok := table[action]
		if !ok {
			return approvable{}, refuse("action", fmt.Sprintf("%q cannot wait for a second approval here", action))
		}
		return a, nil
	}
	pending := func(in foureyes.Input) (foureyes.Pending, approvable, error) {
		a, err := lookup(in.Action)
		if err != nil {
			return foureyes.Pending{}, a, err
		}
		if err := officer(in.By); err != nil {
			return foureyes.Pending{}, a, err
		}
		p, ok := st.Find(in.Action)
		if !ok {
			return p, a, wrongStage("no %s waits for approval", in.Action)
		}
		return p, a, nil
	}
	validatePropose := func(ctx workflow.Context, in foureyes.Input) error {
		a, err := lookup(in.Action)
		if err != nil {
			return err
		}
		if err := officer(in.By); err != nil {
			return err
		}
		if p, ok := st.Find(in.Action); ok {
			return wrongStage("%s already waits for a second approval by %s (proposed by %s); approve or refuse it first", p.Summary, p.Approver, p.By)
		}
		return a.validate(ctx, in.Args)
	}
	propose := func(ctx workflow.Context, in foureyes.Input) (foureyes.Result, error) {
		st.Add(foureyes.Pending{Action: in.Action, Args: in.Args, By: in.By, ByID: in.ByID, At: workflow.Now(ctx), Approver: in.Approver, Summary: in.Summary})
		changed(ctx)
		return foureyes.Result{Action: in.Action, Summary: in.Summary, ProposedBy: in.By, Outcome: "proposed"}, nil
	}
	validateApprove := func(ctx workflow.Context, in foureyes.Input) error {
		p, a, err := pending(in)
		if err != nil {
			return err
		}
		if p.Same(in) {
			return refuse("by", fmt.Sprintf("%s proposed this; another person must approve it (four-eyes)", p.By))
		}
		// The state may have moved since the proposal (caretaker mode,
		// a tranche paid another way): the action's own rules decide.
		return a.validate(ctx, p.Args)
	}
	approve := func(ctx workflow.Context, in foureyes.Input) (foureyes.Result, error) {
		p, _ := st.Take(in.Action)
		a, _ := lookup(in.Action)
		res, err := a.apply(ctx, p.Args)
		if err != nil { // not applied: it still waits
			st.Add(p)
			return foureyes.Result{}, err
		}
		applied, err := json.Marshal(res) //workflowcheck:ignore (see approvableOf)
		if err != nil {
			return foureyes.Result{}, errors.Join(errors.New("applied, but its result could not be encoded"), err)
		}
		st.Record(foureyes.Outcome{Action: p.Action, Summary: p.Summary, ProposedBy: p.By, By: in.By, Result: foureyes.Approved, At: workflow.Now(ctx)})
		changed(ctx)
		return foureyes.Result{Action: p.Action, Summary: p.Summary, ProposedBy: p.By, Outcome: foureyes.Approved, Applied: applied}, nil
	}
	validateRefuse := func(_ workflow.Context, in foureyes.Input) error {
		if _, _, err := pending(in); err != nil {
			return err
		}
		if len(in.Reason) > 500 {
			return refuse("reason", "at most 500 characters")
		}
		return nil
	}
	refuseIt := func(ctx workflow.Context, in foureyes.Input) (foureyes.Result, error) {
		p, _ := st.Take(in.Action)
		st.Record(foureyes.Outcome{Action: p.Action, Summary: p.Summary, ProposedBy: p.By, By: in.By, Result: foureyes.Refused, Reason: in.Reason, At: workflow.Now(ctx)})
		changed(ctx)
		return foureyes.Result{Action: p.Action, Summary: p.Summary, ProposedBy: p.By, Outcome: foureyes.Refused}, nil
	}
	return errors.Join(
		workflow.SetUpdateHandlerWithOptions(ctx, UpdatePropose, propose, workflow.UpdateHandlerOptions{Validator: validatePropose}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprove, approve, workflow.UpdateHandlerOptions{Validator: validateApprove}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateRefuse, refuseIt, workflow.UpdateHandlerOptions{Validator: validateRefuse}),
	)
}
