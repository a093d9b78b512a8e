/*
 * Version, dialects, the allocator hook, orm_buf, orm_strerror and the
 * orm_value constructors.
 */
#include "orm/internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- version and dialects ---- */

const char *orm_version(void)
{
	return ORM_VERSION;
}

int orm_version_number(void)
{
	return ORM_VERSION_NUMBER;
}

const char *orm_dialect_name(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_SQLITE: return "sqlite";
	case ORM_DIALECT_POSTGRES: return "postgres";
	case ORM_DIALECT_MARIADB: return "mariadb";
	}
	return "unknown";
}

int orm_dialect_available(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_SQLITE:
#ifdef ORM_HAVE_SQLITE
		return 1;
#else
		return 0;
#endif
	case ORM_DIALECT_POSTGRES:
#ifdef ORM_HAVE_PQ
		return 1;
#else
		return 0;
#endif
	case ORM_DIALECT_MARIADB:
#ifdef ORM_HAVE_MARIADB
		return 1;
#else
		return 0;
#endif
	}
	return 0;
}

/* ---- allocator hook: the only mutable global state ---- */

static void *(*alloc_malloc)(size_t) = malloc;
static void *(*alloc_realloc)(void *, size_t) = realloc;
static void (*alloc_free)(void *) = free;

int orm_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
		      void (*free_fn)(void *))
{
	if (!malloc_fn && !realloc_fn && !free_fn) {
		alloc_malloc = malloc;
		alloc_realloc = realloc;
		alloc_free = free;
		return 0;
	}
	if (!malloc_fn || !realloc_fn || !free_fn)
		return ORM_EINVAL;
	alloc_malloc = malloc_fn;
	alloc_realloc = realloc_fn;
	alloc_free = free_fn;
	return 0;
}

void *orm__malloc(size_t n)
{
	return alloc_malloc(n ? n : 1);
}

void *orm__calloc(size_t nmemb, size_t size)
{
	void *p;
	size_t n;

	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	n = nmemb * size;
	p = alloc_malloc(n ? n : 1);
	if (p)
		memset(p, 0, n);
	return p;
}

void *orm__realloc(void *p, size_t n)
{
	return alloc_realloc(p, n ? n : 1);
}

void orm__free(void *p)
{
	int saved;

	if (!p)
		return;
	/* free() must never clobber errno for the caller (libuv does the same). */
	saved = errno;
	alloc_free(p);
	errno = saved;
}

void orm_free(void *ptr)
{
	orm__free(ptr);
}

char *orm__strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = orm__malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *orm__strdup(const char *s)
{
	if (!s)
		return NULL;
	return orm__strndup(s, strlen(s));
}

char *orm__sprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = orm__malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ---- orm_buf ---- */

void orm_buf_dispose(orm_buf *buf)
{
	if (!buf)
		return;
	orm__free(buf->ptr);
	buf->ptr = NULL;
	buf->size = 0;
	buf->asize = 0;
}

/* Make room for `extra` more bytes plus the terminating NUL. */
static int buf_grow(orm_buf *buf, size_t extra)
{
	size_t need, nsize;
	char *p;

	if (extra > SIZE_MAX - buf->size - 1)
		return ORM_ENOMEM;
	need = buf->size + extra + 1;
	if (need <= buf->asize)
		return 0;
	nsize = buf->asize ? buf->asize : 64;
	while (nsize < need) {
		if (nsize > SIZE_MAX / 2) {
			nsize = need;
			break;
		}
		nsize *= 2;
	}
	p = orm__realloc(buf->ptr, nsize);
	if (!p)
		return ORM_ENOMEM;
	buf->ptr = p;
	buf->asize = nsize;
	return 0;
}

int orm_buf_put(orm_buf *buf, const char *data, size_t len)
{
	if (!buf || (!data && len))
		return ORM_EINVAL;
	if (buf_grow(buf, len) < 0)
		return ORM_ENOMEM;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return 0;
}

int orm_buf_puts(orm_buf *buf, const char *s)
{
	if (!s)
		return ORM_EINVAL;
	return orm_buf_put(buf, s, strlen(s));
}

int orm_buf_printf(orm_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || !fmt)
		return ORM_EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ORM_EINVAL;
	if (buf_grow(buf, (size_t)n) < 0)
		return ORM_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->size += (size_t)n;
	return 0;
}

void orm_buf_clear(orm_buf *buf)
{
	if (!buf)
		return;
	buf->size = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

/* ---- errors ---- */

const char *orm_strerror(int code)
{
	switch (code) {
	case ORM_OK: return "ok";
	case ORM_ERROR: return "generic error";
	case ORM_ENOMEM: return "out of memory";
	case ORM_EINVAL: return "invalid argument";
	case ORM_ENOTFOUND: return "not found";
	case ORM_EURL: return "malformed connection URL";
	case ORM_ENODRIVER: return "driver not built into this library";
	case ORM_ECONNECT: return "could not connect";
	case ORM_ESQL: return "SQL error";
	case ORM_ECONSTRAINT: return "constraint violation";
	case ORM_EUNIQUE: return "unique constraint violation";
	case ORM_EFOREIGNKEY: return "foreign key violation";
	case ORM_ENOTNULL: return "NOT NULL violation";
	case ORM_ECHECK: return "CHECK constraint violation";
	case ORM_ETYPE: return "value does not fit the type";
	case ORM_EMISUSE: return "call made in the wrong state";
	case ORM_EBUSY: return "busy or locked";
	case ORM_EUNSUPPORTED: return "not supported by this dialect";
	case ORM_EPARSE: return "parse error";
	case ORM_EIO: return "I/O error";
	case ORM_ECONFLICT: return "conflict";
	case ORM_ECONNLOST: return "connection lost";
	case ORM_ROW: return "row ready";
	case ORM_DONE: return "done";
	}
	return "unknown error code";
}

/* ---- values ---- */

const char *orm_type_name(orm_type t)
{
	switch (t) {
	case ORM_TYPE_NULL: return "null";
	case ORM_TYPE_BOOL: return "bool";
	case ORM_TYPE_INT: return "int";
	case ORM_TYPE_DOUBLE: return "double";
	case ORM_TYPE_TEXT: return "text";
	case ORM_TYPE_BLOB: return "blob";
	case ORM_TYPE_DECIMAL: return "decimal";
	case ORM_TYPE_DATE: return "date";
	case ORM_TYPE_TIME: return "time";
	case ORM_TYPE_TIMESTAMP: return "timestamp";
	case ORM_TYPE_TIMESTAMPTZ: return "timestamptz";
	case ORM_TYPE_JSON: return "json";
	case ORM_TYPE_UUID: return "uuid";
	}
	return "unknown";
}

orm_value orm_null(void)
{
	orm_value v;

	memset(&v, 0, sizeof(v));
	v.type = ORM_TYPE_NULL;
	return v;
}

orm_value orm_bool(int b)
{
	orm_value v = orm_null();

	v.type = ORM_TYPE_BOOL;
	v.u.b = b ? 1 : 0;
	return v;
}

orm_value orm_int(int64_t i)
{
	orm_value v = orm_null();

	v.type = ORM_TYPE_INT;
	v.u.i = i;
	return v;
}

orm_value orm_double(double d)
{
	orm_value v = orm_null();

	v.type = ORM_TYPE_DOUBLE;
	v.u.d = d;
	return v;
}

orm_value orm_textn(const char *s, size_t len)
{
	orm_value v = orm_null();

	if (!s)
		return v;
	v.type = ORM_TYPE_TEXT;
	v.u.s.ptr = s;
	v.u.s.len = len;
	return v;
}

orm_value orm_text(const char *s)
{
	if (!s)
		return orm_null();
	return orm_textn(s, strlen(s));
}

orm_value orm_blob(const void *p, size_t len)
{
	orm_value v = orm_null();

	if (!p && len)
		return v;
	v.type = ORM_TYPE_BLOB;
	v.u.s.ptr = p ? p : "";
	v.u.s.len = len;
	return v;
}

orm_value orm_typed_text(orm_type type, const char *s)
{
	orm_value v = orm_text(s);

	if (v.type == ORM_TYPE_NULL)
		return v;
	switch (type) {
	case ORM_TYPE_DECIMAL:
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
		v.type = type;
		break;
	default:
		break;
	}
	return v;
}

size_t orm__fmt_int64(char *buf, int64_t v)
{
	char tmp[ORM__INT64_CHARS], *e = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n;

	do
		*--e = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--e = '-';
	n = (size_t)(tmp + sizeof(tmp) - e);
	memcpy(buf, e, n);
	buf[n] = '\0';
	return n;
}

/*
 * Parse a base-10 integer: optional leading/trailing spaces, optional sign,
 * digits only. @return 0, ORM_EINVAL (not a number) or ORM_ETYPE (overflow).
 */
int orm__parse_int64(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t acc = 0, limit;
	int ndig = 0;

	if (!s || !out)
		return ORM_EINVAL;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		/* 18 digits are below 10^18 and cannot overflow with one more:
		 * the division only from the 19th digit on */
		if (ndig >= 18 && acc > (limit - d) / 10)
			return ORM_ETYPE;
		acc = acc * 10 + d;
		ndig++;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (!ndig || i != len)
		return ORM_EINVAL;
	if (neg)
		*out = acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc;
	else
		*out = (int64_t)acc;
	return 0;
}
