/*
 * Identifier quoting and `?` placeholder rewriting.
 */
#include "orm/internal.h"

#include <string.h>

/* Undo a partial append. */
static void buf_truncate(orm_buf *b, size_t size)
{
	if (b && b->ptr && size <= b->size) {
		b->size = size;
		b->ptr[size] = '\0';
	}
}

/* Longest identifier part the dialect accepts; 0 = no limit. */
static size_t ident_limit(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_POSTGRES: return 63;  /* NAMEDATALEN - 1, in bytes */
	case ORM_DIALECT_MARIADB: return 64;   /* characters */
	default: return 0;
	}
}

/* Length of s[0..len) in UTF-8 characters (continuation bytes not counted). */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

size_t orm__ident_too_long(orm_dialect d, const char *s, size_t len)
{
	size_t limit = ident_limit(d);

	if (limit && (d == ORM_DIALECT_MARIADB ? utf8_chars(s, len) : len) > limit)
		return limit;
	return 0;
}

int orm__quote_part(orm_buf *out, orm_dialect d, const char *s, size_t len)
{
	char q = d == ORM_DIALECT_MARIADB ? '`' : '"';
	size_t i, start, orig;
	int rc;

	if (!out || !s || len == 0 || memchr(s, '\0', len))
		return ORM_EINVAL;
	if (orm__ident_too_long(d, s, len))
		return ORM_EINVAL;
	if (len == 1 && s[0] == '*')
		return orm_buf_put(out, "*", 1);
	orig = out->size;
	if ((rc = orm_buf_put(out, &q, 1)) < 0)
		goto fail;
	for (start = 0, i = 0; i < len; i++) {
		if (s[i] == q) {
			/* copy up to and including the quote, then double it */
			if ((rc = orm_buf_put(out, s + start, i + 1 - start)) < 0 ||
			    (rc = orm_buf_put(out, &q, 1)) < 0)
				goto fail;
			start = i + 1;
		}
	}
	if ((rc = orm_buf_put(out, s + start, len - start)) < 0 ||
	    (rc = orm_buf_put(out, &q, 1)) < 0)
		goto fail;
	return 0;
fail:
	buf_truncate(out, orig);
	return rc;
}

int orm_quote_ident(orm_buf *out, orm_dialect d, const char *ident)
{
	const char *p, *dot;
	size_t orig;
	int rc;

	if (!out || !ident || !*ident)
		return ORM_EINVAL;
	if (d != ORM_DIALECT_SQLITE && d != ORM_DIALECT_POSTGRES && d != ORM_DIALECT_MARIADB)
		return ORM_EINVAL;
	orig = out->size;
	p = ident;
	for (;;) {
		dot = strchr(p, '.');
		if (dot) {
			/* "*" is only meaningful as the last part ("t.*") */
			if (dot == p || (dot - p == 1 && *p == '*')) {
				rc = ORM_EINVAL;
				goto fail;
			}
			if ((rc = orm__quote_part(out, d, p, (size_t)(dot - p))) < 0 ||
			    (rc = orm_buf_put(out, ".", 1)) < 0)
				goto fail;
			p = dot + 1;
			continue;
		}
		if ((rc = orm__quote_part(out, d, p, strlen(p))) < 0)
			goto fail;
		return 0;
	}
fail:
	buf_truncate(out, orig);
	return rc;
}

/* ---- placeholder rewriting ---- */

static int is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* End (index just past) of a quoted run starting at sql[i] == q; doubled q escapes. */
static size_t skip_quoted(const char *sql, size_t i, char q, int backslash)
{
	i++;
	while (sql[i]) {
		if (backslash && sql[i] == '\\' && sql[i + 1]) {
			i += 2;
			continue;
		}
		if (sql[i] == q) {
			if (sql[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return i; /* unterminated: the server reports it */
}

/*
 * PostgreSQL dollar quote at sql[i] == '$': "$tag$ ... $tag$" where tag is
 * empty or an identifier not starting with a digit. Returns the end, or i
 * when this '$' does not open a dollar quote ($1, foo$bar).
 */
static size_t skip_dollar(const char *sql, size_t i)
{
	size_t t = i + 1, taglen, j;

	if (i > 0 && is_ident_char(sql[i - 1]))
		return i;
	if (sql[t] >= '0' && sql[t] <= '9')
		return i;
	while (sql[t] && sql[t] != '$') {
		char c = sql[t];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (unsigned char)c >= 0x80))
			return i;
		t++;
	}
	if (sql[t] != '$')
		return i;
	taglen = t + 1 - i; /* "$tag$" */
	for (j = t + 1; sql[j]; j++)
		if (sql[j] == '$' && strncmp(sql + j, sql + i, taglen) == 0)
			return j + taglen;
	return j;
}

/*
 * The next `?` at or after sql[i] outside string literals, quoted
 * identifiers, comments and PostgreSQL dollar quotes, with dialect d's
 * rules; (size_t)-1 when there is none.
 */
size_t orm__qraw_next_placeholder(const char *sql, size_t i, orm_dialect d)
{
	int pg = d == ORM_DIALECT_POSTGRES, my = d == ORM_DIALECT_MARIADB;

	while (sql[i]) {
		char c = sql[i];

		if (c == '\'') {
			/* PostgreSQL E'...' strings take backslash escapes; MariaDB strings always do */
			int bs = my || (pg && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
					(i < 2 || !is_ident_char(sql[i - 2])));
			i = skip_quoted(sql, i, '\'', bs);
		} else if (c == '"') {
			i = skip_quoted(sql, i, '"', my);
		} else if (c == '`' && !pg) {
			i = skip_quoted(sql, i, '`', 0);
		} else if (c == '[' && d == ORM_DIALECT_SQLITE) {
			while (sql[i] && sql[i] != ']')
				i++;
			if (sql[i])
				i++;
		} else if ((c == '-' && sql[i + 1] == '-') || (c == '#' && my)) {
			while (sql[i] && sql[i] != '\n')
				i++;
		} else if (c == '/' && sql[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (sql[i] && depth > 0) {
				if (sql[i] == '*' && sql[i + 1] == '/') {
					depth--;
					i += 2;
				} else if (pg && sql[i] == '/' && sql[i + 1] == '*') {
					depth++; /* PostgreSQL block comments nest */
					i += 2;
				} else {
					i++;
				}
			}
		} else if (c == '$' && pg) {
			size_t e = skip_dollar(sql, i);
			i = e == i ? i + 1 : e;
		} else if (c == '?') {
			return i;
		} else {
			i++;
		}
	}
	return (size_t)-1;
}

int orm__rewrite_placeholders(orm_buf *out, const char *sql, orm_dialect d, int *nparams)
{
	size_t i = 0, copied = 0, orig = out ? out->size : 0;
	int n = 0, rc = 0;

	if (!sql)
		return ORM_EINVAL;
	while ((i = orm__qraw_next_placeholder(sql, i, d)) != (size_t)-1) {
		n++;
		if (d == ORM_DIALECT_POSTGRES && out) {
			if ((rc = orm_buf_put(out, sql + copied, i - copied)) < 0 ||
			    (rc = orm_buf_printf(out, "$%d", n)) < 0)
				goto fail;
			copied = i + 1;
		}
		i++;
	}
	if (out && (rc = orm_buf_put(out, sql + copied, strlen(sql + copied))) < 0)
		goto fail;
	if (nparams)
		*nparams = n;
	return 0;
fail:
	buf_truncate(out, orig);
	return rc;
}
