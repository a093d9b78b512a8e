/*
 * CSV seed files, streamed through libcsv.
 *
 * libcsv does not count lines, so the file is fed one physical line at a
 * time: before a line that starts a new row (the parser is between rows)
 * the line number is remembered as the row's first line. Quoted fields
 * may span lines. `#` lines before the header are comments or
 * directives (`# key: a, b`, `# table: name`). Unquoted fields are kept
 * exactly (no trimming); an empty unquoted field is NULL, `""` is the
 * empty string (CSV_EMPTY_IS_NULL).
 */
#include "migrate/seed_internal.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

#define CSV_CHUNK 65536
#define CSV_ROW_NOT_BEGUN 0 /* libcsv's parser state between rows */

typedef struct csv_state {
	const char *path;
	const orm__seed_reader_cb *cb;
	orm__seed_err *err;
	struct csv_parser p;
	int line;              /* physical line being fed, 1-based */
	int row_line;          /* first line of the row being parsed */
	int rc;                /* first error from a callback */
	int have_header;
	/* directives */
	char *table;
	char **key;
	size_t nkey;
	int key_line;
	orm_buf comment;       /* a '#' line being collected */
	int in_comment;
	/* header */
	char **cols;
	int *colnums;
	size_t ncols;
	orm__seed_section sec;
	/* current row */
	orm__seed_cell *cells;
	size_t nfields, cap;
	orm__seed_arena arena;
	uint64_t nrows;
} csv_state;

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void *csv_realloc(void *p, size_t n)
{
	return orm__realloc(p, n);
}

static void csv_free_fn(void *p)
{
	orm__free(p);
}

char *orm__seed_table_from_filename(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot, *p;
	size_t len;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	/* optional numeric prefix: digits then '_' or '-', followed by a name */
	p = base;
	while ((size_t)(p - base) < len && isdigit((unsigned char)*p))
		p++;
	if (p != base && (size_t)(p - base) + 1 < len && (*p == '_' || *p == '-')) {
		len -= (size_t)(p - base) + 1;
		base = p + 1;
	}
	return orm__strndup(base, len);
}

static char *trim_dup(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return orm__strndup(s, len);
}

/* "# key: a, b" / "# table: x"; other comments are ignored. */
static int csv_directive(csv_state *st, const char *text, size_t len)
{
	const char *p = text + 1, *end = text + len, *colon;
	size_t wl;

	while (p < end && isspace((unsigned char)*p))
		p++;
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return 0;
	wl = (size_t)(colon - p);
	while (wl && isspace((unsigned char)p[wl - 1]))
		wl--;
	if (wl == 3 && strncmp(p, "key", 3) == 0) {
		const char *q = colon + 1;
		while (q < end) {
			const char *comma = memchr(q, ',', (size_t)(end - q));
			const char *fe = comma ? comma : end;
			char *name = trim_dup(q, (size_t)(fe - q));
			char **nk;
			if (!name)
				return ORM_ENOMEM;
			if (!*name) {
				orm__free(name);
				return orm__seed_errf(st->err, ORM_EPARSE, st->path, st->line, 0,
						      "empty column name in the '# key:' directive");
			}
			nk = orm__realloc(st->key, (st->nkey + 1) * sizeof(*nk));
			if (!nk) {
				orm__free(name);
				return ORM_ENOMEM;
			}
			st->key = nk;
			st->key[st->nkey++] = name;
			q = comma ? comma + 1 : end;
		}
		st->key_line = st->line;
	} else if (wl == 5 && strncmp(p, "table", 5) == 0) {
		char *name = trim_dup(colon + 1, (size_t)(end - colon - 1));
		if (!name)
			return ORM_ENOMEM;
		if (!*name) {
			orm__free(name);
			return orm__seed_errf(st->err, ORM_EPARSE, st->path, st->line, 0,
					      "empty table name in the '# table:' directive");
		}
		orm__free(st->table);
		st->table = name;
	}
	return 0;
}

static void on_field(void *s, size_t len, void *data)
{
	csv_state *st = data;
	orm__seed_cell *c;

	if (st->rc)
		return;
	if (st->nfields == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		orm__seed_cell *nc = orm__realloc(st->cells, ncap * sizeof(*nc));
		if (!nc) {
			st->rc = ORM_ENOMEM;
			return;
		}
		st->cells = nc;
		st->cap = ncap;
	}
	c = &st->cells[st->nfields++];
	memset(c, 0, sizeof(*c));
	c->line = st->row_line;
	c->col = (int)st->nfields;
	if (!s) {
		c->kind = ORM__SEED_CELL_NULL;
		return;
	}
	c->kind = ORM__SEED_CELL_TEXT;
	c->s = orm__seed_arena_strndup(&st->arena, s, len);
	c->len = len;
	if (!c->s)
		st->rc = ORM_ENOMEM;
}

static int take_header(csv_state *st)
{
	size_t i, j;

	st->ncols = st->nfields;
	st->cols = orm__calloc(st->ncols ? st->ncols : 1, sizeof(*st->cols));
	st->colnums = orm__calloc(st->ncols ? st->ncols : 1, sizeof(*st->colnums));
	if (!st->cols || !st->colnums)
		return ORM_ENOMEM;
	for (i = 0; i < st->ncols; i++) {
		const orm__seed_cell *c = &st->cells[i];
		st->cols[i] = c->s ? trim_dup(c->s, c->len) : orm__strdup("");
		if (!st->cols[i])
			return ORM_ENOMEM;
		st->colnums[i] = (int)i + 1;
		if (!*st->cols[i])
			return orm__seed_errf(st->err, ORM_EPARSE, st->path, st->row_line, (int)i + 1,
					      "empty column name in the header row");
		for (j = 0; j < i; j++)
			if (strcmp(st->cols[j], st->cols[i]) == 0)
				return orm__seed_errf(st->err, ORM_EPARSE, st->path, st->row_line,
						      (int)i + 1, "column '%s' appears twice in the header row",
						      st->cols[i]);
	}
	st->have_header = 1;
	memset(&st->sec, 0, sizeof(st->sec));
	st->sec.index = 0;
	st->sec.table = st->table;
	st->sec.line = st->row_line;
	st->sec.col = 1;
	st->sec.ncolumns = st->ncols;
	st->sec.columns = (const char *const *)st->cols;
	st->sec.column_cols = st->colnums;
	st->sec.nkey = st->nkey;
	st->sec.key = (const char *const *)st->key;
	st->sec.key_line = st->key_line;
	st->sec.key_col = 1;
	if (st->cb->section)
		return st->cb->section(st->cb->ctx, &st->sec);
	return 0;
}

static void on_row(int term, void *data)
{
	csv_state *st = data;
	orm__seed_row row;
	int rc = 0;

	(void)term;
	if (st->rc)
		return;
	if (!st->have_header) {
		rc = take_header(st);
	} else if (st->nfields != st->ncols) {
		rc = orm__seed_errf(st->err, ORM_EPARSE, st->path, st->row_line,
				    (int)(st->nfields < st->ncols ? st->nfields + 1 : st->ncols + 1),
				    "row has %zu field%s but the header has %zu", st->nfields,
				    st->nfields == 1 ? "" : "s", st->ncols);
	} else {
		memset(&row, 0, sizeof(row));
		row.section = &st->sec;
		row.n = st->ncols;
		row.names = (const char *const *)st->cols;
		row.name_cols = st->colnums;
		row.cells = st->cells;
		row.line = st->row_line;
		st->nrows++;
		if (st->cb->row)
			rc = st->cb->row(st->cb->ctx, &row);
	}
	st->nfields = 0;
	orm__seed_arena_reset(&st->arena);
	if (rc)
		st->rc = rc;
}

static int csv_parse_error(csv_state *st)
{
	int e = csv_error(&st->p);

	if (e == CSV_ENOMEM)
		return ORM_ENOMEM;
	return orm__seed_errf(st->err, ORM_EPARSE, st->path, st->row_line, 0,
			      "malformed CSV (%s): a quote inside an unquoted field, text after a "
			      "closing quote, or a quote that is never closed",
			      csv_strerror(e));
}

/* Feed bytes [p, p+n) that belong to one physical line. */
static int feed(csv_state *st, const char *p, size_t n, int line_start)
{
	if (line_start && st->p.pstate == CSV_ROW_NOT_BEGUN)
		st->row_line = st->line;
	if (csv_parse(&st->p, p, n, on_field, on_row, st) != n)
		return st->rc ? st->rc : csv_parse_error(st);
	return st->rc;
}

int orm__seed_csv_read(const char *path, const char *table, const orm__seed_reader_cb *cb,
		       orm__seed_err *err)
{
	csv_state st;
	FILE *f = NULL;
	char *buf = NULL;
	size_t n, i;
	int rc = 0, line_start = 1, first_chunk = 1;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.cb = cb;
	st.err = err;
	st.line = 1;
	st.row_line = 1;
	if (csv_init(&st.p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL | CSV_APPEND_NULL) != 0)
		return ORM_ENOMEM;
	csv_set_space_func(&st.p, no_space);
	csv_set_realloc_func(&st.p, csv_realloc);
	csv_set_free_func(&st.p, csv_free_fn);
	if (!(st.table = orm__strdup(table ? table : ""))) {
		rc = ORM_ENOMEM;
		goto out;
	}
	f = fopen(path, "rb");
	if (!f) {
		rc = orm__seed_errf(err, ORM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (!(buf = orm__malloc(CSV_CHUNK))) {
		rc = ORM_ENOMEM;
		goto out;
	}
	while ((n = fread(buf, 1, CSV_CHUNK, f)) > 0) {
		const char *p = buf;
		size_t left = n;

		if (first_chunk) {
			first_chunk = 0;
			if (left >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
				p += 3;
				left -= 3;
			}
		}
		while (left > 0) {
			const char *nl = memchr(p, '\n', left);
			size_t seg = nl ? (size_t)(nl - p) + 1 : left;

			if (!st.have_header && (st.in_comment ||
			    (line_start && st.p.pstate == CSV_ROW_NOT_BEGUN && (*p == '#' ||
			     *p == '\n' || *p == '\r')))) {
				/* comment / directive or blank line before the header */
				if (line_start && *p == '#')
					st.in_comment = 1;
				if (st.in_comment) {
					size_t take = nl ? seg - 1 : seg;
					if (orm_buf_put(&st.comment, p, take) < 0) {
						rc = ORM_ENOMEM;
						goto out;
					}
					if (nl) {
						size_t cl = st.comment.size;
						if (cl && st.comment.ptr[cl - 1] == '\r')
							cl--;
						rc = csv_directive(&st, st.comment.ptr, cl);
						orm_buf_clear(&st.comment);
						st.in_comment = 0;
						if (rc)
							goto out;
					}
				}
			} else if ((rc = feed(&st, p, seg, line_start)) != 0) {
				goto out;
			}
			if (nl) {
				st.line++;
				line_start = 1;
			} else {
				line_start = 0;
			}
			p += seg;
			left -= seg;
		}
	}
	if (ferror(f)) {
		rc = orm__seed_errf(err, ORM_EIO, path, st.line, 0, "read error: %s", strerror(errno));
		goto out;
	}
	if (st.in_comment && st.comment.size) {
		if ((rc = csv_directive(&st, st.comment.ptr, st.comment.size)) != 0)
			goto out;
	}
	if (csv_fini(&st.p, on_field, on_row, &st) != 0) {
		rc = st.rc ? st.rc : csv_parse_error(&st);
		goto out;
	}
	if ((rc = st.rc) != 0)
		goto out;
	if (!st.have_header)
		goto out; /* nothing but comments: an empty seed (a fresh `seed make` template) */
	if (cb->section_end)
		rc = cb->section_end(cb->ctx, &st.sec, st.nrows);
out:
	if (f)
		fclose(f);
	orm__free(buf);
	csv_free(&st.p);
	orm__seed_arena_free(&st.arena);
	orm_buf_dispose(&st.comment);
	orm__free(st.cells);
	for (i = 0; st.cols && i < st.ncols; i++)
		orm__free(st.cols[i]);
	orm__free(st.cols);
	orm__free(st.colnums);
	for (i = 0; i < st.nkey; i++)
		orm__free(st.key[i]);
	orm__free(st.key);
	orm__free(st.table);
	return rc;
}

/* ---- writing ---- */

int orm__seed_csv_field(orm_buf *out, const char *s, size_t len, int first)
{
	size_t i;
	int quote = 0;

	if (!first && orm_buf_put(out, ",", 1) < 0)
		return ORM_ENOMEM;
	if (!s)
		return 0;
	if (len == 0)
		return orm_buf_put(out, "\"\"", 2);
	if (s[0] == '#' || s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t')
		quote = 1;
	for (i = 0; i < len && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote)
		return orm_buf_put(out, s, len);
	if (orm_buf_put(out, "\"", 1) < 0)
		return ORM_ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '"' && orm_buf_put(out, "\"", 1) < 0)
			return ORM_ENOMEM;
		if (orm_buf_put(out, s + i, 1) < 0)
			return ORM_ENOMEM;
	}
	return orm_buf_put(out, "\"", 1);
}
