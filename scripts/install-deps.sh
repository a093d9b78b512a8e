#!/bin/sh
# Install what liborm needs to build, test and run its throwaway database
# servers on Debian 12 (bookworm). Non-interactive and idempotent: when
# every package is already installed it does nothing (and needs no network).
#
#   sudo scripts/install-deps.sh       (or as root: scripts/install-deps.sh)
#   scripts/install-deps.sh --update   run apt-get update + install even if
#                                      everything is already there
#
# Why each package:
#   build-essential autoconf automake libtool pkg-config
#                    the autotools build (configure.ac, Makefile.am, libtool
#                    for the shared library, pkg-config for the drivers).
#   libsqlite3-dev   SQLite driver (the library itself is public domain, on
#                    every machine); sqlite3 is the shell, handy for looking
#                    at a database by hand.
#   libpq-dev        PostgreSQL driver: libpq is the server's own client
#                    library (extended query protocol, COPY, SQLSTATEs).
#   libmariadb-dev   MariaDB/MySQL driver: MariaDB Connector/C, LGPL, talks
#                    to both MariaDB and MySQL servers.
#   uthash-dev       header-only hash tables (statement cache, registries);
#                    no code to link, and we route its allocator through ours.
#   libyaml-dev      the reference YAML parser (what PyYAML wraps); its event
#                    API streams a file without building a tree in memory.
#   libcsv-dev       a small streaming RFC 4180 CSV parser (quoted fields,
#                    embedded newlines) for seed files; callback per field.
#   libcmocka-dev    unit tests: small, no fork(), prints TAP for automake's
#                    tap-driver, and runs cleanly under valgrind and ASan.
#   postgresql mariadb-server
#                    real servers for the integration tests, started as
#                    throwaway instances by tests/servers/{pg,mariadb}.sh.
#   valgrind         the memory checks of .ci/run.
#   doxygen          `make doc`: the API reference from the headers' comments
#                    (CI fails on any Doxygen warning).
#   clang            libFuzzer (-fsanitize=fuzzer) for tests/fuzz/run.sh.
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config
libsqlite3-dev sqlite3 libpq-dev libmariadb-dev uthash-dev libyaml-dev
libcsv-dev libcmocka-dev postgresql mariadb-server valgrind clang doxygen"

force=no
case ${1:-} in
  --update) force=yes ;;
  '') ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) echo "usage: install-deps.sh [--update]" >&2; exit 64 ;;
esac

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing="$missing $p"
done

if [ -z "$missing" ] && [ "$force" = no ]; then
  echo "install-deps.sh: all packages already installed"
  exit 0
fi
[ -n "$missing" ] && echo "install-deps.sh: installing:$missing"

if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps.sh: run as root or install sudo" >&2
  exit 77
fi

# No questions asked (keep existing config files on upgrades). The tests do
# not use the packages' own server instances; they start their own.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $PACKAGES </dev/null
echo "install-deps.sh: done"
