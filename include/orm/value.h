/**
 * @file orm/value.h
 * @brief Typed values, as bound to statements and read back from rows.
 *
 * A value is a small tagged union passed by value. Text-like values
 * (text, decimal, date, time, timestamp, json, uuid) carry a pointer and a
 * length; the pointer is borrowed: whoever made the value keeps the bytes
 * alive (see ORM_BIND_STATIC / ORM_BIND_COPY where values are handed over).
 *
 * Canonical text forms, identical from all three drivers:
 * - decimal: plain digits, optional '-' and '.', no exponent ("12.50" keeps its scale)
 * - date: "YYYY-MM-DD"
 * - time: "HH:MM:SS" or "HH:MM:SS.ffffff"
 * - timestamp (no zone): "YYYY-MM-DD HH:MM:SS[.ffffff]"
 * - timestamptz: converted to UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00"
 * - uuid: 36 lower-case characters with dashes
 * - json: the JSON text (PostgreSQL jsonb may reorder keys and spacing)
 * - bool: 0 or 1
 */
#ifndef ORM_VALUE_H
#define ORM_VALUE_H

#include "common.h"

ORM_BEGIN_DECL

/** The type tag of an orm_value. */
typedef enum orm_type {
	ORM_TYPE_NULL = 0,  /**< SQL NULL; no payload */
	ORM_TYPE_BOOL,      /**< boolean, 0 or 1 */
	ORM_TYPE_INT,       /**< int64 */
	ORM_TYPE_DOUBLE,    /**< double-precision float */
	ORM_TYPE_TEXT,      /**< character string */
	ORM_TYPE_BLOB,      /**< binary bytes */
	ORM_TYPE_DECIMAL,   /**< exact, as text */
	ORM_TYPE_DATE,      /**< date, as text "YYYY-MM-DD" */
	ORM_TYPE_TIME,      /**< time of day, as text */
	ORM_TYPE_TIMESTAMP, /**< date and time without zone, as text */
	ORM_TYPE_TIMESTAMPTZ, /**< date and time in UTC, as text with "+00:00" */
	ORM_TYPE_JSON,      /**< JSON document, as text */
	ORM_TYPE_UUID       /**< UUID, as 36-character text */
} orm_type;

/** A typed value: a type tag and the matching member of the union `u`. */
typedef struct orm_value {
	orm_type type; /**< which member of `u` is set (none for ORM_TYPE_NULL) */
	union {
		int b;          /**< ORM_TYPE_BOOL: 0 or 1 */
		int64_t i;      /**< ORM_TYPE_INT */
		double d;       /**< ORM_TYPE_DOUBLE */
		struct {
			const char *ptr; /**< text-like and blob types; text is not necessarily NUL-terminated */
			size_t len;     /**< length of `ptr` in bytes */
		} s;            /**< payload of text-like and blob values */
	} u;                /**< the payload, selected by `type` */
} orm_value;

/** @return the type's name ("int", "text", ...). */
ORM_EXTERN(const char *) orm_type_name(orm_type t);

/** A NULL value. Constructors below borrow text pointers (no copy). */
ORM_EXTERN(orm_value) orm_null(void);
/** A boolean; any non-zero `b` is stored as 1. */
ORM_EXTERN(orm_value) orm_bool(int b);
/** A 64-bit integer. */
ORM_EXTERN(orm_value) orm_int(int64_t i);
/** A double. */
ORM_EXTERN(orm_value) orm_double(double d);
/** Text from a NUL-terminated string; a NULL pointer gives a NULL value. */
ORM_EXTERN(orm_value) orm_text(const char *s);
/** Text of `len` bytes (may hold NULs only if the server accepts them). */
ORM_EXTERN(orm_value) orm_textn(const char *s, size_t len);
/** A blob of `len` bytes at `p` (borrowed). */
ORM_EXTERN(orm_value) orm_blob(const void *p, size_t len);
/**
 * A text-form value of another type: decimal, date, time, timestamp,
 * timestamptz, json or uuid, in the canonical forms above.
 * `type` must be one of those; otherwise the value is ORM_TYPE_TEXT.
 */
ORM_EXTERN(orm_value) orm_typed_text(orm_type type, const char *s);

ORM_END_DECL

#endif
