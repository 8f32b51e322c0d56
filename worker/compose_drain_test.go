package main_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/config"
	"go.yaml.in/yaml/v3"
)

// TestComposeGivesTheDrainTime: `docker compose stop` sends SIGTERM and
// kills the worker after stop_grace_period (10 s unless set); a kill
// before WORKER_STOP_TIMEOUT would cut the drain short.
func TestComposeGivesTheDrainTime(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			StopGracePeriod string            `yaml:"stop_grace_period"`
			Environment     map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	w, ok := f.Services["worker"]
	if !ok {
		t.Fatal("docker-compose.yml has no worker service")
	}
	drain := config.Defaults["WORKER_STOP_TIMEOUT"]
	if v, ok := w.Environment["WORKER_STOP_TIMEOUT"]; ok {
		drain = v
	}
	d, err := time.ParseDuration(drain)
	if err != nil {
		t.Fatalf("WORKER_STOP_TIMEOUT %q: %v", drain, err)
	}
	grace := 10 * time.Second // compose's default
	if w.StopGracePeriod != "" {
		if grace, err = time.ParseDuration(w.StopGracePeriod); err != nil {
			t.Fatalf("stop_grace_period %q: %v", w.StopGracePeriod, err)
		}
	}
	if grace < d+5*time.Second {
		t.Errorf("the worker's stop_grace_period (%s) must exceed WORKER_STOP_TIMEOUT (%s) by a margin for the exit", grace, d)
	}
}
