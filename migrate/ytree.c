/*
 * A YAML document tree on top of libyaml's event parser. Every node keeps
 * its line, column and byte span, so that config and migration errors can
 * name FILE:LINE:COL, and so that a migration step's source text can be
 * hashed. Anchors and aliases are supported (an alias shares the anchored
 * node); `<<` merge keys are resolved into the mapping that holds them.
 */
#include "migrate/migrate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct anchor {
	char *name;
	orm__yt_node *node;
};

struct parser {
	yaml_parser_t p;
	orm__yt_doc *doc;
	orm_buf *err;
	struct anchor *anchors;
	size_t nanchors, aanchors;
};

int orm__yt_err(orm_buf *err, const orm__yt_doc *doc, const orm__yt_node *n, int code,
		const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!err)
		return code;
	orm_buf_clear(err);
	if (n)
		orm_buf_printf(err, "%s:%d:%d: %s", doc && doc->filename ? doc->filename : "<yaml>",
			       n->line, n->col, msg);
	else
		orm_buf_printf(err, "%s: %s", doc && doc->filename ? doc->filename : "<yaml>", msg);
	return code;
}

static orm__yt_node *node_new(struct parser *ps, int kind, const yaml_mark_t *m)
{
	orm__yt_doc *d = ps->doc;
	orm__yt_node *n;

	if (d->nall == d->aall) {
		size_t na = d->aall ? d->aall * 2 : 32;
		orm__yt_node **p = orm__realloc(d->all, na * sizeof(*p));
		if (!p)
			return NULL;
		d->all = p;
		d->aall = na;
	}
	n = orm__calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->start = m->index;
	d->all[d->nall++] = n;
	return n;
}

/* Append a sequence item. */
static int node_push(orm__yt_node *seq, orm__yt_node *child)
{
	if (seq->n + 1 > seq->alloc) {
		size_t na = seq->alloc ? seq->alloc * 2 : 8;
		orm__yt_node **p = orm__realloc(seq->items, na * sizeof(*p));
		if (!p)
			return ORM_ENOMEM;
		seq->items = p;
		seq->alloc = na;
	}
	seq->items[seq->n] = child;
	return 0;
}

static int perr(struct parser *ps, const yaml_mark_t *m, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	orm_buf_clear(ps->err);
	orm_buf_printf(ps->err, "%s:%d:%d: %s", ps->doc->filename ? ps->doc->filename : "<yaml>",
		       m ? (int)m->line + 1 : 1, m ? (int)m->column + 1 : 1, msg);
	return ORM_EPARSE;
}

static int next_event(struct parser *ps, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ps->p, ev)) {
		const char *what = ps->p.problem ? ps->p.problem : "syntax error";
		char msg[512];
		yaml_mark_t m = ps->p.problem_mark;

		if (ps->p.error == YAML_MEMORY_ERROR)
			return ORM_ENOMEM;
		if (ps->p.context)
			snprintf(msg, sizeof(msg), "%s %s", what, ps->p.context);
		else
			snprintf(msg, sizeof(msg), "%s", what);
		return perr(ps, &m, "YAML syntax error: %s", msg);
	}
	return 0;
}

static int add_anchor(struct parser *ps, const char *name, orm__yt_node *n)
{
	if (!name)
		return 0;
	if (ps->nanchors == ps->aanchors) {
		size_t na = ps->aanchors ? ps->aanchors * 2 : 8;
		struct anchor *p = orm__realloc(ps->anchors, na * sizeof(*p));
		if (!p)
			return ORM_ENOMEM;
		ps->anchors = p;
		ps->aanchors = na;
	}
	ps->anchors[ps->nanchors].name = orm__strdup(name);
	if (!ps->anchors[ps->nanchors].name)
		return ORM_ENOMEM;
	ps->anchors[ps->nanchors++].node = n;
	return 0;
}

static orm__yt_node *find_anchor(struct parser *ps, const char *name)
{
	size_t i;

	/* the latest definition wins */
	for (i = ps->nanchors; i-- > 0;)
		if (strcmp(ps->anchors[i].name, name) == 0)
			return ps->anchors[i].node;
	return NULL;
}

static int map_has_key(const orm__yt_node *m, const orm__yt_node *key)
{
	size_t i;

	if (key->kind != ORM__YT_SCALAR)
		return 0;
	for (i = 0; i < m->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(m, i);
		if (k->kind == ORM__YT_SCALAR && k->len == key->len && memcmp(k->str, key->str, k->len) == 0)
			return 1;
	}
	return 0;
}

static int map_append(orm__yt_node *m, orm__yt_node *k, orm__yt_node *v)
{
	if ((m->n + 1) * 2 > m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 8;
		orm__yt_node **p;
		while (na < (m->n + 1) * 2)
			na *= 2;
		p = orm__realloc(m->items, na * sizeof(*p));
		if (!p)
			return ORM_ENOMEM;
		m->items = p;
		m->alloc = na;
	}
	m->items[2 * m->n] = k;
	m->items[2 * m->n + 1] = v;
	m->n++;
	return 0;
}

/* Resolve `<<` keys: merged pairs come after the mapping's own pairs and never override them. */
static int resolve_merges(struct parser *ps, orm__yt_node *m)
{
	orm__yt_node **pairs;
	size_t n = m->n, i, j, k;
	int rc = 0, any = 0;

	for (i = 0; i < n; i++)
		if (orm__yt_is(ORM__YT_KEY(m, i), "<<") && ORM__YT_KEY(m, i)->plain)
			any = 1;
	if (!any)
		return 0;
	pairs = orm__malloc(2 * n * sizeof(*pairs));
	if (!pairs)
		return ORM_ENOMEM;
	memcpy(pairs, m->items, 2 * n * sizeof(*pairs));
	m->n = 0;
	for (i = 0; i < n; i++)
		if (!(orm__yt_is(pairs[2 * i], "<<") && pairs[2 * i]->plain))
			if ((rc = map_append(m, pairs[2 * i], pairs[2 * i + 1])) < 0)
				goto out;
	for (i = 0; i < n; i++) {
		orm__yt_node *v = pairs[2 * i + 1];
		orm__yt_node *srcs1[1];
		orm__yt_node **srcs;
		size_t ns;

		if (!(orm__yt_is(pairs[2 * i], "<<") && pairs[2 * i]->plain))
			continue;
		if (v->kind == ORM__YT_MAP) {
			srcs1[0] = v;
			srcs = srcs1;
			ns = 1;
		} else if (v->kind == ORM__YT_SEQ) {
			srcs = v->items;
			ns = v->n;
		} else {
			yaml_mark_t mk = { 0, (size_t)v->line - 1, (size_t)v->col - 1 };
			rc = perr(ps, &mk, "the merge key << needs a mapping or a list of mappings%s", NULL);
			goto out;
		}
		for (j = 0; j < ns; j++) {
			orm__yt_node *src = srcs[j];
			if (src->kind != ORM__YT_MAP) {
				yaml_mark_t mk = { 0, (size_t)src->line - 1, (size_t)src->col - 1 };
				rc = perr(ps, &mk, "the merge key << needs mappings%s", NULL);
				goto out;
			}
			for (k = 0; k < src->n; k++)
				if (!map_has_key(m, ORM__YT_KEY(src, k)))
					if ((rc = map_append(m, ORM__YT_KEY(src, k), ORM__YT_VAL(src, k))) < 0)
						goto out;
		}
	}
out:
	orm__free(pairs);
	return rc;
}

/* Parse one node whose first event is `ev` (consumed by the caller on success). */
static int parse_node(struct parser *ps, yaml_event_t *ev, orm__yt_node **out, int depth)
{
	orm__yt_node *n = NULL;
	yaml_event_t e;
	int rc;

	*out = NULL;
	if (depth > 200)
		return perr(ps, &ev->start_mark, "YAML nested too deeply%s", NULL);
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		n = find_anchor(ps, (const char *)ev->data.alias.anchor);
		if (!n)
			return perr(ps, &ev->start_mark, "unknown alias *%s", (const char *)ev->data.alias.anchor);
		*out = n;
		return 0;
	case YAML_SCALAR_EVENT:
		n = node_new(ps, ORM__YT_SCALAR, &ev->start_mark);
		if (!n)
			return ORM_ENOMEM;
		n->str = orm__strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		if (!n->str)
			return ORM_ENOMEM;
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->end = ev->end_mark.index;
		if ((rc = add_anchor(ps, (const char *)ev->data.scalar.anchor, n)) < 0)
			return rc;
		*out = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(ps, ORM__YT_SEQ, &ev->start_mark);
		if (!n)
			return ORM_ENOMEM;
		if ((rc = add_anchor(ps, (const char *)ev->data.sequence_start.anchor, n)) < 0)
			return rc;
		for (;;) {
			orm__yt_node *child;
			if ((rc = next_event(ps, &e)) < 0)
				return rc;
			if (e.type == YAML_SEQUENCE_END_EVENT) {
				n->end = e.end_mark.index;
				yaml_event_delete(&e);
				break;
			}
			rc = parse_node(ps, &e, &child, depth + 1);
			yaml_event_delete(&e);
			if (rc < 0)
				return rc;
			if ((rc = node_push(n, child)) < 0)
				return rc;
			n->n++;
		}
		*out = n;
		return 0;
	case YAML_MAPPING_START_EVENT:
		n = node_new(ps, ORM__YT_MAP, &ev->start_mark);
		if (!n)
			return ORM_ENOMEM;
		if ((rc = add_anchor(ps, (const char *)ev->data.mapping_start.anchor, n)) < 0)
			return rc;
		for (;;) {
			orm__yt_node *k, *v;
			if ((rc = next_event(ps, &e)) < 0)
				return rc;
			if (e.type == YAML_MAPPING_END_EVENT) {
				n->end = e.end_mark.index;
				yaml_event_delete(&e);
				break;
			}
			rc = parse_node(ps, &e, &k, depth + 1);
			yaml_event_delete(&e);
			if (rc < 0)
				return rc;
			if (k->kind != ORM__YT_SCALAR) {
				yaml_mark_t mk = { k->start, (size_t)k->line - 1, (size_t)k->col - 1 };
				return perr(ps, &mk, "mapping keys must be scalars%s", NULL);
			}
			if (map_has_key(n, k) && !(orm__yt_is(k, "<<") && k->plain)) {
				yaml_mark_t mk = { k->start, (size_t)k->line - 1, (size_t)k->col - 1 };
				return perr(ps, &mk, "duplicate key '%s'", k->str);
			}
			if ((rc = next_event(ps, &e)) < 0)
				return rc;
			rc = parse_node(ps, &e, &v, depth + 1);
			yaml_event_delete(&e);
			if (rc < 0)
				return rc;
			if ((rc = map_append(n, k, v)) < 0)
				return rc;
		}
		if ((rc = resolve_merges(ps, n)) < 0)
			return rc;
		*out = n;
		return 0;
	default:
		return perr(ps, &ev->start_mark, "unexpected YAML event%s", NULL);
	}
}

/* A NUL byte would silently end libyaml's input: refuse it with its position. */
static int check_nul(struct parser *ps, const char *s, size_t len)
{
	const char *z = memchr(s, 0, len);
	size_t i, line = 0, col = 0;

	if (!z)
		return 0;
	for (i = 0; s + i < z; i++) {
		if (s[i] == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	{
		yaml_mark_t m = { i, line, col };
		return perr(ps, &m, "NUL byte in YAML text%s", NULL);
	}
}

int orm__yt_parse(orm__yt_doc **out, const char *text, size_t len, const char *filename,
		  orm_buf *err)
{
	struct parser ps;
	yaml_event_t ev;
	int rc = 0, done = 0;
	size_t i;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	ps.doc = orm__calloc(1, sizeof(*ps.doc));
	if (!ps.doc)
		return ORM_ENOMEM;
	ps.doc->filename = orm__strdup(filename ? filename : "<yaml>");
	if (!ps.doc->filename) {
		orm__yt_free(ps.doc);
		return ORM_ENOMEM;
	}
	if ((rc = check_nul(&ps, text, len)) < 0) {
		orm__yt_free(ps.doc);
		return rc;
	}
	if (!yaml_parser_initialize(&ps.p)) {
		orm__yt_free(ps.doc);
		return ORM_ENOMEM;
	}
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)text, len);
	while (!done) {
		if ((rc = next_event(&ps, &ev)) < 0)
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ps.doc->root) {
				rc = perr(&ps, &ev.start_mark, "only one YAML document is allowed per file%s", NULL);
				done = 1;
			}
			break;
		default:
			if (ps.doc->root) {
				rc = perr(&ps, &ev.start_mark, "only one YAML document is allowed per file%s", NULL);
				done = 1;
				break;
			}
			rc = parse_node(&ps, &ev, &ps.doc->root, 0);
			if (rc < 0)
				done = 1;
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps.p);
	for (i = 0; i < ps.nanchors; i++)
		orm__free(ps.anchors[i].name);
	orm__free(ps.anchors);
	if (rc < 0) {
		if (rc == ORM_ENOMEM && err) {
			orm_buf_clear(err);
			orm_buf_printf(err, "%s: out of memory", filename ? filename : "<yaml>");
		}
		orm__yt_free(ps.doc);
		return rc;
	}
	*out = ps.doc;
	return 0;
}

void orm__yt_free(orm__yt_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nall; i++) {
		orm__free(doc->all[i]->str);
		orm__free(doc->all[i]->items);
		orm__free(doc->all[i]);
	}
	orm__free(doc->all);
	orm__free(doc->filename);
	orm__free(doc);
}

orm__yt_node *orm__yt_get(const orm__yt_node *map, const char *key)
{
	size_t i, klen;

	if (!map || map->kind != ORM__YT_MAP)
		return NULL;
	klen = strlen(key);
	for (i = 0; i < map->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(map, i);
		if (k->len == klen && memcmp(k->str, key, klen) == 0)
			return ORM__YT_VAL(map, i);
	}
	return NULL;
}

int orm__yt_is_null(const orm__yt_node *n)
{
	if (!n)
		return 1;
	if (n->kind != ORM__YT_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcasecmp(n->str, "null") == 0;
}

int orm__yt_is(const orm__yt_node *n, const char *s)
{
	return n && n->kind == ORM__YT_SCALAR && strcmp(n->str, s) == 0;
}

int orm__yt_bool(const orm__yt_node *n, int *out)
{
	static const char *const t[] = { "true", "yes", "on", "1", NULL };
	static const char *const f[] = { "false", "no", "off", "0", NULL };
	int i;

	if (!n || n->kind != ORM__YT_SCALAR)
		return -1;
	for (i = 0; t[i]; i++)
		if (strcasecmp(n->str, t[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; f[i]; i++)
		if (strcasecmp(n->str, f[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -1;
}

int orm__yt_int(const orm__yt_node *n, long long *out)
{
	char *end;
	long long v;

	if (!n || n->kind != ORM__YT_SCALAR || n->len == 0)
		return -1;
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

const char *orm__yt_kind_name(const orm__yt_node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case ORM__YT_SCALAR: return "a scalar";
	case ORM__YT_SEQ: return "a list";
	case ORM__YT_MAP: return "a mapping";
	}
	return "?";
}
