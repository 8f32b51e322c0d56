// Package mailer sends mails through the configured SMTP relay with
// go-mail. One Mailer per process; each Session is its own SMTP connection,
// so concurrent activities do not share connection state.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"os"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Config is the relay; see internal/config.SMTP.
type Config struct {
	Host     string
	Port     int
	User     string
	Password string
	TLS      string // none | starttls | tls
	From     string
	Timeout  time.Duration // per message; 0 means 30 s
}

// defaultTimeout bounds each SMTP exchange; the deadline is renewed per
// message, so a long session (10,000 decision mails) is not cut.
const defaultTimeout = 30 * time.Second

// Mailer is a configured client.
type Mailer struct {
	client  *gomail.Client
	from    *mail.Address
	timeout time.Duration
}

// New checks the configuration; it does not connect.
func New(c Config) (*Mailer, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("SMTP_FROM: %w", err)
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout)}
	switch c.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP_TLS: want none, starttls or tls, got %q", c.TLS)
	}
	if c.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(c.User), gomail.WithPassword(c.Password))
	}
	cl, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP: %w", err)
	}
	return &Mailer{client: cl, from: from, timeout: c.Timeout}, nil
}

// Message is one mail to one recipient.
type Message struct {
	MessageID string // without angle brackets; stable per business key
	To        string
	Subject   string
	Text      string
	HTML      string
	Language  string
	// Attachment is a file path (a workbook written by an activity), or "".
	Attachment string
}

// Session is one SMTP connection.
type Session struct {
	m  *Mailer
	sc *smtp.Client
}

// Open connects to the relay.
func (m *Mailer) Open(ctx context.Context) (*Session, error) {
	sc, err := m.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to SMTP relay: %w", err)
	}
	return &Session{m: m, sc: sc}, nil
}

// Close ends the connection.
func (s *Session) Close() error { return s.m.client.CloseWithSMTPClient(s.sc) }

// ErrRejected marks a recipient or message the relay refused for good
// (5xx): retrying will not help.
var ErrRejected = errors.New("rejected by the SMTP relay")

// ErrUnconfirmed: the final "." was written (or its write failed part-way)
// and no reply came, so the relay may or may not have taken the message.
// The session is unusable; the caller must treat the message as possibly
// delivered (send it again later, with the same Message-ID).
var ErrUnconfirmed = errors.New("the relay's answer to the final dot was lost: the message may have been delivered")

// Send hands one message to the relay and returns once the relay has
// answered the final "." (SMTP's commit point: a relay that loses the
// connection before it drops the message).
//
// nil means the relay took the message (250): only then may the caller
// record it as sent. ErrRejected is a refusal for good. ErrUnconfirmed
// means it may have been taken. Any other error means the relay did not
// take it (a refused command leaves the session usable; a broken
// connection does not, and the caller closes it).
//
// The commands are go-mail's SMTP client's, without the NOOP before and
// the RSET after each message that go-mail's Send adds (a completed DATA
// leaves the session ready for the next MAIL; a failed one is reset here).
func (s *Session) Send(msg Message) error {
	gm, err := s.build(msg)
	if err != nil {
		return err
	}
	if err := s.sc.UpdateDeadline(s.m.timeout); err != nil {
		return err
	}
	from, err := gm.GetSender(false)
	if err != nil {
		return fmt.Errorf("%w: sender: %v", ErrRejected, err)
	}
	if err := s.sc.Mail(from); err != nil {
		return s.failed(err)
	}
	rcpts, err := gm.GetRecipients()
	if err != nil {
		return fmt.Errorf("%w: recipient: %v", ErrRejected, err)
	}
	for _, r := range rcpts {
		if err := s.sc.Rcpt(r); err != nil {
			return s.failed(err)
		}
	}
	w, err := s.sc.Data()
	if err != nil {
		return s.failed(err)
	}
	if _, err := gm.WriteTo(w); err != nil {
		return err // no dot was written: the relay discards it; the session is unusable
	}
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			return classify(err) // the relay answered: 5xx refused for good, 4xx not taken
		}
		return fmt.Errorf("%w: %v", ErrUnconfirmed, err)
	}
	return nil
}

// failed resets the session after a refused command so it can go on.
func (s *Session) failed(err error) error {
	_ = s.sc.Reset()
	return classify(err)
}

// classify: only a real 5xx reply is a refusal for good; a dropped
// connection (relay restarting) has no code and must be retried, not lost.
func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	return err
}

// build makes the message. Headers are set through go-mail's typed
// setters only; the recipient was validated as a bare address.
func (s *Session) build(msg Message) (*gomail.Msg, error) {
	gm := gomail.NewMsg()
	gm.FromMailAddress(s.m.from)
	if err := gm.To(msg.To); err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %v", ErrRejected, msg.To, err)
	}
	gm.Subject(msg.Subject)
	gm.SetMessageIDWithValue(msg.MessageID)
	gm.SetDate()
	gm.SetGenHeader(gomail.HeaderContentLang, msg.Language)
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	if msg.Attachment != "" {
		if _, err := os.Stat(msg.Attachment); err != nil {
			return nil, fmt.Errorf("%w: attachment: %v", ErrRejected, err)
		}
		gm.AttachFile(msg.Attachment)
	}
	return gm, nil
}
