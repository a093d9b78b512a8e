/*
 * Running DDL on a connection: create / alter / drop / rename tables,
 * schemas, has_table / has_column, the SQLite foreign key switch, and the
 * *_sql variants that return the statements without running them.
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small query helpers ---- */

int orm__query_text(orm_conn *conn, char **out, const char *sql, const orm_value *params, int n)
{
	orm_stmt *st = NULL;
	int rc;

	*out = NULL;
	if ((rc = orm_prepare(&st, conn, sql)) < 0)
		return rc;
	if (n && (rc = orm_bind_values(st, params, n, ORM_BIND_STATIC)) < 0)
		goto out;
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		const char *s = orm_column_is_null(st, 0) ? NULL : orm_column_text(st, 0, NULL);
		rc = 0;
		if (s && !(*out = orm__strdup(s)))
			rc = ORM_ENOMEM;
	} else if (rc == ORM_DONE) {
		rc = ORM_ENOTFOUND;
	}
out:
	orm_stmt_free(st);
	return rc;
}

static int parse_version(const char *v, int parts_scale)
{
	int a = 0, b = 0, c = 0;

	if (!v)
		return 0;
	if (sscanf(v, "%d.%d.%d", &a, &b, &c) < 2)
		return 0;
	return parts_scale ? a * 1000000 + b * 1000 + c : a * 10000 + b * 100 + c;
}

int orm__server_version(orm_conn *conn, int *version, int *is_mysql)
{
	char *v = NULL;
	int rc;

	*version = 0;
	*is_mysql = 0;
	switch (orm_conn_dialect(conn)) {
	case ORM_DIALECT_SQLITE:
		rc = orm__query_text(conn, &v, "SELECT sqlite_version()", NULL, 0);
		if (rc == 0)
			*version = parse_version(v, 1);
		break;
	case ORM_DIALECT_POSTGRES:
		rc = orm__query_text(conn, &v, "SHOW server_version_num", NULL, 0);
		if (rc == 0 && v)
			*version = atoi(v);
		break;
	case ORM_DIALECT_MARIADB:
		rc = orm__query_text(conn, &v, "SELECT VERSION()", NULL, 0);
		if (rc == 0 && v) {
			*version = parse_version(v, 0);
			*is_mysql = strstr(v, "MariaDB") == NULL;
		}
		break;
	default:
		rc = ORM_EINVAL;
	}
	orm__free(v);
	return rc;
}

int orm__current_schema(char **out, orm_conn *conn)
{
	switch (orm_conn_dialect(conn)) {
	case ORM_DIALECT_SQLITE:
		*out = orm__strdup("main");
		return *out ? 0 : ORM_ENOMEM;
	case ORM_DIALECT_POSTGRES:
		return orm__query_text(conn, out, "SELECT current_schema()", NULL, 0);
	case ORM_DIALECT_MARIADB:
		return orm__query_text(conn, out, "SELECT DATABASE()", NULL, 0);
	default:
		*out = NULL;
		return ORM_EINVAL;
	}
}

/* ---- error handling ---- */

static int ctx_init(orm__ddl *x, orm_conn *conn)
{
	int rc;

	orm__ddl_init(x, orm_conn_dialect(conn), conn);
	if ((rc = orm__server_version(conn, &x->version, &x->is_mysql)) < 0)
		return orm__ddl_fail(x, rc, "reading the server version: %s", orm_conn_errmsg(conn));
	return 0;
}

/* Put the context's error on the connection (rc < 0) and dispose of it. */
static int finish(orm_conn *conn, orm__ddl *x, int rc)
{
	if (rc < 0) {
		orm_sys_errinfo info;
		memset(&info, 0, sizeof(info));
		info.code = x->code ? x->code : rc;
		info.native_code = x->native_code;
		info.sqlstate = x->sqlstate[0] ? x->sqlstate : NULL;
		info.table = x->err_table;
		info.column = x->err_column;
		info.constraint = x->err_constraint;
		info.offset = -1;
		rc = orm_sys_error(conn, &info, "%s", x->msg.ptr ? x->msg.ptr : orm_strerror(info.code));
	} else {
		orm__err_clear(conn);
	}
	orm__ddl_dispose(x);
	return rc;
}

/*
 * Run statements. On SQLite and PostgreSQL several statements run in one
 * transaction (a savepoint when one is open): all or nothing. MariaDB
 * commits every DDL statement on its own; a failure says which statement
 * failed and how many were applied before it.
 */
static int run_list(orm_conn *conn, orm__ddl *x, const orm_sql_list *l, const char *what)
{
	size_t i;
	int rc, tx = 0;

	if (l->count > 1 && x->d != ORM_DIALECT_MARIADB) {
		if ((rc = orm_begin(conn)) < 0)
			return orm__ddl_fail(x, rc, "%s: %s", what, orm_conn_errmsg(conn));
		tx = 1;
	}
	for (i = 0; i < l->count; i++) {
		if ((rc = orm_exec(conn, l->items[i])) < 0) {
			if (x->d == ORM_DIALECT_MARIADB && l->count > 1)
				orm__ddl_fail(x, rc, "%s: %s (statement %zu of %zu; MariaDB committed the %zu before it: %.200s)",
					      what, orm_conn_errmsg(conn), i + 1, l->count, i, l->items[i]);
			else
				orm__ddl_fail(x, rc, "%s: %s", what, orm_conn_errmsg(conn));
			if (tx)
				orm_rollback(conn);
			return x->code;
		}
	}
	if (tx && (rc = orm_commit(conn)) < 0) {
		orm__ddl_fail(x, rc, "%s: commit: %s", what, orm_conn_errmsg(conn));
		orm_rollback(conn);
		return x->code;
	}
	return 0;
}

static int check_conn(orm_conn *conn)
{
	return conn ? 0 : ORM_EINVAL;
}

/* ---- create / alter ---- */

static int create_sql(orm_sql_list *out, orm__ddl *x, orm_conn *conn, const orm_table *t, unsigned flags)
{
	int rc;

	if ((rc = ctx_init(x, conn)) < 0)
		return rc;
	return orm__ddl_create(out, x, t, flags);
}

int orm_schema_create_table_sql(orm_sql_list *out, orm_conn *conn, const orm_table *t, unsigned flags)
{
	orm__ddl x;
	int rc;

	if (check_conn(conn) < 0 || !out || !t)
		return ORM_EINVAL;
	rc = create_sql(out, &x, conn, t, flags);
	return finish(conn, &x, rc);
}

int orm_schema_create_table(orm_conn *conn, const orm_table *t, unsigned flags)
{
	orm__ddl x;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int rc;

	if (check_conn(conn) < 0 || !t)
		return ORM_EINVAL;
	rc = create_sql(&l, &x, conn, t, flags);
	if (rc == 0) {
		char *what = orm__sprintf("create table \"%s\"", t->name);
		rc = run_list(conn, &x, &l, what ? what : "create table");
		orm__free(what);
	}
	orm_sql_list_dispose(&l);
	return finish(conn, &x, rc);
}

int orm_schema_alter_table_sql(orm_sql_list *out, orm_conn *conn, const orm_table *t)
{
	orm__ddl x;
	int rc, rebuild = 0;

	if (check_conn(conn) < 0 || !out || !t)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0) {
		if (t->err)
			rc = orm__ddl_fail(&x, t->err, "%s", orm_table_errmsg(t));
		else if (!t->alter)
			rc = orm__ddl_fail(&x, ORM_EINVAL, "table \"%s\": a create definition given to alter", t->name);
		else if (x.d == ORM_DIALECT_SQLITE)
			rc = orm__sqlite_alter_plan(out, &x, t, &rebuild);
		else
			rc = orm__ddl_alter(out, &x, t);
	}
	return finish(conn, &x, rc);
}

int orm_schema_alter_table(orm_conn *conn, const orm_table *t)
{
	orm__ddl x;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int rc;

	if (check_conn(conn) < 0 || !t)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0) {
		if (t->err)
			rc = orm__ddl_fail(&x, t->err, "%s", orm_table_errmsg(t));
		else if (!t->alter)
			rc = orm__ddl_fail(&x, ORM_EINVAL, "table \"%s\": a create definition given to alter", t->name);
		else if (x.d == ORM_DIALECT_SQLITE)
			rc = orm__sqlite_alter_run(conn, &x, t);
		else if ((rc = orm__ddl_alter(&l, &x, t)) == 0) {
			char *what = orm__sprintf("alter table \"%s\"", t->name);
			rc = run_list(conn, &x, &l, what ? what : "alter table");
			orm__free(what);
		}
	}
	orm_sql_list_dispose(&l);
	return finish(conn, &x, rc);
}

int orm_schema_ddl(orm_sql_list *out, orm_dialect d, const orm_table *t, unsigned flags)
{
	orm__ddl x;
	int rc, rebuild = 0;

	if (!out || !t || d < ORM_DIALECT_SQLITE || d > ORM_DIALECT_MARIADB)
		return ORM_EINVAL;
	orm__ddl_init(&x, d, NULL);
	if (t->err)
		rc = t->err;
	else if (!t->alter)
		rc = orm__ddl_create(out, &x, t, flags);
	else if (d == ORM_DIALECT_SQLITE)
		rc = orm__sqlite_alter_plan(out, &x, t, &rebuild);
	else
		rc = orm__ddl_alter(out, &x, t);
	orm__ddl_dispose(&x);
	return rc;
}

/* ---- drop / rename ---- */

struct childref {
	char *msg;
};

static int sqlite_children(orm_conn *conn, orm__ddl *x, const char *schema, const char *bare, char **msg)
{
	orm_stmt *st = NULL;
	orm_buf q = ORM_BUF_INIT;
	int rc;
	orm_value p[1];

	*msg = NULL;
	/* tables (other than itself) whose foreign keys point at it */
	if (orm_buf_puts(&q, "SELECT m.name, f.\"from\" FROM ") < 0 || orm__ddl_ident(&q, x, schema ? schema : "main") < 0 ||
	    orm_buf_puts(&q, ".sqlite_schema AS m, pragma_foreign_key_list(m.name, ") < 0 ||
	    orm__ddl_string_lit(&q, x, schema ? schema : "main") < 0 ||
	    orm_buf_puts(&q, ") AS f WHERE m.type = 'table' AND lower(f.\"table\") = lower(?) AND lower(m.name) <> lower(?) "
			     "ORDER BY m.name LIMIT 1") < 0) {
		orm_buf_dispose(&q);
		return ORM_ENOMEM;
	}
	rc = orm_prepare_uncached(&st, conn, q.ptr);
	orm_buf_dispose(&q);
	if (rc < 0)
		return rc;
	p[0] = orm_text(bare);
	if ((rc = orm_bind_values(st, p, 1, ORM_BIND_STATIC)) == 0 && (rc = orm_bind_text(st, 2, bare, -1, ORM_BIND_STATIC)) == 0) {
		rc = orm_stmt_step(st);
		if (rc == ORM_ROW) {
			*msg = orm__sprintf("\"%s\".\"%s\"", orm_column_text(st, 0, NULL), orm_column_text(st, 1, NULL));
			rc = *msg ? 0 : ORM_ENOMEM;
		} else if (rc == ORM_DONE) {
			rc = 0;
		}
	}
	orm_stmt_free(st);
	return rc;
}

static int drop_sql(orm_sql_list *out, orm__ddl *x, const char *name, unsigned flags)
{
	orm_buf b = ORM_BUF_INIT;
	char *schema = NULL, *bare = NULL;
	int rc;

	if (!name || !*name)
		return orm__ddl_fail(x, ORM_EINVAL, "drop table: empty name");
	if (orm__split_name(name, &schema, &bare) < 0)
		return orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
	if (x->d == ORM_DIALECT_SQLITE && x->conn) {
		/* Dropping a parent on SQLite with foreign keys on deletes its rows
		 * first, running ON DELETE CASCADE on every child: refuse, as
		 * PostgreSQL and MariaDB do. */
		int64_t fk_on = 0;
		char *child = NULL;
		rc = orm_query_int(x->conn, &fk_on, "PRAGMA foreign_keys", NULL, 0);
		if (rc == 0 && fk_on)
			rc = sqlite_children(x->conn, x, schema, bare, &child);
		if (rc < 0) {
			rc = orm__ddl_fail(x, rc, "drop table \"%s\": %s", name, orm_conn_errmsg(x->conn));
			goto out;
		}
		if (child) {
			rc = orm__ddl_fail(x, ORM_ECONSTRAINT, "drop table \"%s\": %s references it; drop that table or its foreign key first",
					   name, child);
			orm__free(child);
			goto out;
		}
	}
	if (orm_buf_puts(&b, (flags & ORM_SCHEMA_IF_EXISTS) ? "DROP TABLE IF EXISTS " : "DROP TABLE ") < 0) {
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = orm__ddl_qname(&b, x, schema, bare)) < 0)
		goto out;
	if ((flags & ORM_SCHEMA_CASCADE) && x->d == ORM_DIALECT_POSTGRES && orm_buf_puts(&b, " CASCADE") < 0) {
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if (orm_sql_list_add(out, b.ptr) < 0)
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
out:
	orm_buf_dispose(&b);
	orm__free(schema);
	orm__free(bare);
	return rc;
}

int orm_schema_drop_table_sql(orm_sql_list *out, orm_conn *conn, const char *name, unsigned flags)
{
	orm__ddl x;
	int rc;

	if (check_conn(conn) < 0 || !out)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0)
		rc = drop_sql(out, &x, name, flags);
	return finish(conn, &x, rc);
}

int orm_schema_drop_table(orm_conn *conn, const char *name, unsigned flags)
{
	orm__ddl x;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int rc;

	if (check_conn(conn) < 0)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0 && (rc = drop_sql(&l, &x, name, flags)) == 0) {
		char *what = orm__sprintf("drop table \"%s\"", name);
		rc = run_list(conn, &x, &l, what ? what : "drop table");
		orm__free(what);
	}
	orm_sql_list_dispose(&l);
	return finish(conn, &x, rc);
}

static int rename_sql(orm_sql_list *out, orm__ddl *x, const char *from, const char *to)
{
	orm_buf b = ORM_BUF_INIT;
	char *schema = NULL, *bare = NULL;
	int rc;

	if (!from || !*from || !to || !*to)
		return orm__ddl_fail(x, ORM_EINVAL, "rename table: empty name");
	if (strchr(to, '.'))
		return orm__ddl_fail(x, ORM_EINVAL, "rename table \"%s\": the new name \"%s\" must not name a schema", from, to);
	if (orm__split_name(from, &schema, &bare) < 0)
		return orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
	if (x->d == ORM_DIALECT_MARIADB) {
		rc = orm_buf_puts(&b, "RENAME TABLE ") < 0 ? ORM_ENOMEM : 0;
		if (rc == 0 && (rc = orm__ddl_qname(&b, x, schema, bare)) == 0 && (rc = orm_buf_puts(&b, " TO ") < 0 ? ORM_ENOMEM : 0) == 0)
			rc = orm__ddl_qname(&b, x, schema, to);
	} else {
		rc = orm_buf_puts(&b, "ALTER TABLE ") < 0 ? ORM_ENOMEM : 0;
		if (rc == 0 && (rc = orm__ddl_qname(&b, x, schema, bare)) == 0 &&
		    (rc = orm_buf_puts(&b, " RENAME TO ") < 0 ? ORM_ENOMEM : 0) == 0)
			rc = orm__ddl_ident(&b, x, to);
	}
	if (rc == ORM_ENOMEM)
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
	if (rc == 0 && orm_sql_list_add(out, b.ptr) < 0)
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
	orm_buf_dispose(&b);
	orm__free(schema);
	orm__free(bare);
	return rc;
}

int orm_schema_rename_table_sql(orm_sql_list *out, orm_conn *conn, const char *from, const char *to)
{
	orm__ddl x;
	int rc;

	if (check_conn(conn) < 0 || !out)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0)
		rc = rename_sql(out, &x, from, to);
	return finish(conn, &x, rc);
}

int orm_schema_rename_table(orm_conn *conn, const char *from, const char *to)
{
	orm__ddl x;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int rc;

	if (check_conn(conn) < 0)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0 && (rc = rename_sql(&l, &x, from, to)) == 0) {
		char *what = orm__sprintf("rename table \"%s\" to \"%s\"", from, to);
		rc = run_list(conn, &x, &l, what ? what : "rename table");
		orm__free(what);
	}
	orm_sql_list_dispose(&l);
	return finish(conn, &x, rc);
}

/* ---- schemas ---- */

static int schema_sql(orm_sql_list *out, orm__ddl *x, const char *name, unsigned flags, int create)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;
	const char *kw;

	if (!name || !*name)
		return orm__ddl_fail(x, ORM_EINVAL, "%s schema: empty name", create ? "create" : "drop");
	if (x->d == ORM_DIALECT_SQLITE)
		return orm__ddl_fail(x, ORM_EUNSUPPORTED, "%s schema \"%s\": SQLite has no schemas; attach a database file with ATTACH DATABASE instead",
				     create ? "create" : "drop", name);
	kw = x->d == ORM_DIALECT_POSTGRES ? "SCHEMA" : "DATABASE";
	if (create)
		rc = orm_buf_printf(&b, "CREATE %s %s", kw, (flags & ORM_SCHEMA_IF_NOT_EXISTS) ? "IF NOT EXISTS " : "");
	else
		rc = orm_buf_printf(&b, "DROP %s %s", kw, (flags & ORM_SCHEMA_IF_EXISTS) ? "IF EXISTS " : "");
	if (rc < 0) {
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = orm__ddl_ident(&b, x, name)) < 0)
		goto out;
	if (create && x->d == ORM_DIALECT_MARIADB && orm_buf_puts(&b, " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci") < 0) {
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if (!create && (flags & ORM_SCHEMA_CASCADE) && x->d == ORM_DIALECT_POSTGRES && orm_buf_puts(&b, " CASCADE") < 0) {
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
		goto out;
	}
	if (orm_sql_list_add(out, b.ptr) < 0)
		rc = orm__ddl_fail(x, ORM_ENOMEM, "out of memory");
out:
	orm_buf_dispose(&b);
	return rc;
}

static int schema_op(orm_sql_list *out, orm_conn *conn, const char *name, unsigned flags, int create)
{
	orm__ddl x;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	int rc;

	if (check_conn(conn) < 0)
		return ORM_EINVAL;
	if ((rc = ctx_init(&x, conn)) == 0 && (rc = schema_sql(out ? out : &l, &x, name, flags, create)) == 0 && !out) {
		char *what = orm__sprintf("%s schema \"%s\"", create ? "create" : "drop", name);
		rc = run_list(conn, &x, &l, what ? what : "schema");
		orm__free(what);
	}
	orm_sql_list_dispose(&l);
	return finish(conn, &x, rc);
}

int orm_schema_create_schema(orm_conn *conn, const char *name, unsigned flags)
{
	return schema_op(NULL, conn, name, flags, 1);
}

int orm_schema_drop_schema(orm_conn *conn, const char *name, unsigned flags)
{
	return schema_op(NULL, conn, name, flags, 0);
}

int orm_schema_create_schema_sql(orm_sql_list *out, orm_conn *conn, const char *name, unsigned flags)
{
	if (!out)
		return ORM_EINVAL;
	return schema_op(out, conn, name, flags, 1);
}

int orm_schema_drop_schema_sql(orm_sql_list *out, orm_conn *conn, const char *name, unsigned flags)
{
	if (!out)
		return ORM_EINVAL;
	return schema_op(out, conn, name, flags, 0);
}

/* ---- has_table / has_column ---- */

static int exists_query(int *exists, orm_conn *conn, const char *table, const char *column)
{
	char *schema = NULL, *bare = NULL;
	orm_buf q = ORM_BUF_INIT;
	orm_value p[3];
	int n = 0, rc;
	int64_t cnt = 0;
	orm__ddl x;

	*exists = 0;
	if (!table || !*table || (column && !*column))
		return orm__err(conn, ORM_EINVAL, "has_%s: empty name", column ? "column" : "table");
	if (orm__split_name(table, &schema, &bare) < 0)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	orm__ddl_init(&x, orm_conn_dialect(conn), NULL);
	switch (x.d) {
	case ORM_DIALECT_SQLITE:
		if (!column) {
			if (orm_buf_puts(&q, "SELECT count(*) FROM ") < 0 || orm__ddl_ident(&q, &x, schema ? schema : "main") < 0 ||
			    orm_buf_puts(&q, ".sqlite_schema WHERE type IN ('table', 'view') AND lower(name) = lower(?)") < 0)
				goto nomem;
			p[n++] = orm_text(bare);
		} else {
			if (orm_buf_puts(&q, "SELECT count(*) FROM pragma_table_xinfo(?, ?) WHERE lower(name) = lower(?)") < 0)
				goto nomem;
			p[n++] = orm_text(bare);
			p[n++] = orm_text(schema ? schema : "main");
			p[n++] = orm_text(column);
		}
		break;
	case ORM_DIALECT_POSTGRES:
		if (!column) {
			if (orm_buf_puts(&q, "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					     "WHERE n.nspname = COALESCE(CAST(? AS text), current_schema()) AND c.relname = ? "
					     "AND c.relkind IN ('r', 'v', 'm', 'p', 'f')") < 0)
				goto nomem;
		} else if (orm_buf_puts(&q, "SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
					    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					    "WHERE n.nspname = COALESCE(CAST(? AS text), current_schema()) AND c.relname = ? "
					    "AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped") < 0) {
			goto nomem;
		}
		p[n++] = schema ? orm_text(schema) : orm_null();
		p[n++] = orm_text(bare);
		if (column)
			p[n++] = orm_text(column);
		break;
	case ORM_DIALECT_MARIADB:
		if (orm_buf_puts(&q, column ? "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) "
					      "AND TABLE_NAME = ? AND COLUMN_NAME = ?"
					    : "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) "
					      "AND TABLE_NAME = ?") < 0)
			goto nomem;
		p[n++] = schema ? orm_text(schema) : orm_null();
		p[n++] = orm_text(bare);
		if (column)
			p[n++] = orm_text(column);
		break;
	default:
		rc = ORM_EINVAL;
		goto out;
	}
	rc = orm_query_int(conn, &cnt, q.ptr, p, n);
	if (rc == 0)
		*exists = cnt > 0;
	goto out;
nomem:
	rc = orm__err(conn, ORM_ENOMEM, "out of memory");
out:
	orm__ddl_dispose(&x);
	orm_buf_dispose(&q);
	orm__free(schema);
	orm__free(bare);
	return rc;
}

int orm_schema_has_table(int *exists, orm_conn *conn, const char *table)
{
	if (!exists || !conn)
		return ORM_EINVAL;
	return exists_query(exists, conn, table, NULL);
}

int orm_schema_has_column(int *exists, orm_conn *conn, const char *table, const char *column)
{
	if (!exists || !conn || !column)
		return ORM_EINVAL;
	return exists_query(exists, conn, table, column);
}

/* ---- SQLite foreign key switch ---- */

int orm_schema_foreign_keys_off(orm_conn *conn, int *was_on)
{
	int64_t on = 0;
	int rc;

	if (!conn || !was_on)
		return ORM_EINVAL;
	*was_on = 0;
	if (orm_conn_dialect(conn) != ORM_DIALECT_SQLITE)
		return 0;
	if (orm_tx_depth(conn) > 0)
		return orm__err(conn, ORM_EMISUSE, "orm_schema_foreign_keys_off: SQLite ignores PRAGMA foreign_keys inside a transaction; call it before BEGIN");
	if ((rc = orm_query_int(conn, &on, "PRAGMA foreign_keys", NULL, 0)) < 0)
		return rc;
	*was_on = on != 0;
	if (on && (rc = orm_exec(conn, "PRAGMA foreign_keys = OFF")) < 0)
		return rc;
	return 0;
}

int orm_schema_foreign_keys_restore(orm_conn *conn, int was_on)
{
	if (!conn)
		return ORM_EINVAL;
	if (orm_conn_dialect(conn) != ORM_DIALECT_SQLITE || !was_on)
		return 0;
	if (orm_tx_depth(conn) > 0)
		return orm__err(conn, ORM_EMISUSE, "orm_schema_foreign_keys_restore: call it after COMMIT or ROLLBACK");
	return orm_exec(conn, "PRAGMA foreign_keys = ON");
}

int orm_schema_foreign_key_check(orm_conn *conn, const char *table)
{
	char *schema = NULL, *bare = NULL, *msg = NULL;
	int rc;

	if (!conn)
		return ORM_EINVAL;
	if (orm_conn_dialect(conn) != ORM_DIALECT_SQLITE)
		return 0;
	if (table && orm__split_name(table, &schema, &bare) < 0)
		return orm__err(conn, ORM_ENOMEM, "out of memory");
	rc = orm__sqlite_fk_check(conn, schema, bare, &msg);
	if (rc == ORM_ENOMEM)
		rc = orm__err(conn, ORM_ENOMEM, "out of memory");
	else if (rc == 0 && msg)
		rc = orm__err(conn, ORM_EFOREIGNKEY, "foreign key check: %s", msg);
	orm__free(msg);
	orm__free(schema);
	orm__free(bare);
	return rc;
}
