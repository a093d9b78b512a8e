/*
 * Introspection of the live schema on SQLite (sqlite_schema, PRAGMAs and
 * the CREATE TABLE text), PostgreSQL (pg_catalog) and MariaDB
 * (information_schema) into the read-only orm_table_info structs.
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- an arena: every allocation of one handle, freed at once ---- */

struct arena {
	void **p;
	size_t n, cap;
};

static void arena_free(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		orm__free(a->p[i]);
	orm__free(a->p);
	memset(a, 0, sizeof(*a));
}

static void *ar_track(struct arena *a, void *p)
{
	if (!p)
		return NULL;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		void **np = orm__realloc(a->p, nc * sizeof(*np));
		if (!np) {
			orm__free(p);
			return NULL;
		}
		a->p = np;
		a->cap = nc;
	}
	a->p[a->n++] = p;
	return p;
}

static void *ar_calloc(struct arena *a, size_t n, size_t size)
{
	return ar_track(a, orm__calloc(n ? n : 1, size));
}

static char *ar_strdup(struct arena *a, const char *s)
{
	return ar_track(a, orm__strdup(s ? s : ""));
}

/* grow an arena-owned pointer array by one */
static int ar_push(struct arena *a, void ***arr, size_t *n, void *item)
{
	void **na;
	size_t i;

	na = orm__realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return ORM_ENOMEM;
	/* re-register the array: find the old pointer in the arena */
	if (*arr) {
		for (i = a->n; i-- > 0;)
			if (a->p[i] == (void *)*arr) {
				a->p[i] = na;
				break;
			}
	} else if (!ar_track(a, na)) {
		return ORM_ENOMEM;
	}
	na[*n] = item;
	*arr = na;
	(*n)++;
	return 0;
}

struct orm_table_info_handle {
	struct arena a;
	orm_table_info *info;
};

struct orm_schema_info {
	struct arena a;
	char *name;
	orm_table_info_handle **tables;
	size_t n;
};

/* mutable views of the public structs while building */
typedef struct tbuild {
	struct arena *a;
	orm_table_info *t;
	orm_conn *conn;
	const char *schema, *bare; /* resolved names */
} tbuild;

#define PUSH(b, arrfield, nfield, item) \
	ar_push((b)->a, (void ***)&(b)->t->arrfield, &(b)->t->nfield, (void *)(item))

static orm_col_info *col_new(tbuild *b, const char *name)
{
	orm_col_info *c = ar_calloc(b->a, 1, sizeof(*c));

	if (!c)
		return NULL;
	c->name = ar_strdup(b->a, name);
	c->type = "";
	c->comment = "";
	c->collation = "";
	c->length = c->precision = c->scale = -1;
	c->nullable = 1;
	if (!c->name || PUSH(b, columns, ncolumns, c) < 0)
		return NULL;
	return c;
}

static orm_col_info *col_find(tbuild *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->t->ncolumns; i++)
		if (strcmp(b->t->columns[i]->name, name) == 0)
			return (orm_col_info *)b->t->columns[i];
	return NULL;
}

static int push_str(tbuild *b, const char *const **arr, size_t *n, const char *s)
{
	char *d = ar_strdup(b->a, s);

	if (!d)
		return ORM_ENOMEM;
	return ar_push(b->a, (void ***)arr, n, d);
}

static orm_fk_action action_from_text(const char *s)
{
	orm_fk_action a = ORM_FK_NO_ACTION;

	if (s && orm_fk_action_parse(&a, s) == 0 && a != ORM_FK_DEFAULT)
		return a;
	return ORM_FK_NO_ACTION;
}

/* ---- query iteration ---- */

typedef int (*row_cb)(orm_stmt *st, void *ud);

static int each_row(orm_conn *conn, const char *sql, const orm_value *p, int n, row_cb cb, void *ud)
{
	orm_stmt *st = NULL;
	int rc;

	if ((rc = orm_prepare(&st, conn, sql)) < 0)
		return rc;
	if (n && (rc = orm_bind_values(st, p, n, ORM_BIND_STATIC)) < 0)
		goto out;
	while ((rc = orm_stmt_step(st)) == ORM_ROW)
		if ((rc = orm__stmt_row_text(st)) < 0 || (rc = cb(st, ud)) < 0)
			goto out;
	if (rc == ORM_DONE)
		rc = 0;
out:
	orm_stmt_free(st);
	return rc;
}

static const char *txt(orm_stmt *st, int col)
{
	return orm_column_is_null(st, col) ? NULL : orm_column_text(st, col, NULL);
}

/* ---- type mapping ---- */

static void upcase(char *dst, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		dst[i] = (char)toupper((unsigned char)s[i]);
	dst[i] = '\0';
}

static int ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* "(n)" or "(p,s)" after the type name */
static void type_params(const char *s, int *a, int *b)
{
	const char *p = strchr(s, '(');

	*a = *b = -1;
	if (!p)
		return;
	if (sscanf(p, "(%d,%d)", a, b) < 1)
		sscanf(p, "( %d , %d )", a, b);
}

/* SQLite: declared type to kind / value type, as the driver reads it */
static void sqlite_kind(orm_col_info *c, const char *decl, int autoinc)
{
	char up[128];
	int a, b;

	upcase(up, sizeof(up), decl ? decl : "");
	type_params(up, &a, &b);
	c->value_type = ORM_TYPE_NULL;
	if (starts(up, "BOOL")) {
		c->kind = ORM_COL_BOOLEAN;
		c->value_type = ORM_TYPE_BOOL;
	} else if (starts(up, "TIMESTAMPTZ") || strstr(up, "WITH TIME ZONE")) {
		c->kind = ORM_COL_TIMESTAMPTZ;
		c->value_type = ORM_TYPE_TIMESTAMPTZ;
	} else if (starts(up, "DATETIME")) {
		c->kind = ORM_COL_DATETIME;
		c->value_type = ORM_TYPE_TIMESTAMP;
	} else if (starts(up, "TIMESTAMP")) {
		c->kind = ORM_COL_TIMESTAMP;
		c->value_type = ORM_TYPE_TIMESTAMP;
	} else if (starts(up, "DATE")) {
		c->kind = ORM_COL_DATE;
		c->value_type = ORM_TYPE_DATE;
	} else if (starts(up, "TIME")) {
		c->kind = ORM_COL_TIME;
		c->value_type = ORM_TYPE_TIME;
	} else if (starts(up, "JSON")) {
		c->kind = ORM_COL_JSON;
		c->value_type = ORM_TYPE_JSON;
	} else if (starts(up, "UUID")) {
		c->kind = ORM_COL_UUID;
		c->value_type = ORM_TYPE_UUID;
	} else if (starts(up, "DECIMAL") || starts(up, "NUMERIC")) {
		c->kind = ORM_COL_DECIMAL;
		c->value_type = ORM_TYPE_DECIMAL;
		c->precision = a;
		c->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
	} else if (starts(up, "BIGINT")) {
		c->kind = ORM_COL_BIG_INTEGER;
	} else if (starts(up, "SMALLINT")) {
		c->kind = ORM_COL_SMALL_INTEGER;
	} else if (strstr(up, "INT")) {
		c->kind = autoinc ? ORM_COL_INCREMENTS : ORM_COL_INTEGER;
	} else if (starts(up, "VARCHAR") || starts(up, "CHARACTER VARYING") || starts(up, "NVARCHAR")) {
		c->kind = ORM_COL_STRING;
		c->length = a;
	} else if (starts(up, "TEXT") || strstr(up, "CHAR") || strstr(up, "CLOB")) {
		c->kind = ORM_COL_TEXT;
	} else if (starts(up, "FLOA")) {
		c->kind = ORM_COL_FLOAT;
	} else if (strstr(up, "DOUB") || strstr(up, "REAL")) {
		c->kind = ORM_COL_DOUBLE;
	} else if (strstr(up, "BLOB") || !*up) {
		c->kind = *up ? ORM_COL_BINARY : ORM_COL_SPECIFIC;
	} else {
		c->kind = ORM_COL_SPECIFIC;
	}
	if (c->value_type == ORM_TYPE_NULL) {
		/* affinity (https://sqlite.org/datatype3.html 3.1) */
		if (strstr(up, "INT"))
			c->value_type = ORM_TYPE_INT;
		else if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
			c->value_type = ORM_TYPE_TEXT;
		else if (strstr(up, "BLOB") || !*up)
			c->value_type = ORM_TYPE_BLOB;
		else if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
			c->value_type = ORM_TYPE_DOUBLE;
		else
			c->value_type = ORM_TYPE_DECIMAL;
	}
}

/* Is the CHECK text `col >= 0` (any quoting, any parentheses)? */
static int is_unsigned_check(const char *expr, const char *col)
{
	const char *p = expr;
	int state = 0;

	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF)
			return state == 3;
		if (t.kind == ORM__TK_SPACE || t.kind == ORM__TK_COMMENT)
			continue;
		if (t.kind == ORM__TK_PUNCT && (t.p[0] == '(' || t.p[0] == ')'))
			continue;
		switch (state) {
		case 0: {
			char *id;
			int eq;
			if (t.kind != ORM__TK_WORD && t.kind != ORM__TK_QUOTED)
				return 0;
			id = orm__tok_ident(&t);
			eq = id && strcmp(id, col) == 0;
			orm__free(id);
			if (!eq)
				return 0;
			state = 1;
			break;
		}
		case 1:
			if (!(t.kind == ORM__TK_PUNCT && t.p[0] == '>'))
				return 0;
			state = 2;
			break;
		case 2:
			if (t.kind == ORM__TK_PUNCT && t.p[0] == '=')
				break;
			if (t.kind == ORM__TK_NUMBER && t.len == 1 && t.p[0] == '0') {
				state = 3;
				break;
			}
			return 0;
		default:
			if (t.kind == ORM__TK_PUNCT && t.p[0] == ':') /* ::numeric casts */
				break;
			if (t.kind == ORM__TK_WORD)
				break;
			return 0;
		}
	}
}

static int pg_enum_scan(tbuild *b, const char *p, const char *col, int *seen_colp, int *seen_anyp,
			const char *const **valsp, size_t *np);

/* PostgreSQL spells `c IN ('a','b')` back as `(c = ANY (ARRAY['a'::text, 'b'::text]))`. */
static int pg_enum_values(tbuild *b, const char *expr, const char *col, orm_col_info *c)
{
	char *copy = orm__strdup(expr), *q;
	const char *p = copy;
	int seen_col = 0, seen_any = 0, rc = 0;
	const char *const *vals = NULL;
	size_t n = 0;

	if (!copy)
		return ORM_ENOMEM;
	/* ARRAY[...] brackets are not SQLite's [quoted] identifiers here */
	for (q = copy; *q; q++) {
		if (*q == '\'') {
			for (q++; *q && !(*q == '\'' && q[1] != '\''); q++)
				if (*q == '\'')
					q++;
			if (!*q)
				break;
		} else if (*q == '[' || *q == ']') {
			*q = ' ';
		}
	}
	rc = pg_enum_scan(b, p, col, &seen_col, &seen_any, &vals, &n);
	orm__free(copy);
	if (rc < 0 || n == 0 || !seen_any)
		return rc < 0 ? rc : 0;
	c->enum_values = vals;
	c->nenum_values = n;
	c->kind = ORM_COL_ENUM;
	return 0;
}

static int pg_enum_scan(tbuild *b, const char *p, const char *col, int *seen_colp, int *seen_anyp,
			const char *const **valsp, size_t *np)
{
	int seen_col = 0, seen_any = 0;
	const char *const *vals = NULL;
	size_t n = 0;

	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF)
			break;
		if (t.kind == ORM__TK_SPACE || t.kind == ORM__TK_PUNCT)
			continue;
		if (!seen_col) {
			char *id;
			if (t.kind != ORM__TK_WORD && t.kind != ORM__TK_QUOTED)
				return 0;
			id = orm__tok_ident(&t);
			seen_col = id && strcmp(id, col) == 0;
			orm__free(id);
			if (!seen_col)
				return 0;
			continue;
		}
		if (!seen_any) {
			if (!orm__tok_is(&t, "ANY"))
				return 0;
			seen_any = 1;
			continue;
		}
		if (t.kind == ORM__TK_STRING) {
			char *v = orm__tok_ident(&t);
			int rc = v ? push_str(b, &vals, &n, v) : ORM_ENOMEM;
			orm__free(v);
			if (rc < 0)
				return rc;
		} else if (!orm__tok_is(&t, "ARRAY") && !orm__tok_is(&t, "text") && !orm__tok_is(&t, "character") &&
			   !orm__tok_is(&t, "varying")) {
			return 0;
		}
	}
	*seen_colp = seen_col;
	*seen_anyp = seen_any;
	*valsp = vals;
	*np = n;
	return 0;
}

static int sort_by_name_fk(const void *a, const void *b)
{
	const orm_fk_info *x = *(const orm_fk_info *const *)a, *y = *(const orm_fk_info *const *)b;
	int c = strcmp(x->name, y->name);
	size_t i;

	if (c)
		return c;
	for (i = 0; i < x->ncolumns && i < y->ncolumns; i++)
		if ((c = strcmp(x->columns[i], y->columns[i])) != 0)
			return c;
	return (int)x->ncolumns - (int)y->ncolumns;
}

static int sort_by_name_ix(const void *a, const void *b)
{
	const orm_index_info *x = *(const orm_index_info *const *)a, *y = *(const orm_index_info *const *)b;
	return strcmp(x->name, y->name);
}

static int sort_by_name_ck(const void *a, const void *b)
{
	const orm_check_info *x = *(const orm_check_info *const *)a, *y = *(const orm_check_info *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->expr, y->expr);
}

static void finalize(tbuild *b)
{
	orm_table_info *t = b->t;

	if (t->nforeign_keys > 1)
		qsort((void *)t->foreign_keys, t->nforeign_keys, sizeof(t->foreign_keys[0]), sort_by_name_fk);
	if (t->nindexes > 1)
		qsort((void *)t->indexes, t->nindexes, sizeof(t->indexes[0]), sort_by_name_ix);
	if (t->nchecks > 1)
		qsort((void *)t->checks, t->nchecks, sizeof(t->checks[0]), sort_by_name_ck);
}

/* ================================================================== */
/* SQLite                                                              */
/* ================================================================== */

struct sq_ctx {
	tbuild *b;
	int found;
	char *type, *name, *sql;
	int rc;
};

static int sq_row_table(orm_stmt *st, void *ud)
{
	struct sq_ctx *c = ud;

	if (c->found)
		return 0;
	c->found = 1;
	c->type = orm__strdup(txt(st, 0));
	c->name = orm__strdup(txt(st, 1));
	c->sql = orm__strdup(txt(st, 2) ? txt(st, 2) : "");
	return c->type && c->name && c->sql ? 0 : ORM_ENOMEM;
}

struct sq_cols {
	tbuild *b;
	const orm__sq_table *parsed;
	int pkcount;
};

static int sq_row_col(orm_stmt *st, void *ud)
{
	struct sq_cols *sc = ud;
	tbuild *b = sc->b;
	orm_col_info *c;
	const char *name = txt(st, 1), *decl = txt(st, 2);
	int autoinc = 0;

	if (orm_column_int(st, 6) == 1)
		return 0; /* hidden column of a virtual table */
	if (!(c = col_new(b, name)))
		return ORM_ENOMEM;
	if (!(c->type = ar_strdup(b->a, decl ? decl : "")))
		return ORM_ENOMEM;
	c->nullable = orm_column_int(st, 3) == 0;
	c->primary_key = (int)orm_column_int(st, 5);
	if (txt(st, 4) && !(c->default_sql = ar_strdup(b->a, txt(st, 4))))
		return ORM_ENOMEM;
	if (c->primary_key)
		sc->pkcount++;
	if (sc->parsed) {
		size_t i, j;
		for (i = 0; i < sc->parsed->ncols; i++) {
			const orm__sq_col *pc = &sc->parsed->cols[i];
			if (strcasecmp(pc->name, name) != 0)
				continue;
			for (j = 0; j < pc->ncl; j++) {
				const orm__sq_clause *cl = &pc->cl[j];
				if (cl->kind == ORM__SQ_PK && ci_contains(cl->text, "AUTOINCREMENT"))
					autoinc = 1;
				if (cl->kind == ORM__SQ_COLLATE && !(c->collation = ar_strdup(b->a, cl->body)))
					return ORM_ENOMEM;
				if (cl->kind == ORM__SQ_CHECK) {
					if (is_unsigned_check(cl->body, name)) {
						c->is_unsigned = 1;
					} else {
						char **v = NULL;
						size_t n = 0, k;
						int rc = orm__sq_enum_values(cl->body, name, &v, &n);
						if (rc < 0)
							return rc;
						for (k = 0; k < n; k++)
							if (push_str(b, &c->enum_values, &c->nenum_values, v[k]) < 0) {
								orm__strlist_free(v, n);
								return ORM_ENOMEM;
							}
						orm__strlist_free(v, n);
					}
				}
			}
			if (pc->comment && !(c->comment = ar_strdup(b->a, pc->comment)))
				return ORM_ENOMEM;
			break;
		}
	}
	sqlite_kind(c, decl, autoinc);
	if (c->nenum_values && c->kind == ORM_COL_TEXT)
		c->kind = ORM_COL_ENUM;
	c->auto_increment = autoinc;
	return 0;
}

struct sq_fk {
	tbuild *b;
	const orm__sq_table *parsed;
	orm_fk_info *cur;
	long cur_id;
};

static int sq_row_fk(orm_stmt *st, void *ud)
{
	struct sq_fk *f = ud;
	tbuild *b = f->b;
	long id = (long)orm_column_int(st, 0);

	if (!f->cur || id != f->cur_id) {
		orm_fk_info *fk = ar_calloc(b->a, 1, sizeof(*fk));
		if (!fk)
			return ORM_ENOMEM;
		fk->name = "";
		fk->ref_schema = "";
		if (!(fk->ref_table = ar_strdup(b->a, txt(st, 2))))
			return ORM_ENOMEM;
		fk->on_update = action_from_text(txt(st, 5));
		fk->on_delete = action_from_text(txt(st, 6));
		if (PUSH(b, foreign_keys, nforeign_keys, fk) < 0)
			return ORM_ENOMEM;
		f->cur = fk;
		f->cur_id = id;
	}
	{
		size_t dummy = f->cur->ncolumns;
		if (push_str(b, &f->cur->columns, &f->cur->ncolumns, txt(st, 3)) < 0)
			return ORM_ENOMEM;
		/* "to" is NULL when the key names the parent's primary key implicitly */
		if (push_str(b, &f->cur->ref_columns, &dummy, txt(st, 4) ? txt(st, 4) : "") < 0)
			return ORM_ENOMEM;
	}
	return 0;
}

/* one primary-key column of the parent of a foreign key that names no columns */
struct sq_pkref {
	tbuild *b;
	orm_fk_info *fk;
	size_t j;
};

static int sq_row_pkref(orm_stmt *st, void *ud)
{
	struct sq_pkref *pr = ud;
	char *name;

	if (pr->j >= pr->fk->ncolumns)
		return 0;
	if (!(name = ar_strdup(pr->b->a, txt(st, 0))))
		return ORM_ENOMEM;
	((const char **)pr->fk->ref_columns)[pr->j++] = name;
	return 0;
}

struct sq_ix {
	tbuild *b;
	char **names;
	int *uniq;
	char **origin;
	int *partial;
	size_t n;
};

static int sq_row_ix(orm_stmt *st, void *ud)
{
	struct sq_ix *x = ud;
	char **nn = orm__realloc(x->names, (x->n + 1) * sizeof(*nn));
	int *nu;
	char **no;
	int *np;

	if (!nn)
		return ORM_ENOMEM;
	x->names = nn;
	nu = orm__realloc(x->uniq, (x->n + 1) * sizeof(*nu));
	if (!nu)
		return ORM_ENOMEM;
	x->uniq = nu;
	no = orm__realloc(x->origin, (x->n + 1) * sizeof(*no));
	if (!no)
		return ORM_ENOMEM;
	x->origin = no;
	np = orm__realloc(x->partial, (x->n + 1) * sizeof(*np));
	if (!np)
		return ORM_ENOMEM;
	x->partial = np;
	nn[x->n] = orm__strdup(txt(st, 0));
	no[x->n] = orm__strdup(txt(st, 2) ? txt(st, 2) : "c");
	nu[x->n] = (int)orm_column_int(st, 1);
	np[x->n] = (int)orm_column_int(st, 3);
	x->n++;
	return nn[x->n - 1] && no[x->n - 1] ? 0 : ORM_ENOMEM;
}

struct sq_ixcol {
	tbuild *b;
	orm_index_info *ix;
};

static int sq_row_ixcol(orm_stmt *st, void *ud)
{
	struct sq_ixcol *x = ud;
	char *s = NULL;

	if (txt(st, 0) && !(s = ar_strdup(x->b->a, txt(st, 0))))
		return ORM_ENOMEM;
	return ar_push(x->b->a, (void ***)&x->ix->columns, &x->ix->ncolumns, s);
}

/* the text after the top-level WHERE of a CREATE INDEX, or NULL */
static char *index_where(const char *sql)
{
	const char *p = sql;
	int depth = 0;

	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF)
			return NULL;
		if (t.kind == ORM__TK_PUNCT && t.p[0] == '(')
			depth++;
		else if (t.kind == ORM__TK_PUNCT && t.p[0] == ')')
			depth--;
		else if (depth == 0 && orm__tok_is(&t, "WHERE")) {
			while (*p && isspace((unsigned char)*p))
				p++;
			return orm__strdup(p);
		}
	}
}

static int sqlite_inspect(tbuild *b)
{
	orm_conn *conn = b->conn;
	struct sq_ctx tc;
	orm__sq_table *parsed = NULL;
	orm_buf q = ORM_BUF_INIT;
	orm__ddl x;
	orm_value p[2];
	struct sq_ix ix;
	size_t i, j;
	int rc;

	memset(&tc, 0, sizeof(tc));
	memset(&ix, 0, sizeof(ix));
	orm__ddl_init(&x, ORM_DIALECT_SQLITE, NULL);
	tc.b = b;
	if (orm_buf_puts(&q, "SELECT type, name, sql FROM ") < 0 || orm__ddl_ident(&q, &x, b->schema) < 0 ||
	    orm_buf_puts(&q, ".sqlite_schema WHERE type IN ('table', 'view') AND lower(name) = lower(?)") < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	p[0] = orm_text(b->bare);
	if ((rc = each_row(conn, q.ptr, p, 1, sq_row_table, &tc)) < 0)
		goto out;
	if (!tc.found) {
		rc = orm__err(conn, ORM_ENOTFOUND, "no table \"%s\" in schema \"%s\"", b->bare, b->schema);
		goto out;
	}
	b->t->name = ar_strdup(b->a, tc.name);
	b->t->is_view = strcmp(tc.type, "view") == 0;
	b->t->comment = "";
	if (!b->t->name) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if (b->t->is_view) {
		/* the SELECT after AS */
		const char *s = tc.sql;
		const char *sel = NULL;
		for (;;) {
			orm__tok t = orm__sql_token(&s);
			if (t.kind == ORM__TK_EOF)
				break;
			if (orm__tok_is(&t, "AS")) {
				while (*s && isspace((unsigned char)*s))
					s++;
				sel = s;
				break;
			}
		}
		if (!(b->t->view_sql = ar_strdup(b->a, sel ? sel : tc.sql))) {
			rc = ORM_ENOMEM;
			goto out;
		}
	} else {
		rc = orm__sq_parse(&parsed, tc.sql);
		if (rc == ORM_ENOMEM)
			goto out;
		if (rc < 0)
			parsed = NULL; /* virtual tables etc.: PRAGMAs only */
		if (parsed && parsed->head_comment && *parsed->head_comment) {
			orm__tok t;
			const char *hc = parsed->head_comment;
			do
				t = orm__sql_token(&hc);
			while (t.kind == ORM__TK_SPACE);
			if (t.kind == ORM__TK_COMMENT) {
				orm__tok copy = t;
				char *s;
				/* comment_text is static in sqlite_rebuild.c; strip here */
				const char *a = copy.p + 2, *e = copy.p + copy.len;
				if (copy.p[0] == '/' && e - a >= 2 && e[-1] == '/' && e[-2] == '*')
					e -= 2;
				while (a < e && isspace((unsigned char)*a))
					a++;
				while (e > a && isspace((unsigned char)e[-1]))
					e--;
				s = orm__strndup(a, (size_t)(e - a));
				b->t->comment = ar_track(b->a, s);
				if (!b->t->comment) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
		}
	}
	{
		struct sq_cols sc = { b, parsed, 0 };
		p[0] = orm_text(b->t->name);
		p[1] = orm_text(b->schema);
		rc = each_row(conn, "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?) ORDER BY cid",
			      p, 2, sq_row_col, &sc);
		if (rc < 0)
			goto out;
		/* primary key in key order; INTEGER PRIMARY KEY is the rowid: auto-assigned */
		for (i = 1; i <= (size_t)sc.pkcount; i++)
			for (j = 0; j < b->t->ncolumns; j++)
				if ((size_t)b->t->columns[j]->primary_key == i &&
				    push_str(b, &b->t->primary_key, &b->t->nprimary, b->t->columns[j]->name) < 0) {
					rc = ORM_ENOMEM;
					goto out;
				}
		if (sc.pkcount == 1) {
			for (j = 0; j < b->t->ncolumns; j++) {
				orm_col_info *c = (orm_col_info *)b->t->columns[j];
				char up[32];
				upcase(up, sizeof(up), c->type);
				if (c->primary_key && strcmp(up, "INTEGER") == 0 && !b->t->is_view)
					c->auto_increment = 1;
			}
		}
	}
	b->t->primary_name = "";
	if (parsed) {
		for (i = 0; i < parsed->ncons; i++) {
			const orm__sq_cons *cs = &parsed->cons[i];
			if (cs->kind == ORM__SQ_PK && cs->name && !(b->t->primary_name = ar_strdup(b->a, cs->name))) {
				rc = ORM_ENOMEM;
				goto out;
			}
			if (cs->kind == ORM__SQ_CHECK) {
				orm_check_info *ck = ar_calloc(b->a, 1, sizeof(*ck));
				if (!ck || !(ck->name = ar_strdup(b->a, cs->name)) || !(ck->expr = ar_strdup(b->a, cs->body)) ||
				    PUSH(b, checks, nchecks, ck) < 0) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
		}
		for (i = 0; i < parsed->ncols; i++)
			for (j = 0; j < parsed->cols[i].ncl; j++) {
				const orm__sq_clause *cl = &parsed->cols[i].cl[j];
				orm_check_info *ck;
				if (cl->kind != ORM__SQ_CHECK)
					continue;
				ck = ar_calloc(b->a, 1, sizeof(*ck));
				if (!ck || !(ck->name = ar_strdup(b->a, cl->name)) || !(ck->expr = ar_strdup(b->a, cl->body)) ||
				    PUSH(b, checks, nchecks, ck) < 0) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
	}
	if (b->t->is_view) {
		rc = 0;
		goto out;
	}
	/* foreign keys */
	{
		struct sq_fk f = { b, parsed, NULL, -1 };
		p[0] = orm_text(b->t->name);
		p[1] = orm_text(b->schema);
		rc = each_row(conn, "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq",
			      p, 2, sq_row_fk, &f);
		if (rc < 0)
			goto out;
		for (i = 0; i < b->t->nforeign_keys; i++) {
			orm_fk_info *fk = (orm_fk_info *)b->t->foreign_keys[i];
			/* names from the CREATE TABLE text */
			if (parsed) {
				size_t k;
				for (k = 0; k < parsed->ncons; k++) {
					const orm__sq_cons *cs = &parsed->cons[k];
					size_t m;
					if (cs->kind != ORM__SQ_FOREIGN || !cs->name || cs->ncols != fk->ncolumns ||
					    strcasecmp(cs->ref_table, fk->ref_table) != 0)
						continue;
					for (m = 0; m < cs->ncols; m++)
						if (strcasecmp(cs->cols[m], fk->columns[m]) != 0)
							break;
					if (m == cs->ncols) {
						if (!(fk->name = ar_strdup(b->a, cs->name))) {
							rc = ORM_ENOMEM;
							goto out;
						}
						break;
					}
				}
				if (!*fk->name && fk->ncolumns == 1) {
					for (k = 0; k < parsed->ncols; k++) {
						const orm__sq_col *pc = &parsed->cols[k];
						const orm__sq_clause *cl;
						if (strcasecmp(pc->name, fk->columns[0]) != 0)
							continue;
						cl = orm__sq_clause_of(pc, ORM__SQ_REFERENCES);
						if (cl && cl->name && !(fk->name = ar_strdup(b->a, cl->name))) {
							rc = ORM_ENOMEM;
							goto out;
						}
						break;
					}
				}
				if (!fk->name) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
			/* implicit parent key: its primary key, read straight from the catalog
			   (inspecting the parent table would recurse forever on a self-reference
			   or on two tables naming each other this way) */
			if (fk->ncolumns && !*fk->ref_columns[0]) {
				struct sq_pkref pr = { b, fk, 0 };
				p[0] = orm_text(fk->ref_table);
				p[1] = orm_text(b->schema);
				rc = each_row(conn, "SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk", p, 2,
					      sq_row_pkref, &pr);
				if (rc == ORM_ENOMEM)
					goto out;
				orm__err_clear(conn);
				rc = 0;
			}
		}
	}
	/* indexes */
	p[0] = orm_text(b->t->name);
	p[1] = orm_text(b->schema);
	ix.b = b;
	if ((rc = each_row(conn, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?, ?) ORDER BY name", p, 2,
			   sq_row_ix, &ix)) < 0)
		goto out;
	for (i = 0; i < ix.n; i++) {
		orm_index_info *ii;
		struct sq_ixcol xc;
		if (strcmp(ix.origin[i], "pk") == 0)
			continue;
		ii = ar_calloc(b->a, 1, sizeof(*ii));
		if (!ii || !(ii->name = ar_strdup(b->a, ix.names[i])) || PUSH(b, indexes, nindexes, ii) < 0) {
			rc = ORM_ENOMEM;
			goto out;
		}
		ii->unique = ix.uniq[i];
		ii->constraint = strcmp(ix.origin[i], "u") == 0;
		ii->sql = "";
		xc.b = b;
		xc.ix = ii;
		p[0] = orm_text(ix.names[i]);
		if ((rc = each_row(conn, "SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno", p, 2, sq_row_ixcol, &xc)) < 0)
			goto out;
		if (!ii->constraint) {
			char *sql = NULL;
			orm_buf_clear(&q);
			if (orm_buf_puts(&q, "SELECT sql FROM ") < 0 || orm__ddl_ident(&q, &x, b->schema) < 0 ||
			    orm_buf_puts(&q, ".sqlite_schema WHERE type = 'index' AND name = ?") < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			rc = orm__query_text(conn, &sql, q.ptr, p, 1);
			if (rc == 0 && sql) {
				char *w = ix.partial[i] ? index_where(sql) : NULL;
				ii->sql = ar_track(b->a, sql);
				if (w)
					ii->where = ar_track(b->a, w);
			} else {
				orm__free(sql);
			}
			if (rc == ORM_ENOTFOUND)
				rc = 0;
			if (rc < 0)
				goto out;
		} else if (parsed) {
			/* a UNIQUE constraint: its name in the CREATE TABLE text, if it has one */
			size_t k;
			for (k = 0; k < parsed->ncons; k++) {
				const orm__sq_cons *cs = &parsed->cons[k];
				size_t m;
				if (cs->kind != ORM__SQ_UNIQUE || !cs->name || cs->ncols != ii->ncolumns)
					continue;
				for (m = 0; m < cs->ncols; m++)
					if (!ii->columns[m] || strcasecmp(cs->cols[m], ii->columns[m]) != 0)
						break;
				if (m == cs->ncols) {
					if (!(ii->name = ar_strdup(b->a, cs->name))) {
						rc = ORM_ENOMEM;
						goto out;
					}
					break;
				}
			}
		}
	}
	rc = 0;
out:
	for (i = 0; i < ix.n; i++) {
		orm__free(ix.names[i]);
		orm__free(ix.origin[i]);
	}
	orm__free(ix.names);
	orm__free(ix.origin);
	orm__free(ix.uniq);
	orm__free(ix.partial);
	orm__sq_free(parsed);
	orm__free(tc.type);
	orm__free(tc.name);
	orm__free(tc.sql);
	orm_buf_dispose(&q);
	orm__ddl_dispose(&x);
	return rc;
}

/* ================================================================== */
/* PostgreSQL                                                          */
/* ================================================================== */

#define PG_REL "WITH rel AS (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " \
	       "WHERE n.nspname = ? AND c.relname = ?) "

struct pg_tab {
	tbuild *b;
	int found;
};

static int pg_row_table(orm_stmt *st, void *ud)
{
	struct pg_tab *pt = ud;
	tbuild *b = pt->b;
	const char *kind = txt(st, 0);

	pt->found = 1;
	b->t->is_view = kind && (kind[0] == 'v' || kind[0] == 'm');
	b->t->comment = ar_strdup(b->a, txt(st, 1));
	b->t->view_sql = ar_strdup(b->a, txt(st, 2));
	return b->t->comment && b->t->view_sql ? 0 : ORM_ENOMEM;
}

static void pg_kind(orm_col_info *c, const char *ty)
{
	int a, b;

	type_params(ty, &a, &b);
	c->value_type = ORM_TYPE_TEXT;
	if (!strcmp(ty, "integer")) {
		c->kind = c->auto_increment ? ORM_COL_INCREMENTS : ORM_COL_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(ty, "bigint")) {
		c->kind = c->auto_increment ? ORM_COL_BIG_INCREMENTS : ORM_COL_BIG_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(ty, "smallint")) {
		c->kind = ORM_COL_SMALL_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(ty, "text")) {
		c->kind = ORM_COL_TEXT;
	} else if (starts(ty, "character varying")) {
		c->kind = ORM_COL_STRING;
		c->length = a;
	} else if (!strcmp(ty, "double precision")) {
		c->kind = ORM_COL_DOUBLE;
		c->value_type = ORM_TYPE_DOUBLE;
	} else if (!strcmp(ty, "real")) {
		c->kind = ORM_COL_FLOAT;
		c->value_type = ORM_TYPE_DOUBLE;
	} else if (starts(ty, "numeric")) {
		c->kind = ORM_COL_DECIMAL;
		c->value_type = ORM_TYPE_DECIMAL;
		c->precision = a;
		c->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
	} else if (!strcmp(ty, "boolean")) {
		c->kind = ORM_COL_BOOLEAN;
		c->value_type = ORM_TYPE_BOOL;
	} else if (!strcmp(ty, "date")) {
		c->kind = ORM_COL_DATE;
		c->value_type = ORM_TYPE_DATE;
	} else if (starts(ty, "time without") || starts(ty, "time(")) {
		c->kind = ORM_COL_TIME;
		c->value_type = ORM_TYPE_TIME;
	} else if (starts(ty, "timestamp with time zone") || (starts(ty, "timestamp(") && strstr(ty, "with time zone"))) {
		c->kind = ORM_COL_TIMESTAMPTZ;
		c->value_type = ORM_TYPE_TIMESTAMPTZ;
	} else if (starts(ty, "timestamp")) {
		c->kind = ORM_COL_TIMESTAMP;
		c->value_type = ORM_TYPE_TIMESTAMP;
	} else if (!strcmp(ty, "jsonb") || !strcmp(ty, "json")) {
		c->kind = ORM_COL_JSON;
		c->value_type = ORM_TYPE_JSON;
	} else if (!strcmp(ty, "uuid")) {
		c->kind = ORM_COL_UUID;
		c->value_type = ORM_TYPE_UUID;
	} else if (!strcmp(ty, "bytea")) {
		c->kind = ORM_COL_BINARY;
		c->value_type = ORM_TYPE_BLOB;
	} else {
		c->kind = ORM_COL_SPECIFIC;
	}
}

static int pg_row_col(orm_stmt *st, void *ud)
{
	tbuild *b = ud;
	orm_col_info *c = col_new(b, txt(st, 0));
	const char *def = txt(st, 3), *ident = txt(st, 4);

	if (!c)
		return ORM_ENOMEM;
	if (!(c->type = ar_strdup(b->a, txt(st, 1))))
		return ORM_ENOMEM;
	c->nullable = !orm_column_int(st, 2);
	if (ident && *ident) {
		c->auto_increment = 1;
	} else if (def && strncmp(def, "nextval(", 8) == 0 && txt(st, 8)) {
		c->auto_increment = 1; /* serial: owned sequence */
	}
	if (def && !(ident && *ident) && !(c->default_sql = ar_strdup(b->a, def)))
		return ORM_ENOMEM;
	if (txt(st, 5) && !(c->comment = ar_strdup(b->a, txt(st, 5))))
		return ORM_ENOMEM;
	if (txt(st, 6) && !(c->collation = ar_strdup(b->a, txt(st, 6))))
		return ORM_ENOMEM;
	pg_kind(c, c->type);
	return 0;
}

static int pg_row_pk(orm_stmt *st, void *ud)
{
	tbuild *b = ud;
	orm_col_info *c = col_find(b, txt(st, 1));

	if (!*b->t->primary_name && !(b->t->primary_name = ar_strdup(b->a, txt(st, 0))))
		return ORM_ENOMEM;
	if (push_str(b, &b->t->primary_key, &b->t->nprimary, txt(st, 1)) < 0)
		return ORM_ENOMEM;
	if (c)
		c->primary_key = (int)b->t->nprimary;
	return 0;
}

static orm_fk_action pg_action(const char *s)
{
	switch (s ? s[0] : 'a') {
	case 'r': return ORM_FK_RESTRICT;
	case 'c': return ORM_FK_CASCADE;
	case 'n': return ORM_FK_SET_NULL;
	case 'd': return ORM_FK_SET_DEFAULT;
	default: return ORM_FK_NO_ACTION;
	}
}

struct fk_build {
	tbuild *b;
	orm_fk_info *cur;
};

static int pg_row_fk(orm_stmt *st, void *ud)
{
	struct fk_build *f = ud;
	tbuild *b = f->b;
	const char *name = txt(st, 0);

	if (!f->cur || strcmp(f->cur->name, name) != 0) {
		orm_fk_info *fk = ar_calloc(b->a, 1, sizeof(*fk));
		const char *rs = txt(st, 3);
		if (!fk || !(fk->name = ar_strdup(b->a, name)) ||
		    !(fk->ref_schema = ar_strdup(b->a, rs && strcmp(rs, b->schema) != 0 ? rs : "")) ||
		    !(fk->ref_table = ar_strdup(b->a, txt(st, 4))) || PUSH(b, foreign_keys, nforeign_keys, fk) < 0)
			return ORM_ENOMEM;
		fk->on_delete = pg_action(txt(st, 6));
		fk->on_update = pg_action(txt(st, 7));
		f->cur = fk;
	}
	{
		size_t dummy = f->cur->ncolumns;
		if (push_str(b, &f->cur->columns, &f->cur->ncolumns, txt(st, 2)) < 0 ||
		    push_str(b, &f->cur->ref_columns, &dummy, txt(st, 5)) < 0)
			return ORM_ENOMEM;
	}
	return 0;
}

struct ix_build {
	tbuild *b;
	orm_index_info *cur;
};

static int pg_row_ix(orm_stmt *st, void *ud)
{
	struct ix_build *x = ud;
	tbuild *b = x->b;
	const char *name = txt(st, 0);

	if (orm_column_int(st, 2))
		return 0; /* the primary key */
	if (!x->cur || strcmp(x->cur->name, name) != 0) {
		orm_index_info *ii = ar_calloc(b->a, 1, sizeof(*ii));
		if (!ii || !(ii->name = ar_strdup(b->a, name)) || !(ii->sql = ar_strdup(b->a, txt(st, 7))) ||
		    PUSH(b, indexes, nindexes, ii) < 0)
			return ORM_ENOMEM;
		ii->unique = (int)orm_column_int(st, 1);
		ii->constraint = (int)orm_column_int(st, 3);
		if (txt(st, 4) && !(ii->where = ar_strdup(b->a, txt(st, 4))))
			return ORM_ENOMEM;
		x->cur = ii;
	}
	{
		char *s = NULL;
		if (txt(st, 6) && !(s = ar_strdup(b->a, txt(st, 6))))
			return ORM_ENOMEM;
		return ar_push(b->a, (void ***)&x->cur->columns, &x->cur->ncolumns, s);
	}
}

static int pg_row_check(orm_stmt *st, void *ud)
{
	tbuild *b = ud;
	orm_check_info *ck = ar_calloc(b->a, 1, sizeof(*ck));
	const char *def = txt(st, 1);
	size_t len;
	char *expr;

	if (!ck || !def)
		return ck ? 0 : ORM_ENOMEM;
	/* "CHECK (expr)" [NOT VALID] */
	if (strncmp(def, "CHECK (", 7) == 0)
		def += 7;
	len = strlen(def);
	if (len >= 10 && strcmp(def + len - 10, " NOT VALID") == 0)
		len -= 10;
	if (len && def[len - 1] == ')')
		len--;
	expr = orm__strndup(def, len);
	if (!expr || !(ck->name = ar_strdup(b->a, txt(st, 0))) || !(ck->expr = ar_track(b->a, expr)))
		return ORM_ENOMEM;
	if (PUSH(b, checks, nchecks, ck) < 0)
		return ORM_ENOMEM;
	/* single-column checks: enums and unsigned */
	if (txt(st, 2)) {
		orm_col_info *c = col_find(b, txt(st, 2));
		if (c) {
			if (is_unsigned_check(ck->expr, c->name))
				c->is_unsigned = 1;
			else if (c->kind == ORM_COL_TEXT || c->kind == ORM_COL_STRING)
				return pg_enum_values(b, ck->expr, c->name, c);
		}
	}
	return 0;
}

static int pg_inspect(tbuild *b)
{
	orm_conn *conn = b->conn;
	orm_value p[2];
	struct pg_tab pt = { b, 0 };
	struct fk_build fb = { b, NULL };
	struct ix_build ib = { b, NULL };
	int rc;

	p[0] = orm_text(b->schema);
	p[1] = orm_text(b->bare);
	rc = each_row(conn, PG_REL "SELECT c.relkind::text, COALESCE(obj_description(c.oid, 'pg_class'), ''), "
				   "CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) ELSE '' END "
				   "FROM pg_catalog.pg_class c JOIN rel ON rel.oid = c.oid",
		      p, 2, pg_row_table, &pt);
	if (rc < 0)
		return rc;
	if (!pt.found)
		return orm__err(conn, ORM_ENOTFOUND, "no table \"%s\" in schema \"%s\"", b->bare, b->schema);
	if (!(b->t->name = ar_strdup(b->a, b->bare)))
		return ORM_ENOMEM;
	b->t->primary_name = "";
	rc = each_row(conn, PG_REL "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
				   "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, "
				   "pg_catalog.col_description(a.attrelid, a.attnum), "
				   "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, "
				   "a.attgenerated::text, pg_catalog.pg_get_serial_sequence(quote_ident(?) || '.' || quote_ident(?), a.attname) "
				   "FROM pg_catalog.pg_attribute a JOIN rel ON rel.oid = a.attrelid "
				   "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
				   "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
				   "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation "
				   "WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
		      (orm_value[]){ p[0], p[1], p[0], p[1] }, 4, pg_row_col, b);
	if (rc < 0)
		return rc;
	if (b->t->is_view)
		return 0;
	rc = each_row(conn, PG_REL "SELECT con.conname, a.attname FROM pg_catalog.pg_constraint con JOIN rel ON rel.oid = con.conrelid "
				   "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
				   "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
				   "WHERE con.contype = 'p' ORDER BY k.ord",
		      p, 2, pg_row_pk, b);
	if (rc < 0)
		return rc;
	rc = each_row(conn, PG_REL "SELECT con.conname, k.ord, a.attname, rn.nspname, rc.relname, ra.attname, "
				   "con.confdeltype::text, con.confupdtype::text "
				   "FROM pg_catalog.pg_constraint con JOIN rel ON rel.oid = con.conrelid "
				   "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) "
				   "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
				   "JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
				   "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
				   "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum "
				   "WHERE con.contype = 'f' ORDER BY con.conname, k.ord",
		      p, 2, pg_row_fk, &fb);
	if (rc < 0)
		return rc;
	rc = each_row(conn, PG_REL "SELECT ic.relname, i.indisunique, i.indisprimary, "
				   "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('u', 'p', 'x')), "
				   "pg_catalog.pg_get_expr(i.indpred, i.indrelid), k.ord, "
				   "CASE WHEN k.attnum > 0 THEN a.attname END, pg_catalog.pg_get_indexdef(i.indexrelid) "
				   "FROM pg_catalog.pg_index i JOIN rel ON rel.oid = i.indrelid "
				   "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
				   "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
				   "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
				   "WHERE k.ord <= i.indnkeyatts ORDER BY ic.relname, k.ord",
		      p, 2, pg_row_ix, &ib);
	if (rc < 0)
		return rc;
	return each_row(conn, PG_REL "SELECT con.conname, pg_catalog.pg_get_constraintdef(con.oid), "
				     "CASE WHEN array_length(con.conkey, 1) = 1 THEN "
				     "(SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) END "
				     "FROM pg_catalog.pg_constraint con JOIN rel ON rel.oid = con.conrelid "
				     "WHERE con.contype = 'c' ORDER BY con.conname",
			p, 2, pg_row_check, b);
}

/* ================================================================== */
/* MariaDB                                                             */
/* ================================================================== */

struct my_tab {
	tbuild *b;
	int found;
	char *collation;
};

static int my_row_table(orm_stmt *st, void *ud)
{
	struct my_tab *mt = ud;
	tbuild *b = mt->b;

	mt->found = 1;
	b->t->is_view = txt(st, 0) && strcmp(txt(st, 0), "VIEW") == 0;
	b->t->comment = ar_strdup(b->a, b->t->is_view ? "" : txt(st, 1));
	orm__free(mt->collation);
	mt->collation = orm__strdup(txt(st, 2) ? txt(st, 2) : "");
	return b->t->comment && mt->collation ? 0 : ORM_ENOMEM;
}

struct my_cols {
	tbuild *b;
	const char *table_collation;
};

static void my_kind(orm_col_info *c, const char *data_type, const char *col_type)
{
	int a, b;

	type_params(col_type, &a, &b);
	c->value_type = ORM_TYPE_TEXT;
	if (!strcmp(data_type, "int") || !strcmp(data_type, "mediumint")) {
		c->kind = c->auto_increment ? ORM_COL_INCREMENTS : ORM_COL_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(data_type, "bigint")) {
		c->kind = c->auto_increment ? ORM_COL_BIG_INCREMENTS : ORM_COL_BIG_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(data_type, "smallint")) {
		c->kind = ORM_COL_SMALL_INTEGER;
		c->value_type = ORM_TYPE_INT;
	} else if (!strcmp(data_type, "tinyint")) {
		c->kind = a == 1 ? ORM_COL_BOOLEAN : ORM_COL_SMALL_INTEGER;
		c->value_type = a == 1 ? ORM_TYPE_BOOL : ORM_TYPE_INT;
	} else if (!strcmp(data_type, "varchar")) {
		c->kind = ORM_COL_STRING;
		c->length = a;
	} else if (strstr(data_type, "text")) {
		c->kind = ORM_COL_TEXT;
	} else if (!strcmp(data_type, "double")) {
		c->kind = ORM_COL_DOUBLE;
		c->value_type = ORM_TYPE_DOUBLE;
	} else if (!strcmp(data_type, "float")) {
		c->kind = ORM_COL_FLOAT;
		c->value_type = ORM_TYPE_DOUBLE;
	} else if (!strcmp(data_type, "decimal")) {
		c->kind = ORM_COL_DECIMAL;
		c->value_type = ORM_TYPE_DECIMAL;
		c->precision = a;
		c->scale = b >= 0 ? b : 0;
	} else if (!strcmp(data_type, "date")) {
		c->kind = ORM_COL_DATE;
		c->value_type = ORM_TYPE_DATE;
	} else if (!strcmp(data_type, "time")) {
		c->kind = ORM_COL_TIME;
		c->value_type = ORM_TYPE_TIME;
	} else if (!strcmp(data_type, "datetime")) {
		c->kind = ORM_COL_DATETIME;
		c->value_type = ORM_TYPE_TIMESTAMP;
	} else if (!strcmp(data_type, "timestamp")) {
		c->kind = ORM_COL_TIMESTAMPTZ;
		c->value_type = ORM_TYPE_TIMESTAMPTZ;
	} else if (!strcmp(data_type, "json")) {
		c->kind = ORM_COL_JSON;
		c->value_type = ORM_TYPE_JSON;
	} else if (!strcmp(data_type, "uuid")) {
		c->kind = ORM_COL_UUID;
		c->value_type = ORM_TYPE_UUID;
	} else if (!strcmp(data_type, "enum")) {
		c->kind = ORM_COL_ENUM;
	} else if (strstr(data_type, "blob") || strstr(data_type, "binary")) {
		c->kind = ORM_COL_BINARY;
		c->value_type = ORM_TYPE_BLOB;
	} else {
		c->kind = ORM_COL_SPECIFIC;
	}
}

static int my_enum_values(tbuild *b, orm_col_info *c)
{
	const char *p = strchr(c->type, '(');

	if (!p)
		return 0;
	p++;
	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF || (t.kind == ORM__TK_PUNCT && t.p[0] == ')'))
			break;
		if (t.kind == ORM__TK_STRING) {
			/* MariaDB doubles quotes in COLUMN_TYPE ('it''s') */
			char *v = orm__tok_ident(&t);
			int rc = v ? push_str(b, &c->enum_values, &c->nenum_values, v) : ORM_ENOMEM;
			orm__free(v);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int my_row_col(orm_stmt *st, void *ud)
{
	struct my_cols *mc = ud;
	tbuild *b = mc->b;
	orm_col_info *c = col_new(b, txt(st, 0));
	const char *def = txt(st, 3), *extra = txt(st, 5) ? txt(st, 5) : "", *coll = txt(st, 7);

	if (!c)
		return ORM_ENOMEM;
	if (!(c->type = ar_strdup(b->a, txt(st, 1))))
		return ORM_ENOMEM;
	c->nullable = txt(st, 2) && strcmp(txt(st, 2), "YES") == 0;
	c->auto_increment = strstr(extra, "auto_increment") != NULL;
	c->is_unsigned = strstr(c->type, "unsigned") != NULL;
	/* MariaDB 10.2.7+: defaults are SQL; 'NULL' means no default */
	if (def && strcmp(def, "NULL") != 0 && !(c->default_sql = ar_strdup(b->a, def)))
		return ORM_ENOMEM;
	if (txt(st, 6) && !(c->comment = ar_strdup(b->a, txt(st, 6))))
		return ORM_ENOMEM;
	if (coll && strcmp(coll, mc->table_collation) != 0 && !(c->collation = ar_strdup(b->a, coll)))
		return ORM_ENOMEM;
	{
		const char *ou = strstr(extra, "on update ");
		if (ou && !(c->on_update_sql = ar_strdup(b->a, ou + 10)))
			return ORM_ENOMEM;
	}
	my_kind(c, txt(st, 11) ? txt(st, 11) : "", c->type);
	if (c->kind == ORM_COL_ENUM)
		return my_enum_values(b, c);
	return 0;
}

static int my_row_pk(orm_stmt *st, void *ud)
{
	tbuild *b = ud;
	orm_col_info *c = col_find(b, txt(st, 0));

	if (push_str(b, &b->t->primary_key, &b->t->nprimary, txt(st, 0)) < 0)
		return ORM_ENOMEM;
	if (c)
		c->primary_key = (int)b->t->nprimary;
	return 0;
}

static int my_row_fk(orm_stmt *st, void *ud)
{
	struct fk_build *f = ud;
	tbuild *b = f->b;
	const char *name = txt(st, 0);

	if (!f->cur || strcmp(f->cur->name, name) != 0) {
		orm_fk_info *fk = ar_calloc(b->a, 1, sizeof(*fk));
		const char *rs = txt(st, 2);
		if (!fk || !(fk->name = ar_strdup(b->a, name)) ||
		    !(fk->ref_schema = ar_strdup(b->a, rs && strcmp(rs, b->schema) != 0 ? rs : "")) ||
		    !(fk->ref_table = ar_strdup(b->a, txt(st, 3))) || PUSH(b, foreign_keys, nforeign_keys, fk) < 0)
			return ORM_ENOMEM;
		fk->on_update = action_from_text(txt(st, 5));
		fk->on_delete = action_from_text(txt(st, 6));
		f->cur = fk;
	}
	{
		size_t dummy = f->cur->ncolumns;
		if (push_str(b, &f->cur->columns, &f->cur->ncolumns, txt(st, 1)) < 0 ||
		    push_str(b, &f->cur->ref_columns, &dummy, txt(st, 4)) < 0)
			return ORM_ENOMEM;
	}
	return 0;
}

static int my_row_ix(orm_stmt *st, void *ud)
{
	struct ix_build *x = ud;
	tbuild *b = x->b;
	const char *name = txt(st, 0);

	if (strcmp(name, "PRIMARY") == 0)
		return 0;
	if (!x->cur || strcmp(x->cur->name, name) != 0) {
		orm_index_info *ii = ar_calloc(b->a, 1, sizeof(*ii));
		if (!ii || !(ii->name = ar_strdup(b->a, name)) || PUSH(b, indexes, nindexes, ii) < 0)
			return ORM_ENOMEM;
		ii->sql = "";
		ii->unique = orm_column_int(st, 1) == 0;
		ii->constraint = ii->unique;
		x->cur = ii;
	}
	{
		char *s = NULL;
		if (txt(st, 2) && !(s = ar_strdup(b->a, txt(st, 2))))
			return ORM_ENOMEM;
		return ar_push(b->a, (void ***)&x->cur->columns, &x->cur->ncolumns, s);
	}
}

static int my_row_check(orm_stmt *st, void *ud)
{
	tbuild *b = ud;
	orm_check_info *ck = ar_calloc(b->a, 1, sizeof(*ck));
	orm_col_info *c;

	if (!ck || !(ck->name = ar_strdup(b->a, txt(st, 0))) || !(ck->expr = ar_strdup(b->a, txt(st, 1))))
		return ORM_ENOMEM;
	/* MariaDB's JSON type is LONGTEXT with CHECK (json_valid(`c`)) named after the column */
	c = col_find(b, ck->name);
	if (c && c->kind == ORM_COL_TEXT && strncmp(ck->expr, "json_valid(", 11) == 0) {
		c->kind = ORM_COL_JSON;
		c->value_type = ORM_TYPE_JSON;
		return 0; /* part of the type, not a check of its own */
	}
	if (c && is_unsigned_check(ck->expr, c->name))
		c->is_unsigned = 1;
	return PUSH(b, checks, nchecks, ck);
}

static int my_inspect(tbuild *b)
{
	orm_conn *conn = b->conn;
	orm_value p[2];
	struct my_tab mt = { b, 0, NULL };
	struct fk_build fb = { b, NULL };
	struct ix_build ib = { b, NULL };
	struct my_cols mc;
	int rc;

	p[0] = orm_text(b->schema);
	p[1] = orm_text(b->bare);
	rc = each_row(conn, "SELECT TABLE_TYPE, TABLE_COMMENT, TABLE_COLLATION FROM information_schema.TABLES "
			    "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		      p, 2, my_row_table, &mt);
	if (rc < 0)
		goto out;
	if (!mt.found) {
		rc = orm__err(conn, ORM_ENOTFOUND, "no table \"%s\" in database \"%s\"", b->bare, b->schema);
		goto out;
	}
	if (!(b->t->name = ar_strdup(b->a, b->bare))) {
		rc = ORM_ENOMEM;
		goto out;
	}
	b->t->primary_name = "";
	mc.b = b;
	mc.table_collation = mt.collation;
	rc = each_row(conn, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, EXTRA, COLUMN_COMMENT, "
			    "COLLATION_NAME, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATA_TYPE "
			    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
		      p, 2, my_row_col, &mc);
	if (rc < 0)
		goto out;
	if (b->t->is_view) {
		char *v = NULL;
		rc = orm__query_text(conn, &v, "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
				     p, 2);
		if (rc == 0 && !(b->t->view_sql = ar_track(b->a, v ? v : orm__strdup(""))))
			rc = ORM_ENOMEM;
		if (rc == ORM_ENOTFOUND)
			rc = 0;
		goto out;
	}
	b->t->primary_name = "PRIMARY";
	rc = each_row(conn, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
			    "AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
		      p, 2, my_row_pk, b);
	if (rc < 0)
		goto out;
	if (!b->t->nprimary)
		b->t->primary_name = "";
	rc = each_row(conn, "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, "
			    "k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE "
			    "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
			    "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
			    "WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL "
			    "ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
		      p, 2, my_row_fk, &fb);
	if (rc < 0)
		goto out;
	rc = each_row(conn, "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
			    "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
		      p, 2, my_row_ix, &ib);
	if (rc < 0)
		goto out;
	rc = each_row(conn, "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
			    "WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME",
		      p, 2, my_row_check, b);
out:
	orm__free(mt.collation);
	return rc;
}

/* ================================================================== */
/* entry points                                                        */
/* ================================================================== */

int orm__inspect_table(orm_table_info_handle **out, orm_conn *conn, const char *schema, const char *bare)
{
	orm_table_info_handle *h;
	tbuild b;
	char *cur = NULL;
	int rc;

	*out = NULL;
	h = orm__calloc(1, sizeof(*h));
	if (!h)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	h->info = ar_calloc(&h->a, 1, sizeof(*h->info));
	if (!h->info) {
		rc = ORM_ENOMEM;
		goto fail;
	}
	if (!schema) {
		if ((rc = orm__current_schema(&cur, conn)) < 0)
			goto fail;
		if (!cur) {
			rc = orm__err(conn, ORM_EMISUSE, "no current schema / database selected");
			goto fail;
		}
		schema = cur;
	}
	memset(&b, 0, sizeof(b));
	b.a = &h->a;
	b.t = h->info;
	b.conn = conn;
	b.schema = schema;
	b.bare = bare;
	h->info->comment = "";
	h->info->view_sql = "";
	h->info->primary_name = "";
	if (!(h->info->schema = ar_strdup(&h->a, schema))) {
		rc = ORM_ENOMEM;
		goto fail;
	}
	switch (orm_conn_dialect(conn)) {
	case ORM_DIALECT_SQLITE:
		rc = sqlite_inspect(&b);
		break;
	case ORM_DIALECT_POSTGRES:
		rc = pg_inspect(&b);
		break;
	case ORM_DIALECT_MARIADB:
		rc = my_inspect(&b);
		break;
	default:
		rc = ORM_EINVAL;
	}
	if (rc < 0)
		goto fail;
	if (!h->info->comment)
		h->info->comment = "";
	if (!h->info->view_sql)
		h->info->view_sql = "";
	finalize(&b);
	orm__free(cur);
	*out = h;
	return 0;
fail:
	if (rc == ORM_ENOMEM)
		orm__err(conn, ORM_ENOMEM, "out of memory while reading table \"%s\"", bare);
	orm__free(cur);
	orm_table_info_free(h);
	return rc;
}

int orm_schema_inspect_table(orm_table_info_handle **out, orm_conn *conn, const char *table)
{
	char *schema = NULL, *bare = NULL;
	int rc;

	if (!out || !conn || !table || !*table)
		return ORM_EINVAL;
	*out = NULL;
	if (orm__split_name(table, &schema, &bare) < 0)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	rc = orm__inspect_table(out, conn, schema, bare);
	if (rc == 0)
		orm__err_clear(conn);
	orm__free(schema);
	orm__free(bare);
	return rc;
}

const orm_table_info *orm_table_info_get(const orm_table_info_handle *h)
{
	return h ? h->info : NULL;
}

void orm_table_info_free(orm_table_info_handle *h)
{
	if (!h)
		return;
	arena_free(&h->a);
	orm__free(h);
}

const orm_col_info *orm_table_info_column(const orm_table_info *t, const char *name)
{
	size_t i;

	if (!t || !name)
		return NULL;
	for (i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i]->name, name) == 0)
			return t->columns[i];
	return NULL;
}

/* ---- whole schema ---- */

struct names {
	char **v;
	size_t n;
};

static int row_name(orm_stmt *st, void *ud)
{
	struct names *nm = ud;
	char **nv = orm__realloc(nm->v, (nm->n + 1) * sizeof(*nv));

	if (!nv)
		return ORM_ENOMEM;
	nm->v = nv;
	if (!(nv[nm->n] = orm__strdup(txt(st, 0))))
		return ORM_ENOMEM;
	nm->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int orm__list_tables(char ***out, size_t *n, orm_conn *conn, const char *schema)
{
	struct names nm = { NULL, 0 };
	orm_value p[1];
	int rc;

	*out = NULL;
	*n = 0;
	p[0] = orm_text(schema);
	switch (orm_conn_dialect(conn)) {
	case ORM_DIALECT_SQLITE: {
		orm_buf q = ORM_BUF_INIT;
		orm__ddl x;
		orm__ddl_init(&x, ORM_DIALECT_SQLITE, NULL);
		if (orm_buf_puts(&q, "SELECT name FROM ") < 0 || orm__ddl_ident(&q, &x, schema) < 0 ||
		    orm_buf_puts(&q, ".sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'") < 0)
			rc = ORM_ENOMEM;
		else
			rc = each_row(conn, q.ptr, NULL, 0, row_name, &nm);
		orm_buf_dispose(&q);
		orm__ddl_dispose(&x);
		break;
	}
	case ORM_DIALECT_POSTGRES:
		rc = each_row(conn, "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				    "WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition",
			      p, 1, row_name, &nm);
		break;
	case ORM_DIALECT_MARIADB:
		rc = each_row(conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", p, 1, row_name, &nm);
		break;
	default:
		rc = ORM_EINVAL;
	}
	if (rc < 0) {
		orm__strlist_free(nm.v, nm.n);
		return rc;
	}
	if (nm.n > 1)
		qsort(nm.v, nm.n, sizeof(nm.v[0]), cmp_str);
	*out = nm.v;
	*n = nm.n;
	return 0;
}

int orm_schema_inspect(orm_schema_info **out, orm_conn *conn, const char *schema)
{
	orm_schema_info *s;
	char *cur = NULL;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if (!out || !conn)
		return ORM_EINVAL;
	*out = NULL;
	s = orm__calloc(1, sizeof(*s));
	if (!s)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	if (!schema) {
		if ((rc = orm__current_schema(&cur, conn)) < 0)
			goto fail;
		if (!cur) {
			rc = orm__err(conn, ORM_EMISUSE, "no current schema / database selected");
			goto fail;
		}
		schema = cur;
	}
	if (!(s->name = ar_strdup(&s->a, schema))) {
		rc = orm__err(conn, ORM_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = orm__list_tables(&names, &n, conn, schema)) < 0)
		goto fail;
	s->tables = orm__calloc(n ? n : 1, sizeof(*s->tables));
	if (!s->tables) {
		rc = orm__err(conn, ORM_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		rc = orm__inspect_table(&s->tables[s->n], conn, schema, names[i]);
		if (rc == ORM_ENOTFOUND)
			continue; /* dropped since it was listed: not part of the schema any more */
		if (rc < 0)
			goto fail;
		s->n++;
	}
	orm__strlist_free(names, n);
	orm__free(cur);
	orm__err_clear(conn);
	*out = s;
	return 0;
fail:
	if (rc == ORM_ENOMEM)
		orm__err(conn, ORM_ENOMEM, "out of memory");
	orm__strlist_free(names, n);
	orm__free(cur);
	orm_schema_info_free(s);
	return rc;
}

const char *orm_schema_info_name(const orm_schema_info *s)
{
	return s ? s->name : NULL;
}

size_t orm_schema_info_count(const orm_schema_info *s)
{
	return s ? s->n : 0;
}

const orm_table_info *orm_schema_info_table(const orm_schema_info *s, size_t i)
{
	if (!s || i >= s->n)
		return NULL;
	return s->tables[i]->info;
}

const orm_table_info *orm_schema_info_find(const orm_schema_info *s, const char *name)
{
	size_t i;

	if (!s || !name)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->tables[i]->info->name, name) == 0)
			return s->tables[i]->info;
	return NULL;
}

void orm_schema_info_free(orm_schema_info *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		orm_table_info_free(s->tables[i]);
	orm__free(s->tables);
	arena_free(&s->a);
	orm__free(s);
}
