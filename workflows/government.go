package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The government's status is one long-lived entity workflow that every
// call waiting for a decision subscribes to. Why this design, and why no
// call can miss a change:
//
//   - A call at the approval step signals Subscribe. The government answers
//     every subscription with its current status, and sends every later
//     change to every subscriber. So whatever the timing (a change just
//     before, during or after the subscription) the call ends up with the
//     latest status: signals are durable, and the Version in each status
//     lets the call ignore an older one arriving late.
//   - Changes arrive as Updates with validators on this one workflow, so
//     they are ordered, a refused change never enters history, and the
//     officer hears at once why.
//   - Calls that are not waiting are not subscribed: payments of existing
//     grants never consult the government (caretaker mode blocks new
//     commitments only).
//
// Polling PostgreSQL from each call, or a query per call, would either
// lag or miss a change between two polls; this pushes each change to
// exactly the calls that wait.

// GovernmentWorkflowID is the single government entity.
const GovernmentWorkflowID = "government"

// Names of the government workflow and its messages.
const (
	GovernmentWorkflowName = "Government"
	UpdateCaretaker        = "government-caretaker"
	UpdateInstalled        = "government-installed"
	QueryGovernment        = "government-status"
	SignalSubscribe        = "government-subscribe"
	SignalUnsubscribe      = "government-unsubscribe"
	SignalGovernmentStatus = "government-status" // sent to calls
)

// GovernmentStatus is what calls receive.
type GovernmentStatus struct {
	Caretaker bool      `json:"caretaker"`
	Since     time.Time `json:"since"`     // caretaker since
	Installed time.Time `json:"installed"` // last installation date
	ChangedBy string    `json:"changedBy"`
	ChangedAt time.Time `json:"changedAt"`
	Version   int       `json:"version"` // increases with every change
}

// Describe is the status as managers read it.
func (g GovernmentStatus) Describe() string {
	if g.Caretaker {
		return "caretaker mode since " + g.Since.In(callspec.Brussels).Format("2006-01-02")
	}
	if !g.Installed.IsZero() {
		return "in office (installed " + g.Installed.In(callspec.Brussels).Format("2006-01-02") + ")"
	}
	return "in office"
}

// GovernmentInput carries the state across continue-as-new.
type GovernmentInput struct {
	State *GovernmentState `json:"state"`
	// MaxUpdatesPerRun: see CallInput. 0 means the default.
	MaxUpdatesPerRun int `json:"maxUpdatesPerRun"`
}

// GovernmentState is the entity's state.
type GovernmentState struct {
	Status      GovernmentStatus `json:"status"`
	Subscribers []string         `json:"subscribers"` // workflow ids, sorted
}

// GovernmentResult is never returned in practice: the entity lives on.
type GovernmentResult struct{}

// CaretakerInput puts the government in caretaker mode.
type CaretakerInput struct {
	Since time.Time `json:"since"`
	By    string    `json:"by"`
}

// InstalledInput ends caretaker mode.
type InstalledInput struct {
	On time.Time `json:"on"`
	By string    `json:"by"`
}

// GovernmentChangeResult tells how many waiting calls were told.
type GovernmentChangeResult struct {
	Status   GovernmentStatus `json:"status"`
	Notified int              `json:"notified"`
}

// SubscribeSignal asks for the status now and at every change.
type SubscribeSignal struct {
	WorkflowID string `json:"workflowId"`
}

// GovernmentQuery has no parameters.
type GovernmentQuery struct{}

// GovernmentQueryResult is the status and who waits on it.
type GovernmentQueryResult struct {
	Status      GovernmentStatus `json:"status"`
	Description string           `json:"description"`
	Waiting     []string         `json:"waiting"` // call workflow ids subscribed
}

type govWF struct {
	loaded  bool // the status was read back (first run of a new entity)
	st      *GovernmentState
	updates int
	max     int
}

// GovernmentWorkflow is the government status entity.
func GovernmentWorkflow(ctx workflow.Context, in GovernmentInput) (GovernmentResult, error) {
	g := &govWF{st: in.State, max: in.MaxUpdatesPerRun}
	if err := workflow.SetQueryHandler(ctx, QueryGovernment, func(GovernmentQuery) (GovernmentQueryResult, error) {
		return GovernmentQueryResult{Status: g.st.Status, Description: g.st.Status.Describe(), Waiting: g.st.Subscribers}, nil
	}); err != nil {
		return GovernmentResult{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCaretaker, g.caretaker, workflow.UpdateHandlerOptions{Validator: g.validateCaretaker}); err != nil {
		return GovernmentResult{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateInstalled, g.installed, workflow.UpdateHandlerOptions{Validator: g.validateInstalled}); err != nil {
		return GovernmentResult{}, err
	}
	g.loaded = g.st != nil
	if g.st == nil {
		g.st = &GovernmentState{}
		// A new entity (first start, or restarted after an operator ended
		// it) takes the last status recorded in PostgreSQL.
		var last activities.LatestGovernmentChangeResult
		actx := workflow.WithActivityOptions(ctx, dbOptions)
		if err := workflow.ExecuteActivity(actx, act.LatestGovernmentChange, activities.LatestGovernmentChangeInput{}).Get(ctx, &last); err != nil {
			return GovernmentResult{}, err
		}
		if last.Found {
			s := GovernmentStatus{Caretaker: last.Caretaker, ChangedBy: last.By, ChangedAt: last.At, Version: last.Version}
			if s.Caretaker {
				s.Since = last.Effective
			} else {
				s.Installed = last.Effective
			}
			g.st.Status = s
		}
		g.loaded = true
	}
	if g.max <= 0 {
		g.max = DefaultMaxUpdatesPerRun
	}
	g.publish(ctx)
	subs := workflow.GetSignalChannel(ctx, SignalSubscribe)
	unsubs := workflow.GetSignalChannel(ctx, SignalUnsubscribe)
	received := 0
	for {
		tooLong := func() bool {
			return g.updates >= g.max || received >= 5000 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}
		if err := workflow.Await(ctx, func() bool { return subs.Len() > 0 || unsubs.Len() > 0 || tooLong() }); err != nil {
			return GovernmentResult{}, err
		}
		var s SubscribeSignal
		for subs.ReceiveAsync(&s) {
			received++
			g.subscribe(ctx, s.WorkflowID)
		}
		for unsubs.ReceiveAsync(&s) {
			received++
			if i := slices.Index(g.st.Subscribers, s.WorkflowID); i >= 0 {
				g.st.Subscribers = slices.Delete(g.st.Subscribers, i, i+1)
			}
		}
		g.publish(ctx)
		if tooLong() && subs.Len() == 0 && unsubs.Len() == 0 {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return GovernmentResult{}, err
			}
			if subs.Len() > 0 || unsubs.Len() > 0 {
				continue // a signal came in while handlers finished
			}
			return GovernmentResult{}, workflow.NewContinueAsNewError(ctx, GovernmentWorkflow, GovernmentInput{State: g.st, MaxUpdatesPerRun: in.MaxUpdatesPerRun})
		}
	}
}

func (g *govWF) subscribe(ctx workflow.Context, id string) {
	if id == "" {
		return
	}
	if !slices.Contains(g.st.Subscribers, id) {
		g.st.Subscribers = append(g.st.Subscribers, id)
		slices.Sort(g.st.Subscribers)
	}
	// The answer goes out even to a known subscriber: it may be a new run.
	_ = workflow.SignalExternalWorkflow(ctx, id, "", SignalGovernmentStatus, g.st.Status).Get(ctx, nil)
}

// ErrTypeStarting: the entity is reading its last status; retry shortly.
const ErrTypeStarting = "Starting"

func (g *govWF) starting() error {
	return temporal.NewApplicationError("the government workflow is reading its last recorded status; try again in a moment", ErrTypeStarting)
}

func (g *govWF) validateCaretaker(ctx workflow.Context, in CaretakerInput) error {
	if !g.loaded {
		return g.starting()
	}
	if g.st.Status.Caretaker {
		return wrongStage("the government is already in caretaker mode since %s", g.st.Status.Since.In(callspec.Brussels).Format("2006-01-02"))
	}
	if in.Since.IsZero() || in.Since.After(workflow.Now(ctx)) {
		return refuse("since", "give the date caretaker mode began (not in the future)")
	}
	if !g.st.Status.Installed.IsZero() && in.Since.Before(g.st.Status.Installed) {
		return refuse("since", fmt.Sprintf("%s is before the last installation (%s)", day(in.Since), day(g.st.Status.Installed)))
	}
	return officer(in.By)
}

func (g *govWF) caretaker(ctx workflow.Context, in CaretakerInput) (GovernmentChangeResult, error) {
	return g.change(ctx, GovernmentStatus{Caretaker: true, Since: in.Since, Installed: g.st.Status.Installed}, in.By, in.Since)
}

func (g *govWF) validateInstalled(ctx workflow.Context, in InstalledInput) error {
	if !g.loaded {
		return g.starting()
	}
	if !g.st.Status.Caretaker {
		return wrongStage("the government is not in caretaker mode (%s)", g.st.Status.Describe())
	}
	if in.On.IsZero() || in.On.After(workflow.Now(ctx)) {
		return refuse("on", "give the date the government was installed (not in the future)")
	}
	if in.On.Before(g.st.Status.Since) {
		return refuse("on", fmt.Sprintf("%s is before caretaker mode began (%s)", day(in.On), day(g.st.Status.Since)))
	}
	return officer(in.By)
}

func (g *govWF) installed(ctx workflow.Context, in InstalledInput) (GovernmentChangeResult, error) {
	return g.change(ctx, GovernmentStatus{Installed: in.On}, in.By, in.On)
}

// change records a new status, then tells every waiting call.
func (g *govWF) change(ctx workflow.Context, s GovernmentStatus, by string, effective time.Time) (GovernmentChangeResult, error) {
	g.updates++
	s.ChangedBy, s.ChangedAt, s.Version = by, workflow.Now(ctx), g.st.Status.Version+1
	g.st.Status = s
	g.publish(ctx)
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	rec := workflow.ExecuteActivity(actx, act.RecordGovernmentChange, activities.RecordGovernmentChangeInput{
		Version: s.Version, Caretaker: s.Caretaker, Effective: effective, By: by, At: s.ChangedAt})
	var sent []workflow.Future
	for _, id := range g.st.Subscribers {
		sent = append(sent, workflow.SignalExternalWorkflow(ctx, id, "", SignalGovernmentStatus, s))
	}
	notified := 0
	var gone []string
	for i, f := range sent {
		if err := f.Get(ctx, nil); err != nil {
			gone = append(gone, g.st.Subscribers[i]) // the call ended meanwhile
			continue
		}
		notified++
	}
	for _, id := range gone {
		if i := slices.Index(g.st.Subscribers, id); i >= 0 {
			g.st.Subscribers = slices.Delete(g.st.Subscribers, i, i+1)
		}
	}
	if err := rec.Get(ctx, nil); err != nil {
		return GovernmentChangeResult{}, fmt.Errorf("record change: %w", err)
	}
	return GovernmentChangeResult{Status: s, Notified: notified}, nil
}

func (g *govWF) publish(ctx workflow.Context) {
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Government:** %s  \n**Calls waiting for a decision:** %d", g.st.Status.Describe(), len(g.st.Subscribers)))
}

func day(t time.Time) string { return t.In(callspec.Brussels).Format("2006-01-02") }
