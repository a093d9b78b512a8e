/*
 * Unit tests of migration sources: the SQL splitter, SHA-256, SQL and
 * YAML migration files (and their errors with FILE:LINE:COL), file names
 * and ordering, `migrate make`. No server needed: the migrator runs on
 * sqlite::memory: for the loading tests.
 */
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migrate/migrate_internal.h"

/* ---- SQL splitter ---- */

static void split_expect(const char *sql, orm_dialect d, const char *const *want, size_t n)
{
	orm__sql_stmts st = { NULL, 0, 0 };
	size_t i;

	assert_int_equal(orm__sql_split(&st, sql, strlen(sql), d, 1), 0);
	if (st.n != n)
		for (i = 0; i < st.n; i++)
			print_error("stmt %zu: [%s]\n", i, st.items[i].sql);
	assert_int_equal(st.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(st.items[i].sql, want[i]);
	orm__sql_stmts_dispose(&st);
}

static void test_split__basics(void **state)
{
	(void)state;
	{
		const char *w[] = { "CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)" };
		split_expect("-- comment\nCREATE TABLE a (x int);\n\n  INSERT INTO a VALUES (1);\n-- trailing\n",
			     ORM_DIALECT_SQLITE, w, 2);
	}
	{
		/* semicolons inside strings, identifiers and comments */
		const char *w[] = { "SELECT 'a;b', \"c;d\" /* e;f */ FROM t", "SELECT 'it''s;'" };
		split_expect("SELECT 'a;b', \"c;d\" /* e;f */ FROM t; SELECT 'it''s;'", ORM_DIALECT_POSTGRES, w, 2);
	}
	{
		/* MariaDB: backslash escapes, backticks, # comments */
		const char *w[] = { "INSERT INTO `a;b` VALUES ('x\\';y')", "SELECT 1" };
		split_expect("# c;omment\nINSERT INTO `a;b` VALUES ('x\\';y');\nSELECT 1", ORM_DIALECT_MARIADB, w, 2);
	}
	{
		/* only comments: nothing */
		split_expect("-- nothing;\n/* at ; all */\n", ORM_DIALECT_SQLITE, NULL, 0);
	}
}

static void test_split__bodies(void **state)
{
	(void)state;
	{
		/* PostgreSQL dollar quotes */
		const char *w[] = {
			"CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql",
			"CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
			"SELECT 2"
		};
		split_expect("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql;\n"
			     "CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT 2;",
			     ORM_DIALECT_POSTGRES, w, 3);
	}
	{
		/* SQLite trigger bodies, with CASE ... END inside */
		const char *w[] = {
			"CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 ELSE 3 END; "
			"DELETE FROM b; END",
			"SELECT 1"
		};
		split_expect("CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 ELSE 3 END; "
			     "DELETE FROM b; END;\nSELECT 1;", ORM_DIALECT_SQLITE, w, 2);
	}
	{
		/* MariaDB DELIMITER lines and compound statements */
		const char *w[] = {
			"CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; SELECT 2; END",
			"CALL p()"
		};
		split_expect("DELIMITER //\nCREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; SELECT 2; END//\n"
			     "DELIMITER ;\nCALL p();\n", ORM_DIALECT_MARIADB, w, 2);
		split_expect("CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; SELECT 2; END;\nCALL p();\n",
			     ORM_DIALECT_MARIADB, w, 2);
	}
}

static void test_split__lines(void **state)
{
	orm__sql_stmts st = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(orm__sql_split(&st, "\n\nSELECT 1;\n-- x\nSELECT\n2;", 20, ORM_DIALECT_SQLITE, 10), 0);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.items[0].line, 12);
	assert_int_equal(st.items[1].line, 14);
	orm__sql_stmts_dispose(&st);
}

/* ---- hashing ---- */

static void test_hash__sha256(void **state)
{
	char hex[65];
	char *big;

	(void)state;
	orm__sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	orm__sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	orm__sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	orm__sha256_hex(big, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(big);
	assert_true(orm__fnv1a64(ORM__FNV_INIT, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
}

/* ---- SQL migration files ---- */

static int sql_parse(const char *text, orm__mig_ops *up, orm__mig_ops *down, int *has_down, int *no_tx,
		     orm_buf *err)
{
	return orm__sql_migration_parse(text, strlen(text), "m/20240101000000_x.sql", ORM_DIALECT_SQLITE, up, down,
					has_down, no_tx, err);
}

static void test_sql__sections(void **state)
{
	orm__mig_ops up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
	orm_buf err = ORM_BUF_INIT;
	int has_down, no_tx;

	(void)state;
	assert_int_equal(sql_parse("-- a comment\n-- migrate:up\nCREATE TABLE a (x int);\nCREATE INDEX ai ON a (x);\n\n"
				   "-- migrate:down\nDROP TABLE a;\n", &up, &down, &has_down, &no_tx, &err), 0);
	assert_int_equal(up.n, 2);
	assert_int_equal(up.items[0].kind, ORM__OP_SQL);
	assert_string_equal(up.items[0].sql, "CREATE TABLE a (x int)");
	assert_int_equal(up.items[0].line, 3);
	assert_int_equal(up.items[1].line, 4);
	assert_int_equal(down.n, 1);
	assert_string_equal(down.items[0].sql, "DROP TABLE a");
	assert_int_equal(down.items[0].line, 7);
	assert_int_equal(has_down, 1);
	assert_int_equal(no_tx, 0);
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);

	/* down first, no-transaction, an empty down */
	assert_int_equal(sql_parse("-- migrate:no-transaction\n-- migrate:down\n-- migrate:up\nSELECT 1;\n",
				   &up, &down, &has_down, &no_tx, &err), 0);
	assert_int_equal(up.n, 1);
	assert_int_equal(down.n, 0);
	assert_int_equal(has_down, 1);
	assert_int_equal(no_tx, 1);
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);

	/* dbmate spelling; no down section: irreversible */
	assert_int_equal(sql_parse("-- migrate:up transaction:false\nSELECT 1;", &up, &down, &has_down, &no_tx, &err), 0);
	assert_int_equal(no_tx, 1);
	assert_int_equal(has_down, 0);
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);
	orm_buf_dispose(&err);
}

static void sql_fail(const char *text, const char *needle)
{
	orm__mig_ops up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
	orm_buf err = ORM_BUF_INIT;
	int has_down, no_tx, rc;

	rc = sql_parse(text, &up, &down, &has_down, &no_tx, &err);
	if (rc != ORM_EPARSE || !err.ptr || !strstr(err.ptr, needle))
		print_error("rc %d message [%s], wanted [%s]\n", rc, err.ptr ? err.ptr : "", needle);
	assert_int_equal(rc, ORM_EPARSE);
	assert_non_null(strstr(err.ptr, needle));
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);
	orm_buf_dispose(&err);
}

static void test_sql__errors(void **state)
{
	(void)state;
	sql_fail("CREATE TABLE a (x int);\n", "m/20240101000000_x.sql:1:1: no -- migrate:up section");
	sql_fail("SELECT 1;\n-- migrate:up\nSELECT 2;\n", "m/20240101000000_x.sql:1:1: SQL before the first");
	sql_fail("-- migrate:up\nSELECT 1;\n-- migrate:upp\n", "m/20240101000000_x.sql:3:12: unknown directive -- migrate:upp");
	sql_fail("-- migrate:up\n-- migrate:down\n-- migrate:up\n", ":3:1: a second -- migrate:up section");
	sql_fail("-- migrate:up transaction:maybe\n", ":1:15: unknown option after -- migrate:up");
}

/* ---- YAML migration files ---- */

static int yaml_parse(const char *text, orm_dialect d, orm__mig_ops *up, orm__mig_ops *down, int *has_down,
		      int *no_tx, orm_buf *err)
{
	return orm__yaml_migration_parse(text, strlen(text), "m/20240101000000_x.yaml", d, up, down, has_down, no_tx,
					 err);
}

static void ddl_contains(const orm__mig_op *op, orm_dialect d, const char *needle)
{
	orm_sql_list l = ORM_SQL_LIST_INIT;
	size_t i;
	int found = 0;

	assert_int_equal(orm_schema_ddl(&l, d, op->table, op->flags), 0);
	for (i = 0; i < l.count; i++)
		if (strstr(l.items[i], needle))
			found = 1;
	if (!found)
		for (i = 0; i < l.count; i++)
			print_error("ddl %zu: %s\n", i, l.items[i]);
	assert_true(found);
	orm_sql_list_dispose(&l);
}

static const char *const yaml_full =
	"transaction: false\n"
	"up:\n"
	"  - create_table:\n"
	"      name: mig_authors\n"
	"      columns:\n"
	"        - { name: id, type: increments }\n"
	"        - { name: name, type: string(120), not_null: true, unique: true }\n"
	"        - { name: rating, type: \"decimal(5,2)\", default: \"1.50\" }\n"
	"        - { name: active, type: boolean, default: true }\n"
	"        - { name: kind, type: enum, values: [a, b] }\n"
	"      timestamps: true\n"
	"      indexes: [[name, rating]]\n"
	"  - create_table:\n"
	"      name: mig_books\n"
	"      columns:\n"
	"        id: big_increments\n"
	"        title: { type: text, nullable: false }\n"
	"        author_id: { type: integer, references: mig_authors.id, on_delete: cascade }\n"
	"  - add_index: { table: mig_books, columns: [title], unique: true }\n"
	"  - raw: { sqlite: \"SELECT 'sqlite'; SELECT 2\", postgres: \"SELECT 'pg'\", mariadb: ~ }\n"
	"  - sql: |\n"
	"      INSERT INTO mig_authors (name) VALUES ('x');\n"
	"  - rename_table: { from: mig_books, to: mig_volumes }\n"
	"  - alter_table:\n"
	"      name: mig_volumes\n"
	"      add_columns:\n"
	"        - { name: pages, type: integer, default: 0, not_null: true }\n"
	"      drop_columns: [title]\n"
	"down:\n"
	"  - drop_table: { name: mig_volumes, if_exists: true }\n"
	"  - drop_table: mig_authors\n";

static void test_yaml__operations(void **state)
{
	orm__mig_ops up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
	orm_buf err = ORM_BUF_INIT;
	int has_down, no_tx, rc;

	(void)state;
	rc = yaml_parse(yaml_full, ORM_DIALECT_SQLITE, &up, &down, &has_down, &no_tx, &err);
	if (rc)
		print_error("%s\n", err.ptr);
	assert_int_equal(rc, 0);
	assert_int_equal(no_tx, 1);
	assert_int_equal(has_down, 1);
	/* create, create, add_index, raw x2 (sqlite has two statements), sql, rename, alter */
	assert_int_equal(up.n, 8);
	assert_int_equal(up.items[0].kind, ORM__OP_CREATE_TABLE);
	assert_int_equal(up.items[0].line, 3);
	assert_non_null(strstr(up.items[0].desc, "create_table mig_authors"));
	assert_non_null(strstr(up.items[0].ident, "name: mig_authors"));
	ddl_contains(&up.items[0], ORM_DIALECT_POSTGRES, "varchar(120)");
	ddl_contains(&up.items[0], ORM_DIALECT_POSTGRES, "numeric(5,2)");
	ddl_contains(&up.items[0], ORM_DIALECT_POSTGRES, "\"updated_at\"");
	assert_int_equal(up.items[1].kind, ORM__OP_CREATE_TABLE);
	ddl_contains(&up.items[1], ORM_DIALECT_POSTGRES, "ON DELETE CASCADE");
	assert_int_equal(up.items[2].kind, ORM__OP_ALTER_TABLE);
	assert_int_equal(up.items[3].kind, ORM__OP_SQL);
	assert_string_equal(up.items[3].sql, "SELECT 'sqlite'");
	assert_string_equal(up.items[4].sql, "SELECT 2");
	assert_string_equal(up.items[5].sql, "INSERT INTO mig_authors (name) VALUES ('x')");
	assert_int_equal(up.items[5].line, 22);
	assert_int_equal(up.items[6].kind, ORM__OP_RENAME_TABLE);
	assert_string_equal(up.items[6].a, "mig_books");
	assert_string_equal(up.items[6].b, "mig_volumes");
	assert_int_equal(up.items[7].kind, ORM__OP_ALTER_TABLE);
	assert_int_equal(down.n, 2);
	assert_int_equal(down.items[0].kind, ORM__OP_DROP_TABLE);
	assert_int_equal(down.items[0].flags, ORM_SCHEMA_IF_EXISTS);
	assert_string_equal(down.items[1].a, "mig_authors");
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);

	/* raw per dialect: ~ means nothing on MariaDB */
	assert_int_equal(yaml_parse(yaml_full, ORM_DIALECT_MARIADB, &up, &down, &has_down, &no_tx, &err), 0);
	assert_int_equal(up.n, 6);
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);
	assert_int_equal(yaml_parse(yaml_full, ORM_DIALECT_POSTGRES, &up, &down, &has_down, &no_tx, &err), 0);
	assert_int_equal(up.n, 7);
	assert_string_equal(up.items[3].sql, "SELECT 'pg'");
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);
	orm_buf_dispose(&err);
}

static void yaml_fail(const char *text, const char *needle)
{
	orm__mig_ops up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
	orm_buf err = ORM_BUF_INIT;
	int has_down, no_tx, rc;

	rc = yaml_parse(text, ORM_DIALECT_POSTGRES, &up, &down, &has_down, &no_tx, &err);
	if (rc != ORM_EPARSE || !err.ptr || !strstr(err.ptr, needle))
		print_error("rc %d message [%s], wanted [%s]\n", rc, err.ptr ? err.ptr : "", needle);
	assert_int_equal(rc, ORM_EPARSE);
	assert_non_null(strstr(err.ptr, needle));
	orm__mig_ops_dispose(&up);
	orm__mig_ops_dispose(&down);
	orm_buf_dispose(&err);
}

static void test_yaml__errors(void **state)
{
	(void)state;
	yaml_fail("up:\n  - create_table:\n      name: t\n     columns: x\n", "m/20240101000000_x.yaml:4:");
	yaml_fail("up:\n  - create_tabel: { name: t }\n", "m/20240101000000_x.yaml:2:5: unknown operation 'create_tabel'");
	yaml_fail("up:\n  - create_table:\n      name: t\n      columns:\n        - { name: id, type: integr }\n",
		  ":5:29: unknown column type 'integr'");
	yaml_fail("up:\n  - create_table:\n      name: t\n      columns:\n        - { name: \"bad name\", type: text }\n",
		  ":5:19: column name 'bad name' is not a valid name");
	yaml_fail("up:\n  - create_table:\n      name: 1t\n      columns: { a: text }\n", ":3:13: table name '1t'");
	yaml_fail("up:\n  - create_table:\n      name: t\n      columns:\n        - { name: a, type: text, nul: true }\n",
		  ":5:34: unknown key 'nul' in a column");
	yaml_fail("up:\n  - drop_table: t\n    oops: 1\n", ":2:5: each step must be a mapping with one operation");
	yaml_fail("down:\n  - drop_table: t\n", "needs an up: list");
	yaml_fail("up: []\nupp: []\n", ":2:1: unknown key 'upp' in a migration");
	yaml_fail("up:\n  - raw: { sqlite: \"SELECT 1\" }\n", ":2:10: raw has no SQL for postgres");
	yaml_fail("up:\n  - create_table: { name: t, columns: { a: { type: integer, default: abc } } }\n",
		  "default of an integer column must be an integer");
	yaml_fail("up:\n  - create_table: { name: t, columns: { a: { type: integer, on_delete: cascade } } }\n",
		  "on_delete / on_update need references");
	yaml_fail("up:\n  - alter_table: { name: t, drop_columns: [] }\n", "drop_columns must be a column name or a list");
	yaml_fail("transaction: maybe\nup: []\n", ":1:14: transaction must be true or false");
	yaml_fail("up:\n  - create_table: { name: t, columns: { a: { type: string(abc) } } }\n",
		  "bad arguments in column type 'string(abc)'");
	yaml_fail("up:\n  - add_foreign_key: { table: t, columns: [a, b], references: { table: u, columns: [id] } }\n",
		  "a foreign key of 2 column(s) references 1 column(s)");
}

/* ---- files, names, ordering, make ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void clear_dir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mig_files_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	clear_dir();
	rmdir(tmpdir);
	return 0;
}

static int noop_fn(orm_migration_ctx *ctx, void *payload)
{
	(void)ctx;
	(void)payload;
	return 0;
}

static void test_files__order_and_names(void **state)
{
	orm_conn *db = NULL;
	orm_migrator *m = NULL;
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	const orm_migration_info *info;
	size_t n;
	static const orm_migration_def cmigs[] = {
		{ "20240101000002_c_in_the_middle", noop_fn, NULL, 0 },
	};

	(void)state;
	clear_dir();
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	write_file("20240101000010_b.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n");
	write_file("20240101000001_z.yaml", "up: []\ndown: []\n");
	write_file("20240101000010_a.yml", "up: []\n");
	write_file("README.md", "not a migration");
	write_file(".hidden.sql", "junk");
	o.directory = tmpdir;
	o.migrations = cmigs;
	o.nmigrations = 1;
	o.table = "mig_unit_migrations";
	assert_orm_ok(db, orm_migrator_new(&m, db, &o));
	assert_orm_ok(db, orm_migrator_status(m, &info, &n));
	assert_int_equal(n, 4);
	/* by time stamp, then name; C migrations interleave */
	assert_string_equal(info[0].name, "20240101000001_z");
	assert_string_equal(info[0].format, "yaml");
	assert_string_equal(info[1].name, "20240101000002_c_in_the_middle");
	assert_string_equal(info[1].format, "c");
	assert_string_equal(info[1].path, "");
	assert_string_equal(info[1].checksum, "");
	assert_string_equal(info[2].name, "20240101000010_a");
	assert_string_equal(info[3].name, "20240101000010_b");
	assert_int_equal(info[3].state, ORM_MIGRATION_PENDING);
	assert_int_equal(strlen(info[3].checksum), 64);
	assert_int_equal(info[3].batch, 0);
	assert_string_equal(orm_migration_state_name(info[3].state), "pending");
	orm_migrator_free(m);
	m = NULL;
	{
		/* status never creates the bookkeeping table */
		int exists = 1;
		assert_orm_ok(db, orm_schema_has_table(&exists, db, "mig_unit_migrations"));
		assert_int_equal(exists, 0);
	}

	/* a bad name is an error naming the file */
	write_file("2024010100001_short.sql", "-- migrate:up\n");
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EPARSE);
	assert_non_null(strstr(orm_migrator_errmsg(m), "2024010100001_short.sql: bad migration file name"));
	orm_migrator_free(m);
	clear_dir();
	write_file("20241301000000_bad_month.sql", "-- migrate:up\n");
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EPARSE);
	assert_non_null(strstr(orm_migrator_errmsg(m), "20241301000000_bad_month.sql"));
	orm_migrator_free(m);
	clear_dir();
	write_file("20240101000000_has-dash.sql", "-- migrate:up\n");
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EPARSE);
	orm_migrator_free(m);

	/* two files with one name */
	clear_dir();
	write_file("20240101000000_same.sql", "-- migrate:up\n");
	write_file("20240101000000_same.yaml", "up: []\n");
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "two migrations are named 20240101000000_same"));
	orm_migrator_free(m);

	/* a syntax error in any file fails before anything runs, with its position */
	clear_dir();
	write_file("20240101000000_ok.sql", "-- migrate:up\nSELECT 1;\n");
	write_file("20240101000001_broken.yaml", "up:\n  - create_table: [\n");
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EPARSE);
	assert_non_null(strstr(orm_migrator_errmsg(m), "20240101000001_broken.yaml:3:1: YAML syntax error"));
	/* the message is on the connection too */
	assert_non_null(strstr(orm_conn_errmsg(db), "20240101000001_broken.yaml"));
	orm_migrator_free(m);

	/* a missing folder */
	o.directory = "/nonexistent/mig";
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EIO);
	assert_non_null(strstr(orm_migrator_errmsg(m), "/nonexistent/mig"));
	orm_migrator_free(m);

	/* bad C migration names */
	{
		static const orm_migration_def bad[] = { { "create_users", noop_fn, NULL, 0 } };
		o.directory = NULL;
		o.migrations = bad;
		assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EPARSE);
		assert_non_null(strstr(orm_migrator_errmsg(m), "bad name 'create_users'"));
		orm_migrator_free(m);
	}
	o.table = "bad table";
	o.migrations = NULL;
	o.nmigrations = 0;
	assert_int_equal(orm_migrator_new(&m, db, &o), ORM_EINVAL);
	orm_migrator_free(m);
	orm_migrator_free(NULL);
	orm_close(db);
}

static void test_files__make(void **state)
{
	orm_buf path = ORM_BUF_INIT, err = ORM_BUF_INIT;
	orm_conn *db = NULL;
	orm_migrator *m = NULL;
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	const orm_migration_info *info;
	char sub[PATH_MAX];
	const char *base;
	size_t n;

	(void)state;
	clear_dir();
	snprintf(sub, sizeof(sub), "%s/made", tmpdir);
	assert_int_equal(orm_migration_make(&path, sub, "create_widgets", NULL, &err), 0);
	base = strrchr(path.ptr, '/') + 1;
	/* YYYYMMDDHHMMSS_create_widgets.yaml, the current UTC time */
	assert_int_equal(strlen(base), 14 + strlen("_create_widgets.yaml"));
	assert_memory_equal(base + 14, "_create_widgets.yaml", 20);
	{
		time_t t = time(NULL);
		struct tm tm;
		char year[5];
		gmtime_r(&t, &tm);
		strftime(year, sizeof(year), "%Y", &tm);
		assert_memory_equal(base, year, 4);
	}
	orm_buf_clear(&path);
	assert_int_equal(orm_migration_make(&path, sub, "fix_data", "sql", &err), 0);
	assert_non_null(strstr(path.ptr, "_fix_data.sql"));
	assert_int_equal(orm_migration_make(NULL, sub, "bad-name", NULL, &err), ORM_EINVAL);
	assert_non_null(strstr(err.ptr, "bad-name"));
	orm_buf_clear(&err);
	assert_int_equal(orm_migration_make(NULL, sub, "x", "json", &err), ORM_EINVAL);

	/* the templates are valid migrations */
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	o.directory = sub;
	assert_orm_ok(db, orm_migrator_new(&m, db, &o));
	assert_orm_ok(db, orm_migrator_status(m, &info, &n));
	assert_int_equal(n, 2);
	assert_orm_ok(db, orm_migrator_latest(m, NULL));
	{
		int exists = 0;
		assert_orm_ok(db, orm_schema_has_table(&exists, db, "widgets"));
		assert_int_equal(exists, 1);
	}
	orm_migrator_free(m);
	orm_close(db);
	{
		DIR *d = opendir(sub);
		struct dirent *de;
		char p[PATH_MAX + 300];
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", sub, de->d_name);
				unlink(p);
			}
		if (d)
			closedir(d);
		rmdir(sub);
	}
	orm_buf_dispose(&path);
	orm_buf_dispose(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split__basics),
		cmocka_unit_test(test_split__bodies),
		cmocka_unit_test(test_split__lines),
		cmocka_unit_test(test_hash__sha256),
		cmocka_unit_test(test_sql__sections),
		cmocka_unit_test(test_sql__errors),
		cmocka_unit_test(test_yaml__operations),
		cmocka_unit_test(test_yaml__errors),
		cmocka_unit_test(test_files__order_and_names),
		cmocka_unit_test(test_files__make),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
