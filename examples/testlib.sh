# Shared by the examples' test scripts (examples/*/*-test.sh), which
# source it. It prints TAP: call `finish` at the end for the plan.
#
#   ORM_TEST_BUILDDIR  where ormtool and the example programs are built
#   ORM_TEST_SRCDIR    the source tree (the example projects are copied
#                      from there into a temporary folder before running)
#   ORM_TEST_PG_URL    a scratch PostgreSQL server: run there too
#   ORM_TEST_WRAPPER   run ormtool and the programs under it (valgrind)
#   CI=true            a missing PostgreSQL server is a failure, not a skip

srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${ORM_TEST_BUILDDIR:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
ORMTOOL=$builddir/ormtool
unset DATABASE_URL ORM_ENV
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() {
  n=$((n + 1)); echo "not ok $n - $1"; fail=1
  [ -s "$tmp/out" ] && sed 's/^/#   /' "$tmp/out"
}
finish() { echo "1..$n"; exit $fail; }

# step DESCRIPTION CMD...: run CMD under $ORM_TEST_WRAPPER (output in $tmp/out);
# ok when it exits 0. CMD `ot` is ormtool.
step() {
  desc=$1; shift
  [ "$1" = ot ] && { shift; set -- "$ORMTOOL" "$@"; }
  # shellcheck disable=SC2086
  ${ORM_TEST_WRAPPER:-} "$@" >"$tmp/out" 2>&1 </dev/null
  rc=$?
  if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc (exit $rc)"; fi
  return $rc
}
# ot ARGS...: ormtool
ot() { "$ORMTOOL" "$@"; }
# has PATTERN DESCRIPTION: the last step's output matches PATTERN (grep).
has() {
  if grep -q -- "$1" "$tmp/out"; then ok "$2"; else not_ok "$2: no '$1' in the output"; fi
}
# show: the last step's output as TAP comments
show() { sed 's/^/# /' "$tmp/out"; }

# project NAME: copy examples/NAME (config, migrations, seeds, any
# database/ folder) into $tmp/NAME and cd there, as a user would work in it.
project() {
  rm -rf "${tmp:?}/$1"
  mkdir -p "$tmp/$1" || exit 99
  for f in ormtool.yaml migrations seeds database; do
    [ -e "$srcdir/examples/$1/$f" ] && cp -R "$srcdir/examples/$1/$f" "$tmp/$1/"
  done
  chmod -R u+w "$tmp/$1"
  cd "$tmp/$1" || exit 99
}

# pg_available: can the PostgreSQL part run? When it cannot, prints a
# skip line (or a failure with CI=true) and returns 1.
pg_available() {
  if [ -n "${ORM_TEST_PG_URL:-}" ]; then return 0; fi
  if [ "${CI:-}" = true ]; then not_ok "PostgreSQL: ORM_TEST_PG_URL is not set (CI=true)"
  else skip "PostgreSQL" "ORM_TEST_PG_URL is not set"; fi
  return 1
}

# pg_scratch NAME: drop and create database NAME on the ORM_TEST_PG_URL
# server and set pg_url to its URL (pg_host_url: the server's URL without
# a database, for *_DB_* variables). Returns 1 (with a not-ok line) on failure.
pg_scratch() {
  pg_host_url=$(printf '%s\n' "$ORM_TEST_PG_URL" | sed 's#^\(postgres[a-z]*://[^/?]*\).*#\1#')
  pg_url="$pg_host_url/$1"
  if ! "$ORMTOOL" --url "$pg_host_url/postgres" query "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >"$tmp/out" 2>&1 ||
     ! "$ORMTOOL" --url "$pg_host_url/postgres" query "CREATE DATABASE $1" >"$tmp/out" 2>&1; then
    not_ok "PostgreSQL: create the scratch database $1"
    return 1
  fi
}

# pg_drop NAME: drop a scratch database made by pg_scratch.
pg_drop() {
  "$ORMTOOL" --url "$pg_host_url/postgres" query "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
}
