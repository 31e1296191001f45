#!/usr/bin/env bash
# What the console's calls cost the gateway, in one run: one sluice (workers: 1, core 0, keys in
# SQLite) answering GETs from wrk (core 1) for
#   /v1/models with a gateway key          (the baseline: the catalogue a key sees)
#   /v1/key with the same key              (settings, budgets with spend, what it may call)
#   /v1/key with the key's console session (the same, through the session and its checks)
#   /admin/keys with the admin key         (the store's keys)
#   /admin/keys with the admin's session   (the same through the cookie, CSRF not needed on GET)
#   /ui/ and the console's script          (embedded files)
# Reports req/s and CPU µs per request at 16 connections, and each as a ratio to the baseline.
#
# Usage: bench/console.sh [seconds]   (default 5; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-console-bench.XXXXXX)
PORT=18131
TARGET_CPU=0 LOAD_CPU=1
[ "$(nproc)" -ge 2 ] || { LOAD_CPU=0; echo "warning: one core; target and load share it"; }
command -v wrk >/dev/null || bash bench/setup.sh
[ -x "$SLUICE" ] || { echo "build sluice first (make build)"; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

ADMIN=admin-key-for-the-console-bench
cat > "$WORK/gw.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: "$WORK/access.log"}
auth: {mode: keys, admin_key: $ADMIN, pepper: pepper-for-the-console-bench-0123}
stores: {sqlite: "$WORK/gw.db"}
budgets:
  - {scope: team, match: apps, usd: 100, per: month}
  - {scope: global, usd: 1000, per: month}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: {provider: mock, name: e}}
routes:
  - {name: both, task_type: llm/v1/chat, destinations: [{name: chat}]}
YAML
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gw.yaml" 2>"$WORK/err.log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$PORT"
for i in $(seq 20); do  # a few keys in the store, as a small team has
  curl -sf "$base/admin/keys" -H "Authorization: Bearer $ADMIN" -d "{\"name\":\"k$i\",\"team\":\"apps\"}" >/dev/null
done
KEY=$(curl -sf "$base/admin/keys" -H "Authorization: Bearer $ADMIN" -d '{"name":"bench","team":"apps"}' |
  sed 's/.*"key":"\([^"]*\)".*/\1/')
session() { # key → "sluice_session=…"
  curl -si "$base/ui/api/session" -H 'Content-Type: application/json' -d "{\"key\":\"$1\"}" |
    tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}'
}
DEV=$(session "$KEY")
ADM=$(session "$ADMIN")
ASSET=$(curl -sf "$base/ui/" | grep -o '/ui/assets/[^"]*\.js' | head -1)

run() { # label path header
  local before after out
  taskset -c "$LOAD_CPU" wrk -t1 -c16 -d1s -H "$3" "$base$2" >/dev/null  # warm-up
  before=$(cpu_ticks "$pid")
  out=$(taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${DURATION}s" -H "$3" "$base$2" |
    awk '/requests in/ {req=$1} /Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF} END {print rps, req, bad+0}')
  after=$(cpu_ticks "$pid")
  set -- "$1" $out
  echo "$1 $2 $3 $4 $(( (after - before) * TICK_US / $3 ))"
}
{
  run "/v1/models (key)" /v1/models "Authorization: Bearer $KEY"
  run "/v1/key (key)" /v1/key "Authorization: Bearer $KEY"
  run "/v1/key (session)" /v1/key "Cookie: $DEV"
  run "/admin/keys (admin key)" /admin/keys "Authorization: Bearer $ADMIN"
  run "/admin/keys (session)" /admin/keys "Cookie: $ADM"
  run "/ui/ (index.html)" /ui/ "Accept: text/html"
  run "console script" "$ASSET" "Accept: */*"
} >"$WORK/results"
awk 'NR == 1 {base_rps = $(NF-3); base_cpu = $NF}
     { label = $0; sub(/ [0-9.]+ [0-9]+ [0-9]+ [0-9]+$/, "", label)
       rps = $(NF-3); bad = $(NF-1); cpu = $NF
       printf "%-26s %9.0f req/s (%.2fx)  %6d µs CPU/req (%.2fx)%s\n", label, rps, rps / base_rps, cpu,
              cpu / base_cpu, (bad > 0 ? "  NON-2XX: " bad : "") }' "$WORK/results"
