/*
 * Internal definitions of the seed runner (migrate/seed*.c): the file
 * readers (CSV through libcsv, YAML through libyaml's event API, both
 * streaming), the error record, a small arena, and the run's structures.
 * Not installed.
 */
#ifndef ORM_SEED_INTERNAL_H
#define ORM_SEED_INTERNAL_H

#include "orm/internal.h"
#include "orm/schema.h"
#include "orm/seed.h"

#include <stdio.h>

/* ---- error record ---- */

typedef struct orm__seed_err {
	orm_seed_error pub;
	orm_buf msg;
	char *file, *table, *column, *key;
} orm__seed_err;

void orm__seed_err_init(orm__seed_err *e);
void orm__seed_err_dispose(orm__seed_err *e);
void orm__seed_err_clear(orm__seed_err *e);
/*
 * Record an error unless one is already recorded (the first one wins).
 * The message becomes "FILE:LINE:COL: text" (parts left out when 0/NULL).
 * Returns code.
 */
int orm__seed_errf(orm__seed_err *e, int code, const char *file, int line, int col,
		   const char *fmt, ...) ORM_FORMAT_PRINTF(6, 7);
/* Set table / column / key of the recorded error (copies; NULL keeps). */
void orm__seed_err_detail(orm__seed_err *e, const char *table, const char *column, const char *key);

/* ---- arena: bump allocation in blocks, pointers stay valid until reset ---- */

typedef struct orm__seed_arena_block {
	struct orm__seed_arena_block *next;
	size_t used, size;
	char data[];
} orm__seed_arena_block;

typedef struct orm__seed_arena {
	orm__seed_arena_block *head;  /* current block (first in the list) */
	size_t total;
} orm__seed_arena;

void *orm__seed_arena_alloc(orm__seed_arena *a, size_t n);
/* Copy len bytes and add a NUL. */
char *orm__seed_arena_strndup(orm__seed_arena *a, const char *s, size_t len);
/* Forget everything but keep one block. */
void orm__seed_arena_reset(orm__seed_arena *a);
void orm__seed_arena_free(orm__seed_arena *a);

/* ---- cells and rows handed over by the readers ---- */

enum {
	ORM__SEED_CELL_NULL = 0, /* NULL: empty unquoted CSV field, YAML null / ~ / empty */
	ORM__SEED_CELL_TEXT,     /* quoted or CSV text, taken as is */
	ORM__SEED_CELL_PLAIN,    /* YAML plain scalar (may be a number, bool ...) */
	ORM__SEED_CELL_JSON      /* YAML mapping / list, serialised as JSON in s; ref set when it is {ref: NAME} */
};

typedef struct orm__seed_cell {
	int kind;
	const char *s;    /* NUL-terminated text (NULL for CELL_NULL) */
	size_t len;
	const char *ref;  /* label for {ref: NAME}, NULL otherwise */
	int line, col;    /* position of the value */
} orm__seed_cell;

typedef struct orm__seed_section {
	int index;                /* 0-based section number in the file */
	const char *table;        /* table as written */
	int line, col;
	size_t ncolumns;          /* CSV: header column names; YAML: 0 */
	const char *const *columns;
	const int *column_cols;   /* CSV: field number of each header column (1-based) */
	size_t nkey;              /* natural key named in the file */
	const char *const *key;
	int key_line, key_col;
} orm__seed_section;

typedef struct orm__seed_row {
	const orm__seed_section *section;
	size_t n;
	const char *const *names; /* column name of each cell */
	const int *name_cols;     /* YAML: column of each key; CSV: field number */
	const int *name_lines;
	orm__seed_cell *cells;
	const char *label;        /* YAML _label, else NULL */
	int label_line, label_col;
	int line;                 /* first line of the row */
} orm__seed_row;

typedef struct orm__seed_reader_cb {
	/* a table section starts (CSV: once, after the header) */
	int (*section)(void *ctx, const orm__seed_section *sec);
	/* one row; the row and its strings are valid during the call only */
	int (*row)(void *ctx, const orm__seed_row *row);
	/* a section ended (with its row count) */
	int (*section_end)(void *ctx, const orm__seed_section *sec, uint64_t nrows);
	void *ctx;
} orm__seed_reader_cb;

/*
 * Read a CSV seed file, streaming. `path` names the file in messages.
 * `table` is the table the file name gives (a `# table:` directive wins).
 * Errors (I/O, malformed CSV, wrong field count, empty or duplicate
 * header names) are recorded in err with line and field number; a
 * callback's error stops the read and is returned as is.
 */
int orm__seed_csv_read(const char *path, const char *table, const orm__seed_reader_cb *cb,
		       orm__seed_err *err);

/*
 * Read a YAML seed file with libyaml's event parser, streaming.
 * `only_table` (may be NULL) skips the rows of other tables quickly
 * (their sections are still reported, with no rows).
 */
int orm__seed_yaml_read(const char *path, const char *only_table, const orm__seed_reader_cb *cb,
			orm__seed_err *err);

/* Table name from a CSV file name: base name without .csv and without a numeric prefix "NN_" / "NN-". */
char *orm__seed_table_from_filename(const char *path);

/* ---- writers (export) ---- */

/* Append one CSV field: NULL (s == NULL) as nothing, "" as "", others quoted when needed. */
int orm__seed_csv_field(orm_buf *out, const char *s, size_t len, int first);
/* Append a YAML scalar that reads back as the same text (quoted when needed). */
int orm__seed_yaml_scalar(orm_buf *out, const char *s, size_t len);

#endif
