#!/usr/bin/env bash
# Stops a server started by .ci/start-postgres.sh and removes its data folder.
# Usage: .ci/stop-postgres.sh DATA_DIR   (the PULSE_TEST_PG_DATA it printed)
set -uo pipefail
data="${1:?usage: stop-postgres.sh DATA_DIR}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$bin" ]; then
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
  else "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; fi
fi
case "$data" in /tmp/pulse-pg.*) rm -rf "$data" ;; esac
