package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium tab driven over the DevTools protocol,
// for tests that must see a page as a person would (scripts run, assets
// load) rather than only fetch its HTML.
type Browser struct {
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// ChromiumBin finds Chromium: $CALLCYCLE_CHROMIUM_BIN, then the usual names
// on PATH (Debian's package installs /usr/bin/chromium). Without one the
// test skips, or fails under CALLCYCLE_REQUIRE_SERVICES.
func ChromiumBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CALLCYCLE_CHROMIUM_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CALLCYCLE_CHROMIUM_BIN: %v", err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	unavailable(t, "chromium not found (apt-get install -y chromium, or set CALLCYCLE_CHROMIUM_BIN)")
	return ""
}

// StartBrowser starts a fresh headless Chromium (own profile directory,
// killed when t ends) and opens one tab.
func StartBrowser(t testing.TB) *Browser {
	t.Helper()
	ServiceTest(t) // a browser is a service: -short runs without one
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumBin(t)),
		// A fresh profile each time: no state leaks between tests, and two
		// tests never fight over one profile's lock.
		chromedp.UserDataDir(t.TempDir()),
		// CI runs as root, where Chromium refuses to start with its sandbox.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The machines' network is closed: without these Chromium keeps
		// trying update, sync and QUIC connections that are refused, which
		// slows it and fills its log.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	b := &Browser{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// Script errors and failed or refused requests are what a blank page is
	// made of; collect them so a failing test can say which one it was.
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.note("script error: %s", msg)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				b.note("HTTP %d %s", e.Response.Status, e.Response.URL)
			}
		case *network.EventLoadingFailed:
			b.note("load failed: %s (%s)", e.ErrorText, e.Type)
		}
	}))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b.ctx = ctx
	// Starting Chromium on a busy 2-core machine takes seconds. The first Run
	// starts it and must not carry a timeout (that would end the browser),
	// so a watchdog fails the test instead if it hangs.
	started := make(chan error, 1)
	go func() { _, err := chromedp.Run(ctx, chromedp.Title()); started <- err }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not start within 60s")
	}
	return b
}

func (b *Browser) note(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Problems lists the script errors and failed requests seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Run runs chromedp actions in the tab within timeout, failing t with the
// page's problems on error.
func (b *Browser) Run(t testing.TB, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := b.TryRun(timeout, actions...); err != nil {
		t.Fatalf("browser: %v\npage problems:\n  %s", err, strings.Join(b.Problems(), "\n  "))
	}
}

// TryRun is Run returning the error, for a test that reports more first.
func (b *Browser) TryRun(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Eval evaluates a JavaScript expression in the page and returns its value.
func Eval[T any](t testing.TB, b *Browser, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("browser: %s: %v\npage problems:\n  %s", expression, err, strings.Join(b.Problems(), "\n  "))
	}
	return v
}

// Context is the tab's context, for chromedp calls the helpers above lack.
func (b *Browser) Context() context.Context { return b.ctx }

// Text is the visible text of the page's body, as a reader sees it.
func (b *Browser) Text(t testing.TB) string {
	t.Helper()
	return Eval[string](t, b, `document.body ? document.body.innerText : ""`)
}

// EvalPromise evaluates an expression whose value is a promise, and
// returns what it resolves to.
func EvalPromise[T any](t testing.TB, b *Browser, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browser: %s: %v\npage problems:\n  %s", expression, err, strings.Join(b.Problems(), "\n  "))
	}
	return v
}

// Loads runs a (a click or a submit that navigates) and waits until the
// next page has replaced the current one and finished loading. Waiting for
// an element is not enough: the old page has it too, so the next step would
// race the navigation and abort it (net::ERR_ABORTED).
func Loads(a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Evaluate[bool](`window.__callcycleOld = true`)(ctx, t); err != nil {
			return err
		}
		if _, err := a(ctx, t); err != nil {
			return err
		}
		for {
			// Errors are expected while the old document goes away.
			done, err := chromedp.Evaluate[bool](`window.__callcycleOld !== true && document.readyState === 'complete'`)(ctx, t)
			if err == nil && done {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the page did not change: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// Count is how many elements of the page match a CSS selector.
func (b *Browser) Count(t testing.TB, selector string) int {
	t.Helper()
	quoted, _ := json.Marshal(selector)
	return Eval[int](t, b, `document.querySelectorAll(`+string(quoted)+`).length`)
}

// Keep saves the whole page as a PNG: to docs/<name> at the module's root
// (what the README shows) under CALLCYCLE_UPDATE_SCREENSHOTS, else to a
// temporary file, so every run still takes it.
func (b *Browser) Keep(t testing.TB, name string) {
	t.Helper()
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	if os.Getenv("CALLCYCLE_UPDATE_SCREENSHOTS") != "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(root, "docs", name)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// moduleRoot is the folder holding go.mod, from the test's directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}
