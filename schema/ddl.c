/*
 * Per-dialect DDL: column types, column definitions, CREATE TABLE, and the
 * native ALTER TABLE of PostgreSQL and MariaDB. (SQLite's ALTER, which may
 * need a table rebuild, lives in sqlite_rebuild.c.)
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * SQLite declared type names. SQLite picks a column's affinity from the
 * declared type name (https://sqlite.org/datatype3.html, 3.1): "INT" gives
 * INTEGER; "CHAR", "CLOB" or "TEXT" gives TEXT; "BLOB" gives BLOB;
 * "REAL", "FLOA" or "DOUB" gives REAL; anything else NUMERIC. NUMERIC
 * affinity turns the text '1.10' into the number 1.1 (and '12345678901234567890.5'
 * into an inexact REAL), so a plain DECIMAL(10,2) column would lose the
 * scale and digits of exact decimals, and a JSON column would turn the
 * document '1.10' into 1.1. The names below contain "TEXT" / "CHAR" so
 * they get TEXT affinity and keep the text exactly as written, and they
 * still contain "DECIMAL", "JSON" and "UUID", which the SQLite driver
 * reads as ORM_TYPE_DECIMAL, ORM_TYPE_JSON and ORM_TYPE_UUID. (Neither
 * contains "INT", which would win over TEXT.)
 * Known cost: comparisons and ORDER BY on a DECIMAL_TEXT column compare
 * text, not numbers; use CAST(col AS REAL) or the decimal extension there.
 */
#define SQLITE_DECIMAL "DECIMAL_TEXT"
#define SQLITE_JSON "JSON_TEXT"
#define SQLITE_UUID "UUID_CHAR(36)"

void orm__ddl_init(orm__ddl *x, orm_dialect d, orm_conn *conn)
{
	memset(x, 0, sizeof(*x));
	x->d = d;
	x->conn = conn;
}

void orm__ddl_dispose(orm__ddl *x)
{
	orm_buf_dispose(&x->msg);
	orm__free(x->err_table);
	orm__free(x->err_column);
	orm__free(x->err_constraint);
	x->err_table = x->err_column = x->err_constraint = NULL;
}

int orm__ddl_fail(orm__ddl *x, int code, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	if (x->code)
		return x->code;
	x->code = code;
	if (x->conn) {
		/* keep the server's detail when the failure came from it */
		const orm_error *e = orm_conn_error(x->conn);
		if (e && e->code == code && code != 0) {
			x->native_code = e->native_code;
			snprintf(x->sqlstate, sizeof(x->sqlstate), "%s", e->sqlstate ? e->sqlstate : "");
			if (e->table && *e->table)
				x->err_table = orm__strdup(e->table);
			if (e->column && *e->column)
				x->err_column = orm__strdup(e->column);
			if (e->constraint && *e->constraint)
				x->err_constraint = orm__strdup(e->constraint);
		}
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	orm_buf_clear(&x->msg);
	if (orm_buf_puts(&x->msg, buf) < 0)
		x->code = ORM_ENOMEM;
	return x->code;
}

static int nomem(orm__ddl *x)
{
	return orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
}

/* ---- quoting ---- */

static int quote_part(orm_buf *out, orm_dialect d, const char *s, size_t len)
{
	char q = d == ORM_DIALECT_MARIADB ? '`' : '"';
	size_t i, start = 0;

	if (orm_buf_put(out, &q, 1) < 0)
		return ORM_ENOMEM;
	for (i = 0; i < len; i++)
		if (s[i] == q) {
			if (orm_buf_put(out, s + start, i + 1 - start) < 0 || orm_buf_put(out, &q, 1) < 0)
				return ORM_ENOMEM;
			start = i + 1;
		}
	if (orm_buf_put(out, s + start, len - start) < 0 || orm_buf_put(out, &q, 1) < 0)
		return ORM_ENOMEM;
	return 0;
}

int orm__ddl_ident(orm_buf *out, orm__ddl *x, const char *name)
{
	size_t len, limit;

	if (!name || !*name)
		return orm__ddl_fail(x, ORM_EINVAL, "empty identifier");
	len = strlen(name);
	if ((limit = orm__ident_too_long(x->d, name, len)) != 0)
		return orm__ddl_fail(x, ORM_EINVAL, "identifier too long for %s (the limit is %zu %s): \"%.40s...\"",
				     orm_dialect_name(x->d), limit,
				     x->d == ORM_DIALECT_MARIADB ? "characters" : "bytes", name);
	if (len > 128)
		return orm__ddl_fail(x, ORM_EINVAL, "identifier too long: \"%.40s...\"", name);
	if (quote_part(out, x->d, name, len) < 0)
		return nomem(x);
	return 0;
}

int orm__ddl_qname(orm_buf *out, orm__ddl *x, const char *schema, const char *bare)
{
	int rc;

	if (schema && *schema) {
		if ((rc = orm__ddl_ident(out, x, schema)) < 0)
			return rc;
		if (orm_buf_puts(out, ".") < 0)
			return nomem(x);
	}
	return orm__ddl_ident(out, x, bare);
}

int orm__ddl_string_lit(orm_buf *out, orm__ddl *x, const char *s)
{
	const char *p;

	if (orm_buf_puts(out, "'") < 0)
		return nomem(x);
	for (p = s; *p; p++) {
		int rc;
		if (*p == '\'')
			rc = orm_buf_puts(out, "''");
		else if (*p == '\\' && x->d == ORM_DIALECT_MARIADB)
			rc = orm_buf_puts(out, "\\\\");
		else
			rc = orm_buf_put(out, p, 1);
		if (rc < 0)
			return nomem(x);
	}
	if (orm_buf_puts(out, "'") < 0)
		return nomem(x);
	return 0;
}

static int puts_(orm_buf *out, orm__ddl *x, const char *s)
{
	if (orm_buf_puts(out, s) < 0)
		return nomem(x);
	return 0;
}

static int col_list(orm_buf *out, orm__ddl *x, const char *const *cols, size_t n)
{
	size_t i;
	int rc;

	if ((rc = puts_(out, x, "(")) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (i && (rc = puts_(out, x, ", ")) < 0)
			return rc;
		if ((rc = orm__ddl_ident(out, x, cols[i])) < 0)
			return rc;
	}
	return puts_(out, x, ")");
}

/* a collation name: letters, digits, '_', '-', '.' only */
static int check_collation(orm__ddl *x, const orm_table *t, const orm_col *c)
{
	const char *p;

	for (p = c->collate; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": bad collation name \"%s\"",
					     t->name, c->name, c->collate);
	return 0;
}

/* ---- types ---- */

static int is_numeric_kind(orm_col_type ty)
{
	return orm__is_int_kind(ty) || ty == ORM_COL_FLOAT || ty == ORM_COL_DOUBLE || ty == ORM_COL_DECIMAL;
}

static int enum_list(orm_buf *out, orm__ddl *x, const orm_col *c)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nenum; i++) {
		if (i && (rc = puts_(out, x, ", ")) < 0)
			return rc;
		if ((rc = orm__ddl_string_lit(out, x, c->enum_values[i])) < 0)
			return rc;
	}
	return 0;
}

int orm__ddl_type(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c)
{
	const char *s = NULL;
	int rc;
	orm_dialect d = x->d;

	switch (c->type) {
	case ORM_COL_INCREMENTS:
		s = d == ORM_DIALECT_SQLITE ? "INTEGER" : d == ORM_DIALECT_POSTGRES ? "integer" : "INT UNSIGNED";
		break;
	case ORM_COL_BIG_INCREMENTS:
		s = d == ORM_DIALECT_SQLITE ? "INTEGER" : d == ORM_DIALECT_POSTGRES ? "bigint" : "BIGINT UNSIGNED";
		break;
	case ORM_COL_INTEGER:
		s = d == ORM_DIALECT_SQLITE ? "INTEGER" : d == ORM_DIALECT_POSTGRES ? "integer" : "INT";
		break;
	case ORM_COL_BIG_INTEGER:
		s = d == ORM_DIALECT_POSTGRES ? "bigint" : "BIGINT";
		break;
	case ORM_COL_SMALL_INTEGER:
		s = d == ORM_DIALECT_POSTGRES ? "smallint" : "SMALLINT";
		break;
	case ORM_COL_TEXT:
		s = d == ORM_DIALECT_SQLITE ? "TEXT" : d == ORM_DIALECT_POSTGRES ? "text" : "LONGTEXT";
		break;
	case ORM_COL_STRING:
		if (c->length <= 0)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": string length must be > 0", t->name, c->name);
		if (orm_buf_printf(out, d == ORM_DIALECT_POSTGRES ? "varchar(%d)" : "VARCHAR(%d)", c->length) < 0)
			return nomem(x);
		return 0;
	case ORM_COL_FLOAT:
		/* 8-byte double everywhere: never MariaDB's FLOAT(8,2) */
		s = d == ORM_DIALECT_SQLITE ? "FLOAT" : d == ORM_DIALECT_POSTGRES ? "double precision" : "DOUBLE";
		break;
	case ORM_COL_DOUBLE:
		s = d == ORM_DIALECT_SQLITE ? "DOUBLE" : d == ORM_DIALECT_POSTGRES ? "double precision" : "DOUBLE";
		break;
	case ORM_COL_DECIMAL:
		if (c->precision <= 0 || c->scale < 0 || c->scale > c->precision)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": bad decimal precision (%d, %d)",
					     t->name, c->name, c->precision, c->scale);
		if (d == ORM_DIALECT_MARIADB && (c->precision > 65 || c->scale > 38))
			return orm__ddl_fail(x, ORM_EUNSUPPORTED, "table \"%s\", column \"%s\": MariaDB decimals hold at most 65 digits, 38 after the point",
					     t->name, c->name);
		if (d == ORM_DIALECT_POSTGRES && c->precision > 1000)
			return orm__ddl_fail(x, ORM_EUNSUPPORTED, "table \"%s\", column \"%s\": PostgreSQL numeric precision is at most 1000",
					     t->name, c->name);
		if (orm_buf_printf(out, "%s(%d,%d)",
				   d == ORM_DIALECT_SQLITE ? SQLITE_DECIMAL : d == ORM_DIALECT_POSTGRES ? "numeric" : "DECIMAL",
				   c->precision, c->scale) < 0)
			return nomem(x);
		if (d == ORM_DIALECT_MARIADB && c->is_unsigned && puts_(out, x, " UNSIGNED") < 0)
			return x->code;
		return 0;
	case ORM_COL_BOOLEAN:
		s = d == ORM_DIALECT_SQLITE ? "BOOLEAN" : d == ORM_DIALECT_POSTGRES ? "boolean" : "TINYINT(1)";
		break;
	case ORM_COL_DATE:
		s = d == ORM_DIALECT_POSTGRES ? "date" : "DATE";
		break;
	case ORM_COL_TIME:
		s = d == ORM_DIALECT_SQLITE ? "TIME" : d == ORM_DIALECT_POSTGRES ? "time" : "TIME(6)";
		break;
	case ORM_COL_DATETIME:
		s = d == ORM_DIALECT_SQLITE ? "DATETIME" : d == ORM_DIALECT_POSTGRES ? "timestamp" : "DATETIME(6)";
		break;
	case ORM_COL_TIMESTAMP:
		s = d == ORM_DIALECT_SQLITE ? "TIMESTAMP" : d == ORM_DIALECT_POSTGRES ? "timestamp" : "DATETIME(6)";
		break;
	case ORM_COL_TIMESTAMPTZ:
		s = d == ORM_DIALECT_SQLITE ? "TIMESTAMPTZ" : d == ORM_DIALECT_POSTGRES ? "timestamptz" : "TIMESTAMP(6)";
		break;
	case ORM_COL_JSON:
		s = d == ORM_DIALECT_SQLITE ? SQLITE_JSON : d == ORM_DIALECT_POSTGRES ? "jsonb" : "JSON";
		break;
	case ORM_COL_UUID:
		if (d == ORM_DIALECT_SQLITE)
			s = SQLITE_UUID;
		else if (d == ORM_DIALECT_POSTGRES)
			s = "uuid";
		else if (!x->is_mysql && (x->version == 0 || x->version >= 100700))
			s = "UUID";
		else
			s = "CHAR(36)";
		break;
	case ORM_COL_ENUM:
		if (c->nenum == 0)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": enum without values", t->name, c->name);
		if (d != ORM_DIALECT_MARIADB) {
			s = d == ORM_DIALECT_SQLITE ? "TEXT" : "text";
			break;
		}
		if ((rc = puts_(out, x, "ENUM(")) < 0 || (rc = enum_list(out, x, c)) < 0 || (rc = puts_(out, x, ")")) < 0)
			return rc;
		return 0;
	case ORM_COL_BINARY:
		s = d == ORM_DIALECT_SQLITE ? "BLOB" : d == ORM_DIALECT_POSTGRES ? "bytea" : "LONGBLOB";
		break;
	case ORM_COL_SPECIFIC:
		s = (d >= 1 && d <= 3) ? c->spec[d] : NULL;
		if (!s)
			return orm__ddl_fail(x, ORM_EUNSUPPORTED, "table \"%s\", column \"%s\": no type given for %s",
					     t->name, c->name, orm_dialect_name(d));
		break;
	default:
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": unknown type %d", t->name, c->name, (int)c->type);
	}
	if ((rc = puts_(out, x, s)) < 0)
		return rc;
	if (d == ORM_DIALECT_MARIADB && c->is_unsigned && orm__is_int_kind(c->type) &&
	    c->type != ORM_COL_INCREMENTS && c->type != ORM_COL_BIG_INCREMENTS)
		return puts_(out, x, " UNSIGNED");
	if (d == ORM_DIALECT_MARIADB && c->is_unsigned && (c->type == ORM_COL_FLOAT || c->type == ORM_COL_DOUBLE))
		return puts_(out, x, " UNSIGNED");
	return 0;
}

/* ---- defaults ---- */

static int valid_decimal(const char *s)
{
	int digits = 0, dot = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (*s == '.' && !dot)
			dot = 1;
		else
			return 0;
	}
	return digits > 0;
}

static int hex_lit(orm_buf *out, orm__ddl *x, const unsigned char *p, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (puts_(out, x, x->d == ORM_DIALECT_POSTGRES ? "'\\x" : "X'") < 0)
		return x->code;
	for (i = 0; i < len; i++) {
		char two[2] = { hx[p[i] >> 4], hx[p[i] & 15] };
		if (orm_buf_put(out, two, 2) < 0)
			return nomem(x);
	}
	return puts_(out, x, "'");
}

static int now_sql(orm_buf *out, orm__ddl *x, const orm_col *c)
{
	const char *s;

	switch (c->type) {
	case ORM_COL_DATE:
		s = x->d == ORM_DIALECT_MARIADB ? "(CURRENT_DATE)" : "CURRENT_DATE";
		break;
	case ORM_COL_TIME:
		s = x->d == ORM_DIALECT_MARIADB ? "(CURRENT_TIME(6))" : "CURRENT_TIME";
		break;
	default:
		s = x->d == ORM_DIALECT_MARIADB ? "CURRENT_TIMESTAMP(6)" : "CURRENT_TIMESTAMP";
		break;
	}
	return puts_(out, x, s);
}

int orm__ddl_default(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c)
{
	const orm_value *v = &c->def;
	char num[64];

	if (c->def_kind == ORM__DEF_NOW)
		return now_sql(out, x, c);
	if (c->def_kind == ORM__DEF_RAW)
		return puts_(out, x, c->def_raw);
	if (c->def_kind != ORM__DEF_VALUE)
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": no default", t->name, c->name);
	switch (v->type) {
	case ORM_TYPE_NULL:
		return puts_(out, x, "NULL");
	case ORM_TYPE_BOOL:
	case ORM_TYPE_INT: {
		int64_t i = v->type == ORM_TYPE_BOOL ? (v->u.b != 0) : v->u.i;
		if (c->type == ORM_COL_BOOLEAN && x->d == ORM_DIALECT_POSTGRES)
			return puts_(out, x, i ? "true" : "false");
		if (c->type == ORM_COL_DECIMAL && x->d == ORM_DIALECT_SQLITE) {
			snprintf(num, sizeof(num), "'%lld'", (long long)i);
			return puts_(out, x, num);
		}
		snprintf(num, sizeof(num), "%lld", (long long)i);
		if (i < 0 && x->d == ORM_DIALECT_POSTGRES) {
			/* PostgreSQL parses -1 fine; parenthesise for safety in older servers */
			if (puts_(out, x, "(") < 0 || puts_(out, x, num) < 0)
				return x->code;
			return puts_(out, x, ")");
		}
		return puts_(out, x, num);
	}
	case ORM_TYPE_DOUBLE:
		snprintf(num, sizeof(num), "%.17g", v->u.d);
		if (x->d == ORM_DIALECT_SQLITE && c->type == ORM_COL_DECIMAL)
			return orm__ddl_string_lit(out, x, num);
		return puts_(out, x, num);
	case ORM_TYPE_DECIMAL:
		if (!valid_decimal(c->def_copy))
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": bad decimal default \"%s\"",
					     t->name, c->name, c->def_copy);
		/* SQLite: a text literal, kept as written by the TEXT affinity */
		if (x->d == ORM_DIALECT_SQLITE || (c->type != ORM_COL_DECIMAL && !is_numeric_kind(c->type)))
			return orm__ddl_string_lit(out, x, c->def_copy);
		return puts_(out, x, c->def_copy);
	case ORM_TYPE_BLOB:
		return hex_lit(out, x, (const unsigned char *)c->def_copy, v->u.s.len);
	case ORM_TYPE_TEXT:
		if (c->type == ORM_COL_DECIMAL && !valid_decimal(c->def_copy))
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": bad decimal default \"%s\"",
					     t->name, c->name, c->def_copy);
		if (c->type == ORM_COL_ENUM) {
			size_t i;
			for (i = 0; i < c->nenum; i++)
				if (strcmp(c->enum_values[i], c->def_copy) == 0)
					break;
			if (c->nenum && i == c->nenum)
				return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": default \"%s\" is not one of the enum values",
						     t->name, c->name, c->def_copy);
		}
		/* fall through */
	default:
		return orm__ddl_string_lit(out, x, c->def_copy ? c->def_copy : "");
	}
}

/* ---- column definitions ---- */

static int check_clause(orm_buf *out, orm__ddl *x, const orm_col *c, int is_enum)
{
	int rc;

	if ((rc = puts_(out, x, "CHECK (")) < 0 || (rc = orm__ddl_ident(out, x, c->name)) < 0)
		return rc;
	if (is_enum) {
		if ((rc = puts_(out, x, " IN (")) < 0 || (rc = enum_list(out, x, c)) < 0 ||
		    (rc = puts_(out, x, "))")) < 0)
			return rc;
		return 0;
	}
	return puts_(out, x, " >= 0)");
}

static int sqlite_comment(orm_buf *out, orm__ddl *x, const char *comment)
{
	const char *p;

	/* kept inside the CREATE TABLE text, which SQLite stores verbatim */
	if (puts_(out, x, " /* ") < 0)
		return x->code;
	for (p = comment; *p; p++) {
		if (p[0] == '*' && p[1] == '/') {
			if (puts_(out, x, "* ") < 0)
				return x->code;
			continue;
		}
		if (orm_buf_put(out, p, 1) < 0)
			return nomem(x);
	}
	return puts_(out, x, " */");
}

int orm__ddl_column(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c, const char *type_override)
{
	int rc;
	int incr = c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS;

	if (c->is_unsigned && !is_numeric_kind(c->type) && c->type != ORM_COL_SPECIFIC)
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": unsigned on a %s column",
				     t->name, c->name, orm_col_type_name(c->type));
	if ((rc = orm__ddl_ident(out, x, c->name)) < 0 || (rc = puts_(out, x, " ")) < 0)
		return rc;
	if (type_override)
		rc = puts_(out, x, type_override);
	else
		rc = orm__ddl_type(out, x, t, c);
	if (rc < 0)
		return rc;
	if (incr) {
		if (x->d == ORM_DIALECT_SQLITE)
			rc = puts_(out, x, " PRIMARY KEY AUTOINCREMENT NOT NULL");
		else if (x->d == ORM_DIALECT_POSTGRES)
			rc = puts_(out, x, " GENERATED BY DEFAULT AS IDENTITY NOT NULL");
		else
			rc = puts_(out, x, " NOT NULL AUTO_INCREMENT");
		if (rc < 0)
			return rc;
		if (c->def_kind == ORM__DEF_VALUE || c->def_kind == ORM__DEF_RAW || c->def_kind == ORM__DEF_NOW)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": an auto-increment key takes no default",
					     t->name, c->name);
	}
	if (c->collate) {
		if ((rc = check_collation(x, t, c)) < 0)
			return rc;
		if (x->d == ORM_DIALECT_POSTGRES) {
			if ((rc = puts_(out, x, " COLLATE ")) < 0 || (rc = orm__ddl_ident(out, x, c->collate)) < 0)
				return rc;
		} else if (orm_buf_printf(out, " COLLATE %s", c->collate) < 0) {
			return nomem(x);
		}
	}
	if (!incr) {
		if (c->not_null)
			rc = puts_(out, x, " NOT NULL");
		else if (x->d == ORM_DIALECT_MARIADB)
			rc = puts_(out, x, " NULL"); /* explicit: TIMESTAMP columns are NOT NULL otherwise */
		if (rc < 0)
			return rc;
		if (c->def_kind == ORM__DEF_VALUE || c->def_kind == ORM__DEF_RAW || c->def_kind == ORM__DEF_NOW) {
			if (c->not_null && c->def_kind == ORM__DEF_VALUE && c->def.type == ORM_TYPE_NULL)
				return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\", column \"%s\": NOT NULL with a NULL default",
						     t->name, c->name);
			if ((rc = puts_(out, x, " DEFAULT ")) < 0 || (rc = orm__ddl_default(out, x, t, c)) < 0)
				return rc;
		}
	}
	if (x->d == ORM_DIALECT_SQLITE) {
		/* checks inline, so that they travel with the column in a rebuild */
		if (c->type == ORM_COL_ENUM &&
		    ((rc = puts_(out, x, " ")) < 0 || (rc = check_clause(out, x, c, 1)) < 0))
			return rc;
		if (c->is_unsigned &&
		    ((rc = puts_(out, x, " ")) < 0 || (rc = check_clause(out, x, c, 0)) < 0))
			return rc;
		if (c->comment && *c->comment && (rc = sqlite_comment(out, x, c->comment)) < 0)
			return rc;
	}
	if (x->d == ORM_DIALECT_MARIADB && c->comment && *c->comment) {
		if ((rc = puts_(out, x, " COMMENT ")) < 0 || (rc = orm__ddl_string_lit(out, x, c->comment)) < 0)
			return rc;
	}
	return 0;
}

/* ---- keys ---- */

static const char *schema_of(const orm_table *t)
{
	return t->schema;
}

int orm__ddl_fk_clause(orm_buf *out, orm__ddl *x, const char *name, const char *const *cols, size_t n,
		       const char *ref_table, const char *const *ref_cols, size_t nref,
		       orm_fk_action del, orm_fk_action upd, const char *table_schema)
{
	int rc;
	char *rs = NULL, *rb = NULL;

	if (name && *name) {
		if ((rc = puts_(out, x, "CONSTRAINT ")) < 0 || (rc = orm__ddl_ident(out, x, name)) < 0 ||
		    (rc = puts_(out, x, " ")) < 0)
			return rc;
	}
	if ((rc = puts_(out, x, "FOREIGN KEY ")) < 0 || (rc = col_list(out, x, cols, n)) < 0 ||
	    (rc = puts_(out, x, " REFERENCES ")) < 0)
		return rc;
	if (orm__split_name(ref_table, &rs, &rb) < 0)
		return nomem(x);
	if (x->d == ORM_DIALECT_SQLITE) {
		/* SQLite foreign keys cannot leave their database: unqualified */
		if (rs && (!table_schema || strcmp(rs, table_schema) != 0)) {
			rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "foreign key to \"%s\": SQLite cannot reference a table in another database",
					   ref_table);
			goto out;
		}
		rc = orm__ddl_ident(out, x, rb);
	} else {
		rc = orm__ddl_qname(out, x, rs ? rs : table_schema, rb);
	}
	if (rc < 0)
		goto out;
	if ((rc = puts_(out, x, " ")) < 0 || (rc = col_list(out, x, ref_cols, nref)) < 0)
		goto out;
	if (del != ORM_FK_DEFAULT && orm_buf_printf(out, " ON DELETE %s", orm_fk_action_sql(del)) < 0) {
		rc = nomem(x);
		goto out;
	}
	if (upd != ORM_FK_DEFAULT && orm_buf_printf(out, " ON UPDATE %s", orm_fk_action_sql(upd)) < 0) {
		rc = nomem(x);
		goto out;
	}
	rc = 0;
out:
	orm__free(rs);
	orm__free(rb);
	return rc;
}

static int add_stmt(orm_sql_list *out, orm__ddl *x, orm_buf *b)
{
	if (orm_sql_list_add(out, b->ptr ? b->ptr : "") < 0)
		return nomem(x);
	orm_buf_clear(b);
	return 0;
}

int orm__ddl_index(orm_sql_list *out, orm__ddl *x, const orm_table *t, const char *name,
		   const char *const *cols, size_t n, int unique)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	if ((rc = puts_(&b, x, unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ")) < 0)
		goto out;
	if (x->d == ORM_DIALECT_SQLITE) {
		if ((rc = orm__ddl_qname(&b, x, t->schema, name)) < 0 || (rc = puts_(&b, x, " ON ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, t->bare)) < 0)
			goto out;
	} else {
		if ((rc = orm__ddl_ident(&b, x, name)) < 0 || (rc = puts_(&b, x, " ON ")) < 0 ||
		    (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0)
			goto out;
	}
	if ((rc = puts_(&b, x, " ")) < 0 || (rc = col_list(&b, x, cols, n)) < 0)
		goto out;
	rc = add_stmt(out, x, &b);
out:
	orm_buf_dispose(&b);
	return rc;
}

/* ---- the create plan: columns and keys gathered from the ops ---- */

struct key {
	int kind; /* ORM__OP_ADD_PRIMARY ... */
	char *name;     /* owned */
	const char *const *cols;
	size_t n;
	const char *ref_table;
	const char *const *ref_cols;
	size_t nref;
	orm_fk_action del, upd;
	const char *single[1];
	const char *single_ref[1];
};

struct plan {
	const orm_col **cols;
	size_t ncols;
	struct key *keys;
	size_t nkeys;
	const char **pk;   /* primary key columns */
	size_t npk;
	char *pk_name;
};

static void plan_dispose(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		orm__free(p->keys[i].name);
	orm__free(p->keys);
	orm__free(p->cols);
	orm__free(p->pk);
	orm__free(p->pk_name);
}

static const orm_col *plan_col(const struct plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncols; i++)
		if (strcmp(p->cols[i]->name, name) == 0)
			return p->cols[i];
	return NULL;
}

static int plan_key(struct plan *p, orm__ddl *x, const orm_table *t, int kind, const char *name,
		    const char *const *cols, size_t n)
{
	struct key *k;
	const char *suffix = kind == ORM__OP_ADD_UNIQUE ? "unique" : kind == ORM__OP_ADD_INDEX ? "index" : "foreign";

	k = &p->keys[p->nkeys++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->cols = cols;
	k->n = n;
	if (!name && !cols)
		return 0; /* the caller names it */
	k->name = name ? orm__strdup(name) : orm__key_name(t->bare, cols, n, suffix);
	if (!k->name)
		return nomem(x);
	return 0;
}

static int plan_build(struct plan *p, orm__ddl *x, const orm_table *t)
{
	size_t i, j, cap = 0;
	int rc;
	const char *pk_from = NULL;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		if (op->kind == ORM__OP_ADD_COLUMN)
			cap += 3;
		else
			cap += 1;
	}
	p->cols = orm__calloc(t->nops + 1, sizeof(*p->cols));
	p->keys = orm__calloc(cap + 1, sizeof(*p->keys));
	p->pk = orm__calloc(t->nops + 1, sizeof(*p->pk));
	if (!p->cols || !p->keys || !p->pk)
		return nomem(x);
	for (i = 0; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		if (op->kind == ORM__OP_ADD_COLUMN)
			p->cols[p->ncols++] = op->col;
	}
	if (p->ncols == 0)
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": no columns", t->name);
	/* column-level keys, in column order */
	for (i = 0; i < p->ncols; i++) {
		const orm_col *c = p->cols[i];
		if (c->primary) {
			p->pk[p->npk++] = c->name;
			pk_from = "column";
		}
	}
	for (i = 0; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		if (op->kind != ORM__OP_ADD_PRIMARY)
			continue;
		if (pk_from)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": primary key given twice", t->name);
		pk_from = "table";
		for (j = 0; j < op->ncols; j++)
			p->pk[p->npk++] = op->cols[j];
		if (op->name && !(p->pk_name = orm__strdup(op->name)))
			return nomem(x);
	}
	if (p->npk && !p->pk_name) {
		p->pk_name = orm__key_name(t->bare, NULL, 0, "pkey");
		if (!p->pk_name)
			return nomem(x);
	}
	for (i = 0; i < p->npk; i++) {
		const orm_col *c = plan_col(p, p->pk[i]);
		if (!c)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": primary key column \"%s\" is not defined", t->name, p->pk[i]);
		if ((c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS) && p->npk > 1)
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": auto-increment column \"%s\" must be the whole primary key",
					     t->name, c->name);
		for (j = 0; j < i; j++)
			if (strcmp(p->pk[i], p->pk[j]) == 0)
				return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": column \"%s\" twice in the primary key", t->name, p->pk[i]);
	}
	for (i = 0; i < p->ncols; i++) {
		const orm_col *c = p->cols[i];
		struct key *k;
		if (c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS) {
			for (j = 0; j < i; j++)
				if (p->cols[j]->type == ORM_COL_INCREMENTS || p->cols[j]->type == ORM_COL_BIG_INCREMENTS)
					return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": two auto-increment columns (\"%s\", \"%s\")",
							     t->name, p->cols[j]->name, c->name);
		}
		if (c->unique) {
			if ((rc = plan_key(p, x, t, ORM__OP_ADD_UNIQUE, NULL, NULL, 1)) < 0)
				return rc;
			k = &p->keys[p->nkeys - 1];
			k->single[0] = c->name;
			k->cols = k->single;
			orm__free(k->name);
			if (!(k->name = orm__key_name(t->bare, k->single, 1, "unique")))
				return nomem(x);
		}
		if (c->index) {
			if ((rc = plan_key(p, x, t, ORM__OP_ADD_INDEX, NULL, NULL, 1)) < 0)
				return rc;
			k = &p->keys[p->nkeys - 1];
			k->single[0] = c->name;
			k->cols = k->single;
			orm__free(k->name);
			if (!(k->name = orm__key_name(t->bare, k->single, 1, "index")))
				return nomem(x);
		}
		if (c->ref_table) {
			if ((rc = plan_key(p, x, t, ORM__OP_ADD_FOREIGN, NULL, NULL, 1)) < 0)
				return rc;
			k = &p->keys[p->nkeys - 1];
			k->single[0] = c->name;
			k->cols = k->single;
			k->single_ref[0] = c->ref_col;
			k->ref_cols = k->single_ref;
			k->nref = 1;
			k->ref_table = c->ref_table;
			k->del = c->on_delete;
			k->upd = c->on_update;
			orm__free(k->name);
			if (!(k->name = orm__key_name(t->bare, k->single, 1, "foreign")))
				return nomem(x);
		}
	}
	for (i = 0; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		struct key *k;
		switch (op->kind) {
		case ORM__OP_ADD_COLUMN:
		case ORM__OP_ADD_PRIMARY:
		case ORM__OP_COMMENT:
			break;
		case ORM__OP_ADD_UNIQUE:
		case ORM__OP_ADD_INDEX:
		case ORM__OP_ADD_FOREIGN:
			if ((rc = plan_key(p, x, t, op->kind, op->name, (const char *const *)op->cols, op->ncols)) < 0)
				return rc;
			k = &p->keys[p->nkeys - 1];
			k->ref_table = op->ref_table;
			k->ref_cols = (const char *const *)op->ref_cols;
			k->nref = op->nref;
			k->del = op->on_delete;
			k->upd = op->on_update;
			break;
		default:
			return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": alter operation in a create definition", t->name);
		}
	}
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		for (j = 0; j < k->n; j++)
			if (!plan_col(p, k->cols[j]))
				return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": %s \"%s\" names column \"%s\", which is not defined",
						     t->name, k->kind == ORM__OP_ADD_FOREIGN ? "foreign key" : "index",
						     k->name, k->cols[j]);
		for (j = 0; j < i; j++)
			if (strcmp(p->keys[j].name, k->name) == 0)
				return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": two keys named \"%s\"", t->name, k->name);
	}
	return 0;
}

/* ---- live look-ups used by the DDL (conn may be NULL) ---- */

/* Does a referenced table/column exist? Sets an error naming both when not.
 * p: the definition being created (self references are checked in it), or NULL. */
static int check_reference(orm__ddl *x, const orm_table *t, const struct plan *p, const struct key *k)
{
	size_t i;
	int exists = 0, rc, self;
	char *rs = NULL, *rb = NULL;
	orm_buf full = ORM_BUF_INIT;

	if (orm__split_name(k->ref_table, &rs, &rb) < 0)
		return nomem(x);
	self = strcmp(rb, t->bare) == 0 && (!rs || (t->schema && strcmp(rs, t->schema) == 0));
	if (self && p) {
		for (i = 0; i < k->nref; i++)
			if (!plan_col(p, k->ref_cols[i])) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": foreign key \"%s\" (column \"%s\") references missing column \"%s\".\"%s\"",
						   t->name, k->name, k->cols[i], k->ref_table, k->ref_cols[i]);
				goto out;
			}
		rc = 0;
		goto out;
	}
	if (!x->conn) {
		rc = 0;
		goto out;
	}
	if (!rs && t->schema)
		rc = orm_buf_printf(&full, "%s.%s", t->schema, rb);
	else
		rc = orm_buf_puts(&full, k->ref_table);
	if (rc < 0) {
		rc = nomem(x);
		goto out;
	}
	if ((rc = orm_schema_has_table(&exists, x->conn, full.ptr)) < 0) {
		rc = orm__ddl_fail(x, rc, "table \"%s\": checking referenced table \"%s\": %s", t->name, k->ref_table,
				   orm_conn_errmsg(x->conn));
		goto out;
	}
	if (!exists) {
		rc = orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": foreign key \"%s\" (column \"%s\") references missing table \"%s\"",
				   t->name, k->name, k->cols[0], k->ref_table);
		goto out;
	}
	for (i = 0; i < k->nref; i++) {
		if ((rc = orm_schema_has_column(&exists, x->conn, full.ptr, k->ref_cols[i])) < 0) {
			rc = orm__ddl_fail(x, rc, "table \"%s\": checking referenced column: %s", t->name, orm_conn_errmsg(x->conn));
			goto out;
		}
		if (!exists) {
			rc = orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": foreign key \"%s\" (column \"%s\") references missing column \"%s\".\"%s\"",
					   t->name, k->name, k->cols[i], k->ref_table, k->ref_cols[i]);
			goto out;
		}
	}
	rc = 0;
out:
	orm__free(rs);
	orm__free(rb);
	orm_buf_dispose(&full);
	return rc;
}

/*
 * MariaDB: the exact type (COLUMN_TYPE, e.g. "int(10) unsigned") of a
 * referenced column, so that a referencing integer column matches it
 * (InnoDB refuses a foreign key between INT and INT UNSIGNED, errno 150).
 * *out NULL when unknown.
 */
static int mariadb_ref_type(orm__ddl *x, const orm_table *t, const char *ref_table, const char *ref_col, char **out)
{
	char *rs = NULL, *rb = NULL;
	orm_value params[3];
	int rc;

	*out = NULL;
	if (!x->conn)
		return 0;
	if (orm__split_name(ref_table, &rs, &rb) < 0)
		return nomem(x);
	params[0] = rs ? orm_text(rs) : (t->schema ? orm_text(t->schema) : orm_null());
	params[1] = orm_text(rb);
	params[2] = orm_text(ref_col);
	rc = orm__query_text(x->conn, out,
			     "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) "
			     "AND TABLE_NAME = ? AND COLUMN_NAME = ?",
			     params, 3);
	orm__free(rs);
	orm__free(rb);
	if (rc == ORM_ENOTFOUND)
		return 0;
	if (rc < 0)
		return orm__ddl_fail(x, rc, "table \"%s\": reading the type of %s.%s: %s", t->name, ref_table, ref_col,
				     orm_conn_errmsg(x->conn));
	return 0;
}

/* The type a MariaDB referencing column takes: NULL = its own. New string in *out. */
static int mariadb_fk_type(orm__ddl *x, const orm_table *t, const struct plan *p, const orm_col *c, char **out)
{
	size_t i, j;

	*out = NULL;
	if (x->d != ORM_DIALECT_MARIADB || !orm__is_int_kind(c->type) ||
	    c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS)
		return 0;
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		if (k->kind != ORM__OP_ADD_FOREIGN)
			continue;
		for (j = 0; j < k->n; j++) {
			char *rs, *rb;
			int self;
			if (strcmp(k->cols[j], c->name) != 0)
				continue;
			if (orm__split_name(k->ref_table, &rs, &rb) < 0)
				return nomem(x);
			self = strcmp(rb, t->bare) == 0 && (!rs || (t->schema && !strcmp(rs, t->schema)));
			orm__free(rs);
			orm__free(rb);
			if (self) {
				const orm_col *rc = plan_col(p, k->ref_cols[j]);
				if (rc && orm__is_int_kind(rc->type)) {
					orm_buf b = ORM_BUF_INIT;
					orm__ddl tmp = *x;
					orm_col copy = *rc;
					copy.is_unsigned = rc->is_unsigned;
					if (orm__ddl_type(&b, &tmp, t, &copy) < 0) {
						orm_buf_dispose(&b);
						return nomem(x);
					}
					*out = b.ptr;
				}
				return 0;
			}
			{
				char *ty = NULL;
				int rc = mariadb_ref_type(x, t, k->ref_table, k->ref_cols[j], &ty);
				if (rc < 0)
					return rc;
				if (ty && strstr(ty, "int")) {
					*out = ty;
					return 0;
				}
				orm__free(ty);
			}
			return 0;
		}
	}
	return 0;
}

/* ---- CREATE TABLE ---- */

static int create_sqlite_pg(orm_sql_list *out, orm__ddl *x, const orm_table *t, const struct plan *p, unsigned flags)
{
	orm_buf b = ORM_BUF_INIT;
	size_t i;
	int rc;
	int sqlite = x->d == ORM_DIALECT_SQLITE;
	int incr_pk = 0;

	for (i = 0; i < p->ncols; i++)
		if ((p->cols[i]->type == ORM_COL_INCREMENTS || p->cols[i]->type == ORM_COL_BIG_INCREMENTS))
			incr_pk = sqlite; /* SQLite: PRIMARY KEY written on the column itself */

	if ((rc = puts_(&b, x, (flags & ORM_SCHEMA_IF_NOT_EXISTS) ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ")) < 0 ||
	    (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0)
		goto out;
	if (sqlite && t->comment && *t->comment && (rc = sqlite_comment(&b, x, t->comment)) < 0)
		goto out;
	if ((rc = puts_(&b, x, " (")) < 0)
		goto out;
	for (i = 0; i < p->ncols; i++) {
		if ((rc = puts_(&b, x, i ? ",\n  " : "\n  ")) < 0 || (rc = orm__ddl_column(&b, x, t, p->cols[i], NULL)) < 0)
			goto out;
	}
	if (p->npk && !incr_pk) {
		if ((rc = puts_(&b, x, ",\n  CONSTRAINT ")) < 0 || (rc = orm__ddl_ident(&b, x, p->pk_name)) < 0 ||
		    (rc = puts_(&b, x, " PRIMARY KEY ")) < 0 || (rc = col_list(&b, x, p->pk, p->npk)) < 0)
			goto out;
	}
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		if (k->kind == ORM__OP_ADD_UNIQUE && !sqlite) {
			if ((rc = puts_(&b, x, ",\n  CONSTRAINT ")) < 0 || (rc = orm__ddl_ident(&b, x, k->name)) < 0 ||
			    (rc = puts_(&b, x, " UNIQUE ")) < 0 || (rc = col_list(&b, x, k->cols, k->n)) < 0)
				goto out;
		} else if (k->kind == ORM__OP_ADD_FOREIGN) {
			if ((rc = check_reference(x, t, p, k)) < 0)
				goto out;
			if ((rc = puts_(&b, x, ",\n  ")) < 0 ||
			    (rc = orm__ddl_fk_clause(&b, x, k->name, k->cols, k->n, k->ref_table, k->ref_cols, k->nref,
						     k->del, k->upd, schema_of(t))) < 0)
				goto out;
		}
	}
	if (!sqlite) {
		/* PostgreSQL: named checks for enums and unsigned */
		for (i = 0; i < p->ncols; i++) {
			const orm_col *c = p->cols[i];
			char *nm;
			if (c->type == ORM_COL_ENUM || (c->is_unsigned && c->type != ORM_COL_SPECIFIC)) {
				const char *one[1] = { c->name };
				int is_enum = c->type == ORM_COL_ENUM;
				nm = orm__key_name(t->bare, one, 1, is_enum ? "check" : "unsigned");
				if (!nm) {
					rc = nomem(x);
					goto out;
				}
				rc = puts_(&b, x, ",\n  CONSTRAINT ");
				if (rc == 0)
					rc = orm__ddl_ident(&b, x, nm);
				orm__free(nm);
				if (rc < 0 || (rc = puts_(&b, x, " ")) < 0 || (rc = check_clause(&b, x, c, is_enum)) < 0)
					goto out;
			}
		}
	}
	if ((rc = puts_(&b, x, "\n)")) < 0 || (rc = add_stmt(out, x, &b)) < 0)
		goto out;
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		if (k->kind == ORM__OP_ADD_INDEX || (k->kind == ORM__OP_ADD_UNIQUE && sqlite)) {
			orm_sql_list one = ORM_SQL_LIST_INIT;
			if ((rc = orm__ddl_index(&one, x, t, k->name, k->cols, k->n, k->kind == ORM__OP_ADD_UNIQUE)) < 0) {
				orm_sql_list_dispose(&one);
				goto out;
			}
			if (flags & ORM_SCHEMA_IF_NOT_EXISTS) {
				/* CREATE [UNIQUE] INDEX -> ... INDEX IF NOT EXISTS */
				char *s = one.items[0];
				char *pos = strstr(s, "INDEX ");
				orm_buf nb = ORM_BUF_INIT;
				if (orm_buf_put(&nb, s, (size_t)(pos - s) + 6) < 0 || orm_buf_puts(&nb, "IF NOT EXISTS ") < 0 ||
				    orm_buf_puts(&nb, pos + 6) < 0) {
					orm_buf_dispose(&nb);
					orm_sql_list_dispose(&one);
					rc = nomem(x);
					goto out;
				}
				rc = add_stmt(out, x, &nb);
				orm_buf_dispose(&nb);
			} else {
				rc = orm_sql_list_add(out, one.items[0]) < 0 ? nomem(x) : 0;
			}
			orm_sql_list_dispose(&one);
			if (rc < 0)
				goto out;
		}
	}
	if (!sqlite) {
		if (t->comment && *t->comment) {
			if ((rc = puts_(&b, x, "COMMENT ON TABLE ")) < 0 || (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0 ||
			    (rc = puts_(&b, x, " IS ")) < 0 || (rc = orm__ddl_string_lit(&b, x, t->comment)) < 0 ||
			    (rc = add_stmt(out, x, &b)) < 0)
				goto out;
		}
		for (i = 0; i < p->ncols; i++) {
			const orm_col *c = p->cols[i];
			if (!c->comment || !*c->comment)
				continue;
			if ((rc = puts_(&b, x, "COMMENT ON COLUMN ")) < 0 || (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0 ||
			    (rc = puts_(&b, x, ".")) < 0 || (rc = orm__ddl_ident(&b, x, c->name)) < 0 ||
			    (rc = puts_(&b, x, " IS ")) < 0 || (rc = orm__ddl_string_lit(&b, x, c->comment)) < 0 ||
			    (rc = add_stmt(out, x, &b)) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	orm_buf_dispose(&b);
	return rc;
}

static int mariadb_table_options(orm_buf *b, orm__ddl *x, const orm_table *t)
{
	int rc;

	if (orm_buf_printf(b, " ENGINE=%s DEFAULT CHARSET=%s", t->engine ? t->engine : "InnoDB",
			   t->charset ? t->charset : "utf8mb4") < 0)
		return nomem(x);
	if ((t->collation || !t->charset) &&
	    orm_buf_printf(b, " COLLATE=%s", t->collation ? t->collation : "utf8mb4_unicode_ci") < 0)
		return nomem(x);
	if (t->comment && *t->comment) {
		if ((rc = puts_(b, x, " COMMENT=")) < 0 || (rc = orm__ddl_string_lit(b, x, t->comment)) < 0)
			return rc;
	}
	return 0;
}

static int create_mariadb(orm_sql_list *out, orm__ddl *x, const orm_table *t, const struct plan *p, unsigned flags)
{
	orm_buf b = ORM_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = puts_(&b, x, (flags & ORM_SCHEMA_IF_NOT_EXISTS) ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ")) < 0 ||
	    (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0 || (rc = puts_(&b, x, " (")) < 0)
		goto out;
	for (i = 0; i < p->nkeys; i++)
		if (p->keys[i].kind == ORM__OP_ADD_FOREIGN && (rc = check_reference(x, t, p, &p->keys[i])) < 0)
			goto out;
	for (i = 0; i < p->ncols; i++) {
		char *ty = NULL;
		if ((rc = mariadb_fk_type(x, t, p, p->cols[i], &ty)) < 0)
			goto out;
		rc = puts_(&b, x, i ? ",\n  " : "\n  ");
		if (rc == 0)
			rc = orm__ddl_column(&b, x, t, p->cols[i], ty);
		orm__free(ty);
		if (rc < 0)
			goto out;
	}
	if (p->npk) {
		if ((rc = puts_(&b, x, ",\n  PRIMARY KEY ")) < 0 || (rc = col_list(&b, x, p->pk, p->npk)) < 0)
			goto out;
	}
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		if (k->kind == ORM__OP_ADD_UNIQUE || k->kind == ORM__OP_ADD_INDEX) {
			if ((rc = puts_(&b, x, k->kind == ORM__OP_ADD_UNIQUE ? ",\n  UNIQUE KEY " : ",\n  KEY ")) < 0 ||
			    (rc = orm__ddl_ident(&b, x, k->name)) < 0 || (rc = puts_(&b, x, " ")) < 0 ||
			    (rc = col_list(&b, x, k->cols, k->n)) < 0)
				goto out;
		}
	}
	for (i = 0; i < p->nkeys; i++) {
		const struct key *k = &p->keys[i];
		if (k->kind != ORM__OP_ADD_FOREIGN)
			continue;
		if ((rc = puts_(&b, x, ",\n  ")) < 0 ||
		    (rc = orm__ddl_fk_clause(&b, x, k->name, k->cols, k->n, k->ref_table, k->ref_cols, k->nref, k->del,
					     k->upd, schema_of(t))) < 0)
			goto out;
	}
	for (i = 0; i < p->ncols; i++) {
		const orm_col *c = p->cols[i];
		if (c->is_unsigned && (c->type == ORM_COL_DECIMAL)) {
			/* DECIMAL UNSIGNED is deprecated in MySQL; a check says the same everywhere */
		}
	}
	if ((rc = puts_(&b, x, "\n)")) < 0 || (rc = mariadb_table_options(&b, x, t)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
		goto out;
	rc = 0;
out:
	orm_buf_dispose(&b);
	return rc;
}

int orm__ddl_create(orm_sql_list *out, orm__ddl *x, const orm_table *t, unsigned flags)
{
	struct plan p;
	int rc;

	if (t->err)
		return orm__ddl_fail(x, t->err, "%s", orm_table_errmsg(t));
	if (t->alter)
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": an alter definition given to create", t->name);
	rc = plan_build(&p, x, t);
	if (rc == 0) {
		if (x->d == ORM_DIALECT_MARIADB)
			rc = create_mariadb(out, x, t, &p, flags);
		else
			rc = create_sqlite_pg(out, x, t, &p, flags);
	}
	plan_dispose(&p);
	return rc;
}

/* ================================================================== */
/* ALTER TABLE: PostgreSQL and MariaDB                                 */
/* ================================================================== */

/* the live table, kept up to date while the ops are applied one by one */
struct live {
	orm_table_info_handle *h;
	const orm_table_info *info;
	char **cols;     /* current column names */
	char **orig;     /* their names in the live table (NULL: added by this alter) */
	size_t ncols, acols;
};

static void live_dispose(struct live *l)
{
	orm_table_info_free(l->h);
	orm__strlist_free(l->cols, l->ncols);
	orm__strlist_free(l->orig, l->ncols);
	memset(l, 0, sizeof(*l));
}

static int live_load(struct live *l, orm__ddl *x, const orm_table *t)
{
	int rc;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (!x->conn)
		return 0;
	rc = orm__inspect_table(&l->h, x->conn, t->schema, t->bare);
	if (rc == ORM_ENOTFOUND)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": no such table", t->name);
	if (rc < 0)
		return orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(x->conn));
	l->info = orm_table_info_get(l->h);
	l->acols = l->info->ncolumns + 8;
	l->cols = orm__calloc(l->acols, sizeof(*l->cols));
	l->orig = orm__calloc(l->acols, sizeof(*l->orig));
	if (!l->cols || !l->orig)
		return nomem(x);
	for (i = 0; i < l->info->ncolumns; i++) {
		l->ncols++;
		if (!(l->cols[i] = orm__strdup(l->info->columns[i]->name)) ||
		    !(l->orig[i] = orm__strdup(l->info->columns[i]->name)))
			return nomem(x);
	}
	return 0;
}

static long live_find(const struct live *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->ncols; i++)
		if (strcmp(l->cols[i], name) == 0)
			return (long)i;
	return -1;
}

static int live_add(struct live *l, orm__ddl *x, const char *name)
{
	if (l->ncols == l->acols) {
		size_t na = l->acols ? l->acols * 2 : 8;
		char **n = orm__realloc(l->cols, na * sizeof(*n));
		char **o;
		if (!n)
			return nomem(x);
		l->cols = n;
		o = orm__realloc(l->orig, na * sizeof(*o));
		if (!o)
			return nomem(x);
		l->orig = o;
		l->acols = na;
	}
	l->orig[l->ncols] = NULL;
	if (!(l->cols[l->ncols] = orm__strdup(name)))
		return nomem(x);
	l->ncols++;
	return 0;
}

/* check the column exists (when the live table is known) */
static int live_need(struct live *l, orm__ddl *x, const orm_table *t, const char *col, const char *what)
{
	if (!l->info)
		return 0;
	if (live_find(l, col) < 0)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": %s: no column \"%s\"", t->name, what, col);
	return 0;
}

static int alter_prefix(orm_buf *b, orm__ddl *x, const orm_table *t)
{
	int rc;

	if ((rc = puts_(b, x, "ALTER TABLE ")) < 0 || (rc = orm__ddl_qname(b, x, t->schema, t->bare)) < 0 ||
	    (rc = puts_(b, x, " ")) < 0)
		return rc;
	return 0;
}

/* the live info of a column by its current name (renames in this alter followed) */
static const orm_col_info *live_col(const struct live *l, const char *name)
{
	long k;

	if (!l->info)
		return NULL;
	k = live_find(l, name);
	if (k < 0 || !l->orig[k])
		return NULL;
	return orm_table_info_column(l->info, l->orig[k]);
}

/* MariaDB: the full definition of an altered column, current properties kept */
static int mariadb_modify(orm_buf *b, orm__ddl *x, const orm_table *t, const struct live *l, const orm_col *c,
			  const char *new_name, const char *type_override)
{
	const orm_col_info *ci = live_col(l, c->name);
	orm_col m;
	int rc;
	const char *type_text = NULL;
	orm_buf tb = ORM_BUF_INIT;

	if (!ci)
		return orm__ddl_fail(x, x->conn ? ORM_ENOTFOUND : ORM_EUNSUPPORTED,
				     "alter table \"%s\": column \"%s\": %s", t->name, c->name,
				     x->conn ? "no such column" : "changing a MariaDB column needs the live schema (a connection)");
	m = *c;
	m.name = (char *)(new_name ? new_name : c->name);
	if (!(c->set & ORM__SET_TYPE)) {
		/* keep the type as the server wrote it (COLUMN_TYPE), JSON as JSON */
		if (type_override)
			type_text = type_override;
		else if (ci->kind == ORM_COL_JSON)
			type_text = "JSON";
		else
			type_text = ci->type;
		m.type = ci->kind == ORM_COL_KEEP ? ORM_COL_SPECIFIC : ci->kind;
		if (c->set & ORM__SET_UNSIGNED) {
			if (!strstr(ci->type, "unsigned")) {
				if (orm_buf_printf(&tb, "%s UNSIGNED", ci->type) < 0)
					return nomem(x);
				type_text = tb.ptr;
			}
		}
	} else if (c->type == ORM_COL_STRING && !(c->set & ORM__SET_LENGTH) && ci->length > 0) {
		m.length = ci->length;
	} else if (c->type == ORM_COL_DECIMAL && !(c->set & ORM__SET_PRECISION) && ci->precision > 0) {
		m.precision = ci->precision;
		m.scale = ci->scale;
	}
	if (!(c->set & ORM__SET_UNSIGNED) && ci->is_unsigned && (c->set & ORM__SET_TYPE))
		m.is_unsigned = 1;
	if (!(c->set & ORM__SET_UNSIGNED) && !(c->set & ORM__SET_TYPE))
		m.is_unsigned = 0; /* already in type_text */
	if (!(c->set & ORM__SET_NULL))
		m.not_null = !ci->nullable;
	if (!(c->set & ORM__SET_DEFAULT)) {
		if (ci->default_sql) {
			m.def_kind = ORM__DEF_RAW;
			m.def_raw = (char *)ci->default_sql;
		} else {
			m.def_kind = ORM__DEF_NONE;
		}
	} else if (c->def_kind == ORM__DEF_DROP) {
		m.def_kind = ORM__DEF_NONE;
	}
	if (!(c->set & ORM__SET_COMMENT))
		m.comment = (char *)ci->comment;
	if (!(c->set & ORM__SET_COLLATE)) {
		int stringish = !(c->set & ORM__SET_TYPE) || c->type == ORM_COL_STRING || c->type == ORM_COL_TEXT ||
				c->type == ORM_COL_ENUM;
		m.collate = stringish && ci->collation && *ci->collation ? (char *)ci->collation : NULL;
	}
	if (ci->auto_increment && !(c->set & ORM__SET_TYPE)) {
		/* keep AUTO_INCREMENT: written after the type by orm__ddl_column for increments kinds */
		m.type = ORM_COL_INCREMENTS;
		m.def_kind = ORM__DEF_NONE;
	}
	{
		/* ON UPDATE goes before COMMENT; the server keeps it only if repeated */
		const char *comment = m.comment;
		int temporal = !(c->set & ORM__SET_TYPE) || c->type == ORM_COL_DATETIME || c->type == ORM_COL_TIMESTAMP ||
			       c->type == ORM_COL_TIMESTAMPTZ;
		m.comment = NULL;
		rc = orm__ddl_column(b, x, t, &m, type_text);
		if (rc == 0 && ci->on_update_sql && temporal &&
		    ((rc = puts_(b, x, " ON UPDATE ")) < 0 || (rc = puts_(b, x, ci->on_update_sql)) < 0))
			goto out;
		if (rc == 0 && comment && *comment &&
		    ((rc = puts_(b, x, " COMMENT ")) < 0 || (rc = orm__ddl_string_lit(b, x, comment)) < 0))
			goto out;
	}
out:
	orm_buf_dispose(&tb);
	return rc;
}

static int pg_type_only(orm_buf *b, orm__ddl *x, const orm_table *t, const orm_col *c)
{
	return orm__ddl_type(b, x, t, c);
}

static int alter_add_column(orm_sql_list *out, orm__ddl *x, const orm_table *t, struct live *l, const orm_col *c)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;
	char *ty = NULL;
	char *nm = NULL;
	const char *one[1];
	const char *ref[1];

	one[0] = c->name;
	if (l->info && live_find(l, c->name) >= 0) {
		rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": add column: column \"%s\" already exists", t->name, c->name);
		goto out;
	}
	if (c->ref_table) {
		struct key k;
		memset(&k, 0, sizeof(k));
		k.name = (char *)"(new)";
		k.cols = one;
		k.n = 1;
		ref[0] = c->ref_col;
		k.ref_cols = ref;
		k.nref = 1;
		k.ref_table = c->ref_table;
		if ((rc = check_reference(x, t, NULL, &k)) < 0)
			goto out;
		if (x->d == ORM_DIALECT_MARIADB && orm__is_int_kind(c->type) && c->type != ORM_COL_INCREMENTS &&
		    c->type != ORM_COL_BIG_INCREMENTS) {
			if ((rc = mariadb_ref_type(x, t, c->ref_table, c->ref_col, &ty)) < 0)
				goto out;
			if (ty && !strstr(ty, "int")) {
				orm__free(ty);
				ty = NULL;
			}
		}
	}
	if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD COLUMN ")) < 0 ||
	    (rc = orm__ddl_column(&b, x, t, c, ty)) < 0)
		goto out;
	if (x->d == ORM_DIALECT_MARIADB) {
		/* one statement: MariaDB commits each */
		if (c->primary && (rc = puts_(&b, x, ", ADD PRIMARY KEY ")) == 0)
			rc = col_list(&b, x, one, 1);
		if (rc < 0)
			goto out;
		if (c->unique) {
			if (!(nm = orm__key_name(t->bare, one, 1, "unique"))) {
				rc = nomem(x);
				goto out;
			}
			if ((rc = puts_(&b, x, ", ADD UNIQUE KEY ")) < 0 || (rc = orm__ddl_ident(&b, x, nm)) < 0 ||
			    (rc = puts_(&b, x, " ")) < 0 || (rc = col_list(&b, x, one, 1)) < 0)
				goto out;
			orm__free(nm);
			nm = NULL;
		}
		if (c->index) {
			if (!(nm = orm__key_name(t->bare, one, 1, "index"))) {
				rc = nomem(x);
				goto out;
			}
			if ((rc = puts_(&b, x, ", ADD KEY ")) < 0 || (rc = orm__ddl_ident(&b, x, nm)) < 0 ||
			    (rc = puts_(&b, x, " ")) < 0 || (rc = col_list(&b, x, one, 1)) < 0)
				goto out;
			orm__free(nm);
			nm = NULL;
		}
		if (c->ref_table) {
			if (!(nm = orm__key_name(t->bare, one, 1, "foreign"))) {
				rc = nomem(x);
				goto out;
			}
			ref[0] = c->ref_col;
			if ((rc = puts_(&b, x, ", ADD ")) < 0 ||
			    (rc = orm__ddl_fk_clause(&b, x, nm, one, 1, c->ref_table, ref, 1, c->on_delete, c->on_update,
						     t->schema)) < 0)
				goto out;
		}
		rc = add_stmt(out, x, &b);
		goto out;
	}
	/* PostgreSQL: one statement per step, all in one transaction */
	if ((rc = add_stmt(out, x, &b)) < 0)
		goto out;
	if (c->primary) {
		if (!(nm = orm__key_name(t->bare, NULL, 0, "pkey"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " PRIMARY KEY ")) < 0 ||
		    (rc = col_list(&b, x, one, 1)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->type == ORM_COL_ENUM || (c->is_unsigned && c->type != ORM_COL_SPECIFIC)) {
		int is_enum = c->type == ORM_COL_ENUM;
		if (!(nm = orm__key_name(t->bare, one, 1, is_enum ? "check" : "unsigned"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " ")) < 0 ||
		    (rc = check_clause(&b, x, c, is_enum)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->unique) {
		if (!(nm = orm__key_name(t->bare, one, 1, "unique"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " UNIQUE ")) < 0 ||
		    (rc = col_list(&b, x, one, 1)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->index) {
		if (!(nm = orm__key_name(t->bare, one, 1, "index"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = orm__ddl_index(out, x, t, nm, one, 1, 0)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->ref_table) {
		if (!(nm = orm__key_name(t->bare, one, 1, "foreign"))) {
			rc = nomem(x);
			goto out;
		}
		ref[0] = c->ref_col;
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD ")) < 0 ||
		    (rc = orm__ddl_fk_clause(&b, x, nm, one, 1, c->ref_table, ref, 1, c->on_delete, c->on_update,
					     t->schema)) < 0 ||
		    (rc = add_stmt(out, x, &b)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->comment && *c->comment) {
		if ((rc = puts_(&b, x, "COMMENT ON COLUMN ")) < 0 || (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0 ||
		    (rc = puts_(&b, x, ".")) < 0 || (rc = orm__ddl_ident(&b, x, c->name)) < 0 ||
		    (rc = puts_(&b, x, " IS ")) < 0 || (rc = orm__ddl_string_lit(&b, x, c->comment)) < 0 ||
		    (rc = add_stmt(out, x, &b)) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc == 0)
		rc = live_add(l, x, c->name);
	orm__free(nm);
	orm__free(ty);
	orm_buf_dispose(&b);
	return rc;
}

static int pg_alter_column(orm_sql_list *out, orm__ddl *x, const orm_table *t, const struct live *l, const orm_col *c)
{
	orm_buf b = ORM_BUF_INIT;
	int rc = 0;
	const char *one[1] = { c->name };
	char *nm = NULL;
	const orm_col_info *ci = live_col(l, c->name);

#define COLPREFIX() ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ALTER COLUMN ")) < 0 || \
		     (rc = orm__ddl_ident(&b, x, c->name)) < 0)
	if ((c->set & ORM__SET_TYPE) || (c->set & ORM__SET_COLLATE)) {
		orm_buf ty = ORM_BUF_INIT;
		if (c->set & ORM__SET_TYPE) {
			orm_col m = *c;
			if (c->type == ORM_COL_STRING && !(c->set & ORM__SET_LENGTH) && ci && ci->length > 0)
				m.length = ci->length;
			rc = pg_type_only(&ty, x, t, &m);
		} else if (ci) {
			rc = puts_(&ty, x, ci->type);
		} else {
			rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "alter table \"%s\": column \"%s\": changing only the collation needs the live schema",
					   t->name, c->name);
		}
		if (rc == 0 && !COLPREFIX() && (rc = puts_(&b, x, " TYPE ")) == 0 && (rc = puts_(&b, x, ty.ptr)) == 0) {
			if (c->collate) {
				orm_col tmp = *c;
				if ((rc = check_collation(x, t, &tmp)) == 0 && (rc = puts_(&b, x, " COLLATE ")) == 0)
					rc = orm__ddl_ident(&b, x, c->collate);
			}
			if (rc == 0 && (c->set & ORM__SET_TYPE)) {
				if ((rc = puts_(&b, x, " USING ")) == 0 && (rc = orm__ddl_ident(&b, x, c->name)) == 0 &&
				    (rc = puts_(&b, x, "::")) == 0)
					rc = puts_(&b, x, ty.ptr);
			}
			if (rc == 0)
				rc = add_stmt(out, x, &b);
		}
		orm_buf_dispose(&ty);
		if (rc < 0)
			goto out;
		if ((c->set & ORM__SET_TYPE)) {
			/* an enum's check goes with its type */
			if (!(nm = orm__key_name(t->bare, one, 1, "check"))) {
				rc = nomem(x);
				goto out;
			}
			if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "DROP CONSTRAINT IF EXISTS ")) < 0 ||
			    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
				goto out;
			if (c->type == ORM_COL_ENUM) {
				if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
				    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " ")) < 0 ||
				    (rc = check_clause(&b, x, c, 1)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
					goto out;
			}
			orm__free(nm);
			nm = NULL;
		}
	} else if (c->set & ORM__SET_ENUM) {
		if (!(nm = orm__key_name(t->bare, one, 1, "check"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "DROP CONSTRAINT IF EXISTS ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = add_stmt(out, x, &b)) < 0 ||
		    (rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " ")) < 0 ||
		    (rc = check_clause(&b, x, c, 1)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
		orm__free(nm);
		nm = NULL;
	}
	if (c->set & ORM__SET_NULL) {
		if (COLPREFIX() || (rc = puts_(&b, x, c->not_null ? " SET NOT NULL" : " DROP NOT NULL")) < 0 ||
		    (rc = add_stmt(out, x, &b)) < 0)
			goto out;
	}
	if (c->set & ORM__SET_DEFAULT) {
		if (COLPREFIX())
			goto out;
		if (c->def_kind == ORM__DEF_DROP)
			rc = puts_(&b, x, " DROP DEFAULT");
		else if ((rc = puts_(&b, x, " SET DEFAULT ")) == 0)
			rc = orm__ddl_default(&b, x, t, c);
		if (rc < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
	}
	if ((c->set & ORM__SET_UNSIGNED) && c->is_unsigned) {
		if (!(nm = orm__key_name(t->bare, one, 1, "unsigned"))) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = alter_prefix(&b, x, t)) < 0 || (rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 ||
		    (rc = orm__ddl_ident(&b, x, nm)) < 0 || (rc = puts_(&b, x, " ")) < 0 ||
		    (rc = check_clause(&b, x, c, 0)) < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
	}
	if (c->set & ORM__SET_COMMENT) {
		if ((rc = puts_(&b, x, "COMMENT ON COLUMN ")) < 0 || (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) < 0 ||
		    (rc = puts_(&b, x, ".")) < 0 || (rc = orm__ddl_ident(&b, x, c->name)) < 0 ||
		    (rc = puts_(&b, x, " IS ")) < 0)
			goto out;
		if (c->comment && *c->comment)
			rc = orm__ddl_string_lit(&b, x, c->comment);
		else
			rc = puts_(&b, x, "NULL");
		if (rc < 0 || (rc = add_stmt(out, x, &b)) < 0)
			goto out;
	}
#undef COLPREFIX
	rc = 0;
out:
	orm__free(nm);
	orm_buf_dispose(&b);
	return rc;
}

/* find the name of a live foreign key by its columns */
static const char *live_fk_by_cols(const struct live *l, char *const *cols, size_t n)
{
	size_t i, j;

	if (!l->info)
		return NULL;
	for (i = 0; i < l->info->nforeign_keys; i++) {
		const orm_fk_info *fk = l->info->foreign_keys[i];
		if (fk->ncolumns != n)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(fk->columns[j], cols[j]) != 0)
				break;
		if (j == n)
			return fk->name;
	}
	return NULL;
}

static const orm_index_info *live_index(const struct live *l, const char *name)
{
	size_t i;

	if (!l->info)
		return NULL;
	for (i = 0; i < l->info->nindexes; i++)
		if (strcmp(l->info->indexes[i]->name, name) == 0)
			return l->info->indexes[i];
	return NULL;
}

static int key_name_for(char **out, orm__ddl *x, const orm_table *t, const struct orm__op *op, const char *suffix)
{
	*out = op->name ? orm__strdup(op->name) : orm__key_name(t->bare, (const char *const *)op->cols, op->ncols, suffix);
	return *out ? 0 : nomem(x);
}

int orm__ddl_alter(orm_sql_list *out, orm__ddl *x, const orm_table *t)
{
	struct live l;
	orm_buf b = ORM_BUF_INIT;
	size_t i;
	int rc;
	char *nm = NULL;

	if (t->err)
		return orm__ddl_fail(x, t->err, "%s", orm_table_errmsg(t));
	if (!t->alter)
		return orm__ddl_fail(x, ORM_EINVAL, "table \"%s\": a create definition given to alter", t->name);
	if ((rc = live_load(&l, x, t)) < 0)
		goto out;
	for (i = 0; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		orm__free(nm);
		nm = NULL;
		switch (op->kind) {
		case ORM__OP_ADD_COLUMN:
			rc = alter_add_column(out, x, t, &l, op->col);
			break;
		case ORM__OP_ALTER_COLUMN:
			if ((rc = live_need(&l, x, t, op->col->name, "alter column")) < 0)
				break;
			if (x->d == ORM_DIALECT_POSTGRES) {
				rc = pg_alter_column(out, x, t, &l, op->col);
			} else {
				if ((rc = alter_prefix(&b, x, t)) == 0 && (rc = puts_(&b, x, "MODIFY COLUMN ")) == 0 &&
				    (rc = mariadb_modify(&b, x, t, &l, op->col, NULL, NULL)) == 0)
					rc = add_stmt(out, x, &b);
			}
			break;
		case ORM__OP_DROP_COLUMN:
			if ((rc = live_need(&l, x, t, op->name, "drop column")) < 0)
				break;
			if ((rc = alter_prefix(&b, x, t)) == 0 && (rc = puts_(&b, x, "DROP COLUMN ")) == 0 &&
			    (rc = orm__ddl_ident(&b, x, op->name)) == 0)
				rc = add_stmt(out, x, &b);
			if (rc == 0 && l.info) {
				long k = live_find(&l, op->name);
				orm__free(l.cols[k]);
				orm__free(l.orig[k]);
				memmove(&l.cols[k], &l.cols[k + 1], (l.ncols - (size_t)k - 1) * sizeof(*l.cols));
				memmove(&l.orig[k], &l.orig[k + 1], (l.ncols - (size_t)k - 1) * sizeof(*l.orig));
				l.ncols--;
			}
			break;
		case ORM__OP_RENAME_COLUMN:
			if ((rc = live_need(&l, x, t, op->name, "rename column")) < 0)
				break;
			if (l.info && live_find(&l, op->name2) >= 0) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": rename column \"%s\": column \"%s\" already exists",
						   t->name, op->name, op->name2);
				break;
			}
			if ((rc = alter_prefix(&b, x, t)) < 0)
				break;
			if (x->d == ORM_DIALECT_MARIADB && x->version && x->version < 100502) {
				orm_col c;
				memset(&c, 0, sizeof(c));
				c.name = op->name;
				c.table = (orm_table *)t;
				if ((rc = puts_(&b, x, "CHANGE COLUMN ")) == 0 && (rc = orm__ddl_ident(&b, x, op->name)) == 0 &&
				    (rc = puts_(&b, x, " ")) == 0)
					rc = mariadb_modify(&b, x, t, &l, &c, op->name2, NULL);
			} else if ((rc = puts_(&b, x, "RENAME COLUMN ")) == 0 && (rc = orm__ddl_ident(&b, x, op->name)) == 0 &&
				   (rc = puts_(&b, x, " TO ")) == 0) {
				rc = orm__ddl_ident(&b, x, op->name2);
			}
			if (rc == 0)
				rc = add_stmt(out, x, &b);
			if (rc == 0 && l.info) {
				long k = live_find(&l, op->name);
				char *n2 = orm__strdup(op->name2);
				if (!n2) {
					rc = nomem(x);
					break;
				}
				orm__free(l.cols[k]);
				l.cols[k] = n2;
			}
			break;
		case ORM__OP_ADD_PRIMARY: {
			size_t j;
			for (j = 0; j < op->ncols && rc == 0; j++)
				rc = live_need(&l, x, t, op->cols[j], "add primary key");
			if (rc < 0)
				break;
			if ((rc = alter_prefix(&b, x, t)) < 0)
				break;
			if (x->d == ORM_DIALECT_POSTGRES) {
				if (!(nm = op->name ? orm__strdup(op->name) : orm__key_name(t->bare, NULL, 0, "pkey"))) {
					rc = nomem(x);
					break;
				}
				if ((rc = puts_(&b, x, "ADD CONSTRAINT ")) < 0 || (rc = orm__ddl_ident(&b, x, nm)) < 0 ||
				    (rc = puts_(&b, x, " ")) < 0)
					break;
			} else if ((rc = puts_(&b, x, "ADD ")) < 0) {
				break;
			}
			if ((rc = puts_(&b, x, "PRIMARY KEY ")) == 0 &&
			    (rc = col_list(&b, x, (const char *const *)op->cols, op->ncols)) == 0)
				rc = add_stmt(out, x, &b);
			break;
		}
		case ORM__OP_ADD_UNIQUE:
		case ORM__OP_ADD_INDEX: {
			size_t j;
			int uniq = op->kind == ORM__OP_ADD_UNIQUE;
			for (j = 0; j < op->ncols && rc == 0; j++)
				rc = live_need(&l, x, t, op->cols[j], uniq ? "add unique" : "add index");
			if (rc < 0 || (rc = key_name_for(&nm, x, t, op, uniq ? "unique" : "index")) < 0)
				break;
			if (!uniq) {
				rc = orm__ddl_index(out, x, t, nm, (const char *const *)op->cols, op->ncols, 0);
				break;
			}
			if ((rc = alter_prefix(&b, x, t)) < 0)
				break;
			if ((rc = puts_(&b, x, x->d == ORM_DIALECT_POSTGRES ? "ADD CONSTRAINT " : "ADD UNIQUE KEY ")) == 0 &&
			    (rc = orm__ddl_ident(&b, x, nm)) == 0 &&
			    (rc = puts_(&b, x, x->d == ORM_DIALECT_POSTGRES ? " UNIQUE " : " ")) == 0 &&
			    (rc = col_list(&b, x, (const char *const *)op->cols, op->ncols)) == 0)
				rc = add_stmt(out, x, &b);
			break;
		}
		case ORM__OP_ADD_FOREIGN: {
			struct key k;
			size_t j;
			for (j = 0; j < op->ncols && rc == 0; j++)
				rc = live_need(&l, x, t, op->cols[j], "add foreign key");
			if (rc < 0 || (rc = key_name_for(&nm, x, t, op, "foreign")) < 0)
				break;
			memset(&k, 0, sizeof(k));
			k.name = nm;
			k.cols = (const char *const *)op->cols;
			k.n = op->ncols;
			k.ref_table = op->ref_table;
			k.ref_cols = (const char *const *)op->ref_cols;
			k.nref = op->nref;
			if ((rc = check_reference(x, t, NULL, &k)) < 0)
				break;
			if ((rc = alter_prefix(&b, x, t)) < 0)
				break;
			if (x->d == ORM_DIALECT_MARIADB && l.info) {
				/* InnoDB refuses INT -> INT UNSIGNED (errno 150): the referencing
				 * integer column takes the referenced type, in the same statement */
				for (j = 0; j < op->ncols; j++) {
					const orm_col_info *ci = live_col(&l, op->cols[j]);
					char *ty = NULL;
					if (!ci)
						continue;
					if ((rc = mariadb_ref_type(x, t, op->ref_table, op->ref_cols[j], &ty)) < 0)
						break;
					if (ty && strstr(ty, "int") && strstr(ci->type, "int") && strcmp(ty, ci->type) != 0) {
						orm_col c;
						memset(&c, 0, sizeof(c));
						c.name = op->cols[j];
						c.table = (orm_table *)t;
						if ((rc = puts_(&b, x, "MODIFY COLUMN ")) == 0 &&
						    (rc = mariadb_modify(&b, x, t, &l, &c, NULL, ty)) == 0)
							rc = puts_(&b, x, ", ");
					}
					orm__free(ty);
					if (rc < 0)
						break;
				}
				if (rc < 0)
					break;
			}
			if ((rc = puts_(&b, x, "ADD ")) == 0 &&
			    (rc = orm__ddl_fk_clause(&b, x, nm, (const char *const *)op->cols, op->ncols, op->ref_table,
						     (const char *const *)op->ref_cols, op->nref, op->on_delete, op->on_update,
						     t->schema)) == 0)
				rc = add_stmt(out, x, &b);
			break;
		}
		case ORM__OP_DROP_INDEX:
			if ((rc = key_name_for(&nm, x, t, op, "index")) < 0)
				break;
			if (l.info && !live_index(&l, nm)) {
				rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop index: no index \"%s\"", t->name, nm);
				break;
			}
			if (x->d == ORM_DIALECT_POSTGRES) {
				if ((rc = puts_(&b, x, "DROP INDEX ")) == 0 && (rc = orm__ddl_qname(&b, x, t->schema, nm)) == 0)
					rc = add_stmt(out, x, &b);
			} else if ((rc = alter_prefix(&b, x, t)) == 0 && (rc = puts_(&b, x, "DROP INDEX ")) == 0 &&
				   (rc = orm__ddl_ident(&b, x, nm)) == 0) {
				rc = add_stmt(out, x, &b);
			}
			break;
		case ORM__OP_DROP_UNIQUE: {
			const orm_index_info *ii;
			if ((rc = key_name_for(&nm, x, t, op, "unique")) < 0)
				break;
			ii = live_index(&l, nm);
			if (l.info && (!ii || !ii->unique)) {
				rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop unique: no unique key \"%s\"", t->name, nm);
				break;
			}
			if (x->d == ORM_DIALECT_POSTGRES && ii && !ii->constraint) {
				if ((rc = puts_(&b, x, "DROP INDEX ")) == 0 && (rc = orm__ddl_qname(&b, x, t->schema, nm)) == 0)
					rc = add_stmt(out, x, &b);
				break;
			}
			if ((rc = alter_prefix(&b, x, t)) == 0 &&
			    (rc = puts_(&b, x, x->d == ORM_DIALECT_POSTGRES ? "DROP CONSTRAINT " : "DROP INDEX ")) == 0 &&
			    (rc = orm__ddl_ident(&b, x, nm)) == 0)
				rc = add_stmt(out, x, &b);
			break;
		}
		case ORM__OP_DROP_PRIMARY:
			if (l.info && l.info->nprimary == 0) {
				rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop primary: the table has no primary key", t->name);
				break;
			}
			if ((rc = alter_prefix(&b, x, t)) < 0)
				break;
			if (x->d == ORM_DIALECT_MARIADB) {
				rc = puts_(&b, x, "DROP PRIMARY KEY");
			} else {
				const char *pn = op->name ? op->name : (l.info && *l.info->primary_name) ? l.info->primary_name : NULL;
				if (!pn && !(nm = orm__key_name(t->bare, NULL, 0, "pkey"))) {
					rc = nomem(x);
					break;
				}
				if ((rc = puts_(&b, x, "DROP CONSTRAINT ")) == 0)
					rc = orm__ddl_ident(&b, x, pn ? pn : nm);
			}
			if (rc == 0)
				rc = add_stmt(out, x, &b);
			break;
		case ORM__OP_DROP_FOREIGN: {
			const char *fkn = op->name;
			if (!fkn && op->ncols) {
				fkn = live_fk_by_cols(&l, op->cols, op->ncols);
				if (!fkn && l.info) {
					rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop foreign: no foreign key on column \"%s\"%s",
							   t->name, op->cols[0], op->ncols > 1 ? ", ..." : "");
					break;
				}
				if (!fkn) {
					if ((rc = key_name_for(&nm, x, t, op, "foreign")) < 0)
						break;
					fkn = nm;
				}
			} else if (fkn && l.info) {
				size_t j;
				for (j = 0; j < l.info->nforeign_keys; j++)
					if (strcmp(l.info->foreign_keys[j]->name, fkn) == 0)
						break;
				if (j == l.info->nforeign_keys) {
					rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop foreign: no foreign key \"%s\"", t->name, fkn);
					break;
				}
			}
			if ((rc = alter_prefix(&b, x, t)) == 0 &&
			    (rc = puts_(&b, x, x->d == ORM_DIALECT_POSTGRES ? "DROP CONSTRAINT " : "DROP FOREIGN KEY ")) == 0 &&
			    (rc = orm__ddl_ident(&b, x, fkn)) == 0)
				rc = add_stmt(out, x, &b);
			break;
		}
		case ORM__OP_RENAME_INDEX: {
			const orm_index_info *ii = live_index(&l, op->name);
			if (l.info && !ii) {
				rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": rename index: no index \"%s\"", t->name, op->name);
				break;
			}
			if (x->d == ORM_DIALECT_POSTGRES) {
				/* ALTER INDEX renames the index of a constraint too, and the constraint with it */
				if ((rc = puts_(&b, x, "ALTER INDEX ")) == 0 && (rc = orm__ddl_qname(&b, x, t->schema, op->name)) == 0 &&
				    (rc = puts_(&b, x, " RENAME TO ")) == 0 && (rc = orm__ddl_ident(&b, x, op->name2)) == 0)
					rc = add_stmt(out, x, &b);
			} else if ((rc = alter_prefix(&b, x, t)) == 0 && (rc = puts_(&b, x, "RENAME INDEX ")) == 0 &&
				   (rc = orm__ddl_ident(&b, x, op->name)) == 0 && (rc = puts_(&b, x, " TO ")) == 0 &&
				   (rc = orm__ddl_ident(&b, x, op->name2)) == 0) {
				rc = add_stmt(out, x, &b);
			}
			break;
		}
		case ORM__OP_COMMENT:
			if (x->d == ORM_DIALECT_POSTGRES) {
				if ((rc = puts_(&b, x, "COMMENT ON TABLE ")) == 0 && (rc = orm__ddl_qname(&b, x, t->schema, t->bare)) == 0 &&
				    (rc = puts_(&b, x, " IS ")) == 0)
					rc = (t->comment && *t->comment) ? orm__ddl_string_lit(&b, x, t->comment) : puts_(&b, x, "NULL");
			} else if ((rc = alter_prefix(&b, x, t)) == 0 && (rc = puts_(&b, x, "COMMENT = ")) == 0) {
				rc = orm__ddl_string_lit(&b, x, t->comment ? t->comment : "");
			}
			if (rc == 0)
				rc = add_stmt(out, x, &b);
			break;
		default:
			rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": unknown operation", t->name);
			break;
		}
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	orm__free(nm);
	orm_buf_dispose(&b);
	live_dispose(&l);
	return rc;
}
