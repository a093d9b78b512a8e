/*
 * ormtool migrate: the migration command group, on liborm's public API.
 *
 *   ormtool migrate make NAME [--format yaml|sql]
 *   ormtool migrate latest | rollback | up | down | to | status | list | unlock
 *
 * The database and folders come from ormtool.yaml (found in the current
 * folder or a parent, or --config FILE; environment --env / $ORM_ENV /
 * development; --db NAME or --all-databases when it lists several), else
 * from --url or $DATABASE_URL with migrations in ./migrations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ormtool.h"

#define MIGRATE_HELP \
	"subcommands:\n" \
	"  make NAME [--format yaml|sql]  write a new migration file (YAML by default)\n" \
	"  latest                         apply every pending migration, as one batch\n" \
	"  rollback [--step N | --all]    undo the last batch, the last N migrations, or all\n" \
	"  up [NAME]                      apply the next pending migration, or NAME\n" \
	"  down [NAME]                    undo the last applied migration, or NAME\n" \
	"  to NAME                        apply or undo migrations until NAME is the last applied\n" \
	"  status [--json]                every migration: applied, pending, modified, missing,\n" \
	"                                 partial; batch, time; and who holds the lock\n" \
	"  list [--json]                  applied and pending migrations, by name\n" \
	"  unlock [--force]               say who holds the migration lock; --force ends that session\n" \
	"\n" \
	"options:\n" \
	"  --dir DIR                 migrations folder (default: the configuration's, else ./migrations)\n" \
	"  --table NAME              bookkeeping table (default: orm_migrations)\n" \
	"  --lock-timeout SECONDS    wait this long for the migration lock (default 60)\n" \
	"  --allow-out-of-order      apply pending migrations older than the newest applied one\n" \
	"  --dry-run                 print every statement, bookkeeping included; change nothing\n" \
	"\n" \
	"The database comes from ormtool.yaml (current folder or a parent, or --config FILE),\n" \
	"environment --env NAME, else $ORM_ENV, else development; with several databases give\n" \
	"--db NAME or --all-databases. Without a configuration: --url URL or $DATABASE_URL.\n" \
	"\n" \
	"exit status: 0 done (also when there was nothing to do), 64 usage error, 65 the history\n" \
	"does not match the files (edited, missing or out-of-order migrations), 66 a file or\n" \
	"folder is missing, 69 cannot connect, 70 a migration failed, 75 timed out waiting for\n" \
	"the lock, 78 bad configuration or migration file.\n"

enum {
	OPT_DIR = ORMTOOL_OPT_BASE,
	OPT_TABLE,
	OPT_LOCK_TIMEOUT,
	OPT_ALLOW_OOO,
	OPT_STEP,
	OPT_ALL,
	OPT_JSON,
	OPT_FORCE,
	OPT_FORMAT
};

struct mopts {
	const char *dir, *table, *format;
	long lock_timeout_ms;
	int allow_ooo, step, all, json, force;
};

struct target {
	const char *name;
	const char *url;
	const char *dir;
	const char *table;
};

struct out_state {
	const struct ormtool_opts *g;
	int color;
};

static int usage_error(void)
{
	ormtool_usage("migrate", stderr);
	return EX_USAGE;
}

/* sysexits code for a migrator failure. */
static int exit_for(int rc)
{
	switch (rc) {
	case 0: return 0;
	case ORM_ECONFLICT: return EX_DATAERR;
	case ORM_EBUSY: return EX_TEMPFAIL;
	case ORM_EPARSE: return EX_CONFIG;
	case ORM_EIO: return EX_NOINPUT;
	case ORM_ECONNECT: case ORM_ENODRIVER: case ORM_ECONNLOST: case ORM_EURL: return EX_UNAVAILABLE;
	case ORM_EINVAL: case ORM_ENOTFOUND: return EX_USAGE;
	case ORM_ENOMEM: return EX_OSERR;
	default: return EX_SOFTWARE;
	}
}

/* ---- output ---- */

static const char *paint(const struct out_state *o, orm_migration_state s)
{
	if (!o->color)
		return "";
	switch (s) {
	case ORM_MIGRATION_APPLIED: return "\033[32m";
	case ORM_MIGRATION_PENDING: return "\033[33m";
	default: return "\033[31m";
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void on_event(const orm_migrate_event *ev, void *payload)
{
	const struct out_state *o = payload;
	const struct ormtool_opts *g = o->g;

	switch (ev->kind) {
	case ORM_MIGRATE_EV_STATEMENT:
		if (ev->dry_run)
			printf("%s;\n", ev->sql);
		else
			ormtool_verbose(g, 1, "  %s", ev->sql);
		break;
	case ORM_MIGRATE_EV_START:
		if (ev->dry_run)
			printf("-- %s %s\n", ev->direction > 0 ? "apply" : "roll back", ev->name);
		else
			ormtool_verbose(g, 1, "%s %s ...", ev->direction > 0 ? "applying" : "rolling back", ev->name);
		break;
	case ORM_MIGRATE_EV_DONE:
		if (ev->dry_run || g->verbosity < 0)
			break;
		if (ev->direction > 0)
			printf("applied      %s (%lld ms, batch %lld)\n", ev->name, (long long)ev->duration_ms,
			       (long long)ev->batch);
		else
			printf("rolled back  %s (%lld ms)\n", ev->name, (long long)ev->duration_ms);
		fflush(stdout);
		break;
	case ORM_MIGRATE_EV_LOCK_WAIT:
	case ORM_MIGRATE_EV_RESUME:
		ormtool_warnx("%s", ev->message);
		break;
	case ORM_MIGRATE_EV_NOTICE:
		if (ev->dry_run)
			printf("-- %s\n", ev->message);
		else if (g->verbosity >= 0)
			printf("%s\n", ev->message);
		break;
	}
}

static void print_status(const orm_migration_info *info, size_t n, const char *lock, const struct out_state *o,
			 const char *dbname)
{
	size_t i;
	size_t w = 10;

	(void)dbname;
	for (i = 0; i < n; i++)
		if (strlen(info[i].name) > w)
			w = strlen(info[i].name);
	printf("%-8s  %5s  %-19s  %s\n", "STATE", "BATCH", "APPLIED AT (UTC)", "NAME");
	for (i = 0; i < n; i++) {
		const orm_migration_info *m = &info[i];
		char batch[24] = "";
		if (m->batch > 0)
			snprintf(batch, sizeof(batch), "%lld", (long long)m->batch);
		printf("%s%-8s%s  %5s  %-19s  %s", paint(o, m->state), orm_migration_state_name(m->state),
		       o->color ? "\033[0m" : "", batch, m->applied_at, m->name);
		if (m->out_of_order)
			printf("  (older than the newest applied migration)");
		if (m->state == ORM_MIGRATION_MODIFIED)
			printf("  (%s changed since it was applied)", m->path);
		if (m->state == ORM_MIGRATION_MISSING)
			printf("  (no such file or C migration)");
		if (m->state == ORM_MIGRATION_PARTIAL)
			printf("  (%d statement(s) applied; last error: %s)", m->statements_done,
			       *m->error ? m->error : "none recorded");
		putchar('\n');
	}
	if (n == 0)
		printf("(no migrations)\n");
	printf("lock: %s\n", *lock ? lock : "free");
}

static void print_status_json(const orm_migration_info *info, size_t n, const char *lock, const char *dbname)
{
	size_t i;

	printf("{\"database\": ");
	json_str(dbname);
	printf(", \"lock\": ");
	if (*lock)
		json_str(lock);
	else
		printf("null");
	printf(", \"migrations\": [");
	for (i = 0; i < n; i++) {
		const orm_migration_info *m = &info[i];
		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(m->name);
		printf(", \"state\": ");
		json_str(orm_migration_state_name(m->state));
		printf(", \"format\": ");
		json_str(m->format);
		printf(", \"path\": ");
		json_str(m->path);
		if (m->batch > 0)
			printf(", \"batch\": %lld, \"applied_at\": ", (long long)m->batch);
		else
			printf(", \"batch\": null, \"applied_at\": ");
		if (*m->applied_at)
			json_str(m->applied_at);
		else
			printf("null");
		if (m->duration_ms >= 0)
			printf(", \"duration_ms\": %lld", (long long)m->duration_ms);
		printf(", \"checksum\": ");
		json_str(m->checksum);
		printf(", \"applied_checksum\": ");
		json_str(m->applied_checksum);
		printf(", \"out_of_order\": %s", m->out_of_order ? "true" : "false");
		if (m->state == ORM_MIGRATION_PARTIAL) {
			printf(", \"statements_done\": %d, \"error\": ", m->statements_done);
			json_str(m->error);
		}
		putchar('}');
	}
	printf("%s]}\n", n ? "\n" : "");
}

static void print_list(const orm_migration_info *info, size_t n, int json, const char *dbname)
{
	size_t i, k;
	int pass;

	if (json) {
		printf("{\"database\": ");
		json_str(dbname);
		for (pass = 0; pass < 2; pass++) {
			printf(", \"%s\": [", pass ? "pending" : "applied");
			for (i = 0, k = 0; i < n; i++) {
				int applied = info[i].batch > 0;
				if (applied == !pass) {
					printf("%s", k++ ? ", " : "");
					json_str(info[i].name);
				}
			}
			putchar(']');
		}
		printf("}\n");
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, k = 0; i < n; i++)
			if ((info[i].batch > 0) == !pass)
				k++;
		printf("%s migrations (%zu):\n", pass ? "Pending" : "Applied", k);
		for (i = 0; i < n; i++)
			if ((info[i].batch > 0) == !pass)
				printf("  %s\n", info[i].name);
	}
}

/* ---- targets (config / URL) ---- */

static int resolve_targets(struct ormtool_opts *g, const struct mopts *mo, orm_config **cfgp,
			   struct target **out, size_t *n)
{
	const orm_config_db **dbs = NULL;
	struct target *t;
	size_t i;
	int code;

	*out = NULL;
	*n = 0;
	if ((code = ormtool_resolve_databases(g, mo->dir, cfgp, &dbs, n)) != 0)
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
		t[i].dir = mo->dir ? mo->dir : dbs[i]->migrations_dir;
		t[i].table = mo->table ? mo->table : dbs[i]->migrations_table;
	}
	free((void *)dbs);
	*out = t;
	return 0;
}

/* ---- one subcommand on one database ---- */

static int fail_migrator(orm_migrator *m, orm_conn *conn, int rc)
{
	const char *msg = m ? orm_migrator_errmsg(m) : "";

	if (!*msg)
		msg = orm_conn_errmsg(conn);
	ormtool_warnx("%s", *msg ? msg : orm_strerror(rc));
	return exit_for(rc);
}

static int run_one(struct ormtool_opts *g, const struct mopts *mo, const struct target *t, const char *sub,
		   int nargs, char **args)
{
	struct out_state os;
	orm_migrate_opts o = ORM_MIGRATE_OPTS_INIT;
	orm_migrator *m = NULL;
	orm_conn *conn = NULL;
	int rc, code = 0, count = 0;

	if (!strcmp(sub, "make")) {
		orm_buf path = ORM_BUF_INIT, err = ORM_BUF_INIT;
		rc = orm_migration_make(&path, t->dir, args[0], mo->format, &err);
		if (rc < 0) {
			ormtool_warnx("%s", err.ptr ? err.ptr : orm_strerror(rc));
			code = rc == ORM_EINVAL ? EX_USAGE : rc == ORM_EIO ? EX_CANTCREAT : EX_SOFTWARE;
		} else {
			printf("%s\n", path.ptr);
		}
		orm_buf_dispose(&path);
		orm_buf_dispose(&err);
		return code;
	}
	os.g = g;
	os.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	rc = orm_open(&conn, t->url);
	if (rc < 0) {
		code = ormtool_fail(conn, rc, "cannot open the database");
		orm_close(conn);
		return code;
	}
	ormtool_verbose(g, 1, "connected to %s (%s); migrations in %s, table %s", orm_conn_url(conn),
			orm_dialect_name(orm_conn_dialect(conn)), t->dir, t->table);
	o.directory = t->dir;
	o.table = t->table;
	o.dry_run = g->dry_run;
	o.allow_out_of_order = mo->allow_ooo;
	o.lock_timeout_ms = mo->lock_timeout_ms;
	o.on_event = on_event;
	o.event_payload = &os;
	rc = orm_migrator_new(&m, conn, &o);
	if (rc < 0) {
		code = fail_migrator(m, conn, rc);
		goto out;
	}
	if (!strcmp(sub, "latest")) {
		rc = orm_migrator_latest(m, &count);
		if (rc == 0 && count > 0 && g->verbosity >= 0 && !g->dry_run)
			printf("%d migration(s) applied\n", count);
	} else if (!strcmp(sub, "rollback")) {
		rc = orm_migrator_rollback(m, mo->step, mo->all, &count);
		if (rc == 0 && count > 0 && g->verbosity >= 0 && !g->dry_run)
			printf("%d migration(s) rolled back\n", count);
	} else if (!strcmp(sub, "up")) {
		rc = orm_migrator_up(m, nargs ? args[0] : NULL);
	} else if (!strcmp(sub, "down")) {
		rc = orm_migrator_down(m, nargs ? args[0] : NULL);
	} else if (!strcmp(sub, "to")) {
		rc = orm_migrator_to(m, args[0], &count);
	} else if (!strcmp(sub, "status") || !strcmp(sub, "list")) {
		const orm_migration_info *info;
		size_t n;
		orm_buf lock = ORM_BUF_INIT;
		rc = orm_migrator_status(m, &info, &n);
		if (rc == 0 && !strcmp(sub, "status"))
			rc = orm_migrator_lock_holder(m, &lock);
		if (rc == 0) {
			if (!strcmp(sub, "list"))
				print_list(info, n, mo->json, t->name);
			else if (mo->json)
				print_status_json(info, n, lock.ptr ? lock.ptr : "", t->name);
			else
				print_status(info, n, lock.ptr ? lock.ptr : "", &os, t->name);
		}
		orm_buf_dispose(&lock);
	} else if (!strcmp(sub, "unlock")) {
		orm_buf who = ORM_BUF_INIT;
		rc = orm_migrator_lock_holder(m, &who);
		if (rc == 0 && g->dry_run) {
			printf("-- %s\n", who.size ? who.ptr : "the migration lock is free");
		} else if (rc == 0) {
			rc = orm_migrator_unlock(m, mo->force);
			if (rc == 0 && g->verbosity >= 0)
				printf("%s\n", who.size ? "the migration lock was released" : "the migration lock is free");
		}
		orm_buf_dispose(&who);
	}
	if (rc < 0)
		code = fail_migrator(m, conn, rc);
out:
	orm_migrator_free(m);
	orm_close(conn);
	return code;
}

int cmd_migrate(struct ormtool_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
		{ "allow-out-of-order", no_argument, NULL, OPT_ALLOW_OOO },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct { const char *name; int min, max; } subs[] = {
		{ "make", 1, 1 }, { "latest", 0, 0 }, { "rollback", 0, 0 }, { "up", 0, 1 }, { "down", 0, 1 },
		{ "to", 1, 1 }, { "status", 0, 0 }, { "list", 0, 0 }, { "unlock", 0, 0 },
	};
	struct mopts mo;
	struct target *targets = NULL;
	orm_config *cfg = NULL;
	const char *sub;
	char *end;
	size_t ntargets = 0, i, s;
	int c, nargs, code = 0, help = 0;

	memset(&mo, 0, sizeof(mo));
	while ((c = ormtool_getopt(g, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'h': help = 1; break;
		case OPT_DIR: mo.dir = optarg; break;
		case OPT_TABLE: mo.table = optarg; break;
		case OPT_FORMAT: mo.format = optarg; break;
		case OPT_ALLOW_OOO: mo.allow_ooo = 1; break;
		case OPT_ALL: mo.all = 1; break;
		case OPT_JSON: mo.json = 1; break;
		case OPT_FORCE: mo.force = 1; break;
		case OPT_LOCK_TIMEOUT: {
			double secs;
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end || secs < 0 || secs > 86400) {
				ormtool_warnx("migrate: --lock-timeout wants seconds (0 to 86400), not '%s'", optarg);
				return EX_USAGE;
			}
			mo.lock_timeout_ms = secs == 0 ? -1 : (long)(secs * 1000);
			break;
		}
		case OPT_STEP: {
			long v;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 1000000) {
				ormtool_warnx("migrate: --step wants a positive number, not '%s'", optarg);
				return EX_USAGE;
			}
			mo.step = (int)v;
			break;
		}
		default:
			return usage_error();
		}
	}
	if (help) {
		ormtool_usage("migrate", stdout);
		printf("\n%s", MIGRATE_HELP);
		return 0;
	}
	if (optind >= argc) {
		ormtool_warnx("migrate: which subcommand? (make, latest, rollback, up, down, to, status, list, unlock)");
		return usage_error();
	}
	sub = argv[optind];
	nargs = argc - optind - 1;
	for (s = 0; s < sizeof(subs) / sizeof(subs[0]); s++)
		if (!strcmp(subs[s].name, sub))
			break;
	if (s == sizeof(subs) / sizeof(subs[0])) {
		ormtool_warnx("migrate: unknown subcommand '%s'", sub);
		return usage_error();
	}
	if (nargs < subs[s].min || nargs > subs[s].max) {
		ormtool_warnx("migrate %s: %s", sub, subs[s].min ? "needs a NAME" : nargs ? "too many arguments" : "?");
		return usage_error();
	}
	if ((mo.step || mo.all) && strcmp(sub, "rollback")) {
		ormtool_warnx("migrate %s: --step and --all are for rollback", sub);
		return EX_USAGE;
	}
	if (mo.step && mo.all) {
		ormtool_warnx("migrate rollback: give --step N or --all, not both");
		return EX_USAGE;
	}
	if (mo.format && strcmp(sub, "make")) {
		ormtool_warnx("migrate %s: --format is for make", sub);
		return EX_USAGE;
	}
	if (mo.json && strcmp(sub, "status") && strcmp(sub, "list")) {
		ormtool_warnx("migrate %s: --json is for status and list", sub);
		return EX_USAGE;
	}
	if (!strcmp(sub, "make") && g->all_databases) {
		ormtool_warnx("migrate make: choose one database with --db NAME");
		return EX_USAGE;
	}
	if (!strcmp(sub, "make") && !g->url && !g->db && !getenv("DATABASE_URL")) {
		/* make needs no database: only a folder */
		orm_buf path = ORM_BUF_INIT;
		if (!g->config && orm_config_find(&path, NULL) == ORM_ENOTFOUND) {
			struct target t = { "default", NULL, mo.dir ? mo.dir : "migrations", NULL };
			orm_buf_dispose(&path);
			return run_one(g, &mo, &t, sub, nargs, argv + optind + 1);
		}
		orm_buf_dispose(&path);
	}
	if ((code = resolve_targets(g, &mo, &cfg, &targets, &ntargets)) != 0)
		return code;
	for (i = 0; i < ntargets; i++) {
		int rc;
		if (ntargets > 1 && !(mo.json && (!strcmp(sub, "status") || !strcmp(sub, "list"))))
			printf("%s== database %s ==\n", i ? "\n" : "", targets[i].name);
		fflush(stdout);
		rc = run_one(g, &mo, &targets[i], sub, nargs, argv + optind + 1);
		if (rc && !code)
			code = rc;
	}
	free(targets);
	orm_config_free(cfg);
	return code;
}

/* ---- ormtool init: a commented starter ormtool.yaml ---- */

static const char init_template[] =
	"# ormtool.yaml: the databases of this project, for ormtool and liborm (like a knexfile).\n"
	"# The environment is --env NAME, else $ORM_ENV, else development.\n"
	"# Any value may use ${VAR} or ${VAR:-default} from the environment; an unset\n"
	"# variable without a default is an error. Relative paths are relative to this file.\n"
	"\n"
	"development:\n"
	"  client: sqlite3\n"
	"  connection:\n"
	"    filename: dev.sqlite3\n"
	"  migrations:\n"
	"    directory: migrations        # YYYYMMDDHHMMSS_name.yaml / .sql (ormtool migrate make NAME)\n"
	"    table: orm_migrations        # the bookkeeping table\n"
	"  seeds:\n"
	"    directory: seeds\n"
	"\n"
	"test:\n"
	"  client: sqlite3\n"
	"  connection: \"sqlite::memory:\"\n"
	"\n"
	"production:\n"
	"  client: pg                     # sqlite3, pg (postgres), mariadb (mysql)\n"
	"  connection: ${DATABASE_URL:-postgres://app@localhost:5432/app}\n"
	"  # or a map:\n"
	"  # connection:\n"
	"  #   host: ${DB_HOST:-localhost}\n"
	"  #   port: 5432\n"
	"  #   user: app\n"
	"  #   password: ${DB_PASSWORD}\n"
	"  #   database: app\n"
	"  #   options: { sslmode: require }\n"
	"\n"
	"# Several databases in one environment (then every command needs --db NAME or\n"
	"# --all-databases). Each reads NAME_DB_HOST, NAME_DB_PORT, NAME_DB_NAME,\n"
	"# NAME_DB_USER and NAME_DB_PASSWORD from the environment, and keeps its\n"
	"# migrations and seeds in database/NAME/migrations and database/NAME/seeds.\n"
	"# production:\n"
	"#   databases:\n"
	"#     main:\n"
	"#       client: pg\n"
	"#     analytics:\n"
	"#       client: mariadb\n";

int cmd_init(struct ormtool_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 }
	};
	const char *path;
	orm_config *cfg = NULL;
	FILE *f;
	int c, force = 0, rc;

	while ((c = ormtool_getopt(g, argc, argv, "", longopts)) != -1) {
		if (c == 'h') {
			ormtool_usage("init", stdout);
			printf("\nWrite a commented starter configuration (SQLite for development,\n"
			       "PostgreSQL for production) to ./ormtool.yaml, or to --config FILE.\n"
			       "--force overwrites an existing file.\n");
			return 0;
		}
		if (c == OPT_FORCE)
			force = 1;
		else
			return ormtool_usage("init", stderr);
	}
	if (optind != argc)
		return ormtool_usage("init", stderr);
	path = g->config ? g->config : "ormtool.yaml";
	if (!force && access(path, F_OK) == 0) {
		ormtool_warnx("init: %s exists (use --force to overwrite it)", path);
		return EX_CANTCREAT;
	}
	/* the template must always be a valid configuration */
	rc = orm_config_parse(&cfg, init_template, sizeof(init_template) - 1, path, "development");
	orm_config_free(cfg);
	if (rc < 0) {
		ormtool_warnx("init: internal error: the template does not parse");
		return EX_SOFTWARE;
	}
	if (g->dry_run) {
		fputs(init_template, stdout);
		return 0;
	}
	f = fopen(path, "w");
	if (!f || fputs(init_template, f) < 0 || fclose(f) != 0) {
		ormtool_warnx("init: %s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (g->verbosity >= 0)
		printf("wrote %s\n", path);
	return 0;
}
