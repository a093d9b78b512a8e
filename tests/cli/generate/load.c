/*
 * load URL FILE...: run each SQL file (several statements) on the
 * database, in order, on one connection. tests/cli/generate.sh loads the
 * sample databases with it, so the test needs no database shell.
 */
#include <stdio.h>
#include <stdlib.h>

#include <orm.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)len + 1)) != NULL) {
		if (fread(text, 1, (size_t)len, f) != (size_t)len) {
			free(text);
			text = NULL;
		} else {
			text[len] = '\0';
		}
	}
	fclose(f);
	return text;
}

int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	int i, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: load URL FILE...\n");
		return 64;
	}
	if (orm_open(&db, argv[1]) < 0) {
		fprintf(stderr, "load: %s\n", orm_conn_errmsg(db));
		orm_close(db);
		return 69;
	}
	for (i = 2; i < argc && rc == 0; i++) {
		char *sql = slurp(argv[i]);
		if (!sql) {
			fprintf(stderr, "load: cannot read %s\n", argv[i]);
			rc = 66;
		} else if (orm_exec(db, sql) < 0) {
			fprintf(stderr, "load: %s: %s\n", argv[i], orm_conn_errmsg(db));
			rc = 65;
		}
		free(sql);
	}
	orm_close(db);
	return rc;
}
