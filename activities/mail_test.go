package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"go.temporal.io/sdk/temporal"
)

func TestDeliverMailSendsEachMailOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range [][2]string{{"a@ngo.example", "fr"}, {"b@ngo.example", "nl"}, {"c@ngo.example", "en"}} {
		if _, err := f.db.Exec(ctx, `INSERT INTO call_contacts VALUES ($1, 'announce', $2, $3)`, f.call.ID, c[0], c[1]); err != nil {
			t.Fatal(err)
		}
	}
	var ann activities.AnnounceLaunchResult
	f.run(t, f.acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: f.call.ID}, &ann)
	f.run(t, f.acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: f.call.ID}, &ann) // retried
	if ann.Queued != 0 || f.count(t, `SELECT count(*) FROM mail_log`) != 3 {
		t.Fatalf("announce twice queued again: %+v", ann)
	}
	var res activities.DeliverMailResult
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, &res)
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, &res) // retried
	if res.Sent != 0 {
		t.Fatalf("second delivery sent %d", res.Sent)
	}
	msgs := f.sink.WaitFor(t, 3, 5*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("delivered %d mails, want 3", len(msgs))
	}
	subjects := map[string]string{}
	for _, m := range msgs {
		subjects[m.Recipient()] = m.Subject
		if !strings.HasSuffix(m.MessageID, "@callcycle") {
			t.Errorf("Message-ID %q not derived from the business key", m.MessageID)
		}
	}
	if !strings.HasPrefix(subjects["a@ngo.example"], "Lancement") || !strings.HasPrefix(subjects["b@ngo.example"], "Lancering") || !strings.HasPrefix(subjects["c@ngo.example"], "Call for projects") {
		t.Fatalf("languages wrong: %v", subjects)
	}
	full := f.sink.Get(t, msgs[0].ID)
	if full.Text == "" || full.HTML == "" {
		t.Fatal("want both a plain-text and an HTML part")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status = 'sent' AND sent_at IS NOT NULL`); n != 3 {
		t.Fatalf("sent rows = %d", n)
	}
}

// A row left 'sending' by a live attempt is not sent again until its
// lease expires; after that it is (the documented window).
func TestDeliverMailRespectsClaims(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.Exec(ctx, `INSERT INTO call_contacts VALUES ($1, 'announce', 'a@ngo.example', 'fr')`, f.call.ID); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: f.call.ID}, nil)
	if _, err := f.db.Exec(ctx, `UPDATE mail_log SET status = 'sending', claimed_at = now(), claim_token = gen_random_uuid()`); err != nil {
		t.Fatal(err)
	}
	// Another attempt holds it (perhaps of a worker that died): not sent,
	// and every delivery of its scope fails, final or not, so that Temporal
	// retries it until the mail is sent or the lease expires.
	for _, in := range []activities.DeliverMailInput{{CallID: f.call.ID, Final: true}, {CallID: f.call.ID}} {
		_, err := f.env.ExecuteActivity(f.acts.DeliverMail, in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeMailHeld {
			t.Fatalf("%+v: want %s, got %v", in, activities.ErrTypeMailHeld, err)
		}
		if d := appErr.NextRetryDelay(); d <= 0 || d > activities.DefaultClaimLease+time.Second {
			t.Fatalf("retry delay %s: want one within the lease", d)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status = 'sent'`); n != 0 {
		t.Fatal("sent a mail another attempt holds")
	}
	var res activities.DeliverMailResult
	if _, err := f.db.Exec(ctx, `UPDATE mail_log SET claimed_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, &res)
	if res.Sent != 1 {
		t.Fatalf("expired claim not resent: %+v", res)
	}
}

// With the relay down the attempt fails (Temporal retries) and the rows
// go back to pending, unsent. Not parallel: the "down" relay is a port
// just closed, which a parallel test's Mailpit could be given next.
func TestDeliverMailRelayDown(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.Exec(ctx, `INSERT INTO call_contacts VALUES ($1, 'announce', 'a@ngo.example', 'fr')`, f.call.ID); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: f.call.ID}, nil)
	stopped := *f.acts
	m, _ := newMailerOnClosedPort(t)
	stopped.Mailer = m
	env := f.env
	env.RegisterActivity(&stopped)
	if _, err := env.ExecuteActivity(stopped.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}); err == nil {
		t.Fatal("want an error with the relay down")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE status = 'pending' AND claim_token IS NULL`); n != 1 {
		t.Fatalf("claimed rows not released: %d pending", n)
	}
}
