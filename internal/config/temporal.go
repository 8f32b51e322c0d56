package config

import (
	"log/slog"
	"os"
	"slices"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// Temporal is how to reach the Temporal frontend, read by the SDK's
// envconfig from the TEMPORAL_* variables the temporal CLI reads
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_CLIENT_CERT_PATH, ...) and, only when TEMPORAL_CONFIG_FILE
// names one, a profile of a temporal.toml file (TEMPORAL_PROFILE). A
// developer's own CLI profile is not picked up by accident. Unlike
// envconfig alone, a variable set to "" counts as unset: a compose file
// that lists TEMPORAL_TLS_SERVER_NAME: "" must not turn TLS on.
type Temporal struct {
	Address   string // TEMPORAL_ADDRESS
	Namespace string // TEMPORAL_NAMESPACE
	// Profile holds the other settings (API key, TLS, authority); its
	// Address and Namespace are those above.
	Profile envconfig.ClientConfigProfile
}

// ClientOptions are the SDK client options of these settings.
func (t Temporal) ClientOptions() (client.Options, error) {
	p := t.Profile
	p.Address, p.Namespace = t.Address, t.Namespace
	return p.ToClientOptions(envconfig.ToClientOptionsRequest{})
}

// Renamed maps the names callcycle used before envconfig to the standard
// ones. The old names still work for one release, with a warning
// (Config.WarnDeprecated); a new name that is set wins.
var Renamed = map[string]string{
	"TEMPORAL_TLS_CERT": "TEMPORAL_TLS_CLIENT_CERT_PATH",
	"TEMPORAL_TLS_KEY":  "TEMPORAL_TLS_CLIENT_KEY_PATH",
	"TEMPORAL_TLS_CA":   "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
}

// Deprecated is an old variable name found set.
type Deprecated struct {
	Old, New string
	Ignored  bool // New is set too, and wins
}

// WarnDeprecated logs one warning per old variable name in use. Load
// cannot: the logger is built from its result.
func (c Config) WarnDeprecated(log *slog.Logger) {
	for _, d := range c.Deprecated {
		if d.Ignored {
			log.Warn("environment variable "+d.Old+" is ignored: "+d.New+" is set; remove "+d.Old, "variable", d.Old, "use", d.New)
			continue
		}
		log.Warn("environment variable "+d.Old+" is deprecated and goes in the next release; rename it "+d.New, "variable", d.Old, "use", d.New)
	}
}

// envLookup gives envconfig the variables through Load's Lookup, old
// names standing in for unset new ones. Environ is empty: Lookup cannot
// list variables, so TEMPORAL_GRPC_META_* headers are not read.
type envLookup struct{ get func(string) (string, bool) }

func (envLookup) Environ() []string { return nil }

func (e envLookup) LookupEnv(name string) (string, bool) {
	if v, ok := e.get(name); ok {
		return v, true
	}
	for old, n := range Renamed {
		if n == name {
			return e.get(old)
		}
	}
	return "", false
}

// loadTemporal reads the Temporal settings; bad names each problem by the
// variable that was set.
func loadTemporal(lookup Lookup, bad func(name, format string, args ...any)) (Temporal, []Deprecated) {
	set := func(name string) (string, bool) { // "" counts as unset
		v, ok := lookup(name)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	var deprecated []Deprecated
	for _, old := range []string{"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA"} {
		if _, ok := set(old); ok {
			_, newSet := set(Renamed[old])
			deprecated = append(deprecated, Deprecated{Old: old, New: Renamed[old], Ignored: newSet})
		}
	}
	// which names the variable that holds a setting, old or new.
	which := func(name string) string {
		if _, ok := set(name); !ok {
			for old, n := range Renamed {
				if _, oldSet := set(old); n == name && oldSet {
					return old
				}
			}
		}
		return name
	}
	file, _ := set("TEMPORAL_CONFIG_FILE")
	if _, ok := set("TEMPORAL_PROFILE"); ok && file == "" {
		bad("TEMPORAL_PROFILE", "names a profile of a temporal.toml file: set TEMPORAL_CONFIG_FILE to its path")
	}
	p, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: file, DisableFile: file == "", ConfigFileStrict: true, EnvLookup: envLookup{set}})
	if err != nil {
		bad("TEMPORAL_CONFIG_FILE", "%v", err)
	}
	t := Temporal{Address: p.Address, Namespace: p.Namespace, Profile: p}
	t.Profile.Address, t.Profile.Namespace = "", ""
	// Where to connect has a default, but one set to "" is a mistake,
	// not a wish for localhost.
	if v, ok := lookup("TEMPORAL_ADDRESS"); ok && strings.TrimSpace(v) == "" {
		bad("TEMPORAL_ADDRESS", "want host:port, got %q", v)
	} else if t.Address == "" {
		t.Address = Defaults["TEMPORAL_ADDRESS"]
	}
	if v, ok := lookup("TEMPORAL_NAMESPACE"); ok && strings.TrimSpace(v) == "" {
		bad("TEMPORAL_NAMESPACE", "must not be empty")
	} else if t.Namespace == "" {
		t.Namespace = Defaults["TEMPORAL_NAMESPACE"]
	}
	if t.Address != "" && !strings.Contains(t.Address, ":") {
		bad("TEMPORAL_ADDRESS", "want host:port, got %q", t.Address)
	}
	if tls := p.TLS; tls != nil {
		if (tls.ClientCertPath == "") != (tls.ClientKeyPath == "") {
			cert, key := which("TEMPORAL_TLS_CLIENT_CERT_PATH"), which("TEMPORAL_TLS_CLIENT_KEY_PATH")
			bad(cert, "%s and %s must be set together", cert, key)
		}
		for _, f := range [][2]string{{"TEMPORAL_TLS_CLIENT_CERT_PATH", tls.ClientCertPath}, {"TEMPORAL_TLS_CLIENT_KEY_PATH", tls.ClientKeyPath},
			{"TEMPORAL_TLS_SERVER_CA_CERT_PATH", tls.ServerCACertPath}} {
			if path := f[1]; path != "" {
				if _, err := os.Stat(path); err != nil {
					bad(which(f[0]), "cannot read %q: %v", path, err)
				}
			}
		}
	}
	return t, deprecated
}

// temporalNames are the TEMPORAL_* variables documented and set by the
// compose file; envconfig reads a few more (TEMPORAL_TLS_*_DATA,
// TEMPORAL_TLS_DISABLE_HOST_VERIFICATION, TEMPORAL_CLIENT_AUTHORITY).
var temporalNames = []string{
	"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS",
	"TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
	"TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_CONFIG_FILE", "TEMPORAL_PROFILE",
}

// Reads tells whether Load may read the variable name: one of Names, an
// old name of Renamed, or any TEMPORAL_* (envconfig reads more of them
// than Names lists). Launchers drop these from the environment they
// pass on, so that a developer's settings cannot leak into a child.
func Reads(name string) bool {
	return strings.HasPrefix(name, "TEMPORAL_") || slices.Contains(Names, name) || Renamed[name] != ""
}
