#!/bin/sh
# examples/schemas: tables in the PostgreSQL schema `auth`, models on
# schema-qualified tables. PostgreSQL only: SQLite has no schemas (an
# attached database file would need ATTACH on every connection, which
# ormtool cannot do), so without ORM_TEST_PG_URL everything is skipped.
. "${ORM_TEST_SRCDIR:-$(dirname "$0")/../..}/examples/testlib.sh"
prog=$builddir/examples/schemas/schemas

if pg_available && pg_scratch orm_example_schemas; then
  project schemas
  DATABASE_URL=$pg_url; export DATABASE_URL
  step "migrate latest (create_schema auth, auth.users, auth.sessions)" ot migrate latest
  step "seed run --schema auth" ot seed run --schema auth
  step "seed run --schema auth again (upsert)" ot seed run --schema auth
  step "the schemas program" "$prog" "$pg_url"
  show
  has 'models verified' "models verified against the live tables"
  has 'ada@example.com: 1 session(s) 6f1c2d1e... until 2030-01-01 00:00:00+00:00' "seeded rows read through the models"
  has 'grace@example.com: 1 session(s)' "a user and a session saved into the auth schema"
  step "the tables are in schema auth" ot query "select table_schema, table_name from information_schema.tables where table_schema = 'auth' order by 2"
  has 'auth *| *sessions' "auth.sessions exists"
  step "migrate rollback drops the schema" ot migrate rollback
  step "schema auth is gone" ot query "select count(*) as n from information_schema.schemata where schema_name = 'auth'"
  has '^ *0 *$' "no schema auth after the rollback"
  cd "$tmp" || exit 99
  unset DATABASE_URL
  pg_drop orm_example_schemas
fi
finish
