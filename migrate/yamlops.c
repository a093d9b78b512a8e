/*
 * YAML migrations: `up:` / `down:` lists of operations that map one to
 * one onto the schema builder, parsed into steps (orm__mig_op) when the
 * migrator is made, so that every error (syntax, unknown operation or
 * key, bad name or type) is reported with FILE:LINE:COL before anything
 * runs.
 *
 *   transaction: false        # optional
 *   up:
 *     - create_table:
 *         name: users
 *         columns:
 *           - { name: id, type: increments }
 *           - { name: email, type: string(200), not_null: true, unique: true }
 *           - { name: org_id, type: integer, references: orgs.id, on_delete: cascade }
 *         timestamps: true
 *         indexes: [[email, org_id]]
 *     - raw: { postgres: "CREATE EXTENSION citext", sqlite: ~, mariadb: ~ }
 *   down:
 *     - drop_table: users
 */
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct yp {
	const char *text;
	size_t len;
	orm__yt_doc *doc;
	orm_dialect d;
	orm_buf *err;
};

#define YERR(n, ...) orm__yt_err(p->err, p->doc, (n), ORM_EPARSE, __VA_ARGS__)

/* ---- op lists ---- */

static void op_dispose(orm__mig_op *op)
{
	orm__free(op->ident);
	orm__free(op->desc);
	orm_table_free(op->table);
	orm__free(op->a);
	orm__free(op->b);
	orm__free(op->sql);
	memset(op, 0, sizeof(*op));
}

void orm__mig_ops_dispose(orm__mig_ops *ops)
{
	size_t i;

	if (!ops)
		return;
	for (i = 0; i < ops->n; i++)
		op_dispose(&ops->items[i]);
	orm__free(ops->items);
	ops->items = NULL;
	ops->n = ops->alloc = 0;
}

int orm__mig_ops_push(orm__mig_ops *ops, orm__mig_op *op)
{
	if (ops->n == ops->alloc) {
		size_t na = ops->alloc ? ops->alloc * 2 : 8;
		orm__mig_op *p = orm__realloc(ops->items, na * sizeof(*p));
		if (!p) {
			op_dispose(op);
			return ORM_ENOMEM;
		}
		ops->items = p;
		ops->alloc = na;
	}
	ops->items[ops->n++] = *op;
	memset(op, 0, sizeof(*op));
	return 0;
}

int orm__mig_ops_add_sql(orm__mig_ops *ops, const char *sql, size_t len, orm_dialect d, int first_line)
{
	orm__sql_stmts st = { NULL, 0, 0 };
	size_t i;
	int rc;

	if ((rc = orm__sql_split(&st, sql, len, d, first_line)) < 0)
		goto out;
	for (i = 0; i < st.n; i++) {
		orm__mig_op op;
		memset(&op, 0, sizeof(op));
		op.kind = ORM__OP_SQL;
		op.line = st.items[i].line;
		op.sql = st.items[i].sql;
		st.items[i].sql = NULL;
		op.ident = orm__strdup(op.sql);
		op.desc = orm__sprintf("SQL statement (line %d)", op.line);
		if (!op.ident || !op.desc) {
			op_dispose(&op);
			rc = ORM_ENOMEM;
			goto out;
		}
		if ((rc = orm__mig_ops_push(ops, &op)) < 0)
			goto out;
	}
out:
	orm__sql_stmts_dispose(&st);
	return rc;
}

/* ---- small YAML helpers ---- */

static int check_keys(struct yp *p, const orm__yt_node *m, const char *const *keys, const char *where)
{
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(m, i);
		char list[400] = "";
		for (j = 0; keys[j]; j++)
			if (strcmp(k->str, keys[j]) == 0)
				break;
		if (keys[j])
			continue;
		for (j = 0; keys[j]; j++) {
			if (j)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, keys[j], sizeof(list) - strlen(list) - 1);
		}
		return YERR(k, "unknown key '%s' in %s (expected: %s)", k->str, where, list);
	}
	return 0;
}

static int need_map(struct yp *p, const orm__yt_node *n, const char *what)
{
	if (!n || n->kind != ORM__YT_MAP)
		return YERR(n, "%s must be a mapping, not %s", what, orm__yt_kind_name(n));
	return 0;
}

/* A non-empty scalar (borrowed). */
static int scalar(struct yp *p, const orm__yt_node *n, const char *what, const char **out)
{
	*out = NULL;
	if (!n || n->kind != ORM__YT_SCALAR || orm__yt_is_null(n) || n->len == 0)
		return YERR(n, "%s must be a non-empty string", what);
	*out = n->str;
	return 0;
}

/* An identifier; tables may be "schema.table". */
static int ident(struct yp *p, const orm__yt_node *n, const char *what, int dotted, const char **out)
{
	const char *s, *dot;
	int rc;

	if ((rc = scalar(p, n, what, &s)) < 0)
		return rc;
	dot = dotted ? strchr(s, '.') : NULL;
	if (dot) {
		char part[128];
		size_t k = (size_t)(dot - s);
		if (k < sizeof(part)) {
			memcpy(part, s, k);
			part[k] = '\0';
			if (orm__valid_ident(part) && orm__valid_ident(dot + 1)) {
				*out = s;
				return 0;
			}
		}
	} else if (orm__valid_ident(s)) {
		*out = s;
		return 0;
	}
	return YERR(n, "%s '%s' is not a valid name (letters, digits and _, not starting with a digit, at most 63 bytes%s)",
		    what, s, dotted ? "; schema.table allowed" : "");
}

static int flag(struct yp *p, const orm__yt_node *n, const char *what, int *out)
{
	if (orm__yt_bool(n, out) < 0)
		return YERR(n, "%s must be true or false", what);
	return 0;
}

/* A list of identifiers (a single scalar counts as a list of one). Array freed by caller. */
static int ident_list(struct yp *p, const orm__yt_node *n, const char *what, const char ***out, size_t *count)
{
	const char **arr;
	size_t i, k = n && n->kind == ORM__YT_SEQ ? n->n : 1;
	int rc;

	*out = NULL;
	*count = 0;
	if (!n || (n->kind == ORM__YT_SEQ && n->n == 0) || n->kind == ORM__YT_MAP)
		return YERR(n, "%s must be a column name or a list of column names", what);
	arr = orm__calloc(k, sizeof(*arr));
	if (!arr)
		return ORM_ENOMEM;
	for (i = 0; i < k; i++) {
		const orm__yt_node *it = n->kind == ORM__YT_SEQ ? n->items[i] : n;
		if ((rc = ident(p, it, what, 0, &arr[i])) < 0) {
			orm__free(arr);
			return rc;
		}
	}
	*out = arr;
	*count = k;
	return 0;
}

static int fk_action(struct yp *p, const orm__yt_node *n, orm_fk_action *out)
{
	const char *s;
	int rc;

	if ((rc = scalar(p, n, "a foreign key action", &s)) < 0)
		return rc;
	if (orm_fk_action_parse(out, s) < 0)
		return YERR(n, "unknown foreign key action '%s' (cascade, restrict, set null, set default, no action)", s);
	return 0;
}

/* After builder calls: turn the table's sticky error into a positioned one. */
static int table_check(struct yp *p, const orm_table *t, const orm__yt_node *at)
{
	int rc = orm_table_error(t);

	if (rc == 0)
		return 0;
	if (rc == ORM_ENOMEM)
		return rc;
	return YERR(at, "%s", orm_table_errmsg(t));
}

/* ---- columns ---- */

/* "string(200)", "decimal(10, 2)", "integer" -> type and up to two numbers. */
static int parse_type(struct yp *p, const orm__yt_node *n, orm_col_type *type, int args[2], int *nargs)
{
	char name[64];
	const char *s, *par;
	size_t k;
	int rc;

	*nargs = 0;
	if ((rc = scalar(p, n, "a column type", &s)) < 0)
		return rc;
	par = strchr(s, '(');
	k = par ? (size_t)(par - s) : strlen(s);
	while (k > 0 && isspace((unsigned char)s[k - 1]))
		k--;
	if (k == 0 || k >= sizeof(name))
		return YERR(n, "bad column type '%s'", s);
	memcpy(name, s, k);
	name[k] = '\0';
	if (orm_col_type_parse(type, name) < 0)
		return YERR(n, "unknown column type '%s' (increments, integer, big_integer, string, text, decimal, "
			    "boolean, date, datetime, timestamp, timestamptz, json, uuid, enum, binary, specific, ...)", name);
	if (par) {
		const char *q = par + 1;
		char *end;
		while (*nargs < 2) {
			long v;
			errno = 0;
			v = strtol(q, &end, 10);
			if (end == q || errno || v < 0 || v > 1000000)
				return YERR(n, "bad arguments in column type '%s'", s);
			args[(*nargs)++] = (int)v;
			while (isspace((unsigned char)*end))
				end++;
			if (*end == ',') {
				q = end + 1;
				continue;
			}
			break;
		}
		if (*end != ')' || end[1] != '\0')
			return YERR(n, "bad column type '%s' (expected e.g. string(200) or decimal(10,2))", s);
	}
	return 0;
}

/* A YAML default value as an orm_value of the column's type. */
static int default_value(struct yp *p, const orm__yt_node *n, orm_col_type type, orm_value *out)
{
	long long iv;
	int b;

	if (n->kind != ORM__YT_SCALAR)
		return YERR(n, "default must be a scalar (use default_raw for an SQL expression)");
	if (orm__yt_is_null(n)) {
		*out = orm_null();
		return 0;
	}
	switch (type) {
	case ORM_COL_BOOLEAN:
		if (orm__yt_bool(n, &b) < 0)
			return YERR(n, "default of a boolean column must be true or false");
		*out = orm_bool(b);
		return 0;
	case ORM_COL_INTEGER: case ORM_COL_BIG_INTEGER: case ORM_COL_SMALL_INTEGER:
	case ORM_COL_INCREMENTS: case ORM_COL_BIG_INCREMENTS:
		if (orm__yt_int(n, &iv) < 0)
			return YERR(n, "default of an integer column must be an integer");
		*out = orm_int(iv);
		return 0;
	case ORM_COL_FLOAT: case ORM_COL_DOUBLE: {
		char *end;
		double dv;
		errno = 0;
		dv = strtod(n->str, &end);
		if (*end || errno)
			return YERR(n, "default of a floating point column must be a number");
		*out = orm_double(dv);
		return 0;
	}
	case ORM_COL_DECIMAL: *out = orm_typed_text(ORM_TYPE_DECIMAL, n->str); return 0;
	case ORM_COL_DATE: *out = orm_typed_text(ORM_TYPE_DATE, n->str); return 0;
	case ORM_COL_TIME: *out = orm_typed_text(ORM_TYPE_TIME, n->str); return 0;
	case ORM_COL_DATETIME: case ORM_COL_TIMESTAMP:
		*out = orm_typed_text(ORM_TYPE_TIMESTAMP, n->str);
		return 0;
	case ORM_COL_TIMESTAMPTZ: *out = orm_typed_text(ORM_TYPE_TIMESTAMPTZ, n->str); return 0;
	case ORM_COL_JSON: *out = orm_typed_text(ORM_TYPE_JSON, n->str); return 0;
	case ORM_COL_UUID: *out = orm_typed_text(ORM_TYPE_UUID, n->str); return 0;
	case ORM_COL_KEEP:
		/* type unknown here: guess from a plain scalar */
		if (n->plain && orm__yt_bool(n, &b) == 0 && !isdigit((unsigned char)n->str[0])) {
			*out = orm_bool(b);
			return 0;
		}
		if (n->plain && orm__yt_int(n, &iv) == 0) {
			*out = orm_int(iv);
			return 0;
		}
		*out = orm_text(n->str);
		return 0;
	default:
		*out = orm_text(n->str);
		return 0;
	}
}

/* "table.column", "table" (column id), or {table: ..., column: ...}. */
static int references(struct yp *p, const orm__yt_node *n, char **table, char **column)
{
	static const char *const keys[] = { "table", "column", NULL };
	const char *t, *c = NULL;
	int rc;

	*table = *column = NULL;
	if (n && n->kind == ORM__YT_MAP) {
		if ((rc = check_keys(p, n, keys, "references")) < 0)
			return rc;
		if ((rc = ident(p, orm__yt_get(n, "table"), "references.table", 1, &t)) < 0)
			return rc;
		if (orm__yt_get(n, "column") && (rc = ident(p, orm__yt_get(n, "column"), "references.column", 0, &c)) < 0)
			return rc;
		*table = orm__strdup(t);
		*column = orm__strdup(c ? c : "id");
	} else {
		const char *s, *dot;
		if ((rc = scalar(p, n, "references", &s)) < 0)
			return rc;
		dot = strrchr(s, '.');
		*table = dot ? orm__strndup(s, (size_t)(dot - s)) : orm__strdup(s);
		*column = orm__strdup(dot ? dot + 1 : "id");
		if (*table && *column && (!orm__valid_ident(*column) ||
		     !(orm__valid_ident(*table) || (strchr(*table, '.') && strchr(*table, '.') == strrchr(*table, '.'))))) {
			orm__free(*table);
			orm__free(*column);
			*table = *column = NULL;
			return YERR(n, "references '%s' must be table.column, table, or {table: ..., column: ...}", s);
		}
	}
	if (!*table || !*column) {
		orm__free(*table);
		orm__free(*column);
		*table = *column = NULL;
		return ORM_ENOMEM;
	}
	return 0;
}

enum { COL_ADD = 0, COL_ALTER = 1 };

static const char *const col_keys[] = {
	"name", "type", "length", "precision", "scale", "values", "not_null", "nullable", "default",
	"default_raw", "default_now", "drop_default", "unsigned", "primary", "unique", "index",
	"references", "on_delete", "on_update", "comment", "collate", "sqlite", "postgres", "mariadb", NULL
};

/* One column: name node, and spec (a type string or a mapping). */
static int column(struct yp *p, orm_table *t, const orm__yt_node *name_n, const orm__yt_node *spec, int mode)
{
	const orm__yt_node *type_n, *v;
	orm_col_type type = ORM_COL_KEEP;
	const char *name;
	int args[2], nargs = 0, rc, b;
	orm_col *c = NULL;
	size_t i;

	if ((rc = ident(p, name_n, "column name", 0, &name)) < 0)
		return rc;
	if (spec && spec->kind == ORM__YT_MAP) {
		if ((rc = check_keys(p, spec, col_keys, "a column")) < 0)
			return rc;
		type_n = orm__yt_get(spec, "type");
	} else {
		type_n = spec && !orm__yt_is_null(spec) ? spec : NULL;
		spec = NULL;
	}
	if (type_n && (rc = parse_type(p, type_n, &type, args, &nargs)) < 0)
		return rc;
	if (!type_n && mode == COL_ADD)
		return YERR(name_n, "column '%s' needs a type", name);
	if (type == ORM_COL_SPECIFIC) {
		const char *s[3] = { NULL, NULL, NULL };
		static const char *const dk[3] = { "sqlite", "postgres", "mariadb" };
		for (i = 0; i < 3; i++) {
			v = orm__yt_get(spec, dk[i]);
			if (v && !orm__yt_is_null(v) && (rc = scalar(p, v, dk[i], &s[i])) < 0)
				return rc;
		}
		if (mode == COL_ALTER)
			return YERR(type_n, "type specific cannot be used to alter a column");
		c = orm_table_specific(t, name, s[0], s[1], s[2]);
	} else if (mode == COL_ALTER) {
		c = orm_table_alter_column(t, name, type);
	} else {
		c = orm_table_add_column(t, name, type);
	}
	if ((rc = table_check(p, t, name_n)) < 0)
		return rc;
	if (nargs > 0 && (type == ORM_COL_STRING))
		orm_col_length(c, args[0]);
	else if (nargs > 0 && type == ORM_COL_DECIMAL)
		orm_col_precision(c, args[0], nargs > 1 ? args[1] : 0);
	else if (nargs > 0)
		return YERR(type_n, "type %s takes no arguments", orm_col_type_name(type));
	if (!spec)
		return table_check(p, t, name_n);
	for (i = 0; i < spec->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(spec, i);
		long long iv;
		v = ORM__YT_VAL(spec, i);
		if (orm__yt_is(k, "name") || orm__yt_is(k, "type") || orm__yt_is(k, "sqlite") ||
		    orm__yt_is(k, "postgres") || orm__yt_is(k, "mariadb") || orm__yt_is(k, "on_delete") ||
		    orm__yt_is(k, "on_update") || orm__yt_is(k, "scale")) {
			continue;
		} else if (orm__yt_is(k, "length")) {
			if (orm__yt_int(v, &iv) < 0 || iv <= 0 || iv > 1000000)
				return YERR(v, "length must be a positive integer");
			orm_col_length(c, (int)iv);
		} else if (orm__yt_is(k, "precision")) {
			long long sc = 2;
			const orm__yt_node *sn = orm__yt_get(spec, "scale");
			if (orm__yt_int(v, &iv) < 0 || iv <= 0 || iv > 1000)
				return YERR(v, "precision must be a positive integer");
			if (sn && (orm__yt_int(sn, &sc) < 0 || sc < 0 || sc > iv))
				return YERR(sn, "scale must be an integer between 0 and the precision");
			orm_col_precision(c, (int)iv, (int)sc);
		} else if (orm__yt_is(k, "values")) {
			const char **vals;
			size_t nv, j;
			if (!v || v->kind != ORM__YT_SEQ || v->n == 0)
				return YERR(v, "values must be a list of strings");
			vals = orm__calloc(v->n, sizeof(*vals));
			if (!vals)
				return ORM_ENOMEM;
			for (j = 0, nv = 0; j < v->n; j++) {
				if (v->items[j]->kind != ORM__YT_SCALAR) {
					orm__free(vals);
					return YERR(v->items[j], "enum values must be strings");
				}
				vals[nv++] = v->items[j]->str;
			}
			orm_col_enum_values(c, vals, nv);
			orm__free(vals);
		} else if (orm__yt_is(k, "not_null") || orm__yt_is(k, "nullable")) {
			if ((rc = flag(p, v, k->str, &b)) < 0)
				return rc;
			if (orm__yt_is(k, "nullable"))
				b = !b;
			if (b)
				orm_col_not_null(c);
			else
				orm_col_nullable(c);
		} else if (orm__yt_is(k, "default")) {
			orm_value dv;
			if ((rc = default_value(p, v, type, &dv)) < 0)
				return rc;
			orm_col_default(c, dv);
		} else if (orm__yt_is(k, "default_raw")) {
			const char *s;
			if ((rc = scalar(p, v, "default_raw", &s)) < 0)
				return rc;
			orm_col_default_raw(c, s);
		} else if (orm__yt_is(k, "default_now") || orm__yt_is(k, "drop_default") ||
			   orm__yt_is(k, "unsigned") || orm__yt_is(k, "primary") || orm__yt_is(k, "unique") ||
			   orm__yt_is(k, "index")) {
			if ((rc = flag(p, v, k->str, &b)) < 0)
				return rc;
			if (!b)
				continue;
			if (orm__yt_is(k, "default_now"))
				orm_col_default_now(c);
			else if (orm__yt_is(k, "drop_default"))
				orm_col_drop_default(c);
			else if (orm__yt_is(k, "unsigned"))
				orm_col_unsigned(c);
			else if (orm__yt_is(k, "primary"))
				orm_col_primary(c);
			else if (orm__yt_is(k, "unique"))
				orm_col_unique(c);
			else
				orm_col_index(c);
		} else if (orm__yt_is(k, "references")) {
			char *rt, *rcn;
			const orm__yt_node *a;
			if ((rc = references(p, v, &rt, &rcn)) < 0)
				return rc;
			orm_col_references(c, rt, rcn);
			orm__free(rt);
			orm__free(rcn);
			if ((a = orm__yt_get(spec, "on_delete"))) {
				orm_fk_action act;
				if ((rc = fk_action(p, a, &act)) < 0)
					return rc;
				orm_col_on_delete(c, act);
			}
			if ((a = orm__yt_get(spec, "on_update"))) {
				orm_fk_action act;
				if ((rc = fk_action(p, a, &act)) < 0)
					return rc;
				orm_col_on_update(c, act);
			}
		} else if (orm__yt_is(k, "comment")) {
			const char *s;
			if (v->kind != ORM__YT_SCALAR)
				return YERR(v, "comment must be a string");
			s = v->str;
			orm_col_comment(c, s);
		} else if (orm__yt_is(k, "collate")) {
			const char *s;
			if ((rc = scalar(p, v, "collate", &s)) < 0)
				return rc;
			orm_col_collate(c, s);
		}
		if ((rc = table_check(p, t, k)) < 0)
			return rc;
	}
	if ((orm__yt_get(spec, "on_delete") || orm__yt_get(spec, "on_update")) && !orm__yt_get(spec, "references"))
		return YERR(orm__yt_get(spec, "on_delete") ? orm__yt_get(spec, "on_delete") : orm__yt_get(spec, "on_update"),
			    "on_delete / on_update need references");
	return table_check(p, t, name_n);
}

/* columns: a list of mappings with `name`, or a mapping name -> type / spec. */
static int columns(struct yp *p, orm_table *t, const orm__yt_node *n, int mode)
{
	size_t i;
	int rc;

	if (n && n->kind == ORM__YT_SEQ) {
		for (i = 0; i < n->n; i++) {
			const orm__yt_node *it = n->items[i];
			if (it->kind != ORM__YT_MAP || !orm__yt_get(it, "name"))
				return YERR(it, "each column must be a mapping with a name (e.g. {name: id, type: increments})");
			if ((rc = column(p, t, orm__yt_get(it, "name"), it, mode)) < 0)
				return rc;
		}
		return 0;
	}
	if (n && n->kind == ORM__YT_MAP) {
		for (i = 0; i < n->n; i++) {
			const orm__yt_node *spec = ORM__YT_VAL(n, i);
			if (spec->kind == ORM__YT_MAP && orm__yt_get(spec, "name"))
				return YERR(orm__yt_get(spec, "name"), "name is given by the key here");
			if ((rc = column(p, t, ORM__YT_KEY(n, i), spec, mode)) < 0)
				return rc;
		}
		return 0;
	}
	return YERR(n, "columns must be a list or a mapping of columns");
}

/* ---- keys and indexes ---- */

enum { KEY_PRIMARY, KEY_UNIQUE, KEY_INDEX };

/* One key: a list of columns, or {columns: [...], name: ...}. */
static int one_key(struct yp *p, orm_table *t, const orm__yt_node *n, int kind)
{
	static const char *const keys[] = { "columns", "name", NULL };
	const orm__yt_node *cols_n = n;
	const char **cols = NULL, *name = NULL;
	size_t nc;
	int rc;

	if (n && n->kind == ORM__YT_MAP) {
		if ((rc = check_keys(p, n, keys, "a key or index")) < 0)
			return rc;
		cols_n = orm__yt_get(n, "columns");
		if (orm__yt_get(n, "name") && (rc = ident(p, orm__yt_get(n, "name"), "index name", 0, &name)) < 0)
			return rc;
	}
	if ((rc = ident_list(p, cols_n, "columns", &cols, &nc)) < 0)
		return rc;
	if (kind == KEY_PRIMARY)
		orm_table_primary(t, cols, nc, name);
	else if (kind == KEY_UNIQUE)
		orm_table_unique(t, cols, nc, name);
	else
		orm_table_index(t, cols, nc, name);
	orm__free(cols);
	return table_check(p, t, n);
}

/* A list of keys; a list of plain names is one key over those columns. */
static int key_list(struct yp *p, orm_table *t, const orm__yt_node *n, int kind)
{
	size_t i;
	int rc;

	if (n && n->kind == ORM__YT_SEQ && n->n > 0 && n->items[0]->kind != ORM__YT_SCALAR) {
		for (i = 0; i < n->n; i++)
			if ((rc = one_key(p, t, n->items[i], kind)) < 0)
				return rc;
		return 0;
	}
	return one_key(p, t, n, kind);
}

static int one_fk(struct yp *p, orm_table *t, const orm__yt_node *n)
{
	static const char *const keys[] = { "columns", "references", "ref_columns", "on_delete", "on_update",
					    "name", "table", NULL };
	const orm__yt_node *ref, *v;
	const char **cols = NULL, **rcols = NULL, *rtable = NULL, *name = NULL;
	size_t nc = 0, nr = 0;
	orm_fk_action od = ORM_FK_DEFAULT, ou = ORM_FK_DEFAULT;
	char *split_table = NULL, *split_col = NULL;
	int rc;

	if ((rc = need_map(p, n, "a foreign key")) < 0)
		return rc;
	if ((rc = check_keys(p, n, keys, "a foreign key")) < 0)
		return rc;
	if ((rc = ident_list(p, orm__yt_get(n, "columns"), "columns", &cols, &nc)) < 0)
		return rc;
	ref = orm__yt_get(n, "references");
	if (ref && ref->kind == ORM__YT_MAP) {
		static const char *const rkeys[] = { "table", "columns", NULL };
		if ((rc = check_keys(p, ref, rkeys, "references")) < 0)
			goto out;
		if ((rc = ident(p, orm__yt_get(ref, "table"), "references.table", 1, &rtable)) < 0)
			goto out;
		if (orm__yt_get(ref, "columns") &&
		    (rc = ident_list(p, orm__yt_get(ref, "columns"), "references.columns", &rcols, &nr)) < 0)
			goto out;
	} else if (ref && orm__yt_get(n, "ref_columns")) {
		if ((rc = ident(p, ref, "references", 1, &rtable)) < 0)
			goto out;
		if ((rc = ident_list(p, orm__yt_get(n, "ref_columns"), "ref_columns", &rcols, &nr)) < 0)
			goto out;
	} else if (ref) {
		if ((rc = references(p, ref, &split_table, &split_col)) < 0)
			goto out;
		rtable = split_table;
		rcols = orm__calloc(1, sizeof(*rcols));
		if (!rcols) {
			rc = ORM_ENOMEM;
			goto out;
		}
		rcols[0] = split_col;
		nr = 1;
	} else {
		rc = YERR(n, "a foreign key needs references");
		goto out;
	}
	if (nr && nr != nc) {
		rc = YERR(ref, "a foreign key of %zu column(s) references %zu column(s)", nc, nr);
		goto out;
	}
	if ((v = orm__yt_get(n, "on_delete")) && (rc = fk_action(p, v, &od)) < 0)
		goto out;
	if ((v = orm__yt_get(n, "on_update")) && (rc = fk_action(p, v, &ou)) < 0)
		goto out;
	if ((v = orm__yt_get(n, "name")) && (rc = ident(p, v, "foreign key name", 0, &name)) < 0)
		goto out;
	orm_table_foreign(t, cols, nc, rtable, rcols, nr, od, ou, name);
	rc = table_check(p, t, n);
out:
	orm__free(cols);
	orm__free(rcols);
	orm__free(split_table);
	orm__free(split_col);
	return rc;
}

static int fk_list(struct yp *p, orm_table *t, const orm__yt_node *n)
{
	size_t i;
	int rc;

	if (n && n->kind == ORM__YT_MAP)
		return one_fk(p, t, n);
	if (!n || n->kind != ORM__YT_SEQ)
		return YERR(n, "foreign_keys must be a list of foreign keys");
	for (i = 0; i < n->n; i++)
		if ((rc = one_fk(p, t, n->items[i])) < 0)
			return rc;
	return 0;
}

enum { DROP_INDEX, DROP_UNIQUE, DROP_FOREIGN };

/* One drop: a name, or {name: ...} / {columns: [...]}. */
static int one_drop(struct yp *p, orm_table *t, const orm__yt_node *n, int kind)
{
	static const char *const keys[] = { "name", "columns", "table", NULL };
	const char *name = NULL, **cols = NULL;
	size_t nc = 0;
	int rc;

	if (n && n->kind == ORM__YT_MAP) {
		if ((rc = check_keys(p, n, keys, "a drop")) < 0)
			return rc;
		if (orm__yt_get(n, "name")) {
			if ((rc = ident(p, orm__yt_get(n, "name"), "name", 0, &name)) < 0)
				return rc;
		} else if ((rc = ident_list(p, orm__yt_get(n, "columns"), "columns", &cols, &nc)) < 0) {
			return rc;
		}
	} else if ((rc = ident(p, n, "name", 0, &name)) < 0) {
		return rc;
	}
	if (kind == DROP_INDEX)
		orm_table_drop_index(t, name, cols, nc);
	else if (kind == DROP_UNIQUE)
		orm_table_drop_unique(t, name, cols, nc);
	else
		orm_table_drop_foreign(t, name, cols, nc);
	orm__free(cols);
	return table_check(p, t, n);
}

static int drop_list(struct yp *p, orm_table *t, const orm__yt_node *n, int kind)
{
	size_t i;
	int rc;

	if (n && n->kind == ORM__YT_SEQ) {
		for (i = 0; i < n->n; i++)
			if ((rc = one_drop(p, t, n->items[i], kind)) < 0)
				return rc;
		return 0;
	}
	return one_drop(p, t, n, kind);
}

/* A mapping old: new, or a list of {from: ..., to: ...}. */
static int rename_list(struct yp *p, orm_table *t, const orm__yt_node *n, int index)
{
	size_t i;
	int rc;

	for (i = 0; n && i < (n->kind == ORM__YT_MAP ? n->n : n->kind == ORM__YT_SEQ ? n->n : 0); i++) {
		const orm__yt_node *fn, *tn;
		const char *from, *to;
		if (n->kind == ORM__YT_MAP) {
			fn = ORM__YT_KEY(n, i);
			tn = ORM__YT_VAL(n, i);
		} else {
			static const char *const keys[] = { "from", "to", NULL };
			if ((rc = need_map(p, n->items[i], "a rename")) < 0)
				return rc;
			if ((rc = check_keys(p, n->items[i], keys, "a rename")) < 0)
				return rc;
			fn = orm__yt_get(n->items[i], "from");
			tn = orm__yt_get(n->items[i], "to");
		}
		if ((rc = ident(p, fn, "from", 0, &from)) < 0 || (rc = ident(p, tn, "to", 0, &to)) < 0)
			return rc;
		if (index)
			orm_table_rename_index(t, from, to);
		else
			orm_table_rename_column(t, from, to);
		if ((rc = table_check(p, t, fn)) < 0)
			return rc;
	}
	if (!n || (n->kind != ORM__YT_MAP && n->kind != ORM__YT_SEQ))
		return YERR(n, "renames must be a mapping old: new or a list of {from, to}");
	return 0;
}

/* ---- operations ---- */

static int table_options(struct yp *p, orm_table *t, const orm__yt_node *k, const orm__yt_node *v, int *handled)
{
	const char *s;
	int rc;

	*handled = 1;
	if (orm__yt_is(k, "comment")) {
		if (!v || v->kind != ORM__YT_SCALAR)
			return YERR(v, "comment must be a string");
		orm_table_comment(t, v->str);
	} else if (orm__yt_is(k, "engine")) {
		if ((rc = scalar(p, v, "engine", &s)) < 0)
			return rc;
		orm_table_engine(t, s);
	} else if (orm__yt_is(k, "charset")) {
		const char *cs;
		if ((rc = scalar(p, v, "charset", &cs)) < 0)
			return rc;
		orm_table_charset(t, cs, NULL);
	} else {
		*handled = 0;
		return 0;
	}
	return table_check(p, t, k);
}

static int op_create_table(struct yp *p, const orm__yt_node *v, orm__mig_op *op)
{
	static const char *const keys[] = { "name", "columns", "timestamps", "primary", "unique", "indexes",
					    "foreign_keys", "comment", "if_not_exists", "engine", "charset", NULL };
	const char *name;
	size_t i;
	int rc, b, handled;

	if ((rc = need_map(p, v, "create_table")) < 0 || (rc = check_keys(p, v, keys, "create_table")) < 0)
		return rc;
	if ((rc = ident(p, orm__yt_get(v, "name"), "table name", 1, &name)) < 0)
		return rc;
	if (!orm__yt_get(v, "columns"))
		return YERR(v, "create_table %s needs columns", name);
	op->kind = ORM__OP_CREATE_TABLE;
	if (!(op->table = orm_table_new(name)))
		return ORM_ENOMEM;
	if ((rc = columns(p, op->table, orm__yt_get(v, "columns"), COL_ADD)) < 0)
		return rc;
	for (i = 0; i < v->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(v, i), *val = ORM__YT_VAL(v, i);
		if (orm__yt_is(k, "timestamps")) {
			if ((rc = flag(p, val, "timestamps", &b)) < 0)
				return rc;
			if (b)
				orm_table_timestamps(op->table);
			rc = table_check(p, op->table, k);
		} else if (orm__yt_is(k, "primary")) {
			rc = one_key(p, op->table, val, KEY_PRIMARY);
		} else if (orm__yt_is(k, "unique")) {
			rc = key_list(p, op->table, val, KEY_UNIQUE);
		} else if (orm__yt_is(k, "indexes")) {
			rc = key_list(p, op->table, val, KEY_INDEX);
		} else if (orm__yt_is(k, "foreign_keys")) {
			rc = fk_list(p, op->table, val);
		} else if (orm__yt_is(k, "if_not_exists")) {
			if ((rc = flag(p, val, "if_not_exists", &b)) == 0 && b)
				op->flags |= ORM_SCHEMA_IF_NOT_EXISTS;
		} else {
			rc = table_options(p, op->table, k, val, &handled);
		}
		if (rc < 0)
			return rc;
	}
	op->desc = orm__sprintf("create_table %s (line %d)", name, v->line);
	return op->desc ? 0 : ORM_ENOMEM;
}

static int op_alter_table(struct yp *p, const orm__yt_node *v, orm__mig_op *op)
{
	static const char *const keys[] = {
		"name", "add_columns", "columns", "drop_columns", "rename_columns", "alter_columns",
		"indexes", "add_indexes", "drop_indexes", "unique", "add_unique", "drop_unique", "primary",
		"drop_primary", "foreign_keys", "add_foreign_keys", "drop_foreign_keys", "rename_indexes",
		"timestamps", "comment", "engine", "charset", NULL
	};
	const char *name;
	size_t i, j;
	int rc = 0, b, handled;

	if ((rc = need_map(p, v, "alter_table")) < 0 || (rc = check_keys(p, v, keys, "alter_table")) < 0)
		return rc;
	if ((rc = ident(p, orm__yt_get(v, "name"), "table name", 1, &name)) < 0)
		return rc;
	op->kind = ORM__OP_ALTER_TABLE;
	if (!(op->table = orm_table_alter_new(name)))
		return ORM_ENOMEM;
	for (i = 0; i < v->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(v, i), *val = ORM__YT_VAL(v, i);
		if (orm__yt_is(k, "name"))
			continue;
		if (orm__yt_is(k, "add_columns") || orm__yt_is(k, "columns")) {
			rc = columns(p, op->table, val, COL_ADD);
		} else if (orm__yt_is(k, "alter_columns")) {
			rc = columns(p, op->table, val, COL_ALTER);
		} else if (orm__yt_is(k, "drop_columns")) {
			const char **cols;
			size_t nc;
			if ((rc = ident_list(p, val, "drop_columns", &cols, &nc)) < 0)
				return rc;
			for (j = 0; j < nc; j++)
				orm_table_drop_column(op->table, cols[j]);
			orm__free(cols);
			rc = table_check(p, op->table, k);
		} else if (orm__yt_is(k, "rename_columns")) {
			rc = rename_list(p, op->table, val, 0);
		} else if (orm__yt_is(k, "rename_indexes")) {
			rc = rename_list(p, op->table, val, 1);
		} else if (orm__yt_is(k, "indexes") || orm__yt_is(k, "add_indexes")) {
			rc = key_list(p, op->table, val, KEY_INDEX);
		} else if (orm__yt_is(k, "unique") || orm__yt_is(k, "add_unique")) {
			rc = key_list(p, op->table, val, KEY_UNIQUE);
		} else if (orm__yt_is(k, "primary")) {
			rc = one_key(p, op->table, val, KEY_PRIMARY);
		} else if (orm__yt_is(k, "drop_indexes")) {
			rc = drop_list(p, op->table, val, DROP_INDEX);
		} else if (orm__yt_is(k, "drop_unique")) {
			rc = drop_list(p, op->table, val, DROP_UNIQUE);
		} else if (orm__yt_is(k, "drop_foreign_keys")) {
			rc = drop_list(p, op->table, val, DROP_FOREIGN);
		} else if (orm__yt_is(k, "foreign_keys") || orm__yt_is(k, "add_foreign_keys")) {
			rc = fk_list(p, op->table, val);
		} else if (orm__yt_is(k, "drop_primary")) {
			if (orm__yt_bool(val, &b) == 0) {
				if (b)
					orm_table_drop_primary(op->table, NULL);
			} else {
				const char *pk;
				if ((rc = ident(p, val, "drop_primary", 0, &pk)) < 0)
					return rc;
				orm_table_drop_primary(op->table, pk);
			}
			rc = table_check(p, op->table, k);
		} else if (orm__yt_is(k, "timestamps")) {
			if ((rc = flag(p, val, "timestamps", &b)) < 0)
				return rc;
			if (b)
				orm_table_timestamps(op->table);
			rc = table_check(p, op->table, k);
		} else {
			rc = table_options(p, op->table, k, val, &handled);
		}
		if (rc < 0)
			return rc;
	}
	op->desc = orm__sprintf("alter_table %s (line %d)", name, v->line);
	return op->desc ? 0 : ORM_ENOMEM;
}

/* drop_table: NAME | {name, if_exists, cascade}; also drop/create_schema. */
static int op_named(struct yp *p, const orm__yt_node *v, orm__mig_op *op, int kind, const char *what)
{
	static const char *const keys[] = { "name", "if_exists", "if_not_exists", "cascade", NULL };
	const orm__yt_node *nn = v;
	const char *name;
	int rc, b;

	op->kind = kind;
	if (v && v->kind == ORM__YT_MAP) {
		if ((rc = check_keys(p, v, keys, what)) < 0)
			return rc;
		nn = orm__yt_get(v, "name");
		if (orm__yt_get(v, "if_exists")) {
			if ((rc = flag(p, orm__yt_get(v, "if_exists"), "if_exists", &b)) < 0)
				return rc;
			if (b)
				op->flags |= ORM_SCHEMA_IF_EXISTS;
		}
		if (orm__yt_get(v, "if_not_exists")) {
			if ((rc = flag(p, orm__yt_get(v, "if_not_exists"), "if_not_exists", &b)) < 0)
				return rc;
			if (b)
				op->flags |= ORM_SCHEMA_IF_NOT_EXISTS;
		}
		if (orm__yt_get(v, "cascade")) {
			if ((rc = flag(p, orm__yt_get(v, "cascade"), "cascade", &b)) < 0)
				return rc;
			if (b)
				op->flags |= ORM_SCHEMA_CASCADE;
		}
	}
	if ((rc = ident(p, nn, "name", kind == ORM__OP_DROP_TABLE, &name)) < 0)
		return rc;
	op->a = orm__strdup(name);
	op->desc = orm__sprintf("%s %s (line %d)", what, name, v->line);
	return op->a && op->desc ? 0 : ORM_ENOMEM;
}

static int op_rename_table(struct yp *p, const orm__yt_node *v, orm__mig_op *op)
{
	static const char *const keys[] = { "from", "to", NULL };
	const char *from, *to;
	int rc;

	if ((rc = need_map(p, v, "rename_table")) < 0 || (rc = check_keys(p, v, keys, "rename_table")) < 0)
		return rc;
	if ((rc = ident(p, orm__yt_get(v, "from"), "from", 1, &from)) < 0 ||
	    (rc = ident(p, orm__yt_get(v, "to"), "to", 0, &to)) < 0)
		return rc;
	op->kind = ORM__OP_RENAME_TABLE;
	op->a = orm__strdup(from);
	op->b = orm__strdup(to);
	op->desc = orm__sprintf("rename_table %s to %s (line %d)", from, to, v->line);
	return op->a && op->b && op->desc ? 0 : ORM_ENOMEM;
}

/* add_index / add_unique / add_foreign_key / drop_index / drop_unique / drop_foreign_key: {table: ..., ...} */
static int op_table_change(struct yp *p, const orm__yt_node *v, orm__mig_op *op, const char *what)
{
	static const char *const idx_keys[] = { "table", "columns", "name", "unique", NULL };
	const char *table;
	int rc, b = 0;

	if ((rc = need_map(p, v, what)) < 0)
		return rc;
	if ((rc = ident(p, orm__yt_get(v, "table"), "table", 1, &table)) < 0)
		return rc;
	op->kind = ORM__OP_ALTER_TABLE;
	if (!(op->table = orm_table_alter_new(table)))
		return ORM_ENOMEM;
	if (!strcmp(what, "add_index") || !strcmp(what, "add_unique")) {
		orm__yt_node copy = *v;
		orm__yt_node **items = NULL;
		size_t i, n2 = 0;
		if ((rc = check_keys(p, v, idx_keys, what)) < 0)
			return rc;
		if (orm__yt_get(v, "unique") && (rc = flag(p, orm__yt_get(v, "unique"), "unique", &b)) < 0)
			return rc;
		/* the same mapping without table / unique, for one_key() */
		items = orm__calloc(v->n * 2 + 1, sizeof(*items));
		if (!items)
			return ORM_ENOMEM;
		for (i = 0; i < v->n; i++)
			if (!orm__yt_is(ORM__YT_KEY(v, i), "table") && !orm__yt_is(ORM__YT_KEY(v, i), "unique")) {
				items[2 * n2] = ORM__YT_KEY(v, i);
				items[2 * n2 + 1] = ORM__YT_VAL(v, i);
				n2++;
			}
		copy.items = items;
		copy.n = n2;
		rc = one_key(p, op->table, &copy, (b || !strcmp(what, "add_unique")) ? KEY_UNIQUE : KEY_INDEX);
		orm__free(items);
	} else if (!strcmp(what, "add_foreign_key")) {
		rc = one_fk(p, op->table, v);
	} else {
		static const char *const drop_keys[] = { "table", "name", "columns", NULL };
		if ((rc = check_keys(p, v, drop_keys, what)) < 0)
			return rc;
		rc = one_drop(p, op->table, v, !strcmp(what, "drop_index") ? DROP_INDEX :
			      !strcmp(what, "drop_unique") ? DROP_UNIQUE : DROP_FOREIGN);
	}
	if (rc < 0)
		return rc;
	op->desc = orm__sprintf("%s on %s (line %d)", what, table, v->line);
	return op->desc ? 0 : ORM_ENOMEM;
}

/* raw: SQL | {sql: ...} | {sqlite: ..., postgres: ..., mariadb: ...}; sql: SQL. */
static int op_raw(struct yp *p, const orm__yt_node *v, orm__mig_ops *ops)
{
	static const char *const keys[] = { "sql", "sqlite", "postgres", "pg", "postgresql", "mariadb", "mysql", NULL };
	const orm__yt_node *s = NULL;
	const char *dname;
	size_t i;
	int rc, block;

	if (v && v->kind == ORM__YT_SCALAR) {
		s = v;
	} else if (v && v->kind == ORM__YT_MAP) {
		int found = 0;
		if ((rc = check_keys(p, v, keys, "raw")) < 0)
			return rc;
		for (i = 0; i < v->n; i++) {
			const orm__yt_node *k = ORM__YT_KEY(v, i);
			int match = 0;
			switch (p->d) {
			case ORM_DIALECT_SQLITE: match = orm__yt_is(k, "sqlite"); break;
			case ORM_DIALECT_POSTGRES:
				match = orm__yt_is(k, "postgres") || orm__yt_is(k, "pg") || orm__yt_is(k, "postgresql");
				break;
			case ORM_DIALECT_MARIADB: match = orm__yt_is(k, "mariadb") || orm__yt_is(k, "mysql"); break;
			}
			if (match) {
				s = ORM__YT_VAL(v, i);
				found = 1;
			}
		}
		if (!found)
			s = orm__yt_get(v, "sql");
		if (!found && !s) {
			dname = orm_dialect_name(p->d);
			return YERR(v, "raw has no SQL for %s (give sql: for every dialect, or %s:; ~ means nothing to run)",
				    dname, dname);
		}
	} else {
		return YERR(v, "raw must be SQL text or a mapping of dialect: SQL");
	}
	if (orm__yt_is_null(s))
		return 0; /* explicitly nothing on this dialect */
	if (s->kind != ORM__YT_SCALAR)
		return YERR(s, "raw SQL must be a string");
	/* the text starts on the next line for block scalars (| or >) */
	block = s->start < p->len && (p->text[s->start] == '|' || p->text[s->start] == '>');
	return orm__mig_ops_add_sql(ops, s->str, s->len, p->d, s->line + block);
}

static int parse_step(struct yp *p, const orm__yt_node *n, orm__mig_ops *ops)
{
	const orm__yt_node *k, *v;
	orm__mig_op op;
	const char *name;
	int rc;

	if (!n || n->kind != ORM__YT_MAP || n->n != 1)
		return YERR(n, "each step must be a mapping with one operation, e.g. '- create_table: {...}'");
	k = ORM__YT_KEY(n, 0);
	v = ORM__YT_VAL(n, 0);
	name = k->str;
	if (!strcmp(name, "raw") || !strcmp(name, "sql"))
		return op_raw(p, v, ops);
	memset(&op, 0, sizeof(op));
	op.line = n->line;
	if (!strcmp(name, "create_table"))
		rc = op_create_table(p, v, &op);
	else if (!strcmp(name, "alter_table"))
		rc = op_alter_table(p, v, &op);
	else if (!strcmp(name, "drop_table"))
		rc = op_named(p, v, &op, ORM__OP_DROP_TABLE, "drop_table");
	else if (!strcmp(name, "rename_table"))
		rc = op_rename_table(p, v, &op);
	else if (!strcmp(name, "create_schema"))
		rc = op_named(p, v, &op, ORM__OP_CREATE_SCHEMA, "create_schema");
	else if (!strcmp(name, "drop_schema"))
		rc = op_named(p, v, &op, ORM__OP_DROP_SCHEMA, "drop_schema");
	else if (!strcmp(name, "add_index") || !strcmp(name, "add_unique") || !strcmp(name, "add_foreign_key") ||
		 !strcmp(name, "drop_index") || !strcmp(name, "drop_unique") || !strcmp(name, "drop_foreign_key"))
		rc = op_table_change(p, v, &op, name);
	else
		rc = YERR(k, "unknown operation '%s' (create_table, alter_table, drop_table, rename_table, add_index, "
			  "drop_index, add_unique, drop_unique, add_foreign_key, drop_foreign_key, create_schema, "
			  "drop_schema, raw, sql)", name);
	if (rc == 0) {
		/* the step's identity is its source text */
		size_t b = n->start, e = n->end <= p->len ? n->end : p->len;
		op.ident = orm__strndup(p->text + b, e > b ? e - b : 0);
		if (!op.ident)
			rc = ORM_ENOMEM;
	}
	if (rc < 0) {
		orm_table_free(op.table);
		orm__free(op.a);
		orm__free(op.b);
		orm__free(op.desc);
		orm__free(op.ident);
		return rc;
	}
	return orm__mig_ops_push(ops, &op);
}

static int parse_steps(struct yp *p, const orm__yt_node *n, orm__mig_ops *ops, const char *what)
{
	size_t i;
	int rc;

	if (orm__yt_is_null(n))
		return 0;
	if (n->kind != ORM__YT_SEQ)
		return YERR(n, "%s must be a list of operations", what);
	for (i = 0; i < n->n; i++)
		if ((rc = parse_step(p, n->items[i], ops)) < 0)
			return rc;
	return 0;
}

int orm__yaml_migration_parse(const char *text, size_t len, const char *filename, orm_dialect d,
			      orm__mig_ops *up, orm__mig_ops *down, int *has_down, int *no_tx,
			      orm_buf *err)
{
	static const char *const keys[] = { "up", "down", "transaction", "description", NULL };
	struct yp p;
	const orm__yt_node *root, *v;
	int rc, b;

	memset(&p, 0, sizeof(p));
	p.text = text;
	p.len = len;
	p.d = d;
	p.err = err;
	*has_down = 0;
	*no_tx = 0;
	if ((rc = orm__yt_parse(&p.doc, text, len, filename, err)) < 0)
		return rc;
	root = p.doc->root;
	if (!root || root->kind != ORM__YT_MAP) {
		rc = orm__yt_err(err, p.doc, root, ORM_EPARSE, "a YAML migration must be a mapping with up: and down: lists");
		goto out;
	}
	if ((rc = check_keys(&p, root, keys, "a migration")) < 0)
		goto out;
	if (!orm__yt_get(root, "up")) {
		rc = orm__yt_err(err, p.doc, root, ORM_EPARSE, "a YAML migration needs an up: list");
		goto out;
	}
	if ((v = orm__yt_get(root, "transaction"))) {
		struct yp *pp = &p;
		if (orm__yt_bool(v, &b) < 0) {
			rc = orm__yt_err(pp->err, pp->doc, v, ORM_EPARSE, "transaction must be true or false");
			goto out;
		}
		*no_tx = !b;
	}
	if ((rc = parse_steps(&p, orm__yt_get(root, "up"), up, "up")) < 0)
		goto out;
	if ((v = orm__yt_get(root, "down"))) {
		*has_down = 1;
		if ((rc = parse_steps(&p, v, down, "down")) < 0)
			goto out;
	}
out:
	if (rc == ORM_ENOMEM && err) {
		orm_buf_clear(err);
		orm_buf_printf(err, "%s: out of memory", filename);
	}
	orm__yt_free(p.doc);
	return rc;
}
