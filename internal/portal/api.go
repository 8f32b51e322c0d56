// Package portal is the people's front door (issue 15): a JSON API over
// the operations layer, each route declaring the right it needs, every
// request authenticated (a personal access token now; OIDC sessions and
// e-mail links next). It keeps no state beyond PostgreSQL, so instances
// behind a load balancer behave as one.
package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/ui"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Route is one API endpoint. Every route names its Right, or says it
// needs only a signed-in person (AnyUser); New refuses a table where one
// does neither, or names a right the rights table lacks.
type Route struct {
	Method, Path string       // "POST", "/api/v1/calls/{call}/close"
	Right        auth.Right   // what the caller must hold
	Also         []auth.Right // or one of these (a route whose handler narrows by the right held)
	AnyUser      bool         // any authenticated person (who am I)
	Action       string       // the audit log's name for a refused attempt
	MaxBody      int64        // the largest body taken; 0: 1 MiB
	Handle       func(r *Request) (any, error)
}

// Request is what a handler gets: the principal, the HTTP request, and
// the actor to pass to the operations layer.
type Request struct {
	*http.Request
	Principal auth.Principal
	Actor     operations.Actor
}

// JSON decodes the body into v, refusing unknown fields and a body over
// 1 MiB.
func (r *Request) JSON(v any) error {
	dec := json.NewDecoder(r.Body) // bounded by serve (Route.MaxBody)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &operations.Error{Kind: operations.Refused, Message: "request body: " + err.Error(),
			Problems: []operations.Problem{{Reason: "the body is not the JSON this route takes: " + err.Error()}}}
	}
	return nil
}

// Config is what the server needs.
type Config struct {
	Service *operations.Service
	DB      *pgxpool.Pool
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	// SignIn is staff sign-in through the office's OIDC provider; nil:
	// tokens only.
	SignIn *OIDC
	// Links is sign-in by e-mail link for applicants and reviewers; nil: none.
	Links *LinkConfig
	// Pages are the people's pages (internal/ui); nil: the API only.
	Pages *ui.Pages
}

// Server serves the API.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	routes []Route
}

// New builds the server on routes (Routes() in production), refusing
// any route that declares no right.
func New(cfg Config, routes []Route) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	routes = append(routes, s.tokenRoutes()...)
	s.routes = routes
	var bad []string
	for _, rt := range routes {
		switch {
		case rt.Right == "" && !rt.AnyUser:
			bad = append(bad, fmt.Sprintf("%s %s declares no right", rt.Method, rt.Path))
		case slices.ContainsFunc(rt.Also, func(r auth.Right) bool { return !auth.Known(r) }):
			bad = append(bad, fmt.Sprintf("%s %s names a right the rights table does not have in %v", rt.Method, rt.Path, rt.Also))
		case rt.Right != "" && !auth.Known(rt.Right):
			bad = append(bad, fmt.Sprintf("%s %s needs %q, which the rights table does not have", rt.Method, rt.Path, rt.Right))
		case rt.Handle == nil:
			bad = append(bad, fmt.Sprintf("%s %s has no handler", rt.Method, rt.Path))
		default:
			s.mux.Handle(rt.Method+" "+rt.Path, s.serve(rt))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("portal routes:\n  %s", strings.Join(bad, "\n  "))
	}
	if cfg.SignIn != nil {
		s.signInRoutes()
	}
	if cfg.Links != nil {
		s.linkRoutes()
	}
	if cfg.Pages != nil {
		cfg.Pages.Register(s.mux)
	}
	return s, nil
}

// Handler is the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes is the table the server was built on.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) serve(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p, err := s.principal(r)
		if errors.Is(err, errCSRF) {
			writeError(w, http.StatusForbidden, string(operations.Forbidden), "a change through a signed-in session needs the session's "+CSRFHeader+" header")
			return
		}
		if errors.Is(err, errNoCredentials) {
			writeError(w, http.StatusUnauthorized, string(operations.Unauthenticated), "sign in (/auth/login), or send a personal access token as Authorization: Bearer cct_…")
			return
		}
		if err != nil {
			// One answer for every bad token: the caller learns nothing of others'.
			s.cfg.Log.Info("token refused", "route", rt.Path, "why", err)
			writeError(w, http.StatusUnauthorized, string(operations.Unauthenticated), "the token is not valid (unknown, expired or revoked): create a new one in the portal")
			return
		}
		if !rt.AnyUser && !p.Can(rt.Right) && !slices.ContainsFunc(rt.Also, p.Can) {
			s.forbidden(ctx, p, rt, r)
			writeError(w, http.StatusForbidden, string(operations.Forbidden), fmt.Sprintf("%s may not do this: it needs the right %q, which none of its roles (%s) grants", p.Name, rt.Right, roleList(p.Roles)))
			return
		}
		role := string(p.RoleFor(rt.Right))
		for _, r := range rt.Also {
			if role == "" {
				role = string(p.RoleFor(r))
			}
		}
		if rt.AnyUser && len(p.Roles) > 0 {
			role = string(p.Roles[0])
		}
		limit := rt.MaxBody
		if limit == 0 {
			limit = 1 << 20
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		res, err := rt.Handle(&Request{Request: r, Principal: p, Actor: operations.Actor{Name: p.Name, ID: p.UserID, Role: role}})
		if err != nil {
			status, body := errorBody(err)
			if status == http.StatusInternalServerError {
				s.cfg.Log.Error("route failed", "route", rt.Path, "err", err)
			}
			writeJSON(w, status, body)
			return
		}
		if f, ok := res.(File); ok {
			w.Header().Set("Content-Type", f.ContentType)
			w.Header().Set("X-Content-Type-Options", "nosniff") // an upload is never sniffed into a page
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
			if f.Result != nil {
				if b, err := json.Marshal(f.Result); err == nil {
					w.Header().Set(ResultHeader, base64.StdEncoding.EncodeToString(b)) // a header is ASCII
				}
			}
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(f.Data)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

var (
	errNoCredentials = errors.New("no token and no session")
	errCSRF          = errors.New("missing or wrong CSRF token")
)

// principal authenticates r: a bearer token (the CLI, scripts), else the
// session cookie, which for anything but GET and HEAD must come with
// the session's CSRF token.
func (s *Server) principal(r *http.Request) (auth.Principal, error) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return auth.Authenticate(r.Context(), s.cfg.DB, strings.TrimSpace(token), s.cfg.Now())
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return auth.Principal{}, errNoCredentials
	}
	p, csrf, err := auth.SessionPrincipal(r.Context(), s.cfg.DB, c.Value, s.cfg.Now())
	if err != nil {
		return auth.Principal{}, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !csrfOK(r, csrf) {
		return auth.Principal{}, errCSRF
	}
	return p, nil
}

// forbidden records a refused attempt: who, as what, tried which action
// on which target.
func (s *Server) forbidden(ctx context.Context, p auth.Principal, rt Route, r *http.Request) {
	target := ""
	for _, k := range []string{"call", "grant", "workflow", "token"} {
		if v := r.PathValue(k); v != "" {
			target = v
		}
	}
	_, err := audit.Append(context.WithoutCancel(ctx), s.cfg.DB, audit.Entry{Actor: p.Name, Role: roleList(p.Roles), Action: rt.Action,
		Target: target, InputDigest: audit.Digest(r.URL.Path), Result: "forbidden", Detail: string(rt.Right)})
	if err != nil {
		s.cfg.Log.Error("audit a refused attempt", "err", err)
	}
}

func roleList(roles []auth.Role) string {
	if len(roles) == 0 {
		return "none"
	}
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, "+")
}

// ErrorBody is every error's JSON, as starter --json prints it.
type ErrorBody struct {
	Error struct {
		Kind     string               `json:"kind"`
		Message  string               `json:"message"`
		Problems []operations.Problem `json:"problems"`
		Stage    string               `json:"stage,omitempty"`
		ClosedAt *time.Time           `json:"closed_at,omitempty"` // ended: when
	} `json:"error"`
}

// errorBody maps an operation's error to its status: the kinds are the
// operations layer's, never read from the message.
func errorBody(err error) (int, ErrorBody) {
	var b ErrorBody
	b.Error.Kind, b.Error.Message, b.Error.Problems = "failure", "the service failed; the portal's log says why", []operations.Problem{}
	var op *operations.Error
	if !errors.As(err, &op) {
		return http.StatusInternalServerError, b
	}
	b.Error.Kind, b.Error.Message, b.Error.Stage = string(op.Kind), op.Message, op.Stage
	if !op.ClosedAt.IsZero() {
		b.Error.ClosedAt = &op.ClosedAt
	}
	if op.Problems != nil {
		b.Error.Problems = op.Problems
	}
	status := map[operations.Kind]int{
		operations.Refused: http.StatusUnprocessableEntity, operations.NotFound: http.StatusNotFound,
		operations.Ended: http.StatusConflict, operations.WrongStage: http.StatusConflict,
		operations.Busy: http.StatusServiceUnavailable, operations.Unavailable: http.StatusServiceUnavailable,
		operations.AlreadyDone: http.StatusOK, operations.Tampered: http.StatusConflict,
		operations.Forbidden: http.StatusForbidden, operations.Unauthenticated: http.StatusUnauthorized,
	}[op.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return status, b
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	var b ErrorBody
	b.Error.Kind, b.Error.Message, b.Error.Problems = kind, msg, []operations.Problem{}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
