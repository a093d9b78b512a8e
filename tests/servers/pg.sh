#!/bin/sh
# Throwaway PostgreSQL server on loopback for tests.
#   tests/servers/pg.sh start   -> initdb + pg_ctl start; prints the export line
#   tests/servers/pg.sh stop    -> stops it and removes its data directory
#   tests/servers/pg.sh url     -> prints the URL
# Settings: ORM_PG_PORT (default 54329), ORM_PG_DIR (default /tmp/orm-pg-$PORT).
# As root, the server runs as the 'postgres' user (created by the Debian
# package), since PostgreSQL refuses to run as root.
set -eu
port=${ORM_PG_PORT:-54329}
dir=${ORM_PG_DIR:-/tmp/orm-pg-$port}
bindir=${ORM_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
url="postgres://orm:orm@127.0.0.1:$port/orm_test"

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

case ${1:-} in
start)
  [ -x "$bindir/initdb" ] || { echo "pg.sh: initdb not found (apt-get install postgresql)" >&2; exit 1; }
  if [ -f "$dir/postmaster.pid" ] && as_owner "'$bindir/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
    echo "export ORM_TEST_PG_URL=$url"; exit 0
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  pwfile="$dir.pw"; echo orm > "$pwfile"; [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  as_owner "'$bindir/initdb' -D '$dir' -U orm --pwfile='$pwfile' -A scram-sha-256 -E UTF8 --locale=C.UTF-8" >"$dir.initdb.log" 2>&1 \
    || { cat "$dir.initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
  as_owner "'$bindir/pg_ctl' -D '$dir' -l '$dir/server.log' -w -t 60 -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100\" start" >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD=orm "$bindir/psql" -h 127.0.0.1 -p "$port" -U orm -d postgres -qc "CREATE DATABASE orm_test" >/dev/null
  echo "export ORM_TEST_PG_URL=$url"
  ;;
stop)
  if [ -d "$dir" ]; then
    as_owner "'$bindir/pg_ctl' -D '$dir' -m fast -w stop" >/dev/null 2>&1 || true
    rm -rf "$dir" "$dir.initdb.log"
  fi
  ;;
url) echo "$url" ;;
*) echo "usage: pg.sh start|stop|url" >&2; exit 64 ;;
esac
