#!/bin/sh
# One-shot (temporal-setup service): the plain temporalio/server image creates
# no namespace, and custom search attributes must exist before a workflow
# upserts them. Both steps are idempotent.
set -eu

ns=${TEMPORAL_NAMESPACE:-default}

# retry CMD…: the server may still be starting, and a new namespace takes a
# few seconds to reach every frontend's cache.
retry() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || { echo "giving up: $*" >&2; exit 1; }
		sleep 2
	done
}

retry temporal operator cluster health
temporal operator namespace describe -n "$ns" >/dev/null 2>&1 ||
	temporal operator namespace create -n "$ns" --retention "${NAMESPACE_RETENTION:-3650d}"

# Keep in step with workflows.SearchAttributeTypes (internal/launcher's
# compose test checks it).
retry temporal operator search-attribute create --namespace "$ns" \
	--name CallId --type Keyword \
	--name CallKind --type Keyword \
	--name CallYear --type Int \
	--name CallStage --type Keyword \
	--name CallPaused --type Bool \
	--name GrantId --type Keyword \
	--name GrantStage --type Keyword
temporal operator search-attribute list --namespace "$ns"
