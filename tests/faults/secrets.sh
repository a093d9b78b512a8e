#!/bin/sh
# Passwords never show: not in errors, not in -v/-vv logs, not in --dry-run
# output. URLs with a password go to a closed port (errors), through
# ormtool.yaml (connection maps and ${VAR} interpolation), $DATABASE_URL,
# malformed URLs; with ORM_TEST_PG_URL / ORM_TEST_MARIADB_URL set, also a
# wrong password (authentication errors) and a throwaway user whose password
# is distinctive (successful runs: status, dry runs, seeds). Also checks that
# TLS options reach the drivers: PostgreSQL sslmode, MariaDB ssl (the test
# servers have no TLS, so requiring it must fail, and saying so).
srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../cli/tap.sh
. "$srcdir/tests/cli/tap.sh"

PW='S3cr3tPW-7f4e1a9c'
PWENC='S3cr3t%2FPW-7f4e1a9c'  # S3cr3t/PW-7f4e1a9c percent-encoded
PWDEC='S3cr3t/PW-7f4e1a9c'

# clean DESC: neither output holds the password (in any form)
clean() {
  if grep -qF -e "$PW" -e "$PWENC" -e "$PWDEC" "$tmp/out" "$tmp/err"; then
    not_ok "$1: the password shows"
  else
    ok "$1: no password in the output"
  fi
}
# fails_clean DESC CMD...: fails with a message on stderr, and no password anywhere
fails_clean() {
  desc=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  got=$?
  if [ "$got" -eq 0 ] || [ ! -s "$tmp/err" ]; then
    not_ok "$desc: expected a failure with a message (exit $got)"
  else
    clean "$desc (exit $got)"
  fi
}
# works_clean DESC CMD...: succeeds, and no password anywhere
works_clean() {
  desc=$1; shift
  if run 0 "$desc" "$@"; then clean "$desc"; fi
}

mkdir -p "$tmp/proj/migrations" "$tmp/proj/seeds"
cat >"$tmp/proj/migrations/20240101000000_t.yaml" <<'EOM'
up:
  - create_table: { name: sec_t, columns: [{ name: id, type: increments }, { name: s, type: string(20) }] }
down:
  - drop_table: sec_t
EOM
printf 's\nx\n' >"$tmp/proj/seeds/sec_t.csv"
cd "$tmp/proj" || exit 99

# ---- closed port: connection errors ----
for scheme in postgres mariadb; do
  fails_clean "$scheme: connection refused" ot --url "$scheme://app:$PW@127.0.0.1:1/db" query "select 1"
  fails_clean "$scheme: percent-encoded password, connection refused" \
    ot --url "$scheme://app:$PWENC@127.0.0.1:1/db" query "select 1"
  fails_clean "$scheme: -vv migrate latest --dry-run" ot -vv --dry-run --url "$scheme://app:$PW@127.0.0.1:1/db" migrate latest
  fails_clean "$scheme: -vv seed run --dry-run" ot -vv --dry-run --url "$scheme://app:$PW@127.0.0.1:1/db" seed run
  fails_clean "$scheme: \$DATABASE_URL, migrate status" env DATABASE_URL="$scheme://app:$PW@127.0.0.1:1/db" "$ORMTOOL" migrate status
  fails_clean "$scheme: malformed URL (bad port)" ot --url "$scheme://app:$PW@127.0.0.1:notaport/db" query "select 1"
  fails_clean "$scheme: malformed URL (bad escape)" ot --url "$scheme://app:$PW%zz@127.0.0.1:1/db" query "select 1"
  fails_clean "$scheme: unknown URL option" ot --url "$scheme://app:$PW@127.0.0.1:1/db?no_such_option=1" query "select 1"
done

# ---- ormtool.yaml ----
cat >"$tmp/proj/map.yaml" <<'EOM'
development:
  client: pg
  connection: { host: 127.0.0.1, port: 1, user: app, password: "${SEC_PW}", database: app }
EOM
cat >"$tmp/proj/url.yaml" <<'EOM'
development:
  client: mariadb
  connection: "mariadb://app:${SEC_PW}@127.0.0.1:1/app"
EOM
cat >"$tmp/proj/notaurl.yaml" <<'EOM'
development:
  client: pg
  connection: "host${SEC_URL}"
EOM
cat >"$tmp/proj/badport.yaml" <<'EOM'
development:
  client: pg
  connection: { host: 127.0.0.1, port: "${SEC_PW}", user: app, password: "${SEC_PW}" }
EOM
cat >"$tmp/proj/multi.yaml" <<'EOM'
databases:
  app:
    client: pg
  logs:
    client: mariadb
EOM
export SEC_PW="$PW" SEC_URL="postgres://app:$PW@127.0.0.1:1/app"
for f in map url notaurl badport; do
  fails_clean "ormtool.yaml ($f): -vv migrate latest --dry-run" ot -vv --dry-run --config "$f.yaml" migrate latest
done
fails_clean "ormtool.yaml (databases:, APP_DB_PASSWORD): migrate status --all-databases" \
  env APP_DB_HOST=127.0.0.1 APP_DB_PORT=1 APP_DB_PASSWORD="$PW" LOGS_DB_HOST=127.0.0.1 LOGS_DB_PORT=1 \
  LOGS_DB_PASSWORD="$PW" "$ORMTOOL" -vv --config multi.yaml --all-databases migrate status

# ---- real servers ----
# with_password URL PW: URL with its password replaced
with_password() { printf '%s\n' "$1" | sed "s|^\([a-z]*://[^:/@]*\):[^@]*@|\1:$2@|"; }
for d in pg mariadb; do
  if [ "$d" = pg ]; then url=${ORM_TEST_PG_URL:-}; else url=${ORM_TEST_MARIADB_URL:-}; fi
  if [ -z "$url" ]; then
    if [ "${CI:-}" = true ]; then not_ok "$d: ORM_TEST_$(echo $d | tr a-z A-Z)_URL is not set (CI requires it)"
    else echo "# $d: server URL not set, its checks are left out"; fi
    continue
  fi
  fails_clean "$d: wrong password" ot -vv --url "$(with_password "$url" "$PW")" query "select 1"
  # TLS options reach the driver: the test server has none, so requiring it fails and says so
  if [ "$d" = pg ]; then tls_on="sslmode=require" tls_off="sslmode=disable"; pat="SSL"
  else tls_on="ssl=on" tls_off="ssl=off"; pat="TLS"; fi
  if run 0 "$d: $tls_off passes through and connects" ot --url "$url?$tls_off" query "select 1"; then :; fi
  if run 69 "$d: $tls_on passes through: the server without TLS is refused" ot --url "$url?$tls_on" query "select 1"; then
    has err "$pat" "$d: $tls_on: the error names $pat"
  fi
  # a throwaway user with a distinctive password: successful runs print no password
  user=orm_sec_$$
  if [ "$d" = pg ]; then
    create="CREATE ROLE $user LOGIN SUPERUSER PASSWORD '$PW'"; drop="DROP ROLE IF EXISTS $user"
  else
    create="CREATE USER '$user'@'%' IDENTIFIED BY '$PW'"; drop="DROP USER IF EXISTS '$user'@'%'"
  fi
  if ! ot --url "$url" query "$create" >"$tmp/out" 2>"$tmp/err"; then
    not_ok "$d: cannot create a throwaway user"; continue
  fi
  [ "$d" = mariadb ] && ot --url "$url" query "GRANT ALL PRIVILEGES ON *.* TO '$user'@'%'" >/dev/null 2>&1
  surl=$(with_password "$url" "$PW" | sed "s|://[^:]*:|://$user:|")
  # (own bookkeeping table: other tests may use the same database at the same time)
  works_clean "$d: -vv migrate latest --dry-run" ot -vv --dry-run --url "$surl" migrate --table sec_migrations latest
  works_clean "$d: -vv migrate latest" ot -vv --url "$surl" migrate --table sec_migrations latest
  works_clean "$d: -vv migrate status" ot -vv --url "$surl" migrate --table sec_migrations status
  works_clean "$d: -vv seed run --dry-run" ot -vv --dry-run --url "$surl" seed run
  works_clean "$d: -vv seed run" ot -vv --url "$surl" seed run
  works_clean "$d: -vv migrate list --json" ot -vv --url "$surl" migrate --table sec_migrations list --json
  works_clean "$d: -vv migrate rollback --all" ot -vv --url "$surl" migrate --table sec_migrations rollback --all
  ot --url "$url" query "DROP TABLE sec_migrations" >/dev/null 2>&1
  ot --url "$url" query "$drop" >/dev/null 2>&1
done

echo "1..$n"
exit $fail
