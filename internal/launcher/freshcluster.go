package launcher

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/app"
)

// FreshCluster is a KindCluster server on databases of its own, made on
// the server and role of adminURL (which may create databases): what a
// service test starts instead of a dev server when the suite runs on the
// cluster kind. Stop ends the server and drops both databases.
type FreshCluster struct {
	*ClusterServer
	adminURL  string
	databases []string
}

// StartFreshCluster starts a cluster server with opts (LogPath, LogLevel,
// SearchAttributes… as for StartTemporal) on fresh databases named
// prefix…, the tools of tl and the config files of the module at root,
// as a cluster stack without a DatabaseURL would.
func StartFreshCluster(ctx context.Context, root string, tl Tools, adminURL, prefix string, opts TemporalOptions) (*FreshCluster, error) {
	so, fresh := StackOptions{Root: root, Tools: tl, TemporalKind: KindCluster, DBPrefix: prefix,
		Postgres: PostgresOptions{AdminURL: adminURL}, Cluster: opts.Cluster}.resolved()
	opts.Kind, opts.Cluster = KindCluster, so.Cluster
	f := &FreshCluster{adminURL: or(adminURL, DefaultAdminURL), databases: fresh}
	t, err := StartTemporal(ctx, opts)
	if err != nil {
		f.drop()
		return nil, err
	}
	f.ClusterServer = t.(*ClusterServer)
	return f, nil
}

// Stop stops the server and drops its databases.
func (f *FreshCluster) Stop() {
	f.ClusterServer.Stop()
	f.drop()
}

func (f *FreshCluster) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pg, err := StartPostgres(ctx, PostgresOptions{AdminURL: f.adminURL})
	if err != nil {
		return
	}
	defer pg.Close()
	for _, name := range f.databases {
		_ = app.DropDatabase(ctx, pg.admin, name)
	}
}
