/*
 * Models, collections and associations on a live database (SQLite,
 * PostgreSQL or MariaDB, from ORM_TEST_URL). Tables are prefixed mdl_.
 *
 * Query counts are read from the connection's statement counter
 * (struct orm_conn.stmt_execs, internal), so the test includes
 * orm/internal.h for the struct's layout only.
 */
#include <inttypes.h>
#include <stdbool.h>
#include "testutil.h"
#include "orm/internal.h"

static orm_conn *db;
static orm_dialect dialect;

/* ------------------------------------------------------------------ */
/* models                                                             */

struct profile;
struct post;
struct comment;
struct tag;

struct user {
	orm_model_state orm;
	int64_t id;
	char *email;
	char *name;
	int32_t age;
	double score;
	bool active;
	char *status;
	char *created_at;
	char *updated_at;
	char *secret;
	struct profile *profile;
	struct post *posts;
	size_t nposts;
	struct comment *comments;
	size_t ncomments;
};

struct profile {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *bio;
	struct user *user;
};

struct post {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *title;
	char *body;
	bool published;
	struct user *author;
	struct comment *comments;
	size_t ncomments;
	struct tag *tags;
	size_t ntags;
};

struct comment {
	orm_model_state orm;
	int64_t id;
	int64_t post_id;
	char *body;
	struct post *post;
};

struct tag {
	orm_model_state orm;
	int64_t id;
	char *name;
	char *role; /* pivot column */
	struct post *posts;
	size_t nposts;
};

struct post_tag {
	orm_model_state orm;
	int64_t post_id;
	int64_t tag_id;
	char *role;
};

struct note;

struct doc {
	orm_model_state orm;
	char *id;
	char *title;
	struct note *notes;
	size_t nnotes;
};

struct note {
	orm_model_state orm;
	int64_t id;
	char *doc_id;
	char *body;
	struct doc *doc;
};

struct big {
	orm_model_state orm;
	int64_t id;
	int64_t n;
	char label[40];
};

extern const orm_model user_model, profile_model, post_model, comment_model, tag_model;

static const orm_field user_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, name, ORM_NULLABLE),
	ORM_FIELD_INT32(struct user, age, ORM_NULLABLE),
	ORM_FIELD_DOUBLE(struct user, score, ORM_NULLABLE),
	ORM_FIELD_BOOL(struct user, active, 0, .defval = "true"),
	ORM_FIELD_TEXT(struct user, status, ORM_SERVER_DEFAULT),
	ORM_FIELD_TIMESTAMP(struct user, created_at, ORM_CREATED_AT | ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct user, updated_at, ORM_UPDATED_AT | ORM_NULLABLE),
	ORM_FIELD_TEXT(struct user, secret, ORM_NULLABLE | ORM_HIDDEN),
};
static const orm_relation user_rels[] = {
	ORM_HAS_ONE(struct user, profile, struct profile, &profile_model),
	ORM_HAS_MANY(struct user, posts, nposts, struct post, &post_model),
	ORM_HAS_MANY_THROUGH(struct user, comments, ncomments, struct comment, &comment_model,
			     .through = &post_model),
};
const orm_model user_model = ORM_MODEL_EX(struct user, orm, "user", "mdl_users", user_fields,
					  ORM_RELATIONS(user_rels));

/* the same table with email declared nullable: the server's NOT NULL answers */
static const orm_field user_lax_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, ORM_NULLABLE),
};
static const orm_model user_lax_model = ORM_MODEL(struct user, orm, "user", "mdl_users", user_lax_fields);

/* a descriptor whose field has no column */
static const orm_field user_bad_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, name, ORM_NULLABLE, .column = "nick"),
};
static const orm_model user_bad_model = ORM_MODEL(struct user, orm, "user", "mdl_users", user_bad_fields);

/* a relation whose foreign key does not exist */
static const orm_relation user_badrel_rels[] = {
	ORM_HAS_MANY(struct user, posts, nposts, struct post, &post_model, .foreign_key = "owner_id"),
};
static const orm_model user_badrel_model = ORM_MODEL_EX(struct user, orm, "user", "mdl_users", user_fields,
							ORM_RELATIONS(user_badrel_rels));

static const orm_field profile_fields[] = {
	ORM_FIELD_INT64(struct profile, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct profile, user_id, 0),
	ORM_FIELD_TEXT(struct profile, bio, ORM_NULLABLE),
};
static const orm_relation profile_rels[] = {
	ORM_BELONGS_TO(struct profile, user, struct user, &user_model),
};
const orm_model profile_model = ORM_MODEL_EX(struct profile, orm, "profile", "mdl_profiles", profile_fields,
					     ORM_RELATIONS(profile_rels));

static const orm_field post_fields[] = {
	ORM_FIELD_INT64(struct post, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct post, user_id, 0),
	ORM_FIELD_TEXT(struct post, title, 0),
	ORM_FIELD_TEXT(struct post, body, ORM_NULLABLE),
	ORM_FIELD_BOOL(struct post, published, 0),
};
static const orm_relation post_rels[] = {
	ORM_BELONGS_TO(struct post, author, struct user, &user_model, .foreign_key = "user_id"),
	ORM_HAS_MANY(struct post, comments, ncomments, struct comment, &comment_model),
	ORM_BELONGS_TO_MANY(struct post, tags, ntags, struct tag, &tag_model),
};
const orm_model post_model = ORM_MODEL_EX(struct post, orm, "post", "mdl_posts", post_fields,
					  ORM_RELATIONS(post_rels));

static const orm_field comment_fields[] = {
	ORM_FIELD_INT64(struct comment, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct comment, post_id, 0),
	ORM_FIELD_TEXT(struct comment, body, 0),
};
static const orm_relation comment_rels[] = {
	ORM_BELONGS_TO(struct comment, post, struct post, &post_model),
};
const orm_model comment_model = ORM_MODEL_EX(struct comment, orm, "comment", "mdl_comments", comment_fields,
					     ORM_RELATIONS(comment_rels));

static const orm_field tag_fields[] = {
	ORM_FIELD_INT64(struct tag, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct tag, name, 0),
	ORM_FIELD_TEXT(struct tag, role, ORM_PIVOT | ORM_NULLABLE),
};
static const orm_relation tag_rels[] = {
	ORM_BELONGS_TO_MANY(struct tag, posts, nposts, struct post, &post_model),
};
const orm_model tag_model = ORM_MODEL_EX(struct tag, orm, "tag", "mdl_tags", tag_fields,
					 ORM_RELATIONS(tag_rels));

static const orm_field post_tag_fields[] = {
	ORM_FIELD_INT64(struct post_tag, post_id, ORM_PK),
	ORM_FIELD_INT64(struct post_tag, tag_id, ORM_PK),
	ORM_FIELD_TEXT(struct post_tag, role, ORM_NULLABLE),
};
static const orm_model post_tag_model = ORM_MODEL(struct post_tag, orm, "post_tag", "mdl_posts_mdl_tags",
						  post_tag_fields);

extern const orm_model doc_model, note_model;
static const orm_field doc_fields[] = {
	ORM_FIELD_UUID(struct doc, id, ORM_PK | ORM_UUID),
	ORM_FIELD_TEXT(struct doc, title, 0),
};
static const orm_relation doc_rels[] = {
	ORM_HAS_MANY(struct doc, notes, nnotes, struct note, &note_model),
};
const orm_model doc_model = ORM_MODEL_EX(struct doc, orm, "doc", "mdl_docs", doc_fields, ORM_RELATIONS(doc_rels));

static const orm_field note_fields[] = {
	ORM_FIELD_INT64(struct note, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_UUID(struct note, doc_id, 0),
	ORM_FIELD_TEXT(struct note, body, 0),
};
static const orm_relation note_rels[] = {
	ORM_BELONGS_TO(struct note, doc, struct doc, &doc_model),
};
const orm_model note_model = ORM_MODEL_EX(struct note, orm, "note", "mdl_notes", note_fields,
					  ORM_RELATIONS(note_rels));

static const orm_field big_fields[] = {
	ORM_FIELD_INT64(struct big, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct big, n, 0),
	ORM_FIELD_CHARS(struct big, label, 0),
};
static const orm_model big_model = ORM_MODEL(struct big, orm, "big", "mdl_big", big_fields);

/* integers at the ends of their ranges, empty and NULL texts */
struct ints {
	orm_model_state orm;
	int64_t id;
	int64_t n;
	int32_t m; /* a BIGINT column: values past int32_t fail the read */
	char *t;
	char *c;
};
static const orm_field ints_fields[] = {
	ORM_FIELD_INT64(struct ints, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct ints, n, ORM_NULLABLE),
	ORM_FIELD_INT32(struct ints, m, ORM_NULLABLE),
	ORM_FIELD_TEXT(struct ints, t, ORM_NULLABLE),
	ORM_FIELD_TEXT(struct ints, c, ORM_NULLABLE),
};
static const orm_model ints_model = ORM_MODEL(struct ints, orm, "ints", "mdl_ints", ints_fields);

/* ------------------------------------------------------------------ */
/* schema                                                             */

static const char *const ddl[] = {
	"CREATE TABLE mdl_users (id {PK}, email VARCHAR(255) NOT NULL, name VARCHAR(255), "
	"age INTEGER CHECK (age >= 0), score {DBL}, active BOOLEAN NOT NULL DEFAULT {TRUE}, "
	"status VARCHAR(20) NOT NULL DEFAULT 'new', created_at {TS}, updated_at {TS}, secret VARCHAR(64), "
	"CONSTRAINT mdl_users_email_uq UNIQUE (email))",
	"CREATE TABLE mdl_profiles (id {PK}, user_id INTEGER NOT NULL, bio TEXT, "
	"FOREIGN KEY (user_id) REFERENCES mdl_users (id))",
	"CREATE TABLE mdl_posts (id {PK}, user_id INTEGER NOT NULL, title VARCHAR(255) NOT NULL, body TEXT, "
	"published BOOLEAN NOT NULL DEFAULT {FALSE}, FOREIGN KEY (user_id) REFERENCES mdl_users (id))",
	"CREATE INDEX mdl_posts_user_id ON mdl_posts (user_id)",
	"CREATE TABLE mdl_comments (id {PK}, post_id INTEGER NOT NULL, body TEXT NOT NULL, "
	"FOREIGN KEY (post_id) REFERENCES mdl_posts (id))",
	"CREATE TABLE mdl_tags (id {PK}, name VARCHAR(100) NOT NULL UNIQUE)",
	"CREATE TABLE mdl_posts_mdl_tags (post_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, role VARCHAR(20), "
	"PRIMARY KEY (post_id, tag_id), FOREIGN KEY (post_id) REFERENCES mdl_posts (id), "
	"FOREIGN KEY (tag_id) REFERENCES mdl_tags (id))",
	"CREATE TABLE mdl_docs (id {UUID} PRIMARY KEY, title VARCHAR(100) NOT NULL)",
	"CREATE TABLE mdl_big (id {PK}, n INTEGER NOT NULL, label VARCHAR(40) NOT NULL)",
	"CREATE TABLE mdl_ints (id {PK}, n BIGINT, m BIGINT, t VARCHAR(20), c CHAR(3))",
	"CREATE TABLE mdl_notes (id {PK}, doc_id {UUID} NOT NULL, body VARCHAR(100) NOT NULL, "
	"FOREIGN KEY (doc_id) REFERENCES mdl_docs (id))",
};
static const char *const tables_rev[] = {
	"mdl_ints", "mdl_big", "mdl_notes", "mdl_docs", "mdl_posts_mdl_tags", "mdl_tags", "mdl_comments", "mdl_posts",
	"mdl_profiles", "mdl_users",
};

static void expand(orm_buf *out, const char *tmpl)
{
	static const char *const keys[] = { "{PK}", "{DBL}", "{TS}", "{TRUE}", "{FALSE}", "{UUID}" };
	const char *vals_sqlite[] = { "INTEGER PRIMARY KEY AUTOINCREMENT", "DOUBLE", "TIMESTAMP", "1", "0",
				      "CHAR(36)" };
	const char *vals_pg[] = { "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "DOUBLE PRECISION",
				  "TIMESTAMP", "TRUE", "FALSE", "UUID" };
	const char *vals_my[] = { "INT AUTO_INCREMENT PRIMARY KEY", "DOUBLE", "DATETIME", "1", "0", "CHAR(36)" };
	const char *const *vals = dialect == ORM_DIALECT_SQLITE ? vals_sqlite
				  : dialect == ORM_DIALECT_POSTGRES ? vals_pg : vals_my;
	const char *p = tmpl;

	orm_buf_clear(out);
	while (*p) {
		size_t k;
		int hit = 0;
		for (k = 0; k < 6; k++) {
			size_t n = strlen(keys[k]);
			if (strncmp(p, keys[k], n) == 0) {
				orm_buf_puts(out, vals[k]);
				p += n;
				hit = 1;
				break;
			}
		}
		if (!hit)
			orm_buf_put(out, p++, 1);
	}
}

static void drop_all(void)
{
	char sql[128];
	size_t i;

	for (i = 0; i < ORM_COUNTOF(tables_rev); i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", tables_rev[i]);
		orm_exec(db, sql);
	}
}

static int group_setup(void **state)
{
	const char *url = orm_test_url_or_skip();
	orm_buf sql = ORM_BUF_INIT;
	size_t i;

	(void)state;
	if (orm_open(&db, url) < 0) {
		fprintf(stderr, "cannot open %s: %s\n", url, orm_conn_errmsg(db));
		return -1;
	}
	dialect = orm_conn_dialect(db);
	drop_all();
	for (i = 0; i < ORM_COUNTOF(ddl); i++) {
		expand(&sql, ddl[i]);
		if (orm_exec(db, sql.ptr) < 0) {
			fprintf(stderr, "DDL failed: %s\n%s\n", orm_conn_errmsg(db), sql.ptr);
			orm_buf_dispose(&sql);
			return -1;
		}
	}
	orm_buf_dispose(&sql);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	drop_all();
	orm_close(db);
	return 0;
}

/* Empty every table before a test. */
static int clean(void **state)
{
	size_t i;
	char sql[128];

	(void)state;
	for (i = 0; i < ORM_COUNTOF(tables_rev); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s", tables_rev[i]);
		if (orm_exec(db, sql) < 0) {
			fprintf(stderr, "%s: %s\n", sql, orm_conn_errmsg(db));
			return -1;
		}
	}
	return 0;
}

static int64_t count_rows(const char *sql)
{
	int64_t n = -1;

	if (orm_query_int(db, &n, sql, NULL, 0) < 0)
		fail_msg("%s: %s", sql, orm_conn_errmsg(db));
	return n;
}

static unsigned long execs(void)
{
	return db->stmt_execs;
}

/* A saved user with this email and age. */
static int64_t mk_user(const char *email, int32_t age)
{
	struct user u = { 0 };
	int64_t id;

	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, email));
	ORM_MODEL_SET(&user_model, &u, age, age);
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	id = u.id;
	orm_model_clear(&u, &user_model);
	return id;
}

static int64_t mk_post(int64_t user_id, const char *title, bool published)
{
	struct post p = { 0 };
	int64_t id;

	p.user_id = user_id;
	p.title = (char *)title; /* borrowed: never freed by the library */
	p.published = published;
	assert_orm_ok(db, orm_model_save(&p, db, &post_model));
	id = p.id;
	p.title = NULL;
	orm_model_clear(&p, &post_model);
	return id;
}

static int64_t mk_comment(int64_t post_id, const char *body)
{
	struct comment c = { 0 };
	int64_t id;

	c.post_id = post_id;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&comment_model, &c, body, body));
	assert_orm_ok(db, orm_model_save(&c, db, &comment_model));
	id = c.id;
	orm_model_clear(&c, &comment_model);
	return id;
}

static int64_t mk_tag(const char *name)
{
	struct tag t = { 0 };
	int64_t id;

	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&tag_model, &t, name, name));
	assert_orm_ok(db, orm_model_save(&t, db, &tag_model));
	id = t.id;
	orm_model_clear(&t, &tag_model);
	return id;
}

/* ------------------------------------------------------------------ */
/* one object                                                         */

static void test_save_insert_update(void **state)
{
	struct user u = { 0 }, v = { 0 };
	orm_value p[1];
	char *created;
	int64_t id;

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "ada@example.com"));
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, name, "Ada"));
	ORM_MODEL_SET(&user_model, &u, age, 36);
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	assert_true(u.id > 0);
	assert_true(u.orm.flags & ORM_STATE_PERSISTED);
	/* server default read back, client default applied, timestamps set */
	assert_non_null(u.status);
	assert_string_equal(u.status, "new");
	assert_true(u.active);
	assert_non_null(u.created_at);
	assert_int_equal(strlen(u.created_at), 19);
	assert_non_null(u.updated_at);
	created = strdup(u.created_at);
	id = u.id;

	/* change the name behind the model's back; saving a changed age only
	 * must not overwrite it */
	p[0] = orm_int(id);
	assert_orm_ok(db, orm_exec_params(db, NULL, "UPDATE mdl_users SET name = 'Changed' WHERE id = ?", p, 1));
	ORM_MODEL_SET(&user_model, &u, age, 37);
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	assert_orm_ok(db, orm_model_find_id(&v, db, &user_model, id));
	assert_int_equal(v.age, 37);
	assert_string_equal(v.name, "Changed");
	assert_string_equal(v.created_at, created);
	free(created);

	/* a direct assignment with nothing marked writes every field */
	u.score = 2.5;
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	assert_orm_ok(db, orm_model_refresh(&v, db, &user_model));
	assert_true(v.score == 2.5);
	assert_string_equal(v.name, "Ada");

	/* a struct with only its auto key set updates (Bookshelf's isNew) */
	{
		struct user w = { 0 };
		w.id = id;
		assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &w, email, "ada2@example.com"));
		w.active = true;
		assert_orm_ok(db, orm_model_save(&w, db, &user_model));
		orm_model_clear(&w, &user_model);
	}
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 1);
	assert_orm_ok(db, orm_model_refresh(&v, db, &user_model));
	assert_string_equal(v.email, "ada2@example.com");
	assert_int_equal(v.age, 37); /* untouched: only email was marked */

	orm_model_clear(&u, &user_model);
	orm_model_clear(&v, &user_model);
	assert_int_equal(u.id, 0);
	assert_null(u.email);
}

/* An update refused before anything is sent: a NULL in a NOT NULL field,
 * a NULL key; the row keeps its values. */
static void test_update_refused(void **state)
{
	struct user u = { 0 }, v = { 0 };
	int64_t id;

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "kept@example.com"));
	ORM_MODEL_SET(&user_model, &u, age, 40);
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	id = u.id;

	ORM_MODEL_SET(&user_model, &u, age, 41);
	assert_orm_ok(db, ORM_MODEL_SET_NULL(&user_model, &u, email));
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_ENOTNULL);
	assert_non_null(strstr(orm_conn_errmsg(db), "user.email"));

	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "kept@example.com"));
	assert_orm_ok(db, ORM_MODEL_SET_NULL(&user_model, &u, id));
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "user.id (primary key) is NULL"));

	assert_orm_ok(db, orm_model_find_id(&v, db, &user_model, id));
	assert_int_equal(v.age, 40);
	assert_string_equal(v.email, "kept@example.com");
	orm_model_clear(&u, &user_model);
	orm_model_clear(&v, &user_model);
}

/* A save or fetch by key goes straight to the cached statement it used
 * last time; after 300 other statements have pushed every cached
 * statement out (and freed it), it must look again, not use the freed
 * one (ASan and valgrind in CI would see that). */
static void test_model_statements_after_eviction(void **state)
{
	struct user u = { 0 }, v = { 0 };
	int64_t id;
	int round, i;

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "evict@example.com"));
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	id = u.id;
	for (round = 0; round < 3; round++) {
		ORM_MODEL_SET(&user_model, &u, age, 50 + round);
		assert_orm_ok(db, orm_model_save(&u, db, &user_model));
		assert_orm_ok(db, orm_model_find_id(&v, db, &user_model, id));
		assert_int_equal(v.age, 50 + round);
		for (i = 0; i < 300; i++) {
			char sql[64];
			orm_stmt *st = NULL;

			snprintf(sql, sizeof(sql), "SELECT %d", 1000 * round + i);
			assert_orm_ok(db, orm_prepare(&st, db, sql));
			assert_int_equal(orm_stmt_step(st), ORM_ROW);
			assert_true(orm_column_int(st, 0) == 1000 * round + i);
			orm_stmt_free(st);
		}
	}
	orm_model_clear(&u, &user_model);
	orm_model_clear(&v, &user_model);
}

static void test_fetch_not_found(void **state)
{
	struct user u = { 0 };
	orm_query *q;

	(void)state;
	u.age = 5;
	assert_orm_rc(db, orm_model_find_id(&u, db, &user_model, 999999), ORM_ENOTFOUND);
	assert_non_null(strstr(orm_conn_errmsg(db), "999999"));
	assert_null(u.email);
	assert_false(u.orm.flags & ORM_STATE_PERSISTED);

	q = orm_query_new("mdl_users");
	orm_query_where(q, "email", "=", orm_text("nobody@example.com"));
	assert_orm_rc(db, orm_model_fetch(&u, db, &user_model, q), ORM_ENOTFOUND);
	assert_non_null(strstr(orm_conn_errmsg(db), "the query found no row in mdl_users"));
	orm_query_free(q);

	/* update / destroy of a row that does not exist */
	u.id = 424242;
	u.orm.flags |= ORM_STATE_PERSISTED;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "x@example.com"));
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_ENOTFOUND);
	assert_non_null(strstr(orm_conn_errmsg(db), "to update"));
	assert_non_null(strstr(orm_conn_errmsg(db), "424242"));
	assert_orm_rc(db, orm_model_destroy(&u, db, &user_model), ORM_ENOTFOUND);
	orm_model_clear(&u, &user_model);
}

static void test_fetch_by_query(void **state)
{
	struct user u = { 0 };
	orm_query *q;

	(void)state;
	mk_user("a@example.com", 20);
	mk_user("b@example.com", 30);
	q = orm_query_new("mdl_users");
	orm_query_where(q, "age", ">", orm_int(25));
	assert_orm_ok(db, orm_model_fetch(&u, db, &user_model, q));
	assert_string_equal(u.email, "b@example.com");
	assert_int_equal(u.age, 30);
	orm_query_free(q);

	/* fetching again into the same object reuses / frees its strings */
	q = orm_query_new("mdl_users");
	orm_query_order_by(q, "age", ORM_ASC);
	assert_orm_ok(db, orm_model_fetch(&u, db, &user_model, q));
	assert_string_equal(u.email, "a@example.com");
	orm_query_free(q);
	orm_model_clear(&u, &user_model);
}

static void test_null_handling(void **state)
{
	struct user u = { 0 }, v = { 0 };

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "null@example.com"));
	assert_orm_ok(db, ORM_MODEL_SET_NULL(&user_model, &u, age));
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	assert_orm_ok(db, orm_model_find_id(&v, db, &user_model, u.id));
	assert_true(ORM_MODEL_IS_NULL(&user_model, &v, age));
	assert_int_equal(v.age, 0);
	assert_true(ORM_MODEL_IS_NULL(&user_model, &v, name));
	assert_null(v.name);
	/* a numeric field never marked NULL is written as its value: 0 */
	assert_false(ORM_MODEL_IS_NULL(&user_model, &v, score));
	assert_true(v.score == 0);
	assert_false(ORM_MODEL_IS_NULL(&user_model, &v, email));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users WHERE age IS NULL"), 1);

	/* zero is not NULL */
	ORM_MODEL_SET(&user_model, &v, age, 0);
	assert_false(ORM_MODEL_IS_NULL(&user_model, &v, age));
	assert_orm_ok(db, orm_model_save(&v, db, &user_model));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users WHERE age = 0"), 1);
	assert_orm_ok(db, orm_model_refresh(&v, db, &user_model));
	assert_false(ORM_MODEL_IS_NULL(&user_model, &v, age));

	/* back to NULL */
	assert_orm_ok(db, ORM_MODEL_SET_NULL(&user_model, &v, age));
	assert_orm_ok(db, orm_model_save(&v, db, &user_model));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users WHERE age IS NULL"), 1);
	orm_model_clear(&u, &user_model);
	orm_model_clear(&v, &user_model);
}

static void test_strings_quotes_utf8(void **state)
{
	static const char email[] = "o'brien\"; DROP TABLE x; --@example.com";
	static const char name[] = "Zo\xc3\xab \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82 back\\slash";
	struct user u = { 0 }, v = { 0 };
	orm_collection c = ORM_COLLECTION_INIT;

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, email));
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, name, name));
	assert_orm_ok(db, orm_model_save(&u, db, &user_model));
	assert_orm_ok(db, orm_model_find_id(&v, db, &user_model, u.id));
	assert_string_equal(v.email, email);
	assert_string_equal(v.name, name);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, NULL));
	assert_int_equal(c.count, 1);
	assert_string_equal(ORM_COLLECTION_AT(struct user, &c, 0)->name, name);
	orm_collection_free(&c);
	orm_model_clear(&u, &user_model);
	orm_model_clear(&v, &user_model);
}

static void test_destroy_refresh(void **state)
{
	struct user u = { 0 };
	int64_t id = mk_user("gone@example.com", 1);

	(void)state;
	assert_orm_ok(db, orm_model_find_id(&u, db, &user_model, id));
	assert_orm_ok(db, orm_model_destroy(&u, db, &user_model));
	assert_false(u.orm.flags & ORM_STATE_PERSISTED);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 0);
	assert_orm_rc(db, orm_model_refresh(&u, db, &user_model), ORM_ENOTFOUND);
	assert_orm_rc(db, orm_model_destroy(&u, db, &user_model), ORM_ENOTFOUND);
	/* saving it again inserts it again (explicit key) */
	assert_orm_ok(db, orm_model_insert(&u, db, &user_model));
	assert_int_equal(u.id, id);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 1);
	orm_model_clear(&u, &user_model);
}

static void test_required_field(void **state)
{
	struct user u = { 0 };
	unsigned long before;

	(void)state;
	u.age = 3;
	before = execs();
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_ENOTNULL);
	assert_non_null(strstr(orm_conn_errmsg(db), "user.email"));
	assert_int_equal(execs(), before); /* nothing was sent */
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 0);
	assert_false(u.orm.flags & ORM_STATE_PERSISTED);
	orm_model_clear(&u, &user_model);
}

static void test_constraint_errors(void **state)
{
	struct user u = { 0 };
	struct post p = { 0 };
	const orm_error *e;

	(void)state;
	mk_user("dup@example.com", 1);
	/* unique */
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "dup@example.com"));
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_EUNIQUE);
	e = orm_conn_error(db);
	assert_non_null(strstr(e->message, "user.email"));
	assert_false(u.orm.flags & ORM_STATE_PERSISTED);
	/* check */
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &u, email, "neg@example.com"));
	ORM_MODEL_SET(&user_model, &u, age, -1);
	assert_orm_rc(db, orm_model_save(&u, db, &user_model), ORM_ECHECK);
	print_message("# check: %s\n", orm_conn_errmsg(db));
	assert_non_null(strstr(orm_conn_errmsg(db), "user.age"));
	orm_model_clear(&u, &user_model);

	/* not null, from the server (the lax descriptor lets NULL through) */
	u.id = 0;
	assert_orm_rc(db, orm_model_insert(&u, db, &user_lax_model), ORM_ENOTNULL);
	print_message("# not null: %s\n", orm_conn_errmsg(db));
	assert_non_null(strstr(orm_conn_errmsg(db), "user.email"));

	/* foreign key */
	p.user_id = 987654;
	p.title = (char *)"orphan";
	assert_orm_rc(db, orm_model_save(&p, db, &post_model), ORM_EFOREIGNKEY);
	print_message("# fk: %s\n", orm_conn_errmsg(db));
	if (dialect == ORM_DIALECT_SQLITE)
		assert_non_null(strstr(orm_conn_errmsg(db), "post")); /* SQLite does not say which key */
	else
		assert_non_null(strstr(orm_conn_errmsg(db), "post.user_id"));
	p.title = NULL;
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts"), 0);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 1);
}

static void test_bad_descriptor(void **state)
{
	struct user u = { 0 };
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { ORM_WITH("posts") };
	orm_buf err = ORM_BUF_INIT;
	int64_t id;

	(void)state;
	id = mk_user("bad@example.com", 1);
	u.id = id;
	assert_true(orm_model_fetch(&u, db, &user_bad_model, NULL) < 0);
	print_message("# missing column: %s\n", orm_conn_errmsg(db));
	assert_non_null(strstr(orm_conn_errmsg(db), "field name"));
	assert_non_null(strstr(orm_conn_errmsg(db), "nick"));
	assert_orm_rc(db, orm_model_verify(db, &user_bad_model), ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "nick"));
	assert_orm_ok(db, orm_model_verify(db, &user_model));
	assert_orm_ok(db, orm_model_verify(db, &post_model));
	assert_orm_ok(db, orm_model_verify(db, &tag_model));

	/* a save through the bad descriptor writes nothing */
	orm_model_clear(&u, &user_bad_model);
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_bad_model, &u, email, "bad2@example.com"));
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_bad_model, &u, name, "x"));
	assert_true(orm_model_save(&u, db, &user_bad_model) < 0);
	assert_non_null(strstr(orm_conn_errmsg(db), "nick"));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users"), 1);
	orm_model_clear(&u, &user_bad_model);

	/* a relation whose key column does not exist */
	assert_orm_rc(db, orm_model_verify(db, &user_badrel_model), ORM_EINVAL);
	assert_non_null(strstr(orm_conn_errmsg(db), "owner_id"));
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_badrel_model, NULL));
	assert_true(orm_collection_load(&c, db, w, 1) < 0);
	print_message("# bad relation: %s\n", orm_conn_errmsg(db));
	assert_non_null(strstr(orm_conn_errmsg(db), "relation posts: no key column \"owner_id\" in mdl_posts"));
	orm_collection_free(&c);

	/* an unknown path */
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, NULL));
	{
		orm_with bad[] = { ORM_WITH("posts.nope") };
		assert_orm_rc(db, orm_collection_load(&c, db, bad, 1), ORM_EINVAL);
		assert_non_null(strstr(orm_conn_errmsg(db), "nope"));
	}
	orm_collection_free(&c);
	assert_orm_ok(db, orm_model_check(&user_model, &err));
	orm_buf_dispose(&err);
}

static void test_uuid_and_composite_keys(void **state)
{
	struct doc d = { 0 }, e = { 0 };
	struct post_tag pt = { 0 }, pu = { 0 };
	int64_t uid, pid, tid;

	(void)state;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&doc_model, &d, title, "spec"));
	assert_orm_ok(db, orm_model_save(&d, db, &doc_model));
	assert_non_null(d.id);
	assert_int_equal(strlen(d.id), 36);
	assert_int_equal(d.id[14], '4');
	assert_orm_ok(db, orm_model_find(&e, db, &doc_model, orm_typed_text(ORM_TYPE_UUID, d.id)));
	assert_string_equal(e.title, "spec");
	assert_string_equal(e.id, d.id);
	ORM_MODEL_SET_TEXT(&doc_model, &e, title, "spec v2");
	assert_orm_ok(db, orm_model_save(&e, db, &doc_model));
	assert_orm_ok(db, orm_model_refresh(&d, db, &doc_model));
	assert_string_equal(d.title, "spec v2");
	orm_model_clear(&d, &doc_model);
	orm_model_clear(&e, &doc_model);

	uid = mk_user("ck@example.com", 1);
	pid = mk_post(uid, "p", false);
	tid = mk_tag("t");
	pt.post_id = pid;
	pt.tag_id = tid;
	assert_orm_ok(db, ORM_MODEL_SET_TEXT(&post_tag_model, &pt, role, "main"));
	assert_orm_ok(db, orm_model_save(&pt, db, &post_tag_model));
	pu.post_id = pid;
	pu.tag_id = tid;
	assert_orm_ok(db, orm_model_fetch(&pu, db, &post_tag_model, NULL));
	assert_string_equal(pu.role, "main");
	ORM_MODEL_SET_TEXT(&post_tag_model, &pu, role, "side");
	assert_orm_ok(db, orm_model_save(&pu, db, &post_tag_model));
	assert_orm_ok(db, orm_model_refresh(&pt, db, &post_tag_model));
	assert_string_equal(pt.role, "side");
	assert_orm_ok(db, orm_model_destroy(&pt, db, &post_tag_model));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts_mdl_tags"), 0);
	/* inserting the same composite key twice is a unique violation */
	assert_orm_ok(db, orm_model_insert(&pt, db, &post_tag_model));
	assert_orm_rc(db, orm_model_insert(&pu, db, &post_tag_model), ORM_EUNIQUE);
	orm_model_clear(&pt, &post_tag_model);
	orm_model_clear(&pu, &post_tag_model);
}

static void test_text_keyed_relations(void **state)
{
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with wn[] = { ORM_WITH("notes.doc") };
	orm_query *q = orm_query_new("mdl_docs");
	int i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct doc d = { 0 };
		char title[16];
		snprintf(title, sizeof(title), "doc%d", i);
		ORM_MODEL_SET_TEXT(&doc_model, &d, title, title);
		assert_orm_ok(db, orm_model_save(&d, db, &doc_model));
		for (k = 0; k < i; k++) {
			struct note n = { 0 };
			ORM_MODEL_SET_TEXT(&note_model, &n, doc_id, d.id);
			ORM_MODEL_SET_TEXT(&note_model, &n, body, title);
			assert_orm_ok(db, orm_model_save(&n, db, &note_model));
			orm_model_clear(&n, &note_model);
		}
		orm_model_clear(&d, &doc_model);
	}
	orm_query_order_by(q, "title", ORM_ASC);
	assert_orm_ok(db, orm_collection_fetch_with(&c, db, &doc_model, q, wn, 1));
	assert_int_equal(c.count, 3);
	i = 0;
	ORM_COLLECTION_FOREACH(struct doc, d, &c) {
		assert_int_equal(d->nnotes, (size_t)i);
		for (k = 0; k < i; k++) {
			assert_string_equal(d->notes[k].body, d->title);
			assert_string_equal(d->notes[k].doc_id, d->id);
			assert_non_null(d->notes[k].doc);
			assert_string_equal(d->notes[k].doc->id, d->id);
		}
		i++;
	}
	orm_collection_free(&c);
	orm_query_free(q);
}

static void test_json_hidden(void **state)
{
	struct user u = { 0 };
	orm_buf j = ORM_BUF_INIT;

	(void)state;
	ORM_MODEL_SET_TEXT(&user_model, &u, email, "j\"son@example.com");
	ORM_MODEL_SET_TEXT(&user_model, &u, secret, "hunter2");
	ORM_MODEL_SET_NULL(&user_model, &u, age);
	u.id = 7;
	assert_orm_ok(db, orm_model_to_json(&j, &u, &user_model));
	assert_non_null(strstr(j.ptr, "\"email\":\"j\\\"son@example.com\""));
	assert_non_null(strstr(j.ptr, "\"age\":null"));
	assert_non_null(strstr(j.ptr, "\"id\":7"));
	assert_null(strstr(j.ptr, "hunter2"));
	assert_null(strstr(j.ptr, "secret"));
	orm_buf_dispose(&j);
	orm_model_clear(&u, &user_model);
}

/* ------------------------------------------------------------------ */
/* collections                                                        */

static void test_collection_fetch_count_page(void **state)
{
	orm_collection c = ORM_COLLECTION_INIT;
	orm_query *q;
	int64_t n = 0;
	char email[64];
	int i;

	(void)state;
	for (i = 1; i <= 25; i++) {
		snprintf(email, sizeof(email), "u%02d@example.com", i);
		mk_user(email, i);
	}
	q = orm_query_new("mdl_users");
	orm_query_where(q, "age", ">", orm_int(10));
	orm_query_order_by(q, "age", ORM_DESC);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, q));
	assert_int_equal(c.count, 15);
	assert_int_equal(ORM_COLLECTION_AT(struct user, &c, 0)->age, 25);
	assert_string_equal(ORM_COLLECTION_AT(struct user, &c, 14)->email, "u11@example.com");
	i = 0;
	ORM_COLLECTION_FOREACH(struct user, it, &c) {
		assert_true(it->orm.flags & ORM_STATE_PERSISTED);
		i++;
	}
	assert_int_equal(i, 15);
	assert_orm_ok(db, orm_collection_count(&n, db, &user_model, q));
	assert_int_equal(n, 15);

	/* page 2 of 4 rows, with the total */
	assert_orm_ok(db, orm_collection_fetch_page(&c, db, &user_model, q, 2, 4));
	assert_int_equal(c.count, 4);
	assert_int_equal(c.total, 15);
	assert_int_equal(c.page, 2);
	assert_int_equal(ORM_COLLECTION_AT(struct user, &c, 0)->age, 21);
	/* last, short page */
	assert_orm_ok(db, orm_collection_fetch_page(&c, db, &user_model, q, 4, 4));
	assert_int_equal(c.count, 3);
	assert_int_equal(ORM_COLLECTION_AT(struct user, &c, 2)->age, 11);
	assert_orm_rc(db, orm_collection_fetch_page(&c, db, &user_model, q, 0, 4), ORM_EINVAL);
	orm_query_free(q);

	/* or-conditions of the caller stay grouped */
	q = orm_query_new("mdl_users");
	orm_query_where(q, "age", "=", orm_int(1));
	orm_query_or_where(q, "age", "=", orm_int(2));
	assert_orm_ok(db, orm_collection_count(&n, db, &user_model, q));
	assert_int_equal(n, 2);
	orm_query_free(q);

	/* the caller's own select list is mapped by name */
	q = orm_query_new("mdl_users");
	orm_query_select(q, "email");
	orm_query_select(q, "id");
	orm_query_where(q, "age", "=", orm_int(5));
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, q));
	assert_int_equal(c.count, 1);
	assert_string_equal(ORM_COLLECTION_AT(struct user, &c, 0)->email, "u05@example.com");
	assert_true(ORM_COLLECTION_AT(struct user, &c, 0)->id > 0);
	assert_null(ORM_COLLECTION_AT(struct user, &c, 0)->name);
	orm_query_free(q);

	/* the whole table, and JSON of a collection */
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, NULL));
	assert_int_equal(c.count, 25);
	{
		orm_buf j = ORM_BUF_INIT;
		assert_orm_ok(db, orm_collection_to_json(&j, &c));
		assert_int_equal(j.ptr[0], '[');
		assert_non_null(strstr(j.ptr, "u25@example.com"));
		orm_buf_dispose(&j);
	}
	orm_collection_free(&c);
	orm_collection_free(&c); /* twice is fine */
	orm_collection_free(NULL);
}

/*
 * A collection's rows are read by a plan: the driver writes integers and
 * texts straight into the objects (column_store) and hands back the rest
 * (NULLs, doubles, booleans, values that do not fit) to the store path.
 * Both kinds of field side by side in one row, and a value that does not
 * fit its field, which fails the fetch naming the column.
 */
static void test_collection_read_mixed(void **state)
{
	orm_collection c = ORM_COLLECTION_INIT;
	orm_query *q;
	const struct user *a, *b;

	(void)state;
	assert_orm_ok(db, orm_exec(db, "INSERT INTO mdl_users (email, name, age, score, secret) "
				       "VALUES ('a@example.com', NULL, NULL, NULL, 'sa')"));
	assert_orm_ok(db, orm_exec(db, "INSERT INTO mdl_users (email, name, age, score) "
				       "VALUES ('b@example.com', 'Bee', 2147483647, 1.5)"));
	q = orm_query_new("mdl_users");
	orm_query_order_by(q, "email", ORM_ASC);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, q));
	assert_int_equal(c.count, 2);
	a = ORM_COLLECTION_AT(struct user, &c, 0);
	b = ORM_COLLECTION_AT(struct user, &c, 1);
	assert_string_equal(a->email, "a@example.com");
	assert_false(ORM_MODEL_IS_NULL(&user_model, a, email));
	assert_null(a->name);
	assert_true(ORM_MODEL_IS_NULL(&user_model, a, name));
	assert_true(ORM_MODEL_IS_NULL(&user_model, a, age));
	assert_int_equal(a->age, 0);
	assert_true(ORM_MODEL_IS_NULL(&user_model, a, score));
	assert_string_equal(a->secret, "sa");
	assert_string_equal(a->status, "new");
	assert_true(a->active);
	assert_string_equal(b->name, "Bee");
	assert_false(ORM_MODEL_IS_NULL(&user_model, b, name));
	assert_int_equal(b->age, INT32_MAX);
	assert_false(ORM_MODEL_IS_NULL(&user_model, b, age));
	assert_true(b->score == 1.5);
	assert_false(ORM_MODEL_IS_NULL(&user_model, b, score));
	assert_null(b->secret);
	assert_true(ORM_MODEL_IS_NULL(&user_model, b, secret));
	assert_true(a->id != b->id && a->id > 0 && b->id > 0);
	orm_collection_free(&c);

	/* integers of 19 digits and at int32_t's ends, an empty text, NULLs */
	assert_orm_ok(db, orm_exec(db, "INSERT INTO mdl_ints (n, m, t, c) VALUES "
				       "(9223372036854775807, -2147483648, 'x', 'ab')"));
	assert_orm_ok(db, orm_exec(db, "INSERT INTO mdl_ints (n, m, t, c) VALUES "
				       "(-9223372036854775807 - 1, 2147483647, '', NULL)"));
	assert_orm_ok(db, orm_exec(db, "INSERT INTO mdl_ints (n, m, t, c) VALUES (-12, NULL, NULL, 'xyz')"));
	{
		orm_query *iq = orm_query_new("mdl_ints");
		const struct ints *r;

		orm_query_order_by(iq, "id", ORM_ASC);
		assert_orm_ok(db, orm_collection_fetch(&c, db, &ints_model, iq));
		assert_int_equal(c.count, 3);
		r = ORM_COLLECTION_AT(struct ints, &c, 0);
		assert_true(r->n == INT64_MAX && r->m == INT32_MIN);
		assert_string_equal(r->t, "x");
		assert_true(r->c && strncmp(r->c, "ab", 2) == 0);
		assert_false(ORM_MODEL_IS_NULL(&ints_model, r, n) || ORM_MODEL_IS_NULL(&ints_model, r, m));
		r = ORM_COLLECTION_AT(struct ints, &c, 1);
		assert_true(r->n == INT64_MIN && r->m == INT32_MAX);
		assert_non_null(r->t);
		assert_string_equal(r->t, "");
		assert_false(ORM_MODEL_IS_NULL(&ints_model, r, t));
		assert_null(r->c);
		r = ORM_COLLECTION_AT(struct ints, &c, 2);
		assert_true(r->n == -12 && r->m == 0);
		assert_true(ORM_MODEL_IS_NULL(&ints_model, r, m));
		assert_false(ORM_MODEL_IS_NULL(&ints_model, r, n));
		assert_null(r->t);
		assert_string_equal(r->c, "xyz");
		orm_collection_free(&c);
		/* past int32_t in the int32_t field: the fetch fails, naming the column */
		assert_orm_ok(db, orm_exec(db, "UPDATE mdl_ints SET m = 2147483648 WHERE n = -12"));
		assert_orm_rc(db, orm_collection_fetch(&c, db, &ints_model, iq), ORM_ETYPE);
		assert_non_null(strstr(orm_conn_errmsg(db), "column m"));
		assert_int_equal(c.count, 0);
		orm_query_free(iq);
	}

	if (dialect == ORM_DIALECT_SQLITE) {
		/* SQLite keeps what it is given: an integer past int32_t and a
		 * text in the INTEGER column age; each fails the fetch, naming
		 * the column, and leaves the collection empty */
		static const char *const bad[] = { "3000000000", "'abc'" };
		size_t i;

		for (i = 0; i < 2; i++) {
			char sql[128];

			snprintf(sql, sizeof(sql), "UPDATE mdl_users SET age = %s WHERE email = 'b@example.com'",
				 bad[i]);
			assert_orm_ok(db, orm_exec(db, sql));
			assert_orm_rc(db, orm_collection_fetch(&c, db, &user_model, q), ORM_ETYPE);
			assert_non_null(strstr(orm_conn_errmsg(db), "column age"));
			assert_int_equal(c.count, 0);
			assert_null(c.items);
		}
	}
	orm_query_free(q);
}

static void test_bulk_save(void **state)
{
	enum { N = 2500 };
	struct post *posts = calloc(N, sizeof(*posts));
	char (*titles)[32] = calloc(N, sizeof(*titles));
	orm_collection c = ORM_COLLECTION_INIT;
	int64_t uid = mk_user("bulk@example.com", 1), sum = 0, n = 0;
	unsigned long before;
	size_t i;

	(void)state;
	assert_non_null(posts);
	for (i = 0; i < N; i++) {
		snprintf(titles[i], sizeof(titles[i]), "Post %zu", i);
		posts[i].user_id = uid;
		posts[i].title = titles[i];
		posts[i].published = i % 2;
	}
	before = execs();
	assert_orm_ok(db, orm_model_insert_many(posts, N, db, &post_model));
	/* one statement per batch of at most 1000 rows (+ begin/commit are orm_exec);
	 * SQLite adds two small ones: the trigger check (EXPLAIN) and max(rowid) */
	assert_true(execs() - before <= (orm_conn_dialect(db) == ORM_DIALECT_SQLITE ? 5u : 3u));
	for (i = 0; i < N; i++) {
		assert_true(posts[i].orm.flags & ORM_STATE_PERSISTED);
		if (i)
			assert_true(posts[i].id > posts[i - 1].id);
		sum += posts[i].id;
	}
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts"), N);
	{
		int64_t dbsum = 0;
		assert_orm_ok(db, orm_query_int(db, &dbsum, "SELECT SUM(id) FROM mdl_posts", NULL, 0));
		assert_int_equal(dbsum, sum);
	}
	/* each id matches its title */
	{
		orm_value p[1] = { orm_int(posts[1234].id) };
		orm_stmt *st;
		assert_orm_ok(db, orm_prepare(&st, db, "SELECT title FROM mdl_posts WHERE id = ?"));
		orm_bind_values(st, p, 1, ORM_BIND_STATIC);
		assert_int_equal(orm_stmt_step(st), ORM_ROW);
		assert_string_equal(orm_column_text(st, 0, NULL), "Post 1234");
		orm_stmt_free(st);
	}
	for (i = 0; i < N; i++)
		posts[i].title = NULL;

	/* SQLite reads bulk ids from the rowids unless a trigger may write to
	 * the table: with one that inserts into the same table, every id must
	 * still be its own row's */
	if (orm_conn_dialect(db) == ORM_DIALECT_SQLITE) {
		enum { T = 10 };
		orm_stmt *st;

		assert_orm_ok(db, orm_exec(db, "CREATE TRIGGER mdl_shadow AFTER INSERT ON mdl_posts "
					   "WHEN NEW.title LIKE 'T%' BEGIN INSERT INTO mdl_posts "
					   "(user_id, title, published) VALUES (NEW.user_id, 'shadow', 0); END"));
		memset(posts, 0, T * sizeof(*posts));
		for (i = 0; i < T; i++) {
			snprintf(titles[i], sizeof(titles[i]), "T%zu", i);
			posts[i].user_id = uid;
			posts[i].title = titles[i];
		}
		assert_orm_ok(db, orm_model_insert_many(posts, T, db, &post_model));
		assert_orm_ok(db, orm_prepare(&st, db, "SELECT title FROM mdl_posts WHERE id = ?"));
		for (i = 0; i < T; i++) {
			orm_value p[1] = { orm_int(posts[i].id) };
			orm_bind_values(st, p, 1, ORM_BIND_STATIC);
			assert_int_equal(orm_stmt_step(st), ORM_ROW);
			assert_string_equal(orm_column_text(st, 0, NULL), titles[i]);
			orm_stmt_reset(st);
			posts[i].title = NULL;
		}
		orm_stmt_free(st);
		assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts WHERE title = 'shadow'"), T);
		assert_orm_ok(db, orm_exec(db, "DROP TRIGGER mdl_shadow"));
		assert_orm_ok(db, orm_exec(db, "DELETE FROM mdl_posts WHERE title = 'shadow' OR title LIKE 'T%'"));
	}
	free(titles);

	/* a failing batch rolls everything back and leaves the objects new */
	for (i = 0; i < 3; i++) {
		memset(&posts[i], 0, sizeof(posts[i]));
		posts[i].user_id = i == 2 ? 999999 : uid;
		posts[i].title = (char *)"fk";
	}
	assert_orm_rc(db, orm_model_insert_many(posts, 3, db, &post_model), ORM_EFOREIGNKEY);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts"), N);
	for (i = 0; i < 3; i++) {
		assert_false(posts[i].orm.flags & ORM_STATE_PERSISTED);
		assert_int_equal(posts[i].id, 0);
	}

	/* a collection built with append and saved: inserts and updates */
	for (i = 0; i < 3; i++) {
		struct post p = { 0 };
		p.user_id = uid;
		ORM_MODEL_SET_TEXT(&post_model, &p, title, i == 1 ? "mid" : "edge");
		assert_orm_ok(db, orm_collection_append(&c, &post_model, &p));
		assert_null(p.title);
	}
	assert_orm_ok(db, orm_collection_save(&c, db));
	ORM_COLLECTION_FOREACH(struct post, it, &c)
		assert_true(it->id > 0);
	ORM_MODEL_SET_TEXT(&post_model, ORM_COLLECTION_AT(struct post, &c, 1), title, "mid2");
	assert_orm_ok(db, orm_collection_save(&c, db));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts WHERE title = 'mid2'"), 1);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts"), N + 3);
	orm_collection_free(&c);
	(void)n;
	free(posts);
}

/* A bulk insert fills each row as a single insert does: client default
 * (active), timestamps, the server default read back (status); and a
 * row's own value wins over the default. */
static void test_insert_many_fills(void **state)
{
	struct user us[3];
	size_t i;
	char email[32];

	(void)state;
	memset(us, 0, sizeof(us));
	for (i = 0; i < 3; i++) {
		snprintf(email, sizeof(email), "bulk%zu@example.com", i);
		assert_orm_ok(db, ORM_MODEL_SET_TEXT(&user_model, &us[i], email, email));
	}
	ORM_MODEL_SET(&user_model, &us[2], active, false);
	assert_orm_ok(db, orm_model_insert_many(us, 3, db, &user_model));
	for (i = 0; i < 3; i++) {
		assert_true(us[i].id > 0);
		assert_true(us[i].active == (i < 2));
		assert_non_null(us[i].created_at);
		assert_non_null(us[i].updated_at);
		assert_non_null(us[i].status);
		assert_string_equal(us[i].status, "new");
	}
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users WHERE created_at IS NOT NULL AND "
				    "updated_at IS NOT NULL"), 3);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_users WHERE NOT active"), 1);
	for (i = 0; i < 3; i++)
		orm_model_clear(&us[i], &user_model);
}

/* Rows whose key the program sets: a bulk insert of them may go as one
 * row's INSERT run once per row (MariaDB's array binding, see bulk_array
 * in orm/collection.c); every kind of value must arrive as a multi-row
 * INSERT would send it. */
struct rowv {
	orm_model_state orm;
	int64_t id;
	char *name;
	int32_t n;
	double d;
	_Bool b;
	char *at;
	orm_value v;
};
static const orm_field rowv_fields[] = {
	ORM_FIELD_INT64(struct rowv, id, ORM_PK),
	ORM_FIELD_TEXT(struct rowv, name, ORM_NULLABLE),
	ORM_FIELD_INT32(struct rowv, n, ORM_NULLABLE),
	ORM_FIELD_DOUBLE(struct rowv, d, ORM_NULLABLE),
	ORM_FIELD_BOOL(struct rowv, b, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMPTZ(struct rowv, at, ORM_NULLABLE),
	ORM_FIELD_VALUE(struct rowv, v, ORM_NULLABLE),
};
static const orm_model rowv_model = ORM_MODEL(struct rowv, orm, "rowv", "mdl_rows", rowv_fields);

/* MariaDB's count of prepared statements on this session. */
static int64_t my_prepares(void)
{
	orm_stmt *st;
	int64_t n = -1;

	assert_orm_ok(db, orm_prepare(&st, db, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'"));
	assert_int_equal(orm_stmt_step(st), ORM_ROW);
	n = strtoll(orm_column_text(st, 1, NULL), NULL, 10);
	orm_stmt_free(st);
	return n;
}

static void rowv_fill(struct rowv *r, int64_t id, orm_value v)
{
	char name[300];

	memset(r, 0, sizeof(*r));
	r->id = id;
	if (id % 3 == 0) {
		ORM_MODEL_SET_NULL(&rowv_model, r, name);
	} else if (id % 3 == 1) {
		memset(name, 'a' + (int)(id % 26), 200); /* past the driver's 128-byte slots */
		name[200] = '\0';
		assert_orm_ok(db, ORM_MODEL_SET_TEXT(&rowv_model, r, name, name));
	} else {
		snprintf(name, sizeof(name), "name %" PRId64, id);
		assert_orm_ok(db, ORM_MODEL_SET_TEXT(&rowv_model, r, name, name));
	}
	if (id % 2)
		ORM_MODEL_SET_NULL(&rowv_model, r, n);
	else
		ORM_MODEL_SET(&rowv_model, r, n, (int32_t)(id * 10));
	ORM_MODEL_SET(&rowv_model, r, d, (double)id / 4);
	ORM_MODEL_SET(&rowv_model, r, b, id % 2 == 0);
	if (id % 4 == 3)
		ORM_MODEL_SET_NULL(&rowv_model, r, at);
	else
		assert_orm_ok(db, ORM_MODEL_SET_TEXT(&rowv_model, r, at,
						     id % 4 == 1 ? "2024-02-29 13:45:30.500000+02:00"
								 : "2024-03-01 00:00:01.000000+00:00"));
	assert_orm_ok(db, orm_model_set(r, &rowv_model, "v", v));
}

/* The row with this id as the database has it, against rowv_fill's. */
static void rowv_check(int64_t id, orm_value v)
{
	struct rowv want, got;
	orm_query *q = orm_query_new("mdl_rows");

	rowv_fill(&want, id, v);
	memset(&got, 0, sizeof(got));
	orm_query_where(q, "id", "=", orm_int(id));
	assert_orm_ok(db, orm_model_fetch(&got, db, &rowv_model, q));
	orm_query_free(q);
	if (want.name) {
		assert_non_null(got.name);
		assert_string_equal(got.name, want.name);
	} else {
		assert_null(got.name);
	}
	assert_int_equal(ORM_MODEL_IS_NULL(&rowv_model, &got, n), id % 2 != 0);
	if (id % 2 == 0)
		assert_int_equal(got.n, id * 10);
	assert_true(got.d == (double)id / 4);
	assert_int_equal(got.b, id % 2 == 0);
	if (id % 4 == 3) {
		assert_null(got.at);
	} else {
		/* the same moment, in UTC */
		assert_non_null(got.at);
		assert_non_null(strstr(got.at, id % 4 == 1 ? "2024-02-29 11:45:30.5" : "2024-03-01 00:00:01"));
	}
	if (v.type == ORM_TYPE_NULL) {
		assert_int_equal(got.v.type, ORM_TYPE_NULL);
	} else {
		/* a VARCHAR column: the integer 7 comes back as the text "7" */
		const char *w = v.type == ORM_TYPE_INT ? "7" : v.u.s.ptr;
		assert_int_equal(got.v.type, ORM_TYPE_TEXT);
		assert_int_equal(got.v.u.s.len, strlen(w));
		assert_memory_equal(got.v.u.s.ptr, w, strlen(w));
	}
	orm_model_clear(&want, &rowv_model);
	orm_model_clear(&got, &rowv_model);
}

static void test_insert_many_rows(void **state)
{
	enum { N = 9 };
	struct rowv rows[N];
	const char *tstz = dialect == ORM_DIALECT_POSTGRES ? "TIMESTAMPTZ(6)"
			   : dialect == ORM_DIALECT_MARIADB ? "TIMESTAMP(6) NULL" : "TIMESTAMPTZ";
	char ddl_rows[256];
	int64_t before = 0, i;

	(void)state;
	snprintf(ddl_rows, sizeof(ddl_rows),
		 "CREATE TABLE mdl_rows (id BIGINT PRIMARY KEY, name VARCHAR(300), n INTEGER, d %s, "
		 "b BOOLEAN, at %s, v VARCHAR(40))",
		 dialect == ORM_DIALECT_POSTGRES ? "DOUBLE PRECISION" : "DOUBLE", tstz);
	orm_exec(db, "DROP TABLE IF EXISTS mdl_rows");
	assert_orm_ok(db, orm_exec(db, ddl_rows));

	/* one row, then eight with the same columns: on MariaDB the eight
	 * reuse the one row's statement (no new prepare), as an array */
	rowv_fill(&rows[0], 0, orm_text("t0"));
	assert_orm_ok(db, orm_model_insert_many(rows, 1, db, &rowv_model));
	if (dialect == ORM_DIALECT_MARIADB)
		before = my_prepares();
	for (i = 1; i < N; i++)
		rowv_fill(&rows[i], i, i % 3 == 0 ? orm_null() : orm_text(i % 2 ? "odd" : "even"));
	assert_orm_ok(db, orm_model_insert_many(rows + 1, N - 1, db, &rowv_model));
	if (dialect == ORM_DIALECT_MARIADB)
		assert_int_equal(my_prepares() - before, 0); /* SHOW STATUS is a cached statement */
	for (i = 0; i < N; i++) {
		assert_true(rows[i].orm.flags & ORM_STATE_PERSISTED);
		rowv_check(i, i == 0 ? orm_text("t0")
				     : i % 3 == 0 ? orm_null() : orm_text(i % 2 ? "odd" : "even"));
		orm_model_clear(&rows[i], &rowv_model);
	}

	/* a value field with an integer in one row and text in another: the
	 * multi-row INSERT, which binds each value by itself */
	rowv_fill(&rows[0], 100, orm_int(7));
	rowv_fill(&rows[1], 101, orm_text("seven"));
	rowv_fill(&rows[2], 102, orm_null());
	assert_orm_ok(db, orm_model_insert_many(rows, 3, db, &rowv_model));
	rowv_check(100, orm_int(7));
	rowv_check(101, orm_text("seven"));
	rowv_check(102, orm_null());
	for (i = 0; i < 3; i++)
		orm_model_clear(&rows[i], &rowv_model);

	/* a duplicate key in the middle: nothing of the call stays */
	for (i = 0; i < 5; i++)
		rowv_fill(&rows[i], i == 2 ? 5 : 200 + i, orm_text("dup"));
	assert_orm_rc(db, orm_model_insert_many(rows, 5, db, &rowv_model), ORM_EUNIQUE);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_rows"), N + 3);
	for (i = 0; i < 5; i++) {
		assert_false(rows[i].orm.flags & ORM_STATE_PERSISTED);
		orm_model_clear(&rows[i], &rowv_model);
	}
	assert_orm_ok(db, orm_exec(db, "DROP TABLE mdl_rows"));
}

/* ------------------------------------------------------------------ */
/* associations                                                       */

/* nu users, each with u % 4 posts; post p has p % 3 comments; tags t0..t4,
 * post p tagged with tags (p % 5) and ((p + 1) % 5); every other post published. */
struct fixture {
	int64_t users[64], tags[5];
	int nu, nposts, ncomments;
};

static void build_fixture(struct fixture *f, int nu)
{
	char name[64];
	int u, k, pn = 0;

	memset(f, 0, sizeof(*f));
	f->nu = nu;
	for (k = 0; k < 5; k++) {
		snprintf(name, sizeof(name), "t%d", k);
		f->tags[k] = mk_tag(name);
	}
	for (u = 0; u < nu; u++) {
		struct profile pr = { 0 };
		snprintf(name, sizeof(name), "f%02d@example.com", u);
		f->users[u] = mk_user(name, u);
		if (u % 2 == 0) {
			pr.user_id = f->users[u];
			ORM_MODEL_SET_TEXT(&profile_model, &pr, bio, name);
			assert_orm_ok(db, orm_model_save(&pr, db, &profile_model));
			orm_model_clear(&pr, &profile_model);
		}
		for (k = 0; k < u % 4; k++) {
			struct post p = { 0 };
			int c;
			orm_value ids[2];

			snprintf(name, sizeof(name), "u%d-p%d", u, k);
			p.user_id = f->users[u];
			ORM_MODEL_SET_TEXT(&post_model, &p, title, name);
			p.published = pn % 2 == 0;
			assert_orm_ok(db, orm_model_save(&p, db, &post_model));
			for (c = 0; c < pn % 3; c++) {
				snprintf(name, sizeof(name), "u%d-p%d-c%d", u, k, c);
				mk_comment(p.id, name);
				f->ncomments++;
			}
			ids[0] = orm_int(f->tags[pn % 5]);
			ids[1] = orm_int(f->tags[(pn + 1) % 5]);
			assert_orm_ok(db, orm_model_attach(&p, db, &post_model, "tags", ids, 2, NULL, NULL, 0));
			orm_model_clear(&p, &post_model);
			pn++;
		}
	}
	f->nposts = pn;
}

/* Check the users collection loaded with posts.tags, posts.comments, profile. */
static void check_loaded(orm_collection *c, const struct fixture *f)
{
	size_t nposts = 0, ncomments = 0, ntags = 0;

	ORM_COLLECTION_FOREACH(struct user, u, c) {
		size_t k;
		int idx = u->age; /* age == index in the fixture */

		assert_true(orm_model_loaded(u, &user_model, "posts"));
		assert_true(orm_model_loaded(u, &user_model, "profile"));
		assert_int_equal(u->nposts, (size_t)(idx % 4));
		if (idx % 2 == 0) {
			assert_non_null(u->profile);
			assert_int_equal(u->profile->user_id, u->id);
			assert_string_equal(u->profile->bio, u->email);
		} else {
			assert_null(u->profile);
		}
		for (k = 0; k < u->nposts; k++) {
			struct post *p = &u->posts[k];
			size_t t;
			assert_int_equal(p->user_id, u->id);
			assert_true(orm_model_loaded(p, &post_model, "tags"));
			assert_int_equal(p->ntags, 2);
			for (t = 0; t < p->ntags; t++)
				assert_true(p->tags[t].name[0] == 't');
			assert_true(p->tags[0].id != p->tags[1].id);
			for (t = 0; t < p->ncomments; t++)
				assert_int_equal(p->comments[t].post_id, p->id);
			ncomments += p->ncomments;
			ntags += p->ntags;
		}
		nposts += u->nposts;
	}
	assert_int_equal(nposts, (size_t)f->nposts);
	assert_int_equal(ncomments, (size_t)f->ncomments);
	assert_int_equal(ntags, (size_t)f->nposts * 2);
}

static unsigned long load_count(int limit_users, struct fixture *f, int check)
{
	orm_collection c = ORM_COLLECTION_INIT;
	orm_query *q = orm_query_new("mdl_users");
	orm_with w[] = { ORM_WITH("posts.tags"), ORM_WITH("posts.comments"), ORM_WITH("profile") };
	unsigned long before;

	orm_query_where(q, "age", "<", orm_int(limit_users));
	orm_query_order_by(q, "id", ORM_ASC);
	before = execs();
	assert_orm_ok(db, orm_collection_fetch_with(&c, db, &user_model, q, w, ORM_COUNTOF(w)));
	before = execs() - before;
	assert_int_equal(c.count, (size_t)limit_users);
	if (check) {
		struct fixture sub = *f;
		int u;
		sub.nposts = 0;
		sub.ncomments = 0;
		/* recount for the first limit_users users */
		for (u = 0; u < limit_users; u++)
			sub.nposts += u % 4;
		{
			int pn;
			for (pn = 0; pn < sub.nposts; pn++)
				sub.ncomments += pn % 3;
		}
		check_loaded(&c, &sub);
	}
	orm_collection_free(&c);
	orm_query_free(q);
	return before;
}

static void test_eager_two_levels_constant_queries(void **state)
{
	struct fixture f;
	unsigned long small, large;

	(void)state;
	build_fixture(&f, 40);
	small = load_count(5, &f, 1);
	large = load_count(40, &f, 1);
	print_message("# eager loading: %lu statements for 5 users, %lu for 40\n", small, large);
	/* users, posts, tags, comments, profile: one statement each */
	assert_int_equal(small, 5);
	assert_int_equal(large, 5);
}

static void test_eager_three_levels(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { ORM_WITH("post.author.profile"), ORM_WITH("post.tags.posts") };
	unsigned long before;
	size_t seen = 0;

	(void)state;
	build_fixture(&f, 12);
	before = execs();
	assert_orm_ok(db, orm_collection_fetch_with(&c, db, &comment_model, NULL, w, 2));
	/* comments, posts, users, profiles, tags, tags' posts */
	assert_int_equal(execs() - before, 6);
	assert_int_equal(c.count, (size_t)f.ncomments);
	ORM_COLLECTION_FOREACH(struct comment, cm, &c) {
		struct post *p = cm->post;
		assert_non_null(p);
		assert_int_equal(p->id, cm->post_id);
		assert_non_null(p->author);
		assert_int_equal(p->author->id, p->user_id);
		assert_true(orm_model_loaded(p->author, &user_model, "profile"));
		if (p->author->age % 2 == 0)
			assert_non_null(p->author->profile);
		else
			assert_null(p->author->profile);
		assert_int_equal(p->ntags, 2);
		/* each tag lists the posts it is on, this one among them */
		{
			size_t t, k;
			for (t = 0; t < p->ntags; t++) {
				int found = 0;
				for (k = 0; k < p->tags[t].nposts; k++)
					found |= p->tags[t].posts[k].id == p->id;
				assert_true(found);
			}
		}
		seen++;
	}
	assert_int_equal(seen, (size_t)f.ncomments);
	orm_collection_free(&c);
}

static void test_eager_constraint(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_query *pub = orm_query_new("mdl_posts");
	orm_with w[2];
	size_t total = 0;

	(void)state;
	build_fixture(&f, 16);
	orm_query_where(pub, "published", "=", orm_bool(1));
	orm_query_order_by(pub, "title", ORM_DESC);
	w[0] = (orm_with)ORM_WITH_WHERE("posts", pub);
	w[1] = (orm_with)ORM_WITH("posts.tags");
	assert_orm_ok(db, orm_collection_fetch_with(&c, db, &user_model, NULL, w, 2));
	ORM_COLLECTION_FOREACH(struct user, u, &c) {
		size_t k;
		for (k = 0; k < u->nposts; k++) {
			assert_true(u->posts[k].published);
			assert_int_equal(u->posts[k].ntags, 2);
			if (k)
				assert_true(strcmp(u->posts[k - 1].title, u->posts[k].title) > 0);
		}
		total += u->nposts;
	}
	assert_int_equal(total, (size_t)(f.nposts + 1) / 2);
	orm_collection_free(&c);
	orm_query_free(pub);
}

static void test_eager_chunking(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { { "posts", NULL, 7 }, { "posts.tags", NULL, 4 } };
	unsigned long before;
	size_t nposts = 0;
	int u;

	(void)state;
	build_fixture(&f, 50);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, NULL));
	assert_int_equal(c.count, 50);
	before = execs();
	assert_orm_ok(db, orm_collection_load(&c, db, w, 2));
	/* 50 user keys in lists of 7: 8 statements; f.nposts post keys in lists of 4 */
	assert_int_equal(execs() - before, 8 + (f.nposts + 3) / 4);
	ORM_COLLECTION_FOREACH(struct user, it, &c) {
		size_t k;
		assert_int_equal(it->nposts, (size_t)(it->age % 4));
		for (k = 0; k < it->nposts; k++)
			assert_int_equal(it->posts[k].ntags, 2);
		nposts += it->nposts;
	}
	assert_int_equal(nposts, (size_t)f.nposts);
	(void)u;
	orm_collection_free(&c);
}

/*
 * SQLite and MariaDB send integer keys as one JSON array (json_each,
 * JSON_TABLE); an SQLite built without JSON or a MariaDB before 10.6
 * makes the first such statement fail to prepare, and the loader falls
 * back to IN lists for the connection. Force that fallback and check the
 * same results and statement counts.
 */
static void test_eager_in_list_fallback(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { { "posts", NULL, 7 }, { "posts.tags", NULL, 4 } };
	unsigned long before;

	(void)state;
	db->no_key_array = 1; /* no effect on PostgreSQL (arrays) */
	build_fixture(&f, 40);
	assert_int_equal(load_count(40, &f, 1), 5);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, NULL));
	before = execs();
	assert_orm_ok(db, orm_collection_load(&c, db, w, 2));
	assert_int_equal(execs() - before, 6 + (f.nposts + 3) / 4);
	ORM_COLLECTION_FOREACH(struct user, it, &c)
		assert_int_equal(it->nposts, (size_t)(it->age % 4));
	orm_collection_free(&c);
	db->no_key_array = 0;
}

/*
 * A lone ORM_AUTO key comes back right whatever fills it. On MariaDB the
 * first insert into an AUTO_INCREMENT table proves the column is one
 * (RETURNING and the statement's insert id agree) and later inserts take
 * the statement's insert id instead of RETURNING; a key filled by a
 * sequence default never passes the proof. Inserts into the two tables
 * alternate, so a stale id from the other table would show.
 */
static const orm_model seqkey_model = ORM_MODEL(struct big, orm, "seqkey", "mdl_seqkeys", big_fields);

static void test_insert_auto_key_ids(void **state)
{
	int seq = dialect == ORM_DIALECT_MARIADB;
	int k;

	(void)state;
	orm_exec(db, "DROP TABLE IF EXISTS mdl_seqkeys");
	if (seq) {
		orm_exec(db, "DROP SEQUENCE IF EXISTS mdl_seq");
		assert_orm_ok(db, orm_exec(db, "CREATE SEQUENCE mdl_seq START WITH 1000"));
		assert_orm_ok(db, orm_exec(db, "CREATE TABLE mdl_seqkeys (id BIGINT PRIMARY KEY DEFAULT NEXTVAL(mdl_seq), "
					     "n INTEGER NOT NULL, label VARCHAR(40) NOT NULL)"));
	}
	for (k = 0; k < 4; k++) {
		struct big b = { 0 }, s = { 0 };
		orm_value pv;
		int64_t n = -1, maxid = -1;

		b.n = 100 + k;
		strcpy(b.label, "auto");
		assert_orm_ok(db, orm_model_insert(&b, db, &big_model));
		assert_orm_ok(db, orm_query_int(db, &maxid, "SELECT MAX(id) FROM mdl_big", NULL, 0));
		assert_int_equal(b.id, maxid);
		pv = orm_int(b.id);
		assert_orm_ok(db, orm_query_int(db, &n, "SELECT n FROM mdl_big WHERE id = ?", &pv, 1));
		assert_int_equal(n, 100 + k);
		if (!seq)
			continue;
		s.n = 200 + k;
		strcpy(s.label, "seq");
		assert_orm_ok(db, orm_model_insert(&s, db, &seqkey_model));
		assert_int_equal(s.id, 1000 + k);
		pv = orm_int(s.id);
		assert_orm_ok(db, orm_query_int(db, &n, "SELECT n FROM mdl_seqkeys WHERE id = ?", &pv, 1));
		assert_int_equal(n, 200 + k);
	}
	if (seq) {
		orm_exec(db, "DROP TABLE mdl_seqkeys");
		orm_exec(db, "DROP SEQUENCE mdl_seq");
	}
}

/*
 * Eager loads whose parent keys pass the 32-bit range. PostgreSQL sends
 * the keys as an array whose type the server takes from the key column,
 * unless a key is past the 32-bit range: then as bigint[], so that an
 * INTEGER column compared with it matches nothing instead of failing.
 * Both forms are run here, against a BIGINT and an INTEGER foreign key.
 */
struct wparent {
	orm_model_state orm;
	int64_t id;
	char name[16];
	struct wkid *wkids;
	size_t nwkids;
	struct wkid *nkids;
	size_t nnkids;
};
struct wkid {
	orm_model_state orm;
	int64_t id;
	int64_t parent_id;
};
static const orm_field wkid_fields[] = {
	ORM_FIELD_INT64(struct wkid, id, ORM_PK),
	ORM_FIELD_INT64(struct wkid, parent_id, 0),
};
static const orm_model wkid_model = ORM_MODEL(struct wkid, orm, "wkid", "mdl_wkids", wkid_fields);
static const orm_model nkid_model = ORM_MODEL(struct wkid, orm, "nkid", "mdl_nkids", wkid_fields);
static const orm_field wparent_fields[] = {
	ORM_FIELD_INT64(struct wparent, id, ORM_PK),
	ORM_FIELD_CHARS(struct wparent, name, 0),
};
static const orm_relation wparent_rels[] = {
	ORM_HAS_MANY(struct wparent, wkids, nwkids, struct wkid, &wkid_model),
	ORM_HAS_MANY(struct wparent, nkids, nnkids, struct wkid, &nkid_model),
};
static const orm_model wparent_model = ORM_MODEL_EX(struct wparent, orm, "parent", "mdl_wparents",
						    wparent_fields, ORM_RELATIONS(wparent_rels));

static void test_eager_wide_keys(void **state)
{
	static const char *const setup[] = {
		"CREATE TABLE mdl_wparents (id BIGINT PRIMARY KEY, name VARCHAR(16) NOT NULL)",
		"CREATE TABLE mdl_wkids (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL)",
		"CREATE TABLE mdl_nkids (id BIGINT PRIMARY KEY, parent_id INTEGER NOT NULL)",
		"INSERT INTO mdl_wparents (id, name) VALUES (1, 'one'), (2, 'two'), (5000000000, 'wide')",
		"INSERT INTO mdl_wkids (id, parent_id) VALUES (10, 1), (11, 5000000000), (12, 5000000000)",
		"INSERT INTO mdl_nkids (id, parent_id) VALUES (20, 1), (21, 2), (22, 2)",
	};
	orm_with w[] = { ORM_WITH("wkids"), ORM_WITH("nkids") };
	int narrow;
	size_t i;

	(void)state;
	orm_exec(db, "DROP TABLE IF EXISTS mdl_nkids");
	orm_exec(db, "DROP TABLE IF EXISTS mdl_wkids");
	orm_exec(db, "DROP TABLE IF EXISTS mdl_wparents");
	for (i = 0; i < ORM_COUNTOF(setup); i++)
		assert_orm_ok(db, orm_exec(db, setup[i]));
	/* narrow: only the parents within 32 bits; else the wide one too */
	for (narrow = 0; narrow < 2; narrow++) {
		orm_collection c = ORM_COLLECTION_INIT;
		orm_query *q = orm_query_new("mdl_wparents");

		if (narrow)
			orm_query_where(q, "id", "<", orm_int(100));
		orm_query_order_by(q, "id", ORM_ASC);
		assert_orm_ok(db, orm_collection_fetch_with(&c, db, &wparent_model, q, w, ORM_COUNTOF(w)));
		orm_query_free(q);
		assert_int_equal(c.count, narrow ? 2 : 3);
		ORM_COLLECTION_FOREACH(struct wparent, it, &c) {
			size_t k;

			for (k = 0; k < it->nwkids; k++)
				assert_int_equal(it->wkids[k].parent_id, it->id);
			for (k = 0; k < it->nnkids; k++)
				assert_int_equal(it->nkids[k].parent_id, it->id);
			if (it->id == 1) {
				assert_int_equal(it->nwkids, 1);
				assert_int_equal(it->wkids[0].id, 10);
				assert_int_equal(it->nnkids, 1);
				assert_int_equal(it->nkids[0].id, 20);
			} else if (it->id == 2) {
				assert_int_equal(it->nwkids, 0);
				assert_int_equal(it->nnkids, 2);
			} else {
				assert_true(it->id == INT64_C(5000000000));
				assert_int_equal(it->nwkids, 2);
				assert_int_equal(it->nnkids, 0);
			}
		}
		orm_collection_free(&c);
	}
	orm_exec(db, "DROP TABLE mdl_nkids");
	orm_exec(db, "DROP TABLE mdl_wkids");
	orm_exec(db, "DROP TABLE mdl_wparents");
}

static void test_belongs_to_many_pivot(void **state)
{
	struct post p = { 0 }, q = { 0 };
	orm_with w[] = { ORM_WITH("tags") };
	int64_t uid = mk_user("btm@example.com", 1), removed = -1;
	int64_t t1 = mk_tag("red"), t2 = mk_tag("green"), t3 = mk_tag("blue");
	orm_value ids[3] = { orm_int(t1), orm_int(t2), orm_int(t3) };
	const char *pc[] = { "role" };
	orm_value pv[] = { orm_text("primary") };
	size_t i;

	(void)state;
	p.user_id = uid;
	ORM_MODEL_SET_TEXT(&post_model, &p, title, "tagged");
	assert_orm_ok(db, orm_model_save(&p, db, &post_model));
	assert_orm_ok(db, orm_model_attach(&p, db, &post_model, "tags", ids, 1, pc, pv, 1));
	assert_orm_ok(db, orm_model_attach(&p, db, &post_model, "tags", ids + 1, 2, NULL, NULL, 0));
	/* attaching twice is a unique violation on the pivot's key */
	assert_orm_rc(db, orm_model_attach(&p, db, &post_model, "tags", ids, 1, NULL, NULL, 0), ORM_EUNIQUE);
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts_mdl_tags"), 3);

	q.id = p.id;
	assert_orm_ok(db, orm_model_fetch(&q, db, &post_model, NULL));
	assert_orm_ok(db, orm_model_load(&q, db, &post_model, w, 1));
	assert_int_equal(q.ntags, 3);
	for (i = 0; i < q.ntags; i++) {
		if (q.tags[i].id == t1)
			assert_string_equal(q.tags[i].role, "primary");
		else
			assert_null(q.tags[i].role);
	}
	/* detach one, then sync to {t3, t1}: t2 goes, t1 comes back */
	assert_orm_ok(db, orm_model_detach(&p, db, &post_model, "tags", ids, 1, &removed));
	assert_int_equal(removed, 1);
	{
		orm_value want[3] = { orm_int(t3), orm_int(t1), orm_int(t3) };
		assert_orm_ok(db, orm_model_sync(&p, db, &post_model, "tags", want, 3));
	}
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts_mdl_tags"), 2);
	{
		orm_value pp[1] = { orm_int(t2) };
		int64_t n = -1;
		assert_orm_ok(db, orm_query_int(db, &n, "SELECT COUNT(*) FROM mdl_posts_mdl_tags WHERE tag_id = ?", pp, 1));
		assert_int_equal(n, 0);
	}
	/* the reverse direction: tag.posts */
	{
		struct tag t = { 0 };
		orm_with wp[] = { ORM_WITH("posts.author") };
		assert_orm_ok(db, orm_model_find_id(&t, db, &tag_model, t1));
		assert_orm_ok(db, orm_model_load(&t, db, &tag_model, wp, 1));
		assert_int_equal(t.nposts, 1);
		assert_string_equal(t.posts[0].title, "tagged");
		assert_non_null(t.posts[0].author);
		assert_string_equal(t.posts[0].author->email, "btm@example.com");
		orm_model_clear(&t, &tag_model);
	}
	/* detach all */
	assert_orm_ok(db, orm_model_detach(&p, db, &post_model, "tags", NULL, 0, &removed));
	assert_int_equal(removed, 2);
	assert_orm_ok(db, orm_model_sync(&p, db, &post_model, "tags", NULL, 0));
	assert_int_equal(count_rows("SELECT COUNT(*) FROM mdl_posts_mdl_tags"), 0);
	/* relation kind checks */
	assert_orm_rc(db, orm_model_attach(&p, db, &post_model, "comments", ids, 1, NULL, NULL, 0), ORM_EINVAL);
	orm_model_clear(&p, &post_model);
	orm_model_clear(&q, &post_model);
}

static void test_has_many_through_and_belongs_to(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { ORM_WITH("comments.post") };
	size_t total = 0;

	(void)state;
	build_fixture(&f, 10);
	assert_orm_ok(db, orm_collection_fetch_with(&c, db, &user_model, NULL, w, 1));
	ORM_COLLECTION_FOREACH(struct user, u, &c) {
		size_t k;
		for (k = 0; k < u->ncomments; k++) {
			assert_non_null(u->comments[k].post);
			assert_int_equal(u->comments[k].post->user_id, u->id);
		}
		total += u->ncomments;
	}
	assert_int_equal(total, (size_t)f.ncomments);
	orm_collection_free(&c);

	/* profiles back to their users (belongs_to), users to their profile (has_one) */
	{
		orm_with wb[] = { ORM_WITH("user.profile") };
		assert_orm_ok(db, orm_collection_fetch_with(&c, db, &profile_model, NULL, wb, 1));
		assert_int_equal(c.count, 5);
		ORM_COLLECTION_FOREACH(struct profile, pr, &c) {
			assert_non_null(pr->user);
			assert_int_equal(pr->user->id, pr->user_id);
			assert_non_null(pr->user->profile);
			assert_int_equal(pr->user->profile->id, pr->id);
		}
		orm_collection_free(&c);
	}
}

static void test_load_after_fact_and_strict(void **state)
{
	struct fixture f;
	orm_collection c = ORM_COLLECTION_INIT;
	orm_with w[] = { ORM_WITH("posts") };
	struct user one = { 0 };

	(void)state;
	build_fixture(&f, 8);
	/* one object */
	assert_orm_ok(db, orm_model_find_id(&one, db, &user_model, f.users[3]));
	assert_false(orm_model_loaded(&one, &user_model, "posts"));
	assert_orm_ok(db, orm_model_load(&one, db, &user_model, w, 1));
	assert_true(orm_model_loaded(&one, &user_model, "posts"));
	assert_int_equal(one.nposts, 3);
	/* loading again replaces the relation */
	assert_orm_ok(db, orm_model_load(&one, db, &user_model, w, 1));
	assert_int_equal(one.nposts, 3);
	/* fetching again releases it */
	assert_orm_ok(db, orm_model_refresh(&one, db, &user_model));
	assert_false(orm_model_loaded(&one, &user_model, "posts"));
	assert_null(one.posts);
	orm_model_clear(&one, &user_model);

	/* objects of a collection: allowed without strict mode */
	{
		orm_query *q = orm_query_new("mdl_users");
		orm_query_order_by(q, "id", ORM_ASC);
		assert_orm_ok(db, orm_collection_fetch(&c, db, &user_model, q));
		orm_query_free(q);
	}
	assert_orm_ok(db, orm_model_load(orm_collection_at(&c, 3), db, &user_model, w, 1));
	assert_int_equal(ORM_COLLECTION_AT(struct user, &c, 3)->nposts, 3);
	/* strict mode refuses the row-by-row load */
	orm_collection_set_strict(&c, 1);
	assert_orm_rc(db, orm_model_load(orm_collection_at(&c, 2), db, &user_model, w, 1), ORM_EMISUSE);
	assert_non_null(strstr(orm_conn_errmsg(db), "orm_collection_load"));
	/* and its level objects are strict too */
	assert_orm_ok(db, orm_collection_load(&c, db, w, 1));
	assert_true(ORM_COLLECTION_AT(struct user, &c, 3)->posts[0].orm.flags & ORM_STATE_STRICT);
	{
		orm_with wc[] = { ORM_WITH("comments") };
		assert_orm_rc(db, orm_model_load(&ORM_COLLECTION_AT(struct user, &c, 3)->posts[0], db, &post_model,
						 wc, 1), ORM_EMISUSE);
	}
	orm_collection_free(&c);
}

static void test_runtime_model(void **state)
{
	orm_model *m = NULL;
	orm_collection c = ORM_COLLECTION_INIT;
	void *row;
	orm_value v;
	int64_t id = mk_user("rt@example.com", 44);
	size_t cached;

	(void)state;
	assert_true(db->msql_count > 0); /* mk_user's save of a static descriptor is cached */
	assert_orm_ok(db, orm_model_from_table(&m, db, "mdl_users"));
	assert_orm_ok(db, orm_model_check(m, NULL));
	assert_string_equal(m->name, "mdl_user");
	assert_non_null(orm_model_field(m, "email"));
	assert_true(orm_model_field(m, "id")->flags & ORM_PK);
	assert_true(orm_model_field(m, "name")->flags & ORM_NULLABLE);

	assert_orm_ok(db, orm_collection_fetch(&c, db, m, NULL));
	assert_int_equal(c.count, 1);
	assert_orm_ok(db, orm_model_get(orm_collection_at(&c, 0), m, "email", &v));
	assert_true(v.type == ORM_TYPE_TEXT);
	assert_int_equal(v.u.s.len, strlen("rt@example.com"));
	assert_memory_equal(v.u.s.ptr, "rt@example.com", v.u.s.len);
	assert_orm_ok(db, orm_model_get(orm_collection_at(&c, 0), m, "age", &v));
	assert_int_equal(v.u.i, 44);
	orm_collection_free(&c);

	/* insert, update and find through the generic row */
	row = orm_row_new(m);
	assert_non_null(row);
	cached = db->msql_count;
	assert_orm_ok(db, orm_model_set(row, m, "email", orm_text("rt2@example.com")));
	assert_orm_ok(db, orm_model_set(row, m, "age", orm_int(9)));
	assert_orm_ok(db, orm_model_save(row, db, m));
	assert_orm_ok(db, orm_model_get(row, m, "id", &v));
	assert_true(v.type == ORM_TYPE_INT && v.u.i > id);
	assert_orm_ok(db, orm_model_get(row, m, "status", &v)); /* server default read back */
	assert_memory_equal(v.u.s.ptr, "new", 3);
	assert_orm_ok(db, orm_model_set(row, m, "age", orm_int(10)));
	assert_orm_ok(db, orm_model_save(row, db, m));
	assert_int_equal(count_rows("SELECT age FROM mdl_users WHERE email = 'rt2@example.com'"), 10);
	assert_orm_rc(db, orm_model_set(row, m, "nosuch", orm_int(1)), ORM_EINVAL);
	/* a descriptor freed at run time never keys the connection's SQL cache
	 * (a later one may get the same address) */
	assert_int_equal(db->msql_count, cached);
	orm_row_free(row, m);
	orm_model_free(m);
	assert_orm_rc(db, orm_model_from_table(&m, db, "mdl_nosuch"), ORM_ENOTFOUND);
	assert_null(m);
}

/*
 * A model of more than 64 fields keeps the bits of fields 64 and up in an
 * orm_model_state_wide (orm_model_from_table picks it): NULL, changed and
 * owned bits of field 90 and above must work like those of field 1.
 */
static void test_wide_model(void **state)
{
	orm_table *t = orm_table_new("mdl_wide");
	orm_model *m = NULL;
	void *row, *back;
	orm_value v;
	char name[16];
	int i;

	(void)state;
	orm_schema_drop_table(db, "mdl_wide", ORM_SCHEMA_IF_EXISTS);
	orm_table_increments(t, "id");
	for (i = 1; i < 100; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (i % 2)
			orm_table_integer(t, name);
		else
			orm_table_string(t, name, 40);
	}
	assert_orm_ok(db, orm_schema_create_table(db, t, 0));
	orm_table_free(t);
	assert_orm_ok(db, orm_model_from_table(&m, db, "mdl_wide"));
	assert_int_equal(m->nfields, 100);
	assert_int_equal(m->state_size, sizeof(orm_model_state_wide));
	assert_orm_ok(db, orm_model_check(m, NULL));

	row = orm_row_new(m);
	assert_non_null(row);
	assert_orm_ok(db, orm_model_set(row, m, "c1", orm_int(1)));
	assert_orm_ok(db, orm_model_set(row, m, "c90", orm_text("ninety")));
	assert_orm_ok(db, orm_model_set(row, m, "c91", orm_int(91)));
	assert_orm_ok(db, orm_model_save(row, db, m));
	assert_orm_ok(db, orm_model_get(row, m, "id", &v));
	/* only the changed field is written: c81 set behind the model's back stays */
	assert_orm_ok(db, orm_exec(db, "UPDATE mdl_wide SET c81 = 81"));
	assert_orm_ok(db, orm_model_set(row, m, "c97", orm_int(97)));
	assert_orm_ok(db, orm_model_save(row, db, m));
	assert_int_equal(count_rows("SELECT c81 + c97 FROM mdl_wide"), 81 + 97);

	back = orm_row_new(m);
	assert_non_null(back);
	assert_orm_ok(db, orm_model_find_id(back, db, m, v.u.i));
	assert_orm_ok(db, orm_model_get(back, m, "c90", &v));
	assert_true(v.type == ORM_TYPE_TEXT && v.u.s.len == 6 && !memcmp(v.u.s.ptr, "ninety", 6));
	assert_orm_ok(db, orm_model_get(back, m, "c99", &v));
	assert_true(v.type == ORM_TYPE_NULL);
	assert_orm_ok(db, orm_model_get(back, m, "c97", &v));
	assert_int_equal(v.u.i, 97);
	/* the same row read into a collection: fields past the 64th keep
	 * their NULL bits in the state's second word */
	{
		orm_collection c = ORM_COLLECTION_INIT;
		void *it;

		assert_orm_ok(db, orm_collection_fetch(&c, db, m, NULL));
		assert_int_equal(c.count, 1);
		it = orm_collection_at(&c, 0);
		assert_orm_ok(db, orm_model_get(it, m, "c90", &v));
		assert_true(v.type == ORM_TYPE_TEXT && v.u.s.len == 6 && !memcmp(v.u.s.ptr, "ninety", 6));
		assert_orm_ok(db, orm_model_get(it, m, "c97", &v));
		assert_true(v.type == ORM_TYPE_INT && v.u.i == 97);
		assert_orm_ok(db, orm_model_get(it, m, "c81", &v));
		assert_true(v.type == ORM_TYPE_INT && v.u.i == 81);
		assert_orm_ok(db, orm_model_get(it, m, "c99", &v));
		assert_true(v.type == ORM_TYPE_NULL);
		assert_orm_ok(db, orm_model_get(it, m, "c98", &v));
		assert_true(v.type == ORM_TYPE_NULL);
		assert_orm_ok(db, orm_model_get(it, m, "c1", &v));
		assert_true(v.type == ORM_TYPE_INT && v.u.i == 1);
		assert_orm_ok(db, orm_model_get(it, m, "c3", &v));
		assert_true(v.type == ORM_TYPE_NULL);
		orm_collection_free(&c);
	}
	orm_row_free(back, m);
	orm_row_free(row, m);
	orm_model_free(m);
	assert_orm_ok(db, orm_schema_drop_table(db, "mdl_wide", 0));
}

static void test_large_collection(void **state)
{
	const char *env = getenv("ORM_TEST_LARGE_ROWS");
	size_t n = env ? (size_t)strtoul(env, NULL, 10) : 100000, i;
	struct big *rows = calloc(n ? n : 1, sizeof(*rows));
	orm_collection c = ORM_COLLECTION_INIT;
	int64_t sum = 0;

	(void)state;
	assert_non_null(rows);
	for (i = 0; i < n; i++) {
		rows[i].n = (int64_t)i;
		snprintf(rows[i].label, sizeof(rows[i].label), "row %zu: \xc3\xa9t\xc3\xa9 'q'", i);
	}
	assert_orm_ok(db, orm_model_insert_many(rows, n, db, &big_model));
	assert_true(n == 0 || rows[n - 1].id > rows[0].id);
	free(rows);
	assert_orm_ok(db, orm_collection_fetch(&c, db, &big_model, NULL));
	assert_int_equal(c.count, n);
	ORM_COLLECTION_FOREACH(struct big, b, &c) {
		char want[40];
		snprintf(want, sizeof(want), "row %lld: \xc3\xa9t\xc3\xa9 'q'", (long long)b->n);
		assert_string_equal(b->label, want);
		sum += b->n;
	}
	assert_int_equal(sum, (int64_t)(n * (n - 1) / 2));
	orm_collection_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_save_insert_update, clean),
		cmocka_unit_test_setup(test_update_refused, clean),
		cmocka_unit_test_setup(test_model_statements_after_eviction, clean),
		cmocka_unit_test_setup(test_insert_many_fills, clean),
		cmocka_unit_test_setup(test_insert_many_rows, clean),
		cmocka_unit_test_setup(test_fetch_not_found, clean),
		cmocka_unit_test_setup(test_fetch_by_query, clean),
		cmocka_unit_test_setup(test_null_handling, clean),
		cmocka_unit_test_setup(test_strings_quotes_utf8, clean),
		cmocka_unit_test_setup(test_destroy_refresh, clean),
		cmocka_unit_test_setup(test_required_field, clean),
		cmocka_unit_test_setup(test_constraint_errors, clean),
		cmocka_unit_test_setup(test_bad_descriptor, clean),
		cmocka_unit_test_setup(test_uuid_and_composite_keys, clean),
		cmocka_unit_test_setup(test_text_keyed_relations, clean),
		cmocka_unit_test_setup(test_json_hidden, clean),
		cmocka_unit_test_setup(test_collection_fetch_count_page, clean),
		cmocka_unit_test_setup(test_collection_read_mixed, clean),
		cmocka_unit_test_setup(test_bulk_save, clean),
		cmocka_unit_test_setup(test_eager_two_levels_constant_queries, clean),
		cmocka_unit_test_setup(test_eager_three_levels, clean),
		cmocka_unit_test_setup(test_eager_constraint, clean),
		cmocka_unit_test_setup(test_eager_chunking, clean),
		cmocka_unit_test_setup(test_eager_in_list_fallback, clean),
		cmocka_unit_test_setup(test_insert_auto_key_ids, clean),
		cmocka_unit_test_setup(test_eager_wide_keys, clean),
		cmocka_unit_test_setup(test_belongs_to_many_pivot, clean),
		cmocka_unit_test_setup(test_has_many_through_and_belongs_to, clean),
		cmocka_unit_test_setup(test_load_after_fact_and_strict, clean),
		cmocka_unit_test_setup(test_runtime_model, clean),
		cmocka_unit_test_setup(test_wide_model, clean),
		cmocka_unit_test_setup(test_large_collection, clean),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
