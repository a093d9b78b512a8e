#!/bin/sh
# `make bench`: the workload of ../shared/bench/WORKLOAD.md, liborm against
# the raw driver, at S=1 and S=10 on SQLite (a temporary file), and on
# PostgreSQL / MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set
# (in a database orm_bench created next to the test one).
#   BENCH_MODE=scaling  S=1,10,50: microseconds per row, eager-load statements
#   BENCH_MODE=seeds    `ormtool seed run` of Chinook and Sakila against the
#                       databases' own clients (bench/seeds.sh; default 3 reps)
#   BENCH_MODE=instructions  instructions per phase and side under callgrind
#                       (bench/instructions.sh; S=1 on SQLite unless
#                       BENCH_SCALE / BENCH_URL say otherwise)
#   BENCH_REPS=N        repetitions per scale, median printed (default 5)
if [ "${BENCH_MODE:-}" = seeds ]; then
  exec sh "$(dirname "$0")/seeds.sh"
fi
if [ "${BENCH_MODE:-}" = instructions ]; then
  exec sh "$(dirname "$0")/instructions.sh"
fi
bench=${ORM_BENCH:-./bench/bench}
reps=${BENCH_REPS:-5}
mode=${BENCH_MODE:-phases}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0

urls="sqlite:$tmp/bench.db"
[ -n "${ORM_TEST_PG_URL:-}" ] && urls="$urls $ORM_TEST_PG_URL"
[ -n "${ORM_TEST_MARIADB_URL:-}" ] && urls="$urls $ORM_TEST_MARIADB_URL"

echo "# liborm bench on $(nproc) cores, $(date -u +%Y-%m-%d)"
case $mode in
  phases)
    for url in $urls; do
      for s in 1 10; do
        "$bench" -s "$s" -r "$reps" --db orm_bench "$url" || status=1
        echo
      done
    done ;;
  scaling)
    for url in $urls; do
      "$bench" --scaling -r 1 --db orm_bench "$url" || status=1
    done ;;
  *) echo "run.sh: unknown BENCH_MODE $mode" >&2; exit 2 ;;
esac
exit $status
