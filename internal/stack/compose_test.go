package stack

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
)

const root = "../.."

type service struct {
	Image       string    `yaml:"image"`
	Build       any       `yaml:"build"`
	Environment yaml.Node `yaml:"environment"`
	Volumes     []string  `yaml:"volumes"`
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// The dev server (scripts/stack.sh) and the compose setup script register
// the same search attributes with the same types.
func TestSearchAttributesAgree(t *testing.T) {
	t.Parallel()
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	block := regexp.MustCompile(`(?s)SEARCH_ATTRIBUTES=\((.*?)\)`).FindStringSubmatch(read("scripts/stack.sh"))
	if block == nil {
		t.Fatal("scripts/stack.sh: SEARCH_ATTRIBUTES=(...) not found")
	}
	dev := strings.Fields(block[1])
	var compose []string
	for _, m := range regexp.MustCompile(`--name (\w+) --type (\w+)`).FindAllStringSubmatch(read("deploy/temporal/setup-namespace.sh"), -1) {
		compose = append(compose, m[1]+"="+m[2])
	}
	slices.Sort(dev)
	slices.Sort(compose)
	if len(dev) == 0 || !slices.Equal(dev, compose) {
		t.Errorf("search attributes differ:\n scripts/stack.sh:                %v\n deploy/temporal/setup-namespace.sh: %v", dev, compose)
	}
}

// scripts/stack.sh starts the dev server with the pragmas the bench and the
// fault run use (internal/app.DevServerSQLitePragmas).
func TestSQLitePragmasAgree(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(root, "scripts/stack.sh"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`SQLITE_PRAGMAS=\((.*?)\)`).FindSubmatch(b)
	if block == nil {
		t.Fatal("scripts/stack.sh: SQLITE_PRAGMAS=(...) not found")
	}
	if got := strings.Fields(string(block[1])); !slices.Equal(got, app.DevServerSQLitePragmas) {
		t.Errorf("scripts/stack.sh SQLITE_PRAGMAS %v, internal/app %v", got, app.DevServerSQLitePragmas)
	}
}
