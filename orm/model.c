/*
 * Models: field access and conversion, insert / update / fetch / destroy
 * of one object, constraint errors named by field, descriptor checks,
 * JSON, and models built at run time from introspection.
 *
 * Hot paths (save, fetch by key) build their SQL on a stack buffer,
 * prepare it through the connection's statement cache, bind the struct's
 * members in place (ORM_BIND_STATIC) and read result columns by position.
 */
#include "orm/model_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uthash.h>
#include <unistd.h>
#if defined(__linux__)
# include <sys/random.h>
#endif

/* ------------------------------------------------------------------ */
/* SQL builder on a stack buffer                                      */

void orm__sqlb_init(struct orm__sqlb *b)
{
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof(b->stack);
	b->heap = 0;
	b->oom = 0;
	b->stack[0] = '\0';
}

void orm__sqlb_dispose(struct orm__sqlb *b)
{
	if (b->heap)
		orm__free(b->p);
	orm__sqlb_init(b);
}

static int sqlb_reserve(struct orm__sqlb *b, size_t n)
{
	size_t need = b->len + n + 1, ncap;
	char *np;

	if (b->oom)
		return -1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap * 2;
	while (ncap < need)
		ncap *= 2;
	if (b->heap) {
		np = orm__realloc(b->p, ncap);
	} else {
		np = orm__malloc(ncap);
		if (np)
			memcpy(np, b->p, b->len + 1);
	}
	if (!np) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	b->heap = 1;
	return 0;
}

void orm__sqlb_put(struct orm__sqlb *b, const char *s, size_t n)
{
	if (sqlb_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void orm__sqlb_puts(struct orm__sqlb *b, const char *s)
{
	orm__sqlb_put(b, s, strlen(s));
}

void orm__sqlb_ident(struct orm__sqlb *b, orm_dialect d, const char *ident)
{
	char q = d == ORM_DIALECT_MARIADB ? '`' : '"';
	const char *part = ident, *dot;

	for (;;) {
		size_t n, i;

		dot = strchr(part, '.');
		n = dot ? (size_t)(dot - part) : strlen(part);
		if (!memchr(part, q, n)) {
			/* the usual name: no quote inside, copy it whole */
			if (sqlb_reserve(b, n + 2) < 0)
				return;
			b->p[b->len] = q;
			memcpy(b->p + b->len + 1, part, n);
			b->p[b->len + 1 + n] = q;
			b->len += n + 2;
			b->p[b->len] = '\0';
		} else {
			orm__sqlb_put(b, &q, 1);
			for (i = 0; i < n; i++) {
				orm__sqlb_put(b, part + i, 1);
				if (part[i] == q)
					orm__sqlb_put(b, &q, 1);
			}
			orm__sqlb_put(b, &q, 1);
		}
		if (!dot)
			break;
		orm__sqlb_put(b, ".", 1);
		part = dot + 1;
	}
}

/* ------------------------------------------------------------------ */
/* descriptor helpers                                                 */

int orm__mdl_field_index(const orm_model *m, const char *col)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (strcmp(orm__mdl_col(&m->fields[i]), col) == 0)
			return (int)i;
	for (i = 0; i < m->nfields; i++)
		if (strcmp(m->fields[i].name, col) == 0)
			return (int)i;
	return -1;
}

const orm_field *orm_model_field(const orm_model *m, const char *name)
{
	int i;

	if (!m || !name)
		return NULL;
	i = orm__mdl_field_index(m, name);
	return i < 0 ? NULL : &m->fields[i];
}

int orm__mdl_single_pk(const orm_model *m)
{
	size_t i;
	int pk = -1;

	for (i = 0; i < m->nfields; i++) {
		if (m->fields[i].flags & ORM_PK) {
			if (pk >= 0)
				return -1;
			pk = (int)i;
		}
	}
	return pk;
}

static const char *mname(const orm_model *m)
{
	return m->name ? m->name : m->table ? m->table : "?";
}

void orm__mdl_singular(const orm_model *m, char *out, size_t len)
{
	const char *t, *dot;
	size_t n;

	if (m->name && *m->name) {
		snprintf(out, len, "%s", m->name);
		return;
	}
	t = m->table ? m->table : "";
	dot = strrchr(t, '.');
	if (dot)
		t = dot + 1;
	snprintf(out, len, "%s", t);
	n = strlen(out);
	if (n > 3 && strcmp(out + n - 3, "ies") == 0) {
		strcpy(out + n - 3, "y");
	} else if (n > 4 && (strcmp(out + n - 4, "sses") == 0 || strcmp(out + n - 4, "ches") == 0 ||
			     strcmp(out + n - 4, "shes") == 0)) {
		out[n - 2] = '\0';
	} else if (n > 3 && strcmp(out + n - 3, "xes") == 0) {
		out[n - 2] = '\0';
	} else if (n > 1 && out[n - 1] == 's' && out[n - 2] != 's') {
		out[n - 1] = '\0';
	}
}

int orm__mdl_usable(orm_conn *conn, const orm_model *m, const char *fn)
{
	if (!conn)
		return ORM_EINVAL;
	orm__err_clear(conn);
	if (!m)
		return orm__err(conn, ORM_EINVAL, "%s: model is NULL", fn);
	if (!m->table || !*m->table || !m->fields || m->nfields == 0)
		return orm__err(conn, ORM_EINVAL, "%s: model %s has no table or no fields", fn, mname(m));
	if (m->nfields > ORM_MODEL_MAX_FIELDS)
		return orm__err(conn, ORM_EINVAL, "%s: model %s has %zu fields (at most %d)", fn,
				mname(m), m->nfields, ORM_MODEL_MAX_FIELDS);
	if (!orm__mdl_state_ok(m))
		return orm__err(conn, ORM_EINVAL,
				"%s: model %s: the state member is outside the struct, or a plain "
				"orm_model_state on a model of more than %d fields (orm_model_check)",
				fn, mname(m), ORM_MODEL_STATE_FIELDS);
	return 0;
}

/* orm__mdl_usable(), and obj not NULL: the checks of the calls on one object. */
static int obj_usable(orm_conn *conn, const orm_model *m, const void *obj, const char *fn)
{
	int rc;

	if ((rc = orm__mdl_usable(conn, m, fn)) < 0)
		return rc;
	return obj ? 0 : orm__err(conn, ORM_EINVAL, "%s: object is NULL", fn);
}

/* ------------------------------------------------------------------ */
/* field values                                                       */

static int is_text_type(orm_type t)
{
	switch (t) {
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DECIMAL:
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
		return 1;
	default:
		return 0;
	}
}

static int has_payload(orm_type t)
{
	return is_text_type(t) || t == ORM_TYPE_BLOB;
}

int orm__mdl_is_null(const orm_model *m, size_t i, const void *obj)
{
	const orm_field *f = &m->fields[i];
	const void *p = orm__mdl_member(f, obj);

	switch (f->ctype) {
	case ORM_CT_STR:
		return *(char *const *)p == NULL;
	case ORM_CT_BYTES:
		return ((const orm_bytes *)p)->ptr == NULL;
	case ORM_CT_VALUE:
		return ((const orm_value *)p)->type == ORM_TYPE_NULL;
	default:
		return MDL_BIT_GET(orm__mdl_state(m, obj), null, i);
	}
}

/* Empty: NULL, 0, "" (defaults, timestamps, uuids and auto keys apply). */
static int is_empty(const orm_model *m, size_t i, const void *obj)
{
	const orm_field *f = &m->fields[i];
	const void *p = orm__mdl_member(f, obj);

	if (orm__mdl_is_null(m, i, obj))
		return 1;
	switch (f->ctype) {
	case ORM_CT_INT64: return *(const int64_t *)p == 0;
	case ORM_CT_INT32: return *(const int32_t *)p == 0;
	case ORM_CT_BOOL: return *(const _Bool *)p == 0;
	case ORM_CT_DOUBLE: return *(const double *)p == 0;
	case ORM_CT_STR: return **(char *const *)p == '\0';
	case ORM_CT_CHARS: return *(const char *)p == '\0';
	case ORM_CT_BYTES: return 0;
	case ORM_CT_VALUE: {
		const orm_value *v = p;
		if (v->type == ORM_TYPE_INT)
			return v->u.i == 0;
		if (is_text_type(v->type))
			return v->u.s.len == 0;
		return 0;
	}
	}
	return 0;
}

orm_value orm__mdl_value(const orm_model *m, size_t i, const void *obj)
{
	const orm_field *f = &m->fields[i];
	const void *p = orm__mdl_member(f, obj);
	orm_value v = orm_null();

	if (orm__mdl_is_null(m, i, obj))
		return v;
	switch (f->ctype) {
	case ORM_CT_INT64: return orm_int(*(const int64_t *)p);
	case ORM_CT_INT32: return orm_int(*(const int32_t *)p);
	case ORM_CT_BOOL: return orm_bool(*(const _Bool *)p);
	case ORM_CT_DOUBLE: return orm_double(*(const double *)p);
	case ORM_CT_STR:
		v.type = is_text_type(f->type) ? f->type : ORM_TYPE_TEXT;
		v.u.s.ptr = *(char *const *)p;
		v.u.s.len = strlen(v.u.s.ptr);
		return v;
	case ORM_CT_CHARS:
		v.type = is_text_type(f->type) ? f->type : ORM_TYPE_TEXT;
		v.u.s.ptr = p;
		v.u.s.len = strnlen(p, f->size);
		return v;
	case ORM_CT_BYTES:
		return orm_blob(((const orm_bytes *)p)->ptr, ((const orm_bytes *)p)->len);
	case ORM_CT_VALUE:
		return *(const orm_value *)p;
	}
	return v;
}

int orm__mdl_bind_field(orm_stmt *st, int idx, const orm_model *m, size_t i, const void *obj)
{
	const orm_field *f = &m->fields[i];
	const void *p = orm__mdl_member(f, obj);
	orm_value *slot = orm__stmt_slot(st, idx);
	const char *c;
	int64_t iv;
	orm_value v;

	/* the common types bound straight from the member, into the
	 * parameter's slot when it allows (orm__mdl_is_null(), orm__mdl_value()
	 * and the binders unrolled: this runs for every field saved) */
	switch (f->ctype) {
	case ORM_CT_STR:
		if (is_text_type(f->type) && f->type != ORM_TYPE_TEXT)
			break; /* a date, a JSON text, ...: bound with its type below */
		if (!(c = *(const char *const *)p))
			return orm_bind_null(st, idx);
		if (!slot)
			return orm_bind_text(st, idx, c, -1, ORM_BIND_STATIC);
		slot->type = ORM_TYPE_TEXT;
		slot->u.s.ptr = c;
		slot->u.s.len = strlen(c);
		return 0;
	case ORM_CT_INT64:
	case ORM_CT_INT32:
	case ORM_CT_BOOL:
	case ORM_CT_DOUBLE:
		if (MDL_BIT_GET(orm__mdl_state(m, obj), null, i))
			return orm_bind_null(st, idx);
		switch (f->ctype) {
		case ORM_CT_INT64: iv = *(const int64_t *)p; break;
		case ORM_CT_INT32: iv = *(const int32_t *)p; break;
		case ORM_CT_BOOL: return orm_bind_bool(st, idx, *(const _Bool *)p);
		default: return orm_bind_double(st, idx, *(const double *)p);
		}
		if (!slot)
			return orm_bind_int(st, idx, iv);
		slot->type = ORM_TYPE_INT;
		slot->u.i = iv;
		return 0;
	default:
		break;
	}
	if (orm__mdl_is_null(m, i, obj))
		return orm_bind_null(st, idx);
	v = orm__mdl_value(m, i, obj);
	return orm_bind_value(st, idx, &v, ORM_BIND_STATIC);
}

void orm__mdl_free_field(const orm_model *m, size_t i, void *obj)
{
	const orm_field *f = &m->fields[i];
	orm_model_state *s = orm__mdl_state(m, obj);
	void *p = orm__mdl_member(f, obj);

	if (!MDL_BIT_GET(s, owned, i))
		return;
	MDL_BIT_CLR(s, owned, i);
	switch (f->ctype) {
	case ORM_CT_STR:
		orm__free(*(char **)p);
		*(char **)p = NULL;
		break;
	case ORM_CT_BYTES:
		orm__free(((orm_bytes *)p)->ptr);
		((orm_bytes *)p)->ptr = NULL;
		((orm_bytes *)p)->len = 0;
		break;
	case ORM_CT_VALUE:
		if (has_payload(((orm_value *)p)->type))
			orm__free((void *)(uintptr_t)((orm_value *)p)->u.s.ptr);
		*(orm_value *)p = orm_null();
		break;
	default:
		break;
	}
}

/*
 * A string or byte string the object owns is allocated with room for
 * OWNED_CAP(len) bytes and the NUL: the length rounded up so that the
 * allocation is a multiple of OWNED_ALIGN. The capacity is thus known
 * again from the length alone (for a string from strlen(), which is never
 * more than the length it was stored with), and a later value that fits
 * is copied into it in place: a model refetched into the same struct, or
 * set again, mostly does not allocate.
 */
#define OWNED_ALIGN ((size_t)16)
#define OWNED_CAP(len) ((((len) + OWNED_ALIGN) & ~(OWNED_ALIGN - 1)) - 1)

/*
 * Put a copy of len bytes into a pointer slot of field i. `old` and
 * `oldcap` describe the current buffer (for reuse when owned).
 */
static int put_bytes(const orm_model *m, size_t i, void *obj, const void *src, size_t len,
		     struct orm__arena *arena, char **out)
{
	orm_model_state *s = orm__mdl_state(m, obj);
	const orm_field *f = &m->fields[i];
	void *p = orm__mdl_member(f, obj);
	char *old = NULL, *c;
	size_t oldcap = 0;

	switch (f->ctype) {
	case ORM_CT_STR:
		old = *(char **)p;
		if (old && MDL_BIT_GET(s, owned, i))
			oldcap = OWNED_CAP(strlen(old));
		break;
	case ORM_CT_BYTES:
		old = (char *)((orm_bytes *)p)->ptr;
		oldcap = OWNED_CAP(((orm_bytes *)p)->len);
		break;
	case ORM_CT_VALUE:
		if (has_payload(((orm_value *)p)->type)) {
			old = (char *)(uintptr_t)((orm_value *)p)->u.s.ptr;
			oldcap = OWNED_CAP(((orm_value *)p)->u.s.len);
		}
		break;
	default:
		return ORM_EINVAL;
	}
	if (arena) {
		c = orm__arena_copy(arena, src, len);
		if (!c)
			return ORM_ENOMEM;
		orm__mdl_free_field(m, i, obj);
		*out = c;
		return 0;
	}
	if (old && MDL_BIT_GET(s, owned, i) && oldcap >= len) {
		memmove(old, src, len);
		old[len] = '\0';
		*out = old;
		return 0;
	}
	if (len > SIZE_MAX - OWNED_ALIGN - 1 || !(c = orm__malloc(OWNED_CAP(len) + 1)))
		return ORM_ENOMEM;
	memcpy(c, src, len);
	c[len] = '\0';
	orm__mdl_free_field(m, i, obj);
	MDL_BIT_SET(s, owned, i);
	*out = c;
	return 0;
}

static int text_bool(const char *p, size_t n, int *out)
{
	if ((n == 1 && (*p == '1' || *p == 't' || *p == 'T' || *p == 'y')) ||
	    (n == 4 && strncasecmp(p, "true", 4) == 0) || (n == 3 && strncasecmp(p, "yes", 3) == 0) ||
	    (n == 2 && strncasecmp(p, "on", 2) == 0)) {
		*out = 1;
		return 0;
	}
	if ((n == 1 && (*p == '0' || *p == 'f' || *p == 'F' || *p == 'n')) ||
	    (n == 5 && strncasecmp(p, "false", 5) == 0) || (n == 2 && strncasecmp(p, "no", 2) == 0) ||
	    (n == 3 && strncasecmp(p, "off", 3) == 0)) {
		*out = 0;
		return 0;
	}
	return ORM_ETYPE;
}

static int text_double(const char *p, size_t n, double *out)
{
	char tmp[128], *end;

	if (n == 0 || n >= sizeof(tmp))
		return ORM_ETYPE;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	if (end == tmp || *end)
		return ORM_ETYPE;
	return 0;
}

int orm__mdl_value_int(const orm_value *v, int64_t *out)
{
	double d;

	switch (v->type) {
	case ORM_TYPE_INT: *out = v->u.i; return 0;
	case ORM_TYPE_BOOL: *out = v->u.b; return 0;
	case ORM_TYPE_DOUBLE:
		d = v->u.d;
		if (isnan(d) || d != floor(d) || d >= 9223372036854775807.0 || d < -9223372036854775808.0)
			return ORM_ETYPE;
		*out = (int64_t)d;
		return 0;
	default:
		if (is_text_type(v->type)) {
			if (orm__parse_int64(v->u.s.ptr, v->u.s.len, out) == 0)
				return 0;
			if (text_double(v->u.s.ptr, v->u.s.len, &d) == 0 && d == floor(d) &&
			    d < 9223372036854775807.0 && d >= -9223372036854775808.0) {
				*out = (int64_t)d;
				return 0;
			}
		}
		return ORM_ETYPE;
	}
}

/*
 * The common cases of orm__mdl_store_value(), taken before its general
 * conversions (they run for every column of every row read): an integer
 * into an integer member, text into a char * that holds no string of the
 * library's (a fresh object) with an arena to copy into.
 * @return 0 when stored, 1 when the general path must do it.
 */
static inline int store_fast(const orm_field *f, orm_model_state *s, void *p, size_t i,
			     const orm_value *v, struct orm__arena *arena)
{
	if (v->type == ORM_TYPE_INT && f->ctype == ORM_CT_INT64) {
		*(int64_t *)p = v->u.i;
	} else if (v->type == ORM_TYPE_INT && f->ctype == ORM_CT_INT32 && v->u.i >= INT32_MIN &&
		   v->u.i <= INT32_MAX) {
		*(int32_t *)p = (int32_t)v->u.i;
	} else if (v->type == ORM_TYPE_TEXT && f->ctype == ORM_CT_STR && v->u.s.ptr) {
		char *c = *(char **)p;
		if (MDL_BIT_GET(s, owned, i)) {
			/* the object's own string, reused when the text fits (put_bytes) */
			if (!c || OWNED_CAP(strlen(c)) < v->u.s.len)
				return 1;
			memmove(c, v->u.s.ptr, v->u.s.len);
			c[v->u.s.len] = '\0';
		} else if (arena) {
			if (!(c = orm__arena_copy(arena, v->u.s.ptr, v->u.s.len)))
				return 1; /* the general path reports ENOMEM */
			*(char **)p = c;
		} else {
			return 1;
		}
	} else {
		return 1;
	}
	MDL_BIT_CLR(s, null, i);
	return 0;
}

/*
 * Store a value into field i, converting to the member's C type.
 * NULL sets the null bit and zeroes the member.
 */
int orm__mdl_store_value(const orm_model *m, size_t i, void *obj, const orm_value *v,
			 struct orm__arena *arena)
{
	const orm_field *f = &m->fields[i];
	orm_model_state *s = orm__mdl_state(m, obj);
	void *p = orm__mdl_member(f, obj);
	char num[64], *c;
	const char *src;
	size_t len;
	int64_t iv;
	double d;
	int b, rc;

	if (store_fast(f, s, p, i, v, arena) == 0)
		return 0;
	if (v->type == ORM_TYPE_NULL) {
		MDL_BIT_SET(s, null, i);
		orm__mdl_free_field(m, i, obj);
		switch (f->ctype) {
		case ORM_CT_INT64: *(int64_t *)p = 0; break;
		case ORM_CT_INT32: *(int32_t *)p = 0; break;
		case ORM_CT_BOOL: *(_Bool *)p = 0; break;
		case ORM_CT_DOUBLE: *(double *)p = 0; break;
		case ORM_CT_STR: *(char **)p = NULL; break;
		case ORM_CT_CHARS: *(char *)p = '\0'; break;
		case ORM_CT_BYTES: ((orm_bytes *)p)->ptr = NULL; ((orm_bytes *)p)->len = 0; break;
		case ORM_CT_VALUE: *(orm_value *)p = orm_null(); break;
		}
		return 0;
	}
	switch (f->ctype) {
	case ORM_CT_INT64:
		if (orm__mdl_value_int(v, &iv) < 0)
			return ORM_ETYPE;
		*(int64_t *)p = iv;
		break;
	case ORM_CT_INT32:
		if (orm__mdl_value_int(v, &iv) < 0 || iv < INT32_MIN || iv > INT32_MAX)
			return ORM_ETYPE;
		*(int32_t *)p = (int32_t)iv;
		break;
	case ORM_CT_BOOL:
		if (v->type == ORM_TYPE_BOOL)
			b = v->u.b != 0;
		else if (v->type == ORM_TYPE_INT)
			b = v->u.i != 0;
		else if (v->type == ORM_TYPE_DOUBLE)
			b = v->u.d != 0;
		else if (is_text_type(v->type)) {
			if (text_bool(v->u.s.ptr, v->u.s.len, &b) < 0)
				return ORM_ETYPE;
		} else
			return ORM_ETYPE;
		*(_Bool *)p = b != 0;
		break;
	case ORM_CT_DOUBLE:
		if (v->type == ORM_TYPE_DOUBLE)
			d = v->u.d;
		else if (v->type == ORM_TYPE_INT)
			d = (double)v->u.i;
		else if (v->type == ORM_TYPE_BOOL)
			d = v->u.b;
		else if (is_text_type(v->type)) {
			if (text_double(v->u.s.ptr, v->u.s.len, &d) < 0)
				return ORM_ETYPE;
		} else
			return ORM_ETYPE;
		*(double *)p = d;
		break;
	case ORM_CT_STR:
	case ORM_CT_CHARS:
		if (has_payload(v->type)) {
			src = v->u.s.ptr ? v->u.s.ptr : "";
			len = v->u.s.len;
		} else if (v->type == ORM_TYPE_INT) {
			len = orm__fmt_int64(num, v->u.i);
			src = num;
		} else if (v->type == ORM_TYPE_BOOL) {
			src = v->u.b ? "1" : "0";
			len = 1;
		} else if (v->type == ORM_TYPE_DOUBLE) {
			len = (size_t)snprintf(num, sizeof(num), "%.17g", v->u.d);
			src = num;
		} else
			return ORM_ETYPE;
		if (f->ctype == ORM_CT_CHARS) {
			if (len >= f->size)
				return ORM_ETYPE;
			memmove(p, src, len);
			((char *)p)[len] = '\0';
			break;
		}
		if ((rc = put_bytes(m, i, obj, src, len, arena, &c)) < 0)
			return rc;
		*(char **)p = c;
		break;
	case ORM_CT_BYTES:
		if (!has_payload(v->type))
			return ORM_ETYPE;
		if ((rc = put_bytes(m, i, obj, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len, arena, &c)) < 0)
			return rc;
		((orm_bytes *)p)->ptr = (unsigned char *)c;
		((orm_bytes *)p)->len = v->u.s.len;
		break;
	case ORM_CT_VALUE:
		if (has_payload(v->type)) {
			orm_value nv = *v;
			if ((rc = put_bytes(m, i, obj, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len, arena, &c)) < 0)
				return rc;
			nv.u.s.ptr = c;
			*(orm_value *)p = nv;
		} else {
			orm__mdl_free_field(m, i, obj);
			*(orm_value *)p = *v;
		}
		break;
	}
	MDL_BIT_CLR(s, null, i);
	return 0;
}

/* Store column value v into field i, with the errors a read reports. */
static int store_read(orm_stmt *st, const orm_model *m, size_t i, void *obj, const orm_value *v,
		      struct orm__arena *arena)
{
	int rc = orm__mdl_store_value(m, i, obj, v, arena);

	if (rc == 0)
		return 0;
	if (rc == ORM_ETYPE)
		return orm__err(orm_sys_stmt_conn(st), ORM_ETYPE,
				"model %s: column %s (a %s value) does not fit field %s", mname(m),
				orm__mdl_col(&m->fields[i]), orm_type_name(v->type), m->fields[i].name);
	return orm__err(orm_sys_stmt_conn(st), rc, "model %s: out of memory reading field %s", mname(m),
			m->fields[i].name);
}

int orm__mdl_read_field(orm_stmt *st, int col, const orm_model *m, size_t i, void *obj,
			struct orm__arena *arena)
{
	const orm_field *f = &m->fields[i];
	const orm_driver *drv;
	orm_value v;
	int rc;

	/* an integer field (the ids an INSERT reads back): written by the
	 * driver's column_store, as a row's fields are */
	if ((f->ctype == ORM_CT_INT64 || f->ctype == ORM_CT_INT32) && st &&
	    st->state == ORM__ST_RUNNING && (drv = st->conn->drv) && drv->column_store) {
		orm_sys_colstore e;
		uint64_t slow = 0;

		e.col = col;
		e.kind = f->ctype == ORM_CT_INT64 ? ORM_SYS_STORE_INT64 : ORM_SYS_STORE_INT32;
		e.offset = f->offset;
		if ((rc = drv->column_store(st, &e, 1, obj, NULL, NULL, &v, &slow)) < 0)
			return rc;
		if (!slow) {
			MDL_BIT_CLR(orm__mdl_state(m, obj), null, i);
			return 0;
		}
		return store_read(st, m, i, obj, &v, arena);
	}
	if ((rc = orm_column_value(st, col, &v)) < 0)
		return rc;
	return store_read(st, m, i, obj, &v, arena);
}

/* ------------------------------------------------------------------ */
/* public field access                                                */

static int field_at(const orm_model *m, size_t offset)
{
	size_t i;

	if (!m)
		return -1;
	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].offset == offset)
			return (int)i;
	return -1;
}

int orm_model_is_null_at(const void *obj, const orm_model *m, size_t offset)
{
	int i = field_at(m, offset);

	if (!obj || i < 0)
		return 0;
	return orm__mdl_is_null(m, (size_t)i, obj);
}

int orm_model_set_null_at(void *obj, const orm_model *m, size_t offset)
{
	int i = field_at(m, offset);
	orm_value n = orm_null();

	if (!obj || i < 0)
		return ORM_EINVAL;
	orm__mdl_store_value(m, (size_t)i, obj, &n, NULL);
	MDL_BIT_SET(orm__mdl_state(m, obj), dirty, (size_t)i);
	return 0;
}

int orm_model_changed_at(void *obj, const orm_model *m, size_t offset)
{
	int i = field_at(m, offset);
	orm_model_state *s;

	if (!obj || i < 0)
		return ORM_EINVAL;
	s = orm__mdl_state(m, obj);
	MDL_BIT_SET(s, dirty, (size_t)i);
	MDL_BIT_CLR(s, null, (size_t)i);
	/* the caller assigned the member itself: it is no longer ours to free */
	MDL_BIT_CLR(s, owned, (size_t)i);
	return 0;
}

/*
 * orm_model_set_text_at() of a string into a char * field: what
 * orm__mdl_store_value() and put_bytes() do for it, in one short path
 * (a program sets its text fields before every save). The object's own
 * string is reused when the text fits; else a new one is made, then the
 * old one freed (s may point into it).
 */
static int set_str(const orm_model *m, size_t i, void *obj, const char *s)
{
	orm_model_state *st = orm__mdl_state(m, obj);
	char **p = (char **)orm__mdl_member(&m->fields[i], obj);
	char *old = *p, *c;
	size_t len = strlen(s);

	if (old && MDL_BIT_GET(st, owned, i) && OWNED_CAP(strlen(old)) >= len) {
		memmove(old, s, len + 1);
	} else {
		if (len > SIZE_MAX - OWNED_ALIGN - 1 || !(c = orm__malloc(OWNED_CAP(len) + 1)))
			return ORM_ENOMEM;
		memcpy(c, s, len + 1);
		if (MDL_BIT_GET(st, owned, i))
			orm__free(old);
		MDL_BIT_SET(st, owned, i);
		*p = c;
	}
	MDL_BIT_CLR(st, null, i);
	MDL_BIT_SET(st, dirty, i);
	return 0;
}

int orm_model_set_text_at(void *obj, const orm_model *m, size_t offset, const char *s)
{
	int i = field_at(m, offset), rc;
	orm_value v;

	if (!obj || i < 0)
		return ORM_EINVAL;
	if (s && m->fields[i].ctype == ORM_CT_STR)
		return set_str(m, (size_t)i, obj, s);
	if (m->fields[i].ctype != ORM_CT_STR && m->fields[i].ctype != ORM_CT_CHARS &&
	    m->fields[i].ctype != ORM_CT_VALUE)
		return ORM_EINVAL;
	v = s ? orm_text(s) : orm_null();
	if (s && m->fields[i].ctype == ORM_CT_VALUE && is_text_type(m->fields[i].type))
		v.type = m->fields[i].type;
	if ((rc = orm__mdl_store_value(m, (size_t)i, obj, &v, NULL)) < 0)
		return rc;
	MDL_BIT_SET(orm__mdl_state(m, obj), dirty, (size_t)i);
	return 0;
}

int orm_model_get(const void *obj, const orm_model *m, const char *name, orm_value *out)
{
	int i;

	if (out)
		*out = orm_null();
	if (!obj || !m || !name || !out || (i = orm__mdl_field_index(m, name)) < 0)
		return ORM_EINVAL;
	*out = orm__mdl_value(m, (size_t)i, obj);
	return 0;
}

int orm_model_set(void *obj, const orm_model *m, const char *name, orm_value v)
{
	int i, rc;

	if (!obj || !m || !name || (i = orm__mdl_field_index(m, name)) < 0)
		return ORM_EINVAL;
	if (m->fields[i].ctype == ORM_CT_VALUE && m->fields[i].type != ORM_TYPE_NULL &&
	    v.type == ORM_TYPE_TEXT && is_text_type(m->fields[i].type))
		v.type = m->fields[i].type;
	if ((rc = orm__mdl_store_value(m, (size_t)i, obj, &v, NULL)) < 0)
		return rc;
	MDL_BIT_SET(orm__mdl_state(m, obj), dirty, (size_t)i);
	return 0;
}

/* ------------------------------------------------------------------ */
/* clear                                                              */

void orm__mdl_release_items(const orm_model *m, void *items, size_t n)
{
	size_t k, i;
	int any_owned;

	for (k = 0; k < n; k++) {
		void *obj = (char *)items + k * m->size;
		orm_model_state *s = orm__mdl_state(m, obj);

		any_owned = s->owned != 0 || (m->nfields > ORM_MODEL_STATE_FIELDS &&
						((orm_model_state_wide *)(void *)s)->owned_hi != 0);
		if (any_owned)
			for (i = 0; i < m->nfields; i++)
				orm__mdl_free_field(m, i, obj);
		if (s->hold) {
			orm__hold_dispose(s->hold);
			orm__free(s->hold);
			s->hold = NULL;
		}
	}
}

/* Release the relations loaded into obj and reset their members. */
static void release_relations(const orm_model *m, void *obj)
{
	orm_model_state *s = orm__mdl_state(m, obj);
	size_t r;

	if (s->hold) {
		orm__hold_dispose(s->hold);
		orm__free(s->hold);
		s->hold = NULL;
	}
	for (r = 0; r < m->nrelations; r++) {
		const orm_relation *rel = &m->relations[r];
		*(void **)((char *)obj + rel->offset) = NULL;
		if (rel->count_offset != (size_t)-1)
			*(size_t *)((char *)obj + rel->count_offset) = 0;
	}
	s->loaded = 0;
}

void orm_model_clear(void *obj, const orm_model *m)
{
	if (!obj || !m)
		return;
	orm__mdl_release_items(m, obj, 1);
	memset(obj, 0, m->size);
}

/* ------------------------------------------------------------------ */
/* errors                                                             */

static int is_constraint(int rc)
{
	return rc == ORM_EUNIQUE || rc == ORM_EFOREIGNKEY || rc == ORM_ENOTNULL || rc == ORM_ECHECK ||
	       rc == ORM_ECONSTRAINT;
}

/* Map "a, b" / "t.a" column lists to field names. */
static void columns_to_fields(const orm_model *m, const char *cols, char *out, size_t len)
{
	const char *p = cols;
	size_t used = 0;

	out[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char one[256];
		const char *name, *dot;
		int fi;

		while (n && (*p == ' ' || *p == '"' || *p == '`')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '"' || p[n - 1] == '`'))
			n--;
		if (n >= sizeof(one))
			n = sizeof(one) - 1;
		memcpy(one, p, n);
		one[n] = '\0';
		dot = strrchr(one, '.');
		name = dot ? dot + 1 : one;
		fi = orm__mdl_field_index(m, name);
		if (fi >= 0) {
			int w = snprintf(out + used, len - used, "%s%s", used ? ", " : "", m->fields[fi].name);
			if (w > 0 && (size_t)w < len - used)
				used += (size_t)w;
		}
		p = end ? end + 1 : NULL;
	}
}

/*
 * CHECK violations come without a column on every dialect. Name the field
 * when the constraint says which: MariaDB names a column-level check after
 * its column; PostgreSQL's default name is <table>_<column>_check; SQLite
 * quotes the expression ("CHECK constraint failed: age >= 0") and we take
 * it when exactly one field's column appears in it as a word.
 */
static int check_field(const orm_model *m, const char *constraint, const char *msg)
{
	const char *tb = strrchr(m->table, '.'), *p;
	size_t i, tl;
	int found = -1;

	tb = tb ? tb + 1 : m->table;
	tl = strlen(tb);
	if (constraint && strrchr(constraint, '.'))
		constraint = strrchr(constraint, '.') + 1; /* MariaDB: "table.column" */
	for (i = 0; constraint && *constraint && i < m->nfields; i++) {
		const char *col = orm__mdl_col(&m->fields[i]);
		size_t cl = strlen(col);
		if (strcmp(constraint, col) == 0)
			return (int)i;
		if (strncmp(constraint, tb, tl) == 0 && constraint[tl] == '_' &&
		    strncmp(constraint + tl + 1, col, cl) == 0 && strcmp(constraint + tl + 1 + cl, "_check") == 0)
			return (int)i;
	}
	p = msg ? strstr(msg, "CHECK constraint failed: ") : NULL;
	if (!p)
		return -1;
	p += strlen("CHECK constraint failed: ");
	while (*p) {
		size_t n = 0;
		int fi;
		char word[128];

		while (*p && !(isalnum((unsigned char)*p) || *p == '_'))
			p++;
		while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '_'))
			n++;
		if (n == 0)
			break;
		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			for (fi = 0; fi < (int)m->nfields; fi++) {
				if (strcmp(orm__mdl_col(&m->fields[fi]), word) == 0) {
					if (found >= 0 && found != fi)
						return -1; /* two columns: do not guess */
					found = fi;
				}
			}
		}
		p += n;
	}
	return found;
}

/* Find a field whose column is missing in the live table (for ESQL errors). */
static int explain_missing_column(orm_conn *conn, const orm_model *m, char *out, size_t len)
{
	orm_table_info_handle *h = NULL;
	const orm_table_info *t;
	size_t i;
	int found = 0;

	if (orm_schema_inspect_table(&h, conn, m->table) < 0) {
		orm_table_info_free(h);
		if (orm_conn_error(conn)->code == ORM_ENOTFOUND) {
			snprintf(out, len, "model %s: table %s does not exist", mname(m), m->table);
			return 1;
		}
		return 0;
	}
	t = orm_table_info_get(h);
	for (i = 0; t && i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		if (f->flags & ORM_PIVOT)
			continue;
		if (!orm_table_info_column(t, orm__mdl_col(f))) {
			snprintf(out, len, "model %s: field %s has no column \"%s\" in table %s", mname(m),
				 f->name, orm__mdl_col(f), m->table);
			found = 1;
			break;
		}
	}
	orm_table_info_free(h);
	return found;
}

int orm__mdl_fail(orm_conn *conn, const orm_model *m, int rc, const char *what)
{
	const orm_error *e = orm_conn_error(conn);
	orm_sys_errinfo info;
	char *msg, *sqlstate, *schema, *table, *column, *constraint;
	char fields[512], explain[512];
	int native;

	if (rc >= 0)
		return rc;
	msg = orm__strdup(e->message ? e->message : "");
	sqlstate = orm__strdup(e->sqlstate ? e->sqlstate : "");
	schema = orm__strdup(e->schema ? e->schema : "");
	table = orm__strdup(e->table ? e->table : "");
	column = orm__strdup(e->column ? e->column : "");
	constraint = orm__strdup(e->constraint ? e->constraint : "");
	native = e->native_code;
	if (!msg || !sqlstate || !schema || !table || !column || !constraint)
		goto out; /* keep the driver's message as it is */
	memset(&info, 0, sizeof(info));
	info.code = rc;
	info.native_code = native;
	info.sqlstate = sqlstate;
	info.schema = schema;
	info.table = table;
	info.column = column;
	info.constraint = constraint;
	info.offset = e->offset;
	if (is_constraint(rc)) {
		columns_to_fields(m, column, fields, sizeof(fields));
		if (!fields[0] && rc == ORM_ECHECK) {
			int fi = check_field(m, constraint, msg);
			if (fi >= 0)
				snprintf(fields, sizeof(fields), "%s", m->fields[fi].name);
		}
		if (fields[0])
			orm_sys_error(conn, &info, "%s.%s: %s", mname(m), fields, msg);
		else
			orm_sys_error(conn, &info, "%s: %s", mname(m), msg);
	} else if (rc == ORM_ESQL && explain_missing_column(conn, m, explain, sizeof(explain))) {
		orm_sys_error(conn, &info, "%s (%s: %s)", explain, what, msg);
	} else {
		orm_sys_error(conn, &info, "model %s, %s: %s", mname(m), what, msg);
	}
out:
	orm__free(msg);
	orm__free(sqlstate);
	orm__free(schema);
	orm__free(table);
	orm__free(column);
	orm__free(constraint);
	return rc;
}

/* ------------------------------------------------------------------ */
/* insert                                                             */

static void now_text(char *out, size_t n, orm_type t)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (t == ORM_TYPE_DATE)
		strftime(out, n, "%Y-%m-%d", &tm);
	else if (t == ORM_TYPE_TIMESTAMPTZ)
		strftime(out, n, "%Y-%m-%d %H:%M:%S+00:00", &tm);
	else
		strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int set_now(const orm_model *m, size_t i, void *obj)
{
	const orm_field *f = &m->fields[i];
	char buf[64];
	orm_value v;

	if (f->ctype == ORM_CT_INT64 || f->ctype == ORM_CT_INT32) {
		v = orm_int((int64_t)time(NULL));
	} else {
		orm_type t = is_text_type(f->type) ? f->type : ORM_TYPE_TIMESTAMP;
		now_text(buf, sizeof(buf), t);
		v = orm_typed_text(t, buf);
	}
	return orm__mdl_store_value(m, i, obj, &v, NULL);
}

static int random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;
#if defined(__linux__)
	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
#endif
	if (got < n) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ORM_EIO;
		while (got < n) {
			ssize_t r = read(fd, b + got, n - got);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				close(fd);
				return ORM_EIO;
			}
			got += (size_t)r;
		}
		close(fd);
	}
	return 0;
}

static int set_uuid(const orm_model *m, size_t i, void *obj)
{
	unsigned char b[16];
	char s[37];
	orm_value v;
	int rc;

	if ((rc = random_bytes(b, sizeof(b))) < 0)
		return rc;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(s, sizeof(s),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	v = orm_typed_text(ORM_TYPE_UUID, s);
	return orm__mdl_store_value(m, i, obj, &v, NULL);
}

/* Whether an insert may fill field f (fill_field()): a timestamp, a UUID,
 * or a default on a field the database does not number itself. */
static int field_fillable(const orm_field *f)
{
	if (f->flags & (ORM_PIVOT | ORM_READONLY))
		return 0;
	return (f->flags & (ORM_CREATED_AT | ORM_UPDATED_AT | ORM_UUID)) ||
	       (f->defval && !(f->flags & ORM_AUTO));
}

int orm__mdl_needs_fill(const orm_model *m)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (field_fillable(&m->fields[i]))
			return 1;
	return 0;
}

/* The fill of field i for an insert (field_fillable(): a timestamp, a
 * UUID, a default), when the object leaves it empty. */
static int fill_field(orm_conn *conn, const orm_model *m, size_t i, void *obj)
{
	const orm_field *f = &m->fields[i];
	int dirty = MDL_BIT_GET(orm__mdl_state(m, obj), dirty, i), rc;

	if ((f->flags & (ORM_CREATED_AT | ORM_UPDATED_AT)) && !dirty && is_empty(m, i, obj)) {
		if ((rc = set_now(m, i, obj)) < 0)
			return orm__err(conn, rc, "model %s: cannot set timestamp field %s", mname(m),
					f->name);
	} else if ((f->flags & ORM_UUID) && is_empty(m, i, obj)) {
		if ((rc = set_uuid(m, i, obj)) < 0)
			return orm__err(conn, rc, "model %s: cannot generate a UUID for field %s",
					mname(m), f->name);
	} else if (f->defval && !dirty && !(f->flags & ORM_AUTO) && is_empty(m, i, obj)) {
		orm_value v = orm_text(f->defval);
		if (is_text_type(f->type))
			v.type = f->type;
		if ((rc = orm__mdl_store_value(m, i, obj, &v, NULL)) < 0)
			return orm__err(conn, rc, "model %s: default \"%s\" of field %s does not fit it",
					mname(m), f->defval, f->name);
	}
	return 0;
}

int orm__mdl_insert_plan(orm_conn *conn, const orm_model *m, void *obj, int fill, int *incl,
			 size_t *nincl, int *ret, size_t *nret)
{
	orm_model_state *s = orm__mdl_state(m, obj);
	size_t i;
	int rc;

	*nincl = *nret = 0;
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];

		if (fill && field_fillable(f) && (rc = fill_field(conn, m, i, obj)) < 0)
			return rc;
		if (f->flags & ORM_PIVOT)
			continue;
		if (f->flags & ORM_READONLY) {
			ret[(*nret)++] = (int)i;
			continue;
		}
		if ((f->flags & ORM_AUTO) && is_empty(m, i, obj)) {
			ret[(*nret)++] = (int)i;
			continue;
		}
		if ((f->flags & ORM_SERVER_DEFAULT) && !MDL_BIT_GET(s, dirty, i) && is_empty(m, i, obj)) {
			ret[(*nret)++] = (int)i;
			continue;
		}
		if (!(f->flags & ORM_NULLABLE) && orm__mdl_is_null(m, i, obj))
			return orm__err(conn, ORM_ENOTNULL,
					"%s.%s: field is NULL but not ORM_NULLABLE (nothing was written)",
					mname(m), f->name);
		incl[(*nincl)++] = (int)i;
	}
	return 0;
}

/* "INSERT INTO t (a, b) VALUES " */
static void insert_head(struct orm__sqlb *b, orm_dialect d, const orm_model *m, const int *incl,
			size_t nincl)
{
	size_t k;

	orm__sqlb_puts(b, "INSERT INTO ");
	orm__sqlb_ident(b, d, m->table);
	if (nincl == 0) {
		orm__sqlb_puts(b, d == ORM_DIALECT_MARIADB ? " () VALUES " : " DEFAULT VALUES");
		return;
	}
	orm__sqlb_puts(b, " (");
	for (k = 0; k < nincl; k++) {
		if (k)
			orm__sqlb_puts(b, ", ");
		orm__sqlb_ident(b, d, orm__mdl_col(&m->fields[incl[k]]));
	}
	orm__sqlb_puts(b, ") VALUES ");
}

static void insert_row(struct orm__sqlb *b, size_t nincl)
{
	size_t k;

	orm__sqlb_put(b, "(", 1);
	for (k = 0; k < nincl; k++)
		orm__sqlb_puts(b, k ? ", ?" : "?");
	orm__sqlb_put(b, ")", 1);
}

static void returning(struct orm__sqlb *b, orm_dialect d, const orm_model *m, const int *ret, size_t nret)
{
	size_t k;

	if (nret == 0)
		return;
	orm__sqlb_puts(b, " RETURNING ");
	for (k = 0; k < nret; k++) {
		if (k)
			orm__sqlb_puts(b, ", ");
		orm__sqlb_ident(b, d, orm__mdl_col(&m->fields[ret[k]]));
	}
}

static void mark_saved(const orm_model *m, void *obj)
{
	orm_model_state *s = orm__mdl_state(m, obj);

	orm__mdl_clear_dirty(m, s);
	s->flags |= ORM_STATE_PERSISTED;
}

/*
 * The SQL text of a model's INSERT, UPDATE, fetch by key and multi-row
 * INSERT (collection.c) depends only on the descriptor, the fields written
 * or read back, the number of rows, and the dialect:
 * each connection keeps the texts it built, keyed by descriptor address
 * and field sets, so a save or a fetch by key looks its statement up
 * instead of quoting every identifier again (about a tenth of a save on
 * SQLite). Descriptors are constant data (model.h: a descriptor must stay
 * unchanged at its address while a connection that used it is open);
 * those of orm_model_from_table(), which are freed at run time, are
 * never cached.
 */
#define MSQL_MAX 256

struct orm__msql {
	UT_hash_handle hh;
	struct msql_key k;
	size_t len;  /* of sql */
	unsigned hv; /* orm__prepare_hash(sql): the statement cache's lookup */
	struct orm__stmt_hint hint; /* where that lookup last found the statement */
	char sql[];  /* NUL-terminated */
};

/* the key's hash: a multiplicative mix of its words (the key is all words) */
static unsigned msql_hash(const struct msql_key *k)
{
	uint64_t h = (uint64_t)(uintptr_t)k->m * 0x9E3779B97F4A7C15ull;

	h = (h ^ k->a[0] ^ (k->op * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull;
	h = (h ^ k->a[1] ^ k->b[0]) * 0x9E3779B97F4A7C15ull;
	h = (h ^ k->b[1] ^ k->nrows) * 0x9E3779B97F4A7C15ull;
	return (unsigned)(h >> 32);
}

void orm__msql_key(struct msql_key *k, const orm_model *m, unsigned op, const int *a, size_t na,
		     const int *b, size_t nb)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->m = m;
	k->op = op;
	for (i = 0; i < na; i++)
		k->a[a[i] >> 6] |= (uint64_t)1 << (a[i] & 63);
	for (i = 0; i < nb; i++)
		k->b[b[i] >> 6] |= (uint64_t)1 << (b[i] & 63);
}

/* The cached text for k, or NULL. */
struct orm__msql *orm__msql_find(orm_conn *conn, const struct msql_key *k)
{
	struct orm__msql *e = NULL;

	if (k->m->flags & ORM__MODEL_RUNTIME)
		return NULL;
	HASH_FIND_BYHASHVALUE(hh, conn->msql, k, sizeof(*k), msql_hash(k), e);
	return e;
}

/* orm_prepare() of the text of e (found) or sql (built). */
int orm__msql_prepare(orm_stmt **st, orm_conn *conn, struct orm__msql *e, const char *sql)
{
	if (e)
		return orm__prepare_hinted(st, conn, &e->hint, e->sql, e->len, e->hv);
	return orm_prepare(st, conn, sql);
}

/* Keep sql for k; nothing happens when memory is short. */
void orm__msql_add(orm_conn *conn, const struct msql_key *k, const char *sql)
{
	struct orm__msql *e;
	size_t len;

	if (k->m->flags & ORM__MODEL_RUNTIME)
		return;
	if (conn->msql_count >= MSQL_MAX)
		orm__msql_free(conn);
	len = strlen(sql);
	e = orm__malloc(sizeof(*e) + len + 1);
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->k = *k;
	e->len = len;
	e->hv = orm__prepare_hash(sql, len);
	memcpy(e->sql, sql, len + 1);
	HASH_ADD_BYHASHVALUE(hh, conn->msql, k, sizeof(e->k), msql_hash(k), e);
	if (!e->hh.tbl) { /* uthash out of memory (HASH_NONFATAL_OOM) */
		orm__free(e);
		return;
	}
	conn->msql_count++;
}

void orm__msql_free(orm_conn *conn)
{
	struct orm__msql *e, *t;

	HASH_ITER(hh, conn->msql, e, t) {
		HASH_DEL(conn->msql, e);
		orm__free(e);
	}
	conn->msql_count = 0;
}

/*
 * MariaDB: whether model m's ORM_AUTO key (field kf) is an AUTO_INCREMENT
 * column, asked of information_schema once per connection and kept in
 * the model statement cache under MSQL_INSERT_ROWID: the INSERT text
 * without RETURNING when it is, an empty text when it is not (a key
 * filled by a sequence default or a trigger). @return 1 yes, 0 no (or
 * no answer: RETURNING is always right).
 */
static int mariadb_auto_increment(orm_conn *conn, const orm_model *m, int kf, const int *incl,
				  size_t nincl)
{
	struct msql_key key;
	struct orm__msql *e;
	struct orm__sqlb b;
	const char *dot = strchr(m->table, '.');
	orm_value p[3];
	orm_stmt *st = NULL;
	int yes = 0, np = 0;

	orm__msql_key(&key, m, MSQL_INSERT_ROWID, incl, nincl, NULL, 0);
	if ((e = orm__msql_find(conn, &key)) != NULL)
		return e->len > 0;
	if (m->flags & ORM__MODEL_RUNTIME)
		return 0;
	if (dot) {
		p[np++] = orm_textn(m->table, (size_t)(dot - m->table));
		p[np++] = orm_text(dot + 1);
	} else {
		p[np++] = orm_text(m->table);
	}
	p[np++] = orm_text(orm__mdl_col(&m->fields[kf]));
	if (orm_prepare(&st, conn, dot ? "SELECT EXTRA FROM information_schema.COLUMNS WHERE "
					 "TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?"
				       : "SELECT EXTRA FROM information_schema.COLUMNS WHERE "
					 "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?") == 0 &&
	    orm_bind_values(st, p, np, ORM_BIND_STATIC) == 0 && orm_stmt_step(st) == ORM_ROW) {
		const char *x = orm_column_text(st, 0, NULL);
		yes = x && strstr(x, "auto_increment") != NULL;
	}
	orm_stmt_free(st);
	orm__err_clear(conn); /* no answer is not an error: RETURNING */
	orm__sqlb_init(&b);
	if (yes) {
		insert_head(&b, ORM_DIALECT_MARIADB, m, incl, nincl);
		insert_row(&b, nincl);
	}
	if (!b.oom)
		orm__msql_add(conn, &key, yes ? b.p : "");
	orm__sqlb_dispose(&b);
	return yes && !b.oom;
}

/* A MariaDB INSERT that stored no AUTO_INCREMENT value for key field kf:
 * the table changed since the proof, so the proofs are forgotten. */
static ORM__COLD int no_insert_id(orm_conn *conn, const orm_model *m, size_t kf)
{
	orm__msql_free(conn);
	return orm__err(conn, ORM_ERROR,
			"model %s: the INSERT stored no AUTO_INCREMENT value for %s (was the table "
			"altered?); the row was written without its id",
			mname(m), m->fields[kf].name);
}

/*
 * The end of insert_sql_prepare() and update_sql_prepare(): keep the text
 * built in b under key, prepare it, and dispose of b. Errors are reported
 * with the model's context (`what`: "insert", "update").
 */
static int keep_and_prepare(orm_stmt **st, orm_conn *conn, const orm_model *m,
			    const struct msql_key *key, struct orm__sqlb *b, const char *what)
{
	int rc;

	if (b->oom) {
		rc = orm__err(conn, ORM_ENOMEM, "model %s: out of memory", mname(m));
	} else {
		orm__msql_add(conn, key, b->p);
		if ((rc = orm__msql_prepare(st, conn, NULL, b->p)) < 0)
			orm__mdl_fail(conn, m, rc, what);
	}
	orm__sqlb_dispose(b);
	return rc;
}

/*
 * The statement of a save whose INSERT text is not in the model statement
 * cache yet: the text is built, kept for the next saves, and prepared.
 * Out of line: a save runs it once per connection and field set.
 * @return 0, or an error reported with the model's context.
 */
static ORM__NOINLINE int insert_sql_prepare(orm_stmt **st, orm_conn *conn, const orm_model *m,
					    const struct msql_key *key, int rowid_key, const int *incl,
					    size_t nincl, const int *ret, size_t nret)
{
	orm_dialect d = orm_conn_dialect(conn);
	struct orm__sqlb b;

	orm__sqlb_init(&b);
	insert_head(&b, d, m, incl, nincl);
	if (nincl > 0 || d == ORM_DIALECT_MARIADB)
		insert_row(&b, nincl);
	if (!rowid_key)
		returning(&b, d, m, ret, nret);
	return keep_and_prepare(st, conn, m, key, &b, "insert");
}

/* orm_model_insert() past its argument checks (orm_model_save made them). */
static int model_insert(void *obj, orm_conn *conn, const orm_model *m)
{
	int incl[ORM_MODEL_MAX_FIELDS], ret[ORM_MODEL_MAX_FIELDS];
	size_t nincl, nret, k;
	struct msql_key key;
	struct orm__msql *hit;
	orm_stmt *st = NULL;
	orm_dialect d;
	int rc, rowid_key;

	d = orm_conn_dialect(conn);
	if ((rc = orm__mdl_insert_plan(conn, m, obj, 1, incl, &nincl, ret, &nret)) < 0)
		return rc;
	/*
	 * SQLite: when the only value to read back is the ORM_AUTO key (the
	 * rowid alias), take it from sqlite3_last_insert_rowid() instead of
	 * RETURNING, which makes SQLite buffer the returned row in a
	 * temporary table on every insert (about 3x the cost of the insert
	 * of a small row).
	 */
	rowid_key = orm__mdl_rowid_key(d, m, ret, nret);
	/*
	 * MariaDB: the same with the statement's own insert id (never one
	 * left over from an earlier statement) when the key column is
	 * AUTO_INCREMENT (mariadb_auto_increment); a key filled by a
	 * sequence default or a trigger keeps RETURNING.
	 */
	if (d == ORM_DIALECT_MARIADB && conn->drv->stmt_insert_id &&
	    orm__mdl_lone_auto_key(m, ret, nret))
		rowid_key = mariadb_auto_increment(conn, m, ret[0], incl, nincl);
	orm__msql_key(&key, m, rowid_key ? MSQL_INSERT_ROWID : MSQL_INSERT, incl, nincl, ret, rowid_key ? 0 : nret);
	if ((hit = orm__msql_find(conn, &key)) != NULL)
		rc = orm__msql_prepare(&st, conn, hit, NULL);
	else if ((rc = insert_sql_prepare(&st, conn, m, &key, rowid_key, incl, nincl, ret, nret)) < 0)
		return rc; /* reported */
	if (rc < 0)
		goto fail;
	for (k = 0; k < nincl; k++)
		if ((rc = orm__mdl_bind_field(st, (int)k + 1, m, (size_t)incl[k], obj)) < 0)
			goto fail;
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		for (k = 0; k < nret; k++)
			if ((rc = orm__mdl_read_field(st, (int)k, m, (size_t)ret[k], obj, NULL)) < 0)
				goto out;
		rc = orm_stmt_step(st);
	}
	if (rc != ORM_DONE) {
		if (rc >= 0)
			rc = orm__err(conn, ORM_ERROR, "model %s: INSERT returned more than one row", mname(m));
		goto fail;
	}
	if (rowid_key) {
		orm_value id;

		id.type = ORM_TYPE_INT;
		if (d == ORM_DIALECT_MARIADB)
			rc = conn->drv->stmt_insert_id(st, &id.u.i);
		else if (conn->drv->last_insert_id) /* the connection is open: it ran st */
			rc = conn->drv->last_insert_id(conn, &id.u.i);
		else
			rc = orm_last_insert_id(conn, &id.u.i); /* reports it unsupported */
		if (rc == 0 && id.u.i == 0)
			rc = no_insert_id(conn, m, (size_t)ret[0]);
		if (rc < 0 || (rc = orm__mdl_store_value(m, (size_t)ret[0], obj, &id, NULL)) < 0)
			goto out;
	}
	rc = 0;
	mark_saved(m, obj);
	goto out;
fail:
	orm__mdl_fail(conn, m, rc, "insert");
out:
	orm_stmt_free(st);
	return rc;
}

int orm_model_insert(void *obj, orm_conn *conn, const orm_model *m)
{
	int rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_insert")) < 0)
		return rc;
	return model_insert(obj, conn, m);
}

/* ------------------------------------------------------------------ */
/* update, fetch, destroy                                             */

/* The errors of a key that is NULL in obj, or of a model without one. */
static int pk_null_err(orm_conn *conn, const orm_model *m, size_t i, const char *fn)
{
	return orm__err(conn, ORM_EINVAL, "%s: %s.%s (primary key) is NULL", fn, mname(m), m->fields[i].name);
}

static int no_pk_err(orm_conn *conn, const orm_model *m, const char *fn)
{
	return orm__err(conn, ORM_EINVAL, "%s: model %s has no primary key field (ORM_PK)", fn, mname(m));
}

/* " WHERE pk1 = ? AND pk2 = ?" into b; checks the key is set (b NULL: only that). */
static int where_pk(orm_conn *conn, struct orm__sqlb *b, const orm_model *m, const void *obj,
		    const char *fn)
{
	orm_dialect d = orm_conn_dialect(conn);
	size_t i, n = 0;

	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		if (!(f->flags & ORM_PK))
			continue;
		if (obj && orm__mdl_is_null(m, i, obj))
			return pk_null_err(conn, m, i, fn);
		if (b) {
			orm__sqlb_puts(b, n ? " AND " : " WHERE ");
			orm__sqlb_ident(b, d, orm__mdl_col(f));
			orm__sqlb_puts(b, " = ?");
		}
		n++;
	}
	if (n == 0)
		return no_pk_err(conn, m, fn);
	return 0;
}

static int bind_pk(orm_stmt *st, int idx, const orm_model *m, const void *obj)
{
	size_t i;
	int rc;

	for (i = 0; i < m->nfields; i++) {
		if (!(m->fields[i].flags & ORM_PK))
			continue;
		if ((rc = orm__mdl_bind_field(st, idx++, m, i, obj)) < 0)
			return rc;
	}
	return 0;
}

static void describe_key(const orm_model *m, const void *obj, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < m->nfields && used < len; i++) {
		orm_value v;
		int w;

		if (!(m->fields[i].flags & ORM_PK))
			continue;
		v = orm__mdl_value(m, i, obj);
		if (v.type == ORM_TYPE_INT)
			w = snprintf(out + used, len - used, "%s%s = %lld", used ? ", " : "",
				     m->fields[i].name, (long long)v.u.i);
		else if (is_text_type(v.type))
			w = snprintf(out + used, len - used, "%s%s = '%.*s'", used ? ", " : "",
				     m->fields[i].name, (int)(v.u.s.len > 64 ? 64 : v.u.s.len), v.u.s.ptr);
		else
			w = snprintf(out + used, len - used, "%s%s", used ? ", " : "", m->fields[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/*
 * The statement of an update whose text is not in the model statement
 * cache yet (out of line, as insert_sql_prepare()): UPDATE t SET a = ?, ...
 * WHERE key, or SELECT 1 FROM t WHERE key when no field is written (the
 * update then checks that the row exists).
 */
static ORM__NOINLINE int update_sql_prepare(orm_stmt **st, orm_conn *conn, const orm_model *m,
					    const struct msql_key *key, const int *set, size_t nset)
{
	orm_dialect d = orm_conn_dialect(conn);
	struct orm__sqlb b;
	size_t k;
	int rc;

	orm__sqlb_init(&b);
	if (nset == 0) {
		orm__sqlb_puts(&b, "SELECT 1 FROM ");
		orm__sqlb_ident(&b, d, m->table);
	} else {
		orm__sqlb_puts(&b, "UPDATE ");
		orm__sqlb_ident(&b, d, m->table);
		orm__sqlb_puts(&b, " SET ");
		for (k = 0; k < nset; k++) {
			if (k)
				orm__sqlb_puts(&b, ", ");
			orm__sqlb_ident(&b, d, orm__mdl_col(&m->fields[set[k]]));
			orm__sqlb_puts(&b, " = ?");
		}
	}
	if ((rc = where_pk(conn, &b, m, NULL, "orm_model_update")) < 0) {
		orm__sqlb_dispose(&b);
		return rc;
	}
	return keep_and_prepare(st, conn, m, key, &b, "update");
}

/* The error of an update that found no row with obj's key. */
static ORM__COLD int update_not_found(orm_conn *conn, const orm_model *m, const void *obj)
{
	char key[256];

	describe_key(m, obj, key, sizeof(key));
	return orm__err(conn, ORM_ENOTFOUND, "model %s: no row in %s with %s to update", mname(m),
			m->table, key);
}

/* orm_model_update() past its argument checks (orm_model_save made them). */
static int model_update(void *obj, orm_conn *conn, const orm_model *m)
{
	int all[ORM_MODEL_MAX_FIELDS], dset[ORM_MODEL_MAX_FIELDS], pks[ORM_MODEL_MAX_FIELDS];
	const int *set;
	struct msql_key skey;
	struct orm__msql *hit;
	size_t nset = 0, nall = 0, nd = 0, npk = 0, i, k;
	orm_stmt *st = NULL;
	orm_model_state *s;
	int rc, any_dirty = 0;

	s = orm__mdl_state(m, obj);
	/* one pass over the fields: the key, every writable field, and the
	 * changed ones with the ORM_UPDATED_AT ones (written when any field
	 * changed; all writable fields when none did) */
	for (i = 0; i < m->nfields; i++) {
		unsigned fl = m->fields[i].flags;

		if (fl & ORM_PK)
			pks[npk++] = (int)i;
		if (fl & (ORM_PK | ORM_PIVOT | ORM_READONLY))
			continue;
		all[nall++] = (int)i;
		if (MDL_BIT_GET(s, dirty, i)) {
			any_dirty = 1;
			dset[nd++] = (int)i;
		} else if (fl & ORM_UPDATED_AT) {
			dset[nd++] = (int)i;
		}
	}
	set = any_dirty ? dset : all;
	nset = any_dirty ? nd : nall;
	for (k = 0; k < nset; k++) {
		const orm_field *f = &m->fields[set[k]];

		i = (size_t)set[k];
		if ((f->flags & ORM_UPDATED_AT) && !MDL_BIT_GET(s, dirty, i) && (rc = set_now(m, i, obj)) < 0)
			return orm__err(conn, rc, "model %s: cannot set timestamp field %s", mname(m), f->name);
		if (!(f->flags & ORM_NULLABLE) && orm__mdl_is_null(m, i, obj))
			return orm__err(conn, ORM_ENOTNULL,
					"%s.%s: field is NULL but not ORM_NULLABLE (nothing was written)",
					mname(m), f->name);
	}
	if (npk == 0)
		return no_pk_err(conn, m, "orm_model_update");
	for (k = 0; k < npk; k++)
		if (orm__mdl_is_null(m, (size_t)pks[k], obj))
			return pk_null_err(conn, m, (size_t)pks[k], "orm_model_update");
	orm__msql_key(&skey, m, MSQL_UPDATE, set, nset, NULL, 0);
	if ((hit = orm__msql_find(conn, &skey)) != NULL)
		rc = orm__msql_prepare(&st, conn, hit, NULL);
	else if ((rc = update_sql_prepare(&st, conn, m, &skey, set, nset)) < 0)
		return rc; /* reported */
	if (rc < 0)
		goto fail;
	for (k = 0; k < nset; k++)
		if ((rc = orm__mdl_bind_field(st, (int)k + 1, m, (size_t)set[k], obj)) < 0)
			goto fail;
	for (k = 0; k < npk; k++)
		if ((rc = orm__mdl_bind_field(st, (int)(nset + k) + 1, m, (size_t)pks[k], obj)) < 0)
			goto fail;
	rc = orm_stmt_step(st);
	if (nset == 0) {
		if (rc == ORM_ROW)
			rc = ORM_DONE;
		else if (rc == ORM_DONE)
			goto notfound;
	}
	if (rc != ORM_DONE) {
		if (rc >= 0)
			rc = orm__err(conn, ORM_ERROR, "model %s: UPDATE returned rows", mname(m));
		goto fail;
	}
	if (nset > 0 && orm_stmt_changes(st) == 0)
		goto notfound;
	rc = 0;
	mark_saved(m, obj);
	goto out;
notfound:
	rc = update_not_found(conn, m, obj);
	goto out;
fail:
	orm__mdl_fail(conn, m, rc, "update");
out:
	orm_stmt_free(st);
	return rc;
}

int orm_model_update(void *obj, orm_conn *conn, const orm_model *m)
{
	int rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_update")) < 0)
		return rc;
	return model_update(obj, conn, m);
}

int orm_model_save(void *obj, orm_conn *conn, const orm_model *m)
{
	orm_model_state *s;
	size_t i;
	int rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_save")) < 0)
		return rc;
	s = orm__mdl_state(m, obj);
	if (s->flags & ORM_STATE_PERSISTED)
		return model_update(obj, conn, m);
	for (i = 0; i < m->nfields; i++)
		if ((m->fields[i].flags & (ORM_PK | ORM_AUTO)) == (ORM_PK | ORM_AUTO) && !is_empty(m, i, obj))
			return model_update(obj, conn, m);
	return model_insert(obj, conn, m);
}

/* "SELECT a, b FROM t" for every non-pivot field. */
static void select_head(struct orm__sqlb *b, orm_dialect d, const orm_model *m)
{
	size_t i, n = 0;

	orm__sqlb_puts(b, "SELECT ");
	for (i = 0; i < m->nfields; i++) {
		if (m->fields[i].flags & ORM_PIVOT)
			continue;
		if (n++)
			orm__sqlb_puts(b, ", ");
		orm__sqlb_ident(b, d, orm__mdl_col(&m->fields[i]));
	}
	orm__sqlb_puts(b, " FROM ");
	orm__sqlb_ident(b, d, m->table);
}

/* Read the row into obj: owned strings, fresh state (persisted, clean). */
static int fetch_into(orm_stmt *st, const orm_model *m, void *obj, const int *colmap)
{
	orm_model_state *s = orm__mdl_state(m, obj);
	int rc;

	release_relations(m, obj);
	if ((rc = orm__mdl_read_row(st, m, obj, colmap, NULL)) < 0)
		return rc;
	orm__mdl_clear_dirty(m, s);
	s->flags |= ORM_STATE_PERSISTED;
	return 0;
}

/* The row through column_values() (or column_value()) and the store
 * path: any object, strings owned (arena NULL) or in an arena. */
static int read_values(orm_stmt *st, const orm_model *m, void *obj, const int *colmap,
		       struct orm__arena *arena, int kcol, orm_value *key)
{
	orm_value vals[ORM_MODEL_MAX_FIELDS];
	orm_model_state *s = orm__mdl_state(m, obj);
	const orm_driver *drv;
	size_t i;
	int rc, ncols;

	/* the checks of orm_column_value() once per row, not per field: this
	 * loop runs for every row a fetch or an eager load reads */
	if (!st || st->state != ORM__ST_RUNNING || !(drv = st->conn->drv))
		return orm_column_value(st, 0, &vals[0]);
	if (drv->column_values) {
		/* the whole row in one driver call, which checks the columns'
		 * range (the payloads stay valid until the next fetch) */
		if ((rc = drv->column_values(st, colmap, m->nfields, vals)) < 0 ||
		    (kcol >= 0 && (rc = drv->column_values(st, &kcol, 1, key)) < 0))
			return rc;
	} else {
		ncols = drv->column_count(st);
		for (i = 0; i < m->nfields; i++)
			if (colmap[i] >= ncols)
				return orm_column_value(st, colmap[i], &vals[0]); /* the range error */
		if (kcol >= ncols)
			return orm_column_value(st, kcol, key);
		for (i = 0; i < m->nfields; i++)
			if (colmap[i] >= 0 && (rc = drv->column_value(st, colmap[i], &vals[i])) < 0)
				return rc;
		if (kcol >= 0 && (rc = drv->column_value(st, kcol, key)) < 0)
			return rc;
	}
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		const orm_value *v = &vals[i];
		void *p = (char *)obj + f->offset;

		if (colmap[i] < 0)
			continue;
		if (store_fast(f, s, p, i, v, arena) == 0)
			continue;
		if ((rc = store_read(st, m, i, obj, v, arena)) < 0)
			return rc;
	}
	return 0;
}

int orm__mdl_read_row(orm_stmt *st, const orm_model *m, void *obj, const int *colmap,
		      struct orm__arena *arena)
{
	return read_values(st, m, obj, colmap, arena, -1, NULL);
}

void orm__mdl_rowplan(struct orm__rowplan *p, const orm_model *m, const int *colmap, int kcol)
{
	size_t i;

	memset(p->mapped, 0, sizeof(p->mapped));
	memset(p->text, 0, sizeof(p->text));
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		orm_sys_colstore *e = &p->e[i];

		p->colmap[i] = colmap[i];
		e->col = colmap[i];
		e->offset = f->offset;
		switch (f->ctype) {
		case ORM_CT_INT64: e->kind = ORM_SYS_STORE_INT64; break;
		case ORM_CT_INT32: e->kind = ORM_SYS_STORE_INT32; break;
		case ORM_CT_STR: e->kind = ORM_SYS_STORE_TEXT; break;
		default: e->kind = ORM_SYS_STORE_VALUE; break;
		}
		if (colmap[i] >= 0) {
			p->mapped[i / 64] |= (uint64_t)1 << (i % 64);
			if (e->kind == ORM_SYS_STORE_TEXT)
				p->text[i / 64] |= (uint64_t)1 << (i % 64);
		}
	}
	/* the key rides in the same driver call, always handed back as a value */
	p->kcol = kcol;
	p->n = m->nfields;
	if (kcol >= 0) {
		p->e[p->n].col = kcol;
		p->e[p->n].kind = ORM_SYS_STORE_VALUE;
		p->e[p->n].offset = 0;
		p->n++;
	}
}

static char *arena_copy_fn(void *ctx, const char *ptr, size_t len)
{
	return orm__arena_copy(ctx, ptr, len);
}

int orm__mdl_read_row_key(orm_stmt *st, const orm_model *m, void *obj,
			  const struct orm__rowplan *p, struct orm__arena *arena, orm_value *key)
{
	orm_value vals[ORM_MODEL_MAX_FIELDS + 1];
	uint64_t slow[3] = { 0, 0, 0 };
	orm_model_state *s = orm__mdl_state(m, obj);
	const orm_driver *drv;
	size_t w, i;
	int rc;

	/* the driver writes the common cases into the object (column_store);
	 * the rest, and objects with strings of their own, take the store path */
	if (!st || st->state != ORM__ST_RUNNING || !(drv = st->conn->drv) || !drv->column_store ||
	    !arena || (s->owned & p->text[0]) ||
	    (m->nfields > 64 && (MDL_WORD(s, owned, 64) & p->text[1])))
		return read_values(st, m, obj, p->colmap, arena, p->kcol, key);
	if ((rc = drv->column_store(st, p->e, p->n, obj, arena_copy_fn, arena, vals, slow)) < 0)
		return rc;
	if (p->kcol >= 0) {
		*key = vals[m->nfields];
		slow[m->nfields / 64] &= ~((uint64_t)1 << (m->nfields % 64));
	}
	/* what the driver wrote is not NULL; the rest sets its own bits */
	s->null &= ~(p->mapped[0] & ~slow[0]);
	if (m->nfields > 64)
		MDL_WORD(s, null, 64) &= ~(p->mapped[1] & ~slow[1]);
	for (w = 0; w < 2; w++)
		for (i = w * 64; slow[w]; i++, slow[w] >>= 1)
			if ((slow[w] & 1) && (rc = store_read(st, m, i, obj, &vals[i], arena)) < 0)
				return rc;
	return 0;
}

int orm__mdl_colmap(orm_stmt *st, const orm_model *m, int by_name, int with_pivot, int *colmap)
{
	size_t i;
	int c = 0, ncols;

	if (!by_name) {
		for (i = 0; i < m->nfields; i++)
			colmap[i] = (m->fields[i].flags & ORM_PIVOT) && !with_pivot ? -1 : c++;
		return 0;
	}
	for (i = 0; i < m->nfields; i++)
		colmap[i] = -1;
	ncols = orm_column_count(st);
	for (c = 0; c < ncols; c++) {
		const char *name = orm_column_name(st, c);
		int fi;
		if (!name)
			continue;
		fi = orm__mdl_field_index(m, name);
		if (fi >= 0 && colmap[fi] < 0)
			colmap[fi] = c;
	}
	return 0;
}

/*
 * The statement of a fetch by key whose SELECT text is not in the model
 * statement cache yet (out of line, as insert_sql_prepare()).
 */
static ORM__NOINLINE int fetch_sql_prepare(orm_stmt **st, orm_conn *conn, const orm_model *m,
					   const struct msql_key *key, const void *obj)
{
	struct orm__sqlb b;
	int rc;

	orm__sqlb_init(&b);
	select_head(&b, orm_conn_dialect(conn), m);
	if ((rc = where_pk(conn, &b, m, obj, "orm_model_fetch")) < 0) {
		orm__sqlb_dispose(&b);
		return rc;
	}
	return keep_and_prepare(st, conn, m, key, &b, "fetch");
}

/* The error of a fetch that found no row (q: the query, else obj's key). */
static ORM__COLD int fetch_not_found(orm_conn *conn, const orm_model *m, const void *obj,
				     const orm_query *q)
{
	char key[256];

	if (q)
		return orm__err(conn, ORM_ENOTFOUND, "model %s: the query found no row in %s", mname(m),
				m->table);
	describe_key(m, obj, key, sizeof(key));
	return orm__err(conn, ORM_ENOTFOUND, "model %s: no row in %s with %s", mname(m), m->table, key);
}

/* Step st (bound) and read its row into obj: 0, ENOTFOUND, or an error. */
static int fetch_row(orm_stmt *st, orm_conn *conn, const orm_model *m, void *obj, const orm_query *q,
		     int user_sel)
{
	int colmap[ORM_MODEL_MAX_FIELDS];
	int rc = orm_stmt_step(st);

	if (rc == ORM_ROW) {
		orm__mdl_colmap(st, m, user_sel, 0, colmap);
		return (rc = fetch_into(st, m, obj, colmap)) < 0 ? rc : 0;
	}
	if (rc == ORM_DONE)
		return fetch_not_found(conn, m, obj, q);
	orm__mdl_fail(conn, m, rc, "fetch");
	return rc;
}

/* orm_model_fetch() and orm_model_find() by obj's key (pk: the key field
 * already stored in obj, or -1 for every key field, checked here). */
static int model_fetch_key(void *obj, orm_conn *conn, const orm_model *m, int pk)
{
	struct orm__msql *hit;
	struct msql_key fkey;
	orm_stmt *st = NULL;
	int rc;

	orm__msql_key(&fkey, m, MSQL_FETCH, NULL, 0, NULL, 0);
	if ((hit = orm__msql_find(conn, &fkey)) != NULL) {
		if (pk < 0 && (rc = where_pk(conn, NULL, m, obj, "orm_model_fetch")) < 0)
			return rc;
		if ((rc = orm__msql_prepare(&st, conn, hit, NULL)) < 0)
			goto fail;
	} else if ((rc = fetch_sql_prepare(&st, conn, m, &fkey, obj)) < 0) {
		return rc; /* reported */
	}
	if ((rc = pk >= 0 ? orm__mdl_bind_field(st, 1, m, (size_t)pk, obj) : bind_pk(st, 1, m, obj)) < 0)
		goto fail;
	rc = fetch_row(st, conn, m, obj, NULL, 0);
	goto out;
fail:
	orm__mdl_fail(conn, m, rc, "fetch");
out:
	orm_stmt_free(st);
	return rc;
}

/*
 * orm_model_fetch() after its argument checks. pk: the index of the
 * single key field when the caller has just stored a key there (not
 * NULL), so that its check and the key loops are skipped; else -1.
 */
static int model_fetch(void *obj, orm_conn *conn, const orm_model *m, const orm_query *q, int pk)
{
	orm_stmt *st = NULL;
	orm_buf sql = ORM_BUF_INIT;
	orm_query *base = NULL;
	void *palloc = NULL;
	const orm_value *params = NULL;
	int rc, nparams = 0, user_sel = 0;

	if (!q)
		return model_fetch_key(obj, conn, m, pk);
	base = orm_query_new(m->table);
	if (!base || orm__mdl_select_fields(base, m, orm__mdl_qualifier(m, q)) < 0) {
		rc = orm__err(conn, ORM_ENOMEM, "model %s: out of memory", mname(m));
		goto out;
	}
	rc = orm__mdl_compile(conn, base, NULL, q, ORM__MQ_USER_SELECT | ORM__MQ_LIMIT1, ORM__MQ_KEEP,
			      ORM__MQ_KEEP, &sql, &params, &nparams, &palloc, &user_sel);
	if (rc < 0)
		goto out;
	if ((rc = orm_prepare(&st, conn, sql.ptr)) < 0 ||
	    (rc = orm_bind_values(st, params, nparams, ORM_BIND_STATIC)) < 0) {
		orm__mdl_fail(conn, m, rc, "fetch");
		goto out;
	}
	rc = fetch_row(st, conn, m, obj, q, user_sel);
out:
	orm_stmt_free(st);
	orm__free(palloc);
	orm_buf_dispose(&sql);
	orm_query_free(base);
	return rc;
}

int orm_model_fetch(void *obj, orm_conn *conn, const orm_model *m, const orm_query *q)
{
	int rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_fetch")) < 0)
		return rc;
	return model_fetch(obj, conn, m, q, -1);
}

int orm_model_find(void *obj, orm_conn *conn, const orm_model *m, orm_value key)
{
	int pk, rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_find")) < 0)
		return rc;
	if ((pk = orm__mdl_single_pk(m)) < 0)
		return orm__err(conn, ORM_EINVAL, "orm_model_find: model %s needs a single-column primary key",
				mname(m));
	if (key.type == ORM_TYPE_NULL)
		return orm__err(conn, ORM_EINVAL, "orm_model_find: the key is NULL");
	if ((rc = orm__mdl_store_value(m, (size_t)pk, obj, &key, NULL)) < 0)
		return orm__err(conn, rc, "orm_model_find: the key does not fit %s.%s", mname(m),
				m->fields[pk].name);
	return model_fetch(obj, conn, m, NULL, pk);
}

int orm_model_find_id(void *obj, orm_conn *conn, const orm_model *m, int64_t id)
{
	return orm_model_find(obj, conn, m, orm_int(id));
}

int orm_model_refresh(void *obj, orm_conn *conn, const orm_model *m)
{
	return orm_model_fetch(obj, conn, m, NULL);
}

int orm_model_destroy(void *obj, orm_conn *conn, const orm_model *m)
{
	struct orm__sqlb b;
	orm_stmt *st = NULL;
	char key[256];
	int rc;

	if ((rc = obj_usable(conn, m, obj, "orm_model_destroy")) < 0)
		return rc;
	orm__sqlb_init(&b);
	orm__sqlb_puts(&b, "DELETE FROM ");
	orm__sqlb_ident(&b, orm_conn_dialect(conn), m->table);
	if ((rc = where_pk(conn, &b, m, obj, "orm_model_destroy")) < 0)
		goto out;
	if (b.oom) {
		rc = orm__err(conn, ORM_ENOMEM, "model %s: out of memory", mname(m));
		goto out;
	}
	if ((rc = orm_prepare(&st, conn, b.p)) < 0 || (rc = bind_pk(st, 1, m, obj)) < 0)
		goto fail;
	rc = orm_stmt_step(st);
	if (rc != ORM_DONE)
		goto fail;
	if (orm_stmt_changes(st) == 0) {
		describe_key(m, obj, key, sizeof(key));
		rc = orm__err(conn, ORM_ENOTFOUND, "model %s: no row in %s with %s to delete", mname(m),
			      m->table, key);
		goto out;
	}
	rc = 0;
	orm__mdl_state(m, obj)->flags &= ~(uint32_t)ORM_STATE_PERSISTED;
	goto out;
fail:
	orm__mdl_fail(conn, m, rc, "destroy");
out:
	orm_stmt_free(st);
	orm__sqlb_dispose(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* descriptor checks                                                  */

static int check_err(orm_buf *err, const char *fmt, ...) ORM_FORMAT_PRINTF(2, 3);
static int check_err(orm_buf *err, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (err) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		orm_buf_puts(err, msg);
	}
	return ORM_EINVAL;
}

static int ctype_ok(const orm_field *f)
{
	switch (f->ctype) {
	case ORM_CT_INT64:
	case ORM_CT_INT32:
		return f->type == ORM_TYPE_INT;
	case ORM_CT_BOOL:
		return f->type == ORM_TYPE_BOOL;
	case ORM_CT_DOUBLE:
		return f->type == ORM_TYPE_DOUBLE;
	case ORM_CT_STR:
	case ORM_CT_CHARS:
		return is_text_type(f->type);
	case ORM_CT_BYTES:
		return f->type == ORM_TYPE_BLOB;
	case ORM_CT_VALUE:
		return 1;
	}
	return 0;
}

static size_t ctype_size(orm_ctype t)
{
	switch (t) {
	case ORM_CT_INT64: return sizeof(int64_t);
	case ORM_CT_INT32: return sizeof(int32_t);
	case ORM_CT_BOOL: return sizeof(_Bool);
	case ORM_CT_DOUBLE: return sizeof(double);
	case ORM_CT_STR: return sizeof(char *);
	case ORM_CT_CHARS: return 0;
	case ORM_CT_BYTES: return sizeof(orm_bytes);
	case ORM_CT_VALUE: return sizeof(orm_value);
	}
	return 0;
}

static int check_defval(const orm_field *f)
{
	orm_value v = orm_text(f->defval);
	int64_t i;
	double d;
	int b;

	switch (f->ctype) {
	case ORM_CT_INT64:
	case ORM_CT_INT32:
		return orm__mdl_value_int(&v, &i) == 0 &&
		       (f->ctype == ORM_CT_INT64 || (i >= INT32_MIN && i <= INT32_MAX));
	case ORM_CT_BOOL:
		return text_bool(v.u.s.ptr, v.u.s.len, &b) == 0;
	case ORM_CT_DOUBLE:
		return text_double(v.u.s.ptr, v.u.s.len, &d) == 0;
	case ORM_CT_CHARS:
		return v.u.s.len < f->size;
	default:
		return 1;
	}
}

static int has_field_col(const orm_model *m, const char *col)
{
	return orm__mdl_field_index(m, col) >= 0;
}

static int check_relation(const orm_model *m, size_t r, orm_buf *err)
{
	const orm_relation *rel = &m->relations[r];
	const char *mn = mname(m), *rn = rel->name ? rel->name : "?";
	int many;

	if (!rel->name || !*rel->name || strchr(rel->name, '.'))
		return check_err(err, "model %s: relation %zu has no name (or a '.' in it)", mn, r);
	if (!rel->target)
		return check_err(err, "model %s, relation %s: no target model", mn, rn);
	if (rel->kind < ORM_REL_HAS_ONE || rel->kind > ORM_REL_HAS_MANY_THROUGH)
		return check_err(err, "model %s, relation %s: unknown kind %d", mn, rn, (int)rel->kind);
	many = rel->kind == ORM_REL_HAS_MANY || rel->kind == ORM_REL_BELONGS_TO_MANY ||
	       rel->kind == ORM_REL_HAS_MANY_THROUGH;
	if (rel->offset + sizeof(void *) > m->size)
		return check_err(err, "model %s, relation %s: member outside the struct", mn, rn);
	if (many && (rel->count_offset == (size_t)-1 || rel->count_offset + sizeof(size_t) > m->size))
		return check_err(err, "model %s, relation %s: a many relation needs a size_t count member",
				 mn, rn);
	if (!many && rel->count_offset != (size_t)-1)
		return check_err(err, "model %s, relation %s: a one relation has no count member", mn, rn);
	if (rel->kind == ORM_REL_BELONGS_TO) {
		char fk[300], tn[256];
		orm__mdl_singular(rel->target, tn, sizeof(tn));
		snprintf(fk, sizeof(fk), "%s_id", tn);
		if (!has_field_col(m, rel->foreign_key ? rel->foreign_key : fk))
			return check_err(err, "model %s, relation %s: belongs_to needs the foreign key \"%s\" as a field of %s",
					 mn, rn, rel->foreign_key ? rel->foreign_key : fk, mn);
		if (rel->other_key ? !has_field_col(rel->target, rel->other_key)
				   : orm__mdl_single_pk(rel->target) < 0)
			return check_err(err, "model %s, relation %s: target %s has no key field %s", mn, rn,
					 mname(rel->target), rel->other_key ? rel->other_key : "(single-column primary key)");
	} else {
		if (rel->local_key ? !has_field_col(m, rel->local_key) : orm__mdl_single_pk(m) < 0)
			return check_err(err, "model %s, relation %s: %s has no local key field %s", mn, rn, mn,
					 rel->local_key ? rel->local_key : "(single-column primary key)");
	}
	if (rel->kind == ORM_REL_BELONGS_TO_MANY && orm__mdl_single_pk(rel->target) < 0)
		return check_err(err, "model %s, relation %s: target %s needs a single-column primary key",
				 mn, rn, mname(rel->target));
	if (rel->kind == ORM_REL_HAS_MANY_THROUGH) {
		if (!rel->through)
			return check_err(err, "model %s, relation %s: has_many_through needs .through", mn, rn);
		if (orm__mdl_single_pk(rel->through) < 0)
			return check_err(err, "model %s, relation %s: through model %s needs a single-column primary key",
					 mn, rn, mname(rel->through));
	} else if (rel->through) {
		return check_err(err, "model %s, relation %s: .through is only for has_many_through", mn, rn);
	}
	if (rel->pivot && rel->kind != ORM_REL_BELONGS_TO_MANY)
		return check_err(err, "model %s, relation %s: .pivot is only for belongs_to_many", mn, rn);
	return 0;
}

int orm_model_check(const orm_model *m, orm_buf *err)
{
	size_t i, j, npk = 0;
	const char *mn;

	if (!m)
		return check_err(err, "model is NULL");
	mn = mname(m);
	if (!m->table || !*m->table)
		return check_err(err, "model %s: no table", mn);
	if (!m->fields || m->nfields == 0)
		return check_err(err, "model %s: no fields", mn);
	if (m->nfields > ORM_MODEL_MAX_FIELDS)
		return check_err(err, "model %s: %zu fields (at most %d)", mn, m->nfields, ORM_MODEL_MAX_FIELDS);
	if (m->nrelations > ORM_MODEL_MAX_RELATIONS)
		return check_err(err, "model %s: %zu relations (at most %d)", mn, m->nrelations,
				 ORM_MODEL_MAX_RELATIONS);
	if (m->nrelations && !m->relations)
		return check_err(err, "model %s: nrelations without relations", mn);
	if (m->state_offset + orm__mdl_state_size(m) > m->size)
		return check_err(err, "model %s: the orm_model_state member is outside the struct", mn);
	if (!orm__mdl_state_ok(m))
		return check_err(err, "model %s: %zu fields need an orm_model_state_wide member (an "
				 "orm_model_state has bits for %d)", mn, m->nfields, ORM_MODEL_STATE_FIELDS);
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		size_t want;

		if (!f->name || !*f->name)
			return check_err(err, "model %s: field %zu has no name", mn, i);
		if (f->column && !*f->column)
			return check_err(err, "model %s, field %s: empty column name", mn, f->name);
		if (!ctype_ok(f))
			return check_err(err, "model %s, field %s: C type %d cannot hold %s values", mn,
					 f->name, (int)f->ctype, orm_type_name(f->type));
		want = ctype_size(f->ctype);
		if ((want && f->size != want) || (f->ctype == ORM_CT_CHARS && f->size < 2))
			return check_err(err, "model %s, field %s: member size %zu does not match its type",
					 mn, f->name, f->size);
		if (f->offset + f->size > m->size)
			return check_err(err, "model %s, field %s: member outside the struct", mn, f->name);
		if (f->offset < m->state_offset + orm__mdl_state_size(m) &&
		    f->offset + f->size > m->state_offset)
			return check_err(err, "model %s, field %s: overlaps the orm_model_state member", mn,
					 f->name);
		if (f->flags & ORM_PK)
			npk++;
		if ((f->flags & ORM_AUTO) && (!(f->flags & ORM_PK) ||
					      !(f->ctype == ORM_CT_INT64 || f->ctype == ORM_CT_INT32 ||
						f->ctype == ORM_CT_VALUE)))
			return check_err(err, "model %s, field %s: ORM_AUTO needs an integer ORM_PK field", mn,
					 f->name);
		if ((f->flags & ORM_UUID) && !(f->ctype == ORM_CT_STR || f->ctype == ORM_CT_CHARS ||
					       f->ctype == ORM_CT_VALUE))
			return check_err(err, "model %s, field %s: ORM_UUID needs a string field", mn, f->name);
		if ((f->flags & ORM_UUID) && f->ctype == ORM_CT_CHARS && f->size < 37)
			return check_err(err, "model %s, field %s: ORM_UUID needs char[37] at least", mn, f->name);
		if ((f->flags & ORM_PK) && (f->flags & (ORM_NULLABLE | ORM_PIVOT)))
			return check_err(err, "model %s, field %s: a key cannot be ORM_NULLABLE or ORM_PIVOT",
					 mn, f->name);
		if ((f->flags & (ORM_CREATED_AT | ORM_UPDATED_AT)) &&
		    !(f->ctype == ORM_CT_STR || f->ctype == ORM_CT_CHARS || f->ctype == ORM_CT_INT64 ||
		      f->ctype == ORM_CT_VALUE))
			return check_err(err, "model %s, field %s: a timestamp needs a string or int64_t member",
					 mn, f->name);
		if (f->defval && !check_defval(f))
			return check_err(err, "model %s, field %s: default \"%s\" does not fit the field", mn,
					 f->name, f->defval);
		for (j = 0; j < i; j++) {
			if (strcmp(f->name, m->fields[j].name) == 0 ||
			    strcmp(orm__mdl_col(f), orm__mdl_col(&m->fields[j])) == 0)
				return check_err(err, "model %s, field %s: name or column used twice", mn, f->name);
		}
	}
	(void)npk;
	for (i = 0; i < m->nrelations; i++) {
		int rc = check_relation(m, i, err);
		if (rc < 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(m->relations[i].name, m->relations[j].name) == 0)
				return check_err(err, "model %s: relation %s declared twice", mn,
						 m->relations[i].name);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* verify against the live schema                                     */

static int table_has(orm_conn *conn, const char *table, const char *col, int *has)
{
	orm_table_info_handle *h = NULL;
	int rc;

	*has = 0;
	rc = orm_schema_inspect_table(&h, conn, table);
	if (rc == 0)
		*has = orm_table_info_column(orm_table_info_get(h), col) != NULL;
	orm_table_info_free(h);
	return rc;
}

/*
 * Check one relation's key columns in the live schema. Returns 1 and
 * writes a message when one is missing, 0 when all exist, < 0 when the
 * schema could not be read.
 */
int orm__rel_verify(orm_conn *conn, const orm_model *m, const orm_relation *rel, char *msg, size_t len)
{
	char fk[256], ok[256], pivot[512];
	const char *tab[2] = { NULL, NULL }, *col[2] = { NULL, NULL };
	int k, rc, has;

	orm__rel_keys(m, rel, fk, ok, pivot, sizeof(fk));
	switch (rel->kind) {
	case ORM_REL_HAS_ONE:
	case ORM_REL_HAS_MANY:
		tab[0] = rel->target->table, col[0] = fk;
		break;
	case ORM_REL_BELONGS_TO:
		tab[0] = m->table, col[0] = fk, tab[1] = rel->target->table, col[1] = ok;
		break;
	case ORM_REL_BELONGS_TO_MANY:
		tab[0] = pivot, col[0] = fk, tab[1] = pivot, col[1] = ok;
		break;
	case ORM_REL_HAS_MANY_THROUGH:
		tab[0] = rel->through ? rel->through->table : NULL, col[0] = fk;
		tab[1] = rel->target->table, col[1] = ok;
		break;
	}
	for (k = 0; k < 2; k++) {
		if (!tab[k] || !col[k])
			continue;
		rc = table_has(conn, tab[k], col[k], &has);
		if (rc == ORM_ENOTFOUND) {
			snprintf(msg, len, "model %s, relation %s: table %s does not exist", mname(m), rel->name,
				 tab[k]);
			return 1;
		}
		if (rc < 0)
			return rc;
		if (!has) {
			snprintf(msg, len, "model %s, relation %s: no key column \"%s\" in %s", mname(m),
				 rel->name, col[k], tab[k]);
			return 1;
		}
	}
	return 0;
}

int orm_model_verify(orm_conn *conn, const orm_model *m)
{
	orm_table_info_handle *h = NULL;
	const orm_table_info *t;
	size_t i;
	int rc;
	char msg[700];

	if ((rc = orm__mdl_usable(conn, m, "orm_model_verify")) < 0)
		return rc;
	if ((rc = orm_schema_inspect_table(&h, conn, m->table)) < 0) {
		orm_table_info_free(h);
		if (rc == ORM_ENOTFOUND)
			return orm__err(conn, ORM_EINVAL, "model %s: table %s does not exist", mname(m), m->table);
		return rc;
	}
	t = orm_table_info_get(h);
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		if (f->flags & ORM_PIVOT)
			continue;
		if (!orm_table_info_column(t, orm__mdl_col(f))) {
			orm_table_info_free(h);
			return orm__err(conn, ORM_EINVAL, "model %s: field %s has no column \"%s\" in table %s",
					mname(m), f->name, orm__mdl_col(f), m->table);
		}
	}
	orm_table_info_free(h);
	for (i = 0; i < m->nrelations; i++) {
		if (!m->relations[i].target)
			return orm__err(conn, ORM_EINVAL, "model %s, relation %s: no target model", mname(m),
					m->relations[i].name);
		rc = orm__rel_verify(conn, m, &m->relations[i], msg, sizeof(msg));
		if (rc < 0)
			return rc;
		if (rc > 0)
			return orm__err(conn, ORM_EINVAL, "%s", msg);
	}
	orm__err_clear(conn);
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */

static void json_str(orm_buf *out, const char *p, size_t n)
{
	size_t i, start = 0;

	orm_buf_put(out, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		const char *esc = NULL;
		char tmp[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				esc = tmp;
			}
		}
		if (esc) {
			orm_buf_put(out, p + start, i - start);
			orm_buf_puts(out, esc);
			start = i + 1;
		}
	}
	orm_buf_put(out, p + start, n - start);
	orm_buf_put(out, "\"", 1);
}

static void json_value(orm_buf *out, const orm_value *v)
{
	static const char hex[] = "0123456789abcdef";
	char num[64];
	size_t i;

	switch (v->type) {
	case ORM_TYPE_NULL: orm_buf_puts(out, "null"); break;
	case ORM_TYPE_BOOL: orm_buf_puts(out, v->u.b ? "true" : "false"); break;
	case ORM_TYPE_INT: orm_buf_printf(out, "%lld", (long long)v->u.i); break;
	case ORM_TYPE_DOUBLE:
		if (isfinite(v->u.d)) {
			snprintf(num, sizeof(num), "%.17g", v->u.d);
			orm_buf_puts(out, num);
		} else {
			orm_buf_puts(out, "null");
		}
		break;
	case ORM_TYPE_JSON:
		orm_buf_put(out, v->u.s.ptr, v->u.s.len);
		break;
	case ORM_TYPE_BLOB:
		orm_buf_put(out, "\"", 1);
		for (i = 0; i < v->u.s.len; i++) {
			unsigned char c = (unsigned char)v->u.s.ptr[i];
			char h[2] = { hex[c >> 4], hex[c & 15] };
			orm_buf_put(out, h, 2);
		}
		orm_buf_put(out, "\"", 1);
		break;
	default:
		json_str(out, v->u.s.ptr, v->u.s.len);
		break;
	}
}

int orm_model_to_json(orm_buf *out, const void *obj, const orm_model *m)
{
	const orm_model_state *s;
	size_t i, r, k;
	int first = 1;
	size_t before;

	if (!out || !obj || !m)
		return ORM_EINVAL;
	before = out->size;
	s = orm__mdl_state(m, obj);
	orm_buf_put(out, "{", 1);
	for (i = 0; i < m->nfields; i++) {
		const orm_field *f = &m->fields[i];
		orm_value v;

		if (f->flags & ORM_HIDDEN)
			continue;
		if (!first)
			orm_buf_put(out, ",", 1);
		first = 0;
		json_str(out, f->name, strlen(f->name));
		orm_buf_put(out, ":", 1);
		v = orm__mdl_value(m, i, obj);
		json_value(out, &v);
	}
	for (r = 0; r < m->nrelations; r++) {
		const orm_relation *rel = &m->relations[r];
		void *p;

		if (!(s->loaded & (1u << r)))
			continue;
		if (!first)
			orm_buf_put(out, ",", 1);
		first = 0;
		json_str(out, rel->name, strlen(rel->name));
		orm_buf_put(out, ":", 1);
		p = *(void **)((char *)(uintptr_t)obj + rel->offset);
		if (rel->count_offset == (size_t)-1) {
			if (p)
				orm_model_to_json(out, p, rel->target);
			else
				orm_buf_puts(out, "null");
		} else {
			size_t n = *(const size_t *)((const char *)obj + rel->count_offset);
			orm_buf_put(out, "[", 1);
			for (k = 0; k < n; k++) {
				if (k)
					orm_buf_put(out, ",", 1);
				orm_model_to_json(out, (char *)p + k * rel->target->size, rel->target);
			}
			orm_buf_put(out, "]", 1);
		}
	}
	if (orm_buf_put(out, "}", 1) < 0 || !out->ptr) {
		/* out of memory somewhere on the way: undo */
		if (out->ptr) {
			out->size = before;
			out->ptr[before] = '\0';
		}
		return ORM_ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* run-time models                                                    */

struct rt_model {
	orm_model m;
	orm_field *fields;
	char **strings;
	size_t nstrings;
};

void orm_model_free(orm_model *m)
{
	struct rt_model *rt = (struct rt_model *)m;
	size_t i;

	if (!m)
		return;
	for (i = 0; i < rt->nstrings; i++)
		orm__free(rt->strings[i]);
	orm__free(rt->strings);
	orm__free(rt->fields);
	orm__free(rt);
}

static const char *rt_str(struct rt_model *rt, const char *s)
{
	char *c = orm__strdup(s);

	if (!c)
		return NULL;
	rt->strings[rt->nstrings++] = c;
	return c;
}

int orm_model_from_table(orm_model **out, orm_conn *conn, const char *table)
{
	orm_table_info_handle *h = NULL;
	const orm_table_info *t;
	struct rt_model *rt = NULL;
	char sing[256];
	size_t i, n, ssize;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!conn)
		return ORM_EINVAL;
	orm__err_clear(conn);
	if (!table)
		return orm__err(conn, ORM_EINVAL, "orm_model_from_table: table is NULL");
	if ((rc = orm_schema_inspect_table(&h, conn, table)) < 0)
		goto out;
	t = orm_table_info_get(h);
	n = t->ncolumns;
	if (n == 0 || n > ORM_MODEL_MAX_FIELDS) {
		rc = orm__err(conn, ORM_EUNSUPPORTED, "orm_model_from_table: %s has %zu columns (1 to %d supported)",
			      table, n, ORM_MODEL_MAX_FIELDS);
		goto out;
	}
	ssize = n > ORM_MODEL_STATE_FIELDS ? sizeof(orm_model_state_wide) : sizeof(orm_model_state);
	rt = orm__calloc(1, sizeof(*rt));
	if (!rt || !(rt->fields = orm__calloc(n, sizeof(orm_field))) ||
	    !(rt->strings = orm__calloc(n + 2, sizeof(char *))))
		goto oom;
	if (!(rt->m.table = rt_str(rt, table)))
		goto oom;
	{
		orm_model tmp;
		memset(&tmp, 0, sizeof(tmp));
		tmp.table = table;
		orm__mdl_singular(&tmp, sing, sizeof(sing));
	}
	if (!(rt->m.name = rt_str(rt, sing)))
		goto oom;
	for (i = 0; i < n; i++) {
		const orm_col_info *c = t->columns[i];
		orm_field *f = &rt->fields[i];

		if (!(f->name = rt_str(rt, c->name)))
			goto oom;
		f->ctype = ORM_CT_VALUE;
		f->type = c->value_type;
		f->offset = ssize + i * sizeof(orm_value);
		f->size = sizeof(orm_value);
		if (c->primary_key)
			f->flags |= ORM_PK;
		if (c->auto_increment)
			f->flags |= ORM_AUTO | ORM_PK;
		if (c->nullable && !c->primary_key)
			f->flags |= ORM_NULLABLE;
		if (c->default_sql && !c->auto_increment)
			f->flags |= ORM_SERVER_DEFAULT;
	}
	rt->m.fields = rt->fields;
	rt->m.nfields = n;
	rt->m.flags |= ORM__MODEL_RUNTIME;
	rt->m.size = ssize + n * sizeof(orm_value);
	rt->m.state_offset = 0;
	rt->m.state_size = ssize;
	*out = &rt->m;
	rt = NULL;
	rc = 0;
	goto out;
oom:
	rc = orm__err(conn, ORM_ENOMEM, "orm_model_from_table: out of memory");
out:
	orm_model_free(rt ? &rt->m : NULL);
	orm_table_info_free(h);
	return rc;
}

void *orm_row_new(const orm_model *m)
{
	if (!m || m->size == 0)
		return NULL;
	return orm__calloc(1, m->size);
}

void orm_row_free(void *obj, const orm_model *m)
{
	if (!obj)
		return;
	if (m)
		orm_model_clear(obj, m);
	orm__free(obj);
}
