/*
 * Model descriptors without a database: what the macros produce,
 * orm_model_check() on good and bad descriptors, field access (NULL,
 * changed and owned bits), conversions, JSON, and collections built by
 * hand. The short names (model_set, ...) are used on purpose.
 */
#include <stdbool.h>
#include "testutil.h"

struct item;

struct owner {
	orm_model_state orm;
	int64_t id;
	char *name;
	int32_t rank;
	bool flag;
	double ratio;
	char code[8];
	orm_bytes data;
	orm_value any;
	char *stamp;
	struct item *items;
	size_t nitems;
	struct item *best;
};

struct item {
	orm_model_state orm;
	int64_t id;
	int64_t owner_id;
	char *label;
	struct owner *owner;
};

extern const orm_model item_model;

static const orm_field owner_fields[] = {
	ORM_FIELD_INT64(struct owner, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct owner, name, 0, .column = "owner_name"),
	ORM_FIELD_INT32(struct owner, rank, ORM_NULLABLE, .defval = "7"),
	ORM_FIELD_BOOL(struct owner, flag, 0),
	ORM_FIELD_DOUBLE(struct owner, ratio, ORM_NULLABLE),
	ORM_FIELD_CHARS(struct owner, code, ORM_NULLABLE),
	ORM_FIELD_BLOB(struct owner, data, ORM_NULLABLE | ORM_HIDDEN),
	ORM_FIELD_VALUE(struct owner, any, ORM_NULLABLE),
	ORM_FIELD_TIMESTAMP(struct owner, stamp, ORM_CREATED_AT | ORM_NULLABLE),
};
static const orm_relation owner_rels[] = {
	ORM_HAS_MANY(struct owner, items, nitems, struct item, &item_model),
	ORM_HAS_ONE(struct owner, best, struct item, &item_model, .foreign_key = "owner_id"),
};
static const orm_model owner_model = ORM_MODEL_EX(struct owner, orm, "owner", "app.owners", owner_fields,
						  ORM_RELATIONS(owner_rels), .flags = ORM_MODEL_STRICT);

static const orm_field item_fields[] = {
	ORM_FIELD_INT64(struct item, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct item, owner_id, 0),
	ORM_FIELD_TEXT(struct item, label, ORM_NULLABLE),
};
static const orm_relation item_rels[] = {
	ORM_BELONGS_TO(struct item, owner, struct owner, &owner_model),
};
const orm_model item_model = ORM_MODEL_EX(struct item, orm, NULL, "items", item_fields, ORM_RELATIONS(item_rels));

/* ---- what the macros produce ---- */

static void test_macros(void **state)
{
	const orm_field *f;

	(void)state;
	assert_int_equal(owner_model.nfields, 9);
	assert_int_equal(owner_model.nrelations, 2);
	assert_int_equal(owner_model.size, sizeof(struct owner));
	assert_int_equal(owner_model.state_offset, offsetof(struct owner, orm));
	assert_int_equal(owner_model.flags, ORM_MODEL_STRICT);
	assert_string_equal(owner_model.table, "app.owners");

	f = &owner_fields[0];
	assert_string_equal(f->name, "id");
	assert_null(f->column);
	assert_int_equal(f->ctype, ORM_CT_INT64);
	assert_int_equal(f->type, ORM_TYPE_INT);
	assert_int_equal(f->offset, offsetof(struct owner, id));
	assert_int_equal(f->size, sizeof(int64_t));
	assert_int_equal(f->flags, ORM_PK | ORM_AUTO);

	f = orm_model_field(&owner_model, "owner_name");
	assert_non_null(f);
	assert_string_equal(f->name, "name");
	assert_ptr_equal(orm_model_field(&owner_model, "name"), f);
	assert_null(orm_model_field(&owner_model, "nope"));

	f = orm_model_field(&owner_model, "rank");
	assert_int_equal(f->ctype, ORM_CT_INT32);
	assert_string_equal(f->defval, "7");
	f = orm_model_field(&owner_model, "code");
	assert_int_equal(f->ctype, ORM_CT_CHARS);
	assert_int_equal(f->size, 8);
	assert_int_equal(orm_model_field(&owner_model, "flag")->ctype, ORM_CT_BOOL);
	assert_int_equal(orm_model_field(&owner_model, "data")->type, ORM_TYPE_BLOB);
	assert_int_equal(orm_model_field(&owner_model, "any")->ctype, ORM_CT_VALUE);
	assert_int_equal(orm_model_field(&owner_model, "stamp")->type, ORM_TYPE_TIMESTAMP);

	assert_int_equal(owner_rels[0].kind, ORM_REL_HAS_MANY);
	assert_int_equal(owner_rels[0].offset, offsetof(struct owner, items));
	assert_int_equal(owner_rels[0].count_offset, offsetof(struct owner, nitems));
	assert_ptr_equal(owner_rels[0].target, &item_model);
	assert_int_equal(owner_rels[1].count_offset, (size_t)-1);
	assert_string_equal(owner_rels[1].foreign_key, "owner_id");
	assert_ptr_equal(orm_model_relation(&owner_model, "best"), &owner_rels[1]);
	assert_null(orm_model_relation(&owner_model, "worst"));
	assert_int_equal(item_rels[0].kind, ORM_REL_BELONGS_TO);
}

/* ---- orm_model_check ---- */

static void expect_bad(const orm_model *m, const char *needle)
{
	orm_buf err = ORM_BUF_INIT;
	int rc = orm_model_check(m, &err);

	if (rc != ORM_EINVAL || !err.ptr || !strstr(err.ptr, needle))
		fail_msg("expected EINVAL mentioning \"%s\", got %d: %s", needle, rc, err.ptr ? err.ptr : "");
	orm_buf_dispose(&err);
}

static void test_check_good(void **state)
{
	orm_buf err = ORM_BUF_INIT;

	(void)state;
	assert_int_equal(orm_model_check(&owner_model, &err), 0);
	assert_int_equal(orm_model_check(&item_model, &err), 0);
	assert_null(err.ptr);
	assert_int_equal(orm_model_check(NULL, NULL), ORM_EINVAL);
}

struct plain {
	orm_model_state orm;
	int64_t id;
	int64_t other;
	char *s;
	char small[8];
	struct plain *self;
	size_t nself;
};

static void test_check_bad_fields(void **state)
{
	(void)state;
	{
		static const orm_field f[] = { ORM_FIELD_INT64(struct plain, id, ORM_AUTO) };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "ORM_AUTO");
	}
	{
		static const orm_field f[] = {
			ORM_FIELD_INT64(struct plain, id, ORM_PK),
			ORM_FIELD_INT64(struct plain, other, 0, .column = "id"),
		};
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "used twice");
	}
	{
		static const orm_field f[] = { ORM_FIELD_INT64(struct plain, id, 0, .defval = "abc") };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "default \"abc\"");
	}
	{
		static const orm_field f[] = { ORM_FIELD_INT64(struct plain, id, ORM_PK | ORM_UUID) };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "ORM_UUID");
	}
	{
		static const orm_field f[] = { ORM_FIELD_CHARS(struct plain, small, ORM_PK | ORM_UUID) };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "char[37]");
	}
	{
		static const orm_field f[] = { ORM_FIELD_CHARS(struct plain, small, 0, .defval = "too long!") };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "does not fit");
	}
	{
		static const orm_field f[] = { ORM_FIELD_TEXT(struct plain, s, ORM_PK | ORM_NULLABLE) };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "cannot be ORM_NULLABLE");
	}
	{
		/* hand-written descriptor with a member outside the struct */
		static const orm_field f[] = { { "x", ORM_CT_INT64, ORM_TYPE_INT, 4096, 8, 0, NULL, NULL } };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "outside the struct");
	}
	{
		/* a C type that cannot hold the SQL type */
		static const orm_field f[] = { { "x", ORM_CT_INT64, ORM_TYPE_TEXT, offsetof(struct plain, id), 8, 0,
						NULL, NULL } };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "cannot hold text");
	}
	{
		/* overlapping the state member */
		static const orm_field f[] = { { "x", ORM_CT_INT64, ORM_TYPE_INT, 8, 8, 0, NULL, NULL } };
		static const orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", f);
		expect_bad(&m, "orm_model_state");
	}
	{
		orm_model m = ORM_MODEL(struct plain, orm, "plain", "plains", owner_fields);
		m.nfields = ORM_MODEL_STATE_FIELDS + 1; /* checked before the fields are read */
		expect_bad(&m, "orm_model_state_wide");
		m.nfields = ORM_MODEL_MAX_FIELDS + 1;
		expect_bad(&m, "at most");
		m.table = NULL;
		expect_bad(&m, "no table");
	}
}

extern const orm_model plain_model;
static const orm_field plain_fields[] = {
	ORM_FIELD_INT64(struct plain, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct plain, other, 0),
};

static void test_check_bad_relations(void **state)
{
	(void)state;
	{
		/* belongs_to needs its foreign key as a field (default plain_id, absent) */
		static const orm_relation r[] = { ORM_BELONGS_TO(struct plain, self, struct plain, &plain_model) };
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, "plain_id");
	}
	{
		static const orm_relation r[] = {
			ORM_BELONGS_TO(struct plain, self, struct plain, &plain_model, .foreign_key = "other"),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		assert_int_equal(orm_model_check(&m, NULL), 0);
	}
	{
		static const orm_relation r[] = {
			ORM_HAS_MANY_THROUGH(struct plain, self, nself, struct plain, &plain_model),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, ".through");
	}
	{
		static const orm_relation r[] = {
			ORM_HAS_MANY(struct plain, self, nself, struct plain, &plain_model, .local_key = "nope"),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, "local key field nope");
	}
	{
		static const orm_relation r[] = {
			ORM_HAS_MANY(struct plain, self, nself, struct plain, &plain_model, .pivot = "x"),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, ".pivot");
	}
	{
		static const orm_relation r[] = {
			ORM_HAS_MANY(struct plain, self, nself, struct plain, NULL),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, "no target");
	}
	{
		/* a many relation without a count member (hand-written) */
		static const orm_relation r[] = { { "self", ORM_REL_HAS_MANY, offsetof(struct plain, self), (size_t)-1,
						    &plain_model, NULL, NULL, NULL, NULL, NULL } };
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, "size_t count");
	}
	{
		static const orm_relation r[] = {
			ORM_HAS_MANY(struct plain, self, nself, struct plain, &plain_model),
			ORM_HAS_MANY(struct plain, self, nself, struct plain, &plain_model),
		};
		static const orm_model m = ORM_MODEL_EX(struct plain, orm, "plain", "plains", plain_fields,
							ORM_RELATIONS(r));
		expect_bad(&m, "declared twice");
	}
}
const orm_model plain_model = ORM_MODEL(struct plain, orm, "plain", "plains", plain_fields);

/* ---- field access ---- */

static void test_null_changed_owned(void **state)
{
	struct owner o = { 0 };
	char borrowed[] = "mine";

	(void)state;
	/* numeric NULL lives in the bitmap; 0 is not NULL */
	assert_false(model_is_null(&owner_model, &o, rank));
	assert_int_equal(model_set_null(&owner_model, &o, rank), 0);
	assert_true(model_is_null(&owner_model, &o, rank));
	assert_true(o.orm.dirty & (1u << 2));
	assert_int_equal(model_set(&owner_model, &o, rank, 0), 0);
	assert_false(model_is_null(&owner_model, &o, rank));
	assert_int_equal(o.rank, 0);

	/* strings: the pointer decides; set_text copies and owns */
	assert_true(model_is_null(&owner_model, &o, name));
	assert_int_equal(model_set_text(&owner_model, &o, name, "Ann"), 0);
	assert_false(model_is_null(&owner_model, &o, name));
	assert_string_equal(o.name, "Ann");
	assert_true(o.orm.owned & (1u << 1));
	assert_int_equal(model_set_text(&owner_model, &o, name, "Bo"), 0); /* reuses the buffer */
	assert_string_equal(o.name, "Bo");
	assert_int_equal(model_set_text(&owner_model, &o, name, "A much longer name"), 0);
	assert_string_equal(o.name, "A much longer name");
	{
		/* an owned string has room for its length rounded up to 16 bytes
		 * with the NUL: "Bo" (3 bytes) got 16, so up to 15 characters go
		 * into it in place; 16 need a new allocation (run under ASan and
		 * valgrind, this also checks the copies stay inside it) */
		char *before;

		assert_int_equal(model_set_text(&owner_model, &o, name, "Bo"), 0);
		before = o.name;
		assert_int_equal(model_set_text(&owner_model, &o, name, "fifteen chars.."), 0);
		assert_ptr_equal(o.name, before);
		assert_string_equal(o.name, "fifteen chars..");
		assert_int_equal(model_set_text(&owner_model, &o, name, ""), 0);
		assert_ptr_equal(o.name, before);
		assert_string_equal(o.name, "");
		assert_int_equal(model_set_text(&owner_model, &o, name, "sixteen chars..."), 0);
		assert_ptr_not_equal(o.name, before);
		assert_string_equal(o.name, "sixteen chars...");
		assert_true(o.orm.owned & (1u << 1));
	}
	assert_int_equal(model_set_null(&owner_model, &o, name), 0);
	assert_null(o.name);
	assert_false(o.orm.owned & (1u << 1));

	/* a caller's own pointer is never freed by the library */
	o.name = borrowed;
	assert_int_equal(model_changed(&owner_model, &o, name), 0);
	assert_false(o.orm.owned & (1u << 1));

	/* char[N] in place, too long is ORM_ETYPE */
	assert_int_equal(model_set_text(&owner_model, &o, code, "ABC"), 0);
	assert_string_equal(o.code, "ABC");
	assert_int_equal(model_set_text(&owner_model, &o, code, "12345678"), ORM_ETYPE);
	assert_string_equal(o.code, "ABC");

	/* not a field */
	assert_int_equal(model_changed(&owner_model, &o, nitems), ORM_EINVAL);
	assert_int_equal(model_set_text(&owner_model, &o, rank, "x"), ORM_EINVAL);

	orm_model_clear(&o, &owner_model);
	assert_null(o.name); /* zeroed; the borrowed string was not freed */
	assert_string_equal(borrowed, "mine");
	orm_model_clear(NULL, &owner_model);
}

static void test_get_set_conversions(void **state)
{
	struct owner o = { 0 };
	orm_value v;

	(void)state;
	assert_int_equal(orm_model_set(&o, &owner_model, "rank", orm_text("42")), 0);
	assert_int_equal(o.rank, 42);
	assert_int_equal(orm_model_set(&o, &owner_model, "rank", orm_text("4x")), ORM_ETYPE);
	assert_int_equal(orm_model_set(&o, &owner_model, "rank", orm_int(5000000000LL)), ORM_ETYPE);
	assert_int_equal(orm_model_set(&o, &owner_model, "flag", orm_text("true")), 0);
	assert_true(o.flag);
	assert_int_equal(orm_model_set(&o, &owner_model, "flag", orm_int(0)), 0);
	assert_false(o.flag);
	assert_int_equal(orm_model_set(&o, &owner_model, "ratio", orm_text("1.5")), 0);
	assert_true(o.ratio == 1.5);
	assert_int_equal(orm_model_set(&o, &owner_model, "owner_name", orm_int(12)), 0);
	assert_string_equal(o.name, "12");
	assert_int_equal(orm_model_set(&o, &owner_model, "data", orm_blob("\0\1\2", 3)), 0);
	assert_int_equal(o.data.len, 3);
	assert_int_equal(o.data.ptr[2], 2);
	assert_int_equal(orm_model_set(&o, &owner_model, "any", orm_typed_text(ORM_TYPE_DATE, "2024-02-29")), 0);
	assert_int_equal(o.any.type, ORM_TYPE_DATE);
	assert_int_equal(orm_model_get(&o, &owner_model, "any", &v), 0);
	assert_int_equal(v.type, ORM_TYPE_DATE);
	assert_memory_equal(v.u.s.ptr, "2024-02-29", 10);
	assert_int_equal(orm_model_set(&o, &owner_model, "any", orm_int(3)), 0); /* frees the text */
	assert_int_equal(o.any.type, ORM_TYPE_INT);
	assert_int_equal(orm_model_get(&o, &owner_model, "rank", &v), 0);
	assert_int_equal(v.type, ORM_TYPE_INT);
	assert_int_equal(v.u.i, 42);
	assert_int_equal(orm_model_set(&o, &owner_model, "rank", orm_null()), 0);
	assert_int_equal(orm_model_get(&o, &owner_model, "rank", &v), 0);
	assert_int_equal(v.type, ORM_TYPE_NULL);
	assert_int_equal(orm_model_get(&o, &owner_model, "missing", &v), ORM_EINVAL);
	orm_model_clear(&o, &owner_model);
}

static void test_json(void **state)
{
	struct owner o = { 0 };
	orm_buf j = ORM_BUF_INIT;

	(void)state;
	o.id = 3;
	model_set_text(&owner_model, &o, name, "a\"b\\c\n");
	model_set_null(&owner_model, &o, ratio);
	model_set_text(&owner_model, &o, code, "X");
	orm_model_set(&o, &owner_model, "data", orm_blob("secret", 6));
	assert_int_equal(orm_model_to_json(&j, &o, &owner_model), 0);
	assert_string_equal(j.ptr, "{\"id\":3,\"name\":\"a\\\"b\\\\c\\n\",\"rank\":0,\"flag\":false,"
				   "\"ratio\":null,\"code\":\"X\",\"any\":null,\"stamp\":null}");
	orm_buf_dispose(&j);
	orm_model_clear(&o, &owner_model);
}

static void test_collection_by_hand(void **state)
{
	orm_collection c = ORM_COLLECTION_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		struct item it = { 0 };
		char label[32];
		it.owner_id = i;
		snprintf(label, sizeof(label), "item %d", i);
		assert_int_equal(model_set_text(&item_model, &it, label, label), 0);
		assert_int_equal(collection_append(&c, &item_model, &it), 0);
		assert_null(it.label); /* moved */
	}
	assert_int_equal(c.count, 100);
	assert_ptr_equal(c.model, &item_model);
	assert_string_equal(((struct item *)collection_at(&c, 42))->label, "item 42");
	assert_null(collection_at(&c, 100));
	assert_true(ORM_COLLECTION_AT(struct item, &c, 99)->orm.flags & ORM_STATE_IN_COLLECTION);
	{
		/* an object of a collection cannot be appended elsewhere; a wrong model is refused */
		orm_collection d = ORM_COLLECTION_INIT;
		struct owner o = { 0 };
		assert_int_equal(collection_append(&d, &item_model, collection_at(&c, 0)), ORM_EINVAL);
		assert_int_equal(collection_append(&c, &owner_model, &o), ORM_EINVAL);
		collection_free(&d);
	}
	i = 0;
	ORM_COLLECTION_FOREACH(struct item, it, &c)
		i += it->owner_id == i;
	assert_int_equal(i, 100);
	collection_free(&c);
	assert_int_equal(c.count, 0);
	assert_null(c.items);
	collection_free(&c);
	collection_free(NULL);
}

static void test_runtime_model_api_without_db(void **state)
{
	(void)state;
	assert_null(orm_row_new(NULL));
	orm_row_free(NULL, NULL);
	orm_model_free(NULL);
	assert_int_equal(orm_model_from_table(NULL, NULL, "t"), ORM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_check_good),
		cmocka_unit_test(test_check_bad_fields),
		cmocka_unit_test(test_check_bad_relations),
		cmocka_unit_test(test_null_changed_owned),
		cmocka_unit_test(test_get_set_conversions),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_collection_by_hand),
		cmocka_unit_test(test_runtime_model_api_without_db),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
