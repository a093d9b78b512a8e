/*
 * Seeds on a real database (ORM_TEST_URL: SQLite, PostgreSQL or MariaDB)
 * with the real sample databases of ../shared/data (skipped when absent):
 *
 * - Chinook (self-reference Employee.ReportsTo, written in descending id
 *   order so every reference points forward),
 * - Sakila (staff <-> store cycle with NOT NULL on both sides, two FKs
 *   from film to language, auto-increment keys),
 * - Northwind (employees.reports_to pointing forward, natural string
 *   keys, composite keys).
 *
 * The setup loads each dataset's script into a scratch SQLite database
 * in memory through liborm itself, writes every table out as a seed file
 * (CSV, some YAML) with orm_seed_export_table() under names whose order
 * is NOT the foreign-key order, creates the same tables (keys, foreign
 * keys) on the target, and loads the files with foreign keys on. Checks:
 * row counts per table (the numbers of data/README.md), a full foreign
 * key check, the keys still in force afterwards, repeat / truncate runs,
 * sequences, the plan, and broken references that fail with file, line
 * and missing key and leave the database as it was.
 *
 * Also, without the sample data: timestamps exported and loaded back
 * unchanged, and values with UTC offsets (test_seed__timestamps).
 *
 * Each dataset gets its own PostgreSQL schema / MariaDB database named
 * seed_*, so other test programs on the same servers are not disturbed.
 */
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXT 32
#define MAXC 40
#define MAXF 8

typedef struct col_meta {
	char name[64], type[64];
	int notnull, pk;
} col_meta;

typedef struct fk_meta {
	int n;
	char cols[4][64], ref[64], refcols[4][64];
} fk_meta;

typedef struct table_meta {
	char name[64];
	col_meta cols[MAXC];
	int ncols;
	fk_meta fks[MAXF];
	int nfks;
	int64_t rows;
} table_meta;

typedef struct dataset {
	const char *name;        /* "chinook", ... (schema / database seed_NAME) */
	table_meta t[MAXT];
	int nt;
	char dir[256];           /* seed files */
	orm_dialect d;
} dataset;

static const char *url;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *data;
static orm_dialect dialect;

/* ---- small helpers ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *buf;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int64_t qint(orm_conn *db, const char *sql)
{
	int64_t n = -1;

	assert_orm_ok(db, orm_query_int(db, &n, sql, NULL, 0));
	return n;
}

static void q(orm_buf *b, const char *ident)
{
	assert_int_equal(orm_quote_ident(b, dialect, ident), 0);
}

static table_meta *find(dataset *ds, const char *name)
{
	int i;

	for (i = 0; i < ds->nt; i++)
		if (strcmp(ds->t[i].name, name) == 0)
			return &ds->t[i];
	return NULL;
}

/* ---- the source: a scratch SQLite database in memory ---- */

static void read_meta(orm_conn *src, dataset *ds)
{
	orm_stmt *st, *c;
	char sql[256];
	int i;

	assert_orm_ok(src, orm_prepare(&st, src, "SELECT name FROM sqlite_master WHERE type = 'table' "
				       "AND name NOT LIKE 'sqlite_%' ORDER BY name"));
	while (orm_stmt_step(st) == ORM_ROW) {
		table_meta *t = &ds->t[ds->nt++];
		assert_true(ds->nt <= MAXT);
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", orm_column_text(st, 0, NULL));
	}
	orm_stmt_free(st);
	for (i = 0; i < ds->nt; i++) {
		table_meta *t = &ds->t[i];
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
		assert_orm_ok(src, orm_prepare(&c, src, sql));
		while (orm_stmt_step(c) == ORM_ROW) {
			col_meta *m = &t->cols[t->ncols++];
			assert_true(t->ncols <= MAXC);
			snprintf(m->name, sizeof(m->name), "%s", orm_column_text(c, 1, NULL));
			snprintf(m->type, sizeof(m->type), "%s", orm_column_text(c, 2, NULL) ? orm_column_text(c, 2, NULL) : "");
			m->notnull = (int)orm_column_int(c, 3);
			m->pk = (int)orm_column_int(c, 5);
		}
		orm_stmt_free(c);
		snprintf(sql, sizeof(sql), "PRAGMA foreign_key_list(\"%s\")", t->name);
		assert_orm_ok(src, orm_prepare(&c, src, sql));
		while (orm_stmt_step(c) == ORM_ROW) {
			int id = (int)orm_column_int(c, 0), seq = (int)orm_column_int(c, 1);
			fk_meta *f;
			if (id >= t->nfks)
				t->nfks = id + 1;
			assert_true(t->nfks <= MAXF);
			f = &t->fks[id];
			snprintf(f->ref, sizeof(f->ref), "%s", orm_column_text(c, 2, NULL));
			snprintf(f->cols[seq], 64, "%s", orm_column_text(c, 3, NULL));
			snprintf(f->refcols[seq], 64, "%s", orm_column_is_null(c, 4) ? "" : orm_column_text(c, 4, NULL));
			if (seq + 1 > f->n)
				f->n = seq + 1;
		}
		orm_stmt_free(c);
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM \"%s\"", t->name);
		t->rows = qint(src, sql);
	}
	/* "REFERENCES parent" without columns: the parent's primary key */
	for (i = 0; i < ds->nt; i++) {
		int f, k, c2, pkn;
		for (f = 0; f < ds->t[i].nfks; f++) {
			fk_meta *fk = &ds->t[i].fks[f];
			table_meta *p = find(ds, fk->ref);
			assert_non_null(p);
			for (k = 0; k < fk->n; k++) {
				if (fk->refcols[k][0])
					continue;
				for (c2 = 0, pkn = 0; c2 < p->ncols; c2++)
					if (p->cols[c2].pk == k + 1)
						snprintf(fk->refcols[k], 64, "%s", p->cols[c2].name), pkn++;
				assert_int_equal(pkn, 1);
			}
		}
	}
}

/* Split SQL text on ';' outside quotes and -- comments; calls fn on each statement. */
static void split_sql(char *text, void (*fn)(char *stmt, void *ud), void *ud)
{
	char *p = text, *start = text;
	int inq = 0;

	for (; *p; p++) {
		if (inq) {
			if (*p == '\'')
				inq = p[1] == '\'' ? (p++, 1) : 0;
			continue;
		}
		if (*p == '\'') {
			inq = 1;
		} else if (*p == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		} else if (*p == ';') {
			*p = '\0';
			fn(start, ud);
			start = p + 1;
		}
	}
	fn(start, ud);
}

struct nw {
	orm_conn *src;
	struct {
		char name[64];
		char pk[256];          /* "(a, b)" */
		char fk[8][256];       /* "FOREIGN KEY (c) REFERENCES p" as written */
		int nfk;
	} t[32];
	int n, pass;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int nw_table(struct nw *w, const char *table)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->t[i].name, table) == 0)
			return i;
	memset(&w->t[w->n], 0, sizeof(w->t[w->n]));
	snprintf(w->t[w->n].name, 64, "%s", table);
	return w->n++;
}

static void nw_stmt(char *stmt, void *ud)
{
	struct nw *w = ud;
	char *s = trim(stmt), table[64], *r;
	int i, k;

	if (w->pass == 0) {
		/* ALTER TABLE ONLY t ADD CONSTRAINT n PRIMARY KEY (...) / FOREIGN KEY (...) REFERENCES p */
		if (strncmp(s, "ALTER TABLE ONLY ", 17) != 0)
			return;
		assert_int_equal(sscanf(s + 17, "%63s", table), 1);
		i = nw_table(w, table);
		if ((r = strstr(s, "PRIMARY KEY")) != NULL)
			snprintf(w->t[i].pk, sizeof(w->t[i].pk), "%s", r + 11);
		else if ((r = strstr(s, "FOREIGN KEY")) != NULL)
			snprintf(w->t[i].fk[w->t[i].nfk++], 256, "%s", r);
		return;
	}
	if (strncmp(s, "CREATE TABLE ", 13) == 0) {
		char *close = strrchr(s, ')');
		orm_buf b = ORM_BUF_INIT;
		assert_int_equal(sscanf(s + 13, "%63s", table), 1);
		assert_non_null(close);
		*close = '\0';
		i = nw_table(w, table);
		orm_buf_puts(&b, s);
		if (w->t[i].pk[0])
			orm_buf_printf(&b, ", PRIMARY KEY %s", w->t[i].pk);
		for (k = 0; k < w->t[i].nfk; k++) {
			/* "REFERENCES p" names the parent's primary key: write it out */
			char parent[64];
			r = strstr(w->t[i].fk[k], "REFERENCES ");
			assert_non_null(r);
			assert_int_equal(sscanf(r + 11, "%63[A-Za-z_]", parent), 1);
			orm_buf_printf(&b, ", %s", w->t[i].fk[k]);
			if (!strchr(r, '('))
				orm_buf_printf(&b, " %s", w->t[nw_table(w, parent)].pk);
		}
		orm_buf_puts(&b, ")");
		assert_orm_ok(w->src, orm_exec(w->src, b.ptr));
		orm_buf_dispose(&b);
	} else if (strncmp(s, "INSERT INTO ", 12) == 0) {
		assert_orm_ok(w->src, orm_exec(w->src, s));
	}
}

static orm_conn *load_source(dataset *ds)
{
	orm_conn *src;
	char path[1024], *text;

	assert_int_equal(orm_open(&src, "sqlite::memory:?foreign_keys=off"), 0);
	if (strcmp(ds->name, "chinook") == 0) {
		snprintf(path, sizeof(path), "%s/chinook/Chinook_Sqlite.sql", data);
		text = slurp(path);
		assert_orm_ok(src, orm_exec(src, text));
		free(text);
	} else if (strcmp(ds->name, "sakila") == 0) {
		snprintf(path, sizeof(path), "%s/sakila/jooq_sqlite-sakila-schema.sql", data);
		text = slurp(path);
		assert_orm_ok(src, orm_exec(src, text));
		free(text);
		/* the views and triggers of the port are not part of the test */
		assert_orm_ok(src, orm_exec(src, "DROP VIEW customer_list; DROP VIEW film_list; DROP VIEW staff_list;"
					     "DROP VIEW sales_by_store; DROP VIEW sales_by_film_category"));
		{
			/* nor the triggers that stamp last_update */
			orm_stmt *st;
			orm_buf b = ORM_BUF_INIT;
			assert_orm_ok(src, orm_prepare(&st, src, "SELECT name FROM sqlite_master WHERE type = 'trigger'"));
			while (orm_stmt_step(st) == ORM_ROW)
				orm_buf_printf(&b, "DROP TRIGGER \"%s\";", orm_column_text(st, 0, NULL));
			orm_stmt_free(st);
			if (b.ptr)
				assert_orm_ok(src, orm_exec(src, b.ptr));
			orm_buf_dispose(&b);
		}
		snprintf(path, sizeof(path), "%s/sakila/sakila_sqlite_data_DERIVED_from_mysql_official.sql", data);
		text = slurp(path);
		assert_orm_ok(src, orm_exec(src, text));
		free(text);
	} else {
		struct nw *w = calloc(1, sizeof(*w));
		char *copy;
		snprintf(path, sizeof(path), "%s/northwind/northwind.sql", data);
		text = slurp(path);
		w->src = src;
		copy = strdup(text);
		split_sql(copy, nw_stmt, w);
		free(copy);
		w->pass = 1;
		split_sql(text, nw_stmt, w);
		free(text);
		free(w);
	}
	read_meta(src, ds);
	return src;
}

/* ---- the target schema, written per dialect ---- */

static void col_type(orm_buf *b, const col_meta *c, int autoinc)
{
	char up[64];
	size_t i;
	const char *paren;

	for (i = 0; c->type[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)c->type[i]);
	up[i] = '\0';
	paren = strchr(up, '(');
	if (autoinc) {
		orm_buf_puts(b, dialect == ORM_DIALECT_POSTGRES ? "serial"
			     : dialect == ORM_DIALECT_MARIADB ? "INT AUTO_INCREMENT" : "INTEGER");
	} else if (strstr(up, "SMALLINT")) {
		orm_buf_puts(b, "SMALLINT");
	} else if (strstr(up, "INT")) {
		orm_buf_puts(b, "INTEGER");
	} else if (strstr(up, "VARCHAR") || strstr(up, "CHARACTER VARYING")) {
		orm_buf_printf(b, "VARCHAR%s", paren ? paren : "(255)");
	} else if (strncmp(up, "CHAR", 4) == 0) {
		orm_buf_printf(b, "CHAR%s", paren ? paren : "(1)");
	} else if (strstr(up, "NUMERIC") || strstr(up, "DECIMAL")) {
		orm_buf_printf(b, "DECIMAL%s", paren ? paren : "(10,2)");
	} else if (strstr(up, "DATETIME") || strstr(up, "TIMESTAMP")) {
		orm_buf_puts(b, dialect == ORM_DIALECT_POSTGRES ? "timestamp" : "DATETIME");
	} else if (strcmp(up, "DATE") == 0) {
		orm_buf_puts(b, "DATE");
	} else if (strstr(up, "SUB_TYPE TEXT") || strstr(up, "TEXT")) {
		orm_buf_puts(b, dialect == ORM_DIALECT_MARIADB ? "MEDIUMTEXT" : "TEXT");
	} else if (strstr(up, "BLOB") || strstr(up, "BYTEA")) {
		orm_buf_puts(b, dialect == ORM_DIALECT_POSTGRES ? "bytea"
			     : dialect == ORM_DIALECT_MARIADB ? "LONGBLOB" : "BLOB");
	} else if (strstr(up, "REAL") || strstr(up, "FLOAT") || strstr(up, "DOUBLE")) {
		orm_buf_puts(b, dialect == ORM_DIALECT_POSTGRES ? "double precision"
			     : dialect == ORM_DIALECT_MARIADB ? "DOUBLE" : "REAL");
	} else {
		orm_buf_puts(b, "TEXT");
	}
}

static void fk_clause(orm_buf *b, const fk_meta *f)
{
	int k;

	orm_buf_puts(b, "FOREIGN KEY (");
	for (k = 0; k < f->n; k++) {
		orm_buf_puts(b, k ? ", " : "");
		q(b, f->cols[k]);
	}
	orm_buf_puts(b, ") REFERENCES ");
	q(b, f->ref);
	orm_buf_puts(b, " (");
	for (k = 0; k < f->n; k++) {
		orm_buf_puts(b, k ? ", " : "");
		q(b, f->refcols[k]);
	}
	orm_buf_puts(b, ")");
}

static int npk(const table_meta *t)
{
	int i, n = 0;

	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].pk)
			n++;
	return n;
}

/* Single-column integer keys become auto-increment when autoinc is set. */
static int is_autoinc(const table_meta *t, const col_meta *c, int autoinc)
{
	return autoinc && c->pk && npk(t) == 1 && strstr(c->type, "INT") && !strstr(c->type, "SMALL");
}

static void create_target(orm_conn *db, dataset *ds, int autoinc)
{
	orm_buf b = ORM_BUF_INIT;
	int i, j, k;

	for (i = 0; i < ds->nt; i++) {
		table_meta *t = &ds->t[i];
		orm_buf_clear(&b);
		orm_buf_puts(&b, "CREATE TABLE ");
		q(&b, t->name);
		orm_buf_puts(&b, " (");
		for (j = 0; j < t->ncols; j++) {
			col_meta *c = &t->cols[j];
			int ai = is_autoinc(t, c, autoinc);
			orm_buf_puts(&b, j ? ", " : "");
			q(&b, c->name);
			orm_buf_puts(&b, " ");
			col_type(&b, c, ai);
			if (ai && dialect == ORM_DIALECT_SQLITE)
				orm_buf_puts(&b, " PRIMARY KEY AUTOINCREMENT");
			else if (c->notnull || c->pk)
				orm_buf_puts(&b, " NOT NULL");
		}
		if (!(autoinc && dialect == ORM_DIALECT_SQLITE && npk(t) == 1 &&
		      is_autoinc(t, &t->cols[0], 1))) {
			int first = 1;
			for (k = 1; k <= npk(t); k++)
				for (j = 0; j < t->ncols; j++)
					if (t->cols[j].pk == k) {
						if (is_autoinc(t, &t->cols[j], autoinc) && dialect == ORM_DIALECT_SQLITE)
							continue;
						orm_buf_puts(&b, first ? ", PRIMARY KEY (" : ", ");
						first = 0;
						q(&b, t->cols[j].name);
					}
			if (!first)
				orm_buf_puts(&b, ")");
		}
		if (dialect == ORM_DIALECT_SQLITE)
			for (k = 0; k < t->nfks; k++) {
				orm_buf_puts(&b, ", ");
				fk_clause(&b, &t->fks[k]);
			}
		orm_buf_puts(&b, ")");
		if (dialect == ORM_DIALECT_MARIADB)
			orm_buf_puts(&b, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
		assert_orm_ok(db, orm_exec(db, b.ptr));
	}
	if (dialect != ORM_DIALECT_SQLITE) {
		for (i = 0; i < ds->nt; i++)
			for (k = 0; k < ds->t[i].nfks; k++) {
				char name[64];
				orm_buf_clear(&b);
				orm_buf_puts(&b, "ALTER TABLE ");
				q(&b, ds->t[i].name);
				snprintf(name, sizeof(name), "fk_%.40s_%d", ds->t[i].name, k);
				orm_buf_puts(&b, " ADD CONSTRAINT ");
				q(&b, name);
				orm_buf_puts(&b, " ");
				fk_clause(&b, &ds->t[i].fks[k]);
				assert_orm_ok(db, orm_exec(db, b.ptr));
			}
	}
	orm_buf_dispose(&b);
}

/* Open the target and give the dataset a fresh schema / database of its own. */
static orm_conn *open_target(dataset *ds)
{
	orm_conn *db;
	char sql[256];

	assert_int_equal(orm_open(&db, url), 0);
	if (dialect == ORM_DIALECT_POSTGRES) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS seed_%s CASCADE; CREATE SCHEMA seed_%s;"
			 "SET search_path TO seed_%s", ds->name, ds->name, ds->name);
		assert_orm_ok(db, orm_exec(db, sql));
	} else if (dialect == ORM_DIALECT_MARIADB) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS seed_%s", ds->name);
		assert_orm_ok(db, orm_exec(db, sql));
		snprintf(sql, sizeof(sql), "CREATE DATABASE seed_%s CHARACTER SET utf8mb4", ds->name);
		assert_orm_ok(db, orm_exec(db, sql));
		snprintf(sql, sizeof(sql), "USE seed_%s", ds->name);
		assert_orm_ok(db, orm_exec(db, sql));
	}
	return db;
}

static void drop_target(orm_conn *db, dataset *ds)
{
	char sql[256];

	if (dialect == ORM_DIALECT_POSTGRES)
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS seed_%s CASCADE", ds->name);
	else if (dialect == ORM_DIALECT_MARIADB)
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS seed_%s", ds->name);
	else
		sql[0] = '\0';
	if (sql[0])
		orm_exec(db, sql);
	orm_close(db);
}

/* ---- seed files ---- */

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(((const table_meta *)b)->name, ((const table_meta *)a)->name);
}

/*
 * Every table as a seed file, numbered in reverse name order (so the
 * file order is not the foreign-key order); tables named in `yaml` as
 * YAML. `desc_view` names a table written in descending key order.
 */
static void write_seeds(orm_conn *src, dataset *ds, const char *const *yaml, const char *desc_table,
			const char *desc_key)
{
	static table_meta sorted[MAXT];
	char path[512];
	int i;
	uint64_t n;

	snprintf(ds->dir, sizeof(ds->dir), "/tmp/orm_seed_%s_XXXXXX", ds->name);
	assert_non_null(mkdtemp(ds->dir));
	memcpy(sorted, ds->t, sizeof(sorted));
	qsort(sorted, (size_t)ds->nt, sizeof(sorted[0]), cmp_desc);
	for (i = 0; i < ds->nt; i++) {
		char name[64];
		int is_yaml = 0;
		const char *const *y;
		snprintf(name, sizeof(name), "%.63s", sorted[i].name);
		for (y = yaml; y && *y; y++)
			if (strcmp(*y, name) == 0)
				is_yaml = 1;
		if (desc_table && strcmp(desc_table, name) == 0) {
			char sql[512];
			snprintf(sql, sizeof(sql), "CREATE VIEW \"%.63s_desc\" AS SELECT * FROM \"%.63s\" ORDER BY \"%.63s\" DESC",
				 name, name, desc_key);
			assert_orm_ok(src, orm_exec(src, sql));
			snprintf(path, sizeof(path), "%.255s/%02d_%.63s.csv", ds->dir, i + 1, name);
			snprintf(sql, sizeof(sql), "%.63s_desc", name);
			assert_orm_ok(src, orm_seed_export_table(src, sql, path, ORM_SEED_CSV, &n));
		} else {
			snprintf(path, sizeof(path), "%.255s/%02d_%.63s.%s", ds->dir, i + 1, name, is_yaml ? "yaml" : "csv");
			assert_orm_ok(src, orm_seed_export_table(src, name, path, is_yaml ? ORM_SEED_YAML : ORM_SEED_CSV, &n));
		}
		assert_int_equal((int64_t)n, sorted[i].rows);
	}
}

/* ---- checks ---- */

static void check_counts(orm_conn *db, dataset *ds, const char *const *expect)
{
	orm_buf b = ORM_BUF_INIT;
	int i;
	const char *const *e;

	for (i = 0; i < ds->nt; i++) {
		orm_buf_clear(&b);
		orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
		q(&b, ds->t[i].name);
		if (qint(db, b.ptr) != ds->t[i].rows)
			fail_msg("%s: %lld rows, expected %lld", ds->t[i].name, (long long)qint(db, b.ptr),
				 (long long)ds->t[i].rows);
	}
	/* and the numbers of data/README.md: "table=count" */
	for (e = expect; e && *e; e++) {
		char name[64];
		long long n;
		assert_int_equal(sscanf(*e, "%63[^=]=%lld", name, &n), 2);
		orm_buf_clear(&b);
		orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
		q(&b, name);
		if (qint(db, b.ptr) != n)
			fail_msg("%s: %lld rows, README says %lld", name, (long long)qint(db, b.ptr), n);
	}
	orm_buf_dispose(&b);
}

static int64_t total_rows(orm_conn *db, dataset *ds)
{
	orm_buf b = ORM_BUF_INIT;
	int64_t sum = 0;
	int i;

	for (i = 0; i < ds->nt; i++) {
		orm_buf_clear(&b);
		orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
		q(&b, ds->t[i].name);
		sum += qint(db, b.ptr);
	}
	orm_buf_dispose(&b);
	return sum;
}

/* Every foreign key holds (anti-join per key), and the keys are in force. */
static void check_fks(orm_conn *db, dataset *ds)
{
	orm_buf b = ORM_BUF_INIT;
	int i, f, k, nfk = 0;

	for (i = 0; i < ds->nt; i++)
		for (f = 0; f < ds->t[i].nfks; f++) {
			fk_meta *fk = &ds->t[i].fks[f];
			orm_buf_clear(&b);
			orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
			q(&b, ds->t[i].name);
			orm_buf_puts(&b, " c WHERE ");
			for (k = 0; k < fk->n; k++) {
				orm_buf_puts(&b, "c.");
				q(&b, fk->cols[k]);
				orm_buf_puts(&b, " IS NOT NULL AND ");
			}
			orm_buf_puts(&b, "NOT EXISTS (SELECT 1 FROM ");
			q(&b, fk->ref);
			orm_buf_puts(&b, " p WHERE ");
			for (k = 0; k < fk->n; k++) {
				orm_buf_puts(&b, k ? " AND p." : "p.");
				q(&b, fk->refcols[k]);
				orm_buf_puts(&b, " = c.");
				q(&b, fk->cols[k]);
			}
			orm_buf_puts(&b, ")");
			if (qint(db, b.ptr) != 0)
				fail_msg("foreign key %s -> %s broken", ds->t[i].name, fk->ref);
			nfk++;
		}
	assert_true(nfk > 0);
	if (dialect == ORM_DIALECT_SQLITE) {
		assert_orm_ok(db, orm_schema_foreign_key_check(db, NULL));
		assert_int_equal(qint(db, "PRAGMA foreign_keys"), 1);
	} else if (dialect == ORM_DIALECT_POSTGRES) {
		/* every key still there, validated, and not left deferrable */
		assert_int_equal(qint(db, "SELECT COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
				      "WHERE c.contype = 'f' AND n.nspname = current_schema()"), nfk);
		assert_int_equal(qint(db, "SELECT COUNT(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
				      "WHERE c.contype = 'f' AND n.nspname = current_schema() "
				      "AND (c.condeferrable OR NOT c.convalidated)"), 0);
	} else {
		assert_int_equal(qint(db, "SELECT @@foreign_key_checks"), 1);
		assert_int_equal(qint(db, "SELECT COUNT(*) FROM information_schema.referential_constraints "
				      "WHERE constraint_schema = DATABASE()"), nfk);
	}
	orm_buf_dispose(&b);
}

/*
 * A run that must fail with a broken reference and change nothing: as an
 * upsert (the default), and on an empty database also as plain inserts,
 * which on MariaDB are written with foreign_key_checks off and checked at
 * the end instead (on a loaded one they would fail on the existing keys).
 */
static void expect_broken(orm_conn *db, dataset *ds, const char *file, const char *text, int line,
			  int col, const char *needle, const char *key)
{
	int64_t before = total_rows(db, ds);
	char want[512];
	int pass;

	write_file(ds->dir, file, text);
	for (pass = 0; pass < (before == 0 ? 2 : 1); pass++) {
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		orm_seed *s = NULL;
		const orm_seed_error *e;
		int rc;

		o.on_conflict = pass ? ORM_SEED_INSERT : ORM_SEED_UPSERT;
		rc = orm_seed_open(&s, db, ds->dir, &o);
		assert_orm_ok(db, rc);
		rc = orm_seed_execute(s);
		e = orm_seed_last_error(s);
		if (rc != ORM_EFOREIGNKEY || e->line != line || e->column != col ||
		    !strstr(e->message, needle) || strcmp(e->key, key) != 0)
			fail_msg("%s: rc %d, line %d:%d (want %d:%d), key '%s' (want '%s'): %s",
				 pass ? "insert" : "upsert", rc, e->line, e->column, line, col, e->key, key,
				 e->message);
		snprintf(want, sizeof(want), "%s/%s", ds->dir, file);
		assert_string_equal(e->file, want);
		orm_seed_free(s);
		assert_int_equal(orm_tx_depth(db), 0);
		assert_int_equal(total_rows(db, ds), before);
		if (orm_conn_dialect(db) == ORM_DIALECT_MARIADB)
			assert_int_equal(qint(db, "SELECT @@foreign_key_checks"), 1);
	}
	snprintf(want, sizeof(want), "%s/%s", ds->dir, file);
	unlink(want);
}

static void load_and_check(orm_conn *db, dataset *ds, const char *const *expect, const char *plan_needle)
{
	orm_seed *s = NULL;
	orm_buf plan = ORM_BUF_INIT;
	orm_seed_options o = ORM_SEED_OPTIONS_INIT;

	/* plan first: nothing written */
	assert_orm_ok(db, orm_seed_open(&s, db, ds->dir, NULL));
	assert_int_equal(orm_seed_table_count(s), (size_t)ds->nt);
	assert_int_equal(orm_seed_plan(s, &plan), 0);
	if (plan_needle && !strstr(plan.ptr, plan_needle))
		fail_msg("plan lacks '%s':\n%s", plan_needle, plan.ptr);
	assert_int_equal(total_rows(db, ds), 0);
	assert_orm_ok(db, orm_seed_execute(s));
	orm_seed_free(s);
	orm_buf_dispose(&plan);
	check_counts(db, ds, expect);
	check_fks(db, ds);
	/* again: upserts, same rows */
	assert_orm_ok(db, orm_seed_run(db, ds->dir, NULL));
	check_counts(db, ds, expect);
	/* with truncate */
	o.truncate = 1;
	assert_orm_ok(db, orm_seed_run(db, ds->dir, &o));
	check_counts(db, ds, expect);
	check_fks(db, ds);
	/* plain inserts after truncate (PostgreSQL: COPY), and the same without COPY */
	{
		double t0 = now(), t1, t2;
		o.on_conflict = ORM_SEED_INSERT;
		assert_orm_ok(db, orm_seed_run(db, ds->dir, &o));
		t1 = now();
		check_counts(db, ds, expect);
		check_fks(db, ds);
		o.no_copy = 1;
		t2 = now();
		assert_orm_ok(db, orm_seed_run(db, ds->dir, &o));
		printf("# %s on %s: %lld rows, truncate + insert %.3f s%s, multi-row INSERT %.3f s\n",
		       ds->name, orm_dialect_name(dialect), (long long)total_rows(db, ds), t1 - t0,
		       dialect == ORM_DIALECT_POSTGRES ? " (COPY)" : "", now() - t2);
		check_counts(db, ds, expect);
	}
}

/* ---- the datasets ---- */

static void test_seed__chinook(void **state)
{
	static const char *const expect[] = {
		"Genre=25", "MediaType=5", "Artist=275", "Album=347", "Track=3503", "Employee=8",
		"Customer=59", "Invoice=412", "InvoiceLine=2240", "Playlist=18", "PlaylistTrack=8715", NULL
	};
	static const char *const yaml[] = { "Genre", "MediaType", "Playlist", NULL };
	dataset *ds = calloc(1, sizeof(*ds));
	orm_conn *src, *db;

	(void)state;
	ds->name = "chinook";
	src = load_source(ds);
	assert_int_equal(ds->nt, 11);
	write_seeds(src, ds, yaml, "Employee", "EmployeeId");
	orm_close(src);
	db = open_target(ds);
	create_target(db, ds, 0);
	/* a broken reference on the empty database: nothing stays */
	expect_broken(db, ds, "99_InvoiceLine.csv",
		      "InvoiceLineId,InvoiceId,TrackId,UnitPrice,Quantity\n90001,1,2,0.99,1\n\n90002,1,999999,0.99,1\n",
		      4, 3, "InvoiceLine: TrackId=999999 has no matching row in Track(TrackId)", "TrackId=999999");
	load_and_check(db, ds, expect, "self-reference Employee(ReportsTo) -> Employee");
	{
		/* the forward references were set in the second phase: the tree is whole */
		orm_buf b = ORM_BUF_INIT;
		orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
		q(&b, "Employee");
		orm_buf_puts(&b, " WHERE ");
		q(&b, "ReportsTo");
		orm_buf_puts(&b, " IS NULL");
		assert_int_equal(qint(db, b.ptr), 1);
		orm_buf_dispose(&b);
	}
	/* and on the loaded database: it stays as it was */
	expect_broken(db, ds, "99_InvoiceLine.csv",
		      "InvoiceLineId,InvoiceId,TrackId,UnitPrice,Quantity\n1,1,999999,0.99,1\n",
		      2, 3, "TrackId=999999", "TrackId=999999");
	check_counts(db, ds, expect);
	drop_target(db, ds);
	rm_dir(ds->dir);
	free(ds);
}

static void test_seed__sakila(void **state)
{
	static const char *const expect[] = {
		"actor=200", "address=603", "category=16", "city=600", "country=109", "customer=599",
		"film=1000", "film_actor=5462", "film_category=1000", "inventory=4581", "language=6",
		"payment=16044", "rental=16044", "staff=2", "store=2", NULL
	};
	static const char *const yaml[] = { "staff", "store", "language", NULL };
	const char *strategy = dialect == ORM_DIALECT_SQLITE ? "PRAGMA defer_foreign_keys = ON"
			       : dialect == ORM_DIALECT_MARIADB ? "SET foreign_key_checks = 0"
			       : "ALTER CONSTRAINT DEFERRABLE INITIALLY DEFERRED";
	dataset *ds = calloc(1, sizeof(*ds));
	orm_conn *src, *db;
	int64_t id;

	(void)state;
	ds->name = "sakila";
	src = load_source(ds);
	assert_int_equal(ds->nt, 16); /* the 15 of README + film_text */
	write_seeds(src, ds, yaml, NULL, NULL);
	orm_close(src);
	db = open_target(ds);
	create_target(db, ds, 1);
	load_and_check(db, ds, expect, strategy);
	/* sequences / auto-increment moved past the loaded ids */
	assert_orm_ok(db, orm_exec(db, "INSERT INTO actor (first_name, last_name, last_update) "
				   "VALUES ('A', 'B', '2020-01-01 00:00:00')"));
	assert_orm_ok(db, orm_last_insert_id(db, &id));
	assert_int_equal(id, 201);
	assert_orm_ok(db, orm_exec(db, "DELETE FROM actor WHERE actor_id = 201"));
	/* a broken key inside the NOT NULL cycle: found by the final check, with its line */
	expect_broken(db, ds, "99_staff.csv",
		      "staff_id,first_name,last_name,address_id,store_id,active,username,last_update\n"
		      "3,Jon,Doe,3,9,1,jon,2006-02-15 04:57:16\n",
		      2, 5, "staff: store_id=9 has no matching row in store(store_id)", "store_id=9");
	check_counts(db, ds, expect);
	check_fks(db, ds);
	drop_target(db, ds);
	rm_dir(ds->dir);
	free(ds);
}

static void test_seed__northwind(void **state)
{
	static const char *const expect[] = { "orders=830", "order_details=2155", "employees=9",
					      "customers=91", "products=77", NULL };
	static const char *const yaml[] = { "employees", "region", "shippers", NULL };
	dataset *ds = calloc(1, sizeof(*ds));
	orm_conn *src, *db;

	(void)state;
	ds->name = "northwind";
	src = load_source(ds);
	assert_int_equal(ds->nt, 14);
	assert_int_equal(find(ds, "employees")->nfks, 1);
	write_seeds(src, ds, yaml, NULL, NULL);
	orm_close(src);
	db = open_target(ds);
	create_target(db, ds, 0);
	load_and_check(db, ds, expect, "self-reference employees(reports_to) -> employees");
	/* employee 1 reports to 2, written before it */
	assert_int_equal(qint(db, "SELECT reports_to FROM employees WHERE employee_id = 1"), 2);
	/* a natural string key that does not exist */
	expect_broken(db, ds, "99_orders.csv",
		      "order_id,customer_id,employee_id\n20000,VINET,5\n20001,NOONE,5\n",
		      3, 2, "orders: customer_id=NOONE has no matching row in customers(customer_id)",
		      "customer_id=NOONE");
	drop_target(db, ds);
	rm_dir(ds->dir);
	free(ds);
}

/* PostgreSQL only: a cycle whose keys are DEFERRABLE uses SET CONSTRAINTS, no DDL. */
static void test_seed__pg_deferrable_cycle(void **state)
{
	dataset *ds = calloc(1, sizeof(*ds));
	orm_conn *db;
	orm_seed *s = NULL;
	orm_buf plan = ORM_BUF_INIT;

	(void)state;
	ds->name = "defer";
	db = open_target(ds);
	assert_orm_ok(db, orm_exec(db,
		"CREATE TABLE shop (id int PRIMARY KEY, boss_id int NOT NULL);"
		"CREATE TABLE clerk (id int PRIMARY KEY, shop_id int NOT NULL REFERENCES shop(id) DEFERRABLE);"
		"ALTER TABLE shop ADD CONSTRAINT shop_boss FOREIGN KEY (boss_id) REFERENCES clerk(id) DEFERRABLE"));
	snprintf(ds->dir, sizeof(ds->dir), "/tmp/orm_seed_defer_XXXXXX");
	assert_non_null(mkdtemp(ds->dir));
	write_file(ds->dir, "shop.csv", "id,boss_id\n1,10\n");
	write_file(ds->dir, "clerk.csv", "id,shop_id\n10,1\n11,1\n");
	assert_orm_ok(db, orm_seed_open(&s, db, ds->dir, NULL));
	assert_int_equal(orm_seed_plan(s, &plan), 0);
	assert_non_null(strstr(plan.ptr, "shop_boss: SET CONSTRAINTS DEFERRED"));
	assert_null(strstr(plan.ptr, "ALTER CONSTRAINT"));
	assert_orm_ok(db, orm_seed_execute(s));
	orm_seed_free(s);
	orm_buf_dispose(&plan);
	assert_int_equal(qint(db, "SELECT COUNT(*) FROM clerk"), 2);
	/* still deferrable, as declared */
	assert_int_equal(qint(db, "SELECT COUNT(*) FROM pg_constraint WHERE conname = 'shop_boss' AND condeferrable"), 1);
	/*
	 * From a connection whose search_path does not name the schema:
	 * orm_seed_options.schema; an identity GENERATED ALWAYS column takes
	 * the file's ids (OVERRIDING SYSTEM VALUE) and its sequence moves on.
	 */
	{
		orm_conn *other;
		orm_seed_options o = ORM_SEED_OPTIONS_INIT;
		int64_t id;
		assert_orm_ok(db, orm_exec(db, "CREATE TABLE note (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
					   " clerk_id int NOT NULL REFERENCES clerk(id), body text)"));
		write_file(ds->dir, "note.yaml", "note:\n  - {id: 7, clerk_id: 10, body: hi}\n"
			   "  - {id: 8, clerk_id: 11, body: \"tab\\there\\\\ and a newline\\n\"}\n");
		write_file(ds->dir, "clerk.csv", "id,shop_id\n10,1\n11,1\n12,1\n");
		assert_int_equal(orm_open(&other, url), 0);
		o.schema = "seed_defer";
		o.truncate = 1;
		o.on_conflict = ORM_SEED_INSERT; /* COPY where it can */
		assert_orm_ok(other, orm_seed_run(other, ds->dir, &o));
		o.no_copy = 1;
		assert_orm_ok(other, orm_seed_run(other, ds->dir, &o));
		orm_close(other);
		assert_int_equal(qint(db, "SELECT COUNT(*) FROM clerk"), 3);
		assert_int_equal(qint(db, "SELECT COUNT(*) FROM note WHERE body = E'tab\\there\\\\ and a newline\\n'"), 1);
		assert_orm_ok(db, orm_exec(db, "INSERT INTO note (clerk_id, body) VALUES (12, 'x')"));
		assert_orm_ok(db, orm_query_int(db, &id, "SELECT MAX(id) FROM note", NULL, 0));
		assert_int_equal(id, 9);
	}
	drop_target(db, ds);
	rm_dir(ds->dir);
	free(ds);
}

/* The rows of `sql` as "a|b|c" lines ("" for NULL), into b. */
static void rows_text(orm_conn *db, const char *sql, orm_buf *b)
{
	orm_stmt *st = NULL;
	int rc, c;

	orm_buf_clear(b);
	assert_orm_ok(db, orm_prepare(&st, db, sql));
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		for (c = 0; c < orm_column_count(st); c++) {
			size_t len = 0;
			const char *v = orm_column_text(st, c, &len);
			if (c)
				orm_buf_puts(b, "|");
			if (v)
				orm_buf_put(b, v, len);
		}
		orm_buf_puts(b, "\n");
	}
	assert_int_equal(rc, ORM_DONE);
	orm_stmt_free(st);
}

/*
 * Timestamps, on every dialect and without the sample data: the file
 * orm_seed_export_table() writes (a zoned column in UTC with "+00:00")
 * loads back unchanged, through upserts and plain inserts (PostgreSQL:
 * COPY); MariaDB used to refuse it ("Incorrect datetime value"). A value
 * with an offset is moved to UTC, the session time zone, for a zoneless
 * column too; one without an offset loads as written.
 */
static void test_seed__timestamps(void **state)
{
	const char *zoned = dialect == ORM_DIALECT_SQLITE ? "TIMESTAMPTZ"
			    : dialect == ORM_DIALECT_POSTGRES ? "timestamptz" : "TIMESTAMP(6) NULL";
	const char *plain = dialect == ORM_DIALECT_SQLITE ? "DATETIME"
			    : dialect == ORM_DIALECT_POSTGRES ? "timestamp" : "DATETIME(6)";
	/* MariaDB takes no offset in a literal; its session is in UTC */
	const char *z = dialect == ORM_DIALECT_MARIADB ? "" : "+00:00";
	const char *want = "1|2006-02-15 04:34:33+00:00|2006-02-15 04:34:33\n"
			   "2|2024-02-29 23:59:59.125+00:00|1999-12-31 23:59:59.5\n"
			   "3||\n";
	const char *sel = "SELECT id, ts, dt FROM stamp ORDER BY id";
	dataset *ds = calloc(1, sizeof(*ds));
	orm_seed_options o = ORM_SEED_OPTIONS_INIT;
	orm_buf b = ORM_BUF_INIT, first = ORM_BUF_INIT;
	char sql[512], path[300];
	uint64_t n = 0;
	orm_conn *db;
	char *text;
	int pass;

	(void)state;
	assert_non_null(ds);
	ds->name = "stamp";
	db = open_target(ds);
	snprintf(sql, sizeof(sql), "CREATE TABLE stamp (id INTEGER PRIMARY KEY, ts %s, dt %s)",
		 zoned, plain);
	assert_orm_ok(db, orm_exec(db, sql));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO stamp (id, ts, dt) VALUES (1, '2006-02-15 04:34:33%s', "
		 "'2006-02-15 04:34:33'), (2, '2024-02-29 23:59:59.125%s', "
		 "'1999-12-31 23:59:59.5'), (3, NULL, NULL)", z, z);
	assert_orm_ok(db, orm_exec(db, sql));
	rows_text(db, sel, &b);
	assert_string_equal(b.ptr, want);
	snprintf(ds->dir, sizeof(ds->dir), "/tmp/orm_seed_stamp_XXXXXX");
	assert_non_null(mkdtemp(ds->dir));
	o.truncate = 1;
	/* CSV with upserts, then YAML with plain inserts (COPY on PostgreSQL) */
	for (pass = 0; pass < 2; pass++) {
		snprintf(path, sizeof(path), "%s/stamp.%s", ds->dir, pass ? "yaml" : "csv");
		assert_orm_ok(db, orm_seed_export_table(db, "stamp", path,
							pass ? ORM_SEED_YAML : ORM_SEED_CSV, &n));
		assert_int_equal(n, 3);
		if (!pass) {
			text = slurp(path);
			orm_buf_puts(&first, text);
			free(text);
			/* the zoned column carries its offset in the file */
			assert_non_null(strstr(first.ptr, "2006-02-15 04:34:33+00:00"));
		}
		o.on_conflict = pass ? ORM_SEED_INSERT : ORM_SEED_UPSERT;
		assert_orm_ok(db, orm_seed_run(db, ds->dir, &o));
		rows_text(db, sel, &b);
		assert_string_equal(b.ptr, want);
		unlink(path);
	}
	/* and exported again: the same file */
	assert_orm_ok(db, orm_seed_export_table(db, "stamp", path, ORM_SEED_CSV, &n));
	text = slurp(path);
	assert_string_equal(text, first.ptr);
	free(text);
	unlink(path);
	/* offsets: moved to UTC, zoned or zoneless column */
	write_file(ds->dir, "stamp.csv",
		   "id,ts,dt\n"
		   "1,2006-02-15 06:34:33+02:00,2006-02-15 06:34:33+02:00\n"
		   "2,2024-02-29T20:29:59.125-03:30,1999-12-31T23:59:59.5Z\n"
		   "3,2010-06-01 12:00:00,2010-06-01 12:00:00\n");
	o.on_conflict = ORM_SEED_UPSERT;
	assert_orm_ok(db, orm_seed_run(db, ds->dir, &o));
	rows_text(db, sel, &b);
	/* no offset: as written (SQLite keeps the text, the servers read it in UTC) */
	snprintf(sql, sizeof(sql),
		 "1|2006-02-15 04:34:33+00:00|2006-02-15 04:34:33\n"
		 "2|2024-02-29 23:59:59.125+00:00|1999-12-31 23:59:59.5\n"
		 "3|2010-06-01 12:00:00%s|2010-06-01 12:00:00\n",
		 dialect == ORM_DIALECT_SQLITE ? "" : "+00:00");
	assert_string_equal(b.ptr, sql);
	drop_target(db, ds);
	rm_dir(ds->dir);
	orm_buf_dispose(&b);
	orm_buf_dispose(&first);
	free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed__timestamps),
		cmocka_unit_test(test_seed__chinook),
		cmocka_unit_test(test_seed__sakila),
		cmocka_unit_test(test_seed__northwind),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_seed__timestamps),
		cmocka_unit_test(test_seed__chinook),
		cmocka_unit_test(test_seed__sakila),
		cmocka_unit_test(test_seed__northwind),
		cmocka_unit_test(test_seed__pg_deferrable_cycle),
	};
	/* without the sample data: the cases that do not need it */
	const struct CMUnitTest no_data_tests[] = {
		cmocka_unit_test(test_seed__timestamps),
	};
	orm_conn *probe;

	url = orm_test_url_or_skip();
	data = orm_test_shared_data();
	if (orm_open(&probe, url) < 0) {
		printf("1..0 # SKIP cannot connect to %s: %s\n", url, orm_conn_errmsg(probe));
		orm_close(probe);
		return orm_test_in_ci() ? 1 : 0;
	}
	dialect = orm_conn_dialect(probe);
	orm_close(probe);
	if (!data) {
		printf("# ../shared/data is absent: the sample-data cases do not run\n");
		return cmocka_run_group_tests(no_data_tests, NULL, NULL);
	}
	if (dialect == ORM_DIALECT_POSTGRES)
		return cmocka_run_group_tests(pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
