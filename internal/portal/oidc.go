package portal

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// SessionCookie carries a signed-in session; CSRFHeader must echo the
// session's CSRF token on every request that changes something.
const (
	SessionCookie = "callcycle_session"
	CSRFHeader    = "X-CSRF-Token"
)

// OIDCConfig is the office's identity provider (OIDC_ISSUER,
// OIDC_CLIENT_ID, OIDC_CLIENT_SECRET) and the portal's public address
// (PORTAL_PUBLIC_URL), whose /auth/callback the provider sends people back to.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret, PublicURL string
}

// OIDC signs staff in: the authorization-code flow with PKCE, the ID
// token's signature, issuer, audience, expiry and nonce checked by
// go-oidc against the provider's published keys.
type OIDC struct {
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	secure   bool // the portal is served over TLS: Secure cookies
}

// NewOIDC discovers the provider (its /.well-known/openid-configuration).
func NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC_ISSUER %s: %w", c.Issuer, err)
	}
	public := strings.TrimRight(c.PublicURL, "/")
	return &OIDC{
		provider: p,
		oauth: oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: public + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: p.Verifier(&oidc.Config{ClientID: c.ClientID}),
		secure:   strings.HasPrefix(public, "https://"),
	}, nil
}

func (s *Server) signInRoutes() {
	o := s.cfg.SignIn
	s.mux.HandleFunc("GET /auth/login", func(w http.ResponseWriter, r *http.Request) {
		si, err := auth.BeginSignIn(r.Context(), s.cfg.DB, s.cfg.Now())
		if err != nil {
			s.cfg.Log.Error("begin sign-in", "err", err)
			writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-in is not available now; try again")
			return
		}
		http.Redirect(w, r, o.oauth.AuthCodeURL(si.State, oidc.Nonce(si.Nonce), oauth2.S256ChallengeOption(si.Verifier)), http.StatusFound)
	})
	s.mux.HandleFunc("GET /auth/callback", s.callback)
	s.mux.HandleFunc("POST /auth/logout", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "not signed in")
			return
		}
		p, csrf, err := auth.SessionPrincipal(r.Context(), s.cfg.DB, c.Value, s.cfg.Now())
		if err != nil || !csrfOK(r, csrf) {
			writeError(w, http.StatusForbidden, "forbidden", "sign out needs the session's "+CSRFHeader)
			return
		}
		_ = auth.EndSession(r.Context(), s.cfg.DB, c.Value, s.cfg.Now())
		s.appendAudit(r.Context(), audit.Entry{Actor: p.Name, Role: roleList(p.Roles), Action: "session.close", Target: p.UserID, Result: "ok"})
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
		signedOut(w, r)
	})
}

// SignedIn is the callback's answer: who signed in, and the CSRF token
// to send with changes (the pages of issue 16 embed it).
type SignedIn struct {
	Principal auth.Principal `json:"principal"`
	CSRFToken string         `json:"csrf_token"`
	ExpiresAt time.Time      `json:"expires_at"`
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	ctx, o := r.Context(), s.cfg.SignIn
	refuse := func(status int, who, why string, err error) {
		s.cfg.Log.Info("sign-in refused", "why", why, "err", err)
		s.appendAudit(ctx, audit.Entry{Actor: who, Role: "none", Action: "session.open", Result: "refused", Detail: why})
		writeError(w, status, "unauthenticated", "sign-in failed: "+why)
	}
	if e := r.URL.Query().Get("error"); e != "" {
		refuse(http.StatusUnauthorized, "unknown", "the identity provider answered "+e, nil)
		return
	}
	si, err := auth.TakeSignIn(ctx, s.cfg.DB, r.URL.Query().Get("state"), s.cfg.Now())
	if err != nil {
		refuse(http.StatusUnauthorized, "unknown", "no such sign-in under way (expired, or its link used twice)", err)
		return
	}
	tok, err := o.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(si.Verifier))
	if err != nil {
		refuse(http.StatusUnauthorized, "unknown", "the code was refused by the identity provider", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(si.Nonce)) != 1 {
		refuse(http.StatusUnauthorized, "unknown", "the ID token did not verify", errors.Join(err, errors.New("nonce")))
		return
	}
	var claims struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
	}
	_ = idt.Claims(&claims)
	if claims.Email == "" { // a provider may keep the address for its userinfo endpoint
		if ui, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			claims.Email, claims.Verified = ui.Email, ui.EmailVerified
		}
	}
	userID, err := auth.UserBySubject(ctx, s.cfg.DB, idt.Subject, claims.Email, claims.Verified)
	if err != nil {
		// Pseudonymous: the provider's subject, not the address.
		refuse(http.StatusForbidden, "oidc:"+idt.Subject, "not a callcycle user: ask an administrator to add you", err)
		return
	}
	sess, err := auth.OpenSession(ctx, s.cfg.DB, userID, s.cfg.Now())
	if err == nil {
		var p auth.Principal
		p, _, err = auth.SessionPrincipal(ctx, s.cfg.DB, sess.Cookie, s.cfg.Now())
		if err == nil {
			s.appendAudit(ctx, audit.Entry{Actor: p.Name, Role: roleList(p.Roles), Action: "session.open", Target: p.UserID, Result: "ok"})
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sess.Cookie, Path: "/", Expires: sess.ExpiresAt,
				HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
			if s.cfg.Pages != nil && strings.Contains(r.Header.Get("Accept"), "text/html") {
				// A person in a browser goes on to their pages (the
				// pages carry the CSRF token); a program gets JSON.
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			writeJSON(w, http.StatusOK, SignedIn{Principal: p, CSRFToken: sess.CSRF, ExpiresAt: sess.ExpiresAt})
			return
		}
	}
	s.cfg.Log.Error("open session", "err", err)
	writeError(w, http.StatusServiceUnavailable, "unavailable", "sign-in is not available now; try again")
}

// csrfOK: a request that changes something echoes the session's token.
// A page's form (no script to set a header) sends it as its csrf field.
func csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if t, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); got == "" && t == "application/x-www-form-urlencoded" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *Server) appendAudit(ctx context.Context, e audit.Entry) {
	if _, err := audit.Append(context.WithoutCancel(ctx), s.cfg.DB, e); err != nil {
		s.cfg.Log.Error("audit", "action", e.Action, "err", err)
	}
}

// signedOut answers a sign-out: a page's form goes back to the home page,
// an API client gets JSON.
func signedOut(w http.ResponseWriter, r *http.Request) {
	if !wantsJSON(r) && r.Header.Get(CSRFHeader) == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"signed_out": true})
}
