#!/usr/bin/env bash
# Local dev stack without Docker: PostgreSQL (Debian cluster), Temporal dev
# server, Mailpit and the callcycle worker, all on loopback.
#
#   scripts/stack.sh up | down | status | logs [service...]
#   scripts/stack.sh tools          build the pinned binaries if missing
#   scripts/stack.sh db             start PostgreSQL and create the callcycle role/db
#   scripts/stack.sh test-env CMD…  tools + db, then run CMD with the test env exported
#
# Everything we start is recorded in .run/ so that `down` stops only that.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${CALLCYCLE_TOOLS:-$REPO/.tools}
RUN=$REPO/.run
LOGS=$RUN/logs

TEMPORAL_VERSION=v1.5.1
MAILPIT_VERSION=v1.33.1
# Used only if Mailpit's locked rapidoc is missing from the npm registry.
MAILPIT_RAPIDOC_FALLBACK=9.3.8
# workflowcheck is its own module; v0.6.0 is the release that goes with sdk v1.51.0.
WORKFLOWCHECK_VERSION=v0.6.0

TEMPORAL_PORT=7233
TEMPORAL_UI_PORT=8233
MAILPIT_SMTP_PORT=1025
MAILPIT_UI_PORT=8025

# Search attributes the workflows upsert; the dev server registers them at start.
SEARCH_ATTRIBUTES=(CallId=Keyword CallKind=Keyword CallYear=Int CallStage=Keyword
	CallPaused=Bool GrantId=Keyword GrantStage=Keyword)

# The dev server's SQLite file: WAL, no fsync per commit (see
# internal/app/devserver.go for why; a test keeps the two lists equal).
SQLITE_PRAGMAS=(journal_mode=wal synchronous=normal)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------

# has_module BIN MODULE VERSION: BIN exists and was built from MODULE@VERSION.
# go-installed binaries report "0.0.0-DEV" for --version, so the build info
# embedded by the Go toolchain is the reliable place to read the version.
has_module() {
	[[ -x $1 ]] && go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

temporal_ok() {
	has_module "$TOOLS/temporal" github.com/temporalio/cli "$TEMPORAL_VERSION" ||
		{ [[ -x $TOOLS/temporal ]] && "$TOOLS/temporal" --version 2>/dev/null | grep -q "${TEMPORAL_VERSION#v}"; }
}

install_tool() { # NAME PACKAGE@VERSION ESTIMATE
	local started=$SECONDS
	# Say what and how long up front: otherwise a new user sees only
	# "go: downloading" lines for minutes and cannot tell it is progressing.
	log "building $1 ($2) into $TOOLS, first time only: $3"
	GOBIN=$TOOLS go install "$2"
	log "  $1 built in $((SECONDS - started)) s"
}

# Mailpit's web page is a Vue app bundled by npm (esbuild) into server/ui/dist,
# which Go embeds at build time. `go install` of the module has no dist/, so
# such a binary serves its HTML but /dist/app.js answers 404 and the page is
# blank. We therefore build it as upstream's Dockerfile does: the module's
# source from the Go proxy, `npm ci && npm run package`, then `go build`.
#
# A binary built from a copied directory carries no module version in its
# build info, and one from plain `go install` looks just like ours there, so
# the proof is a stamp next to it naming the version, that the assets were
# built, and the binary's checksum (a binary replaced later, e.g. by an older
# stack.sh on a cached CI tools dir, no longer matches).
mailpit_stamp() { # BIN
	printf 'github.com/axllent/mailpit %s assets=npm sha256=%s\n' "$MAILPIT_VERSION" "$(sha256sum <"$1" | cut -d' ' -f1)"
}

mailpit_ok() {
	[[ -x $TOOLS/mailpit && -f $TOOLS/mailpit.stamp ]] &&
		[[ $(cat "$TOOLS/mailpit.stamp") == "$(mailpit_stamp "$TOOLS/mailpit")" ]]
}

build_mailpit() {
	command -v npm >/dev/null || die "npm is needed to build Mailpit's web page (apt-get install -y npm)"
	local started=$SECONDS src build=$TOOLS/.build/mailpit@$MAILPIT_VERSION
	log "building mailpit $MAILPIT_VERSION with its web page into $TOOLS (first time only):"
	log "  Go module source + npm packages (~250 MB of downloads), esbuild, go build; 2-12 minutes"
	src=$(go mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d $src ]] || die "go mod download github.com/axllent/mailpit@$MAILPIT_VERSION gave no source directory"
	# The module cache is read-only; npm writes node_modules and dist/ here.
	rm -rf "$build"
	mkdir -p "$(dirname "$build")"
	cp -R "$src" "$build"
	chmod -R u+w "$build"
	log "  npm ci (web dependencies)"
	# --omit=peer: the lockfile's peer-only packages are sass-embedded (an
	# alternative compiler esbuild-sass-plugin never uses unless asked; it
	# uses `sass`) and an eslint parser. sass-embedded 1.108.1, which v1.33.1
	# locks, answers 404 on the registry, so installing peers fails the build.
	if ! (cd "$build" && npm ci --omit=peer --no-audit --no-fund --loglevel=error); then
		# The registry this project's machines reach has no rapidoc 12 (the
		# lock's 12.1.0 answers 404; 9.3.8 is its newest). rapidoc only draws
		# the API reference page (docs.js, /api/v1/); the inbox (app.js) does
		# not use it. Everything else stays at the lockfile's versions.
		log "  npm ci failed (see above); retrying with rapidoc $MAILPIT_RAPIDOC_FALLBACK, for the API docs page only"
		(cd "$build" && npm pkg set "dependencies.rapidoc=$MAILPIT_RAPIDOC_FALLBACK" &&
			npm install --omit=peer --no-audit --no-fund --loglevel=error)
	fi
	log "  npm run package (web assets, $((SECONDS - started)) s so far)"
	(cd "$build" && npm run package --silent)
	[[ -s $build/server/ui/dist/app.js && -s $build/server/ui/dist/app.css ]] ||
		die "npm run package produced no server/ui/dist/app.{js,css} in $build"
	# Commit the tree (assets included) and tag it, so that go build stamps
	# "mod github.com/axllent/mailpit v1.33.1" into the binary as `go install`
	# does, instead of "(devel)": an older stack.sh (other checkouts, cached
	# CI tools) reads that line and would otherwise replace this binary with
	# an asset-less one.
	printf '/node_modules/\n' >"$build/.git-exclude"
	git -C "$build" init -q
	mv "$build/.git-exclude" "$build/.git/info/exclude"
	git -C "$build" add -A
	git -C "$build" -c user.name=stack.sh -c user.email=stack.sh@localhost \
		commit -q -m "mailpit $MAILPIT_VERSION with web assets"
	git -C "$build" tag "$MAILPIT_VERSION"
	log "  go build (mailpit, $((SECONDS - started)) s so far)"
	# Same flags as upstream's Dockerfile; the -X sets what `mailpit version`
	# prints. -buildvcs=true because GOFLAGS may say false (it does here),
	# and the tag above is read only with it.
	(cd "$build" && CGO_ENABLED=0 go build -trimpath -buildvcs=true \
		-ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$TOOLS/.mailpit.new" .)
	# rename(2) on the same filesystem: a Mailpit running the old binary keeps
	# its inode, and no one ever sees a half-written file.
	mv -f "$TOOLS/.mailpit.new" "$TOOLS/mailpit"
	mailpit_stamp "$TOOLS/mailpit" >"$TOOLS/.mailpit.stamp.new"
	mv -f "$TOOLS/.mailpit.stamp.new" "$TOOLS/mailpit.stamp"
	# node_modules alone is ~250 MB; npm's own cache keeps a rebuild quick.
	rm -rf "$build"
	log "  mailpit $MAILPIT_VERSION with web page built in $((SECONDS - started)) s"
}

cmd_tools() {
	mkdir -p "$TOOLS"
	# A lock, because `make up` and `make test` may run at once and a second
	# concurrent build of the temporal CLI would only waste the two cores.
	exec 9>"$TOOLS/.lock"
	flock 9
	temporal_ok || install_tool temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION" \
		"the largest, about 5-10 minutes on 2 cores"
	mailpit_ok || build_mailpit
	has_module "$TOOLS/workflowcheck" go.temporal.io/sdk/contrib/tools/workflowcheck "$WORKFLOWCHECK_VERSION" ||
		install_tool workflowcheck "go.temporal.io/sdk/contrib/tools/workflowcheck@$WORKFLOWCHECK_VERSION" \
		"about a minute"
	exec 9>&-
}

# --- processes --------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_of NAME: print the pid from .run/NAME.pid if that process is still the
# one we started (its command line names the program), so a recycled pid is
# ignored; fail otherwise.
pid_of() {
	local pid
	pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$1" && echo "$pid"
}

# start NAME CMD…: run CMD detached in its own session, log to .run/logs/NAME.log.
start() {
	local name=$1
	shift
	mkdir -p "$LOGS"
	printf '\n--- %s started %s\n' "$name" "$(date -Is)" >>"$LOGS/$name.log"
	(cd "$REPO" && exec setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1) &
	echo $! >"$RUN/$name.pid"
}

stop() { # NAME
	local pid i
	if pid=$(pid_of "$1"); then
		log "stopping $1 (pid $pid)"
		kill "$pid"
		for ((i = 0; i < 30; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	fi
	rm -f "$RUN/$1.pid" "$RUN/$1.sum"
}

# wait_for NAME SECONDS CHECK…: poll CHECK until it passes; fail early with the
# log tail if the process we started has died.
wait_for() {
	local name=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 2; i++)); do
		"$@" && return 0
		# kill -0, not pid_of: right after start the pid may still be the
		# subshell that is about to exec the program.
		if [[ -f $RUN/$name.pid ]] && ! kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
			tail -n 30 "$LOGS/$name.log" >&2
			die "$name exited; see $LOGS/$name.log"
		fi
		sleep 0.5
	done
	tail -n 30 "$LOGS/$name.log" >&2 || true
	die "$name not ready after ${secs}s"
}

# --- postgres ---------------------------------------------------------------

as_postgres() {
	if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

# The Debian cluster to use, one pg_lsclusters line: CALLCYCLE_PG_CLUSTER
# ("15 main") if set, else the one on the lowest port (5432 for "15 main").
pg_cluster() {
	if [[ -n ${CALLCYCLE_PG_CLUSTER:-} ]]; then
		# shellcheck disable=SC2086 # "VERSION NAME" is two arguments on purpose
		pg_lsclusters -h $CALLCYCLE_PG_CLUSTER
	else
		pg_lsclusters -h | sort -k3,3n | head -n 1
	fi
}

pg_port() { pg_cluster | awk '{print $3}'; }

cmd_db() {
	mkdir -p "$RUN"
	if [[ -n ${DATABASE_URL:-} ]]; then
		# Someone else's database: use it as given, touch nothing.
		log "using DATABASE_URL from the environment ($(redact "$DATABASE_URL"))"
		return 0
	fi
	if ! command -v pg_lsclusters >/dev/null || [[ -z $(pg_cluster) ]]; then
		log "installing PostgreSQL from Debian"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	fi
	local ver name port status
	read -r ver name port status _ < <(pg_cluster)
	if [[ $status != online* ]]; then
		log "starting PostgreSQL cluster $ver/$name"
		pg_ctlcluster "$ver" "$name" start
		# Remember that we started it, so `down` stops it and nothing else.
		echo "$ver $name" >"$RUN/postgres.started"
	fi
	wait_for postgres 30 pg_isready -q -h localhost -p "$port"
	# Idempotent: create the role and database only if missing. CREATEDB
	# because tests make a throwaway database each.
	as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE callcycle' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'callcycle') \gexec
ALTER ROLE callcycle WITH LOGIN CREATEDB PASSWORD 'callcycle';
SELECT 'CREATE DATABASE callcycle OWNER callcycle' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'callcycle') \gexec
SQL
}

database_url() {
	echo "${DATABASE_URL:-postgres://callcycle:callcycle@localhost:$(pg_port)/callcycle?sslmode=disable}"
}

redact() { sed -E 's#(://[^:/@]+):[^@]*@#\1:xxx@#' <<<"$1"; }

# --- services ---------------------------------------------------------------

temporal_healthy() {
	"$TOOLS/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1
}

up_temporal() {
	if pid_of temporal >/dev/null; then
		wait_for temporal 90 temporal_healthy # ours; maybe still starting
		return 0
	fi
	if port_open "$TEMPORAL_PORT"; then
		# Not ours (or a stale pid file): reuse a healthy server, never kill it.
		temporal_healthy || die "port $TEMPORAL_PORT is taken by something that is not a Temporal server"
		log "reusing the Temporal server already on :$TEMPORAL_PORT (not started by stack.sh)"
		rm -f "$RUN/temporal.pid"
		return 0
	fi
	local args=(server start-dev --db-filename "$RUN/temporal.db" --ip 127.0.0.1
		--port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" --log-level warn)
	local sa
	for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
	local p
	for p in "${SQLITE_PRAGMAS[@]}"; do args+=(--sqlite-pragma "$p"); done
	log "starting Temporal dev server"
	start temporal "$TOOLS/temporal" "${args[@]}"
	wait_for temporal 90 temporal_healthy
}

mailpit_ready() { port_open "$MAILPIT_SMTP_PORT" && port_open "$MAILPIT_UI_PORT"; }

up_mailpit() {
	if pid_of mailpit >/dev/null; then
		wait_for mailpit 30 mailpit_ready
		return 0
	fi
	if port_open "$MAILPIT_SMTP_PORT"; then
		log "reusing the SMTP server already on :$MAILPIT_SMTP_PORT (not started by stack.sh)"
		rm -f "$RUN/mailpit.pid"
		return 0
	fi
	log "starting Mailpit"
	start mailpit "$TOOLS/mailpit" --smtp "127.0.0.1:$MAILPIT_SMTP_PORT" --listen "127.0.0.1:$MAILPIT_UI_PORT" \
		--database "$RUN/mailpit.db" --disable-version-check --max 50000
	wait_for mailpit 30 mailpit_ready
}

cmd_build() {
	log "building bin/worker and bin/starter"
	(cd "$REPO" && go build -o bin/worker ./worker && go build -o bin/starter ./starter)
}

up_worker() {
	cmd_build
	# go build rewrites the binary every time, so compare contents, not mtimes:
	# restart only when the code actually changed.
	local sum
	sum=$(sha256sum "$REPO/bin/worker" | cut -d' ' -f1)
	if pid_of worker >/dev/null; then
		[[ $sum == "$(cat "$RUN/worker.sum" 2>/dev/null)" ]] && return 0
		log "worker binary changed; restarting"
		stop worker
	fi
	log "starting worker"
	# Loopback addresses, not "localhost": the servers above bind 127.0.0.1 only.
	DATABASE_URL=$(database_url) TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT} \
		SMTP_HOST=${SMTP_HOST:-127.0.0.1} SMTP_PORT=${SMTP_PORT:-$MAILPIT_SMTP_PORT} \
		start worker "$REPO/bin/worker"
	echo "$sum" >"$RUN/worker.sum"
	# The worker connects and migrates at start; give it a moment to fail loudly.
	sleep 3
	pid_of worker >/dev/null || { tail -n 30 "$LOGS/worker.log" >&2; die "worker exited; see $LOGS/worker.log"; }
}

cmd_up() {
	mkdir -p "$RUN" "$LOGS"
	cmd_tools
	cmd_db
	up_temporal
	up_mailpit
	up_worker
	cat <<EOF

callcycle dev stack is up
  Temporal UI     http://localhost:$TEMPORAL_UI_PORT
  Mailpit         http://localhost:$MAILPIT_UI_PORT   (SMTP localhost:$MAILPIT_SMTP_PORT)
  Temporal gRPC   localhost:$TEMPORAL_PORT
  DATABASE_URL    $(redact "$(database_url)")
  Logs            $LOGS/{temporal,mailpit,worker}.log
EOF
}

cmd_down() {
	stop worker
	stop mailpit
	stop temporal
	if [[ -f $RUN/postgres.started ]]; then
		local ver name
		read -r ver name <"$RUN/postgres.started"
		log "stopping PostgreSQL cluster $ver/$name (started by stack.sh)"
		pg_ctlcluster "$ver" "$name" stop
		rm -f "$RUN/postgres.started"
	fi
}

cmd_status() {
	local name state
	for name in temporal mailpit worker; do
		if pid_of "$name" >/dev/null; then
			state="running (pid $(pid_of "$name"))"
		else
			state=stopped
		fi
		printf '%-10s %s\n' "$name" "$state"
	done
	if [[ -n ${DATABASE_URL:-} ]]; then
		state="external: $(redact "$DATABASE_URL")"
	elif command -v pg_lsclusters >/dev/null && [[ -n $(pg_cluster) ]]; then
		state=$(pg_cluster | awk '{print $1 "/" $2 " port " $3 " " $4}')
		[[ -f $RUN/postgres.started ]] && state+=" (started by stack.sh)"
	else
		state="not installed"
	fi
	printf '%-10s %s\n' postgres "$state"
	if port_open "$TEMPORAL_PORT" && ! pid_of temporal >/dev/null; then
		echo "note: something else is listening on :$TEMPORAL_PORT"
	fi
}

cmd_logs() {
	local names=("$@") files=() n
	((${#names[@]})) || names=(temporal mailpit worker)
	for n in "${names[@]}"; do [[ -f $LOGS/$n.log ]] && files+=("$LOGS/$n.log"); done
	((${#files[@]})) || die "no logs yet in $LOGS"
	exec tail -n "${LOG_LINES:-50}" -F "${files[@]}"
}

# test-env CMD…: what `make test` needs — tools and PostgreSQL, but no
# servers: the tests start their own Temporal dev server and SMTP sink.
cmd_test_env() {
	cmd_tools
	cmd_db
	local url
	url=$(database_url)
	export CALLCYCLE_TEMPORAL_BIN=$TOOLS/temporal
	export CALLCYCLE_MAILPIT_BIN=$TOOLS/mailpit
	# Admin URL: same server and role, maintenance database "postgres", from
	# which tests create and drop their own databases.
	export CALLCYCLE_TEST_DATABASE_URL=${CALLCYCLE_TEST_DATABASE_URL:-$(sed -E 's#^(postgres(ql)?://[^/]+/)[^?]*#\1postgres#' <<<"$url")}
	export DATABASE_URL=$url
	exec "$@"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
logs) shift && cmd_logs "$@" ;;
tools) cmd_tools ;;
db) cmd_db ;;
build) cmd_build ;;
test-env)
	shift
	(($#)) || die "usage: stack.sh test-env CMD…"
	cmd_test_env "$@"
	;;
*) die "usage: stack.sh up|down|status|logs [service…]|tools|db|build|test-env CMD…" ;;
esac
