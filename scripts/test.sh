#!/usr/bin/env bash
# Runs every test suite: unit and store tests (on SQLite and on a private PostgreSQL this script
# starts), the API suite and the crash tests on both engines, the browser tests, the unit and API suites again under
# AddressSanitizer and UndefinedBehaviorSanitizer, and a short fuzzing run. Every suite runs even
# when an earlier one failed; the exit status says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export LIFELONG_BIN=$root/build/src/cli/lifelong

passed=0
failed=0
failures=()
suite() { # name command...
  local name=$1
  shift
  echo
  echo "=== suite: $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== suite $name passed in $((SECONDS - t0)) s"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== suite $name FAILED in $((SECONDS - t0)) s"
  fi
}

# One private PostgreSQL for every suite that needs it.
pg_url=$(scripts/pg-test.sh start) || { echo "cannot start PostgreSQL for the tests"; exit 1; }
trap 'scripts/pg-test.sh stop >/dev/null 2>&1 || true' EXIT
export LIFELONG_TEST_PG=$pg_url


asan_build() {
  [ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug >/dev/null || return 1
  ninja -C build-asan >/dev/null
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

suite unit meson test -C build --print-errorlogs --num-processes 2
suite cli node --test tests/cli/
suite api-sqlite tests/api/run.sh
suite api-postgres sh -c 'PGOPTIONS=--client-min-messages=warning psql -q "$LIFELONG_TEST_PG" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null && tests/api/run.sh "$LIFELONG_TEST_PG"'
suite crash-sqlite node --test tests/crash/
# Each crash test on an empty database of its own.
suite crash-postgres sh -c 'for f in tests/crash/*.test.mjs; do PGOPTIONS=--client-min-messages=warning psql -q "$LIFELONG_TEST_PG" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null && LIFELONG_TEST_DB="$LIFELONG_TEST_PG" node --test "$f" || exit 1; done'
suite e2e tests/e2e/run.sh
suite asan-build asan_build
suite asan-unit meson test -C build-asan --print-errorlogs --num-processes 2
suite asan-cli env LIFELONG_BIN="$root/build-asan/src/cli/lifelong" node --test tests/cli/
suite asan-api env LIFELONG_BIN="$root/build-asan/src/cli/lifelong" tests/api/run.sh
suite fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"

echo
if [ "$failed" -gt 0 ]; then
  echo "failed suites: ${failures[*]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
