/*
 * Connections: open by URL, error detail, exec, transactions and
 * savepoints, and the accessors drivers use.
 */
#include "orm/internal.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- test hook: ORM_DEBUG_KILL_AFTER (see orm/internal.h) ---- */

/* -2: the variable was not read yet; -1: off; N > 0: kill after N statements */
atomic_long orm__debug_kill_limit = -2;

/* orm__debug_after_stmt() past its test for "off" */
void orm__debug_kill_count(void)
{
	static atomic_long count;
	long n = atomic_load_explicit(&orm__debug_kill_limit, memory_order_relaxed);

	if (n == -2) {
		const char *s = getenv("ORM_DEBUG_KILL_AFTER");
		char *end = NULL;
		long v = s && *s ? strtol(s, &end, 10) : -1;
		if (!end || *end || v < 1)
			v = -1;
		atomic_store(&orm__debug_kill_limit, v);
		n = v;
	}
	if (n > 0 && atomic_fetch_add(&count, 1) + 1 == n)
		raise(SIGKILL);
}

/* ---- errors ---- */

static void err_reset_strings(orm_conn *conn)
{
	orm__free(conn->err_schema);
	orm__free(conn->err_table);
	orm__free(conn->err_column);
	orm__free(conn->err_constraint);
	conn->err_schema = conn->err_table = conn->err_column = conn->err_constraint = NULL;
	conn->err_sqlstate[0] = '\0';
	conn->err.code = 0;
	conn->err.native_code = 0;
	conn->err.message = "";
	conn->err.sqlstate = conn->err_sqlstate;
	conn->err.schema = "";
	conn->err.table = "";
	conn->err.column = "";
	conn->err.constraint = "";
	conn->err.offset = -1;
}

void orm__err_clear_set(orm_conn *conn)
{
	orm_buf_clear(&conn->err_message);
	err_reset_strings(conn);
}

/* Set the message from a va_list; on ENOMEM the message is a static string. */
static void err_vmessage(orm_conn *conn, const char *fmt, va_list ap)
{
	orm_buf_clear(&conn->err_message);
	if (fmt) {
		va_list cp;
		int n;
		char small[256];

		va_copy(cp, ap);
		n = vsnprintf(small, sizeof(small), fmt, cp);
		va_end(cp);
		if (n >= 0 && (size_t)n < sizeof(small)) {
			if (orm_buf_put(&conn->err_message, small, (size_t)n) < 0)
				goto oom;
		} else if (n >= 0) {
			char *big = orm__malloc((size_t)n + 1);
			if (!big)
				goto oom;
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			n = orm_buf_put(&conn->err_message, big, strlen(big));
			orm__free(big);
			if (n < 0)
				goto oom;
		}
	}
	conn->err.message = conn->err_message.ptr ? conn->err_message.ptr : "";
	return;
oom:
	conn->err.message = "out of memory while formatting an error message";
}

int orm__err(orm_conn *conn, int code, const char *fmt, ...)
{
	va_list ap;

	if (!conn)
		return code;
	err_reset_strings(conn);
	conn->err.code = code;
	va_start(ap, fmt);
	err_vmessage(conn, fmt, ap);
	va_end(ap);
	return code;
}

static const char *dup_field(char **slot, const char *s)
{
	*slot = NULL;
	if (!s || !*s)
		return "";
	*slot = orm__strdup(s);
	return *slot ? *slot : "";
}

int orm_sys_error(orm_conn *conn, const orm_sys_errinfo *info, const char *fmt, ...)
{
	va_list ap;
	int code = info ? info->code : ORM_ERROR;

	if (code >= 0)
		code = ORM_ERROR; /* an error must be negative */
	if (!conn)
		return code;
	err_reset_strings(conn);
	conn->err.code = code;
	if (info) {
		conn->err.native_code = info->native_code;
		if (info->sqlstate) {
			snprintf(conn->err_sqlstate, sizeof(conn->err_sqlstate), "%s", info->sqlstate);
		}
		conn->err.schema = dup_field(&conn->err_schema, info->schema);
		conn->err.table = dup_field(&conn->err_table, info->table);
		conn->err.column = dup_field(&conn->err_column, info->column);
		conn->err.constraint = dup_field(&conn->err_constraint, info->constraint);
		conn->err.offset = info->offset;
	}
	va_start(ap, fmt);
	err_vmessage(conn, fmt, ap);
	va_end(ap);
	return code;
}

int orm_sys_sqlstate_code(const char *s)
{
	if (!s || strlen(s) != 5)
		return ORM_ERROR;
	if (strcmp(s, "23505") == 0)
		return ORM_EUNIQUE;
	if (strcmp(s, "23503") == 0)
		return ORM_EFOREIGNKEY;
	if (strcmp(s, "23502") == 0)
		return ORM_ENOTNULL;
	if (strcmp(s, "23514") == 0)
		return ORM_ECHECK;
	if (strncmp(s, "23", 2) == 0 || strcmp(s, "40002") == 0 || strncmp(s, "44", 2) == 0)
		return ORM_ECONSTRAINT;
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0 ||
	    strcmp(s, "57014") == 0)
		return ORM_EBUSY;
	if (strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 || strcmp(s, "08003") == 0 ||
	    strcmp(s, "08006") == 0 || strcmp(s, "08007") == 0)
		return ORM_ECONNLOST;
	if (strcmp(s, "57P03") == 0 || strncmp(s, "08", 2) == 0 || strncmp(s, "28", 2) == 0)
		return ORM_ECONNECT;
	if (strncmp(s, "42", 2) == 0 || strncmp(s, "21", 2) == 0 || strncmp(s, "3D", 2) == 0 ||
	    strncmp(s, "3F", 2) == 0 || strncmp(s, "2B", 2) == 0 || strncmp(s, "54", 2) == 0 ||
	    strncmp(s, "26", 2) == 0 || strncmp(s, "34", 2) == 0)
		return ORM_ESQL;
	if (strncmp(s, "22", 2) == 0)
		return ORM_ETYPE;
	if (strncmp(s, "0A", 2) == 0)
		return ORM_EUNSUPPORTED;
	if (strncmp(s, "25", 2) == 0)
		return ORM_EMISUSE;
	if (strcmp(s, "53100") == 0 || strcmp(s, "58030") == 0)
		return ORM_EIO;
	if (strcmp(s, "53200") == 0)
		return ORM_ENOMEM;
	return ORM_ERROR;
}

const orm_error *orm_conn_error(const orm_conn *conn)
{
	static const orm_error none = { 0, 0, "", "", "", "", "", "", -1 };

	return conn ? &conn->err : &none;
}

const char *orm_conn_errmsg(const orm_conn *conn)
{
	if (!conn || !conn->err.message)
		return "";
	return conn->err.message;
}

/* ---- accessors for drivers ---- */

void *orm_sys_conn_data(const orm_conn *conn)
{
	return orm__sys_conn_data(conn);
}

void orm_sys_conn_set_data(orm_conn *conn, void *data)
{
	if (conn)
		conn->driver_data = data;
}

void *orm_sys_stmt_data(const orm_stmt *stmt)
{
	return orm__sys_stmt_data(stmt);
}

void orm_sys_stmt_set_data(orm_stmt *stmt, void *data)
{
	if (stmt)
		stmt->driver_data = data;
}

orm_conn *orm_sys_stmt_conn(const orm_stmt *stmt)
{
	return orm__sys_stmt_conn(stmt);
}

const orm_value *orm_sys_stmt_params(const orm_stmt *stmt, int *nparams)
{
	return orm__sys_stmt_params(stmt, nparams);
}

int orm__conn_array_rows(orm_conn *conn)
{
	int n;

	if (!conn->drv || !conn->drv->array_rows)
		return 1;
	n = conn->drv->array_rows(conn);
	return n > 1 ? n : 1;
}

int orm_sys_stmt_rows(const orm_stmt *stmt)
{
	return stmt ? stmt->nrows : 0;
}

/* ---- open / close ---- */

static const orm_driver *builtin_driver(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_SQLITE:
#ifdef ORM_HAVE_SQLITE
		return &orm__driver_sqlite;
#else
		break;
#endif
	case ORM_DIALECT_POSTGRES:
#ifdef ORM_HAVE_PQ
		return &orm__driver_pg;
#else
		break;
#endif
	case ORM_DIALECT_MARIADB:
#ifdef ORM_HAVE_MARIADB
		return &orm__driver_mariadb;
#else
		break;
#endif
	}
	return NULL;
}

int orm_open(orm_conn **out, const char *url)
{
	orm_conn *conn;
	orm_url *u = NULL;
	orm_buf red = ORM_BUF_INIT;
	char errbuf[256];
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!url)
		return ORM_EINVAL;
	conn = orm__calloc(1, sizeof(*conn));
	if (!conn)
		return ORM_ENOMEM;
	err_reset_strings(conn);

	if (orm_url_redacted(&red, url) < 0) {
		orm__free(conn);
		orm_buf_dispose(&red);
		return ORM_ENOMEM;
	}
	conn->url_redacted = red.ptr; /* handed over */

	rc = orm_url_parse(&u, url, errbuf, sizeof(errbuf));
	if (rc == ORM_ENOMEM) {
		orm_close(conn);
		return rc;
	}
	*out = conn;
	if (rc < 0)
		return orm__err(conn, ORM_EURL, "invalid connection URL: %s", errbuf);
	conn->dialect = u->dialect;
	conn->drv = builtin_driver(u->dialect);
	if (!conn->drv) {
		const char *opt = u->dialect == ORM_DIALECT_POSTGRES ? "--with-postgresql" :
				  u->dialect == ORM_DIALECT_MARIADB ? "--with-mariadb" : "--with-sqlite";
		rc = orm__err(conn, ORM_ENODRIVER,
			      "the %s driver is not built into this liborm (configure %s)",
			      orm_dialect_name(u->dialect), opt);
		goto out;
	}
	rc = conn->drv->open(conn, u);
	if (rc < 0) {
		/* keep the driver's error; release whatever it left behind */
		if (conn->driver_data)
			conn->drv->close(conn);
		conn->driver_data = NULL;
		conn->drv = NULL;
		if (conn->err.code == 0)
			orm__err(conn, rc, "could not open %s", conn->url_redacted);
		goto out;
	}
	rc = 0;
out:
	orm_url_free(u);
	return rc;
}

void orm_close(orm_conn *conn)
{
	if (!conn)
		return;
	orm__stmt_cache_free(conn);
	orm__msql_free(conn);
	if (conn->drv && conn->drv->close)
		conn->drv->close(conn);
	conn->driver_data = NULL;
	err_reset_strings(conn);
	orm_buf_dispose(&conn->err_message);
	orm__free(conn->tx_lost_msg);
	orm__free(conn->url_redacted);
	orm__free(conn);
}

orm_dialect orm_conn_dialect(const orm_conn *conn)
{
	return conn ? conn->dialect : (orm_dialect)0;
}

const char *orm_conn_url(const orm_conn *conn)
{
	if (!conn || !conn->url_redacted)
		return "";
	return conn->url_redacted;
}

/* Common check at the top of calls that need an open connection. */
static int check_open(orm_conn *conn)
{
	if (!conn)
		return ORM_EINVAL;
	orm__err_clear(conn);
	if (!conn->drv)
		return orm__err(conn, ORM_EMISUSE, "the connection is not open (orm_open failed)");
	return 0;
}

int orm_exec(orm_conn *conn, const char *sql)
{
	int rc;

	if ((rc = check_open(conn)) < 0)
		return rc;
	if (!sql)
		return orm__err(conn, ORM_EINVAL, "orm_exec: sql is NULL");
	if ((rc = orm__tx_check(conn)) < 0)
		return rc;
	rc = conn->drv->exec(conn, sql);
	if (rc >= 0)
		orm__debug_after_stmt();
	return rc > 0 ? 0 : rc;
}

int orm_exec_params(orm_conn *conn, int64_t *affected, const char *sql,
		    const orm_value *params, int nparams)
{
	orm_stmt *st = NULL;
	int rc;

	if (affected)
		*affected = 0;
	if ((rc = check_open(conn)) < 0)
		return rc;
	if (nparams < 0 || (nparams > 0 && !params))
		return orm__err(conn, ORM_EINVAL, "orm_exec_params: bad params/nparams");
	if ((rc = orm_prepare(&st, conn, sql)) < 0)
		return rc;
	if (nparams > 0 && (rc = orm_bind_values(st, params, nparams, ORM_BIND_STATIC)) < 0)
		goto out;
	while ((rc = orm_stmt_step(st)) == ORM_ROW)
		;
	if (rc != ORM_DONE)
		goto out;
	rc = 0;
	if (affected)
		*affected = orm_stmt_changes(st);
out:
	orm_stmt_free(st);
	return rc;
}

int orm_query_int(orm_conn *conn, int64_t *out, const char *sql,
		  const orm_value *params, int nparams)
{
	orm_stmt *st = NULL;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = 0;
	if ((rc = check_open(conn)) < 0)
		return rc;
	if (nparams < 0 || (nparams > 0 && !params))
		return orm__err(conn, ORM_EINVAL, "orm_query_int: bad params/nparams");
	if ((rc = orm_prepare(&st, conn, sql)) < 0)
		return rc;
	if (nparams > 0 && (rc = orm_bind_values(st, params, nparams, ORM_BIND_STATIC)) < 0)
		goto out;
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		*out = orm_column_int(st, 0);
		rc = 0;
	} else if (rc == ORM_DONE) {
		rc = orm__err(conn, ORM_ENOTFOUND, "orm_query_int: the query returned no row");
	}
out:
	orm_stmt_free(st);
	return rc;
}

/* ---- transactions ---- */

void orm__tx_lost(orm_conn *conn, const char *why)
{
	if (!conn || conn->tx_depth == 0 || conn->tx_lost)
		return;
	conn->tx_lost = 1;
	conn->tx_lost_msg = orm__strdup(why ? why : "");
}

static void tx_lost_clear(orm_conn *conn)
{
	conn->tx_lost = 0;
	orm__free(conn->tx_lost_msg);
	conn->tx_lost_msg = NULL;
}

int orm__tx_lost_err(orm_conn *conn)
{
	return orm__err(conn, ORM_ECONFLICT, "the database rolled back the open transaction after an error (%s): "
			"nothing of the transaction was kept",
			conn->tx_lost_msg ? conn->tx_lost_msg : "out of memory");
}

static int tx_exec(orm_conn *conn, const char *sql)
{
	int rc = conn->drv->exec(conn, sql);
	if (rc >= 0)
		orm__debug_after_stmt();
	return rc > 0 ? 0 : rc;
}

int orm_begin(orm_conn *conn)
{
	char sql[64];
	int rc;

	if ((rc = check_open(conn)) < 0)
		return rc;
	if ((rc = orm__tx_check(conn)) < 0)
		return rc;
	if (conn->tx_depth == 0)
		rc = tx_exec(conn, "BEGIN");
	else {
		snprintf(sql, sizeof(sql), "SAVEPOINT orm_sp_%d", conn->tx_depth);
		rc = tx_exec(conn, sql);
	}
	if (rc < 0)
		return rc;
	conn->tx_depth++;
	conn->savepoint_seq++;
	return 0;
}

int orm_commit(orm_conn *conn)
{
	char sql[64];
	int rc;

	if ((rc = check_open(conn)) < 0)
		return rc;
	if (conn->tx_depth == 0)
		return orm__err(conn, ORM_EMISUSE, "orm_commit: no transaction is open");
	if ((rc = orm__tx_check(conn)) < 0)
		return rc;
	if (conn->tx_depth == 1)
		rc = tx_exec(conn, "COMMIT");
	else {
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT orm_sp_%d", conn->tx_depth - 1);
		rc = tx_exec(conn, sql);
	}
	/* A failed COMMIT / RELEASE leaves the level open: the caller rolls it back. */
	if (rc < 0)
		return rc;
	conn->tx_depth--;
	return 0;
}

int orm_rollback(orm_conn *conn)
{
	char sql[64];
	int rc;

	if (conn && conn->drv && conn->tx_lost && conn->tx_depth > 0) {
		/* already rolled back by the database: close the level, keep the error */
		if (--conn->tx_depth == 0)
			tx_lost_clear(conn);
		return 0;
	}
	if ((rc = check_open(conn)) < 0)
		return rc;
	if (conn->tx_depth == 0)
		return orm__err(conn, ORM_EMISUSE, "orm_rollback: no transaction is open");
	if (conn->tx_depth == 1) {
		rc = tx_exec(conn, "ROLLBACK");
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT orm_sp_%d", conn->tx_depth - 1);
		rc = tx_exec(conn, sql);
		if (rc == 0) {
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT orm_sp_%d", conn->tx_depth - 1);
			rc = tx_exec(conn, sql);
		}
	}
	/* The level is closed even when the server already dropped it. */
	if (--conn->tx_depth == 0)
		tx_lost_clear(conn);
	return rc;
}

int orm_tx_depth(const orm_conn *conn)
{
	return conn ? conn->tx_depth : 0;
}

int orm_last_insert_id(orm_conn *conn, int64_t *out)
{
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = 0;
	if ((rc = check_open(conn)) < 0)
		return rc;
	if (!conn->drv->last_insert_id)
		return orm__err(conn, ORM_EUNSUPPORTED, "last_insert_id is not supported by the %s driver",
				conn->drv->name);
	return conn->drv->last_insert_id(conn, out);
}

int orm_conn_max_params(const orm_conn *conn)
{
	if (!conn)
		return 0;
	if (conn->drv)
		return conn->drv->max_params;
	switch (conn->dialect) {
	case ORM_DIALECT_SQLITE: return 32766;
	case ORM_DIALECT_POSTGRES: return 65535;
	case ORM_DIALECT_MARIADB: return 65535;
	}
	return 0;
}
