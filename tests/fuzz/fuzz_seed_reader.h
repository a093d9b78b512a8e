/* Callbacks shared by the CSV and YAML seed-reader targets: touch every byte handed out. */
#include "migrate/seed_internal.h"

struct fuzz_seed_ctx {
	unsigned long rows, sections;
	unsigned sum;
};

static unsigned fuzz_touch(const char *s, size_t len)
{
	unsigned h = 0;
	size_t i;

	for (i = 0; s && i < len; i++)
		h = h * 31 + (unsigned char)s[i];
	return h;
}

static int fuzz_section(void *ctx, const orm__seed_section *sec)
{
	struct fuzz_seed_ctx *c = ctx;
	size_t i;

	c->sections++;
	FUZZ_CHECK(sec->table != NULL);
	c->sum += fuzz_touch(sec->table, strlen(sec->table));
	for (i = 0; i < sec->ncolumns; i++)
		c->sum += fuzz_touch(sec->columns[i], strlen(sec->columns[i]));
	for (i = 0; i < sec->nkey; i++)
		c->sum += fuzz_touch(sec->key[i], strlen(sec->key[i]));
	return 0;
}

static int fuzz_row(void *ctx, const orm__seed_row *row)
{
	struct fuzz_seed_ctx *c = ctx;
	size_t i;

	c->rows++;
	for (i = 0; i < row->n; i++) {
		const orm__seed_cell *cell = &row->cells[i];
		FUZZ_CHECK(row->names[i] != NULL);
		c->sum += fuzz_touch(row->names[i], strlen(row->names[i]));
		if (cell->kind == ORM__SEED_CELL_NULL)
			continue;
		FUZZ_CHECK(cell->s != NULL && cell->s[cell->len] == '\0');
		c->sum += fuzz_touch(cell->s, cell->len);
		if (cell->ref)
			c->sum += fuzz_touch(cell->ref, strlen(cell->ref));
	}
	if (row->label)
		c->sum += fuzz_touch(row->label, strlen(row->label));
	return 0;
}

static int fuzz_section_end(void *ctx, const orm__seed_section *sec, uint64_t nrows)
{
	(void)ctx;
	(void)sec;
	(void)nrows;
	return 0;
}

/* Read the file with `reader`; errors must carry a message naming the file. */
static void fuzz_seed_read(int (*reader)(const char *, const char *, const orm__seed_reader_cb *,
					 orm__seed_err *),
			   const char *path, const char *table)
{
	struct fuzz_seed_ctx ctx = { 0, 0, 0 };
	orm__seed_reader_cb cb = { fuzz_section, fuzz_row, fuzz_section_end, &ctx };
	orm__seed_err err;
	int rc;

	orm__seed_err_init(&err);
	rc = reader(path, table, &cb, &err);
	if (rc < 0 && rc != ORM_ENOMEM)
		FUZZ_CHECK(err.pub.message && strstr(err.pub.message, path));
	orm__seed_err_dispose(&err);
}
