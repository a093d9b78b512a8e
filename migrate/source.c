/*
 * SQL migration files (-- migrate:up / -- migrate:down sections) and
 * `migrate make` (new, ready-to-fill files).
 */
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int serr(orm_buf *err, const char *file, int line, int col, const char *msg, const char *arg)
{
	if (err) {
		orm_buf_clear(err);
		orm_buf_printf(err, "%s:%d:%d: ", file, line, col);
		orm_buf_printf(err, msg, arg ? arg : "");
	}
	return ORM_EPARSE;
}

/* Whether [b, e) holds only blanks and -- comments. */
static int only_comments(const char *b, const char *e)
{
	while (b < e) {
		if (isspace((unsigned char)*b)) {
			b++;
		} else if (b + 1 < e && b[0] == '-' && b[1] == '-') {
			while (b < e && *b != '\n')
				b++;
		} else {
			return 0;
		}
	}
	return 1;
}

int orm__sql_migration_parse(const char *text, size_t len, const char *filename, orm_dialect d,
			     orm__mig_ops *up, orm__mig_ops *down, int *has_down, int *no_tx,
			     orm_buf *err)
{
	const char *p = text, *end = text + len;
	/* up / down sections: marker line start, content start, content line */
	const char *mark[2] = { NULL, NULL }, *body[2] = { NULL, NULL };
	int body_line[2] = { 0, 0 };
	const char *first_mark = NULL;
	int line = 1, s, rc;

	*has_down = 0;
	*no_tx = 0;
	if (memchr(text, 0, len))
		return serr(err, filename, 1, 1, "NUL byte in an SQL file%s", NULL);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) >= 11 && strncmp(p, "-- migrate:", 11) == 0) {
			char word[64];
			size_t k = 0;
			const char *w = p + 11, *rest;
			while (w + k < eol && !isspace((unsigned char)w[k]) && k + 1 < sizeof(word)) {
				word[k] = w[k];
				k++;
			}
			word[k] = '\0';
			rest = w + k;
			if (!strcmp(word, "up") || !strcmp(word, "down")) {
				s = !strcmp(word, "up") ? 0 : 1;
				if (mark[s])
					return serr(err, filename, line, 1, "a second -- migrate:%s section", word);
				/* options after the marker: transaction:false (dbmate's spelling) */
				while (rest < eol) {
					while (rest < eol && isspace((unsigned char)*rest))
						rest++;
					if (rest >= eol)
						break;
					if ((size_t)(eol - rest) >= 17 && !strncmp(rest, "transaction:false", 17)) {
						*no_tx = 1;
						rest += 17;
					} else if ((size_t)(eol - rest) >= 16 && !strncmp(rest, "transaction:true", 16)) {
						rest += 16;
					} else {
						return serr(err, filename, line, (int)(rest - p) + 1,
							    "unknown option after -- migrate:%s (only transaction:false)", word);
					}
				}
				mark[s] = p;
				body[s] = eol < end ? eol + 1 : eol;
				body_line[s] = line + 1;
				if (!first_mark)
					first_mark = p;
			} else if (!strcmp(word, "no-transaction")) {
				*no_tx = 1; /* the line stays a comment for the splitter */
			} else {
				return serr(err, filename, line, 12,
					    "unknown directive -- migrate:%s (up, down, no-transaction)", word);
			}
		}
		p = eol < end ? eol + 1 : end;
		line++;
	}
	if (!mark[0])
		return serr(err, filename, 1, 1, "no -- migrate:up section (an SQL migration has a '-- migrate:up' "
			    "line, then usually a '-- migrate:down' line)%s", NULL);
	if (!only_comments(text, first_mark))
		return serr(err, filename, 1, 1, "SQL before the first -- migrate: section%s", NULL);
	for (s = 0; s < 2; s++) {
		const char *e = end;
		if (!mark[s])
			continue;
		if (mark[1 - s] && mark[1 - s] > mark[s])
			e = mark[1 - s];
		if (s == 1)
			*has_down = 1;
		rc = orm__mig_ops_add_sql(s == 0 ? up : down, body[s], (size_t)(e - body[s]), d, body_line[s]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- migrate make ---- */

static const char yaml_template[] =
	"# Migration %s (created %s UTC).\n"
	"# Operations map one to one onto the schema builder and run the same on\n"
	"# SQLite, PostgreSQL and MariaDB. Each step is a mapping with one key:\n"
	"#   create_table, alter_table, drop_table, rename_table, add_index,\n"
	"#   drop_index, add_unique, drop_unique, add_foreign_key,\n"
	"#   drop_foreign_key, create_schema, drop_schema, raw, sql.\n"
	"# Uncomment the next line to run this migration outside a transaction:\n"
	"# transaction: false\n"
	"up:\n"
	"  - create_table:\n"
	"      name: %s\n"
	"      columns:\n"
	"        - { name: id, type: big_increments }\n"
	"        - { name: name, type: string(200), not_null: true }\n"
	"        # - { name: owner_id, type: big_integer, references: owners.id, on_delete: cascade }\n"
	"      timestamps: true\n"
	"  # - raw: { sql: \"UPDATE ...\" }                    # the same SQL everywhere\n"
	"  # - raw: { sqlite: \"...\", postgres: \"...\", mariadb: \"...\" }\n"
	"down:\n"
	"  - drop_table: %s\n";

static const char sql_template[] =
	"-- Migration %s (created %s UTC).\n"
	"-- Statements end with ';'. Add a line '-- migrate:no-transaction' to run\n"
	"-- this file outside a transaction.\n"
	"\n"
	"-- migrate:up\n"
	"\n"
	"\n"
	"-- migrate:down\n"
	"\n";

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char *p = orm__strdup(dir), *q;
	int rc = 0;

	if (!p)
		return -1;
	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
		if (rc < 0)
			break;
	}
	if (rc == 0 && mkdir(p, 0777) < 0 && errno != EEXIST)
		rc = -1;
	orm__free(p);
	return rc;
}

int orm_migration_make(orm_buf *path, const char *dir, const char *name, const char *format,
		       orm_buf *errmsg)
{
	char iso[20], stamp[15], table[128];
	char *file = NULL, *stem = NULL;
	const char *ext;
	size_t i;
	FILE *f = NULL;
	int fd, rc = 0;

	if (!dir || !name)
		return ORM_EINVAL;
	if (!format || !strcasecmp(format, "yaml") || !strcasecmp(format, "yml"))
		ext = "yaml";
	else if (!strcasecmp(format, "sql"))
		ext = "sql";
	else {
		if (errmsg)
			orm_buf_printf(errmsg, "unknown migration format '%s' (yaml or sql)", format);
		return ORM_EINVAL;
	}
	for (i = 0; name[i]; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			break;
	if (i == 0 || name[i] || i > 100) {
		if (errmsg)
			orm_buf_printf(errmsg, "migration name '%s' must be letters, digits and _ (at most 100)", name);
		return ORM_EINVAL;
	}
	orm__utc_now(iso, stamp);
	if (make_dirs(dir) < 0) {
		if (errmsg)
			orm_buf_printf(errmsg, "%s: cannot create the folder: %s", dir, strerror(errno));
		return ORM_EIO;
	}
	stem = orm__sprintf("%s_%s", stamp, name);
	file = orm__sprintf("%s/%s.%s", dir, stem, ext);
	if (!stem || !file) {
		rc = ORM_ENOMEM;
		goto out;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0) {
		if (errmsg)
			orm_buf_printf(errmsg, "%s: cannot create: %s", file, strerror(errno));
		rc = errno == EEXIST ? ORM_ECONFLICT : ORM_EIO;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		rc = ORM_EIO;
		goto out;
	}
	/* a table name guess for the template: create_users -> users */
	snprintf(table, sizeof(table), "%s", !strncmp(name, "create_", 7) && name[7] ? name + 7 : name);
	if (!strcmp(ext, "yaml"))
		fprintf(f, yaml_template, stem, iso, table, table);
	else
		fprintf(f, sql_template, stem, iso);
	if (fclose(f) != 0) {
		if (errmsg)
			orm_buf_printf(errmsg, "%s: write error: %s", file, strerror(errno));
		rc = ORM_EIO;
		goto out;
	}
	if (path)
		rc = orm_buf_puts(path, file);
out:
	orm__free(stem);
	orm__free(file);
	return rc;
}
