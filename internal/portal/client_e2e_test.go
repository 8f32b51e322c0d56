package portal_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// caller sends API requests to base with a token ("" none) and returns
// the status and body.
func caller(t *testing.T, base string) func(token, method, path, body string) (int, string) {
	return func(token, method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}
