/**
 * @file orm/model.h
 * @brief Models, collections and associations (what Bookshelf.js gives
 * Node), mapped onto the caller's own C structs.
 *
 * @code
 * struct user {
 *         orm_model_state orm;      // NULL / changed / owned bits, loaded relations
 *         int64_t id;
 *         char *email;
 *         char *name;               // nullable: NULL pointer is SQL NULL
 *         int32_t age;              // nullable: see ORM_MODEL_IS_NULL
 *         struct post *posts;       // has_many, filled by eager loading
 *         size_t nposts;
 * };
 * extern const orm_model post_model;
 * static const orm_field user_fields[] = {
 *         ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
 *         ORM_FIELD_TEXT(struct user, email, 0),
 *         ORM_FIELD_TEXT(struct user, name, ORM_NULLABLE),
 *         ORM_FIELD_INT32(struct user, age, ORM_NULLABLE, .column = "user_age"),
 * };
 * static const orm_relation user_relations[] = {
 *         ORM_HAS_MANY(struct user, posts, nposts, struct post, &post_model),
 * };
 * const orm_model user_model = ORM_MODEL_EX(struct user, orm, "user", "users", user_fields,
 *                                           ORM_RELATIONS(user_relations));
 *
 * struct user u = {0};
 * model_set_text(&user_model, &u, email, "ada@example.com");
 * if (model_save(&u, db, &user_model) < 0)      // INSERT ... RETURNING "id"
 *         fprintf(stderr, "%s\n", orm_conn_errmsg(db));
 * model_set(&user_model, &u, age, 37);
 * model_save(&u, db, &user_model);               // UPDATE "users" SET "user_age" = ? WHERE "id" = ?
 * model_clear(&u, &user_model);                  // frees the strings, zeroes the struct
 *
 * orm_collection users = ORM_COLLECTION_INIT;
 * orm_query *q = orm_query_new("users");
 * orm_query_where(q, "age", ">", orm_int(30));
 * orm_with with[] = { ORM_WITH("posts.tags") };
 * if (collection_fetch_with(&users, db, &user_model, q, with, 1) == 0)
 *         ORM_COLLECTION_FOREACH(struct user, it, &users)
 *                 printf("%s has %zu posts\n", it->email, it->nposts);
 * collection_free(&users);                       // one call frees everything
 * orm_query_free(q);
 * @endcode
 *
 * ## Choices (and why)
 *
 * **Descriptors** are constant data: an orm_model names the table, the
 * struct's size, the offset of its orm_model_state member, its fields and
 * its relations. The ORM_FIELD_* and ORM_HAS_* macros fill them from the
 * struct type and member name and, with GCC or Clang, check at compile
 * time that the member has the C type the macro expects (int64_t for
 * ORM_FIELD_INT64, char * for ORM_FIELD_TEXT, `TT *` for a relation to
 * TT, ...): a wrong type does not compile. Optional parts are given as
 * trailing designated initialisers (`.column = "user_age"`,
 * `.defval = "draft"`, `.foreign_key = "author_id"`). Call
 * orm_model_check() once (e.g. in a unit test) to validate a descriptor
 * without a database, orm_model_verify() to compare it with a live table.
 *
 * **NULL vs zero.** Every model struct embeds one orm_model_state. Its
 * null bitmap tells SQL NULL from 0 for numeric fields (a char * field is
 * NULL when its pointer is NULL). Read it with ORM_MODEL_IS_NULL()
 * (`model_is_null`), set it with ORM_MODEL_SET_NULL(). A field is
 * written as NULL only when it is flagged ORM_NULLABLE; saving a NULL in
 * a field without that flag fails with ORM_ENOTNULL naming the field,
 * before anything is sent (unless the field has ORM_SERVER_DEFAULT or
 * is an ORM_AUTO key, which are then left to the server).
 *
 * **Changed fields.** ORM_MODEL_SET() (`model_set`) and
 * ORM_MODEL_SET_TEXT() (`model_set_text`) assign and mark the field
 * changed; after a direct assignment call ORM_MODEL_CHANGED()
 * (`model_changed`). An UPDATE writes only the changed fields (and the
 * ORM_UPDATED_AT field); when nothing is marked changed it writes every
 * field, so direct assignments are never lost silently. No snapshot is
 * kept: tracking costs three 64-bit bitmaps per object (40 bytes of state
 * in all) and no allocation.
 *
 * **Strings.** char * (and orm_bytes, orm_value payloads) of an object
 * filled by model_fetch / model_save are allocated by the library, one
 * block per string (its size rounded up to 16 bytes), and freed by
 * orm_model_clear(); a later fetch or set whose value fits in the block
 * writes it in place, so a pointer kept from before sees the new text
 * (it never outlives the next fetch or set of that field). The state's owned
 * bitmap records which pointers the library allocated, so a pointer the
 * caller assigned (a literal, a stack buffer) is never freed by the
 * library: it is only borrowed until the next save. ORM_MODEL_SET_TEXT()
 * copies (and accepts the member's own pointer: after editing a string
 * the library owns in place, `model_set_text(m, obj, name, obj->name)`
 * marks it changed and keeps it owned; ORM_MODEL_CHANGED() on a pointer
 * member instead hands it over to the caller). Objects in a collection
 * keep their strings in the collection's arena (one allocation per
 * 64 KiB, not per row), freed by orm_collection_free().
 *
 * **Insert or update.** orm_model_save() updates when the object was
 * fetched or saved before (persisted flag in its state) or when its
 * ORM_AUTO key is non-zero (Bookshelf's `isNew`), else inserts. The new
 * id and every ORM_SERVER_DEFAULT / ORM_READONLY field come back with
 * INSERT ... RETURNING (SQLite 3.35+, PostgreSQL, MariaDB 10.5+; MySQL,
 * which lacks it, is not supported by the model layer). On SQLite, when
 * the only value to read back is the ORM_AUTO integer key (the rowid),
 * it is taken from sqlite3_last_insert_rowid() instead: for a multi-row
 * insert the rows' rowids are consecutive, which is checked (no INSERT
 * trigger on the table; its largest rowid is the last inserted), and a
 * table with such a trigger gets RETURNING.
 * orm_model_insert() / orm_model_update() force one or the other.
 *
 * **SQL.** Every statement is generated from the descriptor with quoted
 * identifiers and bound values, prepared through the connection's
 * statement cache (so a save or fetch of the same shape reuses the
 * prepared statement) and read by column position: no column name is
 * looked up per row. Collections with a query of the builder select the
 * model's columns (qualified by the table) unless the query has its own
 * select list; then the result columns are matched to fields by name once
 * per query.
 *
 * **Associations.** A relation stores its result in members of the
 * parent struct: `TT *member` for has_one / belongs_to (pointing at an
 * object owned by the collection or the parent object), and `TT *member;
 * size_t count` for has_many / belongs_to_many / has_many_through (a
 * contiguous slice of TT owned likewise). Eager loading (ORM_WITH paths)
 * issues one query per relation level, never one per parent: keys are
 * collected once (deduplicated in a hash) and sent together. Integer keys
 * go as one array parameter: on SQLite `col IN (SELECT value FROM
 * json_each(?))`, on PostgreSQL `col = ANY(?)` with the parameter cast to
 * bigint[], on MariaDB 10.6 and later `col IN (SELECT k FROM JSON_TABLE(?,
 * ...))`; so the statement is the same whatever the number of parents
 * and is prepared once per connection. Text keys, and an SQLite built
 * without JSON or a MariaDB without JSON_TABLE, use IN lists of at most the dialect's bind limit (SQLite 32766, PostgreSQL
 * and MariaDB 65535, minus the constraint's own parameters): one query
 * per chunk of keys. The rows are stitched to their parents by key with a
 * hash and a stable counting sort (children keep the order of the query). Default keys follow Bookshelf:
 * foreign key `<singular>_id` where the singular is the model's `name`,
 * pivot table of the two table names sorted and joined by `_`.
 *
 * **Strict mode.** Loading a relation for one object of a collection
 * (orm_model_load() in a loop: the N+1 pattern) fails with ORM_EMISUSE
 * when the model has ORM_MODEL_STRICT or the collection was put in strict
 * mode with orm_collection_set_strict(); load it for the whole
 * collection with orm_collection_load() instead.
 *
 * **Errors.** Functions return 0 or a negative orm_error_code; the detail
 * is on the connection (orm_conn_error()). Constraint violations keep
 * their code (ORM_EUNIQUE, ORM_EFOREIGNKEY, ORM_ENOTNULL, ORM_ECHECK) and
 * SQLSTATE, and the message names the model and field, e.g.
 * `user.email: UNIQUE constraint failed: users.email`. A statement the
 * server rejects because a field's column or a relation key does not
 * exist is explained by reading the live table: `model user: field
 * "nick" has no column "nick" in table users`.
 *
 * Limits: at most ORM_MODEL_MAX_FIELDS fields and ORM_MODEL_MAX_RELATIONS
 * relations per model; relation keys are single columns (a composite
 * primary key is fine for the model itself, e.g. a pivot table).
 *
 * Thread safety: descriptors are read-only; objects and collections
 * follow the connection rule (one thread at a time).
 *
 * Descriptor lifetime: a connection keeps the SQL text of the INSERT,
 * UPDATE and fetch-by-key statements it built for a descriptor, keyed by
 * the descriptor's address. A descriptor must therefore stay unchanged at
 * its address while a connection that used it is open: constant
 * descriptors (the usual `const orm_model`, and generated ones) always
 * do; descriptors from orm_model_from_table() are never cached, so they
 * may be freed at any time.
 */
#ifndef ORM_MODEL_H
#define ORM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "errors.h"
#include "value.h"
#include "conn.h"
#include "query.h"

ORM_BEGIN_DECL

/** Most fields a model may have (bits of orm_model_state_wide). */
#define ORM_MODEL_MAX_FIELDS 128
/** Most fields a model with a plain orm_model_state may have. */
#define ORM_MODEL_STATE_FIELDS 64
/** Most relations a model may have (bits of orm_model_state.loaded). */
#define ORM_MODEL_MAX_RELATIONS 32

struct orm__hold;

/**
 * Per-object bookkeeping; embed one in every model struct and name it in
 * the descriptor (ORM_MODEL). Zero-initialise it with the struct. Read
 * it through the ORM_MODEL_* macros; its layout may grow.
 *
 * It holds one bit per field for fields 0 to 63 (40 bytes, paid by every
 * object, so kept small: an eager load of 600 000 rows holds 600 000 of
 * them). A model with more than ORM_MODEL_STATE_FIELDS fields embeds an
 * orm_model_state_wide instead; the descriptor macros accept either and
 * orm_model_check() refuses a plain state on a model that needs the wide
 * one.
 */
typedef struct orm_model_state {
	uint64_t null;      /**< bit i: field i is SQL NULL */
	uint64_t dirty;     /**< bit i: field i changed since the last fetch/save */
	uint64_t owned;     /**< bit i: field i's pointer was allocated by the library for this object */
	uint32_t flags;     /**< ORM_STATE_* */
	uint32_t loaded;    /**< bit r: relation r was loaded into this object */
	struct orm__hold *hold; /**< relations loaded for this object alone (orm_model_load) */
} orm_model_state;

/** The state of a model with 65 to ORM_MODEL_MAX_FIELDS fields. */
typedef struct orm_model_state_wide {
	orm_model_state base; /**< fields 0..63, flags and relations */
	uint64_t null_hi;     /**< bit i: field 64 + i is SQL NULL */
	uint64_t dirty_hi;    /**< bit i: field 64 + i changed */
	uint64_t owned_hi;    /**< bit i: field 64 + i's pointer is the library's */
} orm_model_state_wide;

/** orm_model_state.flags */
enum {
	ORM_STATE_PERSISTED = 1,     /**< the row exists: fetched or saved */
	ORM_STATE_IN_COLLECTION = 2, /**< owned by a collection (or an eager-loaded level) */
	ORM_STATE_STRICT = 4         /**< refuse orm_model_load() on this object (strict mode) */
};

/** A binary value owned like a string: `ptr` is NULL for SQL NULL. */
typedef struct orm_bytes {
	unsigned char *ptr; /**< the bytes, NULL for SQL NULL */
	size_t len;         /**< number of bytes at `ptr` */
} orm_bytes;

/** How a field is stored in the struct. */
typedef enum orm_ctype {
	ORM_CT_INT64 = 1, /**< int64_t */
	ORM_CT_INT32,     /**< int32_t */
	ORM_CT_BOOL,      /**< _Bool (bool) */
	ORM_CT_DOUBLE,    /**< double */
	ORM_CT_STR,       /**< char *, NUL-terminated, owned as described above */
	ORM_CT_CHARS,     /**< char[N], NUL-terminated in place (a longer value is ORM_ETYPE) */
	ORM_CT_BYTES,     /**< orm_bytes */
	ORM_CT_VALUE      /**< orm_value (any type; payload owned like a string) */
} orm_ctype;

/** Field flags. */
enum {
	ORM_PK = 1 << 0,             /**< part of the primary key */
	ORM_AUTO = 1 << 1,           /**< generated by the server (auto-increment / identity); with ORM_PK */
	ORM_UUID = 1 << 2,           /**< a random UUID v4 is generated on insert when empty */
	ORM_NULLABLE = 1 << 3,       /**< may be written as NULL */
	ORM_HIDDEN = 1 << 4,         /**< left out of orm_model_to_json() (password hashes, ...) */
	ORM_CREATED_AT = 1 << 5,     /**< set to the current UTC time on insert (when empty) */
	ORM_UPDATED_AT = 1 << 6,     /**< set to the current UTC time on insert and every update */
	ORM_SERVER_DEFAULT = 1 << 7, /**< left out of an INSERT when empty and unchanged, read back */
	ORM_READONLY = 1 << 8,       /**< never written (generated column); read back after insert */
	ORM_PIVOT = 1 << 9           /**< a column of the pivot table, filled by belongs_to_many loads */
};

/**
 * One field: a struct member and its column. Fill with the ORM_FIELD_*
 * macros. `column` NULL means the column is named like the field;
 * `defval` is a client-side default in text form ("0", "draft", "1.5",
 * "true"), applied on insert to a field that is empty (0 / NULL) and not
 * marked changed.
 */
typedef struct orm_field {
	const char *name;  /**< the struct member's name */
	orm_ctype ctype;   /**< C type of the member */
	orm_type type;     /**< SQL value type bound and expected (ORM_TYPE_NULL: any, for ORM_CT_VALUE) */
	size_t offset;     /**< offsetof the member in the model's struct */
	size_t size;       /**< sizeof the member */
	unsigned flags;    /**< ORM_PK, ORM_AUTO, ORM_NULLABLE, ... */
	const char *column; /**< column name; NULL: the field's name */
	const char *defval; /**< client-side default in text form, or NULL */
} orm_field;

/** Relation kinds. */
typedef enum orm_rel_kind {
	ORM_REL_HAS_ONE = 1,      /**< one target row refers to the parent */
	ORM_REL_BELONGS_TO,       /**< the parent refers to one target row */
	ORM_REL_HAS_MANY,         /**< many target rows refer to the parent */
	ORM_REL_BELONGS_TO_MANY,  /**< targets linked to the parent through a pivot table */
	ORM_REL_HAS_MANY_THROUGH  /**< targets referring to rows of an intermediate model that refer to the parent */
} orm_rel_kind;

struct orm_model;

/**
 * One association. Keys (column names; NULL takes the default):
 *
 * | kind              | join                                              | defaults |
 * |-------------------|---------------------------------------------------|----------|
 * | has_one, has_many | target.foreign_key = parent.local_key             | foreign_key `<parent name>_id`, local_key parent pk |
 * | belongs_to        | parent.foreign_key = target.other_key             | foreign_key `<target name>_id`, other_key target pk |
 * | belongs_to_many   | pivot.foreign_key = parent.local_key, pivot.other_key = target pk | pivot `<t1>_<t2>` (table names sorted), foreign_key `<parent name>_id`, other_key `<target name>_id` |
 * | has_many_through  | through.foreign_key = parent.local_key, target.other_key = through pk | foreign_key `<parent name>_id`, other_key `<through name>_id` |
 *
 * parent.local_key (and for belongs_to parent.foreign_key) must be a
 * field of the parent model; the target's and through model's keys used
 * for stitching must be fields of those models.
 */
typedef struct orm_relation {
	const char *name;             /**< "posts": the path element of ORM_WITH */
	orm_rel_kind kind;            /**< the kind of association */
	size_t offset;                /**< member `TT *` */
	size_t count_offset;          /**< member `size_t` (many kinds); (size_t)-1 for one */
	const struct orm_model *target; /**< model of the related objects */
	const char *foreign_key;      /**< see the table above; NULL: default */
	const char *other_key;        /**< see the table above; NULL: default */
	const char *local_key;        /**< see the table above; NULL: the parent's primary key */
	const char *pivot;            /**< belongs_to_many: pivot table */
	const struct orm_model *through; /**< has_many_through */
} orm_relation;

/** Model flags. */
enum {
	ORM_MODEL_STRICT = 1 /**< objects of this model in a collection refuse orm_model_load() */
};

/** A model descriptor. Fill with ORM_MODEL / ORM_MODEL_EX. */
typedef struct orm_model {
	const char *name;           /**< singular name ("user"): default keys, messages */
	const char *table;          /**< "users" or "schema.users" */
	size_t size;                /**< sizeof the struct */
	size_t state_offset;        /**< offsetof the orm_model_state member */
	size_t state_size;          /**< sizeof that member (orm_model_state or _wide); 0 = orm_model_state */
	const orm_field *fields;    /**< the fields, in column order */
	size_t nfields;             /**< number of entries in `fields` */
	const orm_relation *relations; /**< the relations, or NULL */
	size_t nrelations;          /**< number of entries in `relations` */
	unsigned flags;             /**< ORM_MODEL_* */
} orm_model;

/* ---- descriptor macros ---- */

/** Number of elements of array `a`. */
#define ORM_COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__) || defined(__clang__)
/* 0, or a compile error when T's member m is not of type CT. */
# define ORM__TYPECHECK(T, m, CT) \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->m), CT) ? 1 : -1]))
/* 0, or a compile error when T's member m is not a model state. */
# define ORM__STATECHECK(T, m) \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->m), orm_model_state) || \
			 __builtin_types_compatible_p(__typeof__(((T *)0)->m), orm_model_state_wide) ? 1 : -1]))
#else
/** Internal: 0, or (GCC and Clang only) a compile error when member `m` of `T` is not of type `CT`. */
# define ORM__TYPECHECK(T, m, CT) 0
/** Internal: 0, or (GCC and Clang only) a compile error when member `m` of `T` is not a model state. */
# define ORM__STATECHECK(T, m) 0
#endif

/** Base of every field macro; `...` starts with the flags and may add
 * designated initialisers: .column = "col", .defval = "text". */
#define ORM_FIELD_(T, m, CT, CTYPE, VTYPE, ...) \
	{ .name = #m, .ctype = (CTYPE), .type = (VTYPE), \
	  .offset = offsetof(T, m) + ORM__TYPECHECK(T, m, CT), \
	  .size = sizeof(((T *)0)->m), .flags = __VA_ARGS__ }

/** int64_t member, bound as an integer. */
#define ORM_FIELD_INT64(T, m, ...) ORM_FIELD_(T, m, int64_t, ORM_CT_INT64, ORM_TYPE_INT, __VA_ARGS__)
/** int32_t member (a value out of range on fetch is ORM_ETYPE). */
#define ORM_FIELD_INT32(T, m, ...) ORM_FIELD_(T, m, int32_t, ORM_CT_INT32, ORM_TYPE_INT, __VA_ARGS__)
/** _Bool member. */
#define ORM_FIELD_BOOL(T, m, ...) ORM_FIELD_(T, m, _Bool, ORM_CT_BOOL, ORM_TYPE_BOOL, __VA_ARGS__)
/** double member. */
#define ORM_FIELD_DOUBLE(T, m, ...) ORM_FIELD_(T, m, double, ORM_CT_DOUBLE, ORM_TYPE_DOUBLE, __VA_ARGS__)
/** char * member holding text. */
#define ORM_FIELD_TEXT(T, m, ...) ORM_FIELD_(T, m, char *, ORM_CT_STR, ORM_TYPE_TEXT, __VA_ARGS__)
/** char * member holding a value of a text-form type (ORM_TYPE_DECIMAL, _DATE, _TIMESTAMP, ...). */
#define ORM_FIELD_STR_TYPED(T, m, VTYPE, ...) ORM_FIELD_(T, m, char *, ORM_CT_STR, VTYPE, __VA_ARGS__)
/** char * member holding a decimal as text ("12.50"). */
#define ORM_FIELD_DECIMAL(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_DECIMAL, __VA_ARGS__)
/** char * member holding a date ("YYYY-MM-DD"). */
#define ORM_FIELD_DATE(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_DATE, __VA_ARGS__)
/** char * member holding a time of day ("HH:MM:SS"). */
#define ORM_FIELD_TIME(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_TIME, __VA_ARGS__)
/** char * member holding a timestamp without zone. */
#define ORM_FIELD_TIMESTAMP(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_TIMESTAMP, __VA_ARGS__)
/** char * member holding a timestamp with zone (read back in UTC). */
#define ORM_FIELD_TIMESTAMPTZ(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_TIMESTAMPTZ, __VA_ARGS__)
/** char * member holding a JSON document as text. */
#define ORM_FIELD_JSON(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_JSON, __VA_ARGS__)
/** char * member holding a UUID as text. */
#define ORM_FIELD_UUID(T, m, ...) ORM_FIELD_STR_TYPED(T, m, ORM_TYPE_UUID, __VA_ARGS__)
/** char[N] member holding text in place (no allocation). */
#define ORM_FIELD_CHARS(T, m, ...) \
	{ .name = #m, .ctype = ORM_CT_CHARS, .type = ORM_TYPE_TEXT, \
	  .offset = offsetof(T, m) + ORM__TYPECHECK(T, m, char[sizeof(((T *)0)->m)]), \
	  .size = sizeof(((T *)0)->m), .flags = __VA_ARGS__ }
/** char[N] member holding a text-form type (e.g. ORM_TYPE_TIMESTAMP in a char[32]). */
#define ORM_FIELD_CHARS_TYPED(T, m, VTYPE, ...) \
	{ .name = #m, .ctype = ORM_CT_CHARS, .type = (VTYPE), \
	  .offset = offsetof(T, m) + ORM__TYPECHECK(T, m, char[sizeof(((T *)0)->m)]), \
	  .size = sizeof(((T *)0)->m), .flags = __VA_ARGS__ }
/** orm_bytes member (blob). */
#define ORM_FIELD_BLOB(T, m, ...) ORM_FIELD_(T, m, orm_bytes, ORM_CT_BYTES, ORM_TYPE_BLOB, __VA_ARGS__)
/** orm_value member of any type. */
#define ORM_FIELD_VALUE(T, m, ...) ORM_FIELD_(T, m, orm_value, ORM_CT_VALUE, ORM_TYPE_NULL, __VA_ARGS__)

/* Relations: `...` starts with the target model's address and may add
 * .foreign_key, .other_key, .local_key, .pivot, .through. */
/** Base of the to-one relation macros: member `TT *m`; `...` starts with the target model's address. */
#define ORM_REL_ONE_(T, m, KIND, TT, ...) \
	{ .name = #m, .kind = (KIND), .offset = offsetof(T, m) + ORM__TYPECHECK(T, m, TT *), \
	  .count_offset = (size_t)-1, .target = __VA_ARGS__ }
/** Base of the to-many relation macros: members `TT *m` and `size_t cnt`; `...` starts with the target model's address. */
#define ORM_REL_MANY_(T, m, cnt, KIND, TT, ...) \
	{ .name = #m, .kind = (KIND), .offset = offsetof(T, m) + ORM__TYPECHECK(T, m, TT *), \
	  .count_offset = offsetof(T, cnt) + ORM__TYPECHECK(T, cnt, size_t), .target = __VA_ARGS__ }
/** `TT *m` filled with the one TT whose foreign key refers to this object. */
#define ORM_HAS_ONE(T, m, TT, ...) ORM_REL_ONE_(T, m, ORM_REL_HAS_ONE, TT, __VA_ARGS__)
/** `TT *m` filled with the TT this object's foreign key refers to. */
#define ORM_BELONGS_TO(T, m, TT, ...) ORM_REL_ONE_(T, m, ORM_REL_BELONGS_TO, TT, __VA_ARGS__)
/** `TT *m; size_t cnt` filled with the TTs whose foreign key refers to this object. */
#define ORM_HAS_MANY(T, m, cnt, TT, ...) ORM_REL_MANY_(T, m, cnt, ORM_REL_HAS_MANY, TT, __VA_ARGS__)
/** `TT *m; size_t cnt` through a pivot table (ORM_PIVOT fields of TT get the pivot's columns). */
#define ORM_BELONGS_TO_MANY(T, m, cnt, TT, ...) \
	ORM_REL_MANY_(T, m, cnt, ORM_REL_BELONGS_TO_MANY, TT, __VA_ARGS__)
/** `TT *m; size_t cnt` through the intermediate model given as `.through = &model`. */
#define ORM_HAS_MANY_THROUGH(T, m, cnt, TT, ...) \
	ORM_REL_MANY_(T, m, cnt, ORM_REL_HAS_MANY_THROUGH, TT, __VA_ARGS__)

/** Designated initialisers for ORM_MODEL_EX: the relations array. */
#define ORM_RELATIONS(arr) .relations = (arr), .nrelations = ORM_COUNTOF(arr)

/** A model of struct T (state member `st`) on TABLE, with the orm_field array FIELDS. */
#define ORM_MODEL(T, st, NAME, TABLE, FIELDS) \
	{ .name = (NAME), .table = (TABLE), .size = sizeof(T), \
	  .state_offset = offsetof(T, st) + ORM__STATECHECK(T, st), .state_size = sizeof(((T *)0)->st), \
	  .fields = (FIELDS), .nfields = ORM_COUNTOF(FIELDS) }
/** ORM_MODEL plus designated initialisers: ORM_RELATIONS(arr), .flags = ORM_MODEL_STRICT. */
#define ORM_MODEL_EX(T, st, NAME, TABLE, FIELDS, ...) \
	{ .name = (NAME), .table = (TABLE), .size = sizeof(T), \
	  .state_offset = offsetof(T, st) + ORM__STATECHECK(T, st), .state_size = sizeof(((T *)0)->st), \
	  .fields = (FIELDS), .nfields = ORM_COUNTOF(FIELDS), __VA_ARGS__ }

/* ---- descriptor checks ---- */

/**
 * Check a descriptor without a database: field count and offsets, flag
 * combinations, defaults that parse, a primary key for ORM_AUTO, relation
 * members, targets and the key fields they need.
 * @param m the model descriptor
 * @param[out] err a message naming the model and the field/relation at
 *             fault (may be NULL); appended to.
 * @return 0 or ORM_EINVAL.
 */
ORM_EXTERN(int) orm_model_check(const orm_model *m, orm_buf *err);

/**
 * Compare a descriptor with the live database: every field's column must
 * exist in the table (ORM_PIVOT fields in the pivot of a relation that
 * targets the model), every relation's key columns in their tables.
 * @return 0, ORM_EINVAL (the message on the connection names model,
 *         field or relation, and column), or an error reading the schema.
 */
ORM_EXTERN(int) orm_model_verify(orm_conn *conn, const orm_model *m);

/* ---- one object ---- */

/**
 * Insert or update `obj` (see "Insert or update" above). On insert the
 * generated key and the server-filled fields are read back into `obj`;
 * timestamps are filled; the object becomes persisted and unchanged.
 * @return 0; ORM_ENOTNULL (a non-nullable field is NULL; nothing sent);
 *         ORM_EUNIQUE / ORM_EFOREIGNKEY / ORM_ENOTNULL / ORM_ECHECK
 *         (message names the field); ORM_ENOTFOUND (update of a row that
 *         does not exist); other errors.
 */
ORM_EXTERN(int) orm_model_save(void *obj, orm_conn *conn, const orm_model *m);
/** Always INSERT (explicit keys, uuid keys, pivot rows). */
ORM_EXTERN(int) orm_model_insert(void *obj, orm_conn *conn, const orm_model *m);
/** Always UPDATE by primary key. @return ORM_ENOTFOUND when no row has the key. */
ORM_EXTERN(int) orm_model_update(void *obj, orm_conn *conn, const orm_model *m);

/**
 * Fetch one row into `obj`. With `q` NULL, by the primary key values
 * already in `obj`; else the first row of the query `q` (a select on the
 * model's table: its where, joins and order are used, LIMIT 1 is added
 * when it has no limit). Strings previously owned by `obj` are freed or
 * reused; relations loaded before are released.
 * @return 0, ORM_ENOTFOUND (no row; `obj` is left unchanged), error.
 */
ORM_EXTERN(int) orm_model_fetch(void *obj, orm_conn *conn, const orm_model *m, const orm_query *q);
/** Set the (single-column) primary key of `obj` to `key` and fetch by it. */
ORM_EXTERN(int) orm_model_find(void *obj, orm_conn *conn, const orm_model *m, orm_value key);
/** orm_model_find() with an integer key. */
ORM_EXTERN(int) orm_model_find_id(void *obj, orm_conn *conn, const orm_model *m, int64_t id);
/** Read the row again by key, discarding unsaved changes. @return ORM_ENOTFOUND when it is gone. */
ORM_EXTERN(int) orm_model_refresh(void *obj, orm_conn *conn, const orm_model *m);
/**
 * Delete the row by primary key. The object keeps its values and is no
 * longer persisted. @return 0, ORM_ENOTFOUND (no such row), error.
 */
ORM_EXTERN(int) orm_model_destroy(void *obj, orm_conn *conn, const orm_model *m);
/**
 * Free everything the object owns (strings, loaded relations) and zero
 * the struct, ready for reuse. Not for objects inside a collection
 * (orm_collection_free() does it). NULL is a no-op.
 */
ORM_EXTERN(void) orm_model_clear(void *obj, const orm_model *m);

/* ---- field access ---- */

/** Offset of `member` in *obj, checked by the compiler. */
#define ORM_MEMBER_OFFSET(obj, member) ((size_t)((const char *)&(obj)->member - (const char *)(obj)))

/** @return 1 if the field at `offset` is SQL NULL, 0 if not (or not a field). */
ORM_EXTERN(int) orm_model_is_null_at(const void *obj, const orm_model *m, size_t offset);
/**
 * Make the field at `offset` SQL NULL (zeroing the member, freeing an
 * owned string) and mark it changed. @return 0 or ORM_EINVAL (not a field).
 */
ORM_EXTERN(int) orm_model_set_null_at(void *obj, const orm_model *m, size_t offset);
/**
 * Mark the field at `offset` changed and not NULL (after a direct
 * assignment). For pointer fields the library stops owning the pointer
 * (the caller assigned its own). @return 0 or ORM_EINVAL.
 */
ORM_EXTERN(int) orm_model_changed_at(void *obj, const orm_model *m, size_t offset);
/**
 * Set a char * / char[N] field to a copy of `s` (NULL: SQL NULL), reusing
 * or freeing the previous owned string, and mark it changed. @return 0, ORM_EINVAL,
 * ORM_ENOMEM, ORM_ETYPE (too long for char[N]).
 */
ORM_EXTERN(int) orm_model_set_text_at(void *obj, const orm_model *m, size_t offset, const char *s);

/** 1 if obj->member is SQL NULL. */
#define ORM_MODEL_IS_NULL(m, obj, member) orm_model_is_null_at((obj), (m), ORM_MEMBER_OFFSET(obj, member))
/** Set obj->member to SQL NULL and mark it changed. */
#define ORM_MODEL_SET_NULL(m, obj, member) orm_model_set_null_at((obj), (m), ORM_MEMBER_OFFSET(obj, member))
/** Mark obj->member changed (and not NULL) after a direct assignment. */
#define ORM_MODEL_CHANGED(m, obj, member) orm_model_changed_at((obj), (m), ORM_MEMBER_OFFSET(obj, member))
/** Assign a (non-pointer) member and mark it changed. */
#define ORM_MODEL_SET(m, obj, member, value) \
	((obj)->member = (value), orm_model_changed_at((obj), (m), ORM_MEMBER_OFFSET(obj, member)))
/** Set a string member to a copy of `s` and mark it changed. */
#define ORM_MODEL_SET_TEXT(m, obj, member, s) \
	orm_model_set_text_at((obj), (m), ORM_MEMBER_OFFSET(obj, member), (s))

/** @return field `name` of the model (by field name, else by column), or NULL. */
ORM_EXTERN(const orm_field *) orm_model_field(const orm_model *m, const char *name);
/**
 * Read field `name` as a value. Text payloads are borrowed from `obj`
 * (valid until it changes). @return 0 or ORM_EINVAL (no such field).
 */
ORM_EXTERN(int) orm_model_get(const void *obj, const orm_model *m, const char *name, orm_value *out);
/**
 * Set field `name` from a value (converted to the member's type, text
 * copied) and mark it changed. @return 0, ORM_EINVAL, ORM_ETYPE, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_model_set(void *obj, const orm_model *m, const char *name, orm_value v);

/**
 * Append `obj` as a JSON object to `out`: every field except ORM_HIDDEN
 * ones (NULL as null, numbers, booleans, text escaped), plus every loaded
 * relation (object, null, or array), recursively.
 */
ORM_EXTERN(int) orm_model_to_json(orm_buf *out, const void *obj, const orm_model *m);

/* ---- collections ---- */

struct orm__coll;

/**
 * A typed array of model objects, stored contiguously (`items` is a
 * `T *` for the model's struct T). Everything the collection holds
 * (objects, their strings, eager-loaded relations) is freed by one
 * orm_collection_free(). Initialise with ORM_COLLECTION_INIT.
 */
typedef struct orm_collection {
	const orm_model *model; /**< model of the objects */
	void *items;       /**< count objects of model->size bytes */
	size_t count;      /**< number of objects in `items` */
	int64_t total;     /**< orm_collection_fetch_page(): rows of the whole query; else count */
	int64_t page;      /**< orm_collection_fetch_page(): 1-based page; else 0 */
	int64_t page_size; /**< orm_collection_fetch_page(): rows per page; else 0 */
	struct orm__coll *priv; /**< internal storage (arena, loaded relations); do not touch */
} orm_collection;

/** Initialiser for an empty orm_collection. */
#define ORM_COLLECTION_INIT { NULL, NULL, 0, 0, 0, 0, NULL }

/** Object i of the collection (NULL when out of range). */
ORM_EXTERN(void *) orm_collection_at(const orm_collection *c, size_t i);
/** Typed pointer to object i (no range check). */
#define ORM_COLLECTION_AT(T, c, i) (&((T *)(c)->items)[i])
/** for (T *var = first; var < end; var++) over the collection. */
#define ORM_COLLECTION_FOREACH(T, var, c) \
	for (T *var = (T *)(c)->items; var < (T *)(c)->items + (c)->count; var++)

/**
 * Fetch every row of `q` (NULL: the whole table) into `coll` (which is
 * freed first, so it may be reused). Objects are persisted, their strings
 * in the collection's arena.
 */
ORM_EXTERN(int) orm_collection_fetch(orm_collection *coll, orm_conn *conn, const orm_model *m,
				     const orm_query *q);

/** One eager-loading path, e.g. "posts.tags", with an optional constraint. */
typedef struct orm_with {
	/** relation names joined by '.', starting from the fetched model */
	const char *path;
	/**
	 * NULL, or a query on the last relation's target table whose where
	 * conditions (and joins, order) are added to that level's query; its
	 * limit applies to the whole level, as in Bookshelf. Borrowed.
	 */
	const orm_query *constraint;
	/** keys per statement (per IN list or array); 0: all of them in one
	 *  array, or as many as the dialect's bind limit allows in an IN list */
	size_t max_keys;
} orm_with;

/** An orm_with initialiser for `path` with no constraint. */
#define ORM_WITH(path) { (path), NULL, 0 }
/** An orm_with initialiser for `path` constrained by `query` (borrowed). */
#define ORM_WITH_WHERE(path, query) { (path), (query), 0 }

/** orm_collection_fetch() then orm_collection_load(). */
ORM_EXTERN(int) orm_collection_fetch_with(orm_collection *coll, orm_conn *conn, const orm_model *m,
					  const orm_query *q, const orm_with *with, size_t nwith);

/**
 * Fetch page `page` (1-based) of `page_size` rows of `q`, ordered as `q`
 * says (give it an order for stable pages), and the total number of rows
 * of `q` into coll->total (one COUNT query).
 */
ORM_EXTERN(int) orm_collection_fetch_page(orm_collection *coll, orm_conn *conn, const orm_model *m,
					  const orm_query *q, int64_t page, int64_t page_size);

/** Number of rows `q` (NULL: the table) returns, ignoring its limit/offset. */
ORM_EXTERN(int) orm_collection_count(int64_t *out, orm_conn *conn, const orm_model *m,
				     const orm_query *q);

/**
 * Eager-load relation paths into every object of the collection: one
 * query per relation level (per chunk of keys where keys go in IN lists),
 * whatever the number of objects. Paths sharing a prefix share its level ("posts" with a
 * constraint and "posts.tags" load posts once, constrained).
 */
ORM_EXTERN(int) orm_collection_load(orm_collection *coll, orm_conn *conn, const orm_with *with,
				    size_t nwith);

/** Refuse (1) or allow (0) orm_model_load() on this collection's objects. */
ORM_EXTERN(void) orm_collection_set_strict(orm_collection *coll, int on);

/**
 * Move `obj` to the end of the collection (a struct copy: the strings it
 * owns now belong to the collection), then zero `obj`. Use it to build a
 * collection for orm_collection_save(). The collection's model must be `m`
 * (set on the first append). @return 0, ORM_EINVAL, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_collection_append(orm_collection *coll, const orm_model *m, void *obj);

/**
 * Save every object of the collection in one transaction: the new ones
 * with multi-row INSERT ... RETURNING (one statement per batch under the
 * bind limit; ids read back in order), the persisted ones with one
 * UPDATE each.
 */
ORM_EXTERN(int) orm_collection_save(orm_collection *coll, orm_conn *conn);

/**
 * Insert `n` new objects of an array (`items` points at n structs of
 * model->size) with multi-row INSERTs, in one transaction; keys and
 * server fields are read back into each object, in order. The rows are
 * split into batches of at most two sizes under the bind limit (1 500
 * rows at 1 000 per batch: 750 + 750), whose statements are cached, so
 * a caller inserting fixed-size chunks prepares nothing after its first
 * call. On SQLite this also runs a trigger check (an EXPLAIN) and, after
 * the first batch, a max(rowid) query (see "Insert or update"). On
 * MariaDB, rows whose key the program sets (no ORM_AUTO key left to the
 * database) go as a one-row INSERT run once per row in one request
 * (array binding), unless a field of type orm_value holds values of
 * different types in one batch; rows with a generated key keep the
 * multi-row INSERT, whose AUTO_INCREMENT ids are consecutive (array
 * binding would leave gaps in them).
 */
ORM_EXTERN(int) orm_model_insert_many(void *items, size_t n, orm_conn *conn, const orm_model *m);

/** Free everything the collection owns and reset it to ORM_COLLECTION_INIT. NULL is a no-op. */
ORM_EXTERN(void) orm_collection_free(orm_collection *coll);

/** Append the collection as a JSON array of orm_model_to_json() objects. */
ORM_EXTERN(int) orm_collection_to_json(orm_buf *out, const orm_collection *coll);

/* ---- associations ---- */

/** @return the relation `name` of the model, or NULL. */
ORM_EXTERN(const orm_relation *) orm_model_relation(const orm_model *m, const char *name);

/**
 * Load relation paths for one object (after the fact). The results are
 * owned by the object and freed by orm_model_clear().
 * @return ORM_EMISUSE in strict mode for an object of a collection.
 */
ORM_EXTERN(int) orm_model_load(void *obj, orm_conn *conn, const orm_model *m, const orm_with *with,
			       size_t nwith);

/** @return 1 when relation `name` was loaded into obj, else 0. */
ORM_EXTERN(int) orm_model_loaded(const void *obj, const orm_model *m, const char *name);

/**
 * belongs_to_many: insert pivot rows linking `obj` to each of the `n`
 * target keys, with extra pivot columns `pcols` = `pvals` (npcols of
 * them, may be 0) on every row. In one statement per batch.
 */
ORM_EXTERN(int) orm_model_attach(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
				 const orm_value *ids, size_t n, const char *const *pcols,
				 const orm_value *pvals, size_t npcols);
/**
 * belongs_to_many: delete the pivot rows linking `obj` to the `n` target
 * keys; `ids` NULL and `n` 0 deletes all of obj's links.
 * @param obj the parent object (persisted)
 * @param conn the connection
 * @param m the parent's model
 * @param relation the belongs_to_many relation's name
 * @param ids the target keys to unlink
 * @param n the number of entries in `ids`
 * @param[out] removed rows deleted (may be NULL)
 */
ORM_EXTERN(int) orm_model_detach(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
				 const orm_value *ids, size_t n, int64_t *removed);
/**
 * belongs_to_many: make obj's links exactly `ids` (detach the others,
 * attach the missing ones, keep existing rows and their pivot columns),
 * in one transaction.
 */
ORM_EXTERN(int) orm_model_sync(void *obj, orm_conn *conn, const orm_model *m, const char *relation,
			       const orm_value *ids, size_t n);

/* ---- models built at run time ---- */

/**
 * Build a model of a live table from introspection, for tools with no
 * struct: every column becomes an ORM_CT_VALUE field (primary key,
 * auto-increment, nullability and server defaults as the table says).
 * Objects are blocks of (*out)->size bytes: make them with orm_row_new(),
 * read and write them with orm_model_get() / orm_model_set(), and use
 * them with every model_ / collection_ function.
 * @param[out] out free with orm_model_free().
 * @param conn the connection
 * @param table the table ("name" or "schema.name")
 */
ORM_EXTERN(int) orm_model_from_table(orm_model **out, orm_conn *conn, const char *table);
/** Free a model made by orm_model_from_table(). NULL is a no-op. */
ORM_EXTERN(void) orm_model_free(orm_model *m);
/** A zeroed object of the model (NULL on ENOMEM); free with orm_row_free(). */
ORM_EXTERN(void *) orm_row_new(const orm_model *m);
/** orm_model_clear() then free the object. NULL is a no-op. */
ORM_EXTERN(void) orm_row_free(void *obj, const orm_model *m);

ORM_END_DECL

#endif
