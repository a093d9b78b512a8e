/*
 * Users and authentication tokens on liborm's models, on a schema made by
 * YAML migrations and filled by YAML seeds (see README.md).
 *
 *   usage: auth [URL]
 *
 * Without URL the database comes from ormtool.yaml (this folder or a
 * parent; environment $ORM_ENV, else development), as for ormtool.
 * Run `ormtool migrate latest` and `ormtool seed run` first.
 *
 * Passwords and token secrets are stored only as crypt(3) hashes (SHA-512
 * crypt with a random salt). A token handed to a client is
 * "SELECTOR.SECRET": the selector finds the row with an indexed lookup,
 * the secret is checked against the hash. Exit status 0 when every step
 * did what it says.
 */
#define _DEFAULT_SOURCE /* getentropy */
#include <crypt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "orm.h"

/* ---- models ---- */

struct auth_token;

struct user {
	orm_model_state orm;
	int64_t id;
	char *email;
	char *password_hash;
	char *name;
	char *last_login_at;
	char *created_at;
	char *updated_at;
	struct auth_token *tokens; /* has_many, loaded on demand */
	size_t ntokens;
};

struct auth_token {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *kind;                /* session, api, reset */
	char *selector;
	char *verifier_hash;
	char *expires_at;          /* NULL: never */
	char *last_used_at;
	bool revoked;
	char *created_at;
	char *updated_at;
	struct user *user;         /* belongs_to */
};

extern const orm_model user_model, token_model;

static const orm_field user_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, password_hash, ORM_HIDDEN),
	ORM_FIELD_TEXT(struct user, name, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct user, last_login_at, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct user, created_at, ORM_CREATED_AT),
	ORM_FIELD_TIMESTAMP(struct user, updated_at, ORM_UPDATED_AT),
};
static const orm_relation user_relations[] = {
	/* foreign key auth_tokens.user_id: "<model name>_id" by default */
	ORM_HAS_MANY(struct user, tokens, ntokens, struct auth_token, &token_model),
};
const orm_model user_model = ORM_MODEL_EX(struct user, orm, "user", "users", user_fields,
					  ORM_RELATIONS(user_relations));

static const orm_field token_fields[] = {
	ORM_FIELD_INT64(struct auth_token, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct auth_token, user_id, 0),
	ORM_FIELD_TEXT(struct auth_token, kind, 0, .defval = "session"),
	ORM_FIELD_TEXT(struct auth_token, selector, 0),
	ORM_FIELD_TEXT(struct auth_token, verifier_hash, ORM_HIDDEN),
	ORM_FIELD_TIMESTAMP(struct auth_token, expires_at, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct auth_token, last_used_at, ORM_NULLABLE),
	ORM_FIELD_BOOL(struct auth_token, revoked, 0),
	ORM_FIELD_TIMESTAMP(struct auth_token, created_at, ORM_CREATED_AT),
	ORM_FIELD_TIMESTAMP(struct auth_token, updated_at, ORM_UPDATED_AT),
};
static const orm_relation token_relations[] = {
	ORM_BELONGS_TO(struct auth_token, user, struct user, &user_model),
};
const orm_model token_model = ORM_MODEL_EX(struct auth_token, orm, "auth_token", "auth_tokens",
					   token_fields, ORM_RELATIONS(token_relations));

/* ---- helpers ---- */

static orm_conn *db;
static int failures;

#define EXPECT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "auth: expected %s (line %d)\n", #cond, __LINE__); \
		failures++; \
	} \
} while (0)

/* Outcomes of authenticate() and check_token() besides 0 and ORM_E* codes. */
enum { AUTH_BAD_SECRET = 1 };

/* UTC time `offset` seconds from now, in the canonical timestamp form. */
static void utc_time(char out[20], long offset)
{
	time_t t = time(NULL) + offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* A crypt(3) hash of `secret` with a fresh random salt, into `out`. */
static int hash_secret(orm_buf *out, const char *secret)
{
	static struct crypt_data cd;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (!crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
		return ORM_ERROR;
	h = crypt_r(secret, salt, &cd);
	if (!h || h[0] == '*')
		return ORM_ERROR;
	return orm_buf_puts(out, h);
}

/* Does `secret` match `hash`? Compares every byte (no early exit). */
static bool secret_ok(const char *secret, const char *hash)
{
	static struct crypt_data cd;
	const char *h = crypt_r(secret, hash, &cd);
	size_t i, n;
	unsigned diff = 0;

	if (!h || h[0] == '*' || strlen(h) != strlen(hash))
		return false;
	for (i = 0, n = strlen(h); i < n; i++)
		diff |= (unsigned char)h[i] ^ (unsigned char)hash[i];
	return diff == 0;
}

/* `n` random bytes as 2n hex digits. */
static int random_hex(char *out, size_t n)
{
	unsigned char b[32];
	size_t i;

	if (n > sizeof(b) || getentropy(b, n) < 0)
		return ORM_ERROR;
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	return 0;
}

/* Open the database: URL, or ormtool.yaml as ormtool reads it. */
static int open_db(const char *url)
{
	orm_buf path = ORM_BUF_INIT;
	orm_config *cfg = NULL;
	const orm_config_db *cdb = NULL;
	int rc;

	if (!url) {
		rc = orm_config_find(&path, NULL);
		if (rc == 0)
			rc = orm_config_load(&cfg, path.ptr, NULL);
		if (rc == 0)
			rc = orm_config_db_select(&cdb, cfg, NULL);
		if (rc < 0) {
			fprintf(stderr, "auth: %s\n", cfg ? orm_config_errmsg(cfg)
				: rc == ORM_ENOTFOUND ? "no ormtool.yaml here or above" : orm_strerror(rc));
			goto out;
		}
		url = cdb->url;
	}
	rc = orm_open(&db, url);
	if (rc < 0)
		fprintf(stderr, "auth: %s\n", orm_conn_errmsg(db));
out:
	orm_config_free(cfg);
	orm_buf_dispose(&path);
	return rc;
}

/* ---- the application ---- */

/* Create an account. @return 0, ORM_EUNIQUE (email taken), error. */
static int register_user(struct user *u, const char *email, const char *name, const char *password)
{
	orm_buf hash = ORM_BUF_INIT;
	int rc = hash_secret(&hash, password);

	if (rc == 0)
		rc = model_set_text(&user_model, u, email, email);
	if (rc == 0)
		rc = model_set_text(&user_model, u, name, name);
	if (rc == 0)
		rc = model_set_text(&user_model, u, password_hash, hash.ptr);
	if (rc == 0)
		rc = model_save(u, db, &user_model); /* INSERT ... RETURNING id, timestamps */
	orm_buf_dispose(&hash);
	return rc;
}

/* Log in. @return 0 (u filled, last_login_at set), ORM_ENOTFOUND, AUTH_BAD_SECRET, error. */
static int authenticate(struct user *u, const char *email, const char *password)
{
	orm_query *q = orm_query_new("users");
	char now[20];
	int rc;

	orm_query_where(q, "email", "=", orm_text(email));
	rc = model_fetch(u, db, &user_model, q);
	orm_query_free(q);
	if (rc < 0)
		return rc;
	if (!secret_ok(password, u->password_hash))
		return AUTH_BAD_SECRET;
	utc_time(now, 0);
	rc = model_set_text(&user_model, u, last_login_at, now);
	return rc < 0 ? rc : model_save(u, db, &user_model); /* UPDATE of last_login_at, updated_at */
}

/* Give `u` a new token of `kind` valid `ttl` seconds (0: forever); the client's copy in `token`. */
static int issue_token(orm_buf *token, const struct user *u, const char *kind, long ttl)
{
	struct auth_token t = { 0 };
	orm_buf hash = ORM_BUF_INIT;
	char selector[17], secret[33], expires[20];
	int rc;

	rc = random_hex(selector, 8);
	if (rc == 0)
		rc = random_hex(secret, 16);
	if (rc == 0)
		rc = hash_secret(&hash, secret);
	if (rc < 0)
		goto out;
	t.user_id = u->id;
	t.kind = (char *)kind;                 /* borrowed until the save */
	t.selector = selector;
	t.verifier_hash = hash.ptr;
	if (ttl > 0) {
		utc_time(expires, ttl);
		t.expires_at = expires;
	}
	rc = model_save(&t, db, &token_model);
	if (rc == 0)
		rc = orm_buf_printf(token, "%s.%s", selector, secret);
out:
	model_clear(&t, &token_model);         /* frees only what the library allocated */
	orm_buf_dispose(&hash);
	return rc;
}

/*
 * Check a "SELECTOR.SECRET" token: it must exist, not be revoked or
 * expired, and its secret must match. On success the row is in `t` with
 * its user loaded, and last_used_at is updated.
 * @return 0, ORM_ENOTFOUND (unknown, revoked or expired), AUTH_BAD_SECRET, error.
 */
static int check_token(struct auth_token *t, const char *token)
{
	const char *dot = strchr(token, '.');
	orm_with with[] = { ORM_WITH("user") };
	orm_query *q;
	char now[20];
	int rc;

	if (!dot)
		return ORM_ENOTFOUND;
	utc_time(now, 0);
	q = orm_query_new("auth_tokens");
	orm_query_where(q, "selector", "=", orm_textn(token, (size_t)(dot - token)));
	orm_query_where(q, "revoked", "=", orm_bool(0));
	orm_query_where_new(q, orm_expr_or(orm_expr_null("expires_at"),
					   orm_expr_cmp("expires_at", ">",
							orm_typed_text(ORM_TYPE_TIMESTAMP, now))));
	rc = model_fetch(t, db, &token_model, q);
	orm_query_free(q);
	if (rc < 0)
		return rc;
	if (!secret_ok(dot + 1, t->verifier_hash))
		return AUTH_BAD_SECRET;
	rc = model_load(t, db, &token_model, with, 1); /* t->user */
	if (rc == 0)
		rc = model_set_text(&token_model, t, last_used_at, now);
	return rc < 0 ? rc : model_save(t, db, &token_model);
}

static const char *outcome(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case AUTH_BAD_SECRET: return "rejected (wrong secret)";
	case ORM_ENOTFOUND: return "rejected (unknown, revoked or expired)";
	default: return orm_conn_errmsg(db);
	}
}

/* Try a token, print the outcome, and return it. */
static int try_token(const char *label, const char *token)
{
	struct auth_token t = { 0 };
	int rc = check_token(&t, token);

	if (rc == 0)
		printf("token %s: ok, belongs to %s (%s token)\n", label, t.user ? t.user->email : "?", t.kind);
	else
		printf("token %s: %s\n", label, outcome(rc));
	model_clear(&t, &token_model);
	return rc;
}

int main(int argc, char **argv)
{
	struct user ada = { 0 }, grace = { 0 }, again = { 0 }, who = { 0 };
	struct auth_token t = { 0 };
	orm_collection users = ORM_COLLECTION_INIT;
	orm_with with[] = { ORM_WITH("tokens") };
	orm_query *q = NULL;
	orm_buf token = ORM_BUF_INIT, json = ORM_BUF_INIT, wrong = ORM_BUF_INIT;
	int64_t left = -1;
	int rc;

	if (argc > 2) {
		fprintf(stderr, "usage: auth [URL]\n");
		return 64;
	}
	if (open_db(argc > 1 ? argv[1] : NULL) < 0) {
		orm_close(db);
		return 1;
	}
	printf("database: %s\n", orm_dialect_name(orm_conn_dialect(db)));

	/* logging in: the seeded users */
	rc = authenticate(&ada, "ada@example.com", "correct horse battery staple");
	printf("login ada@example.com: %s\n", rc == 0 ? "ok" : rc == AUTH_BAD_SECRET ? "wrong password"
	       : rc == ORM_ENOTFOUND ? "no such user" : orm_conn_errmsg(db));
	EXPECT(rc == 0 && ada.last_login_at != NULL);
	rc = authenticate(&who, "ada@example.com", "Correct Horse");
	printf("login ada@example.com with a wrong password: %s\n",
	       rc == AUTH_BAD_SECRET ? "wrong password" : outcome(rc));
	EXPECT(rc == AUTH_BAD_SECRET);
	model_clear(&who, &user_model);
	rc = authenticate(&who, "nobody@example.com", "x");
	printf("login nobody@example.com: %s\n", rc == ORM_ENOTFOUND ? "no such user" : outcome(rc));
	EXPECT(rc == ORM_ENOTFOUND);
	model_clear(&who, &user_model);

	/* the hidden hash stays out of JSON */
	if (model_to_json(&json, &ada, &user_model) == 0)
		printf("ada as JSON: %s\n", json.ptr);
	EXPECT(json.ptr && !strstr(json.ptr, "password_hash") && strstr(json.ptr, "\"email\""));

	/* registering; the unique email is enforced by the database */
	rc = register_user(&grace, "grace@example.com", "Grace Hopper", "cobol 1959");
	if (rc == 0)
		printf("register grace@example.com: id %lld, created %s\n", (long long)grace.id, grace.created_at);
	else
		printf("register grace@example.com: %s\n", orm_conn_errmsg(db));
	EXPECT(rc == 0 && grace.id > 0);
	rc = register_user(&again, "grace@example.com", NULL, "another");
	printf("register grace@example.com again: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(db));
	EXPECT(rc == ORM_EUNIQUE);
	model_clear(&again, &user_model);

	/* tokens: issue, check, revoke */
	rc = issue_token(&token, &grace, "session", 3600);
	EXPECT(rc == 0);
	if (rc == 0)
		EXPECT(try_token("for grace", token.ptr) == 0);
	EXPECT(try_token("adaapi (seeded API token)", "adaapi.ada-api-secret") == 0);
	EXPECT(try_token("adaold (seeded, expired)", "adaold.old-session-secret") == ORM_ENOTFOUND);
	orm_buf_printf(&wrong, "%.16s.not-the-secret", token.ptr ? token.ptr : "");
	EXPECT(try_token("for grace, wrong secret", wrong.ptr) == AUTH_BAD_SECRET);

	/* logout: revoke the session (fetch it by selector, flip the flag) */
	q = orm_query_new("auth_tokens");
	orm_query_where(q, "selector", "=", orm_textn(token.ptr ? token.ptr : "", 16));
	rc = model_fetch(&t, db, &token_model, q);
	if (rc == 0)
		rc = model_set(&token_model, &t, revoked, true);
	if (rc == 0)
		rc = model_save(&t, db, &token_model); /* UPDATE ... SET revoked, updated_at */
	EXPECT(rc == 0);
	EXPECT(try_token("for grace after logout", token.ptr ? token.ptr : "") == ORM_ENOTFOUND);

	/* every user with their tokens: two queries, whatever the number of users */
	orm_query_free(q);
	q = orm_query_new("users");
	orm_query_order_by(q, "email", ORM_ASC);
	rc = collection_fetch_with(&users, db, &user_model, q, with, 1);
	EXPECT(rc == 0);
	if (rc == 0) {
		ORM_COLLECTION_FOREACH(struct user, u, &users) {
			size_t i, live = 0;
			for (i = 0; i < u->ntokens; i++)
				live += !u->tokens[i].revoked;
			printf("%s (%s): %zu token(s), %zu not revoked\n", u->email, u->name ? u->name : "no name",
			       u->ntokens, live);
		}
	}
	EXPECT(users.count == 3);

	/* deleting a user deletes their tokens (ON DELETE CASCADE in the migration) */
	rc = model_destroy(&grace, db, &user_model);
	if (rc == 0)
		rc = orm_query_int(db, &left, "SELECT COUNT(*) FROM auth_tokens WHERE user_id = ?",
				   (orm_value[]){ orm_int(grace.id) }, 1);
	printf("deleted grace@example.com; her tokens left: %lld\n", (long long)left);
	EXPECT(rc == 0 && left == 0);

	collection_free(&users);
	orm_query_free(q);
	model_clear(&t, &token_model);
	model_clear(&ada, &user_model);
	model_clear(&grace, &user_model);
	orm_buf_dispose(&token);
	orm_buf_dispose(&wrong);
	orm_buf_dispose(&json);
	orm_close(db);
	if (failures)
		fprintf(stderr, "auth: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
