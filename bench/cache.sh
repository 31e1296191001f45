#!/usr/bin/env bash
# Response cache cost and gain, in one run, against the fixed-body nginx upstream:
#   hit      the same request again and again (answered from the in-process cache)
#   miss     the same request with Cache-Control: no-cache (a refresh: the provider is called and
#            its answer stored, so every request pays the whole miss path)
#   static   nginx serving a file of the answer's size on the same core: the floor for a hit
# Reports req/s and CPU µs per request at 64 connections (hit over miss), p50/p99 at a fixed
# 200 req/s (median of three interleaved rounds; a hit's p50 next to nginx's), the RSS that
# 100,000 distinct stored answers add, and the time a stored answer of 0.5, 1 and 2 MB takes to
# replay as a stream (which should double with the size, not quadruple).
#
# Usage: bench/cache.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-cache-bench.XXXXXX)
UP_PORT=18131 GW_PORT=18132 STATIC_PORT=18133 BIG_PORT=18134
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
cat > "$WORK/gw.yaml" <<YAML
server: {host: 127.0.0.1, port: $GW_PORT, workers: 1, access_log: "$WORK/access.log"}
auth: {admin_key: bench-admin-key-0123456789}
cache: {mode: exact, scope: global, memory_bytes: 2147483648}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$UP_PORT/v1"}}
  - name: big
    endpoint_type: llm/v1/chat
    cache: {max_entry_bytes: 8388608}
    model: {provider: openai, name: big, config: {openai_api_key: sk-bench, openai_api_base: "http://127.0.0.1:$BIG_PORT/v1"}}
YAML
# The static file: the answer a hit sends, served by nginx on the gateway's core.
mkdir -p "$WORK/static/logs" "$WORK/static/www"
chmod 755 "$WORK" "$WORK/static" "$WORK/static/www"  # nginx's workers run as another user
cat > "$WORK/static/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $WORK/static/logs/error.log warn;
pid $WORK/static/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$STATIC_PORT reuseport;
    location / { root $WORK/static/www; default_type application/json; }
  }
}
NGINX

taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
# Answers of the size the request's max_tokens asks for, in bytes of text.
taskset -c "$LOAD_CPU" node -e '
require("http").createServer((req, res) => { let b = ""; req.on("data", (c) => b += c).on("end", () => {
  const n = JSON.parse(b).max_tokens; const words = "lorem ipsum dolor sit amet, ".repeat(Math.ceil(n / 28)).slice(0, n);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ id: "big", object: "chat.completion", created: 1, model: "big",
    choices: [{ index: 0, message: { role: "assistant", content: words }, finish_reason: "stop" }],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } })); }); }).listen(process.argv[1], "127.0.0.1");
' "$BIG_PORT" & pids+=($!)
taskset -c "$TARGET_CPU" nginx -c "$WORK/static/nginx.conf" -p "$WORK/static" & pids+=($!)
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gw.yaml" 2>"$WORK/gw.err" & pids+=($!)
GW_PID=$!
for port in $UP_PORT $GW_PORT $STATIC_PORT $BIG_PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done
sleep 0.3

BODY='{"model":"chat","messages":[{"role":"user","content":"Say something short."}],"max_tokens":50}'
printf '%s' "$BODY" > "$WORK/body.json"
URL="http://127.0.0.1:$GW_PORT/v1/chat/completions"
curl -s -H 'Content-Type: application/json' -d "$BODY" "$URL" > "$WORK/static/www/answer.json"
chmod 644 "$WORK/static/www/answer.json"
hdr=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' -d "$BODY" "$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-sluice-cache" {print $2}')
[ "$hdr" = hit ] || { echo "the second request was not a hit ($hdr)"; exit 1; }
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s%s%s\n' "'" "$BODY" "'" > "$WORK/post.lua"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Cache-Control"] = "no-cache"\nwrk.body = %s%s%s\n' "'" "$BODY" "'" > "$WORK/miss.lua"

declare -A RPS CPU L50 L99 P50 P99
for t in hit miss; do
  [ $t = hit ] && script="$WORK/post.lua" || script="$WORK/miss.lua"
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$script" "$URL" >/dev/null  # warm-up
  before=$(cpu_ticks "$GW_PID")
  read -r RPS[$t] reqs < <(wrk_run "$URL" 64 "$script")
  after=$(cpu_ticks "$GW_PID")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
done
for round in 1 2 3; do
  read -r p50 p99 < <(latency "$URL" "$WORK/h2load-hit-$round.log" "$WORK/body.json")
  L50[hit]+="$p50 "; L99[hit]+="$p99 "
  read -r p50 p99 < <(latency "$URL" "$WORK/h2load-miss-$round.log" "$WORK/body.json" -H "Cache-Control: no-cache")
  L50[miss]+="$p50 "; L99[miss]+="$p99 "
  log="$WORK/h2load-static-$round.log"
  taskset -c "$LOAD_CPU" h2load --h1 -D "$DURATION" -c 10 --rps 20 --log-file="$log" \
    "http://127.0.0.1:$STATIC_PORT/answer.json" >/dev/null
  read -r p50 p99 < <(awk '$2 == 200 {print $3}' "$log" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.5)], a[int(NR*0.99)]}')
  L50[static]+="$p50 "; L99[static]+="$p99 "
done
for t in hit miss static; do
  # shellcheck disable=SC2086
  P50[$t]=$(median3 ${L50[$t]}); P99[$t]=$(median3 ${L99[$t]})
done

# 100,000 distinct answers stored: the RSS they add.
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
curl -s -X DELETE -H 'Authorization: Bearer bench-admin-key-0123456789' "http://127.0.0.1:$GW_PORT/admin/cache" >/dev/null
rss_before=$(rss_kb "$GW_PID")
taskset -c "$LOAD_CPU" node -e '
const url = process.argv[1]; let next = 0; const total = 100000;
async function worker() {
  while (next < total) {
    const i = next++;
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: `Say something short, number ${i}.` }], max_tokens: 50 }) });
    await r.arrayBuffer();
  }
}
Promise.all(Array.from({ length: 32 }, worker)).catch((e) => { console.error(e); process.exit(1); });
' "$URL"
stats=$(curl -s -H 'Authorization: Bearer bench-admin-key-0123456789' "http://127.0.0.1:$GW_PORT/admin/cache")
rss_after=$(rss_kb "$GW_PID")
entries=$(echo "$stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.entries, j.bytes)})')

# A large stored answer replayed as a stream: time to the last byte (median of three).
declare -A REPLAY
for size in 500000 1000000 2000000; do
  big="{\"model\":\"big\",\"max_tokens\":$size,\"messages\":[{\"role\":\"user\",\"content\":\"big\"}]}"
  curl -s -o /dev/null -H 'Content-Type: application/json' -d "$big" "$URL"  # stores it
  big_stream="${big%\}},\"stream\":true}"
  times=()
  for _ in 1 2 3; do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d "$big_stream" "$URL")")
  done
  REPLAY[$size]=$(median3 "${times[@]}")
done

row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%-36s %10s %10s %7.2f\n", n, a, b, (b > 0 ? a / b : 0)}'; }
echo "response cache: hits vs misses (Cache-Control: no-cache), one sluice worker, same run, ${DURATION}s per measurement"
printf '%-36s %10s %10s %7s\n' metric hit miss hit/miss
row "req/s, 64 connections" "${RPS[hit]}" "${RPS[miss]}"
row "CPU µs per request (64 conns)" "${CPU[hit]}" "${CPU[miss]}"
row "p50 µs @200 req/s (median/3)" "${P50[hit]}" "${P50[miss]}"
row "p99 µs @200 req/s (median/3)" "${P99[hit]}" "${P99[miss]}"
echo "nginx static file of the same answer: p50 ${P50[static]} µs, p99 ${P99[static]} µs; hit p50 - static p50 = $(( P50[hit] - P50[static] )) µs"
read -r n bytes <<<"$entries"
awk -v n="$n" -v b="$bytes" -v r0="$rss_before" -v r1="$rss_after" 'BEGIN {
  printf "%d entries stored (%.1f MB of encoded answers): RSS %.1f MB -> %.1f MB, +%.1f MB (%.0f bytes an entry)\n",
    n, b / 1e6, r0 / 1024, r1 / 1024, (r1 - r0) / 1024, (r1 - r0) * 1024 / (n > 0 ? n : 1) }'
awk -v a="${REPLAY[500000]}" -v b="${REPLAY[1000000]}" -v c="${REPLAY[2000000]}" 'BEGIN {
  printf "a stored answer replayed as a stream: 0.5 MB %.3f s, 1 MB %.3f s, 2 MB %.3f s (2 MB / 1 MB = %.2f)\n", a, b, c, (b > 0 ? c / b : 0) }'
