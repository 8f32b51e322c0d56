// Package launcher starts callcycle's local services from Go, for every
// caller alike: `make dev` (go run ./devstack, fixed ports, detached
// processes), the tests (internal/testenv, free ports, torn down with the
// test), the scale run (bench/) and the fault run (chaos/, which kills and
// restarts them). Each service is a small type with a Start(ctx, opts)
// constructor whose readiness wait is bounded by ctx, and Stop/Kill:
//
//	Postgres  the local cluster (started with pg_ctlcluster if it is down),
//	          and fresh migrated databases created and dropped on it
//	Temporal  an interface with two kinds, the dev server (KindDev,
//	          devserver.go) and Temporal's own server on PostgreSQL with
//	          its read-only Web UI (KindCluster, temporalcluster.go and
//	          cluster*.go, configured by deploy/temporal like compose);
//	          a new kind is one entry in temporalKinds (temporal.go)
//	Mailpit   the SMTP sink with its HTTP API
//	Worker    the built worker binary, restartable and killable (a
//	          stack runs one or more)
//
// Stack (stack.go) is the one place that composes them in order: a new
// service of the stack is a file here with its Start/Stop and one step in
// Stack.Start; Preflight (stackopts.go) finds bad settings before any of
// them changes anything. Tools (tools.go, clustertools.go) builds the
// pinned binaries they run.
//
// Nothing here reads the environment: callers' main functions (devstack,
// bench, chaos) and the test adapters in internal/testenv do.
package launcher
