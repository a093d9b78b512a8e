/*
 * Unit tests for connection URL parsing and redaction.
 */
#include "testutil.h"

#include "orm/sys/driver.h"

static orm_url *parse_ok(const char *s)
{
	orm_url *u = NULL;
	char err[256];
	int rc = orm_url_parse(&u, s, err, sizeof(err));

	if (rc != 0)
		print_error("orm_url_parse(%s) = %d: %s\n", s, rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(u);
	assert_string_equal(err, "");
	return u;
}

/* Parse must fail with ORM_EURL; the message must hold `needle` and never the password. */
static void parse_bad(const char *s, const char *needle)
{
	orm_url *u = (orm_url *)1;
	char err[256];
	int rc = orm_url_parse(&u, s, err, sizeof(err));

	if (rc != ORM_EURL)
		print_error("orm_url_parse(%s) = %d, expected ORM_EURL\n", s, rc);
	assert_int_equal(rc, ORM_EURL);
	assert_null(u);
	if (!strstr(err, needle))
		print_error("message for %s: '%s' lacks '%s'\n", s, err, needle);
	assert_non_null(strstr(err, needle));
	assert_null(strstr(err, "s3cr3t"));
	assert_null(strstr(err, "cr3"));
}

static void test_url__sqlite(void **state)
{
	orm_url *u;

	(void)state;
	u = parse_ok("sqlite:app.db");
	assert_int_equal(u->dialect, ORM_DIALECT_SQLITE);
	assert_string_equal(u->scheme, "sqlite");
	assert_string_equal(u->database, "app.db");
	assert_string_equal(u->host, "");
	assert_string_equal(u->user, "");
	assert_string_equal(u->password, "");
	assert_int_equal(u->port, 0);
	assert_int_equal(u->nopts, 0);
	orm_url_free(u);

	u = parse_ok("sqlite://data/app.db");
	assert_string_equal(u->database, "data/app.db");
	orm_url_free(u);

	u = parse_ok("sqlite:///var/lib/app.db");
	assert_string_equal(u->database, "/var/lib/app.db");
	orm_url_free(u);

	u = parse_ok("sqlite:/tmp/x.db");
	assert_string_equal(u->database, "/tmp/x.db");
	orm_url_free(u);

	u = parse_ok("sqlite::memory:");
	assert_string_equal(u->database, ":memory:");
	orm_url_free(u);

	u = parse_ok("sqlite://:memory:");
	assert_string_equal(u->database, ":memory:");
	orm_url_free(u);

	u = parse_ok("sqlite:my%20file.db?foreign_keys=off&busy_timeout=250&mode=ro");
	assert_string_equal(u->database, "my file.db");
	assert_int_equal(u->nopts, 3);
	assert_string_equal(orm_url_opt(u, "foreign_keys"), "off");
	assert_string_equal(orm_url_opt(u, "busy_timeout"), "250");
	assert_string_equal(orm_url_opt(u, "mode"), "ro");
	assert_null(orm_url_opt(u, "nope"));
	assert_null(orm_url_opt(u, NULL));
	assert_null(orm_url_opt(NULL, "mode"));
	orm_url_free(u);

	u = parse_ok("SQLite:x.db");
	assert_int_equal(u->dialect, ORM_DIALECT_SQLITE);
	assert_string_equal(u->scheme, "SQLite");
	orm_url_free(u);

	parse_bad("sqlite:", "missing database path");
	parse_bad("sqlite://", "missing database path");
	parse_bad("sqlite:?mode=ro", "missing database path");
	parse_bad("sqlite:a%2", "percent-encoding");
}

static void test_url__server(void **state)
{
	orm_url *u;

	(void)state;
	u = parse_ok("postgres://orm:orm@127.0.0.1:54329/orm_test");
	assert_int_equal(u->dialect, ORM_DIALECT_POSTGRES);
	assert_string_equal(u->scheme, "postgres");
	assert_string_equal(u->user, "orm");
	assert_string_equal(u->password, "orm");
	assert_string_equal(u->host, "127.0.0.1");
	assert_int_equal(u->port, 54329);
	assert_string_equal(u->database, "orm_test");
	assert_int_equal(u->nopts, 0);
	orm_url_free(u);

	u = parse_ok("postgresql://db.example.com/app?sslmode=require&application_name=my%20app&connect_timeout=5");
	assert_int_equal(u->dialect, ORM_DIALECT_POSTGRES);
	assert_string_equal(u->scheme, "postgresql");
	assert_string_equal(u->user, "");
	assert_string_equal(u->password, "");
	assert_string_equal(u->host, "db.example.com");
	assert_int_equal(u->port, 0);
	assert_string_equal(u->database, "app");
	assert_int_equal(u->nopts, 3);
	assert_string_equal(u->opt_keys[1], "application_name");
	assert_string_equal(orm_url_opt(u, "application_name"), "my app");
	assert_string_equal(orm_url_opt(u, "sslmode"), "require");
	orm_url_free(u);

	/* percent-decoding of user and password; '@' and ':' inside */
	u = parse_ok("mariadb://us%40er:p%3Ass%40w%2Frd%25@localhost:3306/shop");
	assert_int_equal(u->dialect, ORM_DIALECT_MARIADB);
	assert_string_equal(u->user, "us@er");
	assert_string_equal(u->password, "p:ss@w/rd%");
	assert_string_equal(u->host, "localhost");
	assert_int_equal(u->port, 3306);
	assert_string_equal(u->database, "shop");
	orm_url_free(u);

	/* an unencoded '@' in the password: the last '@' ends the userinfo */
	u = parse_ok("mysql://root:p@ss@db:3307/x");
	assert_int_equal(u->dialect, ORM_DIALECT_MARIADB);
	assert_string_equal(u->scheme, "mysql");
	assert_string_equal(u->user, "root");
	assert_string_equal(u->password, "p@ss");
	assert_string_equal(u->host, "db");
	assert_int_equal(u->port, 3307);
	orm_url_free(u);

	/* user without password; empty password */
	u = parse_ok("postgres://alice@h/d");
	assert_string_equal(u->user, "alice");
	assert_string_equal(u->password, "");
	orm_url_free(u);
	u = parse_ok("postgres://alice:@h/d");
	assert_string_equal(u->user, "alice");
	assert_string_equal(u->password, "");
	orm_url_free(u);

	/* IPv6 */
	u = parse_ok("postgres://u:p@[::1]:5432/db");
	assert_string_equal(u->host, "::1");
	assert_int_equal(u->port, 5432);
	orm_url_free(u);
	u = parse_ok("mariadb://[fe80::1%25eth0]/db");
	assert_string_equal(u->host, "fe80::1%eth0");
	orm_url_free(u);
	u = parse_ok("postgres://[2001:db8::7]");
	assert_string_equal(u->host, "2001:db8::7");
	assert_int_equal(u->port, 0);
	assert_string_equal(u->database, "");
	orm_url_free(u);

	/* no host (local socket), database only; no database */
	u = parse_ok("postgres:///orm_test");
	assert_string_equal(u->host, "");
	assert_string_equal(u->database, "orm_test");
	orm_url_free(u);
	u = parse_ok("postgres://h:1");
	assert_int_equal(u->port, 1);
	assert_string_equal(u->database, "");
	orm_url_free(u);
	u = parse_ok("postgres://h:65535/");
	assert_int_equal(u->port, 65535);
	assert_string_equal(u->database, "");
	orm_url_free(u);

	/* percent-decoded database name and options; options without a value */
	u = parse_ok("postgres://h/my%2Ddb?options=-c%20search_path%3Dapp&flag&&x=a%26b=c");
	assert_string_equal(u->database, "my-db");
	assert_int_equal(u->nopts, 3);
	assert_string_equal(orm_url_opt(u, "options"), "-c search_path=app");
	assert_string_equal(orm_url_opt(u, "flag"), "");
	assert_string_equal(orm_url_opt(u, "x"), "a&b=c");
	orm_url_free(u);

	orm_url_free(NULL);
}

static void test_url__errors(void **state)
{
	orm_url *u = NULL;
	char err[256];

	(void)state;
	parse_bad("postgress://u:s3cr3t@h/db",
		  "unknown scheme 'postgress' (expected sqlite, postgres, postgresql, mariadb, mysql)");
	parse_bad("oracle://h/db", "unknown scheme 'oracle'");
	parse_bad("", "missing URL scheme");
	parse_bad("app.db", "missing URL scheme");
	parse_bad(":memory:", "missing URL scheme");
	parse_bad("post gres://h", "invalid character in URL scheme at offset 4");
	parse_bad("postgres:h/db", "expected '//'");
	parse_bad("postgres:/h/db", "expected '//'");
	/* ports */
	parse_bad("postgres://u:s3cr3t@h:0/db", "out of range at offset 22");
	parse_bad("postgres://u:s3cr3t@h:65536/db", "port '65536' out of range");
	parse_bad("postgres://u:s3cr3t@h:99999999999999999999/db", "out of range");
	parse_bad("postgres://u:s3cr3t@h:54a/db", "invalid port '54a' at offset 22");
	parse_bad("postgres://u:s3cr3t@h:-1/db", "invalid port");
	parse_bad("postgres://u:s3cr3t@h:/db", "empty port at offset 22");
	/* IPv6 */
	parse_bad("postgres://u:s3cr3t@[::1/db", "unterminated '['");
	parse_bad("postgres://[]/db", "empty IPv6 host");
	parse_bad("postgres://[::g]/db", "invalid character 'g' in IPv6 host");
	parse_bad("postgres://[::1]x/db", "after IPv6 host");
	parse_bad("postgres://a]b/db", "invalid character ']' in host");
	/* percent-encoding: the message names the part and offset, never the password */
	parse_bad("postgres://u:s3cr3t%zz@h/db", "invalid percent-encoding in password at offset 19");
	parse_bad("postgres://u:s3cr3t%4@h/db", "invalid percent-encoding in password");
	parse_bad("postgres://u%g1:s3cr3t@h/db", "in user name at offset 12");
	parse_bad("postgres://h/d%b", "in database name at offset 14");
	parse_bad("postgres://h/db?password=s3cr3t%zz", "value of option 'password'");
	parse_bad("postgres://h/db?=1", "empty option name at offset 16");
	parse_bad("postgres://h/a/b", "unexpected '/' in database name");
	parse_bad("postgres://h/db#frag", "unexpected '#'");

	/* bad arguments */
	assert_int_equal(orm_url_parse(NULL, "sqlite:x", err, sizeof(err)), ORM_EINVAL);
	assert_int_equal(orm_url_parse(&u, NULL, err, sizeof(err)), ORM_EURL);
	assert_null(u);
	/* errbuf is optional; small errbufs are truncated, not overrun */
	assert_int_equal(orm_url_parse(&u, "nope://x", NULL, 0), ORM_EURL);
	memset(err, 'Z', sizeof(err));
	assert_int_equal(orm_url_parse(&u, "nope://x", err, 8), ORM_EURL);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'Z');
}

static void assert_redacted(const char *in, const char *expected)
{
	orm_buf b = ORM_BUF_INIT;

	assert_int_equal(orm_url_redacted(&b, in), 0);
	assert_string_equal(b.ptr, expected);
	orm_buf_dispose(&b);
}

static void test_url__redacted(void **state)
{
	orm_buf b = ORM_BUF_INIT;

	(void)state;
	assert_redacted("postgres://orm:s3cr3t@127.0.0.1:54329/orm_test",
			"postgres://orm:***@127.0.0.1:54329/orm_test");
	assert_redacted("mysql://root:p@ss@db/x", "mysql://root:***@db/x");
	assert_redacted("postgres://alice@h/d", "postgres://alice@h/d");
	assert_redacted("postgres://h/d", "postgres://h/d");
	assert_redacted("sqlite:app.db?mode=ro", "sqlite:app.db?mode=ro");
	assert_redacted("sqlite::memory:", "sqlite::memory:");
	assert_redacted("postgres://u:pw@[::1]:5432/d?sslmode=require&password=s3cr3t&x=1",
			"postgres://u:***@[::1]:5432/d?sslmode=require&password=***&x=1");
	assert_redacted("postgres://h/d?PASSWORD=s3cr3t", "postgres://h/d?PASSWORD=***");
	/* works on URLs that do not parse, too */
	assert_redacted("postgress://u:s3cr3t@h:99999/db", "postgress://u:***@h:99999/db");
	assert_redacted("", "");
	assert_int_equal(orm_url_redacted(NULL, "x"), ORM_EINVAL);
	assert_int_equal(orm_url_redacted(&b, NULL), ORM_EINVAL);
	/* appends */
	assert_int_equal(orm_buf_puts(&b, "url="), 0);
	assert_int_equal(orm_url_redacted(&b, "mariadb://a:b@c/d"), 0);
	assert_string_equal(b.ptr, "url=mariadb://a:***@c/d");
	orm_buf_dispose(&b);
}

/* orm_open reports URL problems on the handle, without the password. */
static void test_url__open(void **state)
{
	orm_conn *db = NULL;
	const char *other = NULL;

	(void)state;
	assert_int_equal(orm_open(&db, "postgress://u:s3cr3t@h/db"), ORM_EURL);
	assert_non_null(db);
	assert_int_equal(orm_conn_error(db)->code, ORM_EURL);
	assert_non_null(strstr(orm_conn_errmsg(db), "unknown scheme 'postgress'"));
	assert_null(strstr(orm_conn_errmsg(db), "s3cr3t"));
	assert_string_equal(orm_conn_url(db), "postgress://u:***@h/db");
	orm_close(db);

	db = NULL;
	assert_int_equal(orm_open(&db, "postgres://u:s3cr3t@h:70000/db"), ORM_EURL);
	assert_non_null(strstr(orm_conn_errmsg(db), "70000"));
	assert_null(strstr(orm_conn_errmsg(db), "s3cr3t"));
	orm_close(db);

	/* a dialect that is not built in says how to get it */
	if (!orm_dialect_available(ORM_DIALECT_POSTGRES))
		other = "postgres://u:s3cr3t@127.0.0.1:1/db";
	else if (!orm_dialect_available(ORM_DIALECT_MARIADB))
		other = "mariadb://u:s3cr3t@127.0.0.1:1/db";
	if (other) {
		db = NULL;
		assert_int_equal(orm_open(&db, other), ORM_ENODRIVER);
		assert_non_null(strstr(orm_conn_errmsg(db), "not built into this liborm (configure --with-"));
		assert_null(strstr(orm_conn_errmsg(db), "s3cr3t"));
		assert_int_equal(orm_conn_dialect(db),
				 other[0] == 'p' ? ORM_DIALECT_POSTGRES : ORM_DIALECT_MARIADB);
		orm_close(db);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url__sqlite),
		cmocka_unit_test(test_url__server),
		cmocka_unit_test(test_url__errors),
		cmocka_unit_test(test_url__redacted),
		cmocka_unit_test(test_url__open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
