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
#include <strings.h>
#include <cmocka.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/*
 * Skipping one test of a group, reported as a skip. cmocka 1.1.5 prints a
 * test that called skip() as "not ok N # SKIP name" in TAP, and automake's
 * TAP driver counts a "not ok" as a failure whatever its directive (make
 * distcheck without servers failed). A test calls orm_test_skip("why");
 * main runs its tests with orm_test_run_group(), which turns those lines
 * into "ok N # SKIP name: why", as the shell tests write theirs.
 */
#define ORM_TEST_SKIP_MARK "# orm-test-skip: "

static inline void orm_test_skip(const char *why)
{
	/* on stdout, like cmocka's TAP lines, so it comes just before the test's */
	printf(ORM_TEST_SKIP_MARK "%s\n", why);
	fflush(stdout);
	skip();
}

/*
 * cmocka_run_group_tests(), with skips reported as skips. With TAP output
 * (CMOCKA_MESSAGE_OUTPUT=TAP, as `make check` sets) the group runs in a
 * child process; its output is copied line by line as it comes, a skipped
 * test's line rewritten, and the child's exit status returned (a child
 * killed by a signal: a failure, its output so far kept). Other output
 * formats print skips correctly already: the group runs in this process.
 */
#define orm_test_run_group(tests, setup, teardown) \
	orm_test_run_group_(#tests, (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown))

static inline int orm_test_run_group_(const char *name, const struct CMUnitTest *tests, size_t n,
				      CMFixtureFunction setup, CMFixtureFunction teardown)
{
	const char *out = getenv("CMOCKA_MESSAGE_OUTPUT");
	char line[4096], why[1024] = "", rest[4096];
	size_t marklen = strlen(ORM_TEST_SKIP_MARK);
	unsigned num;
	int fds[2], status = 0;
	pid_t pid;
	FILE *in;

	if (!out || strcasecmp(out, "TAP") != 0)
		return _cmocka_run_group_tests(name, tests, n, setup, teardown);
	fflush(stdout);
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		printf("1..1\nnot ok 1 - %s: cannot start the tests (pipe, fork)\n", name);
		return 1;
	}
	if (pid == 0) {
		int failed;
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(99);
		close(fds[1]);
		failed = _cmocka_run_group_tests(name, tests, n, setup, teardown);
		fflush(stdout);
		_exit(failed ? 1 : 0);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, ORM_TEST_SKIP_MARK, marklen) == 0) {
			snprintf(why, sizeof(why), "%.1000s", line + marklen);
			continue;
		}
		if (sscanf(line, "not ok %u # SKIP %4095[^\n]", &num, rest) == 2) {
			printf("ok %u # SKIP %s%s%s\n", num, rest, *why ? ": " : "", why);
			why[0] = '\0';
		} else {
			printf("%s\n", line);
		}
		fflush(stdout);
	}
	if (in)
		fclose(in);
	else
		close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFSIGNALED(status)) {
		printf("# %s: the tests died of signal %d\n", name, WTERMSIG(status));
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
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
