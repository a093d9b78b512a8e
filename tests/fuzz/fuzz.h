/*
 * Shared by the libFuzzer targets of tests/fuzz/ (built by run.sh with
 * clang -fsanitize=fuzzer,address,undefined against the library sources).
 * A target aborts (and libFuzzer keeps the input) when a property fails.
 */
#ifndef ORM_FUZZ_H
#define ORM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orm.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* A NUL-terminated copy of the input (the input itself may hold NULs). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Write the input to a file of this process (the seed readers stream
 * from a path); the same file is overwritten for every input and left
 * behind (one per target and process, a few KiB).
 */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[256];
	FILE *f;

	if (!path[0]) {
		/* tmpfs when there is one: a disk file system makes each run 4x slower */
		const char *tmp = getenv("ORM_FUZZ_TMPDIR");
		if (!tmp || !*tmp)
			tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof(path) - 16, "%s/orm-fuzz-%ld", tmp, (long)getpid());
	}
	{
		static char full[300];
		snprintf(full, sizeof(full), "%s%s", path, suffix);
		f = fopen(full, "wb");
		if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
			abort();
		return full;
	}
}

#endif
