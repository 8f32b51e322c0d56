package ui_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/ui"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// startOIDCPortal serves the API and the pages over sys with staff
// sign-in through a real OpenID Connect provider knowing users, and
// returns the portal's address (as applicant_browser_e2e_test.go's
// startPortal, with OIDC in place of the e-mail links). The pages link
// workflows to a Temporal Web UI at the dev server's usual address.
func startOIDCPortal(t *testing.T, sys *workerapptest.System, svc *operations.Service, users ...launcher.IDPUser) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	idp := testenv.StartIDP(t, base+"/auth/callback", users...)
	o, err := portal.NewOIDC(context.Background(), portal.OIDCConfig{Issuer: idp.Issuer, ClientID: launcher.IDPClientID,
		ClientSecret: launcher.IDPClientSecret, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := ui.New(ui.Config{Service: svc, DB: sys.DB, SessionCookie: portal.SessionCookie,
		TemporalUI: "http://127.0.0.1:8233", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := portal.New(portal.Config{Service: svc, DB: sys.DB, Pages: pages, SignIn: o}, portal.Routes(svc))
	if err != nil {
		t.Fatal(err)
	}
	web := &http.Server{Handler: srv.Handler()}
	go func() { _ = web.Serve(ln) }()
	t.Cleanup(func() { _ = web.Close() })
	return base
}
