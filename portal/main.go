// Command portal is callcycle's front door for people (issue 15): the
// JSON API over the operations layer, every request authenticated and
// checked against the right its route declares. It keeps no state of its
// own beyond PostgreSQL: two instances behind a load balancer are one.
//
// Besides the settings of internal/config (the database, Temporal), it
// reads:
//
//	PORTAL_ADDR      host:port of the API (default 127.0.0.1:7280)
//	PORTAL_OPS_ADDR  host:port of /livez, /readyz and /metrics (default
//	                 127.0.0.1:7281; "" none): apart from the API, so
//	                 the metrics are not published with it
//	OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//	                 the office's OpenID Connect provider for staff
//	                 sign-in (/auth/login); unset: tokens only
//	PORTAL_PUBLIC_URL the address people reach the portal at (default
//	                 http://PORTAL_ADDR): the provider sends them back
//	                 to its /auth/callback
//	LINK_LIFE        how long an e-mailed sign-in link works (default
//	                 15m); applicants and reviewers sign in by link,
//	                 mailed through the SMTP_* relay
//	TEMPORAL_UI_URL  the Temporal Web UI managers may open (read-only);
//	                 the pages link each call and grant to its workflow
//	                 there (unset: no links)
//	ATTACHMENT_MAX_MIB the size limit of one file an applicant sends
//	                 (statutes, budget, report), in MiB (default 10)
//
// `portal create-user --name N --email E --role R [--role R…]
// [--token-days D]` adds a person from the server's shell (the first
// administrator), printing a personal access token once; `portal
// -healthcheck` asks PORTAL_OPS_ADDR's /readyz (compose).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/observe"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/ui"
	"go.temporal.io/sdk/client"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "create-user" {
		if err := createUser(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "portal create-user:", err)
			os.Exit(2)
		}
		return
	}
	check := flag.Bool("healthcheck", false, "ask the running portal's /readyz (PORTAL_OPS_ADDR) and exit 0 when it is ready")
	flag.Parse()
	if *check {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := observe.Probe(ctx, setting("PORTAL_OPS_ADDR", "127.0.0.1:7281")); err != nil {
			fmt.Fprintln(os.Stderr, "portal -healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func setting(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func run() error {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := app.Logger(cfg.LogLevel)
	addr, opsAddr := setting("PORTAL_ADDR", "127.0.0.1:7280"), setting("PORTAL_OPS_ADDR", "127.0.0.1:7281")
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("PORTAL_ADDR=%q: want host:port: %w", addr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	pool, err := app.OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	sdk := observe.NewSDK()
	tc, err := app.DialMetrics(cfg.Temporal, log, sdk)
	if err != nil {
		return err
	}
	defer tc.Close()
	reg, err := observe.NewRegistry()
	if err != nil {
		return err
	}
	if err := sdk.Register(reg); err != nil {
		return err
	}
	metrics, err := portal.NewHTTPMetrics(reg)
	if err != nil {
		return err
	}
	fourEyes, err := operations.FourEyesActions(cfg.FourEyes)
	if err != nil {
		return fmt.Errorf("configuration:\nFOUR_EYES: %w", err)
	}
	maxFile, err := strconv.ParseInt(setting("ATTACHMENT_MAX_MIB", "10"), 10, 64)
	if err != nil || maxFile < 1 || maxFile > 1024 {
		return fmt.Errorf("configuration:\nATTACHMENT_MAX_MIB=%q: want a whole number of MiB, 1 to 1024", os.Getenv("ATTACHMENT_MAX_MIB"))
	}
	svc := &operations.Service{Temporal: tc, DB: pool, FourEyes: fourEyes, MaxAttachmentBytes: maxFile << 20}
	var signIn *portal.OIDC
	if issuer := os.Getenv("OIDC_ISSUER"); issuer != "" {
		id, secret := os.Getenv("OIDC_CLIENT_ID"), os.Getenv("OIDC_CLIENT_SECRET")
		if id == "" || secret == "" {
			return fmt.Errorf("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are needed too")
		}
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		signIn, err = portal.NewOIDC(dctx, portal.OIDCConfig{Issuer: issuer, ClientID: id, ClientSecret: secret,
			PublicURL: setting("PORTAL_PUBLIC_URL", "http://"+addr)})
		cancel()
		if err != nil {
			return err
		}
	}
	// Applicants and reviewers sign in by e-mail link, mailed through SMTP_*.
	life, err := time.ParseDuration(setting("LINK_LIFE", "15m"))
	if err != nil || life <= 0 {
		return fmt.Errorf("configuration:\nLINK_LIFE=%q: want a Go duration such as 15m", os.Getenv("LINK_LIFE"))
	}
	linkMail, err := mailer.New(mailer.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, User: cfg.SMTP.User, Password: cfg.SMTP.Password, TLS: cfg.SMTP.TLS, From: cfg.SMTP.From})
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	public := setting("PORTAL_PUBLIC_URL", "http://"+addr)
	links := &portal.LinkConfig{Mailer: portal.MailLinks(linkMail, life), PublicURL: public,
		Policy: auth.LinkPolicy{Life: life}, Secure: strings.HasPrefix(public, "https://")}
	pages, err := ui.New(ui.Config{Service: svc, DB: pool, Log: log, SessionCookie: portal.SessionCookie, Secure: links.Secure,
		TemporalUI: strings.TrimRight(os.Getenv("TEMPORAL_UI_URL"), "/"), Namespace: cfg.Temporal.Namespace})
	if err != nil {
		return err
	}
	srv, err := portal.New(portal.Config{Service: svc, DB: pool, Log: log, SignIn: signIn, Links: links, Pages: pages}, portal.Routes(svc))
	if err != nil {
		return err // a route without a right: the portal does not start
	}
	ops := &observe.Server{Registry: reg, Log: log, Checks: []observe.Check{
		{Name: "database", Test: pool.Ping},
		{Name: "temporal", Test: func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}}
	if opsAddr != "" {
		if err := ops.Listen(opsAddr, "PORTAL_OPS_ADDR"); err != nil {
			return err
		}
		defer ops.Close()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("PORTAL_ADDR: %w", err)
	}
	api := &http.Server{Handler: metrics.Wrap(srv.Handler()), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- api.Serve(ln) }()
	ops.Started()
	log.Info("portal listening", "addr", ln.Addr().String(), "ops", opsAddr)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Not ready from here on; requests under way finish (a load balancer
	// stops sending new ones when /readyz fails).
	ops.Stopping()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.WorkerStopTimeout)
	defer cancel()
	if err := api.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("portal stopped")
	return nil
}
