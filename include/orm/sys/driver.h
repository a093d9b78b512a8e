/**
 * @file orm/sys/driver.h
 * @brief The driver interface (weaker stability than the rest of the API).
 *
 * Each built-in driver (orm/drivers/sqlite.c, pg.c, mariadb.c) fills one
 * orm_driver table. The core owns orm_conn and orm_stmt; a driver keeps
 * its native handles in the `driver_data` slots and reports failures with
 * orm_sys_error(). Registering drivers from outside the library is not yet
 * supported; the table is published so its shape can be reviewed and kept.
 */
#ifndef ORM_SYS_DRIVER_H
#define ORM_SYS_DRIVER_H

#include "../common.h"
#include "../errors.h"
#include "../value.h"
#include "../conn.h"

ORM_BEGIN_DECL

/** A parsed connection URL. Strings are NUL-terminated, "" when absent. */
typedef struct orm_url {
	orm_dialect dialect;
	char *scheme;    /**< as written: "sqlite", "postgres", "postgresql", "mariadb", "mysql" */
	char *user;      /**< percent-decoded */
	char *password;  /**< percent-decoded; never put into messages */
	char *host;
	int port;        /**< 0 when absent */
	char *database;  /**< database name, or for SQLite the file path / ":memory:" */
	size_t nopts;
	char **opt_keys; /**< query-string options, percent-decoded */
	char **opt_values;
} orm_url;

/**
 * Parse a URL. @param[out] out freed with orm_url_free().
 * @param[out] errbuf on ORM_EURL, a message naming the problem and its byte
 *             offset (may be NULL); errbuf_len its size.
 * @return 0, ORM_EURL, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_url_parse(orm_url **out, const char *url, char *errbuf, size_t errbuf_len);
ORM_EXTERN(void) orm_url_free(orm_url *url);
/** Option value by key, or NULL. */
ORM_EXTERN(const char *) orm_url_opt(const orm_url *url, const char *key);
/** Write the URL with the password replaced by "***". */
ORM_EXTERN(int) orm_url_redacted(orm_buf *out, const char *url);

typedef struct orm_driver {
	const char *name;
	orm_dialect dialect;
	int max_params;
	/** Connect; store the native handle with orm_sys_conn_set_data(). On failure set the error and return it. */
	int (*open)(orm_conn *conn, const orm_url *url);
	void (*close)(orm_conn *conn);
	/** Run SQL text (one or more statements), no parameters, discard rows. */
	int (*exec)(orm_conn *conn, const char *sql);
	/** Prepare native SQL (placeholders already in the dialect's form) with `nparams` parameters. */
	int (*prepare)(orm_conn *conn, orm_stmt *stmt, const char *sql, int nparams);
	/** Run the prepared statement with its bound parameters (orm_sys_stmt_params()). */
	int (*execute)(orm_stmt *stmt);
	/** Next row: ORM_ROW, ORM_DONE, or an error. */
	int (*fetch)(orm_stmt *stmt);
	int (*column_count)(orm_stmt *stmt);
	const char *(*column_name)(orm_stmt *stmt, int col);
	/** Current row's value; payload borrowed until the next fetch/reset. */
	int (*column_value)(orm_stmt *stmt, int col, orm_value *out);
	/** Rows changed by the last execute. */
	int64_t (*changes)(orm_stmt *stmt);
	/** Discard pending results so the statement can run again. */
	int (*reset)(orm_stmt *stmt);
	void (*finalize)(orm_stmt *stmt);
	int (*last_insert_id)(orm_conn *conn, int64_t *out);
} orm_driver;

/* Accessors for drivers. */
ORM_EXTERN(void *) orm_sys_conn_data(const orm_conn *conn);
ORM_EXTERN(void) orm_sys_conn_set_data(orm_conn *conn, void *data);
ORM_EXTERN(void *) orm_sys_stmt_data(const orm_stmt *stmt);
ORM_EXTERN(void) orm_sys_stmt_set_data(orm_stmt *stmt, void *data);
ORM_EXTERN(orm_conn *) orm_sys_stmt_conn(const orm_stmt *stmt);
/** Bound parameters (nparams of them; unbound ones are ORM_TYPE_NULL). */
ORM_EXTERN(const orm_value *) orm_sys_stmt_params(const orm_stmt *stmt, int *nparams);

/** Error classes a driver may report with orm_sys_error(). */
typedef struct orm_sys_errinfo {
	int code;               /**< orm_error_code */
	int native_code;
	const char *sqlstate;   /**< may be NULL */
	const char *schema, *table, *column, *constraint; /**< may be NULL */
	int offset;             /**< -1 if unknown */
} orm_sys_errinfo;

/**
 * Record an error on the connection (copies everything) and return
 * info->code. The message is formatted from fmt.
 */
ORM_EXTERN(int) orm_sys_error(orm_conn *conn, const orm_sys_errinfo *info, const char *fmt, ...)
	ORM_FORMAT_PRINTF(3, 4);

/** Map a SQLSTATE to an orm_error_code (23505 -> ORM_EUNIQUE, 08xxx -> ORM_ECONNECT, ...). */
ORM_EXTERN(int) orm_sys_sqlstate_code(const char *sqlstate);

ORM_END_DECL

#endif
