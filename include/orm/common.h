/**
 * @file orm/common.h
 * @brief Export macros, version, dialects, the allocator hook and orm_buf.
 *
 * Thread safety: liborm has no mutable global state except the allocator
 * set by orm_set_allocator(). Every handle (orm_conn, orm_stmt, orm_query,
 * ...) belongs to one thread at a time: never use one orm_conn, or anything
 * made from it, from two threads at once. Separate connections may be used
 * from separate threads freely.
 */
#ifndef ORM_COMMON_H
#define ORM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
# define ORM_BEGIN_DECL extern "C" {
# define ORM_END_DECL }
#else
/** Opens the extern "C" block around declarations when compiled as C++; empty in C. */
# define ORM_BEGIN_DECL
/** Closes the block opened by ORM_BEGIN_DECL; empty in C. */
# define ORM_END_DECL
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
# define ORM_EXTERN(type) extern __attribute__((visibility("default"))) type
# define ORM_FORMAT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
/** Declares an exported library function returning @p type (default visibility with GCC/Clang). */
# define ORM_EXTERN(type) extern type
/** Marks a printf-like function: argument @p a is the format, @p b the first variadic one (GCC/Clang only). */
# define ORM_FORMAT_PRINTF(a, b)
#endif

/** Version of the headers; compare with orm_version_number() at run time. */
#define ORM_VERSION "0.1.0"
/** Numeric version of the headers: major*10000 + minor*100 + patch. */
#define ORM_VERSION_NUMBER 100

ORM_BEGIN_DECL

/** @return the library's version string, e.g. "0.1.0". */
ORM_EXTERN(const char *) orm_version(void);
/** @return the library's ORM_VERSION_NUMBER, to check header/library match. */
ORM_EXTERN(int) orm_version_number(void);

/** SQL dialects. */
typedef enum orm_dialect {
	ORM_DIALECT_SQLITE = 1,
	ORM_DIALECT_POSTGRES = 2,
	ORM_DIALECT_MARIADB = 3 /**< MariaDB and MySQL */
} orm_dialect;

/** @return "sqlite", "postgres" or "mariadb"; "unknown" otherwise. */
ORM_EXTERN(const char *) orm_dialect_name(orm_dialect d);

/**
 * Whether the driver for a dialect was built into this library.
 * @return 1 if built in, 0 if not.
 */
ORM_EXTERN(int) orm_dialect_available(orm_dialect d);

/**
 * Replace the allocator used for every allocation the library makes
 * (including uthash's). Call it before any other orm_ function, once.
 * Passing NULL for all three restores malloc/realloc/free.
 * @return 0, or ORM_EINVAL if only some of the three are NULL.
 */
ORM_EXTERN(int) orm_set_allocator(void *(*malloc_fn)(size_t),
				  void *(*realloc_fn)(void *, size_t),
				  void (*free_fn)(void *));

/** Free memory the library returned to the caller (strings, arrays). NULL is a no-op. */
ORM_EXTERN(void) orm_free(void *ptr);

/**
 * A growable string buffer the caller owns. Initialise with ORM_BUF_INIT,
 * release with orm_buf_dispose(). `ptr` is always NUL-terminated once
 * anything was written (or NULL when nothing was).
 */
typedef struct orm_buf {
	char *ptr;    /**< the text, NUL-terminated; NULL while nothing was written */
	size_t size;  /**< bytes used, excluding the terminating NUL */
	size_t asize; /**< bytes allocated */
} orm_buf;

/** Initialiser for an empty orm_buf (no memory allocated yet). */
#define ORM_BUF_INIT { NULL, 0, 0 }

/** Free the buffer's memory and reset it to ORM_BUF_INIT. */
ORM_EXTERN(void) orm_buf_dispose(orm_buf *buf);
/** Append `len` bytes. @return 0 or ORM_ENOMEM. */
ORM_EXTERN(int) orm_buf_put(orm_buf *buf, const char *data, size_t len);
/** Append a NUL-terminated string. @return 0 or ORM_ENOMEM. */
ORM_EXTERN(int) orm_buf_puts(orm_buf *buf, const char *s);
/** Append formatted text. @return 0 or ORM_ENOMEM. */
ORM_EXTERN(int) orm_buf_printf(orm_buf *buf, const char *fmt, ...) ORM_FORMAT_PRINTF(2, 3);
/** Empty the buffer, keeping its memory. */
ORM_EXTERN(void) orm_buf_clear(orm_buf *buf);

ORM_END_DECL

#endif
