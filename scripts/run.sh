#!/usr/bin/env bash
# Starts Lifelong with a demo city: creates var/lifelong.key and var/lifelong.db (with
# DEMO_PERSONS synthetic residents, default 100000) the first time, prints the demo sign-ins,
# and serves the API and portal on LISTEN (default 127.0.0.1:8080) until interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/src/cli/lifelong
listen=${LISTEN:-127.0.0.1:8080}
mkdir -p var
export LIFELONG_DB=${LIFELONG_DB:-sqlite:var/lifelong.db}
export LIFELONG_KEY_FILE=${LIFELONG_KEY_FILE:-var/lifelong.key}
[ -f "$LIFELONG_KEY_FILE" ] || "$bin" keygen --region --out "$LIFELONG_KEY_FILE"
if [ ! -f var/demo-sign-ins.txt ]; then
  "$bin" demo --persons "${DEMO_PERSONS:-100000}" --seed "${DEMO_SEED:-2026}" | tee var/demo-sign-ins.txt
else
  cat var/demo-sign-ins.txt
fi
echo
echo "Open http://$listen/ in a browser (Ctrl-C stops the server)."
exec "$bin" serve --listen "$listen" --web web/dist --access-log var/access.log
