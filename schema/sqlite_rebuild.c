/*
 * SQLite: a small SQL tokenizer, a parser for CREATE TABLE text (SQLite
 * keeps it verbatim in sqlite_schema), and ALTER TABLE: native where
 * SQLite can (ADD/RENAME/DROP COLUMN, indexes), otherwise a table rebuild
 * that keeps every row, index, trigger and view and every foreign key
 * pointing at the table (https://sqlite.org/lang_altertable.html, "Making
 * Other Kinds Of Table Schema Changes"):
 *
 *   PRAGMA foreign_keys = OFF        -- outside the transaction, else a no-op
 *   BEGIN
 *   CREATE TABLE "_orm_new_T" (...)  -- the new definition
 *   INSERT INTO "_orm_new_T" (...) SELECT ... FROM "T"
 *   DROP TABLE "T"                   -- with foreign keys ON this would run
 *                                    -- ON DELETE CASCADE on every child row
 *   PRAGMA legacy_alter_table = ON   -- so the rename neither rewrites nor
 *   ALTER TABLE "_orm_new_T" RENAME TO "T"   -- re-checks views and triggers
 *   PRAGMA legacy_alter_table = OFF
 *   CREATE INDEX ... / CREATE TRIGGER ...   -- as they were
 *   PRAGMA foreign_key_check         -- violations fail the alter
 *   COMMIT
 *   PRAGMA foreign_keys = ON
 *
 * and, when run, every view is re-prepared before COMMIT so that a view
 * broken by the change fails the alter instead of being left broken.
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ================================================================== */
/* tokenizer                                                           */
/* ================================================================== */

static int is_id_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '$' || (ch & 0x80);
}

orm__tok orm__sql_token(const char **sp)
{
	const char *s = *sp;
	orm__tok t;

	t.p = s;
	t.len = 0;
	t.kind = ORM__TK_EOF;
	if (!*s)
		return t;
	if (isspace((unsigned char)*s)) {
		while (*s && isspace((unsigned char)*s))
			s++;
		t.kind = ORM__TK_SPACE;
	} else if (s[0] == '-' && s[1] == '-') {
		while (*s && *s != '\n')
			s++;
		t.kind = ORM__TK_COMMENT;
	} else if (s[0] == '/' && s[1] == '*') {
		s += 2;
		while (*s && !(s[0] == '*' && s[1] == '/'))
			s++;
		if (*s)
			s += 2;
		t.kind = ORM__TK_COMMENT;
	} else if (*s == '\'' || *s == '"' || *s == '`') {
		char q = *s++;
		for (;;) {
			if (!*s)
				break;
			if (*s == q) {
				if (s[1] == q) {
					s += 2;
					continue;
				}
				s++;
				break;
			}
			s++;
		}
		t.kind = q == '\'' ? ORM__TK_STRING : ORM__TK_QUOTED;
	} else if (*s == '[') {
		while (*s && *s != ']')
			s++;
		if (*s)
			s++;
		t.kind = ORM__TK_QUOTED;
	} else if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
		while (*s && (isalnum((unsigned char)*s) || *s == '.' ||
			      ((*s == '+' || *s == '-') && (s[-1] == 'e' || s[-1] == 'E'))))
			s++;
		t.kind = ORM__TK_NUMBER;
	} else if (is_id_char((unsigned char)*s)) {
		while (*s && is_id_char((unsigned char)*s))
			s++;
		t.kind = ORM__TK_WORD;
	} else {
		s++;
		t.kind = ORM__TK_PUNCT;
	}
	t.len = (size_t)(s - t.p);
	*sp = s;
	return t;
}

char *orm__tok_ident(const orm__tok *t)
{
	char *out, *o;
	size_t i;
	char q;

	if (t->kind == ORM__TK_WORD || t->kind == ORM__TK_NUMBER)
		return orm__strndup(t->p, t->len);
	if (t->kind != ORM__TK_QUOTED && t->kind != ORM__TK_STRING)
		return orm__strndup(t->p, t->len);
	out = orm__malloc(t->len + 1);
	if (!out)
		return NULL;
	q = t->p[0];
	o = out;
	if (q == '[') {
		for (i = 1; i < t->len && t->p[i] != ']'; i++)
			*o++ = t->p[i];
	} else {
		for (i = 1; i < t->len; i++) {
			if (t->p[i] == q) {
				if (i + 1 < t->len && t->p[i + 1] == q) {
					*o++ = q;
					i++;
					continue;
				}
				break;
			}
			*o++ = t->p[i];
		}
	}
	*o = '\0';
	return out;
}

int orm__tok_is(const orm__tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->kind == ORM__TK_WORD && t->len == n && strncasecmp(t->p, word, n) == 0;
}

static int tok_is_ident(const orm__tok *t)
{
	return t->kind == ORM__TK_WORD || t->kind == ORM__TK_QUOTED || t->kind == ORM__TK_STRING;
}

/* identifier token equal (ASCII case-insensitively, as SQLite compares names) to name */
static int tok_ident_eq(const orm__tok *t, const char *name)
{
	char *id;
	int eq;

	if (t->kind != ORM__TK_WORD && t->kind != ORM__TK_QUOTED)
		return 0;
	id = orm__tok_ident(t);
	if (!id)
		return 0;
	eq = strcasecmp(id, name) == 0;
	orm__free(id);
	return eq;
}

/* a token array over a NUL-terminated copy, whitespace dropped */
struct toks {
	orm__tok *v;
	size_t n;
	char *text;
};

static void toks_free(struct toks *ts)
{
	orm__free(ts->v);
	orm__free(ts->text);
	memset(ts, 0, sizeof(*ts));
}

static int toks_load(struct toks *ts, const char *s, size_t len)
{
	const char *p;
	size_t cap = 16;

	memset(ts, 0, sizeof(*ts));
	ts->text = orm__strndup(s, len);
	ts->v = orm__malloc(cap * sizeof(*ts->v));
	if (!ts->text || !ts->v)
		goto nomem;
	p = ts->text;
	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF)
			break;
		if (t.kind == ORM__TK_SPACE)
			continue;
		if (ts->n == cap) {
			orm__tok *nv;
			cap *= 2;
			nv = orm__realloc(ts->v, cap * sizeof(*nv));
			if (!nv)
				goto nomem;
			ts->v = nv;
		}
		ts->v[ts->n++] = t;
	}
	return 0;
nomem:
	toks_free(ts);
	return ORM_ENOMEM;
}

/* index of the next non-comment token at or after i, or n */
static size_t sig(const struct toks *ts, size_t i)
{
	while (i < ts->n && ts->v[i].kind == ORM__TK_COMMENT)
		i++;
	return i;
}

/* i at "(": index just after the matching ")" */
static size_t skip_parens(const struct toks *ts, size_t i)
{
	int depth = 0;

	for (; i < ts->n; i++) {
		if (ts->v[i].kind != ORM__TK_PUNCT)
			continue;
		if (ts->v[i].p[0] == '(')
			depth++;
		else if (ts->v[i].p[0] == ')' && --depth == 0)
			return i + 1;
	}
	return ts->n;
}

static int is_punct(const orm__tok *t, char ch)
{
	return t->kind == ORM__TK_PUNCT && t->p[0] == ch;
}

/* text from token a to the end of token b-1 (b > a) */
static char *span(const struct toks *ts, size_t a, size_t b)
{
	const char *start, *end;

	if (b <= a)
		return orm__strdup("");
	start = ts->v[a].p;
	end = ts->v[b - 1].p + ts->v[b - 1].len;
	return orm__strndup(start, (size_t)(end - start));
}

/* ================================================================== */
/* CREATE TABLE parser                                                 */
/* ================================================================== */

static void clause_dispose(orm__sq_clause *c)
{
	orm__free(c->name);
	orm__free(c->text);
	orm__free(c->body);
}

static void col_dispose(orm__sq_col *c)
{
	size_t i;

	orm__free(c->name);
	orm__free(c->src);
	orm__free(c->type);
	for (i = 0; i < c->ncl; i++)
		clause_dispose(&c->cl[i]);
	orm__free(c->cl);
	orm__free(c->comment);
	orm__free(c->orig);
}

static void cons_dispose(orm__sq_cons *c)
{
	orm__free(c->name);
	orm__strlist_free(c->cols, c->ncols);
	orm__free(c->ref_table);
	orm__strlist_free(c->ref_cols, c->nref);
	orm__free(c->text);
	orm__free(c->body);
}

void orm__sq_free(orm__sq_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncols; i++)
		col_dispose(&t->cols[i]);
	for (i = 0; i < t->ncons; i++)
		cons_dispose(&t->cons[i]);
	orm__free(t->cols);
	orm__free(t->cons);
	orm__free(t->head_comment);
	orm__free(t->suffix);
	orm__free(t);
}

const orm__sq_clause *orm__sq_clause_of(const orm__sq_col *c, int kind)
{
	size_t i;

	for (i = 0; i < c->ncl; i++)
		if (c->cl[i].kind == kind)
			return &c->cl[i];
	return NULL;
}

/* comment text without delimiters and surrounding blanks */
static char *comment_text(const orm__tok *t)
{
	const char *a = t->p, *b = t->p + t->len;

	if (t->len >= 2 && a[0] == '/' && a[1] == '*') {
		a += 2;
		if (b - a >= 2 && b[-2] == '*' && b[-1] == '/')
			b -= 2;
	} else if (t->len >= 2 && a[0] == '-' && a[1] == '-') {
		a += 2;
	}
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	return orm__strndup(a, (size_t)(b - a));
}

/* "(a, b COLLATE x DESC, ...)" at i: names of the items */
static int parse_name_list(const struct toks *ts, size_t i, char ***out, size_t *n, size_t *end)
{
	size_t close = skip_parens(ts, i), j, cap = 4;
	char **l;
	int expect = 1;

	*out = NULL;
	*n = 0;
	l = orm__calloc(cap, sizeof(*l));
	if (!l)
		return ORM_ENOMEM;
	for (j = i + 1; j + 1 < close; j++) {
		const orm__tok *t = &ts->v[j];
		if (t->kind == ORM__TK_COMMENT)
			continue;
		if (is_punct(t, ',')) {
			expect = 1;
			continue;
		}
		if (is_punct(t, '(')) {
			j = skip_parens(ts, j) - 1;
			continue;
		}
		if (expect && tok_is_ident(t)) {
			if (*n == cap) {
				char **nl = orm__realloc(l, cap * 2 * sizeof(*nl));
				if (!nl)
					goto nomem;
				l = nl;
				cap *= 2;
			}
			if (!(l[*n] = orm__tok_ident(t)))
				goto nomem;
			(*n)++;
		}
		expect = 0;
	}
	*out = l;
	*end = close;
	return 0;
nomem:
	orm__strlist_free(l, *n);
	*n = 0;
	return ORM_ENOMEM;
}

static int parse_table_constraint(orm__sq_cons *c, const struct toks *ts)
{
	size_t i = sig(ts, 0), end;
	int rc;

	memset(c, 0, sizeof(c[0]));
	if (!(c->text = span(ts, 0, ts->n)))
		return ORM_ENOMEM;
	if (orm__tok_is(&ts->v[i], "CONSTRAINT")) {
		i = sig(ts, i + 1);
		if (i >= ts->n)
			return ORM_EPARSE;
		if (!(c->name = orm__tok_ident(&ts->v[i])))
			return ORM_ENOMEM;
		i = sig(ts, i + 1);
	}
	if (i >= ts->n)
		return ORM_EPARSE;
	if (orm__tok_is(&ts->v[i], "PRIMARY") || orm__tok_is(&ts->v[i], "UNIQUE")) {
		c->kind = orm__tok_is(&ts->v[i], "PRIMARY") ? ORM__SQ_PK : ORM__SQ_UNIQUE;
		while (i < ts->n && !is_punct(&ts->v[i], '('))
			i++;
		if (i >= ts->n)
			return ORM_EPARSE;
		return parse_name_list(ts, i, &c->cols, &c->ncols, &end);
	}
	if (orm__tok_is(&ts->v[i], "CHECK")) {
		size_t close;
		c->kind = ORM__SQ_CHECK;
		i = sig(ts, i + 1);
		if (i >= ts->n || !is_punct(&ts->v[i], '('))
			return ORM_EPARSE;
		close = skip_parens(ts, i);
		c->body = span(ts, i + 1, close - 1);
		return c->body ? 0 : ORM_ENOMEM;
	}
	if (orm__tok_is(&ts->v[i], "FOREIGN")) {
		c->kind = ORM__SQ_FOREIGN;
		while (i < ts->n && !is_punct(&ts->v[i], '('))
			i++;
		if (i >= ts->n)
			return ORM_EPARSE;
		if ((rc = parse_name_list(ts, i, &c->cols, &c->ncols, &end)) < 0)
			return rc;
		i = sig(ts, end);
		if (i >= ts->n || !orm__tok_is(&ts->v[i], "REFERENCES"))
			return ORM_EPARSE;
		i = sig(ts, i + 1);
		if (i >= ts->n)
			return ORM_EPARSE;
		if (!(c->ref_table = orm__tok_ident(&ts->v[i])))
			return ORM_ENOMEM;
		i = sig(ts, i + 1);
		if (i < ts->n && is_punct(&ts->v[i], '('))
			return parse_name_list(ts, i, &c->ref_cols, &c->nref, &end);
		return 0;
	}
	return ORM_EPARSE;
}

static int is_col_kw(const orm__tok *t)
{
	static const char *const kw[] = { "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT",
					  "COLLATE", "REFERENCES", "GENERATED", "AS" };
	size_t i;

	if (t->kind != ORM__TK_WORD)
		return 0;
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (orm__tok_is(t, kw[i]))
			return 1;
	return 0;
}

static int push_clause(orm__sq_col *c, int kind, char *name, char *text, char *body)
{
	orm__sq_clause *n = orm__realloc(c->cl, (c->ncl + 1) * sizeof(*n));

	if (!n || !text || !body) {
		if (n)
			c->cl = n;
		orm__free(name);
		orm__free(text);
		orm__free(body);
		return ORM_ENOMEM;
	}
	c->cl = n;
	n[c->ncl].kind = kind;
	n[c->ncl].name = name;
	n[c->ncl].text = text;
	n[c->ncl].body = body;
	c->ncl++;
	return 0;
}

/* the end of one DEFAULT term starting at i */
static size_t default_term_end(const struct toks *ts, size_t i)
{
	i = sig(ts, i);
	if (i >= ts->n)
		return i;
	if (is_punct(&ts->v[i], '('))
		return skip_parens(ts, i);
	if (is_punct(&ts->v[i], '-') || is_punct(&ts->v[i], '+'))
		return sig(ts, i + 1) + 1;
	return i + 1;
}

static int parse_column(orm__sq_col *c, const struct toks *ts)
{
	size_t i = sig(ts, 0), type_start, j;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!(c->orig = span(ts, 0, ts->n)))
		return ORM_ENOMEM;
	if (i >= ts->n || !tok_is_ident(&ts->v[i]))
		return ORM_EPARSE;
	if (!(c->name = orm__tok_ident(&ts->v[i])) || !(c->src = orm__strdup(c->name)))
		return ORM_ENOMEM;
	for (j = 0; j < ts->n; j++)
		if (ts->v[j].kind == ORM__TK_COMMENT) {
			orm__free(c->comment);
			if (!(c->comment = comment_text(&ts->v[j])))
				return ORM_ENOMEM;
		}
	i = sig(ts, i + 1);
	type_start = i;
	while (i < ts->n && !is_col_kw(&ts->v[i])) {
		if (is_punct(&ts->v[i], '('))
			i = skip_parens(ts, i);
		else
			i++;
	}
	{
		/* type text without trailing comments */
		size_t te = i;
		while (te > type_start && ts->v[te - 1].kind == ORM__TK_COMMENT)
			te--;
		if (!(c->type = span(ts, type_start, te)))
			return ORM_ENOMEM;
	}
	while (i < ts->n) {
		size_t start = i, kwi, k, body_start, end;
		char *name = NULL;
		int kind;

		i = sig(ts, i);
		if (i >= ts->n)
			break;
		start = i;
		if (orm__tok_is(&ts->v[i], "CONSTRAINT")) {
			i = sig(ts, i + 1);
			if (i >= ts->n)
				return ORM_EPARSE;
			if (!(name = orm__tok_ident(&ts->v[i])))
				return ORM_ENOMEM;
			i = sig(ts, i + 1);
			if (i >= ts->n) {
				orm__free(name);
				return ORM_EPARSE;
			}
		}
		kwi = i;
		body_start = i + 1;
		if (orm__tok_is(&ts->v[kwi], "PRIMARY"))
			kind = ORM__SQ_PK;
		else if (orm__tok_is(&ts->v[kwi], "NOT"))
			kind = ORM__SQ_NOTNULL;
		else if (orm__tok_is(&ts->v[kwi], "NULL"))
			kind = ORM__SQ_NULL;
		else if (orm__tok_is(&ts->v[kwi], "UNIQUE"))
			kind = ORM__SQ_UNIQUE;
		else if (orm__tok_is(&ts->v[kwi], "CHECK"))
			kind = ORM__SQ_CHECK;
		else if (orm__tok_is(&ts->v[kwi], "DEFAULT"))
			kind = ORM__SQ_DEFAULT;
		else if (orm__tok_is(&ts->v[kwi], "COLLATE"))
			kind = ORM__SQ_COLLATE;
		else if (orm__tok_is(&ts->v[kwi], "REFERENCES"))
			kind = ORM__SQ_REFERENCES;
		else if (orm__tok_is(&ts->v[kwi], "GENERATED") || orm__tok_is(&ts->v[kwi], "AS"))
			kind = ORM__SQ_GENERATED;
		else {
			orm__free(name);
			return ORM_EPARSE;
		}
		/* where the clause ends */
		switch (kind) {
		case ORM__SQ_DEFAULT:
			end = default_term_end(ts, kwi + 1);
			break;
		case ORM__SQ_NOTNULL:
			k = sig(ts, kwi + 1); /* NULL */
			end = k + 1;
			body_start = end;
			goto conflict;
		case ORM__SQ_CHECK:
			k = sig(ts, kwi + 1);
			end = (k < ts->n && is_punct(&ts->v[k], '(')) ? skip_parens(ts, k) : k;
			break;
		case ORM__SQ_GENERATED:
			k = kwi;
			while (k < ts->n && !is_punct(&ts->v[k], '('))
				k++;
			end = skip_parens(ts, k);
			k = sig(ts, end);
			if (k < ts->n && (orm__tok_is(&ts->v[k], "STORED") || orm__tok_is(&ts->v[k], "VIRTUAL")))
				end = k + 1;
			break;
		case ORM__SQ_COLLATE:
			end = sig(ts, kwi + 1) + 1;
			break;
		default:
		conflict:
			/* until the next clause keyword ("NOT DEFERRABLE" stays in REFERENCES) */
			end = kind == ORM__SQ_NOTNULL ? end : kwi + 1;
			while (end < ts->n) {
				const orm__tok *t = &ts->v[end];
				if (is_punct(t, '(')) {
					end = skip_parens(ts, end);
					continue;
				}
				if (is_col_kw(t)) {
					if (orm__tok_is(t, "NOT")) {
						size_t nx = sig(ts, end + 1);
						if (nx < ts->n && orm__tok_is(&ts->v[nx], "DEFERRABLE")) {
							end = nx + 1;
							continue;
						}
					}
					break;
				}
				end++;
			}
			break;
		}
		if (end > ts->n)
			end = ts->n;
		/* trailing comments are not part of the clause */
		{
			size_t ce = end;
			char *text, *body;
			while (ce > start && ts->v[ce - 1].kind == ORM__TK_COMMENT)
				ce--;
			text = span(ts, start, ce);
			if (kind == ORM__SQ_CHECK) {
				size_t k2 = sig(ts, kwi + 1);
				body = (k2 < ce && is_punct(&ts->v[k2], '(')) ? span(ts, k2 + 1, ce - 1) : orm__strdup("");
			} else if (kind == ORM__SQ_COLLATE) {
				size_t k2 = sig(ts, kwi + 1);
				body = k2 < ce ? orm__tok_ident(&ts->v[k2]) : orm__strdup("");
			} else {
				body = span(ts, sig(ts, body_start), ce);
			}
			if ((rc = push_clause(c, kind, name, text, body)) < 0)
				return rc;
		}
		i = end;
	}
	return 0;
}

int orm__sq_parse(orm__sq_table **out, const char *sql)
{
	orm__sq_table *t;
	struct toks all;
	size_t i, open, seg;
	int rc = ORM_EPARSE;
	orm_buf head = ORM_BUF_INIT;

	*out = NULL;
	if ((rc = toks_load(&all, sql, strlen(sql))) < 0)
		return rc;
	t = orm__calloc(1, sizeof(*t));
	if (!t) {
		toks_free(&all);
		return ORM_ENOMEM;
	}
	/* CREATE [TEMP] TABLE [IF NOT EXISTS] [schema.]name */
	for (i = 0; i < all.n; i++) {
		if (all.v[i].kind == ORM__TK_COMMENT)
			continue;
		if (orm__tok_is(&all.v[i], "TABLE"))
			break;
	}
	i = sig(&all, i + 1);
	if (i < all.n && orm__tok_is(&all.v[i], "IF"))
		i = sig(&all, sig(&all, sig(&all, i + 1) + 1) + 1);
	if (i >= all.n || !tok_is_ident(&all.v[i])) {
		rc = ORM_EPARSE;
		goto fail;
	}
	i++;
	if (i < all.n && is_punct(&all.v[i], '.'))
		i += 2;
	for (; i < all.n && !is_punct(&all.v[i], '('); i++) {
		if (all.v[i].kind != ORM__TK_COMMENT) {
			rc = ORM_EUNSUPPORTED; /* CREATE TABLE ... AS SELECT */
			goto fail;
		}
		if (orm_buf_puts(&head, " ") < 0 || orm_buf_put(&head, all.v[i].p, all.v[i].len) < 0) {
			rc = ORM_ENOMEM;
			goto fail;
		}
	}
	if (i >= all.n) {
		rc = ORM_EPARSE;
		goto fail;
	}
	t->head_comment = orm__strdup(head.ptr ? head.ptr : "");
	if (!t->head_comment) {
		rc = ORM_ENOMEM;
		goto fail;
	}
	open = i;
	seg = open + 1;
	{
		int depth = 0;
		for (i = open + 1; i <= all.n; i++) {
			int at_end = i == all.n;
			const orm__tok *tk = at_end ? NULL : &all.v[i];
			if (!at_end && is_punct(tk, '(')) {
				depth++;
				continue;
			}
			if (!at_end && is_punct(tk, ')') && depth > 0) {
				depth--;
				continue;
			}
			if (at_end || (depth == 0 && (is_punct(tk, ',') || is_punct(tk, ')')))) {
				struct toks st;
				const char *a, *b;
				size_t s2 = seg;
				if (at_end) {
					rc = ORM_EPARSE;
					goto fail;
				}
				/* segment tokens seg .. i-1, comments right after a comma included */
				if (s2 >= i) {
					rc = ORM_EPARSE;
					goto fail;
				}
				a = all.v[s2].p;
				b = all.v[i - 1].p + all.v[i - 1].len;
				if ((rc = toks_load(&st, a, (size_t)(b - a))) < 0)
					goto fail;
				{
					size_t f = sig(&st, 0);
					int is_cons = f < st.n &&
						      (orm__tok_is(&st.v[f], "CONSTRAINT") || orm__tok_is(&st.v[f], "PRIMARY") ||
						       orm__tok_is(&st.v[f], "UNIQUE") || orm__tok_is(&st.v[f], "CHECK") ||
						       orm__tok_is(&st.v[f], "FOREIGN"));
					if (is_cons) {
						orm__sq_cons *nc = orm__realloc(t->cons, (t->ncons + 1) * sizeof(*nc));
						if (!nc) {
							toks_free(&st);
							rc = ORM_ENOMEM;
							goto fail;
						}
						t->cons = nc;
						rc = parse_table_constraint(&nc[t->ncons], &st);
						t->ncons++;
					} else {
						orm__sq_col *ncl = orm__realloc(t->cols, (t->ncols + 1) * sizeof(*ncl));
						if (!ncl) {
							toks_free(&st);
							rc = ORM_ENOMEM;
							goto fail;
						}
						t->cols = ncl;
						rc = parse_column(&ncl[t->ncols], &st);
						t->ncols++;
					}
				}
				toks_free(&st);
				if (rc < 0)
					goto fail;
				seg = i + 1;
				if (is_punct(tk, ')')) {
					const char *rest = tk->p + 1;
					t->suffix = orm__strdup(rest);
					if (!t->suffix) {
						rc = ORM_ENOMEM;
						goto fail;
					}
					break;
				}
			}
		}
	}
	if (!t->suffix || t->ncols == 0) {
		rc = ORM_EPARSE;
		goto fail;
	}
	toks_free(&all);
	orm_buf_dispose(&head);
	*out = t;
	return 0;
fail:
	toks_free(&all);
	orm_buf_dispose(&head);
	orm__sq_free(t);
	return rc;
}

int orm__sq_enum_values(const char *check_body, const char *col, char ***vals, size_t *n)
{
	struct toks ts;
	size_t i, cap = 4;
	char **l = NULL;
	int rc;

	*vals = NULL;
	*n = 0;
	if ((rc = toks_load(&ts, check_body, strlen(check_body))) < 0)
		return rc;
	i = sig(&ts, 0);
	if (i + 2 >= ts.n || !tok_ident_eq(&ts.v[i], col) || !orm__tok_is(&ts.v[sig(&ts, i + 1)], "IN"))
		goto none;
	i = sig(&ts, sig(&ts, i + 1) + 1);
	if (i >= ts.n || !is_punct(&ts.v[i], '(') || skip_parens(&ts, i) != ts.n)
		goto none;
	l = orm__calloc(cap, sizeof(*l));
	if (!l) {
		rc = ORM_ENOMEM;
		goto out;
	}
	for (i = i + 1; i + 1 < ts.n; i++) {
		const orm__tok *t = &ts.v[i];
		if (t->kind == ORM__TK_COMMENT || is_punct(t, ','))
			continue;
		if (t->kind != ORM__TK_STRING)
			goto none;
		if (*n == cap) {
			char **nl = orm__realloc(l, cap * 2 * sizeof(*nl));
			if (!nl) {
				rc = ORM_ENOMEM;
				goto out;
			}
			l = nl;
			cap *= 2;
		}
		if (!(l[*n] = orm__tok_ident(t))) {
			rc = ORM_ENOMEM;
			goto out;
		}
		(*n)++;
	}
	*vals = l;
	l = NULL;
	rc = 0;
	goto out;
none:
	rc = 0;
	orm__strlist_free(l, *n);
	l = NULL;
	*n = 0;
out:
	if (l) {
		orm__strlist_free(l, *n);
		*n = 0;
	}
	toks_free(&ts);
	return rc;
}

static int quote_ident_buf(orm_buf *b, const char *s)
{
	const char *p;

	if (orm_buf_puts(b, "\"") < 0)
		return ORM_ENOMEM;
	for (p = s; *p; p++)
		if (orm_buf_put(b, p, 1) < 0 || (*p == '"' && orm_buf_put(b, p, 1) < 0))
			return ORM_ENOMEM;
	return orm_buf_puts(b, "\"") < 0 ? ORM_ENOMEM : 0;
}

/* Replace identifier tokens equal to `from` by the quoted `to`. New string. */
static char *rewrite_ident(const char *sql, const char *from, const char *to, int only_first)
{
	orm_buf b = ORM_BUF_INIT;
	const char *p = sql;
	int done = 0;

	for (;;) {
		orm__tok t = orm__sql_token(&p);
		int r;
		if (t.kind == ORM__TK_EOF)
			break;
		if (!done && tok_ident_eq(&t, from)) {
			r = quote_ident_buf(&b, to);
			if (only_first)
				done = 1;
		} else {
			r = orm_buf_put(&b, t.p, t.len);
		}
		if (r < 0) {
			orm_buf_dispose(&b);
			return NULL;
		}
	}
	if (!b.ptr)
		return orm__strdup("");
	return b.ptr;
}

/* ================================================================== */
/* the live table model                                                */
/* ================================================================== */

struct sq_index {
	char *name;
	char *sql;
	char **cols;            /* NULL entries for expressions */
	size_t ncols;
	int unique;
};

struct sq_trigger {
	char *name;
	char *sql;
};

struct sq_model {
	char *schema;           /* "main" or an attached database */
	char *name;             /* the table name as stored */
	orm__sq_table *t;
	struct sq_index *idx;
	size_t nidx;
	struct sq_trigger *trg;
	size_t ntrg;
	int dirty;              /* a rebuild is pending */
	int has_seq;
	int64_t seq;
};

static void index_dispose(struct sq_index *ix)
{
	orm__free(ix->name);
	orm__free(ix->sql);
	orm__strlist_free(ix->cols, ix->ncols);
}

static void model_dispose(struct sq_model *m)
{
	size_t i;

	orm__free(m->schema);
	orm__free(m->name);
	orm__sq_free(m->t);
	for (i = 0; i < m->nidx; i++)
		index_dispose(&m->idx[i]);
	orm__free(m->idx);
	for (i = 0; i < m->ntrg; i++) {
		orm__free(m->trg[i].name);
		orm__free(m->trg[i].sql);
	}
	orm__free(m->trg);
	memset(m, 0, sizeof(*m));
}

static int nomem(orm__ddl *x)
{
	return orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
}

/* "S". prefix for statements on a schema (nothing for main) */
static int schema_prefix(orm_buf *b, const struct sq_model *m)
{
	if (!m->schema || strcmp(m->schema, "main") == 0)
		return 0;
	if (quote_ident_buf(b, m->schema) < 0 || orm_buf_puts(b, ".") < 0)
		return ORM_ENOMEM;
	return 0;
}

static int qtable(orm_buf *b, const struct sq_model *m, const char *name)
{
	if (schema_prefix(b, m) < 0 || quote_ident_buf(b, name) < 0)
		return ORM_ENOMEM;
	return 0;
}

/* run a query, calling fn for every row */
typedef int (*row_fn)(orm_stmt *st, void *ud);

static int query_rows(orm_conn *conn, const char *sql, const orm_value *params, int n, row_fn fn, void *ud)
{
	orm_stmt *st = NULL;
	int rc;

	if ((rc = orm_prepare_uncached(&st, conn, sql)) < 0)
		return rc;
	if (n && (rc = orm_bind_values(st, params, n, ORM_BIND_STATIC)) < 0)
		goto out;
	while ((rc = orm_stmt_step(st)) == ORM_ROW)
		if ((rc = orm__stmt_row_text(st)) < 0 || (rc = fn(st, ud)) < 0)
			goto out;
	if (rc == ORM_DONE)
		rc = 0;
out:
	orm_stmt_free(st);
	return rc;
}

struct load_ctx {
	struct sq_model *m;
	orm_conn *conn;
	char *sql;
};

static int row_table(orm_stmt *st, void *ud)
{
	struct load_ctx *lc = ud;

	if (lc->sql)
		return 0;
	orm__free(lc->m->name);
	lc->m->name = orm__strdup(orm_column_text(st, 0, NULL));
	lc->sql = orm__strdup(orm_column_is_null(st, 1) ? "" : orm_column_text(st, 1, NULL));
	return lc->m->name && lc->sql ? 0 : ORM_ENOMEM;
}

static int row_index(orm_stmt *st, void *ud)
{
	struct load_ctx *lc = ud;
	struct sq_model *m = lc->m;
	struct sq_index *n = orm__realloc(m->idx, (m->nidx + 1) * sizeof(*n));
	const char *sql;

	if (!n)
		return ORM_ENOMEM;
	m->idx = n;
	memset(&n[m->nidx], 0, sizeof(n[0]));
	n[m->nidx].name = orm__strdup(orm_column_text(st, 0, NULL));
	sql = orm_column_text(st, 1, NULL);
	n[m->nidx].sql = orm__strdup(sql ? sql : "");
	m->nidx++;
	/* orm_column_text() is NULL on a NULL column, or when it ran out of memory */
	if (!n[m->nidx - 1].name || !n[m->nidx - 1].sql || (!sql && !orm_column_is_null(st, 1)))
		return ORM_ENOMEM;
	sql = n[m->nidx - 1].sql;
	{
		const char *p = sql;
		orm__tok tk;
		do
			tk = orm__sql_token(&p);
		while (tk.kind == ORM__TK_SPACE || tk.kind == ORM__TK_COMMENT || orm__tok_is(&tk, "CREATE"));
		n[m->nidx - 1].unique = orm__tok_is(&tk, "UNIQUE");
	}
	return 0;
}

struct idxcols {
	char **cols;
	size_t n;
};

static int row_idxcol(orm_stmt *st, void *ud)
{
	struct idxcols *ic = ud;
	char **n = orm__realloc(ic->cols, (ic->n + 1) * sizeof(*n));

	if (!n)
		return ORM_ENOMEM;
	ic->cols = n;
	n[ic->n] = NULL;
	if (!orm_column_is_null(st, 0) && !(n[ic->n] = orm__strdup(orm_column_text(st, 0, NULL))))
		return ORM_ENOMEM;
	ic->n++;
	return 0;
}

static int row_trigger(orm_stmt *st, void *ud)
{
	struct load_ctx *lc = ud;
	struct sq_model *m = lc->m;
	struct sq_trigger *n = orm__realloc(m->trg, (m->ntrg + 1) * sizeof(*n));

	if (!n)
		return ORM_ENOMEM;
	m->trg = n;
	n[m->ntrg].name = orm__strdup(orm_column_text(st, 0, NULL));
	n[m->ntrg].sql = orm__strdup(orm_column_text(st, 1, NULL));
	m->ntrg++;
	return n[m->ntrg - 1].name && n[m->ntrg - 1].sql ? 0 : ORM_ENOMEM;
}

static int row_seq(orm_stmt *st, void *ud)
{
	struct sq_model *m = ((struct load_ctx *)ud)->m;

	m->has_seq = 1;
	m->seq = orm_column_int(st, 0);
	return 0;
}

static int model_load(struct sq_model *m, orm__ddl *x, const orm_table *t)
{
	orm_conn *conn = x->conn;
	orm_buf q = ORM_BUF_INIT, sp = ORM_BUF_INIT;
	struct load_ctx lc;
	orm_value p[2];
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(&lc, 0, sizeof(lc));
	lc.m = m;
	lc.conn = conn;
	if (!(m->schema = orm__strdup(t->schema ? t->schema : "main")))
		return nomem(x);
	p[0] = orm_text(t->bare);
#define Q(...) (orm_buf_clear(&q), orm_buf_printf(&q, __VA_ARGS__) < 0 ? ORM_ENOMEM : 0)
	{
		if (quote_ident_buf(&sp, m->schema) < 0) {
			orm_buf_dispose(&sp);
			return nomem(x);
		}
		rc = Q("SELECT name, sql FROM %s.sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)", sp.ptr);
		if (rc == 0)
			rc = query_rows(conn, q.ptr, p, 1, row_table, &lc);
		if (rc < 0)
			goto fail_conn;
		if (!lc.sql) {
			rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": no such table", t->name);
			orm_buf_dispose(&sp);
			goto out;
		}
		rc = orm__sq_parse(&m->t, lc.sql);
		if (rc < 0) {
			rc = orm__ddl_fail(x, rc, "alter table \"%s\": cannot parse its CREATE TABLE text (%s)", t->name,
					   rc == ORM_EUNSUPPORTED ? "CREATE TABLE ... AS SELECT" : "unexpected syntax");
			orm_buf_dispose(&sp);
			goto out;
		}
		p[0] = orm_text(m->name);
		if ((rc = Q("SELECT name, sql FROM %s.sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
			    sp.ptr)) == 0)
			rc = query_rows(conn, q.ptr, p, 1, row_index, &lc);
		if (rc == 0 && (rc = Q("SELECT name, sql FROM %s.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY rowid",
				       sp.ptr)) == 0)
			rc = query_rows(conn, q.ptr, p, 1, row_trigger, &lc);
		if (rc == 0 && (rc = Q("SELECT 1 FROM %s.sqlite_schema WHERE name = 'sqlite_sequence'", sp.ptr)) == 0) {
			int64_t one = 0;
			rc = orm_query_int(conn, &one, q.ptr, NULL, 0);
			if (rc == 0 && (rc = Q("SELECT seq FROM %s.sqlite_sequence WHERE name = ?", sp.ptr)) == 0)
				rc = query_rows(conn, q.ptr, p, 1, row_seq, &lc);
			else if (rc == ORM_ENOTFOUND)
				rc = 0;
		}
		orm_buf_dispose(&sp);
		if (rc < 0)
			goto fail_conn;
	}
	for (i = 0; i < m->nidx; i++) {
		struct idxcols ic = { NULL, 0 };
		p[0] = orm_text(m->idx[i].name);
		p[1] = orm_text(m->schema);
		rc = query_rows(conn, "SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno", p, 2, row_idxcol, &ic);
		m->idx[i].cols = ic.cols;
		m->idx[i].ncols = ic.n;
		if (rc < 0)
			goto fail_conn;
	}
#undef Q
	rc = 0;
	goto out;
fail_conn:
	if (rc == ORM_ENOMEM)
		rc = nomem(x);
	else
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": reading the table: %s", t->name, orm_conn_errmsg(conn));
out:
	orm__free(lc.sql);
	orm_buf_dispose(&sp);
	orm_buf_dispose(&q);
	return rc;
}

/* ---- model queries ---- */

static long model_col(const struct sq_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->t->ncols; i++)
		if (strcasecmp(m->t->cols[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int list_has(char *const *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] && strcasecmp(l[i], name) == 0)
			return 1;
	return 0;
}

static int text_mentions(const char *sql, const char *name)
{
	const char *p = sql;

	for (;;) {
		orm__tok t = orm__sql_token(&p);
		if (t.kind == ORM__TK_EOF)
			return 0;
		if (tok_ident_eq(&t, name))
			return 1;
	}
}

static long model_pk_cons(const struct sq_model *m)
{
	size_t i;

	for (i = 0; i < m->t->ncons; i++)
		if (m->t->cons[i].kind == ORM__SQ_PK)
			return (long)i;
	return -1;
}

static long model_pk_col(const struct sq_model *m)
{
	size_t i;

	for (i = 0; i < m->t->ncols; i++)
		if (orm__sq_clause_of(&m->t->cols[i], ORM__SQ_PK))
			return (long)i;
	return -1;
}

static long model_index(const struct sq_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nidx; i++)
		if (strcasecmp(m->idx[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void remove_cons(struct sq_model *m, size_t k)
{
	cons_dispose(&m->t->cons[k]);
	memmove(&m->t->cons[k], &m->t->cons[k + 1], (m->t->ncons - k - 1) * sizeof(m->t->cons[0]));
	m->t->ncons--;
}

static void remove_clause(orm__sq_col *c, size_t k)
{
	clause_dispose(&c->cl[k]);
	memmove(&c->cl[k], &c->cl[k + 1], (c->ncl - k - 1) * sizeof(c->cl[0]));
	c->ncl--;
	c->changed = 1;
}

static void remove_clauses(orm__sq_col *c, int kind)
{
	size_t k = 0;

	while (k < c->ncl) {
		if (c->cl[k].kind == kind)
			remove_clause(c, k);
		else
			k++;
	}
}

static void remove_index(struct sq_model *m, size_t k)
{
	index_dispose(&m->idx[k]);
	memmove(&m->idx[k], &m->idx[k + 1], (m->nidx - k - 1) * sizeof(m->idx[0]));
	m->nidx--;
}

static int add_clause_text(orm__sq_col *c, int kind, const char *text, const char *body)
{
	c->changed = 1;
	return push_clause(c, kind, NULL, orm__strdup(text), orm__strdup(body ? body : ""));
}

/* Is the CHECK clause body an enum list on this column ("c" IN (...))? */
static int is_enum_check(const char *body, const char *col)
{
	char **v = NULL;
	size_t n = 0;
	int rc = orm__sq_enum_values(body, col, &v, &n);

	orm__strlist_free(v, n);
	return rc == 0 && n > 0;
}

/* ---- rendering ---- */

static int render_col(orm_buf *b, const orm__sq_col *c)
{
	size_t i;

	if (!c->changed)
		return orm_buf_puts(b, c->orig) < 0 ? ORM_ENOMEM : 0;
	if (quote_ident_buf(b, c->name) < 0)
		return ORM_ENOMEM;
	if (c->type && *c->type && (orm_buf_puts(b, " ") < 0 || orm_buf_puts(b, c->type) < 0))
		return ORM_ENOMEM;
	for (i = 0; i < c->ncl; i++)
		if (orm_buf_puts(b, " ") < 0 || orm_buf_puts(b, c->cl[i].text) < 0)
			return ORM_ENOMEM;
	if (c->comment && *c->comment) {
		const char *p;
		if (orm_buf_puts(b, " /* ") < 0)
			return ORM_ENOMEM;
		for (p = c->comment; *p; p++) {
			if (p[0] == '*' && p[1] == '/') {
				if (orm_buf_puts(b, "* ") < 0)
					return ORM_ENOMEM;
				continue;
			}
			if (orm_buf_put(b, p, 1) < 0)
				return ORM_ENOMEM;
		}
		if (orm_buf_puts(b, " */") < 0)
			return ORM_ENOMEM;
	}
	return 0;
}

static int render_create(orm_buf *b, const struct sq_model *m, const char *name)
{
	size_t i, k = 0;

	if (orm_buf_puts(b, "CREATE TABLE ") < 0 || qtable(b, m, name) < 0 ||
	    orm_buf_puts(b, m->t->head_comment ? m->t->head_comment : "") < 0 || orm_buf_puts(b, " (") < 0)
		return ORM_ENOMEM;
	for (i = 0; i < m->t->ncols; i++, k++)
		if (orm_buf_puts(b, k ? ",\n  " : "\n  ") < 0 || render_col(b, &m->t->cols[i]) < 0)
			return ORM_ENOMEM;
	for (i = 0; i < m->t->ncons; i++, k++)
		if (orm_buf_puts(b, ",\n  ") < 0 || orm_buf_puts(b, m->t->cons[i].text) < 0)
			return ORM_ENOMEM;
	if (orm_buf_puts(b, "\n)") < 0 || orm_buf_puts(b, m->t->suffix ? m->t->suffix : "") < 0)
		return ORM_ENOMEM;
	return 0;
}

/* CREATE INDEX/TRIGGER text, qualified with the model's schema when not main */
static char *qualify_create(const struct sq_model *m, const char *sql)
{
	orm_buf b = ORM_BUF_INIT;
	const char *p = sql;
	int state = 0; /* 0 before INDEX/TRIGGER, 1 after, 2 done */

	if (!m->schema || strcmp(m->schema, "main") == 0)
		return orm__strdup(sql);
	for (;;) {
		orm__tok t = orm__sql_token(&p);
		int r = 0;
		if (t.kind == ORM__TK_EOF)
			break;
		if (state == 0 && (orm__tok_is(&t, "INDEX") || orm__tok_is(&t, "TRIGGER")))
			state = 1;
		else if (state == 1 && tok_is_ident(&t) && !orm__tok_is(&t, "IF") && !orm__tok_is(&t, "NOT") &&
			 !orm__tok_is(&t, "EXISTS")) {
			state = 2;
			r = schema_prefix(&b, m);
		}
		if (r < 0 || orm_buf_put(&b, t.p, t.len) < 0) {
			orm_buf_dispose(&b);
			return NULL;
		}
	}
	return b.ptr ? b.ptr : orm__strdup("");
}

static int add_sql(orm_sql_list *out, orm__ddl *x, orm_buf *b)
{
	if (orm_sql_list_add(out, b->ptr ? b->ptr : "") < 0)
		return nomem(x);
	orm_buf_clear(b);
	return 0;
}

/* Emit the rebuild of the model's current definition. */
static int flush(orm_sql_list *out, orm__ddl *x, struct sq_model *m)
{
	orm_buf b = ORM_BUF_INIT, cols = ORM_BUF_INIT, srcs = ORM_BUF_INIT;
	char *tmp = NULL;
	size_t i, ncopy = 0;
	int rc = ORM_ENOMEM, autoinc = 0;

	if (!(tmp = orm__sprintf("_orm_new_%s", m->name)))
		goto out;
	if (render_create(&b, m, tmp) < 0 || add_sql(out, x, &b) < 0)
		goto out;
	for (i = 0; i < m->t->ncols; i++) {
		const orm__sq_col *c = &m->t->cols[i];
		const orm__sq_clause *pk = orm__sq_clause_of(c, ORM__SQ_PK);
		if (pk && text_mentions(pk->text, "AUTOINCREMENT"))
			autoinc = 1;
		if (!c->src || orm__sq_clause_of(c, ORM__SQ_GENERATED))
			continue;
		if ((ncopy && (orm_buf_puts(&cols, ", ") < 0 || orm_buf_puts(&srcs, ", ") < 0)) ||
		    quote_ident_buf(&cols, c->name) < 0 || quote_ident_buf(&srcs, c->src) < 0)
			goto out;
		ncopy++;
	}
	if (ncopy == 0) {
		rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "alter table \"%s\": no column of the old table is kept; drop and create the table instead",
				   m->name);
		goto out;
	}
	if (orm_buf_puts(&b, "INSERT INTO ") < 0 || qtable(&b, m, tmp) < 0 || orm_buf_puts(&b, " (") < 0 ||
	    orm_buf_puts(&b, cols.ptr) < 0 || orm_buf_puts(&b, ") SELECT ") < 0 || orm_buf_puts(&b, srcs.ptr) < 0 ||
	    orm_buf_puts(&b, " FROM ") < 0 || qtable(&b, m, m->name) < 0 || add_sql(out, x, &b) < 0)
		goto out;
	if (orm_buf_puts(&b, "DROP TABLE ") < 0 || qtable(&b, m, m->name) < 0 || add_sql(out, x, &b) < 0)
		goto out;
	if (orm_sql_list_add(out, "PRAGMA legacy_alter_table = ON") < 0)
		goto out;
	if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, m, tmp) < 0 || orm_buf_puts(&b, " RENAME TO ") < 0 ||
	    quote_ident_buf(&b, m->name) < 0 || add_sql(out, x, &b) < 0)
		goto out;
	if (orm_sql_list_add(out, "PRAGMA legacy_alter_table = OFF") < 0)
		goto out;
	if (autoinc && m->has_seq) {
		/* keep AUTOINCREMENT from reusing ids of deleted rows */
		if (orm_buf_puts(&b, "UPDATE ") < 0 || schema_prefix(&b, m) < 0 ||
		    orm_buf_printf(&b, "sqlite_sequence SET seq = %lld WHERE name = ", (long long)m->seq) < 0)
			goto out;
		{
			orm__ddl lx;
			orm__ddl_init(&lx, ORM_DIALECT_SQLITE, NULL);
			rc = orm__ddl_string_lit(&b, &lx, m->name);
			orm__ddl_dispose(&lx);
			if (rc < 0)
				goto out;
		}
		if (orm_buf_printf(&b, " AND seq < %lld", (long long)m->seq) < 0 || add_sql(out, x, &b) < 0)
			goto out;
	}
	for (i = 0; i < m->nidx; i++) {
		char *q = qualify_create(m, m->idx[i].sql);
		if (!q || orm_sql_list_add(out, q) < 0) {
			orm__free(q);
			goto out;
		}
		orm__free(q);
	}
	for (i = 0; i < m->ntrg; i++) {
		char *q = qualify_create(m, m->trg[i].sql);
		if (!q || orm_sql_list_add(out, q) < 0) {
			orm__free(q);
			goto out;
		}
		orm__free(q);
	}
	/* the model now describes the rebuilt table */
	for (i = 0; i < m->t->ncols; i++) {
		orm__sq_col *c = &m->t->cols[i];
		char *s = orm__strdup(c->name);
		if (!s)
			goto out;
		orm__free(c->src);
		c->src = s;
	}
	m->dirty = 0;
	rc = 0;
out:
	if (rc == ORM_ENOMEM)
		rc = nomem(x);
	orm__free(tmp);
	orm_buf_dispose(&b);
	orm_buf_dispose(&cols);
	orm_buf_dispose(&srcs);
	return rc;
}

/* ---- applying operations to the model ---- */

/* parse one column definition text into a model column (src NULL) */
static int col_from_text(orm__sq_col *out, const char *def)
{
	orm__sq_table *tt = NULL;
	char *sql = orm__sprintf("CREATE TABLE x (%s)", def);
	int rc;

	if (!sql)
		return ORM_ENOMEM;
	rc = orm__sq_parse(&tt, sql);
	orm__free(sql);
	if (rc < 0)
		return rc;
	if (tt->ncols != 1) {
		orm__sq_free(tt);
		return ORM_EPARSE;
	}
	*out = tt->cols[0];
	tt->ncols = 0;
	orm__sq_free(tt);
	orm__free(out->src);
	out->src = NULL;
	return 0;
}

static int push_col(struct sq_model *m, orm__sq_col *c)
{
	orm__sq_col *n = orm__realloc(m->t->cols, (m->t->ncols + 1) * sizeof(*n));

	if (!n)
		return ORM_ENOMEM;
	m->t->cols = n;
	n[m->t->ncols++] = *c;
	return 0;
}

static int push_cons_text(struct sq_model *m, const char *text)
{
	orm__sq_table *tt = NULL;
	char *sql = orm__sprintf("CREATE TABLE x (a, %s)", text);
	orm__sq_cons *n;
	int rc;

	if (!sql)
		return ORM_ENOMEM;
	rc = orm__sq_parse(&tt, sql);
	orm__free(sql);
	if (rc < 0)
		return rc;
	if (tt->ncons != 1) {
		orm__sq_free(tt);
		return ORM_EPARSE;
	}
	n = orm__realloc(m->t->cons, (m->t->ncons + 1) * sizeof(*n));
	if (!n) {
		orm__sq_free(tt);
		return ORM_ENOMEM;
	}
	m->t->cons = n;
	n[m->t->ncons++] = tt->cons[0];
	tt->ncons = 0;
	orm__sq_free(tt);
	return 0;
}

static int push_index(struct sq_model *m, const char *name, const char *sql, const char *const *cols, size_t n, int unique)
{
	struct sq_index *ni = orm__realloc(m->idx, (m->nidx + 1) * sizeof(*ni));
	struct sq_index *ix;

	if (!ni)
		return ORM_ENOMEM;
	m->idx = ni;
	ix = &ni[m->nidx++];
	memset(ix, 0, sizeof(*ix));
	ix->unique = unique;
	ix->name = orm__strdup(name);
	ix->sql = orm__strdup(sql);
	if (!ix->name || !ix->sql || orm__strlist_dup(&ix->cols, cols, n) < 0)
		return ORM_ENOMEM;
	ix->ncols = n;
	return 0;
}

/* the inline REFERENCES clause of an added column */
static int inline_fk(orm_buf *b, orm__ddl *x, const orm_table *t, const orm_col *c, const char *name)
{
	int rc;
	char *rs = NULL, *rb = NULL;

	if (orm__split_name(c->ref_table, &rs, &rb) < 0)
		return nomem(x);
	if (rs && (!t->schema || strcmp(rs, t->schema) != 0))
		rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "table \"%s\", column \"%s\": SQLite cannot reference a table in another database",
				   t->name, c->name);
	else if (orm_buf_puts(b, " CONSTRAINT ") < 0 || quote_ident_buf(b, name) < 0 || orm_buf_puts(b, " REFERENCES ") < 0 ||
		 quote_ident_buf(b, rb) < 0 || orm_buf_puts(b, " (") < 0 || quote_ident_buf(b, c->ref_col) < 0 ||
		 orm_buf_puts(b, ")") < 0 ||
		 (c->on_delete && orm_buf_printf(b, " ON DELETE %s", orm_fk_action_sql(c->on_delete)) < 0) ||
		 (c->on_update && orm_buf_printf(b, " ON UPDATE %s", orm_fk_action_sql(c->on_update)) < 0))
		rc = nomem(x);
	else
		rc = 0;
	orm__free(rs);
	orm__free(rb);
	return rc;
}

static int check_ref_live(orm__ddl *x, const orm_table *t, const char *ref_table, const char *const *ref_cols, size_t n,
			  const char *col, const struct sq_model *m)
{
	int exists = 0, rc;
	size_t i;
	char *rs = NULL, *rb = NULL;
	char *full;

	if (!x->conn)
		return 0;
	if (orm__split_name(ref_table, &rs, &rb) < 0)
		return nomem(x);
	if (strcasecmp(rb, m->name) == 0) {
		/* self reference: the model is the truth */
		for (i = 0; i < n; i++)
			if (model_col(m, ref_cols[i]) < 0) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": foreign key on \"%s\" references missing column \"%s\".\"%s\"",
						   t->name, col, ref_table, ref_cols[i]);
				goto out;
			}
		rc = 0;
		goto out;
	}
	full = t->schema ? orm__sprintf("%s.%s", t->schema, rb) : orm__strdup(rb);
	if (!full) {
		rc = nomem(x);
		goto out;
	}
	rc = orm_schema_has_table(&exists, x->conn, full);
	if (rc == 0 && !exists)
		rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": foreign key on \"%s\" references missing table \"%s\"",
				   t->name, col, ref_table);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = orm_schema_has_column(&exists, x->conn, full, ref_cols[i]);
		if (rc == 0 && !exists)
			rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": foreign key on \"%s\" references missing column \"%s\".\"%s\"",
					   t->name, col, ref_table, ref_cols[i]);
	}
	if (rc < 0 && !x->code)
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(x->conn));
	orm__free(full);
out:
	orm__free(rs);
	orm__free(rb);
	return rc;
}

static int op_add_column(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, const orm_col *c)
{
	orm_buf def = ORM_BUF_INIT, b = ORM_BUF_INIT;
	orm__sq_col nc;
	char *fkname = NULL, *nm = NULL;
	const char *one[1] = { c->name };
	int rc, native;
	int incr = c->type == ORM_COL_INCREMENTS || c->type == ORM_COL_BIG_INCREMENTS;

	memset(&nc, 0, sizeof(nc));
	if (model_col(m, c->name) >= 0) {
		rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": add column: column \"%s\" already exists", t->name, c->name);
		goto out;
	}
	if ((rc = orm__ddl_column(&def, x, t, c, NULL)) < 0)
		goto out;
	if (c->ref_table) {
		const char *rc1[1] = { c->ref_col };
		if ((rc = check_ref_live(x, t, c->ref_table, rc1, 1, c->name, m)) < 0)
			goto out;
		if (!(fkname = orm__key_name(t->bare, one, 1, "foreign"))) {
			rc = nomem(x);
			goto out;
		}
	}
	/* https://sqlite.org/lang_altertable.html#altertabaddcol */
	native = !m->dirty && !incr && !c->primary && !c->unique && c->def_kind != ORM__DEF_NOW &&
		 c->def_kind != ORM__DEF_RAW &&
		 !(c->not_null && (c->def_kind != ORM__DEF_VALUE || c->def.type == ORM_TYPE_NULL)) &&
		 !(c->ref_table && c->def_kind == ORM__DEF_VALUE && c->def.type != ORM_TYPE_NULL);
	if (c->primary && !incr && (model_pk_cons(m) >= 0 || model_pk_col(m) >= 0)) {
		rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": add column \"%s\": the table already has a primary key", t->name, c->name);
		goto out;
	}
	if (incr && (model_pk_cons(m) >= 0 || model_pk_col(m) >= 0)) {
		rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": add column \"%s\": the table already has a primary key", t->name, c->name);
		goto out;
	}
	if (native && fkname && (rc = inline_fk(&def, x, t, c, fkname)) < 0)
		goto out;
	if ((rc = col_from_text(&nc, def.ptr)) < 0) {
		rc = rc == ORM_ENOMEM ? nomem(x) : orm__ddl_fail(x, rc, "alter table \"%s\": column \"%s\": bad definition", t->name, c->name);
		goto out;
	}
	if ((rc = push_col(m, &nc)) < 0) {
		col_dispose(&nc);
		rc = nomem(x);
		goto out;
	}
	if (native) {
		if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, m, m->name) < 0 || orm_buf_puts(&b, " ADD COLUMN ") < 0 ||
		    orm_buf_puts(&b, def.ptr) < 0) {
			rc = nomem(x);
			goto out;
		}
		if ((rc = add_sql(out, x, &b)) < 0)
			goto out;
	} else {
		m->dirty = 1;
		if (c->primary && !incr) {
			if (!(nm = orm__key_name(t->bare, NULL, 0, "pkey")) ||
			    orm_buf_puts(&b, "CONSTRAINT ") < 0 || quote_ident_buf(&b, nm) < 0 ||
			    orm_buf_puts(&b, " PRIMARY KEY (") < 0 || quote_ident_buf(&b, c->name) < 0 || orm_buf_puts(&b, ")") < 0 ||
			    push_cons_text(m, b.ptr) < 0) {
				rc = nomem(x);
				goto out;
			}
			orm_buf_clear(&b);
		}
		if (fkname) {
			const char *rc1[1] = { c->ref_col };
			if ((rc = orm__ddl_fk_clause(&b, x, fkname, one, 1, c->ref_table, rc1, 1, c->on_delete, c->on_update,
						     t->schema)) < 0)
				goto out;
			if (push_cons_text(m, b.ptr) < 0) {
				rc = nomem(x);
				goto out;
			}
			orm_buf_clear(&b);
		}
	}
	if (c->unique || c->index) {
		int pass;
		for (pass = 0; pass < 2; pass++) {
			orm_sql_list one_sql = ORM_SQL_LIST_INIT;
			int uniq = pass == 0;
			if ((uniq && !c->unique) || (!uniq && !c->index))
				continue;
			orm__free(nm);
			if (!(nm = orm__key_name(t->bare, one, 1, uniq ? "unique" : "index"))) {
				rc = nomem(x);
				goto out;
			}
			if (model_index(m, nm) >= 0) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": index \"%s\" already exists", t->name, nm);
				goto out;
			}
			if ((rc = orm__ddl_index(&one_sql, x, t, nm, one, 1, uniq)) < 0) {
				orm_sql_list_dispose(&one_sql);
				goto out;
			}
			rc = push_index(m, nm, one_sql.items[0], one, 1, uniq);
			if (rc == 0 && !m->dirty)
				rc = orm_sql_list_add(out, one_sql.items[0]);
			orm_sql_list_dispose(&one_sql);
			if (rc < 0) {
				rc = nomem(x);
				goto out;
			}
		}
	}
	rc = 0;
out:
	orm__free(fkname);
	orm__free(nm);
	orm_buf_dispose(&def);
	orm_buf_dispose(&b);
	return rc;
}

static int op_alter_column(orm__ddl *x, struct sq_model *m, const orm_table *t, const orm_col *c)
{
	long k = model_col(m, c->name);
	orm__sq_col *mc;
	orm_buf b = ORM_BUF_INIT;
	int rc = 0;
	size_t i;

	if (k < 0)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": alter column: no column \"%s\"", t->name, c->name);
	mc = &m->t->cols[k];
	m->dirty = 1;
	mc->changed = 1;
	if (c->set & ORM__SET_TYPE) {
		if ((rc = orm__ddl_type(&b, x, t, c)) < 0)
			goto out;
		orm__free(mc->type);
		if (!(mc->type = orm__strdup(b.ptr))) {
			rc = nomem(x);
			goto out;
		}
		orm_buf_clear(&b);
	}
	if ((c->set & (ORM__SET_TYPE | ORM__SET_ENUM))) {
		/* drop an old enum check; add the new one */
		for (i = 0; i < mc->ncl;) {
			if (mc->cl[i].kind == ORM__SQ_CHECK && is_enum_check(mc->cl[i].body, mc->name))
				remove_clause(mc, i);
			else
				i++;
		}
		if (c->type == ORM_COL_ENUM || ((c->set & ORM__SET_ENUM) && !(c->set & ORM__SET_TYPE))) {
			size_t j;
			if (orm_buf_puts(&b, "CHECK (") < 0 || quote_ident_buf(&b, mc->name) < 0 || orm_buf_puts(&b, " IN (") < 0) {
				rc = nomem(x);
				goto out;
			}
			for (j = 0; j < c->nenum; j++) {
				if ((j && orm_buf_puts(&b, ", ") < 0) || orm__ddl_string_lit(&b, x, c->enum_values[j]) < 0) {
					rc = nomem(x);
					goto out;
				}
			}
			if (orm_buf_puts(&b, "))") < 0 || add_clause_text(mc, ORM__SQ_CHECK, b.ptr, "") < 0) {
				rc = nomem(x);
				goto out;
			}
			orm_buf_clear(&b);
		}
	}
	if (c->set & ORM__SET_NULL) {
		remove_clauses(mc, ORM__SQ_NOTNULL);
		remove_clauses(mc, ORM__SQ_NULL);
		if (c->not_null && add_clause_text(mc, ORM__SQ_NOTNULL, "NOT NULL", "") < 0) {
			rc = nomem(x);
			goto out;
		}
	}
	if (c->set & ORM__SET_DEFAULT) {
		remove_clauses(mc, ORM__SQ_DEFAULT);
		if (c->def_kind != ORM__DEF_DROP) {
			if (orm_buf_puts(&b, "DEFAULT ") < 0) {
				rc = nomem(x);
				goto out;
			}
			if ((rc = orm__ddl_default(&b, x, t, c)) < 0)
				goto out;
			if (add_clause_text(mc, ORM__SQ_DEFAULT, b.ptr, b.ptr + 8) < 0) {
				rc = nomem(x);
				goto out;
			}
			orm_buf_clear(&b);
		}
	}
	if (c->set & ORM__SET_COLLATE) {
		remove_clauses(mc, ORM__SQ_COLLATE);
		if (orm_buf_printf(&b, "COLLATE %s", c->collate) < 0 || add_clause_text(mc, ORM__SQ_COLLATE, b.ptr, c->collate) < 0) {
			rc = nomem(x);
			goto out;
		}
		orm_buf_clear(&b);
	}
	if ((c->set & ORM__SET_UNSIGNED) && c->is_unsigned) {
		if (orm_buf_puts(&b, "CHECK (") < 0 || quote_ident_buf(&b, mc->name) < 0 || orm_buf_puts(&b, " >= 0)") < 0 ||
		    add_clause_text(mc, ORM__SQ_CHECK, b.ptr, "") < 0) {
			rc = nomem(x);
			goto out;
		}
		orm_buf_clear(&b);
	}
	if (c->set & ORM__SET_COMMENT) {
		orm__free(mc->comment);
		mc->comment = NULL;
		if (c->comment && *c->comment && !(mc->comment = orm__strdup(c->comment))) {
			rc = nomem(x);
			goto out;
		}
	}
out:
	orm_buf_dispose(&b);
	return rc;
}

static int op_drop_column(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, const char *name)
{
	long k = model_col(m, name);
	const orm__sq_col *mc;
	size_t i;
	int native;
	orm_buf b = ORM_BUF_INIT;

	if (k < 0)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop column: no column \"%s\"", t->name, name);
	mc = &m->t->cols[k];
	if (m->t->ncols == 1)
		return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop column \"%s\": it is the only column; drop the table instead",
				     t->name, name);
	for (i = 0; i < m->ntrg; i++)
		if (text_mentions(m->trg[i].sql, name))
			return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop column \"%s\": trigger \"%s\" uses it; drop or change the trigger first",
					     t->name, name, m->trg[i].name);
	for (i = 0; i < m->nidx; i++)
		if (list_has(m->idx[i].cols, m->idx[i].ncols, name) && m->idx[i].ncols > 1)
			return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop column \"%s\": it is part of index \"%s\"; drop the index first",
					     t->name, name, m->idx[i].name);
	for (i = 0; i < m->t->ncons; i++) {
		const orm__sq_cons *cs = &m->t->cons[i];
		if ((cs->kind == ORM__SQ_CHECK && text_mentions(cs->body, name)) ||
		    (cs->kind != ORM__SQ_CHECK && list_has(cs->cols, cs->ncols, name) && cs->ncols > 1))
			return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop column \"%s\": it is part of constraint %s%s%s; drop the constraint first",
					     t->name, name, cs->name ? "\"" : "", cs->name ? cs->name : cs->text, cs->name ? "\"" : "");
	}
	for (i = 0; i < m->t->ncols; i++) {
		size_t j;
		if ((long)i == k)
			continue;
		for (j = 0; j < m->t->cols[i].ncl; j++) {
			const orm__sq_clause *cl = &m->t->cols[i].cl[j];
			if ((cl->kind == ORM__SQ_CHECK || cl->kind == ORM__SQ_GENERATED) && text_mentions(cl->body, name))
				return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop column \"%s\": column \"%s\" uses it in a %s",
						     t->name, name, m->t->cols[i].name, cl->kind == ORM__SQ_CHECK ? "CHECK" : "generated expression");
		}
	}
	/* https://sqlite.org/lang_altertable.html#altertabdropcol */
	native = !m->dirty && (x->version == 0 || x->version >= 3035000) && !orm__sq_clause_of(mc, ORM__SQ_PK) &&
		 !orm__sq_clause_of(mc, ORM__SQ_UNIQUE) && !orm__sq_clause_of(mc, ORM__SQ_REFERENCES) &&
		 !orm__sq_clause_of(mc, ORM__SQ_CHECK) && !orm__sq_clause_of(mc, ORM__SQ_GENERATED);
	for (i = 0; i < m->nidx && native; i++)
		if (list_has(m->idx[i].cols, m->idx[i].ncols, name) || text_mentions(m->idx[i].sql, name))
			native = 0;
	for (i = 0; i < m->t->ncons && native; i++)
		if (list_has(m->t->cons[i].cols, m->t->cons[i].ncols, name))
			native = 0;
	if (native) {
		if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, m, m->name) < 0 || orm_buf_puts(&b, " DROP COLUMN ") < 0 ||
		    quote_ident_buf(&b, mc->name) < 0 || add_sql(out, x, &b) < 0) {
			orm_buf_dispose(&b);
			return nomem(x);
		}
		orm_buf_dispose(&b);
	} else {
		m->dirty = 1;
		/* single-column indexes and keys of the column go with it */
		for (i = 0; i < m->nidx;) {
			if (list_has(m->idx[i].cols, m->idx[i].ncols, name))
				remove_index(m, i);
			else
				i++;
		}
		for (i = 0; i < m->t->ncons;) {
			if (list_has(m->t->cons[i].cols, m->t->cons[i].ncols, name))
				remove_cons(m, i);
			else
				i++;
		}
	}
	col_dispose(&m->t->cols[k]);
	memmove(&m->t->cols[k], &m->t->cols[k + 1], (m->t->ncols - (size_t)k - 1) * sizeof(m->t->cols[0]));
	m->t->ncols--;
	return 0;
}

/* rename in the model: column, and every mention in keys, indexes, triggers */
static int model_rename_col(orm__ddl *x, struct sq_model *m, long k, const char *to)
{
	orm__sq_col *mc = &m->t->cols[k];
	char *from = orm__strdup(mc->name);
	size_t i, j;
	int rc = 0;

	if (!from)
		return nomem(x);
	orm__free(mc->name);
	if (!(mc->name = orm__strdup(to))) {
		rc = nomem(x);
		goto out;
	}
	mc->changed = 1;
	for (i = 0; i < m->t->ncols; i++) {
		orm__sq_col *c = &m->t->cols[i];
		for (j = 0; j < c->ncl; j++) {
			if (c->cl[j].kind != ORM__SQ_CHECK && c->cl[j].kind != ORM__SQ_GENERATED)
				continue;
			if (text_mentions(c->cl[j].text, from)) {
				char *nt = rewrite_ident(c->cl[j].text, from, to, 0);
				char *nb = rewrite_ident(c->cl[j].body, from, to, 0);
				if (!nt || !nb) {
					orm__free(nt);
					orm__free(nb);
					rc = nomem(x);
					goto out;
				}
				orm__free(c->cl[j].text);
				orm__free(c->cl[j].body);
				c->cl[j].text = nt;
				c->cl[j].body = nb;
				c->changed = 1;
			}
		}
	}
	for (i = 0; i < m->t->ncons; i++) {
		orm__sq_cons *cs = &m->t->cons[i];
		if (text_mentions(cs->text, from)) {
			/* in a FOREIGN KEY, only the local column list: rewrite before REFERENCES */
			char *nt;
			if (cs->kind == ORM__SQ_FOREIGN) {
				const char *refs = strstr(cs->text, "REFERENCES");
				if (!refs)
					refs = strstr(cs->text, "references");
				if (refs) {
					char *head = orm__strndup(cs->text, (size_t)(refs - cs->text));
					char *nh = head ? rewrite_ident(head, from, to, 0) : NULL;
					nt = nh ? orm__sprintf("%s%s", nh, refs) : NULL;
					orm__free(head);
					orm__free(nh);
				} else {
					nt = orm__strdup(cs->text);
				}
			} else {
				nt = rewrite_ident(cs->text, from, to, 0);
			}
			if (!nt) {
				rc = nomem(x);
				goto out;
			}
			orm__free(cs->text);
			cs->text = nt;
		}
		for (j = 0; j < cs->ncols; j++)
			if (strcasecmp(cs->cols[j], from) == 0) {
				char *n2 = orm__strdup(to);
				if (!n2) {
					rc = nomem(x);
					goto out;
				}
				orm__free(cs->cols[j]);
				cs->cols[j] = n2;
			}
	}
	for (i = 0; i < m->nidx; i++) {
		struct sq_index *ix = &m->idx[i];
		if (list_has(ix->cols, ix->ncols, from) || text_mentions(ix->sql, from)) {
			/* the index and table names are not the column: rewrite after ON name ( */
			const char *paren = strchr(ix->sql, '(');
			if (paren) {
				char *tail = rewrite_ident(paren, from, to, 0);
				char *ns = tail ? orm__sprintf("%.*s%s", (int)(paren - ix->sql), ix->sql, tail) : NULL;
				orm__free(tail);
				if (!ns) {
					rc = nomem(x);
					goto out;
				}
				orm__free(ix->sql);
				ix->sql = ns;
			}
			for (j = 0; j < ix->ncols; j++)
				if (ix->cols[j] && strcasecmp(ix->cols[j], from) == 0) {
					char *n2 = orm__strdup(to);
					if (!n2) {
						rc = nomem(x);
						goto out;
					}
					orm__free(ix->cols[j]);
					ix->cols[j] = n2;
				}
		}
	}
	for (i = 0; i < m->ntrg; i++) {
		/* approximation for the dry run: SQLite itself rewrites triggers precisely when run */
		if (text_mentions(m->trg[i].sql, from)) {
			char *ns = rewrite_ident(m->trg[i].sql, from, to, 0);
			if (!ns) {
				rc = nomem(x);
				goto out;
			}
			orm__free(m->trg[i].sql);
			m->trg[i].sql = ns;
		}
	}
out:
	orm__free(from);
	return rc;
}

static int op_rename_column(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t,
			    const char *from, const char *to)
{
	long k = model_col(m, from);
	orm_buf b = ORM_BUF_INIT;

	if (k < 0)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": rename column: no column \"%s\"", t->name, from);
	if (model_col(m, to) >= 0 && strcasecmp(from, to) != 0)
		return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": rename column \"%s\": column \"%s\" already exists", t->name, from, to);
	if (!m->dirty && (x->version == 0 || x->version >= 3025000)) {
		if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, m, m->name) < 0 || orm_buf_puts(&b, " RENAME COLUMN ") < 0 ||
		    quote_ident_buf(&b, m->t->cols[k].name) < 0 || orm_buf_puts(&b, " TO ") < 0 || quote_ident_buf(&b, to) < 0 ||
		    add_sql(out, x, &b) < 0) {
			orm_buf_dispose(&b);
			return nomem(x);
		}
		orm_buf_dispose(&b);
	} else {
		m->dirty = 1;
	}
	return model_rename_col(x, m, k, to);
}

static int op_add_key(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, const struct orm__op *op)
{
	size_t i;
	char *nm = NULL;
	orm_buf b = ORM_BUF_INIT;
	int rc = 0;
	const char *suffix = op->kind == ORM__OP_ADD_PRIMARY ? "pkey" : op->kind == ORM__OP_ADD_UNIQUE ? "unique" :
			     op->kind == ORM__OP_ADD_INDEX ? "index" : "foreign";

	for (i = 0; i < op->ncols; i++)
		if (model_col(m, op->cols[i]) < 0)
			return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": add %s: no column \"%s\"", t->name, suffix, op->cols[i]);
	if (op->name)
		nm = orm__strdup(op->name);
	else if (op->kind == ORM__OP_ADD_PRIMARY)
		nm = orm__key_name(t->bare, NULL, 0, "pkey");
	else
		nm = orm__key_name(t->bare, (const char *const *)op->cols, op->ncols, suffix);
	if (!nm)
		return nomem(x);
	switch (op->kind) {
	case ORM__OP_ADD_PRIMARY:
		if (model_pk_cons(m) >= 0 || model_pk_col(m) >= 0) {
			rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": add primary key: the table already has one; drop it first", t->name);
			break;
		}
		m->dirty = 1;
		if (orm_buf_puts(&b, "CONSTRAINT ") < 0 || quote_ident_buf(&b, nm) < 0 || orm_buf_puts(&b, " PRIMARY KEY (") < 0) {
			rc = nomem(x);
			break;
		}
		for (i = 0; i < op->ncols; i++)
			if ((i && orm_buf_puts(&b, ", ") < 0) || quote_ident_buf(&b, op->cols[i]) < 0) {
				rc = nomem(x);
				break;
			}
		if (rc == 0 && (orm_buf_puts(&b, ")") < 0 || push_cons_text(m, b.ptr) < 0))
			rc = nomem(x);
		/* primary key columns are NOT NULL in every dialect: say so in SQLite too */
		for (i = 0; rc == 0 && i < op->ncols; i++) {
			orm__sq_col *mc = &m->t->cols[model_col(m, op->cols[i])];
			if (!orm__sq_clause_of(mc, ORM__SQ_NOTNULL)) {
				remove_clauses(mc, ORM__SQ_NULL);
				if (add_clause_text(mc, ORM__SQ_NOTNULL, "NOT NULL", "") < 0)
					rc = nomem(x);
			}
		}
		break;
	case ORM__OP_ADD_UNIQUE:
	case ORM__OP_ADD_INDEX: {
		orm_sql_list one = ORM_SQL_LIST_INIT;
		if (model_index(m, nm) >= 0) {
			rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": index \"%s\" already exists", t->name, nm);
			break;
		}
		if ((rc = orm__ddl_index(&one, x, t, nm, (const char *const *)op->cols, op->ncols, op->kind == ORM__OP_ADD_UNIQUE)) == 0) {
			if (push_index(m, nm, one.items[0], (const char *const *)op->cols, op->ncols, op->kind == ORM__OP_ADD_UNIQUE) < 0 ||
			    (!m->dirty && orm_sql_list_add(out, one.items[0]) < 0))
				rc = nomem(x);
		}
		orm_sql_list_dispose(&one);
		break;
	}
	case ORM__OP_ADD_FOREIGN:
		if ((rc = check_ref_live(x, t, op->ref_table, (const char *const *)op->ref_cols, op->nref, op->cols[0], m)) < 0)
			break;
		for (i = 0; i < m->t->ncons; i++)
			if (m->t->cons[i].name && strcasecmp(m->t->cons[i].name, nm) == 0) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": constraint \"%s\" already exists", t->name, nm);
				break;
			}
		if (rc < 0)
			break;
		m->dirty = 1;
		if ((rc = orm__ddl_fk_clause(&b, x, nm, (const char *const *)op->cols, op->ncols, op->ref_table,
					     (const char *const *)op->ref_cols, op->nref, op->on_delete, op->on_update, t->schema)) == 0 &&
		    push_cons_text(m, b.ptr) < 0)
			rc = nomem(x);
		break;
	}
	orm__free(nm);
	orm_buf_dispose(&b);
	return rc;
}

static int cols_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (!a[i] || !b[i] || strcasecmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int op_drop_key(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, const struct orm__op *op)
{
	char *nm = NULL;
	orm_buf b = ORM_BUF_INIT;
	long k;
	size_t i, j;
	int rc = 0;

	switch (op->kind) {
	case ORM__OP_DROP_INDEX:
	case ORM__OP_DROP_UNIQUE:
		nm = op->name ? orm__strdup(op->name)
			      : orm__key_name(t->bare, (const char *const *)op->cols, op->ncols,
					      op->kind == ORM__OP_DROP_INDEX ? "index" : "unique");
		if (!nm)
			return nomem(x);
		k = model_index(m, nm);
		if (k < 0 && !op->name && op->ncols) {
			/* by columns: any index on exactly these columns */
			for (i = 0; i < m->nidx; i++)
				if (cols_equal(m->idx[i].cols, m->idx[i].ncols, op->cols, op->ncols) &&
				    (op->kind == ORM__OP_DROP_INDEX || m->idx[i].unique)) {
					k = (long)i;
					break;
				}
		}
		if (k >= 0) {
			if (op->kind == ORM__OP_DROP_UNIQUE && !m->idx[k].unique) {
				rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": drop unique: \"%s\" is not a unique index", t->name, nm);
				break;
			}
			if (!m->dirty) {
				if (orm_buf_puts(&b, "DROP INDEX ") < 0 || schema_prefix(&b, m) < 0 ||
				    quote_ident_buf(&b, m->idx[k].name) < 0 || add_sql(out, x, &b) < 0) {
					rc = nomem(x);
					break;
				}
			}
			remove_index(m, (size_t)k);
			break;
		}
		if (op->kind == ORM__OP_DROP_INDEX) {
			rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop index: no index \"%s\"", t->name, nm);
			break;
		}
		/* a UNIQUE constraint in the table text: rebuild without it */
		for (i = 0; i < m->t->ncons; i++) {
			orm__sq_cons *cs = &m->t->cons[i];
			if (cs->kind != ORM__SQ_UNIQUE)
				continue;
			if ((cs->name && strcasecmp(cs->name, nm) == 0) || (op->ncols && cols_equal(cs->cols, cs->ncols, op->cols, op->ncols))) {
				remove_cons(m, i);
				m->dirty = 1;
				goto done;
			}
		}
		for (i = 0; i < m->t->ncols; i++) {
			orm__sq_col *mc = &m->t->cols[i];
			const char *one[1] = { mc->name };
			char *derived = orm__key_name(t->bare, one, 1, "unique");
			int match;
			if (!derived) {
				rc = nomem(x);
				goto done;
			}
			for (j = 0; j < mc->ncl; j++) {
				if (mc->cl[j].kind != ORM__SQ_UNIQUE)
					continue;
				match = (mc->cl[j].name && strcasecmp(mc->cl[j].name, nm) == 0) || strcmp(derived, nm) == 0 ||
					(op->ncols == 1 && strcasecmp(op->cols[0], mc->name) == 0);
				if (match) {
					orm__free(derived);
					remove_clause(mc, j);
					m->dirty = 1;
					goto done;
				}
			}
			orm__free(derived);
		}
		rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop unique: no unique key \"%s\"", t->name, nm);
		break;
	case ORM__OP_DROP_PRIMARY:
		k = model_pk_cons(m);
		if (k >= 0) {
			remove_cons(m, (size_t)k);
			m->dirty = 1;
			break;
		}
		k = model_pk_col(m);
		if (k >= 0) {
			remove_clauses(&m->t->cols[k], ORM__SQ_PK);
			m->dirty = 1;
			break;
		}
		rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop primary: the table has no primary key", t->name);
		break;
	case ORM__OP_DROP_FOREIGN:
		for (i = 0; i < m->t->ncons; i++) {
			orm__sq_cons *cs = &m->t->cons[i];
			if (cs->kind != ORM__SQ_FOREIGN)
				continue;
			if ((op->name && cs->name && strcasecmp(cs->name, op->name) == 0) ||
			    (!op->name && cols_equal(cs->cols, cs->ncols, op->cols, op->ncols))) {
				remove_cons(m, i);
				m->dirty = 1;
				goto done;
			}
		}
		for (i = 0; i < m->t->ncols; i++) {
			orm__sq_col *mc = &m->t->cols[i];
			for (j = 0; j < mc->ncl; j++) {
				if (mc->cl[j].kind != ORM__SQ_REFERENCES)
					continue;
				if ((op->name && mc->cl[j].name && strcasecmp(mc->cl[j].name, op->name) == 0) ||
				    (!op->name && op->ncols == 1 && strcasecmp(op->cols[0], mc->name) == 0)) {
					remove_clause(mc, j);
					m->dirty = 1;
					goto done;
				}
			}
		}
		rc = orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": drop foreign: no foreign key %s%s%s", t->name,
				   op->name ? "\"" : "on \"", op->name ? op->name : op->cols[0], "\"");
		break;
	}
done:
	orm__free(nm);
	orm_buf_dispose(&b);
	return rc;
}

static int op_rename_index(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, const char *from, const char *to)
{
	long k = model_index(m, from);
	orm_buf b = ORM_BUF_INIT;
	char *ns, *nn;
	const char *p;
	int state = 0;

	if (k < 0)
		return orm__ddl_fail(x, ORM_ENOTFOUND, "alter table \"%s\": rename index: no index \"%s\" (SQLite cannot rename the implicit index of a UNIQUE constraint)",
				     t->name, from);
	if (model_index(m, to) >= 0)
		return orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": rename index: \"%s\" already exists", t->name, to);
	/* replace the name token after INDEX [IF NOT EXISTS] */
	p = m->idx[k].sql;
	for (;;) {
		orm__tok tk = orm__sql_token(&p);
		int r;
		if (tk.kind == ORM__TK_EOF)
			break;
		if (state == 0 && orm__tok_is(&tk, "INDEX"))
			state = 1;
		if (state == 1 && tok_is_ident(&tk) && !orm__tok_is(&tk, "INDEX") && !orm__tok_is(&tk, "IF") &&
		    !orm__tok_is(&tk, "NOT") && !orm__tok_is(&tk, "EXISTS")) {
			state = 2;
			r = quote_ident_buf(&b, to);
		} else {
			r = orm_buf_put(&b, tk.p, tk.len) < 0 ? ORM_ENOMEM : 0;
		}
		if (r < 0) {
			orm_buf_dispose(&b);
			return nomem(x);
		}
	}
	ns = b.ptr;
	nn = orm__strdup(to);
	if (!ns || !nn) {
		orm__free(ns);
		orm__free(nn);
		return nomem(x);
	}
	if (!m->dirty) {
		orm_buf d = ORM_BUF_INIT;
		char *q = qualify_create(m, ns);
		if (!q || orm_buf_puts(&d, "DROP INDEX ") < 0 || schema_prefix(&d, m) < 0 || quote_ident_buf(&d, m->idx[k].name) < 0 ||
		    add_sql(out, x, &d) < 0 || orm_sql_list_add(out, q) < 0) {
			orm__free(q);
			orm_buf_dispose(&d);
			orm__free(ns);
			orm__free(nn);
			return nomem(x);
		}
		orm__free(q);
		orm_buf_dispose(&d);
	}
	orm__free(m->idx[k].sql);
	orm__free(m->idx[k].name);
	m->idx[k].sql = ns;
	m->idx[k].name = nn;
	return 0;
}

static int op_comment(orm__ddl *x, struct sq_model *m, const orm_table *t)
{
	orm_buf b = ORM_BUF_INIT;
	const char *p;

	if (t->comment && *t->comment) {
		if (orm_buf_puts(&b, " /* ") < 0)
			goto nomem;
		for (p = t->comment; *p; p++) {
			if (p[0] == '*' && p[1] == '/') {
				if (orm_buf_puts(&b, "* ") < 0)
					goto nomem;
				continue;
			}
			if (orm_buf_put(&b, p, 1) < 0)
				goto nomem;
		}
		if (orm_buf_puts(&b, " */") < 0)
			goto nomem;
	} else if (orm_buf_puts(&b, "") < 0) {
		goto nomem;
	}
	orm__free(m->t->head_comment);
	m->t->head_comment = b.ptr ? b.ptr : orm__strdup("");
	if (!m->t->head_comment)
		return nomem(x);
	m->dirty = 1;
	return 0;
nomem:
	orm_buf_dispose(&b);
	return nomem(x);
}

/*
 * Plan ops[from..] on the model. Stops after flushing a pending rebuild
 * when a column rename follows it (SQLite renames natively and rewrites
 * triggers and views exactly; the caller then reloads the model when it
 * runs the plan). *next: the op to continue with; *rebuilt set when a
 * rebuild was emitted.
 */
static int plan(orm_sql_list *out, orm__ddl *x, struct sq_model *m, const orm_table *t, size_t from, size_t *next,
		int *rebuilt)
{
	size_t i;
	int rc = 0;

	for (i = from; i < t->nops; i++) {
		const struct orm__op *op = &t->ops[i];
		if (op->kind == ORM__OP_RENAME_COLUMN && m->dirty && (x->version == 0 || x->version >= 3025000)) {
			if ((rc = flush(out, x, m)) < 0)
				return rc;
			*rebuilt = 1;
			*next = i;
			return 0;
		}
		switch (op->kind) {
		case ORM__OP_ADD_COLUMN:
			rc = op_add_column(out, x, m, t, op->col);
			break;
		case ORM__OP_ALTER_COLUMN:
			rc = op_alter_column(x, m, t, op->col);
			break;
		case ORM__OP_DROP_COLUMN:
			rc = op_drop_column(out, x, m, t, op->name);
			break;
		case ORM__OP_RENAME_COLUMN: {
			int was_dirty = m->dirty;
			rc = op_rename_column(out, x, m, t, op->name, op->name2);
			if (rc == 0 && !was_dirty && !m->dirty && i + 1 < t->nops) {
				/* renamed natively: SQLite rewrote indexes, triggers and views
				 * exactly; a caller that runs the plan reloads the table here */
				*next = i + 1;
				return 0;
			}
			break;
		}
		case ORM__OP_ADD_PRIMARY:
		case ORM__OP_ADD_UNIQUE:
		case ORM__OP_ADD_INDEX:
		case ORM__OP_ADD_FOREIGN:
			rc = op_add_key(out, x, m, t, op);
			break;
		case ORM__OP_DROP_INDEX:
		case ORM__OP_DROP_UNIQUE:
		case ORM__OP_DROP_PRIMARY:
		case ORM__OP_DROP_FOREIGN:
			rc = op_drop_key(out, x, m, t, op);
			break;
		case ORM__OP_RENAME_INDEX:
			rc = op_rename_index(out, x, m, t, op->name, op->name2);
			break;
		case ORM__OP_COMMENT:
			rc = op_comment(x, m, t);
			break;
		default:
			rc = orm__ddl_fail(x, ORM_EINVAL, "alter table \"%s\": unknown operation", t->name);
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (m->dirty) {
		if ((rc = flush(out, x, m)) < 0)
			return rc;
		*rebuilt = 1;
	}
	*next = t->nops;
	return 0;
}

/* ---- offline SQLite alter: only what needs no live table ---- */

static int pure_alter(orm_sql_list *out, orm__ddl *x, const orm_table *t)
{
	size_t i;
	orm_buf b = ORM_BUF_INIT;
	int rc = 0;
	struct sq_model m;

	memset(&m, 0, sizeof(m));
	m.schema = t->schema;
	for (i = 0; i < t->nops && rc == 0; i++) {
		const struct orm__op *op = &t->ops[i];
		char *nm = NULL;
		orm_buf_clear(&b);
		switch (op->kind) {
		case ORM__OP_ADD_COLUMN: {
			const orm_col *c = op->col;
			if (c->primary || c->unique || c->ref_table || c->def_kind == ORM__DEF_NOW || c->def_kind == ORM__DEF_RAW ||
			    (c->not_null && c->def_kind != ORM__DEF_VALUE)) {
				rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "alter table \"%s\": adding column \"%s\" needs a table rebuild, planned from the live table (use a connection)",
						   t->name, c->name);
				break;
			}
			if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, &m, t->bare) < 0 || orm_buf_puts(&b, " ADD COLUMN ") < 0) {
				rc = nomem(x);
				break;
			}
			if ((rc = orm__ddl_column(&b, x, t, c, NULL)) == 0)
				rc = add_sql(out, x, &b);
			if (rc == 0 && c->index) {
				const char *one[1] = { c->name };
				if (!(nm = orm__key_name(t->bare, one, 1, "index")))
					rc = nomem(x);
				else
					rc = orm__ddl_index(out, x, t, nm, one, 1, 0);
			}
			break;
		}
		case ORM__OP_RENAME_COLUMN:
			if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, &m, t->bare) < 0 || orm_buf_puts(&b, " RENAME COLUMN ") < 0 ||
			    quote_ident_buf(&b, op->name) < 0 || orm_buf_puts(&b, " TO ") < 0 || quote_ident_buf(&b, op->name2) < 0)
				rc = nomem(x);
			else
				rc = add_sql(out, x, &b);
			break;
		case ORM__OP_DROP_COLUMN:
			if (orm_buf_puts(&b, "ALTER TABLE ") < 0 || qtable(&b, &m, t->bare) < 0 || orm_buf_puts(&b, " DROP COLUMN ") < 0 ||
			    quote_ident_buf(&b, op->name) < 0)
				rc = nomem(x);
			else
				rc = add_sql(out, x, &b);
			break;
		case ORM__OP_ADD_UNIQUE:
		case ORM__OP_ADD_INDEX:
			if (!(nm = op->name ? orm__strdup(op->name)
					    : orm__key_name(t->bare, (const char *const *)op->cols, op->ncols,
							    op->kind == ORM__OP_ADD_UNIQUE ? "unique" : "index")))
				rc = nomem(x);
			else
				rc = orm__ddl_index(out, x, t, nm, (const char *const *)op->cols, op->ncols, op->kind == ORM__OP_ADD_UNIQUE);
			break;
		case ORM__OP_DROP_INDEX:
			if (!(nm = op->name ? orm__strdup(op->name) : orm__key_name(t->bare, (const char *const *)op->cols, op->ncols, "index")))
				rc = nomem(x);
			else if (orm_buf_puts(&b, "DROP INDEX ") < 0 || schema_prefix(&b, &m) < 0 || quote_ident_buf(&b, nm) < 0)
				rc = nomem(x);
			else
				rc = add_sql(out, x, &b);
			break;
		default:
			rc = orm__ddl_fail(x, ORM_EUNSUPPORTED, "alter table \"%s\": on SQLite this change needs a table rebuild, planned from the live table (use a connection)",
					   t->name);
			break;
		}
		orm__free(nm);
	}
	orm_buf_dispose(&b);
	return rc;
}

/* ---- entry points ---- */

static int pragma_int(orm_conn *conn, const char *sql, int64_t *out)
{
	int rc = orm_query_int(conn, out, sql, NULL, 0);

	if (rc == ORM_ENOTFOUND) {
		*out = 0;
		return 0;
	}
	return rc;
}

/* the whole plan from a model: phases joined */
static int plan_all(orm_sql_list *body, orm__ddl *x, const orm_table *t, int *rebuilt)
{
	struct sq_model m;
	size_t next = 0;
	int rc;

	*rebuilt = 0;
	if ((rc = model_load(&m, x, t)) < 0) {
		model_dispose(&m);
		return rc;
	}
	while (next < t->nops || next == 0) {
		size_t from = next;
		if ((rc = plan(body, x, &m, t, from, &next, rebuilt)) < 0)
			break;
		if (next >= t->nops)
			break;
	}
	model_dispose(&m);
	return rc;
}

int orm__sqlite_alter_plan(orm_sql_list *out, orm__ddl *x, const orm_table *t, int *rebuild)
{
	orm_sql_list body = ORM_SQL_LIST_INIT;
	int64_t fk_on = 0;
	int rc, in_tx;
	size_t i;

	*rebuild = 0;
	if (t->err)
		return orm__ddl_fail(x, t->err, "%s", orm_table_errmsg(t));
	if (!x->conn)
		return pure_alter(out, x, t);
	if ((rc = plan_all(&body, x, t, rebuild)) < 0)
		goto out;
	in_tx = orm_tx_depth(x->conn) > 0;
	if (*rebuild && (rc = pragma_int(x->conn, "PRAGMA foreign_keys", &fk_on)) < 0) {
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(x->conn));
		goto out;
	}
	if (*rebuild && fk_on && in_tx) {
		rc = orm__ddl_fail(x, ORM_EMISUSE,
				   "alter table \"%s\": this change rebuilds the SQLite table, which needs foreign keys off, and that cannot be switched inside a transaction "
				   "(dropping the old table would run ON DELETE CASCADE on child rows); call orm_schema_foreign_keys_off() before BEGIN",
				   t->name);
		goto out;
	}
	if ((*rebuild && fk_on && orm_sql_list_add(out, "PRAGMA foreign_keys = OFF") < 0) ||
	    orm_sql_list_add(out, in_tx ? "SAVEPOINT orm_alter" : "BEGIN") < 0) {
		rc = nomem(x);
		goto out;
	}
	for (i = 0; i < body.count; i++)
		if (orm_sql_list_add(out, body.items[i]) < 0) {
			rc = nomem(x);
			goto out;
		}
	if ((*rebuild && orm_sql_list_add(out, "PRAGMA foreign_key_check") < 0) ||
	    orm_sql_list_add(out, in_tx ? "RELEASE orm_alter" : "COMMIT") < 0 ||
	    (*rebuild && fk_on && orm_sql_list_add(out, "PRAGMA foreign_keys = ON") < 0)) {
		rc = nomem(x);
		goto out;
	}
	rc = 0;
out:
	orm_sql_list_dispose(&body);
	return rc;
}

struct viewlist {
	char **names;
	size_t n;
};

static int row_view(orm_stmt *st, void *ud)
{
	struct viewlist *vl = ud;
	char **n = orm__realloc(vl->names, (vl->n + 1) * sizeof(*n));

	if (!n)
		return ORM_ENOMEM;
	vl->names = n;
	if (!(n[vl->n] = orm__strdup(orm_column_text(st, 0, NULL))))
		return ORM_ENOMEM;
	vl->n++;
	return 0;
}

/* every view of the schema still compiles */
static int check_views(orm__ddl *x, orm_conn *conn, const char *schema, const orm_table *t)
{
	struct viewlist vl = { NULL, 0 };
	orm_buf q = ORM_BUF_INIT;
	size_t i;
	int rc;

	if (quote_ident_buf(&q, schema) < 0 || orm_buf_puts(&q, ".sqlite_schema") < 0) {
		rc = nomem(x);
		goto out;
	}
	{
		char *sql = orm__sprintf("SELECT name FROM %s WHERE type = 'view' ORDER BY name", q.ptr);
		if (!sql) {
			rc = nomem(x);
			goto out;
		}
		rc = query_rows(conn, sql, NULL, 0, row_view, &vl);
		orm__free(sql);
		if (rc < 0) {
			rc = orm__ddl_fail(x, rc, "alter table \"%s\": listing views: %s", t->name, orm_conn_errmsg(conn));
			goto out;
		}
	}
	for (i = 0; i < vl.n; i++) {
		orm_stmt *st = NULL;
		orm_buf_clear(&q);
		if (orm_buf_puts(&q, "SELECT * FROM ") < 0 || quote_ident_buf(&q, schema) < 0 || orm_buf_puts(&q, ".") < 0 ||
		    quote_ident_buf(&q, vl.names[i]) < 0 || orm_buf_puts(&q, " LIMIT 0") < 0) {
			rc = nomem(x);
			goto out;
		}
		rc = orm_prepare_uncached(&st, conn, q.ptr);
		orm_stmt_free(st);
		if (rc < 0) {
			rc = orm__ddl_fail(x, ORM_ECONSTRAINT, "alter table \"%s\": view \"%s\" would no longer work: %s; change or drop the view first",
					   t->name, vl.names[i], orm_conn_errmsg(conn));
			goto out;
		}
	}
	rc = 0;
out:
	orm__strlist_free(vl.names, vl.n);
	orm_buf_dispose(&q);
	return rc;
}

struct fkrow {
	char *msg;
};

static int row_fk(orm_stmt *st, void *ud)
{
	struct fkrow *fr = ud;

	if (fr->msg)
		return 0;
	fr->msg = orm__sprintf("table \"%s\" row %s references missing row in \"%s\" (foreign key %s)",
			       orm_column_text(st, 0, NULL),
			       orm_column_is_null(st, 1) ? "(no rowid)" : orm_column_text(st, 1, NULL),
			       orm_column_text(st, 2, NULL), orm_column_text(st, 3, NULL));
	return fr->msg ? 0 : ORM_ENOMEM;
}

int orm__sqlite_fk_check(orm_conn *conn, const char *schema, const char *table, char **msg)
{
	orm_buf q = ORM_BUF_INIT;
	struct fkrow fr = { NULL };
	int rc;

	*msg = NULL;
	if (orm_buf_puts(&q, "PRAGMA ") < 0 || quote_ident_buf(&q, schema ? schema : "main") < 0 ||
	    orm_buf_puts(&q, ".foreign_key_check") < 0)
		goto nomem;
	if (table && (orm_buf_puts(&q, "(") < 0 || quote_ident_buf(&q, table) < 0 || orm_buf_puts(&q, ")") < 0))
		goto nomem;
	rc = query_rows(conn, q.ptr, NULL, 0, row_fk, &fr);
	orm_buf_dispose(&q);
	if (rc < 0) {
		orm__free(fr.msg);
		return rc;
	}
	*msg = fr.msg;
	return 0;
nomem:
	orm_buf_dispose(&q);
	return ORM_ENOMEM;
}

int orm__sqlite_alter_run(orm_conn *conn, orm__ddl *x, const orm_table *t)
{
	orm_sql_list body = ORM_SQL_LIST_INIT;
	int64_t fk_on = 0, legacy = 0;
	int rc, in_tx, rebuild = 0, began = 0, fk_off = 0;
	size_t next = 0, i;
	struct sq_model m;

	memset(&m, 0, sizeof(m));
	if (t->err)
		return orm__ddl_fail(x, t->err, "%s", orm_table_errmsg(t));
	/* plan everything first: every error that can be seen before running is */
	if ((rc = plan_all(&body, x, t, &rebuild)) < 0)
		goto out;
	orm_sql_list_dispose(&body);
	in_tx = orm_tx_depth(conn) > 0;
	if ((rc = pragma_int(conn, "PRAGMA foreign_keys", &fk_on)) < 0 ||
	    (rc = pragma_int(conn, "PRAGMA legacy_alter_table", &legacy)) < 0) {
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(conn));
		goto out;
	}
	if (rebuild && fk_on) {
		if (in_tx) {
			rc = orm__ddl_fail(x, ORM_EMISUSE,
					   "alter table \"%s\": this change rebuilds the SQLite table, which needs foreign keys off, and that cannot be switched inside a transaction "
					   "(dropping the old table would run ON DELETE CASCADE on child rows); call orm_schema_foreign_keys_off() before BEGIN",
					   t->name);
			goto out;
		}
		if ((rc = orm_exec(conn, "PRAGMA foreign_keys = OFF")) < 0) {
			rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(conn));
			goto out;
		}
		fk_off = 1;
	}
	if ((rc = orm_begin(conn)) < 0) {
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s", t->name, orm_conn_errmsg(conn));
		goto out;
	}
	began = 1;
	while (next < t->nops) {
		size_t from = next;
		int rb = 0;
		model_dispose(&m);
		if ((rc = model_load(&m, x, t)) < 0)
			goto out;
		orm_sql_list_dispose(&body);
		if ((rc = plan(&body, x, &m, t, from, &next, &rb)) < 0)
			goto out;
		for (i = 0; i < body.count; i++) {
			if ((rc = orm_exec(conn, body.items[i])) < 0) {
				rc = orm__ddl_fail(x, rc, "alter table \"%s\": %s (while running: %.200s)", t->name,
						   orm_conn_errmsg(conn), body.items[i]);
				goto out;
			}
		}
		if (next == from && !rb)
			break; /* no progress: cannot happen, but never loop */
	}
	if (rebuild) {
		char *msg = NULL;
		if ((rc = check_views(x, conn, m.schema ? m.schema : "main", t)) < 0)
			goto out;
		if ((rc = orm__sqlite_fk_check(conn, m.schema, NULL, &msg)) < 0) {
			rc = orm__ddl_fail(x, rc, "alter table \"%s\": foreign key check: %s", t->name, orm_conn_errmsg(conn));
			goto out;
		}
		if (msg) {
			rc = orm__ddl_fail(x, ORM_EFOREIGNKEY, "alter table \"%s\": the change breaks a foreign key: %s; nothing was changed",
					   t->name, msg);
			orm__free(msg);
			goto out;
		}
	}
	if ((rc = orm_commit(conn)) < 0) {
		rc = orm__ddl_fail(x, rc, "alter table \"%s\": commit: %s", t->name, orm_conn_errmsg(conn));
		goto out;
	}
	began = 0;
	rc = 0;
out:
	if (began)
		orm_rollback(conn);
	if (legacy == 0)
		orm_exec(conn, "PRAGMA legacy_alter_table = OFF");
	else
		orm_exec(conn, "PRAGMA legacy_alter_table = ON");
	if (fk_off)
		orm_exec(conn, "PRAGMA foreign_keys = ON");
	model_dispose(&m);
	orm_sql_list_dispose(&body);
	return rc;
}
