package portal

import (
	"errors"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// TokenRequest asks for a personal access token.
type TokenRequest struct {
	Name string `json:"name"` // what it is for ("laptop", "CI")
	Days int    `json:"days"` // how long it lives, 1 to 366
}

// TokenList is a person's tokens.
type TokenList struct {
	Tokens []auth.TokenInfo `json:"tokens"`
}

// RevokeResult says which token was revoked.
type RevokeResult struct {
	TokenID string `json:"token_id"`
	Revoked bool   `json:"revoked"`
}

// tokenRoutes let staff manage their own personal access tokens: the
// secret is in the answer to the creation only.
func (s *Server) tokenRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/tokens", Right: auth.ManageOwnTokens, Action: "token.list", Handle: func(r *Request) (any, error) {
			ts, err := auth.TokensOf(r.Context(), s.cfg.DB, r.Principal.UserID)
			if ts == nil {
				ts = []auth.TokenInfo{}
			}
			return TokenList{Tokens: ts}, err
		}},
		{Method: "POST", Path: "/api/v1/tokens", Right: auth.ManageOwnTokens, Action: "token.create", Handle: func(r *Request) (res any, err error) {
			var in TokenRequest
			defer s.record(r, "token.create", &in, &err, func() string { return strings.TrimSpace(in.Name) })
			if err := r.JSON(&in); err != nil {
				return nil, err
			}
			if name := strings.TrimSpace(in.Name); name == "" || len(name) > 100 {
				return nil, refusedField("name", "a token needs a name of 1 to 100 characters (what it is for)")
			}
			if in.Days < 1 || in.Days > 366 {
				return nil, refusedField("days", "a token lives 1 to 366 days")
			}
			t, err := auth.CreateToken(r.Context(), s.cfg.DB, r.Principal.UserID, in.Name, time.Duration(in.Days)*24*time.Hour, s.cfg.Now())
			return t, err
		}},
		{Method: "DELETE", Path: "/api/v1/tokens/{token}", Right: auth.ManageOwnTokens, Action: "token.revoke", Handle: func(r *Request) (res any, err error) {
			id := r.PathValue("token")
			defer s.record(r, "token.revoke", id, &err, func() string { return id })
			err = auth.RevokeToken(r.Context(), s.cfg.DB, r.Principal.UserID, id, s.cfg.Now())
			if errors.Is(err, auth.ErrTokenUnknown) {
				return nil, &operations.Error{Kind: operations.NotFound, Message: "you have no token " + id}
			}
			if err != nil {
				return nil, err
			}
			return RevokeResult{TokenID: id, Revoked: true}, nil
		}},
	}
}

func refusedField(field, reason string) error {
	return &operations.Error{Kind: operations.Refused, Message: field + ": " + reason, Problems: []operations.Problem{{Field: field, Reason: reason}}}
}

// record is the audit row of a portal action of its own (tokens), as
// the operations layer writes for its actions.
func (s *Server) record(r *Request, action string, in any, err *error, target func() string) {
	e := audit.Entry{Actor: r.Actor.Name, Role: r.Actor.Role, Action: action, Target: target(), InputDigest: audit.Digest(in), Result: "ok"}
	if *err != nil {
		e.Result = string(operations.KindOf(*err))
		if e.Result == "" {
			e.Result = "error"
		}
	}
	if _, aerr := audit.Append(r.Context(), s.cfg.DB, e); aerr != nil && *err == nil {
		*err = &operations.Error{Kind: operations.Unavailable, Message: action + " was done, but could not be recorded in the audit log", Err: aerr}
	}
}
