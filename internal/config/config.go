// Package config turns environment variables into typed settings. It never
// reads the environment itself: main passes os.LookupEnv, tests pass a map.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
)

// Lookup is os.LookupEnv's signature.
type Lookup func(string) (string, bool)

// SMTP is the outgoing mail relay.
type SMTP struct {
	Host     string // SMTP_HOST
	Port     int    // SMTP_PORT
	User     string // SMTP_USER
	Password string // SMTP_PASSWORD
	TLS      string // SMTP_TLS: none | starttls | tls
	From     string // SMTP_FROM
}

// Config is everything both programs need.
type Config struct {
	Temporal    Temporal
	DatabaseURL string // DATABASE_URL
	SMTP        SMTP
	OutputDir   string // OUTPUT_DIR: where workbooks are written
	LogLevel    string // LOG_LEVEL: debug | info | warn | error
	// AnnualReport is when the yearly report is written (ANNUAL_REPORT_ON,
	// "MM-DD HH:MM" Brussels time), by a Temporal Schedule.
	AnnualReport AnnualSchedule
	// IntakeRetention is how long the personal data of a submission that
	// never reached a workflow stays in intake_inbox (INTAKE_RETENTION, a
	// Go duration such as "24h", at least intake.MinRetention).
	IntakeRetention time.Duration
	// WorkerStopTimeout is how long a stopping worker (SIGTERM) lets its
	// running activities finish (WORKER_STOP_TIMEOUT, a Go duration); a
	// mail delivery stops after the mail in flight. Whatever stops the
	// worker must wait longer than this before it kills it.
	WorkerStopTimeout time.Duration
	// WorkerHTTPAddr is where the worker serves /livez, /readyz and
	// /metrics (WORKER_HTTP_ADDR, host:port; "" serves none). Bind it to
	// loopback or a private network: it has no authentication.
	WorkerHTTPAddr string
	// FourEyes are the actions an office adds to those that always need
	// a second person (FOUR_EYES, comma-separated audit action names such
	// as "grant.sign,call.cancel"; operations.FourEyesActions checks them).
	FourEyes []string
	// Deprecated lists the old variable names found set (see Renamed).
	Deprecated []Deprecated
}

// AnnualSchedule is a yearly moment, Brussels time.
type AnnualSchedule struct {
	Month, Day, Hour, Minute int
}

// Defaults match the local stack started by `make dev`.
var Defaults = map[string]string{
	"TEMPORAL_ADDRESS":    "localhost:7233",
	"TEMPORAL_NAMESPACE":  "default",
	"DATABASE_URL":        "postgres://callcycle:callcycle@localhost:5432/callcycle?sslmode=disable",
	"SMTP_HOST":           "localhost",
	"SMTP_PORT":           "1025",
	"SMTP_TLS":            "none",
	"SMTP_FROM":           "callcycle <noreply@callcycle.local>",
	"OUTPUT_DIR":          "out",
	"LOG_LEVEL":           "info",
	"ANNUAL_REPORT_ON":    "01-31 09:00",
	"INTAKE_RETENTION":    "24h", // the day the first migration promised
	"WORKER_STOP_TIMEOUT": "30s",
}

// Names lists every variable read (besides the old names of Renamed),
// for documentation and the compose test.
var Names = append(slices.Clone(temporalNames),
	"DATABASE_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS",
	"SMTP_FROM", "OUTPUT_DIR", "LOG_LEVEL", "ANNUAL_REPORT_ON", "INTAKE_RETENTION", "WORKER_STOP_TIMEOUT",
	"WORKER_HTTP_ADDR", "FOUR_EYES",
)

// Load reads and checks every setting; the error names each bad variable.
func Load(lookup Lookup) (Config, error) {
	get := func(name string) string {
		if v, ok := lookup(name); ok {
			return strings.TrimSpace(v)
		}
		return Defaults[name]
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	c := Config{
		DatabaseURL: get("DATABASE_URL"),
		SMTP: SMTP{Host: get("SMTP_HOST"), User: get("SMTP_USER"), Password: get("SMTP_PASSWORD"),
			TLS: strings.ToLower(get("SMTP_TLS")), From: get("SMTP_FROM")},
		OutputDir: get("OUTPUT_DIR"),
		LogLevel:  strings.ToLower(get("LOG_LEVEL")),
	}
	c.Temporal, c.Deprecated = loadTemporal(lookup, bad)
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("DATABASE_URL", "want postgres://user:password@host:port/db, got %q", redact(c.DatabaseURL))
	}
	if c.SMTP.Host == "" {
		bad("SMTP_HOST", "must not be empty")
	}
	port, err := strconv.Atoi(get("SMTP_PORT"))
	if err != nil || port < 1 || port > 65535 {
		bad("SMTP_PORT", "want a port number 1-65535, got %q", get("SMTP_PORT"))
	}
	c.SMTP.Port = port
	switch c.SMTP.TLS {
	case "none", "starttls", "tls":
	default:
		bad("SMTP_TLS", "want none, starttls or tls, got %q", c.SMTP.TLS)
	}
	if (c.SMTP.User == "") != (c.SMTP.Password == "") {
		bad("SMTP_USER", "SMTP_USER and SMTP_PASSWORD must be set together")
	}
	if !strings.Contains(c.SMTP.From, "@") || strings.ContainsAny(c.SMTP.From, "\r\n") {
		bad("SMTP_FROM", "want an address such as \"callcycle <noreply@example.org>\", got %q", c.SMTP.From)
	}
	if c.OutputDir == "" {
		bad("OUTPUT_DIR", "must not be empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if t, err := time.Parse("01-02 15:04", get("ANNUAL_REPORT_ON")); err != nil {
		bad("ANNUAL_REPORT_ON", "want \"MM-DD HH:MM\" (Brussels time), such as \"01-31 09:00\", got %q", get("ANNUAL_REPORT_ON"))
	} else {
		c.AnnualReport = AnnualSchedule{Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute()}
	}
	if d, err := time.ParseDuration(get("INTAKE_RETENTION")); err != nil || d < intake.MinRetention {
		bad("INTAKE_RETENTION", "want a duration of at least %gh, such as \"24h\" or \"168h\", got %q", intake.MinRetention.Hours(), get("INTAKE_RETENTION"))
	} else {
		c.IntakeRetention = d
	}
	if d, err := time.ParseDuration(get("WORKER_STOP_TIMEOUT")); err != nil || d < time.Second || d > time.Hour {
		bad("WORKER_STOP_TIMEOUT", "want a duration from 1s to 1h, such as \"30s\", got %q", get("WORKER_STOP_TIMEOUT"))
	} else {
		c.WorkerStopTimeout = d
	}
	if a := get("WORKER_HTTP_ADDR"); a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || !numericPort(port) {
			bad("WORKER_HTTP_ADDR", "want host:port, such as \"127.0.0.1:7240\" or \":7240\", got %q", a)
		} else {
			c.WorkerHTTPAddr = a
		}
	}
	for _, a := range strings.Split(get("FOUR_EYES"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			c.FourEyes = append(c.FourEyes, a)
		}
	}
	return c, errors.Join(errs...)
}

func numericPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// redact hides the password of a DATABASE_URL shown in an error. A value
// that is not a plain URL is shown by its scheme only: its password could
// be anywhere (a bad port, an unescaped % or /, the key=value form).
func redact(s string) string {
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" || strings.Contains(strings.ToLower(u.RawQuery), "password") {
		if scheme, _, ok := strings.Cut(s, "://"); ok && schemePattern.MatchString(scheme) {
			return scheme + "://(rest hidden)"
		}
		return "(hidden: not a URL)"
	}
	if u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
