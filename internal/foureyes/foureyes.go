// Package foureyes is the state of a four-eyes approval, as a call or
// grant workflow carries it: an action proposed by one person waits
// until another approves or refuses it. It holds no I/O and no clock of
// its own (times come from the workflow), so workflows can use it.
package foureyes

import (
	"encoding/json"
	"time"
)

// Pending is an action waiting for a second person.
type Pending struct {
	Action   string          `json:"action"`         // the workflow update it applies once approved ("decide", "grant-paid")
	Args     json.RawMessage `json:"args"`           // that update's input, as proposed
	By       string          `json:"by"`             // who proposed it
	ByID     string          `json:"byId,omitempty"` // their user id, when signed in: what "another person" compares
	At       time.Time       `json:"at"`             // when
	Approver string          `json:"approver"`       // who may approve, in words ("officer", "finance")
	Summary  string          `json:"summary"`        // what it does, for status ("decree AGRBC 2024/1: 10 projects")
}

// Outcome is a proposal that was approved or refused, kept so the file
// shows it (the audit log has it too).
type Outcome struct {
	Action     string    `json:"action"`
	Summary    string    `json:"summary"`
	ProposedBy string    `json:"proposedBy"`
	By         string    `json:"by"`     // who approved or refused
	Result     string    `json:"result"` // Approved or Refused
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

const (
	Approved = "approved"
	Refused  = "refused"
)

// KeepOutcomes bounds the outcomes a workflow carries: a grant's few
// payments fit, and the state stays small across continue-as-new.
const KeepOutcomes = 20

// State is what a workflow carries: at most one pending proposal per
// action, and the last outcomes, oldest first.
type State struct {
	Pending  []Pending `json:"pending,omitempty"`
	Outcomes []Outcome `json:"outcomes,omitempty"`
}

// Find is the pending proposal of action, if any.
func (s *State) Find(action string) (Pending, bool) {
	for _, p := range s.Pending {
		if p.Action == action {
			return p, true
		}
	}
	return Pending{}, false
}

// Add records a proposal (the caller checked none is pending for it).
func (s *State) Add(p Pending) { s.Pending = append(s.Pending, p) }

// Take removes and returns the pending proposal of action.
func (s *State) Take(action string) (Pending, bool) {
	for i, p := range s.Pending {
		if p.Action == action {
			s.Pending = append(s.Pending[:i:i], s.Pending[i+1:]...)
			return p, true
		}
	}
	return Pending{}, false
}

// Record keeps an outcome, dropping the oldest beyond KeepOutcomes.
func (s *State) Record(o Outcome) {
	s.Outcomes = append(s.Outcomes, o)
	if n := len(s.Outcomes) - KeepOutcomes; n > 0 {
		s.Outcomes = append([]Outcome(nil), s.Outcomes[n:]...)
	}
}

// Waiting is what the first pending proposal waits for, in words, as
// status and the Temporal UI show it; "" when nothing is pending.
func (s *State) Waiting() string {
	if len(s.Pending) == 0 {
		return ""
	}
	p := s.Pending[0]
	return "second approval by " + p.Approver + " (" + p.Summary + ", proposed by " + p.By + " on " + p.At.UTC().Format("2006-01-02") + ")"
}

// Same says whether in comes from the person who proposed p: the same
// user id when both have one, else the same name.
func (p Pending) Same(in Input) bool {
	if p.ByID != "" && in.ByID != "" {
		return p.ByID == in.ByID
	}
	return p.By == in.By
}

// Input is a proposal, an approval or a refusal sent to a workflow.
type Input struct {
	Action   string          `json:"action"`
	By       string          `json:"by"`
	ByID     string          `json:"byId,omitempty"`     // the signed-in user's id ("" for a program or a shell)
	Args     json.RawMessage `json:"args,omitempty"`     // a proposal: the update's input
	Approver string          `json:"approver,omitempty"` // a proposal: who may approve
	Summary  string          `json:"summary,omitempty"`  // a proposal: what it does
	Reason   string          `json:"reason,omitempty"`   // a refusal: why
}

// Result answers a proposal, approval or refusal.
type Result struct {
	Action     string          `json:"action"`
	Summary    string          `json:"summary"`
	ProposedBy string          `json:"proposedBy"`
	Outcome    string          `json:"outcome"`           // "proposed", Approved, Refused
	Applied    json.RawMessage `json:"applied,omitempty"` // approved: the update's own result
}
