#!/usr/bin/env bash
# Installs what building, running and testing Lifelong needs and is not yet here: Debian packages
# with apt-get, and the npm packages of the web portal and of the browser tests (from their
# lockfiles). Safe to run again: it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config meson ninja-build python3
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev libssl-dev libcmocka-dev zlib1g-dev libcsv-dev libqrencode-dev libcurl4-openssl-dev
  postgresql sqlite3 curl wrk clang libclang-rt-14-dev chromium fonts-noto-cjk procps
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm_install() { # folder
  local dir=$1
  [ -f "$dir/package.json" ] || return 0
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "deps: npm install in $dir"
    # 'npm install' with the lockfile rather than 'npm ci': ci insists on every platform's optional
    # packages (rollup's builds for other systems) being in the lockfile, and a registry mirror may
    # not carry them all; install takes the locked versions of what this machine needs.
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
}
npm_install web
npm_install tests/e2e
npm_install tests/api
