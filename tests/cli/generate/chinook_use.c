/*
 * Uses the models `ormtool generate models` wrote for the Chinook sample
 * database (tests/cli/generate.sh): checks every descriptor, then reads
 * real rows through them with eager loading and the column constants.
 * Prints "ok - ..." / "not ok - ..." lines (the script numbers them);
 * argv[1] is the database URL. Exit status 0 when every check passed.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "models.h"

int main(int argc, char **argv)
{
	orm_collection artists = ORM_COLLECTION_INIT, playlists = ORM_COLLECTION_INIT;
	orm_collection emps = ORM_COLLECTION_INIT;
	orm_with with_albums[] = { ORM_WITH(ARTIST_REL_ALBUMS "." ALBUM_REL_TRACKS) };
	orm_with with_tracks[] = { ORM_WITH(PLAYLIST_REL_TRACKS) };
	orm_with with_boss[] = { ORM_WITH(EMPLOYEE_REL_REPORTS_TO_EMPLOYEE) };
	orm_buf err = ORM_BUF_INIT;
	orm_conn *db = NULL;
	orm_query *q;
	size_t i, albums = 0, tracks = 0, links = 0;
	int rc, models_ok = 1;
	const struct artist *acdc = NULL;
	struct album one = { 0 };

	if (argc != 2)
		return 2;
	for (i = 0; i < MODELS_COUNT; i++)
		if (orm_model_check(models_all[i], &err) < 0)
			models_ok = 0;
	check(models_ok && MODELS_COUNT == 11, "11 generated descriptors pass orm_model_check");
	if (err.ptr)
		printf("# %s\n", err.ptr);
	if (orm_open(&db, argv[1]) < 0) {
		printf("# %s\n", orm_conn_errmsg(db));
		return 1;
	}
	for (i = 0, rc = 0; i < MODELS_COUNT && rc == 0; i++)
		rc = orm_model_verify(db, models_all[i]);
	check(rc == 0, "every descriptor matches the live tables (orm_model_verify)");

	/* artists with their albums and the albums' tracks: one query per level */
	q = orm_query_new(ARTIST_TABLE);
	orm_query_order_by(q, ARTIST_COL_ARTIST_ID, ORM_ASC);
	rc = collection_fetch_with(&artists, db, &artist_model, q, with_albums, 1);
	orm_query_free(q);
	if (rc < 0)
		printf("# %s\n", orm_conn_errmsg(db));
	check(rc == 0 && artists.count == 275, "275 artists fetched with albums.tracks");
	ORM_COLLECTION_FOREACH(struct artist, a, &artists) {
		albums += a->nalbums;
		for (i = 0; i < a->nalbums; i++)
			tracks += a->albums[i].ntracks;
		if (a->artist_id == 1)
			acdc = a;
	}
	check(albums == 347, "the artists have 347 albums in all");
	check(tracks == 3503, "the albums have 3503 tracks in all");
	check(acdc && acdc->name && strcmp(acdc->name, "AC/DC") == 0 && acdc->nalbums == 2,
	      "artist 1 is AC/DC with 2 albums");
	check(acdc && acdc->nalbums == 2 &&
	      strcmp(acdc->albums[0].title, "For Those About To Rock We Salute You") == 0 &&
	      acdc->albums[0].ntracks == 10 && strcmp(acdc->albums[1].title, "Let There Be Rock") == 0,
	      "AC/DC's albums and track count");

	/* belongs_to_many through the PlaylistTrack join table */
	rc = collection_fetch_with(&playlists, db, &playlist_model, NULL, with_tracks, 1);
	ORM_COLLECTION_FOREACH(struct playlist, p, &playlists)
		links += p->ntracks;
	check(rc == 0 && playlists.count == 18 && links == 8715,
	      "18 playlists hold 8715 tracks through PlaylistTrack");

	/* self-reference: Employee.ReportsTo */
	q = orm_query_new(EMPLOYEE_TABLE);
	orm_query_where(q, EMPLOYEE_COL_EMPLOYEE_ID, "=", orm_int(2));
	rc = collection_fetch_with(&emps, db, &employee_model, q, with_boss, 1);
	orm_query_free(q);
	check(rc == 0 && emps.count == 1 && ORM_COLLECTION_AT(struct employee, &emps, 0)->reports_to_employee &&
	      strcmp(ORM_COLLECTION_AT(struct employee, &emps, 0)->reports_to_employee->last_name, "Adams") == 0,
	      "employee 2 reports to Adams");

	/* one object by key, a decimal column as text */
	rc = model_find_id(&one, db, &album_model, 148);
	check(rc == 0 && strcmp(one.title, "Black Album") == 0 && one.artist_id == 50,
	      "album 148 is the Black Album by artist 50");
	model_clear(&one, &album_model);

	collection_free(&artists);
	collection_free(&playlists);
	collection_free(&emps);
	orm_buf_dispose(&err);
	orm_close(db);
	return failed;
}
