#!/bin/sh
# ormtool: global options, exit codes, and `ormtool query` in every format
# (TAP output, run by `make check`). Runs on a temporary SQLite file, and
# also on PostgreSQL / MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL
# are set (the same rows must print the same on every dialect).
# ORM_TEST_WRAPPER, when set, runs ormtool under it (e.g. valgrind via
# libtool --mode=execute, as .ci/run does).
builddir=${ORM_TEST_BUILDDIR:-.}
ORMTOOL=$builddir/ormtool
if [ ! -x "$ORMTOOL" ]; then
  echo "1..0 # SKIP $ORMTOOL not built"
  exit 0
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
unset DATABASE_URL ORM_ENV
DB="sqlite:$tmp/t.db"
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
# run EXPECTED_STATUS DESCRIPTION CMD...: stdout in $tmp/out, stderr in $tmp/err
run() {
  want=$1 desc=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  got=$?
  if [ "$got" = "$want" ]; then ok "$desc (exit $got)"; return 0; fi
  not_ok "$desc: exit $got, expected $want"; return 1
}
# same DESCRIPTION: compare $tmp/out with $tmp/want
same() {
  if cmp -s "$tmp/out" "$tmp/want"; then ok "$1"; else
    not_ok "$1: output differs"; echo "#   expected:"; sed 's/^/#     /' "$tmp/want"
  fi
}
# has FILE PATTERN DESCRIPTION
has() {
  if grep -q -- "$2" "$tmp/$1"; then ok "$3"; else not_ok "$3: no '$2' in $1"; fi
}

# ---- global options and exit codes ----
run 0 "--version" ot --version
has out '^ormtool [0-9][0-9.]* (liborm [0-9.]*)$' "--version prints both versions"
has out '^drivers:.*sqlite' "--version lists the sqlite driver"
run 0 "version -q" ot -q version
has out '^[0-9][0-9.]*$' "version -q prints the bare version"
run 0 "--help" ot --help
has out '^usage: ormtool ' "--help prints a usage line"
has out '^  query ' "--help lists the query command"
run 0 "help query" ot help query
has out '^usage: ormtool query ' "help query prints the query usage"
run 64 "no command is a usage error" ot
has err '^usage: ormtool ' "no command: usage on stderr"
run 64 "unknown command" ot frobnicate
has err "^ormtool: unknown command 'frobnicate'" "unknown command: diagnostic names it"
run 64 "unknown option" ot --frobnicate
run 64 "unknown query format" ot query --url "$DB" --format xml "select 1"
run 64 "query with no SQL" ot query --url "$DB"
run 78 "query with no database URL" ot query "select 1"
has err 'DATABASE_URL' "no URL: diagnostic says how to give one"
run 78 "--config is not supported yet" ot --config ormtool.yaml query "select 1"

# ---- query on SQLite ----
run 0 "create a table" ot --url "$DB" query \
  "create table t (id integer primary key, name text, score real, note text, data blob)"
run 0 "insert rows" ot query --url "$DB" "insert into t (name, score, note, data) values
   ('ada', 1.5, 'a, \"quoted\" note', x'00ff'), ('bob', -2, null, null), ('', 10, 'tab	and
newline', null);"
printf '(3 rows affected)\n' >"$tmp/want"; same "insert reports the rows changed"

run 0 "select as a table" ot --url "$DB" query "select id, name, score, note, data from t order by id"
cat >"$tmp/want" <<'EOF'
 id | name | score | note              | data
----+------+-------+-------------------+--------
  1 | ada  |   1.5 | a, "quoted" note  | \x00ff
  2 | bob  |    -2 | NULL              | NULL
  3 |      |    10 | tab\tand\nnewline | NULL
(3 rows)
EOF
same "table: aligned, numbers right, NULL shown, control characters escaped"

run 0 "select as csv" ot --url "$DB" query -f csv "select id, name, note from t order by id"
cat >"$tmp/want" <<'EOF'
id,name,note
1,ada,"a, ""quoted"" note"
2,bob,
3,"","tab	and
newline"
EOF
same "csv: RFC 4180 quoting, NULL empty, empty string quoted"

run 0 "select as tsv" ot --url "$DB" query --format=tsv --no-header "select id, name, note from t order by id"
printf '1\tada\ta, "quoted" note\n2\tbob\t\\N\n3\t\ttab\\tand\\nnewline\n' >"$tmp/want"
same "tsv: escapes, NULL as \\N, --no-header"

run 0 "select as json" ot --url "$DB" query --format json "select id, name, note from t where id <= 2 order by id"
cat >"$tmp/want" <<'EOF'
[
{"id":1,"name":"ada","note":"a, \"quoted\" note"},
{"id":2,"name":"bob","note":null}
]
EOF
same "json: one object per row, typed"

run 0 "empty result as json" ot --url "$DB" query -f json "select id from t where id < 0"
printf '[]\n' >"$tmp/want"; same "json: empty result is []"
run 0 "empty result as a table" ot --url "$DB" query "select id, name from t where id < 0"
printf ' id | name\n----+------\n(0 rows)\n' >"$tmp/want"; same "table: empty result keeps the header"

run 0 "--null" ot --url "$DB" query -f csv --null '(null)' "select note from t where id = 2"
printf 'note\n(null)\n' >"$tmp/want"; same "--null replaces NULL"

echo "select count(*) as n from t;" >"$tmp/in.sql"
ot --url "$DB" query -f csv - <"$tmp/in.sql" >"$tmp/out" 2>"$tmp/err"
printf 'n\n3\n' >"$tmp/want"; same "SQL read from standard input"

DATABASE_URL=$DB; export DATABASE_URL
run 0 "DATABASE_URL is used without --url" ot query -f csv "select max(id) as m from t"
unset DATABASE_URL
printf 'm\n3\n' >"$tmp/want"; same "DATABASE_URL: right database"

run 0 "--dry-run" ot --url "$DB" --dry-run query "delete from t"
printf 'delete from t;\n' >"$tmp/want"; same "--dry-run prints the SQL"
run 0 "after --dry-run" ot --url "$DB" query -f csv --no-header "select count(*) from t"
printf '3\n' >"$tmp/want"; same "--dry-run changed nothing"

run 65 "an SQL error is a data error" ot --url "$DB" query "select * from no_such_table"
has err '^ormtool: query: .*no_such_table' "SQL error: diagnostic names the table"
run 64 "a malformed URL is a usage error" ot --url "nosuchscheme://x" query "select 1"
run 69 "an unreachable server is unavailable" ot --url \
  "postgres://u:hunter2secret@127.0.0.1:1/x?connect_timeout=3" query "select 1"
if grep -q hunter2secret "$tmp/err"; then not_ok "the password is not printed"; else ok "the password is not printed"; fi

# ---- the same rows on every server ----
cat >"$tmp/want" <<'EOF'
[
{"i":42,"s":"x y","n":null}
]
EOF
for v in ORM_TEST_PG_URL ORM_TEST_MARIADB_URL; do
  eval "url=\${$v:-}"
  if [ -z "$url" ] && [ "${CI:-}" = true ]; then
    not_ok "$v is not set: CI requires every server"
    continue
  elif [ -z "$url" ]; then
    n=$((n + 1)); echo "ok $n # SKIP $v not set"
    continue
  fi
  run 0 "query on $v" ot --url "$url" query -f json "select 42 as i, 'x y' as s, null as n"
  same "json from $v is the same as from SQLite"
done

echo "1..$n"
exit $fail
