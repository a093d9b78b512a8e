/* The YAML migration reader (orm__yaml_migration_parse), on every dialect, from memory. */
#include "fuzz.h"
#include "migrate/migrate_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const orm_dialect dialects[] = { ORM_DIALECT_SQLITE, ORM_DIALECT_POSTGRES, ORM_DIALECT_MARIADB };
	size_t i;

	for (i = 0; i < 3; i++) {
		orm__mig_ops up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
		orm_buf err = ORM_BUF_INIT;
		int has_down = 0, no_tx = 0;
		int rc = orm__yaml_migration_parse((const char *)data, size, "20240101000000_fuzz.yaml",
						   dialects[i], &up, &down, &has_down, &no_tx, &err);
		/* a failure always says why, naming the file */
		if (rc < 0 && rc != ORM_ENOMEM)
			FUZZ_CHECK(err.ptr && strstr(err.ptr, "20240101000000_fuzz.yaml"));
		orm__mig_ops_dispose(&up);
		orm__mig_ops_dispose(&down);
		orm_buf_dispose(&err);
	}
	return 0;
}
