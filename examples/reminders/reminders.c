/*
 * Payment reminders: find open invoices that are overdue, work out what
 * is still owed from their payments, schedule the next reminder, and
 * mark invoices paid in full as paid (see README.md).
 *
 *   usage: reminders [YYYY-MM-DD]      (the day to run as of; default today, UTC)
 *
 * The database comes from ormtool.yaml, environment $ORM_ENV (else
 * development): SQLite in development, PostgreSQL in production. Run
 * `ormtool migrate latest` and `ormtool seed run` first. Running it twice
 * on the same day changes nothing the second time. Exit status 0 on
 * success.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orm.h"

/* ---- models ---- */

struct payment;
struct reminder;

struct user {
	orm_model_state orm;
	int64_t id;
	char *email;
	char *name;
};

struct invoice {
	orm_model_state orm;
	int64_t id;
	int64_t user_id;
	char *number;
	char *amount;              /* exact decimal as text: "250.00" */
	char *currency;
	char *due_on;              /* "YYYY-MM-DD" */
	char *status;
	struct user *user;         /* belongs_to */
	struct payment *payments;  /* has_many */
	size_t npayments;
	struct reminder *reminders;
	size_t nreminders;
};

struct payment {
	orm_model_state orm;
	int64_t id;
	int64_t invoice_id;
	char *amount;
	char *paid_on;
};

struct reminder {
	orm_model_state orm;
	int64_t id;
	int64_t invoice_id;
	int32_t level;
	char *scheduled_for;
	char *sent_at;             /* NULL until a mailer sends it */
	char *channel;
};

extern const orm_model user_model, invoice_model, payment_model, reminder_model;

static const orm_field user_fields[] = {
	ORM_FIELD_INT64(struct user, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_TEXT(struct user, email, 0),
	ORM_FIELD_TEXT(struct user, name, 0),
};
const orm_model user_model = ORM_MODEL(struct user, orm, "user", "users", user_fields);

static const orm_field invoice_fields[] = {
	ORM_FIELD_INT64(struct invoice, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct invoice, user_id, 0),
	ORM_FIELD_TEXT(struct invoice, number, 0),
	ORM_FIELD_DECIMAL(struct invoice, amount, 0),
	ORM_FIELD_TEXT(struct invoice, currency, 0),
	ORM_FIELD_DATE(struct invoice, due_on, 0),
	ORM_FIELD_TEXT(struct invoice, status, 0),
};
static const orm_relation invoice_relations[] = {
	ORM_BELONGS_TO(struct invoice, user, struct user, &user_model),
	ORM_HAS_MANY(struct invoice, payments, npayments, struct payment, &payment_model),
	ORM_HAS_MANY(struct invoice, reminders, nreminders, struct reminder, &reminder_model),
};
const orm_model invoice_model = ORM_MODEL_EX(struct invoice, orm, "invoice", "invoices", invoice_fields,
					     ORM_RELATIONS(invoice_relations));

static const orm_field payment_fields[] = {
	ORM_FIELD_INT64(struct payment, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct payment, invoice_id, 0),
	ORM_FIELD_DECIMAL(struct payment, amount, 0),
	ORM_FIELD_DATE(struct payment, paid_on, 0),
};
const orm_model payment_model = ORM_MODEL(struct payment, orm, "payment", "payments", payment_fields);

static const orm_field reminder_fields[] = {
	ORM_FIELD_INT64(struct reminder, id, ORM_PK | ORM_AUTO),
	ORM_FIELD_INT64(struct reminder, invoice_id, 0),
	ORM_FIELD_INT32(struct reminder, level, 0),
	ORM_FIELD_DATE(struct reminder, scheduled_for, 0),
	ORM_FIELD_TIMESTAMP(struct reminder, sent_at, ORM_NULLABLE),
	ORM_FIELD_TEXT(struct reminder, channel, 0, .defval = "email"),
};
const orm_model reminder_model = ORM_MODEL(struct reminder, orm, "reminder", "reminders", reminder_fields);

/* ---- money and dates ---- */

/* "123.45" -> 12345 cents (the columns have scale 2). */
static int64_t cents(const char *dec)
{
	int64_t units = 0, frac = 0;
	int neg = *dec == '-', digits = 0;

	for (dec += neg; *dec >= '0' && *dec <= '9'; dec++)
		units = units * 10 + (*dec - '0');
	if (*dec == '.')
		for (dec++; *dec >= '0' && *dec <= '9' && digits < 2; dec++, digits++)
			frac = frac * 10 + (*dec - '0');
	for (; digits < 2; digits++)
		frac *= 10;
	return (neg ? -1 : 1) * (units * 100 + frac);
}

/* Days since 1970-01-01 of "YYYY-MM-DD"; -1 when it does not parse. */
static long day_number(const char *date)
{
	struct tm tm = { 0 };

	if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long)(timegm(&tm) / 86400);
}

/* Reminder levels: days overdue that reach them, and what they say. */
static const struct { int days; const char *what; } levels[] = {
	{ 7, "friendly reminder" }, { 14, "second reminder" }, { 30, "final notice" },
};
#define NLEVELS ((int)(sizeof(levels) / sizeof(levels[0])))

static int has_level(const struct invoice *inv, int level)
{
	size_t i;

	for (i = 0; i < inv->nreminders; i++)
		if (inv->reminders[i].level == level)
			return 1;
	return 0;
}

/* ---- the run ---- */

static int open_db(orm_conn **db)
{
	orm_buf path = ORM_BUF_INIT;
	orm_config *cfg = NULL;
	const orm_config_db *cdb = NULL;
	int rc = orm_config_find(&path, NULL);

	if (rc == 0)
		rc = orm_config_load(&cfg, path.ptr, NULL); /* NULL: $ORM_ENV, else development */
	if (rc == 0)
		rc = orm_config_db_select(&cdb, cfg, NULL);
	if (rc == 0) {
		printf("environment %s, database %s\n", orm_config_env(cfg), orm_dialect_name(cdb->dialect));
		rc = orm_open(db, cdb->url);
		if (rc < 0)
			fprintf(stderr, "reminders: %s\n", orm_conn_errmsg(*db));
	} else {
		fprintf(stderr, "reminders: %s\n", cfg ? orm_config_errmsg(cfg) : "no ormtool.yaml here or above");
	}
	orm_config_free(cfg);
	orm_buf_dispose(&path);
	return rc;
}

int main(int argc, char **argv)
{
	orm_conn *db = NULL;
	orm_collection open = ORM_COLLECTION_INIT;
	orm_with with[] = { ORM_WITH("user"), ORM_WITH("payments"), ORM_WITH("reminders") };
	struct reminder *todo = NULL;
	orm_value *paid_ids = NULL;
	orm_query *q = NULL, *upd = NULL;
	size_t ntodo = 0, npaid = 0, i;
	long today_n;
	char today[11];
	int rc;

	if (argc > 2 || (argc == 2 && (strlen(argv[1]) != 10 || day_number(argv[1]) < 0))) {
		fprintf(stderr, "usage: reminders [YYYY-MM-DD]\n");
		return 64;
	}
	if (argc == 2) {
		memcpy(today, argv[1], 11);
	} else {
		time_t now = time(NULL);
		strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
	}
	today_n = day_number(today);
	if (open_db(&db) < 0) {
		orm_close(db);
		return 1;
	}

	/* One transaction: the reminders and the status changes go in together. */
	if ((rc = orm_begin(db)) < 0)
		goto out;

	/* open invoices due before today, with user, payments and reminders: 4 queries */
	q = orm_query_new("invoices");
	orm_query_where(q, "status", "=", orm_text("open"));
	orm_query_where(q, "due_on", "<", orm_typed_text(ORM_TYPE_DATE, today));
	orm_query_order_by(q, "number", ORM_ASC);
	if ((rc = collection_fetch_with(&open, db, &invoice_model, q, with, 3)) < 0)
		goto out;

	todo = calloc(open.count ? open.count : 1, sizeof(*todo));
	paid_ids = calloc(open.count ? open.count : 1, sizeof(*paid_ids));
	if (!todo || !paid_ids) {
		rc = ORM_ENOMEM;
		goto out;
	}
	printf("as of %s: %zu open invoice(s) past their due date\n", today, open.count);
	ORM_COLLECTION_FOREACH(struct invoice, inv, &open) {
		int64_t owed = cents(inv->amount);
		long late = today_n - day_number(inv->due_on);
		int level = 0, l;

		for (i = 0; i < inv->npayments; i++)
			owed -= cents(inv->payments[i].amount);
		printf("%s %s: ", inv->number, inv->user ? inv->user->email : "?");
		if (owed <= 0) {
			printf("paid in full, marked paid\n");
			paid_ids[npaid++] = orm_int(inv->id);
			continue;
		}
		for (l = 0; l < NLEVELS; l++)
			if (late >= levels[l].days)
				level = l + 1;
		printf("%" PRId64 ".%02d %s outstanding, %ld day(s) overdue: ", owed / 100, (int)(owed % 100),
		       inv->currency, late);
		if (level == 0) {
			printf("no reminder yet\n");
		} else if (has_level(inv, level)) {
			printf("reminder %d already scheduled\n", level);
		} else {
			struct reminder *r = &todo[ntodo++];
			r->invoice_id = inv->id;
			r->level = level;
			r->scheduled_for = today;      /* borrowed: the insert copies nothing it keeps */
			r->channel = (char *)(level == NLEVELS ? "letter" : "email");
			printf("reminder %d (%s, by %s) scheduled\n", level, levels[level - 1].what, r->channel);
		}
	}

	/* every new reminder in one multi-row INSERT ... RETURNING id */
	if (ntodo > 0 && (rc = model_insert_many(todo, ntodo, db, &reminder_model)) < 0)
		goto out;
	/* UPDATE invoices SET status = 'paid' WHERE id IN (...) */
	if (npaid > 0) {
		upd = orm_query_new("invoices");
		orm_query_set(upd, "status", orm_text("paid"));
		orm_query_where_in(upd, "id", paid_ids, npaid);
		if ((rc = orm_query_run(db, upd, NULL)) < 0)
			goto out;
	}
	rc = orm_commit(db);
	if (rc == 0)
		printf("%zu new reminder(s), %zu invoice(s) marked paid\n", ntodo, npaid);
out:
	if (rc < 0) {
		fprintf(stderr, "reminders: %s (%s)\n", orm_conn_errmsg(db), orm_strerror(rc));
		if (orm_tx_depth(db) > 0)
			orm_rollback(db);
	}
	for (i = 0; i < ntodo; i++)
		model_clear(&todo[i], &reminder_model);
	free(todo);
	free(paid_ids);
	collection_free(&open);
	orm_query_free(q);
	orm_query_free(upd);
	orm_close(db);
	return rc < 0;
}
