/*
 * MariaDB driver specifics (orm/drivers/mariadb.c) that the cross-dialect
 * suite (test_core.c) does not reach: values of any size through the
 * growing result buffers, INSERT ... RETURNING, MariaDB-only column types
 * (unsigned BIGINT, FLOAT, BIT, YEAR, TIME ranges, ENUM, VARBINARY),
 * time zone conversion of bound timestamptz values, the text-protocol
 * fallback, multi-statement exec, interleaved statements, CALL, error
 * mapping (data too long, out of range, lock wait, lost connection) and
 * the URL options.
 *
 * Runs only on MariaDB (tests/integration/mariadb/mariadb.mariadb); on any
 * other URL the program skips. Tables are named mdb_*.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *g_url;

static void exec_ok(orm_conn *c, const char *sql)
{
	int rc = orm_exec(c, sql);
	if (rc != 0)
		print_error("orm_exec(%s) = %s: %s\n", sql, orm_strerror(rc), orm_conn_errmsg(c));
	assert_int_equal(rc, 0);
}

static int64_t query_int(orm_conn *c, const char *sql)
{
	int64_t v = -12345;
	assert_orm_ok(c, orm_query_int(c, &v, sql, NULL, 0));
	return v;
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

/* Step a one-row statement; assert the row is there. */
static void step_row(orm_stmt *st)
{
	int rc = orm_stmt_step(st);
	if (rc != ORM_ROW)
		print_error("step = %d (%s)\n", rc, orm_strerror(rc));
	assert_int_equal(rc, ORM_ROW);
}

#define assert_type_is(got, want) do { \
	orm_type g__ = (got), w__ = (want); \
	if (g__ != w__) \
		print_error("%s: type %s, expected %s\n", #got, orm_type_name(g__), orm_type_name(w__)); \
	assert_int_equal(g__, w__); \
} while (0)

/* Column `col` of the current row as text, compared with `want`. */
static void assert_col_text(orm_stmt *st, int col, orm_type type, const char *want)
{
	orm_value v;
	size_t len = 0;
	const char *t;

	assert_int_equal(orm_column_value(st, col, &v), 0);
	assert_type_is(v.type, type);
	t = orm_column_text(st, col, &len);
	assert_non_null(t);
	assert_string_equal(t, want);
	assert_int_equal(len, strlen(want));
}

/* ------------------------------------------------------------------ */

/* Values larger than the first result buffer come back whole; the
 * buffers grow and shrink back across rows. */
static void test_large_values(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	static const size_t sizes[] = { 0, 10, 1500, 70000, 5, 1 << 20, 300 };
	const size_t n = sizeof(sizes) / sizeof(sizes[0]);
	char *text, *blob;
	size_t i, j, len;
	int rows = 0, rc;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_big");
	exec_ok(c, "CREATE TABLE mdb_big (id INT PRIMARY KEY, t LONGTEXT, b LONGBLOB, v VARCHAR(10))");
	text = malloc(sizes[5] + 1);
	blob = malloc(sizes[5]);
	assert_non_null(text);
	assert_non_null(blob);
	for (j = 0; j < sizes[5]; j++) {
		text[j] = (char)('a' + j % 26);
		blob[j] = (char)(j * 7 % 256); /* NULs included */
	}
	assert_orm_ok(c, orm_prepare(&st, c, "INSERT INTO mdb_big (id, t, b, v) VALUES (?, ?, ?, ?)"));
	for (i = 0; i < n; i++) {
		assert_orm_ok(c, orm_bind_int(st, 1, (int64_t)i));
		assert_orm_ok(c, orm_bind_text(st, 2, text, (long)sizes[i], ORM_BIND_STATIC));
		assert_orm_ok(c, orm_bind_blob(st, 3, blob, sizes[i], ORM_BIND_STATIC));
		assert_orm_ok(c, orm_bind_text(st, 4, "x", -1, ORM_BIND_STATIC));
		assert_int_equal(orm_stmt_step(st), ORM_DONE);
		assert_int_equal(orm_stmt_changes(st), 1);
		assert_orm_ok(c, orm_stmt_reset(st));
	}
	orm_stmt_free(st);

	/* twice: the second run reuses the grown buffers */
	for (j = 0; j < 2; j++) {
		rows = 0;
		assert_orm_ok(c, orm_prepare(&st, c, "SELECT id, t, b, v FROM mdb_big ORDER BY id"));
		assert_int_equal(orm_column_count(st), 4);
		while ((rc = orm_stmt_step(st)) == ORM_ROW) {
			const char *t = orm_column_text(st, 1, &len);
			const void *b;

			i = (size_t)orm_column_int(st, 0);
			assert_int_equal(i, rows);
			assert_type_is(orm_column_type(st, 1), ORM_TYPE_TEXT);
			assert_int_equal(len, sizes[i]);
			if (sizes[i])
				assert_memory_equal(t, text, sizes[i]);
			assert_type_is(orm_column_type(st, 2), ORM_TYPE_BLOB);
			b = orm_column_blob(st, 2, &len);
			assert_non_null(b);
			assert_int_equal(len, sizes[i]);
			if (sizes[i])
				assert_memory_equal(b, blob, sizes[i]);
			assert_string_equal(orm_column_text(st, 3, NULL), "x");
			rows++;
		}
		assert_int_equal(rc, ORM_DONE);
		assert_int_equal(rows, (int)n);
		orm_stmt_free(st);
	}
	free(text);
	free(blob);
	exec_ok(c, "DROP TABLE mdb_big");
}

/* INSERT ... RETURNING gives its rows through the normal cursor. */
static void test_insert_returning(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	int64_t first;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_ret");
	exec_ok(c, "CREATE TABLE mdb_ret (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))");
	assert_orm_ok(c, orm_prepare(&st, c,
				     "INSERT INTO mdb_ret (name) VALUES (?), (?), (?) RETURNING id, name"));
	assert_orm_ok(c, orm_bind_text(st, 1, "a", -1, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_text(st, 2, "b", -1, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_text(st, 3, "c", -1, ORM_BIND_STATIC));
	step_row(st);
	assert_int_equal(orm_column_count(st), 2);
	assert_string_equal(orm_column_name(st, 0), "id");
	assert_string_equal(orm_column_name(st, 1), "name");
	assert_type_is(orm_column_type(st, 0), ORM_TYPE_INT);
	first = orm_column_int(st, 0);
	assert_true(first > 0);
	assert_string_equal(orm_column_text(st, 1, NULL), "a");
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), first + 1);
	assert_string_equal(orm_column_text(st, 1, NULL), "b");
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), first + 2);
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	assert_int_equal(orm_stmt_changes(st), 3);
	/* and again on the same statement */
	assert_orm_ok(c, orm_stmt_reset(st));
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), first + 3);
	orm_stmt_free(st);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_ret"), 6);

	/* a plain SELECT reports no changes */
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT id FROM mdb_ret"));
	while (orm_stmt_step(st) == ORM_ROW)
		;
	assert_int_equal(orm_stmt_changes(st), 0);
	orm_stmt_free(st);
	exec_ok(c, "DROP TABLE mdb_ret");
}

/* MariaDB column types and how they map. */
static void test_column_types(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_types");
	exec_ok(c, "CREATE TABLE mdb_types (u BIGINT UNSIGNED, u2 BIGINT UNSIGNED, i INT UNSIGNED, "
		   "ti TINYINT, b TINYINT(1), bit1 BIT(1), bit12 BIT(12), y YEAR, f FLOAT, d DOUBLE, "
		   "tm TIME(6), tm2 TIME, dt DATETIME(6), e ENUM('red','green'), vb VARBINARY(8), "
		   "s VARCHAR(20), sm SMALLINT, ch CHAR(3))");
	exec_ok(c, "INSERT INTO mdb_types VALUES (18446744073709551615, 5, 4294967295, -128, 1, b'1', "
		   "b'101010101010', 2024, 1.1, 0.30000000000000004, '-838:59:59', '100:00:00.5', "
		   "'2024-01-02 03:04:05.120000', 'green', X'00FF10', 'h\xC3\xA9 \xF0\x9F\x98\x80', "
		   "-32768, 'ab')");
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT * FROM mdb_types"));
	assert_int_equal(orm_column_count(st), 18);
	step_row(st);
	assert_col_text(st, 0, ORM_TYPE_DECIMAL, "18446744073709551615");
	assert_type_is(orm_column_type(st, 1), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 1), 5);
	assert_type_is(orm_column_type(st, 2), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 2), 4294967295LL);
	assert_type_is(orm_column_type(st, 3), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 3), -128);
	assert_type_is(orm_column_type(st, 4), ORM_TYPE_BOOL);
	assert_int_equal(orm_column_int(st, 4), 1);
	assert_type_is(orm_column_type(st, 5), ORM_TYPE_BOOL);
	assert_int_equal(orm_column_int(st, 5), 1);
	assert_type_is(orm_column_type(st, 6), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 6), 0xAAA);
	assert_type_is(orm_column_type(st, 7), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 7), 2024);
	assert_type_is(orm_column_type(st, 8), ORM_TYPE_DOUBLE);
	assert_true(orm_column_double(st, 8) == 1.1); /* shortest single-precision form */
	assert_type_is(orm_column_type(st, 9), ORM_TYPE_DOUBLE);
	assert_true(orm_column_double(st, 9) == 0.1 + 0.2);
	assert_col_text(st, 10, ORM_TYPE_TIME, "-838:59:59");
	assert_col_text(st, 11, ORM_TYPE_TIME, "100:00:00");
	assert_col_text(st, 12, ORM_TYPE_TIMESTAMP, "2024-01-02 03:04:05.12");
	assert_col_text(st, 13, ORM_TYPE_TEXT, "green");
	{
		size_t len = 0;
		const unsigned char *b;
		assert_type_is(orm_column_type(st, 14), ORM_TYPE_BLOB);
		b = orm_column_blob(st, 14, &len);
		assert_int_equal(len, 3);
		assert_int_equal(b[0], 0x00);
		assert_int_equal(b[1], 0xFF);
		assert_int_equal(b[2], 0x10);
	}
	assert_col_text(st, 15, ORM_TYPE_TEXT, "h\xC3\xA9 \xF0\x9F\x98\x80");
	assert_type_is(orm_column_type(st, 16), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 16), -32768);
	assert_col_text(st, 17, ORM_TYPE_TEXT, "ab");
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);

	/* expressions: JSON, UUID, binary, NULL, decimals, dates */
	assert_orm_ok(c, orm_prepare(&st, c,
				     "SELECT JSON_OBJECT('a', 1), UUID(), X'0102', NULL, 1.50, "
				     "CAST('2024-02-29' AS DATE), 1=1, COUNT(*) FROM mdb_types"));
	step_row(st);
	assert_type_is(orm_column_type(st, 0), ORM_TYPE_JSON);
	assert_string_equal(orm_column_text(st, 0, NULL), "{\"a\": 1}");
	assert_type_is(orm_column_type(st, 1), ORM_TYPE_UUID);
	assert_int_equal(strlen(orm_column_text(st, 1, NULL)), 36);
	assert_type_is(orm_column_type(st, 2), ORM_TYPE_BLOB);
	assert_type_is(orm_column_type(st, 3), ORM_TYPE_NULL);
	assert_true(orm_column_is_null(st, 3));
	assert_col_text(st, 4, ORM_TYPE_DECIMAL, "1.50");
	assert_col_text(st, 5, ORM_TYPE_DATE, "2024-02-29");
	assert_type_is(orm_column_type(st, 6), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 6), 1);
	assert_int_equal(orm_column_int(st, 7), 1);
	orm_stmt_free(st);
	exec_ok(c, "DROP TABLE mdb_types");
}

/* Doubles round-trip exactly through DOUBLE columns and parameters. */
static void test_double_exact(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	static const double vals[] = { 0.1, 1.0 / 3.0, -2.5e-300, DBL_MAX, DBL_MIN, 4.9e-324,
				       123456789.123456789, -0.0 };
	size_t i;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_dbl");
	exec_ok(c, "CREATE TABLE mdb_dbl (id INT PRIMARY KEY, d DOUBLE)");
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		orm_value p[2] = { orm_int((int64_t)i), orm_double(vals[i]) };
		assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO mdb_dbl VALUES (?, ?)", p, 2));
	}
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT id, d FROM mdb_dbl ORDER BY id"));
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		step_row(st);
		assert_type_is(orm_column_type(st, 1), ORM_TYPE_DOUBLE);
		if (orm_column_double(st, 1) != vals[i])
			print_error("row %zu: %.17g != %.17g\n", i, orm_column_double(st, 1), vals[i]);
		assert_true(orm_column_double(st, 1) == vals[i]);
	}
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	exec_ok(c, "DROP TABLE mdb_dbl");
}

/* A timestamptz parameter with an offset is stored as its UTC time. */
static void test_timestamptz_param(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	static const char *const in[] = {
		"2024-01-02 03:04:05+02:00", "2024-01-01 23:30:00.25-01:00",
		"2024-03-01T00:00:00Z", "2024-06-30 12:00:00.123456+00:00",
	};
	static const char *const out[] = {
		"2024-01-02 01:04:05+00:00", "2024-01-02 00:30:00.25+00:00",
		"2024-03-01 00:00:00+00:00", "2024-06-30 12:00:00.123456+00:00",
	};
	size_t i;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_tz");
	exec_ok(c, "CREATE TABLE mdb_tz (id INT PRIMARY KEY, ts TIMESTAMP(6) NULL)");
	for (i = 0; i < 4; i++) {
		orm_value p[2] = { orm_int((int64_t)i), orm_typed_text(ORM_TYPE_TIMESTAMPTZ, in[i]) };
		assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO mdb_tz VALUES (?, ?)", p, 2));
	}
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT ts FROM mdb_tz ORDER BY id"));
	for (i = 0; i < 4; i++) {
		step_row(st);
		assert_col_text(st, 0, ORM_TYPE_TIMESTAMPTZ, out[i]);
	}
	orm_stmt_free(st);
	exec_ok(c, "DROP TABLE mdb_tz");
}

/* A parameter's type follows the bound value (SELECT ?). */
static void test_param_types(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	assert_orm_ok(c, orm_prepare(&st, c, "SELECT ?"));
	assert_orm_ok(c, orm_bind_int(st, 1, -9000000000LL));
	step_row(st);
	assert_type_is(orm_column_type(st, 0), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 0), -9000000000LL);
	assert_orm_ok(c, orm_bind_text(st, 1, "hello", -1, ORM_BIND_STATIC));
	step_row(st);
	assert_col_text(st, 0, ORM_TYPE_TEXT, "hello");
	assert_orm_ok(c, orm_bind_double(st, 1, 2.5));
	step_row(st);
	assert_type_is(orm_column_type(st, 0), ORM_TYPE_DOUBLE);
	assert_true(orm_column_double(st, 0) == 2.5);
	assert_orm_ok(c, orm_bind_null(st, 1));
	step_row(st);
	assert_true(orm_column_is_null(st, 0));
	assert_orm_ok(c, orm_bind_bool(st, 1, 1));
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), 1);
	orm_stmt_free(st);
}

/*
 * A statement run again with parameters bound to the same buffers, types
 * and lengths is not bound to the handle again (it reads the buffers at
 * each execute): new integer values, a caller's text buffer changed in
 * place, a shorter text, a NULL and integers again all reach the server.
 */
static void test_rebind_reuse(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;
	char buf[8];

	assert_orm_ok(c, orm_prepare(&st, c, "SELECT ?, ?"));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	assert_orm_ok(c, orm_bind_int(st, 2, 2));
	step_row(st);
	assert_true(orm_column_int(st, 0) == 1 && orm_column_int(st, 1) == 2);
	assert_orm_ok(c, orm_bind_int(st, 1, 3));
	assert_orm_ok(c, orm_bind_int(st, 2, 4));
	step_row(st);
	assert_true(orm_column_int(st, 0) == 3 && orm_column_int(st, 1) == 4);
	strcpy(buf, "abc");
	assert_orm_ok(c, orm_bind_text(st, 1, buf, 3, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_int(st, 2, 5));
	step_row(st);
	assert_col_text(st, 0, ORM_TYPE_TEXT, "abc");
	assert_int_equal(orm_column_int(st, 1), 5);
	memcpy(buf, "xyz", 3); /* same buffer, same length: not bound again */
	assert_orm_ok(c, orm_bind_text(st, 1, buf, 3, ORM_BIND_STATIC));
	assert_orm_ok(c, orm_bind_int(st, 2, 6));
	step_row(st);
	assert_col_text(st, 0, ORM_TYPE_TEXT, "xyz");
	assert_int_equal(orm_column_int(st, 1), 6);
	assert_orm_ok(c, orm_bind_text(st, 1, buf, 2, ORM_BIND_STATIC));
	step_row(st);
	assert_col_text(st, 0, ORM_TYPE_TEXT, "xy");
	assert_orm_ok(c, orm_bind_null(st, 1));
	assert_orm_ok(c, orm_bind_int(st, 2, 7));
	step_row(st);
	assert_true(orm_column_is_null(st, 0));
	assert_int_equal(orm_column_int(st, 1), 7);
	assert_orm_ok(c, orm_bind_int(st, 1, 8));
	assert_orm_ok(c, orm_bind_int(st, 2, 9));
	step_row(st);
	assert_true(orm_column_int(st, 0) == 8 && orm_column_int(st, 1) == 9);
	assert_orm_ok(c, orm_bind_int(st, 1, 10));
	step_row(st);
	assert_true(orm_column_int(st, 0) == 10 && orm_column_int(st, 1) == 9);

	/* texts at a new address each time (a model's strings), short ones
	 * copied to the statement's own place and long ones bound where
	 * they are: 128 bytes and 129, a long one changed in place, empty */
	{
		char a[8], b[8], big[300];
		size_t k, len = 0;

		strcpy(a, "one");
		strcpy(b, "two");
		for (k = 0; k < 4; k++) {
			assert_orm_ok(c, orm_bind_text(st, 1, k % 2 ? b : a, 3, ORM_BIND_STATIC));
			assert_orm_ok(c, orm_bind_text(st, 2, k % 2 ? a : b, 3, ORM_BIND_STATIC));
			step_row(st);
			assert_col_text(st, 0, ORM_TYPE_TEXT, k % 2 ? "two" : "one");
			assert_col_text(st, 1, ORM_TYPE_TEXT, k % 2 ? "one" : "two");
		}
		memset(big, 'x', sizeof(big));
		big[128] = '\0';
		assert_orm_ok(c, orm_bind_text(st, 1, big, 128, ORM_BIND_STATIC));
		big[128] = 'y';
		big[129] = '\0';
		assert_orm_ok(c, orm_bind_text(st, 2, big, 129, ORM_BIND_STATIC));
		step_row(st);
		assert_non_null(orm_column_text(st, 0, &len));
		assert_int_equal(len, 128);
		assert_int_equal(orm_column_text(st, 1, &len)[128], 'y');
		assert_int_equal(len, 129);
		big[0] = 'z'; /* the same long buffer changed in place */
		assert_orm_ok(c, orm_bind_text(st, 2, big, 129, ORM_BIND_STATIC));
		assert_orm_ok(c, orm_bind_text(st, 1, "", 0, ORM_BIND_STATIC));
		step_row(st);
		assert_col_text(st, 0, ORM_TYPE_TEXT, "");
		assert_false(orm_column_is_null(st, 0));
		assert_int_equal(orm_column_text(st, 1, &len)[0], 'z');
		assert_int_equal(len, 129);
		assert_orm_ok(c, orm_bind_text(st, 2, a, 3, ORM_BIND_STATIC));
		step_row(st);
		assert_col_text(st, 1, ORM_TYPE_TEXT, "one");
	}
	orm_stmt_free(st);
}

/* Statements the binary protocol refuses run through the text protocol. */
static void test_text_fallback(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	assert_orm_ok(c, orm_prepare(&st, c, "PREPARE mdb_p FROM 'SELECT 41 + 1 AS n, ''x'' AS s, NULL AS z'"));
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
	assert_orm_ok(c, orm_prepare(&st, c, "EXECUTE mdb_p"));
	step_row(st);
	assert_int_equal(orm_column_count(st), 3);
	assert_string_equal(orm_column_name(st, 0), "n");
	assert_type_is(orm_column_type(st, 0), ORM_TYPE_INT);
	assert_int_equal(orm_column_int(st, 0), 42);
	assert_col_text(st, 1, ORM_TYPE_TEXT, "x");
	assert_true(orm_column_is_null(st, 2));
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	/* and again */
	assert_orm_ok(c, orm_stmt_reset(st));
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), 42);
	orm_stmt_free(st);
	exec_ok(c, "DEALLOCATE PREPARE mdb_p");
	/* the connection is still in step */
	assert_int_equal(query_int(c, "SELECT 7"), 7);
}

/* orm_exec runs every statement and reports an error in a later one. */
static void test_exec_multi(void **state)
{
	orm_conn *c = *state;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_multi");
	exec_ok(c, "CREATE TABLE mdb_multi (id INT PRIMARY KEY); INSERT INTO mdb_multi VALUES (1); "
		   "SELECT * FROM mdb_multi; INSERT INTO mdb_multi VALUES (2)");
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_multi"), 2);
	assert_orm_rc(c, orm_exec(c, "INSERT INTO mdb_multi VALUES (3); INSERT INTO mdb_nosuch VALUES (1); "
				     "INSERT INTO mdb_multi VALUES (4)"), ORM_ESQL);
	assert_int_equal(orm_conn_error(c)->native_code, 1146);
	assert_string_equal(orm_conn_error(c)->table, "mdb_nosuch");
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_multi"), 3);
	/* a later statement fails: its key is named, the statement is not known */
	assert_orm_rc(c, orm_exec(c, "INSERT INTO mdb_multi VALUES (5); INSERT INTO mdb_multi VALUES (5)"),
		      ORM_EUNIQUE);
	assert_string_equal(orm_conn_error(c)->constraint, "PRIMARY");
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_multi"), 4);
	/* the first statement fails: table and key columns too */
	assert_orm_rc(c, orm_exec(c, "INSERT INTO mdb_multi VALUES (5); INSERT INTO mdb_multi VALUES (6)"),
		      ORM_EUNIQUE);
	assert_string_equal(orm_conn_error(c)->constraint, "PRIMARY");
	assert_string_equal(orm_conn_error(c)->table, "mdb_multi");
	assert_string_equal(orm_conn_error(c)->column, "id");
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_multi"), 4);
	exec_ok(c, "DROP TABLE mdb_multi");
}

/* Rows are buffered: other statements run while a cursor is open. */
static void test_interleaved(void **state)
{
	orm_conn *c = *state;
	orm_stmt *sel = NULL, *ins = NULL;
	int rows = 0;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_src; DROP TABLE IF EXISTS mdb_dst");
	exec_ok(c, "CREATE TABLE mdb_src (id INT PRIMARY KEY); CREATE TABLE mdb_dst (id INT)");
	exec_ok(c, "INSERT INTO mdb_src VALUES (1), (2), (3), (4)");
	assert_orm_ok(c, orm_prepare(&sel, c, "SELECT id FROM mdb_src ORDER BY id"));
	assert_orm_ok(c, orm_prepare(&ins, c, "INSERT INTO mdb_dst VALUES (?)"));
	while (orm_stmt_step(sel) == ORM_ROW) {
		assert_orm_ok(c, orm_bind_int(ins, 1, orm_column_int(sel, 0) * 10));
		assert_int_equal(orm_stmt_step(ins), ORM_DONE);
		assert_orm_ok(c, orm_stmt_reset(ins));
		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_dst"), rows + 1);
		rows++;
	}
	assert_int_equal(rows, 4);
	orm_stmt_free(sel);
	orm_stmt_free(ins);
	assert_int_equal(query_int(c, "SELECT SUM(id) FROM mdb_dst"), 100);
	exec_ok(c, "DROP TABLE mdb_src; DROP TABLE mdb_dst");
}

/* A cached SELECT * sees a column added after it was prepared. */
static void test_altered_table(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_alt");
	exec_ok(c, "CREATE TABLE mdb_alt (id INT PRIMARY KEY); INSERT INTO mdb_alt VALUES (1)");
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT * FROM mdb_alt"));
	step_row(st);
	assert_int_equal(orm_column_count(st), 1);
	orm_stmt_free(st);
	exec_ok(c, "ALTER TABLE mdb_alt ADD COLUMN name VARCHAR(10) DEFAULT 'n'");
	assert_orm_ok(c, orm_prepare(&st, c, "SELECT * FROM mdb_alt"));
	step_row(st);
	assert_int_equal(orm_column_count(st), 2);
	assert_string_equal(orm_column_name(st, 1), "name");
	assert_string_equal(orm_column_text(st, 1, NULL), "n");
	orm_stmt_free(st);
	exec_ok(c, "DROP TABLE mdb_alt");

	/* same column count, other types: the extended types (uuid, json)
	 * follow, on the first run after the change and on later ones */
	{
		const char *sel = "SELECT a, b FROM mdb_alt2";
		int round;

		exec_ok(c, "DROP TABLE IF EXISTS mdb_alt2");
		exec_ok(c, "CREATE TABLE mdb_alt2 (a DATE, b DOUBLE); "
			   "INSERT INTO mdb_alt2 VALUES ('2024-01-02', 1.5)");
		assert_orm_ok(c, orm_prepare(&st, c, sel));
		step_row(st);
		assert_type_is(orm_column_type(st, 0), ORM_TYPE_DATE);
		assert_type_is(orm_column_type(st, 1), ORM_TYPE_DOUBLE);
		orm_stmt_free(st);
		exec_ok(c, "DROP TABLE mdb_alt2; CREATE TABLE mdb_alt2 (a UUID, b JSON); "
			   "INSERT INTO mdb_alt2 VALUES ('0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b', '[1]')");
		for (round = 0; round < 3; round++) {
			assert_orm_ok(c, orm_prepare(&st, c, sel));
			step_row(st);
			assert_col_text(st, 0, ORM_TYPE_UUID, "0e4f7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
			assert_col_text(st, 1, ORM_TYPE_JSON, "[1]");
			orm_stmt_free(st);
		}
		exec_ok(c, "DROP TABLE mdb_alt2; CREATE TABLE mdb_alt2 (a VARCHAR(40), b LONGTEXT); "
			   "INSERT INTO mdb_alt2 VALUES ('x', '[2]')");
		for (round = 0; round < 2; round++) {
			assert_orm_ok(c, orm_prepare(&st, c, sel));
			step_row(st);
			assert_col_text(st, 0, ORM_TYPE_TEXT, "x");
			assert_col_text(st, 1, ORM_TYPE_TEXT, "[2]");
			orm_stmt_free(st);
		}
		exec_ok(c, "DROP TABLE mdb_alt2");
	}
}

/* CALL with a result set; the connection stays usable. */
static void test_call(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	exec_ok(c, "DROP PROCEDURE IF EXISTS mdb_proc");
	exec_ok(c, "CREATE PROCEDURE mdb_proc(IN x INT) SELECT x * 2 AS twice, 'p' AS s");
	assert_orm_ok(c, orm_prepare(&st, c, "CALL mdb_proc(?)"));
	assert_orm_ok(c, orm_bind_int(st, 1, 21));
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), 42);
	assert_string_equal(orm_column_text(st, 1, NULL), "p");
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	assert_int_equal(query_int(c, "SELECT 5"), 5);
	/* stopped early: reset discards the rest */
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_orm_ok(c, orm_bind_int(st, 1, 1));
	step_row(st);
	assert_int_equal(orm_column_int(st, 0), 2);
	assert_orm_ok(c, orm_stmt_reset(st));
	assert_int_equal(query_int(c, "SELECT 6"), 6);
	orm_stmt_free(st);
	exec_ok(c, "DROP PROCEDURE mdb_proc");
}

/* UPDATE reports matched rows (as SQLite and PostgreSQL), ids stick. */
static void test_changes_and_ids(void **state)
{
	orm_conn *c = *state;
	int64_t n = -1, id = -1;
	orm_value p = orm_text("same");

	exec_ok(c, "DROP TABLE IF EXISTS mdb_ch");
	exec_ok(c, "CREATE TABLE mdb_ch (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))");
	exec_ok(c, "INSERT INTO mdb_ch (v) VALUES ('same'), ('same')");
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 1); /* first id of a multi-row insert (MariaDB) */
	assert_orm_ok(c, orm_exec_params(c, &n, "UPDATE mdb_ch SET v = ?", &p, 1));
	assert_int_equal(n, 2);
	assert_orm_ok(c, orm_exec_params(c, &n, "INSERT INTO mdb_ch (v) VALUES (?)", &p, 1));
	assert_int_equal(n, 1);
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 3);
	/* a statement that inserts nothing keeps the last id */
	assert_orm_ok(c, orm_exec_params(c, &n, "DELETE FROM mdb_ch WHERE v = ?", &p, 1));
	assert_int_equal(n, 3);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_ch"), 0);
	assert_orm_ok(c, orm_last_insert_id(c, &id));
	assert_int_equal(id, 3);
	exec_ok(c, "DROP TABLE mdb_ch");
}

/* Server errors map to codes with their detail. */
static void test_errors(void **state)
{
	orm_conn *c = *state;
	orm_value p[2];
	const orm_error *e;

	exec_ok(c, "DROP TABLE IF EXISTS mdb_err");
	exec_ok(c, "CREATE TABLE mdb_err (id INT PRIMARY KEY, s VARCHAR(3), t TINYINT, "
		   "d DATE, email VARCHAR(50), UNIQUE KEY mdb_err_email (email), "
		   "CONSTRAINT mdb_err_pos CHECK (t >= 0))");

	p[0] = orm_int(1);
	p[1] = orm_text("toolong");
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO mdb_err (id, s) VALUES (?, ?)", p, 2),
		      ORM_ETYPE);
	e = orm_conn_error(c);
	assert_int_equal(e->native_code, 1406);
	assert_string_equal(e->column, "s");
	assert_string_equal(e->table, "mdb_err");
	assert_string_equal(e->sqlstate, "22001");

	p[1] = orm_int(300);
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO mdb_err (id, t) VALUES (?, ?)", p, 2),
		      ORM_ETYPE);
	assert_int_equal(orm_conn_error(c)->native_code, 1264);
	assert_string_equal(orm_conn_error(c)->column, "t");

	p[1] = orm_text("not a date");
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO mdb_err (id, d) VALUES (?, ?)", p, 2),
		      ORM_ETYPE);
	assert_string_equal(orm_conn_error(c)->column, "d");

	p[1] = orm_int(-1);
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO mdb_err (id, t) VALUES (?, ?)", p, 2),
		      ORM_ECHECK);
	assert_string_equal(orm_conn_error(c)->constraint, "mdb_err_pos");
	assert_string_equal(orm_conn_error(c)->table, "mdb_err");

	p[1] = orm_text("a@b.c");
	assert_orm_ok(c, orm_exec_params(c, NULL, "INSERT INTO mdb_err (id, email) VALUES (?, ?)", p, 2));
	p[0] = orm_int(2);
	assert_orm_rc(c, orm_exec_params(c, NULL, "INSERT INTO `mdb_err` (id, email) VALUES (?, ?)", p, 2),
		      ORM_EUNIQUE);
	e = orm_conn_error(c);
	assert_int_equal(e->native_code, 1062);
	assert_string_equal(e->constraint, "mdb_err_email");
	assert_string_equal(e->table, "mdb_err");
	assert_string_equal(e->column, "email");
	/* the lookup of the key's columns did not disturb the connection */
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM mdb_err"), 1);

	assert_orm_rc(c, orm_exec(c, "SELECT nosuchcol FROM mdb_err"), ORM_ESQL);
	assert_string_equal(orm_conn_error(c)->column, "nosuchcol");

	assert_orm_rc(c, orm_exec(c, "SELECT 1 FROM mdb_err WHERE WHERE"), ORM_ESQL);
	e = orm_conn_error(c);
	assert_int_equal(e->native_code, 1064);
	assert_int_equal(e->offset, 28); /* the second WHERE */
	exec_ok(c, "DROP TABLE mdb_err");
}

/* A lock wait timeout is ORM_EBUSY. */
static void test_lock_wait(void **state)
{
	orm_conn *a = *state, *b = NULL;

	exec_ok(a, "DROP TABLE IF EXISTS mdb_lock");
	exec_ok(a, "CREATE TABLE mdb_lock (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec_ok(a, "INSERT INTO mdb_lock VALUES (1, 0)");
	assert_orm_ok(b, orm_open(&b, g_url));
	exec_ok(b, "SET SESSION innodb_lock_wait_timeout = 1");
	assert_orm_ok(a, orm_begin(a));
	exec_ok(a, "UPDATE mdb_lock SET v = 1 WHERE id = 1");
	assert_orm_rc(b, orm_exec(b, "UPDATE mdb_lock SET v = 2 WHERE id = 1"), ORM_EBUSY);
	assert_int_equal(orm_conn_error(b)->native_code, 1205);
	assert_orm_ok(a, orm_rollback(a));
	orm_close(b);
	exec_ok(a, "DROP TABLE mdb_lock");
}

/* A killed connection reports ORM_ECONNLOST. */
static void test_connection_lost(void **state)
{
	orm_conn *a = *state, *b = NULL;
	int64_t id = 0;
	char sql[64];
	int rc;

	assert_orm_ok(b, orm_open(&b, g_url));
	id = query_int(b, "SELECT CONNECTION_ID()");
	snprintf(sql, sizeof(sql), "KILL %lld", (long long)id);
	exec_ok(a, sql);
	usleep(100000);
	rc = orm_query_int(b, &id, "SELECT 1", NULL, 0);
	if (rc != ORM_ECONNLOST)
		print_error("rc %d (%s): %s\n", rc, orm_strerror(rc), orm_conn_errmsg(b));
	assert_int_equal(rc, ORM_ECONNLOST);
	assert_int_equal(orm_conn_error(b)->code, ORM_ECONNLOST);
	orm_close(b);
}

/* URL options. */
static void expect_open(const char *suffix, int want)
{
	char url[1024];
	orm_conn *c = NULL;
	int rc;

	snprintf(url, sizeof(url), "%s%s%s", g_url, strchr(g_url, '?') ? "&" : "?", suffix);
	rc = orm_open(&c, url);
	if (rc != want)
		print_error("?%s: %d (%s): %s\n", suffix, rc, orm_strerror(rc), orm_conn_errmsg(c));
	assert_int_equal(rc, want);
	if (want == 0)
		assert_int_equal(query_int(c, "SELECT 1"), 1);
	else
		assert_int_equal(orm_conn_error(c)->code, want);
	orm_close(c);
}

static void test_url_options(void **state)
{
	(void)state;
	expect_open("connect_timeout=5", 0);
	expect_open("connect_timeout=5&read_timeout=30&write_timeout=30", 0);
	expect_open("ssl=off", 0);
	expect_open("no_such_option=1", ORM_EURL);
	expect_open("connect_timeout=soon", ORM_EURL);
	expect_open("ssl=maybe", ORM_EURL);
	expect_open("ssl_verify_server_cert=perhaps", ORM_EURL);
	/* a CA to check the server with: no TLS, or a certificate it did not sign */
	expect_open("ssl_ca=/nonexistent/ca.pem", ORM_ECONNECT);
}

/* ssl=on means TLS or no connection. */
static void test_ssl_required(void **state)
{
	orm_conn *c = *state, *t = NULL;
	orm_stmt *st = NULL;
	char url[1024];
	int have_tls, rc;

	assert_orm_ok(c, orm_prepare(&st, c, "SELECT @@have_ssl = 'YES'"));
	step_row(st);
	have_tls = (int)orm_column_int(st, 0);
	orm_stmt_free(st);
	snprintf(url, sizeof(url), "%s%sssl=on", g_url, strchr(g_url, '?') ? "&" : "?");
	rc = orm_open(&t, url);
	if (have_tls) {
		assert_orm_ok(t, rc);
		assert_orm_ok(t, orm_prepare(&st, t, "SHOW STATUS LIKE 'Ssl_cipher'"));
		step_row(st);
		assert_true(strlen(orm_column_text(st, 1, NULL)) > 0);
		orm_stmt_free(st);
	} else {
		assert_int_equal(rc, ORM_ECONNECT);
		assert_non_null(strstr(orm_conn_errmsg(t), "TLS"));
	}
	orm_close(t);
}

/* The session: UTC, strict mode, autocommit, utf8mb4. */
static void test_session(void **state)
{
	orm_conn *c = *state;
	orm_stmt *st = NULL;

	assert_orm_ok(c, orm_prepare(&st, c, "SELECT @@session.time_zone, @@session.sql_mode, "
					     "@@session.autocommit, @@character_set_client"));
	step_row(st);
	assert_string_equal(orm_column_text(st, 0, NULL), "+00:00");
	assert_non_null(strstr(orm_column_text(st, 1, NULL), "STRICT_ALL_TABLES"));
	assert_null(strstr(orm_column_text(st, 1, NULL), "ANSI_QUOTES"));
	assert_int_equal(orm_column_int(st, 2), 1);
	assert_string_equal(orm_column_text(st, 3, NULL), "utf8mb4");
	orm_stmt_free(st);
}

/* A unix socket connection, when the test server's socket is there. */
static void test_unix_socket(void **state)
{
	char sock[256], url[1200];
	const char *port = strrchr(g_url, ':'), *at = strchr(g_url, '@'), *path;
	struct stat sb;
	orm_conn *c = NULL;
	(void)state;

	snprintf(sock, sizeof(sock), "/tmp/orm-mariadb-%d/mysqld.sock", port ? atoi(port + 1) : 0);
	if (stat(sock, &sb) != 0)
		return; /* not the throwaway server (tests/servers/mariadb.sh) */
	if (!at || !(path = strchr(at, '/')))
		return;
	/* same user, password and database; host replaced by the socket */
	snprintf(url, sizeof(url), "%.*slocalhost%s%sunix_socket=%s", (int)(at + 1 - g_url), g_url,
		 path, strchr(path, '?') ? "&" : "?", sock);
	assert_orm_ok(c, orm_open(&c, url));
	assert_int_equal(query_int(c, "SELECT 3"), 3);
	orm_close(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_conn, teardown_conn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_large_values),
		T(test_insert_returning),
		T(test_column_types),
		T(test_double_exact),
		T(test_timestamptz_param),
		T(test_param_types),
		T(test_rebind_reuse),
		T(test_text_fallback),
		T(test_exec_multi),
		T(test_interleaved),
		T(test_altered_table),
		T(test_call),
		T(test_changes_and_ids),
		T(test_errors),
		T(test_lock_wait),
		T(test_connection_lost),
		T(test_url_options),
		T(test_ssl_required),
		T(test_session),
		T(test_unix_socket),
	};

	g_url = orm_test_url_or_skip();
	if (strncmp(g_url, "mariadb:", 8) != 0 && strncmp(g_url, "mysql:", 6) != 0) {
		printf("1..0 # SKIP the MariaDB driver tests run on a mariadb:// URL only\n");
		return 0;
	}
	return cmocka_run_group_tests_name("mariadb", tests, NULL, NULL);
}
