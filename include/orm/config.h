/**
 * @file orm/config.h
 * @brief ormtool.yaml: environments, connections, several databases.
 *
 * The configuration file plays the part of Knex's knexfile:
 *
 * @code{.yaml}
 * # ormtool.yaml
 * development:
 *   client: sqlite3
 *   connection:
 *     filename: dev.sqlite3          # relative to this file's folder
 * test:
 *   client: sqlite3
 *   connection: "sqlite::memory:"
 * production:
 *   client: pg
 *   connection: ${DATABASE_URL}
 *   migrations:
 *     directory: db/migrations       # default: migrations
 *     table: orm_migrations          # default
 *   seeds:
 *     directory: db/seeds            # default: seeds
 * @endcode
 *
 * - The environment is the one named by the caller (ormtool --env), else
 *   $ORM_ENV, else `development`. Top-level keys other than the
 *   environment keys (`client`, `connection`, `migrations`, `seeds`,
 *   `databases`) are defaults every environment inherits; a file with
 *   only those keys (no environments) serves every environment.
 * - `client`: `sqlite3` / `sqlite`, `pg` / `postgres` / `postgresql`,
 *   `mariadb` / `mysql` / `mysql2`.
 * - `connection`: a URL string (see orm_open()), or a map with `host`,
 *   `port`, `user`, `password`, `database`, `filename` (SQLite) and
 *   `options` (a map of URL options, e.g. `sslmode: require`). Without a
 *   connection, $DATABASE_URL is used.
 * - `${VAR}` and `${VAR:-default}` are replaced in every value of the
 *   chosen environment (`$${` writes a literal `${`). An unset variable
 *   without a default is an error naming the file, line and column.
 * - Several databases: a `databases:` map (at the top level or in an
 *   environment). Each entry takes `client`, `connection`, `migrations`,
 *   `seeds`; its folders default to `database/NAME/migrations` and
 *   `database/NAME/seeds`; its connection settings are read from
 *   `{NAME}_DB_HOST`, `{NAME}_DB_PORT`, `{NAME}_DB_NAME`, `{NAME}_DB_USER`,
 *   `{NAME}_DB_PASSWORD` (NAME upper-cased, other characters as `_`),
 *   which override the file's map; the database name defaults to NAME.
 *   With several databases there is no default database.
 * - Relative folders and SQLite file names are resolved against the
 *   folder of the configuration file.
 * - Unknown keys are errors (typos never pass silently), with file, line
 *   and column.
 *
 * The configuration never opens a connection; it only works out URLs and
 * folders.
 */
#ifndef ORM_CONFIG_H
#define ORM_CONFIG_H

#include "common.h"
#include "errors.h"

ORM_BEGIN_DECL

/** A loaded configuration (opaque): one environment's databases. */
typedef struct orm_config orm_config;

/** One database of the chosen environment. All strings are owned by the orm_config. */
typedef struct orm_config_db {
	const char *name;             /**< "default" for a single-database config, else the key under databases: */
	orm_dialect dialect;          /**< from `client`, or from the URL's scheme */
	const char *url;              /**< connection URL for orm_open(); may hold a password */
	const char *migrations_dir;   /**< resolved folder */
	const char *migrations_table; /**< bookkeeping table, default "orm_migrations" */
	const char *seeds_dir;        /**< resolved folder */
	int line;                     /**< line of its definition in the file (0 if none) */
} orm_config_db;

/** Name of the configuration file looked up by orm_config_find(). */
#define ORM_CONFIG_FILENAME "ormtool.yaml"

/**
 * Look for ormtool.yaml (or ormtool.yml) in `start_dir` (NULL: the
 * current folder) and then in each parent folder.
 * @param[out] path the file's path, appended to `path` (caller-owned buffer)
 * @param start_dir the folder to start in, or NULL for the current folder
 * @return 0, ORM_ENOTFOUND when there is none, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_config_find(orm_buf *path, const char *start_dir);

/**
 * Read a configuration file and resolve environment `env`.
 * @param[out] out the configuration; set even on failure (except ENOMEM
 *             and EINVAL) so that orm_config_errmsg() can say why; free it
 *             with orm_config_free().
 * @param path the file
 * @param env  environment name; NULL means $ORM_ENV, else "development"
 * @return 0, ORM_EIO (unreadable), ORM_EPARSE (YAML syntax, unknown key,
 *         bad value, unset variable, missing environment: message with
 *         FILE:LINE:COL), ORM_EINVAL, ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_config_load(orm_config **out, const char *path, const char *env);

/**
 * Like orm_config_load() on text already in memory. `filename` names the
 * text in messages and is the base of relative folders (its folder; the
 * current folder when NULL or without a slash).
 */
ORM_EXTERN(int) orm_config_parse(orm_config **out, const char *text, size_t len,
				 const char *filename, const char *env);

/**
 * A configuration with one database and no file: `url` (NULL means
 * $DATABASE_URL; missing is an error), migrations in `migrations_dir`
 * (NULL: "migrations"), seeds in "seeds", table orm_migrations.
 */
ORM_EXTERN(int) orm_config_from_url(orm_config **out, const char *url, const char *migrations_dir);

/** Free a configuration. NULL is a no-op. */
ORM_EXTERN(void) orm_config_free(orm_config *cfg);

/** Why the last call on `cfg` failed; "" if it did not. Borrowed. */
ORM_EXTERN(const char *) orm_config_errmsg(const orm_config *cfg);

/** The environment that was resolved (e.g. "development"). */
ORM_EXTERN(const char *) orm_config_env(const orm_config *cfg);

/** The file that was read, or "" for orm_config_from_url(). */
ORM_EXTERN(const char *) orm_config_path(const orm_config *cfg);

/** Number of databases of the environment (>= 1 after a successful load). */
ORM_EXTERN(size_t) orm_config_db_count(const orm_config *cfg);

/** Database i (0-based, in file order); NULL when out of range. */
ORM_EXTERN(const orm_config_db *) orm_config_db_at(const orm_config *cfg, size_t i);

/**
 * Choose a database: by name, or (name NULL) the only one. With several
 * databases and no name, fails with ORM_EINVAL and a message listing
 * them ("choose one with --db NAME or --all-databases").
 * @param[out] out the database (owned by cfg)
 * @param cfg the configuration
 * @param name the database's name, or NULL
 * @return 0, ORM_ENOTFOUND (no such name; the message lists the names),
 *         ORM_EINVAL.
 */
ORM_EXTERN(int) orm_config_db_select(const orm_config_db **out, orm_config *cfg, const char *name);

/**
 * Replace a database's URL (e.g. with ormtool --url). The string is copied.
 * @return 0, ORM_EINVAL (bad db), ORM_EURL (unknown scheme), ORM_ENOMEM.
 */
ORM_EXTERN(int) orm_config_db_set_url(orm_config *cfg, const orm_config_db *db, const char *url);

ORM_END_DECL

#endif
