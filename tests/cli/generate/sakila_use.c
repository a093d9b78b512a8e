/*
 * Uses the models `ormtool generate models --name sakila` wrote for the
 * Sakila sample database (tests/cli/generate.sh): belongs_to_many through
 * the film_actor / film_category join tables, two foreign keys from film
 * to language, the store <-> staff cycle. Prints "ok - ..." / "not ok -
 * ..." lines (the script numbers them); argv[1] is the database URL.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sakila.h"

int main(int argc, char **argv)
{
	orm_collection films = ORM_COLLECTION_INIT, stores = ORM_COLLECTION_INIT;
	orm_with with_film[] = {
		ORM_WITH(FILM_REL_ACTORS), ORM_WITH(FILM_REL_CATEGORIES), ORM_WITH(FILM_REL_LANGUAGE)
	};
	orm_with with_store[] = { ORM_WITH(STORE_REL_MANAGER_STAFF) };
	orm_buf err = ORM_BUF_INIT;
	orm_conn *db = NULL;
	orm_query *q;
	const struct film *f;
	const struct store *s;
	size_t i;
	int rc, models_ok = 1;

	if (argc != 2)
		return 2;
	for (i = 0; i < SAKILA_COUNT; i++)
		if (orm_model_check(sakila_all[i], &err) < 0)
			models_ok = 0;
	check(models_ok && SAKILA_COUNT == 16, "16 generated descriptors pass orm_model_check");
	if (err.ptr)
		printf("# %s\n", err.ptr);
	if (orm_open(&db, argv[1]) < 0) {
		printf("# %s\n", orm_conn_errmsg(db));
		return 1;
	}

	q = orm_query_new(FILM_TABLE);
	orm_query_where(q, FILM_COL_FILM_ID, "=", orm_int(1));
	rc = collection_fetch_with(&films, db, &film_model, q, with_film, 3);
	orm_query_free(q);
	if (rc < 0)
		printf("# %s\n", orm_conn_errmsg(db));
	f = films.count == 1 ? ORM_COLLECTION_AT(struct film, &films, 0) : NULL;
	check(rc == 0 && f && strcmp(f->title, "ACADEMY DINOSAUR") == 0, "film 1 is ACADEMY DINOSAUR");
	check(f && f->nactors == 10, "film 1 has 10 actors through film_actor");
	check(f && f->ncategories == 1 && strcmp(f->categories[0].name, "Documentary") == 0,
	      "film 1 is a Documentary through film_category");
	check(f && f->language && strncmp(f->language->name, "English", 7) == 0, "film 1 is in English");

	q = orm_query_new(STORE_TABLE);
	orm_query_order_by(q, STORE_COL_STORE_ID, ORM_ASC);
	rc = collection_fetch_with(&stores, db, &store_model, q, with_store, 1);
	orm_query_free(q);
	s = stores.count == 2 ? ORM_COLLECTION_AT(struct store, &stores, 0) : NULL;
	check(rc == 0 && s && s->manager_staff && strcmp(s->manager_staff->first_name, "Mike") == 0 &&
	      strcmp(s->manager_staff->last_name, "Hillyer") == 0, "store 1 is managed by Mike Hillyer");

	collection_free(&films);
	collection_free(&stores);
	orm_buf_dispose(&err);
	orm_close(db);
	return failed;
}
