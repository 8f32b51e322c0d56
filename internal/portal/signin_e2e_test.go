package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/testenv"
)

// Staff sign in through a real OpenID Connect provider (zitadel/oidc's
// server, its ID tokens signed and checked): the session cookie is
// HttpOnly and SameSite, a change through it needs the CSRF token, a
// callback replayed is refused, a person the provider knows but
// callcycle does not is refused (and audited by subject, not address),
// and signing out ends the session.
func TestStaffSignInThroughOIDC(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	idp := testenv.StartIDP(t, base+"/auth/callback",
		launcher.IDPUser{ID: "u-awa", Username: "awa", Password: "correct horse", FirstName: "Awa", LastName: "Diallo",
			Email: "awa@office.example", EmailVerified: true, PreferredLanguage: "fr"},
		launcher.IDPUser{ID: "u-eve", Username: "eve", Password: "battery staple", FirstName: "Eve", LastName: "Stranger",
			Email: "eve@elsewhere.example", EmailVerified: true, PreferredLanguage: "en"})
	if _, err := auth.CreateUser(ctx, db, "Awa Diallo", "awa@office.example", "", "test", auth.Officer); err != nil {
		t.Fatal(err)
	}
	o, err := portal.NewOIDC(ctx, portal.OIDCConfig{Issuer: idp.Issuer, ClientID: launcher.IDPClientID,
		ClientSecret: launcher.IDPClientSecret, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := portal.New(portal.Config{DB: db, SignIn: o}, portal.Routes(nil)) // only /me and the tokens are called
	if err != nil {
		t.Fatal(err)
	}
	web := &http.Server{Handler: srv.Handler()}
	go func() { _ = web.Serve(ln) }()
	t.Cleanup(func() { _ = web.Close() })

	// signIn goes through the provider's login form as a browser would and
	// returns the client (its cookies) and the callback's answer.
	var lastCallback, setCookie string
	signIn := func(user, password string) (*http.Client, int, string) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), base+"/auth/callback") {
				lastCallback = req.URL.String()
			}
			return nil
		}}
		resp, err := c.Get(base + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no login form at the provider (%s):\n%.500s", resp.Request.URL, page)
		}
		resp, err = c.PostForm(strings.TrimRight(idp.Issuer, "/")+"/login/username", url.Values{"id": {string(m[1])}, "username": {user}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		setCookie = strings.Join(resp.Header.Values("Set-Cookie"), "; ")
		return c, resp.StatusCode, string(b)
	}

	c, code, body := signIn("awa", "correct horse")
	var in portal.SignedIn
	if code != 200 || json.Unmarshal([]byte(body), &in) != nil || in.Principal.Name != "Awa Diallo" || in.CSRFToken == "" {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	u, _ := url.Parse(base)
	var session *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == portal.SessionCookie {
			session = ck
		}
	}
	if session == nil || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") {
		t.Fatalf("session cookie %v, set as %q: want HttpOnly and SameSite=Lax", session, setCookie)
	}
	send := func(method, path, csrf, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if csrf != "" {
			req.Header.Set(portal.CSRFHeader, csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := send("GET", "/api/v1/me", "", ""); code != 200 || !strings.Contains(body, "Awa Diallo") {
		t.Errorf("me through the session: %d %s", code, body)
	}
	for name, csrf := range map[string]string{"missing": "", "wrong": in.CSRFToken + "x"} {
		if code, body := send("POST", "/api/v1/tokens", csrf, `{"name": "laptop", "days": 30}`); code != http.StatusForbidden || !strings.Contains(body, portal.CSRFHeader) {
			t.Errorf("CSRF %s: %d %s, want 403", name, code, body)
		}
	}
	var tokens int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM access_tokens`).Scan(&tokens)
	if tokens != 0 {
		t.Errorf("%d tokens made by requests without the CSRF token", tokens)
	}
	if code, body := send("POST", "/api/v1/tokens", in.CSRFToken, `{"name": "laptop", "days": 30}`); code != 200 || !strings.Contains(body, auth.TokenPrefix) {
		t.Errorf("a token through the session with its CSRF token: %d %s", code, body)
	}
	// The callback again, with the same state and code: refused.
	resp, err := http.Get(lastCallback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a replayed callback: %d, want 401", resp.StatusCode)
	}
	// Known to the provider, not to callcycle.
	_, code, body = signIn("eve", "battery staple")
	if code != http.StatusForbidden || !strings.Contains(body, "not a callcycle user") {
		t.Errorf("a stranger: %d %s, want 403", code, body)
	}
	var refused int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'session.open' AND result = 'refused' AND actor = 'oidc:u-eve'`).Scan(&refused)
	if refused != 1 {
		t.Errorf("the stranger's refusal: %d audit rows by subject, want 1", refused)
	}
	var leaked int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor LIKE '%@%' OR detail LIKE '%@%'`).Scan(&leaked)
	if leaked != 0 {
		t.Errorf("%d audit rows hold an e-mail address", leaked)
	}
	// Sign out: the session no longer works.
	if code, body := send("POST", "/auth/logout", in.CSRFToken, ""); code != 200 {
		t.Fatalf("logout: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: portal.SessionCookie, Value: session.Value})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the session after logout: %d, want 401", resp.StatusCode)
	}
}
