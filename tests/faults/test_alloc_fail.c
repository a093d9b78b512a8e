/*
 * Allocation failure, exhaustively: the library's allocator hook
 * (orm_set_allocator) counts every allocation the library makes, and the
 * test makes the n-th one fail, for n = 1, 2, ... until a run of the whole
 * scenario makes fewer than n allocations. Each run must
 *   - end in ORM_ENOMEM (or succeed with correct results, where the
 *     library can do without the memory), never crash,
 *   - leave no allocation of the library live (the hook counts them).
 *
 * Scenario (SQLite, a new :memory: database each run): open; migrate
 * from tests/faults/fixtures/migrations (YAML + SQL); seed from
 * tests/faults/fixtures/seeds (CSV + YAML with labels); save a model;
 * fetch a collection with eager loading; plus, with no database, config
 * parsing with ${VAR} interpolation, URL parsing and query compilation.
 *
 * Allocations made inside sqlite3, libyaml and libcsv use their own
 * allocators and are not failed here (they are not the library's).
 */
#include "testutil.h"
#include "orm/sys/driver.h"

#include <stdalign.h>

/* ---- the counting, failing allocator ---- */

#define HDR ((sizeof(max_align_t) + 15) & ~(size_t)15)

static unsigned long calls;   /* malloc/realloc calls seen since the last reset */
static unsigned long fail_at; /* 0: never fail; else fail call number fail_at */
static unsigned long failed;  /* allocations failed on purpose in this run */
static long live;             /* live blocks of the library */

static int fail_now(void)
{
	calls++;
	if (fail_at && calls == fail_at) {
		failed++;
		return 1;
	}
	return 0;
}

static void *t_malloc(size_t n)
{
	char *p;

	if (fail_now())
		return NULL;
	p = malloc(HDR + n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	live++;
	return p + HDR;
}

static void *t_realloc(void *old, size_t n)
{
	char *p;

	if (!old)
		return t_malloc(n);
	if (fail_now())
		return NULL;
	p = realloc((char *)old - HDR, HDR + n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void t_free(void *p)
{
	if (!p)
		return;
	live--;
	free((char *)p - HDR);
}

static void arm(unsigned long n)
{
	calls = 0;
	failed = 0;
	fail_at = n;
}

/* ---- paths of the fixtures ---- */

static char mig_dir[4096], seed_dir[4096];

static void fixture_paths(void)
{
	const char *src = getenv("ORM_TEST_SRCDIR");

	snprintf(mig_dir, sizeof(mig_dir), "%s/tests/faults/fixtures/migrations", src ? src : ".");
	snprintf(seed_dir, sizeof(seed_dir), "%s/tests/faults/fixtures/seeds", src ? src : ".");
}

/* ---- the models ---- */

struct book;

struct author {
	orm_model_state orm;
	int64_t id;
	char *name;
	char *born;
	char *created_at;
	char *updated_at;
	struct book *books;
	size_t nbooks;
};

struct book {
	orm_model_state orm;
	int64_t id;
	int64_t author_id;
	char *title;
	char *price;
};

extern const orm_model af_author_model, af_book_model;

static const orm_field author_fields[] = {
	ORM_FIELD_INT64(struct author, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct author, name, 0),
	ORM_FIELD_DATE(struct author, born, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct author, created_at, ORM_CREATED_AT),
	ORM_FIELD_TIMESTAMP(struct author, updated_at, ORM_UPDATED_AT),
};
static const orm_relation author_relations[] = {
	ORM_HAS_MANY(struct author, books, nbooks, struct book, &af_book_model),
};
const orm_model af_author_model = ORM_MODEL_EX(struct author, orm, "author", "af_authors",
					       author_fields, ORM_RELATIONS(author_relations));

static const orm_field book_fields[] = {
	ORM_FIELD_INT64(struct book, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct book, author_id, 0),
	ORM_FIELD_TEXT(struct book, title, 0),
	ORM_FIELD_DECIMAL(struct book, price, ORM_NULLABLE | ORM_SERVER_DEFAULT),
};
const orm_model af_book_model = ORM_MODEL(struct book, orm, "book", "af_books", book_fields);

/* ---- the scenario ---- */

/* rc < 0: return it (with where, for the report) */
#define STEP(what, expr) do { \
	rc = (expr); \
	if (rc < 0) { \
		*where = (what); \
		goto out; \
	} \
} while (0)

/* Checks that hold whenever the scenario returns 0 (injected failure or not). */
#define EXPECT(what, cond) do { \
	if (!(cond)) { \
		*where = (what); \
		rc = 1; \
		goto out; \
	} \
} while (0)

static int db_scenario(const char **where)
{
	orm_conn *db = NULL;
	orm_migrate_opts mo = ORM_MIGRATE_OPTS_INIT;
	orm_seed_options so = ORM_SEED_OPTIONS_INIT;
	orm_collection authors = ORM_COLLECTION_INIT;
	orm_query *q = NULL;
	struct author a;
	struct book b;
	int64_t n = 0;
	int count = 0, rc;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	mo.directory = mig_dir;

	STEP("open", orm_open(&db, "sqlite::memory:"));
	STEP("migrate latest", orm_migrate_latest(db, &mo, &count));
	EXPECT("3 migrations applied", count == 3);
	STEP("seed run", orm_seed_run(db, seed_dir, &so));
	STEP("count tags", orm_query_int(db, &n, "SELECT count(*) FROM af_tags", NULL, 0));
	EXPECT("4 tags (3 seeded + 1 by migration)", n == 4);

	STEP("set name", ORM_MODEL_SET_TEXT(&af_author_model, &a, name, "Neil"));
	STEP("save author", orm_model_save(&a, db, &af_author_model));
	EXPECT("author id", a.id == 3);
	b.author_id = a.id;
	STEP("set title", ORM_MODEL_SET_TEXT(&af_book_model, &b, title, "Coraline"));
	STEP("save book", orm_model_save(&b, db, &af_book_model));
	EXPECT("book price default", b.price && strcmp(b.price, "0") != 0);

	q = orm_query_new("af_authors");
	STEP("query", q ? orm_query_order_by(q, "id", 0) : ORM_ENOMEM);
	{
		orm_with with[] = { ORM_WITH("books") };
		STEP("fetch with books", orm_collection_fetch_with(&authors, db, &af_author_model, q, with, 1));
	}
	EXPECT("3 authors", authors.count == 3);
	{
		static const size_t nbooks[] = { 1, 2, 1 };
		for (i = 0; i < 3; i++) {
			struct author *it = ORM_COLLECTION_AT(struct author, &authors, i);
			EXPECT("books per author", it->nbooks == nbooks[i]);
		}
		EXPECT("eager title", strcmp(ORM_COLLECTION_AT(struct author, &authors, 2)->books[0].title,
					      "Coraline") == 0);
	}
	rc = 0;
out:
	orm_collection_free(&authors);
	orm_query_free(q);
	orm_model_clear(&a, &af_author_model);
	orm_model_clear(&b, &af_book_model);
	orm_close(db);
	return rc;
}

static const char config_text[] =
	"development:\n"
	"  client: sqlite3\n"
	"  connection: \"sqlite:${AF_DB_FILE}\"\n"
	"  migrations: { directory: db/migrations }\n"
	"production:\n"
	"  client: pg\n"
	"  connection:\n"
	"    host: ${AF_HOST:-localhost}\n"
	"    user: app\n"
	"    password: ${AF_PASSWORD}\n"
	"    database: app\n";

static int nodb_scenario(const char **where)
{
	orm_config *cfg = NULL;
	const orm_config_db *cdb;
	orm_url *u = NULL;
	orm_buf sql = ORM_BUF_INIT, red = ORM_BUF_INIT;
	orm_query *q = NULL;
	char err[256];
	int rc;

	STEP("config parse", orm_config_parse(&cfg, config_text, sizeof(config_text) - 1, "ormtool.yaml",
					      "production"));
	EXPECT("one db", orm_config_db_count(cfg) == 1);
	cdb = orm_config_db_at(cfg, 0);
	EXPECT("config db", cdb != NULL);
	STEP("url parse", orm_url_parse(&u, "postgres://app:s3cret@db.example:5433/app?sslmode=require",
					err, sizeof(err)));
	EXPECT("url opt", orm_url_opt(u, "sslmode") && strcmp(orm_url_opt(u, "sslmode"), "require") == 0);
	STEP("url redacted", orm_url_redacted(&red, "mariadb://u:pw@h/db"));
	EXPECT("redacted", strstr(red.ptr, "pw") == NULL);

	q = orm_query_new("books");
	STEP("where", q ? orm_query_where(q, "title", "=", orm_text("x")) : ORM_ENOMEM);
	STEP("join", orm_query_join(q, ORM_JOIN_LEFT, "authors", "authors.id", "=", "books.author_id"));
	STEP("order", orm_query_order_by(q, "title", 0));
	STEP("to_sql", orm_query_to_sql(q, ORM_DIALECT_POSTGRES, &sql));
	EXPECT("sql", strstr(sql.ptr, "left join \"authors\"") != NULL);
	rc = 0;
out:
	orm_query_free(q);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&red);
	orm_url_free(u);
	orm_config_free(cfg);
	return rc;
}

/*
 * Fail allocation 1, 2, ... of the scenario. Every run must end with
 * ORM_ENOMEM (or 0 and correct results) and no live allocation.
 */
static void sweep(const char *name, int (*scenario)(const char **where))
{
	unsigned long n, first = 1, total, enomem = 0, absorbed = 0;
	const char *where = "";
	const char *only = getenv("ORM_AF_ONLY");
	int rc, bad = 0;

	arm(0);
	live = 0;
	rc = scenario(&where);
	if (rc != 0)
		print_error("%s without failures: rc %d at %s\n", name, rc, where);
	assert_int_equal(rc, 0);
	assert_int_equal(live, 0);
	total = calls;
	assert_true(total > 0);

	/* ORM_AF_ONLY=N fails allocation N only (to debug one case under ASan) */
	if (only && *only) {
		first = strtoul(only, NULL, 10);
		total = first;
	}
	for (n = first; n <= total + 1 && (!only || !*only || n == first); n++) {
		if (getenv("ORM_AF_VERBOSE"))
			fprintf(stderr, "%s: failing allocation %lu\n", name, n);
		arm(n);
		live = 0;
		where = "";
		rc = scenario(&where);
		if (live != 0) {
			print_error("%s: failing allocation %lu: %ld allocation(s) leaked (rc %d at %s)\n",
				    name, n, live, rc, where);
			bad++;
		}
		if (rc == ORM_ENOMEM) {
			enomem++;
		} else if (rc == 0) {
			absorbed += failed ? 1 : 0;
		} else {
			print_error("%s: failing allocation %lu: rc %d (%s) at %s, expected ORM_ENOMEM\n",
				    name, n, rc, rc < 0 ? orm_strerror(rc) : "wrong result", where);
			bad++;
		}
		if (!failed)
			break; /* the scenario made fewer than n allocations */
	}
	printf("# %s: %lu allocations per run; failed each one: %lu ended in ORM_ENOMEM, "
	       "%lu did without the memory, %d problem(s)\n", name, total, enomem, absorbed, bad);
	fflush(stdout);
	assert_int_equal(bad, 0);
}

static void test_alloc_fail_database(void **state)
{
	(void)state;
	sweep("database scenario", db_scenario);
}

static void test_alloc_fail_nodb(void **state)
{
	(void)state;
	setenv("AF_DB_FILE", "app.db", 1);
	setenv("AF_PASSWORD", "pw", 1);
	sweep("config/url/query scenario", nodb_scenario);
}

static void test_allocator_args(void **state)
{
	(void)state;
	assert_int_equal(orm_set_allocator(t_malloc, NULL, t_free), ORM_EINVAL);
	assert_int_equal(orm_set_allocator(t_malloc, t_realloc, t_free), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocator_args),
		cmocka_unit_test(test_alloc_fail_nodb),
		cmocka_unit_test(test_alloc_fail_database),
	};

	fixture_paths();
	if (orm_set_allocator(t_malloc, t_realloc, t_free) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
