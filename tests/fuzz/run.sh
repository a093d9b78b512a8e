#!/bin/sh
# Build the libFuzzer targets of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) against the library sources and
# run each for a fixed number of executions, starting from its seed corpus
# tests/fuzz/corpus/TARGET/ (which also keeps every input that once
# crashed, as a regression). Prints TAP.
#
#   tests/fuzz/run.sh [TARGET...]
#
# Environment:
#   ORM_FUZZ_RUNS   executions per target (default 20000)
#   ORM_FUZZ_BUILD  build folder (default build-fuzz-clang/ in the source
#                   tree), configured here with clang when it has no Makefile
#   ORM_FUZZ_KEEP=1 keep the inputs libFuzzer adds in $ORM_FUZZ_BUILD/fuzz/new-TARGET/
# Without clang the whole run is skipped (in CI, CI=true, it fails).
# A crash leaves its input in $ORM_FUZZ_BUILD/fuzz/crash-TARGET-*; copy it
# into tests/fuzz/corpus/TARGET/ once fixed.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=${ORM_FUZZ_BUILD:-$SRC/build-fuzz-clang}
RUNS=${ORM_FUZZ_RUNS:-20000}
ALL="fuzz_yaml_migration fuzz_seed_csv fuzz_seed_yaml fuzz_config fuzz_url fuzz_quote"
TARGETS=${*:-$ALL}

if ! command -v clang >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "1..1"; echo "not ok 1 - clang is not installed (scripts/install-deps.sh installs it)"; exit 1
  fi
  echo "1..0 # SKIP clang is not installed"; exit 0
fi

n=0; for t in $TARGETS; do n=$((n + 1)); done
echo "1..$((n + 1))"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
mkdir -p "$B/fuzz"
if [ ! -f "$B/Makefile" ]; then
  (cd "$B" && "$SRC/configure" CC=clang CFLAGS="-O1 -g $SAN -fsanitize=fuzzer-no-link" \
     LDFLAGS="$SAN" --disable-shared) >"$B/fuzz/configure.log" 2>&1
fi
if (cd "$B" && make -j"${MAKE_JOBS:-2}" liborm.la) >"$B/fuzz/build.log" 2>&1; then
  echo "ok 1 - liborm built with clang, ASan, UBSan and fuzzer instrumentation"
else
  echo "not ok 1 - building liborm with clang (see $B/fuzz/build.log)"
  tail -n 20 "$B/fuzz/build.log" | sed 's/^/# /'
  exit 1
fi

i=1 failed=0
for t in $TARGETS; do
  i=$((i + 1))
  log=$B/fuzz/$t.log
  if ! "$B/libtool" --mode=link clang -g -O1 $SAN -fsanitize=fuzzer \
       -I"$SRC/include" -I"$SRC" -I"$B" -I"$SRC/tests/fuzz" \
       -o "$B/fuzz/$t" "$SRC/tests/fuzz/$t.c" "$B/liborm.la" >"$log" 2>&1; then
    echo "not ok $i - $t: does not build (see $log)"; failed=1; continue
  fi
  new=$B/fuzz/new-$t
  rm -rf "$new"; mkdir -p "$new"
  # the first folder receives new inputs; the corpus (seeds + regressions) is read only
  if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
     "$B/fuzz/$t" -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -seed=1 \
       -print_final_stats=1 -artifact_prefix="$B/fuzz/crash-$t-" \
       "$new" "$SRC/tests/fuzz/corpus/$t" >>"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    inputs=$(ls "$SRC/tests/fuzz/corpus/$t" | wc -l)
    echo "ok $i - $t: ${execs:-?} executions from $inputs corpus inputs, no crash, leak or UB"
  else
    echo "not ok $i - $t: crashed (see $log; input saved as $B/fuzz/crash-$t-*)"
    grep -E 'ERROR|runtime error|property failed' "$log" | head -n 5 | sed 's/^/# /'
    failed=1
  fi
  [ "${ORM_FUZZ_KEEP:-}" = 1 ] || rm -rf "$new"
done
exit $failed
