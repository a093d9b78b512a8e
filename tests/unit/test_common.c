/*
 * Unit tests for the core: orm_buf, orm_strerror, values, the allocator
 * hook (with an out-of-memory torture loop), identifier quoting,
 * placeholder rewriting, and the statement layer on SQLite in memory.
 *
 * Linked statically (see Makefile.am) to reach the internal orm__ helpers.
 */
#include "testutil.h"

#include <errno.h>
#include <limits.h>

#include "orm/internal.h"

/* ---- orm_buf ---- */

static void test_common__buf(void **state)
{
	orm_buf b = ORM_BUF_INIT;
	int i;

	(void)state;
	assert_null(b.ptr);
	assert_int_equal(orm_buf_puts(&b, "hello"), 0);
	assert_string_equal(b.ptr, "hello");
	assert_int_equal(b.size, 5);
	assert_int_equal(orm_buf_put(&b, ", world!!", 7), 0);
	assert_string_equal(b.ptr, "hello, world");
	assert_int_equal(orm_buf_printf(&b, " %d-%s", 42, "x"), 0);
	assert_string_equal(b.ptr, "hello, world 42-x");
	assert_true(b.asize > b.size);
	orm_buf_clear(&b);
	assert_int_equal(b.size, 0);
	assert_string_equal(b.ptr, "");
	/* growth over many appends */
	for (i = 0; i < 1000; i++)
		assert_int_equal(orm_buf_put(&b, "0123456789", 10), 0);
	assert_int_equal(b.size, 10000);
	assert_int_equal(strlen(b.ptr), 10000);
	assert_memory_equal(b.ptr + 9990, "0123456789", 10);
	/* embedded NUL kept in size */
	orm_buf_clear(&b);
	assert_int_equal(orm_buf_put(&b, "a\0b", 3), 0);
	assert_int_equal(b.size, 3);
	assert_memory_equal(b.ptr, "a\0b", 4);
	/* empty put still gives a terminated string */
	orm_buf_dispose(&b);
	assert_int_equal(orm_buf_put(&b, "", 0), 0);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	orm_buf_dispose(&b);
	assert_null(b.ptr);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.asize, 0);
	/* bad arguments */
	assert_int_equal(orm_buf_puts(&b, NULL), ORM_EINVAL);
	assert_int_equal(orm_buf_put(NULL, "x", 1), ORM_EINVAL);
	orm_buf_dispose(NULL);
	orm_buf_clear(NULL);
	orm_free(NULL);
}

/* ---- strerror ---- */

static void test_common__strerror(void **state)
{
	const char *seen[32];
	int code, j;

	(void)state;
	assert_string_equal(orm_strerror(ORM_OK), "ok");
	for (code = ORM_ERROR; code >= ORM_ECONNLOST; code--) {
		const char *s = orm_strerror(code);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error code");
		/* every code has its own text */
		for (j = 0; j < -code - 1; j++)
			assert_string_not_equal(s, seen[j]);
		seen[-code - 1] = s;
	}
	assert_string_equal(orm_strerror(ORM_EUNIQUE), "unique constraint violation");
	assert_string_equal(orm_strerror(-9999), "unknown error code");
	assert_string_equal(orm_strerror(12345), "unknown error code");
	assert_string_not_equal(orm_strerror(ORM_ROW), "unknown error code");
	assert_string_not_equal(orm_strerror(ORM_DONE), "unknown error code");
}

static void test_common__version(void **state)
{
	(void)state;
	assert_string_equal(orm_version(), ORM_VERSION);
	assert_int_equal(orm_version_number(), ORM_VERSION_NUMBER);
	assert_string_equal(orm_dialect_name(ORM_DIALECT_SQLITE), "sqlite");
	assert_string_equal(orm_dialect_name(ORM_DIALECT_POSTGRES), "postgres");
	assert_string_equal(orm_dialect_name(ORM_DIALECT_MARIADB), "mariadb");
	assert_string_equal(orm_dialect_name((orm_dialect)99), "unknown");
	assert_int_equal(orm_dialect_available((orm_dialect)99), 0);
#ifdef ORM_HAVE_SQLITE
	assert_int_equal(orm_dialect_available(ORM_DIALECT_SQLITE), 1);
#else
	assert_int_equal(orm_dialect_available(ORM_DIALECT_SQLITE), 0);
#endif
#ifdef ORM_HAVE_PQ
	assert_int_equal(orm_dialect_available(ORM_DIALECT_POSTGRES), 1);
#else
	assert_int_equal(orm_dialect_available(ORM_DIALECT_POSTGRES), 0);
#endif
}

/* ---- values ---- */

static void test_common__values(void **state)
{
	orm_value v;
	static const char blob[3] = { 1, 0, 2 };
	static const orm_type typed[] = {
		ORM_TYPE_DECIMAL, ORM_TYPE_DATE, ORM_TYPE_TIME, ORM_TYPE_TIMESTAMP,
		ORM_TYPE_TIMESTAMPTZ, ORM_TYPE_JSON, ORM_TYPE_UUID
	};
	size_t i;

	(void)state;
	assert_int_equal(orm_null().type, ORM_TYPE_NULL);
	v = orm_bool(7);
	assert_int_equal(v.type, ORM_TYPE_BOOL);
	assert_int_equal(v.u.b, 1);
	assert_int_equal(orm_bool(0).u.b, 0);
	v = orm_int(INT64_MIN);
	assert_int_equal(v.type, ORM_TYPE_INT);
	assert_true(v.u.i == INT64_MIN);
	v = orm_double(2.5);
	assert_int_equal(v.type, ORM_TYPE_DOUBLE);
	assert_true(v.u.d == 2.5);
	v = orm_text("abc");
	assert_int_equal(v.type, ORM_TYPE_TEXT);
	assert_int_equal(v.u.s.len, 3);
	assert_memory_equal(v.u.s.ptr, "abc", 3);
	assert_int_equal(orm_text(NULL).type, ORM_TYPE_NULL);
	v = orm_textn("abcdef", 2);
	assert_int_equal(v.type, ORM_TYPE_TEXT);
	assert_int_equal(v.u.s.len, 2);
	assert_int_equal(orm_textn(NULL, 3).type, ORM_TYPE_NULL);
	v = orm_blob(blob, 3);
	assert_int_equal(v.type, ORM_TYPE_BLOB);
	assert_int_equal(v.u.s.len, 3);
	assert_ptr_equal(v.u.s.ptr, blob);
	v = orm_blob(NULL, 0);
	assert_int_equal(v.type, ORM_TYPE_BLOB);
	assert_int_equal(v.u.s.len, 0);
	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		v = orm_typed_text(typed[i], "x");
		assert_int_equal(v.type, typed[i]);
		assert_int_equal(v.u.s.len, 1);
	}
	assert_int_equal(orm_typed_text(ORM_TYPE_INT, "5").type, ORM_TYPE_TEXT);
	assert_int_equal(orm_typed_text(ORM_TYPE_DATE, NULL).type, ORM_TYPE_NULL);

	assert_string_equal(orm_type_name(ORM_TYPE_NULL), "null");
	assert_string_equal(orm_type_name(ORM_TYPE_INT), "int");
	assert_string_equal(orm_type_name(ORM_TYPE_TEXT), "text");
	assert_string_equal(orm_type_name(ORM_TYPE_TIMESTAMPTZ), "timestamptz");
	assert_string_equal(orm_type_name(ORM_TYPE_UUID), "uuid");
	assert_string_equal(orm_type_name((orm_type)77), "unknown");
}

static void test_common__parse_int64(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(orm__parse_int64("123", 3, &v), 0);
	assert_true(v == 123);
	assert_int_equal(orm__parse_int64("-42", 3, &v), 0);
	assert_true(v == -42);
	assert_int_equal(orm__parse_int64(" +7 ", 4, &v), 0);
	assert_true(v == 7);
	assert_int_equal(orm__parse_int64("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(orm__parse_int64("-9223372036854775808", 20, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(orm__parse_int64("9223372036854775808", 19, &v), ORM_ETYPE);
	assert_int_equal(orm__parse_int64("-9223372036854775809", 20, &v), ORM_ETYPE);
	/* the overflow check starts at the 19th digit: zeros in front count */
	assert_int_equal(orm__parse_int64("000000000000000000009", 21, &v), 0);
	assert_true(v == 9);
	assert_int_equal(orm__parse_int64("0009223372036854775807", 22, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(orm__parse_int64("99999999999999999999", 20, &v), ORM_ETYPE);
	assert_int_equal(orm__parse_int64("999999999999999999", 18, &v), 0);
	assert_true(v == INT64_C(999999999999999999));
	assert_int_equal(orm__parse_int64("12a", 3, &v), ORM_EINVAL);
	assert_int_equal(orm__parse_int64("", 0, &v), ORM_EINVAL);
	assert_int_equal(orm__parse_int64("-", 1, &v), ORM_EINVAL);
	assert_int_equal(orm__parse_int64("1.5", 3, &v), ORM_EINVAL);
	/* only len bytes are read */
	assert_int_equal(orm__parse_int64("12345", 2, &v), 0);
	assert_true(v == 12);
}

static void test_common__fmt_int64(void **state)
{
	static const int64_t cases[] = { 0, 7, -7, 10, 99, -100, 123456789, INT64_MAX, INT64_MIN,
					 INT64_MIN + 1, INT64_C(1000000000000000000) };
	char got[ORM__INT64_CHARS + 8], want[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(got, 'x', sizeof(got));
		n = orm__fmt_int64(got, cases[i]);
		snprintf(want, sizeof(want), "%lld", (long long)cases[i]);
		assert_string_equal(got, want);
		assert_int_equal(n, strlen(want));
		assert_true(n + 1 <= ORM__INT64_CHARS);
	}
}

/* ---- allocator hook ---- */

static long n_malloc, n_realloc, n_free, n_live;
static long fail_after = -1; /* fail the Nth allocation (0-based); -1 never */
static long n_alloc_calls;

static int alloc_should_fail(void)
{
	if (fail_after >= 0 && n_alloc_calls++ >= fail_after)
		return 1;
	return 0;
}

static void *count_malloc(size_t n)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	p = malloc(n);
	if (p) {
		n_malloc++;
		n_live++;
	}
	return p;
}

static void *count_realloc(void *old, size_t n)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	p = realloc(old, n);
	if (p) {
		n_realloc++;
		if (!old)
			n_live++;
	}
	return p;
}

static void count_free(void *p)
{
	if (p) {
		n_free++;
		n_live--;
	}
	errno = EBADF; /* must not leak out of orm_free() */
	free(p);
}

static void test_common__allocator(void **state)
{
	orm_buf b = ORM_BUF_INIT;
	char *s;

	(void)state;
	assert_int_equal(orm_set_allocator(count_malloc, NULL, count_free), ORM_EINVAL);
	assert_int_equal(orm_set_allocator(count_malloc, count_realloc, count_free), 0);
	n_malloc = n_realloc = n_free = n_live = 0;

	assert_int_equal(orm_buf_puts(&b, "through the hook"), 0);
	assert_true(n_malloc + n_realloc >= 1);
	s = orm__strdup("abc");
	assert_non_null(s);
	assert_string_equal(s, "abc");
	assert_int_equal(n_live, 2);
	errno = ENOENT;
	orm_free(s);
	assert_int_equal(errno, ENOENT);
	orm_buf_dispose(&b);
	assert_int_equal(n_live, 0);
	assert_true(n_free >= 2);

#ifdef ORM_HAVE_SQLITE
	{
		orm_conn *db = NULL;
		orm_stmt *st = NULL;
		long before = n_malloc + n_realloc;

		assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
		assert_int_equal(orm_exec(db, "CREATE TABLE t(a INT)"), 0);
		assert_int_equal(orm_prepare(&st, db, "INSERT INTO t VALUES(?)"), 0);
		assert_int_equal(orm_bind_text(st, 1, "copied", -1, ORM_BIND_COPY), 0);
		assert_int_equal(orm_stmt_step(st), ORM_DONE);
		orm_stmt_free(st);
		assert_true(n_malloc + n_realloc > before);
		orm_close(db);
		assert_int_equal(n_live, 0);
	}
#endif
	assert_int_equal(orm_set_allocator(NULL, NULL, NULL), 0);
}

/*
 * Out-of-memory torture: fail the 1st, 2nd, ... allocation of a workload
 * until it runs through; every run must fail cleanly (no crash, no leak:
 * n_live back to 0) with ORM_ENOMEM or succeed.
 */
static int oom_workload(void)
{
	orm_url *u = NULL;
	orm_buf b = ORM_BUF_INIT;
	char err[128];
	int rc;

	rc = orm_url_parse(&u, "postgres://u:p%40@[::1]:5432/db?a=1&b=%20", err, sizeof(err));
	orm_url_free(u);
	if (rc < 0)
		return rc;
	if ((rc = orm_quote_ident(&b, ORM_DIALECT_POSTGRES, "s.t\"x")) < 0)
		goto out;
	if ((rc = orm__rewrite_placeholders(&b, "SELECT ? , '?', ?", ORM_DIALECT_POSTGRES, NULL)) < 0)
		goto out;
	if ((rc = orm_url_redacted(&b, "mysql://u:secret@h/db?password=x")) < 0)
		goto out;
#ifdef ORM_HAVE_SQLITE
	{
		orm_conn *db = NULL;
		orm_stmt *st = NULL;
		int64_t n = 0;

		rc = orm_open(&db, "sqlite::memory:");
		if (rc < 0) {
			orm_close(db);
			goto out;
		}
		rc = orm_exec(db, "CREATE TABLE t(a INTEGER, b TEXT)");
		if (rc == 0)
			rc = orm_exec_params(db, NULL, "INSERT INTO t VALUES(?, ?)",
					     (orm_value[]){ orm_int(1), orm_text("x") }, 2);
		if (rc == 0)
			rc = orm_prepare(&st, db, "SELECT a, b, 1.5 FROM t");
		if (rc == 0) {
			while ((rc = orm_stmt_step(st)) == ORM_ROW) {
				if (!orm_column_text(st, 2, NULL) || !orm_column_text(st, 1, NULL)) {
					rc = ORM_ENOMEM;
					break;
				}
			}
			if (rc == ORM_DONE)
				rc = 0;
			orm_stmt_free(st);
		}
		if (rc == 0)
			rc = orm_begin(db);
		if (rc == 0)
			rc = orm_begin(db);
		if (rc == 0)
			rc = orm_query_int(db, &n, "SELECT count(*) FROM t", NULL, 0);
		orm_close(db);
	}
#endif
out:
	orm_buf_dispose(&b);
	return rc;
}

static void test_common__oom_torture(void **state)
{
	long i;
	int rc = ORM_ENOMEM;

	(void)state;
	assert_int_equal(orm_set_allocator(count_malloc, count_realloc, count_free), 0);
	for (i = 0; i < 2000; i++) {
		n_live = 0;
		n_alloc_calls = 0;
		fail_after = i;
		rc = oom_workload();
		assert_int_equal(n_live, 0);
		if (rc == 0)
			break;
		if (rc != ORM_ENOMEM)
			print_error("allocation %ld failed: rc %d (%s)\n", i, rc, orm_strerror(rc));
		assert_int_equal(rc, ORM_ENOMEM);
	}
	fail_after = -1;
	assert_int_equal(rc, 0);
	assert_true(i > 10); /* the workload did allocate through the hook */
	assert_int_equal(orm_set_allocator(NULL, NULL, NULL), 0);
}

/* ---- identifier quoting ---- */

static void assert_quote(orm_dialect d, const char *in, const char *expected)
{
	orm_buf b = ORM_BUF_INIT;
	int rc = orm_quote_ident(&b, d, in);

	if (rc != 0)
		print_error("quote(%s, '%s') returned %d\n", orm_dialect_name(d), in, rc);
	assert_int_equal(rc, 0);
	assert_string_equal(b.ptr, expected);
	orm_buf_dispose(&b);
}

static void assert_quote_fails(orm_dialect d, const char *in)
{
	orm_buf b = ORM_BUF_INIT;

	assert_int_equal(orm_buf_puts(&b, "keep"), 0);
	assert_int_equal(orm_quote_ident(&b, d, in), ORM_EINVAL);
	/* nothing of a failed quote is left behind */
	assert_string_equal(b.ptr, "keep");
	assert_int_equal(b.size, 4);
	orm_buf_dispose(&b);
}

static void test_common__quote_ident(void **state)
{
	char name[200];

	(void)state;
	assert_quote(ORM_DIALECT_SQLITE, "users", "\"users\"");
	assert_quote(ORM_DIALECT_POSTGRES, "users", "\"users\"");
	assert_quote(ORM_DIALECT_MARIADB, "users", "`users`");
	assert_quote(ORM_DIALECT_POSTGRES, "a\"b", "\"a\"\"b\"");
	assert_quote(ORM_DIALECT_SQLITE, "\"", "\"\"\"\"");
	assert_quote(ORM_DIALECT_MARIADB, "a`b`", "`a``b```");
	assert_quote(ORM_DIALECT_MARIADB, "a\"b", "`a\"b`");
	assert_quote(ORM_DIALECT_POSTGRES, "a`b", "\"a`b\"");
	assert_quote(ORM_DIALECT_POSTGRES, "public.users", "\"public\".\"users\"");
	assert_quote(ORM_DIALECT_MARIADB, "db.t.col", "`db`.`t`.`col`");
	assert_quote(ORM_DIALECT_SQLITE, "t.*", "\"t\".*");
	assert_quote(ORM_DIALECT_POSTGRES, "*", "*");
	assert_quote(ORM_DIALECT_SQLITE, "with space", "\"with space\"");
	assert_quote(ORM_DIALECT_SQLITE, "select", "\"select\"");
	assert_quote(ORM_DIALECT_POSTGRES, "Ünïcode", "\"Ünïcode\"");

	/* appends to what the buffer holds */
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_buf_puts(&b, "SELECT "), 0);
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_MARIADB, "x"), 0);
		assert_string_equal(b.ptr, "SELECT `x`");
		orm_buf_dispose(&b);
	}

	assert_quote_fails(ORM_DIALECT_SQLITE, "");
	assert_quote_fails(ORM_DIALECT_POSTGRES, "a..b");
	assert_quote_fails(ORM_DIALECT_POSTGRES, ".a");
	assert_quote_fails(ORM_DIALECT_POSTGRES, "a.");
	assert_quote_fails(ORM_DIALECT_POSTGRES, "*.a");
	assert_quote_fails((orm_dialect)0, "a");
	assert_int_equal(orm_quote_ident(NULL, ORM_DIALECT_SQLITE, "a"), ORM_EINVAL);
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_SQLITE, NULL), ORM_EINVAL);
		/* quote_part rejects NUL bytes inside the given length */
		assert_int_equal(orm__quote_part(&b, ORM_DIALECT_SQLITE, "a\0b", 3), ORM_EINVAL);
		assert_int_equal(orm__quote_part(&b, ORM_DIALECT_SQLITE, "ab", 0), ORM_EINVAL);
		assert_int_equal(orm__quote_part(&b, ORM_DIALECT_MARIADB, "a.b", 3), 0);
		assert_string_equal(b.ptr, "`a.b`");
		orm_buf_dispose(&b);
	}

	/* length limits: PostgreSQL 63 bytes, MariaDB 64 characters, SQLite none */
	memset(name, 'x', sizeof(name));
	name[63] = '\0';
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_POSTGRES, name), 0);
		assert_int_equal(b.size, 65);
		orm_buf_dispose(&b);
	}
	name[63] = 'x';
	name[64] = '\0';
	assert_quote_fails(ORM_DIALECT_POSTGRES, name);
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_MARIADB, name), 0);
		orm_buf_dispose(&b);
	}
	name[64] = 'x';
	name[65] = '\0';
	assert_quote_fails(ORM_DIALECT_MARIADB, name);
	memset(name, 'x', sizeof(name));
	name[199] = '\0';
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_SQLITE, name), 0);
		assert_int_equal(b.size, 201);
		orm_buf_dispose(&b);
	}
	/* MariaDB counts characters: 64 two-byte characters fit */
	{
		char wide[64 * 2 + 3];
		int i;
		orm_buf b = ORM_BUF_INIT;
		for (i = 0; i < 64; i++) {
			wide[2 * i] = (char)0xC3;
			wide[2 * i + 1] = (char)0xA9; /* é */
		}
		wide[128] = '\0';
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_MARIADB, wide), 0);
		orm_buf_dispose(&b);
		assert_quote_fails(ORM_DIALECT_POSTGRES, wide); /* 128 bytes */
		wide[128] = 'x';
		wide[129] = '\0';
		assert_quote_fails(ORM_DIALECT_MARIADB, wide);
	}
	/* the limit applies per part */
	memset(name, 'y', 63);
	name[63] = '.';
	memset(name + 64, 'z', 63);
	name[127] = '\0';
	{
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(orm_quote_ident(&b, ORM_DIALECT_POSTGRES, name), 0);
		orm_buf_dispose(&b);
	}
}

/* ---- placeholder rewriting ---- */

static void assert_rewrite(orm_dialect d, const char *in, const char *expected, int expected_n)
{
	orm_buf b = ORM_BUF_INIT;
	int n = -1, n2 = -1;

	assert_int_equal(orm__rewrite_placeholders(&b, in, d, &n), 0);
	if (strcmp(b.ptr ? b.ptr : "", expected) != 0)
		print_error("rewrite(%s):\n  in:  %s\n  got: %s\n  exp: %s\n", orm_dialect_name(d), in,
			    b.ptr, expected);
	assert_string_equal(b.ptr ? b.ptr : "", expected);
	assert_int_equal(n, expected_n);
	/* counting only gives the same count */
	assert_int_equal(orm__rewrite_placeholders(NULL, in, d, &n2), 0);
	assert_int_equal(n2, expected_n);
	orm_buf_dispose(&b);
}

static void test_common__placeholders(void **state)
{
	const orm_dialect pg = ORM_DIALECT_POSTGRES, my = ORM_DIALECT_MARIADB, sq = ORM_DIALECT_SQLITE;

	(void)state;
	assert_rewrite(pg, "SELECT 1", "SELECT 1", 0);
	assert_rewrite(pg, "", "", 0);
	assert_rewrite(pg, "SELECT * FROM t WHERE a = ? AND b > ?", "SELECT * FROM t WHERE a = $1 AND b > $2", 2);
	assert_rewrite(pg, "?", "$1", 1);
	assert_rewrite(pg, "??", "$1$2", 2); /* `??` is not an escape */
	assert_rewrite(pg, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)",
		       "INSERT INTO t VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", 11);
	/* string literals, with '' escapes */
	assert_rewrite(pg, "SELECT '?' , ?", "SELECT '?' , $1", 1);
	assert_rewrite(pg, "SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1", 1);
	assert_rewrite(pg, "SELECT '', ?", "SELECT '', $1", 1);
	/* standard strings: a backslash does not escape on PostgreSQL ... */
	assert_rewrite(pg, "SELECT 'a\\', ?", "SELECT 'a\\', $1", 1);
	/* ... except in E'' strings */
	assert_rewrite(pg, "SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
	assert_rewrite(pg, "SELECT e'\\'?' , ?", "SELECT e'\\'?' , $1", 1);
	/* identifiers */
	assert_rewrite(pg, "SELECT \"col?\" FROM t WHERE x = ?", "SELECT \"col?\" FROM t WHERE x = $1", 1);
	assert_rewrite(pg, "SELECT \"a\"\"?\" , ?", "SELECT \"a\"\"?\" , $1", 1);
	/* comments */
	assert_rewrite(pg, "SELECT ? -- what?\n, ?", "SELECT $1 -- what?\n, $2", 2);
	assert_rewrite(pg, "SELECT /* ? */ ?", "SELECT /* ? */ $1", 1);
	assert_rewrite(pg, "SELECT /* a /* ? */ ? */ ?", "SELECT /* a /* ? */ ? */ $1", 1);
	assert_rewrite(pg, "SELECT 1 -- ?", "SELECT 1 -- ?", 0);
	/* dollar quotes */
	assert_rewrite(pg, "SELECT $$ ? $$, ?", "SELECT $$ ? $$, $1", 1);
	assert_rewrite(pg, "SELECT $fn$ it's ? $$ $fn$, ?", "SELECT $fn$ it's ? $$ $fn$, $1", 1);
	assert_rewrite(pg, "DO $body$ BEGIN PERFORM '?'; END $body$", "DO $body$ BEGIN PERFORM '?'; END $body$", 0);
	/* $1 and identifiers with $ are not dollar quotes */
	assert_rewrite(pg, "SELECT $1, ?", "SELECT $1, $1", 1);
	assert_rewrite(pg, "SELECT a$b, ?, c$d", "SELECT a$b, $1, c$d", 1);
	/* jsonb operators are placeholders too: write them as functions */
	assert_rewrite(pg, "SELECT j ?| ?", "SELECT j $1| $2", 2);
	/* unterminated constructs run to the end */
	assert_rewrite(pg, "SELECT ? 'abc ?", "SELECT $1 'abc ?", 1);
	assert_rewrite(pg, "SELECT ? /* ?", "SELECT $1 /* ?", 1);
	assert_rewrite(pg, "SELECT ? $x$ ?", "SELECT $1 $x$ ?", 1);
	/* backticks are not quotes on PostgreSQL */
	assert_rewrite(pg, "SELECT `?`", "SELECT `$1`", 1);

	/* MariaDB and SQLite keep the text and only count */
	assert_rewrite(my, "SELECT ?, '?', \"?\", `?`, ? # ?\n", "SELECT ?, '?', \"?\", `?`, ? # ?\n", 2);
	assert_rewrite(my, "SELECT 'a\\'?', ?", "SELECT 'a\\'?', ?", 1);
	assert_rewrite(my, "SELECT \"a\\\"?\", ?", "SELECT \"a\\\"?\", ?", 1);
	assert_rewrite(my, "SELECT `a``?`, ? /* ? */", "SELECT `a``?`, ? /* ? */", 1);
	assert_rewrite(sq, "SELECT [a?], `b?`, \"c?\", '?', ? -- ?", "SELECT [a?], `b?`, \"c?\", '?', ? -- ?", 1);
	assert_rewrite(sq, "SELECT $a, ?", "SELECT $a, ?", 1);
	assert_rewrite(sq, "SELECT 'a\\', ?", "SELECT 'a\\', ?", 1);

	assert_int_equal(orm__rewrite_placeholders(NULL, NULL, pg, NULL), ORM_EINVAL);
}

/* ---- statements on SQLite ---- */

#ifdef ORM_HAVE_SQLITE
static void test_common__sqlite_types(void **state)
{
	orm_conn *db = NULL;
	orm_stmt *st = NULL;
	orm_value v;
	size_t len;
	const char *s;
	static const unsigned char bytes[4] = { 0, 1, 0xff, 7 };

	(void)state;
	assert_orm_ok(db, orm_open(&db, "sqlite::memory:"));
	assert_int_equal(orm_conn_dialect(db), ORM_DIALECT_SQLITE);
	assert_string_equal(orm_conn_url(db), "sqlite::memory:");
	assert_int_equal(orm_conn_max_params(db), 32766);
	assert_orm_ok(db, orm_exec(db,
		"CREATE TABLE ty(i INTEGER, big BIGINT, b BOOLEAN, r REAL, dbl DOUBLE PRECISION,"
		" dec DECIMAL_TEXT(10,2), num NUMERIC(10,2), d DATE, tm TIME, ts TIMESTAMP,"
		" dt DATETIME, tz TIMESTAMP WITH TIME ZONE, tz2 TIMESTAMPTZ, j JSON, jb JSONB,"
		" u UUID, bl BLOB, t TEXT, v VARCHAR(10))"));
	assert_orm_ok(db, orm_prepare(&st, db, "INSERT INTO ty VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
	assert_int_equal(orm_stmt_param_count(st), 19);
	assert_orm_ok(db, orm_bind_int(st, 1, 42));
	assert_orm_ok(db, orm_bind_int(st, 2, INT64_MAX));
	assert_orm_ok(db, orm_bind_bool(st, 3, 1));
	assert_orm_ok(db, orm_bind_double(st, 4, 0.1));
	assert_orm_ok(db, orm_bind_double(st, 5, 1e300));
	v = orm_typed_text(ORM_TYPE_DECIMAL, "12.50");
	assert_orm_ok(db, orm_bind_value(st, 6, &v, ORM_BIND_STATIC));
	assert_orm_ok(db, orm_bind_double(st, 7, 1.25));
	v = orm_typed_text(ORM_TYPE_DATE, "2024-02-29");
	assert_orm_ok(db, orm_bind_value(st, 8, &v, ORM_BIND_STATIC));
	v = orm_typed_text(ORM_TYPE_TIME, "13:14:15");
	assert_orm_ok(db, orm_bind_value(st, 9, &v, ORM_BIND_STATIC));
	assert_orm_ok(db, orm_bind_text(st, 10, "2024-01-02 03:04:05", -1, ORM_BIND_STATIC));
	assert_orm_ok(db, orm_bind_text(st, 11, "2024-01-02 03:04:05.250000", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 12, "2024-01-02 03:04:05+00:00", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 13, "2024-01-02 03:04:05+00:00", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 14, "{\"a\":[1,2]}", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 15, "{}", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 16, "123e4567-e89b-12d3-a456-426614174000", -1, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_blob(st, 17, bytes, sizeof(bytes), ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_text(st, 18, "hello world", 5, ORM_BIND_COPY));
	assert_orm_ok(db, orm_bind_null(st, 19));
	assert_int_equal(orm_bind_int(st, 20, 1), ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "out of range"));
	assert_int_equal(orm_bind_int(st, 0, 1), ORM_EINVAL);
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	assert_int_equal(orm_stmt_changes(st), 1);
	orm_stmt_free(st);

	assert_orm_ok(db, orm_prepare(&st, db, "SELECT * FROM ty"));
	assert_int_equal(orm_column_count(st), 19);
	assert_string_equal(orm_column_name(st, 5), "dec");
	assert_null(orm_column_name(st, 19));
	assert_int_equal(orm_column_value(st, 0, &v), ORM_EINVAL); /* no row yet */
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	assert_int_equal(orm_column_type(st, 0), ORM_TYPE_INT);
	assert_true(orm_column_int(st, 0) == 42);
	assert_string_equal(orm_column_text(st, 0, &len), "42");
	assert_int_equal(len, 2);
	assert_true(orm_column_int(st, 1) == INT64_MAX);
	assert_string_equal(orm_column_text(st, 1, NULL), "9223372036854775807");
	assert_int_equal(orm_column_type(st, 2), ORM_TYPE_BOOL);
	assert_true(orm_column_int(st, 2) == 1);
	assert_string_equal(orm_column_text(st, 2, NULL), "1");
	assert_int_equal(orm_column_type(st, 3), ORM_TYPE_DOUBLE);
	assert_string_equal(orm_column_text(st, 3, NULL), "0.1");
	assert_true(orm_column_double(st, 3) == 0.1);
	assert_int_equal(orm_column_type(st, 4), ORM_TYPE_DOUBLE);
	assert_string_equal(orm_column_text(st, 4, NULL), "1e+300");
	assert_int_equal(orm_column_type(st, 5), ORM_TYPE_DECIMAL);
	assert_string_equal(orm_column_text(st, 5, NULL), "12.50");
	assert_true(orm_column_int(st, 5) == 12);
	assert_true(orm_column_double(st, 5) == 12.5);
	assert_int_equal(orm_column_type(st, 6), ORM_TYPE_DECIMAL);
	assert_string_equal(orm_column_text(st, 6, NULL), "1.25");
	assert_int_equal(orm_column_type(st, 7), ORM_TYPE_DATE);
	assert_string_equal(orm_column_text(st, 7, NULL), "2024-02-29");
	assert_int_equal(orm_column_type(st, 8), ORM_TYPE_TIME);
	assert_int_equal(orm_column_type(st, 9), ORM_TYPE_TIMESTAMP);
	assert_int_equal(orm_column_type(st, 10), ORM_TYPE_TIMESTAMP);
	assert_string_equal(orm_column_text(st, 10, NULL), "2024-01-02 03:04:05.250000");
	assert_int_equal(orm_column_type(st, 11), ORM_TYPE_TIMESTAMPTZ);
	assert_int_equal(orm_column_type(st, 12), ORM_TYPE_TIMESTAMPTZ);
	assert_int_equal(orm_column_type(st, 13), ORM_TYPE_JSON);
	assert_string_equal(orm_column_text(st, 13, NULL), "{\"a\":[1,2]}");
	assert_int_equal(orm_column_type(st, 14), ORM_TYPE_JSON);
	assert_int_equal(orm_column_type(st, 15), ORM_TYPE_UUID);
	assert_int_equal(orm_column_type(st, 16), ORM_TYPE_BLOB);
	s = orm_column_blob(st, 16, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, bytes, 4);
	assert_int_equal(orm_column_type(st, 17), ORM_TYPE_TEXT);
	assert_string_equal(orm_column_text(st, 17, &len), "hello");
	assert_int_equal(len, 5);
	assert_int_equal(orm_column_type(st, 18), ORM_TYPE_NULL);
	assert_true(orm_column_is_null(st, 18));
	assert_false(orm_column_is_null(st, 17));
	assert_null(orm_column_text(st, 18, &len));
	assert_int_equal(len, 0);
	assert_true(orm_column_int(st, 18) == 0);
	assert_int_equal(orm_column_value(st, 19, &v), ORM_EINVAL);
	assert_int_equal(orm_column_value(st, -1, &v), ORM_EINVAL);
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);

	/* expressions have no declared type: by storage class; doubles shortest round-trip */
	assert_orm_ok(db, orm_prepare(&st, db, "SELECT 1.0/3, 2.5, 1e-7, 100.0, -0.0, 'x' || ?, x'00ff', 7"));
	assert_orm_ok(db, orm_bind_int(st, 1, 5));
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_text(st, 0, NULL), "0.3333333333333333");
	assert_string_equal(orm_column_text(st, 1, NULL), "2.5");
	assert_string_equal(orm_column_text(st, 2, NULL), "1e-07");
	assert_string_equal(orm_column_text(st, 3, NULL), "100");
	assert_string_equal(orm_column_text(st, 5, NULL), "x5");
	assert_int_equal(orm_column_type(st, 6), ORM_TYPE_BLOB);
	assert_int_equal(orm_column_type(st, 7), ORM_TYPE_INT);
	assert_true(orm_column_double(st, 7) == 7.0);
	orm_stmt_free(st);

	orm_close(db);
}

static void test_common__sqlite_errors(void **state)
{
	orm_conn *db = NULL;
	const orm_error *e;
	int64_t n = -1;

	(void)state;
	assert_orm_ok(db, orm_open(&db, "sqlite::memory:"));
	assert_orm_ok(db, orm_exec(db,
		"CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
		" age INT CONSTRAINT age_ok CHECK (age >= 0));"
		"CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));"
		"INSERT INTO p(id, name, age) VALUES (1, 'a', 1)"));

	assert_int_equal(orm_exec(db, "INSERT INTO p(name) VALUES ('a')"), ORM_EUNIQUE);
	e = orm_conn_error(db);
	assert_int_equal(e->code, ORM_EUNIQUE);
	assert_string_equal(e->table, "p");
	assert_string_equal(e->column, "name");
	assert_string_equal(e->sqlstate, "");
	assert_int_equal(e->native_code, 2067); /* SQLITE_CONSTRAINT_UNIQUE */
	assert_non_null(strstr(e->message, "UNIQUE constraint failed: p.name"));

	assert_int_equal(orm_exec(db, "INSERT INTO p(id, name) VALUES (1, 'b')"), ORM_EUNIQUE);
	assert_string_equal(orm_conn_error(db)->column, "id");

	assert_int_equal(orm_exec_params(db, NULL, "INSERT INTO p(name) VALUES (?)",
					 (orm_value[]){ orm_null() }, 1), ORM_ENOTNULL);
	e = orm_conn_error(db);
	assert_string_equal(e->table, "p");
	assert_string_equal(e->column, "name");

	assert_int_equal(orm_exec(db, "INSERT INTO p(name, age) VALUES ('z', -1)"), ORM_ECHECK);
	assert_string_equal(orm_conn_error(db)->constraint, "age_ok");

	assert_int_equal(orm_exec(db, "INSERT INTO c(p_id) VALUES (99)"), ORM_EFOREIGNKEY);
	/* foreign_keys=off turns enforcement off */

	assert_int_equal(orm_exec(db, "SELECT 1;\n  SELEC 2"), ORM_ESQL);
	e = orm_conn_error(db);
	assert_int_equal(e->offset, 12);
	assert_non_null(strstr(e->message, "syntax error"));
	assert_non_null(strstr(e->message, "offset 12"));

	assert_int_equal(orm_exec(db, "SELECT * FROM nope"), ORM_ESQL);
	assert_non_null(strstr(orm_conn_errmsg(db), "no such table: nope"));

	/* a successful call clears the error */
	assert_orm_ok(db, orm_exec(db, "SELECT 1"));
	e = orm_conn_error(db);
	assert_int_equal(e->code, 0);
	assert_string_equal(e->message, "");
	assert_string_equal(e->table, "");
	assert_int_equal(e->offset, -1);

	/* query_int */
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM p WHERE age >= ?",
					(orm_value[]){ orm_int(0) }, 1));
	assert_true(n == 1);
	assert_int_equal(orm_query_int(db, &n, "SELECT id FROM p WHERE id = 999", NULL, 0), ORM_ENOTFOUND);

	/* one statement per prepare */
	{
		orm_stmt *st = (orm_stmt *)1;
		assert_int_equal(orm_prepare(&st, db, "SELECT 1; SELECT 2"), ORM_ESQL);
		assert_null(st);
		assert_orm_ok(db, orm_prepare(&st, db, "SELECT 1; -- trailing comment\n"));
		orm_stmt_free(st);
	}
	orm_close(db);

	/* options */
	assert_orm_ok(db, orm_open(&db, "sqlite::memory:?foreign_keys=off&busy_timeout=100"));
	assert_orm_ok(db, orm_exec(db, "CREATE TABLE p(id INTEGER PRIMARY KEY);"
				   "CREATE TABLE c(p_id INT REFERENCES p(id));"
				   "INSERT INTO c VALUES (5)"));
	assert_orm_ok(db, orm_query_int(db, &n, "PRAGMA foreign_keys", NULL, 0));
	assert_true(n == 0);
	orm_close(db);
	assert_orm_ok(db, orm_open(&db, "sqlite::memory:"));
	assert_orm_ok(db, orm_query_int(db, &n, "PRAGMA foreign_keys", NULL, 0));
	assert_true(n == 1);
	assert_orm_ok(db, orm_query_int(db, &n, "PRAGMA busy_timeout", NULL, 0));
	assert_true(n == 5000);
	orm_close(db);

	assert_int_equal(orm_open(&db, "sqlite::memory:?foreign_keys=maybe"), ORM_EURL);
	assert_non_null(strstr(orm_conn_errmsg(db), "foreign_keys"));
	orm_close(db);
	assert_int_equal(orm_open(&db, "sqlite::memory:?nope=1"), ORM_EURL);
	assert_non_null(strstr(orm_conn_errmsg(db), "unknown option 'nope'"));
	/* a failed open still answers */
	assert_int_equal(orm_exec(db, "SELECT 1"), ORM_EMISUSE);
	orm_close(db);
	assert_int_equal(orm_open(&db, "sqlite:/nonexistent-dir/x.db?mode=rw"), ORM_ECONNECT);
	assert_non_null(strstr(orm_conn_errmsg(db), "/nonexistent-dir/x.db"));
	orm_close(db);
	assert_int_equal(orm_open(NULL, "sqlite::memory:"), ORM_EINVAL);
	db = (orm_conn *)1;
	assert_int_equal(orm_open(&db, NULL), ORM_EINVAL);
	assert_null(db);
	orm_close(NULL);
	assert_string_equal(orm_conn_errmsg(NULL), "");
	assert_int_equal(orm_conn_error(NULL)->code, 0);
}

static void test_common__sqlite_cache_tx(void **state)
{
	orm_conn *db = NULL;
	orm_stmt *a = NULL, *b = NULL, *c = NULL;
	int64_t n = -1, id = 0, affected = 0;
	char buf[16];
	int i;

	(void)state;
	assert_orm_ok(db, orm_open(&db, "sqlite::memory:"));
	assert_orm_ok(db, orm_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));

	/* the cache hands the same statement back once it was freed */
	assert_orm_ok(db, orm_prepare(&a, db, "INSERT INTO t(v) VALUES (?)"));
	assert_orm_ok(db, orm_prepare(&b, db, "INSERT INTO t(v) VALUES (?)"));
	assert_ptr_not_equal(a, b); /* in use: a private one */
	orm_stmt_free(b);
	assert_orm_ok(db, orm_bind_text(a, 1, "one", -1, ORM_BIND_STATIC));
	assert_int_equal(orm_stmt_step(a), ORM_DONE);
	orm_stmt_free(a);
	assert_orm_ok(db, orm_prepare(&c, db, "INSERT INTO t(v) VALUES (?)"));
	assert_ptr_equal(c, a);
	/* bindings were cleared when it went back to the cache */
	assert_int_equal(orm_stmt_step(c), ORM_DONE);
	orm_stmt_free(c);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t WHERE v IS NULL", NULL, 0));
	assert_true(n == 1);
	assert_orm_ok(db, orm_last_insert_id(db, &id));
	assert_true(id == 2);

	/* reset keeps bindings; COPY survives the caller's buffer */
	assert_orm_ok(db, orm_prepare_uncached(&a, db, "INSERT INTO t(v) VALUES (?)"));
	snprintf(buf, sizeof(buf), "copy");
	assert_orm_ok(db, orm_bind_text(a, 1, buf, -1, ORM_BIND_COPY));
	memset(buf, 'X', sizeof(buf) - 1);
	assert_int_equal(orm_stmt_step(a), ORM_DONE);
	assert_orm_ok(db, orm_stmt_reset(a));
	assert_int_equal(orm_stmt_step(a), ORM_DONE);
	/* binding while done resets implicitly */
	assert_orm_ok(db, orm_bind_int(a, 1, 3));
	assert_int_equal(orm_stmt_step(a), ORM_DONE);
	orm_stmt_free(a);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t WHERE v = 'copy'", NULL, 0));
	assert_true(n == 2);

	/* many distinct statements: the cache evicts but stays correct */
	for (i = 0; i < 300; i++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_orm_ok(db, orm_prepare(&a, db, sql));
		assert_int_equal(orm_stmt_step(a), ORM_ROW);
		assert_true(orm_column_int(a, 0) == i);
		orm_stmt_free(a);
	}

	/* changes */
	assert_orm_ok(db, orm_exec_params(db, &affected, "UPDATE t SET v = ? WHERE v = 'copy'",
					  (orm_value[]){ orm_text("upd") }, 1));
	assert_true(affected == 2);
	assert_orm_ok(db, orm_exec_params(db, &affected, "CREATE TABLE t2(x)", NULL, 0));
	assert_true(affected == 0);

	/* transactions and savepoints */
	assert_int_equal(orm_commit(db), ORM_EMISUSE);
	assert_int_equal(orm_rollback(db), ORM_EMISUSE);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t", NULL, 0));
	assert_true(n == 5);
	assert_orm_ok(db, orm_begin(db));
	assert_int_equal(orm_tx_depth(db), 1);
	assert_orm_ok(db, orm_exec(db, "DELETE FROM t WHERE id = 1"));
	assert_orm_ok(db, orm_begin(db));
	assert_orm_ok(db, orm_begin(db));
	assert_int_equal(orm_tx_depth(db), 3);
	assert_orm_ok(db, orm_exec(db, "DELETE FROM t"));
	assert_orm_ok(db, orm_rollback(db)); /* back to savepoint 2 */
	assert_int_equal(orm_tx_depth(db), 2);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t", NULL, 0));
	assert_true(n == 4);
	assert_orm_ok(db, orm_exec(db, "DELETE FROM t WHERE id = 2"));
	assert_orm_ok(db, orm_commit(db)); /* release */
	assert_int_equal(orm_tx_depth(db), 1);
	assert_orm_ok(db, orm_commit(db));
	assert_int_equal(orm_tx_depth(db), 0);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t", NULL, 0));
	assert_true(n == 3);
	assert_orm_ok(db, orm_begin(db));
	assert_orm_ok(db, orm_exec(db, "DELETE FROM t"));
	assert_orm_ok(db, orm_rollback(db));
	assert_int_equal(orm_tx_depth(db), 0);
	assert_orm_ok(db, orm_query_int(db, &n, "SELECT count(*) FROM t", NULL, 0));
	assert_true(n == 3);

	/* a statement still cached at close is finalized by orm_close */
	assert_orm_ok(db, orm_prepare(&a, db, "SELECT v FROM t"));
	assert_int_equal(orm_stmt_step(a), ORM_ROW);
	orm_stmt_free(a);
	orm_close(db);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common__buf),
		cmocka_unit_test(test_common__strerror),
		cmocka_unit_test(test_common__version),
		cmocka_unit_test(test_common__values),
		cmocka_unit_test(test_common__parse_int64),
		cmocka_unit_test(test_common__fmt_int64),
		cmocka_unit_test(test_common__allocator),
		cmocka_unit_test(test_common__oom_torture),
		cmocka_unit_test(test_common__quote_ident),
		cmocka_unit_test(test_common__placeholders),
#ifdef ORM_HAVE_SQLITE
		cmocka_unit_test(test_common__sqlite_types),
		cmocka_unit_test(test_common__sqlite_errors),
		cmocka_unit_test(test_common__sqlite_cache_tx),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
