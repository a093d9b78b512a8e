/*
 * ormtool: shared declarations for the command-line tool.
 *
 * The tool is built on liborm's public API only ("orm.h"); it never
 * includes orm/internal.h.
 *
 * Shape: `ormtool [global options] command [subcommand] [args]`.
 * main() (tools/ormtool.c) parses the global options that come before the
 * command into a struct ormtool_opts, looks the command up in its table
 * and calls it with argv starting at the command's name (argv[0] is
 * "query", "migrate", ...). A command group such as `migrate` is ONE entry
 * in the table; it dispatches on its own subcommand (argv[1] after its
 * options). To add a group:
 *
 *   1. write tools/cmd_NAME.c defining
 *        int cmd_NAME(struct ormtool_opts *g, int argc, char **argv);
 *   2. declare it below, next to cmd_query;
 *   3. add `{ "NAME", cmd_NAME, "one-line summary", "usage text" }` to the
 *      table in tools/ormtool.c;
 *   4. add tools/cmd_NAME.c to ormtool_SOURCES in Makefile.am.
 *
 * A command parses its own options with ormtool_getopt(), which also
 * accepts every global option anywhere on the command line (so
 * `ormtool query --url URL SQL` works as well as
 * `ormtool --url URL query SQL`). It returns a sysexits(3) code.
 */
#ifndef ORMTOOL_H
#define ORMTOOL_H

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

#include "orm.h"

/* Global options, shared by every command. */
struct ormtool_opts {
	const char *url;    /* --url URL (borrowed from argv) */
	const char *env;    /* --env NAME (config environment) */
	const char *db;     /* --db NAME (one of the config's databases) */
	int all_databases;  /* --all-databases */
	const char *config; /* --config FILE */
	int dry_run;        /* --dry-run: print what would run, change nothing */
	int verbosity;      /* 0 normal, < 0 quiet (-q), > 0 verbose (-v, -vv) */
};

/* One command (or command group) of the table in tools/ormtool.c. */
typedef int (*ormtool_cmd_fn)(struct ormtool_opts *g, int argc, char **argv);
struct ormtool_cmd {
	const char *name;
	ormtool_cmd_fn fn;
	const char *summary; /* one line for `ormtool --help` */
	const char *usage;   /* after "usage: ormtool ", may span lines */
};

/* Commands. */
int cmd_version(struct ormtool_opts *g, int argc, char **argv);
int cmd_help(struct ormtool_opts *g, int argc, char **argv);
int cmd_query(struct ormtool_opts *g, int argc, char **argv);
int cmd_migrate(struct ormtool_opts *g, int argc, char **argv);
int cmd_seed(struct ormtool_opts *g, int argc, char **argv);
int cmd_generate(struct ormtool_opts *g, int argc, char **argv); /* tools/cmd_generate.c */
int cmd_init(struct ormtool_opts *g, int argc, char **argv); /* tools/cmd_migrate.c */

/* ---- helpers for commands (tools/ormtool.c) ---- */

/* "ormtool" (argv[0]'s base name, without libtool's "lt-" prefix). */
extern const char *ormtool_progname;

/* Diagnostics to stderr as "ormtool: message\n" (warnx(3) style). */
void ormtool_warnx(const char *fmt, ...) ORM_FORMAT_PRINTF(1, 2);
/* The same, but only when -v was given (level 1) or -vv (level 2). */
void ormtool_verbose(const struct ormtool_opts *g, int level, const char *fmt, ...)
	ORM_FORMAT_PRINTF(3, 4);

/* The table entry for a command name, or NULL. */
const struct ormtool_cmd *ormtool_find_command(const char *name);

/*
 * Print "usage: ormtool <cmd usage>" to `out`; to stderr it returns
 * EX_USAGE, to stdout 0, so a command can `return ormtool_usage(...)`.
 */
int ormtool_usage(const char *cmd, FILE *out);

/*
 * getopt_long(3) for a command: `shortopts` and `longopts` are the
 * command's own (longopts may be NULL, or end with a zero entry; give
 * long-only options values from ORMTOOL_OPT_BASE up, to stay clear of the
 * global ones). Global options (--url, --env, --db, --all-databases,
 * --config, --dry-run, -q, -v) are applied to `g` and never returned.
 * Returns the next option of the command's own (optarg set as usual),
 * 'h' for -h/--help, -1 at the end (optind is then the first operand), or
 * '?' after printing a diagnostic for an unknown option or a missing
 * argument. getopt's state is reset whenever argv, shortopts or longopts
 * differ from the previous call. Operands and options may be mixed (GNU
 * permutation) unless shortopts starts with '+'; "--" ends the options.
 */
#define ORMTOOL_OPT_BASE 0x400
int ormtool_getopt(struct ormtool_opts *g, int argc, char **argv, const char *shortopts,
		   const struct option *longopts);

/*
 * The configuration and the database(s) a command works on; migrate, seed
 * and query resolve them alike:
 *   - ormtool.yaml: --config FILE, else found in the current folder or a
 *     parent; environment --env NAME, else $ORM_ENV, else development;
 *     database --db NAME (else the only one), or
 *     every database with --all-databases; --url replaces the chosen
 *     database's URL;
 *   - no file: --url URL, else $DATABASE_URL (--env, --db and
 *     --all-databases are then usage errors), migrations in `dir`
 *     (NULL: ./migrations) and seeds in ./seeds.
 * `dir` is the command's --dir (NULL when not given); it is refused with
 * --all-databases. On success returns 0, *cfg owns the configuration
 * (orm_config_free()) and *dbs, an array to free(), points at its *n
 * databases. Else prints why and returns a sysexits code.
 */
int ormtool_resolve_databases(const struct ormtool_opts *g, const char *dir, orm_config **cfg,
			      const orm_config_db ***dbs, size_t *n);

/*
 * Open a connection on the one database ormtool_resolve_databases()
 * chooses (--all-databases is a usage error). On failure prints why and
 * returns a sysexits code (the connection is closed); 0 on success.
 */
int ormtool_connect(orm_conn **out, const struct ormtool_opts *g);

/* The sysexits(3) code for a negative liborm return code. */
int ormtool_exit_code(int orm_rc);

/*
 * Print "ormtool: <what>: <message from the connection> (SQLSTATE xxxxx)"
 * and return ormtool_exit_code(rc).
 */
int ormtool_fail(orm_conn *conn, int rc, const char *what);

#endif
