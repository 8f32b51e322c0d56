package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MailpitOptions configure StartMailpit. Zero values are the test
// defaults: free ports, messages in memory.
type MailpitOptions struct {
	Bin               string // Tools.Mailpit
	SMTPPort, UIPort  int    // 0: a free port
	Database          string // "" keeps messages in memory
	Max               int    // messages kept; 0 is 100,000
	LogPath           string
	Detach            bool
	AcceptAnySMTPAuth bool // tests of SMTP_USER/SMTP_PASSWORD
}

// Mailpit is a running SMTP sink; API is its HTTP address (the web page
// and /api/v1).
type Mailpit struct {
	SMTPPort, UIPort int
	API              string // http://127.0.0.1:port
	proc             *Process
}

// StartMailpit starts Mailpit and waits, bounded by ctx, until both its
// SMTP port and its API answer.
func StartMailpit(ctx context.Context, opts MailpitOptions) (*Mailpit, error) {
	if opts.Bin == "" {
		return nil, fmt.Errorf("mailpit: no binary given (Tools.Mailpit)")
	}
	// Free ports are found by binding and letting go: another process
	// (a parallel test) can take one before Mailpit binds it. Then, and
	// only for ports chosen here, the start is tried again on new ones.
	for try := 1; ; try++ {
		m, err := startMailpit(ctx, opts)
		if err == nil || opts.SMTPPort != 0 || opts.UIPort != 0 || try == 3 || !m.portTaken() {
			return m, err
		}
	}
}

// portTaken: after Mailpit failed to start, one of its ports answers,
// so another process holds it.
func (m *Mailpit) portTaken() bool {
	return m != nil && (PortOpen(m.SMTPPort) || PortOpen(m.UIPort))
}

func startMailpit(ctx context.Context, opts MailpitOptions) (*Mailpit, error) {
	var err error
	m := &Mailpit{}
	if m.SMTPPort, err = portOr(opts.SMTPPort); err != nil {
		return nil, err
	}
	if m.UIPort, err = portOr(opts.UIPort); err != nil {
		return nil, err
	}
	m.API = "http://" + hostPort(m.UIPort)
	keep := opts.Max
	if keep <= 0 {
		keep = 100000
	}
	args := []string{"--smtp", hostPort(m.SMTPPort), "--listen", hostPort(m.UIPort),
		"--max", strconv.Itoa(keep), "--disable-version-check"}
	if opts.Database != "" {
		args = append(args, "--database", opts.Database)
	}
	if opts.AcceptAnySMTPAuth {
		args = append(args, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	}
	m.proc = &Process{Name: "mailpit", Bin: opts.Bin, Args: args, LogPath: opts.LogPath, Detach: opts.Detach}
	if err := killOnError(m.proc, m.Restart(ctx)); err != nil {
		return m, err
	}
	return m, nil
}

// Restart starts Mailpit again (after Stop or Kill) on the same ports and
// database file, so the mails it took are kept when it has one.
func (m *Mailpit) Restart(ctx context.Context) error {
	return m.proc.restart(ctx, 10*time.Second, time.Minute, m.ready)
}

func (m *Mailpit) ready(ctx context.Context) bool {
	return PortOpen(m.SMTPPort) && httpOK(ctx, m.API+"/api/v1/info")
}

// Process is Mailpit's process.
func (m *Mailpit) Process() *Process { return m.proc }

// Stop stops Mailpit (SIGTERM).
func (m *Mailpit) Stop() { m.proc.Stop(10 * time.Second) }

// Kill is kill -9 of Mailpit.
func (m *Mailpit) Kill() { m.proc.Kill() }

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

// Messages lists every delivered mail, newest first.
func (m *Mailpit) Messages(ctx context.Context) ([]Message, error) {
	var all []Message
	for start := 0; ; start += 500 {
		var page struct {
			Messages []Message `json:"messages"`
		}
		if err := m.Get(ctx, fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page); err != nil {
			return nil, err
		}
		all = append(all, page.Messages...)
		if len(page.Messages) < 500 {
			return all, nil
		}
	}
}

// Total is how many messages the sink holds.
func (m *Mailpit) Total(ctx context.Context) (int, error) {
	var page struct {
		Total int `json:"total"`
	}
	err := m.Get(ctx, "/api/v1/messages?limit=1", &page)
	return page.Total, err
}

// Get decodes the JSON answer of one API path into v.
func (m *Mailpit) Get(ctx context.Context, path string, v any) error {
	ctx, cancel := within(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.API+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("mailpit %s: %w", path, err)
	}
	return nil
}
