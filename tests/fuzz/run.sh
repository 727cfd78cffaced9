#!/bin/sh
# Builds every libFuzzer target and runs each for SECONDS (default 30), starting from the seed
# corpus in tests/fuzz/corpus/<target>/ (never written to: new inputs go to
# build-fuzz/corpus/<target>/). Exits non-zero if any target crashes, leaks, hits undefined
# behaviour or fails a property; the failing input is saved as build-fuzz/artifacts/<target>-*.
#   tests/fuzz/run.sh [SECONDS]
set -u

seconds=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
"$root/tests/fuzz/build.sh" || exit 1

out=build-fuzz
mkdir -p "$out/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
failed=""
for bin in "$out"/fuzz/fuzz_*; do
	name=$(basename "$bin")
	seeds="tests/fuzz/corpus/$name"
	work="$out/corpus/$name"
	mkdir -p "$work" "$seeds"
	set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name-"
	[ -f "tests/fuzz/$name.dict" ] && set -- "$@" -dict="tests/fuzz/$name.dict"
	echo "== $name for ${seconds}s"
	if "$bin" "$@" "$work" "$seeds" >"$out/$name.log" 2>&1; then
		grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|Done )" "$out/$name.log" | tail -2
	else
		tail -40 "$out/$name.log"
		echo "== $name FAILED (log: $out/$name.log)"
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzzing failed:$failed"
	exit 1
fi
echo "fuzzing passed"
