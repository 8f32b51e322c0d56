package activities_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/mailtemplates"
	gomail "github.com/wneessen/go-mail"
	"go.temporal.io/sdk/testsuite"
)

// mailsPerOp is the batch each benchmark iteration sends.
const mailsPerOp = 500

// BenchmarkMailOutbox: callcycle's path — queue mails in the outbox
// (rendered, one transaction), then DeliverMail claims, sends over one
// SMTP connection and marks each row sent once the relay accepted it.
func BenchmarkMailOutbox(b *testing.B) {
	db, _ := testenv.Postgres(b)
	sink := testenv.StartMailpit(b)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		b.Fatal(err)
	}
	acts := &activities.Activities{DB: db, Mailer: m, OutputDir: b.TempDir()}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	call := callspec.Call{ID: "AP-BENCH-2024", Kind: "sud", Year: 2024, Title: "Bench", Theme: "t", Envelope: money.Euros(1),
		MinGrant: 1, MaxGrant: 1, Regions: []string{"r"}, Deadline: time.Now().Add(time.Hour)}
	if _, err := env.ExecuteActivity(acts.SaveCall, activities.SaveCallInput{Call: call, LaunchedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := db.Exec(ctx, `DELETE FROM call_contacts`); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO call_contacts (call_id, role, email, language)
			SELECT $1, 'announce', 'n' || g || '-' || $2::int || '@ngo.example', 'fr' FROM generate_series(1, $3::int) g`, call.ID, i, mailsPerOp); err != nil {
			b.Fatal(err)
		}
		// AnnounceLaunch's keys are per address: new addresses, new mails.
		if _, err := env.ExecuteActivity(acts.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: call.ID}); err != nil {
			b.Fatal(err)
		}
		v, err := env.ExecuteActivity(acts.DeliverMail, activities.DeliverMailInput{CallID: call.ID})
		if err != nil {
			b.Fatal(err)
		}
		var res activities.DeliverMailResult
		_ = v.Get(&res)
		if res.Sent != mailsPerOp {
			b.Fatalf("sent %d", res.Sent)
		}
	}
	b.ReportMetric(float64(b.N*mailsPerOp)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkMailBare: the same mails (same template, same sink) in a bare
// go-mail loop over one connection (go-mail's Client.Send, which adds a
// NOOP before and a RSET after each message), with no outbox and no
// bookkeeping. This is the target's reference.
func BenchmarkMailBare(b *testing.B) {
	benchBare(b, func(ctx context.Context, _ *mailer.Mailer, port int) (func(mailer.Message) error, func(), error) {
		// go-mail on its own, configured as internal/mailer configures it.
		c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithTimeout(30*time.Second))
		if err != nil {
			return nil, nil, err
		}
		if err := c.DialWithContext(ctx); err != nil {
			return nil, nil, err
		}
		send := func(msg mailer.Message) error {
			gm := gomail.NewMsg()
			if err := gm.From("callcycle <noreply@callcycle.test>"); err != nil {
				return err
			}
			if err := gm.To(msg.To); err != nil {
				return err
			}
			gm.Subject(msg.Subject)
			gm.SetMessageIDWithValue(msg.MessageID)
			gm.SetDate()
			gm.SetGenHeader(gomail.HeaderContentLang, msg.Language)
			gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
			gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
			return c.Send(gm)
		}
		return send, func() { _ = c.Close() }, nil
	})
}

// BenchmarkMailBareCommands: the same loop over the SMTP commands
// callcycle's session sends (MAIL, RCPT, DATA, body, dot; no NOOP/RSET),
// with no outbox and no bookkeeping: what the outbox path adds on
// top of the commands alone.
func BenchmarkMailBareCommands(b *testing.B) {
	benchBare(b, func(ctx context.Context, m *mailer.Mailer, _ int) (func(mailer.Message) error, func(), error) {
		s, err := m.Open(ctx)
		if err != nil {
			return nil, nil, err
		}
		return s.Send, func() { _ = s.Close() }, nil
	})
}

type opener func(ctx context.Context, m *mailer.Mailer, smtpPort int) (send func(mailer.Message) error, closeFn func(), err error)

func benchBare(b *testing.B, open opener) {
	sink := testenv.StartMailpit(b)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		b.Fatal(err)
	}
	data := mailtemplates.Launch{CallID: "AP-BENCH-2024", CallTitle: "Bench", Theme: "t", Envelope: "1 €", MinGrant: "1 €",
		MaxGrant: "1 €", Regions: "r", Deadline: "d"}
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		send, closeFn, err := open(ctx, m, sink.SMTPPort)
		if err != nil {
			b.Fatal(err)
		}
		for j := range mailsPerOp {
			r, err := mailtemplates.Render("fr", data)
			if err != nil {
				b.Fatal(err)
			}
			if err := send(mailer.Message{MessageID: fmt.Sprintf("bare-%d-%d@bench", i, j), To: fmt.Sprintf("n%d-%d@ngo.example", j, i),
				Subject: r.Subject, Text: r.Text, HTML: r.HTML, Language: "fr"}); err != nil {
				b.Fatal(err)
			}
		}
		closeFn()
	}
	b.ReportMetric(float64(b.N*mailsPerOp)/b.Elapsed().Seconds(), "mails/s")
}
