package workflows

import (
	"time"

	"github.com/callcycle/callcycle/activities"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Database activities are short; PostgreSQL being down is retried for as
// long as it takes (the call must not fail because of an outage).
var dbOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrTypeNotFound, activities.ErrTypeInboxMissing, activities.ErrTypeInvalid},
	},
}

// MailHeartbeatTimeout: mail delivery heartbeats per message; a stuck
// relay connection or a killed worker is noticed within it and the
// attempt retried. The mail claim lease must exceed it.
const MailHeartbeatTimeout = time.Minute

var mailOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Minute,
	HeartbeatTimeout:    MailHeartbeatTimeout,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
	},
}

// Workbook activities read and write files of up to 10,000 rows (and
// StartGrants starts a batch of grants). They heartbeat (keepAlive in
// package activities): a worker killed mid-attempt is retried within the
// HeartbeatTimeout, not after the 10 minutes (fault-run seeds 76 and 81).
var fileOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	HeartbeatTimeout:    20 * time.Second,
	RetryPolicy:         dbOptions.RetryPolicy,
}

// dbLocalOptions: a grant's short PostgreSQL writes as local activities
// (VersionGrantLocal), retried like dbOptions for as long as an outage
// lasts (the SDK backs off with a timer once a retry would outlast the
// workflow task).
var dbLocalOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         dbOptions.RetryPolicy,
}

// mailNowOptions: the first, immediate delivery of a grant's mails (one
// attempt, short); the durable DeliverMail activity takes what it leaves.
// It stays well under the claim lease, so an attempt cut off by its
// timeout hands its mails back rather than leaving them claimed.
var mailNowOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}
