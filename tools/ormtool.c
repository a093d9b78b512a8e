/*
 * ormtool: the liborm command-line tool.
 *
 *   ormtool [global options] command [subcommand] [args ...]
 *
 * This file holds main(), the command table, global option parsing and
 * the helpers every command shares (diagnostics, exit codes, connecting).
 * Commands live in tools/cmd_*.c; see tools/ormtool.h for how to add one.
 * Built on the public API only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ormtool.h"

#define GLOBAL_USAGE \
	"[-qv] [--url URL] [--config FILE] [--env NAME]\n" \
	"               [--db NAME | --all-databases] [--dry-run] command [args ...]\n" \
	"       ormtool --help | --version"

/*
 * The command table. A command group (migrate, seed, ...) is one entry
 * whose function dispatches on its own subcommands.
 */
static const struct ormtool_cmd commands[] = {
	{ "query", cmd_query, "run one SQL statement and print its rows",
	  "query [--format table|csv|tsv|json] [--null STRING] [--no-header]\n"
	  "               [--url URL] SQL | -" },
	{ "migrate", cmd_migrate, "apply, roll back and inspect migrations (see 'ormtool migrate --help')",
	  "migrate [--dir DIR] [--table NAME] [--lock-timeout SECONDS] [--allow-out-of-order]\n"
	  "               make NAME [--format yaml|sql] | latest | rollback [--step N | --all] |\n"
	  "               up [NAME] | down [NAME] | to NAME | status [--json] | list [--json] |\n"
	  "               unlock [--force]" },
	{ "seed", cmd_seed, "load seed files (CSV, YAML, SQL) in foreign-key order (see 'ormtool seed --help')",
	  "seed [--dir DIR] make NAME [--format csv|yaml|sql] |\n"
	  "               run [--specific FILE ...] [--truncate] [--on-conflict update|skip|error]\n"
	  "                   [--sql-first] [--batch N] [--schema NAME] [--dry-run] |\n"
	  "               export TABLE [--format csv|yaml] [--output FILE]" },
	{ "generate", cmd_generate, "write C structs and model descriptors from the live schema",
	  "generate models [--out DIR] [--name BASE] [--tables T1,T2,...] [--schema NAME]\n"
	  "               [--prefix PREFIX] [--table-prefix PREFIX] [--hidden TABLE.COLUMN,...]" },
	{ "init", cmd_init, "write a commented starter ormtool.yaml", "init [--force] [--config FILE]" },
	{ "version", cmd_version, "print the versions of ormtool and liborm, and the drivers",
	  "version" },
	{ "help", cmd_help, "show the usage of ormtool or of a command", "help [command]" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *ormtool_progname = "ormtool";

/* ---- diagnostics ---- */

static void vwarnx(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", ormtool_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ormtool_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void ormtool_verbose(const struct ormtool_opts *g, int level, const char *fmt, ...)
{
	va_list ap;

	if (g->verbosity < level)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/* ---- commands table ---- */

const struct ormtool_cmd *ormtool_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_commands(FILE *out)
{
	size_t i;

	fprintf(out, "\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static void print_global_options(FILE *out)
{
	fprintf(out,
		"\nglobal options (before or after the command):\n"
		"  --url URL        database URL (default: the configuration's, else $DATABASE_URL), e.g.\n"
		"                   sqlite:app.db, postgres://user:pw@host/db, mariadb://user:pw@host/db\n"
		"  --config FILE    configuration file (default: ormtool.yaml in this folder or a parent)\n"
		"  --env NAME       configuration environment (default: $ORM_ENV, else development)\n"
		"  --db NAME        database of the configuration to use (when it lists several)\n"
		"  --all-databases  run on every database of the configuration (migrate, seed)\n"
		"  --dry-run        print what would be done, change nothing\n"
		"  -q, --quiet      print less\n"
		"  -v, --verbose    print more (twice: even more)\n"
		"  -h, --help       show this help\n"
		"  --version        show the version\n");
}

int ormtool_usage(const char *cmd, FILE *out)
{
	const struct ormtool_cmd *c = cmd ? ormtool_find_command(cmd) : NULL;

	if (c)
		fprintf(out, "usage: %s %s\n", ormtool_progname, c->usage);
	else
		fprintf(out, "usage: %s " GLOBAL_USAGE "\n", ormtool_progname);
	return out == stdout ? 0 : EX_USAGE;
}

/* Full help: usage line, then commands and options. */
static int full_help(const char *cmd, FILE *out)
{
	const struct ormtool_cmd *c = cmd ? ormtool_find_command(cmd) : NULL;

	ormtool_usage(c ? c->name : NULL, out);
	if (c)
		fprintf(out, "\n%s.\n", c->summary);
	else
		print_commands(out);
	print_global_options(out);
	if (!c)
		fprintf(out, "\nSee ormtool(1) for details.\n");
	return 0;
}

/* ---- option parsing ---- */

enum {
	OPT_URL = 0x100,
	OPT_ENV,
	OPT_DB,
	OPT_ALL_DATABASES,
	OPT_CONFIG,
	OPT_DRY_RUN
};

static const struct option global_longopts[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "db", required_argument, NULL, OPT_DB },
	{ "all-databases", no_argument, NULL, OPT_ALL_DATABASES },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};
#define NGLOBAL (sizeof(global_longopts) / sizeof(global_longopts[0]) - 1)
#define MAX_LONGOPTS 64
#define MAX_SHORTOPTS 128

int ormtool_getopt(struct ormtool_opts *g, int argc, char **argv, const char *shortopts,
		   const struct option *longopts)
{
	static struct option merged[MAX_LONGOPTS + NGLOBAL + 1];
	static char shortbuf[MAX_SHORTOPTS];
	static char **last_argv;
	static const char *last_short;
	static const struct option *last_long;
	int c;

	if (argv != last_argv || shortopts != last_short || longopts != last_long) {
		size_t n = 0, i;
		const char *s = shortopts ? shortopts : "";
		size_t pos = 0;

		/* "+" (stop at the first operand) must stay first, then ":" */
		if (*s == '+' || *s == '-')
			shortbuf[pos++] = *s++;
		shortbuf[pos++] = ':';
		if (strlen(s) + pos + 4 >= sizeof(shortbuf))
			return '?';
		memcpy(shortbuf + pos, s, strlen(s));
		pos += strlen(s);
		memcpy(shortbuf + pos, "qvh", 4);
		for (i = 0; longopts && longopts[i].name && n < MAX_LONGOPTS; i++)
			merged[n++] = longopts[i];
		for (i = 0; i < NGLOBAL; i++)
			merged[n++] = global_longopts[i];
		memset(&merged[n], 0, sizeof(merged[n]));
		last_argv = argv;
		last_short = shortopts;
		last_long = longopts;
		optind = 0; /* glibc: full reset of getopt's state */
	}
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shortbuf, merged, NULL);
		switch (c) {
		case OPT_URL: g->url = optarg; continue;
		case OPT_ENV: g->env = optarg; continue;
		case OPT_DB: g->db = optarg; continue;
		case OPT_ALL_DATABASES: g->all_databases = 1; continue;
		case OPT_CONFIG: g->config = optarg; continue;
		case OPT_DRY_RUN: g->dry_run = 1; continue;
		case 'q': g->verbosity = g->verbosity > 0 ? 0 : -1; continue;
		case 'v': g->verbosity = g->verbosity < 0 ? 0 : g->verbosity + 1; continue;
		case ':':
		case '?': {
			/* "ormtool query: ..." for a command, "ormtool: ..." for main */
			const char *cmd = argv[0] && ormtool_find_command(argv[0]) ? argv[0] : NULL;
			const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";
			char opt[3] = { '-', (char)optopt, '\0' };
			const char *name = strncmp(last, "--", 2) == 0 || optopt <= 0 || optopt >= 0x100
					   ? last : opt;

			if (c == ':')
				ormtool_warnx("%s%soption %s needs an argument", cmd ? cmd : "",
					      cmd ? ": " : "", name);
			else
				ormtool_warnx("%s%sunknown option %s", cmd ? cmd : "",
					      cmd ? ": " : "", name);
			return '?';
		}
		default:
			return c;
		}
	}
}

/* ---- connecting and errors ---- */

int ormtool_resolve_databases(const struct ormtool_opts *g, const char *dir, orm_config **cfgp,
			      const orm_config_db ***dbsp, size_t *n)
{
	orm_buf path = ORM_BUF_INIT;
	orm_config *cfg = NULL;
	const orm_config_db **dbs = NULL;
	size_t i, count = 1;
	int rc, code = 0;

	*cfgp = NULL;
	*dbsp = NULL;
	*n = 0;
	if (g->config) {
		if (access(g->config, R_OK) < 0) {
			ormtool_warnx("--config %s: %s", g->config, strerror(errno));
			return EX_NOINPUT;
		}
		rc = orm_buf_puts(&path, g->config);
	} else {
		rc = orm_config_find(&path, NULL);
		if (rc == ORM_ENOTFOUND)
			rc = 1;
	}
	if (rc < 0) {
		orm_buf_dispose(&path);
		return EX_OSERR;
	}
	if (rc == 0) {
		rc = orm_config_load(&cfg, path.ptr, g->env);
		if (rc < 0) {
			ormtool_warnx("%s", cfg ? orm_config_errmsg(cfg) : orm_strerror(rc));
			code = rc == ORM_EIO ? EX_NOINPUT : rc == ORM_ENOMEM ? EX_OSERR : EX_CONFIG;
			goto out;
		}
		ormtool_verbose(g, 1, "configuration %s, environment %s", path.ptr, orm_config_env(cfg));
	} else {
		if (g->db || g->all_databases || g->env) {
			ormtool_warnx("%s needs a configuration file (ormtool.yaml in this folder or a parent, or --config FILE)",
				      g->db ? "--db" : g->env ? "--env" : "--all-databases");
			code = EX_USAGE;
			goto out;
		}
		rc = orm_config_from_url(&cfg, g->url && *g->url ? g->url : NULL, dir);
		if (rc < 0) {
			/* a malformed URL is a usage error, as for orm_open() */
			ormtool_warnx("%s%s", cfg ? orm_config_errmsg(cfg) : orm_strerror(rc),
				      rc == ORM_EINVAL ? " (or write an ormtool.yaml)" : "");
			code = rc == ORM_ENOMEM ? EX_OSERR : rc == ORM_EURL ? EX_USAGE : EX_CONFIG;
			goto out;
		}
	}
	if (g->all_databases) {
		if (g->db || g->url || dir) {
			ormtool_warnx("--all-databases cannot be used with %s", g->db ? "--db" : g->url ? "--url" : "--dir");
			code = EX_USAGE;
			goto out;
		}
		count = orm_config_db_count(cfg);
	}
	dbs = calloc(count ? count : 1, sizeof(*dbs));
	if (!dbs) {
		code = EX_OSERR;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (g->all_databases) {
			dbs[i] = orm_config_db_at(cfg, i);
		} else if (orm_config_db_select(&dbs[i], cfg, g->db) < 0) {
			ormtool_warnx("%s", orm_config_errmsg(cfg));
			code = EX_USAGE;
			goto out;
		}
		if (g->url && *g->url && orm_config_path(cfg)[0] && orm_config_db_set_url(cfg, dbs[i], g->url) < 0) {
			ormtool_warnx("--url: %s", orm_config_errmsg(cfg));
			code = EX_USAGE;
			goto out;
		}
	}
	*cfgp = cfg;
	*dbsp = dbs;
	*n = count;
	cfg = NULL;
	dbs = NULL;
out:
	free((void *)dbs);
	orm_config_free(cfg);
	orm_buf_dispose(&path);
	return code;
}

int ormtool_exit_code(int rc)
{
	switch (rc) {
	case ORM_OK:
		return 0;
	case ORM_EURL:
		return EX_USAGE;
	case ORM_ENODRIVER:
	case ORM_ECONNECT:
	case ORM_ECONNLOST:
	case ORM_EUNSUPPORTED:
		return EX_UNAVAILABLE;
	case ORM_ENOMEM:
		return EX_OSERR;
	case ORM_EIO:
		return EX_IOERR;
	case ORM_EBUSY:
		return EX_TEMPFAIL;
	case ORM_ESQL:
	case ORM_ECONSTRAINT:
	case ORM_EUNIQUE:
	case ORM_EFOREIGNKEY:
	case ORM_ENOTNULL:
	case ORM_ECHECK:
	case ORM_ETYPE:
	case ORM_EPARSE:
	case ORM_ECONFLICT:
	case ORM_ENOTFOUND:
		return EX_DATAERR;
	default:
		return EX_SOFTWARE;
	}
}

int ormtool_fail(orm_conn *conn, int rc, const char *what)
{
	const orm_error *e = conn ? orm_conn_error(conn) : NULL;
	const char *msg = e && e->message && *e->message ? e->message : orm_strerror(rc);

	if (e && e->sqlstate && *e->sqlstate)
		ormtool_warnx("%s: %s (SQLSTATE %s)", what, msg, e->sqlstate);
	else
		ormtool_warnx("%s: %s", what, msg);
	return ormtool_exit_code(rc);
}

int ormtool_connect(orm_conn **out, const struct ormtool_opts *g)
{
	orm_conn *conn = NULL;
	orm_config *cfg = NULL;
	const orm_config_db **dbs = NULL;
	size_t n;
	int code, rc;

	*out = NULL;
	if (g->all_databases) {
		ormtool_warnx("--all-databases: this command works on one database; choose it with --db NAME");
		return EX_USAGE;
	}
	if ((code = ormtool_resolve_databases(g, NULL, &cfg, &dbs, &n)) != 0)
		return code;
	ormtool_verbose(g, 2, "database %s", dbs[0]->name);
	rc = orm_open(&conn, dbs[0]->url);
	free((void *)dbs);
	orm_config_free(cfg);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "cannot open the database");
		orm_close(conn);
		return code;
	}
	ormtool_verbose(g, 1, "connected to %s (%s)", orm_conn_url(conn),
			orm_dialect_name(orm_conn_dialect(conn)));
	*out = conn;
	return 0;
}

/* ---- built-in commands ---- */

int cmd_version(struct ormtool_opts *g, int argc, char **argv)
{
	static const orm_dialect dialects[] = {
		ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB
	};
	size_t i;
	int c;

	while ((c = ormtool_getopt(g, argc, argv, "", NULL)) != -1) {
		if (c == 'h') {
			ormtool_usage("version", stdout);
			printf("\nPrint the versions of ormtool and of the liborm it runs with, and the\n"
			       "drivers built into the library; with -q only the library version.\n");
			return 0;
		}
		return ormtool_usage("version", stderr);
	}
	if (optind != argc)
		return ormtool_usage("version", stderr);
	if (g->verbosity < 0) {
		printf("%s\n", orm_version());
		return 0;
	}
	printf("ormtool %s (liborm %s)\n", ORM_VERSION, orm_version());
	printf("drivers:");
	for (i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		if (orm_dialect_available(dialects[i]))
			printf(" %s", orm_dialect_name(dialects[i]));
	printf("\n");
	if (orm_version_number() != ORM_VERSION_NUMBER)
		ormtool_warnx("built with liborm headers %s but running liborm %s",
			      ORM_VERSION, orm_version());
	return 0;
}

int cmd_help(struct ormtool_opts *g, int argc, char **argv)
{
	int c;

	while ((c = ormtool_getopt(g, argc, argv, "", NULL)) != -1) {
		if (c == 'h')
			return ormtool_usage("help", stdout);
		return ormtool_usage("help", stderr);
	}
	if (argc - optind > 1)
		return ormtool_usage("help", stderr);
	if (optind < argc && !ormtool_find_command(argv[optind])) {
		ormtool_warnx("unknown command '%s'", argv[optind]);
		return EX_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "help") != 0) {
		/* the command's own --help (subcommands, options, exit statuses),
		   then the global options */
		const struct ormtool_cmd *cmd = ormtool_find_command(argv[optind]);
		char *hargv[] = { (char *)cmd->name, (char *)"--help", NULL };
		int code = cmd->fn(g, 2, hargv);
		if (code == 0)
			print_global_options(stdout);
		return code;
	}
	return full_help(optind < argc ? argv[optind] : NULL, stdout);
}

/* ---- main ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	/* libtool runs uninstalled programs as .libs/lt-NAME */
	if (strncmp(name, "lt-", 3) == 0 && name[3])
		name += 3;
	return name;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x200 };
	static const struct option main_longopts[] = {
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct ormtool_opts g;
	const struct ormtool_cmd *cmd;
	int c, want_version = 0;

	memset(&g, 0, sizeof(g));
	if (argc > 0 && argv[0] && *argv[0])
		ormtool_progname = base_name(argv[0]);

	/* global options up to the command name ("+": stop at the first operand) */
	while ((c = ormtool_getopt(&g, argc, argv, "+", main_longopts)) != -1) {
		switch (c) {
		case 'h':
			return full_help(NULL, stdout);
		case OPT_VERSION:
			want_version = 1;
			break;
		default:
			return ormtool_usage(NULL, stderr);
		}
	}
	if (want_version) {
		char *vargv[] = { (char *)"version", NULL };
		return cmd_version(&g, 1, vargv);
	}
	if (optind >= argc) {
		ormtool_warnx("no command given");
		ormtool_usage(NULL, stderr);
		print_commands(stderr);
		return EX_USAGE;
	}
	cmd = ormtool_find_command(argv[optind]);
	if (!cmd) {
		ormtool_warnx("unknown command '%s' (see '%s --help')", argv[optind], ormtool_progname);
		return EX_USAGE;
	}
	/* the command sees argv from its own name on */
	c = cmd->fn(&g, argc - optind, argv + optind);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ormtool_warnx("write error on standard output: %s", strerror(errno));
		if (c == 0)
			c = EX_IOERR;
	}
	return c;
}
