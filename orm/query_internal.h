/*
 * Private structures of the query builder (orm/query.c builds them,
 * orm/query_compile.c turns them into SQL per dialect). Not installed.
 *
 * Ownership: a query owns every string, value payload, expression and
 * subquery it holds. Values are copied on the way in (qv_copy in query.c):
 * text-like and blob payloads get their own NUL-terminated allocation, so
 * the caller's bytes need not outlive the builder call.
 */
#ifndef ORM_QUERY_INTERNAL_H
#define ORM_QUERY_INTERNAL_H

#include "orm/internal.h"

/* ---- expressions ---- */

typedef enum {
	ORM__QE_ERROR = 0, /* carries err + errmsg; made by a constructor that failed */
	ORM__QE_CMP,       /* col op vals[0] */
	ORM__QE_CMP_COL,   /* col op col2 */
	ORM__QE_IN,        /* col in (vals) */
	ORM__QE_NOT_IN,    /* col not in (vals) */
	ORM__QE_IN_QUERY,  /* col in (sub) */
	ORM__QE_NULL,      /* col is null */
	ORM__QE_NOT_NULL,  /* col is not null */
	ORM__QE_BETWEEN,   /* col between vals[0] and vals[1] */
	ORM__QE_EXISTS,    /* exists (sub) */
	ORM__QE_RAW,       /* sql with ? and vals */
	ORM__QE_AGG_CMP,   /* agg(col) op vals[0] */
	ORM__QE_AND,       /* a and b */
	ORM__QE_OR,        /* a or b */
	ORM__QE_NOT        /* not (a) */
} orm__qe_kind;

/* Comparison operators, in the order of the table in query.c. */
typedef enum {
	ORM__OP_EQ = 0,
	ORM__OP_NE,      /* <> */
	ORM__OP_NE2,     /* != (kept as written) */
	ORM__OP_LT,
	ORM__OP_LE,
	ORM__OP_GT,
	ORM__OP_GE,
	ORM__OP_LIKE,
	ORM__OP_NOT_LIKE,
	ORM__OP_ILIKE,
	ORM__OP_NOT_ILIKE
} orm__qop;

struct orm_expr {
	orm__qe_kind kind;
	orm__qop op;
	orm_agg agg;
	char *col;       /* column; for RAW the SQL text; NULL for count(*) */
	char *col2;      /* CMP_COL right-hand column */
	orm_value *vals; /* owned copies */
	size_t nvals;
	orm_query *sub;  /* IN_QUERY, EXISTS */
	orm_expr *a, *b; /* AND, OR (a, b), NOT (a) */
	int err;         /* ERROR */
	char *errmsg;    /* ERROR; NULL when even the message could not be allocated */
};

/* ---- queries ---- */

typedef enum {
	ORM__Q_SELECT = 0,
	ORM__Q_INSERT,
	ORM__Q_UPDATE,
	ORM__Q_DELETE
} orm__q_type;

typedef enum {
	ORM__SEL_COL = 0, /* col */
	ORM__SEL_COL_AS,  /* col as alias */
	ORM__SEL_RAW,     /* raw sql with vals */
	ORM__SEL_AGG      /* agg(col) [as alias] */
} orm__sel_kind;

struct orm__qsel {
	orm__sel_kind kind;
	orm_agg agg;
	char *col;   /* column, or the raw SQL */
	char *alias; /* may be NULL */
	orm_value *vals;
	size_t nvals;
};

struct orm__qcond {
	int is_or;   /* joined to the previous condition with OR instead of AND */
	orm_expr *e;
};

struct orm__qjoin {
	orm_join_type type;
	char *table;
	char *alias; /* may be NULL */
	orm_expr *on; /* NULL only for CROSS */
};

struct orm__qorder {
	char *col;  /* NULL for raw */
	char *raw;  /* NULL for col */
	int flags;  /* ORM_DESC | ORM_NULLS_FIRST | ORM_NULLS_LAST */
};

struct orm__qset {
	char *col;
	int incr;    /* 0: col = v; 1: col = col + v; -1: col = col - v */
	orm_value v; /* owned copy */
};

enum {
	ORM__CONFLICT_NONE = 0,
	ORM__CONFLICT_IGNORE,
	ORM__CONFLICT_MERGE
};

#define ORM__QERRMSG 256

struct orm_query {
	orm__q_type type;
	char *table; /* may be NULL (select of expressions only) */
	char *alias;
	/* sticky builder error */
	int err;
	char errmsg[ORM__QERRMSG];
	/* select */
	int distinct;
	int for_update;
	struct orm__qsel *sel;
	size_t nsel, asel;
	struct orm__qjoin *joins;
	size_t njoins, ajoins;
	struct orm__qcond *where;
	size_t nwhere, awhere;
	char **group;
	size_t ngroup, agroup;
	struct orm__qcond *having;
	size_t nhaving, ahaving;
	struct orm__qorder *order;
	size_t norder, aorder;
	int64_t limit, offset; /* < 0: none */
	/* insert */
	char **icols;
	size_t nicols;
	int has_icols;    /* orm_query_insert was called (nicols may be 0: default values) */
	orm_value *rows;  /* nrows * nicols values, row-major */
	size_t nrows, arows; /* arows: allocated values, not rows */
	int conflict;
	char **ccols;
	size_t nccols;
	char **ucols;     /* merge: columns to update; NULL with ucols_all */
	size_t nucols;
	int ucols_all;    /* merge: every inserted column not in ccols */
	char **ret;       /* returning */
	size_t nret, aret;
	/* update */
	struct orm__qset *sets;
	size_t nsets, asets;
	/*
	 * Compile cache, written through a const orm_query * by
	 * orm_query_compile(): the parameter array it hands out (pointers
	 * into the values above) and the last compile error message.
	 */
	orm_value *cparams;
	size_t acparams;
	char cerrmsg[ORM__QERRMSG];
};

/* Free an orm_value's owned payload (from qv_copy). */
void orm__qv_free(orm_value *v);

/* Number of placeholders in sql for dialect d. */
size_t orm__qraw_count(const char *sql, orm_dialect d);

/*
 * Compile q for dialect d, appending SQL to out.
 *  numbered:   PostgreSQL $n placeholders (else `?` everywhere)
 *  literal:    values inlined as literals (orm_query_to_sql)
 *  returning:  when non-NULL, replaces the query's RETURNING list with
 *              this one column (orm_query_insert_ids)
 *  row0, nrow: the slice of insert rows to compile (nrow 0: all rows)
 * The parameters are stored in the query's compile cache (q->cparams),
 * their count in *nparams. On failure the message is in q->cerrmsg and
 * out is restored to its previous length.
 */
int orm__query_compile_ex(const orm_query *q, orm_dialect d, orm_buf *out, int numbered,
			  int literal, const char *returning, size_t row0, size_t nrow,
			  int *nparams);

#endif
