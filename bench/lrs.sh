#!/usr/bin/env bash
# The learning record store's benchmarks, written into the "Learning record store" section of
# bench/RESULTS.md (between its markers; the rest of the file stays as it was). On SQLite, durable
# (every answered statement committed and synced):
#  (a) BENCH_PRELOAD statements already stored (written by bench/lrs_raw), then single-statement
#      POSTs from 64 connections (wrk -t2 -c64, BENCH_SECONDS): statements/s, against the goal
#      of 10,000/s;
#  (b) POSTs of batches of 100 (wrk -t2 -c16): statements/s, against the goal of 50,000/s;
#  (c) beside them, in the same run, the raw batched insert of the same rows into the same schema
#      with the sqlite3 C API (bench/lrs_raw, transactions of 1,000): the ratio of (a) and (b)
#      to it, against 0.5;
#  (d) the same raw insert into a copy of that database without the query indexes (only the
#      statement table, its id's unique index and the IRI table): the most any layout of those
#      indexes in SQLite could reach on this machine;
#  (e) BENCH_BIG statements stored in all, then GET by agent, verb and activity (a random learner
#      and lesson each time; wrk --latency -t2 -c16): p50 and p99, against 10 ms.
#
# The goals are reported, not enforced: the script fails only when a step does.
#
#   BENCH_PRELOAD (1000000)  BENCH_BIG (10000000)  BENCH_SECONDS (20)  BENCH_PORT (18180)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/section.sh
. bench/section.sh

BUILD=${BUILD:-build}
preload=${BENCH_PRELOAD:-1000000}
big=${BENCH_BIG:-10000000}
seconds=${BENCH_SECONDS:-20}
results=bench/RESULTS.md
bin=$BUILD/src/cli/lifelong
raw=$BUILD/bench/lrs_raw

for tool in wrk curl sqlite3 python3 ss; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

free_port() {
	local p=$1
	while [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	echo "$p"
}
port=$(free_port "${BENCH_PORT:-18180}")
work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench-lrs.XXXXXX")
server=
stop_server() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}
trap 'stop_server; rm -rf "$work"' EXIT

"$bin" keygen --out "$work/key" >/dev/null
export LIFELONG_KEY_FILE=$work/key
db=$work/lrs.db
"$bin" demo --persons 1000 --no-outcomes --db "sqlite:$db" >/dev/null 2>"$work/demo.log"

start_server() {
	"$bin" serve --listen "127.0.0.1:$port" --db "sqlite:$db" --access-log off >"$work/serve.out" 2>>"$work/serve.log" &
	server=$!
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "bench: the server did not start" >&2
	exit 1
}
start_server

# Credentials for a learning platform of the demo's open university.
curl -fs -D "$work/h" -o "$work/s.json" -H 'content-type: application/json' \
	-d '{"login":"inst.admin","password":"Demo-2026!"}' "http://127.0.0.1:$port/api/v1/session"
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(ll_session=[^;]*\).*/\1/p' "$work/h")
csrf=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$work/s.json")
curl -fs -H "cookie: $cookie" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
	-d '{"name":"bench"}' "http://127.0.0.1:$port/api/v1/lrs/clients" >"$work/client.json"
read -r client_id key secret < <(python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(c["id"], c["key"], c["secret"])' "$work/client.json")
auth="Basic $(printf '%s:%s' "$key" "$secret" | base64 -w0)"
count() { sqlite3 -cmd '.timeout 10000' "$db" 'SELECT COUNT(*) FROM lrs_statements'; }

echo "bench: preloading $preload statements"
"$raw" "$db" "$client_id" "$preload" 10000 1 >/dev/null

# wrk's requests/s and non-2xx count.
wrk_run() {
	wrk "$@" -H "Authorization: $auth" -H "X-Experience-API-Version: 1.0.3" -H "Content-Type: application/json" \
		"http://127.0.0.1:$port" >"$work/wrk.out" 2>&1
	awk '/^Requests\/sec:/ {rps = $2} /Non-2xx/ {bad = $NF} END {printf "%.0f %d\n", rps, bad + 0}' "$work/wrk.out"
}

echo "bench: single-statement POSTs, 64 connections, ${seconds}s"
before=$(count)
read -r single_rps single_bad < <(wrk_run -t2 -c64 -d"${seconds}s" -s bench/lua/xapi_post.lua)
single_stored=$(($(count) - before))
echo "bench: batches of 100, 16 connections, ${seconds}s"
before=$(count)
read -r batch_rps batch_bad < <(wrk_run -t2 -c16 -d"${seconds}s" -s bench/lua/xapi_batch.lua)
batch_stored=$(($(count) - before))
batch_rate=$((batch_rps * 100))
stop_server

echo "bench: raw batched insert"
raw_n=$((single_stored > 100000 ? single_stored : 100000))
bare=$work/bare.db
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$db" "$bare"
read -r n secs < <("$raw" "$db" "$client_id" "$raw_n" 1000 2)
raw_rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
echo "bench: raw batched insert without the query indexes"
sqlite3 "$bare" <<'SQL'
DROP INDEX lrs_statements_actor;
DROP INDEX lrs_statements_activity;
DROP INDEX lrs_statements_object_agent;
DROP INDEX lrs_statements_registration;
DROP INDEX lrs_statements_person;
DROP INDEX lrs_statements_verb;
DROP INDEX lrs_statements_stored;
DROP INDEX lrs_statements_ref;
DROP TABLE lrs_related;
CREATE TABLE lrs_related (iri BIGINT NOT NULL, role INTEGER NOT NULL, seq BIGINT NOT NULL);
SQL
read -r n secs < <("$raw" "$bare" "$client_id" "$raw_n" 1000 2)
bare_rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
rm -f "$bare" "$bare-wal" "$bare-shm"
ratio_single=$(awk -v a="$single_rps" -v b="$raw_rate" 'BEGIN {printf "%.2f", a / b}')
ratio_batch=$(awk -v a="$batch_rate" -v b="$raw_rate" 'BEGIN {printf "%.2f", a / b}')

stored=$(count)
if [ "$stored" -lt "$big" ]; then
	echo "bench: loading to $big statements"
	"$raw" "$db" "$client_id" $((big - stored)) 5000 3 >/dev/null
fi
stored=$(count)
start_server
echo "bench: GET by agent, verb and activity over $stored statements"
wrk -t2 -c16 -d"${seconds}s" --latency -s bench/lua/xapi_get.lua -H "Authorization: $auth" \
	-H "X-Experience-API-Version: 1.0.3" "http://127.0.0.1:$port" >"$work/get.out" 2>&1
read -r get_rps get_p50 get_p99 get_bad < <(awk '/^Requests\/sec:/ {rps = $2} /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
	/Non-2xx/ {bad = $NF} END {printf "%.0f %s %s %d\n", rps, p50, p99, bad + 0}' "$work/get.out")
stop_server

verdict() { awk -v v="$1" -v g="$2" -v what="$3" 'BEGIN {print (v >= g) ? "meets " what : "is BELOW " what}'; }
section=$work/section.md
cat >"$section" <<EOF
<!-- lrs: written by bench/lrs.sh -->
## Learning record store

Written by \`bench/lrs.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),
on this machine ($(nproc) processors, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).
SQLite, every commit synced before the answer (\`synchronous=FULL\`). Statements of 1.1 KB: a lifelong account (one
of 100,000) completing one of 80,000 lessons, a parent course, a random version-4 id.

| measure | result |
|---|---|
| single-statement POSTs, 64 connections, ${seconds} s, after $preload stored | **$single_rps statements/s** ($single_bad non-2xx; $single_stored stored); $(verdict "$single_rps" 10000 "the goal of 10,000/s") |
| POSTs of batches of 100, 16 connections, ${seconds} s | **$batch_rate statements/s** ($batch_bad non-2xx; $batch_stored stored); $(verdict "$batch_rate" 50000 "the goal of 50,000/s") |
| raw batched insert of the same rows, sqlite3 C API, 1,000 a transaction (same run) | $raw_rate statements/s |
| single POSTs / raw | **$ratio_single** (goal 0.5) |
| batches / raw | **$ratio_batch** (goal 0.5) |
| the same raw insert without the query indexes (the statement table, its id's unique index, the IRIs; same run) | $bare_rate statements/s: the most any layout of the agent, activity, verb, time and related indexes could reach in SQLite here |
| GET by agent, verb and activity over $stored statements, 16 connections | $get_rps requests/s, **p50 $get_p50, p99 $get_p99** ($get_bad non-2xx; goal p99 under 10 ms) |
<!-- /lrs -->
EOF
section_write lrs "$section" "$results"
cat "$section"
