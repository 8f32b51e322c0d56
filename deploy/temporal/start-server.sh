#!/bin/sh
# Entrypoint of docker-compose.yml's temporal service. The image's own
# entrypoint renders its config template with dockerize; callcycle's
# deploy/temporal/server.yaml (the file `make cluster` gives the same
# server) is rendered by the server itself instead, so it is run directly.
set -eu
# Other containers reach this one at its own address, not 0.0.0.0.
: "${TEMPORAL_BROADCAST_ADDRESS:=$(getent hosts "$(hostname)" | awk '{print $1; exit}')}"
export TEMPORAL_BROADCAST_ADDRESS
exec temporal-server --root /etc/callcycle --config . --env server --allow-no-auth start
