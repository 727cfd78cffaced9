#!/usr/bin/env bash
# Starts and stops a private, throw-away PostgreSQL 15 for the store tests: its own data folder
# in a temporary directory, a private port (PGTEST_PORT, default 55432), loopback and a unix
# socket in that directory only, fsync off, trust authentication for the role lifelong on
# database lifelong_test. As root it runs the server as the postgres OS user, since PostgreSQL
# refuses to run as root. It must never touch a cluster it did not create.
#
#   scripts/pg-test.sh start        starts it (replacing one it left running) and prints the URL
#   scripts/pg-test.sh stop         stops it and removes its folder
#   scripts/pg-test.sh run CMD...   starts it, runs CMD with LIFELONG_TEST_PG set, stops it,
#                                   and exits with CMD's status
#   scripts/pg-test.sh url          prints the URL of the running server
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${PGTEST_PORT:-55432}
ROLE=lifelong
DB=lifelong_test
STATE=${PGTEST_STATE:-${TMPDIR:-/tmp}/lifelong-pg-test-$PORT.state}
URL="postgres://$ROLE@127.0.0.1:$PORT/$DB"

die() {
	echo "pg-test: $*" >&2
	exit 1
}

# Runs a command as the server's OS user, from the server's folder (the caller's working
# directory may be closed to that user).
as_server() {
	local dir=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$dir" && runuser -u postgres -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

read_state() {
	# The state file holds one line: the server's folder. It sits in a shared temporary folder,
	# so it is believed only when it is ours and names a folder of the kind start makes.
	[ -f "$STATE" ] && [ -O "$STATE" ] || return 1
	DIR=$(head -n 1 "$STATE")
	case "$DIR" in
	*/lifelong-pg.??????) ;;
	*) return 1 ;;
	esac
	[ -d "$DIR/data" ]
}

do_stop() {
	if ! read_state; then
		[ ! -O "$STATE" ] || rm -f "$STATE"
		return 0
	fi
	as_server "$DIR" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$DIR"
	rm -f "$STATE"
}

do_start() {
	[ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 in $PGBIN (install the Debian package postgresql-15)"
	if read_state; then
		# Left by a run that did not stop it (a killed CI job, a session that ended): a test
		# server is throw-away, and CI must not fail because of one.
		echo "pg-test: replacing the test server left in $DIR" >&2
		do_stop
	fi
	if [ -e "$STATE" ] || [ -L "$STATE" ]; then
		die "$STATE belongs to another user; set PGTEST_PORT or PGTEST_STATE"
	fi

	DIR=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-pg.XXXXXX")
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root needs the postgres OS user"
		chown postgres: "$DIR"
	fi
	(set -C && echo "$DIR" >"$STATE") # -C: never through a file or link someone else put there

	if ! as_server "$DIR" "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale -N \
		>"$DIR/initdb.log" 2>&1; then
		cat "$DIR/initdb.log" >&2
		do_stop
		die "initdb failed"
	fi
	cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
	if ! as_server "$DIR" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null; then
		tail -n 20 "$DIR/server.log" >&2 || true
		do_stop
		die "server did not start on port $PORT (is the port taken? set PGTEST_PORT)"
	fi
	if ! as_server "$DIR" "$PGBIN/psql" -X -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE $ROLE LOGIN" -c "CREATE DATABASE $DB OWNER $ROLE" >/dev/null; then
		do_stop
		die "cannot create role $ROLE and database $DB"
	fi
	echo "$URL"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
start)
	do_start
	;;
stop)
	do_stop
	;;
url)
	read_state || die "no test server on port $PORT"
	echo "$URL"
	;;
run)
	[ $# -gt 0 ] || die "usage: $0 run CMD..."
	# A failed start cleans up after itself; only a server this run started is ours to stop.
	LIFELONG_TEST_PG=$(do_start)
	export LIFELONG_TEST_PG
	trap do_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	status=0
	"$@" || status=$?
	exit "$status"
	;;
*)
	echo "usage: $0 start | stop | url | run CMD..." >&2
	exit 64
	;;
esac
