/*
 * Schema builder objects: orm_table definitions (create and alter), their
 * columns (orm_col) and operations, type names, orm_sql_list.
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ---- */

int orm__strlist_dup(char ***out, const char *const *src, size_t n)
{
	size_t i;
	char **l;

	*out = NULL;
	if (n == 0)
		return 0;
	l = orm__calloc(n, sizeof(*l));
	if (!l)
		return ORM_ENOMEM;
	for (i = 0; i < n; i++) {
		if (!src[i] || !*src[i]) {
			orm__strlist_free(l, n);
			return ORM_EINVAL;
		}
		l[i] = orm__strdup(src[i]);
		if (!l[i]) {
			orm__strlist_free(l, n);
			return ORM_ENOMEM;
		}
	}
	*out = l;
	return 0;
}

void orm__strlist_free(char **l, size_t n)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < n; i++)
		orm__free(l[i]);
	orm__free(l);
}

/* Split "schema.table" at the last unquoted dot. Quotes are not used in
 * names given to the builder, so a plain split is enough. */
int orm__split_name(const char *name, char **schema, char **bare)
{
	const char *dot = strrchr(name, '.');

	*schema = NULL;
	*bare = NULL;
	if (dot && dot != name && dot[1]) {
		*schema = orm__strndup(name, (size_t)(dot - name));
		*bare = orm__strdup(dot + 1);
		if (!*schema || !*bare) {
			orm__free(*schema);
			orm__free(*bare);
			*schema = *bare = NULL;
			return ORM_ENOMEM;
		}
		return 0;
	}
	*bare = orm__strdup(name);
	return *bare ? 0 : ORM_ENOMEM;
}

int orm__is_int_kind(orm_col_type t)
{
	return t == ORM_COL_INCREMENTS || t == ORM_COL_BIG_INCREMENTS || t == ORM_COL_INTEGER ||
	       t == ORM_COL_BIG_INTEGER || t == ORM_COL_SMALL_INTEGER;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

char *orm__key_name(const char *table, const char *const *cols, size_t n, const char *suffix)
{
	orm_buf b = ORM_BUF_INIT;
	size_t i;
	char *p, *res;

	if (orm_buf_puts(&b, table) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (orm_buf_puts(&b, "_") < 0 || orm_buf_puts(&b, cols[i]) < 0)
			goto fail;
	if (orm_buf_puts(&b, "_") < 0 || orm_buf_puts(&b, suffix) < 0)
		goto fail;
	/* Knex style: lower case, separators to underscores */
	for (p = b.ptr; *p; p++) {
		if (*p == '.' || *p == '-' || *p == ' ')
			*p = '_';
		else
			*p = (char)tolower((unsigned char)*p);
	}
	if (b.size > 63) {
		/* keep it under PostgreSQL's 63 and MariaDB's 64 byte limits:
		 * first 45 bytes, a hash of the whole name, the suffix */
		char tail[32];
		uint32_t h = fnv1a(b.ptr);
		snprintf(tail, sizeof(tail), "_%08x_%s", (unsigned)h, suffix);
		if (strlen(tail) > 17)
			tail[17] = '\0';
		b.ptr[45] = '\0';
		b.size = 45;
		if (orm_buf_puts(&b, tail) < 0)
			goto fail;
	}
	res = b.ptr;
	return res;
fail:
	orm_buf_dispose(&b);
	return NULL;
}

/* ---- orm_sql_list ---- */

void orm_sql_list_dispose(orm_sql_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		orm__free(l->items[i]);
	orm__free(l->items);
	l->items = NULL;
	l->count = l->alloc = 0;
}

int orm_sql_list_add(orm_sql_list *l, const char *sql)
{
	char *copy;

	if (!l || !sql)
		return ORM_EINVAL;
	if (l->count == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		char **ni = orm__realloc(l->items, na * sizeof(*ni));
		if (!ni)
			return ORM_ENOMEM;
		l->items = ni;
		l->alloc = na;
	}
	copy = orm__strdup(sql);
	if (!copy)
		return ORM_ENOMEM;
	l->items[l->count++] = copy;
	return 0;
}

/* ---- type names ---- */

static const char *const type_names[] = {
	"keep", "increments", "big_increments", "integer", "big_integer", "small_integer",
	"text", "string", "float", "double", "decimal", "boolean", "date", "time",
	"datetime", "timestamp", "timestamptz", "json", "uuid", "enum", "binary", "specific"
};

const char *orm_col_type_name(orm_col_type t)
{
	if ((int)t < 0 || (size_t)t >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[t];
}

static const struct {
	const char *name;
	orm_col_type type;
} type_aliases[] = {
	{ "bigincrements", ORM_COL_BIG_INCREMENTS }, { "biginteger", ORM_COL_BIG_INTEGER },
	{ "bigint", ORM_COL_BIG_INTEGER }, { "smallinteger", ORM_COL_SMALL_INTEGER },
	{ "smallint", ORM_COL_SMALL_INTEGER }, { "int", ORM_COL_INTEGER },
	{ "datetime", ORM_COL_DATETIME }, { "bool", ORM_COL_BOOLEAN }, { "jsonb", ORM_COL_JSON },
	{ "blob", ORM_COL_BINARY }, { "varchar", ORM_COL_STRING }, { "real", ORM_COL_DOUBLE },
	{ "numeric", ORM_COL_DECIMAL }, { "timestamp_tz", ORM_COL_TIMESTAMPTZ },
	{ "increments_big", ORM_COL_BIG_INCREMENTS }, { "serial", ORM_COL_INCREMENTS },
	{ "bigserial", ORM_COL_BIG_INCREMENTS }, { "enu", ORM_COL_ENUM }, { "bytea", ORM_COL_BINARY },
};

int orm_col_type_parse(orm_col_type *out, const char *name)
{
	size_t i;
	char norm[64];
	size_t n = 0;

	if (!out || !name)
		return ORM_EINVAL;
	for (i = 0; name[i] && n + 1 < sizeof(norm); i++)
		norm[n++] = (char)tolower((unsigned char)name[i]);
	norm[n] = '\0';
	if (name[i])
		return ORM_EINVAL;
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(norm, type_names[i]) == 0) {
			*out = (orm_col_type)i;
			return 0;
		}
	for (i = 0; i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++)
		if (strcmp(norm, type_aliases[i].name) == 0) {
			*out = type_aliases[i].type;
			return 0;
		}
	return ORM_EINVAL;
}

const char *orm_fk_action_sql(orm_fk_action a)
{
	switch (a) {
	case ORM_FK_NO_ACTION: return "NO ACTION";
	case ORM_FK_RESTRICT: return "RESTRICT";
	case ORM_FK_CASCADE: return "CASCADE";
	case ORM_FK_SET_NULL: return "SET NULL";
	case ORM_FK_SET_DEFAULT: return "SET DEFAULT";
	default: return "";
	}
}

int orm_fk_action_parse(orm_fk_action *out, const char *name)
{
	char norm[32];
	size_t i, n = 0;

	if (!out || !name)
		return ORM_EINVAL;
	for (i = 0; name[i] && n + 1 < sizeof(norm); i++) {
		char ch = name[i];
		if (ch == '_' || ch == ' ' || ch == '-')
			continue;
		norm[n++] = (char)tolower((unsigned char)ch);
	}
	norm[n] = '\0';
	if (name[i])
		return ORM_EINVAL;
	if (!strcmp(norm, "cascade"))
		*out = ORM_FK_CASCADE;
	else if (!strcmp(norm, "restrict"))
		*out = ORM_FK_RESTRICT;
	else if (!strcmp(norm, "setnull"))
		*out = ORM_FK_SET_NULL;
	else if (!strcmp(norm, "setdefault"))
		*out = ORM_FK_SET_DEFAULT;
	else if (!strcmp(norm, "noaction"))
		*out = ORM_FK_NO_ACTION;
	else if (!strcmp(norm, "default") || !n)
		*out = ORM_FK_DEFAULT;
	else
		return ORM_EINVAL;
	return 0;
}

/* ---- tables ---- */

int orm__table_fail(orm_table *t, int code, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (!t)
		return code;
	if (t->err)
		return t->err;
	t->err = code;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t->errmsg = orm__sprintf("table \"%s\": %s", t->name ? t->name : "?", buf);
	return code;
}

static orm_table *table_new(const char *name, int alter)
{
	orm_table *t;

	if (!name || !*name)
		return NULL;
	t = orm__calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->alter = alter;
	t->name = orm__strdup(name);
	if (!t->name || orm__split_name(name, &t->schema, &t->bare) < 0) {
		orm_table_free(t);
		return NULL;
	}
	return t;
}

orm_table *orm_table_new(const char *name)
{
	return table_new(name, 0);
}

orm_table *orm_table_alter_new(const char *name)
{
	return table_new(name, 1);
}

static void col_free(orm_col *c)
{
	int i;

	if (!c)
		return;
	orm__free(c->name);
	orm__strlist_free(c->enum_values, c->nenum);
	for (i = 0; i < 4; i++)
		orm__free(c->spec[i]);
	orm__free(c->def_copy);
	orm__free(c->def_raw);
	orm__free(c->ref_table);
	orm__free(c->ref_col);
	orm__free(c->comment);
	orm__free(c->collate);
	orm__free(c);
}

static void op_dispose(struct orm__op *op)
{
	col_free(op->col);
	orm__free(op->name);
	orm__free(op->name2);
	orm__strlist_free(op->cols, op->ncols);
	orm__free(op->ref_table);
	orm__strlist_free(op->ref_cols, op->nref);
}

void orm_table_free(orm_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nops; i++)
		op_dispose(&t->ops[i]);
	orm__free(t->ops);
	orm__free(t->name);
	orm__free(t->schema);
	orm__free(t->bare);
	orm__free(t->errmsg);
	orm__free(t->comment);
	orm__free(t->engine);
	orm__free(t->charset);
	orm__free(t->collation);
	orm__free(t);
}

const char *orm_table_name(const orm_table *t)
{
	return t ? t->name : NULL;
}

int orm_table_is_alter(const orm_table *t)
{
	return t ? t->alter : 0;
}

int orm_table_error(const orm_table *t)
{
	return t ? t->err : ORM_EINVAL;
}

const char *orm_table_errmsg(const orm_table *t)
{
	if (!t)
		return "NULL table";
	if (!t->err)
		return "";
	return t->errmsg ? t->errmsg : orm_strerror(t->err);
}

static struct orm__op *op_push(orm_table *t, int kind)
{
	struct orm__op *op;

	if (t->nops == t->aops) {
		size_t na = t->aops ? t->aops * 2 : 8;
		struct orm__op *n = orm__realloc(t->ops, na * sizeof(*n));
		if (!n) {
			orm__table_fail(t, ORM_ENOMEM, "out of memory");
			return NULL;
		}
		t->ops = n;
		t->aops = na;
	}
	op = &t->ops[t->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

static int set_str(orm_table *t, char **dst, const char *src, const char *what)
{
	char *copy = NULL;

	if (src) {
		copy = orm__strdup(src);
		if (!copy)
			return orm__table_fail(t, ORM_ENOMEM, "%s: out of memory", what);
	}
	orm__free(*dst);
	*dst = copy;
	return 0;
}

int orm_table_comment(orm_table *t, const char *comment)
{
	int rc;

	if (!t)
		return ORM_EINVAL;
	if (t->err)
		return t->err;
	rc = set_str(t, &t->comment, comment ? comment : "", "orm_table_comment");
	if (rc == 0) {
		t->comment_set = 1;
		if (t->alter && !op_push(t, ORM__OP_COMMENT))
			return t->err;
	}
	return rc;
}

int orm_table_engine(orm_table *t, const char *engine)
{
	if (!t)
		return ORM_EINVAL;
	if (t->err)
		return t->err;
	if (engine && !*engine)
		engine = NULL;
	if (engine) {
		const char *p;
		for (p = engine; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return orm__table_fail(t, ORM_EINVAL, "orm_table_engine: bad engine name \"%s\"", engine);
	}
	return set_str(t, &t->engine, engine, "orm_table_engine");
}

static int check_word(orm_table *t, const char *w, const char *what)
{
	const char *p;

	if (!w)
		return 0;
	for (p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return orm__table_fail(t, ORM_EINVAL, "%s: bad name \"%s\"", what, w);
	return 0;
}

int orm_table_charset(orm_table *t, const char *charset, const char *collation)
{
	int rc;

	if (!t)
		return ORM_EINVAL;
	if (t->err)
		return t->err;
	if ((rc = check_word(t, charset, "orm_table_charset")) < 0 ||
	    (rc = check_word(t, collation, "orm_table_charset")) < 0)
		return rc;
	if ((rc = set_str(t, &t->charset, charset, "orm_table_charset")) < 0)
		return rc;
	return set_str(t, &t->collation, collation, "orm_table_charset");
}

/* ---- columns ---- */

static orm_col *col_make(orm_table *t, const char *name, orm_col_type type, int kind, const char *fn)
{
	orm_col *c;
	struct orm__op *op;

	if (!t)
		return NULL;
	if (t->err)
		return NULL;
	if (!name || !*name) {
		orm__table_fail(t, ORM_EINVAL, "%s: empty column name", fn);
		return NULL;
	}
	if ((int)type < 0 || type > ORM_COL_SPECIFIC || (type == ORM_COL_KEEP && kind == ORM__OP_ADD_COLUMN)) {
		orm__table_fail(t, ORM_EINVAL, "%s: column \"%s\": unknown type %d", fn, name, (int)type);
		return NULL;
	}
	if (kind == ORM__OP_ALTER_COLUMN && !t->alter) {
		orm__table_fail(t, ORM_EMISUSE, "%s: column \"%s\": only in an alter definition", fn, name);
		return NULL;
	}
	if (kind == ORM__OP_ADD_COLUMN && !t->alter) {
		size_t i;
		for (i = 0; i < t->nops; i++)
			if (t->ops[i].kind == ORM__OP_ADD_COLUMN && strcmp(t->ops[i].col->name, name) == 0) {
				orm__table_fail(t, ORM_EINVAL, "%s: column \"%s\" defined twice", fn, name);
				return NULL;
			}
	}
	c = orm__calloc(1, sizeof(*c));
	if (!c || !(c->name = orm__strdup(name))) {
		orm__free(c);
		orm__table_fail(t, ORM_ENOMEM, "%s: out of memory", fn);
		return NULL;
	}
	c->table = t;
	c->type = type;
	c->length = -1;
	c->precision = -1;
	c->scale = -1;
	if (type != ORM_COL_KEEP)
		c->set |= ORM__SET_TYPE;
	if (type == ORM_COL_STRING)
		c->length = 255;
	if (type == ORM_COL_DECIMAL) {
		c->precision = 10;
		c->scale = 2;
	}
	if (type == ORM_COL_INCREMENTS || type == ORM_COL_BIG_INCREMENTS) {
		c->primary = 1;
		c->not_null = 1;
	}
	op = op_push(t, kind);
	if (!op) {
		col_free(c);
		return NULL;
	}
	op->col = c;
	return c;
}

orm_col *orm_table_add_column(orm_table *t, const char *name, orm_col_type type)
{
	return col_make(t, name, type, ORM__OP_ADD_COLUMN, "orm_table_add_column");
}

#define SIMPLE_ADDER(fn, TYPE) \
	orm_col *orm_table_##fn(orm_table *t, const char *name) \
	{ \
		return col_make(t, name, TYPE, ORM__OP_ADD_COLUMN, "orm_table_" #fn); \
	}

SIMPLE_ADDER(increments, ORM_COL_INCREMENTS)
SIMPLE_ADDER(big_increments, ORM_COL_BIG_INCREMENTS)
SIMPLE_ADDER(integer, ORM_COL_INTEGER)
SIMPLE_ADDER(big_integer, ORM_COL_BIG_INTEGER)
SIMPLE_ADDER(small_integer, ORM_COL_SMALL_INTEGER)
SIMPLE_ADDER(text, ORM_COL_TEXT)
SIMPLE_ADDER(float, ORM_COL_FLOAT)
SIMPLE_ADDER(double, ORM_COL_DOUBLE)
SIMPLE_ADDER(boolean, ORM_COL_BOOLEAN)
SIMPLE_ADDER(date, ORM_COL_DATE)
SIMPLE_ADDER(time, ORM_COL_TIME)
SIMPLE_ADDER(datetime, ORM_COL_DATETIME)
SIMPLE_ADDER(json, ORM_COL_JSON)
SIMPLE_ADDER(uuid, ORM_COL_UUID)
SIMPLE_ADDER(binary, ORM_COL_BINARY)

orm_col *orm_table_string(orm_table *t, const char *name, int length)
{
	orm_col *c = col_make(t, name, ORM_COL_STRING, ORM__OP_ADD_COLUMN, "orm_table_string");
	if (c && length > 0)
		c->length = length;
	return c;
}

orm_col *orm_table_decimal(orm_table *t, const char *name, int precision, int scale)
{
	orm_col *c = col_make(t, name, ORM_COL_DECIMAL, ORM__OP_ADD_COLUMN, "orm_table_decimal");
	if (!c)
		return NULL;
	if (precision > 0)
		c->precision = precision;
	if (scale >= 0)
		c->scale = scale;
	if (c->scale > c->precision) {
		orm__table_fail(t, ORM_EINVAL, "orm_table_decimal: column \"%s\": scale %d > precision %d",
				name, c->scale, c->precision);
		return NULL;
	}
	return c;
}

orm_col *orm_table_timestamp(orm_table *t, const char *name, int with_tz)
{
	return col_make(t, name, with_tz ? ORM_COL_TIMESTAMPTZ : ORM_COL_TIMESTAMP, ORM__OP_ADD_COLUMN,
			"orm_table_timestamp");
}

int orm_table_timestamps(orm_table *t)
{
	orm_col *c;
	const char *names[2] = { "created_at", "updated_at" };
	int i;

	if (!t)
		return ORM_EINVAL;
	for (i = 0; i < 2; i++) {
		c = col_make(t, names[i], ORM_COL_TIMESTAMP, ORM__OP_ADD_COLUMN, "orm_table_timestamps");
		if (!c)
			return t->err;
		orm_col_not_null(c);
		orm_col_default_now(c);
	}
	return t->err;
}

orm_col *orm_table_enum(orm_table *t, const char *name, const char *const *values, size_t n)
{
	orm_col *c = col_make(t, name, ORM_COL_ENUM, ORM__OP_ADD_COLUMN, "orm_table_enum");
	if (!c)
		return NULL;
	if (orm_col_enum_values(c, values, n) < 0)
		return NULL;
	return c;
}

orm_col *orm_table_specific(orm_table *t, const char *name, const char *sqlite, const char *pg,
			    const char *mariadb)
{
	orm_col *c = col_make(t, name, ORM_COL_SPECIFIC, ORM__OP_ADD_COLUMN, "orm_table_specific");
	if (!c)
		return NULL;
	if ((sqlite && !(c->spec[ORM_DIALECT_SQLITE] = orm__strdup(sqlite))) ||
	    (pg && !(c->spec[ORM_DIALECT_POSTGRES] = orm__strdup(pg))) ||
	    (mariadb && !(c->spec[ORM_DIALECT_MARIADB] = orm__strdup(mariadb)))) {
		orm__table_fail(t, ORM_ENOMEM, "orm_table_specific: out of memory");
		return NULL;
	}
	return c;
}

/* ---- column modifiers ---- */

static int col_check(orm_col *c)
{
	if (!c)
		return ORM_EINVAL;
	return c->table->err;
}

int orm_col_not_null(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	c->not_null = 1;
	c->set |= ORM__SET_NULL;
	return 0;
}

int orm_col_nullable(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_nullable: column \"%s\": an auto-increment key cannot be NULL", c->name);
	c->not_null = 0;
	c->set |= ORM__SET_NULL;
	return 0;
}

static void def_clear(orm_col *c)
{
	orm__free(c->def_copy);
	orm__free(c->def_raw);
	c->def_copy = c->def_raw = NULL;
	c->def_kind = ORM__DEF_NONE;
	c->def = orm_null();
}

int orm_col_default(orm_col *c, orm_value v)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	def_clear(c);
	c->def = v;
	switch (v.type) {
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DECIMAL:
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
	case ORM_TYPE_BLOB:
		c->def_copy = orm__malloc(v.u.s.len + 1);
		if (!c->def_copy)
			return orm__table_fail(c->table, ORM_ENOMEM, "orm_col_default: out of memory");
		if (v.u.s.len)
			memcpy(c->def_copy, v.u.s.ptr, v.u.s.len);
		c->def_copy[v.u.s.len] = '\0';
		c->def.u.s.ptr = c->def_copy;
		if (v.type != ORM_TYPE_BLOB && memchr(c->def_copy, '\0', v.u.s.len))
			return orm__table_fail(c->table, ORM_EINVAL, "orm_col_default: column \"%s\": NUL byte in default", c->name);
		break;
	case ORM_TYPE_DOUBLE:
		if (v.u.d != v.u.d || v.u.d > 1.7976931348623157e308 || v.u.d < -1.7976931348623157e308)
			return orm__table_fail(c->table, ORM_EINVAL, "orm_col_default: column \"%s\": default is not a finite number", c->name);
		break;
	default:
		break;
	}
	c->def_kind = ORM__DEF_VALUE;
	c->set |= ORM__SET_DEFAULT;
	return 0;
}

int orm_col_default_raw(orm_col *c, const char *sql)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (!sql || !*sql)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_default_raw: column \"%s\": empty expression", c->name);
	def_clear(c);
	c->def_raw = orm__strdup(sql);
	if (!c->def_raw)
		return orm__table_fail(c->table, ORM_ENOMEM, "orm_col_default_raw: out of memory");
	c->def_kind = ORM__DEF_RAW;
	c->set |= ORM__SET_DEFAULT;
	return 0;
}

int orm_col_default_now(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	def_clear(c);
	c->def_kind = ORM__DEF_NOW;
	c->set |= ORM__SET_DEFAULT;
	return 0;
}

int orm_col_drop_default(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	def_clear(c);
	c->def_kind = ORM__DEF_DROP;
	c->set |= ORM__SET_DEFAULT;
	return 0;
}

int orm_col_unsigned(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	c->is_unsigned = 1;
	c->set |= ORM__SET_UNSIGNED;
	return 0;
}

static int is_alter_col(orm_col *c)
{
	size_t i;
	orm_table *t = c->table;

	for (i = 0; i < t->nops; i++)
		if (t->ops[i].col == c)
			return t->ops[i].kind == ORM__OP_ALTER_COLUMN;
	return 0;
}

int orm_col_primary(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (is_alter_col(c))
		return orm__table_fail(c->table, ORM_EMISUSE, "orm_col_primary: column \"%s\": use orm_table_primary() in an alter", c->name);
	c->primary = 1;
	c->not_null = 1;
	return 0;
}

int orm_col_unique(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (is_alter_col(c))
		return orm__table_fail(c->table, ORM_EMISUSE, "orm_col_unique: column \"%s\": use orm_table_unique() in an alter", c->name);
	c->unique = 1;
	return 0;
}

int orm_col_index(orm_col *c)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (is_alter_col(c))
		return orm__table_fail(c->table, ORM_EMISUSE, "orm_col_index: column \"%s\": use orm_table_index() in an alter", c->name);
	c->index = 1;
	return 0;
}

int orm_col_references(orm_col *c, const char *table, const char *column)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (is_alter_col(c))
		return orm__table_fail(c->table, ORM_EMISUSE, "orm_col_references: column \"%s\": use orm_table_foreign() in an alter", c->name);
	if (!table || !*table)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_references: column \"%s\": empty table name", c->name);
	if ((rc = set_str(c->table, &c->ref_table, table, "orm_col_references")) < 0)
		return rc;
	return set_str(c->table, &c->ref_col, column && *column ? column : "id", "orm_col_references");
}

int orm_col_on_delete(orm_col *c, orm_fk_action a)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if ((int)a < 0 || a > ORM_FK_SET_DEFAULT)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_on_delete: column \"%s\": bad action", c->name);
	c->on_delete = a;
	return 0;
}

int orm_col_on_update(orm_col *c, orm_fk_action a)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if ((int)a < 0 || a > ORM_FK_SET_DEFAULT)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_on_update: column \"%s\": bad action", c->name);
	c->on_update = a;
	return 0;
}

int orm_col_comment(orm_col *c, const char *comment)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if ((rc = set_str(c->table, &c->comment, comment ? comment : "", "orm_col_comment")) < 0)
		return rc;
	c->set |= ORM__SET_COMMENT;
	return 0;
}

int orm_col_collate(orm_col *c, const char *collation)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (!collation || !*collation)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_collate: column \"%s\": empty collation", c->name);
	if ((rc = set_str(c->table, &c->collate, collation, "orm_col_collate")) < 0)
		return rc;
	c->set |= ORM__SET_COLLATE;
	return 0;
}

int orm_col_length(orm_col *c, int length)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (length <= 0)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_length: column \"%s\": length must be > 0", c->name);
	c->length = length;
	c->set |= ORM__SET_LENGTH;
	return 0;
}

int orm_col_precision(orm_col *c, int precision, int scale)
{
	int rc = col_check(c);
	if (rc)
		return rc;
	if (precision <= 0 || scale < 0 || scale > precision)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_precision: column \"%s\": bad precision (%d, %d)",
				       c->name, precision, scale);
	c->precision = precision;
	c->scale = scale;
	c->set |= ORM__SET_PRECISION;
	return 0;
}

int orm_col_enum_values(orm_col *c, const char *const *values, size_t n)
{
	char **copy;
	int rc = col_check(c);
	size_t i;

	if (rc)
		return rc;
	if (!values || n == 0)
		return orm__table_fail(c->table, ORM_EINVAL, "orm_col_enum_values: column \"%s\": no values", c->name);
	for (i = 0; i < n; i++)
		if (!values[i])
			return orm__table_fail(c->table, ORM_EINVAL, "orm_col_enum_values: column \"%s\": NULL value", c->name);
	copy = orm__calloc(n, sizeof(*copy));
	if (!copy)
		return orm__table_fail(c->table, ORM_ENOMEM, "orm_col_enum_values: out of memory");
	for (i = 0; i < n; i++)
		if (!(copy[i] = orm__strdup(values[i]))) {
			orm__strlist_free(copy, n);
			return orm__table_fail(c->table, ORM_ENOMEM, "orm_col_enum_values: out of memory");
		}
	orm__strlist_free(c->enum_values, c->nenum);
	c->enum_values = copy;
	c->nenum = n;
	c->set |= ORM__SET_ENUM;
	return 0;
}

const char *orm_col_name(const orm_col *c)
{
	return c ? c->name : NULL;
}

/* ---- table-level keys ---- */

static int key_op(orm_table *t, int kind, const char *const *cols, size_t n, const char *name, const char *fn)
{
	struct orm__op *op;
	int rc;
	size_t i;

	if (!t)
		return ORM_EINVAL;
	if (t->err)
		return t->err;
	if (!cols || n == 0)
		return orm__table_fail(t, ORM_EINVAL, "%s: no columns", fn);
	for (i = 0; i < n; i++)
		if (!cols[i] || !*cols[i])
			return orm__table_fail(t, ORM_EINVAL, "%s: empty column name", fn);
	op = op_push(t, kind);
	if (!op)
		return t->err;
	if ((rc = orm__strlist_dup(&op->cols, cols, n)) < 0)
		return orm__table_fail(t, rc, "%s: out of memory", fn);
	op->ncols = n;
	if (name && *name && !(op->name = orm__strdup(name)))
		return orm__table_fail(t, ORM_ENOMEM, "%s: out of memory", fn);
	return 0;
}

int orm_table_primary(orm_table *t, const char *const *cols, size_t n, const char *name)
{
	return key_op(t, ORM__OP_ADD_PRIMARY, cols, n, name, "orm_table_primary");
}

int orm_table_unique(orm_table *t, const char *const *cols, size_t n, const char *name)
{
	return key_op(t, ORM__OP_ADD_UNIQUE, cols, n, name, "orm_table_unique");
}

int orm_table_index(orm_table *t, const char *const *cols, size_t n, const char *name)
{
	return key_op(t, ORM__OP_ADD_INDEX, cols, n, name, "orm_table_index");
}

int orm_table_foreign(orm_table *t, const char *const *cols, size_t n, const char *ref_table,
		      const char *const *ref_cols, size_t nref, orm_fk_action on_delete,
		      orm_fk_action on_update, const char *name)
{
	struct orm__op *op;
	int rc;
	static const char *const id[] = { "id" };

	if ((rc = key_op(t, ORM__OP_ADD_FOREIGN, cols, n, name, "orm_table_foreign")) < 0)
		return rc;
	op = &t->ops[t->nops - 1];
	if (!ref_table || !*ref_table)
		return orm__table_fail(t, ORM_EINVAL, "orm_table_foreign: empty referenced table");
	if (!ref_cols || nref == 0) {
		if (n != 1)
			return orm__table_fail(t, ORM_EINVAL, "orm_table_foreign: %zu columns need %zu referenced columns", n, n);
		ref_cols = id;
		nref = 1;
	}
	if (nref != n)
		return orm__table_fail(t, ORM_EINVAL, "orm_table_foreign: %zu columns but %zu referenced columns", n, nref);
	if ((int)on_delete < 0 || on_delete > ORM_FK_SET_DEFAULT || (int)on_update < 0 || on_update > ORM_FK_SET_DEFAULT)
		return orm__table_fail(t, ORM_EINVAL, "orm_table_foreign: bad action");
	if (!(op->ref_table = orm__strdup(ref_table)))
		return orm__table_fail(t, ORM_ENOMEM, "orm_table_foreign: out of memory");
	if ((rc = orm__strlist_dup(&op->ref_cols, ref_cols, nref)) < 0)
		return orm__table_fail(t, rc, "orm_table_foreign: bad referenced columns");
	op->nref = nref;
	op->on_delete = on_delete;
	op->on_update = on_update;
	return 0;
}

/* ---- alter operations ---- */

static int need_alter(orm_table *t, const char *fn)
{
	if (!t)
		return ORM_EINVAL;
	if (t->err)
		return t->err;
	if (!t->alter)
		return orm__table_fail(t, ORM_EMISUSE, "%s: only in an alter definition (orm_table_alter_new)", fn);
	return 0;
}

int orm_table_drop_column(orm_table *t, const char *name)
{
	struct orm__op *op;
	int rc = need_alter(t, "orm_table_drop_column");

	if (rc)
		return rc;
	if (!name || !*name)
		return orm__table_fail(t, ORM_EINVAL, "orm_table_drop_column: empty column name");
	if (!(op = op_push(t, ORM__OP_DROP_COLUMN)))
		return t->err;
	if (!(op->name = orm__strdup(name)))
		return orm__table_fail(t, ORM_ENOMEM, "orm_table_drop_column: out of memory");
	return 0;
}

static int rename_op(orm_table *t, int kind, const char *from, const char *to, const char *fn)
{
	struct orm__op *op;
	int rc = need_alter(t, fn);

	if (rc)
		return rc;
	if (!from || !*from || !to || !*to)
		return orm__table_fail(t, ORM_EINVAL, "%s: empty name", fn);
	if (!(op = op_push(t, kind)))
		return t->err;
	if (!(op->name = orm__strdup(from)) || !(op->name2 = orm__strdup(to)))
		return orm__table_fail(t, ORM_ENOMEM, "%s: out of memory", fn);
	return 0;
}

int orm_table_rename_column(orm_table *t, const char *from, const char *to)
{
	return rename_op(t, ORM__OP_RENAME_COLUMN, from, to, "orm_table_rename_column");
}

int orm_table_rename_index(orm_table *t, const char *from, const char *to)
{
	return rename_op(t, ORM__OP_RENAME_INDEX, from, to, "orm_table_rename_index");
}

orm_col *orm_table_alter_column(orm_table *t, const char *name, orm_col_type type)
{
	if (!t)
		return NULL;
	if (need_alter(t, "orm_table_alter_column"))
		return NULL;
	if (type == ORM_COL_INCREMENTS || type == ORM_COL_BIG_INCREMENTS) {
		orm__table_fail(t, ORM_EUNSUPPORTED, "orm_table_alter_column: column \"%s\": cannot change a column into an auto-increment key",
				name ? name : "");
		return NULL;
	}
	return col_make(t, name, type, ORM__OP_ALTER_COLUMN, "orm_table_alter_column");
}

static int drop_key(orm_table *t, int kind, const char *name, const char *const *cols, size_t n, const char *fn)
{
	struct orm__op *op;
	int rc = need_alter(t, fn);

	if (rc)
		return rc;
	if ((!name || !*name) && (!cols || n == 0) && kind != ORM__OP_DROP_PRIMARY)
		return orm__table_fail(t, ORM_EINVAL, "%s: give a name or columns", fn);
	if (!(op = op_push(t, kind)))
		return t->err;
	if (name && *name && !(op->name = orm__strdup(name)))
		return orm__table_fail(t, ORM_ENOMEM, "%s: out of memory", fn);
	if (cols && n) {
		if ((rc = orm__strlist_dup(&op->cols, cols, n)) < 0)
			return orm__table_fail(t, rc, "%s: bad column list", fn);
		op->ncols = n;
	}
	return 0;
}

int orm_table_drop_index(orm_table *t, const char *name, const char *const *cols, size_t n)
{
	return drop_key(t, ORM__OP_DROP_INDEX, name, cols, n, "orm_table_drop_index");
}

int orm_table_drop_unique(orm_table *t, const char *name, const char *const *cols, size_t n)
{
	return drop_key(t, ORM__OP_DROP_UNIQUE, name, cols, n, "orm_table_drop_unique");
}

int orm_table_drop_primary(orm_table *t, const char *name)
{
	return drop_key(t, ORM__OP_DROP_PRIMARY, name, NULL, 0, "orm_table_drop_primary");
}

int orm_table_drop_foreign(orm_table *t, const char *name, const char *const *cols, size_t n)
{
	return drop_key(t, ORM__OP_DROP_FOREIGN, name, cols, n, "orm_table_drop_foreign");
}
