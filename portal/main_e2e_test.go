package main_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/testenv"
)

// The portal binary: ready on its ops address once it reaches PostgreSQL
// and Temporal, answers a signed-in person on the API, counts the request
// by route pattern on /metrics, and stops cleanly on SIGTERM.
func TestPortalProcess(t *testing.T) {
	testenv.ServiceTest(t)
	t.Parallel()
	db, dbURL := testenv.Postgres(t)
	_, srv := testenv.Temporal(t)
	bin := filepath.Join(t.TempDir(), "portal")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build ./portal: %v\n%s", err, out)
	}
	api, _ := launcher.FreePort()
	ops, _ := launcher.FreePort()
	logPath := filepath.Join(t.TempDir(), "portal.log")
	logf, _ := os.Create(logPath)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+srv.FrontendHostPort(), "TEMPORAL_NAMESPACE=default",
		fmt.Sprintf("PORTAL_ADDR=127.0.0.1:%d", api), fmt.Sprintf("PORTAL_OPS_ADDR=127.0.0.1:%d", ops))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); logf.Close() })
	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	opsURL, apiURL := fmt.Sprintf("http://127.0.0.1:%d", ops), fmt.Sprintf("http://127.0.0.1:%d", api)
	for end := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if code, _ := get(opsURL+"/readyz", ""); code == 200 {
			break
		}
		if time.Now().After(end) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("the portal is not ready after a minute:\n%s", b)
		}
	}
	ctx := context.Background()
	// The first person, from the server's shell: refused without a role
	// (nothing made), then made with a token printed once.
	admin := func(args ...string) (int, string) {
		c := exec.Command(bin, append([]string{"create-user"}, args...)...)
		c.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		out, err := c.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		return 0, string(out)
	}
	if code, out := admin("--name", "Awa Diallo", "--email", "awa@office.example"); code != 2 || !strings.Contains(out, "--role") {
		t.Errorf("create-user without a role: exit %d %s", code, out)
	}
	var users int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil || users != 0 {
		t.Errorf("a refused create-user left %d users", users)
	}
	code, out := admin("--name", "Awa Diallo", "--email", "awa@office.example", "--role", "officer", "--role", "Manager", "--token-days", "1")
	m := regexp.MustCompile(`token \(shown once[^)]*\): (cct_\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create-user: exit %d %s", code, out)
	}
	tok := struct{ Secret string }{m[1]}
	if code, body := get(apiURL+"/api/v1/me", tok.Secret); code != 200 || !strings.Contains(body, `"name":"Awa Diallo"`) || !strings.Contains(body, `"roles":["officer","manager"]`) {
		t.Errorf("me: %d %s", code, body)
	}
	if code, _ := get(apiURL+"/api/v1/me", ""); code != 401 {
		t.Errorf("me without a token: %d, want 401", code)
	}
	if code, _ := get(apiURL+"/metrics", ""); code != 404 {
		t.Errorf("/metrics on the API address: %d, want 404 (it is on the ops address only)", code)
	}
	_, metrics := get(opsURL+"/metrics", "")
	for _, want := range []string{`callcycle_portal_requests_total{route="GET /api/v1/me",status="200"} 1`,
		`callcycle_portal_requests_total{route="GET /api/v1/me",status="401"} 1`, "temporal_request_total{"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		b, _ := os.ReadFile(logPath)
		if err != nil || !strings.Contains(string(b), "portal stopped") {
			t.Errorf("after SIGTERM: %v\n%s", err, b)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the portal did not stop within 40 s of SIGTERM")
	}
}
