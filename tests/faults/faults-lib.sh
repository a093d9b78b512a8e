# Helpers shared by the fault tests (kill.sh, restart.sh, diskfull.sh,
# concurrent.sh); sourced, not run. TAP output: ok/not_ok count the tests,
# the caller prints the plan at the end with `finish`.
builddir=${ORM_TEST_BUILDDIR:-.}
srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ORMTOOL=$builddir/ormtool
STATE=$builddir/tests/faults/faults_state
FIX=$srcdir/tests/faults/kill
unset DATABASE_URL ORM_ENV ORM_DEBUG_KILL_AFTER
# The libtool wrapper scripts cost a shell start each (hundreds of runs
# here): run the real programs, with the library they were linked with.
if [ -x "$builddir/.libs/ormtool" ] && [ -x "$builddir/tests/faults/.libs/faults_state" ]; then
  ORMTOOL=$builddir/.libs/ormtool
  STATE=$builddir/tests/faults/.libs/faults_state
  LD_LIBRARY_PATH=$builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
fi
for p in "$ORMTOOL" "$STATE"; do
  if [ ! -x "$p" ]; then
    echo "1..0 # SKIP $p not built"
    exit 0
  fi
done
# temporary files in memory when possible (SQLite syncs every commit)
tmp=$(mktemp -d "${ORM_FAULTS_TMP:-/dev/shm}/orm-faults.XXXXXX" 2>/dev/null || mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# show FILE...: the files as TAP comments (at most 40 lines each)
show() {
  for f in "$@"; do
    [ -s "$f" ] && { echo "#   ${f##*/}:"; head -n 40 "$f" | sed 's/^/#     /'; }
  done
  return 0
}
finish() { echo "1..$n"; exit $fail; }

# The tables of the fixture, children last is not needed: faults_state reads.
TABLES="fk_authors fk_books fk_categories fk_tags fk_book_tags fk_log"

# dburl DIALECT NAME: a URL of a database of our own named NAME on the
# server of ORM_TEST_{PG,MARIADB}_URL (created by db_reset); for sqlite
# a file in $tmp. Empty when the server's URL is not set.
dburl() {
  case $1 in
  sqlite) echo "sqlite:$tmp/$2.db" ;;
  pg) [ -n "${ORM_TEST_PG_URL:-}" ] && echo "$ORM_TEST_PG_URL" | sed "s#^\(postgres[a-z]*://[^/]*\)/[^?]*#\1/$2#" ;;
  mariadb) [ -n "${ORM_TEST_MARIADB_URL:-}" ] && echo "$ORM_TEST_MARIADB_URL" | sed "s#^\([a-z]*://[^/]*\)/[^?]*#\1/$2#" ;;
  esac
  return 0
}

# db_reset DIALECT NAME: make database NAME empty (created when missing;
# on PostgreSQL its schema public is dropped and created again, cheaper
# than a new database).
db_reset() {
  case $1 in
  sqlite)
    rm -f "$tmp/$2.db" "$tmp/$2.db-journal" "$tmp/$2.db-wal" "$tmp/$2.db-shm"
    ;;
  pg)
    "$ORMTOOL" --url "$(dburl pg "$2")" query \
      'DO $$ BEGIN DROP SCHEMA public CASCADE; CREATE SCHEMA public; END $$' >/dev/null 2>&1 && return 0
    "$ORMTOOL" --url "$ORM_TEST_PG_URL" query "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null &&
      "$ORMTOOL" --url "$ORM_TEST_PG_URL" query "CREATE DATABASE $2" >/dev/null
    ;;
  mariadb)
    "$ORMTOOL" --url "$ORM_TEST_MARIADB_URL" query "DROP DATABASE IF EXISTS $2" >/dev/null &&
      "$ORMTOOL" --url "$ORM_TEST_MARIADB_URL" query "CREATE DATABASE $2 CHARACTER SET utf8mb4" >/dev/null
    ;;
  esac
}

# db_drop DIALECT NAME
db_drop() {
  case $1 in
  sqlite) rm -f "$tmp/$2.db" ;;
  pg) "$ORMTOOL" --url "$ORM_TEST_PG_URL" query "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null 2>&1 ;;
  mariadb) "$ORMTOOL" --url "$ORM_TEST_MARIADB_URL" query "DROP DATABASE IF EXISTS $2" >/dev/null 2>&1 ;;
  esac
  return 0
}

# dialects: the dialects to run on (sqlite always; pg and mariadb when
# their URL is set; in CI a missing URL is a failure, reported here).
# ORM_FAULTS_ONLY=DIALECT runs on that one only.
dialects() {
  for d in sqlite pg mariadb; do
    [ -n "${ORM_FAULTS_ONLY:-}" ] && [ "$ORM_FAULTS_ONLY" != $d ] && continue
    case $d in
    pg) [ -n "${ORM_TEST_PG_URL:-}" ] || continue ;;
    mariadb) [ -n "${ORM_TEST_MARIADB_URL:-}" ] || continue ;;
    esac
    echo $d
  done
}
check_ci_servers() {
  for d in PG MARIADB; do
    eval "u=\${ORM_TEST_${d}_URL:-}"
    if [ -z "$u" ]; then
      if [ "${CI:-}" = true ]; then not_ok "ORM_TEST_${d}_URL is not set: CI requires the server"
      else skip "ORM_TEST_${d}_URL not set"; fi
    fi
  done
}
