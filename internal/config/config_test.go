package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// env is a map-backed Lookup: the tests never touch the process
// environment.
func env(m map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// tempFile returns the path of an existing (empty) file.
func tempFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// problemVars returns the variable each line of err names, in order.
func problemVars(err error) []string {
	if err == nil {
		return nil
	}
	var names []string
	for _, l := range strings.Split(err.Error(), "\n") {
		name, _, _ := strings.Cut(l, ":")
		names = append(names, name)
	}
	return names
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("defaults refused:\n%v", err)
	}
	// The local stack: Temporal dev server, PostgreSQL and Mailpit.
	want := Config{
		Temporal:     Temporal{Address: "localhost:7233", Namespace: "default"},
		DatabaseURL:  "postgres://callcycle:callcycle@localhost:5432/callcycle?sslmode=disable",
		SMTP:         SMTP{Host: "localhost", Port: 1025, TLS: "none", From: "callcycle <noreply@callcycle.local>"},
		OutputDir:    "out",
		LogLevel:     "info",
		AnnualReport: AnnualSchedule{Month: 1, Day: 31, Hour: 9},
		// A day, as migrations/00001_foundation.sql promises.
		IntakeRetention:   24 * time.Hour,
		WorkerStopTimeout: 30 * time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(empty) =\n%+v\nwant\n%+v", c, want)
	}
	for name := range Defaults {
		if !slices.Contains(Names, name) {
			t.Errorf("default for %s, which Names does not list", name)
		}
	}
}

func TestLoadValues(t *testing.T) {
	t.Parallel()
	cert, key, ca := tempFile(t, "client.pem"), tempFile(t, "client.key"), tempFile(t, "ca.pem")
	c, err := Load(env(map[string]string{
		"TEMPORAL_ADDRESS":                 "callcycle.a1b2c.tmprl.cloud:7233",
		"TEMPORAL_NAMESPACE":               "callcycle.a1b2c",
		"TEMPORAL_TLS_CLIENT_CERT_PATH":    cert,
		"TEMPORAL_TLS_CLIENT_KEY_PATH":     key,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": ca,
		"TEMPORAL_TLS_SERVER_NAME":         "callcycle.a1b2c.tmprl.cloud",
		"TEMPORAL_API_KEY":                 "k",
		"DATABASE_URL":                     "postgresql://app:pw@db.internal:5432/callcycle",
		"SMTP_HOST":                        " smtp.example.org ",
		"SMTP_PORT":                        "587",
		"SMTP_USER":                        "mailer",
		"SMTP_PASSWORD":                    "secret",
		"SMTP_TLS":                         "STARTTLS",
		"SMTP_FROM":                        "noreply@example.org",
		"OUTPUT_DIR":                       "/var/lib/callcycle",
		"LOG_LEVEL":                        "DEBUG",
		"INTAKE_RETENTION":                 "168h",
		"WORKER_STOP_TIMEOUT":              "2m",
		"WORKER_HTTP_ADDR":                 "0.0.0.0:7240",
	}))
	if err != nil {
		t.Fatalf("refused:\n%v", err)
	}
	if c.SMTP.Host != "smtp.example.org" || c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" || c.LogLevel != "debug" || c.IntakeRetention != 7*24*time.Hour || c.WorkerStopTimeout != 2*time.Minute || c.WorkerHTTPAddr != "0.0.0.0:7240" {
		t.Errorf("got %+v", c)
	}
	tls := c.Temporal.Profile.TLS
	if c.Temporal.Address != "callcycle.a1b2c.tmprl.cloud:7233" || c.Temporal.Namespace != "callcycle.a1b2c" || c.Temporal.Profile.APIKey != "k" ||
		tls == nil || tls.ClientCertPath != cert || tls.ClientKeyPath != key || tls.ServerCACertPath != ca || tls.ServerName != "callcycle.a1b2c.tmprl.cloud" {
		t.Errorf("got %+v, TLS %+v", c.Temporal, tls)
	}
	if len(c.Deprecated) != 0 {
		t.Errorf("new names reported as deprecated: %+v", c.Deprecated)
	}
}

// TestLoadOneBadVariable: each malformed variable alone gives exactly one
// problem, and that problem starts with the variable's name.
func TestLoadOneBadVariable(t *testing.T) {
	t.Parallel()
	cert := tempFile(t, "client.pem")
	missing := filepath.Join(t.TempDir(), "nope.pem")
	tests := []struct {
		name string
		env  map[string]string
		want string // variable named by the single problem
	}{
		{"TEMPORAL_ADDRESS without port", map[string]string{"TEMPORAL_ADDRESS": "localhost"}, "TEMPORAL_ADDRESS"},
		{"TEMPORAL_ADDRESS empty", map[string]string{"TEMPORAL_ADDRESS": ""}, "TEMPORAL_ADDRESS"},
		{"TEMPORAL_NAMESPACE empty", map[string]string{"TEMPORAL_NAMESPACE": "  "}, "TEMPORAL_NAMESPACE"},
		{"SMTP_PORT not a number", map[string]string{"SMTP_PORT": "abc"}, "SMTP_PORT"},
		{"SMTP_PORT too large", map[string]string{"SMTP_PORT": "70000"}, "SMTP_PORT"},
		{"SMTP_PORT 0", map[string]string{"SMTP_PORT": "0"}, "SMTP_PORT"},
		{"SMTP_PORT negative", map[string]string{"SMTP_PORT": "-25"}, "SMTP_PORT"},
		{"SMTP_PORT empty", map[string]string{"SMTP_PORT": ""}, "SMTP_PORT"},
		{"SMTP_TLS maybe", map[string]string{"SMTP_TLS": "maybe"}, "SMTP_TLS"},
		{"SMTP_TLS ssl", map[string]string{"SMTP_TLS": "ssl"}, "SMTP_TLS"},
		{"SMTP_FROM without @", map[string]string{"SMTP_FROM": "noreply"}, "SMTP_FROM"},
		{"SMTP_FROM with CR/LF", map[string]string{"SMTP_FROM": "noreply@example.org\r\nBcc: victim@evil.example"}, "SMTP_FROM"},
		{"SMTP_FROM with LF", map[string]string{"SMTP_FROM": "callcycle\n<noreply@example.org>"}, "SMTP_FROM"},
		{"SMTP_HOST empty", map[string]string{"SMTP_HOST": ""}, "SMTP_HOST"},
		{"DATABASE_URL mysql", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"DATABASE_URL empty", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL"},
		{"DATABASE_URL not a URL", map[string]string{"DATABASE_URL": "::not a url"}, "DATABASE_URL"},
		{"LOG_LEVEL loud", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"OUTPUT_DIR empty", map[string]string{"OUTPUT_DIR": ""}, "OUTPUT_DIR"},
		{"TEMPORAL_TLS_CERT without KEY", map[string]string{"TEMPORAL_TLS_CERT": cert}, "TEMPORAL_TLS_CERT"},
		{"TEMPORAL_TLS_KEY without CERT", map[string]string{"TEMPORAL_TLS_KEY": cert}, "TEMPORAL_TLS_CLIENT_CERT_PATH"}, // the missing one, by its new name
		{"TEMPORAL_TLS_CA does not exist", map[string]string{"TEMPORAL_TLS_CA": missing}, "TEMPORAL_TLS_CA"},
		{"TEMPORAL_TLS_CERT does not exist", map[string]string{"TEMPORAL_TLS_CERT": missing, "TEMPORAL_TLS_KEY": cert}, "TEMPORAL_TLS_CERT"},
		{"TEMPORAL_TLS_KEY does not exist", map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": missing}, "TEMPORAL_TLS_KEY"},
		{"TEMPORAL_TLS_CLIENT_CERT_PATH without KEY", map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": cert}, "TEMPORAL_TLS_CLIENT_CERT_PATH"},
		{"TEMPORAL_TLS_CLIENT_KEY_PATH without CERT", map[string]string{"TEMPORAL_TLS_CLIENT_KEY_PATH": cert}, "TEMPORAL_TLS_CLIENT_CERT_PATH"},
		{"TEMPORAL_TLS_SERVER_CA_CERT_PATH does not exist", map[string]string{"TEMPORAL_TLS_SERVER_CA_CERT_PATH": missing}, "TEMPORAL_TLS_SERVER_CA_CERT_PATH"},
		{"TEMPORAL_PROFILE without a file", map[string]string{"TEMPORAL_PROFILE": "prod"}, "TEMPORAL_PROFILE"},
		{"TEMPORAL_CONFIG_FILE does not parse", map[string]string{"TEMPORAL_CONFIG_FILE": cert}, "TEMPORAL_CONFIG_FILE"},
		{"WORKER_STOP_TIMEOUT not a duration", map[string]string{"WORKER_STOP_TIMEOUT": "30"}, "WORKER_STOP_TIMEOUT"},
		{"WORKER_HTTP_ADDR without a port", map[string]string{"WORKER_HTTP_ADDR": "localhost"}, "WORKER_HTTP_ADDR"},
		{"WORKER_HTTP_ADDR port not a number", map[string]string{"WORKER_HTTP_ADDR": ":http"}, "WORKER_HTTP_ADDR"},
		{"WORKER_STOP_TIMEOUT zero", map[string]string{"WORKER_STOP_TIMEOUT": "0s"}, "WORKER_STOP_TIMEOUT"},
		{"SMTP_USER without SMTP_PASSWORD", map[string]string{"SMTP_USER": "mailer"}, "SMTP_USER"},
		{"SMTP_PASSWORD without SMTP_USER", map[string]string{"SMTP_PASSWORD": "secret"}, "SMTP_USER"},
		{"INTAKE_RETENTION in days", map[string]string{"INTAKE_RETENTION": "1d"}, "INTAKE_RETENTION"},
		{"INTAKE_RETENTION below an hour", map[string]string{"INTAKE_RETENTION": "59m"}, "INTAKE_RETENTION"},
		{"INTAKE_RETENTION negative", map[string]string{"INTAKE_RETENTION": "-24h"}, "INTAKE_RETENTION"},
		{"INTAKE_RETENTION empty", map[string]string{"INTAKE_RETENTION": ""}, "INTAKE_RETENTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil {
				t.Fatalf("accepted; want an error naming %s", tt.want)
			}
			if got := problemVars(err); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("problems name %q, want just %s:\n%v", got, tt.want, err)
			}
		})
	}
}

// TestLoadEveryProblem: all bad variables are reported at once.
func TestLoadEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(env(map[string]string{
		"TEMPORAL_ADDRESS":  "localhost",
		"TEMPORAL_TLS_CERT": filepath.Join(t.TempDir(), "nope.pem"), // unpaired and missing: two problems
		"DATABASE_URL":      "mysql://x",
		"SMTP_PORT":         "abc",
		"SMTP_TLS":          "maybe",
		"SMTP_USER":         "mailer",
		"SMTP_FROM":         "noreply",
		"LOG_LEVEL":         "loud",
	}))
	want := []string{"TEMPORAL_ADDRESS", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_CERT", "DATABASE_URL",
		"SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_FROM", "LOG_LEVEL"}
	got := problemVars(err)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems name %q, want %q:\n%v", got, want, err)
	}
}

// TestLoadRedactsDatabasePassword: a refused DATABASE_URL is shown to
// help, but its password never appears in the error (which is logged).
func TestLoadRedactsDatabasePassword(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-Pw"
	tests := []struct {
		name string
		url  string
		show string // what the error should still show, if anything
	}{
		{"wrong scheme", "mysql://app:" + secret + "@db:3306/callcycle", "mysql://app:xxx@db:3306/callcycle"},
		{"typo in scheme", "postgress://app:" + secret + "@db:5432/callcycle", "app:xxx@db"},
		{"bad port", "postgres://app:" + secret + "@db:54x32/callcycle", ""},
		{"unescaped % in the password", "postgres://app:" + secret + "%@db:5432/callcycle", ""},
		{"unescaped / in the password", "postgres://app:" + secret + "/x@db:5432/callcycle", ""},
		{"no scheme", "app:" + secret + "@db:5432/callcycle", ""},
		{"keyword form", "host=db user=app password=" + secret + " dbname=callcycle", ""},
		{"password in the query", "postgress://db/callcycle?user=app&password=" + secret, ""},
		{"no password", "mysql://app@db/callcycle", `"mysql://app@db/callcycle"`},
		{"empty", "", `got ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{"DATABASE_URL": tt.url}))
			if err == nil {
				t.Fatal("accepted")
			}
			if secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("the error prints the password:\n%v", err)
			}
			if !strings.HasPrefix(err.Error(), "DATABASE_URL: ") {
				t.Errorf("the error does not name DATABASE_URL:\n%v", err)
			}
			if tt.show != "" && !strings.Contains(err.Error(), tt.show) {
				t.Errorf("the error does not show %q:\n%v", tt.show, err)
			}
		})
	}
}

// TestLoadEmptyMeansEmpty: a variable set to "" is not replaced by its
// default (an empty SMTP_USER turns authentication off).
func TestLoadEmptyMeansEmpty(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"SMTP_USER": "", "SMTP_PASSWORD": "", "TEMPORAL_TLS_CA": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.User != "" || c.Temporal.Profile.TLS != nil {
		t.Errorf("got %+v", c)
	}
}

func TestAnnualReportOn(t *testing.T) {
	t.Parallel()
	c, err := Load(func(k string) (string, bool) {
		if k == "ANNUAL_REPORT_ON" {
			return "02-15 07:30", true
		}
		return "", false
	})
	if err != nil || c.AnnualReport != (AnnualSchedule{Month: 2, Day: 15, Hour: 7, Minute: 30}) {
		t.Fatalf("%+v %v", c.AnnualReport, err)
	}
	_, err = Load(func(k string) (string, bool) {
		if k == "ANNUAL_REPORT_ON" {
			return "31-01", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "ANNUAL_REPORT_ON") {
		t.Fatalf("want an error naming ANNUAL_REPORT_ON, got %v", err)
	}
}
