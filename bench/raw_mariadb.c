/*
 * The workload written by hand on MariaDB Connector/C: prepared
 * statements (mysql_stmt_*, binary protocol) with bound buffers, results
 * stored client side, multi-row INSERTs for the batch phase, no ORM.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "bench.h"
#include "raw_common.h"

static int fail(bench_result *res, MYSQL *my, MYSQL_STMT *st, const char *what)
{
	return bench_fail(res, "mariadb: %s: %s", what,
			  st ? mysql_stmt_error(st) : my ? mysql_error(my) : "no connection");
}

static int exec(MYSQL *my, bench_result *res, const char *sql)
{
	return mysql_query(my, sql) == 0 ? 0 : fail(res, my, NULL, sql);
}

static MYSQL_STMT *prep(MYSQL *my, bench_result *res, const char *sql)
{
	MYSQL_STMT *st = mysql_stmt_init(my);

	if (!st) {
		fail(res, my, NULL, "stmt_init");
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		fail(res, my, st, sql);
		mysql_stmt_close(st);
		return NULL;
	}
	return st;
}

/* mariadb://user:password@host:port/db -> its parts (in buf) */
typedef struct my_url {
	char buf[512];
	const char *user, *pass, *host, *db;
	unsigned port;
} my_url;

static int parse_url(const char *url, my_url *u)
{
	char *p, *at, *colon, *slash, *q;

	memset(u, 0, sizeof(*u));
	p = strstr(url, "://");
	if (!p || strlen(p + 3) >= sizeof(u->buf))
		return -1;
	strcpy(u->buf, p + 3);
	p = u->buf;
	if ((q = strchr(p, '?')))
		*q = '\0';
	if ((at = strrchr(p, '@'))) {
		*at = '\0';
		u->user = p;
		if ((colon = strchr(p, ':'))) {
			*colon = '\0';
			u->pass = colon + 1;
		}
		p = at + 1;
	}
	if ((slash = strchr(p, '/'))) {
		*slash = '\0';
		u->db = slash + 1;
	}
	if ((colon = strchr(p, ':'))) {
		*colon = '\0';
		u->port = (unsigned)atoi(colon + 1);
	}
	u->host = *p ? p : "localhost";
	return 0;
}

static void bind_int(MYSQL_BIND *b, int64_t *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
}

static void bind_str(MYSQL_BIND *b, const char *s, unsigned long *len)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)s;
	b->buffer_length = *len;
	b->length = len;
}

/* result buffers for up to 4 columns */
typedef struct outrow {
	MYSQL_BIND b[4];
	int64_t i[4];
	char s[4][4096];
	unsigned long len[4];
	my_bool null[4];
	my_bool err[4];
} outrow;

/* bind the result columns: 'i' integer, 's' string, per character of kinds */
static int bind_out(MYSQL_STMT *st, outrow *o, const char *kinds)
{
	int c;

	memset(o->b, 0, sizeof(o->b));
	for (c = 0; kinds[c]; c++) {
		MYSQL_BIND *b = &o->b[c];

		if (kinds[c] == 'i') {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &o->i[c];
		} else {
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = o->s[c];
			b->buffer_length = sizeof(o->s[c]);
		}
		b->length = &o->len[c];
		b->is_null = &o->null[c];
		b->error = &o->err[c];
	}
	return mysql_stmt_bind_result(st, o->b) == 0 ? 0 : -1;
}

/* execute, store, bind results; 0 or -1 */
static int run_query(MYSQL_STMT *st, bench_result *res, outrow *o, const char *kinds)
{
	if (mysql_stmt_execute(st) != 0 || mysql_stmt_store_result(st) != 0 || bind_out(st, o, kinds) < 0)
		return fail(res, NULL, st, "query");
	return 0;
}

/* fetch: 1 row, 0 done, -1 error (truncation included) */
static int fetch(MYSQL_STMT *st, bench_result *res)
{
	int rc = mysql_stmt_fetch(st);

	if (rc == 0)
		return 1;
	if (rc == MYSQL_NO_DATA)
		return 0;
	return fail(res, NULL, st, rc == MYSQL_DATA_TRUNCATED ? "truncated column" : "fetch");
}

#define STR(o, c) ((o)->null[c] ? NULL : (o)->s[c])

int bench_raw_mariadb(const bench_cfg *cfg, bench_result *res)
{
	MYSQL *my = mysql_init(NULL);
	MYSQL_STMT *st = NULL;
	MYSQL_BIND *binds = NULL;
	int64_t *ints = NULL;
	unsigned long *lens = NULL;
	char (*titles)[32] = NULL;
	outrow *o = NULL;
	int64_t i, U = cfg->U, P = cfg->P, T = cfg->T;
	int64_t *ids = NULL;
	char *sql = NULL;
	my_url url;
	bench_phase *ph;
	double t0, c0;
	int rc = -1;
	enum { NB = 3 * BENCH_RAW_BATCH * 2 };

	if (!my || parse_url(cfg->url, &url) < 0 ||
	    !mysql_real_connect(my, url.host, url.user, url.pass, url.db, url.port, NULL, 0)) {
		fail(res, my, NULL, "connect");
		goto out;
	}
	ids = malloc((size_t)U * sizeof(*ids));
	binds = calloc(NB, sizeof(*binds));
	ints = calloc(NB, sizeof(*ints));
	lens = calloc(NB, sizeof(*lens));
	titles = calloc(BENCH_RAW_BATCH, sizeof(*titles));
	o = calloc(1, sizeof(*o));
	if (!ids || !binds || !ints || !lens || !titles || !o)
		goto out;

	/* 1. insert_models */
	ph = &res->ph[PH_INSERT_MODELS];
	bench_gate(PH_INSERT_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(my, res, "BEGIN") < 0 ||
	    !(st = prep(my, res, "INSERT INTO users (email, name, age) VALUES (?, ?, ?)")))
		goto out;
	for (i = 0; i < U; i++) {
		char email[64], name[64];

		lens[0] = (unsigned long)snprintf(email, sizeof(email), "user%" PRId64 "@example.com", i);
		lens[1] = (unsigned long)snprintf(name, sizeof(name), "User %" PRId64, i);
		ints[2] = i % 90;
		bind_str(&binds[0], email, &lens[0]);
		bind_str(&binds[1], name, &lens[1]);
		bind_int(&binds[2], &ints[2]);
		if (mysql_stmt_bind_param(st, binds) != 0 || mysql_stmt_execute(st) != 0) {
			fail(res, my, st, "insert user");
			goto out;
		}
		ids[i] = (int64_t)mysql_stmt_insert_id(st);
		ph->check += (uint64_t)ids[i];
	}
	mysql_stmt_close(st);
	st = NULL;
	if (exec(my, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;

	/* 2. insert_batch */
	ph = &res->ph[PH_INSERT_BATCH];
	bench_gate(PH_INSERT_BATCH);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(my, res, "BEGIN") < 0)
		goto out;
	{
		int64_t done, n, k;
		int bound = 0;
		unsigned long bodylen = (unsigned long)strlen(BENCH_BODY);

		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				if (st)
					mysql_stmt_close(st);
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts (user_id, title, body)", 3, (int)n, 0);
				if (!sql || !(st = prep(my, res, sql)))
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < n; k++) {
				int64_t p = done + k;

				ints[3 * k] = 1 + p % U;
				lens[3 * k + 1] = (unsigned long)snprintf(titles[k], sizeof(titles[k]),
									  "Post %" PRId64, p);
				lens[3 * k + 2] = bodylen;
				bind_int(&binds[3 * k], &ints[3 * k]);
				bind_str(&binds[3 * k + 1], titles[k], &lens[3 * k + 1]);
				bind_str(&binds[3 * k + 2], BENCH_BODY, &lens[3 * k + 2]);
			}
			if (mysql_stmt_bind_param(st, binds) != 0 || mysql_stmt_execute(st) != 0) {
				fail(res, my, st, "insert posts");
				goto out;
			}
			ph->rows += n;
		}
		mysql_stmt_close(st);
		if (!(st = prep(my, res, "INSERT INTO tags (name) VALUES (?)")))
			goto out;
		for (k = 0; k < T; k++) {
			char tname[32];

			lens[0] = (unsigned long)snprintf(tname, sizeof(tname), "tag%" PRId64, k);
			bind_str(&binds[0], tname, &lens[0]);
			if (mysql_stmt_bind_param(st, binds) != 0 || mysql_stmt_execute(st) != 0) {
				fail(res, my, st, "insert tag");
				goto out;
			}
		}
		mysql_stmt_close(st);
		st = NULL;
		ph->rows += T;
		bound = 0;
		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				if (st)
					mysql_stmt_close(st);
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts_tags (post_id, tag_id)", 2,
						       (int)(3 * n), 0);
				if (!sql || !(st = prep(my, res, sql)))
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < 3 * n; k++) {
				int64_t p = done + k / 3;

				ints[2 * k] = p + 1;
				ints[2 * k + 1] = BENCH_TAG_OF(cfg, p, k % 3);
				bind_int(&binds[2 * k], &ints[2 * k]);
				bind_int(&binds[2 * k + 1], &ints[2 * k + 1]);
			}
			if (mysql_stmt_bind_param(st, binds) != 0 || mysql_stmt_execute(st) != 0) {
				fail(res, my, st, "insert posts_tags");
				goto out;
			}
			ph->rows += 3 * n;
		}
		mysql_stmt_close(st);
		st = NULL;
	}
	if (exec(my, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 3. fetch_by_id */
	ph = &res->ph[PH_FETCH_BY_ID];
	bench_gate(PH_FETCH_BY_ID);
	t0 = bench_now(), c0 = bench_cpu();
	if (!(st = prep(my, res, "SELECT id, email, name, age FROM users WHERE id = ?")))
		goto out;
	bind_int(&binds[0], &ints[0]);
	if (mysql_stmt_bind_param(st, binds) != 0)
		goto out;
	for (i = 0; i < U; i++) {
		struct raw_user u;

		ints[0] = 1 + (i * 7919) % U;
		if (run_query(st, res, o, "issi") < 0 || fetch(st, res) != 1)
			goto out;
		u.id = o->i[0];
		raw_copy(u.email, sizeof(u.email), STR(o, 1), o->len[1]);
		raw_copy(u.name, sizeof(u.name), STR(o, 2), o->len[2]);
		u.age = o->null[3] ? 0 : (int32_t)o->i[3];
		mysql_stmt_free_result(st);
		ph->check += raw_user_check(&u);
		ph->rows++;
	}
	mysql_stmt_close(st);
	st = NULL;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 4. fetch_collection */
	ph = &res->ph[PH_FETCH_COLLECTION];
	{
		raw_posts c = { 0 };
		int f;

		bench_gate(PH_FETCH_COLLECTION);
		t0 = bench_now(), c0 = bench_cpu();
		if (!(st = prep(my, res, "SELECT id, user_id, title, body FROM posts")) ||
		    run_query(st, res, o, "iiss") < 0)
			goto out;
		while ((f = fetch(st, res)) == 1) {
			struct raw_post *p = raw_posts_add(&c);

			if (!p)
				break;
			p->id = o->i[0];
			p->user_id = o->i[1];
			p->title = bench_arena_dup(&c.arena, STR(o, 2), o->len[2]);
			p->title_len = o->len[2];
			p->body = bench_arena_dup(&c.arena, STR(o, 3), o->len[3]);
			p->body_len = o->len[3];
		}
		mysql_stmt_close(st);
		st = NULL;
		if (f != 0) {
			raw_posts_free(&c);
			goto out;
		}
		ph->check = raw_posts_check(&c);
		ph->rows = (int64_t)c.n;
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_posts_free(&c);
	}

	/* 5. eager_load */
	ph = &res->ph[PH_EAGER_LOAD];
	{
		raw_graph g;
		int f;

		raw_graph_init(&g);
		bench_gate(PH_EAGER_LOAD);
		t0 = bench_now(), c0 = bench_cpu();
		ints[0] = U;
		bind_int(&binds[0], &ints[0]);
		if (!(st = prep(my, res, "SELECT id, email, name, age FROM users WHERE id <= ? ORDER BY id")) ||
		    mysql_stmt_bind_param(st, binds) != 0 || run_query(st, res, o, "issi") < 0)
			goto eager_fail;
		while ((f = fetch(st, res)) == 1)
			if (raw_graph_user(&g, o->i[0], STR(o, 1), o->len[1], STR(o, 2), o->len[2],
					   (int32_t)o->i[3]) < 0)
				goto eager_fail;
		if (f < 0)
			goto eager_fail;
		mysql_stmt_close(st);
		if (!(st = prep(my, res, "SELECT p.id, p.user_id, p.title, p.body FROM posts p "
				"WHERE p.user_id IN (SELECT id FROM users WHERE id <= ?)")) ||
		    mysql_stmt_bind_param(st, binds) != 0 || run_query(st, res, o, "iiss") < 0)
			goto eager_fail;
		while ((f = fetch(st, res)) == 1)
			if (raw_graph_post(&g, o->i[0], o->i[1], STR(o, 2), o->len[2], STR(o, 3),
					   o->len[3]) < 0)
				goto eager_fail;
		if (f < 0 || raw_graph_posts_done(&g) < 0)
			goto eager_fail;
		mysql_stmt_close(st);
		if (!(st = prep(my, res, "SELECT pt.post_id, t.id, t.name FROM posts_tags pt "
				"JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id IN "
				"(SELECT p.id FROM posts p WHERE p.user_id IN "
				"(SELECT id FROM users WHERE id <= ?))")) ||
		    mysql_stmt_bind_param(st, binds) != 0 || run_query(st, res, o, "iis") < 0)
			goto eager_fail;
		while ((f = fetch(st, res)) == 1)
			if (raw_graph_tag(&g, o->i[0], o->i[1], STR(o, 2), o->len[2]) < 0)
				goto eager_fail;
		if (f < 0 || raw_graph_tags_done(&g) < 0)
			goto eager_fail;
		mysql_stmt_close(st);
		st = NULL;
		ph->check = raw_graph_check(&g, &ph->rows);
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_graph_free(&g);
		goto eager_ok;
eager_fail:
		raw_graph_free(&g);
		bench_fail(res, "mariadb: eager load failed");
		goto out;
eager_ok:;
	}

	/* 6. update_models */
	ph = &res->ph[PH_UPDATE_MODELS];
	bench_gate(PH_UPDATE_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(my, res, "BEGIN") < 0 ||
	    !(st = prep(my, res, "UPDATE users SET age = ? WHERE id = ?")))
		goto out;
	bind_int(&binds[0], &ints[0]);
	bind_int(&binds[1], &ints[1]);
	if (mysql_stmt_bind_param(st, binds) != 0)
		goto out;
	for (i = 0; i < U; i++) {
		ints[0] = i % 90 + 1;
		ints[1] = ids[i];
		if (mysql_stmt_execute(st) != 0 || mysql_stmt_affected_rows(st) != 1) {
			fail(res, my, st, "update user");
			goto out;
		}
	}
	if (exec(my, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;
	rc = 0;
out:
	if (rc < 0 && res->ok)
		bench_fail(res, "mariadb: %s", my ? mysql_error(my) : "out of memory");
	if (st)
		mysql_stmt_close(st);
	mysql_close(my);
	free(binds);
	free(ints);
	free(lens);
	free(titles);
	free(o);
	free(sql);
	free(ids);
	return rc;
}
