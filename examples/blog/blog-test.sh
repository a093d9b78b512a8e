#!/bin/sh
# Run the blog example on SQLite (in memory) and check what it prints (TAP).
prog="${ORM_TEST_BUILDDIR:-.}/examples/blog/blog"
# the schema comes from the example's migrations (automake exports srcdir)
migrations="${srcdir:-$(dirname "$0")/../..}/examples/blog/migrations"
out=$($ORM_TEST_WRAPPER "$prog" "${ORM_TEST_SQLITE_URL:-sqlite::memory:}" "$migrations" 2>&1)
rc=$?
echo "1..4"
if [ $rc -eq 0 ]; then echo "ok 1 - blog example exits 0"; else echo "not ok 1 - blog example exits $rc"; fi
case $out in
  *"ada@example.com (Ada Lovelace): 3 post(s)"*) echo "ok 2 - eager loading printed the posts" ;;
  *) echo "not ok 2 - eager loading output missing" ;;
esac
case $out in
  *"duplicate email: unique"*"user.email"*) echo "ok 3 - constraint error names the field" ;;
  *) echo "not ok 3 - constraint error output missing" ;;
esac
case $out in
  *"applied 1 migration(s)"*"rolled back 1 migration(s)"*) echo "ok 4 - schema made and removed by the migrations" ;;
  *) echo "not ok 4 - migration output missing" ;;
esac
echo "$out" | sed 's/^/# /'
