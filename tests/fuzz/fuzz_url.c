/* The URL parser (orm_url_parse) and its redaction (orm_url_redacted). */
#include "fuzz.h"
#include "orm/sys/driver.h"

/* length of s when it is all ASCII letters and digits, else 0 */
static size_t alnum_len(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
			return 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char err[256];
	orm_url *u = NULL;
	orm_buf red = ORM_BUF_INIT;
	int rc;

	err[0] = '\0';
	rc = orm_url_parse(&u, s, err, sizeof(err));
	if (rc == 0) {
		size_t i;
		FUZZ_CHECK(u && u->scheme && u->database);
		for (i = 0; i < u->nopts; i++)
			FUZZ_CHECK(u->opt_keys[i] && u->opt_values[i]);
		(void)orm_url_opt(u, "sslmode");
		/* a password of 6+ letters and digits, written as is (":PASSWORD@")
		   and nowhere else in the URL, never shows in its redacted form */
		if (u->password && alnum_len(u->password) >= 6 && orm_url_redacted(&red, s) == 0 && red.ptr) {
			const char *first = strstr(s, u->password);
			if (first && first > s && first[-1] == ':' && first[strlen(u->password)] == '@' &&
			    !strstr(first + 1, u->password))
				FUZZ_CHECK(!strstr(red.ptr, u->password));
		}
	} else {
		FUZZ_CHECK(rc == ORM_EURL || rc == ORM_EINVAL || rc == ORM_ENOMEM || rc == ORM_ENODRIVER);
		FUZZ_CHECK(err[0] != '\0' || rc == ORM_ENOMEM);
		orm_buf_clear(&red);
		(void)orm_url_redacted(&red, s);
	}
	orm_buf_dispose(&red);
	orm_url_free(u);
	free(s);
	return 0;
}
