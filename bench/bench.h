/*
 * The benchmark of bench/WORKLOAD (../shared/bench/WORKLOAD.md): six
 * phases run once through liborm's models and once by hand on the raw
 * driver, each side in its own forked child. Shared declarations.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

enum {
	PH_INSERT_MODELS,
	PH_INSERT_BATCH,
	PH_FETCH_BY_ID,
	PH_FETCH_COLLECTION,
	PH_EAGER_LOAD,
	PH_UPDATE_MODELS,
	NPHASES
};

extern const char *const bench_phase_names[NPHASES];

/* what one side measured for one phase */
typedef struct bench_phase {
	double secs;    /* wall clock */
	double cpu;     /* CPU time of this process (user + system) */
	int64_t rows;
	uint64_t check; /* checksum both sides must agree on */
} bench_phase;

/* what one side reports to the parent (through a pipe) */
typedef struct bench_result {
	bench_phase ph[NPHASES];
	long eager_queries; /* statements run by the eager load (liborm side only) */
	int ok;
	char err[512];
} bench_result;

typedef struct bench_cfg {
	const char *url;
	const char *raw_url; /* the raw side's database in paired mode; NULL: one side after the other on url */
	int scale;
	int64_t U; /* users */
	int64_t P; /* posts */
	int64_t T; /* tags */
} bench_cfg;

/* the body every post gets */
#define BENCH_BODY \
	"lorem ipsum dolor sit amet lorem ipsum dolor sit amet " \
	"lorem ipsum dolor sit amet lorem ipsum dolor sit amet "
/* tag k (0..2) of post p (0-based) */
#define BENCH_TAG_OF(cfg, p, k) (1 + ((p) * 7 + (k) * 13) % (cfg)->T)
/* rows per multi-row INSERT of the hand-written side */
#define BENCH_RAW_BATCH 500

/*
 * Called by a side just before it starts timing phase `phase` (PH_*).
 * In paired mode it waits for the parent's go, so that the two sides run
 * each phase one right after the other (bench.c, run_pair()); a no-op in
 * a side that runs alone.
 */
void bench_gate(int phase);

double bench_now(void);
/* CPU seconds (user + system) used by this process so far */
double bench_cpu(void);
/* record a failure in res (first one wins); returns -1 */
int bench_fail(bench_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* string checksum: length plus the first and last byte */
uint64_t bench_str_sum(const char *s, size_t len);

/* "sqlite:PATH", "sqlite://PATH" -> PATH (options dropped), malloc'd; NULL: out of memory */
char *bench_sqlite_path(const char *url);

/* a bump allocator for strings kept for the life of a phase */
typedef struct bench_arena {
	struct bench_chunk *head;
} bench_arena;
const char *bench_arena_dup(bench_arena *a, const char *s, size_t len);
void bench_arena_free(bench_arena *a);

/* an int64 -> index map (open addressing), for stitching rows to parents */
typedef struct bench_map {
	int64_t *keys;
	size_t *vals;
	size_t cap;
} bench_map;
int bench_map_init(bench_map *m, size_t n);
void bench_map_put(bench_map *m, int64_t key, size_t val);
/* @return the value or (size_t)-1 */
size_t bench_map_get(const bench_map *m, int64_t key);
void bench_map_free(bench_map *m);

/* the text of the INSERT of BENCH_RAW_BATCH (or n) rows of ncols columns;
 * dollar != 0 numbers placeholders $1.. (PostgreSQL). Caller frees. */
char *bench_insert_sql(const char *head, int ncols, int nrows, int dollar);

/* raw sides: run the six phases; 0 or -1 (detail in res->err) */
int bench_raw_sqlite(const bench_cfg *cfg, bench_result *res);
int bench_raw_pg(const bench_cfg *cfg, bench_result *res);
int bench_raw_mariadb(const bench_cfg *cfg, bench_result *res);

#endif
