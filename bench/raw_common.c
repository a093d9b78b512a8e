/* Helpers of the hand-written sides: see raw_common.h. */
#include <stdlib.h>
#include <string.h>

#include "raw_common.h"

void raw_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (!s)
		len = 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(dst, s, len);
	dst[len] = '\0';
}

uint64_t raw_user_check(const struct raw_user *u)
{
	return (uint64_t)u->id + (uint64_t)u->age + bench_str_sum(u->email, strlen(u->email)) +
		bench_str_sum(u->name, strlen(u->name));
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct raw_post *raw_posts_add(raw_posts *c)
{
	struct raw_post *p;

	if (grow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v)) < 0)
		return NULL;
	p = &c->v[c->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

uint64_t raw_posts_check(const raw_posts *c)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct raw_post *p = &c->v[i];

		sum += (uint64_t)p->id + (uint64_t)p->user_id + bench_str_sum(p->title, p->title_len) +
			bench_str_sum(p->body, p->body_len);
	}
	return sum;
}

void raw_posts_free(raw_posts *c)
{
	free(c->v);
	bench_arena_free(&c->arena);
	memset(c, 0, sizeof(*c));
}

void raw_graph_init(raw_graph *g)
{
	memset(g, 0, sizeof(*g));
}

int raw_graph_user(raw_graph *g, int64_t id, const char *email, size_t elen, const char *name,
		   size_t nlen, int32_t age)
{
	struct raw_guser *u;

	if (grow((void **)&g->users, &g->capusers, g->nusers + 1, sizeof(*g->users)) < 0)
		return -1;
	u = &g->users[g->nusers++];
	memset(u, 0, sizeof(*u));
	u->id = id;
	u->email = bench_arena_dup(&g->arena, email, elen);
	u->email_len = elen;
	u->name = bench_arena_dup(&g->arena, name, nlen);
	u->name_len = name ? nlen : 0;
	u->age = age;
	return 0;
}

int raw_graph_post(raw_graph *g, int64_t id, int64_t user_id, const char *title, size_t tlen,
		   const char *body, size_t blen)
{
	struct raw_post *p = raw_posts_add(&g->in);

	if (!p)
		return -1;
	p->id = id;
	p->user_id = user_id;
	p->title = bench_arena_dup(&g->arena, title, tlen);
	p->title_len = tlen;
	p->body = bench_arena_dup(&g->arena, body, blen);
	p->body_len = blen;
	return 0;
}

/* group the posts by user (counting sort, stable) and index them by id */
int raw_graph_posts_done(raw_graph *g)
{
	size_t i, *fill;

	if (bench_map_init(&g->user_ix, g->nusers) < 0 ||
	    bench_map_init(&g->post_ix, g->in.n) < 0)
		return -1;
	for (i = 0; i < g->nusers; i++)
		bench_map_put(&g->user_ix, g->users[i].id, i);
	g->posts = malloc((g->in.n ? g->in.n : 1) * sizeof(*g->posts));
	fill = calloc(g->nusers + 1, sizeof(*fill));
	if (!g->posts || !fill) {
		free(fill);
		return -1;
	}
	for (i = 0; i < g->in.n; i++) {
		size_t u = bench_map_get(&g->user_ix, g->in.v[i].user_id);

		if (u == (size_t)-1) {
			free(fill);
			return -1;
		}
		g->users[u].nposts++;
	}
	for (i = 0; i < g->nusers; i++) {
		fill[i + 1] = fill[i] + g->users[i].nposts;
		g->users[i].posts = g->posts + fill[i];
	}
	for (i = 0; i < g->in.n; i++) {
		size_t u = bench_map_get(&g->user_ix, g->in.v[i].user_id), at = fill[u]++;

		g->posts[at] = g->in.v[i];
		bench_map_put(&g->post_ix, g->posts[at].id, at);
	}
	free(fill);
	free(g->in.v);
	g->in.v = NULL;
	return 0;
}

int raw_graph_tag(raw_graph *g, int64_t post_id, int64_t tag_id, const char *name, size_t len)
{
	struct raw_link *l;
	size_t p = bench_map_get(&g->post_ix, post_id);

	if (p == (size_t)-1)
		return -1;
	if (grow((void **)&g->links, &g->caplinks, g->nlinks + 1, sizeof(*g->links)) < 0)
		return -1;
	l = &g->links[g->nlinks++];
	l->post = p;
	l->tag_id = tag_id;
	l->name = bench_arena_dup(&g->arena, name, len);
	l->name_len = len;
	g->posts[p].ntags++;
	return 0;
}

/* give every post its slice of tags (counting sort, stable) */
int raw_graph_tags_done(raw_graph *g)
{
	size_t i, n = g->in.n, *fill;

	g->tags = malloc((g->nlinks ? g->nlinks : 1) * sizeof(*g->tags));
	fill = calloc(n + 1, sizeof(*fill));
	if (!g->tags || !fill) {
		free(fill);
		return -1;
	}
	for (i = 0; i < n; i++) {
		fill[i + 1] = fill[i] + g->posts[i].ntags;
		g->posts[i].tags = g->tags + fill[i];
	}
	for (i = 0; i < g->nlinks; i++) {
		struct raw_tag *t = &g->tags[fill[g->links[i].post]++];

		t->id = g->links[i].tag_id;
		t->name = g->links[i].name;
		t->name_len = g->links[i].name_len;
	}
	free(fill);
	free(g->links);
	g->links = NULL;
	return 0;
}

uint64_t raw_graph_check(const raw_graph *g, int64_t *ntags)
{
	uint64_t sum = 0;
	size_t i, j, k;

	*ntags = 0;
	for (i = 0; i < g->nusers; i++) {
		const struct raw_guser *u = &g->users[i];

		sum += (uint64_t)u->id + bench_str_sum(u->email, u->email_len);
		for (j = 0; j < u->nposts; j++) {
			const struct raw_post *p = &u->posts[j];

			sum += (uint64_t)p->id + (uint64_t)u->id + bench_str_sum(p->title, p->title_len);
			for (k = 0; k < p->ntags; k++) {
				const struct raw_tag *t = &p->tags[k];

				sum += ((uint64_t)p->id ^ (uint64_t)t->id) + bench_str_sum(t->name, t->name_len);
				(*ntags)++;
			}
		}
	}
	return sum;
}

void raw_graph_free(raw_graph *g)
{
	free(g->users);
	free(g->in.v);
	free(g->posts);
	free(g->links);
	free(g->tags);
	bench_map_free(&g->user_ix);
	bench_map_free(&g->post_ix);
	bench_arena_free(&g->arena);
	memset(g, 0, sizeof(*g));
}
