/*
 * Integration tests of the migration engine on SQLite, PostgreSQL and
 * MariaDB (one process per database, through tests/integration/run.sh).
 *
 * Tables are prefixed mig_ and the bookkeeping table is mig_migrations, so
 * that other test programs can use the same servers at the same time. On
 * SQLite the tests use a file of their own (two connections are needed).
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TABLE "mig_migrations"

static char url[PATH_MAX + 16];
static char sqlite_dir[64];
static char migdir[PATH_MAX];
static orm_dialect dialect;

/* ---- helpers ---- */

static orm_conn *connect_db(void)
{
	orm_conn *c = NULL;
	int rc = orm_open(&c, url);

	if (rc)
		print_error("orm_open(%s): %s\n", url, orm_conn_errmsg(c));
	assert_int_equal(rc, 0);
	return c;
}

static void drop_all(orm_conn *c)
{
	static const char *const tables[] = {
		"mig_fail_b", "mig_fail_a", "mig_books", "mig_authors", "mig_c_items", "mig_kill", "mig_nt",
		TABLE, TABLE "_progress", NULL
	};
	size_t i;

	for (i = 0; tables[i]; i++)
		orm_schema_drop_table(c, tables[i], ORM_SCHEMA_IF_EXISTS);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 300];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[4096];
	size_t n;

	if (!in)
		print_error("cannot open %s\n", from);
	assert_non_null(in);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/* A fresh migrations folder holding the named fixture files ("set/file"). */
static void fixture(const char *const *files)
{
	const char *src = getenv("ORM_TEST_SRCDIR");
	char from[PATH_MAX], to[PATH_MAX + 300];
	size_t i;

	rm_dir(migdir);
	assert_int_equal(mkdir(migdir, 0700), 0);
	for (i = 0; files && files[i]; i++) {
		const char *base = strrchr(files[i], '/');
		snprintf(from, sizeof(from), "%s/tests/migrations/%s", src ? src : "..", files[i]);
		snprintf(to, sizeof(to), "%s/%s", migdir, base ? base + 1 : files[i]);
		copy_file(from, to);
	}
}

static void add_fixture(const char *file)
{
	const char *src = getenv("ORM_TEST_SRCDIR");
	const char *base = strrchr(file, '/');
	char from[PATH_MAX], to[PATH_MAX + 300];

	snprintf(from, sizeof(from), "%s/tests/migrations/%s", src ? src : "..", file);
	snprintf(to, sizeof(to), "%s/%s", migdir, base ? base + 1 : file);
	copy_file(from, to);
}

static void write_mig(const char *name, const char *text)
{
	char p[PATH_MAX + 300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", migdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_mig(const char *name)
{
	char p[PATH_MAX + 300];

	snprintf(p, sizeof(p), "%s/%s", migdir, name);
	assert_int_equal(unlink(p), 0);
}

static const char *const basic[] = {
	"basic/20240101000001_create_authors.yaml", "basic/20240101000002_create_books.yaml",
	"basic/20240101000003_seed_authors.sql", "basic/20240101000004_alter_books.yaml", NULL
};

struct events {
	orm_buf sql;      /* every statement, one per line */
	int lock_waits;
	int resumes;
	int done;
	orm_buf lock_msg;
};

static void on_event(const orm_migrate_event *ev, void *payload)
{
	struct events *e = payload;

	switch (ev->kind) {
	case ORM_MIGRATE_EV_STATEMENT:
		orm_buf_printf(&e->sql, "%s\n", ev->sql);
		break;
	case ORM_MIGRATE_EV_LOCK_WAIT:
		e->lock_waits++;
		orm_buf_printf(&e->lock_msg, "%s\n", ev->message);
		break;
	case ORM_MIGRATE_EV_RESUME:
		e->resumes++;
		break;
	case ORM_MIGRATE_EV_DONE:
		e->done++;
		break;
	default:
		break;
	}
}

static void events_dispose(struct events *e)
{
	orm_buf_dispose(&e->sql);
	orm_buf_dispose(&e->lock_msg);
	memset(e, 0, sizeof(*e));
}

static orm_migrator *migrator(orm_conn *c, orm_migrate_opts *o)
{
	orm_migrator *m = NULL;
	int rc;

	o->directory = migdir;
	o->table = TABLE;
	rc = orm_migrator_new(&m, c, o);
	if (rc)
		print_error("orm_migrator_new: %s\n", orm_migrator_errmsg(m));
	assert_int_equal(rc, 0);
	return m;
}

#define assert_mig_ok(m, expr) do { \
	int rc__ = (expr); \
	if (rc__ != 0) \
		print_error("%s: %d %s\n", #expr, rc__, orm_migrator_errmsg(m)); \
	assert_int_equal(rc__, 0); \
} while (0)

#define assert_mig_rc(m, expr, code) do { \
	int rc__ = (expr); \
	if (rc__ != (code)) \
		print_error("%s: %d %s (wanted %d)\n", #expr, rc__, orm_migrator_errmsg(m), (code)); \
	assert_int_equal(rc__, (code)); \
} while (0)

static int has_table(orm_conn *c, const char *t)
{
	int exists = -1;

	assert_orm_ok(c, orm_schema_has_table(&exists, c, t));
	return exists;
}

static int64_t count_rows(orm_conn *c, const char *sql)
{
	int64_t n = -1;

	assert_orm_ok(c, orm_query_int(c, &n, sql, NULL, 0));
	return n;
}

/* Names of the mig_ tables and views, sorted, comma separated. */
static void mig_tables(orm_conn *c, orm_buf *out)
{
	orm_schema_info *s = NULL;
	size_t i;

	orm_buf_clear(out);
	orm_buf_puts(out, "");
	assert_orm_ok(c, orm_schema_inspect(&s, c, NULL));
	for (i = 0; i < orm_schema_info_count(s); i++) {
		const char *n = orm_schema_info_table(s, i)->name;
		if (!strncmp(n, "mig_", 4))
			orm_buf_printf(out, "%s,", n);
	}
	orm_schema_info_free(s);
}

static const orm_migration_info *find_info(const orm_migration_info *info, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(info[i].name, name))
			return &info[i];
	return NULL;
}

static int64_t elapsed_ms(const struct timeval *t0)
{
	struct timeval t1;

	gettimeofday(&t1, NULL);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_usec - t0->tv_usec) / 1000;
}

static int setup(void **state)
{
	orm_conn *c;

	(void)state;
	snprintf(migdir, sizeof(migdir), "/tmp/mig_it_%ld", (long)getpid());
	if (dialect == ORM_DIALECT_SQLITE) {
		/* a file: the lock tests need two connections */
		snprintf(sqlite_dir, sizeof(sqlite_dir), "/tmp/mig_db_XXXXXX");
		if (!mkdtemp(sqlite_dir))
			return -1;
		snprintf(url, sizeof(url), "sqlite:%s/test.db", sqlite_dir);
	}
	c = connect_db();
	drop_all(c);
	orm_close(c);
	return 0;
}

static int teardown(void **state)
{
	orm_conn *c = connect_db();

	(void)state;
	drop_all(c);
	orm_close(c);
	rm_dir(migdir);
	if (dialect == ORM_DIALECT_SQLITE) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/test.db", sqlite_dir);
		unlink(p);
		rmdir(sqlite_dir);
	}
	return 0;
}

/* ---- tests ---- */

static void test_migrate__round_trip(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	const orm_migration_info *info;
	size_t n, i;
	int count = -1;

	(void)state;
	fixture(basic);
	m = migrator(c, &o);
	/* status and list read: they never create the bookkeeping table */
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_int_equal(info[i].state, ORM_MIGRATION_PENDING);
	assert_int_equal(has_table(c, TABLE), 0);

	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, 4);
	assert_int_equal(has_table(c, "mig_authors"), 1);
	assert_int_equal(has_table(c, "mig_books"), 1);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_authors"), 2);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_books WHERE isbn = '978-0' AND name = 'First'"), 1);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE " WHERE batch = 1 AND checksum IS NOT NULL"), 4);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	for (i = 0; i < n; i++) {
		assert_int_equal(info[i].state, ORM_MIGRATION_APPLIED);
		assert_int_equal(info[i].batch, 1);
		assert_int_equal(strlen(info[i].applied_at), 19);
		assert_string_equal(info[i].checksum, info[i].applied_checksum);
		assert_true(info[i].duration_ms >= 0);
	}
	/* latest again: nothing to do */
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, 0);

	/* rollback: the last batch, newest first */
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 0, &count));
	assert_int_equal(count, 4);
	assert_int_equal(has_table(c, "mig_authors"), 0);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 0);

	/* up, up (each its own batch), to, down */
	assert_mig_ok(m, orm_migrator_up(m, NULL));
	assert_mig_ok(m, orm_migrator_up(m, NULL));
	assert_int_equal(count_rows(c, "SELECT MAX(batch) FROM " TABLE), 2);
	assert_mig_ok(m, orm_migrator_to(m, "20240101000004", &count));
	assert_int_equal(count, 2);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE " WHERE batch = 3"), 2);
	assert_mig_ok(m, orm_migrator_to(m, "create_authors", &count));
	assert_int_equal(count, 3);
	assert_int_equal(has_table(c, "mig_books"), 0);
	assert_int_equal(has_table(c, "mig_authors"), 1);
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, 3);
	/* rollback --step 2, then down NAME, then rollback --all */
	assert_mig_ok(m, orm_migrator_rollback(m, 2, 0, &count));
	assert_int_equal(count, 2);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 2);
	assert_mig_ok(m, orm_migrator_down(m, "20240101000002_create_books.yaml"));
	assert_int_equal(has_table(c, "mig_books"), 0);
	assert_mig_rc(m, orm_migrator_down(m, "20240101000002_create_books"), ORM_EINVAL);
	assert_mig_rc(m, orm_migrator_up(m, "no_such"), ORM_ENOTFOUND);
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, &count));
	assert_int_equal(count, 4);
	assert_int_equal(has_table(c, "mig_authors"), 0);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 0);
	orm_migrator_free(m);
	orm_close(c);
}

/* The same YAML gives the same schema on every dialect (checked against one expectation). */
static void test_migrate__same_yaml_everywhere(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	orm_table_info_handle *h = NULL;
	const orm_table_info *t;
	const orm_col_info *col;

	(void)state;
	fixture(basic);
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	assert_orm_ok(c, orm_schema_inspect_table(&h, c, "mig_books"));
	t = orm_table_info_get(h);
	assert_int_equal(t->ncolumns, 5);
	assert_string_equal(t->columns[0]->name, "id");
	assert_int_equal(t->columns[0]->auto_increment, 1);
	assert_int_equal(t->columns[0]->primary_key, 1);
	col = orm_table_info_column(t, "author_id");
	assert_non_null(col);
	assert_int_equal(col->nullable, 0);
	col = orm_table_info_column(t, "name"); /* renamed from title */
	assert_non_null(col);
	assert_int_equal(col->kind, ORM_COL_STRING);
	assert_int_equal(col->length, 200);
	assert_int_equal(col->nullable, 0);
	col = orm_table_info_column(t, "price");
	assert_non_null(col);
	assert_int_equal(col->kind, ORM_COL_DECIMAL);
	assert_int_equal(col->precision, 8);
	assert_int_equal(col->scale, 2);
	assert_non_null(col->default_sql);
	col = orm_table_info_column(t, "isbn");
	assert_non_null(col);
	assert_int_equal(col->length, 20);
	assert_int_equal(t->nforeign_keys, 1);
	assert_string_equal(t->foreign_keys[0]->ref_table, "mig_authors");
	assert_int_equal(t->foreign_keys[0]->on_delete, ORM_FK_CASCADE);
	{
		size_t i;
		int uq = 0, ix = 0;
		for (i = 0; i < t->nindexes; i++) {
			const orm_index_info *x = t->indexes[i];
			if (x->unique && x->ncolumns == 1 && !strcmp(x->columns[0], "isbn"))
				uq = 1;
			if (!x->unique && x->ncolumns == 2 && !strcmp(x->columns[0], "author_id") &&
			    !strcmp(x->columns[1], "name"))
				ix = 1;
		}
		assert_true(uq);
		assert_true(ix);
	}
	orm_table_info_free(h);
	/* and everything comes back down */
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
	assert_int_equal(has_table(c, "mig_books"), 0);
	orm_migrator_free(m);
	orm_close(c);
}

static void test_migrate__checksum_and_missing(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	const orm_migration_info *info;
	size_t n;

	(void)state;
	fixture(basic);
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	orm_migrator_free(m);

	/* an applied file is edited, and a new one is pending */
	write_mig("20240101000002_create_books.yaml", "up: []\ndown: []\n");
	write_mig("20240102000000_later.sql", "-- migrate:up\nCREATE TABLE mig_nt (id INTEGER);\n-- migrate:down\nDROP TABLE mig_nt;\n");
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, NULL), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "changed since"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "20240101000002_create_books"));
	assert_int_equal(has_table(c, "mig_nt"), 0); /* nothing applied */
	assert_mig_rc(m, orm_migrator_up(m, NULL), ORM_ECONFLICT);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(find_info(info, n, "20240101000002_create_books")->state, ORM_MIGRATION_MODIFIED);
	assert_int_equal(find_info(info, n, "20240102000000_later")->state, ORM_MIGRATION_PENDING);
	orm_migrator_free(m);

	/* a deleted file */
	add_fixture("basic/20240101000002_create_books.yaml");
	remove_mig("20240101000003_seed_authors.sql");
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, NULL), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "no longer exist"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "20240101000003_seed_authors"));
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(find_info(info, n, "20240101000003_seed_authors")->state, ORM_MIGRATION_MISSING);
	assert_string_equal(find_info(info, n, "20240101000003_seed_authors")->path, "");
	/* a missing migration cannot be rolled back either */
	assert_mig_rc(m, orm_migrator_rollback(m, 0, 1, NULL), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "no longer exists"));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 4);
	orm_migrator_free(m);

	/* restored: latest goes on */
	add_fixture("basic/20240101000003_seed_authors.sql");
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	assert_int_equal(has_table(c, "mig_nt"), 1);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
	orm_migrator_free(m);
	orm_close(c);
}

static void test_migrate__out_of_order(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	const orm_migration_info *info;
	size_t n;
	static const char *const some[] = {
		"basic/20240101000001_create_authors.yaml", "basic/20240101000002_create_books.yaml",
		"basic/20240101000004_alter_books.yaml", NULL
	};

	(void)state;
	fixture(some);
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	orm_migrator_free(m);
	add_fixture("basic/20240101000003_seed_authors.sql");
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, NULL), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "older than the newest applied one"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "20240101000003_seed_authors"));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_authors"), 0);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(find_info(info, n, "20240101000003_seed_authors")->out_of_order, 1);
	orm_migrator_free(m);
	o.allow_out_of_order = 1;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_authors"), 2);
	assert_int_equal(count_rows(c, "SELECT batch FROM " TABLE " WHERE name = '20240101000003_seed_authors'"), 2);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
	orm_migrator_free(m);
	orm_close(c);
}

static void test_migrate__dry_run(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	orm_buf before = ORM_BUF_INIT, after = ORM_BUF_INIT;
	struct events ev;
	int count = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	fixture(basic);
	mig_tables(c, &before);
	o.dry_run = 1;
	o.on_event = on_event;
	o.event_payload = &ev;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, 4);
	mig_tables(c, &after);
	assert_string_equal(before.ptr, after.ptr);
	assert_int_equal(has_table(c, TABLE), 0);
	/* every statement, bookkeeping included */
	assert_non_null(strstr(ev.sql.ptr, "CREATE TABLE IF NOT EXISTS"));
	assert_non_null(strstr(ev.sql.ptr, "mig_authors"));
	assert_non_null(strstr(ev.sql.ptr, "INSERT INTO mig_authors (name) VALUES ('Ursula')"));
	assert_non_null(strstr(ev.sql.ptr, "'20240101000004_alter_books', 1,"));
	orm_migrator_free(m);

	/* dry rollback after a real latest: prints, changes nothing */
	o.dry_run = 0;
	o.on_event = NULL;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	orm_migrator_free(m);
	mig_tables(c, &before);
	orm_buf_clear(&ev.sql);
	o.dry_run = 1;
	o.on_event = on_event;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, &count));
	assert_int_equal(count, 4);
	mig_tables(c, &after);
	assert_string_equal(before.ptr, after.ptr);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 4);
	assert_non_null(strstr(ev.sql.ptr, "DELETE FROM"));
	assert_non_null(strstr(ev.sql.ptr, "'20240101000001_create_authors'"));
	orm_migrator_free(m);
	o.dry_run = 0;
	o.on_event = NULL;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
	orm_migrator_free(m);
	events_dispose(&ev);
	orm_buf_dispose(&before);
	orm_buf_dispose(&after);
	orm_close(c);
}

/* A migration that fails at its third statement. */
static void test_migrate__failure_leaves_nothing_or_resumes(void **state)
{
	static const char *const files[] = {
		"basic/20240101000001_create_authors.yaml", "fail/20240101000009_fails.sql", NULL
	};
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	const orm_migration_info *info;
	const orm_migration_info *fi;
	struct events ev;
	size_t n;
	int count = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	fixture(files);
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, &count), ORM_ESQL);
	assert_int_equal(count, 1); /* the first migration is applied and recorded */
	assert_non_null(strstr(orm_migrator_errmsg(m), "20240101000009_fails"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "INSERT INTO mig_no_such_table"));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 1);
	assert_int_equal(has_table(c, "mig_fail_b"), 0);
	if (dialect != ORM_DIALECT_MARIADB) {
		/* SQLite, PostgreSQL: the migration and its record were one transaction */
		assert_non_null(strstr(orm_migrator_errmsg(m), "nothing of it was applied"));
		assert_mig_ok(m, orm_migrator_status(m, &info, &n));
		fi = find_info(info, n, "20240101000009_fails");
		assert_int_equal(has_table(c, "mig_fail_a"), 0);
		assert_int_equal(fi->state, ORM_MIGRATION_PENDING);
		orm_migrator_free(m);
		orm_close(c);
		return;
	}
	/* MariaDB: exactly which statement, and what was applied */
	assert_non_null(strstr(orm_migrator_errmsg(m), "statement 3"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "2 statement(s) of it were applied"));
	assert_int_equal(has_table(c, "mig_fail_a"), 1);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	fi = find_info(info, n, "20240101000009_fails");
	assert_int_equal(fi->state, ORM_MIGRATION_PARTIAL);
	assert_int_equal(fi->statements_done, 2);
	assert_non_null(strstr(fi->error, "mig_no_such_table"));
	orm_migrator_free(m);

	/* changing an applied statement is refused */
	write_mig("20240101000009_fails.sql", "-- migrate:up\nCREATE TABLE mig_fail_a (id BIGINT PRIMARY KEY);\n"
		  "INSERT INTO mig_fail_a (id) VALUES (1);\nINSERT INTO mig_fail_a (id) VALUES (2);\n"
		  "CREATE TABLE mig_fail_b (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE mig_fail_b;\n"
		  "DROP TABLE mig_fail_a;\n");
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, NULL), ORM_ECONFLICT);
	assert_non_null(strstr(orm_migrator_errmsg(m), "partly applied"));
	orm_migrator_free(m);

	/* fixing the failed statement resumes after the applied ones */
	write_mig("20240101000009_fails.sql", "-- Fails at its third statement.\n-- migrate:up\n"
		  "CREATE TABLE mig_fail_a (id INTEGER PRIMARY KEY);\n"
		  "INSERT INTO mig_fail_a (id) VALUES (1);\nINSERT INTO mig_fail_a (id) VALUES (2);\n"
		  "CREATE TABLE mig_fail_b (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE mig_fail_b;\n"
		  "DROP TABLE mig_fail_a;\n");
	o.on_event = on_event;
	o.event_payload = &ev;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, 1);
	assert_int_equal(ev.resumes, 1);
	/* statements 1 and 2 did not run again */
	assert_null(strstr(ev.sql.ptr, "CREATE TABLE mig_fail_a"));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_fail_a"), 2);
	assert_int_equal(has_table(c, "mig_fail_b"), 1);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE "_progress"), 0);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(find_info(info, n, "20240101000009_fails")->state, ORM_MIGRATION_APPLIED);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
	assert_int_equal(has_table(c, "mig_fail_a"), 0);
	orm_migrator_free(m);
	events_dispose(&ev);
	orm_close(c);
}

/* transaction: false runs statement by statement on every dialect, and resumes. */
static void test_migrate__no_transaction_resumes(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	const orm_migration_info *info;
	size_t n;

	(void)state;
	fixture(NULL);
	write_mig("20240101000000_nt.yaml",
		  "transaction: false\n"
		  "up:\n"
		  "  - create_table: { name: mig_nt, columns: { id: integer, v: text } }\n"
		  "  - sql: \"INSERT INTO mig_nt (id) VALUES (1)\"\n"
		  "  - sql: \"INSERT INTO mig_nt_missing (id) VALUES (2)\"\n"
		  "down:\n"
		  "  - drop_table: mig_nt\n");
	m = migrator(c, &o);
	assert_mig_rc(m, orm_migrator_latest(m, NULL), ORM_ESQL);
	assert_non_null(strstr(orm_migrator_errmsg(m), "mig_nt_missing"));
	assert_non_null(strstr(orm_migrator_errmsg(m), "of it were applied"));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_nt"), 1);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(info[0].state, ORM_MIGRATION_PARTIAL);
	assert_true(info[0].statements_done >= 2);
	orm_migrator_free(m);
	write_mig("20240101000000_nt.yaml",
		  "transaction: false\n"
		  "up:\n"
		  "  - create_table: { name: mig_nt, columns: { id: integer, v: text } }\n"
		  "  - sql: \"INSERT INTO mig_nt (id) VALUES (1)\"\n"
		  "  - sql: \"INSERT INTO mig_nt (id) VALUES (2)\"\n"
		  "down:\n"
		  "  - drop_table: mig_nt\n");
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, NULL));
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_nt"), 2);
	assert_mig_ok(m, orm_migrator_rollback(m, 0, 0, NULL));
	assert_int_equal(has_table(c, "mig_nt"), 0);
	orm_migrator_free(m);
	orm_close(c);
}

/* ---- C migrations ---- */

static int c_up(orm_migration_ctx *ctx, void *payload)
{
	orm_table *t = orm_table_new("mig_c_items");
	orm_value p[2];
	int rc;

	(*(int *)payload)++;
	orm_table_increments(t, "id");
	orm_col_not_null(orm_table_string(t, "label", 50));
	rc = orm_migration_create_table(ctx, t, 0);
	orm_table_free(t);
	if (rc < 0)
		return rc;
	p[0] = orm_text("one");
	rc = orm_migration_exec_params(ctx, "INSERT INTO mig_c_items (label) VALUES (?)", p, 1);
	if (rc < 0)
		return rc;
	p[1] = orm_text("two");
	return orm_migration_exec(ctx, "INSERT INTO mig_c_items (label) VALUES ('two'); "
				  "INSERT INTO mig_c_items (label) VALUES ('three')");
}

static int c_down(orm_migration_ctx *ctx, void *payload)
{
	(void)payload;
	return orm_migration_drop_table(ctx, "mig_c_items", 0);
}

static void test_migrate__c_migrations(void **state)
{
	static const orm_migration_def defs[] = {
		{ "20240101000005_c_items", c_up, c_down, 0 },
	};
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c = connect_db();
	orm_migrator *m;
	struct events ev;
	int calls = 0, count = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	fixture(basic);
	o.migrations = defs;
	o.nmigrations = 1;
	o.payload = &calls;
	/* the conveniences: the error message goes to the connection */
	o.directory = migdir;
	o.table = TABLE;
	assert_orm_ok(c, orm_migrate_latest(c, &o, &count));
	assert_int_equal(count, 5);
	assert_int_equal(calls, 1);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_c_items"), 3);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE " WHERE name = '20240101000005_c_items' AND checksum IS NULL"), 1);

	/* dry run of the rollback through the context prints the DROP */
	o.dry_run = 1;
	o.on_event = on_event;
	o.event_payload = &ev;
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_down(m, NULL));
	assert_non_null(strstr(ev.sql.ptr, "DROP TABLE"));
	assert_non_null(strstr(ev.sql.ptr, "mig_c_items"));
	assert_int_equal(has_table(c, "mig_c_items"), 1);
	orm_migrator_free(m);
	o.dry_run = 0;
	o.on_event = NULL;
	assert_orm_ok(c, orm_migrate_rollback(c, &o, 0, 1, &count));
	assert_int_equal(count, 5);
	assert_int_equal(has_table(c, "mig_c_items"), 0);
	events_dispose(&ev);
	orm_close(c);
}

/* ---- locking ---- */

static void test_migrate__lock_times_out_naming_holder(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c1 = connect_db(), *c2 = connect_db();
	orm_migrator *m1, *m2;
	orm_buf who = ORM_BUF_INIT;
	struct events ev;
	struct timeval t0;
	int64_t ms, holder_id = 0;
	char idtext[64];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	fixture(basic);
	m2 = migrator(c2, &o);
	assert_mig_ok(m2, orm_migrator_lock(m2));
	if (dialect == ORM_DIALECT_POSTGRES)
		assert_orm_ok(c2, orm_query_int(c2, &holder_id, "SELECT pg_backend_pid()", NULL, 0));
	else if (dialect == ORM_DIALECT_MARIADB)
		assert_orm_ok(c2, orm_query_int(c2, &holder_id, "SELECT CONNECTION_ID()", NULL, 0));
	snprintf(idtext, sizeof(idtext), dialect == ORM_DIALECT_POSTGRES ? "pid %lld" : "connection %lld",
		 (long long)holder_id);

	o.lock_timeout_ms = 1500;
	o.on_event = on_event;
	o.event_payload = &ev;
	m1 = migrator(c1, &o);
	/* status names the holder */
	assert_mig_ok(m1, orm_migrator_lock_holder(m1, &who));
	assert_true(who.size > 0);
	if (dialect != ORM_DIALECT_SQLITE)
		assert_non_null(strstr(who.ptr, idtext));
	gettimeofday(&t0, NULL);
	assert_mig_rc(m1, orm_migrator_latest(m1, NULL), ORM_EBUSY);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 1400);
	assert_true(ms < 15000);
	assert_non_null(strstr(orm_migrator_errmsg(m1), "timed out"));
	assert_non_null(strstr(orm_migrator_errmsg(m1), "held by"));
	if (dialect != ORM_DIALECT_SQLITE) {
		assert_non_null(strstr(orm_migrator_errmsg(m1), idtext));
		assert_int_equal(ev.lock_waits, 1);
		assert_non_null(strstr(ev.lock_msg.ptr, idtext));
	} else {
		assert_non_null(strstr(orm_migrator_errmsg(m1), "write transaction"));
	}
	/* nothing was applied, and unlock without force refuses */
	assert_int_equal(has_table(c1, "mig_authors"), 0);
	if (dialect != ORM_DIALECT_SQLITE) {
		assert_mig_rc(m1, orm_migrator_unlock(m1, 0), ORM_EBUSY);
		assert_non_null(strstr(orm_migrator_errmsg(m1), idtext));
	}
	if (dialect != ORM_DIALECT_SQLITE) {
		/* a hung holder: unlock --force ends its session, and the lock is free */
		assert_mig_ok(m1, orm_migrator_unlock(m1, 1));
		{
			int tries;
			for (tries = 0; tries < 50; tries++) {
				orm_buf_clear(&who);
				assert_mig_ok(m1, orm_migrator_lock_holder(m1, &who));
				if (!who.size)
					break;
				usleep(100 * 1000);
			}
		}
		assert_true(who.size == 0);
		/* the holder's connection is gone */
		assert_true(orm_exec(c2, "SELECT 1") < 0);
	} else {
		assert_mig_rc(m1, orm_migrator_unlock(m1, 1), ORM_EUNSUPPORTED);
		assert_mig_ok(m2, orm_migrator_release(m2));
	}
	orm_buf_clear(&who);
	assert_mig_ok(m1, orm_migrator_lock_holder(m1, &who));
	assert_true(who.size == 0);
	assert_mig_ok(m1, orm_migrator_latest(m1, NULL));
	assert_mig_ok(m1, orm_migrator_rollback(m1, 0, 1, NULL));
	orm_migrator_free(m1);
	orm_migrator_free(m2);
	orm_buf_dispose(&who);
	events_dispose(&ev);
	orm_close(c1);
	orm_close(c2);
}

/* A child holds the lock for a second; the parent waits, then runs. */
static void test_migrate__lock_waits(void **state)
{
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	struct events ev;
	struct timeval t0;
	int pfd[2], status = 0;
	char ch;
	pid_t pid;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	fixture(basic);
	assert_int_equal(pipe(pfd), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		orm_conn *c = NULL;
		orm_migrator *m = NULL;
		orm_migrate_opts co = ORM_MIGRATE_OPTS_INIT;
		int ok;
		close(pfd[0]);
		ok = orm_open(&c, url) == 0;
		co.table = TABLE;
		ok = ok && orm_migrator_new(&m, c, &co) == 0 && orm_migrator_lock(m) == 0;
		(void)!write(pfd[1], ok ? "1" : "0", 1);
		usleep(1200 * 1000);
		orm_migrator_release(m);
		orm_migrator_free(m);
		orm_close(c);
		_exit(ok ? 0 : 1);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &ch, 1), 1);
	close(pfd[0]);
	assert_int_equal(ch, '1');
	{
		orm_conn *c = connect_db();
		orm_migrator *m;
		o.lock_timeout_ms = 20000;
		o.on_event = on_event;
		o.event_payload = &ev;
		m = migrator(c, &o);
		gettimeofday(&t0, NULL);
		assert_mig_ok(m, orm_migrator_latest(m, NULL));
		assert_true(elapsed_ms(&t0) >= 700);
		assert_int_equal(ev.lock_waits, 1);
		assert_int_equal(ev.done, 4);
		assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
		orm_migrator_free(m);
		orm_close(c);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	events_dispose(&ev);
}

/* Two runners started at the same moment apply each migration exactly once. */
static void test_migrate__concurrent_runners(void **state)
{
	pid_t pids[2];
	int i, status, failures = 0;
	orm_conn *c;

	(void)state;
	fixture(basic);
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			orm_conn *cc = NULL;
			orm_migrator *m = NULL;
			orm_migrate_opts co = ORM_MIGRATE_OPTS_INIT;
			int rc;
			co.directory = migdir;
			co.table = TABLE;
			co.lock_timeout_ms = 30000;
			rc = orm_open(&cc, url);
			if (rc == 0)
				rc = orm_migrator_new(&m, cc, &co);
			if (rc == 0)
				rc = orm_migrator_latest(m, NULL);
			if (rc)
				fprintf(stderr, "runner %d: %s %s\n", i, orm_migrator_errmsg(m), orm_conn_errmsg(cc));
			orm_migrator_free(m);
			orm_close(cc);
			_exit(rc ? 1 : 0);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	assert_int_equal(failures, 0);
	c = connect_db();
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 4);
	assert_int_equal(count_rows(c, "SELECT COUNT(DISTINCT batch) FROM " TABLE), 1);
	assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_authors"), 2);
	{
		orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
		orm_migrator *m = migrator(c, &o);
		assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, NULL));
		orm_migrator_free(m);
	}
	orm_close(c);
}

/* A runner killed (SIGKILL) in the middle of a migration; the next run ends correct. */
static int kill_up(orm_migration_ctx *ctx, void *payload)
{
	int rc, fd = *(int *)payload;

	rc = orm_migration_exec(ctx, "CREATE TABLE mig_kill (id INTEGER)");
	if (rc < 0)
		return rc;
	rc = orm_migration_exec(ctx, "INSERT INTO mig_kill (id) VALUES (1)");
	if (rc < 0)
		return rc;
	if (fd >= 0 && !orm_migration_is_dry_run(ctx)) {
		(void)!write(fd, "x", 1);
		sleep(30); /* killed here */
	}
	return orm_migration_exec(ctx, "INSERT INTO mig_kill (id) VALUES (2)");
}

static int kill_down(orm_migration_ctx *ctx, void *payload)
{
	(void)payload;
	return orm_migration_drop_table(ctx, "mig_kill", 0);
}

static void test_migrate__killed_runner(void **state)
{
	static const orm_migration_def defs[] = { { "20240101000007_kill", kill_up, kill_down, 0 } };
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	int pfd[2], status, fd = -1;
	pid_t pid;
	char ch;

	(void)state;
	fixture(NULL);
	assert_int_equal(pipe(pfd), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		orm_conn *cc = NULL;
		orm_migrator *m = NULL;
		orm_migrate_opts co = ORM_MIGRATE_OPTS_INIT;
		close(pfd[0]);
		fd = pfd[1];
		co.table = TABLE;
		co.migrations = defs;
		co.nmigrations = 1;
		co.payload = &fd;
		if (orm_open(&cc, url) == 0 && orm_migrator_new(&m, cc, &co) == 0)
			orm_migrator_latest(m, NULL);
		_exit(3);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &ch, 1), 1);
	close(pfd[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	{
		orm_conn *c = connect_db();
		orm_migrator *m;
		struct events ev;
		memset(&ev, 0, sizeof(ev));
		fd = -1;
		o.migrations = defs;
		o.nmigrations = 1;
		o.payload = &fd;
		o.lock_timeout_ms = 20000; /* the server may take a moment to see the dead session */
		o.on_event = on_event;
		o.event_payload = &ev;
		m = migrator(c, &o);
		assert_mig_ok(m, orm_migrator_latest(m, NULL));
		if (dialect == ORM_DIALECT_MARIADB)
			assert_int_equal(ev.resumes, 1); /* after the two statements recorded */
		else
			assert_int_equal(ev.resumes, 0); /* the transaction died with the runner */
		assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM mig_kill"), 2);
		assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM " TABLE), 1);
		assert_mig_ok(m, orm_migrator_rollback(m, 0, 0, NULL));
		orm_migrator_free(m);
		events_dispose(&ev);
		orm_close(c);
	}
}

/*
 * Diesel's own migrations (../shared/data/diesel-migrations/DIALECT/NAME/{up,down}.sql)
 * through the SQL format, adapted only by renaming into our layout:
 * NAME/up.sql + down.sql -> YYYYMMDDHHMMSS_name.sql with -- migrate: sections.
 */
static int diesel_convert(const char *src)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char stamp[15], name[200], from[PATH_MAX * 2 + 300], to[PATH_MAX + 300], *text;
		const char *p = de->d_name, *us;
		size_t k = 0, i;
		FILE *out, *in;
		int part;

		if (p[0] == '.' || !(us = strchr(p, '_')))
			continue;
		for (; p < us && k < 14; p++)
			if (*p >= '0' && *p <= '9')
				stamp[k++] = *p;
		stamp[k] = '\0';
		if (k != 14)
			continue;
		if (!strcmp(stamp, "00000000000000"))
			strcpy(stamp, "19700101000000"); /* diesel's setup migration comes first */
		snprintf(name, sizeof(name), "%s", us + 1);
		for (i = 0; name[i]; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
			      (name[i] >= '0' && name[i] <= '9')))
				name[i] = '_';
		snprintf(to, sizeof(to), "%s/%s_%s.sql", migdir, stamp, name);
		out = fopen(to, "w");
		assert_non_null(out);
		for (part = 0; part < 2; part++) {
			size_t len;
			snprintf(from, sizeof(from), "%s/%s/%s", src, de->d_name, part ? "down.sql" : "up.sql");
			fprintf(out, "-- migrate:%s\n", part ? "down" : "up");
			in = fopen(from, "rb");
			if (!in)
				continue;
			text = calloc(1, 1 << 20);
			assert_non_null(text);
			len = fread(text, 1, (1 << 20) - 1, in);
			fclose(in);
			fwrite(text, 1, len, out);
			fputs("\n", out);
			free(text);
		}
		fclose(out);
		n++;
	}
	closedir(d);
	return n;
}

static void test_migrate__diesel(void **state)
{
	const char *data = orm_test_shared_data();
	const char *sub = dialect == ORM_DIALECT_POSTGRES ? "postgres" : dialect == ORM_DIALECT_MARIADB ? "mariadb" : "sqlite";
	char src[PATH_MAX + 64];
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_conn *c;
	orm_migrator *m;
	orm_schema_info *s = NULL;
	const orm_migration_info *info;
	size_t n, i;
	int nfiles, count = 0;

	(void)state;
	if (!data) {
		print_message("# diesel migrations: ../shared/data is absent, not run\n");
		return;
	}
	snprintf(src, sizeof(src), "%s/diesel-migrations/%s", data, sub);
	fixture(NULL);
	nfiles = diesel_convert(src);
	assert_true(nfiles > 5);
	c = connect_db();
	/* a namespace of our own: these migrations use plain names (users, posts, ...) */
	if (dialect == ORM_DIALECT_POSTGRES) {
		orm_exec(c, "DROP SCHEMA IF EXISTS mig_diesel CASCADE");
		orm_exec(c, "DROP SCHEMA IF EXISTS custom_schema CASCADE");
		assert_orm_ok(c, orm_exec(c, "CREATE SCHEMA mig_diesel"));
		assert_orm_ok(c, orm_exec(c, "SET search_path TO mig_diesel"));
	} else if (dialect == ORM_DIALECT_MARIADB) {
		orm_exec(c, "DROP DATABASE IF EXISTS mig_diesel");
		assert_orm_ok(c, orm_exec(c, "CREATE DATABASE mig_diesel"));
		assert_orm_ok(c, orm_exec(c, "USE mig_diesel"));
	}
	m = migrator(c, &o);
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, nfiles);
	assert_mig_ok(m, orm_migrator_status(m, &info, &n));
	assert_int_equal(n, (size_t)nfiles);
	for (i = 0; i < n; i++)
		assert_int_equal(info[i].state, ORM_MIGRATION_APPLIED);
	if (dialect == ORM_DIALECT_MARIADB) {
		/*
		 * Diesel's down.sql of this migration cannot run on MariaDB: DROP
		 * TABLE ... CASCADE ignores CASCADE and the two tables reference each
		 * other. The runner stops at exactly that statement, after recording
		 * the three before it; fixing the statement resumes there.
		 */
		static const char *const bad = "DROP TABLE cyclic_fk_1 CASCADE;\nDROP TABLE cyclic_fk_2 CASCADE;";
		char p[PATH_MAX + 300], *text, *at;
		FILE *f;
		size_t len;
		int first;
		assert_mig_rc(m, orm_migrator_rollback(m, 0, 1, &count), ORM_EFOREIGNKEY);
		first = count; /* the newer migrations were rolled back before it */
		assert_true(first > 0 && first < nfiles);
		assert_non_null(strstr(orm_migrator_errmsg(m), "statement 4"));
		assert_non_null(strstr(orm_migrator_errmsg(m), "DROP TABLE cyclic_fk_1 CASCADE"));
		assert_non_null(strstr(orm_migrator_errmsg(m), "3 statement(s) of it were applied"));
		snprintf(p, sizeof(p), "%s/20170805195107_tables_which_make_infer_joinable_blow_up.sql", migdir);
		f = fopen(p, "rb");
		assert_non_null(f);
		text = calloc(1, 1 << 16);
		assert_non_null(text);
		len = fread(text, 1, (1 << 16) - 1, f);
		fclose(f);
		at = strstr(text, bad);
		assert_non_null(at);
		f = fopen(p, "wb");
		assert_non_null(f);
		fwrite(text, 1, (size_t)(at - text), f);
		fputs("SET FOREIGN_KEY_CHECKS = 0;\nDROP TABLE cyclic_fk_1;\nDROP TABLE cyclic_fk_2;\n"
		      "SET FOREIGN_KEY_CHECKS = 1;", f);
		fputs(at + strlen(bad), f);
		fclose(f);
		(void)len;
		free(text);
		orm_migrator_free(m);
		m = migrator(c, &o);
		assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, &count));
		assert_int_equal(first + count, nfiles);
	} else {
		assert_mig_ok(m, orm_migrator_rollback(m, 0, 1, &count));
		assert_int_equal(count, nfiles);
	}
	/* every table is gone again, except the bookkeeping */
	assert_orm_ok(c, orm_schema_inspect(&s, c, NULL));
	for (i = 0; i < orm_schema_info_count(s); i++) {
		const char *t = orm_schema_info_table(s, i)->name;
		if (strncmp(t, TABLE, strlen(TABLE)) != 0)
			print_error("left behind: %s\n", t);
		assert_int_equal(strncmp(t, TABLE, strlen(TABLE)), 0);
	}
	orm_schema_info_free(s);
	/* and up again */
	assert_mig_ok(m, orm_migrator_latest(m, &count));
	assert_int_equal(count, nfiles);
	orm_migrator_free(m);
	if (dialect == ORM_DIALECT_POSTGRES) {
		assert_orm_ok(c, orm_exec(c, "DROP SCHEMA mig_diesel CASCADE"));
		orm_exec(c, "DROP SCHEMA IF EXISTS custom_schema CASCADE");
	} else if (dialect == ORM_DIALECT_MARIADB) {
		assert_orm_ok(c, orm_exec(c, "DROP DATABASE mig_diesel"));
	} else {
		/* SQLite: the teardown removes the file */
		orm_exec(c, "PRAGMA foreign_keys = OFF");
		orm_close(c);
		c = NULL;
		{
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/test.db", sqlite_dir);
			unlink(p);
		}
	}
	orm_close(c);
}

int main(void)
{
	const char *u = orm_test_url_or_skip();
	const char *d = getenv("ORM_TEST_DIALECT");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate__round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__same_yaml_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__checksum_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__failure_leaves_nothing_or_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__no_transaction_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__c_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__lock_times_out_naming_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__lock_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__concurrent_runners, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__killed_runner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate__diesel, setup, teardown),
	};

	snprintf(url, sizeof(url), "%s", u);
	if (!strncmp(u, "sqlite:", 7) || (d && !strcmp(d, "sqlite")))
		dialect = ORM_DIALECT_SQLITE;
	else if (!strncmp(u, "postgres", 8))
		dialect = ORM_DIALECT_POSTGRES;
	else
		dialect = ORM_DIALECT_MARIADB;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
