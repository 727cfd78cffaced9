#!/usr/bin/env bash
# The learning overpass's benchmarks, written into the "Learning overpass" section of
# bench/RESULTS.md (between its markers; the rest of the file stays as it was):
#  (a) audits per second of the engine on one core (taskset to one processor): bench/audit_engine
#      audits BENCH_AUDITS generated learners of about 20 outcomes against a programme of 30
#      courses with 200 conversion rules, each report built and written out as JSON;
#      BENCH_ROUNDS rounds, the median against the goal of 10,000 audits a second;
#  (b) a whole-cohort audit through the command line: the demo city of BENCH_COHORT residents
#      (SQLite), every one of them enrolled in the demo's programme 工商企业管理（专科）, then
#      `lifelong audit --programme ID --out FILE`, in seconds and audits per second.
#
#   BENCH_AUDITS (100000)  BENCH_COHORT (100000)  BENCH_ROUNDS (3)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/section.sh
. bench/section.sh

BUILD=${BUILD:-build}
audits=${BENCH_AUDITS:-100000}
cohort=${BENCH_COHORT:-100000}
rounds=${BENCH_ROUNDS:-3}
results=bench/RESULTS.md
bin=$BUILD/src/cli/lifelong
engine=$BUILD/bench/audit_engine

for tool in sqlite3 taskset; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench-transfer.XXXXXX")
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{v[NR] = $1} END {print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
now() { date +%s.%N; }
cpu=$(($(nproc) - 1))

# ---- (a) the engine on one core

: >"$work/engine.rounds"
for r in $(seq 1 "$rounds"); do
	taskset -c "$cpu" "$engine" "$audits" >"$work/engine.out"
	read -r n secs available bytes <"$work/engine.out"
	awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f\n", n / s}' >>"$work/engine.rounds"
	echo "bench: round $r: $(tail -n1 "$work/engine.rounds") audits/s"
done
engine_rate=$(median <"$work/engine.rounds")
engine_ratio=$(awk -v a="$engine_rate" 'BEGIN {printf "%.2f", a / 10000}')
verdict=$(awk -v r="$engine_ratio" 'BEGIN {print (r >= 1) ? "meets the goal of 10,000 audits a second" : "is BELOW the goal of 10,000 audits a second"}')

# ---- (b) a whole cohort through the CLI

"$bin" keygen --out "$work/key" >/dev/null
export LIFELONG_KEY_FILE=$work/key
db=$work/cohort.db
echo "bench: demo city of $cohort residents"
"$bin" demo --persons "$cohort" --db "sqlite:$db" >/dev/null 2>"$work/demo.log"
programme=$(sqlite3 "$db" "SELECT id FROM programmes WHERE code = '530601'")
sqlite3 "$db" "INSERT INTO enrolments (person_id, programme_id, enrolled_by, enrolled_at)
	SELECT id, '$programme', NULL, 0 FROM persons WHERE true ON CONFLICT DO NOTHING"
enrolled=$(sqlite3 "$db" "SELECT COUNT(*) FROM enrolments WHERE programme_id = '$programme'")
rules=$(sqlite3 "$db" "SELECT COUNT(*) FROM transfer_rule_versions WHERE programme_id = '$programme' AND status = 'approved'")
echo "bench: auditing $enrolled learners"
t0=$(now)
"$bin" audit --programme "$programme" --db "sqlite:$db" --out "$work/reports.jsonl" --quiet
t1=$(now)
lines=$(wc -l <"$work/reports.jsonl")
[ "$lines" -eq "$enrolled" ] || { echo "bench: $lines reports for $enrolled learners" >&2; exit 1; }
cohort_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
cohort_rate=$(awk -v n="$lines" -v s="$cohort_secs" 'BEGIN {printf "%.0f", n / s}')
complete=$(grep -c '"is_complete":true' "$work/reports.jsonl" || true)

# ---- the section of RESULTS.md

section=$work/section.md
cat >"$section" <<EOF
<!-- transfer: written by bench/transfer.sh -->
## Learning overpass

Written by \`bench/transfer.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),
on this machine ($(nproc) processors, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).

| measure | result |
|---|---|
| audits on one core (\`bench/audit_engine\` pinned to processor $cpu): $audits learners of about 20 outcomes against a programme of 30 courses and 200 conversion rules, each report built and written as JSON ($bytes bytes on average) | **$engine_rate audits/s**, $engine_ratio of the goal of 10,000 |
| whole-cohort audit through the CLI: \`lifelong audit --programme\` over $enrolled learners of the demo city (SQLite; the demo's programme of 14 courses and $rules rules; each learner's outcomes read from the ledger) | $cohort_secs s, **$cohort_rate audits/s**; $complete complete |

Engine rounds: $(paste -sd' ' "$work/engine.rounds" | sed 's/ /, /g') audits/s; the median $verdict.
<!-- /transfer -->
EOF
section_write transfer "$section" "$results"
echo "bench: wrote the learning overpass section of $results ($engine_rate audits/s)"
awk -v r="$engine_ratio" 'BEGIN {exit (r >= 1) ? 0 : 1}'
