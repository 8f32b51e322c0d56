package testenv

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
)

// Mailpit is a running SMTP sink with its HTTP API.
type Mailpit struct {
	SMTPPort int
	API      string // http://127.0.0.1:port
	m        *launcher.Mailpit
}

// StartMailpit runs Mailpit on free ports with an in-memory store; it
// accepts any SMTP login, for the tests of SMTP_USER/SMTP_PASSWORD.
func StartMailpit(t testing.TB) *Mailpit {
	ServiceTest(t)
	t.Helper()
	bin := Binary(t, "CALLCYCLE_MAILPIT_BIN", "mailpit")
	ctx, cancel := startCtx(t)
	defer cancel()
	m, err := launcher.StartMailpit(ctx, launcher.MailpitOptions{Bin: bin, AcceptAnySMTPAuth: true,
		LogPath: filepath.Join(t.TempDir(), "mailpit.log")})
	if err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(m.Kill)
	return &Mailpit{SMTPPort: m.SMTPPort, API: m.API, m: m}
}

// Message is a delivered mail as the sink's API lists it.
type Message = launcher.Message

// Messages lists every delivered mail.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	msgs, err := m.m.Messages(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// Full is a message with its bodies and headers.
type Full struct {
	Subject string              `json:"Subject"`
	Text    string              `json:"Text"`
	HTML    string              `json:"HTML"`
	Headers map[string][]string `json:"-"`
}

// Get fetches one message's bodies and headers.
func (m *Mailpit) Get(t testing.TB, id string) Full {
	t.Helper()
	var f Full
	m.get(t, "/api/v1/message/"+id, &f)
	m.get(t, "/api/v1/message/"+id+"/headers", &f.Headers)
	return f
}

// WaitFor polls until at least n messages arrived.
func (m *Mailpit) WaitFor(t testing.TB, n int, within time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msgs := m.Messages(t)
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	if err := m.m.Get(t.Context(), path, v); err != nil {
		t.Fatal(err)
	}
}
