/*
 * Internal definitions of the schema layer (the schema folder). Not installed.
 */
#ifndef ORM_SCHEMA_INTERNAL_H
#define ORM_SCHEMA_INTERNAL_H

#include "orm/internal.h"
#include "orm/schema.h"

/* which properties a column definition sets (for alter: only those change) */
enum {
	ORM__SET_TYPE = 1 << 0,
	ORM__SET_NULL = 1 << 1,
	ORM__SET_DEFAULT = 1 << 2,
	ORM__SET_UNSIGNED = 1 << 3,
	ORM__SET_COMMENT = 1 << 4,
	ORM__SET_COLLATE = 1 << 5,
	ORM__SET_LENGTH = 1 << 6,
	ORM__SET_PRECISION = 1 << 7,
	ORM__SET_ENUM = 1 << 8
};

enum { ORM__DEF_NONE = 0, ORM__DEF_VALUE, ORM__DEF_RAW, ORM__DEF_NOW, ORM__DEF_DROP };

struct orm_col {
	struct orm_table *table;
	char *name;
	orm_col_type type;
	int length, precision, scale;
	char **enum_values;
	size_t nenum;
	char *spec[4];          /* ORM_COL_SPECIFIC: type per dialect (index = orm_dialect) */
	unsigned set;
	int not_null;
	int def_kind;
	orm_value def;          /* text payload points into def_copy */
	char *def_copy;
	char *def_raw;
	int is_unsigned;
	int primary, unique, index;
	char *ref_table, *ref_col;
	orm_fk_action on_delete, on_update;
	char *comment, *collate;
};

enum {
	ORM__OP_ADD_COLUMN = 1,
	ORM__OP_ALTER_COLUMN,
	ORM__OP_DROP_COLUMN,
	ORM__OP_RENAME_COLUMN,
	ORM__OP_ADD_PRIMARY,
	ORM__OP_ADD_UNIQUE,
	ORM__OP_ADD_INDEX,
	ORM__OP_ADD_FOREIGN,
	ORM__OP_DROP_INDEX,
	ORM__OP_DROP_UNIQUE,
	ORM__OP_DROP_PRIMARY,
	ORM__OP_DROP_FOREIGN,
	ORM__OP_RENAME_INDEX,
	ORM__OP_COMMENT
};

struct orm__op {
	int kind;
	orm_col *col;           /* ADD_COLUMN, ALTER_COLUMN */
	char *name;             /* key name (may be NULL = derived), column for DROP/RENAME, RENAME_INDEX from */
	char *name2;            /* RENAME_* to */
	char **cols;
	size_t ncols;
	char *ref_table;
	char **ref_cols;
	size_t nref;
	orm_fk_action on_delete, on_update;
};

struct orm_table {
	char *name;             /* as given */
	char *schema;           /* NULL when not qualified */
	char *bare;             /* table name without schema */
	int alter;
	int err;
	char *errmsg;
	struct orm__op *ops;
	size_t nops, aops;
	char *comment;
	int comment_set;
	char *engine, *charset, *collation;
};

/* ---- schema.c helpers ---- */
int orm__table_fail(orm_table *t, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);
/* deterministic key name: TABLE_COL1_COL2_SUFFIX, shortened with a hash past 63 bytes */
char *orm__key_name(const char *table, const char *const *cols, size_t n, const char *suffix);
int orm__is_int_kind(orm_col_type t);
int orm__strlist_dup(char ***out, const char *const *src, size_t n);
void orm__strlist_free(char **l, size_t n);
int orm__split_name(const char *name, char **schema, char **bare);

/* ---- DDL generation (ddl.c) ---- */
typedef struct orm__ddl {
	orm_dialect d;
	orm_conn *conn;         /* NULL for offline generation */
	int version;            /* server version: MariaDB 100702 style, PostgreSQL 150004, SQLite 3040001; 0 unknown (newest) */
	int is_mysql;           /* MySQL rather than MariaDB */
	int code;               /* first error */
	orm_buf msg;            /* its message */
	/* server detail of the first error, when it came from the server */
	int native_code;
	char sqlstate[6];
	char *err_table, *err_column, *err_constraint;
} orm__ddl;

void orm__ddl_init(orm__ddl *x, orm_dialect d, orm_conn *conn);
void orm__ddl_dispose(orm__ddl *x);
int orm__ddl_fail(orm__ddl *x, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);
/* quote an identifier part / dotted name into out */
int orm__ddl_ident(orm_buf *out, orm__ddl *x, const char *name);
int orm__ddl_qname(orm_buf *out, orm__ddl *x, const char *schema, const char *bare);
int orm__ddl_string_lit(orm_buf *out, orm__ddl *x, const char *s);
/* column type text for the dialect */
int orm__ddl_type(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c);
/* full column definition (name, type, null, default, collate, comment, inline checks) */
int orm__ddl_column(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c, const char *type_override);
int orm__ddl_default(orm_buf *out, orm__ddl *x, const orm_table *t, const orm_col *c);
int orm__ddl_create(orm_sql_list *out, orm__ddl *x, const orm_table *t, unsigned flags);
/* alter for PostgreSQL / MariaDB (conn may be NULL: then live-dependent changes fail) */
int orm__ddl_alter(orm_sql_list *out, orm__ddl *x, const orm_table *t);
int orm__ddl_fk_clause(orm_buf *out, orm__ddl *x, const char *name, const char *const *cols, size_t n,
		       const char *ref_table, const char *const *ref_cols, size_t nref,
		       orm_fk_action del, orm_fk_action upd, const char *table_schema);
int orm__ddl_index(orm_sql_list *out, orm__ddl *x, const orm_table *t, const char *name,
		   const char *const *cols, size_t n, int unique);

/* ---- SQLite alter (sqlite_rebuild.c) ---- */
/* Plan an alter on SQLite: native statements, or a rebuild. `in_tx`:
 * whether the caller holds a transaction. `*rebuild` is set when the plan
 * rebuilds the table. */
int orm__sqlite_alter_plan(orm_sql_list *out, orm__ddl *x, const orm_table *t, int *rebuild);
int orm__sqlite_alter_run(orm_conn *conn, orm__ddl *x, const orm_table *t);
/* PRAGMA foreign_key_check; *msg (new) describes the first violation, NULL when none */
int orm__sqlite_fk_check(orm_conn *conn, const char *schema, const char *table, char **msg);

/* ---- SQL tokenizer (sqlite_rebuild.c), also used by introspection ---- */
enum { ORM__TK_EOF = 0, ORM__TK_WORD, ORM__TK_QUOTED, ORM__TK_STRING, ORM__TK_NUMBER,
       ORM__TK_PUNCT, ORM__TK_COMMENT, ORM__TK_SPACE };
typedef struct orm__tok {
	int kind;
	const char *p;
	size_t len;
} orm__tok;
/* next token from *s (advances); whitespace and comments are returned as tokens */
orm__tok orm__sql_token(const char **s);
/* identifier text of a WORD / QUOTED token, unquoted (new string) */
char *orm__tok_ident(const orm__tok *t);
int orm__tok_is(const orm__tok *t, const char *word);

/* ---- SQLite CREATE TABLE model (sqlite_rebuild.c) ---- */
enum { ORM__SQ_PK = 1, ORM__SQ_NOTNULL, ORM__SQ_NULL, ORM__SQ_UNIQUE, ORM__SQ_CHECK, ORM__SQ_DEFAULT,
       ORM__SQ_COLLATE, ORM__SQ_REFERENCES, ORM__SQ_GENERATED, ORM__SQ_FOREIGN };
typedef struct orm__sq_clause {
	int kind;
	char *name;             /* CONSTRAINT name, or NULL */
	char *text;             /* whole clause text, CONSTRAINT prefix included */
	char *body;             /* text after the keyword(s): DEFAULT expr, COLLATE name, CHECK (...) inner, ... */
} orm__sq_clause;
typedef struct orm__sq_col {
	char *name;
	char *src;              /* column of the old table this one is copied from; NULL for a new column */
	char *type;             /* declared type text ("" if none) */
	orm__sq_clause *cl;
	size_t ncl;
	char *comment;          /* text of the last block comment, or NULL */
	char *orig;             /* the segment as written (used while unchanged) */
	int changed;
} orm__sq_col;
typedef struct orm__sq_cons {
	int kind;               /* ORM__SQ_PK, ORM__SQ_UNIQUE, ORM__SQ_CHECK, ORM__SQ_FOREIGN */
	char *name;             /* CONSTRAINT name or NULL */
	char **cols;            /* PK / UNIQUE / FOREIGN KEY columns */
	size_t ncols;
	char *ref_table;        /* FOREIGN KEY target */
	char **ref_cols;
	size_t nref;
	char *text;
	char *body;             /* CHECK: the expression inside the parentheses */
} orm__sq_cons;
typedef struct orm__sq_table {
	char *head_comment;     /* comments between the table name and "(" */
	char *suffix;           /* after ")" (WITHOUT ROWID, STRICT) */
	orm__sq_col *cols;
	size_t ncols;
	orm__sq_cons *cons;
	size_t ncons;
} orm__sq_table;
int orm__sq_parse(orm__sq_table **out, const char *create_sql);
void orm__sq_free(orm__sq_table *t);
/* the SQLite column clause of kind, or NULL */
const orm__sq_clause *orm__sq_clause_of(const orm__sq_col *c, int kind);
/* parse "( 'a', 'b' )" enum lists from a CHECK body `"col" IN ('a','b')`: returns count, fills *vals (new) */
int orm__sq_enum_values(const char *check_body, const char *col, char ***vals, size_t *n);

/* ---- introspection helpers (introspect.c) ---- */
struct orm_table_info_handle;
int orm__inspect_table(orm_table_info_handle **out, orm_conn *conn, const char *schema, const char *bare);
/* Current schema name (PostgreSQL current_schema(), MariaDB DATABASE(), SQLite "main"). New string. */
int orm__current_schema(char **out, orm_conn *conn);
/* server version of the connection (cached per call) */
int orm__server_version(orm_conn *conn, int *version, int *is_mysql);
/* run a query returning one text value (NULL when the row holds NULL); ORM_ENOTFOUND when no row */
int orm__query_text(orm_conn *conn, char **out, const char *sql, const orm_value *params, int n);
/* names of the tables and views of a schema, sorted (bytewise) */
int orm__list_tables(char ***out, size_t *n, orm_conn *conn, const char *schema);

#endif
