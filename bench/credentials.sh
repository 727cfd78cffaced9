#!/usr/bin/env bash
# The credentials' benchmarks, written into the "Credentials" section of bench/RESULTS.md:
# on SQLite, a demo city of BENCH_CRED_PERSONS persons with their outcomes, bench/credentials_bench
# issues BENCH_CRED_COUNT credentials (synced commits, shared by credentials issued at once) and
# verifies them, with 1, 2 and 8 threads (8: what a server on this machine runs, 4 per processor),
# each BENCH_ROUNDS times on a fresh copy of the city, the medians against the goal of 5,000 a
# second each; then revokes one credential's outcome and times until the served status list and
# the node's verifier say so.
#
#   BENCH_CRED_PERSONS (2000)  BENCH_CRED_COUNT (5000)  BENCH_ROUNDS (5)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/section.sh
. bench/section.sh

BUILD=${BUILD:-build}
persons=${BENCH_CRED_PERSONS:-2000}
count=${BENCH_CRED_COUNT:-5000}
rounds=${BENCH_ROUNDS:-5}
results=bench/RESULTS.md
bin=$BUILD/src/cli/lifelong
bench=$BUILD/bench/credentials_bench
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench-credentials.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" keygen --out "$work/key" >/dev/null
echo "bench: a demo city of $persons persons"
"$bin" demo --persons "$persons" --db "sqlite:$work/base.db" --key-file "$work/key" >/dev/null 2>&1

median() { sort -g | awk '{v[NR] = $1} END {print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
declare -A issue verify seen rounds_issue rounds_verify
for threads in 1 2 8; do
	: >"$work/issue.rounds"
	: >"$work/verify.rounds"
	: >"$work/seen.rounds"
	for r in $(seq 1 "$rounds"); do
		rm -f "$work"/db*
		cp "$work/base.db" "$work/db"
		echo "bench: $count credentials, $threads thread(s), round $r"
		read -r n issue_s _ verify_s seen_us < <("$bench" "sqlite:$work/db" "$work/key" "$count" "$threads")
		awk -v n="$n" -v s="$issue_s" 'BEGIN {printf "%.0f\n", n / s}' >>"$work/issue.rounds"
		awk -v n="$n" -v s="$verify_s" 'BEGIN {printf "%.0f\n", n / s}' >>"$work/verify.rounds"
		awk -v u="$seen_us" 'BEGIN {printf "%.1f\n", u / 1000}' >>"$work/seen.rounds"
	done
	issue[$threads]=$(median <"$work/issue.rounds")
	verify[$threads]=$(median <"$work/verify.rounds")
	seen[$threads]=$(median <"$work/seen.rounds")
	rounds_issue[$threads]=$(paste -sd' ' "$work/issue.rounds" | sed 's/ /, /g')
	rounds_verify[$threads]=$(paste -sd' ' "$work/verify.rounds" | sed 's/ /, /g')
done
verdict() { awk -v v="$1" 'BEGIN {print (v >= 5000) ? "meets the goal of 5,000/s" : "is BELOW the goal of 5,000/s"}'; }

section=$work/section.md
cat >"$section" <<EOF2
<!-- credentials: written by bench/credentials.sh -->
## Credentials

Written by \`bench/credentials.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),
on this machine ($(nproc) processors, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).
SQLite, a demo city of $persons persons with their outcomes; \`bench/credentials_bench\` calls what the API's handlers call.

| measure | 1 thread | 2 threads | 8 threads (a server's) |
|---|---|---|---|
| Open Badges credentials issued (the outcome read, a tree head and inclusion proof, an Ed25519 signature, synced commits shared by credentials issued at once), $count | ${issue[1]}/s | ${issue[2]}/s | **${issue[8]}/s**; $(verdict "${issue[8]}") |
| verified (signature, dates, status, inclusion proof, tree-head signature) | ${verify[1]}/s | ${verify[2]}/s | **${verify[8]}/s**; $(verdict "${verify[8]}") |
| from a revocation's commit until the served status list and the node's verifier say revoked | ${seen[1]} ms | ${seen[2]} ms | ${seen[8]} ms |

Each measure is the median of $rounds rounds, each on a fresh copy of the city. With 8 threads, issued: ${rounds_issue[8]}/s;
verified: ${rounds_verify[8]}/s.

A verifier that fetches the status list may keep it five seconds (\`Cache-Control: public, max-age=5\`); the
node's own \`POST /api/v1/verify\` reads the ledger and sees a revocation on its next request.
<!-- /credentials -->
EOF2
section_write credentials "$section" "$results"
echo "bench: wrote the credentials section of $results (issued ${issue[8]}/s, verified ${verify[8]}/s with 8 threads)"
