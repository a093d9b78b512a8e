/* check(): one "ok - ..." / "not ok - ..." line for tests/cli/generate.sh,
 * which numbers them; `failed` becomes the program's exit status. */
#ifndef GENERATE_CHECK_H
#define GENERATE_CHECK_H

#include <stdio.h>

static int failed;

static void check(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (!ok)
		failed = 1;
}

#endif
