/*
 * The migration runner: sources (files and C), bookkeeping tables, locks,
 * history checks, batches, dry runs, and per-statement progress on
 * MariaDB (and for migrations that run outside a transaction).
 *
 * Run structure:
 *   SQLite      lock = BEGIN IMMEDIATE held for the whole run (foreign keys
 *               off before it), plus flock() on "<file>-migrate.lock" for
 *               the no-transaction migrations that run outside it; each
 *               migration is a savepoint with its record; foreign keys are
 *               checked before each is released.
 *   PostgreSQL  lock = session advisory lock; each migration and its record
 *               in one transaction.
 *   MariaDB     lock = GET_LOCK(); each statement runs on its own and the
 *               progress row is updated after it; the record is written
 *               (and the progress row deleted) in one transaction at the end.
 */
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TABLE "orm_migrations"
#define DEFAULT_LOCK_TIMEOUT_MS 60000L

struct mig {
	char *name;           /* YYYYMMDDHHMMSS_name */
	char *path;           /* "" for C */
	const char *format;   /* "yaml", "sql", "c" */
	char checksum[65];    /* "" for C */
	int no_tx, has_down;
	orm__mig_ops up, down;
	const orm_migration_def *cdef;
};

struct record {
	char *name;
	int64_t batch;
	char *applied_at;
	char *checksum;       /* "" when NULL */
	int64_t duration;
};

struct progress {
	char *name;
	int direction;        /* 1 up, -1 down */
	int64_t steps_done, step_stmts_done, stmts_done;
	char *step_sql;       /* statements of the unfinished step (STEP_SQL_SEP-joined), or NULL */
	char *hash;
	char *error;          /* "" when none */
};

struct orm_migrator {
	orm_conn *conn;
	orm_dialect d;
	orm_migrate_opts o;
	char *dir, *table, *ptable;
	struct mig *migs;
	size_t n;
	orm_buf err;
	/* lock */
	int locked;           /* we hold the lock */
	int user_locked;      /* orm_migrator_lock() took it */
	int64_t pg_key;
	char *lock_name;      /* MariaDB */
	int fk_was_on;        /* SQLite, while locked */
	int saved_busy;       /* SQLite busy_timeout to restore */
	int lock_fd;          /* SQLite: flock()ed "<database>-migrate.lock", -1 if none */
	/* state read from the database */
	int have_table, have_ptable;
	struct record *recs;
	size_t nrecs;
	struct progress *progs;
	size_t nprogs;
	/* status output */
	orm_migration_info *info;
	size_t ninfo;
	orm_buf status_strings;
};

/* A running migration (one direction). */
struct run {
	orm_migrator *m;
	struct mig *mig;
	int dir;              /* 1 up, -1 down */
	int tracked;          /* statement by statement, with progress rows */
	int dry;
	int64_t skip_steps, skip_stmts; /* resume point */
	char want_hash[17];
	int verify;           /* a resume point must be verified */
	uint64_t base;        /* hash over the identities of the completed steps */
	uint64_t hash;        /* base, then the statements done of the current step */
	int64_t step;         /* current step index */
	int64_t step_stmts;   /* statements done in the current step */
	int64_t stmts;        /* statements done in all */
	int have_prow;        /* a progress row exists */
	int inflight;         /* resumed after a crash inside the next statement */
	const char *step_sql; /* resume: the stored statements of the unfinished step, or NULL */
	orm_buf cur_step;     /* statements of the running step, STEP_SQL_SEP-joined, for the progress row */
	const char *cur_sql;  /* statement being run (for messages) */
	const char *cur_desc;
	orm_buf fail;         /* what failed */
};

struct orm_migration_ctx {
	struct run *r;
};

static int run_op(struct run *r, const orm__mig_op *op, const orm_value *params, int nparams);

/* ---- errors and events ---- */

static int merr(orm_migrator *m, int code, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);

static int merr(orm_migrator *m, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	orm_buf b = ORM_BUF_INIT;

	va_start(ap, fmt);
	{
		char tmp[2048];
		vsnprintf(tmp, sizeof(tmp), fmt, ap);
		orm_buf_puts(&b, tmp);
	}
	va_end(ap);
	msg = b.ptr ? b.ptr : (char *)"out of memory";
	orm_buf_clear(&m->err);
	orm_buf_puts(&m->err, msg);
	if (m->conn && code != ORM_ENOMEM)
		orm__err(m->conn, code, "%s", msg);
	orm_buf_dispose(&b);
	return code;
}

/* The connection's error as a migrator error, with context. */
static int cerr(orm_migrator *m, int code, const char *what)
{
	const char *msg = orm_conn_errmsg(m->conn);

	if (code >= 0)
		code = ORM_ERROR;
	return merr(m, code, "%s: %s", what, *msg ? msg : orm_strerror(code));
}

static void emit(orm_migrator *m, orm_migrate_event_kind kind, const char *name, int dir, const char *sql,
		 const char *message, int64_t duration, int64_t batch)
{
	orm_migrate_event ev;

	if (!m->o.on_event)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.name = name;
	ev.direction = dir;
	ev.sql = sql;
	ev.message = message;
	ev.duration_ms = duration;
	ev.batch = batch;
	ev.dry_run = m->o.dry_run;
	m->o.on_event(&ev, m->o.event_payload);
}

static void emit_sql(orm_migrator *m, const char *sql)
{
	emit(m, ORM_MIGRATE_EV_STATEMENT, NULL, 0, sql, NULL, 0, 0);
}

static void notice(orm_migrator *m, const char *fmt, ...) ORM_FORMAT_PRINTF(2, 3);

static void notice(orm_migrator *m, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(m, ORM_MIGRATE_EV_NOTICE, NULL, 0, NULL, msg, 0, 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- SQL helpers ---- */

static int qident(orm_migrator *m, orm_buf *b, const char *name)
{
	return orm_quote_ident(b, m->d, name);
}

/* Append an SQL literal (for printed statements only; never executed). */
static int put_literal(orm_buf *b, const char *s)
{
	int rc = orm_buf_puts(b, "'");

	for (; rc == 0 && *s; s++)
		rc = *s == '\'' ? orm_buf_puts(b, "''") : orm_buf_put(b, s, 1);
	return rc == 0 ? orm_buf_puts(b, "'") : rc;
}

static const char *now_sql(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_POSTGRES: return "CAST(now() AT TIME ZONE 'UTC' AS timestamp(0))";
	case ORM_DIALECT_MARIADB: return "UTC_TIMESTAMP()";
	default: return "strftime('%Y-%m-%d %H:%M:%S', 'now')";
	}
}

static const char *ts_read_sql(orm_dialect d)
{
	switch (d) {
	case ORM_DIALECT_POSTGRES: return "to_char(%s, 'YYYY-MM-DD HH24:MI:SS')";
	case ORM_DIALECT_MARIADB: return "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s')";
	default: return "%s";
	}
}

/* CREATE TABLE statements of the two bookkeeping tables. */
static int bookkeeping_ddl(orm_migrator *m, orm_buf *main_sql, orm_buf *prog_sql)
{
	orm_buf t = ORM_BUF_INIT, pt = ORM_BUF_INIT;
	const char *ts = m->d == ORM_DIALECT_POSTGRES ? "timestamp(0)" : m->d == ORM_DIALECT_MARIADB ? "DATETIME" : "TEXT";
	const char *txt = m->d == ORM_DIALECT_MARIADB ? "LONGTEXT" : "TEXT";
	const char *tail = m->d == ORM_DIALECT_MARIADB ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : "";
	int rc;

	if ((rc = qident(m, &t, m->table)) < 0 || (rc = qident(m, &pt, m->ptable)) < 0)
		goto out;
	rc = orm_buf_printf(main_sql,
			    "CREATE TABLE IF NOT EXISTS %s (name VARCHAR(255) NOT NULL PRIMARY KEY, "
			    "batch INTEGER NOT NULL, applied_at %s NOT NULL, checksum VARCHAR(64), "
			    "duration_ms BIGINT NOT NULL)%s", t.ptr, ts, tail);
	if (rc == 0)
		rc = orm_buf_printf(prog_sql,
				    "CREATE TABLE IF NOT EXISTS %s (name VARCHAR(255) NOT NULL PRIMARY KEY, "
				    "direction VARCHAR(4) NOT NULL, checksum VARCHAR(64), steps_done INTEGER NOT NULL, "
				    "step_statements_done INTEGER NOT NULL, statements_done INTEGER NOT NULL, "
				    "prefix_hash VARCHAR(16) NOT NULL, error %s, step_sql %s, updated_at %s NOT NULL)%s",
				    pt.ptr, txt, txt, ts, tail);
out:
	orm_buf_dispose(&t);
	orm_buf_dispose(&pt);
	return rc;
}

/* ---- loading sources ---- */

static int valid_stamp(const char *s)
{
	int i, mo, da, h, mi, se;

	for (i = 0; i < 14; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	mo = (s[4] - '0') * 10 + (s[5] - '0');
	da = (s[6] - '0') * 10 + (s[7] - '0');
	h = (s[8] - '0') * 10 + (s[9] - '0');
	mi = (s[10] - '0') * 10 + (s[11] - '0');
	se = (s[12] - '0') * 10 + (s[13] - '0');
	return mo >= 1 && mo <= 12 && da >= 1 && da <= 31 && h < 24 && mi < 60 && se <= 60;
}

/* "YYYYMMDDHHMMSS_name": 14-digit valid UTC stamp, '_', then [A-Za-z0-9_]+. */
static int valid_name(const char *s, size_t len)
{
	size_t i;

	if (len < 16 || len > 255 || !valid_stamp(s) || s[14] != '_')
		return 0;
	for (i = 15; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

static void mig_dispose(struct mig *g)
{
	orm__free(g->name);
	orm__free(g->path);
	orm__mig_ops_dispose(&g->up);
	orm__mig_ops_dispose(&g->down);
}

static int add_mig(orm_migrator *m, struct mig **out)
{
	struct mig *p = orm__realloc(m->migs, (m->n + 1) * sizeof(*p));

	if (!p)
		return ORM_ENOMEM;
	m->migs = p;
	memset(&p[m->n], 0, sizeof(p[0]));
	*out = &p[m->n++];
	return 0;
}

static int load_file(orm_migrator *m, const char *fname)
{
	const char *dot = strrchr(fname, '.');
	const char *fmt;
	struct mig *g;
	char *text = NULL;
	size_t len;
	int rc;

	if (!dot)
		return 0;
	if (!strcmp(dot, ".sql"))
		fmt = "sql";
	else if (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))
		fmt = "yaml";
	else
		return 0; /* README.md, .gitkeep, ... */
	if (!valid_name(fname, (size_t)(dot - fname)))
		return merr(m, ORM_EPARSE,
			    "%s/%s: bad migration file name: expected YYYYMMDDHHMMSS_name%s (a valid UTC time stamp, "
			    "then letters, digits and _)", m->dir, fname, dot);
	if ((rc = add_mig(m, &g)) < 0)
		return merr(m, rc, "out of memory");
	g->format = fmt;
	g->name = orm__strndup(fname, (size_t)(dot - fname));
	g->path = orm__sprintf("%s/%s", m->dir, fname);
	if (!g->name || !g->path)
		return merr(m, ORM_ENOMEM, "out of memory");
	if ((rc = orm__read_file(&text, &len, g->path, &m->err)) < 0) {
		if (rc == ORM_ENOMEM)
			return merr(m, rc, "out of memory");
		return rc;
	}
	orm__sha256_hex(text, len, g->checksum);
	if (!strcmp(fmt, "sql"))
		rc = orm__sql_migration_parse(text, len, g->path, m->d, &g->up, &g->down, &g->has_down, &g->no_tx,
					      &m->err);
	else
		rc = orm__yaml_migration_parse(text, len, g->path, m->d, &g->up, &g->down, &g->has_down, &g->no_tx,
					       &m->err);
	orm__free(text);
	if (rc == ORM_ENOMEM)
		return merr(m, rc, "out of memory");
	if (rc < 0 && m->conn)
		orm__err(m->conn, rc, "%s", m->err.ptr ? m->err.ptr : "");
	return rc;
}

static int load_dir(orm_migrator *m)
{
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, a = 0, i;
	int rc = 0;

	dp = opendir(m->dir);
	if (!dp)
		return merr(m, ORM_EIO, "migrations folder %s: %s", m->dir, strerror(errno));
	while ((de = readdir(dp))) {
		struct stat st;
		char *full;
		if (de->d_name[0] == '.')
			continue;
		full = orm__sprintf("%s/%s", m->dir, de->d_name);
		if (!full) {
			rc = ORM_ENOMEM;
			break;
		}
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			orm__free(full);
			continue;
		}
		orm__free(full);
		if (n == a) {
			char **p;
			a = a ? 2 * a : 32;
			p = orm__realloc(names, a * sizeof(*p));
			if (!p) {
				rc = ORM_ENOMEM;
				break;
			}
			names = p;
		}
		if (!(names[n] = orm__strdup(de->d_name))) {
			rc = ORM_ENOMEM;
			break;
		}
		n++;
	}
	closedir(dp);
	for (i = 0; rc == 0 && i < n; i++)
		rc = load_file(m, names[i]);
	for (i = 0; i < n; i++)
		orm__free(names[i]);
	orm__free(names);
	if (rc == ORM_ENOMEM)
		return merr(m, rc, "out of memory");
	return rc;
}

static int cmp_mig(const void *a, const void *b)
{
	return strcmp(((const struct mig *)a)->name, ((const struct mig *)b)->name);
}

int orm_migrator_new(orm_migrator **out, orm_conn *conn, const orm_migrate_opts *opts)
{
	orm_migrate_opts defaults = ORM_MIGRATE_OPTS_INIT;
	orm_migrator *m;
	size_t i;
	int rc = 0;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!conn)
		return ORM_EINVAL;
	if (!opts)
		opts = &defaults;
	if (opts->version < 1 || opts->version > ORM_MIGRATE_OPTS_VERSION)
		return ORM_EINVAL;
	m = orm__calloc(1, sizeof(*m));
	if (!m)
		return ORM_ENOMEM;
	m->conn = conn;
	m->d = orm_conn_dialect(conn);
	m->o = *opts;
	m->lock_fd = -1;
	m->table = orm__strdup(opts->table && *opts->table ? opts->table : DEFAULT_TABLE);
	m->ptable = m->table ? orm__sprintf("%s_progress", m->table) : NULL;
	m->dir = opts->directory ? orm__strdup(opts->directory) : NULL;
	if (!m->table || !m->ptable || (opts->directory && !m->dir)) {
		orm_migrator_free(m);
		return ORM_ENOMEM;
	}
	m->o.directory = m->dir;
	m->o.table = m->table;
	if (m->o.lock_timeout_ms == 0)
		m->o.lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
	*out = m;
	{
		/* bookkeeping table name: identifier, optionally schema.table */
		const char *dot = strchr(m->table, '.');
		char part[128];
		int ok;
		if (dot && (size_t)(dot - m->table) < sizeof(part)) {
			memcpy(part, m->table, (size_t)(dot - m->table));
			part[dot - m->table] = '\0';
			ok = orm__valid_ident(part) && orm__valid_ident(dot + 1) && strlen(dot + 1) <= 54;
		} else {
			ok = !dot && orm__valid_ident(m->table) && strlen(m->table) <= 54;
		}
		if (!ok)
			return merr(m, ORM_EINVAL, "bookkeeping table name '%s' is not a valid identifier "
				    "(at most 54 bytes, optionally schema.table)", m->table);
	}
	if (m->dir && (rc = load_dir(m)) < 0)
		return rc;
	for (i = 0; i < opts->nmigrations; i++) {
		const orm_migration_def *def = &opts->migrations[i];
		struct mig *g;
		if (!def->name || !valid_name(def->name, strlen(def->name)))
			return merr(m, ORM_EPARSE, "C migration #%zu: bad name '%s': expected YYYYMMDDHHMMSS_name "
				    "(a valid UTC time stamp, then letters, digits and _)", i, def->name ? def->name : "(null)");
		if (!def->up)
			return merr(m, ORM_EINVAL, "C migration %s has no up function", def->name);
		if ((rc = add_mig(m, &g)) < 0)
			return merr(m, rc, "out of memory");
		g->name = orm__strdup(def->name);
		g->path = orm__strdup("");
		if (!g->name || !g->path)
			return merr(m, ORM_ENOMEM, "out of memory");
		g->format = "c";
		g->cdef = def;
		g->has_down = def->down != NULL;
		g->no_tx = def->no_transaction;
	}
	if (m->n > 1)
		qsort(m->migs, m->n, sizeof(*m->migs), cmp_mig);
	for (i = 1; i < m->n; i++)
		if (!strcmp(m->migs[i - 1].name, m->migs[i].name))
			return merr(m, ORM_ECONFLICT, "two migrations are named %s: %s and %s", m->migs[i].name,
				    *m->migs[i - 1].path ? m->migs[i - 1].path : "(C migration)",
				    *m->migs[i].path ? m->migs[i].path : "(C migration)");
	return 0;
}

static void free_state(orm_migrator *m)
{
	size_t i;

	for (i = 0; i < m->nrecs; i++) {
		orm__free(m->recs[i].name);
		orm__free(m->recs[i].applied_at);
		orm__free(m->recs[i].checksum);
	}
	orm__free(m->recs);
	m->recs = NULL;
	m->nrecs = 0;
	for (i = 0; i < m->nprogs; i++) {
		orm__free(m->progs[i].name);
		orm__free(m->progs[i].hash);
		orm__free(m->progs[i].error);
		orm__free(m->progs[i].step_sql);
	}
	orm__free(m->progs);
	m->progs = NULL;
	m->nprogs = 0;
}

static int sqlite_unlock(orm_migrator *m, int commit);
static int lock_release(orm_migrator *m);
static void sqlite_file_unlock(orm_migrator *m);

void orm_migrator_free(orm_migrator *m)
{
	size_t i;

	if (!m)
		return;
	if (m->locked) {
		m->user_locked = 0;
		lock_release(m);
	}
	sqlite_file_unlock(m);
	for (i = 0; i < m->n; i++)
		mig_dispose(&m->migs[i]);
	orm__free(m->migs);
	free_state(m);
	orm__free(m->info);
	orm_buf_dispose(&m->status_strings);
	orm_buf_dispose(&m->err);
	orm__free(m->dir);
	orm__free(m->table);
	orm__free(m->ptable);
	orm__free(m->lock_name);
	orm__free(m);
}

const char *orm_migrator_errmsg(const orm_migrator *m)
{
	return m && m->err.ptr ? m->err.ptr : "";
}

/* ---- reading the bookkeeping ---- */

static char *col_dup(orm_stmt *st, int col)
{
	const char *s = orm_column_text(st, col, NULL);
	return orm__strdup(s ? s : "");
}

static int load_state(orm_migrator *m)
{
	orm_buf sql = ORM_BUF_INIT, qt = ORM_BUF_INIT, ts = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	int rc, exists = 0;

	free_state(m);
	if ((rc = orm_schema_has_table(&exists, m->conn, m->table)) < 0)
		return cerr(m, rc, "cannot check the bookkeeping table");
	m->have_table = exists;
	if ((rc = orm_schema_has_table(&exists, m->conn, m->ptable)) < 0)
		return cerr(m, rc, "cannot check the progress table");
	m->have_ptable = exists;
	if (m->have_table) {
		size_t a = 0;
		if ((rc = qident(m, &qt, m->table)) < 0 ||
		    (rc = orm_buf_printf(&ts, ts_read_sql(m->d), "applied_at")) < 0 ||
		    (rc = orm_buf_printf(&sql, "SELECT name, batch, %s, checksum, duration_ms FROM %s ORDER BY batch, name",
					 ts.ptr, qt.ptr)) < 0)
			goto nomem;
		if ((rc = orm_prepare_uncached(&st, m->conn, sql.ptr)) < 0) {
			rc = cerr(m, rc, "cannot read the bookkeeping table");
			goto out;
		}
		while ((rc = orm_stmt_step(st)) == ORM_ROW) {
			struct record *r;
			if (m->nrecs == a) {
				struct record *p;
				a = a ? a * 2 : 16;
				p = orm__realloc(m->recs, a * sizeof(*p));
				if (!p)
					goto nomem;
				m->recs = p;
			}
			r = &m->recs[m->nrecs++];
			memset(r, 0, sizeof(*r));
			r->name = col_dup(st, 0);
			r->batch = orm_column_int(st, 1);
			r->applied_at = col_dup(st, 2);
			r->checksum = col_dup(st, 3);
			r->duration = orm_column_int(st, 4);
			if (!r->name || !r->applied_at || !r->checksum)
				goto nomem;
		}
		if (rc != ORM_DONE) {
			rc = cerr(m, rc, "cannot read the bookkeeping table");
			goto out;
		}
		orm_stmt_free(st);
		st = NULL;
	}
	if (m->have_ptable) {
		size_t a = 0;
		orm_buf_clear(&sql);
		orm_buf_clear(&qt);
		if ((rc = qident(m, &qt, m->ptable)) < 0 ||
		    (rc = orm_buf_printf(&sql, "SELECT name, direction, steps_done, step_statements_done, statements_done, "
					 "prefix_hash, error, step_sql FROM %s ORDER BY name", qt.ptr)) < 0)
			goto nomem;
		if ((rc = orm_prepare_uncached(&st, m->conn, sql.ptr)) < 0) {
			rc = cerr(m, rc, "cannot read the progress table");
			goto out;
		}
		while ((rc = orm_stmt_step(st)) == ORM_ROW) {
			struct progress *p;
			const char *dir;
			if (m->nprogs == a) {
				struct progress *np;
				a = a ? a * 2 : 4;
				np = orm__realloc(m->progs, a * sizeof(*np));
				if (!np)
					goto nomem;
				m->progs = np;
			}
			p = &m->progs[m->nprogs++];
			memset(p, 0, sizeof(*p));
			p->name = col_dup(st, 0);
			dir = orm_column_text(st, 1, NULL);
			p->direction = dir && !strcmp(dir, "down") ? -1 : 1;
			p->steps_done = orm_column_int(st, 2);
			p->step_stmts_done = orm_column_int(st, 3);
			p->stmts_done = orm_column_int(st, 4);
			p->hash = col_dup(st, 5);
			p->error = col_dup(st, 6);
			if (!p->name || !p->hash || !p->error)
				goto nomem;
			if (!orm_column_is_null(st, 7) && !(p->step_sql = col_dup(st, 7)))
				goto nomem;
		}
		if (rc != ORM_DONE) {
			rc = cerr(m, rc, "cannot read the progress table");
			goto out;
		}
	}
	rc = 0;
	goto out;
nomem:
	rc = merr(m, ORM_ENOMEM, "out of memory");
out:
	orm_stmt_free(st);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&qt);
	orm_buf_dispose(&ts);
	return rc;
}

static struct record *find_rec(orm_migrator *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nrecs; i++)
		if (!strcmp(m->recs[i].name, name))
			return &m->recs[i];
	return NULL;
}

static struct progress *find_prog(orm_migrator *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nprogs; i++)
		if (!strcmp(m->progs[i].name, name))
			return &m->progs[i];
	return NULL;
}

static struct mig *find_mig_exact(orm_migrator *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->migs[i].name, name))
			return &m->migs[i];
	return NULL;
}

static int modified(const struct mig *g, const struct record *r)
{
	return *g->checksum && *r->checksum && strcmp(g->checksum, r->checksum) != 0;
}

/* Newest applied name (by name order), or NULL. */
static const char *newest_applied(orm_migrator *m)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < m->nrecs; i++)
		if (!best || strcmp(m->recs[i].name, best) > 0)
			best = m->recs[i].name;
	return best;
}

static int64_t max_batch(orm_migrator *m)
{
	int64_t b = 0;
	size_t i;

	for (i = 0; i < m->nrecs; i++)
		if (m->recs[i].batch > b)
			b = m->recs[i].batch;
	return b;
}

/*
 * Refuse to go forward on a corrupt history: edited or vanished applied
 * migrations, and (unless allowed) pending ones older than the newest
 * applied one among `pending` (NULL: every pending one).
 */
static int check_history(orm_migrator *m, struct mig **pending, size_t npending)
{
	orm_buf mod = ORM_BUF_INIT, miss = ORM_BUF_INIT, ooo = ORM_BUF_INIT;
	const char *newest = newest_applied(m);
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nrecs; i++) {
		struct mig *g = find_mig_exact(m, m->recs[i].name);
		if (!g)
			orm_buf_printf(&miss, "%s  %s (batch %lld)", miss.size ? "\n" : "", m->recs[i].name,
				       (long long)m->recs[i].batch);
		else if (modified(g, &m->recs[i]))
			orm_buf_printf(&mod, "%s  %s (%s)", mod.size ? "\n" : "", g->name, g->path);
	}
	for (i = 0; newest && !m->o.allow_out_of_order && i < npending; i++)
		if (strcmp(pending[i]->name, newest) < 0)
			orm_buf_printf(&ooo, "%s  %s", ooo.size ? "\n" : "", pending[i]->name);
	if (mod.size || miss.size || ooo.size) {
		orm_buf msg = ORM_BUF_INIT;
		orm_buf_puts(&msg, "the migration history does not match the migrations; nothing was applied");
		if (mod.size)
			orm_buf_printf(&msg, "\napplied migrations whose files changed since (checksum):\n%s", mod.ptr);
		if (miss.size)
			orm_buf_printf(&msg, "\napplied migrations that no longer exist:\n%s", miss.ptr);
		if (ooo.size)
			orm_buf_printf(&msg, "\npending migrations older than the newest applied one (%s); "
				       "rename them to a newer time stamp or allow out-of-order migrations:\n%s",
				       newest, ooo.ptr);
		rc = merr(m, ORM_ECONFLICT, "%s", msg.ptr ? msg.ptr : "history conflict");
		orm_buf_dispose(&msg);
	}
	orm_buf_dispose(&mod);
	orm_buf_dispose(&miss);
	orm_buf_dispose(&ooo);
	return rc;
}

/* ---- locking ---- */

static void lock_keys(orm_migrator *m)
{
	uint64_t h = orm__fnv1a64(ORM__FNV_INIT, "orm_migrate:", 12);

	h = orm__fnv1a64(h, m->table, strlen(m->table));
	m->pg_key = (int64_t)(h & 0x7fffffffffffffffULL);
}

static int mariadb_lock_name(orm_migrator *m)
{
	orm_stmt *st = NULL;
	const char *db;
	char *name;
	int rc;

	if (m->lock_name)
		return 0;
	if ((rc = orm_prepare_uncached(&st, m->conn, "SELECT DATABASE()")) < 0)
		return cerr(m, rc, "cannot read the current database");
	rc = orm_stmt_step(st);
	if (rc != ORM_ROW) {
		orm_stmt_free(st);
		return cerr(m, rc < 0 ? rc : ORM_ERROR, "cannot read the current database");
	}
	db = orm_column_text(st, 0, NULL);
	name = orm__sprintf("orm_migrate.%s.%s", db ? db : "", m->table);
	orm_stmt_free(st);
	if (!name)
		return merr(m, ORM_ENOMEM, "out of memory");
	if (strlen(name) > 64) {
		/* lock names are limited to 64 characters */
		uint64_t h = orm__fnv1a64(ORM__FNV_INIT, name, strlen(name));
		orm__free(name);
		name = orm__sprintf("orm_migrate.%016llx", (unsigned long long)h);
		if (!name)
			return merr(m, ORM_ENOMEM, "out of memory");
	}
	m->lock_name = name;
	return 0;
}

/* Who holds the lock, appended to out ("" when nobody, or when it is us). */
static int holder(orm_migrator *m, orm_buf *out, int64_t *holder_id)
{
	orm_stmt *st = NULL;
	orm_value p[2];
	int rc;

	*holder_id = 0;
	if (m->d == ORM_DIALECT_POSTGRES) {
		lock_keys(m);
		rc = orm_prepare_uncached(&st, m->conn,
			"SELECT a.pid, COALESCE(a.usename, ''), COALESCE(a.application_name, ''), "
			"COALESCE(host(a.client_addr), 'local socket'), "
			"COALESCE(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), ''), COALESCE(a.state, ''), "
			"CASE WHEN a.pid = pg_backend_pid() THEN 1 ELSE 0 END "
			"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
			"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
			"AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
			"AND l.classid::bigint = ? AND l.objid::bigint = ?");
		if (rc < 0)
			return cerr(m, rc, "cannot read the lock holder");
		p[0] = orm_int((int64_t)((uint64_t)m->pg_key >> 32));
		p[1] = orm_int((int64_t)((uint64_t)m->pg_key & 0xffffffffULL));
		if ((rc = orm_bind_values(st, p, 2, ORM_BIND_STATIC)) < 0)
			goto out;
		rc = orm_stmt_step(st);
		if (rc == ORM_ROW) {
			*holder_id = orm_column_int(st, 0);
			if (orm_column_int(st, 6))
				orm_buf_puts(out, "this connection");
			else
				orm_buf_printf(out, "PostgreSQL backend pid %lld (user %s%s%s%s, client %s, connected since %s UTC, %s)",
					       (long long)*holder_id, orm_column_text(st, 1, NULL),
					       *orm_column_text(st, 2, NULL) ? ", application '" : "",
					       orm_column_text(st, 2, NULL),
					       *orm_column_text(st, 2, NULL) ? "'" : "",
					       orm_column_text(st, 3, NULL), orm_column_text(st, 4, NULL),
					       orm_column_text(st, 5, NULL));
			rc = 0;
		} else if (rc == ORM_DONE) {
			rc = 0;
		}
	} else if (m->d == ORM_DIALECT_MARIADB) {
		int64_t id, me = 0;
		if ((rc = mariadb_lock_name(m)) < 0)
			return rc;
		if ((rc = orm_prepare_uncached(&st, m->conn, "SELECT IS_USED_LOCK(?), CONNECTION_ID()")) < 0)
			return cerr(m, rc, "cannot read the lock holder");
		if ((rc = orm_bind_text(st, 1, m->lock_name, -1, ORM_BIND_STATIC)) < 0)
			goto out;
		rc = orm_stmt_step(st);
		if (rc != ORM_ROW)
			goto out;
		if (orm_column_is_null(st, 0)) {
			rc = 0;
			goto out;
		}
		id = orm_column_int(st, 0);
		me = orm_column_int(st, 1);
		orm_stmt_free(st);
		st = NULL;
		*holder_id = id;
		if (id == me) {
			orm_buf_puts(out, "this connection");
			rc = 0;
			goto out;
		}
		rc = orm_prepare_uncached(&st, m->conn,
			"SELECT USER, HOST, COALESCE(DB, ''), TIME, COALESCE(COMMAND, ''), COALESCE(STATE, '') "
			"FROM information_schema.PROCESSLIST WHERE ID = ?");
		if (rc < 0)
			return cerr(m, rc, "cannot read the lock holder");
		if ((rc = orm_bind_int(st, 1, id)) < 0)
			goto out;
		rc = orm_stmt_step(st);
		if (rc == ORM_ROW) {
			orm_buf_printf(out, "MariaDB connection %lld (user %s from %s, database %s, %s for %lld s%s%s)",
				       (long long)id, orm_column_text(st, 0, NULL), orm_column_text(st, 1, NULL),
				       orm_column_text(st, 2, NULL), orm_column_text(st, 4, NULL),
				       (long long)orm_column_int(st, 3),
				       *orm_column_text(st, 5, NULL) ? ", " : "", orm_column_text(st, 5, NULL));
			rc = 0;
		} else if (rc == ORM_DONE) {
			orm_buf_printf(out, "MariaDB connection %lld", (long long)id);
			rc = 0;
		}
	} else {
		/* SQLite: probe for a write transaction of another connection */
		int64_t busy = 0;
		if (m->locked || orm_tx_depth(m->conn) > 0)
			return orm_buf_puts(out, m->locked ? "this connection" : "");
		if (orm_query_int(m->conn, &busy, "PRAGMA busy_timeout", NULL, 0) < 0)
			busy = 5000;
		orm_exec(m->conn, "PRAGMA busy_timeout = 0");
		rc = orm_exec(m->conn, "BEGIN IMMEDIATE");
		if (rc == 0) {
			orm_exec(m->conn, "ROLLBACK");
		} else if (rc == ORM_EBUSY) {
			orm_buf_puts(out, "another connection holding a write transaction on the database "
				     "(SQLite does not say which process)");
			rc = 0;
		}
		{
			char sql[64];
			snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %lld", (long long)busy);
			orm_exec(m->conn, sql);
		}
		if (rc < 0)
			return cerr(m, rc, "cannot probe the database lock");
		return 0;
	}
out:
	orm_stmt_free(st);
	if (rc < 0)
		return cerr(m, rc, "cannot read the lock holder");
	return 0;
}

int orm_migrator_lock_holder(orm_migrator *m, orm_buf *out)
{
	int64_t id;

	if (!m || !out)
		return ORM_EINVAL;
	orm_buf_clear(&m->err);
	return holder(m, out, &id);
}

/* SQLite: begin the write transaction (through the core's bookkeeping). */
static int sqlite_begin_immediate(orm_migrator *m)
{
	int rc;

	if (m->conn->tx_depth != 0)
		return orm__err(m->conn, ORM_EMISUSE, "a transaction is already open on this connection");
	rc = orm_exec(m->conn, "BEGIN IMMEDIATE");
	if (rc == 0) {
		m->conn->tx_depth = 1;
		m->conn->savepoint_seq++;
	}
	return rc;
}

static int lock_timeout_fail(orm_migrator *m, int64_t waited)
{
	orm_buf who = ORM_BUF_INIT;
	int64_t id;
	int rc;

	holder(m, &who, &id);
	rc = merr(m, ORM_EBUSY, "timed out after %lld ms waiting for the migration lock, held by %s",
		  (long long)waited, who.size ? who.ptr : "an unknown session (it was released meanwhile)");
	orm_buf_dispose(&who);
	return rc;
}

static void report_wait(orm_migrator *m, int *reported)
{
	orm_buf who = ORM_BUF_INIT, msg = ORM_BUF_INIT;
	int64_t id;

	if (*reported)
		return;
	*reported = 1;
	holder(m, &who, &id);
	orm_buf_printf(&msg, "waiting for the migration lock, held by %s", who.size ? who.ptr : "another session");
	emit(m, ORM_MIGRATE_EV_LOCK_WAIT, NULL, 0, NULL, msg.ptr, 0, 0);
	orm_buf_dispose(&who);
	orm_buf_dispose(&msg);
}

/*
 * SQLite: the write transaction is the lock, but a migration that opts out
 * of transactions runs after it is released. So that no other runner takes
 * the database (and "resumes" the running migration) meanwhile, a runner on
 * a database file also holds an exclusive flock() on "<file>-migrate.lock"
 * beside it, from its first lock to the end of the command. The kernel drops
 * it when the process dies, so it cannot stay stuck after a crash. The file
 * is left in place (removing a lock file races with its next user); an
 * in-memory database has no file and needs none.
 */
static int sqlite_file_lock(orm_migrator *m, int64_t start, long timeout, int *reported)
{
	orm_buf path = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	const char *file = NULL;
	int rc, fd;

	if (m->lock_fd >= 0)
		return 0;
	if ((rc = orm_prepare_uncached(&st, m->conn,
				       "SELECT file FROM pragma_database_list WHERE name = 'main'")) < 0)
		return cerr(m, rc, "cannot read the database's file name");
	if ((rc = orm_stmt_step(st)) == ORM_ROW)
		file = orm_column_text(st, 0, NULL);
	if (rc < 0) {
		orm_stmt_free(st);
		return cerr(m, rc, "cannot read the database's file name");
	}
	if (!file || !*file) {
		orm_stmt_free(st);
		return 0;
	}
	rc = orm_buf_printf(&path, "%s-migrate.lock", file);
	orm_stmt_free(st);
	if (rc < 0)
		return merr(m, ORM_ENOMEM, "out of memory");
	fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = merr(m, ORM_EIO, "%s: cannot open the migration lock file: %s", path.ptr, strerror(errno));
		orm_buf_dispose(&path);
		return rc;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = merr(m, ORM_EIO, "%s: cannot lock: %s", path.ptr, strerror(errno));
			break;
		}
		if (now_ms() - start >= timeout) {
			rc = merr(m, ORM_EBUSY, "timed out after %lld ms waiting for the migration lock, held by "
				  "another runner on this database (a connection holding a write transaction "
				  "on it, or running a migration outside one; lock file %s)",
				  (long long)(now_ms() - start), path.ptr);
			break;
		}
		if (!*reported) {
			*reported = 1;
			emit(m, ORM_MIGRATE_EV_LOCK_WAIT, NULL, 0, NULL,
			     "waiting for the migration lock, held by another runner on this database (a "
			     "connection holding a write transaction on it, or running a migration outside one)",
			     0, 0);
		}
		sleep_ms(50);
	}
	orm_buf_dispose(&path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	m->lock_fd = fd;
	return 0;
}

static void sqlite_file_unlock(orm_migrator *m)
{
	if (m->lock_fd >= 0) {
		close(m->lock_fd); /* drops the flock */
		m->lock_fd = -1;
	}
}

static int lock_acquire(orm_migrator *m)
{
	int64_t start = now_ms(), got = 0;
	long timeout = m->o.lock_timeout_ms < 0 ? 0 : m->o.lock_timeout_ms;
	int rc, reported = 0;

	if (m->locked)
		return 0;
	if (m->d == ORM_DIALECT_POSTGRES) {
		orm_value k;
		lock_keys(m);
		k = orm_int(m->pg_key);
		for (;;) {
			if ((rc = orm_query_int(m->conn, &got, "SELECT CASE WHEN pg_try_advisory_lock(?) THEN 1 ELSE 0 END",
						&k, 1)) < 0)
				return cerr(m, rc, "cannot take the migration lock");
			if (got)
				break;
			if (now_ms() - start >= timeout)
				return lock_timeout_fail(m, now_ms() - start);
			report_wait(m, &reported);
			sleep_ms(100);
		}
	} else if (m->d == ORM_DIALECT_MARIADB) {
		orm_stmt *st = NULL;
		if ((rc = mariadb_lock_name(m)) < 0)
			return rc;
		for (;;) {
			int64_t left = timeout - (now_ms() - start);
			double slice = left > 1000 ? 1.0 : left > 0 ? (double)left / 1000.0 : 0.0;
			orm_value p[2];
			p[0] = orm_text(m->lock_name);
			p[1] = orm_double(slice);
			if ((rc = orm_prepare_uncached(&st, m->conn, "SELECT GET_LOCK(?, ?)")) < 0)
				return cerr(m, rc, "cannot take the migration lock");
			if ((rc = orm_bind_values(st, p, 2, ORM_BIND_STATIC)) == 0)
				rc = orm_stmt_step(st);
			if (rc == ORM_ROW && orm_column_is_null(st, 0))
				rc = orm__err(m->conn, ORM_ERROR, "GET_LOCK returned NULL");
			got = rc == ORM_ROW ? orm_column_int(st, 0) : 0;
			orm_stmt_free(st);
			st = NULL;
			if (rc != ORM_ROW)
				return cerr(m, rc < 0 ? rc : ORM_ERROR, "cannot take the migration lock");
			if (got == 1)
				break;
			if (now_ms() - start >= timeout)
				return lock_timeout_fail(m, now_ms() - start);
			report_wait(m, &reported);
		}
	} else {
		int64_t busy = 5000;
		if ((rc = sqlite_file_lock(m, start, timeout, &reported)) < 0)
			return rc;
		if ((rc = orm_schema_foreign_keys_off(m->conn, &m->fk_was_on)) < 0)
			return cerr(m, rc, "cannot turn foreign keys off for the migration");
		if (orm_query_int(m->conn, &busy, "PRAGMA busy_timeout", NULL, 0) < 0)
			busy = 5000;
		m->saved_busy = (int)busy;
		for (;;) {
			int64_t left = timeout - (now_ms() - start);
			char sql[64];
			snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %lld", (long long)(left > 1000 ? 1000 : left > 0 ? left : 0));
			orm_exec(m->conn, sql);
			rc = sqlite_begin_immediate(m);
			if (rc == 0)
				break;
			if (rc != ORM_EBUSY || now_ms() - start >= timeout) {
				snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %d", m->saved_busy);
				orm_exec(m->conn, sql);
				orm_schema_foreign_keys_restore(m->conn, m->fk_was_on);
				if (rc == ORM_EBUSY)
					return merr(m, ORM_EBUSY, "timed out after %lld ms waiting for the migration lock, held by "
						    "another connection holding a write transaction on the database "
						    "(SQLite does not say which process)", (long long)(now_ms() - start));
				return cerr(m, rc, "cannot begin the migration transaction");
			}
			if (!reported) {
				reported = 1;
				emit(m, ORM_MIGRATE_EV_LOCK_WAIT, NULL, 0, NULL,
				     "waiting for the migration lock, held by another connection holding a write "
				     "transaction on the database (SQLite does not say which process)", 0, 0);
			}
		}
		{
			char sql[64];
			snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %d", m->saved_busy);
			orm_exec(m->conn, sql);
		}
	}
	m->locked = 1;
	return 0;
}

/* SQLite: end the write transaction that is the lock. */
static int sqlite_unlock(orm_migrator *m, int commit)
{
	int rc = 0;

	if (m->conn->tx_depth > 0) {
		/* only our outer level can be open here */
		while (m->conn->tx_depth > 1)
			orm_rollback(m->conn);
		if (commit) {
			int64_t start = now_ms();
			while ((rc = orm_commit(m->conn)) == ORM_EBUSY && now_ms() - start < 10000)
				sleep_ms(50);
		}
		if (!commit || rc < 0) {
			int crc = rc;
			orm_rollback(m->conn);
			if (crc < 0)
				rc = cerr(m, crc, "cannot commit the migration transaction (on SQLite it holds every "
					  "migration of the run: none of them was kept, they are still pending)");
		}
	}
	orm_schema_foreign_keys_restore(m->conn, m->fk_was_on);
	m->locked = 0;
	return rc;
}

static int lock_release(orm_migrator *m)
{
	orm_value k;
	int64_t got;
	int rc = 0;

	if (!m->locked)
		return 0;
	if (m->d == ORM_DIALECT_SQLITE) {
		rc = sqlite_unlock(m, 1);
		sqlite_file_unlock(m);
		return rc;
	}
	if (m->d == ORM_DIALECT_POSTGRES) {
		k = orm_int(m->pg_key);
		rc = orm_query_int(m->conn, &got, "SELECT CASE WHEN pg_advisory_unlock(?) THEN 1 ELSE 0 END", &k, 1);
	} else {
		k = orm_text(m->lock_name);
		rc = orm_query_int(m->conn, &got, "SELECT COALESCE(RELEASE_LOCK(?), 0)", &k, 1);
	}
	m->locked = 0;
	if (rc < 0 && *orm_migrator_errmsg(m))
		return rc; /* keep the error that ended the command (e.g. the connection was lost in a migration) */
	return rc < 0 ? cerr(m, rc, "cannot release the migration lock") : 0;
}

int orm_migrator_lock(orm_migrator *m)
{
	int rc;

	if (!m)
		return ORM_EINVAL;
	orm_buf_clear(&m->err);
	if (m->locked)
		return 0;
	if ((rc = lock_acquire(m)) < 0)
		return rc;
	m->user_locked = 1;
	return 0;
}

int orm_migrator_release(orm_migrator *m)
{
	if (!m)
		return ORM_EINVAL;
	orm_buf_clear(&m->err);
	m->user_locked = 0;
	return lock_release(m);
}

int orm_migrator_unlock(orm_migrator *m, int force)
{
	orm_buf who = ORM_BUF_INIT;
	int64_t id = 0;
	int rc;

	if (!m)
		return ORM_EINVAL;
	orm_buf_clear(&m->err);
	if ((rc = holder(m, &who, &id)) < 0)
		goto out;
	if (!who.size) {
		rc = 0;
		goto out;
	}
	if (!strcmp(who.ptr, "this connection")) {
		m->user_locked = 0;
		rc = lock_release(m);
		goto out;
	}
	if (!force) {
		rc = merr(m, ORM_EBUSY, "the migration lock is held by %s; it is released when that session ends "
			  "(force to end it)", who.ptr);
		goto out;
	}
	if (m->d == ORM_DIALECT_POSTGRES) {
		orm_value p = orm_int(id);
		int64_t ok;
		if ((rc = orm_query_int(m->conn, &ok, "SELECT CASE WHEN pg_terminate_backend(CAST(? AS integer)) THEN 1 ELSE 0 END", &p, 1)) < 0)
			rc = cerr(m, rc, "cannot end the lock holder's session");
	} else if (m->d == ORM_DIALECT_MARIADB) {
		char sql[64];
		snprintf(sql, sizeof(sql), "KILL CONNECTION %lld", (long long)id);
		if ((rc = orm_exec(m->conn, sql)) < 0)
			rc = cerr(m, rc, "cannot end the lock holder's session");
	} else {
		rc = merr(m, ORM_EUNSUPPORTED, "SQLite: the lock is another process's open write transaction; "
			  "end that process (it cannot be ended from here)");
	}
	if (rc == 0)
		notice(m, "ended the session of %s", who.ptr);
out:
	orm_buf_dispose(&who);
	return rc;
}

/* ---- bookkeeping writes ---- */

static int ensure_tables(orm_migrator *m)
{
	orm_buf a = ORM_BUF_INIT, b = ORM_BUF_INIT;
	int rc;

	if (m->have_table && m->have_ptable)
		return 0;
	if ((rc = bookkeeping_ddl(m, &a, &b)) < 0) {
		rc = merr(m, rc, "cannot build the bookkeeping tables' DDL");
		goto out;
	}
	if (m->o.dry_run) {
		if (!m->have_table)
			emit_sql(m, a.ptr);
		if (!m->have_ptable)
			emit_sql(m, b.ptr);
		rc = 0;
		goto out;
	}
	if (!m->have_table && (rc = orm_exec(m->conn, a.ptr)) < 0) {
		rc = cerr(m, rc, "cannot create the bookkeeping table");
		goto out;
	}
	if (!m->have_ptable && (rc = orm_exec(m->conn, b.ptr)) < 0) {
		rc = cerr(m, rc, "cannot create the progress table");
		goto out;
	}
	m->have_table = m->have_ptable = 1;
out:
	orm_buf_dispose(&a);
	orm_buf_dispose(&b);
	return rc;
}

/* INSERT (up) or DELETE (down) of a migration's record. */
static int write_record(orm_migrator *m, struct mig *g, int dir, int64_t batch, int64_t duration)
{
	orm_buf sql = ORM_BUF_INIT, qt = ORM_BUF_INIT, shown = ORM_BUF_INIT;
	orm_value p[4];
	int rc, np;

	if ((rc = qident(m, &qt, m->table)) < 0)
		goto out;
	if (dir > 0) {
		rc = orm_buf_printf(&sql, "INSERT INTO %s (name, batch, applied_at, checksum, duration_ms) VALUES (?, ?, %s, ?, ?)",
				    qt.ptr, now_sql(m->d));
		p[0] = orm_text(g->name);
		p[1] = orm_int(batch);
		p[2] = *g->checksum ? orm_text(g->checksum) : orm_null();
		p[3] = orm_int(duration);
		np = 4;
	} else {
		rc = orm_buf_printf(&sql, "DELETE FROM %s WHERE name = ?", qt.ptr);
		p[0] = orm_text(g->name);
		np = 1;
	}
	if (rc < 0)
		goto out;
	if (m->o.dry_run) {
		if (dir > 0) {
			orm_buf_printf(&shown, "INSERT INTO %s (name, batch, applied_at, checksum, duration_ms) VALUES (", qt.ptr);
			put_literal(&shown, g->name);
			orm_buf_printf(&shown, ", %lld, %s, ", (long long)batch, now_sql(m->d));
			if (*g->checksum)
				put_literal(&shown, g->checksum);
			else
				orm_buf_puts(&shown, "NULL");
			orm_buf_puts(&shown, ", 0)");
		} else {
			orm_buf_printf(&shown, "DELETE FROM %s WHERE name = ", qt.ptr);
			put_literal(&shown, g->name);
		}
		emit_sql(m, shown.ptr);
		rc = 0;
		goto out;
	}
	if ((rc = orm_exec_params(m->conn, NULL, sql.ptr, p, np)) < 0)
		rc = cerr(m, rc, "cannot write the migration record");
out:
	if (rc == ORM_ENOMEM)
		rc = merr(m, rc, "out of memory");
	orm_buf_dispose(&sql);
	orm_buf_dispose(&qt);
	orm_buf_dispose(&shown);
	return rc;
}

static void hash_hex(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Insert or update the progress row of a tracked run (error NULL: progress only). */
static int write_progress(struct run *r, const char *error)
{
	orm_migrator *m = r->m;
	orm_buf sql = ORM_BUF_INIT, qt = ORM_BUF_INIT;
	orm_value p[9];
	char hex[17];
	int rc;

	if (r->dry)
		return 0;
	hash_hex(r->hash, hex);
	if ((rc = qident(m, &qt, m->ptable)) < 0)
		goto out;
	if (!r->have_prow) {
		rc = orm_buf_printf(&sql, "INSERT INTO %s (direction, checksum, steps_done, step_statements_done, "
				    "statements_done, prefix_hash, error, step_sql, updated_at, name) "
				    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, %s, ?)",
				    qt.ptr, now_sql(m->d));
	} else {
		rc = orm_buf_printf(&sql, "UPDATE %s SET direction = ?, checksum = ?, steps_done = ?, "
				    "step_statements_done = ?, statements_done = ?, prefix_hash = ?, error = ?, "
				    "step_sql = ?, updated_at = %s WHERE name = ?", qt.ptr, now_sql(m->d));
	}
	if (rc < 0)
		goto out;
	p[0] = orm_text(r->dir > 0 ? "up" : "down");
	p[1] = *r->mig->checksum ? orm_text(r->mig->checksum) : orm_null();
	p[2] = orm_int(r->step);
	p[3] = orm_int(r->step_stmts);
	p[4] = orm_int(r->stmts);
	p[5] = orm_text(hex);
	p[6] = error ? orm_text(error) : orm_null();
	/* inside a step: its statements, so that a resume runs exactly these
	 * (they cannot be generated again from the half-changed table) */
	p[7] = (r->step_stmts > 0 || error) && r->cur_step.size ? orm_text(r->cur_step.ptr) : orm_null();
	p[8] = orm_text(r->mig->name);
	if ((rc = orm_exec_params(m->conn, NULL, sql.ptr, p, 9)) < 0) {
		rc = cerr(m, rc, "cannot record the migration's progress");
		goto out;
	}
	r->have_prow = 1;
out:
	if (rc == ORM_ENOMEM)
		rc = merr(m, rc, "out of memory");
	orm_buf_dispose(&sql);
	orm_buf_dispose(&qt);
	return rc;
}

static int delete_progress(orm_migrator *m, const char *name)
{
	orm_buf sql = ORM_BUF_INIT, qt = ORM_BUF_INIT;
	orm_value p = orm_text(name);
	int rc;

	if ((rc = qident(m, &qt, m->ptable)) < 0 ||
	    (rc = orm_buf_printf(&sql, "DELETE FROM %s WHERE name = ?", qt.ptr)) < 0) {
		rc = merr(m, rc, "out of memory");
		goto out;
	}
	if ((rc = orm_exec_params(m->conn, NULL, sql.ptr, &p, 1)) < 0)
		rc = cerr(m, rc, "cannot clear the migration's progress");
out:
	orm_buf_dispose(&sql);
	orm_buf_dispose(&qt);
	return rc;
}

/* ---- running steps ---- */

/* The statements an op would run, for dry runs and for MariaDB. */
static int op_statements(struct run *r, const orm__mig_op *op, orm_sql_list *out)
{
	orm_conn *c = r->m->conn;

	switch (op->kind) {
	case ORM__OP_SQL: return orm_sql_list_add(out, op->sql);
	case ORM__OP_CREATE_TABLE: return orm_schema_create_table_sql(out, c, op->table, op->flags);
	case ORM__OP_ALTER_TABLE: return orm_schema_alter_table_sql(out, c, op->table);
	case ORM__OP_DROP_TABLE: return orm_schema_drop_table_sql(out, c, op->a, op->flags);
	case ORM__OP_RENAME_TABLE: return orm_schema_rename_table_sql(out, c, op->a, op->b);
	case ORM__OP_CREATE_SCHEMA: return orm_schema_create_schema_sql(out, c, op->a, op->flags);
	case ORM__OP_DROP_SCHEMA: return orm_schema_drop_schema_sql(out, c, op->a, op->flags);
	}
	return ORM_EINVAL;
}

/* Run an op as one unit through the schema builder (or the SQL). */
static int op_execute(struct run *r, const orm__mig_op *op, const orm_value *params, int nparams)
{
	orm_conn *c = r->m->conn;

	switch (op->kind) {
	case ORM__OP_SQL:
		if (nparams > 0)
			return orm_exec_params(c, NULL, op->sql, params, nparams);
		return orm_exec(c, op->sql);
	case ORM__OP_CREATE_TABLE: return orm_schema_create_table(c, op->table, op->flags);
	case ORM__OP_ALTER_TABLE: return orm_schema_alter_table(c, op->table);
	case ORM__OP_DROP_TABLE: return orm_schema_drop_table(c, op->a, op->flags);
	case ORM__OP_RENAME_TABLE: return orm_schema_rename_table(c, op->a, op->b);
	case ORM__OP_CREATE_SCHEMA: return orm_schema_create_schema(c, op->a, op->flags);
	case ORM__OP_DROP_SCHEMA: return orm_schema_drop_schema(c, op->a, op->flags);
	}
	return ORM_EINVAL;
}

static void render_params(orm_buf *b, const orm_value *params, int n)
{
	int i;

	if (n <= 0)
		return;
	orm_buf_puts(b, " -- params:");
	for (i = 0; i < n; i++) {
		const orm_value *v = &params[i];
		orm_buf_puts(b, i ? ", " : " ");
		switch (v->type) {
		case ORM_TYPE_NULL: orm_buf_puts(b, "NULL"); break;
		case ORM_TYPE_BOOL: orm_buf_puts(b, v->u.b ? "true" : "false"); break;
		case ORM_TYPE_INT: orm_buf_printf(b, "%lld", (long long)v->u.i); break;
		case ORM_TYPE_DOUBLE: orm_buf_printf(b, "%.17g", v->u.d); break;
		case ORM_TYPE_BLOB: orm_buf_printf(b, "<%zu bytes>", v->u.s.len); break;
		default: {
			orm_buf t = ORM_BUF_INIT;
			orm_buf_put(&t, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.ptr ? v->u.s.len : 0);
			put_literal(b, t.ptr ? t.ptr : "");
			orm_buf_dispose(&t);
		}
		}
	}
}

static void fail_desc(struct run *r, int rc, const orm__mig_op *op, const char *sql)
{
	const char *msg = orm_conn_errmsg(r->m->conn);

	orm_buf_clear(&r->fail);
	if (r->tracked)
		orm_buf_printf(&r->fail, "statement %lld (step %lld: %s)", (long long)(r->stmts + 1),
			       (long long)(r->step + 1), op->desc ? op->desc : "?");
	else
		orm_buf_printf(&r->fail, "step %lld: %s", (long long)(r->step + 1), op->desc ? op->desc : "?");
	orm_buf_printf(&r->fail, ": %s", *msg ? msg : orm_strerror(rc));
	if (sql)
		orm_buf_printf(&r->fail, "\n  SQL: %s", sql);
}

/* Prefix of the progress row's error while a statement runs outside a transaction. */
#define INFLIGHT_MARK "interrupted while running statement"

/* One statement of a tracked step (the SQL text, or the op through the schema builder). */
static int run_stmt(struct run *r, const orm__mig_op *op, const char *sql, const orm_value *params, int nparams)
{
	orm_migrator *m = r->m;

	if (m->d == ORM_DIALECT_MARIADB || op->kind == ORM__OP_SQL)
		return op->kind == ORM__OP_SQL && nparams > 0 ? orm_exec_params(m->conn, NULL, sql, params, nparams)
							      : orm_exec(m->conn, sql);
	return op_execute(r, op, params, nparams);
}

/*
 * Whether the last error says that a DDL statement's effect is already
 * there (the object exists, or the one it drops is gone): how a statement
 * that ran to its end in a crashed run fails when it runs again. MariaDB's
 * DDL is atomic (10.6+), so it took effect entirely or not at all.
 */
static int already_done(orm_conn *c)
{
	const orm_error *e = orm_conn_error(c);
	static const int my[] = { 1050, 1051, 1054, 1060, 1061, 1091, 1826, 1022, 1068 };
	static const char *const pg[] = { "42P07", "42701", "42710", "42P06", "42P01", "42703", "42704" };
	size_t i;

	switch (orm_conn_dialect(c)) {
	case ORM_DIALECT_MARIADB:
		for (i = 0; i < sizeof(my) / sizeof(my[0]); i++)
			if (e->native_code == my[i])
				return 1;
		return 0;
	case ORM_DIALECT_POSTGRES:
		for (i = 0; i < sizeof(pg) / sizeof(pg[0]); i++)
			if (!strcmp(e->sqlstate, pg[i]))
				return 1;
		return 0;
	default:
		return strstr(e->message, "already exists") || strstr(e->message, "no such ") ||
		       strstr(e->message, "duplicate column name");
	}
}

/* Separates the statements of a step in the progress row (a control
 * character that generated DDL never contains). */
#define STEP_SQL_SEP "\n\x1e\n"

static int split_step_sql(orm_sql_list *l, const char *text)
{
	const char *p = text, *e;
	char *one;
	int rc;

	for (;;) {
		e = strstr(p, STEP_SQL_SEP);
		if (!(one = orm__strndup(p, e ? (size_t)(e - p) : strlen(p))))
			return ORM_ENOMEM;
		rc = orm_sql_list_add(l, one);
		orm__free(one);
		if (rc < 0)
			return rc;
		if (!e)
			return 0;
		p = e + strlen(STEP_SQL_SEP);
	}
}

static int run_op(struct run *r, const orm__mig_op *op, const orm_value *params, int nparams)
{
	orm_migrator *m = r->m;
	orm_sql_list l = ORM_SQL_LIST_INIT;
	size_t i;
	int rc = 0;

	if (r->step < r->skip_steps) {
		/* applied by an earlier run: never regenerated (the schema already changed) */
		r->base = orm__fnv1a64(r->base, op->ident, strlen(op->ident));
		r->hash = r->base;
		r->step++;
		return 0;
	}
	if (r->dry) {
		rc = op_statements(r, op, &l);
		if (rc < 0) {
			orm_buf b = ORM_BUF_INIT;
			orm_buf_printf(&b, "-- %s: the statements depend on the schema left by the earlier steps and "
				       "cannot be shown without running them (%s)", op->desc,
				       *orm_conn_errmsg(m->conn) ? orm_conn_errmsg(m->conn) : orm_strerror(rc));
			emit_sql(m, b.ptr);
			orm_buf_dispose(&b);
			rc = 0;
		}
		for (i = 0; i < l.count; i++) {
			if (nparams > 0) {
				orm_buf b = ORM_BUF_INIT;
				orm_buf_puts(&b, l.items[i]);
				render_params(&b, params, nparams);
				emit_sql(m, b.ptr);
				orm_buf_dispose(&b);
			} else {
				emit_sql(m, l.items[i]);
			}
		}
		r->step++;
		goto out;
	}
	if (!r->tracked) {
		if (op->kind == ORM__OP_SQL)
			emit_sql(m, op->sql);
		if ((rc = op_execute(r, op, params, nparams)) < 0) {
			fail_desc(r, rc, op, op->kind == ORM__OP_SQL ? op->sql : NULL);
			goto out;
		}
		r->step++;
		r->stmts++;
		goto out;
	}
	/* tracked: MariaDB statement by statement; elsewhere one op at a time */
	if (m->d == ORM_DIALECT_MARIADB && op->kind != ORM__OP_SQL && r->step_sql) {
		/* resumed inside this step: the statements recorded when it began */
		if ((rc = split_step_sql(&l, r->step_sql)) < 0)
			goto out;
		r->step_sql = NULL;
	} else if (m->d == ORM_DIALECT_MARIADB && op->kind != ORM__OP_SQL) {
		if ((rc = op_statements(r, op, &l)) < 0) {
			fail_desc(r, rc, op, NULL);
			goto out;
		}
	} else {
		if ((rc = orm_sql_list_add(&l, op->kind == ORM__OP_SQL ? op->sql : op->desc)) < 0)
			goto out;
	}
	orm_buf_clear(&r->cur_step);
	/* generated statements (MariaDB) are kept in the progress row while the
	 * step runs: a resume cannot generate them again from the changed table */
	for (i = 0; m->d == ORM_DIALECT_MARIADB && op->kind != ORM__OP_SQL && i < l.count; i++)
		if ((i && orm_buf_puts(&r->cur_step, STEP_SQL_SEP) < 0) ||
		    orm_buf_puts(&r->cur_step, l.items[i]) < 0) {
			rc = merr(m, ORM_ENOMEM, "out of memory");
			goto out;
		}
	for (i = 0; i < l.count; i++) {
		uint64_t h_after = orm__fnv1a64(r->hash, l.items[i], strlen(l.items[i]));
		if ((int64_t)i < r->step_stmts) {
			/* resumed inside this step: already applied */
			r->hash = h_after;
			continue;
		}
		if (r->verify) {
			char hex[17];
			hash_hex(r->hash, hex);
			if (strcmp(hex, r->want_hash) != 0) {
				rc = merr(m, ORM_ECONFLICT,
					  "migration %s was partly applied (%lld statements) by an earlier run, but the "
					  "statements before that point changed since; repair the database by hand, then "
					  "delete its row from %s", r->mig->name, (long long)r->stmts, m->ptable);
				orm_buf_clear(&r->fail);
				goto out;
			}
			r->verify = 0;
		}
		if (m->d == ORM_DIALECT_MARIADB || op->kind == ORM__OP_SQL)
			emit_sql(m, l.items[i]);
		rc = -1;
		if (m->d != ORM_DIALECT_MARIADB && orm_begin(m->conn) == 0) {
			/*
			 * SQLite, PostgreSQL: the statement and its progress update
			 * commit together, so a crash between them cannot happen. A
			 * statement that fails here (also one that refuses to run in a
			 * transaction: VACUUM, CREATE INDEX CONCURRENTLY) is rolled back
			 * and run again on its own below.
			 */
			if ((rc = run_stmt(r, op, l.items[i], params, nparams)) < 0)
				orm_rollback(m->conn);
		}
		if (rc < 0) {
			/*
			 * On its own (MariaDB commits DDL by itself): mark the statement
			 * as running first, so that a run that crashed in it is known.
			 */
			char mark[600];
			snprintf(mark, sizeof(mark), "%s %lld: %.500s", INFLIGHT_MARK, (long long)r->stmts + 1, l.items[i]);
			if ((rc = write_progress(r, mark)) < 0)
				goto out;
			if (m->d == ORM_DIALECT_MARIADB && (rc = orm_begin(m->conn)) < 0) {
				fail_desc(r, rc, op, l.items[i]);
				goto out;
			}
			rc = run_stmt(r, op, l.items[i], params, nparams);
			if (rc < 0 && r->inflight && already_done(m->conn)) {
				/* the earlier run crashed in this statement after it took effect */
				notice(m, "%s: statement %lld was running when an earlier run stopped, and it took effect "
				       "then (%s): counted as applied", r->mig->name, (long long)r->stmts + 1,
				       orm_conn_errmsg(m->conn));
				rc = 0;
			}
		}
		r->inflight = 0;
		if (rc < 0) {
			fail_desc(r, rc, op, m->d == ORM_DIALECT_MARIADB || op->kind == ORM__OP_SQL ? l.items[i] : NULL);
			if (orm_tx_depth(m->conn) > 0)
				orm_rollback(m->conn);
			goto out;
		}
		r->hash = h_after;
		r->step_stmts = (int64_t)i + 1;
		r->stmts++;
		if (i + 1 == l.count) {
			/* the step is complete: from now on it is identified by its source */
			r->base = orm__fnv1a64(r->base, op->ident, strlen(op->ident));
			r->hash = r->base;
			r->step++;
			r->step_stmts = 0;
		}
		if ((rc = write_progress(r, NULL)) < 0) {
			if (orm_tx_depth(m->conn) > 0)
				orm_rollback(m->conn);
			goto out;
		}
		if (orm_tx_depth(m->conn) > 0 && (rc = orm_commit(m->conn)) < 0) {
			fail_desc(r, rc, op, l.items[i]);
			orm_rollback(m->conn);
			goto out;
		}
	}
	if (l.count == 0) {
		r->base = orm__fnv1a64(r->base, op->ident, strlen(op->ident));
		r->hash = r->base;
		r->step++;
	}
out:
	orm_sql_list_dispose(&l);
	return rc;
}

/* ---- applying one migration ---- */

static int run_c(struct run *r)
{
	orm_migration_ctx ctx;
	orm_migration_fn fn = r->dir > 0 ? r->mig->cdef->up : r->mig->cdef->down;
	int rc;

	ctx.r = r;
	rc = fn(&ctx, r->m->o.payload);
	if (rc < 0 && !r->fail.size) {
		const char *msg = orm_conn_errmsg(r->m->conn);
		orm_buf_printf(&r->fail, "the C function returned %d (%s)%s%s", rc, orm_strerror(rc),
			       *msg ? ": " : "", msg);
	}
	return rc;
}

static int run_ops(struct run *r)
{
	const orm__mig_ops *ops = r->dir > 0 ? &r->mig->up : &r->mig->down;
	size_t i;
	int rc;

	if (r->mig->cdef)
		return run_c(r);
	for (i = 0; i < ops->n; i++)
		if ((rc = run_op(r, &ops->items[i], NULL, 0)) < 0)
			return rc;
	return 0;
}

static int failed(orm_migrator *m, struct run *r, int rc, const char *outcome)
{
	if (r->fail.size)
		return merr(m, rc, "migration %s (%s) failed at %s\n  %s", r->mig->name, r->dir > 0 ? "up" : "down",
			    r->fail.ptr, outcome);
	return rc; /* the message is already set */
}

static int apply(orm_migrator *m, struct mig *g, int dir, int64_t batch)
{
	struct run r;
	struct progress *pr;
	int64_t t0 = now_ms(), dur;
	int rc = 0, sqlite_relock = 0;

	memset(&r, 0, sizeof(r));
	r.m = m;
	r.mig = g;
	r.dir = dir;
	r.dry = m->o.dry_run;
	r.tracked = m->d == ORM_DIALECT_MARIADB || g->no_tx;
	r.base = r.hash = ORM__FNV_INIT;
	emit(m, ORM_MIGRATE_EV_START, g->name, dir, NULL, NULL, 0, 0);
	pr = find_prog(m, g->name);
	if (pr && pr->direction == dir && r.tracked) {
		char msg[512];
		r.skip_steps = pr->steps_done;
		r.skip_stmts = pr->step_stmts_done;
		r.step_stmts = pr->step_stmts_done;
		r.step_sql = pr->step_sql;
		r.stmts = pr->stmts_done;
		snprintf(r.want_hash, sizeof(r.want_hash), "%s", pr->hash);
		r.verify = 1;
		r.have_prow = 1;
		r.inflight = !strncmp(pr->error, INFLIGHT_MARK, strlen(INFLIGHT_MARK));
		snprintf(msg, sizeof(msg), "resuming %s after its first %lld statement(s)%s%s", g->name,
			 (long long)pr->stmts_done, *pr->error ? "; it failed before with: " : "", pr->error);
		emit(m, ORM_MIGRATE_EV_RESUME, g->name, dir, NULL, msg, 0, 0);
	} else if (pr && !r.dry) {
		return merr(m, ORM_ECONFLICT, "migration %s has a progress row for a %s run (%lld statements done); "
			    "finish that first, or repair by hand and delete its row from %s", g->name,
			    pr->direction > 0 ? "up" : "down", (long long)pr->stmts_done, m->ptable);
	}
	if (r.dry) {
		if (!r.tracked)
			emit_sql(m, "BEGIN");
		if ((rc = run_ops(&r)) < 0)
			goto out;
		if ((rc = write_record(m, g, dir, batch, 0)) < 0)
			goto out;
		if (!r.tracked)
			emit_sql(m, "COMMIT");
		emit(m, ORM_MIGRATE_EV_DONE, g->name, dir, NULL, NULL, 0, batch);
		goto out;
	}
	if (!r.tracked) {
		/* one transaction (SQLite: a savepoint in the run's write transaction) */
		if ((rc = orm_begin(m->conn)) < 0) {
			rc = cerr(m, rc, "cannot begin the migration's transaction");
			goto out;
		}
		rc = run_ops(&r);
		if (rc == 0 && m->d == ORM_DIALECT_SQLITE && (rc = orm_schema_foreign_key_check(m->conn, NULL)) < 0)
			fail_desc(&r, rc, &(orm__mig_op){ .desc = (char *)"foreign key check after the migration" }, NULL);
		dur = now_ms() - t0;
		if (rc == 0)
			rc = write_record(m, g, dir, batch, dur);
		if (rc == 0 && (rc = orm_commit(m->conn)) < 0)
			fail_desc(&r, rc, &(orm__mig_op){ .desc = (char *)"commit" }, NULL);
		if (rc < 0) {
			orm_rollback(m->conn);
			rc = failed(m, &r, rc, "it was rolled back: nothing of it was applied");
			goto out;
		}
		emit(m, ORM_MIGRATE_EV_DONE, g->name, dir, NULL, NULL, dur, batch);
		goto out;
	}
	/* tracked: statement by statement, outside a transaction */
	if (m->d == ORM_DIALECT_SQLITE && m->locked) {
		/* SQLite: the lock is a transaction; the migration must run outside it */
		if ((rc = sqlite_unlock(m, 1)) < 0)
			goto out;
		sqlite_relock = 1;
		notice(m, "%s runs outside a transaction: the SQLite write lock is released while it runs", g->name);
	}
	if (!r.have_prow && (rc = write_progress(&r, NULL)) < 0)
		goto out;
	rc = run_ops(&r);
	if (rc == 0 && r.verify) {
		char hex[17];
		hash_hex(r.hash, hex);
		if (strcmp(hex, r.want_hash) != 0)
			rc = merr(m, ORM_ECONFLICT, "migration %s was partly applied by an earlier run, but its statements "
				  "changed since; repair the database by hand, then delete its row from %s",
				  g->name, m->ptable);
	}
	if (rc < 0) {
		if (r.fail.size) {
			char *e = orm__strdup(r.fail.ptr);
			char outcome[512];
			write_progress(&r, e ? e : "failed");
			orm__free(e);
			if (r.stmts > 0)
				snprintf(outcome, sizeof(outcome), "%lld statement(s) of it were applied and recorded (%s); "
					 "fix the cause and run the command again to resume after them", (long long)r.stmts,
					 m->d == ORM_DIALECT_MARIADB ? "MariaDB commits each DDL statement by itself"
								     : "it runs without a transaction");
			else
				snprintf(outcome, sizeof(outcome), "no statement of it was applied");
			rc = failed(m, &r, rc, outcome);
		}
		goto out;
	}
	dur = now_ms() - t0;
	if ((rc = orm_begin(m->conn)) < 0) {
		rc = cerr(m, rc, "cannot begin the record's transaction");
		goto out;
	}
	if ((rc = write_record(m, g, dir, batch, dur)) == 0 && (rc = delete_progress(m, g->name)) == 0)
		rc = orm_commit(m->conn);
	if (rc < 0) {
		orm_rollback(m->conn);
		if (!*orm_migrator_errmsg(m))
			cerr(m, rc, "cannot record the migration");
		goto out;
	}
	emit(m, ORM_MIGRATE_EV_DONE, g->name, dir, NULL, NULL, dur, batch);
out:
	if (sqlite_relock) {
		int lrc = lock_acquire(m);
		if (rc == 0)
			rc = lrc;
	}
	orm_buf_dispose(&r.fail);
	orm_buf_dispose(&r.cur_step);
	return rc;
}

/* ---- commands ---- */

/* Take the lock (not for dry runs), create the tables (not for dry runs) and read the state. */
static int begin_cmd(orm_migrator *m, int writes)
{
	int rc;

	orm_buf_clear(&m->err);
	if (writes && !m->o.dry_run && (rc = lock_acquire(m)) < 0)
		return rc;
	if ((rc = load_state(m)) < 0)
		return rc;
	return 0;
}

static int end_cmd(orm_migrator *m, int rc)
{
	int lrc = 0;

	if (m->locked && !m->user_locked) {
		if (m->d == ORM_DIALECT_SQLITE)
			lrc = sqlite_unlock(m, 1);
		else
			lrc = lock_release(m);
	} else if (m->locked && m->d == ORM_DIALECT_SQLITE) {
		/* user lock on SQLite: commit the work, keep the lock */
		int64_t start = now_ms();
		while ((lrc = orm_commit(m->conn)) == ORM_EBUSY && now_ms() - start < 10000)
			sleep_ms(50);
		if (lrc == 0)
			lrc = sqlite_begin_immediate(m);
		if (lrc < 0)
			m->locked = 0;
	}
	if (!m->user_locked)
		sqlite_file_unlock(m);
	if (rc == 0 && lrc < 0)
		rc = *orm_migrator_errmsg(m) ? lrc : cerr(m, lrc, "cannot release the migration lock");
	return rc;
}

/* Apply `list` as one batch (checks done by the caller). */
static int apply_list(orm_migrator *m, struct mig **list, size_t n, int *count)
{
	int64_t batch = max_batch(m) + 1;
	size_t i;
	int rc = 0;

	if ((rc = ensure_tables(m)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = apply(m, list[i], 1, batch)) < 0)
			break;
		if (count)
			(*count)++;
	}
	return rc;
}

static int pending_list(orm_migrator *m, struct mig ***out, size_t *n)
{
	size_t i;

	*out = orm__calloc(m->n + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return merr(m, ORM_ENOMEM, "out of memory");
	for (i = 0; i < m->n; i++)
		if (!find_rec(m, m->migs[i].name))
			(*out)[(*n)++] = &m->migs[i];
	return 0;
}

int orm_migrator_latest(orm_migrator *m, int *count)
{
	struct mig **pend = NULL;
	size_t np = 0;
	int rc;

	if (count)
		*count = 0;
	if (!m)
		return ORM_EINVAL;
	if ((rc = begin_cmd(m, 1)) < 0)
		return end_cmd(m, rc);
	if ((rc = pending_list(m, &pend, &np)) < 0)
		goto out;
	if ((rc = check_history(m, pend, np)) < 0)
		goto out;
	if (np == 0) {
		notice(m, "already up to date");
		goto out;
	}
	rc = apply_list(m, pend, np, count);
out:
	orm__free(pend);
	return end_cmd(m, rc);
}

/* Resolve a user-given name: the stem, stem.ext, the time stamp alone, or the name part alone. */
static int resolve_name(orm_migrator *m, const char *name, const char **out)
{
	const char *slash = strrchr(name, '/');
	char buf[300];
	const char *found = NULL;
	size_t i, len;
	int nfound = 0;

	*out = NULL;
	if (slash)
		name = slash + 1;
	snprintf(buf, sizeof(buf), "%s", name);
	len = strlen(buf);
	if (len > 4 && !strcmp(buf + len - 4, ".sql"))
		buf[len - 4] = '\0';
	else if (len > 5 && !strcmp(buf + len - 5, ".yaml"))
		buf[len - 5] = '\0';
	else if (len > 4 && !strcmp(buf + len - 4, ".yml"))
		buf[len - 4] = '\0';
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->migs[i].name, buf)) {
			*out = m->migs[i].name;
			return 0;
		}
	for (i = 0; i < m->nrecs; i++)
		if (!strcmp(m->recs[i].name, buf)) {
			*out = m->recs[i].name;
			return 0;
		}
	len = strlen(buf);
	for (i = 0; i < m->n; i++) {
		const char *n = m->migs[i].name;
		if ((len == 14 && !strncmp(n, buf, 14)) || !strcmp(n + 15, buf)) {
			found = n;
			nfound++;
		}
	}
	if (nfound == 1) {
		*out = found;
		return 0;
	}
	if (nfound > 1)
		return merr(m, ORM_EINVAL, "'%s' matches several migrations; give the full name", name);
	return merr(m, ORM_ENOTFOUND, "no migration named '%s'", name);
}

int orm_migrator_up(orm_migrator *m, const char *name)
{
	struct mig **pend = NULL, *one[1];
	size_t np = 0, i;
	const char *full = NULL;
	int rc;

	if (!m)
		return ORM_EINVAL;
	if ((rc = begin_cmd(m, 1)) < 0)
		return end_cmd(m, rc);
	if ((rc = pending_list(m, &pend, &np)) < 0)
		goto out;
	if (name) {
		if ((rc = resolve_name(m, name, &full)) < 0)
			goto out;
		one[0] = NULL;
		for (i = 0; i < np; i++)
			if (!strcmp(pend[i]->name, full))
				one[0] = pend[i];
		if (!one[0]) {
			rc = merr(m, ORM_EINVAL, "migration %s is already applied", full);
			goto out;
		}
	} else {
		if (np == 0) {
			notice(m, "already up to date");
			goto out;
		}
		one[0] = pend[0];
	}
	if ((rc = check_history(m, one, 1)) < 0)
		goto out;
	rc = apply_list(m, one, 1, NULL);
out:
	orm__free(pend);
	return end_cmd(m, rc);
}

/* Check and roll back `list` (newest first). */
static int rollback_list(orm_migrator *m, struct record **list, size_t n, int *count)
{
	orm_buf bad = ORM_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct mig *g = find_mig_exact(m, list[i]->name);
		if (!g)
			orm_buf_printf(&bad, "\n  %s: its migration no longer exists", list[i]->name);
		else if (!g->has_down)
			orm_buf_printf(&bad, "\n  %s: it has no down migration", g->name);
	}
	if (bad.size) {
		rc = merr(m, ORM_ECONFLICT, "cannot roll back; nothing was rolled back:%s", bad.ptr);
		orm_buf_dispose(&bad);
		return rc;
	}
	for (i = 0; i < n; i++) {
		struct mig *g = find_mig_exact(m, list[i]->name);
		if (modified(g, list[i]))
			notice(m, "%s changed since it was applied; rolling back with its current down", g->name);
	}
	if (n && (rc = ensure_tables(m)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct mig *g = find_mig_exact(m, list[i]->name);
		if ((rc = apply(m, g, -1, list[i]->batch)) < 0)
			break;
		if (count)
			(*count)++;
	}
	return rc;
}

int orm_migrator_rollback(orm_migrator *m, int steps, int all, int *count)
{
	struct record **list = NULL;
	size_t n = 0, i;
	int64_t last;
	int rc;

	if (count)
		*count = 0;
	if (!m || steps < 0)
		return ORM_EINVAL;
	if ((rc = begin_cmd(m, 1)) < 0)
		return end_cmd(m, rc);
	last = max_batch(m);
	list = orm__calloc(m->nrecs + 1, sizeof(*list));
	if (!list) {
		rc = merr(m, ORM_ENOMEM, "out of memory");
		goto out;
	}
	/* records are ordered by batch, then name: walk backwards */
	for (i = m->nrecs; i-- > 0;) {
		if (!all && steps == 0 && m->recs[i].batch != last)
			break;
		if (!all && steps > 0 && (int)n >= steps)
			break;
		list[n++] = &m->recs[i];
	}
	if (n == 0) {
		notice(m, "nothing to roll back");
		goto out;
	}
	rc = rollback_list(m, list, n, count);
out:
	orm__free(list);
	return end_cmd(m, rc);
}

int orm_migrator_down(orm_migrator *m, const char *name)
{
	struct record *one[1] = { NULL };
	const char *full;
	int rc;

	if (!m)
		return ORM_EINVAL;
	if ((rc = begin_cmd(m, 1)) < 0)
		return end_cmd(m, rc);
	if (name) {
		if ((rc = resolve_name(m, name, &full)) < 0)
			goto out;
		if (!(one[0] = find_rec(m, full))) {
			rc = merr(m, ORM_EINVAL, "migration %s is not applied", full);
			goto out;
		}
	} else if (m->nrecs == 0) {
		notice(m, "nothing to roll back");
		goto out;
	} else {
		one[0] = &m->recs[m->nrecs - 1];
	}
	rc = rollback_list(m, one, 1, NULL);
out:
	return end_cmd(m, rc);
}

int orm_migrator_to(orm_migrator *m, const char *name, int *count)
{
	struct mig **list = NULL;
	struct record **recs = NULL;
	const char *full;
	size_t n = 0, i;
	int rc;

	if (count)
		*count = 0;
	if (!m || !name)
		return ORM_EINVAL;
	if ((rc = begin_cmd(m, 1)) < 0)
		return end_cmd(m, rc);
	if ((rc = resolve_name(m, name, &full)) < 0)
		goto out;
	if (!find_rec(m, full)) {
		/* forward: every pending migration up to and including the target */
		if ((rc = pending_list(m, &list, &n)) < 0)
			goto out;
		for (i = 0; i < n; i++)
			if (strcmp(list[i]->name, full) > 0)
				break;
		n = i;
		if ((rc = check_history(m, list, n)) < 0)
			goto out;
		rc = apply_list(m, list, n, count);
	} else {
		/* backward: roll back the applied migrations after the target, newest first */
		recs = orm__calloc(m->nrecs + 1, sizeof(*recs));
		if (!recs) {
			rc = merr(m, ORM_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < m->nrecs; i++)
			if (strcmp(m->recs[i].name, full) > 0)
				recs[n++] = &m->recs[i];
		/* newest first: by batch descending, then name descending */
		for (i = 0; i < n / 2; i++) {
			struct record *t = recs[i];
			recs[i] = recs[n - 1 - i];
			recs[n - 1 - i] = t;
		}
		if (n == 0)
			notice(m, "already at %s", full);
		else
			rc = rollback_list(m, recs, n, count);
	}
out:
	orm__free(list);
	orm__free(recs);
	return end_cmd(m, rc);
}

/* ---- status ---- */

const char *orm_migration_state_name(orm_migration_state s)
{
	switch (s) {
	case ORM_MIGRATION_PENDING: return "pending";
	case ORM_MIGRATION_APPLIED: return "applied";
	case ORM_MIGRATION_MODIFIED: return "modified";
	case ORM_MIGRATION_MISSING: return "missing";
	case ORM_MIGRATION_PARTIAL: return "partial";
	}
	return "unknown";
}

int orm_migrator_status(orm_migrator *m, const orm_migration_info **list, size_t *n)
{
	const char *newest;
	size_t i, k = 0;
	int rc;

	if (!m || !list || !n)
		return ORM_EINVAL;
	*list = NULL;
	*n = 0;
	orm_buf_clear(&m->err);
	if ((rc = load_state(m)) < 0)
		return rc;
	orm__free(m->info);
	m->info = orm__calloc(m->n + m->nrecs + 1, sizeof(*m->info));
	if (!m->info)
		return merr(m, ORM_ENOMEM, "out of memory");
	newest = newest_applied(m);
	for (i = 0; i < m->nrecs; i++) {
		struct record *r = &m->recs[i];
		struct mig *g = find_mig_exact(m, r->name);
		struct progress *p = find_prog(m, r->name);
		orm_migration_info *in = &m->info[k++];
		in->name = r->name;
		in->path = g ? g->path : "";
		in->format = g ? g->format : "";
		in->state = !g ? ORM_MIGRATION_MISSING : modified(g, r) ? ORM_MIGRATION_MODIFIED : ORM_MIGRATION_APPLIED;
		if (g && p && p->direction < 0)
			in->state = ORM_MIGRATION_PARTIAL;
		in->batch = r->batch;
		in->applied_at = r->applied_at;
		in->duration_ms = r->duration;
		in->checksum = g ? g->checksum : "";
		in->applied_checksum = r->checksum;
		in->statements_done = p ? (int)p->stmts_done : -1;
		in->error = p ? p->error : "";
	}
	for (i = 0; i < m->n; i++) {
		struct mig *g = &m->migs[i];
		struct progress *p;
		orm_migration_info *in;
		if (find_rec(m, g->name))
			continue;
		p = find_prog(m, g->name);
		in = &m->info[k++];
		in->name = g->name;
		in->path = g->path;
		in->format = g->format;
		in->state = p ? ORM_MIGRATION_PARTIAL : ORM_MIGRATION_PENDING;
		in->batch = 0;
		in->applied_at = "";
		in->duration_ms = -1;
		in->checksum = g->checksum;
		in->applied_checksum = "";
		in->out_of_order = newest && strcmp(g->name, newest) < 0;
		in->statements_done = p ? (int)p->stmts_done : -1;
		in->error = p ? p->error : "";
	}
	m->ninfo = k;
	*list = m->info;
	*n = k;
	return 0;
}

/* ---- C migration context ---- */

orm_conn *orm_migration_conn(orm_migration_ctx *ctx)
{
	return ctx ? ctx->r->m->conn : NULL;
}

int orm_migration_is_dry_run(const orm_migration_ctx *ctx)
{
	return ctx ? ctx->r->dry : 0;
}

static int ctx_op(orm_migration_ctx *ctx, orm__mig_op *op, const orm_value *params, int nparams)
{
	int rc;

	if (!op->desc || !op->ident) {
		rc = ORM_ENOMEM;
	} else {
		rc = run_op(ctx->r, op, params, nparams);
	}
	orm__free(op->desc);
	orm__free(op->ident);
	orm__free(op->a);
	orm__free(op->b);
	orm__free(op->sql);
	return rc;
}

int orm_migration_exec(orm_migration_ctx *ctx, const char *sql)
{
	orm__mig_ops ops = { NULL, 0, 0 };
	size_t i;
	int rc;

	if (!ctx || !sql)
		return ORM_EINVAL;
	if ((rc = orm__mig_ops_add_sql(&ops, sql, strlen(sql), ctx->r->m->d, 1)) < 0)
		return rc;
	for (i = 0; i < ops.n; i++) {
		orm__free(ops.items[i].desc);
		ops.items[i].desc = orm__sprintf("SQL statement %zu of orm_migration_exec()", i + 1);
		if (!ops.items[i].desc) {
			rc = ORM_ENOMEM;
			break;
		}
		if ((rc = run_op(ctx->r, &ops.items[i], NULL, 0)) < 0)
			break;
	}
	orm__mig_ops_dispose(&ops);
	return rc;
}

int orm_migration_exec_params(orm_migration_ctx *ctx, const char *sql, const orm_value *params, int nparams)
{
	orm__mig_op op;

	if (!ctx || !sql || nparams < 0 || (nparams > 0 && !params))
		return ORM_EINVAL;
	memset(&op, 0, sizeof(op));
	op.kind = ORM__OP_SQL;
	op.sql = orm__strdup(sql);
	op.ident = orm__strdup(sql);
	op.desc = orm__strdup("orm_migration_exec_params()");
	if (!op.sql) {
		orm__free(op.ident);
		orm__free(op.desc);
		return ORM_ENOMEM;
	}
	return ctx_op(ctx, &op, params, nparams);
}

static int ctx_table_op(orm_migration_ctx *ctx, int kind, const orm_table *t, unsigned flags, const char *what)
{
	orm__mig_op op;

	if (!ctx || !t)
		return ORM_EINVAL;
	if (orm_table_error(t))
		return orm__err(ctx->r->m->conn, orm_table_error(t), "%s", orm_table_errmsg(t));
	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.table = (orm_table *)t; /* borrowed: never freed here */
	op.flags = flags;
	op.desc = orm__sprintf("%s %s", what, orm_table_name(t));
	op.ident = orm__sprintf("%s %s #%lld", what, orm_table_name(t), (long long)ctx->r->step);
	op.table = (orm_table *)t;
	{
		int rc;
		if (!op.desc || !op.ident)
			rc = ORM_ENOMEM;
		else
			rc = run_op(ctx->r, &op, NULL, 0);
		orm__free(op.desc);
		orm__free(op.ident);
		return rc;
	}
}

int orm_migration_create_table(orm_migration_ctx *ctx, const orm_table *t, unsigned flags)
{
	return ctx_table_op(ctx, ORM__OP_CREATE_TABLE, t, flags, "create_table");
}

int orm_migration_alter_table(orm_migration_ctx *ctx, const orm_table *t)
{
	return ctx_table_op(ctx, ORM__OP_ALTER_TABLE, t, 0, "alter_table");
}

static int ctx_named(orm_migration_ctx *ctx, int kind, const char *a, const char *b, unsigned flags,
		     const char *what)
{
	orm__mig_op op;

	if (!ctx || !a || (kind == ORM__OP_RENAME_TABLE && !b))
		return ORM_EINVAL;
	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.flags = flags;
	op.a = orm__strdup(a);
	op.b = b ? orm__strdup(b) : NULL;
	op.desc = orm__sprintf("%s %s%s%s", what, a, b ? " to " : "", b ? b : "");
	op.ident = op.desc ? orm__strdup(op.desc) : NULL;
	if (!op.a || (b && !op.b)) {
		orm__free(op.a);
		orm__free(op.b);
		orm__free(op.desc);
		orm__free(op.ident);
		return ORM_ENOMEM;
	}
	return ctx_op(ctx, &op, NULL, 0);
}

int orm_migration_drop_table(orm_migration_ctx *ctx, const char *name, unsigned flags)
{
	return ctx_named(ctx, ORM__OP_DROP_TABLE, name, NULL, flags, "drop_table");
}

int orm_migration_rename_table(orm_migration_ctx *ctx, const char *from, const char *to)
{
	return ctx_named(ctx, ORM__OP_RENAME_TABLE, from, to, 0, "rename_table");
}

int orm_migration_create_schema(orm_migration_ctx *ctx, const char *name, unsigned flags)
{
	return ctx_named(ctx, ORM__OP_CREATE_SCHEMA, name, NULL, flags, "create_schema");
}

int orm_migration_drop_schema(orm_migration_ctx *ctx, const char *name, unsigned flags)
{
	return ctx_named(ctx, ORM__OP_DROP_SCHEMA, name, NULL, flags, "drop_schema");
}

/* ---- one-call conveniences ---- */

static int conv_done(orm_migrator *m, orm_conn *conn, int rc)
{
	if (rc < 0 && m && *orm_migrator_errmsg(m))
		orm__err(conn, rc, "%s", orm_migrator_errmsg(m));
	orm_migrator_free(m);
	return rc;
}

int orm_migrate_latest(orm_conn *conn, const orm_migrate_opts *opts, int *count)
{
	orm_migrator *m = NULL;
	int rc;

	if (count)
		*count = 0;
	if ((rc = orm_migrator_new(&m, conn, opts)) < 0)
		return conv_done(m, conn, rc);
	return conv_done(m, conn, orm_migrator_latest(m, count));
}

int orm_migrate_rollback(orm_conn *conn, const orm_migrate_opts *opts, int steps, int all, int *count)
{
	orm_migrator *m = NULL;
	int rc;

	if (count)
		*count = 0;
	if ((rc = orm_migrator_new(&m, conn, opts)) < 0)
		return conv_done(m, conn, rc);
	return conv_done(m, conn, orm_migrator_rollback(m, steps, all, count));
}
