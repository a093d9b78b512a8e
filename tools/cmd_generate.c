/*
 * ormtool generate: write C code from the live schema.
 *
 *   ormtool generate models [--out DIR] [--name BASE] [--tables T1,T2,...]
 *                           [--schema NAME] [--prefix PREFIX]
 *                           [--table-prefix PREFIX] [--hidden TABLE.COLUMN,...]
 *
 * Reads the tables of the connected database (orm_schema_inspect()) and
 * writes DIR/BASE.h and DIR/BASE.c: per table a struct, a model
 * descriptor (orm_model) and column / relation name constants. A struct
 * holds one row, so it is named in the singular (table order_items gives
 * struct order_item and model name "order_item", as orm_model.name
 * expects), without --table-prefix. Associations are derived from the
 * foreign keys:
 *
 *   - child.fk -> parent.key    child belongs_to parent; parent has_many
 *                               child (has_one when fk alone is unique);
 *   - a pure join table (two foreign keys making up its primary key or a
 *     unique key, every other column nullable, defaulted or a timestamp)
 *     gives belongs_to_many on both sides instead of the has_many to the
 *     join table.
 *
 * Deterministic: tables in name order, columns in table order, relations
 * in the order of the tables and foreign keys they come from, no dates,
 * no URL. A file whose content would not change is not rewritten.
 * Built on the public API only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ormtool.h"

#define GENERATE_HELP \
	"subcommands:\n" \
	"  models     write a header and a source file with a struct, a model descriptor\n" \
	"             and column-name constants per table, associations from foreign keys\n" \
	"\n" \
	"options:\n" \
	"  --out DIR          folder for the files (default: .)\n" \
	"  --name BASE        file names BASE.h and BASE.c (default: models)\n" \
	"  --tables T1,T2     only these tables (default: every table; views are left out)\n" \
	"  --schema NAME      read this schema / database (default: the connection's);\n" \
	"                     table names are then written qualified, NAME.table\n" \
	"  --prefix PREFIX    put PREFIX before every generated C name (struct tags, models,\n" \
	"                     constants), e.g. --prefix shop_\n" \
	"  --table-prefix P   leave P out of the C names of the tables whose names start\n" \
	"                     with it: with --table-prefix blog_, table blog_users gives\n" \
	"                     struct user, user_model, USER_TABLE \"blog_users\"\n" \
	"  --hidden T.C,...   flag these columns ORM_HIDDEN (left out of model_to_json),\n" \
	"                     e.g. --hidden users.password_hash\n" \
	"  --dry-run          print the files' paths and what they would hold, write nothing\n" \
	"\n" \
	"Names: table InvoiceLine gives struct invoice_line, invoice_line_model,\n" \
	"INVOICE_LINE_TABLE and INVOICE_LINE_COL_<COLUMN> / INVOICE_LINE_REL_<RELATION>\n" \
	"constants, so a misspelt column or relation does not compile. A table named in\n" \
	"the plural gives a singular struct (order_items: struct order_item).\n" \
	"\n" \
	"exit status: 0 done, 64 usage error, 65 a table is missing or cannot be\n" \
	"generated, 69 cannot connect, 70 other failure, 73 cannot write a file,\n" \
	"78 bad configuration.\n"

enum {
	OPT_OUT = ORMTOOL_OPT_BASE,
	OPT_NAME,
	OPT_TABLES,
	OPT_SCHEMA,
	OPT_PREFIX,
	OPT_TABLE_PREFIX,
	OPT_HIDDEN
};

struct gopts {
	const char *out, *name, *tables, *schema, *prefix, *table_prefix, *hidden;
};

/* A list of names already used in one scope (struct members, types). */
struct names {
	char **v;
	size_t n, cap;
};

struct gtable;

struct gfield {
	const orm_col_info *ci;
	char *member;
	char *macro;        /* TYPE_COL_MEMBER */
	const char *macro_fn; /* ORM_FIELD_... */
	const char *ctype;  /* C declaration type */
	char flags[128];    /* "ORM_PK | ORM_AUTO" or "0" */
};

struct grel {
	orm_rel_kind kind;
	char *member, *count, *macro;
	struct gtable *target;
	/* key columns as fields of the table they belong to (NULL: not given) */
	const struct gfield *foreign_key, *other_key, *local_key;
	const struct gtable *pivot; /* belongs_to_many */
	const struct gtable *via;   /* has_one / has_many: the child; belongs_to_many: the pivot */
};

struct gtable {
	const orm_table_info *ti;
	char *type;   /* struct tag, e.g. "invoice_line" (with the prefix) */
	char *upper;  /* "INVOICE_LINE" */
	struct gfield *fields;
	size_t nfields;
	struct grel *rels;
	size_t nrels, caprels, dropped;
	struct names members;
	const orm_fk_info *pivot_fk[2]; /* a pure join table: its two foreign keys */
};

struct gen {
	const struct gopts *o;
	orm_conn *conn;
	orm_schema_info *schema;
	struct gtable *t;
	size_t nt;
	struct names globals; /* macros, to catch clashes */
	struct names hidden;  /* --hidden: "table.column" */
	char *base;           /* identifier form of --name: "models" */
	char *ubase;          /* "MODELS" */
	int nomem;
};

static int usage_error(void)
{
	ormtool_usage("generate", stderr);
	return EX_USAGE;
}

/* ---- small string helpers ---- */

static char *xstrdup(struct gen *g, const char *s)
{
	char *d = strdup(s);

	if (!d)
		g->nomem = 1;
	return d;
}

/* A formatted string to free(), or NULL when out of memory. */
static char *fmt_new(const char *fmt, ...) ORM_FORMAT_PRINTF(1, 2);
static char *vfmt_new(const char *fmt, va_list ap)
{
	va_list cp;
	char *s;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *fmt_new(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt_new(fmt, ap);
	va_end(ap);
	return s;
}

static char *xprintf(struct gen *g, const char *fmt, ...) ORM_FORMAT_PRINTF(2, 3);
static char *xprintf(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt_new(fmt, ap);
	va_end(ap);
	if (!s)
		g->nomem = 1;
	return s;
}

static int names_has(const struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return 1;
	return 0;
}

/* Record `s` (taking ownership). @return 0, -1 when out of memory (s freed). */
static int names_add(struct names *ns, char *s)
{
	if (!s)
		return -1;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));
		if (!v) {
			free(s);
			return -1;
		}
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = s;
	return 0;
}

static void names_free(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Words C (or a common header) keeps for itself, and the state member. */
static int is_reserved(const char *s)
{
	static const char *const words[] = {
		"alignas", "alignof", "asm", "auto", "bool", "break", "case", "char", "complex",
		"const", "continue", "default", "do", "double", "else", "enum", "errno", "extern",
		"false", "float", "for", "goto", "if", "imaginary", "inline", "int", "long",
		"noreturn", "orm", "register", "restrict", "return", "short", "signed", "sizeof",
		"static", "static_assert", "struct", "switch", "thread_local", "true", "typedef",
		"typeof", "union", "unsigned", "void", "volatile", "while"
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i], s) == 0)
			return 1;
	return 0;
}

/*
 * A lower-case snake_case C identifier for a SQL name: "InvoiceLine" ->
 * "invoice_line", "HTTPStatus" -> "http_status", "first name" ->
 * "first_name". Never empty, never starts with a digit or '_', never a
 * reserved word (`fallback` is put before a leading digit or used alone).
 */
static char *snake(struct gen *g, const char *name, const char *fallback)
{
	size_t len = strlen(name), i, o = 0;
	char *s = malloc(len * 2 + strlen(fallback) + 4);

	if (!s) {
		g->nomem = 1;
		return NULL;
	}
	for (i = 0; i < len; i++) {
		int c = (unsigned char)name[i];
		int prev = i ? (unsigned char)name[i - 1] : 0;
		int next = i + 1 < len ? (unsigned char)name[i + 1] : 0;

		if (is_upper(c)) {
			if (o && s[o - 1] != '_' &&
			    (is_lower(prev) || is_digit(prev) || (is_upper(prev) && is_lower(next))))
				s[o++] = '_';
			s[o++] = (char)(c - 'A' + 'a');
		} else if (is_lower(c) || is_digit(c)) {
			s[o++] = (char)c;
		} else if (o && s[o - 1] != '_') {
			s[o++] = '_';
		}
	}
	while (o && s[o - 1] == '_')
		o--;
	s[o] = '\0';
	if (o == 0) {
		strcpy(s, fallback);
	} else if (is_digit(s[0])) {
		size_t fl = strlen(fallback);
		memmove(s + fl + 1, s, o + 1);
		memcpy(s, fallback, fl);
		s[fl] = '_';
	}
	if (is_reserved(s))
		strcat(s, "_");
	return s;
}

static char *upper_of(struct gen *g, const char *s)
{
	char *u = xstrdup(g, s);
	size_t i;

	for (i = 0; u && u[i]; i++)
		if (is_lower((unsigned char)u[i]))
			u[i] = (char)(u[i] - 'a' + 'A');
	return u;
}

/*
 * English words whose singular and plural the rules of plural() and
 * singular() get wrong (the same word twice: it does not change).
 */
static const char *const irregular[][2] = {
	{ "alias", "aliases" }, { "bus", "buses" }, { "cache", "caches" },
	{ "campus", "campuses" }, { "child", "children" }, { "cookie", "cookies" },
	{ "man", "men" }, { "movie", "movies" }, { "news", "news" },
	{ "person", "people" }, { "series", "series" }, { "species", "species" },
	{ "status", "statuses" }, { "tie", "ties" }, { "virus", "viruses" },
	{ "woman", "women" }
};

/*
 * `s` with its last word (after the last '_') looked up in column `from`
 * of the irregular table and replaced by column `to`; NULL when the word
 * is not there (or out of memory: g->nomem).
 */
static char *irregular_word(struct gen *g, const char *s, int from, int to)
{
	const char *us = strrchr(s, '_');
	const char *word = us ? us + 1 : s;
	size_t i;

	for (i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (strcmp(word, irregular[i][from]) == 0)
			return xprintf(g, "%.*s%s", (int)(word - s), s, irregular[i][to]);
	return NULL;
}

/* 1 when `s` ends with `suffix`. */
static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * English singular of the last word of a snake_case name, for the struct
 * of one row of a table named in the plural: "users" -> "user",
 * "order_items" -> "order_item", "categories" -> "category", "boxes" ->
 * "box", "addresses" -> "address"; "status", "analysis" and a name not
 * ending in s are kept.
 */
static char *singular(struct gen *g, const char *s)
{
	size_t n = strlen(s);
	char *r = irregular_word(g, s, 1, 0);

	if (r || g->nomem)
		return r;
	if (n < 3 || s[n - 1] != 's' || s[n - 2] == '_' || ends_with(s, "ss") || ends_with(s, "us") ||
	    ends_with(s, "is"))
		return xstrdup(g, s);
	if (ends_with(s, "ies") && n > 4)
		return xprintf(g, "%.*sy", (int)(n - 3), s);
	if (ends_with(s, "sses") || ends_with(s, "xes") || ends_with(s, "ches") || ends_with(s, "shes"))
		return xprintf(g, "%.*s", (int)(n - 2), s);
	return xprintf(g, "%.*s", (int)(n - 1), s);
}

/* English plural of the last word of a snake_case name (kept when it looks plural). */
static char *plural(struct gen *g, const char *s)
{
	size_t n = strlen(s);
	const char *vowels = "aeiou";
	char *r = irregular_word(g, s, 0, 1);

	if (r || g->nomem)
		return r;
	if (n == 0)
		return xstrdup(g, "items");
	if (s[n - 1] == '_')
		return xprintf(g, "%sitems", s);
	if (n > 1 && s[n - 1] == 's' && s[n - 2] != 's' && s[n - 2] != '_' && !ends_with(s, "us") &&
	    !ends_with(s, "is"))
		return xstrdup(g, s); /* already plural: "users", "order_items" */
	if (ends_with(s, "is"))
		return xprintf(g, "%.*ses", (int)(n - 2), s); /* analysis -> analyses */
	if (n > 1 && s[n - 1] == 'y' && !strchr(vowels, s[n - 2]))
		return xprintf(g, "%.*sies", (int)(n - 1), s);
	if (s[n - 1] == 's' || s[n - 1] == 'x' || s[n - 1] == 'z' ||
	    (n > 1 && (s[n - 2] == 'c' || s[n - 2] == 's') && s[n - 1] == 'h'))
		return xprintf(g, "%ses", s);
	return xprintf(g, "%ss", s);
}

/*
 * Make `cand` unique in `ns` (adding "_by_<by>" first when `by` is given,
 * then "_2", "_3", ...), record it and return it (owned by ns). Takes
 * ownership of cand.
 */
static const char *unique_in(struct gen *g, struct names *ns, char *cand, const char *by)
{
	char *s;
	int i;

	if (!cand) {
		g->nomem = 1;
		return NULL;
	}
	s = cand;
	if (names_has(ns, s) && by) {
		s = xprintf(g, "%s_by_%s", cand, by);
		if (!s) {
			free(cand);
			return NULL;
		}
	}
	for (i = 2; names_has(ns, s); i++) {
		if (s != cand)
			free(s);
		s = xprintf(g, "%s_%d", cand, i);
		if (!s) {
			free(cand);
			return NULL;
		}
	}
	if (s != cand)
		free(cand);
	if (names_add(ns, s) < 0) {
		g->nomem = 1;
		return NULL;
	}
	return s;
}

/* Record a global macro name; a clash between two tables is an error. */
static int global_name(struct gen *g, const char *macro, const char *table)
{
	if (!macro)
		return -1;
	if (names_has(&g->globals, macro)) {
		ormtool_warnx("generate: the C name %s would be defined twice (table %s); "
			      "use --tables to leave a table out, or rename it", macro, table);
		return -2;
	}
	if (names_add(&g->globals, xstrdup(g, macro)) < 0) {
		g->nomem = 1;
		return -1;
	}
	return 0;
}

/* ---- reading the schema ---- */

static struct gtable *find_gtable(struct gen *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->nt; i++)
		if (strcmp(g->t[i].ti->name, name) == 0)
			return &g->t[i];
	return NULL;
}

static int cmp_table(const void *a, const void *b)
{
	const struct gtable *x = a, *y = b;

	return strcmp(x->ti->name, y->ti->name);
}

/*
 * The items of a comma-separated option value, blanks around them
 * trimmed, empty ones left out. @return 0 or EX_OSERR.
 */
static int split_list(struct names *out, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *end = p + len;
		const char *b = p;

		while (b < end && (*b == ' ' || *b == '\t'))
			b++;
		while (end > b && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > b && names_add(out, strndup(b, (size_t)(end - b))) < 0) {
			names_free(out);
			return EX_OSERR;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The tables to generate, in name order. @return 0 or an exit code. */
static int select_tables(struct gen *g)
{
	size_t n = orm_schema_info_count(g->schema), i;

	g->t = calloc(n ? n : 1, sizeof(*g->t));
	if (!g->t)
		return EX_OSERR;
	if (g->o->tables) {
		struct names list = { NULL, 0, 0 };
		int code = split_list(&list, g->o->tables);

		for (i = 0; i < list.n && !code; i++) {
			const orm_table_info *ti = orm_schema_info_find(g->schema, list.v[i]);

			if (!ti || ti->is_view) {
				ormtool_warnx("generate: no table %s in schema %s", list.v[i],
					      orm_schema_info_name(g->schema));
				code = EX_DATAERR;
			} else if (!find_gtable(g, ti->name)) {
				g->t[g->nt++].ti = ti;
			}
		}
		names_free(&list);
		if (code)
			return code;
		if (g->nt == 0) {
			ormtool_warnx("generate: --tables names no table");
			return EX_USAGE;
		}
	} else {
		for (i = 0; i < n; i++) {
			const orm_table_info *ti = orm_schema_info_table(g->schema, i);

			/* views have no keys to save by; the migrator's bookkeeping is not the app's */
			if (ti->is_view || strcmp(ti->name, "orm_migrations") == 0 ||
			    strncmp(ti->name, "orm_migrations_", 15) == 0)
				continue;
			g->t[g->nt++].ti = ti;
		}
		if (g->nt == 0) {
			ormtool_warnx("generate: schema %s has no tables", orm_schema_info_name(g->schema));
			return EX_DATAERR;
		}
	}
	qsort(g->t, g->nt, sizeof(*g->t), cmp_table);
	return 0;
}

/* ---- fields ---- */

static int name_is(const char *col, const char *a, const char *b)
{
	return strcmp(col, a) == 0 || strcmp(col, b) == 0;
}

/* The C type and descriptor macro for a column. */
static void map_type(struct gfield *f)
{
	switch (f->ci->value_type) {
	case ORM_TYPE_INT: f->ctype = "int64_t"; f->macro_fn = "ORM_FIELD_INT64"; break;
	case ORM_TYPE_BOOL: f->ctype = "bool"; f->macro_fn = "ORM_FIELD_BOOL"; break;
	case ORM_TYPE_DOUBLE: f->ctype = "double"; f->macro_fn = "ORM_FIELD_DOUBLE"; break;
	case ORM_TYPE_TEXT: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_TEXT"; break;
	case ORM_TYPE_BLOB: f->ctype = "orm_bytes"; f->macro_fn = "ORM_FIELD_BLOB"; break;
	case ORM_TYPE_DECIMAL: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_DECIMAL"; break;
	case ORM_TYPE_DATE: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_DATE"; break;
	case ORM_TYPE_TIME: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_TIME"; break;
	case ORM_TYPE_TIMESTAMP: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_TIMESTAMP"; break;
	case ORM_TYPE_TIMESTAMPTZ: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_TIMESTAMPTZ"; break;
	case ORM_TYPE_JSON: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_JSON"; break;
	case ORM_TYPE_UUID: f->ctype = "char *"; f->macro_fn = "ORM_FIELD_UUID"; break;
	default: f->ctype = "orm_value"; f->macro_fn = "ORM_FIELD_VALUE"; break;
	}
}

static void add_flag(char *buf, size_t size, const char *flag)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? " | " : "", flag);
}

/* 1 when the --hidden item `h` ("table.column") is column `col` of `table`. */
static int hidden_is(const char *h, const char *table, const char *col)
{
	size_t tl = strlen(table);

	return strncmp(h, table, tl) == 0 && h[tl] == '.' && strcmp(h + tl + 1, col) == 0;
}

/* 1 when --hidden names column `col` of table `table`. */
static int is_hidden(const struct gen *g, const char *table, const char *col)
{
	size_t i;

	for (i = 0; i < g->hidden.n; i++)
		if (hidden_is(g->hidden.v[i], table, col))
			return 1;
	return 0;
}

/* Every --hidden item names a column of a generated table. @return 0 or an exit code. */
static int check_hidden(struct gen *g)
{
	size_t i, j, k;
	int code;

	if (!g->o->hidden)
		return 0;
	if ((code = split_list(&g->hidden, g->o->hidden)) != 0)
		return code;
	for (i = 0; i < g->hidden.n; i++) {
		int found = 0;

		for (j = 0; j < g->nt && !found; j++)
			for (k = 0; k < g->t[j].ti->ncolumns && !found; k++)
				found = hidden_is(g->hidden.v[i], g->t[j].ti->name, g->t[j].ti->columns[k]->name);
		if (!found) {
			ormtool_warnx("generate: --hidden %s: no such column in the tables generated "
				      "(TABLE.COLUMN, named as in the database)", g->hidden.v[i]);
			return EX_DATAERR;
		}
	}
	return 0;
}

static void map_flags(struct gfield *f, int hidden)
{
	const orm_col_info *c = f->ci;
	int is_text = f->ctype[0] == 'c'; /* char * */
	int is_ts = f->ci->value_type == ORM_TYPE_TIMESTAMP || f->ci->value_type == ORM_TYPE_TIMESTAMPTZ;
	int auto_key = c->primary_key && c->auto_increment && f->ci->value_type == ORM_TYPE_INT;

	f->flags[0] = '\0';
	if (c->primary_key)
		add_flag(f->flags, sizeof(f->flags), "ORM_PK");
	if (auto_key)
		add_flag(f->flags, sizeof(f->flags), "ORM_AUTO");
	if (c->nullable && !c->primary_key)
		add_flag(f->flags, sizeof(f->flags), "ORM_NULLABLE");
	if ((is_text || f->ci->value_type == ORM_TYPE_INT) && is_ts && name_is(c->name, "created_at", "createdAt"))
		add_flag(f->flags, sizeof(f->flags), "ORM_CREATED_AT");
	else if (is_ts && name_is(c->name, "updated_at", "updatedAt"))
		add_flag(f->flags, sizeof(f->flags), "ORM_UPDATED_AT");
	else if (!auto_key && c->default_sql && strcmp(c->default_sql, "NULL") != 0 &&
		 strcmp(c->default_sql, "null") != 0)
		add_flag(f->flags, sizeof(f->flags), "ORM_SERVER_DEFAULT");
	if (hidden)
		add_flag(f->flags, sizeof(f->flags), "ORM_HIDDEN");
	if (!f->flags[0])
		strcpy(f->flags, "0");
}

static int build_fields(struct gen *g, struct gtable *t)
{
	const orm_table_info *ti = t->ti;
	size_t i;

	if (ti->ncolumns > ORM_MODEL_MAX_FIELDS) {
		ormtool_warnx("generate: table %s has %zu columns; a model holds at most %d", ti->name,
			      ti->ncolumns, ORM_MODEL_MAX_FIELDS);
		return EX_DATAERR;
	}
	t->fields = calloc(ti->ncolumns ? ti->ncolumns : 1, sizeof(*t->fields));
	if (!t->fields)
		return EX_OSERR;
	/* the state member's name is taken */
	if (names_add(&t->members, xstrdup(g, "orm")) < 0)
		return EX_OSERR;
	for (i = 0; i < ti->ncolumns; i++) {
		struct gfield *f = &t->fields[t->nfields++];
		const char *m;

		f->ci = ti->columns[i];
		m = unique_in(g, &t->members, snake(g, f->ci->name, "c"), NULL);
		if (!m)
			return EX_OSERR;
		f->member = xstrdup(g, m);
		f->macro = upper_of(g, m);
		if (f->macro) {
			char *u = xprintf(g, "%s_COL_%s", t->upper, f->macro);
			free(f->macro);
			f->macro = u;
		}
		if (g->nomem)
			return EX_OSERR;
		map_type(f);
		map_flags(f, is_hidden(g, ti->name, f->ci->name));
		if (global_name(g, f->macro, ti->name) < 0)
			return g->nomem ? EX_OSERR : EX_DATAERR;
	}
	return 0;
}

/* ---- relations ---- */

static const struct gfield *field_of(const struct gtable *t, const char *column)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].ci->name, column) == 0)
			return &t->fields[i];
	return NULL;
}

/* 1 when `col` alone is unique in the table (its primary key or a unique index). */
static int unique_alone(const orm_table_info *ti, const char *col)
{
	size_t i;

	if (ti->nprimary == 1 && strcmp(ti->primary_key[0], col) == 0)
		return 1;
	for (i = 0; i < ti->nindexes; i++) {
		const orm_index_info *ix = ti->indexes[i];
		if (ix->unique && ix->ncolumns == 1 && ix->columns[0] && !ix->where &&
		    strcmp(ix->columns[0], col) == 0)
			return 1;
	}
	return 0;
}

/* 1 when the columns a, b (in any order) are the primary key or a unique key. */
static int unique_pair(const orm_table_info *ti, const char *a, const char *b)
{
	size_t i;

#define PAIR(cols) ((!strcmp((cols)[0], a) && !strcmp((cols)[1], b)) || \
		    (!strcmp((cols)[0], b) && !strcmp((cols)[1], a)))
	if (ti->nprimary == 2 && PAIR(ti->primary_key))
		return 1;
	for (i = 0; i < ti->nindexes; i++) {
		const orm_index_info *ix = ti->indexes[i];
		if (ix->unique && ix->ncolumns == 2 && ix->columns[0] && ix->columns[1] && !ix->where &&
		    PAIR(ix->columns))
			return 1;
	}
#undef PAIR
	return 0;
}

/* A foreign key the models can follow: one column, to a generated table's field. */
static struct gtable *fk_target(struct gen *g, const struct gtable *t, const orm_fk_info *fk)
{
	struct gtable *p;

	if (fk->ncolumns != 1 || !field_of(t, fk->columns[0]))
		return NULL;
	if (fk->ref_schema[0] && strcmp(fk->ref_schema, t->ti->schema) != 0)
		return NULL;
	p = find_gtable(g, fk->ref_table);
	if (!p || !field_of(p, fk->ref_columns[0]))
		return NULL;
	return p;
}

/* 1 when the table's single-column primary key is `col`. */
static int single_pk_is(const orm_table_info *ti, const char *col)
{
	return ti->nprimary == 1 && strcmp(ti->primary_key[0], col) == 0;
}

/*
 * A pure join table: exactly two followable foreign keys, together its
 * primary key or a unique key, each to its table's single-column primary
 * key, and every other column nullable, with a default or a timestamp
 * (bookkeeping such as Sakila's last_update, often set by a trigger).
 */
static void detect_pivot(struct gen *g, struct gtable *t)
{
	const orm_table_info *ti = t->ti;
	const orm_fk_info *fks[2];
	size_t i, n = 0;

	for (i = 0; i < ti->nforeign_keys; i++) {
		const orm_fk_info *fk = ti->foreign_keys[i];
		struct gtable *p = fk_target(g, t, fk);
		if (!p)
			return; /* a key we cannot follow: not a plain link table */
		if (n == 2)
			return;
		if (!single_pk_is(p->ti, fk->ref_columns[0]))
			return;
		fks[n++] = fk;
	}
	if (n != 2 || strcmp(fks[0]->columns[0], fks[1]->columns[0]) == 0 ||
	    !unique_pair(ti, fks[0]->columns[0], fks[1]->columns[0]))
		return;
	for (i = 0; i < ti->ncolumns; i++) {
		const orm_col_info *c = ti->columns[i];
		if (strcmp(c->name, fks[0]->columns[0]) == 0 || strcmp(c->name, fks[1]->columns[0]) == 0)
			continue;
		if (!c->nullable && !c->default_sql && !c->auto_increment &&
		    c->value_type != ORM_TYPE_TIMESTAMP && c->value_type != ORM_TYPE_TIMESTAMPTZ)
			return;
	}
	t->pivot_fk[0] = fks[0];
	t->pivot_fk[1] = fks[1];
}

/* "ArtistId" -> "artist", "language_id" -> "language"; NULL when it does not end in id. */
static char *fk_base(struct gen *g, const char *column)
{
	char *s = snake(g, column, "c");
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return NULL;
	if (n > 3 && strcmp(s + n - 3, "_id") == 0) {
		s[n - 3] = '\0';
		if (is_reserved(s))
			strcat(s, "_");
		return s;
	}
	free(s);
	return NULL;
}

static struct grel *new_rel(struct gen *g, struct gtable *t)
{
	if (t->nrels == ORM_MODEL_MAX_RELATIONS) {
		t->dropped++;
		return NULL;
	}
	if (t->nrels == t->caprels) {
		size_t cap = t->caprels ? t->caprels * 2 : 8;
		struct grel *r = realloc(t->rels, cap * sizeof(*r));
		if (!r) {
			g->nomem = 1;
			return NULL;
		}
		t->rels = r;
		t->caprels = cap;
	}
	memset(&t->rels[t->nrels], 0, sizeof(t->rels[0]));
	return &t->rels[t->nrels++];
}

/* Name the relation member (and its count member for many kinds). */
static int name_rel(struct gen *g, struct gtable *t, struct grel *r, char *cand, const char *by)
{
	const char *m = unique_in(g, &t->members, cand, by);
	char *u;

	if (!m)
		return -1;
	r->member = xstrdup(g, m);
	if (r->kind != ORM_REL_BELONGS_TO && r->kind != ORM_REL_HAS_ONE) {
		const char *c = unique_in(g, &t->members, xprintf(g, "n%s", m), NULL);
		if (!c)
			return -1;
		r->count = xstrdup(g, c);
	}
	u = upper_of(g, m);
	if (u) {
		r->macro = xprintf(g, "%s_REL_%s", t->upper, u);
		free(u);
	}
	if (g->nomem)
		return -1;
	return global_name(g, r->macro, t->ti->name);
}

/* Number of followable foreign keys of `child` to `parent`. */
static size_t fks_between(struct gen *g, const struct gtable *child, const struct gtable *parent)
{
	size_t i, n = 0;

	for (i = 0; i < child->ti->nforeign_keys; i++)
		if (fk_target(g, child, child->ti->foreign_keys[i]) == parent)
			n++;
	return n;
}

/* The singular base of a type name without the --prefix. */
static const char *bare(const struct gen *g, const struct gtable *t)
{
	size_t pl = g->o->prefix ? strlen(g->o->prefix) : 0;

	return t->type + pl;
}

static int kind_rank(orm_rel_kind k)
{
	return k == ORM_REL_BELONGS_TO ? 0 : k == ORM_REL_HAS_ONE ? 1 : k == ORM_REL_HAS_MANY ? 2 : 3;
}

static int build_relations(struct gen *g)
{
	size_t i, j;

	for (i = 0; i < g->nt; i++) {
		struct gtable *c = &g->t[i];
		const orm_table_info *ti = c->ti;

		for (j = 0; j < ti->nforeign_keys; j++) {
			const orm_fk_info *fk = ti->foreign_keys[j];
			struct gtable *p = fk_target(g, c, fk);
			const char *col, *ref;
			char *base, *cand;
			struct grel *r;
			int multi;

			if (!p)
				continue;
			col = fk->columns[0];
			ref = fk->ref_columns[0];
			base = fk_base(g, col);
			if (g->nomem)
				return EX_OSERR;
			multi = fks_between(g, c, p) > 1;

			/* child belongs_to parent */
			if ((r = new_rel(g, c))) {
				r->kind = ORM_REL_BELONGS_TO;
				r->target = p;
				r->foreign_key = field_of(c, col);
				r->other_key = field_of(p, ref);
				r->via = c;
				cand = base ? xstrdup(g, base) : xprintf(g, "%s_%s", field_of(c, col)->member, bare(g, p));
				if (name_rel(g, c, r, cand, NULL) < 0)
					goto fail;
			}
			if (c->pivot_fk[0]) {
				/* pivot: the parent gets belongs_to_many to the other side */
				const orm_fk_info *other = c->pivot_fk[0] == fk ? c->pivot_fk[1] : c->pivot_fk[0];
				struct gtable *q = fk_target(g, c, other);
				char *obase = fk_base(g, other->columns[0]);

				if ((c->pivot_fk[0] == fk || c->pivot_fk[1] == fk) && (r = new_rel(g, p))) {
					r->kind = ORM_REL_BELONGS_TO_MANY;
					r->target = q;
					r->pivot = c;
					r->foreign_key = field_of(c, col);
					r->other_key = field_of(c, other->columns[0]);
					r->local_key = field_of(p, ref);
					r->via = c;
					/* named after the pivot's other key: tracks, actors, friends */
					if (name_rel(g, p, r, plural(g, obase ? obase : bare(g, q)),
						     field_of(c, col)->member) < 0) {
						free(obase);
						goto fail;
					}
				}
				free(obase);
			} else if ((r = new_rel(g, p))) {
				int one = unique_alone(ti, col);
				r->kind = one ? ORM_REL_HAS_ONE : ORM_REL_HAS_MANY;
				r->target = c;
				r->foreign_key = field_of(c, col);
				r->local_key = field_of(p, ref);
				r->via = c;
				cand = one ? xstrdup(g, bare(g, c)) : plural(g, bare(g, c));
				/* two keys from the same child: say which one */
				if (multi && cand) {
					char *s = xprintf(g, "%s_by_%s", cand, base ? base : field_of(c, col)->member);
					free(cand);
					cand = s;
				}
				if (name_rel(g, p, r, cand, multi ? NULL : base ? base : field_of(c, col)->member) < 0)
					goto fail;
			}
			free(base);
			continue;
fail:
			free(base);
			return g->nomem ? EX_OSERR : EX_DATAERR;
		}
	}
	/* in each struct: what it belongs to first, then what it has */
	for (i = 0; i < g->nt; i++) {
		struct gtable *t = &g->t[i];
		size_t a, b;

		for (a = 1; a < t->nrels; a++)
			for (b = a; b > 0 && kind_rank(t->rels[b].kind) < kind_rank(t->rels[b - 1].kind); b--) {
				struct grel tmp = t->rels[b];
				t->rels[b] = t->rels[b - 1];
				t->rels[b - 1] = tmp;
			}
	}
	for (i = 0; i < g->nt; i++)
		if (g->t[i].dropped)
			ormtool_warnx("generate: table %s: %zu relations left out (a model holds at most %d)",
				      g->t[i].ti->name, g->t[i].dropped, ORM_MODEL_MAX_RELATIONS);
	return 0;
}

/* ---- naming the tables ---- */

/* The table's name without --table-prefix (when it starts with it and is longer). */
static const char *strip_table_prefix(const struct gen *g, const char *name)
{
	const char *tp = g->o->table_prefix;
	size_t n = tp ? strlen(tp) : 0;

	if (n && strncmp(name, tp, n) == 0 && name[n])
		return name + n;
	return name;
}

static int name_tables(struct gen *g)
{
	struct names types = { NULL, 0, 0 };
	size_t i;
	int code = 0;

	for (i = 0; i < g->nt && !code; i++) {
		struct gtable *t = &g->t[i];
		char *s = snake(g, strip_table_prefix(g, t->ti->name), "t");
		const char *u;

		if (s) {
			/* one struct is one row: "users" gives struct user */
			char *one = singular(g, s);
			free(s);
			s = one;
		}

		if (s && g->o->prefix) {
			char *p = xprintf(g, "%s%s", g->o->prefix, s);
			free(s);
			s = p;
		}
		u = unique_in(g, &types, s, NULL);
		if (!u) {
			code = EX_OSERR;
			break;
		}
		t->type = xstrdup(g, u);
		t->upper = upper_of(g, u);
		if (g->nomem) {
			code = EX_OSERR;
			break;
		}
		{
			char *tm = xprintf(g, "%s_TABLE", t->upper);
			if (global_name(g, tm, t->ti->name) < 0)
				code = g->nomem ? EX_OSERR : EX_DATAERR;
			free(tm);
		}
	}
	names_free(&types);
	return code;
}

/* ---- writing ---- */

/* A C string literal's content: quotes, backslashes, controls and "??" escaped. */
static void put_cstr(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '?' && p[1] == '?')
			fputs("?\\", f); /* no trigraphs */
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Text for inside a comment: no "*" "/" pair, no newlines. */
static void put_comment(FILE *f, const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			fputc(' ', f);
		else if (*p == '*' && p[1] == '/')
			fputs("* ", f);
		else if (*p == '/' && p[1] == '*')
			fputs("/ ", f);
		else
			fputc(*p, f);
	}
}

static const char *kind_name(orm_rel_kind k)
{
	switch (k) {
	case ORM_REL_HAS_ONE: return "has_one";
	case ORM_REL_BELONGS_TO: return "belongs_to";
	case ORM_REL_HAS_MANY: return "has_many";
	case ORM_REL_BELONGS_TO_MANY: return "belongs_to_many";
	default: return "has_many_through";
	}
}

static const char *kind_macro(orm_rel_kind k)
{
	switch (k) {
	case ORM_REL_HAS_ONE: return "ORM_HAS_ONE";
	case ORM_REL_BELONGS_TO: return "ORM_BELONGS_TO";
	case ORM_REL_HAS_MANY: return "ORM_HAS_MANY";
	case ORM_REL_BELONGS_TO_MANY: return "ORM_BELONGS_TO_MANY";
	default: return "ORM_HAS_MANY_THROUGH";
	}
}

/* The table name as the model uses it: qualified when --schema was given. */
static void put_table_name(FILE *f, const struct gen *g, const struct gtable *t)
{
	if (g->o->schema) {
		char *q = fmt_new("%s.%s", t->ti->schema, t->ti->name);
		if (q) {
			put_cstr(f, q);
			free(q);
			return;
		}
	}
	put_cstr(f, t->ti->name);
}

static void write_banner(FILE *f, const struct gen *g, const char *file)
{
	fprintf(f, "/*\n * %s: ", file);
	fprintf(f, "generated by `ormtool generate models` from the %s schema \"",
		orm_dialect_name(orm_conn_dialect(g->conn)));
	put_comment(f, orm_schema_info_name(g->schema));
	fprintf(f, "\"\n * (%zu table%s). Do not edit: run the command again after a schema change.\n */\n",
		g->nt, g->nt == 1 ? "" : "s");
}

static void write_header(FILE *f, const struct gen *g, const char *file)
{
	size_t i, j;

	write_banner(f, g, file);
	fprintf(f, "#ifndef %s_H\n#define %s_H\n\n", g->ubase, g->ubase);
	fprintf(f, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n#include <orm.h>\n\n");
	fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	for (i = 0; i < g->nt; i++)
		fprintf(f, "struct %s;\n", g->t[i].type);
	for (i = 0; i < g->nt; i++) {
		const struct gtable *t = &g->t[i];

		fprintf(f, "\n/* ---- table ");
		put_comment(f, t->ti->name);
		fprintf(f, " ---- */\n\n#define %s_TABLE ", t->upper);
		put_table_name(f, g, t);
		fputc('\n', f);
		for (j = 0; j < t->nfields; j++) {
			fprintf(f, "#define %s ", t->fields[j].macro);
			put_cstr(f, t->fields[j].ci->name);
			fputc('\n', f);
		}
		for (j = 0; j < t->nrels; j++) {
			fprintf(f, "#define %s ", t->rels[j].macro);
			put_cstr(f, t->rels[j].member);
			fputc('\n', f);
		}
		/* a plain state has bits for 64 fields; more need the wide one */
		fprintf(f, "\nstruct %s {\n\t%s orm;\n", t->type,
			t->nfields > ORM_MODEL_STATE_FIELDS ? "orm_model_state_wide" : "orm_model_state");
		for (j = 0; j < t->nfields; j++) {
			const struct gfield *fd = &t->fields[j];
			const orm_col_info *c = fd->ci;
			const char *ct = fd->ctype;
			int ptr = ct[strlen(ct) - 1] == '*';

			fprintf(f, "\t%s%s%s; /* ", ct, ptr ? "" : " ", fd->member);
			put_comment(f, c->name);
			fputc(' ', f);
			put_comment(f, c->type);
			if (c->primary_key)
				fprintf(f, ", primary key");
			if (c->auto_increment)
				fprintf(f, ", auto");
			if (!c->nullable && !c->primary_key)
				fprintf(f, ", not null");
			if (c->default_sql) {
				fprintf(f, ", default ");
				put_comment(f, c->default_sql);
			}
			fprintf(f, " */\n");
		}
		for (j = 0; j < t->nrels; j++) {
			const struct grel *r = &t->rels[j];

			fprintf(f, "\tstruct %s *%s; /* %s ", r->target->type, r->member, kind_name(r->kind));
			put_comment(f, r->target->ti->name);
			fprintf(f, r->kind == ORM_REL_BELONGS_TO_MANY ? " through " : " by ");
			put_comment(f, r->via->ti->name);
			fputc('.', f);
			put_comment(f, r->foreign_key->ci->name);
			fprintf(f, " */\n");
			if (r->count)
				fprintf(f, "\tsize_t %s;\n", r->count);
		}
		fprintf(f, "};\n\nextern const orm_model %s_model;\n", t->type);
	}
	fprintf(f, "\n/* Every model above, in table name order. */\n");
	fprintf(f, "#define %s_COUNT %zu\n", g->ubase, g->nt);
	fprintf(f, "extern const orm_model *const %s_all[%s_COUNT];\n", g->base, g->ubase);
	fprintf(f, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s_H */\n", g->ubase);
}

static void write_source(FILE *f, const struct gen *g, const char *file, const char *header)
{
	size_t i, j;

	write_banner(f, g, file);
	fprintf(f, "#include ");
	put_cstr(f, header);
	fprintf(f, "\n");
	for (i = 0; i < g->nt; i++) {
		const struct gtable *t = &g->t[i];

		fprintf(f, "\nstatic const orm_field %s_fields[] = {\n", t->type);
		for (j = 0; j < t->nfields; j++) {
			const struct gfield *fd = &t->fields[j];

			fprintf(f, "\t%s(struct %s, %s, %s", fd->macro_fn, t->type, fd->member, fd->flags);
			if (strcmp(fd->member, fd->ci->name) != 0)
				fprintf(f, ", .column = %s", fd->macro);
			fprintf(f, "),\n");
		}
		fprintf(f, "};\n");
		if (t->nrels) {
			fprintf(f, "\nstatic const orm_relation %s_relations[] = {\n", t->type);
			for (j = 0; j < t->nrels; j++) {
				const struct grel *r = &t->rels[j];

				fprintf(f, "\t%s(struct %s, %s, ", kind_macro(r->kind), t->type, r->member);
				if (r->count)
					fprintf(f, "%s, ", r->count);
				fprintf(f, "struct %s, &%s_model", r->target->type, r->target->type);
				if (r->pivot)
					fprintf(f, ",\n\t\t.pivot = %s_TABLE", r->pivot->upper);
				fprintf(f, ",\n\t\t.foreign_key = %s", r->foreign_key->macro);
				if (r->other_key)
					fprintf(f, ", .other_key = %s", r->other_key->macro);
				if (r->local_key)
					fprintf(f, ", .local_key = %s", r->local_key->macro);
				fprintf(f, "),\n");
			}
			fprintf(f, "};\n");
		}
		fprintf(f, "\nconst orm_model %s_model = ORM_MODEL%s(struct %s, orm, ", t->type,
			t->nrels ? "_EX" : "", t->type);
		put_cstr(f, bare(g, t));
		fprintf(f, ", %s_TABLE,\n\t\t%s_fields", t->upper, t->type);
		if (t->nrels)
			fprintf(f, ", ORM_RELATIONS(%s_relations)", t->type);
		fprintf(f, ");\n");
	}
	fprintf(f, "\nconst orm_model *const %s_all[%s_COUNT] = {\n", g->base, g->ubase);
	for (i = 0; i < g->nt; i++)
		fprintf(f, "\t&%s_model,\n", g->t[i].type);
	fprintf(f, "};\n");
}

/* Write `text` to `path` unless it already holds exactly that. */
static int write_file(const char *path, const char *text, size_t len, int *changed)
{
	FILE *f;
	char *tmp;
	int same = 0;

	*changed = 0;
	f = fopen(path, "rb");
	if (f) {
		char *old = malloc(len + 1);
		if (old) {
			size_t n = fread(old, 1, len + 1, f);
			same = n == len && memcmp(old, text, len) == 0;
			free(old);
		}
		fclose(f);
	}
	if (same)
		return 0;
	if (!(tmp = fmt_new("%s.tmp%ld", path, (long)getpid())))
		return EX_OSERR;
	f = fopen(tmp, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		ormtool_warnx("generate: cannot write %s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		free(tmp);
		return EX_CANTCREAT;
	}
	if (rename(tmp, path) < 0) {
		ormtool_warnx("generate: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return EX_CANTCREAT;
	}
	free(tmp);
	*changed = 1;
	return 0;
}

static void free_gen(struct gen *g)
{
	size_t i, j;

	for (i = 0; i < g->nt; i++) {
		struct gtable *t = &g->t[i];
		for (j = 0; j < t->nfields; j++) {
			free(t->fields[j].member);
			free(t->fields[j].macro);
		}
		for (j = 0; j < t->nrels; j++) {
			free(t->rels[j].member);
			free(t->rels[j].count);
			free(t->rels[j].macro);
		}
		free(t->fields);
		free(t->rels);
		free(t->type);
		free(t->upper);
		names_free(&t->members);
	}
	free(g->t);
	names_free(&g->globals);
	names_free(&g->hidden);
	free(g->base);
	free(g->ubase);
	orm_schema_info_free(g->schema);
}

/* Generate both files into memory, then write them. */
static int generate_models(struct ormtool_opts *go, const struct gopts *o)
{
	struct gen g;
	char *hpath = NULL, *cpath = NULL, *hfile = NULL, *cfile = NULL, *htext = NULL, *ctext = NULL;
	size_t hlen = 0, clen = 0, i;
	FILE *hf = NULL, *cf = NULL;
	int rc, code, hch = 0, cch = 0;
	struct stat st;

	memset(&g, 0, sizeof(g));
	g.o = o;
	if (stat(o->out, &st) < 0) {
		ormtool_warnx("generate: --out %s: %s", o->out, strerror(errno));
		return EX_CANTCREAT;
	}
	if (!S_ISDIR(st.st_mode)) {
		ormtool_warnx("generate: --out %s: not a folder", o->out);
		return EX_CANTCREAT;
	}
	if ((code = ormtool_connect(&g.conn, go)) != 0)
		return code;
	rc = orm_schema_inspect(&g.schema, g.conn, o->schema);
	if (rc < 0) {
		code = ormtool_fail(g.conn, rc, "generate: reading the schema");
		goto out;
	}
	ormtool_verbose(go, 1, "schema %s: %zu tables and views", orm_schema_info_name(g.schema),
			orm_schema_info_count(g.schema));
	g.base = snake(&g, o->name, "models");
	g.ubase = g.base ? upper_of(&g, g.base) : NULL;
	if (g.nomem) {
		code = EX_OSERR;
		goto out;
	}
	if ((code = select_tables(&g)) != 0 || (code = check_hidden(&g)) != 0 ||
	    (code = name_tables(&g)) != 0)
		goto out;
	for (i = 0; i < g.nt; i++)
		if ((code = build_fields(&g, &g.t[i])) != 0)
			goto out;
	for (i = 0; i < g.nt; i++)
		detect_pivot(&g, &g.t[i]);
	if ((code = build_relations(&g)) != 0)
		goto out;

	hfile = xprintf(&g, "%s.h", o->name);
	cfile = xprintf(&g, "%s.c", o->name);
	hpath = xprintf(&g, "%s/%s.h", o->out, o->name);
	cpath = xprintf(&g, "%s/%s.c", o->out, o->name);
	hf = open_memstream(&htext, &hlen);
	cf = open_memstream(&ctext, &clen);
	if (g.nomem || !hf || !cf) {
		code = EX_OSERR;
		goto out;
	}
	write_header(hf, &g, hfile);
	write_source(cf, &g, cfile, hfile);
	if (ferror(hf) || ferror(cf) || fclose(hf) != 0 || fclose(cf) != 0) {
		hf = cf = NULL;
		code = EX_OSERR;
		goto out;
	}
	hf = cf = NULL;
	if (go->dry_run) {
		printf("-- would write %s (%zu bytes) and %s (%zu bytes): %zu models\n", hpath, hlen, cpath,
		       clen, g.nt);
		for (i = 0; i < g.nt; i++)
			printf("--   %s -> struct %s (%zu fields, %zu relations)\n", g.t[i].ti->name,
			       g.t[i].type, g.t[i].nfields, g.t[i].nrels);
		goto out;
	}
	if ((code = write_file(hpath, htext, hlen, &hch)) != 0 ||
	    (code = write_file(cpath, ctext, clen, &cch)) != 0)
		goto out;
	if (go->verbosity >= 0) {
		printf("%s%s\n", hpath, hch ? "" : " (unchanged)");
		printf("%s%s\n", cpath, cch ? "" : " (unchanged)");
	}
	ormtool_verbose(go, 1, "%zu models", g.nt);
out:
	if (hf)
		fclose(hf);
	if (cf)
		fclose(cf);
	free(htext);
	free(ctext);
	free(hpath);
	free(cpath);
	free(hfile);
	free(cfile);
	free_gen(&g);
	orm_close(g.conn);
	return code;
}

int cmd_generate(struct ormtool_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "tables", required_argument, NULL, OPT_TABLES },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "table-prefix", required_argument, NULL, OPT_TABLE_PREFIX },
		{ "hidden", required_argument, NULL, OPT_HIDDEN },
		{ NULL, 0, NULL, 0 }
	};
	struct gopts o;
	int c, help = 0;

	memset(&o, 0, sizeof(o));
	o.out = ".";
	o.name = "models";
	while ((c = ormtool_getopt(g, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'h': help = 1; break;
		case OPT_OUT: o.out = optarg; break;
		case OPT_NAME: o.name = optarg; break;
		case OPT_TABLES: o.tables = optarg; break;
		case OPT_SCHEMA: o.schema = optarg; break;
		case OPT_PREFIX: o.prefix = optarg; break;
		case OPT_TABLE_PREFIX: o.table_prefix = optarg; break;
		case OPT_HIDDEN: o.hidden = optarg; break;
		default: return usage_error();
		}
	}
	if (help) {
		ormtool_usage("generate", stdout);
		printf("\n%s", GENERATE_HELP);
		return 0;
	}
	if (optind >= argc) {
		ormtool_warnx("generate: what? (models)");
		return usage_error();
	}
	if (strcmp(argv[optind], "models") != 0) {
		ormtool_warnx("generate: unknown subcommand '%s' (models)", argv[optind]);
		return usage_error();
	}
	if (optind + 1 != argc) {
		ormtool_warnx("generate models: unexpected argument '%s'", argv[optind + 1]);
		return usage_error();
	}
	if (!*o.name || strchr(o.name, '/') || !*o.out) {
		ormtool_warnx("generate: --name wants a file name without a folder (use --out DIR)");
		return EX_USAGE;
	}
	if (o.prefix) {
		const char *p;
		for (p = o.prefix; *p; p++)
			if (!is_lower((unsigned char)*p) && !is_digit((unsigned char)*p) && *p != '_')
				break;
		if (!*o.prefix || *p || is_digit((unsigned char)o.prefix[0])) {
			ormtool_warnx("generate: --prefix wants lower-case letters, digits and '_', not '%s'",
				      o.prefix);
			return EX_USAGE;
		}
	}
	return generate_models(g, &o);
}
