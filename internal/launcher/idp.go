package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The identity provider for make dev and the tests: the OpenID Provider
// example server of zitadel/oidc (an OpenID-certified provider library),
// built from the module proxy like the other tools. It signs its ID
// tokens with its own RSA key and publishes it, so the portal checks
// real signatures; its users come from a JSON file (IDPUser).
const (
	IDPModule  = "github.com/zitadel/oidc/v3"
	IDPVersion = "v3.52.0"
	// IDPClientID and IDPClientSecret are the confidential web client the
	// example server registers for the redirect URIs it is given.
	IDPClientID     = "web"
	IDPClientSecret = "secret"
)

// OIDCProvider is the provider's binary.
func (t Tools) OIDCProvider() string {
	return filepath.Join(t.Dir, "oidc-provider-"+IDPVersion, "server")
}

func (t Tools) ensureIDP(ctx context.Context) error {
	if builtFrom(t.OIDCProvider(), IDPModule, IDPVersion) {
		return nil
	}
	return t.installInto(ctx, filepath.Dir(t.OIDCProvider()), "the OpenID Connect provider (zitadel/oidc example server)",
		IDPModule+"/example/server@"+IDPVersion, "about a minute")
}

// IDPUser is a person the provider knows (its users file's fields).
type IDPUser struct {
	ID            string `json:"ID"`
	Username      string `json:"Username"`
	Password      string `json:"Password"`
	FirstName     string `json:"FirstName"`
	LastName      string `json:"LastName"`
	Email         string `json:"Email"`
	EmailVerified bool   `json:"EmailVerified"`
	// PreferredLanguage is a BCP 47 tag ("fr").
	PreferredLanguage string `json:"PreferredLanguage"`
}

// IDPOptions configure StartIDP.
type IDPOptions struct {
	Bin          string
	Port         int // 0: a free one
	Users        []IDPUser
	RedirectURIs []string // the portal's /auth/callback
	Dir, LogPath string
	Detach       bool
}

// IDP is the provider running as a process.
type IDP struct {
	proc *Process
	// Issuer is the provider's issuer URL (http://localhost:PORT/).
	Issuer string
}

// StartIDP writes the users file and starts the provider, waiting for its
// discovery document.
func StartIDP(ctx context.Context, opts IDPOptions) (*IDP, error) {
	port, err := portOr(opts.Port)
	if err != nil {
		return nil, err
	}
	users := map[string]IDPUser{}
	for _, u := range opts.Users {
		users[u.ID] = u
	}
	b, err := json.Marshal(users)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(opts.Dir, "idp-users.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	// The example server names its issuer after localhost and the port;
	// it listens on every interface of the port (its own code), which
	// only loopback reaches on a dev machine or in CI.
	p := &IDP{Issuer: fmt.Sprintf("http://localhost:%d/", port)}
	p.proc = &Process{Name: "oidc-provider", Bin: opts.Bin, Dir: opts.Dir, LogPath: opts.LogPath, Detach: opts.Detach,
		Env: append(os.Environ(), "PORT="+strconv.Itoa(port), "USERS_FILE="+file, "REDIRECT_URI="+strings.Join(opts.RedirectURIs, ","))}
	err = p.proc.restart(ctx, 10*time.Second, time.Minute, func(ctx context.Context) bool {
		return httpOK(ctx, p.Issuer+".well-known/openid-configuration")
	})
	if err := killOnError(p.proc, err); err != nil {
		return nil, fmt.Errorf("identity provider: %w", err)
	}
	return p, nil
}

// Stop stops the provider.
func (p *IDP) Stop() { p.proc.Stop(10 * time.Second) }
