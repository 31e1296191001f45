#!/usr/bin/env bash
# CPU instructions per request, two sluice binaries side by side, counted by callgrind: exact
# and repeatable on a shared, noisy machine where timings are not. Each binary serves a mixed
# load (plain chat, streams, embeddings) twice: N requests, then 0; the difference divided by N
# is the cost of a request, start-up excluded. Four configs: `plain`, `governed` (a gateway
# key, three limits and the SQLite ledger on) and `budgeted` (governed plus two budgets on priced
# models) answer from the in-process mock provider, so they count the gateway alone; `proxied` is the `openai` provider over loopback to bench/run.sh's
# upstreams (nginx's canned JSON, the paced SSE server) with the access log on, so it adds the
# upstream client, the provider's translation and the log line. The upstreams run outside
# valgrind and are not counted.
#
# Usage: bench/instructions.sh OLD_BINARY [NEW_BINARY] [N]   (NEW defaults to build/sluice, N to 2000)
# Needs valgrind (apt-get install valgrind), node and nginx (bench/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: bench/instructions.sh OLD_BINARY [NEW_BINARY] [N]}
NEW=${2:-build/sluice}
N=${3:-2000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
WORK=$(mktemp -d /tmp/sluice-instructions.XXXXXX)
PORT=18131 UP_PORT=18132 SSE_PORT=18133
upstreams=()
trap 'kill "${upstreams[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
KEY=sk-sluice-bench-key-0123456789abcdefghijklmnopq

cat > "$WORK/plain.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: ""}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: mock-chat}}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: {provider: mock, name: mock-embed}}
YAML
cat > "$WORK/governed.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: ""}
auth:
  mode: keys
  pepper: bench-pepper-0123456789abcdef0123
  keys:
    - name: bench
      key: \${{ secrets.BENCH_KEY }}
      team: bench
      limits: [{requests: 100000000, per: minute}]
limits:
  - {scope: team, tokens: 1000000000, per: minute}
  - {scope: global, requests: 100000000, per: minute}
stores: {sqlite: $WORK/ledger.db}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: mock-chat}}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: {provider: mock, name: mock-embed}}
YAML
# governed plus budgets (a key's own and a team's, never reached) on priced models: each request's
# worst case is counted, held and given back.
sed -e 's/      limits: \[{requests: 100000000, per: minute}\]/&\n      budget: {usd: 1000000, per: day}/' \
  "$WORK/governed.yaml" > "$WORK/budgeted.yaml"
cat >> "$WORK/budgeted.yaml" <<YAML
budgets:
  - {scope: team, usd: 1000000, per: month}
pricing:
  mock:
    mock-chat: {input: 1, output: 2}
    mock-embed: {input: 0.1, output: 0}
YAML
openai() { echo "{provider: openai, name: $1, config: {openai_api_key: sk-bench, openai_api_base: \"http://127.0.0.1:$2/v1\"}}"; }
cat > "$WORK/proxied.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: "$WORK/access.log"}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: $(openai gpt-4o-mini "$UP_PORT")}
  - {name: stream, endpoint_type: llm/v1/chat, model: $(openai gpt-4o-mini "$SSE_PORT/stream")}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: $(openai text-embedding-3-small "$UP_PORT")}
YAML

cat > "$WORK/load.mjs" <<'JS'
// Sends N requests one at a time: half plain chat, a quarter streams, a quarter embeddings.
// Streams go to the endpoint named by the 4th argument (the mock answers streams on `chat`).
const [port, n, key, streamModel] = [process.argv[2], Number(process.argv[3]), process.argv[4], process.argv[5] || 'chat'];
const headers = { 'content-type': 'application/json' };
if (key) headers.authorization = `Bearer ${key}`;
const post = (body) => fetch(`http://127.0.0.1:${port}/v1/${body.input ? 'embeddings' : 'chat/completions'}`,
  { method: 'POST', headers, body: JSON.stringify(body) }).then(async (r) => {
  const text = await r.text();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${text}`);
});
for (let i = 0; i < n; i++) {
  const kind = i % 4;
  if (kind < 2) await post({ model: 'chat', messages: [{ role: 'user', content: 'Hello there, how are you today? ' + i }], temperature: 0.2 });
  else if (kind === 2) await post({ model: streamModel, stream: true, messages: [{ role: 'user', content: 'Stream please ' + i }] });
  else await post({ model: 'embed', input: 'some text to embed ' + i });
}
JS

# Total instructions (Ir) of one run of `binary` with `config` answering `n` requests.
instructions() {
  local binary=$1 config=$2 n=$3 key=${4:-} stream_model=${5:-chat}
  rm -f "$WORK/ledger.db"*
  BENCH_KEY=$KEY valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$binary" serve --config "$config" \
    >"$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  node "$WORK/load.mjs" "$PORT" "$n" "$key" "$stream_model"
  kill -TERM "$pid"
  wait "$pid" || true
  grep -m1 '^summary:' "$WORK/cg.out" | awk '{print $2}'
}

per_request() {
  local binary=$1 config=$2 key=${3:-} stream_model=${4:-chat}
  local with without
  with=$(instructions "$binary" "$config" "$N" "$key" "$stream_model")
  without=$(instructions "$binary" "$config" 0 "$key" "$stream_model")
  echo $(( (with - without) / N ))
}

# The proxied config's upstreams (bench/run.sh's), outside valgrind.
command -v nginx >/dev/null || bash bench/setup.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
write_upstream_conf "$WORK/up" "$UP_PORT"
nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & upstreams+=($!)
node bench/sse_upstream.mjs "$SSE_PORT" & upstreams+=($!)
for port in $UP_PORT $SSE_PORT; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
done

printf '%-22s %14s %14s %8s\n' "config" "old Ir/req" "new Ir/req" "new/old"
for run in plain governed budgeted proxied; do
  key="" stream_model=chat
  [ "$run" = governed ] || [ "$run" = budgeted ] && key=$KEY
  [ "$run" = proxied ] && stream_model=stream
  old=$(per_request "$OLD" "$WORK/$run.yaml" "$key" "$stream_model")
  new=$(per_request "$NEW" "$WORK/$run.yaml" "$key" "$stream_model")
  printf '%-22s %14d %14d %8.3f\n' "$run" "$old" "$new" "$(echo "$new / $old" | bc -l)"
done
