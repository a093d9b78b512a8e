#!/bin/sh
# Throwaway MariaDB server on loopback for tests.
#   tests/servers/mariadb.sh start  -> mariadb-install-db + mariadbd; prints the export line
#   tests/servers/mariadb.sh stop   -> stops it and removes its data directory
#   tests/servers/mariadb.sh url    -> prints the URL
# Settings: ORM_MARIADB_PORT (default 33069), ORM_MARIADB_DIR (default /tmp/orm-mariadb-$PORT).
set -eu
port=${ORM_MARIADB_PORT:-33069}
dir=${ORM_MARIADB_DIR:-/tmp/orm-mariadb-$port}
sock="$dir/mysqld.sock"
url="mariadb://orm:orm@127.0.0.1:$port/orm_test"
user=$(id -un)

client() { mariadb --no-defaults -S "$sock" -u root "$@"; }

case ${1:-} in
start)
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || { echo "mariadb.sh: mariadbd not found (apt-get install mariadb-server)" >&2; exit 1; }
  if [ -S "$sock" ] && client -e "SELECT 1" >/dev/null 2>&1; then
    echo "export ORM_TEST_MARIADB_URL=$url"; exit 0
  fi
  rm -rf "$dir"; mkdir -p "$dir/data"
  [ "$(id -u)" = 0 ] && { chown -R mysql "$dir"; user=mysql; }
  mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$dir/data" --socket="$sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
    --log-error="$dir/error.log" --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=256M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --skip-log-bin --max-connections=200 >/dev/null 2>&1 &
  i=0
  until client -e "SELECT 1" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 120 ] && { echo "mariadb.sh: server did not start" >&2; cat "$dir/error.log" >&2; exit 1; }
    sleep 0.5
  done
  client -e "CREATE DATABASE orm_test CHARACTER SET utf8mb4; CREATE USER 'orm'@'127.0.0.1' IDENTIFIED BY 'orm'; GRANT ALL ON *.* TO 'orm'@'127.0.0.1' WITH GRANT OPTION; CREATE USER 'orm'@'localhost' IDENTIFIED BY 'orm'; GRANT ALL ON *.* TO 'orm'@'localhost' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  echo "export ORM_TEST_MARIADB_URL=$url"
  ;;
stop)
  if [ -f "$dir/mariadbd.pid" ]; then
    pid=$(cat "$dir/mariadbd.pid")
    kill "$pid" 2>/dev/null || true
    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
  fi
  rm -rf "$dir"
  ;;
url) echo "$url" ;;
*) echo "usage: mariadb.sh start|stop|url" >&2; exit 64 ;;
esac
