#!/bin/sh
# `make bench BENCH_MODE=instructions`: instructions executed per phase by
# each side, counted by valgrind's callgrind, and their ratio liborm/raw.
#
# Wall-clock times on a shared virtual machine move by 10-50 % from one
# repetition to the next (bench/README.md); instruction counts are exact and
# the same on every run, so they show what a change to the library costs or
# saves. They are not times: a cache miss counts as one instruction.
#
# callgrind writes a profile part before every getrusage() call; each side
# calls it (bench_cpu) at the start and the end of every phase, so part 2k
# of a side's profile is phase k. The side is told by its functions.
#
#   BENCH_SCALE=S  (default 1)  BENCH_URL=URL (default a temporary SQLite file)
#   ORM_BENCH      the bench program (default ./bench/bench)
# Needs valgrind. Exit 0, 1 when the sides disagree, 2 on an error.
bench=${ORM_BENCH:-./bench/bench}
scale=${BENCH_SCALE:-1}
command -v valgrind >/dev/null 2>&1 || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
url=${BENCH_URL:-sqlite:$tmp/bench.db}

# a libtool wrapper script runs the real program under valgrind this way
run=""
if head -c 2 "$bench" 2>/dev/null | grep -q '#!'; then
  lt=$(dirname "$bench")/../libtool
  [ -x "$lt" ] && run="$lt --mode=execute"
fi
$run valgrind --tool=callgrind --dump-before=getrusage \
  --callgrind-out-file="$tmp/cg.%p" "$bench" -s "$scale" -r 1 --db orm_bench "$url" \
  >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then
  grep -v '^==' "$tmp/err" >&2
  cat "$tmp/out" >&2
  [ $rc -eq 1 ] && exit 1
  exit 2
fi

# total instructions of part N of a side's profile
part() { awk '/^summary:/ { print $2 }' "$1.$2" 2>/dev/null; }
orm= raw=
for f in "$tmp"/cg.*.2; do
  base=${f%.2}
  if grep -q 'orm_side' "$base".* 2>/dev/null; then orm=$base; else raw=$base; fi
done
[ -n "$orm" ] && [ -n "$raw" ] || { echo "instructions.sh: no per-phase profiles in $tmp" >&2; exit 2; }

echo "# instructions per phase (callgrind), S=$scale, $(sed -n 's/^# \([a-z]*\) S=.*/\1/p' "$tmp/out")"
printf '%-18s %15s %15s %7s\n' phase liborm raw ratio
k=1
for phase in insert_models insert_batch fetch_by_id fetch_collection eager_load update_models; do
  a=$(part "$orm" $((2 * k)))
  b=$(part "$raw" $((2 * k)))
  [ -n "$a" ] && [ -n "$b" ] || { echo "instructions.sh: phase $phase: no profile part" >&2; exit 2; }
  awk -v p="$phase" -v a="$a" -v b="$b" 'BEGIN { printf "%-18s %15d %15d %6.2fx\n", p, a, b, a / b }'
  k=$((k + 1))
done
grep '^results' "$tmp/out"
