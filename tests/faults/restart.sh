#!/bin/sh
# Server restart (TAP, run by `make check`): a server of this test's own
# (PostgreSQL on ORM_FAULTS_PG_PORT, default 54345; MariaDB on
# ORM_FAULTS_MARIADB_PORT, default 33085; started with tests/servers/*.sh,
# stopped at the end) is restarted while `ormtool migrate latest` runs a
# slow migration (pg_sleep / SLEEP). Expected: a clear connection error
# (non-zero exit, a message about the connection), no partial state (the
# database equals a clean run's state after the migrations before the slow
# one, or on MariaDB has a progress row for it), and a second run that
# completes with the same end state as a clean run.
# Skipped when the server programs are not installed; in CI
# (CI=true) a server that cannot start is a failure.
. "$(dirname "$0")/faults-lib.sh"
servers=$srcdir/tests/servers
pg_port=${ORM_FAULTS_PG_PORT:-54345}
my_port=${ORM_FAULTS_MARIADB_PORT:-33085}
pg_dir=/tmp/orm-faults-pg-$pg_port
my_dir=/tmp/orm-faults-mariadb-$my_port
started=
cleanup() {
  for s in $started; do
    case $s in
    pg) ORM_PG_PORT=$pg_port ORM_PG_DIR=$pg_dir sh "$servers/pg.sh" stop >/dev/null 2>&1 ;;
    mariadb) ORM_MARIADB_PORT=$my_port ORM_MARIADB_DIR=$my_dir sh "$servers/mariadb.sh" stop >/dev/null 2>&1 ;;
    esac
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

restart_pg() {
  as_owner "'$pg_bin/pg_ctl' -D '$pg_dir' -m fast -w stop" >/dev/null 2>&1
  as_owner "'$pg_bin/pg_ctl' -D '$pg_dir' -l '$pg_dir/server.log' -w -t 60 -o \"-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null 2>&1
}
restart_mariadb() {
  pid=$(cat "$my_dir/mariadbd.pid")
  kill "$pid"
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 120 ]; do sleep 0.25; i=$((i + 1)); done
  user=$(id -un); [ "$(id -u)" = 0 ] && user=mysql
  /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$my_dir/data" --socket="$my_dir/mysqld.sock" \
    --port="$my_port" --bind-address=127.0.0.1 --pid-file="$my_dir/mariadbd.pid" \
    --log-error="$my_dir/error.log" --innodb-flush-log-at-trx-commit=0 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --skip-log-bin >/dev/null 2>&1 &
  i=0
  until "$ORMTOOL" --url "$1" query "SELECT 1" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 120 ] && return 1; sleep 0.5
  done
}

# migrations: a quick one, a slow one, a quick one
mkmig() { # DIALECT DIR
  mkdir -p "$2"
  printf -- '-- migrate:up\nCREATE TABLE fr_one (id INTEGER PRIMARY KEY);\nINSERT INTO fr_one (id) VALUES (1);\n-- migrate:down\nDROP TABLE fr_one;\n' \
    >"$2/20240401000001_one.sql"
  if [ "$1" = pg ]; then sleep_sql="SELECT pg_sleep(4);"; else sleep_sql="DO SLEEP(4);"; fi
  printf -- '-- migrate:up\nCREATE TABLE fr_two (id INTEGER PRIMARY KEY);\nINSERT INTO fr_two (id) VALUES (2);\n%s\nINSERT INTO fr_two (id) VALUES (3);\n-- migrate:down\nDROP TABLE fr_two;\n' \
    "$sleep_sql" >"$2/20240401000002_slow.sql"
  printf -- '-- migrate:up\nCREATE TABLE fr_three (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE fr_three;\n' \
    >"$2/20240401000003_three.sql"
}
T="fr_one fr_two fr_three"

for d in pg mariadb; do
  [ -n "${ORM_FAULTS_ONLY:-}" ] && [ "$ORM_FAULTS_ONLY" != $d ] && continue
  case $d in
  pg) [ -x "$pg_bin/initdb" ] || { skip "pg: PostgreSQL is not installed"; continue; }
      out=$(ORM_PG_PORT=$pg_port ORM_PG_DIR=$pg_dir sh "$servers/pg.sh" start 2>"$tmp/err") ;;
  mariadb) [ -x /usr/sbin/mariadbd ] || { skip "mariadb: MariaDB is not installed"; continue; }
      out=$(ORM_MARIADB_PORT=$my_port ORM_MARIADB_DIR=$my_dir sh "$servers/mariadb.sh" start 2>"$tmp/err") ;;
  esac
  if [ -z "$out" ]; then
    if [ "${CI:-}" = true ]; then not_ok "$d: cannot start a server of our own"; else skip "$d: cannot start a server of our own"; fi
    show "$tmp/err"; continue
  fi
  started="$started $d"
  base=$(echo "$out" | sed -n 's/^export ORM_TEST_[A-Z]*_URL=//p')
  url=$(echo "$base" | sed "s#/orm_test#/orm_faults_restart#")
  curl_=$(echo "$base" | sed "s#/orm_test#/orm_faults_restart_clean#")
  if [ $d = pg ]; then ORM_TEST_PG_URL=$base; else ORM_TEST_MARIADB_URL=$base; fi
  mkmig $d "$tmp/mig-$d"
  # clean reference states: after the first migration, after all
  db_reset $d orm_faults_restart_clean
  "$ORMTOOL" --url "$curl_" migrate --dir "$tmp/mig-$d" up >/dev/null 2>&1 && "$STATE" "$curl_" $T >"$tmp/ref1" 2>&1
  "$ORMTOOL" --url "$curl_" migrate --dir "$tmp/mig-$d" latest >/dev/null 2>&1 && "$STATE" "$curl_" $T >"$tmp/clean" 2>&1
  grep -q '^== fr_three (0 rows)' "$tmp/clean" || { not_ok "$d: clean run"; show "$tmp/clean"; continue; }

  db_reset $d orm_faults_restart
  "$ORMTOOL" --url "$url" migrate --dir "$tmp/mig-$d" latest >"$tmp/out" 2>&1 &
  mig=$!
  sleep 2
  t0=$(date +%s)
  if [ $d = pg ]; then restart_pg; else restart_mariadb "$base"; fi
  wait $mig
  st=$?
  if [ $st != 0 ] && grep -qi 'connection\|server\|terminat' "$tmp/out" && grep -q '20240401000002_slow' "$tmp/out"; then
    ok "$d: restarting the server during a migration: exit $st with a connection error naming the migration"
  else
    not_ok "$d: restarting the server during a migration: exit $st"
  fi
  show "$tmp/out"
  "$STATE" "$url" $T >"$tmp/mid" 2>&1
  if cmp -s "$tmp/mid" "$tmp/ref1"; then
    ok "$d: no partial state: the slow migration left nothing, the first one is recorded"
  elif [ $d = mariadb ] && grep -q '^== orm_migrations_progress (1 rows)' "$tmp/mid" &&
       grep -q '^20240401000002_slow | up | 2 ' "$tmp/mid"; then
    ok "$d: the slow migration's progress row records its 2 statements done (MariaDB commits each)"
  else
    not_ok "$d: partial state after the restart"; diff "$tmp/ref1" "$tmp/mid" | head -20 | sed 's/^/#  /'
  fi
  "$ORMTOOL" --url "$url" migrate --dir "$tmp/mig-$d" latest >"$tmp/out" 2>&1
  st=$?
  "$STATE" "$url" $T >"$tmp/end" 2>&1
  if [ $st = 0 ] && cmp -s "$tmp/end" "$tmp/clean"; then
    ok "$d: migrate latest again completes, end state = a clean run's"
  else
    not_ok "$d: migrate latest again: exit $st"; show "$tmp/out"; diff "$tmp/clean" "$tmp/end" | head -20 | sed 's/^/#  /'
  fi
done
finish
