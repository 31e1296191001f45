#!/usr/bin/env bash
# What the control plane and CORS cost a request, in one run: three sluice processes (one worker
# each, one at a time on the same core) in front of the fixed-body nginx upstream —
# `file` (the endpoint in the config file, its key in the file), `stored` (the same endpoint made
# through POST /admin/endpoints, its key a sealed secret: it should cost the same) and `cors`
# (the file's endpoint with server.cors on and every request carrying an allowed Origin).
# Then how long a change made on one replica takes to be served by a second one on the same
# SQLite store (ten changes, median and worst).
#
# Usage: [ORDER="cors stored file"] bench/control_plane.sh [seconds]
#        (default 10 s; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-control-bench.XXXXXX)
UP_PORT=18161
TARGET_CPU=0 LOAD_CPU=1
[ "$(nproc)" -ge 2 ] || { TARGET_CPU=0; LOAD_CPU=0; echo "warning: one core; targets and load share it"; }
command -v wrk >/dev/null && command -v h2load >/dev/null && command -v nginx >/dev/null || bash bench/setup.sh
[ -x "$SLUICE" ] || { echo "build sluice first (make build)"; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

write_upstream_conf "$WORK/up" "$UP_PORT"
taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)

ADMIN=admin-key-for-the-control-plane-bench
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
declare -A PORT=([file]=18162 [stored]=18163 [cors]=18164 [replica]=18165) PID
for t in file stored cors replica; do
  extra=""; endpoint="  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: \"http://127.0.0.1:$UP_PORT/v1\"}}}"
  [ "$t" = cors ] && extra="  cors: {allow_origins: [\"https://app.example.com\"]}"
  [ "$t" = stored ] || [ "$t" = replica ] && endpoint="  - {name: unused, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}"
  db="$WORK/$t.db"; [ "$t" = replica ] && db="$WORK/stored.db"
  cat > "$WORK/$t.yaml" <<YAML
server:
  host: 127.0.0.1
  port: ${PORT[$t]}
  workers: 1
  access_log: "$WORK/$t.log"
$extra
auth: {admin_key: $ADMIN, secrets_key: $KEY}
stores: {sqlite: "$db"}
endpoints:
$endpoint
YAML
  taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/$t.yaml" 2>"$WORK/$t.err" & pids+=($!)
  PID[$t]=$!
done
for port in $UP_PORT "${PORT[@]}"; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
admin() { curl -sf -X "$1" "http://127.0.0.1:${PORT[stored]}$2" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' ${3:+-d "$3"} >/dev/null; }
admin POST /admin/secrets '{"name":"bench","value":"sk-bench"}'
admin POST /admin/endpoints "{\"name\":\"chat\",\"endpoint_type\":\"llm/v1/chat\",\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4o-mini\",\"config\":{\"openai_api_key\":{\"secret\":\"bench\"},\"openai_api_base\":\"http://127.0.0.1:$UP_PORT/v1\"}}}"
sleep 0.3
printf '{"model":"chat","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":50}' > "$WORK/body.json"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$(cat "$WORK/body.json")" > "$WORK/post.lua"
{ cat "$WORK/post.lua"; printf 'wrk.headers["Origin"] = "https://app.example.com"\n'; } > "$WORK/cors.lua"

declare -A RPS CPU
# ORDER=... measures in another order (the machine's load drifts: swap it to see the drift).
for t in ${ORDER:-file stored cors}; do
  url="http://127.0.0.1:${PORT[$t]}/v1/chat/completions"
  script="$WORK/post.lua"; [ "$t" = cors ] && script="$WORK/cors.lua"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url" -H 'content-type: application/json' -d @"$WORK/body.json")
  [ "$code" = 200 ] || { echo "$t answers $code: $(cat "$WORK/$t.err")"; exit 1; }
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$script" "$url" >/dev/null  # warm-up
  before=$(cpu_ticks "${PID[$t]}")
  read -r RPS[$t] reqs < <(wrk_run "$url" 64 "$script")
  after=$(cpu_ticks "${PID[$t]}")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
done

# A change on `stored` until `replica` (same SQLite file) serves it: ten PATCHes of the model name.
lags=()
for i in $(seq 10); do
  start=$(date +%s%N)
  admin PATCH /admin/endpoints/chat "{\"model\":{\"name\":\"gpt-4o-mini-$i\"}}"
  # (The list's "model" is the served snapshot's, not the store's row.)
  until curl -s "http://127.0.0.1:${PORT[replica]}/admin/endpoints" -H "authorization: Bearer $ADMIN" | grep -q "\"model\":\"gpt-4o-mini-$i\""; do sleep 0.01; done
  lags+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${lags[@]}" | sort -n)

row() { awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" 'BEGIN {printf "%-24s %9s %9s %9s %8.2f %8.2f\n", n, a, b, c, (a > 0 ? b / a : 0), (a > 0 ? c / a : 0)}'; }
echo "an endpoint from the file vs the same one made through the admin API (sealed key), and CORS on; one worker, same run, ${DURATION}s per measurement"
printf '%-24s %9s %9s %9s %8s %8s\n' "" file stored cors "st/file" "cors/file"
row "req/s, 64 connections" "${RPS[file]}" "${RPS[stored]}" "${RPS[cors]}"
row "CPU µs per request" "${CPU[file]}" "${CPU[stored]}" "${CPU[cors]}"
echo "a change on one replica served by the other (ms, 10 changes): median $(echo "$sorted" | sed -n 5p), worst $(echo "$sorted" | tail -1)"
