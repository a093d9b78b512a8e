/*
 * Collections: the string arena, ownership of eager-loaded levels,
 * splicing a caller's query into the model's select, fetch / count /
 * paging, and the bulk insert path (multi-row INSERT ... RETURNING).
 */
#include "orm/model_internal.h"
#include "orm/query_internal.h"

#include <stdio.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)
#define BULK_MAX_ROWS 1000

/* ------------------------------------------------------------------ */
/* arena and holds                                                    */

char *orm__arena_copy(struct orm__arena *a, const void *p, size_t len)
{
	struct orm__arena_chunk *c = a->head;
	char *dst;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > ARENA_CHUNK / 4 ? len + 1 : ARENA_CHUNK;
		if (len + 1 > ARENA_CHUNK / 4) {
			/* a big string gets its own chunk, kept behind the current one */
			c = orm__malloc(sizeof(*c) + cap);
			if (!c)
				return NULL;
			c->used = c->cap = cap;
			if (a->head) {
				c->next = a->head->next;
				a->head->next = c;
			} else {
				c->next = NULL;
				a->head = c;
			}
			dst = (char *)(c + 1);
			memcpy(dst, p, len);
			dst[len] = '\0';
			return dst;
		}
		c = orm__malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	dst = (char *)(c + 1) + c->used;
	if (len)
		memcpy(dst, p, len);
	dst[len] = '\0';
	c->used += len + 1;
	return dst;
}

void orm__arena_free(struct orm__arena *a)
{
	struct orm__arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		orm__free(c);
		c = next;
	}
	a->head = NULL;
}

void orm__hold_dispose(struct orm__hold *h)
{
	struct orm__block *b, *next;

	if (!h)
		return;
	for (b = h->blocks; b; b = next) {
		next = b->next;
		orm__mdl_release_items(b->m, b->items, b->count);
		orm__free(b->items);
		orm__free(b);
	}
	h->blocks = NULL;
	orm__arena_free(&h->arena);
}

int orm__hold_add_block(struct orm__hold *h, const orm_model *m, void *items, size_t count)
{
	struct orm__block *b = orm__malloc(sizeof(*b));

	if (!b) {
		orm__mdl_release_items(m, items, count);
		orm__free(items);
		return ORM_ENOMEM;
	}
	b->m = m;
	b->items = items;
	b->count = count;
	b->next = h->blocks;
	h->blocks = b;
	return 0;
}

/* ------------------------------------------------------------------ */
/* query splicing                                                     */

const char *orm__mdl_qualifier(const orm_model *m, const orm_query *user)
{
	if (user && user->alias)
		return user->alias;
	return m->table;
}

int orm__mdl_select_fields(orm_query *q, const orm_model *m, const char *qual)
{
	char buf[512];
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nfields && rc == 0; i++) {
		const orm_field *f = &m->fields[i];
		if (f->flags & ORM_PIVOT)
			continue;
		if ((size_t)snprintf(buf, sizeof(buf), "%s.%s", qual, orm__mdl_col(f)) >= sizeof(buf))
			return ORM_EINVAL;
		rc = orm_query_select(q, buf);
	}
	return rc < 0 ? rc : orm_query_error(q);
}

/*
 * The caller's where list as one expression with SQL's precedence
 * (AND binds tighter than OR): runs of AND-ed conditions, OR-ed together.
 * Nodes come from `pool` (n - 1 of them at most); nothing is copied.
 */
static orm_expr *where_tree(const struct orm__qcond *w, size_t n, orm_expr *pool)
{
	orm_expr *acc = NULL, *run = NULL;
	size_t i, used = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && w[i].is_or) {
			if (acc) {
				orm_expr *o = &pool[used++];
				o->kind = ORM__QE_OR;
				o->a = acc;
				o->b = run;
				acc = o;
			} else {
				acc = run;
			}
			run = NULL;
		}
		if (!run) {
			run = w[i].e;
		} else {
			orm_expr *a = &pool[used++];
			a->kind = ORM__QE_AND;
			a->a = run;
			a->b = w[i].e;
			run = a;
		}
	}
	if (acc) {
		orm_expr *o = &pool[used++];
		o->kind = ORM__QE_OR;
		o->a = acc;
		o->b = run;
		acc = o;
	} else {
		acc = run;
	}
	return acc;
}

int orm__mdl_compile(orm_conn *conn, const orm_query *base, const orm_expr *extra,
		     const orm_query *user, unsigned opts, int64_t limit, int64_t offset, orm_buf *sql,
		     const orm_value **params, int *nparams, void **params_alloc, int *used_user_select)
{
	struct orm_query fq;
	struct orm__qjoin *joins = NULL;
	struct orm__qcond *where = NULL;
	orm_expr *pool = NULL;
	size_t nw = 0;
	int rc, n = 0;

	*params = NULL;
	*nparams = 0;
	*params_alloc = NULL;
	if (used_user_select)
		*used_user_select = 0;
	if (base->err)
		return orm__err(conn, base->err, "%s", base->errmsg);
	if (user && user->err)
		return orm__err(conn, user->err, "%s", user->errmsg);
	if (user && user->type != ORM__Q_SELECT)
		return orm__err(conn, ORM_EINVAL, "model query: the query must be a select");
	fq = *base;
	fq.cparams = NULL;
	fq.acparams = 0;
	fq.cerrmsg[0] = '\0';

	/* where: the base's conditions, the extra one, the caller's as a group */
	where = orm__calloc(base->nwhere + 2, sizeof(*where));
	if (!where)
		goto oom;
	if (base->nwhere)
		memcpy(where, base->where, base->nwhere * sizeof(*where));
	nw = base->nwhere;
	if (extra) {
		where[nw].is_or = 0;
		where[nw++].e = (orm_expr *)(uintptr_t)extra;
	}
	if (user) {
		if (user->nwhere > 0) {
			pool = orm__calloc(user->nwhere, sizeof(*pool));
			if (!pool)
				goto oom;
			where[nw].is_or = 0;
			where[nw++].e = where_tree(user->where, user->nwhere, pool);
		}
		if (user->njoins > 0) {
			joins = orm__calloc(base->njoins + user->njoins, sizeof(*joins));
			if (!joins)
				goto oom;
			if (base->njoins)
				memcpy(joins, base->joins, base->njoins * sizeof(*joins));
			memcpy(joins + base->njoins, user->joins, user->njoins * sizeof(*joins));
			fq.joins = joins;
			fq.njoins = base->njoins + user->njoins;
		}
		if ((opts & ORM__MQ_USER_SELECT) && user->nsel > 0) {
			fq.sel = user->sel;
			fq.nsel = user->nsel;
			if (used_user_select)
				*used_user_select = 1;
		}
		if (user->alias)
			fq.alias = user->alias;
		fq.distinct = user->distinct || base->distinct;
		fq.for_update = user->for_update;
		if (user->ngroup) {
			fq.group = user->group;
			fq.ngroup = user->ngroup;
		}
		if (user->nhaving) {
			fq.having = user->having;
			fq.nhaving = user->nhaving;
		}
		if (user->norder) {
			fq.order = user->order;
			fq.norder = user->norder;
		}
		fq.limit = user->limit;
		fq.offset = user->offset;
	}
	fq.where = where;
	fq.nwhere = nw;
	if (opts & ORM__MQ_NO_PAGE) {
		fq.order = NULL;
		fq.norder = 0;
		fq.limit = -1;
		fq.offset = -1;
		fq.for_update = 0;
	}
	if (limit != ORM__MQ_KEEP)
		fq.limit = limit;
	if (offset != ORM__MQ_KEEP)
		fq.offset = offset;
	if ((opts & ORM__MQ_LIMIT1) && fq.limit < 0)
		fq.limit = 1;
	rc = orm__query_compile_ex(&fq, orm_conn_dialect(conn), sql, 0, 0, NULL, 0, 0, &n);
	if (rc < 0) {
		orm__err(conn, rc, "model query: %s", fq.cerrmsg[0] ? fq.cerrmsg : orm_strerror(rc));
		orm__free(fq.cparams);
		goto out;
	}
	*params = n > 0 ? fq.cparams : NULL;
	*nparams = n;
	*params_alloc = fq.cparams;
	goto out;
oom:
	rc = orm__err(conn, ORM_ENOMEM, "model query: out of memory");
out:
	orm__free(joins);
	orm__free(where);
	orm__free(pool);
	return rc;
}

/* ------------------------------------------------------------------ */
/* collections                                                        */

void *orm_collection_at(const orm_collection *c, size_t i)
{
	if (!c || !c->model || i >= c->count)
		return NULL;
	return (char *)c->items + i * c->model->size;
}

void orm_collection_free(orm_collection *coll)
{
	if (!coll)
		return;
	if (coll->model && coll->items)
		orm__mdl_release_items(coll->model, coll->items, coll->count);
	orm__free(coll->items);
	if (coll->priv) {
		orm__hold_dispose(&coll->priv->hold);
		orm__free(coll->priv);
	}
	coll->model = NULL;
	coll->items = NULL;
	coll->count = 0;
	coll->total = 0;
	coll->page = 0;
	coll->page_size = 0;
	coll->priv = NULL;
}

static int coll_priv(orm_collection *coll)
{
	if (!coll->priv) {
		coll->priv = orm__calloc(1, sizeof(*coll->priv));
		if (!coll->priv)
			return ORM_ENOMEM;
	}
	return 0;
}

/* Make room for one more object; returns it zeroed, or NULL. */
static void *coll_push(orm_collection *coll)
{
	const orm_model *m = coll->model;
	void *obj;

	if (coll->count == coll->priv->cap) {
		size_t ncap = coll->priv->cap ? coll->priv->cap * 2 : 64;
		void *ni = orm__realloc(coll->items, ncap * m->size);
		if (!ni)
			return NULL;
		coll->items = ni;
		coll->priv->cap = ncap;
	}
	obj = (char *)coll->items + coll->count * m->size;
	memset(obj, 0, m->size);
	coll->count++;
	return obj;
}

static uint32_t item_flags(const orm_collection *coll)
{
	uint32_t fl = ORM_STATE_PERSISTED | ORM_STATE_IN_COLLECTION;

	if ((coll->priv && coll->priv->strict) || (coll->model->flags & ORM_MODEL_STRICT))
		fl |= ORM_STATE_STRICT;
	return fl;
}

/* Fetch rows of (base + user) into the collection; limit/offset overrides. */
static int coll_fetch(orm_collection *coll, orm_conn *conn, const orm_model *m, const orm_query *q,
		      int64_t limit, int64_t offset)
{
	int colmap[ORM_MODEL_MAX_FIELDS];
	struct orm__rowplan plan;
	orm_query *base = NULL;
	orm_buf sql = ORM_BUF_INIT;
	const orm_value *params;
	void *palloc = NULL;
	orm_stmt *st = NULL;
	int rc, n, user_sel, mapped = 0;
	uint32_t fl;

	base = orm_query_new(m->table);
	if (!base) {
		rc = orm__err(conn, ORM_ENOMEM, "collection_fetch: out of memory");
		goto out;
	}
	if ((rc = orm__mdl_select_fields(base, m, orm__mdl_qualifier(m, q))) < 0) {
		rc = orm__err(conn, rc, "collection_fetch: %s", orm_query_errmsg(base));
		goto out;
	}
	rc = orm__mdl_compile(conn, base, NULL, q, ORM__MQ_USER_SELECT, limit, offset, &sql, &params, &n,
			      &palloc, &user_sel);
	if (rc < 0)
		goto out;
	if ((rc = coll_priv(coll)) < 0) {
		rc = orm__err(conn, rc, "collection_fetch: out of memory");
		goto out;
	}
	fl = item_flags(coll);
	if ((rc = orm_prepare(&st, conn, sql.ptr)) < 0 ||
	    (rc = orm_bind_values(st, params, n, ORM_BIND_STATIC)) < 0)
		goto fail;
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		void *obj;

		if (!mapped) {
			orm__mdl_colmap(st, m, user_sel, 0, colmap);
			orm__mdl_rowplan(&plan, m, colmap, -1);
			mapped = 1;
		}
		if (!(obj = coll_push(coll))) {
			rc = orm__err(conn, ORM_ENOMEM, "collection_fetch: out of memory at row %zu", coll->count);
			goto out;
		}
		if ((rc = orm__mdl_read_row_key(st, m, obj, &plan, &coll->priv->hold.arena, NULL)) < 0)
			goto out;
		orm__mdl_state(m, obj)->flags = fl;
	}
	if (rc != ORM_DONE)
		goto fail;
	rc = 0;
	goto out;
fail:
	orm__mdl_fail(conn, m, rc, "collection fetch");
out:
	orm_stmt_free(st);
	orm__free(palloc);
	orm_buf_dispose(&sql);
	orm_query_free(base);
	return rc;
}

int orm_collection_fetch(orm_collection *coll, orm_conn *conn, const orm_model *m, const orm_query *q)
{
	int rc;

	if (!coll)
		return ORM_EINVAL;
	orm_collection_free(coll);
	if ((rc = orm__mdl_usable(conn, m, "orm_collection_fetch")) < 0)
		return rc;
	coll->model = m;
	rc = coll_fetch(coll, conn, m, q, ORM__MQ_KEEP, ORM__MQ_KEEP);
	if (rc < 0) {
		orm_collection_free(coll);
		return rc;
	}
	coll->total = (int64_t)coll->count;
	return 0;
}

int orm_collection_fetch_with(orm_collection *coll, orm_conn *conn, const orm_model *m,
			      const orm_query *q, const orm_with *with, size_t nwith)
{
	int rc = orm_collection_fetch(coll, conn, m, q);

	if (rc < 0 || nwith == 0)
		return rc;
	rc = orm_collection_load(coll, conn, with, nwith);
	if (rc < 0)
		orm_collection_free(coll);
	return rc;
}

int orm_collection_count(int64_t *out, orm_conn *conn, const orm_model *m, const orm_query *q)
{
	orm_query *base = NULL;
	orm_buf inner = ORM_BUF_INIT, sql = ORM_BUF_INIT;
	const orm_value *params;
	void *palloc = NULL;
	orm_stmt *st = NULL;
	int rc, n;

	if (!out)
		return ORM_EINVAL;
	*out = 0;
	if ((rc = orm__mdl_usable(conn, m, "orm_collection_count")) < 0)
		return rc;
	base = orm_query_new(m->table);
	if (!base) {
		rc = orm__err(conn, ORM_ENOMEM, "collection_count: out of memory");
		goto out;
	}
	if ((rc = orm__mdl_select_fields(base, m, orm__mdl_qualifier(m, q))) < 0) {
		rc = orm__err(conn, rc, "collection_count: %s", orm_query_errmsg(base));
		goto out;
	}
	rc = orm__mdl_compile(conn, base, NULL, q, ORM__MQ_USER_SELECT | ORM__MQ_NO_PAGE, ORM__MQ_KEEP,
			      ORM__MQ_KEEP, &inner, &params, &n, &palloc, NULL);
	if (rc < 0)
		goto out;
	if (orm_buf_puts(&sql, "SELECT COUNT(*) FROM (") < 0 || orm_buf_puts(&sql, inner.ptr) < 0 ||
	    orm_buf_puts(&sql, ") AS orm_count") < 0) {
		rc = orm__err(conn, ORM_ENOMEM, "collection_count: out of memory");
		goto out;
	}
	if ((rc = orm_prepare(&st, conn, sql.ptr)) < 0 ||
	    (rc = orm_bind_values(st, params, n, ORM_BIND_STATIC)) < 0)
		goto fail;
	rc = orm_stmt_step(st);
	if (rc != ORM_ROW)
		goto fail;
	*out = orm_column_int(st, 0);
	rc = 0;
	goto out;
fail:
	if (rc >= 0)
		rc = orm__err(conn, ORM_ERROR, "collection_count: no row");
	orm__mdl_fail(conn, m, rc, "count");
out:
	orm_stmt_free(st);
	orm__free(palloc);
	orm_buf_dispose(&inner);
	orm_buf_dispose(&sql);
	orm_query_free(base);
	return rc;
}

int orm_collection_fetch_page(orm_collection *coll, orm_conn *conn, const orm_model *m,
			      const orm_query *q, int64_t page, int64_t page_size)
{
	int64_t total = 0;
	int rc;

	if (!coll)
		return ORM_EINVAL;
	orm_collection_free(coll);
	if ((rc = orm__mdl_usable(conn, m, "orm_collection_fetch_page")) < 0)
		return rc;
	if (page < 1 || page_size < 1)
		return orm__err(conn, ORM_EINVAL, "orm_collection_fetch_page: page %lld and page size %lld must be >= 1",
				(long long)page, (long long)page_size);
	if (page > INT64_MAX / page_size)
		return orm__err(conn, ORM_EINVAL, "orm_collection_fetch_page: page %lld is too large",
				(long long)page);
	if ((rc = orm_collection_count(&total, conn, m, q)) < 0)
		return rc;
	coll->model = m;
	rc = coll_fetch(coll, conn, m, q, page_size, (page - 1) * page_size);
	if (rc < 0) {
		orm_collection_free(coll);
		return rc;
	}
	coll->total = total;
	coll->page = page;
	coll->page_size = page_size;
	return 0;
}

void orm_collection_set_strict(orm_collection *coll, int on)
{
	struct orm__block *b;
	size_t i;

	if (!coll || !coll->model || coll_priv(coll) < 0)
		return;
	coll->priv->strict = on != 0;
	for (i = 0; i < coll->count; i++) {
		orm_model_state *s = orm__mdl_state(coll->model, (char *)coll->items + i * coll->model->size);
		if (on)
			s->flags |= ORM_STATE_STRICT;
		else
			s->flags &= ~(uint32_t)ORM_STATE_STRICT;
	}
	for (b = coll->priv->hold.blocks; b; b = b->next) {
		for (i = 0; i < b->count; i++) {
			orm_model_state *s = orm__mdl_state(b->m, (char *)b->items + i * b->m->size);
			if (on)
				s->flags |= ORM_STATE_STRICT;
			else
				s->flags &= ~(uint32_t)ORM_STATE_STRICT;
		}
	}
}

int orm_collection_append(orm_collection *coll, const orm_model *m, void *obj)
{
	void *dst;

	if (!coll || !m || !obj)
		return ORM_EINVAL;
	if (coll->model && coll->model != m)
		return ORM_EINVAL;
	if (!orm__mdl_state_ok(m))
		return ORM_EINVAL;
	if (orm__mdl_state(m, obj)->flags & ORM_STATE_IN_COLLECTION)
		return ORM_EINVAL; /* a member of another collection: copying it would share its data */
	if (coll_priv(coll) < 0)
		return ORM_ENOMEM;
	coll->model = m;
	if (!(dst = coll_push(coll)))
		return ORM_ENOMEM;
	memcpy(dst, obj, m->size);
	orm__mdl_state(m, dst)->flags |= ORM_STATE_IN_COLLECTION;
	memset(obj, 0, m->size);
	coll->total = (int64_t)coll->count;
	return 0;
}

int orm_collection_to_json(orm_buf *out, const orm_collection *coll)
{
	size_t i;
	int rc;

	if (!out || !coll)
		return ORM_EINVAL;
	if (orm_buf_put(out, "[", 1) < 0)
		return ORM_ENOMEM;
	for (i = 0; i < coll->count; i++) {
		if (i && orm_buf_put(out, ",", 1) < 0)
			return ORM_ENOMEM;
		if ((rc = orm_model_to_json(out, orm_collection_at(coll, i), coll->model)) < 0)
			return rc;
	}
	return orm_buf_put(out, "]", 1) < 0 ? ORM_ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* transactions that keep the first error                             */

int orm__mdl_rollback_keep(orm_conn *conn)
{
	const orm_error *e = orm_conn_error(conn);
	orm_sys_errinfo info;
	char *msg = orm__strdup(e->message ? e->message : "");
	char *sqlstate = orm__strdup(e->sqlstate ? e->sqlstate : "");
	char *table = orm__strdup(e->table ? e->table : "");
	char *column = orm__strdup(e->column ? e->column : "");
	char *constraint = orm__strdup(e->constraint ? e->constraint : "");
	char *schema = orm__strdup(e->schema ? e->schema : "");
	int code = e->code, native = e->native_code, offset = e->offset;

	orm_rollback(conn);
	if (code && msg && sqlstate && table && column && constraint && schema) {
		memset(&info, 0, sizeof(info));
		info.code = code;
		info.native_code = native;
		info.sqlstate = sqlstate;
		info.schema = schema;
		info.table = table;
		info.column = column;
		info.constraint = constraint;
		info.offset = offset;
		orm_sys_error(conn, &info, "%s", msg);
	}
	orm__free(msg);
	orm__free(sqlstate);
	orm__free(table);
	orm__free(column);
	orm__free(constraint);
	orm__free(schema);
	return code;
}

/* ------------------------------------------------------------------ */
/* bulk insert                                                        */

struct plan {
	int incl[ORM_MODEL_MAX_FIELDS], ret[ORM_MODEL_MAX_FIELDS];
	size_t nincl, nret;
};

static int plan_eq(const struct plan *a, const struct plan *b)
{
	return a->nincl == b->nincl && a->nret == b->nret &&
	       memcmp(a->incl, b->incl, a->nincl * sizeof(int)) == 0 &&
	       memcmp(a->ret, b->ret, a->nret * sizeof(int)) == 0;
}

/*
 * SQLite: the ids of a multi-row INSERT without RETURNING. When the only
 * value to read back is the ORM_AUTO integer key (the rowid alias),
 * SQLite gives each row of one INSERT the largest rowid so far plus one,
 * so the rows get consecutive rowids ending at sqlite3_last_insert_rowid()
 * -- unless a trigger writes to the table in between, or the table once
 * held rowid 2^63-1 (then new rowids are random). The first is ruled out
 * before the batch (the compiled program of an INSERT into the table runs
 * no trigger program), the second after it (the table's largest rowid is
 * the last one inserted, and the statement changed exactly its rows).
 * RETURNING would make SQLite buffer every returned row in a temporary
 * table: about 100 M of the 712 M instructions of the benchmark's
 * insert_batch at S=1.
 * @return 1 when the table has no INSERT trigger, 0 when it has, < 0 on error.
 */
static int sqlite_no_insert_trigger(orm_conn *conn, const orm_model *m)
{
	orm_buf sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	orm_value v;
	int rc, found = 0;

	/* EXPLAIN only compiles: it reads no table, so it takes no lock that
	 * would turn the batch's write into a read-then-write upgrade */
	if (orm_buf_puts(&sql, "EXPLAIN INSERT INTO ") < 0 ||
	    orm_quote_ident(&sql, ORM_DIALECT_SQLITE, m->table) < 0 ||
	    orm_buf_puts(&sql, " DEFAULT VALUES") < 0) {
		orm_buf_dispose(&sql);
		return ORM_ENOMEM;
	}
	rc = orm_prepare_uncached(&st, conn, sql.ptr);
	while (rc >= 0 && (rc = orm_stmt_step(st)) == ORM_ROW) {
		if (orm_column_value(st, 1, &v) == 0 && v.type == ORM_TYPE_TEXT && v.u.s.len == 7 &&
		    memcmp(v.u.s.ptr, "Program", 7) == 0)
			found = 1;
	}
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	if (rc != ORM_DONE)
		return rc < 0 ? rc : ORM_ERROR;
	return !found;
}

/* Whether rows of plan p can take their ids from the rowids (see above). */
static int rowid_plan(orm_conn *conn, const orm_model *m, const struct plan *p)
{
	return !strchr(m->table, '.') && orm__mdl_rowid_key(orm_conn_dialect(conn), m, p->ret, p->nret);
}

/* What an insert_many call knows of the table's rowids (SQLite). */
struct rowids {
	int no_trigger; /* 1 / 0: the table has no / some INSERT trigger; -1 unknown */
	int checked;    /* the largest rowid was checked after an earlier batch */
	int64_t last;   /* the last rowid of the previous batch */
};

/*
 * After a batch of nrows rows without RETURNING: store the ids
 * first..last. The first batch of a call checks that the table's largest
 * rowid is the one just inserted (no rowid 2^63-1, so none was random);
 * the later ones that they follow the previous batch.
 */
static int rowid_ids(orm_conn *conn, const orm_model *m, char *items, size_t r0, size_t nrows,
		     const struct plan *p, int64_t changes, struct rowids *ri)
{
	int64_t last = 0, max = 0;
	orm_buf sql = ORM_BUF_INIT;
	size_t r;
	int rc, ok;

	if ((rc = orm_last_insert_id(conn, &last)) < 0)
		return rc;
	if (!ri->checked) {
		if (orm_buf_puts(&sql, "SELECT max(rowid) FROM ") < 0 ||
		    orm_quote_ident(&sql, ORM_DIALECT_SQLITE, m->table) < 0) {
			orm_buf_dispose(&sql);
			return orm__err(conn, ORM_ENOMEM, "model %s: out of memory", m->name);
		}
		rc = orm_query_int(conn, &max, sql.ptr, NULL, 0);
		orm_buf_dispose(&sql);
		if (rc < 0)
			return rc;
		ok = max == last;
	} else {
		ok = last - (int64_t)nrows == ri->last;
	}
	if (!ok || changes != (int64_t)nrows || last == INT64_MAX || last < (int64_t)nrows)
		return orm__err(conn, ORM_ERROR,
				"model %s: cannot tell the ids of the %zu rows inserted into %s "
				"(rowids not consecutive)", m->name, nrows, m->table);
	ri->checked = 1;
	ri->last = last;
	for (r = 0; r < nrows; r++) {
		orm_value id;

		id.type = ORM_TYPE_INT;
		id.u.i = last - (int64_t)nrows + 1 + (int64_t)r;
		if ((rc = orm__mdl_store_value(m, (size_t)p->ret[0], items + (r0 + r) * m->size, &id,
					       NULL)) < 0)
			return orm__err(conn, rc, "model %s: key %s cannot hold id %lld", m->name,
					m->fields[p->ret[0]].name, (long long)id.u.i);
	}
	return 0;
}

/*
 * Whether a batch of nrows rows with plan p goes as one row's INSERT run
 * once per row (the driver's array execution: MariaDB's array binding).
 * Not when the database generates a key (an ORM_AUTO field read back):
 * MariaDB then hands out AUTO_INCREMENT values as for an INSERT ... SELECT,
 * in growing blocks whose unused rest is lost, and 200 000 rows took ids up
 * to 324 449 in a test; a multi-row INSERT gives them consecutive ids.
 * Rows whose key the program sets (link tables, natural or UUID keys) get
 * the faster path. A table with an AUTO_INCREMENT column the model does
 * not declare would see such gaps too.
 */
static int bulk_array(orm_conn *conn, const orm_model *m, const struct plan *p, size_t nrows)
{
	size_t k;

	if ((size_t)orm__conn_array_rows(conn) < nrows)
		return 0;
	for (k = 0; k < p->nret; k++)
		if (m->fields[p->ret[k]].flags & ORM_AUTO)
			return 0;
	return 1;
}

/* Insert rows [r0, r0+nrows) of items, all with plan p, in one statement. */
static int bulk_batch(orm_conn *conn, const orm_model *m, char *items, size_t r0, size_t nrows,
		      const struct plan *p, struct rowids *ri)
{
	orm_dialect d = orm_conn_dialect(conn);
	orm_buf sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	struct msql_key key;
	struct orm__msql *hit;
	size_t r, k, got = 0, srows;
	int rc, idx = 1, rowid = 0, arr;

	if (rowid_plan(conn, m, p)) {
		if (ri->no_trigger < 0 && (ri->no_trigger = sqlite_no_insert_trigger(conn, m)) < 0) {
			/* no answer (a missing table, ...): RETURNING, and the
			 * INSERT itself reports what is wrong */
			ri->no_trigger = 0;
			orm__err_clear(conn);
		}
		rowid = ri->no_trigger == 1;
	}
	if (!rowid)
		ri->checked = 0; /* rows with other ids: the next rowid batch checks afresh */

	if (p->nincl == 0)
		return orm__err(conn, ORM_EUNSUPPORTED,
				"model %s: a bulk insert needs at least one column to write", m->name);
	/* a driver that runs one row's statement once per row of parameters
	 * (MariaDB's array binding) gets the one-row INSERT and all the rows,
	 * unless the database generates a key for them (see bulk_array) */
	arr = !rowid && nrows > 1 && bulk_array(conn, m, p, nrows);
again:
	srows = arr ? 1 : nrows;
	orm__msql_key(&key, m, rowid ? MSQL_BULK_ROWID : MSQL_BULK, p->incl, p->nincl, p->ret,
		      rowid ? 0 : p->nret);
	key.nrows = (uint32_t)srows;
	/* INSERT INTO t (cols) VALUES (?, ?), (?, ?) RETURNING ...: built once
	 * per connection for each row count (the statement cache would find
	 * it again, but only after hashing all of its text) */
	if (!(hit = orm__msql_find(conn, &key))) {
		struct orm__sqlb b;
		orm__sqlb_init(&b);
		orm__sqlb_puts(&b, "INSERT INTO ");
		orm__sqlb_ident(&b, d, m->table);
		orm__sqlb_puts(&b, " (");
		for (k = 0; k < p->nincl; k++) {
			if (k)
				orm__sqlb_puts(&b, ", ");
			orm__sqlb_ident(&b, d, orm__mdl_col(&m->fields[p->incl[k]]));
		}
		orm__sqlb_puts(&b, ") VALUES ");
		rc = b.oom ? ORM_ENOMEM : orm_buf_put(&sql, b.p, b.len);
		orm__sqlb_dispose(&b);
		if (rc < 0)
			goto oom;
		for (r = 0; r < srows; r++) {
			if (orm_buf_puts(&sql, r ? ", (" : "(") < 0)
				goto oom;
			for (k = 0; k < p->nincl; k++)
				if (orm_buf_puts(&sql, k ? ", ?" : "?") < 0)
					goto oom;
			if (orm_buf_put(&sql, ")", 1) < 0)
				goto oom;
		}
		if (p->nret && !rowid) {
			orm__sqlb_init(&b);
			orm__sqlb_puts(&b, " RETURNING ");
			for (k = 0; k < p->nret; k++) {
				if (k)
					orm__sqlb_puts(&b, ", ");
				orm__sqlb_ident(&b, d, orm__mdl_col(&m->fields[p->ret[k]]));
			}
			rc = b.oom ? ORM_ENOMEM : orm_buf_put(&sql, b.p, b.len);
			orm__sqlb_dispose(&b);
			if (rc < 0)
				goto oom;
		}
		orm__msql_add(conn, &key, sql.ptr);
	}
	/* insert_many() splits a call into batches of at most two sizes
	 * (q and q + 1 rows), so a caller inserting fixed-size chunks meets
	 * the same one or two statements on every call: cache them */
	rc = orm__msql_prepare(&st, conn, hit, sql.ptr);
	if (rc < 0 || (arr && (rc = orm__stmt_set_rows(st, nrows)) < 0))
		goto fail;
	for (r = 0; r < nrows; r++) {
		void *obj = items + (r0 + r) * m->size;
		for (k = 0; k < p->nincl; k++)
			if ((rc = orm__mdl_bind_field(st, idx++, m, (size_t)p->incl[k], obj)) < 0)
				goto fail;
	}
	if (arr && !orm__stmt_rows_uniform(st)) {
		/* a column of values of several types (an orm_value field):
		 * the multi-row INSERT, which binds each value on its own */
		orm_stmt_free(st);
		st = NULL;
		orm_buf_dispose(&sql);
		arr = 0;
		idx = 1;
		goto again;
	}
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		void *obj;
		if (got >= nrows) {
			rc = orm__err(conn, ORM_ERROR, "model %s: INSERT returned more rows than it inserted",
				      m->name);
			goto out;
		}
		obj = items + (r0 + got) * m->size;
		for (k = 0; k < p->nret; k++)
			if ((rc = orm__mdl_read_field(st, (int)k, m, (size_t)p->ret[k], obj, NULL)) < 0)
				goto out;
		got++;
	}
	if (rc != ORM_DONE)
		goto fail;
	if (rowid && (rc = rowid_ids(conn, m, items, r0, nrows, p, orm_stmt_changes(st), ri)) < 0)
		goto out;
	if (p->nret && !rowid && got != nrows) {
		rc = orm__err(conn, ORM_ERROR, "model %s: INSERT returned %zu rows for %zu inserted", m->name,
			      got, nrows);
		goto out;
	}
	for (r = 0; r < nrows; r++) {
		orm_model_state *s = orm__mdl_state(m, items + (r0 + r) * m->size);
		orm__mdl_clear_dirty(m, s);
		s->flags |= ORM_STATE_PERSISTED;
	}
	rc = 0;
	goto out;
oom:
	rc = orm__err(conn, ORM_ENOMEM, "model %s: out of memory building a bulk insert", m->name);
	goto out;
fail:
	{
		char what[96];
		snprintf(what, sizeof(what), "bulk insert of rows %zu to %zu", r0, r0 + nrows - 1);
		orm__mdl_fail(conn, m, rc, what);
	}
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	return rc;
}

/* Undo what a failed bulk insert put into the objects (ids of rolled-back rows). */
static void bulk_undo(const orm_model *m, char *items, size_t n, const unsigned char *was_new)
{
	size_t r, i;

	for (r = 0; r < n; r++) {
		void *obj = items + r * m->size;
		orm_model_state *s = orm__mdl_state(m, obj);
		if (!was_new[r] || !(s->flags & ORM_STATE_PERSISTED))
			continue;
		s->flags &= ~(uint32_t)ORM_STATE_PERSISTED;
		for (i = 0; i < m->nfields; i++) {
			if ((m->fields[i].flags & ORM_AUTO)) {
				orm_value nul = orm_int(0);
				orm__mdl_store_value(m, i, obj, &nul, NULL);
			}
		}
	}
}

/* Insert the objects marked in `sel` (NULL: all) of items[0..n). */
static int insert_many(orm_conn *conn, const orm_model *m, char *items, size_t n,
		       const unsigned char *sel)
{
	struct plan *cur = NULL, *next = NULL;
	unsigned char *was_new = NULL;
	size_t r, start = 0, cnt = 0, per = 0;
	int rc = 0, maxp = orm_conn_max_params(conn), began = 0, fill = orm__mdl_needs_fill(m);
	struct rowids ri = { -1, 0, 0 };

	if (n == 0)
		return 0;
	cur = orm__malloc(sizeof(*cur));
	next = orm__malloc(sizeof(*next));
	was_new = orm__calloc(n, 1);
	if (!cur || !next || !was_new) {
		rc = orm__err(conn, ORM_ENOMEM, "model %s: out of memory", m->name);
		goto out;
	}
	if ((rc = orm_begin(conn)) < 0)
		goto out;
	began = 1;
	for (r = 0; r <= n; r++) {
		int flush = 0;
		void *obj = r < n ? items + r * m->size : NULL;

		if (r < n && sel && !sel[r]) {
			flush = cnt > 0;
			obj = NULL;
		} else if (r < n) {
			if ((rc = orm__mdl_insert_plan(conn, m, obj, fill, next->incl, &next->nincl,
						       next->ret, &next->nret)) < 0) {
				char msg[512];
				snprintf(msg, sizeof(msg), "%s", orm_conn_errmsg(conn));
				orm__err(conn, rc, "row %zu: %s", r, msg);
				goto out;
			}
			was_new[r] = 1;
			flush = cnt > 0 && (!plan_eq(cur, next) || cnt == per);
		} else {
			flush = cnt > 0;
		}
		if (flush) {
			if ((rc = bulk_batch(conn, m, items, start, cnt, cur, &ri)) < 0)
				goto out;
			cnt = 0;
		}
		if (obj) {
			if (cnt == 0) {
				struct plan *t = cur;
				cur = next;
				next = t;
				start = r;
				per = cur->nincl ? (size_t)maxp / cur->nincl : 1;
				if (per > BULK_MAX_ROWS)
					per = BULK_MAX_ROWS;
				if (per == 0)
					per = 1;
				/* balance the rows left over the batches they need
				 * (1500 rows at 1000 per batch: 750 + 750, not
				 * 1000 + 500), so that batch sizes repeat */
				{
					size_t left = n - r, nb = (left + per - 1) / per;
					per = (left + nb - 1) / nb;
				}
			}
			cnt++;
		}
	}
	rc = orm_commit(conn);
	began = 0;
out:
	if (began && rc < 0)
		orm__mdl_rollback_keep(conn);
	if (rc < 0 && was_new)
		bulk_undo(m, items, n, was_new);
	orm__free(cur);
	orm__free(next);
	orm__free(was_new);
	return rc;
}

int orm_model_insert_many(void *items, size_t n, orm_conn *conn, const orm_model *m)
{
	size_t r;
	int rc;

	if ((rc = orm__mdl_usable(conn, m, "orm_model_insert_many")) < 0)
		return rc;
	if (!items && n)
		return orm__err(conn, ORM_EINVAL, "orm_model_insert_many: items is NULL");
	for (r = 0; r < n; r++)
		if (orm__mdl_state(m, (char *)items + r * m->size)->flags & ORM_STATE_PERSISTED)
			return orm__err(conn, ORM_EINVAL,
					"orm_model_insert_many: object %zu of model %s is already persisted",
					r, m->name);
	return insert_many(conn, m, items, n, NULL);
}

int orm_collection_save(orm_collection *coll, orm_conn *conn)
{
	const orm_model *m;
	unsigned char *sel = NULL;
	size_t r, nnew = 0;
	int rc;

	if (!coll || !conn)
		return ORM_EINVAL;
	if (!coll->model || coll->count == 0)
		return 0;
	m = coll->model;
	if ((rc = orm__mdl_usable(conn, m, "orm_collection_save")) < 0)
		return rc;
	sel = orm__calloc(coll->count, 1);
	if (!sel)
		return orm__err(conn, ORM_ENOMEM, "orm_collection_save: out of memory");
	for (r = 0; r < coll->count; r++) {
		void *obj = (char *)coll->items + r * m->size;
		orm_model_state *s = orm__mdl_state(m, obj);
		size_t i;
		int upd = (s->flags & ORM_STATE_PERSISTED) != 0;

		for (i = 0; !upd && i < m->nfields; i++)
			if ((m->fields[i].flags & (ORM_PK | ORM_AUTO)) == (ORM_PK | ORM_AUTO) &&
			    !orm__mdl_is_null(m, i, obj)) {
				orm_value v = orm__mdl_value(m, i, obj);
				upd = !(v.type == ORM_TYPE_INT && v.u.i == 0);
			}
		sel[r] = !upd;
		nnew += sel[r];
	}
	if ((rc = orm_begin(conn)) < 0)
		goto out;
	if (nnew && (rc = insert_many(conn, m, coll->items, coll->count, sel)) < 0)
		goto rollback;
	for (r = 0; r < coll->count; r++) {
		if (sel[r])
			continue;
		if ((rc = orm_model_save((char *)coll->items + r * m->size, conn, m)) < 0)
			goto rollback;
	}
	rc = orm_commit(conn);
	goto out;
rollback:
	orm__mdl_rollback_keep(conn);
	bulk_undo(m, coll->items, coll->count, sel);
out:
	orm__free(sel);
	return rc;
}
