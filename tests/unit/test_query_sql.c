/*
 * Query builder: golden SQL per dialect (tests/sql/NAME.case, format in
 * tests/sql/README.md), one TAP result per case and dialect, plus API
 * tests of the builder's contract (sticky errors, stealing, copying).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "testutil.h"

/* ---- reading case files ---- */

struct line {
	int no;     /* 1-based line number */
	char *text; /* without the newline, leading blanks stripped */
};

struct casefile {
	char *path;
	char *name;
	struct line *lines;
	size_t nlines;
	size_t sep;  /* index of the first "---" line */
};

struct casetest {
	struct casefile *cf;
	orm_dialect d;
};

static const char *dialect_word(orm_dialect d)
{
	return d == ORM_DIALECT_POSTGRES ? "postgres" : d == ORM_DIALECT_MARIADB ? "mariadb" : "sqlite";
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	assert_non_null(p);
	return p;
}

static int read_case(struct casefile *cf, const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t alloc = 0;
	int no = 0;

	if (!f)
		return -1;
	cf->path = strdup(path);
	cf->name = strdup(name);
	cf->sep = (size_t)-1;
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);
		char *s = buf;
		no++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (cf->nlines == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			cf->lines = realloc(cf->lines, alloc * sizeof(*cf->lines));
			if (!cf->lines)
				abort();
		}
		cf->lines[cf->nlines].no = no;
		cf->lines[cf->nlines].text = strdup(s);
		if (cf->sep == (size_t)-1 && strncmp(s, "---", 3) == 0)
			cf->sep = cf->nlines;
		cf->nlines++;
	}
	fclose(f);
	if (cf->sep == (size_t)-1)
		cf->sep = cf->nlines;
	return 0;
}

static void free_case(struct casefile *cf)
{
	size_t i;

	for (i = 0; i < cf->nlines; i++)
		free(cf->lines[i].text);
	free(cf->lines);
	free(cf->path);
	free(cf->name);
}

/* ---- tokens and values ---- */

struct toks {
	char **v;
	size_t n;
};

static void toks_free(struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/*
 * Split on blanks; '...' quotes (with '' for a quote) may appear anywhere
 * in a token and keep blanks. @return 0, or -1 on an unterminated quote.
 */
static int tokenize(const char *s, struct toks *t)
{
	t->v = NULL;
	t->n = 0;
	for (;;) {
		char *tok;
		size_t len = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return 0;
		tok = malloc(strlen(s) + 1);
		if (!tok)
			abort();
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'') {
				s++;
				for (;;) {
					if (!*s) {
						free(tok);
						return -1;
					}
					if (*s == '\'' && s[1] == '\'') {
						tok[len++] = '\'';
						s += 2;
					} else if (*s == '\'') {
						s++;
						break;
					} else {
						tok[len++] = *s++;
					}
				}
			} else {
				tok[len++] = *s++;
			}
		}
		tok[len] = '\0';
		t->v = realloc(t->v, (t->n + 1) * sizeof(char *));
		if (!t->v)
			abort();
		t->v[t->n++] = tok;
	}
}

/* Parsed values; blob bytes are decoded into `owned`. */
struct vals {
	orm_value *v;
	size_t n;
	char **owned;
	size_t nowned;
};

static void vals_free(struct vals *vs)
{
	size_t i;

	for (i = 0; i < vs->nowned; i++)
		free(vs->owned[i]);
	free(vs->owned);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const struct {
	const char *prefix;
	orm_type type;
} typed_prefixes[] = {
	{ "text:", ORM_TYPE_TEXT }, { "decimal:", ORM_TYPE_DECIMAL }, { "date:", ORM_TYPE_DATE },
	{ "time:", ORM_TYPE_TIME }, { "timestamp:", ORM_TYPE_TIMESTAMP },
	{ "timestamptz:", ORM_TYPE_TIMESTAMPTZ }, { "json:", ORM_TYPE_JSON }, { "uuid:", ORM_TYPE_UUID },
};

/* Parse one value token (pointing into tok, which must outlive the value). */
static int parse_value(const char *tok, orm_value *out, struct vals *vs, char *err, size_t errlen)
{
	size_t i;
	char *end;

	if (strcmp(tok, "null") == 0) {
		*out = orm_null();
		return 0;
	}
	if (strncmp(tok, "int:", 4) == 0) {
		errno = 0;
		long long v = strtoll(tok + 4, &end, 10);
		if (errno || *end || end == tok + 4)
			goto bad;
		*out = orm_int(v);
		return 0;
	}
	if (strncmp(tok, "double:", 7) == 0) {
		double v = strtod(tok + 7, &end);
		if (*end || end == tok + 7)
			goto bad;
		*out = orm_double(v);
		return 0;
	}
	if (strcmp(tok, "bool:0") == 0 || strcmp(tok, "bool:1") == 0) {
		*out = orm_bool(tok[5] == '1');
		return 0;
	}
	if (strncmp(tok, "blob:", 5) == 0) {
		const char *h = tok + 5;
		size_t len = strlen(h), k;
		char *bytes;
		if (len % 2)
			goto bad;
		bytes = malloc(len / 2 + 1);
		if (!bytes)
			abort();
		for (k = 0; k < len / 2; k++) {
			int a = hexval(h[2 * k]), b = hexval(h[2 * k + 1]);
			if (a < 0 || b < 0) {
				free(bytes);
				goto bad;
			}
			bytes[k] = (char)(a * 16 + b);
		}
		vs->owned = realloc(vs->owned, (vs->nowned + 1) * sizeof(char *));
		if (!vs->owned)
			abort();
		vs->owned[vs->nowned++] = bytes;
		*out = orm_blob(bytes, len / 2);
		return 0;
	}
	for (i = 0; i < sizeof(typed_prefixes) / sizeof(typed_prefixes[0]); i++) {
		size_t pl = strlen(typed_prefixes[i].prefix);
		if (strncmp(tok, typed_prefixes[i].prefix, pl) == 0) {
			out->type = typed_prefixes[i].type;
			out->u.s.ptr = tok + pl;
			out->u.s.len = strlen(tok + pl);
			return 0;
		}
	}
bad:
	snprintf(err, errlen, "bad value token \"%s\" (null, int:N, double:X, bool:0|1, text:S, blob:HEX, decimal:S, date:S, ...)",
		 tok);
	return -1;
}

/* Parse toks[from..] as values. */
static int parse_values(struct toks *t, size_t from, struct vals *vs, char *err, size_t errlen)
{
	size_t i;

	memset(vs, 0, sizeof(*vs));
	if (t->n > from) {
		vs->v = calloc(t->n - from, sizeof(orm_value));
		if (!vs->v)
			abort();
	}
	for (i = from; i < t->n; i++) {
		if (parse_value(t->v[i], &vs->v[vs->n], vs, err, errlen) < 0)
			return -1;
		vs->n++;
	}
	return 0;
}

/* A value as a token, for messages. */
static void format_value(char *out, size_t outlen, const orm_value *v)
{
	size_t i, o;

	switch (v->type) {
	case ORM_TYPE_NULL:
		snprintf(out, outlen, "null");
		return;
	case ORM_TYPE_BOOL:
		snprintf(out, outlen, "bool:%d", v->u.b);
		return;
	case ORM_TYPE_INT:
		snprintf(out, outlen, "int:%" PRId64, v->u.i);
		return;
	case ORM_TYPE_DOUBLE:
		snprintf(out, outlen, "double:%.17g", v->u.d);
		return;
	case ORM_TYPE_BLOB:
		o = (size_t)snprintf(out, outlen, "blob:");
		for (i = 0; i < v->u.s.len && o + 3 < outlen; i++, o += 2)
			snprintf(out + o, outlen - o, "%02x", (unsigned char)v->u.s.ptr[i]);
		return;
	default:
		snprintf(out, outlen, "%s:'%.*s'", orm_type_name(v->type), (int)v->u.s.len, v->u.s.ptr);
		return;
	}
}

static int value_equal(const orm_value *a, const orm_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case ORM_TYPE_NULL:
		return 1;
	case ORM_TYPE_BOOL:
		return (a->u.b != 0) == (b->u.b != 0);
	case ORM_TYPE_INT:
		return a->u.i == b->u.i;
	case ORM_TYPE_DOUBLE:
		return a->u.d == b->u.d;
	default:
		return a->u.s.len == b->u.s.len &&
		       (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
	}
}

/* ---- running builder lines ---- */

struct parser {
	struct casefile *cf;
	size_t i;       /* next line */
	size_t end;     /* one past the last builder line */
	char err[512];
	int errline;
};

static int perr(struct parser *p, int line, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(3, 4);
static int perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	p->errline = line;
	return -1;
}

static const char *arg_or_null(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

static int parse_agg(const char *s, orm_agg *out)
{
	static const struct {
		const char *name;
		orm_agg agg;
	} aggs[] = {
		{ "count", ORM_AGG_COUNT }, { "sum", ORM_AGG_SUM }, { "avg", ORM_AGG_AVG },
		{ "min", ORM_AGG_MIN }, { "max", ORM_AGG_MAX }, { "count_distinct", ORM_AGG_COUNT_DISTINCT },
		{ "bad_agg", (orm_agg)99 },
	};
	size_t i;

	for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++) {
		if (strcmp(s, aggs[i].name) == 0) {
			*out = aggs[i].agg;
			return 0;
		}
	}
	return -1;
}

static int parse_join_type(const char *s, orm_join_type *out)
{
	if (strcmp(s, "inner") == 0)
		*out = ORM_JOIN_INNER;
	else if (strcmp(s, "left") == 0)
		*out = ORM_JOIN_LEFT;
	else if (strcmp(s, "right") == 0)
		*out = ORM_JOIN_RIGHT;
	else if (strcmp(s, "cross") == 0)
		*out = ORM_JOIN_CROSS;
	else if (strcmp(s, "bad_join") == 0)
		*out = (orm_join_type)42;
	else
		return -1;
	return 0;
}

static int build_query(struct parser *p, orm_query **out, int sub);

/* The expression starting at the next line (which it consumes, with any nested lines). */
static int build_expr(struct parser *p, orm_expr **out)
{
	struct toks t = { NULL, 0 };
	struct vals vs;
	char verr[256];
	const char *cmd;
	int line, rc = -1;

	memset(&vs, 0, sizeof(vs));
	*out = NULL;
	if (p->i >= p->end)
		return perr(p, p->i < p->cf->nlines ? p->cf->lines[p->i].no : 0, "expected an expression line");
	line = p->cf->lines[p->i].no;
	if (tokenize(p->cf->lines[p->i].text, &t) < 0)
		return perr(p, line, "unterminated quote");
	p->i++;
	cmd = t.v[0];

#define NEED(cond) do { if (!(cond)) { perr(p, line, "bad arguments to \"%s\"", cmd); goto out; } } while (0)
#define VALUES(from) do { if (parse_values(&t, (from), &vs, verr, sizeof(verr)) < 0) { perr(p, line, "%s", verr); goto out; } } while (0)
	if (strcmp(cmd, "cmp") == 0) {
		NEED(t.n == 4);
		VALUES(3);
		*out = orm_expr_cmp(arg_or_null(t.v[1]), arg_or_null(t.v[2]), vs.v[0]);
	} else if (strcmp(cmd, "cmp_col") == 0) {
		NEED(t.n == 4);
		*out = orm_expr_cmp_col(arg_or_null(t.v[1]), arg_or_null(t.v[2]), arg_or_null(t.v[3]));
	} else if (strcmp(cmd, "in") == 0 || strcmp(cmd, "not_in") == 0) {
		NEED(t.n >= 2);
		VALUES(2);
		*out = cmd[0] == 'i' ? orm_expr_in(arg_or_null(t.v[1]), vs.v, vs.n)
				     : orm_expr_not_in(arg_or_null(t.v[1]), vs.v, vs.n);
	} else if (strcmp(cmd, "null") == 0) {
		NEED(t.n == 2);
		*out = orm_expr_null(arg_or_null(t.v[1]));
	} else if (strcmp(cmd, "not_null") == 0) {
		NEED(t.n == 2);
		*out = orm_expr_not_null(arg_or_null(t.v[1]));
	} else if (strcmp(cmd, "between") == 0) {
		NEED(t.n == 4);
		VALUES(2);
		*out = orm_expr_between(arg_or_null(t.v[1]), vs.v[0], vs.v[1]);
	} else if (strcmp(cmd, "raw") == 0) {
		NEED(t.n >= 2);
		VALUES(2);
		*out = orm_expr_raw(t.v[1], vs.v, vs.n);
	} else if (strcmp(cmd, "agg_cmp") == 0) {
		orm_agg agg;
		NEED(t.n == 5 && parse_agg(t.v[1], &agg) == 0);
		VALUES(4);
		*out = orm_expr_agg_cmp(agg, arg_or_null(t.v[2]), t.v[3], vs.v[0]);
	} else if (strcmp(cmd, "none") == 0) {
		NEED(t.n == 1);
		*out = NULL;
	} else if (strcmp(cmd, "and") == 0 || strcmp(cmd, "or") == 0 || strcmp(cmd, "not") == 0) {
		/* children until "end"; and/or fold left over 2+ children */
		orm_expr *acc = NULL, *child;
		int nchild = 0;
		NEED(t.n == 1);
		for (;;) {
			if (p->i >= p->end) {
				orm_expr_free(acc);
				perr(p, line, "\"%s\" group without \"end\"", cmd);
				goto out;
			}
			if (strcmp(p->cf->lines[p->i].text, "end") == 0) {
				p->i++;
				break;
			}
			if (build_expr(p, &child) < 0) {
				orm_expr_free(acc);
				goto out;
			}
			nchild++;
			if (nchild == 1)
				acc = child;
			else if (cmd[0] == 'a')
				acc = orm_expr_and(acc, child);
			else if (cmd[0] == 'o')
				acc = orm_expr_or(acc, child);
			else {
				orm_expr_free(acc);
				orm_expr_free(child);
				perr(p, line, "\"not\" takes exactly one child");
				goto out;
			}
		}
		if (cmd[1] == 'o' ? nchild != 1 : nchild < 2) {
			orm_expr_free(acc);
			perr(p, line, "\"%s\" has %d children", cmd, nchild);
			goto out;
		}
		*out = cmd[1] == 'o' ? orm_expr_not(acc) : acc;
	} else if (strcmp(cmd, "in_query") == 0 || strcmp(cmd, "exists") == 0) {
		orm_query *sub;
		NEED(cmd[0] == 'e' ? t.n == 1 : t.n == 2);
		if (build_query(p, &sub, 1) < 0)
			goto out;
		*out = cmd[0] == 'e' ? orm_expr_exists_new(sub)
				     : orm_expr_in_query_new(arg_or_null(t.v[1]), sub);
	} else {
		perr(p, line, "unknown expression \"%s\"", cmd);
		goto out;
	}
#undef NEED
#undef VALUES
	rc = 0;
out:
	vals_free(&vs);
	toks_free(&t);
	return rc;
}

/* Split toks[from..] at a "|" token; NULL-terminated views into t. */
static const char **strv(struct toks *t, size_t from, size_t to)
{
	const char **v = calloc(to - from + 1, sizeof(char *));
	size_t i;

	if (!v)
		abort();
	for (i = from; i < to; i++)
		v[i - from] = arg_or_null(t->v[i]);
	return v;
}

/* One builder call on q. */
static int build_call(struct parser *p, orm_query *q, struct toks *t, int line)
{
	struct vals vs;
	char verr[256];
	const char *cmd = t->v[0];
	orm_expr *e;
	int rc = -1;

	memset(&vs, 0, sizeof(vs));
#define NEED(cond) do { if (!(cond)) { perr(p, line, "bad arguments to \"%s\"", cmd); goto out; } } while (0)
#define VALUES(from) do { if (parse_values(t, (from), &vs, verr, sizeof(verr)) < 0) { perr(p, line, "%s", verr); goto out; } } while (0)
#define A(i) arg_or_null(t->v[i])
	if (strcmp(cmd, "from_as") == 0) {
		NEED(t->n == 2);
		orm_query_from_as(q, A(1));
	} else if (strcmp(cmd, "select") == 0) {
		NEED(t->n == 2);
		orm_query_select(q, A(1));
	} else if (strcmp(cmd, "select_as") == 0) {
		NEED(t->n == 3);
		orm_query_select_as(q, A(1), A(2));
	} else if (strcmp(cmd, "select_raw") == 0) {
		NEED(t->n >= 2);
		VALUES(2);
		orm_query_select_raw(q, t->v[1], vs.v, vs.n);
	} else if (strcmp(cmd, "select_agg") == 0) {
		orm_agg agg;
		NEED((t->n == 3 || t->n == 4) && parse_agg(t->v[1], &agg) == 0);
		orm_query_select_agg(q, agg, A(2), t->n == 4 ? A(3) : NULL);
	} else if (strcmp(cmd, "distinct") == 0) {
		NEED(t->n == 1);
		orm_query_distinct(q);
	} else if (strcmp(cmd, "where") == 0 || strcmp(cmd, "or_where") == 0) {
		NEED(t->n == 4);
		VALUES(3);
		if (cmd[0] == 'w')
			orm_query_where(q, A(1), A(2), vs.v[0]);
		else
			orm_query_or_where(q, A(1), A(2), vs.v[0]);
	} else if (strcmp(cmd, "where_in") == 0) {
		NEED(t->n >= 2);
		VALUES(2);
		orm_query_where_in(q, A(1), vs.v, vs.n);
	} else if (strcmp(cmd, "where_null") == 0) {
		NEED(t->n == 2);
		orm_query_where_null(q, A(1));
	} else if (strcmp(cmd, "where_not_null") == 0) {
		NEED(t->n == 2);
		orm_query_where_not_null(q, A(1));
	} else if (strcmp(cmd, "where_between") == 0) {
		NEED(t->n == 4);
		VALUES(2);
		orm_query_where_between(q, A(1), vs.v[0], vs.v[1]);
	} else if (strcmp(cmd, "where_raw") == 0) {
		NEED(t->n >= 2);
		VALUES(2);
		orm_query_where_raw(q, t->v[1], vs.v, vs.n);
	} else if (strcmp(cmd, "where_new") == 0 || strcmp(cmd, "or_where_new") == 0 ||
		   strcmp(cmd, "having_new") == 0) {
		NEED(t->n == 1);
		if (build_expr(p, &e) < 0)
			goto out;
		if (cmd[0] == 'w')
			orm_query_where_new(q, e);
		else if (cmd[0] == 'o')
			orm_query_or_where_new(q, e);
		else
			orm_query_having_new(q, e);
	} else if (strcmp(cmd, "join") == 0) {
		orm_join_type jt;
		NEED((t->n == 6 || t->n == 3) && parse_join_type(t->v[1], &jt) == 0);
		if (t->n == 3)
			orm_query_join(q, jt, A(2), NULL, NULL, NULL);
		else
			orm_query_join(q, jt, A(2), A(3), A(4), A(5));
	} else if (strcmp(cmd, "join_on") == 0) {
		orm_join_type jt;
		NEED(t->n == 4 && parse_join_type(t->v[1], &jt) == 0);
		if (build_expr(p, &e) < 0)
			goto out;
		orm_query_join_on_new(q, jt, A(2), A(3), e);
	} else if (strcmp(cmd, "group_by") == 0) {
		NEED(t->n == 2);
		orm_query_group_by(q, A(1));
	} else if (strcmp(cmd, "order_by") == 0) {
		int flags = 0;
		size_t i;
		NEED(t->n >= 2);
		for (i = 2; i < t->n; i++) {
			if (strcmp(t->v[i], "asc") == 0)
				flags |= ORM_ASC;
			else if (strcmp(t->v[i], "desc") == 0)
				flags |= ORM_DESC;
			else if (strcmp(t->v[i], "nulls_first") == 0)
				flags |= ORM_NULLS_FIRST;
			else if (strcmp(t->v[i], "nulls_last") == 0)
				flags |= ORM_NULLS_LAST;
			else if (strncmp(t->v[i], "flags:", 6) == 0)
				flags |= atoi(t->v[i] + 6);
			else
				NEED(0);
		}
		orm_query_order_by(q, A(1), flags);
	} else if (strcmp(cmd, "order_by_raw") == 0) {
		NEED(t->n == 2);
		orm_query_order_by_raw(q, t->v[1]);
	} else if (strcmp(cmd, "limit") == 0 || strcmp(cmd, "offset") == 0) {
		NEED(t->n == 2);
		if (cmd[0] == 'l')
			orm_query_limit(q, strtoll(t->v[1], NULL, 10));
		else
			orm_query_offset(q, strtoll(t->v[1], NULL, 10));
	} else if (strcmp(cmd, "for_update") == 0) {
		NEED(t->n == 1);
		orm_query_for_update(q);
	} else if (strcmp(cmd, "insert") == 0) {
		const char **cols = strv(t, 1, t->n);
		orm_query_insert(q, cols, t->n - 1);
		free(cols);
	} else if (strcmp(cmd, "values") == 0 || strcmp(cmd, "values_n") == 0) {
		VALUES(1);
		if (cmd[6] == '_') {
			orm_query_values_n(q, vs.v, vs.n);
		} else {
			/* orm_query_values reads as many values as there are
			 * columns: pad so a short line cannot read past the end */
			orm_value pad[64];
			size_t k;
			NEED(vs.n <= 64);
			for (k = 0; k < 64; k++)
				pad[k] = k < vs.n ? vs.v[k] : orm_null();
			orm_query_values(q, pad);
		}
	} else if (strcmp(cmd, "on_conflict_ignore") == 0) {
		const char **cols = strv(t, 1, t->n);
		orm_query_on_conflict_ignore(q, cols, t->n - 1);
		free(cols);
	} else if (strcmp(cmd, "on_conflict_merge") == 0) {
		size_t bar = t->n, i;
		const char **cols, **upd = NULL;
		for (i = 1; i < t->n; i++)
			if (strcmp(t->v[i], "|") == 0)
				bar = i;
		cols = strv(t, 1, bar);
		if (bar < t->n)
			upd = strv(t, bar + 1, t->n);
		orm_query_on_conflict_merge(q, cols, bar - 1, upd, bar < t->n ? t->n - bar - 1 : 0);
		free(cols);
		free(upd);
	} else if (strcmp(cmd, "returning") == 0) {
		NEED(t->n == 2);
		orm_query_returning(q, A(1));
	} else if (strcmp(cmd, "update") == 0) {
		NEED(t->n == 1);
		orm_query_update(q);
	} else if (strcmp(cmd, "set") == 0) {
		NEED(t->n == 3);
		VALUES(2);
		orm_query_set(q, A(1), vs.v[0]);
	} else if (strcmp(cmd, "increment") == 0) {
		NEED(t->n == 3);
		orm_query_increment(q, A(1), strtoll(t->v[2], NULL, 10));
	} else if (strcmp(cmd, "delete") == 0) {
		NEED(t->n == 1);
		orm_query_delete(q);
	} else {
		perr(p, line, "unknown builder call \"%s\"", cmd);
		goto out;
	}
#undef NEED
#undef VALUES
#undef A
	rc = 0;
out:
	vals_free(&vs);
	return rc;
}

/*
 * A query: a "table NAME|-" line, then builder calls until the end of the
 * builder part (top level) or an "end" line (subquery).
 */
static int build_query(struct parser *p, orm_query **out, int sub)
{
	struct toks t = { NULL, 0 };
	orm_query *q = NULL;
	int line;

	*out = NULL;
	if (p->i >= p->end)
		return perr(p, 0, "missing \"table\" line");
	line = p->cf->lines[p->i].no;
	if (tokenize(p->cf->lines[p->i].text, &t) < 0 || t.n != 2 || strcmp(t.v[0], "table") != 0) {
		toks_free(&t);
		return perr(p, line, "a query starts with \"table NAME\" (or \"table -\")");
	}
	p->i++;
	q = orm_query_new(arg_or_null(t.v[1]));
	toks_free(&t);
	assert_non_null(q);
	for (;;) {
		if (p->i >= p->end) {
			if (sub) {
				orm_query_free(q);
				return perr(p, line, "subquery without \"end\"");
			}
			break;
		}
		line = p->cf->lines[p->i].no;
		if (strcmp(p->cf->lines[p->i].text, "end") == 0) {
			if (!sub) {
				orm_query_free(q);
				return perr(p, line, "\"end\" outside a group or subquery");
			}
			p->i++;
			break;
		}
		if (tokenize(p->cf->lines[p->i].text, &t) < 0) {
			orm_query_free(q);
			return perr(p, line, "unterminated quote");
		}
		p->i++;
		if (build_call(p, q, &t, line) < 0) {
			toks_free(&t);
			orm_query_free(q);
			return -1;
		}
		toks_free(&t);
	}
	*out = q;
	return 0;
}

/* ---- expectations ---- */

static int error_code(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} codes[] = {
		{ "OK", 0 }, { "ERROR", ORM_ERROR }, { "ENOMEM", ORM_ENOMEM }, { "EINVAL", ORM_EINVAL },
		{ "EMISUSE", ORM_EMISUSE }, { "EUNSUPPORTED", ORM_EUNSUPPORTED },
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(name, codes[i].name) == 0)
			return codes[i].code;
	return 1;
}

struct expect {
	int line;
	char sql[8192];
	int have_sql;
	char literal[8192];
	int have_literal;
	char params[4096];
	int have_params;
	int params_line;
	int have_error;
	int error_code;
	char error_msg[512];
	int have_sticky;
	int sticky_code;
};

static void append_line(char *dst, size_t dstlen, const char *s)
{
	size_t len = strlen(dst);

	if (len > 0 && len + 1 < dstlen)
		dst[len++] = ' ', dst[len] = '\0';
	snprintf(dst + len, dstlen - len, "%s", s);
}

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return NULL;
	s += n;
	while (*s == ' ')
		s++;
	return s;
}

/* Find the section for dialect d and read its lines. */
static int read_expect(struct parser *p, orm_dialect d, struct expect *ex)
{
	struct casefile *cf = p->cf;
	size_t i;
	int in = 0, found = 0;

	memset(ex, 0, sizeof(*ex));
	for (i = cf->sep; i < cf->nlines; i++) {
		const char *s = cf->lines[i].text, *v;
		int no = cf->lines[i].no;

		if (strncmp(s, "---", 3) == 0) {
			struct toks t;
			size_t k;
			if (tokenize(s + 3, &t) < 0 || t.n == 0) {
				toks_free(&t);
				return perr(p, no, "a section line is \"--- DIALECT...\" (sqlite, postgres, mariadb, all)");
			}
			in = 0;
			for (k = 0; k < t.n; k++) {
				if (strcmp(t.v[k], "all") != 0 && strcmp(t.v[k], "sqlite") != 0 &&
				    strcmp(t.v[k], "postgres") != 0 && strcmp(t.v[k], "mariadb") != 0) {
					toks_free(&t);
					return perr(p, no, "unknown dialect \"%s\"", t.v[k]);
				}
				if (strcmp(t.v[k], "all") == 0 || strcmp(t.v[k], dialect_word(d)) == 0)
					in = 1;
			}
			toks_free(&t);
			if (in) {
				if (found)
					return perr(p, no, "a second section for %s", dialect_word(d));
				found = 1;
				ex->line = no;
			}
			continue;
		}
		if (!in)
			continue;
		if ((v = after_prefix(s, "sql:"))) {
			append_line(ex->sql, sizeof(ex->sql), v);
			ex->have_sql = 1;
		} else if ((v = after_prefix(s, "literal:"))) {
			append_line(ex->literal, sizeof(ex->literal), v);
			ex->have_literal = 1;
		} else if ((v = after_prefix(s, "params:"))) {
			append_line(ex->params, sizeof(ex->params), v);
			ex->have_params = 1;
			ex->params_line = no;
		} else if ((v = after_prefix(s, "error:"))) {
			char code[32];
			int n = 0;
			if (sscanf(v, "%31s %n", code, &n) < 1 || (ex->error_code = error_code(code)) > 0)
				return perr(p, no, "error: CODE [message substring]");
			snprintf(ex->error_msg, sizeof(ex->error_msg), "%s", v + n);
			ex->have_error = 1;
		} else if ((v = after_prefix(s, "sticky:"))) {
			if ((ex->sticky_code = error_code(v)) > 0)
				return perr(p, no, "sticky: CODE");
			ex->have_sticky = 1;
		} else {
			return perr(p, no, "unknown expectation line (sql:, params:, literal:, error:, sticky:)");
		}
	}
	if (!found)
		return perr(p, 0, "no \"---\" section for %s", dialect_word(d));
	if (!ex->have_error && !ex->have_sql)
		return perr(p, ex->line, "the %s section has neither sql: nor error:", dialect_word(d));
	return 0;
}

static void check_params(struct parser *p, orm_dialect d, const struct expect *ex, const orm_value *params,
			 int n)
{
	struct toks t;
	struct vals vs;
	char verr[256], a[512], b[512];
	int i, bad = 0;

	if (tokenize(ex->params, &t) < 0) {
		perr(p, ex->params_line, "unterminated quote in params");
		return;
	}
	if (parse_values(&t, 0, &vs, verr, sizeof(verr)) < 0) {
		perr(p, ex->params_line, "%s", verr);
		goto out;
	}
	if ((size_t)n != vs.n) {
		print_error("params: expected %zu, got %d\n", vs.n, n);
		bad = 1;
	}
	for (i = 0; i < n && (size_t)i < vs.n; i++) {
		if (!value_equal(&params[i], &vs.v[i])) {
			format_value(a, sizeof(a), &vs.v[i]);
			format_value(b, sizeof(b), &params[i]);
			print_error("param %d: expected %s, got %s\n", i + 1, a, b);
			bad = 1;
		}
	}
	if (bad) {
		print_error("  expected params: %s\n  actual params:  ", ex->params);
		for (i = 0; i < n; i++) {
			format_value(b, sizeof(b), &params[i]);
			print_error("%s ", b);
		}
		print_error("\n");
	}
out:
	vals_free(&vs);
	toks_free(&t);
	if (bad)
		fail_msg("%s [%s]: parameters differ", p->cf->name, dialect_word(d));
}

static void run_case(void **state)
{
	struct casetest *ct = *state;
	struct casefile *cf = ct->cf;
	struct parser p;
	struct expect *ex = calloc(1, sizeof(*ex));
	orm_query *q = NULL;
	orm_buf sql = ORM_BUF_INIT, lit = ORM_BUF_INIT;
	const orm_value *params = NULL;
	int nparams = -1, rc, lrc;

	assert_non_null(ex);
	memset(&p, 0, sizeof(p));
	p.cf = cf;
	p.end = cf->sep;
	if (build_query(&p, &q, 0) < 0 || read_expect(&p, ct->d, ex) < 0)
		goto case_error;

	rc = orm_query_compile(q, ct->d, &sql, &params, &nparams);
	lrc = orm_query_to_sql(q, ct->d, &lit);
	if (ex->have_sticky && orm_query_error(q) != ex->sticky_code)
		fail_msg("%s [%s]: orm_query_error() is %d (%s), expected %d", cf->name, dialect_word(ct->d),
			 orm_query_error(q), orm_strerror(orm_query_error(q)), ex->sticky_code);
	if (ex->have_error) {
		if (rc != ex->error_code || lrc != ex->error_code)
			fail_msg("%s [%s]: compile returned %d (%s), to_sql %d, expected %d; message: %s\n  sql: %s",
				 cf->name, dialect_word(ct->d), rc, orm_strerror(rc), lrc, ex->error_code,
				 orm_query_errmsg(q), sql.ptr ? sql.ptr : "");
		if (!strstr(orm_query_errmsg(q), ex->error_msg))
			fail_msg("%s [%s]: message \"%s\" does not contain \"%s\"", cf->name,
				 dialect_word(ct->d), orm_query_errmsg(q), ex->error_msg);
		assert_true(sql.ptr == NULL || sql.size == 0);
		assert_null(params);
		assert_int_equal(nparams, 0);
	} else {
		if (rc != 0)
			fail_msg("%s [%s]: compile failed %d (%s): %s", cf->name, dialect_word(ct->d), rc,
				 orm_strerror(rc), orm_query_errmsg(q));
		if (strcmp(sql.ptr, ex->sql) != 0)
			fail_msg("%s [%s]: SQL differs\n  expected: %s\n  actual:   %s", cf->name,
				 dialect_word(ct->d), ex->sql, sql.ptr);
		if (ex->have_params || nparams > 0)
			check_params(&p, ct->d, ex, params, nparams);
		if (p.err[0])
			goto case_error;
		assert_int_equal(lrc, 0);
		if (ex->have_literal && strcmp(lit.ptr, ex->literal) != 0)
			fail_msg("%s [%s]: to_sql differs\n  expected: %s\n  actual:   %s", cf->name,
				 dialect_word(ct->d), ex->literal, lit.ptr);
	}
	goto done;
case_error:
	orm_query_free(q);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&lit);
	free(ex);
	fail_msg("%s:%d: bad case file: %s", cf->path, p.errline, p.err);
	return;
done:
	orm_query_free(q);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&lit);
	free(ex);
}

/* ---- API tests ---- */

static void test_sticky_error(void **state)
{
	orm_query *q = orm_query_new("users");
	orm_buf sql = ORM_BUF_INIT;

	(void)state;
	assert_non_null(q);
	assert_int_equal(orm_query_error(q), 0);
	assert_string_equal(orm_query_errmsg(q), "");
	assert_int_equal(orm_query_where(q, "age", "=>", orm_int(1)), ORM_EINVAL);
	/* later calls do nothing and return the first error */
	assert_int_equal(orm_query_select(q, "id"), ORM_EINVAL);
	assert_int_equal(orm_query_where(q, "", "=", orm_int(1)), ORM_EINVAL);
	assert_int_equal(orm_query_limit(q, 3), ORM_EINVAL);
	assert_int_equal(orm_query_where_new(q, orm_expr_null("x")), ORM_EINVAL); /* stolen */
	assert_int_equal(orm_query_error(q), ORM_EINVAL);
	assert_non_null(strstr(orm_query_errmsg(q), "orm_query_where: unknown operator \"=>\""));
	assert_int_equal(orm_query_compile(q, ORM_DIALECT_SQLITE, &sql, NULL, NULL), ORM_EINVAL);
	assert_null(sql.ptr);
	orm_query_free(q);
}

static void test_new_steals_null(void **state)
{
	orm_query *q = orm_query_new("t");

	(void)state;
	assert_int_equal(orm_query_where_new(q, NULL), ORM_ENOMEM);
	assert_non_null(strstr(orm_query_errmsg(q), "orm_query_where_new"));
	orm_query_free(q);

	/* a failed _new still frees what it was given (valgrind checks) */
	assert_int_equal(orm_query_where_new(NULL, orm_expr_null("x")), ORM_EINVAL);
	assert_int_equal(orm_query_having_new(NULL, orm_expr_null("x")), ORM_EINVAL);
	assert_int_equal(orm_query_join_on_new(NULL, ORM_JOIN_INNER, "t", NULL, orm_expr_null("x")), ORM_EINVAL);
	orm_expr_free(orm_expr_in_query_new(NULL, orm_query_new("sub")));
	orm_expr_free(orm_expr_exists_new(NULL));
	orm_expr_free(orm_expr_and(NULL, orm_expr_null("x")));
	orm_expr_free(orm_expr_or(orm_expr_null("x"), NULL));
	orm_expr_free(orm_expr_not(NULL));
	orm_expr_free(NULL);
	orm_query_free(NULL);
	assert_int_equal(orm_query_error(NULL), ORM_EINVAL);
	assert_string_equal(orm_query_errmsg(NULL), "");
	assert_int_equal(orm_query_row_count(NULL), 0);
}

static void test_error_node_message(void **state)
{
	orm_query *q = orm_query_new("t");

	(void)state;
	/* an error deep in a group names the constructor and the call */
	orm_query_where_new(q, orm_expr_and(orm_expr_null("a"),
					    orm_expr_or(orm_expr_cmp("b", "==", orm_int(1)), orm_expr_null("c"))));
	assert_int_equal(orm_query_error(q), ORM_EINVAL);
	assert_string_equal(orm_query_errmsg(q),
			    "orm_query_where_new: orm_expr_cmp: unknown operator \"==\" (column \"b\")");
	orm_query_free(q);

	/* a subquery's sticky error travels with it */
	q = orm_query_new("t");
	orm_query *sub = orm_query_new("s");
	orm_query_select(sub, NULL);
	orm_query_where_new(q, orm_expr_in_query_new("id", sub));
	assert_int_equal(orm_query_error(q), ORM_EINVAL);
	assert_non_null(strstr(orm_query_errmsg(q), "orm_expr_in_query_new: subquery: orm_query_select"));
	orm_query_free(q);
}

static void test_values_copied(void **state)
{
	char name[16], col[8];
	const char *cols[1] = { col };
	orm_query *q = orm_query_new("users");
	orm_buf sql = ORM_BUF_INIT;
	const orm_value *params;
	int n;

	(void)state;
	strcpy(col, "name");
	strcpy(name, "alice");
	orm_query_insert(q, cols, 1);
	orm_value v = orm_text(name);
	assert_int_equal(orm_query_values(q, &v), 0);
	strcpy(name, "XXXXX");
	strcpy(col, "zzzz");
	assert_int_equal(orm_query_row_count(q), 1);
	assert_int_equal(orm_query_compile(q, ORM_DIALECT_POSTGRES, &sql, &params, &n), 0);
	assert_string_equal(sql.ptr, "insert into \"users\" (\"name\") values ($1)");
	assert_int_equal(n, 1);
	assert_int_equal(params[0].type, ORM_TYPE_TEXT);
	assert_int_equal(params[0].u.s.len, 5);
	assert_memory_equal(params[0].u.s.ptr, "alice", 5);
	/* compiling again appends, and the parameter array stays put */
	const orm_value *params2;
	assert_int_equal(orm_query_compile(q, ORM_DIALECT_SQLITE, &sql, &params2, NULL), 0);
	assert_ptr_equal(params, params2);
	assert_string_equal(sql.ptr, "insert into \"users\" (\"name\") values ($1)"
				     "insert into \"users\" (\"name\") values (?)");
	orm_buf_dispose(&sql);
	orm_query_free(q);
}

static void test_compile_args(void **state)
{
	orm_query *q = orm_query_new("t");
	orm_buf sql = ORM_BUF_INIT;

	(void)state;
	assert_int_equal(orm_query_compile(NULL, ORM_DIALECT_SQLITE, &sql, NULL, NULL), ORM_EINVAL);
	assert_int_equal(orm_query_compile(q, ORM_DIALECT_SQLITE, NULL, NULL, NULL), ORM_EINVAL);
	assert_int_equal(orm_query_compile(q, (orm_dialect)9, &sql, NULL, NULL), ORM_EINVAL);
	assert_non_null(strstr(orm_query_errmsg(q), "unknown dialect"));
	assert_int_equal(orm_query_error(q), 0); /* compile errors are not sticky */
	assert_int_equal(orm_query_compile(q, ORM_DIALECT_SQLITE, &sql, NULL, NULL), 0);
	assert_string_equal(sql.ptr, "select * from \"t\"");
	assert_string_equal(orm_query_errmsg(q), "");
	orm_buf_dispose(&sql);
	orm_query_free(q);
}

static void test_exec_reports_on_conn(void **state)
{
	orm_conn *db = NULL;
	orm_stmt *st = (orm_stmt *)1;
	orm_query *q = orm_query_new("t");
	int64_t *ids = (int64_t *)1;
	size_t nids = 7;

	(void)state;
	if (!orm_dialect_available(ORM_DIALECT_SQLITE)) {
		orm_query_free(q);
		return;
	}
	assert_int_equal(orm_open(&db, "sqlite::memory:"), 0);
	orm_query_where(q, "a", "bad", orm_int(1));
	assert_int_equal(orm_query_exec(&st, db, q), ORM_EINVAL);
	assert_null(st);
	assert_non_null(strstr(orm_conn_errmsg(db), "orm_query_where: unknown operator"));
	assert_int_equal(orm_query_run(db, q, NULL), ORM_EINVAL);
	assert_int_equal(orm_query_insert_ids(db, q, "id", &ids, &nids), ORM_EINVAL);
	assert_null(ids);
	assert_int_equal(nids, 0);
	orm_query_free(q);

	/* a compile error (update without set) also lands on the connection */
	q = orm_query_new("t");
	orm_query_update(q);
	assert_int_equal(orm_query_run(db, q, NULL), ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "no column to set"));
	orm_query_free(q);
	orm_close(db);
}

/* ---- out of memory: every allocation made to fail in turn ---- */

static long g_fail_after = -1; /* allocations left before failing; -1: never fail */
static long g_failed;

static void *t_malloc(size_t n)
{
	if (g_fail_after == 0) {
		g_failed++;
		return NULL;
	}
	if (g_fail_after > 0)
		g_fail_after--;
	return malloc(n);
}

static void *t_realloc(void *p, size_t n)
{
	if (g_fail_after == 0) {
		g_failed++;
		return NULL;
	}
	if (g_fail_after > 0)
		g_fail_after--;
	return realloc(p, n);
}

/* A query touching most of the builder; NULL when orm_query_new failed. */
static orm_query *oom_select(void)
{
	orm_query *q = orm_query_new("app.users"), *sub = orm_query_new("orders");
	orm_value in[2] = { orm_text("a"), orm_blob("\x01\x02", 2) };

	orm_query_select(sub, "user_id");
	orm_query_where(sub, "total", ">", orm_int(5));
	orm_query_from_as(q, "u");
	orm_query_distinct(q);
	orm_query_select(q, "u.id");
	orm_query_select_as(q, "u.name", "n");
	orm_query_select_raw(q, "coalesce(nick, ?)", in, 1);
	orm_query_select_agg(q, ORM_AGG_COUNT_DISTINCT, "city", "c");
	orm_query_join_on_new(q, ORM_JOIN_LEFT, "orders", "o",
			      orm_expr_and(orm_expr_cmp_col("o.user_id", "=", "u.id"),
					   orm_expr_cmp("o.state", "ilike", orm_text("x%"))));
	orm_query_join(q, ORM_JOIN_INNER, "teams", "teams.id", "=", "u.team_id");
	orm_query_where(q, "age", ">=", orm_int(18));
	orm_query_where_in(q, "tag", in, 2);
	orm_query_or_where_new(q, orm_expr_or(orm_expr_not(orm_expr_null("email")),
					      orm_expr_in_query_new("u.id", sub)));
	orm_query_where_between(q, "score", orm_double(1.5), orm_double(9.5));
	orm_query_where_raw(q, "x = ?", in, 1);
	orm_query_group_by(q, "u.id");
	orm_query_having_new(q, orm_expr_agg_cmp(ORM_AGG_SUM, "o.total", ">", orm_int(3)));
	orm_query_order_by(q, "u.name", ORM_DESC | ORM_NULLS_LAST);
	orm_query_order_by_raw(q, "2");
	orm_query_limit(q, 10);
	orm_query_offset(q, 5);
	return q;
}

static orm_query *oom_insert(void)
{
	static const char *const cols[] = { "k", "v" };
	orm_query *q = orm_query_new("t");
	int i;

	orm_query_insert(q, cols, 2);
	for (i = 0; i < 3; i++) {
		orm_value v[2] = { orm_int(i), orm_text("value") };
		orm_query_values(q, v);
	}
	orm_query_on_conflict_merge(q, cols, 1, NULL, 0);
	orm_query_returning(q, "id");
	return q;
}

static orm_query *oom_update(void)
{
	orm_query *q = orm_query_new("t");

	orm_query_set(q, "a", orm_text("x"));
	orm_query_increment(q, "n", -1);
	orm_query_where_new(q, orm_expr_exists_new(orm_query_new("s")));
	return q;
}

static void oom_loop(orm_query *(*make)(void), long min_allocs)
{
	static const orm_dialect ds[] = { ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB };
	long n;
	size_t k;

	for (n = 0;; n++) {
		orm_buf sql = ORM_BUF_INIT;
		orm_query *q;
		int rc, err;

		g_failed = 0;
		g_fail_after = n;
		q = make();
		err = orm_query_error(q);
		if (q && err != 0 && err != ORM_ENOMEM)
			fail_msg("allocation %ld: builder error %d: %s", n, err, orm_query_errmsg(q));
		for (k = 0; q && k < 3; k++) {
			rc = orm_query_compile(q, ds[k], &sql, NULL, NULL);
			if (rc != 0 && rc != ORM_ENOMEM)
				fail_msg("allocation %ld: compile returned %d", n, rc);
			rc = orm_query_to_sql(q, ds[k], &sql);
			if (rc != 0 && rc != ORM_ENOMEM)
				fail_msg("allocation %ld: to_sql returned %d", n, rc);
		}
		g_fail_after = -1;
		orm_buf_dispose(&sql);
		orm_query_free(q);
		if (g_failed == 0)
			break; /* every allocation succeeded: all paths tried */
		if (n > 100000)
			fail_msg("no end to allocation failures");
	}
	if (n < min_allocs)
		fail_msg("only %ld allocations: is the allocator hook in use?", n);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	oom_loop(oom_select, 50);
	oom_loop(oom_insert, 15);
	oom_loop(oom_update, 5);
}

/* ---- main: one test per case file and dialect ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	static const orm_dialect dialects[] = { ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB };
	static const struct CMUnitTest api[] = {
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_new_steals_null),
		cmocka_unit_test(test_error_node_message),
		cmocka_unit_test(test_values_copied),
		cmocka_unit_test(test_compile_args),
		cmocka_unit_test(test_exec_reports_on_conn),
		cmocka_unit_test(test_out_of_memory),
	};
	const char *src = getenv("ORM_TEST_SRCDIR");
	char dir[4096], path[4600];
	char **names = NULL;
	size_t nnames = 0, i, j, ntests = 0, napi = sizeof(api) / sizeof(api[0]);
	struct casefile *cases;
	struct casetest *cts;
	struct CMUnitTest *tests;
	char **testnames;
	struct dirent *de;
	DIR *dh;
	int rc;

	/* before any other orm_ call: the OOM test fails allocations through it */
	if (orm_set_allocator(t_malloc, t_realloc, free) != 0) {
		printf("1..1\nnot ok 1 - orm_set_allocator failed\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/tests/sql", src ? src : ".");
	dh = opendir(dir);
	if (!dh) {
		printf("1..1\nnot ok 1 - cannot open %s (set ORM_TEST_SRCDIR)\n", dir);
		return 1;
	}
	while ((de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".case") == 0) {
			names = realloc(names, (nnames + 1) * sizeof(char *));
			if (!names)
				abort();
			names[nnames++] = xstrdup(de->d_name);
		}
	}
	closedir(dh);
	qsort(names, nnames, sizeof(char *), cmp_names);

	cases = calloc(nnames ? nnames : 1, sizeof(*cases));
	cts = calloc(nnames * 3 + 1, sizeof(*cts));
	tests = calloc(nnames * 3 + napi, sizeof(*tests));
	testnames = calloc(nnames * 3 + 1, sizeof(char *));
	if (!cases || !cts || !tests || !testnames)
		abort();
	for (i = 0; i < napi; i++)
		tests[ntests++] = api[i];
	for (i = 0; i < nnames; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_case(&cases[i], path, names[i]) < 0) {
			printf("1..1\nnot ok 1 - cannot read %s\n", path);
			return 1;
		}
		for (j = 0; j < 3; j++) {
			struct casetest *ct = &cts[i * 3 + j];
			char nm[512];
			ct->cf = &cases[i];
			ct->d = dialects[j];
			snprintf(nm, sizeof(nm), "%s [%s]", names[i], dialect_word(dialects[j]));
			testnames[i * 3 + j] = xstrdup(nm);
			tests[ntests].name = testnames[i * 3 + j];
			tests[ntests].test_func = run_case;
			tests[ntests].initial_state = ct;
			ntests++;
		}
	}
	rc = _cmocka_run_group_tests("query_sql", tests, ntests, NULL, NULL);
	for (i = 0; i < nnames; i++) {
		free_case(&cases[i]);
		free(names[i]);
	}
	for (i = 0; i < nnames * 3; i++)
		free(testnames[i]);
	free(names);
	free(cases);
	free(cts);
	free(tests);
	free(testnames);
	return rc;
}
