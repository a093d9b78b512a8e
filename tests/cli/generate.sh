#!/bin/sh
# ormtool generate models (TAP output, run by `make check`): generates the
# models of the Chinook and Sakila sample databases (../shared/data; the
# test is skipped when it is absent) on SQLite, checks that a second run
# gives the same bytes, compiles the generated code with -Wall -Wextra
# -Werror -std=c11, links programs that read real rows through the models
# (tests/cli/generate/*_use.c), and checks that a misspelt column or
# relation constant does not compile. With ORM_TEST_PG_URL /
# ORM_TEST_MARIADB_URL set, the same on PostgreSQL (schema orm_gen_chinook)
# and MariaDB (databases orm_gen_chinook, orm_gen_sakila), dropped at the end.
# ORM_TEST_WRAPPER, when set, runs ormtool under it. CC picks the compiler.
. "$(dirname "$0")/tap.sh"
srcdir=${ORM_TEST_SRCDIR:-.}
data=$srcdir/../shared/data
if [ ! -f "$data/README.md" ]; then
  echo "1..0 # SKIP ../shared/data is absent (sample databases)"
  exit 0
fi
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "1..0 # SKIP no C compiler ($CC)"
  exit 0
fi
cd "$tmp" || exit 99
# a sanitizer build of the library (.ci/run's asan stage) needs the programs
# linked against it built with the same -fsanitize flags
SAN=$(sed -n 's/^CFLAGS = //p' "$builddir/Makefile" 2>/dev/null | tr ' ' '\n' | grep '^-fsanitize=' | tr '\n' ' ')

# compile DIR SOURCE OBJECT: the generated code's own warning flags
compile() {
  $CC $SAN -std=c11 -Wall -Wextra -Werror -I"$srcdir/include" -I"$1" -c "$2" -o "$3"
}
# link_prog PROGRAM OBJECTS...: against the library just built
link_prog() {
  prog=$1; shift
  "$builddir/libtool" --mode=link --quiet $CC $SAN -o "$prog" "$@" "$builddir/liborm.la"
}
# use PROGRAM URL DESCRIPTION: run a *_use program, renumbering its lines
use() {
  "$1" "$2" >"$tmp/use.out" 2>&1
  st=$?
  while IFS= read -r line; do
    case $line in
      "ok - "*) ok "$3: ${line#ok - }" ;;
      "not ok - "*) not_ok "$3: ${line#not ok - }" ;;
      *) echo "# $line" ;;
    esac
  done <"$tmp/use.out"
  if [ "$st" = 0 ]; then ok "$3: the program exits 0"; else not_ok "$3: the program exits $st"; fi
}
# generate_check LABEL URL DIR NAME [OPTIONS...]: generate twice, same bytes, compile
generate_check() {
  label=$1 url=$2 dir=$3 name=$4; shift 4
  mkdir -p "$dir" "$dir.again"
  run 0 "$label: generate models" ot --url "$url" generate models --out "$dir" --name "$name" "$@"
  run 0 "$label: generate again" ot --url "$url" generate models --out "$dir.again" --name "$name" "$@"
  if cmp -s "$dir/$name.h" "$dir.again/$name.h" && cmp -s "$dir/$name.c" "$dir.again/$name.c"; then
    ok "$label: two runs write the same bytes"
  else
    not_ok "$label: two runs differ"; diff "$dir/$name.h" "$dir.again/$name.h" | head -20 | sed 's/^/#  /'
  fi
  run 0 "$label: run into the same folder" ot --url "$url" generate models --out "$dir" --name "$name" "$@"
  has out "$name.h (unchanged)" "$label: an unchanged file is not rewritten"
  run 0 "$label: the generated source compiles with -Wall -Wextra -Werror" \
    compile "$dir" "$dir/$name.c" "$dir/$name.o"
}

# the test programs
loader=$tmp/load
run 0 "compile the SQL loader" compile "$tmp" "$srcdir/tests/cli/generate/load.c" "$tmp/load.o"
run 0 "link the SQL loader" link_prog "$loader" "$tmp/load.o"

# ---- usage ----
run 0 "generate --help" ot generate --help
has out '^usage: ormtool generate models' "--help prints the usage"
has out 'exit status: 0 done' "--help documents the exit statuses"
run 0 "ormtool --help lists generate" ot --help
has out '^  generate ' "--help lists generate"
run 64 "generate without a subcommand" ot generate
run 64 "generate with an unknown subcommand" ot generate views
run 64 "generate models with an extra argument" ot generate models extra
run 64 "--prefix must be a C name part" ot --url sqlite::memory: generate models --prefix 'Bad-'
run 78 "no database" ot generate models
has err 'DATABASE_URL' "no database: says how to give one"

# ---- SQLite: Chinook ----
chinook=$tmp/chinook.db
run 0 "load Chinook into SQLite" "$loader" "sqlite:$chinook" "$data/chinook/Chinook_Sqlite.sql"
chinook_url="sqlite:$chinook"
run 65 "--tables with an unknown table" ot --url "$chinook_url" generate models --tables Artist,Nope
has err 'no table Nope' "an unknown table is named"
run 73 "--out must exist" ot --url "$chinook_url" generate models --out "$tmp/missing"
mkdir -p "$tmp/dry"
run 0 "--dry-run" ot --url "$chinook_url" --dry-run generate models --out "$tmp/dry"
has out 'would write' "--dry-run says what it would write"
if [ -e "$tmp/dry/models.h" ]; then not_ok "--dry-run writes nothing"; else ok "--dry-run writes nothing"; fi

generate_check "sqlite chinook" "$chinook_url" "$tmp/c" models
has c/models.h '^struct invoice_line {' "table InvoiceLine gives struct invoice_line"
has c/models.h '^#define ARTIST_COL_ARTIST_ID "ArtistId"$' "column constants hold the column names"
has c/models.h 'struct album \*albums; /\* has_many Album' "Artist has_many albums"
has c/models.h 'struct artist \*artist; /\* belongs_to Artist' "Album belongs_to artist"
has c/models.h 'struct track \*tracks; /\* belongs_to_many Track through PlaylistTrack' \
  "Playlist belongs_to_many tracks through the join table"
has c/models.h 'struct employee \*reports_to_employee;' "the self-reference is named after its column"
hasnt c/models.h 'playlist_tracks' "no has_many to a pure join table"
hasnt c/models.h '[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]' "no date in the output"
run 0 "compile a program using the Chinook models" \
  compile "$tmp/c" "$srcdir/tests/cli/generate/chinook_use.c" "$tmp/c/use.o"
run 0 "link it" link_prog "$tmp/c/use" "$tmp/c/use.o" "$tmp/c/models.o" && use "$tmp/c/use" "$chinook_url" "sqlite chinook"

# a misspelt column / relation / member does not compile; the right one does
cat >"$tmp/spell.c" <<'EOF'
#include "models.h"
int main(void)
{
	orm_query *q = orm_query_new(ARTIST_TABLE);
	orm_with w[] = { ORM_WITH(ARTIST_REL_ALBUMS) };
	struct artist a = { 0 };
	int rc = orm_query_where(q, COLUMN, "=", orm_text("AC/DC"));
	orm_query_free(q);
	return rc + (int)(sizeof(w) / sizeof(w[0])) + (int)a.MEMBER;
}
EOF
spell() {
  $CC $SAN -std=c11 -Wall -Wextra -Werror -I"$srcdir/include" -I"$tmp/c" "$@" -c "$tmp/spell.c" -o "$tmp/spell.o"
}
run 0 "the column and member spelt right compile" spell -DCOLUMN=ARTIST_COL_NAME -DMEMBER=artist_id
run 1 "a misspelt column constant does not compile" spell -DCOLUMN=ARTIST_COL_NAEM -DMEMBER=artist_id
has err 'ARTIST_COL_NAEM' "the compiler names the misspelt constant"
run 1 "a column constant of another table does not exist" spell -DCOLUMN=ARTIST_COL_TITLE -DMEMBER=artist_id
run 1 "a misspelt member does not compile" spell -DCOLUMN=ARTIST_COL_NAME -DMEMBER=artistid
sed 's/ARTIST_REL_ALBUMS/ARTIST_REL_ALBUM/' "$tmp/spell.c" >"$tmp/spell2.c" && mv "$tmp/spell2.c" "$tmp/spell.c"
run 1 "a misspelt relation constant does not compile" spell -DCOLUMN=ARTIST_COL_NAME -DMEMBER=artist_id

# --tables and --prefix
mkdir -p "$tmp/sub"
run 0 "--tables Artist,Album" ot --url "$chinook_url" generate models --out "$tmp/sub" --tables Album,Artist \
  --name music --prefix ch_
has sub/music.h '^#define MUSIC_COUNT 2$' "--tables: two models"
has sub/music.h '^struct ch_artist {' "--prefix: struct ch_artist"
has sub/music.h '^#define CH_ALBUM_REL_ARTIST "artist"$' "--prefix: constants"
hasnt sub/music.h 'tracks' "--tables: no relation to a table left out"
run 0 "--tables output compiles" compile "$tmp/sub" "$tmp/sub/music.c" "$tmp/sub/music.o"

# ---- plural table names, --table-prefix, --hidden ----
cat >"$tmp/shop.sql" <<'EOF'
CREATE TABLE shop_categories (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE shop_addresses (id INTEGER PRIMARY KEY, street TEXT);
CREATE TABLE shop_statuses (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE shop_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, password_hash TEXT,
  address_id INTEGER REFERENCES shop_addresses (id), status_id INTEGER REFERENCES shop_statuses (id));
CREATE TABLE shop_boxes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES shop_users (id),
  category_id INTEGER REFERENCES shop_categories (id));
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE news (id INTEGER PRIMARY KEY, title TEXT);
EOF
shop="sqlite:$tmp/shop.db"
run 0 "load a schema with plural table names" "$loader" "$shop" "$tmp/shop.sql"
mkdir -p "$tmp/plain"
run 0 "plural tables: generate" ot --url "$shop" generate models --out "$tmp/plain"
for pair in shop_users:shop_user shop_categories:shop_category shop_addresses:shop_address \
  shop_boxes:shop_box shop_statuses:shop_status people:person news:news; do
  has plain/models.h "^struct ${pair#*:} {" "table ${pair%:*} gives struct ${pair#*:}"
done
has plain/models.h 'struct shop_box \*shop_boxes; /\* has_many shop_boxes' "has_many is named in the plural"
has plain/models.c 'ORM_MODEL_EX(struct shop_user, orm, "shop_user", SHOP_USER_TABLE' "the model name is singular"
hasnt plain/models.c 'ORM_HIDDEN' "no hidden field unless asked for"
run 0 "--table-prefix shop_ --hidden shop_users.password_hash" ot --url "$shop" generate models \
  --out "$tmp/plain" --name shop --table-prefix shop_ --hidden ' shop_users.password_hash ,'
has plain/shop.h '^struct user {' "--table-prefix: struct user"
has plain/shop.h '^#define USER_TABLE "shop_users"$' "--table-prefix: the table keeps its name"
has plain/shop.h '^#define USER_REL_BOXES "boxes"$' "--table-prefix: relations without the prefix"
has plain/shop.h 'struct user \*users; /\* has_many shop_users by shop_users.status_id' "status has_many users"
has plain/shop.h '^struct person {' "--table-prefix: a table without the prefix keeps its name"
has plain/shop.c 'ORM_MODEL_EX(struct user, orm, "user", USER_TABLE' "--table-prefix: model name user"
has plain/shop.c 'ORM_FIELD_TEXT(struct user, password_hash, ORM_NULLABLE | ORM_HIDDEN)' "--hidden flags the field"
run 0 "--table-prefix and --hidden output compiles" compile "$tmp/plain" "$tmp/plain/shop.c" "$tmp/plain/shop.o"
cat >"$tmp/hidden.c" <<'EOF'
#include <stdio.h>
#include "shop.h"
/* model_to_json of a user leaves the --hidden column out */
int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	struct user u = { 0 };
	orm_buf json = ORM_BUF_INIT;
	int rc = argc > 1 ? orm_open(&db, argv[1]) : -1;

	if (rc == 0)
		rc = model_set_text(&user_model, &u, email, "ada@example.com");
	if (rc == 0)
		rc = model_set_text(&user_model, &u, password_hash, "secret");
	if (rc == 0)
		rc = model_set_null(&user_model, &u, address_id);
	if (rc == 0)
		rc = model_set_null(&user_model, &u, status_id);
	if (rc == 0)
		rc = model_save(&u, db, &user_model);
	if (rc == 0)
		rc = model_to_json(&json, &u, &user_model);
	if (rc == 0)
		printf("%s\n", json.ptr);
	else
		fprintf(stderr, "%s\n", orm_conn_errmsg(db));
	orm_buf_dispose(&json);
	model_clear(&u, &user_model);
	orm_close(db);
	return rc == 0 ? 0 : 1;
}
EOF
if run 0 "compile a program using the hidden field" compile "$tmp/plain" "$tmp/hidden.c" "$tmp/hidden.o" &&
   run 0 "link it" link_prog "$tmp/hidden" "$tmp/hidden.o" "$tmp/plain/shop.o"; then
  run 0 "save a user and print it as JSON" "$tmp/hidden" "$shop"
  has out '"email":"ada@example.com"' "the JSON has the email"
  hasnt out 'password_hash\|secret' "the JSON leaves the hidden field out"
fi
run 65 "--hidden with an unknown column" ot --url "$shop" generate models --out "$tmp/plain" \
  --hidden shop_users.password
has err 'hidden shop_users.password: no such column' "an unknown --hidden column is named"
run 65 "--hidden on a table left out by --tables" ot --url "$shop" generate models --out "$tmp/plain" \
  --tables shop_boxes --hidden shop_users.password_hash

# ---- a table of more than 64 columns gets orm_model_state_wide ----
{
  printf 'CREATE TABLE wides (id INTEGER PRIMARY KEY'
  i=1
  while [ $i -lt 70 ]; do printf ', c%d INTEGER' $i; i=$((i + 1)); done
  printf ');\n'
} >"$tmp/wide.sql"
wide="sqlite:$tmp/wide.db"
run 0 "load a table of 70 columns" "$loader" "$wide" "$tmp/wide.sql"
mkdir -p "$tmp/w"
run 0 "70 columns: generate" ot --url "$wide" generate models --out "$tmp/w" --name wide
has w/wide.h 'orm_model_state_wide orm;' "a table of 70 columns gets the wide state"
cat >"$tmp/wide_use.c" <<'EOF'
#include <stdio.h>
#include "wide.h"
/* fields 68 and 69 (past the plain state's 64 bits): set, set NULL, saved, read back */
int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	struct wide w = { 0 }, back = { 0 };
	int rc = argc > 1 ? orm_open(&db, argv[1]) : -1;

	if (rc == 0)
		rc = model_set(&wide_model, &w, c69, 69);
	if (rc == 0)
		rc = model_set_null(&wide_model, &w, c68);
	if (rc == 0)
		rc = model_save(&w, db, &wide_model);
	if (rc == 0)
		rc = model_find_id(&back, db, &wide_model, w.id);
	if (rc == 0)
		printf("c69=%lld c68_null=%d\n", (long long)back.c69, model_is_null(&wide_model, &back, c68));
	else
		fprintf(stderr, "%s\n", orm_conn_errmsg(db));
	model_clear(&w, &wide_model);
	model_clear(&back, &wide_model);
	orm_close(db);
	return rc == 0 ? 0 : 1;
}
EOF
if run 0 "the wide model compiles" compile "$tmp/w" "$tmp/w/wide.c" "$tmp/w/wide.o" &&
   run 0 "a program using it compiles" compile "$tmp/w" "$tmp/wide_use.c" "$tmp/wide_use.o" &&
   run 0 "link it" link_prog "$tmp/wide_use" "$tmp/wide_use.o" "$tmp/w/wide.o"; then
  run 0 "save and read back field 69" "$tmp/wide_use" "$wide"
  has out 'c69=69 c68_null=1' "field 69 round-trips and field 68 reads back NULL"
fi

# ---- SQLite: Sakila ----
sakila=$tmp/sakila.db
# foreign keys off while loading: the data refers forward (store <-> staff)
run 0 "load Sakila into SQLite" "$loader" "sqlite:$sakila?foreign_keys=off" \
  "$data/sakila/jooq_sqlite-sakila-schema.sql" "$data/sakila/sakila_sqlite_data_DERIVED_from_mysql_official.sql"
generate_check "sqlite sakila" "sqlite:$sakila" "$tmp/s" sakila
has s/sakila.h 'struct film \*films_by_original_language;' "two keys to one table are told apart"
has s/sakila.h 'struct actor \*actors; /\* belongs_to_many actor through film_actor' \
  "film belongs_to_many actors (film_actor has a last_update column)"
run 0 "compile a program using the Sakila models" \
  compile "$tmp/s" "$srcdir/tests/cli/generate/sakila_use.c" "$tmp/s/use.o"
run 0 "link it" link_prog "$tmp/s/use" "$tmp/s/use.o" "$tmp/s/sakila.o" && use "$tmp/s/use" "sqlite:$sakila" "sqlite sakila"

# ---- PostgreSQL ----
# with_options URL 'k=v': URL with one more query option
with_option() {
  case $1 in *\?*) echo "$1&$2" ;; *) echo "$1?$2" ;; esac
}
if [ -n "${ORM_TEST_PG_URL:-}" ]; then
  pg=$ORM_TEST_PG_URL
  pgc=$(with_option "$pg" 'options=-csearch_path%3Dorm_gen_chinook')
  sed '1,/^\\c /d' "$data/chinook/Chinook_PostgreSql.sql" >"$tmp/chinook_pg.sql"
  run 0 "pg: schema orm_gen_chinook" ot --url "$pg" query \
    'DROP SCHEMA IF EXISTS orm_gen_chinook CASCADE' && \
  run 0 "pg: create it" ot --url "$pg" query 'CREATE SCHEMA orm_gen_chinook' && \
  run 0 "pg: load Chinook" "$loader" "$pgc" "$tmp/chinook_pg.sql"
  generate_check "pg chinook" "$pgc" "$tmp/pg" models
  run 0 "pg: compile the Chinook program" compile "$tmp/pg" "$srcdir/tests/cli/generate/chinook_use.c" "$tmp/pg/use.o"
  run 0 "pg: link it" link_prog "$tmp/pg/use" "$tmp/pg/use.o" "$tmp/pg/models.o" && use "$tmp/pg/use" "$pgc" "pg chinook"
  # --schema: qualified table names, from a connection on another schema
  generate_check "pg chinook --schema" "$pg" "$tmp/pgs" models --schema orm_gen_chinook
  has pgs/models.h '^#define ARTIST_TABLE "orm_gen_chinook.artist"$' "--schema qualifies the table names"
  run 0 "pg --schema: compile the Chinook program" \
    compile "$tmp/pgs" "$srcdir/tests/cli/generate/chinook_use.c" "$tmp/pgs/use.o"
  run 0 "pg --schema: link it" link_prog "$tmp/pgs/use" "$tmp/pgs/use.o" "$tmp/pgs/models.o" && \
    use "$tmp/pgs/use" "$pg" "pg chinook --schema"
  run 0 "pg: drop the schema" ot --url "$pg" query 'DROP SCHEMA orm_gen_chinook CASCADE'
else
  echo "# PostgreSQL part skipped: ORM_TEST_PG_URL is not set"
fi

# ---- MariaDB ----
# on_database URL DB: the URL with its database replaced
on_database() {
  base=${1%%\?*}
  echo "${base%/*}/$2${1#"$base"}"
}
if [ -n "${ORM_TEST_MARIADB_URL:-}" ]; then
  my=$ORM_TEST_MARIADB_URL
  myc=$(on_database "$my" orm_gen_chinook)
  mys=$(on_database "$my" orm_gen_sakila)
  sed '1,/^USE /d' "$data/chinook/Chinook_MySql.sql" >"$tmp/chinook_my.sql"
  # the tables of the jOOQ port, without its triggers, views and routines
  { echo 'SET FOREIGN_KEY_CHECKS = 0;'
    sed -n '/^USE sakila;/,/^CREATE VIEW/p' "$data/sakila/jooq_mysql-sakila-schema.sql" |
      sed -e '1d' -e '$d' -e '/^DELIMITER ;;/,/^DELIMITER ;/d'
    echo 'SET FOREIGN_KEY_CHECKS = 1;'; } >"$tmp/sakila_my.sql"
  for db in orm_gen_chinook orm_gen_sakila; do
    run 0 "mariadb: database $db" ot --url "$my" query "DROP DATABASE IF EXISTS $db" && \
    run 0 "mariadb: create $db" ot --url "$my" query "CREATE DATABASE $db CHARACTER SET utf8mb4"
  done
  run 0 "mariadb: load Chinook" "$loader" "$myc" "$tmp/chinook_my.sql"
  run 0 "mariadb: load the Sakila tables" "$loader" "$mys" "$tmp/sakila_my.sql"
  generate_check "mariadb chinook" "$myc" "$tmp/my" models
  run 0 "mariadb: compile the Chinook program" compile "$tmp/my" "$srcdir/tests/cli/generate/chinook_use.c" "$tmp/my/use.o"
  run 0 "mariadb: link it" link_prog "$tmp/my/use" "$tmp/my/use.o" "$tmp/my/models.o" && use "$tmp/my/use" "$myc" "mariadb chinook"
  generate_check "mariadb sakila" "$mys" "$tmp/mys" sakila
  has mys/sakila.h 'bool active;' "mariadb: TINYINT(1) is a bool"
  run 0 "mariadb: compile the Sakila program" compile "$tmp/mys" "$srcdir/tests/cli/generate/sakila_use.c" "$tmp/mys/use.o"
  run 0 "mariadb: link it" link_prog "$tmp/mys/use" "$tmp/mys/use.o" "$tmp/mys/sakila.o"
  for db in orm_gen_chinook orm_gen_sakila; do
    run 0 "mariadb: drop $db" ot --url "$my" query "DROP DATABASE $db"
  done
else
  echo "# MariaDB part skipped: ORM_TEST_MARIADB_URL is not set"
fi

echo "1..$n"
exit $fail
