/*
 * Hostile input, on SQLite always and on PostgreSQL / MariaDB when
 * ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL are set (in CI a missing one
 * fails). A canary table (hz_canary, one row) is checked after every test:
 * no input may drop or change it.
 *
 *   - SQL injection through values and identifiers of the query builder,
 *     through the schema builder (names, defaults, comments, enum values),
 *     through orm_query_to_sql()'s inline literals executed as SQL,
 *     through seed files (CSV and YAML values, labels, references), and
 *     through config values (URL parts must not leak into other parts);
 *   - over-long identifiers: each dialect's limit (PostgreSQL 63 bytes,
 *     MariaDB 64 characters) passes, one more is a clear ORM_EINVAL;
 *   - invalid UTF-8 and NUL bytes in values: exact round trip or a clear
 *     error, never a silently changed value; blobs always round-trip.
 */
#include "testutil.h"
#include "orm/sys/driver.h"

#include <sys/stat.h>
#include <unistd.h>

static orm_conn *db;
static orm_dialect dialect;
static char tmpdir[256];

static const char *const evil[] = {
	"x'); DROP TABLE hz_canary; --",
	"x'; DELETE FROM hz_canary; --",
	"\"; DROP TABLE hz_canary; --",
	"`; DROP TABLE hz_canary; --",
	"\\'; DROP TABLE hz_canary; -- ",
	"\\\\'; UPDATE hz_canary SET v = 'pwned'; -- ",
	"?; DROP TABLE hz_canary; $1 :name @x ${X}",
	"' OR '1'='1",
	"*/ DROP TABLE hz_canary; /*",
	"line\nbreak\r\n\ttab",
	"\xe2\x80\x99; DROP TABLE hz_canary; -- (U+2019)",
};
#define NEVIL (sizeof(evil) / sizeof(evil[0]))

/* ---- helpers ---- */

static void exec_ok(const char *sql)
{
	assert_orm_ok(db, orm_exec(db, sql));
}

/* The canary is still there, with its one row unchanged. */
static void canary_check(void)
{
	int64_t n = -1;
	orm_stmt *st = NULL;

	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM hz_canary", NULL, 0));
	assert_int_equal(n, 1);
	assert_orm_ok(db, orm_prepare(&st, db, "SELECT id, v FROM hz_canary"));
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_int(st, 0), 1);
	assert_string_equal(orm_column_text(st, 1, NULL), "alive");
	orm_stmt_free(st);
}

static void drop_all(void)
{
	static const char *const tables[] = { "hz_child", "hz_parent", "hz_target", "hz_canary" };
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		orm_schema_drop_table(db, tables[i], ORM_SCHEMA_IF_EXISTS);
}

struct target {
	const char *name, *env; /* env NULL: SQLite in memory */
};

/* Open the test's database (or leave db NULL when its URL is not set) and make the tables. */
static int setup(void **state)
{
	const struct target *tg = *state;
	const char *url = tg->env ? getenv(tg->env) : "sqlite::memory:";
	orm_table *t;

	db = NULL;
	if (!url || !*url)
		return 0;
	if (orm_open(&db, url) < 0) {
		fprintf(stderr, "cannot open %s: %s\n", url, orm_conn_errmsg(db));
		return -1;
	}
	dialect = orm_conn_dialect(db);
	drop_all();
	exec_ok("CREATE TABLE hz_canary (id INTEGER PRIMARY KEY, v VARCHAR(20))");
	exec_ok("INSERT INTO hz_canary (id, v) VALUES (1, 'alive')");
	t = orm_table_new("hz_target");
	orm_table_increments(t, "id");
	orm_table_text(t, "name");
	orm_table_binary(t, "data");
	assert_orm_ok(db, orm_schema_create_table(db, t, 0));
	orm_table_free(t);
	t = orm_table_new("hz_parent");
	orm_table_increments(t, "id");
	orm_table_string(t, "name", 200);
	assert_orm_ok(db, orm_schema_create_table(db, t, 0));
	orm_table_free(t);
	t = orm_table_new("hz_child");
	orm_table_increments(t, "id");
	orm_col_references(orm_table_integer(t, "parent_id"), "hz_parent", "id");
	orm_table_text(t, "note");
	assert_orm_ok(db, orm_schema_create_table(db, t, 0));
	orm_table_free(t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!db)
		return 0;
	drop_all();
	orm_close(db);
	db = NULL;
	return 0;
}

/* Read hz_target.name of row id into a malloc'd buffer (len in *len); NULL when absent. */
static char *read_name(int64_t id, size_t *len)
{
	orm_stmt *st = NULL;
	char *out = NULL;
	const char *s;

	assert_orm_ok(db, orm_prepare(&st, db, "SELECT name FROM hz_target WHERE id = ?"));
	assert_orm_ok(db, orm_bind_int(st, 1, id));
	if (orm_stmt_step(st) == ORM_ROW && (s = orm_column_text(st, 0, len))) {
		out = malloc(*len + 1);
		assert_non_null(out);
		memcpy(out, s, *len + 1);
	}
	orm_stmt_free(st);
	return out;
}

/* Run the INSERT q and read the one new id. */
static int insert_id(const orm_query *q, int64_t *id)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = orm_query_insert_ids(db, q, "id", &ids, &n);

	if (rc == 0 && n == 1)
		*id = ids[0];
	else if (rc == 0)
		rc = ORM_ERROR;
	orm_free(ids);
	return rc;
}

/* Insert `v` with the query builder; return the new id. */
static int64_t insert_name(orm_value v, int *rc)
{
	orm_query *q = orm_query_new("hz_target");
	const char *cols[] = { "name" };
	int64_t id = 0;

	orm_query_insert(q, cols, 1);
	orm_query_values(q, &v);
	*rc = insert_id(q, &id);
	orm_query_free(q);
	return id;
}

/* Fail the test when its database could not be had (CI runs them all). */
static void need_db(void **state)
{
	const struct target *tg = *state;

	if (!db)
		fail_msg("%s is not set: CI requires the %s server", tg->env, tg->name);
}

/* ---- values through the query builder ---- */

static void test_values(void **state)
{
	size_t i, len;
	int rc;

	need_db(state);
	for (i = 0; i < NEVIL; i++) {
		int64_t id = insert_name(orm_text(evil[i]), &rc), n = 0;
		orm_query *q;
		orm_stmt *st = NULL;
		char *back;

		assert_orm_ok(db, rc);
		back = read_name(id, &len);
		assert_non_null(back);
		assert_string_equal(back, evil[i]);
		free(back);
		/* as a where value, a LIKE pattern and an update value */
		q = orm_query_new("hz_target");
		orm_query_select_agg(q, ORM_AGG_COUNT, "*", "n");
		orm_query_where(q, "name", "=", orm_text(evil[i]));
		orm_query_or_where(q, "name", "like", orm_text(evil[i]));
		assert_orm_ok(db, orm_query_exec(&st, db, q));
		assert_int_equal(orm_stmt_step(st), ORM_ROW);
		n = orm_column_int(st, 0);
		assert_true(n >= 1);
		orm_stmt_free(st);
		orm_query_free(q);
		q = orm_query_new("hz_target");
		orm_query_update(q);
		orm_query_set(q, "name", orm_text(evil[(i + 1) % NEVIL]));
		orm_query_where(q, "id", "=", orm_int(id));
		assert_orm_ok(db, orm_query_run(db, q, NULL));
		orm_query_free(q);
		back = read_name(id, &len);
		assert_string_equal(back, evil[(i + 1) % NEVIL]);
		free(back);
		canary_check();
	}
}

/* orm_query_to_sql() inlines the values as literals: executed, they must still be data. */
static void test_to_sql_literals(void **state)
{
	size_t i, len;

	need_db(state);
	for (i = 0; i < NEVIL; i++) {
		orm_query *q = orm_query_new("hz_target");
		const char *cols[] = { "id", "name" };
		orm_value v[2] = { orm_int(1000 + (int64_t)i), orm_text(evil[i]) };
		orm_buf sql = ORM_BUF_INIT;
		char *back;

		orm_query_insert(q, cols, 2);
		orm_query_values(q, v);
		assert_int_equal(orm_query_to_sql(q, dialect, &sql), 0);
		if (orm_exec(db, sql.ptr) < 0)
			fail_msg("to_sql output does not run: %s\n%s", orm_conn_errmsg(db), sql.ptr);
		back = read_name(1000 + (int64_t)i, &len);
		assert_non_null(back);
		if (strcmp(back, evil[i]) != 0)
			fail_msg("to_sql literal changed the value: %s", sql.ptr);
		free(back);
		orm_buf_dispose(&sql);
		orm_query_free(q);
		canary_check();
	}
}

/* ---- identifiers ---- */

static void test_identifiers(void **state)
{
	static const char *const names[] = {
		"hz_canary; DROP TABLE hz_canary",
		"name\" = name OR 1=1; DROP TABLE hz_canary; --",
		"name` = name OR 1=1; DROP TABLE hz_canary; --",
		"name' OR '1'='1",
		"(SELECT v FROM hz_canary)",
	};
	size_t i;

	need_db(state);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		orm_query *q = orm_query_new("hz_target");
		orm_stmt *st = NULL;
		int rc;

		/* as a column: no such column, an error, nothing run */
		orm_query_where(q, names[i], "=", orm_text("x"));
		rc = orm_query_exec(&st, db, q);
		if (rc == 0) {
			rc = orm_stmt_step(st);
			orm_stmt_free(st);
		}
		assert_true(rc < 0);
		orm_query_free(q);
		/* as a table */
		q = orm_query_new(names[i]);
		rc = orm_query_run(db, q, NULL);
		assert_true(rc < 0);
		orm_query_free(q);
		q = orm_query_new(names[i]);
		orm_query_delete(q);
		assert_true(orm_query_run(db, q, NULL) < 0);
		orm_query_free(q);
		/* an operator is never pasted in */
		q = orm_query_new("hz_target");
		assert_true(orm_query_where(q, "name", "= '' OR 1=1; DROP TABLE hz_canary; --", orm_text("x")) < 0 ||
			    orm_query_run(db, q, NULL) < 0);
		orm_query_free(q);
		canary_check();
	}
}

/* The schema builder: a hostile table name is one (odd) table; defaults, comments, enum values stay data. */
static void test_schema_builder(void **state)
{
	const char *tname = dialect == ORM_DIALECT_MARIADB ? "hz_x`; DROP TABLE hz_canary; --"
							  : "hz_x\"; DROP TABLE hz_canary; --";
	const char *enum_vals[] = { "a'); DROP TABLE hz_canary; --", "b\\'", "c\"`" };
	orm_table *t = orm_table_new(tname);
	orm_col *c;
	int exists = 0;
	orm_stmt *st = NULL;
	size_t len;
	int rc;

	need_db(state);
	orm_table_increments(t, "id");
	c = orm_table_string(t, "s\"`'; DROP TABLE hz_canary; --", 100);
	orm_col_default(c, orm_text(evil[0]));
	orm_col_comment(c, evil[4]);
	c = orm_table_string(t, "s2", 100);
	orm_col_default(c, orm_text(evil[4]));
	orm_table_enum(t, "e", enum_vals, 3);
	orm_table_comment(t, evil[5]);
	rc = orm_schema_create_table(db, t, 0);
	if (rc < 0)
		fail_msg("create table: %s", orm_conn_errmsg(db));
	orm_table_free(t);
	canary_check();
	assert_orm_ok(db, orm_schema_has_table(&exists, db, tname));
	assert_int_equal(exists, 1);
	/* the defaults come back exactly */
	{
		orm_query *q = orm_query_new(tname);
		const char *cols[] = { "e" };
		orm_value v = orm_text(enum_vals[1]);
		orm_query_insert(q, cols, 1);
		orm_query_values(q, &v);
		assert_orm_ok(db, orm_query_run(db, q, NULL));
		orm_query_free(q);
		q = orm_query_new(tname);
		orm_query_select(q, "s\"`'; DROP TABLE hz_canary; --");
		orm_query_select(q, "s2");
		orm_query_select(q, "e");
		assert_orm_ok(db, orm_query_exec(&st, db, q));
		assert_int_equal(orm_stmt_step(st), ORM_ROW);
		assert_string_equal(orm_column_text(st, 0, &len), evil[0]);
		assert_string_equal(orm_column_text(st, 1, &len), evil[4]);
		assert_string_equal(orm_column_text(st, 2, &len), enum_vals[1]);
		orm_stmt_free(st);
		orm_query_free(q);
	}
	assert_orm_ok(db, orm_schema_drop_table(db, tname, 0));
	canary_check();
}

/* ---- over-long identifiers ---- */

static void test_long_identifiers(void **state)
{
	/* SQLite has no limit; the schema builder stops at 128 bytes there */
	size_t limit = dialect == ORM_DIALECT_POSTGRES ? 63 : dialect == ORM_DIALECT_MARIADB ? 64 : 128;
	char name[300];
	orm_table *t;
	orm_query *q;
	orm_buf sql = ORM_BUF_INIT;
	int rc;

	need_db(state);
	/* at the limit: works */
	memset(name, 'a', limit);
	memcpy(name, "hz_", 3);
	name[limit] = '\0';
	t = orm_table_new(name);
	orm_table_increments(t, "id");
	assert_orm_ok(db, orm_schema_create_table(db, t, 0));
	orm_table_free(t);
	assert_orm_ok(db, orm_schema_drop_table(db, name, 0));
	if (dialect == ORM_DIALECT_SQLITE)
		return;
	/* MariaDB counts characters: 64 two-byte characters pass */
	if (dialect == ORM_DIALECT_MARIADB) {
		size_t i;
		for (i = 0; i < 64; i++)
			memcpy(name + 2 * i, "\xc3\xa9", 2);
		name[128] = '\0';
		q = orm_query_new(name);
		assert_int_equal(orm_query_to_sql(q, dialect, &sql), 0);
		orm_query_free(q);
		orm_buf_clear(&sql);
	}
	/* one more: a clear error before anything is sent */
	memset(name, 'b', limit + 1);
	memcpy(name, "hz_", 3);
	name[limit + 1] = '\0';
	t = orm_table_new(name);
	orm_table_increments(t, "id");
	rc = orm_schema_create_table(db, t, 0);
	assert_int_equal(rc, ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "too long"));
	orm_table_free(t);
	q = orm_query_new("hz_target");
	orm_query_where(q, name, "=", orm_int(1));
	rc = orm_query_to_sql(q, dialect, &sql);
	assert_int_equal(rc, ORM_EINVAL);
	assert_non_null(strstr(orm_query_errmsg(q), "too long"));
	orm_query_free(q);
	orm_buf_dispose(&sql);
	canary_check();
}

/* ---- invalid UTF-8 and NUL bytes ---- */

static void roundtrip_or_error(const char *what, const char *s, size_t n)
{
	int rc;
	int64_t id = insert_name(orm_textn(s, n), &rc);
	size_t len = 0;
	char *back;

	if (rc < 0) {
		/* a clear error: a code and a message */
		const char *msg = orm_conn_errmsg(db);
		assert_true(msg && *msg);
		printf("# %s on %s: refused (%s): %s\n", what, orm_dialect_name(dialect), orm_strerror(rc), msg);
		return;
	}
	back = read_name(id, &len);
	assert_non_null(back);
	if (len != n || memcmp(back, s, n) != 0)
		fail_msg("%s on %s: stored, but read back changed (%zu bytes, expected %zu)", what,
			 orm_dialect_name(dialect), len, n);
	printf("# %s on %s: round-trips exactly\n", what, orm_dialect_name(dialect));
	free(back);
}

static void test_bytes(void **state)
{
	static const char bad_utf8[] = "ok\xff\xfe\xc3(\xed\xa0\x80" "end";
	static const char nul[] = "before\0after";
	static const unsigned char blob[] = { 0, 0xff, '\'', '"', '\\', 0, 0x80, ';' };
	orm_query *q;
	const char *cols[] = { "data" };
	orm_value v = orm_blob(blob, sizeof(blob));
	orm_stmt *st = NULL;
	int64_t id = 0;
	size_t len = 0;
	const void *p;

	need_db(state);
	roundtrip_or_error("invalid UTF-8", bad_utf8, sizeof(bad_utf8) - 1);
	roundtrip_or_error("a NUL byte in text", nul, sizeof(nul) - 1);
	/* blobs: always exact */
	q = orm_query_new("hz_target");
	orm_query_insert(q, cols, 1);
	orm_query_values(q, &v);
	assert_orm_ok(db, insert_id(q, &id));
	orm_query_free(q);
	assert_orm_ok(db, orm_prepare(&st, db, "SELECT data FROM hz_target WHERE id = ?"));
	orm_bind_int(st, 1, id);
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	p = orm_column_blob(st, 0, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, sizeof(blob));
	orm_stmt_free(st);
	/* identifiers with a NUL cannot be written: orm_quote_ident sees a C string;
	   invalid UTF-8 in a name is quoted as bytes or refused by the server */
	canary_check();
}

/* ---- seeds: values, labels and references from files ---- */

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_seeds(void **state)
{
	orm_seed_options so = ORM_SEED_OPTIONS_INIT;
	orm_stmt *st = NULL;
	char seeds[300];
	int rc, row = 0;

	need_db(state);
	snprintf(seeds, sizeof(seeds), "%s/seeds", tmpdir);
	mkdir(seeds, 0700);
	write_file("seeds/01_hz_parent.csv",
		   "id,name\n"
		   "1,\"x'); DROP TABLE hz_canary; --\"\n"
		   "2,\"\\'; DROP TABLE hz_canary; -- \"\n"
		   "3,\"\"\"; DROP TABLE hz_canary; --\"\n");
	write_file("seeds/02_hz_child.yaml",
		   "hz_parent:\n"
		   "  - _label: \"evil'); DROP TABLE hz_canary; --\"\n"
		   "    id: 4\n"
		   "    name: \"`; DROP TABLE hz_canary; --\"\n"
		   "hz_child:\n"
		   "  - parent_id: \"@evil'); DROP TABLE hz_canary; --\"\n"
		   "    note: \"\\\\'; UPDATE hz_canary SET v = 'pwned'; -- \"\n"
		   "  - parent_id: { ref: \"evil'); DROP TABLE hz_canary; --\" }\n"
		   "    note: \"?; $1 :name ${X}\"\n");
	/* a label that does not exist is an error naming it, nothing loaded */
	write_file("seeds/03_bad.yaml",
		   "hz_child:\n"
		   "  - parent_id: \"@nobody'; DROP TABLE hz_canary; --\"\n");
	{
		char bad[400];
		snprintf(bad, sizeof(bad), "%s/seeds/03_bad.yaml", tmpdir);
		rc = orm_seed_run(db, seeds, &so);
		assert_true(rc < 0);
		assert_non_null(strstr(orm_conn_errmsg(db), "nobody"));
		unlink(bad);
	}
	canary_check();
	rc = orm_seed_run(db, seeds, &so);
	if (rc < 0)
		fail_msg("seed run: %s", orm_conn_errmsg(db));
	canary_check();
	assert_orm_ok(db, orm_prepare(&st, db, "SELECT p.name, c.note FROM hz_child c JOIN hz_parent p ON p.id = c.parent_id ORDER BY c.id"));
	while (orm_stmt_step(st) == ORM_ROW) {
		assert_string_equal(orm_column_text(st, 0, NULL), "`; DROP TABLE hz_canary; --");
		assert_string_equal(orm_column_text(st, 1, NULL),
				    row == 0 ? "\\'; UPDATE hz_canary SET v = 'pwned'; -- " : "?; $1 :name ${X}");
		row++;
	}
	orm_stmt_free(st);
	assert_int_equal(row, 2);
	assert_orm_ok(db, orm_prepare(&st, db, "SELECT name FROM hz_parent WHERE id = 2"));
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "\\'; DROP TABLE hz_canary; -- ");
	orm_stmt_free(st);
	exec_ok("DELETE FROM hz_child");
	exec_ok("DELETE FROM hz_parent");
}

/* ---- config values: a part of the connection never leaks into another ---- */

static void test_config_values(void **state)
{
	static const char text[] =
		"production:\n"
		"  client: pg\n"
		"  connection:\n"
		"    host: db.internal\n"
		"    user: \"u@evil.example:1/x?sslmode=disable#\"\n"
		"    password: \"p@evil.example/db?sslmode=disable&host=evil#%41\"\n"
		"    database: \"app?sslmode=disable\"\n"
		"    options: { sslmode: verify-full, \"a&b=c\": \"x&sslmode=disable\" }\n";
	orm_config *cfg = NULL;
	const orm_config_db *cdb;
	orm_url *u = NULL;
	char err[256];

	need_db(state);
	if (orm_config_parse(&cfg, text, sizeof(text) - 1, "ormtool.yaml", "production") != 0)
		fail_msg("config: %s", orm_config_errmsg(cfg));
	cdb = orm_config_db_at(cfg, 0);
	assert_non_null(cdb);
	assert_int_equal(orm_url_parse(&u, cdb->url, err, sizeof(err)), 0);
	assert_string_equal(u->host, "db.internal");
	assert_string_equal(u->user, "u@evil.example:1/x?sslmode=disable#");
	assert_string_equal(u->password, "p@evil.example/db?sslmode=disable&host=evil#%41");
	assert_string_equal(u->database, "app?sslmode=disable");
	assert_string_equal(orm_url_opt(u, "sslmode"), "verify-full");
	assert_string_equal(orm_url_opt(u, "a&b=c"), "x&sslmode=disable");
	assert_int_equal(u->nopts, 2);
	assert_null(orm_url_opt(u, "host"));
	orm_url_free(u);
	orm_config_free(cfg);
}

int main(void)
{
	static const struct target dbs[] = {
		{ "sqlite", NULL }, { "pg", "ORM_TEST_PG_URL" }, { "mariadb", "ORM_TEST_MARIADB_URL" },
	};
	static const struct { const char *name; CMUnitTestFunction fn; } fns[] = {
		{ "values", test_values },
		{ "to_sql_literals", test_to_sql_literals },
		{ "identifiers", test_identifiers },
		{ "schema_builder", test_schema_builder },
		{ "long_identifiers", test_long_identifiers },
		{ "bytes", test_bytes },
		{ "seeds", test_seeds },
		{ "config_values", test_config_values },
	};
	enum { NFN = sizeof(fns) / sizeof(fns[0]) };
	struct CMUnitTest tests[3 * NFN];
	static char names[3 * NFN][64];
	const char *base = getenv("TMPDIR");
	char cmd[400];
	size_t i, j, n = 0;
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "%s/orm-hostile-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		const char *url = dbs[i].env ? getenv(dbs[i].env) : "sqlite::memory:";
		if (!url || !*url) {
			/* in CI the tests run anyway, and fail for want of the server */
			if (!orm_test_in_ci()) {
				printf("# %s: %s is not set, its tests are left out\n", dbs[i].name, dbs[i].env);
				continue;
			}
		}
		for (j = 0; j < NFN; j++) {
			struct CMUnitTest *t = &tests[n];
			if (fns[j].fn == test_config_values && i > 0)
				continue; /* no database involved: once is enough */
			snprintf(names[n], sizeof(names[0]), "%s: %s", dbs[i].name, fns[j].name);
			t->name = names[n];
			t->test_func = fns[j].fn;
			t->setup_func = setup;
			t->teardown_func = teardown;
			t->initial_state = (void *)&dbs[i];
			n++;
		}
	}
	rc = _cmocka_run_group_tests("hostile input", tests, n, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
