package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/testenv"
)

// clientAt sends every request as if from ip: the test server puts it in
// RemoteAddr, where the portal reads a client from (one machine stands
// for many).
type clientAt string

func (ip clientAt) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Client", string(ip))
	return http.DefaultTransport.RoundTrip(r)
}

// Applicants and reviewers sign in by e-mail link, on real PostgreSQL
// and a real SMTP sink. A link is mailed to the address asked for, kept
// as a hash, opened as a page (a mail scanner fetching it uses nothing)
// and used by its "Sign in" form: a session cookie, HttpOnly and
// SameSite, Secure over TLS, that /api/v1/me answers as the link's user.
// Used again, expired, from a form of another site, or used twice at
// once, it is refused and opens nothing. An unknown address, staff, a
// disabled user get the same 202 and no mail and no link; too many
// requests for one address or from one client are refused (429) and mail
// nothing, for known and unknown addresses alike. Signing out ends the
// session.
func TestLinkSignIn(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	sink := testenv.StartMailpit(t)
	ctx := context.Background()
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	policy := auth.LinkPolicy{Life: 15 * time.Minute, PerAddress: 4, PerClient: 8, Window: time.Hour}
	var skew atomic.Int64 // how far the portal's clock is ahead
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }

	web := httptest.NewUnstartedServer(nil)
	base := "http://" + web.Listener.Addr().String()
	srv, err := portal.New(portal.Config{DB: db, Now: now, Links: &portal.LinkConfig{Mailer: portal.MailLinks(m, policy.Life),
		PublicURL: base, Policy: policy}}, portal.Routes(nil)) // only /me is called
	if err != nil {
		t.Fatal(err)
	}
	web.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := r.Header.Get("X-Test-Client"); ip != "" {
			r.RemoteAddr = net.JoinHostPort(ip, "40000")
		}
		srv.Handler().ServeHTTP(w, r)
	})
	web.Start()
	defer web.Close()

	users := map[string][]auth.Role{
		"ama@applicant.example":  {auth.Applicant},
		"ben@reviewer.example":   {auth.Reviewer},
		"cara@applicant.example": {auth.Applicant},
		"dan@applicant.example":  {auth.Applicant},
		"awa@office.example":     {auth.Officer},
		"olu@office.example":     {auth.Officer, auth.Reviewer}, // staff who also reviews: OIDC only
		"gone@applicant.example": {auth.Applicant},
	}
	names := map[string]string{}
	for addr, roles := range users {
		name := strings.ToUpper(addr[:1]) + addr[1:strings.Index(addr, "@")]
		names[addr] = name
		if _, err := auth.CreateUser(ctx, db, name, addr, "", "test", roles...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE users SET disabled_at = now() WHERE email = 'gone@applicant.example'`); err != nil {
		t.Fatal(err)
	}

	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	type reply struct {
		code   int
		body   string
		header http.Header
	}
	do := func(c *http.Client, req *http.Request) reply {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{resp.StatusCode, string(b), resp.Header}
	}
	browser := func(ip string) *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Transport: clientAt(ip),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// ask posts {"email": …} as an API client at ip would.
	ask := func(ip, email string, header ...string) reply {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"email": email})
		req, _ := http.NewRequest("POST", base+"/auth/link", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return do(&http.Client{Transport: clientAt(ip)}, req)
	}
	mailsTo := func(addr string) []testenv.Message {
		var out []testenv.Message
		for _, msg := range sink.Messages(t) {
			if msg.Recipient() == addr {
				out = append(out, msg)
			}
		}
		return out
	}
	linkRE := regexp.MustCompile(regexp.QuoteMeta(base) + `/auth/link\?token=([A-Za-z0-9_-]{43})`)
	// nthLink waits for the nth mail to addr and is its link and token.
	nthLink := func(addr string, n int) (string, string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for len(mailsTo(addr)) < n && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		got := mailsTo(addr)
		if len(got) != n {
			t.Fatalf("%d mails to %s, want %d", len(got), addr, n)
		}
		if got[0].Subject != portal.LinkSubject {
			t.Errorf("subject %q, want %q", got[0].Subject, portal.LinkSubject)
		}
		full := sink.Get(t, got[0].ID) // newest first
		mt := linkRE.FindStringSubmatch(full.Text)
		if mt == nil || !strings.Contains(full.Text, "within 15 minutes") || !strings.Contains(full.HTML, mt[0]) {
			t.Fatalf("the mail to %s has no link to %s/auth/link?token=… (or no life, or HTML without it):\n%s", addr, base, full.Text)
		}
		return mt[0], mt[1]
	}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	// open is the browser on the link's page: the CSRF token of its form.
	open := func(c *http.Client, link string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", link, nil)
		r := do(c, req)
		mt := csrfRE.FindStringSubmatch(r.body)
		if r.code != 200 || mt == nil || !strings.Contains(r.body, `action="/auth/link/consume"`) || !strings.Contains(r.body, ">Sign in</button>") ||
			r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("the link's page: %d %v\n%s", r.code, r.header, r.body)
		}
		return mt[1]
	}
	// press is the browser pressing "Sign in" (the form's fields).
	press := func(c *http.Client, token, csrf string) reply {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/auth/link/consume", strings.NewReader(url.Values{"token": {token}, "csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(c, req)
	}
	me := func(c *http.Client) reply {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		return do(c, req)
	}
	isMe := func(r reply, addr string) {
		t.Helper()
		var p auth.Principal
		if r.code != 200 || json.Unmarshal([]byte(r.body), &p) != nil || p.Name != names[addr] || !slices.Equal(p.Roles, users[addr]) {
			t.Errorf("/api/v1/me: %d %s, want %s %v", r.code, r.body, names[addr], users[addr])
		}
	}
	sessions := func() int { return count(`SELECT count(*) FROM sessions`) }

	// A known applicant asks (the address as typed, in capitals and spaces).
	sent := ask("10.0.0.1", " Ama@Applicant.Example ")
	if sent.code != http.StatusAccepted || !strings.Contains(sent.body, portal.LinkSent) {
		t.Fatalf("ask for a link: %d %s", sent.code, sent.body)
	}
	link, token := nthLink("ama@applicant.example", 1)
	if n := count(`SELECT count(*) FROM login_links WHERE link_hash = sha256(convert_to($1, 'UTF8')) AND sent_to = 'ama@applicant.example' AND used_at IS NULL
		AND expires_at - created_at = interval '15 minutes'`, token); n != 1 {
		t.Errorf("%d links stored by the token's SHA-256, want 1", n)
	}
	if n := count(`SELECT count(*) FROM login_links WHERE position(convert_to($1, 'UTF8') in link_hash) > 0 OR sent_to = $1`, token); n != 0 {
		t.Errorf("the token is stored as it is")
	}
	// A mail scanner fetches the link: a page, nothing used.
	for range 2 {
		open(&http.Client{}, link)
	}
	if n := count(`SELECT count(*) FROM login_links WHERE used_at IS NOT NULL`); n != 0 || sessions() != 0 {
		t.Fatalf("fetching the link used it (%d used, %d sessions)", n, sessions())
	}
	// The person opens it and presses "Sign in".
	ama := browser("10.0.0.1")
	csrf := open(ama, link)
	in := press(ama, token, csrf)
	setCookie := strings.Join(in.header.Values("Set-Cookie"), "; ")
	if in.code != http.StatusSeeOther || in.header.Get("Location") != "/" {
		t.Fatalf("sign in: %d %s, want 303 to /", in.code, in.body)
	}
	if !strings.Contains(setCookie, portal.SessionCookie+"=") || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") ||
		strings.Contains(setCookie, "Secure") {
		t.Errorf("session cookie set as %q: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", setCookie)
	}
	isMe(me(ama), "ama@applicant.example")
	if sessions() != 1 {
		t.Fatalf("%d sessions, want 1", sessions())
	}

	// The same link again: opened in the same browser, or by an API client.
	if r := press(ama, token, open(ama, link)); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "ask for a new one") {
		t.Errorf("the link used again: %d %s, want 401 saying to ask again", r.code, r.body)
	}
	req, _ := http.NewRequest("POST", base+"/auth/link/consume", strings.NewReader(`{"token": "`+token+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if r := do(&http.Client{}, req); r.code != http.StatusUnauthorized || !strings.Contains(r.body, `"unauthenticated"`) {
		t.Errorf("the link used again through JSON: %d %s, want 401", r.code, r.body)
	}
	if sessions() != 1 {
		t.Errorf("%d sessions after the link was used again, want 1", sessions())
	}

	// A second link, posted by a form of another site (no form cookie, or
	// the wrong token): refused, and the link still works ... until it
	// expires.
	if r := ask("10.0.0.1", "ama@applicant.example"); r.code != http.StatusAccepted || r.body != sent.body {
		t.Fatalf("a second link: %d %s", r.code, r.body)
	}
	link2, token2 := nthLink("ama@applicant.example", 2)
	if r := press(browser("10.0.0.1"), token2, "forged"); r.code != http.StatusForbidden || !strings.Contains(r.body, "did not come from the portal") {
		t.Errorf("a form from elsewhere: %d %s, want 403", r.code, r.body)
	}
	late := browser("10.0.0.1")
	open(late, link2)
	if r := press(late, token2, "forged"); r.code != http.StatusForbidden {
		t.Errorf("the wrong form token: %d %s, want 403", r.code, r.body)
	}
	if n := count(`SELECT count(*) FROM login_links WHERE link_hash = sha256(convert_to($1, 'UTF8')) AND used_at IS NULL`, token2); n != 1 || sessions() != 1 {
		t.Errorf("a refused form used the link or opened a session (%d unused, %d sessions)", n, sessions())
	}
	skew.Store(int64(policy.Life + time.Second))
	if r := press(late, token2, open(late, link2)); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "expired") {
		t.Errorf("an expired link: %d %s, want 401", r.code, r.body)
	}
	if sessions() != 1 {
		t.Errorf("%d sessions after an expired link, want 1", sessions())
	}

	// A third link used eight times at once: one sign-in.
	ask("10.0.0.1", "ama@applicant.example")
	_, token3 := nthLink("ama@applicant.example", 3)
	var wg sync.WaitGroup
	var won, lost atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", base+"/auth/link/consume", strings.NewReader(`{"token": "`+token3+`"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case 200:
				won.Add(1)
			case 401:
				lost.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 7 || sessions() != 2 {
		t.Errorf("one link used 8 times at once: %d signed in, %d refused, %d sessions; want 1, 7, 2", won.Load(), lost.Load(), sessions())
	}

	// A reviewer, through the form pages, in their browser.
	ben := browser("10.0.0.2")
	req, _ = http.NewRequest("GET", base+"/auth/link", nil)
	page := do(ben, req)
	mt := csrfRE.FindStringSubmatch(page.body)
	if page.code != 200 || mt == nil || !strings.Contains(page.body, `name="email"`) {
		t.Fatalf("the form to ask for a link: %d %s", page.code, page.body)
	}
	form := func(c *http.Client, csrf string) reply {
		req, _ := http.NewRequest("POST", base+"/auth/link", strings.NewReader(url.Values{"email": {"ben@reviewer.example"}, "csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(c, req)
	}
	requests := count(`SELECT count(*) FROM link_requests`)
	if r := form(browser("10.0.0.2"), mt[1]); r.code != http.StatusForbidden || count(`SELECT count(*) FROM link_requests`) != requests {
		t.Errorf("asking through a form of another site: %d %s, want 403 and nothing counted", r.code, r.body)
	}
	if r := form(ben, mt[1]); r.code != http.StatusAccepted || !strings.Contains(r.body, portal.LinkSent) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("asking through the form: %d %s", r.code, r.body)
	}
	benLink, benToken := nthLink("ben@reviewer.example", 1)
	if r := press(ben, benToken, open(ben, benLink)); r.code != http.StatusSeeOther {
		t.Fatalf("the reviewer signs in: %d %s", r.code, r.body)
	}
	isMe(me(ben), "ben@reviewer.example")

	// Ama's link in Ben's browser signs in Ama, never Ben: a link is its
	// user's, whoever holds it. Ben's session there ends.
	u, _ := url.Parse(base)
	cookieOf := func(c *http.Client) string {
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == portal.SessionCookie {
				return ck.Value
			}
		}
		return ""
	}
	withCookie := func(method, path, cookie, csrf string) reply {
		req, _ := http.NewRequest(method, base+path, nil)
		req.AddCookie(&http.Cookie{Name: portal.SessionCookie, Value: cookie})
		if csrf != "" {
			req.Header.Set(portal.CSRFHeader, csrf)
		}
		return do(&http.Client{}, req)
	}
	benSession := cookieOf(ben)
	ask("10.0.0.1", "ama@applicant.example")
	link4, token4 := nthLink("ama@applicant.example", 4)
	if r := press(ben, token4, open(ben, link4)); r.code != http.StatusSeeOther {
		t.Fatalf("Ama's link in Ben's browser: %d %s", r.code, r.body)
	}
	isMe(me(ben), "ama@applicant.example")
	if r := withCookie("GET", "/api/v1/me", benSession, ""); benSession == "" || r.code != http.StatusUnauthorized {
		t.Errorf("Ben's session after Ama signed in in his browser: %d %s, want 401", r.code, r.body)
	}

	// Over TLS the cookies are Secure. Ben signs in as an API client, and
	// signs out.
	tlsWeb := httptest.NewTLSServer(srv.Handler())
	defer tlsWeb.Close()
	req, _ = http.NewRequest("GET", tlsWeb.URL+"/auth/link", nil)
	if r := do(tlsWeb.Client(), req); !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "; "), "Secure") {
		t.Errorf("the form cookie over TLS: %q, want Secure", r.header.Values("Set-Cookie"))
	}
	ask("10.0.0.2", "ben@reviewer.example")
	_, benToken2 := nthLink("ben@reviewer.example", 2)
	req, _ = http.NewRequest("POST", tlsWeb.URL+"/auth/link/consume", strings.NewReader(`{"token": "`+benToken2+`"}`))
	req.Header.Set("Content-Type", "application/json")
	r := do(tlsWeb.Client(), req)
	var signed portal.SignedIn
	if r.code != 200 || json.Unmarshal([]byte(r.body), &signed) != nil || signed.Principal.Name != names["ben@reviewer.example"] || signed.CSRFToken == "" {
		t.Fatalf("sign in through JSON: %d %s", r.code, r.body)
	}
	var session string
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == portal.SessionCookie {
			session = ck.Value
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("the session cookie over TLS: %+v, want Secure, HttpOnly, SameSite=Lax", ck)
			}
		}
	}
	if r := withCookie("GET", "/api/v1/me", session, ""); r.code != 200 {
		t.Fatalf("me through Ben's second session: %d %s", r.code, r.body)
	}
	if r := withCookie("POST", "/auth/logout", session, ""); r.code != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d %s, want 403", r.code, r.body)
	}
	if r := withCookie("POST", "/auth/logout", session, signed.CSRFToken); r.code != 200 {
		t.Fatalf("logout: %d %s", r.code, r.body)
	}
	if r := withCookie("GET", "/api/v1/me", session, ""); r.code != http.StatusUnauthorized {
		t.Errorf("the session after logout: %d %s, want 401", r.code, r.body)
	}

	// Addresses that are no applicant's or reviewer's: the same answer,
	// no link, no mail (checked at the end).
	links := count(`SELECT count(*) FROM login_links`)
	for _, addr := range []string{"nobody@applicant.example", "awa@office.example", "olu@office.example", "gone@applicant.example", "ama@applicant.example.org"} {
		if r := ask("10.0.0.3", addr); r.code != sent.code || r.body != sent.body || r.header.Get("Content-Type") != sent.header.Get("Content-Type") {
			t.Errorf("asked for %s: %d %s, want exactly the answer for a known address (%d %s)", addr, r.code, r.body, sent.code, sent.body)
		}
	}
	if r := ask("10.0.0.3", "not an address"); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "email") {
		t.Errorf("a malformed address: %d %s, want 422 naming the field", r.code, r.body)
	}
	if n := count(`SELECT count(*) FROM login_links`); n != links {
		t.Errorf("%d links made for addresses that are no applicant's or reviewer's", n-links)
	}

	// Flooding one address, from ever new clients: the fifth is refused,
	// known address or not (else the limit would tell which is known).
	for _, addr := range []string{"cara@applicant.example", "nobody@elsewhere.example"} {
		for i := range policy.PerAddress {
			if r := ask("10.1."+string(rune('1'+i))+".1", addr); r.code != http.StatusAccepted {
				t.Fatalf("request %d for %s: %d %s", i+1, addr, r.code, r.body)
			}
		}
		requests, links := count(`SELECT count(*) FROM link_requests`), count(`SELECT count(*) FROM login_links`)
		r := ask("10.1.9.1", addr)
		if r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "too many sign-in links were asked for this address") || r.header.Get("Retry-After") == "" {
			t.Errorf("request %d for %s: %d %s (Retry-After %q), want 429", policy.PerAddress+1, addr, r.code, r.body, r.header.Get("Retry-After"))
		}
		if count(`SELECT count(*) FROM link_requests`) != requests || count(`SELECT count(*) FROM login_links`) != links {
			t.Errorf("a refused request for %s was counted or made a link", addr)
		}
	}
	nthLink("cara@applicant.example", policy.PerAddress)
	// Ten at once for one address (as from ten portal instances): the
	// count is not raced past.
	var passed, limited atomic.Int32
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := `{"email": "race@elsewhere.example"}`
			req, _ := http.NewRequest("POST", base+"/auth/link", strings.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Transport: clientAt("10.3." + string(rune('0'+i)) + ".1")}).Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusAccepted:
				passed.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			}
		}()
	}
	wg.Wait()
	if passed.Load() != int32(policy.PerAddress) || limited.Load() != 10-int32(policy.PerAddress) {
		t.Errorf("ten requests at once for one address: %d accepted, %d refused; want %d and %d", passed.Load(), limited.Load(), policy.PerAddress, 10-policy.PerAddress)
	}

	// Flooding from one client, with a new address each time and a forged
	// X-Forwarded-For (not believed): the ninth is refused, for a known
	// address too; another client asks for it.
	for i := range policy.PerClient {
		if r := ask("10.9.9.9", "flood"+string(rune('a'+i))+"@elsewhere.example", "X-Forwarded-For", "192.0.2."+string(rune('1'+i))); r.code != http.StatusAccepted {
			t.Fatalf("request %d from one client: %d %s", i+1, r.code, r.body)
		}
	}
	if r := ask("10.9.9.9", "dan@applicant.example", "X-Forwarded-For", "198.51.100.7"); r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "from your network address") {
		t.Errorf("request %d from one client: %d %s, want 429", policy.PerClient+1, r.code, r.body)
	}
	if r := ask("10.0.0.4", "dan@applicant.example"); r.code != http.StatusAccepted {
		t.Errorf("Dan from another client: %d %s", r.code, r.body)
	}
	nthLink("dan@applicant.example", 1)

	// The mails: one a link asked for by an applicant or reviewer within
	// the limits, none else (a moment for any late one to arrive).
	want := map[string]int{"ama@applicant.example": 4, "ben@reviewer.example": 2, "cara@applicant.example": policy.PerAddress, "dan@applicant.example": 1}
	total := 0
	for _, n := range want {
		total += n
	}
	got := map[string]int{}
	for _, msg := range sink.WaitFor(t, total+1, 3*time.Second) {
		got[msg.Recipient()]++
	}
	if len(got) != len(want) {
		t.Errorf("mails by recipient: %v, want %v", got, want)
	}
	for addr, n := range want {
		if got[addr] != n {
			t.Errorf("%d mails to %s, want %d (all: %v)", got[addr], addr, n, got)
		}
	}
	// Five sessions opened (Ama's first, the link used at once, Ben's, Ama's
	// in Ben's browser, Ben's through JSON), each audited, by name only.
	if n := sessions(); n != 5 {
		t.Errorf("%d sessions, want 5", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'session.open' AND result = 'ok'`); n != 5 {
		t.Errorf("%d sign-ins audited, want 5", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE actor LIKE '%@%' OR detail LIKE '%@%' OR target LIKE '%@%'`); n != 0 {
		t.Errorf("%d audit rows hold an e-mail address", n)
	}
}
