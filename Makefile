# Developer entry points. The stack itself is devstack/ (internal/launcher),
# usable without make as `go run ./devstack …`; these targets only name the
# common paths. Built, not `go run`, so a command's exit status comes through.

STACK := go build -o bin/devstack ./devstack && bin/devstack
TOOLS ?= $(or $(CALLCYCLE_TOOLS),$(CURDIR)/.tools)
export CALLCYCLE_TOOLS := $(TOOLS)

VET := go vet ./...
# go.mod and go.sum must already be what `go mod tidy` would write.
TIDY := go mod tidy -diff
# workflowcheck flags non-deterministic calls reachable from workflow code.
WORKFLOWCHECK := $(TOOLS)/workflowcheck ./workflows/...
GOTEST := go test -count=1 -timeout 30m ./...

.PHONY: dev up cluster cluster-demo-2024 down status logs build test lint tools bench demo-2024

## dev: start the whole local stack, then run the demo if there is one
dev: up
	@if [ -x scripts/demo.sh ]; then scripts/demo.sh; else echo "scripts/demo.sh not found; stack is up"; fi

up:
	$(STACK) up

## cluster: the stack on Temporal's own server (v1.29.1) on PostgreSQL
## instead of the dev server: schema applied in two databases of its own,
## namespace with a long retention (CALLCYCLE_NAMESPACE_RETENTION, default
## 3650d), the Web UI read-only, Mailpit and two workers, on the dev ports
## plus 10000 so it runs beside `make dev`. The first run builds the server,
## its schema tool and the UI server (about 5 minutes on 2 cores after
## `make tools`, whose build cache they share).
## UPGRADE_SCHEMA=1 lets it upgrade an older Temporal schema (back it up first).
UPGRADE_SCHEMA ?=
cluster:
	$(STACK) up --kind cluster $(if $(UPGRADE_SCHEMA),--upgrade-schema)

## demo-2024: the 2024 report replayed through the real workflows on the
## local stack, in a Temporal namespace (callcycle-demo) and a database
## (callcycle_demo) of its own, worked by the demo process itself; each run
## starts them afresh, so it can be run again on a stack in any state.
## Writes out/annual-report-2024.xlsx. A stopped replay resumes with
## make demo-2024 DEMO_FLAGS="--from <step>" (steps: bin/starter demo 2024 --list)
demo-2024: up
	mkdir -p out
	bin/starter demo 2024 -o out/annual-report-2024.xlsx $(DEMO_FLAGS)

## cluster-demo-2024: the same replay on the cluster stack (make cluster):
## its Temporal (17233) and Mailpit (SMTP 11025), the demo's own namespace
## and database as above.
cluster-demo-2024: cluster
	mkdir -p out
	TEMPORAL_ADDRESS=127.0.0.1:17233 SMTP_PORT=11025 bin/starter demo 2024 -o out/annual-report-2024.xlsx $(DEMO_FLAGS)

down:
	$(STACK) down

status:
	$(STACK) status

logs:
	$(STACK) logs

build:
	go build -o bin/worker ./worker
	go build -o bin/starter ./starter
	go build -o bin/portal ./portal

tools:
	$(STACK) tools

## test: tools + PostgreSQL (tests start their own Temporal and SMTP servers),
## then lint and the whole suite with the CALLCYCLE_* variables exported,
## once for each Temporal kind of TEST_KINDS: the dev server, then Temporal's
## own server on PostgreSQL (CALLCYCLE_TEST_TEMPORAL=cluster: every test's
## Temporal is a cluster on fresh databases). `make test TEST_KINDS=dev`
## runs one pass. One shell line rather than a sub-make, so `make -n test`
## stays a dry run.
TEST_KINDS ?= dev cluster
test:
	$(STACK) test-env -- sh -c '$(TIDY) && $(VET) && $(WORKFLOWCHECK) && for k in $(TEST_KINDS); do \
		echo "== go test ./... on the Temporal $$k server"; CALLCYCLE_TEST_TEMPORAL=$$k $(GOTEST) || exit 1; done'

lint: tools
	$(VET)
	$(WORKFLOWCHECK)

## bench: the scale run of issues 7 and 13 (bench/: a synthetic call of 10,000
## applications and 1,000 grants on its own dev server, database, Mailpit and
## worker, then a bare Temporal baseline on the same server; BENCHMARKS.md),
## 3 runs by default, each on a fresh stack, and a summary with the median,
## min and max of the ratio; then the Go benchmarks. BENCH_FLAGS scales it
## down or changes it, e.g. BENCH_FLAGS="-apps 1000 -grants 100 -runs 5", or
## "-profile DIR" for the worker's CPU and heap profiles of the grant stage.
## The Go benchmarks run even if the scale run fails; make still reports the
## failure. BENCH_KIND=cluster runs it (callcycle and the baseline) on
## Temporal's own server on PostgreSQL instead of the dev server (issue 14).
BENCH_FLAGS ?=
BENCH_KIND ?= dev
bench:
	$(STACK) test-env -- sh -c 'go run ./bench -kind $(BENCH_KIND) $(BENCH_FLAGS); s=$$?; go test -run "^$$" -bench . ./... && exit $$s'

## chaos: the 2024 replay twice on its own services, fault-free and under
## faults (worker kill -9 ×12, PostgreSQL restart, SMTP sink stopped,
## Temporal dev server restarted), then no-lost-mail, ledger and
## annual report checks (issue 7). Not part of test: it takes minutes and
## restarts the local PostgreSQL cluster once. CHAOS_FLAGS="-seed 4 -keep".
.PHONY: chaos
CHAOS_FLAGS ?=
chaos:
	$(STACK) test-env -- go run ./chaos $(CHAOS_FLAGS)
