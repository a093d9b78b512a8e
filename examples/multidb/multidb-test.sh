#!/bin/sh
# examples/multidb: two databases in one ormtool.yaml, each with its own
# migrations and seeds; --db NAME, --all-databases and the {NAME}_DB_*
# variables. SQLite files always; with ORM_TEST_PG_URL, the production
# environment on two scratch PostgreSQL databases.
. "${ORM_TEST_SRCDIR:-$(dirname "$0")/../..}/examples/testlib.sh"
prog=$builddir/examples/multidb/multidb

# run_all LABEL: the whole sequence in the environment $ORM_ENV
run_all() {
  label=$1
  if ot migrate latest >"$tmp/out" 2>&1; then
    not_ok "$label: with several databases a command needs --db or --all-databases"
  else
    has 'app, analytics\|--all-databases' "$label: with several databases a command needs --db or --all-databases"
  fi
  step "$label: --db app migrate latest" ot --db app migrate latest &&
    has 'applied .*_users_and_orders' "$label: the app migration ran on app"
  step "$label: --all-databases migrate latest" ot --all-databases migrate latest &&
    has '== database analytics ==' "$label: --all-databases names each database"
  has 'applied .*_events' "$label: the analytics migration ran on analytics"
  step "$label: --all-databases seed run" ot --all-databases seed run
  step "$label: --db analytics migrate status" ot --db analytics migrate status
  if grep -q users_and_orders "$tmp/out"; then not_ok "$label: analytics lists only its own migrations"
  else ok "$label: analytics lists only its own migrations"; fi
  step "$label: the multidb program" "$prog"
  show
  has 'ada@example.com: 2 order(s) in app, 3 event(s) in analytics' "$label: the report joins both databases"
  has 'bob@example.com: 1 order(s) in app, 1 event(s) in analytics' "$label: every user is reported"
  step "$label: --all-databases migrate rollback" ot --all-databases migrate rollback
}

project multidb
ORM_ENV=development; export ORM_ENV
# ANALYTICS_DB_NAME picks the SQLite file of the analytics database
ANALYTICS_DB_NAME=stats.sqlite3; export ANALYTICS_DB_NAME
run_all sqlite
if [ -s stats.sqlite3 ] && [ -s app.sqlite3 ]; then ok "sqlite: files app.sqlite3 and stats.sqlite3 (from ANALYTICS_DB_NAME)"
else not_ok "sqlite: files app.sqlite3 and stats.sqlite3 (from ANALYTICS_DB_NAME)"; fi
unset ANALYTICS_DB_NAME
cd "$tmp" || exit 99

if pg_available && pg_scratch orm_example_app && pg_scratch orm_example_analytics; then
  project multidb
  ORM_ENV=production; export ORM_ENV
  # the server's address, one set of variables per database
  eval "$(printf '%s\n' "$pg_url" |
    sed -n 's#^postgres[a-z]*://\([^:@/]*\):\([^@/]*\)@\([^:/]*\):\([0-9]*\)/.*$#u=\1 pw=\2 h=\3 p=\4#p')"
  for db in APP ANALYTICS; do
    eval "${db}_DB_HOST=\$h ${db}_DB_PORT=\$p ${db}_DB_USER=\$u ${db}_DB_PASSWORD=\$pw"
    export "${db}_DB_HOST" "${db}_DB_PORT" "${db}_DB_USER" "${db}_DB_PASSWORD"
  done
  APP_DB_NAME=orm_example_app ANALYTICS_DB_NAME=orm_example_analytics
  export APP_DB_NAME ANALYTICS_DB_NAME
  run_all postgres
  cd "$tmp" || exit 99
  pg_drop orm_example_app
  pg_drop orm_example_analytics
fi
finish
