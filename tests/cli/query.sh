#!/bin/sh
# ormtool: global options, exit codes, and `ormtool query` in every format
# (TAP output, run by `make check`). Runs on a temporary SQLite file, and
# also on PostgreSQL / MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL
# are set (the same rows must print the same on every dialect).
# ORM_TEST_WRAPPER, when set, runs ormtool under it (e.g. valgrind via
# libtool --mode=execute, as .ci/run does).
. "$(dirname "$0")/tap.sh"
DB="sqlite:$tmp/t.db"

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
run 66 "--config FILE that does not exist" ot --config "$tmp/none.yaml" query "select 1"
has err 'none.yaml' "missing --config: diagnostic names the file"

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

# ---- the database from ormtool.yaml, as migrate and seed choose it ----
mkdir -p "$tmp/proj/sub" && cd "$tmp/proj/sub" || exit 99
cat >../ormtool.yaml <<'EOF'
development:
  client: sqlite3
  connection:
    filename: dev.db
production:
  client: sqlite3
  connection:
    filename: ${QUERY_CLI_PROD:-prod.db}
EOF
run 0 "config: found in a parent folder" ot query "create table c (env text)"
test -f "$tmp/proj/dev.db" && ok "config: the development database was used" || not_ok "config: no dev.db"
run 0 "config: insert" ot query "insert into c values ('dev')"
run 0 "config: --env production" ot --env production query "create table c (env text)"
test -f "$tmp/proj/prod.db" && ok "config: --env chose production" || not_ok "config: no prod.db"
ORM_ENV=production run 0 "config: ORM_ENV" ot query -f csv --no-header "select count(*) from c"
printf '0\n' >"$tmp/want"; same "config: ORM_ENV chose production (empty table)"
QUERY_CLI_PROD=other.db run 0 "config: \${VAR:-default} from the environment" ot --env production query "select 1"
test -f "$tmp/proj/other.db" && ok "config: the variable named the file" || not_ok "config: no other.db"
run 0 "config: --url overrides the configured URL" ot --url "$DB" query -f csv --no-header "select count(*) from t"
printf '3\n' >"$tmp/want"; same "config: --url was used"
DATABASE_URL=$DB run 0 "config: wins over DATABASE_URL" ot query -f csv --no-header "select env from c"
printf 'dev\n' >"$tmp/want"; same "config: DATABASE_URL was not used"
ORM_ENV=staging run 78 "config: an unknown environment" ot query "select 1"
has err "no environment 'staging'" "config: the error names the environment"
run 64 "config: an unknown --db" ot --db nope query "select 1"
has err "no database 'nope'" "config: the error names the database"
run 64 "config: --all-databases is refused" ot --all-databases query "select 1"
cat >"$tmp/multi.yaml" <<EOF
development:
  client: sqlite3
  databases:
    main:
      connection: { filename: $tmp/main.db }
    logs:
      connection: { filename: $tmp/logs.db }
EOF
run 64 "config: several databases need --db" ot --config "$tmp/multi.yaml" query "select 1"
has err 'several databases (main, logs)' "config: the error lists them"
run 0 "config: --config FILE --db logs" ot --config "$tmp/multi.yaml" --db logs query "create table l (x int)"
test -f "$tmp/logs.db" && ok "config: --db chose logs" || not_ok "config: no logs.db"
printf 'development:\n  client: sqlite3\n  bogus: 1\n' >"$tmp/bad.yaml"
run 78 "config: a bad configuration file" ot --config "$tmp/bad.yaml" query "select 1"
has err 'bad.yaml:[0-9]*:[0-9]*' "config: the error has file, line and column"
cd "$tmp" || exit 99
run 64 "no config: --env needs one" ot --env production --url "$DB" query "select 1"
run 64 "no config: --db needs one" ot --db main --url "$DB" query "select 1"

# ---- the same rows on every server ----
cat >"$tmp/want" <<'EOF'
[
{"i":42,"s":"x y","n":null}
]
EOF
on_server() {
  run 0 "query on $1" ot --url "$2" query -f json "select 42 as i, 'x y' as s, null as n"
  same "json from $1 is the same as from SQLite"
}
each_server on_server

echo "1..$n"
exit $fail
