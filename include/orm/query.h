/**
 * @file orm/query.h
 * @brief The query builder: select, insert, update, delete, upsert,
 * compiled per dialect with bound parameters only.
 *
 * @code
 * orm_query *q = orm_query_new("users");
 * orm_query_select(q, "id");
 * orm_query_select_as(q, "name", "n");
 * orm_query_where(q, "age", ">=", orm_int(18));
 * orm_query_where_new(q, orm_expr_or(orm_expr_cmp("name", "like", orm_text("A%")),
 *                                    orm_expr_null("email")));
 * orm_query_order_by(q, "name", ORM_ASC | ORM_NULLS_LAST);
 * orm_query_limit(q, 10);
 * orm_stmt *st;
 * if (orm_query_exec(&st, db, q) == 0) { while (orm_stmt_step(st) == ORM_ROW) ...; orm_stmt_free(st); }
 * orm_query_free(q);
 * @endcode
 *
 * Errors are sticky: builder calls record the first error in the query
 * (bad operator, out of memory, NULL argument) and return it; later calls
 * do nothing and return it again; compiling or running the query returns
 * it too, with orm_query_errmsg() saying which call failed. So a chain of
 * builder calls can be checked once, at the end.
 *
 * Ownership: functions named `_new` steal their orm_expr / orm_query
 * argument, on success and on failure alike, and accept NULL (then they
 * record ORM_ENOMEM). Values are copied into the query, so the caller's
 * strings need not outlive the call.
 *
 * Identifiers: "col", "table.col" and "schema.table.col" are quoted part
 * by part; "*" and "t.*" are kept as is. A column written "expr AS alias"
 * is NOT parsed: use orm_query_select_as() or orm_query_select_raw().
 */
#ifndef ORM_QUERY_H
#define ORM_QUERY_H

#include "common.h"
#include "errors.h"
#include "value.h"
#include "conn.h"

ORM_BEGIN_DECL

/** A query being built (opaque): SELECT, INSERT, UPDATE, DELETE or upsert. */
typedef struct orm_query orm_query;
/** A condition (opaque), for where, having and join on; owned by whoever it is handed to. */
typedef struct orm_expr orm_expr;

/* ---- expressions (conditions), for where / having / join on ---- */

/**
 * `col op value`. op is one of = <> != < <= > >= like "not like" ilike
 * (ilike is emulated with LOWER() where the dialect lacks it).
 */
ORM_EXTERN(orm_expr *) orm_expr_cmp(const char *col, const char *op, orm_value v);
/** `col op col2`, comparing two columns (joins). */
ORM_EXTERN(orm_expr *) orm_expr_cmp_col(const char *col, const char *op, const char *col2);
/** `col IN (v0, v1, ...)`; an empty list compiles to a false condition (1 = 0). */
ORM_EXTERN(orm_expr *) orm_expr_in(const char *col, const orm_value *vals, size_t n);
/** `col NOT IN (...)`; an empty list compiles to a true condition (1 = 1). */
ORM_EXTERN(orm_expr *) orm_expr_not_in(const char *col, const orm_value *vals, size_t n);
/** `col IN (subquery)`; steals sub. */
ORM_EXTERN(orm_expr *) orm_expr_in_query_new(const char *col, orm_query *sub);
/** `col IS NULL`. */
ORM_EXTERN(orm_expr *) orm_expr_null(const char *col);
/** `col IS NOT NULL`. */
ORM_EXTERN(orm_expr *) orm_expr_not_null(const char *col);
/** `col BETWEEN lo AND hi` (both bounds included). */
ORM_EXTERN(orm_expr *) orm_expr_between(const char *col, orm_value lo, orm_value hi);
/** `EXISTS (subquery)`; steals sub. */
ORM_EXTERN(orm_expr *) orm_expr_exists_new(orm_query *sub);
/**
 * A raw SQL fragment with `?` placeholders and their values (copied).
 * The fragment is pasted as is: never build it from user input.
 */
ORM_EXTERN(orm_expr *) orm_expr_raw(const char *sql, const orm_value *binds, size_t n);
/** `AGG(col) op value` for HAVING; col NULL means `*` (COUNT(*)). */
typedef enum orm_agg {
	ORM_AGG_COUNT = 1,
	ORM_AGG_SUM,
	ORM_AGG_AVG,
	ORM_AGG_MIN,
	ORM_AGG_MAX,
	ORM_AGG_COUNT_DISTINCT
} orm_agg;
/** `AGG(col) op v`, for orm_query_having_new(); col NULL means `*`. */
ORM_EXTERN(orm_expr *) orm_expr_agg_cmp(orm_agg agg, const char *col, const char *op, orm_value v);
/** `(a AND b)`; steals both. */
ORM_EXTERN(orm_expr *) orm_expr_and(orm_expr *a, orm_expr *b);
/** `(a OR b)`; steals both. */
ORM_EXTERN(orm_expr *) orm_expr_or(orm_expr *a, orm_expr *b);
/** `NOT (e)`; steals e. */
ORM_EXTERN(orm_expr *) orm_expr_not(orm_expr *e);
/** Free an expression that was not handed to a query. NULL is a no-op. */
ORM_EXTERN(void) orm_expr_free(orm_expr *e);

/* ---- queries ---- */

/**
 * A new SELECT on `table` ("table" or "schema.table"). NULL table is
 * allowed for selects of expressions only. @return NULL on ENOMEM.
 */
ORM_EXTERN(orm_query *) orm_query_new(const char *table);
/** Free the query and everything it owns. NULL is a no-op. */
ORM_EXTERN(void) orm_query_free(orm_query *q);
/** @return the first error recorded by a builder call, 0 if none. */
ORM_EXTERN(int) orm_query_error(const orm_query *q);
/** @return a message naming the builder call that failed, "" if none. */
ORM_EXTERN(const char *) orm_query_errmsg(const orm_query *q);
/** Alias for the FROM table: `FROM t AS alias`. */
ORM_EXTERN(int) orm_query_from_as(orm_query *q, const char *alias);

/* select list */
/** Add column `col` to the select list (none at all selects `*`). */
ORM_EXTERN(int) orm_query_select(orm_query *q, const char *col);
/** Add `col AS alias` to the select list. */
ORM_EXTERN(int) orm_query_select_as(orm_query *q, const char *col, const char *alias);
/** A raw select expression, pasted as is (with `?` bindings). */
ORM_EXTERN(int) orm_query_select_raw(orm_query *q, const char *sql, const orm_value *binds, size_t n);
/** `AGG(col) AS alias`; col NULL means `*`; alias may be NULL. */
ORM_EXTERN(int) orm_query_select_agg(orm_query *q, orm_agg agg, const char *col, const char *alias);
/** Make it `SELECT DISTINCT`. */
ORM_EXTERN(int) orm_query_distinct(orm_query *q);

/* where; every call is ANDed with the previous conditions unless `or_` */
/** AND condition `e` into WHERE; steals e. */
ORM_EXTERN(int) orm_query_where_new(orm_query *q, orm_expr *e);
/** OR condition `e` into WHERE; steals e. */
ORM_EXTERN(int) orm_query_or_where_new(orm_query *q, orm_expr *e);
/** AND `col op v` into WHERE (operators as for orm_expr_cmp()). */
ORM_EXTERN(int) orm_query_where(orm_query *q, const char *col, const char *op, orm_value v);
/** OR `col op v` into WHERE. */
ORM_EXTERN(int) orm_query_or_where(orm_query *q, const char *col, const char *op, orm_value v);
/** AND `col IN (vals[0..n-1])` into WHERE, as orm_expr_in(). */
ORM_EXTERN(int) orm_query_where_in(orm_query *q, const char *col, const orm_value *vals, size_t n);
/** AND `col IS NULL` into WHERE. */
ORM_EXTERN(int) orm_query_where_null(orm_query *q, const char *col);
/** AND `col IS NOT NULL` into WHERE. */
ORM_EXTERN(int) orm_query_where_not_null(orm_query *q, const char *col);
/** AND `col BETWEEN lo AND hi` into WHERE. */
ORM_EXTERN(int) orm_query_where_between(orm_query *q, const char *col, orm_value lo, orm_value hi);
/** AND a raw SQL fragment with `?` placeholders into WHERE, as orm_expr_raw(). */
ORM_EXTERN(int) orm_query_where_raw(orm_query *q, const char *sql, const orm_value *binds, size_t n);

/* joins */
/** Kinds of JOIN. */
typedef enum orm_join_type {
	ORM_JOIN_INNER = 1, /**< `INNER JOIN` */
	ORM_JOIN_LEFT,      /**< `LEFT JOIN` */
	ORM_JOIN_RIGHT, /**< SQLite older than 3.39 rejects it when the statement is prepared */
	ORM_JOIN_CROSS      /**< `CROSS JOIN`, without ON */
} orm_join_type;
/** `JOIN table ON left op right` (both column names). table may carry no alias; use orm_query_join_as. */
ORM_EXTERN(int) orm_query_join(orm_query *q, orm_join_type type, const char *table,
			       const char *left, const char *op, const char *right);
/** `JOIN table AS alias ON <on>`; alias may be NULL; steals on (NULL allowed only for CROSS). */
ORM_EXTERN(int) orm_query_join_on_new(orm_query *q, orm_join_type type, const char *table,
				      const char *alias, orm_expr *on);

/* grouping and ordering */
/** Add `col` to GROUP BY. */
ORM_EXTERN(int) orm_query_group_by(orm_query *q, const char *col);
/** AND condition `e` into HAVING (see orm_expr_agg_cmp()); steals e. */
ORM_EXTERN(int) orm_query_having_new(orm_query *q, orm_expr *e);
enum {
	ORM_ASC = 0,
	ORM_DESC = 1,
	ORM_NULLS_FIRST = 2, /**< emulated with `col IS NULL DESC` on MariaDB */
	ORM_NULLS_LAST = 4
};
/** Add `col` to ORDER BY; flags: ORM_ASC or ORM_DESC, or'ed with ORM_NULLS_FIRST or ORM_NULLS_LAST. */
ORM_EXTERN(int) orm_query_order_by(orm_query *q, const char *col, int flags);
/** Add a raw SQL expression to ORDER BY, pasted as is. */
ORM_EXTERN(int) orm_query_order_by_raw(orm_query *q, const char *sql);
/**
 * Limit and offset; negative means none. Both are bound parameters, so
 * every page of a listing reuses one prepared statement.
 */
ORM_EXTERN(int) orm_query_limit(orm_query *q, int64_t n);
/** Offset (rows skipped); negative means none. See orm_query_limit(). */
ORM_EXTERN(int) orm_query_offset(orm_query *q, int64_t n);
/** Append `FOR UPDATE` (ignored on SQLite, whose write transaction already locks). */
ORM_EXTERN(int) orm_query_for_update(orm_query *q);

/* insert */
/**
 * Make the query an INSERT into its table with these columns. Then add
 * rows with orm_query_values(); one row or many (one statement).
 */
ORM_EXTERN(int) orm_query_insert(orm_query *q, const char *const *cols, size_t ncols);
/** Add one row of ncols values (copied). */
ORM_EXTERN(int) orm_query_values(orm_query *q, const orm_value *vals);
/**
 * Add one row of `n` values (copied), checking that `n` is the number of
 * columns given to orm_query_insert(); a mismatch records ORM_EINVAL.
 */
ORM_EXTERN(int) orm_query_values_n(orm_query *q, const orm_value *vals, size_t n);
/** @return number of rows added so far. */
ORM_EXTERN(size_t) orm_query_row_count(const orm_query *q);
/**
 * Upsert: on a conflict on these columns (unique key), do nothing. On
 * MariaDB the conflict target is implied by the unique keys and the
 * statement becomes `ON DUPLICATE KEY UPDATE c0 = c0`.
 */
ORM_EXTERN(int) orm_query_on_conflict_ignore(orm_query *q, const char *const *cols, size_t ncols);
/**
 * Upsert: on a conflict on `cols` (required), update `update_cols` (NULL:
 * every inserted column not in `cols`) to the inserted values. With
 * nothing left to update it behaves as orm_query_on_conflict_ignore().
 */
ORM_EXTERN(int) orm_query_on_conflict_merge(orm_query *q, const char *const *cols, size_t ncols,
					    const char *const *update_cols, size_t nupdate);
/**
 * Columns to return from INSERT/UPDATE/DELETE (RETURNING on PostgreSQL,
 * SQLite and MariaDB; on MySQL only insert ids are emulated). The rows are
 * read with orm_stmt_step() from orm_query_exec().
 */
ORM_EXTERN(int) orm_query_returning(orm_query *q, const char *col);

/* update / delete */
/** Make the query an UPDATE; give the new values with orm_query_set(). */
ORM_EXTERN(int) orm_query_update(orm_query *q);
/**
 * `SET col = v`; setting a column again replaces its value. Makes a
 * select an UPDATE (orm_query_update() is then optional).
 */
ORM_EXTERN(int) orm_query_set(orm_query *q, const char *col, orm_value v);
/** UPDATE ... SET col = col + by (by may be negative: decrement). */
ORM_EXTERN(int) orm_query_increment(orm_query *q, const char *col, int64_t by);
/** Make the query a DELETE. */
ORM_EXTERN(int) orm_query_delete(orm_query *q);

/* compile and run */

/**
 * Compile for a dialect into SQL text with `?` placeholders ($n on
 * PostgreSQL), appended to `sql`, and the list of bound values (borrowed
 * from the query, valid until it is changed, compiled again, or freed).
 * `params`/`nparams` may be NULL. A compile error (e.g. UPDATE ...
 * RETURNING on MariaDB: ORM_EUNSUPPORTED) is not sticky; its message is
 * read with orm_query_errmsg().
 */
ORM_EXTERN(int) orm_query_compile(const orm_query *q, orm_dialect d, orm_buf *sql,
				  const orm_value **params, int *nparams);
/**
 * For debugging and logs: the SQL with each parameter shown inline as a
 * literal, e.g. `select * from "users" where "id" = 5`, appended to `out`.
 * Never send this text to a server: use orm_query_exec().
 */
ORM_EXTERN(int) orm_query_to_sql(const orm_query *q, orm_dialect d, orm_buf *out);
/**
 * Compile for the connection's dialect, prepare (cached), bind, and
 * return the statement ready to step. The caller frees it. The values are
 * copied into the statement (ORM_BIND_COPY): the query may be freed at
 * once. Errors, the builder's included, are also recorded on the
 * connection (orm_conn_errmsg()).
 */
ORM_EXTERN(int) orm_query_exec(orm_stmt **out, orm_conn *conn, const orm_query *q);
/**
 * Run a query that returns no rows of interest; `affected` may be NULL.
 * An INSERT with more parameters than the dialect accepts in one
 * statement is split into several, run in one transaction (a savepoint
 * inside an open one), so it is still all or nothing.
 */
ORM_EXTERN(int) orm_query_run(orm_conn *conn, const orm_query *q, int64_t *affected);
/**
 * Run an INSERT and return the generated value of `id_col` for each row,
 * in row order, the same way on every dialect (`RETURNING id_col`, which
 * MariaDB has since 10.5; MySQL, which lacks it, is not supported yet).
 * Large inserts are split as in orm_query_run(). With
 * orm_query_on_conflict_ignore(), a skipped row gives no id on PostgreSQL
 * and SQLite, and the existing row's id on MariaDB.
 * @param conn the connection
 * @param q the INSERT query
 * @param id_col the generated column to return
 * @param[out] ids array of *nids ids, freed with orm_free().
 * @param[out] nids the number of ids
 * @return 0 or a negative error code.
 */
ORM_EXTERN(int) orm_query_insert_ids(orm_conn *conn, const orm_query *q, const char *id_col,
				     int64_t **ids, size_t *nids);

ORM_END_DECL

#endif
