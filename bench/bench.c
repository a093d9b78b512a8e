/*
 * liborm benchmark: the six phases of ../shared/bench/WORKLOAD.md run
 * through liborm's models, collections and eager loading, and by hand on
 * the raw driver (bench/raw_*.c), on the database given by URL.
 *
 *   bench [-s SCALE] [-r REPS] [--scaling] [--sequential] [--db NAME] URL
 *
 * Each side runs in a forked child, so that its peak memory (ru_maxrss
 * from wait4) is its own, on freshly created tables of its own database
 * (the raw side's is named after URL's: see raw_db()). The two children
 * of a repetition take turns phase by phase (run_pair(): liborm first in
 * odd repetitions, raw first in even ones), so that the two times of a
 * phase are taken close together; --sequential runs one whole side after
 * the other on URL's database instead. The median of REPS repetitions is
 * printed per phase with the ratio liborm / raw. The exit status is 0 when
 * both sides agree on every phase's row count and checksum, 1 when they
 * do not, 2 on an error.
 *
 * --scaling runs S = 1, 10, 50 once each and prints microseconds per row
 * per phase and the number of statements the eager load ran (read from
 * the connection's statement counter, an internal field).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "orm.h"
#include "orm/internal.h" /* struct orm_conn.stmt_execs, for counting queries */
#include "bench.h"

const char *const bench_phase_names[NPHASES] = {
	"insert_models", "insert_batch", "fetch_by_id",
	"fetch_collection", "eager_load", "update_models"
};

/* ---- helpers shared with the raw sides ---- */

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int bench_fail(bench_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->ok) {
		res->ok = 0;
		va_start(ap, fmt);
		vsnprintf(res->err, sizeof(res->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

uint64_t bench_str_sum(const char *s, size_t len)
{
	if (!s)
		return 7;
	if (!len)
		return 11;
	return (uint64_t)len * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[len - 1];
}

char *bench_sqlite_path(const char *url)
{
	const char *p = url + strlen("sqlite:");

	if (!strncmp(p, "//", 2))
		p += 2;
	return strndup(p, strcspn(p, "?"));
}

struct bench_chunk {
	struct bench_chunk *next;
	size_t used, cap;
	char data[];
};

const char *bench_arena_dup(bench_arena *a, const char *s, size_t len)
{
	struct bench_chunk *c = a->head;
	char *p;

	if (!s)
		return NULL;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

void bench_arena_free(bench_arena *a)
{
	while (a->head) {
		struct bench_chunk *n = a->head->next;

		free(a->head);
		a->head = n;
	}
}

int bench_map_init(bench_map *m, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	m->cap = cap;
	m->keys = malloc(cap * sizeof(*m->keys));
	m->vals = malloc(cap * sizeof(*m->vals));
	if (!m->keys || !m->vals)
		return -1;
	memset(m->keys, 0xff, cap * sizeof(*m->keys)); /* -1: empty */
	return 0;
}

static size_t map_slot(const bench_map *m, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(h >> 17) & (m->cap - 1);

	while (m->keys[i] != -1 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void bench_map_put(bench_map *m, int64_t key, size_t val)
{
	size_t i = map_slot(m, key);

	m->keys[i] = key;
	m->vals[i] = val;
}

size_t bench_map_get(const bench_map *m, int64_t key)
{
	size_t i = map_slot(m, key);

	return m->keys[i] == key ? m->vals[i] : (size_t)-1;
}

void bench_map_free(bench_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}

char *bench_insert_sql(const char *head, int ncols, int nrows, int dollar)
{
	orm_buf b = ORM_BUF_INIT;
	int r, c, n = 0;

	orm_buf_puts(&b, head);
	orm_buf_puts(&b, " VALUES ");
	for (r = 0; r < nrows; r++) {
		orm_buf_puts(&b, r ? ",(" : "(");
		for (c = 0; c < ncols; c++) {
			if (c)
				orm_buf_puts(&b, ",");
			if (dollar)
				orm_buf_printf(&b, "$%d", ++n);
			else
				orm_buf_puts(&b, "?");
		}
		orm_buf_puts(&b, ")");
	}
	return b.ptr; /* orm_buf memory comes from malloc unless an allocator is set */
}

/* ---- the models ---- */

struct post;
struct tag;

struct user {
	orm_model_state orm;
	int64_t id;
	char *email;
	char *name;
	int32_t age;
	struct post *posts;
	size_t nposts;
};

struct post {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *title;
	char *body;
	struct tag *tags;
	size_t ntags;
};

struct tag {
	orm_model_state orm;
	int64_t id;
	char *name;
};

struct post_tag {
	orm_model_state orm;
	int64_t post_id;
	int64_t tag_id;
};

extern const orm_model user_model, post_model, tag_model, post_tag_model;

static const orm_field user_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, name, ORM_NULLABLE),
	ORM_FIELD_INT32(struct user, age, ORM_NULLABLE),
};
static const orm_relation user_relations[] = {
	ORM_HAS_MANY(struct user, posts, nposts, struct post, &post_model),
};
const orm_model user_model = ORM_MODEL_EX(struct user, orm, "user", "users", user_fields,
					  ORM_RELATIONS(user_relations));

static const orm_field post_fields[] = {
	ORM_FIELD_INT64(struct post, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct post, user_id, 0),
	ORM_FIELD_TEXT(struct post, title, ORM_NULLABLE),
	ORM_FIELD_TEXT(struct post, body, ORM_NULLABLE),
};
static const orm_relation post_relations[] = {
	ORM_BELONGS_TO_MANY(struct post, tags, ntags, struct tag, &tag_model, .pivot = "posts_tags"),
};
const orm_model post_model = ORM_MODEL_EX(struct post, orm, "post", "posts", post_fields,
					  ORM_RELATIONS(post_relations));

static const orm_field tag_fields[] = {
	ORM_FIELD_INT64(struct tag, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct tag, name, 0),
};
const orm_model tag_model = ORM_MODEL(struct tag, orm, "tag", "tags", tag_fields);

static const orm_field post_tag_fields[] = {
	ORM_FIELD_INT64(struct post_tag, post_id, ORM_PK),
	ORM_FIELD_INT64(struct post_tag, tag_id, ORM_PK),
};
const orm_model post_tag_model = ORM_MODEL(struct post_tag, orm, "post_tag", "posts_tags",
					   post_tag_fields);

/* ---- schema (the schema builder), run by the parent before each side ---- */

static const char *const bench_tables[] = { "posts_tags", "posts", "tags", "users" };

static int make_schema(orm_conn *db)
{
	orm_table *t;
	orm_col *c;
	size_t i;
	int rc;

	for (i = 0; i < ORM_COUNTOF(bench_tables); i++)
		if ((rc = orm_schema_drop_table(db, bench_tables[i], ORM_SCHEMA_IF_EXISTS)) < 0)
			return rc;
	/* SQLite: give the file's free pages back, so that each side starts from
	 * the same compact file rather than the second one reusing the pages the
	 * first one's tables left free (which made the second side's inserts
	 * cheaper) */
	if (orm_conn_dialect(db) == ORM_DIALECT_SQLITE && (rc = orm_exec(db, "VACUUM")) < 0)
		return rc;

	t = orm_table_new("users");
	orm_table_increments(t, "id");
	c = orm_table_string(t, "email", 255);
	orm_col_not_null(c);
	orm_col_unique(c);
	orm_table_string(t, "name", 255);
	orm_table_integer(t, "age");
	rc = orm_schema_create_table(db, t, 0);
	orm_table_free(t);
	if (rc < 0)
		return rc;

	t = orm_table_new("tags");
	orm_table_increments(t, "id");
	c = orm_table_string(t, "name", 255);
	orm_col_not_null(c);
	orm_col_unique(c);
	rc = orm_schema_create_table(db, t, 0);
	orm_table_free(t);
	if (rc < 0)
		return rc;

	t = orm_table_new("posts");
	orm_table_increments(t, "id");
	c = orm_table_integer(t, "user_id");
	orm_col_not_null(c);
	orm_col_references(c, "users", "id");
	orm_table_string(t, "title", 255);
	orm_table_text(t, "body");
	orm_table_index(t, (const char *[]){ "user_id" }, 1, NULL);
	rc = orm_schema_create_table(db, t, 0);
	orm_table_free(t);
	if (rc < 0)
		return rc;

	t = orm_table_new("posts_tags");
	c = orm_table_integer(t, "post_id");
	orm_col_not_null(c);
	orm_col_references(c, "posts", "id");
	c = orm_table_integer(t, "tag_id");
	orm_col_not_null(c);
	orm_col_references(c, "tags", "id");
	orm_table_primary(t, (const char *[]){ "post_id", "tag_id" }, 2, NULL);
	rc = orm_schema_create_table(db, t, 0);
	orm_table_free(t);
	return rc;
}

static int drop_schema(orm_conn *db)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < ORM_COUNTOF(bench_tables); i++)
		if (orm_schema_drop_table(db, bench_tables[i], ORM_SCHEMA_IF_EXISTS) < 0)
			rc = -1;
	return rc;
}

/* ---- the liborm side ---- */

static int orm_side(const bench_cfg *cfg, bench_result *res)
{
	orm_conn *db = NULL;
	struct user *users = NULL;
	int64_t i, U = cfg->U, P = cfg->P, T = cfg->T;
	double t0, c0;
	bench_phase *ph;
	int rc = -1;

	if (orm_open(&db, cfg->url) < 0) {
		bench_fail(res, "liborm: open: %s", orm_conn_errmsg(db));
		goto out;
	}

	/* 1. insert_models: U users, one save each, in one transaction */
	ph = &res->ph[PH_INSERT_MODELS];
	users = calloc((size_t)U, sizeof(*users));
	if (!users) {
		bench_fail(res, "out of memory");
		goto out;
	}
	bench_gate(PH_INSERT_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (orm_begin(db) < 0)
		goto orm_err;
	for (i = 0; i < U; i++) {
		struct user *u = &users[i];
		char buf[64];

		snprintf(buf, sizeof(buf), "user%" PRId64 "@example.com", i);
		if (ORM_MODEL_SET_TEXT(&user_model, u, email, buf) < 0)
			goto orm_err;
		snprintf(buf, sizeof(buf), "User %" PRId64, i);
		if (ORM_MODEL_SET_TEXT(&user_model, u, name, buf) < 0)
			goto orm_err;
		ORM_MODEL_SET(&user_model, u, age, (int32_t)(i % 90));
		if (orm_model_save(u, db, &user_model) < 0)
			goto orm_err;
		ph->check += (uint64_t)u->id;
	}
	if (orm_commit(db) < 0)
		goto orm_err;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;

	/* 2. insert_batch: posts, tags, posts_tags with multi-row inserts */
	ph = &res->ph[PH_INSERT_BATCH];
	{
		enum { B = BENCH_RAW_BATCH };
		static struct post posts[B];
		static struct post_tag links[3 * B];
		static struct tag tags[64];
		static char titles[B][32];
		static char names[64][32];
		int64_t done, n, k;

		bench_gate(PH_INSERT_BATCH);
		t0 = bench_now(), c0 = bench_cpu();
		if (orm_begin(db) < 0)
			goto orm_err;
		for (done = 0; done < P; done += n) {
			n = P - done < B ? P - done : B;
			for (k = 0; k < n; k++) {
				int64_t p = done + k;

				snprintf(titles[k], sizeof(titles[k]), "Post %" PRId64, p);
				posts[k].user_id = 1 + p % U;
				posts[k].title = titles[k];
				posts[k].body = BENCH_BODY;
			}
			if (orm_model_insert_many(posts, (size_t)n, db, &post_model) < 0)
				goto orm_err;
			for (k = 0; k < n; k++)
				orm_model_clear(&posts[k], &post_model);
			ph->rows += n;
		}
		for (k = 0; k < T; k++) {
			snprintf(names[k], sizeof(names[k]), "tag%" PRId64, k);
			tags[k].name = names[k];
		}
		if (orm_model_insert_many(tags, (size_t)T, db, &tag_model) < 0)
			goto orm_err;
		for (k = 0; k < T; k++)
			orm_model_clear(&tags[k], &tag_model);
		ph->rows += T;
		for (done = 0; done < P; done += n) {
			n = P - done < B ? P - done : B;
			for (k = 0; k < 3 * n; k++) {
				int64_t p = done + k / 3;

				links[k].post_id = p + 1;
				links[k].tag_id = BENCH_TAG_OF(cfg, p, k % 3);
			}
			if (orm_model_insert_many(links, (size_t)(3 * n), db, &post_tag_model) < 0)
				goto orm_err;
			for (k = 0; k < 3 * n; k++)
				orm_model_clear(&links[k], &post_tag_model);
			ph->rows += 3 * n;
		}
		if (orm_commit(db) < 0)
			goto orm_err;
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	}

	/* 3. fetch_by_id */
	ph = &res->ph[PH_FETCH_BY_ID];
	{
		struct user u = { 0 };

		bench_gate(PH_FETCH_BY_ID);
		t0 = bench_now(), c0 = bench_cpu();
		for (i = 0; i < U; i++) {
			int64_t id = 1 + (i * 7919) % U;

			if (orm_model_find_id(&u, db, &user_model, id) < 0)
				goto orm_err;
			ph->check += (uint64_t)u.id + (uint64_t)u.age +
				bench_str_sum(u.email, u.email ? strlen(u.email) : 0) +
				bench_str_sum(u.name, u.name ? strlen(u.name) : 0);
			ph->rows++;
		}
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		orm_model_clear(&u, &user_model);
	}

	/* 4. fetch_collection */
	ph = &res->ph[PH_FETCH_COLLECTION];
	{
		orm_collection c = ORM_COLLECTION_INIT;

		bench_gate(PH_FETCH_COLLECTION);
		t0 = bench_now(), c0 = bench_cpu();
		if (orm_collection_fetch(&c, db, &post_model, NULL) < 0)
			goto orm_err;
		ORM_COLLECTION_FOREACH(struct post, p, &c)
			ph->check += (uint64_t)p->id + (uint64_t)p->user_id +
				bench_str_sum(p->title, p->title ? strlen(p->title) : 0) +
				bench_str_sum(p->body, p->body ? strlen(p->body) : 0);
		ph->rows = (int64_t)c.count;
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		collection_free(&c);
		if (ph->rows != P) {
			bench_fail(res, "liborm: fetch_collection: %" PRId64 " posts, expected %" PRId64,
				   ph->rows, P);
			goto out;
		}
	}

	/* 5. eager_load: users with posts.tags */
	ph = &res->ph[PH_EAGER_LOAD];
	{
		orm_collection c = ORM_COLLECTION_INIT;
		orm_with with[] = { ORM_WITH("posts.tags") };
		orm_query *q = orm_query_new("users");
		unsigned long before;

		orm_query_where(q, "id", "<=", orm_int(U));
		before = db->stmt_execs;
		bench_gate(PH_EAGER_LOAD);
		t0 = bench_now(), c0 = bench_cpu();
		if (orm_collection_fetch_with(&c, db, &user_model, q, with, 1) < 0) {
			orm_query_free(q);
			goto orm_err;
		}
		ORM_COLLECTION_FOREACH(struct user, u, &c) {
			size_t j, k;

			ph->check += (uint64_t)u->id + bench_str_sum(u->email, strlen(u->email));
			for (j = 0; j < u->nposts; j++) {
				struct post *p = &u->posts[j];

				ph->check += (uint64_t)p->id + (uint64_t)u->id +
					bench_str_sum(p->title, p->title ? strlen(p->title) : 0);
				for (k = 0; k < p->ntags; k++) {
					struct tag *t = &p->tags[k];

					ph->check += ((uint64_t)p->id ^ (uint64_t)t->id) +
						bench_str_sum(t->name, strlen(t->name));
					ph->rows++;
				}
			}
		}
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		res->eager_queries = (long)(db->stmt_execs - before);
		collection_free(&c);
		orm_query_free(q);
		if (ph->rows != 3 * P) {
			bench_fail(res, "liborm: eager_load: %" PRId64 " tags, expected %" PRId64,
				   ph->rows, 3 * P);
			goto out;
		}
	}

	/* 6. update_models */
	ph = &res->ph[PH_UPDATE_MODELS];
	bench_gate(PH_UPDATE_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (orm_begin(db) < 0)
		goto orm_err;
	for (i = 0; i < U; i++) {
		ORM_MODEL_SET(&user_model, &users[i], age, (int32_t)(i % 90 + 1));
		if (orm_model_save(&users[i], db, &user_model) < 0)
			goto orm_err;
	}
	if (orm_commit(db) < 0)
		goto orm_err;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;
	rc = 0;
	goto out;

orm_err:
	bench_fail(res, "liborm: %s", orm_conn_errmsg(db));
out:
	if (users) {
		for (i = 0; i < U; i++)
			orm_model_clear(&users[i], &user_model);
		free(users);
	}
	orm_close(db);
	return rc;
}

/* ---- running the sides ---- */

enum { SIDE_ORM, SIDE_RAW };

typedef int (*side_fn)(const bench_cfg *, bench_result *);

static side_fn raw_side_for(orm_dialect d)
{
	switch (d) {
#ifdef ORM_HAVE_SQLITE
	case ORM_DIALECT_SQLITE: return bench_raw_sqlite;
#endif
#ifdef ORM_HAVE_PQ
	case ORM_DIALECT_POSTGRES: return bench_raw_pg;
#endif
#ifdef ORM_HAVE_MARIADB
	case ORM_DIALECT_MARIADB: return bench_raw_mariadb;
#endif
	default: return NULL;
	}
}

/* Checksums of the database after phases 2 and 6, read the same way for both sides. */
static int verify_db(const bench_cfg *cfg, bench_result *res)
{
	static const char *const sql2[] = {
		"SELECT COUNT(*) FROM posts", "SELECT SUM(user_id) FROM posts",
		"SELECT SUM(LENGTH(title)) FROM posts", "SELECT SUM(LENGTH(body)) FROM posts",
		"SELECT COUNT(*) FROM tags", "SELECT SUM(LENGTH(name)) FROM tags",
		"SELECT COUNT(*) FROM posts_tags", "SELECT SUM(post_id * tag_id) FROM posts_tags",
	};
	orm_conn *db = NULL;
	int64_t v;
	size_t i;
	int rc = -1;

	if (orm_open(&db, cfg->url) < 0) {
		bench_fail(res, "verify: open: %s", orm_conn_errmsg(db));
		goto out;
	}
	res->ph[PH_INSERT_BATCH].check = 0;
	for (i = 0; i < ORM_COUNTOF(sql2); i++) {
		if (orm_query_int(db, &v, sql2[i], NULL, 0) < 0) {
			bench_fail(res, "verify: %s: %s", sql2[i], orm_conn_errmsg(db));
			goto out;
		}
		res->ph[PH_INSERT_BATCH].check = res->ph[PH_INSERT_BATCH].check * 31 + (uint64_t)v;
	}
	if (orm_query_int(db, &v, "SELECT SUM(age) FROM users", NULL, 0) < 0) {
		bench_fail(res, "verify: %s", orm_conn_errmsg(db));
		goto out;
	}
	res->ph[PH_UPDATE_MODELS].check = (uint64_t)v;
	rc = 0;
out:
	orm_close(db);
	return rc;
}

static int reset_schema(const bench_cfg *cfg, bench_result *res)
{
	orm_conn *db = NULL;
	int rc = 0;

	if (orm_open(&db, cfg->url) < 0 || make_schema(db) < 0)
		rc = bench_fail(res, "schema: %s", orm_conn_errmsg(db));
	orm_close(db);
	return rc;
}

/* Read a side's result from fd (a whole bench_result); @return 1 when complete. */
static int read_result(int fd, bench_result *res)
{
	size_t got = 0;

	while (got < sizeof(*res)) {
		ssize_t n = read(fd, (char *)res + got, sizeof(*res) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == sizeof(*res);
}

/* The child of one side: run it, hand the result to the parent through fd, exit. */
static __attribute__((noreturn)) void side_child(const bench_cfg *cfg, side_fn fn, bench_result *res,
						 int fd)
{
	if (fn(cfg, res) < 0)
		bench_fail(res, "%s side failed", fn == orm_side ? "liborm" : "raw");
	if (write(fd, res, sizeof(*res)) != (ssize_t)sizeof(*res))
		_exit(3);
	_exit(0);
}

/* Run one side in a child; peak memory in KiB into *maxrss. */
static int run_side(const bench_cfg *cfg, side_fn fn, bench_result *res, long *maxrss)
{
	struct rusage ru;
	int fds[2], status, got;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->ok = 1;
	if (reset_schema(cfg, res) < 0)
		return -1;
	if (pipe(fds) < 0)
		return bench_fail(res, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return bench_fail(res, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		side_child(cfg, fn, res, fds[1]);
	}
	close(fds[1]);
	got = read_result(fds[0], res);
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	if (!got) {
		memset(res, 0, sizeof(*res));
		res->ok = 1;
		return bench_fail(res, "child died (status %d)", status);
	}
	*maxrss = ru.ru_maxrss;
	if (!res->ok)
		return -1;
	return verify_db(cfg, res);
}

/*
 * Paired mode (the default): both sides' children are alive at once, each
 * on its own database, and take turns phase by phase. A side calls
 * bench_gate() just before it starts timing a phase; the gate tells the
 * parent the side is ready and waits for its go. The parent lets one side
 * run the phase, waits until that side reaches its next gate (or ends),
 * then lets the other side run the same phase. So the two measurements of
 * a phase are taken within a fraction of a second of each other, where
 * running one whole side after the other put seconds between them, and on
 * a shared machine the speed of the CPU drifts over seconds.
 */
static int gate_up = -1, gate_down = -1; /* in a side's child: to / from the parent */

/* One byte from fd; 0 at end of file or on an error. */
static int read_byte(int fd)
{
	unsigned char b;
	ssize_t n;

	while ((n = read(fd, &b, 1)) < 0 && errno == EINTR)
		;
	return n == 1;
}

void bench_gate(int phase)
{
	unsigned char b = (unsigned char)phase;

	if (gate_up < 0)
		return; /* a side running alone */
	if (write(gate_up, &b, 1) != 1 || !read_byte(gate_down))
		_exit(4); /* the parent is gone, or stopped the run */
}

struct side_child {
	pid_t pid;
	int res_fd, up_fd, down_fd; /* the parent's ends */
};

/* Fork the child of one side with its result and gate pipes. @return 0, -1 */
static int spawn_side(const bench_cfg *cfg, side_fn fn, bench_result *res, struct side_child *ch,
		      const struct side_child *other)
{
	int rp[2], up[2], down[2];

	if (pipe(rp) < 0 || pipe(up) < 0 || pipe(down) < 0)
		return bench_fail(res, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	ch->pid = fork();
	if (ch->pid < 0)
		return bench_fail(res, "fork: %s", strerror(errno));
	if (ch->pid == 0) {
		if (other) { /* the other side's pipes are not this child's */
			close(other->res_fd);
			close(other->up_fd);
			close(other->down_fd);
		}
		close(rp[0]);
		close(up[0]);
		close(down[1]);
		gate_up = up[1];
		gate_down = down[0];
		side_child(cfg, fn, res, rp[1]);
	}
	close(rp[1]);
	close(up[1]);
	close(down[0]);
	ch->res_fd = rp[0];
	ch->up_fd = up[0];
	ch->down_fd = down[1];
	return 0;
}

/*
 * Run both sides paired (see bench_gate()), side `first` first in every
 * phase; peak memory of each in KiB into maxrss[]. @return 0, -1
 */
static int run_pair(const bench_cfg cfgs[2], const side_fn fns[2], bench_result res[2],
		    long maxrss[2], int first)
{
	struct side_child ch[2];
	struct rusage ru;
	int s, k, p, ok = 1, status = 0, done[2] = { 0, 0 }, rc = 0;

	for (s = 0; s < 2; s++) {
		memset(&res[s], 0, sizeof(res[s]));
		res[s].ok = 1;
		ch[s].pid = -1;
	}
	for (s = 0; s < 2; s++)
		if (reset_schema(&cfgs[s], &res[s]) < 0)
			return -1;
	if (spawn_side(&cfgs[0], fns[0], &res[0], &ch[0], NULL) < 0)
		return -1;
	if (spawn_side(&cfgs[1], fns[1], &res[1], &ch[1], &ch[0]) < 0) {
		close(ch[0].down_fd); /* the child stops at its first gate */
		ch[0].down_fd = -1;
		ok = 0;
	}
	/* both ready for the first phase */
	for (s = 0; s < 2 && ok; s++)
		ok = read_byte(ch[s].up_fd);
	for (p = 0; p < NPHASES && ok; p++) {
		for (k = 0; k < 2 && ok; k++) {
			unsigned char go = (unsigned char)p;

			s = k ? 1 - first : first;
			if (write(ch[s].down_fd, &go, 1) != 1) {
				ok = 0;
				break;
			}
			if (p < NPHASES - 1)
				ok = read_byte(ch[s].up_fd); /* it finished phase p */
			else if ((ok = read_result(ch[s].res_fd, &res[s])) != 0)
				done[s] = 1;
		}
	}
	for (s = 0; s < 2; s++) {
		if (ch[s].pid < 0)
			continue;
		if (ch[s].down_fd >= 0)
			close(ch[s].down_fd); /* a child still at a gate ends */
		if (!done[s] && !read_result(ch[s].res_fd, &res[s])) {
			memset(&res[s], 0, sizeof(res[s]));
			res[s].ok = 1;
			bench_fail(&res[s], "child died");
		}
		close(ch[s].res_fd);
		close(ch[s].up_fd);
		memset(&ru, 0, sizeof(ru));
		while (wait4(ch[s].pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		maxrss[s] = ru.ru_maxrss;
	}
	for (s = 0; s < 2; s++)
		if (!res[s].ok)
			rc = -1;
	for (s = 0; s < 2 && rc == 0; s++)
		rc = verify_db(&cfgs[s], &res[s]);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

typedef struct bench_summary {
	double secs[2][NPHASES];
	double cpu[2][NPHASES];
	double rss[2];
	double ratio[NPHASES], cpu_ratio[NPHASES]; /* medians of the repetitions' ratios */
	double best[NPHASES]; /* fastest liborm time / fastest raw time */
	int64_t rows[2][NPHASES];
	long eager_queries;
	int agree;
} bench_summary;

/* REPS repetitions of both sides at cfg's scale; medians into sum. @return 0, -1 */
static int run_scale(const bench_cfg *cfg, orm_dialect d, int reps, bench_summary *sum)
{
	double *t[2][NPHASES], *c[2][NPHASES], *rss[2], *rt[NPHASES], *rcpu[NPHASES];
	side_fn fns[2] = { orm_side, raw_side_for(d) };
	int r, s, p, rc = -1;

	memset(sum, 0, sizeof(*sum));
	sum->agree = 1;
	for (p = 0; p < NPHASES; p++) {
		rt[p] = calloc((size_t)reps, sizeof(double));
		rcpu[p] = calloc((size_t)reps, sizeof(double));
	}
	for (s = 0; s < 2; s++) {
		rss[s] = calloc((size_t)reps, sizeof(double));
		for (p = 0; p < NPHASES; p++) {
			t[s][p] = calloc((size_t)reps, sizeof(double));
			c[s][p] = calloc((size_t)reps, sizeof(double));
		}
	}
	for (r = 0; r < reps; r++) {
		bench_result res[2];
		long kb[2] = { 0, 0 };
		int k;

		/* alternate which side goes first, so that neither always meets
		 * the server's after-effects (checkpoints, vacuum) of the other */
		if (cfg->raw_url) {
			bench_cfg cfgs[2];

			cfgs[SIDE_ORM] = cfgs[SIDE_RAW] = *cfg;
			cfgs[SIDE_RAW].url = cfg->raw_url;
			if (run_pair(cfgs, fns, res, kb, r % 2 ? SIDE_RAW : SIDE_ORM) < 0) {
				/* a side stopped because the other failed died: say only why */
				for (s = 0; s < 2; s++)
					if (!res[s].ok && (strcmp(res[s].err, "child died") || res[1 - s].ok ||
							   !strcmp(res[1 - s].err, "child died")))
						fprintf(stderr, "bench: %s side: %s\n", s ? "raw" : "liborm",
							res[s].err);
				goto out;
			}
		} else {
			for (k = 0; k < 2; k++) {
				s = r % 2 ? 1 - k : k;
				if (run_side(cfg, fns[s], &res[s], &kb[s]) < 0) {
					fprintf(stderr, "bench: %s side: %s\n", s ? "raw" : "liborm",
						res[s].err);
					goto out;
				}
			}
		}
		for (s = 0; s < 2; s++) {
			rss[s][r] = (double)kb[s];
			for (p = 0; p < NPHASES; p++) {
				t[s][p][r] = res[s].ph[p].secs;
				c[s][p][r] = res[s].ph[p].cpu;
				sum->rows[s][p] = res[s].ph[p].rows;
			}
		}
		sum->eager_queries = res[SIDE_ORM].eager_queries;
		if (reps > 1)
			printf("# repetition %d (%s first), ratio liborm/raw wall (CPU):", r + 1,
			       r % 2 ? "raw" : "liborm");
		for (p = 0; p < NPHASES; p++) {
			rt[p][r] = ratio(t[SIDE_ORM][p][r], t[SIDE_RAW][p][r]);
			rcpu[p][r] = ratio(c[SIDE_ORM][p][r], c[SIDE_RAW][p][r]);
			if (reps > 1)
				printf(" %.2f (%.2f)", rt[p][r], rcpu[p][r]);
		}
		if (reps > 1)
			printf("\n");
		for (p = 0; p < NPHASES; p++)
			if (res[0].ph[p].rows != res[1].ph[p].rows ||
			    res[0].ph[p].check != res[1].ph[p].check) {
				fprintf(stderr, "bench: %s: liborm and raw disagree: rows %" PRId64
					" vs %" PRId64 ", checksum %" PRIu64 " vs %" PRIu64 "\n",
					bench_phase_names[p], res[0].ph[p].rows, res[1].ph[p].rows,
					res[0].ph[p].check, res[1].ph[p].check);
				sum->agree = 0;
			}
	}
	for (s = 0; s < 2; s++) {
		sum->rss[s] = median(rss[s], reps);
		for (p = 0; p < NPHASES; p++) {
			sum->secs[s][p] = median(t[s][p], reps);
			sum->cpu[s][p] = median(c[s][p], reps);
		}
	}
	for (p = 0; p < NPHASES; p++) {
		sum->ratio[p] = median(rt[p], reps);
		sum->cpu_ratio[p] = median(rcpu[p], reps);
		/* median() sorted the times: [0] is each side's fastest run */
		sum->best[p] = ratio(t[SIDE_ORM][p][0], t[SIDE_RAW][p][0]);
	}
	rc = 0;
out:
	for (p = 0; p < NPHASES; p++) {
		free(rt[p]);
		free(rcpu[p]);
	}
	for (s = 0; s < 2; s++) {
		free(rss[s]);
		for (p = 0; p < NPHASES; p++) {
			free(t[s][p]);
			free(c[s][p]);
		}
	}
	return rc;
}

static void set_scale(bench_cfg *cfg, int scale)
{
	cfg->scale = scale;
	cfg->U = 2000 * (int64_t)scale;
	cfg->P = 10 * cfg->U;
	cfg->T = 50;
}

static void print_summary(const bench_cfg *cfg, orm_dialect d, int reps, const bench_summary *s)
{
	double load[3] = { 0, 0, 0 };
	int p;

	if (getloadavg(load, 3) < 0)
		load[0] = -1;
	printf("# %s S=%d users=%" PRId64 " posts=%" PRId64 " median of %d (load average %.2f)\n",
	       orm_dialect_name(d), cfg->scale, cfg->U, cfg->P, reps, load[0]);
	printf("# median wall-clock seconds per side, and the median of the repetitions' ratios "
	       "liborm/raw; best: the fastest liborm run over the fastest raw run (noise only adds "
	       "time); then the median for client CPU seconds\n");
	printf("%-18s %10s %10s %7s %7s %9s %9s %7s %9s\n", "phase", "liborm_s", "raw_s", "ratio", "best",
	       "orm_cpu", "raw_cpu", "ratio", "rows");
	for (p = 0; p < NPHASES; p++)
		printf("%-18s %10.4f %10.4f %6.2fx %6.2fx %9.4f %9.4f %6.2fx %9" PRId64 "\n",
		       bench_phase_names[p], s->secs[SIDE_ORM][p], s->secs[SIDE_RAW][p], s->ratio[p],
		       s->best[p], s->cpu[SIDE_ORM][p], s->cpu[SIDE_RAW][p], s->cpu_ratio[p],
		       s->rows[SIDE_ORM][p]);
	printf("%-18s %10.0f %10.0f %6.2fx\n", "peak_rss_kib", s->rss[SIDE_ORM], s->rss[SIDE_RAW],
	       ratio(s->rss[SIDE_ORM], s->rss[SIDE_RAW]));
	printf("%-18s %10ld\n", "eager_queries", s->eager_queries);
	printf("results %s\n", s->agree ? "agree" : "DISAGREE");
}

static void print_scaling(const bench_cfg *cfg, const bench_summary *s)
{
	int p;

	printf("S=%-3d", cfg->scale);
	for (p = 0; p < NPHASES; p++) {
		double n = (double)(s->rows[SIDE_ORM][p] ? s->rows[SIDE_ORM][p] : 1);

		printf(" %s %.2f/%.2f", bench_phase_names[p], s->secs[SIDE_ORM][p] * 1e6 / n,
		       s->secs[SIDE_RAW][p] * 1e6 / n);
	}
	printf(" eager_queries %ld\n", s->eager_queries);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [-s SCALE] [-r REPS] [--scaling] [--sequential] [--db NAME] URL\n");
}

/*
 * --db NAME (PostgreSQL, MariaDB): create database NAME on the server of
 * `url` when it is missing and return the URL pointing at it (malloc'd),
 * so that the benchmark's tables never meet those of tests running at the
 * same time in the test database.
 */
static char *scratch_db(const char *url, orm_dialect d, const char *name)
{
	orm_conn *db = NULL;
	orm_buf sql = ORM_BUF_INIT, out = ORM_BUF_INIT;
	const char *host = strstr(url, "://"), *path, *query;
	int64_t n = 0;
	int rc = -1;

	if (d == ORM_DIALECT_SQLITE || !host || !(path = strchr(host + 3, '/')))
		return d == ORM_DIALECT_SQLITE ? strdup(url) : NULL;
	query = strchr(path, '?');
	if (orm_open(&db, url) < 0)
		goto out;
	if (d == ORM_DIALECT_POSTGRES) {
		orm_value v = orm_text(name);

		if (orm_query_int(db, &n, "SELECT COUNT(*) FROM pg_database WHERE datname = ?", &v, 1) < 0)
			goto out;
		if (!n) {
			orm_buf_puts(&sql, "CREATE DATABASE ");
			orm_quote_ident(&sql, d, name);
		}
	} else {
		orm_buf_puts(&sql, "CREATE DATABASE IF NOT EXISTS ");
		orm_quote_ident(&sql, d, name);
		orm_buf_puts(&sql, " CHARACTER SET utf8mb4");
	}
	if (sql.ptr && orm_exec(db, sql.ptr) < 0)
		goto out;
	orm_buf_put(&out, url, (size_t)(path + 1 - url));
	orm_buf_puts(&out, name);
	if (query)
		orm_buf_puts(&out, query);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "bench: --db %s: %s\n", name, orm_conn_errmsg(db));
	orm_close(db);
	orm_buf_dispose(&sql);
	if (rc < 0) {
		orm_buf_dispose(&out);
		return NULL;
	}
	return out.ptr;
}

/*
 * The raw side's database in paired mode, beside the liborm side's `url`:
 * for SQLite the file with "-raw" appended to its name; on a server the
 * database named after url's (or NAME of --db) with "_raw" appended,
 * created when missing. @return a malloc'd URL, or NULL (reported).
 */
static char *raw_db(const char *url, orm_dialect d)
{
	const char *host = strstr(url, "://"), *path, *end;
	char name[256];
	size_t n;

	if (d == ORM_DIALECT_SQLITE) {
		orm_buf out = ORM_BUF_INIT;

		n = strcspn(url, "?");
		orm_buf_put(&out, url, n);
		orm_buf_puts(&out, "-raw");
		orm_buf_puts(&out, url + n);
		return out.ptr;
	}
	if (!host || !(path = strchr(host + 3, '/')) || !path[1] || path[1] == '?') {
		fprintf(stderr, "bench: %s: no database name for the raw side (give --db NAME)\n", url);
		return NULL;
	}
	end = path + 1 + strcspn(path + 1, "?");
	n = (size_t)(end - path - 1);
	if (n + sizeof("_raw") > sizeof(name)) {
		fprintf(stderr, "bench: %s: database name too long\n", url);
		return NULL;
	}
	memcpy(name, path + 1, n);
	memcpy(name + n, "_raw", sizeof("_raw"));
	return scratch_db(url, d, name);
}

int main(int argc, char **argv)
{
	bench_cfg cfg = { 0 };
	bench_summary sum;
	orm_conn *db = NULL;
	orm_dialect d;
	int scale = 1, reps = 1, scaling = 0, sequential = 0, i, agree = 1;
	const char *dbname = NULL;
	char *url = NULL, *rawurl = NULL;
	static const int scales[] = { 1, 10, 50 };

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			scale = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			dbname = argv[++i];
		else if (!strcmp(argv[i], "--scaling"))
			scaling = 1;
		else if (!strcmp(argv[i], "--sequential"))
			sequential = 1;
		else if (argv[i][0] == '-') {
			usage();
			return 2;
		} else
			cfg.url = argv[i];
	}
	if (!cfg.url || scale < 1 || reps < 1) {
		usage();
		return 2;
	}
	if (orm_open(&db, cfg.url) < 0) {
		fprintf(stderr, "bench: %s: %s\n", cfg.url, orm_conn_errmsg(db));
		orm_close(db);
		return 2;
	}
	d = orm_conn_dialect(db);
	orm_close(db);
	if (!raw_side_for(d)) {
		fprintf(stderr, "bench: no raw driver for %s in this build\n", orm_dialect_name(d));
		return 2;
	}
	if (dbname) {
		if (!(url = scratch_db(cfg.url, d, dbname)))
			return 2;
		cfg.url = url;
	}
	if (!sequential) {
		if (!(rawurl = raw_db(cfg.url, d))) {
			if (d == ORM_DIALECT_SQLITE)
				fprintf(stderr, "bench: out of memory\n");
			orm_free(url);
			return 2;
		}
		cfg.raw_url = rawurl;
	}

	if (!scaling) {
		set_scale(&cfg, scale);
		if (run_scale(&cfg, d, reps, &sum) < 0)
			return 2;
		print_summary(&cfg, d, reps, &sum);
		agree = sum.agree;
	} else {
		printf("# %s: microseconds per row, liborm/raw, per phase; statements run by the eager load\n",
		       orm_dialect_name(d));
		for (i = 0; i < (int)ORM_COUNTOF(scales); i++) {
			set_scale(&cfg, scales[i]);
			if (run_scale(&cfg, d, reps, &sum) < 0)
				return 2;
			print_scaling(&cfg, &sum);
			fflush(stdout);
			agree &= sum.agree;
		}
	}
	if (orm_open(&db, cfg.url) == 0)
		drop_schema(db);
	orm_close(db);
	if (rawurl) {
		db = NULL;
		if (orm_open(&db, rawurl) == 0)
			drop_schema(db);
		orm_close(db);
		if (d == ORM_DIALECT_SQLITE) { /* the file this run made */
			char *path = bench_sqlite_path(rawurl);

			if (path)
				remove(path);
			free(path);
		}
	}
	orm_free(url);
	orm_free(rawurl);
	return agree ? 0 : 1;
}
