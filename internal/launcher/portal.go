package launcher

import (
	"context"
	"fmt"
	"os"
	"time"
)

// PortalOptions configure StartPortal.
type PortalOptions struct {
	Bin             string // built by BuildPortal
	TemporalAddress string
	Namespace       string // "" is "default"
	DatabaseURL     string
	Port, OpsPort   int // PORTAL_ADDR and PORTAL_OPS_ADDR on loopback; 0 a free one
	Env             []string
	Dir, LogPath    string
	Detach          bool
	OnExit          func(p *Process, err error)
	InheritSettings bool
}

// Portal is the portal binary running as a process.
type Portal struct {
	proc *Process
	// URL is the API's base, OpsURL the base of /livez, /readyz, /metrics.
	URL, OpsURL string
}

// StartPortal starts the portal and waits, bounded by ctx, until its
// /readyz answers 200 (it reaches PostgreSQL and Temporal).
func StartPortal(ctx context.Context, opts PortalOptions) (*Portal, error) {
	port, err := portOr(opts.Port)
	if err != nil {
		return nil, err
	}
	ops, err := portOr(opts.OpsPort)
	if err != nil {
		return nil, err
	}
	p := &Portal{URL: "http://" + hostPort(port), OpsURL: "http://" + hostPort(ops)}
	env := WorkerEnv(os.Environ(), opts.InheritSettings,
		"TEMPORAL_ADDRESS="+opts.TemporalAddress, "TEMPORAL_NAMESPACE="+or(opts.Namespace, "default"),
		"DATABASE_URL="+opts.DatabaseURL, "PORTAL_ADDR="+hostPort(port), "PORTAL_OPS_ADDR="+hostPort(ops))
	p.proc = &Process{Name: "portal", Bin: opts.Bin, Env: append(env, opts.Env...), Dir: opts.Dir,
		LogPath: opts.LogPath, Detach: opts.Detach, OnExit: opts.OnExit}
	err = p.proc.restart(ctx, 30*time.Second, 2*time.Minute, func(ctx context.Context) bool {
		return httpOK(ctx, p.OpsURL+"/readyz")
	})
	if err := killOnError(p.proc, err); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return p, nil
}

// Process is the portal's process.
func (p *Portal) Process() *Process { return p.proc }

// Stop sends SIGTERM: requests under way finish.
func (p *Portal) Stop() { p.proc.Stop(30 * time.Second) }

// BuildPortal builds ./portal of the module at root into out.
func BuildPortal(ctx context.Context, root, out string) error {
	return goBuild(ctx, root, out, "./portal")
}
