package launcher_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/chromedp/chromedp"
)

// screenshotEnv makes checkReadOnlyUIPage write the screenshot the README
// shows (docs/temporal-ui-read-only.png) instead of a temporary file.
const screenshotEnv = "CALLCYCLE_UPDATE_SCREENSHOTS"

// checkReadOnlyUIPage opens the cluster's Web UI in headless Chromium as a
// manager would: the workflow list shows the call, and neither the list
// nor the call's own page offers a write action (start, terminate,
// cancel, reset, signal, update). It keeps a screenshot of the list.
func checkReadOnlyUIPage(t *testing.T, ui, workflowID string) {
	t.Helper()
	b := testenv.StartBrowser(t)
	list := ui + "/namespaces/default/workflows"
	wait := chromedp.Poll[chromedp.Void](`document.body && document.body.innerText.includes(`+jsString(workflowID)+`)`,
		chromedp.WithPollingInterval(200*time.Millisecond))
	if err := b.TryRun(time.Minute, chromedp.Navigate(list), wait); err != nil {
		t.Fatalf("the UI's workflow list does not show %s: %v\npage text: %q\nproblems:\n  %s", workflowID, err, b.Text(t), strings.Join(b.Problems(), "\n  "))
	}
	shot, err := chromedp.Run(b.Context(), chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "temporal-ui-read-only.png")
	if os.Getenv(screenshotEnv) != "" {
		path = filepath.Join(root(t), "docs", "temporal-ui-read-only.png")
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the workflow list: %s", path)
	noWrites(t, b, "workflow list")

	page := ui + "/namespaces/default/workflows/" + url.PathEscape(workflowID)
	if err := b.TryRun(time.Minute, chromedp.Navigate(page), wait); err != nil {
		t.Fatalf("the UI's page of %s: %v\npage text: %q", workflowID, err, b.Text(t))
	}
	// The page's action menu is rendered once the workflow's details are
	// in; give it the time a person would before looking.
	time.Sleep(2 * time.Second)
	noWrites(t, b, "page of "+workflowID)
}

// noWrites fails when the page offers a button or menu item of a write
// action that a person could press: shown and enabled. UI v2.42 still
// draws its Reset button, greyed out (disabled) under
// workflowResetDisabled, and keeps the batch terminate/reset dialogs'
// buttons in the page, hidden; neither can be used, and the UI server
// refuses the request itself (checkReadOnlyUI).
func noWrites(t *testing.T, b *testenv.Browser, what string) {
	t.Helper()
	offered := testenv.Eval[[]string](t, b, `[...document.querySelectorAll('button, [role="menuitem"], a[role="button"]')]
		.filter(e => /^(start workflow|terminate|request cancellation|cancel workflow|reset|send a signal|send update|batch)/i.test(e.innerText.trim()))
		.filter(e => e.offsetParent !== null && !e.disabled && e.getAttribute('aria-disabled') !== 'true')
		.map(e => e.innerText.trim())`)
	if len(offered) > 0 {
		t.Errorf("the UI's %s offers write actions %q; it must be read-only", what, offered)
	}
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
