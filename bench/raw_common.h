/*
 * Plain structs and helpers of the hand-written sides (bench/raw_*.c):
 * what a program without an ORM keeps the rows in.
 */
#ifndef BENCH_RAW_COMMON_H
#define BENCH_RAW_COMMON_H

#include "bench.h"

struct raw_user {
	int64_t id;
	char email[256];
	char name[256];
	int32_t age;
};

/* copy len bytes of s (NULL: empty) into a buffer of cap bytes, truncating */
void raw_copy(char *dst, size_t cap, const char *s, size_t len);
uint64_t raw_user_check(const struct raw_user *u);

struct raw_post {
	int64_t id;
	int64_t user_id;
	const char *title, *body;
	size_t title_len, body_len;
	struct raw_tag *tags;
	size_t ntags;
};

struct raw_tag {
	int64_t id;
	const char *name;
	size_t name_len;
};

/* a growing array of posts, strings in an arena */
typedef struct raw_posts {
	struct raw_post *v;
	size_t n, cap;
	bench_arena arena;
} raw_posts;
struct raw_post *raw_posts_add(raw_posts *c);
uint64_t raw_posts_check(const raw_posts *c);
void raw_posts_free(raw_posts *c);

/* users -> posts -> tags, filled from three result sets */
struct raw_guser {
	int64_t id;
	const char *email, *name;
	size_t email_len, name_len;
	int32_t age;
	struct raw_post *posts;
	size_t nposts;
};

struct raw_link {
	size_t post;  /* index in posts */
	int64_t tag_id;
	const char *name;
	size_t name_len;
};

typedef struct raw_graph {
	struct raw_guser *users;
	size_t nusers, capusers;
	raw_posts in;           /* posts as they came */
	struct raw_post *posts; /* grouped by user */
	struct raw_link *links;
	size_t nlinks, caplinks;
	struct raw_tag *tags;
	bench_map user_ix, post_ix;
	bench_arena arena;
} raw_graph;

void raw_graph_init(raw_graph *g);
int raw_graph_user(raw_graph *g, int64_t id, const char *email, size_t elen, const char *name,
		   size_t nlen, int32_t age);
int raw_graph_post(raw_graph *g, int64_t id, int64_t user_id, const char *title, size_t tlen,
		   const char *body, size_t blen);
int raw_graph_posts_done(raw_graph *g);
int raw_graph_tag(raw_graph *g, int64_t post_id, int64_t tag_id, const char *name, size_t len);
int raw_graph_tags_done(raw_graph *g);
/* checksum as the liborm side computes it; *ntags: tags loaded */
uint64_t raw_graph_check(const raw_graph *g, int64_t *ntags);
void raw_graph_free(raw_graph *g);

#endif
