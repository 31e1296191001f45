#!/usr/bin/env bash
# What OpenTelemetry tracing and payload logs cost a request, in one run: four sluice processes
# (one worker each, one at a time on the same core) in front of the fixed-body nginx upstream —
# `off` (neither), `ratio0` (otel configured, sample_ratio 0: ids made and traceparent sent,
# nothing recorded), `on` (sample_ratio 1.0: every request a server span and a client span,
# exported as protobuf to an nginx location that takes and discards them) and `logged`
# (request_log: every request's prompt and answer written to SQLite, no tracing).
#
# Reports req/s and CPU µs per request at 64 connections (exporter thread included: it is the
# same process), and p50/p99 at 200 req/s (three interleaved rounds, median), each over `off`.
#
# Usage: bench/tracing.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-tracing-bench.XXXXXX)
UP_PORT=18151
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
# The collector: the same nginx, answering 200 to any OTLP POST.
sed -i 's|    location = /v1/embeddings|    location = /v1/traces { return 200; }\n    location = /v1/embeddings|' "$WORK/up/nginx.conf"
taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)

declare -A PORT=([off]=18152 [ratio0]=18153 [on]=18154 [logged]=18155) PID
declare -A OTEL=([off]="" [ratio0]="otel: {endpoint: \"http://127.0.0.1:$UP_PORT\", sample_ratio: 0}"
                 [on]="otel: {endpoint: \"http://127.0.0.1:$UP_PORT\", sample_ratio: 1.0}"
                 [logged]="request_log: {enabled: true}
stores: {sqlite: \"$WORK/logged.db\"}")
for t in off ratio0 on logged; do
  cat > "$WORK/$t.yaml" <<YAML
server: {host: 127.0.0.1, port: ${PORT[$t]}, workers: 1, access_log: "$WORK/$t.log"}
${OTEL[$t]}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}
YAML
  taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/$t.yaml" 2>"$WORK/$t.err" & pids+=($!)
  PID[$t]=$!
done
for port in $UP_PORT "${PORT[@]}"; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
sleep 0.3
printf '{"model":"chat","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":50}' > "$WORK/body.json"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$(cat "$WORK/body.json")" > "$WORK/post.lua"

declare -A RPS CPU L50 L99 P50 P99
for t in off ratio0 on logged; do
  url="http://127.0.0.1:${PORT[$t]}/v1/chat/completions"
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$WORK/post.lua" "$url" >/dev/null  # warm-up
  before=$(cpu_ticks "${PID[$t]}")
  read -r RPS[$t] reqs < <(wrk_run "$url" 64)
  after=$(cpu_ticks "${PID[$t]}")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
done
for round in 1 2 3; do
  for t in off ratio0 on logged; do
    read -r p50 p99 < <(latency "http://127.0.0.1:${PORT[$t]}/v1/chat/completions" "$WORK/h2load-$t-$round.log")
    L50[$t]+="$p50 "; L99[$t]+="$p99 "
  done
done
for t in off ratio0 on logged; do
  # shellcheck disable=SC2086
  P50[$t]=$(median3 ${L50[$t]}); P99[$t]=$(median3 ${L99[$t]})
done
exported=$(curl -s "http://127.0.0.1:${PORT[on]}/metrics" | awk '/sluice_trace_spans_total\{outcome="exported"\}/ {print $2}')
dropped=$(curl -s "http://127.0.0.1:${PORT[on]}/metrics" | awk '/sluice_trace_spans_total\{outcome="dropped_queue_full"\}/ {print $2}')
[ "${exported:-0}" -gt 0 ] || { echo "tracing on exported no span: $(cat "$WORK/on.err")"; exit 1; }

logged=$(curl -s "http://127.0.0.1:${PORT[logged]}/metrics" | awk '/^sluice_request_log_written_total/ {print $2}')
[ "${logged:-0}" -gt 0 ] || { echo "the request log wrote nothing: $(cat "$WORK/logged.err")"; exit 1; }

row() { awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" -v d="$5" 'BEGIN {printf "%-30s %9s %9s %9s %9s %7.2f %7.2f %7.2f\n", n, a, b, c, d, (a > 0 ? b / a : 0), (a > 0 ? c / a : 0), (a > 0 ? d / a : 0)}'; }
echo "tracing (otel at sample_ratio 0 and 1.0, protobuf to a discarding collector) and payload logs (SQLite) vs neither, one worker, same run, ${DURATION}s per measurement"
printf '%-30s %9s %9s %9s %9s %7s %7s %7s\n' "" off ratio0 on logged "r0/off" "on/off" "log/off"
row "req/s, 64 connections" "${RPS[off]}" "${RPS[ratio0]}" "${RPS[on]}" "${RPS[logged]}"
row "CPU µs per request" "${CPU[off]}" "${CPU[ratio0]}" "${CPU[on]}" "${CPU[logged]}"
row "p50 µs @200 req/s (median/3)" "${P50[off]}" "${P50[ratio0]}" "${P50[on]}" "${P50[logged]}"
row "p99 µs @200 req/s (median/3)" "${P99[off]}" "${P99[ratio0]}" "${P99[on]}" "${P99[logged]}"
ldropped=$(curl -s "http://127.0.0.1:${PORT[logged]}/metrics" | awk '/^sluice_request_log_dropped_total/ {print $2}')
echo "spans exported: $exported, dropped (queue full): ${dropped:-0}; request log records written: $logged, dropped: ${ldropped:-0}"
