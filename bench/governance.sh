#!/usr/bin/env bash
# Governance cost: the same endpoint through three sluice processes in front of the same
# fixed-body nginx upstream, in one run: governance off; a gateway key, three limits (key
# requests, team tokens, global requests) and the SQLite spend ledger on; and the same with the
# limit counters in a local redis-server; and the SQLite ledger replaced by a local PostgreSQL
# (keys and ledger shared by replicas).
#
# Reports p50/p99 added at a fixed 200 req/s (three interleaved rounds, median) and req/s and
# CPU µs per request at 64 connections, as ratios to governance off, and Redis commands per
# request (counted by the server).
#
# Usage: bench/governance.sh [seconds]   (default 10; needs `make build` and bench/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SLUICE=${SLUICE_BIN:-build/sluice}
WORK=$(mktemp -d /tmp/sluice-gov-bench.XXXXXX)
UP_PORT=18111 PLAIN_PORT=18112 GOV_PORT=18113 REDIS_GW_PORT=18114 REDIS_PORT=18115
PG_GW_PORT=18116 PG_PORT=18117
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
sed -e "s/port: $GOV_PORT/port: $REDIS_GW_PORT/" -e "s#gov-access.log#redis-access.log#" \
    -e "s#stores: {sqlite: \"$WORK/sluice.db\"}#stores: {sqlite: \"$WORK/redis-gw.db\", redis: \"redis://127.0.0.1:$REDIS_PORT\"}#" \
    "$WORK/gov.yaml" > "$WORK/redis.yaml"
sed -e "s/port: $GOV_PORT/port: $PG_GW_PORT/" -e "s#gov-access.log#pg-access.log#" \
    -e "s#stores: {sqlite: \"$WORK/sluice.db\"}#stores: {postgres: \"postgresql://sluice@127.0.0.1:$PG_PORT/postgres\"}#" \
    "$WORK/gov.yaml" > "$WORK/pg.yaml"
KEY=sk-sluice-bench-key-0123456789abcdefghijklmnopq
export BENCH_KEY=$KEY

taskset -c "$LOAD_CPU" nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & pids+=($!)
taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK" >/dev/null & pids+=($!)
# PostgreSQL refuses to run as root: then it runs as the package's postgres user.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
chmod 755 "$WORK"
mkdir "$WORK/pg"
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chown postgres "$WORK/pg"; fi
"${as_pg[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U sluice --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
taskset -c "$LOAD_CPU" "${as_pg[@]}" "$PG_BIN/postgres" -D "$WORK/pg/data" -p "$PG_PORT" -k "$WORK/pg" \
  -c listen_addresses=127.0.0.1 2>"$WORK/pg.err" & pids+=($!)
for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/$PG_PORT) 2>/dev/null && break; sleep 0.05; done
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/plain.yaml" 2>"$WORK/plain.err" & pids+=($!)
PLAIN_PID=$!
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/gov.yaml" 2>"$WORK/gov.err" & pids+=($!)
GOV_PID=$!
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/redis.yaml" 2>"$WORK/redis.err" & pids+=($!)
REDIS_PID=$!
taskset -c "$TARGET_CPU" "$SLUICE" serve --config "$WORK/pg.yaml" 2>"$WORK/pg-gw.err" & pids+=($!)
PG_PID=$!
for port in $UP_PORT $REDIS_PORT $PLAIN_PORT $GOV_PORT $REDIS_GW_PORT $PG_GW_PORT; do
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
URL_redis="http://127.0.0.1:$REDIS_GW_PORT/v1/chat/completions"
URL_pg="http://127.0.0.1:$PG_GW_PORT/v1/chat/completions"

# Sanity: the governed gateway refuses without the key and answers with it.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$BODY" "$URL_gov")
[ "$code" = 401 ] || { echo "governed sluice answered $code without a key"; exit 1; }

evalsha() { redis-cli -p "$REDIS_PORT" INFO commandstats | awk -F'[=,:]' '/cmdstat_evalsha/ {print $3}'; }
declare -A RPS CPU L50 L99 P50 P99 REQS
for t in plain gov redis pg; do
  url_var="URL_$t"; pid_var="${t^^}_PID"
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d3s -s "$WORK/post.lua" "${!url_var}" >/dev/null  # warm-up
  before=$(cpu_ticks "${!pid_var}")
  [ $t = redis ] && calls_before=$(evalsha)
  read -r RPS[$t] reqs < <(wrk_run "${!url_var}" 64)
  after=$(cpu_ticks "${!pid_var}")
  CPU[$t]=$(( (after - before) * TICK_US / reqs ))
  REQS[$t]=$reqs
done
calls_after=$(evalsha)
for round in 1 2 3; do
  for t in direct plain gov redis pg; do
    url_var="URL_$t"
    read -r p50 p99 < <(latency "${!url_var}" "$WORK/h2load-$t-$round.log" "$WORK/body.json" -H "Authorization: Bearer $KEY")
    L50[$t]+="$p50 "; L99[$t]+="$p99 "
  done
done
for t in direct plain gov redis pg; do
  # shellcheck disable=SC2086
  P50[$t]=$(median3 ${L50[$t]}); P99[$t]=$(median3 ${L99[$t]})
done
kill -TERM "$GOV_PID" "$PG_PID"; wait "$GOV_PID" "$PG_PID" 2>/dev/null || true
ledger=$(BENCH_KEY=$KEY "$SLUICE" spend -c "$WORK/gov.yaml" --by key --since 1d --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.reduce((n,r)=>n+r.requests,0)))')

pg_ledger=$(psql -h 127.0.0.1 -p "$PG_PORT" -U sluice -d postgres -At -c 'SELECT count(*) FROM ledger')
pg_served=$(grep -c '"status":200' "$WORK/pg-access.log" || true)

added() { echo $(( $1 - P50[direct] )); }
added99() { echo $(( $1 - P99[direct] )); }
row() { awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" -v d="$5" 'BEGIN {printf "%-34s %9s %9s %9s %9s %6.2f %6.2f %6.2f\n", n, a, b, c, d, (a > 0 ? b / a : 0), (a > 0 ? c / a : 0), (a > 0 ? d / a : 0)}'; }
echo "governance: plain endpoint vs key + 3 limits + SQLite ledger, Redis limits, or PostgreSQL ledger (same run, ${DURATION}s per measurement)"
printf '%-34s %9s %9s %9s %9s %6s %6s %6s\n' metric plain governed +redis pg gov/pl red/pl pg/pl
row "added p50 µs @200 req/s (median/3)" "$(added "${P50[plain]}")" "$(added "${P50[gov]}")" "$(added "${P50[redis]}")" "$(added "${P50[pg]}")"
row "added p99 µs @200 req/s (median/3)" "$(added99 "${P99[plain]}")" "$(added99 "${P99[gov]}")" "$(added99 "${P99[redis]}")" "$(added99 "${P99[pg]}")"
row "req/s, 64 connections" "${RPS[plain]}" "${RPS[gov]}" "${RPS[redis]}" "${RPS[pg]}"
row "CPU µs per request (64 conns)" "${CPU[plain]}" "${CPU[gov]}" "${CPU[redis]}" "${CPU[pg]}"
echo "ledger records written by the governed gateway: $ledger"
echo "PostgreSQL ledger: $pg_ledger records for $pg_served answered requests"
awk -v c=$((calls_after - calls_before)) -v r="${REQS[redis]}" 'BEGIN {printf "Redis EVALSHA per request (64-connection run): %d / %d = %.3f\n", c, r, c / r}'
