/*
 * Shared helpers for liborm's tests (cmocka, TAP output through automake's
 * tap-driver). Include after the standard headers cmocka needs.
 */
#ifndef ORM_TESTUTIL_H
#define ORM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "orm.h"

/* Assert an orm_ call returned `expected`; on failure print the connection's error. */
#define assert_orm_rc(conn, expr, expected) do { \
	int rc__ = (expr); \
	if (rc__ != (expected)) \
		print_error("%s returned %d (%s), expected %d: %s\n", #expr, rc__, \
			    orm_strerror(rc__), (expected), orm_conn_errmsg(conn)); \
	assert_int_equal(rc__, (expected)); \
} while (0)
#define assert_orm_ok(conn, expr) assert_orm_rc(conn, expr, 0)

/* Whether we run in CI, where a missing server is a failure, not a skip. */
static inline int orm_test_in_ci(void)
{
	const char *ci = getenv("CI");
	return ci && strcmp(ci, "true") == 0;
}

/*
 * The database URL this test process runs on: ORM_TEST_URL, set by
 * tests/integration/run.sh. When unset, print a TAP plan that skips the
 * whole program (or fails in CI) and exit.
 */
static inline const char *orm_test_url_or_skip(void)
{
	const char *url = getenv("ORM_TEST_URL");
	if (url && *url)
		return url;
	if (orm_test_in_ci()) {
		printf("1..1\nnot ok 1 - ORM_TEST_URL is not set; CI requires every database\n");
		exit(1);
	}
	printf("1..0 # SKIP ORM_TEST_URL not set (run through tests/integration/run.sh)\n");
	exit(0);
}

/* Path to ../shared/data, or NULL (tests that need it skip when absent). */
static inline const char *orm_test_shared_data(void)
{
	static char path[4096];
	const char *src = getenv("ORM_TEST_SRCDIR");
	snprintf(path, sizeof(path), "%s/../shared/data", src ? src : ".");
	FILE *f;
	char probe[4200];
	snprintf(probe, sizeof(probe), "%s/README.md", path);
	f = fopen(probe, "r");
	if (!f)
		return NULL;
	fclose(f);
	return path;
}

#endif
