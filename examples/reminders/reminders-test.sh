#!/bin/sh
# examples/reminders: the same migrations and seeds through the two
# environments of one ormtool.yaml: development (SQLite) always, and
# production (PostgreSQL, connection from PG* variables) when
# ORM_TEST_PG_URL is set. The program runs twice: the second run must
# change nothing.
. "${ORM_TEST_SRCDIR:-$(dirname "$0")/../..}/examples/testlib.sh"
prog=$builddir/examples/reminders/reminders

# run_all LABEL: the whole sequence in the environment named by $ORM_ENV
run_all() {
  label=$1
  step "$label: migrate latest" ot migrate latest &&
    has '2 migration(s) applied' "$label: two migrations applied"
  step "$label: seed run" ot seed run
  step "$label: seed run again (upserts, no duplicates)" ot seed run
  step "$label: reminders as of 2024-05-01" "$prog" 2024-05-01
  show
  has "environment $ORM_ENV" "$label: the program read the $ORM_ENV environment"
  has 'INV-001 ada@example.com: 100.00 EUR outstanding, 30 day(s) overdue: reminder 3 (final notice, by letter) scheduled' \
    "$label: INV-001 gets its final notice"
  has 'INV-002 bob@example.com: 150.00 EUR outstanding, 11 day(s) overdue: reminder 1' \
    "$label: INV-002 owes what the payment left"
  has 'INV-003 bob@example.com: paid in full' "$label: INV-003 is recognised as paid"
  has 'INV-005 cy@example.com: 60.00 EUR outstanding, 3 day(s) overdue: no reminder yet' \
    "$label: INV-005 is not late enough"
  has '^2 new reminder(s), 1 invoice(s) marked paid' "$label: the totals"
  step "$label: reminders again the same day" "$prog" 2024-05-01
  has '^0 new reminder(s), 0 invoice(s) marked paid' "$label: the second run changes nothing"
  step "$label: the rows" ot query "select number, status, (select count(*) from reminders r where r.invoice_id = i.id) as n from invoices i order by number"
  show
  has 'INV-003 *| *paid' "$label: INV-003 is stored as paid"
}

project reminders
ORM_ENV=development; export ORM_ENV
run_all development
unset ORM_ENV
cd "$tmp" || exit 99

if pg_available && pg_scratch orm_example_reminders; then
  project reminders
  # production reads host, port, user, password and database from PG* variables
  eval "$(printf '%s\n' "$pg_url" |
    sed -n 's#^postgres[a-z]*://\([^:@/]*\):\([^@/]*\)@\([^:/]*\):\([0-9]*\)/\(.*\)$#PGUSER=\1 PGPASSWORD=\2 PGHOST=\3 PGPORT=\4 PGDATABASE=\5#p')"
  export PGUSER PGPASSWORD PGHOST PGPORT PGDATABASE
  ORM_ENV=production; export ORM_ENV
  run_all production
  unset ORM_ENV PGUSER PGPASSWORD PGHOST PGPORT PGDATABASE
  cd "$tmp" || exit 99
  pg_drop orm_example_reminders
fi
finish
