#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the dialect tests and prints the URL
# to use as PULSE_TEST_DATABASE_URL. Installs Debian's postgresql package when it is missing.
# Usage: eval "$(.ci/start-postgres.sh)"   (exports PULSE_TEST_DATABASE_URL)
set -euo pipefail
port="${PULSE_TEST_PG_PORT:-54329}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing postgresql ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
data=$(mktemp -d /tmp/pulse-pg.XXXXXX)
run=(env)
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$data"
  run=(runuser -u postgres --)
fi
"${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
"${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE DATABASE pulse_test' >/dev/null
echo "export PULSE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/pulse_test"
echo "export PULSE_TEST_PG_DATA=$data"
