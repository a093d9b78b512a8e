/*
 * The workload written by hand on libpq: PQprepare'd statements run with
 * PQexecPrepared (text parameters and results), multi-row INSERTs for the
 * batch phase, no ORM.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "bench.h"
#include "raw_common.h"

static int fail(bench_result *res, PGconn *pg, const char *what)
{
	return bench_fail(res, "pg: %s: %s", what, pg ? PQerrorMessage(pg) : "no connection");
}

static int exec(PGconn *pg, bench_result *res, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok ? 0 : fail(res, pg, sql);
}

static int prep(PGconn *pg, bench_result *res, const char *name, const char *sql, int n)
{
	PGresult *r = PQprepare(pg, name, sql, n, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	return ok ? 0 : fail(res, pg, sql);
}

/* run a prepared statement; NULL on failure (recorded in res) */
static PGresult *run(PGconn *pg, bench_result *res, const char *name, int n,
		     const char *const *vals, ExecStatusType want)
{
	PGresult *r = PQexecPrepared(pg, name, n, vals, NULL, NULL, 0);

	if (PQresultStatus(r) != want) {
		fail(res, pg, name);
		PQclear(r);
		return NULL;
	}
	return r;
}

static int64_t num(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* rows of a multi-row INSERT: parameters as text, in one scratch buffer */
typedef struct batch {
	char *text;        /* nparams slots of 48 bytes, or pointers to static text */
	const char **vals;
	int nparams;
} batch;

static int batch_init(batch *b, int nparams)
{
	b->text = malloc((size_t)nparams * 48);
	b->vals = malloc((size_t)nparams * sizeof(*b->vals));
	b->nparams = nparams;
	return b->text && b->vals ? 0 : -1;
}

static void batch_int(batch *b, int i, int64_t v)
{
	char *s = b->text + (size_t)i * 48;

	snprintf(s, 48, "%" PRId64, v);
	b->vals[i] = s;
}

static void batch_free(batch *b)
{
	free(b->text);
	free(b->vals);
}

int bench_raw_pg(const bench_cfg *cfg, bench_result *res)
{
	PGconn *pg = PQconnectdb(cfg->url);
	PGresult *r = NULL;
	int64_t i, U = cfg->U, P = cfg->P, T = cfg->T;
	int64_t *ids = NULL;
	char *sql = NULL;
	batch b = { 0 };
	bench_phase *ph;
	double t0, c0;
	int rc = -1;

	if (PQstatus(pg) != CONNECTION_OK) {
		fail(res, pg, "connect");
		goto out;
	}
	ids = malloc((size_t)U * sizeof(*ids));
	if (!ids || batch_init(&b, 3 * BENCH_RAW_BATCH * 2) < 0)
		goto out;
	if (exec(pg, res, "SET client_min_messages = warning") < 0)
		goto out;

	/* 1. insert_models */
	ph = &res->ph[PH_INSERT_MODELS];
	bench_gate(PH_INSERT_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(pg, res, "BEGIN") < 0 ||
	    prep(pg, res, "ins_user", "INSERT INTO users (email, name, age) VALUES ($1, $2, $3) RETURNING id", 3) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		char email[64], name[64], age[16];
		const char *vals[3] = { email, name, age };

		snprintf(email, sizeof(email), "user%" PRId64 "@example.com", i);
		snprintf(name, sizeof(name), "User %" PRId64, i);
		snprintf(age, sizeof(age), "%d", (int)(i % 90));
		if (!(r = run(pg, res, "ins_user", 3, vals, PGRES_TUPLES_OK)))
			goto out;
		ids[i] = num(r, 0, 0);
		PQclear(r);
		r = NULL;
		ph->check += (uint64_t)ids[i];
	}
	if (exec(pg, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;

	/* 2. insert_batch */
	ph = &res->ph[PH_INSERT_BATCH];
	bench_gate(PH_INSERT_BATCH);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(pg, res, "BEGIN") < 0)
		goto out;
	{
		int64_t done, n, k;
		int bound = 0, seq = 0;
		char name[32];

		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts (user_id, title, body)", 3, (int)n, 1);
				snprintf(name, sizeof(name), "ins_posts%d", seq++);
				if (!sql || prep(pg, res, name, sql, 0) < 0)
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < n; k++) {
				int64_t p = done + k;
				char *title = b.text + (size_t)(3 * k + 1) * 48;

				batch_int(&b, (int)(3 * k), 1 + p % U);
				snprintf(title, 48, "Post %" PRId64, p);
				b.vals[3 * k + 1] = title;
				b.vals[3 * k + 2] = BENCH_BODY;
			}
			if (!(r = run(pg, res, name, (int)(3 * n), b.vals, PGRES_COMMAND_OK)))
				goto out;
			PQclear(r);
			r = NULL;
			ph->rows += n;
		}
		if (prep(pg, res, "ins_tag", "INSERT INTO tags (name) VALUES ($1)", 1) < 0)
			goto out;
		for (k = 0; k < T; k++) {
			char tname[32];
			const char *vals[1] = { tname };

			snprintf(tname, sizeof(tname), "tag%" PRId64, k);
			if (!(r = run(pg, res, "ins_tag", 1, vals, PGRES_COMMAND_OK)))
				goto out;
			PQclear(r);
			r = NULL;
		}
		ph->rows += T;
		bound = 0;
		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts_tags (post_id, tag_id)", 2,
						       (int)(3 * n), 1);
				snprintf(name, sizeof(name), "ins_links%d", seq++);
				if (!sql || prep(pg, res, name, sql, 0) < 0)
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < 3 * n; k++) {
				int64_t p = done + k / 3;

				batch_int(&b, (int)(2 * k), p + 1);
				batch_int(&b, (int)(2 * k + 1), BENCH_TAG_OF(cfg, p, k % 3));
			}
			if (!(r = run(pg, res, name, (int)(6 * n), b.vals, PGRES_COMMAND_OK)))
				goto out;
			PQclear(r);
			r = NULL;
			ph->rows += 3 * n;
		}
	}
	if (exec(pg, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 3. fetch_by_id */
	ph = &res->ph[PH_FETCH_BY_ID];
	bench_gate(PH_FETCH_BY_ID);
	t0 = bench_now(), c0 = bench_cpu();
	if (prep(pg, res, "get_user", "SELECT id, email, name, age FROM users WHERE id = $1", 1) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		struct raw_user u;
		char id[24];
		const char *vals[1] = { id };

		snprintf(id, sizeof(id), "%" PRId64, 1 + (i * 7919) % U);
		if (!(r = run(pg, res, "get_user", 1, vals, PGRES_TUPLES_OK)))
			goto out;
		if (PQntuples(r) != 1) {
			bench_fail(res, "pg: user %s not found", id);
			goto out;
		}
		u.id = num(r, 0, 0);
		raw_copy(u.email, sizeof(u.email), PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
		raw_copy(u.name, sizeof(u.name), PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2),
			 (size_t)PQgetlength(r, 0, 2));
		u.age = PQgetisnull(r, 0, 3) ? 0 : (int32_t)num(r, 0, 3);
		PQclear(r);
		r = NULL;
		ph->check += raw_user_check(&u);
		ph->rows++;
	}
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 4. fetch_collection */
	ph = &res->ph[PH_FETCH_COLLECTION];
	{
		raw_posts c = { 0 };
		int row, nrows;

		bench_gate(PH_FETCH_COLLECTION);
		t0 = bench_now(), c0 = bench_cpu();
		if (prep(pg, res, "all_posts", "SELECT id, user_id, title, body FROM posts", 0) < 0 ||
		    !(r = run(pg, res, "all_posts", 0, NULL, PGRES_TUPLES_OK)))
			goto out;
		nrows = PQntuples(r);
		for (row = 0; row < nrows; row++) {
			struct raw_post *p = raw_posts_add(&c);

			if (!p)
				goto out;
			p->id = num(r, row, 0);
			p->user_id = num(r, row, 1);
			p->title_len = (size_t)PQgetlength(r, row, 2);
			p->title = PQgetisnull(r, row, 2) ? NULL :
				bench_arena_dup(&c.arena, PQgetvalue(r, row, 2), p->title_len);
			p->body_len = (size_t)PQgetlength(r, row, 3);
			p->body = PQgetisnull(r, row, 3) ? NULL :
				bench_arena_dup(&c.arena, PQgetvalue(r, row, 3), p->body_len);
		}
		PQclear(r);
		r = NULL;
		ph->check = raw_posts_check(&c);
		ph->rows = (int64_t)c.n;
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_posts_free(&c);
	}

	/* 5. eager_load */
	ph = &res->ph[PH_EAGER_LOAD];
	{
		raw_graph g;
		char lim[24];
		const char *vals[1] = { lim };
		int row, nrows;

		snprintf(lim, sizeof(lim), "%" PRId64, U);
		raw_graph_init(&g);
		bench_gate(PH_EAGER_LOAD);
		t0 = bench_now(), c0 = bench_cpu();
		if (prep(pg, res, "e_users", "SELECT id, email, name, age FROM users WHERE id <= $1 ORDER BY id", 1) < 0 ||
		    !(r = run(pg, res, "e_users", 1, vals, PGRES_TUPLES_OK)))
			goto eager_fail;
		nrows = PQntuples(r);
		for (row = 0; row < nrows; row++)
			if (raw_graph_user(&g, num(r, row, 0), PQgetvalue(r, row, 1),
					   (size_t)PQgetlength(r, row, 1),
					   PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2),
					   (size_t)PQgetlength(r, row, 2), (int32_t)num(r, row, 3)) < 0)
				goto eager_fail;
		PQclear(r);
		r = NULL;
		if (prep(pg, res, "e_posts", "SELECT p.id, p.user_id, p.title, p.body FROM posts p "
			 "WHERE p.user_id IN (SELECT id FROM users WHERE id <= $1)", 1) < 0 ||
		    !(r = run(pg, res, "e_posts", 1, vals, PGRES_TUPLES_OK)))
			goto eager_fail;
		nrows = PQntuples(r);
		for (row = 0; row < nrows; row++)
			if (raw_graph_post(&g, num(r, row, 0), num(r, row, 1),
					   PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2),
					   (size_t)PQgetlength(r, row, 2),
					   PQgetisnull(r, row, 3) ? NULL : PQgetvalue(r, row, 3),
					   (size_t)PQgetlength(r, row, 3)) < 0)
				goto eager_fail;
		PQclear(r);
		r = NULL;
		if (raw_graph_posts_done(&g) < 0 ||
		    prep(pg, res, "e_tags", "SELECT pt.post_id, t.id, t.name FROM posts_tags pt "
			 "JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id IN "
			 "(SELECT p.id FROM posts p WHERE p.user_id IN "
			 "(SELECT id FROM users WHERE id <= $1))", 1) < 0 ||
		    !(r = run(pg, res, "e_tags", 1, vals, PGRES_TUPLES_OK)))
			goto eager_fail;
		nrows = PQntuples(r);
		for (row = 0; row < nrows; row++)
			if (raw_graph_tag(&g, num(r, row, 0), num(r, row, 1), PQgetvalue(r, row, 2),
					  (size_t)PQgetlength(r, row, 2)) < 0)
				goto eager_fail;
		PQclear(r);
		r = NULL;
		if (raw_graph_tags_done(&g) < 0)
			goto eager_fail;
		ph->check = raw_graph_check(&g, &ph->rows);
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_graph_free(&g);
		goto eager_ok;
eager_fail:
		raw_graph_free(&g);
		bench_fail(res, "pg: eager load failed");
		goto out;
eager_ok:;
	}

	/* 6. update_models */
	ph = &res->ph[PH_UPDATE_MODELS];
	bench_gate(PH_UPDATE_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(pg, res, "BEGIN") < 0 ||
	    prep(pg, res, "upd_user", "UPDATE users SET age = $1 WHERE id = $2", 2) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		char age[16], id[24];
		const char *vals[2] = { age, id };

		snprintf(age, sizeof(age), "%d", (int)(i % 90 + 1));
		snprintf(id, sizeof(id), "%" PRId64, ids[i]);
		if (!(r = run(pg, res, "upd_user", 2, vals, PGRES_COMMAND_OK)))
			goto out;
		if (strcmp(PQcmdTuples(r), "1") != 0) {
			bench_fail(res, "pg: update of user %s changed %s rows", id, PQcmdTuples(r));
			goto out;
		}
		PQclear(r);
		r = NULL;
	}
	if (exec(pg, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;
	rc = 0;
out:
	PQclear(r);
	PQfinish(pg);
	batch_free(&b);
	free(sql);
	free(ids);
	return rc;
}
