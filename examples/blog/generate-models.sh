#!/bin/sh
# Write the blog's models (models/blog_models.h and .c) the way they were
# made: the migrations applied to a fresh SQLite database (a temporary
# file, removed afterwards), then `ormtool generate models`.
#
#   ORMTOOL=build/ormtool examples/blog/generate-models.sh [OUT_DIR]
#
# OUT_DIR defaults to the models folder next to this script. ORMTOOL is
# the command to run (default: ormtool on the PATH); it may carry a
# wrapper, e.g. ORMTOOL="valgrind -q build/ormtool".
here=$(cd "$(dirname "$0")" && pwd) || exit 1
out=${1:-$here/models}
ormtool=${ORMTOOL:-ormtool}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
url="sqlite:$tmp/blog.db"
# shellcheck disable=SC2086
$ormtool --url "$url" -q migrate --dir "$here/migrations" latest &&
  $ormtool --url "$url" generate models --out "$out" --name blog_models \
    --table-prefix blog_ --hidden blog_users.password_hash
