/*
 * Associations: key defaults, eager loading by path (one query per
 * relation level, keys as one array parameter or chunked IN lists,
 * stitched by key through a hash and a stable counting sort), loading after the fact, strict mode, and the pivot
 * operations attach / detach / sync.
 */
#include "orm/model_internal.h"
#include "orm/query_internal.h"

#include <stdio.h>
#include <string.h>
#include <uthash.h>

/* IN lists up to this many keys are prepared through the statement cache. */
#define CACHED_IN_MAX 64
/* Pivot rows per INSERT statement at most. */
#define ATTACH_MAX_ROWS 500

static const char *mn(const orm_model *m)
{
	return m->name ? m->name : m->table;
}

/* ------------------------------------------------------------------ */
/* keys                                                               */

static void pk_col(const orm_model *m, char *out, size_t len)
{
	int pk = orm__mdl_single_pk(m);

	snprintf(out, len, "%s", pk >= 0 ? orm__mdl_col(&m->fields[pk]) : "id");
}

/* Last part of a (possibly schema-qualified) table name. */
static const char *table_base(const char *t, size_t *schema_len)
{
	const char *dot = strrchr(t, '.');

	*schema_len = dot ? (size_t)(dot - t) : 0;
	return dot ? dot + 1 : t;
}

void orm__rel_keys(const orm_model *m, const orm_relation *rel, char *fk, char *ok, char *pivot,
		   size_t len)
{
	char sing[256];

	fk[0] = ok[0] = pivot[0] = '\0';
	switch (rel->kind) {
	case ORM_REL_HAS_ONE:
	case ORM_REL_HAS_MANY:
		orm__mdl_singular(m, sing, sizeof(sing));
		if (rel->foreign_key)
			snprintf(fk, len, "%s", rel->foreign_key);
		else
			snprintf(fk, len, "%s_id", sing);
		break;
	case ORM_REL_BELONGS_TO:
		orm__mdl_singular(rel->target, sing, sizeof(sing));
		if (rel->foreign_key)
			snprintf(fk, len, "%s", rel->foreign_key);
		else
			snprintf(fk, len, "%s_id", sing);
		if (rel->other_key)
			snprintf(ok, len, "%s", rel->other_key);
		else
			pk_col(rel->target, ok, len);
		break;
	case ORM_REL_BELONGS_TO_MANY: {
		const char *a, *b;
		size_t sa, sb;

		orm__mdl_singular(m, sing, sizeof(sing));
		if (rel->foreign_key)
			snprintf(fk, len, "%s", rel->foreign_key);
		else
			snprintf(fk, len, "%s_id", sing);
		orm__mdl_singular(rel->target, sing, sizeof(sing));
		if (rel->other_key)
			snprintf(ok, len, "%s", rel->other_key);
		else
			snprintf(ok, len, "%s_id", sing);
		if (rel->pivot) {
			snprintf(pivot, len, "%s", rel->pivot);
			break;
		}
		a = table_base(m->table, &sa);
		b = table_base(rel->target->table, &sb);
		if (strcmp(a, b) > 0) {
			const char *t = a;
			a = b;
			b = t;
		}
		/* the parent's schema, if any, holds the pivot */
		if (sa)
			snprintf(pivot, len, "%.*s.%s_%s", (int)sa, m->table, a, b);
		else
			snprintf(pivot, len, "%s_%s", a, b);
		break;
	}
	case ORM_REL_HAS_MANY_THROUGH:
		orm__mdl_singular(m, sing, sizeof(sing));
		if (rel->foreign_key)
			snprintf(fk, len, "%s", rel->foreign_key);
		else
			snprintf(fk, len, "%s_id", sing);
		if (rel->through) {
			orm__mdl_singular(rel->through, sing, sizeof(sing));
			if (rel->other_key)
				snprintf(ok, len, "%s", rel->other_key);
			else
				snprintf(ok, len, "%s_id", sing);
		}
		break;
	}
}

const orm_relation *orm_model_relation(const orm_model *m, const char *name)
{
	size_t r;

	if (!m || !name)
		return NULL;
	for (r = 0; r < m->nrelations; r++)
		if (m->relations[r].name && strcmp(m->relations[r].name, name) == 0)
			return &m->relations[r];
	return NULL;
}

int orm_model_loaded(const void *obj, const orm_model *m, const char *name)
{
	const orm_relation *rel = orm_model_relation(m, name);

	if (!obj || !rel)
		return 0;
	return (orm__mdl_state(m, obj)->loaded >> (rel - m->relations)) & 1u;
}

/* ------------------------------------------------------------------ */
/* the tree of paths                                                  */

struct wnode {
	const orm_model *m;         /* the model whose relation this is (parent side) */
	const orm_relation *rel;    /* NULL at the root */
	size_t relidx;
	const orm_with *spec;       /* the entry whose path ends here, or NULL */
	struct wnode *kids;
	size_t nkids, akids;
};

static void wnode_dispose(struct wnode *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		wnode_dispose(&n->kids[i]);
	orm__free(n->kids);
	n->kids = NULL;
	n->nkids = n->akids = 0;
}

static int build_tree(orm_conn *conn, struct wnode *root, const orm_with *with, size_t nwith)
{
	size_t w;

	for (w = 0; w < nwith; w++) {
		const char *path = with[w].path, *p;
		struct wnode *cur = root;

		if (!path || !*path)
			return orm__err(conn, ORM_EINVAL, "eager load: path %zu is empty", w);
		p = path;
		for (;;) {
			const char *dot = strchr(p, '.');
			size_t len = dot ? (size_t)(dot - p) : strlen(p), k, r;
			const orm_model *pm = cur->rel ? cur->rel->target : cur->m;
			struct wnode *next = NULL;

			for (k = 0; k < cur->nkids; k++) {
				const char *nm = cur->kids[k].rel->name;
				if (strlen(nm) == len && strncmp(nm, p, len) == 0) {
					next = &cur->kids[k];
					break;
				}
			}
			if (!next) {
				for (r = 0; r < pm->nrelations; r++) {
					const char *nm = pm->relations[r].name;
					if (nm && strlen(nm) == len && strncmp(nm, p, len) == 0)
						break;
				}
				if (r == pm->nrelations)
					return orm__err(conn, ORM_EINVAL,
							"eager load \"%s\": model %s has no relation \"%.*s\"", path,
							mn(pm), (int)len, p);
				if (!pm->relations[r].target)
					return orm__err(conn, ORM_EINVAL,
							"eager load \"%s\": relation %s.%s has no target model", path,
							mn(pm), pm->relations[r].name);
				if (cur->nkids == cur->akids) {
					size_t na = cur->akids ? cur->akids * 2 : 4;
					struct wnode *nk = orm__realloc(cur->kids, na * sizeof(*nk));
					if (!nk)
						return orm__err(conn, ORM_ENOMEM, "eager load: out of memory");
					cur->kids = nk;
					cur->akids = na;
				}
				next = &cur->kids[cur->nkids++];
				memset(next, 0, sizeof(*next));
				next->m = pm;
				next->rel = &pm->relations[r];
				next->relidx = r;
			}
			cur = next;
			if (!dot)
				break;
			p = dot + 1;
		}
		if (cur->spec && cur->spec->constraint && with[w].constraint)
			return orm__err(conn, ORM_EINVAL, "eager load: path \"%s\" is given twice with a constraint",
					path);
		if (!cur->spec || with[w].constraint || with[w].max_keys)
			cur->spec = &with[w];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* loading one level                                                  */

/* One distinct parent key of a level and where its rows go. */
struct kent {
	int64_t i;               /* the key, integer mode */
	size_t cnt, start, fill; /* rows of this key; first slot; rows placed */
	size_t first;            /* first row seen (to-one, and the grouped check) */
};

/* Text mode: the key's value, hashed with uthash (kept beside ents[]). */
struct ktext {
	UT_hash_handle hh;
	orm_value v;
};

/*
 * The parents' distinct keys: ents[0..n). Integer keys (the usual case)
 * are found through an open-addressing table of indexes, 4 bytes a slot,
 * rather than a uthash handle of 56 bytes per key: eager loading keeps
 * this for every parent of a level (200 000 posts in the benchmark).
 */
struct kindex {
	int text;
	struct kent *ents;
	size_t n;
	uint32_t *slot; /* ents index + 1; 0 = empty */
	size_t mask;
	struct ktext *tents, *head;
};

static int key_mode_text(const orm_field *f, const orm_value *sample)
{
	switch (f->ctype) {
	case ORM_CT_INT64:
	case ORM_CT_INT32:
		return 0;
	case ORM_CT_VALUE:
		return sample && sample->type != ORM_TYPE_INT && sample->type != ORM_TYPE_BOOL;
	default:
		return 1;
	}
}

/* room for np keys; ORM_ENOMEM (also for more keys than 32-bit slots hold) */
static int kindex_init(struct kindex *x, int text, size_t np)
{
	size_t cap = 8;

	memset(x, 0, sizeof(*x));
	x->text = text;
	if (np >= UINT32_MAX / 2)
		return ORM_ENOMEM;
	x->ents = orm__calloc(np ? np : 1, sizeof(*x->ents));
	if (!x->ents)
		return ORM_ENOMEM;
	if (text) {
		x->tents = orm__calloc(np ? np : 1, sizeof(*x->tents));
		return x->tents ? 0 : ORM_ENOMEM;
	}
	while (cap < 2 * np)
		cap *= 2;
	x->slot = orm__calloc(cap, sizeof(*x->slot));
	x->mask = cap - 1;
	return x->slot ? 0 : ORM_ENOMEM;
}

static void kindex_free(struct kindex *x)
{
	HASH_CLEAR(hh, x->head);
	orm__free(x->tents);
	orm__free(x->slot);
	orm__free(x->ents);
	memset(x, 0, sizeof(*x));
}

static size_t kslot(const struct kindex *x, int64_t i)
{
	uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;

	return (size_t)(h ^ (h >> 32)) & x->mask;
}

/* The entry of integer key i, or where it would go (*at). */
static struct kent *kindex_find_int(const struct kindex *x, int64_t i, size_t *at)
{
	size_t h = kslot(x, i);

	while (x->slot[h]) {
		struct kent *e = &x->ents[x->slot[h] - 1];
		if (e->i == i)
			return e;
		h = (h + 1) & x->mask;
	}
	if (at)
		*at = h;
	return NULL;
}

/* The entry of the key value v (a row's key column), NULL if none; num is
 * scratch of ORM__INT64_CHARS bytes for an integer looked up as text. */
static struct kent *kindex_find(const struct kindex *x, const orm_value *v, char *num)
{
	struct ktext *t = NULL;
	int64_t i;

	if (v->type == ORM_TYPE_NULL)
		return NULL;
	if (!x->text)
		return orm__mdl_value_int(v, &i) < 0 ? NULL : kindex_find_int(x, i, NULL);
	if (v->type == ORM_TYPE_INT) {
		size_t n = orm__fmt_int64(num, v->u.i); /* as skey_set() writes it */
		HASH_FIND(hh, x->head, num, n, t);
	} else if (v->type == ORM_TYPE_BLOB || (v->type >= ORM_TYPE_TEXT && v->type <= ORM_TYPE_UUID)) {
		HASH_FIND(hh, x->head, v->u.s.ptr, v->u.s.len, t);
	}
	return t ? &x->ents[t - x->tents] : NULL;
}

/* The entry of a parent's key v, added when new. NULL on ENOMEM. */
static struct kent *kindex_add(struct kindex *x, const orm_value *v, int64_t i)
{
	struct kent *e;
	size_t at;

	if (!x->text) {
		if ((e = kindex_find_int(x, i, &at)) != NULL)
			return e;
		e = &x->ents[x->n];
		e->i = i;
		x->slot[at] = (uint32_t)++x->n;
		return e;
	} else {
		struct ktext *t = NULL;
		HASH_FIND(hh, x->head, v->u.s.ptr, v->u.s.len, t);
		if (t)
			return &x->ents[t - x->tents];
		t = &x->tents[x->n];
		t->v = *v;
		HASH_ADD_KEYPTR(hh, x->head, t->v.u.s.ptr, t->v.u.s.len, t);
		if (!t->hh.tbl)
			return NULL;
		return &x->ents[x->n++];
	}
}

struct level {
	orm_conn *conn;
	struct orm__hold *hold;
	uint32_t flags;
};

static int load_node(struct level *L, struct wnode *node, const orm_model *pm, char *parents, size_t np);

/* Clear a relation's members on every parent and mark it loaded. */
static void parents_empty(const orm_relation *rel, size_t relidx, const orm_model *pm, char *parents,
			  size_t np)
{
	size_t p;

	for (p = 0; p < np; p++) {
		char *obj = parents + p * pm->size;
		*(void **)(obj + rel->offset) = NULL;
		if (rel->count_offset != (size_t)-1)
			*(size_t *)(obj + rel->count_offset) = 0;
		orm__mdl_state(pm, obj)->loaded |= 1u << relidx;
	}
}

/*
 * Put the rows of `rows` (n objects of `size` bytes) in the order of
 * their parents' slices, in place: row k goes to rowent[k]->start + (its
 * rank among the rows of that key), rows without a parent go after the
 * `total` kept ones. Moving in place (cycles of swaps) instead of copying
 * into a second array halves the level's peak memory.
 * @return 0 or ORM_ENOMEM.
 */
static int stitch_in_place(char *rows, size_t size, size_t n, struct kent **rowent, size_t total)
{
	size_t *dest, k, j, spare = total;
	char *buf;

	if (n == 0)
		return 0;
	dest = orm__malloc(n * sizeof(*dest));
	buf = orm__malloc(size);
	if (!dest || !buf) {
		orm__free(dest);
		orm__free(buf);
		return ORM_ENOMEM;
	}
	for (k = 0; k < n; k++)
		dest[k] = rowent[k] ? rowent[k]->start + rowent[k]->fill++ : spare++;
	for (k = 0; k < n; k++) {
		while ((j = dest[k]) != k) {
			memcpy(buf, rows + j * size, size);
			memcpy(rows + j * size, rows + k * size, size);
			memcpy(rows + k * size, buf, size);
			dest[k] = dest[j];
			dest[j] = j;
		}
	}
	orm__free(dest);
	orm__free(buf);
	return 0;
}

/*
 * Integer keys can go to the database as one array-valued parameter
 * instead of an IN list of one parameter per key: the statement's text
 * then no longer depends on the number of parents (one cached statement,
 * nothing to parse per call, no chunking under the bind limit).
 * SQLite: `col IN (SELECT value FROM json_each(?))` with a JSON array;
 * PostgreSQL: `col = ANY(?)` with an array literal; MariaDB
 * (10.6 and later): `col IN (SELECT k FROM JSON_TABLE(?, '$[*]' COLUMNS
 * (k BIGINT PATH '$')) AS orm__jt)` with a JSON array, which the server
 * materializes once and probes the key column's index with. When the
 * form fails to prepare (an SQLite built without json_each(), an older
 * MariaDB), the connection uses IN lists from then on.
 *
 * On PostgreSQL the array's type is left to the server, which gives it
 * the key column's own type (int[] for an integer column, bigint[] for a
 * bigint one). The server can then look each row's key up in a hash of
 * the array, on a sequential scan, where it judges that cheaper than one
 * index probe per key; with `?::bigint[]` against an integer column the
 * comparison crosses types, cannot be hashed, and 200 000 keys became
 * 200 000 index probes (bench/README.md, item 26). When a key is outside
 * the 32-bit range the array is cast to bigint[] as before, so that an
 * integer column compared with it matches nothing rather than failing.
 * A smallint key column compared with parent keys above 32 767 is the
 * case left: the server refuses the array ("out of range for type
 * smallint").
 */
enum key_array_kind { KA_NONE, KA_JSON, KA_PG, KA_JSON_TABLE };

static enum key_array_kind key_array_kind(orm_conn *conn)
{
	if (conn->no_key_array)
		return KA_NONE;
	switch (orm_conn_dialect(conn)) {
	case ORM_DIALECT_SQLITE: return KA_JSON;
	case ORM_DIALECT_POSTGRES: return KA_PG;
	case ORM_DIALECT_MARIADB: return KA_JSON_TABLE;
	default: return KA_NONE;
	}
}

/* Whether a key of ents[0..n) is outside the 32-bit range. */
static int keys_wide(const struct kent *ents, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (ents[k].i < INT32_MIN || ents[k].i > INT32_MAX)
			return 1;
	return 0;
}

/* The array text of the integer keys ents[0..n) into *text, and (once)
 * the condition on incol into *cond; wide: some key of the level is
 * outside the 32-bit range. @return 0 or ORM_ENOMEM. */
static int key_array(orm_buf *text, orm_buf *cond, enum key_array_kind kind, int wide,
		     const char *incol, orm_conn *conn, const struct kent *ents, size_t n)
{
	char num[1 + ORM__INT64_CHARS];
	size_t k;

	if (!cond->ptr) {
		const char *form = kind == KA_JSON ? " IN (SELECT value FROM json_each(?))"
				   : kind == KA_PG ? " = ANY(?)"
						   : " IN (SELECT k FROM JSON_TABLE(?, '$[*]' COLUMNS "
						     "(k BIGINT PATH '$')) AS orm__jt)";

		if (kind == KA_PG && wide)
			form = " = ANY(?::bigint[])";
		if (orm_quote_ident(cond, orm_conn_dialect(conn), incol) < 0 || orm_buf_puts(cond, form) < 0)
			return ORM_ENOMEM;
	}
	if (orm_buf_put(text, kind == KA_PG ? "{" : "[", 1) < 0)
		return ORM_ENOMEM;
	num[0] = ',';
	for (k = 0; k < n; k++) {
		/* not snprintf: it was most of this loop's cost */
		size_t len = orm__fmt_int64(num + 1, ents[k].i);

		if (orm_buf_put(text, k ? num : num + 1, k ? len + 1 : len) < 0)
			return ORM_ENOMEM;
	}
	return orm_buf_put(text, kind == KA_PG ? "}" : "]", 1) < 0 ? ORM_ENOMEM : 0;
}

static int load_node(struct level *L, struct wnode *node, const orm_model *pm, char *parents, size_t np)
{
	orm_conn *conn = L->conn;
	const orm_relation *rel = node->rel;
	const orm_model *T = rel->target;
	const orm_query *cons = node->spec ? node->spec->constraint : NULL;
	int many = rel->count_offset != (size_t)-1;
	char fk[256], ok[256], pivot[512], buf[1024], incol[1024], num[32], what[300];
	struct kindex kx;
	struct kent *ents = NULL, **pents = NULL, **rowent = NULL;
	orm_value *keys = NULL;
	orm_query *lq = NULL;
	orm_expr *ex = NULL;
	orm_buf sql = ORM_BUF_INIT, arrtext = ORM_BUF_INIT, arrsql = ORM_BUF_INIT;
	enum key_array_kind arr;
	orm_stmt *st = NULL;
	const orm_value *params;
	void *palloc = NULL;
	char *tmp = NULL, *final = NULL;
	size_t nents = 0, nrows = 0, cap = 0, p, k, off, per, maxk;
	int colmap[ORM_MODEL_MAX_FIELDS];
	struct orm__rowplan plan;
	int rc = 0, pki, text, kcol, n, maxp, wide = 0;
	const char *qual;

	memset(&kx, 0, sizeof(kx));
	snprintf(what, sizeof(what), "eager load %s.%s", mn(pm), rel->name);
	if (T->nfields > ORM_MODEL_MAX_FIELDS || !orm__mdl_state_ok(T))
		return orm__err(conn, ORM_EINVAL, "%s: target model %s is not usable (orm_model_check)", what,
				mn(T));
	orm__rel_keys(pm, rel, fk, ok, pivot, sizeof(fk));
	if (rel->kind == ORM_REL_BELONGS_TO) {
		pki = orm__mdl_field_index(pm, fk);
		if (pki < 0)
			return orm__err(conn, ORM_EINVAL, "%s: the foreign key \"%s\" is not a field of model %s",
					what, fk, mn(pm));
	} else {
		if (rel->local_key) {
			pki = orm__mdl_field_index(pm, rel->local_key);
		} else {
			pki = orm__mdl_single_pk(pm);
		}
		if (pki < 0)
			return orm__err(conn, ORM_EINVAL, "%s: the local key \"%s\" is not a field of model %s",
					what, rel->local_key ? rel->local_key : "(single-column primary key)", mn(pm));
	}
	if (rel->kind == ORM_REL_HAS_MANY_THROUGH &&
	    (!rel->through || orm__mdl_single_pk(rel->through) < 0))
		return orm__err(conn, ORM_EINVAL, "%s: needs a through model with a single-column key", what);
	if (rel->kind == ORM_REL_BELONGS_TO_MANY && orm__mdl_single_pk(T) < 0)
		return orm__err(conn, ORM_EINVAL, "%s: target %s needs a single-column primary key", what, mn(T));

	/* 1. the parents' distinct keys */
	text = 0;
	for (p = 0; p < np; p++) {
		orm_value v = orm__mdl_value(pm, (size_t)pki, parents + p * pm->size);
		if (v.type != ORM_TYPE_NULL) {
			text = key_mode_text(&pm->fields[pki], &v);
			break;
		}
	}
	pents = orm__calloc(np ? np : 1, sizeof(*pents));
	if (!pents || kindex_init(&kx, text, np) < 0)
		goto oom;
	for (p = 0; p < np; p++) {
		char *obj = parents + p * pm->size;
		orm_value v = orm__mdl_value(pm, (size_t)pki, obj);
		int64_t iv = 0;
		struct kent *e;

		if (v.type == ORM_TYPE_NULL)
			continue;
		if (!text && orm__mdl_value_int(&v, &iv) < 0) {
			rc = orm__err(conn, ORM_EINVAL, "%s: key %s.%s is not an integer", what, mn(pm),
				      pm->fields[pki].name);
			goto out;
		}
		if (text && (v.type == ORM_TYPE_INT || v.type == ORM_TYPE_BOOL || v.type == ORM_TYPE_DOUBLE)) {
			rc = orm__err(conn, ORM_EINVAL, "%s: key %s.%s mixes text and numbers", what, mn(pm),
				      pm->fields[pki].name);
			goto out;
		}
		if (!(e = kindex_add(&kx, &v, iv)))
			goto oom;
		pents[p] = e;
	}
	ents = kx.ents;
	nents = kx.n;
	if (nents == 0) {
		parents_empty(rel, node->relidx, pm, parents, np);
		goto kids_none;
	}

	/* 2. the level's query, without its IN list */
	qual = orm__mdl_qualifier(T, cons);
	lq = orm_query_new(T->table);
	if (!lq)
		goto oom;
	if ((rc = orm__mdl_select_fields(lq, T, qual)) < 0)
		goto qerr;
	kcol = 0;
	for (k = 0; k < T->nfields; k++)
		colmap[k] = (T->fields[k].flags & ORM_PIVOT) ? -1 : kcol++;
	switch (rel->kind) {
	case ORM_REL_HAS_ONE:
	case ORM_REL_HAS_MANY:
		snprintf(incol, sizeof(incol), "%s.%s", qual, fk);
		break;
	case ORM_REL_BELONGS_TO:
		snprintf(incol, sizeof(incol), "%s.%s", qual, ok);
		break;
	case ORM_REL_BELONGS_TO_MANY: {
		char tpk[256], left[1024];
		for (k = 0; k < T->nfields; k++) {
			if (!(T->fields[k].flags & ORM_PIVOT))
				continue;
			snprintf(buf, sizeof(buf), "%s.%s", pivot, orm__mdl_col(&T->fields[k]));
			if ((rc = orm_query_select(lq, buf)) < 0)
				goto qerr;
			colmap[k] = kcol++;
		}
		pk_col(T, tpk, sizeof(tpk));
		snprintf(left, sizeof(left), "%s.%s", pivot, ok);
		snprintf(buf, sizeof(buf), "%s.%s", qual, tpk);
		if ((rc = orm_query_join(lq, ORM_JOIN_INNER, pivot, left, "=", buf)) < 0)
			goto qerr;
		snprintf(incol, sizeof(incol), "%s.%s", pivot, fk);
		break;
	}
	case ORM_REL_HAS_MANY_THROUGH: {
		char hpk[256], left[1024];
		const char *ht = rel->through->table;
		pk_col(rel->through, hpk, sizeof(hpk));
		snprintf(left, sizeof(left), "%s.%s", ht, hpk);
		snprintf(buf, sizeof(buf), "%s.%s", qual, ok);
		if ((rc = orm_query_join(lq, ORM_JOIN_INNER, ht, left, "=", buf)) < 0)
			goto qerr;
		snprintf(incol, sizeof(incol), "%s.%s", ht, fk);
		break;
	}
	}
	if ((rc = orm_query_select_as(lq, incol, "orm__k")) < 0)
		goto qerr;
	orm__mdl_rowplan(&plan, T, colmap, kcol);

	/* 3. keys per statement: one array-valued parameter where the
	 * database has one for integer keys, else IN lists under the bind limit */
chunks:
	maxk = node->spec ? node->spec->max_keys : 0;
	arr = !text ? key_array_kind(conn) : KA_NONE;
	if (arr != KA_NONE) {
		wide = arr == KA_PG && keys_wide(ents, nents);
		per = maxk ? maxk : nents;
		/* MariaDB's driver keeps a whole result on the client: arrays
		 * of at most the bind limit's worth of keys, as its IN lists
		 * were, keep that buffer (and the peak memory) as it was */
		if (!maxk && arr == KA_JSON_TABLE && per > (size_t)orm_conn_max_params(conn))
			per = (size_t)orm_conn_max_params(conn);
	} else {
		if (!keys) {
			if (!(keys = orm__calloc(nents, sizeof(*keys))))
				goto oom;
			for (k = 0; k < nents; k++)
				keys[k] = text ? kx.tents[k].v : orm_int(ents[k].i);
		}
		ex = orm_expr_in(incol, NULL, 0);
		if (!ex)
			goto oom;
		rc = orm__mdl_compile(conn, lq, ex, cons, 0, ORM__MQ_KEEP, ORM__MQ_KEEP, &sql, &params, &n,
				      &palloc, NULL);
		orm_expr_free(ex);
		ex = NULL;
		orm__free(palloc);
		palloc = NULL;
		orm_buf_dispose(&sql);
		if (rc < 0)
			goto out;
		maxp = orm_conn_max_params(conn);
		if (maxp - n < 1) {
			rc = orm__err(conn, ORM_EINVAL, "%s: the constraint uses %d of the %d parameters allowed",
				      what, n, maxp);
			goto out;
		}
		per = (size_t)(maxp - n);
		if (maxk && maxk < per)
			per = maxk;
	}

	/* 4. run each chunk, reading rows into tmp */
	for (off = 0; off < nents; off += per) {
		size_t cnt = nents - off < per ? nents - off : per;

		if (arr != KA_NONE) {
			orm_value av;

			orm_buf_dispose(&arrtext);
			if ((rc = key_array(&arrtext, &arrsql, arr, wide, incol, conn, ents + off, cnt)) < 0)
				goto oom;
			av = orm_textn(arrtext.ptr, arrtext.size);
			ex = orm_expr_raw(arrsql.ptr, &av, 1);
		} else {
			ex = orm_expr_in(incol, keys + off, cnt);
		}
		if (!ex)
			goto oom;
		rc = orm__mdl_compile(conn, lq, ex, cons, 0, ORM__MQ_KEEP, ORM__MQ_KEEP, &sql, &params, &n,
				      &palloc, NULL);
		if (rc < 0)
			goto out;
		rc = arr != KA_NONE || cnt <= CACHED_IN_MAX ? orm_prepare(&st, conn, sql.ptr)
							    : orm_prepare_uncached(&st, conn, sql.ptr);
		if (rc == ORM_ESQL && (arr == KA_JSON || arr == KA_JSON_TABLE) && off == 0) {
			/* no json_each() / JSON_TABLE: IN lists from now on */
			conn->no_key_array = 1;
			orm__err_clear(conn);
			orm_expr_free(ex);
			ex = NULL;
			orm__free(palloc);
			palloc = NULL;
			orm_buf_dispose(&sql);
			goto chunks;
		}
		if (rc < 0 || (rc = orm_bind_values(st, params, n, ORM_BIND_STATIC)) < 0)
			goto fail;
		while ((rc = orm_stmt_step(st)) == ORM_ROW) {
			orm_value kv;
			char *obj;

			if (nrows == cap) {
				/* the rows of a buffered result are known: room for
				 * them at once, rather than copies of a doubling array.
				 * Only when one statement has all the level's keys: for
				 * several (MariaDB's chunks), a resize per statement kept
				 * more memory than doubling did (14 MB at S=10) */
				int64_t known = cnt == nents && st->conn->drv->row_count
							? st->conn->drv->row_count(st) : -1;
				size_t ncap = known > 0 && (size_t)known > nrows ? (size_t)known
						: cap ? cap * 2 : 64;
				char *nt = orm__realloc(tmp, ncap * T->size);
				struct kent **nr = orm__realloc(rowent, ncap * sizeof(*nr));
				if (nt)
					tmp = nt;
				if (nr)
					rowent = nr;
				if (!nt || !nr)
					goto oom;
				cap = ncap;
			}
			obj = tmp + nrows * T->size;
			memset(obj, 0, T->size);
			if ((rc = orm__mdl_read_row_key(st, T, obj, &plan, &L->hold->arena,
							&kv)) < 0)
				goto out;
			orm__mdl_state(T, obj)->flags = L->flags;
			rowent[nrows] = kindex_find(&kx, &kv, num);
			nrows++;
		}
		if (rc != ORM_DONE)
			goto fail;
		rc = 0;
		orm_stmt_free(st);
		st = NULL;
		orm_expr_free(ex);
		ex = NULL;
		orm__free(palloc);
		palloc = NULL;
		orm_buf_dispose(&sql);
	}

	/* 5. stitch */
	if (many) {
		size_t total = 0;
		int grouped = 1;
		for (k = 0; k < nrows; k++) {
			struct kent *e = rowent[k];
			if (!e) {
				grouped = 0;
				continue;
			}
			/* rows of one key all in one run (an index scan by key gives that) */
			if (e->cnt == 0)
				e->first = k;
			else if (k == 0 || rowent[k - 1] != e)
				grouped = 0;
			e->cnt++;
		}
		if (grouped) {
			/* already one contiguous slice per key: keep the rows where they are */
			for (k = 0; k < nents; k++)
				ents[k].start = ents[k].cnt ? ents[k].first : 0;
			total = nrows;
		} else {
			for (k = 0; k < nents; k++) {
				ents[k].start = total;
				total += ents[k].cnt;
			}
			if ((rc = stitch_in_place(tmp, T->size, nrows, rowent, total)) < 0)
				goto oom;
		}
		/* give back the growth slack (and rows that matched no parent) */
		if (total) {
			char *shrunk = orm__realloc(tmp, total * T->size);
			final = shrunk ? shrunk : tmp;
		} else {
			orm__free(tmp);
		}
		tmp = NULL;
		nrows = total;
	} else {
		for (k = 0; k < nents; k++)
			ents[k].first = (size_t)-1;
		for (k = 0; k < nrows; k++)
			if (rowent[k] && rowent[k]->first == (size_t)-1)
				rowent[k]->first = k;
		final = tmp;
		tmp = NULL;
	}
	if (final) {
		/* the hold owns the level from here on (frees it itself on ENOMEM) */
		rc = orm__hold_add_block(L->hold, T, final, nrows);
		if (rc < 0) {
			final = NULL;
			goto oom;
		}
	}
	for (p = 0; p < np; p++) {
		char *obj = parents + p * pm->size;
		struct kent *e = pents[p];

		if (many) {
			size_t c = e ? e->cnt : 0;
			*(void **)(obj + rel->offset) = c ? final + e->start * T->size : NULL;
			*(size_t *)(obj + rel->count_offset) = c;
		} else {
			*(void **)(obj + rel->offset) =
				e && e->first != (size_t)-1 ? final + e->first * T->size : NULL;
		}
		orm__mdl_state(pm, obj)->loaded |= 1u << node->relidx;
	}

	/* 6. the next levels, with this level's objects as parents */
	for (k = 0; k < node->nkids && rc == 0; k++)
		rc = load_node(L, &node->kids[k], T, final, final ? nrows : 0);
	goto out;

kids_none:
	for (k = 0; k < node->nkids && rc == 0; k++)
		rc = load_node(L, &node->kids[k], T, NULL, 0);
	goto out;
qerr:
	rc = orm__err(conn, rc, "%s: %s", what, orm_query_errmsg(lq));
	goto out;
oom:
	rc = orm__err(conn, ORM_ENOMEM, "%s: out of memory", what);
	goto out;
fail:
	if (rc == ORM_ESQL) {
		/* a key column that does not exist is the usual cause: say which */
		char msg[700], *orig = orm__strdup(orm_conn_errmsg(conn));
		int v = orig ? orm__rel_verify(conn, pm, rel, msg, sizeof(msg)) : 0;
		if (v > 0)
			orm__err(conn, rc, "%s (%s: %s)", msg, what, orig);
		else if (orig)
			orm__err(conn, rc, "%s: %s", what, orig);
		orm__free(orig);
		goto out;
	}
	orm__mdl_fail(conn, T, rc, what);
out:
	orm_stmt_free(st);
	orm_expr_free(ex);
	orm__free(palloc);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&arrtext);
	orm_buf_dispose(&arrsql);
	orm_query_free(lq);
	kindex_free(&kx);
	orm__free(pents);
	orm__free(keys);
	orm__free(rowent);
	orm__free(tmp);
	return rc;
}

static int load_tree(orm_conn *conn, const orm_model *m, char *parents, size_t np,
		     struct orm__hold *hold, uint32_t flags, const orm_with *with, size_t nwith)
{
	struct wnode root;
	struct level L;
	size_t k;
	int rc;

	memset(&root, 0, sizeof(root));
	root.m = m;
	if ((rc = build_tree(conn, &root, with, nwith)) < 0)
		goto out;
	L.conn = conn;
	L.hold = hold;
	L.flags = flags;
	for (k = 0; k < root.nkids && rc == 0; k++)
		rc = load_node(&L, &root.kids[k], m, parents, np);
out:
	wnode_dispose(&root);
	return rc;
}

int orm_collection_load(orm_collection *coll, orm_conn *conn, const orm_with *with, size_t nwith)
{
	uint32_t flags = ORM_STATE_PERSISTED | ORM_STATE_IN_COLLECTION;
	int rc;

	if (!coll || !conn)
		return ORM_EINVAL;
	if (!coll->model)
		return orm__err(conn, ORM_EINVAL, "orm_collection_load: the collection has no model (fetch it first)");
	if ((rc = orm__mdl_usable(conn, coll->model, "orm_collection_load")) < 0)
		return rc;
	if (nwith && !with)
		return orm__err(conn, ORM_EINVAL, "orm_collection_load: with is NULL");
	if (!coll->priv) {
		coll->priv = orm__calloc(1, sizeof(*coll->priv));
		if (!coll->priv)
			return orm__err(conn, ORM_ENOMEM, "orm_collection_load: out of memory");
	}
	if (coll->priv->strict || (coll->model->flags & ORM_MODEL_STRICT))
		flags |= ORM_STATE_STRICT;
	return load_tree(conn, coll->model, coll->items, coll->count, &coll->priv->hold, flags, with,
			 nwith);
}

int orm_model_load(void *obj, orm_conn *conn, const orm_model *m, const orm_with *with, size_t nwith)
{
	orm_model_state *s;
	uint32_t flags = ORM_STATE_PERSISTED | ORM_STATE_IN_COLLECTION;
	int rc;

	if ((rc = orm__mdl_usable(conn, m, "orm_model_load")) < 0)
		return rc;
	if (!obj || (nwith && !with))
		return orm__err(conn, ORM_EINVAL, "orm_model_load: obj or with is NULL");
	s = orm__mdl_state(m, obj);
	if ((s->flags & ORM_STATE_IN_COLLECTION) &&
	    ((s->flags & ORM_STATE_STRICT) || (m->flags & ORM_MODEL_STRICT)))
		return orm__err(conn, ORM_EMISUSE,
				"strict mode: loading \"%s\" for one %s of a collection would query row by row (N+1); "
				"load it for the whole collection with orm_collection_load()",
				nwith ? with[0].path : "", mn(m));
	if (m->flags & ORM_MODEL_STRICT)
		flags |= ORM_STATE_STRICT;
	if (!s->hold) {
		s->hold = orm__calloc(1, sizeof(*s->hold));
		if (!s->hold)
			return orm__err(conn, ORM_ENOMEM, "orm_model_load: out of memory");
	}
	return load_tree(conn, m, obj, 1, s->hold, flags, with, nwith);
}

/* ------------------------------------------------------------------ */
/* belongs_to_many: attach, detach, sync                              */

struct btm {
	const orm_relation *rel;
	char fk[256], ok[256], pivot[512];
	orm_value parent_key;
	int target_text; /* target keys are text */
};

static int btm_setup(struct btm *b, void *obj, orm_conn *conn, const orm_model *m, const char *relname,
		     const char *fn)
{
	int pki, tpk, rc;

	if ((rc = orm__mdl_usable(conn, m, fn)) < 0)
		return rc;
	if (!obj || !relname)
		return orm__err(conn, ORM_EINVAL, "%s: obj and relation are required", fn);
	b->rel = orm_model_relation(m, relname);
	if (!b->rel)
		return orm__err(conn, ORM_EINVAL, "%s: model %s has no relation \"%s\"", fn, mn(m), relname);
	if (b->rel->kind != ORM_REL_BELONGS_TO_MANY || !b->rel->target)
		return orm__err(conn, ORM_EINVAL, "%s: %s.%s is not a belongs_to_many relation", fn, mn(m),
				relname);
	orm__rel_keys(m, b->rel, b->fk, b->ok, b->pivot, sizeof(b->fk));
	pki = b->rel->local_key ? orm__mdl_field_index(m, b->rel->local_key) : orm__mdl_single_pk(m);
	if (pki < 0)
		return orm__err(conn, ORM_EINVAL, "%s: %s.%s: no local key field", fn, mn(m), relname);
	b->parent_key = orm__mdl_value(m, (size_t)pki, obj);
	if (b->parent_key.type == ORM_TYPE_NULL)
		return orm__err(conn, ORM_EINVAL, "%s: %s.%s is NULL (save the object first)", fn, mn(m),
				m->fields[pki].name);
	tpk = orm__mdl_single_pk(b->rel->target);
	b->target_text = tpk >= 0 && key_mode_text(&b->rel->target->fields[tpk], NULL);
	return 0;
}

static int attach_rows(orm_conn *conn, const orm_model *m, struct btm *b, const orm_value *ids, size_t n,
		       const char *const *pcols, const orm_value *pvals, size_t npcols)
{
	orm_dialect d = orm_conn_dialect(conn);
	size_t per, off, r, k, ncols = 2 + npcols;
	int maxp = orm_conn_max_params(conn), rc = 0, idx;
	orm_stmt *st = NULL;

	per = (size_t)maxp / ncols;
	if (per > ATTACH_MAX_ROWS)
		per = ATTACH_MAX_ROWS;
	if (per == 0)
		return orm__err(conn, ORM_EINVAL, "attach: too many pivot columns");
	for (off = 0; off < n; off += per) {
		size_t cnt = n - off < per ? n - off : per;
		struct orm__sqlb sb;

		orm__sqlb_init(&sb);
		orm__sqlb_puts(&sb, "INSERT INTO ");
		orm__sqlb_ident(&sb, d, b->pivot);
		orm__sqlb_puts(&sb, " (");
		orm__sqlb_ident(&sb, d, b->fk);
		orm__sqlb_puts(&sb, ", ");
		orm__sqlb_ident(&sb, d, b->ok);
		for (k = 0; k < npcols; k++) {
			orm__sqlb_puts(&sb, ", ");
			orm__sqlb_ident(&sb, d, pcols[k]);
		}
		orm__sqlb_puts(&sb, ") VALUES ");
		for (r = 0; r < cnt; r++) {
			orm__sqlb_puts(&sb, r ? ", (?" : "(?");
			for (k = 1; k < ncols; k++)
				orm__sqlb_puts(&sb, ", ?");
			orm__sqlb_puts(&sb, ")");
		}
		if (sb.oom) {
			orm__sqlb_dispose(&sb);
			return orm__err(conn, ORM_ENOMEM, "attach: out of memory");
		}
		rc = cnt == per ? orm_prepare(&st, conn, sb.p) : orm_prepare_uncached(&st, conn, sb.p);
		orm__sqlb_dispose(&sb);
		if (rc < 0)
			goto fail;
		idx = 1;
		for (r = 0; r < cnt; r++) {
			if ((rc = orm_bind_value(st, idx++, &b->parent_key, ORM_BIND_STATIC)) < 0 ||
			    (rc = orm_bind_value(st, idx++, &ids[off + r], ORM_BIND_STATIC)) < 0)
				goto fail;
			for (k = 0; k < npcols; k++)
				if ((rc = orm_bind_value(st, idx++, &pvals[k], ORM_BIND_STATIC)) < 0)
					goto fail;
		}
		rc = orm_stmt_step(st);
		if (rc != ORM_DONE)
			goto fail;
		rc = 0;
		orm_stmt_free(st);
		st = NULL;
	}
	return 0;
fail:
	orm_stmt_free(st);
	{
		char w[600];
		snprintf(w, sizeof(w), "attach to %s", b->pivot);
		return orm__mdl_fail(conn, m, rc < 0 ? rc : ORM_ERROR, w);
	}
}

int orm_model_attach(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
		     const orm_value *ids, size_t n, const char *const *pcols, const orm_value *pvals,
		     size_t npcols)
{
	struct btm b;
	int rc;

	if ((rc = btm_setup(&b, obj, conn, m, relation, "orm_model_attach")) < 0)
		return rc;
	if ((n && !ids) || (npcols && (!pcols || !pvals)))
		return orm__err(conn, ORM_EINVAL, "orm_model_attach: ids / pivot columns missing");
	if (n == 0)
		return 0;
	if ((rc = orm_begin(conn)) < 0)
		return rc;
	if ((rc = attach_rows(conn, m, &b, ids, n, pcols, pvals, npcols)) < 0) {
		orm__mdl_rollback_keep(conn);
		return rc;
	}
	return orm_commit(conn);
}

static int detach_rows(orm_conn *conn, const orm_model *m, struct btm *b, const orm_value *ids, size_t n,
		       int all, int64_t *removed)
{
	orm_dialect d = orm_conn_dialect(conn);
	size_t per, off = 0, r;
	int maxp = orm_conn_max_params(conn), rc = 0;
	orm_stmt *st = NULL;

	per = maxp > 1 ? (size_t)maxp - 1 : 1;
	do {
		size_t cnt = all ? 0 : (n - off < per ? n - off : per);
		struct orm__sqlb sb;

		orm__sqlb_init(&sb);
		orm__sqlb_puts(&sb, "DELETE FROM ");
		orm__sqlb_ident(&sb, d, b->pivot);
		orm__sqlb_puts(&sb, " WHERE ");
		orm__sqlb_ident(&sb, d, b->fk);
		orm__sqlb_puts(&sb, " = ?");
		if (!all) {
			orm__sqlb_puts(&sb, " AND ");
			orm__sqlb_ident(&sb, d, b->ok);
			orm__sqlb_puts(&sb, " IN (");
			for (r = 0; r < cnt; r++)
				orm__sqlb_puts(&sb, r ? ", ?" : "?");
			orm__sqlb_puts(&sb, ")");
		}
		if (sb.oom) {
			orm__sqlb_dispose(&sb);
			return orm__err(conn, ORM_ENOMEM, "detach: out of memory");
		}
		rc = cnt <= CACHED_IN_MAX ? orm_prepare(&st, conn, sb.p) : orm_prepare_uncached(&st, conn, sb.p);
		orm__sqlb_dispose(&sb);
		if (rc < 0)
			goto fail;
		if ((rc = orm_bind_value(st, 1, &b->parent_key, ORM_BIND_STATIC)) < 0)
			goto fail;
		for (r = 0; r < cnt; r++)
			if ((rc = orm_bind_value(st, (int)r + 2, &ids[off + r], ORM_BIND_STATIC)) < 0)
				goto fail;
		rc = orm_stmt_step(st);
		if (rc != ORM_DONE)
			goto fail;
		rc = 0;
		if (removed)
			*removed += orm_stmt_changes(st);
		orm_stmt_free(st);
		st = NULL;
		off += cnt;
	} while (!all && off < n);
	return 0;
fail:
	orm_stmt_free(st);
	{
		char w[600];
		snprintf(w, sizeof(w), "detach from %s", b->pivot);
		return orm__mdl_fail(conn, m, rc < 0 ? rc : ORM_ERROR, w);
	}
}

int orm_model_detach(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
		     const orm_value *ids, size_t n, int64_t *removed)
{
	struct btm b;
	int rc;

	if (removed)
		*removed = 0;
	if ((rc = btm_setup(&b, obj, conn, m, relation, "orm_model_detach")) < 0)
		return rc;
	if (n && !ids)
		return orm__err(conn, ORM_EINVAL, "orm_model_detach: ids is NULL");
	if (ids && n == 0)
		return 0;
	if ((rc = orm_begin(conn)) < 0)
		return rc;
	if ((rc = detach_rows(conn, m, &b, ids, n, !ids, removed)) < 0) {
		orm__mdl_rollback_keep(conn);
		return rc;
	}
	return orm_commit(conn);
}

/* A key for sync's set arithmetic. */
struct skey {
	UT_hash_handle hh;
	int64_t i;
	const char *s;
	size_t len;
	orm_value v;
	int seen;
};

/* Normalise v to the target key mode; text is copied into the arena. */
static int skey_set(struct skey *k, const orm_value *v, int text, struct orm__arena *a)
{
	char num[32];

	memset(k, 0, sizeof(*k));
	if (!text) {
		if (orm__mdl_value_int(v, &k->i) < 0)
			return ORM_ETYPE;
		k->v = orm_int(k->i);
		return 0;
	}
	if (v->type == ORM_TYPE_INT) {
		size_t n = orm__fmt_int64(num, v->u.i);
		k->s = orm__arena_copy(a, num, n);
		k->len = n;
		if (!k->s)
			return ORM_ENOMEM;
		k->v = orm_textn(k->s, k->len);
		return 0;
	}
	if (!(v->type >= ORM_TYPE_TEXT && v->type <= ORM_TYPE_UUID))
		return ORM_ETYPE;
	k->s = orm__arena_copy(a, v->u.s.ptr, v->u.s.len);
	k->len = v->u.s.len;
	if (!k->s)
		return ORM_ENOMEM;
	k->v = *v;
	k->v.u.s.ptr = k->s;
	return 0;
}

static struct skey *skey_find(struct skey *head, const struct skey *k, int text)
{
	struct skey *e = NULL;

	if (text)
		HASH_FIND(hh, head, k->s, k->len, e);
	else
		HASH_FIND(hh, head, &k->i, sizeof(int64_t), e);
	return e;
}

static int skey_add(struct skey **head, struct skey *k, int text)
{
	if (text)
		HASH_ADD_KEYPTR(hh, *head, k->s, k->len, k);
	else
		HASH_ADD(hh, *head, i, sizeof(int64_t), k);
	return k->hh.tbl ? 0 : ORM_ENOMEM;
}

int orm_model_sync(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
		   const orm_value *ids, size_t n)
{
	struct btm b;
	struct orm__arena arena = { NULL };
	struct skey *want = NULL, *have = NULL, *wk = NULL, *hk = NULL, **chunks = NULL;
	size_t nw = 0, nh = 0, ah = 0, i, nadd = 0, ndel = 0, nchunks = 0;
	orm_value *add = NULL, *del = NULL;
	orm_stmt *st = NULL;
	orm_dialect d;
	int rc, began = 0;

	if ((rc = btm_setup(&b, obj, conn, m, relation, "orm_model_sync")) < 0)
		return rc;
	if (n && !ids)
		return orm__err(conn, ORM_EINVAL, "orm_model_sync: ids is NULL");
	d = orm_conn_dialect(conn);
	wk = orm__calloc(n ? n : 1, sizeof(*wk));
	if (!wk)
		goto oom;
	for (i = 0; i < n; i++) {
		if ((rc = skey_set(&wk[nw], &ids[i], b.target_text, &arena)) < 0) {
			rc = orm__err(conn, rc == ORM_ENOMEM ? rc : ORM_EINVAL,
				      "orm_model_sync: id %zu does not fit the key of %s", i, mn(b.rel->target));
			goto out;
		}
		if (skey_find(want, &wk[nw], b.target_text))
			continue; /* duplicate */
		if (skey_add(&want, &wk[nw], b.target_text) < 0)
			goto oom;
		nw++;
	}
	if ((rc = orm_begin(conn)) < 0)
		goto out;
	began = 1;
	{
		struct orm__sqlb sb;
		orm__sqlb_init(&sb);
		orm__sqlb_puts(&sb, "SELECT ");
		orm__sqlb_ident(&sb, d, b.ok);
		orm__sqlb_puts(&sb, " FROM ");
		orm__sqlb_ident(&sb, d, b.pivot);
		orm__sqlb_puts(&sb, " WHERE ");
		orm__sqlb_ident(&sb, d, b.fk);
		orm__sqlb_puts(&sb, " = ?");
		rc = sb.oom ? ORM_ENOMEM : orm_prepare(&st, conn, sb.p);
		orm__sqlb_dispose(&sb);
		if (rc == ORM_ENOMEM)
			goto oom;
		if (rc < 0)
			goto fail;
	}
	if ((rc = orm_bind_value(st, 1, &b.parent_key, ORM_BIND_STATIC)) < 0)
		goto fail;
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		orm_value v;
		if ((rc = orm_column_value(st, 0, &v)) < 0)
			goto fail;
		if (nh == ah) {
			/* a new chunk: entries sit in a hash, so they never move */
			struct skey **nc = orm__realloc(chunks, (nchunks + 1) * sizeof(*nc));
			if (!nc)
				goto oom;
			chunks = nc;
			ah = ah ? ah * 2 : 64;
			if (!(hk = orm__calloc(ah, sizeof(*hk))))
				goto oom;
			chunks[nchunks++] = hk;
			nh = 0;
		}
		if (skey_set(&hk[nh], &v, b.target_text, &arena) < 0)
			continue;
		if (skey_find(have, &hk[nh], b.target_text))
			continue;
		if (skey_add(&have, &hk[nh], b.target_text) < 0)
			goto oom;
		nh++;
	}
	if (rc != ORM_DONE)
		goto fail;
	orm_stmt_free(st);
	st = NULL;
	{
		size_t nhave = HASH_COUNT(have);
		struct skey *e, *t;
		add = orm__calloc(nw ? nw : 1, sizeof(*add));
		del = orm__calloc(nhave ? nhave : 1, sizeof(*del));
		if (!add || !del)
			goto oom;
		HASH_ITER(hh, have, e, t) {
			struct skey *w = skey_find(want, e, b.target_text);
			if (w)
				w->seen = 1;
			else
				del[ndel++] = e->v;
		}
		for (i = 0; i < nw; i++)
			if (!wk[i].seen)
				add[nadd++] = wk[i].v;
	}
	if (ndel && (rc = detach_rows(conn, m, &b, del, ndel, 0, NULL)) < 0)
		goto out;
	if (nadd && (rc = attach_rows(conn, m, &b, add, nadd, NULL, NULL, 0)) < 0)
		goto out;
	rc = orm_commit(conn);
	began = 0;
	goto out;
oom:
	rc = orm__err(conn, ORM_ENOMEM, "orm_model_sync: out of memory");
	goto out;
fail:
	orm__mdl_fail(conn, m, rc < 0 ? rc : ORM_ERROR, "sync");
	if (rc >= 0)
		rc = ORM_ERROR;
out:
	orm_stmt_free(st);
	if (began && rc < 0)
		orm__mdl_rollback_keep(conn);
	HASH_CLEAR(hh, want);
	HASH_CLEAR(hh, have);
	for (i = 0; i < nchunks; i++)
		orm__free(chunks[i]);
	orm__free(chunks);
	orm__free(wk);
	orm__free(add);
	orm__free(del);
	orm__arena_free(&arena);
	return rc;
}
