#!/usr/bin/env bash
# What the PII and secrets guardrails cost a request through the gateway, in one run: one sluice
# worker with two endpoints in front of the fixed-body nginx upstream, `plain` (no guardrails) and
# `guarded` (pii: mask on input and output with the values restored; secrets: block on both).
# The prompt is about 4 KB of prose with two email addresses and a phone number in it (so masking
# and restoring run), then about 100 KB of the same.
#
# Reports req/s and CPU µs per request at 64 connections, p50/p99 at a fixed 200 req/s (three
# interleaved rounds, median), guarded over plain; and for the 100 KB prompt the guardrails'
# throughput in MB of prompt per second of one core (the extra CPU a request costs, per byte).
#
# Usage: bench/guardrails/gateway.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-guardrails-bench.XXXXXX)
UP_PORT=18141 GW_PORT=18142
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
model="model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: \"http://127.0.0.1:$UP_PORT/v1\"}}"
cat > "$WORK/gw.yaml" <<YAML
server: {host: 127.0.0.1, port: $GW_PORT, workers: 1, access_log: "$WORK/access.log", max_body_bytes: 1048576}
guardrails:
  - {name: pii, type: pii, on: both, action: mask, restore_in_answer: true}
  - {name: secrets, type: secrets, on: both, action: block}
endpoints:
  - name: plain
    endpoint_type: llm/v1/chat
    $model
  - name: guarded
    endpoint_type: llm/v1/chat
    guardrails: [pii, secrets]
    $model
YAML
taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gw.yaml" 2>"$WORK/gw.err" & pids+=($!)
GW_PID=$!
for port in $UP_PORT $GW_PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
sleep 0.3

# The bodies (JSON by node, so the prose needs no shell quoting) and a wrk script per body.
node -e '
const fs = require("fs");
const dir = process.argv[1];
const para = "Hello team, following up on the quarterly review of the onboarding flow. The customer, " +
  "Maria Lopez, wrote to maria.lopez@example.com last week and asked us to call her back on " +
  "+44 20 7946 0958 about the invoice; her colleague at jon.berg@example.org was copied. Please " +
  "summarise the thread below, list the open questions, and draft a reply that is polite, short " +
  "and specific about the next steps, the owners and the dates we committed to in the meeting. ";
const filler = "The rollout went to twelve regions over three weeks without incident, and the " +
  "support queue shrank by a fifth once the new help pages were live; two teams asked for more " +
  "time to migrate their dashboards, and finance wants the usage report split by product line. ";
const prose = (bytes) => { let s = para; while (s.length < bytes) s += filler; return s.slice(0, bytes); };
for (const [name, bytes] of [["4k", 4096], ["100k", 102400]]) {
  for (const model of ["plain", "guarded"]) {
    const body = JSON.stringify({ model, messages: [{ role: "user", content: prose(bytes) }], max_tokens: 50 });
    fs.writeFileSync(`${dir}/${model}-${name}.json`, body);
    fs.writeFileSync(`${dir}/${model}-${name}.lua`,
      `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`);
  }
}' "$WORK"
URL="http://127.0.0.1:$GW_PORT/v1/chat/completions"
for b in plain-4k guarded-4k plain-100k guarded-100k; do
  code=$(curl -s -o "$WORK/$b.out" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$WORK/$b.json" "$URL")
  [ "$code" = 200 ] || { echo "$b: HTTP $code: $(cat "$WORK/$b.out")"; exit 1; }
done
grep -q '"guardrails"' "$WORK/access.log" || { echo "the guarded endpoint logged no guardrail action"; exit 1; }

declare -A RPS CPU L50 L99 P50 P99
for b in plain-4k guarded-4k plain-100k guarded-100k; do
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$WORK/$b.lua" "$URL" >/dev/null  # warm-up
  before=$(cpu_ticks "$GW_PID")
  read -r RPS[$b] reqs < <(wrk_run "$URL" 64 "$WORK/$b.lua")
  after=$(cpu_ticks "$GW_PID")
  CPU[$b]=$(( (after - before) * TICK_US / reqs ))
done
for round in 1 2 3; do
  for b in plain-4k guarded-4k; do
    read -r p50 p99 < <(latency "$URL" "$WORK/h2load-$b-$round.log" "$WORK/$b.json")
    L50[$b]+="$p50 "; L99[$b]+="$p99 "
  done
done
for b in plain-4k guarded-4k; do
  # shellcheck disable=SC2086
  P50[$b]=$(median3 ${L50[$b]}); P99[$b]=$(median3 ${L99[$b]})
done

row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%-34s %10s %10s %7.2f\n", n, a, b, (a > 0 ? b / a : 0)}'; }
echo "guardrails (pii mask + restore, secrets block) vs none, one sluice worker, same run, ${DURATION}s per measurement"
printf '%-34s %10s %10s %7s\n' "4 KB prompt" plain guarded "g/p"
row "req/s, 64 connections" "${RPS[plain-4k]}" "${RPS[guarded-4k]}"
row "CPU µs per request" "${CPU[plain-4k]}" "${CPU[guarded-4k]}"
row "p50 µs @200 req/s (median/3)" "${P50[plain-4k]}" "${P50[guarded-4k]}"
row "p99 µs @200 req/s (median/3)" "${P99[plain-4k]}" "${P99[guarded-4k]}"
echo "4 KB: p50 added $(( P50[guarded-4k] - P50[plain-4k] )) µs"
printf '%-34s %10s %10s %7s\n' "100 KB prompt" plain guarded "g/p"
row "req/s, 64 connections" "${RPS[plain-100k]}" "${RPS[guarded-100k]}"
row "CPU µs per request" "${CPU[plain-100k]}" "${CPU[guarded-100k]}"
awk -v p="${CPU[plain-100k]}" -v g="${CPU[guarded-100k]}" 'BEGIN {
  d = g - p; printf "100 KB: the guardrails take %d µs of CPU a request: %.1f MB/s per core\n", d, (d > 0 ? 102400 / d : 0) }'
