package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/config"
)

// roleFlags collects --role, repeatable.
type roleFlags []auth.Role

func (r *roleFlags) String() string { return fmt.Sprint(*r) }
func (r *roleFlags) Set(s string) error {
	role, err := auth.ParseRole(s)
	if err != nil {
		return err
	}
	*r = append(*r, role)
	return nil
}

// createUser is `portal create-user`: an operator on the server adds a
// person (the first administrator, or make dev's demo users) and, with
// --token-days, prints a personal access token for them once. It is
// recorded in the audit log as the system.
func createUser(args []string) error {
	fs := flag.NewFlagSet("portal create-user", flag.ContinueOnError)
	name := fs.String("name", "", "the person's name (recorded with each of their actions)")
	email := fs.String("email", "", "their e-mail address (their sign-in)")
	subject := fs.String("oidc-subject", "", "their subject at the identity provider, when known")
	days := fs.Int("token-days", 0, "also create a personal access token living this many days (1-366), printed once")
	var roles roleFlags
	fs.Var(&roles, "role", "a role (officer, finance, manager, reviewer, applicant, admin); repeat for several")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bad []string
	if strings.TrimSpace(*name) == "" {
		bad = append(bad, "--name: required")
	}
	if !strings.Contains(*email, "@") {
		bad = append(bad, "--email: an e-mail address is required")
	}
	if len(roles) == 0 {
		bad = append(bad, "--role: at least one")
	}
	if *days < 0 || *days > 366 {
		bad = append(bad, "--token-days: 1 to 366")
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "\n"))
	}
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	ctx := context.Background()
	pool, err := app.OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	system := auth.SystemPrincipal("portal-admin")
	id, err := auth.CreateUser(ctx, pool, strings.TrimSpace(*name), *email, *subject, system.Name, roles...)
	if err != nil {
		return err
	}
	if _, err := audit.Append(ctx, pool, audit.Entry{Actor: system.Name, Role: string(auth.System), Action: "user.create",
		Target: id, InputDigest: audit.Digest([]any{*name, *email, roles}), Result: "ok", Detail: fmt.Sprint(roles)}); err != nil {
		return err
	}
	fmt.Printf("user %s (%s): %v\n", id, strings.TrimSpace(*name), roles)
	if *days > 0 {
		t, err := auth.CreateToken(ctx, pool, id, "created with the user", time.Duration(*days)*24*time.Hour, time.Now())
		if err != nil {
			return err
		}
		fmt.Printf("token (shown once, expires %s): %s\n", t.ExpiresAt.Format("2006-01-02"), t.Secret)
	}
	return nil
}
