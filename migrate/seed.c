/*
 * Seeds: preparing a run. List the seed files, read the live schema, read
 * and check every data file once (columns, types, labels), order the
 * tables by their foreign keys (strongly connected components, parents
 * first), choose how each cycle loads, and describe the plan. Writing is
 * in seed_load.c. Also `seed make` and the table export.
 */
#include "migrate/seed_run.h"
#include "migrate/migrate_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

double orm__seed_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int orm__seed_value_copy(orm_value *dst, const orm_value *src, orm__seed_arena *a)
{
	*dst = *src;
	switch (src->type) {
	case ORM_TYPE_NULL:
	case ORM_TYPE_BOOL:
	case ORM_TYPE_INT:
	case ORM_TYPE_DOUBLE:
		return 0;
	default:
		if (!src->u.s.ptr)
			return 0;
		dst->u.s.ptr = orm__seed_arena_strndup(a, src->u.s.ptr, src->u.s.len);
		return dst->u.s.ptr ? 0 : ORM_ENOMEM;
	}
}

/* Canonical text of values (to compare keys whatever their source): "a\x1fb". */
int orm__seed_key_text(orm_buf *out, const orm_value *vals, size_t n)
{
	size_t i;
	int rc = 0;

	orm_buf_clear(out);
	for (i = 0; i < n && rc == 0; i++) {
		const orm_value *v = &vals[i];
		if (i)
			rc = orm_buf_put(out, "\x1f", 1);
		switch (v->type) {
		case ORM_TYPE_NULL: rc = rc ? rc : orm_buf_put(out, "\x1e", 1); break;
		case ORM_TYPE_BOOL: rc = rc ? rc : orm_buf_puts(out, v->u.b ? "1" : "0"); break;
		case ORM_TYPE_INT: rc = rc ? rc : orm_buf_printf(out, "%lld", (long long)v->u.i); break;
		case ORM_TYPE_DOUBLE: rc = rc ? rc : orm_buf_printf(out, "%.17g", v->u.d); break;
		default:
			if (!rc && v->u.s.len)
				rc = orm_buf_put(out, v->u.s.ptr, v->u.s.len);
			break;
		}
	}
	if (rc == 0 && !out->ptr)
		rc = orm_buf_put(out, "", 0);
	return rc < 0 ? ORM_ENOMEM : 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static int file_format(const char *name)
{
	if (ends_with(name, ".csv"))
		return ORM_SEED_CSV;
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return ORM_SEED_YAML;
	if (ends_with(name, ".sql"))
		return ORM_SEED_SQL;
	return 0;
}

/* Shorten a value for a message. */
static const char *short_val(char *buf, size_t n, const char *s, size_t len)
{
	if (len + 1 <= n) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	} else {
		memcpy(buf, s, n - 4);
		memcpy(buf + n - 4, "...", 4);
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* schema lookups                                                       */

seed_table *orm__seed_find_table(orm_seed *s, const char *name)
{
	size_t i;
	seed_table *found = NULL;
	int nci = 0;

	for (i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	/* a unique case-insensitive match (MariaDB lower_case_table_names, PostgreSQL folding) */
	for (i = 0; i < s->ntables; i++)
		if (strcasecmp(s->tables[i].name, name) == 0) {
			found = &s->tables[i];
			nci++;
		}
	return nci == 1 ? found : NULL;
}

int orm__seed_col_index(const seed_table *t, const char *name)
{
	size_t i;
	int found = -1, nci = 0;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->info->columns[i]->name, name) == 0)
			return (int)i;
	for (i = 0; i < t->ncols; i++)
		if (strcasecmp(t->info->columns[i]->name, name) == 0) {
			found = (int)i;
			nci++;
		}
	return nci == 1 ? found : -1;
}

seed_label *orm__seed_label_find(seed_table *t, const char *name)
{
	seed_label *l = NULL;

	HASH_FIND_STR(t->labels, name, l);
	return l;
}

static int in_list(const int *list, size_t n, int v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static int add_int(int **list, size_t *n, int v)
{
	int *nl;

	if (in_list(*list, *n, v))
		return 0;
	nl = orm__realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl)
		return ORM_ENOMEM;
	nl[(*n)++] = v;
	*list = nl;
	return 0;
}

static int build_tables(orm_seed *s)
{
	size_t i, j, k, n = orm_schema_info_count(s->info), nt = 0;
	orm_buf q = ORM_BUF_INIT;
	int rc = 0;

	s->tables = orm__calloc(n ? n : 1, sizeof(*s->tables));
	if (!s->tables)
		return ORM_ENOMEM;
	for (i = 0; i < n; i++) {
		const orm_table_info *ti = orm_schema_info_table(s->info, i);
		seed_table *t;
		if (!ti || ti->is_view)
			continue;
		t = &s->tables[nt++];
		s->ntables = nt; /* freed by orm_seed_free() even if this loop fails */
		t->info = ti;
		t->name = ti->name;
		t->ncols = ti->ncolumns;
		t->autoinc = -1;
		t->order = -1;
		t->scc = -1;
		t->t_index = -1;
		orm_buf_clear(&q);
		if (s->schema) {
			if ((rc = orm_quote_ident(&q, s->d, s->schema)) < 0 || (rc = orm_buf_puts(&q, ".")) < 0)
				goto out;
			rc = orm__quote_part(&q, s->d, t->name, strlen(t->name));
		} else {
			rc = orm__quote_part(&q, s->d, t->name, strlen(t->name));
		}
		if (rc < 0 || !(t->qname = orm__strdup(q.ptr))) {
			rc = ORM_ENOMEM;
			goto out;
		}
		t->fk_of_col = orm__calloc(t->ncols ? t->ncols : 1, sizeof(int));
		t->fk_pos_of_col = orm__calloc(t->ncols ? t->ncols : 1, sizeof(int));
		t->refpos_of_col = orm__calloc(t->ncols ? t->ncols : 1, sizeof(int));
		if (!t->fk_of_col || !t->fk_pos_of_col || !t->refpos_of_col) {
			rc = ORM_ENOMEM;
			goto out;
		}
		for (j = 0; j < t->ncols; j++) {
			const orm_col_info *c = ti->columns[j];
			t->fk_of_col[j] = -1;
			t->refpos_of_col[j] = -1;
			if (c->auto_increment && t->autoinc < 0)
				t->autoinc = (int)j;
		}
		for (j = 0; j < ti->nprimary; j++) {
			int ci = -1;
			for (k = 0; k < t->ncols; k++)
				if (strcmp(ti->columns[k]->name, ti->primary_key[j]) == 0)
					ci = (int)k;
			if (ci >= 0 && (rc = add_int(&t->pk, &t->npk, ci)) < 0)
				goto out;
		}
	}
	s->ntables = nt;
	/* foreign keys */
	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		const orm_table_info *ti = t->info;
		t->fks = orm__calloc(ti->nforeign_keys ? ti->nforeign_keys : 1, sizeof(*t->fks));
		if (!t->fks) {
			rc = ORM_ENOMEM;
			goto out;
		}
		for (j = 0; j < ti->nforeign_keys; j++) {
			const orm_fk_info *fi = ti->foreign_keys[j];
			seed_fk *fk = &t->fks[t->nfks];
			seed_table *p;
			int ok = 1;
			if (fi->ref_schema && *fi->ref_schema &&
			    strcmp(fi->ref_schema, orm_schema_info_name(s->info)) != 0)
				continue; /* another schema: not part of the run */
			p = NULL;
			for (k = 0; k < s->ntables; k++)
				if (strcmp(s->tables[k].name, fi->ref_table) == 0)
					p = &s->tables[k];
			if (!p)
				continue;
			fk->info = fi;
			fk->parent = p;
			fk->n = fi->ncolumns;
			fk->self = p == t;
			fk->cols = orm__calloc(fk->n ? fk->n : 1, sizeof(int));
			fk->ref_cols = orm__calloc(fk->n ? fk->n : 1, sizeof(int));
			if (!fk->cols || !fk->ref_cols) {
				orm__free(fk->cols);
				orm__free(fk->ref_cols);
				rc = ORM_ENOMEM;
				goto out;
			}
			fk->nullable = 1;
			for (k = 0; k < fk->n; k++) {
				fk->cols[k] = orm__seed_col_index(t, fi->columns[k]);
				fk->ref_cols[k] = fi->ref_columns && fi->ref_columns[k]
						  ? orm__seed_col_index(p, fi->ref_columns[k]) : -1;
				if (fk->ref_cols[k] < 0 && p->npk == fk->n)
					fk->ref_cols[k] = p->pk[k];
				if (fk->cols[k] < 0 || fk->ref_cols[k] < 0)
					ok = 0;
				else if (!t->info->columns[fk->cols[k]]->nullable)
					fk->nullable = 0;
			}
			if (!ok || fk->n == 0) {
				orm__free(fk->cols);
				orm__free(fk->ref_cols);
				memset(fk, 0, sizeof(*fk));
				continue;
			}
			for (k = 0; k < fk->n; k++)
				if (t->fk_of_col[fk->cols[k]] < 0) {
					t->fk_of_col[fk->cols[k]] = (int)t->nfks;
					t->fk_pos_of_col[fk->cols[k]] = (int)k;
				}
			t->nfks++; /* counted first: orm_seed_free() frees its arrays if the next fails */
			for (k = 0; k < fk->n; k++)
				if ((rc = add_int(&p->refcols, &p->nrefcols, fk->ref_cols[k])) < 0)
					goto out;
		}
	}
	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		for (j = 0; j < t->nrefcols; j++)
			t->refpos_of_col[t->refcols[j]] = (int)j;
	}
out:
	orm_buf_dispose(&q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* values                                                               */

int orm__seed_cell_label(const seed_table *t, int col, const orm__seed_cell *c, int yaml,
			 const char **label)
{
	*label = NULL;
	if (!yaml || col < 0 || t->fk_of_col[col] < 0)
		return 0;
	if (c->kind == ORM__SEED_CELL_JSON && c->ref) {
		*label = c->ref;
		return 1;
	}
	if ((c->kind == ORM__SEED_CELL_PLAIN || c->kind == ORM__SEED_CELL_TEXT) && c->len > 1 &&
	    c->s[0] == '@' && c->s[1] != '@') {
		*label = c->s + 1;
		return 1;
	}
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "true", "y", "yes", "on" };
	static const char *const no[] = { "0", "f", "false", "n", "no", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -1;
}

static int valid_decimal(const char *s, size_t len)
{
	size_t i = 0;
	int digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == len;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int orm__seed_convert(orm_seed *s, const seed_table *t, int col, const orm__seed_cell *c,
		      int yaml, orm_value *out, orm__seed_arena *a, const char *file)
{
	const orm_col_info *ci = t->info->columns[col];
	const char *txt;
	size_t len;
	orm_type vt = ci->kind == ORM_COL_SPECIFIC || ci->kind == ORM_COL_ENUM ? ORM_TYPE_TEXT
										 : ci->value_type;
	char sv[48];

	*out = orm_null();
	if (c->kind == ORM__SEED_CELL_NULL)
		return 0;
	txt = c->s;
	len = c->len;
	if (c->kind == ORM__SEED_CELL_JSON) {
		if (vt != ORM_TYPE_JSON && vt != ORM_TYPE_TEXT)
			return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
					      "%s.%s: a mapping or list fits only a JSON column (the column is %s)",
					      t->name, ci->name, ci->type);
		vt = ORM_TYPE_TEXT;
	} else if (yaml && t->fk_of_col[col] >= 0 && len > 1 && txt[0] == '@' && txt[1] == '@') {
		txt++;
		len--;
	}
	switch (vt) {
	case ORM_TYPE_INT: {
		int64_t v;
		int r = orm__parse_int64(txt, len, &v);
		if (r < 0)
			return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
					      "%s.%s (%s): '%s' is %s", t->name, ci->name, ci->type,
					      short_val(sv, sizeof(sv), txt, len),
					      r == ORM_ETYPE ? "out of range for an integer" : "not an integer");
		*out = orm_int(v);
		return 0;
	}
	case ORM_TYPE_BOOL: {
		int b;
		if (parse_bool(txt, &b) < 0)
			return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
					      "%s.%s (%s): '%s' is not a boolean (true/false, 1/0, yes/no)",
					      t->name, ci->name, ci->type, short_val(sv, sizeof(sv), txt, len));
		*out = orm_bool(b);
		return 0;
	}
	case ORM_TYPE_DOUBLE: {
		char *end = NULL;
		double d;
		errno = 0;
		d = strtod(txt, &end);
		if (len == 0 || end != txt + len || (errno == ERANGE && isinf(d)))
			return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
					      "%s.%s (%s): '%s' is not a number", t->name, ci->name,
					      ci->type, short_val(sv, sizeof(sv), txt, len));
		*out = orm_double(d);
		return 0;
	}
	case ORM_TYPE_DECIMAL:
		if (!valid_decimal(txt, len))
			return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
					      "%s.%s (%s): '%s' is not a decimal number", t->name,
					      ci->name, ci->type, short_val(sv, sizeof(sv), txt, len));
		break;
	case ORM_TYPE_BLOB:
		if (len >= 2 && txt[0] == '\\' && (txt[1] == 'x' || txt[1] == 'X')) {
			size_t i, nb = (len - 2) / 2;
			unsigned char *p;
			if ((len - 2) % 2)
				goto bad_hex;
			for (i = 2; i < len; i++)
				if (hexval((unsigned char)txt[i]) < 0)
					goto bad_hex;
			if (!a) {
				*out = orm_blob("", 0); /* checked only */
				return 0;
			}
			p = orm__seed_arena_alloc(a, nb ? nb : 1);
			if (!p)
				return ORM_ENOMEM;
			for (i = 0; i < nb; i++)
				p[i] = (unsigned char)(hexval((unsigned char)txt[2 + 2 * i]) << 4 |
						       hexval((unsigned char)txt[3 + 2 * i]));
			*out = orm_blob(p, nb);
			return 0;
		}
		if (a && !(txt = orm__seed_arena_strndup(a, txt, len)))
			return ORM_ENOMEM;
		*out = orm_blob(txt, len);
		return 0;
bad_hex:
		return orm__seed_errf(&s->err, ORM_ETYPE, file, c->line, c->col,
				      "%s.%s (%s): '%s' starts with \\x but is not hex bytes", t->name,
				      ci->name, ci->type, short_val(sv, sizeof(sv), txt, len));
	case ORM_TYPE_TIMESTAMP:
	case ORM_TYPE_TIMESTAMPTZ: {
		/*
		 * A date and time with an offset ("...+02:00", "...Z": what export
		 * writes for a zoned column) is moved to UTC, the session time zone
		 * of every liborm connection: a zoned column gets the "+00:00"
		 * form, a zoneless one (DATETIME, timestamp) the UTC wall time. No
		 * server takes the offset for a zoneless column as it should:
		 * MariaDB refuses it, PostgreSQL drops it, SQLite keeps the text.
		 * Text without an offset, or in another form, goes as written.
		 */
		char utc[48];
		int n = orm__tstz_utc_text(txt, len, utc, sizeof(utc));
		if (n < 0)
			break;
		if (vt == ORM_TYPE_TIMESTAMP)
			n -= 6; /* the "+00:00" */
		if (a && !(txt = orm__seed_arena_strndup(a, utc, (size_t)n)))
			return ORM_ENOMEM;
		*out = orm_textn(a ? txt : "", a ? (size_t)n : 0); /* without an arena: checked only */
		out->type = vt;
		return 0;
	}
	default:
		break;
	}
	if (a && !(txt = orm__seed_arena_strndup(a, txt, len)))
		return ORM_ENOMEM;
	*out = orm_textn(txt, len);
	if (vt == ORM_TYPE_DECIMAL || vt == ORM_TYPE_TIMESTAMP || vt == ORM_TYPE_TIMESTAMPTZ)
		out->type = vt;
	return 0;
}

/* ------------------------------------------------------------------ */
/* files                                                                */

static int cmp_file(const void *a, const void *b)
{
	const seed_file *x = a, *y = b;
	int fx = x->format == ORM_SEED_SQL, fy = y->format == ORM_SEED_SQL;

	if (fx != fy)
		return fx - fy;
	return strcmp(x->name, y->name);
}

static int add_file(orm_seed *s, const char *path, int fmt)
{
	seed_file *nf = orm__realloc(s->files, (s->nfiles + 1) * sizeof(*nf));
	seed_file *f;

	if (!nf)
		return ORM_ENOMEM;
	s->files = nf;
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->format = fmt;
	if (!(f->path = orm__strdup(path)) || !(f->name = orm__strdup(base_name(path))))
		goto oom;
	if (fmt == ORM_SEED_CSV && !(f->csv_table = orm__seed_table_from_filename(path)))
		goto oom;
	s->nfiles++;
	return 0;
oom:
	orm__free(f->path);
	orm__free(f->name);
	return ORM_ENOMEM;
}

static int list_files(orm_seed *s)
{
	orm_buf p = ORM_BUF_INIT;
	int rc = 0;
	size_t i;

	if (s->opts.nfiles > 0) {
		for (i = 0; i < s->opts.nfiles; i++) {
			const char *given = s->files_opt[i];
			struct stat st;
			int fmt = file_format(given);
			orm_buf_clear(&p);
			if (!fmt) {
				rc = orm__seed_errf(&s->err, ORM_EINVAL, given, 0, 0,
						    "not a seed file (.csv, .yaml, .yml or .sql)");
				goto out;
			}
			/* a bare name is a file of the folder, never one of the current
			   folder that happens to have the same name; with a '/' it is a path */
			if (!s->dir || strchr(given, '/'))
				rc = orm_buf_puts(&p, given);
			else
				rc = orm_buf_printf(&p, "%s/%s", s->dir, given);
			if (rc < 0) {
				rc = ORM_ENOMEM;
				goto out;
			}
			if (stat(p.ptr, &st) != 0 || !S_ISREG(st.st_mode)) {
				rc = orm__seed_errf(&s->err, ORM_ENOTFOUND, p.ptr, 0, 0,
						    "no such seed file%s%s", s->dir ? " in " : "",
						    s->dir ? s->dir : "");
				goto out;
			}
			for (size_t j = 0; j < s->nfiles; j++)
				if (strcmp(s->files[j].path, p.ptr) == 0)
					goto next;
			if ((rc = add_file(s, p.ptr, fmt)) < 0)
				goto out;
next:
			;
		}
	} else {
		DIR *d;
		struct dirent *de;
		if (!s->dir) {
			rc = orm__seed_errf(&s->err, ORM_EINVAL, NULL, 0, 0, "no seeds folder given");
			goto out;
		}
		d = opendir(s->dir);
		if (!d) {
			rc = orm__seed_errf(&s->err, errno == ENOENT ? ORM_ENOTFOUND : ORM_EIO, s->dir,
					    0, 0, "cannot open the seeds folder: %s", strerror(errno));
			goto out;
		}
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			int fmt = file_format(de->d_name);
			if (de->d_name[0] == '.' || !fmt)
				continue;
			orm_buf_clear(&p);
			if (orm_buf_printf(&p, "%s/%s", s->dir, de->d_name) < 0) {
				closedir(d);
				rc = ORM_ENOMEM;
				goto out;
			}
			if (stat(p.ptr, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if ((rc = add_file(s, p.ptr, fmt)) < 0) {
				closedir(d);
				goto out;
			}
		}
		closedir(d);
	}
	qsort(s->files, s->nfiles, sizeof(*s->files), cmp_file);
out:
	orm_buf_dispose(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* pass 1: read and check every data file                               */

typedef struct pass1 {
	orm_seed *s;
	seed_file *f;
	int yaml;
	seed_source *src;
	seed_table *t;
	int *colmap;          /* CSV: header column -> table column */
	size_t ncolmap;
} pass1;

static int unique_on(const seed_table *t, const int *cols, size_t n)
{
	size_t i, j, k;

	if (t->npk == n) {
		int same = 1;
		for (k = 0; k < n; k++)
			if (!in_list(cols, n, t->pk[k]))
				same = 0;
		if (same)
			return 1;
	}
	for (i = 0; i < t->info->nindexes; i++) {
		const orm_index_info *ix = t->info->indexes[i];
		int same;
		if (!ix->unique || ix->ncolumns != n || ix->where)
			continue;
		same = 1;
		for (j = 0; j < ix->ncolumns && same; j++) {
			int ci = ix->columns[j] ? orm__seed_col_index(t, ix->columns[j]) : -1;
			if (ci < 0 || !in_list(cols, n, ci))
				same = 0;
		}
		if (same)
			return 1;
	}
	return 0;
}

static int set_source_key(pass1 *p, const orm__seed_section *sec)
{
	seed_source *src = p->src;
	size_t i;

	if (!sec->nkey || src->nkey)
		return 0;
	src->key = orm__calloc(sec->nkey, sizeof(char *));
	src->keycols = orm__calloc(sec->nkey, sizeof(int));
	if (!src->key || !src->keycols)
		return ORM_ENOMEM;
	src->nkey = sec->nkey;
	src->key_line = sec->key_line;
	src->key_col = sec->key_col;
	for (i = 0; i < sec->nkey; i++) {
		if (!(src->key[i] = orm__strdup(sec->key[i])))
			return ORM_ENOMEM;
		src->keycols[i] = orm__seed_col_index(p->t, sec->key[i]);
		if (src->keycols[i] < 0)
			return orm__seed_errf(&p->s->err, ORM_ENOTFOUND, p->f->path, sec->key_line,
					      sec->key_col, "key column '%s' does not exist in table '%s'",
					      sec->key[i], p->t->name);
	}
	if (!unique_on(p->t, src->keycols, src->nkey))
		return orm__seed_errf(&p->s->err, ORM_EINVAL, p->f->path, sec->key_line, sec->key_col,
				      "the key of table '%s' needs a primary key, unique constraint or "
				      "unique index on exactly those columns", p->t->name);
	return 0;
}

static int p1_section(void *ctx, const orm__seed_section *sec)
{
	pass1 *p = ctx;
	orm_seed *s = p->s;
	seed_table *t = orm__seed_find_table(s, sec->table);
	seed_source *src, **ns, **ts;
	size_t i;

	p->t = t;
	p->src = NULL;
	if (!t) {
		if (p->yaml)
			return orm__seed_errf(&s->err, ORM_ENOTFOUND, p->f->path, sec->line, sec->col,
					      "table '%s' does not exist", sec->table);
		return orm__seed_errf(&s->err, ORM_ENOTFOUND, p->f->path, 0, 0,
				      "table '%s' (named by the file%s) does not exist", sec->table,
				      strcmp(sec->table, p->f->csv_table ? p->f->csv_table : "") ?
				      "'s '# table:' line" : " name");
	}
	src = orm__calloc(1, sizeof(*src));
	if (!src)
		return ORM_ENOMEM;
	src->file = p->f;
	src->section = sec->index;
	src->t = t;
	src->line = sec->line;
	src->col = sec->col;
	ns = orm__realloc(s->sources, (s->nsources + 1) * sizeof(*ns));
	if (!ns) {
		orm__free(src);
		return ORM_ENOMEM;
	}
	s->sources = ns;
	s->sources[s->nsources++] = src;
	ts = orm__realloc(t->sources, (t->nsources + 1) * sizeof(*ts));
	if (!ts)
		return ORM_ENOMEM;
	t->sources = ts;
	t->sources[t->nsources++] = src;
	t->seeded = 1;
	p->src = src;
	if (!p->yaml) {
		orm__free(p->colmap);
		p->colmap = orm__calloc(sec->ncolumns ? sec->ncolumns : 1, sizeof(int));
		if (!p->colmap)
			return ORM_ENOMEM;
		p->ncolmap = sec->ncolumns;
		for (i = 0; i < sec->ncolumns; i++) {
			p->colmap[i] = orm__seed_col_index(t, sec->columns[i]);
			if (p->colmap[i] < 0)
				return orm__seed_errf(&s->err, ORM_ENOTFOUND, p->f->path, sec->line,
						      sec->column_cols[i],
						      "column '%s' does not exist in table '%s'",
						      sec->columns[i], t->name);
		}
		return set_source_key(p, sec);
	}
	return 0;
}

static int add_ref(orm_seed *s, seed_table *target, const char *label, const char *file, int line,
		   int col)
{
	seed_ref *r;

	if (s->nrefs == s->arefs) {
		size_t na = s->arefs ? s->arefs * 2 : 64;
		seed_ref *nr = orm__realloc(s->refs, na * sizeof(*nr));
		if (!nr)
			return ORM_ENOMEM;
		s->refs = nr;
		s->arefs = na;
	}
	r = &s->refs[s->nrefs];
	r->target = target;
	r->file = file;
	r->line = line;
	r->col = col;
	if (!(r->label = orm__strdup(label)))
		return ORM_ENOMEM;
	s->nrefs++;
	return 0;
}

static int p1_row(void *ctx, const orm__seed_row *row)
{
	pass1 *p = ctx;
	orm_seed *s = p->s;
	seed_table *t = p->t;
	seed_label *l;
	int cols_small[64], *cols = cols_small;
	size_t i, j;
	int rc = 0;

	if (!t || !p->src)
		return 0;
	if (row->n == 0)
		return orm__seed_errf(&s->err, ORM_EPARSE, p->f->path, row->line, 0,
				      "a row of table '%s' with no columns", t->name);
	if (row->n > 64 && !(cols = orm__malloc(row->n * sizeof(int))))
		return ORM_ENOMEM;
	for (i = 0; i < row->n; i++) {
		const orm__seed_cell *c = &row->cells[i];
		const char *label;
		orm_value v;
		int col = p->yaml ? orm__seed_col_index(t, row->names[i]) : p->colmap[i];

		cols[i] = col;
		if (col < 0) {
			rc = orm__seed_errf(&s->err, ORM_ENOTFOUND, p->f->path, row->name_lines[i],
					    row->name_cols[i], "column '%s' does not exist in table '%s'",
					    row->names[i], t->name);
			goto out;
		}
		if (orm__seed_cell_label(t, col, c, p->yaml, &label)) {
			seed_fk *fk = &t->fks[t->fk_of_col[col]];
			if ((rc = add_ref(s, fk->parent, label, p->f->path, c->line, c->col)) < 0)
				goto out;
			continue;
		}
		if (c->kind == ORM__SEED_CELL_JSON && c->ref && t->fk_of_col[col] < 0 &&
		    t->info->columns[col]->value_type != ORM_TYPE_JSON) {
			rc = orm__seed_errf(&s->err, ORM_EINVAL, p->f->path, c->line, c->col,
					    "%s.%s is not a foreign key: {ref: %s} needs one", t->name,
					    t->info->columns[col]->name, c->ref);
			goto out;
		}
		if ((rc = orm__seed_convert(s, t, col, c, p->yaml, &v, NULL, p->f->path)) < 0)
			goto out;
	}
	if (row->label) {
		seed_label *dup = orm__seed_label_find(t, row->label);
		if (dup) {
			rc = orm__seed_errf(&s->err, ORM_ECONFLICT, p->f->path, row->label_line,
					    row->label_col,
					    "label '%s' of table '%s' is already defined at %s:%d", row->label,
					    t->name, dup->file, dup->line);
			goto out;
		}
		l = orm__seed_arena_alloc(&s->keep, sizeof(*l));
		if (!l) {
			rc = ORM_ENOMEM;
			goto out;
		}
		memset(l, 0, sizeof(*l));
		l->name = orm__seed_arena_strndup(&s->keep, row->label, strlen(row->label));
		l->vals = orm__seed_arena_alloc(&s->keep, (t->nrefcols ? t->nrefcols : 1) * sizeof(orm_value));
		if (!l->name || !l->vals) {
			rc = ORM_ENOMEM;
			goto out;
		}
		l->file = p->f->path;
		l->line = row->label_line;
		l->col = row->label_col;
		l->known = 1;
		for (j = 0; j < t->nrefcols; j++) {
			const char *lab;
			int found = 0;
			for (i = 0; i < row->n; i++) {
				if (cols[i] != t->refcols[j])
					continue;
				if (orm__seed_cell_label(t, cols[i], &row->cells[i], 1, &lab))
					break; /* a reference itself: known after the insert */
				if ((rc = orm__seed_convert(s, t, cols[i], &row->cells[i], 1, &l->vals[j],
							    &s->keep, p->f->path)) < 0)
					goto out;
				found = 1;
				break;
			}
			if (!found)
				l->known = 0;
		}
		HASH_ADD_KEYPTR(hh, t->labels, l->name, strlen(l->name), l);
		if (!l->hh.tbl) {
			rc = ORM_ENOMEM;
			goto out;
		}
	}
out:
	if (cols != cols_small)
		orm__free(cols);
	return rc;
}

static int p1_section_end(void *ctx, const orm__seed_section *sec, uint64_t nrows)
{
	pass1 *p = ctx;
	int rc;

	if (!p->src)
		return 0;
	if (p->yaml && (rc = set_source_key(p, sec)) < 0)
		return rc;
	p->src->nrows = nrows;
	p->t->nrows += nrows;
	p->s->rows_total += nrows;
	p->src = NULL;
	p->t = NULL;
	return 0;
}

static int pass1_files(orm_seed *s)
{
	pass1 p;
	orm__seed_reader_cb cb = { p1_section, p1_row, p1_section_end, NULL };
	size_t i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.s = s;
	cb.ctx = &p;
	for (i = 0; i < s->nfiles && rc == 0; i++) {
		seed_file *f = &s->files[i];
		p.f = f;
		p.yaml = f->format == ORM_SEED_YAML;
		p.src = NULL;
		p.t = NULL;
		if (f->format == ORM_SEED_CSV)
			rc = orm__seed_csv_read(f->path, f->csv_table, &cb, &s->err);
		else if (f->format == ORM_SEED_YAML)
			rc = orm__seed_yaml_read(f->path, NULL, &cb, &s->err);
	}
	orm__free(p.colmap);
	return rc;
}

static int check_refs(orm_seed *s)
{
	size_t i;

	for (i = 0; i < s->nrefs; i++) {
		seed_ref *r = &s->refs[i];
		seed_label *l = orm__seed_label_find(r->target, r->label);
		if (!l)
			return orm__seed_errf(&s->err, ORM_ENOTFOUND, r->file, r->line, r->col,
					      "unknown label '%s': no row of table '%s' has _label: %s",
					      r->label, r->target->name, r->label);
		l->used = 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* ordering                                                             */

static int min_file_rank(const orm_seed *s, const seed_table *t)
{
	size_t i;
	int best = (int)s->nfiles + 1;

	for (i = 0; i < t->nsources; i++) {
		int r = (int)(t->sources[i]->file - s->files);
		if (r < best)
			best = r;
	}
	return best;
}

typedef struct tarjan {
	orm_seed *s;
	int index;
	seed_table **stack;
	size_t nstack;
	int nscc;
} tarjan;

static void strongconnect(tarjan *tj, seed_table *v)
{
	size_t i;

	v->t_index = v->t_low = tj->index++;
	tj->stack[tj->nstack++] = v;
	v->t_on = 1;
	for (i = 0; i < v->nfks; i++) {
		seed_table *w = v->fks[i].parent;
		if (!w->seeded)
			continue;
		if (w->t_index < 0) {
			strongconnect(tj, w);
			if (w->t_low < v->t_low)
				v->t_low = w->t_low;
		} else if (w->t_on && w->t_index < v->t_low) {
			v->t_low = w->t_index;
		}
	}
	if (v->t_low == v->t_index) {
		seed_table *w;
		do {
			w = tj->stack[--tj->nstack];
			w->t_on = 0;
			w->scc = tj->nscc;
		} while (w != v);
		tj->nscc++;
	}
}

/* Order the tables of one component: Kahn on NOT NULL edges; 0 when they have a cycle. */
static int order_component(orm_seed *s, seed_table **tabs, size_t n)
{
	size_t placed = 0, i, j, k;
	int *done = orm__calloc(n ? n : 1, sizeof(int));
	seed_table **out = orm__calloc(n ? n : 1, sizeof(*out));
	int acyclic = 1;

	if (!done || !out) {
		orm__free(done);
		orm__free(out);
		return ORM_ENOMEM;
	}
	while (placed < n) {
		int pick = -1, best = 0;
		for (i = 0; i < n; i++) {
			int ready = 1;
			if (done[i])
				continue;
			for (k = 0; k < tabs[i]->nfks && ready; k++) {
				seed_fk *fk = &tabs[i]->fks[k];
				if (fk->self || fk->nullable || fk->parent->scc != tabs[i]->scc)
					continue;
				for (j = 0; j < n; j++)
					if (tabs[j] == fk->parent && !done[j])
						ready = 0;
			}
			if (ready) {
				int r = min_file_rank(s, tabs[i]);
				if (pick < 0 || r < best || (r == best && strcmp(tabs[i]->name, tabs[pick]->name) < 0)) {
					pick = (int)i;
					best = r;
				}
			}
		}
		if (pick < 0) {
			/* a NOT NULL cycle: place the rest by file order */
			acyclic = 0;
			for (i = 0; i < n; i++)
				if (!done[i] && (pick < 0 || min_file_rank(s, tabs[i]) < best)) {
					pick = (int)i;
					best = min_file_rank(s, tabs[i]);
				}
		}
		done[pick] = 1;
		out[placed++] = tabs[pick];
	}
	memcpy(tabs, out, n * sizeof(*tabs));
	orm__free(done);
	orm__free(out);
	return acyclic;
}

static int pg_fk_deferrable(orm_seed *s, seed_table *t, seed_fk *fk)
{
	orm_stmt *st = NULL;
	int rc;
	const char *sql = s->schema
		? "SELECT c.condeferrable FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
		  "JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.contype = 'f' AND c.conname = ? "
		  "AND r.relname = ? AND n.nspname = ?"
		: "SELECT c.condeferrable FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
		  "JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.contype = 'f' AND c.conname = ? "
		  "AND r.relname = ? AND n.nspname = current_schema()";

	if ((rc = orm_prepare(&st, s->conn, sql)) < 0)
		return rc;
	orm_bind_text(st, 1, fk->info->name, -1, ORM_BIND_STATIC);
	orm_bind_text(st, 2, t->name, -1, ORM_BIND_STATIC);
	if (s->schema)
		orm_bind_text(st, 3, s->schema, -1, ORM_BIND_STATIC);
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		fk->pg_deferrable = orm_column_int(st, 0) != 0;
		rc = 0;
	} else if (rc == ORM_DONE) {
		rc = 0;
	}
	orm_stmt_free(st);
	return rc;
}

/* PostgreSQL: is the table's identity column GENERATED ALWAYS? */
static int pg_identity(orm_seed *s, seed_table *t)
{
	orm_stmt *st = NULL;
	int rc;

	if ((rc = orm_prepare(&st, s->conn, "SELECT a.attidentity FROM pg_attribute a "
			      "WHERE a.attrelid = CAST(? AS regclass) AND a.attname = ?")) < 0)
		return rc;
	orm_bind_text(st, 1, t->qname, -1, ORM_BIND_STATIC);
	orm_bind_text(st, 2, t->info->columns[t->autoinc]->name, -1, ORM_BIND_STATIC);
	rc = orm_stmt_step(st);
	if (rc == ORM_ROW) {
		const char *v = orm_column_text(st, 0, NULL);
		t->pg_identity_always = v && v[0] == 'a';
		rc = 0;
	} else if (rc == ORM_DONE) {
		rc = 0;
	}
	orm_stmt_free(st);
	return rc;
}

static int cmp_scc_rank(const orm_seed *s, const seed_scc *a)
{
	size_t i;
	int best = (int)s->nfiles + 1;

	for (i = 0; i < a->n; i++) {
		int r = min_file_rank(s, a->tables[i]);
		if (r < best)
			best = r;
	}
	return best;
}

static int plan_order(orm_seed *s)
{
	tarjan tj;
	size_t i, j, k, nseeded = 0;
	seed_scc *comps = NULL;
	int *placed = NULL, rc = 0;

	memset(&tj, 0, sizeof(tj));
	tj.s = s;
	tj.stack = orm__calloc(s->ntables ? s->ntables : 1, sizeof(*tj.stack));
	if (!tj.stack)
		return ORM_ENOMEM;
	/* visit in file order for a deterministic numbering */
	for (i = 0; i < s->nsources; i++) {
		seed_table *t = s->sources[i]->t;
		if (t->t_index < 0)
			strongconnect(&tj, t);
	}
	for (i = 0; i < s->ntables; i++)
		if (s->tables[i].seeded)
			nseeded++;
	comps = orm__calloc(tj.nscc ? (size_t)tj.nscc : 1, sizeof(*comps));
	placed = orm__calloc(tj.nscc ? (size_t)tj.nscc : 1, sizeof(int));
	s->order = orm__calloc(nseeded ? nseeded : 1, sizeof(*s->order));
	s->sccs = orm__calloc(tj.nscc ? (size_t)tj.nscc : 1, sizeof(*s->sccs));
	if (!comps || !placed || !s->order || !s->sccs) {
		rc = ORM_ENOMEM;
		goto out;
	}
	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		seed_scc *c;
		seed_table **nt;
		if (!t->seeded)
			continue;
		c = &comps[t->scc];
		nt = orm__realloc(c->tables, (c->n + 1) * sizeof(*nt));
		if (!nt) {
			rc = ORM_ENOMEM;
			goto out;
		}
		c->tables = nt;
		c->tables[c->n++] = t;
	}
	/* components parents first (Kahn), ties by the earliest file */
	for (k = 0; k < (size_t)tj.nscc; k++) {
		int pick = -1, best = 0;
		for (i = 0; i < (size_t)tj.nscc; i++) {
			int ready = 1;
			if (placed[i])
				continue;
			for (j = 0; j < comps[i].n && ready; j++) {
				seed_table *t = comps[i].tables[j];
				size_t f;
				for (f = 0; f < t->nfks; f++) {
					seed_table *p = t->fks[f].parent;
					if (p->seeded && p->scc != (int)i && !placed[p->scc])
						ready = 0;
				}
			}
			if (ready) {
				int r = cmp_scc_rank(s, &comps[i]);
				if (pick < 0 || r < best) {
					pick = (int)i;
					best = r;
				}
			}
		}
		if (pick < 0) { /* cannot happen: the condensation is acyclic */
			rc = orm__seed_errf(&s->err, ORM_ERROR, NULL, 0, 0, "internal error ordering tables");
			goto out;
		}
		placed[pick] = 1;
		s->sccs[s->nsccs++] = comps[pick];
		memset(&comps[pick], 0, sizeof(comps[pick]));
	}
	/* strategy per component */
	for (k = 0; k < s->nsccs; k++) {
		seed_scc *c = &s->sccs[k];
		int self = 0, acyclic;
		for (i = 0; i < c->n; i++) {
			seed_table *t = c->tables[i];
			for (j = 0; j < t->nfks; j++) {
				seed_fk *fk = &t->fks[j];
				fk->internal = fk->parent->seeded && fk->parent->scc == t->scc;
				if (fk->self)
					self = 1;
			}
		}
		c->cyclic = c->n > 1 || self;
		if (!c->cyclic) {
			c->strategy = SEED_PLAIN;
		} else {
			if ((acyclic = order_component(s, c->tables, c->n)) < 0) {
				rc = acyclic;
				goto out;
			}
			/* a NOT NULL self-reference also needs late checks */
			for (i = 0; i < c->n && acyclic; i++)
				for (j = 0; j < c->tables[i]->nfks; j++)
					if (c->tables[i]->fks[j].self && !c->tables[i]->fks[j].nullable)
						acyclic = 0;
			c->strategy = acyclic ? SEED_TWO_PHASE : SEED_DEFER;
		}
		for (i = 0; i < c->n; i++) {
			seed_table *t = c->tables[i];
			t->order = (int)s->norder;
			s->order[s->norder++] = t;
			if (s->d == ORM_DIALECT_POSTGRES && t->autoinc >= 0 && (rc = pg_identity(s, t)) < 0)
				goto out;
		}
		for (i = 0; i < c->n; i++) {
			seed_table *t = c->tables[i];
			for (j = 0; j < t->nfks; j++) {
				seed_fk *fk = &t->fks[j];
				if (!fk->internal)
					continue;
				if (c->strategy == SEED_DEFER) {
					fk->defer = 1;
					s->any_defer = 1;
					if (s->d == ORM_DIALECT_POSTGRES && (rc = pg_fk_deferrable(s, t, fk)) < 0)
						goto out;
				} else if (c->strategy == SEED_TWO_PHASE) {
					fk->back = fk->self || fk->parent->order >= t->order;
					if (fk->self)
						t->need_keys = 1;
				}
			}
		}
	}
out:
	if (comps) {
		for (i = 0; i < (size_t)tj.nscc; i++)
			orm__free(comps[i].tables);
	}
	orm__free(comps);
	orm__free(placed);
	orm__free(tj.stack);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the plan                                                             */

static int describe_fk(orm_buf *out, const seed_table *t, const seed_fk *fk)
{
	size_t i;

	orm_buf_printf(out, "%s(", t->name);
	for (i = 0; i < fk->n; i++)
		orm_buf_printf(out, "%s%s", i ? ", " : "", t->info->columns[fk->cols[i]]->name);
	orm_buf_printf(out, ") -> %s", fk->parent->name);
	return 0;
}

int orm__seed_pg_truncate_all(const orm_seed *s)
{
	size_t i, j;

	if (s->d != ORM_DIALECT_POSTGRES || !s->norder)
		return 0;
	/* TRUNCATE needs every table referencing a truncated one in the same statement */
	for (i = 0; i < s->ntables; i++) {
		const seed_table *t = &s->tables[i];
		if (t->seeded)
			continue;
		for (j = 0; j < t->nfks; j++)
			if (t->fks[j].parent->seeded)
				return 0;
	}
	return 1;
}

int orm_seed_plan(const orm_seed *s, orm_buf *out)
{
	size_t i, j, k, nsql = 0, nfk = 0;
	int n = 1;

	if (!s || !out)
		return ORM_EINVAL;
	if (!s->prepared)
		return ORM_EMISUSE;
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].format == ORM_SEED_SQL)
			nsql++;
	orm_buf_printf(out, "seed plan (%s): %zu table%s, %llu row%s from %zu file%s\n",
		       orm_dialect_name(s->d), s->norder, s->norder == 1 ? "" : "s",
		       (unsigned long long)s->rows_total, s->rows_total == 1 ? "" : "s",
		       s->nfiles, s->nfiles == 1 ? "" : "s");
	orm_buf_printf(out, "one transaction; on conflict: %s\n",
		       s->opts.on_conflict == ORM_SEED_INSERT ? "error (plain insert)"
		       : s->opts.on_conflict == ORM_SEED_SKIP ? "keep existing rows (by primary or natural key)"
		       : "update existing rows (upsert by primary or natural key)");
	if (s->opts.truncate && s->norder) {
		orm_buf_puts(out, orm__seed_pg_truncate_all(s) ? "truncate first (one TRUNCATE):"
			     : "truncate first (DELETE, children first):");
		for (i = s->norder; i-- > 0;)
			orm_buf_printf(out, " %s", s->order[i]->name);
		orm_buf_puts(out, "\n");
	}
	if (nsql && s->opts.sql_first) {
		orm_buf_puts(out, "sql files (before the data):");
		for (i = 0; i < s->nfiles; i++)
			if (s->files[i].format == ORM_SEED_SQL)
				orm_buf_printf(out, " %s", s->files[i].name);
		orm_buf_puts(out, "\n");
	}
	orm_buf_puts(out, "load order (parents first):\n");
	for (k = 0; k < s->nsccs; k++) {
		const seed_scc *c = &s->sccs[k];
		for (i = 0; i < c->n; i++) {
			const seed_table *t = c->tables[i];
			orm_buf_printf(out, "  %3d. %-24s %8llu row%s  (", n++, t->name,
				       (unsigned long long)t->nrows, t->nrows == 1 ? " " : "s");
			for (j = 0; j < t->nsources; j++)
				orm_buf_printf(out, "%s%s", j ? ", " : "", t->sources[j]->file->name);
			orm_buf_puts(out, ")\n");
		}
		if (c->strategy == SEED_TWO_PHASE) {
			for (i = 0; i < c->n; i++) {
				const seed_table *t = c->tables[i];
				for (j = 0; j < t->nfks; j++) {
					const seed_fk *fk = &t->fks[j];
					if (!fk->back)
						continue;
					orm_buf_printf(out, "       %s ", fk->self ? "self-reference" : "cycle");
					describe_fk(out, t, fk);
					orm_buf_printf(out, "%s\n", fk->self
						       ? ": a row whose parent row is not loaded yet is inserted with NULL there, then updated"
						       : ": inserted as NULL, set by UPDATE once the cycle is loaded");
				}
			}
		} else if (c->strategy == SEED_DEFER) {
			orm_buf_puts(out, "       cycle through NOT NULL columns:");
			for (i = 0; i < c->n; i++)
				for (j = 0; j < c->tables[i]->nfks; j++)
					if (c->tables[i]->fks[j].defer) {
						orm_buf_puts(out, " ");
						describe_fk(out, c->tables[i], &c->tables[i]->fks[j]);
						orm_buf_puts(out, ";");
					}
			orm_buf_puts(out, "\n       checked late: ");
			if (s->d == ORM_DIALECT_SQLITE) {
				orm_buf_puts(out, "PRAGMA defer_foreign_keys = ON while they load, then every key "
					     "verified by query before commit\n");
			} else if (s->d == ORM_DIALECT_MARIADB) {
				orm_buf_puts(out, "SET foreign_key_checks = 0 for this session while they load, "
					     "then every key verified by query before commit\n");
			} else {
				int first = 1;
				for (i = 0; i < c->n; i++)
					for (j = 0; j < c->tables[i]->nfks; j++) {
						const seed_fk *fk = &c->tables[i]->fks[j];
						if (!fk->defer)
							continue;
						orm_buf_printf(out, "%s%s: %s", first ? "" : "; ", fk->info->name,
							       fk->pg_deferrable ? "SET CONSTRAINTS DEFERRED"
							       : "ALTER CONSTRAINT DEFERRABLE INITIALLY DEFERRED in the "
								 "transaction, back to NOT DEFERRABLE before commit");
						first = 0;
					}
				orm_buf_puts(out, "\n");
			}
		}
	}
	if (nsql && !s->opts.sql_first) {
		orm_buf_puts(out, "sql files (after the data):");
		for (i = 0; i < s->nfiles; i++)
			if (s->files[i].format == ORM_SEED_SQL)
				orm_buf_printf(out, " %s", s->files[i].name);
		orm_buf_puts(out, "\n");
	}
	for (i = 0; i < s->ntables; i++) {
		const seed_table *t = &s->tables[i];
		for (j = 0; j < t->nfks; j++)
			if (t->seeded || (s->opts.truncate && t->fks[j].parent->seeded))
				nfk++;
	}
	orm_buf_printf(out, "before commit: verify %zu foreign key%s", nfk, nfk == 1 ? "" : "s");
	if (s->d == ORM_DIALECT_POSTGRES)
		orm_buf_puts(out, "; move sequences past the highest loaded id");
	orm_buf_puts(out, "\n");
	return out->ptr ? 0 : ORM_ENOMEM;
}

/* ------------------------------------------------------------------ */
/* open / free                                                          */

static void mirror_error(orm_seed *s)
{
	if (s->err.pub.code && s->conn)
		orm__err(s->conn, s->err.pub.code, "%s", s->err.pub.message);
}

int orm_seed_open(orm_seed **out, orm_conn *conn, const char *dir, const orm_seed_options *opts)
{
	orm_seed *s;
	size_t i;
	int rc;

	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!conn || (opts && opts->version != ORM_SEED_OPTIONS_VERSION))
		return ORM_EINVAL;
	s = orm__calloc(1, sizeof(*s));
	if (!s)
		return ORM_ENOMEM;
	orm__seed_err_init(&s->err);
	s->conn = conn;
	s->d = orm_conn_dialect(conn);
	if (opts)
		s->opts = *opts;
	else {
		orm_seed_options def = ORM_SEED_OPTIONS_INIT;
		s->opts = def;
	}
	s->opts.files = NULL;
	s->opts.schema = NULL;
	if (dir && !(s->dir = orm__strdup(dir)))
		goto oom;
	if (opts && opts->schema && !(s->schema = orm__strdup(opts->schema)))
		goto oom;
	if (opts && opts->nfiles) {
		s->files_opt = orm__calloc(opts->nfiles, sizeof(char *));
		if (!s->files_opt)
			goto oom;
		s->opts.nfiles = opts->nfiles;
		for (i = 0; i < opts->nfiles; i++)
			if (!opts->files || !opts->files[i] || !(s->files_opt[i] = orm__strdup(opts->files[i]))) {
				if (!opts->files || !opts->files[i]) {
					orm_seed_free(s);
					return ORM_EINVAL;
				}
				goto oom;
			}
	}
	s->max_params = (size_t)orm_conn_max_params(conn);
	*out = s;

	if ((rc = list_files(s)) < 0)
		goto fail;
	if ((rc = orm_schema_inspect(&s->info, conn, s->schema)) < 0) {
		rc = orm__seed_errf(&s->err, rc, NULL, 0, 0, "reading the schema: %s", orm_conn_errmsg(conn));
		goto fail;
	}
	if ((rc = build_tables(s)) < 0)
		goto fail;
	if ((rc = pass1_files(s)) < 0)
		goto fail;
	if ((rc = check_refs(s)) < 0)
		goto fail;
	if ((rc = plan_order(s)) < 0)
		goto fail;
	s->prepared = 1;
	return 0;
fail:
	if (rc == ORM_ENOMEM && !s->err.pub.code)
		orm__seed_errf(&s->err, ORM_ENOMEM, NULL, 0, 0, "out of memory");
	else if (!s->err.pub.code)
		orm__seed_errf(&s->err, rc, NULL, 0, 0, "%s", orm_conn_errmsg(conn));
	mirror_error(s);
	return rc;
oom:
	orm_seed_free(s);
	return ORM_ENOMEM;
}

const orm_seed_error *orm_seed_last_error(const orm_seed *s)
{
	static const orm_seed_error none = { 0, "", "", 0, 0, "", "", "" };

	return s ? &s->err.pub : &none;
}

size_t orm_seed_table_count(const orm_seed *s)
{
	return s ? s->norder : 0;
}

const char *orm_seed_table_at(const orm_seed *s, size_t i, uint64_t *rows, uint64_t *loaded)
{
	if (!s || i >= s->norder)
		return NULL;
	if (rows)
		*rows = s->order[i]->nrows;
	if (loaded)
		*loaded = s->order[i]->loaded;
	return s->order[i]->name;
}

void orm_seed_free(orm_seed *s)
{
	size_t i, j;

	if (!s)
		return;
	for (i = 0; i < s->ntables; i++) {
		seed_table *t = &s->tables[i];
		HASH_CLEAR(hh, t->labels);
		orm__free(t->kslots);
		for (j = 0; j < t->nfks; j++) {
			orm__free(t->fks[j].cols);
			orm__free(t->fks[j].ref_cols);
		}
		orm__free(t->fks);
		orm__free(t->qname);
		orm__free(t->fk_of_col);
		orm__free(t->fk_pos_of_col);
		orm__free(t->refpos_of_col);
		orm__free(t->refcols);
		orm__free(t->pk);
		orm__free(t->sources);
	}
	orm__free(s->tables);
	for (i = 0; i < s->nsources; i++) {
		seed_source *src = s->sources[i];
		for (j = 0; j < src->nkey; j++)
			orm__free(src->key[j]);
		orm__free(src->key);
		orm__free(src->keycols);
		orm__free(src);
	}
	orm__free(s->sources);
	for (i = 0; i < s->nsccs; i++)
		orm__free(s->sccs[i].tables);
	orm__free(s->sccs);
	orm__free(s->order);
	for (i = 0; i < s->nfiles; i++) {
		orm__free(s->files[i].path);
		orm__free(s->files[i].name);
		orm__free(s->files[i].csv_table);
	}
	orm__free(s->files);
	for (i = 0; i < s->nrefs; i++)
		orm__free(s->refs[i].label);
	orm__free(s->refs);
	for (i = 0; i < s->opts.nfiles && s->files_opt; i++)
		orm__free(s->files_opt[i]);
	orm__free(s->files_opt);
	orm__free(s->dir);
	orm__free(s->schema);
	orm_schema_info_free(s->info);
	orm__seed_arena_free(&s->keep);
	orm__seed_err_dispose(&s->err);
	orm__free(s);
}

int orm_seed_execute(orm_seed *s)
{
	int rc;

	if (!s)
		return ORM_EINVAL;
	if (!s->prepared || s->executed)
		return orm__seed_errf(&s->err, ORM_EMISUSE, NULL, 0, 0,
				      s->executed ? "this seed run was already executed"
						  : "orm_seed_open() failed; nothing to execute");
	s->executed = 1;
	orm__seed_err_clear(&s->err);
	rc = orm__seed_load(s);
	if (rc < 0) {
		if (!s->err.pub.code)
			orm__seed_errf(&s->err, rc, NULL, 0, 0, "%s", orm_conn_errmsg(s->conn));
		mirror_error(s);
	}
	return rc;
}

int orm_seed_run(orm_conn *conn, const char *dir, const orm_seed_options *opts)
{
	orm_seed *s = NULL;
	int rc = orm_seed_open(&s, conn, dir, opts);

	if (rc == 0)
		rc = orm_seed_execute(s);
	orm_seed_free(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* seed make                                                            */

static int valid_name(const char *name)
{
	const char *p;

	if (!name || !*name || name[0] == '.' || strlen(name) > 200)
		return 0;
	for (p = name; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

static int mkdirs(const char *dir)
{
	char *p, *copy = orm__strdup(dir);
	int rc = 0;

	if (!copy)
		return ORM_ENOMEM;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) != 0 && errno != EEXIST)
			rc = ORM_EIO;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0777) != 0 && errno != EEXIST)
		rc = ORM_EIO;
	orm__free(copy);
	return rc;
}

int orm_seed_make(orm_buf *path, const char *dir, const char *name, orm_seed_format format)
{
	static const char csv_tpl[] =
		"# Rows for one table: the file name names it (a numeric prefix such as 01_ is\n"
		"# ignored). The first line that is not a comment is the header row of column\n"
		"# names; then one line per row. An empty field is NULL, \"\" is an empty string.\n"
		"# Optional: '# key: col' names a natural key to upsert by (needs a unique index).\n";
	static const char yaml_tpl[] =
		"# Rows for one or more tables: a mapping from table name to a list of rows.\n"
		"# A row may carry a label (_label: NAME); a foreign key column may refer to a\n"
		"# labelled row of the table it references with \"@NAME\" or {ref: NAME}.\n"
		"#\n"
		"# authors:\n"
		"#   - _label: alice\n"
		"#     name: Alice\n"
		"# posts:\n"
		"#   key: [slug]            # optional: upsert by this natural key\n"
		"#   rows:\n"
		"#     - slug: hello\n"
		"#       author_id: \"@alice\"\n";
	static const char sql_tpl[] =
		"-- SQL run as is, statement by statement, after the CSV and YAML seeds, inside\n"
		"-- the seed run's transaction.\n";
	const char *ext = format == ORM_SEED_CSV ? ".csv" : format == ORM_SEED_YAML ? ".yaml"
			  : format == ORM_SEED_SQL ? ".sql" : NULL;
	const char *tpl = format == ORM_SEED_CSV ? csv_tpl : format == ORM_SEED_YAML ? yaml_tpl : sql_tpl;
	orm_buf p = ORM_BUF_INIT;
	int fd, rc = 0;
	size_t len;

	if (!ext || !valid_name(name) || !dir || !*dir)
		return ORM_EINVAL;
	if ((rc = mkdirs(dir)) < 0)
		return rc;
	if (orm_buf_printf(&p, "%s/%s%s", dir, name,
			   ends_with(name, ext) || (format == ORM_SEED_YAML && ends_with(name, ".yml")) ? "" : ext) < 0)
		return ORM_ENOMEM;
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0) {
		rc = errno == EEXIST ? ORM_ECONFLICT : ORM_EIO;
		if (rc == ORM_ECONFLICT && path && orm_buf_puts(path, p.ptr) < 0)
			rc = ORM_ENOMEM;
		goto out;
	}
	len = strlen(tpl);
	if (write(fd, tpl, len) != (ssize_t)len)
		rc = ORM_EIO;
	if (close(fd) != 0)
		rc = ORM_EIO;
	if (rc == 0 && path && orm_buf_puts(path, p.ptr) < 0)
		rc = ORM_ENOMEM;
out:
	orm_buf_dispose(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* export                                                               */

static int value_text(orm_buf *out, const orm_value *v, int *is_null)
{
	size_t i;
	static const char hex[] = "0123456789abcdef";

	orm_buf_clear(out);
	*is_null = 0;
	switch (v->type) {
	case ORM_TYPE_NULL:
		*is_null = 1;
		return 0;
	case ORM_TYPE_BOOL:
		return orm_buf_puts(out, v->u.b ? "1" : "0");
	case ORM_TYPE_INT:
		return orm_buf_printf(out, "%lld", (long long)v->u.i);
	case ORM_TYPE_DOUBLE:
		return orm_buf_printf(out, "%.17g", v->u.d);
	case ORM_TYPE_BLOB:
		if (orm_buf_puts(out, "\\x") < 0)
			return ORM_ENOMEM;
		for (i = 0; i < v->u.s.len; i++) {
			unsigned char c = ((const unsigned char *)v->u.s.ptr)[i];
			char two[2] = { hex[c >> 4], hex[c & 15] };
			if (orm_buf_put(out, two, 2) < 0)
				return ORM_ENOMEM;
		}
		return 0;
	default:
		return orm_buf_put(out, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len);
	}
}

int orm_seed_export_table(orm_conn *conn, const char *table, const char *path,
			  orm_seed_format format, uint64_t *nrows)
{
	orm_table_info_handle *h = NULL;
	const orm_table_info *ti = NULL;
	orm_buf sql = ORM_BUF_INIT, line = ORM_BUF_INIT, val = ORM_BUF_INIT, tmp = ORM_BUF_INIT;
	orm_stmt *st = NULL;
	FILE *f = NULL;
	uint64_t n = 0;
	size_t i;
	int rc, ncols, direct = 0;
	orm_dialect d;

	if (nrows)
		*nrows = 0;
	if (!conn || !table || !path || (format != ORM_SEED_CSV && format != ORM_SEED_YAML))
		return ORM_EINVAL;
	d = orm_conn_dialect(conn);
	if ((rc = orm_schema_inspect_table(&h, conn, table)) < 0)
		return rc;
	ti = orm_table_info_get(h);
	if ((rc = orm_buf_puts(&sql, "SELECT * FROM ")) < 0 || (rc = orm_quote_ident(&sql, d, table)) < 0)
		goto out;
	for (i = 0; i < ti->nprimary; i++) {
		if ((rc = orm_buf_puts(&sql, i ? ", " : " ORDER BY ")) < 0 ||
		    (rc = orm__quote_part(&sql, d, ti->primary_key[i], strlen(ti->primary_key[i]))) < 0)
			goto out;
	}
	if ((rc = orm_prepare_uncached(&st, conn, sql.ptr)) < 0)
		goto out;
	{
		/* a regular file is replaced atomically (temporary file, rename); anything else
		 * (a terminal, a pipe, /dev/stdout) is written in place. /dev/stdout may
		 * resolve to a regular file (output redirected to one): never rename over
		 * it (that would replace the /dev entry), and append, so that what the
		 * caller already wrote there stays */
		struct stat sb;
		if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0 ||
		    (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)))
			direct = 1;
	}
	if (orm_buf_printf(&tmp, direct ? "%s" : "%s.tmp%ld", path, (long)getpid()) < 0) {
		rc = ORM_ENOMEM;
		goto out;
	}
	f = fopen(tmp.ptr, direct ? "ab" : "wb");
	if (!f) {
		rc = orm__err(conn, ORM_EIO, "%s: cannot write: %s", tmp.ptr, strerror(errno));
		goto out;
	}
	ncols = (int)ti->ncolumns;
	if (format == ORM_SEED_CSV) {
		for (i = 0; i < ti->ncolumns; i++)
			if ((rc = orm__seed_csv_field(&line, ti->columns[i]->name,
						      strlen(ti->columns[i]->name), i == 0)) < 0)
				goto out;
		if ((rc = orm_buf_puts(&line, "\n")) < 0)
			goto out;
	} else {
		if ((rc = orm__seed_yaml_scalar(&line, ti->name, strlen(ti->name))) < 0 ||
		    (rc = orm_buf_puts(&line, ":\n")) < 0)
			goto out;
	}
	while ((rc = orm_stmt_step(st)) == ORM_ROW) {
		int c;
		if (ncols != orm_column_count(st))
			ncols = orm_column_count(st);
		for (c = 0; c < ncols; c++) {
			orm_value v;
			int is_null;
			const char *name = orm_column_name(st, c);
			if ((rc = orm_column_value(st, c, &v)) < 0)
				goto out;
			if ((rc = value_text(&val, &v, &is_null)) < 0)
				goto out;
			if (format == ORM_SEED_CSV) {
				rc = orm__seed_csv_field(&line, is_null ? NULL : val.ptr ? val.ptr : "",
							 is_null ? 0 : val.size, c == 0);
			} else {
				rc = orm_buf_puts(&line, c == 0 ? "  - " : "    ");
				if (rc >= 0)
					rc = orm__seed_yaml_scalar(&line, name, strlen(name));
				if (rc >= 0)
					rc = orm_buf_puts(&line, ": ");
				if (rc >= 0)
					rc = is_null ? orm_buf_puts(&line, "null")
					     : v.type == ORM_TYPE_INT || v.type == ORM_TYPE_BOOL ||
					       (v.type == ORM_TYPE_DOUBLE && isfinite(v.u.d))
					     ? orm_buf_put(&line, val.ptr, val.size) /* plain numbers */
					     : orm__seed_yaml_scalar(&line, val.ptr ? val.ptr : "", val.size);
				if (rc >= 0)
					rc = orm_buf_puts(&line, "\n");
			}
			if (rc < 0)
				goto out;
		}
		if (format == ORM_SEED_CSV && (rc = orm_buf_puts(&line, "\n")) < 0)
			goto out;
		n++;
		if (line.size > 65536) {
			if (fwrite(line.ptr, 1, line.size, f) != line.size) {
				rc = orm__err(conn, ORM_EIO, "%s: write error", tmp.ptr);
				goto out;
			}
			orm_buf_clear(&line);
		}
	}
	if (rc != ORM_DONE)
		goto out;
	rc = 0;
	if (format == ORM_SEED_YAML && n == 0 && (rc = orm_buf_puts(&line, "  []\n")) < 0)
		goto out;
	if (line.size && fwrite(line.ptr, 1, line.size, f) != line.size) {
		rc = orm__err(conn, ORM_EIO, "%s: write error", tmp.ptr);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = orm__err(conn, ORM_EIO, "%s: write error", tmp.ptr);
		goto out;
	}
	f = NULL;
	if (!direct && rename(tmp.ptr, path) != 0) {
		rc = orm__err(conn, ORM_EIO, "%s: cannot rename to %s: %s", tmp.ptr, path, strerror(errno));
		goto out;
	}
	if (nrows)
		*nrows = n;
out:
	if (f)
		fclose(f);
	if (rc < 0 && tmp.ptr && !direct)
		remove(tmp.ptr);
	orm_stmt_free(st);
	orm_table_info_free(h);
	orm_buf_dispose(&sql);
	orm_buf_dispose(&line);
	orm_buf_dispose(&val);
	orm_buf_dispose(&tmp);
	return rc;
}
