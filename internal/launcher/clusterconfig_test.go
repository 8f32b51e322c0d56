package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
)

// The fast tier's checks of the cluster kind: its config files render
// from the variables the launcher and docker-compose.yml give them, the
// UI stays read-only, and bad settings that need no service stop it
// before anything is touched.

// render renders a deploy/ template as the server and the UI server do
// (text/template with sprig's env, default and quote; the UI server an
// html/template, which escapes what it prints), from env, and reads the
// YAML. A template using any other function fails here: keep them to
// these three, which every renderer has alike.
func render(t *testing.T, path string, env map[string]string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b[:min(len(b), 1024)]), "enable-template") {
		t.Fatalf("%s: no enable-template comment in its first 1 KB: the server would read it unrendered", path)
	}
	funcs := template.FuncMap{
		"env": func(k string) string { return env[k] },
		"default": func(def string, given ...string) string {
			if len(given) > 0 && given[0] != "" {
				return given[0]
			}
			return def
		},
		"quote": strconv.Quote,
	}
	var out bytes.Buffer
	if path == filepath.Join(root, ClusterUIConfig) {
		tpl, err := htmltemplate.New(filepath.Base(path)).Funcs(htmltemplate.FuncMap(funcs)).Parse(string(b))
		if err == nil {
			err = tpl.Execute(&out, nil)
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	} else {
		tpl, err := template.New(filepath.Base(path)).Funcs(funcs).Parse(string(b))
		if err == nil {
			err = tpl.Execute(&out, nil)
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var m map[string]any
	if err := yaml.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("%s rendered is not YAML: %v\n%s", path, err, out.String())
	}
	return m
}

func envMap(kv []string) map[string]string {
	m := map[string]string{}
	for _, e := range kv {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

// dig follows keys through nested maps.
func dig(t *testing.T, m map[string]any, keys ...string) any {
	t.Helper()
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a map at %q", strings.Join(keys, "."), k)
		}
		v = mm[k]
	}
	return v
}

var templateVar = regexp.MustCompile(`env "(\w+)"( \| default)?`)

// templateVars are the variables a template reads, and whether each has a
// default everywhere it is read.
func templateVars(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, m := range templateVar.FindAllStringSubmatch(string(b), -1) {
		had, seen := vars[m[1]]
		vars[m[1]] = (had || !seen) && m[2] != ""
	}
	return vars
}

var testDB = sqlTarget{Host: "db.example", Port: "5433", User: "tr", Password: "s3cret", Persistence: "tp", Visibility: "tv"}

func TestServerConfigRendersTheLaunchersSettings(t *testing.T) {
	cfg := render(t, filepath.Join(root, ClusterServerConfig), envMap(clusterServerEnv(testDB, ClusterDevPorts, "/x/dyn.yaml", "")))
	p := ClusterDevPorts
	for _, c := range []struct {
		keys []string
		want any
	}{
		{[]string{"services", "frontend", "rpc", "grpcPort"}, p.Frontend},
		{[]string{"services", "frontend", "rpc", "httpPort"}, p.FrontendHTTP},
		{[]string{"services", "frontend", "rpc", "membershipPort"}, p.FrontendMembership},
		{[]string{"services", "history", "rpc", "grpcPort"}, p.History},
		{[]string{"services", "history", "rpc", "membershipPort"}, p.HistoryMembership},
		{[]string{"services", "matching", "rpc", "grpcPort"}, p.Matching},
		{[]string{"services", "matching", "rpc", "membershipPort"}, p.MatchingMembership},
		{[]string{"services", "worker", "rpc", "grpcPort"}, p.Worker},
		{[]string{"services", "worker", "rpc", "membershipPort"}, p.WorkerMembership},
		{[]string{"services", "frontend", "rpc", "bindOnIP"}, Loopback},
		{[]string{"global", "metrics", "prometheus", "listenAddress"}, hostPort(p.Metrics)},
		{[]string{"global", "membership", "broadcastAddress"}, Loopback},
		{[]string{"persistence", "datastores", "postgres-default", "sql", "databaseName"}, "tp"},
		{[]string{"persistence", "datastores", "postgres-default", "sql", "connectAddr"}, "db.example:5433"},
		{[]string{"persistence", "datastores", "postgres-default", "sql", "user"}, "tr"},
		{[]string{"persistence", "datastores", "postgres-default", "sql", "password"}, "s3cret"},
		{[]string{"persistence", "datastores", "postgres-visibility", "sql", "databaseName"}, "tv"},
		{[]string{"persistence", "datastores", "postgres-visibility", "sql", "password"}, "s3cret"},
		{[]string{"clusterMetadata", "clusterInformation", "active", "rpcAddress"}, hostPort(p.Frontend)},
		{[]string{"dynamicConfigClient", "filepath"}, "/x/dyn.yaml"},
		{[]string{"log", "level"}, "warn"},
	} {
		if got := dig(t, cfg, c.keys...); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", strings.Join(c.keys, "."), got, c.want)
		}
	}
}

// Every variable the launcher or compose gives the server is one the
// template reads (a misspelt name would silently fall back to a
// default), and each the template reads without a default is given by both.
func TestServerConfigVariablesAgree(t *testing.T) {
	vars := templateVars(t, filepath.Join(root, ClusterServerConfig))
	launcher := envMap(clusterServerEnv(testDB, ClusterDevPorts, "/x", ""))
	compose := env(t, loadCompose(t)["temporal"].Environment)
	for who, given := range map[string]map[string]string{"launcher": launcher, "docker-compose.yml temporal": compose} {
		for k := range given {
			if _, ok := vars[k]; !ok && !slices.Contains([]string{"PATH", "HOME", "TMPDIR", "TZ", "LANG"}, k) {
				t.Errorf("%s sets %s, which %s does not read", who, k, ClusterServerConfig)
			}
		}
		for k, hasDefault := range vars {
			if _, ok := given[k]; !ok && !hasDefault {
				t.Errorf("%s does not set %s, which %s reads without a default", who, k, ClusterServerConfig)
			}
		}
	}
	// Compose's server renders the same file to a server of PostgreSQL
	// "postgresql" with its databases.
	cfg := render(t, filepath.Join(root, ClusterServerConfig), compose)
	if got := dig(t, cfg, "persistence", "datastores", "postgres-default", "sql", "connectAddr"); got != "postgresql:5432" {
		t.Errorf("compose server's PostgreSQL at %v, want postgresql:5432", got)
	}
	if got := dig(t, cfg, "services", "frontend", "rpc", "grpcPort"); fmt.Sprint(got) != strconv.Itoa(DevPorts.Temporal) {
		t.Errorf("compose server's frontend on %v, want %d (published as the dev port)", got, DevPorts.Temporal)
	}
}

// The UI server never offers a write action, whatever the variables say:
// each one is off in the file itself, not through a variable.
func TestUIConfigIsReadOnly(t *testing.T) {
	path := filepath.Join(root, ClusterUIConfig)
	off := []string{"disableWriteActions", "workflowTerminateDisabled", "workflowCancelDisabled", "workflowSignalDisabled",
		"workflowUpdateDisabled", "workflowResetDisabled", "batchActionsDisabled", "startWorkflowDisabled", "activityCommandsDisabled"}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range off {
		if !regexp.MustCompile(`(?m)^` + k + `: true$`).Match(b) {
			t.Errorf("%s: want the line %q (a literal, not a variable)", path, k+": true")
		}
	}
	compose := env(t, loadCompose(t)["temporal-ui"].Environment)
	for who, e := range map[string]map[string]string{"launcher": envMap(clusterUIEnv("127.0.0.1:17233", 18233, "default")), "compose": compose} {
		cfg := render(t, path, e)
		for _, k := range off {
			if cfg[k] != true {
				t.Errorf("%s: %s renders %s = %v, want true", who, path, k, cfg[k])
			}
		}
		vars := templateVars(t, path)
		for k := range e {
			if _, ok := vars[k]; !ok && !slices.Contains([]string{"PATH", "HOME", "TMPDIR", "TZ", "LANG"}, k) {
				t.Errorf("%s sets %s, which %s does not read", who, k, path)
			}
		}
	}
	cfg := render(t, path, envMap(clusterUIEnv("127.0.0.1:17233", 18233, "office")))
	if cfg["temporalGrpcAddress"] != "127.0.0.1:17233" || cfg["port"] != 18233 || cfg["host"] != Loopback || cfg["defaultNamespace"] != "office" {
		t.Errorf("launcher's UI renders %v %v %v %v", cfg["temporalGrpcAddress"], cfg["port"], cfg["host"], cfg["defaultNamespace"])
	}
}

// make cluster's ports are the server's defaults plus 10000, distinct,
// and none of them one of make dev's.
func TestClusterPortsBesideTheDevStack(t *testing.T) {
	p := ClusterDevPorts
	defaults := []int{7233, 7243, 7234, 7235, 7239, 6933, 6934, 6935, 6939, 8000}
	seen := map[int]bool{}
	for i, np := range p.named() {
		if np.Port != defaults[i]+10000 {
			t.Errorf("%s on %d, want %d", np.What, np.Port, defaults[i]+10000)
		}
		seen[np.Port] = true
	}
	cs := ClusterStackPorts
	for _, port := range []int{cs.TemporalUI, cs.SMTP, cs.MailpitUI} {
		seen[port] = true
	}
	if len(seen) != len(p.named())+3 {
		t.Errorf("cluster ports are not distinct: %+v %+v", p, cs)
	}
	for _, dev := range []int{DevPorts.Temporal, DevPorts.TemporalUI, DevPorts.SMTP, DevPorts.MailpitUI} {
		if seen[dev] {
			t.Errorf("cluster stack uses make dev's port %d", dev)
		}
	}
	if cs.Temporal != p.Frontend {
		t.Errorf("ClusterStackPorts.Temporal %d, ClusterDevPorts.Frontend %d", cs.Temporal, p.Frontend)
	}
	free, err := ClusterPorts{Frontend: 7}.withFree()
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int]bool{}
	for _, np := range free.named() {
		distinct[np.Port] = true
	}
	if free.Frontend != 7 || len(distinct) != len(free.named()) {
		t.Errorf("withFree kept %d, chose %+v", free.Frontend, free)
	}
	for _, np := range free.named()[1:] {
		if np.Port > 32767 { // the server stores them as a PostgreSQL smallint
			t.Errorf("withFree chose %d for %s, above 32767", np.Port, np.What)
		}
	}
}

// A port taken stops a cluster before anything else: the database here
// is unreachable, so any step past the port check would fail otherwise.
func TestClusterPortTakenIsFoundFirst(t *testing.T) {
	l, err := net.Listen("tcp", Loopback+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = StartTemporal(ctx, TemporalOptions{Kind: KindCluster, UIPort: -1,
		Cluster: ClusterOptions{DatabaseURL: "postgres://u:p@127.0.0.1:1/t", Ports: ClusterPorts{Metrics: port}}})
	var taken *PortTakenError
	if !errors.As(err, &taken) || taken.Port != port || !strings.Contains(err.Error(), strconv.Itoa(port)) || !strings.Contains(err.Error(), "metrics") {
		t.Fatalf("err = %v, want a PortTakenError naming port %d (Temporal metrics)", err, port)
	}
	// The stack checks its other fixed ports the same way.
	err = Preflight(ctx, StackOptions{Ports: Ports{SMTP: port}})
	if !errors.As(err, &taken) || taken.Port != port {
		t.Fatalf("Preflight: %v, want the SMTP port %d taken", err, port)
	}
}

func TestRetentionSetting(t *testing.T) {
	for in, want := range map[string]time.Duration{"3650d": DefaultRetention, "30d": 30 * 24 * time.Hour, "36h": 36 * time.Hour} {
		if got, err := ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ten years", "12h", "-3d"} {
		if _, err := ParseRetention(bad); err == nil {
			t.Errorf("ParseRetention(%q) accepted", bad)
		}
	}
	if got := FormatRetention(DefaultRetention); got != "3650d" {
		t.Errorf("FormatRetention(DefaultRetention) = %s", got)
	}
	// docker compose creates its namespace with the same default.
	if got := env(t, loadCompose(t)["temporal-setup"].Environment)["NAMESPACE_RETENTION"]; got != FormatRetention(DefaultRetention) {
		t.Errorf("compose NAMESPACE_RETENTION %q, launcher's DefaultRetention %s", got, FormatRetention(DefaultRetention))
	}
}

func TestSchemaVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{{"1.9", "1.18", -1}, {"1.18", "1.18", 0}, {"1.18", "1.2", 1}, {"2.0", "1.18", 1}, {"1.0", "1", 0}} {
		if got := compareVersions(c.a, c.b); (got > 0) != (c.sign > 0) || (got < 0) != (c.sign < 0) {
			t.Errorf("compareVersions(%s, %s) = %d", c.a, c.b, got)
		}
	}
	dir := t.TempDir()
	for _, v := range []string{"1.0", "1.9", "1.18", "1.2"} {
		d := filepath.Join(dir, "v"+v)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "manifest.json"), []byte(`{"CurrVersion": "`+v+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := shippedVersion(dir); err != nil || got != "1.18" {
		t.Errorf("shippedVersion = %s, %v; want 1.18", got, err)
	}
	if _, err := shippedVersion(t.TempDir()); err == nil {
		t.Error("shippedVersion of an empty folder succeeded")
	}
}

func TestConfigArgsLoadTheFile(t *testing.T) {
	got := configArgs("/repo/deploy/temporal/server.yaml")
	want := []string{"--root", "/repo/deploy/temporal", "--config", ".", "--env", "server"}
	if !slices.Equal(got, want) {
		t.Errorf("configArgs = %v, want %v", got, want)
	}
}
