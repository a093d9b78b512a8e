/*
 * The query builder: expressions, builder calls with sticky errors, and
 * running a built query on a connection. The SQL itself is written by
 * orm/query_compile.c.
 *
 * Conventions (see include/orm/query.h):
 * - every builder call returns the query's first error once one was
 *   recorded, and does nothing else;
 * - `_new` functions steal their orm_expr / orm_query argument on every
 *   path, and record ORM_ENOMEM for a NULL one;
 * - values are copied (qv_copy), strings duplicated;
 * - an expression constructor that fails returns an ORM__QE_ERROR node
 *   carrying the code and a message naming the constructor; the query
 *   records it when the node is handed over. NULL from a constructor
 *   means out of memory.
 *
 * Running: orm_query_exec() compiles with `?` placeholders (the core
 * rewrites them to $n on PostgreSQL when preparing), prepares through the
 * statement cache and binds with ORM_BIND_COPY, so the statement never
 * points into the query and may outlive it. orm_query_run() and
 * orm_query_insert_ids() split a multi-row INSERT whose parameters exceed
 * the dialect's limit into several statements inside one transaction
 * (a savepoint when one is already open).
 */
#include "orm/query_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ---- */

static int grow(void **p, size_t *alloc, size_t need, size_t elsize)
{
	size_t n;
	void *np;

	if (need <= *alloc)
		return 0;
	n = *alloc ? *alloc : 4;
	while (n < need) {
		if (n > ((size_t)-1) / 2)
			return ORM_ENOMEM;
		n *= 2;
	}
	if (n > ((size_t)-1) / elsize)
		return ORM_ENOMEM;
	np = orm__realloc(*p, n * elsize);
	if (!np)
		return ORM_ENOMEM;
	*p = np;
	*alloc = n;
	return 0;
}

static int is_payload_type(orm_type t)
{
	switch (t) {
	case ORM_TYPE_TEXT:
	case ORM_TYPE_BLOB:
	case ORM_TYPE_DECIMAL:
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
		return 1;
	default:
		return 0;
	}
}

static int qv_valid(const orm_value *v)
{
	switch (v->type) {
	case ORM_TYPE_NULL:
	case ORM_TYPE_BOOL:
	case ORM_TYPE_INT:
	case ORM_TYPE_DOUBLE:
		return 1;
	default:
		return is_payload_type(v->type) && (v->u.s.ptr || v->u.s.len == 0);
	}
}

/* Copy a (valid) value, giving text-like payloads their own NUL-terminated bytes. */
static int qv_copy(orm_value *dst, const orm_value *src)
{
	char *p;

	*dst = *src;
	if (src->type == ORM_TYPE_BOOL)
		dst->u.b = src->u.b != 0;
	if (!is_payload_type(src->type))
		return 0;
	p = orm__malloc(src->u.s.len + 1);
	if (!p) {
		dst->type = ORM_TYPE_NULL;
		return ORM_ENOMEM;
	}
	if (src->u.s.len)
		memcpy(p, src->u.s.ptr, src->u.s.len);
	p[src->u.s.len] = '\0';
	dst->u.s.ptr = p;
	return 0;
}

void orm__qv_free(orm_value *v)
{
	if (v && is_payload_type(v->type))
		orm__free((void *)v->u.s.ptr);
	if (v)
		v->type = ORM_TYPE_NULL;
}

static void qv_free_array(orm_value *vals, size_t n)
{
	size_t i;

	if (!vals)
		return;
	for (i = 0; i < n; i++)
		orm__qv_free(&vals[i]);
	orm__free(vals);
}

/* Copy n values into a new array (*out NULL when n == 0). */
static int qv_copy_array(orm_value **out, const orm_value *src, size_t n)
{
	orm_value *a;
	size_t i;

	*out = NULL;
	if (n == 0)
		return 0;
	if (n > ((size_t)-1) / sizeof(orm_value))
		return ORM_ENOMEM;
	a = orm__calloc(n, sizeof(orm_value));
	if (!a)
		return ORM_ENOMEM;
	for (i = 0; i < n; i++) {
		if (qv_copy(&a[i], &src[i]) < 0) {
			qv_free_array(a, i);
			return ORM_ENOMEM;
		}
	}
	*out = a;
	return 0;
}

/* Index of the first invalid value, or n when all are valid. */
static size_t qv_first_invalid(const orm_value *vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!qv_valid(&vals[i]))
			return i;
	return n;
}

/*
 * A usable identifier: non-empty, and when dotted, no empty part.
 * Dialect limits (length) are checked when compiling.
 */
static int ident_ok(const char *s)
{
	size_t len;

	if (!s || !*s)
		return 0;
	len = strlen(s);
	if (s[0] == '.' || s[len - 1] == '.' || strstr(s, ".."))
		return 0;
	return 1;
}

static const char *show(const char *s)
{
	return s ? s : "(null)";
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		orm__free(v[i]);
	orm__free(v);
}

/* Copy n identifiers; *bad = index of the first invalid one (n when all ok). */
static int copy_idents(char ***out, const char *const *src, size_t n, size_t *bad)
{
	char **v;
	size_t i;

	*out = NULL;
	*bad = n;
	for (i = 0; i < n; i++) {
		if (!ident_ok(src[i])) {
			*bad = i;
			return ORM_EINVAL;
		}
	}
	if (n == 0)
		return 0;
	v = orm__calloc(n, sizeof(char *));
	if (!v)
		return ORM_ENOMEM;
	for (i = 0; i < n; i++) {
		if (!(v[i] = orm__strdup(src[i]))) {
			free_strv(v, i);
			return ORM_ENOMEM;
		}
	}
	*out = v;
	return 0;
}

/* ---- operators ---- */

static const char *const op_names[] = {
	"=", "<>", "!=", "<", "<=", ">", ">=", "like", "not like", "ilike", "not ilike"
};

static int ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* @return the operator, or -1 when unknown. Keywords match case-insensitively. */
static int parse_op(const char *op)
{
	size_t i;

	if (!op)
		return -1;
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (ascii_ieq(op, op_names[i]))
			return (int)i;
	return -1;
}

/* ---- expressions ---- */

static orm_expr *expr_alloc(orm__qe_kind kind)
{
	orm_expr *e = orm__calloc(1, sizeof(*e));

	if (e)
		e->kind = kind;
	return e;
}

/* An error node; NULL when even that cannot be allocated (reads as ENOMEM). */
static orm_expr *expr_error(int code, const char *fmt, ...) ORM_FORMAT_PRINTF(2, 3);
static orm_expr *expr_error(int code, const char *fmt, ...)
{
	orm_expr *e = expr_alloc(ORM__QE_ERROR);
	char msg[ORM__QERRMSG];
	va_list ap;

	if (!e)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->err = code;
	e->errmsg = orm__strdup(msg);
	return e;
}

void orm_expr_free(orm_expr *e)
{
	if (!e)
		return;
	orm__free(e->col);
	orm__free(e->col2);
	orm__free(e->errmsg);
	qv_free_array(e->vals, e->nvals);
	orm_query_free(e->sub);
	orm_expr_free(e->a);
	orm_expr_free(e->b);
	orm__free(e);
}

/* A node with a column and copies of n values. */
static orm_expr *expr_col_vals(orm__qe_kind kind, const char *col, const orm_value *vals, size_t n)
{
	orm_expr *e = expr_alloc(kind);

	if (!e)
		return NULL;
	if ((col && !(e->col = orm__strdup(col))) || qv_copy_array(&e->vals, vals, n) < 0) {
		orm_expr_free(e);
		return NULL;
	}
	e->nvals = n;
	return e;
}

static orm_expr *expr_cmp(const char *fn, const char *col, const char *op, const orm_value *v)
{
	orm_expr *e;
	int o;

	if (!ident_ok(col))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	if ((o = parse_op(op)) < 0)
		return expr_error(ORM_EINVAL, "%s: unknown operator \"%.32s\" (column \"%.64s\")", fn,
				  show(op), col);
	if (!qv_valid(v))
		return expr_error(ORM_EINVAL, "%s: invalid value (type %d) for column \"%.64s\"", fn,
				  (int)v->type, col);
	e = expr_col_vals(ORM__QE_CMP, col, v, 1);
	if (e)
		e->op = (orm__qop)o;
	return e;
}

orm_expr *orm_expr_cmp(const char *col, const char *op, orm_value v)
{
	return expr_cmp("orm_expr_cmp", col, op, &v);
}

static orm_expr *expr_cmp_col(const char *fn, const char *col, const char *op, const char *col2)
{
	orm_expr *e;
	int o;

	if (!ident_ok(col) || !ident_ok(col2))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" or \"%.64s\" is NULL, empty or malformed",
				  fn, show(col), show(col2));
	if ((o = parse_op(op)) < 0)
		return expr_error(ORM_EINVAL, "%s: unknown operator \"%.32s\" (columns \"%.64s\", \"%.64s\")",
				  fn, show(op), col, col2);
	e = expr_col_vals(ORM__QE_CMP_COL, col, NULL, 0);
	if (e && !(e->col2 = orm__strdup(col2))) {
		orm_expr_free(e);
		return NULL;
	}
	if (e)
		e->op = (orm__qop)o;
	return e;
}

orm_expr *orm_expr_cmp_col(const char *col, const char *op, const char *col2)
{
	return expr_cmp_col("orm_expr_cmp_col", col, op, col2);
}

static orm_expr *expr_in(const char *fn, orm__qe_kind kind, const char *col, const orm_value *vals,
			 size_t n)
{
	size_t bad;

	if (!ident_ok(col))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	if (n > 0 && !vals)
		return expr_error(ORM_EINVAL, "%s: %zu values but the array is NULL (column \"%.64s\")", fn,
				  n, col);
	if ((bad = qv_first_invalid(vals, n)) < n)
		return expr_error(ORM_EINVAL, "%s: value %zu is invalid (column \"%.64s\")", fn, bad, col);
	return expr_col_vals(kind, col, vals, n);
}

orm_expr *orm_expr_in(const char *col, const orm_value *vals, size_t n)
{
	return expr_in("orm_expr_in", ORM__QE_IN, col, vals, n);
}

orm_expr *orm_expr_not_in(const char *col, const orm_value *vals, size_t n)
{
	return expr_in("orm_expr_not_in", ORM__QE_NOT_IN, col, vals, n);
}

/* Check a subquery about to be stolen; NULL when it is usable. */
static orm_expr *sub_error(const char *fn, orm_query *sub)
{
	if (!sub)
		return expr_error(ORM_ENOMEM, "%s: the subquery is NULL (out of memory while building it?)", fn);
	if (sub->err)
		return expr_error(sub->err, "%s: subquery: %s", fn, sub->errmsg);
	if (sub->type != ORM__Q_SELECT)
		return expr_error(ORM_EINVAL, "%s: the subquery is not a select", fn);
	return NULL;
}

orm_expr *orm_expr_in_query_new(const char *col, orm_query *sub)
{
	orm_expr *e;

	if (!ident_ok(col)) {
		orm_query_free(sub);
		return expr_error(ORM_EINVAL, "orm_expr_in_query_new: column \"%.64s\" is NULL, empty or malformed",
				  show(col));
	}
	if ((e = sub_error("orm_expr_in_query_new", sub)) != NULL) {
		orm_query_free(sub);
		return e;
	}
	if (!(e = expr_col_vals(ORM__QE_IN_QUERY, col, NULL, 0))) {
		orm_query_free(sub);
		return NULL;
	}
	e->sub = sub;
	return e;
}

orm_expr *orm_expr_exists_new(orm_query *sub)
{
	orm_expr *e;

	if ((e = sub_error("orm_expr_exists_new", sub)) != NULL) {
		orm_query_free(sub);
		return e;
	}
	if (!(e = expr_alloc(ORM__QE_EXISTS))) {
		orm_query_free(sub);
		return NULL;
	}
	e->sub = sub;
	return e;
}

static orm_expr *expr_null(const char *fn, orm__qe_kind kind, const char *col)
{
	if (!ident_ok(col))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	return expr_col_vals(kind, col, NULL, 0);
}

orm_expr *orm_expr_null(const char *col)
{
	return expr_null("orm_expr_null", ORM__QE_NULL, col);
}

orm_expr *orm_expr_not_null(const char *col)
{
	return expr_null("orm_expr_not_null", ORM__QE_NOT_NULL, col);
}

static orm_expr *expr_between(const char *fn, const char *col, const orm_value *lo, const orm_value *hi)
{
	orm_value v[2];

	if (!ident_ok(col))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	if (!qv_valid(lo) || !qv_valid(hi))
		return expr_error(ORM_EINVAL, "%s: invalid bound value (column \"%.64s\")", fn, col);
	v[0] = *lo;
	v[1] = *hi;
	return expr_col_vals(ORM__QE_BETWEEN, col, v, 2);
}

orm_expr *orm_expr_between(const char *col, orm_value lo, orm_value hi)
{
	return expr_between("orm_expr_between", col, &lo, &hi);
}

/*
 * Whether a raw fragment has n placeholders under the lexical rules of at
 * least one dialect (the fragment may be meant for one of them: `arr[?]`
 * on PostgreSQL, `$$..?..$$`, MariaDB `#` comments). The exact count is
 * checked per dialect when compiling. *cnt: the count under SQLite rules.
 */
static int raw_count_fits(const char *sql, size_t n, size_t *cnt)
{
	*cnt = orm__qraw_count(sql, ORM_DIALECT_SQLITE);
	return *cnt == n || orm__qraw_count(sql, ORM_DIALECT_POSTGRES) == n ||
	       orm__qraw_count(sql, ORM_DIALECT_MARIADB) == n;
}

/*
 * Check a raw fragment and its bindings.
 * @return NULL when fine, else an error node.
 */
static orm_expr *raw_error(const char *fn, const char *sql, const orm_value *binds, size_t n)
{
	size_t cnt, bad;

	if (!sql || !*sql)
		return expr_error(ORM_EINVAL, "%s: the SQL fragment is NULL or empty", fn);
	if (n > 0 && !binds)
		return expr_error(ORM_EINVAL, "%s: %zu bindings but the array is NULL", fn, n);
	if ((bad = qv_first_invalid(binds, n)) < n)
		return expr_error(ORM_EINVAL, "%s: binding %zu is invalid", fn, bad);
	if (!raw_count_fits(sql, n, &cnt))
		return expr_error(ORM_EINVAL, "%s: \"%.80s\" has %zu placeholders but %zu bindings", fn, sql,
				  cnt, n);
	return NULL;
}

static orm_expr *expr_raw(const char *fn, const char *sql, const orm_value *binds, size_t n)
{
	orm_expr *e = raw_error(fn, sql, binds, n);

	if (e)
		return e;
	return expr_col_vals(ORM__QE_RAW, sql, binds, n);
}

orm_expr *orm_expr_raw(const char *sql, const orm_value *binds, size_t n)
{
	return expr_raw("orm_expr_raw", sql, binds, n);
}

static int agg_ok(orm_agg agg)
{
	return agg >= ORM_AGG_COUNT && agg <= ORM_AGG_COUNT_DISTINCT;
}

/* col NULL is allowed for COUNT only (count(*)). */
static int agg_col_ok(orm_agg agg, const char *col)
{
	if (!col)
		return agg == ORM_AGG_COUNT;
	return ident_ok(col);
}

orm_expr *orm_expr_agg_cmp(orm_agg agg, const char *col, const char *op, orm_value v)
{
	static const char fn[] = "orm_expr_agg_cmp";
	orm_expr *e;
	int o;

	if (!agg_ok(agg))
		return expr_error(ORM_EINVAL, "%s: unknown aggregate %d", fn, (int)agg);
	if (!agg_col_ok(agg, col))
		return expr_error(ORM_EINVAL, "%s: column \"%.64s\" is invalid for this aggregate (NULL means * and is for count only)",
				  fn, show(col));
	if ((o = parse_op(op)) < 0)
		return expr_error(ORM_EINVAL, "%s: unknown operator \"%.32s\"", fn, show(op));
	if (!qv_valid(&v))
		return expr_error(ORM_EINVAL, "%s: invalid value (type %d)", fn, (int)v.type);
	e = expr_col_vals(ORM__QE_AGG_CMP, col, &v, 1);
	if (e) {
		e->op = (orm__qop)o;
		e->agg = agg;
	}
	return e;
}

/* and / or / not: an error child wins (the first one), a NULL child means ENOMEM. */
static orm_expr *expr_bool(orm__qe_kind kind, orm_expr *a, orm_expr *b)
{
	orm_expr *e;

	if (a && a->kind == ORM__QE_ERROR) {
		orm_expr_free(b);
		return a;
	}
	if (b && b->kind == ORM__QE_ERROR) {
		orm_expr_free(a);
		return b;
	}
	if (!a || (!b && kind != ORM__QE_NOT) || !(e = expr_alloc(kind))) {
		orm_expr_free(a);
		orm_expr_free(b);
		return NULL;
	}
	e->a = a;
	e->b = b;
	return e;
}

orm_expr *orm_expr_and(orm_expr *a, orm_expr *b)
{
	return expr_bool(ORM__QE_AND, a, b);
}

orm_expr *orm_expr_or(orm_expr *a, orm_expr *b)
{
	return expr_bool(ORM__QE_OR, a, b);
}

orm_expr *orm_expr_not(orm_expr *e)
{
	return expr_bool(ORM__QE_NOT, e, NULL);
}

/* ---- queries: errors ---- */

/* Record the first error (sticky) and return the query's error. */
static int qerr(orm_query *q, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);
static int qerr(orm_query *q, int code, const char *fmt, ...)
{
	va_list ap;

	if (q->err)
		return q->err;
	q->err = code;
	va_start(ap, fmt);
	vsnprintf(q->errmsg, sizeof(q->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

static int qnomem(orm_query *q, const char *fn)
{
	return qerr(q, ORM_ENOMEM, "%s: out of memory", fn);
}

int orm_query_error(const orm_query *q)
{
	return q ? q->err : ORM_EINVAL;
}

const char *orm_query_errmsg(const orm_query *q)
{
	if (!q)
		return "";
	if (q->err)
		return q->errmsg;
	return q->cerrmsg;
}

/* ---- queries: lifetime ---- */

orm_query *orm_query_new(const char *table)
{
	orm_query *q = orm__calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->limit = -1;
	q->offset = -1;
	if (table) {
		if (!ident_ok(table)) {
			qerr(q, ORM_EINVAL, "orm_query_new: table \"%.64s\" is empty or malformed", table);
		} else if (!(q->table = orm__strdup(table))) {
			orm__free(q);
			return NULL;
		}
	}
	return q;
}

static void free_sel(struct orm__qsel *s)
{
	orm__free(s->col);
	orm__free(s->alias);
	qv_free_array(s->vals, s->nvals);
}

static void free_conds(struct orm__qcond *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		orm_expr_free(c[i].e);
	orm__free(c);
}

void orm_query_free(orm_query *q)
{
	size_t i;

	if (!q)
		return;
	orm__free(q->table);
	orm__free(q->alias);
	for (i = 0; i < q->nsel; i++)
		free_sel(&q->sel[i]);
	orm__free(q->sel);
	for (i = 0; i < q->njoins; i++) {
		orm__free(q->joins[i].table);
		orm__free(q->joins[i].alias);
		orm_expr_free(q->joins[i].on);
	}
	orm__free(q->joins);
	free_conds(q->where, q->nwhere);
	free_strv(q->group, q->ngroup);
	free_conds(q->having, q->nhaving);
	for (i = 0; i < q->norder; i++) {
		orm__free(q->order[i].col);
		orm__free(q->order[i].raw);
	}
	orm__free(q->order);
	free_strv(q->icols, q->nicols);
	qv_free_array(q->rows, q->nrows * q->nicols);
	free_strv(q->ccols, q->nccols);
	free_strv(q->ucols, q->nucols);
	free_strv(q->ret, q->nret);
	for (i = 0; i < q->nsets; i++) {
		orm__free(q->sets[i].col);
		orm__qv_free(&q->sets[i].v);
	}
	orm__free(q->sets);
	orm__free(q->cparams);
	orm__free(q);
}

int orm_query_from_as(orm_query *q, const char *alias)
{
	char *a;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!alias || !*alias)
		return qerr(q, ORM_EINVAL, "orm_query_from_as: alias is NULL or empty");
	if (!q->table)
		return qerr(q, ORM_EINVAL, "orm_query_from_as: the query has no table");
	if (!(a = orm__strdup(alias)))
		return qnomem(q, "orm_query_from_as");
	orm__free(q->alias);
	q->alias = a;
	return 0;
}

/* ---- select list ---- */

static struct orm__qsel *sel_add(orm_query *q)
{
	struct orm__qsel *s;

	if (grow((void **)&q->sel, &q->asel, q->nsel + 1, sizeof(*q->sel)) < 0)
		return NULL;
	s = &q->sel[q->nsel];
	memset(s, 0, sizeof(*s));
	return s;
}

int orm_query_select(orm_query *q, const char *col)
{
	struct orm__qsel *s;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!ident_ok(col))
		return qerr(q, ORM_EINVAL, "orm_query_select: column \"%.64s\" is NULL, empty or malformed",
			    show(col));
	if (!(s = sel_add(q)) || !(s->col = orm__strdup(col)))
		return qnomem(q, "orm_query_select");
	s->kind = ORM__SEL_COL;
	q->nsel++;
	return 0;
}

int orm_query_select_as(orm_query *q, const char *col, const char *alias)
{
	struct orm__qsel *s;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!ident_ok(col) || !alias || !*alias)
		return qerr(q, ORM_EINVAL, "orm_query_select_as: column \"%.64s\" or alias \"%.64s\" is NULL, empty or malformed",
			    show(col), show(alias));
	if (!(s = sel_add(q)))
		return qnomem(q, "orm_query_select_as");
	if (!(s->col = orm__strdup(col)) || !(s->alias = orm__strdup(alias))) {
		free_sel(s);
		return qnomem(q, "orm_query_select_as");
	}
	s->kind = ORM__SEL_COL_AS;
	q->nsel++;
	return 0;
}

int orm_query_select_raw(orm_query *q, const char *sql, const orm_value *binds, size_t n)
{
	struct orm__qsel *s;
	orm_expr *e;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if ((e = raw_error("orm_query_select_raw", sql, binds, n)) != NULL) {
		qerr(q, e->err, "%s", e->errmsg ? e->errmsg : "orm_query_select_raw: invalid fragment");
		orm_expr_free(e);
		return q->err;
	}
	if (!(s = sel_add(q)))
		return qnomem(q, "orm_query_select_raw");
	if (!(s->col = orm__strdup(sql)) || qv_copy_array(&s->vals, binds, n) < 0) {
		free_sel(s);
		return qnomem(q, "orm_query_select_raw");
	}
	s->nvals = n;
	s->kind = ORM__SEL_RAW;
	q->nsel++;
	return 0;
}

int orm_query_select_agg(orm_query *q, orm_agg agg, const char *col, const char *alias)
{
	struct orm__qsel *s;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!agg_ok(agg))
		return qerr(q, ORM_EINVAL, "orm_query_select_agg: unknown aggregate %d", (int)agg);
	if (!agg_col_ok(agg, col))
		return qerr(q, ORM_EINVAL, "orm_query_select_agg: column \"%.64s\" is invalid for this aggregate (NULL means * and is for count only)",
			    show(col));
	if (alias && !*alias)
		return qerr(q, ORM_EINVAL, "orm_query_select_agg: alias is empty");
	if (!(s = sel_add(q)))
		return qnomem(q, "orm_query_select_agg");
	if ((col && !(s->col = orm__strdup(col))) || (alias && !(s->alias = orm__strdup(alias)))) {
		free_sel(s);
		return qnomem(q, "orm_query_select_agg");
	}
	s->kind = ORM__SEL_AGG;
	s->agg = agg;
	q->nsel++;
	return 0;
}

int orm_query_distinct(orm_query *q)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	q->distinct = 1;
	return 0;
}

/* ---- where / having ---- */

/* Append e (stolen) to a condition list; fn names the public call. */
static int cond_add(orm_query *q, struct orm__qcond **list, size_t *n, size_t *alloc, orm_expr *e,
		    int is_or, const char *fn)
{
	if (q->err) {
		orm_expr_free(e);
		return q->err;
	}
	if (!e)
		return qerr(q, ORM_ENOMEM, "%s: the expression is NULL (out of memory while building it?)", fn);
	if (e->kind == ORM__QE_ERROR) {
		if (e->errmsg && strncmp(e->errmsg, fn, strlen(fn)) == 0 && e->errmsg[strlen(fn)] == ':')
			qerr(q, e->err, "%s", e->errmsg);
		else
			qerr(q, e->err, "%s: %s", fn, e->errmsg ? e->errmsg : "out of memory");
		orm_expr_free(e);
		return q->err;
	}
	if (grow((void **)list, alloc, *n + 1, sizeof(**list)) < 0) {
		orm_expr_free(e);
		return qnomem(q, fn);
	}
	(*list)[*n].is_or = is_or;
	(*list)[*n].e = e;
	(*n)++;
	return 0;
}

static int where_add(orm_query *q, orm_expr *e, int is_or, const char *fn)
{
	return cond_add(q, &q->where, &q->nwhere, &q->awhere, e, is_or, fn);
}

int orm_query_where_new(orm_query *q, orm_expr *e)
{
	if (!q) {
		orm_expr_free(e);
		return ORM_EINVAL;
	}
	return where_add(q, e, 0, "orm_query_where_new");
}

int orm_query_or_where_new(orm_query *q, orm_expr *e)
{
	if (!q) {
		orm_expr_free(e);
		return ORM_EINVAL;
	}
	return where_add(q, e, 1, "orm_query_or_where_new");
}

int orm_query_where(orm_query *q, const char *col, const char *op, orm_value v)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_cmp("orm_query_where", col, op, &v), 0, "orm_query_where");
}

int orm_query_or_where(orm_query *q, const char *col, const char *op, orm_value v)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_cmp("orm_query_or_where", col, op, &v), 1, "orm_query_or_where");
}

int orm_query_where_in(orm_query *q, const char *col, const orm_value *vals, size_t n)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_in("orm_query_where_in", ORM__QE_IN, col, vals, n), 0,
			 "orm_query_where_in");
}

int orm_query_where_null(orm_query *q, const char *col)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_null("orm_query_where_null", ORM__QE_NULL, col), 0,
			 "orm_query_where_null");
}

int orm_query_where_not_null(orm_query *q, const char *col)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_null("orm_query_where_not_null", ORM__QE_NOT_NULL, col), 0,
			 "orm_query_where_not_null");
}

int orm_query_where_between(orm_query *q, const char *col, orm_value lo, orm_value hi)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_between("orm_query_where_between", col, &lo, &hi), 0,
			 "orm_query_where_between");
}

int orm_query_where_raw(orm_query *q, const char *sql, const orm_value *binds, size_t n)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return where_add(q, expr_raw("orm_query_where_raw", sql, binds, n), 0, "orm_query_where_raw");
}

int orm_query_having_new(orm_query *q, orm_expr *e)
{
	if (!q) {
		orm_expr_free(e);
		return ORM_EINVAL;
	}
	return cond_add(q, &q->having, &q->nhaving, &q->ahaving, e, 0, "orm_query_having_new");
}

/* ---- joins ---- */

static int join_type_ok(orm_join_type t)
{
	return t >= ORM_JOIN_INNER && t <= ORM_JOIN_CROSS;
}

/* Append a join; steals on (already checked). */
static int join_add(orm_query *q, orm_join_type type, const char *table, const char *alias,
		    orm_expr *on, const char *fn)
{
	struct orm__qjoin *j;

	if (grow((void **)&q->joins, &q->ajoins, q->njoins + 1, sizeof(*q->joins)) < 0) {
		orm_expr_free(on);
		return qnomem(q, fn);
	}
	j = &q->joins[q->njoins];
	memset(j, 0, sizeof(*j));
	if (!(j->table = orm__strdup(table)) || (alias && !(j->alias = orm__strdup(alias)))) {
		orm__free(j->table);
		orm__free(j->alias);
		orm_expr_free(on);
		return qnomem(q, fn);
	}
	j->type = type;
	j->on = on;
	q->njoins++;
	return 0;
}

int orm_query_join(orm_query *q, orm_join_type type, const char *table, const char *left,
		   const char *op, const char *right)
{
	static const char fn[] = "orm_query_join";
	orm_expr *on = NULL;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!join_type_ok(type))
		return qerr(q, ORM_EINVAL, "%s: unknown join type %d", fn, (int)type);
	if (!ident_ok(table))
		return qerr(q, ORM_EINVAL, "%s: table \"%.64s\" is NULL, empty or malformed", fn, show(table));
	if (type == ORM_JOIN_CROSS) {
		if (left || op || right)
			return qerr(q, ORM_EINVAL, "%s: a cross join takes no condition (pass NULL)", fn);
	} else {
		on = expr_cmp_col(fn, left, op, right);
		if (!on)
			return qnomem(q, fn);
		if (on->kind == ORM__QE_ERROR) {
			qerr(q, on->err, "%s", on->errmsg ? on->errmsg : "orm_query_join: out of memory");
			orm_expr_free(on);
			return q->err;
		}
	}
	return join_add(q, type, table, NULL, on, fn);
}

int orm_query_join_on_new(orm_query *q, orm_join_type type, const char *table, const char *alias,
			  orm_expr *on)
{
	static const char fn[] = "orm_query_join_on_new";

	if (!q) {
		orm_expr_free(on);
		return ORM_EINVAL;
	}
	if (q->err) {
		orm_expr_free(on);
		return q->err;
	}
	if (!join_type_ok(type)) {
		orm_expr_free(on);
		return qerr(q, ORM_EINVAL, "%s: unknown join type %d", fn, (int)type);
	}
	if (!ident_ok(table) || (alias && !*alias)) {
		orm_expr_free(on);
		return qerr(q, ORM_EINVAL, "%s: table \"%.64s\" or alias is empty or malformed", fn,
			    show(table));
	}
	if (type == ORM_JOIN_CROSS && on) {
		orm_expr_free(on);
		return qerr(q, ORM_EINVAL, "%s: a cross join takes no condition (pass NULL)", fn);
	}
	if (type != ORM_JOIN_CROSS) {
		if (!on)
			return qerr(q, ORM_ENOMEM, "%s: the ON expression is NULL (out of memory while building it?)",
				    fn);
		if (on->kind == ORM__QE_ERROR) {
			qerr(q, on->err, "%s: %s", fn, on->errmsg ? on->errmsg : "out of memory");
			orm_expr_free(on);
			return q->err;
		}
	}
	return join_add(q, type, table, alias, on, fn);
}

/* ---- grouping, ordering, paging ---- */

int orm_query_group_by(orm_query *q, const char *col)
{
	char *c;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!ident_ok(col))
		return qerr(q, ORM_EINVAL, "orm_query_group_by: column \"%.64s\" is NULL, empty or malformed",
			    show(col));
	if (grow((void **)&q->group, &q->agroup, q->ngroup + 1, sizeof(char *)) < 0 ||
	    !(c = orm__strdup(col)))
		return qnomem(q, "orm_query_group_by");
	q->group[q->ngroup++] = c;
	return 0;
}

static int order_add(orm_query *q, const char *col, const char *raw, int flags, const char *fn)
{
	struct orm__qorder *o;

	if (grow((void **)&q->order, &q->aorder, q->norder + 1, sizeof(*q->order)) < 0)
		return qnomem(q, fn);
	o = &q->order[q->norder];
	memset(o, 0, sizeof(*o));
	o->flags = flags;
	if ((col && !(o->col = orm__strdup(col))) || (raw && !(o->raw = orm__strdup(raw)))) {
		orm__free(o->col);
		orm__free(o->raw);
		return qnomem(q, fn);
	}
	q->norder++;
	return 0;
}

int orm_query_order_by(orm_query *q, const char *col, int flags)
{
	static const char fn[] = "orm_query_order_by";

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!ident_ok(col))
		return qerr(q, ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	if ((flags & ~(ORM_DESC | ORM_NULLS_FIRST | ORM_NULLS_LAST)) ||
	    ((flags & ORM_NULLS_FIRST) && (flags & ORM_NULLS_LAST)))
		return qerr(q, ORM_EINVAL, "%s: bad flags 0x%x for column \"%.64s\"", fn, (unsigned)flags, col);
	return order_add(q, col, NULL, flags, fn);
}

int orm_query_order_by_raw(orm_query *q, const char *sql)
{
	size_t cnt;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!sql || !*sql)
		return qerr(q, ORM_EINVAL, "orm_query_order_by_raw: the SQL fragment is NULL or empty");
	if (!raw_count_fits(sql, 0, &cnt))
		return qerr(q, ORM_EINVAL, "orm_query_order_by_raw: \"%.80s\" has placeholders but takes no bindings",
			    sql);
	return order_add(q, NULL, sql, 0, "orm_query_order_by_raw");
}

int orm_query_limit(orm_query *q, int64_t n)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	q->limit = n < 0 ? -1 : n;
	return 0;
}

int orm_query_offset(orm_query *q, int64_t n)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	q->offset = n < 0 ? -1 : n;
	return 0;
}

int orm_query_for_update(orm_query *q)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	q->for_update = 1;
	return 0;
}

/* ---- insert ---- */

static const char *type_name(orm__q_type t)
{
	switch (t) {
	case ORM__Q_INSERT: return "an insert";
	case ORM__Q_UPDATE: return "an update";
	case ORM__Q_DELETE: return "a delete";
	default: return "a select";
	}
}

/* Make the query of type t unless it is already another non-select type. */
static int set_type(orm_query *q, orm__q_type t, const char *fn)
{
	if (q->type != ORM__Q_SELECT && q->type != t)
		return qerr(q, ORM_EMISUSE, "%s: the query is already %s", fn, type_name(q->type));
	q->type = t;
	return 0;
}

int orm_query_insert(orm_query *q, const char *const *cols, size_t ncols)
{
	static const char fn[] = "orm_query_insert";
	char **v;
	size_t bad;
	int rc;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if ((rc = set_type(q, ORM__Q_INSERT, fn)) < 0)
		return rc;
	if (ncols > 0 && !cols)
		return qerr(q, ORM_EINVAL, "%s: %zu columns but the array is NULL", fn, ncols);
	if (q->nrows > 0 && ncols != q->nicols)
		return qerr(q, ORM_EINVAL, "%s: %zu rows of %zu columns were already added; cannot change to %zu columns",
			    fn, q->nrows, q->nicols, ncols);
	rc = copy_idents(&v, cols, ncols, &bad);
	if (rc == ORM_EINVAL)
		return qerr(q, rc, "%s: column %zu (\"%.64s\") is NULL, empty or malformed", fn, bad,
			    show(cols[bad]));
	if (rc < 0)
		return qnomem(q, fn);
	free_strv(q->icols, q->nicols);
	q->icols = v;
	q->nicols = ncols;
	q->has_icols = 1;
	return 0;
}

int orm_query_values_n(orm_query *q, const orm_value *vals, size_t n)
{
	static const char fn[] = "orm_query_values";
	size_t i, bad;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (q->type != ORM__Q_INSERT || !q->has_icols)
		return qerr(q, ORM_EMISUSE, "%s: call orm_query_insert first", fn);
	if (n != q->nicols)
		return qerr(q, ORM_EINVAL, "%s: row %zu has %zu values for %zu columns", fn, q->nrows + 1, n,
			    q->nicols);
	if (n > 0 && !vals)
		return qerr(q, ORM_EINVAL, "%s: row %zu: the values array is NULL", fn, q->nrows + 1);
	if ((bad = qv_first_invalid(vals, n)) < n)
		return qerr(q, ORM_EINVAL, "%s: row %zu: value %zu (column \"%.64s\") is invalid", fn,
			    q->nrows + 1, bad, q->icols[bad]);
	if (q->nicols > 0 && q->nrows + 1 > ((size_t)-1) / q->nicols)
		return qnomem(q, fn);
	if (grow((void **)&q->rows, &q->arows, (q->nrows + 1) * q->nicols, sizeof(orm_value)) < 0)
		return qnomem(q, fn);
	for (i = 0; i < n; i++) {
		if (qv_copy(&q->rows[q->nrows * n + i], &vals[i]) < 0) {
			while (i-- > 0)
				orm__qv_free(&q->rows[q->nrows * n + i]);
			return qnomem(q, fn);
		}
	}
	q->nrows++;
	return 0;
}

int orm_query_values(orm_query *q, const orm_value *vals)
{
	if (!q)
		return ORM_EINVAL;
	return orm_query_values_n(q, vals, q->nicols);
}

size_t orm_query_row_count(const orm_query *q)
{
	return q ? q->nrows : 0;
}

static int conflict_cols(orm_query *q, const char *const *cols, size_t ncols, const char *fn)
{
	char **v;
	size_t bad;
	int rc;

	if (ncols > 0 && !cols)
		return qerr(q, ORM_EINVAL, "%s: %zu conflict columns but the array is NULL", fn, ncols);
	rc = copy_idents(&v, cols, ncols, &bad);
	if (rc == ORM_EINVAL)
		return qerr(q, rc, "%s: conflict column %zu (\"%.64s\") is NULL, empty or malformed", fn, bad,
			    show(cols[bad]));
	if (rc < 0)
		return qnomem(q, fn);
	free_strv(q->ccols, q->nccols);
	q->ccols = v;
	q->nccols = ncols;
	return 0;
}

int orm_query_on_conflict_ignore(orm_query *q, const char *const *cols, size_t ncols)
{
	static const char fn[] = "orm_query_on_conflict_ignore";
	int rc;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if ((rc = set_type(q, ORM__Q_INSERT, fn)) < 0 || (rc = conflict_cols(q, cols, ncols, fn)) < 0)
		return rc;
	free_strv(q->ucols, q->nucols);
	q->ucols = NULL;
	q->nucols = 0;
	q->ucols_all = 0;
	q->conflict = ORM__CONFLICT_IGNORE;
	return 0;
}

int orm_query_on_conflict_merge(orm_query *q, const char *const *cols, size_t ncols,
				const char *const *update_cols, size_t nupdate)
{
	static const char fn[] = "orm_query_on_conflict_merge";
	char **v = NULL;
	size_t bad;
	int rc;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if ((rc = set_type(q, ORM__Q_INSERT, fn)) < 0)
		return rc;
	if (ncols == 0)
		return qerr(q, ORM_EINVAL, "%s: the conflict columns are required (the unique key to merge on)", fn);
	if (update_cols && nupdate == 0)
		return qerr(q, ORM_EINVAL, "%s: update_cols is empty (pass NULL to update every inserted column)", fn);
	if (update_cols) {
		rc = copy_idents(&v, update_cols, nupdate, &bad);
		if (rc == ORM_EINVAL)
			return qerr(q, rc, "%s: update column %zu (\"%.64s\") is NULL, empty or malformed", fn,
				    bad, show(update_cols[bad]));
		if (rc < 0)
			return qnomem(q, fn);
	}
	if ((rc = conflict_cols(q, cols, ncols, fn)) < 0) {
		free_strv(v, nupdate);
		return rc;
	}
	free_strv(q->ucols, q->nucols);
	q->ucols = v;
	q->nucols = update_cols ? nupdate : 0;
	q->ucols_all = update_cols == NULL;
	q->conflict = ORM__CONFLICT_MERGE;
	return 0;
}

int orm_query_returning(orm_query *q, const char *col)
{
	char *c;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	if (!ident_ok(col))
		return qerr(q, ORM_EINVAL, "orm_query_returning: column \"%.64s\" is NULL, empty or malformed",
			    show(col));
	if (grow((void **)&q->ret, &q->aret, q->nret + 1, sizeof(char *)) < 0 || !(c = orm__strdup(col)))
		return qnomem(q, "orm_query_returning");
	q->ret[q->nret++] = c;
	return 0;
}

/* ---- update / delete ---- */

int orm_query_update(orm_query *q)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return set_type(q, ORM__Q_UPDATE, "orm_query_update");
}

/* Set col (replacing an earlier assignment of the same column). */
static int set_add(orm_query *q, const char *col, int incr, const orm_value *v, const char *fn)
{
	struct orm__qset *s = NULL;
	orm_value copy;
	size_t i;
	int rc;

	if ((rc = set_type(q, ORM__Q_UPDATE, fn)) < 0)
		return rc;
	if (!ident_ok(col))
		return qerr(q, ORM_EINVAL, "%s: column \"%.64s\" is NULL, empty or malformed", fn, show(col));
	if (!qv_valid(v))
		return qerr(q, ORM_EINVAL, "%s: invalid value (type %d) for column \"%.64s\"", fn,
			    (int)v->type, col);
	if (qv_copy(&copy, v) < 0)
		return qnomem(q, fn);
	for (i = 0; i < q->nsets; i++) {
		if (strcmp(q->sets[i].col, col) == 0) {
			s = &q->sets[i];
			break;
		}
	}
	if (!s) {
		if (grow((void **)&q->sets, &q->asets, q->nsets + 1, sizeof(*q->sets)) < 0) {
			orm__qv_free(&copy);
			return qnomem(q, fn);
		}
		s = &q->sets[q->nsets];
		memset(s, 0, sizeof(*s));
		if (!(s->col = orm__strdup(col))) {
			orm__qv_free(&copy);
			return qnomem(q, fn);
		}
		q->nsets++;
	} else {
		orm__qv_free(&s->v);
	}
	s->incr = incr;
	s->v = copy;
	return 0;
}

int orm_query_set(orm_query *q, const char *col, orm_value v)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return set_add(q, col, 0, &v, "orm_query_set");
}

int orm_query_increment(orm_query *q, const char *col, int64_t by)
{
	orm_value v;
	int incr = 1;

	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	/* col - |by| reads better for a decrement; INT64_MIN has no positive twin */
	if (by < 0 && by != INT64_MIN) {
		incr = -1;
		by = -by;
	}
	v = orm_int(by);
	return set_add(q, col, incr, &v, "orm_query_increment");
}

int orm_query_delete(orm_query *q)
{
	if (!q)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	return set_type(q, ORM__Q_DELETE, "orm_query_delete");
}

/* ---- compile and run ---- */

int orm_query_compile(const orm_query *q, orm_dialect d, orm_buf *sql, const orm_value **params,
		      int *nparams)
{
	int n = 0, rc;

	if (params)
		*params = NULL;
	if (nparams)
		*nparams = 0;
	rc = orm__query_compile_ex(q, d, sql, 1, 0, NULL, 0, 0, &n);
	if (rc < 0)
		return rc;
	if (params)
		*params = n > 0 ? q->cparams : NULL;
	if (nparams)
		*nparams = n;
	return 0;
}

int orm_query_to_sql(const orm_query *q, orm_dialect d, orm_buf *out)
{
	int n;

	return orm__query_compile_ex(q, d, out, 0, 1, NULL, 0, 0, &n);
}

/* Compile (rows [row0, row0+nrow) of an insert; nrow 0 = all), prepare and bind. */
static int exec_part(orm_stmt **out, orm_conn *conn, const orm_query *q, const char *returning,
		     size_t row0, size_t nrow)
{
	orm_buf sql = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	int n = 0, rc;

	*out = NULL;
	rc = orm__query_compile_ex(q, orm_conn_dialect(conn), &sql, 0, 0, returning, row0, nrow, &n);
	if (rc < 0) {
		orm__err(conn, rc, "%s", orm_query_errmsg(q));
		goto out;
	}
	if ((rc = orm_prepare(&st, conn, sql.ptr)) < 0)
		goto out;
	if (orm_stmt_param_count(st) != n) {
		rc = orm__err(conn, ORM_EINVAL,
			      "query builder: the compiled SQL has %d placeholders but %d parameters (a raw fragment the driver reads differently?)",
			      orm_stmt_param_count(st), n);
		goto out;
	}
	if (n > 0 && (rc = orm_bind_values(st, q->cparams, n, ORM_BIND_COPY)) < 0)
		goto out;
	*out = st;
	st = NULL;
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	return rc;
}

/* Shared argument checks; records the builder error on the connection. */
static int run_check(orm_conn *conn, const orm_query *q, const char *fn)
{
	if (!conn)
		return ORM_EINVAL;
	orm__err_clear(conn);
	if (!q)
		return orm__err(conn, ORM_EINVAL, "%s: query is NULL", fn);
	if (q->err)
		return orm__err(conn, q->err, "%s", q->errmsg);
	return 0;
}

int orm_query_exec(orm_stmt **out, orm_conn *conn, const orm_query *q)
{
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if ((rc = run_check(conn, q, "orm_query_exec")) < 0)
		return rc;
	return exec_part(out, conn, q, NULL, 0, 0);
}

/*
 * Rows per statement for an insert, under the dialect's parameter limit;
 * 0 means "all in one statement".
 */
static size_t insert_chunk_rows(orm_conn *conn, const orm_query *q)
{
	int maxp = orm_conn_max_params(conn);
	size_t per;

	if (q->type != ORM__Q_INSERT || q->nicols == 0 || maxp <= 0)
		return 0;
	if (q->nrows * q->nicols <= (size_t)maxp)
		return 0;
	per = (size_t)maxp / q->nicols;
	return per ? per : 1;
}

/* Roll back, keeping the statement's error detail rather than the rollback's. */
static void rollback_keep_error(orm_conn *conn)
{
	const orm_error *e = orm_conn_error(conn);
	char msg[512], state[8], schema[128], table[128], column[128], constraint[128];
	orm_sys_errinfo info;

	memset(&info, 0, sizeof(info));
	info.code = e->code;
	info.native_code = e->native_code;
	info.offset = e->offset;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "");
	snprintf(state, sizeof(state), "%s", e->sqlstate ? e->sqlstate : "");
	snprintf(schema, sizeof(schema), "%s", e->schema ? e->schema : "");
	snprintf(table, sizeof(table), "%s", e->table ? e->table : "");
	snprintf(column, sizeof(column), "%s", e->column ? e->column : "");
	snprintf(constraint, sizeof(constraint), "%s", e->constraint ? e->constraint : "");
	orm_rollback(conn);
	if (!info.code)
		return;
	info.sqlstate = *state ? state : NULL;
	info.schema = *schema ? schema : NULL;
	info.table = *table ? table : NULL;
	info.column = *column ? column : NULL;
	info.constraint = *constraint ? constraint : NULL;
	orm_sys_error(conn, &info, "%s", msg);
}

/*
 * Run every part of the query; for each statement, step every row,
 * handing it to on_row (may be NULL). Adds the changes to *affected.
 */
static int run_parts(orm_conn *conn, const orm_query *q, const char *returning, int64_t *affected,
		     int (*on_row)(orm_stmt *, void *), void *payload)
{
	size_t chunk = insert_chunk_rows(conn, q), row0 = 0;
	int rc = 0, tx = 0;
	orm_stmt *st = NULL;

	if (affected)
		*affected = 0;
	if (chunk && (rc = orm_begin(conn)) < 0)
		return rc;
	tx = chunk != 0;
	do {
		size_t nrow = chunk && row0 + chunk < q->nrows ? chunk : (chunk ? q->nrows - row0 : 0);

		if ((rc = exec_part(&st, conn, q, returning, row0, nrow)) < 0)
			goto out;
		while ((rc = orm_stmt_step(st)) == ORM_ROW) {
			if (on_row && (rc = on_row(st, payload)) < 0)
				goto out;
		}
		if (rc != ORM_DONE)
			goto out;
		rc = 0;
		if (affected)
			*affected += orm_stmt_changes(st);
		orm_stmt_free(st);
		st = NULL;
		row0 += nrow;
	} while (chunk && row0 < q->nrows);
out:
	orm_stmt_free(st);
	if (tx) {
		if (rc < 0)
			rollback_keep_error(conn);
		else
			rc = orm_commit(conn);
	}
	return rc;
}

int orm_query_run(orm_conn *conn, const orm_query *q, int64_t *affected)
{
	int rc;

	if (affected)
		*affected = 0;
	if ((rc = run_check(conn, q, "orm_query_run")) < 0)
		return rc;
	return run_parts(conn, q, NULL, affected, NULL, NULL);
}

struct ids_acc {
	int64_t *ids;
	size_t n, alloc;
};

static int collect_id(orm_stmt *st, void *payload)
{
	struct ids_acc *acc = payload;

	if (grow((void **)&acc->ids, &acc->alloc, acc->n + 1, sizeof(int64_t)) < 0)
		return orm__err(orm_sys_stmt_conn(st), ORM_ENOMEM, "orm_query_insert_ids: out of memory");
	acc->ids[acc->n++] = orm_column_int(st, 0);
	return 0;
}

int orm_query_insert_ids(orm_conn *conn, const orm_query *q, const char *id_col, int64_t **ids,
			 size_t *nids)
{
	struct ids_acc acc = { NULL, 0, 0 };
	int rc;

	if (ids)
		*ids = NULL;
	if (nids)
		*nids = 0;
	if ((rc = run_check(conn, q, "orm_query_insert_ids")) < 0)
		return rc;
	if (!ids || !nids || !ident_ok(id_col))
		return orm__err(conn, ORM_EINVAL, "orm_query_insert_ids: ids, nids and id_col are required");
	if (q->type != ORM__Q_INSERT)
		return orm__err(conn, ORM_EINVAL, "orm_query_insert_ids: the query is not an insert");
	rc = run_parts(conn, q, id_col, NULL, collect_id, &acc);
	if (rc < 0) {
		orm__free(acc.ids);
		return rc;
	}
	*ids = acc.ids;
	*nids = acc.n;
	return 0;
}
