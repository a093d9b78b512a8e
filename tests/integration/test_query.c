/*
 * Query builder on live databases: the same builder calls and the same
 * expected rows on SQLite, PostgreSQL and MariaDB (tests/integration/run.sh
 * sets ORM_TEST_URL from the case files query.{sqlite,pg,mariadb}).
 *
 * Only the DDL is per dialect (the schema builder is a layer above). The
 * tables are named qb_* and recreated by the group setup; the read-only
 * tests use qb_users / qb_orders seeded there, the writing tests use
 * their own tables.
 */
#include "testutil.h"

#include <math.h>

enum { DX_SQLITE = 0, DX_PG = 1, DX_MARIADB = 2, DX_N = 3 };

static orm_conn *g_db;
static int g_dx;
static int64_t g_ids[5];    /* qb_users ids from the seeding insert, in row order */

static const char *const drops[] = {
	"DROP TABLE IF EXISTS qb_orders", "DROP TABLE IF EXISTS qb_users",
	"DROP TABLE IF EXISTS qb_tags", "DROP TABLE IF EXISTS qb_wide",
};

static const char *const ddl[][DX_N] = {
	{ "CREATE TABLE qb_users (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20) NOT NULL,"
	  " email VARCHAR(50) UNIQUE, age INTEGER, city VARCHAR(20), score INTEGER NOT NULL DEFAULT 0)",
	  "CREATE TABLE qb_users (id SERIAL PRIMARY KEY, name VARCHAR(20) NOT NULL,"
	  " email VARCHAR(50) UNIQUE, age INTEGER, city VARCHAR(20), score INTEGER NOT NULL DEFAULT 0)",
	  "CREATE TABLE qb_users (id INTEGER AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL,"
	  " email VARCHAR(50) UNIQUE, age INTEGER, city VARCHAR(20), score INTEGER NOT NULL DEFAULT 0)" },
	{ "CREATE TABLE qb_orders (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,"
	  " total INTEGER NOT NULL, status VARCHAR(20) NOT NULL)",
	  "CREATE TABLE qb_orders (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL,"
	  " total INTEGER NOT NULL, status VARCHAR(20) NOT NULL)",
	  "CREATE TABLE qb_orders (id INTEGER AUTO_INCREMENT PRIMARY KEY, user_id INTEGER NOT NULL,"
	  " total INTEGER NOT NULL, status VARCHAR(20) NOT NULL)" },
	{ "CREATE TABLE qb_tags (name VARCHAR(20) PRIMARY KEY, hits INTEGER NOT NULL, note VARCHAR(20))",
	  "CREATE TABLE qb_tags (name VARCHAR(20) PRIMARY KEY, hits INTEGER NOT NULL, note VARCHAR(20))",
	  "CREATE TABLE qb_tags (name VARCHAR(20) PRIMARY KEY, hits INTEGER NOT NULL, note VARCHAR(20))" },
	{ "CREATE TABLE qb_wide (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b INTEGER, c INTEGER,"
	  " d INTEGER, e INTEGER, f INTEGER, g INTEGER, h INTEGER, i INTEGER, j INTEGER UNIQUE)",
	  "CREATE TABLE qb_wide (id BIGSERIAL PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER,"
	  " d INTEGER, e INTEGER, f INTEGER, g INTEGER, h INTEGER, i INTEGER, j INTEGER UNIQUE)",
	  "CREATE TABLE qb_wide (id BIGINT AUTO_INCREMENT PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER,"
	  " d INTEGER, e INTEGER, f INTEGER, g INTEGER, h INTEGER, i INTEGER, j INTEGER UNIQUE)" },
};

/* ---- helpers ---- */

/* Run the query and return its rows as "a|b;c|d" (NULL as ~); caller frees. */
static char *rows_of(orm_query *q)
{
	orm_buf b = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	char *s;
	int rc, i, n, row = 0;

	assert_orm_ok(g_db, orm_query_exec(&st, g_db, q));
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		n = orm_column_count(st);
		if (row++)
			assert_int_equal(orm_buf_puts(&b, ";"), 0);
		for (i = 0; i < n; i++) {
			const char *t = orm_column_text(st, i, NULL);
			if (i)
				assert_int_equal(orm_buf_puts(&b, "|"), 0);
			assert_int_equal(orm_buf_puts(&b, t ? t : "~"), 0);
		}
	}
	if (rc != ORM_DONE)
		print_error("step: %s\n", orm_conn_errmsg(g_db));
	assert_int_equal(rc, ORM_DONE);
	orm_stmt_free(st);
	s = strdup(b.ptr ? b.ptr : "");
	orm_buf_dispose(&b);
	assert_non_null(s);
	return s;
}

/* Assert the rows and free the query. */
static void expect_rows(orm_query *q, const char *expected)
{
	char *got;

	if (orm_query_error(q))
		print_error("builder error: %s\n", orm_query_errmsg(q));
	assert_int_equal(orm_query_error(q), 0);
	got = rows_of(q);
	if (strcmp(got, expected) != 0) {
		orm_buf sql = ORM_BUF_INIT;
		orm_query_to_sql(q, orm_conn_dialect(g_db), &sql);
		print_error("query: %s\n", sql.ptr ? sql.ptr : "?");
		orm_buf_dispose(&sql);
	}
	assert_string_equal(got, expected);
	free(got);
	orm_query_free(q);
}

static void run_ok(orm_query *q, int64_t *affected)
{
	assert_int_equal(orm_query_error(q), 0);
	assert_orm_ok(g_db, orm_query_run(g_db, q, affected));
	orm_query_free(q);
}

static int exec_quiet(const char *sql)
{
	int rc = orm_exec(g_db, sql);
	if (rc < 0)
		fprintf(stderr, "# %s: %s\n", sql, orm_conn_errmsg(g_db));
	return rc;
}

/* users: name, email, age, city, score */
struct user_row {
	const char *name, *email;
	int age, score; /* age < 0: NULL */
	const char *city;
};

static const struct user_row users[5] = {
	{ "ann", "ann@x", 30, 10, "Paris" },
	{ "bob", "bob@x", 25, 20, NULL },
	{ "cid", "cid@x", -1, 30, "Rome" },
	{ "dan", "dan@x", 41, 40, "Paris" },
	{ "eve", NULL, 35, 50, "Rome" },
};

static int group_setup(void **state)
{
	static const char *const ucols[] = { "name", "email", "age", "city", "score" };
	static const char *const ocols[] = { "user_id", "total", "status" };
	static const struct { int user; int total; const char *status; } orders[] = {
		{ 0, 100, "paid" }, { 0, 250, "shipped" }, { 1, 75, "paid" },
		{ 3, 500, "cancelled" }, { 3, 20, "paid" },
	};
	const char *url = orm_test_url_or_skip();
	orm_query *q = NULL;
	int64_t *ids = NULL;
	size_t nids = 0, i;
	const char *dn;

	(void)state;
	if (orm_open(&g_db, url) < 0) {
		fprintf(stderr, "# cannot open the test database: %s\n", orm_conn_errmsg(g_db));
		return -1;
	}
	dn = getenv("ORM_TEST_DIALECT");
	switch (orm_conn_dialect(g_db)) {
	case ORM_DIALECT_POSTGRES: g_dx = DX_PG; break;
	case ORM_DIALECT_MARIADB: g_dx = DX_MARIADB; break;
	default: g_dx = DX_SQLITE; break;
	}
	(void)dn;
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		if (exec_quiet(drops[i]) < 0)
			return -1;
	for (i = 0; i < sizeof(ddl) / sizeof(ddl[0]); i++)
		if (exec_quiet(ddl[i][g_dx]) < 0)
			return -1;

	/* users: one multi-row insert, ids back in row order */
	q = orm_query_new("qb_users");
	orm_query_insert(q, ucols, 5);
	for (i = 0; i < 5; i++) {
		orm_value v[5] = {
			orm_text(users[i].name), orm_text(users[i].email),
			users[i].age < 0 ? orm_null() : orm_int(users[i].age),
			orm_text(users[i].city), orm_int(users[i].score),
		};
		orm_query_values(q, v);
	}
	if (orm_query_insert_ids(g_db, q, "id", &ids, &nids) < 0 || nids != 5) {
		fprintf(stderr, "# seeding qb_users: %s (%zu ids)\n", orm_conn_errmsg(g_db), nids);
		orm_free(ids);
		orm_query_free(q);
		return -1;
	}
	memcpy(g_ids, ids, sizeof(g_ids));
	orm_free(ids);
	orm_query_free(q);

	q = orm_query_new("qb_orders");
	orm_query_insert(q, ocols, 3);
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		orm_value v[3] = { orm_int(g_ids[orders[i].user]), orm_int(orders[i].total),
				   orm_text(orders[i].status) };
		orm_query_values(q, v);
	}
	if (orm_query_run(g_db, q, NULL) < 0) {
		fprintf(stderr, "# seeding qb_orders: %s\n", orm_conn_errmsg(g_db));
		orm_query_free(q);
		return -1;
	}
	orm_query_free(q);
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		exec_quiet(drops[i]);
	orm_close(g_db);
	return 0;
}

static orm_query *users_q(void)
{
	orm_query *q = orm_query_new("qb_users");
	orm_query_select(q, "name");
	return q;
}

/* ---- tests ---- */

static void test_insert_ids_row_order(void **state)
{
	char expect[64];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		orm_query *q = users_q();
		if (i > 0)
			assert_true(g_ids[i] > g_ids[i - 1]);
		orm_query_where(q, "id", "=", orm_int(g_ids[i]));
		snprintf(expect, sizeof(expect), "%s", users[i].name);
		expect_rows(q, expect);
	}
}

static void test_where_family(void **state)
{
	orm_query *q;
	orm_value in[3] = { orm_text("ann"), orm_text("eve"), orm_text("zed") };

	(void)state;
	q = users_q();
	orm_query_where(q, "age", ">", orm_int(26));
	orm_query_where(q, "city", "=", orm_text("Paris"));
	orm_query_order_by(q, "id", ORM_ASC);
	expect_rows(q, "ann;dan");

	q = users_q();
	orm_query_where_in(q, "name", in, 3);
	orm_query_order_by(q, "name", ORM_DESC);
	expect_rows(q, "eve;ann");

	q = users_q();
	orm_query_where_in(q, "name", NULL, 0);
	expect_rows(q, "");

	q = users_q();
	orm_query_where_new(q, orm_expr_not_in("name", NULL, 0));
	orm_query_where_null(q, "city");
	expect_rows(q, "bob");

	q = users_q();
	orm_query_where_not_null(q, "age");
	orm_query_where_between(q, "age", orm_int(30), orm_int(40));
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "ann;eve");

	q = users_q();
	orm_query_where(q, "email", "=", orm_null()); /* is null */
	expect_rows(q, "eve");

	q = users_q();
	orm_query_where(q, "name", "like", orm_text("%n"));
	orm_query_or_where(q, "name", "<>", orm_text("ann"));
	orm_query_where(q, "score", ">=", orm_int(40)); /* like or (<> and >=) */
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "ann;dan;eve");

	q = users_q();
	orm_query_where_raw(q, "score + ? > ?", (orm_value[]){ orm_int(5), orm_int(40) }, 2);
	orm_query_where(q, "name", "!=", orm_text("eve"));
	expect_rows(q, "dan");

	q = users_q();
	orm_query_where(q, "name", "ilike", orm_text("A%"));
	expect_rows(q, "ann");
}

static void test_groups(void **state)
{
	orm_query *q;

	(void)state;
	/* (city = Rome or age < 26) and not (name = eve) */
	q = users_q();
	orm_query_where_new(q, orm_expr_or(orm_expr_cmp("city", "=", orm_text("Rome")),
					   orm_expr_cmp("age", "<", orm_int(26))));
	orm_query_where_new(q, orm_expr_not(orm_expr_cmp("name", "=", orm_text("eve"))));
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "bob;cid");

	/* three deep: score > 15 and ((city = Paris and not (age > 35)) or (email is null and age = 35)) */
	q = users_q();
	orm_query_where(q, "score", ">", orm_int(15));
	orm_query_where_new(q, orm_expr_or(
		orm_expr_and(orm_expr_cmp("city", "=", orm_text("Paris")),
			     orm_expr_not(orm_expr_cmp("age", ">", orm_int(35)))),
		orm_expr_and(orm_expr_null("email"), orm_expr_cmp("age", "=", orm_int(35)))));
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "eve");
}

static void test_joins(void **state)
{
	orm_query *q;

	(void)state;
	q = orm_query_new("qb_users");
	orm_query_from_as(q, "u");
	orm_query_select(q, "u.name");
	orm_query_select(q, "o.total");
	orm_query_join_on_new(q, ORM_JOIN_INNER, "qb_orders", "o",
			      orm_expr_and(orm_expr_cmp_col("o.user_id", "=", "u.id"),
					   orm_expr_cmp("o.status", "=", orm_text("paid"))));
	orm_query_order_by(q, "o.total", ORM_ASC);
	expect_rows(q, "dan|20;bob|75;ann|100");

	/* left join: users without orders get NULL */
	q = orm_query_new("qb_users");
	orm_query_select(q, "qb_users.name");
	orm_query_select_agg(q, ORM_AGG_COUNT, "qb_orders.id", "n");
	orm_query_join(q, ORM_JOIN_LEFT, "qb_orders", "qb_orders.user_id", "=", "qb_users.id");
	orm_query_group_by(q, "qb_users.name");
	orm_query_order_by(q, "qb_users.name", ORM_ASC);
	expect_rows(q, "ann|2;bob|1;cid|0;dan|2;eve|0");

	/* right join (SQLite >= 3.39) */
	q = orm_query_new("qb_orders");
	orm_query_select(q, "qb_users.name");
	orm_query_select(q, "qb_orders.status");
	orm_query_join(q, ORM_JOIN_RIGHT, "qb_users", "qb_orders.user_id", "=", "qb_users.id");
	orm_query_where_null(q, "qb_orders.id");
	orm_query_order_by(q, "qb_users.name", ORM_ASC);
	expect_rows(q, "cid|~;eve|~");

	/* cross join */
	q = orm_query_new("qb_users");
	orm_query_select_agg(q, ORM_AGG_COUNT, NULL, NULL);
	orm_query_join(q, ORM_JOIN_CROSS, "qb_orders", NULL, NULL, NULL);
	expect_rows(q, "25");
}

static void test_group_having(void **state)
{
	orm_query *q;

	(void)state;
	q = orm_query_new("qb_orders");
	orm_query_select(q, "user_id");
	orm_query_select_agg(q, ORM_AGG_COUNT, NULL, "n");
	orm_query_select_agg(q, ORM_AGG_SUM, "total", "s");
	orm_query_group_by(q, "user_id");
	orm_query_having_new(q, orm_expr_agg_cmp(ORM_AGG_COUNT, NULL, ">=", orm_int(2)));
	orm_query_having_new(q, orm_expr_agg_cmp(ORM_AGG_MAX, "total", ">", orm_int(300)));
	orm_query_order_by(q, "user_id", ORM_ASC);
	{
		char expect[64];
		snprintf(expect, sizeof(expect), "%lld|2|520", (long long)g_ids[3]);
		expect_rows(q, expect);
	}

	q = orm_query_new("qb_users");
	orm_query_select(q, "city");
	orm_query_select_agg(q, ORM_AGG_COUNT, NULL, "n");
	orm_query_group_by(q, "city");
	orm_query_having_new(q, orm_expr_agg_cmp(ORM_AGG_COUNT_DISTINCT, "name", ">", orm_int(1)));
	orm_query_order_by(q, "city", ORM_ASC);
	expect_rows(q, "Paris|2;Rome|2");
}

static void test_order_nulls(void **state)
{
	orm_query *q;

	(void)state;
	q = users_q();
	orm_query_order_by(q, "age", ORM_ASC | ORM_NULLS_FIRST);
	expect_rows(q, "cid;bob;ann;eve;dan");

	q = users_q();
	orm_query_order_by(q, "age", ORM_ASC | ORM_NULLS_LAST);
	expect_rows(q, "bob;ann;eve;dan;cid");

	q = users_q();
	orm_query_order_by(q, "age", ORM_DESC | ORM_NULLS_FIRST);
	expect_rows(q, "cid;dan;eve;ann;bob");

	q = users_q();
	orm_query_order_by(q, "age", ORM_DESC | ORM_NULLS_LAST);
	expect_rows(q, "dan;eve;ann;bob;cid");

	q = users_q();
	orm_query_order_by(q, "city", ORM_DESC | ORM_NULLS_LAST);
	orm_query_order_by(q, "name", ORM_DESC);
	expect_rows(q, "eve;cid;dan;ann;bob");

	q = users_q();
	orm_query_order_by_raw(q, "score % 20 desc");
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "ann;cid;eve;bob;dan");
}

static void test_limit_offset_distinct(void **state)
{
	orm_query *q;
	int page;

	(void)state;
	q = users_q();
	orm_query_order_by(q, "id", ORM_ASC);
	orm_query_limit(q, 2);
	orm_query_offset(q, 1);
	expect_rows(q, "bob;cid");

	q = users_q();
	orm_query_order_by(q, "id", ORM_ASC);
	orm_query_offset(q, 3);
	expect_rows(q, "dan;eve");

	q = users_q();
	orm_query_order_by(q, "id", ORM_ASC);
	orm_query_limit(q, 0);
	expect_rows(q, "");

	/* paging: the same prepared statement with other limit/offset values */
	for (page = 0; page < 3; page++) {
		static const char *const pages[] = { "ann;bob", "cid;dan", "eve" };
		q = users_q();
		orm_query_order_by(q, "id", ORM_ASC);
		orm_query_limit(q, 2);
		orm_query_offset(q, page * 2);
		expect_rows(q, pages[page]);
	}

	q = orm_query_new("qb_users");
	orm_query_distinct(q);
	orm_query_select(q, "city");
	orm_query_order_by(q, "city", ORM_ASC | ORM_NULLS_FIRST);
	expect_rows(q, "~;Paris;Rome");
}

static void test_aggregates(void **state)
{
	orm_query *q = orm_query_new("qb_users");
	orm_stmt *st = NULL;

	(void)state;
	orm_query_select_agg(q, ORM_AGG_COUNT, NULL, "n");
	orm_query_select_agg(q, ORM_AGG_COUNT, "age", "n_age");
	orm_query_select_agg(q, ORM_AGG_COUNT_DISTINCT, "city", "cities");
	orm_query_select_agg(q, ORM_AGG_SUM, "score", "total");
	orm_query_select_agg(q, ORM_AGG_AVG, "score", "mean");
	orm_query_select_agg(q, ORM_AGG_MIN, "age", "lo");
	orm_query_select_agg(q, ORM_AGG_MAX, "age", "hi");
	assert_orm_ok(g_db, orm_query_exec(&st, g_db, q));
	orm_query_free(q); /* the statement does not point into the query */
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	assert_string_equal(orm_column_name(st, 0), "n");
	assert_string_equal(orm_column_name(st, 4), "mean");
	assert_int_equal(orm_column_int(st, 0), 5);
	assert_int_equal(orm_column_int(st, 1), 4);
	assert_int_equal(orm_column_int(st, 2), 2);
	assert_int_equal(orm_column_int(st, 3), 150);
	assert_true(fabs(orm_column_double(st, 4) - 30.0) < 1e-9);
	assert_int_equal(orm_column_int(st, 5), 25);
	assert_int_equal(orm_column_int(st, 6), 41);
	assert_int_equal(orm_stmt_step(st), ORM_DONE);
	orm_stmt_free(st);
}

static void test_subqueries(void **state)
{
	orm_query *q, *sub;

	(void)state;
	/* users with a paid order; parameters before, inside and after */
	sub = orm_query_new("qb_orders");
	orm_query_select(sub, "user_id");
	orm_query_where(sub, "status", "=", orm_text("paid"));
	orm_query_where(sub, "total", ">", orm_int(50));
	q = users_q();
	orm_query_where(q, "score", ">", orm_int(5));
	orm_query_where_new(q, orm_expr_in_query_new("id", sub));
	orm_query_where(q, "name", "<>", orm_text("zed"));
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "ann;bob");

	/* correlated exists / not exists */
	sub = orm_query_new("qb_orders");
	orm_query_from_as(sub, "o");
	orm_query_select_raw(sub, "1", NULL, 0);
	orm_query_where_new(sub, orm_expr_cmp_col("o.user_id", "=", "u.id"));
	orm_query_where(sub, "o.total", ">", orm_int(200));
	q = orm_query_new("qb_users");
	orm_query_from_as(q, "u");
	orm_query_select(q, "u.name");
	orm_query_where_new(q, orm_expr_exists_new(sub));
	orm_query_order_by(q, "u.name", ORM_ASC);
	expect_rows(q, "ann;dan");

	sub = orm_query_new("qb_orders");
	orm_query_where_new(sub, orm_expr_cmp_col("qb_orders.user_id", "=", "qb_users.id"));
	q = users_q();
	orm_query_where_new(q, orm_expr_not(orm_expr_exists_new(sub)));
	orm_query_order_by(q, "name", ORM_ASC);
	expect_rows(q, "cid;eve");
}

static orm_query *tags_q(void)
{
	orm_query *q = orm_query_new("qb_tags");
	orm_query_select(q, "name");
	orm_query_select(q, "hits");
	orm_query_order_by(q, "name", ORM_ASC);
	return q;
}

static void insert_tags(const char *const *names, const int *hits, size_t n, int conflict)
{
	static const char *const cols[] = { "name", "hits" };
	static const char *const key[] = { "name" };
	orm_query *q = orm_query_new("qb_tags");
	size_t i;

	orm_query_insert(q, cols, 2);
	for (i = 0; i < n; i++) {
		orm_value v[2] = { orm_text(names[i]), orm_int(hits[i]) };
		orm_query_values(q, v);
	}
	if (conflict == 1)
		orm_query_on_conflict_ignore(q, key, 1);
	else if (conflict == 2)
		orm_query_on_conflict_merge(q, key, 1, NULL, 0);
	run_ok(q, NULL);
}

static void test_upsert_increment_update_delete(void **state)
{
	orm_query *q;
	int64_t affected = -1;
	orm_stmt *st = NULL;

	(void)state;
	assert_int_equal(orm_exec(g_db, "DELETE FROM qb_tags"), 0);
	insert_tags((const char *[]){ "a", "b" }, (int[]){ 1, 1 }, 2, 0);
	/* a plain insert of a duplicate fails with the unique code */
	q = orm_query_new("qb_tags");
	orm_query_insert(q, (const char *[]){ "name", "hits" }, 2);
	orm_query_values(q, (orm_value[]){ orm_text("a"), orm_int(9) });
	assert_orm_rc(g_db, orm_query_run(g_db, q, NULL), ORM_EUNIQUE);
	orm_query_free(q);

	insert_tags((const char *[]){ "a", "c" }, (int[]){ 5, 1 }, 2, 1);        /* ignore */
	expect_rows(tags_q(), "a|1;b|1;c|1");
	insert_tags((const char *[]){ "a", "d" }, (int[]){ 7, 1 }, 2, 2);        /* merge */
	expect_rows(tags_q(), "a|7;b|1;c|1;d|1");

	/* merge of chosen columns only */
	q = orm_query_new("qb_tags");
	orm_query_insert(q, (const char *[]){ "name", "hits", "note" }, 3);
	orm_query_values(q, (orm_value[]){ orm_text("b"), orm_int(99), orm_text("merged") });
	orm_query_on_conflict_merge(q, (const char *[]){ "name" }, 1, (const char *[]){ "note" }, 1);
	run_ok(q, NULL);
	q = orm_query_new("qb_tags");
	orm_query_select(q, "hits");
	orm_query_select(q, "note");
	orm_query_where(q, "name", "=", orm_text("b"));
	expect_rows(q, "1|merged");

	/* increment / decrement */
	q = orm_query_new("qb_tags");
	orm_query_increment(q, "hits", 3);
	orm_query_where(q, "name", "=", orm_text("a"));
	run_ok(q, &affected);
	assert_int_equal(affected, 1);
	q = orm_query_new("qb_tags");
	orm_query_increment(q, "hits", -2);
	orm_query_where_in(q, "name", (orm_value[]){ orm_text("a"), orm_text("c") }, 2);
	run_ok(q, &affected);
	assert_int_equal(affected, 2);
	expect_rows(tags_q(), "a|8;b|1;c|-1;d|1");

	/* update */
	q = orm_query_new("qb_tags");
	orm_query_update(q);
	orm_query_set(q, "hits", orm_int(0));
	orm_query_set(q, "note", orm_text("reset"));
	orm_query_where_new(q, orm_expr_or(orm_expr_cmp("hits", "<", orm_int(0)),
					   orm_expr_cmp("name", "=", orm_text("d"))));
	run_ok(q, &affected);
	assert_int_equal(affected, 2);
	expect_rows(tags_q(), "a|8;b|1;c|0;d|0");

	/* update ... returning: not on MariaDB */
	q = orm_query_new("qb_tags");
	orm_query_increment(q, "hits", 1);
	orm_query_where(q, "name", "=", orm_text("a"));
	orm_query_returning(q, "hits");
	if (g_dx == DX_MARIADB) {
		assert_orm_rc(g_db, orm_query_exec(&st, g_db, q), ORM_EUNSUPPORTED);
		assert_non_null(strstr(orm_conn_errmsg(g_db), "RETURNING"));
		orm_query_free(q);
		q = orm_query_new("qb_tags");
		orm_query_increment(q, "hits", 1);
		orm_query_where(q, "name", "=", orm_text("a"));
		run_ok(q, NULL);
	} else {
		expect_rows(q, "9");
	}

	/* delete ... returning (MariaDB 10.5+ too) */
	q = orm_query_new("qb_tags");
	orm_query_delete(q);
	orm_query_where(q, "hits", "=", orm_int(0));
	orm_query_where(q, "name", "=", orm_text("c"));
	orm_query_returning(q, "name");
	orm_query_returning(q, "note");
	expect_rows(q, "c|reset");
	q = orm_query_new("qb_tags");
	orm_query_delete(q);
	orm_query_where_in(q, "name", (orm_value[]){ orm_text("b"), orm_text("d") }, 2);
	run_ok(q, &affected);
	assert_int_equal(affected, 2);
	expect_rows(tags_q(), "a|9");

	/* an aliased update and delete (MariaDB: delete `t` from ... as `t`) */
	q = orm_query_new("qb_tags");
	orm_query_from_as(q, "t");
	orm_query_set(q, "hits", orm_int(10));
	orm_query_where(q, "t.name", "=", orm_text("a"));
	run_ok(q, &affected);
	assert_int_equal(affected, 1);
	expect_rows(tags_q(), "a|10");
	q = orm_query_new("qb_tags");
	orm_query_from_as(q, "t");
	orm_query_delete(q);
	orm_query_where(q, "t.hits", ">", orm_int(9));
	run_ok(q, &affected);
	assert_int_equal(affected, 1);
	expect_rows(tags_q(), "");
}

static void test_insert_returning(void **state)
{
	orm_query *q;

	(void)state;
	assert_int_equal(orm_exec(g_db, "DELETE FROM qb_tags"), 0);
	q = orm_query_new("qb_tags");
	orm_query_insert(q, (const char *[]){ "name", "hits" }, 2);
	orm_query_values(q, (orm_value[]){ orm_text("x"), orm_int(1) });
	orm_query_values(q, (orm_value[]){ orm_text("y"), orm_int(2) });
	orm_query_values(q, (orm_value[]){ orm_text("z"), orm_int(3) });
	orm_query_returning(q, "name");
	orm_query_returning(q, "hits");
	expect_rows(q, "x|1;y|2;z|3");
}

/*
 * Many rows: more parameters than any dialect takes in one statement;
 * orm_query_insert_ids splits the insert in one transaction, ids in row
 * order. A failure in a later part rolls the earlier parts back.
 */
static void test_insert_many_chunked(void **state)
{
	static const char *const cols[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
	enum { N = 7000 };
	orm_query *q;
	int64_t *ids = NULL, n = 0;
	size_t nids = 0, i, k;
	orm_value v[10];

	(void)state;
	assert_int_equal(orm_exec(g_db, "DELETE FROM qb_wide"), 0);
	q = orm_query_new("qb_wide");
	orm_query_insert(q, cols, 10);
	for (i = 0; i < N; i++) {
		for (k = 0; k < 10; k++)
			v[k] = orm_int((int64_t)(i * 10 + k));
		orm_query_values(q, v);
	}
	assert_int_equal(orm_query_row_count(q), N);
	assert_orm_ok(g_db, orm_query_insert_ids(g_db, q, "id", &ids, &nids));
	assert_int_equal(nids, N);
	for (i = 1; i < nids; i++)
		if (ids[i] <= ids[i - 1])
			fail_msg("ids not increasing at row %zu", i);
	orm_query_free(q);
	/* ids map to the rows they were returned for */
	q = orm_query_new("qb_wide");
	orm_query_select(q, "a");
	orm_query_where_in(q, "id", (orm_value[]){ orm_int(ids[0]), orm_int(ids[6999]) }, 2);
	orm_query_order_by(q, "id", ORM_ASC);
	expect_rows(q, "0;69990");
	orm_free(ids);
	assert_orm_ok(g_db, orm_query_int(g_db, &n, "SELECT COUNT(*) FROM qb_wide", NULL, 0));
	assert_int_equal(n, N);
	assert_int_equal(orm_tx_depth(g_db), 0);

	/* a duplicate j in the last part: nothing of the insert stays */
	assert_int_equal(orm_exec(g_db, "DELETE FROM qb_wide"), 0);
	q = orm_query_new("qb_wide");
	orm_query_insert(q, cols, 10);
	for (i = 0; i < N; i++) {
		for (k = 0; k < 10; k++)
			v[k] = orm_int((int64_t)(i * 10 + k));
		if (i == N - 1)
			v[9] = orm_int(9); /* j of row 0 */
		orm_query_values(q, v);
	}
	assert_orm_rc(g_db, orm_query_run(g_db, q, NULL), ORM_EUNIQUE);
	orm_query_free(q);
	assert_int_equal(orm_tx_depth(g_db), 0);
	/* the error detail is the insert's, not the rollback's */
	assert_int_equal(orm_conn_error(g_db)->code, ORM_EUNIQUE);
	assert_true(orm_conn_errmsg(g_db)[0] != '\0');
	assert_orm_ok(g_db, orm_query_int(g_db, &n, "SELECT COUNT(*) FROM qb_wide", NULL, 0));
	assert_int_equal(n, 0);
}

/*
 * insert_ids with "ignore": PostgreSQL and SQLite return ids for the
 * inserted rows only; MariaDB (ON DUPLICATE KEY UPDATE k = k ... RETURNING)
 * returns one per row, the existing row's id for a duplicate.
 */
static void test_insert_ids_ignore(void **state)
{
	static const char *const cols[] = { "a", "j" };
	static const char *const key[] = { "j" };
	orm_query *q;
	int64_t *ids = NULL, first = 0;
	size_t nids = 0;

	(void)state;
	assert_int_equal(orm_exec(g_db, "DELETE FROM qb_wide"), 0);
	q = orm_query_new("qb_wide");
	orm_query_insert(q, cols, 2);
	orm_query_values(q, (orm_value[]){ orm_int(1), orm_int(1) });
	assert_orm_ok(g_db, orm_query_insert_ids(g_db, q, "id", &ids, &nids));
	assert_int_equal(nids, 1);
	first = ids[0];
	orm_free(ids);
	orm_query_free(q);

	q = orm_query_new("qb_wide");
	orm_query_insert(q, cols, 2);
	orm_query_values(q, (orm_value[]){ orm_int(2), orm_int(1) }); /* duplicate j */
	orm_query_values(q, (orm_value[]){ orm_int(3), orm_int(2) });
	orm_query_on_conflict_ignore(q, key, 1);
	assert_orm_ok(g_db, orm_query_insert_ids(g_db, q, "id", &ids, &nids));
	if (g_dx == DX_MARIADB) {
		assert_int_equal(nids, 2);
		assert_int_equal(ids[0], first);
		assert_true(ids[1] > first);
	} else {
		assert_int_equal(nids, 1);
		assert_true(ids[0] > first);
	}
	orm_free(ids);
	orm_query_free(q);
	q = orm_query_new("qb_wide");
	orm_query_select(q, "a");
	orm_query_order_by(q, "j", ORM_ASC);
	expect_rows(q, "1;3");
}

static void test_for_update_in_tx(void **state)
{
	orm_query *q;

	(void)state;
	assert_orm_ok(g_db, orm_begin(g_db));
	q = users_q();
	orm_query_where(q, "name", "=", orm_text("ann"));
	orm_query_for_update(q);
	expect_rows(q, "ann");
	assert_orm_ok(g_db, orm_commit(g_db));
}

static void test_server_error_reported(void **state)
{
	orm_query *q = orm_query_new("qb_no_such_table");
	orm_stmt *st = (orm_stmt *)1;
	int rc;

	(void)state;
	rc = orm_query_exec(&st, g_db, q);
	if (rc == 0) {
		/* PostgreSQL prepares statements with parameters lazily; this one has none */
		rc = orm_stmt_step(st);
		orm_stmt_free(st);
	}
	assert_true(rc < 0);
	assert_true(strstr(orm_conn_errmsg(g_db), "qb_no_such_table") != NULL);
	orm_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_ids_row_order),
		cmocka_unit_test(test_where_family),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_joins),
		cmocka_unit_test(test_group_having),
		cmocka_unit_test(test_order_nulls),
		cmocka_unit_test(test_limit_offset_distinct),
		cmocka_unit_test(test_aggregates),
		cmocka_unit_test(test_subqueries),
		cmocka_unit_test(test_upsert_increment_update_delete),
		cmocka_unit_test(test_insert_returning),
		cmocka_unit_test(test_insert_many_chunked),
		cmocka_unit_test(test_insert_ids_ignore),
		cmocka_unit_test(test_for_update_in_tx),
		cmocka_unit_test(test_server_error_reported),
	};

	orm_test_url_or_skip();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
