/*
 * Cross-dialect integration suite of the core API (orm/conn.h, value.h,
 * errors.h). The same program and the same assertions run on SQLite,
 * PostgreSQL and MariaDB: tests/integration/run.sh sets ORM_TEST_URL (and
 * ORM_TEST_DIALECT) from the case files core.{sqlite,pg,mariadb}.
 *
 * The only per-dialect parts are in two small tables below: the column
 * types / DDL (the schema builder is a layer above the core) and what each
 * server reports about an error (SQLSTATE, native code, and which of
 * table / column / constraint it names). Everything else is asserted
 * identically for every dialect.
 *
 * Tables are named core_* and dropped at the start of each test: the
 * PostgreSQL and MariaDB databases are shared with other suites and
 * persist between runs.
 */
#include "testutil.h"

#include <math.h>
#include <unistd.h>

enum { DX_SQLITE = 0, DX_PG = 1, DX_MARIADB = 2, DX_N = 3 };

static const char *g_url;   /* ORM_TEST_URL (may hold a password: never print it) */
static int g_dx;            /* index of the dialect under test in the tables below */

static const orm_dialect dx_dialect[DX_N] = {
	ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB
};

/* ------------------------------------------------------------------ */
/* Per-dialect DDL: one row per need, columns SQLite / PostgreSQL / MariaDB */

enum {
	T_BOOL, T_BIGINT, T_DOUBLE, T_TEXT, T_BLOB, T_DEC12_4, T_DEC10_2, T_DATE,
	T_TIME, T_TS, T_TS6, T_TSTZ, T_JSON, T_UUID,
	DDL_AUTOINC,  /* core_ids: auto-increment key */
	DDL_STRICT,   /* core_strict: a table where text cannot go into an integer */
	DDL_N
};

static const char *const ddl[DDL_N][DX_N] = {
	/* SQLite declared types follow the schema builder's contract
	 * (include/orm/schema.h): names with TEXT / CHAR give TEXT affinity so
	 * '-0.50' stays '-0.50', and the driver maps the name to the type. */
	[T_BOOL]    = { "BOOLEAN", "boolean", "BOOLEAN" },
	[T_BIGINT]  = { "BIGINT", "bigint", "BIGINT" },
	[T_DOUBLE]  = { "REAL", "double precision", "DOUBLE" },
	[T_TEXT]    = { "TEXT", "text", "LONGTEXT" },
	[T_BLOB]    = { "BLOB", "bytea", "LONGBLOB" },
	[T_DEC12_4] = { "DECIMAL_TEXT(12,4)", "numeric(12,4)", "DECIMAL(12,4)" },
	[T_DEC10_2] = { "DECIMAL_TEXT(10,2)", "numeric(10,2)", "DECIMAL(10,2)" },
	[T_DATE]    = { "DATE", "date", "DATE" },
	[T_TIME]    = { "TIME", "time", "TIME" },
	[T_TS]      = { "TIMESTAMP", "timestamp", "DATETIME" },
	[T_TS6]     = { "TIMESTAMP", "timestamp(6)", "DATETIME(6)" },
	[T_TSTZ]    = { "TIMESTAMPTZ", "timestamptz(6)", "TIMESTAMP(6) NULL" },
	[T_JSON]    = { "JSON_TEXT", "jsonb", "JSON" },
	[T_UUID]    = { "UUID_CHAR(36)", "uuid", "UUID" },
	[DDL_AUTOINC] = {
		"CREATE TABLE core_ids (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20))",
		"CREATE TABLE core_ids (id BIGSERIAL PRIMARY KEY, name VARCHAR(20))",
		"CREATE TABLE core_ids (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))" },
	/* SQLite is dynamically typed: only a STRICT table refuses 'abc' in an
	 * INTEGER column (SQLITE_CONSTRAINT_DATATYPE). */
	[DDL_STRICT] = {
		"CREATE TABLE core_strict (id INTEGER PRIMARY KEY, n INTEGER) STRICT",
		"CREATE TABLE core_strict (id INTEGER PRIMARY KEY, n INTEGER)",
		"CREATE TABLE core_strict (id INTEGER PRIMARY KEY, n INTEGER)" },
};

#define COLTYPE(t) (ddl[(t)][g_dx])

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static void exec_ok(orm_conn *c, const char *sql)
{
	int rc = orm_exec(c, sql);
	if (rc != 0)
		print_error("orm_exec(%s) = %s: %s\n", sql, orm_strerror(rc), orm_conn_errmsg(c));
	assert_int_equal(rc, 0);
}

static void execf(orm_conn *c, const char *fmt, const char *a, const char *b)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), fmt, a, b ? b : "");
	exec_ok(c, sql);
}

static void drop_table(orm_conn *c, const char *name)
{
	execf(c, "DROP TABLE IF EXISTS %s%s", name, NULL);
}

static int64_t query_int(orm_conn *c, const char *sql, const orm_value *p, int n)
{
	int64_t v = -12345;
	assert_orm_ok(c, orm_query_int(c, &v, sql, p, n));
	return v;
}

static int64_t count_where_id(orm_conn *c, const char *table, int64_t id)
{
	char sql[256];
	orm_value p = orm_int(id);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE id = ?", table);
	return query_int(c, sql, &p, 1);
}

static int64_t count_rows(orm_conn *c, const char *table)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return query_int(c, sql, NULL, 0);
}

#define assert_type_is(got, want) do { \
	orm_type g__ = (got), w__ = (want); \
	if (g__ != w__) \
		print_error("%s: type %s, expected %s\n", #got, orm_type_name(g__), orm_type_name(w__)); \
	assert_int_equal(g__, w__); \
} while (0)

/* The connection is still usable (after an error, or discarded rows). */
static void check_usable(orm_conn *c)
{
	assert_int_equal(query_int(c, "SELECT 1", NULL, 0), 1);
}

static int setup_conn(void **state)
{
	orm_conn *c = NULL;
	int rc = orm_open(&c, g_url);
	if (rc != 0) {
		print_error("orm_open failed: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(c));
		orm_close(c);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown_conn(void **state)
{
	orm_close(*state);
	*state = NULL;
	return 0;
}

/* The test URL with its password replaced by `pw` (inserted when absent). */
static void url_with_password(char *out, size_t outlen, const char *url, const char *pw)
{
	const char *p = strstr(url, "://"), *at, *colon;
	if (!p) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	p += 3;
	at = strchr(p, '@');
	if (!at) {
		snprintf(out, outlen, "%.*sorm:%s@%s", (int)(p - url), url, pw, p);
		return;
	}
	colon = memchr(p, ':', (size_t)(at - p));
	if (!colon)
		colon = at;
	snprintf(out, outlen, "%.*s:%s%s", (int)(colon - url), url, pw, at);
}

/* What orm_conn_url() must give: the password replaced by "***". */
static void url_redacted(char *out, size_t outlen, const char *url)
{
	const char *p = strstr(url, "://"), *at, *colon;
	if (!p || !(at = strchr(p + 3, '@')) ||
	    !(colon = memchr(p + 3, ':', (size_t)(at - (p + 3))))) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
}

/* ------------------------------------------------------------------ */
/* open / close                                                        */

static void test_open_close(void **state)
{
	orm_conn *c = NULL;
	char want[1024];
	const char *u;
	(void)state;

	assert_orm_ok(c, orm_open(&c, g_url));
	assert_non_null(c);
	assert_int_equal(orm_conn_dialect(c), dx_dialect[g_dx]);
	assert_string_equal(orm_dialect_name(orm_conn_dialect(c)),
			    g_dx == DX_SQLITE ? "sqlite" : g_dx == DX_PG ? "postgres" : "mariadb");
	u = orm_conn_url(c);
	assert_non_null(u);
	url_redacted(want, sizeof(want), g_url);
	assert_string_equal(u, want);
	if (g_dx != DX_SQLITE) {
		/* the servers' URLs carry a password: it must be gone */
		assert_non_null(strstr(u, ":***@"));
	}
	assert_int_equal(orm_conn_error(c)->code, 0);
	assert_string_equal(orm_conn_errmsg(c), "");
	assert_true(orm_conn_max_params(c) > 0);
	assert_int_equal(orm_tx_depth(c), 0);
	orm_close(c);

	/* two connections at once are independent */
	{
		orm_conn *a = NULL, *b = NULL;
		assert_orm_ok(a, orm_open(&a, g_url));
		assert_orm_ok(b, orm_open(&b, g_url));
		assert_int_equal(query_int(a, "SELECT 40 + 2", NULL, 0), 42);
		assert_int_equal(query_int(b, "SELECT 7", NULL, 0), 7);
		orm_close(a);
		orm_close(b);
	}
	orm_close(NULL); /* no-op */
	assert_string_equal(orm_conn_errmsg(NULL), "");
}

/* A failed open: the handle exists, has an error, and does not leak. */
static void expect_open_fail(const char *url, int code, const char *secret)
{
	orm_conn *c = NULL;
	const char *msg;
	int rc = orm_open(&c, url);

	if (rc != code)
		print_error("orm_open(<%s>) = %d (%s), expected %s: %s\n",
			    secret ? "url with password" : url, rc, orm_strerror(rc),
			    orm_strerror(code), orm_conn_errmsg(c));
	assert_int_equal(rc, code);
	assert_non_null(c);
	assert_int_equal(orm_conn_error(c)->code, code);
	msg = orm_conn_errmsg(c);
	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	if (secret) {
		if (strstr(msg, secret))
			print_error("the error message contains the password: %s\n", msg);
		assert_null(strstr(msg, secret));
		if (orm_conn_url(c))
			assert_null(strstr(orm_conn_url(c), secret));
	}
	orm_close(c);
}

static void test_open_bad_url(void **state)
{
	(void)state;
	expect_open_fail("postgres://orm:Secr3tPw@127.0.0.1:notaport/orm_test", ORM_EURL, "Secr3tPw");
	expect_open_fail("mariadb://orm:Secr3tPw@127.0.0.1:99999999/orm_test", ORM_EURL, "Secr3tPw");
	expect_open_fail("postgres://orm:bad%zzescape@127.0.0.1/db", ORM_EURL, "bad%zzescape");
	expect_open_fail("no scheme at all", ORM_EURL, NULL);
	expect_open_fail("://nothing", ORM_EURL, NULL);
}

static void test_open_unknown_scheme(void **state)
{
	(void)state;
	expect_open_fail("oracle://scott:tiger@127.0.0.1:1521/orcl", ORM_EURL, "tiger");
	expect_open_fail("ftp://example.org/file", ORM_EURL, NULL);
}

/*
 * Wrong password (PostgreSQL, MariaDB): ORM_ECONNECT and no trace of the
 * password (raw or percent-decoded) in the message. SQLite has no
 * password; its counterpart is a file that cannot be opened (mode=ro of a
 * file that does not exist), also ORM_ECONNECT.
 */
static void test_open_wrong_password(void **state)
{
	char url[1024];
	(void)state;

	if (g_dx == DX_SQLITE) {
		expect_open_fail("sqlite:/tmp/core-no-such-file-9f3a7c.db?mode=ro", ORM_ECONNECT, NULL);
		return;
	}
	url_with_password(url, sizeof(url), g_url, "core-Wr0ngPw%40x");
	expect_open_fail(url, ORM_ECONNECT, "Wr0ngPw");
}

/* A server that is down (nothing listens on 127.0.0.1:1); on SQLite a
 * path whose directory does not exist. */
static void test_open_server_down(void **state)
{
	(void)state;
	switch (g_dx) {
	case DX_SQLITE:
		expect_open_fail("sqlite:/nonexistent-core-dir/sub/x.db", ORM_ECONNECT, NULL);
		break;
	case DX_PG:
		expect_open_fail("postgres://orm:Dwn5ecret@127.0.0.1:1/orm_test", ORM_ECONNECT, "Dwn5ecret");
		break;
	default:
		expect_open_fail("mariadb://orm:Dwn5ecret@127.0.0.1:1/orm_test", ORM_ECONNECT, "Dwn5ecret");
		break;
	}
}

/* ------------------------------------------------------------------ */
/* values: one table per type, every value written with bind and read back */

typedef struct rt_case {
	orm_value in;       /* bound value */
	orm_type type;      /* expected column type (ORM_TYPE_NULL for NULL) */
	const char *text;   /* expected canonical text (ignored for NULL / blob) */
} rt_case;

static void check_value(orm_stmt *st, size_t row, const rt_case *e)
{
	orm_value v;
	size_t len = 99999;
	const char *s;
	orm_type t = orm_column_type(st, 0);

	if (t != e->type)
		print_error("row %zu: column type %s, expected %s\n", row, orm_type_name(t),
			    orm_type_name(e->type));
	assert_int_equal(t, e->type);
	memset(&v, 0xA5, sizeof(v));
	assert_int_equal(orm_column_value(st, 0, &v), 0);
	assert_type_is(v.type, e->type);

	if (e->type == ORM_TYPE_NULL) {
		assert_true(orm_column_is_null(st, 0));
		assert_null(orm_column_text(st, 0, &len));
		assert_int_equal(orm_column_int(st, 0), 0);
		return;
	}
	assert_false(orm_column_is_null(st, 0));

	if (e->type == ORM_TYPE_BLOB) {
		const void *p = orm_column_blob(st, 0, &len);
		if (len != e->in.u.s.len)
			print_error("row %zu: blob of %zu bytes, expected %zu\n", row, len, e->in.u.s.len);
		assert_int_equal(len, e->in.u.s.len);
		if (len) {
			assert_non_null(p);
			assert_memory_equal(p, e->in.u.s.ptr, len);
		}
		assert_int_equal(v.u.s.len, e->in.u.s.len);
		if (len)
			assert_memory_equal(v.u.s.ptr, e->in.u.s.ptr, len);
		return;
	}

	s = orm_column_text(st, 0, &len);
	assert_non_null(s);
	if (e->type == ORM_TYPE_DOUBLE) {
		/* no canonical text for doubles: it must read back as the same number */
		assert_true(strtod(s, NULL) == e->in.u.d);
		if (orm_column_double(st, 0) != e->in.u.d)
			print_error("row %zu: double %.17g, expected %.17g\n", row,
				    orm_column_double(st, 0), e->in.u.d);
		assert_true(orm_column_double(st, 0) == e->in.u.d);
		assert_true(v.u.d == e->in.u.d);
		return;
	}
	assert_string_equal(s, e->text);
	assert_int_equal(len, strlen(e->text));
	/* the text accessor also works without a length */
	assert_string_equal(orm_column_text(st, 0, NULL), e->text);

	switch (e->type) {
	case ORM_TYPE_BOOL:
		assert_int_equal(v.u.b, e->in.u.b);
		assert_int_equal(orm_column_int(st, 0), e->in.u.b);
		break;
	case ORM_TYPE_INT:
		assert_true(v.u.i == e->in.u.i);
		assert_true(orm_column_int(st, 0) == e->in.u.i);
		break;
	default: /* text-like */
		assert_int_equal(v.u.s.len, strlen(e->text));
		assert_memory_equal(v.u.s.ptr, e->text, v.u.s.len);
		break;
	}
}

/*
 * CREATE TABLE <table> (id INTEGER PRIMARY KEY, v <type>), insert every
 * case through one prepared INSERT (reset between rows), append a NULL
 * row, and read everything back in order.
 */
static void roundtrip(orm_conn *c, const char *table, int coltype, const rt_case *cases, size_t n)
{
	char sql[512];
	orm_stmt *st = NULL;
	const rt_case null_case = { { ORM_TYPE_NULL, { 0 } }, ORM_TYPE_NULL, NULL };
	size_t i;

	drop_table(c, table);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (id INTEGER PRIMARY KEY, v %s)", table, COLTYPE(coltype));
	exec_ok(c, sql);

	snprintf(sql, sizeof(sql), "INSERT INTO %s (id, v) VALUES (?, ?)", table);
	assert_orm_ok(c, orm_prepare(&st, c, sql));
	assert_int_equal(orm_stmt_param_count(st), 2);
	for (i = 0; i <= n; i++) {
		const rt_case *e = i < n ? &cases[i] : &null_case;
		assert_orm_ok(c, orm_bind_int(st, 1, (int64_t)i + 1));
		assert_orm_ok(c, orm_bind_value(st, 2, &e->in, ORM_BIND_STATIC));
		assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
		assert_int_equal(orm_stmt_changes(st), 1);
		assert_orm_ok(c, orm_stmt_reset(st));
	}
	orm_stmt_free(st);

	snprintf(sql, sizeof(sql), "SELECT v FROM %s ORDER BY id", table);
	assert_orm_ok(c, orm_prepare(&st, c, sql));
	for (i = 0; i <= n; i++) {
		assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
		check_value(st, i + 1, i < n ? &cases[i] : &null_case);
	}
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	drop_table(c, table);
}

#define RT(v, t, s) { (v), (t), (s) }
#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static void test_value_bool(void **state)
{
	const rt_case cases[] = {
		RT(orm_bool(1), ORM_TYPE_BOOL, "1"),
		RT(orm_bool(0), ORM_TYPE_BOOL, "0"),
	};
	roundtrip(*state, "core_t_bool", T_BOOL, cases, NCASES(cases));
}

static void test_value_int64(void **state)
{
	const rt_case cases[] = {
		RT(orm_int(INT64_MAX), ORM_TYPE_INT, "9223372036854775807"),
		RT(orm_int(INT64_MIN), ORM_TYPE_INT, "-9223372036854775808"),
		RT(orm_int(0), ORM_TYPE_INT, "0"),
		RT(orm_int(-1), ORM_TYPE_INT, "-1"),
	};
	roundtrip(*state, "core_t_int", T_BIGINT, cases, NCASES(cases));
}

static void test_value_double(void **state)
{
	const rt_case cases[] = {
		RT(orm_double(1.23456789012345), ORM_TYPE_DOUBLE, NULL),
		RT(orm_double(0.1), ORM_TYPE_DOUBLE, NULL),
		RT(orm_double(-2.5e-300), ORM_TYPE_DOUBLE, NULL),
		RT(orm_double(1e300), ORM_TYPE_DOUBLE, NULL),
	};
	roundtrip(*state, "core_t_double", T_DOUBLE, cases, NCASES(cases));
}

static void test_value_text(void **state)
{
	const rt_case cases[] = {
		RT(orm_text("na\xc3\xafve \xe2\x98\x83"), ORM_TYPE_TEXT, "na\xc3\xafve \xe2\x98\x83"),
		RT(orm_text(""), ORM_TYPE_TEXT, ""),   /* empty string is not NULL */
		RT(orm_text("it's \"q\" \\ ; -- ?"), ORM_TYPE_TEXT, "it's \"q\" \\ ; -- ?"),
		RT(orm_textn("abcdef", 3), ORM_TYPE_TEXT, "abc"),
	};
	roundtrip(*state, "core_t_text", T_TEXT, cases, NCASES(cases));
}

static void test_value_blob(void **state)
{
	static const unsigned char b1[] = { 'a', 0, 'b', 0, 0xff, 0 };
	static const unsigned char b2[] = { 0 };
	const rt_case cases[] = {
		RT(orm_blob(b1, sizeof(b1)), ORM_TYPE_BLOB, NULL),
		RT(orm_blob(b2, sizeof(b2)), ORM_TYPE_BLOB, NULL),
		RT(orm_blob("", 0), ORM_TYPE_BLOB, NULL), /* empty blob is not NULL */
	};
	roundtrip(*state, "core_t_blob", T_BLOB, cases, NCASES(cases));
}

static void test_value_decimal(void **state)
{
	const rt_case c12[] = {
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "12345.6789"), ORM_TYPE_DECIMAL, "12345.6789"),
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "-99999999.9999"), ORM_TYPE_DECIMAL, "-99999999.9999"),
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "0.0001"), ORM_TYPE_DECIMAL, "0.0001"),
	};
	const rt_case c10[] = {
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "-0.50"), ORM_TYPE_DECIMAL, "-0.50"),
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "12.50"), ORM_TYPE_DECIMAL, "12.50"),
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "0.00"), ORM_TYPE_DECIMAL, "0.00"),
	};
	roundtrip(*state, "core_t_dec12", T_DEC12_4, c12, NCASES(c12));
	roundtrip(*state, "core_t_dec10", T_DEC10_2, c10, NCASES(c10));
}

static void test_value_date_time(void **state)
{
	const rt_case d[] = {
		RT(orm_typed_text(ORM_TYPE_DATE, "2024-02-29"), ORM_TYPE_DATE, "2024-02-29"),
		RT(orm_typed_text(ORM_TYPE_DATE, "1999-12-31"), ORM_TYPE_DATE, "1999-12-31"),
	};
	const rt_case t[] = {
		RT(orm_typed_text(ORM_TYPE_TIME, "13:45:30"), ORM_TYPE_TIME, "13:45:30"),
		RT(orm_typed_text(ORM_TYPE_TIME, "00:00:00"), ORM_TYPE_TIME, "00:00:00"),
		RT(orm_typed_text(ORM_TYPE_TIME, "23:59:59"), ORM_TYPE_TIME, "23:59:59"),
	};
	roundtrip(*state, "core_t_date", T_DATE, d, NCASES(d));
	roundtrip(*state, "core_t_time", T_TIME, t, NCASES(t));
}

static void test_value_timestamp(void **state)
{
	const rt_case ts[] = {
		RT(orm_typed_text(ORM_TYPE_TIMESTAMP, "2024-02-29 13:45:30"), ORM_TYPE_TIMESTAMP,
		   "2024-02-29 13:45:30"),
		RT(orm_typed_text(ORM_TYPE_TIMESTAMP, "1999-12-31 23:59:59"), ORM_TYPE_TIMESTAMP,
		   "1999-12-31 23:59:59"),
	};
	const rt_case ts6[] = {
		RT(orm_typed_text(ORM_TYPE_TIMESTAMP, "2024-02-29 13:45:30.123456"), ORM_TYPE_TIMESTAMP,
		   "2024-02-29 13:45:30.123456"),
		RT(orm_typed_text(ORM_TYPE_TIMESTAMP, "2000-01-01 00:00:00.000001"), ORM_TYPE_TIMESTAMP,
		   "2000-01-01 00:00:00.000001"),
	};
	roundtrip(*state, "core_t_ts", T_TS, ts, NCASES(ts));
	roundtrip(*state, "core_t_ts6", T_TS6, ts6, NCASES(ts6));
}

static void test_value_timestamptz(void **state)
{
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_TIMESTAMPTZ, "2024-02-29 13:45:30.123456+00:00"),
		   ORM_TYPE_TIMESTAMPTZ, "2024-02-29 13:45:30.123456+00:00"),
		RT(orm_typed_text(ORM_TYPE_TIMESTAMPTZ, "1999-12-31 23:59:59.654321+00:00"),
		   ORM_TYPE_TIMESTAMPTZ, "1999-12-31 23:59:59.654321+00:00"),
	};
	roundtrip(*state, "core_t_tstz", T_TSTZ, c, NCASES(c));
}

static void test_value_json(void **state)
{
	/* already in the form PostgreSQL's jsonb prints, so all three agree */
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_JSON, "{\"a\": 1, \"b\": [true, null]}"), ORM_TYPE_JSON,
		   "{\"a\": 1, \"b\": [true, null]}"),
		RT(orm_typed_text(ORM_TYPE_JSON, "[1, 2.5, \"x\"]"), ORM_TYPE_JSON, "[1, 2.5, \"x\"]"),
	};
	roundtrip(*state, "core_t_json", T_JSON, c, NCASES(c));
}

static void test_value_uuid(void **state)
{
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_UUID, "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"), ORM_TYPE_UUID,
		   "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"),
		RT(orm_typed_text(ORM_TYPE_UUID, "ffffffff-0000-4000-8000-000000000001"), ORM_TYPE_UUID,
		   "ffffffff-0000-4000-8000-000000000001"),
	};
	roundtrip(*state, "core_t_uuid", T_UUID, c, NCASES(c));
}

/*
 * Values in a valid but non-canonical input form come back canonical,
 * identical on every dialect (value.h): a decimal gets its column's
 * scale, a timestamptz is converted to UTC, a uuid is lower-case.
 */
static void test_value_decimal_scale(void **state)
{
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "12.5"), ORM_TYPE_DECIMAL, "12.5000"),
		RT(orm_typed_text(ORM_TYPE_DECIMAL, "7"), ORM_TYPE_DECIMAL, "7.0000"),
	};
	roundtrip(*state, "core_t_decscale", T_DEC12_4, c, NCASES(c));
}

static void test_value_timestamptz_offset(void **state)
{
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_TIMESTAMPTZ, "2024-02-29 15:45:30.123456+02:00"),
		   ORM_TYPE_TIMESTAMPTZ, "2024-02-29 13:45:30.123456+00:00"),
		RT(orm_typed_text(ORM_TYPE_TIMESTAMPTZ, "2024-03-01 01:15:00.654321+05:30"),
		   ORM_TYPE_TIMESTAMPTZ, "2024-02-29 19:45:00.654321+00:00"),
	};
	roundtrip(*state, "core_t_tstzoff", T_TSTZ, c, NCASES(c));
}

static void test_value_uuid_case(void **state)
{
	const rt_case c[] = {
		RT(orm_typed_text(ORM_TYPE_UUID, "0E4F7C1A-2B3D-4E5F-8A9B-0C1D2E3F4A5B"), ORM_TYPE_UUID,
		   "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"),
	};
	roundtrip(*state, "core_t_uuidcase", T_UUID, c, NCASES(c));
}

/* A 1 MiB text and blob, and a few thousand rows, read back intact. */
static void test_value_large(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	const size_t n = 1 << 20;
	char *text = malloc(n + 1);
	unsigned char *blob = malloc(n);
	const char *t;
	const void *b;
	size_t i, len = 0;
	int64_t sum = 0, rows = 0;
	int rc;

	assert_non_null(text);
	assert_non_null(blob);
	for (i = 0; i < n; i++) {
		text[i] = (char)('a' + i % 26);
		blob[i] = (unsigned char)(i * 7 + 3);
	}
	text[n] = '\0';
	drop_table(c, "core_large");
	execf(c, "CREATE TABLE core_large (id INTEGER PRIMARY KEY, t %s, b %s)", COLTYPE(T_TEXT), COLTYPE(T_BLOB));
	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO core_large (id, t, b) VALUES (?, ?, ?)"));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_ok(c, orm_bind_text(st, 2, text, (long)n, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_blob(st, 3, blob, n, ORM_BIND_STATIC));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT t, b FROM core_large WHERE id = 1"));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	t = orm_column_text(st, 0, &len);
	assert_non_null(t);
	assert_int_equal(len, n);
	assert_memory_equal(t, text, n);
	b = orm_column_blob(st, 1, &len);
	assert_non_null(b);
	assert_int_equal(len, n);
	assert_memory_equal(b, blob, n);
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	free(text);
	free(blob);

	/* 3000 rows in one transaction, then one pass over them */
	assert_orm_ok(c, orm_begin(c));
	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO core_large (id, t) VALUES (?, ?)"));
	for (i = 2; i <= 3001; i++) {
		char v[32];
		snprintf(v, sizeof(v), "row %zu", i);
		assert_orm_ok(c, orm_bind_int(st, 1, (int64_t)i));
		assert_orm_ok(c, orm_bind_text(st, 2, v, -1, ORM_BIND_COPY));
		assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
		assert_orm_ok(c, orm_stmt_reset(st));
	}
	orm_stmt_free(st);
	assert_orm_ok(c, orm_commit(c));
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT id, t FROM core_large WHERE id > 1 ORDER BY id"));
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		char v[32];
		int64_t id = orm_column_int(st, 0);
		snprintf(v, sizeof(v), "row %lld", (long long)id);
		assert_string_equal(orm_column_text(st, 1, NULL), v);
		sum += id;
		rows++;
	}
	assert_int_equal(rc, ORM_DONE);
	orm_stmt_free(st);
	assert_int_equal(rows, 3000);
	assert_int_equal(sum, (int64_t)3000 * (2 + 3001) / 2);
	drop_table(c, "core_large");
}

/* ------------------------------------------------------------------ */
/* exec, exec_params, prepare / step, columns                          */

static void test_exec_and_columns(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	orm_value p[3];
	int64_t affected = -1;
	const char *name;
	int i;

	drop_table(c, "core_exec");
	/* several statements in one orm_exec */
	exec_ok(c, "CREATE TABLE core_exec (id INTEGER PRIMARY KEY, name VARCHAR(50), qty INTEGER);"
		   "INSERT INTO core_exec (id, name, qty) VALUES (1, 'one', 10);"
		   "INSERT INTO core_exec (id, name, qty) VALUES (2, 'two', 20)");
	assert_int_equal(count_rows(c, "core_exec"), 2);

	for (i = 3; i <= 5; i++) {
		char nm[8];
		snprintf(nm, sizeof(nm), "n%d", i);
		p[0] = orm_int(i);
		p[1] = orm_text(nm);
		p[2] = orm_int(i * 10);
		affected = -1;
		assert_orm_ok(c, orm_exec_params(c, &affected,
			      "INSERT INTO core_exec (id, name, qty) VALUES (?, ?, ?)", p, 3));
		assert_int_equal(affected, 1);
	}
	assert_int_equal(count_rows(c, "core_exec"), 5);

	/* affected rows of UPDATE and DELETE; NULL `affected` is allowed */
	p[0] = orm_int(1);
	p[1] = orm_int(30);
	assert_orm_ok(c, orm_exec_params(c, &affected, "UPDATE core_exec SET qty = qty + ? WHERE qty >= ?", p, 2));
	assert_int_equal(affected, 3);
	p[0] = orm_int(999);
	assert_orm_ok(c, orm_exec_params(c, &affected, "DELETE FROM core_exec WHERE id = ?", p, 1));
	assert_int_equal(affected, 0);
	p[0] = orm_int(5);
	assert_orm_ok(c, orm_exec_params(c, NULL, "DELETE FROM core_exec WHERE id = ?", p, 1));
	assert_int_equal(count_rows(c, "core_exec"), 4);

	/* orm_stmt_changes for UPDATE / DELETE through a prepared statement */
	assert_orm_ok(c, orm_prepare(&st, c, "UPDATE core_exec SET name = ? WHERE id <= ?"));
	assert_int_equal(orm_stmt_param_count(st), 2);
	assert_orm_ok(c, orm_bind_text(st, 1, "upd", -1, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_int(st, 2, 3));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_int_equal(orm_stmt_changes(st), 3);
	orm_stmt_free(st);
	assert_orm_ok(c, orm_prepare(&st, c, "DELETE FROM core_exec WHERE id IN (?, ?)"));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_ok(c, orm_bind_int(st, 2, 2));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_int_equal(orm_stmt_changes(st), 2);
	orm_stmt_free(st);
	assert_int_equal(count_rows(c, "core_exec"), 2);

	/* column count and names; row values in order */
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT id, name AS label, qty FROM core_exec ORDER BY id"));
	assert_int_equal(orm_stmt_param_count(st), 0);
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_count(st), 3);
	assert_string_equal(orm_column_name(st, 0), "id");
	name = orm_column_name(st, 1);
	assert_non_null(name);
	assert_string_equal(name, "label");
	assert_string_equal(orm_column_name(st, 2), "qty");
	assert_int_equal(orm_column_int(st, 0), 3);
	assert_string_equal(orm_column_text(st, 1, NULL), "upd");
	assert_int_equal(orm_column_int(st, 2), 31);
	assert_string_equal(orm_column_text(st, 2, NULL), "31");
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_int(st, 0), 4);
	assert_string_equal(orm_column_text(st, 1, NULL), "n4");
	assert_int_equal(orm_column_int(st, 2), 41);
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);

	/* orm_query_int: one value, parameters, and no row -> ORM_ENOTFOUND */
	p[0] = orm_text("n4");
	assert_int_equal(query_int(c, "SELECT qty FROM core_exec WHERE name = ?", p, 1), 41);
	{
		int64_t v = 0;
		p[0] = orm_int(12345);
		assert_orm_rc(c, orm_query_int(c, &v, "SELECT qty FROM core_exec WHERE id = ?", p, 1),
			      ORM_ENOTFOUND);
	}
	drop_table(c, "core_exec");
}

/*
 * orm_exec_params discards result rows; a failing statement in the middle
 * of a multi-statement orm_exec reports its error, never runs the
 * statements after it, and leaves the connection usable. What ran before
 * it differs (conn.h does not say): PostgreSQL runs a multi-statement
 * string outside a transaction as one implicit transaction, so nothing
 * stays; SQLite and MariaDB (autocommit) keep the statements before it.
 */
static void test_exec_edge_cases(void **state)
{
	orm_conn *c = *state;
	orm_value p = orm_int(0);
	int64_t affected = -1;
	int rc;

	drop_table(c, "core_exec2");
	exec_ok(c, "CREATE TABLE core_exec2 (id INTEGER PRIMARY KEY, v INTEGER)");
	exec_ok(c, "INSERT INTO core_exec2 (id, v) VALUES (1, 1)");
	exec_ok(c, "INSERT INTO core_exec2 (id, v) VALUES (2, 2)");
	assert_orm_ok(c, orm_exec_params(c, &affected, "SELECT id, v FROM core_exec2 WHERE id > ?", &p, 1));
	check_usable(c);
	assert_orm_ok(c, orm_exec_params(c, NULL, "SELECT id FROM core_exec2", NULL, 0));
	check_usable(c);

	rc = orm_exec(c, "INSERT INTO core_exec2 (id, v) VALUES (3, 3);"
			 "INSERT INTO core_exec2 (id, v) VALUES (1, 9);"
			 "INSERT INTO core_exec2 (id, v) VALUES (4, 4)");
	if (rc != ORM_EUNIQUE)
		print_error("multi-statement exec: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(c));
	assert_int_equal(rc, ORM_EUNIQUE);
	check_usable(c);
	assert_int_equal(count_where_id(c, "core_exec2", 3), g_dx == DX_PG ? 0 : 1);
	assert_int_equal(count_where_id(c, "core_exec2", 4), 0);
	assert_int_equal(count_rows(c, "core_exec2"), g_dx == DX_PG ? 2 : 3);
	drop_table(c, "core_exec2");
}

/* Writes and other queries while a SELECT is being iterated. */
static void test_interleaved_statements(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	orm_value p[2];
	int64_t seen = 0;
	int rc;

	drop_table(c, "core_il_log");
	drop_table(c, "core_il");
	exec_ok(c, "CREATE TABLE core_il (id INTEGER PRIMARY KEY, v INTEGER)");
	exec_ok(c, "CREATE TABLE core_il_log (id INTEGER PRIMARY KEY, v INTEGER)");
	exec_ok(c, "INSERT INTO core_il (id, v) VALUES (1, 10)");
	exec_ok(c, "INSERT INTO core_il (id, v) VALUES (2, 20)");
	exec_ok(c, "INSERT INTO core_il (id, v) VALUES (3, 30)");

	assert_orm_ok(c, orm_prepare(&st, c, "SELECT id, v FROM core_il ORDER BY id"));
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		p[0] = orm_int(orm_column_int(st, 0));
		p[1] = orm_int(orm_column_int(st, 1) * 2);
		assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO core_il_log (id, v) VALUES (?, ?)", p, 2));
		assert_int_equal(count_rows(c, "core_il_log"), orm_column_int(st, 0));
		/* the current row is still readable after the other statements */
		assert_int_equal(orm_column_int(st, 1), p[1].u.i / 2);
		seen++;
	}
	assert_int_equal(rc, ORM_DONE);
	orm_stmt_free(st);
	assert_int_equal(seen, 3);
	assert_int_equal(query_int(c, "SELECT SUM(v) FROM core_il_log", NULL, 0), 120);
	drop_table(c, "core_il_log");
	drop_table(c, "core_il");
}

/* ------------------------------------------------------------------ */
/* statement cache                                                     */

static void fill_cache_table(orm_conn *c)
{
	drop_table(c, "core_cache");
	exec_ok(c, "CREATE TABLE core_cache (id INTEGER PRIMARY KEY, v INTEGER)");
	exec_ok(c, "INSERT INTO core_cache (id, v) VALUES (1, 10)");
	exec_ok(c, "INSERT INTO core_cache (id, v) VALUES (2, 20)");
	exec_ok(c, "INSERT INTO core_cache (id, v) VALUES (3, 30)");
}

static const char cache_sql[] = "SELECT v FROM core_cache WHERE id >= ? ORDER BY id";

static void test_stmt_cache_reuse(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	int i;

	fill_cache_table(c);

	/* freed in the middle of its rows, with a binding */
	assert_orm_ok(c, orm_prepare(&st, c, cache_sql));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_int(st, 0), 10);
	orm_stmt_free(st);

	/* the same SQL again: a fresh run with no bindings (id >= NULL: no row) */
	st = NULL;
	assert_orm_ok(c, orm_prepare(&st, c, cache_sql));
	assert_non_null(st);
	assert_int_equal(orm_stmt_param_count(st), 1);
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_ok(c, orm_bind_int(st, 1, 2));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_int(st, 0), 20);
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_int(st, 0), 30);
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);

	/* many rounds of prepare / run / free */
	for (i = 1; i <= 20; i++) {
		int64_t first = (i % 3) + 1;
		assert_orm_ok(c, orm_prepare(&st, c, cache_sql));
		assert_orm_ok(c, orm_bind_int(st, 1, first));
		assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
		assert_int_equal(orm_column_int(st, 0), first * 10);
		orm_stmt_free(st);
	}

	/* uncached statements of the same SQL work beside cached ones */
	{
		orm_stmt *u = NULL;
		assert_orm_ok(c, orm_prepare(&st, c, cache_sql));
		assert_orm_ok(c, orm_prepare_uncached(&u, c, cache_sql));
		assert_orm_ok(c, orm_bind_int(st, 1, 3));
		assert_orm_ok(c, orm_bind_int(u, 1, 2));
		assert_orm_rc(c, orm_stmt_step(u), ORM_ROW);
		assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
		assert_int_equal(orm_column_int(u, 0), 20);
		assert_int_equal(orm_column_int(st, 0), 30);
		orm_stmt_free(u);
		orm_stmt_free(st);
	}
	drop_table(c, "core_cache");
}

static void test_stmt_cache_concurrent(void **state)
{
	orm_conn *c = *state;
	orm_stmt *a = NULL, *b = NULL, *x = NULL;

	fill_cache_table(c);
	/* warm the cache, so that one of the two comes from it */
	assert_orm_ok(c, orm_prepare(&x, c, cache_sql));
	orm_stmt_free(x);

	assert_orm_ok(c, orm_prepare(&a, c, cache_sql));
	assert_orm_ok(c, orm_prepare(&b, c, cache_sql));
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_orm_ok(c, orm_bind_int(a, 1, 1));
	assert_orm_ok(c, orm_bind_int(b, 1, 3));
	/* interleaved: each keeps its own bindings and cursor */
	assert_orm_rc(c, orm_stmt_step(a), ORM_ROW);
	assert_orm_rc(c, orm_stmt_step(b), ORM_ROW);
	assert_int_equal(orm_column_int(a, 0), 10);
	assert_int_equal(orm_column_int(b, 0), 30);
	assert_orm_rc(c, orm_stmt_step(a), ORM_ROW);
	assert_int_equal(orm_column_int(a, 0), 20);
	assert_orm_rc(c, orm_stmt_step(b), ORM_DONE);
	assert_orm_rc(c, orm_stmt_step(a), ORM_ROW);
	assert_int_equal(orm_column_int(a, 0), 30);
	assert_orm_rc(c, orm_stmt_step(a), ORM_DONE);
	/* b runs again while a is still held */
	assert_orm_ok(c, orm_stmt_reset(b));
	assert_orm_ok(c, orm_bind_int(b, 1, 2));
	assert_orm_rc(c, orm_stmt_step(b), ORM_ROW);
	assert_int_equal(orm_column_int(b, 0), 20);
	orm_stmt_free(a);
	orm_stmt_free(b);

	/* both went back; a third one still works */
	assert_orm_ok(c, orm_prepare(&x, c, cache_sql));
	assert_orm_ok(c, orm_bind_int(x, 1, 3));
	assert_orm_rc(c, orm_stmt_step(x), ORM_ROW);
	assert_int_equal(orm_column_int(x, 0), 30);
	assert_orm_rc(c, orm_stmt_step(x), ORM_DONE);
	orm_stmt_free(x);
	drop_table(c, "core_cache");
}

/*
 * A cached statement must not outlive the table shape it was prepared
 * for: the same SQL prepared after the table was dropped and created
 * again with other columns returns the new columns.
 */
static void test_stmt_cache_after_ddl(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	const char *sql = "SELECT * FROM core_cache_ddl";

	drop_table(c, "core_cache_ddl");
	exec_ok(c, "CREATE TABLE core_cache_ddl (id INTEGER PRIMARY KEY, a INTEGER)");
	exec_ok(c, "INSERT INTO core_cache_ddl (id, a) VALUES (1, 5)");
	assert_orm_ok(c, orm_prepare(&st, c, sql));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_count(st), 2);
	orm_stmt_free(st);

	drop_table(c, "core_cache_ddl");
	exec_ok(c, "CREATE TABLE core_cache_ddl (id INTEGER PRIMARY KEY, a VARCHAR(10), b INTEGER)");
	exec_ok(c, "INSERT INTO core_cache_ddl (id, a, b) VALUES (1, 'x', 7)");
	assert_orm_ok(c, orm_prepare(&st, c, sql));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_count(st), 3);
	assert_string_equal(orm_column_name(st, 2), "b");
	assert_string_equal(orm_column_text(st, 1, NULL), "x");
	assert_int_equal(orm_column_int(st, 2), 7);
	orm_stmt_free(st);
	drop_table(c, "core_cache_ddl");
}

/*
 * The same, for parameter and column types: a cached INSERT whose
 * parameter went into a DATE column, and a cached SELECT that read it,
 * used again after the table was re-created with as many columns but
 * other types (DATE -> UUID, DOUBLE -> JSON).
 */
static void test_stmt_cache_after_ddl_types(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	orm_value p[2];
	const char *ins = "INSERT INTO core_cache_ddl2 (id, a) VALUES (?, ?)";
	const char *sel = "SELECT * FROM core_cache_ddl2 ORDER BY id";

	drop_table(c, "core_cache_ddl2");
	execf(c, "CREATE TABLE core_cache_ddl2 (id INTEGER PRIMARY KEY, a %s, b %s)", COLTYPE(T_DATE), COLTYPE(T_DOUBLE));
	p[0] = orm_int(1);
	p[1] = orm_typed_text(ORM_TYPE_DATE, "2024-01-02");
	assert_orm_ok(c, orm_exec_params(c, NULL, ins, p, 2));
	assert_orm_ok(c, orm_prepare(&st, c, sel));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_count(st), 3);
	assert_type_is(orm_column_type(st, 1), ORM_TYPE_DATE);
	orm_stmt_free(st);

	drop_table(c, "core_cache_ddl2");
	execf(c, "CREATE TABLE core_cache_ddl2 (id INTEGER PRIMARY KEY, a %s, b %s)", COLTYPE(T_UUID), COLTYPE(T_JSON));
	p[1] = orm_typed_text(ORM_TYPE_UUID, "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_orm_ok(c, orm_exec_params(c, NULL, ins, p, 2));
	exec_ok(c, "UPDATE core_cache_ddl2 SET b = '[1]'");
	assert_orm_ok(c, orm_prepare(&st, c, sel));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_count(st), 3);
	assert_type_is(orm_column_type(st, 1), ORM_TYPE_UUID);
	assert_string_equal(orm_column_text(st, 1, NULL), "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_type_is(orm_column_type(st, 2), ORM_TYPE_JSON);
	assert_string_equal(orm_column_text(st, 2, NULL), "[1]");
	orm_stmt_free(st);
	drop_table(c, "core_cache_ddl2");
}

/* ------------------------------------------------------------------ */
/* bindings                                                            */

static void test_bindings(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	char tbuf[] = "copied text";
	unsigned char bbuf[] = { 1, 0, 2, 0, 3 };
	static const unsigned char bwant[] = { 1, 0, 2, 0, 3 };
	char dbuf[] = "12.50";
	orm_value vals[3], v;
	size_t len = 0;
	const void *blob;

	drop_table(c, "core_bind");
	execf(c, "CREATE TABLE core_bind (id INTEGER PRIMARY KEY, t %s, b %s)", COLTYPE(T_TEXT), COLTYPE(T_BLOB));

	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO core_bind (id, t, b) VALUES (?, ?, ?)"));
	assert_int_equal(orm_stmt_param_count(st), 3);

	/* bad indexes */
	assert_orm_rc(c, orm_bind_int(st, 0, 1), ORM_EINVAL);
	assert_orm_rc(c, orm_bind_int(st, 4, 1), ORM_EINVAL);
	assert_orm_rc(c, orm_bind_null(st, -1), ORM_EINVAL);
	assert_orm_rc(c, orm_bind_text(st, 99, "x", -1, ORM_BIND_COPY), ORM_EINVAL);
	assert_orm_rc(c, orm_bind_blob(st, 4, bbuf, 1, ORM_BIND_COPY), ORM_EINVAL);
	assert_orm_rc(c, orm_bind_double(st, 4, 1.0), ORM_EINVAL);
	v = orm_int(1);
	assert_orm_rc(c, orm_bind_value(st, 4, &v, ORM_BIND_COPY), ORM_EINVAL);

	/* ORM_BIND_COPY: the caller's buffers change after the bind */
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_ok(c, orm_bind_text(st, 2, tbuf, -1, ORM_BIND_COPY));
	assert_orm_ok(c, orm_bind_blob(st, 3, bbuf, sizeof(bbuf), ORM_BIND_COPY));
	memset(tbuf, 'X', sizeof(tbuf) - 1);
	memset(bbuf, 0xEE, sizeof(bbuf));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_orm_ok(c, orm_stmt_reset(st));

	/* orm_bind_value with COPY; explicit text length; NULL text is NULL */
	assert_orm_ok(c, orm_bind_int(st, 1, 2));
	v = orm_typed_text(ORM_TYPE_TEXT, dbuf);
	assert_orm_ok(c, orm_bind_value(st, 2, &v, ORM_BIND_COPY));
	memcpy(dbuf, "99.99", 5);
	assert_orm_ok(c, orm_bind_text(st, 3, NULL, -1, ORM_BIND_STATIC));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_ok(c, orm_bind_int(st, 1, 3));
	assert_orm_ok(c, orm_bind_text(st, 2, "abcdef", 3, ORM_BIND_COPY));
	assert_orm_ok(c, orm_bind_null(st, 3));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_orm_ok(c, orm_stmt_reset(st));

	/* orm_bind_values binds 1..n */
	vals[0] = orm_int(4);
	vals[1] = orm_text("from values");
	vals[2] = orm_blob("\0z", 2);
	assert_orm_ok(c, orm_bind_values(st, vals, 3, ORM_BIND_COPY));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	assert_int_equal(count_rows(c, "core_bind"), 4);

	/* read back */
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT t, b FROM core_bind ORDER BY id"));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "copied text");
	blob = orm_column_blob(st, 1, &len);
	assert_non_null(blob);
	assert_int_equal(len, sizeof(bwant));
	assert_memory_equal(blob, bwant, sizeof(bwant));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "12.50");
	assert_true(orm_column_is_null(st, 1));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "abc");
	assert_true(orm_column_is_null(st, 1));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "from values");
	blob = orm_column_blob(st, 1, &len);
	assert_non_null(blob);
	assert_int_equal(len, 2);
	assert_memory_equal(blob, "\0z", 2);
	/* a bad column index */
	assert_int_equal(orm_column_value(st, 5, &v), ORM_EINVAL);
	assert_int_equal(orm_column_value(st, -1, &v), ORM_EINVAL);
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);

	/* reset keeps the bindings; clear_bindings makes them NULL */
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT t FROM core_bind WHERE id = ?"));
	assert_orm_ok(c, orm_bind_int(st, 1, 4));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "from values");
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "from values");
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_ok(c, orm_stmt_clear_bindings(st));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE); /* id = NULL matches nothing */
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_ok(c, orm_bind_int(st, 1, 3));
	assert_orm_rc(c, orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "abc");
	orm_stmt_free(st);

	/* a NULL binding really is NULL: IS NULL matches it. (Not "? IS NULL":
	 * PostgreSQL cannot infer the type of an untyped NULL parameter there.) */
	{
		orm_value pn[2];
		int64_t affected = 0;
		pn[0] = orm_null();
		pn[1] = orm_int(4);
		assert_orm_ok(c, orm_exec_params(c, &affected, "UPDATE core_bind SET t = ? WHERE id = ?", pn, 2));
		assert_int_equal(affected, 1);
		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM core_bind WHERE t IS NULL", NULL, 0), 1);
		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM core_bind WHERE b IS NULL", NULL, 0), 2);
	}
	drop_table(c, "core_bind");
}

/* ------------------------------------------------------------------ */
/* transactions                                                        */

static void tx_insert(orm_conn *c, int64_t id)
{
	orm_value p[2];
	p[0] = orm_int(id);
	p[1] = orm_text("x");
	assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO core_tx (id, v) VALUES (?, ?)", p, 2));
}

static void test_transactions(void **state)
{
	orm_conn *c = *state;

	drop_table(c, "core_tx");
	exec_ok(c, "CREATE TABLE core_tx (id INTEGER PRIMARY KEY, v VARCHAR(20))");

	/* commit / rollback with no transaction */
	assert_int_equal(orm_tx_depth(c), 0);
	assert_orm_rc(c, orm_commit(c), ORM_EMISUSE);
	assert_int_equal(orm_conn_error(c)->code, ORM_EMISUSE);
	assert_orm_rc(c, orm_rollback(c), ORM_EMISUSE);
	assert_int_equal(orm_tx_depth(c), 0);

	/* begin / commit */
	assert_orm_ok(c, orm_begin(c));
	assert_int_equal(orm_tx_depth(c), 1);
	tx_insert(c, 1);
	assert_orm_ok(c, orm_commit(c));
	assert_int_equal(orm_tx_depth(c), 0);
	assert_int_equal(count_where_id(c, "core_tx", 1), 1);

	/* begin / rollback */
	assert_orm_ok(c, orm_begin(c));
	tx_insert(c, 2);
	assert_int_equal(count_where_id(c, "core_tx", 2), 1);
	assert_orm_ok(c, orm_rollback(c));
	assert_int_equal(orm_tx_depth(c), 0);
	assert_int_equal(count_where_id(c, "core_tx", 2), 0);
	assert_int_equal(count_rows(c, "core_tx"), 1);

	/* three levels; the innermost rolls back, the outer work stays */
	assert_orm_ok(c, orm_begin(c));
	tx_insert(c, 10);
	assert_orm_ok(c, orm_begin(c));
	assert_int_equal(orm_tx_depth(c), 2);
	tx_insert(c, 20);
	assert_orm_ok(c, orm_begin(c));
	assert_int_equal(orm_tx_depth(c), 3);
	tx_insert(c, 30);
	assert_int_equal(count_rows(c, "core_tx"), 4);
	assert_orm_ok(c, orm_rollback(c));
	assert_int_equal(orm_tx_depth(c), 2);
	assert_int_equal(count_where_id(c, "core_tx", 30), 0);
	assert_int_equal(count_where_id(c, "core_tx", 20), 1);
	assert_orm_ok(c, orm_commit(c));
	assert_int_equal(orm_tx_depth(c), 1);
	assert_int_equal(count_where_id(c, "core_tx", 10), 1);
	assert_orm_ok(c, orm_commit(c));
	assert_int_equal(orm_tx_depth(c), 0);
	assert_int_equal(count_where_id(c, "core_tx", 10), 1);
	assert_int_equal(count_where_id(c, "core_tx", 20), 1);
	assert_int_equal(count_where_id(c, "core_tx", 30), 0);

	/* an inner commit is undone by the outer rollback */
	assert_orm_ok(c, orm_begin(c));
	tx_insert(c, 40);
	assert_orm_ok(c, orm_begin(c));
	tx_insert(c, 50);
	assert_orm_ok(c, orm_commit(c));
	assert_int_equal(orm_tx_depth(c), 1);
	assert_orm_ok(c, orm_rollback(c));
	assert_int_equal(orm_tx_depth(c), 0);
	assert_int_equal(count_where_id(c, "core_tx", 40), 0);
	assert_int_equal(count_where_id(c, "core_tx", 50), 0);

	/* a failed statement inside a savepoint: roll back to it and go on */
	assert_orm_ok(c, orm_begin(c));
	tx_insert(c, 60);
	assert_orm_ok(c, orm_begin(c));
	{
		orm_value p[2];
		p[0] = orm_int(60);
		p[1] = orm_text("dup");
		assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO core_tx (id, v) VALUES (?, ?)", p, 2),
			      ORM_EUNIQUE);
	}
	assert_int_equal(orm_tx_depth(c), 2);
	assert_orm_ok(c, orm_rollback(c));
	tx_insert(c, 61);
	assert_orm_ok(c, orm_commit(c));
	assert_int_equal(orm_tx_depth(c), 0);
	assert_int_equal(count_where_id(c, "core_tx", 60), 1);
	assert_int_equal(count_where_id(c, "core_tx", 61), 1);
	assert_int_equal(count_rows(c, "core_tx"), 5); /* 1, 10, 20, 60, 61 */

	assert_orm_rc(c, orm_commit(c), ORM_EMISUSE);
	assert_orm_rc(c, orm_rollback(c), ORM_EMISUSE);
	drop_table(c, "core_tx");
}

/*
 * Closing with an open transaction (two levels) rolls it back and does not
 * leak. SQLite uses a file here, since a :memory: database is private to
 * its connection.
 */
static void test_close_in_transaction(void **state)
{
	orm_conn *c = *state, *c2 = NULL;
	char url[256];
	const char *u = g_url;

	if (g_dx == DX_SQLITE) {
		snprintf(url, sizeof(url), "sqlite:/tmp/core_close_%ld.db", (long)getpid());
		unlink(url + 7);
		u = url;
		orm_close(c);
		*state = c = NULL;
		assert_orm_ok(c, orm_open(&c, u));
		*state = c;
	}
	drop_table(c, "core_tx_close");
	exec_ok(c, "CREATE TABLE core_tx_close (id INTEGER PRIMARY KEY)");
	assert_orm_ok(c2, orm_open(&c2, u));
	assert_orm_ok(c2, orm_begin(c2));
	assert_orm_ok(c2, orm_begin(c2));
	assert_orm_ok(c2, orm_exec(c2, "INSERT INTO core_tx_close (id) VALUES (1)"));
	assert_int_equal(orm_tx_depth(c2), 2);
	orm_close(c2);
	assert_int_equal(count_rows(c, "core_tx_close"), 0);
	/* the table is not left locked */
	exec_ok(c, "INSERT INTO core_tx_close (id) VALUES (2)");
	assert_int_equal(count_rows(c, "core_tx_close"), 1);
	drop_table(c, "core_tx_close");
	if (g_dx == DX_SQLITE)
		unlink(url + 7);
}

/* ------------------------------------------------------------------ */
/* inserted ids                                                        */

static void test_last_insert_id(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	orm_value p = orm_text("a");
	int64_t id = -1;

	drop_table(c, "core_ids");
	exec_ok(c, ddl[DDL_AUTOINC][g_dx]);

	assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO core_ids (name) VALUES (?)", &p, 1));
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 1);
	p = orm_text("b");
	assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO core_ids (name) VALUES (?)", &p, 1));
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 2);

	/* through a prepared statement */
	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO core_ids (name) VALUES (?)"));
	assert_orm_ok(c, orm_bind_text(st, 1, "c", -1, ORM_BIND_STATIC));
	assert_orm_rc(c, orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 3);
	p = orm_text("c");
	assert_int_equal(query_int(c, "SELECT id FROM core_ids WHERE name = ?", &p, 1), id);

	/* a SELECT in between does not change it */
	assert_int_equal(count_rows(c, "core_ids"), 3);
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 3);
	drop_table(c, "core_ids");
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

/*
 * What each dialect reports, per dialect (SQLite / PostgreSQL / MariaDB).
 * NULL means "not asserted" because the server does not report it:
 * - SQLite: no SQLSTATE (""); the native code is the extended result code;
 *   UNIQUE / NOT NULL name "table.column" and CHECK names the constraint
 *   in the message; a FOREIGN KEY failure names nothing.
 * - PostgreSQL: native code 0; SQLSTATE, and table / column / constraint
 *   from the error fields (the column of a unique / foreign key violation
 *   from its DETAIL); a CHECK violation names no column.
 * - MariaDB: errno; SQLSTATE 23000 for every constraint. The server names
 *   only the key of a unique violation ("Duplicate entry 'a' for key
 *   'core_err_parent_code_key'"), only the column of a NOT NULL one, and
 *   table + constraint (+ column for foreign keys) otherwise; the driver
 *   fills the table and the key's columns from the statement and the
 *   schema, so the same table / column as on PostgreSQL are asserted.
 */
typedef struct err_expect {
	int code;
	const char *sqlstate[DX_N];
	int native[DX_N];
	const char *table[DX_N];
	const char *column[DX_N];
	const char *constraint[DX_N];
} err_expect;

static void check_error(orm_conn *c, int rc, const err_expect *x)
{
	const orm_error *e = orm_conn_error(c);
	const char *f;

	if (rc != x->code)
		print_error("returned %d (%s), expected %s: %s\n", rc, orm_strerror(rc),
			    orm_strerror(x->code), orm_conn_errmsg(c));
	assert_int_equal(rc, x->code);
	assert_non_null(e);
	assert_int_equal(e->code, x->code);
	assert_non_null(e->message);
	assert_true(e->message[0] != '\0');
	assert_non_null(e->sqlstate);
	if (strcmp(e->sqlstate, x->sqlstate[g_dx]) != 0)
		print_error("sqlstate \"%s\", expected \"%s\" (%s)\n", e->sqlstate, x->sqlstate[g_dx], e->message);
	assert_string_equal(e->sqlstate, x->sqlstate[g_dx]);
	if (e->native_code != x->native[g_dx])
		print_error("native_code %d, expected %d (%s)\n", e->native_code, x->native[g_dx], e->message);
	assert_int_equal(e->native_code, x->native[g_dx]);
	assert_non_null(e->schema);
	assert_non_null(e->table);
	assert_non_null(e->column);
	assert_non_null(e->constraint);
	if ((f = x->table[g_dx]) != NULL) {
		if (strcmp(e->table, f) != 0)
			print_error("table \"%s\", expected \"%s\" (%s)\n", e->table, f, e->message);
		assert_string_equal(e->table, f);
	}
	if ((f = x->column[g_dx]) != NULL) {
		if (strcmp(e->column, f) != 0)
			print_error("column \"%s\", expected \"%s\" (%s)\n", e->column, f, e->message);
		assert_string_equal(e->column, f);
	}
	if ((f = x->constraint[g_dx]) != NULL) {
		if (strcmp(e->constraint, f) != 0)
			print_error("constraint \"%s\", expected \"%s\" (%s)\n", e->constraint, f, e->message);
		assert_string_equal(e->constraint, f);
	}
}

static void make_err_tables(orm_conn *c)
{
	drop_table(c, "core_err_child");
	drop_table(c, "core_err_parent");
	exec_ok(c, "CREATE TABLE core_err_parent (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL, "
		   "CONSTRAINT core_err_parent_code_key UNIQUE (code))");
	exec_ok(c, "CREATE TABLE core_err_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, qty INTEGER, "
		   "CONSTRAINT core_err_child_qty_check CHECK (qty >= 0), "
		   "CONSTRAINT core_err_child_parent_fk FOREIGN KEY (parent_id) REFERENCES core_err_parent (id))");
	exec_ok(c, "INSERT INTO core_err_parent (id, code) VALUES (1, 'a')");
}

static void drop_err_tables(orm_conn *c)
{
	drop_table(c, "core_err_child");
	drop_table(c, "core_err_parent");
}

static void test_err_syntax(void **state)
{
	orm_conn *c = *state;
	static char not_null;
	orm_stmt *st = (orm_stmt *)&not_null; /* orm_prepare must set it to NULL */
	static const err_expect x = {
		ORM_ESQL, { "", "42601", "42000" }, { 1, 0, 1064 },
		{ NULL, NULL, NULL }, { NULL, NULL, NULL }, { NULL, NULL, NULL } };

	check_error(c, orm_exec(c, "SELEC 1 FROMM nowhere"), &x);
	check_usable(c);
	check_error(c, orm_prepare(&st, c, "SELEC 1 FROMM nowhere"), &x);
	assert_null(st);
	check_usable(c);
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO (", NULL, 0), &x);
	check_usable(c);
}

static void test_err_no_table(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	int rc;
	static const err_expect x = {
		ORM_ESQL, { "", "42P01", "42S02" }, { 1, 0, 1146 },
		{ NULL, NULL, NULL }, { NULL, NULL, NULL }, { NULL, NULL, NULL } };

	drop_table(c, "core_no_such_table");
	check_error(c, orm_exec(c, "SELECT * FROM core_no_such_table"), &x);
	assert_non_null(strstr(orm_conn_errmsg(c), "core_no_such_table"));
	check_usable(c);
	/* with a parameter the failure may come at prepare or at the first step */
	rc = orm_prepare(&st, c, "SELECT * FROM core_no_such_table WHERE id = ?");
	if (rc == 0) {
		assert_orm_ok(c, orm_bind_int(st, 1, 1));
		rc = orm_stmt_step(st);
		orm_stmt_free(st);
	}
	check_error(c, rc, &x);
	check_usable(c);
}

static void test_err_unique(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	orm_value p[2];
	static const err_expect x = {
		ORM_EUNIQUE, { "", "23505", "23000" }, { 2067, 0, 1062 },
		{ "core_err_parent", "core_err_parent", "core_err_parent" },
		{ "code", "code", "code" },
		{ NULL, "core_err_parent_code_key", "core_err_parent_code_key" } };
	static const err_expect pk = {
		ORM_EUNIQUE, { "", "23505", "23000" }, { 1555, 0, 1062 },
		{ "core_err_parent", "core_err_parent", "core_err_parent" },
		{ "id", "id", "id" },
		{ NULL, "core_err_parent_pkey", "PRIMARY" } };

	make_err_tables(c);
	p[0] = orm_int(2);
	p[1] = orm_text("a");
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO core_err_parent (id, code) VALUES (?, ?)", p, 2), &x);
	check_usable(c);

	/* primary key, through prepare / step */
	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO core_err_parent (id, code) VALUES (?, ?)"));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_ok(c, orm_bind_text(st, 2, "zz", -1, ORM_BIND_STATIC));
	check_error(c, orm_stmt_step(st), &pk);
	orm_stmt_free(st);
	check_usable(c);
	assert_int_equal(count_rows(c, "core_err_parent"), 1);
	drop_err_tables(c);
}

static void test_err_not_null(void **state)
{
	orm_conn *c = *state;
	orm_value p[2];
	static const err_expect x = {
		ORM_ENOTNULL, { "", "23502", "23000" }, { 1299, 0, 1048 },
		{ "core_err_parent", "core_err_parent", "core_err_parent" },
		{ "code", "code", "code" },
		{ NULL, NULL, NULL } };

	make_err_tables(c);
	p[0] = orm_int(3);
	p[1] = orm_null();
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO core_err_parent (id, code) VALUES (?, ?)", p, 2), &x);
	check_usable(c);
	drop_err_tables(c);
}

static void test_err_foreign_key(void **state)
{
	orm_conn *c = *state;
	orm_value p[3];
	static const err_expect x = {
		ORM_EFOREIGNKEY, { "", "23503", "23000" }, { 787, 0, 1452 },
		{ NULL, "core_err_child", "core_err_child" },
		{ NULL, "parent_id", "parent_id" },
		{ NULL, "core_err_child_parent_fk", "core_err_child_parent_fk" } };
	/* deleting a referenced parent: the same constraint, so the same
	 * table and (referencing) column */
	static const err_expect xdel = {
		ORM_EFOREIGNKEY, { "", "23503", "23000" }, { 787, 0, 1451 },
		{ NULL, "core_err_child", "core_err_child" },
		{ NULL, "parent_id", "parent_id" },
		{ NULL, "core_err_child_parent_fk", "core_err_child_parent_fk" } };

	make_err_tables(c);
	p[0] = orm_int(1);
	p[1] = orm_int(999);
	p[2] = orm_int(1);
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO core_err_child (id, parent_id, qty) VALUES (?, ?, ?)",
				       p, 3), &x);
	check_usable(c);
	/* deleting a referenced parent fails the same way */
	p[1] = orm_int(1);
	assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO core_err_child (id, parent_id, qty) VALUES (?, ?, ?)",
					 p, 3));
	check_error(c, orm_exec(c, "DELETE FROM core_err_parent WHERE id = 1"), &xdel);
	check_usable(c);
	assert_int_equal(count_rows(c, "core_err_parent"), 1);
	drop_err_tables(c);
}

static void test_err_check(void **state)
{
	orm_conn *c = *state;
	orm_value p[3];
	static const err_expect x = {
		ORM_ECHECK, { "", "23514", "23000" }, { 275, 0, 4025 },
		{ NULL, "core_err_child", "core_err_child" },
		{ NULL, NULL, NULL },
		{ "core_err_child_qty_check", "core_err_child_qty_check", "core_err_child_qty_check" } };

	make_err_tables(c);
	p[0] = orm_int(1);
	p[1] = orm_int(1);
	p[2] = orm_int(-5);
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO core_err_child (id, parent_id, qty) VALUES (?, ?, ?)",
				       p, 3), &x);
	check_usable(c);
	assert_int_equal(count_rows(c, "core_err_child"), 0);
	drop_err_tables(c);
}

/*
 * 'abc' into an integer column: ORM_ETYPE (errors.h: "a value does not
 * fit the requested type"). PostgreSQL 22P02, MariaDB strict mode 1366
 * (22007), SQLite only in a STRICT table (SQLITE_CONSTRAINT_DATATYPE).
 */
static void test_err_type(void **state)
{
	orm_conn *c = *state;
	orm_value p[2];
	static const err_expect x = {
		ORM_ETYPE, { "", "22P02", "22007" }, { 3091, 0, 1366 },
		{ NULL, NULL, NULL }, { NULL, NULL, NULL }, { NULL, NULL, NULL } };

	drop_table(c, "core_strict");
	exec_ok(c, ddl[DDL_STRICT][g_dx]);
	p[0] = orm_int(1);
	p[1] = orm_text("abc");
	check_error(c, orm_exec_params(c, NULL, "INSERT INTO core_strict (id, n) VALUES (?, ?)", p, 2), &x);
	check_usable(c);
	assert_int_equal(count_rows(c, "core_strict"), 0);
	drop_table(c, "core_strict");
}

/* The error detail is cleared by the next successful call... or at least
 * replaced by the next failure: a later error never shows old fields. */
static void test_err_fields_replaced(void **state)
{
	orm_conn *c = *state;
	orm_value p[2];

	make_err_tables(c);
	p[0] = orm_int(2);
	p[1] = orm_text("a");
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO core_err_parent (id, code) VALUES (?, ?)", p, 2),
		      ORM_EUNIQUE);
	assert_orm_rc(c, orm_exec(c, "SELEC 1"), ORM_ESQL);
	assert_int_equal(orm_conn_error(c)->code, ORM_ESQL);
	assert_string_equal(orm_conn_error(c)->table, "");
	assert_string_equal(orm_conn_error(c)->column, "");
	assert_string_equal(orm_conn_error(c)->constraint, "");
	drop_err_tables(c);
}

/* ------------------------------------------------------------------ */

static int dialect_index(const char *url)
{
	const char *d = getenv("ORM_TEST_DIALECT");
	if (d && strcmp(d, "sqlite") == 0)
		return DX_SQLITE;
	if (d && strcmp(d, "pg") == 0)
		return DX_PG;
	if (d && strcmp(d, "mariadb") == 0)
		return DX_MARIADB;
	if (strncmp(url, "sqlite", 6) == 0)
		return DX_SQLITE;
	if (strncmp(url, "postgres", 8) == 0)
		return DX_PG;
	return DX_MARIADB;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_conn, teardown_conn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_open_bad_url),
		cmocka_unit_test(test_open_unknown_scheme),
		cmocka_unit_test(test_open_wrong_password),
		cmocka_unit_test(test_open_server_down),
		T(test_value_bool),
		T(test_value_int64),
		T(test_value_double),
		T(test_value_text),
		T(test_value_blob),
		T(test_value_decimal),
		T(test_value_date_time),
		T(test_value_timestamp),
		T(test_value_timestamptz),
		T(test_value_json),
		T(test_value_uuid),
		T(test_value_decimal_scale),
		T(test_value_timestamptz_offset),
		T(test_value_uuid_case),
		T(test_value_large),
		T(test_exec_and_columns),
		T(test_exec_edge_cases),
		T(test_interleaved_statements),
		T(test_stmt_cache_reuse),
		T(test_stmt_cache_concurrent),
		T(test_stmt_cache_after_ddl),
		T(test_stmt_cache_after_ddl_types),
		T(test_bindings),
		T(test_transactions),
		T(test_close_in_transaction),
		T(test_last_insert_id),
		T(test_err_syntax),
		T(test_err_no_table),
		T(test_err_unique),
		T(test_err_not_null),
		T(test_err_foreign_key),
		T(test_err_check),
		T(test_err_type),
		T(test_err_fields_replaced),
	};

	g_url = orm_test_url_or_skip();
	g_dx = dialect_index(g_url);
	if (!orm_dialect_available(dx_dialect[g_dx])) {
		printf("1..0 # SKIP the %s driver is not built in\n", orm_dialect_name(dx_dialect[g_dx]));
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
