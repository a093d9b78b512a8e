# Shared by the tests/cli/*.sh scripts (sourced with ".", not a test itself:
# loops over tests/cli/*.sh skip it): finds ormtool, makes $tmp (removed on
# exit) and prints TAP. Sets: ORMTOOL, tmp, n, fail.
#   ot ARGS...                          ormtool (under $ORM_TEST_WRAPPER when set)
#   ok DESC / not_ok DESC               one TAP line (not_ok shows $tmp/out, $tmp/err)
#   run STATUS DESC CMD...              run CMD (stdout $tmp/out, stderr $tmp/err),
#                                       pass when it exits with STATUS
#   has FILE PATTERN DESC               $tmp/FILE matches PATTERN (grep)
#   hasnt FILE PATTERN DESC             ... does not
#   same DESC                           $tmp/out is exactly $tmp/want
# A script ends with: echo "1..$n"; exit $fail
builddir=${ORM_TEST_BUILDDIR:-.}
case $builddir in /*) ;; *) builddir=$(pwd)/$builddir ;; esac
ORMTOOL=$builddir/ormtool
if [ ! -x "$ORMTOOL" ]; then
  echo "1..0 # SKIP $ORMTOOL not built"
  exit 0
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
unset DATABASE_URL ORM_ENV
# shellcheck disable=SC2086
ot() { ${ORM_TEST_WRAPPER:-} "$ORMTOOL" "$@"; }

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); echo "not ok $n - $1"; fail=1
  for f in "$tmp/out" "$tmp/err"; do
    [ -s "$f" ] && { echo "#   ${f##*/}:"; sed 's/^/#     /' "$f"; }
  done
}
run() {
  want=$1 desc=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  got=$?
  if [ "$got" = "$want" ]; then ok "$desc (exit $got)"; return 0; fi
  not_ok "$desc: exit $got, expected $want"; return 1
}
has() {
  if grep -q -- "$2" "$tmp/$1"; then ok "$3"; else not_ok "$3: no '$2' in $1"; fi
}
hasnt() {
  if grep -q -- "$2" "$tmp/$1"; then not_ok "$3: '$2' in $1"; else ok "$3"; fi
}
same() {
  if cmp -s "$tmp/out" "$tmp/want"; then ok "$1"; else
    not_ok "$1: output differs"; echo "#   expected:"; sed 's/^/#     /' "$tmp/want"
  fi
}
# each_server CMD: `CMD pg URL` and `CMD mariadb URL` for the servers whose
# ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL is set; a missing one is skipped,
# or a failure in CI (CI=true), where every server must be there
each_server() {
  for v in ORM_TEST_PG_URL ORM_TEST_MARIADB_URL; do
    eval "url=\${$v:-}"
    if [ -z "$url" ] && [ "${CI:-}" = true ]; then
      not_ok "$v is not set: CI requires every server"
    elif [ -z "$url" ]; then
      n=$((n + 1)); echo "ok $n # SKIP $v not set"
    else
      case $v in *PG*) "$1" pg "$url" ;; *) "$1" mariadb "$url" ;; esac
    fi
  done
}
