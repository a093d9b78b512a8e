/*
 * Schema builder: DDL per dialect without a server. Golden files under
 * tests/schema/CASE.DIALECT.sql hold the expected statements (one per
 * line group, each ending ";\n"); set ORM_UPDATE_GOLDEN=1 to rewrite them
 * after a reviewed change. Plus targeted checks of the Knex bugs that must
 * not happen here (lossy types) and of bad input.
 */
#include "testutil.h"

#include <errno.h>

static const orm_dialect dialects[3] = { ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB };

/* the DDL of a definition for a dialect, statements joined with ";\n" */
static char *ddl(orm_dialect d, const orm_table *t, unsigned flags, int *rc_out)
{
	orm_sql_list l = ORM_SQL_LIST_INIT;
	orm_buf b = ORM_BUF_INIT;
	size_t i;
	int rc = orm_schema_ddl(&l, d, t, flags);

	if (rc_out)
		*rc_out = rc;
	for (i = 0; i < l.count; i++) {
		orm_buf_puts(&b, l.items[i]);
		orm_buf_puts(&b, ";\n");
	}
	orm_sql_list_dispose(&l);
	if (!b.ptr)
		orm_buf_puts(&b, "");
	return b.ptr;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = '\0';
	fclose(f);
	return s;
}

static void golden(const char *name, const orm_table *t, unsigned flags)
{
	const char *src = getenv("ORM_TEST_SRCDIR");
	int update = getenv("ORM_UPDATE_GOLDEN") && strcmp(getenv("ORM_UPDATE_GOLDEN"), "1") == 0;
	int i;

	for (i = 0; i < 3; i++) {
		char path[4096];
		int rc;
		char *got = ddl(dialects[i], t, flags, &rc);
		char *want;
		snprintf(path, sizeof(path), "%s/tests/schema/%s.%s.sql", src ? src : "..", name, orm_dialect_name(dialects[i]));
		if (rc != 0)
			print_error("%s on %s: rc %d (%s)\n", name, orm_dialect_name(dialects[i]), rc, orm_table_errmsg(t));
		assert_int_equal(rc, 0);
		if (update) {
			FILE *f = fopen(path, "wb");
			assert_non_null(f);
			fputs(got, f);
			fclose(f);
		}
		want = read_file(path);
		if (!want)
			print_error("missing golden file %s (run with ORM_UPDATE_GOLDEN=1)\n", path);
		assert_non_null(want);
		if (strcmp(want, got) != 0)
			print_error("%s differs from the generated DDL:\n%s\n", path, got);
		assert_string_equal(want, got);
		free(want);
		orm_free(got);
	}
}

/* ---- golden cases ---- */

static orm_table *all_types_table(void)
{
	static const char *const vals[] = { "draft", "it's" };
	orm_table *t = orm_table_new("sch_types");
	orm_col *c;

	orm_table_increments(t, "id");
	orm_table_big_integer(t, "big");
	orm_col_unsigned(orm_table_integer(t, "n"));
	orm_table_small_integer(t, "small");
	orm_col_not_null(orm_table_text(t, "body"));
	orm_col_default(orm_table_text(t, "note"), orm_text("it's a \\ note"));
	orm_table_string(t, "name", 100);
	orm_table_float(t, "f");
	orm_table_double(t, "d");
	orm_col_default(orm_table_decimal(t, "price", 10, 2), orm_typed_text(ORM_TYPE_DECIMAL, "1.10"));
	orm_col_default(orm_table_boolean(t, "flag"), orm_bool(1));
	orm_table_date(t, "day");
	orm_table_time(t, "at");
	orm_table_datetime(t, "dt");
	orm_col_default_now(orm_table_timestamp(t, "ts", 0));
	orm_table_timestamp(t, "tstz", 1);
	orm_table_json(t, "doc");
	orm_table_uuid(t, "uid");
	orm_col_default(orm_table_enum(t, "status", vals, 2), orm_text("draft"));
	orm_table_binary(t, "bin");
	c = orm_table_string(t, "label", 20);
	orm_col_comment(c, "a */ comment");
	orm_col_unique(orm_table_string(t, "email", 0));
	orm_col_index(orm_table_integer(t, "rank"));
	c = orm_table_integer(t, "parent_id");
	orm_col_references(c, "sch_parent", NULL);
	orm_col_on_delete(c, ORM_FK_CASCADE);
	orm_col_on_update(c, ORM_FK_NO_ACTION);
	orm_col_default_raw(orm_table_integer(t, "raw"), "(1 + 2)");
	orm_col_default(orm_table_double(t, "ratio"), orm_double(0.25));
	orm_col_default(orm_table_integer(t, "neg"), orm_int(-5));
	orm_col_default(orm_table_binary(t, "magic"), orm_blob("\x01\xff", 2));
	orm_table_timestamps(t);
	orm_table_comment(t, "all types");
	assert_int_equal(orm_table_error(t), 0);
	return t;
}

static void test_golden__all_types(void **state)
{
	orm_table *t = all_types_table();

	(void)state;
	golden("all_types", t, 0);
	orm_table_free(t);
}

static void test_golden__keys(void **state)
{
	static const char *const ab[] = { "a", "b" };
	orm_table *t = orm_table_new("sch_test.keys");

	(void)state;
	orm_col_not_null(orm_table_integer(t, "a"));
	orm_col_not_null(orm_table_integer(t, "b"));
	orm_table_string(t, "c", 10);
	orm_table_primary(t, ab, 2, NULL);
	orm_table_unique(t, ab + 1, 1, "uq_b");
	orm_table_index(t, ab, 2, NULL);
	orm_table_foreign(t, ab, 2, "other", ab, 2, ORM_FK_SET_NULL, ORM_FK_RESTRICT, NULL);
	golden("keys", t, ORM_SCHEMA_IF_NOT_EXISTS);
	orm_table_free(t);
}

static void test_golden__quoting(void **state)
{
	static const char *const cols[] = { "Mixed Case", "order" };
	orm_table *t = orm_table_new("sch Weird\"Name`");
	orm_col *c;

	(void)state;
	orm_table_increments(t, "select");
	c = orm_table_string(t, "Mixed Case", 20);
	orm_col_not_null(c);
	orm_col_default(c, orm_text("O'Brien"));
	orm_table_integer(t, "order");
	orm_table_text(t, "with \"double\" and `back`");
	orm_table_index(t, cols, 2, NULL);
	golden("quoting", t, 0);
	orm_table_free(t);
}

static void test_golden__alter_native(void **state)
{
	static const char *const a[] = { "a" };
	orm_table *t = orm_table_alter_new("sch_alt");

	(void)state;
	orm_col_default(orm_table_string(t, "added", 30), orm_text("x"));
	orm_table_rename_column(t, "x", "y");
	orm_table_drop_column(t, "z");
	orm_table_index(t, a, 1, NULL);
	orm_table_unique(t, a, 1, NULL);
	orm_table_drop_index(t, NULL, a, 1);
	golden("alter_native", t, 0);
	orm_table_free(t);
}

/* PostgreSQL column changes need no live schema (they keep the rest natively) */
static void test_alter__pg_column(void **state)
{
	orm_table *t = orm_table_alter_new("sch_alt");
	orm_col *c;
	char *sql;
	int rc;

	(void)state;
	c = orm_table_alter_column(t, "v", ORM_COL_KEEP);
	orm_col_not_null(c);
	orm_col_default(c, orm_int(3));
	orm_col_comment(c, "cc");
	c = orm_table_alter_column(t, "w", ORM_COL_BIG_INTEGER);
	orm_col_drop_default(c);
	orm_table_drop_foreign(t, "fk1", NULL, 0);
	orm_table_drop_unique(t, "u1", NULL, 0);
	orm_table_drop_primary(t, NULL);
	orm_table_rename_index(t, "i1", "i2");
	sql = ddl(ORM_DIALECT_POSTGRES, t, 0, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(sql,
			    "ALTER TABLE \"sch_alt\" ALTER COLUMN \"v\" SET NOT NULL;\n"
			    "ALTER TABLE \"sch_alt\" ALTER COLUMN \"v\" SET DEFAULT 3;\n"
			    "COMMENT ON COLUMN \"sch_alt\".\"v\" IS 'cc';\n"
			    "ALTER TABLE \"sch_alt\" ALTER COLUMN \"w\" TYPE bigint USING \"w\"::bigint;\n"
			    "ALTER TABLE \"sch_alt\" DROP CONSTRAINT IF EXISTS \"sch_alt_w_check\";\n"
			    "ALTER TABLE \"sch_alt\" ALTER COLUMN \"w\" DROP DEFAULT;\n"
			    "ALTER TABLE \"sch_alt\" DROP CONSTRAINT \"fk1\";\n"
			    "ALTER TABLE \"sch_alt\" DROP CONSTRAINT \"u1\";\n"
			    "ALTER TABLE \"sch_alt\" DROP CONSTRAINT \"sch_alt_pkey\";\n"
			    "ALTER INDEX \"i1\" RENAME TO \"i2\";\n");
	orm_free(sql);
	/* no NOT NULL / DEFAULT is dropped: SET NOT NULL only names nullability */
	orm_table_free(t);
}

/* A MariaDB column change must repeat every kept property, which needs the
 * live column: without a connection it is refused, never guessed. Same for
 * SQLite changes that need a rebuild. */
static void test_alter__needs_live_schema(void **state)
{
	orm_table *t = orm_table_alter_new("sch_alt");
	char *sql;
	int rc;

	(void)state;
	orm_col_nullable(orm_table_alter_column(t, "v", ORM_COL_KEEP));
	sql = ddl(ORM_DIALECT_MARIADB, t, 0, &rc);
	assert_int_equal(rc, ORM_EUNSUPPORTED);
	assert_string_equal(sql, "");
	orm_free(sql);
	sql = ddl(ORM_DIALECT_SQLITE, t, 0, &rc);
	assert_int_equal(rc, ORM_EUNSUPPORTED);
	orm_free(sql);
	orm_table_free(t);

	t = orm_table_alter_new("sch_alt");
	orm_table_drop_foreign(t, NULL, (const char *const[]){ "p" }, 1);
	sql = ddl(ORM_DIALECT_SQLITE, t, 0, &rc);
	assert_int_equal(rc, ORM_EUNSUPPORTED);
	orm_free(sql);
	orm_table_free(t);
}

/* ---- the Knex lossy types ---- */

static void test_types__not_lossy(void **state)
{
	orm_table *t = orm_table_new("sch_lossy");
	char *s;

	(void)state;
	orm_table_float(t, "f");
	orm_table_decimal(t, "price", 12, 4);
	orm_col_default(orm_table_text(t, "body"), orm_text("hello"));
	orm_col_default(orm_table_binary(t, "bin"), orm_blob("ab", 2));
	orm_col_unsigned(orm_table_big_integer(t, "qty"));
	orm_col_comment(orm_table_integer(t, "c"), "kept");

	/* MariaDB: a float is a DOUBLE (Knex: FLOAT(8,2) rounds 1.23456 to 1.23);
	 * TEXT/BLOB defaults are written, not dropped */
	s = ddl(ORM_DIALECT_MARIADB, t, 0, NULL);
	assert_non_null(strstr(s, "`f` DOUBLE NULL"));
	assert_null(strstr(s, "FLOAT"));
	assert_non_null(strstr(s, "`body` LONGTEXT NULL DEFAULT 'hello'"));
	assert_non_null(strstr(s, "`bin` LONGBLOB NULL DEFAULT X'6162'"));
	assert_non_null(strstr(s, "`qty` BIGINT UNSIGNED"));
	assert_non_null(strstr(s, "COMMENT 'kept'"));
	assert_non_null(strstr(s, "`price` DECIMAL(12,4)"));
	orm_free(s);

	/* SQLite: decimals keep TEXT affinity (never REAL / NUMERIC), unsigned
	 * and comments are kept */
	s = ddl(ORM_DIALECT_SQLITE, t, 0, NULL);
	assert_non_null(strstr(s, "\"price\" DECIMAL_TEXT(12,4)"));
	assert_null(strstr(s, "REAL"));
	assert_non_null(strstr(s, "\"qty\" BIGINT CHECK (\"qty\" >= 0)"));
	assert_non_null(strstr(s, "\"c\" INTEGER /* kept */"));
	assert_non_null(strstr(s, "\"f\" FLOAT"));
	orm_free(s);

	/* PostgreSQL: exact numeric, real double, jsonb */
	s = ddl(ORM_DIALECT_POSTGRES, t, 0, NULL);
	assert_non_null(strstr(s, "\"price\" numeric(12,4)"));
	assert_non_null(strstr(s, "\"f\" double precision"));
	assert_non_null(strstr(s, "CONSTRAINT \"sch_lossy_qty_unsigned\" CHECK (\"qty\" >= 0)"));
	assert_non_null(strstr(s, "COMMENT ON COLUMN \"sch_lossy\".\"c\" IS 'kept'"));
	orm_free(s);
	orm_table_free(t);
}

/* ---- names and parsing ---- */

static void test_types__names(void **state)
{
	int i;
	orm_col_type ty;
	orm_fk_action a;

	(void)state;
	for (i = ORM_COL_KEEP; i <= ORM_COL_SPECIFIC; i++) {
		const char *name = orm_col_type_name((orm_col_type)i);
		assert_non_null(name);
		assert_int_equal(orm_col_type_parse(&ty, name), 0);
		assert_int_equal(ty, i);
	}
	assert_null(orm_col_type_name((orm_col_type)99));
	assert_int_equal(orm_col_type_parse(&ty, "bigIncrements"), 0);
	assert_int_equal(ty, ORM_COL_BIG_INCREMENTS);
	assert_int_equal(orm_col_type_parse(&ty, "JSONB"), 0);
	assert_int_equal(ty, ORM_COL_JSON);
	assert_int_equal(orm_col_type_parse(&ty, "dateTime"), 0);
	assert_int_equal(ty, ORM_COL_DATETIME);
	assert_int_equal(orm_col_type_parse(&ty, "varchar2"), ORM_EINVAL);
	assert_int_equal(orm_col_type_parse(&ty, NULL), ORM_EINVAL);

	assert_int_equal(orm_fk_action_parse(&a, "set null"), 0);
	assert_int_equal(a, ORM_FK_SET_NULL);
	assert_int_equal(orm_fk_action_parse(&a, "setNull"), 0);
	assert_int_equal(a, ORM_FK_SET_NULL);
	assert_int_equal(orm_fk_action_parse(&a, "CASCADE"), 0);
	assert_int_equal(a, ORM_FK_CASCADE);
	assert_int_equal(orm_fk_action_parse(&a, "no_action"), 0);
	assert_int_equal(a, ORM_FK_NO_ACTION);
	assert_int_equal(orm_fk_action_parse(&a, "explode"), ORM_EINVAL);
	assert_string_equal(orm_fk_action_sql(ORM_FK_SET_DEFAULT), "SET DEFAULT");
	assert_string_equal(orm_fk_action_sql(ORM_FK_DEFAULT), "");
}

static void test_names__long_key_names(void **state)
{
	static const char *const c1[] = { "a_rather_long_column_name_number_one", "another_rather_long_column_name" };
	static const char *const c2[] = { "a_rather_long_column_name_number_one", "another_rather_long_column_name_2" };
	orm_table *t = orm_table_new("a_table_with_a_long_name");
	orm_sql_list l = ORM_SQL_LIST_INIT;
	size_t i;

	(void)state;
	orm_table_integer(t, c1[0]);
	orm_table_integer(t, c1[1]);
	orm_table_integer(t, c2[1]);
	orm_table_index(t, c1, 2, NULL);
	orm_table_index(t, c2, 2, NULL);
	assert_int_equal(orm_schema_ddl(&l, ORM_DIALECT_POSTGRES, t, 0), 0);
	assert_int_equal(l.count, 3);
	for (i = 1; i < 3; i++) {
		/* CREATE INDEX "name" ON ...: the name is at most 63 bytes */
		const char *s = l.items[i] + strlen("CREATE INDEX \"");
		const char *e = strchr(s, '"');
		assert_true(e - s <= 63);
		assert_true(e - s >= 40);
	}
	/* two different column lists never share a shortened name */
	assert_string_not_equal(l.items[1], l.items[2]);
	orm_sql_list_dispose(&l);
	orm_table_free(t);
}

/* ---- bad input ---- */

static void test_errors__builder_is_sticky(void **state)
{
	orm_table *t = orm_table_new("sch_bad");
	orm_sql_list l = ORM_SQL_LIST_INIT;

	(void)state;
	assert_non_null(orm_table_integer(t, "a"));
	assert_null(orm_table_string(t, "", 10));
	assert_int_equal(orm_table_error(t), ORM_EINVAL);
	assert_non_null(strstr(orm_table_errmsg(t), "sch_bad"));
	/* later calls keep the first error */
	assert_null(orm_table_integer(t, "b"));
	assert_int_equal(orm_col_not_null(NULL), ORM_EINVAL);
	assert_int_equal(orm_table_index(t, (const char *const[]){ "a" }, 1, NULL), ORM_EINVAL);
	assert_int_equal(orm_schema_ddl(&l, ORM_DIALECT_SQLITE, t, 0), ORM_EINVAL);
	assert_int_equal(l.count, 0);
	orm_table_free(t);

	t = orm_table_new("sch_bad");
	orm_table_integer(t, "a");
	assert_null(orm_table_integer(t, "a"));
	assert_non_null(strstr(orm_table_errmsg(t), "\"a\" defined twice"));
	orm_table_free(t);

	/* alter operations only in alter definitions, and the reverse */
	t = orm_table_new("sch_bad");
	assert_int_equal(orm_table_drop_column(t, "a"), ORM_EMISUSE);
	assert_non_null(strstr(orm_table_errmsg(t), "orm_table_drop_column"));
	orm_table_free(t);
	t = orm_table_alter_new("sch_bad");
	assert_int_equal(orm_col_primary(orm_table_alter_column(t, "a", ORM_COL_KEEP)), ORM_EMISUSE);
	orm_table_free(t);
	t = orm_table_alter_new("sch_bad");
	assert_null(orm_table_alter_column(t, "a", ORM_COL_INCREMENTS));
	assert_int_equal(orm_table_error(t), ORM_EUNSUPPORTED);
	orm_table_free(t);
	t = orm_table_new("sch_bad");
	assert_null(orm_table_decimal(t, "d", 4, 6));
	assert_non_null(strstr(orm_table_errmsg(t), "scale 6 > precision 4"));
	orm_table_free(t);

	/* NULLs are no-ops / errors, never crashes */
	orm_table_free(NULL);
	orm_sql_list_dispose(NULL);
	assert_null(orm_table_new(NULL));
	assert_null(orm_table_new(""));
	assert_int_equal(orm_table_error(NULL), ORM_EINVAL);
}

static void test_errors__generation(void **state)
{
	orm_table *t;
	char *s;
	int rc;
	static const char *const two[] = { "a", "b" };

	(void)state;
	/* a type given for some dialects only */
	t = orm_table_new("sch_bad");
	orm_table_specific(t, "v", NULL, "tsvector", NULL);
	s = ddl(ORM_DIALECT_SQLITE, t, 0, &rc);
	assert_int_equal(rc, ORM_EUNSUPPORTED);
	orm_free(s);
	s = ddl(ORM_DIALECT_POSTGRES, t, 0, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"v\" tsvector"));
	orm_free(s);
	orm_table_free(t);

	/* keys naming columns that are not defined */
	t = orm_table_new("sch_bad");
	orm_table_integer(t, "a");
	orm_table_index(t, two, 2, NULL);
	s = ddl(ORM_DIALECT_POSTGRES, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	t = orm_table_new("sch_bad");
	orm_table_integer(t, "a");
	orm_table_primary(t, two, 2, NULL);
	s = ddl(ORM_DIALECT_MARIADB, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	/* an enum default that is not one of its values */
	t = orm_table_new("sch_bad");
	orm_col_default(orm_table_enum(t, "e", two, 2), orm_text("c"));
	s = ddl(ORM_DIALECT_MARIADB, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	/* NOT NULL with a NULL default; two auto-increment keys; bad decimal text */
	t = orm_table_new("sch_bad");
	orm_col *c = orm_table_integer(t, "a");
	orm_col_not_null(c);
	orm_col_default(c, orm_null());
	s = ddl(ORM_DIALECT_SQLITE, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	t = orm_table_new("sch_bad");
	orm_table_increments(t, "a");
	orm_table_big_increments(t, "b");
	s = ddl(ORM_DIALECT_POSTGRES, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	t = orm_table_new("sch_bad");
	orm_col_default(orm_table_decimal(t, "d", 5, 2), orm_typed_text(ORM_TYPE_DECIMAL, "1e5"));
	s = ddl(ORM_DIALECT_POSTGRES, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	/* unsigned on a text column means nothing: refused, not ignored */
	t = orm_table_new("sch_bad");
	orm_col_unsigned(orm_table_text(t, "t"));
	s = ddl(ORM_DIALECT_MARIADB, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	/* a table with no columns */
	t = orm_table_new("sch_bad");
	s = ddl(ORM_DIALECT_SQLITE, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);

	/* a bad collation name cannot smuggle SQL */
	t = orm_table_new("sch_bad");
	orm_col_collate(orm_table_text(t, "t"), "x; DROP TABLE y");
	s = ddl(ORM_DIALECT_MARIADB, t, 0, &rc);
	assert_int_equal(rc, ORM_EINVAL);
	orm_free(s);
	orm_table_free(t);
}

static void test_sql_list(void **state)
{
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int i;

	(void)state;
	for (i = 0; i < 20; i++)
		assert_int_equal(orm_sql_list_add(&l, "SELECT 1"), 0);
	assert_int_equal(l.count, 20);
	assert_string_equal(l.items[19], "SELECT 1");
	assert_int_equal(orm_sql_list_add(&l, NULL), ORM_EINVAL);
	orm_sql_list_dispose(&l);
	assert_int_equal(l.count, 0);
	assert_null(l.items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden__all_types),
		cmocka_unit_test(test_golden__keys),
		cmocka_unit_test(test_golden__quoting),
		cmocka_unit_test(test_golden__alter_native),
		cmocka_unit_test(test_alter__pg_column),
		cmocka_unit_test(test_alter__needs_live_schema),
		cmocka_unit_test(test_types__not_lossy),
		cmocka_unit_test(test_types__names),
		cmocka_unit_test(test_names__long_key_names),
		cmocka_unit_test(test_errors__builder_is_sticky),
		cmocka_unit_test(test_errors__generation),
		cmocka_unit_test(test_sql_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
