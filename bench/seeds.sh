#!/bin/sh
# `make bench BENCH_MODE=seeds`: time `ormtool seed run` loading the
# Chinook and Sakila sample databases (../shared/data) against the
# database's own client loading the same rows: the sqlite3 shell running a
# data-only script, psql \copy of CSV files, the mariadb client running a
# mariadb-dump script. SQLite always; PostgreSQL / MariaDB when
# ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set, in scratch databases
# orm_bench_seeds_DATASET (dropped at the end). Every timed run starts
# from empty tables; after each one the row count of every table is
# compared with the source's. Prints one line per dataset and database:
# median seconds of each side and the ratio ormtool / native.
#
#   BENCH_REPS=N            timed runs per side (default 3), median printed
#   BENCH_SEEDS_DATASETS    default "chinook sakila"
#   BENCH_SEEDS_DBS         default "sqlite pg mariadb" (servers need their URL)
#   ORMTOOL                 the ormtool binary (default ./ormtool)
#   ORM_TEST_SRCDIR         the source tree (../shared/data is beside it)
#   BENCH_KEEP=1            keep the work folder (seed files, native scripts)
#
# Exit status: 0 done (or ../shared/data absent: skipped), 1 a row count
# differs, 2 an error. Needs sqlite3 (the Sakila source for every
# database), psql for PostgreSQL, mariadb and mariadb-dump for MariaDB.
set -eu

die() { echo "seeds.sh: $*" >&2; exit 2; }
srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
data=$srcdir/../shared/data
ormtool=${ORMTOOL:-./ormtool}
reps=${BENCH_REPS:-3}
datasets=${BENCH_SEEDS_DATASETS:-chinook sakila}
dbs=${BENCH_SEEDS_DBS:-sqlite pg mariadb}

if [ ! -f "$data/chinook/Chinook_Sqlite.sql" ] || [ ! -f "$data/sakila/jooq_sqlite-sakila-schema.sql" ]; then
  echo "seeds.sh: skipped: the sample databases ($data) are absent"
  exit 0
fi
case $ormtool in /*) ;; *) ormtool=$(pwd)/$ormtool ;; esac
[ -x "$ormtool" ] || die "no ormtool at $ormtool (build it, or set ORMTOOL)"
command -v sqlite3 >/dev/null 2>&1 || die "the sqlite3 shell is not installed"
case $(date +%N) in '' | *N*) die "date +%N does not give nanoseconds (needs GNU date)" ;; esac
case $reps in '' | *[!0-9]* | 0) die "BENCH_REPS must be a positive number, not '$reps'" ;; esac

w=$(mktemp -d) || exit 2
scratch=
cleanup() {
  for s in $scratch; do drop_scratch "${s%%:*}" "${s#*:}" >/dev/null 2>&1 || :; done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "seeds.sh: kept $w" >&2; else rm -rf "$w"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# ---- connections ----

# on_database URL NAME: the URL with its database replaced by NAME
on_database() {
  base=${1%%\?*}
  echo "${base%/*}/$2${1#"$base"}"
}
server_url() {
  case $1 in
    pg) echo "${ORM_TEST_PG_URL:-}" ;;
    mariadb) echo "${ORM_TEST_MARIADB_URL:-}" ;;
  esac
}
# url DB DATASET: where the timed runs load
url() {
  case $1 in
    sqlite) echo "sqlite:$w/$2.run.db" ;;
    *) on_database "$(server_url "$1")" "orm_bench_seeds_$2" ;;
  esac
}
# my PROGRAM URL ARGS...: a MariaDB client program on the URL's server and
# database (mariadb://user:password@host:port/db; no %-escapes)
my() {
  m_prog=$1 m_url=${2#*://}; shift 2
  m_url=${m_url%%\?*}
  m_cred=${m_url%%@*} m_hp=${m_url#*@}
  m_db=${m_hp#*/} m_hp=${m_hp%%/*}
  m_port=3306
  case $m_hp in *:*) m_port=${m_hp#*:} ;; esac
  "$m_prog" --protocol=tcp -h "${m_hp%%:*}" -P "$m_port" -u "${m_cred%%:*}" "--password=${m_cred#*:}" "$@" "$m_db"
}
# pg ARGS...: psql, quiet, stopping at the first error, no notices
pg() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# sql DB DATASET SQL: run SQL on the dataset's database, rows as
# space-separated lines
sql() {
  case $1 in
    sqlite) sqlite3 -batch -bail -separator ' ' "$w/$2.run.db" "$3" ;;
    pg) pg -At -F ' ' -d "$(url pg "$2")" -c "$3" ;;
    mariadb) my mariadb "$(url mariadb "$2")" -N -B -e "$3" ;;
  esac
}
# sql_file DB DATASET FILE: run a script with the database's own client
sql_file() {
  case $1 in
    sqlite) sqlite3 -batch -bail "$w/$2.run.db" <"$3" ;;
    pg) pg -d "$(url pg "$2")" -f "$3" ;;
    mariadb) my mariadb "$(url mariadb "$2")" <"$3" ;;
  esac
}
quote() {
  case $1 in mariadb) echo "\`$2\`" ;; *) echo "\"$2\"" ;; esac
}
# list_tables DB DATASET: the base tables, sorted, into $w/DB.DATASET.tables
list_tables() {
  case $1 in
    sqlite) set -- "$1" "$2" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1" ;;
    pg) set -- "$1" "$2" "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" ;;
    mariadb) set -- "$1" "$2" "SELECT table_name FROM information_schema.tables
                               WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1" ;;
  esac
  sql "$@" >"$w/$1.$2.tables" || die "$1 $2: cannot list the tables"
}
tables() { cat "$w/$1.$2.tables"; }
# counts DB DATASET: "table rows" per table, in one query
counts() {
  q=
  for t in $(tables "$1" "$2"); do
    q="$q${q:+ UNION ALL }SELECT '$t', COUNT(*) FROM $(quote "$1" "$t")"
  done
  sql "$1" "$2" "$q" >"$w/counts" || die "$1 $2: cannot count the rows"
  sort "$w/counts"
}
# ---- scratch databases on the servers ----
create_scratch() {
  name=orm_bench_seeds_$2
  case $1 in
    pg) pg -d "$(server_url pg)" \
          -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" ;;
    mariadb) my mariadb "$(server_url mariadb)" \
          -e "DROP DATABASE IF EXISTS $name; CREATE DATABASE $name CHARACTER SET utf8mb4" ;;
  esac
  scratch="$scratch $1:$2"
}
drop_scratch() {
  case $1 in
    pg) pg -d "$(server_url pg)" -c "DROP DATABASE IF EXISTS orm_bench_seeds_$2" ;;
    mariadb) my mariadb "$(server_url mariadb)" -e "DROP DATABASE IF EXISTS orm_bench_seeds_$2" ;;
  esac
}

# quietly CMD...: run CMD, its output in $w/log, shown when it fails
quietly() {
  "$@" >"$w/log" 2>&1 || { cat "$w/log" >&2; die "failed: $*"; }
}
# export_seeds DB DATASET DIR: every table as a CSV seed file, by ormtool
export_seeds() {
  mkdir -p "$3"
  for t in $(tables "$1" "$2"); do
    quietly "$ormtool" --url "$(url "$1" "$2")" seed export "$t" --dir "$3"
  done
}

# ---- the SQLite source of each dataset (untimed) ----

# sqlite_source DATASET: $w/DATASET.src.db, and its seed files in
# $w/sqlite.DATASET.seeds (also what PostgreSQL / MariaDB Sakila are
# filled from: no Sakila dump of this data loads there as it is)
sqlite_source() {
  src=$w/$1.src.db
  [ -f "$src" ] && return 0
  case $1 in
    chinook) sqlite3 -bail "$src" <"$data/chinook/Chinook_Sqlite.sql" ;;
    sakila)
      sqlite3 -bail "$src" <"$data/sakila/jooq_sqlite-sakila-schema.sql"
      # the port's views, and its triggers that stamp last_update on insert
      sqlite3 "$src" "SELECT 'DROP ' || type || ' \"' || name || '\";' FROM sqlite_master
                      WHERE type IN ('view', 'trigger')" | sqlite3 -bail "$src"
      # foreign keys are off in the shell: the data refers forward (store <-> staff)
      sqlite3 -bail "$src" <"$data/sakila/sakila_sqlite_data_DERIVED_from_mysql_official.sql" ;;
    *) die "unknown dataset '$1' (chinook, sakila)" ;;
  esac
  cp "$src" "$w/$1.run.db"
  list_tables sqlite "$1"
  export_seeds sqlite "$1" "$w/sqlite.$1.seeds"
}

# sakila_pg_schema: the SQLite port's tables for PostgreSQL; its foreign
# keys refer to tables created later, so they are added at the end
sakila_pg_schema() {
  sqlite3 "$w/sakila.src.db" .schema | awk '
    /^CREATE TABLE/ { name = $3; n = 0; body = 1; print; next }
    body && /^[ \t]*\)/ {
      sub(/,[ \t]*$/, "", line[n])
      for (i = 1; i <= n; i++) print line[i]
      body = 0; print; next
    }
    body && /FOREIGN KEY/ {
      fk = $0; sub(/^[ \t]*/, "", fk); sub(/,[ \t]*$/, "", fk)
      fks[++nfk] = "ALTER TABLE " name " ADD " fk ";"; next
    }
    body { gsub(/BLOB SUB_TYPE TEXT/, "TEXT"); gsub(/BLOB/, "bytea"); line[++n] = $0; next }
    { print }
    END { for (i = 1; i <= nfk; i++) print fks[i] }'
}
# sakila_mariadb_schema: the tables of the jOOQ MySQL port, without its
# triggers, views and routines (as tests/cli/generate.sh loads them)
sakila_mariadb_schema() {
  echo 'SET FOREIGN_KEY_CHECKS = 0;'
  sed -n '/^USE sakila;/,/^CREATE VIEW/p' "$data/sakila/jooq_mysql-sakila-schema.sql" |
    sed -e '1d' -e '$d' -e '/^DELIMITER ;;/,/^DELIMITER ;/d'
  echo 'SET FOREIGN_KEY_CHECKS = 1;'
}

# schema DB DATASET: the dataset's tables for a server, as SQL
schema() {
  case $1.$2 in
    pg.chinook) sed '1,/^\\c /d' "$data/chinook/Chinook_PostgreSql.sql" ;;
    pg.sakila) sakila_pg_schema ;;
    mariadb.chinook) sed '1,/^USE /d' "$data/chinook/Chinook_MySql.sql" ;;
    mariadb.sakila) sakila_mariadb_schema ;;
  esac
}
# fill_or_export DB DATASET: Chinook has its own dump per database: export
# what it loaded as ormtool's seed files. Sakila's tables are filled from
# the SQLite seed files (untimed), which are then ormtool's input there
# too (a MariaDB TIMESTAMP exports as '2006-02-15 04:34:33+00:00', which
# ormtool cannot load back into MariaDB)
fill_or_export() {
  case $2 in
    chinook) export_seeds "$1" "$2" "$w/$1.$2.seeds" ;;
    *) quietly "$ormtool" --url "$(url "$1" "$2")" seed run --dir "$w/sqlite.$2.seeds"
       ln -s "$w/sqlite.$2.seeds" "$w/$1.$2.seeds" ;;
  esac
}

# ---- per database: fill once, export both inputs, empty (untimed) ----

# prepare DB DATASET: leaves $w/DB.DATASET.seeds (ormtool's input),
# $w/DB.DATASET.native (the native client's), $w/DB.DATASET.expect (row
# counts), and the dataset's database filled
prepare() {
  d=$w/$1.$2
  sqlite_source "$2"
  if [ "$1" != sqlite ]; then
    create_scratch "$1" "$2"
    schema "$1" "$2" >"$d.schema"
    quietly sql_file "$1" "$2" "$d.schema"
    list_tables "$1" "$2"
    fill_or_export "$1" "$2"
  fi
  case $1 in
    sqlite)
      ln -s "$w/sqlite.$2.seeds" "$d.seeds"
      # the shell's own dump of the rows in one transaction, foreign keys
      # off as in every .dump, then checked: foreign_key_check prints any
      # row without its parent (and a native load that prints fails)
      { echo 'PRAGMA foreign_keys = OFF; BEGIN;'
        sqlite3 "$w/$2.src.db" '.dump --data-only --nosys'
        echo 'COMMIT; PRAGMA foreign_key_check;'; } >"$d.native"
      # the empty copy each run starts from
      cp "$w/$2.src.db" "$w/$2.empty.db"
      { echo 'PRAGMA foreign_keys = OFF;'
        sqlite3 "$w/$2.src.db" "SELECT 'DELETE FROM \"' || name || '\";' FROM sqlite_master WHERE type = 'table'"
        echo 'VACUUM;'; } | sqlite3 -bail "$w/$2.empty.db" ;;
    pg)
      # psql: CSV files by \copy in one transaction; the foreign keys are
      # dropped first and added again after the data (and so checked), as
      # pg_restore does
      mkdir -p "$d.csv"
      fkq="FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conname"
      { echo 'BEGIN;'
        sql pg "$2" "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname) $fkq"
        for t in $(tables pg "$2"); do
          sql pg "$2" "\\copy \"$t\" TO '$d.csv/$t.csv' WITH (FORMAT csv, HEADER)" >/dev/null
          printf "%s\n" "\\copy \"$t\" FROM '$d.csv/$t.csv' WITH (FORMAT csv, HEADER)"
        done
        sql pg "$2" "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname,
                                   pg_get_constraintdef(oid)) $fkq"
        echo 'COMMIT;'; } >"$d.native" ;;
    mariadb)
      # mariadb-dump's data-only script (multi-row INSERTs, and
      # FOREIGN_KEY_CHECKS=0 as in every dump), as one transaction
      { echo 'SET autocommit = 0;'
        my mariadb-dump "$(url mariadb "$2")" --no-create-info --skip-triggers --skip-add-locks
        echo 'COMMIT;'; } >"$d.native" ;;
  esac
  counts "$1" "$2" >"$d.expect"
}

# empty DB DATASET: the tables as they were before any data
empty() {
  case $1 in
    sqlite) cp "$w/$2.empty.db" "$w/$2.run.db" ;;
    pg) sql pg "$2" "TRUNCATE $(tables pg "$2" | sed 's/.*/"&"/' | paste -sd, -) RESTART IDENTITY CASCADE" ;;
    mariadb) sql mariadb "$2" "SET FOREIGN_KEY_CHECKS = 0;
                 $(tables mariadb "$2" | sed 's/.*/TRUNCATE TABLE `&`;/')
                 SET FOREIGN_KEY_CHECKS = 1" ;;
  esac
}

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# load DB DATASET SIDE URL: one load into the empty tables
load() {
  case $3 in
    ormtool) "$ormtool" --url "$4" seed run --dir "$w/$1.$2.seeds" --on-conflict error ;;
    upsert) "$ormtool" --url "$4" seed run --dir "$w/$1.$2.seeds" ;;
    native) sql_file "$1" "$2" "$w/$1.$2.native" ;;
  esac
}
# timed DB DATASET SIDE: empty the tables, load them, print the seconds;
# a table whose row count then differs from the source's is reported and
# makes the exit status 1
status=0
timed() {
  empty "$1" "$2"
  u=$(url "$1" "$2")
  t0=$(now)
  load "$1" "$2" "$3" "$u" >"$w/log" 2>&1 || { cat "$w/log" >&2; die "$1 $2: the $3 load failed"; }
  if [ "$3" = native ] && [ -s "$w/log" ]; then
    cat "$w/log" >&2; die "$1 $2: the native load printed something (an error, or rows without a parent)"
  fi
  t1=$(now)
  counts "$1" "$2" >"$w/got"
  if ! cmp -s "$w/$1.$2.expect" "$w/got"; then
    echo "seeds.sh: $1 $2: row counts after the $3 load differ (< expected, > loaded):" >&2
    diff "$w/$1.$2.expect" "$w/got" >&2 || :
    status=1
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

echo "# ormtool seed run against the native client, median of $reps; $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '%-8s %-8s %6s %10s %10s %10s %8s %8s\n' dataset database rows ormtool upsert native ratio upsert/n
for db in $dbs; do
  case $db in
    sqlite) ;;
    pg | mariadb)
      if [ -z "$(server_url "$db")" ]; then
        echo "# $db: skipped (its ORM_TEST_*_URL is not set)"; continue
      fi
      need=psql; [ "$db" = pg ] || need="mariadb mariadb-dump"
      for p in $need; do command -v "$p" >/dev/null 2>&1 || die "$db needs $p, not installed"; done ;;
    *) die "unknown database '$db' (sqlite, pg, mariadb)" ;;
  esac
  for ds in $datasets; do
    prepare "$db" "$ds"
    : >"$w/t.ormtool"; : >"$w/t.upsert"; : >"$w/t.native"
    i=0
    while [ "$i" -lt "$reps" ]; do
      # which side goes first alternates between repetitions
      if [ $((i % 2)) = 0 ]; then order="ormtool upsert native"; else order="native upsert ormtool"; fi
      for side in $order; do timed "$db" "$ds" "$side" >>"$w/t.$side"; done
      i=$((i + 1))
    done
    o=$(median <"$w/t.ormtool") u=$(median <"$w/t.upsert") n=$(median <"$w/t.native")
    rows=$(awk '{ s += $2 } END { print s }' "$w/$db.$ds.expect")
    awk -v ds="$ds" -v db="$db" -v r="$rows" -v o="$o" -v u="$u" -v n="$n" 'BEGIN {
      printf "%-8s %-8s %6d %10.4f %10.4f %10.4f %7.2fx %7.2fx\n", ds, db, r, o, u, n, o / n, u / n }'
    # every run, in the order of the repetitions
    echo "#   runs: ormtool $(paste -sd' ' "$w/t.ormtool"); upsert $(paste -sd' ' "$w/t.upsert");" \
      "native $(paste -sd' ' "$w/t.native")"
  done
done
[ "$status" = 0 ] || echo "seeds.sh: row counts differed (see above)" >&2
exit "$status"
