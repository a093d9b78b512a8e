/*
 * Schema dump: the live schema as SQL that recreates it, made by the
 * library (no pg_dump / mysqldump). Deterministic: objects sorted by name
 * (tables in foreign-key order, ties by name), no dates, no versions, no
 * schema names, so dump -> load -> dump gives the same bytes.
 *
 * SQLite: the CREATE texts SQLite keeps in sqlite_schema, verbatim.
 * PostgreSQL: built from the catalog (introspect.c) plus enum types and
 *   domains of the schema; views from pg_get_viewdef with the schema on
 *   the search_path; functions and triggers are not dumped.
 * MariaDB: SHOW CREATE TABLE without the AUTO_INCREMENT counter, views
 *   from information_schema without the database qualifier, loaded with
 *   FOREIGN_KEY_CHECKS off.
 */
#include "schema/schema_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUTS(s) do { if (orm_buf_puts(out, (s)) < 0) { rc = ORM_ENOMEM; goto out; } } while (0)

/* ---- foreign key order ---- */

/* order[] = indexes of tables parents first, ties by name; tables are sorted by name already */
static int fk_order(const orm_schema_info *s, size_t *order)
{
	size_t n = orm_schema_info_count(s), done = 0, i, j, k;
	char *emitted = orm__calloc(n ? n : 1, 1);

	if (!emitted)
		return ORM_ENOMEM;
	while (done < n) {
		int progress = 0;
		for (i = 0; i < n; i++) {
			const orm_table_info *t = orm_schema_info_table(s, i);
			int ready = 1;
			if (emitted[i])
				continue;
			for (j = 0; j < t->nforeign_keys && ready; j++) {
				const orm_fk_info *fk = t->foreign_keys[j];
				if (*fk->ref_schema || strcmp(fk->ref_table, t->name) == 0)
					continue;
				for (k = 0; k < n; k++)
					if (!emitted[k] && strcmp(orm_schema_info_table(s, k)->name, fk->ref_table) == 0)
						ready = 0;
			}
			if (ready) {
				emitted[i] = 1;
				order[done++] = i;
				progress = 1;
				break; /* restart: smallest name first */
			}
		}
		if (!progress) {
			/* a cycle: take the first remaining table */
			for (i = 0; i < n; i++)
				if (!emitted[i]) {
					emitted[i] = 1;
					order[done++] = i;
					break;
				}
		}
	}
	orm__free(emitted);
	return 0;
}

/* ---- SQLite ---- */

struct sq_obj {
	char **sql;
	char **name;
	size_t n;
};

static int sq_row(orm_stmt *st, void *ud)
{
	struct sq_obj *o = ud;
	char **ns = orm__realloc(o->sql, (o->n + 1) * sizeof(*ns));
	char **nn;

	if (!ns)
		return ORM_ENOMEM;
	o->sql = ns;
	nn = orm__realloc(o->name, (o->n + 1) * sizeof(*nn));
	if (!nn)
		return ORM_ENOMEM;
	o->name = nn;
	ns[o->n] = orm__strdup(orm_column_text(st, 1, NULL));
	nn[o->n] = orm__strdup(orm_column_text(st, 0, NULL));
	o->n++;
	return ns[o->n - 1] && nn[o->n - 1] ? 0 : ORM_ENOMEM;
}

static void sq_obj_free(struct sq_obj *o)
{
	orm__strlist_free(o->sql, o->n);
	orm__strlist_free(o->name, o->n);
	memset(o, 0, sizeof(*o));
}

static int sq_objects(orm_conn *conn, const char *schema, const char *type, struct sq_obj *o)
{
	orm_stmt *st = NULL;
	orm_buf q = ORM_BUF_INIT;
	orm__ddl x;
	int rc;

	orm__ddl_init(&x, ORM_DIALECT_SQLITE, NULL);
	if (orm_buf_puts(&q, "SELECT name, sql FROM ") < 0 || orm__ddl_ident(&q, &x, schema) < 0 ||
	    orm_buf_puts(&q, ".sqlite_schema WHERE type = ? AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name") < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if ((rc = orm_prepare_uncached(&st, conn, q.ptr)) < 0 || (rc = orm_bind_text(st, 1, type, -1, ORM_BIND_STATIC)) < 0)
		goto out;
	while ((rc = orm_stmt_step(st)) == ORM_ROW)
		if ((rc = sq_row(st, o)) < 0)
			goto out;
	if (rc == ORM_DONE)
		rc = 0;
out:
	orm_stmt_free(st);
	orm_buf_dispose(&q);
	orm__ddl_dispose(&x);
	return rc;
}

static int sqlite_dump(orm_buf *out, orm_conn *conn, const orm_schema_info *s, const char *schema, unsigned flags)
{
	struct sq_obj tabs = { 0 }, idx = { 0 }, views = { 0 }, trg = { 0 };
	size_t n = orm_schema_info_count(s), i, j, *order = NULL;
	int rc;

	if ((rc = sq_objects(conn, schema, "table", &tabs)) < 0 || (rc = sq_objects(conn, schema, "index", &idx)) < 0 ||
	    (rc = sq_objects(conn, schema, "view", &views)) < 0 || (rc = sq_objects(conn, schema, "trigger", &trg)) < 0)
		goto out;
	order = orm__calloc(n ? n : 1, sizeof(*order));
	if (!order || fk_order(s, order) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const orm_table_info *t = orm_schema_info_table(s, order[i]);
		if (t->is_view)
			continue;
		for (j = 0; j < tabs.n; j++)
			if (strcmp(tabs.name[j], t->name) == 0) {
				PUTS(tabs.sql[j]);
				PUTS(";\n");
			}
	}
	for (j = 0; j < idx.n; j++) {
		PUTS(idx.sql[j]);
		PUTS(";\n");
	}
	if (!(flags & ORM_DUMP_NO_VIEWS))
		for (j = 0; j < views.n; j++) {
			PUTS(views.sql[j]);
			PUTS(";\n");
		}
	for (j = 0; j < trg.n; j++) {
		PUTS(trg.sql[j]);
		PUTS(";\n");
	}
	rc = 0;
out:
	orm__free(order);
	sq_obj_free(&tabs);
	sq_obj_free(&idx);
	sq_obj_free(&views);
	sq_obj_free(&trg);
	return rc;
}

/* ---- PostgreSQL ---- */

static int pg_ident(orm_buf *out, const char *s)
{
	orm__ddl x;
	int rc;

	orm__ddl_init(&x, ORM_DIALECT_POSTGRES, NULL);
	rc = orm__ddl_ident(out, &x, s);
	orm__ddl_dispose(&x);
	return rc < 0 ? ORM_ENOMEM : 0;
}

static int pg_lit(orm_buf *out, const char *s)
{
	orm__ddl x;
	int rc;

	orm__ddl_init(&x, ORM_DIALECT_POSTGRES, NULL);
	rc = orm__ddl_string_lit(out, &x, s);
	orm__ddl_dispose(&x);
	return rc < 0 ? ORM_ENOMEM : 0;
}

struct pg_types {
	orm_buf *out;
	int rc;
};

static int pg_row_type(orm_stmt *st, void *ud)
{
	struct pg_types *pt = ud;
	const char *s = orm_column_text(st, 0, NULL);

	if (orm_buf_puts(pt->out, s) < 0 || orm_buf_puts(pt->out, ";\n") < 0)
		return ORM_ENOMEM;
	return 0;
}

static int run_rows(orm_conn *conn, const char *sql, const orm_value *p, int n, int (*cb)(orm_stmt *, void *), void *ud)
{
	orm_stmt *st = NULL;
	int rc;

	if ((rc = orm_prepare_uncached(&st, conn, sql)) < 0)
		return rc;
	if (n && (rc = orm_bind_values(st, p, n, ORM_BIND_STATIC)) < 0)
		goto out;
	while ((rc = orm_stmt_step(st)) == ORM_ROW)
		if ((rc = cb(st, ud)) < 0)
			goto out;
	if (rc == ORM_DONE)
		rc = 0;
out:
	orm_stmt_free(st);
	return rc;
}

static int pg_column(orm_buf *out, const orm_col_info *c)
{
	const char *type = c->type;

	if (pg_ident(out, c->name) < 0 || orm_buf_puts(out, " ") < 0)
		return ORM_ENOMEM;
	if (c->auto_increment && c->default_sql && strncmp(c->default_sql, "nextval(", 8) == 0) {
		/* serial: the sequence comes with the type */
		if (!strcmp(type, "bigint"))
			type = "bigserial";
		else if (!strcmp(type, "smallint"))
			type = "smallserial";
		else
			type = "serial";
		if (orm_buf_puts(out, type) < 0)
			return ORM_ENOMEM;
		return c->nullable ? 0 : (orm_buf_puts(out, " NOT NULL") < 0 ? ORM_ENOMEM : 0);
	}
	if (orm_buf_puts(out, type) < 0)
		return ORM_ENOMEM;
	if (c->auto_increment && orm_buf_puts(out, " GENERATED BY DEFAULT AS IDENTITY") < 0)
		return ORM_ENOMEM;
	if (*c->collation && (orm_buf_puts(out, " COLLATE ") < 0 || pg_ident(out, c->collation) < 0))
		return ORM_ENOMEM;
	if (!c->nullable && orm_buf_puts(out, " NOT NULL") < 0)
		return ORM_ENOMEM;
	if (c->default_sql && (orm_buf_puts(out, " DEFAULT ") < 0 || orm_buf_puts(out, c->default_sql) < 0))
		return ORM_ENOMEM;
	return 0;
}

static int pg_fk(orm_buf *out, const orm_fk_info *fk)
{
	size_t i;

	if (orm_buf_puts(out, "CONSTRAINT ") < 0 || pg_ident(out, fk->name) < 0 || orm_buf_puts(out, " FOREIGN KEY (") < 0)
		return ORM_ENOMEM;
	for (i = 0; i < fk->ncolumns; i++)
		if ((i && orm_buf_puts(out, ", ") < 0) || pg_ident(out, fk->columns[i]) < 0)
			return ORM_ENOMEM;
	if (orm_buf_puts(out, ") REFERENCES ") < 0)
		return ORM_ENOMEM;
	if (*fk->ref_schema && (pg_ident(out, fk->ref_schema) < 0 || orm_buf_puts(out, ".") < 0))
		return ORM_ENOMEM;
	if (pg_ident(out, fk->ref_table) < 0 || orm_buf_puts(out, " (") < 0)
		return ORM_ENOMEM;
	for (i = 0; i < fk->ncolumns; i++)
		if ((i && orm_buf_puts(out, ", ") < 0) || pg_ident(out, fk->ref_columns[i]) < 0)
			return ORM_ENOMEM;
	if (orm_buf_puts(out, ")") < 0)
		return ORM_ENOMEM;
	if (fk->on_delete != ORM_FK_NO_ACTION && fk->on_delete != ORM_FK_DEFAULT &&
	    orm_buf_printf(out, " ON DELETE %s", orm_fk_action_sql(fk->on_delete)) < 0)
		return ORM_ENOMEM;
	if (fk->on_update != ORM_FK_NO_ACTION && fk->on_update != ORM_FK_DEFAULT &&
	    orm_buf_printf(out, " ON UPDATE %s", orm_fk_action_sql(fk->on_update)) < 0)
		return ORM_ENOMEM;
	return 0;
}

/* pg_get_indexdef qualifies the table with its schema: drop that */
static int pg_index_sql(orm_buf *out, orm_conn *conn, const char *schema, const orm_table_info *t, const orm_index_info *ix)
{
	char *qs = NULL, *qt = NULL, *needle = NULL;
	const char *pos;
	orm_value p[1];
	int rc;

	p[0] = orm_text(schema);
	if ((rc = orm__query_text(conn, &qs, "SELECT quote_ident(?)", p, 1)) < 0)
		goto out;
	p[0] = orm_text(t->name);
	if ((rc = orm__query_text(conn, &qt, "SELECT quote_ident(?)", p, 1)) < 0)
		goto out;
	needle = orm__sprintf(" ON %s.%s ", qs, qt);
	if (!needle) {
		rc = ORM_ENOMEM;
		goto out;
	}
	pos = strstr(ix->sql, needle);
	if (pos) {
		if (orm_buf_put(out, ix->sql, (size_t)(pos - ix->sql)) < 0 || orm_buf_puts(out, " ON ") < 0 ||
		    orm_buf_puts(out, qt) < 0 || orm_buf_puts(out, " ") < 0 || orm_buf_puts(out, pos + strlen(needle)) < 0)
			rc = ORM_ENOMEM;
	} else if (orm_buf_puts(out, ix->sql) < 0) {
		rc = ORM_ENOMEM;
	}
out:
	orm__free(qs);
	orm__free(qt);
	orm__free(needle);
	return rc;
}

static int pg_dump(orm_buf *out, orm_conn *conn, const orm_schema_info *s, const char *schema, unsigned flags)
{
	size_t n = orm_schema_info_count(s), i, j, *order = NULL;
	char *emitted = NULL;
	orm_value p[1];
	struct pg_types pt;
	int rc;

	p[0] = orm_text(schema);
	pt.out = out;
	pt.rc = 0;
	/* enum types and domains of the schema, by name */
	rc = run_rows(conn,
		      "SELECT 'CREATE TYPE ' || quote_ident(t.typname) || ' AS ENUM (' || "
		      "string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')' "
		      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
		      "JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid WHERE n.nspname = ? "
		      "GROUP BY t.typname ORDER BY t.typname COLLATE \"C\"",
		      p, 1, pg_row_type, &pt);
	if (rc < 0)
		goto out;
	rc = run_rows(conn,
		      "SELECT 'CREATE DOMAIN ' || quote_ident(t.typname) || ' AS ' || "
		      "pg_catalog.format_type(t.typbasetype, t.typtypmod) || "
		      "CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END || "
		      "COALESCE(' DEFAULT ' || t.typdefault, '') || "
		      "COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_catalog.pg_get_constraintdef(c.oid), '' "
		      "ORDER BY c.conname COLLATE \"C\") FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid), '') "
		      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
		      "WHERE n.nspname = ? AND t.typtype = 'd' ORDER BY t.typname COLLATE \"C\"",
		      p, 1, pg_row_type, &pt);
	if (rc < 0)
		goto out;
	order = orm__calloc(n ? n : 1, sizeof(*order));
	emitted = orm__calloc(n ? n : 1, 1);
	if (!order || !emitted || fk_order(s, order) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const orm_table_info *t = orm_schema_info_table(s, order[i]);
		size_t k = 0;
		if (t->is_view)
			continue;
		PUTS("CREATE TABLE ");
		if (pg_ident(out, t->name) < 0) {
			rc = ORM_ENOMEM;
			goto out;
		}
		PUTS(" (");
		for (j = 0; j < t->ncolumns; j++, k++) {
			PUTS(k ? ",\n  " : "\n  ");
			if ((rc = pg_column(out, t->columns[j])) < 0)
				goto out;
		}
		if (t->nprimary) {
			PUTS(",\n  CONSTRAINT ");
			if (pg_ident(out, t->primary_name) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(" PRIMARY KEY (");
			for (j = 0; j < t->nprimary; j++) {
				if (j)
					PUTS(", ");
				if (pg_ident(out, t->primary_key[j]) < 0) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
			PUTS(")");
		}
		for (j = 0; j < t->nindexes; j++) {
			const orm_index_info *ix = t->indexes[j];
			size_t m;
			if (!ix->constraint)
				continue;
			PUTS(",\n  CONSTRAINT ");
			if (pg_ident(out, ix->name) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(" UNIQUE (");
			for (m = 0; m < ix->ncolumns; m++) {
				if (m)
					PUTS(", ");
				if (pg_ident(out, ix->columns[m] ? ix->columns[m] : "?") < 0) {
					rc = ORM_ENOMEM;
					goto out;
				}
			}
			PUTS(")");
		}
		for (j = 0; j < t->nchecks; j++) {
			PUTS(",\n  CONSTRAINT ");
			if (pg_ident(out, t->checks[j]->name) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(" CHECK (");
			PUTS(t->checks[j]->expr);
			PUTS(")");
		}
		/* foreign keys to tables already created (or itself) inline */
		for (j = 0; j < t->nforeign_keys; j++) {
			const orm_fk_info *fk = t->foreign_keys[j];
			size_t m;
			int ready = *fk->ref_schema || strcmp(fk->ref_table, t->name) == 0;
			for (m = 0; m < n && !ready; m++)
				if (emitted[m] && strcmp(orm_schema_info_table(s, m)->name, fk->ref_table) == 0)
					ready = 1;
			if (!ready)
				continue;
			PUTS(",\n  ");
			if ((rc = pg_fk(out, fk)) < 0)
				goto out;
		}
		PUTS("\n);\n");
		emitted[order[i]] = 1;
		if (*t->comment) {
			PUTS("COMMENT ON TABLE ");
			if (pg_ident(out, t->name) < 0 || orm_buf_puts(out, " IS ") < 0 || pg_lit(out, t->comment) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(";\n");
		}
		for (j = 0; j < t->ncolumns; j++) {
			const orm_col_info *c = t->columns[j];
			if (!*c->comment)
				continue;
			PUTS("COMMENT ON COLUMN ");
			if (pg_ident(out, t->name) < 0 || orm_buf_puts(out, ".") < 0 || pg_ident(out, c->name) < 0 ||
			    orm_buf_puts(out, " IS ") < 0 || pg_lit(out, c->comment) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(";\n");
		}
	}
	/* plain indexes */
	for (i = 0; i < n; i++) {
		const orm_table_info *t = orm_schema_info_table(s, i);
		for (j = 0; j < t->nindexes; j++) {
			if (t->indexes[j]->constraint)
				continue;
			if ((rc = pg_index_sql(out, conn, schema, t, t->indexes[j])) < 0)
				goto out;
			PUTS(";\n");
		}
	}
	/* foreign keys that close a cycle */
	for (i = 0; i < n; i++) {
		const orm_table_info *t = orm_schema_info_table(s, order[i]);
		for (j = 0; j < t->nforeign_keys; j++) {
			const orm_fk_info *fk = t->foreign_keys[j];
			size_t m, pos_ref = n;
			if (*fk->ref_schema || strcmp(fk->ref_table, t->name) == 0)
				continue;
			for (m = 0; m < n; m++)
				if (strcmp(orm_schema_info_table(s, order[m])->name, fk->ref_table) == 0)
					pos_ref = m;
			if (pos_ref < i)
				continue; /* inline already */
			PUTS("ALTER TABLE ");
			if (pg_ident(out, t->name) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(" ADD ");
			if ((rc = pg_fk(out, fk)) < 0)
				goto out;
			PUTS(";\n");
		}
	}
	if (!(flags & ORM_DUMP_NO_VIEWS)) {
		for (i = 0; i < n; i++) {
			const orm_table_info *t = orm_schema_info_table(s, i);
			size_t len;
			if (!t->is_view)
				continue;
			PUTS("CREATE VIEW ");
			if (pg_ident(out, t->name) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(" AS\n");
			len = strlen(t->view_sql);
			while (len && (t->view_sql[len - 1] == ';' || isspace((unsigned char)t->view_sql[len - 1])))
				len--;
			if (orm_buf_put(out, t->view_sql, len) < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			PUTS(";\n");
		}
	}
	rc = 0;
out:
	orm__free(order);
	orm__free(emitted);
	return rc;
}

/* ---- MariaDB ---- */

/* remove " AUTO_INCREMENT=123" (a counter, not schema) */
static void strip_auto_increment(char *s)
{
	char *p = strstr(s, " AUTO_INCREMENT=");

	while (p) {
		char *e = p + 16;
		while (isdigit((unsigned char)*e))
			e++;
		memmove(p, e, strlen(e) + 1);
		p = strstr(p, " AUTO_INCREMENT=");
	}
}

/* remove every "`schema`." qualifier */
static char *strip_qualifier(const char *s, const char *schema)
{
	orm_buf b = ORM_BUF_INIT, needle = ORM_BUF_INIT;
	orm__ddl x;
	const char *p = s, *hit;

	orm__ddl_init(&x, ORM_DIALECT_MARIADB, NULL);
	if (orm__ddl_ident(&needle, &x, schema) < 0 || orm_buf_puts(&needle, ".") < 0)
		goto fail;
	while ((hit = strstr(p, needle.ptr)) != NULL) {
		if (orm_buf_put(&b, p, (size_t)(hit - p)) < 0)
			goto fail;
		p = hit + needle.size;
	}
	if (orm_buf_puts(&b, p) < 0)
		goto fail;
	orm_buf_dispose(&needle);
	orm__ddl_dispose(&x);
	return b.ptr ? b.ptr : orm__strdup("");
fail:
	orm_buf_dispose(&b);
	orm_buf_dispose(&needle);
	orm__ddl_dispose(&x);
	return NULL;
}

static int my_show_create(orm_buf *out, orm_conn *conn, const char *schema, const char *table)
{
	orm_buf q = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	orm__ddl x;
	int rc;

	orm__ddl_init(&x, ORM_DIALECT_MARIADB, NULL);
	if (orm_buf_puts(&q, "SHOW CREATE TABLE ") < 0 || orm__ddl_qname(&q, &x, schema, table) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if ((rc = orm_prepare_uncached(&st, conn, q.ptr)) < 0)
		goto out;
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		char *s = orm__strdup(orm_column_text(st, 1, NULL));
		if (!s) {
			rc = ORM_ENOMEM;
			goto out;
		}
		strip_auto_increment(s);
		rc = orm_buf_puts(out, s) < 0 ? ORM_ENOMEM : 0;
		orm__free(s);
		if (rc == 0 && orm_buf_puts(out, ";\n") < 0)
			rc = ORM_ENOMEM;
	} else if (rc == ORM_DONE) {
		rc = ORM_ENOTFOUND;
	}
out:
	orm_stmt_free(st);
	orm_buf_dispose(&q);
	orm__ddl_dispose(&x);
	return rc;
}

static int my_dump(orm_buf *out, orm_conn *conn, const orm_schema_info *s, const char *schema, unsigned flags)
{
	size_t n = orm_schema_info_count(s), i, j, *order = NULL, nv = 0;
	char *done = NULL;
	int rc;
	orm__ddl x;

	orm__ddl_init(&x, ORM_DIALECT_MARIADB, NULL);
	order = orm__calloc(n ? n : 1, sizeof(*order));
	done = orm__calloc(n ? n : 1, 1);
	if (!order || !done || fk_order(s, order) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	PUTS("SET FOREIGN_KEY_CHECKS = 0;\n");
	for (i = 0; i < n; i++) {
		const orm_table_info *t = orm_schema_info_table(s, order[i]);
		if (t->is_view) {
			nv++;
			continue;
		}
		if ((rc = my_show_create(out, conn, schema, t->name)) < 0)
			goto out;
	}
	/* views: those using other views after them */
	while (!(flags & ORM_DUMP_NO_VIEWS) && nv) {
		int progress = 0;
		for (i = 0; i < n; i++) {
			const orm_table_info *t = orm_schema_info_table(s, i);
			int ready = 1;
			char *def;
			if (!t->is_view || done[i])
				continue;
			for (j = 0; j < n && ready; j++) {
				const orm_table_info *o = orm_schema_info_table(s, j);
				orm_buf needle = ORM_BUF_INIT;
				if (j == i || !o->is_view || done[j])
					continue;
				if (orm__ddl_ident(&needle, &x, o->name) < 0) {
					orm_buf_dispose(&needle);
					rc = ORM_ENOMEM;
					goto out;
				}
				if (strstr(t->view_sql, needle.ptr))
					ready = 0;
				orm_buf_dispose(&needle);
			}
			if (!ready)
				continue;
			def = strip_qualifier(t->view_sql, schema);
			if (!def) {
				rc = ORM_ENOMEM;
				goto out;
			}
			rc = orm_buf_puts(out, "CREATE VIEW ") < 0 || orm__ddl_ident(out, &x, t->name) < 0 ||
			     orm_buf_puts(out, " AS ") < 0 || orm_buf_puts(out, def) < 0 || orm_buf_puts(out, ";\n") < 0 ? ORM_ENOMEM : 0;
			orm__free(def);
			if (rc < 0)
				goto out;
			done[i] = 1;
			nv--;
			progress = 1;
			break;
		}
		if (!progress) {
			rc = ORM_EUNSUPPORTED;
			goto out;
		}
	}
	PUTS("SET FOREIGN_KEY_CHECKS = 1;\n");
	rc = 0;
out:
	orm__free(order);
	orm__free(done);
	orm__ddl_dispose(&x);
	return rc;
}

int orm_schema_dump(orm_buf *out, orm_conn *conn, const char *schema, unsigned flags)
{
	orm_schema_info *s = NULL;
	char *cur = NULL, *old_path = NULL;
	int rc;
	orm_dialect d;

	if (!out || !conn)
		return ORM_EINVAL;
	d = orm_conn_dialect(conn);
	if (!schema) {
		if ((rc = orm__current_schema(&cur, conn)) < 0)
			return rc;
		if (!cur)
			return orm__err(conn, ORM_EMISUSE, "schema dump: no current schema / database selected");
		schema = cur;
	}
	if (d == ORM_DIALECT_POSTGRES) {
		/* with the schema alone on the search path, view definitions come unqualified */
		orm_value p[1];
		char *ignored = NULL;
		if ((rc = orm__query_text(conn, &old_path, "SELECT current_setting('search_path')", NULL, 0)) < 0)
			goto out;
		p[0] = orm_text(schema);
		rc = orm__query_text(conn, &ignored, "SELECT set_config('search_path', quote_ident(?), false)", p, 1);
		orm__free(ignored);
		if (rc < 0)
			goto out;
	}
	if ((rc = orm_schema_inspect(&s, conn, schema)) < 0)
		goto out;
	if (!(flags & ORM_DUMP_NO_COMMENTS) &&
	    orm_buf_printf(out, "-- liborm schema dump (%s); load into an empty schema\n", orm_dialect_name(d)) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	if (d == ORM_DIALECT_SQLITE)
		rc = sqlite_dump(out, conn, s, schema, flags);
	else if (d == ORM_DIALECT_POSTGRES)
		rc = pg_dump(out, conn, s, schema, flags);
	else
		rc = my_dump(out, conn, s, schema, flags);
	if (rc == ORM_ENOMEM)
		rc = orm__err(conn, ORM_ENOMEM, "schema dump: out of memory");
	else if (rc == ORM_EUNSUPPORTED)
		rc = orm__err(conn, rc, "schema dump: views that depend on each other in a cycle");
	else if (rc < 0 && !orm_conn_error(conn)->code)
		rc = orm__err(conn, rc, "schema dump failed");
out:
	if (old_path) {
		orm_value p[1];
		char *ignored = NULL;
		p[0] = orm_text(old_path);
		orm__query_text(conn, &ignored, "SELECT set_config('search_path', ?, false)", p, 1);
		orm__free(ignored);
		orm__free(old_path);
	}
	orm_schema_info_free(s);
	orm__free(cur);
	return rc;
}
