/*
 * Internal definitions shared by the core, the drivers and the upper
 * layers. Not installed. Internal non-static functions are named orm__*.
 */
#ifndef ORM_INTERNAL_H
#define ORM_INTERNAL_H

#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

/* the library itself never uses the short model_ / collection_ names */
#ifndef ORM_NO_SHORT_NAMES
#define ORM_NO_SHORT_NAMES
#endif
#include "orm.h"
#include "orm/sys/driver.h"

/* ---- allocation (all library allocations go through the hook) ---- */
void *orm__malloc(size_t n);
void *orm__calloc(size_t nmemb, size_t size);
void *orm__realloc(void *p, size_t n);
void orm__free(void *p);
char *orm__strdup(const char *s);
char *orm__strndup(const char *s, size_t n);
/* printf into a new string (NULL on ENOMEM) */
char *orm__sprintf(const char *fmt, ...) ORM_FORMAT_PRINTF(1, 2);

/* uthash through our allocator, never exit() on OOM (HASH_NONFATAL_OOM=1 is set by configure). */
#define uthash_malloc(sz) orm__malloc(sz)
#define uthash_free(ptr, sz) orm__free(ptr)

/* ---- value text forms (orm/valtext.c) ---- */
int64_t orm__days_from_civil(int64_t y, int m, int d);
void orm__civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* A timestamp "YYYY-MM-DD[ T]HH:MM:SS[.f][ ][Z|+HH[:MM[:SS]]]" moved to UTC. */
typedef struct orm__tstz {
	int64_t year;
	int month, day, hour, minute, second;
	const char *frac; /* fraction digits as written (not copied), or NULL */
	size_t fraclen;
	int has_offset;   /* an offset or Z was present */
} orm__tstz;
/* @return 0, or -1 when the text is not in that form */
int orm__tstz_parse(const char *s, size_t len, orm__tstz *t);
/* Canonical "YYYY-MM-DD HH:MM:SS[.f]+00:00" of a timestamp with an offset
 * into out (cap >= 36). @return its length, or -1 (no offset / not a timestamp). */
int orm__tstz_utc_text(const char *s, size_t len, char *out, size_t cap);
/* A plain decimal "[-]ddd[.ddd]" with exactly `scale` fraction digits
 * (zero-padded, or rounded half away from zero) into out.
 * @return 0, 1 when the text is not a plain decimal (out untouched), or ORM_ENOMEM. */
int orm__decimal_rescale(const char *s, size_t len, int scale, orm_buf *out);

/* ---- drivers ---- */
#ifdef ORM_HAVE_SQLITE
extern const orm_driver orm__driver_sqlite;
#endif
#ifdef ORM_HAVE_PQ
extern const orm_driver orm__driver_pg;
#endif
#ifdef ORM_HAVE_MARIADB
extern const orm_driver orm__driver_mariadb;
#endif
#ifdef ORM_HAVE_PQ
/* PostgreSQL COPY ... FROM STDIN with `len` bytes of text-format data (seed bulk path). */
int orm__pg_copy_in(orm_conn *conn, const char *sql, const char *data, size_t len);
#endif

/* ---- connection and statement ---- */
struct orm_stmt_cache_entry; /* uthash, see orm/stmt.c */

struct orm_conn {
	const orm_driver *drv;
	orm_dialect dialect;
	void *driver_data;
	char *url_redacted;
	int tx_depth;
	unsigned long savepoint_seq;
	/*
	 * The database ended the open transaction by itself after an error
	 * (SQLite on disk full or I/O errors, InnoDB on a deadlock): statements
	 * and commits fail until orm_rollback() has closed every level, so that
	 * nothing runs in autocommit mode believing it is in the transaction.
	 * Set by the drivers through orm__tx_lost().
	 */
	int tx_lost;
	char *tx_lost_msg;    /* the error that ended it (NULL on ENOMEM) */
	/* error detail */
	orm_error err;
	orm_buf err_message;
	char err_sqlstate[6];
	char *err_schema, *err_table, *err_column, *err_constraint;
	/* prepared-statement cache: uthash head keyed by SQL text */
	struct orm_stmt_cache_entry *cache;
	size_t cache_count;
	unsigned long cache_gen; /* bumped whenever a cached statement is dropped */
	/* statements executed (orm_stmt_step runs), for tests counting queries */
	unsigned long stmt_execs;
	/* the key array of eager loading failed to prepare (an SQLite without
	 * json_each(), a MariaDB before 10.6 without JSON_TABLE): IN lists */
	int no_key_array;
	/* SQL text of model statements by descriptor and fields (orm/model.c) */
	struct orm__msql *msql;
	size_t msql_count;
};

/*
 * ORM__NOINLINE keeps a rarely taken part of a hot function out of line,
 * ORM__COLD also marks it unlikely (its code goes to .text.unlikely): the
 * code a save or a fetch runs every time then spans fewer cache lines.
 */
#if defined(__GNUC__) || defined(__clang__)
# define ORM__NOINLINE __attribute__((noinline))
# define ORM__COLD __attribute__((noinline, cold))
#else
# define ORM__NOINLINE
# define ORM__COLD
#endif

struct orm_stmt {
	orm_conn *conn;
	void *driver_data;
	char *sql;          /* native SQL as prepared */
	int nparams;        /* parameters of one row */
	int nrows;          /* rows of parameters bound: 1, more only for orm__stmt_set_rows() */
	int nslots;         /* nparams * nrows: the bindable slots */
	int cap;            /* slots allocated in params and owned (>= nparams * nrows) */
	orm_value *params;  /* nparams * nrows values, row after row */
	char **owned;       /* copies made for ORM_BIND_COPY, per slot (NULL where none) */
	int state;          /* ORM__ST_READY, ORM__ST_RUNNING, ORM__ST_DONE */
	int ncols;          /* cached column count, -1 unknown */
	orm_buf *coltext;   /* per-column scratch text for conversions (ncols) */
	int coltext_n;
	struct orm_stmt_cache_entry *cache_entry; /* non-NULL when owned by the cache */
};

enum { ORM__ST_READY = 0, ORM__ST_RUNNING = 1, ORM__ST_DONE = 2 };

/*
 * The driver accessors of driver.h (orm_sys_conn_data(), orm_sys_stmt_data(),
 * orm_sys_stmt_conn(), orm_sys_stmt_params()) as inline functions, for the
 * drivers built into the library: the same results, without a call on
 * every execute, fetch and reset. The exported functions stay for drivers
 * built outside the library.
 */
static inline void *orm__sys_conn_data(const orm_conn *conn)
{
	return conn ? conn->driver_data : NULL;
}

static inline void *orm__sys_stmt_data(const orm_stmt *stmt)
{
	return stmt ? stmt->driver_data : NULL;
}

static inline orm_conn *orm__sys_stmt_conn(const orm_stmt *stmt)
{
	return stmt ? stmt->conn : NULL;
}

static inline const orm_value *orm__sys_stmt_params(const orm_stmt *stmt, int *nparams)
{
	if (nparams)
		*nparams = stmt ? stmt->nparams : 0;
	return stmt ? stmt->params : NULL;
}

/*
 * The value slot of 1-based parameter idx when a bind needs none of the
 * public binders' work (the index is in range, the statement is ready,
 * the slot holds no copy of its own), else NULL: the caller then binds
 * through orm_bind_*(). The model layer binds a statement it has just
 * prepared this way, a value per field per save.
 */
static inline orm_value *orm__stmt_slot(orm_stmt *st, int idx)
{
	if (idx < 1 || idx > st->nslots || st->state != ORM__ST_READY || st->owned[idx - 1])
		return NULL;
	return &st->params[idx - 1];
}

/* Finalize every statement in the connection's cache (orm_close). */
void orm__stmt_cache_free(orm_conn *conn);
/*
 * Give the statement nrows rows of parameters (for a driver whose
 * array_rows() allows that many): parameter k of row r is then bound at
 * index r * orm_stmt_param_count() + k + 1, and one execute runs the
 * statement once per row. Every binding is cleared; orm_stmt_clear_bindings()
 * (and returning the statement to the cache) goes back to one row.
 * @return 0, ORM_EINVAL (nrows < 1, or more than the driver allows) or
 * ORM_ENOMEM.
 */
int orm__stmt_set_rows(orm_stmt *stmt, size_t nrows);
/* 1 when every parameter's non-NULL values have one type over the rows
 * bound (what a driver's array execute needs), else 0. */
int orm__stmt_rows_uniform(const orm_stmt *stmt);
/* The most rows of parameters one execute may carry on conn (1: no array execution). */
int orm__conn_array_rows(orm_conn *conn);
/*
 * Copy every non-NULL column of the current row into the statement's text
 * buffers, so that orm_column_text() on this row cannot fail afterwards
 * (it returns NULL for SQL NULL only). @return 0 or ORM_ENOMEM.
 */
int orm__stmt_row_text(orm_stmt *stmt);

/*
 * Test hook, called after every statement the library ran successfully
 * (orm_stmt_step's execute, orm_exec, transaction control, PostgreSQL COPY):
 * when the environment variable ORM_DEBUG_KILL_AFTER is a positive N, the
 * process raises SIGKILL right after its N-th statement (counted over every
 * connection of the process), so that tests can crash a run at any point.
 * Unset (the normal case) it costs one atomic load. See tests/faults/kill.sh.
 */
extern atomic_long orm__debug_kill_limit; /* -2 not read yet, -1 off, N > 0 */
void orm__debug_kill_count(void);
static inline void orm__debug_after_stmt(void)
{
	if (atomic_load_explicit(&orm__debug_kill_limit, memory_order_relaxed) != -1)
		orm__debug_kill_count();
}

/* A driver saw the database roll back the open transaction (see orm_conn.tx_lost). */
void orm__tx_lost(orm_conn *conn, const char *why);
/* The ORM_ECONFLICT of a statement on a connection whose transaction was lost. */
int orm__tx_lost_err(orm_conn *conn);
/* ORM_ECONFLICT with an explanation when the transaction was lost, else 0. */
static inline int orm__tx_check(orm_conn *conn)
{
	return conn->tx_lost ? orm__tx_lost_err(conn) : 0;
}

/* orm__err_clear() when there is something to clear. */
void orm__err_clear_set(orm_conn *conn);
/* Clear the connection's error (called at the start of fallible calls,
 * some once per row or per save: the test for an error already clear, the
 * common case, is inline). NULL is a no-op. */
static inline void orm__err_clear(orm_conn *conn)
{
	if (conn && (conn->err.code != 0 || !conn->err.message || conn->err.message[0] != '\0'))
		orm__err_clear_set(conn);
}
/* Set a simple error: code + formatted message. Returns code. */
int orm__err(orm_conn *conn, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);

/* Rewrite `?` placeholders to $1..$n (PostgreSQL), skipping literals,
 * quoted identifiers, comments and dollar quotes. Counts the placeholders
 * in *nparams for every dialect (out may be NULL to count only). */
int orm__rewrite_placeholders(orm_buf *out, const char *sql, orm_dialect d, int *nparams);
/*
 * Index of the next `?` placeholder in sql at or after `from`, with the
 * same lexical rules as orm__rewrite_placeholders() for dialect d (string
 * literals, quoted identifiers, comments and PostgreSQL dollar quotes are
 * skipped); (size_t)-1 when there is none.
 */
size_t orm__qraw_next_placeholder(const char *sql, size_t from, orm_dialect d);

/* Room for an int64_t in decimal with its sign and the NUL. */
#define ORM__INT64_CHARS 21
/* v in decimal into buf (ORM__INT64_CHARS bytes), NUL-terminated, as
 * "%lld" writes it but without printf's cost; returns the length. */
size_t orm__fmt_int64(char *buf, int64_t v);
/* Parse canonical numeric text */
int orm__parse_int64(const char *s, size_t len, int64_t *out);
/* orm_prepare() of sql (len bytes) whose orm__prepare_hash() is hv: for
 * callers that keep the text and its hash (the model statement texts). */
int orm__prepare_h(orm_stmt **out, orm_conn *conn, const char *sql, size_t len, unsigned hv);
/* A remembered cache entry: where a statement text's cached statement
 * was found, valid while the connection's cache_gen is gen. */
struct orm__stmt_hint {
	struct orm_stmt_cache_entry *entry;
	unsigned long gen;
};
/* orm__prepare_h() that first tries *hint (a statement text's own cache
 * entry, remembered by its last call) and updates it. */
int orm__prepare_hinted(orm_stmt **out, orm_conn *conn, struct orm__stmt_hint *hint, const char *sql,
			size_t len, unsigned hv);
unsigned orm__prepare_hash(const char *sql, size_t len);
/* Free the connection's cache of model statement texts (orm/model.c). */
void orm__msql_free(orm_conn *conn);

/* Quote one identifier part (no dots) into buf. */
int orm__quote_part(orm_buf *out, orm_dialect d, const char *s, size_t len);
/*
 * The dialect's limit when the identifier part s[0..len) exceeds it
 * (PostgreSQL 63 bytes, MariaDB 64 characters), else 0.
 */
size_t orm__ident_too_long(orm_dialect d, const char *s, size_t len);

#endif
