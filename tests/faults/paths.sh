#!/bin/sh
# Path traversal through ormtool (SQLite): names that try to leave the
# migrations or seeds folder.
#   - migrate make / seed make refuse names with '/' or '..': nothing is
#     written outside the folder;
#   - migrate up / down / to take a migration *name*, looked up among the
#     files of the folder: '../x' finds nothing and runs nothing;
#   - seed run --specific takes a name in the seeds folder or, when it holds
#     a '/', a path as the shell gives it (relative to the current folder,
#     as documented in orm/seed.h): a path is never joined to the seeds
#     folder, and a bare name never picks up a file of the current folder.
srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../cli/tap.sh
. "$srcdir/tests/cli/tap.sh"

mkdir -p "$tmp/proj/migrations" "$tmp/proj/seeds"
cd "$tmp/proj" || exit 99
printf 'CREATE TABLE pwned (x INTEGER);\n' >"$tmp/outside.sql"
printf -- '-- migrate:up\nCREATE TABLE pwned (x INTEGER);\n' >"$tmp/20240101000000_outside.sql"
U="--url sqlite:$tmp/proj/db.sqlite"

# no_pwned DESC: the outside files were not run
no_pwned() {
  ot $U query "SELECT count(*) AS n FROM sqlite_master WHERE name = 'pwned'" >"$tmp/out" 2>"$tmp/err"
  has out '^ *0$' "$1: the file outside the folder did not run"
}

for name in ../evil ../../evil a/../../evil /tmp/evil 'evil/..' '..'; do
  run 64 "migrate make '$name' is refused" ot $U migrate make "$name"
  run 64 "seed make '$name' is refused" ot $U seed make "$name"
done
if [ -z "$(find "$tmp" -name '*evil*')" ]; then ok "no file named evil was written anywhere"
else not_ok "a file named evil was written: $(find "$tmp" -name '*evil*')"; fi
run 0 "migrate latest (no migrations)" ot $U migrate latest
for name in ../20240101000000_outside ../../outside "$tmp/20240101000000_outside"; do
  run 64 "migrate up '$name': no such migration" ot $U migrate up "$name"
  has err "no migration named" "migrate up '$name': says there is no such migration"
  run 64 "migrate to '$name': no such migration" ot $U migrate to "$name"
done
no_pwned "migrate up/to"
run 66 "seed run --specific missing.csv (a name in the folder)" ot $U seed run --specific missing.csv
has err "missing.csv" "seed run --specific missing.csv: names the file"
run 66 "seed run --specific ../x.csv: a path from the current folder, which does not exist" \
  ot $U seed run --specific ../x.csv
no_pwned "seed run --specific"
# a name is looked up in the seeds folder only: the same name outside it is not used
cp "$tmp/outside.sql" "$tmp/proj/outside.sql"
run 66 "seed run --specific outside.sql: not in the seeds folder, not used" ot $U seed run --specific outside.sql
no_pwned "seed run --specific NAME"

echo "1..$n"
exit $fail
