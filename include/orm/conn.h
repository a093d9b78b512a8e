/**
 * @file orm/conn.h
 * @brief Connections, statements, cursors and transactions.
 *
 * @code
 * orm_conn *db;
 * if (orm_open(&db, "sqlite:app.db") < 0) {
 *         fprintf(stderr, "%s\n", orm_conn_error(db)->message);
 *         orm_close(db);
 *         return 1;
 * }
 * orm_stmt *st;
 * orm_prepare(&st, db, "SELECT id, name FROM users WHERE age > ?");
 * orm_bind_int(st, 1, 30);
 * while ((rc = orm_stmt_step(st)) == ORM_ROW)
 *         printf("%lld %s\n", (long long)orm_column_int(st, 0),
 *                orm_column_text(st, 1, NULL));
 * orm_stmt_free(st);
 * orm_close(db);
 * @endcode
 *
 * Placeholders: write `?` in SQL for every dialect; on PostgreSQL they are
 * rewritten to $1, $2, ... (outside string literals, quoted identifiers,
 * comments and dollar-quoted strings). Bind indexes are 1-based, column
 * indexes 0-based.
 *
 * ## Threads
 * One connection per thread: an orm_conn, its statements, cursors,
 * transactions and error detail belong to one thread at a time (hand a
 * connection to another thread only with your own locking, and never
 * while a statement of it is running). Different connections may be used
 * from different threads at once, to the same database or not.
 * Shareable between threads without locking: model descriptors
 * (orm_model, orm_field, orm_relation: constant data, only read), query
 * objects that no thread changes any more (orm_query_run() and
 * orm_query_exec() only read them), URLs and option structs. The first
 * orm_open() of each driver initialises its client library once,
 * thread-safely. With several connections writing one SQLite file, use
 * `?journal_mode=wal` (and keep the default busy_timeout): in the default
 * rollback-journal mode concurrent writers can still fail with
 * ORM_EBUSY after the timeout. tests/faults/test_threads.c checks these
 * rules with 8 threads on every dialect.
 *
 * ## Test hook
 * When the environment variable `ORM_DEBUG_KILL_AFTER` is a positive
 * number N, the process kills itself with SIGKILL right after the N-th
 * statement the library ran (counted over all connections). It exists for
 * crash tests (tests/faults/kill.sh); never set it otherwise.
 */
#ifndef ORM_CONN_H
#define ORM_CONN_H

#include "common.h"
#include "errors.h"
#include "value.h"

ORM_BEGIN_DECL

/** An open database connection (opaque); made by orm_open(), closed by orm_close(). */
typedef struct orm_conn orm_conn;
/** A prepared statement (opaque); made by orm_prepare(), released by orm_stmt_free(). */
typedef struct orm_stmt orm_stmt;

/**
 * Open a connection by URL.
 *
 * - `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`; options
 *   `?foreign_keys=on|off` (default on), `busy_timeout=MS` (default 5000),
 *   `mode=ro|rw|rwc`.
 * - `postgres://` or `postgresql://user:password@host:port/dbname?opts`;
 *   options are passed to libpq (sslmode, connect_timeout, application_name,
 *   options, ...).
 * - `mariadb://` or `mysql://user:password@host:port/dbname?opts`; options
 *   `ssl=on|off`, `ssl_ca`, `ssl_cert`, `ssl_key`, `connect_timeout`,
 *   `unix_socket`.
 * User and password are percent-decoded. The password is never copied into
 * an error message.
 *
 * @param[out] out the connection; set even on failure (unless ORM_ENOMEM
 *             or ORM_EINVAL), so that orm_conn_error() can say why; the
 *             caller always calls orm_close() on it.
 * @param url the connection URL, in one of the forms above
 * @return 0, ORM_EURL, ORM_ENODRIVER, ORM_ECONNECT, ORM_ENOMEM, ORM_EINVAL.
 */
ORM_EXTERN(int) orm_open(orm_conn **out, const char *url);

/** Close the connection, finalizing cached statements. NULL is a no-op. */
ORM_EXTERN(void) orm_close(orm_conn *conn);

/** @return the connection's dialect. */
ORM_EXTERN(orm_dialect) orm_conn_dialect(const orm_conn *conn);

/**
 * The URL the connection was opened with, with any password replaced by
 * "***". Borrowed, valid until orm_close().
 */
ORM_EXTERN(const char *) orm_conn_url(const orm_conn *conn);

/** Detail of the last failure on the connection; never NULL for a non-NULL conn. */
ORM_EXTERN(const orm_error *) orm_conn_error(const orm_conn *conn);

/** Shorthand for orm_conn_error(conn)->message; "" if none; safe on NULL. */
ORM_EXTERN(const char *) orm_conn_errmsg(const orm_conn *conn);

/**
 * Run one or more SQL statements with no parameters and no result rows
 * (DDL, SET, ...). Multiple statements separated by `;` are allowed.
 * @return 0 or a negative error code (detail in orm_conn_error()).
 */
ORM_EXTERN(int) orm_exec(orm_conn *conn, const char *sql);

/**
 * Run one statement with parameters, discarding any rows.
 * @param conn the connection
 * @param[out] affected rows changed (may be NULL)
 * @param sql one statement with `?` placeholders
 * @param params the values for the placeholders, in order
 * @param nparams the number of values in `params`
 * @return 0 or a negative error code.
 */
ORM_EXTERN(int) orm_exec_params(orm_conn *conn, int64_t *affected, const char *sql,
				const orm_value *params, int nparams);

/**
 * Prepare one statement. The statement is taken from the connection's
 * statement cache when the same SQL text was prepared before and its
 * statement is not in use; orm_stmt_free() gives it back to the cache.
 * @param[out] out the statement (NULL on failure)
 * @param conn the connection
 * @param sql one statement with `?` placeholders
 * @return 0 or a negative error code.
 */
ORM_EXTERN(int) orm_prepare(orm_stmt **out, orm_conn *conn, const char *sql);

/** Like orm_prepare() but never uses or fills the cache. */
ORM_EXTERN(int) orm_prepare_uncached(orm_stmt **out, orm_conn *conn, const char *sql);

/**
 * Finalize a statement, or return it to the cache it came from (reset,
 * bindings cleared). NULL is a no-op.
 */
ORM_EXTERN(void) orm_stmt_free(orm_stmt *stmt);

/** Lifetime of bound text/blob bytes. */
typedef enum orm_bind_lifetime {
	ORM_BIND_STATIC = 0, /**< caller keeps the bytes alive and unchanged until the statement is reset or freed */
	ORM_BIND_COPY = 1    /**< the statement copies the bytes now */
} orm_bind_lifetime;

/** @return the number of `?` parameters in the statement. */
ORM_EXTERN(int) orm_stmt_param_count(const orm_stmt *stmt);

/** Bind parameter `idx` (1-based). @return 0, ORM_EINVAL (bad index), ORM_ENOMEM. */
ORM_EXTERN(int) orm_bind_null(orm_stmt *stmt, int idx);
/** Bind a boolean (non-zero is true). @return as orm_bind_null(). */
ORM_EXTERN(int) orm_bind_bool(orm_stmt *stmt, int idx, int b);
/** Bind a 64-bit integer. @return as orm_bind_null(). */
ORM_EXTERN(int) orm_bind_int(orm_stmt *stmt, int idx, int64_t v);
/** Bind a double. @return as orm_bind_null(). */
ORM_EXTERN(int) orm_bind_double(orm_stmt *stmt, int idx, double v);
/** `len` < 0 means strlen(s); s == NULL binds NULL. */
ORM_EXTERN(int) orm_bind_text(orm_stmt *stmt, int idx, const char *s, long len, orm_bind_lifetime lt);
/** Bind `len` bytes at `p` as a blob (p NULL with len 0 binds an empty blob). */
ORM_EXTERN(int) orm_bind_blob(orm_stmt *stmt, int idx, const void *p, size_t len, orm_bind_lifetime lt);
/** Bind any value (text-like payloads handled per `lt`). */
ORM_EXTERN(int) orm_bind_value(orm_stmt *stmt, int idx, const orm_value *v, orm_bind_lifetime lt);
/** Bind params[0..n-1] to parameters 1..n. */
ORM_EXTERN(int) orm_bind_values(orm_stmt *stmt, const orm_value *params, int n, orm_bind_lifetime lt);

/**
 * Run the statement (on the first call after bind/reset) and move to the
 * next row.
 * @return ORM_ROW when a row is ready, ORM_DONE when there are no more
 *         rows (or the statement returns none), a negative code on error.
 */
ORM_EXTERN(int) orm_stmt_step(orm_stmt *stmt);

/** Make the statement ready to run again; bindings are kept. */
ORM_EXTERN(int) orm_stmt_reset(orm_stmt *stmt);

/** Clear all bindings to NULL. */
ORM_EXTERN(int) orm_stmt_clear_bindings(orm_stmt *stmt);

/** Rows changed by the last run of the statement (INSERT/UPDATE/DELETE). */
ORM_EXTERN(int64_t) orm_stmt_changes(const orm_stmt *stmt);

/** Number of result columns (valid after prepare on SQLite/MariaDB, after the first step everywhere). */
ORM_EXTERN(int) orm_column_count(orm_stmt *stmt);
/** Column name; borrowed until the statement is freed. */
ORM_EXTERN(const char *) orm_column_name(orm_stmt *stmt, int col);
/** The value's type in the current row (ORM_TYPE_NULL for NULL). */
ORM_EXTERN(orm_type) orm_column_type(orm_stmt *stmt, int col);
/** @return 1 if column `col` of the current row is SQL NULL, else 0. */
ORM_EXTERN(int) orm_column_is_null(orm_stmt *stmt, int col);
/** Integer value (bools as 0/1, text parsed; 0 for NULL or unparsable). */
ORM_EXTERN(int64_t) orm_column_int(orm_stmt *stmt, int col);
/** Floating-point value (integers converted, text parsed; 0 for NULL, blobs or unparsable text). */
ORM_EXTERN(double) orm_column_double(orm_stmt *stmt, int col);
/**
 * Text of the value (numbers formatted); NULL for SQL NULL. Borrowed until
 * the next step, reset or free. NUL-terminated.
 * @param stmt the statement, positioned on a row
 * @param col the column (0-based)
 * @param[out] len length in bytes (may be NULL)
 */
ORM_EXTERN(const char *) orm_column_text(orm_stmt *stmt, int col, size_t *len);
/**
 * Bytes of the value (numbers as their text); NULL for SQL NULL, with
 * `*len` 0. Borrowed like orm_column_text(). `len` may be NULL.
 */
ORM_EXTERN(const void *) orm_column_blob(orm_stmt *stmt, int col, size_t *len);
/**
 * The value with its type; text-like payloads borrowed until the next step.
 * @return 0 or ORM_EINVAL (bad column / no row).
 */
ORM_EXTERN(int) orm_column_value(orm_stmt *stmt, int col, orm_value *out);

/**
 * Run a query that returns one row with one integer column (COUNT(*), ...).
 * @return 0, ORM_ENOTFOUND when there is no row, or an error.
 */
ORM_EXTERN(int) orm_query_int(orm_conn *conn, int64_t *out, const char *sql,
			      const orm_value *params, int nparams);

/* Transactions. */

/**
 * Begin a transaction; when one is already open, create a savepoint
 * instead (nested to any depth). Every orm_begin() is matched by one
 * orm_commit() or orm_rollback().
 *
 * When the database ends the transaction by itself after an error (SQLite
 * on a full disk or an I/O error, InnoDB on a deadlock), every statement,
 * orm_begin() and orm_commit() on the connection fails with ORM_ECONFLICT
 * (naming the first error) until orm_rollback() has closed every open
 * level: nothing runs in autocommit mode believing it is inside the
 * transaction.
 */
ORM_EXTERN(int) orm_begin(orm_conn *conn);
/** Commit the innermost transaction level (releases the savepoint when nested). */
ORM_EXTERN(int) orm_commit(orm_conn *conn);
/** Roll back the innermost level (to its savepoint when nested). */
ORM_EXTERN(int) orm_rollback(orm_conn *conn);
/** @return the nesting depth: 0 when no transaction is open. */
ORM_EXTERN(int) orm_tx_depth(const orm_conn *conn);

/**
 * Id generated by the last single-row INSERT on this connection
 * (sqlite3_last_insert_rowid, LAST_INSERT_ID(), lastval()).
 * For many rows use the query builder's RETURNING, which gives every id
 * on every dialect.
 */
ORM_EXTERN(int) orm_last_insert_id(orm_conn *conn, int64_t *out);

/** Maximum number of bound parameters per statement for the dialect. */
ORM_EXTERN(int) orm_conn_max_params(const orm_conn *conn);

/**
 * Quote an identifier for the connection's dialect ("x" / `x`), doubling
 * embedded quotes; a dotted name "schema.table" is quoted part by part.
 * @return 0, ORM_EINVAL (empty, NUL bytes, too long), ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_quote_ident(orm_buf *out, orm_dialect d, const char *ident);

ORM_END_DECL

#endif
