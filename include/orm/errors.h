/**
 * @file orm/errors.h
 * @brief Return codes and error detail.
 *
 * Every function that can fail returns an int: 0 (ORM_OK) on success, a
 * negative orm_error_code on failure. Cursor steps return the positive
 * ORM_ROW / ORM_DONE. The codes are append-only: never renumbered, never
 * removed. Detail of the last failure on a connection (message, SQLSTATE,
 * native code, constraint table/column) is read with orm_conn_error().
 */
#ifndef ORM_ERRORS_H
#define ORM_ERRORS_H

#include "common.h"

ORM_BEGIN_DECL

/** Return codes of the library's functions: 0 on success, negative on failure. */
typedef enum orm_error_code {
	ORM_OK = 0,            /**< success */
	ORM_ERROR = -1,        /**< generic failure; see the message */
	ORM_ENOMEM = -2,       /**< out of memory */
	ORM_EINVAL = -3,       /**< invalid argument (NULL handle, bad index, ...) */
	ORM_ENOTFOUND = -4,    /**< no such row / object */
	ORM_EURL = -5,         /**< malformed connection URL or unknown scheme */
	ORM_ENODRIVER = -6,    /**< the URL's driver is not built into this library */
	ORM_ECONNECT = -7,     /**< could not connect (server down, auth failed) */
	ORM_ESQL = -8,         /**< the server rejected the statement (syntax, unknown table, ...) */
	ORM_ECONSTRAINT = -9,  /**< a constraint violation not covered below */
	ORM_EUNIQUE = -10,     /**< unique / primary key violation */
	ORM_EFOREIGNKEY = -11, /**< foreign key violation */
	ORM_ENOTNULL = -12,    /**< NOT NULL violation */
	ORM_ECHECK = -13,      /**< CHECK constraint violation */
	ORM_ETYPE = -14,       /**< a value does not fit the requested type / range */
	ORM_EMISUSE = -15,     /**< call made in the wrong state (e.g. commit with no transaction) */
	ORM_EBUSY = -16,       /**< lock or busy timeout */
	ORM_EUNSUPPORTED = -17,/**< the dialect cannot do this */
	ORM_EPARSE = -18,      /**< a file (YAML, CSV, SQL, config) could not be parsed */
	ORM_EIO = -19,         /**< file or connection I/O failure */
	ORM_ECONFLICT = -20,   /**< state conflict (e.g. migration checksum mismatch) */
	ORM_ECONNLOST = -21    /**< the connection to the server was lost */
} orm_error_code;

/** Positive cursor results of orm_stmt_step(). */
#define ORM_ROW 100 /**< a row is available to read */
#define ORM_DONE 101 /**< the statement has finished; no more rows */

/** @return a static, human-readable name for a return code; never NULL. */
ORM_EXTERN(const char *) orm_strerror(int code);

/**
 * Detail of the last failure on a connection. All strings are borrowed,
 * valid until the next call on the same connection that can fail. Fields
 * the server did not report are "" (never NULL). New fields are only ever
 * appended.
 */
typedef struct orm_error {
	int code;             /**< orm_error_code of the failure, 0 if none */
	int native_code;      /**< driver code: SQLite extended code, MariaDB errno, 0 on PostgreSQL */
	const char *message;  /**< what went wrong, with where (position, table, file) when known */
	const char *sqlstate; /**< five-character SQLSTATE, "" if unknown (SQLite) */
	const char *schema;   /**< constraint's schema, when reported */
	const char *table;    /**< constraint's table, when reported or derivable */
	/**
	 * constraint's column(s) ("a, b"), when reported or derivable. For a
	 * foreign key these are the referencing (child) columns, also when a
	 * parent row's delete or update fails. On PostgreSQL that case needs a
	 * catalog lookup, impossible inside a failed transaction: there the
	 * column is NULL.
	 */
	const char *column;
	const char *constraint; /**< constraint name, when reported */
	int offset;           /**< byte offset of the error in the SQL text, -1 if unknown */
} orm_error;

ORM_END_DECL

#endif
