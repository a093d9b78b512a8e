#!/bin/sh
# Concurrency (TAP, run by `make check`): 8 processes run `ormtool migrate
# latest` at once on the same empty database (SQLite always; PostgreSQL and
# MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set). Each
# migration must be applied exactly once: every process exits 0, the
# "applied" lines of all of them name each migration once, and the end
# state (schema dump, orm_migrations, every row) equals a single clean
# run's. Repeated ORM_FAULTS_CONC_ROUNDS times (default 3).
. "$(dirname "$0")/faults-lib.sh"
MIG=$FIX/migrations
rounds=${ORM_FAULTS_CONC_ROUNDS:-3}
P=8

check_ci_servers
for d in $(dialects); do
  db=orm_faults_conc url=$(dburl "$d" $db)
  db_reset "$d" $db && "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >"$tmp/out" 2>&1 &&
    "$STATE" "$url" $TABLES >"$tmp/clean" 2>&1 || { not_ok "$d: a clean run"; show "$tmp/out" "$tmp/clean"; continue; }
  nmig=$(grep -c '^applied' "$tmp/out")
  r=1
  while [ $r -le "$rounds" ]; do
    db_reset "$d" $db
    i=1 pids=
    while [ $i -le $P ]; do
      "$ORMTOOL" --url "$url" migrate --dir "$MIG" latest >"$tmp/out.$i" 2>&1 &
      pids="$pids $!"
      i=$((i + 1))
    done
    bad=0 i=1
    for p in $pids; do
      wait "$p" || { bad=$((bad + 1)); echo "# process $i exited $?"; show "$tmp/out.$i"; }
      i=$((i + 1))
    done
    cat "$tmp"/out.* | grep '^applied' | awk '{print $2}' | sort >"$tmp/applied"
    twice=$(uniq -d "$tmp/applied" | wc -l)
    once=$(sort -u "$tmp/applied" | wc -l)
    "$STATE" "$url" $TABLES >"$tmp/end" 2>&1
    if [ $bad = 0 ] && [ "$twice" = 0 ] && [ "$once" = "$nmig" ] && cmp -s "$tmp/end" "$tmp/clean"; then
      ok "$d: round $r: $P concurrent migrate latest: all exit 0, each of the $nmig migrations applied once, end state = a clean run's"
    else
      not_ok "$d: round $r: $P concurrent migrate latest: $bad failed, $twice applied twice, $once of $nmig applied"
      diff "$tmp/clean" "$tmp/end" | head -20 | sed 's/^/#  /'
    fi
    rm -f "$tmp"/out.*
    r=$((r + 1))
  done
  db_drop "$d" $db
done
finish
