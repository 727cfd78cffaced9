#!/usr/bin/env bash
# The federation's benchmark, written into the "Federation" section of bench/RESULTS.md: two
# nodes on this machine (SH and JS, `lifelong serve` each with its own SQLite database and key
# file, sharing a regional key), a demo city on each; JS holds BENCH_FED_RECORDS more records of
# one person, imported there. The person asks SH to fetch their records from JS: every page is a
# signed request and a signed answer, every record a credential JS issues (or reuses) and SH
# verifies before storing it. Timed from the request until the fetch is done, twice: the first
# pull (JS issues each credential) and a pull again (JS reuses them; SH verifies each again and
# stores nothing new).
#
#   BENCH_FED_RECORDS (20000)  BENCH_FED_PAGE (100)  BUILD (build)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/section.sh
. bench/section.sh

BUILD=${BUILD:-build}
records=${BENCH_FED_RECORDS:-20000}
page=${BENCH_FED_PAGE:-100}
results=bench/RESULTS.md
bin=$BUILD/src/cli/lifelong
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lifelong-bench-federation.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

"$bin" keygen --region --out "$work/sh.key" >/dev/null
"$bin" keygen --out "$work/js.key" >/dev/null
grep '^region=' "$work/sh.key" >>"$work/js.key"
for n in sh js; do
	"$bin" demo --persons 200 --seed 2026 --db "sqlite:$work/$n.db" --key-file "$work/$n.key" >/dev/null 2>&1
done
account=3100000000000011
echo "bench: $records records of $account at JS"
{
	echo "account_no,kind,title,awarded_on,code,level,hours"
	for i in $(seq 1 "$records"); do
		echo "$account,community_education,社区课程 $i,2025-0$((1 + i % 9))-1$((i % 10)),B-$i,2,12"
	done
} >"$work/records.csv"

start() { # id port key db [options]
	local id=$1 port=$2 key=$3 db=$4
	shift 4
	"$bin" serve --listen "127.0.0.1:$port" --home-page "http://127.0.0.1:$port" --node-id "$id" --local-issuer 127.0.0.1 \
		--db "sqlite:$db" --key-file "$key" --access-log off "$@" >"$work/$id.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: $id did not start" >&2
	cat "$work/$id.log" >&2
	return 1
}
sh_port=$(free_port)
js_port=$(free_port)
start SH "$sh_port" "$work/sh.key" "$work/sh.db" --federation-page "$page"
start JS "$js_port" "$work/js.key" "$work/js.db"
# A community college of JS deposits the records.
college=$(curl -fsS -c "$work/jar" -H 'content-type: application/json' \
	-d '{"login":"city.admin","password":"Demo-2026!"}' "http://127.0.0.1:$js_port/api/v1/session" >/dev/null &&
	curl -fsS -b "$work/jar" "http://127.0.0.1:$js_port/api/v1/institutions?type=community_school" |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s).items.find(x=>/社区学院/.test(x.name));console.log(i.id)})')
"$bin" import outcomes "$work/records.csv" --institution "$college" --quiet --db "sqlite:$work/js.db" --key-file "$work/js.key" >/dev/null

echo "bench: first pull"
read -r first_s first_n first_new < <(node bench/federation-pull.mjs "http://127.0.0.1:$sh_port" "http://127.0.0.1:$js_port" JS "$account" 'Demo-2026!' register)
echo "bench: pull again"
read -r again_s again_n again_new < <(node bench/federation-pull.mjs "http://127.0.0.1:$sh_port" "http://127.0.0.1:$js_port" JS "$account" 'Demo-2026!')
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }
first=$(rate "$first_n" "$first_s")
again=$(rate "$again_n" "$again_s")

section=$work/section.md
cat >"$section" <<EOF2
<!-- federation: written by bench/federation.sh -->
## Federation

Written by \`bench/federation.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),
on this machine ($(nproc) processors, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).
Two nodes on this machine (SH fetching, JS answering), each \`lifelong serve\` on SQLite; one person's $first_n records
at JS, $page to a page: each page a signed request and a signed answer (RFC 9421, Ed25519), each record an Open Badges
credential that SH verifies (signature by a key pinned for JS, ledger inclusion proof and tree-head signature) before
storing it, a page in one transaction with the fetch's progress. The issue names no goal or ceiling for this measure.

| pull | records | seconds | records pulled per second |
|---|---|---|---|
| first: JS issues each credential, SH imports each record | $first_n ($first_new new) | $first_s | **$first/s** |
| again: JS reuses its credentials, SH verifies each again and stores nothing new | $again_n ($again_new new) | $again_s | **$again/s** |
<!-- /federation -->
EOF2
section_write federation "$section" "$results"
echo "bench: wrote the federation section of $results (first pull $first/s, again $again/s)"
