#!/usr/bin/env bash
# Runs the HTTP API scenarios (tests/api/*.test.mjs) against a server of its own: a temporary
# directory with a new key file, a fresh database, fixture users made with 'lifelong user add',
# and 'lifelong serve' on a free loopback port, stopped on exit whatever happens.
#
#   tests/api/run.sh                      SQLite database in the temporary directory
#   tests/api/run.sh postgres://...       that database, which must be empty (never used by
#                                         Lifelong); the suite refuses a used one rather than
#                                         guess whether it may drop it
#   tests/api/run.sh DB_URL FILE...       only the given test files
#
# Environment: LIFELONG_BIN (default build/src/cli/lifelong), KEEP_TMP=1 keeps the directory.
# The test files run one after another (--test-concurrency=1): several of them count accounts
# and audit rows, which a scenario running beside them would change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${LIFELONG_BIN:-$root/build/src/cli/lifelong}
if [ ! -x "$BIN" ]; then
	echo "run.sh: no lifelong binary at $BIN (run: ninja -C build)" >&2
	exit 1
fi
command -v node >/dev/null || { echo "run.sh: node is required" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-api.XXXXXX")
server_pid=
cleanup() {
	local status=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$status" -ne 0 ] && [ -f "$tmp/server.log" ]; then
		echo "--- last lines of the server log ($tmp/server.log)" >&2
		tail -n 20 "$tmp/server.log" >&2 || true
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "run.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

db=${1:-sqlite:$tmp/db}
[ $# -gt 0 ] && shift
files=("$@")
last=()
if [ ${#files[@]} -eq 0 ]; then
	# The access-log scenario reads what every other scenario left in the log, so it runs last,
	# in a run of its own (node --test orders the files it is given by name).
	for f in "$here"/*.test.mjs; do
		[ "$(basename "$f")" = access-log.test.mjs ] || files+=("$f")
	done
	last=("$here/access-log.test.mjs")
fi

export LIFELONG_DB=$db
export LIFELONG_KEY_FILE=$tmp/key
export LIFELONG_BIN=$BIN
export LIFELONG_ACCESS_LOG=$tmp/access.log
export LIFELONG_FIXTURES=$tmp/fixtures.json
export LIFELONG_SECRETS_FILE=$tmp/secrets.txt
export LIFELONG_SOURCE_ROOT=$root

"$BIN" keygen --out "$LIFELONG_KEY_FILE" >/dev/null
migrated=$("$BIN" migrate 2>"$tmp/migrate.log") || { cat "$tmp/migrate.log" >&2; exit 1; }
case "$migrated" in
*"(0 migrations applied"*)
	echo "run.sh: $db is not empty ($migrated); give a fresh database" >&2
	echo "  (PostgreSQL: psql URL -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public')" >&2
	exit 1
	;;
esac

# Fixture users that only the command line can make; everyone else is made over the API.
secret() { printf 'Fx-%s-9' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; }
add_user() { # role login [--district CODE]
	local role=$1 login=$2 pw
	shift 2
	pw=$(secret)
	printf '%s\n' "$pw" >"$tmp/pw"
	"$BIN" user add --role "$role" --login "$login" --name "$login" --password-file "$tmp/pw" "$@" >/dev/null
	rm -f "$tmp/pw"
	printf '%s\n' "$pw" >>"$LIFELONG_SECRETS_FILE"
	printf '"%s":{"login":"%s","password":"%s"}' "$login" "$login" "$pw"
}
{
	printf '{'
	add_user city_admin fx-city-admin
	printf ','
	add_user auditor fx-auditor
	printf ','
	add_user district_admin fx-xuhui-admin --district 310104000000
	printf ','
	add_user district_admin fx-changning-admin --district 310105000000
	printf '}\n'
} >"$LIFELONG_FIXTURES"

# Port 0: the kernel picks a free port and the server logs which one it bound.
(cd "$tmp" && exec "$BIN" serve --listen 127.0.0.1:0 --db "$db" --key-file "$LIFELONG_KEY_FILE" \
	--access-log "$LIFELONG_ACCESS_LOG" --timeout 3 --threads 8 --local-issuer 127.0.0.1 \
	>"$tmp/server.out" 2>"$tmp/server.log") &
server_pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/server.log" | head -n 1)
	[ -n "$port" ] && break
	kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: the server exited at start-up" >&2; exit 1; }
	sleep 0.1
done
[ -n "$port" ] || { echo "run.sh: the server did not say which port it bound" >&2; exit 1; }
export LIFELONG_URL=http://127.0.0.1:$port
node -e '
const url = process.env.LIFELONG_URL + "/healthz";
(async () => {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).status === 200) process.exit(0); } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error("run.sh: " + url + " never answered 200");
  process.exit(1);
})();'

echo "run.sh: server on $LIFELONG_URL, database $db"
status=0
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
if [ ${#last[@]} -gt 0 ]; then
	node --test --test-concurrency=1 --test-reporter=spec "${last[@]}" || status=$?
fi
echo "run.sh: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $SECONDS s"
exit "$status"
