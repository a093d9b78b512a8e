/*
 * ormtool query: run one SQL statement and print its rows, a way to look
 * at the data.
 *
 *   ormtool query [--format table|csv|tsv|json] [--null STRING] [--no-header] SQL | -
 *
 * table (the default) buffers the rows to align the columns; csv, tsv and
 * json stream them row by row, so they work on results of any size.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ormtool.h"

enum format { FMT_TABLE, FMT_CSV, FMT_TSV, FMT_JSON };

enum { OPT_NULL = ORMTOOL_OPT_BASE, OPT_NO_HEADER };

struct query_opts {
	enum format format;
	const char *null_text; /* NULL: the format's default */
	int header;
};

/* ---- reading the SQL ---- */

/* Read all of stdin into buf. @return 0 or an exit code. */
static int read_stdin(orm_buf *buf)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (orm_buf_put(buf, chunk, n) < 0) {
			ormtool_warnx("query: out of memory");
			return EX_OSERR;
		}
	if (ferror(stdin)) {
		ormtool_warnx("query: cannot read standard input");
		return EX_IOERR;
	}
	return 0;
}

/*
 * Drop trailing blanks and semicolons: one statement is run, and some
 * servers refuse a prepared statement that ends in ';'.
 */
static void trim_sql(orm_buf *buf)
{
	while (buf->size > 0 && (isspace((unsigned char)buf->ptr[buf->size - 1]) ||
				 buf->ptr[buf->size - 1] == ';'))
		buf->ptr[--buf->size] = '\0';
}

/* ---- one cell as text ---- */

static const char hexdigits[] = "0123456789abcdef";

/*
 * The current row's column as text into `out` (cleared first): the
 * driver's text form, booleans as true / false, blobs as \x followed by
 * hex digits.
 * @return 1 for SQL NULL, 0 for a value, <0 on ENOMEM.
 */
static int cell_text(orm_stmt *st, int col, orm_buf *out)
{
	orm_type t = orm_column_type(st, col);
	const char *s;
	size_t len, i;

	orm_buf_clear(out);
	if (t == ORM_TYPE_NULL || orm_column_is_null(st, col))
		return 1;
	if (t == ORM_TYPE_BOOL) {
		if (orm_buf_puts(out, orm_column_int(st, col) ? "true" : "false") < 0)
			return ORM_ENOMEM;
	} else if (t == ORM_TYPE_BLOB) {
		const unsigned char *p = orm_column_blob(st, col, &len);

		if (orm_buf_puts(out, "\\x") < 0)
			return ORM_ENOMEM;
		for (i = 0; i < len; i++) {
			char hx[2] = { hexdigits[p[i] >> 4], hexdigits[p[i] & 15] };
			if (orm_buf_put(out, hx, 2) < 0)
				return ORM_ENOMEM;
		}
	} else {
		s = orm_column_text(st, col, &len);
		if (!s)
			return 1;
		if (orm_buf_put(out, s, len) < 0)
			return ORM_ENOMEM;
	}
	if (!out->ptr && orm_buf_puts(out, "") < 0) /* empty string: make ptr non-NULL */
		return ORM_ENOMEM;
	return 0;
}

/* ---- table ---- */

struct table {
	int ncols;
	size_t nrows, cap;   /* rows stored, cells allocated (in rows) */
	char **cells;        /* nrows * ncols, NULL for SQL NULL */
	size_t *width;       /* display width per column */
	int *right;          /* right-align (numbers) per column */
};

/* Display width of UTF-8 text: one per code point. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* A copy of s with control characters shown as \n, \t, \r, \xNN. */
static char *display_copy(const char *s, size_t len)
{
	size_t i, n = 0;
	char *d, *p;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? 4 : 1;
	d = p = malloc(n + 1);
	if (!d)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n') { *p++ = '\\'; *p++ = 'n'; }
		else if (ch == '\t') { *p++ = '\\'; *p++ = 't'; }
		else if (ch == '\r') { *p++ = '\\'; *p++ = 'r'; }
		else if (ch < 0x20 || ch == 0x7f) {
			*p++ = '\\'; *p++ = 'x';
			*p++ = hexdigits[ch >> 4]; *p++ = hexdigits[ch & 15];
		} else {
			*p++ = (char)ch;
		}
	}
	*p = '\0';
	return d;
}

static void table_free(struct table *t)
{
	size_t i;

	if (t->cells)
		for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
			free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t->right);
}

static int table_init(struct table *t, orm_stmt *st, int ncols)
{
	int c;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->width = calloc((size_t)ncols + 1, sizeof(*t->width));
	t->right = calloc((size_t)ncols + 1, sizeof(*t->right));
	if (!t->width || !t->right)
		return ORM_ENOMEM;
	for (c = 0; c < ncols; c++) {
		const char *name = orm_column_name(st, c);

		t->width[c] = text_width(name ? name : "");
		t->right[c] = -1; /* not yet known */
	}
	return 0;
}

static int table_add_row(struct table *t, orm_stmt *st, orm_buf *tmp)
{
	size_t base;
	int c, rc;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **cells = realloc(t->cells, ncap * (size_t)t->ncols * sizeof(*cells));

		if (!cells)
			return ORM_ENOMEM;
		t->cells = cells;
		t->cap = ncap;
	}
	base = t->nrows * (size_t)t->ncols;
	for (c = 0; c < t->ncols; c++)
		t->cells[base + c] = NULL;
	t->nrows++; /* counted now so that table_free() sees the cells */
	for (c = 0; c < t->ncols; c++) {
		char *cell;
		size_t w;

		rc = cell_text(st, c, tmp);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue; /* NULL */
		cell = display_copy(tmp->ptr, tmp->size);
		if (!cell)
			return ORM_ENOMEM;
		t->cells[base + c] = cell;
		w = text_width(cell);
		if (w > t->width[c])
			t->width[c] = w;
		if (t->right[c] < 0) {
			orm_type ty = orm_column_type(st, c);

			t->right[c] = ty == ORM_TYPE_INT || ty == ORM_TYPE_DOUBLE ||
				      ty == ORM_TYPE_DECIMAL;
		}
	}
	return 0;
}

static void pad(size_t n)
{
	while (n-- > 0)
		putchar(' ');
}

static void table_print(struct table *t, orm_stmt *st, const struct query_opts *o)
{
	const char *null_text = o->null_text ? o->null_text : "NULL";
	size_t nullw = text_width(null_text), r;
	int c;

	for (c = 0; c < t->ncols && t->nrows > 0; c++)
		for (r = 0; r < t->nrows; r++)
			if (!t->cells[r * (size_t)t->ncols + c] && nullw > t->width[c])
				t->width[c] = nullw;
	if (o->header) {
		for (c = 0; c < t->ncols; c++) {
			const char *name = orm_column_name(st, c);

			if (!name)
				name = "";
			printf("%s %s", c ? " |" : "", name);
			if (c < t->ncols - 1)
				pad(t->width[c] - text_width(name));
		}
		putchar('\n');
		for (c = 0; c < t->ncols; c++) {
			size_t i;

			if (c)
				putchar('+');
			for (i = 0; i < t->width[c] + 2; i++)
				putchar('-');
		}
		putchar('\n');
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + c];
			size_t w;

			if (!cell)
				cell = null_text;
			w = text_width(cell);
			printf("%s ", c ? " |" : "");
			if (t->right[c] > 0) {
				pad(t->width[c] - w);
				fputs(cell, stdout);
			} else {
				fputs(cell, stdout);
				if (c < t->ncols - 1)
					pad(t->width[c] - w);
			}
		}
		putchar('\n');
	}
	printf("(%lu row%s)\n", (unsigned long)t->nrows, t->nrows == 1 ? "" : "s");
}

/* ---- csv / tsv ---- */

static void csv_field(const char *s, size_t len)
{
	size_t i;
	int quote = len == 0; /* "" is an empty string; an unquoted empty field is NULL */

	for (i = 0; i < len && !quote; i++)
		if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote) {
		fwrite(s, 1, len, stdout);
		return;
	}
	putchar('"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putchar('"');
		putchar(s[i]);
	}
	putchar('"');
}

static void tsv_field(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\': fputs("\\\\", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default: putchar(s[i]);
		}
	}
}

/* ---- json ---- */

static void json_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\b': fputs("\\b", stdout); break;
		case '\f': fputs("\\f", stdout); break;
		default:
			if (ch < 0x20)
				printf("\\u%04x", ch);
			else
				putchar(ch);
		}
	}
	putchar('"');
}

/* Whether s is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len || !isdigit((unsigned char)s[i]))
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == len;
}

static void json_value(orm_stmt *st, int col, int isnull, const orm_buf *cell)
{
	orm_type t = orm_column_type(st, col);

	if (isnull) {
		fputs("null", stdout);
		return;
	}
	switch (t) {
	case ORM_TYPE_BOOL:
		fputs(orm_column_int(st, col) ? "true" : "false", stdout);
		return;
	case ORM_TYPE_INT:
	case ORM_TYPE_DOUBLE:
	case ORM_TYPE_DECIMAL:
		if (is_json_number(cell->ptr, cell->size)) {
			fwrite(cell->ptr, 1, cell->size, stdout);
			return;
		}
		if (t == ORM_TYPE_DOUBLE) { /* inf, nan: no JSON form */
			fputs("null", stdout);
			return;
		}
		break;
	case ORM_TYPE_JSON:
		/* the server's JSON text, embedded as JSON */
		if (cell->size > 0) {
			fwrite(cell->ptr, 1, cell->size, stdout);
			return;
		}
		break;
	default:
		break;
	}
	json_string(cell->ptr, cell->size);
}

/* ---- running ---- */

/* Print the header line of csv/tsv. */
static void print_names(orm_stmt *st, int ncols, enum format f)
{
	int c;

	for (c = 0; c < ncols; c++) {
		const char *name = orm_column_name(st, c);

		if (!name)
			name = "";
		if (c)
			putchar(f == FMT_CSV ? ',' : '\t');
		if (f == FMT_CSV)
			csv_field(name, strlen(name));
		else
			tsv_field(name, strlen(name));
	}
	putchar('\n');
}

/* Stream one row as csv, tsv or json. @return 0 or ORM_ENOMEM. */
static int print_row(orm_stmt *st, int ncols, const struct query_opts *o, orm_buf *cell,
		     unsigned long rowno)
{
	int c, rc;

	if (o->format == FMT_JSON)
		fputs(rowno ? ",\n{" : "\n{", stdout);
	for (c = 0; c < ncols; c++) {
		rc = cell_text(st, c, cell);
		if (rc < 0)
			return rc;
		switch (o->format) {
		case FMT_CSV:
			if (c)
				putchar(',');
			if (rc == 1) {
				if (o->null_text)
					csv_field(o->null_text, strlen(o->null_text));
			} else {
				csv_field(cell->ptr, cell->size);
			}
			break;
		case FMT_TSV:
			if (c)
				putchar('\t');
			if (rc == 1)
				fputs(o->null_text ? o->null_text : "\\N", stdout);
			else
				tsv_field(cell->ptr, cell->size);
			break;
		case FMT_JSON: {
			const char *name = orm_column_name(st, c);

			if (c)
				putchar(',');
			json_string(name ? name : "", name ? strlen(name) : 0);
			putchar(':');
			json_value(st, c, rc == 1, cell);
			break;
		}
		case FMT_TABLE:
			break;
		}
	}
	fputs(o->format == FMT_JSON ? "}" : "\n", stdout);
	return 0;
}

static int run_query(orm_conn *conn, const char *sql, const struct query_opts *o)
{
	orm_stmt *st = NULL;
	orm_buf cell = ORM_BUF_INIT;
	struct table t;
	unsigned long nrows = 0;
	int rc, ncols, code = 0, table_ready = 0;

	memset(&t, 0, sizeof(t));
	rc = orm_prepare(&st, conn, sql);
	if (rc < 0)
		return ormtool_fail(conn, rc, "query");
	rc = orm_stmt_step(st);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "query");
		goto out;
	}
	ncols = orm_column_count(st);
	if (ncols <= 0) {
		/* a statement without a result: INSERT, UPDATE, DDL, ... */
		while (rc == ORM_ROW)
			rc = orm_stmt_step(st);
		if (rc < 0) {
			code = ormtool_fail(conn, rc, "query");
			goto out;
		}
		if (o->format == FMT_TABLE) {
			int64_t n = orm_stmt_changes(st);
			printf("(%lld row%s affected)\n", (long long)n, n == 1 ? "" : "s");
		}
		goto out;
	}

	if (o->format == FMT_TABLE) {
		if (table_init(&t, st, ncols) < 0)
			goto out_nomem;
		table_ready = 1;
	} else if (o->format == FMT_JSON) {
		putchar('[');
	} else if (o->header) {
		print_names(st, ncols, o->format);
	}

	for (; rc == ORM_ROW; rc = orm_stmt_step(st), nrows++) {
		if (o->format == FMT_TABLE)
			rc = table_add_row(&t, st, &cell);
		else
			rc = print_row(st, ncols, o, &cell, nrows);
		if (rc < 0)
			goto out_nomem;
	}
	if (rc < 0) {
		if (o->format == FMT_JSON)
			fputs("\n]\n", stdout);
		code = ormtool_fail(conn, rc, "query");
		goto out;
	}
	if (o->format == FMT_TABLE)
		table_print(&t, st, o);
	else if (o->format == FMT_JSON)
		fputs(nrows ? "\n]\n" : "]\n", stdout);
	goto out;

out_nomem:
	ormtool_warnx("query: out of memory");
	code = EX_OSERR;
out:
	if (table_ready)
		table_free(&t);
	orm_buf_dispose(&cell);
	orm_stmt_free(st);
	return code;
}

int cmd_query(struct ormtool_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "null", required_argument, NULL, OPT_NULL },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ NULL, 0, NULL, 0 }
	};
	struct query_opts o = { FMT_TABLE, NULL, 1 };
	orm_buf sql = ORM_BUF_INIT;
	orm_conn *conn = NULL;
	int c, code;

	while ((c = ormtool_getopt(g, argc, argv, "f:", longopts)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "table") == 0)
				o.format = FMT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				o.format = FMT_CSV;
			else if (strcmp(optarg, "tsv") == 0)
				o.format = FMT_TSV;
			else if (strcmp(optarg, "json") == 0)
				o.format = FMT_JSON;
			else {
				ormtool_warnx("query: unknown format '%s' (table, csv, tsv or json)", optarg);
				return EX_USAGE;
			}
			break;
		case OPT_NULL:
			o.null_text = optarg;
			break;
		case OPT_NO_HEADER:
			o.header = 0;
			break;
		case 'h':
			ormtool_usage("query", stdout);
			printf("\nRun one SQL statement (or read it from standard input with -) and print\n"
			       "its rows, or the number of rows it changed.\n"
			       "\noptions:\n"
			       "  -f, --format table|csv|tsv|json  output format (default: table)\n"
			       "  --null STRING                    how NULL prints (default: NULL in tables, an empty\n"
			       "                                   field in csv, \\N in tsv; json: always null)\n"
			       "  --no-header                      no header row (table, csv, tsv)\n"
			       "  --dry-run                        print the statement; connect to nothing\n"
			       "\nThe database: --url URL, else ormtool.yaml (--config, --env, --db), else\n"
			       "$DATABASE_URL.\n"
			       "\nexit status: 0 done, 64 usage error, 65 the statement failed, 69 cannot\n"
			       "connect, 78 no database or bad configuration.\n");
			return 0;
		default:
			return ormtool_usage("query", stderr);
		}
	}
	if (argc - optind != 1) {
		ormtool_warnx("query: %s", optind >= argc ? "no SQL given" : "give the SQL as one argument (quote it)");
		return ormtool_usage("query", stderr);
	}

	if (strcmp(argv[optind], "-") == 0)
		code = read_stdin(&sql);
	else
		code = orm_buf_puts(&sql, argv[optind]) < 0 ? EX_OSERR : 0;
	if (code)
		goto out;
	trim_sql(&sql);
	if (sql.size == 0) {
		ormtool_warnx("query: the SQL is empty");
		code = EX_USAGE;
		goto out;
	}
	if (g->dry_run) {
		/* print what would run; connect to nothing */
		printf("%s;\n", sql.ptr);
		goto out;
	}
	code = ormtool_connect(&conn, g);
	if (code)
		goto out;
	code = run_query(conn, sql.ptr, &o);
out:
	orm_close(conn);
	orm_buf_dispose(&sql);
	return code;
}
