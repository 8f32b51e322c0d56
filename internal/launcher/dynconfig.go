package launcher

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"go.yaml.in/yaml/v3"
)

// DevDynamicConfig is the Temporal dynamic config docker-compose.yml
// mounts into its server; `make dev` gives the dev server the same
// values, so the two stacks behave alike.
const DevDynamicConfig = "deploy/temporal/dynamicconfig/development-sql.yaml"

// DynamicConfigValues reads a Temporal dynamic config file as the dev
// server's --dynamic-config-value KEY=JSON settings, sorted by key: each
// key's unconstrained value (the dev server has no per-namespace values).
func DynamicConfigValues(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file map[string][]struct {
		Value       any            `yaml:"value"`
		Constraints map[string]any `yaml:"constraints"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var kv []string
	for key, entries := range file {
		for _, e := range entries {
			if len(e.Constraints) > 0 {
				continue
			}
			v, err := json.Marshal(e.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, key, err)
			}
			kv = append(kv, key+"="+string(v))
		}
	}
	sort.Strings(kv)
	return kv, nil
}
