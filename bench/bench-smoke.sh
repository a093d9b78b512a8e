#!/bin/sh
# The benchmark is not a test: this only checks (TAP, `make check`) that
# bench/bench runs the whole workload once at S=1 on SQLite, and on
# PostgreSQL / MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set,
# and that liborm and the hand-written raw-driver code agree on every
# phase's row count and checksum (exit status 0), the two sides taking
# turns phase by phase (the default); once more on SQLite with
# --sequential (one whole side after the other). Then bench/seeds.sh once
# on SQLite (Chinook and Sakila, one run per side, a few seconds): both
# loads complete and give every table the source's row count. Nothing
# about time.
builddir=${ORM_TEST_BUILDDIR:-.}
bench=$builddir/bench/bench
if [ ! -x "$bench" ]; then
  echo "1..0 # SKIP $bench not built"
  exit 0
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

set -- "sqlite:$tmp/bench.db"
[ -n "${ORM_TEST_PG_URL:-}" ] && set -- "$@" "$ORM_TEST_PG_URL"
[ -n "${ORM_TEST_MARIADB_URL:-}" ] && set -- "$@" "$ORM_TEST_MARIADB_URL"
echo "1..$(($# + 2))"
n=0
fail=0
for url in "$@"; do
  n=$((n + 1))
  name=${url%%:*}
  # shellcheck disable=SC2086
  if ${ORM_TEST_WRAPPER:-} "$bench" -s 1 -r 1 --db orm_bench "$url" >"$tmp/out" 2>"$tmp/err" &&
     grep -q '^results agree$' "$tmp/out"; then
    echo "ok $n - $name: six phases ran, liborm and raw agree"
  else
    echo "not ok $n - $name: bench failed or disagreed"
    sed 's/^/#   /' "$tmp/out" "$tmp/err"
    fail=1
  fi
done
n=$((n + 1))
# shellcheck disable=SC2086
if ${ORM_TEST_WRAPPER:-} "$bench" -s 1 -r 1 --sequential "sqlite:$tmp/seq.db" >"$tmp/out" 2>"$tmp/err" &&
   grep -q '^results agree$' "$tmp/out"; then
  echo "ok $n - sqlite --sequential: six phases ran, liborm and raw agree"
else
  echo "not ok $n - sqlite --sequential: bench failed or disagreed"
  sed 's/^/#   /' "$tmp/out" "$tmp/err"
  fail=1
fi
n=$((n + 1))
srcdir=${ORM_TEST_SRCDIR:-.}
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "ok $n # SKIP seeds: no sqlite3 shell"
elif BENCH_REPS=1 BENCH_SEEDS_DBS=sqlite ORMTOOL=$builddir/ormtool \
     sh "$srcdir/bench/seeds.sh" >"$tmp/out" 2>"$tmp/err"; then
  if grep -q '^seeds.sh: skipped' "$tmp/out"; then
    echo "ok $n # SKIP seeds: $(cat "$tmp/out")"
  else
    echo "ok $n - seeds: ormtool and sqlite3 loaded Chinook and Sakila with the same row counts"
  fi
else
  echo "not ok $n - seeds: bench/seeds.sh failed"
  sed 's/^/#   /' "$tmp/out" "$tmp/err"
  fail=1
fi
exit $fail
