/*
 * faults_state URL [TABLE ...]: print the state of a database as text, for
 * the fault tests (tests/faults/kill.sh, restart.sh, diskfull.sh,
 * concurrent.sh) to compare a run that was interrupted with a clean one:
 *
 *   == schema              orm_schema_dump() without comments
 *   == orm_migrations      one line per record: name and checksum (not the
 *                          batch, time or duration, which differ between runs)
 *   == orm_migrations_progress   rows of the progress table (name, direction,
 *                          statements done, error), when it has any
 *   == TABLE (N rows)      every row of each TABLE, ordered by all its
 *                          columns, or "== TABLE absent"
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <orm.h>

#include <stdio.h>
#include <string.h>

static int print_rows(orm_conn *db, const char *sql, const char *title)
{
	orm_stmt *st = NULL;
	orm_buf rows = ORM_BUF_INIT;
	long n = 0;
	int rc, i, nc;

	if ((rc = orm_prepare_uncached(&st, db, sql)) < 0)
		return rc;
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		nc = orm_column_count(st);
		for (i = 0; i < nc; i++) {
			const char *t = orm_column_text(st, i, NULL);
			orm_buf_printf(&rows, "%s%s", i ? " | " : "", t ? t : "NULL");
		}
		orm_buf_puts(&rows, "\n");
		n++;
	}
	orm_stmt_free(st);
	if (rc == ORM_DONE) {
		printf("== %s (%ld rows)\n%s", title, n, rows.size ? rows.ptr : "");
		rc = 0;
	}
	orm_buf_dispose(&rows);
	return rc;
}

/* "ORDER BY 1, 2, ..., N" for a table of N columns (SELECT * has them in order). */
static int order_all(orm_conn *db, orm_buf *qt, orm_buf *sql)
{
	orm_stmt *st = NULL;
	int rc, i, nc;

	orm_buf_clear(sql);
	if ((rc = orm_buf_printf(sql, "SELECT * FROM %s WHERE 1 = 0", qt->ptr)) < 0 ||
	    (rc = orm_prepare_uncached(&st, db, sql->ptr)) < 0)
		return rc;
	rc = orm_stmt_step(st);
	nc = orm_column_count(st);
	orm_stmt_free(st);
	if (rc < 0)
		return rc;
	orm_buf_clear(sql);
	orm_buf_printf(sql, "SELECT * FROM %s ORDER BY ", qt->ptr);
	for (i = 1; i <= nc; i++)
		orm_buf_printf(sql, "%s%d", i > 1 ? ", " : "", i);
	return 0;
}

int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	orm_buf b = ORM_BUF_INIT, qt = ORM_BUF_INIT;
	int rc, i, exists = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: faults_state URL [TABLE ...]\n");
		return 1;
	}
	if ((rc = orm_open(&db, argv[1])) < 0)
		goto fail;
	if ((rc = orm_schema_dump(&b, db, NULL, ORM_DUMP_NO_COMMENTS)) < 0)
		goto fail;
	printf("== schema\n%s", b.size ? b.ptr : "");
	if ((rc = orm_schema_has_table(&exists, db, "orm_migrations")) < 0)
		goto fail;
	if (exists && (rc = print_rows(db, "SELECT name, checksum FROM orm_migrations ORDER BY name",
				       "orm_migrations")) < 0)
		goto fail;
	if ((rc = orm_schema_has_table(&exists, db, "orm_migrations_progress")) < 0)
		goto fail;
	if (exists && (rc = print_rows(db, "SELECT name, direction, statements_done, error "
				       "FROM orm_migrations_progress ORDER BY name", "orm_migrations_progress")) < 0)
		goto fail;
	for (i = 2; i < argc; i++) {
		if ((rc = orm_schema_has_table(&exists, db, argv[i])) < 0)
			goto fail;
		if (!exists) {
			printf("== %s absent\n", argv[i]);
			continue;
		}
		orm_buf_clear(&qt);
		if ((rc = orm_quote_ident(&qt, orm_conn_dialect(db), argv[i])) < 0 ||
		    (rc = order_all(db, &qt, &b)) < 0 || (rc = print_rows(db, b.ptr, argv[i])) < 0)
			goto fail;
	}
	orm_buf_dispose(&b);
	orm_buf_dispose(&qt);
	orm_close(db);
	return 0;
fail:
	fprintf(stderr, "faults_state: %s (%s)\n", orm_conn_errmsg(db), orm_strerror(rc));
	orm_buf_dispose(&b);
	orm_buf_dispose(&qt);
	orm_close(db);
	return 1;
}
