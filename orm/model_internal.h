/*
 * Private definitions of the model layer (orm/model.c, orm/collection.c,
 * orm/relation.c). Not installed.
 */
#ifndef ORM_MODEL_INTERNAL_H
#define ORM_MODEL_INTERNAL_H

#include "orm/internal.h"
#include "orm/model.h"

/* ---- bits of orm_model_state ---- */

/* The word holding bit i of bitmap `name` (null, dirty, owned) of state s:
 * fields 64 and up live in the orm_model_state_wide around s (the model
 * was checked to have one: orm__mdl_state_ok). */
#define MDL_WORD(s, name, i) \
	(*((i) < 64 ? &(s)->name : &((orm_model_state_wide *)(void *)(s))->name##_hi))
#define MDL_BIT_GET(s, name, i) ((int)((MDL_WORD(s, name, i) >> ((i) & 63)) & 1u))
#define MDL_BIT_SET(s, name, i) (MDL_WORD(s, name, i) |= (uint64_t)1 << ((i) & 63))
#define MDL_BIT_CLR(s, name, i) (MDL_WORD(s, name, i) &= ~((uint64_t)1 << ((i) & 63)))

/* orm_model.flags bit of descriptors built by orm_model_from_table(): freed
 * at run time, so never a key of the connection's model SQL cache */
#define ORM__MODEL_RUNTIME (1u << 31)

/* The size of m's state member. */
static inline size_t orm__mdl_state_size(const orm_model *m)
{
	return m->state_size ? m->state_size : sizeof(orm_model_state);
}

/* 1 when m's state member lies inside the struct and has a bit for every field. */
static inline int orm__mdl_state_ok(const orm_model *m)
{
	size_t n = orm__mdl_state_size(m);

	return m->state_offset + n <= m->size &&
	       (m->nfields <= ORM_MODEL_STATE_FIELDS || n >= sizeof(orm_model_state_wide));
}

/* 1 when the only value to read back after an insert (fields
 * ret[0..nret)) is an ORM_AUTO integer key. */
static inline int orm__mdl_lone_auto_key(const orm_model *m, const int *ret, size_t nret)
{
	const orm_field *f;

	if (nret != 1)
		return 0;
	f = &m->fields[ret[0]];
	return (f->flags & ORM_AUTO) && (f->ctype == ORM_CT_INT64 || f->ctype == ORM_CT_INT32);
}

/* 1 when, on SQLite, the only value to read back after an insert is an
 * ORM_AUTO integer key: the rowid alias, which sqlite3_last_insert_rowid()
 * gives without RETURNING. */
static inline int orm__mdl_rowid_key(orm_dialect d, const orm_model *m, const int *ret, size_t nret)
{
	return d == ORM_DIALECT_SQLITE && orm__mdl_lone_auto_key(m, ret, nret);
}

/* Forget which fields changed. */
static inline void orm__mdl_clear_dirty(const orm_model *m, orm_model_state *s)
{
	s->dirty = 0;
	if (m->nfields > ORM_MODEL_STATE_FIELDS)
		((orm_model_state_wide *)(void *)s)->dirty_hi = 0;
}

static inline orm_model_state *orm__mdl_state(const orm_model *m, const void *obj)
{
	return (orm_model_state *)((char *)(uintptr_t)obj + m->state_offset);
}

static inline void *orm__mdl_member(const orm_field *f, const void *obj)
{
	return (char *)(uintptr_t)obj + f->offset;
}

static inline const char *orm__mdl_col(const orm_field *f)
{
	return f->column ? f->column : f->name;
}

/* ---- string arena: strings of a collection, one allocation per chunk ---- */

struct orm__arena_chunk {
	struct orm__arena_chunk *next;
	size_t used, cap;
	/* data follows */
};

struct orm__arena {
	struct orm__arena_chunk *head;
};

/* Copy len bytes (+ NUL) into the arena; NULL on ENOMEM. */
char *orm__arena_copy(struct orm__arena *a, const void *p, size_t len);
void orm__arena_free(struct orm__arena *a);

/* ---- ownership of eager-loaded levels ---- */

/* An array of `count` objects of model `m`, owned by a hold. */
struct orm__block {
	struct orm__block *next;
	const orm_model *m;
	void *items;
	size_t count;
};

/* Everything a collection or a single object owns besides its own members. */
struct orm__hold {
	struct orm__arena arena;
	struct orm__block *blocks;
};

/* Private part of an orm_collection. */
struct orm__coll {
	size_t cap;
	int strict;
	struct orm__hold hold;
};

/* Free the owned pointers and nested holds of n objects (not the array). */
void orm__mdl_release_items(const orm_model *m, void *items, size_t n);
/* Free a hold's blocks (and their objects' owned data) and arena; not the struct. */
void orm__hold_dispose(struct orm__hold *h);
/* Record a block in a hold; on ENOMEM the items are released and freed. */
int orm__hold_add_block(struct orm__hold *h, const orm_model *m, void *items, size_t count);

/* ---- checks and errors ---- */

/* Cheap structural checks every entry point does; sets the conn error. */
int orm__mdl_usable(orm_conn *conn, const orm_model *m, const char *fn);
/* Index of the single-column primary key, -1 when none or composite. */
int orm__mdl_single_pk(const orm_model *m);
/* Index of the field whose column (or name) is `col`, -1 if none. */
int orm__mdl_field_index(const orm_model *m, const char *col);
/* Singular name for default keys: m->name, else the table name made singular. */
void orm__mdl_singular(const orm_model *m, char *out, size_t len);

/*
 * After a failed model statement: name the model (and field, for
 * constraint violations and unknown columns) in the connection's message,
 * keeping its code and detail. `what` says what was running
 * ("insert", "eager load user.posts"). Returns rc.
 */
int orm__mdl_fail(orm_conn *conn, const orm_model *m, int rc, const char *what);

/* ---- reading and binding fields ---- */

/*
 * Read column `col` of the current row into field i of obj. Strings go
 * to `arena` when non-NULL (no owned bit), else are allocated for the
 * object (owned bit; a previous owned buffer is reused when large enough).
 */
int orm__mdl_read_field(orm_stmt *st, int col, const orm_model *m, size_t i, void *obj,
			struct orm__arena *arena);
/* Bind field i of obj to parameter idx (borrowed: keep obj unchanged until the step). */
int orm__mdl_bind_field(orm_stmt *st, int idx, const orm_model *m, size_t i, const void *obj);
/* 1 when field i of obj is SQL NULL. */
int orm__mdl_is_null(const orm_model *m, size_t i, const void *obj);
/* The field's value as an orm_value (payload borrowed from obj). */
orm_value orm__mdl_value(const orm_model *m, size_t i, const void *obj);
/* Set field i from a value (text copied into arena or owned); no dirty bit. */
int orm__mdl_store_value(const orm_model *m, size_t i, void *obj, const orm_value *v,
			 struct orm__arena *arena);
/* Free field i's owned pointer (if any) and clear its owned bit. */
void orm__mdl_free_field(const orm_model *m, size_t i, void *obj);

/* ---- SQL text ---- */

/* A string builder on a stack buffer that moves to the heap when full. */
struct orm__sqlb {
	char *p;
	size_t len, cap;
	int heap;
	int oom;
	char stack[768];
};

void orm__sqlb_init(struct orm__sqlb *b);
void orm__sqlb_dispose(struct orm__sqlb *b);
void orm__sqlb_put(struct orm__sqlb *b, const char *s, size_t n);
void orm__sqlb_puts(struct orm__sqlb *b, const char *s);
/* Append an identifier quoted for dialect d ("a.b" part by part). */
void orm__sqlb_ident(struct orm__sqlb *b, orm_dialect d, const char *ident);

/*
 * Prepare-insert pieces shared by single and bulk inserts: when `fill`,
 * apply defaults, timestamps and UUIDs to obj's empty fields; fill
 * `incl` (fields written) and `ret` (fields read back) as index lists.
 * Returns 0 or an error naming the field (ENOTNULL for a NULL in a
 * non-nullable field).
 */
int orm__mdl_insert_plan(orm_conn *conn, const orm_model *m, void *obj, int fill, int *incl,
			 size_t *nincl, int *ret, size_t *nret);
/* Whether orm__mdl_insert_plan() with `fill` can change anything in an
 * object of m (a timestamp, UUID or default field): a bulk insert asks once. */
int orm__mdl_needs_fill(const orm_model *m);

/* ---- query builder splicing ---- */

enum {
	ORM__MQ_USER_SELECT = 1, /* use the user query's select list when it has one */
	ORM__MQ_LIMIT1 = 2,      /* add LIMIT 1 when the user query has no limit */
	ORM__MQ_NO_PAGE = 4      /* drop order, limit and offset (for COUNT) */
};

/* limit / offset argument of orm__mdl_compile meaning "as the user query says" */
#define ORM__MQ_KEEP (-2)

/*
 * Compile `base` (built by the model layer: select list, from, joins,
 * where) AND `extra` (may be NULL, not owned) merged with `user` (may be
 * NULL: its joins, where conditions as one parenthesised group,
 * group/having, order, limit, offset, distinct) for the connection's
 * dialect. limit/offset other than ORM__MQ_KEEP override the user's.
 * *params (nparams values, borrowed from the queries) must be released
 * with orm__free(*params_alloc). *used_user_select (may be NULL) tells
 * whether the user's select list was used.
 */
int orm__mdl_compile(orm_conn *conn, const orm_query *base, const orm_expr *extra,
		     const orm_query *user, unsigned opts, int64_t limit, int64_t offset, orm_buf *sql,
		     const orm_value **params, int *nparams, void **params_alloc, int *used_user_select);
/* The name to qualify the model's columns with in a query: user's alias, else table. */
const char *orm__mdl_qualifier(const orm_model *m, const orm_query *user);
/* Add "qual.col" select items for every non-pivot field. */
int orm__mdl_select_fields(orm_query *q, const orm_model *m, const char *qual);
/*
 * Map result columns to fields: colmap[i] = column of field i or -1.
 * With `by_name` 0 the fields are the first columns in order (pivot fields
 * skipped unless with_pivot), else matched by column name.
 */
int orm__mdl_colmap(orm_stmt *st, const orm_model *m, int by_name, int with_pivot, int *colmap);
/* Read one row into obj with colmap; arena may be NULL (owned strings). */
int orm__mdl_read_row(orm_stmt *st, const orm_model *m, void *obj, const int *colmap,
		      struct orm__arena *arena);
/*
 * How the rows of one query are read into fresh objects of one model with
 * an arena (a collection, an eager-loaded level): the column of each field
 * and what the driver's column_store() may write straight into the object
 * (orm__mdl_rowplan() fills it once the columns are known).
 */
struct orm__rowplan {
	int colmap[ORM_MODEL_MAX_FIELDS];             /* column of field i, or -1 */
	orm_sys_colstore e[ORM_MODEL_MAX_FIELDS + 1]; /* entry i is field i; then the key */
	size_t n;                                     /* entries: the fields, and the key */
	int kcol;                                     /* the key's column, or -1 */
	uint64_t mapped[2];                           /* fields with a column */
	uint64_t text[2];                             /* fields whose text goes to the arena */
};
/* The plan for m with columns colmap[], and result column kcol (not a
 * field's) read as each row's key; kcol < 0: no key. */
void orm__mdl_rowplan(struct orm__rowplan *p, const orm_model *m, const int *colmap, int kcol);
/* Read one row into the fresh object obj (nothing of it owned) by plan
 * p, strings into the arena; and the plan's key column into *key: the key
 * an eager-loaded row is stitched by (its payload is borrowed until the
 * next fetch; key may be NULL when the plan has no key). */
int orm__mdl_read_row_key(orm_stmt *st, const orm_model *m, void *obj,
			  const struct orm__rowplan *p, struct orm__arena *arena, orm_value *key);

/* ---- the connection's cache of model statement texts (model.c) ---- */

enum { MSQL_INSERT = 1, MSQL_INSERT_ROWID, MSQL_UPDATE, MSQL_FETCH, MSQL_BULK, MSQL_BULK_ROWID };

struct msql_key {
	const orm_model *m;
	uint64_t a[2], b[2]; /* field sets: written / read back (insert), set (update) */
	uint32_t op;
	uint32_t nrows;      /* MSQL_BULK*: rows of the multi-row INSERT; else 0 */
};
struct orm__msql;

/* The key of model m's statement op over field sets a[0..na), b[0..nb). */
void orm__msql_key(struct msql_key *k, const orm_model *m, unsigned op, const int *a, size_t na,
		   const int *b, size_t nb);
/* The cached text for k, or NULL. */
struct orm__msql *orm__msql_find(orm_conn *conn, const struct msql_key *k);
/* Keep sql for k (nothing happens when memory is short). */
void orm__msql_add(orm_conn *conn, const struct msql_key *k, const char *sql);
/* orm_prepare() of the text of e (found) or of sql (built, e NULL). */
int orm__msql_prepare(orm_stmt **st, orm_conn *conn, struct orm__msql *e, const char *sql);

/* Roll back the innermost transaction level keeping the connection's current error. */
int orm__mdl_rollback_keep(orm_conn *conn);
/* Integer of a value (int, bool, integral double, numeric text); ORM_ETYPE otherwise. */
int orm__mdl_value_int(const orm_value *v, int64_t *out);
/* 1 and a message when a relation's key column is missing in the live schema. */
int orm__rel_verify(orm_conn *conn, const orm_model *m, const orm_relation *rel, char *msg, size_t len);
/* Resolve a relation's key columns with the defaults applied (each buffer `len` bytes). */
void orm__rel_keys(const orm_model *m, const orm_relation *rel, char *fk, char *ok, char *pivot,
		   size_t len);

#endif
