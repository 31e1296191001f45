#!/usr/bin/env bash
# Governance cost: the same endpoint through two sluice processes, one with governance off and
# one with a gateway key, three limits (key requests, team tokens, global requests) and the
# SQLite spend ledger on, in front of the same fixed-body nginx upstream, in one run.
#
# Reports p50/p99 added at a fixed 200 req/s (three interleaved rounds, median) and req/s and
# CPU µs per request at 64 connections, each as governed/plain.
#
# Usage: bench/governance.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-gov-bench.XXXXXX)
UP_PORT=18111 PLAIN_PORT=18112 GOV_PORT=18113
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
endpoint="endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: \"http://127.0.0.1:$UP_PORT/v1\"}}"
cat > "$WORK/plain.yaml" <<YAML
server: {host: 127.0.0.1, port: $PLAIN_PORT, workers: 1, access_log: "$WORK/plain-access.log"}
$endpoint
YAML
cat > "$WORK/gov.yaml" <<YAML
server: {host: 127.0.0.1, port: $GOV_PORT, workers: 1, access_log: "$WORK/gov-access.log"}
auth:
  mode: keys
  admin_key: bench-admin-key-0123456789
  pepper: bench-pepper-0123456789abcdef
  keys:
    - name: bench
      key: \${{ secrets.BENCH_KEY }}
      team: bench
      limits: [{requests: 100000000, per: minute}]
limits:
  - {scope: team, tokens: 1000000000000, per: minute}
  - {scope: global, requests: 100000000, per: minute}
stores: {sqlite: "$WORK/sluice.db"}
$endpoint
YAML
KEY=sk-sluice-bench-key-0123456789abcdefghijklmnopq
export BENCH_KEY=$KEY

taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/plain.yaml" 2>"$WORK/plain.err" & pids+=($!)
PLAIN_PID=$!
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gov.yaml" 2>"$WORK/gov.err" & pids+=($!)
GOV_PID=$!
for port in $UP_PORT $PLAIN_PORT $GOV_PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
sleep 0.3

BODY='{"model":"chat","messages":[{"role":"user","content":"Say something short."}],"max_tokens":50}'
printf '%s' "$BODY" > "$WORK/body.json"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.body = %s%s%s\n' \
  "$KEY" "'" "$BODY" "'" > "$WORK/post.lua"
URL_direct="http://127.0.0.1:$UP_PORT/v1/chat/completions"
URL_plain="http://127.0.0.1:$PLAIN_PORT/v1/chat/completions"
URL_gov="http://127.0.0.1:$GOV_PORT/v1/chat/completions"

# Sanity: the governed gateway refuses without the key and answers with it.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$BODY" "$URL_gov")
[ "$code" = 401 ] || { echo "governed sluice answered $code without a key"; exit 1; }

declare -A RPS CPU L50 L99 P50 P99
for t in plain gov; do
  url_var="URL_$t"; pid_var="${t^^}_PID"
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$WORK/post.lua" "${!url_var}" >/dev/null  # warm-up
  before=$(cpu_ticks "${!pid_var}")
  read -r RPS[$t] reqs < <(wrk_run "${!url_var}" 64)
  after=$(cpu_ticks "${!pid_var}")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
done
for round in 1 2 3; do
  for t in direct plain gov; do
    url_var="URL_$t"
    read -r p50 p99 < <(latency "${!url_var}" "$WORK/h2load-$t-$round.log" "$WORK/body.json" -H "Authorization: Bearer $KEY")
    L50[$t]+="$p50 "; L99[$t]+="$p99 "
  done
done
for t in direct plain gov; do
  # shellcheck disable=SC2086
  P50[$t]=$(median3 ${L50[$t]}); P99[$t]=$(median3 ${L99[$t]})
done
kill -TERM "$GOV_PID"; wait "$GOV_PID" 2>/dev/null || true
ledger=$(BENCH_KEY=$KEY "$SLUICE" spend -c "$WORK/gov.yaml" --by key --since 1d --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.reduce((n,r)=>n+r.requests,0)))')

added() { echo $(( $1 - P50[direct] )); }
added99() { echo $(( $1 - P99[direct] )); }
row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%-34s %12s %12s %8.2f\n", n, a, b, (a > 0 ? b / a : 0)}'; }
echo "governance: plain endpoint vs key + 3 limits + SQLite ledger (same run, ${DURATION}s per measurement)"
printf '%-34s %12s %12s %8s\n' metric plain governed ratio
row "added p50 µs @200 req/s (median/3)" "$(added "${P50[plain]}")" "$(added "${P50[gov]}")"
row "added p99 µs @200 req/s (median/3)" "$(added99 "${P99[plain]}")" "$(added99 "${P99[gov]}")"
row "req/s, 64 connections" "${RPS[plain]}" "${RPS[gov]}"
row "CPU µs per request (64 conns)" "${CPU[plain]}" "${CPU[gov]}"
echo "ledger records written by the governed gateway: $ledger"
