// Package operations is every officer action, one method each, taking a
// typed Input and returning a typed Result or an *Error. It prints
// nothing and knows no flag names: the starter CLI formats its Results
// for people (or as JSON), and an HTTP API can call the same methods.
//
// A new officer action is one method on Service here (its Input, Result
// and the workflow update or query it sends), then one command in
// starter that fills the Input and formats the Result.
package operations

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// Service holds what every operation needs.
type Service struct {
	Temporal client.Client
	DB       *pgxpool.Pool
	// Progress, when set, is told how many applications of an import were
	// submitted so far and of how many (for a progress bar).
	Progress func(done, total int)
	// Now is the clock used for rules that depend on the date (launch
	// dates, new budget entries); nil means time.Now.
	Now func() time.Time
	// MaxUpdatesPerRun is passed to new calls (tests lower it to force
	// continue-as-new); 0 means the workflow's default.
	MaxUpdatesPerRun int
	// FourEyes are the actions that need a second person (audit action
	// names, see FourEyesActions): the first proposes, another approves.
	// Empty (as in most tests) applies every action at once.
	FourEyes []string
	// MaxAttachmentBytes is the size limit of one attachment (the
	// portal's ATTACHMENT_MAX_MIB); 0 means DefaultMaxAttachment.
	MaxAttachmentBytes int64

	groups *groups // applications sent one by one, grouped by call (group.go); made on first use
}

// Actor is who acts: recorded with every change. Identity and roles
// (from OIDC) will be added here.
type Actor struct {
	Name string `json:"name"`
	// ID is the signed-in user's id (users.user_id), "" for a program or
	// a shell: four-eyes tells people apart by it.
	ID string `json:"id,omitempty"`
	// Role is the role the action is taken in, for the audit log; ""
	// is RoleOfficer.
	Role string `json:"role,omitempty"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
