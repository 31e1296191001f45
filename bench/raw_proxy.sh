#!/usr/bin/env bash
# What a request costs the gateway by the path it takes to the same endpoint, in one process
# (one worker on its own core, the fixed-body nginx upstream and wrk on the other):
# /v1/chat/completions (translated), the OpenAI passthrough /gateway/openai/v1/chat/completions
# and MLflow 3's raw proxy /gateway/proxy/chat/chat/completions (raw_proxy: true). Each is
# measured ROUNDS times in turn, so the machine's drift shows as a difference between rounds.
#
# Usage: [ROUNDS=2] [ORDER="raw passthrough v1"] bench/raw_proxy.sh [seconds]
#        (default 8 s; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-8}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-raw-proxy-bench.XXXXXX)
UP_PORT=18181 PORT=18182
TARGET_CPU=0 LOAD_CPU=1
[ "$(nproc)" -ge 2 ] || { LOAD_CPU=0; echo "warning: one core; gateway and load share it"; }
command -v wrk >/dev/null && command -v nginx >/dev/null || bash bench/setup.sh
[ -x "$SLUICE" ] || { echo "build sluice first (make build)"; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
write_upstream_conf "$WORK/up" "$UP_PORT"
taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
cat > "$WORK/gw.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: "$WORK/gw.log"}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, raw_proxy: true, model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}}
YAML
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gw.yaml" 2>"$WORK/gw.err" & pids+=($!)
GW=$!
for port in $UP_PORT $PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done

# The same request; the raw proxy's names the provider's model, the others the endpoint.
declare -A URL=([v1]=/v1/chat/completions [passthrough]=/gateway/openai/v1/chat/completions
                [raw]=/gateway/proxy/chat/chat/completions)
for k in v1 passthrough raw; do
  model=chat; [ $k = raw ] && model=gpt-4o-mini
  printf '{"model":"%s","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":50}' "$model" > "$WORK/$k.json"
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$(cat "$WORK/$k.json")" > "$WORK/$k.lua"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT${URL[$k]}" -H 'content-type: application/json' -d @"$WORK/$k.json")
  [ "$code" = 200 ] || { echo "$k answers $code: $(cat "$WORK/gw.err")"; exit 1; }
done
taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$WORK/v1.lua" "http://127.0.0.1:$PORT/v1/chat/completions" >/dev/null  # warm-up

echo "one worker, the same endpoint by three paths, ${DURATION}s per measurement"
printf '%-8s %-12s %10s %8s %8s\n' round path "req/s" "CPU µs" "/v1"
for round in $(seq "${ROUNDS:-2}"); do
  declare -A CPU=()
  for k in ${ORDER:-v1 passthrough raw}; do
    before=$(cpu_ticks "$GW")
    read -r rps reqs < <(wrk_run "http://127.0.0.1:$PORT${URL[$k]}" 64 "$WORK/$k.lua")
    after=$(cpu_ticks "$GW")
    CPU[$k]=$(( (after - before) * TICK_US / reqs ))
    printf '%-8s %-12s %10s %8s\n' "$round" "$k" "$rps" "${CPU[$k]}"
  done
  awk -v v="${CPU[v1]}" -v p="${CPU[passthrough]}" -v r="${CPU[raw]}" \
    'BEGIN {printf "round %s: passthrough/v1 %.2f, raw/v1 %.2f, raw/passthrough %.2f\n", "'"$round"'", p / v, r / v, r / p}'
done
