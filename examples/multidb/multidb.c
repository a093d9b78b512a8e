/*
 * Two databases in one program, both described by one ormtool.yaml
 * (see README.md): `app` holds users and orders, `analytics` holds
 * events. The report joins them in C, since no SQL join spans two
 * databases.
 *
 *   usage: multidb
 *
 * The environment is $ORM_ENV, else development. Run
 * `ormtool --all-databases migrate latest` and
 * `ormtool --all-databases seed run` first. Exit status 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include "orm.h"

#define MAX_USERS 100

struct row {
	int64_t id;
	char email[256];
	int64_t orders;
	int64_t events;
};

/* Open the database `name` of the configuration `cfg`. */
static int open_named(orm_conn **out, orm_config *cfg, const char *name)
{
	const orm_config_db *cdb;
	int rc = orm_config_db_select(&cdb, cfg, name);

	if (rc < 0) {
		fprintf(stderr, "multidb: %s\n", orm_config_errmsg(cfg));
		return rc;
	}
	rc = orm_open(out, cdb->url);
	if (rc < 0)
		fprintf(stderr, "multidb: %s: %s\n", name, orm_conn_errmsg(*out));
	else
		printf("%s: %s (%s)\n", name, orm_conn_url(*out), orm_dialect_name(orm_conn_dialect(*out)));
	return rc;
}

/* Per-user counts from `db`: SELECT key, COUNT(*) FROM table GROUP BY key. */
static int count_by_user(orm_conn *db, const char *table, struct row *rows, size_t n, int orders)
{
	orm_query *q = orm_query_new(table);
	orm_stmt *st = NULL;
	size_t i;
	int rc;

	orm_query_select(q, "user_id");
	orm_query_select_agg(q, ORM_AGG_COUNT, NULL, "n");
	orm_query_group_by(q, "user_id");
	rc = orm_query_exec(&st, db, q);
	while (rc == 0 && (rc = orm_stmt_step(st)) == ORM_ROW) {
		for (i = 0; i < n; i++)
			if (rows[i].id == orm_column_int(st, 0))
				*(orders ? &rows[i].orders : &rows[i].events) = orm_column_int(st, 1);
		rc = 0;
	}
	if (rc == ORM_DONE)
		rc = 0;
	if (rc < 0)
		fprintf(stderr, "multidb: %s: %s\n", table, orm_conn_errmsg(db));
	orm_stmt_free(st);
	orm_query_free(q);
	return rc;
}

int main(void)
{
	orm_buf path = ORM_BUF_INIT;
	orm_config *cfg = NULL;
	orm_conn *app = NULL, *analytics = NULL;
	orm_stmt *st = NULL;
	struct row rows[MAX_USERS];
	size_t n = 0, i;
	int rc;

	rc = orm_config_find(&path, NULL);
	if (rc == 0)
		rc = orm_config_load(&cfg, path.ptr, NULL);
	if (rc < 0) {
		fprintf(stderr, "multidb: %s\n", cfg ? orm_config_errmsg(cfg) : "no ormtool.yaml here or above");
		goto out;
	}
	printf("environment %s: %zu database(s)\n", orm_config_env(cfg), orm_config_db_count(cfg));
	/* no default with several databases: orm_config_db_select(..., NULL) fails and says why */
	if ((rc = open_named(&app, cfg, "app")) < 0 || (rc = open_named(&analytics, cfg, "analytics")) < 0)
		goto out;

	rc = orm_prepare(&st, app, "SELECT id, email FROM users ORDER BY email");
	while (rc == 0 && (rc = orm_stmt_step(st)) == ORM_ROW && n < MAX_USERS) {
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].id = orm_column_int(st, 0);
		snprintf(rows[n].email, sizeof(rows[n].email), "%s", orm_column_text(st, 1, NULL));
		n++;
		rc = 0;
	}
	if (rc == ORM_DONE || rc == ORM_ROW)
		rc = 0;
	if (rc < 0) {
		fprintf(stderr, "multidb: users: %s\n", orm_conn_errmsg(app));
		goto out;
	}
	if ((rc = count_by_user(app, "orders", rows, n, 1)) < 0 ||
	    (rc = count_by_user(analytics, "events", rows, n, 0)) < 0)
		goto out;
	for (i = 0; i < n; i++)
		printf("%s: %lld order(s) in app, %lld event(s) in analytics\n", rows[i].email,
		       (long long)rows[i].orders, (long long)rows[i].events);
out:
	orm_stmt_free(st);
	orm_close(app);
	orm_close(analytics);
	orm_config_free(cfg);
	orm_buf_dispose(&path);
	return rc < 0;
}
