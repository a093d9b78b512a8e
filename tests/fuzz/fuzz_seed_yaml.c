/* The YAML seed reader (orm__seed_yaml_read), streaming from a file holding the input. */
#include "fuzz.h"
#include "fuzz_seed_reader.h"

static int read_all(const char *path, const char *table, const orm__seed_reader_cb *cb, orm__seed_err *err)
{
	(void)table;
	return orm__seed_yaml_read(path, NULL, cb, err);
}

static int read_one(const char *path, const char *table, const orm__seed_reader_cb *cb, orm__seed_err *err)
{
	return orm__seed_yaml_read(path, table, cb, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size, ".yaml");

	fuzz_seed_read(read_all, path, NULL);
	fuzz_seed_read(read_one, path, "users"); /* the path that skips other tables' rows */
	return 0;
}
