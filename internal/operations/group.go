package operations

import (
	"context"
	"sync"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
)

// Applications sent one by one (the portal's form) reach a call at the
// same moments; each its own update would cost the call two workflow
// tasks, and one call's tasks run one at a time. So those arriving while
// a batch is with the call wait and go together in the next one (group
// commit): alone, an application goes at once; at 32 at a time, in a few
// updates. Each still gets its own reference or its own reason.

// groupedBy is the actor a grouped batch carries into the call's history:
// the batch holds several people's applications (each recorded as its
// own in the audit log), and an applicant's name is not for history.
const groupedBy = "system:portal"

// groupBatchTimeout bounds one grouped batch's update (its retries on a
// busy call included).
const groupBatchTimeout = 2 * time.Minute

// groupsMade guards making a Service's groups on first use (a Service is
// a struct literal in main and in tests; copies made before then are
// separate, after then share).
var groupsMade sync.Mutex

func (s *Service) grouper() *groups {
	groupsMade.Lock()
	defer groupsMade.Unlock()
	if s.groups == nil {
		s.groups = &groups{calls: map[string][]*groupReq{}}
	}
	return s.groups
}

type groups struct {
	mu    sync.Mutex
	calls map[string][]*groupReq // waiting, by call; present while a sender runs
}

type groupReq struct {
	sub  intake.Submission
	done chan groupOutcome // buffered: the sender never waits on a caller
}

type groupOutcome struct {
	ref, refused string
	err          error
}

// sendGrouped submits one staged application with whichever others are
// waiting for the same call, and returns its reference, or the reason it
// was refused.
func (s *Service) sendGrouped(callID string, sub intake.Submission) (string, string, error) {
	req := &groupReq{sub: sub, done: make(chan groupOutcome, 1)}
	g := s.grouper()
	g.mu.Lock()
	waiting, running := g.calls[callID]
	g.calls[callID] = append(waiting, req)
	g.mu.Unlock()
	if !running {
		go s.sendWaiting(g, callID)
	}
	// Not given up when ctx ends: once queued the application may go in
	// with its batch, and its caller must not unstage the personal data
	// the call is about to record. The batch has its own timeout.
	out := <-req.done
	return out.ref, out.refused, out.err
}

// sendWaiting sends the call's waiting applications, a batch at a time,
// until none waits; then it ends and the next arrival starts another.
func (s *Service) sendWaiting(g *groups, callID string) {
	for {
		g.mu.Lock()
		batch := g.calls[callID]
		if len(batch) == 0 {
			delete(g.calls, callID)
			g.mu.Unlock()
			return
		}
		if len(batch) > ImportBatch {
			batch = batch[:ImportBatch]
		}
		g.calls[callID] = g.calls[callID][len(batch):]
		g.mu.Unlock()

		subs := make([]intake.Submission, len(batch))
		for i, r := range batch {
			subs[i] = r.sub
		}
		ctx, cancel := context.WithTimeout(context.Background(), groupBatchTimeout)
		refs, refused, err := s.sendBatch(ctx, Actor{Name: groupedBy}, callID, subs)
		cancel()
		for i, r := range batch {
			if err != nil {
				r.done <- groupOutcome{err: err}
				continue
			}
			r.done <- groupOutcome{ref: refs[i], refused: refused[i]}
		}
	}
}
