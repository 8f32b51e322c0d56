#!/usr/bin/env bash
# A demo cycle on the local stack (make dev): launch the example call,
# submit one application and import the 2024 Sud applications, then show
# where the call stands. Safe to run again: a launched call stays launched
# and duplicates are refused with their reason.
set -euo pipefail
cd "$(dirname "$0")/.."

starter=bin/starter
call=AP-SUD-2030

echo "== launch $call"
$starter launch examples/call-ap-sud-2030.yaml || echo "(already launched: fine for a demo re-run)"

echo "== one application"
$starter apply "$call" examples/application.yaml || true

echo "== bulk import (3 rows are bad on purpose)"
$starter import "$call" examples/applications-2024.csv || true

echo "== status"
$starter status "$call"

cat <<MSG

Look at it:
  Temporal UI  http://localhost:8233/namespaces/default/workflows?query=CallId%3D%22$call%22
  Mailpit      http://localhost:8025   (launch announcements and receipts)
MSG
