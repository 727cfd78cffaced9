#!/usr/bin/env bash
# The credit bank's benchmarks, written into the "Credit bank" section of bench/RESULTS.md
# (between its markers; the rest of the file stays as bench/run.sh wrote it):
#  (a) import of BENCH_IMPORT_ROWS outcome rows from CSV with `lifelong import outcomes`, against
#      the ceiling of bench/import_raw (the same rows into the same tables of the same schema
#      through the same storage layer, in transactions of the same size, with no checks, hashes
#      or tree), each on a fresh copy of the same database of BENCH_IMPORT_PERSONS residents;
#      BENCH_ROUNDS rounds alternating, medians compared (the import must reach half the
#      ceiling); then once on a private PostgreSQL (scripts/pg-test.sh);
#  (b) a ledger of about ten million entries (the demo's learning histories of
#      BENCH_LEDGER_PERSONS residents, SQLite): `lifelong ledger verify` in entries per second;
#      GET /api/v1/me/transcript of a resident with about 50 outcomes, and GET of one of their
#      entries with its inclusion proof, each with wrk --latency (requests/s, p50, p99).
#
#   BENCH_IMPORT_ROWS (1000000)  BENCH_IMPORT_PERSONS (100000)  BENCH_LEDGER_PERSONS (460000)
#   BENCH_ROUNDS (3)  BENCH_SECONDS (10)  BENCH_PORT (18090)  BENCH_PG_PORT (55434)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/section.sh
. bench/section.sh

BUILD=${BUILD:-build}
rows=${BENCH_IMPORT_ROWS:-1000000}
import_persons=${BENCH_IMPORT_PERSONS:-100000}
ledger_persons=${BENCH_LEDGER_PERSONS:-460000}
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-10}
results=bench/RESULTS.md
bin=$BUILD/src/cli/lifelong
raw=$BUILD/bench/import_raw
free_port() {
	local p=$1
	while [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; do p=$((p + 1)); done
	echo "$p"
}
port=$(free_port "${BENCH_PORT:-18090}")
pg_port=$(free_port "${BENCH_PG_PORT:-55434}")

for tool in wrk curl sqlite3 python3 ss; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench-ledger.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
median() { sort -g | awk '{v[NR] = $1} END {print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
now() { date +%s.%N; }
"$bin" keygen --out "$work/key" >/dev/null
export LIFELONG_KEY_FILE=$work/key

# ---- (a) import against the raw ceiling

echo "bench: import base, $import_persons residents"
"$bin" demo --persons "$import_persons" --no-outcomes --db "sqlite:$work/base.db" >/dev/null 2>"$work/demo.log"
sqlite3 "$work/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
institution=$(sqlite3 "$work/base.db" "SELECT id FROM institutions WHERE name = '上海开放大学'")
sqlite3 "$work/base.db" 'SELECT account_no FROM persons' >"$work/accounts.txt"
echo "bench: writing $rows rows of CSV"
python3 - "$work/accounts.txt" "$work/import.csv" "$rows" <<'PY'
import random, sys
accounts = open(sys.argv[1]).read().split()
rng = random.Random(1)
with open(sys.argv[2], 'w') as f:
    f.write('account_no,kind,title,code,credits,result,awarded_on,external_id\n')
    for i in range(int(sys.argv[3])):
        f.write(f'{rng.choice(accounts)},academic_credit,课程 {i % 5000},C{i:07d},2.5,{60 + i % 40},'
                f'20{10 + i % 16}-{1 + i % 12:02d}-{1 + i % 28:02d},bench-{i}\n')
PY
csv_mib=$(du -m "$work/import.csv" | cut -f1)

raw_run() { # url: prints rows/s
	"$raw" "$1" "$work/import.csv" "$institution" | awk '{printf "%.0f\n", $1 / $2}'
}
import_run() { # url: prints rows/s
	local t0 t1
	t0=$(now)
	"$bin" import outcomes "$work/import.csv" --institution "$institution" --db "$1" --quiet >"$work/import.out" 2>&1 \
		|| { cat "$work/import.out" >&2; return 1; }
	t1=$(now)
	grep -q "$rows stored" "$work/import.out" || { cat "$work/import.out" >&2; return 1; }
	awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f\n", n / (b - a)}'
}
verify_run() { # url: prints entries/s
	local t0 t1
	t0=$(now)
	"$bin" ledger verify --db "$1" --quiet || return 1
	t1=$(now)
	awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f\n", n / (b - a)}'
}
: >"$work/raw.rounds"
: >"$work/import.rounds"
for r in $(seq 1 "$rounds"); do
	cp "$work/base.db" "$work/run.db"
	raw_run "sqlite:$work/run.db" >>"$work/raw.rounds"
	rm -f "$work"/run.db*
	cp "$work/base.db" "$work/run.db"
	import_run "sqlite:$work/run.db" >>"$work/import.rounds"
	rm -f "$work"/run.db*
	echo "bench: round $r: import $(tail -n1 "$work/import.rounds") rows/s, raw $(tail -n1 "$work/raw.rounds") rows/s"
done
raw_rps=$(median <"$work/raw.rounds")
import_rps=$(median <"$work/import.rounds")
ratio=$(awk -v a="$import_rps" -v b="$raw_rps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.5 ? "meets the target of at least 0.5" : "is BELOW the target of 0.5")}')
all() { paste -sd' ' "$1" | sed 's/ /, /g'; }

pg_row="| PostgreSQL | not run | | |"
pg_verify="not run"
if [ -x scripts/pg-test.sh ]; then
	echo "bench: import on PostgreSQL"
	export -f raw_run import_run verify_run now
	export work institution rows bin raw import_persons
	if pg=$(PGTEST_PORT=$pg_port PGTEST_STATE=$work/pg.state scripts/pg-test.sh run bash -c '
		set -e
		fresh() {
			PGOPTIONS=--client-min-messages=warning psql -q "$LIFELONG_TEST_PG" \
				-c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
			"$bin" demo --persons "$import_persons" --no-outcomes --db "$LIFELONG_TEST_PG" >/dev/null 2>&1
			institution=$(psql -qtA "$LIFELONG_TEST_PG" -c "SELECT id FROM institutions WHERE name = '"'"'上海开放大学'"'"'")
		}
		fresh; r=$(raw_run "$LIFELONG_TEST_PG")
		fresh; i=$(import_run "$LIFELONG_TEST_PG")
		v=$(verify_run "$LIFELONG_TEST_PG")
		echo "$i $r $v"' 2>"$work/pg.log"); then
		read -r pg_import pg_raw pg_verify_rate <<<"$pg"
		pg_verify="**$pg_verify_rate entries/s**"
		pg_ratio=$(awk -v a="$pg_import" -v b="$pg_raw" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
		pg_row="| PostgreSQL $(psql --version | awk '{print $3}') | $pg_import | $pg_raw | **$pg_ratio** |"
	else
		pg_row="| PostgreSQL | failed: $(tail -n 1 "$work/pg.log") | | |"
	fi
	echo "bench: PostgreSQL: $pg_row"
fi

# ---- (b) a ledger of ten million entries

echo "bench: ledger of $ledger_persons residents' histories (SQLite)"
t0=$(now)
"$bin" demo --persons "$ledger_persons" --db "sqlite:$work/ledger.db" >"$work/ledger-demo.out" 2>"$work/ledger-demo.log"
t1=$(now)
entries=$(sqlite3 "$work/ledger.db" 'SELECT size FROM ledger_head')
demo_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}')
echo "bench: $entries entries in $demo_secs s; verifying"
t0=$(now)
"$bin" ledger verify --db "sqlite:$work/ledger.db" --quiet
t1=$(now)
verify_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
verify_rate=$(awk -v n="$entries" -v s="$verify_secs" 'BEGIN {printf "%.0f", n / s}')

# A signed-in resident whose transcript holds 50 current outcomes (or as near as there is).
account=$(sqlite3 "$work/ledger.db" "SELECT p.account_no FROM persons p JOIN users u ON u.person_id = p.id
	JOIN (SELECT e.person_id, COUNT(*) AS n FROM ledger_entries e WHERE e.op <> 'revoke' AND NOT EXISTS
		(SELECT 1 FROM ledger_entries s WHERE s.supersedes = e.id) GROUP BY e.person_id) c ON c.person_id = p.id
	ORDER BY ABS(c.n - 50), p.id LIMIT 1")
person=$(sqlite3 "$work/ledger.db" "SELECT id FROM persons WHERE account_no = '$account'")
entry=$(sqlite3 "$work/ledger.db" "SELECT id FROM ledger_entries WHERE person_id = '$person' ORDER BY person_seq LIMIT 1")
"$bin" serve --listen "127.0.0.1:$port" --db "sqlite:$work/ledger.db" --access-log off >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
curl -s -c "$work/cookies" -H 'Content-Type: application/json' \
	-d "{\"login\":\"$account\",\"password\":\"Demo-2026!\"}" "http://127.0.0.1:$port/api/v1/session" >/dev/null
cookie=$(awk '$6 == "ll_session" {print $7}' "$work/cookies")
items=$(curl -s -H "Cookie: ll_session=$cookie" "http://127.0.0.1:$port/api/v1/me/transcript" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
proof_len=$(curl -s -H "Cookie: ll_session=$cookie" "http://127.0.0.1:$port/api/v1/ledger/entries/$entry?proof=true" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["inclusion_proof"]))')
latency() { # path: prints "rps p50 p99"
	wrk -t2 -c16 -d"${seconds}s" --latency -H "Cookie: ll_session=$cookie" "http://127.0.0.1:$port$1" >"$work/wrk.out" 2>&1
	awk '/^Requests\/sec:/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
		/Non-2xx/ {bad = $NF} END {printf "%.0f %s %s %s\n", rps, p50, p99, bad + 0}' "$work/wrk.out"
}
read -r t_rps t_p50 t_p99 t_bad <<<"$(latency /api/v1/me/transcript)"
read -r p_rps p_p50 p_p99 p_bad <<<"$(latency "/api/v1/ledger/entries/$entry?proof=true")"

# ---- the section of RESULTS.md

section=$work/section.md
cat >"$section" <<EOF
<!-- ledger: written by bench/ledger.sh -->
## Credit bank

Written by \`bench/ledger.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),
on this machine ($(nproc) processors, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).

### Import of $rows outcome rows from CSV ($csv_mib MiB), against a raw batched insert

\`lifelong import outcomes\` (the whole command: the file stored as a job, every row checked
against its entry standard, the account resolved, the external id checked for a repeat, a
submission and a ledger entry written with its hash, its person's chain and its Merkle nodes),
against bench/import_raw: the same rows into the same two tables of the same schema through the
same storage layer, $(grep -o 'IMPORT_BATCH_ROWS [0-9]*' src/ledger/ledger.h | awk '{print $2}') rows a transaction like the import, and nothing else. Each run
starts from a fresh copy of one database of $import_persons residents; $rounds rounds, alternating.

| engine | import rows/s (median) | raw insert rows/s (median) | ratio |
|---|---|---|---|
| SQLite $(sqlite3 --version | awk '{print $1}') | $import_rps | $raw_rps | **$ratio** |
$pg_row

SQLite rounds: import $(all "$work/import.rounds"); raw $(all "$work/raw.rounds"). The SQLite ratio $verdict.
PostgreSQL: one round, a private server from scripts/pg-test.sh (fsync off) on the same machine;
\`lifelong ledger verify\` of the $rows entries that import wrote there: $pg_verify.

### A ledger of $entries entries

The demo's learning histories of $ledger_persons residents (\`lifelong demo --persons $ledger_persons\`,
$demo_secs s), on SQLite.

| measure | result |
|---|---|
| \`lifelong ledger verify\` (every entry rehashed, every chain, every tree node, every signed tree head) | $verify_secs s, **$verify_rate entries/s** |
| GET /api/v1/me/transcript of a resident with $items outcomes, wrk -t2 -c16 ${seconds}s | $t_rps requests/s, p50 $t_p50, p99 $t_p99 ($t_bad non-2xx) |
| GET /api/v1/ledger/entries/{id}?proof=true (inclusion proof of $proof_len hashes against the latest signed tree head) | $p_rps requests/s, p50 $p_p50, p99 $p_p99 ($p_bad non-2xx) |
<!-- /ledger -->
EOF
section_write ledger "$section" "$results"
echo "bench: wrote the credit bank section of $results (import ratio $ratio)"
awk -v r="$ratio" 'BEGIN {exit (r >= 0.5) ? 0 : 1}'
