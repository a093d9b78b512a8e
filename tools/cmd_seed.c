/*
 * ormtool seed: the seed command group, on liborm's public API.
 *
 *   ormtool seed make NAME [--format csv|yaml|sql]
 *   ormtool seed run [--specific FILE ...] [--truncate] [--on-conflict update|skip|error]
 *                    [--sql-first] [--batch N] [--dry-run]
 *   ormtool seed export TABLE [--format csv|yaml] [--output FILE]
 *
 * The database and the seeds folder come from ormtool.yaml (`seeds.directory`,
 * per database with several; --db NAME / --all-databases), else --url or
 * $DATABASE_URL with seeds in ./seeds; --dir DIR overrides the folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ormtool.h"

#define SEED_HELP \
	"subcommands:\n" \
	"  make NAME [--format csv|yaml|sql]  write a new seed file (CSV by default)\n" \
	"  run [FILE ...]                     load the seed files in foreign-key order, in one\n" \
	"                                     transaction, every foreign key checked at the end\n" \
	"  export TABLE [--format csv|yaml]   write a table's rows as a seed file\n" \
	"\n" \
	"options:\n" \
	"  --dir DIR                    seeds folder (default: the configuration's, else ./seeds)\n" \
	"  --specific FILE              run only this file (repeatable; names in the folder or paths)\n" \
	"  --truncate                   empty the seeded tables first (children first)\n" \
	"  --on-conflict update|skip|error\n" \
	"                               a row whose primary or natural key exists: update it\n" \
	"                               (default, so runs can be repeated), keep it, or fail\n" \
	"  --sql-first                  run the .sql files before the data files\n" \
	"  --schema NAME                the tables' schema (PostgreSQL) or database (MariaDB)\n" \
	"  --batch N                    rows per INSERT statement (default 1000)\n" \
	"  --output FILE                export: the file to write, - for standard output\n" \
	"                               (default DIR/TABLE.csv)\n" \
	"  --dry-run                    print the plan (table order, row counts, how cycles load)\n" \
	"\n" \
	"Seed files: NAME.csv (one table, named by the file without a numeric prefix; header row),\n" \
	"NAME.yaml (rows for several tables; _label: and \"@label\" references), NAME.sql.\n" \
	"See orm/seed.h for the formats.\n" \
	"\n" \
	"exit status: 0 done, 64 usage error, 65 bad data (a value, a broken reference, a\n" \
	"constraint), 66 a file or folder is missing, 69 cannot connect, 70 other failure,\n" \
	"73 cannot create the file, 78 bad configuration or seed file syntax.\n"

enum {
	OPT_DIR = ORMTOOL_OPT_BASE,
	OPT_FORMAT,
	OPT_SPECIFIC,
	OPT_TRUNCATE,
	OPT_ON_CONFLICT,
	OPT_SQL_FIRST,
	OPT_BATCH,
	OPT_OUTPUT,
	OPT_SCHEMA
};

struct sopts {
	const char *dir, *format, *output, *schema;
	const char **files;
	size_t nfiles;
	int truncate, sql_first;
	orm_seed_conflict on_conflict;
	long batch;
};

struct target {
	const char *name, *url, *dir;
};

static int usage_error(void)
{
	ormtool_usage("seed", stderr);
	return EX_USAGE;
}

static int exit_for(int rc)
{
	switch (rc) {
	case 0: return 0;
	case ORM_EPARSE: return EX_CONFIG;
	case ORM_EIO: return EX_NOINPUT;
	case ORM_ENOTFOUND: case ORM_ETYPE: case ORM_ECONFLICT: case ORM_EFOREIGNKEY: case ORM_EUNIQUE:
	case ORM_ENOTNULL: case ORM_ECHECK: case ORM_ECONSTRAINT: case ORM_ESQL:
		return EX_DATAERR;
	case ORM_ECONNECT: case ORM_ENODRIVER: case ORM_ECONNLOST: case ORM_EURL: return EX_UNAVAILABLE;
	case ORM_EINVAL: return EX_USAGE;
	case ORM_ENOMEM: return EX_OSERR;
	default: return EX_SOFTWARE;
	}
}

/* ---- progress on a terminal ---- */

struct progress {
	int tty;
	double last;
	int shown;
};

static void on_progress(const orm_seed_progress *p, void *payload)
{
	struct progress *pr = payload;
	char bar[31];
	double frac, rate;
	int i, fill;

	if (!pr->tty || (p->elapsed - pr->last < 0.1 && p->rows_done < p->rows_total))
		return;
	pr->last = p->elapsed;
	frac = p->rows_total ? (double)p->rows_done / (double)p->rows_total : 1.0;
	fill = (int)(frac * 30.0 + 0.5);
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	rate = p->elapsed > 0 ? (double)p->rows_done / p->elapsed : 0;
	fprintf(stderr, "\r[%s] %3d%%  %llu/%llu rows  %.0f rows/s  %-24.24s", bar, (int)(frac * 100.0),
		(unsigned long long)p->rows_done, (unsigned long long)p->rows_total, rate, p->table);
	fflush(stderr);
	pr->shown = 1;
}

/* ---- targets (config / URL) ---- */

static int resolve_targets(struct ormtool_opts *g, const struct sopts *so, orm_config **cfgp,
			   struct target **out, size_t *n)
{
	const orm_config_db **dbs = NULL;
	struct target *t;
	size_t i;
	int code;

	*out = NULL;
	*n = 0;
	if ((code = ormtool_resolve_databases(g, so->dir, cfgp, &dbs, n)) != 0)
		return code;
	t = calloc(*n ? *n : 1, sizeof(*t));
	if (!t) {
		free((void *)dbs);
		orm_config_free(*cfgp);
		*cfgp = NULL;
		*n = 0;
		return EX_OSERR;
	}
	for (i = 0; i < *n; i++) {
		t[i].name = dbs[i]->name;
		t[i].url = dbs[i]->url;
		t[i].dir = so->dir ? so->dir : dbs[i]->seeds_dir;
	}
	free((void *)dbs);
	*out = t;
	return 0;
}

/* ---- subcommands ---- */

static int fail_seed(const orm_seed *s, orm_conn *conn, int rc)
{
	const orm_seed_error *e = orm_seed_last_error(s);
	const char *msg = e && *e->message ? e->message : orm_conn_errmsg(conn);

	ormtool_warnx("%s", *msg ? msg : orm_strerror(rc));
	/* the seeds folder or a --specific file is missing: 66, as the help
	   says, rather than 65 for a missing table, column or label */
	if (rc == ORM_ENOTFOUND && e && e->file && *e->file && access(e->file, F_OK) != 0)
		return EX_NOINPUT;
	return exit_for(rc);
}

static int run_one(struct ormtool_opts *g, const struct sopts *so, const struct target *t, size_t ntargets)
{
	orm_seed_options o = ORM_SEED_OPTIONS_INIT;
	struct progress pr;
	orm_seed *s = NULL;
	orm_conn *conn = NULL;
	orm_buf plan = ORM_BUF_INIT;
	struct timespec t0, t1;
	uint64_t rows = 0, r;
	size_t i, ntables;
	int rc, code = 0;

	rc = orm_open(&conn, t->url);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "cannot open the database");
		orm_close(conn);
		return code;
	}
	ormtool_verbose(g, 1, "connected to %s (%s); seeds in %s", orm_conn_url(conn),
			orm_dialect_name(orm_conn_dialect(conn)), t->dir);
	memset(&pr, 0, sizeof(pr));
	pr.tty = isatty(STDERR_FILENO) && g->verbosity >= 0 && !g->dry_run;
	o.files = so->files;
	o.nfiles = so->nfiles;
	o.truncate = so->truncate;
	o.sql_first = so->sql_first;
	o.schema = so->schema;
	o.on_conflict = so->on_conflict;
	o.batch_rows = so->batch > 0 ? (size_t)so->batch : 0;
	o.progress = on_progress;
	o.payload = &pr;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = orm_seed_open(&s, conn, t->dir, &o);
	if (rc < 0)
		goto fail;
	if (g->dry_run) {
		if (ntargets > 1)
			printf("-- database %s\n", t->name);
		rc = orm_seed_plan(s, &plan);
		if (rc == 0)
			fputs(plan.ptr, stdout);
		goto out;
	}
	if (g->verbosity > 0 && orm_seed_plan(s, &plan) == 0)
		fputs(plan.ptr, stderr);
	rc = orm_seed_execute(s);
	if (pr.shown)
		fputc('\n', stderr);
	if (rc < 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ntables = orm_seed_table_count(s);
	for (i = 0; i < ntables; i++) {
		const char *name = orm_seed_table_at(s, i, NULL, &r);
		rows += r;
		ormtool_verbose(g, 1, "  %-30s %llu rows", name, (unsigned long long)r);
	}
	if (g->verbosity >= 0) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("%s%s%sseeded %zu table%s, %llu row%s in %.2f s (%.0f rows/s)\n",
		       ntargets > 1 ? "[" : "", ntargets > 1 ? t->name : "", ntargets > 1 ? "] " : "",
		       ntables, ntables == 1 ? "" : "s", (unsigned long long)rows, rows == 1 ? "" : "s", secs,
		       secs > 0 ? (double)rows / secs : 0.0);
	}
	goto out;
fail:
	if (pr.shown)
		fputc('\n', stderr);
	code = fail_seed(s, conn, rc);
out:
	orm_buf_dispose(&plan);
	orm_seed_free(s);
	orm_close(conn);
	return code;
}

static int parse_format(const char *f, orm_seed_format def, orm_seed_format *out)
{
	if (!f)
		*out = def;
	else if (!strcmp(f, "csv"))
		*out = ORM_SEED_CSV;
	else if (!strcmp(f, "yaml") || !strcmp(f, "yml"))
		*out = ORM_SEED_YAML;
	else if (!strcmp(f, "sql"))
		*out = ORM_SEED_SQL;
	else
		return -1;
	return 0;
}

static int do_make(const struct sopts *so, const struct target *t, const char *name)
{
	orm_buf path = ORM_BUF_INIT;
	orm_seed_format fmt;
	int rc;

	if (parse_format(so->format, ORM_SEED_CSV, &fmt) < 0) {
		ormtool_warnx("seed make: --format wants csv, yaml or sql, not '%s'", so->format);
		return EX_USAGE;
	}
	rc = orm_seed_make(&path, t->dir, name, fmt);
	if (rc == ORM_ECONFLICT) {
		ormtool_warnx("seed make: %s already exists", path.ptr ? path.ptr : name);
		orm_buf_dispose(&path);
		return EX_CANTCREAT;
	}
	if (rc == ORM_EINVAL) {
		ormtool_warnx("seed make: '%s' is not a valid file name (letters, digits, '_', '-', '.')", name);
		return EX_USAGE;
	}
	if (rc < 0) {
		ormtool_warnx("seed make: cannot create a file in %s: %s", t->dir, orm_strerror(rc));
		return EX_CANTCREAT;
	}
	printf("%s\n", path.ptr);
	orm_buf_dispose(&path);
	return 0;
}

static int do_export(struct ormtool_opts *g, const struct sopts *so, const struct target *t,
		     const char *table)
{
	orm_seed_format fmt;
	orm_conn *conn = NULL;
	orm_buf path = ORM_BUF_INIT;
	uint64_t n = 0;
	int rc, code = 0;

	if (parse_format(so->format, ORM_SEED_CSV, &fmt) < 0 || fmt == ORM_SEED_SQL) {
		ormtool_warnx("seed export: --format wants csv or yaml, not '%s'", so->format);
		return EX_USAGE;
	}
	if (so->output && !strcmp(so->output, "-"))
		orm_buf_puts(&path, "/dev/stdout");
	else if (so->output)
		orm_buf_puts(&path, so->output);
	else
		orm_buf_printf(&path, "%s/%s.%s", t->dir, table, fmt == ORM_SEED_CSV ? "csv" : "yaml");
	rc = orm_open(&conn, t->url);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "cannot open the database");
		goto out;
	}
	if (g->dry_run) {
		printf("-- would write %s from table %s\n", path.ptr, table);
		goto out;
	}
	/* the default file goes into the seeds folder: create it, as make does */
	if (!so->output && mkdir(t->dir, 0777) < 0 && errno != EEXIST) {
		ormtool_warnx("seed export: cannot create %s: %s", t->dir, strerror(errno));
		code = EX_CANTCREAT;
		goto out;
	}
	rc = orm_seed_export_table(conn, table, path.ptr, fmt, &n);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "seed export");
		goto out;
	}
	if (g->verbosity >= 0 && strcmp(path.ptr, "/dev/stdout") != 0)
		printf("%s (%llu row%s)\n", path.ptr, (unsigned long long)n, n == 1 ? "" : "s");
out:
	orm_close(conn);
	orm_buf_dispose(&path);
	return code;
}

int cmd_seed(struct ormtool_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "specific", required_argument, NULL, OPT_SPECIFIC },
		{ "truncate", no_argument, NULL, OPT_TRUNCATE },
		{ "on-conflict", required_argument, NULL, OPT_ON_CONFLICT },
		{ "sql-first", no_argument, NULL, OPT_SQL_FIRST },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ NULL, 0, NULL, 0 }
	};
	struct sopts so;
	struct target *targets = NULL;
	orm_config *cfg = NULL;
	const char *sub;
	char *end;
	size_t ntargets = 0, i;
	int c, nargs, code = 0, help = 0;

	memset(&so, 0, sizeof(so));
	so.files = calloc((size_t)argc + 1, sizeof(char *));
	if (!so.files)
		return EX_OSERR;
	while ((c = ormtool_getopt(g, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'h': help = 1; break;
		case OPT_DIR: so.dir = optarg; break;
		case OPT_FORMAT: so.format = optarg; break;
		case OPT_OUTPUT: so.output = optarg; break;
		case OPT_SCHEMA: so.schema = optarg; break;
		case OPT_SPECIFIC: so.files[so.nfiles++] = optarg; break;
		case OPT_TRUNCATE: so.truncate = 1; break;
		case OPT_SQL_FIRST: so.sql_first = 1; break;
		case OPT_ON_CONFLICT:
			if (!strcmp(optarg, "update") || !strcmp(optarg, "merge"))
				so.on_conflict = ORM_SEED_UPSERT;
			else if (!strcmp(optarg, "skip") || !strcmp(optarg, "ignore"))
				so.on_conflict = ORM_SEED_SKIP;
			else if (!strcmp(optarg, "error"))
				so.on_conflict = ORM_SEED_INSERT;
			else {
				ormtool_warnx("seed: --on-conflict wants update, skip or error, not '%s'", optarg);
				code = EX_USAGE;
				goto out;
			}
			break;
		case OPT_BATCH:
			errno = 0;
			so.batch = strtol(optarg, &end, 10);
			if (errno || *end || so.batch < 1 || so.batch > 1000000) {
				ormtool_warnx("seed: --batch wants a number of rows (1 to 1000000), not '%s'", optarg);
				code = EX_USAGE;
				goto out;
			}
			break;
		default:
			code = usage_error();
			goto out;
		}
	}
	if (help) {
		ormtool_usage("seed", stdout);
		printf("\n%s", SEED_HELP);
		goto out;
	}
	if (optind >= argc) {
		ormtool_warnx("seed: which subcommand? (make, run, export)");
		code = usage_error();
		goto out;
	}
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (!strcmp(sub, "make") || !strcmp(sub, "export")) {
		if (nargs != 1) {
			ormtool_warnx("seed %s: give one %s", sub, !strcmp(sub, "make") ? "NAME" : "TABLE");
			code = usage_error();
			goto out;
		}
		if (so.nfiles || so.truncate || so.sql_first || so.batch || so.schema) {
			ormtool_warnx("seed %s: --specific, --truncate, --sql-first, --batch and --schema are for 'seed run'", sub);
			code = usage_error();
			goto out;
		}
	} else if (!strcmp(sub, "run")) {
		for (i = (size_t)optind + 1; i < (size_t)argc; i++)
			so.files[so.nfiles++] = argv[i];
		if (so.format || so.output) {
			ormtool_warnx("seed run: --format and --output are for 'seed make' and 'seed export'");
			code = usage_error();
			goto out;
		}
	} else {
		ormtool_warnx("seed: unknown subcommand '%s' (make, run, export)", sub);
		code = usage_error();
		goto out;
	}
	if (!strcmp(sub, "make") && !g->all_databases && !g->db) {
		/* no database needed: --dir, else the configuration's folder, else ./seeds */
		orm_buf p = ORM_BUF_INIT;
		int have_cfg = g->config || orm_config_find(&p, NULL) == 0;
		orm_buf_dispose(&p);
		if (so.dir || !have_cfg) {
			struct target t = { "default", NULL, so.dir ? so.dir : "seeds" };
			code = do_make(&so, &t, argv[optind + 1]);
			goto out;
		}
	}
	if ((code = resolve_targets(g, &so, &cfg, &targets, &ntargets)) != 0)
		goto out;
	for (i = 0; i < ntargets; i++) {
		int one;
		if (!strcmp(sub, "make"))
			one = do_make(&so, &targets[i], argv[optind + 1]);
		else if (!strcmp(sub, "export"))
			one = do_export(g, &so, &targets[i], argv[optind + 1]);
		else
			one = run_one(g, &so, &targets[i], ntargets);
		if (one && !code)
			code = one;
		if (one && !g->all_databases)
			break;
	}
out:
	free(targets);
	orm_config_free(cfg);
	free((void *)so.files);
	return code;
}
