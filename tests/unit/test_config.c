/*
 * Unit tests of ormtool.yaml parsing (include/orm/config.h): environments,
 * ${VAR} interpolation, connection maps, several databases, errors with
 * file, line and column.
 */
#include "testutil.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static orm_config *parse_ok(const char *yaml, const char *file, const char *env)
{
	orm_config *cfg = NULL;
	int rc = orm_config_parse(&cfg, yaml, strlen(yaml), file, env);
	if (rc != 0)
		print_error("orm_config_parse: %d %s\n", rc, orm_config_errmsg(cfg));
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	return cfg;
}

/* Parse expecting failure `code`; the message must contain `needle`. */
static void parse_fail(const char *yaml, const char *env, int code, const char *needle)
{
	orm_config *cfg = NULL;
	int rc = orm_config_parse(&cfg, yaml, strlen(yaml), "conf/ormtool.yaml", env);
	if (rc != code || !strstr(orm_config_errmsg(cfg), needle))
		print_error("rc %d, message: %s (wanted %d and '%s')\n", rc, orm_config_errmsg(cfg), code, needle);
	assert_int_equal(rc, code);
	assert_non_null(strstr(orm_config_errmsg(cfg), needle));
	orm_config_free(cfg);
}

static const char *const knexfile =
	"development:\n"
	"  client: sqlite3\n"
	"  connection:\n"
	"    filename: dev.sqlite3\n"
	"test:\n"
	"  client: sqlite3\n"
	"  connection: \"sqlite::memory:\"\n"
	"  migrations:\n"
	"    directory: db/migrations\n"
	"    table: mig_test_migrations\n"
	"production:\n"
	"  client: pg\n"
	"  connection: ${MIG_TEST_URL}\n"
	"  seeds:\n"
	"    directory: /abs/seeds\n";

static void test_config__environments(void **state)
{
	orm_config *cfg;
	const orm_config_db *db;

	(void)state;
	unsetenv("ORM_ENV");
	/* default: development, paths relative to the file's folder */
	cfg = parse_ok(knexfile, "proj/ormtool.yaml", NULL);
	assert_string_equal(orm_config_env(cfg), "development");
	assert_int_equal(orm_config_db_count(cfg), 1);
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	assert_string_equal(db->name, "default");
	assert_int_equal(db->dialect, ORM_DIALECT_SQLITE);
	assert_string_equal(db->url, "sqlite:proj/dev.sqlite3");
	assert_string_equal(db->migrations_dir, "proj/migrations");
	assert_string_equal(db->seeds_dir, "proj/seeds");
	assert_string_equal(db->migrations_table, "orm_migrations");
	orm_config_free(cfg);

	/* explicit environment */
	cfg = parse_ok(knexfile, "proj/ormtool.yaml", "test");
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	assert_string_equal(db->url, "sqlite::memory:");
	assert_string_equal(db->migrations_dir, "proj/db/migrations");
	assert_string_equal(db->migrations_table, "mig_test_migrations");
	orm_config_free(cfg);

	/* ORM_ENV, and ${VAR} */
	setenv("ORM_ENV", "production", 1);
	setenv("MIG_TEST_URL", "postgres://u:p@db.example:5433/app", 1);
	cfg = parse_ok(knexfile, "ormtool.yaml", NULL);
	assert_string_equal(orm_config_env(cfg), "production");
	db = orm_config_db_at(cfg, 0);
	assert_non_null(db);
	assert_null(orm_config_db_at(cfg, 1));
	assert_int_equal(db->dialect, ORM_DIALECT_POSTGRES);
	assert_string_equal(db->url, "postgres://u:p@db.example:5433/app");
	assert_string_equal(db->seeds_dir, "/abs/seeds");
	assert_string_equal(db->migrations_dir, "migrations");
	orm_config_free(cfg);
	unsetenv("ORM_ENV");
	unsetenv("MIG_TEST_URL");

	/* --env wins over ORM_ENV */
	setenv("ORM_ENV", "production", 1);
	cfg = parse_ok(knexfile, "ormtool.yaml", "test");
	assert_string_equal(orm_config_env(cfg), "test");
	orm_config_free(cfg);
	unsetenv("ORM_ENV");
}

static void test_config__missing_environment(void **state)
{
	(void)state;
	parse_fail(knexfile, "staging", ORM_EPARSE, "no environment 'staging'");
	parse_fail(knexfile, "staging", ORM_EPARSE, "development, test, production");
	parse_fail(knexfile, "staging", ORM_EPARSE, "conf/ormtool.yaml:1:1:");
}

static void test_config__interpolation(void **state)
{
	orm_config *cfg;
	const orm_config_db *db;

	(void)state;
	setenv("MIG_HOST", "h1", 1);
	setenv("MIG_EMPTY", "", 1);
	unsetenv("MIG_UNSET");
	cfg = parse_ok("development:\n"
		       "  client: postgres\n"
		       "  connection:\n"
		       "    host: ${MIG_HOST}\n"
		       "    port: ${MIG_UNSET:-6543}\n"
		       "    user: ${MIG_EMPTY:-fallback}\n"
		       "    password: \"p${MIG_EMPTY-x}w$${literal}\"\n"
		       "    database: app\n",
		       NULL, NULL);
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	/* ":-" replaces empty, "-" only unset; "$${" is a literal "${" (encoded in the URL) */
	assert_string_equal(db->url, "postgres://fallback:pw%24%7Bliteral%7D@h1:6543/app");
	orm_config_free(cfg);

	/* an unset variable without default: file, line and column */
	parse_fail("development:\n"
		   "  client: pg\n"
		   "  connection: postgres://u@h/${MIG_UNSET}\n",
		   NULL, ORM_EPARSE, "conf/ormtool.yaml:3:30: environment variable MIG_UNSET is not set");
	parse_fail("development:\n  connection: \"sqlite:${MIG UNSET}\"\n", NULL, ORM_EPARSE, "bad variable reference");
	parse_fail("development:\n  connection: \"sqlite:${MIG_HOST\"\n", NULL, ORM_EPARSE, "unterminated ${MIG_HOST");
	/* variables in other environments are not evaluated */
	cfg = parse_ok("development:\n  connection: \"sqlite::memory:\"\n"
		       "production:\n  connection: ${MIG_UNSET}\n", NULL, NULL);
	orm_config_free(cfg);
	unsetenv("MIG_HOST");
	unsetenv("MIG_EMPTY");
}

static void test_config__connection_map(void **state)
{
	orm_config *cfg;
	const orm_config_db *db;

	(void)state;
	cfg = parse_ok("development:\n"
		       "  client: mysql\n"
		       "  connection:\n"
		       "    host: 127.0.0.1\n"
		       "    port: 3306\n"
		       "    username: r@t\n"
		       "    password: \"p:w/d?\"\n"
		       "    dbname: my db\n"
		       "    options: { ssl: \"off\", connect_timeout: 5 }\n",
		       NULL, NULL);
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	assert_int_equal(db->dialect, ORM_DIALECT_MARIADB);
	assert_string_equal(db->url, "mariadb://r%40t:p%3Aw%2Fd%3F@127.0.0.1:3306/my%20db?ssl=off&connect_timeout=5");
	orm_config_free(cfg);

	/* a bare file name with the sqlite client; absolute paths stay */
	cfg = parse_ok("development:\n  client: sqlite3\n  connection: /tmp/x.db\n", "a/b/ormtool.yaml", NULL);
	assert_string_equal(orm_config_db_at(cfg, 0)->url, "sqlite:/tmp/x.db");
	orm_config_free(cfg);

	parse_fail("development:\n  client: pg\n  connection:\n    host: h\n    pasword: x\n", NULL, ORM_EPARSE,
		   "conf/ormtool.yaml:5:5: unknown key 'pasword' in connection");
	parse_fail("development:\n  client: pg\n  connection:\n    port: 99999\n", NULL, ORM_EPARSE,
		   ":4:11: port '99999' is not a port number");
	parse_fail("development:\n  client: pg\n  connection: mariadb://u@h/db\n", NULL, ORM_EPARSE,
		   "does not match the connection URL");
	parse_fail("development:\n  client: oracle\n  connection: x\n", NULL, ORM_EPARSE,
		   ":2:11: unknown client 'oracle'");
	parse_fail("development:\n  connection:\n    host: h\n", NULL, ORM_EPARSE, "needs a client");
	parse_fail("development:\n  connection: [a]\n", NULL, ORM_EPARSE, "must be a URL or a mapping");
}

static void test_config__database_url(void **state)
{
	orm_config *cfg;

	(void)state;
	unsetenv("DATABASE_URL");
	parse_fail("development:\n  client: pg\n", NULL, ORM_EPARSE,
		   "environment 'development' has no connection and DATABASE_URL is not set");
	setenv("DATABASE_URL", "postgres://x@y/z", 1);
	cfg = parse_ok("development:\n  client: pg\n", NULL, NULL);
	assert_string_equal(orm_config_db_at(cfg, 0)->url, "postgres://x@y/z");
	orm_config_free(cfg);

	assert_int_equal(orm_config_from_url(&cfg, NULL, NULL), 0);
	assert_string_equal(orm_config_db_at(cfg, 0)->url, "postgres://x@y/z");
	assert_string_equal(orm_config_db_at(cfg, 0)->migrations_dir, "migrations");
	assert_string_equal(orm_config_path(cfg), "");
	orm_config_free(cfg);
	unsetenv("DATABASE_URL");
	assert_int_equal(orm_config_from_url(&cfg, NULL, NULL), ORM_EINVAL);
	assert_non_null(strstr(orm_config_errmsg(cfg), "DATABASE_URL"));
	orm_config_free(cfg);
	assert_int_equal(orm_config_from_url(&cfg, "sqlite::memory:", "db/m"), 0);
	assert_int_equal(orm_config_db_at(cfg, 0)->dialect, ORM_DIALECT_SQLITE);
	assert_string_equal(orm_config_db_at(cfg, 0)->migrations_dir, "db/m");
	assert_int_equal(orm_config_db_set_url(cfg, orm_config_db_at(cfg, 0), "mysql://a@b/c"), 0);
	assert_int_equal(orm_config_db_at(cfg, 0)->dialect, ORM_DIALECT_MARIADB);
	assert_int_equal(orm_config_db_set_url(cfg, orm_config_db_at(cfg, 0), "oracle://a"), ORM_EURL);
	orm_config_free(cfg);
	assert_int_equal(orm_config_from_url(&cfg, "http://x", NULL), ORM_EURL);
	orm_config_free(cfg);
}

static void test_config__errors_have_positions(void **state)
{
	(void)state;
	parse_fail("development:\n  client: pg\n   connection: x\n", NULL, ORM_EPARSE, "conf/ormtool.yaml:3:");
	parse_fail("development:\n  client: pg\n   connection: x\n", NULL, ORM_EPARSE, "YAML syntax error");
	parse_fail("development:\n  client: sqlite3\n  conection: x\n", NULL, ORM_EPARSE,
		   "conf/ormtool.yaml:3:3: unknown key 'conection' in an environment");
	parse_fail("development:\n  client: sqlite3\n  client: pg\n", NULL, ORM_EPARSE, ":3:3: duplicate key 'client'");
	parse_fail("- a\n- b\n", NULL, ORM_EPARSE, "must be a mapping of environments");
	parse_fail("", NULL, ORM_EPARSE, "the configuration is empty");
	parse_fail("development: 3\n", NULL, ORM_EPARSE, "environment 'development' must be a mapping");
	parse_fail("development:\n  connection: \"sqlite::memory:\"\n  migrations:\n    directory: m\n    tabel: x\n",
		   NULL, ORM_EPARSE, ":5:5: unknown key 'tabel' in migrations");
	parse_fail("development:\n  connection: \"sqlite::memory:\"\n  migrations:\n    table: \"bad name\"\n",
		   NULL, ORM_EPARSE, ":4:12: migrations table 'bad name' is not a valid name");
	parse_fail("development:\n  <<: *nope\n", NULL, ORM_EPARSE, "conf/ormtool.yaml:2:7:");
}

static void test_config__anchors_and_defaults(void **state)
{
	orm_config *cfg;
	const orm_config_db *db;

	(void)state;
	/* YAML merge keys, and top-level defaults inherited by every environment */
	cfg = parse_ok("migrations:\n"
		       "  directory: db/migrate\n"
		       "base: &base\n"
		       "  client: pg\n"
		       "  connection:\n"
		       "    host: base-host\n"
		       "    database: app\n"
		       "development:\n"
		       "  <<: *base\n"
		       "staging:\n"
		       "  <<: *base\n"
		       "  connection:\n"
		       "    host: staging-host\n"
		       "    database: app\n",
		       NULL, "staging");
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	assert_string_equal(db->url, "postgres://staging-host/app");
	assert_string_equal(db->migrations_dir, "db/migrate");
	orm_config_free(cfg);

	/* a flat file (no environments) serves any environment */
	cfg = parse_ok("client: sqlite3\nconnection: app.db\n", NULL, "whatever");
	assert_string_equal(orm_config_db_at(cfg, 0)->url, "sqlite:app.db");
	orm_config_free(cfg);
}

static void test_config__several_databases(void **state)
{
	static const char *const yaml =
		"production:\n"
		"  client: pg\n"
		"  databases:\n"
		"    main:\n"
		"      connection:\n"
		"        host: file-host\n"
		"        user: app\n"
		"    analytics:\n"
		"      client: mariadb\n"
		"      migrations:\n"
		"        directory: warehouse/migrations\n"
		"    cache-db:\n"
		"      client: sqlite3\n";
	orm_config *cfg;
	const orm_config_db *db;

	(void)state;
	setenv("MAIN_DB_HOST", "env-host", 1);
	setenv("MAIN_DB_PASSWORD", "s3cr:t", 1);
	setenv("ANALYTICS_DB_PORT", "3307", 1);
	setenv("ANALYTICS_DB_NAME", "dw", 1);
	setenv("CACHE_DB_DB_NAME", "/var/cache.db", 1);
	cfg = parse_ok(yaml, "/srv/app/ormtool.yaml", "production");
	assert_int_equal(orm_config_db_count(cfg), 3);

	/* several databases: no default */
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), ORM_EINVAL);
	assert_null(db);
	assert_non_null(strstr(orm_config_errmsg(cfg), "several databases (main, analytics, cache-db)"));
	assert_non_null(strstr(orm_config_errmsg(cfg), "--db NAME"));
	assert_int_equal(orm_config_db_select(&db, cfg, "nope"), ORM_ENOTFOUND);
	assert_non_null(strstr(orm_config_errmsg(cfg), "no database 'nope'"));

	assert_int_equal(orm_config_db_select(&db, cfg, "main"), 0);
	assert_string_equal(db->name, "main");
	assert_int_equal(db->dialect, ORM_DIALECT_POSTGRES); /* inherited client */
	/* environment variables override the file; the database name defaults to the key */
	assert_string_equal(db->url, "postgres://app:s3cr%3At@env-host/main");
	assert_string_equal(db->migrations_dir, "/srv/app/database/main/migrations");
	assert_string_equal(db->seeds_dir, "/srv/app/database/main/seeds");

	assert_int_equal(orm_config_db_select(&db, cfg, "analytics"), 0);
	assert_string_equal(db->url, "mariadb://localhost:3307/dw");
	assert_string_equal(db->migrations_dir, "/srv/app/warehouse/migrations");
	assert_string_equal(db->seeds_dir, "/srv/app/database/analytics/seeds");

	assert_int_equal(orm_config_db_select(&db, cfg, "cache-db"), 0);
	assert_string_equal(db->url, "sqlite:/var/cache.db");
	orm_config_free(cfg);
	unsetenv("MAIN_DB_HOST");
	unsetenv("MAIN_DB_PASSWORD");
	unsetenv("ANALYTICS_DB_PORT");
	unsetenv("ANALYTICS_DB_NAME");
	unsetenv("CACHE_DB_DB_NAME");

	/* one entry under databases: it is the default */
	cfg = parse_ok("databases:\n  only:\n    client: sqlite3\n", NULL, NULL);
	assert_int_equal(orm_config_db_select(&db, cfg, NULL), 0);
	assert_string_equal(db->url, "sqlite:only.sqlite3");
	orm_config_free(cfg);

	parse_fail("databases:\n  x:\n    connection: {host: h}\n", NULL, ORM_EPARSE, "database 'x' has no client");
	parse_fail("databases:\n  \"a b\":\n    client: pg\n", NULL, ORM_EPARSE, ":2:3: database name 'a b'");
	parse_fail("databases:\n  a:\n    client: pg\n    pool: 3\n", NULL, ORM_EPARSE, ":4:5: unknown key 'pool' in a database");
}

static void test_config__load_and_find(void **state)
{
	char tmpl[] = "/tmp/mig_cfg_XXXXXX";
	char *root = mkdtemp(tmpl);
	char sub[PATH_MAX], file[PATH_MAX], cwd[PATH_MAX];
	orm_buf found = ORM_BUF_INIT;
	orm_config *cfg = NULL;
	FILE *f;

	(void)state;
	assert_non_null(root);
	snprintf(sub, sizeof(sub), "%s/a/b", root);
	snprintf(file, sizeof(file), "%s/a", root);
	assert_int_equal(mkdir(file, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(file, sizeof(file), "%s/ormtool.yaml", root);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("development:\n  client: sqlite3\n  connection: {filename: app.db}\n", f);
	fclose(f);

	/* found from a subfolder, in a parent */
	assert_int_equal(orm_config_find(&found, sub), 0);
	assert_non_null(strstr(found.ptr, "/ormtool.yaml"));
	assert_int_equal(orm_config_load(&cfg, found.ptr, NULL), 0);
	assert_non_null(strstr(orm_config_db_at(cfg, 0)->url, "/app.db"));
	assert_string_equal(orm_config_path(cfg), found.ptr);
	orm_config_free(cfg);

	/* from the current folder */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sub), 0);
	orm_buf_clear(&found);
	assert_int_equal(orm_config_find(&found, NULL), 0);
	assert_int_equal(chdir(cwd), 0);
	orm_buf_dispose(&found);

	/* a missing file: ORM_EIO with the path */
	snprintf(file, sizeof(file), "%s/none.yaml", root);
	assert_int_equal(orm_config_load(&cfg, file, NULL), ORM_EIO);
	assert_non_null(strstr(orm_config_errmsg(cfg), "none.yaml"));
	orm_config_free(cfg);

	snprintf(file, sizeof(file), "%s/ormtool.yaml", root);
	unlink(file);
	assert_int_equal(orm_config_find(&found, sub), ORM_ENOTFOUND);
	orm_buf_dispose(&found);
	rmdir(sub);
	snprintf(file, sizeof(file), "%s/a", root);
	rmdir(file);
	rmdir(root);
	orm_config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__environments),
		cmocka_unit_test(test_config__missing_environment),
		cmocka_unit_test(test_config__interpolation),
		cmocka_unit_test(test_config__connection_map),
		cmocka_unit_test(test_config__database_url),
		cmocka_unit_test(test_config__errors_have_positions),
		cmocka_unit_test(test_config__anchors_and_defaults),
		cmocka_unit_test(test_config__several_databases),
		cmocka_unit_test(test_config__load_and_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
