/*
 * Statements: prepare (with the per-connection statement cache), binding,
 * stepping and column access with conversions.
 */
#include "orm/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <uthash.h>

/* Statements kept per connection before the oldest idle one is evicted. */
#define ORM_STMT_CACHE_MAX 256

struct orm_stmt_cache_entry {
	char *key;        /* SQL text as the caller wrote it */
	orm_stmt *stmt;
	int in_use;
	UT_hash_handle hh;
};

/* ---- creation and destruction ---- */

static void stmt_release_params(orm_stmt *st)
{
	int i;

	if (st->owned) {
		for (i = 0; i < st->cap; i++)
			orm__free(st->owned[i]);
	}
	orm__free(st->owned);
	orm__free(st->params);
	st->owned = NULL;
	st->params = NULL;
}

/* Finalize for real (driver + memory); the cache entry is not touched. */
static void stmt_destroy(orm_stmt *st)
{
	int i;

	if (!st)
		return;
	if (st->driver_data && st->conn && st->conn->drv && st->conn->drv->finalize)
		st->conn->drv->finalize(st);
	st->driver_data = NULL;
	stmt_release_params(st);
	for (i = 0; i < st->coltext_n; i++)
		orm_buf_dispose(&st->coltext[i]);
	orm__free(st->coltext);
	orm__free(st->sql);
	orm__free(st);
}

static int stmt_create(orm_stmt **out, orm_conn *conn, const char *sql)
{
	orm_stmt *st;
	orm_buf native = ORM_BUF_INIT;
	int n = 0, rc, i;

	*out = NULL;
	if (!conn)
		return ORM_EINVAL;
	orm__err_clear(conn);
	if (!conn->drv)
		return orm__err(conn, ORM_EMISUSE, "the connection is not open (orm_open failed)");
	if (!sql)
		return orm__err(conn, ORM_EINVAL, "orm_prepare: sql is NULL");

	if (conn->dialect == ORM_DIALECT_POSTGRES) {
		rc = orm__rewrite_placeholders(&native, sql, conn->dialect, &n);
		if (rc == 0 && !native.ptr)
			rc = orm_buf_put(&native, "", 0);
	} else {
		rc = orm__rewrite_placeholders(NULL, sql, conn->dialect, &n);
		if (rc == 0)
			rc = orm_buf_puts(&native, sql);
	}
	if (rc < 0) {
		orm_buf_dispose(&native);
		return orm__err(conn, rc, "orm_prepare: out of memory");
	}
	if (n > conn->drv->max_params) {
		orm_buf_dispose(&native);
		return orm__err(conn, ORM_EINVAL,
				"statement has %d parameters; the %s limit is %d", n,
				orm_dialect_name(conn->dialect), conn->drv->max_params);
	}

	st = orm__calloc(1, sizeof(*st));
	if (!st) {
		orm_buf_dispose(&native);
		return orm__err(conn, ORM_ENOMEM, "orm_prepare: out of memory");
	}
	st->conn = conn;
	st->sql = native.ptr; /* handed over */
	st->nparams = n;
	st->nrows = 1;
	st->nslots = n;
	st->cap = n;
	st->ncols = -1;
	st->state = ORM__ST_READY;
	if (n > 0) {
		st->params = orm__calloc((size_t)n, sizeof(orm_value));
		st->owned = orm__calloc((size_t)n, sizeof(char *));
		if (!st->params || !st->owned) {
			stmt_destroy(st);
			return orm__err(conn, ORM_ENOMEM, "orm_prepare: out of memory");
		}
		for (i = 0; i < n; i++)
			st->params[i].type = ORM_TYPE_NULL;
	}
	rc = conn->drv->prepare(conn, st, st->sql, n);
	if (rc < 0) {
		if (conn->err.code == 0)
			orm__err(conn, rc, "could not prepare statement");
		stmt_destroy(st);
		return rc;
	}
	*out = st;
	return 0;
}

int orm_prepare_uncached(orm_stmt **out, orm_conn *conn, const char *sql)
{
	if (!out)
		return ORM_EINVAL;
	return stmt_create(out, conn, sql);
}

/* Evict the oldest idle cached statement; 1 if one was evicted. */
static int cache_evict_one(orm_conn *conn)
{
	struct orm_stmt_cache_entry *e, *tmp;

	HASH_ITER(hh, conn->cache, e, tmp) {
		if (!e->in_use) {
			HASH_DEL(conn->cache, e);
			conn->cache_count--;
			conn->cache_gen++;
			e->stmt->cache_entry = NULL;
			stmt_destroy(e->stmt);
			orm__free(e->key);
			orm__free(e);
			return 1;
		}
	}
	return 0;
}

unsigned orm__prepare_hash(const char *sql, size_t len)
{
	unsigned hv;

	HASH_VALUE(sql, len, hv);
	return hv;
}

int orm_prepare(orm_stmt **out, orm_conn *conn, const char *sql)
{
	size_t len = sql ? strlen(sql) : 0;

	return orm__prepare_h(out, conn, sql, len, sql ? orm__prepare_hash(sql, len) : 0);
}

/* Hand out the idle cached statement of e. @return 0. */
static int cache_take(orm_conn *conn, struct orm_stmt_cache_entry *e, orm_stmt **out)
{
	orm__err_clear(conn);
	e->in_use = 1;
	*out = e->stmt;
	return 0;
}

int orm__prepare_h(orm_stmt **out, orm_conn *conn, const char *sql, size_t len, unsigned hv)
{
	struct orm_stmt_cache_entry *e = NULL;
	orm_stmt *st;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!conn || !sql || !conn->drv)
		return stmt_create(out, conn, sql); /* reports the error */

	HASH_FIND_BYHASHVALUE(hh, conn->cache, sql, len, hv, e);
	if (e) {
		if (e->in_use)
			return stmt_create(out, conn, sql); /* busy: hand out a private one */
		return cache_take(conn, e, out);
	}
	if ((rc = stmt_create(&st, conn, sql)) < 0)
		return rc;
	if (conn->cache_count >= ORM_STMT_CACHE_MAX && !cache_evict_one(conn)) {
		*out = st; /* cache full of busy statements: stay uncached */
		return 0;
	}
	e = orm__calloc(1, sizeof(*e));
	if (!e || !(e->key = orm__strndup(sql, len))) {
		orm__free(e);
		*out = st; /* no memory for the cache: still usable, uncached */
		return 0;
	}
	e->stmt = st;
	e->in_use = 1;
	HASH_ADD_KEYPTR_BYHASHVALUE(hh, conn->cache, e->key, len, hv, e);
	if (!e->hh.tbl) {
		/* uthash ran out of memory (HASH_NONFATAL_OOM): stay uncached */
		orm__free(e->key);
		orm__free(e);
		*out = st;
		return 0;
	}
	conn->cache_count++;
	st->cache_entry = e;
	*out = st;
	return 0;
}

/*
 * The model layer keeps, beside each statement text it caches, the cache
 * entry its statement was last found in: a save or a fetch by key then
 * skips hashing and comparing the text. The entry is trusted only while
 * no cached statement has been dropped since (cache_gen) and it is idle.
 */
int orm__prepare_hinted(orm_stmt **out, orm_conn *conn, struct orm__stmt_hint *hint, const char *sql,
			size_t len, unsigned hv)
{
	struct orm_stmt_cache_entry *e = hint->entry;
	int rc;

	if (e && hint->gen == conn->cache_gen && !e->in_use)
		return cache_take(conn, e, out);
	rc = orm__prepare_h(out, conn, sql, len, hv);
	hint->entry = rc == 0 ? (*out)->cache_entry : NULL;
	hint->gen = conn->cache_gen;
	return rc;
}

void orm__stmt_cache_free(orm_conn *conn)
{
	struct orm_stmt_cache_entry *e, *tmp;

	if (!conn)
		return;
	HASH_ITER(hh, conn->cache, e, tmp) {
		HASH_DEL(conn->cache, e);
		e->stmt->cache_entry = NULL;
		stmt_destroy(e->stmt);
		orm__free(e->key);
		orm__free(e);
	}
	conn->cache = NULL;
	conn->cache_gen++;
	conn->cache_count = 0;
}

void orm_stmt_free(orm_stmt *stmt)
{
	if (!stmt)
		return;
	if (stmt->cache_entry) {
		orm_stmt_reset(stmt);
		orm_stmt_clear_bindings(stmt);
		stmt->cache_entry->in_use = 0;
		return;
	}
	stmt_destroy(stmt);
}

/* ---- binding ---- */

int orm_stmt_param_count(const orm_stmt *stmt)
{
	return stmt ? stmt->nparams : 0;
}

/* Free parameter slot i's own copy, if it has one (the call skipped when
 * not: bindings are set on every save). */
static inline void param_disown(orm_stmt *st, int i)
{
	if (st->owned[i]) {
		orm__free(st->owned[i]);
		st->owned[i] = NULL;
	}
}

/* Check the index and make the statement bindable; returns 0-based slot or error. */
static int bind_slot(orm_stmt *st, int idx)
{
	if (!st)
		return ORM_EINVAL;
	if (idx < 1 || idx > st->nslots)
		return orm__err(st->conn, ORM_EINVAL,
				"bind index %d out of range (the statement has %d parameter%s)",
				idx, st->nslots, st->nslots == 1 ? "" : "s");
	if (st->state != ORM__ST_READY)
		orm_stmt_reset(st);
	param_disown(st, idx - 1);
	return idx - 1;
}

int orm_bind_null(orm_stmt *stmt, int idx)
{
	int i = bind_slot(stmt, idx);

	if (i < 0)
		return i;
	stmt->params[i] = orm_null();
	return 0;
}

int orm_bind_bool(orm_stmt *stmt, int idx, int b)
{
	int i = bind_slot(stmt, idx);

	if (i < 0)
		return i;
	stmt->params[i] = orm_bool(b);
	return 0;
}

int orm_bind_int(orm_stmt *stmt, int idx, int64_t v)
{
	int i = bind_slot(stmt, idx);

	if (i < 0)
		return i;
	stmt->params[i].type = ORM_TYPE_INT; /* in place: a bind on every model save */
	stmt->params[i].u.i = v;
	return 0;
}

int orm_bind_double(orm_stmt *stmt, int idx, double v)
{
	int i = bind_slot(stmt, idx);

	if (i < 0)
		return i;
	stmt->params[i] = orm_double(v);
	return 0;
}

/* Bind a text-like or blob payload of `type`. */
static int bind_bytes(orm_stmt *st, int idx, orm_type type, const char *p, size_t len,
		      orm_bind_lifetime lt)
{
	int i = bind_slot(st, idx);

	if (i < 0)
		return i;
	if (!p) {
		st->params[i] = orm_null();
		return 0;
	}
	if (lt == ORM_BIND_COPY) {
		char *copy = orm__malloc(len + 1);
		if (!copy) {
			st->params[i] = orm_null();
			return orm__err(st->conn, ORM_ENOMEM, "bind %d: out of memory", idx);
		}
		memcpy(copy, p, len);
		copy[len] = '\0';
		st->owned[i] = copy;
		p = copy;
	} else if (lt != ORM_BIND_STATIC) {
		st->params[i] = orm_null();
		return orm__err(st->conn, ORM_EINVAL, "bind %d: bad lifetime %d", idx, (int)lt);
	}
	st->params[i].type = type;
	st->params[i].u.s.ptr = p;
	st->params[i].u.s.len = len;
	return 0;
}

int orm_bind_text(orm_stmt *stmt, int idx, const char *s, long len, orm_bind_lifetime lt)
{
	return bind_bytes(stmt, idx, ORM_TYPE_TEXT, s,
			  s ? (len < 0 ? strlen(s) : (size_t)len) : 0, lt);
}

int orm_bind_blob(orm_stmt *stmt, int idx, const void *p, size_t len, orm_bind_lifetime lt)
{
	if (!p && len == 0)
		p = ""; /* an empty blob, not NULL */
	return bind_bytes(stmt, idx, ORM_TYPE_BLOB, p, len, lt);
}

int orm_bind_value(orm_stmt *stmt, int idx, const orm_value *v, orm_bind_lifetime lt)
{
	if (!stmt)
		return ORM_EINVAL;
	if (!v)
		return orm__err(stmt->conn, ORM_EINVAL, "bind %d: value is NULL", idx);
	switch (v->type) {
	case ORM_TYPE_NULL:
		return orm_bind_null(stmt, idx);
	case ORM_TYPE_BOOL:
		return orm_bind_bool(stmt, idx, v->u.b);
	case ORM_TYPE_INT:
		return orm_bind_int(stmt, idx, v->u.i);
	case ORM_TYPE_DOUBLE:
		return orm_bind_double(stmt, idx, v->u.d);
	case ORM_TYPE_BLOB:
		return bind_bytes(stmt, idx, ORM_TYPE_BLOB, v->u.s.ptr ? v->u.s.ptr : "",
				  v->u.s.len, lt);
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DECIMAL:
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
		return bind_bytes(stmt, idx, v->type, v->u.s.ptr, v->u.s.len, lt);
	}
	return orm__err(stmt->conn, ORM_EINVAL, "bind %d: unknown value type %d", idx, (int)v->type);
}

int orm_bind_values(orm_stmt *stmt, const orm_value *params, int n, orm_bind_lifetime lt)
{
	int i, rc;

	if (!stmt)
		return ORM_EINVAL;
	if (n < 0 || (n > 0 && !params))
		return orm__err(stmt->conn, ORM_EINVAL, "orm_bind_values: bad params/n");
	if (n > stmt->nparams)
		return orm__err(stmt->conn, ORM_EINVAL,
				"%d values given for a statement with %d parameter%s",
				n, stmt->nparams, stmt->nparams == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		if ((rc = orm_bind_value(stmt, i + 1, &params[i], lt)) < 0)
			return rc;
	return 0;
}

/* ---- running ---- */

int orm_stmt_step(orm_stmt *stmt)
{
	const orm_driver *drv;
	int rc;

	if (!stmt)
		return ORM_EINVAL;
	drv = stmt->conn->drv;
	if (!drv)
		return orm__err(stmt->conn, ORM_EMISUSE, "the connection is closed");
	orm__err_clear(stmt->conn);
	switch (stmt->state) {
	case ORM__ST_READY:
		if ((rc = orm__tx_check(stmt->conn)) < 0)
			return rc;
		stmt->conn->stmt_execs++;
		rc = drv->execute(stmt);
		if (rc < 0)
			goto fail;
		orm__debug_after_stmt();
		stmt->state = ORM__ST_RUNNING;
		/* fallthrough */
	case ORM__ST_RUNNING:
		rc = drv->fetch(stmt);
		if (rc == ORM_ROW)
			return ORM_ROW;
		if (rc == ORM_DONE) {
			stmt->state = ORM__ST_DONE;
			return ORM_DONE;
		}
		if (rc >= 0)
			rc = orm__err(stmt->conn, ORM_ERROR, "driver fetch returned %d", rc);
		goto fail;
	default:
		return ORM_DONE;
	}
fail:
	/* make the statement runnable again; keep the driver's error */
	drv->reset(stmt);
	stmt->state = ORM__ST_READY;
	if (stmt->conn->err.code == 0)
		orm__err(stmt->conn, rc, "statement failed: %s", orm_strerror(rc));
	return rc;
}

int orm_stmt_reset(orm_stmt *stmt)
{
	int rc = 0;

	if (!stmt)
		return ORM_EINVAL;
	if (stmt->state != ORM__ST_READY && stmt->conn->drv)
		rc = stmt->conn->drv->reset(stmt);
	stmt->state = ORM__ST_READY;
	return rc < 0 ? rc : 0;
}

int orm_stmt_clear_bindings(orm_stmt *stmt)
{
	int i, n;

	if (!stmt)
		return ORM_EINVAL;
	if (stmt->state != ORM__ST_READY)
		orm_stmt_reset(stmt);
	n = stmt->nslots;
	for (i = 0; i < n; i++) {
		param_disown(stmt, i);
		stmt->params[i].type = ORM_TYPE_NULL; /* orm_null(), without the call */
		stmt->params[i].u.s.ptr = NULL;
		stmt->params[i].u.s.len = 0;
	}
	stmt->nrows = 1;
	stmt->nslots = stmt->nparams;
	return 0;
}

int orm__stmt_rows_uniform(const orm_stmt *stmt)
{
	int i, r, n = stmt->nparams;

	for (i = 0; i < n; i++) {
		orm_type t = ORM_TYPE_NULL;

		for (r = 0; r < stmt->nrows; r++) {
			orm_type u = stmt->params[r * n + i].type;

			if (u == ORM_TYPE_NULL)
				continue;
			if (t == ORM_TYPE_NULL)
				t = u;
			else if (u != t)
				return 0;
		}
	}
	return 1;
}

int orm__stmt_set_rows(orm_stmt *stmt, size_t nrows)
{
	orm_conn *conn = stmt->conn;
	int max = orm__conn_array_rows(conn), i;
	size_t need;

	if (nrows < 1 || nrows > (size_t)max || stmt->nparams < 1)
		return orm__err(conn, ORM_EINVAL, "%zu rows of parameters: the %s driver takes at most %d",
				nrows, conn->drv->name, max);
	orm_stmt_clear_bindings(stmt);
	need = (size_t)stmt->nparams * nrows;
	if (need > (size_t)stmt->cap) {
		orm_value *p;
		char **o;

		if (need > (size_t)INT_MAX / 2)
			return orm__err(conn, ORM_ENOMEM, "%zu rows of parameters: too many", nrows);
		if (!(p = orm__realloc(stmt->params, need * sizeof(*p))))
			return orm__err(conn, ORM_ENOMEM, "out of memory binding %zu rows", nrows);
		stmt->params = p;
		if (!(o = orm__realloc(stmt->owned, need * sizeof(*o))))
			return orm__err(conn, ORM_ENOMEM, "out of memory binding %zu rows", nrows);
		stmt->owned = o;
		for (i = stmt->cap; i < (int)need; i++) {
			stmt->params[i] = orm_null();
			stmt->owned[i] = NULL;
		}
		stmt->cap = (int)need;
	}
	stmt->nrows = (int)nrows;
	stmt->nslots = (int)need;
	return 0;
}

int64_t orm_stmt_changes(const orm_stmt *stmt)
{
	if (!stmt || !stmt->conn->drv || !stmt->conn->drv->changes)
		return 0;
	return stmt->conn->drv->changes((orm_stmt *)stmt);
}

/* ---- columns ---- */

int orm_column_count(orm_stmt *stmt)
{
	if (!stmt || !stmt->conn->drv)
		return 0;
	return stmt->conn->drv->column_count(stmt);
}

const char *orm_column_name(orm_stmt *stmt, int col)
{
	if (!stmt || !stmt->conn->drv || col < 0 || col >= orm_column_count(stmt))
		return NULL;
	return stmt->conn->drv->column_name(stmt, col);
}

int orm_column_value(orm_stmt *stmt, int col, orm_value *out)
{
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = orm_null();
	if (!stmt || !stmt->conn->drv)
		return ORM_EINVAL;
	if (stmt->state != ORM__ST_RUNNING)
		return orm__err(stmt->conn, ORM_EINVAL, "no current row (step the statement first)");
	if (col < 0 || col >= orm_column_count(stmt))
		return orm__err(stmt->conn, ORM_EINVAL, "column %d out of range (%d columns)", col,
				orm_column_count(stmt));
	rc = stmt->conn->drv->column_value(stmt, col, out);
	if (rc < 0)
		*out = orm_null();
	return rc < 0 ? rc : 0;
}

orm_type orm_column_type(orm_stmt *stmt, int col)
{
	orm_value v;

	if (orm_column_value(stmt, col, &v) < 0)
		return ORM_TYPE_NULL;
	return v.type;
}

int orm_column_is_null(orm_stmt *stmt, int col)
{
	return orm_column_type(stmt, col) == ORM_TYPE_NULL;
}

/* Parse text as a double; 0 on failure. */
static int text_to_double(const char *p, size_t len, double *out)
{
	char tmp[128];
	char *end;

	*out = 0;
	if (len == 0 || len >= sizeof(tmp))
		return ORM_ETYPE;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	*out = strtod(tmp, &end);
	while (*end == ' ')
		end++;
	if (end == tmp || *end)
		return ORM_ETYPE;
	return 0;
}

int64_t orm_column_int(orm_stmt *stmt, int col)
{
	orm_value v;
	int64_t i;
	double d;

	if (orm_column_value(stmt, col, &v) < 0)
		return 0;
	switch (v.type) {
	case ORM_TYPE_BOOL: return v.u.b;
	case ORM_TYPE_INT: return v.u.i;
	case ORM_TYPE_DOUBLE:
		d = v.u.d;
		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	case ORM_TYPE_NULL:
	case ORM_TYPE_BLOB:
		return 0;
	default:
		if (orm__parse_int64(v.u.s.ptr, v.u.s.len, &i) == 0)
			return i;
		if (text_to_double(v.u.s.ptr, v.u.s.len, &d) == 0 && !isnan(d) &&
		    d < 9223372036854775807.0 && d > -9223372036854775808.0)
			return (int64_t)d;
		if (v.u.s.len == 4 && strncmp(v.u.s.ptr, "true", 4) == 0)
			return 1;
		return 0;
	}
}

double orm_column_double(orm_stmt *stmt, int col)
{
	orm_value v;
	double d;

	if (orm_column_value(stmt, col, &v) < 0)
		return 0;
	switch (v.type) {
	case ORM_TYPE_BOOL: return v.u.b;
	case ORM_TYPE_INT: return (double)v.u.i;
	case ORM_TYPE_DOUBLE: return v.u.d;
	case ORM_TYPE_NULL:
	case ORM_TYPE_BLOB:
		return 0;
	default:
		text_to_double(v.u.s.ptr, v.u.s.len, &d);
		return d;
	}
}

/* Scratch buffer for column `col`, grown to the column count. */
static orm_buf *coltext(orm_stmt *st, int col)
{
	if (col >= st->coltext_n) {
		int n = orm_column_count(st), i;
		orm_buf *nb;

		if (n <= col)
			n = col + 1;
		nb = orm__realloc(st->coltext, (size_t)n * sizeof(orm_buf));
		if (!nb)
			return NULL;
		for (i = st->coltext_n; i < n; i++) {
			nb[i].ptr = NULL;
			nb[i].size = nb[i].asize = 0;
		}
		st->coltext = nb;
		st->coltext_n = n;
	}
	orm_buf_clear(&st->coltext[col]);
	return &st->coltext[col];
}

/*
 * Shortest "%.Ng" form of d that reads back as the same double
 * (17 significant digits always do).
 */
static void format_double(char *out, size_t outlen, double d)
{
	int prec, exp10;

	if (isnan(d)) {
		snprintf(out, outlen, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(out, outlen, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(out, outlen, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	/* %g switches to an exponent when it has fewer digits than the
	 * integer part: write 100 as "100", not "1e+02" (up to 1e17) */
	snprintf(out, outlen, "%.*e", prec - 1, d);
	exp10 = atoi(strchr(out, 'e') + 1);
	if (exp10 >= prec && exp10 < 17)
		prec = exp10 + 1;
	snprintf(out, outlen, "%.*g", prec, d);
}

const char *orm_column_text(orm_stmt *stmt, int col, size_t *len)
{
	orm_value v;
	orm_buf *b;
	char num[64];
	const char *p;
	size_t n;

	if (len)
		*len = 0;
	if (orm_column_value(stmt, col, &v) < 0 || v.type == ORM_TYPE_NULL)
		return NULL;
	switch (v.type) {
	case ORM_TYPE_BOOL:
		p = v.u.b ? "1" : "0";
		n = 1;
		break;
	case ORM_TYPE_INT:
		n = orm__fmt_int64(num, v.u.i);
		p = num;
		break;
	case ORM_TYPE_DOUBLE:
		format_double(num, sizeof(num), v.u.d);
		p = num;
		n = strlen(num);
		break;
	default:
		p = v.u.s.ptr;
		n = v.u.s.len;
		break;
	}
	/* copy into the column's scratch buffer: driver payloads need not be NUL-terminated */
	b = coltext(stmt, col);
	if (!b || orm_buf_put(b, p ? p : "", n) < 0) {
		orm__err(stmt->conn, ORM_ENOMEM, "orm_column_text: out of memory");
		return NULL;
	}
	if (len)
		*len = n;
	return b->ptr;
}

int orm__stmt_row_text(orm_stmt *stmt)
{
	int i, n = orm_column_count(stmt);

	for (i = 0; i < n; i++)
		if (!orm_column_is_null(stmt, i) && !orm_column_text(stmt, i, NULL))
			return ORM_ENOMEM;
	return 0;
}

const void *orm_column_blob(orm_stmt *stmt, int col, size_t *len)
{
	orm_value v;

	if (len)
		*len = 0;
	if (orm_column_value(stmt, col, &v) < 0 || v.type == ORM_TYPE_NULL)
		return NULL;
	switch (v.type) {
	case ORM_TYPE_BOOL:
	case ORM_TYPE_INT:
	case ORM_TYPE_DOUBLE:
		return orm_column_text(stmt, col, len);
	default:
		if (len)
			*len = v.u.s.len;
		return v.u.s.ptr ? v.u.s.ptr : "";
	}
}
