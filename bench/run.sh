#!/usr/bin/env bash
# The benchmarks behind `make bench`, written to bench/RESULTS.md:
#  (a) GET /api/v1/me with a session cookie on `lifelong serve` (SQLite), against the ceiling of
#      bare libmicrohttpd (bench/bare_mhd.c) with the same flags and threads: wrk -t2 -c64,
#      BENCH_ROUNDS rounds of BENCH_SECONDS each, alternating, medians compared (lifelong must
#      reach half the ceiling); the server's resident memory idle and under load, and its CPU
#      time per request;
#  (b) `lifelong demo --persons BENCH_PERSONS --seed 1 --no-outcomes` on SQLite and on a private PostgreSQL
#      (scripts/pg-test.sh), in seconds and persons per second;
#  (c) the credit bank's benchmarks, bench/ledger.sh (its own section of the file);
#  (d) the learning overpass's benchmarks, bench/transfer.sh (its own section of the file);
#  (e) the learning record store's benchmarks, bench/lrs.sh (its own section of the file);
#  (f) the credentials' benchmarks, bench/credentials.sh (its own section of the file);
#  (g) the federation's benchmark, bench/federation.sh (its own section of the file).
# Everything runs in a temporary folder that is removed at the end; the script stops only the
# processes it started. Exits 1 when lifelong falls below half the ceiling, the import below half
# of its raw insert, or the audits below 10,000 a second.
#
#   BENCH_PERSONS (1000000)  BENCH_SECONDS (10)  BENCH_ROUNDS (3)
#   BENCH_PORT (18080; the bare server uses the next port)  BENCH_PG_PORT (55433)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
persons=${BENCH_PERSONS:-1000000}
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
# The first port from $1 that nothing listens on. Checked beforehand because libmicrohttpd binds
# with SO_REUSEPORT: a second server on a taken port starts fine and gets half the connections.
free_port() {
	local p=$1
	while [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	echo "$p"
}
port=$(free_port "${BENCH_PORT:-18080}")
bare_port=$(free_port $((port + 1)))
pg_port=$(free_port "${BENCH_PG_PORT:-55433}")
threads=$(($(nproc) * 4)) # what `lifelong serve` uses by default
results=bench/RESULTS.md

for tool in wrk curl meson ninja cc pkg-config ss; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (Debian package ${tool/cc/gcc})" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench: building"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
bin=$BUILD/src/cli/lifelong
bare=$BUILD/bench/bare_mhd
if [ ! -x "$bare" ] || [ bench/bare_mhd.c -nt "$bare" ]; then
	# bench/ is not (yet) a subdir of the meson project: build the ceiling directly.
	bare=$work/bare_mhd
	# shellcheck disable=SC2046
	cc -O2 -std=c17 -D_GNU_SOURCE -o "$bare" bench/bare_mhd.c $(pkg-config --cflags --libs libmicrohttpd)
fi

# ---- helpers

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of the whole process
wait_http() { # url: waits until it answers at all
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench: nothing answers at $1" >&2
	return 1
}
median() { sort -g | awk '{v[NR] = $1} END {print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# One wrk run against url with the cookie header; appends "rps latency non2xx errors cpu_us peak_rss_kib"
# to the file out for the server pid.
wrk_round() { # pid url out
	local pid=$1 url=$2 out=$3 peak=0 log=$work/wrk.out
	local ticks0 ticks1 hz
	hz=$(getconf CLK_TCK)
	ticks0=$(cpu_ticks "$pid")
	wrk -t2 -c64 -d"${seconds}s" -H "Cookie: ll_session=$cookie" "$url" >"$log" 2>&1 &
	local wrk_pid=$!
	while kill -0 "$wrk_pid" 2>/dev/null; do
		local r
		r=$(rss_kib "$pid")
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.5
	done
	wait "$wrk_pid"
	ticks1=$(cpu_ticks "$pid")
	local rps requests latency non2xx errors
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
	requests=$(awk '/requests in/ {print $1}' "$log")
	latency=$(awk '$1 == "Latency" {print $2; exit}' "$log")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$log")
	errors=$(awk '/Socket errors:/ {n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n}' "$log")
	local cpu_us
	cpu_us=$(awk -v t="$((ticks1 - ticks0))" -v hz="$hz" -v n="$requests" 'BEGIN {printf "%.1f", n ? t / hz * 1e6 / n : 0}')
	echo "${rps:-0} ${latency:-?} ${non2xx:-0} ${errors:-0} $cpu_us $peak" >>"$out"
}

# ---- (a) HTTP

echo "bench: HTTP, ${rounds} rounds of ${seconds} s each server"
"$bin" keygen --out "$work/key" >/dev/null
export LIFELONG_DB="sqlite:$work/http.db" LIFELONG_KEY_FILE="$work/key"
printf 'Bench-2026!\n' >"$work/password"
"$bin" user add --role city_admin --login bench.admin --password-file "$work/password" >/dev/null 2>"$work/user.log"
"$bin" serve --listen "127.0.0.1:$port" --threads "$threads" --access-log "$work/access.log" \
	>"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
"$bare" --port "$bare_port" --threads "$threads" >"$work/bare.out" 2>&1 &
bare_pid=$!
pids+=("$bare_pid")
wait_http "http://127.0.0.1:$port/healthz"
wait_http "http://127.0.0.1:$bare_port/"

curl -s -c "$work/cookies" -H 'Content-Type: application/json' \
	-d '{"login":"bench.admin","password":"Bench-2026!"}' "http://127.0.0.1:$port/api/v1/session" >"$work/session.json"
cookie=$(awk '$6 == "ll_session" {print $7}' "$work/cookies")
[ -n "$cookie" ] || { echo "bench: sign-in failed: $(cat "$work/session.json")" >&2; exit 1; }
status=$(curl -s -o "$work/me.json" -w '%{http_code}' -H "Cookie: ll_session=$cookie" "http://127.0.0.1:$port/api/v1/me")
[ "$status" = 200 ] || { echo "bench: GET /api/v1/me answered $status" >&2; exit 1; }
me_bytes=$(wc -c <"$work/me.json")
bare_bytes=$(curl -s "http://127.0.0.1:$bare_port/api/v1/me" | wc -c)
sleep 1
idle_rss=$(rss_kib "$serve_pid")

: >"$work/ll.rounds"
: >"$work/bare.rounds"
for r in $(seq 1 "$rounds"); do
	wrk_round "$serve_pid" "http://127.0.0.1:$port/api/v1/me" "$work/ll.rounds"
	wrk_round "$bare_pid" "http://127.0.0.1:$bare_port/api/v1/me" "$work/bare.rounds"
	echo "bench: round $r: lifelong $(tail -n1 "$work/ll.rounds" | cut -d' ' -f1) req/s," \
		"bare $(tail -n1 "$work/bare.rounds" | cut -d' ' -f1) req/s"
done
after_rss=$(rss_kib "$serve_pid")
kill "$serve_pid" "$bare_pid"
wait "$serve_pid" "$bare_pid" 2>/dev/null || true
pids=()

col() { awk -v c="$2" '{print $c}' "$1"; }
ll_rps=$(col "$work/ll.rounds" 1 | median | xargs printf '%.0f')
bare_rps=$(col "$work/bare.rounds" 1 | median | xargs printf '%.0f')
ll_cpu=$(col "$work/ll.rounds" 5 | median)
bare_cpu=$(col "$work/bare.rounds" 5 | median)
ll_lat=$(col "$work/ll.rounds" 2 | paste -sd' ')
bare_lat=$(col "$work/bare.rounds" 2 | paste -sd' ')
ll_all=$(col "$work/ll.rounds" 1 | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
bare_all=$(col "$work/bare.rounds" 1 | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
ll_bad=$(awk '{n += $3 + $4} END {print n + 0}' "$work/ll.rounds")
bare_bad=$(awk '{n += $3 + $4} END {print n + 0}' "$work/bare.rounds")
peak_rss=$(col "$work/ll.rounds" 6 | sort -g | tail -n1)
ratio=$(awk -v a="$ll_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.5 ? "meets the target of at least 0.5" : "is BELOW the target of 0.5")}')
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
unset LIFELONG_DB LIFELONG_KEY_FILE

# ---- (b) demo load

# Runs the demo on url; prints "seconds persons_per_s peak_rss_kib" or "failed".
demo_run() { # url
	local out=$work/demo.out
	if /usr/bin/env time -f '%M' -o "$work/demo.time" "$bin" demo --persons "$persons" --seed 1 --no-outcomes --db "$1" \
		--key-file "$work/key" >"$out" 2>"$work/demo.log"; then
		awk -v rss="$(tail -n1 "$work/demo.time")" \
			'/^Written in/ {gsub(/[(]/, "", $5); print $3, $5, rss}' "$out"
	else
		tail -n 3 "$work/demo.log" >&2
		echo failed
	fi
}

echo "bench: demo, $persons persons on SQLite"
sqlite_demo=$(demo_run "sqlite:$work/demo.db")
rm -f "$work"/demo.db*
echo "bench: SQLite: $sqlite_demo"

pg_demo="not run: scripts/pg-test.sh is missing"
if [ -x scripts/pg-test.sh ]; then
	echo "bench: demo, $persons persons on PostgreSQL"
	export -f demo_run
	export work persons bin
	if pg_demo=$(PGTEST_PORT=$pg_port PGTEST_STATE=$work/pg.state \
		scripts/pg-test.sh run bash -c 'demo_run "$LIFELONG_TEST_PG"' 2>"$work/pg.log"); then
		:
	else
		pg_demo="not run: $(tail -n 1 "$work/pg.log")"
	fi
	echo "bench: PostgreSQL: $pg_demo"
fi

demo_row() { # engine result
	case "$2" in
	failed | not\ run*) echo "| $1 | $persons | $2 | | |" ;;
	*) read -r s rate rss <<<"$2"
	   echo "| $1 | $persons | $s | $rate | $(mib "$rss") MiB |" ;;
	esac
}

# ---- results

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
cat >"$results" <<EOF
# Benchmark results

Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit.
Run it again to replace this file. The machine may be shared with other work: figures move
±20% from run to run, which is why each HTTP figure is the median of $rounds rounds, alternating
between the two servers.

## Machine

| | |
|---|---|
| processors (nproc) | $(nproc) |
| CPU | $cpu_model |
| memory | $ram |
| kernel | $(uname -r) |
| load average when the run ended | $(cut -d' ' -f1-3 /proc/loadavg) |
| libmicrohttpd | $(pkg-config --modversion libmicrohttpd) |
| SQLite | $(pkg-config --modversion sqlite3) |
| wrk | $(wrk -v 2>&1 | head -n1 | awk '{print $2}') |

## HTTP: GET /api/v1/me, lifelong against bare libmicrohttpd

\`wrk -t2 -c64 -d${seconds}s\` on the same machine, with the session cookie header; both servers
use libmicrohttpd's internal polling thread with epoll and a pool of $threads threads (four per
processor, \`lifelong serve\`'s default). lifelong resolves the session cookie (keyed hash, then its
credential cache, which holds a resolved session for 2 s before asking SQLite again), encodes
the user as JSON and writes an access-log line to a file; bench/bare_mhd.c answers a fixed
body of the same shape.

| server | requests/s (median) | rounds | mean latency per round | server CPU per request | non-2xx or socket errors | body bytes |
|---|---|---|---|---|---|---|
| lifelong serve | $ll_rps | $ll_all | $ll_lat | $ll_cpu µs | $ll_bad | $me_bytes |
| bare libmicrohttpd | $bare_rps | $bare_all | $bare_lat | $bare_cpu µs | $bare_bad | $bare_bytes |

**Ratio lifelong / bare: $ratio**, which $verdict.

Resident memory (VmRSS) of \`lifelong serve\`: $(mib "$idle_rss") MiB idle after sign-in,
$(mib "$peak_rss") MiB at most under load (sampled every 0.5 s), $(mib "$after_rss") MiB after the load.

## Demo city load

\`lifelong demo --persons $persons --seed 1 --no-outcomes\` into an empty database: institutions, staff users,
and the persons (sealed ID and phone numbers, keyed hashes) with a citizen user for each activated
one, in transactions of 50,000 persons. Seconds include password hashing, setup and, on SQLite,
rebuilding the persons indexes dropped for the load. PostgreSQL is a private server from
scripts/pg-test.sh (fsync off), on the same machine.

| engine | persons | seconds | persons/s | peak RSS of lifelong |
|---|---|---|---|---|
$(demo_row SQLite "$sqlite_demo")
$(demo_row "PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}')" "$pg_demo")
EOF

echo "bench: wrote $results (ratio $ratio)"
http_ok=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.5) ? 0 : 1}')
# The credit bank's benchmarks add their section to the same file.
ledger_ok=0
BUILD=$BUILD bash bench/ledger.sh || ledger_ok=1
transfer_ok=0
BUILD=$BUILD bash bench/transfer.sh || transfer_ok=1
lrs_ok=0
BUILD=$BUILD bash bench/lrs.sh || lrs_ok=1
credentials_ok=0
BUILD=$BUILD bash bench/credentials.sh || credentials_ok=1
federation_ok=0
BUILD=$BUILD bash bench/federation.sh || federation_ok=1
exit $((http_ok | ledger_ok | transfer_ok | lrs_ok | credentials_ok | federation_ok))
