package launcher

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/workflows"
)

// This file checks docker-compose.yml and deploy/ against the launcher
// (the stack without Docker), so that a port, setting or search attribute
// cannot change in one and be forgotten in the other.

const root = "../.."

type service struct {
	Image       string    `yaml:"image"`
	Entrypoint  []string  `yaml:"entrypoint"`
	Build       any       `yaml:"build"`
	Environment yaml.Node `yaml:"environment"`
	Volumes     []string  `yaml:"volumes"`
	Ports       []string  `yaml:"ports"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func loadCompose(t *testing.T) map[string]service {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return f.Services
}

// env reads a service's environment in either compose form: a map, or a
// list of KEY=VALUE strings.
func env(t *testing.T, n yaml.Node) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch n.Kind {
	case 0: // absent
	case yaml.MappingNode:
		if err := n.Decode(&out); err != nil {
			t.Fatalf("environment: %v", err)
		}
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			t.Fatalf("environment: %v", err)
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
	default:
		t.Fatalf("environment: unexpected YAML kind %v", n.Kind)
	}
	return out
}

func TestComposeServices(t *testing.T) {
	services := loadCompose(t)
	for _, name := range []string{"postgresql", "temporal", "temporal-admin-tools", "temporal-ui", "mailpit", "worker"} {
		if _, ok := services[name]; !ok {
			t.Errorf("service %q missing", name)
		}
	}
	if services["worker"].Build == nil {
		t.Error("worker must be built from the repository Dockerfile")
	}
}

// A pinned tag is a version number (15.15, v1.33.1), or the image is pinned by digest.
var pinnedTag = regexp.MustCompile(`^v?[0-9]+\.[0-9]+`)

func TestComposeImagesPinned(t *testing.T) {
	for name, s := range loadCompose(t) {
		if s.Image == "" {
			if s.Build == nil {
				t.Errorf("%s: neither image nor build", name)
			}
			continue
		}
		if strings.Contains(s.Image, "@sha256:") {
			continue
		}
		// The tag follows the last ':' after the last '/' (a registry may carry a port).
		last := s.Image[strings.LastIndex(s.Image, "/")+1:]
		_, tag, ok := strings.Cut(last, ":")
		switch {
		case !ok || tag == "":
			t.Errorf("%s: image %q has no tag", name, s.Image)
		case tag == "latest" || !pinnedTag.MatchString(tag):
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}
}

func TestComposeWorkerEnvironment(t *testing.T) {
	got := env(t, loadCompose(t)["worker"].Environment)
	for _, name := range config.Names {
		if _, ok := got[name]; !ok {
			t.Errorf("worker environment does not set %s", name)
		}
	}
	for name := range got {
		if !slices.Contains(config.Names, name) {
			t.Errorf("worker environment sets %s, which internal/config does not read", name)
		}
	}
}

// Bind mounts of repository folders must point at something that exists.
func TestComposeBindMountsExist(t *testing.T) {
	for name, s := range loadCompose(t) {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, "./") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("%s: volume %q: %v", name, v, err)
			}
		}
	}
}

// The launcher's dev server and the compose setup script register the
// same search attributes with the same types.
func TestSearchAttributesAgree(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "deploy/temporal/setup-namespace.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var dev, compose []string
	for _, sa := range workflows.SearchAttributeTypes {
		dev = append(dev, sa.Name+"="+sa.Type)
	}
	for _, m := range regexp.MustCompile(`--name (\w+) --type (\w+)`).FindAllStringSubmatch(string(b), -1) {
		compose = append(compose, m[1]+"="+m[2])
	}
	slices.Sort(dev)
	slices.Sort(compose)
	if len(dev) == 0 || !slices.Equal(dev, compose) {
		t.Errorf("search attributes differ:\n workflows.SearchAttributeTypes:      %v\n deploy/temporal/setup-namespace.sh: %v", dev, compose)
	}
}

// make dev and docker compose publish the same ports on the host, so the
// README's addresses hold for both.
func TestComposePortsAreDevPorts(t *testing.T) {
	services := loadCompose(t)
	want := map[string][]int{
		"temporal":    {DevPorts.Temporal},
		"temporal-ui": {DevPorts.TemporalUI},
		"mailpit":     {DevPorts.MailpitUI, DevPorts.SMTP},
		"postgresql":  {5432},
		"worker":      {DevPorts.Worker},
		"portal":      {DevPorts.Portal, DevPorts.PortalOps},
	}
	for name, ports := range want {
		var got []int
		for _, p := range services[name].Ports {
			host, _, _ := strings.Cut(strings.Trim(p, `"`), ":")
			n, err := strconv.Atoi(host)
			if err != nil {
				t.Errorf("%s: port %q: %v", name, p, err)
			}
			got = append(got, n)
		}
		slices.Sort(got)
		slices.Sort(ports)
		if !slices.Equal(got, ports) {
			t.Errorf("%s publishes %v, the launcher's DevPorts %v", name, got, ports)
		}
	}
}

// The compose worker's healthcheck is its own -healthcheck on the address
// it serves /readyz at.
func TestComposeWorkerHealthcheck(t *testing.T) {
	w := loadCompose(t)["worker"]
	if got := env(t, w.Environment)["WORKER_HTTP_ADDR"]; got != fmt.Sprintf("0.0.0.0:%d", DevPorts.Worker) {
		t.Errorf("worker WORKER_HTTP_ADDR %q, want 0.0.0.0:%d", got, DevPorts.Worker)
	}
	if got := strings.Join(w.Healthcheck.Test, " "); got != "CMD /usr/local/bin/worker -healthcheck" {
		t.Errorf("worker healthcheck %q, want the worker's -healthcheck", got)
	}
}

// The compose Mailpit is the version Tools builds.
func TestComposeMailpitVersion(t *testing.T) {
	if got, want := loadCompose(t)["mailpit"].Image, "axllent/mailpit:"+MailpitVersion; got != want {
		t.Errorf("compose mailpit image %q, Tools builds %s", got, want)
	}
}

// The compose server's dynamic config is the file the dev server reads
// too (StackOptions.DynamicConfigFile), and the launcher reads it as the
// server does.
func TestDynamicConfigShared(t *testing.T) {
	kv, err := DynamicConfigValues(filepath.Join(root, DevDynamicConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"frontend.enableServerVersionCheck=false", "frontend.persistenceMaxQPS=10000",
		"history.persistenceMaxQPS=45000", "limit.maxIDLength=255", "system.forceSearchAttributesCacheRefreshOnRead=true"}
	if !slices.Equal(kv, want) {
		t.Errorf("%s read as %v, want %v", DevDynamicConfig, kv, want)
	}
	temporal := loadCompose(t)["temporal"]
	inside := mountedAt(t, temporal, DevDynamicConfig)
	if got := env(t, temporal.Environment)["DYNAMIC_CONFIG_FILE_PATH"]; inside == "" || got != inside {
		t.Errorf("compose temporal reads dynamic config %q; %s is mounted at %q", got, DevDynamicConfig, inside)
	}
}

// mountedAt is where a service's bind mounts put the repository file
// rel, "" when none does.
func mountedAt(t *testing.T, s service, rel string) string {
	t.Helper()
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			continue
		}
		src := strings.TrimSuffix(strings.TrimPrefix(parts[0], "./"), "/")
		if src == rel {
			return parts[1]
		}
		if sub, ok := strings.CutPrefix(rel, src+"/"); ok {
			return strings.TrimSuffix(parts[1], "/") + "/" + sub
		}
	}
	return ""
}

// The compose images are the versions of the binaries make cluster
// builds: the server, the UI server, and admin tools of the same server
// release (their temporal-sql-tool and schema).
func TestComposeImagesAreTheClusterVersions(t *testing.T) {
	services := loadCompose(t)
	server := strings.TrimPrefix(TemporalServerVersion, "v")
	if got, want := services["temporal"].Image, "temporalio/server:"+server; got != want {
		t.Errorf("compose temporal image %q, make cluster builds %s %s", got, TemporalServerModule, TemporalServerVersion)
	}
	if got, want := services["temporal-ui"].Image, "temporalio/ui:"+strings.TrimPrefix(TemporalUIVersion, "v"); got != want {
		t.Errorf("compose temporal-ui image %q, make cluster builds %s %s", got, TemporalUIModule, TemporalUIVersion)
	}
	for _, name := range []string{"temporal-admin-tools", "temporal-setup"} {
		img := services[name].Image
		tag, _ := strings.CutPrefix(img, "temporalio/admin-tools:")
		if tag != server && !strings.HasPrefix(tag, server+"-") {
			t.Errorf("compose %s image %q: want temporalio/admin-tools of server %s", name, img, server)
		}
	}
}

// Compose's server and UI read the very files the launcher gives the
// binaries, where each image looks for its configuration.
func TestComposeUsesTheClusterConfigFiles(t *testing.T) {
	services := loadCompose(t)
	temporal := services["temporal"]
	if len(temporal.Entrypoint) < 2 || !strings.HasSuffix(temporal.Entrypoint[1], "/start-server.sh") {
		t.Fatalf("compose temporal entrypoint %v: want deploy/temporal/start-server.sh", temporal.Entrypoint)
	}
	script := mountedAt(t, temporal, "deploy/temporal/start-server.sh")
	if script != temporal.Entrypoint[1] {
		t.Errorf("compose temporal runs %s, which is not deploy/temporal/start-server.sh (mounted at %q)", temporal.Entrypoint[1], script)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy/temporal/start-server.sh"))
	if err != nil {
		t.Fatal(err)
	}
	// start-server.sh loads <root>/<config>/<env>.yaml: ClusterServerConfig.
	m := regexp.MustCompile(`--root (\S+) --config \. --env (\w+)`).FindStringSubmatch(string(b))
	if m == nil || m[1]+"/"+m[2]+".yaml" != mountedAt(t, temporal, ClusterServerConfig) {
		t.Errorf("start-server.sh loads %v; %s is mounted at %q", m, ClusterServerConfig, mountedAt(t, temporal, ClusterServerConfig))
	}
	if got := mountedAt(t, services["temporal-ui"], ClusterUIConfig); got != "/home/ui-server/config/docker.yaml" {
		t.Errorf("compose temporal-ui mounts %s at %q, want the image's /home/ui-server/config/docker.yaml", ClusterUIConfig, got)
	}
}
