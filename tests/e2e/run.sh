#!/usr/bin/env bash
# Runs the browser tests (playwright-core driving Debian's chromium) of the Lifelong portal.
#
# Against a running server:
#   LIFELONG_URL                 the server, serving web/dist at /
#   LIFELONG_CITY_ADMIN          login:password of a city admin
#   LIFELONG_INSTITUTION_ADMIN   login:password of an institution admin
#   LIFELONG_CITIZEN             login:password of a citizen
#   (a test whose credentials are not set is skipped)
# Without LIFELONG_URL, it starts a throwaway server of its own from build/src/cli/lifelong (or
# the binary LIFELONG_BIN names) on a free loopback port with a fresh SQLite database, makes the
# users above, and stops it after.
#
# Screenshots of each page go to tests/e2e/screenshots/. Extra arguments go to node --test
# (e.g. one file: bash tests/e2e/run.sh citizen.test.mjs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -x "${LIFELONG_CHROMIUM:-/usr/bin/chromium}" ]; then
	echo "run.sh: chromium not found (apt-get install chromium)" >&2
	exit 1
fi
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
	echo "run.sh: note: no Chinese font installed; screenshots will show boxes (apt-get install fonts-noto-cjk)" >&2
fi

server_pid=
tmp=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT

if [ -z "${LIFELONG_URL:-}" ]; then
	bin="${LIFELONG_BIN:-$root/build/src/cli/lifelong}"
	if [ ! -x "$bin" ]; then
		echo "run.sh: set LIFELONG_URL, or build the server first ($bin is missing)" >&2
		exit 1
	fi
	if [ ! -f "$root/web/dist/index.html" ]; then
		(cd "$root/web" && { [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error; } && npm run build)
	fi
	tmp="$(mktemp -d)"
	export LIFELONG_DB="sqlite:$tmp/lifelong.db" LIFELONG_KEY_FILE="$tmp/lifelong.key"
	"$bin" keygen --region --out "$LIFELONG_KEY_FILE" >/dev/null
	"$bin" migrate >/dev/null 2>"$tmp/migrate.log" || { cat "$tmp/migrate.log" >&2; exit 1; }
	city_password="City-$RANDOM$RANDOM-pass"
	printf '%s\n' "$city_password" | "$bin" user add --role city_admin --login e2e-city --name 王主任 --password-file - >/dev/null
	port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
	"$bin" serve --listen "127.0.0.1:$port" --local-issuer 127.0.0.1 --web "$root/web/dist" --access-log "$tmp/access.log" >"$tmp/serve.log" 2>&1 &
	server_pid=$!
	export LIFELONG_URL="http://127.0.0.1:$port"
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "$LIFELONG_URL/healthz" 2>/dev/null && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	export LIFELONG_CITY_ADMIN="e2e-city:$city_password"
	exports="$(node setup-server.mjs)"
	eval "$exports"
	echo "run.sh: started a test server at $LIFELONG_URL (log: $tmp/serve.log while it runs)"
fi

if ! curl -fsS -o /dev/null "$LIFELONG_URL/login"; then
	echo "run.sh: no Lifelong portal answers at $LIFELONG_URL/login" >&2
	exit 1
fi
mkdir -p screenshots
if [ "$#" -gt 0 ]; then
	files=("$@")
else
	files=(*.test.mjs)
fi
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
