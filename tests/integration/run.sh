#!/bin/sh
# Run one integration test program on one database.
# usage: run.sh DIALECT PATH/NAME.DIALECT
#   runs PATH/test_NAME with ORM_TEST_URL set for DIALECT:
#   sqlite  -> sqlite::memory: (always available)
#   pg      -> $ORM_TEST_PG_URL      (tests/servers/pg.sh start prints it)
#   mariadb -> $ORM_TEST_MARIADB_URL (tests/servers/mariadb.sh start prints it)
# Without the URL the program is skipped, except in CI (CI=true), where a
# missing server is a failure.
dialect=$1
case_file=$2
name=$(basename "$case_file" ".$dialect")
# the case file may sit in the srcdir; the program is always in the builddir
prog="${ORM_TEST_BUILDDIR:-.}/tests/integration/test_$name"
case $dialect in
  sqlite) url=${ORM_TEST_SQLITE_URL:-sqlite::memory:} ;;
  pg) url=${ORM_TEST_PG_URL:-} ;;
  mariadb) url=${ORM_TEST_MARIADB_URL:-} ;;
  *) echo "run.sh: unknown dialect $dialect" >&2; exit 99 ;;
esac
if [ -z "$url" ]; then
  var=ORM_TEST_$(echo "$dialect" | tr a-z A-Z)_URL
  if [ "${CI:-}" = true ]; then
    echo "1..1"
    echo "not ok 1 - $var is not set: CI requires the $dialect server (tests/servers/$dialect.sh start)"
    exit 1
  fi
  echo "1..0 # SKIP $var not set; start a server with tests/servers/$dialect.sh start"
  exit 0
fi
ORM_TEST_URL=$url
ORM_TEST_DIALECT=$dialect
export ORM_TEST_URL ORM_TEST_DIALECT
exec ${ORM_TEST_WRAPPER:-} "$prog"
