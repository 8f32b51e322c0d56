#!/bin/sh
# One-shot (temporal-admin-tools service): create Temporal's two databases in
# PostgreSQL and bring their schemas up to the version this image ships.
# Safe to rerun: create skips existing databases, setup-schema keeps a newer
# version, update-schema applies only what is missing.
set -eu

sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"; }
schemas=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
	dir=temporal
	[ "$db" = temporal_visibility ] && dir=visibility
	sql --db "$db" create
	sql --db "$db" setup-schema -v 0.0
	sql --db "$db" update-schema -d "$schemas/$dir/versioned"
done
echo "Temporal schemas ready"
