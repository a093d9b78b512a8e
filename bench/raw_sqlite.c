/*
 * The workload written by hand on sqlite3_*: prepared statements, reused
 * with reset, multi-row INSERTs for the batch phase, no ORM.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"
#include "raw_common.h"

static int fail(bench_result *res, sqlite3 *db, const char *what)
{
	return bench_fail(res, "sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "no handle");
}

static int exec(sqlite3 *db, bench_result *res, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(res, db, sql);
}

static int prep(sqlite3 *db, bench_result *res, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? 0 : fail(res, db, sql);
}

static const char *col_text(sqlite3_stmt *st, int i, size_t *len)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	*len = (size_t)sqlite3_column_bytes(st, i);
	return s;
}

int bench_raw_sqlite(const bench_cfg *cfg, bench_result *res)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *st2 = NULL;
	char *path = bench_sqlite_path(cfg->url), *sql = NULL;
	int64_t i, U = cfg->U, P = cfg->P, T = cfg->T;
	int64_t *ids = NULL;
	bench_phase *ph;
	double t0, c0;
	int rc = -1;

	if (!path || sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(res, db, "open");
		goto out;
	}
	if (exec(db, res, "PRAGMA foreign_keys = ON") < 0)
		goto out;
	sqlite3_busy_timeout(db, 5000);
	ids = malloc((size_t)U * sizeof(*ids));
	if (!ids)
		goto out;

	/* 1. insert_models */
	ph = &res->ph[PH_INSERT_MODELS];
	bench_gate(PH_INSERT_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(db, res, "BEGIN") < 0 ||
	    prep(db, res, "INSERT INTO users (email, name, age) VALUES (?, ?, ?)", &st) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		char email[64], name[64];

		snprintf(email, sizeof(email), "user%" PRId64 "@example.com", i);
		snprintf(name, sizeof(name), "User %" PRId64, i);
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, i % 90);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fail(res, db, "insert user");
			goto out;
		}
		sqlite3_reset(st);
		ids[i] = sqlite3_last_insert_rowid(db);
		ph->check += (uint64_t)ids[i];
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(db, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;

	/* 2. insert_batch */
	ph = &res->ph[PH_INSERT_BATCH];
	bench_gate(PH_INSERT_BATCH);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(db, res, "BEGIN") < 0)
		goto out;
	{
		int64_t done, n, k;
		int bound = 0;

		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				sqlite3_finalize(st);
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts (user_id, title, body)", 3, (int)n, 0);
				if (!sql || prep(db, res, sql, &st) < 0)
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < n; k++) {
				int64_t p = done + k;
				char title[32];
				int len = snprintf(title, sizeof(title), "Post %" PRId64, p);

				sqlite3_bind_int64(st, (int)(3 * k + 1), 1 + p % U);
				sqlite3_bind_text(st, (int)(3 * k + 2), title, len, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, (int)(3 * k + 3), BENCH_BODY, -1, SQLITE_STATIC);
			}
			if (sqlite3_step(st) != SQLITE_DONE) {
				fail(res, db, "insert posts");
				goto out;
			}
			sqlite3_reset(st);
			ph->rows += n;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (prep(db, res, "INSERT INTO tags (name) VALUES (?)", &st) < 0)
			goto out;
		for (k = 0; k < T; k++) {
			char name[32];

			snprintf(name, sizeof(name), "tag%" PRId64, k);
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				fail(res, db, "insert tag");
				goto out;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		st = NULL;
		ph->rows += T;
		bound = 0;
		for (done = 0; done < P; done += n) {
			n = P - done < BENCH_RAW_BATCH ? P - done : BENCH_RAW_BATCH;
			if (n != bound) {
				sqlite3_finalize(st);
				free(sql);
				sql = bench_insert_sql("INSERT INTO posts_tags (post_id, tag_id)", 2,
						       (int)(3 * n), 0);
				if (!sql || prep(db, res, sql, &st) < 0)
					goto out;
				bound = (int)n;
			}
			for (k = 0; k < 3 * n; k++) {
				int64_t p = done + k / 3;

				sqlite3_bind_int64(st, (int)(2 * k + 1), p + 1);
				sqlite3_bind_int64(st, (int)(2 * k + 2), BENCH_TAG_OF(cfg, p, k % 3));
			}
			if (sqlite3_step(st) != SQLITE_DONE) {
				fail(res, db, "insert posts_tags");
				goto out;
			}
			sqlite3_reset(st);
			ph->rows += 3 * n;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (exec(db, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 3. fetch_by_id */
	ph = &res->ph[PH_FETCH_BY_ID];
	bench_gate(PH_FETCH_BY_ID);
	t0 = bench_now(), c0 = bench_cpu();
	if (prep(db, res, "SELECT id, email, name, age FROM users WHERE id = ?", &st) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		struct raw_user u;
		size_t len;
		const char *s;

		sqlite3_bind_int64(st, 1, 1 + (i * 7919) % U);
		if (sqlite3_step(st) != SQLITE_ROW) {
			fail(res, db, "fetch user");
			goto out;
		}
		u.id = sqlite3_column_int64(st, 0);
		s = col_text(st, 1, &len);
		raw_copy(u.email, sizeof(u.email), s, len);
		s = col_text(st, 2, &len);
		raw_copy(u.name, sizeof(u.name), s, len);
		u.age = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 3);
		sqlite3_reset(st);
		ph->check += raw_user_check(&u);
		ph->rows++;
	}
	sqlite3_finalize(st);
	st = NULL;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;

	/* 4. fetch_collection */
	ph = &res->ph[PH_FETCH_COLLECTION];
	{
		raw_posts c = { 0 };

		bench_gate(PH_FETCH_COLLECTION);
		t0 = bench_now(), c0 = bench_cpu();
		if (prep(db, res, "SELECT id, user_id, title, body FROM posts", &st) < 0)
			goto out;
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct raw_post *p = raw_posts_add(&c);
			size_t len;
			const char *s;

			if (!p)
				goto out;
			p->id = sqlite3_column_int64(st, 0);
			p->user_id = sqlite3_column_int64(st, 1);
			s = col_text(st, 2, &len);
			p->title = bench_arena_dup(&c.arena, s, len);
			p->title_len = len;
			s = col_text(st, 3, &len);
			p->body = bench_arena_dup(&c.arena, s, len);
			p->body_len = len;
		}
		sqlite3_finalize(st);
		st = NULL;
		ph->check = raw_posts_check(&c);
		ph->rows = (int64_t)c.n;
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_posts_free(&c);
	}

	/* 5. eager_load: three queries, stitched by key */
	ph = &res->ph[PH_EAGER_LOAD];
	{
		raw_graph g;

		raw_graph_init(&g);
		bench_gate(PH_EAGER_LOAD);
		t0 = bench_now(), c0 = bench_cpu();
		if (prep(db, res, "SELECT id, email, name, age FROM users WHERE id <= ? ORDER BY id", &st) < 0)
			goto out;
		sqlite3_bind_int64(st, 1, U);
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t l1, l2;
			const char *e = col_text(st, 1, &l1), *n = col_text(st, 2, &l2);

			if (raw_graph_user(&g, sqlite3_column_int64(st, 0), e, l1, n, l2,
					   sqlite3_column_int(st, 3)) < 0)
				goto eager_fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (prep(db, res, "SELECT p.id, p.user_id, p.title, p.body FROM posts p "
			 "WHERE p.user_id IN (SELECT id FROM users WHERE id <= ?)", &st) < 0)
			goto eager_fail;
		sqlite3_bind_int64(st, 1, U);
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t l1, l2;
			const char *t = col_text(st, 2, &l1), *b = col_text(st, 3, &l2);

			if (raw_graph_post(&g, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					   t, l1, b, l2) < 0)
				goto eager_fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (raw_graph_posts_done(&g) < 0 ||
		    prep(db, res, "SELECT pt.post_id, t.id, t.name FROM posts_tags pt "
			 "JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id IN "
			 "(SELECT p.id FROM posts p WHERE p.user_id IN "
			 "(SELECT id FROM users WHERE id <= ?))", &st) < 0)
			goto eager_fail;
		sqlite3_bind_int64(st, 1, U);
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t l1;
			const char *n = col_text(st, 2, &l1);

			if (raw_graph_tag(&g, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					  n, l1) < 0)
				goto eager_fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (raw_graph_tags_done(&g) < 0)
			goto eager_fail;
		ph->check = raw_graph_check(&g, &ph->rows);
		ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
		raw_graph_free(&g);
		goto eager_ok;
eager_fail:
		raw_graph_free(&g);
		bench_fail(res, "sqlite: eager load failed");
		goto out;
eager_ok:;
	}

	/* 6. update_models */
	ph = &res->ph[PH_UPDATE_MODELS];
	bench_gate(PH_UPDATE_MODELS);
	t0 = bench_now(), c0 = bench_cpu();
	if (exec(db, res, "BEGIN") < 0 ||
	    prep(db, res, "UPDATE users SET age = ? WHERE id = ?", &st2) < 0)
		goto out;
	for (i = 0; i < U; i++) {
		sqlite3_bind_int64(st2, 1, i % 90 + 1);
		sqlite3_bind_int64(st2, 2, ids[i]);
		if (sqlite3_step(st2) != SQLITE_DONE || sqlite3_changes(db) != 1) {
			fail(res, db, "update user");
			goto out;
		}
		sqlite3_reset(st2);
	}
	if (exec(db, res, "COMMIT") < 0)
		goto out;
	ph->secs = bench_now() - t0, ph->cpu = bench_cpu() - c0;
	ph->rows = U;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(st2);
	sqlite3_close(db);
	free(sql);
	free(path);
	free(ids);
	return rc;
}
