package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Mailpit is a running SMTP sink with its HTTP API.
type Mailpit struct {
	SMTPPort int
	API      string // http://127.0.0.1:port
	cmd      *exec.Cmd
}

// StartMailpit runs Mailpit on free ports with an in-memory store.
func StartMailpit(t testing.TB) *Mailpit {
	ServiceTest(t)
	t.Helper()
	bin := Binary(t, "CALLCYCLE_MAILPIT_BIN", "mailpit")
	smtpPort, httpPort := freePort(t), freePort(t)
	m := &Mailpit{SMTPPort: smtpPort, API: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	m.cmd = exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--max", "100000", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { _ = m.cmd.Process.Kill(); _ = m.cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		if resp, err := http.Get(m.API + "/api/v1/info"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort)); err == nil {
				c.Close()
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Message is a delivered mail as the sink's API lists it.
type Message struct {
	ID          string `json:"ID"`
	MessageID   string `json:"MessageID"`
	Subject     string `json:"Subject"`
	Attachments int    `json:"Attachments"`
	To          []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Recipient is the first To address.
func (m Message) Recipient() string {
	if len(m.To) == 0 {
		return ""
	}
	return m.To[0].Address
}

// Messages lists every delivered mail.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	var all []Message
	for start := 0; ; start += 500 {
		var page struct {
			Total    int       `json:"total"`
			Messages []Message `json:"messages"`
		}
		m.get(t, fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		all = append(all, page.Messages...)
		if len(page.Messages) < 500 {
			return all
		}
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.API+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
