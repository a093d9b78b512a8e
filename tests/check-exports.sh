#!/bin/sh
# Check the symbols liborm exports (TAP output, run by `make check`).
#  1. the shared library exports something, including orm_open;
#  2. every exported (defined, dynamic) symbol starts with orm_;
#  3. none starts with orm__ (internal helpers stay hidden);
#  4. every global symbol defined in the static library starts with orm_
#     (orm__ allowed there), so static linking pollutes no namespace.
# Skips (exit 77 / "1..0 # SKIP") when nm or the built library is missing.
builddir=${ORM_TEST_BUILDDIR:-.}
so=$builddir/.libs/liborm.so
a=$builddir/.libs/liborm.a
NM=${NM:-nm}

if ! command -v "$NM" >/dev/null 2>&1; then
  echo "1..0 # SKIP $NM not found"
  exit 0
fi
if [ ! -f "$so" ]; then
  echo "1..0 # SKIP $so not built (static-only build?)"
  exit 0
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

if ! "$NM" -D --defined-only "$so" >"$tmp/nm" 2>"$tmp/err"; then
  echo "1..0 # SKIP nm -D failed: $(head -n 1 "$tmp/err")"
  exit 0
fi
# name column; drop version nodes (type A) and the ELF init/fini symbols
# and the sanitizers' instrumentation symbols (-fsanitize=address builds)
awk '$2 != "A" && $3 != "_init" && $3 != "_fini" && $3 !~ /^__(odr_)?asan|^__ubsan|^__sancov/ { print $3 }' \
  "$tmp/nm" | sort -u >"$tmp/syms"

echo "1..4"
fail=0
n=$(wc -l <"$tmp/syms")
if [ "$n" -gt 0 ] && grep -qx orm_open "$tmp/syms"; then
  echo "ok 1 - liborm.so exports $n symbols, orm_open among them"
else
  echo "not ok 1 - liborm.so exports $n symbols (orm_open missing?)"; fail=1
fi

grep -v '^orm_' "$tmp/syms" >"$tmp/bad1"
if [ -s "$tmp/bad1" ]; then
  echo "not ok 2 - exported symbols without the orm_ prefix:"; sed 's/^/#   /' "$tmp/bad1"; fail=1
else
  echo "ok 2 - every exported symbol starts with orm_"
fi

grep '^orm__' "$tmp/syms" >"$tmp/bad2"
if [ -s "$tmp/bad2" ]; then
  echo "not ok 3 - internal orm__ symbols are exported:"; sed 's/^/#   /' "$tmp/bad2"; fail=1
else
  echo "ok 3 - no orm__ symbol is exported"
fi

if [ -f "$a" ] && "$NM" -g --defined-only "$a" >"$tmp/nma" 2>/dev/null; then
  awk 'NF == 3 && $2 != "A" && $3 !~ /^__(odr_)?asan|^__ubsan|^__sancov/ { print $3 }' "$tmp/nma" |
    sort -u | grep -v '^orm_' >"$tmp/bad3"
  if [ -s "$tmp/bad3" ]; then
    echo "not ok 4 - liborm.a defines global symbols without the orm_ prefix:"
    sed 's/^/#   /' "$tmp/bad3"; fail=1
  else
    echo "ok 4 - every global symbol in liborm.a starts with orm_"
  fi
else
  echo "ok 4 # SKIP liborm.a not built"
fi
exit $fail
