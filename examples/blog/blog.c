/*
 * A small blog on liborm's models: users, posts, comments and tags
 * (many-to-many). The schema comes from migrations/, the models from
 * that schema through `ormtool generate models` (models/).
 *
 *   usage: blog [URL]        (default sqlite::memory:)
 *
 * It shows saving (one object and many at once), fetching by key and by
 * query, NULL handling, changed-field updates, collections with paging,
 * eager loading of nested relations, pivot rows, constraint errors named
 * by field, and JSON. Tables are prefixed blog_ and dropped at the start
 * and the end, so it can run against a scratch PostgreSQL or MariaDB
 * database too. Exit status 0 when every step did what it says.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm.h"

/*
 * The structs (struct user, post, comment, tag, post_tag) and their
 * descriptors (user_model, ...) are generated from the schema by
 * `ormtool generate models` (see generate-models.sh and README.md), with
 * constants for every table, column and relation name: USER_TABLE,
 * POST_COL_PUBLISHED, POST_REL_TAGS, ... A misspelt one does not compile.
 */
#include "blog_models.h"

/* ---- helpers ---- */

static orm_conn *db;
static int failures;

#define CHECK(expr) do { \
	int rc_ = (expr); \
	if (rc_ < 0) { \
		fprintf(stderr, "blog: %s failed: %s (%s)\n", #expr, orm_conn_errmsg(db), orm_strerror(rc_)); \
		failures++; \
		goto out; \
	} \
} while (0)

#define EXPECT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "blog: expected %s (line %d)\n", #cond, __LINE__); \
		failures++; \
	} \
} while (0)

/* the bookkeeping table of this example (not orm_migrations, so that it
 * can share a scratch database with other projects) */
#define BLOG_MIGRATIONS_TABLE "blog_migrations"

/* what the users' password_hash holds here (a real application stores a hash) */
#define SECRET "not-a-real-hash"

static const char *const tables[] = {
	POST_TAG_TABLE, COMMENT_TABLE, TAG_TABLE, POST_TABLE, USER_TABLE, BLOG_MIGRATIONS_TABLE
};

/* What a failed earlier run may have left behind. */
static void drop_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		orm_schema_drop_table(db, tables[i], ORM_SCHEMA_IF_EXISTS);
}

/*
 * The schema comes from the migrations in `dir` (one YAML file, the same
 * on every dialect), applied as `ormtool migrate latest` would.
 */
static int migrate(const char *dir, int up)
{
	orm_migrate_opts opts = ORM_MIGRATE_OPTS_INIT;
	int count = 0, rc;

	opts.directory = dir;
	opts.table = BLOG_MIGRATIONS_TABLE;
	rc = up ? orm_migrate_latest(db, &opts, &count)
		: orm_migrate_rollback(db, &opts, 0, 1, &count);
	if (rc == 0)
		printf("%s %d migration(s) from %s\n", up ? "applied" : "rolled back", count, dir);
	return rc;
}

int main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : "sqlite::memory:";
	const char *migrations = argc > 2 ? argv[2] : "migrations";
	struct user ada = { 0 }, grace = { 0 }, found = { 0 }, dup = { 0 };
	struct post posts[4];
	struct tag tags[3];
	orm_collection users = ORM_COLLECTION_INIT, page = ORM_COLLECTION_INIT;
	orm_query *q = NULL, *published = NULL;
	orm_buf json = ORM_BUF_INIT;
	const char *titles[] = { "Hello, world", "Notes on the engine", "Compilers", "Draft" };
	const char *tag_names[] = { "c", "history", "math" };
	int64_t n;
	size_t i;
	int rc;

	memset(posts, 0, sizeof(posts));
	memset(tags, 0, sizeof(tags));
	if (orm_open(&db, url) < 0) {
		fprintf(stderr, "blog: cannot open %s: %s\n", url, orm_conn_errmsg(db));
		orm_close(db);
		return 1;
	}
	drop_tables();
	CHECK(migrate(migrations, 1));
	printf("schema created on %s\n", orm_dialect_name(orm_conn_dialect(db)));
	/* the generated models against the live tables: every column and key is there */
	for (i = 0; i < BLOG_MODELS_COUNT; i++)
		CHECK(orm_model_verify(db, blog_models_all[i]));
	printf("%d generated models match the schema\n", BLOG_MODELS_COUNT);

	/* save: INSERT ... RETURNING the id */
	CHECK(model_set_text(&user_model, &ada, email, "ada@example.com"));
	CHECK(model_set_text(&user_model, &ada, name, "Ada Lovelace"));
	CHECK(model_set_text(&user_model, &ada, password_hash, SECRET));
	CHECK(model_save(&ada, db, &user_model));
	CHECK(model_set_text(&user_model, &grace, email, "grace@example.com"));
	CHECK(model_set_text(&user_model, &grace, password_hash, SECRET));
	CHECK(model_save(&grace, db, &user_model)); /* name stays NULL */
	printf("saved users %lld and %lld\n", (long long)ada.id, (long long)grace.id);

	/* many posts in one statement, ids read back in order */
	for (i = 0; i < 4; i++) {
		model_set(&post_model, &posts[i], user_id, i < 3 ? ada.id : grace.id);
		model_set_text(&post_model, &posts[i], title, titles[i]);
		model_set(&post_model, &posts[i], published, i != 3);
		if (i == 0)
			model_set(&post_model, &posts[i], views, 10);
		else
			model_set_null(&post_model, &posts[i], views);
	}
	CHECK(model_insert_many(posts, 4, db, &post_model));
	printf("inserted posts %lld..%lld\n", (long long)posts[0].id, (long long)posts[3].id);

	for (i = 0; i < 3; i++) {
		model_set_text(&tag_model, &tags[i], name, tag_names[i]);
		CHECK(model_save(&tags[i], db, &tag_model));
	}
	{
		/* pivot rows: attach, then sync to an exact set */
		orm_value t01[] = { orm_int(tags[0].id), orm_int(tags[1].id) };
		orm_value t02[] = { orm_int(tags[0].id), orm_int(tags[2].id) };
		CHECK(model_attach(&posts[0], db, &post_model, POST_REL_TAGS, t01, 2, NULL, NULL, 0));
		CHECK(model_attach(&posts[1], db, &post_model, POST_REL_TAGS, t01, 1, NULL, NULL, 0));
		CHECK(model_sync(&posts[2], db, &post_model, POST_REL_TAGS, t02, 2));
	}
	for (i = 0; i < 3; i++) {
		struct comment c = { 0 };
		c.post_id = posts[0].id;
		model_set_text(&comment_model, &c, body, i == 1 ? "It's \"great\"" : "Nice post");
		CHECK(model_save(&c, db, &comment_model));
		model_clear(&c, &comment_model);
	}

	/* fetch by key; a missing key is ORM_ENOTFOUND, not an empty struct */
	CHECK(model_find_id(&found, db, &user_model, grace.id));
	printf("found %s, name is %s\n", found.email, found.name ? found.name : "NULL");
	EXPECT(found.name == NULL);
	rc = model_find_id(&found, db, &user_model, 12345);
	printf("user 12345: %s\n", orm_strerror(rc));
	EXPECT(rc == ORM_ENOTFOUND);

	/* update only what changed */
	CHECK(model_find_id(&found, db, &user_model, grace.id));
	CHECK(model_set_text(&user_model, &found, name, "Grace Hopper"));
	CHECK(model_save(&found, db, &user_model)); /* UPDATE ... SET name, updated_at */
	CHECK(model_refresh(&grace, db, &user_model));
	printf("grace is now %s\n", grace.name);
	EXPECT(grace.name && strcmp(grace.name, "Grace Hopper") == 0);

	/* a constraint violation names the field */
	CHECK(model_set_text(&user_model, &dup, email, "ada@example.com"));
	rc = model_save(&dup, db, &user_model);
	printf("duplicate email: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(db));
	EXPECT(rc == ORM_EUNIQUE && strstr(orm_conn_errmsg(db), "user.email"));

	/* collections: a query of the builder, count, pages */
	published = orm_query_new(POST_TABLE);
	orm_query_where(published, POST_COL_PUBLISHED, "=", orm_bool(1));
	orm_query_order_by(published, POST_COL_ID, ORM_ASC);
	CHECK(collection_count(&n, db, &post_model, published));
	printf("%lld published posts\n", (long long)n);
	EXPECT(n == 3);
	CHECK(collection_fetch_page(&page, db, &post_model, published, 2, 2));
	printf("page 2 of 2 per page: %zu post(s) of %lld:", page.count, (long long)page.total);
	ORM_COLLECTION_FOREACH(struct post, p, &page)
		printf(" \"%s\"%s", p->title, model_is_null(&post_model, p, views) ? " (views NULL)" : "");
	printf("\n");
	EXPECT(page.count == 1 && page.total == 3);

	/* eager loading: users, their posts, each post's tags and comments:
	 * four queries whatever the number of users and posts */
	q = orm_query_new(USER_TABLE);
	orm_query_order_by(q, USER_COL_ID, ORM_ASC);
	{
		/* "posts.tags" and "posts.comments", spelt with the relation constants */
		orm_with with[] = { ORM_WITH(USER_REL_POSTS "." POST_REL_TAGS),
				    ORM_WITH(USER_REL_POSTS "." POST_REL_COMMENTS) };
		CHECK(collection_fetch_with(&users, db, &user_model, q, with, 2));
	}
	ORM_COLLECTION_FOREACH(struct user, u, &users) {
		printf("%s (%s): %zu post(s)\n", u->email, u->name, u->nposts);
		for (i = 0; i < u->nposts; i++) {
			struct post *p = &u->posts[i];
			size_t k;
			printf("  - %s [", p->title);
			for (k = 0; k < p->ntags; k++)
				printf("%s%s", k ? ", " : "", p->tags[k].name);
			printf("] %zu comment(s)\n", p->ncomments);
		}
	}
	EXPECT(users.count == 2);
	EXPECT(users.count == 2 && ORM_COLLECTION_AT(struct user, &users, 0)->nposts == 3);
	EXPECT(users.count == 2 && ORM_COLLECTION_AT(struct user, &users, 0)->posts[0].ntags == 2);
	EXPECT(users.count == 2 && ORM_COLLECTION_AT(struct user, &users, 0)->posts[0].ncomments == 3);

	/* JSON, relations included; password_hash is hidden (generate --hidden) */
	CHECK(model_to_json(&json, collection_at(&users, 1), &user_model));
	printf("%s\n", json.ptr);
	EXPECT(strstr(json.ptr, "\"email\"") && !strstr(json.ptr, USER_COL_PASSWORD_HASH) &&
	       !strstr(json.ptr, SECRET));

	/* destroy */
	CHECK(model_destroy(&posts[3], db, &post_model));
	rc = model_refresh(&posts[3], db, &post_model);
	EXPECT(rc == ORM_ENOTFOUND);
	printf("post %lld destroyed\n", (long long)posts[3].id);

out:
	orm_buf_dispose(&json);
	collection_free(&users);
	collection_free(&page);
	orm_query_free(q);
	orm_query_free(published);
	for (i = 0; i < 4; i++)
		model_clear(&posts[i], &post_model);
	for (i = 0; i < 3; i++)
		model_clear(&tags[i], &tag_model);
	model_clear(&ada, &user_model);
	model_clear(&grace, &user_model);
	model_clear(&found, &user_model);
	model_clear(&dup, &user_model);
	if (db) {
		if (migrate(migrations, 0) < 0) {
			fprintf(stderr, "blog: rollback failed: %s\n", orm_conn_errmsg(db));
			failures++;
		}
		drop_tables();
	}
	orm_close(db);
	if (failures) {
		fprintf(stderr, "blog: %d step(s) failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
