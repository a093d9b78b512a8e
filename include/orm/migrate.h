/**
 * @file orm/migrate.h
 * @brief Migrations: YAML, SQL and C sources, bookkeeping, locking,
 * checksums, batches, dry runs.
 *
 * @code
 * orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
 * o.directory = "migrations";
 * orm_migrator *m;
 * if (orm_migrator_new(&m, db, &o) < 0 || orm_migrator_latest(m, NULL) < 0)
 *         fprintf(stderr, "%s\n", orm_migrator_errmsg(m));
 * orm_migrator_free(m);
 * @endcode
 *
 * ## Sources
 * A migration is named `YYYYMMDDHHMMSS_name` (a UTC time stamp, then
 * letters, digits and `_`); migrations run in the order of the time stamp,
 * then the name. The bookkeeping records the name without its extension.
 * - `migrations/YYYYMMDDHHMMSS_name.sql`: `-- migrate:up` and
 *   `-- migrate:down` sections; a `-- migrate:no-transaction` line (or
 *   `-- migrate:up transaction:false`) runs the file outside a transaction.
 *   Without a down section the migration cannot be rolled back.
 * - `migrations/YYYYMMDDHHMMSS_name.yaml` (or `.yml`): `up:` and `down:`
 *   lists of schema operations, the same on every dialect, and
 *   `transaction: false`. Operations: `create_table`, `alter_table`,
 *   `drop_table`, `rename_table`, `add_index`, `drop_index`,
 *   `add_unique`, `drop_unique`, `add_foreign_key`, `drop_foreign_key`,
 *   `create_schema`, `drop_schema`, `raw` (`{sql: ...}` for every dialect,
 *   or `{sqlite: ..., postgres: ..., mariadb: ...}`) and `sql` (shorthand
 *   for `raw: {sql: ...}`). See doc/migrations.md.
 * - C: an array of orm_migration_def given in the options, whose
 *   functions make their changes through the orm_migration_ functions
 *   below (so that --dry-run and resuming work).
 * Every file is read, checked and parsed when the migrator is made: a
 * syntax error, an unknown operation or a bad name fails before anything
 * is applied, with FILE:LINE:COL.
 *
 * ## Bookkeeping
 * Table `orm_migrations` (name, batch, applied_at (UTC), checksum
 * (SHA-256 of the file), duration_ms), and `orm_migrations_progress` for
 * migrations that run statement by statement. They are created by the
 * first command that changes something, never by status or list. A
 * migration and its record commit in one transaction.
 *
 * ## Safety
 * - One runner at a time: PostgreSQL session advisory lock, MariaDB
 *   GET_LOCK(), SQLite a write transaction (BEGIN IMMEDIATE) held for the
 *   whole run. Each is released by the server when the connection ends,
 *   so a crashed runner never leaves the lock set. A waiting runner
 *   reports who holds the lock and gives up after the lock timeout
 *   (ORM_EBUSY naming the holder).
 * - latest, up and to stop with ORM_ECONFLICT, listing the names, when an
 *   applied migration's file changed (checksum) or is gone, and when a
 *   pending migration is older than the newest applied one (unless
 *   allow_out_of_order).
 * - SQLite and PostgreSQL: each migration runs in a transaction with its
 *   record; a failure leaves nothing of it. On SQLite the run keeps
 *   foreign keys off while it holds the transaction (table rebuilds must
 *   not cascade; nor do data changes made by a migration) and checks every
 *   foreign key before each migration commits.
 * - MariaDB commits every DDL statement by itself: migrations run one
 *   statement at a time and the progress is recorded after each. A failure
 *   names the statement; the next run resumes after the last statement
 *   applied (provided those statements are unchanged). Migrations with
 *   `transaction: false` run the same way on every dialect (on SQLite the
 *   write transaction is released while such a migration runs; a runner on
 *   a database file also holds an exclusive flock() on
 *   "<file>-migrate.lock", created beside it and left there, for the whole
 *   command, so that no other runner starts meanwhile).
 *
 * The formats, the commands and the guarantees are described in
 * doc/migrations.md.
 */
#ifndef ORM_MIGRATE_H
#define ORM_MIGRATE_H

#include "common.h"
#include "errors.h"
#include "conn.h"
#include "schema.h"

ORM_BEGIN_DECL

/** A migration runner (opaque) over one connection; made by orm_migrator_new(). */
typedef struct orm_migrator orm_migrator;
/** What a C migration works through (opaque): its connection and dry-run state. */
typedef struct orm_migration_ctx orm_migration_ctx;

/* ------------------------------------------------------------------ */
/** @name C migrations */
/**@{*/

/**
 * One direction of a C migration. Make every change through the
 * orm_migration_ functions on `ctx`; read with orm_migration_conn().
 * @return 0, or a negative code to fail (and roll back) the migration.
 */
typedef int (*orm_migration_fn)(orm_migration_ctx *ctx, void *payload);

/** A migration compiled into the application. */
typedef struct orm_migration_def {
	const char *name;      /**< "YYYYMMDDHHMMSS_name" */
	orm_migration_fn up;   /**< applies the migration */
	orm_migration_fn down; /**< NULL: cannot be rolled back */
	int no_transaction;    /**< run outside a transaction, statement by statement */
} orm_migration_def;

/** The connection, for reads (do not change the schema through it directly). */
ORM_EXTERN(orm_conn *) orm_migration_conn(orm_migration_ctx *ctx);
/** 1 when this is a dry run (the functions below then only print). */
ORM_EXTERN(int) orm_migration_is_dry_run(const orm_migration_ctx *ctx);
/** Run SQL text of one or more statements (split per dialect). */
ORM_EXTERN(int) orm_migration_exec(orm_migration_ctx *ctx, const char *sql);
/** Run one statement with parameters. */
ORM_EXTERN(int) orm_migration_exec_params(orm_migration_ctx *ctx, const char *sql,
					  const orm_value *params, int nparams);
/** The schema builder's operations, run (or printed) as part of the migration. */
ORM_EXTERN(int) orm_migration_create_table(orm_migration_ctx *ctx, const orm_table *t, unsigned flags);
/** orm_schema_alter_table() as part of the migration. */
ORM_EXTERN(int) orm_migration_alter_table(orm_migration_ctx *ctx, const orm_table *t);
/** orm_schema_drop_table() as part of the migration. */
ORM_EXTERN(int) orm_migration_drop_table(orm_migration_ctx *ctx, const char *name, unsigned flags);
/** orm_schema_rename_table() as part of the migration. */
ORM_EXTERN(int) orm_migration_rename_table(orm_migration_ctx *ctx, const char *from, const char *to);
/** orm_schema_create_schema() as part of the migration. */
ORM_EXTERN(int) orm_migration_create_schema(orm_migration_ctx *ctx, const char *name, unsigned flags);
/** orm_schema_drop_schema() as part of the migration. */
ORM_EXTERN(int) orm_migration_drop_schema(orm_migration_ctx *ctx, const char *name, unsigned flags);

/**@}*/
/* ------------------------------------------------------------------ */
/** @name Options and events */
/**@{*/

/** What a runner reports while it works (see orm_migrate_opts.on_event). */
typedef enum orm_migrate_event_kind {
	ORM_MIGRATE_EV_START = 1,  /**< a migration starts (name, direction) */
	ORM_MIGRATE_EV_DONE,       /**< a migration finished (name, direction, duration_ms, batch) */
	ORM_MIGRATE_EV_STATEMENT,  /**< sql: a statement about to run, or that would run (dry run) */
	ORM_MIGRATE_EV_LOCK_WAIT,  /**< message: waiting for the lock, and who holds it */
	ORM_MIGRATE_EV_RESUME,     /**< name: resumes a partly applied migration (message says where) */
	ORM_MIGRATE_EV_NOTICE      /**< message: anything else worth saying */
} orm_migrate_event_kind;

/** An event; strings are borrowed for the duration of the callback. */
typedef struct orm_migrate_event {
	orm_migrate_event_kind kind; /**< what happened; says which fields are set */
	const char *name;     /**< migration name, or NULL */
	int direction;        /**< 1 up, -1 down, 0 none */
	const char *sql;      /**< ORM_MIGRATE_EV_STATEMENT: the statement */
	const char *message;  /**< LOCK_WAIT, RESUME, NOTICE */
	int64_t duration_ms;  /**< DONE */
	int64_t batch;        /**< DONE (up) */
	int dry_run;          /**< 1 when the runner is in a dry run */
} orm_migrate_event;

/** Current version of orm_migrate_opts, stored in its `version` field. */
#define ORM_MIGRATE_OPTS_VERSION 1

/** Options of a migrator. Initialise with ORM_MIGRATE_OPTS_INIT; fields are only appended. */
typedef struct orm_migrate_opts {
	unsigned version;                      /**< ORM_MIGRATE_OPTS_VERSION */
	const char *directory;                 /**< folder of .yaml/.yml/.sql files; NULL: none */
	const orm_migration_def *migrations;   /**< C migrations, may be NULL */
	size_t nmigrations;                    /**< number of entries in `migrations` */
	void *payload;                         /**< passed to the C migrations */
	const char *table;                     /**< bookkeeping table; NULL: "orm_migrations" */
	int dry_run;                           /**< print (via on_event) and change nothing */
	int allow_out_of_order;                /**< apply pending migrations older than the newest applied */
	long lock_timeout_ms;                  /**< 0: 60000; < 0: do not wait */
	/** Called for every event (see orm_migrate_event_kind); may be NULL. */
	void (*on_event)(const orm_migrate_event *ev, void *event_payload);
	void *event_payload;                   /**< passed unchanged to `on_event` */
} orm_migrate_opts;

/** Initialiser for orm_migrate_opts with the defaults of every field. */
#define ORM_MIGRATE_OPTS_INIT { ORM_MIGRATE_OPTS_VERSION, NULL, NULL, 0, NULL, NULL, 0, 0, 0, NULL, NULL }

/**@}*/
/* ------------------------------------------------------------------ */
/** @name The migrator */
/**@{*/

/**
 * Read every migration (files and C) and check names and syntax. Nothing
 * is written to the database.
 * @param[out] out the migrator, set even on failure (except ENOMEM /
 *             EINVAL) so that orm_migrator_errmsg() can say why; always
 *             free it with orm_migrator_free(). It borrows `conn` and the
 *             C migration table; the options' strings are copied.
 * @param conn the connection to migrate
 * @param opts the options (see orm_migrate_opts)
 * @return 0, ORM_EPARSE (bad file or name, with FILE:LINE:COL), ORM_EIO,
 *         ORM_ECONFLICT (two migrations with one name), ORM_EINVAL, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_migrator_new(orm_migrator **out, orm_conn *conn, const orm_migrate_opts *opts);

/** Free the migrator (releases the lock if it holds it). NULL is a no-op. */
ORM_EXTERN(void) orm_migrator_free(orm_migrator *m);

/** Why the last call failed, with names, statement and SQL where it applies; "" if none. */
ORM_EXTERN(const char *) orm_migrator_errmsg(const orm_migrator *m);

/**
 * Apply every pending migration, as one new batch.
 * @param m the migrator
 * @param[out] count migrations applied (may be NULL)
 * @return 0 (also when there was nothing to do), ORM_ECONFLICT (edited,
 *         missing or out-of-order files: the message lists them),
 *         ORM_EBUSY (lock timeout, the message names the holder), or the
 *         failing statement's code (message: migration, statement, SQL).
 */
ORM_EXTERN(int) orm_migrator_latest(orm_migrator *m, int *count);

/**
 * Roll back: the last batch (steps 0, all 0), the last `steps`
 * migrations (steps > 0), or everything (all != 0). Newest first.
 */
ORM_EXTERN(int) orm_migrator_rollback(orm_migrator *m, int steps, int all, int *count);

/** Apply one migration: the next pending one (name NULL) or the named pending one. */
ORM_EXTERN(int) orm_migrator_up(orm_migrator *m, const char *name);

/** Roll back one migration: the last applied (name NULL) or the named applied one. */
ORM_EXTERN(int) orm_migrator_down(orm_migrator *m, const char *name);

/**
 * Migrate to `name`: apply pending migrations up to and including it, or
 * roll back the applied migrations after it.
 */
ORM_EXTERN(int) orm_migrator_to(orm_migrator *m, const char *name, int *count);

/** State of one migration in orm_migrator_status(). Append-only. */
typedef enum orm_migration_state {
	ORM_MIGRATION_PENDING = 1,  /**< not applied */
	ORM_MIGRATION_APPLIED,      /**< applied, source unchanged */
	ORM_MIGRATION_MODIFIED,     /**< applied, but the file's checksum changed */
	ORM_MIGRATION_MISSING,      /**< applied, but there is no such migration any more */
	ORM_MIGRATION_PARTIAL       /**< partly applied (statement by statement) and failed */
} orm_migration_state;

/** @return "pending", "applied", "modified", "missing", "partial". */
ORM_EXTERN(const char *) orm_migration_state_name(orm_migration_state s);

/** One migration, as orm_migrator_status() reports it. Strings are never NULL. */
typedef struct orm_migration_info {
	const char *name;             /**< YYYYMMDDHHMMSS_name */
	const char *path;             /**< source file, "" for C migrations and missing ones */
	const char *format;           /**< "yaml", "sql", "c", "" (missing) */
	orm_migration_state state;    /**< pending, applied, modified, missing or partial */
	int64_t batch;                /**< 0 when not applied */
	const char *applied_at;       /**< "YYYY-MM-DD HH:MM:SS" (UTC), "" when not applied */
	int64_t duration_ms;          /**< -1 when not applied */
	const char *checksum;         /**< of the file now ("" for C and missing) */
	const char *applied_checksum; /**< recorded at apply time ("" when none) */
	int out_of_order;             /**< pending and older than the newest applied */
	int statements_done;          /**< PARTIAL: statements applied so far, else -1 */
	const char *error;            /**< PARTIAL: the error recorded, else "" */
} orm_migration_info;

/**
 * Read the state of every migration (applied ones first in the order
 * they were applied, then pending ones in order), and of the lock.
 * Never creates or locks anything.
 * @param m the migrator
 * @param[out] list array owned by the migrator, valid until the next call on it
 * @param[out] n number of entries
 */
ORM_EXTERN(int) orm_migrator_status(orm_migrator *m, const orm_migration_info **list, size_t *n);

/**
 * Who holds the migration lock, as text ("" when nobody does), appended
 * to `out`. On SQLite: whether another connection holds a write transaction.
 */
ORM_EXTERN(int) orm_migrator_lock_holder(orm_migrator *m, orm_buf *out);

/**
 * Take the migration lock now (waiting up to the lock timeout) and keep
 * it until orm_migrator_release() or orm_migrator_free(). Commands run
 * while it is held do not lock again. On SQLite this opens a write
 * transaction on the connection.
 * @return 0, ORM_EBUSY naming the holder.
 */
ORM_EXTERN(int) orm_migrator_lock(orm_migrator *m);
/** Release a lock taken with orm_migrator_lock(). */
ORM_EXTERN(int) orm_migrator_release(orm_migrator *m);

/**
 * Report the lock holder; with `force`, end the holder's session
 * (PostgreSQL pg_terminate_backend, MariaDB KILL). The locks cannot stay
 * behind after a crash, so this is only for a runner that hangs.
 * @return 0 when the lock is free (or was freed), ORM_EBUSY when it is
 *         held and force is 0 (the message names the holder).
 */
ORM_EXTERN(int) orm_migrator_unlock(orm_migrator *m, int force);

/**
 * Write a new, ready-to-fill migration file `DIR/YYYYMMDDHHMMSS_name.EXT`
 * with the current UTC time.
 * @param[out] path the new file's path, appended (may be NULL)
 * @param dir the migrations folder (created when missing)
 * @param name the migration's name (letters, digits and _)
 * @param format "yaml" (NULL) or "sql"
 * @param[out] errmsg why it failed, appended (may be NULL)
 * @return 0, ORM_EINVAL (bad name: letters, digits, _), ORM_EIO (with
 *         errmsg), ORM_ECONFLICT (the file exists).
 */
ORM_EXTERN(int) orm_migration_make(orm_buf *path, const char *dir, const char *name, const char *format,
				   orm_buf *errmsg);

/**@}*/
/* ------------------------------------------------------------------ */
/** @name One-call conveniences (make a migrator, run, free it)
 * The error message is left on the connection (orm_conn_errmsg()).
 */
/**@{*/

/** orm_migrator_new() + orm_migrator_latest() + orm_migrator_free(). */
ORM_EXTERN(int) orm_migrate_latest(orm_conn *conn, const orm_migrate_opts *opts, int *count);
/** orm_migrator_new() + orm_migrator_rollback() + orm_migrator_free(). */
ORM_EXTERN(int) orm_migrate_rollback(orm_conn *conn, const orm_migrate_opts *opts, int steps, int all,
				     int *count);

/**@}*/

ORM_END_DECL

#endif
