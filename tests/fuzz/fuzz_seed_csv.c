/* The CSV seed reader (orm__seed_csv_read), streaming from a file holding the input. */
#include "fuzz.h"
#include "fuzz_seed_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_seed_read(orm__seed_csv_read, fuzz_file(data, size, ".csv"), "fuzz_table");
	return 0;
}
