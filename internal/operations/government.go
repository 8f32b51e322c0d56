package operations

import (
	"context"
	"errors"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// GovernmentCaretakerInput records caretaker mode ("affaires courantes").
type GovernmentCaretakerInput struct {
	Since time.Time `json:"since"` // the day caretaker mode began
}

// GovernmentInstalledInput records the installation of a government.
type GovernmentInstalledInput struct {
	On time.Time `json:"on"` // the day it was installed
}

// GovernmentChangeResult is the new status and how many waiting calls
// it reached.
type GovernmentChangeResult struct {
	Status      GovernmentStatus `json:"status"`
	Description string           `json:"description"` // "caretaker mode since 2024-06-10"
	By          string           `json:"by"`
	Notified    int              `json:"notified"` // waiting calls paused or resumed
}

// GovernmentStatus is the government's status.
type GovernmentStatus struct {
	Caretaker bool       `json:"caretaker"`
	Since     *time.Time `json:"since"`     // caretaker since
	Installed *time.Time `json:"installed"` // last installation day
	ChangedBy string     `json:"changed_by"`
	ChangedAt *time.Time `json:"changed_at"`
	Version   int        `json:"version"` // increases with every change
}

// GovernmentStatusInput has no fields.
type GovernmentStatusInput struct{}

// GovernmentStatusResult is the status and the calls waiting on it.
type GovernmentStatusResult struct {
	Status      GovernmentStatus `json:"status"`
	Description string           `json:"description"`
	Waiting     []string         `json:"waiting"` // call workflow ids waiting for a decision
}

func govStatusOf(g workflows.GovernmentStatus) GovernmentStatus {
	return GovernmentStatus{Caretaker: g.Caretaker, Since: timeOrNil(g.Since), Installed: timeOrNil(g.Installed),
		ChangedBy: g.ChangedBy, ChangedAt: timeOrNil(g.ChangedAt), Version: g.Version}
}

// governmentUpdate sends an update to the government entity with
// update-with-start: the workflow is started if need be and the update
// delivered with its first task, so it cannot arrive before the
// workflow's handlers are registered.
func (s *Service) governmentUpdate(ctx context.Context, name string, arg any) (workflows.GovernmentChangeResult, error) {
	var res workflows.GovernmentChangeResult
	for attempt := 0; ; attempt++ {
		h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: s.Temporal.NewWithStartWorkflowOperation(governmentStart(), workflows.GovernmentWorkflowName, workflows.GovernmentInput{}),
			UpdateOptions: client.UpdateWorkflowOptions{
				WorkflowID: workflows.GovernmentWorkflowID, UpdateName: name, Args: []any{arg},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err == nil {
			err = h.Get(ctx, &res)
		}
		// A government workflow that just started reads its last status
		// first, and says so; give it a moment.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeStarting && attempt < 20 {
			if err := pause(ctx); err != nil {
				return res, err
			}
			continue
		}
		return res, classify("", err)
	}
}

// governmentStart is how the government entity is started, by the worker
// at start (workerapp.Bootstrap) and by any government command.
func governmentStart() client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       workflows.GovernmentWorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Government status: calls at the approval step subscribe here",
	}
}

// EnsureGovernment starts the government entity workflow unless it runs.
func EnsureGovernment(ctx context.Context, c client.Client) error {
	if _, err := c.ExecuteWorkflow(ctx, governmentStart(), workflows.GovernmentWorkflowName, workflows.GovernmentInput{}); err != nil {
		return classify("", err)
	}
	return nil
}

// GovernmentCaretaker records that the government is in caretaker mode
// since the given day: calls at the approval step pause.
func (s *Service) GovernmentCaretaker(ctx context.Context, by Actor, in GovernmentCaretakerInput) (res GovernmentChangeResult, err error) {
	defer s.audited(ctx, by, "government.caretaker", in, &err, func() string { return "government" })
	if in.Since.IsZero() {
		return GovernmentChangeResult{}, refused("since", "give the date caretaker mode began")
	}
	r, err := s.governmentUpdate(ctx, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: startOfDay(in.Since), By: by.Name})
	if err != nil {
		return GovernmentChangeResult{}, err
	}
	return GovernmentChangeResult{Status: govStatusOf(r.Status), Description: r.Status.Describe(), By: by.Name, Notified: r.Notified}, nil
}

// GovernmentInstalled ends caretaker mode: waiting calls resume.
func (s *Service) GovernmentInstalled(ctx context.Context, by Actor, in GovernmentInstalledInput) (res GovernmentChangeResult, err error) {
	defer s.audited(ctx, by, "government.installed", in, &err, func() string { return "government" })
	if in.On.IsZero() {
		return GovernmentChangeResult{}, refused("on", "give the date the government was installed")
	}
	r, err := s.governmentUpdate(ctx, workflows.UpdateInstalled, workflows.InstalledInput{On: startOfDay(in.On), By: by.Name})
	if err != nil {
		return GovernmentChangeResult{}, err
	}
	return GovernmentChangeResult{Status: govStatusOf(r.Status), Description: r.Status.Describe(), By: by.Name, Notified: r.Notified}, nil
}

// GovernmentStatus is the status and the calls waiting on it.
func (s *Service) GovernmentStatus(ctx context.Context, _ Actor, _ GovernmentStatusInput) (GovernmentStatusResult, error) {
	if err := EnsureGovernment(ctx, s.Temporal); err != nil {
		return GovernmentStatusResult{}, err
	}
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.GovernmentWorkflowID, "", workflows.QueryGovernment, workflows.GovernmentQuery{})
	if err != nil {
		return GovernmentStatusResult{}, classify("", err)
	}
	var q workflows.GovernmentQueryResult
	if err := v.Get(&q); err != nil {
		return GovernmentStatusResult{}, err
	}
	return GovernmentStatusResult{Status: govStatusOf(q.Status), Description: q.Description, Waiting: append([]string{}, q.Waiting...)}, nil
}
