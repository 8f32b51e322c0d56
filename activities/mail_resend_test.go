package activities_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/mailer"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// A mail is never lost, at worst resent with its Message-ID, and the
// resend is counted. These tests set up each moment a crash or a fault
// can fall between the relay taking a mail and its "sent" mark.

// announce queues the launch announcement to n contacts (mail ids in
// address order) and returns their Message-IDs in that order.
func (f *fixture) announce(t *testing.T, n int) []string {
	t.Helper()
	for i := range n {
		if _, err := f.db.Exec(context.Background(), `INSERT INTO call_contacts VALUES ($1, 'announce', $2, 'fr')`,
			f.call.ID, "n"+strconv.Itoa(i)+"@ngo.example"); err != nil {
			t.Fatal(err)
		}
	}
	f.run(t, f.acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: f.call.ID}, nil)
	rows, err := f.db.Query(context.Background(), `SELECT message_id FROM mail_log ORDER BY mail_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// wantDelivered: every row sent, the sink holds each Message-ID the
// given number of times (1 unless listed), and each row's resends
// counter is copies-1.
func (f *fixture) wantDelivered(t *testing.T, ids []string, copies map[string]int) {
	t.Helper()
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status <> 'sent'`); n != 0 {
		t.Fatalf("%d rows not sent", n)
	}
	got := map[string]int{}
	for _, m := range f.sink.Messages(t) {
		got[m.MessageID]++
	}
	for _, id := range ids {
		want := max(copies[id], 1)
		if got[id] != want {
			t.Errorf("Message-ID %s in the sink %d times, want %d", id, got[id], want)
		}
		if r := f.count(t, `SELECT resends FROM mail_log WHERE message_id = $1`, id); r != want-1 {
			t.Errorf("Message-ID %s: resends %d, want %d", id, r, want-1)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("sink has %d distinct Message-IDs, want %d", len(got), len(ids))
	}
}

// The relay takes the first mail and the connection drops before its
// answer to the final dot arrives: the attempt fails, and the retry sends
// that mail again, once, with the same Message-ID, counted as a resend.
func TestDeliverMailAnswerToTheDotLostIsResentOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 3)
	p := cutAfterFirstAccept(t, f.sink.SMTPPort)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: p, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	cut := *f.acts
	cut.Mailer = m
	f.env.RegisterActivity(&cut)
	if _, err := f.env.ExecuteActivity(cut.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}); err == nil {
		t.Fatal("want the attempt to fail when the answer to the dot is lost")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status = 'sent'`); n != 0 {
		t.Fatalf("%d rows marked sent without the relay's answer", n)
	}
	f.run(t, cut.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, nil) // Temporal's retry
	f.wantDelivered(t, ids, map[string]int{ids[0]: 2})
}

// The relay accepted the first mail and its mark fails (PostgreSQL
// refuses the UPDATE): the mail is not lost, it is sent again by the
// retry and the resend counted.
func TestDeliverMailMarkFailedAfterAcceptIsResent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 3)
	// The first 'sent' mark raises; a sequence is not rolled back with it.
	_, err := f.db.Exec(context.Background(), `
		CREATE SEQUENCE marks;
		CREATE FUNCTION fail_first_mark() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.status = 'sent' AND nextval('marks') = 1 THEN RAISE EXCEPTION 'injected: mark failed'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER fail_first_mark BEFORE UPDATE ON mail_log FOR EACH ROW EXECUTE FUNCTION fail_first_mark();`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.ExecuteActivity(f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}); err == nil {
		t.Fatal("want the attempt to fail when its mark fails")
	}
	if got := f.sink.Messages(t); len(got) != 1 || got[0].MessageID != ids[0] {
		t.Fatalf("sink after the failed mark: %+v, want only %s", got, ids[0])
	}
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, nil)
	f.wantDelivered(t, ids, map[string]int{ids[0]: 2})
}

// A worker killed after the relay accepted a mail and before its mark:
// the rows stay claimed. Once the lease expired they are taken over; only
// the one in flight (the first unsent of that claim) may have reached the
// relay, and only its resend is counted.
func TestDeliverMailTakeoverCountsOnlyTheMailInFlight(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 3)
	s, err := f.acts.Mailer.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The dead attempt: claimed all three, sent the first, died.
	var first mailer.Message
	err = f.db.QueryRow(context.Background(), `SELECT message_id, recipient, subject, body_text, body_html, language FROM mail_log WHERE message_id = $1`, ids[0]).
		Scan(&first.MessageID, &first.To, &first.Subject, &first.Text, &first.HTML, &first.Language)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(first); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := f.db.Exec(context.Background(), `UPDATE mail_log SET status = 'sending', claim_token = '00000000-0000-4000-8000-000000000001',
		claimed_at = now() - interval '1 hour', attempts = 1`); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, nil)
	f.wantDelivered(t, ids, map[string]int{ids[0]: 2})
}

// The relay takes a mail and PostgreSQL is unreachable for its mark and
// for the hand-back (the fault run's restart), so the rows stay claimed
// as a killed worker leaves them. The takeover after the lease must flag
// the mail the relay took, whichever of the batch the attempt sent first:
// with 40 rows the claim's UPDATE returns them out of mail_id order, and
// a takeover that flagged the first row in mail_id order left this
// resend uncounted.
func TestDeliverMailTakeoverAfterLostMarkCountsTheMailTheRelayTook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 40)
	// "Down": any update of a claimed row (the mark, the hand-back) fails.
	_, err := f.db.Exec(context.Background(), `
		CREATE FUNCTION pg_down() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF OLD.status = 'sending' THEN RAISE EXCEPTION 'injected: PostgreSQL unreachable'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER pg_down BEFORE UPDATE ON mail_log FOR EACH ROW EXECUTE FUNCTION pg_down();`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.ExecuteActivity(f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}); err == nil {
		t.Fatal("want the attempt to fail when its mark fails")
	}
	got := f.sink.Messages(t)
	if len(got) != 1 {
		t.Fatalf("sink after the lost mark: %d messages, want the one the relay took", len(got))
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status = 'sending'`); n != len(ids) {
		t.Fatalf("%d rows still claimed, want all %d (neither mark nor hand-back reached the database)", n, len(ids))
	}
	// PostgreSQL is back; the claim's lease has expired.
	if _, err := f.db.Exec(context.Background(), `DROP TRIGGER pg_down ON mail_log;
		UPDATE mail_log SET claimed_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, nil)
	f.wantDelivered(t, ids, map[string]int{got[0].MessageID: 2})
}

// The answer to the dot is lost twice for the same mail: the relay may
// hold three copies, and both copies after the first are counted.
func TestDeliverMailAnswerLostTwiceCountsBothResends(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 1)
	p := cutAfterAccepts(t, f.sink.SMTPPort, 2)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: p, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	cut := *f.acts
	cut.Mailer = m
	f.env.RegisterActivity(&cut)
	for i := range 2 {
		if _, err := f.env.ExecuteActivity(cut.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}); err == nil {
			t.Fatalf("attempt %d: want a failure when the answer to the dot is lost", i+1)
		}
	}
	f.run(t, cut.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, nil)
	f.wantDelivered(t, ids, map[string]int{ids[0]: 3})
}

// cutAfterFirstAccept is cutAfterAccepts(t, port, 1).
func cutAfterFirstAccept(t *testing.T, port int) int { return cutAfterAccepts(t, port, 1) }

// cutAfterAccepts is a TCP proxy to the relay at port that, the first
// `times` times the relay accepts a message ("250 ... queued"), closes the
// client's connection instead of passing that answer on. Then it passes.
func cutAfterAccepts(t *testing.T, port, times int) int {
	t.Helper()
	var mu sync.Mutex
	cuts := 0
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(r, c); r.Close() }()
			go func() {
				defer c.Close()
				defer r.Close()
				buf := make([]byte, 4096)
				for {
					n, err := r.Read(buf)
					if n > 0 {
						if bytes.Contains(buf[:n], []byte(" queued")) {
							mu.Lock()
							cut := cuts < times
							cuts++
							mu.Unlock()
							if cut {
								return
							}
						}
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// A batch that outlasts the claim lease on a slow relay keeps its claim
// (renewed as it goes): a second attempt meanwhile finds the mails held
// instead of taking them over and sending them beside the first.
func TestDeliverMailLongBatchKeepsItsClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ids := f.announce(t, 20)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: slowRelay(t, f.sink.SMTPPort, 100*time.Millisecond),
		TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	slow := *f.acts
	slow.Mailer, slow.ClaimLease = m, 4*time.Second // 20 mails of 4 replies: some 8 s
	f.acts.ClaimLease = slow.ClaimLease
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&slow)
	first := make(chan error, 1)
	go func() {
		_, err := env.ExecuteActivity(slow.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID})
		first <- err
	}()
	time.Sleep(5 * time.Second) // past the lease of the first claim
	_, err = f.env.ExecuteActivity(f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID})
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrTypeMailHeld {
		t.Errorf("second attempt during the long batch: %v, want a %s error", err, activities.ErrTypeMailHeld)
	}
	if err := <-first; err != nil {
		t.Fatalf("first attempt: %v", err)
	}
	f.wantDelivered(t, ids, nil)
}

// slowRelay is a TCP proxy to the relay at port delaying each chunk the
// relay sends back.
func slowRelay(t *testing.T, port int, delay time.Duration) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(r, c); r.Close() }()
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := r.Read(buf)
					if n > 0 {
						time.Sleep(delay)
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}
