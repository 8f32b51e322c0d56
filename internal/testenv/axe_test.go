package testenv

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The accessibility check finds what it must: an input without a label
// and an image without a text are serious or critical; the same page
// fixed has none.
func TestAccessibilityFindsViolations(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"/bad":  `<!doctype html><html lang="en"><head><title>bad</title></head><body><main><h1>Bad</h1><img src="/x.png"><input type="text"></main></body></html>`,
		"/good": `<!doctype html><html lang="en"><head><title>good</title></head><body><main><h1>Good</h1><img src="/x.png" alt="A logo"><label for="a">Name</label><input id="a" type="text"></main></body></html>`,
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	defer web.Close()
	b := StartBrowser(t)
	b.Run(t, 30*time.Second, chromedp.Navigate(web.URL+"/bad"), chromedp.WaitVisible("h1"))
	found := map[string]bool{}
	for _, v := range Accessibility(t, b) {
		found[v.ID] = true
	}
	if !found["image-alt"] || !found["label"] {
		t.Errorf("the bad page's violations: %v, want image-alt and label", found)
	}
	b.Run(t, 30*time.Second, chromedp.Navigate(web.URL+"/good"), chromedp.WaitVisible("h1"))
	if v := Accessibility(t, b); len(v) != 0 {
		t.Errorf("the good page: %v", v)
	}
}
