/*
 * Models on schema-qualified tables: auth.users and auth.sessions in the
 * PostgreSQL schema `auth` (see README.md).
 *
 *   usage: schemas URL       (a PostgreSQL database, migrated and seeded)
 *
 * Exit status 0 on success, 2 when URL is not a PostgreSQL database.
 */
#include <stdio.h>
#include <string.h>

#include "orm.h"

struct session;

struct user {
	orm_model_state orm;
	int64_t id;
	char *email;
	char *password_hash;
	char *created_at;
	char *updated_at;
	struct session *sessions;
	size_t nsessions;
};

struct session {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *token;               /* uuid, generated on insert (ORM_UUID) */
	char *expires_at;          /* timestamptz, "... +00:00" */
	struct user *user;
};

extern const orm_model user_model, session_model;

static const orm_field user_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, password_hash, ORM_HIDDEN),
	ORM_FIELD_TIMESTAMP(struct user, created_at, ORM_CREATED_AT),
	ORM_FIELD_TIMESTAMP(struct user, updated_at, ORM_UPDATED_AT),
};
static const orm_relation user_relations[] = {
	ORM_HAS_MANY(struct user, sessions, nsessions, struct session, &session_model),
};
/* the table is "schema.table"; the name "user" still gives the key user_id */
const orm_model user_model = ORM_MODEL_EX(struct user, orm, "user", "auth.users", user_fields,
					  ORM_RELATIONS(user_relations));

static const orm_field session_fields[] = {
	ORM_FIELD_INT64(struct session, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct session, user_id, 0),
	ORM_FIELD_UUID(struct session, token, ORM_UUID),
	ORM_FIELD_TIMESTAMPTZ(struct session, expires_at, 0),
};
static const orm_relation session_relations[] = {
	ORM_BELONGS_TO(struct session, user, struct user, &user_model),
};
const orm_model session_model = ORM_MODEL_EX(struct session, orm, "session", "auth.sessions", session_fields,
					     ORM_RELATIONS(session_relations));

int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	struct user grace = { 0 };
	struct session s = { 0 };
	orm_collection users = ORM_COLLECTION_INIT;
	orm_with with[] = { ORM_WITH("sessions") };
	orm_query *q = orm_query_new("auth.users");
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: schemas URL\n");
		return 64;
	}
	if ((rc = orm_open(&db, argv[1])) < 0)
		goto out;
	if (orm_conn_dialect(db) != ORM_DIALECT_POSTGRES) {
		fprintf(stderr, "schemas: needs PostgreSQL (schemas), not %s\n",
			orm_dialect_name(orm_conn_dialect(db)));
		orm_query_free(q);
		orm_close(db);
		return 2;
	}
	if ((rc = orm_model_check(&user_model, NULL)) < 0 || (rc = orm_model_check(&session_model, NULL)) < 0 ||
	    (rc = orm_model_verify(db, &user_model)) < 0 || (rc = orm_model_verify(db, &session_model)) < 0)
		goto out;
	printf("models verified against auth.users and auth.sessions\n");

	/* INSERT INTO "auth"."users" ... RETURNING "id", then a session with a new uuid */
	model_set_text(&user_model, &grace, email, "grace@example.com");
	model_set_text(&user_model, &grace, password_hash, "$6$not-a-real-hash");
	if ((rc = model_save(&grace, db, &user_model)) < 0)
		goto out;
	s.user_id = grace.id;
	model_set_text(&session_model, &s, expires_at, "2031-06-01 12:00:00+00:00");
	if ((rc = model_save(&s, db, &session_model)) < 0)
		goto out;
	printf("new session %s for %s (id %lld)\n", s.token, grace.email, (long long)grace.id);

	orm_query_order_by(q, "email", ORM_ASC);
	if ((rc = collection_fetch_with(&users, db, &user_model, q, with, 1)) < 0)
		goto out;
	ORM_COLLECTION_FOREACH(struct user, u, &users) {
		size_t i;
		printf("%s: %zu session(s)", u->email, u->nsessions);
		for (i = 0; i < u->nsessions; i++)
			printf(" %.8s... until %s", u->sessions[i].token, u->sessions[i].expires_at);
		printf("\n");
	}
	/* ON DELETE CASCADE across the schema's tables */
	rc = model_destroy(&grace, db, &user_model);
out:
	if (rc < 0)
		fprintf(stderr, "schemas: %s (%s)\n", orm_conn_errmsg(db), orm_strerror(rc));
	collection_free(&users);
	model_clear(&s, &session_model);
	model_clear(&grace, &user_model);
	orm_query_free(q);
	orm_close(db);
	return rc < 0;
}
