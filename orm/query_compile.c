/*
 * Query compilers: one walk over the builder's structures, with the
 * dialect differences at the points where they occur. Keywords are lower
 * case, like Knex: `select "id" from "users" where "age" > ?`.
 *
 * Per dialect:
 * - identifiers "x" (PostgreSQL, SQLite) or `x` (MariaDB), part by part
 *   (orm_quote_ident);
 * - placeholders `?`, or $1..$n on PostgreSQL from orm_query_compile();
 *   orm_query_exec() compiles with `?` and lets orm_prepare() number them,
 *   so the statement cache sees one text per query shape;
 * - limit and offset are bound parameters (so every page of a listing
 *   reuses one prepared statement); an offset without a limit needs a
 *   limit on SQLite (`limit -1`) and MariaDB (`limit 18446744073709551615`);
 * - nulls first/last: native on PostgreSQL and SQLite (3.30+), emulated on
 *   MariaDB with `col is null desc|asc` before the column;
 * - ilike: native on PostgreSQL, `lower(a) like lower(b)` elsewhere;
 * - right join is emitted on every dialect; SQLite before 3.39 rejects it
 *   when the statement is prepared (the compiler has no connection);
 * - upsert: `on conflict (...) do nothing | do update set c = excluded.c`
 *   (PostgreSQL, SQLite), `on duplicate key update c = values(c)` or
 *   `k = k` for "ignore" (MariaDB);
 * - returning on every dialect for insert and delete; MariaDB has no
 *   UPDATE ... RETURNING (ORM_EUNSUPPORTED); a DELETE with a table alias
 *   becomes `delete a from t as a` there (and cannot have RETURNING);
 * - for update: PostgreSQL and MariaDB; ignored on SQLite.
 *
 * Parenthesis rules for conditions: an and/or group is parenthesized
 * unless it is the whole condition or continues a group of the same
 * kind; a raw fragment is parenthesized unless it is the whole
 * condition; not() always writes `not (...)`. A where list joins its
 * items with and/or left to right like Knex (SQL precedence applies:
 * `a or b and c` is `a or (b and c)`); use orm_expr_and/orm_expr_or
 * groups to say otherwise.
 */
#include "orm/query_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t orm__qraw_count(const char *sql, orm_dialect d)
{
	size_t n = 0, i = 0;

	while ((i = orm__qraw_next_placeholder(sql, i, d)) != (size_t)-1) {
		n++;
		i++;
	}
	return n;
}

/* ---- compile context ---- */

struct cctx {
	orm_query *root;        /* owns the parameter cache (written through const) */
	orm_dialect d;
	int numbered;           /* $n on PostgreSQL */
	int literal;            /* inline values (to_sql) */
	orm_buf *out;
	size_t np;              /* parameters so far */
	const char *returning;  /* override of the RETURNING list */
	size_t row0, nrow;      /* insert rows to compile */
	int failed;
};

static int cerr(struct cctx *c, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);
static int cerr(struct cctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		c->failed = 1;
		va_start(ap, fmt);
		vsnprintf(c->root->cerrmsg, sizeof(c->root->cerrmsg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static int nomem(struct cctx *c)
{
	return cerr(c, ORM_ENOMEM, "orm_query_compile: out of memory");
}

static int put(struct cctx *c, const char *s)
{
	return orm_buf_puts(c->out, s) < 0 ? nomem(c) : 0;
}

static int putn(struct cctx *c, const char *s, size_t n)
{
	return orm_buf_put(c->out, s, n) < 0 ? nomem(c) : 0;
}

/* A possibly dotted identifier, quoted part by part ("*" and "t.*" kept). */
static int ident(struct cctx *c, const char *name)
{
	int rc = orm_quote_ident(c->out, c->d, name);

	if (rc == ORM_ENOMEM)
		return nomem(c);
	if (rc < 0)
		return cerr(c, rc, "orm_query_compile: identifier \"%.64s\" is not valid for %s (empty part, NUL byte or too long)",
			    name, orm_dialect_name(c->d));
	return 0;
}

/* A single-part name (alias): dots are part of the name. */
static int ident_part(struct cctx *c, const char *name)
{
	int rc = orm__quote_part(c->out, c->d, name, strlen(name));

	if (rc == ORM_ENOMEM)
		return nomem(c);
	if (rc < 0)
		return cerr(c, rc, "orm_query_compile: alias \"%.64s\" is not valid for %s (empty, NUL byte or too long)",
			    name, orm_dialect_name(c->d));
	return 0;
}

/* ---- literals (orm_query_to_sql only) ---- */

static int is_plain_decimal(const char *s, size_t len)
{
	size_t i = 0, digits = 0, dots = 0;

	if (len > 0 && s[0] == '-')
		i++;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && dots++ == 0)
			continue;
		else
			return 0;
	}
	return digits > 0;
}

static int put_string_literal(struct cctx *c, const char *s, size_t len)
{
	size_t i, start = 0;
	int rc;

	if ((rc = put(c, "'")) < 0)
		return rc;
	for (i = 0; i < len; i++) {
		const char *esc = NULL;
		if (s[i] == '\'')
			esc = "''";
		else if (s[i] == '\\' && c->d == ORM_DIALECT_MARIADB)
			esc = "\\\\"; /* MariaDB strings take backslash escapes */
		if (esc) {
			if ((rc = putn(c, s + start, i - start)) < 0 || (rc = put(c, esc)) < 0)
				return rc;
			start = i + 1;
		}
	}
	if ((rc = putn(c, s + start, len - start)) < 0)
		return rc;
	return put(c, "'");
}

static int put_literal(struct cctx *c, const orm_value *v)
{
	static const char hex[] = "0123456789abcdef";
	char num[64];
	size_t i;
	int rc;

	switch (v->type) {
	case ORM_TYPE_NULL:
		return put(c, "null");
	case ORM_TYPE_BOOL:
		if (c->d == ORM_DIALECT_POSTGRES)
			return put(c, v->u.b ? "true" : "false");
		return put(c, v->u.b ? "1" : "0");
	case ORM_TYPE_INT:
		orm__fmt_int64(num, v->u.i);
		return put(c, num);
	case ORM_TYPE_DOUBLE:
		if (!isfinite(v->u.d)) {
			snprintf(num, sizeof(num), "%g", v->u.d);
			return put_string_literal(c, num, strlen(num));
		}
		snprintf(num, sizeof(num), "%.15g", v->u.d);
		if (strtod(num, NULL) != v->u.d)
			snprintf(num, sizeof(num), "%.17g", v->u.d);
		return put(c, num);
	case ORM_TYPE_DECIMAL:
		if (is_plain_decimal(v->u.s.ptr, v->u.s.len))
			return putn(c, v->u.s.ptr, v->u.s.len);
		return put_string_literal(c, v->u.s.ptr, v->u.s.len);
	case ORM_TYPE_BLOB:
		rc = put(c, c->d == ORM_DIALECT_POSTGRES ? "'\\x" : "X'");
		for (i = 0; rc == 0 && i < v->u.s.len; i++) {
			unsigned char b = (unsigned char)v->u.s.ptr[i];
			char h[2] = { hex[b >> 4], hex[b & 15] };
			rc = putn(c, h, 2);
		}
		if (rc == 0)
			rc = put(c, c->d == ORM_DIALECT_POSTGRES ? "'::bytea" : "'");
		return rc;
	default:
		return put_string_literal(c, v->u.s.ptr, v->u.s.len);
	}
}

/* ---- parameters ---- */

static int emit_param(struct cctx *c, const orm_value *v)
{
	orm_query *q = c->root;
	char num[32];
	int rc;

	if (c->np >= q->acparams) {
		size_t n = q->acparams ? q->acparams * 2 : 16;
		orm_value *p;
		if (n > ((size_t)-1) / sizeof(orm_value) ||
		    !(p = orm__realloc(q->cparams, n * sizeof(orm_value))))
			return nomem(c);
		q->cparams = p;
		q->acparams = n;
	}
	q->cparams[c->np++] = *v;
	if (c->literal)
		return put_literal(c, v);
	if (c->numbered && c->d == ORM_DIALECT_POSTGRES) {
		snprintf(num, sizeof(num), "$%zu", c->np);
		rc = put(c, num);
	} else {
		rc = put(c, "?");
	}
	return rc;
}

static int emit_int_param(struct cctx *c, int64_t i)
{
	orm_value v = orm_int(i);

	return emit_param(c, &v);
}

/* A raw fragment: its `?` become parameters, in order, with the rest. */
static int emit_raw(struct cctx *c, const char *sql, const orm_value *vals, size_t n)
{
	size_t pos = 0, at, i = 0, cnt;
	int rc;

	cnt = orm__qraw_count(sql, c->d);
	if (cnt != n)
		return cerr(c, ORM_EINVAL, "orm_query_compile: raw fragment \"%.80s\" has %zu placeholders for %s but %zu bindings",
			    sql, cnt, orm_dialect_name(c->d), n);
	while ((at = orm__qraw_next_placeholder(sql, pos, c->d)) != (size_t)-1) {
		if ((rc = putn(c, sql + pos, at - pos)) < 0 || (rc = emit_param(c, &vals[i++])) < 0)
			return rc;
		pos = at + 1;
	}
	return put(c, sql + pos);
}

/* ---- expressions ---- */

static const char *const op_sql[] = {
	"=", "<>", "!=", "<", "<=", ">", ">=", "like", "not like", "ilike", "not ilike"
};

/* ilike without native support: lower(a) like lower(b) */
static int ci_emulated(struct cctx *c, orm__qop op)
{
	return (op == ORM__OP_ILIKE || op == ORM__OP_NOT_ILIKE) && c->d != ORM_DIALECT_POSTGRES;
}

static int cmp_open(struct cctx *c, orm__qop op)
{
	return ci_emulated(c, op) ? put(c, "lower(") : 0;
}

static int cmp_mid(struct cctx *c, orm__qop op)
{
	int rc;

	if (ci_emulated(c, op))
		return put(c, op == ORM__OP_ILIKE ? ") like lower(" : ") not like lower(");
	if ((rc = put(c, " ")) < 0 || (rc = put(c, op_sql[op])) < 0)
		return rc;
	return put(c, " ");
}

static int cmp_close(struct cctx *c, orm__qop op)
{
	return ci_emulated(c, op) ? put(c, ")") : 0;
}

static int emit_agg(struct cctx *c, orm_agg agg, const char *col)
{
	static const char *const names[] = { "", "count(", "sum(", "avg(", "min(", "max(", "count(distinct " };
	int rc;

	if (agg < ORM_AGG_COUNT || agg > ORM_AGG_COUNT_DISTINCT)
		return cerr(c, ORM_EINVAL, "orm_query_compile: unknown aggregate %d", (int)agg);
	if ((rc = put(c, names[agg])) < 0)
		return rc;
	rc = col ? ident(c, col) : put(c, "*");
	if (rc < 0)
		return rc;
	return put(c, ")");
}

static int compile_select(struct cctx *c, const orm_query *q);

/* Parent contexts for compile_expr besides ORM__QE_AND / ORM__QE_OR. */
enum { CTX_TOP = -1, CTX_LIST = -2 };

static int compile_expr(struct cctx *c, const orm_expr *e, int parent)
{
	int rc = 0, paren = 0;
	size_t i;

	if (e->kind == ORM__QE_AND || e->kind == ORM__QE_OR)
		paren = parent != CTX_TOP && parent != (int)e->kind;
	else if (e->kind == ORM__QE_RAW)
		paren = parent != CTX_TOP;
	if (paren && (rc = put(c, "(")) < 0)
		return rc;

	switch (e->kind) {
	case ORM__QE_CMP:
		if (e->vals[0].type == ORM_TYPE_NULL &&
		    (e->op == ORM__OP_EQ || e->op == ORM__OP_NE || e->op == ORM__OP_NE2)) {
			/* = NULL is never true: mean what the caller meant */
			if ((rc = ident(c, e->col)) == 0)
				rc = put(c, e->op == ORM__OP_EQ ? " is null" : " is not null");
			break;
		}
		if ((rc = cmp_open(c, e->op)) < 0 || (rc = ident(c, e->col)) < 0 ||
		    (rc = cmp_mid(c, e->op)) < 0 || (rc = emit_param(c, &e->vals[0])) < 0)
			break;
		rc = cmp_close(c, e->op);
		break;
	case ORM__QE_CMP_COL:
		if ((rc = cmp_open(c, e->op)) < 0 || (rc = ident(c, e->col)) < 0 ||
		    (rc = cmp_mid(c, e->op)) < 0 || (rc = ident(c, e->col2)) < 0)
			break;
		rc = cmp_close(c, e->op);
		break;
	case ORM__QE_IN:
	case ORM__QE_NOT_IN:
		if (e->nvals == 0) {
			/* empty list: in () is false, not in () is true */
			rc = put(c, e->kind == ORM__QE_IN ? "1 = 0" : "1 = 1");
			break;
		}
		if ((rc = ident(c, e->col)) < 0 ||
		    (rc = put(c, e->kind == ORM__QE_IN ? " in (" : " not in (")) < 0)
			break;
		for (i = 0; i < e->nvals && rc == 0; i++) {
			if (i > 0 && (rc = put(c, ", ")) < 0)
				break;
			rc = emit_param(c, &e->vals[i]);
		}
		if (rc == 0)
			rc = put(c, ")");
		break;
	case ORM__QE_IN_QUERY:
		if ((rc = ident(c, e->col)) < 0 || (rc = put(c, " in (")) < 0 ||
		    (rc = compile_select(c, e->sub)) < 0)
			break;
		rc = put(c, ")");
		break;
	case ORM__QE_EXISTS:
		if ((rc = put(c, "exists (")) < 0 || (rc = compile_select(c, e->sub)) < 0)
			break;
		rc = put(c, ")");
		break;
	case ORM__QE_NULL:
	case ORM__QE_NOT_NULL:
		if ((rc = ident(c, e->col)) == 0)
			rc = put(c, e->kind == ORM__QE_NULL ? " is null" : " is not null");
		break;
	case ORM__QE_BETWEEN:
		if ((rc = ident(c, e->col)) < 0 || (rc = put(c, " between ")) < 0 ||
		    (rc = emit_param(c, &e->vals[0])) < 0 || (rc = put(c, " and ")) < 0)
			break;
		rc = emit_param(c, &e->vals[1]);
		break;
	case ORM__QE_RAW:
		rc = emit_raw(c, e->col, e->vals, e->nvals);
		break;
	case ORM__QE_AGG_CMP:
		if ((rc = cmp_open(c, e->op)) < 0 || (rc = emit_agg(c, e->agg, e->col)) < 0 ||
		    (rc = cmp_mid(c, e->op)) < 0 || (rc = emit_param(c, &e->vals[0])) < 0)
			break;
		rc = cmp_close(c, e->op);
		break;
	case ORM__QE_AND:
	case ORM__QE_OR:
		if ((rc = compile_expr(c, e->a, (int)e->kind)) < 0 ||
		    (rc = put(c, e->kind == ORM__QE_AND ? " and " : " or ")) < 0)
			break;
		rc = compile_expr(c, e->b, (int)e->kind);
		break;
	case ORM__QE_NOT:
		if ((rc = put(c, "not (")) < 0 || (rc = compile_expr(c, e->a, CTX_TOP)) < 0)
			break;
		rc = put(c, ")");
		break;
	default:
		rc = cerr(c, ORM_EINVAL, "orm_query_compile: bad expression node %d", (int)e->kind);
		break;
	}
	if (rc == 0 && paren)
		rc = put(c, ")");
	return rc;
}

/* " where a and b or c": items joined left to right. */
static int compile_conds(struct cctx *c, const char *keyword, const struct orm__qcond *list, size_t n)
{
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = put(c, keyword)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (i > 0 && (rc = put(c, list[i].is_or ? " or " : " and ")) < 0)
			return rc;
		if ((rc = compile_expr(c, list[i].e, n > 1 ? CTX_LIST : CTX_TOP)) < 0)
			return rc;
	}
	return 0;
}

/* ---- clause checks ---- */

enum {
	CL_SELECT = 1 << 0,   /* select list, distinct */
	CL_JOIN = 1 << 1,
	CL_WHERE = 1 << 2,
	CL_GROUP = 1 << 3,    /* group by, having */
	CL_ORDER = 1 << 4,    /* order by, limit, offset, for update */
	CL_INSERT = 1 << 5,   /* columns, rows, conflict */
	CL_SET = 1 << 6,
	CL_RETURNING = 1 << 7,
	CL_ALIAS = 1 << 8
};

static int check_clauses(struct cctx *c, const orm_query *q, unsigned allowed, const char *what)
{
	const char *bad = NULL;

	if (!(allowed & CL_SELECT) && (q->nsel || q->distinct))
		bad = "a select list or distinct";
	else if (!(allowed & CL_JOIN) && q->njoins)
		bad = "joins";
	else if (!(allowed & CL_WHERE) && q->nwhere)
		bad = "a where clause";
	else if (!(allowed & CL_GROUP) && (q->ngroup || q->nhaving))
		bad = "group by or having";
	else if (!(allowed & CL_ORDER) &&
		 (q->norder || q->limit >= 0 || q->offset >= 0 || q->for_update))
		bad = "order by, limit, offset or for update";
	else if (!(allowed & CL_INSERT) && (q->has_icols || q->nrows || q->conflict))
		bad = "insert columns, rows or on conflict";
	else if (!(allowed & CL_SET) && q->nsets)
		bad = "set columns";
	else if (!(allowed & CL_RETURNING) && q->nret)
		bad = "returning (it is for insert, update and delete)";
	else if (!(allowed & CL_ALIAS) && q->alias)
		bad = "a table alias";
	if (bad)
		return cerr(c, ORM_EINVAL, "orm_query_compile: %s query cannot have %s", what, bad);
	return 0;
}

static int compile_returning(struct cctx *c, const orm_query *q, int top)
{
	size_t i, n = c->returning && top ? 1 : q->nret;
	int rc;

	if (n == 0)
		return 0;
	if (q->type == ORM__Q_UPDATE && c->d == ORM_DIALECT_MARIADB)
		return cerr(c, ORM_EUNSUPPORTED,
			    "orm_query_returning: MariaDB has no UPDATE ... RETURNING (insert and delete only)");
	if ((rc = put(c, " returning ")) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (i > 0 && (rc = put(c, ", ")) < 0)
			return rc;
		if ((rc = ident(c, c->returning && top ? c->returning : q->ret[i])) < 0)
			return rc;
	}
	return 0;
}

static int table_ref(struct cctx *c, const char *table, const char *alias)
{
	int rc;

	if ((rc = ident(c, table)) < 0 || !alias)
		return rc;
	if ((rc = put(c, " as ")) < 0)
		return rc;
	return ident_part(c, alias);
}

/* ---- select ---- */

static int compile_order(struct cctx *c, const orm_query *q)
{
	size_t i;
	int rc;

	if (q->norder == 0)
		return 0;
	if ((rc = put(c, " order by ")) < 0)
		return rc;
	for (i = 0; i < q->norder; i++) {
		const struct orm__qorder *o = &q->order[i];
		int nf = o->flags & ORM_NULLS_FIRST, nl = o->flags & ORM_NULLS_LAST;
		const char *dir = (o->flags & ORM_DESC) ? " desc" : " asc";

		if (i > 0 && (rc = put(c, ", ")) < 0)
			return rc;
		if (o->raw) {
			if ((rc = put(c, o->raw)) < 0)
				return rc;
			continue;
		}
		if (c->d == ORM_DIALECT_MARIADB && (nf || nl)) {
			/* is null is 1 for nulls: desc puts them first */
			if ((rc = ident(c, o->col)) < 0 ||
			    (rc = put(c, nf ? " is null desc, " : " is null asc, ")) < 0)
				return rc;
		}
		if ((rc = ident(c, o->col)) < 0 || (rc = put(c, dir)) < 0)
			return rc;
		if (c->d != ORM_DIALECT_MARIADB && (nf || nl) &&
		    (rc = put(c, nf ? " nulls first" : " nulls last")) < 0)
			return rc;
	}
	return 0;
}

static int compile_limit(struct cctx *c, const orm_query *q)
{
	int rc;

	if (q->limit >= 0) {
		if ((rc = put(c, " limit ")) < 0 || (rc = emit_int_param(c, q->limit)) < 0)
			return rc;
	} else if (q->offset >= 0) {
		if (c->d == ORM_DIALECT_SQLITE)
			rc = put(c, " limit -1");
		else if (c->d == ORM_DIALECT_MARIADB)
			rc = put(c, " limit 18446744073709551615");
		else
			rc = 0;
		if (rc < 0)
			return rc;
	}
	if (q->offset >= 0 &&
	    ((rc = put(c, " offset ")) < 0 || (rc = emit_int_param(c, q->offset)) < 0))
		return rc;
	return 0;
}

static int compile_select(struct cctx *c, const orm_query *q)
{
	static const char *const join_kw[] = { "", " inner join ", " left join ", " right join ", " cross join " };
	size_t i;
	int rc;

	if (q->type != ORM__Q_SELECT)
		return cerr(c, ORM_EINVAL, "orm_query_compile: a subquery must be a select");
	if ((rc = check_clauses(c, q, CL_SELECT | CL_JOIN | CL_WHERE | CL_GROUP | CL_ORDER | CL_ALIAS,
				"a select")) < 0)
		return rc;
	if ((rc = put(c, q->distinct ? "select distinct " : "select ")) < 0)
		return rc;
	if (q->nsel == 0 && (rc = put(c, "*")) < 0)
		return rc;
	for (i = 0; i < q->nsel; i++) {
		const struct orm__qsel *s = &q->sel[i];

		if (i > 0 && (rc = put(c, ", ")) < 0)
			return rc;
		switch (s->kind) {
		case ORM__SEL_COL:
			rc = ident(c, s->col);
			break;
		case ORM__SEL_COL_AS:
			if ((rc = ident(c, s->col)) == 0 && (rc = put(c, " as ")) == 0)
				rc = ident_part(c, s->alias);
			break;
		case ORM__SEL_RAW:
			rc = emit_raw(c, s->col, s->vals, s->nvals);
			break;
		case ORM__SEL_AGG:
			if ((rc = emit_agg(c, s->agg, s->col)) == 0 && s->alias && (rc = put(c, " as ")) == 0)
				rc = ident_part(c, s->alias);
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (q->table) {
		if ((rc = put(c, " from ")) < 0 || (rc = table_ref(c, q->table, q->alias)) < 0)
			return rc;
	} else if (q->njoins) {
		return cerr(c, ORM_EINVAL, "orm_query_compile: joins need a table to join to");
	}
	for (i = 0; i < q->njoins; i++) {
		const struct orm__qjoin *j = &q->joins[i];

		if ((rc = put(c, join_kw[j->type])) < 0 || (rc = table_ref(c, j->table, j->alias)) < 0)
			return rc;
		if (j->on && ((rc = put(c, " on ")) < 0 || (rc = compile_expr(c, j->on, CTX_TOP)) < 0))
			return rc;
	}
	if ((rc = compile_conds(c, " where ", q->where, q->nwhere)) < 0)
		return rc;
	if (q->ngroup) {
		if ((rc = put(c, " group by ")) < 0)
			return rc;
		for (i = 0; i < q->ngroup; i++) {
			if (i > 0 && (rc = put(c, ", ")) < 0)
				return rc;
			if ((rc = ident(c, q->group[i])) < 0)
				return rc;
		}
	}
	if ((rc = compile_conds(c, " having ", q->having, q->nhaving)) < 0 ||
	    (rc = compile_order(c, q)) < 0 || (rc = compile_limit(c, q)) < 0)
		return rc;
	if (q->for_update && c->d != ORM_DIALECT_SQLITE)
		rc = put(c, " for update");
	return rc;
}

/* ---- insert ---- */

static int in_list(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int ident_list(struct cctx *c, char *const *v, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (i > 0 && (rc = put(c, ", ")) < 0)
			return rc;
		if ((rc = ident(c, v[i])) < 0)
			return rc;
	}
	return 0;
}

/* MariaDB "ignore": on duplicate key update k = k (a no-op assignment). */
static int mariadb_noop_update(struct cctx *c, const orm_query *q)
{
	const char *k = q->nccols ? q->ccols[0] : (q->nicols ? q->icols[0] : NULL);
	int rc;

	if (!k)
		return cerr(c, ORM_EUNSUPPORTED,
			    "orm_query_on_conflict_ignore: MariaDB needs a column to write `on duplicate key update`");
	if ((rc = put(c, " on duplicate key update ")) < 0 || (rc = ident(c, k)) < 0 ||
	    (rc = put(c, " = ")) < 0)
		return rc;
	return ident(c, k);
}

static int compile_conflict(struct cctx *c, const orm_query *q)
{
	char *const *upd;
	size_t i, nupd, written = 0;
	int rc, my = c->d == ORM_DIALECT_MARIADB;

	if (q->conflict == ORM__CONFLICT_NONE)
		return 0;
	if (q->conflict == ORM__CONFLICT_MERGE) {
		upd = q->ucols_all ? q->icols : q->ucols;
		nupd = q->ucols_all ? q->nicols : q->nucols;
		for (i = 0; i < nupd; i++) {
			if (q->ucols_all && in_list(q->ccols, q->nccols, upd[i]))
				continue;
			if (written == 0) {
				if (my)
					rc = put(c, " on duplicate key update ");
				else if ((rc = put(c, " on conflict (")) == 0 &&
					 (rc = ident_list(c, q->ccols, q->nccols)) == 0)
					rc = put(c, ") do update set ");
			} else {
				rc = put(c, ", ");
			}
			if (rc < 0 || (rc = ident(c, upd[i])) < 0)
				return rc;
			if (my) {
				if ((rc = put(c, " = values(")) < 0 || (rc = ident(c, upd[i])) < 0 ||
				    (rc = put(c, ")")) < 0)
					return rc;
			} else if ((rc = put(c, " = excluded.")) < 0 || (rc = ident(c, upd[i])) < 0) {
				return rc;
			}
			written++;
		}
		if (written)
			return 0;
		/* nothing left to update: same as ignore */
	}
	if (my)
		return mariadb_noop_update(c, q);
	if ((rc = put(c, " on conflict")) < 0)
		return rc;
	if (q->nccols && ((rc = put(c, " (")) < 0 || (rc = ident_list(c, q->ccols, q->nccols)) < 0 ||
			  (rc = put(c, ")")) < 0))
		return rc;
	return put(c, " do nothing");
}

static int compile_insert(struct cctx *c, const orm_query *q)
{
	size_t r, i, r0 = c->row0, rn;
	int rc;

	if ((rc = check_clauses(c, q, CL_INSERT | CL_RETURNING, "an insert")) < 0)
		return rc;
	if (!q->table)
		return cerr(c, ORM_EINVAL, "orm_query_compile: an insert needs a table");
	if (q->nrows == 0)
		return cerr(c, ORM_EINVAL, "orm_query_insert: no rows to insert (call orm_query_values)");
	if (r0 >= q->nrows)
		return cerr(c, ORM_EINVAL, "orm_query_compile: insert row slice out of range");
	rn = c->nrow ? c->nrow : q->nrows - r0;
	if (rn > q->nrows - r0)
		rn = q->nrows - r0;
	if ((rc = put(c, "insert into ")) < 0 || (rc = ident(c, q->table)) < 0)
		return rc;
	if (q->nicols == 0) {
		if (c->d == ORM_DIALECT_MARIADB) {
			if ((rc = put(c, " () values ()")) < 0)
				return rc;
			for (r = 1; r < rn; r++)
				if ((rc = put(c, ", ()")) < 0)
					return rc;
		} else if (rn == 1) {
			if ((rc = put(c, " default values")) < 0)
				return rc;
		} else {
			return cerr(c, ORM_EUNSUPPORTED,
				    "orm_query_insert: %s cannot insert several rows of default values in one statement",
				    orm_dialect_name(c->d));
		}
	} else {
		if ((rc = put(c, " (")) < 0 || (rc = ident_list(c, q->icols, q->nicols)) < 0 ||
		    (rc = put(c, ") values ")) < 0)
			return rc;
		for (r = r0; r < r0 + rn; r++) {
			if ((rc = put(c, r > r0 ? ", (" : "(")) < 0)
				return rc;
			for (i = 0; i < q->nicols; i++) {
				if (i > 0 && (rc = put(c, ", ")) < 0)
					return rc;
				if ((rc = emit_param(c, &q->rows[r * q->nicols + i])) < 0)
					return rc;
			}
			if ((rc = put(c, ")")) < 0)
				return rc;
		}
	}
	if ((rc = compile_conflict(c, q)) < 0)
		return rc;
	return compile_returning(c, q, 1);
}

/* ---- update / delete ---- */

static int compile_update(struct cctx *c, const orm_query *q)
{
	size_t i;
	int rc;

	if ((rc = check_clauses(c, q, CL_WHERE | CL_SET | CL_RETURNING | CL_ALIAS, "an update")) < 0)
		return rc;
	if (!q->table)
		return cerr(c, ORM_EINVAL, "orm_query_compile: an update needs a table");
	if (q->nsets == 0)
		return cerr(c, ORM_EINVAL,
			    "orm_query_update: no column to set (call orm_query_set or orm_query_increment)");
	if ((rc = put(c, "update ")) < 0 || (rc = table_ref(c, q->table, q->alias)) < 0 ||
	    (rc = put(c, " set ")) < 0)
		return rc;
	for (i = 0; i < q->nsets; i++) {
		const struct orm__qset *s = &q->sets[i];

		if (i > 0 && (rc = put(c, ", ")) < 0)
			return rc;
		if ((rc = ident(c, s->col)) < 0 || (rc = put(c, " = ")) < 0)
			return rc;
		if (s->incr && ((rc = ident(c, s->col)) < 0 ||
				(rc = put(c, s->incr > 0 ? " + " : " - ")) < 0))
			return rc;
		if ((rc = emit_param(c, &s->v)) < 0)
			return rc;
	}
	if ((rc = compile_conds(c, " where ", q->where, q->nwhere)) < 0)
		return rc;
	return compile_returning(c, q, 1);
}

static int compile_delete(struct cctx *c, const orm_query *q)
{
	int rc;

	if ((rc = check_clauses(c, q, CL_WHERE | CL_RETURNING | CL_ALIAS, "a delete")) < 0)
		return rc;
	if (!q->table)
		return cerr(c, ORM_EINVAL, "orm_query_compile: a delete needs a table");
	if (q->alias && c->d == ORM_DIALECT_MARIADB) {
		/* MariaDB takes an alias only in the multi-table form, which has no RETURNING */
		if (q->nret || c->returning)
			return cerr(c, ORM_EUNSUPPORTED,
				    "orm_query_returning: MariaDB cannot combine DELETE with a table alias and RETURNING");
		if ((rc = put(c, "delete ")) < 0 || (rc = ident_part(c, q->alias)) < 0 ||
		    (rc = put(c, " from ")) < 0 || (rc = table_ref(c, q->table, q->alias)) < 0)
			return rc;
	} else if ((rc = put(c, "delete from ")) < 0 || (rc = table_ref(c, q->table, q->alias)) < 0) {
		return rc;
	}
	if ((rc = compile_conds(c, " where ", q->where, q->nwhere)) < 0)
		return rc;
	return compile_returning(c, q, 1);
}

int orm__query_compile_ex(const orm_query *q, orm_dialect d, orm_buf *out, int numbered,
			  int literal, const char *returning, size_t row0, size_t nrow,
			  int *nparams)
{
	struct cctx c;
	size_t orig;
	int rc;

	*nparams = 0;
	if (!q || !out)
		return ORM_EINVAL;
	if (q->err)
		return q->err;
	memset(&c, 0, sizeof(c));
	c.root = (orm_query *)q; /* the compile cache is the only thing written */
	c.root->cerrmsg[0] = '\0';
	if (d != ORM_DIALECT_SQLITE && d != ORM_DIALECT_POSTGRES && d != ORM_DIALECT_MARIADB)
		return cerr(&c, ORM_EINVAL, "orm_query_compile: unknown dialect %d", (int)d);
	c.d = d;
	c.numbered = numbered;
	c.literal = literal;
	c.out = out;
	c.returning = returning;
	c.row0 = row0;
	c.nrow = nrow;
	orig = out->size;

	switch (q->type) {
	case ORM__Q_INSERT:
		rc = compile_insert(&c, q);
		break;
	case ORM__Q_UPDATE:
		rc = compile_update(&c, q);
		break;
	case ORM__Q_DELETE:
		rc = compile_delete(&c, q);
		break;
	default:
		rc = c.returning ? cerr(&c, ORM_EINVAL, "orm_query_compile: returning on a select")
				 : compile_select(&c, q);
		break;
	}
	if (rc == 0 && c.np > (size_t)(1 << 30))
		rc = cerr(&c, ORM_EINVAL, "orm_query_compile: too many parameters");
	if (rc < 0) {
		if (out->ptr) {
			out->size = orig;
			out->ptr[orig] = '\0';
		}
		return rc;
	}
	*nparams = (int)c.np;
	return 0;
}
