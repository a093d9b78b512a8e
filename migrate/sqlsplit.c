/*
 * Split SQL text into statements, per dialect, so that migrations can run
 * (and, on MariaDB, record) one statement at a time and --dry-run can
 * print each one.
 *
 * Understood: '...' strings ('' doubling; backslash escapes on MariaDB
 * and in PostgreSQL E'...' strings), "..." (identifiers, or strings with
 * backslash escapes on MariaDB), `...` and [...] identifiers, -- and #
 * (MariaDB) line comments, block comments (nested on PostgreSQL),
 * PostgreSQL dollar quotes ($$...$$, $tag$...$tag$), BEGIN ... END bodies
 * of CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT (CASE ... END and
 * END IF / LOOP / WHILE / REPEAT inside them), and the MariaDB client's
 * `DELIMITER xx` lines.
 */
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct splitter {
	const char *s;
	size_t len, i;
	orm_dialect d;
	orm__sql_stmts *out;
	int first_line;
	size_t line_pos;  /* position up to which lines were counted */
	int line;         /* line at line_pos */
	/* current statement */
	long start;       /* first content byte, -1 when none yet */
	int nwords;
	int block;        /* a CREATE TRIGGER / ROUTINE statement: BEGIN..END nest */
	int depth;
	int after_end;    /* the previous word was END (block mode) */
	char delim[16];
};

static int is_word(int c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static int line_at(struct splitter *sp, size_t pos)
{
	while (sp->line_pos < pos) {
		if (sp->s[sp->line_pos] == '\n')
			sp->line++;
		sp->line_pos++;
	}
	return sp->line;
}

static int emit(struct splitter *sp, size_t end)
{
	orm__sql_stmts *o = sp->out;
	size_t b, e = end;
	char *sql;

	if (sp->start < 0)
		return 0;
	b = (size_t)sp->start;
	while (e > b && isspace((unsigned char)sp->s[e - 1]))
		e--;
	if (e > b) {
		if (o->n == o->alloc) {
			size_t na = o->alloc ? o->alloc * 2 : 16;
			orm__sql_stmt *p = orm__realloc(o->items, na * sizeof(*p));
			if (!p)
				return ORM_ENOMEM;
			o->items = p;
			o->alloc = na;
		}
		sql = orm__strndup(sp->s + b, e - b);
		if (!sql)
			return ORM_ENOMEM;
		o->items[o->n].sql = sql;
		o->items[o->n].line = line_at(sp, b);
		o->n++;
	}
	sp->start = -1;
	sp->nwords = 0;
	sp->block = 0;
	sp->depth = 0;
	sp->after_end = 0;
	return 0;
}

static void mark(struct splitter *sp)
{
	if (sp->start < 0)
		sp->start = (long)sp->i;
}

/* Skip a quoted run starting at sp->i (the opening quote). */
static void skip_quoted(struct splitter *sp, char close, int backslash)
{
	size_t i = sp->i + 1;

	while (i < sp->len) {
		char c = sp->s[i];
		if (backslash && c == '\\' && i + 1 < sp->len) {
			i += 2;
			continue;
		}
		if (c == close) {
			if (i + 1 < sp->len && sp->s[i + 1] == close && close != ']') {
				i += 2;
				continue;
			}
			i++;
			break;
		}
		i++;
	}
	sp->i = i;
}

static void on_word(struct splitter *sp, const char *w, size_t n)
{
	static const char *const kinds[] = { "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", NULL };
	int k;

#define WORD_IS(lit) (n == sizeof(lit) - 1 && strncasecmp(w, lit, n) == 0)
	if (sp->nwords < 12) {
		if (sp->nwords == 0 && !WORD_IS("CREATE"))
			sp->nwords = 100; /* not a CREATE: never a block statement */
		else if (sp->nwords > 0)
			for (k = 0; kinds[k]; k++)
				if (n == strlen(kinds[k]) && strncasecmp(w, kinds[k], n) == 0)
					sp->block = 1;
		sp->nwords++;
	}
	if (!sp->block)
		return;
	if (sp->after_end) {
		sp->after_end = 0;
		/* END IF / END LOOP / ... close openers we do not count */
		if (WORD_IS("IF") || WORD_IS("LOOP") || WORD_IS("WHILE") || WORD_IS("REPEAT"))
			return;
		if (sp->depth > 0)
			sp->depth--;
		if (WORD_IS("CASE")) /* END CASE closes the CASE just counted down */
			return;
	}
	if (WORD_IS("BEGIN") || WORD_IS("CASE"))
		sp->depth++;
	else if (WORD_IS("END"))
		sp->after_end = 1;
#undef WORD_IS
}

/* An END followed by the delimiter (no word after it) closes a level. */
static void flush_end(struct splitter *sp)
{
	if (sp->after_end) {
		sp->after_end = 0;
		if (sp->depth > 0)
			sp->depth--;
	}
}

/* At the start of a line with no statement content: a DELIMITER command? */
static int try_delimiter(struct splitter *sp)
{
	size_t i = sp->i, b;

	if (sp->d != ORM_DIALECT_MARIADB || sp->start >= 0)
		return 0;
	if (sp->len - i < 10 || strncasecmp(sp->s + i, "DELIMITER", 9) != 0 ||
	    !(sp->s[i + 9] == ' ' || sp->s[i + 9] == '\t'))
		return 0;
	i += 9;
	while (i < sp->len && (sp->s[i] == ' ' || sp->s[i] == '\t'))
		i++;
	b = i;
	while (i < sp->len && !isspace((unsigned char)sp->s[i]))
		i++;
	if (i == b || i - b >= sizeof(sp->delim))
		return 0;
	memcpy(sp->delim, sp->s + b, i - b);
	sp->delim[i - b] = '\0';
	while (i < sp->len && sp->s[i] != '\n')
		i++;
	sp->i = i;
	return 1;
}

int orm__sql_split(orm__sql_stmts *out, const char *text, size_t len, orm_dialect d,
		   int first_line)
{
	struct splitter sp;
	int rc, at_line_start = 1;

	memset(&sp, 0, sizeof(sp));
	sp.s = text;
	sp.len = len;
	sp.d = d;
	sp.out = out;
	sp.line = first_line > 0 ? first_line : 1;
	sp.start = -1;
	strcpy(sp.delim, ";");
	while (sp.i < sp.len) {
		unsigned char c = (unsigned char)sp.s[sp.i];
		size_t dl = strlen(sp.delim);

		if (at_line_start && try_delimiter(&sp)) {
			continue;
		}
		at_line_start = 0;
		if (c == '\n') {
			at_line_start = 1;
			sp.i++;
			continue;
		}
		if (isspace(c)) {
			sp.i++;
			continue;
		}
		/* the delimiter ends the statement (outside BEGIN..END bodies) */
		if (sp.len - sp.i >= dl && memcmp(sp.s + sp.i, sp.delim, dl) == 0) {
			if (strcmp(sp.delim, ";") != 0 || !sp.block ||
			    (flush_end(&sp), sp.depth == 0)) {
				if ((rc = emit(&sp, sp.i)) < 0)
					return rc;
				sp.i += dl;
				continue;
			}
			mark(&sp);
			sp.i += dl;
			continue;
		}
		if (c == '-' && sp.i + 1 < sp.len && sp.s[sp.i + 1] == '-') {
			while (sp.i < sp.len && sp.s[sp.i] != '\n')
				sp.i++;
			continue;
		}
		if (c == '#' && d == ORM_DIALECT_MARIADB) {
			while (sp.i < sp.len && sp.s[sp.i] != '\n')
				sp.i++;
			continue;
		}
		if (c == '/' && sp.i + 1 < sp.len && sp.s[sp.i + 1] == '*') {
			int nest = 1;
			/* MariaDB executable comments are content */
			if (d == ORM_DIALECT_MARIADB && sp.i + 2 < sp.len &&
			    (sp.s[sp.i + 2] == '!' || sp.s[sp.i + 2] == 'M'))
				mark(&sp);
			sp.i += 2;
			while (sp.i < sp.len && nest > 0) {
				if (sp.s[sp.i] == '*' && sp.i + 1 < sp.len && sp.s[sp.i + 1] == '/') {
					nest--;
					sp.i += 2;
				} else if (d == ORM_DIALECT_POSTGRES && sp.s[sp.i] == '/' &&
					   sp.i + 1 < sp.len && sp.s[sp.i + 1] == '*') {
					nest++;
					sp.i += 2;
				} else {
					sp.i++;
				}
			}
			continue;
		}
		mark(&sp);
		if (c == '\'') {
			int bs = d == ORM_DIALECT_MARIADB;
			if (d == ORM_DIALECT_POSTGRES && sp.i > 0 &&
			    (sp.s[sp.i - 1] == 'E' || sp.s[sp.i - 1] == 'e') &&
			    (sp.i < 2 || !is_word((unsigned char)sp.s[sp.i - 2])))
				bs = 1;
			skip_quoted(&sp, '\'', bs);
			continue;
		}
		if (c == '"') {
			skip_quoted(&sp, '"', d == ORM_DIALECT_MARIADB);
			continue;
		}
		if (c == '`' && d != ORM_DIALECT_POSTGRES) {
			skip_quoted(&sp, '`', 0);
			continue;
		}
		if (c == '[' && d == ORM_DIALECT_SQLITE) {
			skip_quoted(&sp, ']', 0);
			continue;
		}
		if (c == '$' && d == ORM_DIALECT_POSTGRES &&
		    (sp.i == 0 || !is_word((unsigned char)sp.s[sp.i - 1]))) {
			size_t j = sp.i + 1, taglen;
			if (j < sp.len && (isalpha((unsigned char)sp.s[j]) || sp.s[j] == '_' || sp.s[j] == '$')) {
				while (j < sp.len && (isalnum((unsigned char)sp.s[j]) || sp.s[j] == '_'))
					j++;
			}
			if (j < sp.len && sp.s[j] == '$') {
				const char *tag = sp.s + sp.i;
				taglen = j + 1 - sp.i;
				sp.i = j + 1;
				while (sp.i < sp.len) {
					if (sp.s[sp.i] == '$' && sp.len - sp.i >= taglen &&
					    memcmp(sp.s + sp.i, tag, taglen) == 0) {
						sp.i += taglen;
						break;
					}
					sp.i++;
				}
				if (sp.i >= sp.len)
					sp.i = sp.len;
				continue;
			}
		}
		if (is_word(c)) {
			size_t b = sp.i;
			while (sp.i < sp.len && is_word((unsigned char)sp.s[sp.i]))
				sp.i++;
			on_word(&sp, sp.s + b, sp.i - b);
			continue;
		}
		sp.i++;
	}
	return emit(&sp, sp.len);
}

void orm__sql_stmts_dispose(orm__sql_stmts *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		orm__free(s->items[i].sql);
	orm__free(s->items);
	s->items = NULL;
	s->n = s->alloc = 0;
}
