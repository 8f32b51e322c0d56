package launcher

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
)

// Ports of a stack; 0 is a free port.
type Ports struct {
	Temporal, TemporalUI int
	SMTP, MailpitUI      int
	// Worker is the first worker's /livez, /readyz and /metrics; the
	// n-th worker's is Worker+n-1.
	Worker int
	// Portal is the portal's API, PortalOps its /livez, /readyz, /metrics.
	Portal, PortalOps int
	// IDP is the OpenID Connect provider (StackOptions.IDPUsers).
	IDP int
}

// DevPorts are `make dev`'s fixed ports, the ones the README and
// docker-compose.yml name (compose_test.go checks they agree).
var DevPorts = Ports{Temporal: 7233, TemporalUI: 8233, SMTP: 1025, MailpitUI: 8025, Worker: 7240, Portal: 7280, PortalOps: 7281, IDP: 7290}

// StackOptions configure StartStack.
type StackOptions struct {
	Root string // the module (the worker is built from it, and runs in it)
	Dir  string // state files, pid files (Detach) and the worker's out/
	// LogDir holds <service>.log; "" is Dir.
	LogDir string
	Tools  Tools
	Ports  Ports // zero: free ports; DevPorts for make dev (then also a UI)
	// Postgres is the server; DatabaseURL, when set, is used as it is,
	// otherwise a fresh database named DBPrefix… is made and dropped by Stop.
	Postgres    PostgresOptions
	DatabaseURL string
	DBPrefix    string
	// TemporalKind is the kind of server ("" is the dev server, with its
	// state in Dir/temporal.db and these pragmas; nil is the dev stack's).
	TemporalKind  Kind
	SQLitePragmas []string
	// DynamicConfigFile gives the server these dynamic config values
	// (DevDynamicConfig: the ones docker-compose.yml's server has); a
	// cluster reads Root's DevDynamicConfig when it is "".
	DynamicConfigFile string
	// Namespace of the stack's Temporal ("" is "default").
	Namespace string
	// Cluster configures a KindCluster stack. What is left empty comes
	// from Tools (binaries, schema) and Root (deploy/ files); an empty
	// DatabaseURL is fresh Temporal databases beside the stack's own
	// (DBPrefix…), dropped by Stop like it.
	Cluster    ClusterOptions
	MailpitMax int
	// WorkerBin is run as the worker; "" builds ./worker into Dir.
	WorkerBin string
	WorkerEnv []string
	// Portal starts the portal after the workers: PortalBin, or ./portal
	// built into Dir when that is "".
	Portal    bool
	PortalBin string
	// IDPUsers, when any, start the OpenID Connect provider with them
	// before the portal, which signs staff in through it.
	IDPUsers []IDPUser
	// Workers is how many worker processes poll the task queue, all of
	// the same binary (0 is one): "worker", "worker-2"…
	Workers int
	// Detach: the processes outlive the caller and are recorded in Dir,
	// and services already running from an earlier StartStack on the same
	// Dir (or, for the servers, anything healthy on their ports) are
	// adopted instead of started again (make dev).
	Detach bool
	// OnExit is told of a service that exited without being asked to (the
	// fault run restarts it, as an operator's supervisor would).
	OnExit func(p *Process, err error)
	// ClientLog receives the Temporal client's warnings; nil discards them.
	ClientLog io.Writer
	// Progress receives the long or state-changing steps of a start (a
	// schema upgrade); nil discards them.
	Progress io.Writer
}

// Stack is a running set of the services callcycle needs, in the order
// they start: PostgreSQL (and a database), Temporal, Mailpit, the
// workers. With Detach a service adopted from an earlier run has only its
// address here (Temporal, Mailpit or a worker is then nil).
type Stack struct {
	opts            StackOptions
	Postgres        *Postgres
	DB              *Database // nil when DatabaseURL was given
	DatabaseURL     string
	Temporal        Temporal
	TemporalAddress string
	TemporalUI      string
	Mailpit         *Mailpit
	SMTPPort        int
	MailpitAPI      string
	// Worker is Workers[0], the one worker of a stack that has one.
	Worker  *Worker
	Workers []*Worker
	// Portal runs when StackOptions.Portal (nil when adopted);
	// PortalURL is its API either way.
	Portal    *Portal
	PortalURL string
	// IDP runs when StackOptions.IDPUsers (nil when adopted); IDPIssuer
	// is its issuer either way.
	IDP       *IDP
	IDPIssuer string
	// TemporalDatabaseURL is a cluster's persistence database ("" for the
	// dev server).
	TemporalDatabaseURL string
	// freshTemporalDBs are the cluster's databases made for this stack,
	// dropped by Stop.
	freshTemporalDBs []string
}

// StartStack brings every service up in dependency order, each readiness
// wait bounded by ctx; on an error it stops what it started. This is the
// one place a new service of the stack is added: its Start here, its
// Stop in Stop, its name in stackServices.
//
// Bad settings (a port taken, a wrong database password, an old Temporal
// schema) are found first, by Preflight, before anything is changed.
func StartStack(ctx context.Context, opts StackOptions) (s *Stack, err error) {
	opts, fresh := opts.resolved()
	if err := preflight(ctx, opts); err != nil {
		return nil, err
	}
	for _, d := range []string{filepath.Join(opts.Dir, "out"), opts.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	s = &Stack{opts: opts, freshTemporalDBs: fresh}
	if opts.TemporalKind == KindCluster {
		s.TemporalDatabaseURL = opts.Cluster.DatabaseURL
	}
	defer func() {
		if err != nil {
			s.Stop()
			s = nil
		}
	}()
	pg := opts.Postgres
	if opts.DatabaseURL != "" {
		// Someone's database, used as it is: only checked to answer.
		pg.AdminURL = opts.DatabaseURL
	}
	if s.Postgres, err = StartPostgres(ctx, pg); err != nil {
		return s, err
	}
	s.DatabaseURL = opts.DatabaseURL
	if s.DatabaseURL == "" {
		if s.DB, err = s.Postgres.CreateDatabase(ctx, or(opts.DBPrefix, "cc_stack_")); err != nil {
			return s, err
		}
		s.DatabaseURL = s.DB.URL
	}
	if err = s.startTemporal(ctx); err != nil {
		return s, err
	}
	if err = s.startMailpit(ctx); err != nil {
		return s, err
	}
	if err = s.startWorker(ctx); err != nil {
		return s, err
	}
	if err = s.startPortal(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// startPortal starts (or, detached, adopts) the portal on the stack's
// database and Temporal.
func (s *Stack) startPortal(ctx context.Context) error {
	if !s.opts.Portal {
		return nil
	}
	bin := s.opts.PortalBin
	if bin == "" {
		bin = filepath.Join(s.opts.Dir, "portal")
		if err := BuildPortal(ctx, s.opts.Root, bin); err != nil {
			return err
		}
	}
	s.PortalURL = "http://" + hostPort(s.opts.Ports.Portal)
	if s.opts.Detach {
		if ok, err := adoptWorker(s.opts.Dir, "portal", bin); ok || err != nil {
			return err
		}
	}
	port, err := portOr(s.opts.Ports.Portal)
	if err != nil {
		return err
	}
	// The portal mails applicants' and reviewers' sign-in links through
	// the stack's Mailpit, as the workers mail everything else.
	env := append(append([]string{}, s.opts.WorkerEnv...), "SMTP_HOST="+Loopback, "SMTP_PORT="+strconv.Itoa(s.SMTPPort), "SMTP_TLS=none")
	if s.TemporalUI != "" {
		// The pages link each workflow to the (read-only) Web UI.
		env = append(env, "TEMPORAL_UI_URL="+s.TemporalUI)
	}
	if len(s.opts.IDPUsers) > 0 {
		public := "http://" + hostPort(port)
		if err := s.startIDP(ctx, public+"/auth/callback"); err != nil {
			return err
		}
		env = append(append([]string{}, env...), "OIDC_ISSUER="+s.IDPIssuer, "OIDC_CLIENT_ID="+IDPClientID,
			"OIDC_CLIENT_SECRET="+IDPClientSecret, "PORTAL_PUBLIC_URL="+public)
	}
	p, err := StartPortal(ctx, PortalOptions{Bin: bin, TemporalAddress: s.TemporalAddress, Namespace: s.opts.Namespace,
		DatabaseURL: s.DatabaseURL, Port: port, OpsPort: s.opts.Ports.PortalOps, Env: env,
		Dir: s.opts.Root, LogPath: s.log("portal"), Detach: s.opts.Detach, OnExit: s.opts.OnExit, InheritSettings: s.opts.Detach})
	if err != nil {
		return err
	}
	s.Portal, s.PortalURL = p, p.URL
	if err := s.record("portal", p.proc); err != nil {
		return err
	}
	if s.opts.Detach {
		return recordSum(s.opts.Dir, "portal", bin)
	}
	return nil
}

func (s *Stack) log(name string) string { return filepath.Join(s.opts.LogDir, name+".log") }

func (s *Stack) startTemporal(ctx context.Context) error {
	topts, err := s.opts.temporalOptions()
	if err != nil {
		return err
	}
	if s.opts.Detach {
		if addr, ok, err := adoptTemporal(ctx, s.opts.Dir, s.opts.Ports.Temporal, topts.Kind); ok || err != nil {
			s.TemporalAddress = addr
			if topts.UIPort > 0 {
				s.TemporalUI = fmt.Sprintf("http://localhost:%d", topts.UIPort)
			}
			if err == nil && topts.Kind == KindCluster {
				err = s.adoptClusterUI(ctx, topts, addr)
			}
			return err
		}
	}
	t, err := StartTemporal(ctx, topts)
	if err != nil {
		return err
	}
	s.Temporal, s.TemporalAddress, s.TemporalUI = t, t.FrontendHostPort(), t.UIURL()
	for _, p := range t.Processes() {
		p.OnExit = s.opts.OnExit
		if err := s.record(p.Name, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stack) startMailpit(ctx context.Context) error {
	if s.opts.Detach {
		if ok, err := adoptMailpit(ctx, s.opts.Dir, s.opts.Ports); ok || err != nil {
			s.SMTPPort, s.MailpitAPI = s.opts.Ports.SMTP, fmt.Sprintf("http://%s", hostPort(s.opts.Ports.MailpitUI))
			return err
		}
	}
	m, err := StartMailpit(ctx, MailpitOptions{Bin: s.opts.Tools.Mailpit(), SMTPPort: s.opts.Ports.SMTP,
		UIPort: s.opts.Ports.MailpitUI, Database: filepath.Join(s.opts.Dir, "mailpit.db"),
		Max: s.opts.MailpitMax, LogPath: s.log("mailpit"), Detach: s.opts.Detach})
	if err != nil {
		return err
	}
	m.proc.OnExit = s.opts.OnExit
	s.Mailpit, s.SMTPPort, s.MailpitAPI = m, m.SMTPPort, m.API
	return s.record("mailpit", m.proc)
}

// startWorker starts the stack's workers one after the other (each
// migrates the database and bootstraps at start), then waits until the
// server sees every one of them poll.
func (s *Stack) startWorker(ctx context.Context) error {
	bin := s.opts.WorkerBin
	if bin == "" {
		bin = filepath.Join(s.opts.Dir, "worker")
		if err := BuildWorker(ctx, s.opts.Root, bin); err != nil {
			return err
		}
	}
	for i, name := range workerNames(s.opts.Workers) {
		if s.opts.Detach {
			if ok, err := adoptWorker(s.opts.Dir, name, bin); ok || err != nil {
				if err != nil {
					return err
				}
				continue
			}
		}
		w, err := StartWorker(ctx, WorkerOptions{Bin: bin, TemporalAddress: s.TemporalAddress, Namespace: s.opts.Namespace,
			HTTPPort:    s.opts.Ports.workerPort(i),
			DatabaseURL: s.DatabaseURL, SMTPPort: s.SMTPPort, OutputDir: filepath.Join(s.opts.Dir, "out"),
			Env: s.opts.WorkerEnv, Dir: s.opts.Root, LogPath: s.log(name), Detach: s.opts.Detach, OnExit: s.opts.OnExit,
			InheritSettings: s.opts.Detach})
		if err != nil {
			return err
		}
		w.proc.Name = name
		s.Workers = append(s.Workers, w)
		if err := s.record(name, w.proc); err != nil {
			return err
		}
		if s.opts.Detach {
			if err := recordSum(s.opts.Dir, name, bin); err != nil {
				return err
			}
		}
	}
	if len(s.Workers) > 0 {
		s.Worker = s.Workers[0]
	}
	if s.Temporal == nil || len(s.Workers) == 0 { // an adopted server (make dev): the log line is enough
		return nil
	}
	// Ready when the server sees them poll, not only when they say they will.
	pctx, cancel := within(ctx, time.Minute)
	defer cancel()
	return waitReady(pctx, s.Worker.proc, fmt.Sprintf("%d worker(s) polling %s", len(s.Workers), workflows.TaskQueue), func(ctx context.Context) bool {
		d, err := s.Temporal.Client().DescribeTaskQueue(ctx, workflows.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		return err == nil && len(d.GetPollers()) >= len(s.Workers)
	})
}

// startIDP starts (or, detached, adopts) the OpenID Connect provider.
func (s *Stack) startIDP(ctx context.Context, redirect string) error {
	s.IDPIssuer = fmt.Sprintf("http://localhost:%d/", s.opts.Ports.IDP)
	if s.opts.Detach && RecordedPid(s.opts.Dir, "oidc-provider") != 0 {
		return nil
	}
	p, err := StartIDP(ctx, IDPOptions{Bin: s.opts.Tools.OIDCProvider(), Port: s.opts.Ports.IDP, Users: s.opts.IDPUsers,
		RedirectURIs: []string{redirect}, Dir: s.opts.Dir, LogPath: s.log("oidc-provider"), Detach: s.opts.Detach})
	if err != nil {
		return err
	}
	s.IDP, s.IDPIssuer = p, p.Issuer
	p.proc.OnExit = s.opts.OnExit
	return s.record("oidc-provider", p.proc)
}

// workerPort is the i-th worker's (from 0) HTTP port: 0, a free one,
// unless the stack's ports are fixed.
func (p Ports) workerPort(i int) int {
	if p.Worker == 0 {
		return 0
	}
	return p.Worker + i
}

// WorkerHTTPAddr is where the i-th worker (from 0) of a stack on fixed
// ports serves /livez, /readyz and /metrics.
func (p Ports) WorkerHTTPAddr(i int) string { return hostPort(p.workerPort(i)) }

// workerNames are the recorded names of n workers: "worker" (as a stack
// of one has always named it), then "worker-2"…
func workerNames(n int) []string {
	names := []string{"worker"}
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("worker-%d", i))
	}
	return names
}

// record notes a detached process in Dir, for `devstack down`/`status`.
func (s *Stack) record(name string, p *Process) error {
	if !s.opts.Detach {
		return nil
	}
	return writePid(s.opts.Dir, name, p.Pid())
}

// TemporalDatabases are the fresh PostgreSQL databases a cluster stack
// made for Temporal (persistence and visibility), dropped by Stop; none
// for a dev server or a cluster on given databases.
func (s *Stack) TemporalDatabases() []string { return s.freshTemporalDBs }

// Stop stops what this StartStack started, the worker before the services
// it uses, and drops the fresh database. Detached services are left
// running (`devstack down` stops them).
func (s *Stack) Stop() {
	if s.opts.Detach {
		if s.Temporal != nil && s.Temporal.Client() != nil {
			s.Temporal.Client().Close()
		}
		if s.Postgres != nil {
			s.Postgres.Close()
		}
		return
	}
	if s.Portal != nil { // first: nothing new reaches the workers
		s.Portal.Stop()
	}
	if s.IDP != nil {
		s.IDP.Stop()
	}
	var wg sync.WaitGroup
	for _, w := range s.Workers { // each drains for up to 30 s: side by side
		wg.Add(1)
		go func() { defer wg.Done(); w.Stop() }()
	}
	wg.Wait()
	if s.Temporal != nil {
		s.Temporal.Stop()
	}
	if s.Mailpit != nil {
		s.Mailpit.Stop()
	}
	if s.DB != nil {
		_ = s.DB.Drop(context.Background())
	}
	if s.Postgres != nil {
		for _, name := range s.freshTemporalDBs {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = app.DropDatabase(ctx, s.Postgres.admin, name)
			cancel()
		}
	}
	if s.Postgres != nil {
		s.Postgres.Close()
	}
}
