/*
 * The structures of a seed run, shared by migrate/seed.c (listing files,
 * reading the schema, checking every file, planning) and
 * migrate/seed_load.c (writing). Not installed.
 */
#ifndef ORM_SEED_RUN_H
#define ORM_SEED_RUN_H

#include "migrate/seed_internal.h"

#include <uthash.h>

/* How a group of tables (a strongly connected component of the FK graph) loads. */
enum {
	SEED_PLAIN = 0,  /* no cycle: every parent is loaded before */
	SEED_TWO_PHASE,  /* cycle or self-reference through nullable columns: NULL first, UPDATE after */
	SEED_DEFER       /* cycle through NOT NULL columns: the cycle's keys are checked late */
};

typedef struct seed_file {
	char *path;      /* as opened */
	char *name;      /* base name: order and messages */
	int format;      /* ORM_SEED_CSV, _YAML, _SQL */
	char *csv_table; /* CSV: the table the file name gives */
} seed_file;

typedef struct seed_label {
	char *name;
	const char *file;
	int line, col;
	orm_value *vals; /* one per referenced column of the table (t->refcols), when known */
	int known;       /* values written in the file, or read back after the insert */
	int used;        /* some row refers to it */
	UT_hash_handle hh;
} seed_label;

struct seed_table;

typedef struct seed_source {
	seed_file *file;
	int section;            /* section number in the file */
	struct seed_table *t;
	char **key;             /* natural key named in the file (copied) */
	size_t nkey;
	int *keycols;           /* its column indexes */
	int key_line, key_col;
	uint64_t nrows;
	int line, col;
} seed_source;

typedef struct seed_fk {
	const orm_fk_info *info;
	struct seed_table *parent;
	int *cols, *ref_cols;   /* column indexes in the child / parent table */
	size_t n;
	int nullable;           /* every column nullable */
	int internal;           /* parent in the same component */
	int self;
	int back;               /* two-phase: set after the component when the parent row is missing */
	int defer;              /* checked late (DEFER component) */
	int pg_deferrable;      /* PostgreSQL: declared DEFERRABLE */
	int pg_altered;         /* PostgreSQL: altered to DEFERRABLE by this run */
} seed_fk;

typedef struct seed_table {
	const orm_table_info *info;
	const char *name;
	char *qname;            /* quoted (schema-qualified when a schema was given) */
	size_t ncols;
	int *fk_of_col;         /* per column: first FK containing it, -1 */
	int *fk_pos_of_col;     /* its position in that FK */
	int *refpos_of_col;     /* per column: position in refcols, -1 */
	seed_fk *fks;
	size_t nfks;
	int *refcols;           /* columns some FK references (labels keep their values) */
	size_t nrefcols;
	int *pk;
	size_t npk;
	int autoinc;            /* auto-increment column, -1 */
	int pg_identity_always; /* PostgreSQL GENERATED ALWAYS AS IDENTITY: inserts need OVERRIDING SYSTEM VALUE */
	seed_source **sources;
	size_t nsources;
	uint64_t nrows, loaded;
	int seeded;
	int scc;                /* component index */
	int order;              /* position in the load order, -1 when not seeded */
	seed_label *labels;
	/*
	 * Keys loaded so far (self-reference, two-phase): an open-addressing
	 * set of 64-bit keys, the value itself for a one-column integer key,
	 * else a hash of the key's text. 8-16 bytes per row.
	 */
	uint64_t *kslots;
	size_t kcap, kn;
	int khas_zero;
	int need_keys;
	/* Tarjan */
	int t_index, t_low, t_on;
} seed_table;

typedef struct seed_scc {
	seed_table **tables;    /* in load order */
	size_t n;
	int strategy;
	int cyclic;
} seed_scc;

typedef struct seed_ref {
	seed_table *target;
	char *label;
	const char *file;
	int line, col;
} seed_ref;

/* A reference set in the second phase: UPDATE t SET fk cols WHERE pk. */
typedef struct seed_pending {
	struct seed_pending *next;
	seed_table *t;
	seed_fk *fk;
	orm_value *key;         /* t->npk values */
	orm_value *vals;        /* fk->n values (label references resolved late) */
	const char **labels;    /* fk->n: label to resolve, or NULL */
	const char *file;
	int line, col;
} seed_pending;

struct orm_seed {
	orm_conn *conn;
	orm_dialect d;
	orm_seed_options opts;
	char **files_opt;       /* copies of opts.files */
	char *dir;
	char *schema;
	orm_schema_info *info;
	seed_table *tables;     /* every table of the schema */
	size_t ntables;
	seed_file *files;       /* data files, then .sql files, each in name order */
	size_t nfiles;
	seed_source **sources;
	size_t nsources;
	seed_scc *sccs;         /* seeded components in load order */
	size_t nsccs;
	seed_table **order;     /* seeded tables in load order */
	size_t norder;
	seed_ref *refs;
	size_t nrefs, arefs;
	seed_pending *pend_head, *pend_tail;
	orm__seed_arena keep;   /* labels, pending updates */
	orm__seed_err err;
	int prepared;           /* orm_seed_open() succeeded */
	int executed;
	uint64_t rows_total, rows_done;
	double t0;
	size_t max_params;
	int any_defer;
};

/* seed.c */
seed_table *orm__seed_find_table(orm_seed *s, const char *name);
int orm__seed_col_index(const seed_table *t, const char *name);
int orm__seed_cell_label(const seed_table *t, int col, const orm__seed_cell *c, int yaml,
			 const char **label);
int orm__seed_convert(orm_seed *s, const seed_table *t, int col, const orm__seed_cell *c,
		      int yaml, orm_value *out, orm__seed_arena *a, const char *file);
seed_label *orm__seed_label_find(seed_table *t, const char *name);
int orm__seed_value_copy(orm_value *dst, const orm_value *src, orm__seed_arena *a);
int orm__seed_key_text(orm_buf *out, const orm_value *vals, size_t n);
double orm__seed_now(void);
/* PostgreSQL, and no table outside the run references a seeded one: truncate with one TRUNCATE. */
int orm__seed_pg_truncate_all(const orm_seed *s);

/* seed_load.c */
int orm__seed_load(orm_seed *s);

#endif
