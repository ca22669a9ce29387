#!/bin/sh
# `make test-postgres`: the whole test suite against a throwaway PostgreSQL cluster.
# Installs Debian's postgresql when missing (as `make test` installs chromium), starts
# a cluster in a temporary folder that listens on a Unix socket only, runs pytest with
# TEST_DATABASE_URL pointing at it (each test gets a database of its own), then stops
# the cluster and removes it, whatever the outcome.
# usage: scripts/test-postgres.sh [PYTEST ARGUMENTS...]
set -eu
cd "$(dirname "$0")/.."
sh scripts/system-packages.sh "postgresql:/usr/lib/postgresql/*/bin/initdb"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cluster=$(mktemp -d "${TMPDIR:-/tmp}/timeline-postgres.XXXXXX")
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user
# that Debian's package creates.
as_owner=""
if [ "$(id -u)" = 0 ]; then
    chown postgres "$cluster"
    as_owner="runuser -u postgres --"
fi
stop() {
    if [ -f "$cluster/data/postmaster.pid" ]; then
        $as_owner "$bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster"
}
trap stop EXIT
trap 'exit 130' INT TERM
$as_owner "$bin/initdb" -D "$cluster/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
# No TCP port (listen_addresses empty): the socket lives in the cluster's own folder.
# Durability is not wanted from a throwaway cluster: no fsync, so the suite runs faster.
$as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -o \
    "-c listen_addresses='' -k $cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $cluster (Unix socket)"
TEST_DATABASE_URL="postgresql+psycopg://postgres@/postgres?host=$cluster" .venv/bin/pytest "$@"
