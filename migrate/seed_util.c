/*
 * Seed runner helpers: the error record and a block arena.
 */
#include "migrate/seed_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- errors ---- */

static void err_sync(orm__seed_err *e)
{
	e->pub.message = e->msg.ptr ? e->msg.ptr : "";
	e->pub.file = e->file ? e->file : "";
	e->pub.table = e->table ? e->table : "";
	e->pub.column_name = e->column ? e->column : "";
	e->pub.key = e->key ? e->key : "";
}

void orm__seed_err_init(orm__seed_err *e)
{
	memset(e, 0, sizeof(*e));
	err_sync(e);
}

void orm__seed_err_clear(orm__seed_err *e)
{
	orm_buf_clear(&e->msg);
	orm__free(e->file);
	orm__free(e->table);
	orm__free(e->column);
	orm__free(e->key);
	e->file = e->table = e->column = e->key = NULL;
	e->pub.code = 0;
	e->pub.line = 0;
	e->pub.column = 0;
	err_sync(e);
}

void orm__seed_err_dispose(orm__seed_err *e)
{
	orm__seed_err_clear(e);
	orm_buf_dispose(&e->msg);
	err_sync(e);
}

int orm__seed_errf(orm__seed_err *e, int code, const char *file, int line, int col,
		   const char *fmt, ...)
{
	va_list ap;
	char small[512];
	char *big = NULL;
	const char *text = small;
	int n;

	if (!e || e->pub.code != 0)
		return code;
	orm__seed_err_clear(e);
	e->pub.code = code;
	e->pub.line = line;
	e->pub.column = col;
	if (file)
		e->file = orm__strdup(file);
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		small[0] = '\0';
	} else if ((size_t)n >= sizeof(small)) {
		big = orm__malloc((size_t)n + 1);
		if (big) {
			va_start(ap, fmt);
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			va_end(ap);
			text = big;
		}
	}
	if (file && *file) {
		orm_buf_puts(&e->msg, file);
		if (line > 0) {
			orm_buf_printf(&e->msg, ":%d", line);
			if (col > 0)
				orm_buf_printf(&e->msg, ":%d", col);
		}
		orm_buf_puts(&e->msg, ": ");
	}
	orm_buf_puts(&e->msg, text);
	orm__free(big);
	err_sync(e);
	return code;
}

void orm__seed_err_detail(orm__seed_err *e, const char *table, const char *column, const char *key)
{
	if (table) {
		orm__free(e->table);
		e->table = orm__strdup(table);
	}
	if (column) {
		orm__free(e->column);
		e->column = orm__strdup(column);
	}
	if (key) {
		orm__free(e->key);
		e->key = orm__strdup(key);
	}
	err_sync(e);
}

/* ---- arena ---- */

#define ARENA_BLOCK 65536

void *orm__seed_arena_alloc(orm__seed_arena *a, size_t n)
{
	orm__seed_arena_block *b = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (!b || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		orm__seed_arena_block *nb = orm__malloc(sizeof(*nb) + size);
		if (!nb)
			return NULL;
		nb->size = size;
		nb->used = 0;
		nb->next = b;
		a->head = b = nb;
		a->total += size;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

char *orm__seed_arena_strndup(orm__seed_arena *a, const char *s, size_t len)
{
	char *p = orm__seed_arena_alloc(a, len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void orm__seed_arena_reset(orm__seed_arena *a)
{
	orm__seed_arena_block *b = a->head, *next;

	if (!b)
		return;
	/* keep the newest block, free the others when the arena grew large */
	next = b->next;
	b->next = NULL;
	b->used = 0;
	while (next) {
		orm__seed_arena_block *n2 = next->next;
		a->total -= next->size;
		orm__free(next);
		next = n2;
	}
}

void orm__seed_arena_free(orm__seed_arena *a)
{
	orm__seed_arena_block *b = a->head, *next;

	while (b) {
		next = b->next;
		orm__free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
