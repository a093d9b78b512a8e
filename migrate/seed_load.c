/*
 * Seeds: the load. One transaction; per component of the foreign-key
 * graph (in load order) the late-check switch when it needs one, each
 * table's files streamed into multi-row INSERT batches (each batch in a
 * savepoint, replayed row by row on failure to name the line), then the
 * second-phase UPDATEs; .sql files; PostgreSQL sequences; every foreign
 * key of the seeded tables verified by query; commit.
 */
#include "migrate/seed_run.h"
#include "migrate/migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH 1000
#define LOCATE_FOUND 1

enum { CONFLICT_NONE = 0, CONFLICT_UPDATE, CONFLICT_SKIP };

typedef struct loader {
	orm_seed *s;
	seed_table *t;
	seed_source *src;
	const char *file;
	int yaml;
	int *colmap;            /* CSV: header column -> table column */
	size_t ncolmap;
	/* batch: rows of one column set */
	int *bcols;
	size_t nbcols, abcols;
	int *conflict;          /* conflict target columns */
	size_t nconflict;
	int conflict_mode;
	orm_value *vals;        /* nrows * nbcols */
	int *cpos;              /* nrows * nbcols * 2: line and column of each value in the file */
	size_t avals;           /* capacity of vals (values) */
	int *lines;
	size_t nrows, arows;
	size_t batch_max;
	orm__seed_arena arena;  /* text of the batch's values */
	/* the current row */
	int *rcols;
	orm_value *rvals;
	const char **rlabels;
	int *rline, *rcol;
	size_t rn, arow;
	orm__seed_arena rarena;
	orm_buf sql, key;
	orm_buf errcol;         /* column named by the last server error */
	/* locate mode (finding the line of a row by its values) */
	int locating;
	seed_fk *loc_fk;
	const char *loc_key;
	int loc_line, loc_col;
	const char *loc_file;
} loader;

/* ------------------------------------------------------------------ */
/* SQL text                                                             */

static int qcol(orm_buf *b, const orm_seed *s, const seed_table *t, int col)
{
	const char *n = t->info->columns[col]->name;
	return orm__quote_part(b, s->d, n, strlen(n));
}

/* INSERT INTO t (cols) VALUES (?, ...), ... [conflict clause] */
static int build_insert(orm_buf *b, const orm_seed *s, const seed_table *t, const int *cols,
			size_t ncols, size_t nrows, const int *conflict, size_t nconflict, int mode)
{
	size_t i, r, nupd = 0;
	int rc = 0;

	orm_buf_clear(b);
	rc |= orm_buf_printf(b, "INSERT INTO %s (", t->qname);
	for (i = 0; i < ncols; i++) {
		if (i)
			rc |= orm_buf_puts(b, ", ");
		rc |= qcol(b, s, t, cols[i]);
	}
	rc |= orm_buf_puts(b, ")");
	if (t->pg_identity_always)
		for (i = 0; i < ncols; i++)
			if (cols[i] == t->autoinc)
				rc |= orm_buf_puts(b, " OVERRIDING SYSTEM VALUE");
	rc |= orm_buf_puts(b, " VALUES ");
	for (r = 0; r < nrows; r++) {
		rc |= orm_buf_puts(b, r ? ", (" : "(");
		for (i = 0; i < ncols; i++)
			rc |= orm_buf_puts(b, i ? ", ?" : "?");
		rc |= orm_buf_puts(b, ")");
	}
	if (mode == CONFLICT_NONE || nconflict == 0)
		return rc < 0 ? ORM_ENOMEM : 0;
	for (i = 0; i < ncols; i++) {
		size_t k;
		int inkey = 0;
		for (k = 0; k < nconflict; k++)
			if (conflict[k] == cols[i])
				inkey = 1;
		if (!inkey)
			nupd++;
	}
	if (s->d == ORM_DIALECT_MARIADB) {
		/* the conflict target is implied by the unique keys */
		rc |= orm_buf_puts(b, " ON DUPLICATE KEY UPDATE ");
		if (mode == CONFLICT_SKIP || nupd == 0) {
			rc |= qcol(b, s, t, conflict[0]);
			rc |= orm_buf_puts(b, " = ");
			rc |= qcol(b, s, t, conflict[0]);
		} else {
			int first = 1;
			for (i = 0; i < ncols; i++) {
				size_t k;
				int inkey = 0;
				for (k = 0; k < nconflict; k++)
					if (conflict[k] == cols[i])
						inkey = 1;
				if (inkey)
					continue;
				rc |= orm_buf_puts(b, first ? "" : ", ");
				first = 0;
				rc |= qcol(b, s, t, cols[i]);
				rc |= orm_buf_puts(b, " = VALUES(");
				rc |= qcol(b, s, t, cols[i]);
				rc |= orm_buf_puts(b, ")");
			}
		}
		return rc < 0 ? ORM_ENOMEM : 0;
	}
	rc |= orm_buf_puts(b, " ON CONFLICT (");
	for (i = 0; i < nconflict; i++) {
		if (i)
			rc |= orm_buf_puts(b, ", ");
		rc |= qcol(b, s, t, conflict[i]);
	}
	if (mode == CONFLICT_SKIP || nupd == 0) {
		rc |= orm_buf_puts(b, ") DO NOTHING");
	} else {
		int first = 1;
		rc |= orm_buf_puts(b, ") DO UPDATE SET ");
		for (i = 0; i < ncols; i++) {
			size_t k;
			int inkey = 0;
			for (k = 0; k < nconflict; k++)
				if (conflict[k] == cols[i])
					inkey = 1;
			if (inkey)
				continue;
			rc |= orm_buf_puts(b, first ? "" : ", ");
			first = 0;
			rc |= qcol(b, s, t, cols[i]);
			rc |= orm_buf_puts(b, " = excluded.");
			rc |= qcol(b, s, t, cols[i]);
		}
	}
	return rc < 0 ? ORM_ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* errors                                                               */

/* Copy the connection's error message into b (and the column it names into col, if given). */
static void save_conn_error2(orm_buf *b, orm_buf *col, orm_conn *conn)
{
	const orm_error *e = orm_conn_error(conn);

	if (col) {
		orm_buf_clear(col);
		orm_buf_puts(col, e->column ? e->column : "");
	}
	orm_buf_clear(b);
	orm_buf_puts(b, e->message && *e->message ? e->message : orm_strerror(e->code));
	if (!b->ptr)
		orm_buf_puts(b, "");
}

static void save_conn_error(orm_buf *b, orm_conn *conn)
{
	save_conn_error2(b, NULL, conn);
}

static int fk_values_text(orm_buf *out, const orm_seed *s, const seed_table *t, const seed_fk *fk,
			  const orm_value *vals)
{
	orm_buf v = ORM_BUF_INIT;
	size_t i;
	int rc = 0;

	(void)s;
	orm_buf_clear(out);
	for (i = 0; i < fk->n && rc == 0; i++) {
		if ((rc = orm__seed_key_text(&v, &vals[i], 1)) < 0)
			break;
		if (orm_buf_printf(out, "%s%s=%s", i ? ", " : "", t->info->columns[fk->cols[i]]->name,
				   v.ptr) < 0)
			rc = ORM_ENOMEM;
	}
	orm_buf_dispose(&v);
	return rc;
}

static int fk_ref_text(orm_buf *out, const seed_fk *fk)
{
	size_t i;

	orm_buf_clear(out);
	orm_buf_printf(out, "%s(", fk->parent->name);
	for (i = 0; i < fk->n; i++)
		orm_buf_printf(out, "%s%s", i ? ", " : "", fk->parent->info->columns[fk->ref_cols[i]]->name);
	return orm_buf_puts(out, ")") < 0 ? ORM_ENOMEM : 0;
}

/* Does the parent row exist? 1 yes, 0 no, <0 error. */
static int parent_exists(orm_seed *s, const seed_fk *fk, const orm_value *vals)
{
	orm_buf sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < fk->n; i++)
		if (vals[i].type == ORM_TYPE_NULL)
			return 1; /* MATCH SIMPLE: not checked */
	rc |= orm_buf_printf(&sql, "SELECT 1 FROM %s WHERE ", fk->parent->qname);
	for (i = 0; i < fk->n; i++) {
		rc |= orm_buf_puts(&sql, i ? " AND " : "");
		rc |= qcol(&sql, s, fk->parent, fk->ref_cols[i]);
		rc |= orm_buf_puts(&sql, " = ?");
	}
	if (rc < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if ((rc = orm_prepare(&st, s->conn, sql.ptr)) < 0)
		goto out;
	for (i = 0; i < fk->n; i++)
		orm_bind_value(st, (int)i + 1, &vals[i], ORM_BIND_STATIC);
	rc = orm_stmt_step(st);
	rc = rc == ORM_ROW ? 1 : rc == ORM_DONE ? 0 : rc;
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	return rc;
}

/*
 * A row failed on its own (rc, message saved in msg): name the file and
 * line, and for a foreign key error the missing key.
 */
static int row_failed(loader *L, const int *cols, size_t ncols, const orm_value *vals,
		      const int *cpos, int line, int rc, const char *msg, const char *errcol)
{
	orm_seed *s = L->s;
	seed_table *t = L->t;
	orm_buf a = ORM_BUF_INIT, b = ORM_BUF_INIT;
	size_t f, i, k;

	if (rc == ORM_EFOREIGNKEY || rc == ORM_ECONSTRAINT) {
		for (f = 0; f < t->nfks; f++) {
			seed_fk *fk = &t->fks[f];
			orm_value fv[16];
			int have = 1, ex;
			if (fk->n > 16)
				continue;
			for (k = 0; k < fk->n; k++) {
				have = 0;
				for (i = 0; i < ncols; i++)
					if (cols[i] == fk->cols[k]) {
						fv[k] = vals[i];
						have = 1;
					}
				if (!have)
					break;
			}
			if (!have)
				continue;
			ex = parent_exists(s, fk, fv);
			if (ex == 0) {
				int cl = line, cc = 0;
				for (i = 0; i < ncols && cpos; i++)
					if (cols[i] == fk->cols[0]) {
						cl = cpos[2 * i];
						cc = cpos[2 * i + 1];
					}
				fk_values_text(&a, s, t, fk, fv);
				fk_ref_text(&b, fk);
				orm__seed_errf(&s->err, ORM_EFOREIGNKEY, L->file, cl, cc,
					       "%s: %s has no matching row in %s", t->name, a.ptr, b.ptr);
				orm__seed_err_detail(&s->err, t->name,
						     t->info->columns[fk->cols[0]]->name, a.ptr);
				orm_buf_dispose(&a);
				orm_buf_dispose(&b);
				return ORM_EFOREIGNKEY;
			}
		}
	}
	/* the column the server named, when it is one of the row's */
	{
		int cl = line, cc = 0;
		const char *cname = NULL;
		for (i = 0; i < ncols && cpos && errcol && *errcol; i++)
			if (strcmp(t->info->columns[cols[i]]->name, errcol) == 0) {
				cl = cpos[2 * i];
				cc = cpos[2 * i + 1];
				cname = errcol;
			}
		orm__seed_errf(&s->err, rc, L->file, cl, cc, "%s: %s", t->name, msg);
		orm__seed_err_detail(&s->err, t->name, cname, NULL);
	}
	orm_buf_dispose(&a);
	orm_buf_dispose(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* running statements                                                   */

static int exec_insert(loader *L, const int *cols, size_t ncols, const orm_value *vals,
		       size_t nrows)
{
	orm_stmt *st = NULL;
	size_t i, n = ncols * nrows;
	int rc;

	if ((rc = build_insert(&L->sql, L->s, L->t, cols, ncols, nrows, L->conflict, L->nconflict,
			       L->conflict_mode)) < 0)
		return rc;
	if ((rc = orm_prepare(&st, L->s->conn, L->sql.ptr)) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = orm_bind_value(st, (int)i + 1, &vals[i], ORM_BIND_STATIC);
	if (rc == 0) {
		rc = orm_stmt_step(st);
		rc = rc == ORM_DONE || rc == ORM_ROW ? 0 : rc;
	}
	orm_stmt_free(st);
	return rc;
}

#ifdef ORM_HAVE_PQ
/* Append one value in COPY text format. */
static int copy_value(orm_buf *b, const orm_value *v)
{
	static const char hex[] = "0123456789abcdef";
	const char *p;
	size_t i, start;

	switch (v->type) {
	case ORM_TYPE_NULL:
		return orm_buf_put(b, "\\N", 2);
	case ORM_TYPE_BOOL:
		return orm_buf_put(b, v->u.b ? "t" : "f", 1);
	case ORM_TYPE_INT:
		return orm_buf_printf(b, "%lld", (long long)v->u.i);
	case ORM_TYPE_DOUBLE:
		return orm_buf_printf(b, "%.17g", v->u.d);
	case ORM_TYPE_BLOB:
		/* bytea hex form, its backslash escaped for COPY */
		if (orm_buf_put(b, "\\\\x", 3) < 0)
			return ORM_ENOMEM;
		for (i = 0; i < v->u.s.len; i++) {
			unsigned char c = ((const unsigned char *)v->u.s.ptr)[i];
			char two[2] = { hex[c >> 4], hex[c & 15] };
			if (orm_buf_put(b, two, 2) < 0)
				return ORM_ENOMEM;
		}
		return 0;
	default:
		p = v->u.s.ptr ? v->u.s.ptr : "";
		for (i = 0, start = 0; i < v->u.s.len; i++) {
			const char *e;
			switch (p[i]) {
			case '\\': e = "\\\\"; break;
			case '\n': e = "\\n"; break;
			case '\r': e = "\\r"; break;
			case '\t': e = "\\t"; break;
			default: continue;
			}
			if (orm_buf_put(b, p + start, i - start) < 0 || orm_buf_puts(b, e) < 0)
				return ORM_ENOMEM;
			start = i + 1;
		}
		return orm_buf_put(b, p + start, v->u.s.len - start);
	}
}

/* The batch through COPY ... FROM STDIN. */
static int exec_copy(loader *L)
{
	orm_seed *s = L->s;
	orm_buf data = ORM_BUF_INIT;
	size_t r, i;
	int rc = 0;

	orm_buf_clear(&L->sql);
	rc |= orm_buf_printf(&L->sql, "COPY %s (", L->t->qname);
	for (i = 0; i < L->nbcols; i++) {
		rc |= orm_buf_puts(&L->sql, i ? ", " : "");
		rc |= qcol(&L->sql, s, L->t, L->bcols[i]);
	}
	rc |= orm_buf_puts(&L->sql, ") FROM STDIN");
	for (r = 0; r < L->nrows && rc == 0; r++) {
		for (i = 0; i < L->nbcols && rc == 0; i++) {
			if (i)
				rc |= orm_buf_put(&data, "\t", 1);
			rc |= copy_value(&data, &L->vals[r * L->nbcols + i]);
		}
		rc |= orm_buf_put(&data, "\n", 1);
	}
	if (rc < 0)
		rc = ORM_ENOMEM;
	else
		rc = orm__pg_copy_in(s->conn, L->sql.ptr, data.ptr, data.size);
	orm_buf_dispose(&data);
	return rc;
}
#endif

/* COPY when the rows need no conflict handling (PostgreSQL only). */
static int use_copy(const loader *L)
{
#ifdef ORM_HAVE_PQ
	return L->s->d == ORM_DIALECT_POSTGRES && !L->s->opts.no_copy &&
	       L->conflict_mode == CONFLICT_NONE && L->nbcols > 0;
#else
	(void)L;
	return 0;
#endif
}

static void progress(loader *L)
{
	orm_seed *s = L->s;
	orm_seed_progress p;

	if (!s->opts.progress)
		return;
	p.table = L->t->name;
	p.file = L->src ? L->src->file->name : "";
	p.table_rows_done = L->t->loaded;
	p.table_rows_total = L->t->nrows;
	p.rows_done = s->rows_done;
	p.rows_total = s->rows_total;
	p.elapsed = orm__seed_now() - s->t0;
	s->opts.progress(&p, s->opts.payload);
}

/* Write the batch: one statement in a savepoint; on failure, row by row to find the line. */
static int flush(loader *L)
{
	orm_seed *s = L->s;
	orm_buf msg = ORM_BUF_INIT;
	size_t r;
	int rc, rc2;

	if (L->nrows == 0)
		return 0;
	if ((rc = orm_begin(s->conn)) < 0)
		return rc;
#ifdef ORM_HAVE_PQ
	if (use_copy(L))
		rc = exec_copy(L);
	else
#endif
		rc = exec_insert(L, L->bcols, L->nbcols, L->vals, L->nrows);
	if (rc == 0) {
		if ((rc = orm_commit(s->conn)) < 0) {
			orm_rollback(s->conn);
			return rc;
		}
		goto done;
	}
	save_conn_error(&msg, s->conn);
	orm_rollback(s->conn);
	if (rc == ORM_ENOMEM || rc == ORM_ECONNLOST || rc == ORM_ECONNECT) {
		orm__seed_errf(&s->err, rc, L->file, L->lines[0], 0, "%s: %s", L->t->name, msg.ptr);
		goto out;
	}
	/* replay row by row */
	for (r = 0; r < L->nrows; r++) {
		if ((rc2 = orm_begin(s->conn)) < 0) {
			rc = rc2;
			goto out;
		}
		rc2 = exec_insert(L, L->bcols, L->nbcols, L->vals + r * L->nbcols, 1);
		if (rc2 < 0) {
			save_conn_error2(&msg, &L->errcol, s->conn);
			orm_rollback(s->conn);
			rc = row_failed(L, L->bcols, L->nbcols, L->vals + r * L->nbcols,
					L->cpos + 2 * r * L->nbcols, L->lines[r], rc2, msg.ptr, L->errcol.ptr);
			goto out;
		}
		orm_commit(s->conn);
	}
	/* every row went in alone: report the batch's error */
	orm__seed_errf(&s->err, rc, L->file, L->lines[0], 0, "%s (rows of lines %d-%d): %s",
		       L->t->name, L->lines[0], L->lines[L->nrows - 1], msg.ptr);
	goto out;
done:
	L->t->loaded += L->nrows;
	s->rows_done += L->nrows;
	L->nrows = 0;
	orm__seed_arena_reset(&L->arena);
	progress(L);
	rc = 0;
out:
	orm_buf_dispose(&msg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* rows                                                                 */

static int row_reserve(loader *L, size_t n)
{
	if (n <= L->arow)
		return 0;
	{
		size_t na = n < 16 ? 16 : n * 2;
		int *c = orm__realloc(L->rcols, na * sizeof(int));
		orm_value *v;
		const char **lb;
		int *rl, *rcl;
		if (!c)
			return ORM_ENOMEM;
		L->rcols = c;
		if (!(v = orm__realloc(L->rvals, na * sizeof(*v))))
			return ORM_ENOMEM;
		L->rvals = v;
		if (!(lb = orm__realloc((void *)L->rlabels, na * sizeof(*lb))))
			return ORM_ENOMEM;
		L->rlabels = lb;
		if (!(rl = orm__realloc(L->rline, na * sizeof(int))))
			return ORM_ENOMEM;
		L->rline = rl;
		if (!(rcl = orm__realloc(L->rcol, na * sizeof(int))))
			return ORM_ENOMEM;
		L->rcol = rcl;
		L->arow = na;
	}
	return 0;
}

static int same_cols(const loader *L)
{
	size_t i;

	if (L->rn != L->nbcols)
		return 0;
	for (i = 0; i < L->rn; i++)
		if (L->rcols[i] != L->bcols[i])
			return 0;
	return 1;
}

static int contains_all(const int *set, size_t n, const int *want, size_t nw)
{
	size_t i, j;

	for (j = 0; j < nw; j++) {
		int found = 0;
		for (i = 0; i < n; i++)
			if (set[i] == want[j])
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

/* Start a new batch with the current row's column set. */
static int new_batch(loader *L)
{
	orm_seed *s = L->s;
	seed_table *t = L->t;
	size_t per;
	int rc;

	if ((rc = flush(L)) < 0)
		return rc;
	if (L->rn > L->abcols) {
		int *nb = orm__realloc(L->bcols, L->rn * sizeof(int));
		if (!nb)
			return ORM_ENOMEM;
		L->bcols = nb;
		L->abcols = L->rn;
	}
	memcpy(L->bcols, L->rcols, L->rn * sizeof(int));
	L->nbcols = L->rn;
	/* conflict target: the file's natural key, else the primary key */
	L->conflict = NULL;
	L->nconflict = 0;
	L->conflict_mode = CONFLICT_NONE;
	if (s->opts.on_conflict != ORM_SEED_INSERT) {
		if (L->src && L->src->nkey && contains_all(L->bcols, L->nbcols, L->src->keycols, L->src->nkey)) {
			L->conflict = L->src->keycols;
			L->nconflict = L->src->nkey;
		} else if (t->npk && contains_all(L->bcols, L->nbcols, t->pk, t->npk)) {
			L->conflict = t->pk;
			L->nconflict = t->npk;
		}
		if (L->nconflict)
			L->conflict_mode = s->opts.on_conflict == ORM_SEED_SKIP ? CONFLICT_SKIP : CONFLICT_UPDATE;
	}
	per = L->nbcols ? s->max_params / L->nbcols : L->batch_max;
	if (per < 1)
		per = 1;
	L->batch_max = s->opts.batch_rows ? s->opts.batch_rows : DEFAULT_BATCH;
	if (L->batch_max > per)
		L->batch_max = per;
	if (L->batch_max > L->arows) {
		int *nl = orm__realloc(L->lines, L->batch_max * sizeof(int));
		if (!nl)
			return ORM_ENOMEM;
		L->lines = nl;
		L->arows = L->batch_max;
	}
	if (L->batch_max * L->nbcols > L->avals) {
		size_t n = L->batch_max * L->nbcols;
		orm_value *nv = orm__realloc(L->vals, n * sizeof(*nv));
		int *np;
		if (!nv)
			return ORM_ENOMEM;
		L->vals = nv;
		if (!(np = orm__realloc(L->cpos, n * 2 * sizeof(int))))
			return ORM_ENOMEM;
		L->cpos = np;
		L->avals = n;
	}
	return 0;
}

static int append_row(loader *L, int line)
{
	size_t i;
	int rc;

	if (!same_cols(L) || L->nbcols == 0) {
		if ((rc = new_batch(L)) < 0)
			return rc;
	}
	for (i = 0; i < L->rn; i++) {
		size_t at = L->nrows * L->nbcols + i;
		if ((rc = orm__seed_value_copy(&L->vals[at], &L->rvals[i], &L->arena)) < 0)
			return rc;
		L->cpos[2 * at] = L->rline[i];
		L->cpos[2 * at + 1] = L->rcol[i];
	}
	L->lines[L->nrows++] = line;
	if (L->nrows >= L->batch_max)
		return flush(L);
	return 0;
}

/* Find value of table column `col` in the current row; NULL if absent. */
static orm_value *row_val(loader *L, int col)
{
	size_t i;

	for (i = 0; i < L->rn; i++)
		if (L->rcols[i] == col)
			return &L->rvals[i];
	return NULL;
}

/*
 * Insert the current row alone and read back the values of `want`
 * columns (copied into the keep arena) into out.
 */
static int insert_fetch(loader *L, int line, const int *want, size_t nwant, orm_value *out)
{
	orm_seed *s = L->s;
	seed_table *t = L->t;
	orm_buf msg = ORM_BUF_INIT, sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	const int *ident = NULL;
	size_t nident = 0, i;
	orm_value idv[32];
	int64_t id;
	int rc, r2 = 0;

	if ((rc = flush(L)) < 0)
		return rc;
	if ((rc = new_batch(L)) < 0) /* sets the conflict target for this column set */
		return rc;
	if (L->nconflict && L->nconflict <= 32) {
		int ok = 1;
		for (i = 0; i < L->nconflict; i++) {
			orm_value *v = row_val(L, L->conflict[i]);
			if (!v || v->type == ORM_TYPE_NULL)
				ok = 0;
			else
				idv[i] = *v;
		}
		if (ok) {
			ident = L->conflict;
			nident = L->nconflict;
		}
	}
	if (!ident && t->npk && t->npk <= 32 && contains_all(L->rcols, L->rn, t->pk, t->npk)) {
		int ok = 1;
		for (i = 0; i < t->npk; i++) {
			orm_value *v = row_val(L, t->pk[i]);
			if (!v || v->type == ORM_TYPE_NULL)
				ok = 0;
			else
				idv[i] = *v;
		}
		if (ok) {
			ident = t->pk;
			nident = t->npk;
		}
	}
	if (!ident && (t->autoinc < 0 || L->conflict_mode != CONFLICT_NONE))
		return orm__seed_errf(&s->err, ORM_EUNSUPPORTED, L->file, line, 0,
				      "%s: the row's generated key must be read back (a label or a "
				      "reference set later needs it), but the row gives no key and the "
				      "table has no auto-increment column", t->name);
	if ((rc = orm_begin(s->conn)) < 0)
		return rc;
	rc = exec_insert(L, L->rcols, L->rn, L->rvals, 1);
	if (rc < 0) {
		save_conn_error2(&msg, &L->errcol, s->conn);
		orm_rollback(s->conn);
		{
			int *cp = orm__calloc(L->rn * 2 + 1, sizeof(int));
			size_t i2;
			for (i2 = 0; cp && i2 < L->rn; i2++) {
				cp[2 * i2] = L->rline[i2];
				cp[2 * i2 + 1] = L->rcol[i2];
			}
			rc = row_failed(L, L->rcols, L->rn, L->rvals, cp, line, rc, msg.ptr, L->errcol.ptr);
			orm__free(cp);
		}
		goto out;
	}
	if (!ident) {
		if ((rc = orm_last_insert_id(s->conn, &id)) < 0)
			goto fail;
		idv[0] = orm_int(id);
		ident = &t->autoinc;
		nident = 1;
	}
	r2 |= orm_buf_puts(&sql, "SELECT ");
	for (i = 0; i < nwant; i++) {
		r2 |= orm_buf_puts(&sql, i ? ", " : "");
		r2 |= qcol(&sql, s, t, want[i]);
	}
	r2 |= orm_buf_printf(&sql, " FROM %s WHERE ", t->qname);
	for (i = 0; i < nident; i++) {
		r2 |= orm_buf_puts(&sql, i ? " AND " : "");
		r2 |= qcol(&sql, s, t, ident[i]);
		r2 |= orm_buf_puts(&sql, " = ?");
	}
	if (r2 < 0) {
		rc = ORM_ENOMEM;
		goto fail;
	}
	if ((rc = orm_prepare(&st, s->conn, sql.ptr)) < 0)
		goto fail;
	for (i = 0; i < nident; i++)
		orm_bind_value(st, (int)i + 1, &idv[i], ORM_BIND_STATIC);
	rc = orm_stmt_step(st);
	if (rc != ORM_ROW) {
		if (rc == ORM_DONE)
			rc = orm__seed_errf(&s->err, ORM_ENOTFOUND, L->file, line, 0,
					    "%s: the row just written cannot be read back", t->name);
		goto fail;
	}
	for (i = 0; i < nwant; i++) {
		orm_value v;
		if ((rc = orm_column_value(st, (int)i, &v)) < 0 ||
		    (rc = orm__seed_value_copy(&out[i], &v, &s->keep)) < 0)
			goto fail;
	}
	orm_stmt_free(st);
	st = NULL;
	if ((rc = orm_commit(s->conn)) < 0)
		goto fail;
	t->loaded++;
	s->rows_done++;
	rc = 0;
	goto out;
fail:
	if (!s->err.pub.code) {
		save_conn_error(&msg, s->conn);
		orm__seed_errf(&s->err, rc, L->file, line, 0, "%s: %s", t->name, msg.ptr);
	}
	orm_stmt_free(st);
	st = NULL;
	orm_rollback(s->conn);
out:
	orm_stmt_free(st);
	orm_buf_dispose(&msg);
	orm_buf_dispose(&sql);
	return rc;
}

/* The 64-bit key of values: a one-column integer as is, else FNV-1a of the canonical text. */
static int key64(loader *L, const orm_value *vals, size_t n, uint64_t *out)
{
	int rc;

	if (n == 1 && vals[0].type == ORM_TYPE_INT) {
		*out = (uint64_t)vals[0].u.i;
		return 0;
	}
	if ((rc = orm__seed_key_text(&L->key, vals, n)) < 0)
		return rc;
	*out = orm__fnv1a64(ORM__FNV_INIT, L->key.ptr, L->key.size);
	return 0;
}

static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (size_t)(k & (cap - 1));
}

static int keyset_has(const seed_table *t, uint64_t k)
{
	size_t i;

	if (k == 0)
		return t->khas_zero;
	if (!t->kcap)
		return 0;
	for (i = slot_of(k, t->kcap); t->kslots[i]; i = (i + 1) & (t->kcap - 1))
		if (t->kslots[i] == k)
			return 1;
	return 0;
}

static int keyset_add(seed_table *t, uint64_t k)
{
	size_t i;

	if (k == 0) {
		t->khas_zero = 1;
		return 0;
	}
	if ((t->kn + 1) * 2 > t->kcap) {
		size_t ncap = t->kcap ? t->kcap * 2 : 1024, j;
		uint64_t *ns = orm__calloc(ncap, sizeof(*ns));
		if (!ns)
			return ORM_ENOMEM;
		for (j = 0; j < t->kcap; j++) {
			uint64_t v = t->kslots[j];
			if (!v)
				continue;
			for (i = slot_of(v, ncap); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = v;
		}
		orm__free(t->kslots);
		t->kslots = ns;
		t->kcap = ncap;
	}
	for (i = slot_of(k, t->kcap); t->kslots[i]; i = (i + 1) & (t->kcap - 1))
		if (t->kslots[i] == k)
			return 0;
	t->kslots[i] = k;
	t->kn++;
	return 0;
}

static int add_loaded_key(loader *L, const orm_value *vals, size_t n)
{
	uint64_t k;
	int rc;

	if ((rc = key64(L, vals, n, &k)) < 0)
		return rc;
	return keyset_add(L->t, k);
}

static int key_loaded(loader *L, const orm_value *vals, size_t n)
{
	uint64_t k;

	if (key64(L, vals, n, &k) < 0)
		return 0;
	return keyset_has(L->t, k);
}

/* Map the reader's row onto table columns, converting values (into the row arena). */
static int take_row(loader *L, const orm__seed_row *row)
{
	orm_seed *s = L->s;
	size_t i;
	int rc;

	orm__seed_arena_reset(&L->rarena);
	if ((rc = row_reserve(L, row->n)) < 0)
		return rc;
	L->rn = 0;
	for (i = 0; i < row->n; i++) {
		const orm__seed_cell *c = &row->cells[i];
		int col = L->yaml ? orm__seed_col_index(L->t, row->names[i]) : L->colmap[i];
		const char *label;
		size_t k = L->rn++;

		if (col < 0) /* checked in pass 1 */
			return orm__seed_errf(&s->err, ORM_ENOTFOUND, L->file, row->line, 0,
					      "column '%s' does not exist in table '%s'", row->names[i],
					      L->t->name);
		L->rcols[k] = col;
		L->rline[k] = c->line;
		L->rcol[k] = c->col;
		L->rlabels[k] = NULL;
		L->rvals[k] = orm_null();
		if (orm__seed_cell_label(L->t, col, c, L->yaml, &label)) {
			char *cp = orm__seed_arena_strndup(&L->rarena, label, strlen(label));
			if (!cp)
				return ORM_ENOMEM;
			L->rlabels[k] = cp;
			continue;
		}
		if ((rc = orm__seed_convert(s, L->t, col, c, L->yaml, &L->rvals[k], &L->rarena,
					    L->file)) < 0)
			return rc;
	}
	return 0;
}

/* Resolve the label of cell k (FK column): 1 resolved into rvals[k], 0 not yet known. */
static int resolve_label(loader *L, size_t k, const char *label)
{
	seed_table *t = L->t;
	int col = L->rcols[k];
	seed_fk *fk = &t->fks[t->fk_of_col[col]];
	int pcol = fk->ref_cols[t->fk_pos_of_col[col]];
	seed_label *l = orm__seed_label_find(fk->parent, label);
	int pos;

	if (!l || !l->known)
		return 0;
	pos = fk->parent->refpos_of_col[pcol];
	if (pos < 0)
		return 0;
	L->rvals[k] = l->vals[pos];
	return 1;
}


static int fk_has_col(const seed_fk *fk, int col)
{
	size_t k;

	for (k = 0; k < fk->n; k++)
		if (fk->cols[k] == col)
			return 1;
	return 0;
}

/* Record a second-phase update of fk for the row whose key is keyv. */
static int add_pending(loader *L, seed_fk *fk, const orm_value *keyv, const orm_value *saved,
		       const char *const *savedlab, int line, int col)
{
	orm_seed *s = L->s;
	seed_table *t = L->t;
	seed_pending *p = orm__seed_arena_alloc(&s->keep, sizeof(*p));
	size_t k;
	int rc;

	if (!p)
		return ORM_ENOMEM;
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->fk = fk;
	p->file = L->file;
	p->line = line;
	p->col = col;
	p->key = orm__seed_arena_alloc(&s->keep, (t->npk ? t->npk : 1) * sizeof(orm_value));
	p->vals = orm__seed_arena_alloc(&s->keep, fk->n * sizeof(orm_value));
	p->labels = orm__seed_arena_alloc(&s->keep, fk->n * sizeof(char *));
	if (!p->key || !p->vals || !p->labels)
		return ORM_ENOMEM;
	for (k = 0; k < t->npk; k++)
		if ((rc = orm__seed_value_copy(&p->key[k], &keyv[k], &s->keep)) < 0)
			return rc;
	for (k = 0; k < fk->n; k++) {
		p->labels[k] = NULL;
		if (savedlab[k] && !(p->labels[k] = orm__seed_arena_strndup(&s->keep, savedlab[k],
									     strlen(savedlab[k]))))
			return ORM_ENOMEM;
		if ((rc = orm__seed_value_copy(&p->vals[k], &saved[k], &s->keep)) < 0)
			return rc;
	}
	if (s->pend_tail)
		s->pend_tail->next = p;
	else
		s->pend_head = p;
	s->pend_tail = p;
	return 0;
}

#define MAXK 32

static int l_row(void *ctx, const orm__seed_row *row)
{
	loader *L = ctx;
	orm_seed *s = L->s;
	seed_table *t = L->t;
	seed_label *label = NULL;
	size_t f, i, k, nwant = 0, npend = 0;
	int rc = 0, need_pk = 0, need_label = 0;
	int small_pend[16], *pend = small_pend;
	int want[2 * MAXK];
	orm_value got[2 * MAXK], keyv[MAXK];
	/* saved values of pending references: per fk, MAXK values */
	orm_value *saved = NULL;
	const char **savedlab = NULL;
	int *savedline = NULL, *savedcol = NULL;

	if (L->locating)
		return 0;
	if (t->npk > MAXK || t->nrefcols > MAXK)
		return orm__seed_errf(&s->err, ORM_EUNSUPPORTED, L->file, row->line, 0,
				      "%s: too many key columns", t->name);
	if ((rc = take_row(L, row)) < 0)
		return rc;
	if (t->nfks > 16 && !(pend = orm__calloc(t->nfks, sizeof(int))))
		return ORM_ENOMEM;
	for (f = 0; f < t->nfks; f++)
		pend[f] = 0;
	/* references that wait for the second phase */
	for (f = 0; f < t->nfks; f++) {
		seed_fk *fk = &t->fks[f];
		int present = 0, unresolved = 0, nonnull = 1;
		orm_value fv[MAXK];
		if (fk->n > MAXK)
			continue;
		for (k = 0; k < fk->n; k++) {
			fv[k] = orm_null();
			for (i = 0; i < L->rn; i++) {
				if (L->rcols[i] != fk->cols[k])
					continue;
				present = 1;
				if (L->rlabels[i] && !resolve_label(L, i, L->rlabels[i]))
					unresolved = 1;
				else if (L->rvals[i].type == ORM_TYPE_NULL)
					nonnull = 0;
				fv[k] = L->rvals[i];
			}
		}
		if (!present)
			continue;
		if (unresolved) {
			if (!fk->back) {
				for (i = 0; i < L->rn; i++)
					if (L->rlabels[i] && fk_has_col(fk, L->rcols[i]) &&
					    !resolve_label(L, i, L->rlabels[i])) {
						rc = orm__seed_errf(&s->err, ORM_EUNSUPPORTED, L->file,
								    L->rline[i], L->rcol[i],
								    "label '%s' refers to a row of '%s' whose key is "
								    "generated by the database and not written yet; in "
								    "a cycle through NOT NULL columns give that row's "
								    "key in the file", L->rlabels[i], fk->parent->name);
						goto out;
					}
			}
			pend[f] = 1;
		} else if (fk->back && nonnull) {
			if (!fk->self || !key_loaded(L, fv, fk->n))
				pend[f] = 1;
		}
		if (pend[f])
			npend++;
	}
	if (npend) {
		saved = orm__calloc(t->nfks * MAXK, sizeof(*saved));
		savedlab = orm__calloc(t->nfks * MAXK, sizeof(*savedlab));
		savedline = orm__calloc(t->nfks, sizeof(int));
		savedcol = orm__calloc(t->nfks, sizeof(int));
		if (!saved || !savedlab || !savedline || !savedcol) {
			rc = ORM_ENOMEM;
			goto out;
		}
		for (f = 0; f < t->nfks; f++) {
			seed_fk *fk = &t->fks[f];
			if (!pend[f])
				continue;
			for (k = 0; k < fk->n; k++) {
				saved[f * MAXK + k] = orm_null();
				for (i = 0; i < L->rn; i++) {
					if (L->rcols[i] != fk->cols[k])
						continue;
					/* values point into the row arena, valid until add_pending copies them */
					saved[f * MAXK + k] = L->rvals[i];
					savedlab[f * MAXK + k] = L->rlabels[i] && L->rvals[i].type == ORM_TYPE_NULL
								 ? L->rlabels[i] : NULL;
					if (!savedline[f]) {
						savedline[f] = L->rline[i];
						savedcol[f] = L->rcol[i];
					}
					L->rvals[i] = orm_null();
				}
			}
		}
		/* the row's key for the UPDATE */
		for (k = 0; k < t->npk; k++) {
			orm_value *v = row_val(L, t->pk[k]);
			if (!v || v->type == ORM_TYPE_NULL)
				need_pk = 1;
			else
				keyv[k] = *v;
		}
		if (!t->npk) {
			rc = orm__seed_errf(&s->err, ORM_EUNSUPPORTED, L->file, row->line, 0,
					    "%s has no primary key: a reference to a row loaded later "
					    "cannot be set afterwards; order the rows so that referenced "
					    "rows come first", t->name);
			goto out;
		}
	}
	if (row->label) {
		label = orm__seed_label_find(t, row->label);
		need_label = label && label->used && !label->known;
	}
	if (need_pk || need_label) {
		if (need_pk)
			for (k = 0; k < t->npk; k++)
				want[nwant++] = t->pk[k];
		if (need_label)
			for (k = 0; k < t->nrefcols; k++)
				want[nwant++] = t->refcols[k];
		if ((rc = insert_fetch(L, row->line, want, nwant, got)) < 0)
			goto out;
		i = 0;
		if (need_pk)
			for (k = 0; k < t->npk; k++)
				keyv[k] = got[i++];
		if (need_label) {
			for (k = 0; k < t->nrefcols; k++)
				label->vals[k] = got[i++];
			label->known = 1;
		}
	} else if ((rc = append_row(L, row->line)) < 0) {
		goto out;
	}
	/* rows now loaded, for self-references */
	if (t->need_keys) {
		for (f = 0; f < t->nfks; f++) {
			seed_fk *fk = &t->fks[f];
			orm_value rv[MAXK];
			int all = 1;
			if (!fk->self || !fk->back || fk->n > MAXK)
				continue;
			for (k = 0; k < fk->n && all; k++) {
				orm_value *v = row_val(L, fk->ref_cols[k]);
				if (v && v->type != ORM_TYPE_NULL) {
					rv[k] = *v;
				} else {
					size_t w;
					all = 0;
					for (w = 0; w < nwant; w++)
						if (want[w] == fk->ref_cols[k]) {
							rv[k] = got[w];
							all = 1;
						}
				}
			}
			if (all && (rc = add_loaded_key(L, rv, fk->n)) < 0)
				goto out;
		}
	}
	for (f = 0; f < t->nfks && npend; f++) {
		if (!pend[f])
			continue;
		if ((rc = add_pending(L, &t->fks[f], keyv, &saved[f * MAXK],
				      (const char *const *)&savedlab[f * MAXK],
				      savedline[f] ? savedline[f] : row->line, savedcol[f])) < 0)
			goto out;
	}
out:
	if (pend != small_pend)
		orm__free(pend);
	orm__free(saved);
	orm__free((void *)savedlab);
	orm__free(savedline);
	orm__free(savedcol);
	return rc;
}

/* ------------------------------------------------------------------ */
/* locating a row by the values of a foreign key (for the final check) */

static int locate_row(void *ctx, const orm__seed_row *row)
{
	loader *L = ctx;
	seed_table *t = L->t;
	seed_fk *fk = L->loc_fk;
	orm_value fv[MAXK];
	size_t i, k;
	int line = 0, col = 0;

	if (take_row(L, row) < 0)
		return 0;
	for (k = 0; k < fk->n && k < MAXK; k++) {
		fv[k] = orm_null();
		for (i = 0; i < L->rn; i++) {
			if (L->rcols[i] != fk->cols[k])
				continue;
			if (L->rlabels[i])
				resolve_label(L, i, L->rlabels[i]);
			fv[k] = L->rvals[i];
			if (!line) {
				line = L->rline[i];
				col = L->rcol[i];
			}
		}
	}
	(void)t;
	if (orm__seed_key_text(&L->sql, fv, fk->n) < 0)
		return 0;
	if (strcmp(L->sql.ptr, L->loc_key) != 0)
		return 0;
	L->loc_line = line ? line : row->line;
	L->loc_col = col;
	L->loc_file = L->file;
	return LOCATE_FOUND;
}

/* ------------------------------------------------------------------ */
/* reading one table's files                                            */

static int l_section(void *ctx, const orm__seed_section *sec)
{
	loader *L = ctx;
	size_t i;

	L->src = NULL;
	for (i = 0; i < L->t->nsources; i++) {
		seed_source *src = L->t->sources[i];
		if (strcmp(src->file->path, L->file) == 0 && src->section == sec->index)
			L->src = src;
	}
	if (!L->src)
		return 0; /* another table's section */
	if (!L->yaml) {
		orm__free(L->colmap);
		L->colmap = orm__calloc(sec->ncolumns ? sec->ncolumns : 1, sizeof(int));
		if (!L->colmap)
			return ORM_ENOMEM;
		L->ncolmap = sec->ncolumns;
		for (i = 0; i < sec->ncolumns; i++)
			L->colmap[i] = orm__seed_col_index(L->t, sec->columns[i]);
	}
	L->nbcols = 0; /* a new batch for the new section (its conflict target may differ) */
	return 0;
}

static int l_row_filtered(void *ctx, const orm__seed_row *row)
{
	loader *L = ctx;

	if (!L->src)
		return 0;
	return L->locating ? locate_row(ctx, row) : l_row(ctx, row);
}

static int l_section_end(void *ctx, const orm__seed_section *sec, uint64_t nrows)
{
	loader *L = ctx;
	int rc = 0;

	(void)sec;
	(void)nrows;
	if (L->src && !L->locating)
		rc = flush(L);
	L->src = NULL;
	return rc;
}

static int read_sources(loader *L)
{
	orm__seed_reader_cb cb = { l_section, l_row_filtered, l_section_end, NULL };
	size_t i;
	int rc = 0;
	const char *done_path = NULL;

	cb.ctx = L;
	for (i = 0; i < L->t->nsources && rc == 0; i++) {
		seed_source *src = L->t->sources[i];
		/* a YAML file with several sections of the table is read once */
		if (done_path && strcmp(done_path, src->file->path) == 0)
			continue;
		L->file = src->file->path;
		L->yaml = src->file->format == ORM_SEED_YAML;
		L->nbcols = 0;
		if (L->yaml)
			rc = orm__seed_yaml_read(src->file->path, L->t->name, &cb, &L->s->err);
		else
			rc = orm__seed_csv_read(src->file->path, src->file->csv_table, &cb, &L->s->err);
		done_path = src->file->path;
	}
	return rc;
}

static void loader_init(loader *L, orm_seed *s)
{
	memset(L, 0, sizeof(*L));
	L->s = s;
}

static void loader_dispose(loader *L)
{
	orm__free(L->colmap);
	orm__free(L->bcols);
	orm__free(L->vals);
	orm__free(L->lines);
	orm__free(L->cpos);
	orm__free(L->rcols);
	orm__free(L->rvals);
	orm__free((void *)L->rlabels);
	orm__free(L->rline);
	orm__free(L->rcol);
	orm__seed_arena_free(&L->arena);
	orm__seed_arena_free(&L->rarena);
	orm_buf_dispose(&L->sql);
	orm_buf_dispose(&L->key);
	orm_buf_dispose(&L->errcol);
}

static int load_table(orm_seed *s, seed_scc *c, seed_table *t)
{
	loader L;
	int rc;

	loader_init(&L, s);
	(void)c;
	L.t = t;
	rc = read_sources(&L);
	if (rc == 0)
		rc = flush(&L);
	loader_dispose(&L);
	return rc;
}

/* ------------------------------------------------------------------ */
/* second phase                                                         */

static int apply_pending(orm_seed *s)
{
	orm_buf sql = ORM_BUF_INIT, msg = ORM_BUF_INIT, a = ORM_BUF_INIT, b = ORM_BUF_INIT;
	seed_pending *p;
	orm_stmt *st = NULL;
	size_t k;
	int rc = 0, r2;

	for (p = s->pend_head; p; p = p->next) {
		seed_table *t = p->t;
		seed_fk *fk = p->fk;
		int64_t changed;
		for (k = 0; k < fk->n; k++) {
			if (p->labels[k]) {
				seed_label *l = orm__seed_label_find(fk->parent, p->labels[k]);
				int pos = fk->parent->refpos_of_col[fk->ref_cols[k]];
				if (!l || !l->known || pos < 0) {
					rc = orm__seed_errf(&s->err, ORM_ENOTFOUND, p->file, p->line, p->col,
							    "label '%s' of table '%s' was never written",
							    p->labels[k], fk->parent->name);
					goto out;
				}
				p->vals[k] = l->vals[pos];
			}
		}
		orm_buf_clear(&sql);
		r2 = orm_buf_printf(&sql, "UPDATE %s SET ", t->qname);
		for (k = 0; k < fk->n; k++) {
			r2 |= orm_buf_puts(&sql, k ? ", " : "");
			r2 |= qcol(&sql, s, t, fk->cols[k]);
			r2 |= orm_buf_puts(&sql, " = ?");
		}
		r2 |= orm_buf_puts(&sql, " WHERE ");
		for (k = 0; k < t->npk; k++) {
			r2 |= orm_buf_puts(&sql, k ? " AND " : "");
			r2 |= qcol(&sql, s, t, t->pk[k]);
			r2 |= orm_buf_puts(&sql, " = ?");
		}
		if (r2 < 0) {
			rc = ORM_ENOMEM;
			goto out;
		}
		if ((rc = orm_begin(s->conn)) < 0)
			goto out;
		if ((rc = orm_prepare(&st, s->conn, sql.ptr)) == 0) {
			for (k = 0; k < fk->n; k++)
				orm_bind_value(st, (int)k + 1, &p->vals[k], ORM_BIND_STATIC);
			for (k = 0; k < t->npk; k++)
				orm_bind_value(st, (int)(fk->n + k) + 1, &p->key[k], ORM_BIND_STATIC);
			rc = orm_stmt_step(st);
			rc = rc == ORM_DONE || rc == ORM_ROW ? 0 : rc;
			changed = orm_stmt_changes(st);
			(void)changed;
		}
		orm_stmt_free(st);
		st = NULL;
		if (rc < 0) {
			save_conn_error(&msg, s->conn);
			orm_rollback(s->conn);
			if (parent_exists(s, fk, p->vals) == 0) {
				fk_values_text(&a, s, t, fk, p->vals);
				fk_ref_text(&b, fk);
				rc = orm__seed_errf(&s->err, ORM_EFOREIGNKEY, p->file, p->line, p->col,
						    "%s: %s has no matching row in %s", t->name, a.ptr, b.ptr);
				orm__seed_err_detail(&s->err, t->name, t->info->columns[fk->cols[0]]->name,
						     a.ptr);
			} else {
				rc = orm__seed_errf(&s->err, rc, p->file, p->line, p->col, "%s: %s", t->name,
						    msg.ptr);
			}
			goto out;
		}
		if ((rc = orm_commit(s->conn)) < 0) {
			orm_rollback(s->conn);
			goto out;
		}
	}
	s->pend_head = s->pend_tail = NULL;
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&msg);
	orm_buf_dispose(&a);
	orm_buf_dispose(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* late checks of cycles through NOT NULL columns                       */

static int conn_fail(orm_seed *s, int rc, const char *what)
{
	return orm__seed_errf(&s->err, rc, NULL, 0, 0, "%s: %s", what, orm_conn_errmsg(s->conn));
}

static int quote_constraint(orm_buf *b, const orm_seed *s, const char *name)
{
	orm_buf_clear(b);
	if (s->schema && (orm_quote_ident(b, s->d, s->schema) < 0 || orm_buf_puts(b, ".") < 0))
		return ORM_ENOMEM;
	return orm__quote_part(b, s->d, name, strlen(name));
}

/* PostgreSQL: make every late-checked key deferred, before any row is written. */
static int pg_defer_all(orm_seed *s)
{
	orm_buf q = ORM_BUF_INIT, sql = ORM_BUF_INIT;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < s->ntables && rc == 0; i++) {
		seed_table *t = &s->tables[i];
		for (j = 0; j < t->nfks && rc == 0; j++) {
			seed_fk *fk = &t->fks[j];
			if (!fk->defer)
				continue;
			orm_buf_clear(&sql);
			if (!fk->pg_deferrable) {
				orm_buf_clear(&q);
				if (orm__quote_part(&q, s->d, fk->info->name, strlen(fk->info->name)) < 0 ||
				    orm_buf_printf(&sql, "ALTER TABLE %s ALTER CONSTRAINT %s DEFERRABLE INITIALLY DEFERRED",
						   t->qname, q.ptr) < 0) {
					rc = ORM_ENOMEM;
					break;
				}
				if ((rc = orm_exec(s->conn, sql.ptr)) < 0) {
					rc = conn_fail(s, rc, "making a foreign key of a cycle deferrable");
					break;
				}
				fk->pg_altered = 1;
				orm_buf_clear(&sql);
			}
			if (quote_constraint(&q, s, fk->info->name) < 0 ||
			    orm_buf_printf(&sql, "SET CONSTRAINTS %s DEFERRED", q.ptr) < 0) {
				rc = ORM_ENOMEM;
				break;
			}
			if ((rc = orm_exec(s->conn, sql.ptr)) < 0)
				rc = conn_fail(s, rc, "deferring a foreign key of a cycle");
		}
	}
	orm_buf_dispose(&q);
	orm_buf_dispose(&sql);
	return rc;
}

/*
 * PostgreSQL: check every deferred key now, then put the altered ones
 * back (ALTER TABLE refuses a table with events still pending, and a
 * key's events sit on both its tables: all are checked first).
 */
static int pg_undefer_all(orm_seed *s)
{
	orm_buf q = ORM_BUF_INIT, sql = ORM_BUF_INIT;
	size_t i, j;
	int rc = 0, pass;

	for (pass = 0; pass < 2 && rc == 0; pass++) {
		for (i = 0; i < s->ntables && rc == 0; i++) {
			seed_table *t = &s->tables[i];
			for (j = 0; j < t->nfks && rc == 0; j++) {
				seed_fk *fk = &t->fks[j];
				if (!fk->defer || (pass == 1 && !fk->pg_altered))
					continue;
				orm_buf_clear(&sql);
				orm_buf_clear(&q);
				if (pass == 0) {
					if (quote_constraint(&q, s, fk->info->name) < 0 ||
					    orm_buf_printf(&sql, "SET CONSTRAINTS %s IMMEDIATE", q.ptr) < 0) {
						rc = ORM_ENOMEM;
						break;
					}
					if ((rc = orm_exec(s->conn, sql.ptr)) < 0)
						rc = conn_fail(s, rc, "checking a foreign key of a cycle");
					continue;
				}
				if (orm__quote_part(&q, s->d, fk->info->name, strlen(fk->info->name)) < 0 ||
				    orm_buf_printf(&sql, "ALTER TABLE %s ALTER CONSTRAINT %s NOT DEFERRABLE INITIALLY IMMEDIATE",
						   t->qname, q.ptr) < 0) {
					rc = ORM_ENOMEM;
					break;
				}
				if ((rc = orm_exec(s->conn, sql.ptr)) < 0)
					rc = conn_fail(s, rc, "restoring a foreign key of a cycle");
			}
		}
	}
	orm_buf_dispose(&q);
	orm_buf_dispose(&sql);
	return rc;
}

/* SQLite / MariaDB: switch late checks on or off around a component. */
static int late_checks(orm_seed *s, int on, int mariadb_orig)
{
	int rc = 0;

	if (s->d == ORM_DIALECT_SQLITE)
		rc = orm_exec(s->conn, on ? "PRAGMA defer_foreign_keys = ON" : "PRAGMA defer_foreign_keys = OFF");
	else if (s->d == ORM_DIALECT_MARIADB)
		rc = orm_exec(s->conn, on || !mariadb_orig ? "SET foreign_key_checks = 0"
						: "SET foreign_key_checks = 1");
	if (rc < 0)
		rc = conn_fail(s, rc, "switching foreign key checks");
	return rc;
}

/* ------------------------------------------------------------------ */
/* truncate                                                             */

static int truncate_tables(orm_seed *s, int mariadb_fkc)
{
	orm_buf sql = ORM_BUF_INIT;
	size_t i, j, k;
	int rc = 0;

	/* refuse when a table outside the run would lose or change rows silently */
	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		if (t->seeded)
			continue;
		for (j = 0; j < t->nfks; j++) {
			seed_fk *fk = &t->fks[j];
			int64_t n = 0;
			if (!fk->parent->seeded || (fk->info->on_delete != ORM_FK_CASCADE &&
						    fk->info->on_delete != ORM_FK_SET_NULL &&
						    fk->info->on_delete != ORM_FK_SET_DEFAULT))
				continue;
			orm_buf_clear(&sql);
			if (orm_buf_printf(&sql, "SELECT COUNT(*) FROM %s", t->qname) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			if ((rc = orm_query_int(s->conn, &n, sql.ptr, NULL, 0)) < 0) {
				rc = conn_fail(s, rc, "truncate");
				goto out;
			}
			if (n > 0) {
				rc = orm__seed_errf(&s->err, ORM_ECONFLICT, NULL, 0, 0,
						    "--truncate would change table '%s', which is not seeded: its "
						    "foreign key to '%s' is ON DELETE %s and it has %lld row%s; "
						    "seed it too or empty it first", t->name, fk->parent->name,
						    orm_fk_action_sql(fk->info->on_delete), (long long)n,
						    n == 1 ? "" : "s");
				goto out;
			}
		}
	}
	if (orm__seed_pg_truncate_all(s)) {
		/*
		 * PostgreSQL: one TRUNCATE of every seeded table (transactional).
		 * DELETE would check each removed parent row against child
		 * tables still full of the rows deleted just before (dead in this
		 * transaction but scanned), which is quadratic on big tables.
		 */
		orm_buf_clear(&sql);
		rc = orm_buf_puts(&sql, "TRUNCATE TABLE ");
		for (i = 0; i < s->norder && rc == 0; i++)
			rc = orm_buf_printf(&sql, "%s%s", i ? ", " : "", s->order[i]->qname);
		if (rc < 0) {
			rc = ORM_ENOMEM;
			goto out;
		}
		if ((rc = orm_exec(s->conn, sql.ptr)) < 0)
			rc = conn_fail(s, rc, "truncate");
		goto out;
	}
	for (k = s->nsccs; k-- > 0;) {
		seed_scc *c = &s->sccs[k];
		if (c->strategy == SEED_DEFER && s->d != ORM_DIALECT_POSTGRES &&
		    (rc = late_checks(s, 1, mariadb_fkc)) < 0)
			goto out;
		if (c->strategy == SEED_TWO_PHASE) {
			/* break the cycle: references inside it become NULL */
			for (i = 0; i < c->n; i++) {
				seed_table *t = c->tables[i];
				for (j = 0; j < t->nfks; j++) {
					seed_fk *fk = &t->fks[j];
					size_t m;
					int r2;
					if (!fk->back)
						continue;
					orm_buf_clear(&sql);
					r2 = orm_buf_printf(&sql, "UPDATE %s SET ", t->qname);
					for (m = 0; m < fk->n; m++) {
						r2 |= orm_buf_puts(&sql, m ? ", " : "");
						r2 |= qcol(&sql, s, t, fk->cols[m]);
						r2 |= orm_buf_puts(&sql, " = NULL");
					}
					if (r2 < 0) {
						rc = ORM_ENOMEM;
						goto out;
					}
					if ((rc = orm_exec(s->conn, sql.ptr)) < 0) {
						rc = conn_fail(s, rc, "truncate");
						goto out;
					}
				}
			}
		}
		for (i = c->n; i-- > 0;) {
			orm_buf_clear(&sql);
			if (orm_buf_printf(&sql, "DELETE FROM %s", c->tables[i]->qname) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			if ((rc = orm_exec(s->conn, sql.ptr)) < 0) {
				rc = orm__seed_errf(&s->err, rc, NULL, 0, 0, "emptying %s: %s",
						    c->tables[i]->name, orm_conn_errmsg(s->conn));
				goto out;
			}
		}
		if (c->strategy == SEED_DEFER && s->d != ORM_DIALECT_POSTGRES &&
		    (rc = late_checks(s, 0, mariadb_fkc)) < 0)
			goto out;
	}
out:
	orm_buf_dispose(&sql);
	return rc;
}

/* ------------------------------------------------------------------ */
/* final check of every foreign key of the seeded tables                */

static int locate(orm_seed *s, seed_table *t, seed_fk *fk, const char *key, const char **file,
		  int *line, int *col)
{
	loader L;
	int rc;

	loader_init(&L, s);
	L.t = t;
	L.locating = 1;
	L.loc_fk = fk;
	L.loc_key = key;
	rc = read_sources(&L);
	*file = L.loc_file;
	*line = L.loc_line;
	*col = L.loc_col;
	loader_dispose(&L);
	if (rc == LOCATE_FOUND)
		return 1;
	return rc < 0 ? rc : 0;
}

static int verify_fk(orm_seed *s, seed_table *t, seed_fk *fk)
{
	orm_buf sql = ORM_BUF_INIT, a = ORM_BUF_INIT, b = ORM_BUF_INIT, key = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	orm_value vals[MAXK];
	size_t k;
	int rc = 0, r2 = 0;

	if (fk->n > MAXK)
		return 0;
	r2 |= orm_buf_puts(&sql, "SELECT ");
	for (k = 0; k < fk->n; k++) {
		r2 |= orm_buf_puts(&sql, k ? ", c." : "c.");
		r2 |= qcol(&sql, s, t, fk->cols[k]);
	}
	r2 |= orm_buf_printf(&sql, " FROM %s c WHERE ", t->qname);
	for (k = 0; k < fk->n; k++) {
		r2 |= orm_buf_puts(&sql, "c.");
		r2 |= qcol(&sql, s, t, fk->cols[k]);
		r2 |= orm_buf_puts(&sql, " IS NOT NULL AND ");
	}
	r2 |= orm_buf_printf(&sql, "NOT EXISTS (SELECT 1 FROM %s p WHERE ", fk->parent->qname);
	for (k = 0; k < fk->n; k++) {
		r2 |= orm_buf_puts(&sql, k ? " AND p." : "p.");
		r2 |= qcol(&sql, s, fk->parent, fk->ref_cols[k]);
		r2 |= orm_buf_puts(&sql, " = c.");
		r2 |= qcol(&sql, s, t, fk->cols[k]);
	}
	r2 |= orm_buf_puts(&sql, ") LIMIT 1");
	if (r2 < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if ((rc = orm_prepare_uncached(&st, s->conn, sql.ptr)) < 0) {
		rc = conn_fail(s, rc, "checking foreign keys");
		goto out;
	}
	rc = orm_stmt_step(st);
	if (rc == ORM_DONE) {
		rc = 0;
		goto out;
	}
	if (rc != ORM_ROW) {
		rc = conn_fail(s, rc, "checking foreign keys");
		goto out;
	}
	for (k = 0; k < fk->n; k++) {
		orm_value v;
		orm_column_value(st, (int)k, &v);
		if (orm__seed_value_copy(&vals[k], &v, &s->keep) < 0) {
			rc = ORM_ENOMEM;
			goto out;
		}
	}
	orm_stmt_free(st);
	st = NULL;
	fk_values_text(&a, s, t, fk, vals);
	fk_ref_text(&b, fk);
	if (t->seeded) {
		const char *file = NULL;
		int line = 0, col = 0;
		if (orm__seed_key_text(&key, vals, fk->n) < 0 ||
		    locate(s, t, fk, key.ptr, &file, &line, &col) < 0)
			file = NULL;
		rc = orm__seed_errf(&s->err, ORM_EFOREIGNKEY, file, line, col,
				    "%s: %s has no matching row in %s", t->name, a.ptr, b.ptr);
	} else {
		rc = orm__seed_errf(&s->err, ORM_EFOREIGNKEY, NULL, 0, 0,
				    "table '%s' (not seeded) has %s with no matching row in %s "
				    "after the seed run", t->name, a.ptr, b.ptr);
	}
	orm__seed_err_detail(&s->err, t->name, t->info->columns[fk->cols[0]]->name, a.ptr);
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&a);
	orm_buf_dispose(&b);
	orm_buf_dispose(&key);
	return rc;
}

static int verify_all(orm_seed *s)
{
	size_t i, j;
	int rc;

	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		for (j = 0; j < t->nfks; j++)
			if ((t->seeded || (s->opts.truncate && t->fks[j].parent->seeded)) &&
			    (rc = verify_fk(s, t, &t->fks[j])) < 0)
				return rc;
	}
	if (s->d == ORM_DIALECT_SQLITE) {
		/* SQLite's own check as well, for the seeded tables */
		for (i = 0; i < s->norder; i++)
			if ((rc = orm_schema_foreign_key_check(s->conn, s->order[i]->name)) < 0)
				return conn_fail(s, rc, "foreign key check");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* sequences (PostgreSQL)                                               */

static int pg_sequences(orm_seed *s)
{
	orm_buf sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < s->norder; i++) {
		seed_table *t = s->order[i];
		const char *col;
		char *seq = NULL;
		int64_t maxv, last, called;
		if (t->autoinc < 0)
			continue;
		col = t->info->columns[t->autoinc]->name;
		if ((rc = orm_prepare(&st, s->conn, "SELECT pg_get_serial_sequence(?, ?)")) < 0)
			goto fail;
		orm_bind_text(st, 1, t->qname, -1, ORM_BIND_STATIC);
		orm_bind_text(st, 2, col, -1, ORM_BIND_STATIC);
		rc = orm_stmt_step(st);
		if (rc == ORM_ROW && !orm_column_is_null(st, 0))
			seq = orm__strdup(orm_column_text(st, 0, NULL));
		orm_stmt_free(st);
		st = NULL;
		if (rc != ORM_ROW && rc != ORM_DONE)
			goto fail;
		if (!seq)
			continue;
		orm_buf_clear(&sql);
		rc = orm_buf_puts(&sql, "SELECT MAX(");
		rc |= orm__quote_part(&sql, s->d, col, strlen(col));
		rc |= orm_buf_printf(&sql, "), (SELECT last_value FROM %s), (SELECT CASE WHEN is_called THEN 1 ELSE 0 END FROM %s) FROM %s",
				     seq, seq, t->qname);
		if (rc < 0) {
			orm__free(seq);
			rc = ORM_ENOMEM;
			goto out;
		}
		if ((rc = orm_prepare_uncached(&st, s->conn, sql.ptr)) < 0) {
			orm__free(seq);
			goto fail;
		}
		rc = orm_stmt_step(st);
		if (rc != ORM_ROW) {
			orm__free(seq);
			goto fail;
		}
		if (orm_column_is_null(st, 0)) {
			orm_stmt_free(st);
			st = NULL;
			orm__free(seq);
			continue;
		}
		maxv = orm_column_int(st, 0);
		last = orm_column_int(st, 1);
		called = orm_column_int(st, 2);
		orm_stmt_free(st);
		st = NULL;
		if (maxv > (called ? last : last - 1)) {
			orm_value p[2];
			p[0] = orm_text(seq);
			p[1] = orm_int(maxv);
			rc = orm_exec_params(s->conn, NULL, "SELECT setval(CAST(? AS regclass), ?)", p, 2);
		} else {
			rc = 0;
		}
		orm__free(seq);
		if (rc < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = conn_fail(s, rc < 0 ? rc : ORM_ERROR, "moving sequences past the loaded ids");
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	return rc;
}

/* ------------------------------------------------------------------ */
/* .sql files                                                           */

static int run_sql_files(orm_seed *s)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < s->nfiles && rc == 0; i++) {
		seed_file *f = &s->files[i];
		orm__sql_stmts stmts = { NULL, 0, 0 };
		orm_buf err = ORM_BUF_INIT;
		char *text = NULL;
		size_t len = 0;
		if (f->format != ORM_SEED_SQL)
			continue;
		if ((rc = orm__read_file(&text, &len, f->path, &err)) < 0) {
			rc = orm__seed_errf(&s->err, rc, f->path, 0, 0, "%s", err.ptr ? err.ptr : "cannot read");
			orm_buf_dispose(&err);
			break;
		}
		orm_buf_dispose(&err);
		if ((rc = orm__sql_split(&stmts, text, len, s->d, 1)) < 0) {
			rc = orm__seed_errf(&s->err, rc, f->path, 0, 0, "cannot split the SQL into statements");
			orm__free(text);
			break;
		}
		for (j = 0; j < stmts.n; j++) {
			if ((rc = orm_exec(s->conn, stmts.items[j].sql)) < 0) {
				rc = orm__seed_errf(&s->err, rc, f->path, stmts.items[j].line, 0, "%s",
						    orm_conn_errmsg(s->conn));
				break;
			}
		}
		orm__sql_stmts_dispose(&stmts);
		orm__free(text);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* the run                                                              */

/*
 * MariaDB: whether the rows may be written with foreign_key_checks off and
 * every key checked once at the end (verify_all), as a dump restore does.
 * The server's per-row checks are a large part of a load's time (measured
 * in bench/README.md).
 * Only for plain inserts: an upsert may update or replace a referenced
 * row, whose ON UPDATE / ON DELETE actions do not run with the checks off,
 * while an insert has no such action. Every key must be one verify_fk()
 * checks. SQL files run with the checks on.
 */
static int mariadb_checks_at_end(const orm_seed *s, int mariadb_fkc)
{
	size_t i, j;

	if (s->d != ORM_DIALECT_MARIADB || !mariadb_fkc || s->opts.on_conflict != ORM_SEED_INSERT)
		return 0;
	for (i = 0; i < s->ntables; i++)
		for (j = 0; j < s->tables[i].nfks; j++)
			if (s->tables[i].fks[j].n > MAXK)
				return 0;
	return 1;
}

int orm__seed_load(orm_seed *s)
{
	int rc, mariadb_fkc = 1, began = 0, at_end;
	size_t k, i;

	s->t0 = orm__seed_now();
	s->rows_done = 0;
	if (s->d == ORM_DIALECT_MARIADB) {
		int64_t v = 1;
		if (orm_query_int(s->conn, &v, "SELECT @@foreign_key_checks", NULL, 0) == 0)
			mariadb_fkc = v != 0;
	}
	if ((rc = orm_begin(s->conn)) < 0)
		return conn_fail(s, rc, "starting the seed transaction");
	began = 1;
	if (s->d == ORM_DIALECT_POSTGRES && s->any_defer && (rc = pg_defer_all(s)) < 0)
		goto fail;
	if (s->opts.truncate && (rc = truncate_tables(s, mariadb_fkc)) < 0)
		goto fail;
	if (s->opts.sql_first && (rc = run_sql_files(s)) < 0)
		goto fail;
	at_end = mariadb_checks_at_end(s, mariadb_fkc);
	if (at_end && (rc = late_checks(s, 1, mariadb_fkc)) < 0)
		goto fail;
	for (k = 0; k < s->nsccs; k++) {
		seed_scc *c = &s->sccs[k];
		int late = c->strategy == SEED_DEFER && s->d != ORM_DIALECT_POSTGRES;
		if (late && (rc = late_checks(s, 1, mariadb_fkc && !at_end)) < 0)
			goto fail;
		for (i = 0; i < c->n; i++)
			if ((rc = load_table(s, c, c->tables[i])) < 0)
				goto fail;
		if ((rc = apply_pending(s)) < 0)
			goto fail;
		if (late && (rc = late_checks(s, 0, mariadb_fkc && !at_end)) < 0)
			goto fail;
	}
	if (at_end && (rc = late_checks(s, 0, mariadb_fkc)) < 0)
		goto fail;
	if (!s->opts.sql_first && (rc = run_sql_files(s)) < 0)
		goto fail;
	if (s->d == ORM_DIALECT_POSTGRES && (rc = pg_sequences(s)) < 0)
		goto fail;
	if ((rc = verify_all(s)) < 0)
		goto fail;
	if (s->d == ORM_DIALECT_POSTGRES && s->any_defer && (rc = pg_undefer_all(s)) < 0)
		goto fail;
	if ((rc = orm_commit(s->conn)) < 0) {
		rc = conn_fail(s, rc, "commit");
		goto fail;
	}
	return 0;
fail:
	if (began)
		orm_rollback(s->conn);
	if (s->d == ORM_DIALECT_MARIADB && mariadb_fkc)
		orm_exec(s->conn, "SET foreign_key_checks = 1");
	s->pend_head = s->pend_tail = NULL;
	for (i = 0; i < s->ntables; i++)
		s->tables[i].loaded = 0;
	return rc;
}
