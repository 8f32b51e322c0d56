package launcher

import (
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
	Build       any       `yaml:"build"`
	Environment yaml.Node `yaml:"environment"`
	Volumes     []string  `yaml:"volumes"`
	Ports       []string  `yaml:"ports"`
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
	want := []string{"limit.maxIDLength=255", "system.forceSearchAttributesCacheRefreshOnRead=true"}
	if !slices.Equal(kv, want) {
		t.Errorf("%s read as %v, want %v", DevDynamicConfig, kv, want)
	}
	found := false
	for _, v := range loadCompose(t)["temporal"].Volumes {
		src, _, _ := strings.Cut(v, ":")
		found = found || strings.TrimPrefix(src, "./") == filepath.Dir(DevDynamicConfig)
	}
	if !found {
		t.Errorf("compose temporal does not mount %s", filepath.Dir(DevDynamicConfig))
	}
}
