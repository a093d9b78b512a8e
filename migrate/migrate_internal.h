/*
 * Internal helpers of the migrate/ layer: a small YAML document tree on
 * top of libyaml (with line and column of every node, anchors, aliases
 * and `<<` merge keys), SHA-256 and FNV-1a, and the SQL statement
 * splitter used by SQL migrations and raw steps. Not installed.
 */
#ifndef ORM_MIGRATE_INTERNAL_H
#define ORM_MIGRATE_INTERNAL_H

#include "orm/internal.h"
#include "orm/config.h"
#include "orm/migrate.h"

/* ---- YAML tree ---- */

enum { ORM__YT_SCALAR = 1, ORM__YT_SEQ, ORM__YT_MAP };

typedef struct orm__yt_node {
	int kind;
	int line, col;            /* 1-based position of the node's first character */
	size_t start, end;        /* byte offsets of the node in the source text */
	/* scalar */
	char *str;
	size_t len;
	int plain;                /* plain (unquoted) scalar: null / bool / number detection */
	/* sequence: items[0..n-1]; mapping: items[2i] key, items[2i+1] value */
	struct orm__yt_node **items;
	size_t n;                 /* sequence items or mapping pairs */
	size_t alloc;
} orm__yt_node;

typedef struct orm__yt_doc {
	orm__yt_node *root;       /* NULL for an empty document */
	char *filename;
	orm__yt_node **all;       /* every node, for freeing (aliases share nodes) */
	size_t nall, aall;
} orm__yt_doc;

/*
 * Parse YAML text (the first document; a second one is an error). On
 * failure *err gets "FILE:LINE:COL: message" and ORM_EPARSE (or ENOMEM)
 * is returned. Merge keys (`<<: *anchor`) are resolved while parsing.
 */
int orm__yt_parse(orm__yt_doc **out, const char *text, size_t len, const char *filename,
		  orm_buf *err);
void orm__yt_free(orm__yt_doc *doc);

/* Mapping lookup (NULL when absent or not a mapping). */
orm__yt_node *orm__yt_get(const orm__yt_node *map, const char *key);
/* Key/value i of a mapping. */
#define ORM__YT_KEY(m, i) ((m)->items[2 * (i)])
#define ORM__YT_VAL(m, i) ((m)->items[2 * (i) + 1])
/* Whether a node is a scalar null (~, null, empty plain scalar) or NULL. */
int orm__yt_is_null(const orm__yt_node *n);
/* Whether a scalar's text equals s. */
int orm__yt_is(const orm__yt_node *n, const char *s);
/* Parse a boolean scalar (true/false/yes/no/on/off). 0 or -1. */
int orm__yt_bool(const orm__yt_node *n, int *out);
/* Parse an integer scalar. 0 or -1. */
int orm__yt_int(const orm__yt_node *n, long long *out);
/* Format "FILE:LINE:COL: " + message into err; returns code. */
int orm__yt_err(orm_buf *err, const orm__yt_doc *doc, const orm__yt_node *n, int code,
		const char *fmt, ...) ORM_FORMAT_PRINTF(5, 6);
/* Name of a node kind: "a scalar", "a list", "a mapping". */
const char *orm__yt_kind_name(const orm__yt_node *n);

/* ---- hashing ---- */

typedef struct orm__sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
} orm__sha256;

void orm__sha256_init(orm__sha256 *s);
void orm__sha256_update(orm__sha256 *s, const void *data, size_t len);
void orm__sha256_final(orm__sha256 *s, unsigned char digest[32]);
/* Lower-case hex SHA-256 of data into hex[65]. */
void orm__sha256_hex(const void *data, size_t len, char hex[65]);

#define ORM__FNV_INIT UINT64_C(0xcbf29ce484222325)
uint64_t orm__fnv1a64(uint64_t h, const void *data, size_t len);

/* ---- SQL splitting ---- */

typedef struct orm__sql_stmt {
	char *sql;   /* one statement, no trailing ';', trimmed */
	int line;    /* 1-based line of its first character in the source */
} orm__sql_stmt;

typedef struct orm__sql_stmts {
	orm__sql_stmt *items;
	size_t n, alloc;
} orm__sql_stmts;

/*
 * Split SQL text into statements for a dialect: quotes, identifiers,
 * comments (--, #, nested block comments on PostgreSQL), dollar quotes,
 * BEGIN ... END bodies of triggers / routines, and the MariaDB client's
 * DELIMITER lines. Comment-only fragments are dropped. `first_line` is
 * the line number of text[0] in its file.
 */
int orm__sql_split(orm__sql_stmts *out, const char *text, size_t len, orm_dialect d,
		   int first_line);
void orm__sql_stmts_dispose(orm__sql_stmts *s);

/* ---- small utilities ---- */

/* Read a whole file (NUL-terminated). ORM_EIO with message on failure. */
int orm__read_file(char **out, size_t *len, const char *path, orm_buf *err);
/* Current UTC time as "YYYY-MM-DD HH:MM:SS" and as "YYYYMMDDHHMMSS". */
void orm__utc_now(char iso[20], char stamp[15]);
/* Valid identifier: [A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes. */
int orm__valid_ident(const char *s);

/* ---- migrations: sources parsed into steps ---- */

enum {
	ORM__OP_SQL = 1,       /* one SQL statement */
	ORM__OP_CREATE_TABLE,
	ORM__OP_ALTER_TABLE,
	ORM__OP_DROP_TABLE,
	ORM__OP_RENAME_TABLE,
	ORM__OP_CREATE_SCHEMA,
	ORM__OP_DROP_SCHEMA
};

/* One step of a migration: a schema operation or one SQL statement. */
typedef struct orm__mig_op {
	int kind;
	int line;              /* line in the source file (0 for C) */
	char *ident;           /* identity for the resume hash (source text of the step) */
	char *desc;            /* "create_table users (line 4)" */
	orm_table *table;      /* CREATE/ALTER_TABLE */
	char *a, *b;           /* names: drop / rename (from, to) / schema */
	unsigned flags;
	char *sql;             /* ORM__OP_SQL */
} orm__mig_op;

typedef struct orm__mig_ops {
	orm__mig_op *items;
	size_t n, alloc;
} orm__mig_ops;

void orm__mig_ops_dispose(orm__mig_ops *ops);
/* Append an op (takes ownership of its pointers even on failure). */
int orm__mig_ops_push(orm__mig_ops *ops, orm__mig_op *op);
/* Split `sql` for dialect d and append one ORM__OP_SQL op per statement. */
int orm__mig_ops_add_sql(orm__mig_ops *ops, const char *sql, size_t len, orm_dialect d, int first_line);

/*
 * Parse a YAML migration file's text for dialect d: fills up/down,
 * *has_down (a down: key is present) and *no_tx (transaction: false).
 * Errors: ORM_EPARSE with "FILE:LINE:COL: ..." in err.
 */
int orm__yaml_migration_parse(const char *text, size_t len, const char *filename, orm_dialect d,
			      orm__mig_ops *up, orm__mig_ops *down, int *has_down, int *no_tx,
			      orm_buf *err);

/* Parse an SQL migration file (sections -- migrate:up / -- migrate:down). */
int orm__sql_migration_parse(const char *text, size_t len, const char *filename, orm_dialect d,
			     orm__mig_ops *up, orm__mig_ops *down, int *has_down, int *no_tx,
			     orm_buf *err);

#endif
