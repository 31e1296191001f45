#!/usr/bin/env bash
# sluice vs a plain nginx reverse-proxy hop, in front of the same fixed-body upstream, in one run.
#
#   upstream : nginx serving canned OpenAI chat/embeddings JSON, and a small node server sending
#              a 24-event SSE stream paced at 4 ms (core 1, with the load generators)
#   nginx    : one worker, keepalive upstream pool, proxy buffering off (core 0)
#   sluice   : workers=1, openai provider pointing at the upstream (core 0)
#
# For each target: req/s at 1 and 64 connections (wrk, 10 s after a warm-up), latency added over
# calling the upstream directly at a fixed 200 req/s (h2load --rps, p50/p99 from its per-request
# log), CPU µs per request (utime+stime of the target from /proc), time to first byte, to first
# content token and total time of the stream (bench/stream_timing.mjs, median of 20), and peak
# RSS (VmHWM). Then sluice's plain endpoint against a 3-destination least_latency route.
#
# Usage: bench/run.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-bench.XXXXXX)
UP_PORT=18101 NGX_PORT=18102 SL_PORT=18103 SSE_PORT=18104
TARGET_CPU=0 LOAD_CPU=1
[ "$(nproc)" -ge 2 ] || { TARGET_CPU=0; LOAD_CPU=0; echo "warning: one core; targets and load share it"; }
command -v wrk >/dev/null && command -v h2load >/dev/null && command -v nginx >/dev/null || bash bench/setup.sh
[ -x "$SLUICE" ] || { echo "build sluice first (make build)"; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK"/{up,ngx}/logs
# shellcheck source=bench/lib.sh
source bench/lib.sh
write_upstream_conf "$WORK/up" "$UP_PORT"
cat > "$WORK/ngx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $WORK/ngx/logs/error.log warn;
pid $WORK/ngx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$UP_PORT; keepalive 128; }
  upstream sse { server 127.0.0.1:$SSE_PORT; keepalive 16; }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location /stream/ {
      proxy_pass http://sse;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
NGINX
cat > "$WORK/sluice.yaml" <<YAML
server: {host: 127.0.0.1, port: $SL_PORT, workers: 1, access_log: "$WORK/sluice-access.log"}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: openai, name: text-embedding-3-small, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}
  - {name: chat-a, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}}
  - {name: chat-b, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}}
  - {name: chat-c, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}}
  - name: stream
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$SSE_PORT/stream/v1"}}
routes:
  - name: routed
    task_type: llm/v1/chat
    strategy: least_latency
    destinations: [{name: chat-a}, {name: chat-b}, {name: chat-c}]
    retry: {attempts: 1}
    circuit_breaker: {failures: 5}
YAML

taskset -c $LOAD_CPU nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
taskset -c $LOAD_CPU node bench/sse_upstream.mjs $SSE_PORT & pids+=($!)
taskset -c $TARGET_CPU nginx -c "$WORK/ngx/nginx.conf" -p "$WORK/ngx" & pids+=($!)
taskset -c $TARGET_CPU "$SLUICE" serve --config "$WORK/sluice.yaml" 2>"$WORK/sluice.err" & pids+=($!)
SLUICE_PID=$!
for port in $UP_PORT $NGX_PORT $SL_PORT $SSE_PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
sleep 0.3
NGX_WORKER=$(pgrep -P "$(cat "$WORK/ngx/nginx.pid")" | head -1)

BODY='{"model":"chat","messages":[{"role":"user","content":"Say something short."}],"max_tokens":50}'
STREAM_BODY='{"model":"stream","stream":true,"messages":[{"role":"user","content":"Say something short."}]}'
ROUTED_BODY=${BODY/\"chat\"/\"routed\"}
printf '%s' "$BODY" > "$WORK/body.json"
printf '%s' "$ROUTED_BODY" > "$WORK/routed.json"
for name in post routed; do
  body=$([ $name = post ] && echo "$BODY" || echo "$ROUTED_BODY")
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s%s%s\n' "'" "$body" "'" > "$WORK/$name.lua"
done

declare -A RPS1 RPS64 CPU P50 P99 TTFB TTFT TOTAL RSS
URL_direct="http://127.0.0.1:$UP_PORT/v1/chat/completions"
URL_nginx="http://127.0.0.1:$NGX_PORT/v1/chat/completions"
URL_sluice="http://127.0.0.1:$SL_PORT/v1/chat/completions"

for t in nginx sluice; do
  url_var="URL_$t"; url=${!url_var}
  pid=$([ $t = nginx ] && echo "$NGX_WORKER" || echo "$SLUICE_PID")
  taskset -c $LOAD_CPU wrk -t1 -c64 -d3s -s "$WORK/post.lua" "$url" >/dev/null   # warm-up
  read -r RPS1[$t] _ < <(wrk_run "$url" 1)
  before=$(cpu_ticks "$pid")
  read -r RPS64[$t] reqs < <(wrk_run "$url" 64)
  after=$(cpu_ticks "$pid")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
done

# Latency at a fixed 200 req/s (10 clients × 20 rps), per-request log → p50/p99 in µs. Three
# rounds, each visiting direct/nginx/sluice in turn, so drift on a shared machine hits all three
# alike; each figure is the median of its three rounds.
declare -A L50 L99
for round in 1 2 3; do
  for t in direct nginx sluice; do
    url_var="URL_$t"
    read -r p50 p99 < <(latency "${!url_var}" "$WORK/h2load-$t-$round.log")
    L50[$t]+="$p50 "; L99[$t]+="$p99 "
  done
done
for t in direct nginx sluice; do
  # shellcheck disable=SC2086
  P50[$t]=$(median3 ${L50[$t]}); P99[$t]=$(median3 ${L99[$t]})
done

# Routing: the plain endpoint vs a route over three destinations (least_latency, retry and
# breaker on), same sluice, interleaved rounds; then throughput and CPU per request of the route.
declare -A R50 R99
for round in 1 2 3; do
  read -r p50 p99 < <(latency "$URL_sluice" "$WORK/h2load-plain-$round.log")
  R50[plain]+="$p50 "; R99[plain]+="$p99 "
  read -r p50 p99 < <(latency "$URL_sluice" "$WORK/h2load-routed-$round.log" "$WORK/routed.json")
  R50[routed]+="$p50 "; R99[routed]+="$p99 "
done
# shellcheck disable=SC2086
P50[plain]=$(median3 ${R50[plain]}); P99[plain]=$(median3 ${R99[plain]})
# shellcheck disable=SC2086
P50[routed]=$(median3 ${R50[routed]}); P99[routed]=$(median3 ${R99[routed]})
before=$(cpu_ticks "$SLUICE_PID")
read -r RPS64[routed] reqs < <(wrk_run "$URL_sluice" 64 "$WORK/routed.lua")
after=$(cpu_ticks "$SLUICE_PID")
CPU[routed]=$(( (after - before) * TICK_US / reqs ))

# Stream: time to first byte, to first content token and to the end, median of 20 runs.
stream_times() { taskset -c $LOAD_CPU node bench/stream_timing.mjs "$1" "$2"; }
read -r TTFB[direct] TTFT[direct] TOTAL[direct] < <(stream_times "http://127.0.0.1:$SSE_PORT/stream/v1/chat/completions" m)
read -r TTFB[nginx] TTFT[nginx] TOTAL[nginx] < <(stream_times "http://127.0.0.1:$NGX_PORT/stream/v1/chat/completions" m)
read -r TTFB[sluice] TTFT[sluice] TOTAL[sluice] < <(stream_times "http://127.0.0.1:$SL_PORT/v1/chat/completions" stream)

RSS[nginx]=$(hwm_kb "$NGX_WORKER")
RSS[sluice]=$(hwm_kb "$SLUICE_PID")

echo
echo "sluice vs nginx proxy hop — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${DURATION}s runs"
printf '%-34s %12s %12s %8s\n' metric nginx sluice ratio
row() { printf '%-34s %12s %12s %8s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"; }
row "req/s, 1 connection" "${RPS1[nginx]}" "${RPS1[sluice]}"
row "req/s, 64 connections" "${RPS64[nginx]}" "${RPS64[sluice]}"
row "CPU µs per request (64 conns)" "${CPU[nginx]}" "${CPU[sluice]}"
row "added p50 µs @200 req/s (median/3)" "$(( P50[nginx] - P50[direct] ))" "$(( P50[sluice] - P50[direct] ))"
row "added p99 µs @200 req/s (median/3)" "$(( P99[nginx] - P99[direct] ))" "$(( P99[sluice] - P99[direct] ))"
row "stream first byte ms (direct ${TTFB[direct]})" "${TTFB[nginx]}" "${TTFB[sluice]}"
row "stream first token ms (direct ${TTFT[direct]})" "${TTFT[nginx]}" "${TTFT[sluice]}"
row "stream total ms (direct ${TOTAL[direct]})" "${TOTAL[nginx]}" "${TOTAL[sluice]}"
row "peak RSS KiB" "${RSS[nginx]}" "${RSS[sluice]}"
echo "direct upstream p50/p99 µs @200 req/s: ${P50[direct]}/${P99[direct]}"
echo
echo "routing: plain endpoint vs a 3-destination least_latency route (same sluice, same run)"
printf '%-34s %12s %12s %8s\n' metric endpoint route ratio
row "p50 µs @200 req/s (median/3)" "${P50[plain]}" "${P50[routed]}"
row "p99 µs @200 req/s (median/3)" "${P99[plain]}" "${P99[routed]}"
row "req/s, 64 connections" "${RPS64[sluice]}" "${RPS64[routed]}"
row "CPU µs per request (64 conns)" "${CPU[sluice]}" "${CPU[routed]}"
