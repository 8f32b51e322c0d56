// Package ui is the portal's pages (issue 16): server-rendered HTML over
// the operations layer, one handler file a page (miniflux's layout).
// Pages read the signed-in session (the portal's cookie), speak the
// person's language (internal/locale), check the session's CSRF token
// on every form that changes something, and are served with a strict
// Content-Security-Policy: no inline script or style, no frames.
package ui

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// Config is what the pages need.
type Config struct {
	Service       *operations.Service
	DB            *pgxpool.Pool // sessions
	Log           *slog.Logger
	Now           func() time.Time
	SessionCookie string // the portal's session cookie
	Secure        bool   // served over TLS: the language cookie is Secure too
	// TemporalUI is the Temporal Web UI's address (read-only for managers)
	// and Namespace callcycle's there: pages link each workflow to it. ""
	// when there is none: no links.
	TemporalUI string
	Namespace  string
}

// Pages serves the pages.
type Pages struct {
	cfg   Config
	words *locale.Bundle
	pages map[string]*template.Template
}

// New parses the templates and catalogs: a broken one stops the portal
// at start, not a person's request.
func New(cfg Config) (*Pages, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	words, err := locale.Load()
	if err != nil {
		return nil, err
	}
	p := &Pages{cfg: cfg, words: words, pages: map[string]*template.Template{}}
	// Every template but the layout is a page, named by its file; a
	// partial (_name.html) is given to every page.
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "_") {
			shared = append(shared, "templates/"+e.Name())
		}
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).Funcs(staffFuncs).Funcs(template.FuncMap{"temporal": p.workflowLink}).ParseFS(templateFS, append(shared, "templates/"+e.Name())...)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return p, nil
}

// view is what every page gets: the person (zero when signed out), their
// session's CSRF token for forms, the language, and the page's own data.
type view struct {
	L     *locale.Loc
	Who   auth.Principal
	In    bool   // signed in
	CSRF  string // the session's, for forms
	Path  string // this page, for the language switch
	Title string
	Data  any
}

// request is a page request: who asks, in which language.
type request struct {
	*http.Request
	who  auth.Principal
	in   bool
	csrf string
	loc  *locale.Loc
}

func (p *Pages) request(r *http.Request) *request {
	q := &request{Request: r}
	if c, err := r.Cookie(p.cfg.SessionCookie); err == nil && c.Value != "" {
		who, csrf, err := auth.SessionPrincipal(r.Context(), p.cfg.DB, c.Value, p.cfg.Now())
		if err == nil {
			q.who, q.csrf, q.in = who, csrf, true
		} else if !errors.Is(err, auth.ErrNoSession) {
			p.cfg.Log.Error("page session", "err", err)
		}
	}
	chosen := ""
	if c, err := r.Cookie(langCookie); err == nil {
		chosen = c.Value
	}
	q.loc = p.words.For(chosen, r.Header.Get("Accept-Language"))
	return q
}

// actor is who the operations layer records.
func (q *request) actor(right auth.Right) operations.Actor {
	return operations.Actor{Name: q.who.Name, ID: q.who.UserID, Role: string(q.who.RoleFor(right))}
}

// render writes page name with data, and the headers every page has.
func (p *Pages) render(w http.ResponseWriter, q *request, status int, name, title string, data any) {
	p.renderWith(w, q, status, name, title, data, nil)
}

// renderWith is render with more headers set (or changed) by extra.
func (p *Pages) renderWith(w http.ResponseWriter, q *request, status int, name, title string, data any, extra func(http.Header)) {
	var b bytes.Buffer
	v := view{L: q.loc, Who: q.who, In: q.in, CSRF: q.csrf, Path: q.URL.Path, Title: title, Data: data}
	if err := p.pages[name].Execute(&b, v); err != nil {
		p.cfg.Log.Error("page", "page", name, "err", err)
		http.Error(w, "the page failed", http.StatusInternalServerError)
		return
	}
	headers(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", q.loc.Lang)
	if extra != nil {
		extra(w.Header())
	}
	w.WriteHeader(status)
	_, _ = io.Copy(w, &b)
}

// headers are the security headers of every page: nothing runs that the
// portal did not serve as a file, nothing frames it.
func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// fail answers an error page: an operation's refusal or absence in the
// person's words, anything else as a failure (logged).
func (p *Pages) fail(w http.ResponseWriter, q *request, err error) {
	status, msg := http.StatusInternalServerError, q.loc.T("error.failed")
	switch operations.KindOf(err) {
	case operations.NotFound:
		status, msg = http.StatusNotFound, q.loc.T("error.not_found")
	case operations.Forbidden:
		status, msg = http.StatusForbidden, q.loc.T("error.forbidden")
	case operations.Unavailable, operations.Busy:
		status, msg = http.StatusServiceUnavailable, q.loc.T("error.unavailable")
	default:
		p.cfg.Log.Error("page failed", "path", q.URL.Path, "err", err)
	}
	p.render(w, q, status, "error", q.loc.T("error.title"), msg)
}

// csrfOK: a form that changes something carries the session's token.
func (q *request) csrfOK() bool {
	return q.in && q.csrf != "" && subtle.ConstantTimeCompare([]byte(q.FormValue("csrf")), []byte(q.csrf)) == 1
}
