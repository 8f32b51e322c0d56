package main

import (
	"strings"
	"testing"
	"time"
)

// A mail in the sink twice passes the mail check only if the outbox
// counted the resend: the fault run restarts PostgreSQL cleanly, so an
// uncounted copy is a bug, not the crash window of activities/mail.go.
func TestCheckMailFailsOnAnUncountedResend(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	snapWith := func(resends int) *snapshot {
		return &snapshot{t0: t0,
			mails: []mailRow{{key: "AP/launch/a", kind: "launch", msgID: "m1@callcycle", status: "sent", resends: resends, created: t0.Add(-time.Minute)}},
			sink:  []sinkMsg{{MessageID: "m1@callcycle", Created: t0.Add(-50 * time.Second)}, {MessageID: "m1@callcycle", Created: t0.Add(-10 * time.Second)}}}
	}
	if c := checkMail("faulty run", snapWith(1), nil); !c.ok {
		t.Errorf("a counted resend failed the check: %v", c.details)
	}
	c := checkMail("faulty run", snapWith(0), nil)
	if c.ok || !strings.Contains(strings.Join(c.details, "\n"), "UNCOUNTED AP/launch/a") {
		t.Errorf("an uncounted resend: ok=%v, details %v; want a failure naming the mail", c.ok, c.details)
	}
}
