package mailer_test

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/testenv"
)

// Send returns nil only once the relay has accepted the message (the
// caller then records it as sent); a refused recipient is a refusal for
// good and leaves the session usable.
func TestSendReturnsOnceTheRelayAccepted(t *testing.T) {
	t.Parallel()
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(msg("first")); err != nil {
		t.Fatal(err)
	}
	// Accepted means stored: the sink lists it before anything else is sent.
	if got := sink.Messages(t); len(got) != 1 || got[0].MessageID != "first@test" {
		t.Fatalf("after Send returned, the sink has %+v, want first@test", got)
	}
	if err := s.Send(msg("bad address")); !errors.Is(err, mailer.ErrRejected) {
		t.Fatalf("bad recipient: got %v, want ErrRejected", err)
	}
	if err := s.Send(msg("second")); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	if got := sink.Messages(t); len(got) != 2 {
		t.Fatalf("sink has %d messages, want 2 (first, second)", len(got))
	}
}

// A relay that takes the message and drops the connection before its
// answer to the final dot arrives: the message may have been delivered,
// and Send says so (ErrUnconfirmed) instead of "not sent".
func TestSendAnswerToTheDotLost(t *testing.T) {
	t.Parallel()
	relay := fakeRelay(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: relay.port, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(msg("taken"))
	if !errors.Is(err, mailer.ErrUnconfirmed) {
		t.Fatalf("answer to the dot lost: got %v, want ErrUnconfirmed", err)
	}
	if got := <-relay.got; !strings.Contains(got, "taken@test") {
		t.Fatalf("the relay did not receive the message: %q", got)
	}
}

func msg(id string) mailer.Message {
	return mailer.Message{MessageID: id + "@test", To: id + "@ngo.example", Subject: id, Text: "t", HTML: "<p>t</p>", Language: "fr"}
}

type relay struct {
	port int
	got  chan string // the DATA of the one message it took
}

// fakeRelay speaks just enough SMTP for one message, reads it up to the
// final dot and closes the connection without answering it.
func fakeRelay(t *testing.T) relay {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	r := relay{port: l.Addr().(*net.TCPAddr).Port, got: make(chan string, 1)}
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		_ = tp.PrintfLine("220 fake ESMTP")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
			case "EHLO", "HELO":
				_ = tp.PrintfLine("250 fake")
			case "DATA":
				_ = tp.PrintfLine("354 go ahead")
				body, _ := tp.ReadDotBytes()
				r.got <- string(body)
				return // taken, and the answer is lost
			case "QUIT":
				_ = tp.PrintfLine("221 bye")
				return
			default: // MAIL, RCPT, NOOP, RSET
				_ = tp.PrintfLine("250 ok")
			}
		}
	}()
	return r
}

// A session outlives the per-message timeout: each message renews the
// connection's deadline (a decision's 10,000 mails take longer than it).
func TestSessionOutlivesTimeout(t *testing.T) {
	t.Parallel()
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
