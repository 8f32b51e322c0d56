package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
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

// apiOn serves the portal's API over sys (no four-eyes), for the test.
func apiOn(t *testing.T, sys *workerapptest.System) *httptest.Server {
	t.Helper()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	srv, err := portal.New(portal.Config{Service: svc, DB: sys.DB}, portal.Routes(svc))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)
	return web
}

// personWithToken adds a person with roles and returns a token of
// theirs and their user id.
func personWithToken(t *testing.T, sys *workerapptest.System, name, email, subject string, roles ...auth.Role) (token, id string) {
	t.Helper()
	id, err := auth.CreateUser(context.Background(), sys.DB, name, email, subject, "test", roles...)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.CreateToken(context.Background(), sys.DB, id, "test", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret, id
}
