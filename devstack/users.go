package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/launcher"
)

// demoUser is a person of make dev's office: known to the local OpenID
// Connect provider (with a password for the local stack only) and to
// callcycle (with roles).
type demoUser struct {
	login, password, first, last string
	roles                        []auth.Role
}

var demoUsers = []demoUser{
	{"officer", "officer-demo", "Awa", "Diallo", []auth.Role{auth.Officer}},
	{"officer2", "officer2-demo", "Pieter", "Janssens", []auth.Role{auth.Officer}}, // the second pair of eyes
	{"finance", "finance-demo", "Fatou", "Ndiaye", []auth.Role{auth.Finance}},
	{"finance2", "finance2-demo", "Marc", "Dubois", []auth.Role{auth.Finance}},
	{"manager", "manager-demo", "Jan", "Peeters", []auth.Role{auth.Manager}},
	{"admin", "admin-demo", "Nadia", "El Amrani", []auth.Role{auth.Admin}},
}

func (u demoUser) email() string { return u.login + "@office.callcycle.local" }

// idpUsers are the demo people as the provider knows them.
func idpUsers() []launcher.IDPUser {
	var out []launcher.IDPUser
	for _, u := range demoUsers {
		out = append(out, launcher.IDPUser{ID: "demo-" + u.login, Username: u.login, Password: u.password,
			FirstName: u.first, LastName: u.last, Email: u.email(), EmailVerified: true, PreferredLanguage: "fr"})
	}
	return out
}

// seedUsers adds the demo people to callcycle's database unless there
// already (a later make dev keeps what an administrator changed).
func seedUsers(ctx context.Context, dbURL string) error {
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
		if _, err := auth.CreateUser(ctx, pool, u.first+" "+u.last, u.email(), "demo-"+u.login, "system:devstack", u.roles...); err != nil {
			return err
		}
	}
	return nil
}

// signInHelp is the summary's lines on signing in.
func signInHelp(portal string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Sign in         %s/auth/login   (local provider; demo people, local stack only):\n", portal)
	for _, u := range demoUsers {
		fmt.Fprintf(&b, "                    %-9s %-14s %s %s (%v)\n", u.login, u.password, u.first, u.last, u.roles)
	}
	return b.String()
}
