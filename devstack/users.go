package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoUser is a person of make dev's office: known to the local OpenID
// Connect provider (with a password for the local stack only) and to
// callcycle (with roles).
type demoUser struct {
	login, password, first, last string
	roles                        []auth.Role
	org                          string // an applicant's organisation: signs in by e-mail link, not at the provider
}

var demoUsers = []demoUser{
	{"officer", "officer-demo", "Awa", "Diallo", []auth.Role{auth.Officer}, ""},
	{"officer2", "officer2-demo", "Pieter", "Janssens", []auth.Role{auth.Officer}, ""}, // the second pair of eyes
	{"finance", "finance-demo", "Fatou", "Ndiaye", []auth.Role{auth.Finance}, ""},
	{"finance2", "finance2-demo", "Marc", "Dubois", []auth.Role{auth.Finance}, ""},
	{"manager", "manager-demo", "Jan", "Peeters", []auth.Role{auth.Manager}, ""},
	{"admin", "admin-demo", "Nadia", "El Amrani", []auth.Role{auth.Admin}, ""},
	{"applicant", "", "Sophie", "Lambert", []auth.Role{auth.Applicant}, "Solsoc"},
}

func (u demoUser) email() string {
	if u.org != "" {
		return "projets@" + strings.ToLower(u.org) + ".callcycle.local"
	}
	return u.login + "@office.callcycle.local"
}

// idpUsers are the demo people as the provider knows them.
func idpUsers() []launcher.IDPUser {
	var out []launcher.IDPUser
	for _, u := range demoUsers {
		if u.org != "" {
			continue
		}
		out = append(out, launcher.IDPUser{ID: "demo-" + u.login, Username: u.login, Password: u.password,
			FirstName: u.first, LastName: u.last, Email: u.email(), EmailVerified: true, PreferredLanguage: "fr"})
	}
	return out
}

// tokenLife is how long the demo people's tokens live.
const tokenLife = 30 * 24 * time.Hour

// tokenVars name the demo staff's tokens in the tokens file; the
// officer's is CALLCYCLE_TOKEN itself (the README's walkthrough).
var tokenVars = map[string]string{"officer": "CALLCYCLE_TOKEN", "officer2": "OFFICER2_TOKEN", "finance": "FINANCE_TOKEN",
	"finance2": "FINANCE2_TOKEN", "manager": "MANAGER_TOKEN"}

// seedUsers adds the demo people to callcycle's database unless there
// already (a later make dev keeps what an administrator changed), and
// writes tokensFile: CALLCYCLE_URL and a fresh personal access token for
// each demo staff member (the previous ones revoked), for `starter`.
func seedUsers(ctx context.Context, dbURL, portalURL, tokensFile string) error {
	pool, err := app.OpenDB(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	for _, u := range demoUsers {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = $1`, u.email()).Scan(&n); err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		if n > 0 {
			continue
		}
		subject := "demo-" + u.login
		if u.org != "" {
			subject = ""
		}
		id, err := auth.CreateUser(ctx, pool, u.first+" "+u.last, u.email(), subject, "system:devstack", u.roles...)
		if err != nil {
			return err
		}
		if u.org != "" {
			if _, err := pool.Exec(ctx, `INSERT INTO applicants (name, name_key) VALUES ($1, $2) ON CONFLICT (name_key) DO NOTHING`, u.org, intake.NameKey(u.org)); err != nil {
				return err
			}
			if _, err := pool.Exec(ctx, `UPDATE users SET applicant_id = (SELECT applicant_id FROM applicants WHERE name_key = $2) WHERE user_id = $1`, id, intake.NameKey(u.org)); err != nil {
				return err
			}
		}
	}
	return writeTokens(ctx, pool, portalURL, tokensFile)
}

func writeTokens(ctx context.Context, pool *pgxpool.Pool, portalURL, path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# make dev's demo people, local stack only: `source %s`, then bin/starter signs in as %s.\n# Made anew at every start (the previous tokens revoked).\nexport CALLCYCLE_URL=%s\n",
		filepath.Base(path), demoUsers[0].login, portalURL)
	now := time.Now()
	for _, u := range demoUsers {
		name, ok := tokenVars[u.login]
		if !ok {
			continue
		}
		var id string
		if err := pool.QueryRow(ctx, `SELECT user_id::text FROM users WHERE email = $1`, u.email()).Scan(&id); err != nil {
			return fmt.Errorf("demo user %s: %w", u.login, err)
		}
		old, err := auth.TokensOf(ctx, pool, id)
		if err != nil {
			return err
		}
		for _, t := range old {
			if t.Name == "make dev" && t.RevokedAt == nil {
				if err := auth.RevokeToken(ctx, pool, id, t.TokenID, now); err != nil {
					return err
				}
			}
		}
		tok, err := auth.CreateToken(ctx, pool, id, "make dev", tokenLife, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "export %s=%s   # %s %s (%v)\n", name, tok.Secret, u.first, u.last, u.roles)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// signInHelp is the summary's lines on signing in.
func signInHelp(portal string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Sign in         %s/auth/login   (local provider; demo people, local stack only):\n", portal)
	for _, u := range demoUsers {
		if u.org != "" {
			fmt.Fprintf(&b, "  Apply           %s/   as %s %s of %s (applicant): \"Get a sign-in link\" for %s; the link arrives in Mailpit\n",
				portal, u.first, u.last, u.org, u.email())
			continue
		}
		fmt.Fprintf(&b, "                    %-9s %-14s %s %s (%v)\n", u.login, u.password, u.first, u.last, u.roles)
	}
	return b.String()
}

// relative is path from root, for the summary ("./.run/tokens.env").
func relative(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return "./" + r
	}
	return path
}
