package launcher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/callcycle/callcycle/internal/app"
)

// resolved fills what StackOptions leave to defaults, and names the
// fresh Temporal databases a cluster stack without a DatabaseURL gets.
func (o StackOptions) resolved() (StackOptions, []string) {
	if o.SQLitePragmas == nil {
		o.SQLitePragmas = app.DevServerSQLitePragmas
	}
	o.LogDir = or(o.LogDir, o.Dir)
	o.Namespace = or(o.Namespace, "default")
	o.Workers = max(o.Workers, 1)
	if o.TemporalKind != KindCluster {
		return o, nil
	}
	c := &o.Cluster
	c.ServerBin = or(c.ServerBin, o.Tools.TemporalServer())
	c.SQLToolBin = or(c.SQLToolBin, o.Tools.TemporalSQLTool())
	c.UIBin = or(c.UIBin, o.Tools.TemporalUIServer())
	c.SchemaDir = or(c.SchemaDir, o.Tools.TemporalSchema())
	c.ConfigFile = or(c.ConfigFile, filepath.Join(o.Root, ClusterServerConfig))
	c.UIConfigFile = or(c.UIConfigFile, filepath.Join(o.Root, ClusterUIConfig))
	c.DynamicConfigFile = or(c.DynamicConfigFile, or(o.DynamicConfigFile, filepath.Join(o.Root, DevDynamicConfig)))
	if c.DatabaseURL != "" {
		return o, nil
	}
	// On the stack's own server and role, which may create databases.
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := or(o.DBPrefix, "cc_stack_") + "temporal_" + hex.EncodeToString(b[:])
	admin := o.Postgres.AdminURL
	if o.DatabaseURL != "" {
		admin = o.DatabaseURL
	}
	c.DatabaseURL = (&Postgres{AdminURL: or(admin, DefaultAdminURL)}).DatabaseURL(name)
	c.VisibilityDatabase = name + "_visibility"
	return o, []string{name, c.VisibilityDatabase}
}

// temporalOptions are the stack's Temporal server's options.
func (o StackOptions) temporalOptions() (TemporalOptions, error) {
	ui := -1
	if o.Ports.TemporalUI != 0 {
		ui = o.Ports.TemporalUI
	}
	t := TemporalOptions{Kind: or0(o.TemporalKind, KindDev), Bin: o.Tools.Temporal(),
		Port: o.Ports.Temporal, UIPort: ui, Namespace: o.Namespace,
		SearchAttributes: WorkflowSearchAttributes(), Detach: o.Detach, ClientLog: o.ClientLog, Progress: o.Progress,
		LogPath: filepath.Join(o.LogDir, "temporal.log"), UILogPath: filepath.Join(o.LogDir, "temporal-ui.log")}
	if t.Kind == KindCluster {
		t.Cluster = o.Cluster
		return t, nil
	}
	t.StateFile, t.SQLitePragmas = filepath.Join(o.Dir, "temporal.db"), o.SQLitePragmas
	if o.DynamicConfigFile != "" {
		var err error
		if t.DynamicConfig, err = DynamicConfigValues(o.DynamicConfigFile); err != nil {
			return t, err
		}
	}
	return t, nil
}

// Preflight finds the bad settings a StartStack with opts would stop on
// part-way, changing nothing: a fixed port another process holds, and for
// a cluster a wrong database password or a Temporal schema older than the
// binary. Services a detached stack would adopt are not checked (their
// ports are theirs). StartStack runs it first; a caller that prepares
// something before StartStack (devstack makes its database) runs it
// before that.
func Preflight(ctx context.Context, opts StackOptions) error {
	opts, _ = opts.resolved()
	return preflight(ctx, opts)
}

func preflight(ctx context.Context, o StackOptions) error {
	topts, err := o.temporalOptions()
	if err != nil {
		return err
	}
	adopting := func(name string) bool { return o.Detach && RecordedPid(o.Dir, name) != 0 }
	switch {
	case topts.Kind == KindCluster && !adopting("temporal"):
		if _, _, err := planCluster(ctx, topts); err != nil {
			return err
		}
	case topts.Kind != KindCluster && !o.Detach: // a detached dev stack adopts any healthy server there
		if err := portsFree([]namedPort{{"Temporal frontend gRPC", o.Ports.Temporal}, {"Temporal Web UI", o.Ports.TemporalUI}}); err != nil {
			return err
		}
	}
	var workers []namedPort
	for i, name := range workerNames(o.Workers) {
		if !adopting(name) {
			workers = append(workers, namedPort{"worker " + name + " /readyz and /metrics", o.Ports.workerPort(i)})
		}
	}
	if o.Portal && !adopting("portal") {
		workers = append(workers, namedPort{"portal API", o.Ports.Portal}, namedPort{"portal /readyz and /metrics", o.Ports.PortalOps})
	}
	if len(o.IDPUsers) > 0 && !adopting("oidc-provider") {
		workers = append(workers, namedPort{"OpenID Connect provider", o.Ports.IDP})
	}
	if err := portsFree(workers); err != nil {
		return err
	}
	if !o.Detach { // a detached stack adopts any SMTP sink there
		return portsFree([]namedPort{{"Mailpit SMTP", o.Ports.SMTP}, {"Mailpit web UI", o.Ports.MailpitUI}})
	}
	return nil
}

// adoptClusterUI starts the UI server of an adopted cluster if it is not
// running (it exited, or was stopped alone).
func (s *Stack) adoptClusterUI(ctx context.Context, topts TemporalOptions, addr string) error {
	if topts.UIPort < 0 || RecordedPid(s.opts.Dir, "temporal-ui") != 0 {
		return nil
	}
	if err := portsFree([]namedPort{{"Temporal Web UI", topts.UIPort}}); err != nil {
		return err
	}
	c := &ClusterServer{opts: topts, addr: addr}
	if err := c.startUI(ctx, topts.UIPort); err != nil {
		return fmt.Errorf("restart the Temporal Web UI of the running cluster: %w", err)
	}
	c.ui.OnExit = s.opts.OnExit
	return s.record("temporal-ui", c.ui)
}
