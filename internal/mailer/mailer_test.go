package mailer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/testenv"
)

// The relay must take a message only after the caller's commit succeeded:
// a failed commit drops it before the final dot, so nothing arrives; the
// commit of a mail the relay then accepts runs exactly once.
func TestSendCommittedDotIsTheCommitPoint(t *testing.T) {
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	msg := func(id string) mailer.Message {
		return mailer.Message{MessageID: id + "@test", To: id + "@ngo.example", Subject: id, Text: "t", HTML: "<p>t</p>", Language: "fr"}
	}
	s, err := m.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = s.SendCommitted(msg("dropped"), func() error { return errors.New("database down") })
	if !errors.Is(err, mailer.ErrNotCommitted) {
		t.Fatalf("failed commit: got %v, want ErrNotCommitted", err)
	}
	_ = s.Close()

	s, err = m.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commits := 0
	for _, id := range []string{"first", "second"} {
		if err := s.SendCommitted(msg(id), func() error { commits++; return nil }); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	// A refused recipient is a refusal for good, before any commit, and
	// leaves the session usable.
	if err := s.SendCommitted(msg("bad address"), func() error { commits++; return nil }); !errors.Is(err, mailer.ErrRejected) {
		t.Fatalf("bad recipient: got %v, want ErrRejected", err)
	}
	if err := s.Send(msg("third")); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	got := sink.WaitFor(t, 3, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	got = sink.Messages(t)
	if len(got) != 3 || commits != 2 {
		t.Fatalf("sink has %d messages (want 3: first, second, third), %d commits (want 2)", len(got), commits)
	}
	for _, g := range got {
		if g.Subject == "dropped" {
			t.Fatal("the message whose commit failed reached the relay")
		}
	}
}

// A session outlives the per-message timeout: each message renews the
// connection's deadline (a decision's 10,000 mails take longer than it).
func TestSessionOutlivesTimeout(t *testing.T) {
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>",
		Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 4 {
		if err := s.Send(mailer.Message{MessageID: "slow-" + string(rune('a'+i)) + "@test", To: "slow@ngo.example", Subject: "s", Text: "t", HTML: "<p>t</p>", Language: "fr"}); err != nil {
			t.Fatalf("message %d after %d ms: %v", i+1, i*200, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
