/*
 * Unit tests for seeds: the CSV and YAML readers (values, NULL versus
 * empty string, line and column numbers, directives, errors), table
 * names from file names, `seed make`, export, and whole runs on SQLite
 * in memory: foreign-key order whatever the file names, labels with
 * generated ids, forward self-references, cycles, upserts, truncate,
 * .sql files, --specific, and every kind of bad input failing with file,
 * line and column and leaving the database as it was.
 *
 * Linked statically (see Makefile.am) to reach the internal readers.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/seed_internal.h"

/* ---- helpers ---- */

static char *make_dir(void)
{
	char tmpl[] = "/tmp/orm_seed_unit_XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

static void unlink_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int64_t count(orm_conn *db, const char *sql)
{
	int64_t n = -1;

	assert_orm_ok(db, orm_query_int(db, &n, sql, NULL, 0));
	return n;
}

static char *text_of(orm_conn *db, const char *sql)
{
	orm_stmt *st;
	char *out = NULL;

	assert_orm_ok(db, orm_prepare(&st, db, sql));
	if (orm_stmt_step(st) == ORM_ROW && !orm_column_is_null(st, 0))
		out = strdup(orm_column_text(st, 0, NULL));
	orm_stmt_free(st);
	return out;
}

/* ---- recording reader callbacks ---- */

struct rec {
	int nsections, nrows;
	char table[64];
	char key[64];
	char cells[16][8][64]; /* row, cell: "N" for NULL, "T:text", "P:text", "J:json", "R:label" */
	int lines[16];
	int cols[16][8];
	char labels[16][32];
	int ends;
	uint64_t end_rows;
	char names[16][8][32];
};

static int rec_section(void *ctx, const orm__seed_section *sec)
{
	struct rec *r = ctx;
	size_t i;

	r->nsections++;
	snprintf(r->table, sizeof(r->table), "%s", sec->table);
	r->key[0] = '\0';
	for (i = 0; i < sec->nkey; i++) {
		strcat(r->key, i ? "," : "");
		strcat(r->key, sec->key[i]);
	}
	return 0;
}

static int rec_row(void *ctx, const orm__seed_row *row)
{
	struct rec *r = ctx;
	size_t i;
	int n = r->nrows++;

	if (n >= 16)
		return 0;
	r->lines[n] = row->line;
	snprintf(r->labels[n], sizeof(r->labels[n]), "%s", row->label ? row->label : "");
	for (i = 0; i < row->n && i < 8; i++) {
		const orm__seed_cell *c = &row->cells[i];
		snprintf(r->names[n][i], sizeof(r->names[n][i]), "%s", row->names[i]);
		r->cols[n][i] = c->col;
		if (c->kind == ORM__SEED_CELL_NULL)
			snprintf(r->cells[n][i], 64, "N");
		else if (c->kind == ORM__SEED_CELL_JSON && c->ref)
			snprintf(r->cells[n][i], 64, "R:%s", c->ref);
		else
			snprintf(r->cells[n][i], 64, "%c:%s",
				 c->kind == ORM__SEED_CELL_TEXT ? 'T' : c->kind == ORM__SEED_CELL_PLAIN ? 'P' : 'J',
				 c->s);
	}
	return 0;
}

static int rec_end(void *ctx, const orm__seed_section *sec, uint64_t nrows)
{
	struct rec *r = ctx;
	size_t i;

	r->ends++;
	r->end_rows = nrows;
	r->key[0] = '\0';
	for (i = 0; i < sec->nkey; i++) {
		strcat(r->key, i ? "," : "");
		strcat(r->key, sec->key[i]);
	}
	return 0;
}

/* ---- file names ---- */

static void test_seed__table_from_filename(void **state)
{
	static const char *const cases[][2] = {
		{ "users.csv", "users" },
		{ "01_users.csv", "users" },
		{ "/x/y/010-Album.csv", "Album" },
		{ "2024users.csv", "2024users" },
		{ "01_.csv", "01_" },
		{ "7_order_details.csv", "order_details" },
		{ "noext", "noext" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = orm__seed_table_from_filename(cases[i][0]);
		assert_non_null(t);
		assert_string_equal(t, cases[i][1]);
		orm_free(t);
	}
}

/* ---- CSV reader ---- */

static void test_seed__csv_values_and_lines(void **state)
{
	char *dir = make_dir(), path[4096];
	struct rec r;
	orm__seed_err err;
	orm__seed_reader_cb cb = { rec_section, rec_row, rec_end, NULL };

	(void)state;
	memset(&r, 0, sizeof(r));
	cb.ctx = &r;
	write_file(dir, "01_people.csv",
		   "\xEF\xBB\xBF# people, with a natural key\n"
		   "# key: email, name\n"
		   "\n"
		   "id, name ,note\n"
		   "1,Alice,\"\"\n"
		   "2,,\"multi\n"
		   "line\"\n"
		   "\r\n"
		   "3,\"Bob, \"\"Jr.\"\"\", spaced \r\n"
		   "4,#hash,x");
	snprintf(path, sizeof(path), "%s/01_people.csv", dir);
	orm__seed_err_init(&err);
	assert_int_equal(orm__seed_csv_read(path, "people", &cb, &err), 0);
	assert_int_equal(err.pub.code, 0);
	assert_int_equal(r.nsections, 1);
	assert_string_equal(r.table, "people");
	assert_string_equal(r.key, "email,name");
	assert_int_equal(r.nrows, 4);
	assert_int_equal(r.end_rows, 4);
	/* header names are trimmed */
	assert_string_equal(r.names[0][1], "name");
	/* "" is an empty string, an empty field is NULL */
	assert_string_equal(r.cells[0][2], "T:");
	assert_string_equal(r.cells[1][1], "N");
	assert_string_equal(r.cells[1][2], "T:multi\nline");
	assert_string_equal(r.cells[2][1], "T:Bob, \"Jr.\"");
	/* unquoted fields are kept exactly */
	assert_string_equal(r.cells[2][2], "T: spaced ");
	assert_string_equal(r.cells[3][1], "T:#hash");
	/* lines: the row's first line, blank lines counted */
	assert_int_equal(r.lines[0], 5);
	assert_int_equal(r.lines[1], 6);
	assert_int_equal(r.lines[2], 9);
	assert_int_equal(r.lines[3], 10);
	assert_int_equal(r.cols[2][2], 3);
	orm__seed_err_dispose(&err);
	rm_dir(dir);
}

static void expect_csv_error(const char *text, int code, int line, int col, const char *needle)
{
	char *dir = make_dir(), path[4096];
	struct rec r;
	orm__seed_err err;
	orm__seed_reader_cb cb = { rec_section, rec_row, rec_end, NULL };

	memset(&r, 0, sizeof(r));
	cb.ctx = &r;
	write_file(dir, "t.csv", text);
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	orm__seed_err_init(&err);
	assert_int_equal(orm__seed_csv_read(path, "t", &cb, &err), code);
	assert_int_equal(err.pub.code, code);
	assert_int_equal(err.pub.line, line);
	assert_int_equal(err.pub.column, col);
	assert_string_equal(err.pub.file, path);
	if (!strstr(err.pub.message, needle))
		fail_msg("message '%s' lacks '%s'", err.pub.message, needle);
	assert_non_null(strstr(err.pub.message, "t.csv:"));
	orm__seed_err_dispose(&err);
	rm_dir(dir);
}

static void test_seed__csv_errors(void **state)
{
	(void)state;
	expect_csv_error("a,b\n1,2\n3\n", ORM_EPARSE, 3, 2, "row has 1 field but the header has 2");
	expect_csv_error("a,b\n1,2\n3,4,5\n", ORM_EPARSE, 3, 3, "row has 3 fields");
	expect_csv_error("a,a\n1,2\n", ORM_EPARSE, 1, 2, "column 'a' appears twice");
	expect_csv_error("a,,b\n", ORM_EPARSE, 1, 2, "empty column name");
	expect_csv_error("a,b\n1,\"open\n2,3\n", ORM_EPARSE, 2, 0, "malformed CSV");
	expect_csv_error("a,b\n1,x\"y\n", ORM_EPARSE, 2, 0, "malformed CSV");
}

static void test_seed__csv_missing_and_empty(void **state)
{
	struct rec r;
	orm__seed_err err;
	orm__seed_reader_cb cb = { rec_section, rec_row, rec_end, NULL };
	char *dir = make_dir(), path[4096];

	(void)state;
	memset(&r, 0, sizeof(r));
	cb.ctx = &r;
	orm__seed_err_init(&err);
	assert_int_equal(orm__seed_csv_read("/nonexistent/x.csv", "x", &cb, &err), ORM_EIO);
	assert_non_null(strstr(err.pub.message, "/nonexistent/x.csv: cannot open"));
	orm__seed_err_clear(&err);
	/* comments only (a fresh template): nothing, no error */
	write_file(dir, "c.csv", "# only a comment\n# key: x\n");
	snprintf(path, sizeof(path), "%s/c.csv", dir);
	assert_int_equal(orm__seed_csv_read(path, "c", &cb, &err), 0);
	assert_int_equal(r.nsections, 0);
	assert_int_equal(r.nrows, 0);
	/* header only: a section with no rows */
	write_file(dir, "h.csv", "a,b\n");
	snprintf(path, sizeof(path), "%s/h.csv", dir);
	assert_int_equal(orm__seed_csv_read(path, "h", &cb, &err), 0);
	assert_int_equal(r.nsections, 1);
	assert_int_equal(r.ends, 1);
	assert_int_equal(r.end_rows, 0);
	orm__seed_err_dispose(&err);
	rm_dir(dir);
}

/* ---- YAML reader ---- */

static void test_seed__yaml_reader(void **state)
{
	char *dir = make_dir(), path[4096];
	struct rec r;
	orm__seed_err err;
	orm__seed_reader_cb cb = { rec_section, rec_row, rec_end, NULL };

	(void)state;
	memset(&r, 0, sizeof(r));
	cb.ctx = &r;
	write_file(dir, "s.yaml",
		   "# comment\n"
		   "authors:\n"
		   "  - _label: alice\n"
		   "    name: Alice\n"
		   "    age: 30\n"
		   "    note: ~\n"
		   "  - {name: \"null\", boss: \"@alice\", extra: {ref: alice}}\n"
		   "posts:\n"
		   "  rows:\n"
		   "    - data: {a: [1, 2.5, true, null, \"x\\\"y\"], b: text}\n"
		   "      empty: ''\n"
		   "  key: [slug, lang]\n");
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	orm__seed_err_init(&err);
	assert_int_equal(orm__seed_yaml_read(path, NULL, &cb, &err), 0);
	assert_int_equal(err.pub.code, 0);
	assert_int_equal(r.nsections, 2);
	assert_int_equal(r.ends, 2);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.labels[0], "alice");
	assert_string_equal(r.names[0][0], "name");
	assert_string_equal(r.cells[0][0], "P:Alice");
	assert_string_equal(r.cells[0][1], "P:30");
	assert_string_equal(r.cells[0][2], "N");
	assert_int_equal(r.lines[0], 3);
	assert_int_equal(r.cols[0][1], 10);
	assert_string_equal(r.cells[1][0], "T:null");
	assert_string_equal(r.cells[1][1], "T:@alice");
	assert_string_equal(r.cells[1][2], "R:alice");
	assert_string_equal(r.cells[2][0], "J:{\"a\":[1,2.5,true,null,\"x\\\"y\"],\"b\":\"text\"}");
	assert_string_equal(r.cells[2][1], "T:");
	/* the key given after the rows is reported at the section's end */
	assert_string_equal(r.key, "slug,lang");
	/* only one table: the other is skipped */
	memset(&r, 0, sizeof(r));
	assert_int_equal(orm__seed_yaml_read(path, "posts", &cb, &err), 0);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.nsections, 2);
	orm__seed_err_dispose(&err);
	rm_dir(dir);
}

static void expect_yaml_error(const char *text, int code, int line, int col, const char *needle)
{
	char *dir = make_dir(), path[4096];
	struct rec r;
	orm__seed_err err;
	orm__seed_reader_cb cb = { rec_section, rec_row, rec_end, NULL };

	memset(&r, 0, sizeof(r));
	cb.ctx = &r;
	write_file(dir, "e.yaml", text);
	snprintf(path, sizeof(path), "%s/e.yaml", dir);
	orm__seed_err_init(&err);
	assert_int_equal(orm__seed_yaml_read(path, NULL, &cb, &err), code);
	assert_int_equal(err.pub.line, line);
	assert_int_equal(err.pub.column, col);
	if (!strstr(err.pub.message, needle))
		fail_msg("message '%s' lacks '%s'", err.pub.message, needle);
	orm__seed_err_dispose(&err);
	rm_dir(dir);
}

static void test_seed__yaml_errors(void **state)
{
	(void)state;
	expect_yaml_error("- a\n- b\n", ORM_EPARSE, 1, 1, "a mapping from table names");
	expect_yaml_error("t:\n  - x\n", ORM_EPARSE, 2, 5, "a row must be a mapping");
	expect_yaml_error("t:\n  - {a: 1, a: 2}\n", ORM_EPARSE, 2, 12, "column 'a' given twice");
	expect_yaml_error("t:\n  - &r {a: 1}\n  - *r\n", ORM_EPARSE, 3, 5, "aliases");
	expect_yaml_error("t:\n  - {a: 1\n", ORM_EPARSE, 3, 1, "YAML:");
	expect_yaml_error("t:\n  rows: []\n  keys: [a]\n", ORM_EPARSE, 3, 3, "unknown key 'keys'");
	expect_yaml_error("t: []\n---\nu: []\n", ORM_EPARSE, 2, 1, "only one YAML document");
	expect_yaml_error("t:\n  - {_label: [x]}\n", ORM_EPARSE, 2, 14, "_label must be a name");
}

/* ---- seed make ---- */

static void test_seed__make(void **state)
{
	char *dir = make_dir(), sub[4096];
	orm_buf p = ORM_BUF_INIT;
	orm_conn *db;
	char *text;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/seeds", dir);
	assert_int_equal(orm_seed_make(&p, sub, "01_users", ORM_SEED_CSV), 0);
	assert_non_null(strstr(p.ptr, "/seeds/01_users.csv"));
	text = read_all(p.ptr);
	assert_non_null(strstr(text, "# key:"));
	free(text);
	orm_buf_clear(&p);
	assert_int_equal(orm_seed_make(&p, sub, "01_users", ORM_SEED_CSV), ORM_ECONFLICT);
	assert_int_equal(orm_seed_make(&p, sub, "fixtures.yaml", ORM_SEED_YAML), 0);
	assert_non_null(strstr(p.ptr, "fixtures.yaml"));
	assert_null(strstr(p.ptr, ".yaml.yaml"));
	orm_buf_clear(&p);
	assert_int_equal(orm_seed_make(&p, sub, "zz_fix", ORM_SEED_SQL), 0);
	assert_int_equal(orm_seed_make(&p, sub, "../evil", ORM_SEED_SQL), ORM_EINVAL);
	assert_int_equal(orm_seed_make(&p, sub, "", ORM_SEED_SQL), ORM_EINVAL);
	assert_int_equal(orm_seed_make(&p, sub, "x", (orm_seed_format)9), ORM_EINVAL);
	/* fresh templates load as nothing */
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_seed_run(db, sub, NULL));
	orm_close(db);
	orm_buf_dispose(&p);
	snprintf(sub, sizeof(sub), "%s/seeds/01_users.csv", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/seeds/fixtures.yaml", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/seeds/zz_fix.sql", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/seeds", dir);
	rmdir(sub);
	rm_dir(dir);
}

/* ---- runs on SQLite ---- */

static const char schema_sql[] =
	"CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
	" mentor_id INTEGER REFERENCES authors(id));"
	"CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id),"
	" title TEXT NOT NULL, score REAL, published BOOLEAN, body TEXT, data JSON, raw BLOB);"
	"CREATE TABLE tags (code TEXT PRIMARY KEY, label TEXT);"
	"CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts(id),"
	" tag TEXT NOT NULL REFERENCES tags(code), PRIMARY KEY (post_id, tag));";

static void write_good_seeds(const char *dir)
{
	/* names in the opposite of foreign-key order */
	write_file(dir, "01_post_tags.csv",
		   "post_id,tag\n"
		   "10,c\n"
		   "10,sql\n"
		   "11,c\n");
	write_file(dir, "02_posts.yaml",
		   "posts:\n"
		   "  - {id: 10, author_id: \"@carol\", title: First, score: 2.5, published: yes,"
		   " body: \"\", data: {k: [1, 2]}, raw: \"\\\\x00ff41\"}\n"
		   "  - {id: 11, author_id: {ref: alice}, title: \"@@literal is not a ref\", published: false}\n"
		   "post_tags:\n"
		   "  - {post_id: 11, tag: \"@@at\"}\n");
	write_file(dir, "03_authors.yaml",
		   "authors:\n"
		   "  key: name\n"
		   "  rows:\n"
		   "    - _label: alice\n"
		   "      name: Alice\n"
		   "      mentor_id: \"@carol\"\n"
		   "    - _label: bob\n"
		   "      name: Bob\n"
		   "      mentor_id: \"@alice\"\n"
		   "    - _label: carol\n"
		   "      name: Carol\n");
	write_file(dir, "tags.csv",
		   "code,label\n"
		   "c,The C language\n"
		   "sql,\n"
		   "@at,At sign\n");
}

static void test_seed__run_sqlite(void **state)
{
	char *dir = make_dir(), *t;
	orm_conn *db;
	orm_seed *s = NULL;
	orm_buf plan = ORM_BUF_INIT;
	uint64_t rows, loaded;
	const char *name;
	int64_t carol;

	(void)state;
	write_good_seeds(dir);
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, schema_sql));
	assert_orm_ok(db, orm_seed_open(&s, db, dir, NULL));
	assert_int_equal(orm_seed_table_count(s), 4);
	name = orm_seed_table_at(s, 0, &rows, NULL);
	assert_string_equal(name, "authors");
	assert_int_equal(rows, 3);
	/* ties go to the earliest file: 02_posts.yaml before tags.csv */
	assert_string_equal(orm_seed_table_at(s, 1, NULL, NULL), "posts");
	assert_string_equal(orm_seed_table_at(s, 2, NULL, NULL), "tags");
	assert_string_equal(orm_seed_table_at(s, 3, NULL, NULL), "post_tags");
	assert_null(orm_seed_table_at(s, 4, NULL, NULL));
	assert_int_equal(orm_seed_plan(s, &plan), 0);
	assert_non_null(strstr(plan.ptr, "self-reference authors(mentor_id) -> authors"));
	assert_non_null(strstr(plan.ptr, "12 rows from 4 files"));
	assert_orm_ok(db, orm_seed_execute(s));
	name = orm_seed_table_at(s, 0, &rows, &loaded);
	assert_int_equal(loaded, 3);
	assert_int_equal(orm_seed_execute(s), ORM_EMISUSE);
	orm_seed_free(s);
	orm_buf_dispose(&plan);

	assert_int_equal(count(db, "SELECT COUNT(*) FROM authors"), 3);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM posts"), 2);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 3);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM post_tags"), 4);
	/* labels resolved to generated ids, the forward self-reference set afterwards */
	carol = count(db, "SELECT id FROM authors WHERE name = 'Carol'");
	assert_int_equal(count(db, "SELECT mentor_id FROM authors WHERE name = 'Alice'"), carol);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM authors a JOIN authors m ON m.id = a.mentor_id"
			       " WHERE a.name = 'Bob' AND m.name = 'Alice'"), 1);
	assert_int_equal(count(db, "SELECT author_id FROM posts WHERE id = 10"), carol);
	/* values: "" is empty, empty CSV field NULL, bool, json, blob, '@@' */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM posts WHERE id = 10 AND body = ''"), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags WHERE code = 'sql' AND label IS NULL"), 1);
	assert_int_equal(count(db, "SELECT published FROM posts WHERE id = 10"), 1);
	assert_int_equal(count(db, "SELECT published FROM posts WHERE id = 11"), 0);
	t = text_of(db, "SELECT data FROM posts WHERE id = 10");
	assert_string_equal(t, "{\"k\":[1,2]}");
	free(t);
	t = text_of(db, "SELECT hex(raw) FROM posts WHERE id = 10");
	assert_string_equal(t, "00FF41");
	free(t);
	t = text_of(db, "SELECT title FROM posts WHERE id = 11");
	/* outside foreign key columns '@' means nothing */
	assert_string_equal(t, "@@literal is not a ref");
	/* in a foreign key column "@@" is a literal '@' */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM post_tags WHERE post_id = 11 AND tag = '@at'"), 1);
	free(t);

	/* a second run changes nothing (upsert by primary and natural keys) */
	assert_orm_ok(db, orm_exec(db, "UPDATE tags SET label = 'changed' WHERE code = 'c'"));
	assert_orm_ok(db, orm_seed_run(db, dir, NULL));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM authors"), 3);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM posts"), 2);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM post_tags"), 4);
	assert_int_equal(count(db, "SELECT id FROM authors WHERE name = 'Carol'"), carol);
	t = text_of(db, "SELECT label FROM tags WHERE code = 'c'");
	assert_string_equal(t, "The C language");
	free(t);

	/* skip mode keeps existing rows */
	{
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		o.on_conflict = ORM_SEED_SKIP;
		assert_orm_ok(db, orm_exec(db, "UPDATE tags SET label = 'kept' WHERE code = 'c'"));
		assert_orm_ok(db, orm_seed_run(db, dir, &o));
		t = text_of(db, "SELECT label FROM tags WHERE code = 'c'");
		assert_string_equal(t, "kept");
		free(t);
		/* insert mode: existing keys are an error, and nothing changes */
		o.on_conflict = ORM_SEED_INSERT;
		assert_int_equal(orm_seed_run(db, dir, &o), ORM_EUNIQUE);
		/* the line and column of the value the server names (authors.name) */
		if (!strstr(orm_conn_errmsg(db), "03_authors.yaml:5:13: authors:"))
			fail_msg("%s", orm_conn_errmsg(db));
		assert_int_equal(count(db, "SELECT COUNT(*) FROM authors"), 3);
	}

	/* truncate: extra rows go, children first */
	{
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		o.truncate = 1;
		assert_orm_ok(db, orm_exec(db, "INSERT INTO authors (name) VALUES ('Extra');"
					   "INSERT INTO posts (id, author_id, title) VALUES (99, last_insert_rowid(), 'x');"
					   "INSERT INTO post_tags VALUES (99, 'c')"));
		assert_orm_ok(db, orm_seed_run(db, dir, &o));
		assert_int_equal(count(db, "SELECT COUNT(*) FROM authors"), 3);
		assert_int_equal(count(db, "SELECT COUNT(*) FROM posts"), 2);
		assert_int_equal(count(db, "SELECT COUNT(*) FROM post_tags"), 4);
	}
	orm_close(db);
	rm_dir(dir);
}

static void test_seed__sql_files_and_specific(void **state)
{
	char *dir = make_dir(), *t;
	orm_conn *db;
	orm_seed_options o = ORM_SEED_OPTIONS_INIT;
	const char *only[] = { "tags.csv", "zz_fix.sql" };

	(void)state;
	write_good_seeds(dir);
	write_file(dir, "zz_fix.sql", "-- runs after the data\nUPDATE tags SET label = upper(label)\n"
		   " WHERE code = 'c';\nINSERT INTO tags VALUES ('go', 'Go');\n");
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, schema_sql));
	o.files = only;
	o.nfiles = 2;
	assert_orm_ok(db, orm_seed_run(db, dir, &o));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 4);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM authors"), 0);
	t = text_of(db, "SELECT label FROM tags WHERE code = 'c'");
	assert_string_equal(t, "THE C LANGUAGE");
	free(t);
	/* a failing statement names its file and line; nothing stays */
	write_file(dir, "zz_fix.sql", "INSERT INTO tags VALUES ('rs', 'Rust');\n\nINSERT INTO nope VALUES (1);\n");
	assert_orm_ok(db, orm_exec(db, "DELETE FROM tags"));
	assert_int_not_equal(orm_seed_run(db, dir, &o), 0);
	assert_non_null(strstr(orm_conn_errmsg(db), "zz_fix.sql:3"));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 0);
	/* a missing --specific file */
	only[0] = "nope.csv";
	assert_int_equal(orm_seed_run(db, dir, &o), ORM_ENOTFOUND);
	assert_non_null(strstr(orm_conn_errmsg(db), "nope.csv"));
	orm_close(db);
	rm_dir(dir);
}

/* One bad file: error with file, line, column, and nothing loaded. */
static void expect_bad(const char *name, const char *text, int code, int line, int col,
		       const char *needle)
{
	char *dir = make_dir();
	orm_conn *db;
	orm_seed *s = NULL;
	const orm_seed_error *e;
	char want[256];
	int rc;

	write_good_seeds(dir);
	write_file(dir, name, text);
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, schema_sql));
	rc = orm_seed_open(&s, db, dir, NULL);
	if (rc == 0)
		rc = orm_seed_execute(s);
	e = orm_seed_last_error(s);
	if (rc != code || e->line != line || e->column != col || !strstr(e->message, needle))
		fail_msg("%s: rc %d (want %d), line %d (want %d), col %d (want %d): %s", name, rc, code,
			 e->line, line, e->column, col, e->message);
	snprintf(want, sizeof(want), "%s/%s", dir, name);
	assert_string_equal(e->file, want);
	/* the connection carries the same message */
	assert_string_equal(orm_conn_errmsg(db), e->message);
	orm_seed_free(s);
	assert_int_equal(count(db, "SELECT (SELECT COUNT(*) FROM authors) + (SELECT COUNT(*) FROM posts)"
			       " + (SELECT COUNT(*) FROM tags) + (SELECT COUNT(*) FROM post_tags)"), 0);
	assert_int_equal(orm_tx_depth(db), 0);
	orm_close(db);
	rm_dir(dir);
}

static void test_seed__bad_input(void **state)
{
	(void)state;
	expect_bad("tags.csv", "code,label\nc,C\nsql\n", ORM_EPARSE, 3, 2,
		   "row has 1 field but the header has 2");
	expect_bad("02_posts.yaml", "posts:\n  - {id: 10, author_id: \"@carol\", title: T, score: high}\n",
		   ORM_ETYPE, 2, 52, "posts.score (REAL): 'high' is not a number");
	expect_bad("02_posts.yaml", "posts:\n  - {id: ten, author_id: \"@carol\", title: T}\n",
		   ORM_ETYPE, 2, 10, "'ten' is not an integer");
	expect_bad("02_posts.yaml", "posts:\n  - {id: 10, published: maybe, author_id: \"@carol\", title: T}\n",
		   ORM_ETYPE, 2, 25, "is not a boolean");
	expect_bad("02_posts.yaml", "posts:\n  - {id: 10, author_id: \"@dave\", title: T}\n",
		   ORM_ENOTFOUND, 2, 25, "unknown label 'dave'");
	expect_bad("04_more.yaml", "authors:\n  - {_label: bob, name: Bobby}\n", ORM_ECONFLICT, 2, 14,
		   "label 'bob' of table 'authors' is already defined at");
	expect_bad("04_more.yaml", "writers:\n  - {name: x}\n", ORM_ENOTFOUND, 1, 1,
		   "table 'writers' does not exist");
	expect_bad("writers.csv", "name\nx\n", ORM_ENOTFOUND, 0, 0, "table 'writers' (named by the file name)");
	expect_bad("tags.csv", "code,colour\nc,red\n", ORM_ENOTFOUND, 1, 2,
		   "column 'colour' does not exist in table 'tags'");
	expect_bad("04_more.yaml", "tags:\n  - {code: x, lbl: y}\n", ORM_ENOTFOUND, 2, 15,
		   "column 'lbl' does not exist");
	expect_bad("04_more.yaml", "tags:\n  - {code: x, label: {ref: bob}}\n", ORM_EINVAL, 2, 22,
		   "tags.label is not a foreign key");
	expect_bad("04_more.yaml", "tags:\n  key: label\n  rows: [{code: x}]\n", ORM_EINVAL, 2, 3,
		   "needs a primary key, unique constraint or unique index");
	/* a broken reference: the line and the missing key */
	expect_bad("01_post_tags.csv", "post_id,tag\n10,c\n\n999,sql\n", ORM_EFOREIGNKEY, 4, 1,
		   "post_tags: post_id=999 has no matching row in posts(id)");
	expect_bad("01_post_tags.csv", "post_id,tag\n10,c\n10,rust\n", ORM_EFOREIGNKEY, 3, 2,
		   "tag=rust has no matching row in tags(code)");
	/* a NOT NULL violation is named by line too */
	expect_bad("02_posts.yaml", "posts:\n  - {id: 10, author_id: \"@carol\", title: T}\n"
		   "  - {id: 11, author_id: \"@carol\", title: null}\n", ORM_ENOTNULL, 3, 42,
		   "02_posts.yaml:3:42: posts:");
}

static void test_seed__broken_reference_keeps_data(void **state)
{
	char *dir = make_dir(), *t;
	orm_conn *db;
	const orm_seed_error *e;
	orm_seed *s = NULL;

	(void)state;
	write_good_seeds(dir);
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, schema_sql));
	assert_orm_ok(db, orm_seed_run(db, dir, NULL));
	/* change a value and break a reference: the run fails and the old data stays */
	write_file(dir, "tags.csv", "code,label\nc,New label\nsql,SQL\n");
	write_file(dir, "01_post_tags.csv", "post_id,tag\n10,c\n12,sql\n");
	assert_orm_ok(db, orm_seed_open(&s, db, dir, NULL));
	assert_int_equal(orm_seed_execute(s), ORM_EFOREIGNKEY);
	e = orm_seed_last_error(s);
	assert_int_equal(e->line, 3);
	assert_string_equal(e->table, "post_tags");
	assert_string_equal(e->key, "post_id=12");
	orm_seed_free(s);
	t = text_of(db, "SELECT label FROM tags WHERE code = 'c'");
	assert_string_equal(t, "The C language");
	free(t);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM post_tags"), 4);
	orm_close(db);
	rm_dir(dir);
}

/* Inside the caller's transaction a run is a savepoint: its failure keeps the caller's work. */
static void test_seed__inside_transaction(void **state)
{
	char *dir = make_dir();
	orm_conn *db;

	(void)state;
	write_good_seeds(dir);
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, schema_sql));
	assert_orm_ok(db, orm_begin(db));
	assert_orm_ok(db, orm_exec(db, "INSERT INTO tags VALUES ('mine', 'kept')"));
	write_file(dir, "zz.sql", "INSERT INTO nope VALUES (1)");
	assert_int_not_equal(orm_seed_run(db, dir, NULL), 0);
	assert_int_equal(orm_tx_depth(db), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 1);
	unlink_in(dir, "zz.sql");
	assert_orm_ok(db, orm_seed_run(db, dir, NULL));
	assert_int_equal(orm_tx_depth(db), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 4);
	assert_orm_ok(db, orm_rollback(db));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM tags"), 0);
	orm_close(db);
	rm_dir(dir);
}

static void test_seed__cycles_sqlite(void **state)
{
	char *dir = make_dir();
	orm_conn *db;
	orm_seed *s = NULL;
	orm_buf plan = ORM_BUF_INIT;

	(void)state;
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	/* NOT NULL both ways (like Sakila's staff and store) */
	assert_orm_ok(db, orm_exec(db,
		"CREATE TABLE store (id INTEGER PRIMARY KEY, manager_id INTEGER NOT NULL REFERENCES staff(id));"
		"CREATE TABLE staff (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store(id));"
		/* nullable one way */
		"CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id));"
		"CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id));"));
	write_file(dir, "store.csv", "id,manager_id\n1,1\n2,2\n");
	write_file(dir, "staff.csv", "id,store_id\n1,1\n2,2\n");
	write_file(dir, "a.csv", "id,b_id\n1,1\n2,\n");
	write_file(dir, "b.csv", "id,a_id\n1,2\n");
	assert_orm_ok(db, orm_seed_open(&s, db, dir, NULL));
	assert_int_equal(orm_seed_plan(s, &plan), 0);
	assert_non_null(strstr(plan.ptr, "cycle through NOT NULL columns"));
	assert_non_null(strstr(plan.ptr, "PRAGMA defer_foreign_keys = ON"));
	assert_non_null(strstr(plan.ptr, "cycle a(b_id) -> b: inserted as NULL"));
	assert_orm_ok(db, orm_seed_execute(s));
	orm_seed_free(s);
	orm_buf_dispose(&plan);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM store s JOIN staff f ON f.id = s.manager_id"), 2);
	assert_int_equal(count(db, "SELECT b_id FROM a WHERE id = 1"), 1);
	assert_orm_ok(db, orm_schema_foreign_key_check(db, NULL));
	/* a broken key inside the late-checked cycle: found before commit, with its line */
	write_file(dir, "staff.csv", "id,store_id\n1,1\n2,7\n");
	assert_orm_ok(db, orm_exec(db, "PRAGMA foreign_keys = OFF; DELETE FROM b; DELETE FROM a;"
				   "DELETE FROM store; DELETE FROM staff; PRAGMA foreign_keys = ON"));
	assert_int_equal(orm_seed_run(db, dir, NULL), ORM_EFOREIGNKEY);
	assert_non_null(strstr(orm_conn_errmsg(db), "staff.csv:3:2: staff: store_id=7 has no matching row in store(id)"));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM store"), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM staff"), 0);
	orm_close(db);
	rm_dir(dir);
}

static void test_seed__export_roundtrip(void **state)
{
	char *dir = make_dir(), path[4096], *text, *t;
	orm_conn *db, *db2;
	uint64_t n = 0;

	(void)state;
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db,
		"CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT, note TEXT, price DECIMAL_TEXT(10,2), bin BLOB);"
		"INSERT INTO things VALUES (2, 'b, \"quoted\"', '', '1.50', x'00ff');"
		"INSERT INTO things VALUES (1, 'a', NULL, NULL, NULL);"
		"INSERT INTO things VALUES (3, '#multi\nline', ' sp ', '-0.01', x'');"));
	snprintf(path, sizeof(path), "%s/things.csv", dir);
	assert_orm_ok(db, orm_seed_export_table(db, "things", path, ORM_SEED_CSV, &n));
	assert_int_equal(n, 3);
	text = read_all(path);
	assert_string_equal(text,
		"id,name,note,price,bin\n"
		"1,a,,,\n"
		"2,\"b, \"\"quoted\"\"\",\"\",1.50,\\x00ff\n"
		"3,\"#multi\nline\",\" sp \",-0.01,\\x\n");
	free(text);
	snprintf(path, sizeof(path), "%s/things2.yaml", dir);
	assert_orm_ok(db, orm_seed_export_table(db, "things", path, ORM_SEED_YAML, &n));
	text = read_all(path);
	assert_non_null(strstr(text, "things:\n  - id: 1\n    name: a\n    note: null\n"));
	assert_non_null(strstr(text, "    name: \"#multi\\nline\"\n"));
	free(text);
	/* both load back into an empty copy */
	assert_int_equal(orm_open(&db2, "sqlite::memory:"), 0);
	assert_orm_ok(db2, orm_exec(db2,
		"CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT, note TEXT, price DECIMAL_TEXT(10,2), bin BLOB);"));
	{
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		const char *one[] = { "things.csv" };
		o.files = one;
		o.nfiles = 1;
		assert_orm_ok(db2, orm_seed_run(db2, dir, &o));
	}
	assert_int_equal(count(db2, "SELECT COUNT(*) FROM things"), 3);
	assert_int_equal(count(db2, "SELECT COUNT(*) FROM things WHERE note IS NULL"), 1);
	assert_int_equal(count(db2, "SELECT COUNT(*) FROM things WHERE note = ''"), 1);
	t = text_of(db2, "SELECT hex(bin) || '|' || name || '|' || price FROM things WHERE id = 2");
	assert_string_equal(t, "00FF|b, \"quoted\"|1.50");
	free(t);
	assert_orm_ok(db2, orm_exec(db2, "DELETE FROM things"));
	{
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		const char *one[] = { "things2.yaml" };
		o.files = one;
		o.nfiles = 1;
		/* the YAML file names table "things" */
		assert_orm_ok(db2, orm_seed_run(db2, dir, &o));
	}
	assert_int_equal(count(db2, "SELECT COUNT(*) FROM things WHERE note = ' sp ' AND name = '#multi\nline'"), 1);
	assert_int_equal(count(db2, "SELECT COUNT(*) FROM things WHERE bin = x''"), 1);
	orm_close(db2);
	orm_close(db);
	snprintf(path, sizeof(path), "%s/things.csv", dir);
	unlink(path);
	rm_dir(dir);
}

static void progress_cb(const orm_seed_progress *p, void *payload)
{
	uint64_t *last = payload;

	assert_true(p->rows_done >= *last);
	assert_true(p->rows_done <= p->rows_total);
	assert_true(p->table_rows_done <= p->table_rows_total);
	*last = p->rows_done;
}

static void test_seed__batches_and_progress(void **state)
{
	char *dir = make_dir(), path[4096];
	orm_conn *db;
	orm_seed_options o = ORM_SEED_OPTIONS_INIT;
	uint64_t last = 0;
	FILE *f;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/nums.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("id,parent,label\n", f);
	/* a self-reference pointing forward for every tenth row */
	for (i = 1; i <= 5000; i++)
		fprintf(f, "%d,%s%d,row %d\n", i, "", i % 10 == 0 && i < 5000 ? i + 1 : (i > 1 ? i - 1 : 1), i);
	fclose(f);
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	assert_orm_ok(db, orm_exec(db, "CREATE TABLE nums (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES nums(id), label TEXT)"));
	o.batch_rows = 333;
	o.progress = progress_cb;
	o.payload = &last;
	assert_orm_ok(db, orm_seed_run(db, dir, &o));
	assert_int_equal(last, 5000);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM nums"), 5000);
	assert_int_equal(count(db, "SELECT parent FROM nums WHERE id = 10"), 11);
	assert_int_equal(count(db, "SELECT parent FROM nums WHERE id = 1"), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM nums n LEFT JOIN nums p ON p.id = n.parent WHERE p.id IS NULL"), 0);
	orm_close(db);
	unlink(path);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed__table_from_filename),
		cmocka_unit_test(test_seed__csv_values_and_lines),
		cmocka_unit_test(test_seed__csv_errors),
		cmocka_unit_test(test_seed__csv_missing_and_empty),
		cmocka_unit_test(test_seed__yaml_reader),
		cmocka_unit_test(test_seed__yaml_errors),
		cmocka_unit_test(test_seed__make),
		cmocka_unit_test(test_seed__run_sqlite),
		cmocka_unit_test(test_seed__sql_files_and_specific),
		cmocka_unit_test(test_seed__bad_input),
		cmocka_unit_test(test_seed__broken_reference_keeps_data),
		cmocka_unit_test(test_seed__inside_transaction),
		cmocka_unit_test(test_seed__cycles_sqlite),
		cmocka_unit_test(test_seed__export_roundtrip),
		cmocka_unit_test(test_seed__batches_and_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
