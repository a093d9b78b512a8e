#!/bin/sh
# Run the blog example on SQLite (in memory) and check what it prints (TAP).
prog="${ORM_TEST_BUILDDIR:-.}/examples/blog/blog"
out=$("$prog" "${ORM_TEST_SQLITE_URL:-sqlite::memory:}" 2>&1)
rc=$?
echo "1..3"
if [ $rc -eq 0 ]; then echo "ok 1 - blog example exits 0"; else echo "not ok 1 - blog example exits $rc"; fi
case $out in
  *"ada@example.com (Ada Lovelace): 3 post(s)"*) echo "ok 2 - eager loading printed the posts" ;;
  *) echo "not ok 2 - eager loading output missing" ;;
esac
case $out in
  *"duplicate email: unique"*"user.email"*) echo "ok 3 - constraint error names the field" ;;
  *) echo "not ok 3 - constraint error output missing" ;;
esac
echo "$out" | sed 's/^/# /'
