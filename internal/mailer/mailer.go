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
}

// Mailer is a configured client.
type Mailer struct {
	client *gomail.Client
	from   *mail.Address
}

// New checks the configuration; it does not connect.
func New(c Config) (*Mailer, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("SMTP_FROM: %w", err)
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(30 * time.Second)}
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
	return &Mailer{client: cl, from: from}, nil
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

// Send hands one message to the relay. Headers are set through go-mail's
// typed setters only; the recipient was validated as a bare address.
func (s *Session) Send(msg Message) error {
	gm := gomail.NewMsg()
	gm.FromMailAddress(s.m.from)
	if err := gm.To(msg.To); err != nil {
		return fmt.Errorf("%w: recipient %q: %v", ErrRejected, msg.To, err)
	}
	gm.Subject(msg.Subject)
	gm.SetMessageIDWithValue(msg.MessageID)
	gm.SetDate()
	gm.SetGenHeader(gomail.HeaderContentLang, msg.Language)
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	if msg.Attachment != "" {
		if _, err := os.Stat(msg.Attachment); err != nil {
			return fmt.Errorf("%w: attachment: %v", ErrRejected, err)
		}
		gm.AttachFile(msg.Attachment)
	}
	if err := s.m.client.SendWithSMTPClient(s.sc, gm); err != nil {
		var se *gomail.SendError
		var tp *textproto.Error
		// Only a real 5xx reply is a refusal for good; a dropped connection
		// (relay restarting) has no code and must be retried, not lost.
		if errors.As(err, &se) && se.ErrorCode() >= 500 || errors.As(err, &tp) && tp.Code >= 500 {
			return fmt.Errorf("%w: %v", ErrRejected, err)
		}
		return err
	}
	return nil
}
