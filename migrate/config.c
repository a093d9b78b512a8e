/*
 * ormtool.yaml: environments, connections as URL or map, ${VAR}
 * interpolation, several databases. See include/orm/config.h for the
 * format. The configuration only works out URLs and folders; it never
 * connects.
 */
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct cfg_db {
	orm_config_db pub;
	char *name, *url, *mdir, *mtable, *sdir;
};

struct orm_config {
	char *path;     /* "" for from_url */
	char *dir;      /* base folder for relative paths ("" = current) */
	char *env;
	struct cfg_db *dbs;
	size_t n;
	orm_buf err;
	/* parsing state */
	orm__yt_doc *doc;
	const orm__yt_node *top, *envmap;
};

#define DEFAULT_TABLE "orm_migrations"

static const char *const env_keys[] = { "client", "connection", "migrations", "seeds", "databases", NULL };
static const char *const db_keys[] = { "client", "connection", "migrations", "seeds", NULL };
static const char *const conn_keys[] = { "host", "port", "user", "username", "password", "database",
					  "dbname", "filename", "options", NULL };

static int key_in(const char *k, const char *const *keys)
{
	size_t i;

	for (i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

static int cerr(orm_config *cfg, const orm__yt_node *n, int code, const char *fmt, ...)
	ORM_FORMAT_PRINTF(4, 5);

static int cerr(orm_config *cfg, const orm__yt_node *n, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	orm_buf_clear(&cfg->err);
	if (code == ORM_ENOMEM)
		orm_buf_puts(&cfg->err, "out of memory");
	else if (n)
		orm_buf_printf(&cfg->err, "%s:%d:%d: %s", cfg->path, n->line, n->col, msg);
	else if (*cfg->path)
		orm_buf_printf(&cfg->err, "%s: %s", cfg->path, msg);
	else
		orm_buf_puts(&cfg->err, msg);
	return code;
}

/* ---- ${VAR} interpolation ---- */

static int interpolate(orm_config *cfg, const orm__yt_node *n, orm_buf *out)
{
	const char *s = n->str;
	size_t i = 0;
	int rc;

	orm_buf_clear(out);
	if ((rc = orm_buf_put(out, "", 0)) < 0)
		return cerr(cfg, NULL, rc, "out of memory");
	while (s[i]) {
		if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
			rc = orm_buf_puts(out, "${");
			i += 3;
		} else if (s[i] == '$' && s[i + 1] == '{') {
			size_t b = i + 2, e = b, def_b = 0, def_e = 0;
			int has_def = 0, empty_too = 0;
			const char *val;
			char name[256];
			orm__yt_node where = *n;

			/* best-effort column of the ${ inside a one-line plain or quoted scalar */
			if (!memchr(s, '\n', i))
				where.col = n->col + (int)i + (n->plain ? 0 : 1);
			while (isalnum((unsigned char)s[e]) || s[e] == '_')
				e++;
			if (e == b || isdigit((unsigned char)s[b]) || e - b >= sizeof(name))
				return cerr(cfg, &where, ORM_EPARSE,
					    "bad variable reference: expected ${NAME}, ${NAME:-default} or ${NAME-default}");
			memcpy(name, s + b, e - b);
			name[e - b] = '\0';
			if (s[e] == ':' && s[e + 1] == '-') {
				has_def = empty_too = 1;
				def_b = e + 2;
			} else if (s[e] == '-') {
				has_def = 1;
				def_b = e + 1;
			} else if (s[e] == '\0') {
				return cerr(cfg, &where, ORM_EPARSE, "unterminated ${%s", name);
			} else if (s[e] != '}') {
				return cerr(cfg, &where, ORM_EPARSE,
					    "bad variable reference ${%s...: expected '}', ':-' or '-'", name);
			}
			if (has_def) {
				def_e = def_b;
				while (s[def_e] && s[def_e] != '}')
					def_e++;
				e = def_e;
			}
			if (s[e] != '}')
				return cerr(cfg, &where, ORM_EPARSE, "unterminated ${%s", name);
			val = getenv(name);
			if (has_def && (!val || (empty_too && !*val)))
				rc = orm_buf_put(out, s + def_b, def_e - def_b);
			else if (val)
				rc = orm_buf_puts(out, val);
			else
				return cerr(cfg, &where, ORM_EPARSE,
					    "environment variable %s is not set (write ${%s:-default} to give a default)",
					    name, name);
			i = e + 1;
		} else {
			rc = orm_buf_put(out, s + i, 1);
			i++;
		}
		if (rc < 0)
			return cerr(cfg, NULL, rc, "out of memory");
	}
	return 0;
}

/* A scalar value, interpolated, as a new string. NULL node -> *out NULL. */
static int get_str(orm_config *cfg, const orm__yt_node *n, const char *what, char **out)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	*out = NULL;
	if (!n || orm__yt_is_null(n))
		return 0;
	if (n->kind != ORM__YT_SCALAR)
		return cerr(cfg, n, ORM_EPARSE, "%s must be a string, not %s", what, orm__yt_kind_name(n));
	if ((rc = interpolate(cfg, n, &b)) < 0) {
		orm_buf_dispose(&b);
		return rc;
	}
	*out = b.ptr;
	return 0;
}

static int check_keys(orm_config *cfg, const orm__yt_node *m, const char *const *keys, const char *where)
{
	size_t i, j;
	char list[256] = "";

	for (i = 0; i < m->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(m, i);
		if (key_in(k->str, keys))
			continue;
		for (j = 0; keys[j]; j++) {
			if (j)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, keys[j], sizeof(list) - strlen(list) - 1);
		}
		return cerr(cfg, k, ORM_EPARSE, "unknown key '%s' in %s (expected one of: %s)", k->str, where, list);
	}
	return 0;
}

/* ---- clients and URLs ---- */

static int client_dialect(const char *c, orm_dialect *out)
{
	if (!strcasecmp(c, "sqlite3") || !strcasecmp(c, "sqlite") || !strcasecmp(c, "better-sqlite3"))
		*out = ORM_DIALECT_SQLITE;
	else if (!strcasecmp(c, "pg") || !strcasecmp(c, "postgres") || !strcasecmp(c, "postgresql"))
		*out = ORM_DIALECT_POSTGRES;
	else if (!strcasecmp(c, "mariadb") || !strcasecmp(c, "mysql") || !strcasecmp(c, "mysql2"))
		*out = ORM_DIALECT_MARIADB;
	else
		return -1;
	return 0;
}

/* Dialect of a URL's scheme; 0 when unknown. */
static orm_dialect url_dialect(const char *url)
{
	if (!strncmp(url, "sqlite:", 7))
		return ORM_DIALECT_SQLITE;
	if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
		return ORM_DIALECT_POSTGRES;
	if (!strncmp(url, "mariadb://", 10) || !strncmp(url, "mysql://", 8))
		return ORM_DIALECT_MARIADB;
	return (orm_dialect)0;
}

static int put_encoded(orm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			rc = orm_buf_put(b, s, 1);
		else
			rc = orm_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

/* dir + "/" + p unless p is absolute (or :memory:); a new string. */
static char *resolve_path(const orm_config *cfg, const char *p)
{
	if (p[0] == '/' || !*cfg->dir || !strcmp(p, ":memory:"))
		return orm__strdup(p);
	return orm__sprintf("%s/%s", cfg->dir, p);
}

struct conn_parts {
	char *host, *port, *user, *password, *database, *filename;
	orm_buf options; /* "k=v&k=v" already encoded */
};

static void parts_dispose(struct conn_parts *p)
{
	orm__free(p->host);
	orm__free(p->port);
	orm__free(p->user);
	orm__free(p->password);
	orm__free(p->database);
	orm__free(p->filename);
	orm_buf_dispose(&p->options);
	memset(p, 0, sizeof(*p));
}

static int read_parts(orm_config *cfg, const orm__yt_node *m, struct conn_parts *p)
{
	static const struct { const char *key; size_t off; } map[] = {
		{ "host", offsetof(struct conn_parts, host) },
		{ "port", offsetof(struct conn_parts, port) },
		{ "user", offsetof(struct conn_parts, user) },
		{ "username", offsetof(struct conn_parts, user) },
		{ "password", offsetof(struct conn_parts, password) },
		{ "database", offsetof(struct conn_parts, database) },
		{ "dbname", offsetof(struct conn_parts, database) },
		{ "filename", offsetof(struct conn_parts, filename) },
	};
	const orm__yt_node *opts;
	size_t i, j;
	int rc;

	if ((rc = check_keys(cfg, m, conn_keys, "connection")) < 0)
		return rc;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const orm__yt_node *v = orm__yt_get(m, map[i].key);
		char **dst = (char **)((char *)p + map[i].off);
		char *s;
		if (!v)
			continue;
		if ((rc = get_str(cfg, v, map[i].key, &s)) < 0)
			return rc;
		if (!s)
			continue;
		orm__free(*dst);
		*dst = s;
	}
	if (p->port) {
		char *end;
		long port = strtol(p->port, &end, 10);
		const orm__yt_node *pn = orm__yt_get(m, "port");
		/* the port as written, never an interpolated value (it could be a secret) */
		if (*end || port <= 0 || port > 65535)
			return cerr(cfg, pn, ORM_EPARSE, "port '%s' is not a port number",
				    pn && pn->str ? pn->str : p->port);
	}
	opts = orm__yt_get(m, "options");
	if (opts && !orm__yt_is_null(opts)) {
		if (opts->kind != ORM__YT_MAP)
			return cerr(cfg, opts, ORM_EPARSE, "connection options must be a mapping of URL options");
		for (j = 0; j < opts->n; j++) {
			char *v;
			if ((rc = get_str(cfg, ORM__YT_VAL(opts, j), ORM__YT_KEY(opts, j)->str, &v)) < 0)
				return rc;
			rc = 0;
			if (p->options.size)
				rc = orm_buf_puts(&p->options, "&");
			if (rc == 0)
				rc = put_encoded(&p->options, ORM__YT_KEY(opts, j)->str);
			if (rc == 0)
				rc = orm_buf_puts(&p->options, "=");
			if (rc == 0 && v)
				rc = put_encoded(&p->options, v);
			orm__free(v);
			if (rc < 0)
				return cerr(cfg, NULL, rc, "out of memory");
		}
	}
	return 0;
}

static int build_url(orm_config *cfg, const orm__yt_node *where, orm_dialect d, struct conn_parts *p,
		     const char *default_db, char **out)
{
	orm_buf b = ORM_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (d == ORM_DIALECT_SQLITE) {
		const char *f = p->filename ? p->filename : p->database;
		char *path;
		if (!f && default_db) {
			char *tmp = orm__sprintf("%s.sqlite3", default_db);
			if (!tmp)
				return cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
			p->filename = tmp;
			f = tmp;
		}
		if (!f)
			return cerr(cfg, where, ORM_EPARSE, "an sqlite3 connection needs a filename");
		if (!(path = resolve_path(cfg, f)))
			return cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
		rc = orm_buf_printf(&b, "sqlite:%s", path);
		orm__free(path);
	} else {
		const char *db = p->database ? p->database : default_db;
		rc = orm_buf_puts(&b, d == ORM_DIALECT_POSTGRES ? "postgres://" : "mariadb://");
		if (rc == 0 && p->user) {
			rc = put_encoded(&b, p->user);
			if (rc == 0 && p->password) {
				rc = orm_buf_puts(&b, ":");
				if (rc == 0)
					rc = put_encoded(&b, p->password);
			}
			if (rc == 0)
				rc = orm_buf_puts(&b, "@");
		}
		if (rc == 0)
			rc = orm_buf_puts(&b, p->host && *p->host ? p->host : "localhost");
		if (rc == 0 && p->port)
			rc = orm_buf_printf(&b, ":%s", p->port);
		if (rc == 0)
			rc = orm_buf_puts(&b, "/");
		if (rc == 0 && db)
			rc = put_encoded(&b, db);
	}
	if (rc == 0 && p->options.size)
		rc = orm_buf_printf(&b, "?%s", p->options.ptr);
	if (rc < 0) {
		orm_buf_dispose(&b);
		return cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
	}
	*out = b.ptr;
	return 0;
}

/* ---- environments and databases ---- */

/* Look a key up in the environment, then in the top-level defaults. */
static const orm__yt_node *env_get(orm_config *cfg, const char *key)
{
	const orm__yt_node *v = cfg->envmap ? orm__yt_get(cfg->envmap, key) : NULL;

	if (!v && cfg->top)
		v = orm__yt_get(cfg->top, key);
	return v;
}

/* A sub-key (directory, table) of a `migrations:` / `seeds:` section. */
static int section_get(orm_config *cfg, const orm__yt_node *const *secs, size_t nsecs,
		       const char *sname, const char *key, char **out)
{
	static const char *const mig_keys[] = { "directory", "table", NULL };
	static const char *const seed_keys[] = { "directory", NULL };
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i < nsecs; i++) {
		const orm__yt_node *s = secs[i], *v;
		if (!s || orm__yt_is_null(s))
			continue;
		if (s->kind != ORM__YT_MAP)
			return cerr(cfg, s, ORM_EPARSE, "%s must be a mapping (directory: ...)", sname);
		if ((rc = check_keys(cfg, s, strcmp(sname, "seeds") ? mig_keys : seed_keys, sname)) < 0)
			return rc;
		v = orm__yt_get(s, key);
		if (v)
			return get_str(cfg, v, key, out);
	}
	return 0;
}

static int add_db(orm_config *cfg, struct cfg_db **out)
{
	struct cfg_db *p = orm__realloc(cfg->dbs, (cfg->n + 1) * sizeof(*p));

	if (!p)
		return cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
	cfg->dbs = p;
	memset(&p[cfg->n], 0, sizeof(p[0]));
	*out = &p[cfg->n++];
	return 0;
}

static void upper_name(char *dst, size_t cap, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < cap; i++)
		dst[i] = isalnum((unsigned char)name[i]) ? (char)toupper((unsigned char)name[i]) : '_';
	dst[i] = '\0';
}

/* Replace *dst by $VAR when VAR is set and not empty. */
static int env_override(orm_config *cfg, char **dst, const char *prefix, const char *suffix)
{
	char var[300];
	const char *v;

	snprintf(var, sizeof(var), "%s%s", prefix, suffix);
	v = getenv(var);
	if (!v || !*v)
		return 0;
	orm__free(*dst);
	*dst = orm__strdup(v);
	return *dst ? 0 : cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
}

static int check_table_name(orm_config *cfg, const orm__yt_node *where, const char *t)
{
	const char *dot = strchr(t, '.');
	char part[128];

	if (dot && (size_t)(dot - t) < sizeof(part)) {
		memcpy(part, t, (size_t)(dot - t));
		part[dot - t] = '\0';
		if (orm__valid_ident(part) && orm__valid_ident(dot + 1))
			return 0;
	} else if (!dot && orm__valid_ident(t)) {
		return 0;
	}
	return cerr(cfg, where, ORM_EPARSE, "migrations table '%s' is not a valid name ([A-Za-z_][A-Za-z0-9_]*, optionally schema.table)", t);
}

/* Fill one database: name, definition map (NULL for the single database). */
static int resolve_db(orm_config *cfg, const char *name, const orm__yt_node *def, const orm__yt_node *where,
		      int multi)
{
	struct cfg_db *db;
	const orm__yt_node *client_n, *conn_n, *secs[2];
	struct conn_parts parts;
	char *client = NULL, *url = NULL, *tmp = NULL;
	orm_dialect d = (orm_dialect)0;
	int rc;

	memset(&parts, 0, sizeof(parts));
	if (def && !orm__yt_is_null(def)) {
		if (def->kind != ORM__YT_MAP)
			return cerr(cfg, def, ORM_EPARSE, "database '%s' must be a mapping", name);
		if ((rc = check_keys(cfg, def, db_keys, "a database")) < 0)
			return rc;
	} else {
		def = NULL;
	}
	if ((rc = add_db(cfg, &db)) < 0)
		return rc;
	db->pub.line = where ? where->line : 0;
	if (!(db->name = orm__strdup(name)))
		return cerr(cfg, NULL, ORM_ENOMEM, "out of memory");

	client_n = def ? orm__yt_get(def, "client") : NULL;
	if (!client_n)
		client_n = env_get(cfg, "client");
	if ((rc = get_str(cfg, client_n, "client", &client)) < 0)
		goto out;
	if (client && client_dialect(client, &d) < 0) {
		rc = cerr(cfg, client_n, ORM_EPARSE,
			  "unknown client '%s' (expected sqlite3, pg, postgres, postgresql, mariadb or mysql)",
			  client_n->str);
		goto out;
	}
	conn_n = def ? orm__yt_get(def, "connection") : multi ? NULL : env_get(cfg, "connection");
	if (conn_n && orm__yt_is_null(conn_n))
		conn_n = NULL;
	if (conn_n && conn_n->kind == ORM__YT_SCALAR) {
		if ((rc = get_str(cfg, conn_n, "connection", &url)) < 0)
			goto out;
		if (!url_dialect(url)) {
			if (d == ORM_DIALECT_SQLITE) {
				/* a bare file name */
				parts.filename = url;
				url = NULL;
				if ((rc = build_url(cfg, conn_n, d, &parts, NULL, &url)) < 0)
					goto out;
			} else {
				/* the text as written: the interpolated one may hold a password */
				rc = cerr(cfg, conn_n, ORM_EPARSE,
					  "connection '%s' is not a URL (sqlite:FILE, postgres://..., mariadb://...)",
					  conn_n->str);
				goto out;
			}
		}
	} else if (conn_n && conn_n->kind == ORM__YT_MAP) {
		if ((rc = read_parts(cfg, conn_n, &parts)) < 0)
			goto out;
	} else if (conn_n) {
		rc = cerr(cfg, conn_n, ORM_EPARSE, "connection must be a URL or a mapping, not %s",
			  orm__yt_kind_name(conn_n));
		goto out;
	}
	if (!url && multi) {
		char up[200];
		upper_name(up, sizeof(up), name);
		if ((rc = env_override(cfg, &parts.host, up, "_DB_HOST")) < 0 ||
		    (rc = env_override(cfg, &parts.port, up, "_DB_PORT")) < 0 ||
		    (rc = env_override(cfg, &parts.user, up, "_DB_USER")) < 0 ||
		    (rc = env_override(cfg, &parts.password, up, "_DB_PASSWORD")) < 0)
			goto out;
		if ((rc = env_override(cfg, d == ORM_DIALECT_SQLITE && parts.filename ? &parts.filename
				       : &parts.database, up, "_DB_NAME")) < 0)
			goto out;
		if (!d) {
			rc = cerr(cfg, where, ORM_EPARSE, "database '%s' has no client (sqlite3, pg, mariadb)", name);
			goto out;
		}
		if ((rc = build_url(cfg, def ? def : where, d, &parts, name, &url)) < 0)
			goto out;
	} else if (!url && conn_n) {
		if (!d) {
			rc = cerr(cfg, conn_n, ORM_EPARSE, "a connection map needs a client (sqlite3, pg, mariadb)");
			goto out;
		}
		if ((rc = build_url(cfg, conn_n, d, &parts, NULL, &url)) < 0)
			goto out;
	} else if (!url) {
		const char *env_url = getenv("DATABASE_URL");
		if (!env_url || !*env_url) {
			rc = cerr(cfg, cfg->envmap ? cfg->envmap : cfg->top, ORM_EPARSE,
				  "environment '%s' has no connection and DATABASE_URL is not set", cfg->env);
			goto out;
		}
		if (!(url = orm__strdup(env_url))) {
			rc = cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!url_dialect(url)) {
		rc = cerr(cfg, conn_n, ORM_EPARSE, "connection URL has an unknown scheme (sqlite:, postgres://, mariadb://)");
		goto out;
	}
	if (d && url_dialect(url) != d) {
		rc = cerr(cfg, conn_n ? conn_n : client_n, ORM_EPARSE,
			  "client '%s' does not match the connection URL's scheme", client);
		goto out;
	}
	db->pub.dialect = url_dialect(url);
	db->url = url;
	url = NULL;

	/* folders (per database when there are several) and table */
	secs[0] = def ? orm__yt_get(def, "migrations") : NULL;
	secs[1] = multi ? NULL : env_get(cfg, "migrations");
	if ((rc = section_get(cfg, secs, 2, "migrations", "directory", &tmp)) < 0)
		goto out;
	if (!tmp)
		tmp = multi ? orm__sprintf("database/%s/migrations", name) : orm__strdup("migrations");
	if (!tmp || !(db->mdir = resolve_path(cfg, tmp))) {
		rc = cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
		goto out;
	}
	orm__free(tmp);
	tmp = NULL;
	secs[1] = env_get(cfg, "migrations"); /* the table may be set for the whole environment */
	if ((rc = section_get(cfg, secs, 2, "migrations", "table", &tmp)) < 0)
		goto out;
	if (tmp) {
		const orm__yt_node *tn = orm__yt_get(secs[0], "table");
		if (!tn)
			tn = orm__yt_get(secs[1], "table");
		if ((rc = check_table_name(cfg, tn, tmp)) < 0)
			goto out;
	}
	db->mtable = tmp ? tmp : orm__strdup(DEFAULT_TABLE);
	tmp = NULL;
	secs[0] = def ? orm__yt_get(def, "seeds") : NULL;
	secs[1] = multi ? NULL : env_get(cfg, "seeds");
	if ((rc = section_get(cfg, secs, 2, "seeds", "directory", &tmp)) < 0)
		goto out;
	if (!tmp)
		tmp = multi ? orm__sprintf("database/%s/seeds", name) : orm__strdup("seeds");
	if (!tmp || !db->mtable || !(db->sdir = resolve_path(cfg, tmp))) {
		rc = cerr(cfg, NULL, ORM_ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	orm__free(tmp);
	orm__free(client);
	orm__free(url);
	parts_dispose(&parts);
	return rc;
}

static void publish(orm_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		struct cfg_db *d = &cfg->dbs[i];
		d->pub.name = d->name;
		d->pub.url = d->url;
		d->pub.migrations_dir = d->mdir;
		d->pub.migrations_table = d->mtable;
		d->pub.seeds_dir = d->sdir;
	}
}

static int resolve(orm_config *cfg)
{
	const orm__yt_node *root = cfg->doc->root, *dbs;
	size_t i, nenvs = 0;
	int rc;

	if (!root || orm__yt_is_null(root))
		return cerr(cfg, NULL, ORM_EPARSE, "the configuration is empty");
	if (root->kind != ORM__YT_MAP)
		return cerr(cfg, root, ORM_EPARSE, "the configuration must be a mapping of environments, not %s",
			    orm__yt_kind_name(root));
	cfg->top = root;
	for (i = 0; i < root->n; i++) {
		const orm__yt_node *k = ORM__YT_KEY(root, i), *v = ORM__YT_VAL(root, i);
		if (key_in(k->str, env_keys))
			continue;
		nenvs++;
		if (!orm__yt_is_null(v) && v->kind != ORM__YT_MAP)
			return cerr(cfg, v, ORM_EPARSE,
				    "environment '%s' must be a mapping (client, connection, migrations, seeds, databases); "
				    "top-level keys other than those name environments", k->str);
		if (strcmp(k->str, cfg->env) == 0)
			cfg->envmap = orm__yt_is_null(v) ? NULL : v;
		if (v->kind == ORM__YT_MAP && (rc = check_keys(cfg, v, env_keys, "an environment")) < 0)
			return rc;
	}
	if (nenvs > 0 && !orm__yt_get(root, cfg->env)) {
		char list[512] = "";
		for (i = 0; i < root->n; i++) {
			const char *k = ORM__YT_KEY(root, i)->str;
			if (key_in(k, env_keys))
				continue;
			if (*list)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, k, sizeof(list) - strlen(list) - 1);
		}
		return cerr(cfg, root, ORM_EPARSE, "no environment '%s' in the configuration (it has: %s)",
			    cfg->env, list);
	}
	dbs = env_get(cfg, "databases");
	if (dbs && !orm__yt_is_null(dbs)) {
		if (dbs->kind != ORM__YT_MAP || dbs->n == 0)
			return cerr(cfg, dbs, ORM_EPARSE, "databases must be a mapping of names to databases");
		for (i = 0; i < dbs->n; i++) {
			const orm__yt_node *k = ORM__YT_KEY(dbs, i);
			size_t j;
			for (j = 0; k->str[j]; j++)
				if (!(isalnum((unsigned char)k->str[j]) || k->str[j] == '_' || k->str[j] == '-'))
					break;
			if (!k->len || k->str[j] || k->len > 63)
				return cerr(cfg, k, ORM_EPARSE, "database name '%s' must be letters, digits, _ or -", k->str);
			if ((rc = resolve_db(cfg, k->str, ORM__YT_VAL(dbs, i), k, 1)) < 0)
				return rc;
		}
	} else {
		if ((rc = resolve_db(cfg, "default", NULL, cfg->envmap, 0)) < 0)
			return rc;
	}
	publish(cfg);
	return 0;
}

static orm_config *cfg_new(const char *path, const char *env)
{
	orm_config *cfg = orm__calloc(1, sizeof(*cfg));
	const char *slash;

	if (!cfg)
		return NULL;
	if (!env || !*env)
		env = getenv("ORM_ENV");
	if (!env || !*env)
		env = "development";
	cfg->path = orm__strdup(path ? path : "");
	cfg->env = orm__strdup(env);
	slash = path ? strrchr(path, '/') : NULL;
	cfg->dir = slash ? orm__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : orm__strdup("");
	if (!cfg->path || !cfg->env || !cfg->dir) {
		orm_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int orm_config_parse(orm_config **out, const char *text, size_t len, const char *filename, const char *env)
{
	orm_config *cfg;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!text)
		return ORM_EINVAL;
	cfg = cfg_new(filename ? filename : "ormtool.yaml", env);
	if (!cfg)
		return ORM_ENOMEM;
	*out = cfg;
	if (!filename)
		cfg->dir[0] = '\0';
	rc = orm__yt_parse(&cfg->doc, text, len, cfg->path, &cfg->err);
	if (rc == 0)
		rc = resolve(cfg);
	orm__yt_free(cfg->doc);
	cfg->doc = NULL;
	cfg->top = cfg->envmap = NULL;
	if (rc == ORM_ENOMEM) {
		orm_config_free(cfg);
		*out = NULL;
	}
	return rc;
}

int orm_config_load(orm_config **out, const char *path, const char *env)
{
	orm_config *cfg;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!path)
		return ORM_EINVAL;
	cfg = cfg_new(path, env);
	if (!cfg)
		return ORM_ENOMEM;
	rc = orm__read_file(&text, &len, path, &cfg->err);
	if (rc < 0) {
		if (rc == ORM_ENOMEM) {
			orm_config_free(cfg);
			return rc;
		}
		*out = cfg;
		return rc;
	}
	orm_config_free(cfg);
	rc = orm_config_parse(out, text, len, path, env);
	orm__free(text);
	return rc;
}

int orm_config_from_url(orm_config **out, const char *url, const char *migrations_dir)
{
	orm_config *cfg;
	struct cfg_db *db;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	cfg = cfg_new(NULL, NULL);
	if (!cfg)
		return ORM_ENOMEM;
	*out = cfg;
	if (!url || !*url)
		url = getenv("DATABASE_URL");
	if (!url || !*url)
		return cerr(cfg, NULL, ORM_EINVAL, "no database: give a URL or set DATABASE_URL");
	if (!url_dialect(url))
		return cerr(cfg, NULL, ORM_EURL, "unknown URL scheme (expected sqlite:, postgres://, mariadb://)");
	if ((rc = add_db(cfg, &db)) < 0)
		goto nomem;
	db->name = orm__strdup("default");
	db->url = orm__strdup(url);
	db->mdir = orm__strdup(migrations_dir ? migrations_dir : "migrations");
	db->mtable = orm__strdup(DEFAULT_TABLE);
	db->sdir = orm__strdup("seeds");
	if (!db->name || !db->url || !db->mdir || !db->mtable || !db->sdir)
		goto nomem;
	db->pub.dialect = url_dialect(url);
	publish(cfg);
	return 0;
nomem:
	orm_config_free(cfg);
	*out = NULL;
	return ORM_ENOMEM;
}

void orm_config_free(orm_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++) {
		struct cfg_db *d = &cfg->dbs[i];
		orm__free(d->name);
		orm__free(d->url);
		orm__free(d->mdir);
		orm__free(d->mtable);
		orm__free(d->sdir);
	}
	orm__free(cfg->dbs);
	orm__yt_free(cfg->doc);
	orm_buf_dispose(&cfg->err);
	orm__free(cfg->path);
	orm__free(cfg->dir);
	orm__free(cfg->env);
	orm__free(cfg);
}

const char *orm_config_errmsg(const orm_config *cfg)
{
	return cfg && cfg->err.ptr ? cfg->err.ptr : "";
}

const char *orm_config_env(const orm_config *cfg)
{
	return cfg ? cfg->env : "";
}

const char *orm_config_path(const orm_config *cfg)
{
	return cfg ? cfg->path : "";
}

size_t orm_config_db_count(const orm_config *cfg)
{
	return cfg ? cfg->n : 0;
}

const orm_config_db *orm_config_db_at(const orm_config *cfg, size_t i)
{
	return cfg && i < cfg->n ? &cfg->dbs[i].pub : NULL;
}

static void list_names(const orm_config *cfg, char *list, size_t cap)
{
	size_t i;

	list[0] = '\0';
	for (i = 0; i < cfg->n; i++) {
		if (i)
			strncat(list, ", ", cap - strlen(list) - 1);
		strncat(list, cfg->dbs[i].name, cap - strlen(list) - 1);
	}
}

int orm_config_db_select(const orm_config_db **out, orm_config *cfg, const char *name)
{
	char list[512];
	size_t i;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!cfg)
		return ORM_EINVAL;
	orm_buf_clear(&cfg->err);
	if (cfg->n == 0)
		return cerr(cfg, NULL, ORM_EINVAL, "the configuration has no database");
	if (!name) {
		if (cfg->n == 1) {
			*out = &cfg->dbs[0].pub;
			return 0;
		}
		list_names(cfg, list, sizeof(list));
		return cerr(cfg, NULL, ORM_EINVAL,
			    "the configuration has several databases (%s): choose one with --db NAME or use --all-databases",
			    list);
	}
	for (i = 0; i < cfg->n; i++)
		if (strcmp(cfg->dbs[i].name, name) == 0) {
			*out = &cfg->dbs[i].pub;
			return 0;
		}
	list_names(cfg, list, sizeof(list));
	return cerr(cfg, NULL, ORM_ENOTFOUND, "no database '%s' in the configuration (it has: %s)", name, list);
}

int orm_config_db_set_url(orm_config *cfg, const orm_config_db *db, const char *url)
{
	size_t i;
	char *copy;

	if (!cfg || !db || !url)
		return ORM_EINVAL;
	for (i = 0; i < cfg->n; i++) {
		if (&cfg->dbs[i].pub != db)
			continue;
		if (!url_dialect(url))
			return cerr(cfg, NULL, ORM_EURL, "unknown URL scheme (expected sqlite:, postgres://, mariadb://)");
		if (!(copy = orm__strdup(url)))
			return ORM_ENOMEM;
		orm__free(cfg->dbs[i].url);
		cfg->dbs[i].url = copy;
		cfg->dbs[i].pub.url = copy;
		cfg->dbs[i].pub.dialect = url_dialect(url);
		return 0;
	}
	return ORM_EINVAL;
}

int orm_config_find(orm_buf *path, const char *start_dir)
{
	static const char *const names[] = { "ormtool.yaml", "ormtool.yml" };
	char dir[PATH_MAX], probe[PATH_MAX + 32];
	size_t i;

	if (!path)
		return ORM_EINVAL;
	if (start_dir) {
		if (!realpath(start_dir, dir))
			return ORM_ENOTFOUND;
	} else if (!getcwd(dir, sizeof(dir))) {
		return ORM_ENOTFOUND;
	}
	for (;;) {
		for (i = 0; i < 2; i++) {
			snprintf(probe, sizeof(probe), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", names[i]);
			if (access(probe, R_OK) == 0)
				return orm_buf_puts(path, probe);
		}
		if (strcmp(dir, "/") == 0)
			return ORM_ENOTFOUND;
		{
			char *slash = strrchr(dir, '/');
			if (slash == dir)
				dir[1] = '\0';
			else if (slash)
				*slash = '\0';
			else
				return ORM_ENOTFOUND;
		}
	}
}
