#!/bin/sh
# Disk full on SQLite (TAP, run by `make check`): the database sits on a
# small tmpfs (needs root and mount; skipped otherwise). A migration and a
# seed run that need more room than is left must fail with a clear error
# (non-zero exit, "disk is full"), leave the database intact (PRAGMA
# integrity_check says ok) and as it was before the command (schema dump,
# orm_migrations, every row), and complete once there is room again.
. "$(dirname "$0")/faults-lib.sh"
MIG=$FIX/migrations
mnt=$tmp/mnt
mkdir -p "$mnt"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=1m tmpfs "$mnt" 2>"$tmp/err"; then
  echo "1..0 # SKIP needs root to mount a small tmpfs ($(cat "$tmp/err" 2>/dev/null))"
  exit 0
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$tmp"' EXIT
url=sqlite:$mnt/full.db

# the fixture's migrations, then one that writes about 2 MB
mkdir -p "$tmp/mig" "$tmp/seeds"
cp "$MIG"/* "$tmp/mig/"
"$ORMTOOL" --url "$url" migrate --dir "$tmp/mig" latest >"$tmp/out" 2>&1 || { not_ok "migrate the fixture"; show "$tmp/out"; finish; }
size=$(du -k "$mnt/full.db" | cut -f1)
# room for the database and a little more
mount -o remount,size=$((size + 64))k "$mnt" || { not_ok "remount"; finish; }
cat >"$tmp/mig/20240301000008_big.sql" <<'EOF'
-- migrate:up
CREATE TABLE fk_big (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)
INSERT INTO fk_big (id, data) SELECT x, randomblob(1000) FROM c;
-- migrate:down
DROP TABLE fk_big;
EOF
"$STATE" "$url" $TABLES >"$tmp/before" 2>&1

# intact DESCRIPTION: integrity_check ok and the state as before
intact() {
  if "$ORMTOOL" --url "$url" query "PRAGMA integrity_check" >"$tmp/ic" 2>&1 && grep -qx ' *ok *' "$tmp/ic"; then
    ok "$1: integrity_check ok"
  else
    not_ok "$1: integrity_check"; show "$tmp/ic"
  fi
  "$STATE" "$url" $TABLES >"$tmp/now" 2>&1
  if cmp -s "$tmp/before" "$tmp/now"; then
    ok "$1: the database is as before the command"
  else
    not_ok "$1: the database changed"; diff "$tmp/before" "$tmp/now" | head -20 | sed 's/^/#  /'
  fi
}

"$ORMTOOL" --url "$url" migrate --dir "$tmp/mig" latest >"$tmp/out" 2>&1
st=$?
if [ $st != 0 ] && grep -qi 'disk is full' "$tmp/out" && grep -q 'still pending' "$tmp/out"; then
  ok "a migration that fills the disk fails (exit $st): 'disk is full', the migrations are still pending"
else
  not_ok "a migration that fills the disk: exit $st"; show "$tmp/out"
fi
intact "after the failed migration"

# a seed of about 1.5 MB into fk_log
awk 'BEGIN { print "id,note"; for (i = 10; i < 30000; i++) printf "%d,note %032d\n", i, i }' >"$tmp/seeds/fk_log.csv"
"$ORMTOOL" --url "$url" seed --dir "$tmp/seeds" run >"$tmp/out" 2>&1
st=$?
if [ $st != 0 ] && grep -qi 'disk is full' "$tmp/out"; then
  ok "a seed run that fills the disk fails (exit $st) with 'disk is full'"
else
  not_ok "a seed run that fills the disk: exit $st"; show "$tmp/out"
fi
intact "after the failed seed run"

# room again: both complete
mount -o remount,size=16m "$mnt"
"$ORMTOOL" --url "$url" migrate --dir "$tmp/mig" latest >"$tmp/out" 2>&1 && grep -q 'applied .*20240301000008_big' "$tmp/out" &&
  ok "with room again the migration completes" || { not_ok "migration with room again"; show "$tmp/out"; }
"$ORMTOOL" --url "$url" seed --dir "$tmp/seeds" run >"$tmp/out" 2>&1 &&
  "$ORMTOOL" --url "$url" query "SELECT COUNT(*) AS n FROM fk_log" >"$tmp/n" 2>&1 && grep -qw '29993' "$tmp/n" &&
  ok "with room again the seed run loads every row" || { not_ok "seed run with room again"; show "$tmp/out" "$tmp/n"; }
finish
