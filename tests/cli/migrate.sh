#!/bin/sh
# ormtool migrate and ormtool init: subcommands, ormtool.yaml selection
# (environments, several databases), --dry-run, --json, exit codes
# (TAP output, run by `make check`). Runs on temporary SQLite files.
# ORM_TEST_WRAPPER, when set, runs ormtool under it.
. "$(dirname "$0")/tap.sh"

proj=$tmp/proj
mkdir -p "$proj/sub"
cd "$proj" || exit 99

# ---- help and usage ----
run 0 "migrate --help" ot migrate --help
has out '^usage: ormtool migrate' "migrate --help prints the usage"
has out 'exit status: 0 done' "migrate --help documents the exit statuses"
run 64 "migrate without a subcommand" ot migrate
run 64 "migrate with an unknown subcommand" ot migrate fly
run 64 "migrate to needs a NAME" ot migrate to
run 64 "--step is for rollback" ot migrate latest --step 2
run 0 "help lists migrate and init" ot --help
has out '^  migrate ' "--help lists migrate"
has out '^  init ' "--help lists init"

# ---- init ----
run 0 "init writes ormtool.yaml" ot init
has out 'wrote ormtool.yaml' "init says what it wrote"
run 73 "init refuses to overwrite" ot init
run 0 "init --force overwrites" ot init --force
has out 'wrote ormtool.yaml' "init --force says what it wrote"
# point development at a file of ours
cat >ormtool.yaml <<EOF
development:
  client: sqlite3
  connection:
    filename: dev.db
  migrations:
    directory: db/migrations
production:
  client: sqlite3
  connection: \${MIG_CLI_PROD:-prod.db}
EOF

# ---- make, status, dry run, latest ----
run 0 "make writes a YAML migration" ot migrate make create_things
has out 'db/migrations/[0-9]\{14\}_create_things.yaml$' "make prints the new file's path"
yaml=$(cat "$tmp/out")
run 0 "make --format sql" ot migrate make fill_things --format sql
sqlf=$(cat "$tmp/out")
printf -- '-- migrate:up\nINSERT INTO things (name) VALUES (%s);\n-- migrate:down\nDELETE FROM things;\n' "'a'" >"$sqlf"
# both were made in the same second: make the SQL one later
mv "$sqlf" "$proj/db/migrations/29991231235959_fill_things.sql"
run 0 "status from a subfolder finds ormtool.yaml" sh -c "cd sub && $ORMTOOL migrate status"
has out '^pending .*_create_things$' "status lists pending migrations"
has out '^lock: free' "status shows the lock"
run 0 "status --json" ot migrate status --json
has out '"state": "pending"' "status --json has the states"
run 0 "dry-run latest" ot --dry-run migrate latest
has out 'CREATE TABLE IF NOT EXISTS "orm_migrations"' "dry run prints the bookkeeping DDL"
has out 'CREATE TABLE "things"' "dry run prints the migration's DDL"
has out "INSERT INTO \"orm_migrations\".*'29991231235959_fill_things'" "dry run prints the bookkeeping insert"
run 0 "the dry run created nothing" ot --url "sqlite:$proj/dev.db" query "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'"
has out '^0$\|^ *0 *$\| 0$' "no table after the dry run"
run 0 "latest" ot migrate latest
has out '^applied .*_create_things (' "latest prints each migration with its time"
has out '2 migration(s) applied' "latest counts"
run 0 "latest again: nothing to do" ot migrate latest
has out 'already up to date' "latest says it is up to date"
run 0 "list" ot migrate list
has out '^Applied migrations (2):' "list shows applied"
run 0 "list --json" ot migrate list --json
has out '"pending": \[\]' "list --json"

# ---- history problems: exit 65 ----
echo "# edited" >>"$yaml"
ot migrate make later >/dev/null 2>&1
run 65 "an edited migration stops latest" ot migrate latest
has err 'changed since' "the edit is reported"
has err '_create_things' "by name"
has err 'older than the newest applied one' "and the out-of-order file too"
run 0 "status shows modified" ot migrate status
has out '^modified ' "status says modified"
rm -f db/migrations/*_later.yaml

# ---- rollback, up, down, to ----
run 0 "rollback" ot migrate rollback
has out '^rolled back .*_fill_things' "rollback prints each migration"
run 0 "up" ot migrate up
has out '^applied .*_create_things' "up applies the next one"
run 0 "up NAME" ot migrate up 29991231235959_fill_things
run 0 "down NAME" ot migrate down 29991231235959_fill_things
has out '^rolled back *29991231235959_fill_things' "down NAME rolls back that one"
run 0 "down" ot migrate down
run 0 "to NAME" ot migrate to 29991231235959
run 0 "rollback --all" ot migrate rollback --all
run 64 "down of a pending migration is a usage error" ot migrate down 29991231235959_fill_things

# ---- bad files: 78; failed migration: 70 ----
printf 'up:\n  - create_tabel: {name: x}\n' >db/migrations/29991231235960_bad.yaml
run 78 "a bad YAML migration" ot migrate latest
has err '29991231235960_bad.yaml:2:5: unknown operation' "the error has file, line and column"
rm -f db/migrations/29991231235960_bad.yaml
printf -- '-- migrate:up\nINSERT INTO nowhere VALUES (1);\n' >db/migrations/30000101000001_fails.sql
run 70 "a failing migration" ot migrate latest
has err 'migration 30000101000001_fails (up) failed' "the failure names the migration"
has err 'SQL: INSERT INTO nowhere' "and the statement"
rm -f db/migrations/30000101000001_fails.sql
run 0 "unlock: nothing to do" ot migrate unlock
has out 'free' "unlock says the lock is free"

# ---- environments ----
run 0 "--env production" ot --env production migrate --dir db/migrations latest
test -f "$proj/prod.db" && ok "the production database was used" || not_ok "no prod.db"
MIG_CLI_PROD=$proj/other.db run 0 "\${VAR:-default} from the environment" ot --env production migrate --dir db/migrations status
ORM_ENV=staging run 78 "an unknown environment (ORM_ENV)" ot migrate status
has err "no environment 'staging'" "the error names the environment"
has err 'ormtool.yaml:1:1' "with file, line and column"

# ---- several databases ----
cat >ormtool.yaml <<EOF
development:
  client: sqlite3
  databases:
    main:
      connection: { filename: main.db }
    logs:
      connection: { filename: logs.db }
EOF
mkdir -p database/main/migrations database/logs/migrations
printf -- '-- migrate:up\nCREATE TABLE m (id INTEGER);\n-- migrate:down\nDROP TABLE m;\n' >database/main/migrations/20240101000000_m.sql
printf -- '-- migrate:up\nCREATE TABLE l (id INTEGER);\n-- migrate:down\nDROP TABLE l;\n' >database/logs/migrations/20240101000000_l.sql
run 64 "several databases need --db or --all-databases" ot migrate status
has err 'several databases (main, logs)' "the error lists them"
run 64 "an unknown --db" ot --db nope migrate status
run 0 "--db main" ot --db main migrate latest
has out 'applied .*20240101000000_m' "main's migration"
run 0 "--all-databases" ot migrate status --all-databases
has out '^== database main ==' "each database is reported"
has out '^== database logs ==' "... both"
has out '^pending .*20240101000000_l' "logs still pending"
run 0 "--all-databases latest" ot --all-databases migrate latest
run 0 "--all-databases status --json" ot --all-databases migrate status --json
has out '"database": "logs"' "json per database"

# ---- without a configuration ----
cd "$tmp" || exit 99
run 0 "--url and --dir without a config" ot --url "sqlite:$tmp/x.db" migrate --dir "$proj/database/main/migrations" latest
run 64 "--db without a config" ot --db main migrate status
run 64 "--env without a config" ot --env production --url "sqlite:$tmp/x.db" migrate --dir "$proj/database/main/migrations" status
DATABASE_URL=sqlite:$tmp/x.db run 0 "DATABASE_URL" ot migrate --dir "$proj/database/main/migrations" status
has out '^applied ' "DATABASE_URL is used"
run 78 "no database at all" ot migrate status

echo "1..$n"
exit $fail
