/*
 * The SQLite driver.
 *
 * URL options: foreign_keys=on|off (default on), busy_timeout=MS (default
 * 5000), mode=ro|rw|rwc (default rwc), journal_mode=wal|delete|...
 *
 * Column types follow the declared type of the column (SQLite stores by
 * storage class only): see decl_type() below. Values whose storage class
 * does not fit the declared type come back by storage class.
 */
#include "orm/internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sqlite3.h>

#define SQLITE_MAX_PARAMS 32766

struct sqlite_stmt {
	sqlite3_stmt *st;
	int reprepared;      /* SQLITE_STMTSTATUS_REPREPARE when the hints were computed */
	int stepped;         /* stepped since the last execute: SQLite re-prepares only
				before a run's first row, so the hints hold until then */
	int needs_reset;     /* sqlite3_step() ran since the last sqlite3_reset() */
	int nbind;           /* sqlite3_bind_parameter_count() (a re-prepare keeps it) */
	int64_t changes;
	int64_t total_before;
	int ncols;
	orm_type *hints;     /* per column, from the declared type; ORM_TYPE_NULL = by storage class */
	int *scales;         /* per column, the declared decimal scale, or -1 */
	char numbuf[64];     /* canonical decimal text of a REAL value */
	orm_buf *dec;        /* per-column decimal scratch (ncols) */
};

static sqlite3 *conn_db(orm_conn *conn)
{
	return (sqlite3 *)orm__sys_conn_data(conn);
}

/* ---- errors ---- */

static int map_code(int ext, int at_open)
{
	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return ORM_EUNIQUE;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return ORM_EFOREIGNKEY;
	case SQLITE_CONSTRAINT_NOTNULL:
		return ORM_ENOTNULL;
	case SQLITE_CONSTRAINT_CHECK:
		return ORM_ECHECK;
#ifdef SQLITE_CONSTRAINT_DATATYPE
	case SQLITE_CONSTRAINT_DATATYPE: /* STRICT table: "cannot store TEXT value in INTEGER column t.c" */
		return ORM_ETYPE;
#endif
	}
	switch (ext & 0xff) {
	case SQLITE_CONSTRAINT: return ORM_ECONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return ORM_EBUSY;
	case SQLITE_NOMEM: return ORM_ENOMEM;
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_PERM:
	case SQLITE_AUTH: return at_open ? ORM_ECONNECT : ORM_EIO;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CORRUPT:
	case SQLITE_PROTOCOL: return ORM_EIO;
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG: return ORM_ETYPE;
	case SQLITE_RANGE: return ORM_EINVAL;
	case SQLITE_MISUSE: return ORM_EMISUSE;
	case SQLITE_ERROR:
	case SQLITE_READONLY:
	case SQLITE_SCHEMA:
	case SQLITE_INTERRUPT:
	case SQLITE_ABORT: return ORM_ESQL;
	}
	return ORM_ERROR;
}

/*
 * "UNIQUE constraint failed: t.a, t.b" / "NOT NULL constraint failed: t.c"
 * -> table "t", column "a, b". "CHECK constraint failed: name" -> constraint.
 */
static void parse_constraint_msg(const char *msg, char *table, size_t tlen, char *column,
				 size_t clen, char *constraint, size_t klen)
{
	const char *p = strstr(msg, "constraint failed: ");
	size_t cl = 0;

	table[0] = column[0] = constraint[0] = '\0';
	if (!p) {
		/* STRICT tables: "cannot store TEXT value in INTEGER column t.c" */
		const char *dot;
		p = strstr(msg, " column ");
		if (!p || strncmp(msg, "cannot store", 12) != 0)
			return;
		p += strlen(" column ");
		dot = strchr(p, '.');
		if (!dot)
			return;
		snprintf(table, tlen, "%.*s", (int)(dot - p), p);
		snprintf(column, clen, "%s", dot + 1);
		return;
	}
	p += strlen("constraint failed: ");
	if (strncmp(msg, "CHECK", 5) == 0) {
		snprintf(constraint, klen, "%s", p);
		return;
	}
	while (*p) {
		const char *end = strstr(p, ", "), *dot;
		size_t n = end ? (size_t)(end - p) : strlen(p);

		dot = memchr(p, '.', n);
		if (!dot)
			break;
		if (!table[0])
			snprintf(table, tlen, "%.*s", (int)(dot - p), p);
		if (cl && cl + 2 < clen) {
			memcpy(column + cl, ", ", 2);
			cl += 2;
		}
		cl += (size_t)snprintf(column + cl, clen - cl, "%.*s", (int)(n - (size_t)(dot + 1 - p)),
				       dot + 1);
		if (cl >= clen)
			cl = clen - 1;
		if (!end)
			break;
		p = end + 2;
	}
}

/*
 * Record the database handle's current error on the connection.
 * `sql` (may be NULL) and `base` locate the error offset in the caller's text.
 */
static int sqlite_fail(orm_conn *conn, sqlite3 *db, int rc, const char *sql, int base,
		       const char *what)
{
	orm_sys_errinfo info;
	char table[128], column[256], constraint[128];
	const char *msg;
	int ext, off;

	memset(&info, 0, sizeof(info));
	ext = db ? sqlite3_extended_errcode(db) : rc;
	if ((ext & 0xff) != (rc & 0xff) && rc != SQLITE_ERROR)
		ext = rc;
	msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	/* SQLite rolls the transaction back by itself on some errors (disk full, I/O) */
	if (db && sqlite3_get_autocommit(db))
		orm__tx_lost(conn, msg);
	info.native_code = ext;
	info.code = map_code(ext, 0);
	info.offset = -1;
	if (info.code == ORM_ESQL && db) {
		off = sqlite3_error_offset(db);
		if (off >= 0)
			info.offset = base + off;
	}
	if ((ext & 0xff) == SQLITE_CONSTRAINT) {
		parse_constraint_msg(msg, table, sizeof(table), column, sizeof(column),
				     constraint, sizeof(constraint));
		info.table = table;
		info.column = column;
		info.constraint = constraint;
	}
	if (info.offset >= 0 && sql)
		return orm_sys_error(conn, &info, "%s: %s (at offset %d: \"%.40s\")", what, msg,
				     info.offset, sql + info.offset);
	return orm_sys_error(conn, &info, "%s: %s", what, msg);
}

/* ---- connection ---- */

static int parse_bool_opt(const char *v, int *out)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
		*out = 1;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
		 !strcasecmp(v, "no"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int sqlite_open(orm_conn *conn, const orm_url *url)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int fk = 1, timeout = 5000, rc;
	const char *journal = NULL;
	orm_sys_errinfo info;
	size_t i;

	memset(&info, 0, sizeof(info));
	info.offset = -1;
	for (i = 0; i < url->nopts; i++) {
		const char *k = url->opt_keys[i], *v = url->opt_values[i];
		if (!strcmp(k, "foreign_keys")) {
			if (parse_bool_opt(v, &fk) < 0)
				goto bad_value;
		} else if (!strcmp(k, "busy_timeout")) {
			int64_t ms;
			if (orm__parse_int64(v, strlen(v), &ms) < 0 || ms < 0 || ms > INT32_MAX)
				goto bad_value;
			timeout = (int)ms;
		} else if (!strcmp(k, "mode")) {
			flags &= ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_READONLY);
			if (!strcmp(v, "ro"))
				flags |= SQLITE_OPEN_READONLY;
			else if (!strcmp(v, "rw"))
				flags |= SQLITE_OPEN_READWRITE;
			else if (!strcmp(v, "rwc"))
				flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
			else
				goto bad_value;
		} else if (!strcmp(k, "journal_mode")) {
			const char *j = v;
			if (!*j)
				goto bad_value;
			for (; *j; j++)
				if (!isalpha((unsigned char)*j))
					goto bad_value;
			journal = v;
		} else {
			info.code = ORM_EURL;
			return orm_sys_error(conn, &info,
					     "unknown option '%s' for sqlite (expected foreign_keys, "
					     "busy_timeout, mode, journal_mode)", k);
		}
		continue;
bad_value:
		info.code = ORM_EURL;
		return orm_sys_error(conn, &info, "invalid value '%s' for sqlite option '%s'", v, k);
	}

#ifdef SQLITE_OPEN_EXRESCODE
	flags |= SQLITE_OPEN_EXRESCODE;
#endif
	rc = sqlite3_open_v2(url->database, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		info.code = map_code(rc, 1);
		info.native_code = db ? sqlite3_extended_errcode(db) : rc;
		orm_sys_error(conn, &info, "cannot open SQLite database \"%s\": %s", url->database,
			      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return info.code;
	}
	sqlite3_extended_result_codes(db, 1);
#ifdef SQLITE_DBCONFIG_DQS_DML
	/* a quoted identifier naming no column is an error, never a string literal */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
#endif
	sqlite3_busy_timeout(db, timeout);
	orm_sys_conn_set_data(conn, db);
	rc = sqlite3_exec(db, fk ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	if (journal) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", journal);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	/* the file opened but is not usable (not a database, locked, ...) */
	info.native_code = sqlite3_extended_errcode(db);
	info.code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? ORM_EBUSY : ORM_ECONNECT;
	return orm_sys_error(conn, &info, "cannot set up SQLite database \"%s\": %s", url->database,
			     sqlite3_errmsg(db)); /* the core calls close() to release db */
}

static void sqlite_close(orm_conn *conn)
{
	sqlite3 *db = conn_db(conn);

	if (db)
		sqlite3_close_v2(db);
	orm_sys_conn_set_data(conn, NULL);
}

/* Run SQL text of one or more statements, discarding rows. */
static int sqlite_exec(orm_conn *conn, const char *sql)
{
	sqlite3 *db = conn_db(conn);
	const char *p = sql, *tail;
	sqlite3_stmt *st;
	int rc;

	while (*p) {
		st = NULL;
		rc = sqlite3_prepare_v2(db, p, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return sqlite_fail(conn, db, rc, sql, (int)(p - sql), "SQL error");
		if (!st) { /* whitespace or a comment */
			if (tail == p)
				break;
			p = tail;
			continue;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE) {
			rc = sqlite_fail(conn, db, rc, sql, (int)(p - sql), "SQL error");
			sqlite3_finalize(st);
			return rc;
		}
		sqlite3_finalize(st);
		p = tail;
	}
	return 0;
}

/* ---- statements ---- */

/* Whether `s` (upper-cased declared type) starts with `prefix`. */
static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Type hint from a declared column type; for DECIMAL(p,s) / NUMERIC(p,s)
 * also the scale (else *scale = -1), so values read back with exactly
 * that many fraction digits, as PostgreSQL and MariaDB return them.
 */
static orm_type decl_type(const char *decl, int *scale)
{
	char up[64];
	size_t i;

	*scale = -1;
	if (!decl || !*decl)
		return ORM_TYPE_NULL;
	for (i = 0; decl[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)decl[i]);
	up[i] = '\0';
	if (starts(up, "DECIMAL") || starts(up, "NUMERIC")) {
		const char *comma = strchr(up, ',');
		if (strchr(up, '(') && comma) {
			int v = atoi(comma + 1);
			if (v >= 0 && v <= 100)
				*scale = v;
		} else if (strchr(up, '(')) {
			*scale = 0; /* DECIMAL(p) is DECIMAL(p,0) */
		}
		return ORM_TYPE_DECIMAL;
	}
	if (starts(up, "BOOL"))
		return ORM_TYPE_BOOL;
	if (starts(up, "TIMESTAMPTZ") || strstr(up, "WITH TIME ZONE"))
		return ORM_TYPE_TIMESTAMPTZ;
	if (starts(up, "DATETIME") || starts(up, "TIMESTAMP"))
		return ORM_TYPE_TIMESTAMP;
	if (starts(up, "DATE"))
		return ORM_TYPE_DATE;
	if (starts(up, "TIME"))
		return ORM_TYPE_TIME;
	if (starts(up, "JSON"))
		return ORM_TYPE_JSON;
	if (starts(up, "UUID"))
		return ORM_TYPE_UUID;
	if (starts(up, "REAL") || starts(up, "DOUBLE") || starts(up, "FLOAT"))
		return ORM_TYPE_DOUBLE;
	if (strstr(up, "INT"))
		return ORM_TYPE_INT;
	if (starts(up, "BLOB") || starts(up, "BYTEA") || strstr(up, "BINARY"))
		return ORM_TYPE_BLOB;
	return ORM_TYPE_NULL;
}

static void stmt_data_free(struct sqlite_stmt *ss)
{
	int i;

	if (!ss)
		return;
	if (ss->st)
		sqlite3_finalize(ss->st);
	if (ss->dec)
		for (i = 0; i < ss->ncols; i++)
			orm_buf_dispose(&ss->dec[i]);
	orm__free(ss->dec);
	orm__free(ss->hints);
	orm__free(ss->scales);
	orm__free(ss);
}

/*
 * (Re)compute the column count and type hints. SQLite re-prepares a
 * statement by itself after a schema change, and the columns may differ.
 */
static int refresh_columns(struct sqlite_stmt *ss)
{
	int n = sqlite3_column_count(ss->st), i;

	ss->reprepared = sqlite3_stmt_status(ss->st, SQLITE_STMTSTATUS_REPREPARE, 0);
	if (n != ss->ncols) {
		orm_type *h = NULL;
		orm_buf *d = NULL;
		int *sc = NULL;

		if (n > 0) {
			h = orm__calloc((size_t)n, sizeof(orm_type));
			d = orm__calloc((size_t)n, sizeof(orm_buf));
			sc = orm__calloc((size_t)n, sizeof(int));
			if (!h || !d || !sc) {
				orm__free(h);
				orm__free(d);
				orm__free(sc);
				return ORM_ENOMEM;
			}
		}
		for (i = 0; ss->dec && i < ss->ncols; i++)
			orm_buf_dispose(&ss->dec[i]);
		orm__free(ss->dec);
		orm__free(ss->hints);
		orm__free(ss->scales);
		ss->hints = h;
		ss->dec = d;
		ss->scales = sc;
		ss->ncols = n;
	}
	for (i = 0; i < n; i++)
		ss->hints[i] = decl_type(sqlite3_column_decltype(ss->st, i), &ss->scales[i]);
	return 0;
}

/* Whether the rest of the SQL after the first statement holds another statement. */
static int has_more_statements(sqlite3 *db, const char *tail)
{
	sqlite3_stmt *st = NULL;
	const char *t2;

	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
		tail++;
	if (!*tail)
		return 0;
	if (sqlite3_prepare_v2(db, tail, -1, &st, &t2) != SQLITE_OK)
		return 1;
	if (!st)
		return 0;
	sqlite3_finalize(st);
	return 1;
}

static int sqlite_prepare(orm_conn *conn, orm_stmt *stmt, const char *sql, int nparams)
{
	sqlite3 *db = conn_db(conn);
	struct sqlite_stmt *ss;
	const char *tail = NULL;
	int rc;

	(void)nparams;
	ss = orm__calloc(1, sizeof(*ss));
	if (!ss)
		return orm__err(conn, ORM_ENOMEM, "out of memory preparing a statement");
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ss->st, &tail);
	if (rc != SQLITE_OK) {
		rc = sqlite_fail(conn, db, rc, sql, 0, "SQL error");
		stmt_data_free(ss);
		return rc;
	}
	if (!ss->st) {
		stmt_data_free(ss);
		return orm__err(conn, ORM_ESQL, "SQL error: empty statement");
	}
	if (tail && has_more_statements(db, tail)) {
		int off = (int)(tail - sql);
		stmt_data_free(ss);
		return orm__err(conn, ORM_ESQL,
				"SQL error: more than one statement (the second starts at offset %d); "
				"use orm_exec() for scripts", off);
	}
	if (refresh_columns(ss) < 0) {
		stmt_data_free(ss);
		return orm__err(conn, ORM_ENOMEM, "out of memory preparing a statement");
	}
	ss->nbind = sqlite3_bind_parameter_count(ss->st);
	orm_sys_stmt_set_data(stmt, ss);
	return 0;
}

static int canonical_form(orm_type type, const char *v, size_t len, char *tmp, size_t cap,
			  size_t *outlen);

/*
 * Bind a value of the types sqlite_execute() leaves out of its loop
 * (booleans, doubles, blobs, timestamps with a zone, UUIDs, the text-form
 * types): kept apart so that the loop every save runs stays short.
 */
static ORM__NOINLINE int bind_other(sqlite3_stmt *st, int idx, const orm_value *v)
{
	switch (v->type) {
	case ORM_TYPE_BOOL:
		return sqlite3_bind_int(st, idx, v->u.b ? 1 : 0);
	case ORM_TYPE_DOUBLE:
		return sqlite3_bind_double(st, idx, v->u.d);
	case ORM_TYPE_BLOB:
		if (v->u.s.len == 0)
			return sqlite3_bind_zeroblob(st, idx, 0);
		return sqlite3_bind_blob64(st, idx, v->u.s.ptr, v->u.s.len, SQLITE_STATIC);
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_UUID: {
		char tmp[64];
		size_t tn;
		if (v->u.s.ptr && canonical_form(v->type, v->u.s.ptr, v->u.s.len, tmp, sizeof(tmp), &tn))
			return sqlite3_bind_text64(st, idx, tmp, tn, SQLITE_TRANSIENT, SQLITE_UTF8);
	}
		/* fall through */
	default: /* the text-form types */
		return sqlite3_bind_text64(st, idx, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len,
					   SQLITE_STATIC, SQLITE_UTF8);
	}
}

static ORM__COLD int bind_failed(orm_conn *conn, int rc, int i)
{
	orm_sys_errinfo info;

	memset(&info, 0, sizeof(info));
	info.code = map_code(rc, 0);
	info.native_code = rc;
	info.offset = -1;
	return orm_sys_error(conn, &info, "cannot bind parameter %d: %s", i, sqlite3_errstr(rc));
}

static int sqlite_execute(orm_stmt *stmt)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);
	orm_conn *conn = orm__sys_stmt_conn(stmt);
	const orm_value *params;
	int n, i, rc = SQLITE_OK;

	if (ss->needs_reset) { /* the core's reset usually did it already */
		sqlite3_reset(ss->st);
		ss->needs_reset = 0;
	}
	ss->stepped = 0;
	params = orm__sys_stmt_params(stmt, &n);
	if (n > ss->nbind)
		n = ss->nbind;
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		const orm_value *v = &params[i];

		if (v->type == ORM_TYPE_TEXT)
			rc = sqlite3_bind_text64(ss->st, i + 1, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len,
						 SQLITE_STATIC, SQLITE_UTF8);
		else if (v->type == ORM_TYPE_INT)
			rc = sqlite3_bind_int64(ss->st, i + 1, v->u.i);
		else if (v->type == ORM_TYPE_NULL)
			rc = sqlite3_bind_null(ss->st, i + 1);
		else
			rc = bind_other(ss->st, i + 1, v);
	}
	if (rc != SQLITE_OK)
		return bind_failed(conn, rc, i);
	ss->changes = 0;
	ss->total_before = sqlite3_total_changes64(conn_db(conn));
	return 0;
}

static int sqlite_fetch(orm_stmt *stmt)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);
	orm_conn *conn;
	sqlite3 *db;
	int rc;

	ss->needs_reset = 1;
	rc = sqlite3_step(ss->st);
	if (rc == SQLITE_ROW && ss->stepped)
		return ORM_ROW; /* a row after the first: the path every row takes */
	conn = orm__sys_stmt_conn(stmt);
	db = conn_db(conn);
	if ((rc == SQLITE_ROW || rc == SQLITE_DONE) &&
	    sqlite3_stmt_status(ss->st, SQLITE_STMTSTATUS_REPREPARE, 0) != ss->reprepared &&
	    refresh_columns(ss) < 0)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	ss->stepped = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		return ORM_ROW;
	if (rc == SQLITE_DONE) {
		/* changes64 keeps the last DML count: only trust it if this run changed rows */
		if (sqlite3_total_changes64(db) != ss->total_before)
			ss->changes = sqlite3_changes64(db);
		return ORM_DONE;
	}
	return sqlite_fail(conn, db, rc, sqlite3_sql(ss->st), 0, "SQL error");
}

static int sqlite_column_count(orm_stmt *stmt)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);

	return ss ? ss->ncols : 0;
}

static const char *sqlite_column_name(orm_stmt *stmt, int col)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);

	return sqlite3_column_name(ss->st, col);
}

/* Plain decimal digits for a REAL (no exponent), shortest round-trip form. */
static void real_to_decimal(char *out, size_t outlen, double d)
{
	int prec;
	char *e, *dot;

	if (!isfinite(d)) {
		snprintf(out, outlen, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, outlen, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	e = strchr(out, 'e');
	if (!e)
		return;
	/* expand the exponent: write with enough fixed decimals, then trim zeros */
	{
		int exp10 = atoi(e + 1);
		int decimals = exp10 < 0 ? prec - 1 - exp10 : 0;
		if (decimals > 60)
			decimals = 60;
		snprintf(out, outlen, "%.*f", decimals, d);
		dot = strchr(out, '.');
		if (dot) {
			char *end = out + strlen(out) - 1;
			while (end > dot && *end == '0')
				*end-- = '\0';
			if (end == dot)
				*end = '\0';
		}
	}
}

/*
 * Canonical text of a timestamptz (in UTC) or a uuid (lower case), written
 * into the statement's scratch: a value with its own offset or upper-case
 * digits reads back as PostgreSQL returns it. `v` holds the text; it is
 * replaced by the canonical form when that differs. Bind uses the same
 * conversion, so stored values compare and sort correctly.
 * @return 1 when `tmp` holds a converted form of `len` bytes, else 0.
 */
static int canonical_form(orm_type type, const char *v, size_t len, char *tmp, size_t cap,
			  size_t *outlen)
{
	size_t i;

	if (type == ORM_TYPE_TIMESTAMPTZ) {
		int n;
		if (len >= 6 && memcmp(v + len - 6, "+00:00", 6) == 0)
			return 0;
		n = orm__tstz_utc_text(v, len, tmp, cap);
		if (n < 0)
			return 0;
		*outlen = (size_t)n;
		return 1;
	}
	if (type == ORM_TYPE_UUID && len == 36 && len < cap) {
		int upper = 0;
		for (i = 0; i < len; i++) {
			tmp[i] = (char)tolower((unsigned char)v[i]);
			upper |= tmp[i] != v[i];
		}
		*outlen = len;
		return upper;
	}
	return 0;
}

static int canonical_text(struct sqlite_stmt *ss, orm_stmt *stmt, int col, orm_type hint,
			  orm_value *out)
{
	char tmp[64];
	size_t n;
	orm_buf *b = &ss->dec[col];

	if (!canonical_form(hint, out->u.s.ptr, out->u.s.len, tmp, sizeof(tmp), &n))
		return 0;
	orm_buf_clear(b);
	if (orm_buf_put(b, tmp, n) < 0)
		return orm__err(orm__sys_stmt_conn(stmt), ORM_ENOMEM, "out of memory");
	out->u.s.ptr = b->ptr;
	out->u.s.len = b->size;
	return 0;
}

/*
 * The value of column col, read as sqlite3_value val of storage class
 * storage, converted by the column's declared-type hint. The common cases
 * (an integer or a text read as itself) are taken by column_fast() first.
 */
static int column_convert(struct sqlite_stmt *ss, orm_stmt *stmt, int col, sqlite3_value *val,
			  int storage, orm_value *out)
{
	sqlite3_stmt *st = ss->st;
	orm_type hint = ss->hints ? ss->hints[col] : ORM_TYPE_NULL;

	if (storage == SQLITE_NULL) {
		out->type = ORM_TYPE_NULL;
		out->u.s.ptr = NULL;
		out->u.s.len = 0;
		return 0;
	}
	switch (hint) {
	case ORM_TYPE_BOOL:
		if (storage == SQLITE_INTEGER) {
			*out = orm_bool(sqlite3_value_int64(val) != 0);
			return 0;
		}
		break;
	case ORM_TYPE_INT:
		break; /* by storage class */
	case ORM_TYPE_DOUBLE:
		if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) {
			*out = orm_double(sqlite3_value_double(val));
			return 0;
		}
		break;
	case ORM_TYPE_DECIMAL:
		if (storage == SQLITE_FLOAT) {
			orm_buf *b = &ss->dec[col];
			real_to_decimal(ss->numbuf, sizeof(ss->numbuf), sqlite3_value_double(val));
			orm_buf_clear(b);
			if (orm_buf_puts(b, ss->numbuf) < 0)
				return orm__err(orm__sys_stmt_conn(stmt), ORM_ENOMEM, "out of memory");
			out->type = ORM_TYPE_DECIMAL;
			out->u.s.ptr = b->ptr;
			out->u.s.len = b->size;
			return 0;
		}
		if (storage == SQLITE_INTEGER || storage == SQLITE_TEXT) {
			const unsigned char *t = sqlite3_value_text(val);
			out->type = ORM_TYPE_DECIMAL;
			out->u.s.len = (size_t)sqlite3_value_bytes(val);
			out->u.s.ptr = t ? (const char *)t : "";
			if (t && ss->scales && ss->scales[col] >= 0) {
				orm_buf *b = &ss->dec[col];
				int r = orm__decimal_rescale(out->u.s.ptr, out->u.s.len,
							     ss->scales[col], b);
				if (r == ORM_ENOMEM)
					return orm__err(orm__sys_stmt_conn(stmt), ORM_ENOMEM, "out of memory");
				if (r == 0) {
					out->u.s.ptr = b->ptr;
					out->u.s.len = b->size;
				}
			}
			return 0;
		}
		break;
	case ORM_TYPE_DATE:
	case ORM_TYPE_TIME:
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ:
	case ORM_TYPE_JSON:
	case ORM_TYPE_UUID:
		if (storage == SQLITE_TEXT) {
			const unsigned char *t = sqlite3_value_text(val);
			out->type = hint;
			out->u.s.len = (size_t)sqlite3_value_bytes(val);
			out->u.s.ptr = t ? (const char *)t : "";
			/* rows written by other tools: same forms as the other dialects */
			if (t && (hint == ORM_TYPE_TIMESTAMPTZ || hint == ORM_TYPE_UUID))
				return canonical_text(ss, stmt, col, hint, out);
			return 0;
		}
		break;
	case ORM_TYPE_BLOB:
		if (storage == SQLITE_TEXT)
			storage = SQLITE_BLOB;
		break;
	default:
		break;
	}
	switch (storage) {
	case SQLITE_INTEGER:
		/* set in place: this is the most common column of all */
		out->type = ORM_TYPE_INT;
		out->u.i = sqlite3_value_int64(val);
		return 0;
	case SQLITE_FLOAT:
		*out = orm_double(sqlite3_value_double(val));
		return 0;
	case SQLITE_BLOB: {
		const void *p = sqlite3_value_blob(val);
		out->type = ORM_TYPE_BLOB;
		out->u.s.len = (size_t)sqlite3_value_bytes(val);
		out->u.s.ptr = p ? p : "";
		return 0;
	}
	default: {
		const unsigned char *t = sqlite3_value_text(val);
		out->type = ORM_TYPE_TEXT;
		out->u.s.len = (size_t)sqlite3_value_bytes(val);
		out->u.s.ptr = t ? (const char *)t : "";
		if (!t && sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
			return orm__err(orm__sys_stmt_conn(stmt), ORM_ENOMEM, "out of memory");
		return 0;
	}
	}
}

/* 1 when val is an integer or a text whose column has no other hint,
 * stored in *out as it is; 0 when column_convert() must look at it. */
static inline int column_fast(const orm_type *hints, int col, sqlite3_value *val, int storage,
			      orm_value *out)
{
	orm_type hint = hints ? hints[col] : ORM_TYPE_NULL;

	if (storage == SQLITE_INTEGER && (hint == ORM_TYPE_NULL || hint == ORM_TYPE_INT)) {
		out->type = ORM_TYPE_INT;
		out->u.i = sqlite3_value_int64(val);
		return 1;
	}
	if (storage == SQLITE_TEXT && hint == ORM_TYPE_NULL) {
		const unsigned char *t = sqlite3_value_text(val);
		if (!t)
			return 0; /* out of memory: column_convert() reports it */
		out->type = ORM_TYPE_TEXT;
		out->u.s.ptr = (const char *)t;
		out->u.s.len = (size_t)sqlite3_value_bytes(val);
		return 1;
	}
	return 0;
}

/*
 * One sqlite3_column_value() and the sqlite3_value_*() readers rather
 * than a sqlite3_column_*() call per question: each of those looks the
 * column up again and enters and leaves the connection's mutex. The value
 * is "unprotected", which only matters when two threads use one
 * connection at once; a liborm connection is used by one thread at a time
 * (conn.h). The row's columns cols[0..n) into out[0..n); a negative
 * cols[i] is skipped.
 */
static int sqlite_column_values(orm_stmt *stmt, const int *cols, size_t n, orm_value *out)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);
	sqlite3_stmt *st = ss->st;
	const orm_type *hints = ss->hints;
	unsigned ncols = (unsigned)ss->ncols;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		sqlite3_value *val;
		int storage;

		if ((unsigned)cols[i] >= ncols) { /* one test for both cases */
			if (cols[i] < 0)
				continue;
			return orm_column_value(stmt, cols[i], &out[i]); /* the range error */
		}
		val = sqlite3_column_value(st, cols[i]);
		storage = sqlite3_value_type(val);
		if (column_fast(hints, cols[i], val, storage, &out[i]))
			continue;
		if ((rc = column_convert(ss, stmt, cols[i], val, storage, &out[i])) < 0)
			return rc;
	}
	return 0;
}

/*
 * The row by a plan (orm_driver.column_store): the cases column_fast()
 * takes, written straight into the destination; the others handed back
 * in out[] as sqlite_column_values() gives them.
 */
static int sqlite_column_store(orm_stmt *stmt, const orm_sys_colstore *plan, size_t n, void *dst,
			       orm_sys_copy_fn copy, void *ctx, orm_value *out, uint64_t *slow)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);
	sqlite3_stmt *st = ss->st;
	const orm_type *hints = ss->hints;
	unsigned ncols = (unsigned)ss->ncols;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		int col = plan[i].col;
		char *p = (char *)dst + plan[i].offset;
		orm_type hint;
		sqlite3_value *val;
		int storage;

		if ((unsigned)col >= ncols) {
			if (col < 0)
				continue;
			return orm_column_value(stmt, col, &out[i]); /* the range error */
		}
		val = sqlite3_column_value(st, col);
		storage = sqlite3_value_type(val);
		hint = hints ? hints[col] : ORM_TYPE_NULL;
		if (storage == SQLITE_INTEGER && (hint == ORM_TYPE_NULL || hint == ORM_TYPE_INT)) {
			sqlite3_int64 v = sqlite3_value_int64(val);

			if (plan[i].kind == ORM_SYS_STORE_INT64) {
				*(int64_t *)(void *)p = v;
				continue;
			}
			if (plan[i].kind == ORM_SYS_STORE_INT32 && v >= INT32_MIN && v <= INT32_MAX) {
				*(int32_t *)(void *)p = (int32_t)v;
				continue;
			}
			out[i].type = ORM_TYPE_INT;
			out[i].u.i = v;
		} else if (storage == SQLITE_TEXT && hint == ORM_TYPE_NULL &&
			   plan[i].kind == ORM_SYS_STORE_TEXT) {
			const char *t = (const char *)sqlite3_value_text(val);
			char *c;

			if (t && (c = copy(ctx, t, (size_t)sqlite3_value_bytes(val))) != NULL) {
				*(char **)(void *)p = c;
				continue;
			}
			if ((rc = column_convert(ss, stmt, col, val, storage, &out[i])) < 0)
				return rc;
		} else if (!column_fast(hints, col, val, storage, &out[i]) &&
			   (rc = column_convert(ss, stmt, col, val, storage, &out[i])) < 0) {
			return rc;
		}
		slow[i / 64] |= (uint64_t)1 << (i % 64);
	}
	return 0;
}

/* One column: the row reader with one column. */
static int sqlite_column_value(orm_stmt *stmt, int col, orm_value *out)
{
	return sqlite_column_values(stmt, &col, 1, out);
}

static int64_t sqlite_changes(orm_stmt *stmt)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);

	return ss ? ss->changes : 0;
}

static int sqlite_reset(orm_stmt *stmt)
{
	struct sqlite_stmt *ss = orm__sys_stmt_data(stmt);

	if (ss && ss->st && ss->needs_reset) {
		sqlite3_reset(ss->st); /* returns the last step's error again: already reported */
		ss->needs_reset = 0;
	}
	if (ss)
		ss->stepped = 0;
	return 0;
}

static void sqlite_finalize(orm_stmt *stmt)
{
	stmt_data_free(orm__sys_stmt_data(stmt));
	orm_sys_stmt_set_data(stmt, NULL);
}

static int sqlite_last_insert_id(orm_conn *conn, int64_t *out)
{
	*out = sqlite3_last_insert_rowid(conn_db(conn));
	return 0;
}

const orm_driver orm__driver_sqlite = {
	"sqlite",
	ORM_DIALECT_SQLITE,
	SQLITE_MAX_PARAMS,
	sqlite_open,
	sqlite_close,
	sqlite_exec,
	sqlite_prepare,
	sqlite_execute,
	sqlite_fetch,
	sqlite_column_count,
	sqlite_column_name,
	sqlite_column_value,
	sqlite_changes,
	sqlite_reset,
	sqlite_finalize,
	sqlite_last_insert_id,
	sqlite_column_values,
	NULL, /* stmt_insert_id: RETURNING (PostgreSQL) or the rowid (SQLite) */
	sqlite_column_store,
	NULL, /* row_count: SQLite finds rows as it steps */
	NULL, /* array_rows: a multi-row INSERT instead */
};
