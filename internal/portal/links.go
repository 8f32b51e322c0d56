package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/ui"
)

// LinkSubject is the subject of the sign-in mail.
const LinkSubject = "Your callcycle sign-in link"

// LinkSent is the answer to every accepted request for a link, whether
// the address is an account's or not: the answer must not tell.
const LinkSent = "If this address belongs to an account, a sign-in link is on its way."

// formCookie holds the token the sign-in forms echo (see readField).
const formCookie = "callcycle_form"

// LinkMailer sends one sign-in link to one address.
type LinkMailer interface {
	SendLink(ctx context.Context, to, link string) error
}

// LinkConfig is sign-in by e-mail link, for applicants and reviewers
// (staff sign in through OIDC).
type LinkConfig struct {
	Mailer    LinkMailer
	PublicURL string          // PORTAL_PUBLIC_URL: the mailed link starts with it
	Policy    auth.LinkPolicy // life and rate limits; zero fields: auth.DefaultLinkPolicy's
	Secure    bool            // Secure cookies (served over TLS); a request that came over TLS gets them anyway
}

// LinkRequested is the JSON answer to a request for a link.
type LinkRequested struct {
	Message string `json:"message"`
}

// linkRoutes are the sign-in by link:
//
//	GET  /auth/link             the form to ask for a link
//	POST /auth/link             email: mails a link (202, whoever asks)
//	GET  /auth/link?token=…     the mailed link: a page with a "Sign in" button
//	POST /auth/link/consume     token: uses the link, opens the session
//
// The mailed link does not sign in by itself: mail scanners and link
// previews fetch links, and would use it up (or sign in themselves).
func (s *Server) linkRoutes() {
	l := *s.cfg.Links
	if l.Mailer == nil || l.PublicURL == "" {
		s.cfg.Log.Error("sign-in by e-mail link is off: its configuration lacks the mailer or the public URL")
		return
	}
	l.Policy = l.Policy.OrDefaults()
	public := strings.TrimRight(l.PublicURL, "/")
	secure := func(r *http.Request) bool { return l.Secure || r.TLS != nil }

	s.mux.HandleFunc("GET /auth/link", func(w http.ResponseWriter, r *http.Request) {
		p := linkPageData{Title: "Sign in to callcycle", CSRF: formToken(w, r, secure(r))}
		if p.Token = r.URL.Query().Get("token"); p.Token != "" {
			p.Message, p.Key = "Press the button to sign in. The link works once.", "link.press"
		} else {
			p.Ask, p.Message, p.Key = true, "Applicants and reviewers sign in with a link we mail them.", "link.ask"
		}
		s.writePage(w, r, http.StatusOK, p)
	})

	s.mux.HandleFunc("POST /auth/link", func(w http.ResponseWriter, r *http.Request) {
		email, err := readField(r, "email")
		if err != nil {
			s.answerError(w, r, err)
			return
		}
		token, userID, err := auth.RequestLink(r.Context(), s.cfg.DB, l.Policy, email, clientOf(r), s.cfg.Now())
		var limit *auth.LimitError
		switch {
		case errors.Is(err, auth.ErrBadAddress):
			s.answer(w, r, http.StatusUnprocessableEntity, string(operations.Refused), "link.bad_address", err.Error())
		case errors.As(err, &limit):
			s.cfg.Log.Info("sign-in link refused: rate limit", "by", limit.By)
			w.Header().Set("Retry-After", strconv.Itoa(int(limit.RetryAfter.Round(time.Second).Seconds())))
			s.answer(w, r, http.StatusTooManyRequests, "rate_limited", "link.limited", limit.Error())
		case errors.Is(err, auth.ErrNoLinkUser):
			s.cfg.Log.Info("sign-in link asked for an address that is no applicant's or reviewer's: none sent")
			s.answer(w, r, http.StatusAccepted, "", "link.sent", LinkSent)
		case err != nil:
			s.cfg.Log.Error("sign-in link", "err", err)
			s.answer(w, r, http.StatusServiceUnavailable, string(operations.Unavailable), "link.unavailable", "sign-in links cannot be sent now; try again in a few minutes")
		default:
			to, _ := auth.NormalAddress(email)
			// The mail goes after the answer: waiting for the relay would make
			// a known address answer slower than an unknown one, and a relay
			// that is down answer differently. A mail lost so (refused, or the
			// portal stopped) costs the person a second request; the log
			// says whose.
			go s.mailLink(l.Mailer, userID, to, public+"/auth/link?token="+url.QueryEscape(token))
			s.answer(w, r, http.StatusAccepted, "", "link.sent", LinkSent)
		}
	})

	s.mux.HandleFunc("POST /auth/link/consume", func(w http.ResponseWriter, r *http.Request) {
		ctx, now := r.Context(), s.cfg.Now()
		token, err := readField(r, "token")
		if err != nil {
			s.answerError(w, r, err)
			return
		}
		userID, err := auth.TakeLink(ctx, s.cfg.DB, token, now)
		if errors.Is(err, auth.ErrLinkInvalid) {
			// Logged, not audited: anyone can post tokens, and the audit
			// chain is not theirs to fill.
			s.cfg.Log.Info("sign-in by link refused", "why", "expired, used or unknown link")
			s.answer(w, r, http.StatusUnauthorized, string(operations.Unauthenticated), "link.invalid", "sign-in failed: "+err.Error())
			return
		}
		if err == nil {
			var sess auth.Session
			if sess, err = auth.OpenSession(ctx, s.cfg.DB, userID, now); err == nil {
				var p auth.Principal
				if p, _, err = auth.SessionPrincipal(ctx, s.cfg.DB, sess.Cookie, now); err == nil {
					// The browser's earlier session (another person's, maybe) ends:
					// one browser, one person.
					if old, err := r.Cookie(SessionCookie); err == nil && old.Value != "" {
						_ = auth.EndSession(ctx, s.cfg.DB, old.Value, now)
					}
					s.appendAudit(ctx, audit.Entry{Actor: p.Name, Role: roleList(p.Roles), Action: "session.open", Target: p.UserID, Result: "ok", Detail: "e-mail link"})
					http.SetCookie(w, sessionCookie(sess.Cookie, sess.ExpiresAt, secure(r)))
					http.SetCookie(w, &http.Cookie{Name: formCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
					if wantsJSON(r) {
						writeJSON(w, http.StatusOK, SignedIn{Principal: p, CSRFToken: sess.CSRF, ExpiresAt: sess.ExpiresAt})
						return
					}
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return
				}
			}
		}
		s.cfg.Log.Error("sign-in by link", "err", err)
		s.answer(w, r, http.StatusServiceUnavailable, string(operations.Unavailable), "link.unavailable", "sign-in is not available now; ask for a new link in a few minutes")
	})

	// Without OIDC nobody registered the sign-out: a link's session needs one.
	if s.cfg.SignIn == nil {
		s.mux.HandleFunc("POST /auth/logout", func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(SessionCookie)
			if err != nil {
				writeError(w, http.StatusUnauthorized, string(operations.Unauthenticated), "not signed in")
				return
			}
			p, csrf, err := auth.SessionPrincipal(r.Context(), s.cfg.DB, c.Value, s.cfg.Now())
			if err != nil || !csrfOK(r, csrf) {
				writeError(w, http.StatusForbidden, string(operations.Forbidden), "sign out needs the session's "+CSRFHeader)
				return
			}
			_ = auth.EndSession(r.Context(), s.cfg.DB, c.Value, s.cfg.Now())
			s.appendAudit(r.Context(), audit.Entry{Actor: p.Name, Role: roleList(p.Roles), Action: "session.close", Target: p.UserID, Result: "ok"})
			http.SetCookie(w, sessionCookie("", time.Time{}, secure(r)))
			signedOut(w, r)
		})
	}
}

func (s *Server) mailLink(m LinkMailer, userID, to, link string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.SendLink(ctx, to, link); err != nil {
		s.cfg.Log.Error("sign-in link not sent", "user_id", userID, "err", err)
		return
	}
	s.cfg.Log.Info("sign-in link sent", "user_id", userID)
}

// sessionCookie is the session's cookie as the OIDC sign-in sets it;
// value "" removes it.
func sessionCookie(value string, expires time.Time, secure bool) *http.Cookie {
	c := &http.Cookie{Name: SessionCookie, Value: value, Path: "/", Expires: expires, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if value == "" {
		c.Expires, c.MaxAge = time.Time{}, -1
	}
	return c
}

// clientOf is the client the per-client limit counts: the connection's
// address only. X-Forwarded-For is not read: anyone can write it, and the
// portal does not know whether a proxy it may trust stands in front of
// it. Behind a proxy every request is the proxy's, so the limit counts
// the proxy as one client: set PerClient for that.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errFormCSRF: a form post without the token of the portal's own page.
var errFormCSRF = errors.New("this form did not come from the portal's own page, or the browser did not keep its cookie: open the page (or the link in the mail) again, with cookies allowed for the portal")

// fieldError is a body that is not what the route takes.
type fieldError struct{ msg string }

func (e *fieldError) Error() string { return e.msg }

// readField is the named field of a JSON or form body. A form must echo
// the token its page set in formCookie (SameSite=Strict): a form on
// another site can post here, but cannot send that cookie, so it cannot
// sign a browser in to someone else's account or mail links from it. A
// JSON body needs no token: a page elsewhere cannot send one without a
// CORS preflight, which the portal never grants.
func readField(r *http.Request, name string) (string, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if isJSON(r) {
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return "", &fieldError{fmt.Sprintf("request body: want {%q: \"…\"}: %v", name, err)}
		}
		return in[name], nil
	}
	if err := r.ParseForm(); err != nil {
		return "", &fieldError{"request body: " + err.Error()}
	}
	c, err := r.Cookie(formCookie)
	got := r.PostForm.Get("csrf")
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		return "", errFormCSRF
	}
	return r.PostForm.Get(name), nil
}

func isJSON(r *http.Request) bool {
	t, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return t == "application/json"
}

// wantsJSON: an API client (a JSON body, or Accept: application/json)
// gets JSON; a browser posting the pages' forms gets a page.
func wantsJSON(r *http.Request) bool {
	return isJSON(r) || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// formToken is the browser's form token, set when it has none.
func formToken(w http.ResponseWriter, r *http.Request, secure bool) string {
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	v := base64.RawURLEncoding.EncodeToString(raw[:])
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: v, Path: "/auth/", MaxAge: 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	return v
}

func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errFormCSRF) {
		s.answer(w, r, http.StatusForbidden, string(operations.Forbidden), "link.csrf", err.Error())
		return
	}
	s.answer(w, r, http.StatusUnprocessableEntity, string(operations.Refused), "link.bad_form", err.Error())
}

// answer is msg as JSON (kind "" is a LinkRequested, else an error) or
// as a page, which says key in the reader's language when the portal has
// its pages.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, kind, key, msg string) {
	switch {
	case wantsJSON(r) && kind == "":
		writeJSON(w, status, LinkRequested{Message: msg})
	case wantsJSON(r):
		writeError(w, status, kind, msg)
	default:
		p := linkPageData{Title: "Sign in to callcycle", Message: msg, Key: key}
		if kind != "" {
			p.Title, p.Again = "Not signed in", true
		}
		s.writePage(w, r, status, p)
	}
}

type linkPageData struct {
	Title, Message string
	Key            string // the message's id in the pages' catalogs
	Token, CSRF    string // the "Sign in" button's form
	Ask            bool   // the form to ask for a link
	Again          bool   // a way back to it
}

var linkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · callcycle</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5}input,button{font:inherit;padding:.3rem .7rem}</style>
</head><body>
<h1>{{.Title}}</h1>
{{with .Message}}<p>{{.}}</p>{{end}}
{{- if .Token}}
<form method="post" action="/auth/link/consume"><input type="hidden" name="token" value="{{.Token}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Sign in</button></form>
{{- else if .Ask}}
<form method="post" action="/auth/link"><label>E-mail address <input type="email" name="email" required autocomplete="email"></label>
<input type="hidden" name="csrf" value="{{.CSRF}}"> <button type="submit">Send me a sign-in link</button></form>
{{- else if .Again}}
<p><a href="/auth/link">Ask for a new sign-in link</a></p>
{{- end}}
</body></html>
`))

// writePage shows a sign-in page: the people's pages' own (their
// language, their look) when the portal has them, else a plain one.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, p linkPageData) {
	if s.cfg.Pages != nil {
		s.cfg.Pages.Link(w, r, status, ui.LinkView{Say: p.Key, Token: p.Token, CSRF: p.CSRF, Ask: p.Ask, Again: p.Again})
		return
	}
	var b bytes.Buffer
	if err := linkPage.Execute(&b, p); err != nil {
		http.Error(w, "the page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the token is in the page's address
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = io.Copy(w, &b)
}

// MailLinks sends sign-in links through the office's relay, one SMTP
// connection a mail (the rate limits keep them few). life is the links'
// (the policy's), said in the mail.
func MailLinks(m *mailer.Mailer, life time.Duration) LinkMailer {
	return &linkMail{m: m, life: life}
}

type linkMail struct {
	m    *mailer.Mailer
	life time.Duration
}

func (l *linkMail) SendLink(ctx context.Context, to, link string) error {
	text, html, err := linkMailBody(link, l.life)
	if err != nil {
		return err
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	s, err := l.m.Open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Send(mailer.Message{MessageID: "link-" + hex.EncodeToString(id[:]) + "@callcycle", To: to, Subject: LinkSubject,
		Text: text, HTML: html, Language: "en"})
}

var linkMailText = `Hello,

Someone, we hope you, asked to sign in to callcycle with this address. This link signs you in; it works once, within {{.Life}}:

{{.Link}}

If you did not ask for it, ignore this mail: without the link nobody signs in as you.
`

// The mailer always adds an HTML alternative; an empty one would show
// as an empty mail, so the HTML says the same.
var linkMailHTML = template.Must(template.New("html").Parse(`<p>Hello,</p>
<p>Someone, we hope you, asked to sign in to callcycle with this address. This link signs you in; it works once, within {{.Life}}:</p>
<p><a href="{{.Link}}">{{.Link}}</a></p>
<p>If you did not ask for it, ignore this mail: without the link nobody signs in as you.</p>
`))

func linkMailBody(link string, life time.Duration) (text, html string, err error) {
	data := struct{ Link, Life string }{link, lifeText(life)}
	text = strings.NewReplacer("{{.Life}}", data.Life, "{{.Link}}", data.Link).Replace(linkMailText)
	var b bytes.Buffer
	err = linkMailHTML.Execute(&b, data)
	return text, b.String(), err
}

// lifeText is a link's life as the mail says it: "15 minutes".
func lifeText(d time.Duration) string {
	switch {
	case d <= 0:
		d = auth.DefaultLinkPolicy.Life
	case d%time.Hour == 0 && d > time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Hour:
		return "an hour"
	}
	switch {
	case d == time.Minute:
		return "a minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
