#!/bin/sh
# ormtool seed: make in every format, run (plain, repeated, --truncate,
# --specific, --dry-run), broken references (file:line, the missing key,
# nothing changed), usage and exit codes (TAP output, run by `make check`).
# Runs on a temporary SQLite file, and the run/reference cases also on
# PostgreSQL / MariaDB when ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set
# (tables cliseed_*, dropped before and after). Timestamps: export, then
# run of the exported files gives back the same values; offsets in a file.
# ORM_TEST_WRAPPER, when set, runs ormtool under it.
. "$(dirname "$0")/tap.sh"
# rows URL SQL WANT DESCRIPTION: the query's rows as CSV lines without header
rows() {
  ot --url "$1" query -f csv --no-header "$2" >"$tmp/out" 2>"$tmp/err" </dev/null
  printf '%s\n' "$3" >"$tmp/want"
  same "$4"
}

proj=$tmp/proj
mkdir -p "$proj"
cd "$proj" || exit 99
DB="sqlite:$tmp/t.db"

# ---- help and usage ----
run 0 "seed --help" ot seed --help
has out '^usage: ormtool seed' "seed --help prints the usage"
has out 'exit status: 0 done' "seed --help documents the exit statuses"
run 0 "help seed" ot help seed
has out '^  make NAME' "help seed lists the subcommands"
has out '^  --truncate' "help seed lists the options"
has out '^global options' "help seed lists the global options"
run 0 "--help" ot --help
has out '^  seed ' "--help lists seed"
run 64 "seed without a subcommand" ot seed
run 64 "seed with an unknown subcommand" ot seed grow
run 64 "seed make needs a NAME" ot seed make
run 64 "--truncate is for run" ot seed make x --truncate
run 64 "--format is for make and export" ot --url "$DB" seed run --format csv
run 64 "a bad --on-conflict" ot --url "$DB" seed run --on-conflict merge-ish
run 64 "a bad --batch" ot --url "$DB" seed run --batch 0

# ---- make ----
run 0 "make (CSV by default)" ot seed make users
has out '^seeds/users.csv$' "make prints the path"
test -f seeds/users.csv && ok "seeds/users.csv written" || not_ok "no seeds/users.csv"
has_file() { if grep -q -- "$2" "$1"; then ok "$3"; else not_ok "$3: no '$2' in $1"; fi; }
has_file seeds/users.csv '^# .*header row' "the CSV template explains the format"
run 0 "make --format yaml" ot seed make 02_posts --format yaml
test -f seeds/02_posts.yaml && ok "seeds/02_posts.yaml written" || not_ok "no seeds/02_posts.yaml"
has_file seeds/02_posts.yaml '_label' "the YAML template shows labels"
run 0 "make --format sql" ot seed make fixups --format sql
test -f seeds/fixups.sql && ok "seeds/fixups.sql written" || not_ok "no seeds/fixups.sql"
run 0 "make --dir" ot seed make extra --dir other/seeds
test -f other/seeds/extra.csv && ok "make --dir writes there (folders created)" || not_ok "no other/seeds/extra.csv"
run 73 "make refuses to overwrite" ot seed make users
has err 'seeds/users.csv already exists' "the error names the file"
run 64 "make: a bad name" ot seed make ../up
run 64 "make: a bad --format" ot seed make x --format xml
run 0 "the templates load (comments only)" ot --url "$DB" seed run
rm -rf seeds other

# ---- the same runs on every database ----
# suite LABEL URL
suite() {
  L=$1 U=$2
  for t in cliseed_posts cliseed_authors; do
    ot --url "$U" query "DROP TABLE IF EXISTS $t" >/dev/null 2>&1
  done
  run 0 "$L: create the tables" ot --url "$U" query \
    "CREATE TABLE cliseed_authors (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)" || return
  run 0 "$L: create a child table" ot --url "$U" query \
    "CREATE TABLE cliseed_posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL,
       slug VARCHAR(50) NOT NULL UNIQUE, title VARCHAR(100),
       FOREIGN KEY (author_id) REFERENCES cliseed_authors (id))" || return
  d=$tmp/$L
  rm -rf "$d" && mkdir -p "$d/seeds" || exit 99
  # the child's file sorts first: the load order comes from the foreign keys
  cat >"$d/seeds/01_posts.yaml" <<'EOF'
cliseed_authors:
  - _label: cy
    id: 3
    name: Cy
cliseed_posts:
  key: [slug]
  rows:
    - id: 1
      slug: hello
      author_id: 1
      title: Hello
    - id: 2
      slug: again
      author_id: "@cy"
      title: Again
EOF
  printf 'id,name\n1,Ada\n2,Bob\n' >"$d/seeds/02_cliseed_authors.csv"
  a="select id, name from cliseed_authors order by id"
  p="select id, author_id, slug, title from cliseed_posts order by id"

  run 0 "$L: --dry-run" ot --url "$U" seed run --dir "$d/seeds" --dry-run
  has out '2 tables, 5 rows from 2 files' "$L: the plan counts tables, rows and files"
  has out '1\. cliseed_authors .*3 rows' "$L: the plan loads the parent first"
  has out '2\. cliseed_posts .*2 rows' "$L: ... then the child"
  rows "$U" "select count(*) from cliseed_authors" 0 "$L: --dry-run changed nothing"

  run 0 "$L: run" ot --url "$U" seed run --dir "$d/seeds"
  has out '^seeded 2 tables, 5 rows' "$L: run reports tables and rows"
  rows "$U" "$a" "1,Ada
2,Bob
3,Cy" "$L: the authors are loaded"
  rows "$U" "$p" "1,1,hello,Hello
2,3,again,Again" "$L: the posts are loaded, @cy resolved to its id"

  sed 's/^2,Bob$/2,Robert/' "$d/seeds/02_cliseed_authors.csv" >"$d/x" && mv "$d/x" "$d/seeds/02_cliseed_authors.csv"
  run 0 "$L: a repeat run (upsert)" ot --url "$U" seed run --dir "$d/seeds"
  rows "$U" "$a" "1,Ada
2,Robert
3,Cy" "$L: the repeat run updated the changed row, added none"
  rows "$U" "select count(*) from cliseed_posts" 2 "$L: ... and no post twice"

  sed 's/^1,Ada$/1,Ada L./' "$d/seeds/02_cliseed_authors.csv" >"$d/x" && mv "$d/x" "$d/seeds/02_cliseed_authors.csv"
  sed 's/title: Again/title: Again!/' "$d/seeds/01_posts.yaml" >"$d/x" && mv "$d/x" "$d/seeds/01_posts.yaml"
  run 0 "$L: --specific FILE" ot --url "$U" seed run --dir "$d/seeds" --specific 02_cliseed_authors.csv
  has out '^seeded 1 table, 2 rows' "$L: --specific loaded one table"
  rows "$U" "select name from cliseed_authors where id = 1" "Ada L." "$L: --specific loaded that file"
  rows "$U" "select title from cliseed_posts where id = 2" "Again" "$L: ... and no other"

  run 0 "$L: add a row by hand" ot --url "$U" query "INSERT INTO cliseed_authors (id, name) VALUES (9, 'Extra')"
  run 0 "$L: run without --truncate" ot --url "$U" seed run --dir "$d/seeds"
  rows "$U" "select count(*) from cliseed_authors" 4 "$L: without --truncate the extra row stays"
  run 0 "$L: run --truncate" ot --url "$U" seed run --dir "$d/seeds" --truncate
  rows "$U" "$a" "1,Ada L.
2,Robert
3,Cy" "$L: --truncate emptied the tables first"
  rows "$U" "$p" "1,1,hello,Hello
2,3,again,Again!" "$L: ... and reloaded the posts"

  # broken references: the error names file, line and the missing key,
  # and the database is as it was (also after --truncate)
  mkdir -p "$d/bad" || exit 99
  sed 's/"@cy"/"@nobody"/; s/title: Hello/title: Changed/' "$d/seeds/01_posts.yaml" >"$d/bad/01_posts.yaml"
  cp "$d/seeds/02_cliseed_authors.csv" "$d/bad/"
  run 65 "$L: an unknown label" ot --url "$U" seed run --dir "$d/bad" --truncate
  has err '01_posts.yaml:14:[0-9]*: .*nobody' "$L: the error names file:line and the label"
  rm "$d/bad/01_posts.yaml"
  printf 'id,author_id,slug,title\n5,1,x1,X\n6,99,x2,Y\n' >"$d/bad/03_cliseed_posts.csv"
  run 65 "$L: a key with no parent row" ot --url "$U" seed run --dir "$d/bad" --truncate
  has err '03_cliseed_posts.csv:3:[0-9]*: .*author_id=99' "$L: the error names file:line and the missing key"
  rows "$U" "$a" "1,Ada L.
2,Robert
3,Cy" "$L: the failed runs left the authors as they were"
  rows "$U" "$p" "1,1,hello,Hello
2,3,again,Again!" "$L: ... and the posts"

  # export writes what run reads back
  run 0 "$L: export to standard output" ot --url "$U" seed export cliseed_authors --output -
  printf 'id,name\n1,Ada L.\n2,Robert\n3,Cy\n' >"$tmp/want"
  same "$L: export prints the rows as CSV, in key order"
  run 0 "$L: export --format yaml into a new folder" ot --url "$U" seed export cliseed_posts --format yaml --dir "$d/exported"
  test -f "$d/exported/cliseed_posts.yaml" && ok "$L: export wrote DIR/TABLE.yaml" || not_ok "$L: no exported file"
  run 0 "$L: export the authors too" ot --url "$U" seed export cliseed_authors --dir "$d/exported"
  run 0 "$L: the exported files load back (--truncate)" ot --url "$U" seed run --dir "$d/exported" --truncate
  rows "$U" "$p" "1,1,hello,Hello
2,3,again,Again!" "$L: ... with the same rows"

  for t in cliseed_posts cliseed_authors; do
    ot --url "$U" query "DROP TABLE $t" >/dev/null 2>&1
  done
}

suite sqlite "$DB"
each_server suite

# ---- dates and times: what export writes, run loads back unchanged ----
# A zoned and a zoneless timestamp column per dialect. The exported files
# must load back into the same values; a value written with an offset is
# converted to UTC (the session time zone of every liborm connection),
# also for a zoneless column; a value without an offset loads as written.
stamps() {
  L=$1 U=$2
  # z: the offset a literal in SQL may carry (MariaDB takes none; its
  # session is in UTC); bare: how a zoned column shows a value loaded
  # without an offset (SQLite keeps the text as written)
  z=+00:00 bare=+00:00
  case $L in
    sqlite) tz=TIMESTAMPTZ plain=DATETIME bare= ;;
    pg) tz=timestamptz plain=timestamp ;;
    *) tz='TIMESTAMP(6) NULL' plain='DATETIME(6)' z= ;;
  esac
  ot --url "$U" query "DROP TABLE IF EXISTS cliseed_times" >/dev/null 2>&1
  run 0 "$L: create a table with timestamps" ot --url "$U" query \
    "CREATE TABLE cliseed_times (id INTEGER PRIMARY KEY, ts $tz, dt $plain)" || return
  run 0 "$L: add timestamps" ot --url "$U" query \
    "INSERT INTO cliseed_times (id, ts, dt) VALUES
       (1, '2006-02-15 04:34:33$z', '2006-02-15 04:34:33'),
       (2, '2024-02-29 23:59:59.125$z', '1999-12-31 23:59:59.5'),
       (3, NULL, NULL)"
  tq="select id, ts, dt from cliseed_times order by id"
  tw="1,2006-02-15 04:34:33+00:00,2006-02-15 04:34:33
2,2024-02-29 23:59:59.125+00:00,1999-12-31 23:59:59.5
3,,"
  rows "$U" "$tq" "$tw" "$L: the timestamps as inserted"
  d=$tmp/$L-times
  rm -rf "$d" && mkdir -p "$d" || exit 99
  run 0 "$L: export timestamps as CSV" ot --url "$U" seed export cliseed_times --dir "$d/csv"
  run 0 "$L: export timestamps as YAML" ot --url "$U" seed export cliseed_times --dir "$d/yaml" --format yaml
  for f in csv yaml; do
    run 0 "$L: the $f export loads back (--truncate)" \
      ot --url "$U" seed run --dir "$d/$f" --truncate
    rows "$U" "$tq" "$tw" "$L: ... with the same timestamps ($f)"
  done
  run 0 "$L: export again" ot --url "$U" seed export cliseed_times --output -
  cp "$d/csv/cliseed_times.csv" "$tmp/want"
  same "$L: a second export is the same file"

  mkdir -p "$d/offsets" || exit 99
  cat >"$d/offsets/cliseed_times.yaml" <<'EOF'
cliseed_times:
  - {id: 1, ts: "2006-02-15 06:34:33+02:00", dt: "2006-02-15 06:34:33+02:00"}
  - {id: 2, ts: "2024-02-29T20:29:59.125-03:30", dt: "1999-12-31T23:59:59.5Z"}
  - {id: 3, ts: "2010-06-01 12:00:00", dt: "2010-06-01 12:00:00"}
EOF
  # --on-conflict error: plain inserts (PostgreSQL: COPY)
  for c in update error; do
    run 0 "$L: run values with offsets (--on-conflict $c)" \
      ot --url "$U" seed run --dir "$d/offsets" --truncate --on-conflict $c
    rows "$U" "$tq" "1,2006-02-15 04:34:33+00:00,2006-02-15 04:34:33
2,2024-02-29 23:59:59.125+00:00,1999-12-31 23:59:59.5
3,2010-06-01 12:00:00$bare,2010-06-01 12:00:00" \
      "$L: an offset is converted to UTC, zoned or zoneless column; none loads as written ($c)"
  done
  ot --url "$U" query "DROP TABLE cliseed_times" >/dev/null 2>&1
}

stamps sqlite "$DB"
each_server stamps

# ---- exit codes and the configuration (SQLite) ----
cd "$proj" || exit 99
ot --url "$DB" query "CREATE TABLE cliseed_tags (code VARCHAR(10) PRIMARY KEY, label VARCHAR(50))" >/dev/null 2>&1
run 66 "a missing seeds folder" ot --url "$DB" seed run --dir nope
has err 'nope: cannot open the seeds folder' "the error names the folder"
mkdir -p seeds
run 66 "a missing --specific file" ot --url "$DB" seed run --specific nope.csv
has err 'nope.csv' "the error names the file"
printf 'cliseed_tags:\n  - code: [unclosed\n' >seeds/tags.yaml
run 78 "a YAML syntax error" ot --url "$DB" seed run
has err 'seeds/tags.yaml:[0-9]*:[0-9]*: ' "the error has file, line and column"
rm seeds/tags.yaml
printf 'code,colour\nc,red\n' >seeds/cliseed_tags.csv
run 65 "an unknown column" ot --url "$DB" seed run
has err "cliseed_tags.csv:1:2: .*colour" "the error names file, line, field and column"
printf 'code,label\nc,C\n' >seeds/cliseed_tags.csv
run 78 "no database" ot seed run
run 69 "an unreachable server" ot --url "postgres://u:pw@127.0.0.1:1/x?connect_timeout=3" seed run
cat >ormtool.yaml <<EOF
development:
  client: sqlite3
  connection:
    filename: $tmp/t.db
  seeds:
    directory: db/seeds
EOF
mkdir -p db/seeds && mv seeds/cliseed_tags.csv db/seeds/ && rm -rf seeds
run 0 "the database and folder from ormtool.yaml" ot seed run
rows "$DB" "select code, label from cliseed_tags" "c,C" "the configured folder was loaded"
run 0 "make writes into the configured folder" ot seed make more
test -f db/seeds/more.csv && ok "db/seeds/more.csv written" || not_ok "no db/seeds/more.csv"
run 64 "--db with a single database that has another name" ot --db nope seed run

echo "1..$n"
exit $fail
