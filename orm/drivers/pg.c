/*
 * PostgreSQL driver on libpq.
 *
 * Connections: the orm_url is turned into libpq keyword/value arrays and
 * given to PQconnectdbParams() (nothing is pasted into a conninfo string,
 * so values need no quoting). Every URL option must be a libpq keyword.
 * After connecting the session is pinned to what the value forms need:
 * client_encoding UTF8, TimeZone UTC, DateStyle ISO, hex bytea output,
 * shortest-exact float output; notices are swallowed (the library never
 * prints).
 *
 * Statements: the server infers parameter types from context unless told;
 * we tell it for the values whose type matters (int -> int8, double ->
 * float8, bool -> bool, blob -> bytea sent in binary) and let it infer the
 * text-like ones (type 0). Since the types come from the bound values, a
 * statement with parameters is prepared at its first execute and prepared
 * again when a later execute binds values of other types (NULL fits any
 * type). A statement without parameters is prepared at once, so bad SQL
 * fails in orm_prepare(). Each statement has a per-connection name
 * "orm_s<N>", DEALLOCATEd on finalize (deferred while a transaction is
 * open or failed, so a DEALLOCATE can never abort the user's transaction).
 * Inside a transaction the Parse runs under a savepoint (pipelined, no
 * extra round trip), so a failed prepare leaves the transaction usable as
 * on SQLite and MariaDB. A parameter whose type the server cannot infer
 * (`? IS NULL`) is retried as text. An execute that finds its statement
 * gone (DISCARD ALL) or its plan stale after DDL is prepared again and
 * retried once, outside transactions only.
 *
 * Results come back in text format and are converted by column type OID
 * to the canonical value forms of orm/value.h.
 */
#include "orm/internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

/* Type OIDs (catalog/pg_type_d.h is not part of the client headers). */
#define PGOID_BOOL 16
#define PGOID_BYTEA 17
#define PGOID_CHAR 18
#define PGOID_NAME 19
#define PGOID_INT8 20
#define PGOID_INT2 21
#define PGOID_INT4 23
#define PGOID_TEXT 25
#define PGOID_OID 26
#define PGOID_JSON 114
#define PGOID_FLOAT4 700
#define PGOID_FLOAT8 701
#define PGOID_BPCHAR 1042
#define PGOID_VARCHAR 1043
#define PGOID_DATE 1082
#define PGOID_TIME 1083
#define PGOID_TIMESTAMP 1114
#define PGOID_TIMESTAMPTZ 1184
#define PGOID_NUMERIC 1700
#define PGOID_UUID 2950
#define PGOID_JSONB 3802

#define PG_MAX_PARAMS 65535

/* Session settings applied right after connecting. */
static const char pg_session_sql[] =
	"SET client_encoding TO 'UTF8';"
	"SET TimeZone TO 'UTC';"
	"SET DateStyle TO 'ISO, YMD';"
	"SET client_min_messages TO warning;"
	"SET extra_float_digits TO 3;"
	"SET bytea_output TO 'hex'";

typedef struct pg_conn_data {
	PGconn *pg;
	unsigned long seq;   /* statement name counter */
	char **zombies;      /* statement names still to DEALLOCATE */
	size_t nzombies, azombies;
	/* bumped by every statement that may change the schema: a prepared
	 * statement keeps the parameter and result types the server inferred,
	 * so one prepared before a DDL change is prepared again before use */
	unsigned long ddl_gen;
} pg_conn_data;

/* A decoded column value kept until the next fetch/reset. */
typedef struct pg_colbuf {
	char *p;
	size_t len, cap;
	int row;             /* row it was decoded for, -1 for none */
} pg_colbuf;

typedef struct pg_stmt_data {
	char *sql;
	int nparams;
	int prepared;
	unsigned long ddl_gen; /* pg_conn_data.ddl_gen when prepared */
	char name[32];
	Oid *ptypes;          /* types the statement was prepared with */
	Oid *wtypes;          /* types wanted by the current bindings */
	char *force_text;     /* 1 where the server could not infer a type: send text-like values as text */
	/* parameter scratch for PQexecPrepared */
	char *ptext;
	size_t ptext_cap;
	size_t *poff;         /* offset into ptext, (size_t)-1 for none */
	const char **pvalues;
	int *plengths, *pformats;
	/* results */
	PGresult *res;
	PGresult *desc;       /* PQdescribePrepared, for columns before execute */
	int row, nrows;
	int64_t changes;
	pg_colbuf *cols;
	int ncols_alloc;
	Oid *ftype;           /* the result's column types, for pg_column_store() */
	int ftype_cap;
	int ftype_ok;         /* ftype[] describes res (cleared with it) */
} pg_stmt_data;

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static void pg_notice_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static pg_conn_data *pg_cdata(const orm_conn *conn)
{
	return conn ? (pg_conn_data *)orm__sys_conn_data(conn) : NULL;
}

/* Length of s without trailing white space (libpq messages end in "\n"). */
static size_t pg_trimmed_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* Ensure a colbuf holds at least n bytes. */
static int pg_colbuf_reserve(pg_colbuf *b, size_t n)
{
	char *p;
	if (n <= b->cap)
		return 0;
	if (n < 64)
		n = 64;
	p = orm__realloc(b->p, n);
	if (!p)
		return ORM_ENOMEM;
	b->p = p;
	b->cap = n;
	return 0;
}

/* Position (1-based characters of UTF-8 text) -> 0-based byte offset. */
static int pg_position_to_offset(const char *sql, const char *pos)
{
	long chars, seen = 0;
	size_t i, len;
	char *end;

	if (!sql || !pos || !*pos)
		return -1;
	errno = 0;
	chars = strtol(pos, &end, 10);
	if (errno || *end || chars < 1)
		return -1;
	len = strlen(sql);
	for (i = 0; i < len; i++) {
		if (((unsigned char)sql[i] & 0xC0) != 0x80) {
			if (++seen == chars)
				return i > INT_MAX ? -1 : (int)i;
		}
	}
	return -1;
}

/*
 * From a DETAIL such as `Key (a, b)=(1, 2) already exists.` take "a, b"
 * into buf. @return 1 when found.
 */
static int pg_detail_columns(const char *detail, char *buf, size_t buflen)
{
	const char *start, *end;
	size_t n;

	if (!detail)
		return 0;
	start = strstr(detail, "Key (");
	if (!start)
		return 0;
	start += 5;
	end = strstr(start, ")=(");
	if (!end || end == start)
		return 0;
	n = (size_t)(end - start);
	if (n >= buflen)
		return 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return 1;
}

/*
 * The referencing columns ("a, b") of foreign key `constraint` on
 * schema.table, read from the catalog. Only possible outside a failed
 * transaction (the server refuses queries there): then the column stays
 * unknown rather than wrong. @return 1 when found.
 */
static int pg_fk_columns(PGconn *pg, const char *schema, const char *table,
			 const char *constraint, char *buf, size_t buflen)
{
	static const char sql[] =
		"SELECT string_agg(a.attname, ', ' ORDER BY array_position(c.conkey, a.attnum))"
		" FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid"
		" JOIN pg_namespace n ON n.oid = r.relnamespace"
		" JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
		" WHERE c.contype = 'f' AND c.conname = $1 AND r.relname = $2"
		" AND ($3::text IS NULL OR n.nspname = $3)";
	const char *params[3];
	PGresult *res;
	int ok = 0;

	if (!pg || !table || !constraint || PQstatus(pg) != CONNECTION_OK ||
	    PQtransactionStatus(pg) != PQTRANS_IDLE)
		return 0;
	params[0] = constraint;
	params[1] = table;
	params[2] = schema;
	res = PQexecParams(pg, sql, 3, NULL, params, NULL, NULL, 0);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0) && strlen(PQgetvalue(res, 0, 0)) < buflen) {
		strcpy(buf, PQgetvalue(res, 0, 0));
		ok = 1;
	}
	PQclear(res);
	return ok;
}

/*
 * Record an error for a failed result (res may be NULL when libpq could
 * not even produce one). `sql` is the text the position refers to.
 */
static int pg_report(orm_conn *conn, PGconn *pg, const PGresult *res, const char *sql,
		     const char *what)
{
	orm_sys_errinfo info;
	const char *sqlstate = NULL, *primary = NULL, *detail = NULL, *hint = NULL;
	const char *column = NULL;
	char colbuf[256];
	size_t plen;
	int lost = pg && PQstatus(pg) == CONNECTION_BAD;

	memset(&info, 0, sizeof(info));
	info.offset = -1;

	if (res) {
		sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		info.schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
		info.table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
		column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
		info.constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
		info.offset = pg_position_to_offset(sql, PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));
		if (!primary)
			primary = PQresultErrorMessage(res);
	}
	if (!primary || !*primary)
		primary = pg ? PQerrorMessage(pg) : NULL;
	if (!primary || !*primary)
		primary = "unknown PostgreSQL error";

	if (!column && sqlstate && strcmp(sqlstate, "23503") == 0 && detail &&
	    strstr(detail, "is still referenced from table")) {
		/* the DETAIL names the referenced (parent) key; the error is about
		 * the referencing columns of the constraint, as on MariaDB */
		if (pg_fk_columns(pg, info.schema, info.table, info.constraint, colbuf,
				  sizeof(colbuf)))
			column = colbuf;
	} else if (!column && sqlstate &&
		   (strcmp(sqlstate, "23505") == 0 || strcmp(sqlstate, "23503") == 0) &&
		   pg_detail_columns(detail, colbuf, sizeof(colbuf))) {
		column = colbuf;
	}
	info.column = column;
	info.sqlstate = sqlstate;
	info.native_code = 0;

	if (lost)
		info.code = ORM_ECONNLOST;
	else if (sqlstate && *sqlstate)
		info.code = orm_sys_sqlstate_code(sqlstate);
	else
		info.code = ORM_ERROR;
	if (info.code >= 0)
		info.code = ORM_ERROR;

	plen = pg_trimmed_len(primary);
	if (plen > INT_MAX)
		plen = INT_MAX;
	if (lost)
		return orm_sys_error(conn, &info, "%s: connection to the PostgreSQL server lost: %.*s",
				     what, (int)plen, primary);
	return orm_sys_error(conn, &info, "%.*s%s%s%s%s%s", (int)plen, primary,
			     detail ? ": " : "", detail ? detail : "",
			     hint ? " (hint: " : "", hint ? hint : "", hint ? ")" : "");
}

/* Is the result a success? */
static int pg_result_ok(const PGresult *res)
{
	if (!res)
		return 0;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
	case PGRES_SINGLE_TUPLE:
		return 1;
	default:
		return 0;
	}
}

/* Number of rows changed, from the command tag (0 for SELECT). */
/* An integer column's text of at most 18 digits (the server's form: an
 * optional '-' and digits, NUL-terminated), parsed without
 * orm__parse_int64()'s checks for blanks, '+' and overflow; -1 for
 * anything else (pg_value_of() reads it). */
static inline int pg_int_short(const char *v, int64_t *out)
{
	const char *p = v + (v[0] == '-');
	uint64_t acc = 0;
	int n = 0;

	for (; *p; p++, n++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d > 9 || n == 18)
			return -1;
		acc = acc * 10 + d;
	}
	if (n == 0)
		return -1;
	*out = v[0] == '-' ? -(int64_t)acc : (int64_t)acc;
	return 0;
}

static int64_t pg_changes(PGresult *res)
{
	const char *tag = PQcmdStatus(res), *n;
	int64_t v;
	if (!tag || strncmp(tag, "SELECT", 6) == 0)
		return 0;
	n = PQcmdTuples(res);
	if (!n || !*n)
		return 0;
	if (pg_int_short(n, &v) == 0)
		return v;
	return (int64_t)strtoll(n, NULL, 10);
}

/* ------------------------------------------------------------------ */
/* deferred DEALLOCATE                                                  */

/* Run the pending DEALLOCATEs when no transaction is open. */
static void pg_flush_zombies(pg_conn_data *d)
{
	orm_buf sql = ORM_BUF_INIT;
	PGresult *res;
	size_t i;

	if (!d->nzombies || PQstatus(d->pg) != CONNECTION_OK ||
	    PQtransactionStatus(d->pg) != PQTRANS_IDLE)
		return;
	for (i = 0; i < d->nzombies; i++)
		if (orm_buf_printf(&sql, "%sDEALLOCATE %s", i ? ";" : "", d->zombies[i]) < 0)
			goto out;
	res = PQexec(d->pg, sql.ptr);
	PQclear(res);
out:
	for (i = 0; i < d->nzombies; i++)
		orm__free(d->zombies[i]);
	d->nzombies = 0;
	orm_buf_dispose(&sql);
}

/*
 * Drop a prepared statement on the server: now when no transaction is
 * open, later otherwise (a failing DEALLOCATE would abort the user's
 * transaction, and one in a failed transaction cannot run).
 */
static void pg_deallocate(pg_conn_data *d, const char *name)
{
	PGresult *res;
	char sql[64];

	if (!d || !d->pg || PQstatus(d->pg) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(d->pg) == PQTRANS_IDLE) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
		res = PQexec(d->pg, sql);
		PQclear(res);
		return;
	}
	if (d->nzombies == d->azombies) {
		size_t na = d->azombies ? d->azombies * 2 : 8;
		char **z = orm__realloc(d->zombies, na * sizeof(*z));
		if (!z)
			return; /* the statement lives on until the session ends */
		d->zombies = z;
		d->azombies = na;
	}
	d->zombies[d->nzombies] = orm__strdup(name);
	if (d->zombies[d->nzombies])
		d->nzombies++;
}

/* ------------------------------------------------------------------ */
/* connection                                                           */

/* Replace every occurrence of `secret` in msg by "***" into out. */
static int pg_scrub(orm_buf *out, const char *msg, size_t len, const char *secret)
{
	size_t slen = secret ? strlen(secret) : 0, i = 0;
	int rc = 0;

	if (slen < 3) /* scrubbing a one- or two-letter word would garble the message */
		slen = 0;

	while (i < len && rc == 0) {
		if (slen && i + slen <= len && memcmp(msg + i, secret, slen) == 0) {
			rc = orm_buf_puts(out, "***");
			i += slen;
		} else {
			rc = orm_buf_put(out, msg + i, 1);
			i++;
		}
	}
	if (rc == 0 && !out->ptr)
		rc = orm_buf_puts(out, "");
	return rc;
}

static int pg_connect_error(orm_conn *conn, const orm_url *url, const char *optpw, PGconn *pg)
{
	orm_sys_errinfo info;
	orm_buf a = ORM_BUF_INIT, b = ORM_BUF_INIT;
	const char *msg = pg ? PQerrorMessage(pg) : "";
	char where[300] = "";
	int rc;

	memset(&info, 0, sizeof(info));
	info.code = ORM_ECONNECT;
	info.offset = -1;
	if (url->host && url->host[0] && url->port > 0)
		snprintf(where, sizeof(where), " at %s:%d", url->host, url->port);
	else if (url->host && url->host[0])
		snprintf(where, sizeof(where), " at %s", url->host);
	/* libpq does not echo passwords, but make sure */
	if (pg_scrub(&a, msg, pg_trimmed_len(msg), url->password) < 0 ||
	    pg_scrub(&b, a.ptr, a.size, optpw) < 0)
		rc = orm_sys_error(conn, &info, "could not connect to PostgreSQL%s", where);
	else
		rc = orm_sys_error(conn, &info, "could not connect to PostgreSQL%s: %s", where, b.ptr);
	orm_buf_dispose(&a);
	orm_buf_dispose(&b);
	return rc;
}

/* Is `key` a libpq connection keyword? */
static int pg_known_keyword(const PQconninfoOption *defs, const char *key)
{
	const PQconninfoOption *o;
	for (o = defs; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return 1;
	return 0;
}

static int pg_open(orm_conn *conn, const orm_url *url)
{
	pg_conn_data *d = NULL;
	PQconninfoOption *defs = NULL;
	const char **keys = NULL, **vals = NULL;
	const char *optpw = NULL;
	char port[16];
	PGconn *pg = NULL;
	PGresult *res = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (!conn || !url)
		return ORM_EINVAL;

	defs = PQconndefaults();
	if (!defs)
		return orm__err(conn, ORM_ENOMEM, "out of memory reading libpq connection defaults");
	for (i = 0; i < url->nopts; i++) {
		if (!pg_known_keyword(defs, url->opt_keys[i])) {
			rc = orm__err(conn, ORM_EURL,
				      "invalid connection option \"%s\" in PostgreSQL URL (not a libpq keyword)",
				      url->opt_keys[i]);
			goto out;
		}
		if (strcmp(url->opt_keys[i], "password") == 0)
			optpw = url->opt_values[i];
	}

	keys = orm__calloc(url->nopts + 8, sizeof(*keys));
	vals = orm__calloc(url->nopts + 8, sizeof(*vals));
	if (!keys || !vals) {
		rc = orm__err(conn, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if (url->host && url->host[0]) {
		keys[n] = "host";
		vals[n++] = url->host;
	}
	if (url->port > 0) {
		snprintf(port, sizeof(port), "%d", url->port);
		keys[n] = "port";
		vals[n++] = port;
	}
	if (url->user && url->user[0]) {
		keys[n] = "user";
		vals[n++] = url->user;
	}
	if (url->password && url->password[0]) {
		keys[n] = "password";
		vals[n++] = url->password;
	}
	if (url->database && url->database[0]) {
		keys[n] = "dbname";
		vals[n++] = url->database;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = "liborm";
	/* options come last: libpq lets later keywords override earlier ones */
	for (i = 0; i < url->nopts; i++) {
		keys[n] = url->opt_keys[i];
		vals[n++] = url->opt_values[i];
	}
	keys[n] = NULL;
	vals[n] = NULL;

	pg = PQconnectdbParams(keys, vals, 0);
	if (!pg) {
		rc = orm__err(conn, ORM_ENOMEM, "out of memory connecting to PostgreSQL");
		goto out;
	}
	PQsetNoticeProcessor(pg, pg_notice_quiet, NULL);
	if (PQstatus(pg) != CONNECTION_OK) {
		rc = pg_connect_error(conn, url, optpw, pg);
		goto out;
	}

	res = PQexec(pg, pg_session_sql);
	if (!pg_result_ok(res)) {
		orm_sys_errinfo info;
		const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
		memset(&info, 0, sizeof(info));
		info.code = ORM_ECONNECT;
		info.offset = -1;
		rc = orm_sys_error(conn, &info, "PostgreSQL session setup failed: %.*s",
				   (int)pg_trimmed_len(m), m);
		goto out;
	}

	d = orm__calloc(1, sizeof(*d));
	if (!d) {
		rc = orm__err(conn, ORM_ENOMEM, "out of memory");
		goto out;
	}
	d->pg = pg;
	pg = NULL;
	orm_sys_conn_set_data(conn, d);
out:
	PQclear(res);
	if (pg)
		PQfinish(pg);
	PQconninfoFree(defs);
	orm__free(keys);
	orm__free(vals);
	return rc;
}

static void pg_close(orm_conn *conn)
{
	pg_conn_data *d = pg_cdata(conn);
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nzombies; i++)
		orm__free(d->zombies[i]);
	orm__free(d->zombies);
	if (d->pg)
		PQfinish(d->pg);
	orm__free(d);
	orm_sys_conn_set_data(conn, NULL);
}

static int pg_no_conn(orm_conn *conn)
{
	return orm__err(conn, ORM_EMISUSE, "PostgreSQL connection is not open");
}

/* Consume a COPY that an exec'd statement started; we move no COPY data here. */
static int pg_finish_copy(orm_conn *conn, PGconn *pg, PGresult *res, const char *sql)
{
	PGresult *r;
	int rc = 0;
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COPY_IN) {
		PQputCopyEnd(pg, "COPY FROM STDIN is not supported by orm_exec");
		rc = orm__err(conn, ORM_EUNSUPPORTED,
			      "COPY FROM STDIN cannot run through orm_exec (no data source)");
	} else if (st == PGRES_COPY_OUT) {
		char *buf;
		while (PQgetCopyData(pg, &buf, 0) > 0)
			PQfreemem(buf);
	} else {
		rc = orm__err(conn, ORM_EUNSUPPORTED, "COPY BOTH is not supported");
	}
	while ((r = PQgetResult(pg)) != NULL) {
		if (rc == 0 && !pg_result_ok(r))
			rc = pg_report(conn, pg, r, sql, "exec");
		PQclear(r);
	}
	if (rc == 0 && PQstatus(pg) == CONNECTION_BAD)
		rc = pg_report(conn, pg, NULL, sql, "exec");
	return rc;
}

/* Whether SQL text may change the schema (cheap and generous: a false
 * positive only costs one more prepare of the cached statements). */
static int pg_may_change_schema(const char *sql)
{
	static const char *const words[] = { "create", "drop", "alter", "rename", "comment" };
	const char *p;
	size_t i, n;

	for (p = sql; *p; p++) {
		if (p != sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			n = strlen(words[i]);
			if (strncasecmp(p, words[i], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
				return 1;
		}
	}
	return 0;
}

static int pg_exec(orm_conn *conn, const char *sql)
{
	pg_conn_data *d = pg_cdata(conn);
	PGresult *res;
	ExecStatusType st;
	int rc = 0;

	if (!d || !d->pg)
		return pg_no_conn(conn);
	if (!sql)
		return orm__err(conn, ORM_EINVAL, "orm_exec: SQL is NULL");
	pg_flush_zombies(d);
	if (pg_may_change_schema(sql))
		d->ddl_gen++;
	res = PQexec(d->pg, sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
		rc = pg_finish_copy(conn, d->pg, res, sql);
	else if (!pg_result_ok(res))
		rc = pg_report(conn, d->pg, res, sql, "exec");
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* statements                                                           */

static void pg_stmt_free_data(pg_stmt_data *s)
{
	int i;

	if (!s)
		return;
	PQclear(s->res);
	PQclear(s->desc);
	for (i = 0; i < s->ncols_alloc; i++)
		orm__free(s->cols[i].p);
	orm__free(s->cols);
	orm__free(s->ftype);
	orm__free(s->sql);
	orm__free(s->ptypes);
	orm__free(s->wtypes);
	orm__free(s->force_text);
	orm__free(s->ptext);
	orm__free(s->poff);
	orm__free(s->pvalues);
	orm__free(s->plengths);
	orm__free(s->pformats);
	orm__free(s);
}

/* The type OID a bound value is sent as; 0 lets the server infer it. */
static Oid pg_value_oid(const orm_value *v)
{
	switch (v->type) {
	case ORM_TYPE_BOOL: return PGOID_BOOL;
	case ORM_TYPE_INT: return PGOID_INT8;
	case ORM_TYPE_DOUBLE: return PGOID_FLOAT8;
	case ORM_TYPE_BLOB: return PGOID_BYTEA;
	default: return 0;
	}
}

/*
 * The type parameter i is sent as: the value's own type; text for
 * text-like values where the server could not infer one (force_text);
 * for NULL, whatever the statement was prepared with (NULL fits any
 * type), else unknown.
 */
static Oid pg_want_oid(const pg_stmt_data *s, int i, const orm_value *v)
{
	Oid oid;

	if (v->type == ORM_TYPE_NULL)
		return s->prepared ? s->ptypes[i] : (s->force_text[i] ? PGOID_TEXT : 0);
	oid = pg_value_oid(v);
	return oid == 0 && s->force_text[i] ? PGOID_TEXT : oid;
}

/*
 * PQprepare, but inside an open transaction under a savepoint, so that a
 * statement the server cannot prepare does not abort the user's
 * transaction (as on SQLite and MariaDB, a failed prepare changes
 * nothing). The savepoint, the Parse and the release travel in one
 * pipeline: still one round trip.
 */
static PGresult *pg_prepare_guarded(PGconn *pg, const char *name, const char *sql, int n,
				    const Oid *types)
{
#ifdef LIBPQ_HAS_PIPELINING
	PGresult *r, *prep = NULL, *err = NULL;
	int query = 0, synced = 0, spins = 0;

	if (PQtransactionStatus(pg) != PQTRANS_INTRANS || !PQenterPipelineMode(pg))
		return PQprepare(pg, name, sql, n, types);
	if (!PQsendQueryParams(pg, "SAVEPOINT orm__prepare", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsendPrepare(pg, name, sql, n, types) ||
	    !PQsendQueryParams(pg, "RELEASE SAVEPOINT orm__prepare", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQpipelineSync(pg)) {
		/* nothing or part sent: drain what there is and give up */
		while (spins++ < 16 && (r = PQgetResult(pg)) != NULL)
			PQclear(r);
		PQexitPipelineMode(pg);
		return NULL;
	}
	while (!synced) {
		r = PQgetResult(pg);
		if (!r) {
			/* end of one query's results */
			if (++query > 3 || PQstatus(pg) == CONNECTION_BAD)
				break;
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			synced = 1;
			PQclear(r);
			break;
		case PGRES_PIPELINE_ABORTED:
			PQclear(r);
			break;
		default:
			if (!pg_result_ok(r) && !err)
				err = r;
			else if (query == 1 && !prep)
				prep = r;
			else
				PQclear(r);
			break;
		}
	}
	PQexitPipelineMode(pg);
	if (err) {
		PQclear(prep);
		if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_INERROR) {
			r = PQexec(pg, "ROLLBACK TO SAVEPOINT orm__prepare;RELEASE SAVEPOINT orm__prepare");
			PQclear(r);
		}
		return err;
	}
	return prep;
#else
	return PQprepare(pg, name, sql, n, types);
#endif
}

/*
 * The parameter (0-based) a 42P18 "could not determine data type of
 * parameter $N" (or 42P08) names, if it is one still sent as unknown; else the first
 * unknown one; -1 when none is left to fix.
 */
static int pg_indeterminate_param(const PGresult *res, const Oid *types, int n)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *d = msg ? strchr(msg, '$') : NULL;
	long k;
	int i;

	if (d) {
		k = strtol(d + 1, NULL, 10);
		if (k >= 1 && k <= n && types[k - 1] == 0)
			return (int)k - 1;
	}
	for (i = 0; i < n; i++)
		if (types[i] == 0)
			return i;
	return -1;
}

/*
 * Prepare (or prepare again) under a fresh name with the given types
 * (s->nparams of them, updated in place). A parameter whose type the
 * server cannot infer from the SQL (`? IS NULL`) is retried as text and
 * remembered in force_text (42P18 indeterminate_datatype, and 42P08
 * "inconsistent types deduced" when it appears twice).
 */
static int pg_do_prepare(orm_conn *conn, pg_conn_data *d, pg_stmt_data *s, Oid *types)
{
	PGresult *res;
	const char *state;
	int rc = 0, k;

	if (s->prepared) {
		pg_deallocate(d, s->name);
		s->prepared = 0;
	}
	PQclear(s->desc);
	s->desc = NULL;
	pg_flush_zombies(d);
	for (;;) {
		snprintf(s->name, sizeof(s->name), "orm_s%lu", ++d->seq);
		res = pg_prepare_guarded(d->pg, s->name, s->sql, s->nparams, s->nparams ? types : NULL);
		if (pg_result_ok(res))
			break;
		state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (s->nparams && state &&
		    (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0) &&
		    PQstatus(d->pg) == CONNECTION_OK &&
		    PQtransactionStatus(d->pg) != PQTRANS_INERROR &&
		    (k = pg_indeterminate_param(res, types, s->nparams)) >= 0) {
			s->force_text[k] = 1;
			types[k] = PGOID_TEXT;
			PQclear(res);
			continue;
		}
		rc = pg_report(conn, d->pg, res, s->sql, "prepare");
		PQclear(res);
		return rc;
	}
	if (s->nparams)
		memcpy(s->ptypes, types, (size_t)s->nparams * sizeof(Oid));
	s->prepared = 1;
	s->ddl_gen = d->ddl_gen;
	PQclear(res);
	return rc;
}

static int pg_prepare(orm_conn *conn, orm_stmt *stmt, const char *sql, int nparams)
{
	pg_conn_data *d = pg_cdata(conn);
	pg_stmt_data *s;
	size_t n;
	int rc;

	if (!d || !d->pg)
		return pg_no_conn(conn);
	if (!sql || nparams < 0)
		return orm__err(conn, ORM_EINVAL, "prepare: invalid arguments");
	if (nparams > PG_MAX_PARAMS)
		return orm__err(conn, ORM_EINVAL,
				"statement has %d parameters; PostgreSQL allows at most %d",
				nparams, PG_MAX_PARAMS);
	s = orm__calloc(1, sizeof(*s));
	if (!s)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	s->nparams = nparams;
	s->row = -1;
	s->sql = orm__strdup(sql);
	if (!s->sql)
		goto oom;
	n = nparams ? (size_t)nparams : 1;
	s->ptypes = orm__calloc(n, sizeof(Oid));
	s->wtypes = orm__calloc(n, sizeof(Oid));
	s->force_text = orm__calloc(n, 1);
	s->poff = orm__calloc(n, sizeof(size_t));
	s->pvalues = orm__calloc(n, sizeof(char *));
	s->plengths = orm__calloc(n, sizeof(int));
	s->pformats = orm__calloc(n, sizeof(int));
	if (!s->ptypes || !s->wtypes || !s->force_text || !s->poff || !s->pvalues || !s->plengths || !s->pformats)
		goto oom;
	if (nparams == 0) {
		rc = pg_do_prepare(conn, d, s, NULL);
		if (rc < 0) {
			pg_stmt_free_data(s);
			return rc;
		}
	}
	orm_sys_stmt_set_data(stmt, s);
	return 0;
oom:
	pg_stmt_free_data(s);
	return orm__err(conn, ORM_ENOMEM, "out of memory");
}

/* Locale-independent strtod of a NUL-terminated number. */
static double pg_strtod(const char *s, size_t len)
{
	char buf[128];
	const struct lconv *lc = localeconv();
	char dp = (lc && lc->decimal_point && lc->decimal_point[0]) ? lc->decimal_point[0] : '.';
	size_t i;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (dp != '.')
		for (i = 0; i < len; i++)
			if (buf[i] == '.')
				buf[i] = dp;
	return strtod(buf, NULL);
}

/* Shortest text that reads back as exactly v (PostgreSQL float8 input syntax). */
static void pg_format_double(char *buf, size_t n, double v)
{
	int p;
	size_t i;

	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (p = 15; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		for (i = 0; buf[i]; i++) /* undo a locale's decimal comma */
			if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == '+' ||
			      buf[i] == 'e' || buf[i] == 'E'))
				buf[i] = '.';
		if (pg_strtod(buf, strlen(buf)) == v)
			break;
	}
}

/*
 * Turn the bound values into libpq's arrays: text for everything but
 * blobs (binary), wanted type OIDs in s->wtypes.
 */
static int pg_build_params(orm_conn *conn, pg_stmt_data *s, const orm_value *params, int n)
{
	size_t need = 0, off = 0;
	int i;
	char num[40];

	for (i = 0; i < n; i++) {
		const orm_value *v = &params[i];
		switch (v->type) {
		case ORM_TYPE_NULL:
		case ORM_TYPE_BLOB:
			break;
		case ORM_TYPE_BOOL:
			need += 2;
			break;
		case ORM_TYPE_INT:
		case ORM_TYPE_DOUBLE:
			need += sizeof(num);
			break;
		default:
			if (v->u.s.len && memchr(v->u.s.ptr, '\0', v->u.s.len))
				return orm__err(conn, ORM_ETYPE,
						"parameter %d: %s value contains a NUL byte, which PostgreSQL text cannot hold",
						i + 1, orm_type_name(v->type));
			need += v->u.s.len + 1;
			break;
		}
	}
	if (need > s->ptext_cap) {
		char *p = orm__realloc(s->ptext, need);
		if (!p)
			return orm__err(conn, ORM_ENOMEM, "out of memory binding parameters");
		s->ptext = p;
		s->ptext_cap = need;
	}
	for (i = 0; i < n; i++) {
		const orm_value *v = &params[i];
		size_t len;

		s->poff[i] = (size_t)-1;
		s->plengths[i] = 0;
		s->pformats[i] = 0;
		s->wtypes[i] = pg_want_oid(s, i, v);
		switch (v->type) {
		case ORM_TYPE_NULL:
			s->pvalues[i] = NULL;
			continue;
		case ORM_TYPE_BLOB:
			if (v->u.s.len > INT_MAX)
				return orm__err(conn, ORM_ETYPE, "parameter %d: blob larger than 2 GB", i + 1);
			s->pvalues[i] = v->u.s.ptr ? v->u.s.ptr : "";
			s->plengths[i] = (int)v->u.s.len;
			s->pformats[i] = 1;
			continue;
		case ORM_TYPE_BOOL:
			strcpy(num, v->u.b ? "t" : "f");
			break;
		case ORM_TYPE_INT:
			len = orm__fmt_int64(s->ptext + off, v->u.i);
			s->poff[i] = off;
			off += len + 1;
			continue;
		case ORM_TYPE_DOUBLE:
			pg_format_double(num, sizeof(num), v->u.d);
			break;
		default:
			len = v->u.s.len;
			if (len)
				memcpy(s->ptext + off, v->u.s.ptr, len);
			s->ptext[off + len] = '\0';
			s->poff[i] = off;
			off += len + 1;
			continue;
		}
		len = strlen(num);
		memcpy(s->ptext + off, num, len + 1);
		s->poff[i] = off;
		off += len + 1;
	}
	for (i = 0; i < n; i++)
		if (s->poff[i] != (size_t)-1)
			s->pvalues[i] = s->ptext + s->poff[i];
	return 0;
}

/* Do the bound types (s->wtypes, from pg_build_params) fit the prepared
 * statement? (NULL fits anything.) Not after a schema change on this
 * connection (see ddl_gen). */
static int pg_types_fit(const pg_conn_data *d, const pg_stmt_data *s, const orm_value *params,
			int n)
{
	int i;
	if (!s->prepared || s->ddl_gen != d->ddl_gen)
		return 0;
	for (i = 0; i < n; i++)
		if (params[i].type != ORM_TYPE_NULL && s->ptypes[i] != s->wtypes[i])
			return 0;
	return 1;
}

static void pg_stmt_clear_result(pg_stmt_data *s)
{
	int i;
	PQclear(s->res);
	s->res = NULL;
	s->ftype_ok = 0;
	s->row = -1;
	s->nrows = 0;
	s->changes = 0;
	for (i = 0; i < s->ncols_alloc; i++)
		s->cols[i].row = -1;
}

/* Errors after which preparing again and retrying once is right. */
static int pg_retryable(PGconn *pg, const PGresult *res)
{
	const char *state, *msg;

	if (!res || PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE)
		return 0;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return 0;
	if (strcmp(state, "26000") == 0) /* statement gone (DISCARD ALL, DEALLOCATE ALL) */
		return 1;
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	return strcmp(state, "0A000") == 0 && msg &&
	       strstr(msg, "cached plan must not change result type") != NULL;
}

static int pg_execute(orm_stmt *stmt)
{
	orm_conn *conn = orm__sys_stmt_conn(stmt);
	pg_conn_data *d = pg_cdata(conn);
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	const orm_value *params;
	PGresult *res = NULL;
	int n = 0, rc, attempt;

	if (!d || !d->pg)
		return pg_no_conn(conn);
	if (!s)
		return orm__err(conn, ORM_EMISUSE, "statement was not prepared");
	pg_stmt_clear_result(s);
	params = orm__sys_stmt_params(stmt, &n);
	if (n != s->nparams || (n && !params))
		return orm__err(conn, ORM_EINVAL, "statement expects %d parameters, %d bound",
				s->nparams, n);
	rc = pg_build_params(conn, s, params, n);
	if (rc < 0)
		return rc;

	for (attempt = 0; attempt < 2; attempt++) {
		if (!pg_types_fit(d, s, params, n)) {
			rc = pg_do_prepare(conn, d, s, s->wtypes);
			if (rc < 0)
				return rc;
		}
		res = PQexecPrepared(d->pg, s->name, n, n ? s->pvalues : NULL,
				     n ? s->plengths : NULL, n ? s->pformats : NULL, 0);
		if (pg_result_ok(res) || attempt > 0 || !pg_retryable(d->pg, res))
			break;
		/* the server lost the statement or its plan: prepare it again */
		if (strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "26000") != 0)
			pg_deallocate(d, s->name); /* (26000: nothing left to DEALLOCATE) */
		s->prepared = 0;
		PQclear(res);
		res = NULL;
	}
	if (!pg_result_ok(res)) {
		rc = pg_report(conn, d->pg, res, s->sql, "execute");
		PQclear(res);
		return rc;
	}
	s->res = res;
	if (PQresultStatus(res) == PGRES_COMMAND_OK && pg_may_change_schema(PQcmdStatus(res)))
		d->ddl_gen++;
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		s->nrows = PQntuples(res);
	s->changes = pg_changes(res);
	return 0;
}

static int pg_fetch(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);

	if (!s)
		return orm__err(orm__sys_stmt_conn(stmt), ORM_EMISUSE, "statement was not prepared");
	if (!s->res || PQresultStatus(s->res) != PGRES_TUPLES_OK)
		return ORM_DONE;
	if (s->row < s->nrows)
		s->row++;
	return s->row < s->nrows ? ORM_ROW : ORM_DONE;
}

/*
 * The result that describes the columns: the last execute's, or before
 * any execute, a description of the prepared statement (preparing it
 * with the types bound so far when needed).
 */
static const PGresult *pg_column_source(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	orm_conn *conn;
	pg_conn_data *d;
	const orm_value *params;
	int n = 0, i;

	if (!s)
		return NULL;
	if (s->res)
		return s->res; /* a running statement: asked for every row read */
	conn = orm__sys_stmt_conn(stmt);
	d = pg_cdata(conn);
	if (!d || !d->pg)
		return s->desc;
	if (s->desc && s->ddl_gen == d->ddl_gen)
		return s->desc;
	if (!s->prepared || s->ddl_gen != d->ddl_gen) {
		params = orm__sys_stmt_params(stmt, &n);
		for (i = 0; i < s->nparams; i++)
			s->wtypes[i] = (params && i < n) ? pg_want_oid(s, i, &params[i])
							 : (s->force_text[i] ? PGOID_TEXT : 0);
		if (pg_do_prepare(conn, d, s, s->wtypes) < 0)
			return NULL;
	}
	s->desc = PQdescribePrepared(d->pg, s->name);
	if (!pg_result_ok(s->desc)) {
		pg_report(conn, d->pg, s->desc, s->sql, "describe");
		PQclear(s->desc);
		s->desc = NULL;
	}
	return s->desc;
}

static int pg_column_count(orm_stmt *stmt)
{
	const PGresult *r = pg_column_source(stmt);
	return r ? PQnfields(r) : 0;
}

static const char *pg_column_name(orm_stmt *stmt, int col)
{
	const PGresult *r = pg_column_source(stmt);
	if (!r || col < 0 || col >= PQnfields(r))
		return NULL;
	return PQfname(r, col);
}

static int pg_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode bytea text output ("\x..." hex, or the old escape format) into b. */
static int pg_decode_bytea(pg_colbuf *b, const char *v, size_t len)
{
	size_t i, n = 0;

	if (len >= 2 && v[0] == '\\' && v[1] == 'x') {
		if (pg_colbuf_reserve(b, (len - 2) / 2 + 1) < 0)
			return ORM_ENOMEM;
		for (i = 2; i + 1 < len; i += 2) {
			int hi = pg_hexval((unsigned char)v[i]), lo = pg_hexval((unsigned char)v[i + 1]);
			if (hi < 0 || lo < 0)
				return ORM_ETYPE;
			b->p[n++] = (char)(hi << 4 | lo);
		}
	} else {
		size_t un = 0;
		unsigned char *u = PQunescapeBytea((const unsigned char *)v, &un);
		if (!u)
			return ORM_ENOMEM;
		if (pg_colbuf_reserve(b, un + 1) < 0) {
			PQfreemem(u);
			return ORM_ENOMEM;
		}
		memcpy(b->p, u, un);
		n = un;
		PQfreemem(u);
	}
	b->p[n] = '\0';
	b->len = n;
	return 0;
}

/* Read exactly `n` digits at *p. */
static int pg_digits(const char **p, const char *end, int n, int *out)
{
	int v = 0, i;
	for (i = 0; i < n; i++) {
		if (*p >= end || (*p)[0] < '0' || (*p)[0] > '9')
			return -1;
		v = v * 10 + ((*p)[0] - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

/*
 * timestamptz text "YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM[:SS]]" -> UTC
 * "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00". Anything else (infinity, BC
 * dates) is copied as is. @return 0 or ORM_ENOMEM.
 */
static int pg_normalize_tstz(pg_colbuf *b, const char *v, size_t len)
{
	const char *p = v, *end = v + len, *frac = NULL;
	size_t fraclen = 0;
	int64_t year = 0, days, secs;
	int mon, day, hh, mi, ss, oh = 0, om = 0, os = 0, sign, ny = 0;
	int n;

	while (p < end && *p >= '0' && *p <= '9' && ny < 9) {
		year = year * 10 + (*p - '0');
		p++;
		ny++;
	}
	if (ny < 4 || p >= end || *p++ != '-' || pg_digits(&p, end, 2, &mon) < 0 ||
	    p >= end || *p++ != '-' || pg_digits(&p, end, 2, &day) < 0 ||
	    p >= end || *p++ != ' ' || pg_digits(&p, end, 2, &hh) < 0 ||
	    p >= end || *p++ != ':' || pg_digits(&p, end, 2, &mi) < 0 ||
	    p >= end || *p++ != ':' || pg_digits(&p, end, 2, &ss) < 0)
		goto raw;
	if (p < end && *p == '.') {
		frac = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		fraclen = (size_t)(p - frac);
		if (!fraclen)
			goto raw;
	}
	if (p >= end || (*p != '+' && *p != '-'))
		goto raw;
	sign = *p++ == '-' ? -1 : 1;
	if (pg_digits(&p, end, 2, &oh) < 0)
		goto raw;
	if (p < end && *p == ':') {
		p++;
		if (pg_digits(&p, end, 2, &om) < 0)
			goto raw;
		if (p < end && *p == ':') {
			p++;
			if (pg_digits(&p, end, 2, &os) < 0)
				goto raw;
		}
	}
	if (p != end)
		goto raw;

	secs = (int64_t)hh * 3600 + mi * 60 + ss - sign * ((int64_t)oh * 3600 + om * 60 + os);
	days = orm__days_from_civil(year, mon, day);
	days += secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	secs -= (secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400)) * 86400;
	orm__civil_from_days(days, &year, &mon, &day);
	hh = (int)(secs / 3600);
	mi = (int)(secs % 3600 / 60);
	ss = (int)(secs % 60);
	if (pg_colbuf_reserve(b, 40 + fraclen) < 0)
		return ORM_ENOMEM;
	n = snprintf(b->p, b->cap, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)year, mon, day,
		     hh, mi, ss);
	if (n < 0)
		goto raw;
	b->len = (size_t)n;
	if (fraclen) {
		b->p[b->len++] = '.';
		memcpy(b->p + b->len, frac, fraclen);
		b->len += fraclen;
	}
	memcpy(b->p + b->len, "+00:00", 7);
	b->len += 6;
	return 0;
raw:
	if (pg_colbuf_reserve(b, len + 1) < 0)
		return ORM_ENOMEM;
	memcpy(b->p, v, len);
	b->p[len] = '\0';
	b->len = len;
	return 0;
}

/* The per-column buffer of the current row, growing the array as needed. */
static pg_colbuf *pg_colbuf_get(pg_stmt_data *s, int col)
{
	if (col >= s->ncols_alloc) {
		int i, n = col + 1 > 8 ? col + 1 : 8;
		pg_colbuf *c = orm__realloc(s->cols, (size_t)n * sizeof(*c));
		if (!c)
			return NULL;
		for (i = s->ncols_alloc; i < n; i++) {
			c[i].p = NULL;
			c[i].len = c[i].cap = 0;
			c[i].row = -1;
		}
		s->cols = c;
		s->ncols_alloc = n;
	}
	return &s->cols[col];
}


/*
 * The value of column col of the current row, which is in range and not
 * NULL: v and len are its text, converted by the column's type.
 */
static int pg_value_of(orm_conn *conn, pg_stmt_data *s, int col, const char *v, size_t len,
		       orm_value *out)
{
	pg_colbuf *b;
	int rc;

	switch (PQftype(s->res, col)) {
	case PGOID_BOOL:
		out->type = ORM_TYPE_BOOL;
		out->u.b = v[0] == 't';
		return 0;
	case PGOID_INT2:
	case PGOID_INT4:
	case PGOID_INT8:
	case PGOID_OID:
		out->type = ORM_TYPE_INT;
		/* the server's integer text: a plain digit loop, no locale */
		if (pg_int_short(v, &out->u.i) < 0 && orm__parse_int64(v, len, &out->u.i) < 0)
			out->u.i = (int64_t)strtoll(v, NULL, 10);
		return 0;
	case PGOID_FLOAT4:
	case PGOID_FLOAT8:
		out->type = ORM_TYPE_DOUBLE;
		out->u.d = pg_strtod(v, len);
		return 0;
	case PGOID_BYTEA:
		b = pg_colbuf_get(s, col);
		if (!b)
			return orm__err(conn, ORM_ENOMEM, "out of memory");
		if (b->row != s->row) {
			rc = pg_decode_bytea(b, v, len);
			if (rc == ORM_ENOMEM)
				return orm__err(conn, rc, "out of memory decoding bytea");
			if (rc < 0)
				return orm__err(conn, rc, "column %d: malformed bytea text", col);
			b->row = s->row;
		}
		out->type = ORM_TYPE_BLOB;
		out->u.s.ptr = b->p;
		out->u.s.len = b->len;
		return 0;
	case PGOID_TIMESTAMPTZ:
		b = pg_colbuf_get(s, col);
		if (!b)
			return orm__err(conn, ORM_ENOMEM, "out of memory");
		if (b->row != s->row) {
			if (pg_normalize_tstz(b, v, len) < 0)
				return orm__err(conn, ORM_ENOMEM, "out of memory");
			b->row = s->row;
		}
		out->type = ORM_TYPE_TIMESTAMPTZ;
		out->u.s.ptr = b->p;
		out->u.s.len = b->len;
		return 0;
	case PGOID_NUMERIC: out->type = ORM_TYPE_DECIMAL; break;
	case PGOID_DATE: out->type = ORM_TYPE_DATE; break;
	case PGOID_TIME: out->type = ORM_TYPE_TIME; break;
	case PGOID_TIMESTAMP: out->type = ORM_TYPE_TIMESTAMP; break;
	case PGOID_JSON:
	case PGOID_JSONB: out->type = ORM_TYPE_JSON; break;
	case PGOID_UUID: out->type = ORM_TYPE_UUID; break;
	default: out->type = ORM_TYPE_TEXT; break;
	}
	out->u.s.ptr = v;
	out->u.s.len = len;
	return 0;
}

static int pg_column_value(orm_stmt *stmt, int col, orm_value *out)
{
	orm_conn *conn = orm__sys_stmt_conn(stmt);
	pg_stmt_data *s = orm__sys_stmt_data(stmt);

	if (!out)
		return ORM_EINVAL;
	out->type = ORM_TYPE_NULL;
	if (!s || !s->res || s->row < 0 || s->row >= s->nrows)
		return orm__err(conn, ORM_EINVAL, "no current row");
	if (col < 0 || col >= PQnfields(s->res))
		return orm__err(conn, ORM_EINVAL, "column %d out of range (0..%d)", col,
				PQnfields(s->res) - 1);
	if (PQgetisnull(s->res, s->row, col))
		return 0;
	return pg_value_of(conn, s, col, PQgetvalue(s->res, s->row, col),
			   (size_t)PQgetlength(s->res, s->row, col), out);
}

/* The row's columns cols[0..n) into out[0..n): the checks of
 * pg_column_value() once for the row, the range per column. */
static int pg_column_values(orm_stmt *stmt, const int *cols, size_t n, orm_value *out)
{
	orm_conn *conn = orm__sys_stmt_conn(stmt);
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	const PGresult *res;
	size_t i;
	int rc, row, nf;

	if (!s || !s->res || s->row < 0 || s->row >= s->nrows)
		return orm__err(conn, ORM_EINVAL, "no current row");
	res = s->res;
	row = s->row;
	nf = PQnfields(res);
	for (i = 0; i < n; i++) {
		int col = cols[i];

		if (col < 0)
			continue;
		if (col >= nf)
			return pg_column_value(stmt, col, &out[i]); /* the range error */
		if (PQgetisnull(res, row, col)) {
			out[i].type = ORM_TYPE_NULL;
			out[i].u.s.ptr = NULL;
			out[i].u.s.len = 0;
			continue;
		}
		if ((rc = pg_value_of(conn, s, col, PQgetvalue(res, row, col),
				      (size_t)PQgetlength(res, row, col), &out[i])) < 0)
			return rc;
	}
	return 0;
}

/*
 * The row by a plan (orm_driver.column_store): an integer column into an
 * integer entry, a text, varchar or char column into a text entry are
 * written into the object; NULLs and the rest are handed back in out[] as
 * pg_value_of() reads them. The column types are read once per result;
 * PQgetisnull() is asked only of empty values (libpq gives "" for NULL).
 */
static int pg_column_store(orm_stmt *stmt, const orm_sys_colstore *plan, size_t n, void *dst,
			   orm_sys_copy_fn copy, void *ctx, orm_value *out, uint64_t *slow)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	const PGresult *res;
	size_t i;
	int rc, row, nf;

	if (!s || !s->res || s->row < 0 || s->row >= s->nrows)
		return orm__err(orm__sys_stmt_conn(stmt), ORM_EINVAL, "no current row");
	res = s->res;
	row = s->row;
	nf = PQnfields(res);
	if (!s->ftype_ok) {
		int c;

		if (nf > s->ftype_cap) {
			Oid *ft = orm__realloc(s->ftype, (size_t)nf * sizeof(*ft));
			if (!ft)
				return orm__err(orm__sys_stmt_conn(stmt), ORM_ENOMEM, "out of memory");
			s->ftype = ft;
			s->ftype_cap = nf;
		}
		for (c = 0; c < nf; c++)
			s->ftype[c] = PQftype(res, c);
		s->ftype_ok = 1;
	}
	for (i = 0; i < n; i++) {
		int col = plan[i].col, kind = plan[i].kind;
		char *p = (char *)dst + plan[i].offset;
		const char *v;
		int64_t x;
		char *c;

		if (col < 0)
			continue;
		if (col >= nf)
			return pg_column_value(stmt, col, &out[i]); /* the range error */
		v = PQgetvalue(res, row, col);
		if (!v[0] && PQgetisnull(res, row, col)) {
			out[i].type = ORM_TYPE_NULL;
			out[i].u.s.ptr = NULL;
			out[i].u.s.len = 0;
			slow[i / 64] |= (uint64_t)1 << (i % 64);
			continue;
		}
		switch (s->ftype[col]) {
		case PGOID_INT2:
		case PGOID_INT4:
		case PGOID_INT8:
			if (pg_int_short(v, &x) < 0)
				break;
			if (kind == ORM_SYS_STORE_INT64) {
				*(int64_t *)(void *)p = x;
				continue;
			}
			if (kind == ORM_SYS_STORE_INT32 && x >= INT32_MIN && x <= INT32_MAX) {
				*(int32_t *)(void *)p = (int32_t)x;
				continue;
			}
			/* a value entry (an eager load's key), or past int32_t */
			out[i].type = ORM_TYPE_INT;
			out[i].u.i = x;
			slow[i / 64] |= (uint64_t)1 << (i % 64);
			continue;
		case PGOID_TEXT:
		case PGOID_VARCHAR:
		case PGOID_BPCHAR:
			if (kind == ORM_SYS_STORE_TEXT &&
			    (c = copy(ctx, v, (size_t)PQgetlength(res, row, col))) != NULL) {
				*(char **)(void *)p = c;
				continue;
			}
			break;
		default:
			break;
		}
		if ((rc = pg_value_of(orm__sys_stmt_conn(stmt), s, col, v, (size_t)PQgetlength(res, row, col),
				      &out[i])) < 0)
			return rc;
		slow[i / 64] |= (uint64_t)1 << (i % 64);
	}
	return 0;
}

/* The rows of the result: PQexecPrepared() buffers them all. */
static int64_t pg_row_count(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);

	return s && s->res && PQresultStatus(s->res) == PGRES_TUPLES_OK ? (int64_t)s->nrows : -1;
}

static int64_t pg_stmt_changes(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	return s ? s->changes : 0;
}

static int pg_reset(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	if (s)
		pg_stmt_clear_result(s);
	return 0;
}

static void pg_finalize(orm_stmt *stmt)
{
	pg_stmt_data *s = orm__sys_stmt_data(stmt);
	pg_conn_data *d = pg_cdata(orm__sys_stmt_conn(stmt));

	if (!s)
		return;
	if (s->prepared)
		pg_deallocate(d, s->name);
	pg_stmt_free_data(s);
	orm_sys_stmt_set_data(stmt, NULL);
}

/*
 * lastval(). Inside a transaction it runs under a savepoint, so that
 * asking before any sequence was used does not abort the transaction.
 */
static int pg_last_insert_id(orm_conn *conn, int64_t *out)
{
	static const char plain[] = "SELECT lastval()";
	static const char guarded[] =
		"SAVEPOINT orm__lastval;SELECT lastval();RELEASE SAVEPOINT orm__lastval";
	pg_conn_data *d = pg_cdata(conn);
	PGresult *r, *val = NULL, *err = NULL;
	int rc = 0;

	if (!d || !d->pg)
		return pg_no_conn(conn);
	if (!out)
		return orm__err(conn, ORM_EINVAL, "last_insert_id: out is NULL");
	*out = 0;
	if (PQtransactionStatus(d->pg) != PQTRANS_INTRANS) {
		val = PQexec(d->pg, plain);
		if (!pg_result_ok(val)) {
			err = val;
			val = NULL;
		}
	} else if (!PQsendQuery(d->pg, guarded)) {
		return pg_report(conn, d->pg, NULL, NULL, "last_insert_id");
	} else {
		while ((r = PQgetResult(d->pg)) != NULL) {
			if (PQresultStatus(r) == PGRES_TUPLES_OK && !val)
				val = r;
			else if (!pg_result_ok(r) && !err)
				err = r;
			else
				PQclear(r);
		}
		if (err && PQstatus(d->pg) == CONNECTION_OK) {
			r = PQexec(d->pg, "ROLLBACK TO SAVEPOINT orm__lastval;RELEASE SAVEPOINT orm__lastval");
			PQclear(r);
		}
	}
	if (err || !val) {
		rc = pg_report(conn, d->pg, err, err ? plain : NULL, "last_insert_id");
		goto out;
	}
	if (PQntuples(val) != 1 || PQgetisnull(val, 0, 0)) {
		rc = orm__err(conn, ORM_ENOTFOUND, "lastval() returned no value");
		goto out;
	}
	*out = (int64_t)strtoll(PQgetvalue(val, 0, 0), NULL, 10);
out:
	PQclear(val);
	PQclear(err);
	return rc;
}

/*
 * COPY ... FROM STDIN for the seed runner's bulk path (orm/internal.h):
 * run `sql`, send `len` bytes of COPY text-format data, finish, and
 * report the server's verdict like any statement.
 */
int orm__pg_copy_in(orm_conn *conn, const char *sql, const char *data, size_t len)
{
	pg_conn_data *d = pg_cdata(conn);
	PGresult *res;
	int rc = 0;

	if (!d || !d->pg)
		return pg_no_conn(conn);
	orm__err_clear(conn);
	res = PQexec(d->pg, sql);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_result_ok(res) ? orm__err(conn, ORM_EINVAL, "COPY: not a COPY ... FROM STDIN statement")
				       : pg_report(conn, d->pg, res, sql, "copy");
		PQclear(res);
		return rc;
	}
	PQclear(res);
	while (len > 0) {
		int n = len > (1u << 20) ? (1 << 20) : (int)len;
		if (PQputCopyData(d->pg, data, n) != 1) {
			rc = pg_report(conn, d->pg, NULL, sql, "copy");
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (PQputCopyEnd(d->pg, rc ? "aborted by the client" : NULL) != 1 && rc == 0)
		rc = pg_report(conn, d->pg, NULL, sql, "copy");
	while ((res = PQgetResult(d->pg)) != NULL) {
		if (rc == 0 && !pg_result_ok(res))
			rc = pg_report(conn, d->pg, res, sql, "copy");
		PQclear(res);
	}
	if (rc == 0)
		orm__debug_after_stmt();
	return rc;
}

const orm_driver orm__driver_pg = {
	"postgres",
	ORM_DIALECT_POSTGRES,
	PG_MAX_PARAMS,
	pg_open,
	pg_close,
	pg_exec,
	pg_prepare,
	pg_execute,
	pg_fetch,
	pg_column_count,
	pg_column_name,
	pg_column_value,
	pg_stmt_changes,
	pg_reset,
	pg_finalize,
	pg_last_insert_id,
	pg_column_values,
	NULL, /* stmt_insert_id: RETURNING (PostgreSQL) or the rowid (SQLite) */
	pg_column_store,
	pg_row_count,
	NULL, /* array_rows: a multi-row INSERT instead */
};
