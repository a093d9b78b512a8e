#!/bin/sh
# Kill tests (TAP, run by `make check`): `ormtool migrate latest` and
# `ormtool seed run` are killed with SIGKILL after their N-th statement, for
# N = 1, 2, ... until a run completes, on SQLite and, when
# ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set, PostgreSQL and MariaDB.
# The library's test hook ORM_DEBUG_KILL_AFTER=N raises SIGKILL right after
# the N-th statement the process ran (orm/internal.h).
#
# After each kill:
#   - the database is in a consistent state: equal to a clean run's state
#     after some number of whole migrations (schema dump, orm_migrations,
#     every row), or, for a migration that runs statement by statement
#     (MariaDB, `no-transaction` files), one with a progress row;
#     for seeds, equal to the state before the run (one transaction);
#   - running the command again completes, and the end state equals a
#     clean run's, byte for byte.
# Fixture: tests/faults/kill/migrations (7 migrations, YAML and SQL, a
# SQLite table rebuild, a no-transaction file) and tests/faults/kill/seeds
# (5 tables, CSV, YAML with labels and a self-reference, SQL).
# A run of S statements is killed at about ORM_FAULTS_KILL_POINTS (default
# 16, to keep `make check` short) points spread evenly over 1..S, always including the last statement;
# ORM_FAULTS_KILL_POINTS=all tries every statement.
. "$(dirname "$0")/faults-lib.sh"
points=${ORM_FAULTS_KILL_POINTS:-16}
MIG=$FIX/migrations
SEEDS=$FIX/seeds
total_runs=0 total_kills=0 total_lost=0 todo=0

# state URL FILE
state() { "$STATE" "$1" $TABLES >"$2" 2>"$2.err"; }
# same A B: 0 when the files are equal
same() { cmp -s "$1" "$2"; }

# count_stmts RESET CMD...: the number S of statements CMD runs from the
# state RESET (a command) makes: the smallest N with which a run
# killed after its N-th statement completes, less one.
count_stmts() {
  reset=$1; shift
  lo=0 hi=16
  while :; do
    $reset
    ORM_DEBUG_KILL_AFTER=$hi "$@" >/dev/null 2>&1 && break
    lo=$hi hi=$((hi * 2))
    [ $hi -gt 100000 ] && { echo 0; return; }
  done
  # runs killed after lo statements; complete with hi
  while [ $((hi - lo)) -gt 1 ]; do
    mid=$(((lo + hi) / 2))
    $reset
    if ORM_DEBUG_KILL_AFTER=$mid "$@" >/dev/null 2>&1; then hi=$mid; else lo=$mid; fi
  done
  echo $lo
}
# kill_points S: the statements to kill after
kill_points() {
  if [ "$points" = all ] || [ "$1" -le "$points" ]; then seq 1 "$1"; return; fi
  awk -v s="$1" -v p="$points" 'BEGIN { for (i = 0; i < p - 1; i++) print 1 + int(i * (s - 1) / (p - 1)); print s }' | uniq
}

# summary WHAT MID_OK END_OK: the two results of a command's kills
# (uses d, S, kills, bad_mid, bad_end)
summary() {
  total_kills=$((total_kills + kills))
  if [ $kills -gt 5 ] && [ $bad_mid = 0 ]; then
    ok "$d: $1 ($S statements) killed at $kills points: $2"
  else
    not_ok "$d: $1 killed at $kills points, $bad_mid times in a wrong state"
  fi
  if [ $kills -gt 5 ] && [ $bad_end = 0 ]; then
    ok "$d: $1 after each of the $kills kills ends in the clean state $3"
  else
    not_ok "$d: $1 after a kill: $bad_end of $kills runs did not end in the clean state"
  fi
}

# ---- migrate latest ----
kill_migrate() {
  d=$1 db=orm_faults_kill_mig url=$(dburl "$1" orm_faults_kill_mig)
  # reference states: after 0, 1, ..., all migrations (migrate up, one by one)
  db_reset "$d" $db || { not_ok "$d: cannot create database $db"; return; }
  state "$url" "$tmp/ref.0"
  k=0
  while "$ORMTOOL" --url "$url" migrate --dir "$MIG" up >"$tmp/out" 2>&1; do
    grep -q '^applied' "$tmp/out" || break
    k=$((k + 1))
    state "$url" "$tmp/ref.$k"
  done
  nref=$k
  db_reset "$d" $db
  if "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >"$tmp/out" 2>&1 && state "$url" "$tmp/clean" &&
     same "$tmp/clean" "$tmp/ref.$nref" && [ "$nref" -ge 7 ]; then
    ok "$d: a clean migrate latest equals $nref migrate up runs"
  else
    not_ok "$d: clean migrate latest"; show "$tmp/out" "$tmp/clean.err"; diff "$tmp/clean" "$tmp/ref.$nref" | head -20 | sed 's/^/#  /'
    return
  fi
  # and the state with empty bookkeeping tables (a run killed before its first migration)
  if "$ORMTOOL" --url "$url" migrate --dir "$MIG" rollback --all >"$tmp/out" 2>&1; then
    state "$url" "$tmp/ref.empty"
  else
    not_ok "$d: migrate rollback --all"; show "$tmp/out"
  fi
  S=$(count_stmts "db_reset $d $db" "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest)
  echo "# $d: migrate latest runs $S statements"
  kills=0 bad_mid=0 bad_end=0 partial=0
  for N in $(kill_points "$S"); do
    db_reset "$d" $db
    ORM_DEBUG_KILL_AFTER=$N "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >"$tmp/out" 2>&1
    st=$?
    total_runs=$((total_runs + 1))
    if [ $st != 137 ]; then
      not_ok "$d: migrate latest killed after statement $N: exit $st, expected 137 (SIGKILL)"; show "$tmp/out"
      bad_mid=$((bad_mid + 1)); continue
    fi
    kills=$((kills + 1))
    state "$url" "$tmp/mid"
    found=
    k=0
    while [ $k -le $nref ]; do
      if same "$tmp/mid" "$tmp/ref.$k"; then found=$k; break; fi
      k=$((k + 1))
    done
    if [ -z "$found" ]; then
      # a migration run statement by statement: its progress row says how far
      if grep -q '^== orm_migrations_progress ([1-9]' "$tmp/mid"; then
        partial=$((partial + 1))
      elif same "$tmp/mid" "$tmp/ref.empty"; then
        : # killed after creating the bookkeeping tables
      elif grep -q '^== orm_migrations (0 rows)' "$tmp/mid" && ! grep -q '^== orm_migrations_progress' "$tmp/mid"; then
        : # killed between creating the two bookkeeping tables (each commits by itself)
      else
        bad_mid=$((bad_mid + 1))
        not_ok "$d: after a kill at statement $N the state is no clean state and has no progress row"
        diff "$tmp/ref.0" "$tmp/mid" | head -30 | sed 's/^/#  /'
      fi
    fi
    "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >"$tmp/out" 2>&1
    st=$?
    total_runs=$((total_runs + 1))
    state "$url" "$tmp/end"
    if [ $st != 0 ] || ! same "$tmp/end" "$tmp/clean"; then
      bad_end=$((bad_end + 1))
      total_lost=$((total_lost + 1))
      not_ok "$d: migrate latest again after a kill at statement $N: exit $st, end state differs from a clean run"
      show "$tmp/out"; diff "$tmp/clean" "$tmp/end" | head -30 | sed 's/^/#  /'
    fi
  done
  summary "migrate latest" "consistent state each time ($partial with a progress row)" \
    "($todo known failures to resume, marked TODO)"
  db_drop "$d" $db
}

# ---- seed run ----
# unseed URL: take the database back to its state before the seed run (the
# seeds use explicit ids above the migrations' rows)
unseed() {
  for q in "DELETE FROM fk_book_tags" "DELETE FROM fk_tags" "DELETE FROM fk_books WHERE id > 100" \
           "UPDATE fk_categories SET parent_id = NULL WHERE id > 300" "DELETE FROM fk_categories WHERE id > 300" "DELETE FROM fk_authors WHERE id > 200"; do
    "$ORMTOOL" --url "$1" query "$q" >/dev/null || return 1
  done
}

kill_seed() {
  d=$1 db=orm_faults_kill_seed url=$(dburl "$1" orm_faults_kill_seed)
  db_reset "$d" $db && "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >/dev/null 2>&1 ||
    { not_ok "$d: cannot migrate the seed database"; return; }
  state "$url" "$tmp/before"
  if "$ORMTOOL" --url "$url" seed --dir "$SEEDS" run --batch 2 >"$tmp/out" 2>&1 && state "$url" "$tmp/clean" &&
     ! same "$tmp/before" "$tmp/clean"; then
    ok "$d: a clean seed run"
  else
    not_ok "$d: clean seed run"; show "$tmp/out" "$tmp/clean.err"; return
  fi
  S=$(count_stmts "unseed $url" "$ORMTOOL" --url "$url" seed --dir "$SEEDS" run --batch 2)
  echo "# $d: seed run runs $S statements"
  kills=0 bad_mid=0 bad_end=0
  for N in $(kill_points "$S"); do
    unseed "$url"
    ORM_DEBUG_KILL_AFTER=$N "$ORMTOOL" --url "$url" seed --dir "$SEEDS" run --batch 2 >"$tmp/out" 2>&1
    st=$?
    total_runs=$((total_runs + 1))
    if [ $st != 137 ]; then
      not_ok "$d: seed run killed after statement $N: exit $st, expected 137"; show "$tmp/out"
      bad_mid=$((bad_mid + 1)); continue
    fi
    kills=$((kills + 1))
    state "$url" "$tmp/mid"
    # before the run, or all of it (killed right after its COMMIT)
    if ! same "$tmp/mid" "$tmp/before" && ! same "$tmp/mid" "$tmp/clean"; then
      bad_mid=$((bad_mid + 1))
      not_ok "$d: seed run killed after statement $N left a partial load"
      diff "$tmp/before" "$tmp/mid" | head -30 | sed 's/^/#  /'
    fi
    "$ORMTOOL" --url "$url" seed --dir "$SEEDS" run --batch 2 >"$tmp/out" 2>&1
    st=$?
    total_runs=$((total_runs + 1))
    state "$url" "$tmp/end"
    if [ $st != 0 ] || ! same "$tmp/end" "$tmp/clean"; then
      bad_end=$((bad_end + 1))
      total_lost=$((total_lost + 1))
      not_ok "$d: seed run again after a kill at statement $N: exit $st, end state differs from a clean run"
      show "$tmp/out"; diff "$tmp/clean" "$tmp/end" | head -30 | sed 's/^/#  /'
    fi
  done
  summary "seed run" "the database was as before the run (or after its COMMIT) each time" "(no row lost or doubled)"
  db_drop "$d" $db
}

check_ci_servers
for d in $(dialects); do
  t0=$(date +%s)
  kill_migrate "$d"
  kill_seed "$d"
  echo "# $d: $(($(date +%s) - t0)) s"
done
echo "# total: $total_runs runs, $total_kills kills, $total_lost runs that lost or changed data, $todo known failures to resume (TODO)"
finish
