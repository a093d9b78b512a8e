#!/bin/sh
# examples/auth: `ormtool migrate latest`, `ormtool seed run`, then the
# program, on SQLite (a copy of the project in a temporary folder) and,
# with ORM_TEST_PG_URL, on a scratch PostgreSQL database through --url.
. "${ORM_TEST_SRCDIR:-$(dirname "$0")/../..}/examples/testlib.sh"
prog=$builddir/examples/auth/auth

# run_all LABEL [--url URL]: the whole sequence on one database
run_all() {
  label=$1; shift
  step "$label: migrate latest" ot "$@" migrate latest &&
    has '3 migration(s) applied' "$label: three migrations applied"
  step "$label: seed run" ot "$@" seed run
  step "$label: migrate status" ot "$@" migrate status &&
    has '^applied .*add_last_login' "$label: status lists the applied migrations"
  step "$label: the auth program" "$prog" ${2:+"$2"}
  show
  has 'login ada@example.com: ok' "$label: a seeded user logs in"
  has 'wrong password: wrong password' "$label: a wrong password is refused"
  has 'again: unique.*user.email' "$label: a taken email fails with the field"
  has 'token adaapi (seeded API token): ok, belongs to ada@example.com' "$label: a seeded token verifies"
  has 'expired): rejected' "$label: an expired token is refused"
  has 'after logout: rejected' "$label: a revoked token is refused"
  has 'her tokens left: 0' "$label: deleting a user cascades to the tokens"
  step "$label: seed run again (upsert by natural key)" ot "$@" seed run
  step "$label: rollback --all" ot "$@" migrate rollback --all &&
    has '3 migration(s) rolled back' "$label: every migration rolls back"
}

project auth
run_all sqlite
cd "$tmp" || exit 99

if pg_available && pg_scratch orm_example_auth; then
  project auth
  run_all postgres --url "$pg_url"
  cd "$tmp" || exit 99
  pg_drop orm_example_auth
fi
finish
