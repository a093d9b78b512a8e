/*
 * Identifier quoting (orm_quote_ident) and the query builder's use of it.
 * Input: "TABLE\nCOLUMN\nVALUE" (missing parts are empty).
 * Properties: a quoted identifier reads back as exactly the input (no
 * byte escapes its quotes); a compiled query holds the quoted column and
 * never the value, which travels as a bound parameter.
 */
#include "fuzz.h"

/* Undo orm_quote_ident: parts "q...q" (doubled q inside) joined by '.', or a last bare '*'. */
static int unquote(const char *s, char q, char *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		if (*s == '*' && s[1] == '\0') {
			if (n + 1 >= cap)
				return -1;
			out[n++] = '*';
			break;
		}
		if (*s++ != q)
			return -1;
		for (;;) {
			if (*s == '\0')
				return -1;
			if (*s == q) {
				if (s[1] == q) {
					s += 2;
					if (n + 1 >= cap)
						return -1;
					out[n++] = q;
					continue;
				}
				s++;
				break;
			}
			if (n + 1 >= cap)
				return -1;
			out[n++] = *s++;
		}
		if (*s == '\0')
			break;
		if (*s++ != '.' || n + 1 >= cap)
			return -1;
		out[n++] = '.';
	}
	out[n] = '\0';
	return 0;
}

static void check_quote(orm_dialect d, const char *ident)
{
	orm_buf b = ORM_BUF_INIT;
	char q = d == ORM_DIALECT_MARIADB ? '`' : '"';
	int rc = orm_quote_ident(&b, d, ident);

	if (rc == 0) {
		size_t cap = 2 * strlen(ident) + 8;
		char *back = malloc(cap);
		FUZZ_CHECK(back && b.ptr);
		FUZZ_CHECK(unquote(b.ptr, q, back, cap) == 0);
		FUZZ_CHECK(strcmp(back, ident) == 0);
		free(back);
	} else {
		FUZZ_CHECK(rc == ORM_EINVAL || rc == ORM_ENOMEM);
		FUZZ_CHECK(b.size == 0);
	}
	orm_buf_dispose(&b);
}

static void check_query(orm_dialect d, const char *table, const char *col, const char *value)
{
	orm_query *q = orm_query_new(table);
	orm_buf sql = ORM_BUF_INIT, qcol = ORM_BUF_INIT, qtab = ORM_BUF_INIT;
	const orm_value *params = NULL;
	int nparams = 0, rc;

	if (!q)
		return;
	orm_query_select(q, col);
	orm_query_where(q, col, "=", orm_text(value));
	orm_query_order_by(q, col, 0);
	rc = orm_query_compile(q, d, &sql, &params, &nparams);
	if (rc == 0) {
		FUZZ_CHECK(orm_quote_ident(&qcol, d, col) == 0);
		FUZZ_CHECK(strstr(sql.ptr, qcol.ptr) != NULL);
		FUZZ_CHECK(nparams == 1 && params[0].type == ORM_TYPE_TEXT);
		/* a distinctive value is never pasted into the SQL (unless the quoted names hold it) */
		orm_buf_clear(&qtab);
		if (strlen(value) >= 8 && orm_quote_ident(&qtab, d, table) == 0 &&
		    !strstr(qtab.ptr, value) && !strstr(qcol.ptr, value))
			FUZZ_CHECK(strstr(sql.ptr, value) == NULL);
	} else {
		FUZZ_CHECK(orm_query_errmsg(q) != NULL);
	}
	orm_buf_dispose(&sql);
	orm_query_free(q);

	/* the same names through INSERT and UPDATE */
	q = orm_query_new(table);
	if (q) {
		const char *cols[1] = { col };
		orm_value v = orm_text(value);
		orm_query_insert(q, cols, 1);
		orm_query_values(q, &v);
		(void)orm_query_to_sql(q, d, &sql);
		orm_query_free(q);
	}
	orm_buf_dispose(&sql);
	q = orm_query_new(table);
	if (q) {
		orm_query_update(q);
		orm_query_set(q, col, orm_text(value));
		orm_query_where_null(q, col);
		(void)orm_query_compile(q, d, &sql, NULL, NULL);
		orm_query_free(q);
	}
	orm_buf_dispose(&sql);
	orm_buf_dispose(&qcol);
	orm_buf_dispose(&qtab);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const orm_dialect dialects[] = { ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB };
	char *s = fuzz_cstr(data, size);
	char *table = s, *col = "", *value = "", *nl;
	size_t i;

	if ((nl = strchr(table, '\n'))) {
		*nl = '\0';
		col = nl + 1;
		if ((nl = strchr(col, '\n'))) {
			*nl = '\0';
			value = nl + 1;
		}
	}
	for (i = 0; i < 3; i++) {
		check_quote(dialects[i], table);
		check_quote(dialects[i], col);
		check_query(dialects[i], table, col, value);
	}
	free(s);
	return 0;
}
