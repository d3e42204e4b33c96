#!/usr/bin/env bash
# A real PostgreSQL on 127.0.0.1:55432 for the persistence tests; sourced by scripts/test.sh.
#
# Running the PostgreSQL tests by hand needs it too (they fail, not skip, without it):
#   source scripts/postgres.sh && dotnet test tests/FlowConnectors.Persistence.Tests
#
# Installs PostgreSQL (Debian package `postgresql`) when initdb/pg_ctl are missing, keeps its data
# in ${TMPDIR:-/tmp}/flowconnectors-pg (owned by the `postgres` OS user when run as root), trusts
# local connections only, reuses a server that is already running, and exports
# FLOWCONNECTORS_TEST_POSTGRES. Safe to source more than once.

flowconnectors_postgres() {
  local port=55432 host=127.0.0.1
  local root="${TMPDIR:-/tmp}/flowconnectors-pg"
  local data="$root/data" log="$root/postgres.log"
  local connection="Host=$host;Port=$port;Username=postgres;Database=postgres"

  local bin=""
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && bin="$candidate"
  done
  if [ -z "$bin" ] && command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    bin="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
  fi
  if [ -z "$bin" ]; then
    echo "postgres.sh: installing PostgreSQL (apt-get install postgresql)" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "postgres.sh: PostgreSQL is missing and only root can install it" >&2
      return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
    for candidate in /usr/lib/postgresql/*/bin; do
      [ -x "$candidate/pg_ctl" ] && bin="$candidate"
    done
    if [ -z "$bin" ]; then
      echo "postgres.sh: pg_ctl not found after installing postgresql" >&2
      return 1
    fi
  fi

  # As root the server runs as the `postgres` OS user (PostgreSQL refuses to run as root).
  local -a as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres || return 1
    as_pg=(runuser -u postgres --)
  fi

  if "$bin/pg_isready" -q -h "$host" -p "$port"; then
    export FLOWCONNECTORS_TEST_POSTGRES="$connection"
    return 0
  fi

  mkdir -p "$root"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$root"
  if [ ! -s "$data/PG_VERSION" ]; then
    rm -rf "$data"
    "${as_pg[@]}" "$bin/initdb" -D "$data" -U postgres --auth-host=trust --auth-local=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 || {
        echo "postgres.sh: initdb failed:" >&2; cat "$root/initdb.log" >&2; return 1; }
  fi

  # A server that died without cleaning up leaves postmaster.pid behind; pg_ctl handles a stale one.
  # 300 connections: test assemblies run side by side, and a three-node cluster spec under load opens a pool per node
  # beside them; the default 100 was once exhausted ("53300: sorry, too many clients already").
  "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -o "-c listen_addresses=$host -p $port -k /tmp -c max_connections=300" -l "$log" -w -t 60 start >/dev/null || {
    echo "postgres.sh: PostgreSQL did not start:" >&2; tail -n 20 "$log" >&2; return 1; }

  local tries=0
  until "$bin/pg_isready" -q -h "$host" -p "$port"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 60 ]; then
      echo "postgres.sh: PostgreSQL is not ready on $host:$port:" >&2; tail -n 20 "$log" >&2; return 1
    fi
    sleep 1
  done
  export FLOWCONNECTORS_TEST_POSTGRES="$connection"
}

flowconnectors_postgres
