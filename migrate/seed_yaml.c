/*
 * YAML seed files, streamed with libyaml's event parser: one row at a
 * time is built (its strings in an arena reset per row), so a large file
 * needs no more memory than its largest row.
 *
 *   table:                 # a list of rows ...
 *     - {_label: a, col: value, ...}
 *   other:                 # ... or a mapping with rows and a natural key
 *     key: [code]
 *     rows: [...]
 *
 * A mapping or list as a value is serialised as JSON (for JSON columns);
 * the mapping {ref: NAME} is also reported as a label reference.
 */
#include "migrate/seed_internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct yaml_state {
	const char *path;
	const char *only_table;
	const orm__seed_reader_cb *cb;
	orm__seed_err *err;
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	int nsections;
	/* current section */
	orm__seed_section sec;
	char *table;
	char **key;
	size_t nkey;
	/* current row */
	const char **names;
	int *name_cols, *name_lines;
	orm__seed_cell *cells;
	size_t n, cap;
	orm__seed_arena arena;
	orm_buf json;
} yaml_state;

static int line_of(const yaml_mark_t *m)
{
	return (int)m->line + 1;
}

static int col_of(const yaml_mark_t *m)
{
	return (int)m->column + 1;
}

static int next(yaml_state *st)
{
	if (st->have_ev) {
		yaml_event_delete(&st->ev);
		st->have_ev = 0;
	}
	if (!yaml_parser_parse(&st->parser, &st->ev)) {
		if (st->parser.error == YAML_MEMORY_ERROR)
			return ORM_ENOMEM;
		if (st->parser.error == YAML_READER_ERROR)
			return orm__seed_errf(st->err, ORM_EPARSE, st->path, 0, 0, "YAML: %s",
					      st->parser.problem ? st->parser.problem : "read error");
		return orm__seed_errf(st->err, ORM_EPARSE, st->path,
				      line_of(&st->parser.problem_mark), col_of(&st->parser.problem_mark),
				      "YAML: %s%s%s", st->parser.problem ? st->parser.problem : "syntax error",
				      st->parser.context ? " " : "",
				      st->parser.context ? st->parser.context : "");
	}
	st->have_ev = 1;
	if (st->ev.type == YAML_ALIAS_EVENT)
		return orm__seed_errf(st->err, ORM_EPARSE, st->path, line_of(&st->ev.start_mark),
				      col_of(&st->ev.start_mark),
				      "YAML aliases (*name) are not supported in seed files");
	return 0;
}

static int fail_here(yaml_state *st, const char *what)
{
	return orm__seed_errf(st->err, ORM_EPARSE, st->path, line_of(&st->ev.start_mark),
			      col_of(&st->ev.start_mark), "%s", what);
}

static const char *scalar(const yaml_state *st, size_t *len)
{
	if (len)
		*len = st->ev.data.scalar.length;
	return (const char *)st->ev.data.scalar.value;
}

static int is_plain(const yaml_state *st)
{
	return st->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
	       st->ev.data.scalar.style == YAML_ANY_SCALAR_STYLE;
}

static int plain_is_null(const char *s, size_t len)
{
	return len == 0 || (len == 1 && s[0] == '~') ||
	       (len == 4 && (strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
			     strcmp(s, "NULL") == 0));
}

static int scalar_is_null(const yaml_state *st)
{
	size_t len;
	const char *s = scalar(st, &len);

	return is_plain(st) && plain_is_null(s, len);
}

/* Skip the node whose first event is the current one. */
static int skip_node(yaml_state *st)
{
	int depth = 0, rc;

	for (;;) {
		switch (st->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth == 0)
			return 0;
		if ((rc = next(st)) != 0)
			return rc;
	}
}

/* ---- JSON serialisation of a YAML node ---- */

static int json_string(orm_buf *out, const char *s, size_t len)
{
	size_t i;
	char esc[8];

	if (orm_buf_put(out, "\"", 1) < 0)
		return ORM_ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				e = esc;
			}
		}
		if (e ? orm_buf_puts(out, e) < 0 : orm_buf_put(out, s + i, 1) < 0)
			return ORM_ENOMEM;
	}
	return orm_buf_put(out, "\"", 1) < 0 ? ORM_ENOMEM : 0;
}

static int json_number(const char *s, size_t len)
{
	size_t i = 0;
	int digits = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0') {
		i++;
		digits = 1;
	} else {
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (i < len && s[i] == '.') {
		i++;
		digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
		if (!digits)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
		if (!digits)
			return 0;
	}
	return i == len;
}

static int json_scalar(yaml_state *st, orm_buf *out)
{
	size_t len;
	const char *s = scalar(st, &len);

	if (is_plain(st)) {
		if (plain_is_null(s, len))
			return orm_buf_puts(out, "null") < 0 ? ORM_ENOMEM : 0;
		if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
			return orm_buf_puts(out, "true") < 0 ? ORM_ENOMEM : 0;
		if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
			return orm_buf_puts(out, "false") < 0 ? ORM_ENOMEM : 0;
		if (json_number(s, len))
			return orm_buf_put(out, s, len) < 0 ? ORM_ENOMEM : 0;
	}
	return json_string(out, s, len);
}

/*
 * Serialise the node starting at the current event (a mapping or a
 * sequence). When it is exactly {ref: NAME}, *ref gets NAME (arena copy).
 */
static int json_node(yaml_state *st, orm_buf *out, int top, const char **ref)
{
	int rc, first = 1, npairs = 0, is_ref = 0;
	char *refname = NULL;

	if (st->ev.type == YAML_SCALAR_EVENT)
		return json_scalar(st, out);
	if (st->ev.type == YAML_SEQUENCE_START_EVENT) {
		if (orm_buf_put(out, "[", 1) < 0)
			return ORM_ENOMEM;
		for (;;) {
			if ((rc = next(st)) != 0)
				return rc;
			if (st->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			if (!first && orm_buf_put(out, ",", 1) < 0)
				return ORM_ENOMEM;
			first = 0;
			if ((rc = json_node(st, out, 0, NULL)) != 0)
				return rc;
		}
		return orm_buf_put(out, "]", 1) < 0 ? ORM_ENOMEM : 0;
	}
	if (st->ev.type != YAML_MAPPING_START_EVENT)
		return fail_here(st, "unexpected YAML event in a value");
	if (orm_buf_put(out, "{", 1) < 0)
		return ORM_ENOMEM;
	for (;;) {
		size_t klen;
		const char *k;

		if ((rc = next(st)) != 0)
			return rc;
		if (st->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (st->ev.type != YAML_SCALAR_EVENT)
			return fail_here(st, "a mapping key must be a plain value");
		k = scalar(st, &klen);
		npairs++;
		is_ref = top && npairs == 1 && strcmp(k, "ref") == 0;
		if (!first && orm_buf_put(out, ",", 1) < 0)
			return ORM_ENOMEM;
		first = 0;
		if ((rc = json_string(out, k, klen)) != 0 || orm_buf_put(out, ":", 1) < 0)
			return rc ? rc : ORM_ENOMEM;
		if ((rc = next(st)) != 0)
			return rc;
		if (is_ref && st->ev.type == YAML_SCALAR_EVENT && !scalar_is_null(st)) {
			size_t vl;
			const char *v = scalar(st, &vl);
			refname = orm__seed_arena_strndup(&st->arena, v, vl);
			if (!refname)
				return ORM_ENOMEM;
		}
		if ((rc = json_node(st, out, 0, NULL)) != 0)
			return rc;
	}
	if (ref && npairs == 1 && refname)
		*ref = refname;
	return orm_buf_put(out, "}", 1) < 0 ? ORM_ENOMEM : 0;
}

/* ---- rows ---- */

static int row_grow(yaml_state *st)
{
	size_t ncap = st->cap ? st->cap * 2 : 16;
	const char **nn = orm__realloc((void *)st->names, ncap * sizeof(*nn));
	int *nc, *nl;
	orm__seed_cell *ce;

	if (!nn)
		return ORM_ENOMEM;
	st->names = nn;
	if (!(nc = orm__realloc(st->name_cols, ncap * sizeof(*nc))))
		return ORM_ENOMEM;
	st->name_cols = nc;
	if (!(nl = orm__realloc(st->name_lines, ncap * sizeof(*nl))))
		return ORM_ENOMEM;
	st->name_lines = nl;
	if (!(ce = orm__realloc(st->cells, ncap * sizeof(*ce))))
		return ORM_ENOMEM;
	st->cells = ce;
	st->cap = ncap;
	return 0;
}

static int read_row(yaml_state *st, uint64_t *nrows)
{
	orm__seed_row row;
	int rc;
	size_t i;

	memset(&row, 0, sizeof(row));
	if (st->ev.type != YAML_MAPPING_START_EVENT)
		return fail_here(st, "a row must be a mapping of column: value");
	row.line = line_of(&st->ev.start_mark);
	st->n = 0;
	orm__seed_arena_reset(&st->arena);
	for (;;) {
		size_t klen;
		const char *k;
		orm__seed_cell *c;
		int kline, kcol;

		if ((rc = next(st)) != 0)
			return rc;
		if (st->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (st->ev.type != YAML_SCALAR_EVENT)
			return fail_here(st, "a column name must be a plain value");
		k = scalar(st, &klen);
		kline = line_of(&st->ev.start_mark);
		kcol = col_of(&st->ev.start_mark);
		if (strcmp(k, "_label") == 0) {
			if ((rc = next(st)) != 0)
				return rc;
			if (st->ev.type != YAML_SCALAR_EVENT || scalar_is_null(st) ||
			    st->ev.data.scalar.length == 0)
				return fail_here(st, "_label must be a name");
			if (row.label)
				return orm__seed_errf(st->err, ORM_EPARSE, st->path, kline, kcol,
						      "_label given twice in one row");
			row.label = orm__seed_arena_strndup(&st->arena, scalar(st, NULL),
							    st->ev.data.scalar.length);
			if (!row.label)
				return ORM_ENOMEM;
			row.label_line = line_of(&st->ev.start_mark);
			row.label_col = col_of(&st->ev.start_mark);
			continue;
		}
		for (i = 0; i < st->n; i++)
			if (strcmp(st->names[i], k) == 0)
				return orm__seed_errf(st->err, ORM_EPARSE, st->path, kline, kcol,
						      "column '%s' given twice in one row", k);
		if (st->n == st->cap && (rc = row_grow(st)) != 0)
			return rc;
		if (!(st->names[st->n] = orm__seed_arena_strndup(&st->arena, k, klen)))
			return ORM_ENOMEM;
		st->name_cols[st->n] = kcol;
		st->name_lines[st->n] = kline;
		c = &st->cells[st->n];
		memset(c, 0, sizeof(*c));
		if ((rc = next(st)) != 0)
			return rc;
		c->line = line_of(&st->ev.start_mark);
		c->col = col_of(&st->ev.start_mark);
		if (st->ev.type == YAML_SCALAR_EVENT) {
			size_t vl;
			const char *v = scalar(st, &vl);
			if (scalar_is_null(st)) {
				c->kind = ORM__SEED_CELL_NULL;
			} else {
				c->kind = is_plain(st) ? ORM__SEED_CELL_PLAIN : ORM__SEED_CELL_TEXT;
				if (!(c->s = orm__seed_arena_strndup(&st->arena, v, vl)))
					return ORM_ENOMEM;
				c->len = vl;
			}
		} else if (st->ev.type == YAML_MAPPING_START_EVENT ||
			   st->ev.type == YAML_SEQUENCE_START_EVENT) {
			orm_buf_clear(&st->json);
			if ((rc = json_node(st, &st->json, 1, &c->ref)) != 0)
				return rc;
			c->kind = ORM__SEED_CELL_JSON;
			c->len = st->json.size;
			if (!(c->s = orm__seed_arena_strndup(&st->arena, st->json.ptr ? st->json.ptr : "",
							     st->json.size)))
				return ORM_ENOMEM;
		} else {
			return fail_here(st, "unexpected YAML event in a row");
		}
		st->n++;
	}
	row.section = &st->sec;
	row.n = st->n;
	row.names = st->names;
	row.name_cols = st->name_cols;
	row.name_lines = st->name_lines;
	row.cells = st->cells;
	(*nrows)++;
	if (st->cb->row)
		return st->cb->row(st->cb->ctx, &row);
	return 0;
}

static int read_rows(yaml_state *st, uint64_t *nrows)
{
	int rc;

	if (st->ev.type == YAML_SCALAR_EVENT && scalar_is_null(st))
		return 0; /* no rows */
	if (st->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_here(st, "rows must be a list of mappings (column: value)");
	for (;;) {
		if ((rc = next(st)) != 0)
			return rc;
		if (st->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if ((rc = read_row(st, nrows)) != 0)
			return rc;
	}
}

static void free_key(yaml_state *st)
{
	size_t i;

	for (i = 0; i < st->nkey; i++)
		orm__free(st->key[i]);
	orm__free(st->key);
	st->key = NULL;
	st->nkey = 0;
}

static int add_key(yaml_state *st)
{
	char **nk;
	size_t len;
	const char *s = scalar(st, &len);

	if (scalar_is_null(st) || len == 0)
		return fail_here(st, "a key column must be a name");
	nk = orm__realloc(st->key, (st->nkey + 1) * sizeof(*nk));
	if (!nk)
		return ORM_ENOMEM;
	st->key = nk;
	if (!(st->key[st->nkey] = orm__strndup(s, len)))
		return ORM_ENOMEM;
	st->nkey++;
	return 0;
}

static void sec_sync(yaml_state *st)
{
	st->sec.nkey = st->nkey;
	st->sec.key = (const char *const *)st->key;
}

static int read_section(yaml_state *st)
{
	int rc, skip, started = 0;
	uint64_t nrows = 0;

	free_key(st);
	orm__free(st->table);
	if (!(st->table = orm__strndup(scalar(st, NULL), st->ev.data.scalar.length)))
		return ORM_ENOMEM;
	if (!*st->table || scalar_is_null(st))
		return fail_here(st, "empty table name");
	memset(&st->sec, 0, sizeof(st->sec));
	st->sec.index = st->nsections++;
	st->sec.table = st->table;
	st->sec.line = line_of(&st->ev.start_mark);
	st->sec.col = col_of(&st->ev.start_mark);
	skip = st->only_table && strcasecmp(st->only_table, st->table) != 0;
	if ((rc = next(st)) != 0)
		return rc;
	if (skip) {
		if ((rc = skip_node(st)) != 0)
			return rc;
	} else if (st->ev.type == YAML_MAPPING_START_EVENT) {
		/* { key: ..., rows: [...] } */
		int have_rows = 0;
		for (;;) {
			size_t kl;
			const char *k;
			if ((rc = next(st)) != 0)
				return rc;
			if (st->ev.type == YAML_MAPPING_END_EVENT)
				break;
			if (st->ev.type != YAML_SCALAR_EVENT)
				return fail_here(st, "expected 'key' or 'rows'");
			k = scalar(st, &kl);
			if (strcmp(k, "key") == 0) {
				st->sec.key_line = line_of(&st->ev.start_mark);
				st->sec.key_col = col_of(&st->ev.start_mark);
				if ((rc = next(st)) != 0)
					return rc;
				free_key(st);
				if (st->ev.type == YAML_SCALAR_EVENT) {
					if ((rc = add_key(st)) != 0)
						return rc;
				} else if (st->ev.type == YAML_SEQUENCE_START_EVENT) {
					for (;;) {
						if ((rc = next(st)) != 0)
							return rc;
						if (st->ev.type == YAML_SEQUENCE_END_EVENT)
							break;
						if (st->ev.type != YAML_SCALAR_EVENT)
							return fail_here(st, "a key column must be a name");
						if ((rc = add_key(st)) != 0)
							return rc;
					}
				} else {
					return fail_here(st, "key must be a column name or a list of names");
				}
				sec_sync(st);
			} else if (strcmp(k, "rows") == 0) {
				if (have_rows)
					return fail_here(st, "'rows' given twice");
				have_rows = 1;
				if ((rc = next(st)) != 0)
					return rc;
				if (!started) {
					started = 1;
					if (st->cb->section && (rc = st->cb->section(st->cb->ctx, &st->sec)) != 0)
						return rc;
				}
				if ((rc = read_rows(st, &nrows)) != 0)
					return rc;
			} else {
				return orm__seed_errf(st->err, ORM_EPARSE, st->path,
						      line_of(&st->ev.start_mark), col_of(&st->ev.start_mark),
						      "unknown key '%s' in table '%s' (expected 'key' or 'rows'; "
						      "rows themselves go in a list)", k, st->table);
			}
		}
	} else {
		if (st->cb->section && (rc = st->cb->section(st->cb->ctx, &st->sec)) != 0)
			return rc;
		started = 1;
		if ((rc = read_rows(st, &nrows)) != 0)
			return rc;
	}
	if (!started && st->cb->section && (rc = st->cb->section(st->cb->ctx, &st->sec)) != 0)
		return rc;
	if (st->cb->section_end)
		return st->cb->section_end(st->cb->ctx, &st->sec, nrows);
	return 0;
}

int orm__seed_yaml_read(const char *path, const char *only_table, const orm__seed_reader_cb *cb,
			orm__seed_err *err)
{
	yaml_state st;
	FILE *f = NULL;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.only_table = only_table;
	st.cb = cb;
	st.err = err;
	if (!yaml_parser_initialize(&st.parser))
		return ORM_ENOMEM;
	f = fopen(path, "rb");
	if (!f) {
		rc = orm__seed_errf(err, ORM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	yaml_parser_set_input_file(&st.parser, f);
	if ((rc = next(&st)) != 0)
		goto out;
	if (st.ev.type != YAML_STREAM_START_EVENT) {
		rc = fail_here(&st, "not a YAML stream");
		goto out;
	}
	if ((rc = next(&st)) != 0)
		goto out;
	if (st.ev.type == YAML_STREAM_END_EVENT)
		goto out; /* empty file */
	if ((rc = next(&st)) != 0)
		goto out;
	if (st.ev.type == YAML_SCALAR_EVENT && scalar_is_null(&st)) {
		/* an empty document */
	} else if (st.ev.type != YAML_MAPPING_START_EVENT) {
		rc = fail_here(&st, "a YAML seed file is a mapping from table names to lists of rows");
		goto out;
	} else {
		for (;;) {
			if ((rc = next(&st)) != 0)
				goto out;
			if (st.ev.type == YAML_MAPPING_END_EVENT)
				break;
			if (st.ev.type != YAML_SCALAR_EVENT) {
				rc = fail_here(&st, "a table name must be a plain value");
				goto out;
			}
			if ((rc = read_section(&st)) != 0)
				goto out;
		}
	}
	if ((rc = next(&st)) != 0) /* document end */
		goto out;
	if ((rc = next(&st)) != 0)
		goto out;
	if (st.ev.type != YAML_STREAM_END_EVENT)
		rc = fail_here(&st, "only one YAML document is allowed in a seed file");
out:
	if (st.have_ev)
		yaml_event_delete(&st.ev);
	yaml_parser_delete(&st.parser);
	if (f)
		fclose(f);
	free_key(&st);
	orm__free(st.table);
	orm__free((void *)st.names);
	orm__free(st.name_cols);
	orm__free(st.name_lines);
	orm__free(st.cells);
	orm__seed_arena_free(&st.arena);
	orm_buf_dispose(&st.json);
	return rc;
}

/* ---- writing ---- */

int orm__seed_yaml_scalar(orm_buf *out, const char *s, size_t len)
{
	size_t i;
	int plain = len > 0;

	if (!s)
		return orm_buf_puts(out, "null") < 0 ? ORM_ENOMEM : 0;
	/* plain only for simple text that YAML cannot read as anything else */
	for (i = 0; i < len && plain; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && ((c >= '0' && c <= '9') || c == ' ' || c == '.' || c == '-'))))
			plain = 0;
	}
	if (plain && (s[len - 1] == ' ' || plain_is_null(s, len) ||
		      (len <= 5 && (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0 ||
				    strcasecmp(s, "yes") == 0 || strcasecmp(s, "no") == 0 ||
				    strcasecmp(s, "on") == 0 || strcasecmp(s, "off") == 0 ||
				    strcasecmp(s, "y") == 0 || strcasecmp(s, "n") == 0))))
		plain = 0;
	if (plain)
		return orm_buf_put(out, s, len) < 0 ? ORM_ENOMEM : 0;
	/* double-quoted with escapes */
	if (orm_buf_put(out, "\"", 1) < 0)
		return ORM_ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *e = NULL;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				e = esc;
			}
		}
		if (e ? orm_buf_puts(out, e) < 0 : orm_buf_put(out, s + i, 1) < 0)
			return ORM_ENOMEM;
	}
	return orm_buf_put(out, "\"", 1) < 0 ? ORM_ENOMEM : 0;
}
