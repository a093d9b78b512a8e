#!/bin/sh
# Compile every public header on its own (TAP output, run by `make check`):
# `#include <orm/x.h>` as the only line, as C99 with
# -Wall -Wextra -pedantic -Werror, and again as C++ when a C++ compiler is
# there; then check that no public header includes a driver's or
# dependency's header (sqlite3.h, libpq-fe.h, mysql.h, uthash.h, yaml.h, csv.h)
# or the library's internal headers.
srcdir=${ORM_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
inc=$srcdir/include
CC=${CC:-cc}
CXX=${CXX:-c++}
[ -d "$inc/orm" ] || { echo "1..0 # SKIP $inc/orm not found"; exit 0; }
command -v "${CC%% *}" >/dev/null 2>&1 || { echo "1..0 # SKIP no C compiler ($CC)"; exit 0; }
have_cxx=no
command -v "${CXX%% *}" >/dev/null 2>&1 && have_cxx=yes

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# public headers, relative to include/: orm.h, orm/*.h, orm/sys/*.h
headers=$(cd "$inc" && { ls orm.h; ls orm/*.h; ls orm/sys/*.h 2>/dev/null; } | sort)
nh=$(echo "$headers" | wc -l)
if [ $have_cxx = yes ]; then plan=$((nh * 2 + 1)); else plan=$((nh + 1)); fi
echo "1..$plan"

i=0
fail=0
for h in $headers; do
  i=$((i + 1))
  printf '#include <%s>\nint orm_headertest_dummy;\n' "$h" >"$tmp/t.c"
  # shellcheck disable=SC2086
  if $CC -std=c99 -Wall -Wextra -pedantic -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o" >"$tmp/out" 2>&1; then
    echo "ok $i - $h compiles alone as C99"
  else
    echo "not ok $i - $h compiles alone as C99"; sed 's/^/#   /' "$tmp/out"; fail=1
  fi
  if [ $have_cxx = yes ]; then
    i=$((i + 1))
    cp "$tmp/t.c" "$tmp/t.cc"
    # shellcheck disable=SC2086
    if $CXX -Wall -Wextra -pedantic -Werror -I"$inc" -c "$tmp/t.cc" -o "$tmp/t.o" >"$tmp/out" 2>&1; then
      echo "ok $i - $h compiles alone as C++"
    else
      echo "not ok $i - $h compiles alone as C++"; sed 's/^/#   /' "$tmp/out"; fail=1
    fi
  fi
done

i=$((i + 1))
(cd "$inc" && grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*/)?(sqlite3|libpq-fe|mysql|uthash|yaml|csv|internal)\.h[>"]' $headers) >"$tmp/bad"
if [ -s "$tmp/bad" ]; then
  echo "not ok $i - public headers include private or dependency headers:"; sed 's/^/#   /' "$tmp/bad"; fail=1
else
  echo "ok $i - no public header includes sqlite3.h, libpq-fe.h, mysql.h, uthash.h, yaml.h, csv.h or internal headers"
fi
exit $fail
