/* The config reader (orm_config_parse) with ${VAR} interpolation, from memory. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* variables the corpus interpolates, one of them holding a secret */
	setenv("FUZZ_HOST", "db.internal", 1);
	setenv("FUZZ_PASSWORD", "p4ss-w0rd-SECRET", 1);
	setenv("DATABASE_URL", "postgres://u:p4ss-w0rd-SECRET@db.internal/app", 1);
	setenv("APP_DB_PASSWORD", "p4ss-w0rd-SECRET", 1);
	setenv("FUZZ_SELF", "${FUZZ_SELF}", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const envs[] = { NULL, "production", "test" };
	size_t e, i;

	for (e = 0; e < 3; e++) {
		orm_config *cfg = NULL;
		int rc = orm_config_parse(&cfg, (const char *)data, size, "ormtool.yaml", envs[e]);
		if (cfg) {
			const char *msg = orm_config_errmsg(cfg);
			/* an interpolated secret never shows in a message */
			if (msg && !memmem(data, size, "p4ss-w0rd-SECRET", 16))
				FUZZ_CHECK(!strstr(msg, "p4ss-w0rd-SECRET"));
			for (i = 0; rc == 0 && i < orm_config_db_count(cfg); i++) {
				const orm_config_db *db = orm_config_db_at(cfg, i);
				FUZZ_CHECK(db && db->name && db->url);
				(void)strlen(db->url);
				(void)strlen(db->migrations_dir);
				(void)strlen(db->seeds_dir);
			}
		}
		orm_config_free(cfg);
	}
	return 0;
}
